// Does a model fit an offering's memory, how full is it, and how many sequences fit beside it.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/model.hpp>

#include <optional>
#include <string_view>

namespace tpuplan {

/// What the headroom is a share of: engines size their KV cache differently.
enum class MemoryBasis {
  hbm, ///< weights + reserve + KV within HBM × (1 − headroom) (vLLM gpu_memory_utilization, SGLang mem-fraction)
  free ///< KV within (HBM − weights − reserve) × (1 − headroom) (TensorRT-LLM kv_cache_free_gpu_mem_fraction)
};
std::string_view to_string(MemoryBasis basis);
std::optional<MemoryBasis> parse_memory_basis(std::string_view name);

/// Memory assumptions; the defaults are documented in docs/methodology.md §Memory.
struct MemoryOptions {
  Precision weights = Precision::bf16;  ///< weight precision
  Precision kv = Precision::bf16;       ///< KV-cache precision
  double context_tokens = 4096;         ///< tokens one sequence holds (prompt + output)
  /// Fraction left unallocated, of HBM or of the free memory (`basis`): vLLM's default
  /// gpu_memory_utilization is 0.90 of HBM.
  double headroom_fraction = 0.10;
  MemoryBasis basis = MemoryBasis::hbm;
  /// Per-chip runtime reserve: activations, compiled programs, CUDA context / TPU runtime.
  double overhead_gib_per_chip = 1.0;
};

/// The memory picture of one model on `chips` accelerators with tensor parallelism.
struct MemoryFit {
  double hbm_bytes = 0;            ///< total HBM of all chips
  double usable_bytes = 0;         ///< hbm × (1 − headroom), or weights + reserve + free × (1 − headroom)
  double weight_bytes = 0;         ///< all weights (sharded across chips)
  double overhead_bytes = 0;       ///< runtime reserve, all chips
  double kv_bytes_per_sequence = 0;///< one sequence at context_tokens, including replication
  double kv_budget_bytes = 0;      ///< usable − weights − overhead (may be negative)
  double kv_replication = 1;       ///< copies of each KV head across chips (N/K when N > K; N for MLA)
  bool fits = false;               ///< weights + overhead + one sequence ≤ usable
  int max_batch = 0;               ///< sequences of context_tokens that fit beside the weights
  double hbm_used_fraction = 0;    ///< (weights + overhead + one sequence) ÷ HBM
};

/// Memory fit of `model` on `chips` chips of `accelerator`.
MemoryFit fit_memory(const ModelSpec& model, const Accelerator& accelerator, int chips, const MemoryOptions& options);

/// KV copies under tensor parallelism over `chips`: heads are split up to K ways, beyond that
/// each KV head is replicated N/K times (scaling-book, perfmodel §1.2); MLA's latent cache is
/// shared by all heads, so every chip holds all of it.
double kv_replication(const ModelSpec& model, int chips);

} // namespace tpuplan
