// `tpuplan models` and `tpuplan models show` against the config.json fixtures in
// tests/data/hf/ (no data set needed for those).
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string k_hf = std::string(TPUPLAN_TEST_DATA_DIR) + "/hf/";

nlohmann::json run_json(const std::vector<std::string>& args) {
  auto full = args;
  full.insert(full.end(), {"--format", "json"});
  const auto r = run_tpuplan(full);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  return nlohmann::json::parse(r.out);
}

/// The `value` of the architecture row named `quantity`.
nlohmann::json quantity(const nlohmann::json& doc, const std::string& name) {
  for (const auto& row : doc["tables"]["architecture"]["rows"]) {
    if (row["quantity"] == name) {
      return row["value"];
    }
  }
  FAIL("no quantity " << name);
  return {};
}

} // namespace

TEST_CASE("models show reads a config.json and reports parameters, weights and KV bytes", "[cli][models]") {
  const auto doc = run_json({"models", "show", k_hf + "llama-3.1-8b.json"});
  CHECK(doc["schema"] == "tpuplan.models.show/v1");
  CHECK(doc["inputs"]["resolved_from"] == "config.json " + k_hf + "llama-3.1-8b.json");
  CHECK(doc["table"] == "architecture");
  CHECK(quantity(doc, "layers") == 32);
  CHECK(quantity(doc, "kv_heads") == 8);
  CHECK(quantity(doc, "params_total") == 8030261248LL);
  const auto& weights = doc["tables"]["weights"]["rows"];
  REQUIRE(weights.size() == 6);
  CHECK(weights[0]["precision"] == "bf16");
  CHECK(weights[0]["weight_bytes"] == 2 * 8030261248LL);
  CHECK(weights[3]["precision"] == "int4");
  CHECK(weights[3]["bits_per_weight"].get<double>() == Approx(4.125));
  CHECK(weights[4]["precision"] == "nvfp4");
  CHECK(weights[4]["bits_per_weight"].get<double>() == Approx(4.5));
  CHECK(weights[5]["precision"] == "mxfp4");
  CHECK(weights[5]["bits_per_weight"].get<double>() == Approx(4.25));
  const auto& kv = doc["tables"]["kv_cache"]["rows"];
  REQUIRE(kv.size() == 4); // bf16 and int8 at 8192 and at the max context 131072
  CHECK(kv[0]["kv_precision"] == "bf16");
  CHECK(kv[0]["context_tokens"] == 8192);
  CHECK(kv[0]["kv_bytes_per_token"] == 131072);
  CHECK(kv[0]["kv_gib_per_sequence"].get<double>() == Approx(1.0));
  CHECK(kv[1]["context_tokens"] == 131072);
  CHECK(kv[1]["kv_gib_per_sequence"].get<double>() == Approx(16.0));
  CHECK(kv[2]["kv_bytes_per_token"] == 65536);
  CHECK(kv[0]["kv_gib_per_sequence_no_window"].is_null());
  CHECK(kv[0]["kv_gib_per_sequence_mha_equivalent"].is_null());
}

TEST_CASE("models show gives the MLA cache and its uncompressed equivalent as CSV", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "deepseek-v3.json", "--format", "csv", "--table", "kv_cache"});
  REQUIRE(r.exit_code == 0);
  // 70,272 B/token at bf16; per-head K and V would be 61·128·(128+64+128)·2 = 4,997,120 B.
  CHECK_THAT(r.out, StartsWith("kv_precision,context_tokens,kv_bytes_per_token,kv_gib_per_sequence,"
                               "kv_gib_per_sequence_no_window,kv_gib_per_sequence_mha_equivalent\r\n"
                               "bf16,8192,70272,0.536132812,,38.125\r\n"));
}

TEST_CASE("models show applies the sliding window and shows what it saves", "[cli][models]") {
  const auto doc = run_json({"models", "show", k_hf + "gemma-2-27b.json", "--context", "32768"});
  CHECK(quantity(doc, "sliding_window_layers") == 23);
  const auto& kv = doc["tables"]["kv_cache"]["rows"];
  REQUIRE(kv.size() == 4);
  CHECK(kv[1]["context_tokens"] == 32768);
  // 23 global layers hold 32768 tokens, 23 local ones 4096: (32768 + 4096)/2 of 32768 per layer.
  CHECK(kv[1]["kv_gib_per_sequence"].get<double>() == Approx(376832.0 * (32768 + 4096) / 2 / (1 << 30)));
  CHECK(kv[1]["kv_gib_per_sequence_no_window"].get<double>() == Approx(376832.0 * 32768 / (1 << 30)));
  CHECK_THAT(doc["tables"]["kv_cache"]["notes"].dump(), Contains("32768 tokens exceeds the model's max context of 8192"));
}

TEST_CASE("models show of a config.json does not need the data set", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "mixtral-8x7b.json", "--data", "/nonexistent-tpuplan-data"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("experts_per_token"));
}

TEST_CASE("models show of a malformed config.json is one error line with file, line and column", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "broken-syntax.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, StartsWith("tpuplan: error: " + k_hf + "broken-syntax.json:4:3: malformed JSON: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("models show of a config.json without a layer count names the keys looked for", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "broken-no-layers.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: " + k_hf +
                     "broken-no-layers.json: no layer count (looked for num_hidden_layers, n_layer, n_layers, "
                     "num_layers)\n");
}

TEST_CASE("models show of a missing file or unknown name exits 2", "[cli][models]") {
  const auto missing = run_tpuplan({"models", "show", "no-such-config.json"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, StartsWith("tpuplan: error: model file 'no-such-config.json' not found"));
  const auto unknown = run_tpuplan({"models", "show", "70c"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, StartsWith("tpuplan: error: unknown model '70c'"));
}

TEST_CASE("models show rejects a context that is not a positive number", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "llama-3.1-8b.json", "--context", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: --context: 0 is not a positive number of tokens\n");
}

TEST_CASE("models show --explain prints the arithmetic with the model's numbers", "[cli][models]") {
  const auto r = run_tpuplan({"models", "show", k_hf + "llama-3.1-8b.json", "--explain"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("KV/token = 2 · L 32 · K 8 · h 128 · b = 131072 B at bf16"));
}

TEST_CASE("models lists the presets and size aliases of the data set", "[cli][models]") {
  const auto doc = run_json(with_fixture_data({"models"}));
  CHECK(doc["schema"] == "tpuplan.models/v1");
  const auto& presets = doc["tables"]["presets"]["rows"];
  REQUIRE(presets.size() == 5);
  CHECK(presets[1]["id"] == "llama-3.1-70b");
  CHECK(presets[1]["params_total_b"].get<double>() == Approx(70.55).epsilon(0.001));
  CHECK(presets[1]["kv_bytes_per_token_bf16"] == 327680);
  CHECK(presets[1]["max_context_tokens"] == 131072);
  CHECK(presets[1]["aliases"] == "70b, llama3.1-70b, llama-3.1-70b-instruct, llama3-70b");
  CHECK(presets[1]["sliding_window_tokens"].is_null());
  const auto& sizes = doc["tables"]["size_aliases"]["rows"];
  REQUIRE(sizes.size() == 3);
  CHECK(sizes[1]["alias"] == "70b");
  CHECK(sizes[1]["model_id"] == "llama-3.1-70b");
}

TEST_CASE("models show resolves a size alias and says so", "[cli][models]") {
  const auto doc = run_json(with_fixture_data({"models", "show", "70B"}));
  CHECK(doc["inputs"]["resolved_from"] == "alias 70b → llama-3.1-70b");
  CHECK(quantity(doc, "params_total") == 70553706496LL);
  CHECK(quantity(doc, "params_published_b") == 70.6);
  const auto& kv = doc["tables"]["kv_cache"]["rows"];
  CHECK(kv[0]["kv_bytes_per_token"] == 327680); // 320 KiB at bf16 (perfmodel §1.2)
}

TEST_CASE("models show suggests the closest name for an unknown model", "[cli][models]") {
  const auto r = run_tpuplan(with_fixture_data({"models", "show", "70c"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: unknown model '70c'; did you mean '70b'?\n");
}
