#include <tpuplan/money/cost.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace tpuplan {

namespace {

int priced_tiers(const Offering& o) {
  return static_cast<int>(std::count_if(o.prices.begin(), o.prices.end(), [](const auto& p) { return p.has_value(); }));
}

/// Orders by rank (unranked last); ties by fewer chips × replicas, then id for a stable output.
bool rank_less(const CostRow& a, const CostRow& b) {
  if (a.rank_value.has_value() != b.rank_value.has_value()) {
    return a.rank_value.has_value();
  }
  if (a.rank_value && *a.rank_value != *b.rank_value) {
    return *a.rank_value < *b.rank_value;
  }
  const int chips_a = a.offering->chips * a.replicas(), chips_b = b.offering->chips * b.replicas();
  if (chips_a != chips_b) {
    return chips_a < chips_b;
  }
  return a.offering->id < b.offering->id;
}

/// The objective of a row in its ranking tier.
std::optional<double> rank_of(const CostRow& r, Objective objective) {
  if (!r.rank_tier) {
    return std::nullopt;
  }
  switch (objective) {
  case Objective::usd_per_month:
    return r.load_usd_per_month(*r.rank_tier);
  case Objective::usd_per_million_tokens:
    return r.usd_per_million_output_tokens(*r.rank_tier);
  case Objective::chips:
    return r.capacity ? std::optional<double>(r.offering->chips * r.replicas()) : std::nullopt;
  }
  return std::nullopt;
}

} // namespace

std::string_view to_string(Objective objective) {
  switch (objective) {
  case Objective::usd_per_month:
    return "usd-per-month";
  case Objective::usd_per_million_tokens:
    return "usd-per-million-tokens";
  case Objective::chips:
    return "chips";
  }
  return "";
}

std::optional<Objective> parse_objective(std::string_view name) {
  for (Objective o : {Objective::usd_per_million_tokens, Objective::usd_per_month, Objective::chips}) {
    if (name == to_string(o)) {
      return o;
    }
  }
  return std::nullopt;
}

std::vector<std::string> objective_names() { return {"usd-per-million-tokens", "usd-per-month", "chips"}; }

bool preferred_region(const Offering& a, const Offering& b) {
  const auto price = [](const Offering& o, Tier t) {
    const auto& p = o.price(t);
    return p ? p->usd_per_hour : std::numeric_limits<double>::infinity();
  };
  // On-demand prices are compared to the cent: a catalog's rounding (p4d.24xlarge is
  // $21.957642 in us-east-1 and $21.95764 in us-west-2) must not pick a region whose other
  // tiers are worse.
  const auto cents = [&](const Offering& o) {
    const double p = price(o, Tier::on_demand);
    return std::isfinite(p) ? static_cast<double>(std::llround(p * 100)) : p;
  };
  if (cents(a) != cents(b)) {
    return cents(a) < cents(b);
  }
  if (priced_tiers(a) != priced_tiers(b)) {
    return priced_tiers(a) > priced_tiers(b);
  }
  for (Tier t : {Tier::spot, Tier::commit_1y, Tier::commit_3y}) {
    if (price(a, t) != price(b, t)) {
      return price(a, t) < price(b, t);
    }
  }
  return a.id < b.id;
}

std::vector<const Offering*> one_region_each(const std::vector<const Offering*>& offerings) {
  std::map<std::pair<std::string, std::string>, const Offering*> best;
  for (const Offering* o : offerings) {
    auto [it, inserted] = best.emplace(std::pair{o->cloud, o->name}, o);
    if (!inserted && preferred_region(*o, *it->second)) {
      it->second = o;
    }
  }
  std::vector<const Offering*> out;
  for (const Offering* o : offerings) {
    if (best.at({o->cloud, o->name}) == o) {
      out.push_back(o);
    }
  }
  return out;
}

std::optional<double> CostRow::load_usd_per_month(Tier tier) const {
  const auto& m = cost.monthly(tier);
  return m ? std::optional<double>(*m * replicas()) : std::nullopt;
}

std::optional<double> CostRow::usd_per_million_output_tokens(Tier tier) const {
  const auto& per_hour = cost.per_useful_hour(tier);
  if (!per_hour || !serving || !(serving->served_output_tokens_per_s > 0)) {
    return std::nullopt;
  }
  return usd_per_million_tokens(*per_hour * replicas(), serving->served_output_tokens_per_s);
}

std::optional<double> usd_per_million_output_tokens_at(const CostRow& row, Tier tier, const Workload& workload,
                                                       double hours_per_day, double factor) {
  const auto& per_hour = row.cost.per_useful_hour(tier);
  if (!per_hour || !row.serving || !row.capacity || row.capacity->figures != "estimate" ||
      !(row.serving->served_output_tokens_per_s > 0) || !(factor > 0) || !std::isfinite(factor)) {
    return std::nullopt;
  }
  const auto rate = workload.requests_per_s(hours_per_day);
  if (rate && !workload.concurrency) {
    ReplicaCapacity scaled = *row.capacity;
    scaled.planned_requests_per_s *= factor;
    return usd_per_million_tokens(*per_hour * replicas_for(*rate, scaled, workload),
                                  row.serving->served_output_tokens_per_s);
  }
  return usd_per_million_tokens(*per_hour * row.replicas(), row.serving->served_output_tokens_per_s * factor);
}

CostResult compare_costs(const Catalog& catalog, const CostQuery& query) {
  MemoryOptions memory = query.memory;
  memory.context_tokens = query.workload.context();
  CapacityMemo capacities(query.perf, query.workload);
  std::vector<const Offering*> listed = select_offerings(catalog, query.filter);
  const std::vector<const Offering*> preferred = one_region_each(listed);
  std::vector<CostRow> candidates;
  for (const Offering* offering : query.all ? listed : preferred) {
    const Accelerator& accelerator = catalog.accelerator_of(*offering);
    if (accelerator.preview || !query.perf.serves(accelerator) || !query.perf.holds_layout(offering->chips) ||
        !runs_weights(accelerator, memory.weights)) {
      continue;
    }
    CostRow row;
    row.offering = offering;
    row.accelerator = &accelerator;
    row.fit = fit_memory(query.perf.model, accelerator, offering->chips, query.perf.memory_for(accelerator, memory));
    row.cost = offering_cost(*offering, query.pricing);
    if (row.fit.fits) {
      const CapacityAnswer& answer = capacities.get(accelerator, offering->chips, memory.weights);
      row.capacity = answer.capacity;
      row.estimate_problem = answer.problem;
      if (row.capacity) {
        row.serving = serve(query.perf, query.workload, accelerator, offering->chips, memory.weights, *row.capacity,
                            query.pricing.hours_per_day);
      }
    }
    row.rank_tier = query.rank_tier ? query.rank_tier : row.cost.cheapest;
    row.rank_value = rank_of(row, query.sort);
    candidates.push_back(std::move(row));
  }

  CostResult result;
  std::map<std::string, std::vector<const CostRow*>> by_accelerator;
  for (const auto& row : candidates) {
    by_accelerator[row.accelerator->id].push_back(&row);
  }
  for (const auto& [id, rows] : by_accelerator) {
    const bool any_fits = std::any_of(rows.begin(), rows.end(), [](const CostRow* r) { return r->fit.fits; });
    const bool any_capacity = std::any_of(rows.begin(), rows.end(), [](const CostRow* r) { return r->capacity.has_value(); });
    if (!any_fits) {
      const CostRow* largest = *std::max_element(rows.begin(), rows.end(), [](const CostRow* a, const CostRow* b) {
        return a->offering->chips < b->offering->chips;
      });
      result.too_small.emplace_back(id, largest->offering);
    } else if (!any_capacity && (query.workload.slo.ttft_ms || query.workload.slo.tpot_ms)) {
      result.missing_slo.push_back(id);
    }
  }
  if (query.all) {
    result.rows = candidates;
  } else {
    // Per accelerator (and cloud, with `per_cloud`): the best option by the objective; without a
    // figure, the smallest that holds it.
    std::map<std::string, std::vector<const CostRow*>> by_pick = by_accelerator;
    if (query.per_cloud) {
      by_pick.clear();
      for (const auto& row : candidates) {
        by_pick[row.accelerator->id + '@' + row.offering->cloud].push_back(&row);
      }
    }
    for (const auto& [id, rows] : by_pick) {
      const CostRow* best = nullptr;
      for (const CostRow* row : rows) {
        if (!row->fit.fits) {
          continue;
        }
        const bool better = best == nullptr || (row->rank_value.has_value() != best->rank_value.has_value()
                                                    ? row->rank_value.has_value()
                                                    : rank_less(*row, *best));
        if (better) {
          best = row;
        }
      }
      if (best != nullptr) {
        result.rows.push_back(*best);
      }
    }
    for (const OfferingPick& pick : query.also_show) {
      const auto matches = [&](const CostRow& r) {
        return r.accelerator->id == pick.accelerator && r.offering->chips == pick.chips &&
               (pick.name.empty() || r.offering->name == pick.name);
      };
      if (std::any_of(result.rows.begin(), result.rows.end(), matches)) {
        continue;
      }
      const CostRow* chosen = nullptr;
      for (const auto& row : candidates) {
        if (matches(row) && (chosen == nullptr || preferred_region(*row.offering, *chosen->offering))) {
          chosen = &row;
        }
      }
      if (chosen != nullptr) {
        result.rows.push_back(*chosen);
      }
    }
  }
  result.considered = std::move(candidates);
  std::stable_sort(result.rows.begin(), result.rows.end(), [](const CostRow& a, const CostRow& b) {
    // Options that hold the model come first, then by rank.
    if (a.fit.fits != b.fit.fits) {
      return a.fit.fits;
    }
    return rank_less(a, b);
  });
  return result;
}

} // namespace tpuplan
