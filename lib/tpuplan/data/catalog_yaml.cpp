// Reading accelerators.yaml and offerings/*.yaml (docs/data.md): accelerator specs, and
// offerings with prices by tier. A price states how it was obtained: a direct figure, a sum of
// parts (GCP bills a GPU VM's host and GPUs separately), the lowest of several rows (AWS spot
// by availability zone), or a per-chip TPU price multiplied out to a slice; the loader writes
// that arithmetic into Price::derived so every figure stays traceable.
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan::data {

namespace {

/// "$0.73948": a price as written in the data, shortest round-trip form.
std::string money(double v) { return fmt::format("${}", v); }

/// SkyPilot writes 700.0 where the SKU API has no v6e price (TPU_V6E_MAX_PRICE in fetch_gcp.py),
/// to push its failover elsewhere; it is not a price (reference sheet pricing.md §2a).
constexpr double k_skypilot_no_price_sentinel = 700.0;

} // namespace

// ---- accelerators -------------------------------------------------------------------------

std::vector<Accelerator> read_accelerators(const yaml::Node& root, const SourceTable& sources) {
  std::vector<Accelerator> out;
  root.allow_keys({"version", "accelerators"});
  check_version(root);
  std::map<std::string, std::string> names; // lower-cased id or alias → where first given
  const auto claim = [&](const yaml::Node& at, const std::string& name) {
    const auto key = detail::ascii_lower(name);
    if (const auto it = names.find(key); it != names.end()) {
      at.problem(fmt::format("'{}' is already an accelerator id or alias (at {})", name, it->second));
    } else {
      names.emplace(key, at.where());
    }
  };
  for (const yaml::Node& n : root.required("accelerators").items()) {
    n.allow_keys({"id", "name", "kind", "vendor", "family", "aliases", "hbm_gib", "hbm_tb_per_s", "bf16_tflops",
                  "fp8_tflops", "int8_tops", "fp4_tflops", "interconnect", "interconnect_gb_per_s", "tensorcores_per_chip",
                  "chips_per_host", "preview", "source", "as_of", "notes"});
    Accelerator a;
    a.id = n.required("id").text().value_or("");
    if (!a.id.empty()) {
      if (!is_identifier(a.id)) {
        n.required("id").problem(fmt::format("accelerator id '{}' must be lower-case letters, digits, '.', '-'", a.id));
      }
      claim(n.required("id"), a.id);
    }
    a.name = n.required("name").text().value_or("");
    const auto kind = n.required("kind").one_of({"tpu", "gpu"});
    a.kind = kind == "gpu" ? AcceleratorKind::gpu : AcceleratorKind::tpu;
    a.vendor = n.required("vendor").text().value_or("");
    a.family = n.required("family").text().value_or("");
    for (const yaml::Node& alias : n.child("aliases").items()) {
      if (auto s = alias.text()) {
        claim(alias, *s);
        a.aliases.push_back(std::move(*s));
      }
    }
    a.hbm_gib = n.required("hbm_gib").number(yaml::Range::positive()).value_or(0);
    a.hbm_tb_per_s = n.required("hbm_tb_per_s").number(yaml::Range::positive()).value_or(0);
    a.bf16_tflops = n.required("bf16_tflops").number(yaml::Range::positive()).value_or(0);
    a.fp8_tflops = n.child("fp8_tflops").number(yaml::Range::positive());
    a.int8_tops = n.child("int8_tops").number(yaml::Range::positive());
    a.fp4_tflops = n.child("fp4_tflops").number(yaml::Range::positive());
    a.interconnect = n.required("interconnect").text().value_or("");
    a.interconnect_gb_per_s = n.required("interconnect_gb_per_s").number(yaml::Range::positive()).value_or(0);
    // TensorCores decide how TPU slice names count chips; GPUs have no such notion (default 1).
    const auto cores = a.kind == AcceleratorKind::tpu ? n.required("tensorcores_per_chip") : n.child("tensorcores_per_chip");
    a.tensorcores_per_chip = cores.integer(yaml::Range::between(1, 8)).value_or(1);
    a.chips_per_host = n.required("chips_per_host").integer(yaml::Range::between(1, 64)).value_or(1);
    a.preview = n.child("preview").boolean().value_or(false);
    if (auto c = read_citation(n.required("source"), n.child("as_of"), sources)) {
      a.source = std::move(c->url);
      a.as_of = std::move(c->as_of);
    }
    a.notes = n.child("notes").text().value_or("");
    out.push_back(std::move(a));
  }
  return out;
}

// ---- prices -------------------------------------------------------------------------------

namespace {

/// One tier entry as read: the hourly price of the offering (or of one chip for TPU families).
struct TierEntry {
  double usd = 0;
  std::string derived; ///< how `usd` was obtained; empty for a figure read as is
  Citation citation;
};

/// Whether a file gives prices per offering-hour or per chip-hour (TPU families).
enum class PriceForm { per_hour, per_chip_hour };

/// Reads a map of label → figure; false after a problem (or when the map is empty).
bool read_map_values(const yaml::Node& map, yaml::Range range, std::vector<std::pair<std::string, double>>& values) {
  bool ok = true;
  for (const auto& [label, value] : map.entries()) {
    if (auto v = value.number(range)) {
      values.emplace_back(label, *v);
    } else {
      ok = false;
    }
  }
  if (ok && values.empty()) {
    map.problem("expected at least one figure");
    return false;
  }
  return ok;
}

std::optional<TierEntry> read_tier(const yaml::Node& n, PriceForm form, const SourceTable& sources) {
  // Built once: a price sheet has tens of thousands of tiers.
  static const std::vector<std::string> k_chip_keys{"usd_per_chip_hour"};
  static const std::vector<std::string> k_vm_keys{"usd_per_hour", "parts", "lowest_of"};
  static const std::vector<std::string> k_chip_accepted{"usd_per_chip_hour", "source", "as_of", "derived"};
  static const std::vector<std::string> k_vm_accepted{"usd_per_hour", "parts", "lowest_of", "source", "as_of", "derived"};
  const std::vector<std::string>& value_keys = form == PriceForm::per_chip_hour ? k_chip_keys : k_vm_keys;
  n.allow_keys(form == PriceForm::per_chip_hour ? k_chip_accepted : k_vm_accepted);
  if (!n.is_map()) {
    if (n.present()) {
      n.problem(fmt::format("expected a mapping with {} and source", value_keys.front()));
    }
    return std::nullopt;
  }
  std::vector<std::string> given;
  for (const auto& k : value_keys) {
    if (n.child(k).present()) {
      given.push_back(k);
    }
  }
  if (given.size() != 1) {
    n.problem(given.empty() ? fmt::format("missing the price: give {}", fmt::join(value_keys, " or "))
                            : fmt::format("give only one of {}", fmt::join(given, ", ")));
    return std::nullopt;
  }
  TierEntry e;
  const std::string note = n.child("derived").text().value_or("");
  const yaml::Node value = n.child(given.front());
  std::optional<double> usd;
  if (given.front() == "parts") {
    // GCP bills a GPU VM as host (vCPU + RAM) plus accelerators: the VM price is their sum.
    std::vector<std::pair<std::string, double>> parts;
    if (read_map_values(value, yaml::Range::non_negative(), parts)) {
      double sum = 0;
      std::vector<std::string> terms;
      for (const auto& [label, v] : parts) {
        sum += v;
        terms.push_back(fmt::format("{} {}", label, money(v)));
      }
      usd = sum;
      e.derived = fmt::format("sum of {}", fmt::join(terms, " + "));
    }
  } else if (given.front() == "lowest_of") {
    std::vector<std::pair<std::string, double>> rows;
    if (read_map_values(value, yaml::Range::positive(), rows)) {
      const auto best = std::min_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
      std::vector<std::string> all;
      for (const auto& [label, v] : rows) {
        all.push_back(fmt::format("{} {}", label, money(v)));
      }
      usd = best->second;
      e.derived = rows.size() == 1 ? fmt::format("lowest of the source's rows: {} {} (the only row)", best->first, money(best->second))
                                   : fmt::format("lowest of the source's rows: {} {} (of {})", best->first,
                                                 money(best->second), fmt::join(all, ", "));
    }
  } else {
    usd = value.number(yaml::Range::positive());
  }
  if (usd && *usd == k_skypilot_no_price_sentinel) {
    value.problem("700.0 is SkyPilot's placeholder for a region without a v6e price, not a price");
    usd.reset();
  }
  if (usd && *usd <= 0) {
    value.problem(fmt::format("the price must be > 0, got {}", *usd));
    usd.reset();
  }
  const auto citation = read_citation(n.required("source"), n.child("as_of"), sources);
  if (!usd || !citation) {
    return std::nullopt;
  }
  e.usd = *usd;
  e.citation = *citation;
  if (!note.empty()) {
    e.derived = e.derived.empty() ? note : e.derived + "; " + note;
  }
  return e;
}

/// Reads `regions: {<region>: {<tier>: entry}}`; calls `use(region, node, tiers)` per region.
template <typename F>
void read_regions(const yaml::Node& regions, PriceForm form, const SourceTable& sources, F use) {
  static const std::vector<std::string> tier_names = [] {
    std::vector<std::string> names;
    for (Tier t : k_all_tiers) {
      names.emplace_back(to_string(t));
    }
    return names;
  }();
  const auto entries = regions.entries();
  if (regions.is_map() && entries.empty()) {
    regions.problem("expected at least one region");
  }
  for (const auto& [region, node] : entries) {
    if (!is_identifier(region)) {
      node.problem(fmt::format("region '{}' must be lower-case letters, digits and '-'", region));
    }
    node.allow_keys(tier_names);
    std::array<std::optional<TierEntry>, 4> tiers;
    bool any = false;
    for (Tier t : k_all_tiers) {
      const yaml::Node tier_node = node.child(to_string(t));
      tiers[static_cast<std::size_t>(t)] = read_tier(tier_node, form, sources);
      any = any || tier_node.present();
    }
    if (node.is_map() && !any) {
      node.problem(fmt::format("region '{}' has no price", region), "give at least one of on-demand, spot, 1y, 3y");
    } else if (!node.is_map() && node.present()) {
      node.problem("expected a mapping of tiers (on-demand, spot, 1y, 3y)");
    }
    use(region, node, tiers);
  }
}

} // namespace

// ---- offerings ----------------------------------------------------------------------------

OfferingReader::OfferingReader(const std::vector<Accelerator>& accelerators, const SourceTable& sources)
    : m_accelerators(accelerators), m_sources(sources) {}

const Accelerator* OfferingReader::accelerator(const yaml::Node& id_node) const {
  const auto id = id_node.text();
  if (!id) {
    return nullptr;
  }
  for (const auto& a : m_accelerators) {
    if (a.id == *id) {
      return &a;
    }
  }
  std::vector<std::string> ids;
  for (const auto& a : m_accelerators) {
    ids.push_back(a.id);
  }
  id_node.problem(fmt::format("unknown accelerator '{}'", *id), suggestion(*id, ids));
  return nullptr;
}

void OfferingReader::read_file(const yaml::Node& root) {
  root.allow_keys({"version", "cloud", "tpu_slices", "offerings"});
  check_version(root);
  const auto cloud = root.required("cloud").text().value_or("");
  if (!cloud.empty() && !is_identifier(cloud)) {
    root.required("cloud").problem(fmt::format("cloud '{}' must be lower-case letters, digits and '-'", cloud));
  }
  if (root.is_map() && !root.child("tpu_slices").present() && !root.child("offerings").present()) {
    root.problem("no offerings: expected 'tpu_slices' or 'offerings'");
  }
  for (const yaml::Node& family : root.child("tpu_slices").items()) {
    read_tpu_family(family, cloud);
  }
  for (const yaml::Node& node : root.child("offerings").items()) {
    read_offering(node, cloud);
  }
}

void OfferingReader::read_tpu_family(const yaml::Node& family, const std::string& cloud) {
  family.allow_keys({"accelerator", "api_name", "sizes", "covers", "notes", "regions"});
  const Accelerator* acc = accelerator(family.required("accelerator"));
  if (acc && acc->kind != AcceleratorKind::tpu) {
    family.required("accelerator").problem(fmt::format("'{}' is not a TPU: list it under 'offerings'", acc->id));
    acc = nullptr;
  }
  const auto api_name = family.child("api_name").text();
  const auto covers = family.required("covers").text().value_or("");
  const auto notes = family.child("notes").text().value_or("");
  // Each size must name a slice by Google's rule (tpu_slice_chips); "v5p-7" does not exist.
  std::vector<std::pair<int, int>> sizes; // N in the name, chips
  for (const yaml::Node& s : family.required("sizes").items()) {
    const auto n = s.integer(yaml::Range::at_least(1));
    if (!n || !acc) {
      continue;
    }
    const auto name = fmt::format("{}-{}", acc->id, *n);
    if (const auto chips = tpu_slice_chips(name)) {
      sizes.emplace_back(*n, *chips);
    } else {
      s.problem(fmt::format("'{}' is not a TPU slice name by Google's naming rule", name),
                "v2-v4 and v5p count TensorCores (even numbers); v5e and v6e count chips");
    }
  }
  read_regions(family.required("regions"), PriceForm::per_chip_hour, m_sources,
               [&](const std::string& region, const yaml::Node& where, const auto& tiers) {
                 if (!acc) {
                   return;
                 }
                 for (const auto& [n, chips] : sizes) {
                   Offering o;
                   o.name = fmt::format("{}-{}", acc->id, n);
                   o.id = o.name + "@" + region;
                   o.cloud = cloud;
                   o.region = region;
                   o.accelerator = acc->id;
                   o.chips = chips;
                   // A 1- or 4-chip v5e/v6e slice is part of one host: never less than one.
                   o.hosts = std::max(1, (chips + acc->chips_per_host - 1) / acc->chips_per_host);
                   o.covers = covers;
                   o.notes = notes;
                   if (api_name && *api_name != acc->id) {
                     o.notes += fmt::format("{}API name: {}-{}.", o.notes.empty() ? "" : " ", *api_name, n);
                   }
                   for (Tier t : k_all_tiers) {
                     const auto& e = tiers[static_cast<std::size_t>(t)];
                     if (!e) {
                       continue;
                     }
                     Price p;
                     p.usd_per_hour = chips * e->usd;
                     p.source = e->citation.url;
                     p.as_of = e->citation.as_of;
                     p.derived = fmt::format("{} chip{} x {} per chip-hour", chips, chips == 1 ? "" : "s", money(e->usd));
                     if (!e->derived.empty()) {
                       p.derived += " (" + e->derived + ")";
                     }
                     o.price(t) = std::move(p);
                   }
                   add(std::move(o), where);
                 }
               });
}

void OfferingReader::read_offering(const yaml::Node& node, const std::string& cloud) {
  node.allow_keys({"name", "accelerator", "chips", "hosts", "covers", "notes", "regions"});
  const auto name = node.required("name").text().value_or("");
  if (!name.empty() && (name.find('@') != std::string::npos || name.find(' ') != std::string::npos)) {
    node.required("name").problem(fmt::format("offering name '{}' must not contain '@' or spaces", name));
  }
  const Accelerator* acc = accelerator(node.required("accelerator"));
  const auto chips = node.required("chips").integer(yaml::Range::at_least(1));
  const auto hosts = node.child("hosts").integer(yaml::Range::at_least(1));
  if (acc && chips && acc->kind == AcceleratorKind::tpu) {
    if (const auto rule = tpu_slice_chips(name); rule && *rule != *chips) {
      node.required("chips").problem(
          fmt::format("'{}' has {} chips by Google's naming rule, not {}", name, *rule, *chips),
          "v2-v4 and v5p slice names count TensorCores (2 per chip); v5e and v6e count chips");
    }
  }
  const auto covers = node.required("covers").text().value_or("");
  const auto notes = node.child("notes").text().value_or("");
  read_regions(node.required("regions"), PriceForm::per_hour, m_sources,
               [&](const std::string& region, const yaml::Node& where, const auto& tiers) {
                 if (!acc || !chips || name.empty()) {
                   return;
                 }
                 Offering o;
                 o.name = name;
                 o.id = name + "@" + region;
                 o.cloud = cloud;
                 o.region = region;
                 o.accelerator = acc->id;
                 o.chips = *chips;
                 o.hosts = hosts.value_or(std::max(1, (*chips + acc->chips_per_host - 1) / acc->chips_per_host));
                 o.covers = covers;
                 o.notes = notes;
                 for (Tier t : k_all_tiers) {
                   if (const auto& e = tiers[static_cast<std::size_t>(t)]) {
                     o.price(t) = Price{e->usd, e->citation.url, e->citation.as_of, e->derived};
                   }
                 }
                 add(std::move(o), where);
               });
}

void OfferingReader::add(Offering offering, const yaml::Node& where) {
  const auto key = detail::ascii_lower(offering.id);
  if (const auto it = m_seen.find(key); it != m_seen.end()) {
    where.problem(fmt::format("duplicate offering '{}' (also at {})", offering.id, it->second.where()));
    return;
  }
  m_seen.emplace(key, where);
  m_offerings.push_back(std::move(offering));
}

} // namespace tpuplan::data
