#include <tpuplan/report/chart.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/report/report.hpp>

#include "../support/strict_xml.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

using namespace tpuplan;
using tpuplan::test::StrictXml;
using tpuplan::test::XmlElement;

namespace {

/// A curve table like `breakeven --hours 1..4`: one row per (hour, offering), one column per tier.
Table curve_table() {
  Table t;
  t.name = "commitment";
  t.columns = {{"hours_per_day", "h/day", 0, false, ""},
               {"offering", "offering", 0, false, ""},
               {"usd_per_month_on_demand", "$/month on-demand", 2, false, ""},
               {"usd_per_month_1y", "$/month 1y", 2, false, ""}};
  for (int h = 1; h <= 4; ++h) {
    const double hours = h;
    t.rows.push_back({hours, std::string("v4-8"), 4.40 * hours * 30, 3.30 * 720});
    // The GPU has no 1-year price: its cell is empty, and must not be drawn as 0.
    t.rows.push_back({hours, std::string("a100 <4×> & co"), 12.0 * hours * 30, Cell{}});
  }
  return t;
}

Chart curve_chart() {
  Chart c;
  c.table = "commitment";
  c.title = "Monthly cost against hours per day";
  c.x = "hours_per_day";
  c.y = {"usd_per_month_on_demand", "usd_per_month_1y"};
  c.y_labels = {"on-demand", "1y"};
  c.group = "offering";
  c.x_title = "hours per day (h)";
  c.y_title = "monthly cost (USD)";
  c.markers.push_back({3.0, 396.0, "example marker", {}});
  return c;
}

std::vector<std::pair<double, double>> parse_pairs(const std::string& text) {
  std::vector<std::pair<double, double>> out;
  std::istringstream in(text);
  std::string item;
  while (in >> item) {
    const auto comma = item.find(',');
    REQUIRE(comma != std::string::npos);
    out.emplace_back(std::stod(item.substr(0, comma)), std::stod(item.substr(comma + 1)));
  }
  return out;
}

} // namespace

TEST_CASE("nice ticks are round steps that cover the range", "[chart]") {
  const auto t = nice_ticks(0, 5760, 6);
  REQUIRE(t.size() >= 2);
  CHECK(t.front() <= 0);
  CHECK(t.back() >= 5760);
  CHECK(t[1] - t[0] == Approx(1000));
  const auto hours = nice_ticks(1, 24, 8);
  CHECK(hours.front() == 0);
  CHECK(hours[1] == Approx(5));
  CHECK(hours.back() == 25);
  const auto small = nice_ticks(0, 0.9, 4);
  CHECK(small[1] == Approx(0.25));
}

TEST_CASE("chart data splits rows into one series per group value and y column, skipping empty cells", "[chart]") {
  const auto d = chart_data(curve_table(), curve_chart());
  REQUIRE(d.series.size() == 3); // v4-8 on-demand, v4-8 1y, a100 on-demand (no 1y points)
  CHECK(d.series[0].label == "v4-8 · on-demand");
  CHECK(d.series[1].label == "v4-8 · 1y");
  CHECK(d.series[2].label == "a100 <4×> & co · on-demand");
  REQUIRE(d.series[0].points.size() == 4);
  CHECK(d.series[0].points[2].first == 3);
  CHECK(d.series[0].points[2].second == Approx(396));
  CHECK(d.series[1].points[0].second == Approx(2376));
}

TEST_CASE("a bar chart has one category per distinct x value, in row order", "[chart]") {
  Table t;
  t.columns = {{"offering", "offering", 0, false, ""}, {"od", "on-demand", 2, false, ""}, {"y1", "1y", 2, false, ""}};
  t.rows = {{std::string("v6e-8"), 15768.0, 11037.6}, {std::string("a3-highgpu-8g"), 64116.0, Cell{}}};
  Chart c;
  c.kind = ChartKind::bar;
  c.x = "offering";
  c.y = {"od", "y1"};
  const auto d = chart_data(t, c);
  CHECK(d.categories == std::vector<std::string>{"v6e-8", "a3-highgpu-8g"});
  REQUIRE(d.series.size() == 2);
  CHECK(d.series[0].label == "on-demand");
  CHECK(d.series[1].points.size() == 1); // the absent 1y price of the GPU is not a bar
  const auto doc = StrictXml::parse(render_svg(t, c));
  CHECK(doc->find_all("rect").size() == 1 /* background */ + 3 /* bars */ + 2 /* legend swatches */);
}

TEST_CASE("the SVG of a line chart is well-formed XML with titled axes, a legend and escaped labels", "[chart]") {
  const std::string svg = render_svg(curve_table(), curve_chart());
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(svg));
  CHECK(doc->name == "svg");
  CHECK(doc->attr("xmlns") == "http://www.w3.org/2000/svg");
  CHECK(svg.find("nan") == std::string::npos);
  const std::string text = doc->all_text();
  CHECK(text.find("hours per day (h)") != std::string::npos);
  CHECK(text.find("monthly cost (USD)") != std::string::npos);
  CHECK(text.find("a100 <4×> & co · on-demand") != std::string::npos); // decoded from &lt; &amp;
  CHECK(text.find("example marker") != std::string::npos);
}

TEST_CASE("the SVG's lines carry the table's values and place them by one map, log where they span over 10×",
          "[chart]") {
  const Table table = curve_table();
  const auto doc = StrictXml::parse(render_svg(table, curve_chart()));
  // $132 to $1,440 a month spans more than 10×: the y axis is logarithmic, pixel = a + b × log10(value).
  CHECK(doc->attr("data-scale") == "log");
  const auto f = [](double v) { return std::log10(v); };
  const auto lines = doc->find_all("polyline");
  REQUIRE(lines.size() == 3);
  // Every data point of the table appears in data-points, and pixel = a + b × value on both axes.
  std::vector<std::pair<double, double>> data, pixels;
  for (const auto* l : lines) {
    const auto d = parse_pairs(l->attr("data-points"));
    const auto p = parse_pairs(l->attr("points"));
    REQUIRE(d.size() == p.size());
    data.insert(data.end(), d.begin(), d.end());
    pixels.insert(pixels.end(), p.begin(), p.end());
  }
  CHECK(data.size() == 12); // 4 hours × (2 + 1) series with a value
  for (const auto& row : table.rows) {
    const double h = std::get<double>(row[0]);
    const double od = std::get<double>(row[2]);
    CHECK(std::count(data.begin(), data.end(), std::make_pair(h, std::stod(format_raw_number(od)))) == 1);
  }
  // Fit each axis on its two most distant values, so that the 0.01 px rounding hardly matters.
  auto extremes = [&](auto get) {
    std::size_t lo = 0, hi = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      lo = get(data[i]) < get(data[lo]) ? i : lo;
      hi = get(data[i]) > get(data[hi]) ? i : hi;
    }
    return std::make_pair(lo, hi);
  };
  const auto [xl, xh] = extremes([](const auto& p) { return p.first; });
  const auto [yl, yh] = extremes([](const auto& p) { return p.second; });
  const double x0 = data[xl].first, px0 = pixels[xl].first;
  const double y0 = f(data[yl].second), py0 = pixels[yl].second;
  const double bx = (pixels[xh].first - px0) / (data[xh].first - x0);
  const double by = (pixels[yh].second - py0) / (f(data[yh].second) - y0);
  CHECK(bx > 0);
  CHECK(by < 0); // SVG's y grows downwards: larger costs are higher up
  for (std::size_t i = 0; i < data.size(); ++i) {
    CHECK(pixels[i].first == Approx(px0 + bx * (data[i].first - x0)).margin(0.02));
    CHECK(pixels[i].second == Approx(py0 + by * (f(data[i].second) - y0)).margin(0.02));
  }
  // The marker sits on the v4-8 on-demand line at 3 h/day.
  const auto circles = doc->find_all("circle");
  REQUIRE(circles.size() == 1);
  CHECK(std::stod(circles[0]->attr("cx")) == Approx(px0 + bx * (3 - x0)).margin(0.02));
  CHECK(std::stod(circles[0]->attr("cy")) == Approx(py0 + by * (f(396) - y0)).margin(0.02));
}

TEST_CASE("a single point or an empty table still renders a valid chart", "[chart]") {
  Table t = curve_table();
  t.rows.resize(1);
  const std::string one = render_svg(t, curve_chart());
  CHECK_NOTHROW(StrictXml::parse(one));
  CHECK(one.find("nan") == std::string::npos);
  t.rows.clear();
  const std::string none = render_svg(t, curve_chart());
  CHECK_NOTHROW(StrictXml::parse(none));
  CHECK(none.find("nan") == std::string::npos);
}

TEST_CASE("svg is an output format that draws the chart of the selected table", "[chart]") {
  CHECK(parse_format("svg") == Format::svg);
  const auto names = format_names();
  CHECK(std::find(names.begin(), names.end(), "svg") != names.end());

  Report r;
  r.command = "breakeven";
  r.tables.push_back(curve_table());
  Table other;
  other.name = "platform";
  r.tables.push_back(other);
  std::ostringstream out;
  CHECK_THROWS_WITH(render(r, Format::svg, {}, out), Catch::Contains("'breakeven' draws no chart"));
  r.charts.push_back(curve_chart());
  render(r, Format::svg, {}, out);
  CHECK_NOTHROW(StrictXml::parse(out.str()));
  RenderOptions platform;
  platform.table = "platform";
  try {
    render(r, Format::svg, platform, out);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "--format svg: table 'platform' has no chart");
    CHECK(e.hint() == "tables with a chart: commitment");
  }
}

TEST_CASE("a stacked chart draws one panel per group: the stack of each hour and the line over it", "[chart]") {
  Table t;
  t.name = "hours";
  t.columns = {{"offering", "option", 0, false, ""},  {"hour", "hour", 0, false, ""},
               {"committed", "committed", 0, false, ""}, {"on_demand", "on-demand", 0, false, ""},
               {"spot", "spot", 0, false, ""},           {"load_replicas", "load", 2, false, ""}};
  for (const char* option : {"tpu <a>", "gpu"}) {
    for (std::int64_t h = 0; h < 4; ++h) {
      t.rows.push_back({std::string(option), h, std::int64_t{1}, std::int64_t{h}, h == 2 ? Cell{} : Cell{std::int64_t{1}},
                        0.5 + static_cast<double>(h)});
    }
  }
  Chart c;
  c.table = "hours";
  c.kind = ChartKind::stacked;
  c.title = "Replicas";
  c.x = "hour";
  c.group = "offering";
  c.y = {"committed", "on_demand", "spot"};
  c.lines = {"load_replicas"};
  c.line_labels = {"load (replicas)"};
  c.x_title = "hour of the day";
  c.y_title = "replicas";
  const std::string svg = render_svg(t, c);
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(svg));
  std::vector<const XmlElement*> panels;
  for (const auto* g : doc->find_all("g")) {
    if (g->attr("class") == "panel") {
      panels.push_back(g);
    }
  }
  REQUIRE(panels.size() == 2);
  CHECK(panels[0]->attr("data-group") == "tpu <a>");
  std::size_t stacks = 0;
  for (const auto* g : panels[0]->find_all("g")) {
    if (g->attr("class") != "stack") {
      continue;
    }
    ++stacks;
    if (g->attr("data-series") == "spot") {
      // Hour 2 has no spot figure: left out, never drawn as 0.
      CHECK(parse_pairs(g->attr("data-points")) == std::vector<std::pair<double, double>>{{0, 1}, {1, 1}, {3, 1}});
      CHECK(g->find_all("rect").size() == 3);
    }
    if (g->attr("data-series") == "on_demand" || g->attr("data-series") == "on-demand") {
      CHECK(g->find_all("rect").size() == 3); // hour 0 rents none on demand: no empty rectangle
    }
  }
  CHECK(stacks == 3);
  const auto lines = panels[0]->find_all("polyline");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]->attr("data-series") == "load (replicas)");
  CHECK(parse_pairs(lines[0]->attr("data-points")).back() == std::pair<double, double>{3, 3.5});
  const std::string text = doc->all_text();
  CHECK(text.find("hour of the day") != std::string::npos);
  CHECK(text.find("load (replicas)") != std::string::npos);
}
