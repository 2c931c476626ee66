// A saved bench run ("tpuplan.bench/v1", JSON): what was measured against which endpoint,
// model and hardware, with the workload and, per load level, the achieved load, throughput,
// latency distributions and error counts. `cost --measured` and calibration read it back.
#pragma once

#include <tpuplan/bench/load.hpp>
#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/record.hpp>
#include <tpuplan/bench/stats.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// The schema name written into and required from profiles.
inline constexpr std::string_view k_profile_schema = "tpuplan.bench/v1";
/// Load levels one run (and so one profile) holds at most: a --concurrency or --rate list,
/// or an SLO search's steps. Calibrating on a profile costs time linear in its levels.
inline constexpr std::size_t k_max_profile_levels = 256;

/// Latency targets for goodput: a request is good when it meets every target given.
struct Slo {
  std::optional<double> ttft_ms; ///< time to first token (open loop: from the scheduled time)
  std::optional<double> tpot_ms; ///< time per output token after the first
};

/// Failed requests of one class.
struct ErrorCount {
  ErrorClass error = ErrorClass::none;
  std::int64_t count = 0;
  std::string example;                 ///< the first message of the class (one line, no secrets)
  std::optional<long> http_status;     ///< of the example, when a response arrived
  std::optional<double> retry_after_s; ///< largest Retry-After seen in the class
};

/// Server-side figures from the Prometheus endpoint: counters and histograms differenced
/// over the level, gauges sampled during it.
struct ServerMetrics {
  std::int64_t samples = 0;                  ///< gauge samples taken during the level
  std::optional<double> ttft_ms_mean;        ///< server-measured time to first token
  std::optional<double> itl_ms_mean;         ///< server-measured time per output token
  std::optional<double> e2e_ms_mean;         ///< server-measured request latency
  std::optional<double> queue_ms_mean;       ///< time waiting for a batch slot
  std::optional<double> running_mean;        ///< requests in the running batch (batch depth)
  std::optional<double> running_max;
  std::optional<double> waiting_mean;        ///< requests queued for a slot
  std::optional<double> waiting_max;
  std::optional<double> kv_cache_usage_mean; ///< fraction 0–1
  std::optional<double> kv_cache_usage_max;
  std::optional<double> prefix_cache_hit_rate; ///< hits ÷ queries over the level
  std::optional<double> generation_tokens;   ///< output tokens the server counted in the level
};

/// A figure over repeated runs of a level: mean and a 95% confidence interval (Student's t).
struct RepeatFigure {
  double mean = 0;
  double ci95_low = 0;
  double ci95_high = 0;
};

/// --repeat N: each level run N times; the level's own figures are those of all N runs'
/// requests pooled, these are the spread of the per-run figures.
struct RepeatSummary {
  int runs = 0;
  RepeatFigure request_rps;
  RepeatFigure output_tokens_per_s;
  RepeatFigure ttft_ms_p50;
  RepeatFigure ttft_ms_p99;
  RepeatFigure tpot_ms_p50;
  RepeatFigure tpot_ms_p99;
};

/// The result of one load level.
struct LevelResult {
  LoadLevel load;
  bool partial = false;                 ///< interrupted: fewer requests than asked
  std::int64_t requests_sent = 0;
  std::int64_t requests_ok = 0;
  std::int64_t requests_failed = 0;     ///< every error class except cancelled
  std::int64_t requests_cancelled = 0;  ///< in flight when interrupted (not in the error rate)
  std::int64_t requests_not_sent = 0;   ///< scheduled but never sent (interrupted)
  double error_rate = 0;                ///< failed ÷ (ok + failed)
  double duration_s = 0;                ///< first send → last completion
  double request_rps = 0;               ///< successful requests ÷ duration
  /// Successful requests after the first ÷ (last completion − first completion): the rate the
  /// server finished requests at, without the first request's latency in the window (an open
  /// loop the server keeps up with finishes at its arrival rate); unset below two requests.
  std::optional<double> completion_rps;
  double output_tokens_per_s = 0;       ///< output tokens of successful requests ÷ duration
  double input_tokens_per_s = 0;
  double total_tokens_per_s = 0;        ///< (input + output) ÷ duration
  std::optional<double> goodput_rps;    ///< requests meeting every SLO ÷ duration (with an SLO)
  std::int64_t good_requests = 0;
  double mean_in_flight = 0;            ///< achieved concurrency: Σ request time ÷ duration
  std::optional<double> send_rate_rps;  ///< open loop: requests sent ÷ time to the last send
  std::int64_t input_tokens = 0;        ///< of successful requests
  std::int64_t output_tokens = 0;
  /// The client's own count of the prompts the server counted (synthetic words, a
  /// dataset's input_tokens), over the successful requests whose count both sides know.
  std::optional<std::int64_t> input_tokens_sent;
  std::int64_t input_tokens_compared = 0; ///< server-side count of those same requests
  /// The server counted > 10% fewer prompt tokens than were sent (input_tokens_compared <
  /// 0.9 × input_tokens_sent), or said it cut prompts: the prompts did not fit its context.
  bool input_truncated = false;
  std::int64_t requests_truncated = 0;  ///< requests whose prompt the server said it cut (llama.cpp)
  /// Prompt tokens the server served from its prefix cache (where it reports them).
  std::optional<std::int64_t> cached_input_tokens;
  TokenSource input_tokens_source = TokenSource::none;  ///< the least exact source among them
  TokenSource output_tokens_source = TokenSource::none;
  Distribution input_tokens_per_request;
  Distribution output_tokens_per_request;
  Distribution ttft_ms;
  Distribution tpot_ms;
  Distribution itl_ms;
  Distribution e2e_ms;
  Distribution ttft_from_schedule_ms;   ///< open loop: first token − scheduled time
  Distribution e2e_from_schedule_ms;    ///< open loop: end − scheduled time
  Distribution schedule_lag_ms;         ///< open loop: actual send − scheduled time
  bool itl_per_chunk = false;           ///< ITL samples are chunk gaps (tokens per chunk unknown)
  std::int64_t role_only_events = 0;
  std::vector<ErrorCount> errors;
  std::optional<ServerMetrics> server;
  std::vector<std::string> warnings;
  bool unreachable = false;             ///< ended early: connection failures in a row
  /// --slo: the search found the server saturated here (more offered load, no more served),
  /// so the level does not meet the SLO even when its latency is within the targets.
  bool saturated = false;
  std::optional<RepeatSummary> repeat;  ///< --repeat N: the spread over the N runs of this level
};

/// What was sent.
struct Workload {
  std::string prompts = "synthetic";           ///< "synthetic" or "dataset"
  std::string dataset;                         ///< file name of the dataset (no directories)
  std::optional<std::int64_t> dataset_prompts; ///< prompts in the dataset
  std::optional<int> input_tokens;             ///< synthetic: mean prompt length (tokens, approx.)
  std::optional<int> input_tokens_range;       ///< synthetic: ± uniform range
  int output_tokens = 0;                       ///< max output tokens asked (a dataset line may override)
  bool ignore_eos = false;                     ///< sent ignore_eos (output length exact)
  std::int64_t warmup_requests = 0;
  std::optional<std::int64_t> requests_per_level;
  std::optional<double> duration_s_per_level;
  std::uint64_t seed = 0;
  Slo slo;
  double timeout_s = 0;
  /// Synthetic prompts were shortened to fit the server's context (input_tokens is the length used).
  bool input_tokens_sized = false;
  int shared_prefix_tokens = 0;      ///< --shared-prefix: words shared by the sharing prompts
  double shared_prefix_share = 0;    ///< fraction of requests that share them (0 without)
  /// How the server's prompt cache was kept out of the figures: "cache_prompt off" (llama.cpp),
  /// "unique prefixes" (elsewhere), or "measured" (--shared-prefix: on purpose).
  std::string prompt_cache;
  int repeat = 1;                    ///< --repeat: runs of each level
  std::string trace;                 ///< --trace: file name of the replayed trace, or empty
  int turns = 1;                     ///< --turns: requests per conversation (1 = single-turn)
};

/// `bench --slo`: how the highest load meeting the SLO was searched for.
struct SloSearch {
  struct Target {
    std::string metric;     ///< "ttft", "tpot", "itl", "e2e"
    std::string percentile; ///< "p50", "p90", "p95", "p99", "p99_9", "mean"
    double ms = 0;
  };
  std::vector<Target> targets;
  LoadMode mode = LoadMode::rate;
  std::optional<double> best;       ///< highest load (req/s or concurrency) meeting every target
  std::optional<std::size_t> best_level; ///< its index in levels
  std::string stop_reason;          ///< why the search ended
  int steps = 0;                    ///< levels run
};

/// A saved run.
struct Profile {
  std::string tool_version;
  std::string http_client;  ///< "built-in HTTP/1.1" or "libcurl 7.88.1"; empty in profiles that predate it
  /// Where token timestamps come from: "kernel" (the kernel's receive time of the segment that
  /// carried the bytes) or "user" (the monotonic clock when the client's read returned); empty
  /// in profiles that predate it.
  std::string timestamp_source;
  /// How the responses were read: "epoll" (readiness, then a read per socket, built-in
  /// client), "io_uring" (multishot receives, built-in client) or "libcurl"; empty in
  /// profiles that predate it.
  std::string io;
  std::string created_at;   ///< UTC, ISO 8601
  bool partial = false;     ///< interrupted
  bool insecure = false;    ///< --insecure: TLS certificates and host names were not verified
  std::string endpoint;     ///< base URL without credentials or query secrets
  Api api = Api::openai_chat;
  ServerKind server = ServerKind::unknown;
  std::string model;
  std::string offering;     ///< catalog offering id, or empty
  std::string accelerator;  ///< accelerator id, or empty
  std::optional<int> chips;
  Workload workload;
  std::vector<LevelResult> levels;
  std::vector<std::string> notes;
  bool input_truncated = false;             ///< a level's prompts were cut by the server (see its warnings)
  std::vector<std::string> served_models;   ///< the server's model list, when it gives one
  std::optional<double> model_params;       ///< parameters of the served model (llama.cpp)
  std::optional<std::int64_t> context_tokens; ///< tokens one request may hold, as the server says
  std::optional<SloSearch> slo_search;
};

/// The profile as JSON (schema k_profile_schema; keys carry units).
nlohmann::ordered_json to_json(const Profile& profile);
/// A distribution as JSON: count plus figures (null when count is 0).
nlohmann::ordered_json to_json(const Distribution& d);

/// Parses and validates a profile; errors name `origin` and the JSON path
/// ("v5e.json: levels[0].latency_ms.ttft.p50: expected a number") or line:column for syntax.
/// Throws Error(input).
Profile parse_profile(std::string_view text, std::string_view origin);
/// Reads a profile file (parse_profile with the file name as origin).
Profile read_profile(const std::filesystem::path& path);

/// The definitions of the reported metrics, one line each (profile "definitions", docs).
const std::vector<std::pair<std::string, std::string>>& metric_definitions();

} // namespace tpuplan::bench
