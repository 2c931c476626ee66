#include <tpuplan/money/plan.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/money/breakeven.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

using namespace tpuplan;

namespace {

constexpr double k_month = 730;

std::vector<int> random_needs(std::mt19937& rng, std::size_t hours) {
  // Diurnal-looking: a base, a peak of random height and width, noise; some hours at zero.
  std::uniform_int_distribution<int> base(0, 6), peak(0, 30), noise(0, 3);
  std::uniform_int_distribution<std::size_t> start(0, hours - 1), width(1, hours);
  const int b = base(rng), p = peak(rng);
  const std::size_t s = start(rng), w = width(rng);
  std::vector<int> needs(hours);
  for (std::size_t h = 0; h < hours; ++h) {
    const bool in_peak = (h + hours - s) % hours < w;
    needs[h] = std::max(0, b + (in_peak ? p : 0) + noise(rng) - 1);
  }
  return needs;
}

} // namespace

TEST_CASE("the closed-form plan costs what the best of every committed count costs, on random curves",
          "[plan]") {
  std::mt19937 rng(20250605);
  std::uniform_real_distribution<double> od(1, 100), share(0.05, 1.2), spot_share(0.05, 1.1);
  std::uniform_int_distribution<int> coin(0, 3);
  int compared = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t hours = trial % 3 == 0 ? 168 : 24;
    const auto needs = random_needs(rng, hours);
    FleetPrices prices;
    prices.on_demand_usd_per_hour = od(rng);
    if (coin(rng) != 0) {
      prices.spot_usd_per_hour = *prices.on_demand_usd_per_hour * spot_share(rng);
    }
    prices.commit_usd_per_hour = *prices.on_demand_usd_per_hour * share(rng); // sometimes dearer than on-demand
    if (coin(rng) == 0) {
      prices.on_demand_usd_per_hour.reset(); // a commitment-only offering (spot may cover the peak)
    }
    SpotModel spot;
    spot.preemptions_per_day = std::uniform_real_distribution<double>(0, 6)(rng);
    spot.recovery_hours = std::uniform_real_distribution<double>(0, 3)(rng);
    spot.max_share = coin(rng) == 0 ? 0.0 : std::uniform_real_distribution<double>(0, 1)(rng);
    const FleetPlan closed = plan_fleet(needs, prices, spot, k_month);
    const FleetPlan brute = plan_fleet_exhaustive(needs, prices, spot, k_month);
    INFO("trial " << trial);
    REQUIRE(closed.feasible == brute.feasible);
    if (!closed.feasible) {
      continue;
    }
    CHECK(closed.usd_per_month() == Approx(brute.usd_per_month()).epsilon(1e-12));
    ++compared;
  }
  CHECK(compared > 1500);
}

TEST_CASE("without spot a replica is committed when the share of hours needing it exceeds 1 − discount", "[plan]") {
  // Needs 1 replica all day, 2 for 12 hours, 3 for 6 hours; commitment at 40% off (threshold 60%).
  std::vector<int> needs(24, 1);
  for (int h = 6; h < 18; ++h) {
    needs[h] = 2;
  }
  for (int h = 9; h < 15; ++h) {
    needs[h] = 3;
  }
  const FleetPrices prices{10.0, std::nullopt, 6.0};
  SpotModel no_spot;
  no_spot.max_share = 0;
  const FleetPlan plan = plan_fleet(needs, prices, no_spot, k_month);
  CHECK(plan.committed == 1); // shares 100%, 50%, 25%: only the first exceeds 60%
  CHECK(plan.peak_on_demand() == 2);
  CHECK(plan.committed_usd_per_month == Approx(6.0 * 730));
  // On demand: 12 hours × 1 + 6 hours × 1 more, each hour 730/24 times a month.
  CHECK(plan.on_demand_usd_per_month == Approx((12 + 6) * 10.0 * 730 / 24));
  // At 55% off (threshold 45%) the second replica, needed 50% of the time, is committed too.
  CHECK(plan_fleet(needs, {10.0, std::nullopt, 4.5}, no_spot, k_month).committed == 2);
}

TEST_CASE("spot fills each hour up to its share cap and carries the cost of whole-slice preemption", "[plan]") {
  const std::vector<int> needs(24, 4);
  const FleetPrices prices{10.0, 2.0, std::nullopt};
  SpotModel spot; // 1 preemption a day, 2.4 h to recover: +10% rent
  spot.max_share = 0.5;
  const FleetPlan plan = plan_fleet(needs, prices, spot, k_month);
  CHECK(plan.spot == std::vector<int>(24, 2));
  CHECK(plan.on_demand == std::vector<int>(24, 2));
  CHECK(plan.spot_usd_per_month == Approx(2 * 24 * 2.0 * 1.1 * 730 / 24));
  CHECK(plan.spot_preemptions_per_month == Approx(2 * 730.0 / 24)); // two slices, once a day each
  CHECK(plan.spot_short_replica_hours_per_month == Approx(2 * 730.0 / 24 * 2.4));
  // Spot dearer than on-demand once preemption is paid for: not used.
  spot.preemptions_per_day = 240;
  CHECK(plan_fleet(needs, prices, spot, k_month).peak_spot() == 0);
}

TEST_CASE("a plan never treats a missing price as free", "[plan]") {
  const std::vector<int> needs = {0, 2, 5, 3};
  // No on-demand and no spot: only committing to the peak covers every hour.
  const FleetPlan commit_only = plan_fleet(needs, {std::nullopt, std::nullopt, 3.0}, SpotModel{}, k_month);
  CHECK(commit_only.feasible);
  CHECK(commit_only.committed == 5);
  // Nothing rents by the hour and nothing commits: infeasible, not $0.
  const FleetPlan none = plan_fleet(needs, {std::nullopt, std::nullopt, std::nullopt}, SpotModel{}, k_month);
  CHECK_FALSE(none.feasible);
}

TEST_CASE("the flat curve of H hours a day commits exactly where breakeven's 24 × (1 − discount) says", "[plan]") {
  Offering o;
  o.id = "x@r";
  o.price(Tier::on_demand) = Price{16.0, "f", "", ""};
  o.price(Tier::commit_1y) = Price{11.2, "f", "", ""};
  PricingOptions p;
  const double breakeven = *commitment_breakeven(o, p).commit_1y_vs_on_demand; // 16.8 h/day
  SpotModel no_spot;
  no_spot.max_share = 0;
  Workload w;
  ReplicaCapacity capacity;
  capacity.planned_requests_per_s = 1;
  // Curves are hourly: 16 h a day (share 66.7% < 70%) rents, 17 h (70.8%) commits all three.
  for (double h : {std::floor(breakeven), std::ceil(breakeven)}) {
    const LoadCurve curve = flat_curve(3, h); // three replicas' worth while it runs
    std::vector<int> needs;
    for (double r : curve.requests_per_s) {
      needs.push_back(replicas_for(r, capacity, w));
    }
    const FleetPlan plan = plan_fleet(needs, {16.0, std::nullopt, 11.2}, no_spot, k_month);
    INFO(h << " h/day");
    CHECK(plan.committed == (h > breakeven ? 3 : 0));
  }
}

TEST_CASE("plan_fleets plans every holding option under the curve and picks each option's cheapest term", "[plan]") {
  Catalog c;
  Accelerator h100;
  h100.id = "h100";
  h100.kind = AcceleratorKind::gpu;
  h100.family = "nvidia-hopper";
  h100.hbm_gib = 80;
  h100.hbm_tb_per_s = 3.35;
  h100.bf16_tflops = 989;
  h100.interconnect_gb_per_s = 450;
  c.accelerators = {h100};
  Offering g;
  g.id = "g-1@r";
  g.name = "g-1";
  g.region = "r";
  g.cloud = "c";
  g.accelerator = "h100";
  g.chips = 1;
  g.price(Tier::on_demand) = Price{4.0, "f", "", ""};
  g.price(Tier::commit_3y) = Price{2.0, "f", "", ""};
  c.offerings = {g};
  PlanQuery q;
  q.perf.model = test::llama_3_1_8b();
  q.workload.input_tokens = 500;
  q.workload.output_tokens = 200;
  q.workload.curve = flat_curve(20, 24);
  const PlanResult r = plan_fleets(c, q);
  REQUIRE(r.options.size() == 1);
  const OptionPlan& o = r.options[0];
  REQUIRE(o.plans.size() == 2); // none and 3y (no 1y price)
  CHECK(o.best_plan().term == Tier::commit_3y); // a flat 24 h load: commit everything
  CHECK(o.best_plan().fleet.committed == o.best_plan().fleet.needed[0]);
  CHECK(*o.best_plan().usd_per_million_output_tokens ==
        Approx(o.best_plan().usd_per_month / (20 * 200 * 3600 * 730.0) * 1e6));
  CHECK(*o.plans[1].commit_share_threshold == Approx(0.5));
  PlanQuery no_curve = q;
  no_curve.workload.curve.reset();
  CHECK_THROWS_AS(plan_fleets(c, no_curve), Error);
}
