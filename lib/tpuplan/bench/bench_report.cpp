#include <tpuplan/bench/bench_report.hpp>

#include <tpuplan/report/chart.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <tuple>

namespace tpuplan::bench {

namespace {

Cell opt_cell(const std::optional<double>& v) { return v ? Cell{*v} : Cell{}; }
Cell int_cell(std::int64_t v) { return Cell{v}; }

/// The figures of a distribution that a column names; empty when it has no samples.
struct DistColumn {
  std::string key;   // "ttft_ms_p50"
  std::string title; // "TTFT p50 ms"
  double Distribution::*field;
  bool wide;
};

std::vector<DistColumn> dist_columns(const std::string& metric, const std::string& title, bool all_wide) {
  return {{metric + "_mean", title + " mean ms", &Distribution::mean, all_wide},
          {metric + "_std", title + " std ms", &Distribution::std, true},
          {metric + "_p50", title + " p50 ms", &Distribution::p50, all_wide},
          {metric + "_p90", title + " p90 ms", &Distribution::p90, true},
          {metric + "_p95", title + " p95 ms", &Distribution::p95, true},
          {metric + "_p99", title + " p99 ms", &Distribution::p99, all_wide},
          {metric + "_p99_9", title + " p99.9 ms", &Distribution::p99_9, true},
          {metric + "_max", title + " max ms", &Distribution::max, true}};
}

std::string definition(std::string_view key) {
  for (const auto& [k, text] : metric_definitions()) {
    if (k == key) {
      return text;
    }
  }
  return {};
}

std::string load_label(const LoadLevel& l) {
  return l.mode == LoadMode::concurrency ? fmt::format("concurrency {}", l.concurrency)
                                         : fmt::format("rate {} req/s", l.rate_rps);
}

/// The latency–throughput curve: output tokens/s against TTFT and TPOT p50/p99 (one series per
/// backend when `group` names the backend column).
Chart latency_chart(std::string table, std::string group) {
  Chart c;
  c.table = std::move(table);
  c.kind = ChartKind::line;
  c.title = "Latency against throughput";
  c.x = "output_tokens_per_s";
  c.y = {"ttft_ms_p50", "ttft_ms_p99", "tpot_ms_p50", "tpot_ms_p99"};
  c.y_labels = {"TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99"};
  c.group = std::move(group);
  c.x_title = "output throughput (tokens/s)";
  c.y_title = "latency (ms)";
  return c;
}

} // namespace

Report compare_report(const std::vector<std::pair<std::string, Profile>>& runs) {
  Report r;
  r.command = "bench";
  nlohmann::ordered_json backends = nlohmann::ordered_json::array();
  for (const auto& [name, p] : runs) {
    backends.push_back({{"backend", name}, {"endpoint", p.endpoint}, {"api", std::string(to_string(p.api))},
                        {"model", p.model}});
  }
  r.inputs["backends"] = std::move(backends);
  if (!runs.empty()) {
    r.inputs["workload"] = to_json(runs.front().second).at("workload");
  }
  Table t;
  t.name = "backends";
  t.title = "Backends compared under the same load";
  t.columns = {{"backend", "backend", 0, false, "name in the config's backends list"},
               {"endpoint", "endpoint", 0, true, "base URL (no credentials)"},
               {"api", "api", 0, true, "protocol used"},
               {"model", "model", 0, true, "model requested"},
               {"load", "load", 0, false, "the level's load"},
               {"requests_ok", "ok", 0, false, "successful requests"},
               {"requests_failed", "failed", 0, false, "failed requests"},
               {"error_rate", "error rate", 3, false, definition("error_rate")},
               {"request_rps", "req/s", 2, false, definition("request_rps")},
               {"output_tokens_per_s", "out tok/s", 1, false, definition("output_tokens_per_s")},
               {"goodput_rps", "goodput req/s", 2, true, definition("goodput_rps")},
               {"ttft_ms_p50", "TTFT p50 ms", 1, false, definition("ttft_ms")},
               {"ttft_ms_p99", "TTFT p99 ms", 1, false, definition("ttft_ms")},
               {"tpot_ms_p50", "TPOT p50 ms", 2, false, definition("tpot_ms")},
               {"tpot_ms_p99", "TPOT p99 ms", 2, false, definition("tpot_ms")},
               {"e2e_ms_p50", "E2E p50 ms", 1, true, definition("e2e_ms")},
               {"partial", "partial", 0, true, "the level was interrupted"}};
  const auto dist = [](const Distribution& d, double Distribution::*field) { return d.count > 0 ? Cell{d.*field} : Cell{}; };
  for (const auto& [name, p] : runs) {
    for (const auto& l : p.levels) {
      t.rows.push_back({Cell{name}, Cell{p.endpoint}, Cell{std::string(to_string(p.api))}, Cell{p.model},
                        Cell{load_label(l.load)}, int_cell(l.requests_ok), int_cell(l.requests_failed),
                        Cell{l.error_rate}, Cell{l.request_rps}, Cell{l.output_tokens_per_s}, opt_cell(l.goodput_rps),
                        dist(l.ttft_ms, &Distribution::p50), dist(l.ttft_ms, &Distribution::p99),
                        dist(l.tpot_ms, &Distribution::p50), dist(l.tpot_ms, &Distribution::p99),
                        dist(l.e2e_ms, &Distribution::p50), Cell{l.partial}});
    }
    if (p.levels.empty()) {
      t.notes.push_back(fmt::format("{}: no level was measured", name));
    }
    for (const auto& l : p.levels) {
      for (const auto& c : l.errors) {
        t.notes.push_back(fmt::format("{} ({}): {} × {} — {}", name, load_label(l.load), c.count, to_string(c.error),
                                      c.example));
      }
    }
  }
  r.tables.push_back(std::move(t));
  Chart chart = latency_chart("backends", "backend");
  chart.y = {"tpot_ms_p50", "tpot_ms_p99"};
  chart.y_labels = {"TPOT p50", "TPOT p99"};
  r.charts.push_back(std::move(chart));
  r.notes.push_back("every backend ran the same load levels and prompts (one profile each with --save NAME.json → "
                    "NAME.<backend>.json)");
  return r;
}

Report bench_report(const Profile& p) {
  Report r;
  r.command = "bench";
  r.inputs["endpoint"] = p.endpoint;
  r.inputs["api"] = std::string(to_string(p.api));
  r.inputs["server"] = std::string(to_string(p.server));
  r.inputs["model"] = p.model;
  r.inputs["http_client"] = p.http_client.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.http_client);
  r.inputs["timestamp_source"] =
      p.timestamp_source.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.timestamp_source);
  r.inputs["offering"] = p.offering.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.offering);
  r.inputs["accelerator"] = p.accelerator.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.accelerator);
  r.inputs["chips"] = p.chips ? nlohmann::ordered_json(*p.chips) : nlohmann::ordered_json(nullptr);
  r.inputs["workload"] = to_json(p).at("workload");
  r.inputs["partial"] = p.partial;

  const bool rate_mode = !p.levels.empty() && p.levels.front().load.mode == LoadMode::rate;
  const bool has_slo = p.workload.slo.ttft_ms || p.workload.slo.tpot_ms;
  const bool has_server = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) { return l.server.has_value(); });

  Table t;
  t.name = "levels";
  t.title = "Load levels";
  std::vector<std::function<Cell(const LevelResult&)>> values;
  const auto add = [&](std::string key, std::string title, int decimals, bool wide, std::string description,
                       std::function<Cell(const LevelResult&)> value) {
    t.columns.push_back({std::move(key), std::move(title), decimals, wide, std::move(description)});
    values.push_back(std::move(value));
  };
  add("concurrency", "concurrency", 0, rate_mode, "closed loop: requests kept in flight",
      [](const LevelResult& l) { return l.load.mode == LoadMode::concurrency ? int_cell(l.load.concurrency) : Cell{}; });
  add("rate_rps", "rate req/s", 2, !rate_mode, "open loop: target arrival rate",
      [](const LevelResult& l) { return l.load.mode == LoadMode::rate ? Cell{l.load.rate_rps} : Cell{}; });
  add("requests_ok", "ok", 0, false, "successful requests", [](const LevelResult& l) { return int_cell(l.requests_ok); });
  add("requests_failed", "failed", 0, false, "failed requests (see the errors table)",
      [](const LevelResult& l) { return int_cell(l.requests_failed); });
  add("requests_cancelled", "cancelled", 0, true, "in flight when the run was interrupted",
      [](const LevelResult& l) { return int_cell(l.requests_cancelled); });
  add("error_rate", "error rate", 3, true, definition("error_rate"), [](const LevelResult& l) { return Cell{l.error_rate}; });
  add("duration_s", "duration s", 2, true, "first send → last completion", [](const LevelResult& l) { return Cell{l.duration_s}; });
  add("mean_in_flight", "in flight", 1, !rate_mode, definition("mean_in_flight"),
      [](const LevelResult& l) { return Cell{l.mean_in_flight}; });
  add("send_rate_rps", "sent req/s", 2, true, "open loop: requests sent ÷ time to the last send",
      [](const LevelResult& l) { return opt_cell(l.send_rate_rps); });
  add("request_rps", "req/s", 2, false, definition("request_rps"), [](const LevelResult& l) { return Cell{l.request_rps}; });
  add("output_tokens_per_s", "out tok/s", 1, false, definition("output_tokens_per_s"),
      [](const LevelResult& l) { return Cell{l.output_tokens_per_s}; });
  add("total_tokens_per_s", "total tok/s", 1, true, definition("total_tokens_per_s"),
      [](const LevelResult& l) { return Cell{l.total_tokens_per_s}; });
  add("goodput_rps", "goodput req/s", 2, !has_slo, definition("goodput_rps"),
      [](const LevelResult& l) { return opt_cell(l.goodput_rps); });
  const std::vector<std::tuple<std::string, std::string, Distribution LevelResult::*, bool>> dists = {
      {"ttft_ms", "TTFT", &LevelResult::ttft_ms, false},
      {"tpot_ms", "TPOT", &LevelResult::tpot_ms, false},
      {"itl_ms", "ITL", &LevelResult::itl_ms, false},
      {"e2e_ms", "E2E", &LevelResult::e2e_ms, false},
      {"ttft_from_schedule_ms", "TTFT from schedule", &LevelResult::ttft_from_schedule_ms, true},
      {"e2e_from_schedule_ms", "E2E from schedule", &LevelResult::e2e_from_schedule_ms, true},
      {"schedule_lag_ms", "schedule lag", &LevelResult::schedule_lag_ms, true}};
  for (const auto& [metric, title, member, wide] : dists) {
    for (const auto& c : dist_columns(metric, title, wide)) {
      // Mean and p50 of the main metrics show by default; p99 too, so tails are never hidden.
      const bool hidden = c.wide || (c.key.ends_with("_mean") && !wide && metric != "ttft_ms" && metric != "tpot_ms");
      add(c.key, c.title, 2, hidden, definition(metric),
          [member = member, field = c.field](const LevelResult& l) {
            const Distribution& d = l.*member;
            return d.count > 0 ? Cell{d.*field} : Cell{};
          });
    }
  }
  add("input_tokens", "input tokens", 0, true, "input tokens of successful requests",
      [](const LevelResult& l) { return int_cell(l.input_tokens); });
  add("input_tokens_source", "input counted by", 0, true, definition("tokens"),
      [](const LevelResult& l) { return Cell{std::string(to_string(l.input_tokens_source))}; });
  add("output_tokens", "output tokens", 0, true, "output tokens of successful requests",
      [](const LevelResult& l) { return int_cell(l.output_tokens); });
  add("output_tokens_source", "output counted by", 0, true, definition("tokens"),
      [](const LevelResult& l) { return Cell{std::string(to_string(l.output_tokens_source))}; });
  add("itl_per_chunk", "ITL per chunk", 0, true, "ITL samples are chunk gaps: tokens per chunk unknown",
      [](const LevelResult& l) { return Cell{l.itl_per_chunk}; });
  const auto server = [](std::optional<double> ServerMetrics::*field) {
    return [field](const LevelResult& l) { return l.server ? opt_cell((*l.server).*field) : Cell{}; };
  };
  add("server_ttft_ms_mean", "server TTFT ms", 2, true, "server-side mean TTFT over the level (Prometheus)",
      server(&ServerMetrics::ttft_ms_mean));
  add("server_itl_ms_mean", "server ITL ms", 2, true, "server-side mean time per output token (Prometheus)",
      server(&ServerMetrics::itl_ms_mean));
  add("server_queue_ms_mean", "server queue ms", 2, true, "server-side mean time queued for a slot",
      server(&ServerMetrics::queue_ms_mean));
  add("server_running_mean", "batch", 1, !has_server, "requests in the server's running batch, mean of samples",
      server(&ServerMetrics::running_mean));
  add("server_waiting_mean", "queued", 1, true, "requests waiting for a slot, mean of samples",
      server(&ServerMetrics::waiting_mean));
  add("server_kv_cache_usage_mean", "KV use", 2, !has_server, "KV-cache use (fraction 0–1), mean of samples",
      server(&ServerMetrics::kv_cache_usage_mean));
  add("server_kv_cache_usage_max", "KV use max", 2, true, "KV-cache use (fraction 0–1), largest sample",
      server(&ServerMetrics::kv_cache_usage_max));
  add("server_prefix_cache_hit_rate", "prefix hits", 3, true, "prefix-cache hits ÷ queries over the level",
      server(&ServerMetrics::prefix_cache_hit_rate));
  add("partial", "partial", 0, true, "the level was interrupted", [](const LevelResult& l) { return Cell{l.partial}; });
  for (const auto& l : p.levels) {
    std::vector<Cell> row;
    for (const auto& v : values) {
      row.push_back(v(l));
    }
    t.rows.push_back(std::move(row));
  }
  if (p.levels.empty()) {
    t.notes.push_back("no level was measured (interrupted during the warm-up)");
  }

  Table e;
  e.name = "errors";
  e.title = "Errors by class";
  e.columns = {{"level", "level", 0, false, "1-based level number"},
               {"load", "load", 0, false, "the level's load"},
               {"error_class", "class", 0, false, "error class (docs/bench.md)"},
               {"count", "count", 0, false, "requests of the class"},
               {"share", "share", 3, false, "count ÷ requests sent in the level"},
               {"http_status", "HTTP", 0, true, "status of the example, when a response arrived"},
               {"retry_after_s", "Retry-After s", 1, true, "largest Retry-After of the class"},
               {"example", "example", 0, false, "the first message of the class"}};
  for (std::size_t i = 0; i < p.levels.size(); ++i) {
    const LevelResult& l = p.levels[i];
    for (const auto& c : l.errors) {
      e.rows.push_back({int_cell(static_cast<std::int64_t>(i + 1)), Cell{load_label(l.load)},
                        Cell{std::string(to_string(c.error))}, int_cell(c.count),
                        Cell{l.requests_sent > 0 ? static_cast<double>(c.count) / static_cast<double>(l.requests_sent) : 0.0},
                        c.http_status ? int_cell(*c.http_status) : Cell{}, opt_cell(c.retry_after_s), Cell{c.example}});
    }
  }
  if (e.rows.empty()) {
    e.notes.push_back("no failed requests");
  }
  r.tables.push_back(std::move(t));
  r.tables.push_back(std::move(e));
  r.charts.push_back(latency_chart("levels", ""));

  for (const auto& note : p.notes) {
    r.notes.push_back(note);
  }
  for (std::size_t i = 0; i < p.levels.size(); ++i) {
    for (const auto& w : p.levels[i].warnings) {
      r.notes.push_back(fmt::format("level {} ({}): {}", i + 1, load_label(p.levels[i].load), w));
    }
  }
  if (p.partial) {
    r.notes.push_back("partial: the run was interrupted");
  }
  r.notes.push_back("TTFT = first content-bearing event (role-only chunks excluded); TPOT = (E2E − TTFT) ÷ (n − 1); "
                    "tokens from the server's usage; column descriptions in JSON define every metric");
  return r;
}

} // namespace tpuplan::bench
