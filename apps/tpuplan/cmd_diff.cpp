// `tpuplan diff OLD.json NEW.json`: what changed between two saved reports of one command,
// row by row: each monthly bill that moved, by how much in $ and %, and the rows that came or
// went. `--fail-above PCT` makes a rise beyond PCT% a failure, for CI (Infracost's `diff`).
#include "command.hpp"

#include <tpuplan/error.hpp>

#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tpuplan::app {

namespace {

using json = nlohmann::json;

struct DiffFlags {
  std::string old_file;
  std::string new_file;
  std::optional<double> fail_above;
};

/// A saved table: its column keys and rows (objects keyed by column).
struct SavedTable {
  std::vector<std::string> keys;
  json rows = json::array();
};

/// A saved report: its schema and tables by name.
struct SavedReport {
  std::string schema;
  std::map<std::string, SavedTable> tables;
};

SavedTable saved_table(const json& columns, const json& rows) {
  SavedTable t;
  for (const auto& c : columns) {
    t.keys.push_back(c.value("key", std::string{}));
  }
  t.rows = rows;
  return t;
}

SavedReport read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::usage, fmt::format("{}: cannot read the file", path),
                "give two reports saved with --format json (or -o FILE.json)");
  }
  std::stringstream text;
  text << in.rdbuf();
  json doc;
  try {
    doc = json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw Error(ErrorKind::input, fmt::format("{}: not JSON (byte {})", path, e.byte),
                "give a report saved with --format json (or -o FILE.json)");
  }
  SavedReport r;
  if (!doc.is_object() || !doc.contains("schema") || !doc["schema"].is_string() ||
      doc["schema"].get<std::string>().rfind("tpuplan.", 0) != 0) {
    throw Error(ErrorKind::input, fmt::format("{}: not a tpuplan report (no \"schema\": \"tpuplan.<command>/v1\")", path));
  }
  r.schema = doc["schema"].get<std::string>();
  if (doc.contains("tables") && doc["tables"].is_object()) {
    for (const auto& [name, t] : doc["tables"].items()) {
      if (t.contains("columns") && t.contains("rows") && t["rows"].is_array()) {
        r.tables[name] = saved_table(t["columns"], t["rows"]);
      }
    }
  } else if (doc.contains("columns") && doc.contains("rows") && doc["rows"].is_array()) {
    r.tables[doc.value("table", std::string("rows"))] = saved_table(doc["columns"], doc["rows"]);
  }
  return r;
}

/// The columns that say which row is which: the option, its tier or term, its hour.
std::vector<std::string> identity_columns(const SavedTable& t) {
  static const std::vector<std::string> k_identity = {
      "hours_per_day", "hour", "offering_id", "offering", "tpu_offering", "gpu_offering", "tier", "term",
      "precision", "backend", "level", "load", "id", "alias", "path", "location", "message"};
  std::vector<std::string> keys;
  for (const auto& k : k_identity) {
    if (std::find(t.keys.begin(), t.keys.end(), k) != t.keys.end()) {
      keys.push_back(k);
    }
  }
  if (std::find(keys.begin(), keys.end(), "offering_id") != keys.end()) {
    keys.erase(std::find(keys.begin(), keys.end(), "offering")); // the id names the offering and its region
  }
  if (keys.empty() && !t.keys.empty()) {
    keys.push_back(t.keys.front());
  }
  return keys;
}

std::string cell_text(const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_null()) {
    return "-";
  }
  return v.dump();
}

std::string row_key(const json& row, const std::vector<std::string>& identity) {
  std::string key;
  for (const auto& k : identity) {
    key += (key.empty() ? "" : " · ") + cell_text(row.value(k, json()));
  }
  return key;
}

std::optional<double> number(const json& row, const std::string& key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_number() ? std::optional<double>(it->get<double>()) : std::nullopt;
}

int run_diff(const DiffFlags& f, Context& ctx) {
  const SavedReport before = read_report(f.old_file);
  const SavedReport after = read_report(f.new_file);
  if (before.schema != after.schema) {
    throw Error(ErrorKind::usage, fmt::format("{} is a {} report and {} a {} one", f.old_file, before.schema, f.new_file,
                                              after.schema),
                "diff compares two reports of the same command");
  }
  if (f.fail_above && !(*f.fail_above >= 0)) {
    throw Error(ErrorKind::usage, fmt::format("--fail-above: {} is not a percentage ≥ 0", *f.fail_above));
  }

  Report report;
  report.command = "diff";
  report.inputs["old"] = f.old_file;
  report.inputs["new"] = f.new_file;
  report.inputs["schema"] = before.schema;
  report.inputs["fail_above_percent"] = f.fail_above ? json(*f.fail_above) : json();
  Table t;
  t.name = "changes";
  t.title = fmt::format("What changed from {} to {}", f.old_file, f.new_file);
  t.columns = {{"table", "table", 0, false, "the table of the reports"},
               {"row", "row", 0, false, "which row: its option, tier, term or hour"},
               {"change", "change", 0, false, "changed, added (only in NEW) or removed (only in OLD)"},
               {"column", "column", 0, false, "the monthly figure that changed (a usd_per_month column)"},
               {"old_usd_per_month", "old $/month", 0, false, "in OLD"},
               {"new_usd_per_month", "new $/month", 0, false, "in NEW"},
               {"change_usd_per_month", "change $/month", 0, false, "new − old"},
               {"change_percent", "change %", 1, false, "(new − old) ÷ old × 100"}};
  // In a narrow terminal the table name goes first, then the kind of change, then old and new.
  set_priority(t, {"table"}, -1);
  set_priority(t, {"old_usd_per_month", "new_usd_per_month"}, 3);
  set_priority(t, {"row", "column", "change_usd_per_month", "change_percent"}, k_keep_column);
  int changed = 0, added = 0, removed = 0;
  std::vector<std::string> above; // rises beyond --fail-above
  for (const auto& [name, old_table] : before.tables) {
    const auto it = after.tables.find(name);
    if (it == after.tables.end()) {
      report.notes.push_back(fmt::format("table '{}' is only in {}", name, f.old_file));
      continue;
    }
    const SavedTable& new_table = it->second;
    const auto identity = identity_columns(old_table);
    std::vector<std::string> money;
    for (const auto& k : old_table.keys) {
      if (k.find("usd_per_month") != std::string::npos &&
          std::find(new_table.keys.begin(), new_table.keys.end(), k) != new_table.keys.end()) {
        money.push_back(k);
      }
    }
    std::map<std::string, const json*> old_rows, new_rows;
    std::vector<std::string> order;
    for (const auto& row : old_table.rows) {
      const auto key = row_key(row, identity);
      if (old_rows.emplace(key, &row).second) {
        order.push_back(key);
      }
    }
    for (const auto& row : new_table.rows) {
      const auto key = row_key(row, identity);
      if (new_rows.emplace(key, &row).second && !old_rows.count(key)) {
        order.push_back(key);
      }
    }
    for (const auto& key : order) {
      const json* o = old_rows.count(key) ? old_rows[key] : nullptr;
      const json* n = new_rows.count(key) ? new_rows[key] : nullptr;
      if (o == nullptr || n == nullptr) {
        ++(o == nullptr ? added : removed);
        const json& row = o == nullptr ? *n : *o;
        const std::string first = money.empty() ? std::string{} : money.front();
        const auto v = first.empty() ? std::nullopt : number(row, first);
        t.rows.push_back({name, key, std::string(o == nullptr ? "added" : "removed"), first.empty() ? Cell{} : Cell{first},
                          o == nullptr ? Cell{} : cell(v), n == nullptr ? Cell{} : cell(v), Cell{}, Cell{}});
        continue;
      }
      bool row_changed = false;
      for (const auto& k : money) {
        const auto a = number(*o, k);
        const auto b = number(*n, k);
        if (a == b || (a && b && std::fabs(*a - *b) < 0.005)) {
          continue;
        }
        row_changed = true;
        const std::optional<double> percent =
            a && b && *a != 0 ? std::optional<double>((*b - *a) / *a * 100) : std::nullopt;
        t.rows.push_back({name, key, std::string("changed"), k, cell(a), cell(b),
                          a && b ? Cell{*b - *a} : Cell{}, cell(percent)});
        if (f.fail_above && percent && *percent > *f.fail_above) {
          above.push_back(fmt::format("{} {} {:+.1f}%", key, k, *percent));
        }
      }
      changed += row_changed ? 1 : 0;
    }
  }
  for (const auto& [name, _] : after.tables) {
    if (!before.tables.count(name)) {
      report.notes.push_back(fmt::format("table '{}' is only in {}", name, f.new_file));
    }
  }
  t.notes.push_back(fmt::format("{} row{} changed, {} added, {} removed; rows are matched by their option, tier, term "
                                "or hour; only monthly figures (usd_per_month columns) are compared",
                                changed, changed == 1 ? "" : "s", added, removed));
  if (t.rows.empty()) {
    t.notes.push_back("no monthly figure changed");
  }
  report.tables.push_back(std::move(t));
  ctx.emit(report);
  if (!above.empty()) {
    throw Error(ErrorKind::runtime,
                fmt::format("{} monthly figure{} rose more than {:g}% (--fail-above): {}", above.size(),
                            above.size() == 1 ? "" : "s", *f.fail_above, fmt::join(above, "; ")));
  }
  return 0;
}

} // namespace

Runner setup_diff(CLI::App& sub) {
  auto f = std::make_shared<DiffFlags>();
  sub.description("What changed between two saved reports of one command (--format json): every monthly bill that "
                  "moved, row by row, in $ and %, and the rows added or removed.\n"
                  "Example: tpuplan diff before.json after.json --fail-above 5");
  sub.add_option("OLD", f->old_file, "the earlier report (JSON)")->required();
  sub.add_option("NEW", f->new_file, "the later report (JSON)")->required();
  sub.add_option("--fail-above", f->fail_above,
                 "exit 1 when a monthly figure rose by more than PCT percent (the table is printed first)")
      ->type_name("PCT");
  return [f](Context& ctx) { return run_diff(*f, ctx); };
}

} // namespace tpuplan::app
