#include <tpuplan/bench/summary.hpp>

#include <algorithm>
#include <map>

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

LevelResult summarize_level(const LoadLevel& load, const LevelRun& run, const Slo& slo) {
  LevelResult l;
  l.load = load;
  l.partial = run.interrupted;
  l.requests_not_sent = run.not_sent;
  const bool open_loop = load.mode == LoadMode::rate;

  std::vector<double> ttft, tpot, itl, e2e, ttft_sched, e2e_sched, lag, in_tokens, out_tokens;
  std::map<ErrorClass, ErrorCount> errors;
  std::int64_t first_send = -1;
  std::int64_t last_send = -1;
  std::int64_t last_end = -1;
  double busy_ns = 0;
  bool itl_per_chunk = false;
  for (const RequestRecord& r : run.records) {
    ++l.requests_sent;
    first_send = first_send < 0 ? r.sent_ns : std::min(first_send, r.sent_ns);
    last_send = std::max(last_send, r.sent_ns);
    if (open_loop) {
      lag.push_back(ms(r.sent_ns - r.scheduled_ns));
    }
    if (r.error == ErrorClass::cancelled) {
      ++l.requests_cancelled;
      continue;
    }
    last_end = std::max(last_end, r.end_ns);
    busy_ns += static_cast<double>(r.end_ns - r.sent_ns);
    if (!r.ok()) {
      ++l.requests_failed;
      ErrorCount& c = errors[r.error];
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
      continue;
    }
    ++l.requests_ok;
    l.role_only_events += r.role_only_events;
    const std::int64_t n_out = r.completion_tokens.value_or(0);
    const std::int64_t n_in = r.prompt_tokens.value_or(0);
    l.output_tokens += n_out;
    l.input_tokens += n_in;
    out_tokens.push_back(static_cast<double>(n_out));
    in_tokens.push_back(static_cast<double>(n_in));
    l.output_tokens_source = weakest(l.output_tokens_source, r.completion_source);
    l.input_tokens_source = weakest(l.input_tokens_source, r.prompt_source);
    const double e2e_ms = ms(r.end_ns - r.sent_ns);
    e2e.push_back(e2e_ms);
    std::optional<double> ttft_ms;
    std::optional<double> tpot_ms;
    if (r.first_token_ns != 0) {
      ttft_ms = ms(r.first_token_ns - r.sent_ns);
      ttft.push_back(*ttft_ms);
      if (n_out > 1) {
        tpot_ms = (e2e_ms - *ttft_ms) / static_cast<double>(n_out - 1);
        tpot.push_back(*tpot_ms);
      }
    }
    if (open_loop) {
      if (r.first_token_ns != 0) {
        ttft_sched.push_back(ms(r.first_token_ns - r.scheduled_ns));
      }
      e2e_sched.push_back(ms(r.end_ns - r.scheduled_ns));
    }
    // ITL: token-normalised gaps when the protocol says how many tokens an event carried.
    const bool per_token = r.chunk_tokens.size() == r.token_times.size();
    itl_per_chunk = itl_per_chunk || !per_token;
    for (std::size_t i = 1; i < r.token_times.size(); ++i) {
      const double gap = ms(r.token_times[i] - r.token_times[i - 1]);
      const std::uint32_t k = per_token ? r.chunk_tokens[i] : 1;
      for (std::uint32_t t = 0; t < k; ++t) {
        itl.push_back(gap / k);
      }
    }
    // Goodput: open-loop TTFT counts from the schedule, so client-side waiting is not hidden.
    if (slo.ttft_ms || slo.tpot_ms) {
      const std::optional<double> ttft_for_slo =
          open_loop && r.first_token_ns != 0 ? std::optional<double>(ms(r.first_token_ns - r.scheduled_ns)) : ttft_ms;
      const bool ttft_ok = !slo.ttft_ms || (ttft_for_slo && *ttft_for_slo <= *slo.ttft_ms);
      const bool tpot_ok = !slo.tpot_ms || !tpot_ms || *tpot_ms <= *slo.tpot_ms; // n ≤ 1: no decode to miss
      l.good_requests += ttft_ok && tpot_ok ? 1 : 0;
    }
  }
  const std::int64_t finished = l.requests_ok + l.requests_failed;
  l.error_rate = finished > 0 ? static_cast<double>(l.requests_failed) / static_cast<double>(finished) : 0;
  l.duration_s = first_send >= 0 && last_end > first_send ? static_cast<double>(last_end - first_send) / k_ns_per_s : 0;
  if (l.duration_s > 0) {
    l.request_rps = static_cast<double>(l.requests_ok) / l.duration_s;
    l.output_tokens_per_s = static_cast<double>(l.output_tokens) / l.duration_s;
    l.input_tokens_per_s = static_cast<double>(l.input_tokens) / l.duration_s;
    l.total_tokens_per_s = l.input_tokens_per_s + l.output_tokens_per_s;
    l.mean_in_flight = busy_ns / k_ns_per_s / l.duration_s;
    if (slo.ttft_ms || slo.tpot_ms) {
      l.goodput_rps = static_cast<double>(l.good_requests) / l.duration_s;
    }
  }
  if (open_loop && last_send > run.start_ns) {
    l.send_rate_rps = static_cast<double>(l.requests_sent) / (static_cast<double>(last_send - run.start_ns) / k_ns_per_s);
  }
  l.ttft_ms = summarize(std::move(ttft));
  l.tpot_ms = summarize(std::move(tpot));
  l.itl_ms = summarize(std::move(itl));
  l.e2e_ms = summarize(std::move(e2e));
  l.ttft_from_schedule_ms = summarize(std::move(ttft_sched));
  l.e2e_from_schedule_ms = summarize(std::move(e2e_sched));
  l.schedule_lag_ms = summarize(std::move(lag));
  l.input_tokens_per_request = summarize(std::move(in_tokens));
  l.output_tokens_per_request = summarize(std::move(out_tokens));
  l.itl_per_chunk = itl_per_chunk;
  for (const ErrorClass c : all_error_classes()) {
    if (const auto it = errors.find(c); it != errors.end()) {
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
  return l;
}

} // namespace tpuplan::bench
