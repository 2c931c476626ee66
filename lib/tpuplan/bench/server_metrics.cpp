#include <tpuplan/bench/server_metrics.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <numeric>
#include <optional>

namespace tpuplan::bench {

namespace {

// Names per quantity, in order of preference (newer names first). Sources: vLLM
// v1/metrics/loggers.py, TGI docs/source/reference/metrics.md, JetStream
// core/metrics/prometheus.py, llama.cpp tools/server (bench.md §B.4).
/// Histograms and summaries in seconds: Δsum ÷ Δcount is the mean over the level.
const std::vector<std::string_view> k_ttft = {"vllm:time_to_first_token_seconds", "jetstream_time_to_first_token"};
const std::vector<std::string_view> k_itl = {"vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds",
                                             "tgi_request_mean_time_per_token_duration", "jetstream_time_per_output_token"};
const std::vector<std::string_view> k_e2e = {"vllm:e2e_request_latency_seconds", "tgi_request_duration",
                                             "jetstream_time_per_request"};
const std::vector<std::string_view> k_queue = {"vllm:request_queue_time_seconds", "tgi_request_queue_duration",
                                               "jetstream_queue_duration"};
/// Gauges.
const std::vector<std::string_view> k_running = {"vllm:num_requests_running", "tgi_batch_current_size",
                                                 "llamacpp:requests_processing"};
const std::vector<std::string_view> k_waiting = {"vllm:num_requests_waiting", "tgi_queue_size",
                                                 "jetstream_prefill_backlog_size", "llamacpp:requests_deferred"};
/// Fractions 0–1. JetStream preallocates a KV region per decode slot, so its share of slots
/// in use is its KV-cache occupancy.
const std::vector<std::string_view> k_kv = {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
                                            "llamacpp:kv_cache_usage_ratio", "kv_cache_utilization_perc",
                                            "jetstream_slots_used_percentage"};
/// Counters of generated tokens (or a histogram's _sum of per-request output lengths).
const std::vector<std::string_view> k_generated = {"vllm:generation_tokens_total", "tgi_request_generated_tokens_sum",
                                                   "jetstream_request_output_length_sum", "llamacpp:tokens_predicted_total"};

const PromValue* find(const PromScrape& s, std::string_view name) {
  const auto it = s.find(std::string(name));
  return it == s.end() ? nullptr : &it->second;
}

/// Δ of a sample name between two scrapes.
std::optional<double> delta(const PromScrape& a, const PromScrape& b, std::string_view name) {
  const PromValue* x = find(a, name);
  const PromValue* y = find(b, name);
  if (x == nullptr || y == nullptr) {
    return std::nullopt;
  }
  return y->sum - x->sum;
}

/// Mean over the level of the first histogram in `names` that counted something, in ms.
std::optional<double> histogram_mean_ms(const PromScrape& a, const PromScrape& b,
                                        const std::vector<std::string_view>& names) {
  for (const auto name : names) {
    const auto sum = delta(a, b, std::string(name) + "_sum");
    const auto count = delta(a, b, std::string(name) + "_count");
    if (sum && count && *count > 0) {
      return *sum / *count * 1000.0;
    }
  }
  return std::nullopt;
}

/// The value of the first gauge of `names` present: summed over series, or averaged for fractions.
std::optional<double> gauge(const PromScrape& s, const std::vector<std::string_view>& names, bool average) {
  for (const auto name : names) {
    if (const PromValue* v = find(s, name); v != nullptr && v->series > 0) {
      return average ? v->sum / v->series : v->sum;
    }
  }
  return std::nullopt;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

} // namespace

PromScrape parse_prometheus(std::string_view text) {
  PromScrape out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto name_end = line.find_first_of("{ \t");
    if (name_end == std::string_view::npos || name_end == 0) {
      continue;
    }
    const std::string_view name = line.substr(0, name_end);
    std::size_t pos = name_end;
    if (line[pos] == '{') {
      // Skip the label set; values are quoted and may hold '}' or escaped quotes.
      bool in_quotes = false;
      for (++pos; pos < line.size(); ++pos) {
        const char c = line[pos];
        if (in_quotes && c == '\\') {
          ++pos;
        } else if (c == '"') {
          in_quotes = !in_quotes;
        } else if (!in_quotes && c == '}') {
          break;
        }
      }
      if (pos >= line.size()) {
        continue;
      }
      ++pos;
    }
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) {
      ++pos;
    }
    const auto value_end = line.find_first_of(" \t\r", pos);
    const std::string value(line.substr(pos, value_end == std::string_view::npos ? std::string_view::npos : value_end - pos));
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end); // accepts NaN, +Inf, exponents
    if (value.empty() || end != value.c_str() + value.size()) {
      continue;
    }
    PromValue& slot = out[std::string(name)];
    slot.sum += v;
    ++slot.series;
  }
  return out;
}

bool has_known_metrics(const PromScrape& scrape) {
  for (const auto* list : {&k_running, &k_waiting, &k_kv, &k_generated}) {
    if (gauge(scrape, *list, false)) {
      return true;
    }
  }
  return false;
}

void ServerMetricsCollector::sample(const PromScrape& scrape) {
  if (const auto v = gauge(scrape, k_running, false)) {
    m_running.push_back(*v);
  }
  if (const auto v = gauge(scrape, k_waiting, false)) {
    m_waiting.push_back(*v);
  }
  if (const auto v = gauge(scrape, k_kv, true)) {
    m_kv.push_back(*v);
  }
}

ServerMetrics ServerMetricsCollector::result() const {
  ServerMetrics s;
  s.samples = static_cast<std::int64_t>(std::max({m_running.size(), m_waiting.size(), m_kv.size()}));
  s.ttft_ms_mean = histogram_mean_ms(m_before, m_after, k_ttft);
  s.itl_ms_mean = histogram_mean_ms(m_before, m_after, k_itl);
  if (!s.itl_ms_mean) {
    // llama.cpp: decode seconds ÷ tokens decoded, both counters.
    const auto seconds = delta(m_before, m_after, "llamacpp:tokens_predicted_seconds_total");
    const auto tokens = delta(m_before, m_after, "llamacpp:tokens_predicted_total");
    if (seconds && tokens && *tokens > 0) {
      s.itl_ms_mean = *seconds / *tokens * 1000.0;
    }
  }
  s.e2e_ms_mean = histogram_mean_ms(m_before, m_after, k_e2e);
  s.queue_ms_mean = histogram_mean_ms(m_before, m_after, k_queue);
  if (!m_running.empty()) {
    s.running_mean = mean(m_running);
    s.running_max = *std::max_element(m_running.begin(), m_running.end());
  }
  if (!m_waiting.empty()) {
    s.waiting_mean = mean(m_waiting);
    s.waiting_max = *std::max_element(m_waiting.begin(), m_waiting.end());
  }
  if (!m_kv.empty()) {
    s.kv_cache_usage_mean = mean(m_kv);
    s.kv_cache_usage_max = *std::max_element(m_kv.begin(), m_kv.end());
  }
  for (const auto& [hits, queries] : {std::pair<std::string_view, std::string_view>{"vllm:prefix_cache_hits_total",
                                                                                    "vllm:prefix_cache_queries_total"},
                                      {"vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_queries_total"}}) {
    const auto h = delta(m_before, m_after, hits);
    const auto q = delta(m_before, m_after, queries);
    if (h && q && *q > 0) {
      s.prefix_cache_hit_rate = *h / *q;
      break;
    }
  }
  for (const auto name : k_generated) {
    if (const auto d = delta(m_before, m_after, name)) {
      s.generation_tokens = *d;
      break;
    }
  }
  return s;
}

} // namespace tpuplan::bench
