// `tpuplan cost` against the fixture data (tests/data/catalog): invented round prices that
// never change with data/, so the figures below are exact.
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

json cost_json(std::vector<std::string> args) {
  args.insert(args.begin(), "cost");
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_tpuplan(with_fixture_data(std::move(args)));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return json::parse(r.out);
}

const json& row_of(const json& doc, const std::string& offering_id) {
  for (const auto& row : doc["rows"]) {
    if (row["offering_id"] == offering_id) {
      return row;
    }
  }
  FAIL("no row " << offering_id);
  static const json none;
  return none;
}

} // namespace

TEST_CASE("cost lists the smallest holder per accelerator with monthly bills by tier", "[cli][cost]") {
  const json doc = cost_json({"--model", "70b"});
  CHECK(doc["schema"] == "tpuplan.cost/v1");
  CHECK(doc["inputs"]["model_id"] == "llama-3.1-70b");
  CHECK(doc["inputs"]["model_resolved_from"] == "alias 70b → llama-3.1-70b");
  REQUIRE(doc["rows"].size() == 3);
  // v5e-8 (8 × 16 GiB) cannot hold 141 GB of bf16 weights; v5e-16 can.
  const json& v5e = row_of(doc, "v5e-16@us-central1");
  CHECK(v5e["chips"] == 16);
  CHECK(v5e["fits"] == true);
  CHECK(v5e["usd_per_hour_on_demand"] == 16.0);
  CHECK(v5e["usd_per_month_on_demand"] == 16.0 * 730);
  CHECK(v5e["usd_per_month_1y"] == Approx(11.2 * 730));
  CHECK(v5e["usd_per_month_spot"] == Approx(4.0 * 1.1 * 730));
  CHECK(v5e["cheapest_tier"] == "spot");
  CHECK(v5e["figures"] == "estimate");
  CHECK(v5e["output_tokens_per_s"].get<double>() > 0);
  // An unpriced tier is null, never 0.
  CHECK(row_of(doc, "v5p-8@us-central1")["usd_per_hour_1y"].is_null());
  for (const auto& row : doc["rows"]) {
    CHECK(row["offering_id"] != "v5e-8@us-central1");
  }
  CHECK(doc["assumptions"]["hours_per_month"]["value"] == 730.0);
}

TEST_CASE("cost at 8 hours a day bills on-demand for the hours used and commitments for every hour", "[cli][cost]") {
  const json doc = cost_json({"--model", "70b", "--hours", "8"});
  const json& v5e = row_of(doc, "v5e-16@us-central1");
  CHECK(v5e["usd_per_month_on_demand"] == Approx(16.0 * 8 * 730 / 24));
  CHECK(v5e["usd_per_month_1y"] == Approx(11.2 * 730));
  CHECK(v5e["usd_per_month_3y"] == Approx(7.2 * 730));
}

TEST_CASE("cost with a load adds replicas and the monthly bill of the load", "[cli][cost]") {
  const json doc = cost_json({"--model", "8b", "--rate", "20", "--input-tokens", "500", "--output-tokens", "200"});
  for (const auto& row : doc["rows"]) {
    REQUIRE(row["replicas"].is_number());
    CHECK(row["replicas"].get<int>() >= 1);
    CHECK(row["usd_per_month_load_on_demand"] ==
          Approx(row["replicas"].get<double>() * row["usd_per_month_on_demand"].get<double>()));
  }
  CHECK(doc["inputs"]["workload"]["rate_requests_per_s"] == 20.0);
  CHECK(doc["inputs"]["workload"]["comparison"] == "equal load");
}

TEST_CASE("cost carries each estimate's error band to $/1M low–high in the rank tier, and names the band", "[cli][cost]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--model", "70b"}, {"--model", "8b", "--rate", "20", "--input-tokens", "500", "--output-tokens", "200"}}) {
    INFO(args.size());
    const json doc = cost_json(args);
    for (const auto& row : doc["rows"]) {
      INFO(row["offering_id"]);
      if (!row["output_tokens_per_s"].is_number()) {
        CHECK(row["usd_per_million_output_tokens_low"].is_null());
        continue;
      }
      const std::string tier = row["cheapest_tier"].get<std::string>() == "on-demand" ? "on_demand"
                                                                                     : row["cheapest_tier"].get<std::string>();
      const double mid = row["usd_per_million_output_tokens_" + tier].get<double>();
      const double low = row["usd_per_million_output_tokens_low"].get<double>();
      const double high = row["usd_per_million_output_tokens_high"].get<double>();
      CHECK(low <= mid);
      CHECK(high >= mid);
      if (args.size() == 2) {
        CHECK(high > low);
      } else {
        CHECK(high >= low); // a load's replicas may round up to the same count at both ends
      }
    }
    bool named = false;
    for (const auto& [key, a] : doc["assumptions"].items()) {
      if (key.rfind("error_band_", 0) == 0) {
        named = true;
        CHECK(a["value"].get<std::string>().rfind("×", 0) == 0);
        CHECK(a["source"] == "docs/accuracy.md §Error band");
      }
    }
    CHECK(named);
  }
  // Without a load the price scales exactly with the band: high ÷ mid = mid ÷ low = the factor.
  const json doc = cost_json({"--model", "70b"});
  const json& v5e = row_of(doc, "v5e-16@us-central1");
  const double mid = v5e["usd_per_million_output_tokens_spot"].get<double>();
  CHECK(v5e["usd_per_million_output_tokens_high"].get<double>() / mid ==
        Approx(mid / v5e["usd_per_million_output_tokens_low"].get<double>()));
}

TEST_CASE("cost as CSV has the documented columns and empty cells for unpriced tiers", "[cli][cost]") {
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--format", "csv"}));
  REQUIRE(r.exit_code == 0);
  const auto header = r.out.substr(0, r.out.find("\r\n"));
  for (const char* key : {"offering", "cloud", "region", "accelerator", "chips", "precision", "fits",
                          "hbm_used_fraction", "max_batch", "usd_per_hour_on_demand", "usd_per_hour_spot",
                          "usd_per_hour_1y", "usd_per_hour_3y", "usd_per_month_on_demand", "usd_per_month_spot",
                          "usd_per_month_1y", "usd_per_month_3y", "cheapest_tier", "output_tokens_per_s",
                          "usd_per_million_output_tokens_on_demand"}) {
    CHECK(("," + header + ",").find(std::string(",") + key + ",") != std::string::npos);
  }
  CHECK(r.out.find("v5p-8,v5p-8@us-central1,") != std::string::npos);
  CHECK(r.out.find("$") == std::string::npos);
}

TEST_CASE("cost ranks by the tier asked for, with offerings lacking it last", "[cli][cost]") {
  const json doc = cost_json({"--model", "70b", "--tier", "1y"});
  CHECK(doc["rows"][0]["offering_id"] == "v5e-16@us-central1");
  CHECK(doc["rows"][2]["usd_per_month_1y"].is_null());
}

TEST_CASE("cost exits 3 with a one-line reason when nothing holds the model", "[cli][cost]") {
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "405b", "--kind", "gpu"}));
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("tpuplan: error: no offering holds llama-3.1-405b in bf16", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("cost rejects unknown names and out-of-range values with exit 2 and a suggestion", "[cli][cost]") {
  auto r = run_tpuplan(with_fixture_data({"cost", "--model", "70c"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: unknown model '70c'; did you mean '70b'?\n");
  r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--region", "us-centrl1"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("did you mean 'us-central1'?") != std::string::npos);
  r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--hours", "25"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--hours: 25 is outside 0–24") != std::string::npos);
  r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--precision", "int3"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--precision: unknown precision 'int3'") != std::string::npos);
  r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--tier", "spto"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("did you mean 'spot'?") != std::string::npos);
}

TEST_CASE("cost writes -o FILE atomically in the format its extension names", "[cli][cost]") {
  const auto dir = std::filesystem::temp_directory_path() / ("tpuplan-cost-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "cost.json").string();
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "-o", path}));
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  std::ifstream f(path);
  const json doc = json::parse(f);
  CHECK(doc["schema"] == "tpuplan.cost/v1");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) {
    ++files;
  }
  CHECK(files == 1); // no temporary left behind
  std::filesystem::remove_all(dir);
}

TEST_CASE("cost as a table shows units in the headers and a dash for unpriced tiers", "[cli][cost]") {
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "70b"}));
  REQUIRE(r.exit_code == 0);
  // In 100 columns the headers take two lines: the unit above the tier.
  CHECK(r.out.find("                             $/month  $/month  $/month  $/month   $/1M out      $/1M   $/1M   $/1M\n"
                   "offering     accel  chips  on-demand     spot       1y       3y  on-demand  out spot    low   high\n"
                   "v5p-8        v5p        4     11,680    3,212        -        -      1.806     0.497  0.268  0.921\n") !=
        std::string::npos);
  CHECK(run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--wide"})).out.find("$/month on-demand") !=
        std::string::npos);
  CHECK(r.out.find("11,680") != std::string::npos);
  CHECK(r.out.find("note: model: alias 70b → llama-3.1-70b") != std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);
}

TEST_CASE("cost picks each option's parallel layout, --tp forces one, FP4 formats only where the chip has them",
          "[cli][cost][layout]") {
  // The shipped data: 8 × H100 (p5.48xlarge) serving an 8B model runs copies, not one TP8 group.
  auto run = [](std::vector<std::string> args) {
    args.insert(args.end(), {"--format", "json"});
    const auto r = run_tpuplan(args);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  const json small = run({"cost", "--model", "8b", "--all", "--accelerator", "h100"});
  CHECK(small["inputs"]["tp"] == "best per option");
  bool found = false;
  for (const auto& row : small["rows"]) {
    if (row["offering"] == "p5.48xlarge") {
      found = true;
      CHECK(row["layout"] != "TP8");
    }
  }
  CHECK(found);
  const json forced = run({"cost", "--model", "70b", "--tp", "4", "--all"});
  CHECK(forced["inputs"]["tp"] == 4);
  REQUIRE_FALSE(forced["rows"].empty());
  for (const auto& row : forced["rows"]) {
    INFO(row["offering_id"]);
    CHECK(row["chips"].get<int>() % 4 == 0);
    if (!row["layout"].is_null()) {
      const std::string layout = row["layout"];
      CHECK(layout.substr(layout.size() - 3) == "TP4");
    }
  }
  const json fp4 = run({"cost", "--model", "70b", "--precision", "nvfp4"});
  REQUIRE_FALSE(fp4["rows"].empty());
  for (const auto& row : fp4["rows"]) {
    CHECK(row["accelerator"] == "b200");
    CHECK(row["precision"] == "nvfp4");
  }
  CHECK(fp4.dump().find("only accelerators with FP4 tensor cores are compared") != std::string::npos);
  auto r = run_tpuplan({"estimate", "--model", "8b", "--accelerator", "h100", "--chips", "1", "--precision", "mxfp4"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("mxfp4 weights need FP4 tensor cores, which h100 does not have") != std::string::npos);
  r = run_tpuplan({"cost", "--model", "8b", "--tp", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--tp: 0 is out of range") != std::string::npos);
  r = run_tpuplan({"estimate", "--model", "8b", "--accelerator", "h100", "--chips", "8", "--tp", "3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--tp: 3 does not divide the slice's 8 chips") != std::string::npos);
}
