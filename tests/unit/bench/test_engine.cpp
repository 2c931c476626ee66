// The load generator against the fake server on loopback: loads, protocols, failures —
// each test run once with the built-in HTTP/1.1 client and once with libcurl.
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/uring.hpp>
#include <tpuplan/bench/protocol.hpp>

#include "bench_clients.hpp"
#include "fake_server.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

using namespace tpuplan::bench;
using tpuplan::test::client_under_test;
using tpuplan::test::Fault;
using tpuplan::test::FakeServer;
using tpuplan::test::FakeServerOptions;
using tpuplan::test::Flavor;

namespace {

RequestSource source_for(Api api, int max_tokens = 8, std::string model = "fake-model") {
  return [=](std::int64_t i) {
    Prompt p;
    p.text = "hello world number " + std::to_string(i);
    p.approx_tokens = 4;
    GenerationOptions g;
    g.model = model;
    g.max_tokens = max_tokens;
    return OutgoingRequest{request_body(api, p, g), max_tokens, p.approx_tokens};
  };
}

LoadLevel closed(int concurrency, std::int64_t requests) {
  LoadLevel l;
  l.mode = LoadMode::concurrency;
  l.concurrency = concurrency;
  l.requests = requests;
  return l;
}

std::map<ErrorClass, int> classes(const LevelRun& run) {
  std::map<ErrorClass, int> m;
  for (const auto& r : run.records) {
    ++m[r.error];
  }
  return m;
}

struct Setup {
  CurlLibrary curl;
  FakeServer server;
  Engine engine;
  explicit Setup(FakeServerOptions o = {}, Endpoint e = {}) : server(std::move(o)), engine(curl, with_url(e, server.url())) {}
  static Endpoint with_url(Endpoint e, const std::string& url) {
    e.base_url = url;
    client_under_test(e);
    return e;
  }
};

} // namespace

TEST_CASE("a closed loop keeps the concurrency in flight and reuses its connections", "[bench]") {
  Setup s;
  const auto run = s.engine.run(Api::openai_chat, closed(4, 40), source_for(Api::openai_chat), {}, 1);
  REQUIRE(run.records.size() == 40);
  for (const auto& r : run.records) {
    INFO(r.error_message);
    REQUIRE(r.ok());
    CHECK(*r.completion_tokens == 8);
    CHECK(r.completion_source == TokenSource::server);
    CHECK(r.token_times.size() == 8);
    CHECK(r.role_only_events == 1);
    CHECK(r.sent_ns < r.headers_ns);
    CHECK(r.first_event_ns <= r.first_token_ns);
    CHECK(r.first_token_ns <= r.last_token_ns);
    CHECK(r.last_token_ns <= r.end_ns);
    CHECK(r.scheduled_ns == r.sent_ns);
    CHECK(*r.prompt_tokens == 4); // "hello world number i": the fake counts words
    CHECK(r.prompt_source == TokenSource::server);
  }
  const auto st = s.server.stats();
  CHECK(st.generation_requests == 40);
  CHECK(st.max_concurrent <= 4);
  CHECK(st.max_concurrent >= 2); // refilled continuously, not one at a time
  CHECK(st.connections <= 4);    // keep-alive: no new connection per request
  CHECK_FALSE(run.interrupted);
}

TEST_CASE("a connection the server closes after a response is replaced, and no request fails", "[bench]") {
  FakeServerOptions o;
  o.requests_per_connection = 2; // closes without "Connection: close": the client learns it from the socket
  Setup s(o);
  const auto run = s.engine.run(Api::openai_chat, closed(2, 20), source_for(Api::openai_chat), {}, 1);
  CHECK(classes(run) == std::map<ErrorClass, int>{{ErrorClass::none, 20}});
  CHECK(s.server.stats().generation_requests >= 20);
  CHECK(s.server.stats().connections >= 10);
}

TEST_CASE("a host name reaches the address that listens, whichever the resolver lists first", "[bench]") {
  FakeServer server; // listens on 127.0.0.1 only; "localhost" may resolve to ::1 first
  CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://localhost:" + std::to_string(server.port());
  client_under_test(e);
  Engine engine(curl, e);
  const auto run = engine.run(Api::openai_chat, closed(2, 6), source_for(Api::openai_chat), {}, 1);
  CHECK(classes(run) == std::map<ErrorClass, int>{{ErrorClass::none, 6}});
  CHECK(server.stats().connections <= 2); // refused addresses never reach the server
}

TEST_CASE("the engine names the client that carries its requests", "[bench]") {
  CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://127.0.0.1:1";
  CHECK(Engine(curl, e).http_client() == "built-in HTTP/1.1"); // automatic: plain http, no proxy here
  e.http_client = HttpClient::libcurl;
  CHECK(Engine(curl, e).http_client() == "libcurl " + curl.version());
}

TEST_CASE("the built-in client takes plain http only and leaves redirects to libcurl", "[bench]") {
  CurlLibrary curl;
  Endpoint e;
  e.http_client = HttpClient::builtin;
  e.base_url = "https://127.0.0.1:1";
  CHECK_THROWS_WITH(Engine(curl, e), "--http-client builtin speaks plain http only");
  e.base_url = "http://127.0.0.1:1";
  e.follow_redirects = true;
  CHECK_THROWS_WITH(Engine(curl, e), "--http-client builtin does not follow redirects");
  e.http_client = HttpClient::automatic;
  CHECK(Engine(curl, e).http_client().rfind("libcurl", 0) == 0);
  e.follow_redirects = false;
  e.base_url = "https://127.0.0.1:1";
  CHECK(Engine(curl, e).http_client().rfind("libcurl", 0) == 0);
}

TEST_CASE("a proxy from the environment applies as libcurl would apply it", "[bench]") {
  std::map<std::string, std::string> vars;
  const auto env = [&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  const std::string url = "http://gpu-box.internal:8000";
  CHECK_FALSE(proxy_applies(url, env));
  vars["HTTP_PROXY"] = "http://proxy:3128"; // libcurl ignores the upper-case form for http
  CHECK_FALSE(proxy_applies(url, env));
  vars["http_proxy"] = "http://proxy:3128";
  CHECK(proxy_applies(url, env));
  vars["no_proxy"] = "localhost, .internal";
  CHECK_FALSE(proxy_applies(url, env));
  CHECK(proxy_applies("http://internal.example:8000", env));
  vars["no_proxy"] = "gpu-box.internal";
  CHECK_FALSE(proxy_applies(url, env));
  vars["no_proxy"] = "*";
  CHECK_FALSE(proxy_applies(url, env));
  vars.erase("no_proxy");
  vars.erase("http_proxy");
  vars["ALL_PROXY"] = "socks5://proxy:1080";
  CHECK(proxy_applies(url, env));
  vars["NO_PROXY"] = "box.internal"; // a suffix only at a dot
  CHECK(proxy_applies(url, env));
}

TEST_CASE("connections stay open from one level to the next", "[bench]") {
  Setup s;
  s.engine.run(Api::openai_chat, closed(3, 6), source_for(Api::openai_chat), {}, 1);
  s.engine.run(Api::openai_chat, closed(3, 6), source_for(Api::openai_chat), {}, 2);
  CHECK(s.server.stats().connections <= 3);
}

TEST_CASE("every protocol streams end to end with exact token counts", "[bench]") {
  const std::vector<std::pair<Api, TokenSource>> cases = {{Api::openai_chat, TokenSource::server},
                                                          {Api::openai_completions, TokenSource::server},
                                                          {Api::tgi, TokenSource::server},
                                                          {Api::jetstream_http, TokenSource::stream},
                                                          {Api::llamacpp, TokenSource::server}};
  for (const auto& [api, source] : cases) {
    INFO(to_string(api));
    Setup s;
    const auto run = s.engine.run(api, closed(2, 4), source_for(api, 5), {}, 1);
    REQUIRE(run.records.size() == 4);
    for (const auto& r : run.records) {
      INFO(r.error_message);
      REQUIRE(r.ok());
      CHECK(*r.completion_tokens == 5);
      CHECK(r.completion_source == source);
      CHECK(r.token_times.size() == 5);
    }
  }
}

TEST_CASE("an open loop sends on its schedule and keeps the scheduled time of late sends", "[bench]") {
  FakeServerOptions o;
  o.slots = 0;
  Setup s(o);
  LoadLevel l;
  l.mode = LoadMode::rate;
  l.rate_rps = 200;
  l.requests = 20;
  l.max_concurrency = 1; // forces late sends: latency from the schedule must include the wait
  const auto run = s.engine.run(Api::openai_completions, l, source_for(Api::openai_completions, 4), {}, 7);
  REQUIRE(run.records.size() == 20);
  std::int64_t last_sched = 0;
  int late = 0;
  for (const auto& r : run.records) {
    REQUIRE(r.ok());
    CHECK(r.scheduled_ns >= run.start_ns);
    CHECK(r.sent_ns >= r.scheduled_ns);
    CHECK(r.scheduled_ns > last_sched);
    last_sched = r.scheduled_ns;
    late += r.sent_ns - r.scheduled_ns > 1'000'000 ? 1 : 0;
  }
  // The last arrival is at requests/rate = 100 ms after the start (the schedule is rescaled).
  CHECK(static_cast<double>(run.records.back().scheduled_ns - run.start_ns) / 1e6 == Approx(100).margin(0.01));
  CHECK(s.server.stats().max_concurrent == 1);
  CHECK(late > 0); // each request takes ~3 ms against a 5 ms mean gap with one slot: some wait
}

TEST_CASE("failures are classified and the run goes on", "[bench]") {
  FakeServerOptions o;
  o.fault_cycle = {Fault::none,      Fault::http_500,        Fault::http_429,  Fault::reset_mid_stream,
                   Fault::truncated, Fault::error_after_200, Fault::malformed_event, Fault::slow_drip};
  Endpoint e;
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(1, 8), source_for(Api::openai_chat, 6), {}, 1);
  REQUIRE(run.records.size() == 8);
  const auto& r = run.records;
  std::string messages;
  for (const auto& rec : r) {
    messages += "request " + std::to_string(rec.index) + ": " + rec.error_message + "; ";
  }
  INFO(messages);
  CHECK(r[0].ok());
  CHECK(r[1].error == ErrorClass::http_5xx);
  CHECK(r[1].error_message == "HTTP 500: Internal server error (InternalServerError)");
  CHECK(r[2].error == ErrorClass::http_429);
  CHECK(r[2].error_message == "HTTP 429: Model is overloaded (overloaded)");
  CHECK(*r[2].retry_after_s == 2);
  CHECK(r[3].error == ErrorClass::truncated);
  CHECK(r[4].error == ErrorClass::truncated);
  CHECK(r[5].error == ErrorClass::stream_error);
  CHECK(r[6].error == ErrorClass::malformed);
  INFO(r[7].error_message);
  CHECK(r[7].ok()); // one byte per write is slow, not wrong
  CHECK(*r[7].completion_tokens == 6);
}

TEST_CASE("a stalled stream fails with a timeout after the idle limit", "[bench]") {
  FakeServerOptions o;
  o.fault_cycle = {Fault::stall};
  Endpoint e;
  e.idle_timeout_s = 0.2;
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(1, 1), source_for(Api::openai_chat), {}, 1);
  REQUIRE(run.records.size() == 1);
  CHECK(run.records[0].error == ErrorClass::timeout);
  const double seconds = static_cast<double>(run.records[0].end_ns - run.records[0].sent_ns) / 1e9;
  CHECK(seconds >= 0.2);
  CHECK(seconds < 5);
}

TEST_CASE("a request over the total timeout fails as a timeout, not as a connect error", "[bench]") {
  FakeServerOptions o;
  o.ttft = std::chrono::seconds(30); // connected, request read, nothing sent back
  Endpoint e;
  e.request_timeout_s = 0.2;
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(1, 1), source_for(Api::openai_chat), {}, 1);
  REQUIRE(run.records.size() == 1);
  INFO(run.records[0].error_message);
  CHECK(run.records[0].error == ErrorClass::timeout);
  const double seconds = static_cast<double>(run.records[0].end_ns - run.records[0].sent_ns) / 1e9;
  CHECK(seconds >= 0.2);
  CHECK(seconds < 5);
}

TEST_CASE("a response larger than the cap is cut and counted as oversized", "[bench]") {
  FakeServerOptions o;
  o.fault_cycle = {Fault::oversized, Fault::none};
  Endpoint e;
  e.max_response_bytes = 64 * 1024;
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(1, 2), source_for(Api::openai_chat), {}, 1);
  CHECK(run.records[0].error == ErrorClass::oversized);
  CHECK(run.records[1].ok());
}

TEST_CASE("a refused connection is a connect error, for every request", "[bench]") {
  CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://127.0.0.1:" + std::to_string(tpuplan::test::closed_port());
  client_under_test(e);
  Engine engine(curl, e);
  const auto run = engine.run(Api::openai_chat, closed(2, 3), source_for(Api::openai_chat), {}, 1);
  CHECK(classes(run) == std::map<ErrorClass, int>{{ErrorClass::connect, 3}});
}

TEST_CASE("the API key goes out as a bearer token on every request", "[bench]") {
  FakeServerOptions o;
  o.api_key = "sk-test-123";
  Endpoint e;
  e.api_key = "sk-test-123";
  e.headers = {"X-Extra: yes"};
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(2, 4), source_for(Api::openai_chat), {}, 1);
  CHECK(classes(run) == std::map<ErrorClass, int>{{ErrorClass::none, 4}});
  for (const auto& h : s.server.stats().header_lines) {
    CHECK(h.find("X-Extra: yes") != std::string::npos);
  }
  for (const auto& a : s.server.stats().authorizations) {
    CHECK(a == "Bearer sk-test-123");
  }
  const auto probe = s.engine.get(s.engine.url("/v1/models"), 5);
  CHECK(probe.status == 200);
  CHECK(s.server.stats().authorizations.back() == "Bearer sk-test-123");
}

TEST_CASE("a wrong API key is an HTTP 4xx error with the server's message", "[bench]") {
  FakeServerOptions o;
  o.api_key = "right";
  Endpoint e;
  e.api_key = "wrong";
  Setup s(o, e);
  const auto run = s.engine.run(Api::openai_chat, closed(1, 1), source_for(Api::openai_chat), {}, 1);
  CHECK(run.records[0].error == ErrorClass::http_4xx);
  CHECK(run.records[0].error_message == "HTTP 401: Invalid API key (authentication_error)");
}

TEST_CASE("a stop flag ends the level, lets requests in flight drain and marks it interrupted", "[bench]") {
  FakeServerOptions o;
  o.token_interval = std::chrono::milliseconds(2);
  Setup s(o);
  StopFlag stop{0};
  LevelHooks hooks;
  hooks.stop = &stop;
  hooks.progress = [&](const LevelProgress& p) {
    if (p.completed >= 2) {
      stop = 1;
    }
  };
  const auto run = s.engine.run(Api::openai_chat, closed(2, 1000), source_for(Api::openai_chat, 50), hooks, 1);
  CHECK(run.interrupted);
  CHECK(run.not_sent > 900);
  for (const auto& r : run.records) {
    CHECK(r.ok()); // drained within the drain timeout
  }
}

TEST_CASE("a second stop abandons requests in flight as cancelled", "[bench]") {
  FakeServerOptions o;
  o.fault_cycle = {Fault::stall};
  Setup s(o);
  StopFlag stop{0};
  LevelHooks hooks;
  hooks.stop = &stop;
  hooks.progress = [&](const LevelProgress& p) {
    if (p.in_flight == 3) {
      stop = 2; // all three stalled requests are in flight: abandon them
    }
  };
  const auto run = s.engine.run(Api::openai_chat, closed(3, 10), source_for(Api::openai_chat), hooks, 1);
  CHECK(run.interrupted);
  REQUIRE(run.records.size() == 3);
  CHECK(run.not_sent == 7);
  for (const auto& r : run.records) {
    CHECK(r.error == ErrorClass::cancelled);
    CHECK(r.token_times.size() == 1); // the one token each got before the stall
  }
}

TEST_CASE("samples are fetched during a level when a sample URL is given", "[bench]") {
  FakeServerOptions o;
  o.token_interval = std::chrono::milliseconds(1);
  Setup s(o);
  LevelHooks hooks;
  hooks.sample_url = s.server.url() + "/metrics";
  hooks.sample_interval_s = 0.01;
  int samples = 0;
  hooks.on_sample = [&](std::string_view body, std::int64_t) {
    samples += body.find("vllm:num_requests_running") != std::string_view::npos ? 1 : 0;
  };
  s.engine.run(Api::openai_chat, closed(2, 6), source_for(Api::openai_chat, 20), hooks, 1);
  CHECK(samples >= 2);
}
