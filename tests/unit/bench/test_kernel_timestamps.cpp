// Token times are the kernel's receive times of the segments that carried them, even while the
// engine waits to gather many streams' events per wake-up. A loopback server paces each stream
// and notes the monotonic clock just before and just after every send(); on loopback the
// kernel stamps a segment inside the sender's send(), so each segment's receive time lies in
// its send's interval. Checked per token, against the server's intervals:
//  - no token is stamped before its segment was sent;
//  - the last token of each read (the tokens a read delivered share one time: TCP keeps the
//    receive time of the later segment when two wait in the socket together) is stamped within
//    50 µs of its send interval. A clock read as the read returns fails this as soon as the
//    loop has waited to gather events (it waits up to 1 ms), whatever the machine's load;
//  - the engine gathered: fewer wake-ups than reads.
// Each runs once with epoll and once with io_uring's multishot receives (where the kernel
// allows it), whose timestamps come in the receive buffers' control part.
// How many tokens merge with a later one depends on how long the client is kept off the CPU,
// so the p99 over all tokens is asserted only in the [perf] test (not run by the test command).
#include <tpuplan/bench/clock.hpp>
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/uring.hpp>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace tpuplan::bench;

namespace {

struct SendInterval {
  std::int64_t before = 0;
  std::int64_t after = 0;
};

std::string http_chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::string content_event(int i) {
  return http_chunk("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
                    "{\"content\":\" t" + std::to_string(i) + "\"},\"finish_reason\":null}]}\n\n");
}

/// Streams `tokens` content events per request, one every `pace`, on every connection at the
/// same moments (so many streams deliver at once), and records each send's interval by the
/// request's number (read from the prompt, "request-N").
class PacedServer {
public:
  PacedServer(int tokens, std::chrono::microseconds pace) : m_tokens(tokens), m_pace_ns(pace.count() * 1000) {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(m_listen, 128) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_epoch = now_ns();
    m_acceptor = std::thread([this] { accept_loop(); });
  }
  ~PacedServer() {
    m_stop = true;
    ::shutdown(m_listen, SHUT_RDWR);
    m_acceptor.join();
    for (auto& t : m_threads) {
      t.join();
    }
    ::close(m_listen);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  /// The send intervals by request, once `requests` have been served (the client may see a
  /// response end before the server's thread has noted its last send).
  std::map<std::int64_t, std::vector<SendInterval>> sends(std::size_t requests) const {
    std::unique_lock lock(m_mutex);
    m_noted.wait_for(lock, std::chrono::seconds(30), [&] { return m_sends.size() >= requests; });
    return m_sends;
  }

private:
  void accept_loop() {
    while (!m_stop) {
      const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        return;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      m_threads.emplace_back([this, fd] { serve(fd); });
    }
  }

  bool send_all(int fd, const std::string& bytes, SendInterval* interval) {
    const std::int64_t before = now_ns();
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    if (interval != nullptr) {
      *interval = {before, now_ns()};
    }
    return true;
  }

  void serve(int fd) {
    std::string in;
    char buf[4096];
    while (!m_stop) {
      std::size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(fd);
          return;
        }
        in.append(buf, static_cast<std::size_t>(n));
      }
      const auto cl = in.find("Content-Length: ");
      const std::size_t length = cl < head_end ? std::stoul(in.substr(cl + 16)) : 0;
      while (in.size() < head_end + 4 + length) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(fd);
          return;
        }
        in.append(buf, static_cast<std::size_t>(n));
      }
      const std::string body = in.substr(head_end + 4, length);
      in.erase(0, head_end + 4 + length);
      const auto marker = body.find("request-");
      const std::int64_t index = marker == std::string::npos ? -1 : std::stoll(body.substr(marker + 8));
      std::vector<SendInterval> intervals(static_cast<std::size_t>(m_tokens));
      if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
                    nullptr)) {
        break;
      }
      // Every stream sends token k at the same moment: the next multiple of the pace, then on.
      std::int64_t due = m_epoch + ((now_ns() - m_epoch) / m_pace_ns + 1) * m_pace_ns;
      bool ok = true;
      for (int k = 0; k < m_tokens && ok; ++k, due += m_pace_ns) {
        const timespec at{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
        std::string bytes = content_event(k);
        if (k + 1 == m_tokens) { // the last token and the end of the stream in one segment
          bytes += http_chunk("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
                              "{\"prompt_tokens\":4,\"completion_tokens\":" + std::to_string(m_tokens) +
                              ",\"total_tokens\":" + std::to_string(m_tokens + 4) + "}}\n\n") +
                   http_chunk("data: [DONE]\n\n") + "0\r\n\r\n";
        }
        ok = send_all(fd, bytes, &intervals[static_cast<std::size_t>(k)]);
      }
      if (!ok) {
        break;
      }
      {
        std::lock_guard lock(m_mutex);
        m_sends[index] = std::move(intervals);
      }
      m_noted.notify_all();
    }
    ::close(fd);
  }

  int m_tokens;
  std::int64_t m_pace_ns;
  int m_listen = -1;
  int m_port = 0;
  std::int64_t m_epoch = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_acceptor;
  std::vector<std::thread> m_threads;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_noted;
  std::map<std::int64_t, std::vector<SendInterval>> m_sends;
};

struct Deviations {
  std::vector<double> all_us;         ///< every token: distance of its time from its send interval
  std::vector<double> last_of_read_us; ///< the last token of each read
  std::int64_t early = 0;             ///< tokens stamped more than 50 µs before their send began
};

/// Runs `streams` × 2 requests against a paced server and compares every token's time with the
/// server's send interval of its segment.
Deviations measure(int streams, int tokens, std::chrono::microseconds pace, IoMode io, IoCounts* counts = nullptr,
                   std::string* source = nullptr) {
  PacedServer server(tokens, pace);
  const CurlLibrary curl;
  Endpoint e;
  e.base_url = server.url();
  e.io = io;
  Engine engine(curl, e);
  REQUIRE(engine.io() == (io == IoMode::epoll ? "epoll" : "io_uring"));
  GenerationOptions g;
  g.model = "m";
  g.max_tokens = tokens;
  const RequestSource requests = [&](std::int64_t i) {
    Prompt p;
    p.text = "request-" + std::to_string(i);
    return OutgoingRequest{request_body(Api::openai_chat, p, g), tokens, 4};
  };
  LoadLevel level;
  level.concurrency = streams;
  level.requests = 2 * streams;
  const LevelRun run = engine.run(Api::openai_chat, level, requests, {}, 1);
  if (counts != nullptr) {
    *counts = engine.io_counts();
  }
  if (source != nullptr) {
    *source = engine.timestamp_source();
  }
  Deviations d;
  REQUIRE(run.records.size() == static_cast<std::size_t>(2 * streams));
  const auto sends = server.sends(run.records.size());
  REQUIRE(sends.size() == run.records.size());
  for (const auto& r : run.records) {
    INFO("request " << r.index << ": " << r.error_message);
    REQUIRE(r.ok());
    REQUIRE(r.token_times.size() == static_cast<std::size_t>(tokens));
    const auto& intervals = sends.at(r.index);
    for (std::size_t k = 0; k < r.token_times.size(); ++k) {
      const std::int64_t t = r.token_times[k];
      const SendInterval& s = intervals[k];
      const double us = static_cast<double>(t < s.before ? s.before - t : t > s.after ? t - s.after : 0) / 1000.0;
      d.all_us.push_back(us);
      d.early += t < s.before - 50'000 ? 1 : 0;
      const bool last_of_read = k + 1 == r.token_times.size() || r.token_times[k + 1] != t;
      if (last_of_read) {
        d.last_of_read_us.push_back(us);
      }
    }
  }
  std::sort(d.all_us.begin(), d.all_us.end());
  std::sort(d.last_of_read_us.begin(), d.last_of_read_us.end());
  return d;
}

double p99(const std::vector<double>& sorted) {
  const double rank = 0.99 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}

/// The receive mechanism a test runs with: each once with epoll, once with io_uring where the
/// kernel allows it.
IoMode io_under_test() {
  IoMode io = GENERATE(IoMode::epoll, IoMode::io_uring);
  if (io == IoMode::io_uring && !Uring::available()) {
    io = IoMode::epoll;
  }
  UNSCOPED_INFO("io: " << (io == IoMode::epoll ? "epoll" : "io_uring"));
  return io;
}

} // namespace

TEST_CASE("token times are the kernel's receive times while the engine gathers wake-ups", "[bench]") {
  IoCounts counts;
  std::string source;
  const Deviations d = measure(16, 12, std::chrono::milliseconds(10), io_under_test(), &counts, &source);
  INFO("tokens " << d.all_us.size() << ", reads " << counts.reads << ", wake-ups " << counts.wakeups
                 << "; deviation p99 " << p99(d.all_us) << " us, max " << d.all_us.back()
                 << " us; last token of a read: max " << d.last_of_read_us.back() << " us");
  CHECK(source == "kernel");
  CHECK(counts.kernel_stamped == counts.reads);
  CHECK(counts.wakeups < counts.reads);
  CHECK(d.early == 0);
  CHECK(d.last_of_read_us.back() <= 50.0);
}

TEST_CASE("p99 of every token's distance from its kernel receive time is at most 50 us", "[perf]") {
  IoCounts counts;
  const Deviations d = measure(256, 50, std::chrono::milliseconds(20), io_under_test(), &counts);
  INFO("tokens " << d.all_us.size() << ", reads " << counts.reads << ", wake-ups " << counts.wakeups
                 << "; deviation p99 " << p99(d.all_us) << " us, max " << d.all_us.back() << " us");
  CHECK(d.early == 0);
  CHECK(p99(d.all_us) <= 50.0);
}
