// Readers of the YAML data files (data/ or --data DIR; format in docs/data.md), used by
// load_dataset_dir and reusable by price sheets and `tpuplan validate`. Every reader records
// each problem it finds in the yaml::Problems of the nodes it is given and returns what it
// could read, so one pass over all files reports every mistake.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/perf/engine.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <map>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::data {

/// The format version every data file declares (`version: 1`).
inline constexpr int k_data_format_version = 1;

/// A document the data cites by id (data/sources.yaml).
struct Source {
  std::string id;          ///< "skypilot-gcp-v8"
  std::string url;         ///< where to read it
  std::string description; ///< what it is and what it covers
  std::string as_of;       ///< date of its figures (YYYY-MM-DD or YYYY-MM)
};

/// The sources table.
struct SourceTable {
  std::vector<Source> sources;
  /// The source with this id, or nullptr.
  const Source* find(std::string_view id) const;
  /// Every id, for suggestions.
  std::vector<std::string> ids() const;
};

/// A source reference resolved: the URL the data structs store and its date.
struct Citation {
  std::string url;
  std::string as_of;
};

/// Reports a missing or different `version`.
void check_version(const yaml::Node& root);

/// Reads sources.yaml: `sources: {<id>: {url, description, as_of}}`.
SourceTable read_sources(const yaml::Node& root);

/// Resolves `source` (an id of the table, or an http(s) URL) and `as_of` (the entry's own, else
/// the source's; required with a URL unless `needs_date` is false). `source` may be a list:
/// URLs joined by "; ", the latest as_of. Reports unknown ids with a suggestion.
std::optional<Citation> read_citation(const yaml::Node& source, const yaml::Node& as_of,
                                      const SourceTable& sources, bool needs_date = true);

/// Reads accelerators.yaml; ids and aliases must be unique (case-insensitive).
std::vector<Accelerator> read_accelerators(const yaml::Node& root, const SourceTable& sources);

/// Reads offerings files one after the other, expanding `tpu_slices` families into one offering
/// per size and region, and checking accelerators, ids (unique across files), TPU slice names
/// against Google's naming rule, and every price.
class OfferingReader {
public:
  OfferingReader(const std::vector<Accelerator>& accelerators, const SourceTable& sources);
  /// Reads one file: `cloud`, then `tpu_slices` and/or `offerings`.
  void read_file(const yaml::Node& root);
  /// The offerings read so far, in file order.
  std::vector<Offering> take() { return std::move(m_offerings); }

private:
  void read_tpu_family(const yaml::Node& family, const std::string& cloud);
  void read_offering(const yaml::Node& node, const std::string& cloud);
  void add(Offering offering, const yaml::Node& where);
  const Accelerator* accelerator(const yaml::Node& id_node) const;

  const std::vector<Accelerator>& m_accelerators;
  const SourceTable& m_sources;
  std::vector<Offering> m_offerings;
  std::unordered_map<std::string, yaml::Node> m_seen; // lower-cased id → where it was first given
};

/// Reads models.yaml: presets and size aliases; ids, aliases and alias targets are checked.
ModelRegistry read_models(const yaml::Node& root, const SourceTable& sources);

/// Reads engines.yaml: serving engines with sourced facts; family patterns are checked
/// against `accelerators`, ids and aliases must be unique, a family has one default engine.
std::vector<Engine> read_engines(const yaml::Node& root, const SourceTable& sources,
                                 const std::vector<Accelerator>& accelerators);

/// "v5e", "gcp", "us-central1", "llama-3.1-8b": lower-case letters, digits, '.', '-', '_'.
bool is_identifier(std::string_view text);

} // namespace tpuplan::data
