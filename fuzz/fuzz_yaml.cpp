// Config, catalog, --buy and load-curve YAML: both YAML parsers, and the readers of every
// YAML file tpuplan takes. Where the fast parser gives a tree, yaml-cpp must give the same one.
#include "fuzz_support.hpp"

#include <tpuplan/data/config.hpp>
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/data/yaml_reader.hpp>
#include <tpuplan/data/yaml_tree.hpp>
#include <tpuplan/money/onprem.hpp>
#include <tpuplan/money/workload.hpp>

#include <string>

using namespace tpuplan;

namespace {

bool same(const yaml::TreeItem* a, const yaml::TreeItem* b) {
  if (a->kind != b->kind || a->items.size() != b->items.size()) {
    return false;
  }
  if (a->kind != yaml::TreeItem::Kind::null && (a->line != b->line || a->column != b->column)) {
    return false;
  }
  if (a->kind == yaml::TreeItem::Kind::scalar && (a->text != b->text || a->quoted != b->quoted)) {
    return false;
  }
  for (std::size_t i = 0; i < a->items.size(); ++i) {
    if (!same(a->items[i], b->items[i])) {
      return false;
    }
  }
  return true;
}

const DataSet& fixture() {
  static const DataSet data = load_dataset_dir(TPUPLAN_SOURCE_DIR "/tests/data/catalog");
  return data;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  if (const auto quick = yaml::parse_tree_fast(text)) {
    yaml::TreeError error;
    const auto reference = yaml::parse_tree_yaml_cpp(text, error);
    fuzz::require(reference != nullptr, "the fast parser read a text yaml-cpp refuses");
    fuzz::require(same(quick->root(), reference->root()), "the fast parser's tree differs from yaml-cpp's");
  }
  const DataSet& base = fixture();
  fuzz::expect_clean([&] {
    yaml::Problems problems;
    const yaml::Node root = yaml::parse(text, "fuzz.yaml", problems);
    // Relative extra_offerings name files in a directory that does not exist.
    (void)read_config(root, "/nonexistent-fuzz-dir", base.catalog, problems);
    const data::SourceTable sources = data::read_sources(root);
    const auto accelerators = data::read_accelerators(root, sources);
    data::OfferingReader offerings(base.catalog.accelerators, sources);
    offerings.read_file(root);
    (void)data::read_models(root, sources);
    (void)accelerators;
    (void)problems.size();
  });
  fuzz::expect_clean([&] { (void)parse_onprem(std::string(text), "buy.yaml"); });
  // Load curves: YAML, and the same bytes as CSV.
  fuzz::expect_clean([&] { (void)parse_curve_text(std::string(text), "curve.yaml"); });
  fuzz::expect_clean([&] { (void)parse_curve_text(std::string(text), "curve.csv"); });
  return 0;
}
