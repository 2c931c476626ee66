// What --explain prints for `cost` and `size`: the arithmetic of one option, step by step, with
// its own numbers (memory fit, the bill of each tier, replicas, $ per 1M output tokens).
#pragma once

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/money/pricing.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::app {

/// The throughput side of one option, as its row shows it.
struct ExplainedServing {
  std::optional<double> output_tokens_per_s;        ///< one replica at its operating point
  std::optional<int> batch;                         ///< its batch
  std::optional<double> capacity_requests_per_s;    ///< one replica within the SLO
  std::optional<double> load_requests_per_s;        ///< the load (absent: none given)
  int replicas = 1;
  std::optional<double> served_output_tokens_per_s; ///< what $/1M divides by
  std::string figures = "estimate";
  std::vector<Tier> per_token_tiers = {Tier::on_demand, Tier::spot}; ///< the $/1M lines
};

/// Lines for `option`: how its memory fits, its bill in each priced tier, its replicas and its
/// $ per 1M output tokens.
std::vector<std::string> explain_option(const Offering& option, const MemoryFit& fit, const MemoryOptions& memory,
                                        const PricingOptions& pricing, const ExplainedServing& serving);

} // namespace tpuplan::app
