// Filtering and ordering offerings, and resolving `catalog show ID` (catalog_query.hpp).
#include <tpuplan/data/catalog_query.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <tuple>

namespace tpuplan {

namespace {

using detail::iequals;

/// The value in `known` equal to `value` (case-insensitive); throws "unknown <what>" otherwise.
std::string known_value(std::string_view what, const std::string& value, const std::vector<std::string>& known) {
  for (const auto& k : known) {
    if (iequals(k, value)) {
      return k;
    }
  }
  throw_unknown(what, value, known);
}

std::size_t accelerator_rank(const Catalog& c, const std::string& id) {
  for (std::size_t i = 0; i < c.accelerators.size(); ++i) {
    if (c.accelerators[i].id == id) {
      return i;
    }
  }
  return c.accelerators.size();
}

} // namespace

AcceleratorKind parse_accelerator_kind(std::string_view text) {
  if (iequals(text, "tpu")) {
    return AcceleratorKind::tpu;
  }
  if (iequals(text, "gpu")) {
    return AcceleratorKind::gpu;
  }
  throw_unknown("kind", text, {"tpu", "gpu"});
}

std::vector<const Offering*> select_offerings(const Catalog& catalog, const OfferingFilter& filter) {
  // Validate every criterion first, so that a typo is reported even when another criterion
  // would already have matched nothing.
  // "v6e,h100": any of the listed accelerators (a plan compares exactly these).
  std::vector<std::string> accelerators;
  for (std::size_t start = 0; start < filter.accelerator.size();) {
    const std::size_t comma = std::min(filter.accelerator.find(',', start), filter.accelerator.size());
    const std::string item = filter.accelerator.substr(start, comma - start);
    if (!item.empty()) {
      accelerators.push_back(catalog.accelerator(item).id);
    }
    start = comma + 1;
  }
  const std::string region = filter.region.empty() ? "" : known_value("region", filter.region, catalog.regions());
  const std::string cloud = filter.cloud.empty() ? "" : known_value("cloud", filter.cloud, catalog.clouds());

  // Sorted by (accelerator rank, chips, cloud, region, name): the rank is computed once per
  // offering and the strings are compared in place, so a 10,000-offering sheet sorts quickly.
  std::vector<std::pair<std::size_t, const Offering*>> ranked;
  for (const auto& o : catalog.offerings) {
    if ((!accelerators.empty() && std::find(accelerators.begin(), accelerators.end(), o.accelerator) == accelerators.end()) ||
        (!region.empty() && o.region != region) ||
        (!cloud.empty() && o.cloud != cloud)) {
      continue;
    }
    if (filter.kind) {
      const auto* a = catalog.find_accelerator(o.accelerator);
      if (a == nullptr || a->kind != *filter.kind) {
        continue;
      }
    }
    ranked.emplace_back(accelerator_rank(catalog, o.accelerator), &o);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
    const Offering& a = *x.second;
    const Offering& b = *y.second;
    return std::tie(x.first, a.chips, a.cloud, a.region, a.name) < std::tie(y.first, b.chips, b.cloud, b.region, b.name);
  });
  std::vector<const Offering*> out;
  out.reserve(ranked.size());
  for (const auto& [rank, o] : ranked) {
    out.push_back(o);
  }
  return out;
}

CatalogEntry find_catalog_entry(const Catalog& catalog, std::string_view id) {
  CatalogEntry entry;
  if (const auto* o = catalog.find_offering(id)) {
    entry.offerings.push_back(o);
    return entry;
  }
  if (auto named = catalog.match_offerings(id); !named.empty()) {
    OfferingFilter all;
    const auto ordered = select_offerings(catalog, all);
    for (const auto* o : ordered) {
      if (std::find(named.begin(), named.end(), o) != named.end()) {
        entry.offerings.push_back(o);
      }
    }
    return entry;
  }
  if (const auto* a = catalog.find_accelerator(id)) {
    entry.accelerator = a;
    OfferingFilter mine;
    mine.accelerator = a->id;
    entry.offerings = select_offerings(catalog, mine);
    return entry;
  }
  // Accelerator ids first: when nothing is close, the hint lists the first few candidates.
  std::vector<std::string> candidates = catalog.accelerator_ids();
  for (const auto& a : catalog.accelerators) {
    candidates.insert(candidates.end(), a.aliases.begin(), a.aliases.end());
  }
  const auto names = catalog.offering_names();
  candidates.insert(candidates.end(), names.begin(), names.end());
  for (const auto& o : catalog.offerings) {
    candidates.push_back(o.id);
  }
  throw_unknown("offering or accelerator", id, candidates);
}

} // namespace tpuplan
