#include <tpuplan/money/cost.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <map>

namespace tpuplan {

namespace {

std::optional<double> rank_of(const OfferingCost& cost, const std::optional<Tier>& tier) {
  return tier ? cost.monthly(*tier) : cost.cheapest_monthly();
}

/// Orders by rank, unpriced last; ties by fewer chips, then id for a stable output.
bool rank_less(const CostRow& a, const CostRow& b) {
  if (a.rank_usd_per_month.has_value() != b.rank_usd_per_month.has_value()) {
    return a.rank_usd_per_month.has_value();
  }
  if (a.rank_usd_per_month && *a.rank_usd_per_month != *b.rank_usd_per_month) {
    return *a.rank_usd_per_month < *b.rank_usd_per_month;
  }
  if (a.offering->chips != b.offering->chips) {
    return a.offering->chips < b.offering->chips;
  }
  return a.offering->id < b.offering->id;
}

int priced_tiers(const Offering& o) {
  return static_cast<int>(std::count_if(o.prices.begin(), o.prices.end(), [](const auto& p) { return p.has_value(); }));
}

/// Which region to show for an accelerator's smallest holding slice: the lowest list price in
/// the ranking tier (on-demand unless one is asked for), then the region with more tiers
/// priced (so commitments show where they are sourced), then the lowest bill of any tier.
bool better_region(const CostRow& a, const CostRow& b, const std::optional<Tier>& tier) {
  const auto key = [&](const CostRow& r) { return r.cost.monthly(tier.value_or(Tier::on_demand)); };
  const auto ka = key(a), kb = key(b);
  if (ka.has_value() != kb.has_value()) {
    return ka.has_value();
  }
  if (ka && *ka != *kb) {
    return *ka < *kb;
  }
  if (priced_tiers(*a.offering) != priced_tiers(*b.offering)) {
    return priced_tiers(*a.offering) > priced_tiers(*b.offering);
  }
  return rank_less(a, b);
}

} // namespace

CostResult compare_costs(const Catalog& catalog, const CostQuery& query) {
  std::vector<CostRow> candidates;
  for (const Offering* offering : select_offerings(catalog, query.filter)) {
    const Accelerator& accelerator = catalog.accelerator_of(*offering);
    if (accelerator.preview) {
      continue;
    }
    CostRow row;
    row.offering = offering;
    row.accelerator = &accelerator;
    row.fit = fit_memory(query.model, accelerator, offering->chips, query.memory);
    row.cost = offering_cost(*offering, query.pricing);
    row.rank_usd_per_month = rank_of(row.cost, query.rank_tier);
    candidates.push_back(std::move(row));
  }

  CostResult result;
  if (query.all) {
    result.rows = std::move(candidates);
  } else {
    // Per accelerator: the fewest chips that hold the model, then the best-ranked region.
    std::map<std::string, std::vector<CostRow>> by_accelerator;
    for (auto& row : candidates) {
      by_accelerator[row.accelerator->id].push_back(std::move(row));
    }
    for (auto& [id, rows] : by_accelerator) {
      const CostRow* best = nullptr;
      const CostRow* largest = nullptr;
      for (const auto& row : rows) {
        if (largest == nullptr || row.offering->chips > largest->offering->chips) {
          largest = &row;
        }
        if (!row.fit.fits) {
          continue;
        }
        if (best == nullptr || row.offering->chips < best->offering->chips ||
            (row.offering->chips == best->offering->chips && better_region(row, *best, query.rank_tier))) {
          best = &row;
        }
      }
      if (best != nullptr) {
        result.rows.push_back(*best);
      } else if (largest != nullptr) {
        result.too_small.emplace_back(id, largest->offering);
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
      for (const auto& [id, rows] : by_accelerator) {
        for (const auto& row : rows) {
          if (matches(row) && (chosen == nullptr || better_region(row, *chosen, query.rank_tier))) {
            chosen = &row;
          }
        }
      }
      if (chosen != nullptr) {
        result.rows.push_back(*chosen);
      }
    }
  }
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
