#include "profiles.hpp"
#include "flags.hpp"

#include <tpuplan/error.hpp>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : std::string(separator)) + item;
  }
  return out;
}

} // namespace

void add_calibration_flags(CLI::App& sub, CalibrationFlags& flags) {
  sub.add_option("--calibration", flags.profile,
                 "bench profile: fit the estimator to it and use the fitted factors for its accelerator family");
  sub.add_option("--calibration-model", flags.model,
                 "architecture the --calibration profile served (default: its model name, if a preset)");
  sub.add_option("--calibration-precision", flags.precision,
                 "weight precision the --calibration profile's server ran: bf16, fp8, int8, int4, nvfp4, mxfp4")
      ->capture_default_str();
}

ResolvedModel profiled_model(const bench::Profile& profile, std::string_view file, const std::string& model_flag,
                             std::string_view flag_name, const ModelRegistry& registry) {
  if (!model_flag.empty()) {
    return resolve_model(model_flag, registry);
  }
  if (auto spec = profile_model(profile, registry)) {
    return {*spec, fmt::format("{}: served model '{}'", file, profile.model)};
  }
  throw Error(ErrorKind::input,
              fmt::format("{}: served model '{}' is not a preset, so its architecture is unknown", file, profile.model),
              fmt::format("name it with {} PRESET or a config.json ('tpuplan models' lists presets)", flag_name));
}

std::optional<CalibrationFit> load_calibration(const CalibrationFlags& flags, Context& ctx) {
  if (flags.profile.empty()) {
    return std::nullopt;
  }
  const DataSet& data = ctx.data();
  const bench::Profile profile = bench::read_profile(flags.profile);
  const std::string file = file_name(flags.profile);
  const ProfiledHardware hw = profiled_hardware(profile, file, data.catalog);
  CalibrationRequest request;
  request.model = profiled_model(profile, file, flags.model, "--calibration-model", data.models).spec;
  request.accelerator = hw.accelerator;
  request.chips = hw.chips;
  request.base.weights = parse_precision_flag("--calibration-precision", flags.precision);
  request.start = default_efficiency(*hw.accelerator);
  request.file = file;
  CalibrationFit fit = fit_calibration(request, calibration_levels(profile, file));
  for (const auto& note : fit.notes) {
    ctx.warn(fmt::format("{}: {}", file, note));
  }
  return fit;
}

Efficiency calibrated_or_default(const Accelerator& accelerator, const std::optional<CalibrationFit>& fit,
                                 const std::string& overrides, const Engine* engine) {
  Efficiency e = engine_efficiency(engine, accelerator);
  if (fit) {
    if (auto fitted = calibrated_efficiency(*fit, accelerator)) {
      e = *fitted;
    }
  }
  if (!overrides.empty()) {
    e = parse_efficiency(overrides, e, "--efficiency");
  }
  return e;
}

void add_calibration_assumptions(Report& report, const CalibrationFit& fit) {
  const std::string family = fit.family.empty() ? fit.accelerator : fit.family;
  const std::string applies = fmt::format("fitted to {}; applied to accelerators of family {}, every other "
                                          "accelerator keeps its family defaults",
                                          fit.file, family);
  report.inputs["calibration"] = fit.file;
  report.assumptions.push_back({"calibration_profile", fit.file, "",
                                fmt::format("{} on {} × {}: mean |error| of TPOT and throughput {:.1f}% before, "
                                            "{:.1f}% after",
                                            fit.model, fit.chips, fit.accelerator, fit.abs_error_before * 100,
                                            fit.abs_error_after * 100),
                                "docs/methodology.md §Calibration"});
  report.assumptions.push_back({"calibration_family", family, "", "accelerators the fitted factors apply to", applies});
  for (FitFactor f : fit.factors) {
    const double value = f == FitFactor::compute  ? fit.after.compute
                         : f == FitFactor::memory ? fit.after.memory
                                                  : fit.after.step_overhead_ms;
    report.assumptions.push_back({fmt::format("calibrated_{}", f == FitFactor::overhead ? "step_overhead_ms"
                                                                                         : "efficiency_" + std::string(to_string(f))),
                                  value, f == FitFactor::overhead ? "ms" : "fraction",
                                  fmt::format("fitted {} for family {}", to_string(f), family), fit.after.basis});
  }
}

std::vector<MeasuredProfile> load_measured(const std::vector<std::string>& paths, const ModelSpec& model,
                                           const MeasuredOptions& options, Context& ctx) {
  std::vector<MeasuredProfile> out;
  const DataSet& data = ctx.data();
  for (const auto& path : paths) {
    const bench::Profile profile = bench::read_profile(path);
    const std::string file = file_name(path);
    MeasuredProfile m;
    m.hardware = profiled_hardware(profile, file, data.catalog);
    if (m.hardware.offering == nullptr) {
      // An accelerator × chips nobody rents has no price to put the measured throughput beside.
      const auto& offerings = data.catalog.offerings;
      const bool priced = std::any_of(offerings.begin(), offerings.end(), [&](const Offering& o) {
        return o.accelerator == m.hardware.accelerator->id && o.chips == m.hardware.chips;
      });
      if (!priced) {
        throw Error(ErrorKind::input,
                    fmt::format("{}: the catalog has no offering of {} × {} to price", file, m.hardware.chips,
                                m.hardware.accelerator->id),
                    "add one with --config (extra_offerings, docs/cli.md), or see 'tpuplan catalog show " +
                        m.hardware.accelerator->id + "'");
      }
    }
    switch (match_profile_model(profile, model, data.models)) {
    case ModelMatch::same:
      break;
    case ModelMatch::different:
    {
      const std::string served = profile_model(profile, data.models)->id;
      throw Error(ErrorKind::input,
                  fmt::format("{}: measured '{}'{}, not {}", file, profile.model,
                              served == profile.model ? "" : " (" + served + ")", model.id),
                  "pass a profile of the same model, or change --model");
    }
    case ModelMatch::unknown:
      ctx.warn(fmt::format("{}: served model '{}' is not a preset tpuplan knows; its figure is taken as {}", file,
                           profile.model, model.id));
      break;
    }
    m.figure = measured_throughput(profile, file, m.hardware, options);
    if (!m.figure.found) {
      ctx.warn(fmt::format("{}: {}; its row has no throughput", file, m.figure.selection));
    } else if (!m.figure.flags.empty()) {
      ctx.warn(fmt::format("{}: flagged: {}", file, joined(m.figure.flags, "; ")));
    }
    out.push_back(std::move(m));
  }
  return out;
}

} // namespace tpuplan::app
