// Turning what a user typed after --model into a ModelSpec: a preset id or alias, a size
// alias from the seed's sizing table ("70b"), or a Hugging Face config.json.
#include <tpuplan/model/model.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <fmt/format.h>

namespace tpuplan {

namespace {

using detail::iequals;

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

/// The size a name asks for, in billions of parameters: its last number when a 'b' or the end
/// follows it ("70", "lama-70b", "Llama-3.1-70B"); none for "70c" or a name without a number.
std::optional<double> size_in_name(std::string_view name) {
  std::optional<double> size;
  std::size_t i = 0;
  while (i < name.size()) {
    if (std::isdigit(static_cast<unsigned char>(name[i])) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < name.size() && (std::isdigit(static_cast<unsigned char>(name[j])) != 0 || name[j] == '.')) {
      ++j;
    }
    const bool b = j < name.size() && (name[j] == 'b' || name[j] == 'B');
    const std::size_t after = b ? j + 1 : j;
    const bool ends = after == name.size() || std::isalnum(static_cast<unsigned char>(name[after])) == 0;
    const bool starts = i == 0 || name[i - 1] == '-' || name[i - 1] == '_' || name[i - 1] == ' ';
    if (ends && starts && (b || after == name.size())) {
      try {
        size = std::stod(std::string(name.substr(i, j - i)));
      } catch (const std::exception&) {
        size.reset();
      }
    } else if (after == name.size()) {
      size.reset(); // the last number is no size ("70c", "v3"): the name asks for none
    }
    i = after;
  }
  return size;
}

/// The leading letters of a name, its family as people type it: "lama" of "lama-70b",
/// "qwen" of "qwen2.5-72b"; empty for "70".
std::string family_in_name(std::string_view name) {
  std::string family;
  for (char c : name) {
    if (std::isalpha(static_cast<unsigned char>(c)) == 0) {
      break;
    }
    family += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return family;
}

/// The size of a preset in billions: the number of its id ("70" of llama-2-70b), so that
/// "70" names the 70B models and not a 72B one.
std::optional<double> preset_size(const ModelSpec& p) { return size_in_name(p.id); }

bool same_family(std::string_view typed, std::string_view family) {
  if (typed.empty() || family.empty()) {
    return false;
  }
  if (family.substr(0, std::min(family.size(), typed.size())) == typed && typed.size() >= 3) {
    return true; // a prefix: "llam", "deep"
  }
  return edit_distance(typed, family) <= std::max<std::size_t>(1, family.size() / 3);
}

/// "did you mean 'a', 'b' or 'c'?" for the presets a name most likely means: by family and
/// size ("lama-70b": the llama models of 70B), by size alone ("70": every 70B model), by
/// family alone ("lama": every llama); empty when the name carries neither.
std::string model_suggestion(std::string_view name, const ModelRegistry& registry) {
  const auto size = size_in_name(name);
  const std::string family = family_in_name(name);
  std::vector<const ModelSpec*> by_size;
  std::vector<const ModelSpec*> by_family;
  for (const auto& p : registry.presets) {
    const auto ps = preset_size(p);
    const bool size_matches = size && ps && std::fabs(*ps - *size) < 1e-9;
    const bool family_matches = same_family(family, family_in_name(p.id));
    if (size_matches && (family.empty() || family_matches)) {
      by_size.push_back(&p);
    }
    if (family_matches) {
      by_family.push_back(&p);
    }
  }
  if (by_size.empty()) {
    // No size to go by: a close spelling first ("70c" → "70b"), else the family.
    if (const auto close = closest_match(name, model_names(registry)); !close.empty() || by_family.empty()) {
      return close.empty() ? std::string{} : fmt::format("did you mean '{}'?", close);
    }
  }
  std::vector<const ModelSpec*> picks = !by_size.empty() ? by_size : by_family;
  // The preset a size alias stands for first (it is what "70b" means), then newest first:
  // later presets of a family come later in the registry.
  std::stable_sort(picks.begin(), picks.end(), [&](const ModelSpec* a, const ModelSpec* b) {
    auto aliased = [&](const ModelSpec* p) {
      return std::any_of(registry.size_aliases.begin(), registry.size_aliases.end(),
                         [&](const SizeAlias& s) { return s.model_id == p->id; });
    };
    return aliased(a) && !aliased(b);
  });
  constexpr std::size_t k_max = 4;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < picks.size() && i < k_max; ++i) {
    ids.push_back("'" + picks[i]->id + "'");
  }
  std::string list = ids.front();
  for (std::size_t i = 1; i < ids.size(); ++i) {
    list += (i + 1 == ids.size() ? " or " : ", ") + ids[i];
  }
  return fmt::format("did you mean {}?{}", list,
                     picks.size() > k_max ? fmt::format(" ({} in all: 'tpuplan models' lists them)", picks.size()) : "");
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
  if (std::string hint = model_suggestion(name_or_path, registry); !hint.empty()) {
    throw Error(ErrorKind::usage, fmt::format("unknown model '{}'", name_or_path), std::move(hint));
  }
  throw_unknown("model", name_or_path, model_names(registry));
}

} // namespace tpuplan
