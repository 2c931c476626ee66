// The whole data set tpuplan computes with: catalog + model registry. Loaded from YAML
// (data/ or --data DIR) or decoded from the compact form embedded in the binary.
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/perf/engine.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tpuplan {

/// Catalog and models, with where they came from.
struct DataSet {
  Catalog catalog;
  ModelRegistry models;
  std::vector<Engine> engines; ///< serving engines (engines.yaml)
  std::string origin; ///< "embedded" or the directory read
};

/// Reads data/ in YAML (accelerators.yaml, offerings/*.yaml, models.yaml, engines.yaml) and validates it;
/// throws Error(input) listing every problem with file:line:col and key path.
DataSet load_dataset_dir(const std::filesystem::path& dir);

/// Compact binary form (a string table and the structs' fields, see dataset.cpp), built at
/// compile time by tools/embed_data so that start-up parses neither YAML nor JSON.
std::vector<std::uint8_t> encode_dataset(const DataSet& data);
DataSet decode_dataset(std::span<const std::uint8_t> bytes);

/// The data set embedded in the binary (defined in the generated tpuplan_embedded library).
std::span<const std::uint8_t> embedded_dataset_bytes();

} // namespace tpuplan
