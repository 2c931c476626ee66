// Summary statistics against figures computed independently (numpy 1.26: np.percentile
// with the default linear method, np.std with ddof=0).
#include <tpuplan/bench/stats.hpp>

#include <catch2/catch.hpp>

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
