// `tpuplan catalog`: what the tool knows. The list shows offerings with their size and
// prices by tier; `catalog show ID` shows one offering (or a name in every region, or an
// accelerator with its specs) with every price's source, date and derivation.
#include "command.hpp"

#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <memory>

namespace tpuplan::app {

namespace {

struct CatalogOptions {
  std::string kind;
  std::string accelerator;
  std::string region;
  std::string cloud;
  std::string show_id;
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
                    cell(a.fp8_tflops), cell(a.int8_tops), text(a.interconnect), a.interconnect_gb_per_s,
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
  sub.footer("Columns: $/h <tier> is the price of the whole offering per hour (on-demand, spot, 1-year and 3-year\n"
             "commitment; '-' = no sourced price); 'as of' lists the prices' dates; HBM GiB is the memory of all\n"
             "chips. --wide adds id, cloud, what the price covers, and each tier's date and source.\n"
             "Examples:\n"
             "  tpuplan catalog --kind tpu --region us-central1\n"
             "  tpuplan catalog --accelerator h100 --format csv\n"
             "  tpuplan catalog show v5e-8            # every region, with sources and derivations\n"
             "  tpuplan catalog show v6e              # the accelerator's specs and offerings");

  return [opts, show](Context& ctx) {
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
