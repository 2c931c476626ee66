// A fast streaming server for the client-overhead benchmark: one epoll thread, HTTP/1.1
// keep-alive, vLLM-shaped chat SSE chunks, either as fast as the socket takes them or
// paced at one event per stream per interval. It exists to load the client, so it does
// as little as possible per event (pre-formatted chunks, batched writes).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace tpuplan::perf {

class StreamServer {
public:
  /// `pace` = 0: write events as fast as possible; else one event per stream every `pace`.
  /// Listens on 127.0.0.1:`port` (0: a free port). Every GET gets a vLLM-shaped model list.
  explicit StreamServer(std::chrono::microseconds pace, int port = 0);
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  int port() const { return m_port; }
  /// Stops and joins the server thread (the destructor does it too).
  void stop();
  /// CPU time the server thread used over its life, ns (after stop()).
  std::int64_t cpu_ns() const { return m_cpu_ns.load(); }

private:
  void loop();

  std::chrono::microseconds m_pace;
  int m_listen_fd = -1;
  int m_epoll_fd = -1;
  int m_wake_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<std::int64_t> m_cpu_ns{0};
  std::thread m_thread;
};

} // namespace tpuplan::perf
