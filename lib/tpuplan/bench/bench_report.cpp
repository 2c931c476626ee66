#include <tpuplan/bench/bench_report.hpp>

#include <tpuplan/bench/slo_search.hpp>
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

/// A level's load as a point label: "c=8" (closed loop) or "2.5 req/s" (open loop).
std::string load_short(const LoadLevel& l) {
  return l.mode == LoadMode::concurrency ? fmt::format("c={}", l.concurrency) : fmt::format("{:g} req/s", l.rate_rps);
}

/// What the prompts were, for a chart's subtitle: "synthetic ~512 in / 128 out tokens".
std::string workload_words(const Workload& w) {
  std::string prompts = w.prompts == "dataset" && !w.dataset.empty() ? "dataset " + w.dataset : w.prompts;
  if (!w.trace.empty()) {
    prompts = "trace " + w.trace;
  }
  const std::string in = w.input_tokens ? fmt::format("~{} in / ", *w.input_tokens) : std::string();
  return fmt::format("{} {}{} out tokens", prompts, in, w.output_tokens);
}

/// The latency–throughput curve in two panels sharing the x axis: TTFT p50/p99 above, TPOT
/// p50/p99 below (their scales differ by 10–100×), against output tokens/s, each point marked
/// and labelled with its load level; one series per backend when `group` names the backend column.
Chart latency_chart(std::string table, std::string group, std::string subtitle) {
  Chart c;
  c.table = std::move(table);
  c.kind = ChartKind::line;
  c.title = "Latency against throughput, by load level";
  c.subtitle = std::move(subtitle);
  c.x = "output_tokens_per_s";
  c.y = {"ttft_ms_p50", "ttft_ms_p99", "tpot_ms_p50", "tpot_ms_p99"};
  c.y_labels = {"TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99"};
  c.y_panels = {0, 0, 1, 1};
  c.panel_titles = {"time to first token (ms)", "time per output token (ms)"};
  c.point_label = "load";
  c.group = std::move(group);
  c.x_title = "output throughput (tokens/s)";
  c.y_title = "latency (ms)";
  return c;
}

} // namespace

Report compare_report(const std::vector<BackendRun>& runs) {
  Report r;
  r.command = "bench";
  nlohmann::ordered_json backends = nlohmann::ordered_json::array();
  for (const auto& [name, p, error] : runs) {
    backends.push_back({{"backend", name}, {"endpoint", p.endpoint}, {"api", std::string(to_string(p.api))},
                        {"model", p.model}});
  }
  r.inputs["backends"] = std::move(backends);
  for (const auto& run : runs) {
    if (run.error.empty()) {
      r.inputs["workload"] = to_json(run.profile).at("workload");
      break;
    }
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
               {"partial", "partial", 0, true, "the level was interrupted"},
               {"error", "error", 0, false, "why the backend could not be benchmarked (empty when it was)"}};
  const auto dist = [](const Distribution& d, double Distribution::*field) { return d.count > 0 ? Cell{d.*field} : Cell{}; };
  for (const auto& [name, p, error] : runs) {
    if (!error.empty()) {
      t.rows.push_back({Cell{name}, Cell{p.endpoint}, Cell{}, Cell{}, Cell{}, int_cell(0), Cell{}, Cell{}, Cell{}, Cell{},
                        Cell{}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{error}});
      continue;
    }
    for (const auto& l : p.levels) {
      t.rows.push_back({Cell{name}, Cell{p.endpoint}, Cell{std::string(to_string(p.api))}, Cell{p.model},
                        Cell{load_label(l.load)}, int_cell(l.requests_ok), int_cell(l.requests_failed),
                        Cell{l.error_rate}, Cell{l.request_rps}, Cell{l.output_tokens_per_s}, opt_cell(l.goodput_rps),
                        dist(l.ttft_ms, &Distribution::p50), dist(l.ttft_ms, &Distribution::p99),
                        dist(l.tpot_ms, &Distribution::p50), dist(l.tpot_ms, &Distribution::p99),
                        dist(l.e2e_ms, &Distribution::p50), Cell{l.partial}, Cell{}});
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
  std::string subtitle;
  for (const auto& run : runs) {
    if (run.error.empty()) {
      subtitle = fmt::format("{} · {} · {} backends", run.profile.model, workload_words(run.profile.workload), runs.size());
      break;
    }
  }
  r.charts.push_back(latency_chart("backends", "backend", subtitle));
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
  r.inputs["io"] = p.io.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.io);
  r.inputs["offering"] = p.offering.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.offering);
  r.inputs["accelerator"] = p.accelerator.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.accelerator);
  r.inputs["chips"] = p.chips ? nlohmann::ordered_json(*p.chips) : nlohmann::ordered_json(nullptr);
  const auto profile_json = to_json(p);
  r.inputs["workload"] = profile_json.at("workload");
  r.inputs["partial"] = p.partial;
  r.inputs["insecure"] = p.insecure;
  r.inputs["context_tokens"] = profile_json.at("context_tokens");
  r.inputs["input_truncated"] = p.input_truncated;
  r.inputs["slo_search"] = profile_json.at("slo_search");

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
  add("input_tokens_sent", "input sent", 0, true, "the client's count of the prompts the server also counted",
      [](const LevelResult& l) { return l.input_tokens_sent ? int_cell(*l.input_tokens_sent) : Cell{}; });
  add("input_truncated", "prompts cut", 0, true, definition("input_truncated"),
      [](const LevelResult& l) { return Cell{l.input_truncated}; });
  add("cached_input_tokens", "cached input", 0, true, definition("cached_input"),
      [](const LevelResult& l) { return l.cached_input_tokens ? int_cell(*l.cached_input_tokens) : Cell{}; });
  const bool repeated = std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) { return l.repeat.has_value(); });
  const auto ci = [](RepeatFigure RepeatSummary::*field, bool high) {
    return [field, high](const LevelResult& l) {
      return l.repeat ? Cell{high ? ((*l.repeat).*field).ci95_high : ((*l.repeat).*field).ci95_low} : Cell{};
    };
  };
  add("output_tokens_per_s_ci95_low", "out tok/s 95% low", 1, !repeated,
      "--repeat: 95% confidence interval of the mean output tokens/s over the runs (Student's t), low end",
      ci(&RepeatSummary::output_tokens_per_s, false));
  add("output_tokens_per_s_ci95_high", "out tok/s 95% high", 1, !repeated, "the same, high end",
      ci(&RepeatSummary::output_tokens_per_s, true));
  add("ttft_ms_p99_ci95_low", "TTFT p99 95% low", 2, true, "--repeat: 95% confidence interval of TTFT p99 over the runs, low end",
      ci(&RepeatSummary::ttft_ms_p99, false));
  add("ttft_ms_p99_ci95_high", "TTFT p99 95% high", 2, true, "the same, high end", ci(&RepeatSummary::ttft_ms_p99, true));
  add("tpot_ms_p99_ci95_low", "TPOT p99 95% low", 2, true, "--repeat: 95% confidence interval of TPOT p99 over the runs, low end",
      ci(&RepeatSummary::tpot_ms_p99, false));
  add("tpot_ms_p99_ci95_high", "TPOT p99 95% high", 2, true, "the same, high end", ci(&RepeatSummary::tpot_ms_p99, true));
  if (p.slo_search) {
    const SloSearch search = *p.slo_search;
    add("meets_slo", "meets SLO", 0, false,
        "--slo: the level meets every target, fails ≤ 1% of its requests and is not saturated (the server served no more "
        "for the extra load)",
        [search](const LevelResult& l) { return Cell{meets_slo(l, search.targets)}; });
    add("saturated", "saturated", 0, true, "--slo: the search found the server saturated at this level",
        [](const LevelResult& l) { return Cell{l.saturated}; });
  }
  add("partial", "partial", 0, true, "the level was interrupted", [](const LevelResult& l) { return Cell{l.partial}; });
  add("load", "load", 0, true, "the level's load in short (c=N: N in flight; N req/s: arrival rate); labels the chart's points",
      [](const LevelResult& l) { return Cell{load_short(l.load)}; });
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
  r.charts.push_back(latency_chart(
      "levels", "", fmt::format("{} · {} · {}", p.model, workload_words(p.workload), p.endpoint)));

  for (const auto& note : p.notes) {
    r.notes.push_back(note);
  }
  for (std::size_t i = 0; i < p.levels.size(); ++i) {
    for (const auto& w : p.levels[i].warnings) {
      r.notes.push_back(fmt::format("level {} ({}): {}", i + 1, load_label(p.levels[i].load), w));
    }
  }
  if (p.slo_search) {
    const SloSearch& s = *p.slo_search;
    std::string targets;
    for (const auto& target : s.targets) {
      targets += fmt::format("{}{} {} ≤ {:g} ms", targets.empty() ? "" : ", ", target.metric, target.percentile, target.ms);
    }
    const std::string unit = s.mode == LoadMode::rate ? " req/s" : "";
    r.notes.push_back(s.best ? fmt::format("SLO search ({}): highest load meeting it: {}{:g}{} (level {}); {} levels run; {}",
                                           targets, s.mode == LoadMode::rate ? "" : "concurrency ", *s.best, unit,
                                           s.best_level ? *s.best_level + 1 : 0, s.steps, s.stop_reason)
                             : fmt::format("SLO search ({}): no load meets it; {} levels run; {}", targets, s.steps,
                                           s.stop_reason));
  }
  if (p.partial) {
    r.notes.push_back("partial: the run was interrupted");
  }
  r.notes.push_back("TTFT = first content-bearing event (role-only chunks excluded); TPOT = (E2E − TTFT) ÷ (n − 1); "
                    "tokens from the server's usage; column descriptions in JSON define every metric");
  return r;
}

} // namespace tpuplan::bench
