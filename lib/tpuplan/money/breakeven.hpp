// Crossovers in closed form: where a commitment pays off against on-demand or spot, where the
// cheaper platform (TPU or GPU) changes, and how much traffic self-hosting needs to beat a
// per-token API. Every monthly bill is a line in hours per day (DESIGN.md §2): on-demand and
// spot bill the hours used, commitments bill every hour, so crossovers are roots of lines.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/money/cost.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/money/pricing.hpp>

#include <optional>
#include <vector>

namespace tpuplan {

/// A monthly bill as a function of the hours a day the service runs:
/// usd_per_month(H) = fixed_usd_per_month + usd_per_month_per_daily_hour × H.
struct CostLine {
  double fixed_usd_per_month = 0;          ///< billed whatever the usage (commitments, ownership)
  double usd_per_month_per_daily_hour = 0; ///< added by each hour a day of use
  /// The monthly bill at `hours_per_day`.
  double at(double hours_per_day) const { return fixed_usd_per_month + usd_per_month_per_daily_hour * hours_per_day; }
};

/// The line of an hourly price in `tier` (options.hours_per_day is not used): commitments are
/// fixed (price × hours_per_month), on-demand and spot grow with the hours used (spot × (1 + overhead)).
CostLine cost_line(double usd_per_hour, Tier tier, const PricingOptions& options);

/// The hours per day at which two lines give the same bill; nullopt when they are parallel.
/// The result may lie outside 0–24 (then the cheaper line never changes within a day).
std::optional<double> crossing_hours_per_day(const CostLine& a, const CostLine& b);

/// One priced way to run: an offering in one tier, as a line.
struct PricedOption {
  const Offering* offering = nullptr;
  Tier tier = Tier::on_demand;
  CostLine line;
};

/// The priced options of `offering`: one per tier that has a price.
std::vector<PricedOption> priced_options(const Offering& offering, const PricingOptions& options);

/// The option with the lowest bill at `hours_per_day`; ties go to the earlier option.
/// nullopt when `candidates` is empty.
std::optional<PricedOption> cheapest_at(const std::vector<PricedOption>& candidates, double hours_per_day);

// ---- commitment ---------------------------------------------------------------------------

/// Where an offering's commitments pay off. Hours per day above 24 mean "never".
struct CommitmentBreakeven {
  OfferingCost cost;                           ///< every tier at options.hours_per_day
  std::optional<double> commit_1y_vs_on_demand; ///< 24 × (1 − discount) hours/day
  std::optional<double> commit_3y_vs_on_demand;
  std::optional<double> commit_1y_vs_spot;      ///< 24 × commit ÷ (spot × (1 + overhead))
  std::optional<double> commit_3y_vs_spot;
  std::optional<double> discount_1y;            ///< 1 − 1y ÷ on-demand
  std::optional<double> discount_3y;
  /// On-demand bill minus the commitment's bill at options.hours_per_day (negative: the
  /// commitment costs more at this usage).
  std::optional<double> savings_1y_usd_per_month;
  std::optional<double> savings_3y_usd_per_month;
  /// The spot overhead (fraction of hours lost) at which spot costs as much as on-demand,
  /// 1y or 3y at options.hours_per_day: spot is cheaper while its overhead stays below it.
  /// Negative: that tier is cheaper even with no overhead. Absent without both prices or at 0 h/day.
  std::optional<double> spot_overhead_vs_on_demand;
  std::optional<double> spot_overhead_vs_1y;
  std::optional<double> spot_overhead_vs_3y;
};

/// The spot overhead at which a spot price of `spot_usd_per_hour` bills as much as
/// `other_usd_per_hour` in `other` at options.hours_per_day:
/// other's monthly bill ÷ (spot × hours used a month) − 1. nullopt at 0 h/day or a free spot price.
std::optional<double> spot_overhead_breakeven(double spot_usd_per_hour, double other_usd_per_hour, Tier other,
                                              const PricingOptions& options);

/// The commitment analysis of one offering at options.hours_per_day.
CommitmentBreakeven commitment_breakeven(const Offering& offering, const PricingOptions& options);

// ---- platform -----------------------------------------------------------------------------

/// Two groups compared at one usage: each group's cheapest option and which is cheaper.
struct GroupComparison {
  std::optional<PricedOption> first;    ///< cheapest of the first group (absent: group empty)
  std::optional<PricedOption> second;
  std::optional<double> first_usd_per_month;
  std::optional<double> second_usd_per_month;
  /// 1 or 2 for the cheaper group; 0 for an exact tie; absent when a group is empty.
  std::optional<int> winner;
  std::optional<double> savings_usd_per_month; ///< loser's bill − winner's bill
  std::optional<double> savings_fraction;      ///< savings ÷ loser's bill (absent when that is 0)
};

/// The cheapest option of each group at `hours_per_day`, and the winner.
GroupComparison compare_groups(const std::vector<PricedOption>& first, const std::vector<PricedOption>& second,
                               double hours_per_day);

/// A point where the cheaper group changes.
struct Crossover {
  double hours_per_day = 0;
  int winner_before = 0; ///< 1 or 2: the cheaper group just below hours_per_day
  int winner_after = 0;  ///< the cheaper group just above
  double usd_per_month = 0; ///< both groups' bill at the crossover
};

/// Every usage in (from, to) where the cheapest of `first` and the cheapest of `second` swap
/// places, in increasing order. Each group's cheapest bill is the lower envelope of its lines;
/// between consecutive pairwise crossings both envelopes are linear, so each root is exact.
std::vector<Crossover> crossovers(const std::vector<PricedOption>& first, const std::vector<PricedOption>& second,
                                  double from_hours_per_day = 0, double to_hours_per_day = k_hours_per_day);

// ---- throughput and per-token cost --------------------------------------------------------

/// Dollars per million tokens of a monthly bill serving `tokens_per_s` during the hours used
/// (DESIGN.md §2: hourly cost ÷ tokens per hour, here per useful hour). nullopt at 0 h/day.
std::optional<double> usd_per_million_tokens_at(double usd_per_month, double tokens_per_s,
                                                const PricingOptions& options);

// ---- self-hosting against a per-token API -------------------------------------------------

/// A per-token API and the traffic to compare it with.
struct ApiQuery {
  double usd_per_million_tokens = 0;          ///< blended price of input and output tokens
  std::optional<double> tokens_per_day;       ///< the traffic, if known
  std::optional<double> tokens_per_request;   ///< input + output tokens of one request
};

/// Self-hosting an option against the API, at equal load when the traffic is known.
struct ApiBreakeven {
  int replicas = 1;                       ///< replicas the traffic needs (1 without traffic)
  double replica_usd_per_month = 0;       ///< one replica's bill
  double self_host_usd_per_month = 0;     ///< replicas × that
  /// Traffic above which one replica is cheaper than the API: its bill ÷ (days × price per
  /// token). Absent when the API is free.
  std::optional<double> breakeven_tokens_per_day;
  std::optional<double> breakeven_requests_per_day;  ///< the same in requests (needs tokens_per_request)
  /// Requests per hour of service (per day ÷ hours_per_day): the seed's "< 100 requests/hour" scale.
  std::optional<double> breakeven_requests_per_hour;
  /// What one replica serves a day: tokens_per_s × 3600 × hours_per_day (needs throughput).
  std::optional<double> capacity_tokens_per_day;
  /// True when the break-even traffic fits one replica's capacity: false means self-hosting
  /// on this option never beats the API, at any traffic (absent: capacity unknown).
  std::optional<bool> breakeven_within_capacity;
  /// One replica's bill per 1M tokens at full load, to compare with the API price.
  std::optional<double> self_host_usd_per_million_tokens;
  std::optional<double> api_usd_per_month;           ///< the API bill at tokens_per_day
  /// API bill − self-hosting bill at tokens_per_day (positive: self-hosting is cheaper).
  std::optional<double> self_host_savings_usd_per_month;
};

/// Self-hosting `replicas` replicas of `replica_usd_per_month` each against `api` at
/// options.hours_per_day; `tokens_per_s` (input + output) is one replica's capacity when known.
ApiBreakeven api_breakeven(double replica_usd_per_month, int replicas, const ApiQuery& api,
                           std::optional<double> tokens_per_s, const PricingOptions& options);

/// Throws Error(usage) unless the price is ≥ 0 and the traffic and lengths are positive.
void validate(const ApiQuery& api);

} // namespace tpuplan
