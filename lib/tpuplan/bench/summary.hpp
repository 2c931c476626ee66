// From the records of one level to its result: latency distributions, throughput,
// goodput and errors by class, by the definitions in metric_definitions().
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/profile.hpp>

namespace tpuplan::bench {

/// Summarises a level run. Failed requests are excluded from latency statistics and
/// throughput and counted in the error rate; cancelled ones are counted apart.
LevelResult summarize_level(const LoadLevel& load, const LevelRun& run, const Slo& slo);

} // namespace tpuplan::bench
