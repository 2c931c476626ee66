// Serving engines (lib/tpuplan/perf/engine.hpp, data/engines.yaml): lookups, defaults per
// family, and the engine facts that change an estimate.
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/perf/engine.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/fidelity.hpp>

#include "shipped_data.hpp"
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace tpuplan;
using tpuplan::test::shipped;
using tpuplan::test::shipped_preset;

TEST_CASE("engines are found by id or alias, case-insensitive — an unknown name suggests the closest", "[engine]") {
  const auto& engines = shipped().engines;
  CHECK(find_engine(engines, "TensorRT-LLM").id == "trtllm");
  CHECK(find_engine(engines, "sglang-jax").id == "sgl-jax");
  try {
    find_engine(engines, "vlm");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()).find("unknown engine 'vlm'") != std::string::npos);
    CHECK(e.hint().find("vllm") != std::string::npos);
  }
}

TEST_CASE("each accelerator family has a default engine that runs on it", "[engine]") {
  for (const auto& a : shipped().catalog.accelerators) {
    INFO(a.id);
    const Engine* e = default_engine(shipped().engines, a);
    REQUIRE(e != nullptr);
    CHECK(runs_on(*e, a));
  }
  CHECK(default_engine(shipped().engines, shipped().catalog.accelerator("h100"))->id == "trtllm");
  CHECK(default_engine(shipped().engines, shipped().catalog.accelerator("v6e"))->id == "vllm-tpu");
  CHECK_THROWS_AS(require_runs_on(shipped().engines, find_engine(shipped().engines, "trtllm"),
                                  shipped().catalog.accelerator("v5e")),
                  Error);
}

TEST_CASE("kind 3: fp8 weights on TensorRT-LLM get an fp8 KV cache unless the user names one", "[engine]") {
  const auto& engines = shipped().engines;
  const Engine& trtllm = find_engine(engines, "trtllm");
  EstimateRequest r;
  r.weights = Precision::fp8;
  apply_engine(trtllm, {}, r);
  CHECK(r.kv == Precision::fp8);
  CHECK(r.engine == "trtllm");
  // bf16 weights keep a bf16 cache; an explicit --kv-precision wins.
  EstimateRequest bf16;
  apply_engine(trtllm, {}, bf16);
  CHECK(bf16.kv == Precision::bf16);
  EstimateRequest user;
  user.weights = Precision::fp8;
  EngineSettings given;
  given.kv = Precision::bf16;
  apply_engine(trtllm, given, user);
  CHECK(user.kv == Precision::bf16);
  // SGLang keeps the model's dtype for the cache.
  EstimateRequest sglang;
  sglang.weights = Precision::fp8;
  apply_engine(find_engine(engines, "sglang"), {}, sglang);
  CHECK(sglang.kv == Precision::bf16);
  // The fp8 cache halves the KV bytes a step reads: the same batch decodes faster.
  const Accelerator& h100 = shipped().catalog.accelerator("h100");
  sglang.input_tokens = r.input_tokens = 5000;
  sglang.output_tokens = r.output_tokens = 500;
  const Estimate fp8_kv = Estimator(shipped_preset("llama-3.1-8b"), h100, r).at(64);
  const Estimate bf16_kv = Estimator(shipped_preset("llama-3.1-8b"), h100, sglang).at(64);
  CHECK(fp8_kv.step.kv_read_ms == Approx(bf16_kv.step.kv_read_ms / 2));
}

TEST_CASE("kind 5: TensorRT-LLM's share of free memory admits static batches the 10% HBM headroom refuses",
          "[engine]") {
  // Llama-3.1-70B FP8 weights and KV on one H200 at 5000 + 500 tokens (a trtllm-bench shape of
  // calibration-engines.md §B): the KV cache is what limits the batch.
  const Accelerator& h200 = shipped().catalog.accelerator("h200");
  EstimateRequest r;
  r.chips = 1;
  r.weights = Precision::fp8;
  r.kv = Precision::fp8;
  r.input_tokens = 5000;
  r.output_tokens = 500;
  r.mode = BatchMode::static_batch;
  const Estimator generic(shipped_preset("llama-3.1-70b"), h200, r);
  apply_engine(find_engine(shipped().engines, "trtllm"), {}, r);
  CHECK(r.memory_basis == MemoryBasis::free);
  const Estimator engine(shipped_preset("llama-3.1-70b"), h200, r);
  // A batch one past the generic limit is refused there and fits with the engine's rule.
  const int refused = generic.max_batch() + 1;
  CHECK(generic.max_batch() >= 1);
  CHECK(engine.max_batch() >= refused);
  // The KV budget is 0.95 of what the weights and reserve leave.
  const MemoryFit& fit = engine.memory();
  CHECK(fit.kv_budget_bytes == Approx(0.95 * (fit.hbm_bytes - fit.weight_bytes - fit.overhead_bytes)));
  const MemoryFit& g = generic.memory();
  CHECK(g.kv_budget_bytes == Approx(0.9 * g.hbm_bytes - g.weight_bytes - g.overhead_bytes));
}

TEST_CASE("an engine without chunked prefill runs prompts in passes of their own", "[engine]") {
  const Accelerator& v5e = shipped().catalog.accelerator("v5e");
  EstimateRequest r;
  r.chips = 8;
  r.input_tokens = 1000;
  r.output_tokens = 200;
  const Estimator chunked(shipped_preset("llama-3.1-8b"), v5e, r);
  apply_engine(find_engine(shipped().engines, "jetstream"), {}, r);
  CHECK_FALSE(r.chunked_prefill);
  CHECK(r.kv_read == KvRead::padded);
  r.kv_read = KvRead::ragged; // compare the prefill alone
  const Estimator separate(shipped_preset("llama-3.1-8b"), v5e, r);
  // At batch 32 a step carries 0.16 prompts: in their own passes they read the weights again.
  CHECK(separate.at(32).step.total_ms > chunked.at(32).step.total_ms);
}

TEST_CASE("a named engine leaves out the accelerators it does not run on — the default serves them all", "[engine]") {
  PerformanceModel perf;
  perf.engines = shipped().engines;
  const Accelerator& v5e = shipped().catalog.accelerator("v5e");
  const Accelerator& h100 = shipped().catalog.accelerator("h100");
  CHECK(perf.serves(v5e));
  CHECK(perf.engine_for(v5e)->id == "vllm-tpu");
  perf.engine = "trtllm";
  CHECK_FALSE(perf.serves(v5e));
  CHECK(perf.serves(h100));
  CHECK(perf.max_batch_for(h100) == 2048);
  perf.max_batch = 64;
  CHECK(perf.max_batch_for(h100) == 64);
}

TEST_CASE("each engine's factors in data/engines.yaml are the fit's optimum on its calibration points", "[engine][fit]") {
  const auto points = calibration_points();
  for (const auto& engine : shipped().engines) {
    for (const auto& entry : engine.efficiency) {
      INFO(engine.id << " on " << entry.measured_on);
      const auto acc = std::find_if(shipped().catalog.accelerators.begin(), shipped().catalog.accelerators.end(),
                                    [&](const Accelerator& a) { return a.family == entry.measured_on; });
      REQUIRE(acc != shipped().catalog.accelerators.end());
      // Start: the shipped values of the factors not fitted, the family defaults for the others.
      Efficiency start = default_efficiency(*acc);
      const auto fitted = [&](const char* name) {
        return std::find(entry.fitted.begin(), entry.fitted.end(), name) != entry.fitted.end();
      };
      start.compute = fitted("compute") ? start.compute : entry.compute;
      start.memory = fitted("memory") ? start.memory : entry.memory;
      start.kv_memory = fitted("kv_memory") ? start.kv_memory : entry.kv_memory;
      start.step_overhead_ms = fitted("overhead_ms") ? start.step_overhead_ms : entry.overhead_ms;
      const EngineFitResult fit = fit_engine_efficiency(points, shipped(), engine.id, entry.measured_on, start, entry.fitted);
      REQUIRE(fit.points >= entry.fitted.size());
      INFO("fitted: compute " << fit.fitted.compute << ", memory " << fit.fitted.memory << ", kv_memory "
                              << fit.fitted.kv_memory << ", overhead_ms " << fit.fitted.step_overhead_ms << " on "
                              << fit.points << " points, median |error| " << fit.median_before << " → "
                              << fit.median_after);
      CHECK(entry.compute == Approx(fit.fitted.compute).margin(1e-9));
      CHECK(entry.memory == Approx(fit.fitted.memory).margin(1e-9));
      CHECK(entry.kv_memory == Approx(fit.fitted.kv_memory).margin(1e-9));
      CHECK(entry.overhead_ms == Approx(fit.fitted.step_overhead_ms).margin(1e-9));
    }
  }
}

TEST_CASE("kind 2: a TPU engine's step has a fitted overhead below the old 8 ms floor and reads KV slower than weights",
          "[engine]") {
  const Accelerator& v6e = shipped().catalog.accelerator("v6e");
  const Engine& sgl = find_engine(shipped().engines, "sgl-jax");
  const Efficiency e = engine_efficiency(&sgl, v6e);
  CHECK(e.kv_memory < e.memory);
  CHECK(e.step_overhead_ms < default_efficiency(v6e).step_overhead_ms);
  EstimateRequest r;
  r.chips = 4;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.mode = BatchMode::static_batch;
  r.efficiency = e;
  // A small batch's decode step can fall below the family default's fixed overhead alone.
  const Estimator short_ctx(shipped_preset("qwen3-8b"), v6e, r);
  CHECK(short_ctx.at(8).tpot_ms < default_efficiency(v6e).step_overhead_ms);
  // KV reads at η_kv: the same step with η_kv raised to η_m is faster, and more so at long context.
  EstimateRequest fast = r;
  fast.efficiency->kv_memory = e.memory;
  r.input_tokens = fast.input_tokens = 8192;
  const double slow_long = Estimator(shipped_preset("qwen3-8b"), v6e, r).at(64).tpot_ms;
  const double fast_long = Estimator(shipped_preset("qwen3-8b"), v6e, fast).at(64).tpot_ms;
  r.input_tokens = fast.input_tokens = 1024;
  const double slow_short = Estimator(shipped_preset("qwen3-8b"), v6e, r).at(64).tpot_ms;
  const double fast_short = Estimator(shipped_preset("qwen3-8b"), v6e, fast).at(64).tpot_ms;
  CHECK(fast_long < slow_long);
  CHECK(slow_long - fast_long > slow_short - fast_short);
}

TEST_CASE("kind 1: the same workload on the same slice is estimated per engine, and the request names it", "[engine]") {
  // calibration-engines.md §A: SGL-JAX runs Qwen3-8B on v6e-4 1.4–1.7× faster than vLLM-TPU;
  // each engine's own factors keep that order, and one engine's figure is not the other's.
  const Accelerator& v6e = shipped().catalog.accelerator("v6e");
  const auto at_64 = [&](const char* id) {
    const Engine& engine = find_engine(shipped().engines, id);
    EstimateRequest r;
    r.chips = 4;
    r.input_tokens = 1024;
    r.output_tokens = 1024;
    apply_engine(engine, {}, r);
    r.efficiency = engine_efficiency(&engine, v6e);
    CHECK(r.engine == engine.id);
    return Estimator(shipped_preset("qwen3-8b"), v6e, r).at(64).output_tokens_per_s;
  };
  const double sgl = at_64("sgl-jax");
  const double vllm = at_64("vllm-tpu");
  CHECK(sgl > 1.2 * vllm);
}

TEST_CASE("kind 6: TPU7x takes its engine's factors measured on the newest TPU generation, not the v5e defaults",
          "[engine]") {
  // No measured TPU7x points: the default engine's factors fitted on v6e apply, labelled as
  // another generation's, instead of the TPU family defaults fitted on a 2024 v5e stack.
  const Accelerator& tpu7x = shipped().catalog.accelerator("tpu7x");
  const Accelerator& v6e = shipped().catalog.accelerator("v6e");
  const Engine* engine = default_engine(shipped().engines, tpu7x);
  REQUIRE(engine != nullptr);
  const Efficiency on_7x = engine_efficiency(engine, tpu7x);
  const Efficiency on_v6e = engine_efficiency(engine, v6e);
  CHECK(on_7x.compute == on_v6e.compute);
  CHECK(on_7x.kv_memory == on_v6e.kv_memory);
  CHECK(on_7x.step_overhead_ms == on_v6e.step_overhead_ms);
  CHECK(on_7x.compute != default_efficiency(tpu7x).compute);
  CHECK(on_7x.basis.find("fitted on tpu-v6e") != std::string::npos);
  CHECK(on_7x.basis.find("no data for this generation") != std::string::npos);
  // With no points of its own, its band is the widest of the kind, and says why.
  const ErrorBand band = error_band(shipped(), engine->id, tpu7x);
  CHECK(band.points == 0);
  CHECK(band.basis.rfind("no points", 0) == 0);
  CHECK(band.half_width >= error_band(shipped(), engine->id, v6e).half_width);
}

TEST_CASE("an engine without measured points on a family says it uses the family defaults", "[engine]") {
  const Accelerator& h100 = shipped().catalog.accelerator("h100");
  const Efficiency e = engine_efficiency(&find_engine(shipped().engines, "vllm"), h100);
  CHECK(e.compute == default_efficiency(h100).compute);
  CHECK(e.basis.find("no measured nvidia-hopper points") != std::string::npos);
  const Accelerator& v5e = shipped().catalog.accelerator("v5e");
  CHECK(engine_efficiency(&find_engine(shipped().engines, "sgl-jax"), v5e).basis.find("no data for this generation") !=
        std::string::npos);
}

TEST_CASE("the error band comes from the residuals of the engine × family, wider and labelled where points are few",
          "[engine][band]") {
  const Accelerator& v6e = shipped().catalog.accelerator("v6e");
  const Accelerator& h100 = shipped().catalog.accelerator("h100");
  const ErrorBand sgl = error_band(shipped(), "sgl-jax", v6e);
  CHECK(sgl.points == 10);
  CHECK(sgl.half_width > 0);
  CHECK(sgl.basis.find("10 calibration points of sgl-jax on tpu-v6e") != std::string::npos);
  // Every calibration throughput point of sgl-jax on v6e lies inside its own band.
  for (const auto& p : calibration_points()) {
    if (p.engine_id == "sgl-jax" && p.group == "calibration" && p.metric == CalibrationMetric::output_tokens_per_s) {
      const CalibrationResult r = run_calibration_point(p, shipped());
      INFO(p.id);
      CHECK(p.measured >= sgl.low(r.estimated) * (1 - 1e-12));
      CHECK(p.measured <= sgl.high(r.estimated) * (1 + 1e-12));
    }
  }
  const ErrorBand few = error_band(shipped(), "vllm-tpu", v6e);
  CHECK(few.points == 2);
  CHECK(few.basis.rfind("few points", 0) == 0);
  CHECK(few.half_width >= sgl.half_width);
  const ErrorBand none = error_band(shipped(), "vllm", h100);
  CHECK(none.points == 0);
  CHECK(none.basis.rfind("no points", 0) == 0);
  CHECK(none.half_width > error_band(shipped(), "trtllm", h100).half_width);
  CHECK(sgl.low(1000) < 1000);
  CHECK(sgl.high(1000) > 1000);
  // Ten points of one model (Qwen3-8B) do not speak for other models: "few models", at least
  // the kind's widest residual. TensorRT-LLM on Hopper has points of four models: its own band.
  CHECK(sgl.basis.rfind("few models", 0) == 0);
  CHECK(sgl.half_width == Approx(few.half_width));
  const ErrorBand hopper = error_band(shipped(), "trtllm", h100);
  CHECK(hopper.basis.rfind("the largest error of the", 0) == 0);
  // One ErrorBands asked for TPUs and GPUs in turn keeps each kind's residuals apart.
  ErrorBands bands(shipped());
  for (const auto& [engine, accelerator] : std::vector<std::pair<std::string, const Accelerator*>>{
           {"sgl-jax", &v6e}, {"trtllm", &h100}, {"vllm-tpu", &v6e}, {"vllm", &h100}, {"sgl-jax", &v6e}}) {
    INFO(engine << " on " << accelerator->id);
    const ErrorBand cached = bands.band(engine, *accelerator);
    const ErrorBand alone = error_band(shipped(), engine, *accelerator);
    CHECK(cached.half_width == alone.half_width);
    CHECK(cached.points == alone.points);
    CHECK(cached.basis == alone.basis);
  }
}
