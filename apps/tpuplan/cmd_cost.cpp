// `tpuplan cost`: monthly (and hourly) cost of every option that holds a model, by tier.
#include "breakeven_tables.hpp"
#include "command.hpp"
#include "cost_table.hpp"
#include "explain.hpp"
#include "flags.hpp"
#include "profiles.hpp"

#include <tpuplan/money/cost.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/perf/estimate.hpp>
#include <tpuplan/perf/fidelity.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

struct CostFlags {
  std::string model;
  MemoryFlags memory;
  std::string engine;
  std::optional<std::int64_t> tp; // --tp, range-checked before narrowing
  PricingFlags pricing;
  FilterFlags filter;
  WorkloadFlags workload;
  std::string tier;
  std::string sort = "usd-per-million-tokens";
  bool all = false;
  std::vector<std::string> measured;
  CalibrationFlags calibration;
  CLI::Option* hours_option = nullptr;
};

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

int run_cost(const CostFlags& flags, Context& ctx) {
  const DataSet& data = ctx.data();
  CostQuery query;
  const ResolvedModel model = resolve_model(flags.model, data.models);
  query.workload = to_workload(flags.workload);
  const Workload& workload = query.workload;
  if (workload.curve && flags.hours_option->count() > 0) {
    throw Error(ErrorKind::usage, "--load-curve and --hours are exclusive: the curve says which hours run",
                "leave out --hours; `tpuplan plan` splits the curve into committed, on-demand and spot replicas");
  }
  query.memory = to_memory_options(flags.memory);
  query.memory.context_tokens = workload.context();
  query.pricing = to_pricing_options(flags.pricing);
  if (workload.tokens_per_day && query.pricing.hours_per_day <= 0) {
    throw Error(ErrorKind::usage, "--tokens-per-day needs --hours above 0");
  }
  query.filter = to_filter(data.catalog, flags.filter);
  if (!flags.tier.empty()) {
    query.rank_tier = parse_tier_flag("--tier", flags.tier);
  }
  if (const auto o = parse_objective(flags.sort)) {
    query.sort = *o;
  } else {
    throw Error(ErrorKind::usage, fmt::format("--sort: unknown objective '{}'", flags.sort),
                suggestion(flags.sort, objective_names()));
  }
  query.all = flags.all;
  query.perf.model = model.spec;
  query.perf.kv = query.memory.kv;
  query.perf.headroom_fraction = query.memory.headroom_fraction;
  query.perf.overhead_gib_per_chip = query.memory.overhead_gib_per_chip;
  set_engine(query.perf, data, flags.engine, to_engine_settings(flags.memory));
  set_tp(query.perf, flags.tp);
  // Profiles are read only when named: `cost` without them stays a few-millisecond command.
  MeasuredOptions measured_options;
  measured_options.slo = {workload.slo.ttft_ms, workload.slo.tpot_ms};
  measured_options.percentile = parse_slo_percentile(flags.workload.slo_percentile).value_or(SloPercentile::p90);
  const std::vector<MeasuredProfile> profiles = load_measured(flags.measured, model.spec, measured_options, ctx);
  for (const auto& m : profiles) {
    query.also_show.push_back(offering_pick(m.figure));
  }
  const std::optional<CalibrationFit> calibration = load_calibration(flags.calibration, ctx);
  if (calibration) {
    query.perf.family_efficiency.emplace_back(calibration->family, calibration->after);
  }
  const CostResult result = compare_costs(data.catalog, query);
  const bool load = workload.has_load();
  const bool slo = workload.slo.ttft_ms || workload.slo.tpot_ms;

  Report report;
  report.command = "cost";
  report.inputs["model"] = flags.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = std::string(to_string(query.memory.weights));
  report.inputs["hours_per_day"] = query.pricing.hours_per_day;
  report.inputs["rank_tier"] = query.rank_tier ? std::string(to_string(*query.rank_tier)) : "cheapest";
  report.inputs["sort"] = std::string(to_string(query.sort));
  report.inputs["all"] = flags.all;
  add_workload_inputs(report, workload);
  for (const auto& [key, value] : {std::pair{"kind", flags.filter.kind}, {"cloud", flags.filter.cloud},
                                   {"region", flags.filter.region}}) {
    if (!value.empty()) {
      report.inputs[key] = value;
    }
  }
  add_pricing_assumptions(report, query.pricing);
  add_memory_assumptions(report, query.memory, query.perf.user);
  add_engine_report(report, query.perf, filtered_accelerators(data.catalog, query.filter));
  add_layout_report(report, query.perf);
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
  const std::string rank_tier = query.rank_tier ? std::string(to_string(*query.rank_tier)) : "each row's cheapest tier";
  table.title = fmt::format("{} in {} at {:g} h/day — {}", model.spec.name.empty() ? model.spec.id : model.spec.name,
                            to_string(query.memory.weights), query.pricing.hours_per_day,
                            flags.all ? "every matching offering"
                                      : fmt::format("per accelerator the best option by {} ({})", to_string(query.sort),
                                                    rank_tier));
  table.columns = cost_columns(load, slo);
  // What goes first when the table must fit a terminal: where the throughput comes from (unless a
  // profile was given), then the region and the throughput itself; the bills and $/1M stay.
  set_priority(table, {"region"}, 1);
  set_priority(table, {"output_tokens_per_s"}, 2);
  set_priority(table, {"figures"}, profiles.empty() ? 0 : 3);
  set_priority(table, {"chips", "cheapest_tier", "ttft_ms", "tpot_ms", "usd_per_month_3y", "usd_per_month_1y"}, 3);
  set_priority(table, {"accelerator", "usd_per_month_on_demand", "usd_per_month_spot",
                       "usd_per_million_output_tokens_on_demand", "usd_per_million_output_tokens_spot",
                       "usd_per_million_output_tokens_low", "usd_per_million_output_tokens_high"},
               4);
  set_priority(table, {"replicas", "usd_per_month_load_on_demand", "usd_per_month_load_spot", "usd_per_month_load_1y",
                       "usd_per_month_load_3y"},
               5);
  table.notes.push_back("comparison: " + comparison_basis(workload, query.pricing.hours_per_day));
  // The error band of each accelerator's estimates (its engine × family residuals, computed once
  // per accelerator kind), named once per engine × family in the assumptions.
  ErrorBands bands(data);
  auto band_of = [&](const Accelerator& a) {
    const Engine* engine = query.perf.engine_for(a);
    return bands.band(engine != nullptr ? engine->id : std::string(), a);
  };
  std::vector<bool> shown(profiles.size(), false);
  bool any_measured = false;
  std::vector<std::string> missing_limits; // hold the model, but no batch meets the SLO
  for (const auto& row : result.rows) {
    bool replaced = false;
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      const MeasuredThroughput& m = profiles[i].figure;
      if (!measures(m, *row.offering)) {
        continue;
      }
      // One row per profile of the hardware: two servers measured on it are compared side by side.
      table.rows.push_back(cost_row(row, query.memory.weights, measured(m, workload, query.pricing.hours_per_day)));
      const Efficiency efficiency = calibrated_or_default(*row.accelerator, calibration, {}, query.perf.engine_for(*row.accelerator));
      table.notes.push_back(
          measured_note(m, row, estimate_at_level(m, row, query.perf.model, query.memory, efficiency)));
      shown[i] = replaced = true;
      any_measured = any_measured || m.found;
    }
    if (!replaced && row.fit.fits && !row.capacity) {
      missing_limits.push_back(row.offering->id + (row.estimate_problem.empty() ? "" : " (" + row.estimate_problem + ")"));
    }
    if (!replaced) {
      table.rows.push_back(cost_row(row, query.memory.weights,
                                    estimated(row, band_of(*row.accelerator), workload, query.pricing.hours_per_day)));
    }
  }
  // Each band once per engine × family, in the assumptions.
  std::vector<std::string> band_keys;
  for (const auto& row : result.rows) {
    if (!estimated(row).output_tokens_per_s) {
      continue; // no estimate, no band
    }
    const Engine* engine = query.perf.engine_for(*row.accelerator);
    const std::string key = fmt::format("error_band_{}_{}", row.accelerator->family, engine != nullptr ? engine->id : "none");
    if (std::find(band_keys.begin(), band_keys.end(), key) != band_keys.end()) {
      continue;
    }
    band_keys.push_back(key);
    const ErrorBand band = band_of(*row.accelerator);
    const double f = std::exp(band.half_width);
    report.assumptions.push_back(
        {key, fmt::format("×{:.3f}", f), "",
         fmt::format("{} on {} ({} family): $/1M low–high = the estimate's tokens/s × / ÷ {:.3f}: {}",
                     engine != nullptr ? engine->name : std::string("no engine"), row.accelerator->id,
                     row.accelerator->family, f, band.basis),
         "docs/accuracy.md §Error band"});
  }
  if (!band_keys.empty()) {
    table.notes.push_back("$/1M low–high: the error band of each estimate (calibration residuals of its engine × "
                          "accelerator family; `tpuplan estimate --fidelity`) carried to the price; budget for high");
  }
  if (model.resolved_from != "preset") {
    table.notes.push_back(fmt::format("model: {}", model.resolved_from));
  }
  if (is_fp4(query.memory.weights)) {
    table.notes.push_back(fp4_note(data.catalog, query.memory.weights));
  }
  for (const auto& [id, largest] : result.too_small) {
    table.notes.push_back(fmt::format("{}: no offering holds the model (largest tried: {}, {} × {:g} GiB)", id,
                                      largest->id, largest->chips, data.catalog.accelerator(id).hbm_gib));
  }
  if (workload.curve) {
    table.notes.push_back(fmt::format("replicas serve the curve's peak hour ({} requests/s) every hour; `tpuplan plan` "
                                      "commits for the base and rents the peak by the hour",
                                      format_human_number(workload.curve->peak(), 2)));
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
    } else if (const std::string mismatch = workload_mismatch(m, workload.input_tokens, workload.output_tokens);
               !mismatch.empty()) {
      table.notes.push_back(mismatch);
    }
  }
  std::string slo_text;
  if (slo) {
    slo_text = " meeting " + slo_targets(workload.slo);
  }
  table.notes.push_back(fmt::format("throughput is {} at each option's best batch{} for {:g} input / {:g} output "
                                    "tokens{}",
                                    profiles.empty() ? "an estimate" : "measured where 'figures' names a profile, else an estimate",
                                    slo_text, workload.input_tokens, workload.output_tokens,
                                    load ? "; $/1M tokens divides the replicas' bill by the tokens of the load"
                                         : "; $/1M tokens assumes the hours paid for are fully used"));
  if (!missing_limits.empty()) {
    std::string ids;
    for (const auto& id : missing_limits) {
      ids += (ids.empty() ? "" : ", ") + id;
    }
    table.notes.push_back(fmt::format("no batch meets the latency targets on {}: no throughput", ids));
  }
  for (const auto& id : result.missing_slo) {
    table.notes.push_back(fmt::format("{}: holds the model, but no batch meets the latency targets", id));
  }
  if (calibration) {
    table.notes.push_back(fmt::format("estimates for accelerator family {} use the factors fitted to {}",
                                      calibration->family.empty() ? calibration->accelerator : calibration->family,
                                      calibration->file));
  }
  table.notes.push_back("an empty price means no sourced price for that tier; see `tpuplan catalog show ID`");
  report.tables.push_back(std::move(table));
  // --explain: the arithmetic of the first option that holds the model, with its numbers.
  for (const auto& row : result.rows) {
    if (!row.fit.fits) {
      continue;
    }
    const Throughput tp = estimated(row);
    ExplainedServing s;
    s.output_tokens_per_s = tp.output_tokens_per_s;
    s.batch = tp.batch;
    if (row.capacity) {
      s.capacity_requests_per_s = row.capacity->planned_requests_per_s;
    }
    s.load_requests_per_s = workload.curve ? std::optional<double>(workload.curve->peak())
                                           : workload.requests_per_s(query.pricing.hours_per_day);
    s.replicas = tp.replicas;
    s.served_output_tokens_per_s = tp.served_output_tokens_per_s;
    report.explain.push_back(fmt::format("the first option that holds the model, step by step (formulas: "
                                         "docs/methodology.md; the estimate's own arithmetic: tpuplan estimate "
                                         "--model {} --offering {} --explain)",
                                         flags.model, row.offering->name));
    const auto lines = explain_option(*row.offering, row.fit, query.memory, query.pricing, s);
    report.explain.insert(report.explain.end(), lines.begin(), lines.end());
    break;
  }

  // --format svg: the monthly bill of each option (of the load, with one), one bar per tier.
  Chart chart;
  chart.table = "offerings";
  chart.kind = ChartKind::bar;
  chart.title = fmt::format("Monthly cost of {} at {:g} h/day{}, by tier", model.spec.id, query.pricing.hours_per_day,
                            load ? " for the load" : " (one replica)");
  chart.x = "offering_id";
  for (Tier t : k_all_tiers) {
    chart.y.push_back("usd_per_month_load_" + tier_key(t));
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
  sub.description("Monthly and hourly cost, by pricing tier, of the TPU and GPU options that hold a model: per "
                  "accelerator the best option for --sort, at the workload's load when one is given.\n"
                  "Example: tpuplan cost --model 70b --rate 5 --tpot-ms 50");
  sub.add_option("-m,--model", flags->model, "preset, size alias (70b) or path to a Hugging Face config.json")
      ->required();
  add_memory_flags(sub, flags->memory);
  add_engine_flag(sub, flags->engine);
  add_tp_flag(sub, flags->tp);
  add_pricing_flags(sub, flags->pricing);
  flags->hours_option = sub.get_option("--hours");
  add_filter_flags(sub, flags->filter);
  add_workload_flags(sub, flags->workload, k_open_load | k_curve);
  sub.add_option("--tier", flags->tier, "rank in this tier: on-demand, spot, 1y, 3y (default: each row's cheapest)");
  sub.add_option("--sort", flags->sort,
                 "rank by usd-per-million-tokens, usd-per-month (of the load; one replica without) or chips")
      ->capture_default_str();
  sub.add_flag("--all", flags->all, "every matching offering in every region, not the best per accelerator");
  sub.add_option("--measured", flags->measured,
                 "bench profile (tpuplan.bench/v1): its measured throughput replaces the estimate of the offering it "
                 "ran on (repeatable)");
  add_calibration_flags(sub, flags->calibration);
  return [flags](Context& ctx) { return run_cost(*flags, ctx); };
}

} // namespace tpuplan::app
