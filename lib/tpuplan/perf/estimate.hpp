// Throughput and latency of LLM inference: a roofline of the prefill and of the decode step
// (KV reads + max(weight reads, matmul FLOPs) + tensor-parallel all-reduces + a fixed
// per-step overhead), continuous or static batching, scaled by a few efficiency factors.
// Formulas and sources: docs/methodology.md §Estimator; measured fidelity: docs/accuracy.md.
//
// Use: build one Estimator per (model, accelerator, chips, precisions, workload) — it
// precomputes everything that does not depend on the batch — then call at(batch) for as many
// batch sizes as needed; at() is closed-form and allocation-free.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/report/report.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// Efficiency factors of the roofline (achieved ÷ peak) and the latencies a roofline lacks.
/// Defaults per accelerator family come from default_efficiency(); see docs/methodology.md.
struct Efficiency {
  double compute = 0.65;            ///< η_c: achieved ÷ peak matmul FLOP/s
  double memory = 0.9;              ///< η_m: achieved ÷ peak HBM bandwidth, streaming the weights
  double kv_memory = 0.9;           ///< η_kv: achieved ÷ peak HBM bandwidth, reading the KV cache
  double interconnect = 0.7;        ///< η_net: achieved ÷ peak link bandwidth in an all-reduce
  double collective_latency_us = 8; ///< α: time of one all-reduce of a tiny message
  double step_overhead_ms = 2.25;   ///< per forward pass: scheduling, launches, sampling, host
  /// η_moe: the routed experts' grouped GEMMs run at this share of the dense layers' weight-read
  /// and matmul efficiencies (1 = as fast; a model without routed experts ignores it).
  double moe = 1.0;
  std::string basis;                ///< where these values come from (shown in assumptions)
};

/// The efficiency defaults of an accelerator's family (Accelerator::family; TPUs and GPUs of
/// unknown families fall back to their kind's defaults, and basis says so).
Efficiency default_efficiency(const Accelerator& accelerator);

/// Overrides factors of `base` from "compute=0.5,memory=0.8" (keys: efficiency_keys()).
/// `origin` names the text in errors ("--efficiency", "config.yaml:12:3"). Throws
/// Error(usage) naming the bad item and what is accepted.
Efficiency parse_efficiency(std::string_view text, Efficiency base, std::string_view origin = "efficiency");

/// The keys parse_efficiency accepts: compute, memory, interconnect, latency_us, overhead_ms.
std::vector<std::string> efficiency_keys();

/// How requests share the accelerators.
enum class BatchMode {
  continuous,  ///< in-flight batching: new prompts are prefilled inside decode steps (vLLM, TRT-LLM, JetStream)
  static_batch ///< a batch is prefilled together, then decoded to the end (TRT-LLM ≤ v0.9 tables)
};
std::string_view to_string(BatchMode mode);
std::optional<BatchMode> parse_batch_mode(std::string_view name);

/// How much KV cache a decode step reads per sequence.
enum class KvRead {
  ragged, ///< the live tokens only (paged/ragged attention kernels)
  padded  ///< the whole pre-allocated cache (engines with a fixed cache length, e.g. JetStream 2024)
};
std::string_view to_string(KvRead read);
std::optional<KvRead> parse_kv_read(std::string_view name);

/// What limits a decode step.
enum class Bound { compute, memory, interconnect, overhead };
std::string_view to_string(Bound bound);

/// Everything an estimate depends on besides the model and the accelerator.
struct EstimateRequest {
  int chips = 1;                      ///< tensor-parallel group (one model replica)
  Precision weights = Precision::bf16;
  Precision kv = Precision::bf16;
  double input_tokens = 1000;         ///< prompt tokens per request (mean)
  double output_tokens = 1000;        ///< generated tokens per request (mean)
  BatchMode mode = BatchMode::continuous;
  KvRead kv_read = KvRead::ragged;
  double cache_tokens = 0;            ///< padded cache length per sequence; 0 = input + output
  /// Ragged reads: the tokens each sequence may grow to (the engine's max_model_len). Memory
  /// admits a sequence only with room for all of them, so the context bounds the batch; the
  /// reads stay the live tokens. 0 = input + output. At least input + output when set.
  double context_tokens = 0;
  /// Squared coefficient of variation of the time a request holds its slot, for the queueing
  /// wait: 0 for fixed lengths, var(output) ÷ mean(output)² for lengths that vary.
  double service_scv = 0;
  /// The shares of requests (0.9 = p90) at which the estimate also gives TTFT and TPOT, and
  /// at which best_batch() applies the limits; absent: the means.
  std::optional<double> ttft_quantile;
  std::optional<double> tpot_quantile;
  std::optional<double> load_requests_per_s; ///< offered load: adds queueing to TTFT
  std::optional<Efficiency> efficiency;      ///< absent = default_efficiency(accelerator)
  double headroom_fraction = MemoryOptions{}.headroom_fraction;    ///< memory left unallocated
  MemoryBasis memory_basis = MemoryBasis::hbm;                      ///< what the headroom is a share of
  double overhead_gib_per_chip = MemoryOptions{}.overhead_gib_per_chip; ///< runtime reserve
  /// Continuous mode: prompts are prefilled inside the decode steps (chunked prefill), sharing
  /// their weight reads; false = in passes of their own between the steps (JetStream).
  bool chunked_prefill = true;
  std::string engine; ///< the serving engine assumed (data/engines.yaml id); empty = none named
};

/// Time of one decode step (continuous mode: including the prefill work it carries), by part.
struct StepTime {
  double kv_read_ms = 0;      ///< attention: reading the live (or padded) KV cache
  double weight_read_ms = 0;  ///< streaming the weights (MoE: the experts the step touches)
  double compute_ms = 0;      ///< matmul FLOPs at η_c of the precision's peak
  double linear_ms = 0;       ///< max(weights, compute), per group (dense part, routed experts)
  double interconnect_ms = 0; ///< tensor-parallel all-reduces
  double overhead_ms = 0;     ///< fixed per-step overhead
  double total_ms = 0;        ///< kv_read + linear + interconnect + overhead
};

/// The estimate at one batch size. Every figure is an estimate (labelled so in reports).
struct Estimate {
  int batch = 0;                        ///< concurrent sequences
  double output_tokens_per_s = 0;       ///< generated tokens per second, whole replica
  double output_tokens_per_s_per_chip = 0;
  double total_tokens_per_s = 0;        ///< input + output tokens per second
  double requests_per_s = 0;            ///< completed requests per second (capacity)
  std::optional<double> ttft_ms;        ///< time to first token; absent when the load is unstable
  double tpot_ms = 0;                   ///< time per output token (the mean decode step)
  double prefill_ms = 0;                ///< prefill of one request (continuous) or of the batch (static)
  std::optional<double> queue_ms;       ///< queueing delay under the given load
  std::optional<double> ttft_ms_at_quantile; ///< TTFT at request.ttft_quantile (absent: not asked, or unstable)
  std::optional<double> tpot_ms_at_quantile; ///< TPOT at request.tpot_quantile (absent: not asked)
  std::optional<double> utilization;    ///< offered load ÷ capacity, when a load is given
  Bound bound = Bound::memory;          ///< the largest part of the step
  double hbm_used_fraction = 0;         ///< (weights + reserve + batch × KV at full length) ÷ HBM
  bool fits = false;                    ///< batch ≤ max_batch()
  StepTime step;                        ///< the step-time breakdown

  /// The TTFT latency limits apply to: at the asked quantile, else the mean.
  std::optional<double> slo_ttft_ms() const { return ttft_ms_at_quantile ? ttft_ms_at_quantile : ttft_ms; }
  /// The TPOT latency limits apply to: at the asked quantile, else the mean.
  double slo_tpot_ms() const { return tpot_ms_at_quantile.value_or(tpot_ms); }
};

/// The queueing wait of `servers` slots each holding a request for `service_ms`, at
/// `utilization` < 1 with Poisson arrivals: the Allen–Cunneen/Sakasegawa mean
/// (1 + service_scv)/2 · P_wait/(c(1 − u)) · T_s with P_wait = u^(√(2(c+1)) − 1), or, with a
/// `quantile`, its value for that share of requests under an exponential tail beyond P_wait
/// (docs/methodology.md §Queueing under a load). Infinity at u ≥ 1.
double queue_wait_ms(double utilization, int servers, double service_ms, double service_scv,
                     std::optional<double> quantile = std::nullopt) noexcept;

/// The highest utilisation < 1 at which queue_wait_ms(u, servers, service_ms, service_scv,
/// quantile) ≤ budget_ms: 0 when no budget is left. The quantile wait is
/// A·(e·ln u − ln(1 − q))/(1 − u) above P_wait = 1 − q, increasing in u, so the root of the
/// concave g(u) = A·(e·ln u − ln(1 − q)) − budget·(1 − u) is found by Newton's method from
/// u = (1 − q)^(1/e), where no request waits: every step stays below the root (the answer
/// always meets the budget) and the steps shrink quadratically, a few logarithms in all.
double utilization_within_wait(int servers, double service_ms, double service_scv, double quantile,
                               double budget_ms) noexcept;

/// The standard normal quantile Φ⁻¹(p), 0 < p < 1 (Acklam's rational approximation, |error| < 1.2e-9).
double normal_quantile(double p) noexcept;

/// Limits for best_batch().
struct BatchLimits {
  std::optional<double> ttft_ms;  ///< TTFT at most this
  std::optional<double> tpot_ms;  ///< TPOT at most this
  std::optional<int> max_batch;   ///< engine cap on concurrent sequences
};

/// The batch-independent part of an estimate, precomputed once.
class Estimator {
public:
  /// Validates the request (Error(usage) for bad values) and precomputes per-model/chip terms.
  Estimator(const ModelSpec& model, const Accelerator& accelerator, const EstimateRequest& request);

  /// The estimate at `batch` concurrent sequences (≥ 1). Closed form, no allocation.
  Estimate at(int batch) const noexcept;

  /// Sequences that fit in memory at full length (0 when the model does not fit).
  int max_batch() const noexcept { return m_fit.max_batch; }
  /// Throws Error(infeasible) saying how much memory is missing when not even one sequence fits.
  void require_fit() const;

  const EstimateRequest& request() const noexcept { return m_request; }
  const Efficiency& efficiency() const noexcept { return m_eff; }
  const MemoryFit& memory() const noexcept { return m_fit; }
  /// Peak FLOP/s per chip of the matmul path the weight precision uses.
  double peak_tflops() const noexcept { return m_peak_tflops; }
  /// The precision the matmuls run in (bf16 when the chip has no path for the weights' format).
  Precision math_precision() const noexcept { return m_math; }
  /// Mean KV tokens a decode step reads per sequence (live or padded).
  double kv_read_tokens() const noexcept { return m_kv_read_tokens; }
  /// KV bytes a decode step reads per sequence (all chips, replication included).
  double kv_read_bytes_per_sequence() const noexcept { return m_kv_read_bytes_per_seq; }
  /// Tokens per sequence memory is reserved for (input + output, or the padded cache).
  double admission_tokens() const noexcept { return m_admission_tokens; }
  /// Weight bytes a decode step streams for the dense part (all chips together).
  double dense_weight_bytes() const noexcept { return m_dense_weight_bytes; }
  /// Matmul FLOPs per generated token.
  double flops_per_token() const noexcept { return m_flops_dense_token + m_flops_expert_token; }
  /// FLOPs of prefilling one request's prompt.
  double prefill_flops() const noexcept { return m_flops_prefill_dense + m_flops_prefill_expert; }
  /// Bytes of one all-reduce per token in the step (hidden × 2 bytes of bf16 activations).
  double allreduce_bytes_per_token() const noexcept { return m_ar_bytes_per_token; }
  /// All-reduces per forward pass (2 per layer under tensor parallelism, 0 on one chip).
  double allreduces_per_pass() const noexcept { return m_allreduces; }

private:
  struct Pass {
    double tokens;       ///< tokens through the linear layers
    double flops_dense;  ///< FLOPs of the dense part
    double flops_expert; ///< FLOPs of the routed experts
  };
  StepTime pass_time(const Pass& pass, double kv_sequences) const noexcept;
  /// A continuous-mode step of `b` sequences carrying the prefill of `fresh` prompts.
  StepTime continuous_step(double b, double fresh) const noexcept;
  double allreduce_ms(double tokens) const noexcept;

  EstimateRequest m_request;
  Efficiency m_eff;
  MemoryFit m_fit;
  Precision m_math = Precision::bf16;
  double m_chips = 1;
  double m_peak_tflops = 0;
  double m_ms_per_flop = 0;          ///< 1e3 / (N · C · η_c)
  double m_ms_per_byte = 0;          ///< 1e3 / (N · W_hbm · η_m)
  double m_ms_per_expert_flop = 0;   ///< m_ms_per_flop ÷ η_moe
  double m_ms_per_expert_byte = 0;   ///< m_ms_per_byte ÷ η_moe
  double m_ms_per_kv_byte = 0;       ///< 1e3 / (N · W_hbm · η_kv)
  double m_kv_read_tokens = 0;
  double m_admission_tokens = 0;
  double m_kv_read_bytes_per_seq = 0;    ///< bytes per sequence per step, all chips, replication included
  double m_kv_admit_bytes_per_seq = 0;   ///< bytes reserved per sequence, replication included
  double m_dense_weight_bytes = 0;
  double m_all_weight_bytes = 0;         ///< every weight (what memory holds)
  double m_expert_bytes = 0;             ///< one routed expert across all MoE layers
  double m_experts = 0;                  ///< routed experts per layer (0 = dense model)
  double m_experts_per_token = 0;
  double m_flops_dense_token = 0;
  double m_flops_expert_token = 0;
  double m_flops_prefill_dense = 0;
  double m_flops_prefill_expert = 0;
  double m_ar_bytes_per_token = 0;
  double m_allreduces = 0;
  double m_ar_ms_per_byte = 0;           ///< 2(N−1)/N ÷ (W_net · η_net), in ms
  double m_prefill_ms = 0;               ///< one request's prefill alone (continuous TTFT)
  StepTime m_prefill_step;               ///< its breakdown
  double m_hbm_bytes = 0;
  double m_fixed_bytes = 0;              ///< weights + runtime reserve
};

/// Convenience for a single batch size: Estimator(model, accelerator, request).at(batch).
Estimate estimate(const ModelSpec& model, const Accelerator& accelerator, const EstimateRequest& request, int batch);

/// The batch with the highest output throughput that fits memory and meets `limits`;
/// nullopt when no batch does. Throughput grows with the batch (docs/methodology.md), so this
/// is the largest admissible batch, found by bisection when no load is given.
std::optional<Estimate> best_batch(const Estimator& estimator, const BatchLimits& limits = {});

/// The factors an estimate used, for Report::assumptions.
std::vector<Assumption> estimate_assumptions(const Estimator& estimator, const ModelSpec& model,
                                             const Accelerator& accelerator);

/// The step-time arithmetic of `e`, one line each, for Report::explain (--explain).
std::vector<std::string> explain_estimate(const Estimator& estimator, const ModelSpec& model,
                                          const Accelerator& accelerator, const Estimate& e);

} // namespace tpuplan
