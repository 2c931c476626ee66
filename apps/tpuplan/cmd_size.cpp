// `tpuplan size`: the cheapest offering × precision × batch that holds a model, meets the
// latency targets and serves the load.
#include "command.hpp"
#include "flags.hpp"
#include "profiles.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/money/sizing.hpp>

#include <fmt/format.h>
#include <set>

namespace tpuplan::app {

namespace {

struct SizeFlags {
  std::string model;
  std::string precision = "bf16";
  std::string kv_precision = "bf16";
  double input_tokens = EstimateRequest{}.input_tokens;
  double output_tokens = EstimateRequest{}.output_tokens;
  std::optional<double> rate;
  std::optional<int> concurrency;
  std::optional<double> context;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::optional<int> max_batch;
  std::string tier = "on-demand";
  std::string objective = "usd-per-month";
  std::string mode = "continuous";
  std::string kv_read = "ragged";
  std::string efficiency;
  double headroom = MemoryOptions{}.headroom_fraction;
  double overhead_gib = MemoryOptions{}.overhead_gib_per_chip;
  PricingFlags pricing;
  FilterFlags filter;
  bool all = false;
  CalibrationFlags calibration;
};

std::vector<Precision> parse_precisions(const std::string& text) {
  if (text == "any") {
    return {Precision::bf16, Precision::fp8, Precision::int8, Precision::int4};
  }
  std::vector<Precision> out;
  for (const auto& item : split_list(text)) {
    out.push_back(parse_precision_flag("--precision", item));
  }
  if (out.empty()) {
    throw Error(ErrorKind::usage, "--precision: empty list", "accepted: any, or a list of bf16, fp8, int8, int4");
  }
  return out;
}

SizingQuery build_query(const SizeFlags& f, const ModelSpec& model, const Catalog& catalog) {
  SizingQuery q;
  q.model = model;
  q.precisions = parse_precisions(f.precision);
  q.request.kv = parse_precision_flag("--kv-precision", f.kv_precision);
  q.request.input_tokens = f.input_tokens;
  q.request.output_tokens = f.output_tokens;
  q.request.headroom_fraction = f.headroom;
  q.request.overhead_gib_per_chip = f.overhead_gib;
  if (f.context) {
    if (!(*f.context >= f.input_tokens + 1)) {
      throw Error(ErrorKind::usage,
                  fmt::format("--context: {:g} tokens cannot hold {:g} input tokens", *f.context, f.input_tokens));
    }
    q.request.cache_tokens = *f.context;
  }
  if (auto m = parse_batch_mode(f.mode)) {
    q.request.mode = *m;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--mode: unknown mode '{}'", f.mode), "accepted: continuous, static");
  }
  if (auto r = parse_kv_read(f.kv_read)) {
    q.request.kv_read = *r;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--kv-read: unknown value '{}'", f.kv_read), "accepted: ragged, padded");
  }
  q.efficiency_overrides = f.efficiency;
  if (f.rate && f.concurrency) {
    throw Error(ErrorKind::usage, "--rate and --concurrency are exclusive", "give the load one way");
  }
  if (f.rate && !(*f.rate > 0)) {
    throw Error(ErrorKind::usage, fmt::format("--rate: {:g} is not a positive number of requests per second", *f.rate));
  }
  if (f.concurrency && *f.concurrency < 1) {
    throw Error(ErrorKind::usage, fmt::format("--concurrency: {} is not a positive count", *f.concurrency));
  }
  for (const auto& [flag, value] : {std::pair{"--ttft-ms", f.ttft_ms}, {"--tpot-ms", f.tpot_ms}}) {
    if (value && !(*value > 0)) {
      throw Error(ErrorKind::usage, fmt::format("{}: {:g} is not a positive number of milliseconds", flag, *value));
    }
  }
  if (f.max_batch && *f.max_batch < 1) {
    throw Error(ErrorKind::usage, fmt::format("--max-batch: {} is not a positive count", *f.max_batch));
  }
  q.rate_requests_per_s = f.rate;
  q.concurrency = f.concurrency;
  q.limits.ttft_ms = f.ttft_ms;
  q.limits.tpot_ms = f.tpot_ms;
  q.limits.max_batch = f.max_batch;
  q.pricing = to_pricing_options(f.pricing);
  q.tier = parse_tier_flag("--tier", f.tier);
  if (auto o = parse_objective(f.objective)) {
    q.objective = *o;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--objective: unknown objective '{}'", f.objective),
                suggestion(f.objective, {"usd-per-month", "usd-per-million-tokens"}));
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
          {"precision", "prec", 0, false, "weight precision"},
          {"replicas", "replicas", 0, false, "copies of the offering the load needs"},
          {"batch", "batch", 0, false, "concurrent sequences per replica"},
          {"output_tokens_per_s", "out tok/s/replica", 0, false, "output tokens per second, one replica (estimate)"},
          {"served_output_tokens_per_s", "served tok/s", 0, true, "output tokens per second the replicas serve"},
          {"ttft_ms", "TTFT ms", 0, false, "time to first token (estimate, queueing included under --rate)"},
          {"tpot_ms", "TPOT ms", 1, false, "time per output token (estimate)"},
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
  const std::optional<CalibrationFit> calibration = load_calibration(f.calibration, ctx);
  if (calibration) {
    q.family_efficiency.emplace_back(calibration->family, calibration->after);
  }
  const SizingResult result = size_offerings(data.catalog, q);

  Report report;
  report.command = "size";
  report.inputs["model"] = f.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = f.precision;
  report.inputs["input_tokens"] = f.input_tokens;
  report.inputs["output_tokens"] = f.output_tokens;
  report.inputs["rate_requests_per_s"] = f.rate ? nlohmann::ordered_json(*f.rate) : nlohmann::ordered_json();
  report.inputs["concurrency"] = f.concurrency ? nlohmann::ordered_json(*f.concurrency) : nlohmann::ordered_json();
  report.inputs["ttft_ms"] = f.ttft_ms ? nlohmann::ordered_json(*f.ttft_ms) : nlohmann::ordered_json();
  report.inputs["tpot_ms"] = f.tpot_ms ? nlohmann::ordered_json(*f.tpot_ms) : nlohmann::ordered_json();
  report.inputs["tier"] = std::string(to_string(q.tier));
  report.inputs["objective"] = std::string(to_string(q.objective));
  add_pricing_assumptions(report, q.pricing);
  report.assumptions.push_back({"mode", std::string(to_string(q.request.mode)), "", "batching of the serving engine", ""});
  report.assumptions.push_back({"kv_read", std::string(to_string(q.request.kv_read)), "", "KV read per decode step", ""});
  report.assumptions.push_back({"efficiency", f.efficiency.empty() ? std::string("per-family defaults") : f.efficiency,
                                "", "estimator efficiency factors", "docs/methodology.md §Estimator"});
  if (calibration) {
    add_calibration_assumptions(report, *calibration);
  }

  Table t;
  t.name = "candidates";
  std::string target = fmt::format("Target: minimise {} in {}", to_string(q.objective), to_string(q.tier));
  if (q.limits.ttft_ms) {
    target += fmt::format(", TTFT ≤ {:g} ms", *q.limits.ttft_ms);
  }
  if (q.limits.tpot_ms) {
    target += fmt::format(", TPOT ≤ {:g} ms", *q.limits.tpot_ms);
  }
  if (q.rate_requests_per_s) {
    target += fmt::format(", {:g} requests/s", *q.rate_requests_per_s);
  } else if (q.concurrency) {
    target += fmt::format(", {} concurrent sequences", *q.concurrency);
  }
  t.title = fmt::format("{} — {} ({:g} in / {:g} out tokens)", target, model.spec.id, f.input_tokens, f.output_tokens);
  t.columns = size_columns();
  std::set<std::pair<std::string, Precision>> shown;
  bool first = true;
  for (const auto& c : result.feasible) {
    // One row per accelerator × precision (its best), unless --all.
    if (!f.all && !shown.insert({c.accelerator->id, c.precision}).second) {
      continue;
    }
    t.rows.push_back({first, c.offering->name, c.offering->id, c.offering->region, c.accelerator->id,
                      static_cast<std::int64_t>(c.offering->chips), std::string(to_string(c.precision)),
                      static_cast<std::int64_t>(c.replicas), static_cast<std::int64_t>(c.estimate.batch),
                      c.estimate.output_tokens_per_s, c.served_output_tokens_per_s, cell(c.estimate.ttft_ms),
                      c.estimate.tpot_ms, std::string(to_string(c.estimate.bound)), c.estimate.hbm_used_fraction,
                      c.usd_per_hour, c.usd_per_month, c.usd_per_million_output_tokens,
                      std::string(to_string(q.tier)), std::string("estimate")});
    first = false;
  }
  std::string rejected = fmt::format("considered {} offering × precision candidates; {} feasible", result.evaluated,
                                     result.feasible.size());
  for (RejectReason r : k_all_reject_reasons) {
    rejected += fmt::format(", {} {}", result.rejected[static_cast<std::size_t>(r)], to_string(r));
  }
  t.notes.push_back(rejected);
  if (!f.all) {
    t.notes.push_back("one row per accelerator × precision (its best); --all lists every feasible candidate");
  }
  if (model.resolved_from != "preset") {
    t.notes.push_back(fmt::format("model: {}", model.resolved_from));
  }
  t.notes.push_back("throughput and latency are estimates (docs/accuracy.md gives the estimator's measured error)");
  if (calibration) {
    t.notes.push_back(fmt::format("estimates for accelerator family {} use the factors fitted to {}",
                                  calibration->family, calibration->file));
  }
  report.tables.push_back(std::move(t));

  if (result.feasible.empty()) {
    std::string hint = "relax --ttft-ms/--tpot-ms, allow --precision any, or widen the filters";
    if (result.nearest) {
      const auto& n = *result.nearest;
      hint = fmt::format("nearest: {} in {} at batch 1 — TTFT {} ms, TPOT {:.1f} ms ({} by {:.0f}%)", n.offering->id,
                         to_string(n.precision), n.at_batch_1.ttft_ms ? fmt::format("{:.0f}", *n.at_batch_1.ttft_ms) : "-",
                         n.at_batch_1.tpot_ms, to_string(n.reason), (n.shortfall - 1) * 100);
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
                  "targets and serves a load.\n"
                  "Example: tpuplan size --model 405b --precision int8 --concurrency 32 --context 8192 --tpot-ms 50");
  sub.add_option("-m,--model", f->model, "preset, size alias (70b) or path to a Hugging Face config.json")->required();
  sub.add_option("--precision", f->precision, "weight precisions to consider: any, or a list of bf16,fp8,int8,int4")
      ->capture_default_str();
  sub.add_option("--kv-precision", f->kv_precision, "KV-cache precision: bf16, fp8, int8")->capture_default_str();
  sub.add_option("--input-tokens", f->input_tokens, "prompt tokens per request (mean)")->capture_default_str();
  sub.add_option("--output-tokens", f->output_tokens, "generated tokens per request (mean)")->capture_default_str();
  sub.add_option("--rate", f->rate, "offered load, requests per second");
  sub.add_option("--concurrency", f->concurrency, "sequences in flight (closed loop)");
  sub.add_option("--context", f->context, "tokens reserved per sequence (default: input + output)");
  sub.add_option("--ttft-ms", f->ttft_ms, "time-to-first-token target, ms");
  sub.add_option("--tpot-ms", f->tpot_ms, "time-per-output-token target, ms");
  sub.add_option("--max-batch", f->max_batch, "the serving engine's cap on concurrent sequences");
  sub.add_option("--tier", f->tier, "price tier: on-demand, spot, 1y, 3y")->capture_default_str();
  sub.add_option("--objective", f->objective, "usd-per-month or usd-per-million-tokens")->capture_default_str();
  sub.add_option("--mode", f->mode, "continuous or static batching")->capture_default_str();
  sub.add_option("--kv-read", f->kv_read, "ragged (live tokens) or padded (whole cache)")->capture_default_str();
  sub.add_option("--efficiency", f->efficiency, "override estimator factors, e.g. compute=0.5,memory=0.8");
  sub.add_option("--headroom", f->headroom, "fraction of HBM left free")->capture_default_str();
  sub.add_option("--overhead-gib", f->overhead_gib, "runtime reserve per chip, GiB")->capture_default_str();
  add_pricing_flags(sub, f->pricing);
  add_filter_flags(sub, f->filter);
  sub.add_flag("--all", f->all, "list every feasible candidate, not the best per accelerator × precision");
  add_calibration_flags(sub, f->calibration);
  return [f](Context& ctx) { return run_size(*f, ctx); };
}

} // namespace tpuplan::app
