// `tpuplan plan`: the fleet plan under a load curve — for each option, how many replicas to
// commit for 1 or 3 years, how many to rent on demand or on spot each hour, the monthly bill,
// the cost per token, and which platform wins. Formulas: lib/tpuplan/money/plan, docs/plan.md.
#include "breakeven_tables.hpp"
#include "command.hpp"
#include "flags.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/money/plan.hpp>

#include <fmt/format.h>

namespace tpuplan::app {

namespace {

struct PlanFlags {
  std::string model;
  MemoryFlags memory;
  std::string engine;
  std::optional<std::int64_t> tp; // --tp, range-checked before narrowing
  std::string confidence = "central";
  PricingFlags pricing;
  FilterFlags filter;
  WorkloadFlags workload;
  SpotModel spot;
  bool all = false;
  CLI::Option* hours_option = nullptr;
};

constexpr const char* k_weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

std::string hour_label(std::size_t h, bool weekly) {
  return weekly ? fmt::format("{} {:02d}:00", k_weekdays[h / 24], h % 24) : fmt::format("{:02d}:00", h);
}

std::string term_name(const std::optional<Tier>& term) { return term ? std::string(to_string(*term)) : "none"; }

std::string kind_name(const Accelerator& a) { return a.kind == AcceleratorKind::tpu ? "tpu" : "gpu"; }

std::vector<Column> plan_columns() {
  return {{"offering", "option", 0, false, "offering id (name@region), one region per offering (docs/workload.md)"},
          {"accelerator", "accel", 0, true, "accelerator id"},
          {"kind", "kind", 0, false, "tpu or gpu"},
          {"chips", "chips", 0, true, "chips per replica"},
          {"capacity_requests_per_s", "req/s/replica", 2, false,
           "requests/s one replica is planned for: within the SLO, queueing included, less --capacity-headroom"},
          {"peak_replicas", "peak", 0, false, "replicas the busiest hour needs"},
          {"mean_replicas", "mean", 1, true, "replicas needed on average over the period"},
          {"term", "term", 0, false, "commitment: none, 1y or 3y"},
          {"committed", "commit", 0, false, "replicas committed for the term (billed every hour)"},
          {"peak_on_demand", "OD peak", 0, false, "the most replicas rented on demand in any hour"},
          {"peak_spot", "spot peak", 0, false, "the most replicas rented on spot in any hour"},
          {"committed_usd_per_month", "commit $/month", 0, true, "committed replicas × rate × hours in the month"},
          {"on_demand_usd_per_month", "OD $/month", 0, true, "on-demand replica-hours × on-demand rate"},
          {"spot_usd_per_month", "spot $/month", 0, true,
           "spot replica-hours × spot rate × (1 + preemptions/h × recovery hours): replacements included"},
          {"usd_per_month", "$/month", 0, false, "the monthly bill of the plan"},
          {"usd_per_million_output_tokens", "$/1M out", 3, false, "the bill ÷ the output tokens the curve asks for"},
          {"savings_vs_on_demand_percent", "vs OD %", 1, false,
           "saving against renting every replica on demand each hour (no commitment, no spot)"},
          {"commit_breakeven_hours_per_day", "commit b/e h/day", 1, true,
           "24 × commitment ÷ on-demand: a replica needed more hours a day than this is committed (without spot); "
           "breakeven's figure for the same offering"},
          {"spot_short_replica_hours_per_month", "spot short rep-h", 1, true,
           "replica-hours a month the fleet runs short while preempted spot slices recover"},
          {"best", "best", 0, false, "the cheapest term of this option"},
          {"verdict", "plan", 0, false, "what the plan buys"}};
}

std::vector<Column> hour_columns() {
  return {{"offering", "option", 0, false, "the best plan of each platform"},
          {"kind", "kind", 0, false, "tpu or gpu"},
          {"term", "term", 0, true, "its commitment"},
          {"hour", "hour", 0, false, "hour of the period: 0–23 of the day, or 0–167 of the week from Monday 00:00"},
          {"hour_label", "at", 0, false, "the hour as a time (UTC for a Prometheus export)"},
          {"load_requests_per_s", "req/s", 2, false, "the curve: mean arrival rate in this hour"},
          {"load_replicas", "load replicas", 2, false, "the load in replicas: rate ÷ one replica's planned capacity"},
          {"needed", "needed", 0, false, "replicas the hour needs (whole, N+1 included)"},
          {"committed", "committed", 0, false, "committed replicas (serving or idle)"},
          {"on_demand", "on-demand", 0, false, "replicas rented on demand"},
          {"spot", "spot", 0, false, "replicas rented on spot"},
          {"usd_per_hour", "$/h", 2, false, "what this hour costs: commitments' share + on-demand + spot"}};
}

int run_plan(const PlanFlags& f, Context& ctx) {
  const DataSet& data = ctx.data();
  const ResolvedModel model = resolve_model(f.model, data.models);
  PlanQuery q;
  q.workload = to_workload(f.workload);
  q.pricing = to_pricing_options(f.pricing);
  if (q.workload.curve && f.hours_option->count() > 0) {
    throw Error(ErrorKind::usage, "--load-curve and --hours are exclusive: the curve says which hours run",
                "--hours H with --rate R plans the flat curve of R requests/s for H hours a day");
  }
  if (!q.workload.curve) {
    const auto rate = q.workload.requests_per_s(q.pricing.hours_per_day);
    if (!rate) {
      throw Error(ErrorKind::usage, "plan needs a load: --load-curve, or --rate or --tokens-per-day with --hours",
                  "e.g. --load-curve examples/diurnal-chat.csv, or --rate 5 --hours 8");
    }
    q.workload.curve = flat_curve(*rate, q.pricing.hours_per_day);
    q.workload.rate_requests_per_s.reset();
    q.workload.tokens_per_day.reset();
  }
  q.memory = to_memory_options(f.memory);
  q.memory.context_tokens = q.workload.context();
  q.filter = to_filter(data.catalog, f.filter);
  q.perf.model = model.spec;
  q.perf.kv = q.memory.kv;
  q.perf.headroom_fraction = q.memory.headroom_fraction;
  q.perf.overhead_gib_per_chip = q.memory.overhead_gib_per_chip;
  set_engine(q.perf, data, f.engine, to_engine_settings(f.memory));
  set_tp(q.perf, f.tp);
  std::vector<Assumption> confidence =
      set_confidence(q.perf, data, f.confidence, filtered_accelerators(data.catalog, q.filter));
  q.spot = f.spot;
  validate(q.spot);
  q.all = f.all;
  const PlanResult result = plan_fleets(data.catalog, q);
  const LoadCurve& curve = *q.workload.curve;
  const bool weekly = curve.weekly();

  Report report;
  report.command = "plan";
  report.inputs["model"] = f.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = std::string(to_string(q.memory.weights));
  report.inputs["all"] = f.all;
  add_workload_inputs(report, q.workload);
  report.inputs["spot"] = {{"preemptions_per_day", q.spot.preemptions_per_day},
                           {"recovery_hours", q.spot.recovery_hours},
                           {"max_share", q.spot.max_share},
                           {"overhead", q.spot.overhead()}};
  report.assumptions.push_back({"hours_per_month", q.pricing.hours_per_month, "h",
                                fmt::format("billing month; each hour of the {} occurs {} times", weekly ? "week" : "day",
                                            format_human_number(q.pricing.hours_per_month / static_cast<double>(curve.requests_per_s.size()), 3)),
                                q.pricing.hours_per_month == k_hours_per_month ? "365 × 24 / 12 (GCP, AWS)"
                                                                               : "--hours-per-month"});
  report.assumptions.push_back({"spot_preemptions_per_day", q.spot.preemptions_per_day, "1/day",
                                "times a day one spot slice is reclaimed (assumed; set --spot-preemptions-per-day)",
                                "docs/methodology.md §Spot"});
  report.assumptions.push_back({"spot_recovery_hours", q.spot.recovery_hours, "h",
                                "from a preemption until a replacement serves (assumed; set --spot-recovery-hours)",
                                "docs/methodology.md §Spot"});
  report.assumptions.push_back({"spot_max_share", q.spot.max_share, "fraction",
                                "at most this share of an hour's replicas on spot (assumed; set --spot-max-share)",
                                "docs/plan.md"});
  add_memory_assumptions(report, q.memory, q.perf.user);
  add_engine_report(report, q.perf, filtered_accelerators(data.catalog, q.filter));
  add_layout_report(report, q.perf);
  add_confidence_report(report, f.confidence, std::move(confidence));

  Table plans;
  plans.name = "plans";
  plans.title = fmt::format("Fleet plan for {} under a {}-hour load curve (peak {} requests/s, mean {}) — {}",
                            model.spec.id, curve.requests_per_s.size(), format_human_number(curve.peak(), 2),
                            format_human_number(curve.mean(), 2),
                            f.all ? "every option" : "per accelerator the cheapest option");
  plans.columns = plan_columns();
  const OptionPlan* best_of[2] = {nullptr, nullptr}; // tpu, gpu
  for (const auto& o : result.options) {
    const auto idx = o.accelerator->kind == AcceleratorKind::tpu ? 0 : 1;
    if (best_of[idx] == nullptr) {
      best_of[idx] = &o; // options are sorted by their best plan's bill
    }
    double mean_needed = 0;
    for (int n : o.best_plan().fleet.needed) {
      mean_needed += n;
    }
    mean_needed /= static_cast<double>(o.best_plan().fleet.needed.size());
    FleetPrices od_only{o.offering->price(Tier::on_demand) ? std::optional<double>(o.offering->price(Tier::on_demand)->usd_per_hour)
                                                           : std::nullopt,
                        std::nullopt, std::nullopt};
    const FleetPlan baseline = fleet_with(o.best_plan().fleet.needed, 0, od_only, q.spot, q.pricing.hours_per_month);
    for (std::size_t i = 0; i < o.plans.size(); ++i) {
      const TermPlan& p = o.plans[i];
      const int peak = *std::max_element(p.fleet.needed.begin(), p.fleet.needed.end());
      Cell savings;
      if (baseline.feasible && baseline.usd_per_month() > 0) {
        savings = (1 - p.usd_per_month / baseline.usd_per_month()) * 100;
      }
      plans.rows.push_back({o.offering->id, o.accelerator->id, kind_name(*o.accelerator),
                            std::int64_t{o.offering->chips}, o.capacity.planned_requests_per_s, std::int64_t{peak},
                            mean_needed, term_name(p.term), std::int64_t{p.fleet.committed},
                            std::int64_t{p.fleet.peak_on_demand()}, std::int64_t{p.fleet.peak_spot()},
                            p.fleet.committed_usd_per_month, p.fleet.on_demand_usd_per_month,
                            p.fleet.spot_usd_per_month, p.usd_per_month, cell(p.usd_per_million_output_tokens), savings,
                            p.commit_share_threshold ? Cell{*p.commit_share_threshold * k_hours_per_day} : Cell{},
                            p.fleet.spot_short_replica_hours_per_month, i == o.best, describe(p)});
    }
  }
  std::string verdict;
  if (best_of[0] && best_of[1]) {
    const OptionPlan& tpu = *best_of[0];
    const OptionPlan& gpu = *best_of[1];
    const double a = tpu.best_plan().usd_per_month, b = gpu.best_plan().usd_per_month;
    const bool tpu_wins = a < b;
    const OptionPlan& w = tpu_wins ? tpu : gpu;
    const double saving = 1 - std::min(a, b) / std::max(a, b);
    verdict = fmt::format("{} wins: {} at {}/month ({}/1M output tokens) against {} {} at {}/month — {:.1f}% less; {}: {}",
                          tpu_wins ? "TPU" : "GPU", w.offering->id, usd_text(w.best_plan().usd_per_month),
                          w.best_plan().usd_per_million_output_tokens
                              ? "$" + format_human_number(*w.best_plan().usd_per_million_output_tokens, 3)
                              : "-",
                          tpu_wins ? "GPU" : "TPU", (tpu_wins ? gpu : tpu).offering->id,
                          usd_text(std::max(a, b)), saving * 100, w.offering->name, describe(w.best_plan()));
  } else if (best_of[0] || best_of[1]) {
    const OptionPlan& w = best_of[0] ? *best_of[0] : *best_of[1];
    verdict = fmt::format("only {} options serve the workload: {} at {}/month; {}", best_of[0] ? "TPU" : "GPU",
                          w.offering->id, usd_text(w.best_plan().usd_per_month), describe(w.best_plan()));
  }
  if (!verdict.empty()) {
    plans.notes.push_back("verdict: " + verdict);
    report.notes.push_back(verdict);
  }
  plans.notes.push_back(fmt::format(
      "a replica is committed when the hours that need it save more on-demand (or spot) rent than the commitment costs; "
      "without spot: when the share of hours needing it exceeds 1 − discount (commit b/e h/day ÷ 24)"));
  plans.notes.push_back(fmt::format(
      "spot: whole slices reclaimed {} times a day each, {} h to a serving replacement (+{:.1f}% rent), at most {:.0f}% "
      "of an hour's replicas; spot capacity has no availability guarantee",
      format_human_number(q.spot.preemptions_per_day, 2), format_human_number(q.spot.recovery_hours, 2),
      q.spot.overhead() * 100, q.spot.max_share * 100));
  plans.notes.push_back(fmt::format("replicas: ⌈hour's rate ÷ one replica's planned capacity⌉{}; capacity is an "
                                    "estimate for {} + {} tokens{}",
                                    q.workload.n_plus_one ? " + 1 (N+1)" : "", format_human_number(q.workload.input_tokens, 0),
                                    format_human_number(q.workload.output_tokens, 0),
                                    q.workload.slo.ttft_ms || q.workload.slo.tpot_ms
                                        ? " within " + slo_targets(q.workload.slo)
                                        : " (no latency target: add --ttft-ms/--tpot-ms)"));
  for (const auto& [id, largest] : result.too_small) {
    plans.notes.push_back(fmt::format("{}: no offering holds the model (largest tried: {})", id, largest->id));
  }
  for (const auto& id : result.missing_slo) {
    plans.notes.push_back(fmt::format("{}: holds the model, but no batch meets the SLO", id));
  }
  for (const auto& p : result.problems) {
    plans.notes.push_back("not estimated: " + p);
  }
  if (model.resolved_from != "preset") {
    plans.notes.push_back(fmt::format("model: {}", model.resolved_from));
  }
  report.tables.push_back(std::move(plans));

  Table hours;
  hours.name = "hours";
  hours.title = "Per hour: the best plan of each platform";
  hours.columns = hour_columns();
  for (const OptionPlan* o : best_of) {
    if (o == nullptr) {
      continue;
    }
    const TermPlan& p = o->best_plan();
    const auto price = [&](Tier t) {
      const auto& pr = o->offering->price(t);
      return pr ? pr->usd_per_hour : 0.0;
    };
    const double commit_rate = p.term ? price(*p.term) : 0.0;
    const double spot_rate = price(Tier::spot) * (1 + q.spot.overhead());
    for (std::size_t h = 0; h < curve.requests_per_s.size(); ++h) {
      const double usd = p.fleet.committed * commit_rate + p.fleet.on_demand[h] * price(Tier::on_demand) +
                         p.fleet.spot[h] * spot_rate;
      hours.rows.push_back({o->offering->id, kind_name(*o->accelerator), term_name(p.term), std::int64_t(h),
                            hour_label(h, weekly), curve.requests_per_s[h],
                            curve.requests_per_s[h] / o->capacity.planned_requests_per_s,
                            std::int64_t{p.fleet.needed[h]}, std::int64_t{p.fleet.committed},
                            std::int64_t{p.fleet.on_demand[h]}, std::int64_t{p.fleet.spot[h]}, usd});
    }
  }
  hours.notes.push_back(fmt::format("source of the curve: {}", curve.source));
  report.tables.push_back(std::move(hours));

  Chart chart;
  chart.table = "hours";
  chart.kind = ChartKind::stacked;
  chart.title = fmt::format("Replicas of the best plans for {} over the load curve", model.spec.id);
  chart.x = "hour";
  chart.group = "offering";
  chart.y = {"committed", "on_demand", "spot"};
  chart.y_labels = {"committed", "on-demand", "spot"};
  for (const OptionPlan* o : best_of) {
    if (o != nullptr) {
      const TermPlan& p = o->best_plan();
      chart.group_titles.emplace_back(o->offering->id,
                                      fmt::format("{} ({}) — {}/month: {}", o->offering->id,
                                                  o->accelerator->kind == AcceleratorKind::tpu ? "TPU" : "GPU",
                                                  usd_text(p.usd_per_month), describe(p)));
    }
  }
  chart.lines = {"load_replicas"};
  chart.line_labels = {"load (replicas)"};
  chart.x_title = weekly ? "hour of the week (0 = Monday 00:00)" : "hour of the day";
  chart.y_title = "replicas";
  report.charts.push_back(std::move(chart));

  if (!result.options.empty()) {
    // --explain: the bill of the cheapest option's best plan, term by term, with its numbers.
    const OptionPlan& o = result.options.front();
    const TermPlan& p = o.best_plan();
    const FleetPlan& fleet = p.fleet;
    const double periods = q.pricing.hours_per_month / static_cast<double>(fleet.needed.size());
    long long od_hours = 0, spot_hours = 0, needed_hours = 0;
    for (std::size_t h = 0; h < fleet.needed.size(); ++h) {
      od_hours += fleet.on_demand[h];
      spot_hours += fleet.spot[h];
      needed_hours += fleet.needed[h];
    }
    const auto price = [&](Tier t) { return o.offering->price(t) ? o.offering->price(t)->usd_per_hour : 0.0; };
    report.explain.push_back(fmt::format("{}, the cheapest option, {}: {} (docs/plan.md)", o.offering->id,
                                         p.term ? fmt::format("with a {} commitment", to_string(*p.term))
                                                : std::string("without a commitment"),
                                         describe(p)));
    report.explain.push_back(fmt::format("replicas needed: {} replica-hours in the {}-hour curve, each hour {} times a "
                                         "month ({} h ÷ {})",
                                         needed_hours, fleet.needed.size(), format_human_number(periods, 2),
                                         format_raw_number(q.pricing.hours_per_month), fleet.needed.size()));
    if (p.term && fleet.committed > 0) {
      report.explain.push_back(fmt::format("committed: {} × ${}/h × {} h (every hour) = {}/month", fleet.committed,
                                           format_raw_number(price(*p.term)), format_raw_number(q.pricing.hours_per_month),
                                           usd_text(fleet.committed_usd_per_month)));
    }
    if (p.commit_share_threshold) {
      report.explain.push_back(fmt::format("without spot, the k-th replica is committed when the share of hours "
                                           "needing k or more exceeds {} ÷ {} = {:.3f} (1 − discount)",
                                           format_raw_number(price(*p.term)), format_raw_number(price(Tier::on_demand)),
                                           *p.commit_share_threshold));
    }
    if (od_hours > 0) {
      report.explain.push_back(fmt::format("on-demand: {} replica-hours a curve × {} × ${}/h = {}/month", od_hours,
                                           format_human_number(periods, 2), format_raw_number(price(Tier::on_demand)),
                                           usd_text(fleet.on_demand_usd_per_month)));
    }
    if (spot_hours > 0) {
      report.explain.push_back(fmt::format(
          "spot: {} replica-hours a curve × {} × ${}/h × (1 + {} preemptions/day ÷ 24 × {} h to recover) = {}/month",
          spot_hours, format_human_number(periods, 2), format_raw_number(price(Tier::spot)),
          format_raw_number(q.spot.preemptions_per_day), format_raw_number(q.spot.recovery_hours),
          usd_text(fleet.spot_usd_per_month)));
    }
    report.explain.push_back(fmt::format("bill = {}/month{}", usd_text(p.usd_per_month),
                                         p.usd_per_million_output_tokens
                                             ? fmt::format("; ÷ {} output tokens a month × 1e6 = ${} per 1M output tokens",
                                                           format_human_number(o.output_tokens_per_month, 0),
                                                           format_human_number(*p.usd_per_million_output_tokens, 3))
                                             : std::string{}));
  }
  if (result.options.empty()) {
    throw Error(ErrorKind::infeasible, fmt::format("no option holds {} and serves the workload within its SLO", model.spec.id),
                "relax --ttft-ms/--tpot-ms, try --precision int8, or widen the filters");
  }
  ctx.emit(report);
  return 0;
}

} // namespace

Runner setup_plan(CLI::App& sub) {
  auto f = std::make_shared<PlanFlags>();
  sub.description("The fleet plan under a load curve: per option, how many replicas to commit for 1 or 3 years and "
                  "how many to rent on demand or on spot each hour; the bill, $/1M tokens, and TPU vs GPU.\n"
                  "Example: tpuplan plan --model 70b --load-curve examples/diurnal-chat.csv --ttft-ms 2000 --tpot-ms 50");
  sub.add_option("-m,--model", f->model, "preset, size alias (70b) or path to a Hugging Face config.json")->required();
  add_memory_flags(sub, f->memory);
  add_engine_flag(sub, f->engine);
  add_tp_flag(sub, f->tp);
  add_confidence_flag(sub, f->confidence);
  f->hours_option = sub.add_option("--hours", f->pricing.hours_per_day,
                                    "with --rate or --tokens-per-day: the load runs this many hours a day (a flat curve)")
                        ->capture_default_str();
  sub.add_option("--hours-per-month", f->pricing.hours_per_month, "hours in a billing month")->capture_default_str();
  add_filter_flags(sub, f->filter);
  add_workload_flags(sub, f->workload, k_open_load | k_curve);
  sub.add_option("--spot-preemptions-per-day", f->spot.preemptions_per_day,
                 "times a day one spot slice is reclaimed (assumed; your history is better)")
      ->capture_default_str();
  sub.add_option("--spot-recovery-hours", f->spot.recovery_hours,
                 "hours from a preemption until a replacement serves: capacity found, model loaded")
      ->capture_default_str();
  sub.add_option("--spot-max-share", f->spot.max_share, "at most this share of an hour's replicas on spot (0: no spot)")
      ->capture_default_str();
  sub.add_flag("--all", f->all, "every option, not the cheapest per accelerator");
  return [f](Context& ctx) { return run_plan(*f, ctx); };
}

} // namespace tpuplan::app
