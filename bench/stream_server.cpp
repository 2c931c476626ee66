#include "stream_server.hpp"

#include <tpuplan/bench/clock.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace tpuplan::perf {

namespace {

/// One content chunk as vLLM's chat endpoint writes it (bench.md §B.1), framed as an HTTP
/// chunk: ~190 bytes, the size the client parses per token in real runs.
std::string chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

const std::string k_event = chunk(
    "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
    "\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"},\"logprobs\":null,"
    "\"finish_reason\":null}]}\n\n");
const std::string k_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

const std::string k_models =
    "{\"object\":\"list\",\"data\":[{\"id\":\"bench-model\",\"object\":\"model\",\"owned_by\":\"vllm\","
    "\"root\":\"bench-model\",\"max_model_len\":131072}]}";
const std::string k_get_reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(k_models.size()) + "\r\n\r\n" + k_models;

std::string tail(int tokens) {
  return chunk("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
               "\"delta\":{\"content\":\" end\"},\"finish_reason\":\"length\"}]}\n\n") +
         chunk("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
               "{\"prompt_tokens\":16,\"completion_tokens\":" + std::to_string(tokens) + ",\"total_tokens\":" +
               std::to_string(tokens + 16) + "}}\n\n") +
         chunk("data: [DONE]\n\n") + "0\r\n\r\n";
}

struct Conn {
  int fd = -1;
  std::string in;
  std::string out;
  std::size_t out_pos = 0;
  int events_left = -1;   // -1: no response in progress
  int tokens = 0;
  std::int64_t next_due = 0;
  bool want_write = false;
};

} // namespace

StreamServer::StreamServer(std::chrono::microseconds pace, int port) : m_pace(pace) {
  m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 4096) != 0) {
    throw std::runtime_error(std::string("stream server: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  m_port = ntohs(addr.sin_port);
  m_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  m_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = m_listen_fd;
  epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, m_listen_fd, &ev);
  ev.data.fd = m_wake_fd;
  epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, m_wake_fd, &ev);
  m_thread = std::thread([this] { loop(); });
}

StreamServer::~StreamServer() {
  stop();
  ::close(m_listen_fd);
  ::close(m_epoll_fd);
  ::close(m_wake_fd);
}

void StreamServer::stop() {
  if (m_stop.exchange(true)) {
    return;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(m_wake_fd, &one, sizeof one);
  m_thread.join();
}

void StreamServer::loop() {
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  const std::int64_t pace_ns = m_pace.count() * 1000;
  const auto set_events = [&](Conn& c, bool write) {
    if (c.want_write == write) {
      return;
    }
    c.want_write = write;
    epoll_event ev{};
    ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    epoll_ctl(m_epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  };
  const auto close_conn = [&](int fd) {
    epoll_ctl(m_epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
  };
  // Flushes buffered output; false when the peer is gone.
  const auto flush = [&](Conn& c) {
    while (c.out_pos < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) {
          set_events(c, true);
          return true;
        }
        return false;
      }
      c.out_pos += static_cast<std::size_t>(n);
    }
    c.out.clear();
    c.out_pos = 0;
    set_events(c, false);
    return true;
  };
  // Appends events: all that fit in ~64 KB unpaced, one when due when paced.
  const auto produce = [&](Conn& c, std::int64_t now) {
    if (c.events_left < 0) {
      return;
    }
    if (pace_ns == 0) {
      while (c.events_left > 0 && c.out.size() < 65536) {
        c.out += k_event;
        --c.events_left;
      }
    } else if (now >= c.next_due) {
      // Paced, the tail carries the last token: it is due a pace after the one before it.
      if (c.events_left > 0) {
        c.out += k_event;
        --c.events_left;
      } else {
        c.out += tail(c.tokens);
        c.events_left = -1;
      }
      c.next_due += pace_ns;
      return;
    }
    if (c.events_left == 0 && pace_ns == 0) {
      c.out += tail(c.tokens);
      c.events_left = -1;
    }
  };
  const auto on_request = [&](Conn& c, std::int64_t now) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos || c.events_left >= 0) {
      return;
    }
    std::size_t length = 0;
    if (const auto cl = c.in.find("Content-Length: "); cl != std::string::npos && cl < end) {
      length = std::strtoul(c.in.c_str() + cl + 16, nullptr, 10);
    }
    if (c.in.size() < end + 4 + length) {
      return;
    }
    const bool get = c.in.compare(0, 4, "GET ") == 0;
    const std::string body = c.in.substr(end + 4, length);
    c.in.erase(0, end + 4 + length);
    if (get) {
      // The probes of a whole client (`tpuplan bench`, `vllm bench serve`): a vLLM-shaped model
      // list for every GET (/v1/models, /health, /version), so either runs against this server.
      c.out += k_get_reply;
      return;
    }
    int tokens = 16;
    // tpuplan sends max_tokens, vLLM's chat client max_completion_tokens (with a space after the colon).
    if (const auto mt = body.find("\"max_tokens\":"); mt != std::string::npos) {
      tokens = std::atoi(body.c_str() + mt + 13);
    } else if (const auto mc = body.find("\"max_completion_tokens\":"); mc != std::string::npos) {
      tokens = std::atoi(body.c_str() + mc + 24);
    }
    c.tokens = tokens;
    c.events_left = tokens - 1; // the tail carries the last token
    c.next_due = now + pace_ns;
    c.out += k_head;
  };

  epoll_event events[512];
  while (!m_stop) {
    const int n = epoll_wait(m_epoll_fd, events, 512, pace_ns > 0 ? 1 : 100);
    const std::int64_t now = bench::now_ns();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == m_wake_fd) {
        continue;
      }
      if (fd == m_listen_fd) {
        while (true) {
          const int cfd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) {
            break;
          }
          const int one = 1;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto c = std::make_unique<Conn>();
          c->fd = cfd;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = cfd;
          epoll_ctl(m_epoll_fd, EPOLL_CTL_ADD, cfd, &ev);
          conns.emplace(cfd, std::move(c));
        }
        continue;
      }
      const auto it = conns.find(fd);
      if (it == conns.end()) {
        continue;
      }
      Conn& c = *it->second;
      if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        char buf[16384];
        bool gone = false;
        while (true) {
          const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            c.in.append(buf, static_cast<std::size_t>(r));
            continue;
          }
          gone = r == 0 || errno != EAGAIN;
          break;
        }
        if (gone) {
          close_conn(fd);
          continue;
        }
        on_request(c, now);
      }
      // Unpaced: keep producing until the socket pushes back (EAGAIN) or the stream ends.
      bool alive = true;
      do {
        produce(c, now);
        alive = flush(c);
      } while (alive && pace_ns == 0 && c.events_left >= 0 && c.out.empty());
      if (!alive) {
        close_conn(fd);
      }
    }
    if (pace_ns > 0) {
      // Paced streams: write whatever is due on this tick.
      std::vector<int> dead;
      for (auto& [fd, c] : conns) {
        if (c->events_left >= 0 && now >= c->next_due) {
          produce(*c, now);
          if (!flush(*c)) {
            dead.push_back(fd);
          }
        }
      }
      for (const int fd : dead) {
        close_conn(fd);
      }
    }
  }
  for (auto& [fd, c] : conns) {
    ::close(fd);
  }
  m_cpu_ns = bench::thread_cpu_ns();
}

} // namespace tpuplan::perf
