// Serving engines as data (data/engines.yaml): which accelerator families each runs on, the
// facts of it that change an estimate (the KV precision it runs beside quantised weights, how
// it sizes its KV cache, its cap on concurrent sequences, chunked prefill, how it reads the
// cache), each with its source, and which engine tpuplan assumes for a family when none is
// named. docs/methodology.md §Engines explains each fact; docs/data.md how to add an engine.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/units.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// Efficiency factors of one engine on accelerator families, fitted on its measured points
/// (fidelity.cpp, group "calibration"): `fitted` names the factors the fit chose (the others
/// are the family defaults'); `measured_on` the family the points ran on.
struct EngineEfficiency {
  std::string family;              ///< family pattern it applies to ("tpu-*" = prefix)
  std::string measured_on;         ///< the family the calibration points ran on
  double compute = 0.5;            ///< η_c
  double memory = 0.9;             ///< η_m (weights)
  double kv_memory = 0.9;          ///< η_kv (KV cache)
  double overhead_ms = 0;          ///< per-step overhead
  std::vector<std::string> fitted; ///< "compute", "memory", "kv_memory", "overhead_ms"
  std::string fitted_on;           ///< the points, by id prefix and count
};

/// One serving engine. Strings hold the enumerations the way data/engines.yaml spells them
/// (the reader checked them); the accessors below turn them into the library's types.
struct Engine {
  std::string id;                    ///< "trtllm", "vllm-tpu"
  std::string name;                  ///< "TensorRT-LLM"
  std::vector<std::string> aliases;  ///< other spellings accepted by --engine
  std::vector<std::string> runs_on;  ///< accelerator families; "nvidia-*" matches a prefix
  std::vector<std::string> default_for; ///< families this engine is assumed for when none is named
  std::string fp8_weights_kv = "bf16";  ///< KV precision it runs beside fp8 weights
  std::string int8_weights_kv = "bf16"; ///< KV precision it runs beside int8 weights
  std::string kv_read = "ragged";       ///< "ragged" (live tokens) or "padded" (the whole cache)
  std::string kv_source;                ///< where the KV facts come from
  std::string kv_note;
  std::string memory_basis = "hbm";     ///< MemoryBasis: what memory_fraction is a share of
  double memory_fraction = 0.9;         ///< share of that memory the engine may allocate
  std::string memory_source;
  std::string memory_note;
  std::optional<int> max_batch;         ///< default cap on concurrent sequences; absent = memory decides
  std::string max_batch_source;
  std::string max_batch_note;
  bool chunked_prefill = true;          ///< prompts are prefilled inside decode steps
  std::string chunked_prefill_source;
  std::string chunked_prefill_note;
  std::string as_of;                    ///< date the facts were read
  std::vector<EngineEfficiency> efficiency; ///< fitted factors per family; none = the family defaults
};

/// True when `engine` runs on the accelerator's family ("nvidia-*" matches "nvidia-hopper").
bool runs_on(const Engine& engine, const Accelerator& accelerator);

/// The engine assumed for `accelerator` when none is named: the first that lists its family
/// in default_for, else the first that runs on it; nullptr when no engine does.
const Engine* default_engine(const std::vector<Engine>& engines, const Accelerator& accelerator);

/// The engine called `name` (id or alias, case-insensitive). Throws Error(usage) "unknown
/// engine" with a did-you-mean, naming `flag`.
const Engine& find_engine(const std::vector<Engine>& engines, std::string_view name,
                          std::string_view flag = "--engine");

/// Throws Error(usage) when `engine` does not run on `accelerator`, listing those that do.
void require_runs_on(const std::vector<Engine>& engines, const Engine& engine, const Accelerator& accelerator);

/// The KV precision `engine` runs beside weights of precision `weights`.
Precision engine_kv_precision(const Engine& engine, Precision weights);

/// How the engine sizes its KV cache: the basis, and the headroom 1 − memory_fraction.
MemoryBasis engine_memory_basis(const Engine& engine);
double engine_headroom_fraction(const Engine& engine);

/// The factors `engine` runs at on `accelerator`: its fitted entry for the family (the basis
/// says when the entry was measured on another family), else default_efficiency(accelerator)
/// with a basis saying the engine has no data there. nullptr engine: the family defaults.
Efficiency engine_efficiency(const Engine* engine, const Accelerator& accelerator);

/// The engine's entry for `accelerator` (nullptr: none).
const EngineEfficiency* engine_efficiency_entry(const Engine& engine, const Accelerator& accelerator);

/// What the user set explicitly; each absent setting is the engine's.
struct EngineSettings {
  std::optional<Precision> kv;              ///< --kv-precision
  std::optional<double> headroom_fraction;  ///< --headroom (keeps the engine's basis)
  std::optional<KvRead> kv_read;            ///< --kv-read
};

/// Sets in `request` what `engine` decides and `user` left open: the KV precision for the
/// request's weights, the memory basis and headroom, the KV read, chunked prefill; names the
/// engine. Call after the weights are set.
void apply_engine(const Engine& engine, const EngineSettings& user, EstimateRequest& request);

/// The engine's cap on concurrent sequences unless the user gave one.
std::optional<int> engine_max_batch(const Engine& engine, std::optional<int> user);

/// Report lines: the engine and the facts of it an estimate used, for Report::assumptions.
std::vector<Assumption> engine_assumptions(const Engine& engine, const EngineSettings& user);

} // namespace tpuplan
