// Measured throughput from profiles: which level speaks for the offering, the hardware and
// model checks, and what gets flagged.
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/perf/measured.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

const DataSet& fixture() {
  static const DataSet data = load_dataset_dir(TPUPLAN_TEST_DATA_DIR "/catalog");
  return data;
}

Distribution dist(double p50, double p90, double mean) {
  Distribution d;
  d.count = 10;
  d.mean = mean;
  d.p50 = p50;
  d.p90 = p90;
  d.p95 = p90;
  d.p99 = p90;
  return d;
}

LevelResult level(int concurrency, double tokens_per_s, double ttft_p90, double tpot_p90) {
  LevelResult l;
  l.load.mode = LoadMode::concurrency;
  l.load.concurrency = concurrency;
  l.requests_sent = l.requests_ok = 100;
  l.output_tokens_per_s = tokens_per_s;
  l.request_rps = tokens_per_s / 100;
  l.mean_in_flight = concurrency;
  l.ttft_ms = dist(ttft_p90 / 2, ttft_p90, ttft_p90 / 2);
  l.tpot_ms = dist(tpot_p90 * 0.9, tpot_p90, tpot_p90 * 0.9);
  l.input_tokens_per_request = dist(1000, 1000, 1000);
  l.output_tokens_per_request = dist(100, 100, 100);
  l.output_tokens_source = TokenSource::server;
  return l;
}

Profile profile() {
  Profile p;
  p.model = "meta-llama/Llama-3.1-8B-Instruct";
  p.offering = "v5e-8@us-central1";
  p.accelerator = "v5e";
  p.chips = 8;
  p.workload.output_tokens = 100;
  p.levels = {level(1, 100, 80, 10), level(8, 700, 150, 12), level(32, 2000, 900, 30)};
  return p;
}

MeasuredThroughput measure(const Profile& p, MeasuredOptions options = {}) {
  return measured_throughput(p, "v5e.json", profiled_hardware(p, "v5e.json", fixture().catalog), options);
}

} // namespace

TEST_CASE("measured throughput without an SLO is the level with the highest output throughput", "[measured]") {
  const auto m = measure(profile());
  REQUIRE(m.found);
  CHECK(m.level == 2);
  CHECK(m.level_label == "concurrency 32");
  CHECK(m.output_tokens_per_s == 2000);
  CHECK(m.concurrency == 32);
  CHECK(m.file == "v5e.json");
  CHECK(m.offering_name == "v5e-8");
  CHECK(m.accelerator == "v5e");
  CHECK(m.chips == 8);
  CHECK(m.selection.find("no SLO") != std::string::npos);
  CHECK(m.flags.empty());
}

TEST_CASE("measured throughput takes the best level meeting the profile's SLO at p90", "[measured]") {
  Profile p = profile();
  p.workload.slo.ttft_ms = 500;
  const auto m = measure(p);
  REQUIRE(m.found);
  CHECK(m.level == 1); // concurrency 32 has a TTFT p90 of 900 ms
  CHECK(m.ttft_ms == Approx(150));
  CHECK(m.tpot_ms == Approx(12));
  CHECK(m.selection.find("TTFT p90 ≤ 500 ms") != std::string::npos);
}

TEST_CASE("flags override the profile's SLO, and the percentile is selectable", "[measured]") {
  Profile p = profile();
  p.workload.slo.ttft_ms = 500;
  MeasuredOptions o;
  o.slo.ttft_ms = 1000;
  CHECK(measure(p, o).level == 2);
  o.slo.ttft_ms = 100;
  o.percentile = SloPercentile::p50; // p50 TTFT is half the p90 here: 40, 75, 450
  CHECK(measure(p, o).level == 1);
  o.slo.tpot_ms = 11; // p50 TPOT: 9, 10.8, 27
  CHECK(measure(p, o).level == 1);
}

TEST_CASE("no level meeting the SLO gives no figure and says how close the best came", "[measured]") {
  MeasuredOptions o;
  o.slo.tpot_ms = 5;
  const auto m = measure(profile(), o);
  CHECK_FALSE(m.found);
  CHECK(m.selection.find("no level meets TPOT p90 ≤ 5 ms") != std::string::npos);
  CHECK(m.selection.find("concurrency 32") != std::string::npos);
  CHECK(m.selection.find("TPOT p90 30.0 ms > 5") != std::string::npos);
}

TEST_CASE("clean levels win over faster levels with many failed requests, which are flagged when chosen", "[measured]") {
  Profile p = profile();
  p.levels[2].requests_failed = 30;
  p.levels[2].error_rate = 0.3;
  auto m = measure(p);
  CHECK(m.level == 1);
  CHECK(m.flags.empty());
  p.levels[0].partial = p.levels[1].partial = true;
  p.partial = true;
  m = measure(p);
  CHECK(m.level == 2); // every level is flagged: the fastest
  REQUIRE(m.flags.size() == 2);
  CHECK(m.flags[0] == "partial run (interrupted)");
  CHECK(m.flags[1] == "30.0% of requests failed at concurrency 32");
}

TEST_CASE("a profile without successful requests is refused with its file name", "[measured]") {
  Profile p = profile();
  for (auto& l : p.levels) {
    l.requests_ok = 0;
  }
  CHECK_THROWS_WITH(measure(p), Catch::Contains("v5e.json: no level of the profile has a successful request"));
}

TEST_CASE("profiled hardware comes from the offering, else the accelerator and chips", "[measured]") {
  Profile p = profile();
  auto hw = profiled_hardware(p, "f.json", fixture().catalog);
  REQUIRE(hw.offering != nullptr);
  CHECK(hw.offering->id == "v5e-8@us-central1");
  p.offering = "v5e-8@mars-1"; // a region this catalog lacks: the name still says the hardware
  hw = profiled_hardware(p, "f.json", fixture().catalog);
  REQUIRE(hw.offering != nullptr);
  CHECK(hw.offering->name == "v5e-8");
  p.offering.clear();
  hw = profiled_hardware(p, "f.json", fixture().catalog);
  CHECK(hw.offering == nullptr);
  CHECK(hw.accelerator->id == "v5e");
  CHECK(hw.chips == 8);
}

TEST_CASE("hardware the catalog lacks, or none recorded, is an input error naming the profile", "[measured]") {
  Profile p = profile();
  p.offering = "tpu7x-64@us-central1";
  try {
    profiled_hardware(p, "ironwood.json", fixture().catalog);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()) == "ironwood.json: offering 'tpu7x-64@us-central1' is not in the catalog");
    CHECK(e.hint().find("extra_offerings") != std::string::npos);
  }
  p.offering.clear();
  p.accelerator = "mi300x";
  CHECK_THROWS_WITH(profiled_hardware(p, "amd.json", fixture().catalog),
                    "amd.json: accelerator 'mi300x' is not in the catalog");
  p.accelerator.clear();
  CHECK_THROWS_WITH(profiled_hardware(p, "bare.json", fixture().catalog),
                    "bare.json: the profile does not say which hardware it measured");
}

TEST_CASE("a profile's served model resolves to a preset through its organisation-free name", "[measured]") {
  Profile p = profile();
  auto m = profile_model(p, fixture().models);
  REQUIRE(m);
  CHECK(m->id == "llama-3.1-8b");
  p.model = "llama-3.1-70b";
  CHECK(profile_model(p, fixture().models)->id == "llama-3.1-70b");
  p.model = "70b"; // a size alias
  CHECK(profile_model(p, fixture().models)->id == "llama-3.1-70b");
  p.model = "acme/support-bot-v3";
  CHECK_FALSE(profile_model(p, fixture().models));
}

TEST_CASE("a profile's model matches the asked model by architecture", "[measured]") {
  const auto& models = fixture().models;
  Profile p = profile(); // Llama-3.1-8B-Instruct
  CHECK(match_profile_model(p, resolve_model("llama-3.1-8b", models).spec, models) == ModelMatch::same);
  CHECK(match_profile_model(p, resolve_model("70b", models).spec, models) == ModelMatch::different);
  ModelSpec imported = resolve_model("llama-3.1-8b", models).spec;
  imported.id = "my-finetune"; // a config.json of the same architecture
  CHECK(match_profile_model(p, imported, models) == ModelMatch::same);
  p.model = "fake-model";
  CHECK(match_profile_model(p, imported, models) == ModelMatch::unknown);
}

TEST_CASE("a measurement stands for every region of its offering name, or its accelerator × chips", "[measured]") {
  const auto& catalog = fixture().catalog;
  auto m = measure(profile());
  CHECK(measures(m, *catalog.find_offering("v5e-8@us-central1")));
  CHECK(measures(m, *catalog.find_offering("v5e-8@europe-west4")));
  CHECK_FALSE(measures(m, *catalog.find_offering("v5e-16@us-central1")));
  Profile p = profile();
  p.offering.clear();
  p.accelerator = "h100";
  p.chips = 8;
  m = measure(p);
  CHECK(measures(m, *catalog.find_offering("a3-highgpu-8g@us-east4")));
  CHECK(measures(m, *catalog.find_offering("p5.48xlarge@us-east-1")));
  CHECK_FALSE(measures(m, *catalog.find_offering("p5.4xlarge@us-east-1")));
  const OfferingPick pick = offering_pick(m);
  CHECK(pick.accelerator == "h100");
  CHECK(pick.chips == 8);
  CHECK(pick.name.empty());
}

TEST_CASE("a workload that differs from the one asked by more than 10% is named", "[measured]") {
  const auto m = measure(profile());
  CHECK(workload_mismatch(m, 1000, 100).empty());
  CHECK(workload_mismatch(m, 1050, 95).empty());
  CHECK(workload_mismatch(m, 1000, 1000) ==
        "v5e.json measured 1000 input / 100 output tokens per request, not the 1000 / 1000 asked; its throughput is "
        "for its own workload");
}
