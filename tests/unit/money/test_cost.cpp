#include <tpuplan/money/cost.hpp>

#include <tpuplan/error.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace tpuplan;

namespace {

Offering offering(std::string name, std::string region, std::string accel, int chips, double od,
                  std::optional<double> y1 = {}, std::optional<double> spot = {}) {
  Offering o;
  o.name = std::move(name);
  o.region = std::move(region);
  o.id = o.name + "@" + o.region;
  o.cloud = "gcp";
  o.accelerator = std::move(accel);
  o.chips = chips;
  o.price(Tier::on_demand) = Price{od, "fixture", "2025-01-01", ""};
  if (y1) {
    o.price(Tier::commit_1y) = Price{*y1, "fixture", "2025-01-01", ""};
  }
  if (spot) {
    o.price(Tier::spot) = Price{*spot, "fixture", "2025-01-01", ""};
  }
  return o;
}

Accelerator accelerator(std::string id, AcceleratorKind kind, double hbm_gib, double tb_per_s, double tflops) {
  Accelerator a;
  a.id = std::move(id);
  a.kind = kind;
  a.family = a.id;
  a.hbm_gib = hbm_gib;
  a.hbm_tb_per_s = tb_per_s;
  a.bf16_tflops = tflops;
  a.interconnect_gb_per_s = 400;
  return a;
}

Catalog fixture() {
  Catalog c;
  c.accelerators = {accelerator("v6e", AcceleratorKind::tpu, 32, 1.64, 918),
                    accelerator("v5e", AcceleratorKind::tpu, 16, 0.819, 197),
                    accelerator("h100", AcceleratorKind::gpu, 80, 3.35, 989),
                    accelerator("l4", AcceleratorKind::gpu, 24, 0.3, 121)};
  c.offerings = {offering("v6e-4", "us-central1", "v6e", 4, 10.8),
                 offering("v6e-8", "us-central1", "v6e", 8, 21.6, 15.12),
                 offering("v6e-8", "europe-west4", "v6e", 8, 23.76),
                 offering("v5e-8", "us-central1", "v5e", 8, 9.6),
                 offering("v5e-16", "us-central1", "v5e", 16, 19.2),
                 offering("a3-highgpu-2g", "us-east4", "h100", 2, 21.96),
                 offering("a3-highgpu-8g", "us-east4", "h100", 8, 80.0),
                 offering("g2-standard-48", "us-central1", "l4", 4, 4.0)};
  return c;
}

CostQuery query(ModelSpec model) {
  CostQuery q;
  q.perf.model = std::move(model);
  return q;
}

/// 20 requests/s of 500 input and 200 output tokens: 4,000 output tokens/s to serve.
CostQuery loaded_query() {
  CostQuery q = query(test::llama_3_1_8b());
  q.workload.rate_requests_per_s = 20;
  q.workload.input_tokens = 500;
  q.workload.output_tokens = 200;
  return q;
}

const CostRow* row_of(const CostResult& r, std::string_view accelerator) {
  for (const auto& row : r.rows) {
    if (row.accelerator->id == accelerator) {
      return &row;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("by the monthly bill cost lists per accelerator the cheapest replica that holds the model", "[cost]") {
  const Catalog c = fixture();
  CostQuery q = query(test::llama_3_1_70b());
  q.sort = Objective::usd_per_month;
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 3);
  CHECK(result.rows[0].offering->id == "v6e-8@us-central1"); // 1y commitment: 15.12 × 730
  CHECK(result.rows[1].offering->id == "v5e-16@us-central1");
  CHECK(result.rows[2].offering->id == "a3-highgpu-2g@us-east4");
  REQUIRE(result.too_small.size() == 1);
  CHECK(result.too_small[0].first == "l4");
}

TEST_CASE("by cost per token cost picks the slice that serves a token cheapest, not the smallest", "[cost]") {
  const Catalog c = fixture();
  const auto by_token = compare_costs(c, query(test::llama_3_1_70b()));
  const CostRow* h100 = row_of(by_token, "h100");
  REQUIRE(h100 != nullptr);
  // 8 H100s cost 3.6× as much as 2 an hour but serve far more: the larger batch beside the weights.
  CHECK(h100->offering->id == "a3-highgpu-8g@us-east4");
  CostQuery small = query(test::llama_3_1_70b());
  small.sort = Objective::chips;
  CHECK(row_of(compare_costs(c, small), "h100")->offering->id == "a3-highgpu-2g@us-east4");
  // The order is the objective's: each row's figure is at least its predecessor's.
  for (std::size_t i = 1; i < by_token.rows.size(); ++i) {
    REQUIRE(by_token.rows[i].rank_value.has_value());
    CHECK(*by_token.rows[i - 1].rank_value <= *by_token.rows[i].rank_value);
  }
}

TEST_CASE("with a load every row serves it: replicas, the load's bill and its cost per token", "[cost]") {
  const Catalog c = fixture();
  const CostQuery q = loaded_query();
  const auto result = compare_costs(c, q);
  REQUIRE_FALSE(result.rows.empty());
  for (const auto& row : result.rows) {
    REQUIRE(row.serving.has_value());
    REQUIRE(row.capacity.has_value());
    // Enough replicas for the load, and not one more.
    CHECK(row.replicas() * row.capacity->planned_requests_per_s >= 20);
    CHECK((row.replicas() - 1) * row.capacity->planned_requests_per_s < 20);
    CHECK(*row.load_usd_per_month(Tier::on_demand) == Approx(*row.cost.monthly(Tier::on_demand) * row.replicas()));
    CHECK(row.serving->served_output_tokens_per_s == Approx(20.0 * 200));
    CHECK(*row.usd_per_million_output_tokens(Tier::on_demand) ==
          Approx(usd_per_million_tokens(*row.cost.hourly(Tier::on_demand) * row.replicas(), 4000)));
  }
}

TEST_CASE("an error band carried to $/1M: a load keeps its tokens and needs the replicas of the scaled capacity",
          "[cost]") {
  const Catalog c = fixture();
  const CostQuery q = loaded_query();
  const auto result = compare_costs(c, q);
  REQUIRE_FALSE(result.rows.empty());
  for (const auto& row : result.rows) {
    INFO(row.offering->id);
    const auto at = [&](double f) {
      return usd_per_million_output_tokens_at(row, Tier::on_demand, q.workload, q.pricing.hours_per_day, f);
    };
    REQUIRE(at(1).has_value());
    CHECK(*at(1) == Approx(*row.usd_per_million_output_tokens(Tier::on_demand)));
    // Half as fast: twice the capacity needed, rounded up to whole replicas.
    const int slow_replicas = static_cast<int>(std::ceil(20 / (row.capacity->planned_requests_per_s * 0.5) * (1 - 1e-12)));
    CHECK(*at(0.5) == Approx(usd_per_million_tokens(*row.cost.hourly(Tier::on_demand) * slow_replicas, 4000)));
    CHECK(*at(0.5) >= *at(1));
    CHECK(*at(2) <= *at(1));
    CHECK_FALSE(at(0).has_value());
  }
  // Without a load one replica runs at capacity: its tokens scale with the factor, the price inversely.
  const auto alone = compare_costs(c, query(test::llama_3_1_8b()));
  for (const auto& row : alone.rows) {
    INFO(row.offering->id);
    const auto base = row.usd_per_million_output_tokens(Tier::on_demand);
    if (!base) {
      continue;
    }
    Workload none;
    CHECK(*usd_per_million_output_tokens_at(row, Tier::on_demand, none, 24, 1.25) == Approx(*base / 1.25));
    CHECK(*usd_per_million_output_tokens_at(row, Tier::on_demand, none, 24, 0.8) == Approx(*base / 0.8));
  }
}

TEST_CASE("ranking by a tier puts rows without its price last", "[cost]") {
  const Catalog c = fixture();
  CostQuery q = query(test::llama_3_1_70b());
  q.rank_tier = Tier::commit_1y;
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 3);
  CHECK(result.rows[0].offering->id == "v6e-8@us-central1");
  CHECK_FALSE(result.rows[1].rank_value.has_value());
}

TEST_CASE("the all flag lists every matching offering in every region, those that hold the model first", "[cost]") {
  const Catalog c = fixture();
  CostQuery q = query(test::llama_3_1_70b());
  q.all = true;
  q.filter.kind = AcceleratorKind::tpu;
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 5);
  CHECK(result.rows.front().fit.fits);
  CHECK_FALSE(result.rows.back().fit.fits);
}

TEST_CASE("preview accelerators are never offered", "[cost]") {
  Catalog c = fixture();
  c.accelerators[0].preview = true; // v6e
  CostQuery q = query(test::llama_3_1_70b());
  q.all = true;
  for (const auto& row : compare_costs(c, q).rows) {
    CHECK(row.accelerator->id != "v6e");
  }
}

TEST_CASE("picks list measured hardware beside the best offerings, in its preferred region", "[cost]") {
  const Catalog c = fixture();
  CostQuery q = query(test::llama_3_1_70b());
  q.also_show = {{"v6e", 8, "v6e-8"},  // already listed: nothing added
                 {"v6e", 4, ""},       // too small for the model: listed all the same
                 {"v5e", 32, ""}};     // no such offering: nothing to list
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 4);
  CHECK(result.rows[0].offering->id == "v6e-8@us-central1");
  CHECK(result.rows.back().offering->id == "v6e-4@us-central1"); // does not fit: last
  CHECK_FALSE(result.rows.back().fit.fits);
  q.also_show = {{"v6e", 8, "v6e-8"}};
  q.filter.region = "europe-west4";
  const auto europe = compare_costs(c, q);
  REQUIRE(europe.rows.size() == 1);
  CHECK(europe.rows[0].offering->id == "v6e-8@europe-west4");
}

TEST_CASE("one region per offering: the lowest on-demand price, then the most tiers, then the other prices",
          "[cost][region]") {
  const Offering eu = offering("t-16", "europe", "t", 16, 16.0, {}, 8.0);
  const Offering us = offering("t-16", "us", "t", 16, 16.0, 11.2, 4.0);
  const Offering asia = offering("t-16", "asia", "t", 16, 16.0, 11.2, 3.0);
  const Offering dear = offering("t-16", "west", "t", 16, 17.0, 11.2, 1.0);
  CHECK(preferred_region(us, eu));    // same on-demand price: more tiers priced
  CHECK(preferred_region(asia, us));  // same tiers: cheaper spot
  CHECK(preferred_region(asia, dear)); // on-demand first, whatever the spot price
  CHECK_FALSE(preferred_region(eu, us));
  // To the cent: a catalog's rounding ($21.957642 against $21.95764) does not decide; the
  // cheaper spot price does.
  const Offering east = offering("p", "east", "t", 8, 21.957642, {}, 2.4655);
  const Offering rounded = offering("p", "west", "t", 8, 21.95764, {}, 7.9992);
  CHECK(preferred_region(east, rounded));
  CHECK_FALSE(preferred_region(rounded, east));
  CHECK(preferred_region(offering("p", "a", "t", 8, 21.95, {}, 9.0), east)); // a cent less still wins
  const Offering other = offering("t-8", "europe", "t", 8, 8.0);
  const auto kept = one_region_each({&eu, &us, &other, &asia, &dear});
  REQUIRE(kept.size() == 2);
  CHECK(kept[0]->id == "t-8@europe"); // input order kept
  CHECK(kept[1]->id == "t-16@asia");
}
