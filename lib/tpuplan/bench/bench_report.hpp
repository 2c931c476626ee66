// A bench profile as a Report: a row per load level side by side, and the errors by class.
#pragma once

#include <tpuplan/bench/profile.hpp>
#include <tpuplan/report.hpp>

namespace tpuplan::bench {

/// The "bench" report of a profile: table "levels" (one row per level: load, requests,
/// throughput, goodput, TTFT/TPOT/ITL/E2E distributions, open-loop lag, server metrics;
/// the rarer columns wide-only) and table "errors" (level × error class: count, share,
/// an example message). Column descriptions carry the metric definitions.
Report bench_report(const Profile& profile);

} // namespace tpuplan::bench
