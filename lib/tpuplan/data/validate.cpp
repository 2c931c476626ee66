// Validation of one input (validate.hpp): decide what it is, read it with the same readers
// the loaders use (so validate and a real run can never disagree), and keep every problem.
#include <tpuplan/detail/files.hpp>
#include <tpuplan/data/validate.hpp>

#include <tpuplan/data/config.hpp>
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/model/model.hpp>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace tpuplan {

namespace {

namespace fs = std::filesystem;

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

bool has_any(const yaml::Node& root, std::initializer_list<std::string_view> keys) {
  for (auto k : keys) {
    if (root.child(k).present()) {
      return true;
    }
  }
  return false;
}

/// The data-directory file `name` that belongs with `file`: beside it, or one directory up
/// (data/offerings/gcp-tpu.yaml → data/sources.yaml).
std::optional<fs::path> companion(const fs::path& file, std::string_view name) {
  std::error_code ec;
  for (const fs::path& dir : {file.parent_path(), file.parent_path().parent_path()}) {
    const fs::path candidate = (dir.empty() ? fs::path(".") : dir) / name;
    if (fs::is_regular_file(candidate, ec) && !fs::equivalent(candidate, file, ec)) {
      return candidate;
    }
  }
  return std::nullopt;
}

data::SourceTable companion_sources(const fs::path& file, yaml::Problems& problems) {
  if (auto p = companion(file, "sources.yaml")) {
    return data::read_sources(yaml::load_file(*p, problems));
  }
  return {};
}

void validate_hf_config(const fs::path& file, ValidationResult& out) {
  out.kind = "model config.json";
  const detail::InputFile in = detail::read_input(file);
  if (!in.text) {
    out.problems.push_back({file.string(), 0, 0, {}, in.problem, {}});
    return;
  }
  const auto check = check_hf_config(*in.text, file.string());
  for (const auto& p : check.problems) {
    out.problems.push_back({p.file, p.line, p.column, p.key, p.message, {}});
  }
  if (check.problems.empty()) {
    const auto& m = check.spec;
    out.checked = fmt::format("model {}: {} layers, {:.2f}B parameters ({:.2f}B active), {} B of bf16 KV per token",
                              m.id, m.layers, total_params(m) / 1e9, active_params(m) / 1e9,
                              kv_bytes_per_token(m, Precision::bf16));
  }
}

void validate_data_dir(const fs::path& dir, ValidationResult& out) {
  out.kind = "data directory";
  try {
    const DataSet d = load_dataset_dir(dir);
    out.checked = fmt::format("{}, {}, {}, {}", plural(d.catalog.accelerators.size(), "accelerator", "accelerators"),
                              plural(d.catalog.offerings.size(), "offering", "offerings"),
                              plural(d.models.presets.size(), "model preset", "model presets"),
                              plural(d.models.size_aliases.size(), "size alias", "size aliases"));
  } catch (const yaml::ProblemsError& e) {
    out.problems = e.problems();
  }
}

void validate_yaml(const fs::path& file, const std::function<const DataSet&()>& reference, ValidationResult& out) {
  yaml::Problems problems;
  const yaml::Node root = yaml::load_file(file, problems);
  if (!root.present()) {
    out.kind = "YAML file";
  } else if (has_any(root, {"backends", "extra_offerings", "price_overrides", "discounts", "max_price_age_days"})) {
    out.kind = "config file";
    const Config c = read_config(root, file.parent_path(), reference().catalog, problems);
    out.checked = fmt::format("{}, {}, {}, {}", plural(c.extra_offerings.size(), "extra offering", "extra offerings"),
                              plural(c.price_overrides.size(), "price override", "price overrides"),
                              plural(c.discounts.size(), "discount", "discounts"),
                              plural(c.backends.size(), "backend", "backends"));
  } else if (has_any(root, {"cloud", "offerings", "tpu_slices"})) {
    out.kind = "offerings file";
    const auto sources = companion_sources(file, problems);
    const auto own = companion(file, "accelerators.yaml");
    const std::vector<Accelerator> accelerators =
        own ? data::read_accelerators(yaml::load_file(*own, problems), sources) : reference().catalog.accelerators;
    data::OfferingReader reader(accelerators, sources);
    reader.read_file(root);
    out.checked = plural(reader.take().size(), "offering", "offerings");
  } else if (root.child("accelerators").present()) {
    out.kind = "accelerators file";
    const auto sources = companion_sources(file, problems);
    out.checked = plural(data::read_accelerators(root, sources).size(), "accelerator", "accelerators");
  } else if (has_any(root, {"presets", "size_aliases"})) {
    out.kind = "models file";
    const auto sources = companion_sources(file, problems);
    const auto models = data::read_models(root, sources);
    out.checked = fmt::format("{}, {}", plural(models.presets.size(), "model preset", "model presets"),
                              plural(models.size_aliases.size(), "size alias", "size aliases"));
  } else if (root.child("sources").present()) {
    out.kind = "sources file";
    out.checked = plural(data::read_sources(root).sources.size(), "source", "sources");
  } else {
    out.kind = "YAML file";
    root.problem("cannot tell what this file is",
                 "a config file has backends, extra_offerings, price_overrides, discounts or max_price_age_days; an offerings file "
                 "cloud and offerings or tpu_slices; data files accelerators, presets or sources");
  }
  out.problems = problems.list();
}

} // namespace

ValidationResult validate_path(const fs::path& path, const std::function<const DataSet&()>& reference) {
  ValidationResult out;
  out.path = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // A Hugging Face snapshot holds config.json; a data directory holds sources.yaml & co.
    if (fs::is_regular_file(path / "config.json", ec) && !fs::exists(path / "offerings", ec)) {
      validate_hf_config(path / "config.json", out);
    } else {
      validate_data_dir(path, out);
    }
  } else if (!fs::exists(path, ec)) {
    out.kind = "file";
    out.problems.push_back({path.string(), 0, 0, {}, "no such file or directory", {}});
  } else if (path.extension() == ".json") {
    validate_hf_config(path, out);
  } else {
    validate_yaml(path, reference, out);
  }
  if (!out.problems.empty()) {
    out.checked.clear();
  }
  return out;
}

} // namespace tpuplan
