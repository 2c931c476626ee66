// `tpuplan size` against the fixture data (tests/data/catalog).
#include "run_process.hpp"

#include <catch2/catch.hpp>
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
