// The options that hold a model and what each costs at the user's workload: the computation
// behind `tpuplan cost`, shared by size, breakeven and plan (one region rule, one ranking).
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/money/pricing.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/money/workload.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// What options are ranked by.
enum class Objective {
  usd_per_million_tokens, ///< $ per 1M output tokens served (at capacity without a load)
  usd_per_month,          ///< the monthly bill of the load (one replica without a load)
  chips                   ///< the fewest chips (× replicas with a load): the smallest slice
};
std::string_view to_string(Objective objective);
std::optional<Objective> parse_objective(std::string_view name);
/// The names parse_objective accepts, for help and suggestions.
std::vector<std::string> objective_names();

/// The one rule every command uses to choose among the regions of one offering (same cloud
/// and name): the lowest on-demand price to the cent (priced before unpriced), then the most tiers priced
/// (commitments show where they are sourced), then the lowest spot, 1y and 3y prices, then the id.
bool preferred_region(const Offering& a, const Offering& b);
/// `offerings` with one region per cloud × name (preferred_region), in their input order.
std::vector<const Offering*> one_region_each(const std::vector<const Offering*>& offerings);

/// Hardware to list besides the best option of each accelerator (e.g. what a bench profile
/// measured): offerings of this accelerator × chips, and of this name if given.
struct OfferingPick {
  std::string accelerator; ///< Accelerator::id
  int chips = 0;
  std::string name;        ///< Offering::name; empty = any offering of the accelerator × chips
};

/// A cost question: this model and workload, at this usage, on these offerings.
struct CostQuery {
  MemoryOptions memory;          ///< weights, KV precision, headroom, reserve; the context comes from the workload
  PricingOptions pricing;
  OfferingFilter filter;         ///< which offerings (catalog_query.hpp); preview accelerators never count
  std::optional<Tier> rank_tier; ///< rank in this tier; default: each row's cheapest
  Objective sort = Objective::usd_per_million_tokens;
  bool all = false;              ///< every matching offering in every region, not the best per accelerator
  /// Without `all`: the best per accelerator and cloud (a commitment is bought from one cloud,
  /// so breakeven shows each cloud's), not per accelerator alone.
  bool per_cloud = false;
  /// Without `all`: also list, for each pick no listed row matches, its preferred region,
  /// whether or not it holds the model.
  std::vector<OfferingPick> also_show;
  Workload workload;
  PerformanceModel perf;         ///< the model and how its throughput is estimated
};

/// One option with its memory fit, costs and what it serves.
struct CostRow {
  const Offering* offering = nullptr;
  const Accelerator* accelerator = nullptr;
  MemoryFit fit;
  OfferingCost cost;
  std::optional<ReplicaCapacity> capacity; ///< one replica at the SLO (absent: no fit, or no batch meets it)
  std::optional<Serving> serving;          ///< replicas and operating point at the load (one replica without)
  std::string estimate_problem;            ///< why the estimator gave no figure, when it objected
  std::optional<Tier> rank_tier;           ///< the tier the rank is taken in
  std::optional<double> rank_value;        ///< the objective in that tier (absent: unpriced or no throughput)

  /// Replicas the load needs (1 without a load or a figure).
  int replicas() const { return serving ? serving->replicas : 1; }
  /// The monthly bill of all replicas in `tier` (absent: no price).
  std::optional<double> load_usd_per_month(Tier tier) const;
  /// $ per 1M output tokens served in `tier`: the bill of the replicas per useful hour ÷ the
  /// output tokens/s they serve (absent: no price or no throughput).
  std::optional<double> usd_per_million_output_tokens(Tier tier) const;
};

/// $ per 1M output tokens in `tier` were each replica `factor` × as fast as estimated (an error
/// band's ends: e^w and e^−w). An open load keeps its tokens and needs the replicas of the scaled
/// capacity (replicas_for, rounded up); a closed loop or no load keeps its replicas, which serve
/// `factor` × the tokens. Factor 1 gives CostRow::usd_per_million_output_tokens. Absent without a
/// price, an estimate (a measured row has no band) or a positive factor.
std::optional<double> usd_per_million_output_tokens_at(const CostRow& row, Tier tier, const Workload& workload,
                                                       double hours_per_day, double factor);

/// The answer: rows sorted by rank (unpriced last), and accelerators where nothing fits.
struct CostResult {
  std::vector<CostRow> rows;
  /// Accelerator ids with matching offerings none of which holds the model (largest tried).
  std::vector<std::pair<std::string, const Offering*>> too_small;
  /// Accelerator ids whose holding options meet no batch within the latency targets.
  std::vector<std::string> missing_slo;
  /// Every option evaluated (one region each without `all`), in catalog order.
  std::vector<CostRow> considered;
};

/// Without `all`: for each accelerator, the option (size and region, one region per offering
/// by preferred_region) best by the objective at the workload; ties go to fewer chips. With
/// `all`: every matching offering in every region.
CostResult compare_costs(const Catalog& catalog, const CostQuery& query);

} // namespace tpuplan
