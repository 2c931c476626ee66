// Health checks of configured backends. What each server answers (shared/reference/bench.md
// §B.4): vLLM GET /health → 200 empty, 503 when its engine is dead; TGI /health 200 or 503
// {"error":"unhealthy"}, /info with model_id; llama.cpp /health 200 {"status":"ok"} or 503
// while loading; SGLang /health; JetStream's HTTP server /v1/health {"is_live": …}. Model lists
// come from /v1/models (OpenAI shape; owned_by names vLLM, SGLang and llama.cpp), else TGI's /info.
#include <tpuplan/health.hpp>

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <thread>

namespace tpuplan {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

/// The probes of one backend, all within one deadline.
class Checker {
public:
  Checker(bench::Engine& engine, Clock::time_point deadline, BackendHealth& out)
      : m_engine(engine), m_deadline(deadline), m_out(out) {}

  /// GETs `path` with the time left; nullopt (and the error recorded) when no response came.
  std::optional<bench::HttpResponse> get(const std::string& path) {
    HealthProbe probe;
    probe.path = path;
    const double left_s = std::chrono::duration<double>(m_deadline - Clock::now()).count();
    if (left_s < 0.001) {
      probe.error = fmt::format("no time left of the {:g} s timeout", m_out.timeout_s);
      m_out.probes.push_back(probe);
      return std::nullopt;
    }
    const auto start = Clock::now();
    bench::HttpResponse r = m_engine.get(m_engine.url(path), left_s);
    probe.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    probe.http_status = r.error.empty() ? r.status : 0;
    probe.error = r.error;
    m_out.probes.push_back(probe);
    if (!r.error.empty()) {
      return std::nullopt;
    }
    m_out.reachable = true;
    return r;
  }

  const HealthProbe& last() const { return m_out.probes.back(); }

private:
  bench::Engine& m_engine;
  Clock::time_point m_deadline;
  BackendHealth& m_out;
};

std::optional<json> json_body(const bench::HttpResponse& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_discarded()) {
    return std::nullopt;
  }
  return j;
}

std::string server_of_owner(const std::string& owner) {
  for (const char* known : {"vllm", "sglang", "llamacpp"}) {
    if (owner == known) {
      return owner;
    }
  }
  return {};
}

/// JetStream says {"is_live": "True"} (a string, from Python's str(bool)); accept a boolean too.
bool is_live(const json& body) {
  const auto it = body.find("is_live");
  if (it == body.end()) {
    return true;
  }
  return (it->is_boolean() && it->get<bool>()) || (it->is_string() && (*it == "True" || *it == "true"));
}

void decide(const HealthProbe& probe, const std::optional<json>& body, BackendHealth& h) {
  h.health_path = probe.path;
  h.http_status = probe.http_status;
  h.latency_ms = probe.latency_ms;
  const bool ok = probe.http_status >= 200 && probe.http_status < 300;
  h.healthy = ok;
  h.detail = fmt::format("GET {} → HTTP {}", probe.path, probe.http_status);
  if (ok && body && body->is_object() && body->contains("is_live")) {
    h.server = "jetstream";
    h.healthy = is_live(*body);
    if (!h.healthy) {
      h.detail += " with is_live false";
    }
  }
}

void list_models(Checker& check, BackendHealth& h) {
  const auto models = check.get("/v1/models");
  if (!models) {
    return;
  }
  if (models->status == 200) {
    const auto body = json_body(*models);
    if (body && body->is_object() && body->contains("data") && (*body)["data"].is_array()) {
      for (const auto& m : (*body)["data"]) {
        if (m.is_object() && m.contains("id") && m["id"].is_string()) {
          h.models.push_back(m["id"].get<std::string>());
          if (h.server.empty()) {
            h.server = server_of_owner(m.value("owned_by", ""));
          }
        }
      }
    }
  }
  if (!h.server.empty()) {
    return;
  }
  // TGI's /v1/models names no owner; its /info does (model_id).
  if (const auto info = check.get("/info"); info && info->status == 200) {
    const auto body = json_body(*info);
    if (body && body->is_object() && body->contains("model_id") && (*body)["model_id"].is_string()) {
      h.server = "tgi";
      const std::string id = (*body)["model_id"].get<std::string>();
      if (std::find(h.models.begin(), h.models.end(), id) == h.models.end()) {
        h.models.push_back(id);
      }
    }
  }
}

void check_one(const bench::CurlLibrary& curl, const Backend& b, const HealthOptions& options, BackendHealth& h) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(h.timeout_s));
  bench::Endpoint endpoint;
  endpoint.base_url = b.endpoint;
  endpoint.connect_timeout_s = std::min(options.connect_timeout_s, h.timeout_s);
  endpoint.max_response_bytes = std::int64_t{4} << 20; // a model list, never a stream
  bench::Engine engine(curl, endpoint);
  Checker check(engine, deadline, h);

  bool decided = false;
  std::vector<std::string> not_found;
  for (const auto& path : health_paths(b.type)) {
    const auto r = check.get(path);
    if (!r) {
      h.detail = fmt::format("GET {}: {}", path, check.last().error);
      return; // unreachable: nothing else will answer
    }
    if (r->status == 404) {
      not_found.push_back(path);
      continue;
    }
    decide(check.last(), json_body(*r), h);
    decided = true;
    break;
  }
  list_models(check, h);
  if (decided) {
    return;
  }
  // No health endpoint: a server that lists its models is up; one that answers 404 everywhere
  // is not what the config thinks it is (a wrong path or port).
  std::string tried;
  for (const auto& p : not_found) {
    tried += (tried.empty() ? "" : ", ") + p;
  }
  if (!h.models.empty()) {
    const HealthProbe& models = *std::find_if(h.probes.begin(), h.probes.end(),
                                              [](const HealthProbe& p) { return p.path == "/v1/models"; });
    h.healthy = true;
    h.health_path = models.path;
    h.http_status = models.http_status;
    h.latency_ms = models.latency_ms;
    h.detail = fmt::format("no health endpoint (HTTP 404 on {}); GET /v1/models → HTTP 200", tried);
  } else {
    h.healthy = false;
    h.http_status = 404;
    h.latency_ms = h.probes.front().latency_ms;
    h.health_path = h.probes.front().path;
    h.detail = fmt::format("HTTP 404 on {} and no model list: is the endpoint's path or port right?", tried);
  }
}

} // namespace

std::vector<std::string> health_paths(std::string_view type) {
  if (type == "tpu") {
    return {"/v1/health", "/health"};
  }
  return {"/health"};
}

std::vector<BackendHealth> check_backends(const bench::CurlLibrary& curl, const std::vector<Backend>& backends,
                                          const HealthOptions& options) {
  std::vector<BackendHealth> out(backends.size());
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const Backend& b = backends[i];
    BackendHealth& h = out[i];
    h.name = b.name;
    h.type = b.type;
    h.endpoint = bench::redact_url(b.endpoint);
    h.zone = b.zone;
    h.project_id = b.project_id;
    h.pod_size = b.pod_size;
    h.timeout_s = b.timeout_s.value_or(options.default_timeout_s);
    try {
      (void)bench::normalize_endpoint(b.endpoint, fmt::format("{}: backend '{}': endpoint", b.where, b.name));
    } catch (const Error& e) {
      // A config problem, not a flag; and bench's hint about API-key flags does not apply.
      throw Error(ErrorKind::input, e.what(),
                  "give a base URL http(s)://host[:port][/path], without user:password@ or a query");
    }
  }
  // A thread per backend: the checks wait on the network, so the slowest backend sets the time.
  std::vector<std::thread> threads;
  threads.reserve(backends.size());
  for (std::size_t i = 0; i < backends.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        check_one(curl, backends[i], options, out[i]);
      } catch (const std::exception& e) {
        out[i].healthy = false;
        out[i].detail = fmt::format("check failed: {}", e.what());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  return out;
}

} // namespace tpuplan
