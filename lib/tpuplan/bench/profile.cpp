// Writing profiles (tpuplan.bench/v1) and the metric definitions they carry.
#include <tpuplan/bench/profile.hpp>

namespace tpuplan::bench {

namespace {

using ojson = nlohmann::ordered_json;

template <typename T>
ojson opt(const std::optional<T>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

ojson level_json(const LevelResult& l) {
  ojson j;
  const bool rate = l.load.mode == LoadMode::rate;
  j["mode"] = std::string(to_string(l.load.mode));
  j["concurrency"] = rate ? ojson(nullptr) : ojson(l.load.concurrency);
  j["rate_rps"] = rate ? ojson(l.load.rate_rps) : ojson(nullptr);
  j["burstiness"] = rate ? ojson(l.load.burstiness) : ojson(nullptr);
  j["max_concurrency"] = rate && l.load.max_concurrency > 0 ? ojson(l.load.max_concurrency) : ojson(nullptr);
  j["partial"] = l.partial;
  j["requests"] = {{"sent", l.requests_sent}, {"ok", l.requests_ok}, {"failed", l.requests_failed},
                   {"cancelled", l.requests_cancelled}, {"not_sent", l.requests_not_sent}};
  j["error_rate"] = l.error_rate;
  j["duration_s"] = l.duration_s;
  j["achieved"] = {{"mean_in_flight", l.mean_in_flight}, {"send_rate_rps", opt(l.send_rate_rps)}};
  j["throughput"] = {{"request_rps", l.request_rps},           {"output_tokens_per_s", l.output_tokens_per_s},
                     {"input_tokens_per_s", l.input_tokens_per_s}, {"total_tokens_per_s", l.total_tokens_per_s},
                     {"goodput_rps", opt(l.goodput_rps)},     {"good_requests", l.good_requests},
                     {"completion_rps", opt(l.completion_rps)}};
  j["tokens"] = {{"input", l.input_tokens},
                 {"output", l.output_tokens},
                 {"input_source", std::string(to_string(l.input_tokens_source))},
                 {"output_source", std::string(to_string(l.output_tokens_source))},
                 {"input_per_request", to_json(l.input_tokens_per_request)},
                 {"output_per_request", to_json(l.output_tokens_per_request)},
                 {"input_sent", opt(l.input_tokens_sent)},
                 {"input_compared", l.input_tokens_sent ? ojson(l.input_tokens_compared) : ojson(nullptr)},
                 {"input_truncated", l.input_truncated},
                 {"requests_truncated", l.requests_truncated},
                 {"cached_input", opt(l.cached_input_tokens)}};
  j["latency_ms"] = {{"ttft", to_json(l.ttft_ms)},
                     {"tpot", to_json(l.tpot_ms)},
                     {"itl", to_json(l.itl_ms)},
                     {"e2e", to_json(l.e2e_ms)},
                     {"ttft_from_schedule", to_json(l.ttft_from_schedule_ms)},
                     {"e2e_from_schedule", to_json(l.e2e_from_schedule_ms)},
                     {"schedule_lag", to_json(l.schedule_lag_ms)}};
  j["itl_per_chunk"] = l.itl_per_chunk;
  j["role_only_events"] = l.role_only_events;
  ojson errors = ojson::array();
  for (const auto& e : l.errors) {
    errors.push_back({{"class", std::string(to_string(e.error))}, {"count", e.count}, {"example", e.example},
                      {"http_status", opt(e.http_status)}, {"retry_after_s", opt(e.retry_after_s)}});
  }
  j["errors"] = errors;
  if (l.server) {
    const ServerMetrics& s = *l.server;
    j["server"] = {{"samples", s.samples},
                   {"ttft_ms_mean", opt(s.ttft_ms_mean)},
                   {"itl_ms_mean", opt(s.itl_ms_mean)},
                   {"e2e_ms_mean", opt(s.e2e_ms_mean)},
                   {"queue_ms_mean", opt(s.queue_ms_mean)},
                   {"running_mean", opt(s.running_mean)},
                   {"running_max", opt(s.running_max)},
                   {"waiting_mean", opt(s.waiting_mean)},
                   {"waiting_max", opt(s.waiting_max)},
                   {"kv_cache_usage_mean", opt(s.kv_cache_usage_mean)},
                   {"kv_cache_usage_max", opt(s.kv_cache_usage_max)},
                   {"prefix_cache_hit_rate", opt(s.prefix_cache_hit_rate)},
                   {"generation_tokens", opt(s.generation_tokens)}};
  } else {
    j["server"] = nullptr;
  }
  j["warnings"] = l.warnings;
  j["unreachable"] = l.unreachable;
  j["saturated"] = l.saturated;
  if (l.repeat) {
    const auto fig = [](const RepeatFigure& f) {
      return ojson{{"mean", f.mean}, {"ci95_low", f.ci95_low}, {"ci95_high", f.ci95_high}};
    };
    const RepeatSummary& r = *l.repeat;
    j["repeat"] = {{"runs", r.runs},
                   {"request_rps", fig(r.request_rps)},
                   {"output_tokens_per_s", fig(r.output_tokens_per_s)},
                   {"ttft_ms_p50", fig(r.ttft_ms_p50)},
                   {"ttft_ms_p99", fig(r.ttft_ms_p99)},
                   {"tpot_ms_p50", fig(r.tpot_ms_p50)},
                   {"tpot_ms_p99", fig(r.tpot_ms_p99)}};
  } else {
    j["repeat"] = nullptr;
  }
  return j;
}

} // namespace

ojson to_json(const Distribution& d) {
  ojson j;
  j["count"] = d.count;
  const bool any = d.count > 0;
  for (const auto& [key, value] : {std::pair<const char*, double>{"mean", d.mean}, {"std", d.std}, {"min", d.min},
                                   {"p50", d.p50}, {"p90", d.p90}, {"p95", d.p95}, {"p99", d.p99},
                                   {"p99_9", d.p99_9}, {"max", d.max}}) {
    j[key] = any ? ojson(value) : ojson(nullptr);
  }
  j["exact"] = d.exact;
  return j;
}

ojson to_json(const Profile& p) {
  ojson j;
  j["schema"] = std::string(k_profile_schema);
  j["tool_version"] = p.tool_version;
  j["http_client"] = p.http_client.empty() ? ojson(nullptr) : ojson(p.http_client);
  j["timestamp_source"] = p.timestamp_source.empty() ? ojson(nullptr) : ojson(p.timestamp_source);
  j["io"] = p.io.empty() ? ojson(nullptr) : ojson(p.io);
  j["created_at"] = p.created_at;
  j["partial"] = p.partial;
  j["insecure"] = p.insecure;
  j["endpoint"] = p.endpoint;
  j["api"] = std::string(to_string(p.api));
  j["server"] = std::string(to_string(p.server));
  j["model"] = p.model;
  j["offering"] = p.offering.empty() ? ojson(nullptr) : ojson(p.offering);
  j["accelerator"] = p.accelerator.empty() ? ojson(nullptr) : ojson(p.accelerator);
  j["chips"] = opt(p.chips);
  const Workload& w = p.workload;
  j["workload"] = {{"prompts", w.prompts},
                   {"dataset", w.dataset.empty() ? ojson(nullptr) : ojson(w.dataset)},
                   {"dataset_prompts", opt(w.dataset_prompts)},
                   {"input_tokens", opt(w.input_tokens)},
                   {"input_tokens_range", opt(w.input_tokens_range)},
                   {"output_tokens", w.output_tokens},
                   {"ignore_eos", w.ignore_eos},
                   {"warmup_requests", w.warmup_requests},
                   {"requests_per_level", opt(w.requests_per_level)},
                   {"duration_s_per_level", opt(w.duration_s_per_level)},
                   {"seed", w.seed},
                   {"slo", {{"ttft_ms", opt(w.slo.ttft_ms)}, {"tpot_ms", opt(w.slo.tpot_ms)}}},
                   {"timeout_s", w.timeout_s},
                   {"input_tokens_sized", w.input_tokens_sized},
                   {"shared_prefix_tokens", w.shared_prefix_tokens},
                   {"shared_prefix_share", w.shared_prefix_share},
                   {"prompt_cache", w.prompt_cache.empty() ? ojson(nullptr) : ojson(w.prompt_cache)},
                   {"repeat", w.repeat},
                   {"trace", w.trace.empty() ? ojson(nullptr) : ojson(w.trace)},
                   {"turns", w.turns}};
  j["input_truncated"] = p.input_truncated;
  j["served_models"] = p.served_models;
  j["model_params"] = opt(p.model_params);
  j["context_tokens"] = opt(p.context_tokens);
  if (p.slo_search) {
    const SloSearch& s = *p.slo_search;
    ojson targets = ojson::array();
    for (const auto& t : s.targets) {
      targets.push_back({{"metric", t.metric}, {"percentile", t.percentile}, {"ms", t.ms}});
    }
    j["slo_search"] = {{"mode", std::string(to_string(s.mode))},
                       {"targets", targets},
                       {"best", opt(s.best)},
                       {"best_level", s.best_level ? ojson(*s.best_level) : ojson(nullptr)},
                       {"stop_reason", s.stop_reason},
                       {"steps", s.steps}};
  } else {
    j["slo_search"] = nullptr;
  }
  ojson defs = ojson::object();
  for (const auto& [key, text] : metric_definitions()) {
    defs[key] = text;
  }
  j["definitions"] = defs;
  ojson levels = ojson::array();
  for (const auto& l : p.levels) {
    levels.push_back(level_json(l));
  }
  j["levels"] = levels;
  j["notes"] = p.notes;
  return j;
}

const std::vector<std::pair<std::string, std::string>>& metric_definitions() {
  static const std::vector<std::pair<std::string, std::string>> k_definitions = {
      {"ttft_ms", "time to first token: request sent → first event carrying generated content (content, reasoning, "
                  "tool call or text); role-only chunks do not count"},
      {"tpot_ms", "time per output token: (E2E − TTFT) ÷ (output tokens − 1), per request, for requests with more "
                  "than one output token"},
      {"itl_ms", "inter-token latency: gaps between content events, each divided over the tokens the later event "
                 "carried when the protocol reports them (else one sample per chunk: itl_per_chunk)"},
      {"e2e_ms", "end-to-end latency: request sent → end of the response"},
      {"ttft_from_schedule_ms", "open loop: TTFT measured from the scheduled arrival time (includes client-side "
                                "waiting: no coordinated omission)"},
      {"e2e_from_schedule_ms", "open loop: E2E measured from the scheduled arrival time"},
      {"schedule_lag_ms", "open loop: actual send − scheduled arrival time"},
      {"request_rps", "successful requests ÷ duration (first send → last completion)"},
      {"completion_rps", "(successful requests − 1) ÷ (last completion − first completion): the rate the server "
                         "finished requests at"},
      {"output_tokens_per_s", "output tokens of successful requests ÷ duration"},
      {"total_tokens_per_s", "(input + output tokens of successful requests) ÷ duration"},
      {"goodput_rps", "successful requests meeting every given SLO (TTFT ≤ --ttft-ms, TPOT ≤ --tpot-ms) ÷ duration"},
      {"error_rate", "failed ÷ (successful + failed); cancelled requests are not counted"},
      {"mean_in_flight", "achieved concurrency: Σ request durations ÷ duration"},
      {"tokens", "output tokens from the server's usage (or TGI details, llama.cpp tokens_predicted, JetStream "
                 "token ids); 'approximate' when the client had to count chunks or prompt words"},
      {"percentiles", "linear interpolation between closest ranks (numpy's default); std is the population "
                      "standard deviation; exact up to 10,000 samples per distribution, beyond that from a "
                      "logarithmic histogram within ±0.1% relative (\"exact\": false)"},
      {"input_truncated", "the server counted more than 10% fewer prompt tokens than the client sent, or said it cut "
                          "the prompt: prompts did not fit its context"},
      {"cached_input", "prompt tokens the server served from its prefix cache (usage.prompt_tokens_details."
                       "cached_tokens, llama.cpp timings)"},
  };
  return k_definitions;
}

} // namespace tpuplan::bench
