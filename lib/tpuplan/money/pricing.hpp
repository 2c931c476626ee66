// Hourly and monthly cost of an offering by tier: on-demand and spot bill the hours used,
// commitments bill every hour; spot carries an explicit preemption overhead (DESIGN.md §2).
#pragma once

#include <tpuplan/data/catalog.hpp>

#include <array>
#include <optional>

namespace tpuplan {

/// How the offering is used and billed.
struct PricingOptions {
  double hours_per_day = 24.0;                  ///< hours a day the offering runs (0–24)
  double hours_per_month = k_hours_per_month;   ///< billing month
  /// Spot: lost work and restart time as a fraction of the hours used; the spot bill is
  /// multiplied by (1 + overhead) because that much more time must be rented for the same work.
  double spot_overhead = 0.10;
};

/// Costs of one offering in every tier; absent where the tier has no sourced price.
struct OfferingCost {
  std::array<std::optional<double>, 4> usd_per_hour;   ///< list price per hour, by Tier
  std::array<std::optional<double>, 4> usd_per_month;  ///< bill for the month at hours_per_day
  /// Cost of one hour of useful service: the monthly bill ÷ useful hours (spot's overhead and a
  /// commitment's idle hours included). This is what per-token cost divides.
  std::array<std::optional<double>, 4> usd_per_useful_hour;
  std::optional<Tier> cheapest;                        ///< tier with the lowest monthly bill

  const std::optional<double>& hourly(Tier t) const { return usd_per_hour[static_cast<std::size_t>(t)]; }
  const std::optional<double>& monthly(Tier t) const { return usd_per_month[static_cast<std::size_t>(t)]; }
  const std::optional<double>& per_useful_hour(Tier t) const {
    return usd_per_useful_hour[static_cast<std::size_t>(t)];
  }
  /// The monthly bill of the cheapest tier, if any tier is priced.
  std::optional<double> cheapest_monthly() const { return cheapest ? monthly(*cheapest) : std::nullopt; }
};

/// Hours billed in a month for a tier: every hour for commitments, the hours used otherwise.
double billed_hours_per_month(Tier tier, const PricingOptions& options);
/// Hours of useful service in a month: hours_per_day × days in the month.
double useful_hours_per_month(const PricingOptions& options);

/// The monthly bill of `usd_per_hour` in `tier` (spot includes the preemption overhead).
double monthly_cost(double usd_per_hour, Tier tier, const PricingOptions& options);

/// Costs of `offering` in every priced tier.
OfferingCost offering_cost(const Offering& offering, const PricingOptions& options);

/// Hours per day above which a commitment at `commit_usd_per_hour` is cheaper than paying
/// `usd_per_hour` (× (1 + overhead) for spot) for the hours used: 24 × commit ÷ rate,
/// i.e. 24 × (1 − discount) against on-demand. Above 24 the commitment never pays off.
double breakeven_hours_per_day(double commit_usd_per_hour, double usd_per_hour, Tier against,
                               const PricingOptions& options);

/// Throws Error(usage) unless 0 ≤ hours_per_day ≤ 24, hours_per_month > 0, 0 ≤ spot_overhead < 10.
void validate(const PricingOptions& options);

} // namespace tpuplan
