// The inference APIs bench speaks: request paths and bodies, and the error bodies of
// OpenAI-compatible servers, vLLM, TGI, llama.cpp and FastAPI (bench.md §B.1–B.5).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// A streaming generation API.
enum class Api {
  openai_chat,        ///< POST /v1/chat/completions, SSE (vLLM, SGLang, llama.cpp, TGI's Messages API, …)
  openai_completions, ///< POST /v1/completions, SSE
  tgi,                ///< POST /generate_stream, SSE, one event per token
  jetstream_http,     ///< POST /v1/generate, concatenated pretty-printed JSON objects
  llamacpp,           ///< POST /completion (llama.cpp's native route), SSE
};

/// "openai-chat", "openai-completions", "tgi", "jetstream-http", "llamacpp".
std::string_view to_string(Api api);
/// Parses an API name; nullopt when unknown ("auto" is the caller's business).
std::optional<Api> parse_api(std::string_view name);
/// The API names, for suggestions.
std::vector<std::string> api_names();
/// The request path of an API, relative to the endpoint's base.
std::string_view request_path(Api api);
/// True for the APIs whose requests name a model.
bool api_needs_model(Api api);

/// The serving software behind an endpoint, as far as probes tell (decides ignore_eos).
enum class ServerKind { unknown, vllm, sglang, tgi, llamacpp, jetstream };
std::string_view to_string(ServerKind kind);

/// One prompt: plain text, or chat messages (then `text` joins their contents).
struct Prompt {
  std::string text;
  nlohmann::json messages;          ///< array of {role, content}; null for a text prompt
  std::int64_t approx_tokens = 0;   ///< the client's estimate of its length in tokens
  /// approx_tokens is a count to judge the server's by (synthetic words, a dataset's
  /// input_tokens), not a guess from its bytes.
  bool tokens_counted = false;
  std::optional<int> output_tokens; ///< per-prompt max output tokens (datasets)
};

/// How to ask for output.
struct GenerationOptions {
  std::string model;      ///< empty: omitted (TGI, JetStream and llama.cpp native serve one model)
  int max_tokens = 128;
  bool ignore_eos = true; ///< ask for exactly max_tokens (sent only where the server accepts it)
  /// Sent as llama.cpp's `cache_prompt` (its native route; its OpenAI routes when the server is
  /// llama.cpp); unset: not sent. false keeps a slot from serving the prompt from its cache.
  std::optional<bool> cache_prompt;
};

/// The JSON body of a streaming request.
std::string request_body(Api api, const Prompt& prompt, const GenerationOptions& options);

/// An error body, parsed.
struct ErrorBody {
  std::string message; ///< one line
  std::string type;    ///< "BadRequestError", "overloaded", "exceed_context_size_error", …
  std::string code;    ///< "context_length_exceeded", "400", …
};

/// Parses an error body of any known shape: OpenAI/vLLM/llama.cpp `{"error":{message,type,code}}`,
/// old vLLM `{"object":"error","message":…}`, TGI `{"error":"…","error_type":"…"}`, FastAPI
/// `{"detail":…}`. Returns nullopt when the text is none of these.
std::optional<ErrorBody> parse_error_body(std::string_view text);

/// A one-line description of a failed HTTP response: "HTTP 429: Model is overloaded (overloaded)".
/// Non-JSON bodies are shown truncated to 200 bytes, control characters replaced.
std::string describe_http_error(long status, std::string_view body);

} // namespace tpuplan::bench
