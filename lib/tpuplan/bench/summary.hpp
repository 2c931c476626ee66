// From the records of one level to its result: latency distributions, throughput,
// goodput and errors by class, by the definitions in metric_definitions().
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/profile.hpp>

#include <map>

namespace tpuplan::bench {

/// The share of the sent prompt tokens below which a server's count means it cut prompts.
inline constexpr double k_truncation_ratio = 0.90;

/// Summarises a level as its requests finish, in memory that does not grow with the number
/// of requests (latency distributions are Sketches: exact up to 10,000 samples each).
/// Failed requests are excluded from latency statistics and throughput and counted in the
/// error rate; cancelled ones are counted apart.
class LevelAccumulator {
public:
  LevelAccumulator(const LoadLevel& load, const Slo& slo);
  /// One finished request.
  void add(const RequestRecord& record);
  /// The level's result; `run` gives its start, its end state and what was not sent.
  LevelResult result(const LevelRun& run) const;

private:
  LoadLevel m_load;
  Slo m_slo;
  LevelResult m_l;
  Sketch m_ttft, m_tpot, m_itl, m_e2e, m_ttft_sched, m_e2e_sched, m_lag, m_in_tokens, m_out_tokens;
  std::map<ErrorClass, ErrorCount> m_errors;
  std::int64_t m_first_send = -1;
  std::int64_t m_last_send = -1;
  std::int64_t m_last_end = -1;
  std::int64_t m_first_ok_end = -1; // completions of successful requests: first and last
  std::int64_t m_last_ok_end = -1;
  double m_busy_ns = 0;
  bool m_itl_per_chunk = false;
  std::int64_t m_sent_tokens = 0;     // client counts of prompts the server also counted
  std::int64_t m_compared_tokens = 0; // the server's counts of those
  bool m_any_compared = false;
  std::int64_t m_cached = 0;
  bool m_any_cached = false;
};

/// Summarises a level run from its records (run.records).
LevelResult summarize_level(const LoadLevel& load, const LevelRun& run, const Slo& slo);

} // namespace tpuplan::bench
