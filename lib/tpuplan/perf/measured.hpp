// A bench profile (tpuplan.bench/v1) as a figure of the cost model: which hardware and model it
// measured, checked against the catalog and the model asked about, and which of its load levels
// stands for the offering's throughput. `tpuplan cost --measured` uses it; calibrate.hpp fits the
// estimator to the same profiles. Semantics: docs/bench.md "Measured figures in the cost model".
#pragma once

#include <tpuplan/bench/profile.hpp>
#include <tpuplan/data/catalog.hpp>
#include <tpuplan/money/cost.hpp>
#include <tpuplan/model/model.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// The latency percentile at which a level must meet the SLO.
enum class SloPercentile { p50, p90, p95, p99 };
/// "p50", "p90", "p95", "p99".
std::string_view to_string(SloPercentile percentile);
/// Parses "p50" … "p99"; nullopt otherwise.
std::optional<SloPercentile> parse_slo_percentile(std::string_view name);

/// How a level is chosen.
struct MeasuredOptions {
  bench::Slo slo;                                ///< a target given here replaces the profile's
  SloPercentile percentile = SloPercentile::p90; ///< of TTFT and TPOT, per level
  double max_error_rate = 0.01;                  ///< a chosen level failing more requests is flagged
};

/// The hardware a profile measured, found in the catalog.
struct ProfiledHardware {
  const Accelerator* accelerator = nullptr;
  int chips = 0;
  const Offering* offering = nullptr; ///< the offering the profile names; null for accelerator × chips
};

/// The profile's figure for the cost model: one level's throughput, and why that level.
struct MeasuredThroughput {
  std::string file;                  ///< the profile's file name without directories: its label
  std::string model;                 ///< the served model as the profile records it
  std::string accelerator;           ///< accelerator id
  int chips = 0;
  std::string offering_name;         ///< the offering's name ("v5e-8") when the profile names one
  bool found = false;                ///< a level qualifies; false: no level meets the SLO
  std::size_t level = 0;             ///< index of the chosen level in the profile
  std::string level_label;           ///< "concurrency 32", "rate 4 req/s"
  std::optional<int> concurrency;    ///< closed loop: the level's concurrency
  double mean_in_flight = 0;         ///< achieved concurrency
  double output_tokens_per_s = 0;
  double requests_per_s = 0;
  std::optional<double> input_tokens_per_request;  ///< mean at the chosen level
  std::optional<double> output_tokens_per_request; ///< mean at the chosen level
  std::optional<double> ttft_ms;     ///< at the percentile (open loop: from the scheduled time)
  std::optional<double> tpot_ms;     ///< at the percentile
  std::string selection;             ///< how the level was chosen, one line
  std::vector<std::string> flags;    ///< quality problems: a partial run, errors, approximate counts
};

/// The profile's hardware: its offering (by id, else by name in any region), else its
/// accelerator × chips. Throws Error(input) naming `file` when it records neither or names
/// hardware the catalog lacks (the hint points at --config extra_offerings).
ProfiledHardware profiled_hardware(const bench::Profile& profile, std::string_view file, const Catalog& catalog);

/// The preset the profile's served model names ("meta-llama/Llama-3.1-70B-Instruct" →
/// llama-3.1-70b, through the organisation-free name and the preset aliases); nullopt when the
/// name matches no preset (a fine-tune, a local name).
std::optional<ModelSpec> profile_model(const bench::Profile& profile, const ModelRegistry& registry);

/// How a profile's served model relates to the model a command is about.
enum class ModelMatch {
  same,      ///< it names a preset of the same architecture
  different, ///< it names a preset of another architecture
  unknown    ///< it names no preset: tpuplan cannot tell
};
/// Compares by architecture (layers, widths, heads, vocabulary, experts), so a config.json of
/// a preset's model matches the preset.
ModelMatch match_profile_model(const bench::Profile& profile, const ModelSpec& model, const ModelRegistry& registry);

/// Chooses the level: among levels with successful requests, those meeting every SLO target
/// at the percentile (targets from options, else the profile's), preferring clean levels
/// (not partial, error rate within max_error_rate), the one with the highest output
/// throughput. Without targets, the highest output throughput. When targets are given and
/// no level meets them, `found` is false and `selection` says how close the best came.
/// Throws Error(input) naming `file` when no level has a successful request.
/// `hardware` is profiled_hardware()'s answer: it names the accelerator, chips and offering.
MeasuredThroughput measured_throughput(const bench::Profile& profile, std::string_view file,
                                       const ProfiledHardware& hardware, const MeasuredOptions& options = {});

/// Whether the measurement stands for `offering`: the same offering name when the profile
/// names one (all regions: the hardware is the same), else the same accelerator and chips.
bool measures(const MeasuredThroughput& measured, const Offering& offering);

/// The cost-table pick that lists the measured hardware (CostQuery::also_show).
OfferingPick offering_pick(const MeasuredThroughput& measured);

/// "input 1000 / output 256 tokens per request" differs from the asked workload by more than
/// 10% in either direction: the note to print, or empty when they agree.
std::string workload_mismatch(const MeasuredThroughput& measured, double input_tokens, double output_tokens);

} // namespace tpuplan
