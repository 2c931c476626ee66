// Summary statistics of latency samples: mean, population standard deviation, min, max and
// percentiles by linear interpolation between closest ranks (Hyndman & Fan type 7, numpy's
// default, which vLLM's benchmark uses), so figures compare with the field's tools.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tpuplan::bench {

/// A summarised distribution; the figures are meaningless when count is 0.
struct Distribution {
  std::int64_t count = 0;
  double mean = 0;
  double std = 0; ///< population standard deviation (divides by n, as numpy.std does)
  double min = 0;
  double max = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  double p99_9 = 0;
};

/// Summarises `samples` (taken by value: they are sorted).
Distribution summarize(std::vector<double> samples);

/// The p-th percentile (0 ≤ p ≤ 100) of ascending `sorted`, interpolating linearly between
/// closest ranks; nullopt when empty.
std::optional<double> percentile(const std::vector<double>& sorted, double p);

} // namespace tpuplan::bench
