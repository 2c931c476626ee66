// `tpuplan estimate --calibrate PROFILE`: fit the estimator to a bench profile and report the
// fitted factors beside their start values, and each level's measured TPOT and throughput with
// the estimates and errors before and after the fit.
#pragma once

#include "command.hpp"

#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/measured.hpp>

#include <functional>
#include <string>

namespace tpuplan::app {

/// What `estimate --calibrate` was given.
struct CalibrateArgs {
  std::string profile; ///< the profile's path
  std::string model;   ///< --model: the served architecture; empty = the profile's model name
  std::string fit;     ///< --fit: "compute,memory,overhead" or a subset
  /// The estimate request for the profiled hardware from the other flags (precisions, mode,
  /// memory, --efficiency as the start factors).
  std::function<EstimateRequest(const ProfiledHardware&)> request_for;
};

/// Runs the fit and emits tables "levels" and "factors"; returns the exit code.
int run_estimate_calibrate(Context& ctx, const CalibrateArgs& args);

} // namespace tpuplan::app
