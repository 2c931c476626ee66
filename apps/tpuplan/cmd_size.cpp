// `tpuplan size`: the cheapest offering × precision × batch that holds a model, meets the
// latency targets and serves the load.
#include "command.hpp"
#include "explain.hpp"
#include "flags.hpp"
#include "profiles.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/money/sizing.hpp>

#include <fmt/format.h>
#include <set>

namespace tpuplan::app {

namespace {

/// TPOT of interactive chat: MLPerf Inference v5.0's Llama-2-70B "Interactive" scenario bounds
/// p99 TPOT at 40 ms (and TTFT at 450 ms); a point more than twice slower is far from interactive.
constexpr double k_interactive_tpot_ms = 40;
constexpr double k_far_from_interactive = 2;

struct SizeFlags {
  std::string model;
  std::string precision = "bf16";
  std::string kv_precision; // empty: the engine's for the weights
  std::string engine;
  std::optional<std::int64_t> tp; // --tp, range-checked before narrowing
  WorkloadFlags workload;
  std::optional<int> max_batch;
  std::string tier = "on-demand";
  std::string objective = "usd-per-month";
  std::string mode = "continuous";
  std::string kv_read; // empty: the engine's
  std::string efficiency;
  std::optional<double> headroom; // absent: the engine's
  double overhead_gib = MemoryOptions{}.overhead_gib_per_chip;
  PricingFlags pricing;
  FilterFlags filter;
  bool all = false;
  CalibrationFlags calibration;
  std::string confidence = "central";
  CLI::Option* hours_option = nullptr;
};

std::vector<Precision> parse_precisions(const std::string& text) {
  if (text == "any") {
    return {Precision::bf16, Precision::fp8, Precision::int8, Precision::int4, Precision::nvfp4, Precision::mxfp4};
  }
  std::vector<Precision> out;
  for (const auto& item : split_list(text)) {
    out.push_back(parse_precision_flag("--precision", item));
  }
  if (out.empty()) {
    throw Error(ErrorKind::usage, "--precision: empty list", "accepted: any, or a list of bf16, fp8, int8, int4, nvfp4, mxfp4");
  }
  return out;
}

SizingQuery build_query(const SizeFlags& f, const ModelSpec& model, const Catalog& catalog) {
  SizingQuery q;
  q.perf.model = model;
  q.precisions = parse_precisions(f.precision);
  MemoryFlags memory_flags;
  memory_flags.kv_precision = f.kv_precision;
  memory_flags.headroom_fraction = f.headroom;
  const EngineSettings user = to_engine_settings(memory_flags);
  q.perf.kv = user.kv.value_or(Precision::bf16);
  q.perf.headroom_fraction = user.headroom_fraction.value_or(MemoryOptions{}.headroom_fraction);
  q.perf.user = user;
  q.perf.overhead_gib_per_chip = f.overhead_gib;
  q.workload = to_workload(f.workload);
  if (q.workload.curve && f.hours_option->count() > 0) {
    throw Error(ErrorKind::usage, "--load-curve and --hours are exclusive: the curve says which hours run",
                "leave out --hours; `tpuplan plan` splits the curve into committed, on-demand and spot replicas");
  }
  if (auto m = parse_batch_mode(f.mode)) {
    q.perf.mode = *m;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--mode: unknown mode '{}'", f.mode), "accepted: continuous, static");
  }
  if (f.kv_read.empty()) {
    // the engine's
  } else if (auto r = parse_kv_read(f.kv_read)) {
    q.perf.kv_read = *r;
    q.perf.user.kv_read = *r;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--kv-read: unknown value '{}'", f.kv_read), "accepted: ragged, padded");
  }
  q.perf.efficiency_overrides = f.efficiency;
  if (f.max_batch && *f.max_batch < 1) {
    throw Error(ErrorKind::usage, fmt::format("--max-batch: {} is not a positive count", *f.max_batch));
  }
  q.perf.max_batch = f.max_batch;
  q.pricing = to_pricing_options(f.pricing);
  if (q.workload.tokens_per_day && q.pricing.hours_per_day <= 0) {
    throw Error(ErrorKind::usage, "--tokens-per-day needs --hours above 0");
  }
  q.tier = parse_tier_flag("--tier", f.tier);
  if (auto o = parse_objective(f.objective)) {
    q.objective = *o;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--objective: unknown objective '{}'", f.objective),
                suggestion(f.objective, objective_names()));
  }
  q.filter = to_filter(catalog, f.filter);
  return q;
}

std::vector<Column> size_columns() {
  return {{"chosen", "chosen", 0, false, "the option the search picks (best objective)"},
          {"offering", "offering", 0, false, "the provider's name of what is rented"},
          {"offering_id", "id", 0, true, "<name>@<region>"},
          {"region", "region", 0, false, "the cloud region of the price"},
          {"accelerator", "accel", 0, false, "accelerator id"},
          {"chips", "chips", 0, false, "chips per replica"},
          {"layout", "layout", 0, false,
           "copies × tensor-parallel group on a replica's chips (4×TP2: four copies on two chips each)"},
          {"precision", "prec", 0, false, "weight precision"},
          {"replicas", "replicas", 0, false, "copies of the offering the load needs"},
          {"batch", "batch", 0, false, "concurrent sequences per replica"},
          {"output_tokens_per_s", "out tok/s/replica", 0, false, "output tokens per second, one replica (estimate)"},
          {"served_output_tokens_per_s", "served tok/s", 0, true, "output tokens per second the replicas serve"},
          {"capacity_requests_per_s", "capacity req/s", 2, true,
           "the most requests/s one replica takes within the SLO, queueing included"},
          {"ttft_ms", "TTFT ms", 0, false, "time to first token at the TTFT percentile (estimate, queueing included under a load)"},
          {"tpot_ms", "TPOT ms", 1, false, "time per output token at the TPOT percentile (estimate)"},
          {"bound", "bound", 0, true, "what limits a decode step"},
          {"hbm_used_fraction", "HBM used", 2, true, "weights + reserve + batch KV ÷ HBM"},
          {"usd_per_hour", "$/h", 2, false, "price per hour of all replicas in the tier"},
          {"usd_per_month", "$/month", 0, false, "monthly bill of all replicas at --hours per day"},
          {"usd_per_million_output_tokens", "$/1M out", 3, false, "cost per million output tokens served"},
          {"tier", "tier", 0, true, "the price tier the cost is taken in"},
          {"figures", "figures", 0, true, "'estimate': computed by the roofline estimator"}};
}

int run_size(const SizeFlags& f, Context& ctx) {
  const DataSet& data = ctx.data();
  const ResolvedModel model = resolve_model(f.model, data.models);
  SizingQuery q = build_query(f, model.spec, data.catalog);
  const EngineSettings user = q.perf.user;
  set_engine(q.perf, data, f.engine, user);
  set_tp(q.perf, f.tp);
  const std::optional<CalibrationFit> calibration = load_calibration(f.calibration, ctx);
  if (calibration) {
    q.perf.family_efficiency.emplace_back(calibration->family, calibration->after);
  }
  std::vector<Assumption> confidence =
      set_confidence(q.perf, data, f.confidence, filtered_accelerators(data.catalog, q.filter));
  const SizingResult result = size_offerings(data.catalog, q);
  const Workload& w = q.workload;

  Report report;
  report.command = "size";
  report.inputs["model"] = f.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = f.precision;
  report.inputs["tier"] = std::string(to_string(q.tier));
  report.inputs["objective"] = std::string(to_string(q.objective));
  add_workload_inputs(report, w);
  add_pricing_assumptions(report, q.pricing);
  report.assumptions.push_back({"context_tokens", w.context(), "tokens",
                                "tokens each sequence may grow to (--context, default input + output); memory reserves "
                                "them for every sequence in the batch",
                                ""});
  report.assumptions.push_back({"mode", std::string(to_string(q.perf.mode)), "", "batching of the serving engine", ""});
  report.assumptions.push_back({"kv_read", q.perf.user.kv_read ? std::string(to_string(q.perf.kv_read)) : "engine's",
                                "", "KV read per decode step", ""});
  add_engine_report(report, q.perf, filtered_accelerators(data.catalog, q.filter));
  add_layout_report(report, q.perf);
  report.assumptions.push_back({"efficiency", f.efficiency.empty() ? std::string("per-family defaults") : f.efficiency,
                                "", "estimator efficiency factors", "docs/methodology.md §Estimator"});
  if (calibration) {
    add_calibration_assumptions(report, *calibration);
  }
  add_confidence_report(report, f.confidence, std::move(confidence));

  Table t;
  t.name = "candidates";
  std::string target = fmt::format("Target: minimise {} in {}", to_string(q.objective), to_string(q.tier));
  if (w.slo.ttft_ms || w.slo.tpot_ms) {
    target += ", " + slo_targets(w.slo);
  }
  if (w.curve) {
    target += fmt::format(", the curve's peak {:g} requests/s", w.curve->peak());
  } else if (const auto r = w.requests_per_s(q.pricing.hours_per_day)) {
    target += fmt::format(", {:g} requests/s", *r);
  } else if (w.concurrency) {
    target += fmt::format(", {} concurrent sequences", *w.concurrency);
  }
  t.title = fmt::format("{} — {} ({:g} in / {:g} out tokens, {:g}-token context)", target, model.spec.id,
                        w.input_tokens, w.output_tokens, w.context());
  t.columns = size_columns();
  std::set<std::pair<std::string, Precision>> shown;
  bool first = true;
  for (const auto& c : result.feasible) {
    // One row per accelerator × precision (its best), unless --all.
    if (!f.all && !shown.insert({c.accelerator->id, c.precision}).second) {
      continue;
    }
    t.rows.push_back({first, c.offering->name, c.offering->id, c.offering->region, c.accelerator->id,
                      static_cast<std::int64_t>(c.offering->chips), to_string(c.capacity.layout), std::string(to_string(c.precision)),
                      static_cast<std::int64_t>(c.replicas), static_cast<std::int64_t>(c.estimate.batch),
                      c.estimate.output_tokens_per_s, c.served_output_tokens_per_s, c.capacity.max_requests_per_s,
                      cell(c.estimate.slo_ttft_ms()), c.estimate.slo_tpot_ms(), std::string(to_string(c.estimate.bound)),
                      c.estimate.hbm_used_fraction, c.usd_per_hour, c.usd_per_month, c.usd_per_million_output_tokens,
                      std::string(to_string(q.tier)), std::string("estimate")});
    first = false;
  }
  std::string rejected = fmt::format("considered {} offering × precision candidates; {} feasible", result.evaluated,
                                     result.feasible.size());
  for (RejectReason r : k_all_reject_reasons) {
    rejected += fmt::format(", {} {}", result.rejected[static_cast<std::size_t>(r)], to_string(r));
  }
  t.notes.push_back(rejected);
  t.notes.push_back("comparison: " + comparison_basis(w, q.pricing.hours_per_day));
  if (!f.all) {
    t.notes.push_back("one row per accelerator × precision (its best); --all lists every feasible candidate");
  }
  if (model.resolved_from != "preset") {
    t.notes.push_back(fmt::format("model: {}", model.resolved_from));
  }
  for (const auto& p : result.problems) {
    t.notes.push_back("not estimated: " + p);
  }
  t.notes.push_back(fmt::format("throughput and latency are estimates at the {} percentile of TTFT and {} of TPOT "
                                "(docs/accuracy.md gives the estimator's measured error)",
                                percentile_name(w.slo.ttft_quantile), percentile_name(w.slo.tpot_quantile)));
  for (const Precision p : q.precisions) {
    if (is_fp4(p)) {
      t.notes.push_back(fp4_note(data.catalog, p));
    }
  }
  if (calibration) {
    t.notes.push_back(fmt::format("estimates for accelerator family {} use the factors fitted to {}",
                                  calibration->family, calibration->file));
  }
  if (!result.feasible.empty() && !w.slo.tpot_ms) {
    const SizingCandidate& chosen = result.feasible.front();
    const double tpot = chosen.estimate.slo_tpot_ms();
    if (tpot > k_far_from_interactive * k_interactive_tpot_ms) {
      const std::string warning = fmt::format(
          "no --tpot-ms target: the chosen {} runs at {} TPOT {:.0f} ms ({:.1f} tokens/s per stream), far slower than "
          "interactive chat (MLPerf Inference v5.0 Interactive: p99 TPOT ≤ {:g} ms); add --tpot-ms {:g} to size for it",
          chosen.offering->id, percentile_name(w.slo.tpot_quantile), tpot, 1e3 / tpot, k_interactive_tpot_ms,
          k_interactive_tpot_ms);
      ctx.warn(warning);
      t.notes.push_back(warning);
    }
  }
  report.tables.push_back(std::move(t));
  if (!result.feasible.empty()) {
    // --explain: why the chosen option wins, and its arithmetic with its own numbers.
    const SizingCandidate& c = result.feasible.front();
    MemoryOptions memory;
    memory.weights = c.precision;
    memory.kv = q.perf.kv;
    memory.headroom_fraction = q.perf.headroom_fraction;
    memory.overhead_gib_per_chip = q.perf.overhead_gib_per_chip;
    memory.context_tokens = w.context();
    memory = q.perf.memory_for(*c.accelerator, memory);
    ExplainedServing s;
    s.output_tokens_per_s = c.estimate.output_tokens_per_s;
    s.batch = c.estimate.batch;
    s.capacity_requests_per_s = c.capacity.planned_requests_per_s;
    s.load_requests_per_s = w.curve ? std::optional<double>(w.curve->peak()) : w.requests_per_s(q.pricing.hours_per_day);
    s.replicas = c.replicas;
    s.served_output_tokens_per_s = c.served_output_tokens_per_s;
    s.per_token_tiers = {q.tier};
    const auto objective = [&](double v) {
      switch (q.objective) {
      case Objective::usd_per_month:
        return "$" + format_human_number(v, 0) + "/month";
      case Objective::usd_per_million_tokens:
        return "$" + format_human_number(v, 3) + " per 1M output tokens";
      case Objective::chips:
        return format_human_number(v, 0) + " chips";
      }
      return format_human_number(v, 3);
    };
    report.explain.push_back(fmt::format(
        "chosen: {} in {}, the lowest {} ({}) of {} feasible candidates{}", c.offering->id, to_string(c.precision),
        to_string(q.objective), objective(c.objective), result.feasible.size(),
        result.feasible.size() > 1 ? fmt::format("; next: {} in {} ({})", result.feasible[1].offering->id,
                                                 to_string(result.feasible[1].precision),
                                                 objective(result.feasible[1].objective))
                                   : ""));
    const auto lines = explain_option(*c.offering, fit_memory(q.perf.model, *c.accelerator, c.offering->chips, memory),
                                      memory, q.pricing, s);
    report.explain.insert(report.explain.end(), lines.begin(), lines.end());
    report.explain.push_back(fmt::format("{} bill of the replicas = {}/month × {} = {}/month", to_string(q.tier),
                                         "$" + format_human_number(c.usd_per_month / c.replicas, 0), c.replicas,
                                         "$" + format_human_number(c.usd_per_month, 0)));
  }

  if (result.feasible.empty()) {
    std::string hint = "relax --ttft-ms/--tpot-ms, allow --precision any, or widen the filters";
    const auto count = [&](RejectReason r) { return result.rejected[static_cast<std::size_t>(r)]; };
    const int unpriced = count(RejectReason::unpriced);
    const int no_fit = count(RejectReason::does_not_fit);
    if (unpriced > 0 && count(RejectReason::misses_ttft) == 0 && count(RejectReason::misses_tpot) == 0) {
      // The real cause is the tier (or the filters), not the latency or the precision.
      hint = fmt::format("{} {} that hold{} the model and meet{} the targets {} no sourced {} price: try another "
                         "--tier (on-demand, spot, 1y, 3y){}",
                         unpriced, unpriced == 1 ? "candidate" : "candidates", unpriced == 1 ? "s" : "",
                         unpriced == 1 ? "s" : "", unpriced == 1 ? "has" : "have", to_string(q.tier),
                         no_fit > 0 ? fmt::format("; {} more do not hold it (--precision any tries smaller weights)",
                                                  no_fit)
                                    : "");
    } else if (result.nearest) {
      const auto& n = *result.nearest;
      hint = fmt::format("nearest: {} in {} at batch 1 — TTFT {} ms, TPOT {:.1f} ms ({} by {:.0f}%)", n.offering->id,
                         to_string(n.precision),
                         n.at_batch_1.slo_ttft_ms() ? fmt::format("{:.0f}", *n.at_batch_1.slo_ttft_ms()) : "-",
                         n.at_batch_1.slo_tpot_ms(), to_string(n.reason), (n.shortfall - 1) * 100);
    }
    throw Error(ErrorKind::infeasible, fmt::format("no option meets the request for {} ({})", model.spec.id, rejected),
                hint);
  }
  ctx.emit(report);
  return 0;
}

} // namespace

Runner setup_size(CLI::App& sub) {
  auto f = std::make_shared<SizeFlags>();
  sub.description("Right-size: the cheapest offering × precision × batch that holds a model, meets TTFT/TPOT "
                  "targets at their percentiles and serves a load.\n"
                  "Example: tpuplan size --model 405b --precision int8 --concurrency 32 --context 8192 --tpot-ms 50");
  sub.add_option("-m,--model", f->model, "preset, size alias (70b) or path to a Hugging Face config.json")->required();
  as_list(sub.add_option("--precision", f->precision, "weight precisions to consider: any, or a list of bf16,fp8,int8,int4")
              ->capture_default_str());
  sub.add_option("--kv-precision", f->kv_precision,
                 "KV-cache precision: bf16, fp8, int8 (default: the engine's for the weights)");
  add_engine_flag(sub, f->engine);
  add_tp_flag(sub, f->tp);
  add_confidence_flag(sub, f->confidence);
  add_workload_flags(sub, f->workload, k_open_load | k_concurrency | k_curve);
  sub.add_option("--max-batch", f->max_batch, "the serving engine's cap on concurrent sequences")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000})); // on the text, before CLI11 narrows it to an int
  sub.add_option("--tier", f->tier, "price tier: on-demand, spot, 1y, 3y")->capture_default_str();
  sub.add_option("--objective", f->objective, "usd-per-month, usd-per-million-tokens or chips")->capture_default_str();
  sub.add_option("--mode", f->mode, "continuous or static batching")->capture_default_str();
  sub.add_option("--kv-read", f->kv_read, "ragged (live tokens) or padded (whole cache); default: the engine's");
  sub.add_option("--efficiency", f->efficiency, "override estimator factors, e.g. compute=0.5,memory=0.8");
  sub.add_option("--headroom", f->headroom, "fraction of memory left free (default: the engine's)");
  sub.add_option("--overhead-gib", f->overhead_gib, "runtime reserve per chip, GiB")->capture_default_str();
  add_pricing_flags(sub, f->pricing);
  f->hours_option = sub.get_option("--hours");
  add_filter_flags(sub, f->filter);
  sub.add_flag("--all", f->all, "list every feasible candidate, not the best per accelerator × precision");
  add_calibration_flags(sub, f->calibration);
  return [f](Context& ctx) { return run_size(*f, ctx); };
}

} // namespace tpuplan::app
