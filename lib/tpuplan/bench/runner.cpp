#include <tpuplan/bench/runner.hpp>
#include <tpuplan/bench/probe.hpp>
#include <tpuplan/bench/server_metrics.hpp>
#include <tpuplan/bench/summary.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

/// Timeout of probes and scrapes: they are small GETs.
constexpr double k_probe_timeout_s = 10;

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool server_accepts_ignore_eos(Api api, ServerKind server) {
  if (api == Api::llamacpp) {
    return true;
  }
  if (api == Api::openai_chat || api == Api::openai_completions) {
    // A vLLM/SGLang/llama.cpp extension; OpenAI itself and strict gateways reject unknown fields.
    return server == ServerKind::vllm || server == ServerKind::sglang || server == ServerKind::llamacpp;
  }
  return false; // TGI has no such parameter; JetStream forbids extra fields
}

std::string level_label(const LoadLevel& l) {
  return l.mode == LoadMode::concurrency ? fmt::format("concurrency {}", l.concurrency)
                                         : fmt::format("rate {} req/s", l.rate_rps);
}

} // namespace

BenchRun run_bench(const BenchConfig& config, const BenchHooks& hooks) {
  const auto warn = [&](const std::string& text) {
    if (hooks.warn) {
      hooks.warn(text);
    }
  };
  // Prompts first: a bad dataset should fail before anything is sent.
  std::vector<Prompt> dataset;
  if (!config.dataset.empty()) {
    dataset = read_dataset(config.dataset);
  }

  const CurlLibrary curl(config.curl_library);
  Engine engine(curl, config.endpoint);
  const EndpointInfo info = probe_endpoint(engine, config.api, config.model, k_probe_timeout_s);

  BenchRun out;
  Profile& p = out.profile;
  p.tool_version = config.tool_version;
  p.http_client = engine.http_client();
  p.created_at = utc_now_iso8601();
  p.endpoint = redact_url(engine.url(""));
  p.api = info.api;
  p.server = info.server;
  p.model = info.model;
  p.offering = config.offering;
  p.accelerator = config.accelerator;
  p.chips = config.chips;
  p.notes = info.notes;

  const bool ignore_eos = config.ignore_eos.value_or(server_accepts_ignore_eos(info.api, info.server));
  if (!config.ignore_eos && !ignore_eos && (info.api == Api::openai_chat || info.api == Api::openai_completions)) {
    warn(fmt::format("ignore_eos not sent: the server was not recognised as vLLM, SGLang or llama.cpp "
                     "({}); outputs may stop before {} tokens (force it with --ignore-eos)",
                     to_string(info.server), config.output_tokens));
  }
  Workload& w = p.workload;
  w.prompts = dataset.empty() ? "synthetic" : "dataset";
  if (!dataset.empty()) {
    w.dataset = config.dataset.filename().string();
    w.dataset_prompts = static_cast<std::int64_t>(dataset.size());
  } else {
    w.input_tokens = config.synthetic.tokens;
    w.input_tokens_range = config.synthetic.range;
  }
  w.output_tokens = config.output_tokens;
  w.ignore_eos = ignore_eos;
  w.warmup_requests = config.warmup_requests;
  if (!config.levels.empty() && config.levels.front().requests > 0) {
    w.requests_per_level = config.levels.front().requests;
  } else if (!config.levels.empty()) {
    w.duration_s_per_level = config.levels.front().duration_s;
  }
  w.seed = config.seed;
  w.slo = config.slo;
  w.timeout_s = config.endpoint.request_timeout_s;

  // Server metrics: an explicit URL must answer; the endpoint's /metrics is used if it does.
  std::string metrics_url;
  if (config.scrape_metrics) {
    const std::string candidate = config.metrics_url.empty() ? engine.url("/metrics") : config.metrics_url;
    const HttpResponse r = engine.get(candidate, k_probe_timeout_s);
    if (r.error.empty() && r.status == 200 && has_known_metrics(parse_prometheus(r.body))) {
      metrics_url = candidate;
      p.notes.push_back(fmt::format("server metrics scraped from {}", redact_url(candidate)));
    } else if (!config.metrics_url.empty()) {
      warn(fmt::format("--metrics-url {} gave {}: no server metrics", redact_url(candidate),
                       !r.error.empty() ? r.error
                       : r.status != 200 ? fmt::format("HTTP {}", r.status)
                                         : std::string("no vLLM, TGI, JetStream or llama.cpp metric names")));
    }
  }

  // Request bodies. Prompt numbers run on across warm-up and levels, so no two requests of
  // a run share a synthetic prompt (and a prefix cache has nothing to serve).
  std::int64_t prompt_base = 0;
  GenerationOptions gen;
  gen.model = info.model;
  gen.max_tokens = config.output_tokens;
  gen.ignore_eos = ignore_eos;
  const RequestSource source = [&](std::int64_t i) {
    const std::int64_t n = prompt_base + i;
    const Prompt prompt = dataset.empty() ? synthetic_prompt(config.synthetic, config.seed, n)
                                          : dataset[static_cast<std::size_t>(n) % dataset.size()];
    return OutgoingRequest{request_body(info.api, prompt, gen), prompt.output_tokens.value_or(config.output_tokens),
                           prompt.approx_tokens};
  };
  const std::size_t levels = config.levels.size();
  const auto level_hooks = [&](std::size_t index, bool warmup) {
    LevelHooks h;
    h.stop = hooks.stop;
    h.drain_timeout_s = config.drain_timeout_s;
    if (hooks.progress) {
      h.progress = [&hooks, index, levels, warmup](const LevelProgress& pr) { hooks.progress(index, levels, warmup, pr); };
    }
    return h;
  };

  if (config.warmup_requests > 0 && !config.levels.empty()) {
    LoadLevel warm = config.levels.front(); // the same caps as the first level (bench.md §A.4 #7)
    warm.requests = config.warmup_requests;
    const LevelRun run = engine.run(info.api, warm, source, level_hooks(0, true), config.seed ^ 0x5741524dULL);
    prompt_base += static_cast<std::int64_t>(run.records.size());
    out.interrupted = run.interrupted;
  }

  for (std::size_t i = 0; i < levels && !out.interrupted; ++i) {
    const LoadLevel& load = config.levels[i];
    LevelHooks h = level_hooks(i, false);
    ServerMetricsCollector collector;
    if (!metrics_url.empty()) {
      const HttpResponse before = engine.get(metrics_url, k_probe_timeout_s);
      collector.before(parse_prometheus(before.body));
      h.sample_url = metrics_url;
      h.sample_interval_s = config.metrics_interval_s;
      h.on_sample = [&collector](std::string_view body, std::int64_t) { collector.sample(parse_prometheus(body)); };
    }
    LevelRun run = engine.run(info.api, load, source, h, config.seed + i);
    prompt_base += static_cast<std::int64_t>(run.records.size());
    LevelResult result = summarize_level(load, run, config.slo);
    if (!metrics_url.empty()) {
      const HttpResponse after = engine.get(metrics_url, k_probe_timeout_s);
      collector.after(parse_prometheus(after.body));
      result.server = collector.result();
    }
    // Warnings that change how the level's figures may be read.
    const std::string label = level_label(load);
    if (result.server && result.server->prefix_cache_hit_rate &&
        *result.server->prefix_cache_hit_rate > k_warm_cache_hit_rate) {
      result.warnings.push_back(fmt::format("prefix-cache hit rate {:.0f}%: prompts were served from a warm cache, "
                                            "which inflates throughput (use a fresh --seed or reset the cache)",
                                            *result.server->prefix_cache_hit_rate * 100));
    }
    if (result.requests_ok == 0 && result.requests_failed > 0) {
      result.warnings.push_back("every request failed: see the errors table");
    }
    if (ignore_eos && result.requests_ok > 0 && result.output_tokens_per_request.mean + 0.5 < config.output_tokens &&
        dataset.empty()) {
      result.warnings.push_back(fmt::format("the server generated {:.1f} output tokens per request on average, "
                                            "fewer than the {} asked",
                                            result.output_tokens_per_request.mean, config.output_tokens));
    }
    if (result.output_tokens_source == TokenSource::approx) {
      result.warnings.push_back("output tokens are approximate: the server sent no usage, so content chunks were "
                                "counted (a chunk is not a token)");
    }
    if (load.mode == LoadMode::rate && result.send_rate_rps && !run.interrupted &&
        *result.send_rate_rps < k_send_rate_shortfall * load.rate_rps) {
      result.warnings.push_back(fmt::format("sent {:.2f} req/s against a target of {} (schedule lag p99 {:.1f} ms)",
                                            *result.send_rate_rps, load.rate_rps, result.schedule_lag_ms.p99));
    }
    for (const auto& text : result.warnings) {
      warn(fmt::format("{}: {}", label, text));
    }
    out.interrupted = run.interrupted;
    p.levels.push_back(std::move(result));
    out.runs.push_back(std::move(run));
  }
  if (!dataset.empty() && prompt_base > static_cast<std::int64_t>(dataset.size())) {
    const std::string text = fmt::format("the dataset's {} prompts were reused for {} requests: repeats may be "
                                         "served from a prefix cache",
                                         dataset.size(), prompt_base);
    p.notes.push_back(text);
    warn(text);
  }
  const bool input_approx = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) {
    return l.input_tokens_source == TokenSource::approx;
  });
  p.notes.push_back(input_approx ? (dataset.empty() ? "input tokens: approximate where the server reported none "
                                                      "(words of the synthetic prompt)"
                                                    : "input tokens: approximate where the server reported none "
                                                      "(dataset input_tokens, else bytes ÷ 4)")
                                 : "input tokens: as counted by the server");
  p.timestamp_source = engine.timestamp_source(); // after the runs: a connection may have fallen back
  p.partial = out.interrupted;
  return out;
}

} // namespace tpuplan::bench
