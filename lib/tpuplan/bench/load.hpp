// The load of one level: closed loop (a fixed number of requests kept in flight) or open
// loop (arrivals on a schedule drawn up front), and the arrival schedule itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// Closed loop (--concurrency) or open loop (--rate).
enum class LoadMode { concurrency, rate };
/// "concurrency" or "rate".
std::string_view to_string(LoadMode mode);

struct LoadLevel;
/// "concurrency 8" or "rate 2.5 req/s": how reports name a level.
std::string level_label(const LoadLevel& level);

/// What one level offers the server, and when it ends.
struct LoadLevel {
  LoadMode mode = LoadMode::concurrency;
  int concurrency = 1;       ///< closed loop: requests kept in flight, refilled as each completes
  double rate_rps = 0;       ///< open loop: mean arrivals per second
  double burstiness = 1;     ///< open loop: gamma shape of the gaps (1 = Poisson; < 1 burstier)
  int max_concurrency = 0;   ///< open loop: cap on requests in flight (0 = none); late sends still
                             ///< count from their scheduled time
  std::int64_t requests = 0; ///< requests in the level (0: run for duration_s instead)
  double duration_s = 0;     ///< sending window when requests is 0
  /// Open loop: the arrival times (s from the level's start) to send at, e.g. a replayed
  /// trace's; empty: drawn from rate_rps and burstiness.
  std::vector<double> arrivals_s;
};

/// Arrival times in seconds from the start of an open-loop level. Gaps are gamma
/// distributed with shape `burstiness` and mean 1/rate (exponential, i.e. Poisson, at 1).
/// With `requests` > 0 the sum is rescaled so the last arrival is at requests/rate, which
/// makes the offered rate exact; otherwise arrivals are drawn until `duration_s`.
/// The same seed gives the same schedule on every platform (own generator, no <random>
/// distributions, whose algorithms the standard leaves to the implementation).
std::vector<double> arrival_times(double rate_rps, double burstiness, std::int64_t requests, double duration_s,
                                  std::uint64_t seed);

/// A small, portable random source: SplitMix64 (Steele, Lea & Flood 2014) for uniforms,
/// Marsaglia–Tsang (2000) for gamma variates.
class Random {
public:
  explicit Random(std::uint64_t seed) : m_state(seed) {}
  /// Next 64 random bits.
  std::uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  /// Uniform integer in [lo, hi].
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  /// Standard normal (Marsaglia polar method).
  double normal();
  /// Gamma(shape, scale = 1).
  double gamma(double shape);

private:
  std::uint64_t m_state;
};

} // namespace tpuplan::bench
