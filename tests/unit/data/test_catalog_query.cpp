#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

const Catalog& fixture() {
  static const DataSet data = load_dataset_dir(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog");
  return data.catalog;
}

std::vector<std::string> ids(const std::vector<const Offering*>& offerings) {
  std::vector<std::string> out;
  for (const auto* o : offerings) {
    out.push_back(o->id);
  }
  return out;
}

/// The message and hint of the usage error `f` throws.
template <typename F> std::pair<std::string, std::string> usage_error(F f) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    return {e.what(), e.hint()};
  }
  FAIL("no exception");
  return {};
}

} // namespace

TEST_CASE("an empty filter selects every offering, by accelerator, chips, cloud and region", "[catalog_query]") {
  const auto all = select_offerings(fixture(), {});
  REQUIRE(all.size() == fixture().offerings.size());
  CHECK(ids(all) == std::vector<std::string>{
                        "v5e-1@europe-west4", "v5e-1@us-central1", "v5e-4@europe-west4", "v5e-4@us-central1",
                        "v5e-8@europe-west4", "v5e-8@us-central1", "v5e-16@europe-west4", "v5e-16@us-central1",
                        "v5p-8@us-central1", "v5p-16@us-central1", "v5p-32@us-central1", "p5.4xlarge@us-east-1",
                        "p5.48xlarge@us-east-1", "a3-highgpu-8g@us-east4", "g2-standard-4@us-central1"});
}

TEST_CASE("filters combine, and the accelerator may be an alias", "[catalog_query]") {
  OfferingFilter f;
  f.kind = AcceleratorKind::gpu;
  f.accelerator = "H100-80GB";
  f.cloud = "gcp";
  CHECK(ids(select_offerings(fixture(), f)) == std::vector<std::string>{"a3-highgpu-8g@us-east4"});
  OfferingFilter region;
  region.region = "US-CENTRAL1";
  region.kind = AcceleratorKind::tpu;
  CHECK(select_offerings(fixture(), region).size() == 7);
}

TEST_CASE("known filter values that match nothing give an empty list", "[catalog_query]") {
  OfferingFilter f;
  f.accelerator = "l4";
  f.cloud = "aws";
  CHECK(select_offerings(fixture(), f).empty());
}

TEST_CASE("unknown filter values are usage errors with a suggestion", "[catalog_query]") {
  OfferingFilter region;
  region.region = "us-centrl1";
  CHECK(usage_error([&] { (void)select_offerings(fixture(), region); }) ==
        std::pair<std::string, std::string>{"unknown region 'us-centrl1'", "did you mean 'us-central1'?"});
  OfferingFilter cloud;
  cloud.cloud = "azure";
  CHECK(usage_error([&] { (void)select_offerings(fixture(), cloud); }) ==
        std::pair<std::string, std::string>{"unknown cloud 'azure'", "accepted: aws, gcp"});
  CHECK(usage_error([] { (void)parse_accelerator_kind("gpus"); }) ==
        std::pair<std::string, std::string>{"unknown kind 'gpus'", "did you mean 'gpu'?"});
  CHECK(parse_accelerator_kind("TPU") == AcceleratorKind::tpu);
}

TEST_CASE("show resolves an offering id, then a name in every region, then an accelerator", "[catalog_query]") {
  const auto one = find_catalog_entry(fixture(), "v5e-8@us-central1");
  CHECK(one.accelerator == nullptr);
  CHECK(ids(one.offerings) == std::vector<std::string>{"v5e-8@us-central1"});
  const auto name = find_catalog_entry(fixture(), "V5E-8");
  CHECK(name.accelerator == nullptr);
  CHECK(ids(name.offerings) == std::vector<std::string>{"v5e-8@europe-west4", "v5e-8@us-central1"});
  const auto acc = find_catalog_entry(fixture(), "v5litepod");
  REQUIRE(acc.accelerator != nullptr);
  CHECK(acc.accelerator->id == "v5e");
  CHECK(acc.offerings.size() == 8);
}

TEST_CASE("show of an unknown id suggests the closest offering or accelerator", "[catalog_query]") {
  CHECK(usage_error([] { (void)find_catalog_entry(fixture(), "v5e-8@us-centrl1"); }).second ==
        "did you mean 'v5e-8@us-central1'?");
  CHECK(usage_error([] { (void)find_catalog_entry(fixture(), "h10"); }).second == "did you mean 'h100'?");
}
