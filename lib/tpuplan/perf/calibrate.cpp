// Fitting the estimator's efficiency factors to a bench profile (docs/methodology.md
// §Calibration).
//
// Objective: the mean, over levels and the two measured figures (TPOT, output tokens/s), of
// |ln(estimate ÷ measured)| — symmetric in over- and under-estimates and insensitive to the
// figures' scales, like the accuracy tables' median |error| (docs/accuracy.md). A tiny L1 pull
// towards the start factors (λ = 10⁻³ per unit of log deviation) breaks ties: a factor the
// levels do not constrain (η_c of a memory-bound profile) stays where it was, while any factor
// the data move by more than λ is not held back (both terms are L1, so the data win).
//
// Search: over the box of fitted factors (η in log space, overhead in ms), a grid then
// Nelder–Mead (detail/box_search.hpp): deterministic, no derivatives (the objective has kinks),
// a few thousand estimator evaluations for 1–3 factors.
#include <tpuplan/perf/calibrate.hpp>

#include <tpuplan/detail/box_search.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

namespace {

constexpr double k_pull = 1e-3;

/// One fitted coordinate: its range in search space and how it maps onto Efficiency.
struct Axis {
  FitFactor factor;
  double lo;
  double hi;
};

double to_axis(FitFactor f, const Efficiency& e) {
  switch (f) {
  case FitFactor::compute:
    return std::log(e.compute);
  case FitFactor::memory:
    return std::log(e.memory);
  case FitFactor::overhead:
    return e.step_overhead_ms;
  }
  return 0;
}

void from_axis(FitFactor f, double x, Efficiency& e) {
  switch (f) {
  case FitFactor::compute:
    e.compute = std::exp(x);
    break;
  case FitFactor::memory: {
    // One factor for a profile's HBM reads: the KV-read efficiency moves with the weights' in
    // proportion (a profile's levels rarely separate the two).
    const double ratio = std::exp(x) / e.memory;
    e.memory = std::exp(x);
    e.kv_memory = std::min(1.0, e.kv_memory * ratio);
    break;
  }
  case FitFactor::overhead:
    e.step_overhead_ms = x;
    break;
  }
}

double pull(FitFactor f, const Efficiency& e, const Efficiency& start) {
  switch (f) {
  case FitFactor::compute:
    return std::abs(std::log(e.compute / start.compute));
  case FitFactor::memory:
    return std::abs(std::log(e.memory / start.memory));
  case FitFactor::overhead:
    // Log of (ms + 1): a relative pull that stays finite at 0 ms.
    return std::abs(std::log((e.step_overhead_ms + 1) / (start.step_overhead_ms + 1)));
  }
  return 0;
}

struct Errors {
  double log = 0;
  double abs = 0;
};

Errors errors_of(const std::vector<CalibrationLevel>& levels, const std::vector<LevelPrediction>& predictions) {
  Errors e;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double tpot = predictions[i].tpot_ms / levels[i].tpot_ms;
    const double tput = predictions[i].output_tokens_per_s / levels[i].output_tokens_per_s;
    e.log += std::abs(std::log(tpot)) + std::abs(std::log(tput));
    e.abs += std::abs(tpot - 1) + std::abs(tput - 1);
  }
  const double n = 2.0 * static_cast<double>(levels.size());
  e.log /= n;
  e.abs /= n;
  return e;
}

std::vector<LevelPrediction> predict_all(const CalibrationRequest& r, const std::vector<CalibrationLevel>& levels,
                                         const Efficiency& e) {
  std::vector<LevelPrediction> out;
  out.reserve(levels.size());
  for (const auto& l : levels) {
    out.push_back(predict_level(r, l, e));
  }
  return out;
}

std::string percent(double v) { return fmt::format("{:.1f}%", v * 100); }

} // namespace

std::string_view to_string(FitFactor factor) {
  switch (factor) {
  case FitFactor::compute:
    return "compute";
  case FitFactor::memory:
    return "memory";
  case FitFactor::overhead:
    return "overhead";
  }
  return "";
}

std::vector<FitFactor> parse_fit_factors(std::string_view text, std::string_view origin) {
  std::vector<FitFactor> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      bool known = false;
      for (FitFactor f : {FitFactor::compute, FitFactor::memory, FitFactor::overhead}) {
        if (item == to_string(f)) {
          known = true;
          if (std::find(out.begin(), out.end(), f) == out.end()) {
            out.push_back(f);
          }
        }
      }
      if (!known) {
        throw Error(ErrorKind::usage, fmt::format("{}: unknown factor '{}'", origin, item),
                    suggestion(item, {"compute", "memory", "overhead"}));
      }
    }
    start = comma + 1;
  }
  if (out.empty()) {
    throw Error(ErrorKind::usage, fmt::format("{}: no factor given", origin), "accepted: compute, memory, overhead");
  }
  return out;
}

std::vector<CalibrationLevel> calibration_levels(const bench::Profile& profile, std::string_view file) {
  std::vector<CalibrationLevel> out;
  for (std::size_t i = 0; i < profile.levels.size(); ++i) {
    const auto& l = profile.levels[i];
    CalibrationLevel c;
    c.index = i;
    c.label = bench::level_label(l.load);
    c.batch = l.mean_in_flight;
    c.input_tokens = l.input_tokens_per_request.count > 0 ? l.input_tokens_per_request.mean
                                                           : profile.workload.input_tokens.value_or(0);
    c.output_tokens = l.output_tokens_per_request.count > 0 ? l.output_tokens_per_request.mean
                                                             : profile.workload.output_tokens;
    c.tpot_ms = l.tpot_ms.count > 0 ? l.tpot_ms.mean : 0;
    c.output_tokens_per_s = l.output_tokens_per_s;
    // A level without these cannot be compared with an estimate (TPOT needs two tokens).
    if (l.requests_ok <= 0 || !(c.tpot_ms > 0) || !(c.output_tokens_per_s > 0) || !(c.batch > 0) ||
        !(c.input_tokens >= 1) || !(c.output_tokens >= 2)) {
      continue;
    }
    if (l.partial) {
      c.flags.push_back("partial");
    }
    if (l.requests_failed > 0) {
      c.flags.push_back(fmt::format("{:.1f}% failed", l.error_rate * 100));
    }
    if (l.output_tokens_source == bench::TokenSource::approx) {
      c.flags.push_back("approximate token counts");
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) {
    throw Error(ErrorKind::input,
                fmt::format("{}: no level has successful requests with at least two output tokens to calibrate on", file),
                "record a profile with 'tpuplan bench --output-tokens 64' or more");
  }
  return out;
}

LevelPrediction predict_level(const CalibrationRequest& r, const CalibrationLevel& level, const Efficiency& e) {
  EstimateRequest request = r.base;
  request.chips = r.chips;
  request.input_tokens = level.input_tokens;
  request.output_tokens = level.output_tokens;
  request.efficiency = e;
  request.load_requests_per_s.reset();
  const Estimator estimator(r.model, *r.accelerator, request);
  const double b = std::max(1.0, level.batch);
  const int lo = static_cast<int>(std::floor(b));
  const double frac = b - lo;
  const Estimate below = estimator.at(lo);
  LevelPrediction p{below.tpot_ms, below.output_tokens_per_s};
  if (frac > 0) {
    const Estimate above = estimator.at(lo + 1);
    p.tpot_ms += frac * (above.tpot_ms - below.tpot_ms);
    p.output_tokens_per_s += frac * (above.output_tokens_per_s - below.output_tokens_per_s);
  }
  if (level.batch < 1) {
    p.output_tokens_per_s *= level.batch;
  }
  return p;
}

CalibrationFit fit_calibration(const CalibrationRequest& r, const std::vector<CalibrationLevel>& levels) {
  if (r.accelerator == nullptr || levels.empty() || r.factors.empty()) {
    throw Error(ErrorKind::usage, "calibration needs an accelerator, levels and at least one factor to fit");
  }
  CalibrationFit fit;
  fit.file = r.file;
  fit.family = r.accelerator->family;
  fit.accelerator = r.accelerator->id;
  fit.chips = r.chips;
  fit.model = r.model.id;
  fit.factors = r.factors;
  fit.before = r.start;

  std::vector<Axis> axes;
  for (FitFactor f : r.factors) {
    switch (f) {
    case FitFactor::compute:
      axes.push_back({f, std::log(r.bounds.compute_min), std::log(r.bounds.compute_max)});
      break;
    case FitFactor::memory:
      axes.push_back({f, std::log(r.bounds.memory_min), std::log(r.bounds.memory_max)});
      break;
    case FitFactor::overhead:
      axes.push_back({f, 0.0, r.bounds.overhead_ms_max});
      break;
    }
  }
  const auto objective = [&](const Efficiency& e) {
    double penalty = 0;
    for (FitFactor f : r.factors) {
      penalty += pull(f, e, r.start);
    }
    return errors_of(levels, predict_all(r, levels, e)).log + k_pull * penalty;
  };

  // Search in the unit box: u ∈ [0, 1] per fitted factor maps linearly onto its axis.
  const auto efficiency_at = [&](const std::vector<double>& u) {
    Efficiency e = r.start;
    for (std::size_t d = 0; d < axes.size(); ++d) {
      from_axis(axes[d].factor, axes[d].lo + u[d] * (axes[d].hi - axes[d].lo), e);
    }
    return e;
  };
  std::vector<double> u0;
  for (const Axis& a : axes) {
    u0.push_back(std::clamp((to_axis(a.factor, r.start) - a.lo) / (a.hi - a.lo), 0.0, 1.0));
  }
  const auto found = detail::minimize_in_unit_box([&](const std::vector<double>& u) { return objective(efficiency_at(u)); }, u0);
  Efficiency best = efficiency_at(found.x);
  if (!(objective(best) < objective(r.start))) {
    best = r.start; // a start outside the bounds is kept unless the fit beats it
  }
  fit.after = best;

  const auto before = predict_all(r, levels, fit.before);
  const auto after = predict_all(r, levels, fit.after);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    fit.levels.push_back({levels[i], before[i], after[i]});
  }
  const Errors eb = errors_of(levels, before);
  const Errors ea = errors_of(levels, after);
  fit.log_error_before = eb.log;
  fit.log_error_after = ea.log;
  fit.abs_error_before = eb.abs;
  fit.abs_error_after = ea.abs;

  std::string fitted;
  for (FitFactor f : r.factors) {
    fitted += fitted.empty() ? "" : ",";
    fitted += f == FitFactor::compute   ? fmt::format("compute={:.3f}", fit.after.compute)
              : f == FitFactor::memory ? fmt::format("memory={:.3f}", fit.after.memory)
                                       : fmt::format("overhead_ms={:.2f}", fit.after.step_overhead_ms);
  }
  fit.after.basis = fmt::format("fitted to {} ({} on {} × {}, {} levels; mean |error| {} → {}): {}", r.file,
                                r.model.id, r.chips, r.accelerator->id, levels.size(), percent(eb.abs),
                                percent(ea.abs), fitted);

  // Say what the numbers cannot: factors at a bound, more factors than levels constrain.
  for (const Axis& a : axes) {
    const double x = to_axis(a.factor, fit.after);
    const double tolerance = (a.hi - a.lo) * 1e-3;
    if (x >= a.hi - tolerance && a.factor != FitFactor::overhead) {
      fit.notes.push_back(fmt::format("{} reached its bound {:g}: the server is faster than the roofline allows with "
                                      "these specs; check the accelerator, chips and precision",
                                      to_string(a.factor), std::exp(a.hi)));
    } else if (x <= a.lo + tolerance) {
      fit.notes.push_back(fmt::format("{} reached its bound {:g}", to_string(a.factor),
                                      a.factor == FitFactor::overhead ? a.lo : std::exp(a.lo)));
    } else if (x >= a.hi - tolerance) {
      fit.notes.push_back(fmt::format("overhead reached its bound {:g} ms: something besides the roofline slows the "
                                      "server down (queueing, a slow host, a remote gateway)",
                                      a.hi));
    }
  }
  if (levels.size() < r.factors.size()) {
    fit.notes.push_back(fmt::format("{} factors from {} level(s): factors the levels cannot tell apart stay near their "
                                    "start values; record more concurrency levels",
                                    r.factors.size(), levels.size()));
  }
  EstimateRequest check = r.base;
  check.chips = r.chips;
  for (const auto& l : levels) {
    check.input_tokens = l.input_tokens;
    check.output_tokens = l.output_tokens;
    check.efficiency = fit.after;
    const Estimator e(r.model, *r.accelerator, check);
    if (l.batch > e.max_batch()) {
      fit.notes.push_back(fmt::format("{}: {:.1f} requests in flight, but tpuplan's memory model holds at most {} of "
                                      "{:g} tokens: check the precision",
                                      l.label, l.batch, e.max_batch(), e.admission_tokens()));
    }
  }
  return fit;
}

std::optional<Efficiency> calibrated_efficiency(const CalibrationFit& fit, const Accelerator& accelerator) {
  const bool same = fit.family.empty() ? accelerator.id == fit.accelerator : accelerator.family == fit.family;
  if (!same) {
    return std::nullopt;
  }
  return fit.after;
}

} // namespace tpuplan
