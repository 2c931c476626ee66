// A whole `bench` run: probe the endpoint, warm up, run each load level with server
// metrics scraped around it, and assemble the profile. The app supplies flags, progress
// display and the stop flag; this computes.
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/bench/prompts.hpp>

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
  std::filesystem::path dataset;      ///< JSONL prompts; empty: synthetic prompts
  int output_tokens = 128;
  std::optional<bool> ignore_eos;     ///< unset: sent where the server is known to accept it
  Slo slo;
  bool scrape_metrics = true;
  std::string metrics_url;            ///< empty: the endpoint's /metrics, if it serves Prometheus text
  double metrics_interval_s = 1;      ///< gauge sampling period during a level
  double drain_timeout_s = 5;         ///< after a stop, time given to requests in flight
  std::uint64_t seed = 0;
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
  /// level is 0-based; warmup is true during the warm-up requests.
  std::function<void(std::size_t level, std::size_t levels, bool warmup, const LevelProgress&)> progress;
  const StopFlag* stop = nullptr;
};

/// The profile and, per level, every request (for --requests-out).
struct BenchRun {
  Profile profile;
  std::vector<LevelRun> runs;
  bool interrupted = false;
};

/// Runs the benchmark. Throws Error for bad input (dataset) or an unreachable endpoint;
/// request failures are results, not exceptions.
BenchRun run_bench(const BenchConfig& config, const BenchHooks& hooks);

/// A warning threshold: a prefix-cache hit rate above this means prompts were served from a
/// warm cache. Synthetic prompts differ from their first words, so their hit rate is ~0
/// apart from a shared chat-template prefix; 10% flags any real reuse.
inline constexpr double k_warm_cache_hit_rate = 0.10;
/// A warning threshold: an open-loop level that sent below 95% of its target rate did not
/// offer the load it names (a --max-concurrency cap, or a saturated client).
inline constexpr double k_send_rate_shortfall = 0.95;

} // namespace tpuplan::bench
