// `bench --slo`: the highest request rate (open loop) or concurrency (closed loop) whose
// level meets every latency target, found by doubling until a level misses, then bisecting
// between the last level that met the targets and the first that did not, and stopping
// early where the server saturates (more offered load, no more served).
#pragma once

#include <tpuplan/bench/profile.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// Parses "ttft-p99=500,tpot-p99=50": metric (ttft, tpot, itl, e2e) - statistic (p50, p90,
/// p95, p99, p99.9, mean) = milliseconds. Throws Error(usage) naming what is accepted.
std::vector<SloSearch::Target> parse_slo_targets(std::string_view text);

/// The figure of `level` a target reads: open-loop TTFT and E2E count from the scheduled
/// send (as goodput does); nullopt when the level has no such samples.
std::optional<double> target_value(const LevelResult& level, const SloSearch::Target& target);

/// Whether `level` meets every target: it has successful requests, fails at most
/// k_slo_max_error_rate of them, and each figure is within its target. `why` says what missed.
/// (The search's verdict adds saturation: see meets_slo().)
bool meets_targets(const LevelResult& level, const std::vector<SloSearch::Target>& targets, std::string* why = nullptr);

/// Whether a level of an SLO search meets the SLO: it meets every target and the search did
/// not find the server saturated there (LevelResult::saturated).
bool meets_slo(const LevelResult& level, const std::vector<SloSearch::Target>& targets);

/// A level with more failed requests than this does not meet an SLO, whatever its latency.
inline constexpr double k_slo_max_error_rate = 0.01;
/// Open loop: a level whose server finished requests (completion_rps, else request_rps) at
/// less than this share of the offered rate is saturated.
inline constexpr double k_saturation_served = 0.90;
/// Closed loop: more concurrency than the best level so far that gains less than this share
/// of its output throughput is saturated (more in flight, nothing more served).
inline constexpr double k_saturation_gain = 0.05;

/// How the search runs.
struct SloSearchSpec {
  std::vector<SloSearch::Target> targets;
  LoadMode mode = LoadMode::rate;
  double start = 1;        ///< the first load tried (req/s, or concurrency)
  double max = 4096;       ///< never offered beyond this
  double precision = 0.05; ///< open loop: stop when the bracket is narrower than this × its low end
  int max_steps = 12;      ///< levels at most
};

/// The search as a sequence of decisions: next() names the load to run, record() takes its
/// result. Kept apart from running so every branch is tested without a server.
class SloSearcher {
public:
  explicit SloSearcher(SloSearchSpec spec);
  /// The next load to run; nullopt when the search is over (then result() says why).
  std::optional<double> next() const;
  /// What the search made of a level.
  struct Verdict {
    bool meets = false;     ///< meets every target and is not saturated: a load to plan on
    bool saturated = false; ///< the server served no more for the extra load (then meets is false)
  };
  /// The result of the level run at next()'s load, and the search's verdict on it.
  Verdict record(const LevelResult& level);
  /// The outcome so far: best passing load, stop reason, steps.
  SloSearch result() const;

private:
  void decide_next();

  SloSearchSpec m_spec;
  std::optional<double> m_next;
  std::optional<double> m_pass;        // highest load that met the targets
  std::optional<double> m_fail;        // lowest load that did not
  std::optional<double> m_pass_tokens; // output tokens/s at m_pass (closed-loop saturation)
  std::string m_stop;
  std::string m_saturation; // the first saturated level, which bounds the search from above
  int m_steps = 0;
};

} // namespace tpuplan::bench
