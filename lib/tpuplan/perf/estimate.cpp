// The roofline estimator. Notation and sources (perfmodel §1.4–1.8, docs/methodology.md
// §Estimator): N chips, C peak FLOP/s per chip of the weights' matmul path, W HBM bytes/s per
// chip, η_c/η_m/η_net efficiencies, α all-reduce latency, t_fixed per-step overhead.
//
//   decode step   t = KV(B, S̄)/(N·W·η_m) + Σ_groups max(FLOPs/(N·C·η_c), bytes/(N·W·η_m))
//                     + 2·L·(α + 2(N−1)/N · tokens·d·2 / (W_net·η_net)) + t_fixed
//   continuous    each step also prefills B/O new prompts (chunked prefill), S̄ = I + O/2
//   static        T_req = prefill(B·I tokens) + (O − 1)·t(B, I + O/2)
//
// The groups are the dense part (attention projections, dense/shared FFNs, lm_head) and the
// routed experts of a MoE, whose bytes count only the experts a step touches (perfmodel §1.7).
#include <tpuplan/perf/estimate.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace tpuplan {

namespace {

double d(int v) { return static_cast<double>(v); }

/// Query–key pairs one layer attends to when prefilling `tokens` causally, with an optional
/// window (0 = full attention): T(T+1)/2, or T·w − w(w−1)/2 once T exceeds the window.
double causal_pairs(double tokens, double window) {
  if (window <= 0 || tokens <= window) {
    return tokens * (tokens + 1) / 2;
  }
  return tokens * window - window * (window - 1) / 2;
}

/// FLOPs of the attention score and value products when prefilling `tokens` of one sequence:
/// per query–key pair 2·H·h_qk (QKᵀ) + 2·H·h_v (softmax·V), causal (perfmodel §1.4, with the
/// FlashAttention-style c = 1/2). MLA uses its q/k head (nope + rope) and value head widths.
double attention_prefill_flops(const ModelSpec& m, double tokens) {
  const double qk = m.is_mla() ? d(m.qk_nope_head_dim + m.qk_rope_head_dim) : d(m.head_dim);
  const double v = m.is_mla() ? d(m.v_head_dim) : d(m.head_dim);
  const double per_pair = 2.0 * d(m.heads) * (qk + v);
  const bool windowed = m.sliding_window > 0 && m.sliding_window_layers > 0 && !m.is_mla();
  const double window_layers = windowed ? d(std::min(m.sliding_window_layers, m.layers)) : 0.0;
  const double full_layers = d(m.layers) - window_layers;
  return per_pair * (full_layers * causal_pairs(tokens, 0) +
                     window_layers * causal_pairs(tokens, d(m.sliding_window)));
}

/// Peak TFLOP/s per chip of the matmuls for weights stored at `p`, and the precision they run in.
/// fp8 and int8 use the chip's fp8/int8 path when it has one; otherwise the weights are
/// dequantised in the kernel and multiplied in bf16 (e.g. fp8 on TPU v5e or A100). int4 is
/// weight-only (W4A16, as GPTQ/AWQ kernels run) and always uses bf16 math.
std::pair<double, Precision> matmul_peak(const Accelerator& a, Precision p) {
  if (p == Precision::fp8 && a.fp8_tflops && *a.fp8_tflops > 0) {
    return {*a.fp8_tflops, Precision::fp8};
  }
  if (p == Precision::int8 && a.int8_tops && *a.int8_tops > 0) {
    return {*a.int8_tops, Precision::int8};
  }
  if (is_fp4(p) && a.fp4_tflops && *a.fp4_tflops > 0) {
    return {*a.fp4_tflops, p};
  }
  return {a.bf16_tflops, Precision::bf16};
}

void require(bool ok, const std::string& message, const std::string& hint = {}) {
  if (!ok) {
    throw Error(ErrorKind::usage, message, hint);
  }
}

void validate(const ModelSpec& model, const Accelerator& a, const EstimateRequest& r, const Efficiency& e) {
  require(r.chips >= 1, fmt::format("chips must be at least 1, got {}", r.chips));
  require(std::isfinite(r.input_tokens) && r.input_tokens >= 1,
          fmt::format("input tokens must be at least 1, got {}", r.input_tokens));
  require(std::isfinite(r.output_tokens) && r.output_tokens >= 1,
          fmt::format("output tokens must be at least 1, got {}", r.output_tokens));
  require(std::isfinite(r.cache_tokens) && r.cache_tokens >= 0,
          fmt::format("cache tokens must be 0 (= input + output) or positive, got {}", r.cache_tokens));
  require(r.kv_read != KvRead::padded || r.cache_tokens == 0 || r.cache_tokens >= r.input_tokens + 1,
          fmt::format("a padded cache of {} tokens cannot hold {} input tokens", r.cache_tokens, r.input_tokens));
  require(std::isfinite(r.context_tokens) &&
              (r.context_tokens == 0 || r.context_tokens >= r.input_tokens + r.output_tokens),
          fmt::format("a context of {} tokens cannot hold requests of {} + {} tokens", r.context_tokens, r.input_tokens,
                      r.output_tokens));
  require(std::isfinite(r.service_scv) && r.service_scv >= 0, "the service-time variation must be ≥ 0");
  for (const auto& q : {r.ttft_quantile, r.tpot_quantile}) {
    require(!q || (*q > 0 && *q < 1), "a latency quantile must lie strictly between 0 and 1");
  }
  require(!r.load_requests_per_s || (std::isfinite(*r.load_requests_per_s) && *r.load_requests_per_s > 0),
          "load must be a positive number of requests per second");
  require(r.headroom_fraction >= 0 && r.headroom_fraction < 1,
          fmt::format("HBM headroom must be a fraction in [0, 1), got {}", r.headroom_fraction));
  require(r.overhead_gib_per_chip >= 0, "runtime reserve per chip must not be negative");
  require(runs_weights(a, r.weights),
          fmt::format("{} weights need FP4 tensor cores, which {} does not have (catalog: no fp4_tflops)",
                      to_string(r.weights), a.id),
          "FP4 formats run on accelerators with an FP4 path ('tpuplan catalog show ID' lists fp4_tflops), e.g. b200; "
          "elsewhere use int4 (weight-only) or fp8");
  require(!is_fp4(r.kv) && r.kv != Precision::int4, fmt::format("a {} KV cache is not modelled", to_string(r.kv)),
          "KV precisions: bf16, fp8, int8");
  require(model.layers > 0 && model.hidden > 0 && model.heads > 0 && model.vocab > 0,
          fmt::format("model '{}' lacks layers, hidden size, heads or vocabulary", model.id));
  const auto bad_spec = [&](const char* what) {
    return Error(ErrorKind::input, fmt::format("accelerator '{}' has no {} in the catalog", a.id, what),
                 "the estimator needs it; see 'tpuplan catalog'");
  };
  if (!(a.bf16_tflops > 0)) {
    throw bad_spec("bf16_tflops");
  }
  if (!(a.hbm_tb_per_s > 0)) {
    throw bad_spec("hbm_tb_per_s");
  }
  if (!(a.hbm_gib > 0)) {
    throw bad_spec("hbm_gib");
  }
  if (r.chips > 1 && !(a.interconnect_gb_per_s > 0)) {
    throw Error(ErrorKind::usage,
                fmt::format("accelerator '{}' has no chip-to-chip interconnect in the catalog, so tensor "
                            "parallelism over {} chips cannot be estimated",
                            a.id, r.chips),
                "use --chips 1");
  }
  const auto fraction = [](double v) { return std::isfinite(v) && v > 0 && v <= 1; };
  require(fraction(e.compute) && fraction(e.memory) && fraction(e.kv_memory) && fraction(e.interconnect),
          "efficiency factors must be fractions in (0, 1]");
  require(std::isfinite(e.collective_latency_us) && e.collective_latency_us >= 0 &&
              std::isfinite(e.step_overhead_ms) && e.step_overhead_ms >= 0,
          "latency and overhead must be non-negative");
}

} // namespace

Estimator::Estimator(const ModelSpec& model, const Accelerator& a, const EstimateRequest& request)
    : m_request(request), m_eff(request.efficiency ? *request.efficiency : default_efficiency(a)) {
  validate(model, a, request, m_eff);
  const double n = d(request.chips);
  const double in = request.input_tokens;
  const double out = request.output_tokens;
  m_chips = n;

  // Sequence lengths: a ragged kernel reads the live context, on average input + output/2
  // over a request's decode steps; a padded one reads (and reserves) its whole cache.
  const double padded_len = request.cache_tokens > 0 ? request.cache_tokens : in + out;
  // A ragged engine admits a sequence only with room for the context it may grow to.
  const double ragged_len = request.context_tokens > 0 ? request.context_tokens : in + out;
  m_admission_tokens = request.kv_read == KvRead::padded ? padded_len : ragged_len;
  m_kv_read_tokens = request.kv_read == KvRead::padded ? padded_len : in + out / 2;

  MemoryOptions memory;
  memory.weights = request.weights;
  memory.kv = request.kv;
  memory.context_tokens = m_admission_tokens;
  memory.headroom_fraction = request.headroom_fraction;
  memory.basis = request.memory_basis;
  memory.overhead_gib_per_chip = request.overhead_gib_per_chip;
  m_fit = fit_memory(model, a, request.chips, memory);
  m_hbm_bytes = m_fit.hbm_bytes;
  m_fixed_bytes = m_fit.weight_bytes + m_fit.overhead_bytes;
  m_kv_admit_bytes_per_seq = m_fit.kv_bytes_per_sequence;
  m_kv_read_bytes_per_seq = kv_bytes_per_sequence(model, request.kv, m_kv_read_tokens) * m_fit.kv_replication;

  // Parameters by role. The input embedding is a table lookup (no FLOPs, B rows read); the
  // output head is a V×d matmul per token (the tied embedding doubles as it).
  const double total = total_params(model);
  const double active = active_params(model);
  const double embeddings = embedding_params(model);
  const double head = d(model.vocab) * d(model.hidden);
  const double input_table = model.tied_embeddings ? 0.0 : head;
  // Routed experts: total − active = MoE layers × (E − k) × expert size, so all routed
  // expert parameters are (total − active) × E / (E − k).
  double routed = 0;
  if (model.is_moe() && model.experts > model.experts_per_token && model.experts_per_token > 0) {
    routed = (total - active) * d(model.experts) / d(model.experts - model.experts_per_token);
    m_experts = d(model.experts);
    m_experts_per_token = d(model.experts_per_token);
  }
  const double routed_active = m_experts > 0 ? routed * m_experts_per_token / m_experts : 0.0;

  // Bytes: weight_bytes keeps embeddings/head in 16 bits and applies the body's storage bits.
  m_all_weight_bytes = weight_bytes(model, request.weights);
  const double body_params = total - embeddings;
  const double body_bytes_per_param = body_params > 0 ? (m_all_weight_bytes - 2.0 * embeddings) / body_params : 2.0;
  m_expert_bytes = m_experts > 0 ? routed / m_experts * body_bytes_per_param : 0.0;
  m_dense_weight_bytes = m_all_weight_bytes - 2.0 * input_table - routed * body_bytes_per_param;

  // FLOPs: 2 per multiply-accumulate (kipply; perfmodel §1.4). Decode attention scores are
  // memory-bound and charged as KV reads, not FLOPs.
  const double body_active_dense = active - embeddings - routed_active;
  m_flops_dense_token = 2.0 * (body_active_dense + head);
  m_flops_expert_token = 2.0 * routed_active;
  m_flops_prefill_dense = 2.0 * body_active_dense * in + 2.0 * head + attention_prefill_flops(model, in);
  m_flops_prefill_expert = 2.0 * routed_active * in;

  const auto [peak, math] = matmul_peak(a, request.weights);
  m_peak_tflops = peak;
  m_math = math;
  m_ms_per_flop = 1e3 / (n * peak * 1e12 * m_eff.compute);
  m_ms_per_byte = 1e3 / (n * a.hbm_tb_per_s * 1e12 * m_eff.memory);
  m_ms_per_expert_flop = m_ms_per_flop / m_eff.moe;
  m_ms_per_expert_byte = m_ms_per_byte / m_eff.moe;
  m_ms_per_kv_byte = 1e3 / (n * a.hbm_tb_per_s * 1e12 * m_eff.kv_memory);

  // Megatron tensor parallelism: two all-reduces per layer (after attention's output
  // projection and the FFN's down projection) of tokens × d bf16 activations; a ring moves
  // 2(N−1)/N of the message over each chip's link (perfmodel §1.6).
  if (request.chips > 1) {
    m_allreduces = 2.0 * d(model.layers);
    m_ar_bytes_per_token = d(model.hidden) * 2.0;
    m_ar_ms_per_byte = 1e3 * 2.0 * (n - 1) / n / (a.interconnect_gb_per_s * 1e9 * m_eff.interconnect);
  }

  m_prefill_step = pass_time({in, m_flops_prefill_dense, m_flops_prefill_expert}, 0);
  m_prefill_ms = m_prefill_step.total_ms;
}

double Estimator::allreduce_ms(double tokens) const noexcept {
  if (m_allreduces == 0) {
    return 0;
  }
  return m_allreduces * (m_eff.collective_latency_us * 1e-3 + tokens * m_ar_bytes_per_token * m_ar_ms_per_byte);
}

StepTime Estimator::pass_time(const Pass& pass, double kv_sequences) const noexcept {
  StepTime t;
  t.kv_read_ms = kv_sequences * m_kv_read_bytes_per_seq * m_ms_per_kv_byte;
  const double dense_compute = pass.flops_dense * m_ms_per_flop;
  const double dense_weights = m_dense_weight_bytes * m_ms_per_byte;
  double expert_compute = 0;
  double expert_weights = 0;
  if (m_experts > 0) {
    // Uniform routing: each token picks k of E experts, so a pass of T tokens touches
    // E·(1 − (1 − k/E)^T) experts per layer (perfmodel §1.7).
    const double touched = m_experts * (1.0 - std::pow(1.0 - m_experts_per_token / m_experts, pass.tokens));
    expert_weights = touched * m_expert_bytes * m_ms_per_expert_byte;
    expert_compute = pass.flops_expert * m_ms_per_expert_flop;
  }
  t.compute_ms = dense_compute + expert_compute;
  t.weight_read_ms = dense_weights + expert_weights;
  t.linear_ms = std::max(dense_compute, dense_weights) + std::max(expert_compute, expert_weights);
  t.interconnect_ms = allreduce_ms(pass.tokens);
  t.overhead_ms = m_eff.step_overhead_ms;
  t.total_ms = t.kv_read_ms + t.linear_ms + t.interconnect_ms + t.overhead_ms;
  return t;
}

StepTime Estimator::continuous_step(double b, double fresh) const noexcept {
  const double in = m_request.input_tokens;
  if (m_request.chunked_prefill) {
    return pass_time({b + fresh * in, b * m_flops_dense_token + fresh * m_flops_prefill_dense,
                      b * m_flops_expert_token + fresh * m_flops_prefill_expert},
                     b);
  }
  // Without chunked prefill the prompts run in passes of their own between the decode steps:
  // each output token also waits for `fresh` prefills of one prompt.
  StepTime t = pass_time({b, b * m_flops_dense_token, b * m_flops_expert_token}, b);
  t.compute_ms += fresh * m_prefill_step.compute_ms;
  t.weight_read_ms += fresh * m_prefill_step.weight_read_ms;
  t.linear_ms += fresh * m_prefill_step.linear_ms;
  t.interconnect_ms += fresh * m_prefill_step.interconnect_ms;
  t.overhead_ms += fresh * m_prefill_step.overhead_ms;
  t.total_ms += fresh * m_prefill_step.total_ms;
  return t;
}

Estimate Estimator::at(int batch) const noexcept {
  Estimate e;
  const int b_int = std::max(1, batch);
  const double b = d(b_int);
  const double in = m_request.input_tokens;
  const double out = m_request.output_tokens;
  e.batch = b_int;

  double request_ms = 0; // time one batch slot holds a request
  if (m_request.mode == BatchMode::continuous) {
    // Steady state: B/O sequences finish per step and as many prompts are prefilled in it.
    const double fresh = b / out;
    e.step = continuous_step(b, fresh);
    e.prefill_ms = m_prefill_ms;
    e.output_tokens_per_s = b / e.step.total_ms * 1e3;
    request_ms = out * e.step.total_ms;
  } else {
    const StepTime prefill = pass_time({b * in, b * m_flops_prefill_dense, b * m_flops_prefill_expert}, 0);
    e.step = pass_time({b, b * m_flops_dense_token, b * m_flops_expert_token}, b);
    e.prefill_ms = prefill.total_ms;
    // The prefill yields the first token; O − 1 decode steps follow.
    request_ms = prefill.total_ms + (out - 1) * e.step.total_ms;
    e.output_tokens_per_s = b * out / request_ms * 1e3;
  }
  e.tpot_ms = e.step.total_ms;
  e.output_tokens_per_s_per_chip = e.output_tokens_per_s / m_chips;
  e.total_tokens_per_s = e.output_tokens_per_s * (in + out) / out;
  e.requests_per_s = e.output_tokens_per_s / out;

  double queue_ms = 0;
  bool stable = true;
  double u = 0;
  if (m_request.load_requests_per_s) {
    // B slots each serving a request for request_ms: a G/G/c queue with Poisson arrivals
    // (c_a² = 1) and the service variation of the lengths (c_s² = 0 for fixed lengths).
    u = *m_request.load_requests_per_s / e.requests_per_s;
    e.utilization = u;
    if (u >= 1) {
      stable = false;
    } else {
      queue_ms = queue_wait_ms(u, b_int, request_ms, m_request.service_scv);
      e.queue_ms = queue_ms;
    }
  }
  if (stable) {
    e.ttft_ms = queue_ms + e.prefill_ms + e.step.total_ms;
    if (m_request.ttft_quantile) {
      const double wait = m_request.load_requests_per_s
                              ? queue_wait_ms(u, b_int, request_ms, m_request.service_scv, m_request.ttft_quantile)
                              : 0.0;
      e.ttft_ms_at_quantile = wait + e.prefill_ms + e.step.total_ms;
    }
  }
  if (m_request.tpot_quantile) {
    e.tpot_ms_at_quantile = e.step.total_ms;
    if (m_request.mode == BatchMode::continuous) {
      // The prompts prefilled inside a request's O steps arrive at random: their count is
      // about Poisson(O · B/O), so the share q of requests shares its steps with at most
      // B/O + z_q·√(B/O ÷ O) prompts per step (normal approximation; docs/methodology.md).
      const double fresh = b / out;
      const double fresh_q = std::max(0.0, fresh + normal_quantile(*m_request.tpot_quantile) * std::sqrt(fresh / out));
      e.tpot_ms_at_quantile = continuous_step(b, fresh_q).total_ms;
    }
  }

  // The bound: whichever of memory traffic, matmul compute, interconnect or fixed overhead
  // takes the largest share of the step.
  const double compute_part = e.step.linear_ms - std::min(e.step.linear_ms, e.step.weight_read_ms);
  const double memory_part = e.step.kv_read_ms + (e.step.linear_ms - compute_part);
  e.bound = Bound::memory;
  double largest = memory_part;
  if (compute_part > largest) {
    e.bound = Bound::compute;
    largest = compute_part;
  }
  if (e.step.interconnect_ms > largest) {
    e.bound = Bound::interconnect;
    largest = e.step.interconnect_ms;
  }
  if (e.step.overhead_ms > largest) {
    e.bound = Bound::overhead;
  }

  e.hbm_used_fraction = (m_fixed_bytes + b * m_kv_admit_bytes_per_seq) / m_hbm_bytes;
  e.fits = b_int <= m_fit.max_batch;
  return e;
}

void Estimator::require_fit() const {
  if (m_fit.max_batch >= 1) {
    return;
  }
  const double needed = m_fit.weight_bytes + m_fit.overhead_bytes + m_fit.kv_bytes_per_sequence;
  const double missing = needed - m_fit.usable_bytes;
  throw Error(ErrorKind::infeasible,
              fmt::format("the model does not fit: weights {:.1f} GiB + runtime reserve {:.1f} GiB + one sequence "
                          "of {:.0f} tokens {:.2f} GiB = {:.1f} GiB, but {} chips hold {:.1f} GiB usable "
                          "({:.0f}% of {:.1f} GiB HBM); {:.1f} GiB missing",
                          m_fit.weight_bytes / k_bytes_per_gib, m_fit.overhead_bytes / k_bytes_per_gib,
                          m_admission_tokens, m_fit.kv_bytes_per_sequence / k_bytes_per_gib,
                          needed / k_bytes_per_gib, m_request.chips, m_fit.usable_bytes / k_bytes_per_gib,
                          (1 - m_request.headroom_fraction) * 100, m_fit.hbm_bytes / k_bytes_per_gib,
                          missing / k_bytes_per_gib),
              "use more chips, a smaller weight or KV precision, or shorter sequences");
}

double queue_wait_ms(double u, int servers, double service_ms, double service_scv,
                     std::optional<double> quantile) noexcept {
  if (!(u < 1)) {
    return std::numeric_limits<double>::infinity();
  }
  if (!(u > 0)) {
    return 0;
  }
  // Allen–Cunneen / Sakasegawa (Hopp & Spearman, Factory Physics, the VUT equation):
  //   W_q = (c_a² + c_s²)/2 · u^(√(2(c+1)) − 1) / (c·(1 − u)) · t_service,  c_a² = 1.
  // The power term approximates the chance of waiting (Erlang C); given a wait, the wait is
  // about exponential (exact for M/M/c, Kingman's heavy-traffic limit for G/G/c), so the
  // share q of requests waits at most W_q/P_wait · ln(P_wait/(1 − q)), and none when P_wait ≤ 1 − q.
  const double c = static_cast<double>(std::max(1, servers));
  const double p_wait = std::min(1.0, std::pow(u, std::sqrt(2.0 * (c + 1)) - 1));
  const double variability = (1 + service_scv) / 2;
  if (!quantile) {
    return variability * p_wait / (c * (1 - u)) * service_ms;
  }
  const double tail = 1 - *quantile;
  if (!(p_wait > tail)) {
    return 0;
  }
  return variability / (c * (1 - u)) * service_ms * std::log(p_wait / tail);
}

double utilization_within_wait(int servers, double service_ms, double service_scv, double quantile,
                               double budget_ms) noexcept {
  if (!(budget_ms > 0) || !(service_ms > 0) || !(quantile > 0 && quantile < 1)) {
    return 0;
  }
  const double c = static_cast<double>(std::max(1, servers));
  const double e = std::sqrt(2.0 * (c + 1)) - 1; // P_wait = u^e, as in queue_wait_ms
  const double a = (1 + service_scv) / 2 / c * service_ms;
  const double log_tail = std::log(1 - quantile);
  const auto g = [&](double u) { return a * (e * std::log(u) - log_tail) - budget_ms * (1 - u); };
  // Below u0 nobody in the quantile waits: g(u0) = −budget·(1 − u0) < 0.
  double u = std::exp(log_tail / e);
  for (int i = 0; i < 100; ++i) {
    const double next = u - g(u) / (a * e / u + budget_ms);
    if (!(next > u)) {
      break;
    }
    u = std::min(next, std::nextafter(1.0, 0.0));
  }
  // Rounding may leave the last step a hair beyond the root: step back until the budget holds.
  while (u > 0 && queue_wait_ms(u, servers, service_ms, service_scv, quantile) > budget_ms) {
    u = std::nextafter(u, 0.0);
  }
  return u;
}

double normal_quantile(double p) noexcept {
  // P. J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
  // function" (2003): rational approximations in the centre and the tails.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double low = 0.02425;
  if (!(p > 0)) {
    return -std::numeric_limits<double>::infinity();
  }
  if (!(p < 1)) {
    return std::numeric_limits<double>::infinity();
  }
  if (p < low || p > 1 - low) {
    const double q = std::sqrt(-2 * std::log(p < low ? p : 1 - p));
    const double x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                     ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    return p < low ? x : -x;
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

Estimate estimate(const ModelSpec& model, const Accelerator& accelerator, const EstimateRequest& request, int batch) {
  return Estimator(model, accelerator, request).at(batch);
}

std::optional<Estimate> best_batch(const Estimator& estimator, const BatchLimits& limits) {
  int hi = estimator.max_batch();
  if (limits.max_batch) {
    hi = std::min(hi, *limits.max_batch);
  }
  if (hi < 1) {
    return std::nullopt;
  }
  const bool loaded = estimator.request().load_requests_per_s.has_value();
  // TPOT, and without a load also TTFT, grow with the batch (every term of the step does), so
  // the admissible batches are 1…k: bisect for k.
  const auto monotone_ok = [&](const Estimate& e) {
    if (limits.tpot_ms && e.slo_tpot_ms() > *limits.tpot_ms) {
      return false;
    }
    if (!loaded && limits.ttft_ms && (!e.slo_ttft_ms() || *e.slo_ttft_ms() > *limits.ttft_ms)) {
      return false;
    }
    return true;
  };
  if (!monotone_ok(estimator.at(1))) {
    return std::nullopt;
  }
  int lo = 1; // admissible
  while (lo < hi) {
    const int mid = lo + (hi - lo + 1) / 2;
    if (monotone_ok(estimator.at(mid))) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  if (!loaded) {
    return estimator.at(lo);
  }
  // Under a load, smaller batches queue longer and saturate sooner: walk down from the
  // largest TPOT-admissible batch; throughput falls with the batch, so the first admissible
  // one is the best, and once the queue is unstable every smaller batch is too.
  for (int b = lo; b >= 1; --b) {
    const Estimate e = estimator.at(b);
    if (!e.ttft_ms) {
      return std::nullopt;
    }
    if (!limits.ttft_ms || *e.slo_ttft_ms() <= *limits.ttft_ms) {
      return e;
    }
  }
  return std::nullopt;
}

std::string_view to_string(BatchMode mode) {
  return mode == BatchMode::continuous ? "continuous" : "static";
}

std::optional<BatchMode> parse_batch_mode(std::string_view name) {
  if (name == "continuous") {
    return BatchMode::continuous;
  }
  if (name == "static") {
    return BatchMode::static_batch;
  }
  return std::nullopt;
}

std::string_view to_string(KvRead read) { return read == KvRead::ragged ? "ragged" : "padded"; }

std::optional<KvRead> parse_kv_read(std::string_view name) {
  if (name == "ragged") {
    return KvRead::ragged;
  }
  if (name == "padded") {
    return KvRead::padded;
  }
  return std::nullopt;
}

std::string_view to_string(Bound bound) {
  switch (bound) {
  case Bound::compute:
    return "compute";
  case Bound::memory:
    return "memory";
  case Bound::interconnect:
    return "interconnect";
  case Bound::overhead:
    return "overhead";
  }
  return "memory";
}

} // namespace tpuplan
