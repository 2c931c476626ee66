// Every kind of chart the tool draws, read back as SVG: no two pieces of text overlap and
// nothing lies outside the view box. Text boxes are estimated from the font size and the
// characters, with widths rounded up from DejaVu Sans (Debian's sans-serif, the font Chromium
// draws these charts with), so the estimate is wider than the text a browser draws.
#include "run_process.hpp"
#include "strict_xml.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

using namespace tpuplan::test;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;
const std::string k_diurnal = "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1";

struct Box {
  double x0, y0, x1, y1;
  std::string text;
};

/// Advance of one code point in em: DejaVu Sans Book's widths, rounded up per class.
double advance(char32_t c) {
  if (c == ' ') return 0.32;
  if (c == 'i' || c == 'j' || c == 'l' || c == 'I' || c == 'J' || c == '\'' || c == '|') return 0.30;
  if (c == '.' || c == ',' || c == ':' || c == ';' || c == '!') return 0.34;
  if (c == 'f' || c == 't' || c == 'r' || c == '(' || c == ')' || c == '[' || c == ']' || c == '/' || c == '-')
    return 0.42;
  if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@') return 1.0;
  if (c >= 'A' && c <= 'Z') return 0.80;
  if (c == 0x00B7) return 0.34;  // ·
  if (c < 0x80) return 0.64;     // digits, other lower case, $ + = < > ?
  return 1.0;                    // … — × → and the rest: a full em
}

std::u32string code_points(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = n == 1 ? b : b & (0x7F >> n);
    for (int k = 1; k < n && i + k < s.size(); ++k) {
      c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(c);
    i += n;
  }
  return out;
}

double text_width(const std::string& s, double font, bool bold) {
  double em = 0;
  for (char32_t c : code_points(s)) {
    em += advance(c);
  }
  return em * font * (bold ? 1.1 : 1.0);
}

double number(const std::string& s) {
  REQUIRE_FALSE(s.empty());
  return std::stod(s);
}

struct Inherited {
  double font = 16; // SVG's initial font-size
  bool bold = false;
  std::string anchor = "start";
};

struct Found {
  std::vector<Box> texts;
  std::vector<std::string> outside; ///< what lies outside the view box
};

void walk(const XmlElement& e, Inherited in, const Box& view, Found& found) {
  if (e.name == "title") {
    return; // a tooltip, not drawn
  }
  if (const auto f = e.attr("font-size"); !f.empty()) in.font = number(f);
  if (const auto w = e.attr("font-weight"); !w.empty()) in.bold = w == "bold";
  if (const auto a = e.attr("text-anchor"); !a.empty()) in.anchor = a;
  auto outside = [&](double x, double y) {
    return x < view.x0 - 0.01 || x > view.x1 + 0.01 || y < view.y0 - 0.01 || y > view.y1 + 0.01;
  };
  auto check_point = [&](double x, double y, const std::string& what) {
    if (outside(x, y)) {
      found.outside.push_back(what + " at (" + std::to_string(x) + ", " + std::to_string(y) + ")");
    }
  };
  if (e.name == "text") {
    const std::string s = e.all_text();
    const double x = number(e.attr("x")), y = number(e.attr("y"));
    const double w = text_width(s, in.font, in.bold);
    const double x0 = in.anchor == "middle" ? x - w / 2 : in.anchor == "end" ? x - w : x;
    // A line box from 0.95 em above the baseline (accents, capitals) to 0.25 em below (descenders).
    Box b{x0, y - 0.95 * in.font, x0 + w, y + 0.25 * in.font, s};
    const std::string t = e.attr("transform");
    if (!t.empty()) {
      // The only transform drawn: rotate(-90 cx cy) about the text's own anchor point.
      REQUIRE(t.rfind("rotate(-90 ", 0) == 0);
      std::istringstream in_t(t.substr(11));
      double cx = 0, cy = 0;
      in_t >> cx >> cy;
      // (px, py) → (cx + (py − cy), cy − (px − cx))
      b = Box{cx + (b.y0 - cy), cy - (b.x1 - cx), cx + (b.y1 - cy), cy - (b.x0 - cx), s};
    }
    found.texts.push_back(b);
    if (outside(b.x0, b.y0) || outside(b.x1, b.y1)) {
      found.outside.push_back("text '" + s + "' [" + std::to_string(b.x0) + ", " + std::to_string(b.y0) + " – " +
                              std::to_string(b.x1) + ", " + std::to_string(b.y1) + "]");
    }
    return;
  }
  if (e.name == "rect") {
    const double x = number(e.attr("x")), y = number(e.attr("y"));
    check_point(x, y, "rect");
    check_point(x + number(e.attr("width")), y + number(e.attr("height")), "rect end");
  } else if (e.name == "line") {
    check_point(number(e.attr("x1")), number(e.attr("y1")), "line");
    check_point(number(e.attr("x2")), number(e.attr("y2")), "line");
  } else if (e.name == "circle") {
    const double cx = number(e.attr("cx")), cy = number(e.attr("cy")), r = number(e.attr("r"));
    check_point(cx - r, cy - r, "circle");
    check_point(cx + r, cy + r, "circle");
  } else if (e.name == "polyline" || e.name == "path") {
    // Points "x,y x,y", or a path of straight segments "Mx,y Lx,y".
    std::string pts = e.name == "path" ? e.attr("d") : e.attr("points");
    for (auto& ch : pts) {
      ch = ch == ',' || ch == 'M' || ch == 'L' ? ' ' : ch;
    }
    REQUIRE(pts.find_first_not_of(" 0123456789.-") == std::string::npos);
    std::istringstream in_p(pts);
    double x = 0, y = 0;
    while (in_p >> x >> y) {
      check_point(x, y, "polyline '" + e.attr("data-series") + "'");
    }
  }
  for (const auto& c : e.children) {
    walk(*c, in, view, found);
  }
}

/// Checks the layout of one SVG document; returns its root for further checks.
std::unique_ptr<XmlElement> check_layout(const std::string& svg, const std::string& what) {
  INFO(what);
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(svg));
  REQUIRE(doc->name == "svg");
  std::istringstream vb(doc->attr("viewBox"));
  double x = 0, y = 0, w = 0, h = 0;
  REQUIRE(vb >> x >> y >> w >> h);
  REQUIRE(w > 0);
  REQUIRE(h > 0);
  const Box view{x, y, x + w, y + h, {}};
  Found found;
  walk(*doc, Inherited{}, view, found);
  CHECK(found.texts.size() > 5);
  for (const auto& o : found.outside) {
    FAIL_CHECK("outside the view box " << doc->attr("viewBox") << ": " << o);
  }
  for (std::size_t i = 0; i < found.texts.size(); ++i) {
    for (std::size_t j = i + 1; j < found.texts.size(); ++j) {
      const Box& a = found.texts[i];
      const Box& b = found.texts[j];
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) {
        FAIL_CHECK("text '" << a.text << "' [" << a.x0 << ", " << a.y0 << " – " << a.x1 << ", " << a.y1
                            << "] overlaps '" << b.text << "' [" << b.x0 << ", " << b.y0 << " – " << b.x1 << ", "
                            << b.y1 << "]");
      }
    }
  }
  return doc;
}

std::string svg_of(std::vector<std::string> args) {
  std::string line;
  for (const auto& a : args) {
    line += " " + a;
  }
  INFO("tpuplan" << line);
  const auto r = run_tpuplan(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

} // namespace

TEST_CASE("the estimate of text boxes is conservative for DejaVu Sans", "[cli][chart]") {
  // DejaVu Sans Book at 100 px: "0123456789" is 636 px, "Monthly cost" 652 px, "WWW" 297 px.
  CHECK(text_width("0123456789", 100, false) >= 636);
  CHECK(text_width("Monthly cost", 100, false) >= 652);
  CHECK(text_width("WWW", 100, false) >= 297);
  CHECK(text_width("h/day · $/month", 10, false) > 0);
}

TEST_CASE("no chart has overlapping text or anything outside its view box", "[cli][chart]") {
  const std::string breakeven = k_data + "/breakeven";
  const std::string catalog = k_data + "/catalog";
  struct Case {
    std::string what;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"cost: bars by tier", {"cost", "--data", breakeven, "--model", "70b", "--format", "svg"}},
      {"cost: every option's bars", {"cost", "--data", breakeven, "--model", "70b", "--series", "all", "--format", "svg"}},
      {"cost: the shipped catalog", {"cost", "--model", "70b", "--format", "svg"}},
      {"breakeven: commitment lines and crossovers",
       {"breakeven", "--data", breakeven, "--hours", "1..24", "--format", "svg"}},
      {"breakeven: every commitment line",
       {"breakeven", "--data", breakeven, "--hours", "1..24", "--series", "all", "--format", "svg"}},
      {"breakeven: platform lines",
       {"breakeven", "--data", breakeven, "--hours", "1..24", "--table", "platform", "--format", "svg"}},
      {"breakeven: the shipped catalog", {"breakeven", "--model", "70b", "--hours", "1..24", "--format", "svg"}},
      {"breakeven: the shipped catalog, platform",
       {"breakeven", "--model", "70b", "--hours", "1..24", "--table", "platform", "--format", "svg"}},
      {"breakeven: the shipped catalog, every line",
       {"breakeven", "--model", "8b", "--hours", "1..24", "--series", "all", "--format", "svg"}},
      {"plan: stacked panels", {"plan", "--data", catalog, "--model", "8b", "--load-curve", k_diurnal, "--format", "svg"}},
      {"bench profile: latency against throughput",
       {"render", k_data + "/profiles/fake-h100-llama-3.1-8b.json", "--format", "svg"}},
  };
  for (const auto& c : cases) {
    SECTION(c.what) { check_layout(svg_of(c.args), c.what); }
  }
}

TEST_CASE("charts draw the --series N cheapest series (6 by default, all with all) — a bad count is exit 2", "[cli][chart]") {
  const std::string breakeven = k_data + "/breakeven";
  auto lines_drawn = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"breakeven", "--data", breakeven, "--hours", "1..24", "--format", "svg"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto doc = StrictXml::parse(svg_of(args));
    std::size_t n = 0;
    for (const auto* p : doc->find_all("polyline")) {
      n += p->attr("data-series").empty() ? 0 : 1;
    }
    return n;
  };
  const std::size_t all = lines_drawn({"--series", "all"});
  CHECK(all > 6);
  CHECK(lines_drawn({"--series", "2"}) == 2);
  // By default whole options, each with every tier it has a price for, as many as fit in 6
  // lines, and the crossovers of their commitments with their own on-demand line are drawn.
  const auto tiers_by_option = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"breakeven", "--data", breakeven, "--hours", "1..24", "--format", "svg"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::map<std::string, std::set<std::string>> tiers_of;
    const auto doc = StrictXml::parse(svg_of(args)); // kept: the loop reads its attributes
    for (const auto* p : doc->find_all("polyline")) {
      const std::string series = p->attr("data-series");
      const auto dot = series.find(" · ");
      REQUIRE(dot != std::string::npos);
      tiers_of[series.substr(0, dot)].insert(series.substr(dot + std::string(" · ").size()));
    }
    return tiers_of;
  };
  const auto every = tiers_by_option({"--series", "all"});
  const auto shown = tiers_by_option({});
  std::size_t drawn = 0;
  bool with_commitment = false;
  for (const auto& [option, tiers] : shown) {
    INFO(option);
    REQUIRE(every.count(option) == 1);
    CHECK(tiers == every.at(option));
    drawn += tiers.size();
    with_commitment = with_commitment || (tiers.count("1y") == 1 && tiers.count("on-demand") == 1);
  }
  CHECK(drawn <= 6);
  CHECK(shown.size() >= 2);
  CHECK(with_commitment);
  const auto doc = StrictXml::parse(svg_of({"breakeven", "--data", breakeven, "--hours", "1..24", "--format", "svg"}));
  CHECK_FALSE(doc->find_all("circle").empty());
  for (const std::string bad : {"0", "-1", "two", "1001"}) {
    const auto r = run_tpuplan({"breakeven", "--data", breakeven, "--hours", "1..24", "--format", "svg", "--series", bad});
    INFO(bad << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--series") != std::string::npos);
  }
  const auto table = run_tpuplan({"breakeven", "--data", breakeven, "--hours", "1..24", "--series", "3"});
  CHECK(table.exit_code == 2);
  CHECK(table.err.find("--series applies to --format svg and --format html") != std::string::npos);
}
