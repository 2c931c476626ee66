// Reading data/ (or --data DIR) from YAML: sources.yaml, accelerators.yaml,
// offerings/*.yaml, models.yaml and engines.yaml, every problem of every file reported at once
// (docs/data.md describes the format).
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace tpuplan {

namespace {

/// offerings/*.yaml in name order, so the catalog's order does not depend on the file system.
std::vector<std::filesystem::path> offering_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

DataSet load_dataset_dir(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) {
    throw Error(ErrorKind::usage, "--data: '" + dir.string() + "' is not a directory",
                "expected a directory holding sources.yaml, accelerators.yaml, offerings/, models.yaml and engines.yaml");
  }
  yaml::Problems problems;
  const auto sources = data::read_sources(yaml::load_file(dir / "sources.yaml", problems));

  DataSet out;
  out.origin = dir.string();
  out.catalog.accelerators = data::read_accelerators(yaml::load_file(dir / "accelerators.yaml", problems), sources);

  data::OfferingReader offerings(out.catalog.accelerators, sources);
  const auto files = offering_files(dir / "offerings");
  if (files.empty()) {
    problems.add({(dir / "offerings").string(), 0, 0, {}, "no offerings: expected offerings/*.yaml files", {}});
  }
  for (const auto& file : files) {
    offerings.read_file(yaml::load_file(file, problems));
  }
  out.catalog.offerings = offerings.take();

  out.models = data::read_models(yaml::load_file(dir / "models.yaml", problems), sources);
  out.engines = data::read_engines(yaml::load_file(dir / "engines.yaml", problems), sources, out.catalog.accelerators);
  problems.throw_if_any();
  return out;
}

} // namespace tpuplan

namespace tpuplan::data {

bool is_identifier(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
  });
}

void check_version(const yaml::Node& root) {
  const auto version = root.required("version").integer();
  if (version && *version != k_data_format_version) {
    root.required("version").problem(fmt::format("unsupported format version {}", *version),
                                     fmt::format("this tpuplan reads version {}", k_data_format_version));
  }
}

const Source* SourceTable::find(std::string_view id) const {
  for (const auto& s : sources) {
    if (s.id == id) {
      return &s;
    }
  }
  return nullptr;
}

std::vector<std::string> SourceTable::ids() const {
  std::vector<std::string> ids;
  for (const auto& s : sources) {
    ids.push_back(s.id);
  }
  return ids;
}

SourceTable read_sources(const yaml::Node& root) {
  SourceTable table;
  root.allow_keys({"version", "sources"});
  check_version(root);
  for (const auto& [id, node] : root.required("sources").entries()) {
    node.allow_keys({"url", "description", "as_of"});
    if (!is_identifier(id)) {
      node.problem(fmt::format("source id '{}' must be lower-case letters, digits, '.', '-' or '_'", id));
    }
    Source s;
    s.id = id;
    s.url = node.required("url").text().value_or("");
    if (!s.url.empty() && s.url.rfind("https://", 0) != 0 && s.url.rfind("http://", 0) != 0) {
      node.required("url").problem(fmt::format("expected an http(s) URL, got '{}'", s.url));
    }
    s.description = node.required("description").text().value_or("");
    s.as_of = node.required("as_of").date().value_or("");
    table.sources.push_back(std::move(s));
  }
  return table;
}

namespace {

/// A web address, or a file:// URL (a local copy, as `tpuplan catalog import` cites it).
bool is_url(std::string_view text) {
  return text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0 || text.rfind("file://", 0) == 0;
}

} // namespace

std::optional<Citation> read_citation(const yaml::Node& source, const yaml::Node& as_of, const SourceTable& sources,
                                      bool needs_date) {
  if (!source.present()) {
    return std::nullopt; // the caller used required(): already reported
  }
  const auto refs = source.text_list();
  if (refs.empty()) {
    source.problem("expected a source id or URL");
    return std::nullopt;
  }
  Citation c;
  bool dated = true; // every reference carries a date of its own
  bool ok = true;
  for (const auto& ref : refs) {
    std::string url;
    if (is_url(ref)) {
      url = ref;
      dated = false;
    } else if (const auto* s = sources.find(ref)) {
      url = s->url;
      c.as_of = std::max(c.as_of, s->as_of);
    } else {
      source.problem(fmt::format("unknown source '{}'", ref), suggestion(ref, sources.ids()));
      ok = false;
      continue;
    }
    c.url += (c.url.empty() ? "" : "; ") + url;
  }
  if (as_of.present()) {
    c.as_of = as_of.date().value_or("");
    ok = ok && !c.as_of.empty();
  } else if (!dated && ok && needs_date) {
    as_of.problem("missing key 'as_of' (a source given as a URL needs a date)");
    ok = false;
  }
  return ok ? std::optional<Citation>(std::move(c)) : std::nullopt;
}

} // namespace tpuplan::data
