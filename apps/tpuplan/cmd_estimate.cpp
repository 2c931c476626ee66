// `tpuplan estimate`: throughput and latency of one model on one accelerator slice, per batch
// size (a sweep marking the best, or one batch), from the roofline estimator; and
// `tpuplan estimate --fidelity`: the estimator next to the measured calibration set.
#include "command.hpp"
#include "estimate_calibrate.hpp"
#include "flags.hpp"
#include "profiles.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/fidelity.hpp>

#include <map>
#include <tuple>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace tpuplan::app {

namespace {

struct EstimateFlags {
  std::string model;
  std::string accelerator;
  int chips = 0;
  std::string offering;
  std::string precision = "bf16";
  std::string kv_precision; // empty: the engine's for the weights
  std::string engine;       // empty: the accelerator family's default engine
  double input_tokens = 1000;
  double output_tokens = 1000;
  int batch = 0;
  int concurrency = 0;
  std::string mode = "continuous";
  std::string efficiency;
  std::string kv_read; // empty: the engine's
  double cache_tokens = 0;
  double load = 0;
  double ttft_ms = 0;
  double tpot_ms = 0;
  int max_batch = 0;
  std::optional<std::int64_t> tp;          // --tp: absent = one group of all the chips
  std::optional<double> headroom_fraction; // absent: the engine's
  double overhead_gib_per_chip = MemoryOptions{}.overhead_gib_per_chip;
  bool fidelity = false;
  std::string calibrate;
  std::string fit = "compute,memory,overhead";
  CalibrationFlags calibration;
};

/// The accelerator and chip count named by --accelerator/--chips or --offering.
struct Slice {
  const Accelerator* accelerator = nullptr;
  int chips = 0;
  const Offering* offering = nullptr;
};

Slice resolve_slice(const Catalog& catalog, const EstimateFlags& f) {
  Slice s;
  if (!f.offering.empty()) {
    const Offering* o = catalog.find_offering(f.offering);
    if (o == nullptr) {
      const auto matches = catalog.match_offerings(f.offering);
      if (matches.empty()) {
        std::vector<std::string> names = catalog.offering_names();
        throw Error(ErrorKind::usage, fmt::format("--offering: unknown offering '{}'", f.offering),
                    suggestion(f.offering, names));
      }
      o = matches.front(); // every region of one offering name has the same hardware
    }
    s.offering = o;
    s.accelerator = &catalog.accelerator_of(*o);
    s.chips = o->chips;
    return s;
  }
  if (f.accelerator.empty()) {
    throw Error(ErrorKind::usage, "give --accelerator and --chips, or --offering", "see 'tpuplan estimate --help'");
  }
  s.accelerator = &catalog.accelerator(f.accelerator);
  if (f.chips < 1) {
    throw Error(ErrorKind::usage, fmt::format("--chips: {} is not a chip count of at least 1", f.chips),
                "--accelerator needs --chips N");
  }
  s.chips = f.chips;
  return s;
}

template <typename T>
T parse_choice(std::string_view flag, std::string_view value, std::optional<T> parsed, std::vector<std::string> accepted) {
  if (parsed) {
    return *parsed;
  }
  throw Error(ErrorKind::usage, fmt::format("{}: unknown value '{}'", flag, value), suggestion(value, accepted));
}

/// The user's explicit engine-level settings (--kv-precision, --headroom, --kv-read).
EngineSettings user_settings(const EstimateFlags& f) {
  MemoryFlags m;
  m.kv_precision = f.kv_precision;
  m.headroom_fraction = f.headroom_fraction;
  EngineSettings user = to_engine_settings(m);
  if (!f.kv_read.empty()) {
    user.kv_read = parse_choice("--kv-read", f.kv_read, parse_kv_read(f.kv_read), {"ragged", "padded"});
  }
  return user;
}

/// The engine --engine names, or the accelerator family's default; Error(usage) when it does
/// not run on the accelerator. nullptr when no engine runs on it (the request stays as given).
const Engine* resolve_engine(const std::vector<Engine>& engines, const EstimateFlags& f, const Accelerator& a) {
  if (f.engine.empty()) {
    return default_engine(engines, a);
  }
  const Engine& e = find_engine(engines, f.engine);
  require_runs_on(engines, e, a);
  return &e;
}

EstimateRequest to_request(const EstimateFlags& f, const Slice& s, const std::optional<CalibrationFit>& calibration,
                           const Engine* engine) {
  EstimateRequest r;
  r.chips = s.chips;
  r.weights = parse_precision_flag("--precision", f.precision);
  const EngineSettings user = user_settings(f);
  r.kv = user.kv.value_or(Precision::bf16);
  const auto tokens = [](std::string_view flag, double v) {
    if (!(v >= 1 && v <= 1e7)) {
      throw Error(ErrorKind::usage, fmt::format("{}: {} is not a token count from 1 to 10,000,000", flag, v));
    }
    return v;
  };
  r.input_tokens = tokens("--input-tokens", f.input_tokens);
  r.output_tokens = tokens("--output-tokens", f.output_tokens);
  r.mode = parse_choice("--mode", f.mode, parse_batch_mode(f.mode), {"continuous", "static"});
  r.kv_read = user.kv_read.value_or(KvRead::ragged);
  r.headroom_fraction = user.headroom_fraction.value_or(r.headroom_fraction);
  if (engine != nullptr) {
    apply_engine(*engine, user, r);
  }
  if (f.cache_tokens != 0) {
    if (r.kv_read != KvRead::padded) {
      throw Error(ErrorKind::usage, "--cache-tokens applies to --kv-read padded", "add --kv-read padded");
    }
    if (!(f.cache_tokens >= r.input_tokens + 1)) {
      throw Error(ErrorKind::usage,
                  fmt::format("--cache-tokens: {} cannot hold --input-tokens {} plus one output token", f.cache_tokens,
                              r.input_tokens));
    }
    r.cache_tokens = f.cache_tokens;
  }
  if (f.load > 0) {
    r.load_requests_per_s = f.load;
  }
  if (!(f.overhead_gib_per_chip >= 0)) {
    throw Error(ErrorKind::usage, fmt::format("--overhead-gib: {} is negative", f.overhead_gib_per_chip));
  }
  r.overhead_gib_per_chip = f.overhead_gib_per_chip;
  r.efficiency = calibrated_or_default(*s.accelerator, calibration, f.efficiency, engine);
  return r;
}

std::vector<Column> estimate_columns() {
  return {
      {"batch", "batch", 0, false, "concurrent sequences"},
      {"output_tokens_per_s", "out tok/s", 0, false, "generated tokens per second, whole slice"},
      {"output_tokens_per_s_low", "low", 0, false, "low end of the error band (assumption error_band)"},
      {"output_tokens_per_s_high", "high", 0, false, "high end of the error band"},
      {"output_tokens_per_s_per_chip", "out tok/s/chip", 0, false, "generated tokens per second per chip"},
      {"total_tokens_per_s", "total tok/s", 0, false, "input + output tokens per second"},
      {"ttft_ms", "TTFT ms", 1, false, "time to first token: queue + prefill + one decode step (empty: unbounded queue)"},
      {"tpot_ms", "TPOT ms", 2, false, "time per output token: the decode step"},
      {"requests_per_s", "req/s", 3, false, "completed requests per second (capacity)"},
      {"bound", "bound", 0, false, "largest part of the step: compute, memory, interconnect or overhead"},
      {"hbm_used_fraction", "HBM used", 3, false, "(weights + reserve + batch × KV at full length) ÷ HBM"},
      {"best", "best", 0, false, "highest throughput within memory and the limits (empty for a given --batch)"},
      {"figures", "figures", 0, true, "'estimate': computed by the roofline estimator, not measured"},
      {"step_ms", "step ms", 3, true, "decode step: KV read + linear + interconnect + overhead"},
      {"kv_read_ms", "KV ms", 3, true, "reading the KV cache"},
      {"weight_read_ms", "weights ms", 3, true, "streaming the weights"},
      {"compute_ms", "compute ms", 3, true, "matmul FLOPs"},
      {"interconnect_ms", "all-reduce ms", 3, true, "tensor-parallel all-reduces"},
      {"overhead_ms", "overhead ms", 3, true, "fixed per-step overhead"},
      {"prefill_ms", "prefill ms", 2, true, "prefill of one prompt (continuous) or of the batch (static)"},
      {"queue_ms", "queue ms", 2, true, "queueing delay under --load"},
      {"utilization", "utilisation", 3, true, "--load ÷ capacity"},
  };
}

std::vector<Cell> estimate_row(const Estimate& e, Cell best, const ErrorBand& band) {
  const auto opt = [](const std::optional<double>& v) { return cell(v); };
  return {static_cast<std::int64_t>(e.batch),
          e.output_tokens_per_s,
          band.low(e.output_tokens_per_s),
          band.high(e.output_tokens_per_s),
          e.output_tokens_per_s_per_chip,
          e.total_tokens_per_s,
          opt(e.ttft_ms),
          e.tpot_ms,
          e.requests_per_s,
          std::string(to_string(e.bound)),
          e.hbm_used_fraction,
          best,
          std::string("estimate"),
          e.step.total_ms,
          e.step.kv_read_ms,
          e.step.weight_read_ms,
          e.step.compute_ms,
          e.step.interconnect_ms,
          e.step.overhead_ms,
          e.prefill_ms,
          opt(e.queue_ms),
          opt(e.utilization)};
}

/// Batch sizes of a sweep: powers of two up to the largest that fits, that largest, and the best.
std::vector<int> sweep_batches(int max_batch, std::optional<int> best) {
  std::set<int> batches;
  for (int b = 1; b <= max_batch; b *= 2) {
    batches.insert(b);
    if (b > max_batch / 2) {
      break;
    }
  }
  batches.insert(max_batch);
  if (best) {
    batches.insert(*best);
  }
  return {batches.begin(), batches.end()};
}

/// A note when copies of the model on fewer chips each (data parallel) out-serve the one
/// tensor-parallel group of all the chips at the same limits, by more than 1%.
std::optional<std::string> better_layout(const ModelSpec& model, const Accelerator& accelerator,
                                         const EstimateRequest& request, const BatchLimits& limits, const Estimator& whole) {
  const auto whole_best = best_batch(whole, limits);
  double best_rate = whole_best ? whole_best->output_tokens_per_s : 0;
  std::optional<Layout> best_layout;
  for (const int tp : tensor_parallel_degrees(model, request.chips)) {
    if (tp == request.chips) {
      continue;
    }
    EstimateRequest r = request;
    r.chips = tp;
    const int dp = request.chips / tp;
    if (r.load_requests_per_s) {
      *r.load_requests_per_s /= dp;
    }
    const Estimator e(model, accelerator, r);
    if (e.max_batch() < 1) {
      continue;
    }
    if (const auto b = best_batch(e, limits); b && b->output_tokens_per_s * dp > best_rate * 1.01) {
      best_rate = b->output_tokens_per_s * dp;
      best_layout = Layout{tp, dp};
    }
  }
  if (!best_layout) {
    return std::nullopt;
  }
  return fmt::format("layout: {} ({} copies on {} chip{} each) would serve {:.0f} output tokens/s at these limits, "
                     "{}: --tp {} shows it (cost, size and plan pick the layout themselves)",
                     to_string(*best_layout), best_layout->dp, best_layout->tp, best_layout->tp == 1 ? "" : "s", best_rate,
                     whole_best ? fmt::format("{:.2f}× the single TP{} group", best_rate / whole_best->output_tokens_per_s,
                                              request.chips)
                                : fmt::format("where no batch of the single TP{} group meets them", request.chips),
                     best_layout->tp);
}

int run_fidelity(Context& ctx, const EstimateFlags& f) {
  // The measured points are judged against the specs and presets tpuplan ships, whatever
  // --data or --config say (those change prices and offerings, not what was measured).
  const DataSet data = decode_dataset(embedded_dataset_bytes());
  Report report;
  report.command = "estimate";
  report.inputs["fidelity"] = true;
  report.inputs["data"] = "embedded";
  if (!f.efficiency.empty()) {
    report.inputs["efficiency"] = f.efficiency;
  }
  Table t;
  t.name = "fidelity";
  t.title = f.efficiency.empty()
                ? "Estimates with the default efficiencies vs measured throughput and latency"
                : "Estimates with the defaults overridden by --efficiency " + f.efficiency + " vs measurements";
  t.columns = {{"id", "point", 0, false, "engine/model/accelerator/parallelism/precision/workload"},
               {"group", "group", 0, false, "calibration (perfmodel §3.1) or holdout (same sources)"},
               {"metric", "metric", 0, false, "what was measured"},
               {"batch", "batch", 0, false, "batch the estimate used"},
               {"estimated", "estimated", 1, false, "tpuplan's estimate"},
               {"measured", "measured", 1, false, "the published measurement (per model replica)"},
               {"error_pct", "error %", 1, false, "estimated ÷ measured − 1, in percent"},
               {"source", "source", 0, true, "where the measurement comes from"},
               {"note", "note", 0, true, "how the workload was read from the source"}};
  std::vector<CalibrationResult> calibration;
  std::vector<CalibrationResult> holdout;
  for (CalibrationPoint point : calibration_points()) {
    if (!f.efficiency.empty()) {
      // Sensitivity: the same overrides on top of every point's family defaults.
      const Accelerator& a = data.catalog.accelerator(point.accelerator);
      const auto e = std::find_if(data.engines.begin(), data.engines.end(),
                                  [&](const Engine& x) { return x.id == point.engine_id; });
      point.request.efficiency =
          parse_efficiency(f.efficiency, engine_efficiency(e == data.engines.end() ? nullptr : &*e, a), "--efficiency");
    }
    CalibrationResult r = run_calibration_point(point, data);
    t.rows.push_back({r.point.id, r.point.group, std::string(to_string(r.point.metric)),
                      static_cast<std::int64_t>(r.batch), r.estimated, r.point.measured, r.error * 100,
                      r.point.source, r.point.note});
    (r.point.group == "calibration" ? calibration : holdout).push_back(std::move(r));
  }
  const auto summary = [](const char* name, const std::vector<CalibrationResult>& rs) {
    double worst = 0;
    for (const auto& r : rs) {
      worst = std::max(worst, std::abs(r.error));
    }
    return fmt::format("{}: {} points, median |error| {:.1f}%, worst {:.1f}%", name, rs.size(),
                       median_abs_error(rs) * 100, worst * 100);
  };
  t.notes.push_back(summary("calibration", calibration));
  t.notes.push_back(summary("holdout", holdout));
  // Output tokens/s alone, the figure sizing and cost rest on; TPU points apart.
  const auto throughput = [&](const std::vector<CalibrationResult>& rs, bool tpu_only) {
    std::vector<CalibrationResult> out;
    for (const auto& r : rs) {
      if (r.point.metric == CalibrationMetric::output_tokens_per_s &&
          (!tpu_only || data.catalog.accelerator(r.point.accelerator).kind == AcceleratorKind::tpu)) {
        out.push_back(r);
      }
    }
    return out;
  };
  // The share of held-out measurements inside the band `estimate` prints for them.
  ErrorBands band_source(data);
  std::map<std::pair<std::string, std::string>, ErrorBand> bands;
  const auto inside = [&](const std::vector<CalibrationResult>& rs) {
    std::size_t in = 0;
    for (const auto& r : rs) {
      const Accelerator& a = data.catalog.accelerator(r.point.accelerator);
      auto it = bands.find({r.point.engine_id, a.family});
      if (it == bands.end()) {
        it = bands.emplace(std::make_pair(r.point.engine_id, a.family), band_source.band(r.point.engine_id, a)).first;
      }
      in += r.point.measured >= it->second.low(r.estimated) && r.point.measured <= it->second.high(r.estimated) ? 1 : 0;
    }
    return fmt::format("; {} of {} measured values inside the error band ({:.0f}%)", in, rs.size(),
                       rs.empty() ? 0.0 : 100.0 * static_cast<double>(in) / static_cast<double>(rs.size()));
  };
  if (f.efficiency.empty()) {
    t.notes.push_back(summary("holdout output tokens/s", throughput(holdout, false)) + inside(throughput(holdout, false)));
    t.notes.push_back(summary("holdout output tokens/s on TPU", throughput(holdout, true)) +
                      inside(throughput(holdout, true)));
  } else {
    t.notes.push_back(summary("holdout output tokens/s", throughput(holdout, false)));
    t.notes.push_back(summary("holdout output tokens/s on TPU", throughput(holdout, true)));
  }
  report.tables.push_back(std::move(t));

  // Error by engine and accelerator family, calibration and holdout apart.
  Table g;
  g.name = "fidelity_by_engine";
  g.title = "Error by engine × accelerator family (all metrics)";
  g.columns = {{"engine", "engine", 0, false, "data/engines.yaml id whose factors the estimates used (- = none)"},
               {"family", "family", 0, false, "accelerator family"},
               {"group", "group", 0, false, "calibration (factors fitted on them) or holdout"},
               {"points", "points", 0, false, "measured points"},
               {"median_abs_error_pct", "median |err| %", 1, false, "median of |estimated ÷ measured − 1|"},
               {"worst_abs_error_pct", "worst |err| %", 1, false, "largest |estimated ÷ measured − 1|"}};
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<CalibrationResult>> groups;
  for (const auto* rs : {&calibration, &holdout}) {
    for (const auto& r : *rs) {
      groups[{r.point.engine_id.empty() ? "-" : r.point.engine_id, point_family(r.point, data), r.point.group}]
          .push_back(r);
    }
  }
  for (const auto& [key, rs] : groups) {
    double worst = 0;
    for (const auto& r : rs) {
      worst = std::max(worst, std::abs(r.error));
    }
    g.rows.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), static_cast<std::int64_t>(rs.size()),
                      median_abs_error(rs) * 100, worst * 100});
  }
  report.tables.push_back(std::move(g));
  report.notes.push_back("docs/accuracy.md discusses each group and the limits of the model");
  ctx.emit(report);
  return 0;
}

int run_estimate(Context& ctx, const EstimateFlags& f) {
  if (f.fidelity) {
    return run_fidelity(ctx, f);
  }
  if (!f.calibrate.empty()) {
    if (!f.accelerator.empty() || f.chips != 0 || !f.offering.empty()) {
      throw Error(ErrorKind::usage, "--calibrate takes the accelerator and chips from the profile",
                  "drop --accelerator, --chips and --offering");
    }
    const DataSet& data = ctx.data();
    const auto request_for = [&f, &data](const ProfiledHardware& hw) {
      return to_request(f, Slice{hw.accelerator, hw.chips, hw.offering}, std::nullopt,
                        resolve_engine(data.engines, f, *hw.accelerator));
    };
    return run_estimate_calibrate(ctx, {f.calibrate, f.model, f.fit, request_for});
  }
  if (f.model.empty()) {
    throw Error(ErrorKind::usage, "--model is required", "e.g. tpuplan estimate --model 70b --accelerator v6e --chips 8");
  }
  const DataSet& data = ctx.data();
  const ResolvedModel resolved = resolve_model(f.model, data.models);
  const ModelSpec& model = resolved.spec;
  const Slice slice = resolve_slice(data.catalog, f);
  const Accelerator& accelerator = *slice.accelerator;
  const std::optional<CalibrationFit> calibration = load_calibration(f.calibration, ctx);
  const Engine* engine = resolve_engine(data.engines, f, accelerator);
  EstimateRequest request = to_request(f, slice, calibration, engine);
  // --tp splits the slice into copies of the model, each a tensor-parallel group of tp chips:
  // the estimator models one copy, and every row is of all the copies.
  int dp = 1;
  if (f.tp) {
    if (*f.tp < 1 || slice.chips % *f.tp != 0) {
      throw Error(ErrorKind::usage, fmt::format("--tp: {} does not divide the slice's {} chips", *f.tp, slice.chips),
                  "accepted: a divisor of the chips (the slice runs chips ÷ tp copies of the model)");
    }
    dp = slice.chips / static_cast<int>(*f.tp);
    request.chips = static_cast<int>(*f.tp);
    if (request.load_requests_per_s) {
      *request.load_requests_per_s /= dp;
    }
  }
  const Estimator est(model, accelerator, request);
  est.require_fit();

  BatchLimits limits;
  if (f.ttft_ms > 0) {
    limits.ttft_ms = f.ttft_ms;
  }
  if (f.tpot_ms > 0) {
    limits.tpot_ms = f.tpot_ms;
  }
  if (f.max_batch > 0) {
    limits.max_batch = f.max_batch;
  } else if (engine != nullptr && engine->max_batch) {
    limits.max_batch = engine->max_batch;
  }
  const int fixed_batch = f.batch > 0 ? f.batch : f.concurrency;
  if (fixed_batch > 0 && fixed_batch % dp != 0) {
    throw Error(ErrorKind::usage,
                fmt::format("--batch: {} sequences do not split evenly over the {} copies of --tp {}", fixed_batch, dp,
                            request.chips),
                fmt::format("give a multiple of {} (the batch is of the whole slice)", dp));
  }
  if (fixed_batch / dp > est.max_batch()) {
    throw Error(ErrorKind::infeasible,
                fmt::format("batch {} does not fit: at most {} sequences of {:g} tokens fit beside the weights",
                            fixed_batch, est.max_batch() * dp, est.admission_tokens()),
                "lower --batch, shorten the sequences, or add chips");
  }

  Report report;
  report.command = "estimate";
  report.inputs["model"] = model.id;
  report.inputs["model_resolved_from"] = resolved.resolved_from;
  report.inputs["accelerator"] = accelerator.id;
  report.inputs["chips"] = slice.chips;
  report.inputs["layout"] = to_string(Layout{request.chips, dp});
  if (slice.offering != nullptr) {
    report.inputs["offering"] = slice.offering->id;
  }
  report.inputs["engine"] = engine != nullptr ? engine->id : std::string("none");
  report.inputs["precision"] = std::string(to_string(request.weights));
  report.inputs["kv_precision"] = std::string(to_string(request.kv));
  report.inputs["input_tokens"] = request.input_tokens;
  report.inputs["output_tokens"] = request.output_tokens;
  report.inputs["mode"] = std::string(to_string(request.mode));
  report.inputs["kv_read"] = std::string(to_string(request.kv_read));
  if (request.kv_read == KvRead::padded) {
    report.inputs["cache_tokens"] = est.admission_tokens();
  }
  if (fixed_batch > 0) {
    report.inputs["batch"] = fixed_batch;
  }
  if (request.load_requests_per_s) {
    report.inputs["load_requests_per_s"] = *request.load_requests_per_s;
  }
  if (limits.ttft_ms) {
    report.inputs["ttft_ms_limit"] = *limits.ttft_ms;
  }
  if (limits.tpot_ms) {
    report.inputs["tpot_ms_limit"] = *limits.tpot_ms;
  }
  if (limits.max_batch) {
    report.inputs["max_batch"] = *limits.max_batch;
  }
  report.assumptions = estimate_assumptions(est, model, accelerator);
  if (engine != nullptr) {
    for (auto& a : engine_assumptions(*engine, user_settings(f))) {
      report.assumptions.push_back(std::move(a));
    }
  }
  if (calibration) {
    add_calibration_assumptions(report, *calibration);
    if (!calibrated_efficiency(*calibration, accelerator)) {
      const std::string other = fmt::format("{} is of family {}, not {}: the calibration of {} does not apply, "
                                            "its defaults do",
                                            accelerator.id, accelerator.family, calibration->family, calibration->file);
      ctx.warn(other);
      report.notes.push_back(other);
    }
  }

  Table t;
  t.name = "estimate";
  t.title = fmt::format("{} on {} × {}{} ({} weights, {} KV), {:g} in / {:g} out tokens, {} batching, {} — estimates",
                        model.id, slice.chips, accelerator.id, dp > 1 ? " as " + to_string(Layout{request.chips, dp}) : "", to_string(request.weights), to_string(request.kv),
                        request.input_tokens, request.output_tokens, to_string(request.mode),
                        engine != nullptr ? engine->name : std::string("no engine"));
  t.columns = estimate_columns();
  const ErrorBand band = error_band(data, engine != nullptr ? engine->id : std::string(), accelerator);
  report.assumptions.push_back(
      {"error_band", fmt::format("×{:.3f}", std::exp(band.half_width)), "",
       fmt::format("output tokens/s low–high = estimate ÷ / × {:.3f}: {}{}", std::exp(band.half_width), band.basis,
                   calibration || !f.efficiency.empty() ? " (residuals of the shipped factors, not of --efficiency "
                                                          "or --calibration)"
                                                        : ""),
       "docs/accuracy.md §Error band"});

  Estimate explained;
  if (fixed_batch > 0) {
    // One given batch: "best" does not apply (no sweep); limits are checked and reported.
    explained = est.at(fixed_batch / dp);
    t.rows.push_back(estimate_row(replicate(explained, dp), Cell{}, band));
    if (limits.ttft_ms && (!explained.ttft_ms || *explained.ttft_ms > *limits.ttft_ms)) {
      t.notes.push_back(fmt::format("batch {} misses the TTFT limit of {:g} ms", fixed_batch, *limits.ttft_ms));
    }
    if (limits.tpot_ms && explained.tpot_ms > *limits.tpot_ms) {
      t.notes.push_back(fmt::format("batch {} misses the TPOT limit of {:g} ms", fixed_batch, *limits.tpot_ms));
    }
  } else {
    const auto best = best_batch(est, limits);
    const int cap = limits.max_batch ? std::min(*limits.max_batch, est.max_batch()) : est.max_batch();
    for (const int b : sweep_batches(cap, best ? std::optional<int>(best->batch) : std::nullopt)) {
      const Estimate e = est.at(b);
      t.rows.push_back(estimate_row(replicate(e, dp), Cell{best.has_value() && best->batch == b}, band));
    }
    if (best) {
      explained = *best;
      t.notes.push_back(fmt::format("best: batch {} — the largest that fits{}; throughput grows with the batch",
                                    best->batch * dp, limits.ttft_ms || limits.tpot_ms || limits.max_batch
                                                     ? " and meets the limits"
                                                     : ""));
    } else {
      explained = est.at(1);
      t.notes.push_back("no batch meets the limits (TTFT/TPOT/load); see the rows for how close each comes");
    }
  }
  t.notes.push_back(fmt::format("at most {} sequences of {:g} tokens fit ({} mode reserves input + output{})",
                                est.max_batch() * dp, est.admission_tokens(), to_string(request.mode),
                                request.kv_read == KvRead::padded ? ", padded to the cache length" : ""));
  if (dp > 1) {
    t.notes.push_back(fmt::format("--tp {}: {} copies of the model side by side, each on {} chips; batch, tokens/s "
                                  "and req/s are of all copies, latencies and HBM of one (--explain: one copy)",
                                  request.chips, dp, request.chips));
  } else if (!f.tp && fixed_batch == 0) {
    if (const auto better = better_layout(model, accelerator, request, limits, est)) {
      t.notes.push_back(*better);
    }
  }
  if (accelerator.kind == AcceleratorKind::gpu && slice.chips > accelerator.chips_per_host) {
    report.notes.push_back(fmt::format("tensor parallelism over {} GPUs spans hosts; the estimate uses {} bandwidth "
                                       "for every all-reduce, which an inter-host network does not reach",
                                       slice.chips, accelerator.interconnect.empty() ? "the interconnect's"
                                                                                     : accelerator.interconnect));
  }
  report.notes.push_back("figures are estimates of the roofline model (docs/methodology.md); measured error: "
                         "docs/accuracy.md, or 'tpuplan estimate --fidelity'");
  report.explain = explain_estimate(est, model, accelerator, explained);
  report.tables.push_back(std::move(t));
  ctx.emit(report);
  return 0;
}

} // namespace

Runner setup_estimate(CLI::App& sub) {
  sub.description("Estimate throughput (tokens/s), TTFT and TPOT of a model on an accelerator slice, per batch size. "
                  "Without --batch, sweeps batch sizes and marks the best.");
  auto f = std::make_shared<EstimateFlags>();
  sub.add_option("--model", f->model, "model preset, alias (70b) or path to a Hugging Face config.json");
  auto* acc = sub.add_option("--accelerator", f->accelerator, "accelerator id, e.g. v6e, h100");
  // Ranges are checked on the text, before CLI11 narrows it to an int.
  auto* chips = sub.add_option("--chips", f->chips, "chips in the tensor-parallel group")->check(CLI::Range(std::int64_t{1}, std::int64_t{100000}));
  auto* off = sub.add_option("--offering", f->offering, "an offering id or name (gives accelerator and chips)");
  off->excludes(acc)->excludes(chips);
  sub.add_option("--precision", f->precision, "weight precision: bf16, fp8, int8, int4, nvfp4, mxfp4 (FP4: accelerators with FP4 tensor cores)")->capture_default_str();
  sub.add_option("--kv-precision", f->kv_precision,
                 "KV-cache precision: bf16, fp8, int8 (default: the engine's for the weights)");
  add_engine_flag(sub, f->engine);
  sub.add_option("--input-tokens", f->input_tokens, "prompt tokens per request")->capture_default_str();
  sub.add_option("--output-tokens", f->output_tokens, "generated tokens per request")->capture_default_str();
  auto* batch = sub.add_option("--batch", f->batch, "concurrent sequences (one row instead of a sweep)")
                    ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  auto* conc = sub.add_option("--concurrency", f->concurrency, "same as --batch: concurrent requests")
                   ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  batch->excludes(conc);
  sub.add_option("--mode", f->mode, "continuous (in-flight batching) or static")->capture_default_str();
  sub.add_option("--efficiency", f->efficiency,
                 "override efficiency factors: compute=,memory=,interconnect=,latency_us=,overhead_ms=");
  sub.add_option("--kv-read", f->kv_read, "ragged (live tokens) or padded (whole cache per step); default: the engine's");
  sub.add_option("--cache-tokens", f->cache_tokens, "padded cache length per sequence (default: input + output)");
  auto* load = sub.add_option("--load", f->load, "offered load in requests/s: adds queueing to TTFT");
  auto* ttft = sub.add_option("--ttft-ms", f->ttft_ms, "TTFT limit for the best batch");
  auto* tpot = sub.add_option("--tpot-ms", f->tpot_ms, "TPOT limit for the best batch");
  sub.add_option("--tp", f->tp,
                 "tensor-parallel degree: the chips run chips ÷ TP copies of the model side by side (default: one "
                 "group of all the chips; a note names a layout that serves more)");
  auto* cap = sub.add_option("--max-batch", f->max_batch, "engine cap on concurrent sequences")->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  sub.add_option("--headroom", f->headroom_fraction,
                 "fraction of memory left free (default: the engine's, e.g. vLLM 0.10 of HBM)");
  sub.add_option("--overhead-gib", f->overhead_gib_per_chip, "runtime reserve per chip, GiB")->capture_default_str();
  auto* calibrate = sub.add_option("--calibrate", f->calibrate,
                                   "bench profile: fit the efficiency factors to its levels and show the error before "
                                   "and after (hardware from the profile; --model if its model is no preset)");
  sub.add_option("--fit", f->fit, "factors --calibrate fits: any of compute, memory, overhead")->capture_default_str();
  add_calibration_flags(sub, f->calibration);
  calibrate->excludes(sub.get_option("--calibration"));
  sub.add_flag("--fidelity", f->fidelity,
               "show the estimator next to the measured calibration set (with --efficiency: overrides applied to all)");
  return [f, batch, conc, load, ttft, tpot, cap](Context& ctx) {
    // A given count or limit must be positive (0 would silently mean "not given").
    const auto positive = [](const CLI::Option* option, double value, const char* what) {
      if (option->count() > 0 && !(value > 0)) {
        throw Error(ErrorKind::usage, fmt::format("{}: {} is not {}", option->get_name(), value, what));
      }
    };
    positive(batch, f->batch, "a batch size of at least 1");
    positive(conc, f->concurrency, "a concurrency of at least 1");
    positive(load, f->load, "a positive request rate");
    positive(ttft, f->ttft_ms, "a positive time");
    positive(tpot, f->tpot_ms, "a positive time");
    positive(cap, f->max_batch, "a batch size of at least 1");
    return run_estimate(ctx, *f);
  };
}

} // namespace tpuplan::app
