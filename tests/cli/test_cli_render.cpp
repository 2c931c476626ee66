// `tpuplan render FILE.json`: a saved report or bench profile drawn again in another format,
// the same figures as the command that saved it.
#include "run_process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

using namespace tpuplan::test;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;

/// The lines before the first note: the title, the header and the rows of the first table.
std::string first_table(const std::string& out) {
  const auto note = out.find("\nnote: ");
  return out.substr(0, note == std::string::npos ? out.size() : note);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

} // namespace

TEST_CASE("render draws a saved cost report as the command drew it: the same table, the same CSV", "[cli][render]") {
  TempDir dir;
  const std::string saved = dir.file("cost.json");
  REQUIRE(run_tpuplan(with_fixture_data({"cost", "--model", "70b", "-q", "-o", saved})).exit_code == 0);
  const auto original = run_tpuplan(with_fixture_data({"cost", "--model", "70b"}));
  const auto again = run_tpuplan({"render", saved});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(first_table(again.out) == first_table(original.out));
  CHECK(again.out.find("note: comparison: per replica") != std::string::npos);
  CHECK(again.out.find("hours_per_month = 730 h") != std::string::npos);
  const auto csv = run_tpuplan({"render", saved, "--format", "csv"});
  CHECK(csv.out == run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--format", "csv"})).out);
  // The saved chart is drawn again: the cost bars, in SVG and in an HTML page.
  const auto svg = run_tpuplan({"render", saved, "--format", "svg"});
  REQUIRE(svg.exit_code == 0);
  CHECK(svg.out.find("<title>Monthly cost of llama-3.1-70b") != std::string::npos);
  const auto html = run_tpuplan({"render", saved, "--format", "html"});
  CHECK(html.out.find("<table data-table=\"offerings\">") != std::string::npos);
  CHECK(count(html.out, "<svg") == 1);
}

TEST_CASE("render draws every table and chart of a saved breakeven report", "[cli][render]") {
  TempDir dir;
  const std::string saved = dir.file("breakeven.json");
  const std::vector<std::string> args = {"breakeven", "--model", "70b", "--hours", "1..24:6"};
  auto save = args;
  save.insert(save.end(), {"-q", "-o", saved});
  REQUIRE(run_tpuplan(with_fixture_data(save)).exit_code == 0);
  const auto again = run_tpuplan({"render", saved, "--format", "markdown"});
  REQUIRE(again.exit_code == 0);
  auto md = args;
  md.insert(md.end(), {"--format", "markdown"});
  const auto original = run_tpuplan(with_fixture_data(md));
  // The same tables, notes and assumptions, in the same order.
  CHECK(again.out == original.out);
  auto svg_args = args;
  svg_args.insert(svg_args.end(), {"--table", "platform", "--format", "svg"});
  const auto svg = run_tpuplan({"render", saved, "--table", "platform", "--format", "svg"});
  REQUIRE(svg.exit_code == 0);
  const auto original_svg = run_tpuplan(with_fixture_data(svg_args));
  CHECK(count(svg.out, "<polyline") == count(original_svg.out, "<polyline"));
  CHECK(count(svg.out, "<polyline") > 0);
}

TEST_CASE("render draws a bench profile as bench drew it", "[cli][render]") {
  const auto r = run_tpuplan({"render", k_data + "/profiles/fake-h100-llama-3.1-8b.json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("Load levels\n", 0) == 0);
  CHECK(r.out.find("Errors by class") != std::string::npos);
}

TEST_CASE("render refuses a file that is no report, in one line", "[cli][render]") {
  TempDir dir;
  {
    std::ofstream(dir.file("other.json")) << "{\"name\": \"not a report\"}";
  }
  const auto r = run_tpuplan({"render", dir.file("other.json")});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("not a tpuplan report") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  const auto missing = run_tpuplan({"render", dir.file("none.json")});
  CHECK(missing.exit_code == 2);
}

TEST_CASE("render refuses a saved chart that plots a column its table does not have", "[cli][render]") {
  TempDir dir;
  const std::string saved = dir.file("cost.json");
  REQUIRE(run_tpuplan(with_fixture_data({"cost", "--model", "70b", "-q", "-o", saved})).exit_code == 0);
  std::string text;
  {
    std::ifstream in(saved);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The chart's first y column renamed, as a hand edit would.
  const auto charts = text.find("\"charts\"");
  REQUIRE(charts != std::string::npos);
  const auto y = text.find("\"usd_per_month_load_on_demand\"", charts);
  REQUIRE(y != std::string::npos);
  text.replace(y, 30, "\"usd_per_month_load_ondemand\"");
  {
    std::ofstream(dir.file("edited.json")) << text;
  }
  const auto r = run_tpuplan({"render", dir.file("edited.json"), "--format", "svg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("plots column 'usd_per_month_load_ondemand'") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
