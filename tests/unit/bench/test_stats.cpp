// Summary statistics against figures computed independently (numpy 1.26: np.percentile
// with the default linear method, np.std with ddof=0).
#include <tpuplan/bench/stats.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <utility>

using namespace tpuplan::bench;

TEST_CASE("percentiles interpolate linearly between closest ranks", "[bench]") {
  // np.percentile([1, 2, 3, 4], [50, 90, 99]) = [2.5, 3.7, 3.97]
  const std::vector<double> s = {1, 2, 3, 4};
  CHECK(*percentile(s, 50) == Approx(2.5));
  CHECK(*percentile(s, 90) == Approx(3.7));
  CHECK(*percentile(s, 99) == Approx(3.97));
  CHECK(*percentile(s, 0) == 1);
  CHECK(*percentile(s, 100) == 4);
  CHECK_FALSE(percentile({}, 50));
}

TEST_CASE("a summary holds mean, population std, extremes and tail percentiles", "[bench]") {
  std::vector<double> s;
  for (int i = 1000; i >= 1; --i) {
    s.push_back(i); // unsorted on purpose
  }
  const auto d = summarize(s);
  CHECK(d.count == 1000);
  CHECK(d.mean == Approx(500.5));
  CHECK(d.std == Approx(288.67499025720952)); // sqrt((1000² − 1) / 12)
  CHECK(d.min == 1);
  CHECK(d.max == 1000);
  CHECK(d.p50 == Approx(500.5));
  CHECK(d.p90 == Approx(900.1));
  CHECK(d.p95 == Approx(950.05));
  CHECK(d.p99 == Approx(990.01));
  CHECK(d.p99_9 == Approx(999.001));
}

TEST_CASE("a summary of one sample has zero spread and of none has count zero", "[bench]") {
  const auto one = summarize({7.5});
  CHECK(one.count == 1);
  CHECK(one.std == 0);
  CHECK(one.p99_9 == 7.5);
  CHECK(summarize({}).count == 0);
}

TEST_CASE("a sketch is exact up to its sample limit and matches summarize", "[bench]") {
  Sketch s;
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) {
    const double x = 1 + (i * 7919) % 1000 * 0.37;
    s.add(x);
    v.push_back(x);
  }
  const auto a = s.summary();
  const auto b = summarize(v);
  CHECK(a.exact);
  CHECK(a.count == b.count);
  CHECK(a.p50 == b.p50);
  CHECK(a.p99 == b.p99);
  CHECK(a.mean == Approx(b.mean).epsilon(1e-12));
  CHECK(a.std == Approx(b.std).epsilon(1e-9));
}

TEST_CASE("past its sample limit a sketch keeps percentiles within 0.1% and memory bounded", "[bench]") {
  // 200,000 samples spread over four decades, as TTFTs of a long run would be.
  Sketch s;
  std::vector<double> v;
  std::uint64_t state = 42;
  for (int i = 0; i < 200'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    const double x = std::pow(10.0, 4 * u) * 0.5; // 0.5 ms … 5 s, log-uniform
    s.add(x);
    v.push_back(x);
  }
  const auto a = s.summary();
  const auto b = summarize(v);
  CHECK_FALSE(a.exact);
  CHECK(a.count == b.count);
  CHECK(a.min == b.min);
  CHECK(a.max == b.max);
  CHECK(a.mean == Approx(b.mean).epsilon(1e-9));
  CHECK(a.std == Approx(b.std).epsilon(1e-6));
  for (const auto& [got, want] : {std::pair{a.p50, b.p50}, {a.p90, b.p90}, {a.p95, b.p95}, {a.p99, b.p99}, {a.p99_9, b.p99_9}}) {
    CHECK(std::abs(got - want) <= 1e-3 * want + 1e-12);
  }
}

TEST_CASE("a sketch takes repeated samples at once and zeros apart", "[bench]") {
  Sketch s;
  s.add(0, 20'000);
  s.add(2.5, 10'000);
  const auto d = s.summary();
  CHECK(d.count == 30'000);
  CHECK_FALSE(d.exact);
  CHECK(d.p50 == 0);
  CHECK(d.max == 2.5);
  CHECK(std::abs(d.p99 - 2.5) <= 2.5e-3);
  CHECK(d.mean == Approx(2.5 / 3));
}

TEST_CASE("a 95% confidence interval of a mean uses Student's t", "[bench]") {
  // scipy.stats.t.interval(0.95, 4, loc=mean, scale=sem) for [10, 12, 11, 13, 9]: (9.0368, 12.9632)
  const auto m = mean_ci95({10, 12, 11, 13, 9});
  CHECK(m.mean == Approx(11));
  CHECK(m.low == Approx(9.0368).epsilon(1e-4));
  CHECK(m.high == Approx(12.9632).epsilon(1e-4));
  const auto one = mean_ci95({7});
  CHECK(one.low == 7);
  CHECK(one.high == 7);
}
