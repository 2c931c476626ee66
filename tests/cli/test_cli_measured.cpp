// Measured figures in the cost model, end to end: `cost --measured`, `estimate --calibrate` and
// `--calibration` on estimate, cost and size, against the fixture catalog and a profile recorded
// from the fake server (tests/data/profiles/fake-h100-llama-3.1-8b.json: llama-3.1-8b on
// 1 × h100, concurrency 1, 4, 8, 16; 512 input / 64 output tokens; SLO TTFT 200 ms, TPOT 13 ms).
#include "fake_server.hpp"
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

const std::string k_profile = TPUPLAN_TEST_DATA_DIR "/profiles/fake-h100-llama-3.1-8b.json";
const std::string k_name = "fake-h100-llama-3.1-8b.json";

/// A copy of the fixture profile with `edit` applied, in a directory removed afterwards.
class EditedProfile {
public:
  EditedProfile(const std::string& name, const std::function<void(json&)>& edit) {
    m_dir = std::filesystem::temp_directory_path() / ("tpuplan-measured-" + std::to_string(getpid()) + "-" + name);
    std::filesystem::create_directories(m_dir);
    std::ifstream in(k_profile);
    json j = json::parse(in);
    edit(j);
    std::ofstream(m_dir / name) << j.dump(2);
    m_path = (m_dir / name).string();
  }
  ~EditedProfile() { std::filesystem::remove_all(m_dir); }
  const std::string& path() const { return m_path; }

private:
  std::filesystem::path m_dir;
  std::string m_path;
};

ProcessResult run(std::vector<std::string> args) { return run_tpuplan(with_fixture_data(std::move(args))); }

json json_of(const ProcessResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<json> rows_of(const json& doc, const std::string& offering_id) {
  std::vector<json> rows;
  for (const auto& row : doc["rows"]) {
    if (row["offering_id"] == offering_id) {
      rows.push_back(row);
    }
  }
  return rows;
}

json profile_json() {
  std::ifstream in(k_profile);
  return json::parse(in);
}

} // namespace

TEST_CASE("cost --measured replaces the profiled offering's estimate with the level meeting the profile's SLO",
          "[cli][measured]") {
  const auto r = run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--format", "json"});
  const json doc = json_of(r);
  CHECK(r.err.empty());
  const auto h100 = rows_of(doc, "p5.4xlarge@us-east-1");
  REQUIRE(h100.size() == 1);
  const double measured = profile_json()["levels"][3]["throughput"]["output_tokens_per_s"].get<double>();
  CHECK(h100[0]["figures"] == "measured: " + k_name);
  CHECK(h100[0]["output_tokens_per_s"].get<double>() == Approx(measured));
  CHECK(h100[0]["batch"] == 16);
  CHECK(h100[0]["measured_level"] == "concurrency 16");
  CHECK(h100[0]["measured_flags"].is_null());
  // $/1M tokens from the measured rate: $6.25 an hour over its tokens per hour.
  CHECK(h100[0]["usd_per_million_output_tokens_on_demand"].get<double>() == Approx(6.25 / (measured * 3600) * 1e6));
  for (const auto& row : doc["rows"]) {
    if (row["offering_id"] != "p5.4xlarge@us-east-1") {
      CHECK(row["figures"] == "estimate");
    }
  }
  CHECK(doc["inputs"]["measured"] == json::array({k_name}));
  CHECK(doc["assumptions"]["measured_profile_1"]["value"] == k_name);
  bool noted = false;
  for (const auto& note : doc["notes"]) {
    noted = noted || note.get<std::string>().find("512 input / 64 output tokens per request") != std::string::npos;
  }
  CHECK(noted); // the profile's workload is not the 1000/1000 asked
}

TEST_CASE("cost --tpot-ms picks the measured level meeting it at p90, or p50 with --slo-percentile",
          "[cli][measured]") {
  // TPOT p90 of the levels: 11.85, 11.95, 12.05, 12.31 ms.
  auto doc = json_of(run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--tpot-ms", "12", "-f", "json"}));
  auto h100 = rows_of(doc, "p5.4xlarge@us-east-1");
  REQUIRE(h100.size() == 1);
  CHECK(h100[0]["measured_level"] == "concurrency 4");
  CHECK(h100[0]["batch"] == 4);
  CHECK(doc["inputs"]["workload"]["tpot_ms"] == 12.0);
  doc = json_of(run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--tpot-ms", "12.1", "-f", "json"}));
  CHECK(rows_of(doc, "p5.4xlarge@us-east-1")[0]["measured_level"] == "concurrency 8");
  doc = json_of(run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--tpot-ms", "12.1",
                     "--slo-percentile", "p99", "-f", "json"}));
  CHECK(rows_of(doc, "p5.4xlarge@us-east-1")[0]["measured_level"] != "concurrency 16");
}

TEST_CASE("cost --measured with an SLO no level meets leaves the row's throughput empty and warns",
          "[cli][measured]") {
  const auto r = run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--tpot-ms", "5", "-f", "json"});
  const json doc = json_of(r);
  const auto h100 = rows_of(doc, "p5.4xlarge@us-east-1");
  REQUIRE(h100.size() == 1);
  CHECK(h100[0]["output_tokens_per_s"].is_null());
  CHECK(h100[0]["usd_per_million_output_tokens_on_demand"].is_null());
  CHECK(h100[0]["figures"] == "measured: " + k_name);
  // The profile's TTFT target stays; the flag replaces its TPOT target.
  CHECK(h100[0]["measured_flags"].get<std::string>().find("no level meets TTFT p90 ≤ 200 ms, TPOT p90 ≤ 5 ms") == 0);
  CHECK(r.err.find("tpuplan: warning: " + k_name + ": no level meets") == 0);
}

TEST_CASE("cost --measured refuses a profile of another model and warns about a model it cannot identify",
          "[cli][measured]") {
  auto r = run({"cost", "--model", "70b", "--measured", k_profile});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: " + k_name +
                     ": measured 'llama-3.1-8b', not llama-3.1-70b; pass a profile of the same model, or change "
                     "--model\n");
  EditedProfile unknown("bot.json", [](json& j) { j["model"] = "acme/support-bot"; });
  r = run({"cost", "--model", "llama-3.1-8b", "--measured", unknown.path()});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("bot.json: served model 'acme/support-bot' is not a preset tpuplan knows; its figure is taken as "
                   "llama-3.1-8b") != std::string::npos);
}

TEST_CASE("cost --measured refuses hardware the catalog lacks, a profile without hardware, and a missing file",
          "[cli][measured]") {
  EditedProfile mi300("mi300.json", [](json& j) { j["accelerator"] = "mi300x"; });
  auto r = run({"cost", "--model", "llama-3.1-8b", "--measured", mi300.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("tpuplan: error: mi300.json: accelerator 'mi300x' is not in the catalog; add the hardware with "
                   "--config") == 0);
  EditedProfile three("h100x3.json", [](json& j) { j["chips"] = 3; });
  r = run({"cost", "--model", "llama-3.1-8b", "--measured", three.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("tpuplan: error: h100x3.json: the catalog has no offering of 3 × h100 to price") == 0);
  EditedProfile bare("bare.json", [](json& j) { j["accelerator"] = nullptr; j["chips"] = nullptr; });
  r = run({"cost", "--model", "llama-3.1-8b", "--measured", bare.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bare.json: the profile does not say which hardware it measured") != std::string::npos);
  r = run({"cost", "--model", "llama-3.1-8b", "--measured", "/nonexistent/p.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/nonexistent/p.json") != std::string::npos);
}

TEST_CASE("cost --measured flags a partial profile with failed requests", "[cli][measured]") {
  EditedProfile flaky("flaky.json", [](json& j) {
    j["partial"] = true;
    for (auto& l : j["levels"]) {
      l["requests"]["failed"] = 8;
      l["error_rate"] = 0.2;
    }
  });
  const auto r = run({"cost", "--model", "llama-3.1-8b", "--measured", flaky.path(), "-f", "json"});
  const json doc = json_of(r);
  const auto h100 = rows_of(doc, "p5.4xlarge@us-east-1");
  REQUIRE(h100.size() == 1);
  CHECK(h100[0]["measured_flags"] == "partial run (interrupted); 20.0% of requests failed at concurrency 16");
  CHECK(r.err.find("flaky.json: flagged: partial run") != std::string::npos);
}

TEST_CASE("cost --measured adds the profiled hardware when it is not the smallest holder, one row per profile",
          "[cli][measured]") {
  EditedProfile eight("h100x8.json", [](json& j) { j["chips"] = 8; });
  const auto doc = json_of(run({"cost", "--model", "llama-3.1-8b", "--measured", eight.path(), "--measured",
                                k_profile, "--measured", k_profile, "-f", "json"}));
  const auto one = rows_of(doc, "p5.4xlarge@us-east-1");
  CHECK(one.size() == 2); // two profiles of 1 × h100: side by side
  int eight_chip_rows = 0;
  for (const auto& row : doc["rows"]) {
    if (row["accelerator"] == "h100" && row["chips"] == 8) {
      ++eight_chip_rows;
      CHECK(row["figures"] == "measured: h100x8.json");
    }
  }
  CHECK(eight_chip_rows == 1);
}

TEST_CASE("cost --measured outside the filters warns that the profile is not shown", "[cli][measured]") {
  const auto r = run({"cost", "--model", "llama-3.1-8b", "--measured", k_profile, "--kind", "tpu"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == "tpuplan: warning: " + k_name + ": no offering of 1 × h100 matches the filters; not shown\n");
  CHECK(r.out.find("measured:") == std::string::npos);
}

TEST_CASE("estimate --calibrate prints the fit with the error before and after per level", "[cli][measured]") {
  const json doc = json_of(run({"estimate", "--calibrate", k_profile, "-f", "json"}));
  CHECK(doc["inputs"]["calibrate"] == k_name);
  CHECK(doc["inputs"]["model"] == "llama-3.1-8b");
  CHECK(doc["inputs"]["accelerator"] == "h100");
  const auto& levels = doc["tables"]["levels"]["rows"];
  REQUIRE(levels.size() == 4);
  for (const auto& l : levels) {
    CHECK(std::abs(l["tpot_error_pct_after"].get<double>()) < std::abs(l["tpot_error_pct_before"].get<double>()));
    CHECK(std::abs(l["tpot_error_pct_after"].get<double>()) < 3);
  }
  const auto& factors = doc["tables"]["factors"]["rows"];
  REQUIRE(factors.size() == 5);
  CHECK(factors[2]["factor"] == "overhead_ms");
  CHECK(factors[2]["after"].get<double>() > factors[2]["before"].get<double>());
  CHECK(doc["assumptions"]["calibration_basis"]["value"].get<std::string>().find("fitted to " + k_name) == 0);
}

TEST_CASE("estimate --calibrate takes --model, --fit and refuses hardware flags", "[cli][measured]") {
  auto r = run({"estimate", "--calibrate", k_profile, "--fit", "overhead", "-f", "json"});
  auto doc = json_of(r);
  const auto& factors = doc["tables"]["factors"]["rows"];
  CHECK(factors[0]["after"] == factors[0]["before"]); // compute not fitted
  CHECK(factors[1]["after"] == factors[1]["before"]);
  CHECK(factors[2]["fitted"] == true);
  r = run({"estimate", "--calibrate", k_profile, "--accelerator", "v5e", "--chips", "8"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--calibrate takes the accelerator and chips from the profile") != std::string::npos);
  r = run({"estimate", "--calibrate", k_profile, "--fit", "speed"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--fit: unknown factor 'speed'") != std::string::npos);
  EditedProfile unknown("bot.json", [](json& j) { j["model"] = "acme/support-bot"; });
  r = run({"estimate", "--calibrate", unknown.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bot.json: served model 'acme/support-bot' is not a preset") != std::string::npos);
  doc = json_of(run({"estimate", "--calibrate", unknown.path(), "--model", "llama-3.1-8b", "-f", "json"}));
  CHECK(doc["tables"]["levels"]["rows"].size() == 4);
}

TEST_CASE("the calibration applies the fitted factors to the profile's family only, and says so", "[cli][measured]") {
  const auto plain = json_of(run({"estimate", "--model", "llama-3.1-8b", "--offering", "p5.48xlarge", "--batch", "8",
                                  "-f", "json"}));
  const auto calibrated = json_of(run({"estimate", "--model", "llama-3.1-8b", "--offering", "p5.48xlarge", "--batch",
                                       "8", "--calibration", k_profile, "-f", "json"}));
  CHECK(calibrated["rows"][0]["tpot_ms"].get<double>() > plain["rows"][0]["tpot_ms"].get<double>() + 2);
  CHECK(calibrated["assumptions"]["calibration_profile"]["value"] == k_name);
  CHECK(calibrated["assumptions"]["calibration_family"]["value"] == "nvidia-hopper");
  CHECK(calibrated["assumptions"]["step_overhead_ms"]["source"].get<std::string>().find("fitted to " + k_name) == 0);
  // Another family keeps its defaults, with a warning.
  const auto r = run({"estimate", "--model", "llama-3.1-8b", "--accelerator", "v5e", "--chips", "4", "--batch", "8",
                      "--calibration", k_profile, "-f", "json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("v5e is of family tpu-v5e, not nvidia-hopper") != std::string::npos);
  const auto v5e = json::parse(r.out);
  CHECK(v5e["assumptions"]["step_overhead_ms"]["value"] == 8.0);
}

TEST_CASE("cost and size --calibration use the fitted factors for the family's rows", "[cli][measured]") {
  const auto plain = json_of(run({"cost", "--model", "llama-3.1-8b", "--sort", "chips", "-f", "json"}));
  const auto calibrated =
      json_of(run({"cost", "--model", "llama-3.1-8b", "--sort", "chips", "--calibration", k_profile, "-f", "json"}));
  const auto tokens = [](const json& doc, const std::string& id) {
    return rows_of(doc, id).at(0)["output_tokens_per_s"].get<double>();
  };
  CHECK(tokens(calibrated, "p5.4xlarge@us-east-1") < tokens(plain, "p5.4xlarge@us-east-1"));
  CHECK(tokens(calibrated, "v5e-4@us-central1") == tokens(plain, "v5e-4@us-central1"));
  CHECK(calibrated["assumptions"].contains("calibrated_step_overhead_ms"));
  const auto size = json_of(run({"size", "--model", "llama-3.1-8b", "--tpot-ms", "10", "--calibration", k_profile,
                                 "--accelerator", "h100", "-f", "json"}));
  CHECK(size["assumptions"]["calibration_family"]["value"] == "nvidia-hopper");
  // Fitted overhead (≈ 7 ms) plus the weights leave no H100 batch under 10 ms per token at 1 chip.
  for (const auto& row : size["rows"]) {
    CHECK(row["chips"].get<int>() > 1);
  }
}

TEST_CASE("a calibration profile whose model is no preset needs --calibration-model", "[cli][measured]") {
  EditedProfile unknown("served.json", [](json& j) { j["model"] = "acme/support-bot"; });
  auto r = run({"cost", "--model", "70b", "--calibration", unknown.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("served.json: served model 'acme/support-bot' is not a preset, so its architecture is unknown; "
                   "name it with --calibration-model") != std::string::npos);
  r = run({"cost", "--model", "70b", "--calibration", unknown.path(), "--calibration-model", "llama-3.1-8b", "-f",
           "json"});
  const json doc = json_of(r);
  CHECK(doc["assumptions"]["calibration_profile"]["description"].get<std::string>().find("llama-3.1-8b on 1 × h100") ==
        0);
  r = run({"cost", "--model", "70b", "--calibration", unknown.path(), "--calibration-model", "llama-3.1-8b",
           "--calibration-precision", "int3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--calibration-precision: unknown precision 'int3'") != std::string::npos);
}

TEST_CASE("a profile recorded now against the fake server feeds cost --measured", "[cli][measured]") {
  FakeServerOptions o;
  o.model = "llama-3.1-8b"; // bench refuses a --model the server does not list
  o.ttft = std::chrono::microseconds(1000);
  o.token_interval = std::chrono::microseconds(500);
  FakeServer server(o);
  const std::string saved = std::filesystem::temp_directory_path() / ("tpuplan-measured-live-" + std::to_string(getpid()) + ".json");
  auto r = run({"bench", "--endpoint", server.url(), "--model", "llama-3.1-8b", "--offering", "g2-standard-4",
                "--concurrency", "1,2", "--requests", "4", "--input-tokens", "20", "--output-tokens", "8",
                "--no-metrics", "--save", saved, "-q"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  r = run({"cost", "--model", "llama-3.1-8b", "--measured", saved, "-f", "json"});
  std::filesystem::remove(saved);
  const json doc = json_of(r);
  const auto l4 = rows_of(doc, "g2-standard-4@us-central1");
  REQUIRE(l4.size() == 1);
  CHECK(l4[0]["figures"] == "measured: " + std::filesystem::path(saved).filename().string());
  CHECK(l4[0]["output_tokens_per_s"].get<double>() > 0);
}
