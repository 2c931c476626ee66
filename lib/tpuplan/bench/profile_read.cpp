// Reading profiles back: every field validated, every problem named by file and JSON path.
#include <tpuplan/detail/files.hpp>
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/detail/json_position.hpp>
#include <tpuplan/error.hpp>

#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <sstream>

namespace tpuplan::bench {

namespace {

using json = nlohmann::json;

// Ranges of what a profile holds (docs/bench.md §Profile): those of bench's flags, and for
// measured figures and counts wide enough for any real run, narrow enough that sums and
// products of them stay finite and exact (2^53).
constexpr std::int64_t k_max_count = std::int64_t{1} << 53;
constexpr double k_max_figure = 1e15;
constexpr int k_max_in_flight = 100'000;
constexpr int k_max_chips = 100'000;
constexpr int k_max_tokens = 10'000'000;
constexpr double k_max_seconds = 86'400;

/// Walks a parsed profile, naming the JSON path of whatever is wrong.
class Reader {
public:
  Reader(const json& j, std::string path, std::string_view origin) : m_j(j), m_path(std::move(path)), m_origin(origin) {}

  Reader at(std::string_view key) const {
    const json& v = field(key);
    return Reader(v, join(key), m_origin);
  }
  Reader index(std::size_t i) const { return Reader(m_j.at(i), fmt::format("{}[{}]", m_path, i), m_origin); }
  std::size_t array_size() const {
    if (!m_j.is_array()) {
      fail(m_path, "expected an array");
    }
    return m_j.size();
  }
  bool is_null() const { return m_j.is_null(); }
  bool has(std::string_view key) const { return m_j.is_object() && m_j.contains(key); }
  std::vector<std::string> strings(std::string_view key) const {
    const Reader list = at(key);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.array_size(); ++i) {
      const json& v = list.m_j.at(i);
      if (!v.is_string()) {
        fail(fmt::format("{}[{}]", list.m_path, i), "expected a string");
      }
      out.push_back(v.get<std::string>());
    }
    return out;
  }

  std::string string(std::string_view key) const {
    const json& v = field(key);
    if (!v.is_string()) {
      fail(join(key), "expected a string");
    }
    return v.get<std::string>();
  }
  std::string string_or_empty(std::string_view key) const {
    const json& v = field(key);
    if (v.is_null()) {
      return {};
    }
    return string(key);
  }
  bool boolean(std::string_view key) const {
    const json& v = field(key);
    if (!v.is_boolean()) {
      fail(join(key), "expected true or false");
    }
    return v.get<bool>();
  }
  double number(std::string_view key) const {
    const json& v = field(key);
    if (!v.is_number()) {
      fail(join(key), "expected a number");
    }
    return v.get<double>();
  }
  std::optional<double> opt_number(std::string_view key) const {
    if (!m_j.contains(key) || m_j[std::string(key)].is_null()) {
      return std::nullopt;
    }
    return number(key);
  }
  std::int64_t integer(std::string_view key) const {
    const json& v = field(key);
    if (!v.is_number_integer()) {
      fail(join(key), "expected an integer");
    }
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(k_max_count)) {
      fail(join(key), fmt::format("{} is out of range; accepted: at most {}", v.get<std::uint64_t>(), k_max_count));
    }
    return v.get<std::int64_t>();
  }
  std::optional<std::int64_t> opt_integer(std::string_view key) const {
    if (!m_j.contains(key) || m_j[std::string(key)].is_null()) {
      return std::nullopt;
    }
    return integer(key);
  }
  std::int64_t count(std::string_view key) const { return count_in(key, 0, k_max_count); }
  std::optional<std::int64_t> opt_count(std::string_view key) const {
    if (!m_j.contains(key) || m_j[std::string(key)].is_null()) {
      return std::nullopt;
    }
    return count(key);
  }
  /// A whole number in [lo, hi], checked before it is narrowed to the type that carries it.
  std::int64_t count_in(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    const std::int64_t v = integer(key);
    if (v < lo || v > hi) {
      fail(join(key), fmt::format("{} is out of range; accepted: {} to {}", v, lo, hi));
    }
    return v;
  }
  /// A whole number from 0 to 2^64 − 1 (a seed).
  std::uint64_t unsigned64(std::string_view key) const {
    const json& v = field(key);
    if (v.is_number_unsigned()) {
      return v.get<std::uint64_t>();
    }
    return static_cast<std::uint64_t>(count_in(key, 0, std::numeric_limits<std::int64_t>::max()));
  }
  int int_in(std::string_view key, int lo, int hi) const { return static_cast<int>(count_in(key, lo, hi)); }
  /// A measured figure: a number from 0 up to k_max_figure (rates, latencies, durations,
  /// tokens per second: none is negative).
  double figure(std::string_view key) const { return number_in(key, 0, k_max_figure); }
  std::optional<double> opt_figure(std::string_view key) const {
    if (!m_j.contains(key) || m_j[std::string(key)].is_null()) {
      return std::nullopt;
    }
    return figure(key);
  }
  double number_in(std::string_view key, double lo, double hi) const {
    const double v = number(key);
    if (!(v >= lo && v <= hi)) {
      fail(join(key), fmt::format("{:g} is out of range; accepted: {:g} to {:g}", v, lo, hi));
    }
    return v;
  }
  /// A number in (0, hi]: a rate, a timeout, a latency target.
  double positive(std::string_view key, double hi) const {
    const double v = number(key);
    if (!(v > 0 && v <= hi)) {
      fail(join(key), fmt::format("{:g} is out of range; accepted: more than 0 up to {:g}", v, hi));
    }
    return v;
  }
  std::optional<double> opt_positive(std::string_view key, double hi) const {
    if (!m_j.contains(key) || m_j[std::string(key)].is_null()) {
      return std::nullopt;
    }
    return positive(key, hi);
  }

  [[noreturn]] void fail(const std::string& path, std::string_view what) const {
    throw Error(ErrorKind::input, fmt::format("{}: {}: {}", m_origin, path, what),
                "a profile is written by 'tpuplan bench --save'; see docs/bench.md");
  }
  const std::string& path() const { return m_path; }

private:
  const json& field(std::string_view key) const {
    if (!m_j.is_object()) {
      fail(m_path.empty() ? "(top level)" : m_path, "expected an object");
    }
    const auto it = m_j.find(key);
    if (it == m_j.end()) {
      fail(join(key), "missing");
    }
    return *it;
  }
  std::string join(std::string_view key) const { return m_path.empty() ? std::string(key) : m_path + "." + std::string(key); }

  const json& m_j;
  std::string m_path;
  std::string_view m_origin;
};

/// A distribution of a figure that is never negative (latencies, tokens), or with `signed_values`
/// one that may be (the schedule lag: a send a little ahead of its time).
Distribution read_distribution(const Reader& r, bool signed_values = false) {
  Distribution d;
  d.count = r.count("count");
  if (d.count == 0) {
    return d;
  }
  const auto value = [&](std::string_view key) {
    return signed_values ? r.number_in(key, -k_max_figure, k_max_figure) : r.figure(key);
  };
  d.mean = value("mean");
  d.std = r.figure("std");
  d.min = value("min");
  d.p50 = value("p50");
  d.p90 = value("p90");
  d.p95 = value("p95");
  d.p99 = value("p99");
  d.p99_9 = value("p99_9");
  d.max = value("max");
  d.exact = r.has("exact") ? r.boolean("exact") : true; // added within v1
  return d;
}

TokenSource read_source(const Reader& r, std::string_view key) {
  const std::string s = r.string(key);
  for (const TokenSource t : {TokenSource::none, TokenSource::server, TokenSource::stream, TokenSource::approx}) {
    if (to_string(t) == s) {
      return t;
    }
  }
  r.fail(r.path() + "." + std::string(key), fmt::format("unknown token source '{}'", s));
}

LevelResult read_level(const Reader& r) {
  LevelResult l;
  const std::string mode = r.string("mode");
  if (mode == "concurrency") {
    l.load.mode = LoadMode::concurrency;
    l.load.concurrency = r.int_in("concurrency", 1, k_max_in_flight);
  } else if (mode == "rate") {
    l.load.mode = LoadMode::rate;
    l.load.rate_rps = r.positive("rate_rps", 1e6);
    l.load.burstiness = r.positive("burstiness", 1e3);
    l.load.max_concurrency = r.has("max_concurrency") && !r.at("max_concurrency").is_null() ? r.int_in("max_concurrency", 0, k_max_in_flight) : 0;
  } else {
    r.fail(r.path() + ".mode", fmt::format("unknown mode '{}'; accepted: concurrency, rate", mode));
  }
  l.partial = r.boolean("partial");
  const Reader req = r.at("requests");
  l.requests_sent = req.count("sent");
  l.requests_ok = req.count("ok");
  l.requests_failed = req.count("failed");
  l.requests_cancelled = req.count("cancelled");
  l.requests_not_sent = req.count("not_sent");
  l.error_rate = r.number_in("error_rate", 0, 1);
  l.duration_s = r.figure("duration_s");
  const Reader achieved = r.at("achieved");
  l.mean_in_flight = achieved.figure("mean_in_flight");
  l.send_rate_rps = achieved.opt_figure("send_rate_rps");
  const Reader tp = r.at("throughput");
  l.request_rps = tp.figure("request_rps");
  l.output_tokens_per_s = tp.figure("output_tokens_per_s");
  l.input_tokens_per_s = tp.figure("input_tokens_per_s");
  l.total_tokens_per_s = tp.figure("total_tokens_per_s");
  l.goodput_rps = tp.opt_figure("goodput_rps");
  l.good_requests = tp.count("good_requests");
  l.completion_rps = tp.opt_figure("completion_rps"); // added within v1
  const Reader tokens = r.at("tokens");
  l.input_tokens = tokens.count("input");
  l.output_tokens = tokens.count("output");
  l.input_tokens_source = read_source(tokens, "input_source");
  l.output_tokens_source = read_source(tokens, "output_source");
  l.input_tokens_per_request = read_distribution(tokens.at("input_per_request"));
  l.output_tokens_per_request = read_distribution(tokens.at("output_per_request"));
  // Added within v1: absent from older profiles.
  if (tokens.has("input_sent")) {
    l.input_tokens_sent = tokens.opt_count("input_sent");
    l.input_tokens_compared = tokens.opt_count("input_compared").value_or(0);
    l.input_truncated = tokens.boolean("input_truncated");
    l.requests_truncated = tokens.count("requests_truncated");
    l.cached_input_tokens = tokens.opt_count("cached_input");
  }
  const Reader lat = r.at("latency_ms");
  l.ttft_ms = read_distribution(lat.at("ttft"));
  l.tpot_ms = read_distribution(lat.at("tpot"));
  l.itl_ms = read_distribution(lat.at("itl"));
  l.e2e_ms = read_distribution(lat.at("e2e"));
  l.ttft_from_schedule_ms = read_distribution(lat.at("ttft_from_schedule"));
  l.e2e_from_schedule_ms = read_distribution(lat.at("e2e_from_schedule"));
  l.schedule_lag_ms = read_distribution(lat.at("schedule_lag"), true);
  l.itl_per_chunk = r.boolean("itl_per_chunk");
  l.role_only_events = r.count("role_only_events");
  const Reader errors = r.at("errors");
  for (std::size_t i = 0; i < errors.array_size(); ++i) {
    const Reader e = errors.index(i);
    ErrorCount c;
    const std::string name = e.string("class");
    const auto cls = parse_error_class(name);
    if (!cls || *cls == ErrorClass::none) {
      e.fail(e.path() + ".class", fmt::format("unknown error class '{}'", name));
    }
    c.error = *cls;
    c.count = e.count("count");
    c.example = e.string("example");
    if (e.has("http_status") && !e.at("http_status").is_null()) {
      c.http_status = static_cast<long>(e.count_in("http_status", 0, 999));
    }
    c.retry_after_s = e.opt_figure("retry_after_s");
    l.errors.push_back(c);
  }
  const Reader server = r.at("server");
  if (!server.is_null()) {
    ServerMetrics s;
    s.samples = server.count("samples");
    s.ttft_ms_mean = server.opt_number("ttft_ms_mean");
    s.itl_ms_mean = server.opt_number("itl_ms_mean");
    s.e2e_ms_mean = server.opt_number("e2e_ms_mean");
    s.queue_ms_mean = server.opt_number("queue_ms_mean");
    s.running_mean = server.opt_number("running_mean");
    s.running_max = server.opt_number("running_max");
    s.waiting_mean = server.opt_number("waiting_mean");
    s.waiting_max = server.opt_number("waiting_max");
    s.kv_cache_usage_mean = server.opt_number("kv_cache_usage_mean");
    s.kv_cache_usage_max = server.opt_number("kv_cache_usage_max");
    s.prefix_cache_hit_rate = server.opt_number("prefix_cache_hit_rate");
    s.generation_tokens = server.opt_number("generation_tokens");
    l.server = s;
  }
  l.warnings = r.strings("warnings");
  l.unreachable = r.has("unreachable") && r.boolean("unreachable");
  l.saturated = r.has("saturated") && r.boolean("saturated");
  if (r.has("repeat") && !r.at("repeat").is_null()) {
    const Reader rep = r.at("repeat");
    RepeatSummary s;
    s.runs = rep.int_in("runs", 0, 100);
    const auto fig = [&](std::string_view key) {
      const Reader f = rep.at(key);
      return RepeatFigure{f.figure("mean"), f.number("ci95_low"), f.number("ci95_high")};
    };
    s.request_rps = fig("request_rps");
    s.output_tokens_per_s = fig("output_tokens_per_s");
    s.ttft_ms_p50 = fig("ttft_ms_p50");
    s.ttft_ms_p99 = fig("ttft_ms_p99");
    s.tpot_ms_p50 = fig("tpot_ms_p50");
    s.tpot_ms_p99 = fig("tpot_ms_p99");
    l.repeat = s;
  }
  return l;
}

} // namespace

Profile parse_profile(std::string_view text, std::string_view origin) {
  json j;
  if (const auto limit = detail::json_limits_problem(text)) {
    throw Error(ErrorKind::input,
                fmt::format("{}:{}:{}: {}", origin, limit->position.line, limit->position.column, limit->message),
                "a profile is written by 'tpuplan bench --save'");
  }
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // Turn nlohmann's byte offset into line:column, the place an editor jumps to.
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    if (const auto p = what.find("parse error"); p != std::string::npos) {
      what = what.substr(p);
    }
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: invalid JSON: {}", origin, line, col, what),
                "a profile is written by 'tpuplan bench --save'");
  }
  const Reader r(j, "", origin);
  const std::string schema = r.string("schema");
  if (schema != k_profile_schema) {
    throw Error(ErrorKind::input, fmt::format("{}: schema '{}' is not supported", origin, schema),
                fmt::format("supported: {}", k_profile_schema));
  }
  Profile p;
  p.tool_version = r.string("tool_version");
  p.http_client = r.has("http_client") ? r.string_or_empty("http_client") : std::string(); // added in 0.1.x
  p.timestamp_source = r.has("timestamp_source") ? r.string_or_empty("timestamp_source") : std::string(); // added in 0.1.x
  p.io = r.has("io") ? r.string_or_empty("io") : std::string(); // added in 0.1.x
  p.created_at = r.string("created_at");
  p.partial = r.boolean("partial");
  p.insecure = r.has("insecure") && r.boolean("insecure"); // added in 0.1.x
  p.endpoint = r.string("endpoint");
  const std::string api = r.string("api");
  const auto parsed_api = parse_api(api);
  if (!parsed_api) {
    r.fail("api", fmt::format("unknown API '{}'", api));
  }
  p.api = *parsed_api;
  const std::string server = r.string("server");
  for (const ServerKind k : {ServerKind::unknown, ServerKind::vllm, ServerKind::sglang, ServerKind::tgi,
                             ServerKind::llamacpp, ServerKind::jetstream}) {
    if (to_string(k) == server) {
      p.server = k;
    }
  }
  p.model = r.string("model");
  p.offering = r.string_or_empty("offering");
  p.accelerator = r.string_or_empty("accelerator");
  if (const auto chips = r.opt_integer("chips")) {
    if (*chips <= 0 || *chips > k_max_chips) {
      r.fail("chips", fmt::format("{} is out of range; accepted: 1 to {}", *chips, k_max_chips));
    }
    p.chips = static_cast<int>(*chips);
  }
  const Reader w = r.at("workload");
  p.workload.prompts = w.string("prompts");
  p.workload.dataset = w.string_or_empty("dataset");
  p.workload.dataset_prompts = w.opt_count("dataset_prompts");
  if (w.has("input_tokens") && !w.at("input_tokens").is_null()) {
    p.workload.input_tokens = w.int_in("input_tokens", 1, k_max_tokens);
  }
  if (w.has("input_tokens_range") && !w.at("input_tokens_range").is_null()) {
    p.workload.input_tokens_range = w.int_in("input_tokens_range", 0, k_max_tokens);
  }
  p.workload.output_tokens = w.int_in("output_tokens", 0, k_max_tokens);
  p.workload.ignore_eos = w.boolean("ignore_eos");
  p.workload.warmup_requests = w.count("warmup_requests");
  p.workload.requests_per_level = w.opt_count("requests_per_level");
  p.workload.duration_s_per_level = w.opt_figure("duration_s_per_level");
  p.workload.seed = w.unsigned64("seed");
  const Reader slo = w.at("slo");
  p.workload.slo.ttft_ms = slo.opt_positive("ttft_ms", k_max_figure);
  p.workload.slo.tpot_ms = slo.opt_positive("tpot_ms", k_max_figure);
  p.workload.timeout_s = w.number_in("timeout_s", 0, k_max_seconds);
  if (w.has("prompt_cache")) { // added within v1
    p.workload.input_tokens_sized = w.boolean("input_tokens_sized");
    p.workload.shared_prefix_tokens = w.int_in("shared_prefix_tokens", 0, k_max_tokens);
    p.workload.shared_prefix_share = w.number_in("shared_prefix_share", 0, 1);
    p.workload.prompt_cache = w.string_or_empty("prompt_cache");
    p.workload.repeat = w.int_in("repeat", 0, 100);
    p.workload.trace = w.string_or_empty("trace");
    p.workload.turns = w.int_in("turns", 0, 1000);
  }
  const Reader levels = r.at("levels");
  if (levels.array_size() > k_max_profile_levels) {
    r.fail("levels", fmt::format("{} levels; accepted: at most {} (bench runs at most that many)", levels.array_size(),
                                 k_max_profile_levels));
  }
  for (std::size_t i = 0; i < levels.array_size(); ++i) {
    p.levels.push_back(read_level(levels.index(i)));
  }
  p.notes = r.strings("notes");
  if (r.has("served_models")) { // added within v1
    p.input_truncated = r.boolean("input_truncated");
    p.served_models = r.strings("served_models");
    p.model_params = r.opt_figure("model_params");
    p.context_tokens = r.opt_count("context_tokens");
  }
  if (r.has("slo_search") && !r.at("slo_search").is_null()) {
    const Reader s = r.at("slo_search");
    SloSearch search;
    search.mode = s.string("mode") == "concurrency" ? LoadMode::concurrency : LoadMode::rate;
    const Reader targets = s.at("targets");
    for (std::size_t i = 0; i < targets.array_size(); ++i) {
      const Reader t = targets.index(i);
      search.targets.push_back({t.string("metric"), t.string("percentile"), t.positive("ms", k_max_figure)});
    }
    search.best = s.opt_figure("best");
    if (const auto b = s.opt_integer("best_level")) {
      if (*b < 0 || static_cast<std::size_t>(*b) >= p.levels.size()) {
        s.fail(s.path() + ".best_level", "not the index of a level");
      }
      search.best_level = static_cast<std::size_t>(*b);
    }
    search.stop_reason = s.string("stop_reason");
    search.steps = s.int_in("steps", 0, static_cast<int>(k_max_profile_levels));
    p.slo_search = search;
  }
  return p;
}

Profile read_profile(const std::filesystem::path& path) {
  const detail::InputFile in = detail::read_input(path);
  if (!in.text) {
    throw Error(ErrorKind::input,
                in.problem.starts_with("is ") ? "profile " + detail::describe_input_problem(path, in.problem)
                                              : fmt::format("cannot read profile '{}': {}", path.string(), in.problem),
                "write one with 'tpuplan bench --save FILE'");
  }
  return parse_profile(*in.text, path.string());
}

} // namespace tpuplan::bench
