#include <tpuplan/bench/runner.hpp>
#include <tpuplan/bench/probe.hpp>
#include <tpuplan/bench/server_metrics.hpp>
#include <tpuplan/bench/summary.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/bench/workload_sources.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

/// Timeout of probes and scrapes: they are small GETs (and Ctrl-C cuts them short).
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

bool stopped(const BenchHooks& hooks) { return hooks.stop != nullptr && hooks.stop->load() > 0; }

RepeatFigure figure(const std::vector<double>& values) {
  const MeanInterval m = mean_ci95(values);
  return {m.mean, m.low, m.high};
}

/// The spread of a level's figures over its repeated runs.
RepeatSummary repeat_summary(const std::vector<LevelResult>& runs) {
  RepeatSummary s;
  s.runs = static_cast<int>(runs.size());
  const auto collect = [&](auto get) {
    std::vector<double> v;
    for (const auto& r : runs) {
      if (const std::optional<double> x = get(r)) {
        v.push_back(*x);
      }
    }
    return figure(v);
  };
  const auto dist = [](const Distribution& d, double Distribution::*f) {
    return d.count > 0 ? std::optional<double>(d.*f) : std::nullopt;
  };
  s.request_rps = collect([](const LevelResult& r) { return std::optional<double>(r.request_rps); });
  s.output_tokens_per_s = collect([](const LevelResult& r) { return std::optional<double>(r.output_tokens_per_s); });
  s.ttft_ms_p50 = collect([&](const LevelResult& r) { return dist(r.ttft_ms, &Distribution::p50); });
  s.ttft_ms_p99 = collect([&](const LevelResult& r) { return dist(r.ttft_ms, &Distribution::p99); });
  s.tpot_ms_p50 = collect([&](const LevelResult& r) { return dist(r.tpot_ms, &Distribution::p50); });
  s.tpot_ms_p99 = collect([&](const LevelResult& r) { return dist(r.tpot_ms, &Distribution::p99); });
  return s;
}

/// A run in progress: the engine, the prompts and the profile being filled.
class Run {
public:
  Run(const BenchConfig& config, const BenchHooks& hooks) : m_config(config), m_hooks(hooks) {}

  BenchRun go();

private:
  void warn(const std::string& text) const {
    if (m_hooks.warn) {
      m_hooks.warn(text);
    }
  }
  void probe();
  void size_prompts();
  void choose_metrics();
  OutgoingRequest request(std::int64_t index);
  /// Runs `load` config.repeat times (once for warm-up) as profile level `level`.
  LevelResult run_level(const LoadLevel& load, std::size_t level, bool warmup);
  LevelRun run_once(const LoadLevel& load, std::size_t level, bool warmup, LevelAccumulator& pooled,
                    LevelAccumulator* own, std::uint64_t seed);
  void add_warnings(LevelResult& result) const;
  void run_levels();
  void run_slo_search();

  const BenchConfig& m_config;
  const BenchHooks& m_hooks;
  std::optional<CurlLibrary> m_curl;
  std::optional<Engine> m_engine;
  EndpointInfo m_info;
  BenchRun m_out;
  std::vector<Prompt> m_dataset;
  std::vector<TraceRequest> m_trace;
  std::optional<Conversations> m_conversations;
  SyntheticPrompts m_synthetic;
  GenerationOptions m_gen;
  std::string m_metrics_url;
  std::int64_t m_prompt_base = 0; // prompt numbers run on across warm-up, levels and repeats
  std::size_t m_levels_planned = 0;
  std::optional<ServerMetrics> m_metrics_level; // the last run's server figures
};

BenchRun Run::go() {
  // Inputs first: a bad dataset or trace fails before anything is sent.
  if (!m_config.dataset.empty()) {
    m_dataset = read_dataset(m_config.dataset);
  }
  if (!m_config.trace.empty()) {
    m_trace = read_trace(m_config.trace);
  }
  m_curl.emplace(m_config.curl_library);
  m_engine.emplace(*m_curl, m_config.endpoint);
  m_engine->set_stop(m_hooks.stop);
  if (!m_engine->io_fallback().empty()) {
    warn(fmt::format("--io io_uring: the kernel refused a ring ({}): receiving with epoll", m_engine->io_fallback()));
  }
  probe();

  Profile& p = m_out.profile;
  p.tool_version = m_config.tool_version;
  p.http_client = m_engine->http_client();
  p.created_at = utc_now_iso8601();
  p.endpoint = redact_url(m_engine->url(""));
  p.api = m_info.api;
  p.server = m_info.server;
  p.model = m_info.model;
  p.served_models = m_info.served_models;
  p.model_params = m_info.model_params;
  p.context_tokens = m_info.context_tokens;
  p.offering = m_config.offering;
  p.accelerator = m_config.accelerator;
  p.chips = m_config.chips;
  p.notes = m_info.notes;
  p.insecure = m_config.endpoint.insecure;
  if (p.insecure) {
    p.notes.push_back("TLS certificates and host names were not verified (--insecure)");
  }

  const bool ignore_eos = m_config.ignore_eos.value_or(server_accepts_ignore_eos(m_info.api, m_info.server));
  if (!m_config.ignore_eos && !ignore_eos && (m_info.api == Api::openai_chat || m_info.api == Api::openai_completions)) {
    warn(fmt::format("ignore_eos not sent: the server was not recognised as vLLM, SGLang or llama.cpp "
                     "({}); outputs may stop before {} tokens (force it with --ignore-eos)",
                     to_string(m_info.server), m_config.output_tokens));
  }
  Workload& w = p.workload;
  w.prompts = !m_trace.empty() ? "trace" : m_dataset.empty() ? "synthetic" : "dataset";
  m_synthetic = m_config.synthetic;
  if (!m_dataset.empty()) {
    w.dataset = m_config.dataset.filename().string();
    w.dataset_prompts = static_cast<std::int64_t>(m_dataset.size());
  } else if (!m_trace.empty()) {
    w.trace = m_config.trace.filename().string();
  } else {
    size_prompts();
    w.input_tokens = m_synthetic.tokens;
    w.input_tokens_range = m_synthetic.range;
  }
  w.output_tokens = m_config.output_tokens;
  w.ignore_eos = ignore_eos;
  w.warmup_requests = m_config.warmup_requests;
  if (!m_config.levels.empty() && m_config.levels.front().requests > 0) {
    w.requests_per_level = m_config.levels.front().requests;
  } else if (!m_config.levels.empty()) {
    w.duration_s_per_level = m_config.levels.front().duration_s;
  }
  w.seed = m_config.seed;
  w.slo = m_config.slo;
  w.timeout_s = m_config.endpoint.request_timeout_s;
  w.repeat = std::max(1, m_config.repeat);
  w.turns = std::max(1, m_config.turns);
  w.shared_prefix_tokens = m_config.prefix.shared_tokens;
  w.shared_prefix_share = m_config.prefix.shared_tokens > 0 ? m_config.prefix.shared_share : 0;

  // The prompt cache: kept out of the figures unless a shared prefix or conversations measure
  // it on purpose. Unique prefixes defeat every prefix cache; llama.cpp also takes
  // cache_prompt: false (its slots otherwise keep the last prompt).
  const bool measure_cache = m_config.prefix.shared_tokens > 0 || m_config.turns > 1;
  const bool llamacpp = m_info.api == Api::llamacpp || m_info.server == ServerKind::llamacpp;
  if (llamacpp) {
    m_gen.cache_prompt = measure_cache;
  }
  w.prompt_cache = measure_cache ? "measured" : llamacpp ? "cache_prompt off" : "unique prefixes";
  p.notes.push_back(measure_cache
                        ? "prompt cache: on, measured (--shared-prefix / --turns); cached prompt tokens are reported "
                          "where the server counts them"
                        : llamacpp ? "prompt cache: off (cache_prompt: false) and every prompt opens with a unique prefix"
                                   : "prompt cache: every prompt opens with a unique prefix, so none is served from it");
  m_gen.model = m_info.model;
  m_gen.max_tokens = m_config.output_tokens;
  m_gen.ignore_eos = ignore_eos;
  if (m_config.turns > 1) {
    m_conversations.emplace(m_config.turns, m_synthetic, m_config.seed, m_config.prefix);
  }
  choose_metrics();

  if (m_config.warmup_requests > 0 && !m_config.levels.empty() && !m_config.slo_search && m_trace.empty()) {
    LoadLevel warm = m_config.levels.front(); // the same caps as the first level (bench.md §A.4 #7)
    warm.requests = m_config.warmup_requests;
    warm.duration_s = 0;
    run_level(warm, 0, true);
  }
  if (!m_out.interrupted) {
    if (m_config.slo_search) {
      run_slo_search();
    } else {
      run_levels();
    }
  }

  if (!m_dataset.empty() && m_prompt_base > static_cast<std::int64_t>(m_dataset.size())) {
    const std::string text = fmt::format("the dataset's {} prompts were reused for {} requests, each behind its own "
                                         "unique prefix",
                                         m_dataset.size(), m_prompt_base);
    p.notes.push_back(text);
  }
  const bool input_approx = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) {
    return l.input_tokens_source == TokenSource::approx;
  });
  p.notes.push_back(input_approx ? (m_dataset.empty() ? "input tokens: approximate where the server reported none "
                                                        "(words of the synthetic prompt)"
                                                      : "input tokens: approximate where the server reported none "
                                                        "(dataset input_tokens, else bytes ÷ 4)")
                                 : "input tokens: as counted by the server");
  p.input_truncated = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) { return l.input_truncated; });
  p.timestamp_source = m_engine->timestamp_source(); // after the runs: a connection may have fallen back
  p.io = m_engine->io();
  p.partial = m_out.interrupted;
  return std::move(m_out);
}

void Run::probe() {
  try {
    m_info = probe_endpoint(*m_engine, m_config.api, m_config.model, k_probe_timeout_s);
  } catch (const Error&) {
    if (stopped(m_hooks)) {
      throw Error(ErrorKind::interrupted, "interrupted while probing the endpoint");
    }
    throw;
  }
  if (stopped(m_hooks)) {
    throw Error(ErrorKind::interrupted, "interrupted while probing the endpoint");
  }
}

void Run::size_prompts() {
  if (!m_info.context_tokens) {
    return;
  }
  const std::int64_t context = *m_info.context_tokens;
  const std::int64_t input_room = m_info.max_input_tokens.value_or(context);
  const std::int64_t longest = m_synthetic.tokens + m_synthetic.range;
  const std::int64_t fits = std::min(context - m_config.output_tokens, input_room) - k_context_margin_tokens;
  if (longest <= fits) {
    return;
  }
  const std::string where = fmt::format("{} tokens ({})", context, m_info.context_source);
  if (m_config.input_tokens_given || fits < 16) {
    warn(fmt::format("prompts of up to {} tokens and {} output tokens do not fit the server's context of {}: expect "
                     "prompts cut short or rejected (see input_truncated)",
                     longest, m_config.output_tokens, where));
    return;
  }
  // Default prompts are resized to fit, keeping the ± range's share of the mean.
  const double share = m_synthetic.tokens > 0 ? static_cast<double>(m_synthetic.range) / m_synthetic.tokens : 0;
  const auto tokens = static_cast<int>(static_cast<double>(fits) / (1 + share));
  const auto range = static_cast<int>(std::floor(tokens * share));
  const std::string note = fmt::format("input tokens: the default {} do not fit the server's context of {} with {} output "
                                       "tokens; prompts sized to {} (give --input-tokens to choose)",
                                       m_synthetic.tokens, where, m_config.output_tokens, tokens);
  m_synthetic.tokens = tokens;
  m_synthetic.range = range;
  m_out.profile.workload.input_tokens_sized = true;
  m_out.profile.notes.push_back(note);
  warn(note);
}

void Run::choose_metrics() {
  // Server metrics: an explicit URL must answer; the endpoint's /metrics is used if it does.
  if (!m_config.scrape_metrics) {
    return;
  }
  const std::string candidate = m_config.metrics_url.empty() ? m_engine->url("/metrics") : m_config.metrics_url;
  const HttpResponse r = m_engine->get(candidate, k_probe_timeout_s, true);
  if (r.error.empty() && r.status == 200 && has_known_metrics(parse_prometheus(r.body))) {
    m_metrics_url = candidate;
    m_out.profile.notes.push_back(fmt::format("server metrics scraped from {}", redact_url(candidate)));
  } else if (!m_config.metrics_url.empty() && !stopped(m_hooks)) {
    warn(fmt::format("--metrics-url {} gave {}: no server metrics", redact_url(candidate),
                     !r.error.empty() ? r.error
                     : r.status != 200 ? fmt::format("HTTP {}", r.status)
                                       : std::string("no vLLM, TGI, JetStream or llama.cpp metric names")));
  }
}

OutgoingRequest Run::request(std::int64_t i) {
  const std::int64_t n = m_prompt_base + i;
  Prompt prompt;
  int max_tokens = m_config.output_tokens;
  bool capture = false;
  if (!m_trace.empty()) {
    const TraceRequest& t = m_trace[static_cast<std::size_t>(i) % m_trace.size()];
    prompt = synthetic_prompt(SyntheticPrompts{t.input_tokens, 0}, m_config.seed, n, m_config.prefix);
    max_tokens = t.output_tokens;
  } else if (m_conversations) {
    prompt = m_conversations->next(n);
    prompt.tokens_counted = false; // the assistant turns' lengths are estimates
    capture = true;
  } else if (!m_dataset.empty()) {
    auto [opening, words] = prompt_opening(m_config.prefix, n);
    prompt = with_opening(m_dataset[static_cast<std::size_t>(n) % m_dataset.size()], opening, words);
    max_tokens = prompt.output_tokens.value_or(max_tokens);
  } else {
    prompt = synthetic_prompt(m_synthetic, m_config.seed, n, m_config.prefix);
  }
  GenerationOptions gen = m_gen;
  gen.max_tokens = max_tokens;
  OutgoingRequest out;
  out.body = request_body(m_info.api, prompt, gen);
  out.max_tokens = max_tokens;
  out.prompt_tokens_estimate = prompt.approx_tokens;
  if (prompt.tokens_counted) {
    out.prompt_tokens_sent = prompt.approx_tokens;
  }
  out.capture_output = capture;
  return out;
}

LevelRun Run::run_once(const LoadLevel& load, std::size_t level, bool warmup, LevelAccumulator& pooled,
                       LevelAccumulator* own, std::uint64_t seed) {
  LevelHooks h;
  h.stop = m_hooks.stop;
  h.drain_timeout_s = m_config.drain_timeout_s;
  h.max_connect_failures = m_config.max_connect_failures;
  if (m_hooks.progress) {
    const std::size_t levels = m_levels_planned;
    h.progress = [this, level, levels, warmup, &load](const LevelProgress& pr) {
      m_hooks.progress(level, levels, warmup, load, pr);
    };
  }
  std::int64_t start_ns = 0;
  std::int64_t finished = 0;
  h.on_start = [&start_ns](std::int64_t t) { start_ns = t; };
  h.on_record = [&](RequestRecord&& rec) {
    ++finished;
    if (m_conversations) {
      m_conversations->finished(rec.index + m_prompt_base, rec.ok(), rec.output_text);
    }
    rec.output_text.clear();
    if (warmup) {
      return;
    }
    pooled.add(rec);
    if (own != nullptr) {
      own->add(rec);
    }
    if (m_hooks.on_record) {
      m_hooks.on_record(level, rec, start_ns);
    }
  };
  ServerMetricsCollector collector;
  if (!m_metrics_url.empty() && !warmup) {
    const HttpResponse before = m_engine->get(m_metrics_url, k_probe_timeout_s, true);
    collector.before(parse_prometheus(before.body));
    h.sample_url = m_metrics_url;
    h.sample_interval_s = m_config.metrics_interval_s;
    h.on_sample = [&collector](std::string_view body, std::int64_t) { collector.sample(parse_prometheus(body)); };
  }
  const RequestSource source = [this](std::int64_t i) { return request(i); };
  LevelRun run = m_engine->run(m_info.api, load, source, h, seed);
  m_prompt_base += finished;
  if (!m_metrics_url.empty() && !warmup && !stopped(m_hooks)) {
    // After a stop the closing scrape is skipped: it would only delay the exit.
    const HttpResponse after = m_engine->get(m_metrics_url, k_probe_timeout_s, true);
    if (after.error.empty()) {
      collector.after(parse_prometheus(after.body));
      m_metrics_level = collector.result();
    }
  }
  return run;
}

LevelResult Run::run_level(const LoadLevel& load, std::size_t level, bool warmup) {
  LevelAccumulator pooled(load, m_config.slo);
  const int runs = warmup ? 1 : std::max(1, m_config.repeat);
  std::vector<LevelResult> each;
  LevelRun last;
  std::optional<ServerMetrics> server;
  for (int k = 0; k < runs; ++k) {
    LevelAccumulator own(load, m_config.slo);
    m_metrics_level.reset();
    const std::uint64_t seed = warmup ? m_config.seed ^ 0x5741524dULL : m_config.seed + level + 1000003ULL * k;
    LevelRun run = run_once(load, level, warmup, pooled, runs > 1 ? &own : nullptr, seed);
    if (m_metrics_level) {
      server = m_metrics_level; // with repeats: the last run's server figures
    }
    if (runs > 1) {
      each.push_back(own.result(run));
    }
    if (k == 0) {
      last = std::move(run);
    } else {
      // The pooled level spans every run: its start is the first's, its end state the last's.
      last.end_ns = run.end_ns;
      last.interrupted = run.interrupted;
      last.unreachable = run.unreachable;
      last.unreachable_message = run.unreachable_message;
      last.not_sent += run.not_sent;
    }
    if (run.interrupted || run.unreachable) {
      break;
    }
  }
  m_out.interrupted = m_out.interrupted || last.interrupted;
  LevelResult result = pooled.result(last);
  result.server = server;
  if (runs > 1) {
    result.repeat = repeat_summary(each);
  }
  return result;
}

void Run::add_warnings(LevelResult& result) const {
  const LoadLevel& load = result.load;
  if (result.server && result.server->prefix_cache_hit_rate &&
      *result.server->prefix_cache_hit_rate > k_warm_cache_hit_rate && m_out.profile.workload.prompt_cache != "measured") {
    result.warnings.push_back(fmt::format("prefix-cache hit rate {:.0f}%: prompts were served from a warm cache, "
                                          "which inflates throughput",
                                          *result.server->prefix_cache_hit_rate * 100));
  }
  if (result.cached_input_tokens && *result.cached_input_tokens > 0 && m_out.profile.workload.prompt_cache != "measured" &&
      static_cast<double>(*result.cached_input_tokens) > k_warm_cache_hit_rate * static_cast<double>(result.input_tokens)) {
    result.warnings.push_back(fmt::format("the server served {} of {} prompt tokens from its cache, which inflates "
                                          "throughput and shortens TTFT",
                                          *result.cached_input_tokens, result.input_tokens));
  }
  if (result.input_truncated) {
    const std::string said = result.requests_truncated > 0
                                 ? fmt::format("; it said so for {} of {} requests", result.requests_truncated, result.requests_ok)
                                 : std::string();
    result.warnings.push_back(
        fmt::format("the server counted {} prompt tokens where {} were sent ({:.0f}%){}: prompts were cut to fit its "
                    "context, so the level measured shorter prompts than asked (use a smaller --input-tokens)",
                    result.input_tokens_compared, result.input_tokens_sent.value_or(0),
                    result.input_tokens_sent && *result.input_tokens_sent > 0
                        ? 100.0 * static_cast<double>(result.input_tokens_compared) / static_cast<double>(*result.input_tokens_sent)
                        : 0.0,
                    said));
  }
  if (result.requests_ok == 0 && result.requests_failed > 0) {
    result.warnings.push_back("every request failed: see the errors table");
  }
  if (m_out.profile.workload.ignore_eos && result.requests_ok > 0 &&
      result.output_tokens_per_request.mean + 0.5 < m_config.output_tokens && m_dataset.empty() && m_trace.empty()) {
    result.warnings.push_back(fmt::format("the server generated {:.1f} output tokens per request on average, "
                                          "fewer than the {} asked",
                                          result.output_tokens_per_request.mean, m_config.output_tokens));
  }
  if (result.output_tokens_source == TokenSource::approx) {
    result.warnings.push_back("output tokens are approximate: the server sent no usage, so content chunks were "
                              "counted (a chunk is not a token)");
  }
  if (load.mode == LoadMode::rate && result.send_rate_rps && !result.partial && !result.unreachable &&
      *result.send_rate_rps < k_send_rate_shortfall * load.rate_rps) {
    result.warnings.push_back(fmt::format("sent {:.2f} req/s against a target of {} (schedule lag p99 {:.1f} ms)",
                                          *result.send_rate_rps, load.rate_rps, result.schedule_lag_ms.p99));
  }
}

void Run::run_levels() {
  std::vector<LoadLevel> levels = m_config.levels;
  if (!m_trace.empty()) {
    // One open-loop level on the trace's own schedule.
    LoadLevel l;
    l.mode = LoadMode::rate;
    l.requests = static_cast<std::int64_t>(m_trace.size());
    for (const auto& t : m_trace) {
      l.arrivals_s.push_back(t.arrival_s);
    }
    const double span = m_trace.back().arrival_s;
    l.rate_rps = span > 0 ? static_cast<double>(m_trace.size()) / span : static_cast<double>(m_trace.size());
    l.max_concurrency = levels.empty() ? 0 : levels.front().max_concurrency;
    levels = {l};
  }
  m_levels_planned = levels.size();
  for (std::size_t i = 0; i < levels.size() && !m_out.interrupted; ++i) {
    LevelResult result = run_level(levels[i], i, false);
    add_warnings(result);
    for (const auto& text : result.warnings) {
      warn(fmt::format("{}: {}", level_label(levels[i]), text));
    }
    const bool unreachable = result.unreachable;
    m_out.profile.levels.push_back(std::move(result));
    if (unreachable) {
      if (i + 1 < levels.size()) {
        warn(fmt::format("the remaining {} levels were not run: the server cannot be reached", levels.size() - i - 1));
      }
      break;
    }
  }
}

void Run::run_slo_search() {
  const SloSearchSpec& spec = *m_config.slo_search;
  SloSearcher searcher(spec);
  const LoadLevel base = m_config.levels.empty() ? LoadLevel{} : m_config.levels.front();
  std::vector<std::pair<double, std::size_t>> tried; // load → index in levels
  while (const auto load = searcher.next()) {
    LoadLevel l = base;
    l.mode = spec.mode;
    l.arrivals_s.clear();
    if (spec.mode == LoadMode::rate) {
      l.rate_rps = *load;
    } else {
      l.concurrency = static_cast<int>(*load);
    }
    const std::size_t index = m_out.profile.levels.size();
    LevelResult result = run_level(l, index, false);
    add_warnings(result);
    for (const auto& text : result.warnings) {
      warn(fmt::format("{}: {}", level_label(l), text));
    }
    if (m_out.interrupted || result.unreachable) {
      m_out.profile.levels.push_back(std::move(result));
      break;
    }
    result.saturated = searcher.record(result).saturated;
    m_out.profile.levels.push_back(std::move(result));
    tried.emplace_back(*load, index);
  }
  SloSearch s = searcher.result();
  if (m_out.interrupted) {
    s.stop_reason = "interrupted";
  } else if (!m_out.profile.levels.empty() && m_out.profile.levels.back().unreachable) {
    s.stop_reason = "the server could not be reached";
  }
  // The curve reads left to right: levels sorted by load, the best one named by its index.
  std::vector<std::size_t> order(m_out.profile.levels.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  const auto load_of = [&](const LevelResult& l) { return l.load.mode == LoadMode::rate ? l.load.rate_rps : l.load.concurrency; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return load_of(m_out.profile.levels[a]) < load_of(m_out.profile.levels[b]);
  });
  std::vector<LevelResult> sorted;
  for (const std::size_t i : order) {
    sorted.push_back(std::move(m_out.profile.levels[i]));
  }
  m_out.profile.levels = std::move(sorted);
  if (s.best) {
    for (std::size_t i = 0; i < m_out.profile.levels.size(); ++i) {
      if (load_of(m_out.profile.levels[i]) == *s.best) {
        s.best_level = i;
      }
    }
  }
  m_out.profile.slo_search = s;
}

} // namespace

BenchRun run_bench(const BenchConfig& config, const BenchHooks& hooks) {
  Run run(config, hooks);
  return run.go();
}

} // namespace tpuplan::bench
