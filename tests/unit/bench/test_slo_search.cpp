// `bench --slo`: parsing the targets and every branch of the search, against a model server
// whose latency is a known function of the load (no network, no clock).
#include <tpuplan/bench/bench_report.hpp>
#include <tpuplan/bench/slo_search.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <functional>
#include <sstream>
#include <vector>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

/// A level at `load` whose TTFT p99 is `ttft(load)`, serving min(load, capacity) req/s.
LevelResult level(LoadMode mode, double load, double ttft_p99, double capacity = 1e9, double tokens_per_s = 0) {
  LevelResult l;
  l.load.mode = mode;
  if (mode == LoadMode::rate) {
    l.load.rate_rps = load;
  } else {
    l.load.concurrency = static_cast<int>(load);
  }
  l.requests_ok = 100;
  l.request_rps = std::min(load, capacity);
  l.output_tokens_per_s = tokens_per_s > 0 ? tokens_per_s : l.request_rps * 100;
  Distribution& d = mode == LoadMode::rate ? l.ttft_from_schedule_ms : l.ttft_ms;
  d.count = 100;
  d.p50 = ttft_p99 / 2;
  d.p99 = ttft_p99;
  return l;
}

/// A search for `targets` from `start`, in `mode`, for at most `max_steps` levels.
SloSearchSpec spec_for(const char* targets, LoadMode mode, double start, int max_steps = 20) {
  SloSearchSpec spec;
  spec.targets = parse_slo_targets(targets);
  spec.mode = mode;
  spec.start = start;
  spec.max_steps = max_steps;
  return spec;
}

/// Runs the search against `ttft(load)`; returns the loads tried, in order.
std::vector<double> search(SloSearcher& s, LoadMode mode, const std::function<double(double)>& ttft,
                           double capacity = 1e9, const std::function<double(double)>& tokens = {}) {
  std::vector<double> tried;
  while (const auto load = s.next()) {
    tried.push_back(*load);
    REQUIRE(tried.size() < 50);
    s.record(level(mode, *load, ttft(*load), capacity, tokens ? tokens(*load) : 0));
  }
  return tried;
}

} // namespace

TEST_CASE("SLO targets parse as METRIC-STAT=MS and bad ones name what is accepted", "[bench]") {
  const auto t = parse_slo_targets("ttft-p99=500, tpot-p99.9=50,e2e-mean=2000");
  REQUIRE(t.size() == 3);
  CHECK(t[0].metric == "ttft");
  CHECK(t[0].percentile == "p99");
  CHECK(t[0].ms == 500);
  CHECK(t[1].percentile == "p99_9");
  CHECK(t[2].percentile == "mean");
  for (const char* bad : {"", "ttft=5", "ttfx-p99=5", "ttft-p42=5", "ttft-p99=-1", "ttft-p99=abc"}) {
    INFO(bad);
    try {
      parse_slo_targets(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(std::string(e.what()).rfind("--slo", 0) == 0);
    }
  }
}

TEST_CASE("a level meets an SLO only with successful requests, few failures and every figure in bounds", "[bench]") {
  const auto targets = parse_slo_targets("ttft-p99=100");
  CHECK(meets_targets(level(LoadMode::rate, 1, 99), targets));
  std::string why;
  CHECK_FALSE(meets_targets(level(LoadMode::rate, 1, 101), targets, &why));
  CHECK(why == "ttft p99 101.0 ms > 100 ms");
  LevelResult failing = level(LoadMode::rate, 1, 10);
  failing.error_rate = 0.02;
  CHECK_FALSE(meets_targets(failing, targets, &why));
  CHECK(why == "2.0% of requests failed");
  LevelResult none = level(LoadMode::rate, 1, 10);
  none.requests_ok = 0;
  CHECK_FALSE(meets_targets(none, targets));
  // Open loop TTFT counts from the schedule: the closed-loop figure is not read.
  LevelResult open = level(LoadMode::rate, 1, 10);
  open.ttft_ms.count = 100;
  open.ttft_ms.p99 = 1000;
  CHECK(meets_targets(open, targets));
}

TEST_CASE("the search doubles the rate until a level misses, then bisects to the precision", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=100", LoadMode::rate, 1);
  SloSearcher s(spec);
  // TTFT p99 = 10 ms × load: the SLO holds up to exactly 10 req/s.
  const auto tried = search(s, LoadMode::rate, [](double load) { return 10 * load; });
  CHECK(tried.front() == 1);
  CHECK(tried[1] == 2);
  CHECK(tried[4] == 16); // 1, 2, 4, 8 meet; 16 misses
  const SloSearch r = s.result();
  REQUIRE(r.best);
  CHECK(*r.best <= 10);
  CHECK(*r.best >= 10 / 1.05);
  CHECK(r.steps == static_cast<int>(tried.size()));
  CHECK(r.stop_reason.rfind("bracketed: ", 0) == 0);
}

TEST_CASE("the search stops where the server saturates", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=1000", LoadMode::rate, 1);
  SloSearcher s(spec);
  // The SLO is loose, but the server serves at most 5 req/s: beyond, offered load only queues.
  const auto tried = search(s, LoadMode::rate, [](double) { return 10; }, 5);
  const SloSearch r = s.result();
  REQUIRE(r.best);
  CHECK(*r.best <= 5 / 0.9);
  CHECK(*r.best >= 4);
  CHECK(r.stop_reason.find("saturated") != std::string::npos);
  CHECK(*std::max_element(tried.begin(), tried.end()) == 8); // never beyond the first saturated level
}

TEST_CASE("a closed-loop search bisects concurrency to one and stops when throughput stops growing", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=500", LoadMode::concurrency, 1);
  SloSearcher exact(spec);
  search(exact, LoadMode::concurrency, [](double c) { return 40 * c; }); // meets up to 12
  REQUIRE(exact.result().best);
  CHECK(*exact.result().best == 12);

  SloSearcher flat(spec);
  // Throughput flat from 4 on: concurrency 8 meets the SLO but buys nothing.
  search(flat, LoadMode::concurrency, [](double c) { return 10 * c; }, 1e9,
         [](double c) { return 100 * std::min(c, 4.0); });
  REQUIRE(flat.result().best);
  CHECK(*flat.result().best == 4);
  CHECK(flat.result().stop_reason.find("saturated") != std::string::npos);
}

TEST_CASE("when even the first load misses, the search halves it and may find none", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=100", LoadMode::rate, 8);
  SloSearcher low(spec);
  search(low, LoadMode::rate, [](double load) { return 40 * load; }); // meets up to 2.5
  REQUIRE(low.result().best);
  CHECK(*low.result().best <= 2.5);
  CHECK(*low.result().best >= 2.5 / 1.05);

  SloSearcher never(spec);
  const auto tried = search(never, LoadMode::rate, [](double) { return 1000; });
  CHECK_FALSE(never.result().best);
  CHECK(never.result().stop_reason.rfind("no load meets the SLO", 0) == 0);
  CHECK(tried.size() <= 8); // halving to start ÷ 64
}

TEST_CASE("the search ends after its step limit, keeping the best so far", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=100", LoadMode::rate, 1, 3);
  SloSearcher s(spec);
  const auto tried = search(s, LoadMode::rate, [](double load) { return load; });
  CHECK(tried.size() == 3);
  REQUIRE(s.result().best);
  CHECK(*s.result().best == 4);
  CHECK(s.result().stop_reason.rfind("3 levels run (the limit)", 0) == 0);
}

TEST_CASE("a saturated level is the search's miss and the levels table says it does not meet the SLO", "[bench]") {
  const SloSearchSpec spec = spec_for("ttft-p99=1000", LoadMode::rate, 4);
  SloSearcher s(spec);
  // 4 req/s offered, 4 served: meets. 8 offered, 5 served: within the latency target, saturated.
  const LevelResult four = level(LoadMode::rate, 4, 10, 5);
  const auto v4 = s.record(four);
  CHECK(v4.meets);
  CHECK_FALSE(v4.saturated);
  REQUIRE(s.next());
  CHECK(*s.next() == 8);
  LevelResult eight = level(LoadMode::rate, 8, 10, 5);
  REQUIRE(meets_targets(eight, spec.targets)); // its latency alone would pass
  const auto v8 = s.record(eight);
  CHECK_FALSE(v8.meets);
  CHECK(v8.saturated);
  eight.saturated = v8.saturated; // as the runner records it
  CHECK_FALSE(meets_slo(eight, spec.targets));
  CHECK(meets_slo(four, spec.targets));

  // Closed loop: more concurrency, no more tokens/s.
  SloSearchSpec closed = spec;
  closed.mode = LoadMode::concurrency;
  closed.start = 2;
  SloSearcher c(closed);
  CHECK(c.record(level(LoadMode::concurrency, 2, 10, 1e9, 400)).meets);
  const auto flat = c.record(level(LoadMode::concurrency, 4, 10, 1e9, 410));
  CHECK(flat.saturated);
  CHECK_FALSE(flat.meets);

  Profile p;
  p.levels = {four, eight};
  SloSearch search = s.result();
  search.best_level = 0;
  p.slo_search = search;
  const Report r = bench_report(p);
  const Table& t = r.table("levels");
  const std::size_t meets = t.column_index("meets_slo");
  const std::size_t saturated = t.column_index("saturated");
  CHECK(std::get<bool>(t.rows[0][meets]));
  CHECK_FALSE(std::get<bool>(t.rows[0][saturated]));
  CHECK_FALSE(std::get<bool>(t.rows[1][meets]));
  CHECK(std::get<bool>(t.rows[1][saturated]));
  std::ostringstream csv;
  RenderOptions options;
  options.table = "levels";
  render(r, Format::csv, options, csv);
  CHECK(csv.str().find("meets_slo") != std::string::npos);

  // The flag survives the profile's round trip.
  const Profile back = parse_profile(to_json(p).dump(), "p.json");
  REQUIRE(back.levels.size() == 2);
  CHECK_FALSE(back.levels[0].saturated);
  CHECK(back.levels[1].saturated);
  CHECK_FALSE(meets_slo(back.levels[1], back.slo_search->targets));
}
