// `tpuplan catalog`: what the tool knows. The list shows offerings with their size and
// prices by tier; `catalog show ID` shows one offering (or a name in every region, or an
// accelerator with its specs) with every price's source, date and derivation.
#include "command.hpp"

#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/data/skypilot_import.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <memory>
#include <set>

namespace tpuplan::app {

namespace {

struct CatalogOptions {
  std::string kind;
  std::string accelerator;
  std::string region;
  std::string cloud;
  std::string show_id;
  std::string import_dir;
  std::string write_dir;
  std::string as_of;
  std::string source_url;
};

/// "on_demand", "spot", "1y", "3y": the suffix of per-tier column keys.
std::string tier_key(Tier t) {
  std::string s(to_string(t));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

Cell text(const std::string& s) { return s.empty() ? Cell{} : Cell{s}; }
Cell integer(int v) { return static_cast<std::int64_t>(v); }

/// The dates of an offering's prices, distinct, in tier order: "2025-06, 2025-03-03".
std::string price_dates(const Offering& o) {
  std::vector<std::string> dates;
  for (Tier t : k_all_tiers) {
    if (const auto& p = o.price(t); p && std::find(dates.begin(), dates.end(), p->as_of) == dates.end()) {
      dates.push_back(p->as_of);
    }
  }
  return fmt::format("{}", fmt::join(dates, ", "));
}

// ---- the offerings table (list, and an accelerator's offerings) --------------------------

Table offerings_table(const Catalog& catalog, const std::vector<const Offering*>& offerings, std::string title) {
  Table t;
  t.name = "offerings";
  t.title = std::move(title);
  t.columns = {
      {"offering", "offering", 0, true, "offering id: <name>@<region>"},
      {"name", "name", 0, false, "the provider's name of what is rented (TPU slice, VM, instance)"},
      {"cloud", "cloud", 0, true, "cloud provider"},
      {"region", "region", 0, false, "cloud region"},
      {"accelerator", "accelerator", 0, false, "accelerator id ('tpuplan catalog show ID' lists its specs)"},
      {"kind", "kind", 0, true, "tpu or gpu"},
      {"chips", "chips", 0, false, "accelerator chips (GPUs) in the offering"},
      {"hosts", "hosts", 0, false, "host VMs the chips are spread over"},
      {"hbm_gib_total", "HBM GiB", 0, false, "accelerator memory of all chips, GiB"},
  };
  for (Tier t_ : k_all_tiers) {
    t.columns.push_back({"usd_per_hour_" + tier_key(t_), fmt::format("$/h {}", to_string(t_)), 2, false,
                         fmt::format("{} price of the whole offering, USD per hour; empty = no sourced price",
                                     to_string(t_))});
  }
  t.columns.push_back({"covers", "price covers", 0, true, "what the price includes"});
  t.columns.push_back({"as_of", "as of", 0, false, "dates of the prices, distinct, in tier order"});
  for (Tier t_ : k_all_tiers) {
    t.columns.push_back({"as_of_" + tier_key(t_), fmt::format("as of {}", to_string(t_)), 0, true,
                         fmt::format("date of the {} price", to_string(t_))});
  }
  for (Tier t_ : k_all_tiers) {
    t.columns.push_back({"source_" + tier_key(t_), fmt::format("source {}", to_string(t_)), 0, true,
                         fmt::format("where the {} price comes from", to_string(t_))});
  }

  set_priority(t, {"hosts"}, -1); // to fit a terminal: the hosts go before the prices' dates
  std::map<std::tuple<std::string, std::string, std::string>, bool> covers; // (cloud, kind, covers)
  bool any_tpu = false;
  for (const Offering* o : offerings) {
    const Accelerator& a = catalog.accelerator_of(*o);
    any_tpu = any_tpu || a.kind == AcceleratorKind::tpu;
    covers[{o->cloud, std::string(to_string(a.kind)), o->covers}] = true;
    std::vector<Cell> row = {o->id,         o->name,  o->cloud,
                             o->region,     o->accelerator, std::string(to_string(a.kind)),
                             integer(o->chips), integer(o->hosts), a.hbm_gib * o->chips};
    for (Tier t_ : k_all_tiers) {
      const auto& p = o->price(t_);
      row.push_back(p ? Cell{p->usd_per_hour} : Cell{});
    }
    row.push_back(text(o->covers));
    row.push_back(text(price_dates(*o)));
    for (Tier t_ : k_all_tiers) {
      row.push_back(o->price(t_) ? text(o->price(t_)->as_of) : Cell{});
    }
    for (Tier t_ : k_all_tiers) {
      row.push_back(o->price(t_) ? text(o->price(t_)->source) : Cell{});
    }
    t.rows.push_back(std::move(row));
  }

  t.notes.push_back("prices are USD per hour for the whole offering; '-' (empty in CSV, null in JSON) means no "
                    "sourced price for that tier, never $0");
  for (const auto& [key, _] : covers) {
    const auto& [cloud, kind, what] = key;
    t.notes.push_back(fmt::format("{} {} prices cover: {}", cloud, kind, what));
  }
  if (any_tpu) {
    t.notes.push_back("TPU slice names: v4-N and v5p-N count TensorCores (v5p-8 = 4 chips), v5e-N and v6e-N count "
                      "chips");
  }
  t.notes.push_back("each price's source and derivation: tpuplan catalog show NAME (--wide adds dates and sources "
                    "per tier here)");
  return t;
}

// ---- show: an accelerator -----------------------------------------------------------------

Table accelerator_table(const Accelerator& a) {
  Table t;
  t.name = "accelerator";
  t.title = fmt::format("{} ({})", a.name, a.id);
  t.columns = {
      {"accelerator", "accelerator", 0, false, "accelerator id"},
      {"name", "name", 0, true, "display name"},
      {"kind", "kind", 0, false, "tpu or gpu"},
      {"vendor", "vendor", 0, true, "maker"},
      {"family", "family", 0, true, "calibration family: accelerators sharing efficiency factors"},
      {"aliases", "aliases", 0, true, "other names accepted on the command line, comma-separated"},
      {"hbm_gib", "HBM GiB", 0, false, "memory per chip, GiB"},
      {"hbm_tb_per_s", "HBM TB/s", 3, false, "memory bandwidth per chip, TB/s"},
      {"bf16_tflops", "BF16 TFLOP/s", 0, false, "dense BF16 peak per chip"},
      {"fp8_tflops", "FP8 TFLOP/s", 0, false, "dense FP8 peak per chip; empty = no FP8 path"},
      {"int8_tops", "INT8 TOP/s", 0, false, "dense INT8 peak per chip; empty = not published"},
      {"fp4_tflops", "FP4 TFLOP/s", 0, false, "dense FP4 peak per chip (nvfp4, mxfp4 weights); empty = no FP4 path"},
      {"interconnect", "interconnect", 0, true, "chip-to-chip link"},
      {"interconnect_gb_per_s", "link GB/s", 0, false, "interconnect bandwidth per chip, GB/s, one direction"},
      {"tensorcores_per_chip", "TensorCores", 0, true, "TPU TensorCores per chip"},
      {"chips_per_host", "chips/host", 0, false, "chips attached to one host VM"},
      {"preview", "preview", 0, true, "listed for reference, without a public price"},
      {"as_of", "as of", 0, false, "date of the specifications"},
      {"source", "source", 0, true, "where the specifications come from"},
      {"notes", "notes", 0, true, "how figures were read or converted"},
  };
  t.rows.push_back({a.id, a.name, std::string(to_string(a.kind)), text(a.vendor), text(a.family),
                    text(fmt::format("{}", fmt::join(a.aliases, ", "))), a.hbm_gib, a.hbm_tb_per_s, a.bf16_tflops,
                    cell(a.fp8_tflops), cell(a.int8_tops), cell(a.fp4_tflops), text(a.interconnect), a.interconnect_gb_per_s,
                    integer(a.tensorcores_per_chip), integer(a.chips_per_host), a.preview, text(a.as_of),
                    text(a.source), text(a.notes)});
  t.notes.push_back(fmt::format("interconnect: {}, {} GB/s per chip, one direction", a.interconnect,
                                format_human_number(a.interconnect_gb_per_s, 0)));
  if (!a.aliases.empty()) {
    t.notes.push_back(fmt::format("also accepted as: {}", fmt::join(a.aliases, ", ")));
  }
  if (a.preview) {
    t.notes.push_back("preview: listed for reference, no public price");
  }
  t.notes.push_back("source: " + a.source);
  if (!a.notes.empty()) {
    t.notes.push_back(a.notes);
  }
  return t;
}

// ---- show: offerings ------------------------------------------------------------------------

Table offering_detail_table(const Catalog& catalog, const std::vector<const Offering*>& offerings, std::string title) {
  Table t;
  t.name = "offerings";
  t.title = std::move(title);
  t.columns = {
      {"offering", "offering", 0, false, "offering id: <name>@<region>"},
      {"name", "name", 0, true, "the provider's name"},
      {"cloud", "cloud", 0, false, "cloud provider"},
      {"region", "region", 0, true, "cloud region"},
      {"accelerator", "accelerator", 0, false, "accelerator id"},
      {"kind", "kind", 0, true, "tpu or gpu"},
      {"chips", "chips", 0, false, "accelerator chips (GPUs) in the offering"},
      {"hosts", "hosts", 0, false, "host VMs the chips are spread over"},
      {"hbm_gib_total", "HBM GiB", 0, false, "accelerator memory of all chips, GiB"},
      {"covers", "price covers", 0, false, "what the prices include"},
      {"notes", "notes", 0, true, "remarks on the offering"},
  };
  std::vector<std::string> notes;
  for (const Offering* o : offerings) {
    const Accelerator& a = catalog.accelerator_of(*o);
    t.rows.push_back({o->id, o->name, o->cloud, o->region, o->accelerator, std::string(to_string(a.kind)),
                      integer(o->chips), integer(o->hosts), a.hbm_gib * o->chips, text(o->covers), text(o->notes)});
    if (!o->notes.empty() && std::find(notes.begin(), notes.end(), o->notes) == notes.end()) {
      notes.push_back(o->notes);
    }
  }
  t.notes = notes;
  return t;
}

Table prices_table(const std::vector<const Offering*>& offerings) {
  Table t;
  t.name = "prices";
  t.title = "Prices, with source, date and derivation";
  t.columns = {
      {"offering", "offering", 0, false, "offering id"},
      {"tier", "tier", 0, false, "on-demand, spot, 1y or 3y"},
      {"usd_per_hour", "$/h", 5, false, "price of the whole offering, USD per hour"},
      {"as_of", "as of", 0, false, "date of the figure"},
      {"derived", "derivation", 0, false, "how the price was computed from sourced figures; empty = read as is"},
      {"source", "source", 0, false, "where the figure comes from"},
  };
  // What `show` is for: every column stays, the derivation and the source wrap.
  set_priority(t, {"tier", "usd_per_hour", "as_of", "derived", "source"}, k_keep_column);
  std::vector<std::string> absent;
  for (const Offering* o : offerings) {
    for (Tier tier : k_all_tiers) {
      if (const auto& p = o->price(tier)) {
        t.rows.push_back({o->id, std::string(to_string(tier)), p->usd_per_hour, text(p->as_of), text(p->derived),
                          text(p->source)});
      } else if (std::find(absent.begin(), absent.end(), std::string(to_string(tier))) == absent.end()) {
        absent.emplace_back(to_string(tier));
      }
    }
  }
  if (!absent.empty()) {
    t.notes.push_back(fmt::format("no sourced price (absent, never $0) for tier{} {} of some or all of these "
                                  "offerings: see docs/data.md",
                                  absent.size() == 1 ? "" : "s", fmt::join(absent, ", ")));
  }
  return t;
}

// ---- the two reports ----------------------------------------------------------------------

nlohmann::ordered_json input(const std::string& value) {
  return value.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
}

void add_data_note(Report& r, const DataSet& data) {
  r.notes.push_back(data.origin == "embedded" ? "data: embedded in the binary (data/ at build time; --data DIR reads "
                                                "another copy)"
                                              : "data: " + data.origin);
}

Report list_report(const DataSet& data, const CatalogOptions& opts) {
  OfferingFilter filter;
  if (!opts.kind.empty()) {
    filter.kind = parse_accelerator_kind(opts.kind);
  }
  filter.accelerator = opts.accelerator;
  filter.region = opts.region;
  filter.cloud = opts.cloud;
  const auto offerings = select_offerings(data.catalog, filter);

  Report r;
  r.command = "catalog";
  r.inputs["kind"] = input(opts.kind);
  r.inputs["accelerator"] = input(opts.accelerator);
  r.inputs["region"] = input(opts.region);
  r.inputs["cloud"] = input(opts.cloud);
  r.tables.push_back(offerings_table(data.catalog, offerings, fmt::format("Offerings ({})", offerings.size())));
  if (offerings.empty()) {
    r.notes.push_back("no offering matches these filters");
  }
  add_data_note(r, data);
  return r;
}

Report show_report(const DataSet& data, const std::string& id) {
  const CatalogEntry entry = find_catalog_entry(data.catalog, id);
  Report r;
  r.command = "catalog";
  r.inputs["show"] = id;
  if (entry.accelerator != nullptr) {
    r.tables.push_back(accelerator_table(*entry.accelerator));
    r.tables.push_back(offerings_table(data.catalog, entry.offerings,
                                       fmt::format("Offerings of {} ({})", entry.accelerator->id, entry.offerings.size())));
    if (entry.offerings.empty()) {
      r.notes.push_back(fmt::format("no offering of {} is priced in the catalog", entry.accelerator->id));
    }
  } else {
    const auto title = entry.offerings.size() == 1
                           ? entry.offerings.front()->id
                           : fmt::format("{} in {} regions", entry.offerings.front()->name, entry.offerings.size());
    r.tables.push_back(offering_detail_table(data.catalog, entry.offerings, title));
    r.tables.push_back(prices_table(entry.offerings));
  }
  add_data_note(r, data);
  return r;
}

/// `catalog import DIR`: what a SkyPilot catalog directory yields, what was skipped and why,
/// and how each imported on-demand price compares with the catalog's.
Report import_report(const DataSet& data, const CatalogOptions& opts, const SkyPilotImport& imported) {
  Report r;
  r.command = "catalog";
  r.inputs["import"] = opts.import_dir;
  r.inputs["write"] = input(opts.write_dir);
  r.inputs["as_of"] = input(opts.as_of);
  r.inputs["source_url"] = input(opts.source_url);

  Table files;
  files.name = "files";
  files.title = "SkyPilot catalog files read";
  files.columns = {{"cloud", "cloud", 0, false, "the cloud directory"},
                   {"file", "file", 0, false, "the vms.csv read"},
                   {"rows", "rows", 0, false, "data rows"},
                   {"rows_used", "used", 0, false, "rows that gave a price"},
                   {"rows_skipped", "skipped", 0, false, "rows skipped (table skipped says why)"},
                   {"offerings", "offerings", 0, false, "offerings imported (name × region)"},
                   {"as_of", "as of", 0, false, "date stamped on its prices (--as-of, else the file's date)"},
                   {"source", "source", 0, true, "what each price cites (--source-url, else the file)"}};
  for (const auto& f : imported.files) {
    std::size_t skipped = 0;
    for (const auto& s : imported.skipped) {
      skipped += s.path == f.path ? s.rows : 0;
    }
    files.rows.push_back({f.cloud, f.path, static_cast<std::int64_t>(f.rows), static_cast<std::int64_t>(f.used),
                          static_cast<std::int64_t>(skipped), static_cast<std::int64_t>(f.offerings), text(f.as_of),
                          f.source});
  }
  for (const auto& ignored : imported.ignored) {
    files.notes.push_back(fmt::format("not read: {} (tpuplan imports gcp, aws and azure)", ignored));
  }

  Table skipped;
  skipped.name = "skipped";
  skipped.title = fmt::format("Rows skipped ({})", imported.skipped_rows());
  skipped.columns = {{"file", "file", 0, false, "the vms.csv"},
                     {"reason", "reason", 0, false, "why the rows give no price tpuplan can use"},
                     {"rows", "rows", 0, false, "rows skipped for this reason"},
                     {"examples", "examples", 0, false, "up to three, with their line"}};
  for (const auto& s : imported.skipped) {
    skipped.rows.push_back({s.path, s.reason, static_cast<std::int64_t>(s.rows),
                            fmt::format("{}", fmt::join(s.examples, "; "))});
  }

  Table offerings;
  offerings.name = "imported";
  offerings.title = fmt::format("Offerings imported ({})", imported.offerings.size());
  offerings.columns = {{"id", "id", 0, false, "<name>@<region>"},
                       {"cloud", "cloud", 0, true, "cloud"},
                       {"accelerator", "accelerator", 0, false, "accelerator id"},
                       {"chips", "chips", 0, false, "accelerator chips (GPUs)"},
                       {"usd_per_hour_on_demand", "$/h on-demand", 4, false, "imported on-demand price"},
                       {"usd_per_hour_spot", "$/h spot", 4, false, "imported spot price (empty: none)"},
                       {"catalog_usd_per_hour_on_demand", "catalog on-demand", 4, false,
                        "the catalog's on-demand price of the same id (empty: a new offering)"},
                       {"change_on_demand_fraction", "change", 4, false,
                        "imported ÷ catalog − 1, on-demand (0.1 = 10% dearer)"},
                       {"catalog_usd_per_hour_spot", "catalog spot", 4, true, "the catalog's spot price of the same id"},
                       {"change_spot_fraction", "spot change", 4, true, "imported ÷ catalog − 1, spot"},
                       {"derived", "derived", 0, true, "the rows the on-demand price comes from"}};
  std::size_t changed = 0, added = 0;
  for (const auto& o : imported.offerings) {
    const Offering* current = data.catalog.find_offering(o.id);
    auto price_of = [](const Offering* x, Tier t) {
      return x != nullptr && x->price(t) ? std::optional<double>(x->price(t)->usd_per_hour) : std::nullopt;
    };
    auto change = [](std::optional<double> now, std::optional<double> was) {
      return now && was ? std::optional<double>(*now / *was - 1) : std::nullopt;
    };
    const auto od = price_of(&o, Tier::on_demand), spot = price_of(&o, Tier::spot);
    const auto was_od = price_of(current, Tier::on_demand), was_spot = price_of(current, Tier::spot);
    added += current == nullptr ? 1 : 0;
    const auto c_od = change(od, was_od), c_spot = change(spot, was_spot);
    changed += (c_od && std::abs(*c_od) > 1e-9) || (c_spot && std::abs(*c_spot) > 1e-9) ? 1 : 0;
    offerings.rows.push_back({o.id, o.cloud, o.accelerator, integer(o.chips), cell(od), cell(spot), cell(was_od),
                              cell(c_od), cell(was_spot), cell(c_spot), o.price(Tier::on_demand)->derived});
  }
  offerings.notes.push_back(fmt::format("{} offerings are new to the catalog; {} of the others have a different "
                                        "on-demand or spot price (--wide shows spot)",
                                        added, changed));
  r.tables.push_back(std::move(files));
  r.tables.push_back(std::move(offerings));
  r.tables.push_back(std::move(skipped));
  r.notes.push_back("an imported price covers the whole offering per hour: a TPU slice row as is, a GCP GPU VM as "
                    "its host row plus its GPU row in the same zone, an AWS or Azure instance as its row; the "
                    "region's price is its lowest zone row (docs/data.md, \"Importing a SkyPilot catalog\")");
  if (!opts.write_dir.empty()) {
    r.notes.push_back(fmt::format("wrote the imported offerings to {}/skypilot-<cloud>.yaml (tpuplan's offerings "
                                  "format; `tpuplan validate` checks them)",
                                  opts.write_dir));
  }
  add_data_note(r, data);
  return r;
}

void write_import(const SkyPilotImport& imported, const CatalogOptions& opts, Context& ctx) {
  std::error_code ec;
  std::filesystem::create_directories(opts.write_dir, ec);
  if (ec) {
    throw Error(ErrorKind::runtime, fmt::format("--write: cannot create '{}': {}", opts.write_dir, ec.message()));
  }
  std::set<std::string> clouds;
  for (const auto& o : imported.offerings) {
    clouds.insert(o.cloud);
  }
  for (const auto& cloud : clouds) {
    std::string from;
    for (const auto& f : imported.files) {
      if (f.cloud == cloud) {
        from = fmt::format("{} (prices as of {})", f.source, f.as_of);
      }
    }
    const std::string path = (std::filesystem::path(opts.write_dir) / ("skypilot-" + cloud + ".yaml")).string();
    write_file_atomically(path, offerings_yaml(imported.offerings, cloud,
                                               fmt::format("Imported by `tpuplan catalog import` from the SkyPilot "
                                                           "catalog\n{}\nFormat: docs/data.md.",
                                                           from)),
                          "--write");
    if (!ctx.options().quiet) {
      std::cerr << "tpuplan: wrote " << path << '\n';
    }
  }
}

} // namespace

Runner setup_catalog(CLI::App& sub) {
  auto opts = std::make_shared<CatalogOptions>();
  sub.description("List the offerings tpuplan knows (accelerator x chips x region), with prices by tier and "
                  "their dates; 'catalog show ID' adds every price's source and derivation.");
  sub.add_option("--kind", opts->kind, "only TPUs or only GPUs")->option_text("tpu|gpu");
  sub.add_option("--accelerator", opts->accelerator, "only offerings of this accelerator (id or alias: v5e, h100, …)");
  sub.add_option("--region", opts->region, "only offerings in this region (us-central1, us-east-1, …)");
  sub.add_option("--cloud", opts->cloud, "only offerings of this cloud (gcp, aws)");
  CLI::App* show = sub.add_subcommand("show", "one offering, an offering name in every region, or an accelerator");
  show->add_option("ID", opts->show_id,
                   "offering id (v5e-8@us-central1), offering name (v5e-8: all regions) or accelerator (h100)")
      ->required();
  CLI::App* import = sub.add_subcommand(
      "import", "read a SkyPilot catalog directory (schema v8 vms.csv files) into tpuplan offerings");
  import->add_option("DIR", opts->import_dir,
                     "~/.sky/catalogs/v8, a skypilot-catalog checkout, or one cloud's directory (gcp/)")
      ->required();
  import->add_option("--write", opts->write_dir,
                     "write DIR/skypilot-<cloud>.yaml in tpuplan's offerings format (created if missing)");
  import->add_option("--as-of", opts->as_of, "date of the prices (YYYY-MM-DD; default: each file's modification date)");
  import->add_option("--source-url", opts->source_url,
                     "where DIR is published: each price cites URL/<cloud>/vms.csv (default: the file, as file://)");
  import->footer("Example:\n"
                 "  tpuplan catalog import ~/.sky/catalogs/v8 --write my-prices/\n"
                 "  tpuplan --catalog-dir ~/.sky/catalogs/v8 cost --model 70b   # overlay at run time");
  sub.footer("Columns: $/h <tier> is the price of the whole offering per hour (on-demand, spot, 1-year and 3-year\n"
             "commitment; '-' = no sourced price); 'as of' lists the prices' dates; HBM GiB is the memory of all\n"
             "chips. --wide adds id, cloud, what the price covers, and each tier's date and source.\n"
             "Examples:\n"
             "  tpuplan catalog --kind tpu --region us-central1\n"
             "  tpuplan catalog --accelerator h100 --format csv\n"
             "  tpuplan catalog show v5e-8            # every region, with sources and derivations\n"
             "  tpuplan catalog show v6e              # the accelerator's specs and offerings");

  return [opts, show, import](Context& ctx) {
    if (import->parsed()) {
      if (!opts->kind.empty() || !opts->accelerator.empty() || !opts->region.empty() || !opts->cloud.empty()) {
        throw Error(ErrorKind::usage, "catalog import: --kind, --accelerator, --region and --cloud filter the list",
                    "'tpuplan catalog import DIR' reads every offering it can");
      }
      const DataSet& data = ctx.data();
      SkyPilotImportOptions options;
      options.as_of = opts->as_of;
      options.source_url = opts->source_url;
      const SkyPilotImport imported = import_skypilot_catalog(opts->import_dir, data.catalog.accelerators, options);
      if (!opts->write_dir.empty()) {
        write_import(imported, *opts, ctx);
      }
      ctx.emit(import_report(data, *opts, imported));
      return 0;
    }
    if (show->parsed()) {
      if (!opts->kind.empty() || !opts->accelerator.empty() || !opts->region.empty() || !opts->cloud.empty()) {
        throw Error(ErrorKind::usage, "catalog show: --kind, --accelerator, --region and --cloud filter the list",
                    "'tpuplan catalog show ID' takes an offering id (name@region) instead");
      }
      ctx.emit(show_report(ctx.data(), opts->show_id));
    } else {
      ctx.emit(list_report(ctx.data(), *opts));
    }
    return 0;
  };
}

} // namespace tpuplan::app
