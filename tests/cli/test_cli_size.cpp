// `tpuplan size` against the fixture data (tests/data/catalog).
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using nlohmann::json;

TEST_CASE("size marks the cheapest feasible option as chosen and counts rejections", "[cli][size]") {
  const auto r = run_tpuplan(with_fixture_data({"size", "--model", "8b", "--tpot-ms", "50", "--format", "json"}));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["schema"] == "tpuplan.size/v1");
  REQUIRE_FALSE(doc["rows"].empty());
  CHECK(doc["rows"][0]["chosen"] == true);
  for (std::size_t i = 1; i < doc["rows"].size(); ++i) {
    CHECK(doc["rows"][i]["chosen"] == false);
    CHECK(doc["rows"][i - 1]["usd_per_month"].get<double>() <= doc["rows"][i]["usd_per_month"].get<double>());
  }
  for (const auto& row : doc["rows"]) {
    CHECK(row["tpot_ms"].get<double>() <= 50.0);
    CHECK(row["figures"] == "estimate");
  }
  CHECK(doc["notes"][0].get<std::string>().find("does not fit") != std::string::npos);
}

TEST_CASE("size exits 3 naming the nearest option when no target can be met", "[cli][size]") {
  const auto r = run_tpuplan(with_fixture_data({"size", "--model", "70b", "--tpot-ms", "0.5"}));
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("tpuplan: error: no option meets the request for llama-3.1-70b", 0) == 0);
  CHECK(r.err.find("nearest: ") != std::string::npos);
  CHECK(r.err.find("misses TPOT") != std::string::npos);
}

TEST_CASE("size rejects a load given two ways", "[cli][size]") {
  const auto r = run_tpuplan(with_fixture_data({"size", "--model", "8b", "--rate", "2", "--concurrency", "8"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: --rate, --tokens-per-day, --concurrency and --load-curve are exclusive; give the load "
                "one way\n");
}

TEST_CASE("size with a rate reports the replicas the load needs", "[cli][size]") {
  const auto r = run_tpuplan(with_fixture_data(
      {"size", "--model", "8b", "--rate", "50", "--input-tokens", "500", "--output-tokens", "200", "--format", "json"}));
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  for (const auto& row : doc["rows"]) {
    CHECK(row["served_output_tokens_per_s"] == Approx(50.0 * 200));
    CHECK(row["replicas"].get<int>() >= 1);
  }
}

TEST_CASE("size --confidence slow sizes for the slow end of each estimate's error band", "[cli][size]") {
  const auto sized = [](const std::string& level) {
    const auto r = run_tpuplan(with_fixture_data({"size", "--model", "70b", "--rate", "20", "--tpot-ms", "60",
                                                  "--confidence", level, "--format", "json"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  const json central = sized("central");
  const json slow = sized("slow");
  CHECK(central["inputs"]["confidence"] == "central");
  CHECK(slow["inputs"]["confidence"] == "slow");
  std::map<std::string, json> central_rows;
  for (const auto& row : central["rows"]) {
    central_rows[row["offering_id"].get<std::string>() + " " + row["precision"].get<std::string>()] = row;
  }
  std::size_t compared = 0;
  for (const auto& row : slow["rows"]) {
    const auto it = central_rows.find(row["offering_id"].get<std::string>() + " " + row["precision"].get<std::string>());
    if (it == central_rows.end()) {
      continue;
    }
    INFO(row["offering_id"]);
    ++compared;
    // Slower steps: less per replica, never fewer replicas, still within the TPOT target.
    CHECK(row["output_tokens_per_s"].get<double>() < it->second["output_tokens_per_s"].get<double>());
    CHECK(row["replicas"].get<int>() >= it->second["replicas"].get<int>());
    CHECK(row["tpot_ms"].get<double>() <= 60.0);
  }
  CHECK(compared > 0);
  bool named = false;
  for (const auto& [key, a] : slow["assumptions"].items()) {
    if (key.rfind("slowdown_", 0) == 0) {
      named = true;
      CHECK(a["value"].get<std::string>().rfind("×", 0) == 0);
    }
  }
  CHECK(named);
  for (const auto& [key, a] : central["assumptions"].items()) {
    CHECK(key.rfind("slowdown_", 0) != 0);
  }
  const auto bad = run_tpuplan(with_fixture_data({"size", "--model", "70b", "--rate", "20", "--confidence", "95"}));
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--confidence: unknown level '95'") != std::string::npos);
  CHECK(bad.err.find("accepted: central") != std::string::npos);
}
