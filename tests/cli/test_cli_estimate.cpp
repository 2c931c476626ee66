// `tpuplan estimate` against the fixture data (tests/data/catalog): its accelerators carry the
// catalog's specs, so the figures are realistic, but the tests pin down the contract —
// columns, inputs, assumptions, exit codes and messages — and relations between figures.
#include "run_process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

json estimate_json(std::vector<std::string> args) {
  args.insert(args.begin(), "estimate");
  args.push_back("--format");
  args.push_back("json");
  const auto r = run_tpuplan(with_fixture_data(std::move(args)));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return json::parse(r.out);
}

ProcessResult estimate(std::vector<std::string> args) {
  args.insert(args.begin(), "estimate");
  return run_tpuplan(with_fixture_data(std::move(args)));
}

const json& assumption(const json& doc, const std::string& key) {
  INFO("assumption " << key);
  REQUIRE(doc["assumptions"].contains(key));
  return doc["assumptions"][key];
}

} // namespace

TEST_CASE("estimate sweeps batch sizes and marks the largest that fits as the best", "[cli][estimate]") {
  const json doc = estimate_json({"--model", "70b", "--accelerator", "h100", "--chips", "8"});
  CHECK(doc["schema"] == "tpuplan.estimate/v1");
  CHECK(doc["inputs"]["model"] == "llama-3.1-70b");
  CHECK(doc["inputs"]["model_resolved_from"] == "alias 70b → llama-3.1-70b");
  CHECK(doc["inputs"]["chips"] == 8);
  CHECK(doc["inputs"]["input_tokens"] == 1000);
  const auto& rows = doc["rows"];
  REQUIRE(rows.size() >= 5);
  CHECK(rows[0]["batch"] == 1);
  CHECK(rows[1]["batch"] == 2);
  for (const char* key : {"batch", "output_tokens_per_s", "output_tokens_per_s_per_chip", "total_tokens_per_s",
                          "ttft_ms", "tpot_ms", "requests_per_s", "bound", "hbm_used_fraction", "best", "figures",
                          "step_ms", "kv_read_ms", "weight_read_ms", "compute_ms", "interconnect_ms"}) {
    CHECK(rows[0].contains(key));
  }
  int best_rows = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i]["figures"] == "estimate");
    CHECK(rows[i]["output_tokens_per_s_per_chip"].get<double>() ==
          Approx(rows[i]["output_tokens_per_s"].get<double>() / 8));
    if (i > 0) {
      CHECK(rows[i]["output_tokens_per_s"].get<double>() > rows[i - 1]["output_tokens_per_s"].get<double>());
      CHECK(rows[i]["tpot_ms"].get<double>() > rows[i - 1]["tpot_ms"].get<double>());
    }
    best_rows += rows[i]["best"] == true ? 1 : 0;
  }
  CHECK(best_rows == 1);
  CHECK(rows.back()["best"] == true);
  // H100 defaults to TensorRT-LLM, which gives 0.95 of the memory the weights and reserve
  // leave to the KV cache: more than vLLM's 0.9 of HBM, never all of it.
  CHECK(doc["inputs"]["engine"] == "trtllm");
  CHECK(rows.back()["hbm_used_fraction"].get<double>() > 0.9);
  CHECK(rows.back()["hbm_used_fraction"].get<double>() < 1.0);
  const json vllm = estimate_json({"--model", "70b", "--accelerator", "h100", "--chips", "8", "--engine", "vllm"});
  CHECK(vllm["inputs"]["engine"] == "vllm");
  CHECK(vllm["rows"].back()["hbm_used_fraction"].get<double>() <= 0.9);
}

TEST_CASE("an estimate lists its efficiency factors and their basis", "[cli][estimate]") {
  const json doc = estimate_json({"--model", "8b", "--accelerator", "v5e", "--chips", "4", "--batch", "8"});
  CHECK(assumption(doc, "estimate_basis")["value"] == "estimate");
  CHECK(assumption(doc, "efficiency_compute")["value"] == 0.5);
  CHECK(assumption(doc, "step_overhead_ms")["value"] == 8);
  CHECK(assumption(doc, "efficiency_memory")["source"].get<std::string>().find("tpu-v5e") != std::string::npos);
  CHECK(assumption(doc, "interconnect_gb_per_s_per_chip")["value"] == 200);
  CHECK(assumption(doc, "kv_read")["value"] == "ragged");
}

TEST_CASE("one batch gives one row whose best cell is empty", "[cli][estimate]") {
  const json doc = estimate_json({"--model", "8b", "--accelerator", "h100", "--chips", "1", "--batch", "32"});
  REQUIRE(doc["rows"].size() == 1);
  const auto& row = doc["rows"][0];
  CHECK(row["batch"] == 32);
  CHECK(row["best"].is_null());
  CHECK(row["step_ms"].get<double>() == Approx(row["tpot_ms"].get<double>()));
  CHECK(row["output_tokens_per_s"].get<double>() == Approx(32 / row["tpot_ms"].get<double>() * 1000).epsilon(1e-6));
  CHECK(doc["inputs"]["batch"] == 32);
}

TEST_CASE("concurrency means the same as batch and the two exclude each other", "[cli][estimate]") {
  const json by_batch = estimate_json({"--model", "8b", "--accelerator", "h100", "--chips", "1", "--batch", "16"});
  const json by_conc = estimate_json({"--model", "8b", "--accelerator", "h100", "--chips", "1", "--concurrency", "16"});
  CHECK(by_batch["rows"] == by_conc["rows"]);
  const auto both = estimate({"--model", "8b", "--accelerator", "h100", "--chips", "1", "--batch", "4", "--concurrency", "4"});
  CHECK(both.exit_code == 2);
  CHECK(both.err.rfind("tpuplan: error: ", 0) == 0);
}

TEST_CASE("an offering gives the accelerator and the chip count", "[cli][estimate]") {
  const json doc = estimate_json({"--model", "8b", "--offering", "v5e-8", "--batch", "4"});
  CHECK(doc["inputs"]["accelerator"] == "v5e");
  CHECK(doc["inputs"]["chips"] == 8);
  CHECK(doc["inputs"]["offering"].get<std::string>().rfind("v5e-8@", 0) == 0);
  const auto clash = estimate({"--model", "8b", "--offering", "v5e-8", "--chips", "4"});
  CHECK(clash.exit_code == 2);
}

TEST_CASE("a model that does not fit exits 3 saying how much memory is missing", "[cli][estimate]") {
  const auto r = estimate({"--model", "70b", "--accelerator", "v5e", "--chips", "8"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("tpuplan: error: the model does not fit: ", 0) == 0);
  CHECK(r.err.find("GiB missing") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("a batch beyond memory exits 3 naming how many sequences fit", "[cli][estimate]") {
  const auto r = estimate({"--model", "70b", "--accelerator", "h100", "--chips", "2", "--batch", "500"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("batch 500 does not fit: at most ") != std::string::npos);
}

TEST_CASE("bad values are one-line usage errors that suggest what is accepted", "[cli][estimate]") {
  const std::vector<std::string> base = {"--model", "8b", "--accelerator", "h100", "--chips", "1"};
  const auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return estimate(args);
  };
  const auto mode = with({"--mode", "statc"});
  CHECK(mode.exit_code == 2);
  CHECK(mode.err == "tpuplan: error: --mode: unknown value 'statc'; did you mean 'static'?\n");
  const auto read = with({"--kv-read", "paded"});
  CHECK(read.err == "tpuplan: error: --kv-read: unknown value 'paded'; did you mean 'padded'?\n");
  const auto eff = with({"--efficiency", "comput=0.5"});
  CHECK(eff.exit_code == 2);
  CHECK(eff.err == "tpuplan: error: --efficiency: unknown efficiency factor 'comput'; did you mean 'compute'?\n");
  const auto range = with({"--efficiency", "memory=1.2"});
  CHECK(range.err == "tpuplan: error: --efficiency: memory=1.2 is out of range; efficiencies are fractions in (0, 1]\n");
  const auto precision = with({"--precision", "fp9"});
  CHECK(precision.exit_code == 2);
  CHECK(precision.err.find("--precision: unknown precision 'fp9'") != std::string::npos);
  const auto zero = with({"--batch", "0"});
  CHECK(zero.err == "tpuplan: error: --batch: Value 0 not in range 1 to 1000000; see 'tpuplan estimate --help'\n");
  const auto cache = with({"--cache-tokens", "4096"});
  CHECK(cache.err == "tpuplan: error: --cache-tokens applies to --kv-read padded; add --kv-read padded\n");
  const auto accelerator = estimate({"--model", "8b", "--accelerator", "h10", "--chips", "1"});
  CHECK(accelerator.exit_code == 2);
  CHECK(accelerator.err.find("did you mean 'h100'?") != std::string::npos);
  const auto no_chips = estimate({"--model", "8b", "--accelerator", "h100"});
  CHECK(no_chips.exit_code == 2);
  CHECK(no_chips.err.find("--chips") != std::string::npos);
  const auto no_model = estimate({"--accelerator", "h100", "--chips", "1"});
  CHECK(no_model.exit_code == 2);
  CHECK(no_model.err.find("--model is required") != std::string::npos);
}

TEST_CASE("efficiency overrides appear in the assumptions and change the estimate", "[cli][estimate]") {
  const std::vector<std::string> args = {"--model", "8b", "--accelerator", "h100", "--chips", "1", "--batch", "64"};
  const json plain = estimate_json(args);
  auto slower_args = args;
  slower_args.insert(slower_args.end(), {"--efficiency", "memory=0.45,kv_memory=0.45,overhead_ms=0"});
  const json slower = estimate_json(slower_args);
  CHECK(assumption(slower, "efficiency_memory")["value"] == 0.45);
  CHECK(assumption(slower, "efficiency_memory")["source"].get<std::string>().find("overridden: memory=0.45,kv_memory=0.45,overhead_ms=0") !=
        std::string::npos);
  CHECK(assumption(slower, "efficiency_kv_memory")["value"] == 0.45);
  CHECK(slower["rows"][0]["overhead_ms"] == 0);
  CHECK(slower["rows"][0]["kv_read_ms"].get<double>() == Approx(2 * plain["rows"][0]["kv_read_ms"].get<double>()));
}

TEST_CASE("padded reads, static batches and a load are echoed and change the figures", "[cli][estimate]") {
  const std::vector<std::string> args = {"--model", "8b", "--accelerator", "v5e", "--chips", "8", "--batch", "32",
                                         "--input-tokens", "200", "--output-tokens", "200"};
  const json ragged = estimate_json(args);
  auto padded_args = args;
  padded_args.insert(padded_args.end(), {"--kv-read", "padded", "--cache-tokens", "2048"});
  const json padded = estimate_json(padded_args);
  CHECK(padded["inputs"]["kv_read"] == "padded");
  CHECK(padded["inputs"]["cache_tokens"] == 2048);
  CHECK(padded["rows"][0]["kv_read_ms"].get<double>() ==
        Approx(ragged["rows"][0]["kv_read_ms"].get<double>() * 2048 / 300));
  auto static_args = args;
  static_args.insert(static_args.end(), {"--mode", "static"});
  CHECK(estimate_json(static_args)["inputs"]["mode"] == "static");
  const double capacity = ragged["rows"][0]["requests_per_s"].get<double>();
  auto loaded_args = args;
  loaded_args.insert(loaded_args.end(), {"--load", std::to_string(capacity * 2)});
  const json overloaded = estimate_json(loaded_args);
  CHECK(overloaded["rows"][0]["ttft_ms"].is_null());
  CHECK(overloaded["rows"][0]["utilization"].get<double>() == Approx(2).epsilon(1e-3));
}

TEST_CASE("a TPOT limit picks the largest batch that meets it", "[cli][estimate]") {
  const json sweep = estimate_json({"--model", "70b", "--accelerator", "h100", "--chips", "8"});
  const double limit = sweep["rows"][3]["tpot_ms"].get<double>() + 0.001; // batch 8 just meets it
  const json doc = estimate_json({"--model", "70b", "--accelerator", "h100", "--chips", "8", "--tpot-ms",
                                  std::to_string(limit)});
  int best = 0;
  for (const auto& row : doc["rows"]) {
    if (row["best"] == true) {
      best = row["batch"];
      CHECK(row["tpot_ms"].get<double>() <= limit);
    }
  }
  CHECK(best >= 8);
  CHECK(best < 16);
}

TEST_CASE("explain shows the step-time arithmetic", "[cli][estimate]") {
  const auto r = estimate({"--model", "70b", "--accelerator", "h100", "--chips", "8", "--batch", "64", "--explain"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("KV read      = 64 × ") != std::string::npos);
  CHECK(r.out.find("all-reduce   = 160 × (8 µs") != std::string::npos);
  CHECK(r.out.find("step         = KV + linear + all-reduce + overhead") != std::string::npos);
  CHECK(r.out.find("TTFT = prefill") != std::string::npos);
}

TEST_CASE("fidelity lists every measured point against the shipped specs", "[cli][estimate]") {
  const json doc = estimate_json({"--fidelity"});
  CHECK(doc["inputs"]["fidelity"] == true);
  CHECK(doc["inputs"]["data"] == "embedded");
  int calibration = 0;
  for (const auto& row : doc["rows"]) {
    calibration += row["group"] == "calibration" ? 1 : 0;
    CHECK(row["error_pct"].get<double>() ==
          Approx((row["estimated"].get<double>() / row["measured"].get<double>() - 1) * 100).margin(1e-6));
  }
  CHECK(calibration == 59);
}
