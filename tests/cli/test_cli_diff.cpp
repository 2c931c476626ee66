// `tpuplan diff OLD.json NEW.json`: the monthly figures that moved between two saved reports,
// row by row, and --fail-above for CI.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

/// Saves `cost --model 70b` with `extra` flags as JSON in `path`.
void save_cost(const std::string& path, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"cost", "--model", "70b", "-q", "-o", path};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_tpuplan(with_fixture_data(args));
  REQUIRE(r.exit_code == 0);
}

json row_of(const json& rows, const std::string& row, const std::string& column) {
  for (const auto& r : rows) {
    if (r["row"] == row && r["column"] == column) {
      return r;
    }
  }
  FAIL("no change of " << column << " in " << row);
  return {};
}

} // namespace

TEST_CASE("diff lists each monthly figure that moved, in $ and %, matched by offering", "[cli][diff]") {
  TempDir dir;
  save_cost(dir.file("old.json"));
  save_cost(dir.file("new.json"), {"--spot-overhead", "0.3"});
  const auto r = run_tpuplan({"diff", dir.file("old.json"), dir.file("new.json"), "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["schema"] == "tpuplan.diff/v1");
  // v5p-8's spot: $4/h × 730 h × 1.1 = 3,212 → × 1.3 = 3,796 (+18.2%); on-demand did not move.
  const json spot = row_of(doc["rows"], "v5p-8@us-central1 · bf16", "usd_per_month_spot");
  CHECK(spot["change"] == "changed");
  CHECK(spot["old_usd_per_month"].get<double>() == Approx(3212));
  CHECK(spot["new_usd_per_month"].get<double>() == Approx(3796));
  CHECK(spot["change_usd_per_month"].get<double>() == Approx(584));
  CHECK(spot["change_percent"].get<double>() == Approx(100.0 * 0.2 / 1.1));
  for (const auto& row : doc["rows"]) {
    CHECK(row["column"] != "usd_per_month_on_demand");
  }
  // The table format fits 100 columns and counts the rows.
  const auto table = run_tpuplan({"diff", dir.file("old.json"), dir.file("new.json")});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("note: 3 rows changed, 0 added, 0 removed") != std::string::npos);
  std::size_t start = 0;
  while (start < table.out.size()) {
    const auto end = table.out.find('\n', start);
    const std::string line = table.out.substr(start, end - start);
    start = end + 1;
    if (line.rfind("note: ", 0) != 0) {
      INFO(line);
      CHECK(std::count_if(line.begin(), line.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }) <= 100);
    }
  }
}

TEST_CASE("diff names rows added and removed", "[cli][diff]") {
  TempDir dir;
  save_cost(dir.file("old.json"), {"--accelerator", "v5p"});
  save_cost(dir.file("new.json"), {"--accelerator", "v5e"});
  const auto r = run_tpuplan({"diff", dir.file("old.json"), dir.file("new.json"), "--format", "json"});
  REQUIRE(r.exit_code == 0);
  const json rows = json::parse(r.out)["rows"];
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["row"] == "v5p-8@us-central1 · bf16");
  CHECK(rows[0]["change"] == "removed");
  CHECK(rows[1]["row"] == "v5e-16@us-central1 · bf16");
  CHECK(rows[1]["change"] == "added");
}

TEST_CASE("diff --fail-above fails a rise beyond the limit after printing the table", "[cli][diff]") {
  TempDir dir;
  save_cost(dir.file("old.json"));
  save_cost(dir.file("new.json"), {"--spot-overhead", "0.3"});
  const auto pass = run_tpuplan({"diff", dir.file("old.json"), dir.file("new.json"), "--fail-above", "20"});
  CHECK(pass.exit_code == 0);
  const auto fail = run_tpuplan({"diff", dir.file("old.json"), dir.file("new.json"), "--fail-above", "10"});
  CHECK(fail.exit_code == 1);
  CHECK(fail.out.find("usd_per_month_spot") != std::string::npos);
  CHECK(fail.err.rfind("tpuplan: error: 9 monthly figures rose more than 10% (--fail-above): v5p-8@us-central1 · bf16 "
                       "usd_per_month_spot +18.2%",
                       0) == 0);
  CHECK(std::count(fail.err.begin(), fail.err.end(), '\n') == 1);
  // A fall never fails.
  const auto fall = run_tpuplan({"diff", dir.file("new.json"), dir.file("old.json"), "--fail-above", "0"});
  CHECK(fall.exit_code == 0);
}

TEST_CASE("diff refuses reports of two commands, and a file that is no report", "[cli][diff]") {
  TempDir dir;
  save_cost(dir.file("cost.json"));
  REQUIRE(run_tpuplan(with_fixture_data({"catalog", "-o", dir.file("catalog.json")})).exit_code == 0);
  const auto mixed = run_tpuplan({"diff", dir.file("cost.json"), dir.file("catalog.json")});
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.err.find("is a tpuplan.cost/v1 report and") != std::string::npos);
  {
    std::ofstream(dir.file("junk.json")) << "{ not json";
  }
  const auto junk = run_tpuplan({"diff", dir.file("cost.json"), dir.file("junk.json")});
  CHECK(junk.exit_code == 2);
  CHECK(junk.err.find("junk.json: not JSON") != std::string::npos);
  CHECK(std::count(junk.err.begin(), junk.err.end(), '\n') == 1);
}
