// Bench profiles named on the command line: `--measured FILE` (cost) and `--calibration FILE`
// (cost, size, estimate). Reads and checks them against the data set, warns about what the
// user should know, and adds what they contribute to a report's assumptions.
#pragma once

#include "command.hpp"

#include <tpuplan/perf/calibrate.hpp>
#include <tpuplan/perf/engine.hpp>
#include <tpuplan/perf/measured.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::app {

/// --calibration FILE, --calibration-model M, --calibration-precision P.
struct CalibrationFlags {
  std::string profile;
  std::string model;             ///< the architecture the profile served, when its name is no preset
  std::string precision = "bf16"; ///< the weight precision the profiled server ran
};
/// Adds --calibration, --calibration-model and --calibration-precision to `sub`.
void add_calibration_flags(CLI::App& sub, CalibrationFlags& flags);

/// The served model's architecture: `model_flag` (a preset, alias or config.json) when given,
/// else the preset the profile's model name names. Throws Error(input) naming the file and
/// `flag_name` when neither tells it.
ResolvedModel profiled_model(const bench::Profile& profile, std::string_view file, const std::string& model_flag,
                             std::string_view flag_name, const ModelRegistry& registry);

/// Fits the --calibration profile (all three factors, from the family defaults); nullopt
/// when the flag is absent.
std::optional<CalibrationFit> load_calibration(const CalibrationFlags& flags, Context& ctx);

/// The efficiency for `accelerator`: the fit when it is of the calibrated family, else the
/// engine's factors for the family (engine_efficiency); `overrides` (--efficiency) apply on top.
Efficiency calibrated_or_default(const Accelerator& accelerator, const std::optional<CalibrationFit>& fit,
                                 const std::string& overrides = {}, const Engine* engine = nullptr);

/// The calibration's assumptions: the fitted factors, the profile, the family they apply to.
void add_calibration_assumptions(Report& report, const CalibrationFit& fit);

/// A --measured profile, checked: the figure and the hardware it ran on.
struct MeasuredProfile {
  MeasuredThroughput figure;
  ProfiledHardware hardware;
};

/// Reads --measured profiles for a cost report about `model`: errors (exit 2) for hardware the
/// catalog lacks and for a profile of another model; warnings (stderr) for a model tpuplan
/// cannot identify, flagged figures and levels that miss the SLO.
std::vector<MeasuredProfile> load_measured(const std::vector<std::string>& paths, const ModelSpec& model,
                                           const MeasuredOptions& options, Context& ctx);

} // namespace tpuplan::app
