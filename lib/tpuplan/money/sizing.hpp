// Right-sizing: the cheapest offering × precision × batch (× replicas) that holds a model,
// meets latency targets and serves a load (`tpuplan size`).
#pragma once

#include <tpuplan/money/cost.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// What the search minimises.
enum class Objective { usd_per_month, usd_per_million_tokens };
std::string_view to_string(Objective objective);
std::optional<Objective> parse_objective(std::string_view name);

/// Why a candidate was rejected.
enum class RejectReason { does_not_fit = 0, misses_ttft = 1, misses_tpot = 2, unpriced = 3 };
inline constexpr std::array<RejectReason, 4> k_all_reject_reasons = {
    RejectReason::does_not_fit, RejectReason::misses_ttft, RejectReason::misses_tpot, RejectReason::unpriced};
std::string_view to_string(RejectReason reason);

/// A sizing question.
struct SizingQuery {
  ModelSpec model;
  std::vector<Precision> precisions = {Precision::bf16};
  EstimateRequest request;                  ///< workload, kv precision, mode, headroom (chips/weights set per candidate)
  std::string efficiency_overrides;         ///< "compute=0.5,…" applied on each accelerator's defaults
  /// Factors that replace the defaults of an accelerator family (Accelerator::family), e.g.
  /// fitted to a bench profile (calibrate.hpp); efficiency_overrides apply on top.
  std::vector<std::pair<std::string, Efficiency>> family_efficiency;
  std::optional<double> rate_requests_per_s; ///< open load: replicas = ⌈rate ÷ capacity⌉
  std::optional<int> concurrency;            ///< closed load: this many sequences in flight
  BatchLimits limits;                        ///< TTFT/TPOT targets and an engine batch cap
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
  Estimate estimate;             ///< one replica at its operating batch
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
};

/// Searches every matching offering × precision; for each, the best batch under the limits,
/// the replicas the load needs, and the cost in the query's tier.
SizingResult size_offerings(const Catalog& catalog, const SizingQuery& query);

} // namespace tpuplan
