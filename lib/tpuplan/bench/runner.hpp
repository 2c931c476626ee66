// A whole `bench` run: probe the endpoint, warm up, run each load level with server
// metrics scraped around it, and assemble the profile. The app supplies flags, progress
// display and the stop flag; this computes.
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/bench/prompts.hpp>
#include <tpuplan/bench/slo_search.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan::bench {

/// Everything a run needs.
struct BenchConfig {
  Endpoint endpoint;
  std::optional<Api> api;             ///< unset: detected by probing
  std::string model;                  ///< empty: the first of /v1/models (OpenAI APIs)
  std::vector<LoadLevel> levels;      ///< one per --concurrency or --rate value
  std::int64_t warmup_requests = 0;   ///< sent at the first level's load before it; not measured
  SyntheticPrompts synthetic;
  bool input_tokens_given = false;    ///< --input-tokens given: never resized to the server's context
  std::filesystem::path dataset;      ///< JSONL prompts; empty: synthetic prompts
  int output_tokens = 128;
  std::optional<bool> ignore_eos;     ///< unset: sent where the server is known to accept it
  Slo slo;
  bool scrape_metrics = true;
  std::string metrics_url;            ///< empty: the endpoint's /metrics, if it serves Prometheus text
  double metrics_interval_s = 1;      ///< gauge sampling period during a level
  double drain_timeout_s = 5;         ///< after a stop, time given to requests in flight
  std::uint64_t seed = 0;
  /// Opens every prompt (unique per request; a shared block with --shared-prefix). Its nonce
  /// should be fresh per run, so that no run repeats another's prompts.
  PromptPrefix prefix;
  int repeat = 1;                     ///< runs of each level (--repeat)
  std::optional<SloSearchSpec> slo_search; ///< --slo: levels chosen by the search instead of `levels`
  std::filesystem::path trace;        ///< --trace: one open-loop level replaying it
  int turns = 1;                      ///< --turns: requests per conversation
  int max_connect_failures = 8;       ///< connection failures in a row that end a level
  std::string curl_library = k_libcurl_soname;
  // Recorded in the profile only.
  std::string offering;
  std::string accelerator;
  std::optional<int> chips;
  std::string tool_version;
};

/// What the app hears while the run goes on.
struct BenchHooks {
  std::function<void(std::string_view)> warn;
  /// level is 0-based (levels is 0 while an SLO search decides how many); warmup is true
  /// during the warm-up requests.
  std::function<void(std::size_t level, std::size_t levels, bool warmup, const LoadLevel& load, const LevelProgress&)>
      progress;
  /// Every measured request as it finishes (warm-up excluded), with its level's index in the
  /// profile and the level's time zero: --requests-out streams these to disk.
  std::function<void(std::size_t level, const RequestRecord& record, std::int64_t level_start_ns)> on_record;
  const StopFlag* stop = nullptr;
};

/// The profile of a run.
struct BenchRun {
  Profile profile;
  bool interrupted = false;
};

/// Runs the benchmark. Throws Error for bad input (dataset, trace, a --model the server does
/// not serve), an unreachable endpoint, or interrupted while probing; request failures are
/// results, not exceptions.
BenchRun run_bench(const BenchConfig& config, const BenchHooks& hooks);

/// A warning threshold: a prefix-cache hit rate above this means prompts were served from a
/// warm cache. Prompts open with a unique prefix, so their hit rate is ~0 apart from a
/// shared chat-template prefix; 10% flags any real reuse.
inline constexpr double k_warm_cache_hit_rate = 0.10;
/// A warning threshold: an open-loop level that sent below 95% of its target rate did not
/// offer the load it names (a --max-concurrency cap, or a saturated client).
inline constexpr double k_send_rate_shortfall = 0.95;
/// Tokens kept free of a server's context for the chat template and the unique prefix when
/// default prompts are sized to fit it.
inline constexpr int k_context_margin_tokens = 32;

} // namespace tpuplan::bench
