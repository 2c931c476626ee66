#include <tpuplan/error.hpp>
#include <tpuplan/perf/estimate.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>
#include <array>
#include <random>

#include <cmath>

using namespace tpuplan;
using test::llama_3_1_70b;
using test::llama_3_1_8b;

namespace {

// Chips of pricing.md §1 (the catalog's figures); models from model_fixtures.hpp.
ModelSpec mixtral_8x7b() {
  ModelSpec m = llama_3_1_8b();
  m.id = "mixtral-8x7b";
  m.vocab = 32000;
  m.experts = 8;
  m.experts_per_token = 2;
  return m;
}

Accelerator h100() {
  Accelerator a;
  a.id = "h100";
  a.kind = AcceleratorKind::gpu;
  a.family = "nvidia-hopper";
  a.hbm_gib = 80;
  a.hbm_tb_per_s = 3.35;
  a.bf16_tflops = 989;
  a.fp8_tflops = 1979;
  a.int8_tops = 1979;
  a.interconnect_gb_per_s = 450;
  return a;
}

Accelerator v5e() {
  Accelerator a;
  a.id = "v5e";
  a.kind = AcceleratorKind::tpu;
  a.family = "tpu-v5e";
  a.hbm_gib = 16;
  a.hbm_tb_per_s = 0.819;
  a.bf16_tflops = 197;
  a.int8_tops = 393;
  a.interconnect_gb_per_s = 200;
  return a;
}

Accelerator v6e() {
  Accelerator a = v5e();
  a.id = "v6e";
  a.family = "tpu-v6e";
  a.hbm_gib = 32;
  a.hbm_tb_per_s = 1.638;
  a.bf16_tflops = 918;
  a.int8_tops = 1836;
  a.interconnect_gb_per_s = 400;
  return a;
}

/// Ideal hardware: every efficiency 1, no latency, no overhead — the pure roofline.
Efficiency ideal() {
  Efficiency e;
  e.compute = 1;
  e.memory = 1;
  e.kv_memory = 1;
  e.interconnect = 1;
  e.collective_latency_us = 0;
  e.step_overhead_ms = 0;
  e.basis = "test";
  return e;
}

EstimateRequest request(int chips, double in = 1000, double out = 1000) {
  EstimateRequest r;
  r.chips = chips;
  r.input_tokens = in;
  r.output_tokens = out;
  r.efficiency = ideal();
  return r;
}

} // namespace

TEST_CASE("a batch-1 decode step of a dense model streams its weights and its KV cache once", "[estimate]") {
  const auto m = llama_3_1_8b();
  const Estimator est(m, h100(), request(1));
  const Estimate e = est.at(1);
  // Weights minus the input embedding table (a lookup), KV at the mean live context 1500.
  const double weights = weight_bytes(m, Precision::bf16) - 128256.0 * 4096 * 2;
  const double kv = kv_bytes_per_sequence(m, Precision::bf16, 1500);
  CHECK(e.step.weight_read_ms == Approx(weights / 3.35e12 * 1e3).epsilon(1e-9));
  CHECK(e.step.kv_read_ms == Approx(kv / 3.35e12 * 1e3).epsilon(1e-9));
  CHECK(e.bound == Bound::memory);
  CHECK(e.tpot_ms == Approx(e.step.kv_read_ms + e.step.linear_ms));
}

TEST_CASE("throughput grows with the batch and the decode turns compute-bound past the critical batch", "[estimate]") {
  // bf16 on H100: the critical batch is C/W ≈ 989/3.35 ≈ 295 tokens per step (perfmodel §1.5).
  // Short sequences keep KV traffic small so the linear layers decide the bound.
  EstimateRequest r = request(1, 16, 16);
  r.mode = BatchMode::static_batch;
  const Estimator est(llama_3_1_8b(), h100(), r);
  const Estimate small = est.at(64);
  const Estimate large = est.at(1024);
  CHECK(small.step.weight_read_ms > small.step.compute_ms);
  CHECK(large.step.compute_ms > large.step.weight_read_ms);
  CHECK(large.bound == Bound::compute);
  CHECK(large.output_tokens_per_s > small.output_tokens_per_s);
  CHECK(large.tpot_ms > small.tpot_ms);
  const double crossover = 989.0 / 3.35;
  CHECK(est.at(static_cast<int>(crossover * 0.8)).step.weight_read_ms >
        est.at(static_cast<int>(crossover * 0.8)).step.compute_ms);
  CHECK(est.at(static_cast<int>(crossover * 1.2)).step.compute_ms >
        est.at(static_cast<int>(crossover * 1.2)).step.weight_read_ms);
}

TEST_CASE("tensor parallelism adds two ring all-reduces per layer with a latency floor", "[estimate]") {
  EstimateRequest r = request(8);
  r.mode = BatchMode::static_batch;
  Efficiency e = ideal();
  e.collective_latency_us = 8;
  e.interconnect = 0.5;
  r.efficiency = e;
  const auto one = Estimator(llama_3_1_70b(), h100(), request(1)).at(16);
  const auto eight = Estimator(llama_3_1_70b(), h100(), r).at(16);
  CHECK(one.step.interconnect_ms == 0);
  // 160 all-reduces × (8 µs + 2·7/8 × 16 tokens × 8192 × 2 B ÷ (450 GB/s × 0.5)).
  const double each_ms = 8e-3 + 2.0 * 7 / 8 * 16 * 8192 * 2 / (450e9 * 0.5) * 1e3;
  CHECK(eight.step.interconnect_ms == Approx(160 * each_ms).epsilon(1e-9));
}

TEST_CASE("fp8 weights use the fp8 peak where the chip has one and bf16 math where it does not", "[estimate]") {
  EstimateRequest r = request(8);
  r.weights = Precision::fp8;
  const Estimator on_h100(llama_3_1_70b(), h100(), r);
  const Estimator on_v6e(llama_3_1_70b(), v6e(), r);
  CHECK(on_h100.math_precision() == Precision::fp8);
  CHECK(on_h100.peak_tflops() == 1979);
  CHECK(on_v6e.math_precision() == Precision::bf16);
  CHECK(on_v6e.peak_tflops() == 918);
  // The bytes stay one per weight either way.
  CHECK(on_v6e.dense_weight_bytes() == Approx(on_h100.dense_weight_bytes()));
}

TEST_CASE("int8 weights run on the int8 path and halve the weight reads of a small batch", "[estimate]") {
  EstimateRequest bf16 = request(8);
  EstimateRequest int8 = request(8);
  int8.weights = Precision::int8;
  const auto a = Estimator(llama_3_1_70b(), v6e(), bf16).at(1);
  const Estimator quantised(llama_3_1_70b(), v6e(), int8);
  CHECK(quantised.peak_tflops() == 1836);
  // Embeddings and head stay 16-bit, so a little more than half.
  CHECK(quantised.at(1).step.weight_read_ms / a.step.weight_read_ms == Approx(0.5).margin(0.02));
}

TEST_CASE("int4 weights are weight-only: bf16 math at a quarter of the bytes plus scales", "[estimate]") {
  EstimateRequest r = request(1);
  r.weights = Precision::int4;
  const Estimator est(llama_3_1_8b(), h100(), r);
  CHECK(est.math_precision() == Precision::bf16);
  CHECK(est.peak_tflops() == 989);
}

TEST_CASE("kind 5: fp4 weights run on an FP4 path only: its peak, 4.5 or 4.25 bits a weight, refused elsewhere", "[estimate]") {
  Accelerator b200 = h100();
  b200.id = "b200";
  b200.family = "nvidia-blackwell";
  b200.hbm_gib = 180;
  b200.fp4_tflops = 9000;
  const EstimateRequest fp8 = [] {
    EstimateRequest r = request(1);
    r.weights = Precision::fp8;
    return r;
  }();
  const Estimator eight(llama_3_1_70b(), b200, fp8);
  for (const auto& [p, bits] : {std::pair{Precision::nvfp4, 4.5}, std::pair{Precision::mxfp4, 4.25}}) {
    INFO(to_string(p));
    EstimateRequest r = fp8;
    r.weights = p;
    const Estimator est(llama_3_1_70b(), b200, r);
    CHECK(est.math_precision() == p);
    CHECK(est.peak_tflops() == 9000);
    // The body's bytes scale with the bits per weight (scales included); embeddings stay 16-bit.
    const double embeddings = 2.0 * embedding_params(llama_3_1_70b());
    CHECK((weight_bytes(llama_3_1_70b(), p) - embeddings) / (weight_bytes(llama_3_1_70b(), Precision::fp8) - embeddings) ==
          Approx(bits / 8).epsilon(1e-9));
    // A memory-bound batch-1 step streams fewer bytes than the fp8 one.
    CHECK(est.at(1).step.weight_read_ms < eight.at(1).step.weight_read_ms);
    CHECK(est.max_batch() > eight.max_batch());
    // Without an FP4 path (H100) the format is refused, naming what has one.
    try {
      Estimator(llama_3_1_70b(), h100(), r);
      FAIL("accepted FP4 weights on h100");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(std::string(e.what()).find("FP4 tensor cores") != std::string::npos);
    }
    CHECK_FALSE(runs_weights(h100(), p));
    CHECK(runs_weights(b200, p));
  }
  EstimateRequest kv = fp8;
  kv.kv = Precision::nvfp4;
  CHECK_THROWS_AS(Estimator(llama_3_1_70b(), b200, kv), Error); // an FP4 KV cache is not modelled
}

TEST_CASE("a padded KV read costs the whole cache, a ragged one the mean live context", "[estimate]") {
  EstimateRequest ragged = request(8, 200, 200);
  EstimateRequest padded = ragged;
  padded.kv_read = KvRead::padded;
  padded.cache_tokens = 2048;
  const Estimator r(llama_3_1_8b(), v5e(), ragged);
  const Estimator p(llama_3_1_8b(), v5e(), padded);
  CHECK(r.kv_read_tokens() == 300);
  CHECK(p.kv_read_tokens() == 2048);
  CHECK(p.at(64).step.kv_read_ms / r.at(64).step.kv_read_ms == Approx(2048.0 / 300));
  // Memory is reserved for the padded cache, not for input + output.
  CHECK(p.admission_tokens() == 2048);
  CHECK(r.admission_tokens() == 400);
  CHECK(p.max_batch() < r.max_batch());
}

TEST_CASE("a static batch prefills all prompts and then takes output − 1 decode steps", "[estimate]") {
  EstimateRequest r = request(1, 128, 128);
  r.mode = BatchMode::static_batch;
  const Estimator est(llama_3_1_8b(), h100(), r);
  const Estimate e = est.at(64);
  const double request_ms = e.prefill_ms + 127 * e.tpot_ms;
  CHECK(e.output_tokens_per_s == Approx(64 * 128 / request_ms * 1e3));
  CHECK(e.requests_per_s == Approx(64 / request_ms * 1e3));
  CHECK(e.ttft_ms.value() == Approx(e.prefill_ms + e.tpot_ms));
  // The batch's prefill is compute-bound: 64 × 128 tokens at 2 FLOPs per parameter.
  CHECK(e.prefill_ms > est.prefill_flops() * 64 / 989e12 * 1e3 * 0.99);
}

TEST_CASE("a continuous step carries the prefill of the prompts that replace finished requests", "[estimate]") {
  EstimateRequest r = request(1, 1000, 100);
  const Estimator est(llama_3_1_8b(), h100(), r);
  const Estimate e = est.at(100);
  // 100 sequences finishing every 100 steps: one new 1000-token prompt per step.
  const double flops = 100 * est.flops_per_token() + est.prefill_flops();
  CHECK(e.step.compute_ms == Approx(flops / 989e12 * 1e3));
  CHECK(e.output_tokens_per_s == Approx(100 / e.step.total_ms * 1e3));
  CHECK(e.total_tokens_per_s == Approx(e.output_tokens_per_s * 11));
  CHECK(e.requests_per_s == Approx(e.output_tokens_per_s / 100));
}

TEST_CASE("prefill FLOPs are 2 per active parameter per token plus causal attention", "[estimate]") {
  const auto m = llama_3_1_8b();
  const Estimator est(m, h100(), request(1, 1000, 10));
  const double body = active_params(m) - embedding_params(m);
  const double head = 128256.0 * 4096;
  // QKᵀ and softmax·V: 4·H·h FLOPs per query–key pair, T(T+1)/2 pairs per layer.
  const double attention = 4.0 * 32 * 128 * (1000.0 * 1001 / 2) * 32;
  CHECK(est.prefill_flops() == Approx(2 * body * 1000 + 2 * head + attention));
  CHECK(est.flops_per_token() == Approx(2 * (body + head)));
}

TEST_CASE("a sliding window caps the KV a step reads and the attention a prefill computes", "[estimate]") {
  ModelSpec windowed = llama_3_1_8b();
  windowed.sliding_window = 4096;
  windowed.sliding_window_layers = 32;
  const Estimator full(llama_3_1_8b(), h100(), request(1, 16000, 2000));
  const Estimator capped(windowed, h100(), request(1, 16000, 2000));
  CHECK(capped.kv_read_bytes_per_sequence() == Approx(full.kv_read_bytes_per_sequence() * 4096 / 17000));
  CHECK(capped.prefill_flops() < full.prefill_flops());
}

TEST_CASE("an MoE step computes with active experts but reads only the experts its tokens touch", "[estimate]") {
  const auto m = mixtral_8x7b();
  EstimateRequest r = request(2, 16, 16);
  r.mode = BatchMode::static_batch;
  const Estimator est(m, h100(), r);
  // One token touches k = 2 of 8 experts per layer; 64 tokens touch nearly all 8.
  const double expert_ms_each = (weight_bytes(m, Precision::bf16) - 32000.0 * 4096 * 2 - est.dense_weight_bytes()) /
                                8 / (2 * 3.35e12) * 1e3;
  const Estimate one = est.at(1);
  const Estimate many = est.at(64);
  CHECK(one.step.weight_read_ms == Approx(est.dense_weight_bytes() / (2 * 3.35e12) * 1e3 + 2 * expert_ms_each));
  const double touched_64 = 8 * (1 - std::pow(0.75, 64));
  CHECK(many.step.weight_read_ms ==
        Approx(est.dense_weight_bytes() / (2 * 3.35e12) * 1e3 + touched_64 * expert_ms_each));
  CHECK(est.flops_per_token() == Approx(2 * (active_params(m) - embedding_params(m) + 32000.0 * 4096)));
}

TEST_CASE("the routed experts run at η_moe of the dense efficiencies — a dense model ignores it", "[estimate]") {
  const auto m = mixtral_8x7b();
  EstimateRequest r = request(2, 16, 16);
  r.mode = BatchMode::static_batch;
  EstimateRequest half = r;
  half.efficiency->moe = 0.5;
  const Estimator full(m, h100(), r);
  const Estimator slow(m, h100(), half);
  const double dense_ms = full.dense_weight_bytes() / (2 * 3.35e12) * 1e3;
  for (int batch : {1, 64}) {
    INFO(batch);
    const Estimate a = full.at(batch);
    const Estimate b = slow.at(batch);
    // The experts' weight reads take twice as long; the dense part's do not change.
    CHECK(b.step.weight_read_ms - dense_ms == Approx(2 * (a.step.weight_read_ms - dense_ms)).epsilon(1e-9));
    CHECK(b.output_tokens_per_s < a.output_tokens_per_s);
  }
  const Estimator dense(llama_3_1_8b(), h100(), r);
  const Estimator dense_half(llama_3_1_8b(), h100(), half);
  CHECK(dense_half.at(64).step.total_ms == dense.at(64).step.total_ms);
  CHECK(parse_efficiency("moe=0.7", Efficiency{}).moe == 0.7);
}

TEST_CASE("hbm_used_fraction counts weights, reserve and the batch's full-length KV", "[estimate]") {
  const Estimator est(llama_3_1_70b(), v6e(), request(8));
  const auto& fit = est.memory();
  const Estimate e = est.at(10);
  CHECK(e.hbm_used_fraction ==
        Approx((fit.weight_bytes + fit.overhead_bytes + 10 * fit.kv_bytes_per_sequence) / fit.hbm_bytes));
  CHECK(e.fits);
  CHECK_FALSE(est.at(est.max_batch() + 1).fits);
}

TEST_CASE("a model that does not fit is infeasible and the error says how much memory is missing", "[estimate]") {
  const Estimator est(llama_3_1_70b(), v5e(), request(8));
  CHECK(est.max_batch() == 0);
  try {
    est.require_fit();
    FAIL("expected Error(infeasible)");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::infeasible);
    CHECK(std::string(e.what()).find("GiB missing") != std::string::npos);
  }
}

TEST_CASE("the best batch without limits is the largest that fits", "[estimate]") {
  const Estimator est(llama_3_1_70b(), v6e(), request(8));
  const auto best = best_batch(est);
  REQUIRE(best);
  CHECK(best->batch == est.max_batch());
  BatchLimits capped;
  capped.max_batch = 7;
  CHECK(best_batch(est, capped)->batch == 7);
}

TEST_CASE("the best batch under a TPOT limit is the largest that meets it, as a full scan finds", "[estimate]") {
  EstimateRequest r = request(8);
  r.efficiency.reset(); // family defaults, overhead included
  const Estimator est(llama_3_1_70b(), v6e(), r);
  BatchLimits limits;
  limits.tpot_ms = est.at(1).tpot_ms * 1.5;
  const auto best = best_batch(est, limits);
  REQUIRE(best);
  int scanned = 0;
  double scanned_tps = 0;
  for (int b = 1; b <= est.max_batch(); ++b) {
    const auto e = est.at(b);
    if (e.tpot_ms <= *limits.tpot_ms && e.output_tokens_per_s > scanned_tps) {
      scanned = b;
      scanned_tps = e.output_tokens_per_s;
    }
  }
  CHECK(best->batch == scanned);
  CHECK(best->tpot_ms <= *limits.tpot_ms);
}

TEST_CASE("no batch meets a TPOT limit below the batch-1 step", "[estimate]") {
  const Estimator est(llama_3_1_70b(), v6e(), request(8));
  BatchLimits limits;
  limits.tpot_ms = est.at(1).tpot_ms * 0.5;
  CHECK_FALSE(best_batch(est, limits));
}

TEST_CASE("a load at or above capacity leaves TTFT unbounded", "[estimate]") {
  EstimateRequest r = request(8);
  const double capacity = Estimator(llama_3_1_70b(), v6e(), r).at(4).requests_per_s;
  r.load_requests_per_s = capacity * 1.1;
  const Estimate e = Estimator(llama_3_1_70b(), v6e(), r).at(4);
  CHECK_FALSE(e.ttft_ms);
  CHECK(e.utilization.value() == Approx(1.1));
}

TEST_CASE("with one slot the queueing delay is the M/D/1 wait", "[estimate]") {
  EstimateRequest r = request(8);
  const Estimate free = Estimator(llama_3_1_70b(), v6e(), r).at(1);
  r.load_requests_per_s = free.requests_per_s * 0.5;
  const Estimate loaded = Estimator(llama_3_1_70b(), v6e(), r).at(1);
  // W_q = ρ·T / (2(1 − ρ)) at ρ = 0.5: half a service time.
  const double service_ms = 1e3 / free.requests_per_s;
  CHECK(loaded.queue_ms.value() == Approx(0.5 * service_ms));
  CHECK(loaded.ttft_ms.value() == Approx(free.ttft_ms.value() + 0.5 * service_ms));
}

TEST_CASE("under a load the best batch is stable and meets the TTFT limit", "[estimate]") {
  EstimateRequest r = request(8);
  r.efficiency.reset();
  const Estimator unloaded(llama_3_1_70b(), v6e(), r);
  r.load_requests_per_s = unloaded.at(16).requests_per_s;
  const Estimator est(llama_3_1_70b(), v6e(), r);
  BatchLimits limits;
  limits.ttft_ms = 5000;
  const auto best = best_batch(est, limits);
  REQUIRE(best);
  CHECK(best->batch > 16);
  CHECK(best->utilization.value() < 1);
  CHECK(best->ttft_ms.value() <= 5000);
}

TEST_CASE("efficiency defaults follow the accelerator family", "[estimate]") {
  const Efficiency hopper = default_efficiency(h100());
  const Efficiency tpu = default_efficiency(v6e());
  Accelerator ampere = h100();
  ampere.family = "nvidia-ampere";
  Accelerator unknown_gpu = h100();
  unknown_gpu.family = "amd-cdna3";
  CHECK(hopper.compute < default_efficiency(ampere).compute);
  CHECK(tpu.step_overhead_ms > hopper.step_overhead_ms);
  CHECK(default_efficiency(unknown_gpu).compute == default_efficiency(ampere).compute);
  CHECK(default_efficiency(unknown_gpu).basis.find("no data") != std::string::npos);
  CHECK(tpu.basis.find("tpu-v6e") != std::string::npos);
}

TEST_CASE("efficiency overrides change only the named factors", "[estimate]") {
  const Efficiency base = default_efficiency(h100());
  const Efficiency e = parse_efficiency("compute=0.5, memory=0.8,overhead_ms=0", base, "--efficiency");
  CHECK(e.compute == 0.5);
  CHECK(e.memory == 0.8);
  CHECK(e.step_overhead_ms == 0);
  CHECK(e.interconnect == base.interconnect);
  CHECK(e.collective_latency_us == base.collective_latency_us);
  CHECK(e.basis.find("overridden: compute=0.5,memory=0.8,overhead_ms=0") != std::string::npos);
}

TEST_CASE("a misspelt efficiency factor is a usage error that suggests the right one", "[estimate]") {
  try {
    parse_efficiency("comput=0.5", Efficiency{}, "--efficiency");
    FAIL("expected Error(usage)");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "--efficiency: unknown efficiency factor 'comput'");
    CHECK(e.hint() == "did you mean 'compute'?");
  }
}

TEST_CASE("efficiency values out of range, not numbers or missing are usage errors", "[estimate]") {
  CHECK_THROWS_WITH(parse_efficiency("compute=1.5", Efficiency{}, "--efficiency"), "--efficiency: compute=1.5 is out of range");
  CHECK_THROWS_WITH(parse_efficiency("memory=0", Efficiency{}, "--efficiency"), "--efficiency: memory=0 is out of range");
  CHECK_THROWS_WITH(parse_efficiency("memory=fast", Efficiency{}, "--efficiency"),
                    "--efficiency: 'fast' is not a number in 'memory=fast'");
  CHECK_THROWS_WITH(parse_efficiency("overhead_ms=-1", Efficiency{}, "--efficiency"),
                    "--efficiency: overhead_ms=-1 is negative");
  CHECK_THROWS_WITH(parse_efficiency("compute", Efficiency{}, "--efficiency"), "--efficiency: 'compute' is not key=value");
  CHECK_THROWS_WITH(parse_efficiency(" , ", Efficiency{}, "--efficiency"), "--efficiency: no factors given");
}

TEST_CASE("bad requests are usage errors naming the value", "[estimate]") {
  EstimateRequest r = request(0);
  CHECK_THROWS_WITH(Estimator(llama_3_1_8b(), h100(), r), "chips must be at least 1, got 0");
  r = request(1, 0, 10);
  CHECK_THROWS_WITH(Estimator(llama_3_1_8b(), h100(), r), "input tokens must be at least 1, got 0");
  Accelerator no_link = h100();
  no_link.interconnect_gb_per_s = 0;
  try {
    Estimator(llama_3_1_8b(), no_link, request(2));
    FAIL("expected Error(usage)");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(e.hint() == "use --chips 1");
  }
}

TEST_CASE("an estimate lists every factor it used and explains its step time", "[estimate]") {
  EstimateRequest r = request(8);
  r.efficiency.reset();
  r.weights = Precision::fp8;
  const auto m = llama_3_1_70b();
  const Estimator est(m, v6e(), r);
  const auto assumptions = estimate_assumptions(est, m, v6e());
  const auto has = [&](const std::string& key) {
    return std::any_of(assumptions.begin(), assumptions.end(), [&](const Assumption& a) { return a.key == key; });
  };
  for (const char* key : {"estimate_basis", "efficiency_compute", "efficiency_memory", "efficiency_interconnect",
                          "collective_latency_us", "step_overhead_ms", "matmul_peak_tflops_per_chip",
                          "interconnect_gb_per_s_per_chip", "batch_mode", "kv_read"}) {
    CHECK(has(key));
  }
  const auto peak = std::find_if(assumptions.begin(), assumptions.end(),
                                 [](const Assumption& a) { return a.key == "matmul_peak_tflops_per_chip"; });
  CHECK(peak->description.find("dequantised to bf16") != std::string::npos);
  const auto lines = explain_estimate(est, m, v6e(), est.at(32));
  const bool has_step = std::any_of(lines.begin(), lines.end(),
                                    [](const std::string& l) { return l.find("  step ") == 0; });
  CHECK(has_step);
}

TEST_CASE("the overhead is the bound when a step is mostly fixed cost", "[estimate]") {
  EstimateRequest r = request(1, 8, 8);
  Efficiency e = ideal();
  e.step_overhead_ms = 100;
  r.efficiency = e;
  CHECK(Estimator(llama_3_1_8b(), h100(), r).at(1).bound == Bound::overhead);
}

TEST_CASE("a context reserves memory for every sequence at full length — the reads stay the live tokens",
          "[estimate][context]") {
  EstimateRequest r = request(8);
  const Estimator live(llama_3_1_70b(), v6e(), r);
  r.context_tokens = 8 * (r.input_tokens + r.output_tokens);
  const Estimator reserved(llama_3_1_70b(), v6e(), r);
  CHECK(reserved.admission_tokens() == r.context_tokens);
  // Eight times the tokens per sequence: about an eighth of the sequences fit beside the weights.
  CHECK(reserved.max_batch() <= live.max_batch() / 8 + 1);
  CHECK(reserved.max_batch() >= live.max_batch() / 8 - 1);
  CHECK(reserved.kv_read_tokens() == live.kv_read_tokens());
  CHECK(reserved.at(4).tpot_ms == Approx(live.at(4).tpot_ms));
  r.context_tokens = r.input_tokens + r.output_tokens - 1;
  CHECK_THROWS_WITH(Estimator(llama_3_1_70b(), v6e(), r), Catch::Contains("cannot hold requests of"));
}

TEST_CASE("the queueing wait at a quantile: none while few wait, an exponential tail beyond", "[estimate][queue]") {
  // u = 0.5 with one server: P_wait = u^(√4 − 1) = 0.5; the mean wait is the M/D/1 half service time.
  CHECK(queue_wait_ms(0.5, 1, 100, 0) == Approx(50));
  CHECK(queue_wait_ms(0.5, 1, 100, 0, 0.5) == 0);                                // half the requests never wait
  CHECK(queue_wait_ms(0.5, 1, 100, 0, 0.9) == Approx(100 * std::log(0.5 / 0.1))); // W/P_wait · ln(P_wait/(1 − q))
  CHECK(queue_wait_ms(0.5, 1, 100, 1) == Approx(100));                           // exponential service: twice
  CHECK(std::isinf(queue_wait_ms(1.0, 4, 100, 0)));
  CHECK(queue_wait_ms(0.9, 8, 100, 0, 0.99) > queue_wait_ms(0.9, 8, 100, 0, 0.9));
  CHECK(normal_quantile(0.5) == Approx(0).margin(1e-9));
  CHECK(normal_quantile(0.9) == Approx(1.2815516).epsilon(1e-6));
  CHECK(normal_quantile(0.99) == Approx(2.3263479).epsilon(1e-6));
  CHECK(normal_quantile(0.01) == Approx(-2.3263479).epsilon(1e-6));
}

TEST_CASE("the utilisation within a wait budget is the bisection's answer, found in a few Newton steps",
          "[estimate][queue]") {
  std::mt19937_64 rng(20261202);
  std::uniform_real_distribution<double> unit(0, 1);
  int checked = 0;
  for (int i = 0; i < 3000; ++i) {
    const int servers = 1 + static_cast<int>(unit(rng) * 512);
    const double service_ms = 10 + unit(rng) * 1e5;
    const double scv = unit(rng) * 2;
    const double quantile = std::array<double, 4>{0.5, 0.9, 0.95, 0.99}[i % 4];
    const double budget = std::pow(10.0, -1 + unit(rng) * 6); // 0.1 ms to 100 s
    const double u = utilization_within_wait(servers, service_ms, scv, quantile, budget);
    INFO(servers << " " << service_ms << " " << scv << " " << quantile << " " << budget << " → " << u);
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
    CHECK(queue_wait_ms(u, servers, service_ms, scv, quantile) <= budget); // always meets the budget
    double lo = 0, hi = 1;
    for (int k = 0; k < 60; ++k) {
      const double mid = (lo + hi) / 2;
      (queue_wait_ms(mid, servers, service_ms, scv, quantile) <= budget ? lo : hi) = mid;
    }
    CHECK(u == Approx(lo).epsilon(1e-12).margin(1e-15));
    ++checked;
  }
  CHECK(checked == 3000);
  CHECK(utilization_within_wait(4, 100, 0, 0.9, 0) == 0);   // no budget left
  CHECK(utilization_within_wait(4, 100, 0, 0.9, -5) == 0);
}

TEST_CASE("latency percentiles: TTFT adds the quantile wait, TPOT the prompts that arrive in a request's steps",
          "[estimate][queue]") {
  EstimateRequest r = request(8);
  const double capacity = Estimator(llama_3_1_70b(), v6e(), r).at(32).requests_per_s;
  r.load_requests_per_s = capacity * 0.8;
  r.ttft_quantile = 0.99;
  r.tpot_quantile = 0.99;
  const Estimate p99 = Estimator(llama_3_1_70b(), v6e(), r).at(32);
  r.ttft_quantile = 0.5;
  r.tpot_quantile = 0.5;
  const Estimate p50 = Estimator(llama_3_1_70b(), v6e(), r).at(32);
  REQUIRE(p99.ttft_ms_at_quantile);
  CHECK(*p99.ttft_ms_at_quantile > *p50.ttft_ms_at_quantile);
  CHECK(*p50.ttft_ms_at_quantile <= *p50.ttft_ms); // the median waits less than the mean
  CHECK(*p50.tpot_ms_at_quantile == Approx(p50.tpot_ms)); // the median step is the mean step
  CHECK(*p99.tpot_ms_at_quantile > p99.tpot_ms);
  CHECK(p99.slo_tpot_ms() == *p99.tpot_ms_at_quantile);
  // The limits apply at the quantile: a TPOT limit between the mean and p99 admits fewer at p99.
  BatchLimits limits;
  limits.tpot_ms = (p99.tpot_ms + *p99.tpot_ms_at_quantile) / 2;
  r.load_requests_per_s.reset();
  r.tpot_quantile.reset();
  const auto mean_best = best_batch(Estimator(llama_3_1_70b(), v6e(), r), limits);
  r.tpot_quantile = 0.99;
  const auto p99_best = best_batch(Estimator(llama_3_1_70b(), v6e(), r), limits);
  REQUIRE(mean_best);
  REQUIRE(p99_best);
  CHECK(p99_best->batch < mean_best->batch);
}
