#include <tpuplan/bench/stats.hpp>

#include <algorithm>
#include <cmath>

namespace tpuplan::bench {

namespace {

/// Bucket i holds (γ^(i−1), γ^i] with γ = (1 + α) ÷ (1 − α); its midpoint estimate
/// 2γ^i ÷ (γ + 1) is within α of every value in it.
const double k_gamma = (1 + Sketch::k_sketch_error) / (1 - Sketch::k_sketch_error);
const double k_log_gamma = std::log(k_gamma);
/// Samples at or below this (ms, tokens) count as zero.
constexpr double k_min_positive = 1e-9;

} // namespace

void Sketch::add(double value, std::int64_t times) {
  if (times <= 0) {
    return;
  }
  if (m_count == 0) {
    m_min = m_max = value;
  }
  m_min = std::min(m_min, value);
  m_max = std::max(m_max, value);
  // Welford's update for `times` equal samples (Chan et al.'s pairwise merge with a group
  // of zero variance): accurate where Σx² − n·mean² would cancel.
  const auto n_old = static_cast<double>(m_count);
  const auto k = static_cast<double>(times);
  m_count += times;
  const double delta = value - m_mean;
  m_mean += delta * k / static_cast<double>(m_count);
  m_m2 += delta * delta * n_old * k / static_cast<double>(m_count);
  if (!m_bucketed && m_exact.size() + static_cast<std::size_t>(times) <= k_exact_samples) {
    m_exact.insert(m_exact.end(), static_cast<std::size_t>(times), value);
    return;
  }
  if (!m_bucketed) {
    to_buckets();
  }
  bucket(value, times);
}

void Sketch::to_buckets() {
  m_bucketed = true;
  const std::vector<double> samples = std::move(m_exact);
  m_exact = {};
  for (const double v : samples) {
    bucket(v, 1);
  }
}

void Sketch::bucket(double value, std::int64_t times) {
  if (value <= k_min_positive) {
    m_zeros += times;
    return;
  }
  const auto index = static_cast<std::int64_t>(std::ceil(std::log(value) / k_log_gamma));
  if (m_buckets.empty()) {
    m_first = index;
    m_buckets.assign(1, 0);
  } else if (index < m_first) {
    m_buckets.insert(m_buckets.begin(), static_cast<std::size_t>(m_first - index), 0);
    m_first = index;
  } else if (index >= m_first + static_cast<std::int64_t>(m_buckets.size())) {
    m_buckets.resize(static_cast<std::size_t>(index - m_first + 1), 0);
  }
  m_buckets[static_cast<std::size_t>(index - m_first)] += times;
}

double Sketch::bucket_value(std::int64_t index) const { return 2 * std::pow(k_gamma, static_cast<double>(index)) / (k_gamma + 1); }

double Sketch::value_at_rank(std::int64_t rank) const {
  if (rank < m_zeros) {
    return std::clamp(0.0, m_min, m_max); // a zero sample
  }
  std::int64_t seen = m_zeros;
  for (std::size_t i = 0; i < m_buckets.size(); ++i) {
    seen += m_buckets[i];
    if (rank < seen) {
      return std::clamp(bucket_value(m_first + static_cast<std::int64_t>(i)), m_min, m_max);
    }
  }
  return m_max;
}

Distribution Sketch::summary() const {
  if (!m_bucketed) {
    Distribution d = summarize(m_exact);
    if (d.count > 0) {
      d.mean = m_mean; // the running figures: the same up to rounding
      d.std = std::sqrt(m_m2 / static_cast<double>(m_count));
    }
    return d;
  }
  Distribution d;
  d.count = m_count;
  d.exact = false;
  d.mean = m_mean;
  d.std = std::sqrt(m_m2 / static_cast<double>(m_count));
  d.min = m_min;
  d.max = m_max;
  // Type 7 on the bucket estimates, as percentile() does on samples.
  const auto at = [&](double p) {
    const double h = (static_cast<double>(m_count) - 1.0) * p / 100.0;
    const auto lo = static_cast<std::int64_t>(std::floor(h));
    const std::int64_t hi = std::min(lo + 1, m_count - 1);
    const double a = value_at_rank(lo);
    const double b = value_at_rank(hi);
    return a + (h - static_cast<double>(lo)) * (b - a);
  };
  d.p50 = at(50);
  d.p90 = at(90);
  d.p95 = at(95);
  d.p99 = at(99);
  d.p99_9 = at(99.9);
  return d;
}

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

MeanInterval mean_ci95(const std::vector<double>& values) {
  MeanInterval m;
  if (values.empty()) {
    return m;
  }
  const auto n = static_cast<double>(values.size());
  double sum = 0;
  for (const double v : values) {
    sum += v;
  }
  m.mean = m.low = m.high = sum / n;
  if (values.size() < 2) {
    return m;
  }
  double squares = 0;
  for (const double v : values) {
    squares += (v - m.mean) * (v - m.mean);
  }
  const double sd = std::sqrt(squares / (n - 1)); // sample standard deviation
  // t(0.975, df) for df = 1 … 30 (any statistics table, e.g. NIST/SEMATECH e-Handbook
  // §1.3.6.7.2); beyond 30 the normal quantile 1.96 is within 2%.
  static constexpr double k_t975[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  const std::size_t df = values.size() - 1;
  const double t = df <= 30 ? k_t975[df - 1] : 1.96;
  const double half = t * sd / std::sqrt(n);
  m.low = m.mean - half;
  m.high = m.mean + half;
  return m;
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
