// Bad usage is one line and exit 2, naming the real cause with the command's own vocabulary:
// unknown flags with the closest of the command's flags, models by family and size, list
// flags that take commas and repeats alike, output extensions tpuplan cannot write, and
// --explain where a command has no arithmetic to show.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;

ProcessResult run(std::vector<std::string> args) { return run_tpuplan(with_fixture_data(std::move(args))); }

/// Exit 2, nothing on stdout, and exactly one line on stderr.
void check_usage_line(const ProcessResult& r) {
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  REQUIRE(!r.err.empty());
  CHECK(r.err.rfind("tpuplan: error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.back() == '\n');
}

} // namespace

TEST_CASE("a misspelt flag is named with the closest flag of the command", "[cli][usage]") {
  const auto r = run({"cost", "--model", "70b", "--precison", "int8"});
  check_usage_line(r);
  CHECK(r.err == "tpuplan: error: unknown flag '--precison' for 'tpuplan cost'; did you mean '--precision'?\n");
  const auto eq = run({"size", "--model=70b", "--tpot-msec=50"});
  check_usage_line(eq);
  CHECK(eq.err == "tpuplan: error: unknown flag '--tpot-msec' for 'tpuplan size'; did you mean '--tpot-ms'?\n");
}

TEST_CASE("a misspelt required flag is named, not reported as missing", "[cli][usage]") {
  const auto r = run({"cost", "--modle", "70b"});
  check_usage_line(r);
  CHECK(r.err == "tpuplan: error: unknown flag '--modle' for 'tpuplan cost'; did you mean '--model'?\n");
}

TEST_CASE("a flag of another command says which commands take it", "[cli][usage]") {
  const auto r = run({"cost", "--model", "70b", "--batch", "8"});
  check_usage_line(r);
  CHECK(r.err.rfind("tpuplan: error: unknown flag '--batch' for 'tpuplan cost'; 'tpuplan estimate' takes it", 0) == 0);
  const auto none = run({"catalog", "--frobnicate"});
  check_usage_line(none);
  CHECK(none.err == "tpuplan: error: unknown flag '--frobnicate' for 'tpuplan catalog'; see 'tpuplan catalog --help'\n");
}

TEST_CASE("a misspelt subcommand of a command gets a suggestion", "[cli][usage]") {
  const auto r = run({"catalog", "shw", "v5e-8"});
  check_usage_line(r);
  CHECK(r.err == "tpuplan: error: unexpected argument 'shw' for 'tpuplan catalog'; did you mean 'tpuplan catalog show'?\n");
}

TEST_CASE("a model given by size or by family and size suggests the models of that size", "[cli][usage]") {
  for (const std::string name : {"70", "lama-70b", "LLAMA-70"}) {
    const auto r = run({"cost", "--model", name});
    check_usage_line(r);
    CHECK(r.err == "tpuplan: error: unknown model '" + name + "'; did you mean 'llama-3.1-70b'?\n");
  }
  // Without a size, a close spelling still wins.
  CHECK(run({"cost", "--model", "70c"}).err == "tpuplan: error: unknown model '70c'; did you mean '70b'?\n");
}

TEST_CASE("list flags take commas and repeats alike", "[cli][usage]") {
  const auto commas = run({"breakeven", "--model", "70b", "--tier", "on-demand,1y,3y", "--format", "json"});
  const auto repeats = run({"breakeven", "--model", "70b", "--tier", "on-demand", "--tier", "1y", "--tier", "3y",
                            "--format", "json"});
  REQUIRE(commas.exit_code == 0);
  REQUIRE(repeats.exit_code == 0);
  CHECK(json::parse(commas.out)["inputs"]["tiers"] == json::array({"on-demand", "1y", "3y"}));
  CHECK(json::parse(commas.out)["inputs"] == json::parse(repeats.out)["inputs"]);
  const auto acc_commas = run({"cost", "--model", "70b", "--accelerator", "v5e,h100", "--format", "csv"});
  const auto acc_repeats = run({"cost", "--model", "70b", "--accelerator", "v5e", "--accelerator", "h100", "--format", "csv"});
  REQUIRE(acc_commas.exit_code == 0);
  CHECK(acc_commas.out == acc_repeats.out);
  CHECK(acc_commas.out.find("h100") != std::string::npos);
  CHECK(acc_commas.out.find(",v5e,") != std::string::npos);
  CHECK(acc_commas.out.find("v5p") == std::string::npos);
}

TEST_CASE("an output extension tpuplan cannot write is refused before any work", "[cli][usage]") {
  TempDir dir;
  const auto r = run({"cost", "--model", "70b", "-o", dir.file("out.xlsx")});
  check_usage_line(r);
  CHECK(r.err.find("cannot write '.xlsx' files; accepted: .txt (table), .json, .csv, .md, .svg, .html") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.xlsx")));
  // .txt is the table; --format names any format whatever the extension.
  CHECK(run({"cost", "--model", "70b", "-o", dir.file("out.txt")}).exit_code == 0);
  CHECK(slurp(dir.file("out.txt")).find("$/month") != std::string::npos);
  CHECK(run({"cost", "--model", "70b", "--format", "csv", "-o", dir.file("out.data")}).exit_code == 0);
  CHECK(slurp(dir.file("out.data")).rfind("offering,", 0) == 0);
}

TEST_CASE("explain is refused by commands with nothing to explain", "[cli][usage]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"catalog", "--explain"},
                                                                 {"catalog", "show", "v5e-8", "--explain"},
                                                                 {"validate", k_data + "/catalog", "--explain"},
                                                                 {"version", "--explain"},
                                                                 {"models", "--explain"}}) {
    const auto r = run(args);
    check_usage_line(r);
    CHECK(r.err.find("--explain") != std::string::npos);
  }
}

TEST_CASE("cost --explain shows the arithmetic of the first option with its numbers", "[cli][usage][explain]") {
  const auto plain = run({"cost", "--model", "70b"});
  const auto r = run({"cost", "--model", "70b", "--explain"});
  REQUIRE(r.exit_code == 0);
  CHECK(plain.out.find("How these figures are computed") == std::string::npos);
  const auto at = r.out.find("How these figures are computed:");
  REQUIRE(at != std::string::npos);
  const std::string explain = r.out.substr(at);
  // The fixture's first row: v5p-8, 4 chips, $16/h on demand, $4/h spot, no commitment price.
  CHECK(explain.find("v5p-8@us-central1 — 4 × v5p, bf16 weights, 2,000-token context:") != std::string::npos);
  CHECK(explain.find("max batch = ⌊(usable − weights − reserve) ÷ KV per sequence⌋") != std::string::npos);
  CHECK(explain.find("on-demand: $16.00/h × 24.00 h/day × 30.42 days = $11,680/month") != std::string::npos);
  CHECK(explain.find("spot: $4.00/h × (1 + 0.10 preemption overhead) × 24.00 h/day × 30.42 days = $3,212/month") !=
        std::string::npos);
  CHECK(explain.find("1y: no sourced price, so no bill (never $0)") != std::string::npos);
  CHECK(explain.find("$/1M out on-demand: $11,680/month ÷ 730.0 useful h × 1 replica = $16.00/h;") != std::string::npos);
  // The row's own $/1M figure is what the arithmetic ends with.
  const auto row = r.out.find("\nv5p-8 ");
  REQUIRE(row != std::string::npos);
  const std::string line = r.out.substr(row + 1, r.out.find('\n', row + 1) - row - 1);
  // Its last four columns: $/1M on-demand, $/1M spot, and the band's low and high.
  std::vector<std::string> cells;
  std::istringstream words(line);
  for (std::string w; words >> w;) {
    cells.push_back(w);
  }
  REQUIRE(cells.size() >= 4);
  const std::string od_per_million = cells[cells.size() - 4];
  CHECK(explain.find("× 1e6 = $" + od_per_million) != std::string::npos);
}

TEST_CASE("size --explain says why the chosen option wins and shows its arithmetic", "[cli][usage][explain]") {
  const auto r = run({"size", "--model", "70b", "--rate", "2", "--explain"});
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("How these figures are computed:");
  REQUIRE(at != std::string::npos);
  const std::string explain = r.out.substr(at);
  CHECK(explain.find("  chosen: ") != std::string::npos);
  CHECK(explain.find("the lowest usd-per-month ($") != std::string::npos);
  CHECK(explain.find("replicas: the load's 2.00 requests/s ÷ ") != std::string::npos);
  CHECK(explain.find("on-demand bill of the replicas = $") != std::string::npos);
}

TEST_CASE("breakeven --explain shows the bills and the break-even of a commitment", "[cli][usage][explain]") {
  const auto r = run({"breakeven", "--model", "70b", "--hours", "8", "--explain"});
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("How these figures are computed:");
  REQUIRE(at != std::string::npos);
  const std::string explain = r.out.substr(at);
  // v5e-16@us-central1 of the fixture: $16/h on demand, $11.20/h for 1y, $7.20/h for 3y.
  CHECK(explain.find("v5e-16@us-central1, the first option with a commitment price, at 8.00 h/day:") != std::string::npos);
  CHECK(explain.find("on-demand bill = 16 $/h × 8 h/day × 30.42 days = 3,893 $/month") != std::string::npos);
  CHECK(explain.find("1y bill = 11.2 $/h × 730 h (every hour of the month) = 8,176 $/month; break-even = 24 h × 11.2 "
                     "÷ 16 = 16.80 h/day, so at 8.00 h/day the 1y is not cheaper than on-demand") != std::string::npos);
}

TEST_CASE("size names a missing price as the cause when the tier is what rules every option out", "[cli][usage]") {
  const auto r = run({"size", "--model", "8b", "--accelerator", "h100", "--tier", "1y"});
  CHECK(r.exit_code == 3);
  INFO(r.err);
  CHECK(r.err.find("that hold the model and meet the targets") != std::string::npos);
  CHECK(r.err.find("no sourced 1y price: try another --tier") != std::string::npos);
  CHECK(r.err.find("--precision") == std::string::npos);
}

TEST_CASE("a value of the wrong type, or a missing one, is said in words", "[cli][usage]") {
  const auto r = run({"cost", "--model", "70b", "--hours", "abc"});
  check_usage_line(r);
  CHECK(r.err == "tpuplan: error: --hours: 'abc' is not a number; see 'tpuplan cost --help'\n");
  const auto missing = run_tpuplan({"--data", k_data + "/catalog", "cost", "--model", "70b", "--rate"});
  check_usage_line(missing);
  CHECK(missing.err == "tpuplan: error: --rate: a number is missing; see 'tpuplan cost --help'\n");
}

TEST_CASE("an html output file holds one self-contained page with the cost table and its chart", "[cli][html]") {
  TempDir dir;
  const auto r = run({"cost", "--model", "70b", "-o", dir.file("report.html")});
  REQUIRE(r.exit_code == 0);
  const std::string page = slurp(dir.file("report.html"));
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("<table data-table=\"offerings\">") != std::string::npos);
  CHECK(page.find("<th data-key=\"usd_per_month_on_demand\"") != std::string::npos);
  CHECK(page.find("<td>v5p-8</td>") != std::string::npos);
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("Assumptions") != std::string::npos);
}

TEST_CASE("a value without its flag suggests the flag that is missing", "[cli][usage]") {
  const auto r = run({"cost", "70b"});
  check_usage_line(r);
  CHECK(r.err == "tpuplan: error: unexpected argument '70b' for 'tpuplan cost'; did you mean '--model 70b'?\n");
}

TEST_CASE("plan --explain shows the bill of the cheapest plan term by term", "[cli][usage][explain]") {
  const auto r = run({"plan", "--model", "70b", "--rate", "5", "--explain"});
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("How these figures are computed:");
  REQUIRE(at != std::string::npos);
  const std::string explain = r.out.substr(at);
  CHECK(explain.find(", the cheapest option, ") != std::string::npos);
  CHECK(explain.find("replica-hours in the 24-hour curve, each hour 30.42 times a month (730 h ÷ 24)") !=
        std::string::npos);
  CHECK(explain.find("  bill = $") != std::string::npos);
  CHECK(explain.find("per 1M output tokens") != std::string::npos);
}
