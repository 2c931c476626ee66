#include <tpuplan/report/chart.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/report/report.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <ostream>
#include <stdexcept>

namespace tpuplan {

namespace {

// Tableau 10: distinguishable colours that survive greyscale printing reasonably well.
constexpr const char* k_palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                     "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
constexpr const char* k_dashes[] = {"", "8 4", "2 3", "10 3 2 3", "4 4", "12 2"};

constexpr double k_width = 960;
constexpr double k_left = 90;     // room for y tick labels ("120,000") and the y title
constexpr double k_right = 30;
constexpr double k_top = 56;      // title
constexpr double k_plot_height = 380;
constexpr double k_legend_column = 300;
constexpr double k_line_height = 18;
constexpr std::size_t k_max_label = 44;

std::optional<double> number_of(const Cell& c) {
  if (const auto* d = std::get_if<double>(&c)) {
    return std::isfinite(*d) ? std::optional<double>(*d) : std::nullopt;
  }
  if (const auto* i = std::get_if<std::int64_t>(&c)) {
    return static_cast<double>(*i);
  }
  return std::nullopt;
}

std::string text_of(const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) {
    return *s;
  }
  if (const auto n = number_of(c)) {
    return format_raw_number(*n);
  }
  if (const auto* b = std::get_if<bool>(&c)) {
    return *b ? "true" : "false";
  }
  return {};
}

/// Shortens a label to `max` code points, ending with "…" (UTF-8 aware).
std::string shorten(const std::string& s, std::size_t max) {
  auto starts_code_point = [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; };
  if (static_cast<std::size_t>(std::count_if(s.begin(), s.end(), starts_code_point)) <= max) {
    return s;
  }
  std::size_t points = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (starts_code_point(s[i]) && ++points == max) {
      return s.substr(0, i) + "…";
    }
  }
  return s;
}

/// Decimals that show every tick of this step exactly ("0.25", "2.5", "500").
int tick_decimals(const std::vector<double>& ticks) {
  if (ticks.size() < 2) {
    return 0;
  }
  const double step = ticks[1] - ticks[0];
  const double exponent = std::floor(std::log10(step));
  const double mantissa = step / std::pow(10.0, exponent);
  const bool two_and_half = std::fabs(mantissa - 2.5) < 1e-6;
  return std::max(0, static_cast<int>(-exponent) + (two_and_half ? 1 : 0));
}

/// Linear map from a data interval onto a pixel interval.
struct Scale {
  double d0, d1, p0, p1;
  double operator()(double v) const { return p0 + (v - d0) / (d1 - d0) * (p1 - p0); }
};

std::string px(double v) { return fmt::format("{:.2f}", v); }

} // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo)) {
    hi = lo + 1;
  }
  const double raw = (hi - lo) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * magnitude;
  const auto first = static_cast<long long>(std::floor(lo / step + 1e-9));
  const auto last = static_cast<long long>(std::ceil(hi / step - 1e-9));
  std::vector<double> ticks;
  for (long long k = first; k <= last; ++k) {
    ticks.push_back(static_cast<double>(k) * step); // multiples of the step: no accumulated error
  }
  return ticks;
}

ChartData chart_data(const Table& table, const Chart& chart) {
  ChartData data;
  const std::size_t x_col = table.column_index(chart.x);
  std::vector<std::size_t> y_cols;
  for (const auto& key : chart.y) {
    y_cols.push_back(table.column_index(key));
  }
  const std::optional<std::size_t> group_col =
      chart.group.empty() ? std::nullopt : std::optional<std::size_t>(table.column_index(chart.group));

  std::vector<std::string> groups; // distinct group values, first-seen order
  auto series_of = [&](std::size_t g, std::size_t y) -> ChartSeries& {
    for (auto& s : data.series) {
      if (s.group_index == g && s.y_index == y) {
        return s;
      }
    }
    ChartSeries s;
    s.group_index = g;
    s.y_index = y;
    const std::string y_label = y < chart.y_labels.size() ? chart.y_labels[y] : table.columns[y_cols[y]].title;
    if (!group_col) {
      s.label = y_label;
    } else {
      s.label = chart.y.size() == 1 ? groups[g] : groups[g] + " · " + y_label;
    }
    data.series.push_back(std::move(s));
    return data.series.back();
  };

  for (const auto& row : table.rows) {
    double x = 0;
    if (chart.kind == ChartKind::bar) {
      const std::string label = text_of(row[x_col]);
      auto it = std::find(data.categories.begin(), data.categories.end(), label);
      if (it == data.categories.end()) {
        data.categories.push_back(label);
        it = data.categories.end() - 1;
      }
      x = static_cast<double>(it - data.categories.begin());
    } else if (const auto n = number_of(row[x_col])) {
      x = *n;
    } else {
      continue; // no x, nothing to place
    }
    std::size_t g = 0;
    if (group_col) {
      const std::string value = text_of(row[*group_col]);
      auto it = std::find(groups.begin(), groups.end(), value);
      if (it == groups.end()) {
        groups.push_back(value);
        it = groups.end() - 1;
      }
      g = static_cast<std::size_t>(it - groups.begin());
    }
    for (std::size_t y = 0; y < y_cols.size(); ++y) {
      if (const auto v = number_of(row[y_cols[y]])) {
        series_of(g, y).points.emplace_back(x, *v);
      }
    }
  }
  std::stable_sort(data.series.begin(), data.series.end(), [](const ChartSeries& a, const ChartSeries& b) {
    return a.group_index != b.group_index ? a.group_index < b.group_index : a.y_index < b.y_index;
  });
  return data;
}

namespace {

/// Stacked steps, one panel per group value, sharing one y scale so panels compare at a glance.
std::string render_stacked(const Table& table, const Chart& chart) {
  constexpr double k_panel_height = 200;
  constexpr double k_panel_gap = 56; // panel title and x tick labels
  const std::size_t x_col = table.column_index(chart.x);
  std::vector<std::size_t> y_cols, line_cols;
  for (const auto& key : chart.y) {
    y_cols.push_back(table.column_index(key));
  }
  for (const auto& key : chart.lines) {
    line_cols.push_back(table.column_index(key));
  }
  // An index and a flag, not an optional: GCC 12 at -O3 (Release) warns that the optional's
  // value may be used uninitialized, and -Werror stops the build.
  const bool grouped = !chart.group.empty();
  const std::size_t group_col = grouped ? table.column_index(chart.group) : 0;
  std::vector<std::string> groups;
  std::vector<std::vector<const std::vector<Cell>*>> rows_of;
  for (const auto& row : table.rows) {
    if (!number_of(row[x_col])) {
      continue;
    }
    const std::string g = grouped ? text_of(row[group_col]) : std::string{};
    auto it = std::find(groups.begin(), groups.end(), g);
    if (it == groups.end()) {
      groups.push_back(g);
      rows_of.emplace_back();
      it = groups.end() - 1;
    }
    rows_of[static_cast<std::size_t>(it - groups.begin())].push_back(&row);
  }
  if (groups.empty()) {
    groups.emplace_back();
    rows_of.emplace_back();
  }
  double x_lo = 0, x_hi = 1, y_hi = 0;
  bool any = false;
  for (const auto& rows : rows_of) {
    for (const auto* row : rows) {
      const double x = *number_of((*row)[x_col]);
      x_lo = any ? std::min(x_lo, x) : x;
      x_hi = any ? std::max(x_hi, x + 1) : x + 1;
      any = true;
      double total = 0;
      for (std::size_t c : y_cols) {
        total += std::max(0.0, number_of((*row)[c]).value_or(0));
      }
      y_hi = std::max(y_hi, total);
      for (std::size_t c : line_cols) {
        y_hi = std::max(y_hi, number_of((*row)[c]).value_or(0));
      }
    }
  }
  const std::vector<double> y_ticks = nice_ticks(0, y_hi > 0 ? y_hi : 1, 4);
  const int y_decimals = tick_decimals(y_ticks);
  const double plot_width = k_width - k_left - k_right;
  const Scale xs{x_lo, x_hi, k_left, k_left + plot_width};
  const std::size_t n_legend = y_cols.size() + line_cols.size();
  const double legend_top = k_top + static_cast<double>(groups.size()) * (k_panel_height + k_panel_gap) + 8;
  const auto per_row = static_cast<std::size_t>(std::floor((k_width - k_left) / k_legend_column));
  const double height = legend_top + static_cast<double>((n_legend + per_row - 1) / per_row) * k_line_height + 16;
  auto label_of = [&](const std::vector<std::string>& labels, std::size_t i, std::size_t col) {
    return i < labels.size() ? labels[i] : table.columns[col].title;
  };

  std::string svg;
  auto out = [&svg](std::string_view s) { svg += s; };
  out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  out(fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                  "font-family=\"sans-serif\" font-size=\"12\">\n",
                  px(k_width), px(height)));
  out(fmt::format("<title>{}</title>\n", detail::xml_escape(chart.title)));
  out(fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", px(k_width), px(height)));
  out(fmt::format("<text x=\"{}\" y=\"28\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>\n",
                  px(k_width / 2), detail::xml_escape(chart.title)));
  const auto x_ticks = nice_ticks(x_lo, x_hi, 12);
  const int x_decimals = tick_decimals(x_ticks);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double top = k_top + 18 + static_cast<double>(g) * (k_panel_height + k_panel_gap);
    const Scale ys{y_ticks.front(), y_ticks.back(), top + k_panel_height, top};
    out(fmt::format("<g class=\"panel\" data-group=\"{}\">\n", detail::xml_escape(groups[g])));
    if (!groups[g].empty()) {
      std::string heading = groups[g];
      for (const auto& [value, title] : chart.group_titles) {
        if (value == groups[g]) {
          heading = title;
        }
      }
      out(fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", px(k_left), px(top - 8),
                      detail::xml_escape(heading)));
    }
    out("<g class=\"y-axis\" stroke=\"#e0e0e0\">\n");
    for (double t : y_ticks) {
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", px(k_left), px(ys(t)),
                      px(k_left + plot_width)));
      out(fmt::format("<text x=\"{}\" y=\"{}\" stroke=\"none\" fill=\"#333333\" text-anchor=\"end\">{}</text>\n",
                      px(k_left - 6), px(ys(t) + 4), format_human_number(t, y_decimals)));
    }
    out("</g>\n");
    out(fmt::format("<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\">{1}</text>\n",
                    px(top + k_panel_height / 2), detail::xml_escape(chart.y_title)));
    // The stack: one rectangle per x and series, bottom to top in the order of chart.y.
    for (std::size_t yi = 0; yi < y_cols.size(); ++yi) {
      std::string values;
      std::string rects;
      for (const auto* row : rows_of[g]) {
        const double x = *number_of((*row)[x_col]);
        const auto v = number_of((*row)[y_cols[yi]]);
        if (!v) {
          continue; // unknown: not drawn, never as 0
        }
        double below = 0;
        for (std::size_t k = 0; k < yi; ++k) {
          below += std::max(0.0, number_of((*row)[y_cols[k]]).value_or(0));
        }
        values += (values.empty() ? "" : " ") + format_raw_number(x) + "," + format_raw_number(*v);
        if (*v > 0) {
          rects += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n", px(xs(x)), px(ys(below + *v)),
                               px(xs(x + 1) - xs(x)), px(ys(below) - ys(below + *v)));
        }
      }
      out(fmt::format("<g class=\"stack\" data-series=\"{}\" data-points=\"{}\" fill=\"{}\" stroke=\"#ffffff\" "
                      "stroke-width=\"0.5\">\n{}</g>\n",
                      detail::xml_escape(label_of(chart.y_labels, yi, y_cols[yi])), values,
                      k_palette[yi % std::size(k_palette)], rects));
    }
    // Lines over the stack, as steps: each x holds its value for one unit.
    for (std::size_t li = 0; li < line_cols.size(); ++li) {
      std::string values, points;
      for (const auto* row : rows_of[g]) {
        const double x = *number_of((*row)[x_col]);
        if (const auto v = number_of((*row)[line_cols[li]])) {
          values += (values.empty() ? "" : " ") + format_raw_number(x) + "," + format_raw_number(*v);
          points += (points.empty() ? "" : " ") + px(xs(x)) + "," + px(ys(*v)) + " " + px(xs(x + 1)) + "," + px(ys(*v));
        }
      }
      out(fmt::format("<polyline data-series=\"{}\" data-points=\"{}\" points=\"{}\" fill=\"none\" "
                      "stroke=\"#222222\" stroke-width=\"2\"{}/>\n",
                      detail::xml_escape(label_of(chart.line_labels, li, line_cols[li])), values, points,
                      *k_dashes[li % std::size(k_dashes)]
                          ? fmt::format(" stroke-dasharray=\"{}\"", k_dashes[li % std::size(k_dashes)])
                          : std::string{}));
    }
    const double axis_y = top + k_panel_height;
    out(fmt::format("<g class=\"x-axis\" fill=\"#333333\">\n<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                    "stroke=\"#333333\"/>\n",
                    px(k_left), px(axis_y), px(k_left + plot_width)));
    for (double t : x_ticks) {
      if (t < x_lo - 1e-9 || t > x_hi + 1e-9) {
        continue;
      }
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>\n", px(xs(t)),
                      px(axis_y), px(axis_y + 5)));
      out(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(xs(t)), px(axis_y + 18),
                      format_human_number(t, x_decimals)));
    }
    out("</g>\n</g>\n");
  }
  out(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(k_left + plot_width / 2),
                  px(legend_top - 14), detail::xml_escape(chart.x_title)));
  out("<g class=\"legend\">\n");
  for (std::size_t i = 0; i < n_legend; ++i) {
    const double lx = k_left + static_cast<double>(i % per_row) * k_legend_column;
    const double ly = legend_top + 10 + static_cast<double>(i / per_row) * k_line_height;
    if (i < y_cols.size()) {
      out(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"10\" fill=\"{}\"/>\n", px(lx), px(ly - 9),
                      k_palette[i % std::size(k_palette)]));
      out(fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(lx + 30), px(ly),
                      detail::xml_escape(shorten(label_of(chart.y_labels, i, y_cols[i]), k_max_label))));
    } else {
      const std::size_t li = i - y_cols.size();
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#222222\" stroke-width=\"2\"/>\n",
                      px(lx), px(ly - 4), px(lx + 24)));
      out(fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(lx + 30), px(ly),
                      detail::xml_escape(shorten(label_of(chart.line_labels, li, line_cols[li]), k_max_label))));
    }
  }
  out("</g>\n</svg>\n");
  return svg;
}

} // namespace

std::string render_svg(const Table& table, const Chart& chart) {
  if (chart.kind == ChartKind::stacked) {
    return render_stacked(table, chart);
  }
  const ChartData data = chart_data(table, chart);
  const bool bar = chart.kind == ChartKind::bar;

  // Domains: y always includes 0 (a cost axis that starts elsewhere exaggerates differences).
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 0;
  bool any = false;
  for (const auto& s : data.series) {
    for (const auto& [x, y] : s.points) {
      x_lo = any ? std::min(x_lo, x) : x;
      x_hi = any ? std::max(x_hi, x) : x;
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
      any = true;
    }
  }
  if (!bar && x_hi <= x_lo) {
    x_lo -= 1; // one x value: give the axis some width
    x_hi += 1;
  }
  const std::vector<double> y_ticks = nice_ticks(y_lo, y_hi > y_lo ? y_hi : y_lo + 1, 6);
  const Scale ys{y_ticks.front(), y_ticks.back(), k_top + k_plot_height, k_top};

  std::size_t longest_category = 0;
  for (const auto& c : data.categories) {
    longest_category = std::max(longest_category, c.size());
  }
  const double plot_width = k_width - k_left - k_right;
  const std::size_t n_categories = std::max<std::size_t>(1, data.categories.size());
  const double band = plot_width / static_cast<double>(n_categories);
  const bool rotate = bar && static_cast<double>(longest_category) * 6.5 > band;
  const double bottom = 56 + (rotate ? std::min(160.0, static_cast<double>(longest_category) * 4.6) : 0);
  const Scale xs = bar ? Scale{0, static_cast<double>(n_categories), k_left, k_left + plot_width}
                       : Scale{x_lo, x_hi, k_left, k_left + plot_width};

  const double legend_top = k_top + k_plot_height + bottom + 8;
  const auto per_row = static_cast<std::size_t>(std::floor((k_width - k_left) / k_legend_column));
  const std::size_t legend_rows = (data.series.size() + per_row - 1) / per_row;
  std::vector<const ChartMarker*> markers;
  for (const auto& m : chart.markers) {
    if (!bar && m.x >= x_lo && m.x <= x_hi && m.y >= ys.d0 && m.y <= ys.d1) {
      markers.push_back(&m);
    }
  }
  const double height = legend_top + static_cast<double>(legend_rows + markers.size()) * k_line_height + 16;

  std::string svg;
  auto out = [&svg](std::string_view s) { svg += s; };
  out("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  out(fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                  "font-family=\"sans-serif\" font-size=\"12\">\n",
                  px(k_width), px(height)));
  out(fmt::format("<title>{}</title>\n", detail::xml_escape(chart.title)));
  out(fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", px(k_width), px(height)));
  out(fmt::format("<text x=\"{}\" y=\"28\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>\n",
                  px(k_width / 2), detail::xml_escape(chart.title)));

  // Grid and y axis.
  const int y_decimals = tick_decimals(y_ticks);
  out("<g class=\"y-axis\" stroke=\"#e0e0e0\">\n");
  for (double t : y_ticks) {
    out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", px(k_left), px(ys(t)),
                    px(k_left + plot_width)));
    out(fmt::format("<text x=\"{}\" y=\"{}\" stroke=\"none\" fill=\"#333333\" text-anchor=\"end\">{}</text>\n",
                    px(k_left - 6), px(ys(t) + 4), format_human_number(t, y_decimals)));
  }
  out("</g>\n");
  out(fmt::format("<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\">{1}</text>\n",
                  px(k_top + k_plot_height / 2), detail::xml_escape(chart.y_title)));

  // X axis.
  const double axis_y = k_top + k_plot_height;
  out("<g class=\"x-axis\" fill=\"#333333\">\n");
  out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333333\"/>\n", px(k_left), px(axis_y),
                  px(k_left + plot_width)));
  if (bar) {
    for (std::size_t i = 0; i < data.categories.size(); ++i) {
      const double cx = xs(static_cast<double>(i) + 0.5);
      const std::string label = detail::xml_escape(shorten(data.categories[i], 32));
      if (rotate) {
        out(fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"end\" transform=\"rotate(-35 {0} {1})\">{2}</text>\n",
                        px(cx), px(axis_y + 14), label));
      } else {
        out(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(cx), px(axis_y + 18), label));
      }
    }
  } else {
    const auto x_ticks = nice_ticks(x_lo, x_hi, 8);
    const int x_decimals = tick_decimals(x_ticks);
    for (double t : x_ticks) {
      if (t < x_lo - 1e-9 || t > x_hi + 1e-9) {
        continue;
      }
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>\n", px(xs(t)), px(axis_y),
                      px(axis_y + 5)));
      out(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(xs(t)), px(axis_y + 18),
                      format_human_number(t, x_decimals)));
    }
  }
  out("</g>\n");
  out(fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(k_left + plot_width / 2),
                  px(axis_y + bottom - 12), detail::xml_escape(chart.x_title)));

  // Series.
  const bool by_group = !chart.group.empty();
  auto colour = [&](const ChartSeries& s, std::size_t index) {
    const std::size_t c = bar ? index : (by_group ? s.group_index : s.y_index);
    return k_palette[c % std::size(k_palette)];
  };
  auto dash = [&](const ChartSeries& s) -> std::string {
    const char* d = by_group && !bar ? k_dashes[s.y_index % std::size(k_dashes)] : "";
    return *d ? fmt::format(" stroke-dasharray=\"{}\"", d) : std::string{};
  };
  out("<g class=\"series\">\n");
  const double bar_width = band * 0.8 / static_cast<double>(std::max<std::size_t>(1, data.series.size()));
  for (std::size_t i = 0; i < data.series.size(); ++i) {
    const auto& s = data.series[i];
    std::string values;
    for (const auto& [x, y] : s.points) {
      values += (values.empty() ? "" : " ") + format_raw_number(x) + "," + format_raw_number(y);
    }
    if (bar) {
      out(fmt::format("<g data-series=\"{}\" data-points=\"{}\" fill=\"{}\">\n", detail::xml_escape(s.label), values,
                      colour(s, i)));
      for (const auto& [x, y] : s.points) {
        const double left = xs(x) + band * 0.1 + bar_width * static_cast<double>(i);
        const double top = std::min(ys(y), ys(0)), h = std::fabs(ys(y) - ys(0));
        out(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}: {}</title></rect>\n", px(left),
                        px(top), px(bar_width), px(h), detail::xml_escape(s.label), format_human_number(y, 2)));
      }
      out("</g>\n");
      continue;
    }
    std::string points;
    for (const auto& [x, y] : s.points) {
      points += (points.empty() ? "" : " ") + px(xs(x)) + "," + px(ys(y));
    }
    out(fmt::format("<polyline data-series=\"{}\" data-points=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                    "stroke-width=\"2\"{}/>\n",
                    detail::xml_escape(s.label), values, points, colour(s, i), dash(s)));
    if (s.points.size() == 1) { // a single point draws no line: show it as a dot
      out(fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>\n", px(xs(s.points[0].first)),
                      px(ys(s.points[0].second)), colour(s, i)));
    }
  }
  out("</g>\n");

  // Markers, numbered; their meaning is listed under the legend.
  out("<g class=\"markers\">\n");
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const auto& m = *markers[i];
    out(fmt::format("<circle class=\"marker\" data-x=\"{}\" data-y=\"{}\" cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"#ffffff\" "
                    "stroke=\"#000000\" stroke-width=\"1.5\"/>\n",
                    format_raw_number(m.x), format_raw_number(m.y), px(xs(m.x)), px(ys(m.y))));
    out(fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\">{}</text>\n", px(xs(m.x) + 6),
                    px(ys(m.y) - 7), i + 1));
  }
  out("</g>\n");

  // Legend: a sample of each line (or a swatch of each bar colour) and its label.
  out("<g class=\"legend\">\n");
  for (std::size_t i = 0; i < data.series.size(); ++i) {
    const auto& s = data.series[i];
    const double lx = k_left + static_cast<double>(i % per_row) * k_legend_column;
    const double ly = legend_top + static_cast<double>(i / per_row) * k_line_height;
    if (bar) {
      out(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"10\" fill=\"{}\"/>\n", px(lx), px(ly - 9),
                      colour(s, i)));
    } else {
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>\n",
                      px(lx), px(ly - 4), px(lx + 24), colour(s, i), dash(s)));
    }
    out(fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", px(lx + 30), px(ly), detail::xml_escape(shorten(s.label, k_max_label))));
  }
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const double ly = legend_top + static_cast<double>(legend_rows + i) * k_line_height;
    out(fmt::format("<text x=\"{}\" y=\"{}\"><tspan font-weight=\"bold\">({})</tspan> {}</text>\n", px(k_left), px(ly),
                    i + 1, detail::xml_escape(markers[i]->label)));
  }
  out("</g>\n</svg>\n");
  return svg;
}

void render_svg(const Report& report, const RenderOptions& options, std::ostream& out) {
  std::vector<std::string> charted;
  for (const auto& c : report.charts) {
    charted.push_back(c.table);
  }
  if (charted.empty()) {
    throw Error(ErrorKind::usage, fmt::format("--format svg: '{}' draws no chart", report.command),
                "use --format table, json, csv or markdown");
  }
  const std::string wanted = options.table.empty() ? charted.front() : options.table;
  for (const auto& c : report.charts) {
    if (c.table == wanted) {
      out << render_svg(report.table(c.table), c);
      return;
    }
  }
  throw Error(ErrorKind::usage, fmt::format("--format svg: table '{}' has no chart", wanted),
              fmt::format("tables with a chart: {}", fmt::join(charted, ", ")));
}

} // namespace tpuplan
