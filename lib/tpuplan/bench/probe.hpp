// What an endpoint is: its API (for --api auto), the serving software (which decides
// whether ignore_eos may be sent) and the model to name in requests.
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/protocol.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan::bench {

/// The result of probing.
struct EndpointInfo {
  Api api = Api::openai_chat;
  ServerKind server = ServerKind::unknown;
  std::string model;               ///< the model requests name ("" where the API names none)
  std::vector<std::string> notes;  ///< how the answers were found
};

/// Probes the endpoint. With `api` unset: GET /info (TGI: model_id) → tgi; GET /v1/models
/// → openai-chat; GET /v1/health (JetStream: is_live) → jetstream-http. With an API given,
/// only what that API needs. The model defaults to the first id of /v1/models (owned_by
/// tells vLLM, SGLang and llama.cpp apart). Throws Error(runtime) when the endpoint cannot
/// be reached or told apart, Error(usage) when a model is needed and none can be found.
EndpointInfo probe_endpoint(Engine& engine, std::optional<Api> api, const std::string& model, double timeout_s);

} // namespace tpuplan::bench
