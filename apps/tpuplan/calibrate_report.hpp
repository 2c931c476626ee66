// The report of `tpuplan estimate --calibrate PROFILE`: the fitted factors beside their start
// values, and each level's measured TPOT and throughput with the estimates and errors before
// and after the fit.
#pragma once

#include <tpuplan/calibrate.hpp>
#include <tpuplan/report.hpp>

namespace tpuplan::app {

/// Tables "levels" and "factors", the summary notes, and the inputs that name the profile.
Report calibration_report(const CalibrationFit& fit, const bench::Profile& profile);

} // namespace tpuplan::app
