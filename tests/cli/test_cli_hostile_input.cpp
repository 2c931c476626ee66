// Hostile input never crashes: inputs that used to end in a stack overflow, an uncaught
// library exception or an undefined conversion are clean one-line errors with exit 2.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

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
