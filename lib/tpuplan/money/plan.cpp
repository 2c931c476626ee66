// The fleet plan. Notation: n_h replicas needed in hour h of a period of P hours, each hour
// occurring m = hours_per_month ÷ P times a month; prices per replica-hour p_od (on-demand),
// p_s' = p_s × (1 + overhead) (spot, replacements while recovering included) and p_c
// (commitment, billed all hours_per_month). With c replicas committed, hour h rents
// r_h = max(0, n_h − c): min(r_h, ⌊share × n_h⌋) on spot when p_s' < p_od, the rest on demand.
// Raising c by one removes one replica-hour from every hour with n_h > c, the on-demand one
// while the hour uses on-demand, else a spot one: the saving S(k) of the k-th committed replica
// falls with k, so the bill is convex in c and the optimum commits every k with S(k) > p_c × month.
#include <tpuplan/money/plan.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/units.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <map>

namespace tpuplan {

namespace {

/// Spot's price per served hour, when spot is worth using (cheaper than on-demand, or the only
/// way to rent by the hour).
std::optional<double> spot_rate(const FleetPrices& p, const SpotModel& spot) {
  if (!p.spot_usd_per_hour || !(spot.max_share > 0)) {
    return std::nullopt;
  }
  const double rate = *p.spot_usd_per_hour * (1 + spot.overhead());
  if (p.on_demand_usd_per_hour && !(rate < *p.on_demand_usd_per_hour)) {
    return std::nullopt;
  }
  return rate;
}

int spot_cap(int needed, const std::optional<double>& rate, const SpotModel& spot) {
  // The 1e-9 keeps a share of exactly 0.5 × 4 replicas from rounding down to 1.
  return rate ? static_cast<int>(std::floor(spot.max_share * needed + 1e-9)) : 0;
}

double occurrences(const std::vector<int>& needed, double hours_per_month) {
  return hours_per_month / static_cast<double>(needed.size());
}

} // namespace

void validate(const SpotModel& spot) {
  if (!(spot.preemptions_per_day >= 0 && spot.preemptions_per_day <= 1440)) {
    throw Error(ErrorKind::usage,
                fmt::format("--spot-preemptions-per-day: {:g} is not a rate from 0 to 1440", spot.preemptions_per_day));
  }
  if (!(spot.recovery_hours >= 0 && spot.recovery_hours <= 24)) {
    throw Error(ErrorKind::usage, fmt::format("--spot-recovery-hours: {:g} is outside 0–24 h", spot.recovery_hours),
                "the time from a preemption until a replacement serves: capacity found, model loaded");
  }
  if (!(spot.max_share >= 0 && spot.max_share <= 1)) {
    throw Error(ErrorKind::usage, fmt::format("--spot-max-share: {:g} is not a fraction in [0, 1]", spot.max_share),
                "0 rents no spot; 0.5 puts at most half of each hour's replicas on spot");
  }
}

int FleetPlan::peak_on_demand() const { return on_demand.empty() ? 0 : *std::max_element(on_demand.begin(), on_demand.end()); }
int FleetPlan::peak_spot() const { return spot.empty() ? 0 : *std::max_element(spot.begin(), spot.end()); }

FleetPlan fleet_with(const std::vector<int>& needed, int committed, const FleetPrices& prices, const SpotModel& spot,
                     double hours_per_month) {
  FleetPlan plan;
  plan.committed = committed;
  plan.needed = needed;
  plan.on_demand.assign(needed.size(), 0);
  plan.spot.assign(needed.size(), 0);
  const double m = occurrences(needed, hours_per_month);
  const auto s_rate = spot_rate(prices, spot);
  long long od_hours = 0, spot_hours = 0;
  for (std::size_t h = 0; h < needed.size(); ++h) {
    const int rest = std::max(0, needed[h] - committed);
    plan.spot[h] = std::min(rest, spot_cap(needed[h], s_rate, spot));
    plan.on_demand[h] = rest - plan.spot[h];
    od_hours += plan.on_demand[h];
    spot_hours += plan.spot[h];
  }
  if (committed > 0) {
    plan.committed_usd_per_month = committed * prices.commit_usd_per_hour.value_or(0) * hours_per_month;
  }
  if (od_hours > 0) {
    if (!prices.on_demand_usd_per_hour) {
      plan.feasible = false;
    } else {
      plan.on_demand_usd_per_month = static_cast<double>(od_hours) * m * *prices.on_demand_usd_per_hour;
    }
  }
  if (spot_hours > 0) {
    plan.spot_usd_per_month = static_cast<double>(spot_hours) * m * *s_rate;
    plan.spot_preemptions_per_month = static_cast<double>(spot_hours) * m * spot.preemptions_per_day / k_hours_per_day;
    plan.spot_short_replica_hours_per_month = plan.spot_preemptions_per_month * spot.recovery_hours;
  }
  return plan;
}

FleetPlan plan_fleet(const std::vector<int>& needed, const FleetPrices& prices, const SpotModel& spot,
                     double hours_per_month) {
  const int peak = needed.empty() ? 0 : *std::max_element(needed.begin(), needed.end());
  int committed = 0;
  if (prices.commit_usd_per_hour && peak > 0) {
    const auto s_rate = spot_rate(prices, spot);
    // at_least[k]: hours needing ≥ k replicas; beyond_spot[k]: hours whose k-th replica would be
    // on demand (n_h − cap_h ≥ k). Histograms, then suffix sums.
    std::vector<long long> at_least(static_cast<std::size_t>(peak) + 2, 0), beyond_spot(at_least.size(), 0);
    for (int n : needed) {
      ++at_least[static_cast<std::size_t>(std::max(0, n))];
      ++beyond_spot[static_cast<std::size_t>(std::max(0, n - spot_cap(n, s_rate, spot)))];
    }
    for (std::size_t k = at_least.size() - 1; k-- > 0;) {
      at_least[k] += at_least[k + 1];
      beyond_spot[k] += beyond_spot[k + 1];
    }
    const double m = occurrences(needed, hours_per_month);
    const double month_of_commitment = *prices.commit_usd_per_hour * hours_per_month;
    for (int k = 1; k <= peak; ++k) {
      const auto od = static_cast<double>(beyond_spot[static_cast<std::size_t>(k)]);
      const auto on_spot = static_cast<double>(at_least[static_cast<std::size_t>(k)]) - od;
      double saving = 0;
      if (od > 0) {
        saving += prices.on_demand_usd_per_hour ? od * *prices.on_demand_usd_per_hour
                                                 : std::numeric_limits<double>::infinity();
      }
      if (on_spot > 0) {
        saving += on_spot * s_rate.value_or(0);
      }
      if (!(m * saving > month_of_commitment)) {
        break; // S(k) only falls from here
      }
      committed = k;
    }
  }
  return fleet_with(needed, committed, prices, spot, hours_per_month);
}

FleetPlan plan_fleet_exhaustive(const std::vector<int>& needed, const FleetPrices& prices, const SpotModel& spot,
                                double hours_per_month) {
  const int peak = needed.empty() ? 0 : *std::max_element(needed.begin(), needed.end());
  std::optional<FleetPlan> best;
  for (int c = 0; c <= (prices.commit_usd_per_hour ? peak : 0); ++c) {
    FleetPlan plan = fleet_with(needed, c, prices, spot, hours_per_month);
    if (plan.feasible && (!best || plan.usd_per_month() < best->usd_per_month())) {
      best = std::move(plan);
    }
  }
  return best ? *best : fleet_with(needed, 0, prices, spot, hours_per_month);
}

PlanResult plan_fleets(const Catalog& catalog, const PlanQuery& q) {
  if (!q.workload.curve) {
    throw Error(ErrorKind::usage, "a fleet plan needs a load curve", "give --load-curve, or --rate with --hours");
  }
  const LoadCurve& curve = *q.workload.curve;
  MemoryOptions memory = q.memory;
  memory.context_tokens = q.workload.context();
  CapacityMemo capacities(q.perf, q.workload);
  const double hours_per_month = q.pricing.hours_per_month;
  const double m = hours_per_month / static_cast<double>(curve.requests_per_s.size());
  double requests_per_month = 0;
  for (double r : curve.requests_per_s) {
    requests_per_month += r * k_seconds_per_hour * m;
  }

  PlanResult result;
  std::map<std::string, bool> fits_by_accelerator, serves_by_accelerator;
  std::map<std::string, const Offering*> largest;
  std::vector<OptionPlan> all;
  for (const Offering* offering : one_region_each(select_offerings(catalog, q.filter))) {
    const Accelerator& accelerator = catalog.accelerator_of(*offering);
    if (accelerator.preview || !q.perf.serves(accelerator) || !q.perf.holds_layout(offering->chips) ||
        !runs_weights(accelerator, memory.weights)) {
      continue;
    }
    const Offering*& big = largest[accelerator.id];
    if (big == nullptr || offering->chips > big->chips) {
      big = offering;
    }
    fits_by_accelerator.emplace(accelerator.id, false);
    serves_by_accelerator.emplace(accelerator.id, false);
    if (!fit_memory(q.perf.model, accelerator, offering->chips, q.perf.memory_for(accelerator, memory)).fits) {
      continue;
    }
    fits_by_accelerator[accelerator.id] = true;
    const CapacityAnswer& answer = capacities.get(accelerator, offering->chips, memory.weights);
    if (!answer.problem.empty()) {
      result.problems.push_back(fmt::format("{}: {}", offering->id, answer.problem));
    }
    if (!answer.capacity) {
      continue;
    }
    serves_by_accelerator[accelerator.id] = true;
    OptionPlan option;
    option.offering = offering;
    option.accelerator = &accelerator;
    option.capacity = *answer.capacity;
    option.output_tokens_per_month = requests_per_month * q.workload.output_tokens;
    std::vector<int> needed;
    needed.reserve(curve.requests_per_s.size());
    for (double r : curve.requests_per_s) {
      needed.push_back(replicas_for(r, option.capacity, q.workload));
    }
    auto price = [&](Tier t) {
      const auto& p = offering->price(t);
      return p ? std::optional<double>(p->usd_per_hour) : std::nullopt;
    };
    FleetPrices prices{price(Tier::on_demand), price(Tier::spot), std::nullopt};
    for (std::optional<Tier> term : {std::optional<Tier>{}, std::optional<Tier>{Tier::commit_1y},
                                     std::optional<Tier>{Tier::commit_3y}}) {
      if (term) {
        prices.commit_usd_per_hour = price(*term);
        if (!prices.commit_usd_per_hour) {
          continue;
        }
      }
      TermPlan plan;
      plan.term = term;
      plan.fleet = plan_fleet(needed, prices, q.spot, hours_per_month);
      if (!plan.fleet.feasible) {
        continue;
      }
      plan.usd_per_month = plan.fleet.usd_per_month();
      if (option.output_tokens_per_month > 0) {
        plan.usd_per_million_output_tokens = plan.usd_per_month / option.output_tokens_per_month * 1e6;
      }
      if (term && prices.on_demand_usd_per_hour && *prices.on_demand_usd_per_hour > 0) {
        plan.commit_share_threshold = *prices.commit_usd_per_hour / *prices.on_demand_usd_per_hour;
      }
      option.plans.push_back(std::move(plan));
    }
    if (option.plans.empty()) {
      continue; // no tier rents by the hour and none commits: nothing to plan with
    }
    for (std::size_t i = 1; i < option.plans.size(); ++i) {
      if (option.plans[i].usd_per_month < option.plans[option.best].usd_per_month) {
        option.best = i;
      }
    }
    all.push_back(std::move(option));
  }
  for (const auto& [id, fits] : fits_by_accelerator) {
    if (!fits) {
      result.too_small.emplace_back(id, largest[id]);
    } else if (!serves_by_accelerator[id]) {
      result.missing_slo.push_back(id);
    }
  }
  const auto cheaper = [](const OptionPlan& a, const OptionPlan& b) {
    const double x = a.best_plan().usd_per_month, y = b.best_plan().usd_per_month;
    if (x != y) {
      return x < y;
    }
    if (a.offering->chips != b.offering->chips) {
      return a.offering->chips < b.offering->chips;
    }
    return a.offering->id < b.offering->id;
  };
  std::stable_sort(all.begin(), all.end(), cheaper);
  if (q.all) {
    result.options = std::move(all);
  } else {
    std::map<std::string, bool> shown;
    for (auto& o : all) {
      if (!shown[o.accelerator->id]) {
        shown[o.accelerator->id] = true;
        result.options.push_back(std::move(o));
      }
    }
  }
  return result;
}

std::string describe(const TermPlan& plan) {
  const FleetPlan& f = plan.fleet;
  std::string out = plan.term && f.committed > 0
                        ? fmt::format("commit {} ({})", f.committed, to_string(*plan.term))
                        : std::string("commit none");
  const int od = f.peak_on_demand(), spot = f.peak_spot();
  if (od > 0 || spot > 0) {
    out += ", up to";
    if (od > 0) {
      out += fmt::format(" {} on-demand", od);
    }
    if (spot > 0) {
      out += fmt::format("{} {} spot", od > 0 ? " +" : "", spot);
    }
    out += " an hour";
  }
  return out;
}

} // namespace tpuplan
