// The calibration set of perfmodel §3.1 and holdout rows from the same upstream tables, each
// with the workload it was measured on. Every measured figure below is copied from the cited
// file; the only derived quantities are said so in `note` (ShareGPT and OpenOrca means).
#include <tpuplan/perf/fidelity.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/perf/engine.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

namespace {

constexpr const char* k_trtllm_017 =
    "NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @258c754 (\"generated using version 0.17\"; "
    "trtllm-bench throughput, infinite request rate)";
constexpr const char* k_trtllm_061 =
    "NVIDIA/TensorRT-LLM docs/source/performance.md (v0.6.1 peak throughput, gptSessionBenchmark static batches; "
    "H100 engines built with --enable_fp8 --fp8_kv_cache)";
constexpr const char* k_trtllm_05_ttft =
    "NVIDIA/TensorRT-LLM docs/source/performance.md (v0.5 first-token latency at batch 1)";
constexpr const char* k_jetstream =
    "AI-Hypercomputer/jetstream-pytorch benchmarks/summary.md (2024-03…05; run_server.py --max_cache_length=2048 "
    "--quantize_weights/--quantize_kv_cache together)";
constexpr const char* k_mlperf =
    "mlcommons/inference_results_v4.0 closed/NVIDIA results/DGX-H100_H100-SXM-80GBx8_TRT/llama2-70b-99.9/Offline "
    "(21,806 tok/s); configs/llama2-70b/Offline: tensor_parallelism 2, gpu_batch_size 896, use_fp8";
constexpr const char* k_kipply =
    "kipply, Transformer Inference Arithmetic (FasterTransformer on A100-40GB); llm-analysis "
    "examples/fastertransformer and model_configs/test-13b.json";

constexpr const char* k_trtllm_batch_note =
    "batch: the largest that fits at input+output tokens (Guaranteed No Evict), KV memory = 0.95 of free HBM "
    "(kv_cache_free_gpu_mem_fraction), at most 4096 (trtllm-bench build/tuning.py); FP8 sets an FP8 KV cache";

/// The ISL/OSL pairs of the v0.17 table, in its row order.
constexpr int k_v017_lengths[9][2] = {{128, 128},   {128, 2048},  {128, 4096},  {500, 2000},  {1000, 1000},
                                      {2048, 128},  {2048, 2048}, {5000, 500},  {20000, 2000}};

EstimateRequest workload(int chips, Precision weights, Precision kv, double in, double out, BatchMode mode) {
  EstimateRequest r;
  r.chips = chips;
  r.weights = weights;
  r.kv = kv;
  r.input_tokens = in;
  r.output_tokens = out;
  r.mode = mode;
  return r;
}

std::string lengths_id(double in, double out) { return fmt::format("{:g}-{:g}", in, out); }

/// A TensorRT-LLM v0.17 trtllm-bench row: continuous batching at the largest batch that fits.
CalibrationPoint trtllm_017(const std::string& group, const std::string& model, const std::string& accelerator,
                            int tp, Precision p, int in, int out, double measured, const std::string& row) {
  CalibrationPoint c;
  c.id = fmt::format("trtllm-0.17/{}/{}/tp{}/{}/{}", model, accelerator, tp, to_string(p), lengths_id(in, out));
  c.group = group;
  c.engine = "TensorRT-LLM v0.17";
  c.engine_id = "trtllm";
  c.model = model;
  c.accelerator = accelerator;
  c.request = workload(tp, p, p, in, out, BatchMode::continuous);
  c.request.headroom_fraction = 0.05;
  c.batch_cap = 4096;
  c.measured = measured;
  c.source = (row.empty() ? std::string{} : row + " — ") + k_trtllm_017;
  c.note = k_trtllm_batch_note;
  return c;
}

/// A whole column of the v0.17 table (nine ISL/OSL rows); 0 marks a missing cell.
void trtllm_017_column(std::vector<CalibrationPoint>& out, const std::string& model, const std::string& accelerator,
                       int tp, Precision p, const double (&values)[9], const std::string& group = "holdout") {
  for (int i = 0; i < 9; ++i) {
    if (values[i] > 0) {
      out.push_back(trtllm_017(group, model, accelerator, tp, p, k_v017_lengths[i][0], k_v017_lengths[i][1],
                               values[i], {}));
    }
  }
}

/// A TensorRT-LLM v0.6.1 static-batch row; the table gives output tokens/s per GPU.
CalibrationPoint trtllm_061(const std::string& group, const std::string& model, const std::string& accelerator,
                            int tp, Precision p, int batch, int in, int out, double per_gpu, const std::string& row) {
  CalibrationPoint c;
  c.id = fmt::format("trtllm-0.6.1/{}/{}/tp{}/{}/b{}/{}", model, accelerator, tp, to_string(p), batch,
                     lengths_id(in, out));
  c.group = group;
  c.engine = "TensorRT-LLM v0.6.1 (static)";
  c.engine_id = "trtllm";
  c.model = model;
  c.accelerator = accelerator;
  c.request = workload(tp, p, p, in, out, BatchMode::static_batch);
  c.batch = batch;
  c.measured = per_gpu * tp;
  c.source = (row.empty() ? std::string{} : row + " — ") + k_trtllm_061;
  c.note = fmt::format("static batch {} as measured; {:g} tok/s per GPU × {} GPUs", batch, per_gpu, tp);
  return c;
}

/// A JetStream-PyTorch row on TPU v5e-8: ShareGPT, fixed 2048-token cache per slot.
CalibrationPoint jetstream(const std::string& model, const std::string& label, Precision p, int batch, double measured) {
  // ShareGPT filtered as JetStream's benchmark_serving.py does (prompt ≤ 1024, prompt + output
  // ≤ 2048): mean 202 input / 179 output tokens (perfmodel §6 S12, vLLM's 2024-09 perf update).
  constexpr double k_in = 202;
  constexpr double k_out = 179;
  CalibrationPoint c;
  c.id = fmt::format("jetstream-pytorch/{}/v5e/tp8/{}/b{}", label, to_string(p), batch);
  c.group = "calibration";
  c.engine = "JetStream-PyTorch (2024)";
  c.engine_id = "jetstream";
  c.model = model;
  c.accelerator = "v5e";
  c.request = workload(8, p, p, k_in, k_out, BatchMode::continuous);
  c.request.kv_read = KvRead::padded;
  c.request.cache_tokens = 2048;
  c.batch = batch;
  c.measured = measured;
  c.source = "perfmodel §3.1 rows 20–21 — " + std::string(k_jetstream);
  c.note = fmt::format("{} on v5e-8 (model-parallel 8 ways), batch {}; ShareGPT mean 202 in / 179 out tokens; "
                       "decode reads the whole 2048-token cache (kv_read=padded); int8 quantises weights and KV",
                       label, batch);
  return c;
}

/// The 13B model kipply measured with FasterTransformer (llm-analysis test-13b.json):
/// GPT-style, 40 layers, d = 5120, 40 heads (MHA), FFN 4·d without gating, vocabulary 50,272.
ModelSpec ft_13b() {
  ModelSpec m;
  m.id = "ft-13b";
  m.name = "13B (FasterTransformer, kipply)";
  m.family = "gpt";
  m.source = "cli99/llm-analysis llm_analysis/model_configs/test-13b.json";
  m.layers = 40;
  m.hidden = 5120;
  m.heads = 40;
  m.kv_heads = 40;
  m.head_dim = 128;
  m.intermediate = 20480;
  m.vocab = 50272;
  m.max_context = 2048;
  m.tied_embeddings = true;
  m.gated_mlp = false;
  return m;
}

CalibrationPoint ft(int tp, CalibrationMetric metric, double measured) {
  CalibrationPoint c;
  c.id = fmt::format("fastertransformer/ft-13b/a100-40gb/tp{}/bf16/b1/{}", tp, to_string(metric));
  c.group = "calibration";
  c.engine = "FasterTransformer (2022)";
  c.model = "ft-13b";
  c.spec = ft_13b();
  c.accelerator = "a100-40gb";
  // Batch 1, a 512-token prompt, 10 generated tokens: static mode gives the prefill of the
  // prompt and the mean decode step over the generation.
  c.request = workload(tp, Precision::bf16, Precision::bf16, 512, 10, BatchMode::static_batch);
  c.batch = 1;
  c.metric = metric;
  c.measured = measured;
  c.source = "perfmodel §3.1 row 25 — " + std::string(k_kipply);
  c.note = "fp16, batch 1, 512-token prompt, 10 new tokens";
  return c;
}

CalibrationPoint ttft_05(const std::string& model, const std::string& accelerator, int tp, Precision p, int in,
                         double measured_ms) {
  CalibrationPoint c;
  c.id = fmt::format("trtllm-0.5/{}/{}/tp{}/{}/b1/{}-prefill", model, accelerator, tp, to_string(p), in);
  c.group = "holdout";
  c.engine = "TensorRT-LLM v0.5";
  c.engine_id = "trtllm";
  c.model = model;
  c.accelerator = accelerator;
  c.request = workload(tp, p, p, in, 1, BatchMode::static_batch);
  c.batch = 1;
  c.metric = CalibrationMetric::prefill_ms;
  c.measured = measured_ms;
  c.source = k_trtllm_05_ttft;
  c.note = "first-token latency at batch 1 (context phase of one prompt)";
  return c;
}

constexpr const char* k_sgl_jax =
    "calibration-engines.md §A — sgl-project/sglang-jax docs/performance/qwen3_benchmark.md @24f84739 (2025-09-13): "
    "random dataset, fixed lengths, 3 × B prompts at max concurrency B, TP4 on v6e-4, bf16";

/// A row of the SGL-JAX / vLLM-TPU sweep on v6e-4: a static-like batch of B (3 × B prompts at
/// concurrency B, fixed lengths). Qwen3-8B rows calibrate, Qwen3-32B rows are held out.
CalibrationPoint tpu_sweep(const std::string& engine_id, const std::string& engine, const std::string& model, int in,
                           int out, int batch, CalibrationMetric metric, double measured, double headroom) {
  CalibrationPoint c;
  c.id = fmt::format("{}/{}/v6e/tp4/bf16/b{}/{}{}", engine_id, model, batch, lengths_id(in, out),
                     metric == CalibrationMetric::tpot_ms ? "/itl" : "");
  c.group = model == "qwen3-8b" ? "calibration" : "holdout";
  c.engine = engine;
  c.engine_id = engine_id;
  c.model = model;
  c.accelerator = "v6e";
  c.request = workload(4, Precision::bf16, Precision::bf16, in, out, BatchMode::static_batch);
  c.request.headroom_fraction = headroom;
  c.batch = batch;
  c.metric = metric;
  c.measured = measured;
  c.source = k_sgl_jax;
  c.note = metric == CalibrationMetric::tpot_ms
               ? "median inter-token latency of the run, as the decode step"
               : "output tokens/s of the run (prefill of each wave included), as a static batch of B";
  return c;
}

/// A TPU serving run of 2025–2026 from an engine's or Google's own published table (held out:
/// no default was chosen on them). `batch`: the concurrency, run as a static-like batch when
/// the prompts came in waves of it (`waves`), else in continuous batching; `cap`: the server's
/// max-num-seqs when it was below the client's concurrency (the batch is then the largest that
/// fits up to it).
struct TpuRun {
  const char* engine_id;
  const char* engine;
  const char* model;
  const char* accelerator;
  int chips;
  Precision weights;
  Precision kv;
  double in;
  double out;
  int batch;
  bool waves;
  int cap;
  double measured;
  const char* source;
  const char* note;
};

CalibrationPoint tpu_run(const TpuRun& r) {
  CalibrationPoint c;
  c.id = fmt::format("{}/{}/{}/{}chips/{}/{}{}/{}", r.engine_id, r.model, r.accelerator, r.chips, to_string(r.weights),
                     r.cap > 0 ? "cap" : "b", r.cap > 0 ? r.cap : r.batch, lengths_id(r.in, r.out));
  c.group = "holdout";
  c.engine = r.engine;
  c.engine_id = r.engine_id;
  c.model = r.model;
  c.accelerator = r.accelerator;
  c.request = workload(r.chips, r.weights, r.kv, r.in, r.out, r.waves ? BatchMode::static_batch : BatchMode::continuous);
  if (r.cap > 0) {
    c.batch_cap = r.cap;
  } else {
    c.batch = r.batch;
  }
  c.measured = r.measured;
  c.source = r.source;
  c.note = r.note;
  return c;
}

constexpr const char* k_trtllm_10 =
    "calibration-engines.md §B — NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @00f37686 (v1.0, "
    "trtllm-bench throughput, PyTorch backend, FP8 weights and FP8 KV cache)";

CalibrationPoint trtllm_10(const std::string& model, const std::string& accelerator, int tp, int in, int out,
                           double measured) {
  CalibrationPoint c = trtllm_017("holdout", model, accelerator, tp, Precision::fp8, in, out, measured, {});
  c.id = fmt::format("trtllm-1.0/{}/{}/tp{}/fp8/{}", model, accelerator, tp, lengths_id(in, out));
  c.engine = "TensorRT-LLM v1.0";
  c.source = k_trtllm_10;
  if (model == "llama-3.1-70b") {
    c.note += "; Llama-3.3-70B-Instruct, which has Llama-3.1-70B's architecture";
  }
  return c;
}

} // namespace

std::string_view to_string(CalibrationMetric metric) {
  switch (metric) {
  case CalibrationMetric::output_tokens_per_s:
    return "output_tokens_per_s";
  case CalibrationMetric::tpot_ms:
    return "tpot_ms";
  case CalibrationMetric::prefill_ms:
    return "prefill_ms";
  }
  return "output_tokens_per_s";
}

namespace {

/// The measured points; without `holdout`, the calibration group alone (what the error bands
/// of cost and estimate need: a fifth of the points, a fifth of the work at start-up).
std::vector<CalibrationPoint> build_calibration_points(bool holdout) {
  const auto bf16 = Precision::bf16;
  const auto fp8 = Precision::fp8;
  const auto int8 = Precision::int8;
  std::vector<CalibrationPoint> p;

  // Row 1: MLPerf v4.0 Offline, 8×H100 run as four TP2 replicas of batch 896; OpenOrca mean
  // 218 input / 292 output tokens (perfmodel §3.1, derived from tokens/s ÷ samples/s).
  {
    CalibrationPoint c;
    c.id = "mlperf-4.0/llama-2-70b/h100/tp2/fp8/b896/offline";
    c.group = "calibration";
    c.engine = "TensorRT-LLM (MLPerf v4.0)";
    c.engine_id = "trtllm";
    c.model = "llama-2-70b";
    c.accelerator = "h100";
    c.request = workload(2, fp8, fp8, 218, 292, BatchMode::continuous);
    c.batch = 896;
    c.measured = 21806.0 / 4;
    c.source = "perfmodel §3.1 row 1 — " + std::string(k_mlperf);
    c.note = "21,806 tok/s over 4 TP2 replicas = 5,451.5 per replica; OpenOrca mean 218 in / 292 out; FP8 KV cache "
             "as TensorRT-LLM's FP8 recipe sets it";
    p.push_back(std::move(c));
  }
  // Row 8: Llama-3.1-8B FP8 on one H100; row 10: FP16 on one A100-80GB; row 13: 70B FP16 on A100.
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "h100", 1, fp8, 128, 128, 28836.77, "perfmodel §3.1 row 8"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "h100", 1, fp8, 1000, 1000, 15244.78, "perfmodel §3.1 row 8"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "h100", 1, fp8, 2048, 2048, 9488.42, "perfmodel §3.1 row 8"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "h100", 1, fp8, 2048, 128, 3556.73, "perfmodel §3.1 row 8"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "a100-80gb", 1, bf16, 128, 128, 6627.27, "perfmodel §3.1 row 10"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "a100-80gb", 1, bf16, 1000, 1000, 3786.83, "perfmodel §3.1 row 10"));
  p.push_back(trtllm_017("calibration", "llama-3.1-8b", "a100-80gb", 1, bf16, 2048, 128, 799.61, "perfmodel §3.1 row 10"));
  p.push_back(trtllm_017("calibration", "llama-3.1-70b", "a100-80gb", 4, bf16, 1000, 1000, 1921.77, "perfmodel §3.1 row 13"));
  p.push_back(trtllm_017("calibration", "llama-3.1-70b", "a100-80gb", 8, bf16, 1000, 1000, 3320.41, "perfmodel §3.1 row 13"));
  // Rows 16 and 18: Llama-2-7B static batches (v0.6.1).
  p.push_back(trtllm_061("calibration", "llama-2-7b", "h100", 1, fp8, 768, 128, 128, 19694, "perfmodel §3.1 row 16"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "h100", 1, fp8, 112, 128, 2048, 6818, "perfmodel §3.1 row 16"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "h100", 1, fp8, 80, 2048, 128, 2244, "perfmodel §3.1 row 16"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "h100", 1, fp8, 48, 2048, 2048, 2740, "perfmodel §3.1 row 16"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "a100-80gb", 1, bf16, 384, 128, 128, 5586, "perfmodel §3.1 row 18"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "a100-80gb", 1, bf16, 60, 128, 2048, 1928, "perfmodel §3.1 row 18"));
  p.push_back(trtllm_061("calibration", "llama-2-7b", "a100-80gb", 1, bf16, 52, 2048, 128, 591, "perfmodel §3.1 row 18"));
  // Rows 20–21: JetStream-PyTorch on v5e-8 (Llama-3-8B has Llama-3.1-8B's architecture).
  p.push_back(jetstream("llama-2-7b", "llama-2-7b", bf16, 96, 3663));
  p.push_back(jetstream("llama-2-7b", "llama-2-7b", int8, 96, 4783));
  p.push_back(jetstream("llama-2-13b", "llama-2-13b", bf16, 48, 2056));
  p.push_back(jetstream("llama-2-13b", "llama-2-13b", int8, 96, 3458));
  p.push_back(jetstream("llama-3.1-8b", "llama-3-8b", bf16, 128, 8249));
  p.push_back(jetstream("llama-3.1-8b", "llama-3-8b", int8, 256, 10873));
  p.push_back(jetstream("gemma-7b", "gemma-7b", bf16, 96, 3236));
  p.push_back(jetstream("gemma-7b", "gemma-7b", int8, 128, 4695));
  // Row 25: FasterTransformer 13B on A100-40GB, batch 1.
  p.push_back(ft(1, CalibrationMetric::tpot_ms, 22.0));
  p.push_back(ft(2, CalibrationMetric::tpot_ms, 13.5));
  p.push_back(ft(1, CalibrationMetric::prefill_ms, 63.17));
  p.push_back(ft(2, CalibrationMetric::prefill_ms, 45.45));

  // SGL-JAX and vLLM-TPU on v6e-4 (calibration-engines.md §A): SGL-JAX ran mem-fraction 0.8,
  // vLLM-TPU its default 0.9. Qwen3-8B rows are calibration, Qwen3-32B rows holdout.
  {
    const auto tps = CalibrationMetric::output_tokens_per_s;
    const auto itl = CalibrationMetric::tpot_ms;
    struct Row {
      const char* model;
      int in;
      int batch;
      double tokens_per_s;
      double itl_ms;
    };
    constexpr Row sgl[] = {{"qwen3-8b", 1024, 8, 1311.49, 5.99},   {"qwen3-8b", 1024, 64, 5296.60, 11.11},
                           {"qwen3-8b", 1024, 256, 7571.84, 30.00}, {"qwen3-8b", 4096, 64, 2528.79, 21.13},
                           {"qwen3-8b", 8192, 64, 1458.77, 31.98},  {"qwen3-32b", 1024, 8, 427.69, 18.29},
                           {"qwen3-32b", 1024, 64, 1977.45, 29.48}, {"qwen3-32b", 4096, 64, 785.30, 35.32},
                           {"qwen3-32b", 8192, 64, 435.25, 33.43}};
    for (const Row& r : sgl) {
      p.push_back(tpu_sweep("sgl-jax", "SGL-JAX (2025-09)", r.model, r.in, 1024, r.batch, tps, r.tokens_per_s, 0.2));
      p.push_back(tpu_sweep("sgl-jax", "SGL-JAX (2025-09)", r.model, r.in, 1024, r.batch, itl, r.itl_ms, 0.2));
    }
    constexpr Row vllm[] = {{"qwen3-8b", 1024, 64, 3043.58, 18.34}, {"qwen3-32b", 1024, 64, 1391.29, 42.45}};
    for (const Row& r : vllm) {
      p.push_back(tpu_sweep("vllm-tpu", "vLLM-TPU (2025-09)", r.model, r.in, 1024, r.batch, tps, r.tokens_per_s, 0.1));
      p.push_back(tpu_sweep("vllm-tpu", "vLLM-TPU (2025-09)", r.model, r.in, 1024, r.batch, itl, r.itl_ms, 0.1));
    }
  }

  // Mixtral-8x7B, one column per family (2026-12-04): the only MoE points, moved from the
  // holdout to fit η_moe (the routed experts' share of the dense efficiencies); the other
  // Mixtral columns (H100 TP2, A100 TP4 and TP8) stay held out.
  trtllm_017_column(p, "mixtral-8x7b", "h100", 1, fp8,
                    {15962.49, 8290.13, 4784.86, 6800.6, 6868.52, 1892.81, 3983.1, 1764.7, 673.7}, "calibration");
  trtllm_017_column(p, "mixtral-8x7b", "a100-80gb", 2, bf16,
                    {5541.47, 4169.78, 2608.05, 3446.37, 3154.52, 649, 2056.58, 724.44, 337.51}, "calibration");

  if (!holdout) {
    std::erase_if(p, [](const CalibrationPoint& c) { return c.group != "calibration"; });
    return p;
  }

  // TPU serving runs of 2025–2026 published by Google (tpu-recipes) and the SGL-JAX team,
  // held out: output tokens/s of the whole slice. TPU7x counts chips (a 4-chip slice is 8
  // JAX devices, "TP=8"). Read 2026-12-04 from the repositories named in each source.
  {
    const auto bf16v = Precision::bf16;
    constexpr const char* recipes_70b =
        "AI-Hypercomputer/tpu-recipes inference/trillium/vLLM/Llama3.x/README.md @b709d734 (vLLM-TPU v0.12.0, "
        "Llama-3.3-70B-Instruct bf16, v6e-8 TP8, random 1000/1000, 3000 prompts)";
    constexpr const char* sgl_cookbook_7x =
        "sgl-project/sglang-jax docs/cookbook/autoregressive (Qwen/Qwen3.md, Llama/Llama3.3-70B.md) @cddbf6f1 "
        "(main 2d97c787, 2026-07): v7x-4, TP=8 over 8 devices, bf16, 1024/1024 fixed, concurrency 128, 384 prompts";
    constexpr const char* sgl_cookbook_v6e =
        "sgl-project/sglang-jax docs/cookbook/autoregressive (Llama/Llama3.1.md, Google/Gemma2.md) @cddbf6f1 "
        "(SGL-JAX 0.1.0): v6e-4 TP4, bf16, concurrency 16, 100 prompts";
    constexpr const char* recipes_7x_32b =
        "AI-Hypercomputer/tpu-recipes inference/ironwood/vLLM/Qwen3-32B/README.md @467e5563 (vLLM-TPU "
        "nightly-20260330): Qwen3-32B FP8 W8A8 with an FP8 KV cache on one TPU7x chip, InferenceX client, random "
        "lengths 0.8–1.0 × 1k/8k, concurrency 320 against max-num-seqs 135, per chip";
    const TpuRun runs[] = {
        {"vllm-tpu", "vLLM-TPU v0.12.0", "llama-3.1-70b", "v6e", 8, bf16v, bf16v, 1000, 1000, 64, false, 0, 2494.80,
         recipes_70b, "concurrency 64 over 3000 prompts: continuous batching at 64; Llama-3.3-70B has Llama-3.1-70B's "
                      "architecture"},
        {"vllm-tpu", "vLLM-TPU v0.12.0", "llama-3.1-70b", "v6e", 8, bf16v, bf16v, 1000, 1000, 128, false, 0, 3544.46,
         recipes_70b, "concurrency 128 over 3000 prompts: continuous batching at 128"},
        {"sgl-jax", "SGL-JAX (2026-07)", "qwen3-8b", "tpu7x", 4, bf16v, bf16v, 1024, 1024, 128, true, 0, 8521.48,
         sgl_cookbook_7x, "3 waves of 128 prompts: a static-like batch of 128"},
        {"sgl-jax", "SGL-JAX (2026-07)", "llama-3.1-70b", "tpu7x", 4, bf16v, bf16v, 1024, 1024, 128, true, 0, 3609.65,
         sgl_cookbook_7x, "3 waves of 128 prompts: a static-like batch of 128; Llama-3.3-70B"},
        {"sgl-jax", "SGL-JAX 0.1.0", "llama-3.1-8b", "v6e", 4, bf16v, bf16v, 512, 512, 16, true, 0, 1448.91,
         sgl_cookbook_v6e, "100 prompts in waves of 16: a static-like batch of 16"},
        {"sgl-jax", "SGL-JAX 0.1.0", "gemma-2-27b", "v6e", 4, bf16v, bf16v, 1024, 1024, 16, true, 0, 974.57,
         sgl_cookbook_v6e, "100 prompts in waves of 16: a static-like batch of 16"},
        {"vllm-tpu", "vLLM-TPU (2026-03)", "qwen3-32b", "tpu7x", 1, fp8, fp8, 921.6, 921.6, 0, false, 135, 6556.72,
         recipes_7x_32b, "1k/1k: mean lengths 0.9 × 1024; the server's 135 sequences at most"},
        {"vllm-tpu", "vLLM-TPU (2026-03)", "qwen3-32b", "tpu7x", 1, fp8, fp8, 921.6, 7372.8, 0, false, 135, 3959.56,
         recipes_7x_32b, "1k/8k: mean lengths 0.9 × 1024 in, 0.9 × 8192 out; at most 135 sequences"},
        {"vllm-tpu", "vLLM-TPU (2026-03)", "qwen3-32b", "tpu7x", 1, fp8, fp8, 7372.8, 921.6, 0, false, 135, 1382.18,
         recipes_7x_32b, "8k/1k: mean lengths 0.9 × 8192 in, 0.9 × 1024 out; at most 135 sequences"},
    };
    for (const TpuRun& r : runs) {
      p.push_back(tpu_run(r));
    }
  }

  // TensorRT-LLM v1.0 (calibration-engines.md §B), held out: no default was chosen on them.
  p.push_back(trtllm_10("llama-3.1-70b", "h100", 2, 128, 2048, 6651));
  p.push_back(trtllm_10("llama-3.1-70b", "h100", 2, 2048, 128, 762));
  p.push_back(trtllm_10("llama-3.1-70b", "h100", 2, 20000, 2000, 437));
  p.push_back(trtllm_10("llama-3.1-70b", "h200", 1, 1000, 2000, 2994));
  p.push_back(trtllm_10("llama-3.1-70b", "h200", 1, 5000, 500, 566));
  p.push_back(trtllm_10("llama-3.1-8b", "h200", 1, 1000, 2000, 16828));
  p.push_back(trtllm_10("llama-3.1-8b", "h100", 1, 5000, 500, 3459));

  // Holdout: the other cells of the same tables. They were not used to choose the defaults.
  // v0.17 columns in row order 128/128, 128/2048, 128/4096, 500/2000, 1000/1000, 2048/128,
  // 2048/2048, 5000/500, 20000/2000; 0 = empty cell; calibration cells are left out here.
  trtllm_017_column(p, "llama-3.1-8b", "h100", 1, fp8, {0, 21109.38, 13593.65, 16500.69, 0, 0, 0, 3559.36, 1401.31});
  trtllm_017_column(p, "llama-3.1-8b", "a100-80gb", 1, bf16, {0, 5255.99, 3453.79, 4276.58, 0, 0, 2424.16, 825.13, 330.04});
  trtllm_017_column(p, "llama-3.1-8b", "h200", 1, fp8,
                    {29526.04, 25398.86, 17370.8, 21020.81, 17537.96, 3794.14, 11968.5, 3987.79, 1804.1});
  trtllm_017_column(p, "llama-3.1-70b", "h100", 1, fp8, {3378.03, 911.62, 426.32, 775.57, 839.97, 343.29, 0, 245.34, 0});
  trtllm_017_column(p, "llama-3.1-70b", "h100", 2, fp8,
                    {6645.12, 6169.58, 3897.06, 4972.57, 4390.53, 772.66, 2898.16, 919.73, 443.01});
  trtllm_017_column(p, "llama-3.1-70b", "h100", 4, fp8,
                    {11127.53, 11511.93, 7439.41, 9836.7, 7430.99, 1302.6, 5480.03, 1602.78, 920.19});
  trtllm_017_column(p, "llama-3.1-70b", "h100", 8, fp8,
                    {14730.69, 17061.82, 14171.43, 14679.33, 11451.16, 1923.41, 8801.95, 2457.42, 1512.6});
  trtllm_017_column(p, "llama-3.1-70b", "h200", 1, fp8,
                    {4020.75, 4165.68, 2651.75, 3018.39, 2823.45, 465.99, 1913.8, 560.16, 279.52});
  trtllm_017_column(p, "llama-3.1-70b", "h200", 2, fp8,
                    {6823.01, 8290.35, 6526.67, 6848.02, 5164.76, 809, 4183.88, 1025.38, 640.62});
  trtllm_017_column(p, "llama-3.1-70b", "h200", 4, fp8,
                    {11098.63, 14156, 10574.06, 12452.79, 8911.29, 1358.06, 7130.44, 1811.55, 1199.68});
  trtllm_017_column(p, "llama-3.1-70b", "h200", 8, fp8,
                    {15355.84, 21195.88, 16941.52, 17278.4, 13181.24, 1983.03, 11142.47, 2717.83, 1920.45});
  trtllm_017_column(p, "llama-3.1-70b", "a100-80gb", 2, bf16, {1313.96, 531.26, 0, 439.41, 472.94, 148.96, 261.1, 121.47, 0});
  trtllm_017_column(p, "llama-3.1-70b", "a100-80gb", 4, bf16, {2733.48, 2811.27, 1976.49, 2275.79, 0, 325.15, 1393.64, 392.62, 212.08});
  trtllm_017_column(p, "llama-3.1-70b", "a100-80gb", 8, bf16, {4717.62, 5241.5, 3724.67, 4445.37, 0, 542.38, 2553.71, 696.34, 413.38});
  trtllm_017_column(p, "llama-3.1-405b", "h200", 8, fp8,
                    {3874.19, 5938.09, 5168.37, 5084.29, 3399.69, 463.42, 2940.62, 669.13, 535.31});
  // Mistral-7B ran with full attention: TensorRT-LLM's attention window defaults to the maximum
  // sequence length, and the measured 20000/2000 throughput matches Llama-3.1-8B's.
  const std::size_t mistral_begin = p.size();
  trtllm_017_column(p, "mistral-7b", "h100", 1, fp8,
                    {31674.49, 23496.42, 14350.99, 18026.27, 16035.66, 3642.48, 9958.17, 3591.33, 1373.24});
  trtllm_017_column(p, "mistral-7b", "a100-80gb", 1, bf16,
                    {6982.53, 5630.62, 3591.22, 4400.48, 3896.58, 808.58, 2489.77, 844.64, 332.3});
  for (std::size_t i = mistral_begin; i < p.size(); ++i) {
    p[i].full_attention = true;
    p[i].note += "; full attention (the engine's default window is the whole sequence)";
  }
  trtllm_017_column(p, "mixtral-8x7b", "h100", 2, fp8,
                    {27451.13, 22830.08, 14237.01, 17036.04, 15770.89, 3333.68, 10685.85, 3646.09, 1757.45});
  trtllm_017_column(p, "mixtral-8x7b", "a100-80gb", 4, bf16,
                    {10324.28, 10911.86, 7666.51, 8456.21, 7122.84, 1237.62, 5222.98, 1500.55, 829.59});
  trtllm_017_column(p, "mixtral-8x7b", "a100-80gb", 8, bf16,
                    {17043.54, 20277.88, 15282.89, 17184.24, 12851.44, 2165.52, 9809.76, 2761.28, 1592.53});
  // v0.6.1 static batches of Llama-2-70B (the tables label it "LLaMA 70B").
  p.push_back(trtllm_061("holdout", "llama-2-70b", "h100", 2, fp8, 1024, 128, 128, 2657, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "h100", 4, fp8, 480, 128, 2048, 1486, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "h100", 2, fp8, 96, 2048, 128, 306, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "h100", 2, fp8, 64, 2048, 2048, 547, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "a100-80gb", 4, bf16, 1280, 128, 128, 670, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "a100-80gb", 4, bf16, 240, 128, 2048, 525, {}));
  p.push_back(trtllm_061("holdout", "llama-2-70b", "a100-80gb", 4, bf16, 120, 2048, 128, 79, {}));
  // v0.5 first-token latency at batch 1.
  p.push_back(ttft_05("llama-2-7b", "h100", 1, fp8, 128, 7));
  p.push_back(ttft_05("llama-2-7b", "h100", 1, fp8, 2048, 36));
  p.push_back(ttft_05("llama-2-70b", "h100", 4, fp8, 128, 26));
  p.push_back(ttft_05("llama-2-70b", "h100", 4, fp8, 2048, 109));
  p.push_back(ttft_05("llama-2-7b", "a100-80gb", 1, bf16, 128, 16));
  p.push_back(ttft_05("llama-2-7b", "a100-80gb", 1, bf16, 2048, 133));
  p.push_back(ttft_05("llama-2-70b", "a100-80gb", 4, bf16, 128, 47));
  p.push_back(ttft_05("llama-2-70b", "a100-80gb", 4, bf16, 2048, 377));
  return p;
}

} // namespace

const std::vector<CalibrationPoint>& calibration_points() {
  // Built once per process: cost and --confidence read them for every accelerator kind.
  static const std::vector<CalibrationPoint> points = build_calibration_points(true);
  return points;
}

const std::vector<CalibrationPoint>& calibration_set() {
  static const std::vector<CalibrationPoint> points = build_calibration_points(false);
  return points;
}

CalibrationResult run_calibration_point(const CalibrationPoint& point, const DataSet& data) {
  const ModelSpec* model = point.spec ? &*point.spec : nullptr;
  if (model == nullptr) {
    const auto& presets = data.models.presets;
    const auto it = std::find_if(presets.begin(), presets.end(), [&](const ModelSpec& m) { return m.id == point.model; });
    if (it == presets.end()) {
      std::vector<std::string> ids;
      for (const auto& m : presets) {
        ids.push_back(m.id);
      }
      throw_unknown("model preset", point.model, ids, ErrorKind::input);
    }
    model = &*it;
  }
  ModelSpec full;
  if (point.full_attention) {
    full = *model;
    full.sliding_window = 0;
    full.sliding_window_layers = 0;
    model = &full;
  }
  const Accelerator& accelerator = data.catalog.accelerator(point.accelerator);
  EstimateRequest request = point.request;
  if (!request.efficiency && !point.engine_id.empty()) {
    const auto it = std::find_if(data.engines.begin(), data.engines.end(),
                                 [&](const Engine& e) { return e.id == point.engine_id; });
    if (it != data.engines.end()) {
      request.efficiency = engine_efficiency(&*it, accelerator);
    }
  }
  const Estimator estimator(*model, accelerator, request);
  int batch = 1;
  if (point.batch) {
    batch = *point.batch;
  } else {
    estimator.require_fit();
    batch = point.batch_cap ? std::min(estimator.max_batch(), *point.batch_cap) : estimator.max_batch();
  }
  const Estimate e = estimator.at(batch);
  CalibrationResult r;
  r.point = point;
  r.batch = batch;
  switch (point.metric) {
  case CalibrationMetric::output_tokens_per_s:
    r.estimated = e.output_tokens_per_s;
    break;
  case CalibrationMetric::tpot_ms:
    r.estimated = e.tpot_ms;
    break;
  case CalibrationMetric::prefill_ms:
    r.estimated = e.prefill_ms;
    break;
  }
  r.error = r.estimated / point.measured - 1;
  return r;
}

std::string point_family(const CalibrationPoint& point, const DataSet& data) {
  return data.catalog.accelerator(point.accelerator).family;
}

namespace {

struct FitAxis {
  std::string name;
  double lo;
  double hi;
  double step;
  double Efficiency::*field;
};

} // namespace

EngineFitResult fit_engine_efficiency(const std::vector<CalibrationPoint>& points, const DataSet& data,
                                      const std::string& engine_id, const std::string& family, Efficiency start,
                                      const std::vector<std::string>& fit) {
  std::vector<CalibrationPoint> chosen;
  for (const auto& p : points) {
    if (p.group == "calibration" && p.engine_id == engine_id && point_family(p, data) == family) {
      chosen.push_back(p);
      chosen.back().request.efficiency = start;
    }
  }
  EngineFitResult out;
  out.points = chosen.size();
  const auto run = [&](const Efficiency& e, std::vector<CalibrationResult>* results) {
    double sum = 0;
    for (auto& p : chosen) {
      p.request.efficiency = e;
      const CalibrationResult r = run_calibration_point(p, data);
      const double l = std::log(r.estimated / p.measured);
      sum += l * l;
      if (results != nullptr) {
        results->push_back(r);
      }
    }
    return sum;
  };
  std::vector<CalibrationResult> before;
  run(start, &before);
  out.median_before = median_abs_error(before);
  const std::vector<FitAxis> all = {{"compute", 0.20, 1.00, 0.01, &Efficiency::compute},
                                    {"memory", 0.50, 1.00, 0.01, &Efficiency::memory},
                                    {"kv_memory", 0.10, 1.00, 0.01, &Efficiency::kv_memory},
                                    {"overhead_ms", 0.0, 30.0, 0.05, &Efficiency::step_overhead_ms}};
  std::vector<FitAxis> axes;
  for (const auto& a : all) {
    if (std::find(fit.begin(), fit.end(), a.name) != fit.end()) {
      axes.push_back(a);
    }
  }
  Efficiency best = start;
  double best_cost = chosen.empty() ? 0 : run(best, nullptr);
  for (int round = 0; round < 50 && !chosen.empty(); ++round) {
    bool moved = false;
    for (const auto& a : axes) {
      const int steps = static_cast<int>(std::lround((a.hi - a.lo) / a.step));
      for (int i = 0; i <= steps; ++i) {
        Efficiency e = best;
        e.*a.field = a.lo + a.step * i;
        const double c = run(e, nullptr);
        if (c < best_cost - 1e-12) {
          best_cost = c;
          best = e;
          moved = true;
        }
      }
    }
    if (!moved) {
      break;
    }
  }
  std::vector<CalibrationResult> after;
  run(best, &after);
  out.median_after = median_abs_error(after);
  out.fitted = best;
  return out;
}

double ErrorBand::low(double estimate) const { return estimate * std::exp(-half_width); }
double ErrorBand::high(double estimate) const { return estimate * std::exp(half_width); }

ErrorBand error_band(const DataSet& data, const std::string& engine_id, const Accelerator& accelerator) {
  return ErrorBands(data).band(engine_id, accelerator);
}

ErrorBand ErrorBands::band(const std::string& engine_id, const Accelerator& accelerator) {
  auto it = std::find_if(m_by_kind.begin(), m_by_kind.end(), [&](const auto& k) { return k.first == accelerator.kind; });
  if (it == m_by_kind.end()) {
    // The residuals of the shipped factors on the data's specs: the calibration points of the
    // same accelerator kind (the others cannot change the band), a few dozen closed-form runs.
    std::vector<Residual> residuals;
    for (const auto& p : calibration_set()) {
      if (p.metric == CalibrationMetric::prefill_ms) {
        continue;
      }
      const auto a = std::find_if(m_data.catalog.accelerators.begin(), m_data.catalog.accelerators.end(),
                                  [&](const Accelerator& x) { return x.id == p.accelerator; });
      if (a == m_data.catalog.accelerators.end() || a->kind != accelerator.kind) {
        continue;
      }
      // A --data directory may lack the point's model: the point cannot be run there.
      if (!p.spec && std::none_of(m_data.models.presets.begin(), m_data.models.presets.end(),
                                  [&](const ModelSpec& m) { return m.id == p.model; })) {
        continue;
      }
      const CalibrationResult r = run_calibration_point(p, m_data);
      // Throughput ∝ 1 / TPOT: a TPOT estimated 10% high is a throughput 10% low.
      const double e = p.metric == CalibrationMetric::tpot_ms ? std::log(p.measured / r.estimated)
                                                              : std::log(r.estimated / p.measured);
      residuals.push_back({p.engine_id, a->family, p.spec ? p.spec->id : p.model, e});
    }
    m_by_kind.emplace_back(accelerator.kind, std::move(residuals));
    it = m_by_kind.end() - 1;
  }
  ErrorBand band;
  double own = 0;
  double kind = 0;
  std::vector<std::string> models;
  for (const auto& r : it->second) {
    kind = std::max(kind, std::abs(r.log_error));
    if (r.engine == engine_id && r.family == accelerator.family) {
      own = std::max(own, std::abs(r.log_error));
      ++band.points;
      if (std::find(models.begin(), models.end(), r.model) == models.end()) {
        models.push_back(r.model);
      }
    }
  }
  const std::string engine = engine_id.empty() ? std::string("no engine") : engine_id;
  constexpr std::size_t k_min_models = 3;
  if (band.points >= 5 && models.size() < k_min_models) {
    band.half_width = std::max(own, kind);
    band.basis = fmt::format("few models: the {} calibration points of {} on {} are of {} model{}; at least the largest "
                             "error of any calibration point on a {}",
                             band.points, engine, accelerator.family, models.size(), models.size() == 1 ? "" : "s",
                             to_string(accelerator.kind));
  } else if (band.points >= 5) {
    band.half_width = own;
    band.basis = fmt::format("the largest error of the {} calibration points of {} on {}", band.points, engine,
                             accelerator.family);
  } else if (band.points > 0) {
    band.half_width = std::max(own, kind);
    band.basis = fmt::format("few points: {} of {} on {}; at least the largest error of any calibration point on a {}",
                             band.points, engine, accelerator.family, to_string(accelerator.kind));
  } else {
    band.half_width = 2 * kind;
    band.basis = fmt::format("no points of {} on {}: twice the largest error of any calibration point on a {}", engine,
                             accelerator.family, to_string(accelerator.kind));
  }
  return band;
}

double median_abs_error(const std::vector<CalibrationResult>& results) {
  if (results.empty()) {
    return 0;
  }
  std::vector<double> errors;
  errors.reserve(results.size());
  for (const auto& r : results) {
    errors.push_back(std::abs(r.error));
  }
  std::sort(errors.begin(), errors.end());
  const std::size_t n = errors.size();
  return n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
}

} // namespace tpuplan
