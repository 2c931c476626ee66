// Flags several commands share (model, memory, pricing, filters) and their parsing into
// library structs with one-line errors.
#pragma once

#include "command.hpp"

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/money/cost.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/money/pricing.hpp>
#include <tpuplan/money/workload.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/data/dataset.hpp>

#include <string>

namespace tpuplan::app {

/// Text of the memory flags, parsed after CLI11 has run. The context is a workload flag.
struct MemoryFlags {
  std::string precision = "bf16";
  std::string kv_precision;                ///< empty: the engine's choice for the weights
  std::optional<double> headroom_fraction; ///< absent: the engine's memory fraction
  double overhead_gib_per_chip = MemoryOptions{}.overhead_gib_per_chip;
};

/// Text of the pricing flags.
struct PricingFlags {
  double hours_per_day = 24;
  double hours_per_month = k_hours_per_month;
  double spot_overhead = PricingOptions{}.spot_overhead;
};

/// Text of the offering filters.
struct FilterFlags {
  std::string kind;
  std::string cloud;
  std::string region;
  std::string accelerator;
};

/// Text of the workload flags (docs/workload.md): the one description of the user's traffic.
struct WorkloadFlags {
  double input_tokens = Workload{}.input_tokens;
  double output_tokens = Workload{}.output_tokens;
  std::string lengths;
  std::optional<double> rate;
  std::optional<double> tokens_per_day;
  std::optional<std::int64_t> concurrency; // read wide, range-checked before narrowing
  std::string load_curve;
  std::optional<double> context;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::string slo_percentile = "p90";
  std::string ttft_percentile;
  std::string tpot_percentile;
  double capacity_headroom = 0;
  bool n_plus_one = false;
  CLI::Option* input_option = nullptr;
  CLI::Option* output_option = nullptr;
};

/// Which load flags a command takes besides lengths, context, SLO and spare capacity.
enum WorkloadLoads : unsigned {
  k_open_load = 1,   ///< --rate, --tokens-per-day
  k_concurrency = 2, ///< --concurrency (closed loop)
  k_curve = 4,       ///< --load-curve
};

/// --input-tokens, --output-tokens, --lengths, --context, --ttft-ms, --tpot-ms, --slo-percentile,
/// --ttft-percentile, --tpot-percentile, --capacity-headroom, --n-plus-one, and the load flags `loads` names.
void add_workload_flags(CLI::App& sub, WorkloadFlags& flags, unsigned loads);
/// The workload the flags describe, validated (lengths and curve files read here, once).
Workload to_workload(const WorkloadFlags& flags);
/// True when --input-tokens or --output-tokens was given (else the defaults, or --lengths, set them).
bool lengths_given(const WorkloadFlags& flags);
/// inputs.workload: every figure of the workload as the command used it, and whether
/// comparisons are at equal load or per replica.
void add_workload_inputs(Report& report, const Workload& workload);
/// "equal load: 12 requests/s …" or "per replica (no load given)": how a command compares options.
std::string comparison_basis(const Workload& workload, double hours_per_day);

/// --precision, --kv-precision, --headroom, --overhead-gib.
void add_memory_flags(CLI::App& sub, MemoryFlags& flags);
/// --hours, --hours-per-month, --spot-overhead.
void add_pricing_flags(CLI::App& sub, PricingFlags& flags);
/// --hours-per-month, --spot-overhead (for commands that read --hours their own way).
void add_billing_flags(CLI::App& sub, PricingFlags& flags);
/// --kind, --cloud, --region, --accelerator.
void add_filter_flags(CLI::App& sub, FilterFlags& flags);

/// Parses a precision flag value; throws Error(usage) naming the flag.
Precision parse_precision_flag(std::string_view flag, std::string_view value);
/// Parses a tier flag value; throws Error(usage) naming the flag.
Tier parse_tier_flag(std::string_view flag, std::string_view value);

MemoryOptions to_memory_options(const MemoryFlags& flags);
/// The memory settings the user gave explicitly (the engine decides the others).
EngineSettings to_engine_settings(const MemoryFlags& flags);

/// --engine NAME (data/engines.yaml id or alias).
void add_engine_flag(CLI::App& sub, std::string& engine);
/// Sets perf's engines, the named engine (checked: Error(usage) with did-you-mean, exit 2) and
/// the user's explicit settings.
void set_engine(PerformanceModel& perf, const DataSet& data, const std::string& engine, const EngineSettings& user);
/// The accelerators of the offerings `filter` selects, each once, in catalog order.
std::vector<const Accelerator*> filtered_accelerators(const Catalog& catalog, const OfferingFilter& filter);
/// inputs.engine and the engine assumptions: the named engine, or each family's default
/// engine among `accelerators` (a note says which).
void add_engine_report(Report& report, const PerformanceModel& perf, const std::vector<const Accelerator*>& accelerators);
/// "nvfp4 weights: only accelerators with FP4 tensor cores (catalog fp4_tflops): b200".
std::string fp4_note(const Catalog& catalog, Precision weights);
/// --tp N: the tensor-parallel degree of every replica (default: the best layout per option).
void add_tp_flag(CLI::App& sub, std::optional<std::int64_t>& tp);
/// perf.tp from the flag, checked (1 to 1,024; Error(usage) naming the value otherwise).
void set_tp(PerformanceModel& perf, const std::optional<std::int64_t>& tp);
/// inputs.tp and the layout assumption: how each replica's chips are split.
void add_layout_report(Report& report, const PerformanceModel& perf);
/// --confidence central|slow (size, plan): size for the estimate, or for the slow end of its
/// error band.
void add_confidence_flag(CLI::App& sub, std::string& confidence);
/// With --confidence slow: every accelerator of `accelerators` is slowed by the slow end of its
/// error band (e^w of its engine × family, perf/fidelity.hpp), and its assumptions say so; with
/// central nothing changes. Returns the assumptions to report (one per engine × family). Throws
/// Error(usage) for another level.
std::vector<Assumption> set_confidence(PerformanceModel& perf, const DataSet& data, const std::string& confidence,
                                       const std::vector<const Accelerator*>& accelerators);
/// inputs.confidence, the band assumptions, and a note saying what was sized for.
void add_confidence_report(Report& report, const std::string& confidence, std::vector<Assumption> assumptions);
PricingOptions to_pricing_options(const PricingFlags& flags);
OfferingFilter to_filter(const Catalog& catalog, const FilterFlags& flags);

/// Assumptions every cost report lists.
/// `user`: which of the KV precision and headroom the user set (the others are the engine's).
void add_memory_assumptions(Report& report, const MemoryOptions& memory, const EngineSettings& user);
void add_pricing_assumptions(Report& report, const PricingOptions& pricing);

} // namespace tpuplan::app
