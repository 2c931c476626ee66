// Memory fit: usable = HBM·N·(1 − headroom) − weights − overhead; B_max = ⌊usable / KV(seq)⌋
// (perfmodel §1.3, after vidur's memory planner and vLLM's gpu_memory_utilization).
#include <tpuplan/model/memory.hpp>

#include <algorithm>
#include <cmath>

namespace tpuplan {

std::string_view to_string(MemoryBasis basis) { return basis == MemoryBasis::free ? "free" : "hbm"; }

std::optional<MemoryBasis> parse_memory_basis(std::string_view name) {
  if (name == "hbm") {
    return MemoryBasis::hbm;
  }
  if (name == "free") {
    return MemoryBasis::free;
  }
  return std::nullopt;
}

double kv_replication(const ModelSpec& model, int chips) {
  const double n = std::max(1, chips);
  if (model.is_mla()) {
    return n;
  }
  const double k = std::max(1, model.kv_heads);
  return std::max(1.0, n / k);
}

MemoryFit fit_memory(const ModelSpec& model, const Accelerator& accelerator, int chips, const MemoryOptions& options) {
  MemoryFit fit;
  const double n = std::max(1, chips);
  fit.hbm_bytes = accelerator.hbm_gib * k_bytes_per_gib * n;
  fit.weight_bytes = weight_bytes(model, options.weights);
  fit.overhead_bytes = options.overhead_gib_per_chip * k_bytes_per_gib * n;
  if (options.basis == MemoryBasis::free) {
    // TensorRT-LLM measures the memory left after loading the weights and sizing the
    // activations, and gives the KV cache a fraction of it (kv_cache_free_gpu_mem_fraction).
    const double free_bytes = std::max(0.0, fit.hbm_bytes - fit.weight_bytes - fit.overhead_bytes);
    fit.usable_bytes = std::min(fit.hbm_bytes, fit.weight_bytes + fit.overhead_bytes) +
                       free_bytes * (1.0 - options.headroom_fraction);
  } else {
    fit.usable_bytes = fit.hbm_bytes * (1.0 - options.headroom_fraction);
  }
  fit.kv_replication = kv_replication(model, chips);
  fit.kv_bytes_per_sequence =
      kv_bytes_per_sequence(model, options.kv, options.context_tokens) * fit.kv_replication;
  fit.kv_budget_bytes = fit.usable_bytes - fit.weight_bytes - fit.overhead_bytes;
  if (fit.kv_budget_bytes > 0 && fit.kv_bytes_per_sequence > 0) {
    const double batch = std::floor(fit.kv_budget_bytes / fit.kv_bytes_per_sequence);
    fit.max_batch = static_cast<int>(std::min(batch, 1e9));
  }
  fit.fits = fit.max_batch >= 1;
  fit.hbm_used_fraction = (fit.weight_bytes + fit.overhead_bytes + fit.kv_bytes_per_sequence) / fit.hbm_bytes;
  return fit;
}

} // namespace tpuplan
