// Every report that uses prices states their age (JSON "price_age", a note in tables), and
// names the offerings older than --max-price-age / max_price_age_days. The fixture data's
// prices are dated 2000-01-01 (fixture-prices) and 2000-02 (fixture-commitments, v5e 1y/3y).
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using nlohmann::json;
using Catch::Matchers::Contains;

namespace {

json run_json(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_tpuplan(with_fixture_data(std::move(args)), env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<std::string> stale_ids(const json& age) {
  std::vector<std::string> ids;
  for (const auto& s : age["stale_offerings"]) {
    ids.push_back(s["offering"]);
  }
  return ids;
}

std::string fmt_more(std::size_t n) { return " and " + std::to_string(n) + " more; "; }

const std::map<std::string, std::string> k_march_2000 = {{"TPUPLAN_TODAY", "2000-03-01"}};

} // namespace

TEST_CASE("cost states the age of its prices on TPUPLAN_TODAY", "[cli][price_age]") {
  const json doc = run_json({"cost", "--model", "8b"}, k_march_2000);
  REQUIRE(doc.contains("price_age"));
  const json& age = doc["price_age"];
  CHECK(age["today"] == "2000-03-01");
  CHECK(age["today_from"] == "TPUPLAN_TODAY");
  CHECK(age["oldest_as_of"] == "2000-01-01");
  CHECK(age["oldest_age_days"] == 60);
  CHECK(age["newest_as_of"] == "2000-02"); // v5e commitments, a month read as its 1st: 29 days in 2000
  CHECK(age["newest_age_days"] == 29);
  CHECK(age["max_age_days"] == 180);
  CHECK(age["max_age_from"] == "default");
  CHECK(age["stale_prices"] == 0);
  CHECK(age["stale_offerings"].empty());
  CHECK(age["undated_prices"] == 0);
  // Every offering the table shows is counted, each of its priced tiers once.
  std::size_t prices = 0;
  for (const auto& row : doc["rows"]) {
    for (const char* key : {"usd_per_hour_on_demand", "usd_per_hour_spot", "usd_per_hour_1y", "usd_per_hour_3y"}) {
      prices += row[key].is_null() ? 0 : 1;
    }
  }
  CHECK(age["offerings"] == doc["rows"].size());
  CHECK(age["prices"] == prices);
  REQUIRE(age["notes"].size() == 1);
  CHECK_THAT(age["notes"][0].get<std::string>(), Contains("observed 2000-01-01 … 2000-02; the oldest, "));
  CHECK_THAT(age["notes"][0].get<std::string>(), Contains("is 60 days old on 2000-03-01"));

  const auto text = run_tpuplan(with_fixture_data({"cost", "--model", "8b"}), k_march_2000);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Contains("note: price age: "));
  CHECK_THAT(text.out, Contains("is 60 days old on 2000-03-01"));
  CHECK(text.err.empty());
}

TEST_CASE("the flag --max-price-age names the offerings with older prices and their tiers", "[cli][price_age]") {
  const json doc = run_json({"cost", "--model", "8b", "--all", "--max-price-age", "30"}, k_march_2000);
  const json& age = doc["price_age"];
  CHECK(age["max_age_days"] == 30);
  CHECK(age["max_age_from"] == "--max-price-age");
  // Every priced offering has a 2000-01-01 price (60 days); the v5e commitments (29 days) are not stale.
  CHECK(age["stale_offerings"].size() == age["offerings"]);
  for (const auto& s : age["stale_offerings"]) {
    INFO(s.dump());
    CHECK(s["oldest_as_of"] == "2000-01-01");
    CHECK(s["age_days"] == 60);
    if (s["offering"] == "v5e-8@us-central1") {
      CHECK(s["tiers"] == json::array({"on-demand", "spot"}));
    }
  }
  const auto ids = stale_ids(age);
  CHECK(std::find(ids.begin(), ids.end(), "v5e-8@us-central1") != ids.end());
  REQUIRE(age["notes"].size() == 2);
  CHECK_THAT(age["notes"][1].get<std::string>(), Contains("are older than 30 days (--max-price-age)"));
  // Equal ages are listed by id; eight are named, then the count of the others.
  CHECK_THAT(age["notes"][1].get<std::string>(), Contains(": a3-highgpu-8g@us-east4 (2000-01-01), "));
  CHECK_THAT(age["notes"][1].get<std::string>(),
             Contains(fmt_more(age["stale_offerings"].size() - 8)));

  // 29 days is the limit of the commitments: they stay fresh at 29, turn stale at 28.
  const json at28 = run_json({"cost", "--model", "8b", "--all", "--max-price-age", "28"}, k_march_2000);
  for (const auto& s : at28["price_age"]["stale_offerings"]) {
    if (s["offering"] == "v5e-8@us-central1") {
      CHECK(s["tiers"] == json::array({"on-demand", "spot", "1y", "3y"}));
    }
  }
  CHECK(at28["price_age"]["stale_prices"] == at28["price_age"]["prices"]);
}

TEST_CASE("max_price_age_days in the config sets the limit, and the flag wins over it", "[cli][price_age]") {
  TempDir dir;
  const std::string config = dir.file("config.yaml");
  std::ofstream(config) << "version: 1\nmax_price_age_days: 45\n";
  const json doc = run_json({"cost", "--model", "8b", "--config", config}, k_march_2000);
  CHECK(doc["price_age"]["max_age_days"] == 45);
  CHECK_THAT(doc["price_age"]["max_age_from"].get<std::string>(), Contains("max_price_age_days at " + config + ":2:"));
  CHECK_FALSE(doc["price_age"]["stale_offerings"].empty()); // 60 > 45
  const json flag = run_json({"cost", "--model", "8b", "--config", config, "--max-price-age", "90"}, k_march_2000);
  CHECK(flag["price_age"]["max_age_days"] == 90);
  CHECK(flag["price_age"]["stale_offerings"].empty());

  std::ofstream(config) << "max_price_age_days: -3\n";
  const auto bad = run_tpuplan(with_fixture_data({"cost", "--model", "8b", "--config", config}), k_march_2000);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Contains("max_price_age_days"));
}

TEST_CASE("the default today of the tests makes every fixture price stale, and the table says so", "[cli][price_age]") {
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "8b"}));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains(std::string("old on ") + k_test_today));
  CHECK_THAT(r.out, Contains("are older than 180 days (--max-price-age)"));
  const auto md = run_tpuplan(with_fixture_data({"cost", "--model", "8b", "--format", "markdown"}));
  CHECK_THAT(md.out, Contains("- price age: "));
}

TEST_CASE("breakeven, plan, size and catalog state the age of their prices, models does not", "[cli][price_age]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"breakeven", "--hours", "8"},
           {"plan", "--model", "8b", "--load-curve", "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1", "--ttft-ms", "1000"},
           {"size", "--model", "8b"},
           {"catalog"},
           {"catalog", "show", "v5e-8@us-central1"}}) {
    INFO(args.front());
    const json doc = run_json(args, k_march_2000);
    REQUIRE(doc.contains("price_age"));
    CHECK(doc["price_age"]["today"] == "2000-03-01");
    CHECK(doc["price_age"]["offerings"].get<int>() >= 1);
    CHECK(doc["price_age"]["oldest_age_days"] == 60);
  }
  const json one = run_json({"catalog", "show", "v5e-8@us-central1"}, k_march_2000);
  CHECK(one["price_age"]["offerings"] == 1);
  CHECK(one["price_age"]["prices"] == 4);
  CHECK_FALSE(run_json({"models"}, k_march_2000).contains("price_age"));
}

TEST_CASE("a malformed TPUPLAN_TODAY or --max-price-age is a usage error", "[cli][price_age]") {
  const auto bad_day = run_tpuplan(with_fixture_data({"cost", "--model", "8b"}), {{"TPUPLAN_TODAY", "2026-02-30"}});
  CHECK(bad_day.exit_code == 2);
  CHECK_THAT(bad_day.err, Contains("TPUPLAN_TODAY: '2026-02-30' is not a date; accepted: YYYY-MM-DD"));
  CHECK(bad_day.out.empty());
  const auto bad_age = run_tpuplan(with_fixture_data({"cost", "--model", "8b", "--max-price-age", "-1"}));
  CHECK(bad_age.exit_code == 2);
  CHECK_THAT(bad_age.err, Contains("--max-price-age"));
}
