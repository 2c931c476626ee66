// `tpuplan plan` against the fixture data: the fleet plan under a load curve, its tables and
// chart, the flat-curve special case of breakeven, and bad curves.
#include "run_process.hpp"
#include "strict_xml.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

using namespace tpuplan::test;
using json = nlohmann::json;

namespace {

const std::string k_catalog = std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog";
const std::string k_breakeven = std::string(TPUPLAN_TEST_DATA_DIR) + "/breakeven";
const std::string k_diurnal = "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1";

ProcessResult plan(std::vector<std::string> args, const std::string& data = k_catalog) {
  args.insert(args.begin(), "plan");
  args.insert(args.end(), {"--data", data});
  return run_tpuplan(args);
}

json plan_json(std::vector<std::string> args, const std::string& data = k_catalog) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = plan(args, data);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/tpuplan-plan-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("plan gives each option's terms, marks the cheapest, and its hours add up", "[cli][plan]") {
  const json doc = plan_json({"--model", "8b", "--load-curve", k_diurnal, "--ttft-ms", "1000"});
  CHECK(doc["schema"] == "tpuplan.plan/v1");
  CHECK(doc["inputs"]["workload"]["load_curve"]["hours"] == 24);
  CHECK(doc["inputs"]["workload"]["load_curve"]["peak_requests_per_s"] == 6.0);
  const auto& plans = doc["tables"]["plans"]["rows"];
  REQUIRE_FALSE(plans.empty());
  std::map<std::string, double> best_bill;
  std::map<std::string, double> min_bill;
  for (const auto& row : plans) {
    const std::string id = row["offering"];
    const double bill = row["usd_per_month"].get<double>();
    CHECK(bill == Approx(row["committed_usd_per_month"].get<double>() + row["on_demand_usd_per_month"].get<double>() +
                         row["spot_usd_per_month"].get<double>()));
    min_bill[id] = min_bill.count(id) ? std::min(min_bill[id], bill) : bill;
    if (row["best"] == true) {
      best_bill[id] = bill;
    }
    if (row["term"] == "none") {
      CHECK(row["committed"] == 0);
    }
  }
  for (const auto& [id, bill] : min_bill) {
    CHECK(best_bill.at(id) == Approx(bill));
  }
  // v5e has 1y and 3y prices in us-central1; the GPUs have none: no commitment rows, never $0.
  bool v5e_3y = false;
  for (const auto& row : plans) {
    v5e_3y = v5e_3y || (row["accelerator"] == "v5e" && row["term"] == "3y");
    if (row["kind"] == "gpu") {
      CHECK(row["term"] == "none");
    }
  }
  CHECK(v5e_3y);
  const auto& hours = doc["tables"]["hours"]["rows"];
  REQUIRE(hours.size() == 48); // the best TPU plan and the best GPU plan, 24 hours each
  for (const auto& h : hours) {
    const int needed = h["needed"], committed = h["committed"], od = h["on_demand"], spot = h["spot"];
    CHECK(std::max(0, needed - committed) == od + spot);
    CHECK(h["load_replicas"].get<double>() <= needed + 1e-9);
  }
  const std::string verdict = doc["notes"][0];
  CHECK((verdict.rfind("TPU wins", 0) == 0 || verdict.rfind("GPU wins", 0) == 0));
}

TEST_CASE("plan with a flat curve commits where breakeven --hours puts the crossover", "[cli][plan][breakeven]") {
  // v5e-16@us-central1: 3y at $7.20 against $16 on demand: 24 × 0.45 = 10.8 h/day.
  const json be = json::parse(run_tpuplan({"breakeven", "--data", k_breakeven, "--hours", "10", "--offering",
                                           "v5e-16@us-central1", "--format", "json"})
                                  .out);
  const double crossover = be["tables"]["commitment"]["rows"][0]["breakeven_3y_vs_on_demand_hours_per_day"];
  CHECK(crossover == Approx(10.8));
  auto committed_at = [&](const std::string& hours) {
    const json doc = plan_json({"--model", "70b", "--rate", "2", "--hours", hours, "--spot-max-share", "0",
                                "--accelerator", "v5e"},
                               k_breakeven);
    for (const auto& row : doc["tables"]["plans"]["rows"]) {
      if (row["term"] == "3y") {
        CHECK(row["commit_breakeven_hours_per_day"].get<double>() == Approx(crossover));
        return std::pair{row["committed"].get<int>(), row["peak_replicas"].get<int>()};
      }
    }
    FAIL("no 3y row");
    return std::pair{0, 0};
  };
  const auto below = committed_at("10");
  const auto above = committed_at("11");
  CHECK(below.first == 0);
  CHECK(above.first == above.second); // all of the flat load's replicas
  CHECK(above.second >= 1);
}

TEST_CASE("plan puts at most the spot share on spot and names the preemption model", "[cli][plan]") {
  const json doc = plan_json({"--model", "8b", "--load-curve", k_diurnal, "--spot-max-share", "0.25",
                              "--spot-preemptions-per-day", "2", "--spot-recovery-hours", "0.5"});
  CHECK(doc["inputs"]["spot"]["overhead"].get<double>() == Approx(2.0 / 24 * 0.5));
  for (const auto& h : doc["tables"]["hours"]["rows"]) {
    CHECK(h["spot"].get<int>() <= static_cast<int>(0.25 * h["needed"].get<int>() + 1e-9));
  }
  CHECK(doc["assumptions"]["spot_max_share"]["value"] == 0.25);
}

TEST_CASE("plan reads a weekly curve from a file and labels its hours from Monday", "[cli][plan]") {
  std::string csv = "hour,requests_per_s\n";
  for (int h = 0; h < 168; ++h) {
    csv += fmt::format("{},{}\n", h, (h / 24) < 5 ? 1 + (h % 24) / 4 : 1); // weekdays busier
  }
  const std::string path = temp_file("week.csv", csv);
  const json doc = plan_json({"--model", "8b", "--load-curve", path});
  std::remove(path.c_str());
  const auto& hours = doc["tables"]["hours"]["rows"];
  REQUIRE(hours.size() % 168 == 0);
  CHECK(hours[0]["hour_label"] == "Mon 00:00");
  CHECK(hours[167]["hour_label"] == "Sun 23:00");
  CHECK(doc["inputs"]["workload"]["load_curve"]["source"] == path);
}

TEST_CASE("plan draws committed, on-demand and spot stacked over the load, one panel per platform", "[cli][plan][chart]") {
  const auto r = plan({"--model", "8b", "--load-curve", k_diurnal, "--format", "svg"});
  REQUIRE(r.exit_code == 0);
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(r.out));
  std::size_t panels = 0;
  for (const auto* g : doc->find_all("g")) {
    panels += g->attr("class") == "panel" ? 1 : 0;
  }
  CHECK(panels == 2);
  const std::string text = doc->all_text();
  for (const char* label : {"committed", "on-demand", "spot", "load (replicas)", "hour of the day"}) {
    CHECK(text.find(label) != std::string::npos);
  }
}

TEST_CASE("plan rejects bad curves with one line naming the file and line, exit 2", "[cli][plan]") {
  // A bad curve (not a missing file or a missing flag) also says, on the same line, what a curve may be.
  const auto check = [](std::vector<std::string> args, const std::string& expected, bool says_accepted = false) {
    const auto r = plan(std::move(args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("tpuplan: error: " + expected, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK((r.err.find("; accepted") != std::string::npos) == says_accepted);
  };
  const auto check_curve = [&check](std::vector<std::string> args, const std::string& expected) {
    check(std::move(args), expected, true);
  };
  check_curve({"--model", "8b", "--load-curve", "1,2,-1"}, "--load-curve: value 3: -1 is not a request rate ≥ 0");
  check_curve({"--model", "8b", "--load-curve", "1,2,3"}, "--load-curve: 3 values in the curve");
  const std::string nan = temp_file("nan.csv", "hour,requests_per_s\n0,1\n1,NaN\n");
  check_curve({"--model", "8b", "--load-curve", nan}, nan + ":3: NaN is not a request rate");
  const std::string empty = temp_file("empty.csv", "");
  check_curve({"--model", "8b", "--load-curve", empty}, empty + ": the file is empty");
  const std::string column = temp_file("column.csv", "hour,qps\n0,1\n");
  check_curve({"--model", "8b", "--load-curve", column}, column + ":1: unknown column 'qps'");
  const std::string yaml = temp_file("bad.yaml", "requests_per_s: [1, 2, -3]\n");
  check_curve({"--model", "8b", "--load-curve", yaml}, yaml + ":1:24: -3 is negative");
  check({"--model", "8b", "--load-curve", "/nonexistent/curve.csv"}, "--load-curve: cannot read '/nonexistent/curve.csv': no such file");
  check({"--model", "8b"}, "plan needs a load");
  check({"--model", "8b", "--rate", "1", "--spot-max-share", "2"}, "--spot-max-share: 2 is not a fraction");
  for (const auto& f : {nan, empty, column, yaml}) {
    std::remove(f.c_str());
  }
}

TEST_CASE("plan --accelerator v5e,h100 compares exactly the listed accelerators", "[cli][plan]") {
  const json doc = plan_json({"--model", "8b", "--load-curve", k_diurnal, "--accelerator", "v5e,h100", "--all"});
  std::set<std::string> seen;
  for (const auto& row : doc["tables"]["plans"]["rows"]) {
    seen.insert(row["accelerator"].get<std::string>());
  }
  CHECK(seen == std::set<std::string>{"v5e", "h100"});
  const auto bad = plan({"--model", "8b", "--load-curve", k_diurnal, "--accelerator", "v5e,h10"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("h10") != std::string::npos);
}

TEST_CASE("the seed's 8 h/day burst as a load curve: plan bills what breakeven --hours 8 bills, commits nothing",
          "[cli][plan][seed]") {
  // docs/seed-appendix-g.md: the seed's price sheet, its 30-day month, a load one replica serves.
  const std::vector<std::string> seed = {"--config", std::string(TPUPLAN_SOURCE_DIR) + "/examples/seed-appendix-g.yaml",
                                         "--hours-per-month", "720", "--format", "json"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), seed.begin(), seed.end());
    const auto r = run_tpuplan(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  const json be = run({"breakeven", "--hours", "8", "--offering", "v4-8@appendix-g", "--offering",
                       "4x-a100-40gb@appendix-g", "--offering", "v5e-8@appendix-g"});
  std::map<std::string, json> commitment;
  for (const auto& row : be["tables"]["commitment"]["rows"]) {
    commitment[row["offering"].get<std::string>()] = row;
  }
  const std::string burst = "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
  for (const auto& [curve, hours] : {std::pair{std::string("--load-curve"), burst}, {"--rate", "0.5"}}) {
    std::vector<std::string> args = {"plan", "--cloud", "seed", "--model", "70b", "--precision", "int8", curve, hours};
    if (curve == "--rate") {
      args.insert(args.end(), {"--hours", "8"}); // the flat curve breakeven --hours 8 describes
    }
    const json plan = run(args);
    std::size_t best = 0;
    for (const auto& row : plan["tables"]["plans"]["rows"]) {
      const std::string id = row["offering"];
      INFO(curve << " " << id << " " << row["term"]);
      CHECK(row["peak_replicas"] == 1);
      CHECK(row["committed"] == 0); // 8 h/day is below every break-even (12.0 … 18.2 h/day)
      CHECK(row["usd_per_month"].get<double>() ==
            Approx(commitment.at(id)["usd_per_month_on_demand"].get<double>()));
      if (row["term"] != "none") {
        const std::string key = "breakeven_" + row["term"].get<std::string>() + "_vs_on_demand_hours_per_day";
        CHECK(row["commit_breakeven_hours_per_day"].get<double>() == Approx(commitment.at(id)[key].get<double>()));
      }
      best += row["best"] == true ? 1 : 0;
    }
    CHECK(best == 3);
  }
}

TEST_CASE("plan --confidence slow plans for the slow end of the error band: less capacity, more replicas", "[cli][plan]") {
  const json central = plan_json({"--model", "8b", "--load-curve", k_diurnal});
  const json slow = plan_json({"--model", "8b", "--load-curve", k_diurnal, "--confidence", "slow"});
  CHECK(slow["inputs"]["confidence"] == "slow");
  const auto& a = central["tables"]["plans"]["rows"];
  const auto& b = slow["tables"]["plans"]["rows"];
  REQUIRE_FALSE(b.empty());
  std::size_t compared = 0;
  for (const auto& row : b) {
    for (const auto& other : a) {
      if (other["offering"] == row["offering"] && other["term"] == row["term"]) {
        INFO(row["offering"] << " " << row["term"]);
        ++compared;
        CHECK(row["capacity_requests_per_s"].get<double>() < other["capacity_requests_per_s"].get<double>());
        CHECK(row["peak_replicas"].get<int>() >= other["peak_replicas"].get<int>());
      }
    }
  }
  CHECK(compared > 0);
  bool noted = false;
  for (const auto& n : slow["notes"]) {
    noted = noted || n.get<std::string>().find("--confidence slow") != std::string::npos;
  }
  CHECK(noted);
}
