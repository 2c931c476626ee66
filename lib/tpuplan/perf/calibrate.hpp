// Calibration of the estimator to a bench profile: the efficiency factors (compute, memory,
// and/or the fixed step overhead) that make the roofline reproduce the profile's measured TPOT
// and output throughput, level by level. `tpuplan estimate --calibrate` prints the fit;
// `--calibration` applies it to the accelerators of the same family. Method and limits:
// docs/methodology.md §Calibration.
#pragma once

#include <tpuplan/bench/profile.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// A factor calibration may fit.
enum class FitFactor { compute, memory, overhead };
/// "compute", "memory", "overhead" (the names --fit takes).
std::string_view to_string(FitFactor factor);
/// Parses a list such as "memory,overhead" (at least one of compute, memory, overhead).
/// Throws Error(usage) naming `origin` and the bad item.
std::vector<FitFactor> parse_fit_factors(std::string_view text, std::string_view origin = "--fit");

/// Where fitted factors may go. Efficiencies cannot exceed 1 (achieved ≤ peak); the lower
/// bounds and the overhead cap keep the fit away from values no serving stack shows.
struct FitBounds {
  double compute_min = 0.05;
  double compute_max = 1.0;
  double memory_min = 0.2;
  double memory_max = 1.0;
  double overhead_ms_max = 50;
};

/// One level of a profile as the fit sees it.
struct CalibrationLevel {
  std::size_t index = 0;          ///< in the profile's levels
  std::string label;              ///< "concurrency 8", "rate 4 req/s"
  double batch = 0;               ///< achieved concurrency: mean requests in flight
  double input_tokens = 0;        ///< mean per successful request (else the workload's)
  double output_tokens = 0;       ///< mean per successful request (else the workload's)
  double tpot_ms = 0;             ///< measured mean time per output token
  double output_tokens_per_s = 0; ///< measured
  std::vector<std::string> flags; ///< why the level is less trustworthy (partial, failed requests)
};

/// The levels a fit can use: with successful requests, TPOT samples and a known workload.
/// Throws Error(input) naming `file` when none is usable.
std::vector<CalibrationLevel> calibration_levels(const bench::Profile& profile, std::string_view file);

/// What the estimator predicts for a level.
struct LevelPrediction {
  double tpot_ms = 0;
  double output_tokens_per_s = 0;
};

/// Everything a fit needs besides the levels.
struct CalibrationRequest {
  ModelSpec model;                       ///< the architecture the profile served
  const Accelerator* accelerator = nullptr;
  int chips = 1;
  EstimateRequest base;                  ///< precisions, batching, memory; chips, tokens and efficiency are set per level
  Efficiency start;                      ///< the factors before the fit (the family's defaults, or overridden)
  std::vector<FitFactor> factors = {FitFactor::compute, FitFactor::memory, FitFactor::overhead};
  FitBounds bounds;
  std::string file;                      ///< the profile's file name, for the basis
};

/// The estimate for a level at efficiency `e`. The achieved concurrency is fractional: figures
/// are interpolated between the neighbouring whole batches; below one request in flight the
/// server idles part of the time, so throughput scales with it.
LevelPrediction predict_level(const CalibrationRequest& request, const CalibrationLevel& level, const Efficiency& e);

/// A level with the estimates before and after the fit.
struct LevelFit {
  CalibrationLevel level;
  LevelPrediction before;
  LevelPrediction after;
};

/// The result of a fit.
struct CalibrationFit {
  std::string file;                 ///< profile file name
  std::string family;               ///< Accelerator::family the factors apply to
  std::string accelerator;          ///< accelerator id the profile measured
  int chips = 0;
  std::string model;                ///< model id
  std::vector<FitFactor> factors;   ///< the factors fitted
  Efficiency before;                ///< start factors
  Efficiency after;                 ///< fitted factors (basis names the profile and the errors)
  std::vector<LevelFit> levels;
  double log_error_before = 0;      ///< mean |ln(estimate ÷ measured)| over levels × {TPOT, throughput}
  double log_error_after = 0;
  double abs_error_before = 0;      ///< mean |estimate ÷ measured − 1| over the same figures
  double abs_error_after = 0;
  std::vector<std::string> notes;   ///< factors at a bound, too few levels, levels beyond memory
};

/// Fits the requested factors by minimising the mean absolute log error of TPOT and output
/// throughput over the levels, within the bounds, with a deterministic shrinking grid search.
/// A tiny pull towards the start factors (10⁻³ per unit of log deviation) keeps factors the
/// levels do not constrain at their start values; the fit never ends worse than the start.
CalibrationFit fit_calibration(const CalibrationRequest& request, const std::vector<CalibrationLevel>& levels);

/// The fitted factors for `accelerator` when it is of the fit's family (same id when the
/// family is unnamed), else nullopt: a fit carries to the chips of one software/hardware
/// generation, not across them.
std::optional<Efficiency> calibrated_efficiency(const CalibrationFit& fit, const Accelerator& accelerator);

} // namespace tpuplan
