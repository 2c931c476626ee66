// The table of `tpuplan cost`: its columns and one row per option, whose throughput is an
// estimate or a measured figure naming its bench profile, at the workload's load.
#pragma once

#include <tpuplan/money/cost.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/fidelity.hpp>
#include <tpuplan/perf/measured.hpp>
#include <tpuplan/report/report.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::app {

/// The throughput figure of one row: an estimate at its operating point, or a measured level.
struct Throughput {
  std::string layout;                               ///< "4×TP2" (estimates; empty for a measured figure)
  std::optional<int> batch;
  std::optional<double> output_tokens_per_s;        ///< one replica
  std::optional<double> capacity_requests_per_s;    ///< one replica at the SLO
  std::optional<double> ttft_ms;                    ///< at the SLO percentile
  std::optional<double> tpot_ms;
  int replicas = 1;                                 ///< for the load (1 without one)
  std::optional<double> served_output_tokens_per_s; ///< the load's, or one replica at capacity
  std::string figures;         ///< "estimate" or "measured: FILE"; empty without a figure
  std::string measured_level;
  std::string measured_flags;
  /// The error band carried to $/1M tokens in the row's rank tier (estimates only): the price
  /// at the fast end (throughput × e^w) and at the slow end (÷ e^w).
  std::optional<double> usd_per_million_low;
  std::optional<double> usd_per_million_high;
};

/// The figure of a row from the library's estimate (empty when there is none).
Throughput estimated(const CostRow& row);
/// The figure of a row from the library's estimate, with its $/1M low–high from `band`.
Throughput estimated(const CostRow& row, const ErrorBand& band, const Workload& workload, double hours_per_day);
/// The figure of a row from a measured level (no throughput when no level qualifies).
Throughput measured(const MeasuredThroughput& m, const Workload& workload, double hours_per_day);

/// The columns of the "offerings" table; with a load, replicas and the load's bills are
/// default columns and one replica's bills move to --wide; with an SLO, TTFT and TPOT show.
std::vector<Column> cost_columns(bool load, bool slo);
/// One row of the "offerings" table.
std::vector<Cell> cost_row(const CostRow& r, Precision precision, const Throughput& tp);

} // namespace tpuplan::app
