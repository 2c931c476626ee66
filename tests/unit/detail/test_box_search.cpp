// The derivative-free minimiser behind calibration: finds sharp minima of absolute-error
// objectives, follows diagonal valleys, stays in the box, and repeats itself exactly.
#include <tpuplan/detail/box_search.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using tpuplan::detail::minimize_in_unit_box;

TEST_CASE("box search finds the sharp minimum of a sum of absolute errors along a narrow valley", "[box_search]") {
  // |x + y − 1.1| dominates; |x − y − 0.1| / 50 picks the point on the valley: (0.6, 0.5).
  const auto f = [](const std::vector<double>& v) {
    return std::abs(v[0] + v[1] - 1.1) + std::abs(v[0] - v[1] - 0.1) / 50;
  };
  const auto m = minimize_in_unit_box(f, {0.1, 0.1});
  CHECK(m.x[0] == Approx(0.6).margin(1e-6));
  CHECK(m.x[1] == Approx(0.5).margin(1e-6));
  CHECK(m.value < 1e-7);
  CHECK(m.evaluations < 5000);
}

TEST_CASE("box search in three variables recovers a point, whatever the start", "[box_search]") {
  const auto f = [](const std::vector<double>& v) {
    return std::abs(std::log((v[0] + 0.1) / 0.4)) + std::abs(v[1] * v[2] - 0.18) + std::abs(v[2] - 0.6);
  };
  for (const std::vector<double>& start : {std::vector<double>{0, 0, 0}, {1, 1, 1}, {0.5, 0.9, 0.1}}) {
    const auto m = minimize_in_unit_box(f, start);
    CHECK(m.x[0] == Approx(0.3).margin(1e-5));
    CHECK(m.x[1] == Approx(0.3).margin(1e-5));
    CHECK(m.x[2] == Approx(0.6).margin(1e-5));
  }
}

TEST_CASE("box search stops at the bound when the minimum lies outside the box", "[box_search]") {
  const auto m = minimize_in_unit_box([](const std::vector<double>& v) { return std::abs(v[0] - 1.7); }, {0.2});
  CHECK(m.x[0] == 1.0);
  CHECK(m.value == Approx(0.7));
}

TEST_CASE("box search never ends worse than its start and gives the same answer twice", "[box_search]") {
  // Flat everywhere but a tiny pit at the start: nothing may beat it.
  const auto f = [](const std::vector<double>& v) { return std::abs(v[0] - 0.37) < 1e-12 ? 0.0 : 1.0; };
  CHECK(minimize_in_unit_box(f, {0.37}).x[0] == 0.37);
  const auto g = [](const std::vector<double>& v) { return std::abs(v[0] - 0.25) + std::abs(v[1] - 0.75); };
  const auto a = minimize_in_unit_box(g, {0.9, 0.1});
  const auto b = minimize_in_unit_box(g, {0.9, 0.1});
  CHECK(a.x == b.x);
  CHECK(a.evaluations == b.evaluations);
}
