#include <tpuplan/bench/load.hpp>

#include <cmath>
#include <fmt/format.h>

namespace tpuplan::bench {

std::string_view to_string(LoadMode mode) { return mode == LoadMode::concurrency ? "concurrency" : "rate"; }

std::string level_label(const LoadLevel& level) {
  return level.mode == LoadMode::concurrency ? fmt::format("concurrency {}", level.concurrency)
                                             : fmt::format("rate {:g} req/s", level.rate_rps);
}

std::uint64_t Random::next() {
  m_state += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = m_state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::int64_t Random::uniform_int(std::int64_t lo, std::int64_t hi) {
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<std::int64_t>(next() % span); // bias < span/2^64: negligible here
}

double Random::normal() {
  while (true) {
    const double u = 2 * uniform() - 1;
    const double v = 2 * uniform() - 1;
    const double s = u * u + v * v;
    if (s > 0 && s < 1) {
      return u * std::sqrt(-2 * std::log(s) / s);
    }
  }
}

double Random::gamma(double shape) {
  if (shape < 1) {
    // Boost to shape + 1 and scale by U^(1/shape) (Marsaglia & Tsang 2000, §6).
    const double u = 1 - uniform();
    return gamma(shape + 1) * std::pow(u, 1 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1 / std::sqrt(9 * d);
  while (true) {
    double x = 0;
    double v = 0;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1 - uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) {
      return d * v;
    }
  }
}

std::vector<double> arrival_times(double rate_rps, double burstiness, std::int64_t requests, double duration_s,
                                  std::uint64_t seed) {
  Random rng(seed);
  // Gamma(k, θ) has mean kθ: θ = 1/(rate·k) gives mean gap 1/rate for every burstiness k.
  const double scale = 1 / (rate_rps * burstiness);
  std::vector<double> times;
  double t = 0;
  if (requests > 0) {
    times.reserve(static_cast<std::size_t>(requests));
    for (std::int64_t i = 0; i < requests; ++i) {
      t += rng.gamma(burstiness) * scale;
      times.push_back(t);
    }
    const double factor = (static_cast<double>(requests) / rate_rps) / t;
    for (double& x : times) {
      x *= factor;
    }
    return times;
  }
  while (true) {
    t += rng.gamma(burstiness) * scale;
    if (t >= duration_s) {
      return times;
    }
    times.push_back(t);
  }
}

} // namespace tpuplan::bench
