// The sizing search. For each offering × precision: the Estimator gives the largest batch
// that fits and meets TPOT (and TTFT); the load sets the replicas; the tier sets the price.
// Cost per million tokens divides the bill of the hours used by the tokens served in them.
#include <tpuplan/money/sizing.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>

namespace tpuplan {

namespace {

constexpr int k_max_extra_replicas = 8; // how far to add replicas to bring queueing under the TTFT target

struct Priced {
  double usd_per_hour = 0;
  double usd_per_month = 0;
  double usd_per_useful_hour = 0;
};

std::optional<Priced> price_of(const Offering& o, Tier tier, const PricingOptions& pricing) {
  const auto cost = offering_cost(o, pricing);
  if (!cost.hourly(tier) || !cost.per_useful_hour(tier)) {
    return std::nullopt;
  }
  return Priced{*cost.hourly(tier), *cost.monthly(tier), *cost.per_useful_hour(tier)};
}

/// Why batch 1 already misses, and by how much (achieved ÷ target).
std::pair<RejectReason, double> latency_miss(const Estimate& e, const BatchLimits& limits) {
  double ttft_ratio = 0;
  double tpot_ratio = 0;
  if (limits.ttft_ms) {
    ttft_ratio = e.ttft_ms ? *e.ttft_ms / *limits.ttft_ms : INFINITY;
  }
  if (limits.tpot_ms) {
    tpot_ratio = e.tpot_ms / *limits.tpot_ms;
  }
  return tpot_ratio >= ttft_ratio ? std::pair{RejectReason::misses_tpot, tpot_ratio}
                                  : std::pair{RejectReason::misses_ttft, ttft_ratio};
}

/// Replicas and the operating point for the query's load; nullopt when TTFT cannot be met.
std::optional<std::pair<int, Estimate>> serve_load(const ModelSpec& model, const Accelerator& accelerator,
                                                   EstimateRequest request, const SizingQuery& q,
                                                   const Estimate& best) {
  if (q.concurrency) {
    const int replicas = (*q.concurrency + best.batch - 1) / best.batch;
    const int batch = (*q.concurrency + replicas - 1) / replicas;
    const Estimator e(model, accelerator, request);
    return std::pair{replicas, e.at(batch)};
  }
  if (!q.rate_requests_per_s) {
    return std::pair{1, best};
  }
  const double rate = *q.rate_requests_per_s;
  int replicas = std::max(1, static_cast<int>(std::ceil(rate / best.requests_per_s)));
  for (int extra = 0; extra <= k_max_extra_replicas; ++extra, ++replicas) {
    request.load_requests_per_s = rate / replicas;
    const Estimator loaded(model, accelerator, request);
    if (auto e = best_batch(loaded, q.limits)) {
      return std::pair{replicas, *e};
    }
  }
  return std::nullopt;
}

} // namespace

std::string_view to_string(Objective objective) {
  return objective == Objective::usd_per_month ? "usd-per-month" : "usd-per-million-tokens";
}

std::optional<Objective> parse_objective(std::string_view name) {
  if (name == "usd-per-month") {
    return Objective::usd_per_month;
  }
  if (name == "usd-per-million-tokens") {
    return Objective::usd_per_million_tokens;
  }
  return std::nullopt;
}

std::string_view to_string(RejectReason reason) {
  switch (reason) {
  case RejectReason::does_not_fit:
    return "does not fit";
  case RejectReason::misses_ttft:
    return "misses TTFT";
  case RejectReason::misses_tpot:
    return "misses TPOT";
  case RejectReason::unpriced:
    return "unpriced";
  }
  return "";
}

SizingResult size_offerings(const Catalog& catalog, const SizingQuery& q) {
  SizingResult result;
  auto reject = [&](RejectReason r) { ++result.rejected[static_cast<std::size_t>(r)]; };
  for (const Offering* listed : select_offerings(catalog, q.filter)) {
    const Offering& offering = *listed;
    const Accelerator& accelerator = catalog.accelerator_of(offering);
    if (accelerator.preview) {
      continue;
    }
    const auto priced = price_of(offering, q.tier, q.pricing);
    Efficiency efficiency = default_efficiency(accelerator);
    for (const auto& [family, fitted] : q.family_efficiency) {
      if (!family.empty() && family == accelerator.family) {
        efficiency = fitted;
      }
    }
    if (!q.efficiency_overrides.empty()) {
      efficiency = parse_efficiency(q.efficiency_overrides, efficiency, "--efficiency");
    }
    for (Precision precision : q.precisions) {
      ++result.evaluated;
      EstimateRequest request = q.request;
      request.chips = offering.chips;
      request.weights = precision;
      request.efficiency = efficiency;
      request.load_requests_per_s.reset();
      const Estimator estimator(q.model, accelerator, request);
      if (estimator.max_batch() < 1) {
        reject(RejectReason::does_not_fit);
        continue;
      }
      const auto best = best_batch(estimator, q.limits);
      if (!best) {
        const auto [reason, ratio] = latency_miss(estimator.at(1), q.limits);
        reject(reason);
        if (!result.nearest || ratio < result.nearest->shortfall) {
          result.nearest = NearMiss{&offering, precision, reason, estimator.at(1), ratio};
        }
        continue;
      }
      if (!priced) {
        reject(RejectReason::unpriced);
        continue;
      }
      const auto served = serve_load(q.model, accelerator, request, q, *best);
      if (!served) {
        reject(RejectReason::misses_ttft);
        continue;
      }
      SizingCandidate c;
      c.offering = &offering;
      c.accelerator = &accelerator;
      c.precision = precision;
      c.replicas = served->first;
      c.estimate = served->second;
      c.usd_per_hour = priced->usd_per_hour * c.replicas;
      c.usd_per_month = priced->usd_per_month * c.replicas;
      c.served_output_tokens_per_s = q.rate_requests_per_s
                                         ? *q.rate_requests_per_s * q.request.output_tokens
                                         : c.estimate.output_tokens_per_s * c.replicas;
      c.usd_per_million_output_tokens =
          usd_per_million_tokens(priced->usd_per_useful_hour * c.replicas, c.served_output_tokens_per_s);
      c.objective = q.objective == Objective::usd_per_month ? c.usd_per_month : c.usd_per_million_output_tokens;
      result.feasible.push_back(c);
    }
  }
  std::stable_sort(result.feasible.begin(), result.feasible.end(), [](const SizingCandidate& a, const SizingCandidate& b) {
    if (a.objective != b.objective) {
      return a.objective < b.objective;
    }
    if (a.offering->chips * a.replicas != b.offering->chips * b.replicas) {
      return a.offering->chips * a.replicas < b.offering->chips * b.replicas;
    }
    return a.offering->id < b.offering->id;
  });
  return result;
}

} // namespace tpuplan
