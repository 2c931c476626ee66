#include <tpuplan/bench/probe.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tpuplan::bench {

namespace {

using json = nlohmann::json;

/// A probe's answer: the JSON body of a 200, or why there is none.
struct Answer {
  std::optional<json> body;
  std::string outcome; // "200", "404", "connection refused", …
  bool unreachable = false;
};

Answer ask(Engine& engine, std::string_view path, double timeout_s) {
  const HttpResponse r = engine.get(engine.url(path), timeout_s);
  Answer a;
  if (!r.error.empty()) {
    a.outcome = r.error;
    a.unreachable = true;
    return a;
  }
  a.outcome = fmt::format("HTTP {}", r.status);
  if (r.status == 200) {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded()) {
      a.body = std::move(j);
    } else {
      a.outcome += " (not JSON)";
    }
  }
  return a;
}

ServerKind kind_from_owner(const std::string& owner) {
  if (owner == "vllm") {
    return ServerKind::vllm;
  }
  if (owner == "sglang") {
    return ServerKind::sglang;
  }
  if (owner == "llamacpp") {
    return ServerKind::llamacpp;
  }
  return ServerKind::unknown;
}

/// Reads /v1/models: the first model and who owns it; nullopt when the answer has none.
std::optional<std::pair<std::string, ServerKind>> first_model(const Answer& a) {
  if (!a.body || !a.body->is_object()) {
    return std::nullopt;
  }
  const auto data = a.body->find("data");
  if (data == a.body->end() || !data->is_array() || data->empty() || !(*data)[0].is_object()) {
    return std::nullopt;
  }
  const json& m = (*data)[0];
  if (!m.contains("id") || !m["id"].is_string()) {
    return std::nullopt;
  }
  const std::string owner = m.value("owned_by", "");
  return std::make_pair(m["id"].get<std::string>(), kind_from_owner(owner));
}

} // namespace

EndpointInfo probe_endpoint(Engine& engine, std::optional<Api> api, const std::string& model, double timeout_s) {
  EndpointInfo info;
  info.model = model;
  const std::string base = redact_url(engine.url(""));
  std::vector<std::string> tried;
  const auto unreachable = [&](const Answer& a) {
    throw Error(ErrorKind::runtime, fmt::format("cannot reach {}: {}", base, a.outcome),
                "check --endpoint and that the server is up");
  };

  if (!api) {
    const Answer tgi = ask(engine, "/info", timeout_s);
    if (tgi.unreachable) {
      unreachable(tgi);
    }
    tried.push_back("/info → " + tgi.outcome);
    if (tgi.body && tgi.body->is_object() && tgi.body->contains("model_id")) {
      info.api = Api::tgi;
      info.server = ServerKind::tgi;
      if (info.model.empty() && (*tgi.body)["model_id"].is_string()) {
        info.model = (*tgi.body)["model_id"].get<std::string>();
      }
      info.notes.push_back("API detected: tgi (GET /info answered with model_id)");
      return info;
    }
    const Answer models = ask(engine, "/v1/models", timeout_s);
    tried.push_back("/v1/models → " + models.outcome);
    if (const auto first = first_model(models)) {
      info.api = Api::openai_chat;
      info.server = first->second;
      if (info.model.empty()) {
        info.model = first->first;
        info.notes.push_back(fmt::format("model: '{}', the first of GET /v1/models", info.model));
      }
      info.notes.push_back("API detected: openai-chat (GET /v1/models answered)");
      return info;
    }
    const Answer health = ask(engine, "/v1/health", timeout_s);
    tried.push_back("/v1/health → " + health.outcome);
    if (health.body && health.body->is_object() && health.body->contains("is_live")) {
      info.api = Api::jetstream_http;
      info.server = ServerKind::jetstream;
      info.notes.push_back("API detected: jetstream-http (GET /v1/health answered with is_live)");
      return info;
    }
    std::string list;
    for (const auto& t : tried) {
      list += (list.empty() ? "" : ", ") + t;
    }
    throw Error(ErrorKind::runtime, fmt::format("cannot tell which API {} speaks: {}", base, list),
                "name it with --api openai-chat, openai-completions, tgi, jetstream-http or llamacpp");
  }

  info.api = *api;
  switch (*api) {
  case Api::tgi:
    info.server = ServerKind::tgi;
    break;
  case Api::jetstream_http:
    info.server = ServerKind::jetstream;
    break;
  case Api::llamacpp:
    info.server = ServerKind::llamacpp;
    break;
  case Api::openai_chat:
  case Api::openai_completions: {
    const Answer models = ask(engine, "/v1/models", timeout_s);
    if (models.unreachable) {
      unreachable(models);
    }
    const auto first = first_model(models);
    if (first) {
      info.server = first->second;
    }
    if (info.model.empty()) {
      if (!first) {
        throw Error(ErrorKind::usage,
                    fmt::format("--model not given and GET {}/v1/models gave no model ({})", base, models.outcome),
                    "name the served model with --model NAME");
      }
      info.model = first->first;
      info.notes.push_back(fmt::format("model: '{}', the first of GET /v1/models", info.model));
    }
    break;
  }
  }
  return info;
}

} // namespace tpuplan::bench
