#include <tpuplan/report/report.hpp>
#include <tpuplan/report/html.hpp>
#include <tpuplan/report/text_table.hpp>

#include <charconv>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace tpuplan {

namespace {

using ojson = nlohmann::ordered_json;

using detail::cell_human;
using detail::is_numeric;

constexpr std::string_view k_dim = "\x1b[2m";
constexpr std::string_view k_reset = "\x1b[0m";

ojson cell_json(const Cell& c) {
  return std::visit(
      [](const auto& v) -> ojson {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) {
            return nullptr;
          }
          // Round through the same text as CSV so that both formats agree digit for digit.
          return std::stod(format_raw_number(v));
        } else {
          return v;
        }
      },
      c);
}

std::string cell_raw(const Cell& c) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {};
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(v) ? format_raw_number(v) : std::string{};
        } else {
          return v;
        }
      },
      c);
}

const Table* selected_table(const Report& r, const RenderOptions& o) {
  if (r.tables.empty()) {
    return nullptr;
  }
  return o.table.empty() ? &r.tables.front() : &r.table(o.table);
}

}

std::string assumption_value(const Assumption& a) {
  std::string value = cell_human(a.value, 4);
  // Trim trailing zeros of decimals for readability ("730", "0.1").
  if (std::holds_alternative<double>(a.value) && value.find('.') != std::string::npos) {
    value.erase(value.find_last_not_of('0') + 1);
    if (value.back() == '.') {
      value.pop_back();
    }
  }
  return value;
}

namespace {

std::string assumption_line(const Assumption& a) {
  const std::string value = assumption_value(a);
  std::string line = fmt::format("{} = {}{}", a.key, value, a.unit.empty() ? "" : " " + a.unit);
  if (!a.description.empty()) {
    line += " — " + a.description;
  }
  if (!a.source.empty()) {
    line += " [" + a.source + "]";
  }
  return line;
}

// ---- table -------------------------------------------------------------------------------

void render_table_format(const Report& r, const RenderOptions& o, std::ostream& out) {
  for (std::size_t i = 0; i < r.tables.size(); ++i) {
    if (i) {
      out << '\n';
    }
    detail::render_text_table(r.tables[i], o, out);
  }
  if (!r.notes.empty() || !r.price_notes.empty()) {
    out << '\n';
    // Within the terminal's width a long note wraps at phrase boundaries, under its indent.
    auto note_lines = [&](const std::string& note, std::string_view on, std::string_view off) {
      const std::string text = detail::terminal_text(note);
      const auto lines = o.width > 6 ? detail::wrap_phrases(text, o.width - 6) : std::vector<std::string>{text};
      for (std::size_t i = 0; i < lines.size(); ++i) {
        out << on << (i ? "      " : "note: ") << lines[i] << off << '\n';
      }
    };
    for (const auto& note : r.notes) {
      note_lines(note, "", "");
    }
    for (const auto& note : r.price_notes) {
      note_lines(note, o.color ? k_dim : "", o.color ? k_reset : "");
    }
  }
  if (o.explain && !r.explain.empty()) {
    out << "\nHow these figures are computed:\n";
    for (const auto& line : r.explain) {
      out << "  " << detail::terminal_text(line) << '\n';
    }
  }
  if (!r.assumptions.empty()) {
    out << '\n' << (o.color ? k_dim : "") << "Assumptions:" << '\n';
    for (const auto& a : r.assumptions) {
      out << "  " << detail::terminal_text(assumption_line(a)) << '\n';
    }
    out << (o.color ? k_reset : "");
  }
}

// ---- markdown ----------------------------------------------------------------------------

std::string markdown_escape(const std::string& text) {
  const std::string s = detail::terminal_text(text);
  std::string outs;
  for (char ch : s) {
    if (ch == '|') {
      outs += "\\|";
    } else if (ch == '\n') {
      outs += ' ';
    } else {
      outs += ch;
    }
  }
  return outs;
}

void render_markdown(const Report& r, const RenderOptions& o, std::ostream& out) {
  bool first = true;
  for (const auto& t : r.tables) {
    if (!first) {
      out << '\n';
    }
    first = false;
    if (!t.title.empty()) {
      out << "**" << markdown_escape(t.title) << "**\n\n";
    }
    const auto cols = detail::shown_columns(t, o);
    std::string header = "|", rule = "|";
    for (std::size_t c : cols) {
      header += " " + markdown_escape(t.columns[c].title) + " |";
      const bool numeric = !t.rows.empty() && std::any_of(t.rows.begin(), t.rows.end(), [c](const auto& row) {
        return is_numeric(row[c]);
      });
      rule += numeric ? " ---: |" : " --- |";
    }
    out << header << '\n' << rule << '\n';
    for (const auto& row : t.rows) {
      out << '|';
      for (std::size_t c : cols) {
        out << ' ' << markdown_escape(cell_human(row[c], t.columns[c].decimals)) << " |";
      }
      out << '\n';
    }
    if (!t.notes.empty()) {
      out << '\n';
      for (const auto& note : t.notes) {
        out << "- " << markdown_escape(note) << '\n';
      }
    }
  }
  if (!r.notes.empty() || !r.price_notes.empty()) {
    out << '\n';
    for (const auto& note : r.notes) {
      out << "- " << detail::terminal_text(note) << '\n';
    }
    for (const auto& note : r.price_notes) {
      out << "- " << markdown_escape(note) << '\n';
    }
  }
  if (o.explain && !r.explain.empty()) {
    out << "\n**How these figures are computed**\n\n";
    for (const auto& line : r.explain) {
      out << "- " << detail::terminal_text(line) << '\n';
    }
  }
  if (!r.assumptions.empty()) {
    out << "\n**Assumptions**\n\n";
    for (const auto& a : r.assumptions) {
      out << "- " << detail::terminal_text(assumption_line(a)) << '\n';
    }
  }
}

// ---- CSV (RFC 4180: CRLF line ends, fields with , " CR LF quoted, quotes doubled) --------

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    return s;
  }
  std::string q = "\"";
  for (char ch : s) {
    q += ch;
    if (ch == '"') {
      q += '"';
    }
  }
  return q + '"';
}

void render_csv(const Report& r, const RenderOptions& o, std::ostream& out) {
  const Table* t = selected_table(r, o);
  if (t == nullptr) {
    return;
  }
  for (std::size_t c = 0; c < t->columns.size(); ++c) {
    out << (c ? "," : "") << csv_field(t->columns[c].key);
  }
  out << "\r\n";
  for (const auto& row : t->rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << (c ? "," : "") << csv_field(cell_raw(row[c]));
    }
    out << "\r\n";
  }
}

// ---- JSON --------------------------------------------------------------------------------

ojson table_rows_json(const Table& t) {
  ojson rows = ojson::array();
  for (const auto& row : t.rows) {
    ojson obj = ojson::object();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      obj[t.columns[c].key] = cell_json(row[c]);
    }
    rows.push_back(std::move(obj));
  }
  return rows;
}

ojson table_columns_json(const Table& t) {
  ojson cols = ojson::array();
  for (const auto& c : t.columns) {
    ojson col = {{"key", c.key}, {"title", c.title}, {"description", c.description}, {"decimals", c.decimals},
                 {"wide_only", c.wide_only}};
    if (c.priority != 0) {
      col["priority"] = c.priority;
    }
    cols.push_back(std::move(col));
  }
  return cols;
}

/// How each table in the document is drawn, so that `tpuplan render` can draw it again.
ojson charts_json(const Report& r, const RenderOptions& o) {
  ojson charts = ojson::array();
  for (const auto& c : r.charts) {
    if (!o.table.empty() && c.table != o.table) {
      continue;
    }
    ojson j = {{"table", c.table},
               {"kind", c.kind == ChartKind::bar ? "bar" : c.kind == ChartKind::stacked ? "stacked" : "line"},
               {"title", c.title},
               {"subtitle", c.subtitle},
               {"x", c.x},
               {"y", c.y},
               {"y_labels", c.y_labels},
               {"group", c.group},
               {"group_titles", ojson::array()},
               {"x_title", c.x_title},
               {"y_title", c.y_title},
               {"markers", ojson::array()},
               {"lines", c.lines},
               {"line_labels", c.line_labels},
               {"y_panels", c.y_panels},
               {"panel_titles", c.panel_titles},
               {"point_label", c.point_label}};
    for (const auto& [value, title] : c.group_titles) {
      j["group_titles"].push_back({value, title});
    }
    for (const auto& m : c.markers) {
      j["markers"].push_back({{"x", m.x}, {"y", m.y}, {"label", m.label}, {"series", m.series}});
    }
    charts.push_back(std::move(j));
  }
  return charts;
}

void render_json(const Report& r, const RenderOptions& o, std::ostream& out) {
  ojson doc = ojson::object();
  doc["schema"] = r.schema();
  doc["tool_version"] = o.tool_version;
  doc["inputs"] = r.inputs;
  ojson assumptions = ojson::object();
  for (const auto& a : r.assumptions) {
    assumptions[a.key] = {{"value", cell_json(a.value)},
                          {"unit", a.unit},
                          {"description", a.description},
                          {"source", a.source}};
  }
  doc["assumptions"] = std::move(assumptions);
  ojson notes = ojson::array();
  for (const auto& n : r.notes) {
    notes.push_back(n);
  }
  if (const Table* t = selected_table(r, o)) {
    doc["table"] = t->name;
    doc["title"] = t->title;
    doc["columns"] = table_columns_json(*t);
    doc["rows"] = table_rows_json(*t);
    // One table (or one picked with --table): its notes are the document's; "tables" is left out.
    if (r.tables.size() == 1 || !o.table.empty()) {
      for (const auto& n : t->notes) {
        notes.push_back(n);
      }
    }
  } else {
    doc["rows"] = ojson::array();
  }
  if (r.tables.size() > 1 && o.table.empty()) {
    ojson tables = ojson::object();
    for (const auto& t : r.tables) {
      ojson tn = ojson::array();
      for (const auto& n : t.notes) {
        tn.push_back(n);
      }
      tables[t.name] = {{"title", t.title}, {"columns", table_columns_json(t)}, {"rows", table_rows_json(t)},
                        {"notes", std::move(tn)}};
    }
    doc["tables"] = std::move(tables);
  }
  doc["notes"] = std::move(notes);
  if (!r.charts.empty()) {
    doc["charts"] = charts_json(r, o);
  }
  if (!r.price_age.is_null()) {
    doc["price_age"] = r.price_age;
  }
  out << doc.dump(2) << '\n';
}

} // namespace

Cell cell(const std::optional<double>& value) {
  return value ? Cell{*value} : Cell{};
}

std::size_t Table::column_index(std::string_view key) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].key == key) {
      return i;
    }
  }
  throw std::logic_error(fmt::format("table '{}' has no column '{}'", name, key));
}

void set_priority(Table& table, std::initializer_list<std::string_view> keys, int priority) {
  for (const auto key : keys) {
    table.columns[table.column_index(key)].priority = priority;
  }
}

void check_columns(const Report& report, const std::vector<std::string>& columns) {
  std::vector<std::string> keys;
  for (const auto& t : report.tables) {
    for (const auto& c : t.columns) {
      if (std::find(keys.begin(), keys.end(), c.key) == keys.end()) {
        keys.push_back(c.key);
      }
    }
  }
  for (const auto& key : columns) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw Error(ErrorKind::usage, fmt::format("--columns: no column '{}' in this output", key),
                  closest_match(key, keys).empty()
                      ? "'--format json' lists the column keys under \"columns\""
                      : suggestion(key, keys));
    }
  }
}

const Table& Report::table(std::string_view name) const {
  std::vector<std::string> names;
  for (const auto& t : tables) {
    if (t.name == name) {
      return t;
    }
    names.push_back(t.name);
  }
  throw_unknown("table", name, names);
}

std::string_view to_string(Format format) {
  switch (format) {
  case Format::table:
    return "table";
  case Format::json:
    return "json";
  case Format::csv:
    return "csv";
  case Format::markdown:
    return "markdown";
  case Format::svg:
    return "svg";
  case Format::html:
    return "html";
  }
  return "table";
}

std::vector<std::string> format_names() { return {"table", "json", "csv", "markdown", "svg", "html"}; }

std::optional<Format> parse_format(std::string_view name) {
  for (Format f : {Format::table, Format::json, Format::csv, Format::markdown, Format::svg, Format::html}) {
    if (name == to_string(f)) {
      return f;
    }
  }
  if (name == "md") {
    return Format::markdown;
  }
  if (name == "htm") {
    return Format::html;
  }
  return std::nullopt;
}

void render(const Report& report, Format format, const RenderOptions& options, std::ostream& out) {
  switch (format) {
  case Format::table:
    render_table_format(report, options, out);
    break;
  case Format::json:
    render_json(report, options, out);
    break;
  case Format::csv:
    render_csv(report, options, out);
    break;
  case Format::markdown:
    render_markdown(report, options, out);
    break;
  case Format::svg:
    render_svg(report, options, out); // chart.cpp
    break;
  case Format::html:
    render_html(report, options, out); // html.cpp
    break;
  }
}

std::string format_raw_number(double value) {
  if (value == 0) {
    return "0";
  }
  // 9 significant digits hide binary noise (0.1 + 0.2) and keep micro-dollar precision.
  std::string s = fmt::format("{:.9g}", value);
  if (s.find('e') != std::string::npos && std::fabs(value) >= 1e-6 && std::fabs(value) < 1e15) {
    // Prefer plain notation for spreadsheet users.
    s = fmt::format("{:.{}f}", value, std::max(0, 8 - static_cast<int>(std::floor(std::log10(std::fabs(value))))));
    if (s.find('.') != std::string::npos) {
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') {
        s.pop_back();
      }
    }
  }
  return s;
}

std::string format_human_number(double value, int decimals) {
  // Called for every cell of every table: std::to_chars (exact, like fmt's fixed format)
  // into a stack buffer, then the digits grouped in one pass.
  const int precision = std::max(0, decimals);
  char digits[512];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, std::fabs(value), std::chars_format::fixed,
                                       precision);
  const std::string_view s = ec == std::errc{} ? std::string_view(digits, static_cast<std::size_t>(end - digits))
                                               : std::string_view{};
  if (s.empty()) { // only a precision beyond the buffer
    return fmt::format("{:.{}f}", value, precision);
  }
  const std::size_t int_digits = std::min(s.find('.'), s.size());
  const bool negative = value < 0 && s.find_first_not_of("0.") != std::string_view::npos;
  std::string out;
  out.reserve(s.size() + int_digits / 3 + 1);
  if (negative) {
    out += '-';
  }
  for (std::size_t i = 0; i < int_digits; ++i) {
    if (i && (int_digits - i) % 3 == 0) {
      out += ',';
    }
    out += s[i];
  }
  out.append(s.substr(int_digits));
  return out;
}

} // namespace tpuplan
