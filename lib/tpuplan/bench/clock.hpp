// The one clock of the bench module: CLOCK_MONOTONIC in nanoseconds (vDSO, ~20 ns a read),
// immune to wall-clock steps, so every latency is a difference of two of its readings.
#pragma once

#include <cstdint>
#include <ctime>

namespace tpuplan::bench {

/// Nanoseconds of CLOCK_MONOTONIC.
inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Nanoseconds of CPU time consumed by the calling thread.
inline std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace tpuplan::bench
