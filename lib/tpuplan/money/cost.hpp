// The options that hold a model and what each costs: the computation behind `tpuplan cost`.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/money/pricing.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// Hardware to list besides the smallest holding offering of each accelerator (e.g. what a
/// bench profile measured): offerings of this accelerator × chips, and of this name if given.
struct OfferingPick {
  std::string accelerator; ///< Accelerator::id
  int chips = 0;
  std::string name;        ///< Offering::name; empty = any offering of the accelerator × chips
};

/// A cost question: this model, at this usage, on these offerings.
struct CostQuery {
  ModelSpec model;
  MemoryOptions memory;
  PricingOptions pricing;
  OfferingFilter filter;         ///< which offerings (catalog_query.hpp); preview accelerators never count
  std::optional<Tier> rank_tier; ///< rank by this tier's monthly bill; default: each row's cheapest
  bool all = false;              ///< every matching offering, not the smallest per accelerator
  /// Without `all`: also list, for each pick no listed row matches, its best-ranked region
  /// among the matching offerings, whether or not it holds the model.
  std::vector<OfferingPick> also_show;
};

/// One option with its memory fit and costs.
struct CostRow {
  const Offering* offering = nullptr;
  const Accelerator* accelerator = nullptr;
  MemoryFit fit;
  OfferingCost cost;
  std::optional<double> rank_usd_per_month; ///< the figure rows are sorted by (absent: unpriced)
};

/// The answer: rows sorted by rank (unpriced last), and accelerators where nothing fits.
struct CostResult {
  std::vector<CostRow> rows;
  /// Accelerator ids with matching offerings none of which holds the model (largest tried).
  std::vector<std::pair<std::string, const Offering*>> too_small;
};

/// Without `all`: for each accelerator, the smallest offering (fewest chips) that holds the
/// model, in the region with the lowest list price in the ranking tier (on-demand by default),
/// preferring regions where more tiers are priced. With `all`: every matching offering.
CostResult compare_costs(const Catalog& catalog, const CostQuery& query);

} // namespace tpuplan
