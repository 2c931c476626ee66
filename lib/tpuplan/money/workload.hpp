// The user's workload, described once for every money command (cost, size, breakeven, plan):
// how much traffic (a rate, tokens a day, a closed-loop concurrency, or an hourly load curve),
// how long its requests are (means, or a file of lengths), the SLO (TTFT and TPOT at a
// percentile), and the spare capacity kept (headroom, N+1). Semantics: docs/workload.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// Requests per second for each hour of a day (24 values) or of a week (168, Monday 00:00 first).
struct LoadCurve {
  std::vector<double> requests_per_s; ///< mean arrival rate in each hour, ≥ 0
  std::string source;                 ///< "--load-curve", a file name, "flat 8 h/day"

  double peak() const;                ///< the largest hourly rate
  double mean() const;                ///< the mean over the period
  bool weekly() const { return requests_per_s.size() == 168; }
};

/// Request lengths read from a file: their means and how much output lengths vary.
struct LengthStats {
  std::string source;            ///< the file, as given
  std::size_t requests = 0;
  double input_tokens = 0;       ///< mean
  double output_tokens = 0;      ///< mean
  double max_tokens = 0;         ///< longest input + output
  /// var(output) ÷ mean(output)²: the variation of the time a request holds a batch slot.
  double output_scv = 0;
};

/// Latency targets and the share of requests that must meet them.
struct Slo {
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  double ttft_quantile = 0.9;    ///< 0.9 = p90
  double tpot_quantile = 0.9;
};

/// Ranges of the load (validate()): beyond them no figure of a plan is meaningful, and every
/// count derived from them (replicas, sequences) stays exact in an int.
constexpr double k_max_rate_rps = 1e6;           ///< requests per second
constexpr double k_max_tokens_per_day = 1e15;    ///< input + output tokens a day
constexpr std::int64_t k_max_concurrency = 1'000'000; ///< sequences in flight
constexpr double k_max_latency_ms = 86'400'000;  ///< TTFT and TPOT targets: a day

/// The workload. At most one of rate, tokens_per_day, concurrency and curve is set (validate()).
struct Workload {
  std::optional<double> rate_requests_per_s; ///< open load while the service runs
  std::optional<double> tokens_per_day;      ///< input + output tokens a day, arriving during the hours it runs
  std::optional<int> concurrency;            ///< closed loop: sequences in flight
  std::optional<LoadCurve> curve;            ///< hourly rates over a day or a week
  double input_tokens = 1000;                ///< mean prompt tokens per request
  double output_tokens = 1000;               ///< mean generated tokens per request
  std::optional<LengthStats> lengths;        ///< where the means came from, when a file gave them
  std::optional<double> context_tokens;      ///< tokens each sequence may grow to; default input + output
  Slo slo;
  /// Share of each replica's SLO capacity kept free for bursts: replicas are planned for
  /// (1 − headroom) of what one serves.
  double capacity_headroom = 0;
  bool n_plus_one = false;                   ///< one replica more than the load needs (failures, upgrades)

  double tokens_per_request() const { return input_tokens + output_tokens; }
  /// Tokens memory reserves per sequence: the context, else input + output.
  double context() const { return context_tokens.value_or(tokens_per_request()); }
  /// True when any load (rate, tokens a day, concurrency or curve) is given.
  bool has_load() const { return rate_requests_per_s || tokens_per_day || concurrency || curve; }
  /// The open load in requests/s while the service runs `hours_per_day`: the rate, the tokens a
  /// day spread over those hours, or the curve's peak hour; nullopt without an open load.
  std::optional<double> requests_per_s(double hours_per_day) const;
  /// Output tokens per second the load asks for while the service runs (open loads only).
  std::optional<double> output_tokens_per_s(double hours_per_day) const;
};

/// Throws Error(usage) naming the flag when a figure is out of range or the load is given two ways.
void validate(const Workload& workload);

/// "p50" → 0.5, "p90", "p95", "p99"; nullopt otherwise.
std::optional<double> parse_percentile(std::string_view name);
/// 0.9 → "p90" (the nearest whole percent).
std::string percentile_name(double quantile);
/// The SLO's targets as "p90 TTFT ≤ 500 ms, p90 TPOT ≤ 50 ms" (either part alone); "" with none.
std::string slo_targets(const Slo& slo);

// ---- load curves --------------------------------------------------------------------------

/// A curve from "v1,v2,…" (24 or 168 values, requests/s). `origin` names the text in errors.
/// Throws Error(usage) naming the value's position and what is accepted.
LoadCurve parse_curve_values(std::string_view text, std::string_view origin);

/// A curve from text in one of three forms (docs/workload.md):
///   YAML   `requests_per_s: [v0, v1, …]` (24 or 168 values), or the bare list;
///   CSV    an `hour,requests_per_s` table, or one column of values;
///   CSV    a Prometheus range-query export: a time column (unix seconds or ISO 8601) and one
///          or more series columns (summed), or long form `time,series,value`; the samples are
///          averaged into hours of the day (UTC), or of the week when they span 7 days or more.
/// `name` stands for the file in errors, which name it with the line: "load.csv:7: …".
LoadCurve parse_curve_text(const std::string& text, const std::string& name);
/// Reads a curve file (parse_curve_text); Error(input) when it cannot be read.
LoadCurve load_curve_file(const std::filesystem::path& path);
/// A flag value: values when it holds a comma or is a number, else a file name.
LoadCurve read_curve(const std::string& value, std::string_view flag);

/// A curve of `requests_per_s` for the first `hours_per_day` hours of each day and 0 after
/// (24 values; a fractional last hour carries its share of the rate): the flat pattern of
/// `breakeven --hours H` as a curve.
LoadCurve flat_curve(double requests_per_s, double hours_per_day);

// ---- lengths ------------------------------------------------------------------------------

/// Request lengths from CSV (`input_tokens,output_tokens` columns; `prompt_tokens` and
/// `completion_tokens` are accepted too) or JSON lines with those keys (`tpuplan bench
/// --requests-out` writes them). Throws Error(input) naming file:line.
LengthStats parse_lengths_text(const std::string& text, const std::string& name);
LengthStats load_lengths_file(const std::filesystem::path& path);

} // namespace tpuplan
