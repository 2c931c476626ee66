#include <tpuplan/bench/summary.hpp>

#include <algorithm>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

constexpr double k_ns_per_ms = 1e6;
constexpr double k_ns_per_s = 1e9;

double ms(std::int64_t ns) { return static_cast<double>(ns) / k_ns_per_ms; }

/// The least exact of two token sources (approx < stream < server; none when nothing known).
TokenSource weakest(TokenSource a, TokenSource b) {
  const auto rank = [](TokenSource s) {
    switch (s) {
    case TokenSource::approx:
      return 0;
    case TokenSource::stream:
      return 1;
    case TokenSource::server:
      return 2;
    case TokenSource::none:
      return 3;
    }
    return 3;
  };
  return rank(a) <= rank(b) ? a : b;
}

} // namespace

LevelAccumulator::LevelAccumulator(const LoadLevel& load, const Slo& slo) : m_load(load), m_slo(slo) { m_l.load = load; }

void LevelAccumulator::add(const RequestRecord& r) {
  LevelResult& l = m_l;
  const bool open_loop = m_load.mode == LoadMode::rate;
  ++l.requests_sent;
  m_first_send = m_first_send < 0 ? r.sent_ns : std::min(m_first_send, r.sent_ns);
  m_last_send = std::max(m_last_send, r.sent_ns);
  if (open_loop) {
    m_lag.add(ms(r.sent_ns - r.scheduled_ns));
  }
  if (r.error == ErrorClass::cancelled) {
    ++l.requests_cancelled;
    return;
  }
  m_last_end = std::max(m_last_end, r.end_ns);
  m_busy_ns += static_cast<double>(r.end_ns - r.sent_ns);
  if (!r.ok()) {
    ++l.requests_failed;
    ErrorCount& c = m_errors[r.error];
    if (c.count++ == 0) {
      c.error = r.error;
      c.example = r.error_message;
      if (r.http_status > 0) {
        c.http_status = r.http_status;
      }
    }
    if (r.retry_after_s) {
      c.retry_after_s = std::max(c.retry_after_s.value_or(0), *r.retry_after_s);
    }
    return;
  }
  ++l.requests_ok;
  m_first_ok_end = m_first_ok_end < 0 ? r.end_ns : std::min(m_first_ok_end, r.end_ns);
  m_last_ok_end = std::max(m_last_ok_end, r.end_ns);
  l.role_only_events += r.role_only_events;
  const std::int64_t n_out = r.completion_tokens.value_or(0);
  const std::int64_t n_in = r.prompt_tokens.value_or(0);
  l.output_tokens += n_out;
  l.input_tokens += n_in;
  m_out_tokens.add(static_cast<double>(n_out));
  m_in_tokens.add(static_cast<double>(n_in));
  l.output_tokens_source = weakest(l.output_tokens_source, r.completion_source);
  l.input_tokens_source = weakest(l.input_tokens_source, r.prompt_source);
  if (r.prompt_source == TokenSource::server && r.prompt_tokens && r.prompt_tokens_sent) {
    m_any_compared = true;
    m_sent_tokens += *r.prompt_tokens_sent;
    m_compared_tokens += *r.prompt_tokens;
  }
  l.requests_truncated += r.prompt_truncated ? 1 : 0;
  if (r.cached_prompt_tokens) {
    m_any_cached = true;
    m_cached += *r.cached_prompt_tokens;
  }
  const double e2e_ms = ms(r.end_ns - r.sent_ns);
  m_e2e.add(e2e_ms);
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  if (r.first_token_ns != 0) {
    ttft_ms = ms(r.first_token_ns - r.sent_ns);
    m_ttft.add(*ttft_ms);
    if (n_out > 1) {
      tpot_ms = (e2e_ms - *ttft_ms) / static_cast<double>(n_out - 1);
      m_tpot.add(*tpot_ms);
    }
  }
  if (open_loop) {
    if (r.first_token_ns != 0) {
      m_ttft_sched.add(ms(r.first_token_ns - r.scheduled_ns));
    }
    m_e2e_sched.add(ms(r.end_ns - r.scheduled_ns));
  }
  // ITL: token-normalised gaps when the protocol says how many tokens an event carried.
  const bool per_token = r.chunk_tokens.size() == r.token_times.size();
  m_itl_per_chunk = m_itl_per_chunk || !per_token;
  for (std::size_t i = 1; i < r.token_times.size(); ++i) {
    const double gap = ms(r.token_times[i] - r.token_times[i - 1]);
    const std::uint32_t k = per_token ? std::max<std::uint32_t>(1, r.chunk_tokens[i]) : 1;
    m_itl.add(gap / k, k);
  }
  // Goodput: open-loop TTFT counts from the schedule, so client-side waiting is not hidden.
  if (m_slo.ttft_ms || m_slo.tpot_ms) {
    const std::optional<double> ttft_for_slo =
        open_loop && r.first_token_ns != 0 ? std::optional<double>(ms(r.first_token_ns - r.scheduled_ns)) : ttft_ms;
    const bool ttft_ok = !m_slo.ttft_ms || (ttft_for_slo && *ttft_for_slo <= *m_slo.ttft_ms);
    const bool tpot_ok = !m_slo.tpot_ms || !tpot_ms || *tpot_ms <= *m_slo.tpot_ms; // n ≤ 1: no decode to miss
    l.good_requests += ttft_ok && tpot_ok ? 1 : 0;
  }
}

LevelResult LevelAccumulator::result(const LevelRun& run) const {
  LevelResult l = m_l;
  l.partial = run.interrupted;
  l.unreachable = run.unreachable;
  l.requests_not_sent = run.not_sent;
  const bool open_loop = m_load.mode == LoadMode::rate;
  const std::int64_t finished = l.requests_ok + l.requests_failed;
  l.error_rate = finished > 0 ? static_cast<double>(l.requests_failed) / static_cast<double>(finished) : 0;
  l.duration_s = m_first_send >= 0 && m_last_end > m_first_send ? static_cast<double>(m_last_end - m_first_send) / k_ns_per_s : 0;
  if (l.duration_s > 0) {
    l.request_rps = static_cast<double>(l.requests_ok) / l.duration_s;
    l.output_tokens_per_s = static_cast<double>(l.output_tokens) / l.duration_s;
    l.input_tokens_per_s = static_cast<double>(l.input_tokens) / l.duration_s;
    l.total_tokens_per_s = l.input_tokens_per_s + l.output_tokens_per_s;
    l.mean_in_flight = m_busy_ns / k_ns_per_s / l.duration_s;
    if (m_slo.ttft_ms || m_slo.tpot_ms) {
      l.goodput_rps = static_cast<double>(l.good_requests) / l.duration_s;
    }
  }
  if (l.requests_ok >= 2 && m_last_ok_end > m_first_ok_end) {
    l.completion_rps = static_cast<double>(l.requests_ok - 1) / (static_cast<double>(m_last_ok_end - m_first_ok_end) / k_ns_per_s);
  }
  if (open_loop && m_last_send > run.start_ns) {
    l.send_rate_rps = static_cast<double>(l.requests_sent) / (static_cast<double>(m_last_send - run.start_ns) / k_ns_per_s);
  }
  l.ttft_ms = m_ttft.summary();
  l.tpot_ms = m_tpot.summary();
  l.itl_ms = m_itl.summary();
  l.e2e_ms = m_e2e.summary();
  l.ttft_from_schedule_ms = m_ttft_sched.summary();
  l.e2e_from_schedule_ms = m_e2e_sched.summary();
  l.schedule_lag_ms = m_lag.summary();
  l.input_tokens_per_request = m_in_tokens.summary();
  l.output_tokens_per_request = m_out_tokens.summary();
  l.itl_per_chunk = m_itl_per_chunk;
  if (m_any_compared) {
    l.input_tokens_sent = m_sent_tokens;
    l.input_tokens_compared = m_compared_tokens;
  }
  l.input_truncated = l.requests_truncated > 0 ||
                      (m_any_compared && static_cast<double>(m_compared_tokens) <
                                             k_truncation_ratio * static_cast<double>(m_sent_tokens));
  if (m_any_cached) {
    l.cached_input_tokens = m_cached;
  }
  for (const ErrorClass c : all_error_classes()) {
    if (const auto it = m_errors.find(c); it != m_errors.end()) {
      l.errors.push_back(it->second);
    }
  }
  if (l.requests_cancelled > 0) {
    ErrorCount c;
    c.error = ErrorClass::cancelled;
    c.count = l.requests_cancelled;
    c.example = "still in flight when the run was interrupted";
    l.errors.push_back(c);
  }
  if (run.unreachable) {
    const auto connect = m_errors.find(ErrorClass::connect);
    l.warnings.push_back(fmt::format("the server could not be reached ({} connection failures, backing off between "
                                     "them): the level stopped sending early — {}",
                                     connect == m_errors.end() ? 0 : connect->second.count, run.unreachable_message));
  }
  return l;
}

LevelResult summarize_level(const LoadLevel& load, const LevelRun& run, const Slo& slo) {
  LevelAccumulator acc(load, slo);
  for (const RequestRecord& r : run.records) {
    acc.add(r);
  }
  return acc.result(run);
}

} // namespace tpuplan::bench
