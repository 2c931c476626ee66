#include "cost_table.hpp"
#include "breakeven_tables.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

/// Replicas for the load: its output tokens per second over one replica's.
std::optional<int> replicas_for(std::optional<double> load_requests_per_s, double output_tokens,
                                std::optional<double> replica_tokens_per_s) {
  if (!load_requests_per_s || !replica_tokens_per_s || !(*replica_tokens_per_s > 0)) {
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil(*load_requests_per_s * output_tokens / *replica_tokens_per_s)));
}

} // namespace

Throughput estimated(const std::optional<Estimate>& e, std::optional<double> load, double output_tokens) {
  Throughput t;
  if (e) {
    t.batch = e->batch;
    t.output_tokens_per_s = e->output_tokens_per_s;
    t.figures = "estimate";
    t.replicas = replicas_for(load, output_tokens, t.output_tokens_per_s);
  }
  return t;
}

Throughput measured(const MeasuredThroughput& m, std::optional<double> load, double output_tokens) {
  Throughput t;
  t.figures = "measured: " + m.file;
  t.measured_level = m.level_label;
  if (m.found) {
    t.batch = m.concurrency;
    t.output_tokens_per_s = m.output_tokens_per_s;
    t.replicas = replicas_for(load, output_tokens, t.output_tokens_per_s);
    for (const auto& flag : m.flags) {
      t.measured_flags += (t.measured_flags.empty() ? "" : "; ") + flag;
    }
  } else {
    t.measured_flags = m.selection;
  }
  return t;
}


std::vector<Column> cost_columns() {
  std::vector<Column> c = {
      {"offering", "offering", 0, false, "the provider's name of what is rented"},
      {"offering_id", "id", 0, true, "unique id: <name>@<region>"},
      {"cloud", "cloud", 0, true, "gcp, aws, or a cloud from --config"},
      {"region", "region", 0, false, "the cloud region of the price"},
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
  c.push_back({"batch", "batch", 0, true,
               "concurrent sequences at the throughput below (estimate: best batch; measured: the level's concurrency)"});
  c.push_back({"output_tokens_per_s", "out tok/s", 0, false,
               "output tokens per second of one replica: at its best batch (estimate) or at the profile's level (measured)"});
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
  c.push_back({"figures", "figures", 0, false,
               "prices: catalog; throughput: 'estimate', or 'measured: FILE' naming the bench profile"});
  c.push_back({"measured_level", "measured level", 0, true, "the profile's load level the measured figure comes from"});
  c.push_back({"measured_flags", "measured flags", 0, true,
               "why a measured figure is less trustworthy (partial run, failed requests), or why it is missing"});
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
  row.push_back(tp.batch ? Cell{static_cast<std::int64_t>(*tp.batch)} : Cell{});
  row.push_back(cell(tp.output_tokens_per_s));
  for (Tier t : k_all_tiers) {
    const auto& per_hour = r.cost.per_useful_hour(t);
    row.push_back(tp.output_tokens_per_s && per_hour ? Cell{usd_per_million_tokens(*per_hour, *tp.output_tokens_per_s)}
                                                     : Cell{});
  }
  row.push_back(tp.replicas ? Cell{static_cast<std::int64_t>(*tp.replicas)} : Cell{});
  for (Tier t : k_all_tiers) {
    const auto& monthly = r.cost.monthly(t);
    row.push_back(tp.replicas && monthly ? Cell{*monthly * *tp.replicas} : Cell{});
  }
  row.push_back(tp.figures);
  row.push_back(tp.measured_level.empty() ? Cell{} : Cell{tp.measured_level});
  row.push_back(tp.measured_flags.empty() ? Cell{} : Cell{tp.measured_flags});
  row.push_back(cell(r.cost.cheapest_monthly()));
  const auto& od = o.price(Tier::on_demand);
  row.push_back(od ? Cell{od->as_of} : Cell{});
  row.push_back(o.covers);
  return row;
}


} // namespace tpuplan::app
