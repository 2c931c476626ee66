// Fidelity of the estimator on measured data (perfmodel §3.1): the shipped catalog and model
// presets, the default efficiencies, and the workload each figure was measured on.
// CTest label `fidelity`; the table: `tpuplan estimate --fidelity` (docs/accuracy.md).
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/perf/fidelity.hpp>

#include "shipped_data.hpp"
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace tpuplan;
using tpuplan::test::shipped;

namespace {

std::vector<CalibrationResult> run_group(const std::string& group) {
  std::vector<CalibrationResult> results;
  for (const auto& point : calibration_points()) {
    if (point.group == group) {
      results.push_back(run_calibration_point(point, shipped()));
    }
  }
  return results;
}

} // namespace

TEST_CASE("every calibration point is estimated within 35 percent of its measurement", "[fidelity]") {
  const auto results = run_group("calibration");
  REQUIRE(results.size() == 59); // perfmodel §3.1 rows, the engines sweep, and one Mixtral column per GPU family
  for (const auto& r : results) {
    INFO(r.point.id << ": estimated " << r.estimated << ", measured " << r.point.measured);
    CHECK(std::abs(r.error) <= 0.35);
  }
}

TEST_CASE("the median absolute error on the calibration set is within 20 percent", "[fidelity]") {
  const double median = median_abs_error(run_group("calibration"));
  INFO("median |error| " << median * 100 << "%");
  CHECK(median <= 0.20);
}

TEST_CASE("the median absolute error on the holdout rows, not used to choose the defaults, is within 20 percent",
          "[fidelity]") {
  const auto results = run_group("holdout");
  REQUIRE(results.size() >= 150);
  const double median = median_abs_error(results);
  INFO("median |error| " << median * 100 << "% over " << results.size() << " points");
  CHECK(median <= 0.20);
}

TEST_CASE("every measured point names its source, engine and workload", "[fidelity]") {
  for (const auto& p : calibration_points()) {
    INFO(p.id);
    CHECK(p.measured > 0);
    CHECK_FALSE(p.source.empty());
    CHECK_FALSE(p.engine.empty());
    CHECK_FALSE(p.note.empty());
    CHECK((p.group == "calibration" || p.group == "holdout"));
    CHECK((p.batch.has_value() || p.request.mode == BatchMode::continuous));
  }
}

TEST_CASE("calibration point ids are unique", "[fidelity]") {
  std::set<std::string> ids;
  for (const auto& p : calibration_points()) {
    INFO(p.id);
    CHECK(ids.insert(p.id).second);
  }
}

TEST_CASE("the calibration set is the calibration group of all the points, in order", "[fidelity]") {
  std::vector<std::string> expected;
  for (const auto& p : calibration_points()) {
    if (p.group == "calibration") {
      expected.push_back(p.id);
    }
  }
  std::vector<std::string> got;
  for (const auto& p : calibration_set()) {
    got.push_back(p.id);
  }
  CHECK(got == expected);
  CHECK(got.size() >= 40);
}
