#include <tpuplan/money/onprem.hpp>

#include <tpuplan/detail/files.hpp>
#include <tpuplan/data/yaml_tree.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace tpuplan {

namespace {

const std::vector<std::string> k_top_keys = {"version", "machines"};
const std::vector<std::string> k_machine_keys = {
    "id",     "name",         "accelerator", "chips",       "purchase_usd", "lifetime_years", "power_kw",
    "idle_power_kw", "pue",   "usd_per_kwh", "operations_usd_per_year",     "sources",        "notes"};

/// Reads one file with positions: every error is "file:line:col: key.path: what; accepted".
class Reader {
public:
  explicit Reader(std::string file) : m_file(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& what,
                         const std::string& hint = {}) const {
    const YAML::Mark m = at.Mark();
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: {}{}{}", m_file, m.line + 1, m.column + 1, path,
                                              path.empty() ? "" : ": ", what),
                hint);
  }

  void allow_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& accepted) const {
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        fail(kv.first, path, "a key must be text, not a list or a map", fmt::format("accepted: {}", fmt::join(accepted, ", ")));
      }
      const auto key = kv.first.Scalar();
      if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
        fail(kv.first, path, fmt::format("unknown key '{}'", key), suggestion(key, accepted));
      }
    }
  }

  YAML::Node required(const YAML::Node& map, const std::string& path, const std::string& key) const {
    const YAML::Node v = map[key];
    if (!v || v.IsNull()) {
      fail(map, path, fmt::format("missing key '{}'", key));
    }
    return v;
  }

  std::string text(const YAML::Node& v, const std::string& path) const {
    if (!v.IsScalar()) {
      fail(v, path, "must be text");
    }
    return v.Scalar();
  }

  /// A plain (unquoted) number with lo ≤ x (or lo < x) and x ≤ hi.
  double number(const YAML::Node& v, const std::string& path, double lo, bool lo_exclusive, double hi,
                const std::string& accepted) const {
    double x = 0;
    if (!v.IsScalar() || v.Tag() != "?" || !YAML::convert<double>::decode(v, x) || !std::isfinite(x)) {
      fail(v, path, fmt::format("'{}' is not a number", v.IsScalar() ? v.Scalar() : std::string("(not a scalar)")),
           accepted);
    }
    if (x < lo || (lo_exclusive && x == lo) || x > hi) {
      fail(v, path, fmt::format("{} is out of range", v.Scalar()), accepted);
    }
    return x;
  }

private:
  std::string m_file;
};

OnPremMachine read_machine(const Reader& r, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) {
    r.fail(node, path, "must be a map of the machine's figures");
  }
  r.allow_keys(node, path, k_machine_keys);
  OnPremMachine m;
  auto key = [&](const char* k) { return path + "." + k; };
  const double inf = std::numeric_limits<double>::infinity();
  m.id = r.text(r.required(node, path, "id"), key("id"));
  m.name = node["name"] ? r.text(node["name"], key("name")) : m.id;
  m.accelerator = r.text(r.required(node, path, "accelerator"), key("accelerator"));
  const double chips = r.number(r.required(node, path, "chips"), key("chips"), 1, false, 4096, "a whole number ≥ 1");
  if (chips != std::floor(chips)) {
    r.fail(node["chips"], key("chips"), fmt::format("{} is not a whole number", node["chips"].Scalar()));
  }
  m.chips = static_cast<int>(chips);
  m.purchase_usd = r.number(r.required(node, path, "purchase_usd"), key("purchase_usd"), 0, false, inf, "USD ≥ 0");
  m.lifetime_years =
      r.number(r.required(node, path, "lifetime_years"), key("lifetime_years"), 0, true, 50, "years, > 0 and ≤ 50");
  m.power_kw = r.number(r.required(node, path, "power_kw"), key("power_kw"), 0, false, 1e4, "kW ≥ 0");
  if (node["idle_power_kw"] && !node["idle_power_kw"].IsNull()) {
    m.idle_power_kw = r.number(node["idle_power_kw"], key("idle_power_kw"), 0, false, m.power_kw,
                               fmt::format("kW from 0 to power_kw ({})", m.power_kw));
  }
  m.pue = r.number(r.required(node, path, "pue"), key("pue"), 1, false, 5, "a ratio from 1 to 5 (1.58: 2023 survey average)");
  m.usd_per_kwh = r.number(r.required(node, path, "usd_per_kwh"), key("usd_per_kwh"), 0, false, 10, "USD per kWh, 0–10");
  m.operations_usd_per_year = r.number(r.required(node, path, "operations_usd_per_year"),
                                       key("operations_usd_per_year"), 0, false, inf, "USD per year ≥ 0");
  if (const YAML::Node s = node["sources"]; s && !s.IsNull()) {
    if (!s.IsMap()) {
      r.fail(s, key("sources"), "must map field names to sources");
    }
    r.allow_keys(s, key("sources"), k_machine_keys);
    for (const auto& kv : s) {
      m.sources[kv.first.as<std::string>()] = r.text(kv.second, key("sources") + "." + kv.first.as<std::string>());
    }
  }
  if (node["notes"]) {
    m.notes = r.text(node["notes"], key("notes"));
  }
  return m;
}

} // namespace

OnPremSheet parse_onprem(const std::string& yaml_text, const std::string& name) {
  const Reader r(name);
  YAML::Node root;
  // One document, nested at most yaml::k_max_nesting deep (a second one is not ignored).
  if (const auto breach = yaml::check_document(yaml_text)) {
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: {}{}", name, breach->line + 1, breach->column + 1,
                                              breach->syntax ? "YAML syntax error: " : "", breach->message));
  }
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) {
    throw Error(ErrorKind::input, fmt::format("{}: expected a map with 'machines'", name),
                "see examples/on-prem.yaml");
  }
  r.allow_keys(root, "", k_top_keys);
  if (const YAML::Node v = root["version"]; v && r.number(v, "version", 1, false, 1, "1") != 1) {
    r.fail(v, "version", "unsupported version", "1");
  }
  const YAML::Node machines = r.required(root, "", "machines");
  if (!machines.IsSequence() || machines.size() == 0) {
    r.fail(machines, "machines", "must be a non-empty list");
  }
  OnPremSheet sheet;
  sheet.file = name;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < machines.size(); ++i) {
    const std::string path = fmt::format("machines[{}]", i);
    sheet.machines.push_back(read_machine(r, machines[i], path));
    if (!ids.insert(sheet.machines.back().id).second) {
      r.fail(machines[i]["id"], path + ".id", fmt::format("'{}' is given twice", sheet.machines.back().id));
    }
  }
  return sheet;
}

OnPremSheet load_onprem(const std::filesystem::path& path) {
  return parse_onprem(detail::read_input_file(path, "--buy"), path.string());
}

CostLine onprem_cost_line(const OnPremMachine& m, const PricingOptions& options) {
  const double days = days_per_month(options.hours_per_month);
  const double usd_per_kwh_at_facility = m.pue * m.usd_per_kwh; // PUE: facility energy per unit of IT energy
  const double idle_kw = m.idle_power_kw.value_or(0.0);
  CostLine line;
  // Straight-line depreciation over the lifetime, plus operations, plus idle draw all day;
  // serving replaces idle draw by full draw for each hour used.
  line.fixed_usd_per_month = m.purchase_usd / (m.lifetime_years * 12) + m.operations_usd_per_year / 12 +
                             idle_kw * k_hours_per_day * days * usd_per_kwh_at_facility;
  line.usd_per_month_per_daily_hour = (m.power_kw - idle_kw) * days * usd_per_kwh_at_facility;
  return line;
}

double onprem_running_usd_per_month(const OnPremMachine& m, const PricingOptions& options) {
  return onprem_cost_line(m, options).at(options.hours_per_day) - m.purchase_usd / (m.lifetime_years * 12);
}

BuyBreakeven buy_breakeven(const OnPremMachine& m, double cloud_usd_per_month, const PricingOptions& options,
                           int machines) {
  BuyBreakeven b;
  b.machines = machines;
  const double n = static_cast<double>(machines);
  b.onprem_usd_per_month = n * onprem_cost_line(m, options).at(options.hours_per_day);
  const double useful = useful_hours_per_month(options);
  if (useful > 0) {
    b.onprem_usd_per_useful_hour = b.onprem_usd_per_month / useful;
  }
  b.cloud_usd_per_month = cloud_usd_per_month;
  // Cumulative: purchase + running × t against cloud × t; equal at t = purchase ÷ (cloud − running).
  const double monthly_gain = cloud_usd_per_month - n * onprem_running_usd_per_month(m, options);
  if (monthly_gain > 0) {
    b.breakeven_months = n * m.purchase_usd / monthly_gain;
    b.pays_off_within_lifetime = *b.breakeven_months <= m.lifetime_years * 12;
  }
  return b;
}

} // namespace tpuplan
