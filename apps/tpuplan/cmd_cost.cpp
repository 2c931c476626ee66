// `tpuplan cost`: monthly (and hourly) cost of every option that holds a model, by tier.
#include "breakeven_tables.hpp"
#include "command.hpp"
#include "cost_table.hpp"
#include "flags.hpp"
#include "profiles.hpp"

#include <tpuplan/money/cost.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace tpuplan::app {

namespace {

struct CostFlags {
  std::string model;
  MemoryFlags memory;
  PricingFlags pricing;
  FilterFlags filter;
  std::string tier;
  bool all = false;
  double input_tokens = EstimateRequest{}.input_tokens;
  double output_tokens = EstimateRequest{}.output_tokens;
  std::optional<double> rate;
  std::optional<double> tokens_per_day;
  std::vector<std::string> measured;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  std::string slo_percentile = "p90";
  CalibrationFlags calibration;
};

/// The estimate at the row's best batch (the most output tokens per second memory and the
/// latency limits allow).
std::optional<Estimate> row_estimate(const CostRow& r, const ModelSpec& model, const CostFlags& flags,
                                     const MemoryOptions& memory, const Efficiency& efficiency,
                                     const BatchLimits& limits) {
  if (!r.fit.fits) {
    return std::nullopt;
  }
  EstimateRequest request;
  request.chips = r.offering->chips;
  request.weights = memory.weights;
  request.kv = memory.kv;
  request.input_tokens = flags.input_tokens;
  request.output_tokens = flags.output_tokens;
  request.cache_tokens = memory.context_tokens;
  request.headroom_fraction = memory.headroom_fraction;
  request.overhead_gib_per_chip = memory.overhead_gib_per_chip;
  request.efficiency = efficiency;
  const Estimator estimator(model, *r.accelerator, request);
  return best_batch(estimator, limits);
}

/// The estimate at a measured level's own point: its achieved concurrency and workload, so the
/// two figures can be compared (calibrate.hpp's predict_level, the same arithmetic).
std::optional<double> estimate_at_level(const MeasuredThroughput& m, const CostRow& r, const ModelSpec& model,
                                        const MemoryOptions& memory, const Efficiency& efficiency) {
  if (!m.found || !m.input_tokens_per_request || !m.output_tokens_per_request ||
      !(*m.input_tokens_per_request >= 1) || !(*m.output_tokens_per_request >= 1) || !(m.mean_in_flight > 0)) {
    return std::nullopt;
  }
  CalibrationRequest request;
  request.model = model;
  request.accelerator = r.accelerator;
  request.chips = r.offering->chips;
  request.base.weights = memory.weights;
  request.base.kv = memory.kv;
  request.base.headroom_fraction = memory.headroom_fraction;
  request.base.overhead_gib_per_chip = memory.overhead_gib_per_chip;
  CalibrationLevel level;
  level.batch = m.mean_in_flight;
  level.input_tokens = *m.input_tokens_per_request;
  level.output_tokens = *m.output_tokens_per_request;
  return predict_level(request, level, efficiency).output_tokens_per_s;
}

/// What a measured row's note says: the level, and the estimate at the same point.
std::string measured_note(const MeasuredThroughput& m, const CostRow& r, std::optional<double> estimate) {
  std::string note = fmt::format("{} ({}): {}", r.offering->name, m.file, m.selection);
  if (m.found) {
    note += fmt::format(", {:.0f} output tokens/s", m.output_tokens_per_s);
    if (estimate) {
      note += fmt::format("; the estimate at {:.1f} requests in flight and the profile's workload is {:.0f} "
                          "(measured ÷ estimate {:.2f})",
                          m.mean_in_flight, *estimate, m.output_tokens_per_s / *estimate);
    }
  }
  if (!r.fit.fits) {
    note += "; tpuplan's memory model says it does not hold the model at --precision and --context, yet the "
            "server ran it (a smaller precision or context?)";
  }
  return note;
}

/// The offered load in requests per second while the service runs, from --rate or --tokens-per-day.
std::optional<double> load_of(const CostFlags& flags, const PricingOptions& pricing) {
  if (!(flags.input_tokens >= 1) || !(flags.output_tokens >= 1)) {
    throw Error(ErrorKind::usage, "--input-tokens and --output-tokens must be at least 1");
  }
  if (flags.rate && flags.tokens_per_day) {
    throw Error(ErrorKind::usage, "--rate and --tokens-per-day are exclusive", "give the load one way");
  }
  if (flags.rate) {
    if (!(*flags.rate > 0)) {
      throw Error(ErrorKind::usage, fmt::format("--rate: {:g} is not a positive number of requests per second", *flags.rate));
    }
    return flags.rate;
  }
  if (flags.tokens_per_day) {
    if (!(*flags.tokens_per_day > 0)) {
      throw Error(ErrorKind::usage, fmt::format("--tokens-per-day: {:g} is not a positive count", *flags.tokens_per_day));
    }
    if (pricing.hours_per_day <= 0) {
      throw Error(ErrorKind::usage, "--tokens-per-day needs --hours above 0");
    }
    // Tokens per day count input and output; they arrive during the hours the service runs.
    return *flags.tokens_per_day / (flags.input_tokens + flags.output_tokens) / (pricing.hours_per_day * k_seconds_per_hour);
  }
  return std::nullopt;
}

int run_cost(const CostFlags& flags, Context& ctx) {
  const DataSet& data = ctx.data();
  CostQuery query;
  const ResolvedModel model = resolve_model(flags.model, data.models);
  query.model = model.spec;
  query.memory = to_memory_options(flags.memory);
  query.pricing = to_pricing_options(flags.pricing);
  query.filter = to_filter(data.catalog, flags.filter);
  if (!flags.tier.empty()) {
    query.rank_tier = parse_tier_flag("--tier", flags.tier);
  }
  query.all = flags.all;
  const std::optional<double> load_requests_per_s = load_of(flags, query.pricing);
  BatchLimits limits;
  for (const auto& [flag, value] : {std::pair{"--ttft-ms", flags.ttft_ms}, {"--tpot-ms", flags.tpot_ms}}) {
    if (value && !(*value > 0)) {
      throw Error(ErrorKind::usage, fmt::format("{}: {:g} is not a positive number of milliseconds", flag, *value));
    }
  }
  limits.ttft_ms = flags.ttft_ms;
  limits.tpot_ms = flags.tpot_ms;
  // Profiles are read only when named: `cost` without them stays a few-millisecond command.
  MeasuredOptions measured_options;
  measured_options.slo = {flags.ttft_ms, flags.tpot_ms};
  if (auto p = parse_slo_percentile(flags.slo_percentile)) {
    measured_options.percentile = *p;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--slo-percentile: unknown value '{}'", flags.slo_percentile),
                "accepted: p50, p90, p95, p99");
  }
  const std::vector<MeasuredProfile> profiles = load_measured(flags.measured, model.spec, measured_options, ctx);
  for (const auto& m : profiles) {
    query.also_show.push_back(offering_pick(m.figure));
  }
  const std::optional<CalibrationFit> calibration = load_calibration(flags.calibration, ctx);
  const CostResult result = compare_costs(data.catalog, query);

  Report report;
  report.command = "cost";
  report.inputs["model"] = flags.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = std::string(to_string(query.memory.weights));
  report.inputs["hours_per_day"] = query.pricing.hours_per_day;
  report.inputs["rank_tier"] = query.rank_tier ? std::string(to_string(*query.rank_tier)) : "cheapest";
  report.inputs["all"] = flags.all;
  report.inputs["input_tokens"] = flags.input_tokens;
  report.inputs["output_tokens"] = flags.output_tokens;
  if (load_requests_per_s) {
    report.inputs["load_requests_per_s"] = *load_requests_per_s;
  }
  for (const auto& [key, value] : {std::pair{"kind", flags.filter.kind}, {"cloud", flags.filter.cloud},
                                   {"region", flags.filter.region}}) {
    if (!value.empty()) {
      report.inputs[key] = value;
    }
  }
  if (limits.ttft_ms) {
    report.inputs["ttft_ms_limit"] = *limits.ttft_ms;
  }
  if (limits.tpot_ms) {
    report.inputs["tpot_ms_limit"] = *limits.tpot_ms;
  }
  add_pricing_assumptions(report, query.pricing);
  add_memory_assumptions(report, query.memory);
  if (calibration) {
    add_calibration_assumptions(report, *calibration);
  }
  if (!profiles.empty()) {
    report.inputs["measured"] = nlohmann::ordered_json::array();
    report.inputs["slo_percentile"] = std::string(to_string(measured_options.percentile));
  }
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const auto& m = profiles[i].figure;
    report.inputs["measured"].push_back(m.file);
    report.assumptions.push_back({fmt::format("measured_profile_{}", i + 1), m.file, "",
                                  fmt::format("{} × {} measured serving '{}'; {}", m.chips, m.accelerator, m.model,
                                              m.selection),
                                  "tpuplan bench profile (docs/bench.md)"});
  }

  Table table;
  table.name = "offerings";
  table.title = fmt::format("{} in {} at {:g} h/day — {}", model.spec.name.empty() ? model.spec.id : model.spec.name,
                            to_string(query.memory.weights), query.pricing.hours_per_day,
                            flags.all ? "every matching offering" : "smallest offering per accelerator that holds it");
  table.columns = cost_columns();
  std::set<std::string> dates;
  std::vector<bool> shown(profiles.size(), false);
  bool any_measured = false;
  std::vector<std::string> missing_limits; // hold the model, but no batch meets --ttft-ms/--tpot-ms
  for (const auto& row : result.rows) {
    const Efficiency efficiency = calibrated_or_default(*row.accelerator, calibration);
    const auto estimate = row_estimate(row, query.model, flags, query.memory, efficiency, limits);
    bool replaced = false;
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      const MeasuredThroughput& m = profiles[i].figure;
      if (!measures(m, *row.offering)) {
        continue;
      }
      // One row per profile of the hardware: two servers measured on it are compared side by side.
      table.rows.push_back(cost_row(row, query.memory.weights, measured(m, load_requests_per_s, flags.output_tokens)));
      table.notes.push_back(
          measured_note(m, row, estimate_at_level(m, row, query.model, query.memory, efficiency)));
      shown[i] = replaced = true;
      any_measured = any_measured || m.found;
    }
    if (!replaced && row.fit.fits && !estimate) {
      missing_limits.push_back(row.offering->id);
    }
    if (!replaced) {
      table.rows.push_back(
          cost_row(row, query.memory.weights, estimated(estimate, load_requests_per_s, flags.output_tokens)));
    }
    for (Tier t : k_all_tiers) {
      if (const auto& p = row.offering->price(t)) {
        dates.insert(p->as_of);
      }
    }
  }
  if (model.resolved_from != "preset") {
    table.notes.push_back(fmt::format("model: {}", model.resolved_from));
  }
  for (const auto& [id, largest] : result.too_small) {
    table.notes.push_back(fmt::format("{}: no offering holds the model (largest tried: {}, {} × {:g} GiB)", id,
                                      largest->id, largest->chips, data.catalog.accelerator(id).hbm_gib));
  }
  table.notes.push_back("commitments (1y, 3y) bill every hour of the month whatever --hours says; "
                        "on-demand and spot bill the hours used");
  table.notes.push_back(fmt::format("spot includes a {:g}% preemption overhead; spot capacity can be reclaimed at any "
                                    "time (30 s notice on Google Cloud) and has no availability guarantee",
                                    query.pricing.spot_overhead * 100));
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const auto& m = profiles[i].figure;
    if (!shown[i]) {
      ctx.warn(fmt::format("{}: no offering of {} × {}{} matches the filters; not shown", m.file, m.chips,
                           m.accelerator, m.offering_name.empty() ? "" : " (" + m.offering_name + ")"));
    } else if (const std::string mismatch = workload_mismatch(m, flags.input_tokens, flags.output_tokens);
               !mismatch.empty()) {
      table.notes.push_back(mismatch);
    }
  }
  std::string slo;
  if (limits.ttft_ms || limits.tpot_ms) {
    slo = fmt::format(" meeting{}{} (estimates: mean latencies; measured: {} of the level)",
                      limits.ttft_ms ? fmt::format(" TTFT ≤ {:g} ms", *limits.ttft_ms) : "",
                      limits.tpot_ms ? fmt::format(" TPOT ≤ {:g} ms", *limits.tpot_ms) : "",
                      to_string(measured_options.percentile));
  }
  table.notes.push_back(fmt::format("throughput is {} at each option's best batch{} for {:g} input / {:g} output "
                                    "tokens; $/1M tokens assumes the hours paid for are fully used",
                                    profiles.empty() ? "an estimate" : "measured where 'figures' names a profile, else an estimate",
                                    slo, flags.input_tokens, flags.output_tokens));
  if (!missing_limits.empty()) {
    std::string ids;
    for (const auto& id : missing_limits) {
      ids += (ids.empty() ? "" : ", ") + id;
    }
    table.notes.push_back(fmt::format("no batch meets the latency limits on {}: no throughput", ids));
  }
  if (calibration) {
    table.notes.push_back(fmt::format("estimates for accelerator family {} use the factors fitted to {}",
                                      calibration->family.empty() ? calibration->accelerator : calibration->family,
                                      calibration->file));
  }
  table.notes.push_back("an empty price means no sourced price for that tier; see `tpuplan catalog show ID`");
  if (!dates.empty()) {
    table.notes.push_back(fmt::format("prices as of {} … {}", *dates.begin(), *dates.rbegin()));
  }
  report.tables.push_back(std::move(table));

  // --format svg: the monthly bill of each option, one bar per tier (chart.hpp draws it).
  Chart chart;
  chart.table = "offerings";
  chart.kind = ChartKind::bar;
  chart.title = fmt::format("Monthly cost of {} at {:g} h/day, by tier", model.spec.id, query.pricing.hours_per_day);
  chart.x = "offering_id";
  for (Tier t : k_all_tiers) {
    chart.y.push_back("usd_per_month_" + tier_key(t));
    chart.y_labels.emplace_back(to_string(t));
  }
  chart.x_title = "option (offering@region)";
  chart.y_title = "monthly cost (USD)";
  report.charts.push_back(std::move(chart));

  const bool any_fits = std::any_of(result.rows.begin(), result.rows.end(), [](const CostRow& r) { return r.fit.fits; });
  if (!any_fits && !any_measured) {
    std::string hint = "try --precision int8 or int4, a shorter --context, or remove filters";
    throw Error(ErrorKind::infeasible,
                fmt::format("no offering holds {} in {} with a {:g}-token context", model.spec.id,
                            to_string(query.memory.weights), query.memory.context_tokens),
                hint);
  }
  ctx.emit(report);
  return 0;
}

} // namespace

Runner setup_cost(CLI::App& sub) {
  auto flags = std::make_shared<CostFlags>();
  sub.description("Monthly and hourly cost, by pricing tier, of every TPU and GPU option that holds a model.\n"
                  "Example: tpuplan cost --model 70b --hours 8 --region us-central1");
  sub.add_option("-m,--model", flags->model, "preset, size alias (70b) or path to a Hugging Face config.json")
      ->required();
  add_memory_flags(sub, flags->memory);
  add_pricing_flags(sub, flags->pricing);
  add_filter_flags(sub, flags->filter);
  sub.add_option("--tier", flags->tier, "rank by this tier: on-demand, spot, 1y, 3y (default: each row's cheapest)");
  sub.add_flag("--all", flags->all, "every matching offering, not only the smallest per accelerator");
  sub.add_option("--input-tokens", flags->input_tokens, "prompt tokens per request (mean), for throughput")
      ->capture_default_str();
  sub.add_option("--output-tokens", flags->output_tokens, "generated tokens per request (mean), for throughput")
      ->capture_default_str();
  sub.add_option("--rate", flags->rate, "load in requests per second: adds replicas and the monthly total");
  sub.add_option("--tokens-per-day", flags->tokens_per_day,
                 "load in tokens (input + output) per day, served during --hours: adds replicas and the monthly total");
  sub.add_option("--measured", flags->measured,
                 "bench profile (tpuplan.bench/v1): its measured throughput replaces the estimate of the offering it "
                 "ran on (repeatable)");
  sub.add_option("--ttft-ms", flags->ttft_ms, "time-to-first-token limit for the best batch and the measured level, ms");
  sub.add_option("--tpot-ms", flags->tpot_ms, "time-per-output-token limit for the best batch and the measured level, ms");
  sub.add_option("--slo-percentile", flags->slo_percentile,
                 "percentile of a measured level's TTFT and TPOT the limits apply to: p50, p90, p95, p99")
      ->capture_default_str();
  add_calibration_flags(sub, flags->calibration);
  return [flags](Context& ctx) { return run_cost(*flags, ctx); };
}

} // namespace tpuplan::app
