#include <tpuplan/bench/slo_search.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

const char* const k_hint = "e.g. --slo ttft-p99=500,tpot-p99=50 (metrics ttft, tpot, itl, e2e; statistics p50, p90, "
                           "p95, p99, p99.9, mean; milliseconds)";

const Distribution* distribution(const LevelResult& l, std::string_view metric) {
  const bool open_loop = l.load.mode == LoadMode::rate;
  if (metric == "ttft") {
    return open_loop ? &l.ttft_from_schedule_ms : &l.ttft_ms;
  }
  if (metric == "tpot") {
    return &l.tpot_ms;
  }
  if (metric == "itl") {
    return &l.itl_ms;
  }
  if (metric == "e2e") {
    return open_loop ? &l.e2e_from_schedule_ms : &l.e2e_ms;
  }
  return nullptr;
}

std::string load_text(LoadMode mode, double load) {
  return mode == LoadMode::rate ? fmt::format("{:g} req/s", load) : fmt::format("concurrency {:g}", load);
}

} // namespace

std::vector<SloSearch::Target> parse_slo_targets(std::string_view text) {
  std::vector<SloSearch::Target> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = detail::trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto eq = item.find('=');
    const auto dash = item.find('-');
    if (eq == std::string_view::npos || dash == std::string_view::npos || dash > eq) {
      throw Error(ErrorKind::usage, fmt::format("--slo: '{}' is not METRIC-STAT=MS", item), k_hint);
    }
    SloSearch::Target t;
    t.metric = std::string(item.substr(0, dash));
    std::string stat(item.substr(dash + 1, eq - dash - 1));
    if (t.metric != "ttft" && t.metric != "tpot" && t.metric != "itl" && t.metric != "e2e") {
      throw Error(ErrorKind::usage, fmt::format("--slo: unknown metric '{}'", t.metric), k_hint);
    }
    if (stat == "p99.9") {
      stat = "p99_9";
    }
    if (stat != "p50" && stat != "p90" && stat != "p95" && stat != "p99" && stat != "p99_9" && stat != "mean") {
      throw Error(ErrorKind::usage, fmt::format("--slo: unknown statistic '{}'", stat), k_hint);
    }
    t.percentile = stat;
    const std::string_view value = item.substr(eq + 1);
    double ms = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (ec != std::errc() || p != value.data() + value.size() || !(ms > 0) || ms > 1e9) {
      throw Error(ErrorKind::usage, fmt::format("--slo: '{}' is not a positive number of milliseconds", value), k_hint);
    }
    t.ms = ms;
    out.push_back(std::move(t));
  }
  if (out.empty()) {
    throw Error(ErrorKind::usage, "--slo: no target given", k_hint);
  }
  return out;
}

std::optional<double> target_value(const LevelResult& level, const SloSearch::Target& target) {
  const Distribution* d = distribution(level, target.metric);
  if (d == nullptr || d->count == 0) {
    return std::nullopt;
  }
  const std::string& s = target.percentile;
  return s == "p50" ? d->p50 : s == "p90" ? d->p90 : s == "p95" ? d->p95 : s == "p99" ? d->p99 : s == "p99_9" ? d->p99_9 : d->mean;
}

bool meets_targets(const LevelResult& level, const std::vector<SloSearch::Target>& targets, std::string* why) {
  const auto say = [&](std::string text) {
    if (why != nullptr) {
      *why = std::move(text);
    }
    return false;
  };
  if (level.requests_ok == 0) {
    return say("no request succeeded");
  }
  if (level.error_rate > k_slo_max_error_rate) {
    return say(fmt::format("{:.1f}% of requests failed", level.error_rate * 100));
  }
  for (const auto& t : targets) {
    const auto v = target_value(level, t);
    // A target on TPOT or ITL with no samples (one-token outputs) has nothing to miss.
    if (!v && (t.metric == "tpot" || t.metric == "itl")) {
      continue;
    }
    if (!v || *v > t.ms) {
      return say(v ? fmt::format("{} {} {:.1f} ms > {:g} ms", t.metric, t.percentile, *v, t.ms)
                   : fmt::format("no {} samples", t.metric));
    }
  }
  return true;
}

SloSearcher::SloSearcher(SloSearchSpec spec) : m_spec(std::move(spec)) {
  m_next = m_spec.mode == LoadMode::concurrency ? std::max(1.0, std::round(m_spec.start)) : m_spec.start;
}

std::optional<double> SloSearcher::next() const { return m_next; }

bool meets_slo(const LevelResult& level, const std::vector<SloSearch::Target>& targets) {
  return !level.saturated && meets_targets(level, targets);
}

SloSearcher::Verdict SloSearcher::record(const LevelResult& level) {
  if (!m_next) {
    return {};
  }
  const double load = *m_next;
  ++m_steps;
  std::string why;
  bool ok = meets_targets(level, m_spec.targets, &why);
  bool saturated = false;
  const double served = level.completion_rps.value_or(level.request_rps);
  if (ok && m_spec.mode == LoadMode::rate && served < k_saturation_served * load) {
    // The server finished requests well below the offered rate: more would only queue.
    saturated = true;
    m_stop = fmt::format("saturated: {} offered, {:.2f} req/s served", load_text(m_spec.mode, load), served);
    m_saturation = m_stop;
    ok = false; // a load the server cannot carry is not one to plan on
  }
  if (ok && m_spec.mode == LoadMode::concurrency && m_pass && m_pass_tokens && load > *m_pass &&
      level.output_tokens_per_s < (1 + k_saturation_gain) * *m_pass_tokens) {
    saturated = true;
    m_stop = fmt::format("saturated: {} gives {:.1f} output tokens/s, {} gave {:.1f}", load_text(m_spec.mode, load),
                         level.output_tokens_per_s, load_text(m_spec.mode, *m_pass), *m_pass_tokens);
    m_saturation = m_stop;
    // Still meets the SLO, but the extra in-flight requests buy nothing: keep the lower load.
    ok = false;
  }
  if (ok) {
    m_pass = load;
    m_pass_tokens = level.output_tokens_per_s;
  } else {
    m_fail = m_fail ? std::min(*m_fail, load) : load;
    if (!saturated) {
      m_stop = fmt::format("{} misses the SLO: {}", load_text(m_spec.mode, load), why);
    }
  }
  decide_next();
  return {ok, saturated};
}

void SloSearcher::decide_next() {
  m_next.reset();
  if (m_steps >= m_spec.max_steps) {
    m_stop = fmt::format("{} levels run (the limit); {}", m_steps, m_stop);
    return;
  }
  const bool integer = m_spec.mode == LoadMode::concurrency;
  if (!m_fail) {
    // Still ramping: double.
    const double up = std::min(*m_pass * 2, m_spec.max);
    if (up <= *m_pass) {
      m_stop = fmt::format("the highest load allowed ({}) meets the SLO", load_text(m_spec.mode, m_spec.max));
      return;
    }
    m_next = up;
    return;
  }
  if (!m_pass) {
    // Even the first load missed: halve, down to a floor.
    const double floor = integer ? 1 : m_spec.start / 64;
    const double down = integer ? std::floor(*m_fail / 2) : *m_fail / 2;
    if (down < floor || down <= 0 || (integer && down >= *m_fail)) {
      m_stop = fmt::format("no load meets the SLO (down to {}); {}", load_text(m_spec.mode, *m_fail), m_stop);
      return;
    }
    m_next = down;
    return;
  }
  // Bisect between the last pass and the first fail.
  const double gap = *m_fail - *m_pass;
  if (integer ? gap <= 1 : gap <= m_spec.precision * *m_pass) {
    m_stop = fmt::format("bracketed: {} meets the SLO, {} does not ({})", load_text(m_spec.mode, *m_pass),
                         load_text(m_spec.mode, *m_fail), m_saturation.empty() ? m_stop : m_saturation);
    return;
  }
  m_next = integer ? std::floor((*m_pass + *m_fail) / 2) : (*m_pass + *m_fail) / 2;
}

SloSearch SloSearcher::result() const {
  SloSearch s;
  s.targets = m_spec.targets;
  s.mode = m_spec.mode;
  s.best = m_pass;
  s.stop_reason = m_next ? "not finished" : m_stop;
  s.steps = m_steps;
  return s;
}

} // namespace tpuplan::bench
