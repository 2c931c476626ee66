// The fleet plan under a load curve (`tpuplan plan`): for each option, how many replicas to
// commit for 1 or 3 years and how many to rent on demand or on spot in each hour, the monthly
// bill and the cost per token. The optimum is in closed form (docs/methodology.md §Fleet plan):
// commit the k-th replica while the hours that need at least k replicas save more than it costs,
// i.e. without spot, while their share of the period exceeds 1 − discount.
#pragma once

#include <tpuplan/money/cost.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/money/workload.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// Spot as whole-slice preemption: a spot slice is reclaimed `preemptions_per_day` times a day;
/// each time, a replacement is rented for `recovery_hours` before it serves (capacity found,
/// model loaded), and that much capacity is missing meanwhile. At most `max_share` of an hour's
/// replicas run on spot, so a reclaim of every spot slice at once leaves the rest serving.
struct SpotModel {
  double preemptions_per_day = 1;
  double recovery_hours = 2.4;
  double max_share = 0.5;
  /// Rented hours per served spot hour beyond 1: preemptions per hour × recovery hours.
  double overhead() const { return preemptions_per_day / 24 * recovery_hours; }
};

/// Throws Error(usage) naming the flag unless the figures are in range.
void validate(const SpotModel& spot);

/// One option's prices per replica-hour; an absent tier is not available (never 0).
struct FleetPrices {
  std::optional<double> on_demand_usd_per_hour;
  std::optional<double> spot_usd_per_hour;
  std::optional<double> commit_usd_per_hour; ///< the commitment's rate, billed every hour of the month
};

/// Replicas by hour for one option and one commitment.
struct FleetPlan {
  int committed = 0;
  std::vector<int> needed;    ///< replicas the load needs in each hour of the period
  std::vector<int> on_demand; ///< rented on demand in each hour
  std::vector<int> spot;      ///< rented on spot in each hour (the replacements while they recover not counted)
  double committed_usd_per_month = 0;
  double on_demand_usd_per_month = 0;
  double spot_usd_per_month = 0;    ///< spot rent, replacements while recovering included
  double spot_preemptions_per_month = 0;
  double spot_short_replica_hours_per_month = 0; ///< capacity missing while preempted slices recover
  bool feasible = true;             ///< false: without an on-demand price, some hour cannot be covered

  double usd_per_month() const { return committed_usd_per_month + on_demand_usd_per_month + spot_usd_per_month; }
  int peak_on_demand() const;
  int peak_spot() const;
};

/// The plan with `committed` replicas committed: each hour's remainder on spot (up to
/// ⌊max_share × needed⌋, when spot with its preemption cost is cheaper than on-demand), the
/// rest on demand. Each hour of the period occurs hours_per_month ÷ period times a month.
FleetPlan fleet_with(const std::vector<int>& needed, int committed, const FleetPrices& prices, const SpotModel& spot,
                     double hours_per_month);

/// The cheapest plan, in closed form: the k-th replica is committed while its saving
///   S(k) = occurrences × Σ_hours [price it replaces in that hour]  (on-demand, spot or 0)
/// exceeds its monthly commitment, S being non-increasing in k. O(hours + peak).
FleetPlan plan_fleet(const std::vector<int>& needed, const FleetPrices& prices, const SpotModel& spot,
                     double hours_per_month);

/// The cheapest plan found by trying every committed count from 0 to the peak (ties to fewer):
/// the check of plan_fleet in the tests.
FleetPlan plan_fleet_exhaustive(const std::vector<int>& needed, const FleetPrices& prices, const SpotModel& spot,
                                double hours_per_month);

/// A plan question: the options that hold the model, under the workload's curve.
struct PlanQuery {
  MemoryOptions memory;          ///< weights, KV precision, headroom, reserve
  PricingOptions pricing;        ///< hours_per_month is used (the curve says which hours run)
  OfferingFilter filter;
  Workload workload;             ///< needs a curve
  PerformanceModel perf;
  SpotModel spot;
  bool all = false;              ///< every option, not the best per accelerator
};

/// One way of buying an option's fleet: on-demand and spot only, or with a 1y/3y commitment.
struct TermPlan {
  std::optional<Tier> term;      ///< commit_1y, commit_3y; absent: no commitment
  FleetPlan fleet;
  double usd_per_month = 0;
  std::optional<double> usd_per_million_output_tokens;
  /// Without spot, a replica is committed when the share of hours needing it exceeds this:
  /// 1 − discount = commitment ÷ on-demand price.
  std::optional<double> commit_share_threshold;
};

/// The plans of one option.
struct OptionPlan {
  const Offering* offering = nullptr;
  const Accelerator* accelerator = nullptr;
  ReplicaCapacity capacity;
  std::vector<TermPlan> plans;   ///< none, 1y, 3y: those whose prices exist
  std::size_t best = 0;          ///< the cheapest of plans
  double output_tokens_per_month = 0;

  const TermPlan& best_plan() const { return plans[best]; }
};

/// The answer, options sorted by their best plan's bill.
struct PlanResult {
  std::vector<OptionPlan> options;
  std::vector<std::pair<std::string, const Offering*>> too_small; ///< accelerators nothing holds
  std::vector<std::string> missing_slo;                           ///< accelerators no batch serves within the SLO
  std::vector<std::string> problems;                              ///< "id: the estimator's objection"
};

/// Plans every option (one region each, preferred_region) that holds the model and serves the SLO.
PlanResult plan_fleets(const Catalog& catalog, const PlanQuery& query);

/// "commit 3 (3y), up to 2 on-demand + 1 spot at the peak": what a plan buys, one line.
std::string describe(const TermPlan& plan);

} // namespace tpuplan
