#include <tpuplan/money/cost.hpp>

#include <tpuplan/error.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

Offering offering(std::string name, std::string region, std::string accel, int chips, double od,
                  std::optional<double> y1 = {}) {
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
  return o;
}

Catalog fixture() {
  Catalog c;
  Accelerator v6e;
  v6e.id = "v6e";
  v6e.hbm_gib = 32;
  Accelerator v5e;
  v5e.id = "v5e";
  v5e.hbm_gib = 16;
  Accelerator h100;
  h100.id = "h100";
  h100.kind = AcceleratorKind::gpu;
  h100.hbm_gib = 80;
  Accelerator l4;
  l4.id = "l4";
  l4.kind = AcceleratorKind::gpu;
  l4.hbm_gib = 24;
  c.accelerators = {v6e, v5e, h100, l4};
  c.offerings = {offering("v6e-4", "us-central1", "v6e", 4, 10.8),
                 offering("v6e-8", "us-central1", "v6e", 8, 21.6, 15.12),
                 offering("v6e-8", "europe-west4", "v6e", 8, 23.76),
                 offering("v5e-8", "us-central1", "v5e", 8, 9.6),
                 offering("v5e-16", "us-central1", "v5e", 16, 19.2),
                 offering("a3-highgpu-2g", "us-east4", "h100", 2, 21.96),
                 offering("g2-standard-48", "us-central1", "l4", 4, 4.0)};
  return c;
}

} // namespace

TEST_CASE("cost lists the smallest offering per accelerator that holds the model, cheapest first", "[cost]") {
  const Catalog c = fixture();
  CostQuery q;
  q.model = test::llama_3_1_70b();
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 3);
  CHECK(result.rows[0].offering->id == "v6e-8@us-central1"); // 1y commitment: 15.12 × 730
  CHECK(result.rows[1].offering->id == "v5e-16@us-central1");
  CHECK(result.rows[2].offering->id == "a3-highgpu-2g@us-east4");
  REQUIRE(result.too_small.size() == 1);
  CHECK(result.too_small[0].first == "l4");
}

TEST_CASE("ranking by a tier sorts by that tier's bill and puts unpriced rows last", "[cost]") {
  const Catalog c = fixture();
  CostQuery q;
  q.model = test::llama_3_1_70b();
  q.rank_tier = Tier::commit_1y;
  const auto result = compare_costs(c, q);
  REQUIRE(result.rows.size() == 3);
  CHECK(result.rows[0].offering->id == "v6e-8@us-central1");
  CHECK_FALSE(result.rows[1].rank_usd_per_month.has_value());
}

TEST_CASE("the all flag lists every matching offering, those that hold the model first", "[cost]") {
  const Catalog c = fixture();
  CostQuery q;
  q.model = test::llama_3_1_70b();
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
  CostQuery q;
  q.model = test::llama_3_1_70b();
  q.all = true;
  for (const auto& row : compare_costs(c, q).rows) {
    CHECK(row.accelerator->id != "v6e");
  }
}

TEST_CASE("picks list measured hardware beside the smallest offerings, in its best region", "[cost]") {
  const Catalog c = fixture();
  CostQuery q;
  q.model = test::llama_3_1_70b();
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
