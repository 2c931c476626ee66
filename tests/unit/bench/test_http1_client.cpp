// The built-in HTTP/1.1 client through the engine, against a loopback server that answers
// each request with scripted bytes: the framings and connection behaviours the fake
// inference server does not produce (close-delimited bodies, "Connection: close", interim
// 1xx responses, a reply that is not HTTP).
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/uring.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace tpuplan::bench;

namespace {

struct Reply {
  std::string bytes;
  bool close_after = false;
};

/// Serves connections one after another; request i gets replies[i]. Counts connections.
class ScriptedServer {
public:
  explicit ScriptedServer(std::vector<Reply> replies) : m_replies(std::move(replies)) {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_listen, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    ::shutdown(m_listen, SHUT_RDWR);
    m_thread.join();
    ::close(m_listen);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  int connections() const { return m_connections; }

private:
  void serve() {
    std::size_t next = 0;
    while (next < m_replies.size()) {
      const int fd = ::accept(m_listen, nullptr, nullptr);
      if (fd < 0) {
        return;
      }
      ++m_connections;
      std::string buf;
      char tmp[4096];
      bool open = true;
      while (open && next < m_replies.size()) {
        // One request: the head, then Content-Length bytes.
        std::size_t head_end;
        while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
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
        const auto cl = buf.find("Content-Length: ");
        const std::size_t length = cl < head_end ? std::stoul(buf.substr(cl + 16)) : 0;
        while (buf.size() < head_end + 4 + length) {
          const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
          if (n <= 0) {
            open = false;
            break;
          }
          buf.append(tmp, static_cast<std::size_t>(n));
        }
        buf.erase(0, head_end + 4 + length);
        const Reply& reply = m_replies[next++];
        ::send(fd, reply.bytes.data(), reply.bytes.size(), MSG_NOSIGNAL);
        open = open && !reply.close_after;
      }
      ::close(fd);
    }
  }

  std::vector<Reply> m_replies;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<int> m_connections{0};
  std::thread m_thread;
};

/// An OpenAI chat stream of `tokens` one-token chunks with usage and [DONE].
std::string chat_sse(int tokens) {
  std::string s;
  for (int i = 0; i < tokens; ++i) {
    s += R"(data: {"choices":[{"index":0,"delta":{"content":"t"},"finish_reason":null}]})"
         "\n\n";
  }
  s += R"(data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})"
       "\n\n";
  s += R"(data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":)" + std::to_string(tokens) +
       R"(,"total_tokens":)" + std::to_string(tokens + 3) + "}}\n\ndata: [DONE]\n\n";
  return s;
}

std::string with_length(const std::string& body, const std::string& extra = {}) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

LevelRun run_against(const ScriptedServer& server, int requests) {
  CurlLibrary curl;
  Endpoint e;
  e.base_url = server.url();
  e.http_client = HttpClient::builtin;
  // Each test case runs with both ways of receiving (a second epoll run where io_uring is refused).
  e.io = GENERATE(IoMode::epoll, IoMode::io_uring);
  if (e.io == IoMode::io_uring && !Uring::available()) {
    e.io = IoMode::epoll;
  }
  UNSCOPED_INFO("io: " << (e.io == IoMode::epoll ? "epoll" : "io_uring"));
  e.idle_timeout_s = 5;
  Engine engine(curl, e);
  LoadLevel level;
  level.concurrency = 1;
  level.requests = requests;
  GenerationOptions g;
  g.model = "m";
  g.max_tokens = 4;
  Prompt p;
  p.text = "hello world";
  p.approx_tokens = 2;
  const std::string body = request_body(Api::openai_chat, p, g);
  return engine.run(Api::openai_chat, level, [&](std::int64_t) { return OutgoingRequest{body, 4, 2}; }, {}, 1);
}

} // namespace

TEST_CASE("built-in client: Content-Length, close-delimited and interim-1xx responses all stream", "[bench][http1]") {
  ScriptedServer server({
      {with_length(chat_sse(4))},
      {"HTTP/1.1 100 Continue\r\n\r\n" + with_length(chat_sse(4))},
      {"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + chat_sse(4), true}, // body ends at the close
  });
  const auto run = run_against(server, 3);
  REQUIRE(run.records.size() == 3);
  for (const auto& r : run.records) {
    INFO(r.index << ": " << r.error_message);
    CHECK(r.ok());
    CHECK(r.http_status == 200);
    CHECK(r.token_times.size() == 4);
    CHECK(*r.completion_tokens == 4);
  }
  CHECK(server.connections() == 1); // kept alive until the close-delimited body
}

TEST_CASE("built-in client: a response with Connection: close is complete, the next request opens anew", "[bench][http1]") {
  ScriptedServer server({{with_length(chat_sse(2), "Connection: close\r\n"), true}, {with_length(chat_sse(2))}});
  const auto run = run_against(server, 2);
  REQUIRE(run.records.size() == 2);
  CHECK(run.records[0].ok());
  CHECK(run.records[1].ok());
  CHECK(server.connections() == 2);
}

TEST_CASE("built-in client: a reply that is not HTTP, or nothing at all, is a transport error", "[bench][http1]") {
  ScriptedServer server({{"SSH-2.0-OpenSSH_9.2\r\n", true}, {"", true}});
  const auto run = run_against(server, 2);
  REQUIRE(run.records.size() == 2);
  CHECK(run.records[0].error == ErrorClass::transport);
  CHECK(run.records[0].error_message == "http: not an HTTP/1.x status line: 'SSH-2.0-OpenSSH_9.2'");
  CHECK(run.records[1].error == ErrorClass::transport);
  CHECK(run.records[1].error_message == "http: Empty reply from server");
}

TEST_CASE("built-in client: a body cut before its length is a truncated stream", "[bench][http1]") {
  const std::string full = with_length(chat_sse(4));
  ScriptedServer server({{full.substr(0, full.size() - 30), true}});
  const auto run = run_against(server, 1);
  REQUIRE(run.records.size() == 1);
  CHECK(run.records[0].error == ErrorClass::truncated);
  CHECK(run.records[0].error_message == "stream cut: http: transfer closed with outstanding read data remaining");
}
