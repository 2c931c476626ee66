// One result value for every command, rendered as table, JSON, CSV, Markdown or SVG (chart.hpp).
// Commands build a Report; only this module knows formats (DESIGN.md §1).
#pragma once

#include <tpuplan/report/chart.hpp>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tpuplan {

/// A cell: empty (unknown / not applicable), boolean, integer, number or text.
using Cell = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

/// Cell from an optional number: empty when absent (an absent price is never 0).
Cell cell(const std::optional<double>& value);

/// One column of a table.
struct Column {
  std::string key;          ///< JSON key and CSV header, with its unit: "usd_per_month_on_demand"
  std::string title;        ///< header in table/Markdown, with its unit: "$/month on-demand"
  int decimals = 2;         ///< digits after the point for numbers in table/Markdown
  bool wide_only = false;   ///< in table/Markdown only with --wide (always in JSON/CSV)
  std::string description;  ///< what it means (JSON "columns", docs)
  /// When a table must lose columns to fit the terminal, the lowest priority goes first (the
  /// rightmost of equals); the first column and k_keep_column are never dropped.
  int priority = 0;
};

/// A Column::priority that is never dropped to fit the width (its text wraps instead).
inline constexpr int k_keep_column = 100;

/// A named table of rows.
struct Table {
  std::string name;                   ///< "offerings", "commitment" (--table NAME)
  std::string title;                  ///< shown above the table in table/Markdown
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> notes;     ///< shown below the table; in JSON "notes"

  /// Index of a column by key; throws std::logic_error when absent (a programming error).
  std::size_t column_index(std::string_view key) const;
};

/// A figure the result depends on, listed with every report.
struct Assumption {
  std::string key;          ///< "hours_per_month"
  Cell value;
  std::string unit;         ///< "h", "fraction", "USD"
  std::string description;  ///< "billing month (365 × 24 / 12)"
  std::string source;       ///< where the figure comes from
};

/// An assumption's value for people: up to 4 decimals, trailing zeros dropped ("730", "0.1").
std::string assumption_value(const Assumption& a);

/// The result of a command.
struct Report {
  std::string command;                 ///< "cost" → schema "tpuplan.cost/v1"
  nlohmann::ordered_json inputs = nlohmann::ordered_json::object();
  std::vector<Assumption> assumptions;
  std::vector<Table> tables;
  std::vector<std::string> notes;      ///< report-wide notes (also in JSON)
  std::vector<std::string> explain;    ///< the arithmetic, shown with --explain (table/Markdown)
  std::vector<Chart> charts;           ///< how --format svg draws tables (the first, or --table's)
  /// The age of the prices the report used (data/price_age.hpp), set when its tables name
  /// offerings: JSON "price_age" (null = absent, not written); `price_notes` are shown after
  /// the notes in table and Markdown, and in JSON as "price_age"."notes".
  nlohmann::ordered_json price_age;
  std::vector<std::string> price_notes;

  std::string schema() const { return "tpuplan." + command + "/v1"; }
  /// The table named `name`; throws Error(usage) with a suggestion when there is none.
  const Table& table(std::string_view name) const;
};

/// Output formats.
enum class Format { table, json, csv, markdown, svg, html };
std::string_view to_string(Format format);
std::optional<Format> parse_format(std::string_view name);
std::vector<std::string> format_names();

/// How to render.
struct RenderOptions {
  bool color = false;         ///< ANSI colour in table format (decided by apps/, never here)
  bool wide = false;          ///< show wide_only columns in table/Markdown
  bool explain = false;       ///< show Report::explain lines in table/Markdown
  std::string table;          ///< for CSV/JSON "rows" and SVG: which table (default: the first)
  std::string tool_version;
  /// Table format: the terminal columns each table must fit in (0: no limit). Headers take two
  /// lines, then the lowest-priority columns are dropped (a note names them), then text wraps.
  std::size_t width = 0;
  /// --columns: exactly these column keys, in this order, in each table (table, Markdown) that has
  /// any of them; no fitting to the width.
  std::vector<std::string> columns;
  /// --series: how many series each chart draws (SVG, HTML), the cheapest first; 0: all.
  std::size_t chart_series = 6;
};

/// Throws Error(usage) naming the first key of `columns` that no table of `report` has, with a
/// suggestion from the tables' keys.
void check_columns(const Report& report, const std::vector<std::string>& columns);

/// Sets the priority of the columns `keys` of `table` to `priority`; a key the table lacks is
/// a programming error (std::logic_error).
void set_priority(Table& table, std::initializer_list<std::string_view> keys, int priority);

/// A report saved as JSON (what render() writes in Format::json) read back: inputs,
/// assumptions, tables (columns with their decimals and wide-only flag), notes and charts. The
/// arithmetic of --explain is not saved. Throws Error(input) naming `origin` when `doc` is no
/// tpuplan report.
Report report_from_json(const nlohmann::ordered_json& doc, std::string_view origin);

/// Writes the report to `out` in `format`.
void render(const Report& report, Format format, const RenderOptions& options, std::ostream& out);

/// A number as JSON/CSV print it: rounded to 9 significant digits, no exponent for
/// ordinary magnitudes, no thousands separators.
std::string format_raw_number(double value);
/// A number for people: fixed decimals with thousands separators ("12,345.67").
std::string format_human_number(double value, int decimals);

} // namespace tpuplan
