// validate_path: what an input is read as, and every problem it has.
#include <tpuplan/data/validate.hpp>

#include <catch2/catch.hpp>
#include <fstream>

using namespace tpuplan;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;

/// A reference data set with the accelerator the fixtures name and one GCP offering.
const DataSet& reference() {
  static const DataSet data = [] {
    DataSet d;
    Accelerator a;
    a.id = "a100-80gb";
    a.kind = AcceleratorKind::gpu;
    d.catalog.accelerators = {a};
    Offering o;
    o.id = "a2-ultragpu-8g@us-central1";
    o.name = "a2-ultragpu-8g";
    o.cloud = "gcp";
    o.region = "us-central1";
    o.accelerator = "a100-80gb";
    o.chips = 8;
    d.catalog.offerings = {o};
    d.origin = "test";
    return d;
  }();
  return data;
}

ValidationResult check(const std::string& path) {
  return validate_path(path, [] () -> const DataSet& { return reference(); });
}

std::vector<std::string> lines(const ValidationResult& v) {
  std::vector<std::string> out;
  for (const auto& p : v.problems) {
    out.push_back(p.to_string());
  }
  return out;
}

} // namespace

TEST_CASE("a clean price sheet is read as an offerings file and summarised", "[validate]") {
  const auto v = check(k_data + "/validate/price-sheet.yaml");
  CHECK(v.kind == "offerings file");
  CHECK(v.problems.empty());
  CHECK(v.checked == "1 offering");
}

TEST_CASE("every problem of a price sheet is listed with its place and key path", "[validate]") {
  const auto v = check(k_data + "/validate/broken-price-sheet.yaml");
  const std::string f = k_data + "/validate/broken-price-sheet.yaml";
  CHECK(v.kind == "offerings file");
  CHECK(v.checked.empty());
  CHECK(lines(v) == std::vector<std::string>{
                        f + ":5:18: offerings[0].accelerator: unknown accelerator 'a100-80g'",
                        f + ":10:9: offerings[0].regions.eastus.on-demand.as_of: missing key 'as_of' (a source "
                            "given as a URL needs a date)",
                        f + ":10:35: offerings[0].regions.eastus.on-demand.usd_per_hour: must be > 0, got -32.80",
                        f + ":11:79: offerings[0].regions.eastus.spot.as_of: expected a date YYYY-MM-DD or YYYY-MM, "
                            "got '2024-13-01'",
                        f + ":12:9: offerings[0].regions.eastus.reserved: unknown key 'reserved'",
                    });
  CHECK(v.problems[0].hint == "did you mean 'a100-80gb'?");
}

TEST_CASE("a config file is checked against the reference catalog", "[validate]") {
  const auto v = check(k_data + "/validate/broken-config.yaml");
  CHECK(v.kind == "config file");
  REQUIRE(v.problems.size() == 6);
  CHECK(v.problems[0].key_path == "backends[0].endpoint");
  CHECK(v.problems[4].message == "unknown cloud 'azure'");
  CHECK(v.problems[4].hint == "accepted: gcp");
  CHECK(v.problems[5].key_path == "discounts[0].sorce");
}

TEST_CASE("the example config is clean against a catalog with its accelerator and cloud", "[validate]") {
  const auto v = check(std::string(TPUPLAN_SOURCE_DIR) + "/examples/config.yaml");
  INFO(Catch::Detail::stringify(lines(v)));
  CHECK(v.kind == "config file");
  CHECK(v.problems.empty());
  CHECK(v.checked == "1 extra offering, 0 price overrides, 1 discount, 1 backend");
}

TEST_CASE("a Hugging Face config.json is validated with every problem", "[validate]") {
  const auto clean = check(k_data + "/hf/llama-3.1-8b.json");
  CHECK(clean.kind == "model config.json");
  CHECK(clean.problems.empty());
  CHECK(clean.checked == "model llama-3.1-8b: 32 layers, 8.03B parameters (8.03B active), 131072 B of bf16 KV per token");
  const auto broken = check(k_data + "/hf/broken-many.json");
  REQUIRE(broken.problems.size() == 5);
  CHECK(broken.problems[0].line == 5);
  CHECK(broken.problems[0].column == 24);
  CHECK(broken.problems[0].key_path == "num_hidden_layers");
  CHECK(broken.problems[1].line == 0); // a missing key has no place in the file
}

TEST_CASE("a Hugging Face snapshot directory is validated through its config.json", "[validate]") {
  const auto dir = std::filesystem::temp_directory_path() / "tpuplan-test-snapshot";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(k_data + "/hf/mixtral-8x7b.json", dir / "config.json",
                             std::filesystem::copy_options::overwrite_existing);
  const auto v = check(dir.string());
  std::filesystem::remove_all(dir);
  CHECK(v.kind == "model config.json");
  CHECK(v.problems.empty());
}

TEST_CASE("a data directory lists the problems of all its files", "[validate]") {
  const auto dir = std::filesystem::temp_directory_path() / "tpuplan-test-datadir";
  std::filesystem::create_directories(dir / "offerings");
  std::ofstream(dir / "sources.yaml") << "version: 1\nsources: {}\n";
  const auto v = check(dir.string());
  std::filesystem::remove_all(dir);
  CHECK(v.kind == "data directory");
  const auto l = lines(v);
  CHECK(std::find(l.begin(), l.end(), (dir / "accelerators.yaml").string() + ": no such file") != l.end());
  CHECK(std::find(l.begin(), l.end(), (dir / "models.yaml").string() + ": no such file") != l.end());
  CHECK(std::find(l.begin(), l.end(), (dir / "offerings").string() + ": no offerings: expected offerings/*.yaml files") !=
        l.end());
}

TEST_CASE("a YAML file of unknown shape and a YAML syntax error are problems", "[validate]") {
  const auto unknown = check(k_data + "/validate/unknown-kind.yaml");
  REQUIRE(unknown.problems.size() == 1);
  CHECK(unknown.problems[0].message == "cannot tell what this file is");
  const auto syntax = check(k_data + "/validate/broken-yaml.yaml");
  REQUIRE(syntax.problems.size() == 1);
  CHECK_THAT(syntax.problems[0].to_string(), StartsWith(k_data + "/validate/broken-yaml.yaml:3:4: YAML syntax error"));
}

TEST_CASE("a missing path is one problem", "[validate]") {
  const auto v = check("/nonexistent/tpuplan.yaml");
  REQUIRE(v.problems.size() == 1);
  CHECK(v.problems[0].to_string() == "/nonexistent/tpuplan.yaml: no such file or directory");
}

TEST_CASE("the reference data set is loaded only when the input needs it", "[validate]") {
  bool loaded = false;
  const auto v = validate_path(k_data + "/hf/llama-3.1-8b.json", [&]() -> const DataSet& {
    loaded = true;
    return reference();
  });
  CHECK(v.problems.empty());
  CHECK_FALSE(loaded);
}
