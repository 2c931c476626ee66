#include <tpuplan/report/report.hpp>

#include "../support/strict_xml.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using namespace tpuplan;
using tpuplan::test::StrictXml;

namespace {

Report sample() {
  Report r;
  r.command = "cost";
  r.assumptions.push_back({"hours_per_month", 730.0, "h", "billing month", "GCP & AWS"});
  r.notes.push_back("data: <embedded>");
  r.explain.push_back("on-demand: $1/h × 730 h = $730/month");
  Table t;
  t.name = "offerings";
  t.title = "Monthly cost";
  t.columns = {{"offering", "offering", 0, false, "what is rented"},
               {"usd_per_month", "$/month", 0, false, "the bill"},
               {"covers", "covers", 0, true, "what the price covers"}};
  t.rows.push_back({std::string("v6e-8"), 15768.0, std::string("TPU & host")});
  t.rows.push_back({std::string("a3 <\"8g\">"), Cell{}, std::string("-")});
  t.notes.push_back("an empty price means no sourced price");
  r.tables.push_back(t);
  Chart c;
  c.table = "offerings";
  c.kind = ChartKind::bar;
  c.title = "Monthly cost";
  c.x = "offering";
  c.y = {"usd_per_month"};
  r.charts.push_back(c);
  return r;
}

std::string html(const Report& r, RenderOptions o = {}) {
  std::ostringstream out;
  render(r, Format::html, o, out);
  return out.str();
}

} // namespace

TEST_CASE("html is one well-formed self-contained page with the tables, charts, notes and assumptions", "[report][html]") {
  const std::string page = html(sample());
  REQUIRE(page.rfind("<!DOCTYPE html>\n", 0) == 0);
  const auto doc = StrictXml::parse(page.substr(page.find('\n') + 1));
  CHECK(doc->name == "html");
  const auto tables = doc->find_all("table");
  REQUIRE(tables.size() == 1);
  CHECK(tables[0]->attr("data-table") == "offerings");
  const auto th = doc->find_all("th");
  REQUIRE(th.size() == 2); // the wide-only column is left out, as in the table format
  CHECK(th[1]->text == "$/month");
  CHECK(th[1]->attr("data-key") == "usd_per_month");
  const auto td = doc->find_all("td");
  REQUIRE(td.size() == 4);
  CHECK(td[1]->text == "15,768");
  CHECK(td[1]->attr("class") == "n");
  CHECK(td[2]->text == "a3 <\"8g\">"); // escaped in the page, decoded by the reader
  CHECK(td[3]->text == "-");
  CHECK(td[3]->attr("class") == "n"); // a number column aligns its missing values with the numbers
  CHECK(doc->find_all("svg").size() == 1);
  CHECK(doc->find_all("dt").size() == 1);
  CHECK(page.find("an empty price means no sourced price") != std::string::npos);
  CHECK(page.find("data: &lt;embedded&gt;") != std::string::npos);
  // Nothing to fetch: no script, stylesheet link, image or frame.
  for (const char* tag : {"script", "link", "img", "iframe", "object"}) {
    CHECK(doc->find_all(tag).empty());
  }
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("href=") == std::string::npos);
  // The arithmetic only with --explain.
  CHECK(page.find("How these figures are computed") == std::string::npos);
  RenderOptions explain;
  explain.explain = true;
  CHECK(html(sample(), explain).find("on-demand: $1/h × 730 h = $730/month") != std::string::npos);
}

TEST_CASE("html is a format name and an -o extension", "[report][html]") {
  CHECK(parse_format("html") == Format::html);
  CHECK(to_string(Format::html) == "html");
  const auto names = format_names();
  CHECK(std::find(names.begin(), names.end(), "html") != names.end());
}
