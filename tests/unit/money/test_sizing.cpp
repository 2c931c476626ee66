#include <tpuplan/money/sizing.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

Accelerator accelerator(std::string id, double hbm_gib, double tb_per_s, double tflops) {
  Accelerator a;
  a.id = std::move(id);
  a.family = a.id;
  a.hbm_gib = hbm_gib;
  a.hbm_tb_per_s = tb_per_s;
  a.bf16_tflops = tflops;
  a.interconnect_gb_per_s = 100;
  return a;
}

Offering offering(std::string name, std::string accel, int chips, std::optional<double> od, double spot) {
  Offering o;
  o.name = std::move(name);
  o.region = "r1";
  o.id = o.name + "@r1";
  o.cloud = "gcp";
  o.accelerator = std::move(accel);
  o.chips = chips;
  if (od) {
    o.price(Tier::on_demand) = Price{*od, "fixture", "2025-01-01", ""};
  }
  o.price(Tier::spot) = Price{spot, "fixture", "2025-01-01", ""};
  return o;
}

Catalog fixture() {
  Catalog c;
  c.accelerators = {accelerator("small", 16, 0.8, 197), accelerator("big", 32, 1.6, 918)};
  c.offerings = {offering("small-1", "small", 1, 1.2, 0.3), offering("small-4", "small", 4, 4.8, 1.2),
                 offering("big-1", "big", 1, 2.7, 0.6), offering("big-4", "big", 4, std::nullopt, 2.4)};
  return c;
}

SizingQuery query() {
  SizingQuery q;
  q.perf.model = test::llama_3_1_8b();
  q.workload.input_tokens = 500;
  q.workload.output_tokens = 200;
  return q;
}

} // namespace

TEST_CASE("sizing picks the cheapest offering that holds the model and counts those that do not", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  const auto result = size_offerings(catalog, query());
  REQUIRE_FALSE(result.feasible.empty());
  CHECK(result.feasible.front().offering->id == "big-1@r1"); // $2.70 beats small-4 at $4.80; small-1 (16 GiB) cannot hold 16 GB of weights
  CHECK(result.rejected[static_cast<std::size_t>(RejectReason::does_not_fit)] == 1);
  CHECK(result.rejected[static_cast<std::size_t>(RejectReason::unpriced)] == 1); // big-4 has no on-demand price
  CHECK(result.evaluated == 4);
}

TEST_CASE("a TPOT target no option meets rejects them all and names the nearest", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  q.workload.slo.tpot_ms = 0.5;
  const auto result = size_offerings(catalog, q);
  CHECK(result.feasible.empty());
  REQUIRE(result.nearest.has_value());
  CHECK(result.nearest->reason == RejectReason::misses_tpot);
  CHECK(result.nearest->shortfall > 1.0);
}

TEST_CASE("a load beyond one replica's capacity adds replicas and their cost", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  const auto one = size_offerings(catalog, q);
  REQUIRE_FALSE(one.feasible.empty());
  const double capacity = one.feasible.front().estimate.requests_per_s;
  q.workload.rate_requests_per_s = capacity * 2.5;
  const auto loaded = size_offerings(catalog, q);
  REQUIRE_FALSE(loaded.feasible.empty());
  const auto& best = loaded.feasible.front();
  CHECK(best.replicas >= 3);
  CHECK(best.usd_per_month == Approx(best.replicas * best.offering->price(Tier::on_demand)->usd_per_hour * 730));
}

TEST_CASE("the tokens objective ranks by cost per million output tokens", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  q.objective = Objective::usd_per_million_tokens;
  q.tier = Tier::spot;
  const auto result = size_offerings(catalog, q);
  REQUIRE(result.feasible.size() >= 2);
  for (std::size_t i = 1; i < result.feasible.size(); ++i) {
    CHECK(result.feasible[i - 1].usd_per_million_output_tokens <= result.feasible[i].usd_per_million_output_tokens);
  }
}

TEST_CASE("a closed-loop concurrency splits the sequences over replicas within the best batch", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  q.perf.max_batch = 16;
  q.workload.concurrency = 40;
  const auto result = size_offerings(catalog, q);
  REQUIRE_FALSE(result.feasible.empty());
  for (const auto& c : result.feasible) {
    // The cap is the engine's, per copy of the model; a replica runs layout.dp copies.
    CHECK(c.estimate.batch <= 16 * c.capacity.layout.dp);
    CHECK(c.estimate.batch * c.replicas >= 40);
  }
}

TEST_CASE("the context bounds every sequence's memory: a longer one leaves room for fewer", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  q.filter.accelerator = "big";
  const auto at = [&](double context) {
    q.workload.context_tokens = context;
    const auto r = size_offerings(catalog, q);
    REQUIRE_FALSE(r.feasible.empty());
    return r.feasible.front().estimate.batch;
  };
  const int short_context = at(700);
  const int long_context = at(8192);
  CHECK(long_context < short_context);
  // 8192-token sequences: the batch is what memory holds of them, not of 700-token ones.
  CHECK(long_context <= short_context * 700 / 8192 + 1);
}

TEST_CASE("an N+1 fleet and capacity headroom add replicas to what the load needs", "[sizing]") {
  const Catalog catalog = fixture(); // the results point into it
  auto q = query();
  q.filter.accelerator = "big";
  q.workload.rate_requests_per_s = 10;
  const auto base = size_offerings(catalog, q).feasible.front();
  q.workload.n_plus_one = true;
  CHECK(size_offerings(catalog, q).feasible.front().replicas == base.replicas + 1);
  q.workload.n_plus_one = false;
  q.workload.capacity_headroom = 0.5;
  const auto half = size_offerings(catalog, q).feasible.front();
  CHECK(half.replicas >= 2 * base.replicas - 1);
  CHECK(half.capacity.planned_requests_per_s == Approx(half.capacity.max_requests_per_s * 0.5));
}
