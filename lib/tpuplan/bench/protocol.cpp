#include <tpuplan/bench/protocol.hpp>

#include <array>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

struct ApiInfo {
  Api api;
  std::string_view name;
  std::string_view path;
};

constexpr std::array<ApiInfo, 5> k_apis = {{
    {Api::openai_chat, "openai-chat", "/v1/chat/completions"},
    {Api::openai_completions, "openai-completions", "/v1/completions"},
    {Api::tgi, "tgi", "/generate_stream"},
    {Api::jetstream_http, "jetstream-http", "/v1/generate"},
    {Api::llamacpp, "llamacpp", "/completion"},
}};

/// Printable one-line text: control characters become spaces, long text is cut.
std::string one_line(std::string_view text, std::size_t max_bytes) {
  std::string out;
  for (const char c : text.substr(0, max_bytes)) {
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  if (text.size() > max_bytes) {
    out += "…";
  }
  return out;
}

std::string scalar_text(const nlohmann::json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_number_integer()) {
    return std::to_string(v.get<std::int64_t>());
  }
  if (v.is_null()) {
    return {};
  }
  return v.dump();
}

} // namespace

std::string_view to_string(Api api) { return k_apis[static_cast<std::size_t>(api)].name; }

std::optional<Api> parse_api(std::string_view name) {
  for (const auto& info : k_apis) {
    if (info.name == name) {
      return info.api;
    }
  }
  return std::nullopt;
}

std::vector<std::string> api_names() {
  std::vector<std::string> names;
  for (const auto& info : k_apis) {
    names.emplace_back(info.name);
  }
  return names;
}

std::string_view request_path(Api api) { return k_apis[static_cast<std::size_t>(api)].path; }

bool api_needs_model(Api api) { return api == Api::openai_chat || api == Api::openai_completions; }

std::string_view to_string(ServerKind kind) {
  switch (kind) {
  case ServerKind::unknown:
    return "unknown";
  case ServerKind::vllm:
    return "vllm";
  case ServerKind::sglang:
    return "sglang";
  case ServerKind::tgi:
    return "tgi";
  case ServerKind::llamacpp:
    return "llamacpp";
  case ServerKind::jetstream:
    return "jetstream";
  }
  return "unknown";
}

std::string request_body(Api api, const Prompt& prompt, const GenerationOptions& options) {
  const int max_tokens = prompt.output_tokens.value_or(options.max_tokens);
  nlohmann::ordered_json body;
  switch (api) {
  case Api::openai_chat:
  case Api::openai_completions:
    // Bodies as vLLM's own benchmark client sends them (bench.md §A.2, §B.1): greedy,
    // streamed, with the usage chunk so token counts come from the server.
    if (!options.model.empty()) {
      body["model"] = options.model;
    }
    if (api == Api::openai_chat) {
      body["messages"] = prompt.messages.is_array()
                             ? nlohmann::ordered_json(prompt.messages)
                             : nlohmann::ordered_json::array({{{"role", "user"}, {"content", prompt.text}}});
    } else {
      body["prompt"] = prompt.text;
    }
    body["max_tokens"] = max_tokens;
    body["temperature"] = 0;
    if (options.ignore_eos) {
      body["ignore_eos"] = true; // vLLM/SGLang/llama.cpp extension; OpenAI itself rejects it
    }
    if (options.cache_prompt) {
      body["cache_prompt"] = *options.cache_prompt; // llama.cpp reads it on every route
    }
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
    break;
  case Api::tgi:
    // TGI rejects temperature 0 (validation); do_sample=false is its greedy mode.
    // `details` makes the last event carry generated_tokens and input_length.
    body["inputs"] = prompt.text;
    body["parameters"] = {{"max_new_tokens", max_tokens}, {"details", true}, {"do_sample", false}};
    break;
  case Api::jetstream_http:
    // pydantic `extra=forbid`: exactly these two fields (bench.md §B.3).
    body["max_tokens"] = max_tokens;
    body["text_content"] = {{"text", prompt.text}};
    break;
  case Api::llamacpp:
    // cache_prompt=false keeps a repeated prompt from being served from the slot's cache.
    body["prompt"] = prompt.text;
    body["n_predict"] = max_tokens;
    body["stream"] = true;
    body["cache_prompt"] = options.cache_prompt.value_or(false);
    body["temperature"] = 0;
    if (options.ignore_eos) {
      body["ignore_eos"] = true;
    }
    break;
  }
  return body.dump();
}

std::optional<ErrorBody> parse_error_body(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  ErrorBody e;
  if (const auto it = j.find("error"); it != j.end()) {
    if (it->is_object()) {
      // OpenAI / vLLM 2025+ / llama.cpp / TGI's OpenAI route.
      e.message = scalar_text(it->value("message", nlohmann::json()));
      e.type = scalar_text(it->value("type", nlohmann::json()));
      e.code = scalar_text(it->value("code", it->value("http_status_code", nlohmann::json())));
    } else {
      // TGI native: {"error": "...", "error_type": "..."}
      e.message = scalar_text(*it);
      e.type = scalar_text(j.value("error_type", nlohmann::json()));
    }
    return e;
  }
  if (j.value("object", "") == "error" && j.contains("message")) {
    // Older vLLM and FastChat-derived servers.
    e.message = scalar_text(j["message"]);
    e.type = scalar_text(j.value("type", nlohmann::json()));
    e.code = scalar_text(j.value("code", nlohmann::json()));
    return e;
  }
  if (const auto it = j.find("detail"); it != j.end()) {
    // FastAPI (MaxText's api_server, JetStream's HTTP server).
    e.message = it->is_string() ? it->get<std::string>() : it->dump();
    return e;
  }
  return std::nullopt;
}

std::string describe_http_error(long status, std::string_view body) {
  if (const auto e = parse_error_body(body)) {
    std::string text = fmt::format("HTTP {}: {}", status, one_line(e->message, 300));
    if (!e->type.empty()) {
      text += fmt::format(" ({})", one_line(e->type, 80));
    }
    return text;
  }
  if (body.empty()) {
    return fmt::format("HTTP {}", status);
  }
  return fmt::format("HTTP {}: {}", status, one_line(body, 200));
}

} // namespace tpuplan::bench
