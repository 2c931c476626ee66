// `tpuplan catalog` and `tpuplan catalog show` against the fixture data (tests/data/catalog),
// whose invented round prices never change with data/.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    out.push_back(line);
  }
  return out;
}

json run_json(std::vector<std::string> args) {
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_tpuplan(with_fixture_data(std::move(args)));
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return json::parse(r.out);
}

} // namespace

TEST_CASE("catalog lists every fixture offering as a table with prices by tier", "[cli][catalog]") {
  const auto r = run_tpuplan(with_fixture_data({"catalog"}));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() > 3);
  CHECK(lines[0] == "Offerings (15)");
  // In 100 columns the hosts and the dates go first, and a note says so.
  CHECK(lines[1] == "name           region        accelerator  chips  HBM GiB  $/h on-demand  $/h spot  $/h 1y  $/h 3y");
  CHECK(lines[2] == "v5e-1          europe-west4  v5e              1       16           1.50      0.50       -       -");
  CHECK(r.out.find("v5e-8          us-central1   v5e              8      128           8.00      2.00    5.60    3.60\n") !=
        std::string::npos);
  CHECK(r.out.find("note: 2 columns hidden to fit 100 columns: hosts, as_of (--wide shows every column;") !=
        std::string::npos);
  CHECK(r.out.find("note: gcp tpu prices cover: TPU slice incl. TPU VM hosts") != std::string::npos);
  // A wider terminal shows every default column, aligned.
  const auto wide = run_tpuplan(with_fixture_data({"catalog"}), {{"COLUMNS", "140"}});
  const auto wide_lines = lines_of(wide.out);
  REQUIRE(wide_lines.size() > 3);
  CHECK(wide_lines[1] ==
        "name           region        accelerator  chips  hosts  HBM GiB  $/h on-demand  $/h spot  $/h 1y  $/h 3y  as of");
  CHECK(wide_lines[2] ==
        "v5e-1          europe-west4  v5e              1      1       16           1.50      0.50       -       -  2000-01-01");
  CHECK(wide.out.find("v5e-8          us-central1   v5e              8      1      128           8.00      2.00    5.60    "
                      "3.60  2000-01-01, 2000-02") != std::string::npos);
  CHECK(wide.out.find("hidden") == std::string::npos);
}

TEST_CASE("catalog filters by kind, accelerator alias, region and cloud together", "[cli][catalog]") {
  const auto j = run_json({"catalog", "--kind", "TPU", "--accelerator", "v5litepod", "--region", "us-central1",
                           "--cloud", "gcp"});
  CHECK(j["schema"] == "tpuplan.catalog/v1");
  CHECK(j["inputs"]["accelerator"] == "v5litepod");
  REQUIRE(j["rows"].size() == 4);
  std::vector<std::string> ids;
  for (const auto& row : j["rows"]) {
    ids.push_back(row["offering"]);
  }
  CHECK(ids == std::vector<std::string>{"v5e-1@us-central1", "v5e-4@us-central1", "v5e-8@us-central1",
                                        "v5e-16@us-central1"});
}

TEST_CASE("catalog JSON rows carry every tier, null where there is no price", "[cli][catalog]") {
  const auto j = run_json({"catalog", "--accelerator", "v5p"});
  REQUIRE(j["rows"].size() == 3);
  const auto& v5p16 = j["rows"][1];
  CHECK(v5p16["offering"] == "v5p-16@us-central1");
  CHECK(v5p16["chips"] == 8);
  CHECK(v5p16["hosts"] == 2);
  CHECK(v5p16["hbm_gib_total"] == 760);
  CHECK(v5p16["usd_per_hour_on_demand"] == 32);
  CHECK(v5p16["usd_per_hour_spot"] == 8);
  CHECK(v5p16["usd_per_hour_1y"].is_null());
  CHECK(v5p16["usd_per_hour_3y"].is_null());
  CHECK(v5p16["covers"] == "TPU slice incl. TPU VM hosts");
  CHECK(v5p16["as_of_on_demand"] == "2000-01-01");
  CHECK(v5p16["source_on_demand"] == "https://example.invalid/tpuplan/fixture-prices");
  CHECK(v5p16["source_1y"].is_null());
}

TEST_CASE("catalog CSV has a header of keys and raw numbers, empty for an absent tier", "[cli][catalog]") {
  const auto r = run_tpuplan(with_fixture_data({"catalog", "--cloud", "aws", "--format", "csv"}));
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "offering,name,cloud,region,accelerator,kind,chips,hosts,hbm_gib_total,usd_per_hour_on_demand,"
                    "usd_per_hour_spot,usd_per_hour_1y,usd_per_hour_3y,covers,as_of,as_of_on_demand,as_of_spot,"
                    "as_of_1y,as_of_3y,source_on_demand,source_spot,source_1y,source_3y");
  CHECK(lines[1] == "p5.4xlarge@us-east-1,p5.4xlarge,aws,us-east-1,h100,gpu,1,1,80,6.25,,,,instance incl. host "
                    "vCPUs and RAM,2000-01-01,2000-01-01,,,,https://example.invalid/tpuplan/fixture-prices,,,");
  CHECK(lines[2].rfind("p5.48xlarge@us-east-1,p5.48xlarge,aws,us-east-1,h100,gpu,8,1,640,50,15,,,", 0) == 0);
}

TEST_CASE("catalog with filters that match nothing is an empty list, not an error", "[cli][catalog]") {
  const auto j = run_json({"catalog", "--accelerator", "l4", "--cloud", "aws"});
  CHECK(j["rows"].empty());
  CHECK(j["notes"].dump().find("no offering matches these filters") != std::string::npos);
}

TEST_CASE("catalog show of an offering id lists each price with source, date and derivation", "[cli][catalog]") {
  const auto r = run_tpuplan(with_fixture_data({"catalog", "show", "p5.48xlarge@us-east-1"}));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("p5.48xlarge@us-east-1\n", 0) == 0);
  CHECK(r.out.find("Prices, with source, date and derivation") != std::string::npos);
  // In 100 columns every column stays: the derivation and the source wrap in their columns.
  CHECK(r.out.find("p5.48xlarge@us-east-1  spot       15.00000  2000-01-01  lowest of the          https://example.\n"
                   "                                                        source's rows: az-b    invalid/tpuplan/\n"
                   "                                                        $15 (of az-a $20,      fixture-prices\n"
                   "                                                        az-b $15); cheapest\n"
                   "                                                        availability zone of\n"
                   "                                                        the region\n") != std::string::npos);
  CHECK(r.out.find("hidden") == std::string::npos);
  // --wide keeps each on one line.
  const auto wide = run_tpuplan(with_fixture_data({"catalog", "show", "p5.48xlarge@us-east-1", "--wide"}));
  CHECK(wide.out.find("p5.48xlarge@us-east-1  spot       15.00000  2000-01-01  lowest of the source's rows: az-b $15 "
                      "(of az-a $20, az-b $15); cheapest availability zone of the region  "
                      "https://example.invalid/tpuplan/fixture-prices") != std::string::npos);
}

TEST_CASE("catalog show of a name covers every region, and --table selects the prices", "[cli][catalog]") {
  const auto r = run_tpuplan(with_fixture_data({"catalog", "show", "v5e-8", "--table", "prices", "--format", "csv"}));
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 7); // header, 2 tiers in europe-west4, 4 in us-central1
  CHECK(lines[0] == "offering,tier,usd_per_hour,as_of,derived,source");
  CHECK(lines[1] == "v5e-8@europe-west4,on-demand,12,2000-01-01,8 chips x $1.5 per chip-hour,"
                    "https://example.invalid/tpuplan/fixture-prices");
  CHECK(lines[5] == "v5e-8@us-central1,1y,5.6,2000-02,8 chips x $0.7 per chip-hour,"
                    "https://example.invalid/tpuplan/fixture-commitments");
}

TEST_CASE("catalog show of an accelerator gives its specs and its offerings", "[cli][catalog]") {
  const auto j = run_json({"catalog", "show", "H100-80GB"});
  REQUIRE(j["tables"].contains("accelerator"));
  const auto& spec = j["tables"]["accelerator"]["rows"][0];
  CHECK(spec["accelerator"] == "h100");
  CHECK(spec["hbm_gib"] == 80);
  CHECK(spec["fp8_tflops"] == 1979);
  CHECK(spec["interconnect_gb_per_s"] == 450);
  CHECK(spec["source"] == "https://example.invalid/tpuplan/fixture-specs");
  CHECK(j["tables"]["offerings"]["rows"].size() == 3);
  const auto l4 = run_json({"catalog", "show", "l4"});
  CHECK(l4["tables"]["accelerator"]["rows"][0]["notes"] == "Fixture copy of the L4 specs.");
}

TEST_CASE("catalog rejects unknown filter values with a suggestion and exit 2", "[cli][catalog]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"catalog", "--kind", "tpuu"}, "tpuplan: error: unknown kind 'tpuu'; did you mean 'tpu'?\n"},
      {{"catalog", "--accelerator", "h10"}, "tpuplan: error: unknown accelerator 'h10'; did you mean 'h100'?\n"},
      {{"catalog", "--region", "us-centrl1"},
       "tpuplan: error: unknown region 'us-centrl1'; did you mean 'us-central1'?\n"},
      {{"catalog", "--cloud", "azure"}, "tpuplan: error: unknown cloud 'azure'; accepted: aws, gcp\n"},
      {{"catalog", "show", "v5e-8@us-centrl1"},
       "tpuplan: error: unknown offering or accelerator 'v5e-8@us-centrl1'; did you mean 'v5e-8@us-central1'?\n"},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = run_tpuplan(with_fixture_data(args));
    INFO(args[1]);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
}

TEST_CASE("catalog show takes no list filters", "[cli][catalog]") {
  const auto r = run_tpuplan(with_fixture_data({"catalog", "show", "v5e-8", "--region", "us-central1"}));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("tpuplan: error: catalog show: --kind, --accelerator, --region and --cloud filter the list", 0) ==
        0);
}

TEST_CASE("a data directory with a mistake is one error line naming file, line and column", "[cli][catalog]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tpuplan_cli_catalog_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::copy(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog", dir, fs::copy_options::recursive);
  std::ofstream(dir / "offerings" / "aws-gpu.yaml", std::ios::trunc)
      << "version: 1\ncloud: aws\nofferings:\n  - name: p5.48xlarge\n    accelerator: h100\n    chips: 8\n"
         "    covers: x\n    regions:\n      us-east-1:\n        on-demand: {usd_per_hour: 50, sorce: fixture-prices}\n";
  const auto r = run_tpuplan({"catalog", "--data", dir.string()});
  fs::remove_all(dir);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "tpuplan: error: " + (dir / "offerings" / "aws-gpu.yaml").string() +
                     ":10:9: offerings[0].regions.us-east-1.on-demand.source: missing key 'source'; is 'sorce' "
                     "(line 10) a misspelling of it? (and 1 more problem)\n");
}
