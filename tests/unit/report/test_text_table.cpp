#include <tpuplan/report/report.hpp>
#include <tpuplan/report/text_table.hpp>

#include <catch2/catch.hpp>
#include <sstream>

using namespace tpuplan;

namespace {

Table wide_table() {
  Table t;
  t.name = "t";
  t.columns = {{"id", "id", 0, false, ""},
               {"usd_per_month_on_demand", "$/month on-demand", 0, false, ""},
               {"region", "region", 0, false, ""},
               {"source", "source", 0, false, ""}};
  t.rows.push_back({std::string("v6e-8"), 15768.0, std::string("us-east1"),
                    std::string("https://example.invalid/a/rather/long/path/to/a/price/page")});
  return t;
}

std::string render_table(const Table& t, std::size_t width, std::vector<std::string> columns = {}) {
  RenderOptions o;
  o.width = width;
  o.columns = std::move(columns);
  std::ostringstream out;
  detail::render_text_table(t, o, out);
  return out.str();
}

} // namespace

TEST_CASE("a table that fits is one header line and one line per row", "[report][width]") {
  const auto text = render_table(wide_table(), 200);
  CHECK(text == "id     $/month on-demand  region    source\n"
                "v6e-8             15,768  us-east1  https://example.invalid/a/rather/long/path/to/a/price/page\n");
}

TEST_CASE("too wide, the lowest priority goes first and a note names it", "[report][width]") {
  Table t = wide_table();
  set_priority(t, {"region"}, 1);
  set_priority(t, {"source"}, -1);
  const auto text = render_table(t, 40);
  CHECK(text == "id     $/month on-demand  region\n"
                "v6e-8             15,768  us-east1\n"
                "note: 1 column hidden to fit 40 columns:\n"
                "      source (--wide shows every column;\n"
                "      --columns KEY,… picks)\n");
}

TEST_CASE("headers take two lines before any column is dropped", "[report][width]") {
  Table t = wide_table();
  set_priority(t, {"source"}, k_keep_column);
  t.rows[0][3] = std::string("short");
  const auto text = render_table(t, 34);
  CHECK(text == "         $/month\n"
                "id     on-demand  region    source\n"
                "v6e-8     15,768  us-east1  short\n");
}

TEST_CASE("kept text columns wrap in their width, cutting a URL after a slash", "[report][width]") {
  Table t = wide_table();
  set_priority(t, {"usd_per_month_on_demand", "region", "source"}, k_keep_column);
  const auto text = render_table(t, 52);
  CHECK(text == "         $/month\n"
                "id     on-demand  region    source\n"
                "v6e-8     15,768  us-east1  https://example.invalid/\n"
                "                            a/rather/long/path/to/a/\n"
                "                            price/page\n");
}

TEST_CASE("picked columns come in their order and ignore the width", "[report][width]") {
  const auto text = render_table(wide_table(), 10, {"region", "id"});
  CHECK(text == "region    id\nus-east1  v6e-8\n");
}

TEST_CASE("wrap_text breaks at spaces and cuts words longer than the width", "[report][width]") {
  CHECK(detail::wrap_text("one two three", 7) == std::vector<std::string>{"one two", "three"});
  CHECK(detail::wrap_text("abcdefghij", 4) == std::vector<std::string>{"abcd", "efgh", "ij"});
  CHECK(detail::wrap_text("a\nb", 10) == std::vector<std::string>{"a", "b"});
  CHECK(detail::wrap_text("€€€€", 2) == std::vector<std::string>{"€€", "€€"});
}

TEST_CASE("check_columns names an unknown key with a suggestion", "[report][width]") {
  Report r;
  r.tables.push_back(wide_table());
  CHECK_NOTHROW(check_columns(r, {"region", "id"}));
  CHECK_THROWS_WITH(check_columns(r, {"regoin"}), "--columns: no column 'regoin' in this output");
}
