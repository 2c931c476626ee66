// The HTML report in a real browser: Debian's headless Chromium loads the file (file://, no
// network) and the tables and charts are in the DOM it built. Compiled in only when CMake found
// chromium (tests/CMakeLists.txt).
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace tpuplan::test;

#ifdef TPUPLAN_CHROMIUM

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

/// The DOM Chromium builds from `file`, serialized.
ProcessResult rendered_dom(const TempDir& dir, const std::string& file) {
  return run_process({TPUPLAN_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                      "--user-data-dir=" + dir.file("chromium-profile"), "--dump-dom", "file://" + file});
}

/// How many CSS pixels `file`'s page is wider than a 1280-pixel window (0: no sideways scroll),
/// read by a script added to a copy of it.
int overflow_px(const TempDir& dir, const std::string& file) {
  std::string page = slurp(file);
  const auto end = page.rfind("</body>");
  REQUIRE(end != std::string::npos);
  page.insert(end, "<script>document.body.setAttribute('data-overflow', String(document.documentElement.scrollWidth - "
                   "document.documentElement.clientWidth));</script>");
  const std::string probe = dir.file("probe.html");
  {
    std::ofstream(probe) << page;
  }
  const auto dom = run_process({TPUPLAN_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                "--window-size=1280,900", "--user-data-dir=" + dir.file("chromium-profile"),
                                "--dump-dom", "file://" + probe});
  INFO(dom.err);
  REQUIRE(dom.exit_code == 0);
  const std::string mark = "data-overflow=\"";
  const auto at = dom.out.find(mark);
  REQUIRE(at != std::string::npos);
  return std::stoi(dom.out.substr(at + mark.size()));
}

} // namespace

TEST_CASE("an html page never scrolls sideways: wide tables scroll in their own box, long lines wrap", "[cli][html][browser]") {
  TempDir dir;
  for (const auto& [name, args] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"cost-wide.html", {"cost", "--model", "70b", "--wide", "--explain"}},
           {"breakeven-wide.html", {"breakeven", "--model", "70b", "--hours", "1..24:4", "--wide"}},
           {"estimate.html", {"estimate", "--model", "8b", "--accelerator", "v5e", "--chips", "4", "--explain"}}}) {
    INFO(name);
    const std::string page = dir.file(name);
    auto full = args;
    full.insert(full.end(), {"-o", page});
    const auto r = run_tpuplan(with_fixture_data(full));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(slurp(page).find("<div class=\"scroll\">") != std::string::npos);
    CHECK(overflow_px(dir, page) <= 0);
  }
}

TEST_CASE("an html breakeven report renders in headless Chromium with its tables and charts", "[cli][html][browser]") {
  TempDir dir;
  const std::string page = dir.file("breakeven.html");
  const auto r = run_tpuplan(with_fixture_data({"breakeven", "--model", "70b", "--hours", "1..24:1", "-o", page}));
  REQUIRE(r.exit_code == 0);
  const auto dom = rendered_dom(dir, page);
  INFO(dom.err);
  REQUIRE(dom.exit_code == 0);
  CHECK(dom.out.find("<table data-table=\"commitment\">") != std::string::npos);
  CHECK(dom.out.find("<table data-table=\"platform\">") != std::string::npos);
  CHECK(dom.out.find("<th data-key=\"breakeven_1y_vs_on_demand_hours_per_day\"") != std::string::npos);
  // Both tables are drawn (24 hours a line), inline.
  CHECK(count(dom.out, "<figure class=\"chart\"") == 2);
  CHECK(count(dom.out, "<svg") == 2);
  CHECK(dom.out.find("<polyline") != std::string::npos);
  // Every row of the saved page is a row of the DOM: the browser dropped nothing.
  CHECK(count(dom.out, "<tr>") == count(slurp(page), "<tr>"));
  CHECK(dom.out.find("Assumptions") != std::string::npos);
}

TEST_CASE("an html cost report renders in headless Chromium with its bars by tier", "[cli][html][browser]") {
  TempDir dir;
  const std::string page = dir.file("cost.html");
  REQUIRE(run_tpuplan(with_fixture_data({"cost", "--model", "70b", "-o", page})).exit_code == 0);
  const auto dom = rendered_dom(dir, page);
  INFO(dom.err);
  REQUIRE(dom.exit_code == 0);
  CHECK(dom.out.find("<table data-table=\"offerings\">") != std::string::npos);
  CHECK(dom.out.find("<td>v5p-8</td>") != std::string::npos);
  CHECK(count(dom.out, "<svg") == 1);
  CHECK(dom.out.find("data-series=\"on-demand\"") != std::string::npos);
  CHECK(dom.out.find("data-series=\"spot\"") != std::string::npos);
}

#endif
