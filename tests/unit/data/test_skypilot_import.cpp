// Importing a SkyPilot catalog directory (tests/data/skypilot, invented round prices): the
// offerings it yields with their prices and provenance, every skipped row counted by reason,
// the YAML written, and the overlay on a catalog.
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/data/skypilot_import.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <map>

using namespace tpuplan;
using Catch::Matchers::Contains;

namespace {

const std::string k_dir = std::string(TPUPLAN_TEST_DATA_DIR) + "/skypilot";

const DataSet& fixture() {
  static const DataSet data = load_dataset_dir(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog");
  return data;
}

SkyPilotImport import_fixture() {
  SkyPilotImportOptions o;
  o.as_of = "2026-11-30";
  o.source_url = "https://example.invalid/skypilot-catalog/catalogs/v8/";
  return import_skypilot_catalog(k_dir + "/v8", fixture().catalog.accelerators, o);
}

const Offering& find(const SkyPilotImport& imp, const std::string& id) {
  for (const auto& o : imp.offerings) {
    if (o.id == id) {
      return o;
    }
  }
  FAIL("no offering " << id);
  throw std::logic_error("unreachable");
}

std::map<std::string, std::size_t> reasons(const SkyPilotImport& imp, const std::string& cloud) {
  std::map<std::string, std::size_t> out;
  for (const auto& s : imp.skipped) {
    if (s.path.find("/" + cloud + "/") != std::string::npos) {
      out[s.reason] += s.rows;
    }
  }
  return out;
}

} // namespace

TEST_CASE("a SkyPilot v8 directory gives TPU slices, GCP GPU VMs and AWS instances with their prices", "[skypilot]") {
  const SkyPilotImport imp = import_fixture();
  std::vector<std::string> ids;
  for (const auto& o : imp.offerings) {
    ids.push_back(o.id);
  }
  CHECK(ids == std::vector<std::string>{"g6.xlarge@us-east-1", "p5.48xlarge@us-east-1", "a3-highgpu-8g@us-east4",
                                        "g2-standard-4@us-central1", "v5e-1@us-central1", "v5e-8@us-central1",
                                        "v5p-8@us-east5"});
  // A GCP GPU VM: host row + GPU row of the same zone; the region's price is the lowest zone's.
  const Offering& a3 = find(imp, "a3-highgpu-8g@us-east4");
  CHECK(a3.cloud == "gcp");
  CHECK(a3.accelerator == "h100");
  CHECK(a3.chips == 8);
  CHECK(a3.hosts == 1);
  CHECK(a3.price(Tier::on_demand)->usd_per_hour == Approx(80.5)); // zone b: 8.5 + 72 (zone a: 8 + 80)
  CHECK(a3.price(Tier::spot)->usd_per_hour == Approx(18.5));      // zone b: 2.5 + 16
  CHECK_THAT(a3.price(Tier::on_demand)->derived, Contains("host row a3-highgpu-8g + 8 x H100 row, zone us-east4-b"));
  CHECK_THAT(a3.price(Tier::on_demand)->derived, Contains("the lowest of 2 rows in the region"));
  CHECK(a3.price(Tier::on_demand)->source == "https://example.invalid/skypilot-catalog/catalogs/v8/gcp/vms.csv");
  CHECK(a3.price(Tier::on_demand)->as_of == "2026-11-30");
  CHECK_FALSE(a3.price(Tier::commit_1y));
  CHECK(find(imp, "g2-standard-4@us-central1").price(Tier::on_demand)->usd_per_hour == Approx(0.8));
  // TPU rows price the slice; the API name becomes tpuplan's (v5litepod-8 → v5e-8).
  const Offering& v5e8 = find(imp, "v5e-8@us-central1");
  CHECK(v5e8.name == "v5e-8");
  CHECK(v5e8.accelerator == "v5e");
  CHECK(v5e8.chips == 8);
  CHECK(v5e8.price(Tier::on_demand)->usd_per_hour == 10.0);
  CHECK(v5e8.price(Tier::spot)->usd_per_hour == 2.4); // zone b has no spot price
  CHECK(v5e8.covers == "TPU slice incl. TPU VM hosts");
  // v5p-8 counts TensorCores: 4 chips. Its 700.0 spot is a placeholder: no spot tier.
  const Offering& v5p = find(imp, "v5p-8@us-east5");
  CHECK(v5p.chips == 4);
  CHECK(v5p.price(Tier::on_demand)->usd_per_hour == 17.0);
  CHECK_FALSE(v5p.price(Tier::spot));
  // AWS: the instance row, spot the cheapest availability zone.
  const Offering& p5 = find(imp, "p5.48xlarge@us-east-1");
  CHECK(p5.cloud == "aws");
  CHECK(p5.price(Tier::on_demand)->usd_per_hour == 55.0);
  CHECK(p5.price(Tier::spot)->usd_per_hour == 15.5);
  CHECK_THAT(p5.price(Tier::spot)->derived, Contains("use1-az2"));
  CHECK(find(imp, "g6.xlarge@us-east-1").accelerator == "l4");
}

TEST_CASE("every row tpuplan cannot use is counted under its reason", "[skypilot]") {
  const SkyPilotImport imp = import_fixture();
  REQUIRE(imp.files.size() == 2);
  CHECK(imp.files[0].cloud == "aws");
  CHECK(imp.files[0].rows == 5);
  CHECK(imp.files[0].used == 3);
  CHECK(imp.files[1].cloud == "gcp");
  CHECK(imp.files[1].rows == 19);
  CHECK(imp.files[1].used == 10); // 3 host rows and 3 GPU rows joined, 4 TPU rows
  CHECK(imp.ignored == std::vector<std::string>{"lambda/vms.csv"});
  const auto gcp = reasons(imp, "gcp");
  CHECK(gcp == std::map<std::string, std::size_t>{
                   {"GPU row without a host row of its machine type in its zone", 1},
                   {"TPU slice name without a known chip count", 1},
                   {"host row without a GPU row in its zone", 1},
                   {"malformed row (field count differs from the header)", 1},
                   {"no accelerator (a CPU-only machine type)", 1},
                   {"placeholder price 700.0", 1},
                   {"price 0 or below", 1},
                   {"unknown accelerator", 2},
               });
  const auto aws = reasons(imp, "aws");
  CHECK(aws == std::map<std::string, std::size_t>{{"no accelerator (a CPU-only instance type)", 1},
                                                  {"no on-demand price", 1}});
  // Examples name the line and what was skipped.
  for (const auto& s : imp.skipped) {
    if (s.reason == "unknown accelerator") {
      CHECK(s.examples == std::vector<std::string>{"line 11: T4", "line 19: tpu-v9-8"});
    }
  }
  CHECK(imp.skipped_rows() == 11);
}

TEST_CASE("a directory without usable rows, or without a catalog, is an input error", "[skypilot]") {
  try {
    (void)import_skypilot_catalog(k_dir + "/broken", fixture().catalog.accelerators);
    FAIL("nothing usable");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK_THAT(e.what(), Contains("no usable offering in 2 rows (2 skipped)"));
    CHECK_THAT(e.hint(), Contains("2 × missing column 'Price'"));
  }
  CHECK_THROWS_AS(import_skypilot_catalog(k_dir + "/absent", fixture().catalog.accelerators), Error);
  CHECK_THROWS_WITH(import_skypilot_catalog(std::string(TPUPLAN_TEST_DATA_DIR) + "/hf", fixture().catalog.accelerators),
                    Contains("holds no SkyPilot catalog"));
  SkyPilotImportOptions bad;
  bad.as_of = "yesterday";
  CHECK_THROWS_WITH(import_skypilot_catalog(k_dir + "/v8", fixture().catalog.accelerators, bad),
                    Contains("--as-of: 'yesterday' is not a date"));
}

TEST_CASE("the layout is found from a checkout, a v8 directory or one cloud's directory", "[skypilot]") {
  CHECK(skypilot_catalog_root(k_dir + "/v8") == std::filesystem::path(k_dir + "/v8"));
  const auto gcp_only = import_skypilot_catalog(k_dir + "/v8/gcp", fixture().catalog.accelerators);
  REQUIRE(gcp_only.files.size() == 1);
  CHECK(gcp_only.files[0].cloud == "gcp");
  // Without --source-url a price cites the file; without --as-of, the file's date.
  CHECK(gcp_only.files[0].source.rfind("file:///", 0) == 0);
  CHECK_THAT(gcp_only.files[0].source, Contains("/skypilot/v8/gcp/vms.csv"));
  CHECK(gcp_only.files[0].as_of.size() == 10);
}

TEST_CASE("the YAML written is tpuplan's offerings format, one entry per name", "[skypilot]") {
  const SkyPilotImport imp = import_fixture();
  const std::string y = offerings_yaml(imp.offerings, "gcp", "Imported for a test\nsecond line");
  CHECK(y.rfind("# Imported for a test\n# second line\nversion: 1\ncloud: gcp\nofferings:\n", 0) == 0);
  CHECK_THAT(y, Contains("  - name: \"v5e-8\"\n    accelerator: v5e\n    chips: 8\n    hosts: 1\n"));
  CHECK_THAT(y, Contains("      us-central1:\n        on-demand: {usd_per_hour: 10, source: "
                         "\"https://example.invalid/skypilot-catalog/catalogs/v8/gcp/vms.csv\", as_of: 2026-11-30, "
                         "derived: \"SkyPilot row tpu-v5litepod-8, zone us-central1-a; the lowest of 2 rows in the "
                         "region\"}\n"));
  CHECK(y.find("p5.48xlarge") == std::string::npos); // another cloud
}

TEST_CASE("the overlay reprices offerings of the same id and adds the others", "[skypilot]") {
  Catalog c = fixture().catalog;
  const std::size_t before = c.offerings.size();
  const Offering* fixture_v5e8 = c.find_offering("v5e-8@us-central1");
  REQUIRE(fixture_v5e8 != nullptr);
  const auto y1 = fixture_v5e8->price(Tier::commit_1y);
  REQUIRE(y1);
  const auto [replaced, added] = overlay_offerings(c, import_fixture().offerings);
  CHECK(replaced + added == 7);
  CHECK(c.offerings.size() == before + added);
  const Offering* v5e8 = c.find_offering("v5e-8@us-central1");
  CHECK(v5e8->price(Tier::on_demand)->usd_per_hour == 10.0);
  CHECK(v5e8->price(Tier::on_demand)->as_of == "2026-11-30");
  // A tier the import does not price is kept.
  CHECK(v5e8->price(Tier::commit_1y)->usd_per_hour == y1->usd_per_hour);
  CHECK(c.find_offering("g6.xlarge@us-east-1") != nullptr);
}

TEST_CASE("an Azure catalog: the ND H100 v5's GPU count is corrected, a spot price equal to on-demand is none, other parts are skipped", "[skypilot]") {
  static const DataSet shipped = load_dataset_dir(std::string(TPUPLAN_SOURCE_DIR) + "/data");
  SkyPilotImportOptions options;
  options.as_of = "2026-11-30";
  const SkyPilotImport imp = import_skypilot_catalog(k_dir + "/v6", shipped.catalog.accelerators, options);
  std::vector<std::string> ids;
  for (const auto& o : imp.offerings) {
    ids.push_back(o.id);
  }
  CHECK(ids == std::vector<std::string>{"Standard_ND96amsr_A100_v4@eastus", "Standard_ND96isr_H100_v5@eastus",
                                        "Standard_ND96isr_H100_v5@westus"});
  const Offering& h100 = find(imp, "Standard_ND96isr_H100_v5@eastus");
  CHECK(h100.cloud == "azure");
  CHECK(h100.accelerator == "h100");
  CHECK(h100.chips == 8);
  CHECK(h100.covers == "VM incl. host vCPUs and RAM");
  CHECK(h100.price(Tier::on_demand)->usd_per_hour == Approx(100.0));
  CHECK_FALSE(h100.price(Tier::spot));
  CHECK_THAT(h100.notes, Contains("the catalog row says 12 GPUs; Microsoft's VM size list gives 8"));
  CHECK_THAT(h100.notes, Contains("spot price is not below on-demand"));
  const Offering& a100 = find(imp, "Standard_ND96amsr_A100_v4@eastus");
  CHECK(a100.chips == 8);
  CHECK(a100.price(Tier::spot)->usd_per_hour == Approx(4.0));
  CHECK(a100.notes.empty());
  const auto why = reasons(imp, "azure");
  CHECK(why.at("a different part (NC H100 v5 is the H100 NVL 94 GB, not the H100 SXM of 'h100')") == 1);
  CHECK(why.at("a different part (NC A100 v4 is the A100 80GB PCIe, not the SXM part of 'a100-80gb')") == 1);
  CHECK(why.at("unknown accelerator") == 1);
  CHECK(why.at("no accelerator (a CPU-only instance type)") == 1);
}
