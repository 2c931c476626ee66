// The data/ the tool ships, loaded once per test binary, and its model presets by id.
#pragma once

#include <tpuplan/data/dataset.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

namespace tpuplan::test {

inline const DataSet& shipped() {
  static const DataSet data = load_dataset_dir(std::string(TPUPLAN_SOURCE_DIR) + "/data");
  return data;
}

/// The shipped preset `id`; fails the test when there is none.
inline const ModelSpec& shipped_preset(const std::string& id) {
  for (const auto& m : shipped().models.presets) {
    if (m.id == id) {
      return m;
    }
  }
  FAIL("no preset " << id);
  throw std::logic_error("unreachable");
}

} // namespace tpuplan::test
