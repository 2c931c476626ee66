// The engine's limits on a run: a server that is gone ends a level after a bounded number of
// connection failures (with back-off between them), finished requests stream out instead of
// piling up, and a stop flag cuts a blocking GET short.
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/uring.hpp>
#include <tpuplan/bench/protocol.hpp>

#include "bench_clients.hpp"
#include "fake_server.hpp"

#include <catch2/catch.hpp>
#include <algorithm>
#include <thread>
#include <vector>

using namespace tpuplan::bench;
using tpuplan::test::client_under_test;
using tpuplan::test::FakeServer;
using tpuplan::test::FakeServerOptions;

namespace {

RequestSource hello(Api api) {
  return [api](std::int64_t i) {
    Prompt p;
    p.text = "hello " + std::to_string(i);
    p.approx_tokens = 2;
    GenerationOptions g;
    g.model = "fake-model";
    g.max_tokens = 4;
    return OutgoingRequest{request_body(api, p, g), 4, 2};
  };
}

} // namespace

TEST_CASE("a server that refuses connections ends the level after a bounded number of attempts", "[bench]") {
  CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://127.0.0.1:" + std::to_string(tpuplan::test::closed_port());
  client_under_test(e);
  Engine engine(curl, e);
  LoadLevel level;
  level.mode = LoadMode::concurrency;
  level.concurrency = 4;
  level.duration_s = 600; // would storm the port for ten minutes without the limit
  LevelHooks hooks;
  hooks.max_connect_failures = 8;
  const LevelRun run = engine.run(Api::openai_chat, level, hello(Api::openai_chat), hooks, 1);
  CHECK(run.unreachable);
  CHECK(run.unreachable_message.find("onnect") != std::string::npos);
  // The first wave (the concurrency), then one at a time with back-off, to the limit.
  CHECK(run.records.size() >= 8);
  CHECK(run.records.size() <= 8 + 4);
  for (const auto& r : run.records) {
    CHECK(r.error == ErrorClass::connect);
  }
  // Back-off: after the first failures, sends are spaced by at least 10 ms, doubling.
  std::vector<std::int64_t> sends;
  for (const auto& r : run.records) {
    sends.push_back(r.sent_ns);
  }
  std::sort(sends.begin(), sends.end());
  CHECK(sends.back() - sends.front() >= (10 + 20 + 40) * 1'000'000LL);
}

TEST_CASE("an open loop against a refused port stops sending too", "[bench]") {
  CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://127.0.0.1:" + std::to_string(tpuplan::test::closed_port());
  client_under_test(e);
  Engine engine(curl, e);
  LoadLevel level;
  level.mode = LoadMode::rate;
  level.rate_rps = 2000;
  level.requests = 20000;
  const LevelRun run = engine.run(Api::openai_chat, level, hello(Api::openai_chat), {}, 1);
  CHECK(run.unreachable);
  // The arrivals due before the first refusal is seen go out; then one at a time, backing off.
  CHECK(run.records.size() <= 40);
  CHECK(run.not_sent >= 20000 - 40);
}

TEST_CASE("finished requests stream to a hook as they finish instead of piling up", "[bench]") {
  CurlLibrary curl;
  FakeServerOptions o;
  o.ttft = std::chrono::microseconds(200);
  o.token_interval = std::chrono::microseconds(50);
  FakeServer server(o);
  Endpoint e;
  e.base_url = server.url();
  client_under_test(e);
  Engine engine(curl, e);
  LoadLevel level;
  level.concurrency = 3;
  level.requests = 30;
  std::int64_t start = 0;
  std::vector<std::int64_t> indices;
  LevelHooks hooks;
  hooks.on_start = [&](std::int64_t t) { start = t; };
  hooks.on_record = [&](RequestRecord&& r) {
    CHECK(start > 0);
    CHECK(r.sent_ns >= start);
    CHECK(r.ok());
    indices.push_back(r.index);
  };
  const LevelRun run = engine.run(Api::openai_chat, level, hello(Api::openai_chat), hooks, 1);
  CHECK(run.records.empty());
  CHECK(run.start_ns == start);
  std::sort(indices.begin(), indices.end());
  REQUIRE(indices.size() == 30);
  CHECK(indices.front() == 0);
  CHECK(indices.back() == 29);
}

TEST_CASE("a stop flag cuts a blocking GET short", "[bench]") {
  CurlLibrary curl;
  FakeServerOptions o;
  o.probe_delay = std::chrono::seconds(120); // a paused server
  FakeServer server(o);
  Endpoint e;
  e.base_url = server.url();
  Engine engine(curl, e);
  StopFlag stop{0};
  engine.set_stop(&stop);
  std::thread interrupter([&] {
    // Once the server holds the request (a condition, not a guessed delay), press Ctrl-C.
    while (server.stats().paths.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    stop = 1;
  });
  const HttpResponse r = engine.get(engine.url("/v1/models"), 100);
  interrupter.join();
  CHECK(r.status == 0);
  CHECK(r.error == "interrupted");
  // With the flag already set, a GET does not even start.
  const HttpResponse again = engine.get(engine.url("/v1/models"), 100);
  CHECK(again.error == "interrupted");
  CHECK(server.stats().paths.size() == 1);
}
