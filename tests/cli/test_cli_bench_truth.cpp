// `tpuplan bench` tells the truth about what a server did: prompts it cut, errors inside a
// 200 stream, prompt caches, a model it does not serve, a backend that is down, a server
// that goes away or stops answering, and memory that does not grow with the run. The real
// binary against the fake server (faults a real server cannot be made to show on demand);
// tests/realserver/ covers the same against llama.cpp's own server.
#include "fake_server.hpp"
#include "run_process.hpp"

#include <tpuplan/bench/profile.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

FakeServerOptions quick(Flavor flavor = Flavor::vllm) {
  FakeServerOptions o;
  o.flavor = flavor;
  o.ttft = std::chrono::microseconds(500);
  o.token_interval = std::chrono::microseconds(100);
  return o;
}

std::size_t count_generation(const FakeServer& s) { return static_cast<std::size_t>(s.stats().generation_requests); }

/// The first `n` words of `s`.
std::string head(const std::string& s, int n) {
  std::istringstream in(s);
  std::string w;
  std::string out;
  for (int k = 0; k < n && in >> w; ++k) {
    out += w + " ";
  }
  return out;
}

} // namespace

// --- 1. prompts the server cut ---------------------------------------------------------------

TEST_CASE("default prompts are sized to the server's context — prompts it cut are flagged", "[bench]") {
  FakeServerOptions o = quick(Flavor::llamacpp);
  o.context_tokens = 256; // llama.cpp's /props n_ctx of one slot
  FakeServer server(o);
  TempDir dir;
  const auto sized = run_tpuplan({"bench", "--endpoint", server.url(), "--api", "llamacpp", "--requests", "3",
                                  "--output-tokens", "16", "--no-metrics", "--save", dir.file("sized.json")});
  INFO(sized.err);
  REQUIRE(sized.exit_code == 0);
  CHECK(sized.err.find("input tokens: the default 1024 do not fit the server's context of 256 tokens") != std::string::npos);
  const auto p = json::parse(slurp(dir.file("sized.json")));
  CHECK(p["workload"]["input_tokens_sized"] == true);
  CHECK(p["workload"]["input_tokens"] == 256 - 16 - 32);
  CHECK(p["context_tokens"] == 256);
  CHECK(p["input_truncated"] == false);
  CHECK(p["levels"][0]["tokens"]["input"] == 3 * (256 - 16 - 32)); // the server counted every word sent

  const auto cut = run_tpuplan({"bench", "--endpoint", server.url(), "--api", "llamacpp", "--requests", "3",
                                "--input-tokens", "400", "--output-tokens", "16", "--no-metrics", "--save",
                                dir.file("cut.json"), "--format", "json"});
  INFO(cut.err);
  REQUIRE(cut.exit_code == 0);
  CHECK(cut.err.find("prompts of up to 400 tokens and 16 output tokens do not fit the server's context of 256") !=
        std::string::npos);
  CHECK(cut.err.find("the server counted 384 prompt tokens where 1200 were sent (32%); it said so for 3 of 3 requests") !=
        std::string::npos);
  const auto q = json::parse(slurp(dir.file("cut.json")));
  CHECK(q["input_truncated"] == true);
  CHECK(q["levels"][0]["tokens"]["input_truncated"] == true);
  CHECK(q["levels"][0]["tokens"]["requests_truncated"] == 3);
  CHECK(q["levels"][0]["tokens"]["input_sent"] == 1200);
  CHECK(q["workload"]["input_tokens"] == 400); // asked for explicitly: never resized
  CHECK(json::parse(cut.out)["inputs"]["input_truncated"] == true);
}

TEST_CASE("an OpenAI route that counts fewer prompt tokens than sent is flagged without a truncated field", "[bench]") {
  FakeServerOptions o = quick();
  o.context_tokens = 128; // vLLM's max_model_len; the fake cuts longer prompts like llama.cpp
  FakeServer server(o);
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--input-tokens", "300",
                              "--output-tokens", "4", "--no-metrics", "--save", dir.file("p.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto p = json::parse(slurp(dir.file("p.json")));
  CHECK(p["input_truncated"] == true);
  CHECK(p["levels"][0]["tokens"]["requests_truncated"] == 0);
  CHECK(r.err.find("prompts were cut to fit its context") != std::string::npos);
}

// --- 2. errors inside a 200 stream -------------------------------------------------------------

TEST_CASE("an error line inside a 200 stream is a failed request carrying the server's message", "[bench]") {
  FakeServerOptions o = quick(Flavor::llamacpp);
  o.fault_cycle = {Fault::error_field};
  FakeServer server(o);
  for (const char* api : {"openai-chat", "llamacpp"}) {
    INFO(api);
    const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--api", api, "--requests", "4", "--output-tokens",
                                "8", "--input-tokens", "10", "--no-metrics", "--format", "json"});
    CHECK(r.exit_code == 1); // every request failed
    const auto j = json::parse(r.out);
    const auto& level = j["tables"]["levels"]["rows"][0];
    CHECK(level["requests_ok"] == 0);
    CHECK(level["requests_failed"] == 4);
    const auto& err = j["tables"]["errors"]["rows"][0];
    CHECK(err["error_class"] == "stream_error");
    CHECK(err["count"] == 4);
    CHECK(err["example"] == "error in stream: the request exceeds the available context size (invalid_request_error)");
  }
}

// --- 3. prompt caches --------------------------------------------------------------------------

TEST_CASE("prompts open uniquely in every run, llama.cpp's cache is off, and --shared-prefix measures it", "[bench]") {
  FakeServerOptions o = quick(Flavor::llamacpp);
  o.cached_share = 0.5;
  FakeServer server(o);
  TempDir dir;
  const std::vector<std::string> args = {"bench", "--endpoint", server.url(), "--requests", "3", "--input-tokens", "40",
                                         "--output-tokens", "4", "--no-metrics", "--seed", "5"};
  auto first = args;
  first.insert(first.end(), {"--save", dir.file("a.json")});
  REQUIRE(run_tpuplan(first).exit_code == 0);
  auto again = args;
  again.insert(again.end(), {"--save", dir.file("b.json")});
  const auto second = run_tpuplan(again);
  REQUIRE(second.exit_code == 0);
  const auto bodies = server.stats().bodies;
  REQUIRE(bodies.size() == 6);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto a = json::parse(bodies[i]);
    const auto b = json::parse(bodies[i + 3]);
    CHECK(a["cache_prompt"] == false); // llama.cpp's chat route takes it too
    const std::string ta = a["messages"][0]["content"];
    const std::string tb = b["messages"][0]["content"];
    CHECK(head(ta, 6) != head(tb, 6)); // same --seed, yet a different unique prefix
    CHECK(ta.substr(ta.size() - 60) == tb.substr(tb.size() - 60)); // the same prompt after it
  }
  // The fake reports half of every prompt as cached: without --shared-prefix that is a warning.
  CHECK(second.err.find("prompt tokens from its cache, which inflates throughput") != std::string::npos);
  CHECK(json::parse(slurp(dir.file("b.json")))["workload"]["prompt_cache"] == "cache_prompt off");

  const auto shared = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "4", "--input-tokens", "60",
                                   "--shared-prefix", "20", "--output-tokens", "4", "--no-metrics", "--save",
                                   dir.file("s.json"), "--format", "json"});
  INFO(shared.err);
  REQUIRE(shared.exit_code == 0);
  const auto all = server.stats().bodies;
  std::vector<std::string> heads;
  for (std::size_t i = 6; i < all.size(); ++i) {
    const auto b = json::parse(all[i]);
    CHECK(b["cache_prompt"] == true);
    heads.push_back(head(b["messages"][0]["content"].get<std::string>(), 20));
  }
  REQUIRE(heads.size() == 4);
  CHECK(std::all_of(heads.begin(), heads.end(), [&](const std::string& h) { return h == heads.front(); }));
  const auto s = json::parse(slurp(dir.file("s.json")));
  CHECK(s["workload"]["prompt_cache"] == "measured");
  CHECK(s["workload"]["shared_prefix_tokens"] == 20);
  CHECK(s["levels"][0]["tokens"]["cached_input"].get<int>() > 0);
  CHECK(json::parse(shared.out)["tables"]["levels"]["rows"][0]["cached_input_tokens"].get<int>() > 0);
  CHECK(shared.err.find("from its cache") == std::string::npos); // measured on purpose: no warning
}

// --- 4. the model ------------------------------------------------------------------------------

TEST_CASE("a --model the server does not list is refused with the list", "[bench]") {
  FakeServerOptions o = quick(Flavor::llamacpp);
  o.model = "tiny-llama.gguf";
  FakeServer server(o);
  for (const char* api : {"openai-chat", "llamacpp"}) {
    INFO(api);
    const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--api", api, "--model",
                                "meta-llama/Llama-3.1-8B-Instruct", "--requests", "1", "--no-metrics"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("tpuplan: error: --model 'meta-llama/Llama-3.1-8B-Instruct' is not served by " + server.url() +
                          ": GET /v1/models lists 'tiny-llama.gguf'",
                      0) == 0);
    CHECK(r.err.find("use --model 'tiny-llama.gguf'") != std::string::npos);
  }
  CHECK(server.stats().generation_requests == 0);
  TempDir dir;
  const auto ok = run_tpuplan({"bench", "--endpoint", server.url(), "--api", "llamacpp", "--requests", "1",
                               "--input-tokens", "8", "--output-tokens", "2", "--no-metrics", "--save", dir.file("p.json")});
  REQUIRE(ok.exit_code == 0);
  const auto p = json::parse(slurp(dir.file("p.json")));
  CHECK(p["model"] == "tiny-llama.gguf"); // the native route names the served model in the profile
  CHECK(p["served_models"] == json::array({"tiny-llama.gguf"}));
  CHECK(p["model_params"] == 8030261248.0);
}

// --- 5. a backend that is down ----------------------------------------------------------------

TEST_CASE("bench --config reports an unreachable backend as a failed row and goes on", "[bench]") {
  FakeServer up(quick());
  TempDir dir;
  const std::string config = dir.file("config.yaml");
  std::ofstream(config) << "version: 1\nbackends:\n"
                        << "  - name: down\n    type: gpu\n    endpoint: http://127.0.0.1:" << closed_port() << "\n"
                        << "  - name: up\n    type: tpu\n    endpoint: " << up.url() << "\n";
  const auto r = run_tpuplan({"bench", "--config", config, "--requests", "3", "--input-tokens", "10", "--output-tokens",
                              "4", "--no-metrics", "--format", "json", "--save", dir.file("run.json")});
  INFO(r.err);
  CHECK(r.exit_code == 1); // one backend measured nothing
  const auto j = json::parse(r.out);
  REQUIRE(j["rows"].size() == 2);
  CHECK(j["rows"][0]["backend"] == "down");
  CHECK(j["rows"][0]["error"].get<std::string>().rfind("cannot reach http://127.0.0.1:", 0) == 0);
  CHECK(j["rows"][1]["backend"] == "up");
  CHECK(j["rows"][1]["requests_ok"] == 3);
  CHECK(j["rows"][1]["error"].is_null());
  CHECK(std::filesystem::exists(dir.file("run.up.json")));
  CHECK(r.err.find("every request failed on down") != std::string::npos);
}

// --- 6. a server that goes away ----------------------------------------------------------------

TEST_CASE("a server that goes away mid-run gets a bounded number of connection attempts", "[bench]") {
  auto server = std::make_unique<FakeServer>(quick());
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server->url(), "--concurrency", "2", "--duration", "600",
                           "--input-tokens", "10", "--output-tokens", "4", "--no-metrics", "--save", dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  wait_until([&] { return count_generation(*server) >= 4; });
  server->stop(); // killed: connections are refused from now on
  const int code = wait_exit(pid, std::chrono::seconds(60));
  CHECK(code == 0); // the requests before the server went away were measured
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  REQUIRE(p.levels.size() == 1);
  const auto& l = p.levels[0];
  CHECK(l.unreachable);
  std::int64_t connect = 0;
  for (const auto& e : l.errors) {
    connect += e.error == tpuplan::bench::ErrorClass::connect ? e.count : 0;
  }
  CHECK(connect >= 8);
  CHECK(connect <= 8 + 2);
  CHECK(slurp(dir.file("err")).find("the server could not be reached") != std::string::npos);
}

// --- 7. Ctrl-C ---------------------------------------------------------------------------------

TEST_CASE("Ctrl-C cuts a metrics scrape that hangs short", "[bench]") {
  FakeServerOptions o = quick();
  o.metrics_delay = std::chrono::seconds(300); // the server stops answering after its first scrape
  o.metrics_delay_after = 1;
  FakeServer server(o);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--requests", "5", "--input-tokens", "10",
                           "--output-tokens", "4", "--save", dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  // The scrape before the level hangs (the second /metrics request): Ctrl-C then.
  wait_until([&] {
    const auto paths = server.stats().paths;
    return std::count(paths.begin(), paths.end(), std::string("/metrics")) >= 2;
  });
  kill(pid, SIGINT);
  CHECK(wait_exit(pid, std::chrono::seconds(8)) == 130); // a blocking scrape would hold it 10 s
  CHECK(server.stats().generation_requests == 0);
  CHECK(tpuplan::bench::read_profile(dir.file("p.json")).partial);
}

TEST_CASE("a second Ctrl-C ends a run whose server stopped answering at once", "[bench]") {
  FakeServerOptions o = quick();
  o.fault_cycle = {Fault::stall};        // every stream stalls after one token
  o.metrics_delay = std::chrono::seconds(300);
  o.metrics_delay_after = 2;             // and scrapes hang from the level's first sample on
  FakeServer server(o);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2", "--requests", "50",
                           "--input-tokens", "10", "--output-tokens", "4", "--drain-timeout", "600", "--save",
                           dir.file("p.json")},
                          dir.file("out"), dir.file("err"));
  wait_until([&] { return count_generation(server) >= 2; });
  kill(pid, SIGINT); // drains: the stalled requests would get 600 s
  wait_signal_taken(pid, SIGINT);
  kill(pid, SIGINT); // abandons them, and the closing scrape is not waited for
  CHECK(wait_exit(pid, std::chrono::seconds(8)) == 130);
  const auto p = tpuplan::bench::read_profile(dir.file("p.json"));
  REQUIRE(p.levels.size() == 1);
  CHECK(p.levels[0].requests_cancelled == 2);
}

// --- 8. memory --------------------------------------------------------------------------------

TEST_CASE("a long run holds no more memory than a short one, with every request streamed to disk", "[bench]") {
  FakeServerOptions o = quick();
  o.ttft = std::chrono::microseconds(0);
  o.token_interval = std::chrono::microseconds(0);
  o.role_chunk = false;
  FakeServer server(o);
  TempDir dir;
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in a quarantine (256 MiB by default), so the peak grows
  // with everything a run frees; without it the peak is the memory held, which is what is checked.
  const char* asan = std::getenv("ASAN_OPTIONS");
  struct Restore {
    bool was_set;
    std::string value;
    ~Restore() { was_set ? ::setenv("ASAN_OPTIONS", value.c_str(), 1) : ::unsetenv("ASAN_OPTIONS"); }
  } restore{asan != nullptr, asan != nullptr ? asan : ""};
  ::setenv("ASAN_OPTIONS", (restore.value + (restore.value.empty() ? "" : ":") + "quarantine_size_mb=0").c_str(), 1);
#endif
  const auto peak_kib = [&](const std::string& requests) {
    const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "8", "--requests", requests,
                             "--input-tokens", "8", "--output-tokens", "32", "--no-metrics", "--requests-out",
                             dir.file(requests + ".jsonl")},
                            dir.file("out"), dir.file("err"));
    rusage ru{};
    REQUIRE(wait_exit(pid, std::chrono::seconds(300), &ru) == 0);
    return static_cast<long>(ru.ru_maxrss);
  };
  const long small = peak_kib("500");
  const long large = peak_kib("10000");
  // Before: ~0.8 KiB per request plus 20 B per event kept, and the whole JSONL built in one
  // string: 10,000 requests of 32 events held ~16 MiB more. Now only requests in flight are.
  CHECK(large < small + 4096);
  std::ifstream lines(dir.file("10000.jsonl"));
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
  }
  CHECK(n == 10000);
}
