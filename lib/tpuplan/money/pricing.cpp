#include <tpuplan/money/pricing.hpp>

#include <tpuplan/error.hpp>

#include <fmt/format.h>

namespace tpuplan {

double useful_hours_per_month(const PricingOptions& options) {
  return options.hours_per_day * days_per_month(options.hours_per_month);
}

double billed_hours_per_month(Tier tier, const PricingOptions& options) {
  return bills_every_hour(tier) ? options.hours_per_month : useful_hours_per_month(options);
}

double monthly_cost(double usd_per_hour, Tier tier, const PricingOptions& options) {
  const double overhead = tier == Tier::spot ? 1.0 + options.spot_overhead : 1.0;
  return usd_per_hour * overhead * billed_hours_per_month(tier, options);
}

OfferingCost offering_cost(const Offering& offering, const PricingOptions& options) {
  OfferingCost cost;
  const double useful = useful_hours_per_month(options);
  for (Tier tier : k_all_tiers) {
    const auto& price = offering.price(tier);
    if (!price) {
      continue;
    }
    const auto i = static_cast<std::size_t>(tier);
    cost.usd_per_hour[i] = price->usd_per_hour;
    cost.usd_per_month[i] = monthly_cost(price->usd_per_hour, tier, options);
    if (useful > 0) {
      cost.usd_per_useful_hour[i] = *cost.usd_per_month[i] / useful;
    }
    // Ties go to the more flexible tier (k_all_tiers is ordered from most to least flexible).
    if (!cost.cheapest || *cost.usd_per_month[i] < *cost.monthly(*cost.cheapest)) {
      cost.cheapest = tier;
    }
  }
  return cost;
}

double breakeven_hours_per_day(double commit_usd_per_hour, double usd_per_hour, Tier against,
                               const PricingOptions& options) {
  // commit × hours_per_month = rate × (1 + o) × H × hours_per_month / 24  ⇒  H = 24 × commit ÷ (rate × (1 + o))
  const double rate = usd_per_hour * (against == Tier::spot ? 1.0 + options.spot_overhead : 1.0);
  return k_hours_per_day * commit_usd_per_hour / rate;
}

void validate(const PricingOptions& options) {
  if (!(options.hours_per_day >= 0 && options.hours_per_day <= 24)) {
    throw Error(ErrorKind::usage, fmt::format("--hours: {} is outside 0–24 hours per day", options.hours_per_day));
  }
  if (!(options.hours_per_month > 0 && options.hours_per_month <= 744)) {
    throw Error(ErrorKind::usage,
                fmt::format("--hours-per-month: {} is outside (0, 744]", options.hours_per_month),
                "730 is the cloud providers' billing month");
  }
  if (!(options.spot_overhead >= 0 && options.spot_overhead < 10)) {
    throw Error(ErrorKind::usage, fmt::format("--spot-overhead: {} is not a fraction ≥ 0", options.spot_overhead),
                "e.g. 0.1 for 10% of the hours lost to preemptions and restarts");
  }
}

} // namespace tpuplan
