// Turning what a user typed after --model into a ModelSpec: a preset id or alias, a size
// alias from the seed's sizing table ("70b"), or a Hugging Face config.json.
#include <tpuplan/model/model.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace tpuplan {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

bool ends_with_json(std::string_view s) {
  return s.size() >= 5 && iequals(s.substr(s.size() - 5), ".json");
}

const ModelSpec* find_preset(const ModelRegistry& registry, std::string_view id) {
  for (const auto& p : registry.presets) {
    if (iequals(p.id, id)) {
      return &p;
    }
  }
  return nullptr;
}

/// Everything a user may type, for "did you mean": size aliases first (the common case).
std::vector<std::string> model_names(const ModelRegistry& registry) {
  std::vector<std::string> names;
  for (const auto& a : registry.size_aliases) {
    names.push_back(a.alias);
  }
  for (const auto& p : registry.presets) {
    names.push_back(p.id);
  }
  for (const auto& p : registry.presets) {
    names.insert(names.end(), p.aliases.begin(), p.aliases.end());
  }
  return names;
}

ResolvedModel from_file(std::string_view path) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(path), ec)) {
    throw Error(ErrorKind::usage, fmt::format("model file '{}' not found", path),
                "give a preset name ('tpuplan models' lists them) or the path of a Hugging Face config.json");
  }
  return {import_hf_config(std::filesystem::path(path)), fmt::format("config.json {}", path)};
}

} // namespace

bool names_model_file(std::string_view argument) {
  std::error_code ec;
  const std::filesystem::path path(argument);
  const bool separator = argument.find('/') != std::string_view::npos || argument.find('\\') != std::string_view::npos;
  return ends_with_json(argument) || std::filesystem::is_regular_file(path, ec) ||
         (separator && std::filesystem::is_directory(path, ec));
}

ResolvedModel resolve_model(std::string_view name_or_path, const ModelRegistry& registry) {
  if (names_model_file(name_or_path)) {
    return from_file(name_or_path);
  }
  if (const ModelSpec* p = find_preset(registry, name_or_path)) {
    return {*p, "preset"};
  }
  for (const auto& p : registry.presets) {
    for (const auto& alias : p.aliases) {
      if (iequals(alias, name_or_path)) {
        return {p, fmt::format("alias {} → {}", alias, p.id)};
      }
    }
  }
  for (const auto& a : registry.size_aliases) {
    if (iequals(a.alias, name_or_path)) {
      const ModelSpec* p = find_preset(registry, a.model_id);
      if (p == nullptr) {
        // The data set's own validation rejects this; a hand-built registry may not.
        throw Error(ErrorKind::input,
                    fmt::format("size alias '{}' stands for model '{}', which has no preset", a.alias, a.model_id));
      }
      return {*p, fmt::format("alias {} → {}", a.alias, p->id)};
    }
  }
  // A Hugging Face snapshot directory in the current directory, named without a slash.
  std::error_code ec;
  if (!name_or_path.empty() &&
      std::filesystem::is_regular_file(std::filesystem::path(name_or_path) / "config.json", ec)) {
    return from_file(name_or_path);
  }
  throw_unknown("model", name_or_path, model_names(registry));
}

} // namespace tpuplan
