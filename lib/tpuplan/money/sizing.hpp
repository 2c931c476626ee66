// Right-sizing: the cheapest offering × precision × batch (× replicas) that holds a model,
// meets latency targets and serves a load (`tpuplan size`).
#pragma once

#include <tpuplan/money/cost.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/money/workload.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// A sizing question.
struct SizingQuery {
  std::vector<Precision> precisions = {Precision::bf16};
  PerformanceModel perf;                     ///< the model and the estimator's settings
  Workload workload;                         ///< lengths, context, SLO, load, headroom
  PricingOptions pricing;
  Tier tier = Tier::on_demand;               ///< the tier the cost is taken in
  Objective objective = Objective::usd_per_month;
  OfferingFilter filter;
};

/// One feasible option.
struct SizingCandidate {
  const Offering* offering = nullptr;
  const Accelerator* accelerator = nullptr;
  Precision precision = Precision::bf16;
  Estimate estimate;             ///< one replica at its operating point
  ReplicaCapacity capacity;      ///< one replica at the SLO
  int replicas = 1;
  double usd_per_hour = 0;       ///< list price × replicas in the query's tier
  double usd_per_month = 0;      ///< monthly bill × replicas
  double usd_per_million_output_tokens = 0; ///< at the served load (at capacity without a load)
  double served_output_tokens_per_s = 0;    ///< output tokens per second the replicas deliver
  double objective = 0;
};

/// A rejected candidate closest to meeting the targets, to tell the user what is nearest.
struct NearMiss {
  const Offering* offering = nullptr;
  Precision precision = Precision::bf16;
  RejectReason reason = RejectReason::misses_tpot;
  Estimate at_batch_1;           ///< its best latency (batch 1)
  double shortfall = 0;          ///< achieved ÷ target of the missed limit (> 1)
};

/// The answer: feasible candidates sorted by the objective (best first), and rejections.
struct SizingResult {
  std::vector<SizingCandidate> feasible;
  std::array<int, 4> rejected{};  ///< by RejectReason
  int evaluated = 0;              ///< offering × precision pairs examined
  std::optional<NearMiss> nearest;
  std::vector<std::string> problems; ///< "id: why the estimator gave no figure"
};

/// Searches every matching offering (one region each, preferred_region) × precision; for
/// each, the best batch under the SLO, the replicas the load needs, and the cost in the tier.
SizingResult size_offerings(const Catalog& catalog, const SizingQuery& query);

} // namespace tpuplan
