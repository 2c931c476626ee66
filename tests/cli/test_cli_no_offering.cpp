// When the filters leave no offering, cost, size, breakeven and plan say why (exit 3): an
// accelerator without any priced offering (a preview chip, listed for its specifications),
// or filters that exclude every offering, with where the accelerator is offered.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace tpuplan::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

/// The fixture data with one more accelerator, a preview chip without offerings.
std::string data_with_preview_chip(const TempDir& dir) {
  const fs::path data = dir.path() / "data";
  fs::copy(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog", data, fs::copy_options::recursive);
  std::ofstream(data / "accelerators.yaml", std::ios::app) << R"(  - id: tpu7x
    name: TPU7x
    kind: tpu
    vendor: google
    family: tpu7x
    hbm_gib: 192
    hbm_tb_per_s: 7.37
    bf16_tflops: 2307
    interconnect: ICI 3D torus
    interconnect_gb_per_s: 600
    tensorcores_per_chip: 2
    chips_per_host: 4
    preview: true
    source: fixture-specs
)";
  return data.string();
}

} // namespace

TEST_CASE("an accelerator without a priced offering is named, not blamed on precision or context", "[cli][filters]") {
  TempDir dir;
  const std::string data = data_with_preview_chip(dir);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"cost", "--model", "8b", "--accelerator", "tpu7x"},
           {"size", "--model", "8b", "--accelerator", "tpu7x"},
           {"breakeven", "--hours", "8", "--accelerator", "tpu7x"},
           {"plan", "--model", "8b", "--accelerator", "tpu7x", "--load-curve",
            "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1"}}) {
    INFO(args.front());
    auto full = args;
    full.insert(full.end(), {"--data", data});
    const auto r = run_tpuplan(full);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Contains("tpuplan: error: tpu7x has no priced offering in the catalog (TPU7x is listed for its "
                               "specifications only: no public price was found, docs/data.md); 'tpuplan catalog show "
                               "tpu7x' lists its specifications"));
  }
  // In a list, the priced accelerators are compared and the unpriced one is left out.
  const auto both = run_tpuplan({"cost", "--model", "8b", "--accelerator", "v5e,tpu7x", "--data", data});
  CHECK(both.exit_code == 0);
}

TEST_CASE("filters that exclude every offering say where the accelerator is offered", "[cli][filters]") {
  const auto r = run_tpuplan(with_fixture_data({"cost", "--model", "8b", "--accelerator", "v5p", "--region",
                                                "europe-west4"}));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("tpuplan: error: no offering matches --accelerator v5p --region europe-west4; v5p is "
                             "offered in: gcp us-central1"));
  const auto kind = run_tpuplan(with_fixture_data({"size", "--model", "8b", "--kind", "tpu", "--cloud", "aws"}));
  CHECK(kind.exit_code == 3);
  CHECK_THAT(kind.err, Contains("no offering matches --kind tpu --cloud aws; remove a filter"));
  // An unknown value is still a usage error with a suggestion (exit 2).
  const auto typo = run_tpuplan(with_fixture_data({"cost", "--model", "8b", "--region", "europe-wset4"}));
  CHECK(typo.exit_code == 2);
}
