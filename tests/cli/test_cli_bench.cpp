// `tpuplan bench` end to end: the real binary against the fake server on loopback.
#include "fake_server.hpp"
#include "run_process.hpp"

#include <algorithm>
#include <tpuplan/bench/profile.hpp>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>
#include <nlohmann/json.hpp>
#include <sstream>
#include <csignal>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

FakeServerOptions fast() {
  FakeServerOptions o;
  o.ttft = std::chrono::microseconds(1000);
  o.token_interval = std::chrono::microseconds(200);
  return o;
}

} // namespace

TEST_CASE("bench sweeps concurrency levels and reports one row per level in JSON", "[bench]") {
  FakeServer server(fast());
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "1,4", "--requests", "12",
                              "--input-tokens", "50", "--output-tokens", "6", "--format", "json", "--no-metrics"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = json::parse(r.out);
  CHECK(j["schema"] == "tpuplan.bench/v1");
  REQUIRE(j["tables"]["levels"]["rows"].size() == 2);
  const auto& rows = j["tables"]["levels"]["rows"];
  CHECK(rows[0]["concurrency"] == 1);
  CHECK(rows[1]["concurrency"] == 4);
  for (const auto& row : rows) {
    CHECK(row["requests_ok"] == 12);
    CHECK(row["requests_failed"] == 0);
    CHECK(row["output_tokens"] == 72);
    CHECK(row["output_tokens_source"] == "server");
    CHECK(row["input_tokens"] == 600); // 12 prompts of exactly 50 words, counted by the fake server
    CHECK(row["ttft_ms_p50"].get<double>() > 0);
    CHECK(row["tpot_ms_p50"].get<double>() > 0);
    CHECK(row["rate_rps"].is_null());
    CHECK(row["goodput_rps"].is_null()); // no SLO given: absent, never 0
  }
  CHECK(j["inputs"]["api"] == "openai-chat");
  CHECK(j["inputs"]["model"] == "fake-model");
  CHECK(j["inputs"]["server"] == "vllm");
  CHECK(server.stats().generation_requests == 24);
  const auto body = json::parse(server.stats().bodies.front());
  CHECK(body["model"] == "fake-model");
  CHECK(body["stream_options"]["include_usage"] == true);
  CHECK(body["ignore_eos"] == true); // the fake calls itself vLLM in /v1/models
  CHECK(body["max_tokens"] == 6);
}

TEST_CASE("bench prints both tables on a terminal-less stdout and no progress on a non-terminal stderr", "[bench]") {
  FakeServer server(fast());
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "3", "--output-tokens", "4",
                              "--input-tokens", "10", "--no-metrics"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Load levels") != std::string::npos);
  CHECK(r.out.find("Errors by class") != std::string::npos);
  // In 100 columns the latency headers take two lines: "TTFT" above "p50 ms".
  const auto header = r.out.find("\nconcurrency ");
  REQUIRE(header != std::string::npos);
  const auto above = r.out.rfind('\n', header - 1);
  const std::string first = r.out.substr(above + 1, header - above - 1);
  const std::string second = r.out.substr(header + 1, r.out.find('\n', header + 1) - header - 1);
  const auto p50 = second.find("p50 ms");
  REQUIRE(p50 != std::string::npos);
  CHECK(first.substr(p50, 6).find("TTFT") != std::string::npos);
  CHECK(run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "1", "--output-tokens", "2", "--no-metrics",
                     "--wide"})
            .out.find("TTFT p50 ms") != std::string::npos);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.empty());
}

TEST_CASE("bench sweeps rates open loop and reports the schedule", "[bench]") {
  FakeServer server(fast());
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--rate", "100,200", "--max-concurrency", "8",
                              "--requests", "10", "--output-tokens", "4", "--input-tokens", "10", "--format", "json",
                              "--no-metrics", "--seed", "7"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = json::parse(r.out);
  const auto& rows = j["tables"]["levels"]["rows"];
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["rate_rps"] == 100.0);
  CHECK(rows[1]["rate_rps"] == 200.0);
  for (const auto& row : rows) {
    CHECK(row["concurrency"].is_null());
    CHECK(row["requests_ok"] == 10);
    CHECK(row["schedule_lag_ms_p50"].get<double>() >= 0);
    CHECK(row["ttft_from_schedule_ms_p50"].get<double>() >= row["ttft_ms_p50"].get<double>() * 0.99);
    CHECK(row["send_rate_rps"].get<double>() > 0);
  }
  CHECK(j["inputs"]["workload"]["seed"] == 7);
}

TEST_CASE("bench saves a profile the library reads back and one JSON line per request", "[bench]") {
  FakeServer server(fast());
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2,3", "--requests", "5",
                              "--output-tokens", "4", "--input-tokens", "20±5", "--warmup", "2", "--ttft-ms", "10000",
                              "--tpot-ms", "10000", "--save", dir.file("p.json"), "--requests-out",
                              dir.file("r.jsonl"), "--no-metrics", "--accelerator", "no-such-chip", "--chips", "8"});
  // An unknown accelerator is caught before anything is sent.
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("tpuplan: error: unknown accelerator 'no-such-chip'", 0) == 0);
  CHECK(server.stats().generation_requests == 0);

  const auto ok = run_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2,3", "--requests", "5",
                               "--output-tokens", "4", "--input-tokens", "20±5", "--warmup", "2", "--ttft-ms", "10000",
                               "--tpot-ms", "10000", "--save", dir.file("p.json"), "--requests-out",
                               dir.file("r.jsonl"), "--no-metrics"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.err.find("tpuplan: wrote " + dir.file("p.json")) != std::string::npos);
  const auto profile = tpuplan::bench::read_profile(dir.file("p.json"));
  CHECK_FALSE(profile.partial);
  CHECK(profile.endpoint == server.url());
  CHECK(profile.model == "fake-model");
  CHECK(profile.workload.warmup_requests == 2);
  CHECK(*profile.workload.input_tokens == 20);
  CHECK(*profile.workload.input_tokens_range == 5);
  REQUIRE(profile.levels.size() == 2);
  CHECK(profile.levels[0].load.concurrency == 2);
  CHECK(profile.levels[1].requests_ok == 5);
  CHECK(profile.levels[1].good_requests == 5);
  CHECK(*profile.levels[1].goodput_rps > 0);
  CHECK(server.stats().generation_requests == 12); // 2 warm-up + 2 × 5 measured

  std::istringstream lines(slurp(dir.file("r.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = json::parse(line);
    CHECK(j["error"].is_null());
    CHECK(j["completion_tokens"] == 4);
    CHECK(j["ttft_ms"].get<double>() > 0);
    CHECK(j["chunk_gaps_ms"].size() == 3);
    ++n;
  }
  CHECK(n == 10); // warm-up requests are not measured, not logged
}

TEST_CASE("bench never prints or saves the API key", "[bench]") {
  const std::string secret = "sk-very-secret-4242";
  FakeServerOptions o = fast();
  o.api_key = secret;
  FakeServer server(o);
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "3", "--output-tokens", "3",
                              "--input-tokens", "5", "--api-key-env", "TPUPLAN_TEST_KEY", "--header",
                              "X-Tenant: hidden-tenant-value", "--save", dir.file("p.json"), "--requests-out",
                              dir.file("r.jsonl"), "--format", "json", "-o", dir.file("out.json")},
                             {{"TPUPLAN_TEST_KEY", secret}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const auto& text : {r.out, r.err, slurp(dir.file("p.json")), slurp(dir.file("r.jsonl")), slurp(dir.file("out.json"))}) {
    CHECK(text.find(secret) == std::string::npos);
    CHECK(text.find("hidden-tenant-value") == std::string::npos);
  }
  const auto j = json::parse(slurp(dir.file("out.json")));
  CHECK(j["tables"]["levels"]["rows"][0]["requests_ok"] == 3);
  CHECK(j["inputs"]["headers"] == json::array({"X-Tenant"}));
  for (const auto& auth : server.stats().authorizations) {
    CHECK(auth == "Bearer " + secret); // sent on the probe and every request
  }
  // Without the key the server refuses, and the error says so without echoing anything secret.
  const auto bad = run_tpuplan({"bench", "--endpoint", server.url(), "--api", "openai-chat", "--model", "m",
                                "--requests", "2", "--no-metrics", "--format", "json"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("every request failed") != std::string::npos);
  CHECK(json::parse(bad.out)["tables"]["errors"]["rows"][0]["example"] == "HTTP 401: Invalid API key (authentication_error)");
}

TEST_CASE("bench counts failures by class and keeps going", "[bench]") {
  FakeServerOptions o = fast();
  o.fault_cycle = {Fault::none, Fault::http_500, Fault::none, Fault::http_429, Fault::error_after_200, Fault::truncated};
  FakeServer server(o);
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "12", "--concurrency", "1",
                              "--output-tokens", "6", "--input-tokens", "5", "--no-metrics", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = json::parse(r.out);
  const auto& level = j["tables"]["levels"]["rows"][0];
  CHECK(level["requests_ok"] == 4);
  CHECK(level["requests_failed"] == 8);
  CHECK(level["error_rate"].get<double>() == Approx(8.0 / 12));
  CHECK(level["output_tokens"] == 24); // failed requests are not counted
  std::map<std::string, json> errors;
  for (const auto& e : j["tables"]["errors"]["rows"]) {
    errors[e["error_class"]] = e;
  }
  REQUIRE(errors.size() == 4);
  CHECK(errors["http_5xx"]["count"] == 2);
  CHECK(errors["http_429"]["count"] == 2);
  CHECK(errors["http_429"]["retry_after_s"] == 2.0);
  CHECK(errors["http_429"]["http_status"] == 429);
  CHECK(errors["stream_error"]["count"] == 2);
  CHECK(errors["truncated"]["count"] == 2);
  CHECK(errors["stream_error"]["share"].get<double>() == Approx(2.0 / 12));
}

TEST_CASE("bench detects TGI, JetStream and llama.cpp servers and speaks their protocols", "[bench]") {
  const std::vector<std::tuple<Flavor, std::vector<std::string>, std::string>> cases = {
      {Flavor::tgi, {}, "tgi"}, {Flavor::jetstream, {}, "jetstream-http"}, {Flavor::llamacpp, {"--api", "llamacpp"}, "llamacpp"}};
  for (const auto& [flavor, extra, api] : cases) {
    INFO(api);
    FakeServerOptions o = fast();
    o.flavor = flavor;
    FakeServer server(o);
    std::vector<std::string> args = {"bench", "--endpoint", server.url(), "--requests", "4", "--concurrency", "2",
                                     "--output-tokens", "5", "--input-tokens", "8", "--no-metrics", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_tpuplan(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = json::parse(r.out);
    CHECK(j["inputs"]["api"] == api);
    const auto& row = j["tables"]["levels"]["rows"][0];
    CHECK(row["requests_ok"] == 4);
    CHECK(row["output_tokens"] == 20);
    CHECK(row["output_tokens_source"] != "approximate");
    CHECK(row["itl_per_chunk"] == false); // these protocols say how many tokens each event carries
  }
}

TEST_CASE("bench reads server metrics and warns about a warm prefix cache", "[bench]") {
  FakeServerOptions o = fast();
  o.token_interval = std::chrono::microseconds(2000);
  o.prefix_hit_rate = 0.5;
  o.slots = 2;
  FakeServer server(o);
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "6", "--concurrency", "4",
                              "--output-tokens", "10", "--input-tokens", "8", "--metrics-interval", "0.01",
                              "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = json::parse(r.out);
  const auto& row = j["tables"]["levels"]["rows"][0];
  CHECK(row["server_ttft_ms_mean"].get<double>() > 0);
  CHECK(row["server_itl_ms_mean"].get<double>() > 0);
  CHECK(row["server_queue_ms_mean"].get<double>() > 0); // 4 in flight, 2 slots: requests queue
  CHECK(row["server_running_mean"].get<double>() > 0);
  CHECK(row["server_running_mean"].get<double>() <= 2);
  CHECK(row["server_kv_cache_usage_max"].get<double>() <= 1);
  CHECK(row["server_prefix_cache_hit_rate"].get<double>() == Approx(0.5));
  CHECK(r.err.find("prefix-cache hit rate 50%") != std::string::npos);
  CHECK(server.stats().metrics_requests >= 3);
}

TEST_CASE("bench sends prompts from a JSONL dataset and rejects a bad line with its place", "[bench]") {
  FakeServer server(fast());
  TempDir dir;
  std::ofstream(dir.file("d.jsonl")) << R"({"prompt": "one two three", "output_tokens": 3})" << "\n\n"
                                     << R"({"messages": [{"role": "user", "content": "four five"}]})" << "\n";
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--dataset", dir.file("d.jsonl"),
                              "--output-tokens", "5", "--no-metrics", "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto row = json::parse(r.out)["tables"]["levels"]["rows"][0];
  CHECK(row["output_tokens"] == 8);  // 3 (per-prompt) + 5
  CHECK(row["input_tokens"] == 5 + 2 * 6); // the fake counts words: 3 + 2, each behind a 6-word unique prefix
  const auto bodies = server.stats().bodies;
  const auto content = [&](std::size_t i) { return json::parse(bodies[i])["messages"][0]["content"].get<std::string>(); };
  CHECK(content(0).substr(content(0).find('\n') + 1) == "one two three");
  CHECK(content(1).substr(content(1).find('\n') + 1) == "four five");
  CHECK(content(0).substr(0, content(0).find('\n')) != content(1).substr(0, content(1).find('\n')));

  std::ofstream(dir.file("bad.jsonl")) << R"({"prompt": "ok"})" << "\n" << R"({"text": "no prompt"})" << "\n";
  const auto bad = run_tpuplan({"bench", "--endpoint", server.url(), "--dataset", dir.file("bad.jsonl")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.rfind("tpuplan: error: " + dir.file("bad.jsonl") + ":2: no \"prompt\" or \"messages\"", 0) == 0);
}

TEST_CASE("bench flag errors are one line naming the value and what is accepted", "[bench]") {
  const std::string url = "http://127.0.0.1:1";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--concurrency", "1,0"}, "tpuplan: error: --concurrency: '0' is not a positive integer; accepted: 1 to 100000\n"},
      {{"--rate", "fast"}, "tpuplan: error: --rate: 'fast' is not a positive number; accepted: more than 0 up to 1000000\n"},
      {{"--input-tokens", "100±200"}, "tpuplan: error: --input-tokens: range 200 is not below the mean 100; write I±R with R < I, e.g. 1000±200\n"},
      {{"--api", "openai-caht"}, "tpuplan: error: unknown --api 'openai-caht'; did you mean 'openai-chat'?\n"},
      {{"--api-key-env", "TPUPLAN_SURELY_UNSET"}, "tpuplan: error: --api-key-env: environment variable 'TPUPLAN_SURELY_UNSET' is not set\n"},
      {{"--chips", "8"}, "tpuplan: error: --chips needs --accelerator A; e.g. --accelerator v5e --chips 8\n"},
      {{"--header", "novalue"}, "tpuplan: error: --header: 'novalue' is not NAME:VALUE; e.g. --header 'X-Tenant: team-a'\n"},
      {{"--header", "Authorization: Bearer sk-x"},
       "tpuplan: error: --header: Authorization cannot be given on the command line; pass the key with --api-key-env VAR or --api-key-file FILE (or the header with --header-file FILE / --header-env VAR)\n"},
  };
  for (const auto& [extra, expected] : cases) {
    std::vector<std::string> args = {"bench", "--endpoint", url};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_tpuplan(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == expected);
    CHECK(r.out.empty());
  }
  const auto ftp = run_tpuplan({"bench", "--endpoint", "ftp://host/x"});
  CHECK(ftp.err == "tpuplan: error: --endpoint: scheme 'ftp' is not supported; accepted: http, https\n");
  const auto creds = run_tpuplan({"bench", "--endpoint", "http://user:pw@host:8000"});
  CHECK(creds.exit_code == 2);
  CHECK(creds.err.find("pw") == std::string::npos);
  CHECK(creds.err.find("holds credentials") != std::string::npos);
  const auto both = run_tpuplan({"bench", "--endpoint", url, "--rate", "1", "--concurrency", "2"});
  CHECK(both.exit_code == 2);
}

TEST_CASE("bench against a closed port fails with one line and exit code 1", "[bench]") {
  const auto r = run_tpuplan({"bench", "--endpoint", "http://127.0.0.1:" + std::to_string(closed_port())});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("tpuplan: error: cannot reach http://127.0.0.1:", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("bench without libcurl says what to install", "[bench]") {
  const auto r = run_tpuplan({"bench", "--endpoint", "http://127.0.0.1:1"}, {{"TPUPLAN_LIBCURL", "/nonexistent/libcurl.so.4"}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("tpuplan: error: cannot load libcurl ('/nonexistent/libcurl.so.4')", 0) == 0);
  CHECK(r.err.find("apt-get install libcurl4") != std::string::npos);
}

TEST_CASE("Ctrl-C stops the run, saves a partial profile and exits 130", "[bench]") {
  FakeServerOptions o = fast();
  o.token_interval = std::chrono::milliseconds(10);
  FakeServer server(o);
  TempDir dir;
  const pid_t pid = spawn_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "2,4", "--requests", "1000",
                                   "--output-tokens", "100", "--input-tokens", "5", "--no-metrics", "--drain-timeout",
                                   "0.1", "--save", dir.file("p.json"), "--format", "json"},
                                  dir.file("out"), dir.file("err"));
  // Interrupt once requests are flowing (a condition, not a guessed delay).
  wait_until([&] { return server.stats().generation_requests >= 2; });
  REQUIRE(server.stats().generation_requests == 2); // each takes 1 s: both still in flight
  kill(pid, SIGINT);
  CHECK(wait_exit(pid, std::chrono::seconds(60)) == 130);
  const std::string err = slurp(dir.file("err"));
  CHECK(err.find("tpuplan: error: interrupted: the results above are partial; profile saved (marked partial) to ") !=
        std::string::npos);
  const auto profile = tpuplan::bench::read_profile(dir.file("p.json"));
  CHECK(profile.partial);
  REQUIRE(profile.levels.size() == 1); // the second level never started
  CHECK(profile.levels[0].partial);
  CHECK(profile.levels[0].requests_cancelled == 2); // longer than the drain timeout: abandoned
  CHECK(profile.levels[0].requests_ok == 0);
  CHECK(profile.levels[0].requests_not_sent > 900);
  const auto j = json::parse(slurp(dir.file("out")));
  CHECK(j["inputs"]["partial"] == true);
  CHECK(j["tables"]["errors"]["rows"][0]["error_class"] == "cancelled");
}

TEST_CASE("bench over https to a plain-HTTP server counts TLS errors", "[bench]") {
  FakeServer server(fast());
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  const auto r = run_tpuplan({"bench", "--endpoint", url, "--api", "tgi", "--requests", "2", "--no-metrics",
                              "--connect-timeout", "5", "--format", "json"});
  CHECK(r.exit_code == 1);
  const auto rows = json::parse(r.out)["tables"]["errors"]["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["error_class"] == "tls");
  CHECK(rows[0]["count"] == 2);
}

TEST_CASE("bench reads the API key from a file", "[bench]") {
  FakeServerOptions o = fast();
  o.api_key = "file-key-77";
  FakeServer server(o);
  TempDir dir;
  std::ofstream(dir.file("key")) << "file-key-77\n";
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--output-tokens", "2",
                              "--input-tokens", "3", "--api-key-file", dir.file("key"), "--no-metrics"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("file-key-77") == std::string::npos);
  CHECK(server.stats().authorizations.back() == "Bearer file-key-77");
}

TEST_CASE("bench records the hardware from a catalog offering or an accelerator", "[bench]") {
  FakeServer server(fast());
  TempDir dir;
  const std::vector<std::string> base = {"bench", "--endpoint", server.url(), "--requests", "2", "--output-tokens",
                                         "2", "--input-tokens", "3", "--no-metrics", "--format", "json"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tpuplan(with_fixture_data(args));
  };
  const auto off = with({"--offering", "v5e-8@us-central1", "--save", dir.file("o.json")});
  INFO(off.err);
  REQUIRE(off.exit_code == 0);
  const auto p = tpuplan::bench::read_profile(dir.file("o.json"));
  CHECK(p.offering == "v5e-8@us-central1");
  CHECK(p.accelerator == "v5e");
  CHECK(*p.chips == 8);

  const auto ambiguous = with({"--offering", "v5e-8"});
  CHECK(ambiguous.exit_code == 2);
  CHECK(ambiguous.err.rfind("tpuplan: error: --offering: 'v5e-8' is offered in several regions; name one: ", 0) == 0);

  const auto acc = with({"--accelerator", "v5e", "--chips", "4"});
  INFO(acc.err);
  REQUIRE(acc.exit_code == 0);
  const auto j = json::parse(acc.out);
  CHECK(j["inputs"]["accelerator"] == "v5e");
  CHECK(j["inputs"]["chips"] == 4);

  const auto typo = with({"--accelerator", "v5ee", "--chips", "4"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("did you mean 'v5e'") != std::string::npos);
}

TEST_CASE("bench with a config and no endpoint compares every backend under the same load", "[bench]") {
  FakeServer fast_server(fast());
  FakeServerOptions slow_options = fast();
  slow_options.token_interval = std::chrono::microseconds(20000); // 100× the fast one: a gap no load closes
  FakeServer slow_server(slow_options);
  TempDir dir;
  const std::string config = dir.file("config.yaml");
  {
    std::ofstream f(config);
    f << "version: 1\nbackends:\n"
      << "  - name: fast\n    type: gpu\n    endpoint: " << fast_server.url() << "\n    timeout: 20s\n"
      << "  - name: slow\n    type: tpu\n    endpoint: " << slow_server.url() << "\n    timeout: 20s\n";
  }
  const auto r = run_tpuplan({"bench", "--config", config, "--concurrency", "2", "--requests", "6", "--input-tokens",
                              "20", "--output-tokens", "8", "--no-metrics", "--format", "json", "--save",
                              dir.file("run.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = json::parse(r.out);
  CHECK(j["schema"] == "tpuplan.bench/v1");
  CHECK(j["table"] == "backends");
  REQUIRE(j["rows"].size() == 2);
  CHECK(j["rows"][0]["backend"] == "fast");
  CHECK(j["rows"][1]["backend"] == "slow");
  for (const auto& row : j["rows"]) {
    CHECK(row["requests_ok"] == 6);
    CHECK(row["load"] == "concurrency 2");
  }
  // 100× the token interval shows in TPOT; a wide margin keeps this independent of machine speed.
  CHECK(j["rows"][1]["tpot_ms_p50"].get<double>() > 2 * j["rows"][0]["tpot_ms_p50"].get<double>());
  CHECK(std::filesystem::exists(dir.file("run.fast.json")));
  CHECK(std::filesystem::exists(dir.file("run.slow.json")));
  CHECK(fast_server.stats().generation_requests == 6);
  CHECK(slow_server.stats().generation_requests == 6);
  // The same load: one seed, so the same prompts, against each backend.
  const auto fast_profile = json::parse(slurp(dir.file("run.fast.json")));
  const auto slow_profile = json::parse(slurp(dir.file("run.slow.json")));
  CHECK(fast_profile["workload"]["seed"] == slow_profile["workload"]["seed"]);
  // The same prompts after each backend's own unique prefixes (6 words), so a server behind
  // two backends cannot serve the second from the first's cache.
  const auto prompts = [](const std::vector<std::string>& bodies) {
    std::vector<std::string> out;
    for (const auto& b : bodies) {
      const std::string text = json::parse(b)["messages"][0]["content"];
      std::size_t at = 0;
      for (int w = 0; w < 6; ++w) {
        at = text.find(' ', at) + 1;
      }
      out.push_back(text.substr(at));
    }
    std::sort(out.begin(), out.end()); // two in flight: arrival order may differ
    return out;
  };
  CHECK(prompts(fast_server.stats().bodies) == prompts(slow_server.stats().bodies));
  CHECK(json::parse(fast_server.stats().bodies[0])["messages"][0]["content"] !=
        json::parse(slow_server.stats().bodies[0])["messages"][0]["content"]);
  CHECK(fast_profile["http_client"] == "built-in HTTP/1.1");
  // The comparison's chart: one colour per backend in both panels (TTFT above, TPOT below).
  REQUIRE(j["charts"].size() == 1);
  CHECK(j["charts"][0]["group"] == "backend");
  CHECK(j["charts"][0]["y_panels"] == json::array({0, 0, 1, 1}));
  CHECK(j["charts"][0]["point_label"] == "load");
}

TEST_CASE("bench --io io_uring receives through a ring and records it — an unknown --io is refused", "[bench]") {
  FakeServer server(fast());
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "3", "--output-tokens", "4",
                              "--no-metrics", "--io", "io_uring", "--save", dir.file("p.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto saved = json::parse(slurp(dir.file("p.json")));
  CHECK(saved["timestamp_source"] == "kernel");
  if (saved["io"] == "epoll") {
    // A kernel or container that refuses io_uring: epoll, and the reason on stderr.
    CHECK(r.err.find("--io io_uring: the kernel refused a ring (") != std::string::npos);
  } else {
    CHECK(saved["io"] == "io_uring");
    CHECK(r.err.find("refused a ring") == std::string::npos);
  }
  const auto unknown = run_tpuplan({"bench", "--endpoint", server.url(), "--io", "uring"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown --io 'uring'") != std::string::npos);
  CHECK(server.stats().generation_requests == 3);
}

TEST_CASE("bench --http-client picks the client and refuses what the built-in one cannot do", "[bench]") {
  FakeServer server(fast());
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--output-tokens", "4",
                              "--no-metrics", "--http-client", "libcurl", "--save", dir.file("p.json")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto saved = json::parse(slurp(dir.file("p.json")));
  CHECK(saved["http_client"].get<std::string>().rfind("libcurl ", 0) == 0);
  CHECK(saved["timestamp_source"] == "user"); // libcurl reads the socket itself
  CHECK(saved["io"] == "libcurl");
  const auto report = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "1", "--output-tokens", "4",
                                   "--no-metrics", "--format", "json"});
  REQUIRE(report.exit_code == 0);
  CHECK(json::parse(report.out)["inputs"]["http_client"] == "built-in HTTP/1.1");
  // The built-in client stamps tokens with the kernel's receive time of their segments.
  CHECK(json::parse(report.out)["inputs"]["timestamp_source"] == "kernel");
  CHECK(json::parse(report.out)["inputs"]["io"] == "epoll");
  const auto https = run_tpuplan({"bench", "--endpoint", "https://127.0.0.1:1", "--http-client", "builtin"});
  CHECK(https.exit_code == 2);
  CHECK(https.err == "tpuplan: error: --http-client builtin speaks plain http only; use --http-client libcurl (or auto) for https\n");
  const auto unknown = run_tpuplan({"bench", "--endpoint", server.url(), "--http-client", "curl"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown --http-client 'curl'") != std::string::npos);
  const auto header = run_tpuplan({"bench", "--endpoint", server.url(), "--header", "X-A: b\r\nX-Injected: 1"});
  CHECK(header.exit_code == 2);
  CHECK(header.err.find("--header: 'X-A' has a character a header cannot carry") != std::string::npos);
  CHECK(server.stats().generation_requests == 3);
}

TEST_CASE("bench without an endpoint or backends says what it needs", "[bench]") {
  const auto r = run_tpuplan({"bench", "--concurrency", "1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpuplan: error: --endpoint is required; or give --config FILE with a 'backends:' list\n");
}

TEST_CASE("bench draws throughput against latency percentiles as SVG", "[bench]") {
  FakeServer server(fast());
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "1,4", "--requests", "8",
                              "--input-tokens", "20", "--output-tokens", "6", "--no-metrics", "--format", "svg"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("<?xml", 0) == 0);
  CHECK(r.out.find("<svg") != std::string::npos);
  CHECK(r.out.find("output throughput (tokens/s)") != std::string::npos);
  CHECK(r.out.find("TPOT p99") != std::string::npos);
  // Two panels sharing the x axis: TTFT on its own scale above, TPOT below (on one axis TPOT
  // was a flat line at zero under TTFT), each point marked and named by its load level.
  const auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = r.out.find(needle); at != std::string::npos; at = r.out.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  CHECK(count("<g class=\"panel\"") == 2);
  CHECK(r.out.find("time to first token (ms)") != std::string::npos);
  CHECK(r.out.find("time per output token (ms)") != std::string::npos);
  CHECK(count("<polyline") == 4);
  CHECK(count("<circle") == 8); // 2 levels × 4 series
  CHECK(r.out.find(">c=1</text>") != std::string::npos);
  CHECK(r.out.find(">c=4</text>") != std::string::npos);
  CHECK(r.out.find("synthetic ~20 in / 6 out tokens") != std::string::npos);
}
