// `tpuplan bench` against llama.cpp's real server (llama.cpp @c392e50, tiny random-weight
// model, CPU): what it says about cut prompts, errors inside its streams, its prompt cache,
// its model, and what bench does when it goes away or stops answering; the SLO search, repeats,
// trace replay and conversations. Label `realserver` (scripts/test.sh builds the server first).
// Figures are never compared with wall-clock expectations: only what the server reported,
// and bounds (a run that would take 10 s more with a blocking step) far from the real value.
#include "llama_server.hpp"
#include "run_process.hpp"

#include <tpuplan/bench/profile.hpp>
#include <tpuplan/bench/slo_search.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

/// 4 slots of 512 tokens: the default 1024-token prompt does not fit one.
const std::vector<std::string> k_small_slots = {"-c", "2048", "-np", "4"};

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

ProcessResult bench(const LlamaServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {"bench", "--endpoint", server.url()});
  return run_tpuplan(args);
}

/// wait_until() with the patience a real server on a loaded machine needs.
template <typename F>
void wait_for_server(F condition) {
  wait_until(condition, std::chrono::seconds(120), std::chrono::milliseconds(10));
}

std::int64_t errors_of(const tpuplan::bench::LevelResult& l, tpuplan::bench::ErrorClass c) {
  std::int64_t n = 0;
  for (const auto& e : l.errors) {
    n += e.error == c ? e.count : 0;
  }
  return n;
}

} // namespace

TEST_CASE("real llama.cpp: default prompts are sized to its slot — longer ones are flagged as cut", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const auto sized = bench(server, {"--api", "llamacpp", "--requests", "2", "--output-tokens", "4", "--no-metrics",
                                    "--save", dir.file("sized.json")});
  INFO(sized.err);
  REQUIRE(sized.exit_code == 0);
  const auto s = read_json(dir.file("sized.json"));
  CHECK(s["context_tokens"] == 512); // GET /props: n_ctx of one slot
  CHECK(s["workload"]["input_tokens_sized"] == true);
  CHECK(s["workload"]["input_tokens"] == 512 - 4 - 32);
  CHECK(s["input_truncated"] == false);
  CHECK(s["levels"][0]["tokens"]["requests_truncated"] == 0);
  // The server counted what was sent (BOS aside): one word of the prompt is one token.
  CHECK(s["levels"][0]["tokens"]["input"].get<int>() >= 2 * (512 - 4 - 32));
  CHECK(s["levels"][0]["tokens"]["input"].get<int>() <= 2 * (512 - 4 - 32 + 2));

  for (const char* api : {"llamacpp", "openai-chat"}) {
    INFO(api);
    const auto cut = bench(server, {"--api", api, "--requests", "2", "--input-tokens", "700", "--output-tokens", "4",
                                    "--no-metrics", "--save", dir.file("cut.json")});
    INFO(cut.err);
    REQUIRE(cut.exit_code == 0);
    CHECK(cut.err.find("do not fit the server's context of 512 tokens") != std::string::npos);
    CHECK(cut.err.find("prompts were cut to fit its context") != std::string::npos);
    const auto c = read_json(dir.file("cut.json"));
    CHECK(c["input_truncated"] == true);
    CHECK(c["levels"][0]["tokens"]["input_truncated"] == true);
    CHECK(c["levels"][0]["tokens"]["input"].get<int>() < 2 * 512);
    CHECK(c["levels"][0]["tokens"]["input_sent"] == 1400);
    if (std::string(api) == "llamacpp") {
      CHECK(c["levels"][0]["tokens"]["requests_truncated"] == 2); // the native stop event says "truncated": true
    }
  }
}

TEST_CASE("real llama.cpp: an error inside its 200 stream is a failed request with its message", "[realserver]") {
  std::vector<std::string> flags = k_small_slots;
  flags.push_back("--no-context-shift"); // then a prompt longer than the slot is refused, inside the stream
  LlamaServer server(flags);
  for (const char* api : {"openai-chat", "llamacpp"}) {
    INFO(api);
    const auto r = bench(server, {"--api", api, "--requests", "3", "--input-tokens", "700", "--output-tokens", "4",
                                  "--no-metrics", "--format", "json"});
    INFO(r.err);
    CHECK(r.exit_code == 1); // every request failed
    const auto j = json::parse(r.out);
    CHECK(j["tables"]["levels"]["rows"][0]["requests_ok"] == 0);
    CHECK(j["tables"]["levels"]["rows"][0]["requests_failed"] == 3);
    const auto& e = j["tables"]["errors"]["rows"][0];
    CHECK(e["error_class"] == "stream_error");
    CHECK(e["count"] == 3);
    CHECK(e["example"].get<std::string>().rfind("error in stream: the request exceeds the available context size", 0) == 0);
  }
}

TEST_CASE("real llama.cpp: repeated runs are not served from its prompt cache unless --shared-prefix asks", "[realserver]") {
  LlamaServer server({"-c", "2048", "-np", "1"}); // one slot: it always holds the last prompt
  TempDir dir;
  for (const char* name : {"a.json", "b.json"}) {
    const auto r = bench(server, {"--requests", "2", "--input-tokens", "120", "--output-tokens", "4", "--seed", "9",
                                  "--no-metrics", "--save", dir.file(name)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto p = read_json(dir.file(name));
    CHECK(p["workload"]["prompt_cache"] == "cache_prompt off");
    CHECK(p["levels"][0]["tokens"]["cached_input"] == 0); // timings.prompt_n: every prompt token processed
  }
  const auto shared = bench(server, {"--requests", "3", "--input-tokens", "150", "--shared-prefix", "100",
                                     "--output-tokens", "4", "--no-metrics", "--save", dir.file("s.json")});
  INFO(shared.err);
  REQUIRE(shared.exit_code == 0);
  const auto s = read_json(dir.file("s.json"));
  CHECK(s["workload"]["prompt_cache"] == "measured");
  // The second and third requests reuse the 100 shared words (plus the chat template's start).
  CHECK(s["levels"][0]["tokens"]["cached_input"].get<int>() >= 2 * 100);
}

TEST_CASE("real llama.cpp: a --model it does not serve is refused naming the one it does", "[realserver]") {
  LlamaServer server(k_small_slots);
  const auto r = bench(server, {"--model", "meta-llama/Llama-3.1-8B-Instruct", "--requests", "1", "--no-metrics"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("tpuplan: error: --model 'meta-llama/Llama-3.1-8B-Instruct' is not served by " + server.url() +
                        ": GET /v1/models lists '",
                    0) == 0);
  CHECK(r.err.find("tiny-llama.gguf'") != std::string::npos);
  CHECK(server.metric("llamacpp:tokens_predicted_total") <= 0); // nothing was generated
}

TEST_CASE("real llama.cpp: bench --config goes on past a backend that is down", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const std::string config = dir.file("config.yaml");
  std::ofstream(config) << "version: 1\nbackends:\n"
                        << "  - name: gone\n    type: gpu\n    endpoint: http://127.0.0.1:" << free_port() << "\n"
                        << "  - name: llama\n    type: gpu\n    endpoint: " << server.url() << "\n";
  const auto r = run_tpuplan({"bench", "--config", config, "--requests", "2", "--input-tokens", "32", "--output-tokens",
                              "4", "--no-metrics", "--format", "json"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const auto j = json::parse(r.out);
  REQUIRE(j["rows"].size() == 2);
  CHECK(j["rows"][0]["backend"] == "gone");
  CHECK(j["rows"][0]["error"].get<std::string>().find("cannot reach") != std::string::npos);
  CHECK(j["rows"][1]["backend"] == "llama");
  CHECK(j["rows"][1]["requests_ok"] == 2);
}

TEST_CASE("real llama.cpp: killed mid-run, it gets a bounded number of connection attempts", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2", "--duration", "600",
                           "--input-tokens", "16", "--output-tokens", "16", "--no-metrics", "--save", dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  // The server's token count passing the server's own first finished request is not enough: it can
  // be counted before its last bytes reach the client. Each request predicts at most 16 tokens and
  // at most 2 are in flight, so more than 64 tokens predicted means at least 3 requests finished on
  // the server, and a third was only sent after the client had received one whole reply.
  wait_for_server([&] { return server.metric("llamacpp:tokens_predicted_total") > 64; });
  server.kill_now();
  CHECK(wait_exit(pid, std::chrono::seconds(120)) == 0);
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  REQUIRE(p.levels.size() == 1);
  CHECK(p.levels[0].unreachable);
  CHECK(p.levels[0].requests_ok >= 1);
  const auto connect = errors_of(p.levels[0], tpuplan::bench::ErrorClass::connect);
  CHECK(connect >= 8);
  CHECK(connect <= 10);
  CHECK(slurp(dir.file("err")).find("the server could not be reached") != std::string::npos);
}

TEST_CASE("real llama.cpp: Ctrl-C with the server paused ends after the drain, without waiting on a scrape", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2", "--requests", "100",
                           "--input-tokens", "16", "--output-tokens", "400", "--drain-timeout", "1", "--save",
                           dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  wait_for_server([&] { return server.metric("llamacpp:requests_processing") >= 1; });
  server.pause();
  kill(pid, SIGINT);
  // 1 s of drain; a blocking 10 s scrape of the paused server would come on top.
  CHECK(wait_exit(pid, std::chrono::seconds(8)) == 130);
  server.resume();
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  CHECK(p.partial);
}

TEST_CASE("real llama.cpp: a second Ctrl-C with the server paused exits at once", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2", "--requests", "100",
                           "--input-tokens", "16", "--output-tokens", "400", "--drain-timeout", "600", "--save",
                           dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  wait_for_server([&] { return server.metric("llamacpp:requests_processing") >= 1; });
  server.pause();
  kill(pid, SIGINT); // would drain for 600 s
  wait_signal_taken(pid, SIGINT);
  kill(pid, SIGINT);
  CHECK(wait_exit(pid, std::chrono::seconds(8)) == 130);
  server.resume();
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  REQUIRE(p.levels.size() == 1);
  CHECK(p.levels[0].requests_cancelled >= 1);
}

TEST_CASE("real llama.cpp: the SLO search finds a rate that meets its targets and saves the curve", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const auto r = bench(server, {"--slo", "ttft-p99=30000,tpot-p99=5000", "--rate", "2", "--slo-max", "16", "--requests",
                                "6", "--input-tokens", "24", "--output-tokens", "8", "--save", dir.file("slo.json"),
                                "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto p = tpuplan::bench::read_profile(dir.file("slo.json"));
  REQUIRE(p.slo_search);
  const auto& s = *p.slo_search;
  CHECK(s.mode == tpuplan::bench::LoadMode::rate);
  CHECK(s.steps == static_cast<int>(p.levels.size()));
  CHECK(s.steps >= 2);
  REQUIRE(s.best);
  REQUIRE(s.best_level);
  const auto& best = p.levels[*s.best_level];
  CHECK(best.load.rate_rps == *s.best);
  CHECK(tpuplan::bench::meets_targets(best, s.targets)); // by its own saved figures
  for (std::size_t i = 1; i < p.levels.size(); ++i) {
    CHECK(p.levels[i - 1].load.rate_rps < p.levels[i].load.rate_rps); // the curve, by load
  }
  const auto j = json::parse(r.out);
  const auto& rows = j["tables"]["levels"]["rows"];
  REQUIRE(rows.size() == p.levels.size());
  for (std::size_t i = 0; i < p.levels.size(); ++i) {
    const auto& l = p.levels[i];
    INFO("level " << i << " at " << l.load.rate_rps << " req/s");
    // The saved flag is the search's own judgement of the saved figures.
    CHECK(l.saturated == (tpuplan::bench::meets_targets(l, s.targets) &&
                          l.completion_rps.value_or(l.request_rps) < tpuplan::bench::k_saturation_served * l.load.rate_rps));
    CHECK(rows[i]["meets_slo"] == tpuplan::bench::meets_slo(l, s.targets));
    CHECK(rows[i]["saturated"] == l.saturated);
    if (l.load.rate_rps > *s.best) {
      CHECK_FALSE(tpuplan::bench::meets_slo(l, s.targets)); // a saturated level is a "no" too
    }
  }
  CHECK(!s.stop_reason.empty());
  CHECK(j["inputs"]["slo_search"]["best"] == *s.best);
  CHECK(rows[*s.best_level]["meets_slo"] == true);
}

TEST_CASE("real llama.cpp: --repeat gives confidence intervals around each level's figures", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  const auto r = bench(server, {"--concurrency", "2", "--requests", "4", "--repeat", "3", "--input-tokens", "24",
                                "--output-tokens", "8", "--no-metrics", "--save", dir.file("p.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  REQUIRE(p.levels.size() == 1);
  const auto& l = p.levels[0];
  CHECK(l.requests_ok == 12); // 3 runs of 4, pooled
  REQUIRE(l.repeat);
  CHECK(l.repeat->runs == 3);
  CHECK(l.repeat->output_tokens_per_s.ci95_low <= l.repeat->output_tokens_per_s.mean);
  CHECK(l.repeat->output_tokens_per_s.mean <= l.repeat->output_tokens_per_s.ci95_high);
  CHECK(l.repeat->output_tokens_per_s.mean > 0);
}

TEST_CASE("real llama.cpp: a trace is replayed with its lengths, and conversations carry their history", "[realserver]") {
  LlamaServer server(k_small_slots);
  TempDir dir;
  std::ofstream(dir.file("trace.jsonl")) << R"({"arrival_s": 0.0, "input_tokens": 20, "output_tokens": 3})" << "\n"
                                         << R"({"arrival_s": 0.05, "input_tokens": 60, "output_tokens": 5})" << "\n"
                                         << R"({"arrival_s": 0.1, "input_tokens": 40, "output_tokens": 7})" << "\n";
  const auto t = bench(server, {"--trace", dir.file("trace.jsonl"), "--no-metrics", "--save", dir.file("t.json"),
                                "--requests-out", dir.file("t.jsonl")});
  INFO(t.err);
  REQUIRE(t.exit_code == 0);
  const auto tp = tpuplan::bench::read_profile(dir.file("t.json"));
  REQUIRE(tp.levels.size() == 1);
  CHECK(tp.levels[0].requests_ok == 3);
  CHECK(tp.levels[0].output_tokens == 3 + 5 + 7); // ignore_eos: exactly the trace's lengths
  CHECK(tp.workload.trace == "trace.jsonl");

  const auto c = bench(server, {"--turns", "3", "--concurrency", "2", "--requests", "6", "--input-tokens", "20",
                                "--output-tokens", "6", "--no-metrics", "--save", dir.file("c.json"), "--requests-out",
                                dir.file("c.jsonl")});
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  const auto cp = tpuplan::bench::read_profile(dir.file("c.json"));
  CHECK(cp.levels[0].requests_ok == 6);
  CHECK(cp.workload.turns == 3);
  CHECK(cp.workload.prompt_cache == "measured");
  // Third turns carry two user turns and two answers more than first turns.
  std::vector<int> prompts;
  std::ifstream lines(dir.file("c.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    prompts.push_back(json::parse(line)["prompt_tokens"].get<int>());
  }
  REQUIRE(prompts.size() == 6);
  CHECK(*std::max_element(prompts.begin(), prompts.end()) >= *std::min_element(prompts.begin(), prompts.end()) + 2 * 20);
  REQUIRE(cp.levels[0].cached_input_tokens);
  CHECK(*cp.levels[0].cached_input_tokens > 0); // the history was served from the slot's cache
}
