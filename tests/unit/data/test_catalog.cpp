#include <tpuplan/data/catalog.hpp>
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

const Catalog& fixture() {
  static const DataSet data = load_dataset_dir(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog");
  return data.catalog;
}

} // namespace

TEST_CASE("slice names count TensorCores for v2-v4 and v5p and chips for v5e and v6e", "[catalog]") {
  CHECK(tpu_slice_chips("v4-8") == 4);
  CHECK(tpu_slice_chips("v5p-8") == 4);
  CHECK(tpu_slice_chips("v5p-32") == 16);
  CHECK(tpu_slice_chips("v3-8") == 4);
  CHECK(tpu_slice_chips("v5e-8") == 8);
  CHECK(tpu_slice_chips("v5litepod-8") == 8);
  CHECK(tpu_slice_chips("v6e-8") == 8);
  CHECK(tpu_slice_chips("v6e-1") == 1);
}

TEST_CASE("names that are not TPU slices have no chip count", "[catalog]") {
  CHECK_FALSE(tpu_slice_chips("v5p-7"));
  CHECK_FALSE(tpu_slice_chips("v4-0"));
  CHECK_FALSE(tpu_slice_chips("v6e-"));
  CHECK_FALSE(tpu_slice_chips("v6e-8x"));
  CHECK_FALSE(tpu_slice_chips("a3-highgpu-8g"));
  CHECK_FALSE(tpu_slice_chips("p5.48xlarge"));
}

TEST_CASE("tiers print as their flag spelling and parse common synonyms", "[catalog]") {
  CHECK(to_string(Tier::on_demand) == "on-demand");
  CHECK(to_string(Tier::commit_3y) == "3y");
  CHECK(parse_tier("spot") == Tier::spot);
  CHECK(parse_tier("preemptible") == Tier::spot);
  CHECK(parse_tier("OD") == Tier::on_demand);
  CHECK(parse_tier("1-year") == Tier::commit_1y);
  CHECK_FALSE(parse_tier("5y"));
  CHECK(bills_every_hour(Tier::commit_1y));
  CHECK_FALSE(bills_every_hour(Tier::spot));
}

TEST_CASE("an accelerator is found by id or alias, case-insensitively", "[catalog]") {
  const auto& c = fixture();
  REQUIRE(c.find_accelerator("v5e") != nullptr);
  CHECK(c.find_accelerator("V5LITEPOD")->id == "v5e");
  CHECK(c.find_accelerator("h100-80GB")->id == "h100");
  CHECK(c.find_accelerator("tpu9") == nullptr);
}

TEST_CASE("an unknown accelerator is a usage error with a suggestion", "[catalog]") {
  try {
    (void)fixture().accelerator("h10");
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "unknown accelerator 'h10'");
    CHECK(e.hint() == "did you mean 'h100'?");
  }
}

TEST_CASE("offerings are found by id, or by name across regions", "[catalog]") {
  const auto& c = fixture();
  REQUIRE(c.find_offering("v5e-8@us-central1") != nullptr);
  CHECK(c.find_offering("v5e-8@us-central1")->chips == 8);
  CHECK(c.find_offering("v5e-8@mars-1") == nullptr);
  const auto all = c.match_offerings("v5e-8");
  REQUIRE(all.size() == 2);
  CHECK(all[0]->region != all[1]->region);
  CHECK(c.match_offerings("V5E-8@EUROPE-WEST4").size() == 1);
  CHECK(c.accelerator_of(*all[0]).id == "v5e");
}

TEST_CASE("the catalog lists sorted unique ids, regions, clouds and names", "[catalog]") {
  const auto& c = fixture();
  CHECK(c.accelerator_ids() == std::vector<std::string>{"h100", "l4", "v5e", "v5p"});
  CHECK(c.regions() == std::vector<std::string>{"europe-west4", "us-central1", "us-east-1", "us-east4"});
  CHECK(c.clouds() == std::vector<std::string>{"aws", "gcp"});
  const auto names = c.offering_names();
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  CHECK(names.size() == 11);
}

TEST_CASE("a missing price tier is absent, not zero", "[catalog]") {
  const auto* o = fixture().find_offering("v5p-8@us-central1");
  REQUIRE(o != nullptr);
  CHECK(o->price(Tier::on_demand).has_value());
  CHECK_FALSE(o->price(Tier::commit_1y).has_value());
  CHECK_FALSE(o->price(Tier::commit_3y).has_value());
  CHECK_FALSE(fixture().find_offering("p5.4xlarge@us-east-1")->price(Tier::spot).has_value());
}
