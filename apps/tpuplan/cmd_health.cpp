// `tpuplan health`: is every serving backend of a control-plane config up, how fast does it
// answer and what does it serve. The checks are lib/tpuplan/health.hpp's; this file loads
// libcurl (only this command and bench do), builds the report and sets the exit code.
#include "command.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/health.hpp>

#include <cstdlib>
#include <fmt/format.h>

namespace tpuplan::app {

namespace {

struct HealthFlags {
  double timeout_s = HealthOptions{}.default_timeout_s;
};

std::vector<Column> health_columns() {
  return {{"name", "backend", 0, false, "backend name in the config"},
          {"type", "type", 0, false, "tpu or gpu, as configured (decides the paths probed)"},
          {"endpoint", "endpoint", 0, false, "base URL (credentials and query values never shown)"},
          {"healthy", "healthy", 0, false, "the health path answered 2xx (or, without one, /v1/models did)"},
          {"reachable", "reachable", 0, true, "some probe got an HTTP response"},
          {"http_status", "HTTP", 0, false, "status of the probe that decided (empty: no response)"},
          {"latency_ms", "latency ms", 1, false, "time of that probe: request start to the whole response"},
          {"health_path", "path", 0, true, "the path that decided"},
          {"server", "server", 0, false, "serving software, when a probe tells (vllm, sglang, llamacpp, tgi, jetstream)"},
          {"models", "models", 0, false, "model ids served (GET /v1/models, or TGI's /info)"},
          {"detail", "detail", 0, false, "what answered, or why the backend is unhealthy"},
          {"timeout_s", "timeout s", 1, true, "budget for all probes of the backend (config 'timeout')"},
          {"zone", "zone", 0, true, "GCP zone, as configured"},
          {"project_id", "project", 0, true, "GCP project id, as configured"},
          {"pod_size", "pod size", 0, true, "chips behind the endpoint"},
          {"probes", "probes", 0, true, "every GET made: path → status or error (latency)"}};
}

std::vector<Cell> health_row(const BackendHealth& h) {
  std::string models;
  for (const auto& m : h.models) {
    models += (models.empty() ? "" : ", ") + m;
  }
  std::string probes;
  for (const auto& p : h.probes) {
    probes += fmt::format("{}{} → {} ({:.1f} ms)", probes.empty() ? "" : "; ", p.path,
                          p.error.empty() ? fmt::format("HTTP {}", p.http_status) : p.error, p.latency_ms);
  }
  return {h.name,
          h.type,
          h.endpoint,
          h.healthy,
          h.reachable,
          h.http_status ? Cell{static_cast<std::int64_t>(*h.http_status)} : Cell{},
          cell(h.latency_ms),
          h.health_path.empty() ? Cell{} : Cell{h.health_path},
          h.server.empty() ? Cell{} : Cell{h.server},
          models.empty() ? Cell{} : Cell{models},
          h.detail,
          h.timeout_s,
          h.zone.empty() ? Cell{} : Cell{h.zone},
          h.project_id.empty() ? Cell{} : Cell{h.project_id},
          h.pod_size ? Cell{static_cast<std::int64_t>(*h.pod_size)} : Cell{},
          probes};
}

int run_health(const HealthFlags& flags, Context& ctx) {
  if (ctx.options().config.empty()) {
    throw Error(ErrorKind::usage, "health needs the backends of a config file",
                "give --config FILE (or set TPUPLAN_CONFIG); examples/config.yaml shows the 'backends' section");
  }
  if (!(flags.timeout_s > 0 && flags.timeout_s <= 86'400)) {
    throw Error(ErrorKind::usage, fmt::format("--timeout: {:g} is not a number of seconds in range", flags.timeout_s),
                "accepted: more than 0 up to 86400 (a day)");
  }
  const Config& config = ctx.config();
  if (config.backends.empty()) {
    throw Error(ErrorKind::input, fmt::format("{}: no backends to check", config.origin),
                "add a 'backends' section (docs/cli.md, 'Configuration file')");
  }
  HealthOptions options;
  options.default_timeout_s = flags.timeout_s;
  const char* soname = std::getenv("TPUPLAN_LIBCURL");
  const bench::CurlLibrary curl(soname != nullptr && *soname != '\0' ? soname : bench::k_libcurl_soname);
  const std::vector<BackendHealth> results = check_backends(curl, config.backends, options);

  Report report;
  report.command = "health";
  report.inputs["config"] = config.origin;
  report.inputs["backends"] = static_cast<std::int64_t>(results.size());
  report.inputs["default_timeout_s"] = flags.timeout_s;
  report.assumptions.push_back({"libcurl", curl.version(), "", "the libcurl loaded at run time; TLS certificates verified",
                                "TPUPLAN_LIBCURL or libcurl.so.4"});
  Table t;
  t.name = "backends";
  t.title = fmt::format("Backends of {}", config.origin);
  t.columns = health_columns();
  std::string unhealthy;
  int bad = 0;
  for (const auto& h : results) {
    t.rows.push_back(health_row(h));
    if (!h.healthy) {
      ++bad;
      unhealthy += fmt::format("{}{} ({})", unhealthy.empty() ? "" : ", ", h.name, h.detail);
    }
  }
  t.notes.push_back(fmt::format("{} of {} backends healthy; probed concurrently, each within its own timeout",
                                results.size() - static_cast<std::size_t>(bad), results.size()));
  t.notes.push_back("paths probed: tpu → /v1/health then /health; gpu → /health; the first that does not answer 404 "
                    "decides; models from /v1/models, else /info");
  report.tables.push_back(std::move(t));
  ctx.emit(report);
  if (bad > 0) {
    throw Error(ErrorKind::runtime, fmt::format("{} of {} backends unhealthy: {}", bad, results.size(), unhealthy));
  }
  return 0;
}

} // namespace

Runner setup_health(CLI::App& sub) {
  sub.description("Check each backend of a config file (--config): reachable, HTTP status, latency, models served. "
                  "Exit 1 if any is unhealthy.\nExample: tpuplan health --config config.yaml");
  auto flags = std::make_shared<HealthFlags>();
  sub.add_option("--timeout", flags->timeout_s, "seconds for a backend without 'timeout' in the config")
      ->capture_default_str();
  return [flags](Context& ctx) { return run_health(*flags, ctx); };
}

} // namespace tpuplan::app
