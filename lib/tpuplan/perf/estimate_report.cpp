// What an estimate assumed (Report::assumptions) and its arithmetic (Report::explain), shared
// by every command that shows estimates (estimate, cost, size).
#include <tpuplan/perf/estimate.hpp>

#include <fmt/format.h>

namespace tpuplan {

namespace {

Assumption make(std::string key, Cell value, std::string unit, std::string description, std::string source) {
  return Assumption{std::move(key), std::move(value), std::move(unit), std::move(description), std::move(source)};
}

std::string gb(double bytes) { return fmt::format("{:.2f} GB", bytes / 1e9); }

std::string math_path(const Estimator& est, const Accelerator& a) {
  const Precision w = est.request().weights;
  if (est.math_precision() == w) {
    return fmt::format("{} matmuls at {:g} TFLOP/s per chip", to_string(w), est.peak_tflops());
  }
  if (w == Precision::int4) {
    return fmt::format("int4 weights dequantised to bf16 matmuls (weight-only) at {:g} TFLOP/s per chip",
                       est.peak_tflops());
  }
  return fmt::format("{} weights dequantised to bf16 matmuls: {} has no {} path; {:g} TFLOP/s per chip",
                     to_string(w), a.id, to_string(w), est.peak_tflops());
}

} // namespace

std::vector<Assumption> estimate_assumptions(const Estimator& est, const ModelSpec& model, const Accelerator& a) {
  const auto& r = est.request();
  const auto& e = est.efficiency();
  std::vector<Assumption> out;
  out.push_back(make("estimate_basis", std::string("estimate"), "",
                     "every throughput and latency figure is an estimate of the roofline model, not a measurement",
                     "docs/methodology.md §Estimator; error on measured data: docs/accuracy.md"));
  out.push_back(make("efficiency_compute", e.compute, "fraction", "η_c: achieved ÷ peak matmul FLOP/s", e.basis));
  out.push_back(make("efficiency_memory", e.memory, "fraction", "η_m: achieved ÷ peak HBM bandwidth streaming the weights",
                     e.basis));
  out.push_back(make("efficiency_kv_memory", e.kv_memory, "fraction",
                     "η_kv: achieved ÷ peak HBM bandwidth reading the KV cache", e.basis));
  if (model.is_moe()) {
    out.push_back(make("efficiency_moe", e.moe, "fraction",
                       "η_moe: the routed experts' grouped GEMMs at this share of the dense layers' η_m and η_c", e.basis));
  }
  out.push_back(make("efficiency_interconnect", e.interconnect, "fraction",
                     "η_net: achieved ÷ peak link bandwidth in an all-reduce", e.basis));
  out.push_back(make("collective_latency_us", e.collective_latency_us, "us",
                     "latency of one all-reduce of a tiny message (2 per layer under tensor parallelism)", e.basis));
  out.push_back(make("step_overhead_ms", e.step_overhead_ms, "ms",
                     "fixed time per forward pass: scheduling, kernel launches, sampling, host", e.basis));
  out.push_back(make("matmul_peak_tflops_per_chip", est.peak_tflops(), "TFLOP/s", math_path(est, a),
                     a.source.empty() ? a.id : a.source));
  out.push_back(make("hbm_tb_per_s_per_chip", a.hbm_tb_per_s, "TB/s", "peak HBM bandwidth per chip",
                     a.source.empty() ? a.id : a.source));
  if (r.chips > 1) {
    out.push_back(make("interconnect_gb_per_s_per_chip", a.interconnect_gb_per_s, "GB/s",
                       fmt::format("{} bandwidth per chip, one direction; ring all-reduce of bf16 activations",
                                   a.interconnect.empty() ? std::string("interconnect") : a.interconnect),
                       a.source.empty() ? a.id : a.source));
  }
  out.push_back(make("batch_mode", std::string(to_string(r.mode)), "",
                     r.mode == BatchMode::continuous
                         ? "in-flight batching: each decode step also prefills the prompts of the requests that "
                           "replace finished ones"
                         : "static batches: prefill the whole batch, then decode it to the end",
                     "perfmodel §1.8"));
  out.push_back(make("kv_read", std::string(to_string(r.kv_read)), "",
                     fmt::format("a decode step reads {:.0f} KV tokens per sequence ({})", est.kv_read_tokens(),
                                 r.kv_read == KvRead::ragged ? "the mean live context, input + output/2"
                                                             : "the whole padded cache"),
                     "perfmodel §1.5, §3.2"));
  out.push_back(make("kv_reserved_tokens_per_sequence", est.admission_tokens(), "tokens",
                     "memory reserved per sequence (sets the largest batch that fits)", "perfmodel §1.3"));
  out.push_back(make("hbm_headroom_fraction", r.headroom_fraction, "fraction",
                     r.memory_basis == MemoryBasis::free
                         ? "share of the memory the weights and reserve leave that is not given to the KV cache"
                         : "HBM left unallocated",
                     r.engine.empty() ? "vLLM gpu_memory_utilization 0.90" : "the engine's (data/engines.yaml), or --headroom"));
  out.push_back(make("runtime_reserve_gib_per_chip", r.overhead_gib_per_chip, "GiB",
                     "activations, compiled programs, runtime context", "docs/methodology.md §Memory"));
  if (model.is_moe()) {
    out.push_back(make("moe_routing", std::string("uniform"), "",
                       "FLOPs from active parameters; weight reads from the experts a step touches, "
                       "E·(1 − (1 − k/E)^tokens) per layer; experts sharded by tensor parallelism",
                       "perfmodel §1.7"));
  }
  if (r.load_requests_per_s) {
    out.push_back(make("load_requests_per_s", *r.load_requests_per_s, "requests/s",
                       "offered load (Poisson arrivals); queueing by the Allen–Cunneen/Sakasegawa G/G/c "
                       "approximation with one server per batch slot",
                       "Hopp & Spearman, Factory Physics (VUT equation)"));
  }
  return out;
}

std::vector<std::string> explain_estimate(const Estimator& est, const ModelSpec& model, const Accelerator& a,
                                          const Estimate& x) {
  const auto& r = est.request();
  const auto& e = est.efficiency();
  const auto& s = x.step;
  const double n = r.chips;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("model {}: {:.2f} B parameters ({:.2f} B active), weights {} at {}, KV {:.1f} KiB/token at {}",
                              model.id, total_params(model) / 1e9, active_params(model) / 1e9,
                              gb(est.memory().weight_bytes), to_string(r.weights),
                              kv_bytes_per_token(model, r.kv) / k_bytes_per_kib, to_string(r.kv)));
  lines.push_back(fmt::format("{} × {}: {}; HBM {:g} TB/s per chip; {:g} GiB per chip", r.chips, a.id,
                              math_path(est, a), a.hbm_tb_per_s, a.hbm_gib));
  lines.push_back(fmt::format("efficiency: compute {:g}, memory {:g}, KV memory {:g}, interconnect {:g}, all-reduce latency "
                              "{:g} µs, step overhead {:g} ms{} ({})",
                              e.compute, e.memory, e.kv_memory, e.interconnect, e.collective_latency_us, e.step_overhead_ms,
                              model.is_moe() ? fmt::format(", routed experts {:g}", e.moe) : std::string(), e.basis));
  const double fresh = r.mode == BatchMode::continuous ? x.batch / r.output_tokens : 0.0;
  const double tokens = x.batch + fresh * r.input_tokens;
  lines.push_back(fmt::format("decode step at batch {} ({} mode, {} KV reads of {:.0f} tokens per sequence{}):",
                              x.batch, to_string(r.mode), to_string(r.kv_read), est.kv_read_tokens(),
                              fresh > 0 ? fmt::format(", plus {:.2f} prompts of {:g} tokens prefilled per step", fresh,
                                                      r.input_tokens)
                                        : std::string{}));
  lines.push_back(fmt::format("  KV read      = {} × {} ÷ ({:g} × {:g} TB/s × {:g}) = {:.3f} ms", x.batch,
                              gb(est.kv_read_bytes_per_sequence()),
                              n, a.hbm_tb_per_s, e.kv_memory, s.kv_read_ms));
  lines.push_back(fmt::format("  weights      = {} ÷ ({:g} × {:g} TB/s × {:g}) = {:.3f} ms{}",
                              gb(s.weight_read_ms * n * a.hbm_tb_per_s * 1e9 * e.memory), n, a.hbm_tb_per_s, e.memory,
                              s.weight_read_ms, model.is_moe() ? " (dense part + experts touched)" : ""));
  const double step_flops = x.batch * est.flops_per_token() + fresh * est.prefill_flops();
  lines.push_back(fmt::format("  compute      = ({} × {:.2f} GFLOP{}) ÷ ({:g} × {:g} TFLOP/s × {:g}) = {:.3f} ms", x.batch,
                              est.flops_per_token() / 1e9,
                              fresh > 0 ? fmt::format(" + {:.3f} × {:.2f} TFLOP prefill = {:.2f} TFLOP", fresh,
                                                      est.prefill_flops() / 1e12, step_flops / 1e12)
                                        : fmt::format(" = {:.2f} TFLOP", step_flops / 1e12),
                              n, est.peak_tflops(), e.compute, s.compute_ms));
  lines.push_back(fmt::format("  linear       = max(weights, compute) = {:.3f} ms", s.linear_ms));
  if (r.chips > 1) {
    lines.push_back(fmt::format("  all-reduce   = {:g} × ({:g} µs + 2·{:g}/{:g} × {:.1f} tokens × {:g} B ÷ ({:g} GB/s × {:g})) "
                                "= {:.3f} ms",
                                est.allreduces_per_pass(), e.collective_latency_us, n - 1, n, tokens,
                                est.allreduce_bytes_per_token(), a.interconnect_gb_per_s, e.interconnect,
                                s.interconnect_ms));
  }
  lines.push_back(fmt::format("  overhead     = {:.3f} ms", s.overhead_ms));
  lines.push_back(fmt::format("  step         = KV + linear + all-reduce + overhead = {:.3f} ms ({}-bound) → TPOT {:.2f} ms",
                              s.total_ms, to_string(x.bound), x.tpot_ms));
  if (r.mode == BatchMode::continuous) {
    lines.push_back(fmt::format("throughput = {} ÷ {:.3f} ms = {:.1f} output tokens/s ({:.1f} per chip)", x.batch,
                                s.total_ms, x.output_tokens_per_s, x.output_tokens_per_s_per_chip));
    lines.push_back(fmt::format("prefill of one {:g}-token prompt = max({:.1f} TFLOP ÷ ({:g} × {:g} TFLOP/s × {:g}), "
                                "weights) + all-reduce + overhead = {:.3f} ms",
                                r.input_tokens, est.prefill_flops() / 1e12, n, est.peak_tflops(), e.compute,
                                x.prefill_ms));
  } else {
    lines.push_back(fmt::format("request = prefill of {} × {:g} tokens {:.3f} ms + {:g} steps × {:.3f} ms; throughput = "
                                "{} × {:g} ÷ request time = {:.1f} output tokens/s",
                                x.batch, r.input_tokens, x.prefill_ms, r.output_tokens - 1, s.total_ms, x.batch,
                                r.output_tokens, x.output_tokens_per_s));
  }
  if (x.ttft_ms) {
    lines.push_back(fmt::format("TTFT = {}prefill {:.3f} ms + one step {:.3f} ms = {:.2f} ms",
                                x.queue_ms ? fmt::format("queue {:.3f} ms + ", *x.queue_ms) : std::string{},
                                x.prefill_ms, s.total_ms, *x.ttft_ms));
  } else if (x.utilization) {
    lines.push_back(fmt::format("TTFT unbounded: the load is {:.2f}× the capacity of {:.3f} requests/s", *x.utilization,
                                x.requests_per_s));
  }
  lines.push_back(fmt::format("memory: weights {} + reserve {} + {} × {} KV ({:.0f} tokens) = {:.1f}% of {} HBM",
                              gb(est.memory().weight_bytes), gb(est.memory().overhead_bytes), x.batch,
                              gb(est.memory().kv_bytes_per_sequence), est.admission_tokens(),
                              x.hbm_used_fraction * 100, gb(est.memory().hbm_bytes)));
  return lines;
}

} // namespace tpuplan
