// Resolving --model arguments against a hand-built registry.
#include <tpuplan/error.hpp>
#include <tpuplan/model/model.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

ModelRegistry registry() {
  ModelRegistry r;
  ModelSpec a;
  a.id = "llama-3.1-70b";
  a.name = "Llama-3.1-70B";
  a.aliases = {"meta-llama/Llama-3.1-70B-Instruct"};
  ModelSpec b;
  b.id = "llama-3.1-8b";
  b.name = "Llama-3.1-8B";
  r.presets = {a, b};
  r.size_aliases = {{"70b", "llama-3.1-70b"}, {"8b", "llama-3.1-8b"}, {"13b", "llama-2-13b"}};
  return r;
}

Error resolve_error(std::string_view name, const ModelRegistry& r = registry()) {
  try {
    (void)resolve_model(name, r);
  } catch (const Error& e) {
    return e;
  }
  FAIL("no error for " << name);
  return Error(ErrorKind::runtime, "");
}

} // namespace

TEST_CASE("a preset id resolves case-insensitively", "[model_resolve]") {
  const auto r = resolve_model("Llama-3.1-70B", registry());
  CHECK(r.spec.id == "llama-3.1-70b");
  CHECK(r.resolved_from == "preset");
}

TEST_CASE("a preset alias resolves and says which preset it stands for", "[model_resolve]") {
  const auto r = resolve_model("meta-llama/llama-3.1-70b-instruct", registry());
  // Contains a '/', but names no existing file: a hub id is an alias, not a path.
  CHECK(r.spec.id == "llama-3.1-70b");
  CHECK(r.resolved_from == "alias meta-llama/Llama-3.1-70B-Instruct → llama-3.1-70b");
}

TEST_CASE("a size alias resolves to its preset and says so", "[model_resolve]") {
  const auto r = resolve_model("70B", registry());
  CHECK(r.spec.id == "llama-3.1-70b");
  CHECK(r.resolved_from == "alias 70b → llama-3.1-70b");
}

TEST_CASE("an unknown model is a usage error with a suggestion", "[model_resolve]") {
  const auto e = resolve_error("70c");
  CHECK(e.kind() == ErrorKind::usage);
  CHECK(std::string(e.what()) == "unknown model '70c'");
  CHECK(e.hint() == "did you mean '70b'?");
}

TEST_CASE("a size alias whose preset is missing is an input error", "[model_resolve]") {
  const auto e = resolve_error("13b");
  CHECK(e.kind() == ErrorKind::input);
  CHECK(std::string(e.what()) == "size alias '13b' stands for model 'llama-2-13b', which has no preset");
}

TEST_CASE("a path to a config.json is imported", "[model_resolve]") {
  const std::string path = std::string(TPUPLAN_TEST_DATA_DIR) + "/hf/mixtral-8x7b.json";
  const auto r = resolve_model(path, registry());
  CHECK(r.spec.id == "mixtral-8x7b");
  CHECK(r.spec.experts == 8);
  CHECK(r.resolved_from == "config.json " + path);
}

TEST_CASE("a directory holding config.json is imported", "[model_resolve]") {
  const auto dir = std::filesystem::temp_directory_path() / "tpuplan-test-Mixtral-8x7B";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(std::string(TPUPLAN_TEST_DATA_DIR) + "/hf/mixtral-8x7b.json", dir / "config.json",
                             std::filesystem::copy_options::overwrite_existing);
  REQUIRE(names_model_file(dir.string()));
  const auto r = resolve_model(dir.string(), registry());
  CHECK(r.spec.id == "tpuplan-test-mixtral-8x7b");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a .json argument that does not exist is a usage error", "[model_resolve]") {
  const auto e = resolve_error("no-such-model.json");
  CHECK(e.kind() == ErrorKind::usage);
  CHECK(std::string(e.what()) == "model file 'no-such-model.json' not found");
}

TEST_CASE("names_model_file tells file arguments from preset names", "[model_resolve]") {
  CHECK(names_model_file("config.json"));
  CHECK(names_model_file(TPUPLAN_TEST_DATA_DIR));
  CHECK_FALSE(names_model_file("no/such/dir"));
  CHECK(names_model_file("CONFIG.JSON"));
  CHECK_FALSE(names_model_file("70b"));
  CHECK_FALSE(names_model_file("llama-3.1-70b"));
}

namespace {

ModelRegistry seventy() {
  ModelRegistry r;
  for (const char* id : {"llama-2-7b", "llama-2-70b", "llama-3.1-8b", "llama-3.1-70b", "qwen2.5-72b", "mixtral-8x7b",
                         "gemma-2-9b"}) {
    ModelSpec m;
    m.id = id;
    r.presets.push_back(m);
  }
  r.presets[1].aliases = {"llama2-70b"};
  r.size_aliases = {{"7b", "llama-2-7b"}, {"70b", "llama-3.1-70b"}};
  return r;
}

} // namespace

TEST_CASE("a bare size suggests the models of that size, the size alias's first", "[model_resolve]") {
  CHECK(resolve_error("70", seventy()).hint() == "did you mean 'llama-3.1-70b' or 'llama-2-70b'?");
  CHECK(resolve_error("72B", seventy()).hint() == "did you mean 'qwen2.5-72b'?");
}

TEST_CASE("a family and a size suggest that family's models of that size", "[model_resolve]") {
  // Not "llama2-70b", the closest spelling: every llama of 70B.
  CHECK(resolve_error("lama-70b", seventy()).hint() == "did you mean 'llama-3.1-70b' or 'llama-2-70b'?");
  CHECK(resolve_error("gema-9b", seventy()).hint() == "did you mean 'gemma-2-9b'?");
}

TEST_CASE("a family alone, or a size no model has, falls back to spelling then family", "[model_resolve]") {
  CHECK(resolve_error("llama-3.1-71b", seventy()).hint() == "did you mean 'llama-3.1-70b'?");
  CHECK(resolve_error("qwn", seventy()).hint() == "did you mean 'qwen2.5-72b'?");
  CHECK(resolve_error("70c", seventy()).hint() == "did you mean '70b'?");
}
