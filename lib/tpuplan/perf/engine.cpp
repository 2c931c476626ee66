// Lookups over the engines of data/engines.yaml.
#include <tpuplan/perf/engine.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <fmt/format.h>

namespace tpuplan {

namespace {

bool family_matches(std::string_view pattern, std::string_view family) {
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    return family.substr(0, prefix.size()) == prefix;
  }
  return pattern == family;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view family) {
  for (const auto& p : patterns) {
    if (family_matches(p, family)) {
      return true;
    }
  }
  return false;
}

} // namespace

bool runs_on(const Engine& engine, const Accelerator& accelerator) {
  return any_matches(engine.runs_on, accelerator.family);
}

const Engine* default_engine(const std::vector<Engine>& engines, const Accelerator& accelerator) {
  for (const auto& e : engines) {
    if (any_matches(e.default_for, accelerator.family) && runs_on(e, accelerator)) {
      return &e;
    }
  }
  for (const auto& e : engines) {
    if (runs_on(e, accelerator)) {
      return &e;
    }
  }
  return nullptr;
}

const Engine& find_engine(const std::vector<Engine>& engines, std::string_view name, std::string_view flag) {
  const std::string key = detail::ascii_lower(name);
  std::vector<std::string> names;
  for (const auto& e : engines) {
    if (detail::ascii_lower(e.id) == key) {
      return e;
    }
    for (const auto& a : e.aliases) {
      if (detail::ascii_lower(a) == key) {
        return e;
      }
    }
    names.push_back(e.id);
  }
  throw Error(ErrorKind::usage, fmt::format("{}: unknown engine '{}'", flag, name), suggestion(name, names));
}

void require_runs_on(const std::vector<Engine>& engines, const Engine& engine, const Accelerator& accelerator) {
  if (runs_on(engine, accelerator)) {
    return;
  }
  std::string those;
  for (const auto& e : engines) {
    if (runs_on(e, accelerator)) {
      those += (those.empty() ? "" : ", ") + e.id;
    }
  }
  throw Error(ErrorKind::usage,
              fmt::format("--engine: {} does not run on {} (family {})", engine.id, accelerator.id, accelerator.family),
              those.empty() ? std::string("no engine in data/engines.yaml runs on it")
                            : "engines that run on it: " + those);
}

Precision engine_kv_precision(const Engine& engine, Precision weights) {
  const std::string* kv = nullptr;
  if (weights == Precision::fp8) {
    kv = &engine.fp8_weights_kv;
  } else if (weights == Precision::int8) {
    kv = &engine.int8_weights_kv;
  }
  if (kv == nullptr) {
    return Precision::bf16;
  }
  return parse_precision(*kv).value_or(Precision::bf16);
}

MemoryBasis engine_memory_basis(const Engine& engine) {
  return parse_memory_basis(engine.memory_basis).value_or(MemoryBasis::hbm);
}

double engine_headroom_fraction(const Engine& engine) { return 1.0 - engine.memory_fraction; }

const EngineEfficiency* engine_efficiency_entry(const Engine& engine, const Accelerator& accelerator) {
  for (const auto& e : engine.efficiency) {
    if (family_matches(e.family, accelerator.family)) {
      return &e;
    }
  }
  return nullptr;
}

Efficiency engine_efficiency(const Engine* engine, const Accelerator& accelerator) {
  Efficiency e = default_efficiency(accelerator);
  if (engine == nullptr) {
    return e;
  }
  const EngineEfficiency* fit = engine_efficiency_entry(*engine, accelerator);
  if (fit == nullptr) {
    e.basis = fmt::format("{}: no measured {} points, the family defaults ({})", engine->id, accelerator.family, e.basis);
    return e;
  }
  e.compute = fit->compute;
  e.memory = fit->memory;
  e.kv_memory = fit->kv_memory;
  e.step_overhead_ms = fit->overhead_ms;
  e.basis = fit->measured_on == accelerator.family
                ? fmt::format("{} on {}: fitted on {} (data/engines.yaml)", engine->id, accelerator.family, fit->fitted_on)
                : fmt::format("{} on {}: fitted on {} {} — no data for this generation (data/engines.yaml)",
                              engine->id, accelerator.family, fit->measured_on, fit->fitted_on);
  return e;
}

void apply_engine(const Engine& engine, const EngineSettings& user, EstimateRequest& r) {
  r.engine = engine.id;
  r.kv = user.kv.value_or(engine_kv_precision(engine, r.weights));
  r.memory_basis = engine_memory_basis(engine);
  r.headroom_fraction = user.headroom_fraction.value_or(engine_headroom_fraction(engine));
  r.kv_read = user.kv_read.value_or(parse_kv_read(engine.kv_read).value_or(KvRead::ragged));
  r.chunked_prefill = engine.chunked_prefill;
}

std::optional<int> engine_max_batch(const Engine& engine, std::optional<int> user) {
  return user ? user : engine.max_batch;
}

std::vector<Assumption> engine_assumptions(const Engine& engine, const EngineSettings& user) {
  std::vector<Assumption> out;
  out.push_back({"engine", engine.id, "", fmt::format("serving engine assumed: {}", engine.name),
                 "data/engines.yaml; docs/methodology.md §Engines"});
  if (!user.kv) {
    out.push_back({"engine_kv_for_fp8_weights", engine.fp8_weights_kv, "",
                   "KV precision the engine runs beside fp8 weights" +
                       (engine.kv_note.empty() ? std::string() : " (" + engine.kv_note + ")"),
                   engine.kv_source});
  }
  if (!user.headroom_fraction) {
    out.push_back({"engine_memory_fraction", engine.memory_fraction, "fraction",
                   engine.memory_basis == "free" ? "share of the memory the weights and reserve leave that the "
                                                   "engine gives to the KV cache"
                                                 : "share of HBM the engine allocates (weights, reserve and KV)",
                   engine.memory_source});
  }
  if (engine.max_batch) {
    out.push_back({"engine_max_batch", static_cast<std::int64_t>(*engine.max_batch), "sequences",
                   "the engine's default cap on concurrent sequences", engine.max_batch_source});
  }
  out.push_back({"engine_chunked_prefill", engine.chunked_prefill ? std::string("yes") : std::string("no"), "",
                 "prompts prefilled inside decode steps", engine.chunked_prefill_source});
  return out;
}

} // namespace tpuplan
