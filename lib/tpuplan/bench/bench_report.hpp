// A bench profile as a Report: a row per load level side by side, and the errors by class.
#pragma once

#include <tpuplan/bench/profile.hpp>
#include <tpuplan/report/report.hpp>

#include <string>
#include <utility>
#include <vector>

namespace tpuplan::bench {

/// The "bench" report of a profile: table "levels" (one row per level: load, requests,
/// throughput, goodput, TTFT/TPOT/ITL/E2E distributions, open-loop lag, server metrics;
/// the rarer columns wide-only) and table "errors" (level × error class: count, share,
/// an example message). Column descriptions carry the metric definitions.
/// A chart of "levels" (output throughput against TTFT and TPOT p50/p99) is attached for
/// --format svg.
Report bench_report(const Profile& profile);

/// One backend of `bench --config`: its profile, or why it could not be run.
struct BackendRun {
  std::string name;
  Profile profile;
  std::string error; ///< non-empty: the backend could not be benchmarked (e.g. unreachable)
};

/// The "bench" report of the same load run against several backends (`bench --config`):
/// table "backends", one row per backend × level with throughput, latency percentiles and
/// errors side by side (a backend that could not be run gets one row with its error), and a
/// chart of throughput against TPOT p50/p99 per backend.
Report compare_report(const std::vector<BackendRun>& runs);

} // namespace tpuplan::bench
