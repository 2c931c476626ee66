#include <tpuplan/money/pricing.hpp>

#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

Offering v5e_8() {
  Offering o;
  o.id = "v5e-8@us-central1";
  o.name = "v5e-8";
  o.chips = 8;
  o.price(Tier::on_demand) = Price{9.60, "test", "2025-03-03", ""};
  o.price(Tier::spot) = Price{1.95941, "test", "2025-03-03", ""};
  o.price(Tier::commit_1y) = Price{6.72, "test", "2025-03-03", ""};
  o.price(Tier::commit_3y) = Price{4.32, "test", "2025-03-03", ""};
  return o;
}

} // namespace

TEST_CASE("on-demand bills the hours used and commitments bill every hour of a 730-hour month", "[pricing]") {
  PricingOptions eight_hours;
  eight_hours.hours_per_day = 8;
  const auto cost = offering_cost(v5e_8(), eight_hours);
  CHECK(*cost.monthly(Tier::on_demand) == Approx(9.60 * 8 * 730 / 24));
  CHECK(*cost.monthly(Tier::commit_1y) == Approx(6.72 * 730));
  CHECK(*cost.monthly(Tier::commit_3y) == Approx(4.32 * 730));
}

TEST_CASE("spot is billed with its preemption overhead, not as a bare discount", "[pricing]") {
  PricingOptions options;
  options.spot_overhead = 0.25;
  const auto cost = offering_cost(v5e_8(), options);
  CHECK(*cost.monthly(Tier::spot) == Approx(1.95941 * 1.25 * 730));
}

TEST_CASE("the cheapest tier is the lowest monthly bill, and absent tiers stay absent", "[pricing]") {
  auto o = v5e_8();
  o.price(Tier::spot).reset();
  PricingOptions sustained;
  const auto full = offering_cost(o, sustained);
  CHECK(full.cheapest == Tier::commit_3y);
  CHECK_FALSE(full.hourly(Tier::spot).has_value());
  CHECK_FALSE(full.monthly(Tier::spot).has_value());
  PricingOptions two_hours;
  two_hours.hours_per_day = 2;
  CHECK(offering_cost(o, two_hours).cheapest == Tier::on_demand);
}

TEST_CASE("a commitment breaks even at 24 × (1 − discount) hours a day against on-demand", "[pricing]") {
  const PricingOptions options;
  // 30% discount → 16.8 h/day; 55% → 10.8 h/day.
  CHECK(breakeven_hours_per_day(6.72, 9.60, Tier::on_demand, options) == Approx(16.8));
  CHECK(breakeven_hours_per_day(4.32, 9.60, Tier::on_demand, options) == Approx(10.8));
}

TEST_CASE("the cost of a useful hour spreads a commitment over the hours used", "[pricing]") {
  PricingOptions eight_hours;
  eight_hours.hours_per_day = 8;
  const auto cost = offering_cost(v5e_8(), eight_hours);
  CHECK(*cost.per_useful_hour(Tier::commit_1y) == Approx(6.72 * 3));
  CHECK(*cost.per_useful_hour(Tier::on_demand) == Approx(9.60));
}

TEST_CASE("pricing options outside their ranges are usage errors", "[pricing]") {
  PricingOptions bad;
  bad.hours_per_day = 25;
  CHECK_THROWS_AS(validate(bad), Error);
  bad.hours_per_day = 8;
  bad.spot_overhead = -0.1;
  CHECK_THROWS_WITH(validate(bad), Catch::Contains("--spot-overhead"));
}
