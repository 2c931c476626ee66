// `tpuplan catalog import DIR` and `--catalog-dir DIR` on the fixture SkyPilot directory
// (tests/data/skypilot, invented round prices) against the fixture data (tests/data/catalog).
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using nlohmann::json;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string k_skypilot = std::string(TPUPLAN_TEST_DATA_DIR) + "/skypilot";
const std::string k_fixture = std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog";

json run_json(std::vector<std::string> args) {
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_tpuplan(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json& row_of(const json& rows, const std::string& key, const std::string& value) {
  for (const auto& row : rows) {
    if (row[key] == value) {
      return row;
    }
  }
  FAIL("no row with " << key << " = " << value);
  throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("catalog import reads a SkyPilot directory and compares its prices with the catalog's", "[cli][import]") {
  const json doc = run_json({"catalog", "import", k_skypilot + "/v8", "--as-of", "2026-11-30", "--data", k_fixture});
  CHECK(doc["schema"] == "tpuplan.catalog/v1");
  const json& files = doc["tables"]["files"]["rows"];
  REQUIRE(files.size() == 2);
  CHECK(files[0]["cloud"] == "aws");
  CHECK(files[1]["cloud"] == "gcp");
  CHECK(files[1]["rows"] == 19);
  CHECK(files[1]["rows_used"] == 10);
  CHECK(files[1]["rows_skipped"] == 9);
  CHECK(files[1]["offerings"] == 5);
  CHECK(files[1]["as_of"] == "2026-11-30");
  CHECK_THAT(files[1]["source"].get<std::string>(), Contains("file:///"));
  CHECK_THAT(doc["tables"]["files"]["notes"].dump(), Contains("not read: lambda/vms.csv"));

  const json& imported = doc["tables"]["imported"]["rows"];
  CHECK(imported.size() == 7);
  // The fixture prices v5e at $1.00 per chip-hour: v5e-8 is $8; the import's $10 is 25% dearer.
  const json& v5e8 = row_of(imported, "id", "v5e-8@us-central1");
  CHECK(v5e8["usd_per_hour_on_demand"] == 10.0);
  CHECK(v5e8["catalog_usd_per_hour_on_demand"] == 8.0);
  CHECK(v5e8["change_on_demand_fraction"].get<double>() == Approx(0.25));
  const json& g6 = row_of(imported, "id", "g6.xlarge@us-east-1");
  CHECK(g6["catalog_usd_per_hour_on_demand"].is_null()); // new to the catalog
  CHECK(g6["usd_per_hour_spot"] == 0.3);

  const json& skipped = doc["tables"]["skipped"]["rows"];
  const json& unknown = row_of(skipped, "reason", "unknown accelerator");
  CHECK(unknown["rows"] == 2);
  CHECK(unknown["examples"] == "line 11: T4; line 19: tpu-v9-8");
  CHECK(row_of(skipped, "reason", "placeholder price 700.0")["rows"] == 1);
  CHECK(row_of(skipped, "reason", "no on-demand price")["rows"] == 1);
  CHECK(doc["tables"]["skipped"]["title"] == "Rows skipped (11)");
}

TEST_CASE("catalog import --write round-trips: the files validate and load as a data set", "[cli][import]") {
  TempDir dir;
  const std::string out = dir.file("prices");
  const auto r = run_tpuplan({"catalog", "import", k_skypilot + "/v8", "--write", out, "--as-of", "2026-11-30",
                              "--source-url", "https://example.invalid/skypilot-catalog/catalogs/v8", "--data",
                              k_fixture});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("wrote " + out + "/skypilot-gcp.yaml"));
  REQUIRE(fs::exists(out + "/skypilot-gcp.yaml"));
  REQUIRE(fs::exists(out + "/skypilot-aws.yaml"));

  const auto v = run_tpuplan({"validate", out + "/skypilot-gcp.yaml", "--data", k_fixture});
  INFO(v.out);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Contains("5 offerings"));

  // A data directory of the fixture's specs and models with only the imported offerings.
  const fs::path data = dir.path() / "data";
  fs::create_directories(data / "offerings");
  for (const char* f : {"sources.yaml", "accelerators.yaml", "models.yaml", "engines.yaml"}) {
    fs::copy_file(fs::path(k_fixture) / f, data / f);
  }
  fs::copy_file(out + "/skypilot-gcp.yaml", data / "offerings" / "skypilot-gcp.yaml");
  fs::copy_file(out + "/skypilot-aws.yaml", data / "offerings" / "skypilot-aws.yaml");
  const json list = run_json({"catalog", "--data", data.string()});
  CHECK(list["rows"].size() == 7);
  const json show = run_json({"catalog", "show", "a3-highgpu-8g@us-east4", "--data", data.string()});
  const json& prices = show["tables"]["prices"]["rows"];
  REQUIRE(prices.size() == 2);
  CHECK(prices[0]["tier"] == "on-demand");
  CHECK(prices[0]["usd_per_hour"] == 80.5);
  CHECK(prices[0]["as_of"] == "2026-11-30");
  CHECK(prices[0]["source"] == "https://example.invalid/skypilot-catalog/catalogs/v8/gcp/vms.csv");
  CHECK_THAT(prices[0]["derived"].get<std::string>(), Contains("host row a3-highgpu-8g + 8 x H100 row"));
  CHECK(prices[1]["tier"] == "spot");
  CHECK(prices[1]["usd_per_hour"] == 18.5);
}

TEST_CASE("the option --catalog-dir overlays the imported prices on the data at run time", "[cli][import]") {
  const auto r = run_tpuplan({"catalog", "show", "v5e-8@us-central1", "--catalog-dir", k_skypilot + "/v8", "--data",
                              k_fixture, "--format", "json"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("--catalog-dir: 9 rows of " + k_skypilot + "/v8 skipped"));
  const json doc = json::parse(r.out);
  const json& prices = doc["tables"]["prices"]["rows"];
  CHECK(row_of(prices, "tier", "on-demand")["usd_per_hour"] == 10.0);
  CHECK(row_of(prices, "tier", "spot")["usd_per_hour"] == 2.4);
  CHECK(row_of(prices, "tier", "1y")["usd_per_hour"] == 5.6); // the fixture's commitments are kept
  CHECK_THAT(doc["notes"].dump(), Contains("+ SkyPilot catalog " + k_skypilot + "/v8 (5 offerings repriced, 2 added)"));
  // An added offering is usable by every command.
  const json g6 = run_json({"catalog", "show", "g6.xlarge@us-east-1", "--catalog-dir", k_skypilot + "/v8", "--data",
                            k_fixture, "-q"});
  CHECK(g6["tables"]["prices"]["rows"][0]["usd_per_hour"] == 0.8);
}

TEST_CASE("catalog import of a directory with nothing usable, or no catalog, exits 2", "[cli][import]") {
  const auto broken = run_tpuplan({"catalog", "import", k_skypilot + "/broken", "--data", k_fixture});
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.err, Contains("no usable offering in 2 rows (2 skipped); skipped: 2 × missing column 'Price'"));
  CHECK(broken.out.empty());
  const auto none = run_tpuplan({"catalog", "import", k_fixture, "--data", k_fixture});
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Contains("holds no SkyPilot catalog"));
  const auto overlay = run_tpuplan({"catalog", "--catalog-dir", k_skypilot + "/broken", "--data", k_fixture});
  CHECK(overlay.exit_code == 2);
  const auto date = run_tpuplan({"catalog", "import", k_skypilot + "/v8", "--as-of", "2026-13-01", "--data", k_fixture});
  CHECK(date.exit_code == 2);
  CHECK_THAT(date.err, Contains("--as-of: '2026-13-01' is not a date"));
}
