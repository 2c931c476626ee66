// `tpuplan validate` and `--config` / TPUPLAN_CONFIG, against the fixtures in tests/data/.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;

} // namespace

TEST_CASE("validate lists every problem of a config file and exits 2", "[cli][validate]") {
  const std::string file = k_data + "/config/bad.yaml";
  const auto r = run_tpuplan(with_fixture_data({"validate", file, "--format", "json"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: 6 problems in " + file + "; listed on standard output\n");
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["schema"] == "tpuplan.validate/v1");
  CHECK(doc["table"] == "problems");
  const auto& rows = doc["rows"];
  REQUIRE(rows.size() == 6);
  CHECK(rows[0]["file"] == file);
  CHECK(rows[0]["line"] == 5);
  CHECK(rows[0]["column"] == 15);
  CHECK(rows[0]["key_path"] == "backends[0].endpoint");
  CHECK(rows[0]["location"] == file + ":5:15");
  CHECK(rows[4]["message"] == "unknown cloud 'azure'");
  CHECK(rows[4]["hint"] == "accepted: aws, gcp");
  CHECK(rows[5]["key_path"] == "discounts[0].sorce");
  CHECK(rows[5]["hint"] == "did you mean 'source'?");
  CHECK(doc["tables"]["summary"]["rows"][0]["problems"] == 6);
}

TEST_CASE("validate of a clean config file prints a summary and exits 0", "[cli][validate]") {
  const auto r = run_tpuplan(with_fixture_data({"validate", k_data + "/config/good.yaml", "--format", "csv"}));
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "path,kind,checked,problems\r\n" + k_data +
                     "/config/good.yaml,config file,\"1 extra offering, 1 price override, 1 discount, 1 backend\",0\r\n");
}

TEST_CASE("validate checks a data directory, a price sheet and a config.json", "[cli][validate]") {
  const auto dir = run_tpuplan({"validate", k_data + "/catalog"});
  CHECK(dir.exit_code == 0);
  CHECK_THAT(dir.out, Contains("data directory"));
  const auto sheet = run_tpuplan(with_fixture_data({"validate", k_data + "/validate/broken-price-sheet.yaml"}));
  CHECK(sheet.exit_code == 2);
  CHECK_THAT(sheet.out, Contains("unknown accelerator 'a100-80g'"));
  CHECK_THAT(sheet.out, Contains("unknown key 'reserved'"));
  const auto hf = run_tpuplan({"validate", k_data + "/hf/deepseek-v3.json"});
  CHECK(hf.exit_code == 0);
  // In 100 columns the summary wraps in its column; --wide keeps it on one line.
  CHECK_THAT(hf.out, Contains("671.03B parameters (37.55B active),"));
  CHECK_THAT(hf.out, Contains("70272 B of bf16 KV per token"));
  const auto hf_wide = run_tpuplan({"validate", k_data + "/hf/deepseek-v3.json", "--wide"});
  CHECK_THAT(hf_wide.out, Contains("671.03B parameters (37.55B active), 70272 B of bf16 KV per token"));
}

TEST_CASE("validate of a missing path is a problem, not a crash", "[cli][validate]") {
  const auto r = run_tpuplan({"validate", "/nonexistent/prices.yaml"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("no such file or directory"));
}

TEST_CASE("validate checks a config file without applying --config first", "[cli][validate]") {
  // TPUPLAN_CONFIG names a broken config: validating a good one must not trip over it.
  const auto r = run_tpuplan(with_fixture_data({"validate", k_data + "/config/good.yaml"}),
                             {{"TPUPLAN_CONFIG", k_data + "/config/bad.yaml"}});
  CHECK(r.exit_code == 0);
}

TEST_CASE("the --config file adds the config's offerings to the data set", "[cli][config]") {
  const auto plain = run_tpuplan(with_fixture_data({"version", "--format", "json"}));
  const auto configured =
      run_tpuplan(with_fixture_data({"version", "--format", "json", "--config", k_data + "/config/good.yaml"}));
  REQUIRE(plain.exit_code == 0);
  REQUIRE(configured.exit_code == 0);
  const auto a = nlohmann::json::parse(plain.out)["rows"][0];
  const auto b = nlohmann::json::parse(configured.out)["rows"][0];
  CHECK(b["offerings"].get<int>() == a["offerings"].get<int>() + 1);
  CHECK(b["data_origin"] == a["data_origin"].get<std::string>() + " + config " + k_data + "/config/good.yaml");
}

TEST_CASE("TPUPLAN_CONFIG is read like --config", "[cli][config]") {
  const auto r = run_tpuplan(with_fixture_data({"version", "--format", "json"}),
                             {{"TPUPLAN_CONFIG", k_data + "/config/good.yaml"}});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(nlohmann::json::parse(r.out)["rows"][0]["data_origin"].get<std::string>(), Contains("+ config "));
}

TEST_CASE("a bad --config stops a command with its first problem and a count", "[cli][config]") {
  const std::string file = k_data + "/config/bad.yaml";
  const auto r = run_tpuplan(with_fixture_data({"version", "--config", file}));
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("tpuplan: error: " + file +
                               ":5:15: backends[0].endpoint: expected an http(s) URL, got 'tpu-vm-internal-ip:8080'"));
  CHECK_THAT(r.err, Contains("5 more problems"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
