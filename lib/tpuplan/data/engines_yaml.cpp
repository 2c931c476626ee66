// Reading engines.yaml (docs/data.md §engines.yaml): the serving engines, each fact with its
// source. The checks catch what would silently change every estimate of a family: two
// default engines for one family, a default for a family the engine does not run on. (A
// family pattern matching no accelerator of the shipped catalog is caught by the data lint:
// a --data directory may hold fewer accelerators than engines.yaml names.)
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/detail/text.hpp>

#include <fmt/format.h>
#include <map>
#include <set>

namespace tpuplan::data {

namespace {

bool pattern_matches(std::string_view pattern, std::string_view family) {
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    return family.substr(0, prefix.size()) == prefix;
  }
  return pattern == family;
}

/// A fact group's source: `source` resolved with the engine's as_of.
std::string fact_source(const yaml::Node& group, const yaml::Node& as_of, const SourceTable& sources) {
  if (const auto c = read_citation(group.required("source"), as_of, sources)) {
    return c->url;
  }
  return {};
}

Engine read_engine(const yaml::Node& n, const SourceTable& sources, const std::set<std::string>& families) {
  n.allow_keys({"id", "name", "aliases", "runs_on", "default_for", "as_of", "kv_cache", "memory", "max_batch",
                "chunked_prefill", "efficiency"});
  Engine e;
  e.id = n.required("id").text().value_or("");
  if (!e.id.empty() && !is_identifier(e.id)) {
    n.required("id").problem(fmt::format("engine id '{}' must be lower-case letters, digits, '.', '-' or '_'", e.id));
  }
  e.name = n.required("name").text().value_or("");
  e.aliases = n.child("aliases").text_list();
  const yaml::Node as_of = n.required("as_of");
  e.as_of = as_of.date().value_or("");
  e.runs_on = n.required("runs_on").text_list();
  e.default_for = n.child("default_for").text_list();
  // A default for a family of the catalog the engine does not run on would never apply.
  for (const auto& d : e.default_for) {
    for (const auto& f : families) {
      if (!pattern_matches(d, f)) {
        continue;
      }
      bool runs = false;
      for (const auto& r : e.runs_on) {
        runs = runs || pattern_matches(r, f);
      }
      if (!runs) {
        n.required("default_for").problem(fmt::format("default for '{}', but runs_on does not include it", f));
      }
    }
  }

  const std::vector<std::string> kv_precisions = {"bf16", "fp8", "int8"};
  const yaml::Node kv = n.required("kv_cache");
  kv.allow_keys({"fp8_weights", "int8_weights", "read", "source", "note"});
  e.fp8_weights_kv = kv.required("fp8_weights").one_of(kv_precisions).value_or("bf16");
  e.int8_weights_kv = kv.required("int8_weights").one_of(kv_precisions).value_or("bf16");
  e.kv_read = kv.required("read").one_of({"ragged", "padded"}).value_or("ragged");
  e.kv_source = fact_source(kv, as_of, sources);
  e.kv_note = kv.child("note").text().value_or("");

  const yaml::Node memory = n.required("memory");
  memory.allow_keys({"basis", "fraction", "source", "note"});
  e.memory_basis = memory.required("basis").one_of({"hbm", "free"}).value_or("hbm");
  e.memory_fraction = memory.required("fraction")
                          .number(yaml::Range{0.0, 1.0, true})
                          .value_or(0.9);
  e.memory_source = fact_source(memory, as_of, sources);
  e.memory_note = memory.child("note").text().value_or("");

  if (const yaml::Node batch = n.child("max_batch"); batch.present()) {
    batch.allow_keys({"value", "source", "note"});
    e.max_batch = batch.required("value").integer(yaml::Range::at_least(1));
    e.max_batch_source = fact_source(batch, as_of, sources);
    e.max_batch_note = batch.child("note").text().value_or("");
  }
  const yaml::Node chunked = n.required("chunked_prefill");
  chunked.allow_keys({"value", "source", "note"});
  e.chunked_prefill = chunked.required("value").boolean().value_or(true);
  e.chunked_prefill_source = fact_source(chunked, as_of, sources);
  e.chunked_prefill_note = chunked.child("note").text().value_or("");
  for (const yaml::Node& f : n.child("efficiency").items()) {
    f.allow_keys({"family", "measured_on", "compute", "memory", "kv_memory", "overhead_ms", "fitted", "fitted_on"});
    EngineEfficiency x;
    x.family = f.required("family").text().value_or("");
    x.measured_on = f.required("measured_on").text().value_or("");
    const yaml::Range share{0.0, 1.0, true};
    x.compute = f.required("compute").number(share).value_or(0.5);
    x.memory = f.required("memory").number(share).value_or(0.9);
    x.kv_memory = f.required("kv_memory").number(share).value_or(0.9);
    x.overhead_ms = f.required("overhead_ms").number(yaml::Range::at_least(0)).value_or(0);
    x.fitted = f.required("fitted").text_list();
    for (const auto& name : x.fitted) {
      if (name != "compute" && name != "memory" && name != "kv_memory" && name != "overhead_ms") {
        f.required("fitted").problem(fmt::format("unknown factor '{}'", name),
                                     "accepted: compute, memory, kv_memory, overhead_ms");
      }
    }
    x.fitted_on = f.required("fitted_on").text().value_or("");
    bool runs = false;
    for (const auto& r : e.runs_on) {
      runs = runs || pattern_matches(r, x.measured_on);
    }
    if (!x.measured_on.empty() && !runs) {
      f.required("measured_on").problem(fmt::format("'{}' is not a family {} runs on", x.measured_on, e.id));
    }
    e.efficiency.push_back(std::move(x));
  }
  return e;
}

} // namespace

std::vector<Engine> read_engines(const yaml::Node& root, const SourceTable& sources,
                                 const std::vector<Accelerator>& accelerators) {
  root.allow_keys({"version", "engines"});
  check_version(root);
  std::set<std::string> families;
  for (const auto& a : accelerators) {
    if (!a.family.empty()) {
      families.insert(a.family);
    }
  }
  std::vector<Engine> engines;
  std::map<std::string, std::string> names;    // lower-cased id or alias → where first given
  std::map<std::string, std::string> defaults; // family → the engine that is its default
  for (const yaml::Node& n : root.required("engines").items()) {
    Engine e = read_engine(n, sources, families);
    const auto claim = [&](const yaml::Node& at, const std::string& name) {
      const auto key = detail::ascii_lower(name);
      if (const auto it = names.find(key); it != names.end()) {
        at.problem(fmt::format("'{}' is already an engine id or alias (at {})", name, it->second));
        return;
      }
      names.emplace(key, at.where());
    };
    if (!e.id.empty()) {
      claim(n.required("id"), e.id);
    }
    for (const yaml::Node& alias : n.child("aliases").items()) {
      if (const auto s = alias.text()) {
        claim(alias, *s);
      }
    }
    for (const auto& f : families) {
      for (const auto& d : e.default_for) {
        if (pattern_matches(d, f)) {
          if (const auto it = defaults.find(f); it != defaults.end() && it->second != e.id) {
            n.required("default_for")
                .problem(fmt::format("family '{}' already has the default engine '{}'", f, it->second));
          } else {
            defaults.emplace(f, e.id);
          }
        }
      }
    }
    engines.push_back(std::move(e));
  }
  return engines;
}

} // namespace tpuplan::data
