// The Report of `tpuplan breakeven`: its tables (commitment, platform, api, buy), charts,
// notes and assumptions, assembled from lib/tpuplan/money/breakeven and onprem results.
#pragma once

#include <tpuplan/money/breakeven.hpp>
#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/money/onprem.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/money/workload.hpp>
#include <tpuplan/report/report.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::app {

/// One offering in the analysis, and whether it holds the model.
struct BreakevenOption {
  const Offering* offering = nullptr;
  const Accelerator* accelerator = nullptr;
  bool holds_model = false;
  /// One replica at the workload's SLO; absent when the model does not fit, no batch meets the
  /// SLO, or the estimator cannot estimate this accelerator (`estimate_problem` says why).
  std::optional<ReplicaCapacity> capacity;
  std::string estimate_problem;
};

/// Everything the command resolved from its flags and the data set.
struct BreakevenInputs {
  std::vector<double> hours;      ///< one value, or the curve's grid
  std::string hours_text;         ///< as typed: "8", "1..24"
  PricingOptions pricing;         ///< hours_per_day is set per grid point
  MemoryOptions memory;
  ResolvedModel model;
  std::vector<Tier> tiers;        ///< tiers for platform, api, buy and the charts
  Workload workload;              ///< lengths, SLO and the load every table compares at
  bool lengths_given = false;     ///< --input-tokens/--output-tokens/--lengths given (else the defaults)
  PerformanceModel perf;
  std::vector<BreakevenOption> options;    ///< rows of commitment, api and buy
  std::vector<BreakevenOption> candidates; ///< every option the platform table may pick
  std::optional<ApiQuery> api;
  std::optional<OnPremSheet> buy;
};

/// Replicas option `o` needs at `hours_per_day` for the workload's load (1 without a load);
/// nullopt when a load is given and the option has no capacity figure.
std::optional<int> replicas_at(const BreakevenOption& o, const BreakevenInputs& in, double hours_per_day);
/// The workload's input + output tokens a day at `hours_per_day` (absent without a load).
std::optional<double> tokens_per_day_at(const BreakevenInputs& in, double hours_per_day);

/// The report: tables commitment and platform, api with an API price, buy with a --buy sheet;
/// charts of commitment and platform over the hours.
Report breakeven_report(const Catalog& catalog, const BreakevenInputs& in);

// Parts and helpers shared by breakeven_tables.cpp and breakeven_api_buy.cpp.

/// The 'api' table: self-hosting each option against the per-token API.
void add_api_table(Report& report, const BreakevenInputs& in);
/// The 'buy' table: each machine of the --buy sheet against each cloud option and tier.
void add_buy_table(Report& report, const Catalog& catalog, const BreakevenInputs& in);
/// "on_demand", "spot", "1y", "3y": a tier as the suffix of a column key.
std::string tier_key(Tier tier);
/// The pricing options at `hours_per_day`.
PricingOptions at_hours(const BreakevenInputs& in, double hours_per_day);
/// "$3,168" for notes and marker labels.
std::string usd_text(double usd);

} // namespace tpuplan::app
