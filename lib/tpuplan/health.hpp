// Health of the serving backends of a control-plane config (`tpuplan health`): for each, whether
// it answers, with what status and how fast, and which models it serves — probing the paths its
// type suggests (vLLM, TGI, llama.cpp and SGLang answer /health and /v1/models; JetStream
// /v1/health; TGI /info: docs/reference bench.md §B.4), all backends at once, each within its
// own timeout, through the bench module's libcurl (loaded at run time).
#pragma once

#include <tpuplan/bench/curl_library.hpp>
#include <tpuplan/data/config.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// One GET of a health check.
struct HealthProbe {
  std::string path;      ///< "/health"
  long http_status = 0;  ///< 0 when no response arrived
  double latency_ms = 0; ///< request start → whole response (or failure)
  std::string error;     ///< transport failure (refused, timeout, TLS); empty when a response arrived
};

/// The health of one backend.
struct BackendHealth {
  std::string name;
  std::string type;                ///< "tpu" or "gpu", as configured
  std::string endpoint;            ///< the configured URL, redacted (no userinfo, no query values)
  std::string zone;
  std::string project_id;
  std::optional<int> pod_size;
  double timeout_s = 0;            ///< the budget the checks of this backend had
  bool reachable = false;          ///< some probe got an HTTP response
  bool healthy = false;            ///< the health path answered 2xx (JetStream: and is_live), or, without one, /v1/models did
  std::optional<long> http_status; ///< of the probe that decided
  std::optional<double> latency_ms; ///< of the probe that decided
  std::string health_path;         ///< the path that decided, e.g. "/health"
  std::string server;              ///< "vllm", "sglang", "llamacpp", "tgi", "jetstream"; empty when unknown
  std::vector<std::string> models; ///< served model ids
  std::string detail;              ///< one line: what answered, or why it is unhealthy
  std::vector<HealthProbe> probes; ///< every GET made, in order
};

/// Limits of a check.
struct HealthOptions {
  double default_timeout_s = 10; ///< for backends without `timeout`
  double connect_timeout_s = 10; ///< at most; never more than the backend's timeout
};

/// The health paths tried for a backend type, in order: "tpu" → /v1/health (JetStream's HTTP
/// server), then /health (vLLM-TPU); "gpu" → /health. The first that does not answer 404
/// decides.
std::vector<std::string> health_paths(std::string_view type);

/// Checks every backend, concurrently (a thread each), within each backend's timeout (the
/// budget for all its probes). TLS certificates are verified. A failing backend is reported,
/// never thrown. Throws Error(input) naming the backend and its place in the config when an
/// endpoint is not an http(s) base URL free of credentials and query.
std::vector<BackendHealth> check_backends(const bench::CurlLibrary& curl, const std::vector<Backend>& backends,
                                          const HealthOptions& options = {});

} // namespace tpuplan
