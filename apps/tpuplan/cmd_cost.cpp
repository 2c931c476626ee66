// `tpuplan cost`: monthly (and hourly) cost of every option that holds a model, by tier.
#include "command.hpp"
#include "flags.hpp"

#include <tpuplan/cost.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/estimate.hpp>

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
};

/// Throughput of one row at its best batch (the most output tokens per second memory allows).
struct Throughput {
  std::optional<Estimate> estimate;
  std::optional<int> replicas; ///< replicas the load needs (with --rate / --tokens-per-day)
};

Throughput row_throughput(const CostRow& r, const ModelSpec& model, const CostFlags& flags, const MemoryOptions& memory,
                          std::optional<double> load_requests_per_s) {
  Throughput t;
  if (!r.fit.fits) {
    return t;
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
  const Estimator estimator(model, *r.accelerator, request);
  t.estimate = best_batch(estimator);
  if (t.estimate && load_requests_per_s) {
    t.replicas = std::max(1, static_cast<int>(std::ceil(*load_requests_per_s / t.estimate->requests_per_s)));
  }
  return t;
}

std::string tier_key(Tier t) {
  std::string s(to_string(t));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

std::vector<Column> cost_columns() {
  std::vector<Column> c = {
      {"offering", "offering", 0, false, "the provider's name of what is rented"},
      {"offering_id", "id", 0, true, "unique id: <name>@<region>"},
      {"cloud", "cloud", 0, true, ""},
      {"region", "region", 0, false, ""},
      {"accelerator", "accel", 0, false, "accelerator id"},
      {"chips", "chips", 0, false, "accelerator chips (GPUs)"},
      {"hosts", "hosts", 0, true, "host VMs the chips are spread over"},
      {"precision", "prec", 0, true, "weight precision"},
      {"fits", "fits", 0, true, "weights + runtime reserve + one sequence fit in usable HBM"},
      {"hbm_used_fraction", "HBM used", 2, false, "(weights + reserve + one sequence) ÷ HBM"},
      {"max_batch", "max batch", 0, false, "sequences of --context tokens that fit beside the weights"},
  };
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_hour_" + tier_key(t), fmt::format("$/h {}", to_string(t)), 2, true,
                 fmt::format("list price per hour, {} (empty: no sourced price)", to_string(t))});
  }
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_month_" + tier_key(t), fmt::format("$/month {}", to_string(t)), 0, false,
                 fmt::format("monthly bill, {}, at --hours per day", to_string(t))});
  }
  c.push_back({"cheapest_tier", "cheapest", 0, false, "tier with the lowest monthly bill"});
  c.push_back({"batch", "batch", 0, true, "concurrent sequences at the throughput below (estimate)"});
  c.push_back({"output_tokens_per_s", "out tok/s", 0, false,
               "output tokens per second of one replica at its best batch (estimate)"});
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_million_output_tokens_" + tier_key(t), fmt::format("$/1M out {}", to_string(t)), 3,
                 t != Tier::on_demand,
                 fmt::format("cost per million output tokens, {}, at full use of the hours paid for", to_string(t))});
  }
  c.push_back({"replicas", "replicas", 0, true, "replicas the load needs (--rate or --tokens-per-day)"});
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_month_load_" + tier_key(t), fmt::format("$/month load {}", to_string(t)), 0, true,
                 fmt::format("monthly bill of the replicas the load needs, {}", to_string(t))});
  }
  c.push_back({"figures", "figures", 0, true, "prices: catalog; throughput: 'estimate'"});
  c.push_back({"usd_per_month_cheapest", "$/month cheapest", 0, true, "the lowest monthly bill"});
  c.push_back({"price_as_of", "prices as of", 0, true, "date of the on-demand price"});
  c.push_back({"price_covers", "price covers", 0, true, "what the price includes"});
  return c;
}

std::vector<Cell> cost_row(const CostRow& r, Precision precision, const Throughput& tp) {
  const Offering& o = *r.offering;
  std::vector<Cell> row = {o.name,
                           o.id,
                           o.cloud,
                           o.region,
                           o.accelerator,
                           static_cast<std::int64_t>(o.chips),
                           static_cast<std::int64_t>(o.hosts),
                           std::string(to_string(precision)),
                           r.fit.fits,
                           r.fit.hbm_used_fraction,
                           static_cast<std::int64_t>(r.fit.max_batch)};
  for (Tier t : k_all_tiers) {
    row.push_back(cell(r.cost.hourly(t)));
  }
  for (Tier t : k_all_tiers) {
    row.push_back(cell(r.cost.monthly(t)));
  }
  row.push_back(r.cost.cheapest ? Cell{std::string(to_string(*r.cost.cheapest))} : Cell{});
  row.push_back(tp.estimate ? Cell{static_cast<std::int64_t>(tp.estimate->batch)} : Cell{});
  row.push_back(tp.estimate ? Cell{tp.estimate->output_tokens_per_s} : Cell{});
  for (Tier t : k_all_tiers) {
    const auto& per_hour = r.cost.per_useful_hour(t);
    row.push_back(tp.estimate && per_hour ? Cell{usd_per_million_tokens(*per_hour, tp.estimate->output_tokens_per_s)}
                                          : Cell{});
  }
  row.push_back(tp.replicas ? Cell{static_cast<std::int64_t>(*tp.replicas)} : Cell{});
  for (Tier t : k_all_tiers) {
    const auto& monthly = r.cost.monthly(t);
    row.push_back(tp.replicas && monthly ? Cell{*monthly * *tp.replicas} : Cell{});
  }
  row.push_back(std::string(tp.estimate ? "estimate" : ""));
  row.push_back(cell(r.cost.cheapest_monthly()));
  const auto& od = o.price(Tier::on_demand);
  row.push_back(od ? Cell{od->as_of} : Cell{});
  row.push_back(o.covers);
  return row;
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
  const CostResult result = compare_costs(data.catalog, query);
  const std::optional<double> load_requests_per_s = load_of(flags, query.pricing);

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
  add_pricing_assumptions(report, query.pricing);
  add_memory_assumptions(report, query.memory);

  Table table;
  table.name = "offerings";
  table.title = fmt::format("{} in {} at {:g} h/day — {}", model.spec.name.empty() ? model.spec.id : model.spec.name,
                            to_string(query.memory.weights), query.pricing.hours_per_day,
                            flags.all ? "every matching offering" : "smallest offering per accelerator that holds it");
  table.columns = cost_columns();
  std::set<std::string> dates;
  for (const auto& row : result.rows) {
    table.rows.push_back(cost_row(row, query.memory.weights,
                                  row_throughput(row, query.model, flags, query.memory, load_requests_per_s)));
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
  table.notes.push_back(fmt::format("throughput is an estimate at each option's best batch for {:g} input / {:g} output "
                                    "tokens; $/1M tokens assumes the hours paid for are fully used",
                                    flags.input_tokens, flags.output_tokens));
  table.notes.push_back("an empty price means no sourced price for that tier; see `tpuplan catalog show ID`");
  if (!dates.empty()) {
    table.notes.push_back(fmt::format("prices as of {} … {}", *dates.begin(), *dates.rbegin()));
  }
  report.tables.push_back(std::move(table));

  const bool any_fits = std::any_of(result.rows.begin(), result.rows.end(), [](const CostRow& r) { return r.fit.fits; });
  if (!any_fits) {
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
  return [flags](Context& ctx) { return run_cost(*flags, ctx); };
}

} // namespace tpuplan::app
