// `tpuplan breakeven` against the fixture tests/data/breakeven (round invented prices):
// v5e-16@us-central1 $16 / $4 / $11.20 / $7.20 an hour, a2-highgpu-4g $12 / $6, a 730-hour
// month (30.41667 days) and a 10% spot overhead unless a test says otherwise.
#include "run_process.hpp"
#include "strict_xml.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace tpuplan::test;
using json = nlohmann::json;

namespace {

const std::string k_fixture = std::string(TPUPLAN_TEST_DATA_DIR) + "/breakeven";

ProcessResult breakeven(std::vector<std::string> args) {
  args.insert(args.begin(), {"breakeven", "--data", k_fixture});
  return run_tpuplan(args);
}

json json_of(std::vector<std::string> args) {
  args.insert(args.end(), {"--format", "json"});
  const auto r = breakeven(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

/// The rows of `table` whose `key` equals `value`.
std::vector<json> rows_where(const json& doc, const std::string& table, const std::string& key, const json& value) {
  std::vector<json> out;
  for (const auto& row : doc["tables"][table]["rows"]) {
    if (row[key] == value) {
      out.push_back(row);
    }
  }
  return out;
}

std::vector<std::vector<std::string>> csv_records(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    REQUIRE(!line.empty());
    REQUIRE(line.back() == '\r');
    line.pop_back();
    std::vector<std::string> fields;
    std::istringstream fs(line);
    std::string field;
    while (std::getline(fs, field, ',')) {
      fields.push_back(field);
    }
    if (line.back() == ',') {
      fields.emplace_back();
    }
    records.push_back(fields);
  }
  return records;
}

} // namespace

TEST_CASE("breakeven at 8 hours a day bills each tier and gives commitment break-evens", "[cli][breakeven]") {
  const auto doc = json_of({"--hours", "8"});
  CHECK(doc["schema"] == "tpuplan.breakeven/v1");
  CHECK(doc["inputs"]["model"] == "llama-3.1-70b");
  const auto rows = doc["tables"]["commitment"]["rows"];
  // One option per accelerator that holds the model: the 2-GPU VM (80 GiB) does not.
  REQUIRE(rows.size() == 3);
  const json gpu = rows_where(doc, "commitment", "offering", "a2-highgpu-4g@us-central1").at(0);
  // v5e in us-central1, where all four tiers are priced, not europe-west4 (same on-demand price).
  REQUIRE(rows_where(doc, "commitment", "offering", "v5e-16@europe-west4").empty());
  const json v5e = rows_where(doc, "commitment", "offering", "v5e-16@us-central1").at(0);
  CHECK(v5e["replicas"] == 1); // no load: one replica
  CHECK(v5e["usd_per_month_on_demand"].get<double>() == Approx(16 * 8 * 730.0 / 24));
  CHECK(v5e["usd_per_month_spot"].get<double>() == Approx(4 * 1.1 * 8 * 730.0 / 24));
  CHECK(v5e["usd_per_month_1y"].get<double>() == Approx(11.2 * 730));
  CHECK(v5e["usd_per_month_3y"].get<double>() == Approx(7.2 * 730));
  CHECK(v5e["cheapest_tier"] == "spot");
  CHECK(v5e["breakeven_1y_vs_on_demand_hours_per_day"].get<double>() == Approx(16.8));
  CHECK(v5e["breakeven_3y_vs_on_demand_hours_per_day"].get<double>() == Approx(10.8));
  CHECK(v5e["breakeven_3y_vs_spot_hours_per_day"].get<double>() == Approx(24 * 7.2 / 4.4));
  CHECK(v5e["discount_1y_percent"].get<double>() == Approx(30));
  // Spot ($4/h) stays cheaper than on-demand ($16/h) until 300% of the hours are lost, and
  // than the 3-year commitment at 8 h/day until 5,256 ÷ (4 × 8 × 30.4167) − 1 = 440%.
  CHECK(v5e["spot_breakeven_overhead_vs_on_demand_percent"].get<double>() == Approx(300));
  CHECK(v5e["spot_breakeven_overhead_vs_3y_percent"].get<double>() == Approx(100 * (5256 / (4 * 8 * 730.0 / 24) - 1)));
  // A GPU without commitment prices: absent, never 0.
  CHECK(gpu["usd_per_month_1y"].is_null());
  CHECK(gpu["breakeven_1y_vs_on_demand_hours_per_day"].is_null());
}

TEST_CASE("breakeven compares the cheapest TPU and GPU options per tier with savings", "[cli][breakeven]") {
  // A load one replica of each serves: equal load is then one replica's bill against the other's.
  const auto doc = json_of({"--hours", "8", "--rate", "0.01"});
  CHECK(rows_where(doc, "platform", "tier", "on-demand").at(0)["basis"] == "equal load");
  const auto od = rows_where(doc, "platform", "tier", "on-demand").at(0);
  CHECK(od["tpu_offering"] == "v5e-16@us-central1");
  CHECK(od["gpu_offering"] == "a2-highgpu-4g@us-central1");
  CHECK(od["winner"] == "gpu");
  CHECK(od["savings_usd_per_month"].get<double>() == Approx(4 * 8 * 730.0 / 24));
  CHECK(od["savings_percent"].get<double>() == Approx(25));
  const auto spot = rows_where(doc, "platform", "tier", "spot").at(0);
  CHECK(spot["winner"] == "tpu");
  CHECK(spot["savings_percent"].get<double>() == Approx(100.0 / 3));
  const auto y1 = rows_where(doc, "platform", "tier", "1y").at(0);
  CHECK(y1["gpu_offering"].is_null());
  CHECK(y1["winner"].is_null());
  CHECK(rows_where(doc, "platform", "tier", "cheapest").at(0)["winner_changes_at_hours_per_day"].is_null());
  // Per-token cost at equal load: the bill over the load's output tokens in 8 h × 30.4167 days.
  for (const char* side : {"tpu", "gpu"}) {
    const std::string p = side;
    CHECK(od[p + "_replicas"] == 1);
    const double tokens = 0.01 * 1000 * 3600 * 8 * 730.0 / 24;
    CHECK(od[p + "_usd_per_million_output_tokens"].get<double>() ==
          Approx(od[p + "_usd_per_month"].get<double>() / tokens * 1e6));
  }
}

TEST_CASE("without a load the platform winner is the cheaper per token, as the per-token columns say",
          "[cli][breakeven][equal-load]") {
  const auto doc = json_of({"--hours", "24"});
  for (const auto& row : doc["tables"]["platform"]["rows"]) {
    if (row["winner"].is_null()) {
      continue;
    }
    INFO(row.dump());
    CHECK(row["basis"] == "per token");
    CHECK(row["savings_usd_per_month"].is_null()); // no load: no bill of serving it to compare
    const double tpu = row["tpu_usd_per_million_output_tokens"].get<double>();
    const double gpu = row["gpu_usd_per_million_output_tokens"].get<double>();
    CHECK(row["winner"] == (tpu < gpu ? "tpu" : "gpu"));
    CHECK(row["savings_percent"].get<double>() == Approx(100 * (1 - std::min(tpu, gpu) / std::max(tpu, gpu))));
  }
  CHECK(doc["inputs"]["workload"]["comparison"] == "per replica");
}

TEST_CASE("breakeven finds where the cheaper platform changes across tiers", "[cli][breakeven]") {
  // TPU: min(16 $/h on demand, 3y $7.20 × 730 = $5,256); GPU: $12/h on demand.
  // 12 × H × 730/24 = 5,256 at H = 14.4 h/day: the GPU wins below, the TPU's 3-year above.
  const auto doc = json_of({"--hours", "8", "--tier", "on-demand", "--tier", "3y", "--rate", "0.01"});
  const auto cheapest = rows_where(doc, "platform", "tier", "cheapest").at(0);
  CHECK(cheapest["winner"] == "gpu");
  CHECK(cheapest["winner_changes_at_hours_per_day"].get<double>() == Approx(14.4));
  bool noted = false;
  for (const auto& n : doc["tables"]["platform"]["notes"]) {
    noted = noted || n.get<std::string>().find("at 14.40 h/day the cheaper platform changes from GPU "
                                               "(a2-highgpu-4g@us-central1 on-demand) to TPU "
                                               "(v5e-16@us-central1 3y)") != std::string::npos;
  }
  CHECK(noted);
}

TEST_CASE("breakeven over a range of hours gives one row per hour and option", "[cli][breakeven]") {
  const auto r = breakeven({"--hours", "1..24", "--format", "csv", "--table", "commitment"});
  REQUIRE(r.exit_code == 0);
  const auto records = csv_records(r.out);
  REQUIRE(records.size() == 1 + 24 * 3);
  CHECK(records[0][0] == "hours_per_day");
  CHECK(records[1][0] == "1");
  CHECK(records.back()[0] == "24");
  const auto step = breakeven({"--hours", "0..24:6", "--format", "csv", "--table", "platform", "--tier", "3y"});
  CHECK(csv_records(step.out).size() == 1 + 5 * 2); // 0, 6, 12, 18, 24 × (3y, cheapest)
}

TEST_CASE("breakeven JSON holds every table, or with --table that one table once", "[cli][breakeven]") {
  const auto whole = breakeven({"--hours", "1..24", "--format", "json"});
  REQUIRE(whole.exit_code == 0);
  const json all = json::parse(whole.out);
  REQUIRE(all.contains("tables"));
  CHECK(all["tables"].contains("platform"));
  CHECK(all["table"] == "commitment");
  CHECK(all["rows"] == all["tables"]["commitment"]["rows"]);
  const auto one = breakeven({"--hours", "1..24", "--format", "json", "--table", "commitment"});
  REQUIRE(one.exit_code == 0);
  const json picked = json::parse(one.out);
  CHECK_FALSE(picked.contains("tables"));
  CHECK(picked["table"] == "commitment");
  CHECK(picked["rows"] == all["tables"]["commitment"]["rows"]);
  CHECK(picked["columns"] == all["tables"]["commitment"]["columns"]);
  // The table's own notes move to the document's notes, none lost.
  for (const auto& n : all["tables"]["commitment"]["notes"]) {
    CHECK(std::find(picked["notes"].begin(), picked["notes"].end(), n) != picked["notes"].end());
  }
  CHECK(one.out.size() < whole.out.size() * 3 / 4);
}

TEST_CASE("the breakeven chart is well-formed SVG whose lines carry the table's figures", "[cli][breakeven]") {
  const std::vector<std::string> args = {"--hours", "1..24", "--offering", "v5e-16@us-central1", "--offering",
                                         "a2-highgpu-4g"};
  auto svg_args = args;
  svg_args.insert(svg_args.end(), {"--format", "svg"});
  const auto svg = breakeven(svg_args);
  REQUIRE(svg.exit_code == 0);
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(svg.out));
  CHECK(doc->name == "svg");
  const std::string text = doc->all_text();
  CHECK(text.find("hours per day the service runs (h)") != std::string::npos);
  CHECK(text.find("monthly cost (USD)") != std::string::npos);
  CHECK(text.find("v5e-16@us-central1: 1y = on-demand at 16.80 h/day") != std::string::npos);

  auto csv_args = args;
  csv_args.insert(csv_args.end(), {"--format", "csv", "--table", "commitment"});
  const auto records = csv_records(breakeven(csv_args).out);
  const auto& header = records[0];
  const auto column = [&](const std::string& key) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), key) - header.begin());
  };
  // Series "offering · tier": its data-points are the (hours, $/month) cells of the table.
  std::map<std::string, std::string> expected;
  for (std::size_t i = 1; i < records.size(); ++i) {
    for (const std::string tier : {"on-demand", "spot", "1y", "3y"}) {
      const std::string key = "usd_per_month_" + (tier == "on-demand" ? std::string("on_demand") : tier);
      const std::string& value = records[i][column(key)];
      if (!value.empty()) {
        auto& points = expected[records[i][column("offering")] + " · " + tier];
        points += (points.empty() ? "" : " ") + records[i][0] + "," + value;
      }
    }
  }
  const auto lines = doc->find_all("polyline");
  REQUIRE(lines.size() == expected.size()); // 4 tiers of v5e + 2 of the GPU
  for (const auto* l : lines) {
    INFO(l->attr("data-series"));
    CHECK(l->attr("data-points") == expected.at(l->attr("data-series")));
  }
  CHECK(doc->find_all("circle").size() == 2); // the v5e's 1y and 3y break-evens
}

TEST_CASE("breakeven prices self-hosting against a per-token API at equal load", "[cli][breakeven][equal-load]") {
  const auto doc = json_of({"--hours", "8", "--api-usd-per-million-tokens", "1", "--input-tokens", "1000",
                            "--output-tokens", "250", "--tokens-per-day", "150000000", "--tier", "on-demand"});
  const auto v5e = rows_where(doc, "api", "offering", "v5e-16@us-central1").at(0);
  // $16 × 8 h × 30.4167 days = $3,893.33 a month = 128M tokens a day at $1 per 1M.
  CHECK(v5e["breakeven_tokens_per_day"].get<double>() == Approx(128e6));
  CHECK(v5e["breakeven_requests_per_day"].get<double>() == Approx(128e6 / 1250));
  CHECK(v5e["breakeven_requests_per_hour"].get<double>() == Approx(128e6 / 1250 / 8));
  CHECK(v5e["api_usd_per_month"].get<double>() == Approx(150 * 730.0 / 24));
  // One v5e-16 serves the 150M tokens a day and bills less than the API would.
  REQUIRE(v5e["replicas"] == 1);
  CHECK(v5e["cheaper"] == "self-host");
  // Capacity is one replica's within the SLO over the 8 hours; the "servable" flag agrees with it.
  REQUIRE(v5e["capacity_tokens_per_day"].is_number());
  CHECK(v5e["breakeven_within_capacity"] ==
        (v5e["breakeven_tokens_per_day"].get<double>() <= v5e["capacity_tokens_per_day"].get<double>()));
  // The self-hosting bill is of the replicas the 150M tokens a day need, as cost counts them.
  for (const char* id : {"v5e-16@us-central1", "a2-highgpu-4g@us-central1"}) {
    const auto row = rows_where(doc, "api", "offering", id).at(0);
    INFO(id);
    const double capacity = row["capacity_tokens_per_day"].get<double>();
    const int replicas = row["replicas"].get<int>();
    CHECK(replicas == static_cast<int>(std::ceil(1.5e8 / capacity)));
    CHECK(row["usd_per_month"].get<double>() == Approx(replicas * row["replica_usd_per_month"].get<double>()));
    CHECK(row["self_host_savings_usd_per_month"].get<double>() ==
          Approx(row["api_usd_per_month"].get<double>() - row["usd_per_month"].get<double>()));
  }
  // One a2-highgpu-4g breaks even at 96M tokens a day but serves fewer than 150M: serving them takes
  // several, and the API is cheaper (one replica's bill against all the traffic said otherwise).
  const auto gpu = rows_where(doc, "api", "offering", "a2-highgpu-4g@us-central1").at(0);
  CHECK(gpu["breakeven_tokens_per_day"].get<double>() == Approx(96e6));
  CHECK(gpu["replicas"].get<int>() > 1);
  CHECK(gpu["cheaper"] == "api");
}

TEST_CASE("breakeven with a buy sheet gives months until owning beats each cloud tier", "[cli][breakeven]") {
  const auto doc = json_of({"--hours", "24", "--buy", k_fixture + "/buy.yaml", "--tier", "on-demand"});
  const auto rows = rows_where(doc, "buy", "offering", "a2-highgpu-4g@us-central1");
  REQUIRE(rows.size() == 1);
  // Own: 6,000 fixed + 10 kW × 1.5 × $0.10 × 730 h = $7,095; rent 12 × 730 = $8,760;
  // running 1,000 + 1,095 → 240,000 ÷ (8,760 − 2,095) = 36.0 months, within 48.
  CHECK(rows[0]["onprem_usd_per_month"].get<double>() == Approx(7095));
  CHECK(rows[0]["cloud_usd_per_month"].get<double>() == Approx(8760));
  CHECK(rows[0]["breakeven_months"].get<double>() == Approx(240000.0 / (8760 - 2095)));
  CHECK(rows[0]["pays_off_within_lifetime"] == true);
  CHECK(doc["assumptions"]["buy.gpu-server.pue"]["value"] == 1.5);
}

TEST_CASE("breakeven rejects bad input with one line and exit code 2", "[cli][breakeven]") {
  const auto check = [](std::vector<std::string> args, const std::string& expected) {
    const auto r = breakeven(std::move(args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("tpuplan: error: " + expected, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  check({"--hours", "25"}, "--hours: '25' is outside 0–24 hours per day");
  check({"--hours", "-1"}, "--hours: '-1' is outside 0–24 hours per day");
  check({"--hours", "9..3"}, "--hours: '9..3' must go from a smaller to a larger number of hours");
  check({"--hours", "1..24:0"}, "--hours: '1..24:0' needs a step > 0");
  check({"--hours", "eight"}, "--hours: 'eight' is not a number of hours");
  check({"--spot-overhead", "-0.5"}, "--spot-overhead: -0.5 is not a fraction ≥ 0");
  check({"--api-usd-per-million-tokens", "-2"}, "--api-usd-per-million-tokens: -2 is not a price ≥ 0");
  check({"--tokens-per-day", "-5"}, "--tokens-per-day: -5 is not a positive token count");
  check({"--input-tokens", "0", "--output-tokens", "10"}, "--input-tokens: 0 is not a token count");
  check({"--rate", "1", "--tokens-per-day", "5"}, "--rate, --tokens-per-day, --concurrency and --load-curve are exclusive");
  check({"--offering", "a2-highgpu-4g", "--tier", "1y"},
        "--tier 1y: offering 'a2-highgpu-4g@us-central1' has no 1y price");
  check({"--offering", "a2-highgpu-4x"}, "unknown offering 'a2-highgpu-4x'; did you mean 'a2-highgpu-4g'?");
  check({"--tier", "2y"}, "--tier: unknown tier '2y'");
  check({"--hours", "8", "--format", "svg"}, "--format svg draws monthly cost against hours per day");
}

TEST_CASE("a bad buy sheet is an input error naming file, line and column", "[cli][breakeven]") {
  const std::string sheet = "/tmp/tpuplan-test-buy-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream f(sheet);
    f << "machines:\n  - id: x\n    accelerator: h100\n    chips: 8\n    purchase_usd: -5\n";
  }
  const auto r = breakeven({"--buy", sheet});
  std::remove(sheet.c_str());
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: " + sheet + ":5:19: machines[0].purchase_usd: -5 is out of range; USD ≥ 0\n");
}

TEST_CASE("breakeven exits 3 when no offering holds the model", "[cli][breakeven]") {
  const auto r = breakeven({"--model", "405b"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.rfind("tpuplan: error: no offering holds llama-3.1-405b at bf16", 0) == 0);
}

TEST_CASE("cost draws its monthly bills as a bar chart with the same renderer", "[cli][breakeven][chart]") {
  const auto r = run_tpuplan({"cost", "--data", k_fixture, "--model", "70b", "--hours", "8", "--format", "svg"});
  REQUIRE(r.exit_code == 0);
  std::unique_ptr<XmlElement> doc;
  REQUIRE_NOTHROW(doc = StrictXml::parse(r.out));
  const std::string text = doc->all_text();
  CHECK(text.find("v5e-16@us-central1") != std::string::npos);
  CHECK(text.find("monthly cost (USD)") != std::string::npos);
  // One group of bars per tier: v5e has four tiers priced, the two GPUs two each.
  std::size_t bars = 0;
  for (const auto* g : doc->find_all("g")) {
    if (!g->attr("data-series").empty()) {
      bars += g->find_all("rect").size();
    }
  }
  CHECK(bars == 4 + 2 + 2);
}

// ---- the seed's worked examples (docs/seed-appendix-g.md) ------------------------------------
// examples/seed-appendix-g.yaml holds the seed's figures as printed; the fixture only supplies
// accelerator specs and models. The seed's month is 30 days: --hours-per-month 720.

namespace {

json seed(std::vector<std::string> args) {
  std::vector<std::string> all = {"--config", std::string(TPUPLAN_SOURCE_DIR) + "/examples/seed-appendix-g.yaml",
                                  "--hours-per-month", "720", "--offering", "v4-8@appendix-g", "--offering",
                                  "4x-a100-40gb@appendix-g", "--offering", "v5e-8@appendix-g"};
  all.insert(all.end(), args.begin(), args.end());
  return json_of(all);
}

json seed_row(const json& doc, const std::string& offering) {
  return rows_where(doc, "commitment", "offering", offering).at(0);
}

} // namespace

TEST_CASE("seed: the sustained 24/7 figures are the v4-8's on-demand rate against the A100's 1-year rate",
          "[cli][breakeven][seed]") {
  const auto doc = seed({"--hours", "24"});
  const auto v4 = seed_row(doc, "v4-8@appendix-g");
  const auto a100 = seed_row(doc, "4x-a100-40gb@appendix-g");
  // The seed's "$3,168/month (1-year commit)" is 4.40 × 720, the on-demand rate; the 1-year
  // rate gives 3.30 × 720 = $2,376. Its "$5,760 (1-year)" for 4× A100 is right: 8 × 720.
  CHECK(v4["usd_per_month_on_demand"].get<double>() == Approx(3168));
  CHECK(v4["usd_per_month_1y"].get<double>() == Approx(2376));
  CHECK(a100["usd_per_month_1y"].get<double>() == Approx(5760));
  // Like for like (1-year against 1-year), the v4-8 saves $3,384 (58.75%), not $2,592 (45%).
  const auto only_v4 = json_of({"--config", std::string(TPUPLAN_SOURCE_DIR) + "/examples/seed-appendix-g.yaml",
                                "--hours-per-month", "720", "--hours", "24", "--offering", "v4-8@appendix-g",
                                "--offering", "4x-a100-40gb@appendix-g"});
  const auto like = rows_where(only_v4, "platform", "tier", "1y").at(0);
  CHECK(like["tpu_offering"] == "v4-8@appendix-g");
  CHECK(like["savings_usd_per_month"].get<double>() == Approx(3384));
  CHECK(like["savings_percent"].get<double>() == Approx(58.75));
  // With the v5e-8 in the comparison, its $2.20 1-year rate is the cheaper TPU: $1,584.
  const auto y1 = rows_where(doc, "platform", "tier", "1y").at(0);
  CHECK(y1["tpu_offering"] == "v5e-8@appendix-g");
  CHECK(y1["tpu_usd_per_month"].get<double>() == Approx(1584));
}

TEST_CASE("seed: the 8 h/day burst figures bill the A100's 1-year rate by the hour, which no commitment does",
          "[cli][breakeven][seed]") {
  const auto doc = seed({"--hours", "8"});
  const auto v4 = seed_row(doc, "v4-8@appendix-g");
  const auto a100 = seed_row(doc, "4x-a100-40gb@appendix-g");
  CHECK(v4["usd_per_month_on_demand"].get<double>() == Approx(1056)); // the seed's $1,056: 4.40 × 8 × 30
  // The seed's $1,920 is 8 × 8 × 30; a 1-year commitment bills all 720 hours: $5,760. On demand: $2,880.
  CHECK(a100["usd_per_month_1y"].get<double>() == Approx(5760));
  CHECK(a100["usd_per_month_on_demand"].get<double>() == Approx(2880));
  CHECK(a100["cheapest_tier"] == "on-demand");
}

TEST_CASE("seed: the committed-use savings are $792 and $1,296 a month, not $950 and $1,580", "[cli][breakeven][seed]") {
  const auto v4 = seed_row(seed({"--hours", "24"}), "v4-8@appendix-g");
  CHECK(v4["discount_1y_percent"].get<double>() == Approx(25));
  CHECK(v4["discount_3y_percent"].get<double>() == Approx(100 * (1 - 2.60 / 4.40)));
  CHECK(v4["savings_1y_vs_on_demand_usd_per_month"].get<double>() == Approx(792));
  CHECK(v4["savings_3y_vs_on_demand_usd_per_month"].get<double>() == Approx(1296));
  CHECK(v4["breakeven_1y_vs_on_demand_hours_per_day"].get<double>() == Approx(18));
  CHECK(v4["breakeven_3y_vs_on_demand_hours_per_day"].get<double>() == Approx(24 * 2.60 / 4.40));
}

TEST_CASE("seed: a 70B model in bf16 fits neither the v4-8 nor the v5e-8, only in int8", "[cli][breakeven][seed]") {
  const auto bf16 = seed({"--hours", "24"});
  CHECK(seed_row(bf16, "v4-8@appendix-g")["holds_model"] == false);  // 4 chips × 32 GiB, not 8 × 32
  CHECK(seed_row(bf16, "v5e-8@appendix-g")["holds_model"] == false); // 8 × 16 GiB
  CHECK(seed_row(bf16, "4x-a100-40gb@appendix-g")["holds_model"] == true);
  const auto int8 = seed({"--hours", "24", "--precision", "int8"});
  CHECK(seed_row(int8, "v4-8@appendix-g")["holds_model"] == true);
  CHECK(seed_row(int8, "v5e-8@appendix-g")["holds_model"] == true);
}

TEST_CASE("breakeven with the shipped data lists each cloud's option per accelerator, GCP GPU commitments included",
          "[cli][breakeven][data]") {
  const auto r = run_tpuplan({"breakeven", "--hours", "8", "--kind", "gpu", "--table", "commitment", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  // A commitment is bought from one cloud: per accelerator, one option of each cloud that has it.
  std::vector<std::string> a100_40;
  const json* a2 = nullptr;
  for (const auto& row : doc["rows"]) {
    const std::string id = row["offering"];
    if (id == "a2-highgpu-8g@us-central1") {
      a2 = &row;
    }
    if (row["accelerator"] == "a100-40gb") {
      a100_40.push_back(id);
    }
  }
  std::sort(a100_40.begin(), a100_40.end());
  CHECK(a100_40 == std::vector<std::string>{"Standard_ND96asr_v4@eastus", "a2-highgpu-8g@us-central1",
                                            "p4d.24xlarge@us-east-1"});
  REQUIRE(a2 != nullptr);
  // 37% and 65% off a2-highgpu-8g's $29.38708/h (docs/data.md "GCP GPU commitments").
  CHECK((*a2)["usd_per_month_1y"].get<double>() == Approx(13514.9691136).epsilon(1e-6));
  CHECK((*a2)["usd_per_month_3y"].get<double>() == Approx(7508.53662384).epsilon(1e-6));
  CHECK((*a2)["breakeven_1y_vs_on_demand_hours_per_day"].get<double>() == Approx(24 * 0.63).epsilon(1e-4));
}
