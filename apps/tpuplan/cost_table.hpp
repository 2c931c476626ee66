// The table of `tpuplan cost`: its columns and one row per option, whose throughput is an
// estimate or a measured figure naming its bench profile.
#pragma once

#include <tpuplan/money/cost.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/measured.hpp>
#include <tpuplan/report/report.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::app {

/// The throughput figure of one row: an estimate at its best batch, or a measured level.
struct Throughput {
  std::optional<int> batch;
  std::optional<double> output_tokens_per_s;
  std::optional<int> replicas; ///< replicas the load needs (with --rate / --tokens-per-day)
  std::string figures;         ///< "estimate" or "measured: FILE"; empty without a figure
  std::string measured_level;
  std::string measured_flags;
};

/// The figure of a row from the estimate at its best batch (empty when there is none).
Throughput estimated(const std::optional<Estimate>& e, std::optional<double> load_requests_per_s, double output_tokens);
/// The figure of a row from a measured level (no throughput when no level qualifies).
Throughput measured(const MeasuredThroughput& m, std::optional<double> load_requests_per_s, double output_tokens);

/// The columns of the "offerings" table.
std::vector<Column> cost_columns();
/// One row of the "offerings" table.
std::vector<Cell> cost_row(const CostRow& r, Precision precision, const Throughput& tp);

} // namespace tpuplan::app
