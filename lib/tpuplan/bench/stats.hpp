// Summary statistics of latency samples: mean, population standard deviation, min, max and
// percentiles by linear interpolation between closest ranks (Hyndman & Fan type 7, numpy's
// default, which vLLM's benchmark uses), so figures compare with the field's tools.
#pragma once

#include <cstddef>
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
  bool exact = true; ///< percentiles from every sample; false: from a Sketch's histogram (±0.1%)
};

/// Summarises `samples` (taken by value: they are sorted).
Distribution summarize(std::vector<double> samples);

/// A distribution summarised as samples arrive, in bounded memory: every sample is kept
/// up to k_exact_samples (percentiles exact, as summarize()); past that, samples go into
/// logarithmic buckets of relative width 2·k_sketch_error, and percentiles come from the
/// buckets within ±k_sketch_error relative (the scheme of DDSketch, Masson et al. 2019).
/// Count, mean, std, min and max stay exact throughout.
class Sketch {
public:
  static constexpr std::size_t k_exact_samples = 10'000;
  static constexpr double k_sketch_error = 0.001;

  /// Adds `times` samples of `value`.
  void add(double value, std::int64_t times = 1);
  std::int64_t count() const { return m_count; }
  /// The summary (exact = false once the samples went into buckets).
  Distribution summary() const;

private:
  void to_buckets();
  void bucket(double value, std::int64_t times);
  double bucket_value(std::int64_t index) const;
  /// The value of the sample of 0-based rank `rank` in ascending order (bucket estimate).
  double value_at_rank(std::int64_t rank) const;

  std::vector<double> m_exact;
  bool m_bucketed = false;
  std::vector<std::int64_t> m_buckets; // counts of indices m_first … m_first + size − 1
  std::int64_t m_first = 0;
  std::int64_t m_zeros = 0;            // samples ≤ k_min_positive
  std::int64_t m_count = 0;
  double m_mean = 0;
  double m_m2 = 0;                     // Welford: Σ (x − mean)²
  double m_min = 0;
  double m_max = 0;
};

/// Mean and two-sided 95% confidence interval of the mean of `values` (Student's t with
/// n − 1 degrees of freedom; the interval is the mean itself for one value).
struct MeanInterval {
  double mean = 0;
  double low = 0;
  double high = 0;
};
MeanInterval mean_ci95(const std::vector<double>& values);

/// The p-th percentile (0 ≤ p ≤ 100) of ascending `sorted`, interpolating linearly between
/// closest ranks; nullopt when empty.
std::optional<double> percentile(const std::vector<double>& sorted, double p);

} // namespace tpuplan::bench
