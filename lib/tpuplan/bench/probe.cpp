#include <tpuplan/bench/probe.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
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

/// Every id of /v1/models, in order.
std::vector<std::string> model_ids(const Answer& a) {
  std::vector<std::string> ids;
  if (!a.body || !a.body->is_object()) {
    return ids;
  }
  const auto data = a.body->find("data");
  if (data == a.body->end() || !data->is_array()) {
    return ids;
  }
  for (const auto& m : *data) {
    if (m.is_object() && m.contains("id") && m["id"].is_string()) {
      ids.push_back(m["id"].get<std::string>());
    }
  }
  return ids;
}

std::optional<std::int64_t> positive_int(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return std::nullopt;
  }
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return std::nullopt;
  }
  return it->get<std::int64_t>();
}

/// What /v1/models says beyond ids: vLLM's max_model_len, llama.cpp's meta (n_params).
void read_model_entry(const Answer& a, const std::string& model, EndpointInfo& info) {
  if (!a.body || !a.body->is_object() || !a.body->contains("data") || !(*a.body)["data"].is_array()) {
    return;
  }
  for (const auto& m : (*a.body)["data"]) {
    if (!m.is_object() || m.value("id", "") != model) {
      continue;
    }
    if (const auto n = positive_int(m, "max_model_len"); n && !info.context_tokens) {
      info.context_tokens = *n;
      info.context_source = "GET /v1/models max_model_len";
    }
    if (const auto meta = m.find("meta"); meta != m.end() && meta->is_object()) {
      if (const auto p = meta->find("n_params"); p != meta->end() && p->is_number() && p->get<double>() > 0) {
        info.model_params = p->get<double>();
      }
    }
  }
}

/// Refuses a --model the server does not list.
void check_model(const std::string& model, const std::vector<std::string>& served, const std::string& base,
                 std::string_view where) {
  if (model.empty() || served.empty() || std::find(served.begin(), served.end(), model) != served.end()) {
    return;
  }
  std::string list;
  for (const auto& id : served) {
    list += (list.empty() ? "'" : ", '") + id + "'";
  }
  throw Error(ErrorKind::usage, fmt::format("--model '{}' is not served by {}: {} lists {}", model, base, where, list),
              served.size() == 1 ? fmt::format("use --model '{}', or leave --model out", served.front())
                                 : std::string("name one of these with --model"));
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

void read_tgi_info(const json& body, const std::string& base, EndpointInfo& info) {
  if (body["model_id"].is_string()) {
    info.served_models = {body["model_id"].get<std::string>()};
    check_model(info.model, info.served_models, base, "GET /info");
    if (info.model.empty()) {
      info.model = info.served_models.front();
    }
  }
  if (const auto n = positive_int(body, "max_total_tokens")) {
    info.context_tokens = *n;
    info.context_source = "GET /info max_total_tokens";
  }
  info.max_input_tokens = positive_int(body, "max_input_tokens");
}

void read_llamacpp_props(Engine& engine, double timeout_s, EndpointInfo& info) {
  const Answer props = ask(engine, "/props", timeout_s);
  if (!props.body || !props.body->is_object()) {
    return;
  }
  const auto settings = props.body->find("default_generation_settings");
  if (settings == props.body->end()) {
    return;
  }
  if (const auto n = positive_int(*settings, "n_ctx")) {
    info.context_tokens = *n;
    info.context_source = "GET /props default_generation_settings.n_ctx (one slot's context)";
  }
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
      read_tgi_info(*tgi.body, base, info);
      info.notes.push_back("API detected: tgi (GET /info answered with model_id)");
      return info;
    }
    const Answer models = ask(engine, "/v1/models", timeout_s);
    tried.push_back("/v1/models → " + models.outcome);
    if (const auto first = first_model(models)) {
      info.api = Api::openai_chat;
      info.server = first->second;
      info.served_models = model_ids(models);
      check_model(info.model, info.served_models, base, "GET /v1/models");
      if (info.model.empty()) {
        info.model = first->first;
        info.notes.push_back(fmt::format("model: '{}', the first of GET /v1/models", info.model));
      }
      read_model_entry(models, info.model, info);
      if (info.server == ServerKind::llamacpp) {
        read_llamacpp_props(engine, timeout_s, info);
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
  case Api::tgi: {
    info.server = ServerKind::tgi;
    // With the API named, a probe that fails is not fatal: the requests' own errors say why.
    const Answer tgi = ask(engine, "/info", timeout_s);
    if (tgi.body && tgi.body->is_object() && tgi.body->contains("model_id")) {
      read_tgi_info(*tgi.body, base, info);
    } else {
      info.notes.push_back(fmt::format("--model and the context not checked: GET /info gave {}", tgi.outcome));
    }
    break;
  }
  case Api::jetstream_http:
    info.server = ServerKind::jetstream;
    break;
  case Api::llamacpp: {
    info.server = ServerKind::llamacpp;
    // The native route names no model, but llama.cpp lists the one it serves.
    const Answer models = ask(engine, "/v1/models", timeout_s);
    if (models.unreachable) {
      info.notes.push_back(fmt::format("--model and the context not checked: GET /v1/models gave {}", models.outcome));
      break; // the requests' own errors say why
    }
    info.served_models = model_ids(models);
    check_model(info.model, info.served_models, base, "GET /v1/models");
    if (info.model.empty() && !info.served_models.empty()) {
      info.model = info.served_models.front();
      info.notes.push_back(fmt::format("model: '{}', as GET /v1/models names it", info.model));
    }
    read_model_entry(models, info.model, info);
    read_llamacpp_props(engine, timeout_s, info);
    break;
  }
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
    info.served_models = model_ids(models);
    check_model(info.model, info.served_models, base, "GET /v1/models");
    if (info.model.empty()) {
      if (!first) {
        throw Error(ErrorKind::usage,
                    fmt::format("--model not given and GET {}/v1/models gave no model ({})", base, models.outcome),
                    "name the served model with --model NAME");
      }
      info.model = first->first;
      info.notes.push_back(fmt::format("model: '{}', the first of GET /v1/models", info.model));
    }
    if (info.served_models.empty()) {
      info.notes.push_back(fmt::format("--model not checked: GET /v1/models gave {}", models.outcome));
    }
    read_model_entry(models, info.model, info);
    if (info.server == ServerKind::llamacpp) {
      read_llamacpp_props(engine, timeout_s, info);
    }
    break;
  }
  }
  return info;
}

} // namespace tpuplan::bench
