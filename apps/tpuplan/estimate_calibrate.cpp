#include "estimate_calibrate.hpp"
#include "profiles.hpp"

#include <tpuplan/perf/calibrate.hpp>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

double error_pct(double estimated, double measured) { return (estimated / measured - 1) * 100; }

std::vector<Column> level_columns() {
  return {{"level", "level", 0, false, "the profile's load level"},
          {"batch", "batch", 1, false, "achieved concurrency: mean requests in flight (the estimate's batch)"},
          {"input_tokens", "in tok", 0, true, "mean input tokens per request"},
          {"output_tokens", "out tok", 0, true, "mean output tokens per request"},
          {"tpot_ms_measured", "TPOT ms measured", 2, false, "mean time per output token, measured"},
          {"tpot_ms_before", "TPOT ms before", 2, false, "estimate with the start factors"},
          {"tpot_ms_after", "TPOT ms after", 2, false, "estimate with the fitted factors"},
          {"tpot_error_pct_before", "TPOT err % before", 1, false, "estimate ÷ measured − 1, before the fit"},
          {"tpot_error_pct_after", "TPOT err % after", 1, false, "estimate ÷ measured − 1, after the fit"},
          {"output_tokens_per_s_measured", "out tok/s measured", 0, false, "output tokens per second, measured"},
          {"output_tokens_per_s_before", "out tok/s before", 0, true, "estimate with the start factors"},
          {"output_tokens_per_s_after", "out tok/s after", 0, true, "estimate with the fitted factors"},
          {"throughput_error_pct_before", "tok/s err % before", 1, false, "estimate ÷ measured − 1, before the fit"},
          {"throughput_error_pct_after", "tok/s err % after", 1, false, "estimate ÷ measured − 1, after the fit"},
          {"flags", "flags", 0, false, "why the level is less trustworthy"}};
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : "; ") + item;
  }
  return out;
}

Report calibration_report(const CalibrationFit& fit, const bench::Profile& profile) {
  Report report;
  report.command = "estimate";
  report.inputs["calibrate"] = fit.file;
  report.inputs["model"] = fit.model;
  report.inputs["served_model"] = profile.model;
  report.inputs["accelerator"] = fit.accelerator;
  report.inputs["chips"] = fit.chips;
  report.inputs["endpoint"] = profile.endpoint;
  report.inputs["profile_created_at"] = profile.created_at;
  nlohmann::ordered_json factors = nlohmann::ordered_json::array();
  for (FitFactor f : fit.factors) {
    factors.push_back(std::string(to_string(f)));
  }
  report.inputs["fit"] = factors;

  Table levels;
  levels.name = "levels";
  levels.title = fmt::format("{} on {} × {}: measured ({}) vs estimated before and after calibration", fit.model,
                             fit.chips, fit.accelerator, fit.file);
  levels.columns = level_columns();
  for (const auto& l : fit.levels) {
    const auto& m = l.level;
    levels.rows.push_back({m.label, m.batch, m.input_tokens, m.output_tokens, m.tpot_ms, l.before.tpot_ms,
                           l.after.tpot_ms, error_pct(l.before.tpot_ms, m.tpot_ms), error_pct(l.after.tpot_ms, m.tpot_ms),
                           m.output_tokens_per_s, l.before.output_tokens_per_s, l.after.output_tokens_per_s,
                           error_pct(l.before.output_tokens_per_s, m.output_tokens_per_s),
                           error_pct(l.after.output_tokens_per_s, m.output_tokens_per_s),
                           m.flags.empty() ? Cell{} : Cell{joined(m.flags)}});
  }
  levels.notes.push_back(fmt::format("mean |error| of TPOT and throughput: {:.1f}% before, {:.1f}% after "
                                     "(mean |ln(estimate ÷ measured)| {:.4f} → {:.4f}, the objective)",
                                     fit.abs_error_before * 100, fit.abs_error_after * 100, fit.log_error_before,
                                     fit.log_error_after));
  for (const auto& note : fit.notes) {
    levels.notes.push_back(note);
  }
  report.tables.push_back(std::move(levels));

  Table t;
  t.name = "factors";
  t.title = fmt::format("Efficiency factors for accelerator family {}",
                        fit.family.empty() ? fit.accelerator : fit.family);
  t.columns = {{"factor", "factor", 0, false, "efficiency factor (docs/methodology.md §Estimator)"},
               {"unit", "unit", 0, false, "fraction (achieved ÷ peak), ms or us"},
               {"before", "before", 3, false, "start value: the family default, or --efficiency"},
               {"after", "after", 3, false, "value after the fit"},
               {"fitted", "fitted", 0, false, "whether the fit may move it (--fit)"}};
  const auto fitted = [&](FitFactor f) {
    return std::find(fit.factors.begin(), fit.factors.end(), f) != fit.factors.end();
  };
  t.rows.push_back({std::string("compute"), std::string("fraction"), fit.before.compute, fit.after.compute,
                    fitted(FitFactor::compute)});
  t.rows.push_back({std::string("memory"), std::string("fraction"), fit.before.memory, fit.after.memory,
                    fitted(FitFactor::memory)});
  t.rows.push_back({std::string("overhead_ms"), std::string("ms"), fit.before.step_overhead_ms,
                    fit.after.step_overhead_ms, fitted(FitFactor::overhead)});
  t.rows.push_back({std::string("interconnect"), std::string("fraction"), fit.before.interconnect,
                    fit.after.interconnect, false});
  t.rows.push_back({std::string("latency_us"), std::string("us"), fit.before.collective_latency_us,
                    fit.after.collective_latency_us, false});
  t.notes.push_back(fmt::format("apply with --calibration {} on estimate, cost and size: the fitted factors replace "
                                "the defaults of family {}",
                                fit.file, fit.family.empty() ? fit.accelerator : fit.family));
  report.tables.push_back(std::move(t));

  report.assumptions.push_back({"calibration_basis", fit.after.basis, "", "what the fit used and achieved",
                                "docs/methodology.md §Calibration"});
  report.assumptions.push_back({"start_basis", fit.before.basis, "", "where the start factors come from",
                                "docs/methodology.md §Estimator: efficiency defaults"});
  report.notes.push_back("measured figures come from the profile; 'before' and 'after' are estimates of the "
                         "roofline model at each level's achieved concurrency and workload");
  return report;
}

} // namespace

int run_estimate_calibrate(Context& ctx, const CalibrateArgs& args) {
  const DataSet& data = ctx.data();
  const bench::Profile profile = bench::read_profile(args.profile);
  const std::string file = std::filesystem::path(args.profile).filename().string();
  const ProfiledHardware hw = profiled_hardware(profile, file, data.catalog);
  const ResolvedModel model = profiled_model(profile, file, args.model, "--model", data.models);
  if (!args.model.empty() && match_profile_model(profile, model.spec, data.models) == ModelMatch::different) {
    ctx.warn(fmt::format("{}: the profile served '{}', calibrated as {} (--model)", file, profile.model, model.spec.id));
  }
  CalibrationRequest r;
  r.model = model.spec;
  r.accelerator = hw.accelerator;
  r.chips = hw.chips;
  r.base = args.request_for(hw);
  r.start = r.base.efficiency ? *r.base.efficiency : default_efficiency(*hw.accelerator);
  r.factors = parse_fit_factors(args.fit, "--fit");
  r.file = file;
  const CalibrationFit fit = fit_calibration(r, calibration_levels(profile, file));
  Report report = calibration_report(fit, profile);
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = std::string(to_string(r.base.weights));
  report.inputs["kv_precision"] = std::string(to_string(r.base.kv));
  report.inputs["mode"] = std::string(to_string(r.base.mode));
  ctx.emit(report);
  return 0;
}

} // namespace tpuplan::app
