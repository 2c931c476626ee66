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
