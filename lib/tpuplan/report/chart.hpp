// Charts of report tables, rendered as standalone SVG (`--format svg`): a Chart says which
// table, which column is x, which columns are y, and optionally which column splits the rows
// into series. Commands describe charts; only this module draws them (DESIGN.md §1).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace tpuplan {

struct Table;
struct Report;
struct RenderOptions;

/// Lines over a numeric x axis, grouped bars over categories, or stacked steps over a numeric
/// x axis (one unit wide each, e.g. hours) with `lines` drawn on top; with a group, one panel per value.
enum class ChartKind { line, bar, stacked };

/// A point to mark (a crossover), in data units, with what it means.
struct ChartMarker {
  double x = 0;
  double y = 0;
  std::string label; ///< "v4-8: 1y = on-demand at 18 h/day"
  /// Labels of the series it lies on (ChartSeries::label): drawn only when all of them are
  /// (none named: always).
  std::vector<std::string> series;
};

/// How many series a chart draws by default (`--series N|all` changes it): the cheapest ones.
inline constexpr std::size_t k_default_chart_series = 6;

/// How to draw one table of a report.
struct Chart {
  std::string table;                 ///< name of the Report table it draws
  ChartKind kind = ChartKind::line;
  std::string title;                 ///< shown above the plot
  std::string subtitle;              ///< under the title: model, workload and options drawn
  std::string x;                     ///< column key: numbers (line) or category labels (bar)
  std::vector<std::string> y;        ///< column keys of the plotted numbers, one series each
  std::vector<std::string> y_labels; ///< legend names of the y columns (default: column titles)
  /// Optional column key: rows are split into one series per distinct value (× each y column).
  std::string group;
  /// Stacked charts: a panel's heading for a group value (default: the value itself).
  std::vector<std::pair<std::string, std::string>> group_titles;
  std::string x_title;               ///< axis title with its unit: "hours per day (h)"
  std::string y_title;               ///< "monthly cost (USD)"
  std::vector<ChartMarker> markers;
  /// Stacked charts: column keys drawn as lines over the stack (e.g. the load it serves).
  std::vector<std::string> lines;
  std::vector<std::string> line_labels; ///< legend names of the lines (default: column titles)
  /// Line charts: the panel of each y column (empty: one panel); panels are stacked, sharing x.
  std::vector<std::size_t> y_panels;
  std::vector<std::string> panel_titles; ///< y axis title of each panel (default: y_title)
  /// Line charts: column key whose text labels each point of a panel's first y column (e.g.
  /// the load level of a bench row); points are then marked.
  std::string point_label;
};

/// One series as drawn: its points in data units.
struct ChartSeries {
  std::string label;           ///< "v5e-8@us-central1 · 1y" (group value · y label)
  std::size_t group_index = 0; ///< which group value (0 without a group): sets the colour
  std::size_t y_index = 0;     ///< which y column: sets the dash pattern (the colour without a group)
  /// (x, y) in data units; for bars x is the category index. Rows whose cells are empty are
  /// left out: an unknown value is never drawn as 0.
  std::vector<std::pair<double, double>> points;
  std::vector<std::string> point_labels; ///< parallel to points, when the chart names point_label
};

/// What a chart plots, derived from its table.
struct ChartData {
  std::vector<std::string> categories; ///< bar charts: the x labels in row order (first seen)
  std::vector<ChartSeries> series;     ///< in order of first appearance (group), then y column
};

/// The series `chart` draws from `table`, rows in order. Throws std::logic_error when a key
/// names no column (a programming error in the command).
ChartData chart_data(const Table& table, const Chart& chart);

/// A standalone SVG 1.1 document of `chart` drawn from `table`: title and subtitle, axes with
/// ticks, units and a log scale where values span more than 10×, at most `max_series` series
/// (0: all; the cheapest by mean value; grouped lines with several y columns: whole groups,
/// cheapest first, as many as fit; bar charts: the options with the cheapest bar) named at
/// their line ends (a legend when they do not fit), numbered crossover markers placed clear of
/// other text, and "n/a" where a bar has no value. No two text boxes overlap.
std::string render_svg(const Table& table, const Chart& chart, std::size_t max_series = k_default_chart_series);

/// Renders the chart of the table RenderOptions::table names (default: the report's first
/// chart). Throws Error(usage) when the report, or that table, has no chart.
void render_svg(const Report& report, const RenderOptions& options, std::ostream& out);

/// "Nice" tick values (1, 2, 2.5 or 5 × 10^k) covering [lo, hi] with about `count` steps;
/// the first tick ≤ lo and the last ≥ hi.
std::vector<double> nice_ticks(double lo, double hi, int count);

} // namespace tpuplan
