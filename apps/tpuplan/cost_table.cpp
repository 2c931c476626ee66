#include "cost_table.hpp"
#include "breakeven_tables.hpp"

#include <tpuplan/money/serving.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan::app {

Throughput estimated(const CostRow& r) {
  Throughput t;
  if (r.serving && r.capacity) {
    t.layout = to_string(r.capacity->layout);
    t.batch = r.serving->estimate.batch;
    t.output_tokens_per_s = r.serving->estimate.output_tokens_per_s;
    t.capacity_requests_per_s = r.capacity->max_requests_per_s;
    t.ttft_ms = r.serving->estimate.slo_ttft_ms();
    t.tpot_ms = r.serving->estimate.slo_tpot_ms();
    t.replicas = r.serving->replicas;
    t.served_output_tokens_per_s = r.serving->served_output_tokens_per_s;
    t.figures = "estimate";
  }
  return t;
}

Throughput estimated(const CostRow& r, const ErrorBand& band, const Workload& workload, double hours_per_day) {
  Throughput t = estimated(r);
  const std::optional<Tier> tier = r.rank_tier ? r.rank_tier : r.cost.cheapest;
  if (t.output_tokens_per_s && tier) {
    const double f = std::exp(band.half_width);
    t.usd_per_million_low = usd_per_million_output_tokens_at(r, *tier, workload, hours_per_day, f);
    t.usd_per_million_high = usd_per_million_output_tokens_at(r, *tier, workload, hours_per_day, 1 / f);
  }
  return t;
}

Throughput measured(const MeasuredThroughput& m, const Workload& workload, double hours_per_day) {
  Throughput t;
  t.figures = "measured: " + m.file;
  t.measured_level = m.level_label;
  if (m.found) {
    t.batch = m.concurrency;
    t.output_tokens_per_s = m.output_tokens_per_s;
    t.capacity_requests_per_s = m.requests_per_s;
    t.ttft_ms = m.ttft_ms;
    t.tpot_ms = m.tpot_ms;
    t.served_output_tokens_per_s = m.output_tokens_per_s;
    if (const auto rate = workload.requests_per_s(hours_per_day); rate && m.requests_per_s > 0) {
      t.replicas = replicas_for(*rate, measured_capacity(m.requests_per_s, m.output_tokens_per_s, workload, t.figures),
                                workload);
      t.served_output_tokens_per_s = (workload.curve ? workload.curve->mean() : *rate) * workload.output_tokens;
    }
    for (const auto& flag : m.flags) {
      t.measured_flags += (t.measured_flags.empty() ? "" : "; ") + flag;
    }
  } else {
    t.measured_flags = m.selection;
  }
  return t;
}

std::vector<Column> cost_columns(bool load, bool slo) {
  std::vector<Column> c = {
      {"offering", "offering", 0, false, "the provider's name of what is rented"},
      {"offering_id", "id", 0, true, "unique id: <name>@<region>"},
      {"cloud", "cloud", 0, true, "gcp, aws, azure, or a cloud from --config"},
      {"region", "region", 0, false, "the cloud region of the price (one region per offering: docs/workload.md)"},
      {"accelerator", "accel", 0, false, "accelerator id"},
      {"chips", "chips", 0, false, "accelerator chips (GPUs) per replica"},
      {"hosts", "hosts", 0, true, "host VMs the chips are spread over"},
      {"layout", "layout", 0, true,
       "how a replica's chips serve the model: copies × tensor-parallel group (4×TP2: four copies on two chips "
       "each); the split that takes the most load at the SLO unless --tp sets it"},
      {"precision", "prec", 0, true, "weight precision"},
      {"fits", "fits", 0, true, "weights + runtime reserve + one sequence of --context tokens fit in usable HBM"},
      {"hbm_used_fraction", "HBM used", 2, true, "(weights + reserve + one sequence) ÷ HBM"},
      {"max_batch", "max batch", 0, true, "sequences of --context tokens that fit beside the weights"},
  };
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_hour_" + tier_key(t), fmt::format("$/h {}", to_string(t)), 2, true,
                 fmt::format("list price per hour of one replica, {} (empty: no sourced price)", to_string(t))});
  }
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_month_" + tier_key(t), fmt::format("$/month {}", to_string(t)), 0, load,
                 fmt::format("monthly bill of one replica, {}, at --hours per day", to_string(t))});
  }
  c.push_back({"cheapest_tier", "cheapest", 0, false, "tier with the lowest monthly bill"});
  c.push_back({"replicas", "replicas", 0, !load, "replicas the load needs at the SLO (1 without a load)"});
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_month_load_" + tier_key(t), fmt::format("$/month load {}", to_string(t)), 0, !load,
                 fmt::format("monthly bill of the replicas the load needs, {} (one replica without a load)",
                             to_string(t))});
  }
  c.push_back({"batch", "batch", 0, true,
               "concurrent sequences per replica (estimate: its operating batch; measured: the level's concurrency)"});
  c.push_back({"output_tokens_per_s", "out tok/s", 0, false,
               "output tokens per second of one replica at its operating point (estimate) or level (measured)"});
  c.push_back({"capacity_requests_per_s", "capacity req/s", 2, true,
               "the most requests/s one replica takes within the SLO, queueing included"});
  c.push_back({"ttft_ms", "TTFT ms", 0, !slo, "time to first token at the SLO percentile and the load (estimate: queueing included)"});
  c.push_back({"tpot_ms", "TPOT ms", 1, !slo, "time per output token at the SLO percentile"});
  for (Tier t : k_all_tiers) {
    c.push_back({"usd_per_million_output_tokens_" + tier_key(t), fmt::format("$/1M out {}", to_string(t)), 3,
                 t != Tier::on_demand && t != Tier::spot,
                 fmt::format("cost per million output tokens served, {}: the replicas' bill per useful hour ÷ the "
                             "load's output tokens (one replica at capacity without a load)",
                             to_string(t))});
  }
  c.push_back({"usd_per_million_output_tokens_low", "$/1M low", 3, false,
               "$/1M out tokens in the rank tier (cheapest_tier, or --tier) at the fast end of the estimate's error "
               "band (tokens/s × the band factor; with a load, the replicas that capacity needs); empty for a "
               "measured row"});
  c.push_back({"usd_per_million_output_tokens_high", "$/1M high", 3, false,
               "the same at the slow end of the band (tokens/s ÷ the band factor): what to budget for"});
  c.push_back({"figures", "figures", 0, false,
               "prices: catalog; throughput: 'estimate', or 'measured: FILE' naming the bench profile"});
  c.push_back({"measured_level", "measured level", 0, true, "the profile's load level the measured figure comes from"});
  c.push_back({"measured_flags", "measured flags", 0, true,
               "why a measured figure is less trustworthy (partial run, failed requests), or why it is missing"});
  c.push_back({"usd_per_month_cheapest", "$/month cheapest", 0, true, "the lowest monthly bill of the replicas"});
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
                           tp.layout.empty() ? Cell{} : Cell{tp.layout},
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
  const bool has_figure = tp.output_tokens_per_s.has_value();
  row.push_back(has_figure ? Cell{static_cast<std::int64_t>(tp.replicas)} : Cell{});
  for (Tier t : k_all_tiers) {
    const auto& monthly = r.cost.monthly(t);
    row.push_back(has_figure && monthly ? Cell{*monthly * tp.replicas} : Cell{});
  }
  row.push_back(tp.batch ? Cell{static_cast<std::int64_t>(*tp.batch)} : Cell{});
  row.push_back(cell(tp.output_tokens_per_s));
  row.push_back(cell(tp.capacity_requests_per_s));
  row.push_back(cell(tp.ttft_ms));
  row.push_back(cell(tp.tpot_ms));
  for (Tier t : k_all_tiers) {
    const auto& per_hour = r.cost.per_useful_hour(t);
    const bool priced = per_hour && tp.served_output_tokens_per_s && *tp.served_output_tokens_per_s > 0;
    row.push_back(priced ? Cell{usd_per_million_tokens(*per_hour * tp.replicas, *tp.served_output_tokens_per_s)} : Cell{});
  }
  row.push_back(cell(tp.usd_per_million_low));
  row.push_back(cell(tp.usd_per_million_high));
  row.push_back(tp.figures);
  row.push_back(tp.measured_level.empty() ? Cell{} : Cell{tp.measured_level});
  row.push_back(tp.measured_flags.empty() ? Cell{} : Cell{tp.measured_flags});
  const auto cheapest = r.cost.cheapest_monthly();
  row.push_back(cheapest ? Cell{*cheapest * tp.replicas} : Cell{});
  const auto& od = o.price(Tier::on_demand);
  row.push_back(od ? Cell{od->as_of} : Cell{});
  row.push_back(o.covers);
  return row;
}

} // namespace tpuplan::app
