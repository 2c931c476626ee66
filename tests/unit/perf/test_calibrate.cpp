// Calibration: the fit recovers the factors a synthetic profile was made with (profiles made by
// the estimator itself), keeps unconstrained factors at their start, stays inside its bounds
// and says so, and never ends worse than it started.
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/perf/calibrate.hpp>
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

const DataSet& fixture() {
  static const DataSet data = load_dataset_dir(TPUPLAN_TEST_DATA_DIR "/catalog");
  return data;
}

const ModelSpec& llama_8b() {
  static const ModelSpec m = resolve_model("llama-3.1-8b", fixture().models).spec;
  return m;
}

const Accelerator& h100() { return fixture().catalog.accelerator("h100"); }

Efficiency factors(double compute, double memory, double overhead_ms) {
  Efficiency e = default_efficiency(h100());
  e.compute = compute;
  e.memory = memory;
  e.kv_memory = memory; // calibration moves η_kv with η_m in proportion (equal at the defaults)
  e.step_overhead_ms = overhead_ms;
  return e;
}

bench::Distribution mean_of(double v) {
  bench::Distribution d;
  d.count = 100;
  d.mean = d.p50 = d.p90 = d.p95 = d.p99 = d.min = d.max = v;
  return d;
}

/// A profile whose every level is what the estimator says at `truth` on `accelerator`.
bench::Profile synthetic_profile(const Efficiency& truth, const std::vector<int>& batches, double input_tokens,
                                 double output_tokens, const Accelerator& accelerator) {
  bench::Profile p;
  p.model = "llama-3.1-8b";
  p.accelerator = accelerator.id;
  p.chips = 1;
  p.workload.input_tokens = static_cast<int>(input_tokens);
  p.workload.output_tokens = static_cast<int>(output_tokens);
  EstimateRequest r;
  r.input_tokens = input_tokens;
  r.output_tokens = output_tokens;
  r.efficiency = truth;
  const Estimator est(llama_8b(), accelerator, r);
  for (int b : batches) {
    const Estimate e = est.at(b);
    bench::LevelResult l;
    l.load.concurrency = b;
    l.requests_sent = l.requests_ok = 100;
    l.mean_in_flight = b;
    l.output_tokens_per_s = e.output_tokens_per_s;
    l.tpot_ms = mean_of(e.tpot_ms);
    l.input_tokens_per_request = mean_of(input_tokens);
    l.output_tokens_per_request = mean_of(output_tokens);
    p.levels.push_back(l);
  }
  return p;
}

CalibrationRequest request_for(std::vector<FitFactor> fit) {
  CalibrationRequest r;
  r.model = llama_8b();
  r.accelerator = &h100();
  r.chips = 1;
  r.start = default_efficiency(h100());
  r.factors = std::move(fit);
  r.file = "synthetic.json";
  return r;
}

} // namespace

TEST_CASE("calibration recovers compute, memory and overhead from a profile the estimator made", "[calibrate]") {
  // Prompts of 2,000 tokens make the larger batches compute-bound (each step prefills B/O new
  // prompts), the small ones memory-bound: every factor shows in some level.
  const Efficiency truth = factors(0.4, 0.7, 5.0);
  const auto profile = synthetic_profile(truth, {1, 4, 16, 64, 128}, 2000, 100, h100());
  const auto fit = fit_calibration(request_for({FitFactor::compute, FitFactor::memory, FitFactor::overhead}),
                                   calibration_levels(profile, "synthetic.json"));
  CHECK(fit.after.compute == Approx(0.4).epsilon(0.01));
  CHECK(fit.after.memory == Approx(0.7).epsilon(0.01));
  CHECK(fit.after.step_overhead_ms == Approx(5.0).epsilon(0.01));
  CHECK(fit.log_error_after < 0.002);
  CHECK(fit.abs_error_before > 0.2); // the Hopper defaults (0.45, 0.9, 2.25 ms) are far off
  CHECK(fit.before.compute == default_efficiency(h100()).compute);
  REQUIRE(fit.levels.size() == 5);
  for (const auto& l : fit.levels) {
    CHECK(l.after.tpot_ms == Approx(l.level.tpot_ms).epsilon(0.005));
    CHECK(l.after.output_tokens_per_s == Approx(l.level.output_tokens_per_s).epsilon(0.005));
  }
  CHECK(fit.notes.empty());
  CHECK(fit.family == "nvidia-hopper");
  CHECK(fit.after.basis.find("fitted to synthetic.json (llama-3.1-8b on 1 × h100, 5 levels") != std::string::npos);
}

TEST_CASE("calibration of memory and overhead alone recovers them and leaves compute untouched", "[calibrate]") {
  const Efficiency truth = factors(default_efficiency(h100()).compute, 0.6, 8.0);
  const auto profile = synthetic_profile(truth, {1, 8, 32, 96}, 1000, 200, h100());
  const auto fit = fit_calibration(request_for({FitFactor::memory, FitFactor::overhead}),
                                   calibration_levels(profile, "synthetic.json"));
  CHECK(fit.after.memory == Approx(0.6).epsilon(0.01));
  CHECK(fit.after.step_overhead_ms == Approx(8.0).epsilon(0.01));
  CHECK(fit.after.compute == default_efficiency(h100()).compute);
  CHECK(fit.after.interconnect == default_efficiency(h100()).interconnect);
}

TEST_CASE("a factor the levels do not constrain stays at its start value", "[calibrate]") {
  // Short prompts at small batches are memory-bound: η_c changes nothing the profile measured.
  const Efficiency truth = factors(0.3, 0.8, default_efficiency(h100()).step_overhead_ms);
  const auto profile = synthetic_profile(truth, {1, 4, 16}, 100, 100, h100());
  const auto fit = fit_calibration(request_for({FitFactor::compute, FitFactor::memory}),
                                   calibration_levels(profile, "synthetic.json"));
  CHECK(fit.after.compute == Approx(default_efficiency(h100()).compute).epsilon(1e-3));
  CHECK(fit.after.memory == Approx(0.8).epsilon(0.01));
  CHECK(fit.log_error_after < 0.002);
}

TEST_CASE("more factors than levels is said", "[calibrate]") {
  const auto profile = synthetic_profile(factors(0.45, 0.8, 3.0), {4}, 100, 100, h100());
  const auto fit = fit_calibration(request_for({FitFactor::memory, FitFactor::overhead}),
                                   calibration_levels(profile, "one.json"));
  REQUIRE(fit.notes.size() == 1);
  CHECK(fit.notes[0].find("2 factors from 1 level(s)") == 0);
  CHECK(fit.log_error_after < fit.log_error_before);
}

TEST_CASE("a server faster than the roofline allows drives memory to its bound, and the fit says so", "[calibrate]") {
  Accelerator fast = h100();
  fast.hbm_tb_per_s *= 2; // what a wrong accelerator in the profile would look like
  const auto profile = synthetic_profile(factors(0.45, 0.9, 2.25), {1, 8}, 500, 100, fast);
  const auto fit = fit_calibration(request_for({FitFactor::memory}), calibration_levels(profile, "fast.json"));
  CHECK(fit.after.memory == Approx(1.0));
  REQUIRE_FALSE(fit.notes.empty());
  CHECK(fit.notes[0].find("memory reached its bound 1") == 0);
  CHECK(fit.log_error_after < fit.log_error_before);
}

TEST_CASE("the fit never ends worse than its start", "[calibrate]") {
  // The truth is the start: nothing to gain, so nothing may move.
  const Efficiency start = default_efficiency(h100());
  const auto profile = synthetic_profile(start, {1, 16}, 1000, 100, h100());
  const auto fit = fit_calibration(request_for({FitFactor::compute, FitFactor::memory, FitFactor::overhead}),
                                   calibration_levels(profile, "same.json"));
  CHECK(fit.log_error_after <= fit.log_error_before);
  CHECK(fit.after.memory == Approx(start.memory).epsilon(1e-3));
  CHECK(fit.after.step_overhead_ms == Approx(start.step_overhead_ms).epsilon(1e-3));
}

TEST_CASE("a fractional achieved concurrency interpolates between whole batches", "[calibrate]") {
  const auto r = request_for({FitFactor::memory});
  CalibrationLevel l;
  l.input_tokens = 500;
  l.output_tokens = 100;
  l.batch = 2;
  const auto two = predict_level(r, l, r.start);
  l.batch = 3;
  const auto three = predict_level(r, l, r.start);
  l.batch = 2.5;
  const auto half = predict_level(r, l, r.start);
  CHECK(half.tpot_ms == Approx((two.tpot_ms + three.tpot_ms) / 2));
  CHECK(half.output_tokens_per_s == Approx((two.output_tokens_per_s + three.output_tokens_per_s) / 2));
  l.batch = 1;
  const auto one = predict_level(r, l, r.start);
  l.batch = 0.5; // idle half the time
  const auto idle = predict_level(r, l, r.start);
  CHECK(idle.tpot_ms == one.tpot_ms);
  CHECK(idle.output_tokens_per_s == Approx(one.output_tokens_per_s / 2));
}

TEST_CASE("calibration levels skip levels without TPOT and refuse a profile without any", "[calibrate]") {
  auto profile = synthetic_profile(factors(0.45, 0.9, 2.25), {1, 8}, 500, 100, h100());
  profile.levels[0].tpot_ms = bench::Distribution{};
  profile.levels[1].requests_failed = 5;
  profile.levels[1].error_rate = 0.05;
  auto levels = calibration_levels(profile, "p.json");
  REQUIRE(levels.size() == 1);
  CHECK(levels[0].index == 1);
  CHECK(levels[0].label == "concurrency 8");
  CHECK(levels[0].flags == std::vector<std::string>{"5.0% failed"});
  profile.levels[1].requests_ok = 0;
  CHECK_THROWS_WITH(calibration_levels(profile, "p.json"), Catch::StartsWith("p.json: no level has successful requests"));
}

TEST_CASE("fitted factors apply to accelerators of the profile's family only", "[calibrate]") {
  const auto profile = synthetic_profile(factors(0.45, 0.7, 2.25), {1, 8}, 500, 100, h100());
  const auto fit = fit_calibration(request_for({FitFactor::memory}), calibration_levels(profile, "p.json"));
  Accelerator h200 = h100();
  h200.id = "h200";
  REQUIRE(calibrated_efficiency(fit, h200));
  CHECK(calibrated_efficiency(fit, h200)->memory == Approx(0.7).epsilon(0.01));
  CHECK_FALSE(calibrated_efficiency(fit, fixture().catalog.accelerator("l4")));
  CHECK_FALSE(calibrated_efficiency(fit, fixture().catalog.accelerator("v5e")));
}

TEST_CASE("fit factors parse from a list and unknown ones are named", "[calibrate]") {
  CHECK(parse_fit_factors("memory, overhead") == std::vector<FitFactor>{FitFactor::memory, FitFactor::overhead});
  CHECK(parse_fit_factors("compute,compute") == std::vector<FitFactor>{FitFactor::compute});
  CHECK_THROWS_WITH(parse_fit_factors("memroy", "--fit"), "--fit: unknown factor 'memroy'");
  CHECK_THROWS_WITH(parse_fit_factors(" , ", "--fit"), "--fit: no factor given");
}

TEST_CASE("calibration on a profile recorded from the fake server brings the error from over 50% to under 3%",
          "[calibrate]") {
  // Recorded with `tpuplan bench --model llama-3.1-8b --accelerator h100 --chips 1 --concurrency
  // 1,4,8,16 --requests 32 --input-tokens 512 --output-tokens 64` against the fake server set to
  // a TTFT of 40 ms and a token interval of 11.5 ms + 35 µs per running request: about 60% of the
  // speed the Hopper defaults predict for an H100.
  const auto profile = bench::read_profile(TPUPLAN_TEST_DATA_DIR "/profiles/fake-h100-llama-3.1-8b.json");
  auto request = request_for({FitFactor::compute, FitFactor::memory, FitFactor::overhead});
  request.file = "fake-h100-llama-3.1-8b.json";
  const auto fit = fit_calibration(request, calibration_levels(profile, request.file));
  REQUIRE(fit.levels.size() == 4);
  CHECK(fit.abs_error_before > 0.5);
  CHECK(fit.abs_error_after < 0.03);
  for (const auto& l : fit.levels) {
    CHECK(l.after.tpot_ms == Approx(l.level.tpot_ms).epsilon(0.02));
    CHECK(l.before.tpot_ms < 0.65 * l.level.tpot_ms);
  }
  // The step is ~11.5 ms at every level: the fit raises the fixed overhead well above 2.25 ms.
  CHECK(fit.after.step_overhead_ms > 4);
  CHECK(fit.after.step_overhead_ms < 9);
  CHECK(fit.notes.empty());
}
