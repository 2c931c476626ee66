// The sizing search. For each offering × precision: replica_capacity gives the best batch that
// fits and meets the SLO and the load one replica takes; serve() sets the replicas; the tier
// sets the price. Cost per million tokens divides the bill of the hours used by the tokens served.
#include <tpuplan/money/sizing.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

SizingResult size_offerings(const Catalog& catalog, const SizingQuery& q) {
  SizingResult result;
  auto reject = [&](RejectReason r) { ++result.rejected[static_cast<std::size_t>(r)]; };
  for (const Offering* listed : one_region_each(select_offerings(catalog, q.filter))) {
    const Offering& offering = *listed;
    const Accelerator& accelerator = catalog.accelerator_of(offering);
    if (accelerator.preview || !q.perf.serves(accelerator) || !q.perf.holds_layout(offering.chips)) {
      continue;
    }
    const OfferingCost cost = offering_cost(offering, q.pricing);
    for (Precision precision : q.precisions) {
      if (!runs_weights(accelerator, precision)) {
        continue; // FP4 formats only where the chip has FP4 tensor cores
      }
      ++result.evaluated;
      const CapacityAnswer answer = replica_capacity(q.perf, q.workload, accelerator, offering.chips, precision);
      if (!answer.problem.empty()) {
        result.problems.push_back(fmt::format("{}: {}", offering.id, answer.problem));
        reject(RejectReason::does_not_fit);
        continue;
      }
      if (!answer.capacity) {
        reject(answer.reason);
        if (answer.reason != RejectReason::does_not_fit && answer.at_batch_1 &&
            (!result.nearest || answer.shortfall < result.nearest->shortfall)) {
          result.nearest = NearMiss{&offering, precision, answer.reason, *answer.at_batch_1, answer.shortfall};
        }
        continue;
      }
      if (!cost.hourly(q.tier) || !cost.per_useful_hour(q.tier)) {
        reject(RejectReason::unpriced);
        continue;
      }
      const auto served =
          serve(q.perf, q.workload, accelerator, offering.chips, precision, *answer.capacity, q.pricing.hours_per_day);
      if (!served) {
        reject(RejectReason::misses_ttft);
        continue;
      }
      SizingCandidate c;
      c.offering = &offering;
      c.accelerator = &accelerator;
      c.precision = precision;
      c.capacity = *answer.capacity;
      c.replicas = served->replicas;
      c.estimate = served->estimate;
      c.usd_per_hour = *cost.hourly(q.tier) * c.replicas;
      c.usd_per_month = *cost.monthly(q.tier) * c.replicas;
      c.served_output_tokens_per_s = served->served_output_tokens_per_s;
      c.usd_per_million_output_tokens =
          usd_per_million_tokens(*cost.per_useful_hour(q.tier) * c.replicas, c.served_output_tokens_per_s);
      switch (q.objective) {
      case Objective::usd_per_month:
        c.objective = c.usd_per_month;
        break;
      case Objective::usd_per_million_tokens:
        c.objective = c.usd_per_million_output_tokens;
        break;
      case Objective::chips:
        c.objective = static_cast<double>(offering.chips * c.replicas);
        break;
      }
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
