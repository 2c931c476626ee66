// `tpuplan cost`: monthly (and hourly) cost of every option that holds a model, by tier.
#include "command.hpp"
#include "flags.hpp"

#include <tpuplan/cost.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
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
};

std::string tier_key(Tier t) {
  std::string s(to_string(t));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

std::vector<Column> cost_columns() {
  std::vector<Column> c = {
      {"offering", "offering", 0, false, "the provider's name of what is rented"},
      {"offering_id", "id", 0, true, "unique id: <name>@<region>"},
      {"cloud", "cloud", 0, false, ""},
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
    c.push_back({"usd_per_hour_" + tier_key(t), fmt::format("$/h {}", to_string(t)), 2, t != Tier::on_demand,
                 fmt::format("list price per hour, {} (empty: no sourced price)", to_string(t))});
  }
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_month_" + tier_key(t), fmt::format("$/month {}", to_string(t)), 0, false,
                 fmt::format("monthly bill, {}, at --hours per day", to_string(t))});
  }
  c.push_back({"cheapest_tier", "cheapest", 0, false, "tier with the lowest monthly bill"});
  c.push_back({"usd_per_month_cheapest", "$/month cheapest", 0, true, "the lowest monthly bill"});
  c.push_back({"price_as_of", "prices as of", 0, true, "date of the on-demand price"});
  c.push_back({"price_covers", "price covers", 0, true, "what the price includes"});
  return c;
}

std::vector<Cell> cost_row(const CostRow& r, Precision precision) {
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
  row.push_back(cell(r.cost.cheapest_monthly()));
  const auto& od = o.price(Tier::on_demand);
  row.push_back(od ? Cell{od->as_of} : Cell{});
  row.push_back(o.covers);
  return row;
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

  Report report;
  report.command = "cost";
  report.inputs["model"] = flags.model;
  report.inputs["model_id"] = model.spec.id;
  report.inputs["model_resolved_from"] = model.resolved_from;
  report.inputs["precision"] = std::string(to_string(query.memory.weights));
  report.inputs["hours_per_day"] = query.pricing.hours_per_day;
  report.inputs["rank_tier"] = query.rank_tier ? std::string(to_string(*query.rank_tier)) : "cheapest";
  report.inputs["all"] = flags.all;
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
    table.rows.push_back(cost_row(row, query.memory.weights));
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
  return [flags](Context& ctx) { return run_cost(*flags, ctx); };
}

} // namespace tpuplan::app
