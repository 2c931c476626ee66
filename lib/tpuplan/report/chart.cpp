#include <tpuplan/report/chart.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/report/report.hpp>
#include <tpuplan/report/text_table.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>
#include <optional>
#include <ostream>
#include <stdexcept>

namespace tpuplan {

namespace {

// Tableau 10, reordered so that the first six (the default number of series) are the most
// distinct, and yellow (hard to read as text on white) comes late.
constexpr const char* k_palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#9c755f",
                                     "#76b7b2", "#ff9da7", "#edc948", "#bab0ac"};
constexpr const char* k_dashes[] = {"", "8 4", "2 3", "10 3 2 3", "4 4", "12 2"};

constexpr double k_width = 960;
constexpr double k_legend_column = 300;
constexpr double k_line_height = 18;
constexpr std::size_t k_max_label = 40;
// Text extents are estimated, so placement keeps clear of them: advances rounded up from DejaVu
// Sans (text_width), 0.64 em for the average character when wrapping (k_em), and a line box
// from 0.95 em above the baseline to 0.25 em below.
constexpr double k_em = 0.64;
constexpr double k_ascent = 0.95;
constexpr double k_descent = 0.25;

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

bool starts_code_point(char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), starts_code_point));
}

/// Shortens a label to `max` code points, ending with "…" (UTF-8 aware).
std::string shorten(const std::string& s, std::size_t max) {
  if (code_points(s) <= max) {
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

/// Advance of one code point in em, rounded up from DejaVu Sans (Debian's sans-serif).
double advance(char32_t c) {
  if (c == ' ') return 0.32;
  if (c == 'i' || c == 'j' || c == 'l' || c == 'I' || c == 'J' || c == '\'' || c == '|') return 0.30;
  if (c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == 0x00B7) return 0.34;
  if (c == 'f' || c == 't' || c == 'r' || c == '(' || c == ')' || c == '[' || c == ']' || c == '/' || c == '-') {
    return 0.42;
  }
  if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@') return 1.0;
  if (c >= 'A' && c <= 'Z') return 0.80;
  return c < 0x80 ? 0.64 : 1.0; // digits and other lower case; anything else a full em
}

double text_width(std::string_view s, double font, bool bold = false) {
  double em = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b : (b & (0x7F >> n));
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k) {
      c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    em += advance(c);
    i += n;
  }
  return em * font * (bold ? 1.1 : 1.0);
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

  // A flag and an index rather than std::optional: GCC 12 at -O3 in the unity build reports the
  // optional's value as maybe-uninitialized (a false positive, but warnings are errors).
  const bool has_point_labels = !chart.point_label.empty();
  const std::size_t label_col = has_point_labels ? table.column_index(chart.point_label) : 0;
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
        auto& s = series_of(g, y);
        s.points.emplace_back(x, *v);
        if (has_point_labels) {
          s.point_labels.push_back(text_of(row[label_col]));
        }
      }
    }
  }
  std::stable_sort(data.series.begin(), data.series.end(), [](const ChartSeries& a, const ChartSeries& b) {
    return a.group_index != b.group_index ? a.group_index < b.group_index : a.y_index < b.y_index;
  });
  return data;
}

namespace {

struct Box {
  double x0, y0, x1, y1;
};

bool overlap(const Box& a, const Box& b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }
bool inside(const Box& a, const Box& area) {
  return a.x0 >= area.x0 && a.x1 <= area.x1 && a.y0 >= area.y0 && a.y1 <= area.y1;
}

enum class Anchor { start, middle, end };

Box text_box(double x, double baseline, std::string_view s, double font, Anchor a, bool bold = false) {
  const double w = text_width(s, font, bold);
  const double x0 = a == Anchor::start ? x : a == Anchor::middle ? x - w / 2 : x - w;
  return {x0, baseline - font * k_ascent, x0 + w, baseline + font * k_descent};
}

/// The SVG being written, and the boxes of what is on it, so that labels are placed where
/// nothing else is.
class Canvas {
public:
  void raw(std::string_view s) { m_body += s; }
  void reserve(const Box& b) { m_taken.push_back(b); }
  bool is_free(const Box& b, const Box& area) const {
    if (!inside(b, area)) {
      return false;
    }
    const Box padded{b.x0 - 1, b.y0 - 1, b.x1 + 1, b.y1 + 1};
    return std::none_of(m_taken.begin(), m_taken.end(), [&](const Box& t) { return overlap(padded, t); });
  }
  /// A <text> at (x, baseline); `attrs` go into its tag (fill, font-weight, …).
  void text(double x, double y, std::string_view s, double font, Anchor a, std::string_view attrs = {},
            bool bold = false) {
    reserve(text_box(x, y, s, font, a, bold));
    m_body += fmt::format("<text x=\"{}\" y=\"{}\"{}{}{}>{}</text>\n", px(x), px(y),
                          font == 12 ? std::string{} : fmt::format(" font-size=\"{}\"", font),
                          a == Anchor::start ? "" : a == Anchor::middle ? " text-anchor=\"middle\"" : " text-anchor=\"end\"",
                          attrs.empty() ? std::string{} : " " + std::string(attrs), detail::xml_escape(s));
  }
  /// A y axis title, turned a quarter left, centred on `cy`.
  void vertical_text(double x, double cy, std::string_view s, double font) {
    const double w = text_width(s, font);
    reserve({x - font * k_ascent, cy - w / 2, x + font * k_descent, cy + w / 2});
    m_body += fmt::format("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" transform=\"rotate(-90 {0} {1})\">{2}</text>\n",
                          px(x), px(cy), detail::xml_escape(s));
  }
  /// Places `s` at the first candidate (x, baseline, anchor) where it is clear; returns its box.
  std::optional<Box> place(std::string_view s, double font, bool bold,
                           const std::vector<std::tuple<double, double, Anchor>>& candidates, const Box& area,
                           std::string_view attrs) {
    for (const auto& [x, y, a] : candidates) {
      const Box b = text_box(x, y, s, font, a, bold);
      if (is_free(b, area)) {
        text(x, y, s, font, a, attrs, bold);
        return b;
      }
    }
    return std::nullopt;
  }
  std::string document(const Chart& chart, double height, std::string_view root_attrs) const {
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                       "font-family=\"sans-serif\" font-size=\"12\"{2}>\n",
                       px(k_width), px(height), root_attrs);
    svg += fmt::format("<title>{}</title>\n", detail::xml_escape(chart.title));
    svg += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", px(k_width), px(height));
    svg += m_body;
    svg += "</svg>\n";
    return svg;
  }

private:
  std::string m_body;
  std::vector<Box> m_taken;
};

/// `s` wrapped at phrases into lines whose estimated width is at most `room` pixels.
std::vector<std::string> wrap_to(const std::string& s, double room, double font, bool bold = false) {
  auto chars = static_cast<std::size_t>(std::max(1.0, room / (font * k_em * (bold ? 1.1 : 1.0))));
  while (true) {
    auto lines = detail::wrap_phrases(s, chars);
    const bool fits = std::all_of(lines.begin(), lines.end(),
                                  [&](const std::string& l) { return text_width(l, font, bold) <= room; });
    if (fits || chars <= 8) {
      return lines;
    }
    chars -= std::max<std::size_t>(1, chars / 20);
  }
}

/// Title (bold, wrapped at phrases) and subtitle (what was drawn: model, workload, options);
/// returns the y where the chart's content starts.
double draw_header(Canvas& c, const Chart& chart) {
  double y = 28;
  for (const auto& line : wrap_to(chart.title, k_width - 40, 16, true)) {
    c.text(k_width / 2, y, line, 16, Anchor::middle, "font-weight=\"bold\"", true);
    y += 20;
  }
  if (!chart.subtitle.empty()) {
    for (const auto& line : wrap_to(chart.subtitle, k_width - 40, 12)) {
      c.text(k_width / 2, y, line, 12, Anchor::middle, "fill=\"#555555\"");
      y += 16;
    }
  }
  return y + 4;
}

/// Lines of text under the chart, wrapped at phrases to the width; returns the next baseline.
double draw_paragraph(Canvas& c, double x, double y, const std::string& s, double font, std::string_view attrs) {
  for (const auto& line : wrap_to(s, k_width - x - 20, font)) {
    c.text(x, y, line, font, Anchor::start, attrs);
    y += font * 1.45;
  }
  return y;
}

/// A y (or bar-length) axis: linear from 0, or logarithmic when the positive values span more
/// than 10× (a $65k line must not flatten twenty $2k lines into the bottom sixth).
struct ValueScale {
  bool log = false;
  double d0 = 0, d1 = 1, p0 = 0, p1 = 1;
  std::vector<double> ticks;
  double operator()(double v) const {
    if (log) {
      return p0 + (std::log10(v) - std::log10(d0)) / (std::log10(d1) - std::log10(d0)) * (p1 - p0);
    }
    return p0 + (v - d0) / (d1 - d0) * (p1 - p0);
  }
  bool drawable(double v) const { return !log || v > 0; }
  std::string tick_text(double t) const {
    if (!log) {
      return format_human_number(t, tick_decimals(ticks));
    }
    return format_human_number(t, t >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(t) - 1e-9)));
  }
};

ValueScale value_scale(const std::vector<double>& values, double p0, double p1, int count) {
  ValueScale s;
  s.p0 = p0;
  s.p1 = p1;
  double lo = 0, hi = 0, pos_lo = 0, pos_hi = 0;
  bool negative = false;
  for (double v : values) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    negative = negative || v < 0;
    if (v > 0) {
      pos_lo = pos_lo > 0 ? std::min(pos_lo, v) : v;
      pos_hi = std::max(pos_hi, v);
    }
  }
  if (!negative && pos_lo > 0 && pos_hi / pos_lo > 10) {
    s.log = true;
    // The 1-2-5 sequence around the values; past 2.5 decades only the powers of ten are ticked.
    const int k0 = static_cast<int>(std::floor(std::log10(pos_lo) + 1e-9));
    const int k1 = static_cast<int>(std::ceil(std::log10(pos_hi) - 1e-9));
    std::vector<double> seq;
    for (int k = k0; k <= k1; ++k) {
      for (double m : {1.0, 2.0, 5.0}) {
        seq.push_back(m * std::pow(10.0, k));
      }
    }
    s.d0 = seq.front();
    s.d1 = seq.back();
    for (double v : seq) {
      if (v <= pos_lo * (1 + 1e-9)) {
        s.d0 = v;
      }
    }
    for (auto it = seq.rbegin(); it != seq.rend(); ++it) {
      if (*it >= pos_hi * (1 - 1e-9)) {
        s.d1 = *it;
      }
    }
    const bool dense = std::log10(s.d1 / s.d0) <= 2.5;
    for (double v : seq) {
      const double mantissa = v / std::pow(10.0, std::floor(std::log10(v) + 1e-9));
      if (v >= s.d0 * (1 - 1e-9) && v <= s.d1 * (1 + 1e-9) &&
          (dense || std::fabs(mantissa - 1) < 1e-6 || v == s.d0 || v == s.d1)) {
        s.ticks.push_back(v);
      }
    }
    return s;
  }
  s.ticks = nice_ticks(lo, hi > lo ? hi : lo + 1, count);
  s.d0 = s.ticks.front();
  s.d1 = s.ticks.back();
  return s;
}

std::string dash_attr(std::size_t i) {
  const char* d = k_dashes[i % std::size(k_dashes)];
  return *d ? fmt::format(" stroke-dasharray=\"{}\"", d) : std::string{};
}

/// Candidate spots for a short label beside a point: the four diagonals, then above and below,
/// at growing distances.
std::vector<std::tuple<double, double, Anchor>> around(double cx, double cy, std::initializer_list<double> distances) {
  std::vector<std::tuple<double, double, Anchor>> out;
  for (double d : distances) {
    out.emplace_back(cx + d, cy - d + 2, Anchor::start);
    out.emplace_back(cx + d, cy + d + 9, Anchor::start);
    out.emplace_back(cx - d, cy - d + 2, Anchor::end);
    out.emplace_back(cx - d, cy + d + 9, Anchor::end);
    out.emplace_back(cx, cy - d - 3, Anchor::middle);
    out.emplace_back(cx, cy + d + 12, Anchor::middle);
  }
  return out;
}

/// Baselines for labels wanted at `want` (sorted or not), at least `gap` apart, within [lo, hi].
std::vector<double> spread(const std::vector<double>& want, double gap, double lo, double hi) {
  std::vector<std::size_t> order(want.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return want[a] < want[b]; });
  std::vector<double> y(want.size());
  double prev = lo - gap;
  for (std::size_t i : order) {
    y[i] = std::max(want[i], prev + gap);
    prev = y[i];
  }
  double next = hi + gap;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    y[*it] = std::min(y[*it], next - gap);
    next = y[*it];
  }
  return y;
}

std::string hidden_note(std::size_t shown, std::size_t total, std::string_view what) {
  return fmt::format("{} of {} {} drawn, the cheapest (lowest); --series all draws every one, --series N the N "
                     "cheapest; the table lists them all",
                     shown, total, what);
}

/// The note of a chart drawn in whole groups (an option's tiers), `group` the group column's title.
std::string hidden_groups_note(std::size_t shown, std::size_t total, std::string_view group) {
  return fmt::format("{} of {} series drawn, a whole {} at a time: those with a crossover first, then the cheapest; "
                     "--series all draws every one, --series N up to N; the table lists them all",
                     shown, total, group);
}

/// Lines over a numeric x axis, in one or more panels stacked over one x range.
std::string render_lines(const Table& table, const Chart& chart, std::size_t max_series) {
  const ChartData data = chart_data(table, chart);
  auto panel_of = [&](const ChartSeries& s) {
    return s.y_index < chart.y_panels.size() ? chart.y_panels[s.y_index] : std::size_t{0};
  };
  std::size_t n_panels = 1;
  for (const auto& s : data.series) {
    n_panels = std::max(n_panels, panel_of(s) + 1);
  }
  // The series drawn in each panel: the `max_series` lowest by mean value, kept in table order.
  // Where rows are grouped and a group has several y columns in the panel (an option's tiers),
  // whole groups are drawn, cheapest first by their lowest series, as many as fit in
  // `max_series`: an option's commitment crosses its own on-demand line, so a chart of the six
  // cheapest lines (often all spot) showed no crossover at all.
  std::vector<std::vector<std::size_t>> shown(n_panels);
  std::size_t n_shown = 0;
  bool in_groups = false; // some panel was cut to whole groups
  for (std::size_t p = 0; p < n_panels; ++p) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i = 0; i < data.series.size(); ++i) {
      if (panel_of(data.series[i]) == p && !data.series[i].points.empty()) {
        double sum = 0;
        for (const auto& pt : data.series[i].points) {
          sum += pt.second;
        }
        ranked.emplace_back(sum / static_cast<double>(data.series[i].points.size()), i);
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::size_t> groups; // group indices, cheapest first
    std::vector<std::size_t> group_size;
    for (const auto& r : ranked) {
      const std::size_t g = data.series[r.second].group_index;
      const auto it = std::find(groups.begin(), groups.end(), g);
      if (it == groups.end()) {
        groups.push_back(g);
        group_size.push_back(1);
      } else {
        ++group_size[static_cast<std::size_t>(it - groups.begin())];
      }
    }
    const bool by_whole_groups = !chart.group.empty() && ranked.size() > groups.size();
    if (max_series > 0 && ranked.size() > max_series && by_whole_groups) {
      // Groups with a crossover marker on them first (the crossing is what the chart is for;
      // an option without commitment prices has none), then the cheapest; each group taken
      // when it still fits.
      std::vector<bool> crossing(groups.size(), false);
      for (const auto& m : chart.markers) {
        for (const ChartSeries& cs : data.series) {
          const auto k = std::find(groups.begin(), groups.end(), cs.group_index);
          if (k != groups.end() && std::find(m.series.begin(), m.series.end(), cs.label) != m.series.end()) {
            crossing[static_cast<std::size_t>(k - groups.begin())] = true;
          }
        }
      }
      std::vector<std::size_t> order(groups.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::stable_partition(order.begin(), order.end(), [&](std::size_t k) { return crossing[k]; });
      std::vector<std::size_t> taken;
      std::size_t total = 0;
      for (std::size_t k : order) {
        if (total + group_size[k] <= max_series) {
          taken.push_back(groups[k]);
          total += group_size[k];
        }
      }
      if (taken.empty()) {
        ranked.resize(max_series); // one group alone is more than asked for: its cheapest series
      } else {
        in_groups = true;
        std::erase_if(ranked, [&](const auto& r) {
          return std::find(taken.begin(), taken.end(), data.series[r.second].group_index) == taken.end();
        });
      }
    } else if (max_series > 0 && ranked.size() > max_series) {
      ranked.resize(max_series);
    }
    for (const auto& r : ranked) {
      shown[p].push_back(r.second);
    }
    std::sort(shown[p].begin(), shown[p].end());
    n_shown += shown[p].size();
  }
  // A series with the very points of one drawn before it would hide under it: it is drawn once,
  // named by both ("spot · TPU = cheapest · TPU").
  std::vector<std::string> names(data.series.size());
  std::vector<std::string> merged; // labels of series drawn as another
  for (std::size_t i = 0; i < data.series.size(); ++i) {
    names[i] = data.series[i].label;
  }
  for (auto& ids : shown) {
    std::vector<std::size_t> kept;
    for (std::size_t i : ids) {
      const auto same = std::find_if(kept.begin(), kept.end(),
                                     [&](std::size_t k) { return data.series[k].points == data.series[i].points; });
      if (same != kept.end() && !data.series[i].points.empty()) {
        names[*same] += " = " + data.series[i].label;
        merged.push_back(data.series[i].label);
      } else {
        kept.push_back(i);
      }
    }
    ids = std::move(kept);
  }
  auto is_shown = [&](const std::string& label) {
    if (std::find(merged.begin(), merged.end(), label) != merged.end()) {
      return true;
    }
    for (const auto& ids : shown) {
      for (std::size_t i : ids) {
        if (data.series[i].label == label) {
          return true;
        }
      }
    }
    return false;
  };
  // Colour by group (each group drawn gets the next colour), dash by the y column within its panel.
  const bool by_group = !chart.group.empty();
  std::vector<std::size_t> colour_of(data.series.size()), dash_of(data.series.size());
  {
    std::vector<std::size_t> groups_seen;
    for (const auto& ids : shown) {
      std::vector<std::size_t> ys_seen;
      for (std::size_t i : ids) {
        const auto& s = data.series[i];
        auto rank = [](std::vector<std::size_t>& seen, std::size_t v) {
          auto it = std::find(seen.begin(), seen.end(), v);
          if (it == seen.end()) {
            seen.push_back(v);
            it = seen.end() - 1;
          }
          return static_cast<std::size_t>(it - seen.begin());
        };
        const std::size_t y_rank = rank(ys_seen, s.y_index);
        colour_of[i] = by_group ? rank(groups_seen, s.group_index) : y_rank;
        dash_of[i] = by_group ? y_rank : 0;
      }
    }
  }
  auto colour = [&](std::size_t i) { return k_palette[colour_of[i] % std::size(k_palette)]; };

  Canvas c;
  double y = draw_header(c, chart);

  // x range of what is drawn.
  double x_lo = 0, x_hi = 1;
  bool any = false;
  for (const auto& ids : shown) {
    for (std::size_t i : ids) {
      for (const auto& pt : data.series[i].points) {
        x_lo = any ? std::min(x_lo, pt.first) : pt.first;
        x_hi = any ? std::max(x_hi, pt.first) : pt.first;
        any = true;
      }
    }
  }
  if (x_hi <= x_lo) {
    x_lo -= 1; // one x value: give the axis some width
    x_hi += 1;
  }
  std::vector<const ChartMarker*> markers;
  for (const auto& m : chart.markers) {
    const bool on_shown = std::all_of(m.series.begin(), m.series.end(), is_shown);
    if (on_shown && m.x >= x_lo && m.x <= x_hi) {
      markers.push_back(&m);
    }
  }

  // Panels and their value scales.
  const double panel_height = n_panels == 1 ? 360 : 230;
  constexpr double k_panel_gap = 58; // x tick labels, then the next panel's top labels
  std::vector<ValueScale> scales;
  std::vector<double> tops;
  double widest_tick = 0;
  for (std::size_t p = 0; p < n_panels; ++p) {
    const double top = y + 10 + static_cast<double>(p) * (panel_height + k_panel_gap);
    tops.push_back(top);
    std::vector<double> values;
    for (std::size_t i : shown[p]) {
      for (const auto& pt : data.series[i].points) {
        values.push_back(pt.second);
      }
    }
    if (p == 0) {
      for (const auto* m : markers) {
        values.push_back(m->y);
      }
    }
    scales.push_back(value_scale(values, top + panel_height, top, 6));
    for (double t : scales.back().ticks) {
      widest_tick = std::max(widest_tick, text_width(scales.back().tick_text(t), 11));
    }
  }
  // Direct labels at the line ends when each panel's labels fit its height; else a legend.
  std::vector<std::string> labels(data.series.size());
  double widest_label = 0;
  bool direct = true;
  for (std::size_t p = 0; p < n_panels; ++p) {
    direct = direct && static_cast<double>(shown[p].size()) * 14 <= panel_height + 20;
    for (std::size_t i : shown[p]) {
      labels[i] = shorten(names[i], 48);
      widest_label = std::max(widest_label, text_width(labels[i], 11));
    }
  }
  const double left = std::max(70.0, 36 + widest_tick + 10);
  const double right = k_width - (direct ? 22 + widest_label + 8 : 30);
  const Scale xs{x_lo, x_hi, left, right};
  const auto x_ticks = nice_ticks(x_lo, x_hi, 8);
  const int x_decimals = tick_decimals(x_ticks);

  std::string root_attrs;
  for (std::size_t p = 0; p < n_panels; ++p) {
    const ValueScale& ys = scales[p];
    const double top = tops[p], bottom = top + panel_height;
    const Box plot{left, top - 6, right, bottom};
    c.raw(fmt::format("<g class=\"panel\" data-scale=\"{}\">\n", ys.log ? "log" : "linear"));
    // Grid and y ticks.
    c.raw("<g class=\"y-axis\" stroke=\"#e0e0e0\">\n");
    for (double t : ys.ticks) {
      c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", px(left), px(ys(t)), px(right)));
    }
    c.raw("</g>\n<g class=\"y-ticks\" fill=\"#333333\">\n");
    for (double t : ys.ticks) {
      const std::string label = ys.tick_text(t);
      if (c.is_free(text_box(left - 6, ys(t) + 4, label, 11, Anchor::end), {0, 0, left, bottom + 20})) {
        c.text(left - 6, ys(t) + 4, label, 11, Anchor::end);
      }
    }
    c.raw("</g>\n");
    std::string y_title = p < chart.panel_titles.size() ? chart.panel_titles[p] : chart.y_title;
    if (ys.log) {
      y_title += ", log scale";
    }
    c.vertical_text(18, top + panel_height / 2, shorten(y_title, static_cast<std::size_t>(panel_height / (12 * k_em))), 12);
    // x axis.
    c.raw(fmt::format("<g class=\"x-axis\" fill=\"#333333\">\n<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                      "stroke=\"#333333\"/>\n",
                      px(left), px(bottom), px(right)));
    for (double t : x_ticks) {
      if (t < x_lo - 1e-9 || t > x_hi + 1e-9) {
        continue;
      }
      c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>\n", px(xs(t)),
                        px(bottom), px(bottom + 5)));
      const std::string label = format_human_number(t, x_decimals);
      if (c.is_free(text_box(xs(t), bottom + 18, label, 11, Anchor::middle), {0, bottom, k_width, bottom + 30})) {
        c.text(xs(t), bottom + 18, label, 11, Anchor::middle);
      }
    }
    c.raw("</g>\n");

    // The lines; a point a log scale cannot place (≤ 0) is left out, never drawn at the floor.
    c.raw("<g class=\"series\">\n");
    std::vector<double> end_want;
    std::vector<std::pair<double, double>> ends;
    std::vector<std::size_t> ended;
    for (std::size_t i : shown[p]) {
      const auto& s = data.series[i];
      std::string values, points;
      std::vector<std::pair<double, double>> drawn;
      for (const auto& [x, v] : s.points) {
        if (!ys.drawable(v)) {
          continue;
        }
        values += (values.empty() ? "" : " ") + format_raw_number(x) + "," + format_raw_number(v);
        points += (points.empty() ? "" : " ") + px(xs(x)) + "," + px(ys(v));
        drawn.emplace_back(xs(x), ys(v));
      }
      if (drawn.empty()) {
        continue;
      }
      c.raw(fmt::format("<polyline data-series=\"{}\" data-points=\"{}\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
                        "stroke-width=\"2\"{}/>\n",
                        detail::xml_escape(s.label), values, points, colour(i), dash_attr(dash_of[i])));
      if (!chart.point_label.empty() || drawn.size() == 1) {
        for (const auto& [cx, cy] : drawn) {
          c.raw(fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>\n", px(cx), px(cy), colour(i)));
          c.reserve({cx - 3.5, cy - 3.5, cx + 3.5, cy + 3.5});
        }
      }
      ends.push_back(drawn.back());
      end_want.push_back(drawn.back().second + 4);
      ended.push_back(i);
    }
    c.raw("</g>\n");

    // Each line named at its end, the names spread apart and tied to their lines.
    if (direct && !ended.empty()) {
      c.raw("<g class=\"line-labels\">\n");
      const auto at = spread(end_want, 14, top + 4, bottom + 4);
      for (std::size_t k = 0; k < ended.size(); ++k) {
        const std::size_t i = ended[k];
        c.raw(fmt::format("<path class=\"leader\" d=\"M{},{} L{},{} L{},{}\" fill=\"none\" stroke=\"{}\" "
                          "stroke-width=\"1\" stroke-opacity=\"0.6\"/>\n",
                          px(ends[k].first + 4), px(ends[k].second), px(right + 8), px(ends[k].second),
                          px(right + 18), px(at[k] - 4), colour(i)));
        c.text(right + 22, at[k], labels[i], 11, Anchor::start, fmt::format("fill=\"{}\"", colour(i)));
      }
      c.raw("</g>\n");
    }

    // Crossover markers (first panel), numbered beside the point where the number is clear.
    if (p == 0 && !markers.empty()) {
      c.raw("<g class=\"markers\">\n");
      for (const auto* m : markers) {
        if (ys.drawable(m->y)) {
          c.reserve({xs(m->x) - 5, ys(m->y) - 5, xs(m->x) + 5, ys(m->y) + 5});
        }
      }
      for (std::size_t k = 0; k < markers.size(); ++k) {
        const auto& m = *markers[k];
        if (!ys.drawable(m.y)) {
          continue;
        }
        const double cx = xs(m.x), cy = ys(m.y);
        c.raw(fmt::format("<circle class=\"marker\" data-x=\"{}\" data-y=\"{}\" cx=\"{}\" cy=\"{}\" r=\"5\" "
                          "fill=\"#ffffff\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n",
                          format_raw_number(m.x), format_raw_number(m.y), px(cx), px(cy)));
        const std::string number = std::to_string(k + 1);
        if (const auto b = c.place(number, 11, true, around(cx, cy, {7, 14, 24, 38, 56}), plot, "font-weight=\"bold\"")) {
          const double bx = std::clamp(cx, b->x0, b->x1), by = std::clamp(cy, b->y0, b->y1);
          if (std::hypot(bx - cx, by - cy) > 12) { // far from its point: a thin leader line
            c.raw(fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#000000\" stroke-width=\"0.75\"/>\n",
                              px(cx), px(cy), px(bx), px(by)));
          }
        }
      }
      c.raw("</g>\n");
    }

    // Point labels (the load level of each bench point) on the panel's first y column.
    if (!chart.point_label.empty()) {
      c.raw("<g class=\"point-labels\" fill=\"#333333\">\n");
      std::optional<std::size_t> first_y;
      for (std::size_t i : shown[p]) {
        first_y = first_y ? std::min(*first_y, data.series[i].y_index) : data.series[i].y_index;
      }
      for (std::size_t i : shown[p]) {
        const auto& s = data.series[i];
        if (s.y_index != *first_y) {
          continue;
        }
        for (std::size_t k = 0; k < s.points.size() && k < s.point_labels.size(); ++k) {
          if (ys.drawable(s.points[k].second) && !s.point_labels[k].empty()) {
            c.place(shorten(s.point_labels[k], 24), 10, false,
                    around(xs(s.points[k].first), ys(s.points[k].second), {6, 12, 20}), plot, {});
          }
        }
      }
      c.raw("</g>\n");
    }
    c.raw("</g>\n");
  }
  const double last_bottom = tops.back() + panel_height;
  c.text((left + right) / 2, last_bottom + 38, chart.x_title, 12, Anchor::middle);
  y = last_bottom + 62;

  // A legend when the names do not fit at the line ends.
  if (!direct) {
    c.raw("<g class=\"legend\">\n");
    const auto per_row = static_cast<std::size_t>(std::floor((k_width - left) / k_legend_column));
    std::size_t n = 0;
    for (const auto& ids : shown) {
      for (std::size_t i : ids) {
        const double lx = left + static_cast<double>(n % per_row) * k_legend_column;
        const double ly = y + static_cast<double>(n / per_row) * k_line_height;
        c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"{4}/>\n",
                          px(lx), px(ly - 4), px(lx + 24), colour(i), dash_attr(dash_of[i])));
        c.text(lx + 30, ly, shorten(names[i], k_max_label), 11, Anchor::start);
        ++n;
      }
    }
    c.raw("</g>\n");
    y += static_cast<double>((n + per_row - 1) / per_row) * k_line_height + 6;
  }
  // What each marker number means.
  for (std::size_t k = 0; k < markers.size(); ++k) {
    y = draw_paragraph(c, left, y, fmt::format("({}) {}", k + 1, markers[k]->label), 12, {}) + 2;
  }
  if (n_shown < data.series.size()) {
    const std::string note = in_groups ? hidden_groups_note(n_shown, data.series.size(),
                                                            table.columns[table.column_index(chart.group)].title)
                                       : hidden_note(n_shown, data.series.size(), "series");
    y = draw_paragraph(c, left, y + 4, note, 11, "fill=\"#555555\"");
  }
  root_attrs = fmt::format(" data-scale=\"{}\"", scales.front().log ? "log" : "linear");
  return c.document(chart, y + 8, root_attrs);
}

/// Grouped bars laid on their side: one row of bars per category (an option), one bar per series
/// (a tier), so that long option names read horizontally; "n/a" where a bar has no value.
std::string render_bars(const Table& table, const Chart& chart, std::size_t max_series) {
  const ChartData data = chart_data(table, chart);
  const std::size_t n_cat = data.categories.size(), n_series = data.series.size();
  std::vector<std::vector<std::optional<double>>> value(n_cat, std::vector<std::optional<double>>(n_series));
  for (std::size_t s = 0; s < n_series; ++s) {
    for (const auto& [x, v] : data.series[s].points) {
      value[static_cast<std::size_t>(x)][s] = v;
    }
  }
  // The categories drawn: the `max_series` with the cheapest bar, in table order.
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t k = 0; k < n_cat; ++k) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& v : value[k]) {
      best = v ? std::min(best, *v) : best;
    }
    ranked.emplace_back(best, k);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (max_series > 0 && ranked.size() > max_series) {
    ranked.resize(max_series);
  }
  std::vector<std::size_t> cats;
  for (const auto& r : ranked) {
    cats.push_back(r.second);
  }
  std::sort(cats.begin(), cats.end());

  Canvas c;
  double y = draw_header(c, chart);
  // Legend, one row: a swatch and the name of each series.
  {
    double w = 0;
    for (const auto& s : data.series) {
      w += 18 + text_width(s.label, 12) + 22;
    }
    double lx = std::max(20.0, (k_width - w) / 2);
    c.raw("<g class=\"legend\">\n");
    for (std::size_t s = 0; s < n_series; ++s) {
      c.raw(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", px(lx), px(y + 4),
                        k_palette[s % std::size(k_palette)]));
      c.text(lx + 18, y + 14, data.series[s].label, 12, Anchor::start);
      lx += 18 + text_width(data.series[s].label, 12) + 22;
    }
    c.raw("</g>\n");
    y += 30;
  }
  std::vector<double> values;
  double widest = 0;
  for (std::size_t k : cats) {
    widest = std::max(widest, text_width(shorten(data.categories[k], 36), 12));
    for (const auto& v : value[k]) {
      if (v) {
        values.push_back(*v);
      }
    }
  }
  constexpr double k_bar = 13, k_pitch = 15, k_band_gap = 14;
  const double band = static_cast<double>(n_series) * k_pitch + k_band_gap;
  const double left = 16 + widest + 10, right = k_width - 80;
  const double top = y, bottom = top + band * static_cast<double>(cats.size());
  const ValueScale xs = value_scale(values, left, right, 6);
  const double base = xs.d0 > 0 && xs.log ? xs.d0 : 0;
  const double x0 = xs.log ? left : xs(0);

  c.raw("<g class=\"x-axis\" fill=\"#333333\">\n");
  for (double t : xs.ticks) {
    c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e0e0e0\"/>\n", px(xs(t)), px(top),
                      px(bottom)));
    const std::string label = xs.tick_text(t);
    if (c.is_free(text_box(xs(t), bottom + 18, label, 11, Anchor::middle), {0, bottom, k_width, bottom + 30})) {
      c.text(xs(t), bottom + 18, label, 11, Anchor::middle);
    }
  }
  c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333333\"/>\n", px(left), px(bottom),
                    px(right)));
  c.raw(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>\n", px(x0), px(top),
                    px(bottom)));
  c.raw("</g>\n");
  for (std::size_t row = 0; row < cats.size(); ++row) {
    const double band_top = top + static_cast<double>(row) * band + k_band_gap / 2;
    c.text(left - 8, band_top + static_cast<double>(n_series) * k_pitch / 2 + 4, shorten(data.categories[cats[row]], 36),
           12, Anchor::end);
  }
  for (std::size_t s = 0; s < n_series; ++s) {
    std::string values_attr;
    for (const auto& [x, v] : data.series[s].points) {
      values_attr += (values_attr.empty() ? "" : " ") + format_raw_number(x) + "," + format_raw_number(v);
    }
    c.raw(fmt::format("<g data-series=\"{}\" data-points=\"{}\" fill=\"{}\">\n", detail::xml_escape(data.series[s].label),
                      values_attr, k_palette[s % std::size(k_palette)]));
    for (std::size_t row = 0; row < cats.size(); ++row) {
      const double by = top + static_cast<double>(row) * band + k_band_gap / 2 + static_cast<double>(s) * k_pitch;
      const auto& v = value[cats[row]][s];
      if (!v) {
        continue;
      }
      const double from = xs.log ? left : xs(0), to = xs.drawable(*v) ? xs(std::max(*v, base)) : left;
      c.raw(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} · {}: {}</title></rect>\n",
                        px(std::min(from, to)), px(by), px(std::fabs(to - from)), px(k_bar),
                        detail::xml_escape(data.categories[cats[row]]), detail::xml_escape(data.series[s].label),
                        format_human_number(*v, 2)));
    }
    c.raw("</g>\n");
  }
  // Each bar's value at its end; a missing one says so where its bar would be.
  c.raw("<g class=\"values\" fill=\"#333333\">\n");
  for (std::size_t row = 0; row < cats.size(); ++row) {
    for (std::size_t s = 0; s < n_series; ++s) {
      const double by = top + static_cast<double>(row) * band + k_band_gap / 2 + static_cast<double>(s) * k_pitch;
      const auto& v = value[cats[row]][s];
      if (v) {
        const double end = xs.drawable(*v) ? xs(std::max(*v, base)) : left;
        c.text(std::max(end, x0) + 4, by + k_bar - 3, format_human_number(*v, 0), 10, Anchor::start);
      } else {
        c.text(x0 + 4, by + k_bar - 3, "n/a", 10, Anchor::start, "fill=\"#777777\" font-style=\"italic\"");
      }
    }
  }
  c.raw("</g>\n");
  std::string x_title = chart.y_title;
  if (xs.log) {
    x_title += ", log scale";
  }
  c.text((left + right) / 2, bottom + 38, x_title, 12, Anchor::middle);
  y = bottom + 62;
  if (cats.size() < n_cat) {
    y = draw_paragraph(c, 20, y, hidden_note(cats.size(), n_cat, "options"), 11, "fill=\"#555555\"");
  }
  return c.document(chart, y + 4, fmt::format(" data-scale=\"{}\"", xs.log ? "log" : "linear"));
}

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
  constexpr double k_left = 90, k_right = 30;
  const int y_decimals = tick_decimals(y_ticks);
  const double plot_width = k_width - k_left - k_right;
  const Scale xs{x_lo, x_hi, k_left, k_left + plot_width};
  const std::size_t n_legend = y_cols.size() + line_cols.size();
  const auto per_row = static_cast<std::size_t>(std::floor((k_width - k_left) / k_legend_column));
  auto label_of = [&](const std::vector<std::string>& labels, std::size_t i, std::size_t col) {
    return i < labels.size() ? labels[i] : table.columns[col].title;
  };
  Canvas c;
  auto out = [&c](std::string_view s) { c.raw(s); };
  const double k_top = draw_header(c, chart);
  // Under the last panel's x tick labels: the x axis title, then the legend.
  const double legend_top = k_top + static_cast<double>(groups.size()) * (k_panel_height + k_panel_gap) + 24;
  const double height = legend_top + static_cast<double>((n_legend + per_row - 1) / per_row) * k_line_height + 16;
  const auto x_ticks = nice_ticks(x_lo, x_hi, 12);
  const int x_decimals = tick_decimals(x_ticks);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double top = k_top + 22 + static_cast<double>(g) * (k_panel_height + k_panel_gap);
    const Scale ys{y_ticks.front(), y_ticks.back(), top + k_panel_height, top};
    out(fmt::format("<g class=\"panel\" data-group=\"{}\">\n", detail::xml_escape(groups[g])));
    if (!groups[g].empty()) {
      std::string heading = groups[g];
      for (const auto& [value, title] : chart.group_titles) {
        if (value == groups[g]) {
          heading = title;
        }
      }
      const auto chars = static_cast<std::size_t>((k_width - k_left - 10) / (12 * k_em * 1.1));
      c.text(k_left, top - 10, shorten(heading, chars), 12, Anchor::start, "font-weight=\"bold\"", true);
    }
    out("<g class=\"y-axis\" stroke=\"#e0e0e0\">\n");
    for (double t : y_ticks) {
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", px(k_left), px(ys(t)),
                      px(k_left + plot_width)));
    }
    out("</g>\n<g class=\"y-ticks\" fill=\"#333333\">\n");
    for (double t : y_ticks) {
      c.text(k_left - 6, ys(t) + 4, format_human_number(t, y_decimals), 11, Anchor::end);
    }
    out("</g>\n");
    c.vertical_text(18, top + k_panel_height / 2, chart.y_title, 12);
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
      const std::string label = format_human_number(t, x_decimals);
      if (c.is_free(text_box(xs(t), axis_y + 18, label, 11, Anchor::middle), {0, axis_y, k_width, axis_y + 30})) {
        c.text(xs(t), axis_y + 18, label, 11, Anchor::middle);
      }
    }
    out("</g>\n</g>\n");
  }
  c.text(k_left + plot_width / 2, legend_top - 14, chart.x_title, 12, Anchor::middle);
  out("<g class=\"legend\">\n");
  for (std::size_t i = 0; i < n_legend; ++i) {
    const double lx = k_left + static_cast<double>(i % per_row) * k_legend_column;
    const double ly = legend_top + 10 + static_cast<double>(i / per_row) * k_line_height;
    if (i < y_cols.size()) {
      out(fmt::format("<rect x=\"{}\" y=\"{}\" width=\"24\" height=\"10\" fill=\"{}\"/>\n", px(lx), px(ly - 9),
                      k_palette[i % std::size(k_palette)]));
      c.text(lx + 30, ly, shorten(label_of(chart.y_labels, i, y_cols[i]), k_max_label), 12, Anchor::start);
    } else {
      const std::size_t li = i - y_cols.size();
      out(fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#222222\" stroke-width=\"2\"/>\n",
                      px(lx), px(ly - 4), px(lx + 24)));
      c.text(lx + 30, ly, shorten(label_of(chart.line_labels, li, line_cols[li]), k_max_label), 12, Anchor::start);
    }
  }
  out("</g>\n");
  return c.document(chart, height, {});
}

} // namespace

std::string render_svg(const Table& table, const Chart& chart, std::size_t max_series) {
  switch (chart.kind) {
  case ChartKind::stacked:
    return render_stacked(table, chart);
  case ChartKind::bar:
    return render_bars(table, chart, max_series);
  case ChartKind::line:
    break;
  }
  return render_lines(table, chart, max_series);
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
      out << render_svg(report.table(c.table), c, options.chart_series);
      return;
    }
  }
  throw Error(ErrorKind::usage, fmt::format("--format svg: table '{}' has no chart", wanted),
              fmt::format("tables with a chart: {}", fmt::join(charted, ", ")));
}

} // namespace tpuplan
