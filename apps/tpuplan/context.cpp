#include "command.hpp"

#include <tpuplan/data/price_age.hpp>
#include <tpuplan/data/skypilot_import.hpp>
#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/version.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/ioctl.h>
#include <unistd.h>
#include <unordered_map>

namespace tpuplan::app {

namespace {

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

/// Colour only on a terminal, never with NO_COLOR or TERM=dumb (https://no-color.org).
bool use_color(const std::string& mode, int fd) {
  if (mode == "always") {
    return true;
  }
  if (mode == "never" || env_set("NO_COLOR")) {
    return false;
  }
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") {
    return false;
  }
  return isatty(fd) != 0;
}

/// The width a table must fit: the terminal's when stdout is one, else COLUMNS, else 100 (a
/// pager's or a file's reader's usual window).
std::size_t table_width(bool to_stdout) {
  if (to_stdout && isatty(STDOUT_FILENO) != 0) {
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
      return ws.ws_col;
    }
  }
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr && *columns != '\0') {
    char* end = nullptr;
    const long n = std::strtol(columns, &end, 10);
    if (*end == '\0' && n > 0) {
      return static_cast<std::size_t>(n);
    }
  }
  return 100;
}

/// --series N|all: a count of 1 to 1000, or 0 for all; only the formats that draw charts take it.
std::size_t chart_series(const std::string& text, Format format) {
  if (format != Format::svg && format != Format::html) {
    throw Error(ErrorKind::usage, "--series: only charts draw series, and this output has none",
                "--series applies to --format svg and --format html");
  }
  if (text == "all") {
    return 0;
  }
  std::size_t n = 0;
  const bool digits = !text.empty() && text.size() <= 4 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    n = static_cast<std::size_t>(std::stoul(text));
  }
  if (!digits || n < 1 || n > 1000) {
    throw Error(ErrorKind::usage, fmt::format("--series: '{}' is not a number of series", text),
                "accepted: a whole number from 1 to 1000, or all");
  }
  return n;
}

} // namespace

Context::Context(const GlobalOptions& options) : m_options(options) {}
Context::~Context() = default;

const DataSet& Context::base_data() {
  if (!m_base) {
    m_base = std::make_unique<DataSet>(m_options.data_dir.empty() ? decode_dataset(embedded_dataset_bytes())
                                                                  : load_dataset_dir(m_options.data_dir));
    if (!m_options.catalog_dir.empty()) {
      // A SkyPilot catalog's on-demand and spot prices replace those of the same offering;
      // its other offerings are added (skypilot_import.hpp).
      const SkyPilotImport imported = import_skypilot_catalog(m_options.catalog_dir, m_base->catalog.accelerators);
      const auto [replaced, added] = overlay_offerings(m_base->catalog, imported.offerings);
      m_base->origin += fmt::format(" + SkyPilot catalog {} ({} offerings repriced, {} added)", m_options.catalog_dir,
                                    replaced, added);
      std::size_t skipped = 0; // CPU-only machine rows are not offerings: no warning for them
      for (const auto& s : imported.skipped) {
        skipped += s.reason.rfind("no accelerator", 0) == 0 ? 0 : s.rows;
      }
      if (skipped > 0) {
        warn(fmt::format("--catalog-dir: {} rows of {} skipped ('tpuplan catalog import {}' says why)", skipped,
                         m_options.catalog_dir, m_options.catalog_dir));
      }
    }
  }
  return *m_base;
}

const Config& Context::config() {
  if (!m_config_read) {
    if (!m_options.config.empty()) {
      m_config = load_config(m_options.config, base_data().catalog);
    }
    m_config_read = true;
  }
  return m_config;
}

const DataSet& Context::data() {
  const Config& cfg = config();
  if (cfg.origin.empty()) {
    return base_data();
  }
  if (!m_configured) {
    // Extra offerings, then price overrides, then discounts (config.hpp, docs/cli.md).
    m_configured = std::make_unique<DataSet>(base_data());
    apply_config(cfg, m_configured->catalog);
    m_configured->origin += " + config " + cfg.origin;
  }
  return *m_configured;
}

Format Context::format() const {
  if (!m_options.format.empty()) {
    if (auto f = parse_format(m_options.format)) {
      return *f;
    }
    throw Error(ErrorKind::usage, fmt::format("--format: unknown format '{}'", m_options.format),
                suggestion(m_options.format, format_names()));
  }
  if (m_options.output != "-") {
    // The extension names the format; one tpuplan cannot write is refused rather than
    // answered with a text table under a misleading name (out.xlsx).
    const auto ext = detail::ascii_lower(std::filesystem::path(m_options.output).extension().string());
    if (ext.size() > 1) {
      if (auto f = parse_format(ext.substr(1))) {
        return *f;
      }
      if (ext != ".txt" && ext != ".text") {
        throw Error(ErrorKind::usage, fmt::format("-o {}: tpuplan cannot write '{}' files", m_options.output, ext),
                    "accepted: .txt (table), .json, .csv, .md, .svg, .html, or name the format with --format");
      }
    }
  }
  return Format::table;
}

CLI::Option* as_list(CLI::Option* option) {
  return option->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::Join);
}

bool Context::stderr_is_tty() const { return isatty(STDERR_FILENO) != 0; }

void Context::warn(std::string_view message) const {
  if (!m_options.quiet) {
    std::cerr << "tpuplan: warning: " << detail::escape_for_terminal(message) << '\n';
  }
}

void Context::add_price_age(Report& report) {
  const DataSet* data = m_configured ? m_configured.get() : m_base.get();
  if (data == nullptr) {
    return; // the command read no prices
  }
  std::unordered_map<std::string, const Offering*> by_id;
  for (const auto& o : data->catalog.offerings) {
    by_id.emplace(detail::ascii_lower(o.id), &o);
  }
  std::vector<const Offering*> used;
  for (const auto& t : report.tables) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const auto& key = t.columns[c].key;
      if (key != "offering" && key != "offering_id" && key != "tpu_offering" && key != "gpu_offering") {
        continue;
      }
      for (const auto& row : t.rows) {
        if (const auto* id = std::get_if<std::string>(&row[c])) {
          if (const auto it = by_id.find(detail::ascii_lower(*id)); it != by_id.end()) {
            used.push_back(it->second);
          }
        }
      }
    }
  }
  if (used.empty()) {
    return;
  }
  int max_age = k_default_max_price_age_days;
  std::string max_age_from = "default";
  if (m_options.max_price_age >= 0) {
    max_age = m_options.max_price_age;
    max_age_from = "--max-price-age";
  } else if (const Config& cfg = config(); cfg.max_price_age_days) {
    max_age = *cfg.max_price_age_days;
    max_age_from = "max_price_age_days at " + cfg.max_price_age_where;
  }
  PriceAge age = price_age(used, today(), max_age);
  age.max_age_from = max_age_from;
  if (age.prices == 0) {
    return;
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["today"] = age.today.date;
  j["today_from"] = age.today.from;
  j["offerings"] = age.offerings;
  j["prices"] = age.prices;
  j["undated_prices"] = age.undated;
  j["oldest_as_of"] = age.oldest_as_of.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(age.oldest_as_of);
  j["oldest_age_days"] = age.oldest_as_of.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(age.oldest_age_days);
  j["oldest"] = age.oldest.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(age.oldest);
  j["newest_as_of"] = age.newest_as_of.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(age.newest_as_of);
  j["newest_age_days"] = age.newest_as_of.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(age.newest_age_days);
  j["max_age_days"] = age.max_age_days;
  j["max_age_from"] = age.max_age_from;
  j["stale_prices"] = age.stale_prices;
  nlohmann::ordered_json stale = nlohmann::ordered_json::array();
  for (const auto& s : age.stale) {
    stale.push_back({{"offering", s.offering}, {"oldest_as_of", s.oldest_as_of}, {"age_days", s.age_days},
                     {"tiers", s.tiers}});
  }
  j["stale_offerings"] = std::move(stale);
  report.price_notes.push_back(price_age_note(age));
  if (const std::string note = stale_prices_note(age); !note.empty()) {
    report.price_notes.push_back(note);
  }
  j["notes"] = report.price_notes;
  report.price_age = std::move(j);
}

void Context::emit(const Report& report_in) {
  Report with_age;
  const Report* chosen = &report_in;
  if (report_in.price_age.is_null() && (m_configured || m_base)) {
    with_age = report_in;
    add_price_age(with_age);
    chosen = &with_age;
  }
  const Report& report = *chosen;
  const Format fmt_ = format();
  if (m_options.color != "auto" && m_options.color != "always" && m_options.color != "never") {
    throw Error(ErrorKind::usage, fmt::format("--color: unknown value '{}'", m_options.color),
                "accepted: auto, always, never");
  }
  if (m_options.explain && report.explain.empty()) {
    throw Error(ErrorKind::usage, "--explain: this output computes no figure to explain",
                "--explain shows the arithmetic of cost, size, estimate, breakeven, plan and models show");
  }
  RenderOptions ro;
  ro.wide = m_options.wide;
  ro.explain = m_options.explain;
  ro.table = m_options.table;
  ro.tool_version = k_version;
  ro.columns = m_options.columns;
  if (!m_options.series.empty()) {
    ro.chart_series = chart_series(m_options.series, fmt_);
  }
  if (!ro.columns.empty()) {
    check_columns(report, ro.columns);
  }
  if (fmt_ == Format::table && !m_options.wide && ro.columns.empty()) {
    ro.width = table_width(m_options.output == "-");
  }
  if (!ro.table.empty()) {
    (void)report.table(ro.table); // validates the name before anything is written
  }
  if (m_options.output == "-") {
    ro.color = fmt_ == Format::table && use_color(m_options.color, STDOUT_FILENO);
    render(report, fmt_, ro, std::cout);
    std::cout.flush();
    if (!std::cout) {
      throw Error(ErrorKind::runtime, "cannot write to standard output");
    }
    return;
  }
  std::ostringstream text;
  render(report, fmt_, ro, text);
  write_file_atomically(m_options.output, text.str());
  if (!m_options.quiet) {
    std::cerr << "tpuplan: wrote " << m_options.output << '\n';
  }
}

void write_file_atomically(const std::string& path, std::string_view text, std::string_view what) {
  detail::write_file_atomically(path, text, what);
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string_view::npos ? text.size() : comma;
    auto item = std::string(text.substr(start, end - start));
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      items.push_back(std::move(item));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return items;
}

} // namespace tpuplan::app
