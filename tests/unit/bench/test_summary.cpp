// Level summaries from hand-made records: every figure checked against arithmetic.
#include <tpuplan/bench/summary.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan::bench;

namespace {

constexpr std::int64_t ms = 1'000'000;

/// A successful request: sent at `sent`, tokens at the given times (ms), ended at `end`.
RequestRecord ok(std::int64_t index, std::int64_t sent, std::vector<std::int64_t> tokens_ms, std::int64_t end,
                 std::int64_t n, std::vector<std::uint32_t> per_chunk = {}) {
  RequestRecord r;
  r.index = index;
  r.scheduled_ns = sent * ms;
  r.sent_ns = sent * ms;
  for (const auto t : tokens_ms) {
    r.token_times.push_back(t * ms);
  }
  r.first_token_ns = r.token_times.front();
  r.last_token_ns = r.token_times.back();
  r.end_ns = end * ms;
  r.completion_tokens = n;
  r.completion_source = TokenSource::server;
  r.prompt_tokens = 10;
  r.prompt_source = TokenSource::server;
  r.chunk_tokens = std::move(per_chunk);
  return r;
}

LoadLevel closed(int c) {
  LoadLevel l;
  l.concurrency = c;
  l.requests = 3;
  return l;
}

} // namespace

TEST_CASE("TTFT, TPOT, E2E and throughput follow their definitions", "[bench]") {
  LevelRun run;
  run.start_ns = 0;
  // Request 0: sent 0, first token 100, ends 500 with 5 tokens → TPOT (500 − 100) / 4 = 100.
  run.records.push_back(ok(0, 0, {100, 200, 300, 400, 500}, 500, 5));
  // Request 1: sent 100, first token 300, ends 1100 with 9 tokens in 3 chunks (usage says 9).
  run.records.push_back(ok(1, 100, {300, 700, 1100}, 1100, 9));
  const auto l = summarize_level(closed(2), run, {});
  CHECK(l.requests_ok == 2);
  CHECK(l.ttft_ms.mean == Approx(150));
  CHECK(l.tpot_ms.count == 2);
  CHECK(l.tpot_ms.min == Approx(100));
  CHECK(l.tpot_ms.max == Approx(100)); // (1000 − 200) / 8
  CHECK(l.e2e_ms.max == Approx(1000));
  CHECK(l.duration_s == Approx(1.1)); // first send 0 → last end 1100 ms
  CHECK(l.request_rps == Approx(2 / 1.1));
  CHECK(l.output_tokens == 14);
  CHECK(l.output_tokens_per_s == Approx(14 / 1.1));
  CHECK(l.total_tokens_per_s == Approx(34 / 1.1));
  CHECK(l.mean_in_flight == Approx((0.5 + 1.0) / 1.1));
  CHECK(l.itl_per_chunk); // request 1's chunks carried an unknown number of tokens
  CHECK(l.itl_ms.count == 4 + 2);
  CHECK_FALSE(l.goodput_rps); // no SLO: absent
  CHECK_FALSE(l.send_rate_rps);
  CHECK(l.schedule_lag_ms.count == 0);
}

TEST_CASE("ITL spreads a multi-token chunk's gap over its tokens when the protocol says", "[bench]") {
  LevelRun run;
  run.records.push_back(ok(0, 0, {10, 40, 50}, 50, 5, {1, 3, 1}));
  const auto l = summarize_level(closed(1), run, {});
  CHECK_FALSE(l.itl_per_chunk);
  REQUIRE(l.itl_ms.count == 4); // 3 samples of 30/3 = 10 ms, then 1 of 10 ms
  CHECK(l.itl_ms.min == Approx(10));
  CHECK(l.itl_ms.max == Approx(10));
}

TEST_CASE("goodput counts requests meeting every SLO given", "[bench]") {
  LevelRun run;
  run.records.push_back(ok(0, 0, {100, 200}, 200, 2));  // TTFT 100, TPOT 100
  run.records.push_back(ok(1, 0, {300, 310}, 310, 2));  // TTFT 300, TPOT 10
  run.records.push_back(ok(2, 0, {50, 60}, 60, 2));     // TTFT 50, TPOT 10
  Slo slo;
  slo.ttft_ms = 200;
  slo.tpot_ms = 50;
  const auto l = summarize_level(closed(3), run, slo);
  CHECK(l.good_requests == 1);
  CHECK(*l.goodput_rps == Approx(1 / 0.31));
  slo.tpot_ms.reset();
  CHECK(summarize_level(closed(3), run, slo).good_requests == 2);
}

TEST_CASE("failed and cancelled requests stay out of latency and throughput", "[bench]") {
  LevelRun run;
  run.records.push_back(ok(0, 0, {100, 200}, 200, 2));
  RequestRecord failed;
  failed.index = 1;
  failed.sent_ns = 0;
  failed.end_ns = 5000 * ms;
  failed.error = ErrorClass::http_429;
  failed.error_message = "HTTP 429: busy";
  failed.http_status = 429;
  failed.retry_after_s = 3;
  run.records.push_back(failed);
  RequestRecord cancelled = failed;
  cancelled.index = 2;
  cancelled.error = ErrorClass::cancelled;
  run.records.push_back(cancelled);
  run.interrupted = true;
  const auto l = summarize_level(closed(3), run, {});
  CHECK(l.partial);
  CHECK(l.requests_sent == 3);
  CHECK(l.requests_ok == 1);
  CHECK(l.requests_failed == 1);
  CHECK(l.requests_cancelled == 1);
  CHECK(l.error_rate == Approx(0.5));
  CHECK(l.e2e_ms.count == 1);
  CHECK(l.output_tokens == 2);
  REQUIRE(l.errors.size() == 2);
  CHECK(l.errors[0].error == ErrorClass::http_429);
  CHECK(*l.errors[0].http_status == 429);
  CHECK(*l.errors[0].retry_after_s == 3);
  CHECK(l.errors[1].error == ErrorClass::cancelled);
}

TEST_CASE("open-loop latency counts from the schedule and the lag is reported", "[bench]") {
  LevelRun run;
  run.start_ns = 0;
  auto a = ok(0, 10, {110, 120}, 120, 2);
  a.scheduled_ns = 0; // sent 10 ms late
  auto b = ok(1, 50, {150, 160}, 160, 2);
  b.scheduled_ns = 50 * ms;
  run.records = {a, b};
  LoadLevel l;
  l.mode = LoadMode::rate;
  l.rate_rps = 40;
  l.requests = 2;
  Slo slo;
  slo.ttft_ms = 105; // met from the send (100 ms), missed from the schedule (110 ms) by request a
  const auto r = summarize_level(l, run, slo);
  CHECK(r.schedule_lag_ms.max == Approx(10));
  CHECK(r.ttft_from_schedule_ms.max == Approx(110));
  CHECK(r.ttft_ms.max == Approx(100));
  CHECK(r.e2e_from_schedule_ms.max == Approx(120));
  CHECK(r.good_requests == 1);
  CHECK(*r.send_rate_rps == Approx(2 / 0.05));
}
