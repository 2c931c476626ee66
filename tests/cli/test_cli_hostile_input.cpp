// Hostile input never crashes: inputs that used to end in a stack overflow, an uncaught
// library exception or an undefined conversion are clean one-line errors with exit 2.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

using namespace tpuplan::test;

namespace {

bool one_clean_line(const ProcessResult& r) {
  return r.err.rfind("tpuplan: error: ", 0) == 0 && std::count(r.err.begin(), r.err.end(), '\n') == 1 &&
         r.err.find("internal error") == std::string::npos;
}

} // namespace

TEST_CASE("a config.json nested 100,000 deep is refused, not a stack overflow", "[cli][hostile]") {
  TempDir dir;
  {
    std::ofstream f(dir.file("config.json"));
    f << R"({"architectures": ["LlamaForCausalLM"], "x": )" << std::string(100000, '[') << std::string(100000, ']') << "}";
  }
  for (const auto& args : std::vector<std::vector<std::string>>{{"models", "show", dir.file("config.json")},
                                                                {"validate", dir.file("config.json")}}) {
    const auto r = run_tpuplan(with_fixture_data(args));
    INFO(args[0] << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_clean_line(r));
    CHECK((r.out + r.err).find("config.json:1:301") != std::string::npos); // the 257th bracket
    CHECK((r.out + r.err).find("JSON nested deeper than 256 levels") != std::string::npos);
  }
}

TEST_CASE("a JSON number beyond a double's range is an input error naming it", "[cli][hostile]") {
  TempDir dir;
  std::ofstream(dir.file("config.json")) << "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"hidden_size\": 1e400\n}\n";
  for (const auto& args : std::vector<std::vector<std::string>>{{"models", "show", dir.file("config.json")},
                                                                {"validate", dir.file("config.json")}}) {
    const auto r = run_tpuplan(with_fixture_data(args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_clean_line(r));
    CHECK((r.out + r.err).find("config.json:3:18") != std::string::npos);
    CHECK((r.out + r.err).find("number 1e400 is out of range") != std::string::npos);
  }
  // A bench profile too.
  std::ofstream(dir.file("p.json")) << R"({"schema": "tpuplan.bench/v1", "tool_version": 1e400})";
  const auto p = run_tpuplan(with_fixture_data({"cost", "--model", "llama-3.1-8b", "--measured", dir.file("p.json")}));
  INFO(p.err);
  CHECK(p.exit_code == 2);
  CHECK(one_clean_line(p));
  CHECK(p.err.find("p.json:1:48: number 1e400 is out of range") != std::string::npos);
}

TEST_CASE("a --buy sheet with a list or a map as a key is an input error with its place", "[cli][hostile]") {
  TempDir dir;
  std::ofstream(dir.file("buy.yaml")) << "machines:\n  - id: x\n    ? [a, b]\n    : 1\n";
  const auto r = run_tpuplan({"breakeven", "--data", TPUPLAN_TEST_DATA_DIR "/breakeven", "--buy", dir.file("buy.yaml")});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(one_clean_line(r));
  CHECK(r.err.find("buy.yaml:3:7: machines[0]: a key must be text, not a list or a map") != std::string::npos);
}

TEST_CASE("integer flags are range-checked before narrowing, naming the value, the flag and the range",
          "[cli][hostile]") {
  const std::string nowhere = "http://127.0.0.1:9";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"bench", "--endpoint", nowhere, "--concurrency", "4294967297"},
       "--concurrency: '4294967297' is out of range; accepted: 1 to 100000"},
      {{"bench", "--endpoint", nowhere, "--concurrency", "3000000000"},
       "--concurrency: '3000000000' is out of range; accepted: 1 to 100000"},
      {{"bench", "--endpoint", nowhere, "--output-tokens", "3000000000"},
       "--output-tokens: '3000000000' is out of range; accepted: 1 to 10000000"},
      {{"bench", "--endpoint", nowhere, "--accelerator", "h100", "--chips", "4294967304"},
       "--chips: '4294967304' is out of range; accepted: 1 to 100000"},
      {{"bench", "--endpoint", nowhere, "--repeat", "500"}, "--repeat: '500' is out of range; accepted: 1 to 100"},
      {{"bench", "--endpoint", nowhere, "--timeout", "nan"}, "--timeout: 'nan' is not a positive number; accepted: more than 0 up to 86400"},
      {{"bench", "--endpoint", nowhere, "--idle-timeout", "1e300"}, "--idle-timeout: '1e300' is out of range; accepted: more than 0 up to 86400"},
      {{"size", "--model", "llama-3.1-8b", "--concurrency", "2147483647"},
       "--concurrency: 2147483647 is out of range; accepted: 1 to 1000000 sequences in flight"},
      {{"cost", "--model", "llama-3.1-8b", "--rate", "1e308"},
       "--rate: 1e+308 is out of range; accepted: more than 0 up to 1000000 requests per second"},
      {{"estimate", "--model", "llama-3.1-8b", "--accelerator", "h100", "--chips", "4294967304"},
       "--chips: Value 4294967304 not in range 1 to 100000"},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = run_tpuplan(with_fixture_data(args));
    INFO(args[0] << " " << args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_clean_line(r));
    CHECK(r.err.find(expected) != std::string::npos);
  }
}

TEST_CASE("a backend timeout that is not a number or beyond a day is a problem of the config", "[cli][hostile]") {
  TempDir dir;
  for (const auto& [value, expected] : std::vector<std::pair<std::string, std::string>>{
           {"nans", "expected a positive duration with a unit, got 'nans'"},
           {"1e300h", "'1e300h' is out of range"}}) {
    std::ofstream(dir.file("c.yaml")) << "version: 1\nbackends:\n  - name: a\n    type: gpu\n    endpoint: http://127.0.0.1:1\n"
                                      << "    timeout: " << value << "\n";
    const auto r = run_tpuplan(with_fixture_data({"health", "--config", dir.file("c.yaml")}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expected) != std::string::npos);
  }
  const auto h = run_tpuplan({"health", "--config", TPUPLAN_TEST_DATA_DIR "/config/health.yaml", "--timeout", "1e300"});
  CHECK(h.exit_code == 2);
  CHECK(h.err.find("accepted: more than 0 up to 86400") != std::string::npos);
}

TEST_CASE("a second YAML document in a config, a catalog file or a --buy sheet is an input error at its start",
          "[cli][hostile]") {
  TempDir dir;
  // A config the fast parser reads up to the '---', and one only yaml-cpp reads (a tag).
  for (const std::string& first : {std::string("version: 1\n"), std::string("version: !!int 1\n")}) {
    std::ofstream(dir.file("c.yaml")) << first << "discounts:\n  - {cloud: gcp, tier: 1y, fraction: 0.1, source: x}\n"
                                      << "---\ndiscounts: []\n";
    const auto r = run_tpuplan(with_fixture_data({"--config", dir.file("c.yaml"), "cost", "--model", "llama-3.1-8b"}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(one_clean_line(r));
    CHECK(r.err.find("c.yaml:4:1: a second YAML document starts here") != std::string::npos);
  }
  // A catalog file given with --data.
  const std::filesystem::path data = dir.path() / "data";
  std::filesystem::copy(TPUPLAN_TEST_DATA_DIR "/catalog", data, std::filesystem::copy_options::recursive);
  const std::string accelerators = slurp((data / "accelerators.yaml").string());
  const auto lines = std::count(accelerators.begin(), accelerators.end(), '\n');
  std::ofstream(data / "accelerators.yaml", std::ios::app) << "---\naccelerators: []\n";
  const auto c = run_tpuplan({"--data", data.string(), "cost", "--model", "llama-3.1-8b"});
  INFO(c.err);
  CHECK(c.exit_code == 2);
  CHECK(c.err.find("accelerators.yaml:" + std::to_string(lines + 1) + ":1: a second YAML document starts here") !=
        std::string::npos);
  // A --buy sheet (read with yaml-cpp alone), after an end marker.
  std::ofstream(dir.file("buy.yaml")) << slurp(TPUPLAN_TEST_DATA_DIR "/breakeven/buy.yaml") << "...\nmachines: []\n";
  const auto b = run_tpuplan({"breakeven", "--data", TPUPLAN_TEST_DATA_DIR "/breakeven", "--buy", dir.file("buy.yaml")});
  INFO(b.err);
  CHECK(b.exit_code == 2);
  CHECK(one_clean_line(b));
  CHECK(b.err.find("buy.yaml:") != std::string::npos);
  CHECK(b.err.find(": a second YAML document starts here") != std::string::npos);
}

TEST_CASE("YAML nested deeper than 64 levels is refused with its place, not a syntax error or a stack overflow",
          "[cli][hostile]") {
  TempDir dir;
  const std::string message = "YAML nested deeper than 64 levels (mappings and lists inside each other)";
  // Block mappings (the fast parser's), 100,000 flow lists, and a tagged file (yaml-cpp's).
  std::string block = "version: 1\n";
  for (int i = 0; i < 70; ++i) {
    block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  }
  const std::vector<std::pair<std::string, std::string>> texts = {
      {block, "c.yaml:66:129: " + message},
      {"version: 1\nx: " + std::string(100000, '[') + std::string(100000, ']') + "\n", "c.yaml:2:67: " + message},
      {"version: !!int 1\nx: " + std::string(70, '[') + std::string(70, ']') + "\n", "c.yaml:2:67: " + message}};
  for (const auto& [text, expected] : texts) {
    std::ofstream(dir.file("c.yaml")) << text;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--config", dir.file("c.yaml"), "cost", "--model", "llama-3.1-8b"}, {"validate", dir.file("c.yaml")}}) {
      const auto r = run_tpuplan(with_fixture_data(args));
      INFO(args[0] << ": " << r.err << r.out);
      CHECK(r.exit_code == 2);
      // validate lists the problem in a table (place and message in columns of their own).
      const std::string place = expected.substr(0, expected.find(": "));
      CHECK((r.out + r.err).find(args[0] == "validate" ? place : expected) != std::string::npos);
      CHECK((r.out + r.err).find("YAML nested deeper than 64 levels") != std::string::npos);
      CHECK((r.out + r.err).find("bad file") == std::string::npos);
    }
  }
  std::ofstream(dir.file("buy.yaml")) << "machines:\n  - " << std::string(100000, '[') << std::string(100000, ']') << "\n";
  const auto b = run_tpuplan({"breakeven", "--data", TPUPLAN_TEST_DATA_DIR "/breakeven", "--buy", dir.file("buy.yaml")});
  INFO(b.err);
  CHECK(b.exit_code == 2);
  CHECK(one_clean_line(b));
  CHECK(b.err.find("buy.yaml:2:67: " + message) != std::string::npos);
}

TEST_CASE("a config.json's sizes are bounded per quantity: no endless layer loop, no int overflow", "[cli][hostile]") {
  TempDir dir;
  const std::string moe = slurp(TPUPLAN_TEST_DATA_DIR "/hf/mixtral-8x7b.json");
  const std::string mla = slurp(TPUPLAN_TEST_DATA_DIR "/hf/deepseek-v3.json");
  const auto with = [](std::string text, const std::string& key, const std::string& value) {
    const auto at = text.find("\"" + key + "\"");
    REQUIRE(at != std::string::npos);
    const auto colon = text.find(':', at);
    const auto end = text.find_first_of(",}\n", colon);
    return text.replace(colon + 1, end - colon - 1, " " + value);
  };
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      // 2^31 − 1 MoE layers looped for half a minute; head_dim = 2^31 − 1 + 200 was negative.
      {with(moe, "num_hidden_layers", "2147483647"),
       "num_hidden_layers: 2147483647 is out of range for the layer count (accepted: 1 to 10000)", ""},
      {with(mla, "qk_nope_head_dim", "2147483647"),
       "qk_nope_head_dim: 2147483647 is out of range for the non-RoPE query/key head dimension (accepted: 1 to 16777216)",
       ""},
      {with(moe, "num_local_experts", "2147483647"),
       "num_local_experts: 2147483647 is out of range for the expert count (accepted: 0 to 65536)", ""},
  };
  for (const auto& [text, expected, unused] : cases) {
    std::ofstream(dir.file("config.json")) << text;
    for (const auto& args : std::vector<std::vector<std::string>>{{"models", "show", dir.file("config.json")},
                                                                  {"validate", dir.file("config.json")}}) {
      const auto r = run_tpuplan(with_fixture_data(args));
      INFO(args[0] << ": " << r.err << r.out);
      CHECK(r.exit_code == 2);
      CHECK((r.out + r.err).find("2147483647 is out of range") != std::string::npos); // validate: in a table
      if (args[0] == "models") {
        CHECK(one_clean_line(r));
        CHECK(r.err.find(expected) != std::string::npos);
      }
    }
  }
  // Every size at its bound: huge, but positive and whole (it was −9,223,372,036,854,775,808).
  std::string big = mla;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"num_hidden_layers", "10000"}, {"n_routed_experts", "65536"}, {"num_experts_per_tok", "65536"},
           {"moe_intermediate_size", "16777216"}, {"qk_nope_head_dim", "16777216"}, {"qk_rope_head_dim", "16777216"},
           {"kv_lora_rank", "16777216"}, {"n_shared_experts", "65536"}}) {
    big = with(big, key, value);
  }
  std::ofstream(dir.file("config.json")) << big;
  const auto r = run_tpuplan(with_fixture_data({"models", "show", dir.file("config.json"), "--format", "csv"}));
  INFO(r.err << r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(",-") == std::string::npos); // no negative figure anywhere
  CHECK(r.out.find("head_dim,h,33554432") != std::string::npos);
}

TEST_CASE("a bench profile's figures are range-checked: no negative throughput or latency, no narrowed count",
          "[cli][hostile]") {
  // A negative throughput used to give a negative $/1M tokens and a measured ÷ estimate of
  // -0.59; a negative TPOT "met" the --tpot-ms target; a concurrency of 2^40 was cast to int.
  TempDir dir;
  const auto original = nlohmann::json::parse(slurp(TPUPLAN_TEST_DATA_DIR "/profiles/fake-h100-llama-3.1-8b.json"));
  using Edit = void (*)(nlohmann::json&);
  const std::vector<std::tuple<Edit, std::string, std::string>> cases = {
      {[](nlohmann::json& p) { p["levels"][0]["throughput"]["output_tokens_per_s"] = -81.5; },
       "levels[0].throughput.output_tokens_per_s: -81.5 is out of range; accepted: 0 to 1e+15", ""},
      {[](nlohmann::json& p) { p["levels"][1]["latency_ms"]["tpot"]["p90"] = -11.8; },
       "levels[1].latency_ms.tpot.p90: -11.8 is out of range; accepted: 0 to 1e+15", "--tpot-ms"},
      {[](nlohmann::json& p) { p["levels"][0]["concurrency"] = std::int64_t{1} << 40; },
       "levels[0].concurrency: 1099511627776 is out of range; accepted: 1 to 100000", ""},
      {[](nlohmann::json& p) { p["levels"][0]["error_rate"] = 1.5; },
       "levels[0].error_rate: 1.5 is out of range; accepted: 0 to 1", ""},
      {[](nlohmann::json& p) { p["workload"]["output_tokens"] = 3000000000LL; },
       "workload.output_tokens: 3000000000 is out of range; accepted: 0 to 10000000", ""},
      {[](nlohmann::json& p) { p["levels"][0]["requests"]["sent"] = 18446744073709551615ULL; },
       "levels[0].requests.sent: 18446744073709551615 is out of range; accepted: at most 9007199254740992", ""},
      {[](nlohmann::json& p) { p["chips"] = 4294967304LL; }, "chips: 4294967304 is out of range; accepted: 1 to 100000",
       ""},
      {[](nlohmann::json& p) {
         const auto level = p["levels"][0];
         p["levels"] = nlohmann::json::array();
         for (int i = 0; i < 257; ++i) {
           p["levels"].push_back(level);
         }
       },
       "levels: 257 levels; accepted: at most 256", ""},
  };
  for (const auto& [edit, expected, flag] : cases) {
    auto p = original;
    edit(p);
    std::ofstream(dir.file("p.json")) << p.dump();
    std::vector<std::string> args = {"cost", "--model", "llama-3.1-8b", "--measured", dir.file("p.json")};
    if (!flag.empty()) {
      args.insert(args.end(), {flag, "50"});
    }
    for (const auto& run : {args, std::vector<std::string>{"estimate", "--model", "llama-3.1-8b", "--calibrate",
                                                           dir.file("p.json")}}) {
      const auto r = run_tpuplan(with_fixture_data(run));
      INFO(run[0] << ": " << r.err);
      CHECK(r.exit_code == 2);
      CHECK(one_clean_line(r));
      CHECK(r.err.find("p.json: " + expected) != std::string::npos);
    }
  }
  // The untouched profile still reads (the ranges hold every figure bench writes).
  std::ofstream(dir.file("p.json")) << original.dump();
  CHECK(run_tpuplan(with_fixture_data({"cost", "--model", "llama-3.1-8b", "--measured", dir.file("p.json")})).exit_code == 0);
}

TEST_CASE("bench takes at most as many load levels as a profile holds", "[cli][hostile]") {
  std::string list = "1";
  for (int i = 2; i <= 257; ++i) {
    list += "," + std::to_string(i);
  }
  const auto r = run_tpuplan({"bench", "--endpoint", "http://127.0.0.1:1", "--api", "openai-chat", "--model", "m",
                              "--concurrency", list});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(one_clean_line(r));
  CHECK(r.err.find("--concurrency: 257 levels is out of range; accepted: 1 to 256 values in one run") != std::string::npos);
}
