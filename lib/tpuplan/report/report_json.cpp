// A report saved as JSON read back into a Report, so `tpuplan render` can draw it in any
// format: the document render_json writes (docs/json.md), columns with their decimals and
// wide-only flag, the tables, notes, assumptions and charts.
#include <tpuplan/report/report.hpp>

#include <tpuplan/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace tpuplan {

namespace {

using json = nlohmann::ordered_json;

Cell cell_of(const json& v) {
  if (v.is_boolean()) {
    return v.get<bool>();
  }
  if (v.is_number_integer()) {
    return v.get<std::int64_t>();
  }
  if (v.is_number()) {
    return v.get<double>();
  }
  if (v.is_string()) {
    return v.get<std::string>();
  }
  return Cell{};
}

std::string text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::vector<std::string> strings(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (const auto it = obj.find(key); it != obj.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      }
    }
  }
  return out;
}

Table table_of(const std::string& name, const json& columns, const json& rows, std::string_view origin) {
  Table t;
  t.name = name;
  if (!columns.is_array() || !rows.is_array()) {
    throw Error(ErrorKind::input, fmt::format("{}: table '{}' has no \"columns\" and \"rows\" arrays", origin, name));
  }
  for (const auto& c : columns) {
    Column col;
    col.key = text(c, "key");
    col.title = text(c, "title").empty() ? col.key : text(c, "title");
    col.description = text(c, "description");
    col.decimals = c.value("decimals", 2);
    col.wide_only = c.value("wide_only", false);
    col.priority = c.value("priority", 0);
    t.columns.push_back(std::move(col));
  }
  for (const auto& r : rows) {
    std::vector<Cell> row;
    for (const auto& c : t.columns) {
      row.push_back(r.is_object() && r.contains(c.key) ? cell_of(r[c.key]) : Cell{});
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Chart chart_of(const json& c) {
  Chart chart;
  chart.table = text(c, "table");
  const std::string kind = text(c, "kind");
  chart.kind = kind == "bar" ? ChartKind::bar : kind == "stacked" ? ChartKind::stacked : ChartKind::line;
  chart.title = text(c, "title");
  chart.subtitle = text(c, "subtitle");
  chart.point_label = text(c, "point_label");
  chart.panel_titles = strings(c, "panel_titles");
  if (const auto it = c.find("y_panels"); it != c.end() && it->is_array()) {
    for (const auto& p : *it) {
      chart.y_panels.push_back(p.is_number_unsigned() ? p.get<std::size_t>() : 0);
    }
  }
  chart.x = text(c, "x");
  chart.y = strings(c, "y");
  chart.y_labels = strings(c, "y_labels");
  chart.group = text(c, "group");
  if (const auto it = c.find("group_titles"); it != c.end() && it->is_array()) {
    for (const auto& g : *it) {
      if (g.is_array() && g.size() == 2 && g[0].is_string() && g[1].is_string()) {
        chart.group_titles.emplace_back(g[0].get<std::string>(), g[1].get<std::string>());
      }
    }
  }
  chart.x_title = text(c, "x_title");
  chart.y_title = text(c, "y_title");
  if (const auto it = c.find("markers"); it != c.end() && it->is_array()) {
    for (const auto& m : *it) {
      chart.markers.push_back({m.value("x", 0.0), m.value("y", 0.0), text(m, "label"), strings(m, "series")});
    }
  }
  chart.lines = strings(c, "lines");
  chart.line_labels = strings(c, "line_labels");
  return chart;
}

/// A chart of a saved report must name a table of the document and columns of that table: an
/// edited or truncated file is refused in one line rather than drawn wrong.
void check_chart(const Report& r, const Chart& chart, std::string_view origin) {
  const auto table = std::find_if(r.tables.begin(), r.tables.end(), [&](const Table& t) { return t.name == chart.table; });
  if (table == r.tables.end()) {
    throw Error(ErrorKind::input, fmt::format("{}: chart '{}' draws table '{}', which the document does not hold", origin,
                                              chart.title, chart.table),
                "save the report again with --format json");
  }
  std::vector<std::string> keys = chart.y;
  keys.insert(keys.end(), chart.lines.begin(), chart.lines.end());
  for (const std::string* k : {&chart.x, &chart.group}) {
    if (!k->empty()) {
      keys.push_back(*k);
    }
  }
  for (const auto& key : keys) {
    if (std::none_of(table->columns.begin(), table->columns.end(), [&](const Column& c) { return c.key == key; })) {
      throw Error(ErrorKind::input, fmt::format("{}: chart '{}' plots column '{}', which table '{}' does not have", origin,
                                                chart.title, key, chart.table),
                  "save the report again with --format json");
    }
  }
}

} // namespace

Report report_from_json(const nlohmann::ordered_json& doc, std::string_view origin) {
  const std::string schema = doc.is_object() ? text(doc, "schema") : std::string{};
  const auto slash = schema.rfind('/');
  if (schema.rfind("tpuplan.", 0) != 0 || slash == std::string::npos) {
    throw Error(ErrorKind::input, fmt::format("{}: not a tpuplan report (no \"schema\": \"tpuplan.<command>/v1\")", origin),
                "give a report saved with --format json, or a bench profile");
  }
  Report r;
  r.command = schema.substr(8, slash - 8);
  if (const auto it = doc.find("inputs"); it != doc.end() && it->is_object()) {
    r.inputs = *it;
  }
  if (const auto it = doc.find("assumptions"); it != doc.end() && it->is_object()) {
    for (const auto& [key, a] : it->items()) {
      r.assumptions.push_back({key, cell_of(a.value("value", json())), text(a, "unit"), text(a, "description"),
                               text(a, "source")});
    }
  }
  if (const auto it = doc.find("tables"); it != doc.end() && it->is_object()) {
    for (const auto& [name, t] : it->items()) {
      Table table = table_of(name, t.value("columns", json()), t.value("rows", json()), origin);
      table.title = text(t, "title");
      table.notes = strings(t, "notes");
      r.tables.push_back(std::move(table));
    }
  } else if (doc.contains("rows") && doc.contains("columns")) {
    Table table = table_of(text(doc, "table").empty() ? "rows" : text(doc, "table"), doc["columns"], doc["rows"], origin);
    table.title = text(doc, "title");
    r.tables.push_back(std::move(table));
  }
  r.notes = strings(doc, "notes"); // a one-table document holds the table's notes here too
  if (const auto it = doc.find("charts"); it != doc.end() && it->is_array()) {
    for (const auto& c : *it) {
      Chart chart = chart_of(c);
      check_chart(r, chart, origin);
      r.charts.push_back(std::move(chart));
    }
  }
  if (const auto it = doc.find("price_age"); it != doc.end()) {
    r.price_age = *it;
    if (it->is_object()) {
      r.price_notes = strings(*it, "notes");
    }
  }
  return r;
}

} // namespace tpuplan
