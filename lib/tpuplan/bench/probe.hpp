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
  std::vector<std::string> served_models; ///< ids of GET /v1/models (or TGI's model_id), when read
  std::optional<double> model_params;     ///< parameters of the served model (llama.cpp meta.n_params)
  /// Prompt + output tokens one request may hold: llama.cpp's per-slot n_ctx (GET /props),
  /// vLLM's max_model_len, TGI's max_total_tokens; unset when the server does not say.
  std::optional<std::int64_t> context_tokens;
  std::optional<std::int64_t> max_input_tokens; ///< TGI's max_input_tokens
  std::string context_source;      ///< where context_tokens was read ("GET /props n_ctx", …)
};

/// Probes the endpoint. With `api` unset: GET /info (TGI: model_id) → tgi; GET /v1/models
/// → openai-chat; GET /v1/health (JetStream: is_live) → jetstream-http. With an API given,
/// only what that API needs. The model defaults to the first id of /v1/models (owned_by
/// tells vLLM, SGLang and llama.cpp apart). Throws Error(runtime) when the endpoint cannot
/// be reached or told apart, Error(usage) when a model is needed and none can be found, or
/// when `model` is given and the server's model list (GET /v1/models, TGI's /info) does not
/// hold it. Also reads the context a request may fill (llama.cpp GET /props, vLLM
/// max_model_len, TGI /info) and llama.cpp's parameter count.
EndpointInfo probe_endpoint(Engine& engine, std::optional<Api> api, const std::string& model, double timeout_s);

} // namespace tpuplan::bench
