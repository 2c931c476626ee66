// Efficiency defaults per accelerator family and the "key=value,…" override syntax.
//
// The defaults are few and shared: one HBM efficiency, one interconnect efficiency and one
// all-reduce latency for every chip, a matmul efficiency per GPU generation, and a per-step
// overhead per software stack (GPU vs TPU). How each was chosen, and the measured error it
// gives, is in docs/methodology.md §Efficiency defaults and docs/accuracy.md.
#include <tpuplan/perf/estimate.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/detail/text.hpp>

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

namespace {

// Shared by all families.
// η_m: kipply measured 87–90% of HBM bandwidth in FasterTransformer decode; vLLM's paged
// attention kernel reaches 80–90% of DRAM bandwidth (vllm#421) — perfmodel §1.9.
constexpr double k_memory = 0.9;
// η_net: NCCL all-reduce bus bandwidth on 8×A100 NVLink is ≈ 200–230 GB/s of 300 GB/s per
// direction (nccl-tests issues #149, #178) ≈ 0.7.
constexpr double k_interconnect = 0.7;
// α: llm-analysis' minimum message latency for A100/H100 NVLink (8 µs, kipply's estimate);
// on TPU ICI ≈ 1 µs per hop (scaling-book, "A note on ICI latency") over the ≈ N hops of a
// ring all-reduce on the 8 chips of one host.
constexpr double k_latency_us = 8;

// η_c and the per-step overhead were fitted on the calibration set (perfmodel §3.1), one pair
// per family, within physically sensible ranges: see docs/accuracy.md for the fit and errors.
// NVIDIA Ampere (A100, bf16): kipply profiled 0.72 (MLP) and 0.54 (attention projections).
constexpr double k_ampere_compute = 0.65;
// NVIDIA Hopper (H100, FP8): FP8 GEMMs reach a lower share of their doubled peak; MLPerf
// v4.0 offline implies ≈ 0.33 of FP8 peak end to end (perfmodel §3.2).
constexpr double k_hopper_compute = 0.45;
// η_moe, the routed experts' share of the dense efficiencies (grouped GEMMs over few tokens
// per expert), fitted (grid 0.30–1.00, step 0.01, least squared log error) on the one Mixtral
// column per family moved to the calibration set: TensorRT-LLM v0.17, Mixtral-8x7B on A100-80GB
// TP2 bf16 (9 points) and on H100 TP1 fp8 (9 points); docs/accuracy.md. TPUs: no MoE points, 1.
constexpr double k_ampere_moe = 0.63;
constexpr double k_hopper_moe = 0.83;
// GPU stacks (TensorRT-LLM, vLLM): scheduler, sampling and launch gaps per iteration.
constexpr double k_gpu_overhead_ms = 2.25;
// TPU: the only measured LLM-serving data is JetStream-PyTorch on v5e-8 (2024); its per-step
// host and dispatch overhead is large. Other TPU generations inherit it (no data).
constexpr double k_tpu_compute = 0.5;
constexpr double k_tpu_overhead_ms = 8;

Efficiency make(double compute, double overhead_ms, std::string basis, double moe = 1.0) {
  Efficiency e;
  e.moe = moe;
  e.compute = compute;
  e.memory = k_memory;
  e.kv_memory = k_memory;
  e.interconnect = k_interconnect;
  e.collective_latency_us = k_latency_us;
  e.step_overhead_ms = overhead_ms;
  e.basis = std::move(basis);
  return e;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

} // namespace

Efficiency default_efficiency(const Accelerator& a) {
  const std::string& f = a.family;
  if (a.kind == AcceleratorKind::tpu || starts_with(f, "tpu")) {
    return make(k_tpu_compute, k_tpu_overhead_ms,
                f == "tpu-v5e" ? "tpu-v5e: fitted to JetStream-PyTorch on v5e-8 (docs/accuracy.md)"
                               : fmt::format("{}: TPU defaults fitted on v5e (JetStream-PyTorch 2024); no data for "
                                             "this generation (docs/methodology.md)",
                                             f.empty() ? a.id : f));
  }
  if (f == "nvidia-hopper") {
    return make(k_hopper_compute, k_gpu_overhead_ms, "nvidia-hopper: fitted to TensorRT-LLM FP8 on H100 (docs/accuracy.md)",
                k_hopper_moe);
  }
  if (f == "nvidia-blackwell") {
    return make(k_hopper_compute, k_gpu_overhead_ms,
                "nvidia-blackwell: Hopper defaults (same FP8-era stack; no Blackwell data, docs/methodology.md)",
                k_hopper_moe);
  }
  if (f == "nvidia-ampere") {
    return make(k_ampere_compute, k_gpu_overhead_ms,
                "nvidia-ampere: fitted to TensorRT-LLM and FasterTransformer on A100 (docs/accuracy.md)", k_ampere_moe);
  }
  return make(k_ampere_compute, k_gpu_overhead_ms,
              fmt::format("{}: GPU defaults of the bf16-calibrated Ampere family; no data for this family "
                          "(docs/methodology.md)",
                          f.empty() ? a.id : f),
              k_ampere_moe);
}

std::vector<std::string> efficiency_keys() {
  return {"compute", "memory", "kv_memory", "interconnect", "latency_us", "overhead_ms", "moe"};
}

Efficiency parse_efficiency(std::string_view text, Efficiency base, std::string_view origin) {
  const std::string accepted = "expected key=value pairs such as compute=0.5,memory=0.8 (keys: compute, memory, kv_memory, "
                               "interconnect, latency_us, overhead_ms, moe)";
  std::string applied;
  std::size_t start = 0;
  bool any = false;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    const std::string_view item = detail::trim(text.substr(start, end - start));
    start = end + 1;
    if (!item.empty()) {
      any = true;
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not key=value", origin, item), accepted);
      }
      const std::string key(detail::trim(item.substr(0, eq)));
      const std::string_view value_text = detail::trim(item.substr(eq + 1));
      double value = 0;
      const auto [ptr, ec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
      if (value_text.empty() || ec != std::errc() || ptr != value_text.data() + value_text.size() ||
          !std::isfinite(value)) {
        throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not a number in '{}'", origin, value_text, item),
                    accepted);
      }
      const auto fraction = [&](double& field) {
        if (!(value > 0 && value <= 1)) {
          throw Error(ErrorKind::usage, fmt::format("{}: {}={} is out of range", origin, key, value_text),
                      "efficiencies are fractions in (0, 1]");
        }
        field = value;
      };
      const auto non_negative = [&](double& field) {
        if (value < 0) {
          throw Error(ErrorKind::usage, fmt::format("{}: {}={} is negative", origin, key, value_text),
                      "latencies and overheads are ≥ 0");
        }
        field = value;
      };
      if (key == "compute") {
        fraction(base.compute);
      } else if (key == "memory") {
        fraction(base.memory);
      } else if (key == "kv_memory") {
        fraction(base.kv_memory);
      } else if (key == "moe") {
        fraction(base.moe);
      } else if (key == "interconnect") {
        fraction(base.interconnect);
      } else if (key == "latency_us") {
        non_negative(base.collective_latency_us);
      } else if (key == "overhead_ms") {
        non_negative(base.step_overhead_ms);
      } else {
        throw Error(ErrorKind::usage, fmt::format("{}: unknown efficiency factor '{}'", origin, key),
                    suggestion(key, efficiency_keys()));
      }
      applied += (applied.empty() ? "" : ",") + key + "=" + std::string(value_text);
    }
    if (comma == std::string_view::npos) {
      break;
    }
  }
  if (!any) {
    throw Error(ErrorKind::usage, fmt::format("{}: no factors given", origin), accepted);
  }
  base.basis = base.basis.empty() ? "overridden: " + applied : base.basis + "; overridden: " + applied;
  return base;
}

} // namespace tpuplan
