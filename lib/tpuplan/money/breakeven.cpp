#include <tpuplan/money/breakeven.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

namespace tpuplan {

namespace {

/// Two bills closer than this (relative) are a tie: prices carry at most 5–6 significant
/// digits (SkyPilot rounds to 5), so anything below 1e-9 is floating-point noise.
constexpr double k_relative_tie = 1e-9;

int sign_of_difference(double a, double b) {
  const double scale = std::max({1.0, std::fabs(a), std::fabs(b)});
  const double d = a - b;
  if (std::fabs(d) <= k_relative_tie * scale) {
    return 0;
  }
  return d < 0 ? -1 : 1;
}

double envelope_at(const std::vector<PricedOption>& group, double h) {
  double best = group.front().line.at(h);
  for (const auto& o : group) {
    best = std::min(best, o.line.at(h));
  }
  return best;
}

std::optional<double> ratio(const std::optional<double>& num, const std::optional<double>& den) {
  if (!num || !den || *den == 0) {
    return std::nullopt;
  }
  return *num / *den;
}

} // namespace

CostLine cost_line(double usd_per_hour, Tier tier, const PricingOptions& options) {
  CostLine line;
  if (bills_every_hour(tier)) {
    line.fixed_usd_per_month = usd_per_hour * options.hours_per_month;
  } else {
    // monthly_cost(): rate × (1 + overhead for spot) × H × days; the slope is everything but H.
    const double overhead = tier == Tier::spot ? 1.0 + options.spot_overhead : 1.0;
    line.usd_per_month_per_daily_hour = usd_per_hour * overhead * days_per_month(options.hours_per_month);
  }
  return line;
}

std::optional<double> crossing_hours_per_day(const CostLine& a, const CostLine& b) {
  const double slope = a.usd_per_month_per_daily_hour - b.usd_per_month_per_daily_hour;
  if (slope == 0) {
    return std::nullopt;
  }
  return (b.fixed_usd_per_month - a.fixed_usd_per_month) / slope;
}

std::vector<PricedOption> priced_options(const Offering& offering, const PricingOptions& options) {
  std::vector<PricedOption> out;
  for (Tier tier : k_all_tiers) {
    if (const auto& price = offering.price(tier)) {
      out.push_back({&offering, tier, cost_line(price->usd_per_hour, tier, options)});
    }
  }
  return out;
}

std::optional<PricedOption> cheapest_at(const std::vector<PricedOption>& candidates, double hours_per_day) {
  std::optional<PricedOption> best;
  for (const auto& c : candidates) {
    if (!best || sign_of_difference(c.line.at(hours_per_day), best->line.at(hours_per_day)) < 0) {
      best = c;
    }
  }
  return best;
}

std::optional<double> spot_overhead_breakeven(double spot_usd_per_hour, double other_usd_per_hour, Tier other,
                                              const PricingOptions& options) {
  const double spot_without_overhead = spot_usd_per_hour * useful_hours_per_month(options);
  if (!(spot_without_overhead > 0)) {
    return std::nullopt;
  }
  // spot × (1 + o) × hours used = other's bill  ⇒  o = other's bill ÷ (spot × hours used) − 1.
  return monthly_cost(other_usd_per_hour, other, options) / spot_without_overhead - 1.0;
}

CommitmentBreakeven commitment_breakeven(const Offering& offering, const PricingOptions& options) {
  CommitmentBreakeven b;
  b.cost = offering_cost(offering, options);
  const auto& od = offering.price(Tier::on_demand);
  const auto& spot = offering.price(Tier::spot);
  auto against = [&](Tier commit, std::optional<double>& vs_od, std::optional<double>& vs_spot,
                     std::optional<double>& discount, std::optional<double>& savings) {
    const auto& c = offering.price(commit);
    if (!c) {
      return;
    }
    if (od && od->usd_per_hour > 0) {
      // 24 × commit ÷ on-demand = 24 × (1 − discount) (DESIGN.md §2).
      vs_od = breakeven_hours_per_day(c->usd_per_hour, od->usd_per_hour, Tier::on_demand, options);
      discount = 1.0 - c->usd_per_hour / od->usd_per_hour;
      savings = *b.cost.monthly(Tier::on_demand) - *b.cost.monthly(commit);
    }
    if (spot && spot->usd_per_hour > 0) {
      vs_spot = breakeven_hours_per_day(c->usd_per_hour, spot->usd_per_hour, Tier::spot, options);
    }
  };
  against(Tier::commit_1y, b.commit_1y_vs_on_demand, b.commit_1y_vs_spot, b.discount_1y, b.savings_1y_usd_per_month);
  against(Tier::commit_3y, b.commit_3y_vs_on_demand, b.commit_3y_vs_spot, b.discount_3y, b.savings_3y_usd_per_month);
  if (spot) {
    for (auto [tier, out] : {std::pair{Tier::on_demand, &b.spot_overhead_vs_on_demand},
                             std::pair{Tier::commit_1y, &b.spot_overhead_vs_1y},
                             std::pair{Tier::commit_3y, &b.spot_overhead_vs_3y}}) {
      if (const auto& other = offering.price(tier)) {
        *out = spot_overhead_breakeven(spot->usd_per_hour, other->usd_per_hour, tier, options);
      }
    }
  }
  return b;
}

GroupComparison compare_groups(const std::vector<PricedOption>& first, const std::vector<PricedOption>& second,
                               double hours_per_day) {
  GroupComparison c;
  c.first = cheapest_at(first, hours_per_day);
  c.second = cheapest_at(second, hours_per_day);
  if (c.first) {
    c.first_usd_per_month = c.first->line.at(hours_per_day);
  }
  if (c.second) {
    c.second_usd_per_month = c.second->line.at(hours_per_day);
  }
  if (!c.first || !c.second) {
    return c;
  }
  const double a = *c.first_usd_per_month;
  const double b = *c.second_usd_per_month;
  const int s = sign_of_difference(a, b);
  c.winner = s < 0 ? 1 : (s > 0 ? 2 : 0);
  const double loser = std::max(a, b);
  c.savings_usd_per_month = s == 0 ? 0.0 : std::fabs(a - b);
  c.savings_fraction = ratio(c.savings_usd_per_month, loser);
  return c;
}

std::vector<Crossover> crossovers(const std::vector<PricedOption>& first, const std::vector<PricedOption>& second,
                                  double from_hours_per_day, double to_hours_per_day) {
  std::vector<Crossover> out;
  if (first.empty() || second.empty() || !(from_hours_per_day < to_hours_per_day)) {
    return out;
  }
  // Breakpoints of both envelopes are among the pairwise crossings of all lines; between two
  // consecutive breakpoints each envelope is one line, so their difference is linear.
  std::vector<const PricedOption*> all;
  for (const auto* group : {&first, &second}) {
    for (const auto& o : *group) {
      all.push_back(&o);
    }
  }
  std::vector<double> points = {from_hours_per_day, to_hours_per_day};
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      const auto h = crossing_hours_per_day(all[i]->line, all[j]->line);
      if (h && *h > from_hours_per_day && *h < to_hours_per_day) {
        points.push_back(*h);
      }
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  auto difference = [&](double h) { return envelope_at(first, h) - envelope_at(second, h); };
  auto sign_at = [&](double h) { return sign_of_difference(envelope_at(first, h), envelope_at(second, h)); };

  // Split each interval at the root of the (linear) difference, if it changes sign inside.
  std::vector<double> cuts = {points.front()};
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const double lo = points[i], hi = points[i + 1];
    const int sl = sign_at(lo), sh = sign_at(hi);
    if (sl != 0 && sh != 0 && sl != sh) {
      const double dl = difference(lo), dh = difference(hi);
      cuts.push_back(lo + (hi - lo) * dl / (dl - dh));
    }
    cuts.push_back(hi);
  }

  int previous = 0;           // winner sign of the last interval with a strict winner
  std::optional<double> tie_from; // start of a run of tied intervals after `previous`
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (!(cuts[i] < cuts[i + 1])) {
      continue;
    }
    const int s = sign_at((cuts[i] + cuts[i + 1]) / 2);
    if (s == 0) {
      if (!tie_from) {
        tie_from = cuts[i];
      }
      continue;
    }
    if (previous != 0 && s != previous) {
      const double h = tie_from.value_or(cuts[i]);
      out.push_back({h, previous < 0 ? 1 : 2, s < 0 ? 1 : 2, envelope_at(first, h)});
    }
    previous = s;
    tie_from.reset();
  }
  return out;
}

std::optional<double> usd_per_million_tokens_at(double usd_per_month, double tokens_per_s,
                                                const PricingOptions& options) {
  const double useful_hours = useful_hours_per_month(options);
  if (!(useful_hours > 0) || !(tokens_per_s > 0)) {
    return std::nullopt;
  }
  return usd_per_million_tokens(usd_per_month / useful_hours, tokens_per_s);
}

ApiBreakeven api_breakeven(double replica_usd_per_month, int replicas, const ApiQuery& api,
                           std::optional<double> tokens_per_s, const PricingOptions& options) {
  ApiBreakeven b;
  b.replicas = replicas;
  b.replica_usd_per_month = replica_usd_per_month;
  b.self_host_usd_per_month = replica_usd_per_month * replicas;
  const double days = days_per_month(options.hours_per_month);
  const double usd_per_token = api.usd_per_million_tokens / 1e6;
  if (usd_per_token > 0) {
    // one replica's bill = tokens/day × days × price per token, solved for tokens/day.
    b.breakeven_tokens_per_day = replica_usd_per_month / (days * usd_per_token);
    if (api.tokens_per_request) {
      b.breakeven_requests_per_day = *b.breakeven_tokens_per_day / *api.tokens_per_request;
      if (options.hours_per_day > 0) {
        b.breakeven_requests_per_hour = *b.breakeven_requests_per_day / options.hours_per_day;
      }
    }
  }
  if (tokens_per_s) {
    // One replica serves at most its throughput for the hours it runs.
    b.capacity_tokens_per_day = *tokens_per_s * k_seconds_per_hour * options.hours_per_day;
    if (b.breakeven_tokens_per_day) {
      b.breakeven_within_capacity = *b.breakeven_tokens_per_day <= *b.capacity_tokens_per_day;
    }
    if (*b.capacity_tokens_per_day > 0) {
      b.self_host_usd_per_million_tokens = replica_usd_per_month / (*b.capacity_tokens_per_day * days) * 1e6;
    }
  }
  if (api.tokens_per_day) {
    b.api_usd_per_month = *api.tokens_per_day * days * usd_per_token;
    b.self_host_savings_usd_per_month = *b.api_usd_per_month - b.self_host_usd_per_month;
  }
  return b;
}

void validate(const ApiQuery& api) {
  if (!(api.usd_per_million_tokens >= 0 && std::isfinite(api.usd_per_million_tokens))) {
    throw Error(ErrorKind::usage,
                fmt::format("--api-usd-per-million-tokens: {} is not a price ≥ 0", api.usd_per_million_tokens),
                "a blended $ per 1M tokens, e.g. 0.60");
  }
  if (api.tokens_per_day && !(*api.tokens_per_day > 0 && std::isfinite(*api.tokens_per_day))) {
    throw Error(ErrorKind::usage, fmt::format("--tokens-per-day: {} is not a positive token count", *api.tokens_per_day));
  }
  if (api.tokens_per_request && !(*api.tokens_per_request > 0 && std::isfinite(*api.tokens_per_request))) {
    throw Error(ErrorKind::usage,
                fmt::format("--input-tokens/--output-tokens: {} tokens per request is not positive",
                            *api.tokens_per_request));
  }
}

} // namespace tpuplan
