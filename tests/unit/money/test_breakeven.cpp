#include <tpuplan/money/breakeven.hpp>

#include <tpuplan/error.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

Offering offering(std::string name, std::optional<double> od, std::optional<double> spot, std::optional<double> y1,
                  std::optional<double> y3) {
  Offering o;
  o.name = name;
  o.id = name + "@test";
  const std::optional<double> prices[] = {od, spot, y1, y3};
  for (Tier t : k_all_tiers) {
    if (const auto& p = prices[static_cast<std::size_t>(t)]) {
      o.price(t) = Price{*p, "test", "2025-03-03", ""};
    }
  }
  return o;
}

PricingOptions seed_month(double hours_per_day = 24) {
  PricingOptions p;
  p.hours_per_month = 720; // the seed's 30-day month
  p.hours_per_day = hours_per_day;
  return p;
}

std::vector<PricedOption> tier_only(const Offering& o, Tier tier, const PricingOptions& p) {
  std::vector<PricedOption> out;
  for (const auto& opt : priced_options(o, p)) {
    if (opt.tier == tier) {
      out.push_back(opt);
    }
  }
  return out;
}

} // namespace

TEST_CASE("a tier's cost line gives the same bill as monthly_cost at every usage", "[breakeven]") {
  PricingOptions p;
  p.spot_overhead = 0.2;
  for (Tier tier : k_all_tiers) {
    const CostLine line = cost_line(3.5, tier, p);
    for (double h : {0.0, 1.0, 8.0, 13.5, 24.0}) {
      PricingOptions at = p;
      at.hours_per_day = h;
      CHECK(line.at(h) == Approx(monthly_cost(3.5, tier, at)).margin(1e-9));
    }
  }
}

TEST_CASE("a commitment crosses on-demand at 24 × (1 − discount) hours a day", "[breakeven]") {
  const auto p = seed_month();
  // The seed's v4-8: $4.40 on demand, $3.30 1-year (25% off), $2.60 3-year (41% off).
  const auto od = cost_line(4.40, Tier::on_demand, p);
  CHECK(*crossing_hours_per_day(od, cost_line(3.30, Tier::commit_1y, p)) == Approx(18.0));
  CHECK(*crossing_hours_per_day(od, cost_line(2.60, Tier::commit_3y, p)) == Approx(24.0 * 2.60 / 4.40));
  CHECK_FALSE(crossing_hours_per_day(cost_line(3.30, Tier::commit_1y, p), cost_line(2.60, Tier::commit_3y, p)));
}

TEST_CASE("the commitment analysis gives break-even hours, discounts and savings per commitment", "[breakeven]") {
  // List prices of v5e-8 in us-central1 (pricing.md §2a): 30% and 55% commitments.
  const auto v5e = offering("v5e-8", 9.60, 1.96, 6.72, 4.32);
  PricingOptions p; // 730 h, 10% spot overhead
  p.hours_per_day = 24;
  const auto b = commitment_breakeven(v5e, p);
  CHECK(*b.commit_1y_vs_on_demand == Approx(16.8));
  CHECK(*b.commit_3y_vs_on_demand == Approx(10.8));
  CHECK(*b.discount_1y == Approx(0.30));
  CHECK(*b.discount_3y == Approx(0.55));
  // Against spot (1.96 × 1.1 per useful hour) neither commitment ever pays off: above 24 h/day.
  CHECK(*b.commit_1y_vs_spot == Approx(24 * 6.72 / (1.96 * 1.1)));
  CHECK(*b.commit_1y_vs_spot > 24);
  CHECK(*b.savings_1y_usd_per_month == Approx((9.60 - 6.72) * 730));
  CHECK(*b.cost.monthly(Tier::spot) == Approx(1.96 * 1.1 * 730));
}

TEST_CASE("a commitment costs more than on-demand below its break-even, shown as negative savings", "[breakeven]") {
  const auto v5e = offering("v5e-8", 9.60, {}, 6.72, {});
  PricingOptions p;
  p.hours_per_day = 8;
  const auto b = commitment_breakeven(v5e, p);
  CHECK(*b.savings_1y_usd_per_month == Approx(9.60 * 8 * 730 / 24 - 6.72 * 730));
  CHECK(*b.savings_1y_usd_per_month < 0);
}

TEST_CASE("a tier without a price leaves its break-evens absent, never zero", "[breakeven]") {
  const auto only_od = offering("x", 10.0, {}, 7.0, {});
  const auto b = commitment_breakeven(only_od, seed_month());
  CHECK(b.commit_1y_vs_on_demand.has_value());
  CHECK_FALSE(b.commit_3y_vs_on_demand.has_value());
  CHECK_FALSE(b.commit_1y_vs_spot.has_value());
  CHECK_FALSE(b.discount_3y.has_value());
  CHECK_FALSE(b.savings_3y_usd_per_month.has_value());
  const auto no_od = offering("y", {}, 2.0, 7.0, {});
  const auto c = commitment_breakeven(no_od, seed_month());
  CHECK_FALSE(c.commit_1y_vs_on_demand.has_value());
  CHECK(c.commit_1y_vs_spot.has_value());
}

TEST_CASE("comparing two groups reproduces the seed's sustained 24/7 savings of $2,592 (45%)", "[breakeven]") {
  // The seed sets the v4-8 at $4.40/h against 4×A100 at $8/h over a 720-hour month.
  const auto p = seed_month(24);
  const auto v4 = offering("v4-8", 4.40, {}, 3.30, 2.60);
  const auto a100 = offering("4xa100", 12.0, {}, 8.0, 6.0);
  const auto c = compare_groups(tier_only(v4, Tier::on_demand, p), tier_only(a100, Tier::commit_1y, p), 24);
  CHECK(*c.first_usd_per_month == Approx(3168));
  CHECK(*c.second_usd_per_month == Approx(5760));
  CHECK(*c.winner == 1);
  CHECK(*c.savings_usd_per_month == Approx(2592));
  CHECK(*c.savings_fraction == Approx(0.45));
}

TEST_CASE("the cheapest option of a group is chosen at the usage asked for", "[breakeven]") {
  const auto p = seed_month();
  const auto v5e = offering("v5e-8", 9.60, {}, 6.72, 4.32);
  const auto options = priced_options(v5e, p);
  CHECK(cheapest_at(options, 2)->tier == Tier::on_demand);  // 9.60 × 2 × 30 = 576 < 4.32 × 720
  CHECK(cheapest_at(options, 20)->tier == Tier::commit_3y); // 3,110 < 5,760
  CHECK_FALSE(cheapest_at({}, 8).has_value());
}

TEST_CASE("a comparison with an empty group has no winner", "[breakeven]") {
  const auto p = seed_month();
  const auto v5e = offering("v5e-8", 9.60, {}, {}, {});
  const auto c = compare_groups(priced_options(v5e, p), {}, 8);
  CHECK(c.first.has_value());
  CHECK_FALSE(c.second.has_value());
  CHECK_FALSE(c.winner.has_value());
  CHECK_FALSE(c.savings_usd_per_month.has_value());
}

TEST_CASE("the platform winner changes where the two cheapest-bill envelopes cross", "[breakeven]") {
  const auto p = seed_month();
  // First: min(300·H, 5040); second: min(360·H, 3600). The first is cheaper until its on-demand
  // bill reaches the second's 1-year bill: 300·H = 3600 at H = 12.
  const auto tpu = offering("tpu", 10.0, {}, 7.0, {});
  const auto gpu = offering("gpu", 12.0, {}, 5.0, {});
  const auto x = crossovers(priced_options(tpu, p), priced_options(gpu, p));
  REQUIRE(x.size() == 1);
  CHECK(x[0].hours_per_day == Approx(12.0));
  CHECK(x[0].winner_before == 1);
  CHECK(x[0].winner_after == 2);
  CHECK(x[0].usd_per_month == Approx(3600));
}

TEST_CASE("a group that is cheaper at every usage has no crossover", "[breakeven]") {
  const auto p = seed_month();
  const auto cheap = offering("cheap", 4.40, {}, 3.30, 2.60);
  const auto dear = offering("dear", 12.0, {}, 8.0, 6.0);
  CHECK(crossovers(priced_options(cheap, p), priced_options(dear, p)).empty());
  CHECK(crossovers(priced_options(cheap, p), {}).empty());
}

TEST_CASE("a line with a fixed part and a slope can cross an envelope twice", "[breakeven]") {
  // Ownership-like: 1000 + 100·H against min(300·H, 2500): crossings at H = 5 and H = 15.
  Offering dummy;
  const std::vector<PricedOption> owned = {{&dummy, Tier::on_demand, CostLine{1000, 100}}};
  const std::vector<PricedOption> rented = {{&dummy, Tier::on_demand, CostLine{0, 300}},
                                            {&dummy, Tier::commit_1y, CostLine{2500, 0}}};
  const auto x = crossovers(owned, rented);
  REQUIRE(x.size() == 2);
  CHECK(x[0].hours_per_day == Approx(5.0));
  CHECK(x[0].winner_before == 2);
  CHECK(x[0].winner_after == 1);
  CHECK(x[1].hours_per_day == Approx(15.0));
  CHECK(x[1].winner_after == 2);
}

TEST_CASE("equal bills over a stretch of hours are a tie, not a crossover", "[breakeven]") {
  Offering dummy;
  // Identical groups never cross; a tie that ends with the same winner is not a crossover either.
  const std::vector<PricedOption> a = {{&dummy, Tier::commit_1y, CostLine{500, 0}}};
  CHECK(crossovers(a, a).empty());
  const std::vector<PricedOption> b = {{&dummy, Tier::on_demand, CostLine{0, 100}},
                                       {&dummy, Tier::commit_1y, CostLine{500, 0}}};
  const std::vector<PricedOption> c = {{&dummy, Tier::on_demand, CostLine{0, 50}},
                                       {&dummy, Tier::commit_1y, CostLine{500, 0}}};
  // c is cheaper below 10 h/day, then both are flat at 500: a tie, no change of winner.
  CHECK(crossovers(b, c).empty());
}

TEST_CASE("self-hosting beats a per-token API above its monthly bill in tokens", "[breakeven]") {
  auto p = seed_month(24);
  ApiQuery api;
  api.usd_per_million_tokens = 1.0;
  api.tokens_per_request = 1000;
  api.tokens_per_day = 50e6;
  const auto b = api_breakeven(3168, 1, api, 500.0, p);
  // 3,168 ÷ (30 days × $1e-6) = 105.6M tokens a day = 105,600 requests = 4,400 an hour.
  CHECK(*b.breakeven_tokens_per_day == Approx(105.6e6));
  CHECK(*b.breakeven_requests_per_day == Approx(105600));
  CHECK(*b.breakeven_requests_per_hour == Approx(4400));
  // 500 tokens/s all day serve 43.2M tokens: one option cannot reach the break-even.
  CHECK(*b.capacity_tokens_per_day == Approx(43.2e6));
  CHECK_FALSE(*b.breakeven_within_capacity);
  CHECK(*b.api_usd_per_month == Approx(1500));
  CHECK(*b.self_host_savings_usd_per_month == Approx(1500 - 3168));
  // Per token at full load one replica costs 3,168 ÷ (43.2M × 30) = $2.44 per 1M: above the API's $1.
  CHECK(*b.self_host_usd_per_million_tokens == Approx(3168 / (43.2 * 30)));
}

TEST_CASE("at equal load the self-hosting bill is of the replicas the traffic needs", "[breakeven]") {
  ApiQuery api;
  api.usd_per_million_tokens = 1.0;
  api.tokens_per_day = 200e6;
  const auto b = api_breakeven(3168, 5, api, 500.0, seed_month(24));
  CHECK(b.replicas == 5);
  CHECK(b.replica_usd_per_month == 3168);
  CHECK(b.self_host_usd_per_month == Approx(5 * 3168));
  CHECK(*b.api_usd_per_month == Approx(200 * 30));
  CHECK(*b.self_host_savings_usd_per_month == Approx(200 * 30 - 5 * 3168));
  // The break-even and the capacity stay those of one replica.
  CHECK(*b.breakeven_tokens_per_day == Approx(105.6e6));
  CHECK(*b.capacity_tokens_per_day == Approx(43.2e6));
}

TEST_CASE("without throughput the API comparison leaves capacity unknown", "[breakeven]") {
  ApiQuery api;
  api.usd_per_million_tokens = 0.5;
  const auto b = api_breakeven(1000, 1, api, std::nullopt, seed_month(8));
  CHECK(b.breakeven_tokens_per_day.has_value());
  CHECK_FALSE(b.breakeven_requests_per_day.has_value());
  CHECK_FALSE(b.capacity_tokens_per_day.has_value());
  CHECK_FALSE(b.breakeven_within_capacity.has_value());
  CHECK_FALSE(b.api_usd_per_month.has_value());
  ApiQuery free_api;
  CHECK_FALSE(api_breakeven(1000, 1, free_api, std::nullopt, seed_month(8)).breakeven_tokens_per_day.has_value());
}

TEST_CASE("a negative API price or a non-positive traffic is a usage error naming the flag", "[breakeven]") {
  ApiQuery api;
  api.usd_per_million_tokens = -1;
  CHECK_THROWS_WITH(validate(api), Catch::Contains("--api-usd-per-million-tokens: -1"));
  api.usd_per_million_tokens = 1;
  api.tokens_per_day = 0;
  CHECK_THROWS_WITH(validate(api), Catch::Contains("--tokens-per-day"));
}

TEST_CASE("per-token cost spreads the monthly bill over the tokens served in the hours used", "[breakeven]") {
  // $3,168 over 24 h × 30 days = $4.40 an hour; 1,000 tokens/s = 3.6M tokens an hour.
  CHECK(*usd_per_million_tokens_at(3168, 1000, seed_month(24)) == Approx(4.40 / 3.6));
  // A commitment billed all month but used 8 h a day costs three times as much per token.
  CHECK(*usd_per_million_tokens_at(3168, 1000, seed_month(8)) == Approx(3 * 4.40 / 3.6));
  CHECK_FALSE(usd_per_million_tokens_at(3168, 1000, seed_month(0)).has_value());
  CHECK_FALSE(usd_per_million_tokens_at(3168, 0, seed_month(8)).has_value());
}

TEST_CASE("spot stays cheaper while its preemption overhead is below the break-even overhead", "[breakeven]") {
  const auto v5e = offering("v5e-8", 9.60, 1.96, 6.72, 4.32);
  PricingOptions p;
  p.hours_per_day = 24;
  const auto b = commitment_breakeven(v5e, p);
  // Against on-demand the hours cancel: 9.60 ÷ 1.96 − 1 = 390% of the hours may be lost.
  CHECK(*b.spot_overhead_vs_on_demand == Approx(9.60 / 1.96 - 1));
  CHECK(*b.spot_overhead_vs_3y == Approx(4.32 / 1.96 - 1));
  // At 8 h/day the commitment still bills every hour, so spot may lose three times as much.
  p.hours_per_day = 8;
  const auto eight = commitment_breakeven(v5e, p);
  CHECK(*eight.spot_overhead_vs_3y == Approx(3 * 4.32 / 1.96 - 1));
  CHECK(*eight.spot_overhead_vs_on_demand == Approx(9.60 / 1.96 - 1));
  // The overhead at the break-even makes spot's bill equal the other tier's.
  PricingOptions at = p;
  at.spot_overhead = *eight.spot_overhead_vs_1y;
  CHECK(monthly_cost(1.96, Tier::spot, at) == Approx(monthly_cost(6.72, Tier::commit_1y, at)));
  p.hours_per_day = 0;
  CHECK_FALSE(commitment_breakeven(v5e, p).spot_overhead_vs_3y.has_value());
  CHECK_FALSE(commitment_breakeven(offering("x", 9.60, {}, 6.72, {}), p).spot_overhead_vs_on_demand.has_value());
}
