// Every money answer at the user's workload: the six inconsistencies of issue 9, each pinned on
// fixture data (tests/data/catalog, tests/data/breakeven), and the shared workload flags.
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace tpuplan::test;
using json = nlohmann::json;

namespace {

const std::string k_catalog = std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog";
const std::string k_breakeven = std::string(TPUPLAN_TEST_DATA_DIR) + "/breakeven";

json run_json(std::vector<std::string> args, const std::string& data) {
  args.insert(args.end(), {"--data", data, "--format", "json"});
  const auto r = run_tpuplan(args);
  INFO(args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json& rows_of(const json& doc, const std::string& table) {
  return doc.contains("tables") ? doc["tables"][table]["rows"] : doc["rows"];
}

json row_where(const json& rows, const std::string& key, const json& value) {
  for (const auto& row : rows) {
    if (row[key] == value) {
      return row;
    }
  }
  FAIL("no row with " << key << " = " << value);
  return {};
}

std::string temp_file(const std::string& name, const std::string& text) {
  const std::string path = "/tmp/tpuplan-" + std::to_string(::getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("1: breakeven's API table bills the replicas the traffic needs, as cost counts them",
          "[cli][equal-load][repro]") {
  const std::vector<std::string> load = {"--hours", "8", "--tokens-per-day", "150000000", "--input-tokens", "1000",
                                         "--output-tokens", "250"};
  auto args = load;
  args.insert(args.begin(), "breakeven");
  args.insert(args.end(), {"--api-usd-per-million-tokens", "1", "--tier", "on-demand"});
  const json be = run_json(args, k_breakeven);
  args = load;
  args.insert(args.begin(), {"cost", "--model", "70b", "--all"});
  const json cost = run_json(args, k_breakeven);
  for (const auto& api : rows_of(be, "api")) {
    const json c = row_where(rows_of(cost, "offerings"), "offering_id", api["offering"]);
    INFO(api["offering"]);
    CHECK(api["replicas"] == c["replicas"]);
    CHECK(api["usd_per_month"].get<double>() == Approx(c["usd_per_month_load_on_demand"].get<double>()));
  }
  // The old answer set one replica's bill against all the traffic: a2-highgpu-4g "saved" money.
  const json gpu = row_where(rows_of(be, "api"), "offering", "a2-highgpu-4g@us-central1");
  CHECK(gpu["replicas"].get<int>() > 1);
  CHECK(gpu["cheaper"] == "api");
  CHECK(be["inputs"]["workload"]["comparison"] == "equal load");
}

TEST_CASE("2: the platform winner is the cheaper per token without a load, and at the load's bills with one",
          "[cli][equal-load][repro]") {
  // Without a load: per token (the $/1M columns decide, and agree with cost's ranking).
  const json per_token = run_json({"breakeven", "--model", "mixtral", "--hours", "24", "--tier", "on-demand"}, k_catalog);
  const json od = row_where(rows_of(per_token, "platform"), "tier", "on-demand");
  CHECK(od["basis"] == "per token");
  const double tpu = od["tpu_usd_per_million_output_tokens"].get<double>();
  const double gpu = od["gpu_usd_per_million_output_tokens"].get<double>();
  CHECK(od["winner"] == (tpu < gpu ? "tpu" : "gpu"));
  const json cost = run_json({"cost", "--model", "mixtral", "--tier", "on-demand"}, k_catalog);
  CHECK(row_where(rows_of(cost, "offerings"), "offering_id", od["tpu_offering"])["usd_per_million_output_tokens_on_demand"]
            .get<double>() == Approx(tpu));
  // With a load: the bills of the replicas each side needs, and the winner is the smaller.
  const json at_load =
      run_json({"breakeven", "--model", "mixtral", "--hours", "24", "--rate", "40", "--tier", "on-demand"}, k_catalog);
  const json l = row_where(rows_of(at_load, "platform"), "tier", "on-demand");
  CHECK(l["basis"] == "equal load");
  const double tpu_bill = l["tpu_usd_per_month"].get<double>(), gpu_bill = l["gpu_usd_per_month"].get<double>();
  CHECK(l["winner"] == (tpu_bill < gpu_bill ? "tpu" : "gpu"));
  CHECK(l["savings_usd_per_month"].get<double>() == Approx(std::fabs(tpu_bill - gpu_bill)));
  const json loaded_cost = run_json({"cost", "--model", "mixtral", "--rate", "40", "--all"}, k_catalog);
  const json t = row_where(rows_of(loaded_cost, "offerings"), "offering_id", l["tpu_offering"]);
  CHECK(l["tpu_replicas"] == t["replicas"]);
  CHECK(tpu_bill == Approx(t["usd_per_month_load_on_demand"].get<double>()));
}

TEST_CASE("3: size --context bounds every sequence's KV in continuous batching", "[cli][equal-load][repro]") {
  auto batch_at = [](const std::string& context) {
    const json doc = run_json({"size", "--model", "405b", "--precision", "int8", "--kind", "gpu", "--context", context},
                              k_catalog);
    return rows_of(doc, "candidates")[0]["batch"].get<int>();
  };
  const int b2k = batch_at("2000"), b8k = batch_at("8192"), b32k = batch_at("32768");
  CHECK(b8k < b2k);
  CHECK(b32k < b8k);
  // 32 sequences of 128k tokens: 126 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 516 KB a
  // token, 67.6 GB a sequence, 2.2 TB in all — several 8 × 80 GB servers, not one.
  const json doc = run_json({"size", "--model", "405b", "--precision", "int8", "--kind", "gpu", "--concurrency", "32",
                             "--context", "131072"},
                            k_catalog);
  const json chosen = rows_of(doc, "candidates")[0];
  const double kv_per_sequence = 126.0 * 8 * 128 * 2 * 2 * 131072;
  CHECK(chosen["replicas"].get<int>() * chosen["batch"].get<int>() >= 32);
  CHECK(chosen["batch"].get<double>() * kv_per_sequence <= chosen["chips"].get<double>() * 80 * 1073741824.0);
  CHECK(chosen["replicas"].get<int>() >= 4);
  CHECK(doc["inputs"]["workload"]["context_tokens"] == 131072.0);
}

TEST_CASE("3b: size warns when no TPOT target is given and the point is far from interactive",
          "[cli][equal-load][repro]") {
  // Long prompts fill the batch with KV reads: the best batch runs at about 160 ms a token.
  const auto r = run_tpuplan({"size", "--model", "405b", "--precision", "int8", "--kind", "gpu", "--input-tokens", "8000",
                              "--output-tokens", "500", "--data", k_catalog});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("tpuplan: warning: no --tpot-ms target: the chosen") != std::string::npos);
  CHECK(r.err.find("far slower than interactive chat") != std::string::npos);
  const auto quiet = run_tpuplan({"size", "--model", "405b", "--precision", "int8", "--kind", "gpu", "--input-tokens",
                                  "8000", "--output-tokens", "500", "--tpot-ms", "200", "--data", k_catalog});
  CHECK(quiet.err.find("warning") == std::string::npos);
}

TEST_CASE("3c: percentile targets go through the queueing model: p99 needs more replicas than p50",
          "[cli][equal-load][repro]") {
  auto replicas = [](const std::string& percentile) {
    const json doc = run_json({"size", "--model", "8b", "--accelerator", "h100", "--rate", "60", "--ttft-ms", "300",
                               "--ttft-percentile", percentile},
                              k_catalog);
    CHECK(doc["inputs"]["workload"]["ttft_percentile"] == percentile);
    return rows_of(doc, "candidates")[0]["replicas"].get<int>();
  };
  CHECK(replicas("p99") > replicas("p50"));
}

TEST_CASE("4: cost shows per accelerator the best option for --sort, not the smallest slice", "[cli][equal-load][repro]") {
  const json best = run_json({"cost", "--model", "70b"}, k_catalog);
  const json all = run_json({"cost", "--model", "70b", "--all"}, k_catalog);
  CHECK(best["inputs"]["sort"] == "usd-per-million-tokens");
  for (const auto& row : rows_of(best, "offerings")) {
    const std::string tier = row["cheapest_tier"].get<std::string>() == "on-demand" ? "on_demand"
                                                                                      : row["cheapest_tier"].get<std::string>();
    const double chosen = row["usd_per_million_output_tokens_" + tier].get<double>();
    for (const auto& other : rows_of(all, "offerings")) {
      if (other["accelerator"] == row["accelerator"] && other["fits"] == true &&
          other["usd_per_million_output_tokens_" + tier].is_number()) {
        INFO(row["offering_id"] << " against " << other["offering_id"]);
        CHECK(chosen <= other["usd_per_million_output_tokens_" + tier].get<double>() + 1e-9);
      }
    }
  }
  // --sort chips keeps the smallest slice that holds the model.
  const json small = run_json({"cost", "--model", "70b", "--sort", "chips"}, k_catalog);
  CHECK(row_where(rows_of(small, "offerings"), "accelerator", "v5e")["chips"] == 16);
  const auto bad = run_tpuplan({"cost", "--model", "70b", "--sort", "usd-per-mnth", "--data", k_catalog});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("did you mean 'usd-per-month'?") != std::string::npos);
}

TEST_CASE("5: with a load cost shows the replicas and the load's monthly bill by default", "[cli][equal-load][repro]") {
  const auto loaded = run_tpuplan({"cost", "--model", "70b", "--rate", "5", "--data", k_catalog});
  REQUIRE(loaded.exit_code == 0);
  // In 100 columns the header takes two lines: "$/month load" above "on-demand", right-aligned.
  const auto at = loaded.out.find("\noffering ");
  REQUIRE(at != std::string::npos);
  const auto above_at = loaded.out.rfind('\n', at - 1) + 1;
  const std::string above = loaded.out.substr(above_at, at - above_at);
  const std::string header = loaded.out.substr(at + 1, loaded.out.find('\n', at + 1) - at - 1);
  CHECK(header.find("replicas") != std::string::npos);
  const auto load_title = above.find("$/month load");
  REQUIRE(load_title != std::string::npos);
  CHECK(header.find("on-demand", load_title) + std::string("on-demand").size() ==
        load_title + std::string("$/month load").size());
  CHECK(loaded.out.find("note: comparison: equal load: 5 requests/s") != std::string::npos);
  const auto plain = run_tpuplan({"cost", "--model", "70b", "--data", k_catalog});
  const auto plain_at = plain.out.find("\noffering ");
  REQUIRE(plain_at != std::string::npos);
  const std::string plain_header = plain.out.substr(plain_at + 1, plain.out.find('\n', plain_at + 1) - plain_at - 1);
  CHECK(plain_header.find("chips") != std::string::npos);
  CHECK(plain_header.find("replicas") == std::string::npos);
  CHECK(plain.out.find("note: comparison: per replica (no load given") != std::string::npos);
}

TEST_CASE("6: every command picks the same region for the same offering", "[cli][equal-load][repro]") {
  // v5e-16 costs the same on demand in europe-west4 and us-central1; only us-central1 prices commitments.
  const json cost = run_json({"cost", "--model", "70b"}, k_breakeven);
  CHECK(row_where(rows_of(cost, "offerings"), "accelerator", "v5e")["offering_id"] == "v5e-16@us-central1");
  const json be = run_json({"breakeven", "--hours", "8"}, k_breakeven);
  CHECK(row_where(rows_of(be, "commitment"), "accelerator", "v5e")["offering"] == "v5e-16@us-central1");
  const json size = run_json({"size", "--model", "70b", "--accelerator", "v5e", "--all"}, k_breakeven);
  for (const auto& row : rows_of(size, "candidates")) {
    CHECK(row["region"] == "us-central1");
  }
  const json plan = run_json({"plan", "--model", "70b", "--rate", "1", "--hours", "12", "--accelerator", "v5e"},
                             k_breakeven);
  for (const auto& row : rows_of(plan, "plans")) {
    CHECK(row["offering"] == "v5e-16@us-central1");
  }
}

TEST_CASE("the workload is echoed in every money command's inputs", "[cli][workload]") {
  const std::string lengths = temp_file("lengths.csv", "input_tokens,output_tokens\n800,100\n1200,300\n");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"cost", "--model", "8b"}, {"size", "--model", "8b"}, {"breakeven", "--model", "8b"},
        {"plan", "--model", "8b", "--rate", "2", "--ttft-ms", "800"}}) {
    args.insert(args.end(), {"--lengths", lengths, "--n-plus-one", "--capacity-headroom", "0.2"});
    const json doc = run_json(args, k_catalog);
    INFO(args[0]);
    const json& w = doc["inputs"]["workload"];
    CHECK(w["input_tokens"] == 1000.0);
    CHECK(w["output_tokens"] == 200.0);
    CHECK(w["lengths_file"] == lengths);
    CHECK(w["n_plus_one"] == true);
    CHECK(w["capacity_headroom"] == 0.2);
    CHECK(w["ttft_percentile"] == "p90");
  }
  std::remove(lengths.c_str());
}

TEST_CASE("bad workload input is one line naming the file and line, exit 2", "[cli][workload]") {
  const auto check = [](std::vector<std::string> args, const std::string& expected) {
    args.insert(args.end(), {"--data", k_catalog});
    const auto r = run_tpuplan(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("tpuplan: error: " + expected, 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  const std::string lengths = temp_file("bad-lengths.csv", "input_tokens,output_tokens\n10,10\n10,x\n");
  check({"cost", "--model", "8b", "--lengths", lengths}, lengths + ":3: a token count must be a number ≥ 0");
  check({"cost", "--model", "8b", "--lengths", lengths, "--input-tokens", "5"},
        "--lengths and --input-tokens/--output-tokens are exclusive");
  check({"size", "--model", "8b", "--context", "100"}, "--context: 100 tokens cannot hold requests of 1000 input");
  check({"size", "--model", "8b", "--ttft-percentile", "p42"}, "--ttft-percentile: unknown percentile 'p42'");
  check({"cost", "--model", "8b", "--load-curve", "1,1,1,1,1,1,2,3,4,5,6,6,6,6,6,5,5,4,4,3,2,2,1,1", "--hours", "8"},
        "--load-curve and --hours are exclusive");
  std::remove(lengths.c_str());
}
