#include "fake_server.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace tpuplan::test {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

struct FakeServer::Request {
  std::string method;
  std::string path;
  std::string header_block;
  std::string authorization;
  std::string body;
  bool keep_alive = true;
  std::string fault_header; // x-fake-fault: overrides the cycle
};

namespace {

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string chunk(std::string_view data) {
  std::ostringstream out;
  out << std::hex << data.size() << "\r\n" << data << "\r\n";
  return out.str();
}

std::string response(int status, std::string_view reason, std::string_view type, std::string_view body,
                     const std::string& extra_headers = {}) {
  std::ostringstream out;
  out << "HTTP/1.1 " << status << ' ' << reason << "\r\nContent-Type: " << type << "\r\nContent-Length: " << body.size()
      << "\r\n" << extra_headers << "\r\n" << body;
  return out.str();
}

std::int64_t count_words(const std::string& text) {
  std::istringstream in(text);
  std::string w;
  std::int64_t n = 0;
  while (in >> w) {
    ++n;
  }
  return n;
}

Fault parse_fault(const std::string& name) {
  static const std::pair<const char*, Fault> k_names[] = {
      {"reset", Fault::reset_mid_stream}, {"500", Fault::http_500},     {"429", Fault::http_429},
      {"stall", Fault::stall},            {"malformed", Fault::malformed_event},
      {"error", Fault::error_after_200},  {"oversized", Fault::oversized}, {"drip", Fault::slow_drip},
      {"truncated", Fault::truncated}, {"error_field", Fault::error_field}};
  for (const auto& [n, f] : k_names) {
    if (name == n) {
      return f;
    }
  }
  return Fault::none;
}

} // namespace

FakeServer::FakeServer(FakeServerOptions options) : m_options(std::move(options)) {
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 1024) != 0) {
    throw std::runtime_error(std::string("fake server: cannot listen: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
  m_acceptor = std::thread([this] { accept_loop(); });
}

FakeServer::~FakeServer() { stop(); }

std::string FakeServer::url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

FakeServerStats FakeServer::stats() const {
  std::lock_guard lock(m_mutex);
  return m_stats;
}

void FakeServer::stop() {
  if (m_stopping.exchange(true)) {
    return;
  }
  ::shutdown(m_listen_fd, SHUT_RDWR);
  m_acceptor.join();
  ::close(m_listen_fd);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    for (const int fd : m_open_fds) {
      ::shutdown(fd, SHUT_RDWR);
    }
    threads = std::move(m_threads);
  }
  m_wake.notify_all();
  for (auto& t : threads) {
    t.join();
  }
}

bool FakeServer::pause(std::chrono::microseconds d) {
  std::unique_lock lock(m_mutex);
  return !m_wake.wait_for(lock, d, [this] { return m_stopping.load(); });
}

void FakeServer::accept_loop() {
  while (!m_stopping) {
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return; // shut down
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard lock(m_mutex);
    ++m_stats.connections;
    m_open_fds.push_back(fd);
    m_threads.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeServer::serve(int fd) {
  std::string buf;
  char tmp[65536];
  bool open = true;
  int served = 0;
  while (open && !m_stopping) {
    // Read one request: headers, then Content-Length bytes of body.
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      buf.append(tmp, static_cast<std::size_t>(n));
      if (static_cast<unsigned char>(buf[0]) == 0x16) {
        // A TLS ClientHello on this plain-HTTP port: answer as uvicorn or nginx would.
        send_all(fd, response(400, "Bad Request", "text/plain", "plain HTTP port"));
        open = false;
        break;
      }
    }
    if (!open) {
      break;
    }
    Request req;
    req.header_block = buf.substr(0, header_end);
    std::istringstream lines(req.header_block);
    std::string line;
    std::getline(lines, line);
    std::istringstream first(line);
    first >> req.method >> req.path;
    std::size_t content_length = 0;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      const auto colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      const std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length") {
        content_length = std::stoul(value);
      } else if (name == "authorization") {
        req.authorization = value;
      } else if (name == "connection" && lower(value) == "close") {
        req.keep_alive = false;
      } else if (name == "x-fake-fault") {
        req.fault_header = value;
      }
    }
    buf.erase(0, header_end + 4);
    while (buf.size() < content_length) {
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    if (!open) {
      break;
    }
    req.body = buf.substr(0, content_length);
    buf.erase(0, content_length);
    {
      std::lock_guard lock(m_mutex);
      m_stats.paths.push_back(req.path);
      m_stats.authorizations.push_back(req.authorization);
      m_stats.header_lines.push_back(req.header_block);
    }
    open = handle(fd, req) && req.keep_alive;
    ++served;
    open = open && (m_options.requests_per_connection == 0 || served < m_options.requests_per_connection);
  }
  std::lock_guard lock(m_mutex);
  m_open_fds.erase(std::find(m_open_fds.begin(), m_open_fds.end(), fd));
  ::close(fd);
}

bool FakeServer::handle(int fd, const Request& req) {
  const std::string json_type = "application/json";
  if (!m_options.redirect_to.empty() && (!m_options.redirect_generation_only || req.method == "POST")) {
    return send_all(fd, response(307, "Temporary Redirect", json_type, "",
                                 "Location: " + m_options.redirect_to + req.path + "\r\n"));
  }
  if (!m_options.api_key.empty() && req.authorization != "Bearer " + m_options.api_key) {
    if (m_options.echo_credentials) {
      const json body = {{"error",
                          {{"message", "Invalid API key '" + req.authorization + "' in " + req.header_block},
                           {"type", "authentication_error"},
                           {"code", 401}}}};
      return send_all(fd, response(401, "Unauthorized", json_type, body.dump()));
    }
    return send_all(fd, response(401, "Unauthorized", json_type,
                                 R"({"error":{"message":"Invalid API key","type":"authentication_error","code":401}})"));
  }
  const Flavor f = m_options.flavor;
  const std::string& model = m_options.model;
  if (req.method == "GET") {
    if (req.path == "/metrics") {
      std::int64_t seen = 0; // metrics requests so far, this one included
      {
        std::lock_guard lock(m_mutex);
        seen = std::count(m_stats.paths.begin(), m_stats.paths.end(), std::string("/metrics"));
      }
      if (m_options.metrics_delay.count() > 0 && seen > m_options.metrics_delay_after && !pause(m_options.metrics_delay)) {
        return false;
      }
      return serve_metrics(fd);
    }
    if (m_options.probe_delay.count() > 0 && !pause(m_options.probe_delay)) {
      return false;
    }
    const bool health_path = req.path == "/health" || (req.path == "/v1/health" && f == Flavor::jetstream);
    if (health_path && m_options.health_status != 200) {
      // vLLM answers 503 with an empty body when its engine is dead; TGI names the check.
      const char* body = f == Flavor::tgi ? R"({"error":"unhealthy","error_type":"healthcheck"})" : "";
      const int status = m_options.health_status;
      const char* reason = status == 503 ? "Service Unavailable" : status == 500 ? "Internal Server Error" : "Error";
      return send_all(fd, response(status, reason, json_type, body));
    }
    const int context = m_options.context_tokens > 0 ? m_options.context_tokens : 4096;
    if (req.path == "/v1/models" && f != Flavor::jetstream) {
      const char* owner = f == Flavor::vllm ? "vllm" : f == Flavor::llamacpp ? "llamacpp" : model.c_str();
      json data = json::array();
      const std::vector<std::string> ids = m_options.served_models.empty() ? std::vector<std::string>{model} : m_options.served_models;
      for (const auto& id : ids) {
        json entry = {{"id", id}, {"object", "model"}, {"owned_by", owner}};
        if (f == Flavor::llamacpp) {
          entry["meta"] = {{"n_ctx_train", 4096}, {"n_params", 8030261248LL}};
        } else {
          entry["max_model_len"] = context;
        }
        data.push_back(entry);
      }
      const json body = {{"object", "list"}, {"data", data}};
      return send_all(fd, response(200, "OK", json_type, body.dump()));
    }
    if (req.path == "/props" && f == Flavor::llamacpp) {
      const json body = {{"default_generation_settings", {{"n_ctx", context}}}, {"total_slots", 4}};
      return send_all(fd, response(200, "OK", json_type, body.dump()));
    }
    if (req.path == "/info" && f == Flavor::tgi) {
      const json body = {{"model_id", model}, {"max_concurrent_requests", 128}, {"max_input_tokens", context - 1},
                         {"max_total_tokens", context}, {"version", "3.0.0"}};
      return send_all(fd, response(200, "OK", json_type, body.dump()));
    }
    if (req.path == "/v1/health" && f == Flavor::jetstream) {
      return send_all(fd, response(200, "OK", json_type, "{\n  \"is_live\": \"True\"\n}"));
    }
    if (req.path == "/health") {
      return send_all(fd, response(200, "OK", json_type, f == Flavor::llamacpp ? R"({"status":"ok"})" : ""));
    }
    return send_all(fd, response(404, "Not Found", json_type, R"({"detail":"Not Found"})"));
  }
  if (req.method == "POST" && (req.path == "/v1/chat/completions" || req.path == "/v1/completions" ||
                               req.path == "/generate_stream" || req.path == "/v1/generate" || req.path == "/completion")) {
    Fault fault = parse_fault(req.fault_header);
    {
      std::lock_guard lock(m_mutex);
      if (fault == Fault::none && !m_options.fault_cycle.empty()) {
        fault = m_options.fault_cycle[static_cast<std::size_t>(m_stats.generation_requests) % m_options.fault_cycle.size()];
      }
      ++m_stats.generation_requests;
      m_stats.bodies.push_back(req.body);
    }
    return generate(fd, req, fault);
  }
  return send_all(fd, response(404, "Not Found", json_type, R"({"detail":"Not Found"})"));
}

bool FakeServer::generate(int fd, const Request& req, Fault fault) {
  const auto arrival = Clock::now();
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded()) {
    return send_all(fd, response(400, "Bad Request", "application/json",
                                 R"({"error":{"message":"invalid JSON body","type":"BadRequestError","code":400}})"));
  }
  enum class Route { chat, completions, tgi, jetstream, llamacpp };
  const Route route = req.path == "/v1/chat/completions" ? Route::chat
                      : req.path == "/v1/completions"    ? Route::completions
                      : req.path == "/generate_stream"   ? Route::tgi
                      : req.path == "/v1/generate"       ? Route::jetstream
                                                         : Route::llamacpp;
  std::string prompt;
  int max_tokens = 16;
  if (route == Route::chat) {
    for (const auto& m : body.value("messages", json::array())) {
      prompt += m.value("content", "") + " ";
    }
    max_tokens = body.value("max_tokens", body.value("max_completion_tokens", 16));
  } else if (route == Route::completions) {
    prompt = body.value("prompt", "");
    max_tokens = body.value("max_tokens", 16);
  } else if (route == Route::tgi) {
    prompt = body.value("inputs", "");
    max_tokens = body.value("parameters", json::object()).value("max_new_tokens", 16);
  } else if (route == Route::jetstream) {
    prompt = body.value("text_content", json::object()).value("text", "");
    max_tokens = body.value("max_tokens", 16);
  } else {
    prompt = body.value("prompt", "");
    max_tokens = body.value("n_predict", 16);
  }
  std::int64_t prompt_tokens = count_words(prompt);
  const std::int64_t context = m_options.context_tokens > 0 ? m_options.context_tokens : 4096;
  const bool cut = prompt_tokens >= context;
  if (cut) {
    prompt_tokens = context / 2; // llama.cpp keeps the start and the end of a prompt too long for its slot
  }
  const auto cached = static_cast<std::int64_t>(static_cast<double>(prompt_tokens) * m_options.cached_share);
  const bool include_usage =
      m_options.send_usage && body.value("stream_options", json::object()).value("include_usage", false);
  const bool details = body.value("parameters", json::object()).value("details", false);

  if (fault == Fault::http_500) {
    return send_all(fd, response(500, "Internal Server Error", "application/json",
                                 R"({"error":{"message":"Internal server error","type":"InternalServerError","code":500}})"));
  }
  if (fault == Fault::http_429) {
    return send_all(fd, response(429, "Too Many Requests", "application/json",
                                 R"({"error":"Model is overloaded","error_type":"overloaded"})",
                                 "Retry-After: " + std::to_string(m_options.retry_after_s) + "\r\n"));
  }

  // Queue for a batch slot, as a continuous-batching server would.
  {
    std::unique_lock lock(m_mutex);
    ++m_in_progress;
    m_stats.max_concurrent = std::max(m_stats.max_concurrent, m_in_progress);
    m_wake.wait(lock, [this] { return m_stopping || m_options.slots == 0 || m_running < m_options.slots; });
    ++m_running;
  }
  const auto admitted = Clock::now();
  struct Release {
    FakeServer* s;
    ~Release() {
      {
        std::lock_guard lock(s->m_mutex);
        --s->m_running;
        --s->m_in_progress;
      }
      s->m_wake.notify_all();
    }
  } release{this};

  const bool sse = route != Route::jetstream;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: ";
  head += sse ? "text/event-stream" : "text/event-stream; charset=utf-8"; // JetStream labels it so, too
  head += "\r\nTransfer-Encoding: chunked\r\n\r\n";
  const bool drip = fault == Fault::slow_drip;
  auto write = [&](std::string_view data) {
    if (!drip) {
      return send_all(fd, data);
    }
    for (const char c : data) {
      if (!send_all(fd, std::string_view(&c, 1)) || !pause(std::chrono::microseconds(20))) {
        return false;
      }
    }
    return true;
  };
  auto event = [&](const json& payload) {
    if (route == Route::jetstream) {
      return write(chunk(payload.dump(2)));
    }
    const std::string sep = route == Route::tgi ? "data:" : "data: ";
    return write(chunk(sep + payload.dump() + "\n\n"));
  };
  if (!write(head)) {
    return false;
  }
  if (fault == Fault::oversized) {
    const std::string pad = ": " + std::string(4096, 'x') + "\n\n";
    for (std::size_t sent = 0; sent < m_options.oversized_bytes; sent += pad.size()) {
      if (!write(chunk(pad))) {
        return false;
      }
    }
  }
  if (!pause(m_options.ttft)) {
    return false;
  }
  const auto first_token = Clock::now();
  const std::string id = "fake-" + std::to_string(reinterpret_cast<std::uintptr_t>(&req) & 0xffff);
  const int per_chunk = route == Route::chat || route == Route::completions ? std::max(1, m_options.tokens_per_chunk) : 1;
  const int cut_at = std::max(1, max_tokens / 2);
  int generated = 0;
  if (route == Route::chat && m_options.role_chunk) {
    if (!event({{"id", id}, {"object", "chat.completion.chunk"}, {"model", m_options.model},
                {"choices", json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"finish_reason", nullptr}}})}})) {
      return false;
    }
  }
  while (generated < max_tokens) {
    std::chrono::microseconds interval = m_options.token_interval;
    if (m_options.token_interval_per_running.count() > 0) {
      std::lock_guard lock(m_mutex);
      interval += m_options.token_interval_per_running * m_running;
    }
    if (generated > 0 && !pause(interval)) {
      return false;
    }
    const int n = std::min(per_chunk, max_tokens - generated);
    generated += n;
    const bool last = generated == max_tokens;
    std::string text;
    for (int i = 0; i < n; ++i) {
      text += " tok";
    }
    json payload;
    const json finish = last ? json("length") : json(nullptr);
    switch (route) {
    case Route::chat:
      payload = {{"id", id}, {"object", "chat.completion.chunk"}, {"model", m_options.model},
                 {"choices", json::array({{{"index", 0}, {"delta", {{"content", text}}}, {"finish_reason", finish}}})}};
      break;
    case Route::completions:
      payload = {{"id", id}, {"object", "text_completion"}, {"model", m_options.model},
                 {"choices", json::array({{{"index", 0}, {"text", text}, {"finish_reason", finish}}})}, {"usage", nullptr}};
      break;
    case Route::tgi:
      payload = {{"index", generated}, {"token", {{"id", 100 + generated}, {"text", text}, {"logprob", -0.1}, {"special", false}}},
                 {"generated_text", last ? json("generated") : json(nullptr)}, {"details", nullptr}};
      if (last && details) {
        payload["details"] = {{"finish_reason", "length"}, {"generated_tokens", generated}, {"seed", nullptr},
                              {"input_length", prompt_tokens}};
      }
      break;
    case Route::jetstream:
      payload = {{"streamContent", {{"samples", json::array({{{"text", text}, {"tokenIds", json::array({100 + generated})}}})}}}};
      break;
    case Route::llamacpp:
      payload = {{"content", text}, {"tokens", json::array({100 + generated})}, {"stop", false}, {"id_slot", 0},
                 {"tokens_predicted", generated}, {"tokens_evaluated", prompt_tokens}};
      break;
    }
    if (!event(payload)) {
      return false;
    }
    if (fault == Fault::malformed_event && generated == 1) {
      if (!write(chunk(route == Route::jetstream ? "not json" : "data: {not json\n\n"))) {
        return false;
      }
    }
    if (fault == Fault::error_field && generated == std::min(2, max_tokens)) {
      // llama.cpp's server_sent_event(sink, "error", …): not a data line.
      write(chunk(R"(error: {"code":400,"message":"the request exceeds the available context size","type":"invalid_request_error"})"
                  "\n\n"));
      if (route != Route::llamacpp) {
        write(chunk("data: [DONE]\n\n"));
      }
      return write("0\r\n\r\n");
    }
    if (fault == Fault::error_after_200 && generated == std::min(2, max_tokens)) {
      if (route == Route::tgi) {
        event({{"error", "Request failed during generation"}, {"error_type", "generation"}});
      } else {
        event({{"error", {{"message", "Internal server error"}, {"type", "InternalServerError"}, {"code", 500}}}});
      }
      if (route != Route::tgi && route != Route::jetstream) {
        write(chunk("data: [DONE]\n\n"));
      }
      return write("0\r\n\r\n");
    }
    if (fault == Fault::stall) {
      // Silence until the client closes the connection (its idle timeout) or the server stops.
      while (!m_stopping) {
        pollfd p{fd, POLLIN | POLLRDHUP, 0};
        if (::poll(&p, 1, 10) > 0) {
          char c;
          if (::recv(fd, &c, 1, MSG_PEEK) <= 0) {
            break;
          }
        }
      }
      return false;
    }
    if (fault == Fault::reset_mid_stream && generated >= cut_at) {
      const linger hard{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard); // close() now sends RST
      ::shutdown(fd, SHUT_RD);
      return false;
    }
    if (fault == Fault::truncated && generated >= cut_at) {
      return write("0\r\n\r\n"); // a clean end of the body, without the protocol's end marker
    }
  }
  const auto end = Clock::now();
  {
    std::lock_guard lock(m_mutex);
    m_ttft_sum_s += std::chrono::duration<double>(first_token - arrival).count();
    ++m_ttft_count;
    if (generated > 1) {
      m_itl_sum_s += std::chrono::duration<double>(end - first_token).count();
      m_itl_count += generated - 1;
    }
    m_queue_sum_s += std::chrono::duration<double>(admitted - arrival).count();
    m_e2e_sum_s += std::chrono::duration<double>(end - arrival).count();
    ++m_finished;
    m_generated_tokens += generated;
    m_prompt_tokens += prompt_tokens;
    m_prefix_hits += static_cast<double>(prompt_tokens) * m_options.prefix_hit_rate;
  }
  if (route == Route::chat || route == Route::completions) {
    if (include_usage) {
      event({{"id", id}, {"object", route == Route::chat ? "chat.completion.chunk" : "text_completion"},
             {"choices", json::array()},
             {"usage", {{"prompt_tokens", prompt_tokens}, {"completion_tokens", generated},
                        {"total_tokens", prompt_tokens + generated},
                        {"prompt_tokens_details", {{"cached_tokens", cached}}}}}});
    }
    write(chunk("data: [DONE]\n\n"));
  } else if (route == Route::llamacpp) {
    event({{"content", ""}, {"tokens", json::array()}, {"stop", true}, {"stop_type", "limit"}, {"tokens_predicted", generated},
           {"tokens_evaluated", prompt_tokens}, {"truncated", cut},
           {"timings", {{"prompt_n", prompt_tokens - cached}, {"predicted_n", generated}}}});
  }
  return write("0\r\n\r\n");
}

bool FakeServer::serve_metrics(int fd) {
  std::ostringstream m;
  {
    std::lock_guard lock(m_mutex);
    ++m_stats.metrics_requests;
    const double kv = m_options.slots > 0 ? static_cast<double>(m_running) / m_options.slots : 0.0;
    const auto waiting = m_in_progress - m_running;
    switch (m_options.flavor) {
    case Flavor::vllm:
      m << "# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
        << "# TYPE vllm:num_requests_running gauge\n"
        << "vllm:num_requests_running{engine=\"0\",model_name=\"" << m_options.model << "\"} " << m_running << "\n"
        << "vllm:num_requests_waiting{engine=\"0\",model_name=\"m\"} " << waiting << "\n"
        << "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} " << kv << "\n"
        << "# TYPE vllm:time_to_first_token_seconds histogram\n"
        << "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"m\"} " << m_ttft_count << "\n"
        << "vllm:time_to_first_token_seconds_sum{model_name=\"m\"} " << m_ttft_sum_s << "\n"
        << "vllm:time_to_first_token_seconds_count{model_name=\"m\"} " << m_ttft_count << "\n"
        << "vllm:inter_token_latency_seconds_sum{model_name=\"m\"} " << m_itl_sum_s << "\n"
        << "vllm:inter_token_latency_seconds_count{model_name=\"m\"} " << m_itl_count << "\n"
        << "vllm:e2e_request_latency_seconds_sum{model_name=\"m\"} " << m_e2e_sum_s << "\n"
        << "vllm:e2e_request_latency_seconds_count{model_name=\"m\"} " << m_finished << "\n"
        << "vllm:request_queue_time_seconds_sum{model_name=\"m\"} " << m_queue_sum_s << "\n"
        << "vllm:request_queue_time_seconds_count{model_name=\"m\"} " << m_finished << "\n"
        << "vllm:generation_tokens_total{model_name=\"m\"} " << m_generated_tokens << "\n"
        << "vllm:prompt_tokens_total{model_name=\"m\"} " << m_prompt_tokens << "\n"
        << "vllm:prefix_cache_queries_total{model_name=\"m\"} " << m_prompt_tokens << "\n"
        << "vllm:prefix_cache_hits_total{model_name=\"m\"} " << m_prefix_hits << "\n";
      break;
    case Flavor::tgi:
      m << "tgi_batch_current_size " << m_running << "\n"
        << "tgi_queue_size " << waiting << "\n"
        << "tgi_request_mean_time_per_token_duration_sum " << m_itl_sum_s << "\n"
        << "tgi_request_mean_time_per_token_duration_count " << m_itl_count << "\n"
        << "tgi_request_duration_sum " << m_e2e_sum_s << "\n"
        << "tgi_request_duration_count " << m_finished << "\n"
        << "tgi_request_queue_duration_sum " << m_queue_sum_s << "\n"
        << "tgi_request_queue_duration_count " << m_finished << "\n"
        << "tgi_request_generated_tokens_sum " << m_generated_tokens << "\n"
        << "tgi_request_generated_tokens_count " << m_finished << "\n";
      break;
    case Flavor::jetstream:
      m << "jetstream_slots_used_percentage{id=\"h\",idx=\"0\"} " << kv << "\n"
        << "jetstream_prefill_backlog_size{id=\"h\"} " << waiting << "\n"
        << "jetstream_time_to_first_token_sum{id=\"h\"} " << m_ttft_sum_s << "\n"
        << "jetstream_time_to_first_token_count{id=\"h\"} " << m_ttft_count << "\n"
        << "jetstream_time_per_output_token_sum{id=\"h\"} " << m_itl_sum_s << "\n"
        << "jetstream_time_per_output_token_count{id=\"h\"} " << m_itl_count << "\n"
        << "jetstream_request_output_length_sum{id=\"h\"} " << m_generated_tokens << "\n"
        << "jetstream_request_output_length_count{id=\"h\"} " << m_finished << "\n";
      break;
    case Flavor::llamacpp:
      m << "llamacpp:requests_processing " << m_running << "\n"
        << "llamacpp:requests_deferred " << waiting << "\n"
        << "llamacpp:kv_cache_usage_ratio " << kv << "\n"
        << "llamacpp:tokens_predicted_total " << m_generated_tokens << "\n"
        << "llamacpp:tokens_predicted_seconds_total " << m_itl_sum_s << "\n"
        << "llamacpp:prompt_tokens_total " << m_prompt_tokens << "\n";
      break;
    }
  }
  return send_all(fd, response(200, "OK", "text/plain; version=0.0.4", m.str()));
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd); // never listened: a connection is refused
  return ntohs(addr.sin_port);
}

} // namespace tpuplan::test
