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
  double output_tokens_per_s = 0;       ///< output tokens of successful requests ÷ duration
  double input_tokens_per_s = 0;
  double total_tokens_per_s = 0;        ///< (input + output) ÷ duration
  std::optional<double> goodput_rps;    ///< requests meeting every SLO ÷ duration (with an SLO)
  std::int64_t good_requests = 0;
  double mean_in_flight = 0;            ///< achieved concurrency: Σ request time ÷ duration
  std::optional<double> send_rate_rps;  ///< open loop: requests sent ÷ time to the last send
  std::int64_t input_tokens = 0;        ///< of successful requests
  std::int64_t output_tokens = 0;
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
};

/// A saved run.
struct Profile {
  std::string tool_version;
  std::string http_client;  ///< "built-in HTTP/1.1" or "libcurl 7.88.1"; empty in profiles that predate it
  /// Where token timestamps come from: "kernel" (the kernel's receive time of the segment that
  /// carried the bytes) or "user" (the monotonic clock when the client's read returned); empty
  /// in profiles that predate it.
  std::string timestamp_source;
  std::string created_at;   ///< UTC, ISO 8601
  bool partial = false;     ///< interrupted
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
