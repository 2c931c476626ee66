#include <tpuplan/bench/stats.hpp>

#include <algorithm>
#include <cmath>

namespace tpuplan::bench {

std::optional<double> percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return std::nullopt;
  }
  // Type 7: rank h = (n − 1)·p/100, interpolate between floor(h) and floor(h) + 1.
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

Distribution summarize(std::vector<double> samples) {
  Distribution d;
  if (samples.empty()) {
    return d;
  }
  std::sort(samples.begin(), samples.end());
  d.count = static_cast<std::int64_t>(samples.size());
  // Two passes (mean, then squared deviations) keep the variance accurate for large,
  // tightly clustered samples, where the one-pass formula cancels catastrophically.
  double sum = 0;
  for (const double s : samples) {
    sum += s;
  }
  d.mean = sum / static_cast<double>(samples.size());
  double squares = 0;
  for (const double s : samples) {
    squares += (s - d.mean) * (s - d.mean);
  }
  d.std = std::sqrt(squares / static_cast<double>(samples.size()));
  d.min = samples.front();
  d.max = samples.back();
  d.p50 = *percentile(samples, 50);
  d.p90 = *percentile(samples, 90);
  d.p95 = *percentile(samples, 95);
  d.p99 = *percentile(samples, 99);
  d.p99_9 = *percentile(samples, 99.9);
  return d;
}

} // namespace tpuplan::bench
