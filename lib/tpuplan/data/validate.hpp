// `tpuplan validate`: lint one input — a data directory, one of its files (an offerings
// file or price sheet, accelerators.yaml, models.yaml, sources.yaml), a configuration file
// or a Hugging Face config.json — and list every problem at once.
#pragma once

#include <tpuplan/data/dataset.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tpuplan {

/// What a validation checked and what it found.
struct ValidationResult {
  std::string path;                   ///< as given
  std::string kind;                   ///< "data directory", "offerings file", "config file", "model config.json", …
  std::string checked;                ///< what was read when clean: "12 accelerators, 47 offerings, …"
  std::vector<yaml::Problem> problems; ///< every problem, in file then line order
};

/// Validates `path`. A file's kind comes from its extension (.json: a Hugging Face config.json)
/// and its top-level keys (YAML). Files that refer to accelerators or sources use the
/// accelerators.yaml and sources.yaml beside them (or one directory up, as in data/offerings/),
/// else the accelerators of `reference`; a config file is checked against `reference`'s catalog.
/// `reference` is called only for those files. Problems in the input never throw; they are
/// in the result.
ValidationResult validate_path(const std::filesystem::path& path, const std::function<const DataSet&()>& reference);

} // namespace tpuplan
