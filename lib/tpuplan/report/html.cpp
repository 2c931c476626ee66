// `--format html`: one self-contained page (inline CSS, inline SVG, no script, nothing fetched)
// holding the report's tables, their charts, the notes, the arithmetic and the assumptions.
// Written as well-formed XHTML so that any XML reader can check it.
#include <tpuplan/report/html.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/report/report.hpp>
#include <tpuplan/report/text_table.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <vector>

namespace tpuplan {

namespace {

constexpr std::string_view k_style =
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a;max-width:80rem}"
    "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}"
    "table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}"
    "th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}td{white-space:nowrap}td.w{white-space:normal;min-width:16rem}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "div.scroll{overflow-x:auto;max-width:100%}"
    "ul.notes{color:#444;font-size:.85rem}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}"
    "dl{font-size:.85rem}dt{font-family:monospace}dd{margin:0 0 .4rem 1.5rem;color:#444}"
    "p,li,dt,dd{overflow-wrap:anywhere}";

void table_html(const Table& t, const RenderOptions& o, std::ostream& out) {
  out << "<section class=\"table\" id=\"table-" << detail::xml_escape(t.name) << "\">\n";
  if (!t.title.empty()) {
    out << "<h2>" << detail::xml_escape(t.title) << "</h2>\n";
  }
  const auto cols = detail::shown_columns(t, o);
  // A table wider than the page scrolls in its own box; the page itself never scrolls sideways.
  out << "<div class=\"scroll\">\n<table data-table=\"" << detail::xml_escape(t.name) << "\">\n<thead><tr>";
  for (std::size_t c : cols) {
    out << "<th data-key=\"" << detail::xml_escape(t.columns[c].key) << "\" title=\"" << detail::xml_escape(t.columns[c].description)
        << "\">" << detail::xml_escape(t.columns[c].title) << "</th>";
  }
  out << "</tr></thead>\n<tbody>\n";
  // A column with a number is right-aligned throughout, its '-' (no value) too.
  std::vector<bool> numeric(t.columns.size(), false);
  for (const auto& row : t.rows) {
    for (std::size_t c : cols) {
      numeric[c] = numeric[c] || detail::is_numeric(row[c]);
    }
  }
  for (const auto& row : t.rows) {
    out << "<tr>";
    for (std::size_t c : cols) {
      const std::string text = detail::cell_human(row[c], t.columns[c].decimals);
      // Numbers and names keep to one line; prose (a derivation, a problem) wraps.
      const char* open = numeric[c] ? "<td class=\"n\">"
                         : detail::display_width(text) > 40 ? "<td class=\"w\">"
                                                             : "<td>";
      out << open << detail::xml_escape(text) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody>\n</table>\n</div>\n";
  if (!t.notes.empty()) {
    out << "<ul class=\"notes\">\n";
    for (const auto& n : t.notes) {
      out << "<li>" << detail::xml_escape(n) << "</li>\n";
    }
    out << "</ul>\n";
  }
  out << "</section>\n";
}

/// The chart's SVG without its XML declaration, to sit inside the page.
std::string inline_svg(const Table& table, const Chart& chart, std::size_t max_series) {
  std::string svg = render_svg(table, chart, max_series);
  if (svg.rfind("<?xml", 0) == 0) {
    svg.erase(0, svg.find('\n') + 1);
  }
  return svg;
}

/// A chart with something to read: bars, or a line of at least two points (a breakeven at
/// one --hours value is a table, not a curve).
bool worth_drawing(const Table& table, const Chart& chart) {
  if (table.rows.empty()) {
    return false;
  }
  if (chart.kind != ChartKind::line) {
    return true;
  }
  const ChartData data = chart_data(table, chart);
  return std::any_of(data.series.begin(), data.series.end(), [](const ChartSeries& s) { return s.points.size() >= 2; });
}

} // namespace

void render_html(const Report& r, const RenderOptions& o, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      << "<meta charset=\"utf-8\"/>\n<title>tpuplan " << detail::xml_escape(r.command) << "</title>\n<style>" << k_style
      << "</style>\n</head>\n<body>\n";
  out << "<h1>tpuplan " << detail::xml_escape(r.command) << "</h1>\n";
  out << "<p class=\"meta\">" << detail::xml_escape(r.schema()) << (o.tool_version.empty() ? "" : ", tpuplan " + detail::xml_escape(o.tool_version))
      << "</p>\n";
  for (const auto& t : r.tables) {
    table_html(t, o, out);
    for (const auto& chart : r.charts) {
      if (chart.table == t.name && worth_drawing(t, chart)) {
        out << "<figure class=\"chart\" data-table=\"" << detail::xml_escape(t.name) << "\">\n" << inline_svg(t, chart, o.chart_series)
            << "</figure>\n";
      }
    }
  }
  if (!r.notes.empty()) {
    out << "<h2>Notes</h2>\n<ul class=\"notes\">\n";
    for (const auto& n : r.notes) {
      out << "<li>" << detail::xml_escape(n) << "</li>\n";
    }
    out << "</ul>\n";
  }
  if (o.explain && !r.explain.empty()) {
    out << "<h2>How these figures are computed</h2>\n<ul class=\"explain\">\n";
    for (const auto& line : r.explain) {
      out << "<li>" << detail::xml_escape(line) << "</li>\n";
    }
    out << "</ul>\n";
  }
  if (!r.assumptions.empty()) {
    out << "<h2>Assumptions</h2>\n<dl class=\"assumptions\">\n";
    for (const auto& a : r.assumptions) {
      out << "<dt>" << detail::xml_escape(a.key) << " = " << detail::xml_escape(assumption_value(a)) << (a.unit.empty() ? "" : " ")
          << detail::xml_escape(a.unit) << "</dt>\n<dd>" << detail::xml_escape(a.description)
          << (a.source.empty() ? std::string{} : " [" + detail::xml_escape(a.source) + "]") << "</dd>\n";
    }
    out << "</dl>\n";
  }
  out << "</body>\n</html>\n";
}

} // namespace tpuplan
