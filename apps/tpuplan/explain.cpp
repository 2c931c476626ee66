#include "explain.hpp"

#include <tpuplan/report/report.hpp>
#include <tpuplan/units.hpp>

#include <cmath>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

std::string gib(double bytes) { return format_human_number(bytes / k_bytes_per_gib, 2); }
std::string usd(double v, int decimals = 2) { return "$" + format_human_number(v, decimals); }
std::string num(double v, int decimals) { return format_human_number(v, decimals); }

} // namespace

std::vector<std::string> explain_option(const Offering& o, const MemoryFit& fit, const MemoryOptions& memory,
                                        const PricingOptions& pricing, const ExplainedServing& s) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{} — {} × {}, {} weights, {}-token context:", o.id, o.chips, o.accelerator,
                              to_string(memory.weights), num(memory.context_tokens, 0)));
  const double needed = fit.weight_bytes + fit.overhead_bytes + fit.kv_bytes_per_sequence;
  lines.push_back(fmt::format("memory: weights {} GiB + runtime reserve {} GiB + one sequence's KV {} GiB = {} GiB; "
                              "usable = {} GiB HBM × (1 − {} headroom) = {} GiB → {}",
                              gib(fit.weight_bytes), gib(fit.overhead_bytes), gib(fit.kv_bytes_per_sequence),
                              gib(needed), gib(fit.hbm_bytes), num(memory.headroom_fraction, 2),
                              gib(fit.usable_bytes), fit.fits ? "fits" : "does not fit"));
  if (fit.fits) {
    lines.push_back(fmt::format("max batch = ⌊(usable − weights − reserve) ÷ KV per sequence⌋ = ⌊{} ÷ {}⌋ = {}",
                                gib(fit.kv_budget_bytes), gib(fit.kv_bytes_per_sequence), fit.max_batch));
  }
  const double days = days_per_month(pricing.hours_per_month);
  const double useful = pricing.hours_per_day * days;
  for (Tier t : k_all_tiers) {
    const auto& price = o.price(t);
    if (!price) {
      lines.push_back(fmt::format("{}: no sourced price, so no bill (never $0)", to_string(t)));
      continue;
    }
    const double monthly = monthly_cost(price->usd_per_hour, t, pricing);
    if (bills_every_hour(t)) {
      lines.push_back(fmt::format("{}: {}/h × {} h (a commitment bills every hour of the month) = {}/month",
                                  to_string(t), usd(price->usd_per_hour), num(pricing.hours_per_month, 0),
                                  usd(monthly, 0)));
    } else if (t == Tier::spot) {
      lines.push_back(fmt::format("spot: {}/h × (1 + {} preemption overhead) × {} h/day × {} days = {}/month",
                                  usd(price->usd_per_hour), num(pricing.spot_overhead, 2),
                                  num(pricing.hours_per_day, 2), num(days, 2), usd(monthly, 0)));
    } else {
      lines.push_back(fmt::format("{}: {}/h × {} h/day × {} days = {}/month", to_string(t), usd(price->usd_per_hour),
                                  num(pricing.hours_per_day, 2), num(days, 2), usd(monthly, 0)));
    }
  }
  if (!s.output_tokens_per_s) {
    lines.push_back("throughput: none (no batch meets the latency targets), so no replicas and no $/1M");
    return lines;
  }
  lines.push_back(fmt::format("throughput ({}): {} output tokens/s per replica{}{}", s.figures,
                              num(*s.output_tokens_per_s, 0), s.batch ? fmt::format(" at batch {}", *s.batch) : "",
                              s.capacity_requests_per_s
                                  ? fmt::format(", {} requests/s within the SLO", num(*s.capacity_requests_per_s, 2))
                                  : ""));
  if (s.load_requests_per_s && s.capacity_requests_per_s && *s.capacity_requests_per_s > 0) {
    lines.push_back(fmt::format("replicas: the load's {} requests/s ÷ {} requests/s planned per replica = {}; the "
                                "fewest whole replicas that hold it within the SLO (N+1 if asked): {} replica{}",
                                num(*s.load_requests_per_s, 2), num(*s.capacity_requests_per_s, 2),
                                num(*s.load_requests_per_s / *s.capacity_requests_per_s, 2), s.replicas,
                                s.replicas == 1 ? "" : "s"));
  }
  if (s.served_output_tokens_per_s && *s.served_output_tokens_per_s > 0 && useful > 0) {
    for (Tier t : s.per_token_tiers) {
      const auto& price = o.price(t);
      if (!price) {
        continue;
      }
      const double per_useful_hour = monthly_cost(price->usd_per_hour, t, pricing) / useful * s.replicas;
      lines.push_back(fmt::format("$/1M out {}: {}/month ÷ {} useful h × {} replica{} = {}/h; ÷ ({} output tokens/s "
                                  "× 3,600) × 1e6 = {}",
                                  to_string(t), usd(monthly_cost(price->usd_per_hour, t, pricing), 0), num(useful, 1),
                                  s.replicas, s.replicas == 1 ? "" : "s", usd(per_useful_hour), 
                                  num(*s.served_output_tokens_per_s, 0),
                                  usd(usd_per_million_tokens(per_useful_hour, *s.served_output_tokens_per_s), 3)));
    }
  }
  return lines;
}

} // namespace tpuplan::app
