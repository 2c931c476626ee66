// The built-in HTTP/1.1 client of the load generator, for plain-http endpoints: keep-alive
// connections to one host and port, driven by the engine's epoll loop. Per received event it
// costs one recvmsg() and a parse, where libcurl's multi interface adds its socket-hash, timer
// and state-machine bookkeeping and a poll() (docs/performance.md, "bench client overhead").
// Every socket asks the kernel for the receive time of its segments (SO_TIMESTAMPNS), and the
// bytes of a read are stamped with that time, not with the clock when the read returned: the
// engine may then wait a little to gather many streams' events per wake-up without moving any
// token's time. With an io_uring (uring.hpp) the sockets are not read one by one: each has a
// multishot recvmsg armed, the kernel receives into the ring's buffers, timestamp included,
// while the engine waits, and the engine hands the completions to completion(); epoll then
// only carries connects and sends that did not fit the socket buffer. TLS, proxies and
// redirects stay with libcurl; the engine chooses (Endpoint::http_client).
#pragma once

#include <tpuplan/bench/http1.hpp>
#include <tpuplan/bench/uring.hpp>

#include <curl/curl.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

namespace tpuplan::bench {

/// What the client reports about an exchange; `user` is what start() was given.
class Http1Events {
public:
  virtual ~Http1Events() = default;
  virtual void on_header(void* user, std::string_view line, std::int64_t now) = 0;
  /// Body bytes (transfer coding removed); false aborts the exchange (CURLE_WRITE_ERROR).
  virtual bool on_body(void* user, std::string_view data, std::int64_t now) = 0;
  /// The exchange is over: CURLE_OK with a complete response, or the libcurl code of the
  /// equivalent failure (so one classifier serves both clients) and a one-line detail.
  /// `connected`: a TCP connection was established for it.
  virtual void on_end(void* user, CURLcode result, std::string_view detail, bool connected, std::int64_t now) = 0;
};

/// How many reads delivered bytes of an exchange, and how many of them carried the kernel's
/// receive timestamp (the others were stamped with the monotonic clock as the read returned).
struct Http1ReadCounts {
  std::int64_t reads = 0;
  std::int64_t kernel_stamped = 0;
};

/// Converts the kernel's receive timestamps (CLOCK_REALTIME) to CLOCK_MONOTONIC, the clock of
/// every other time the bench module takes. sync() measures the offset between the two clocks
/// (a monotonic reading on either side of a realtime one, the tightest of up to three tries);
/// the engine calls it once per wake-up, so a step of the realtime clock is followed within a
/// wake-up.
class KernelClock {
public:
  void sync();
  /// `realtime_ns` (a kernel timestamp) on the monotonic clock, clamped into [lo, hi].
  std::int64_t monotonic(std::int64_t realtime_ns, std::int64_t lo, std::int64_t hi) const {
    const std::int64_t t = realtime_ns - m_offset_ns;
    return t < lo ? lo : t > hi ? hi : t;
  }

private:
  std::int64_t m_offset_ns = 0; // realtime − monotonic
};

/// Connections to one origin. Not thread-safe; every callback runs inside ready() or
/// report_deferred(), never inside start().
class Http1Client {
public:
  /// `epoll_tag` is or-ed into the epoll data of this client's sockets (the engine routes
  /// events whose data has it to ready()); the low 32 bits carry the connection's slot.
  /// `ring` (null: read with recvmsg on readiness) receives instead; its completions whose
  /// user data has the tag go to completion(), and the client's cancellations carry user data 0.
  Http1Client(int epoll_fd, std::uint64_t epoll_tag, std::string host, std::string port, double connect_timeout_s,
              Http1Events& events, Uring* ring = nullptr);
  ~Http1Client();
  Http1Client(const Http1Client&) = delete;
  Http1Client& operator=(const Http1Client&) = delete;

  /// Sends a request — `head` (http1_request_head), Content-Length and `body` — on an idle
  /// kept-alive connection, or on a new one. Returns the exchange's handle for cancel().
  std::uint32_t start(std::string_view head, std::string_view body, void* user, std::int64_t now);
  /// Handles epoll readiness; `data` is the event's epoll data (tag, generation, slot).
  void ready(std::uint64_t data, std::uint32_t epoll_events);
  /// Handles a completion of the ring's receives; `now` is when the wait for it returned.
  void completion(const UringCompletion& c, std::int64_t now);
  /// Ends an exchange without a callback and closes its connection (abandoned, timed out);
  /// returns whether a TCP connection was up for it.
  bool cancel(std::uint32_t slot);
  /// Fails exchanges whose connection is not up after the connect timeout.
  void expire_connects(std::int64_t now);
  /// Reports failures found inside start() (name resolution, socket errors).
  void report_deferred(std::int64_t now);
  bool has_deferred() const { return !m_deferred.empty(); }
  /// Call once per wake-up, before handing this client its ready sockets.
  void sync_clock() { m_clock.sync(); }
  const Http1ReadCounts& read_counts() const { return m_counts; }
  /// Whether sockets ask for kernel receive timestamps (false where the kernel refused).
  bool kernel_timestamps() const { return m_kernel_timestamps; }

private:
  struct Address {
    sockaddr_storage addr{};
    socklen_t len = 0;
  };
  struct Conn;
  class Sink;

  bool resolve();
  /// Opens a socket to address `from` or a later one; false when none could be started.
  bool connect_from(Conn& c, std::size_t from);
  /// Sends what is left of the request; a failure is left in the connection's deferred_errno.
  void send_pending(Conn& c);
  void receive(Conn& c);
  /// Arms the ring's multishot receive on the connection's socket.
  void arm(Conn& c);
  std::uint64_t data_of(const Conn& c) const;
  /// Hands `n` bytes, which arrived at `at`, to the exchange's parser.
  void deliver(Conn& c, const char* data, std::size_t n, std::int64_t at);
  /// A read of the exchange found the end of the stream (`err` 0) or failed (`err` an errno).
  void closed(Conn& c, int err, std::int64_t now);
  /// Ends the exchange; with `keep` the connection goes back to the idle list.
  void end(Conn& c, CURLcode result, std::string_view detail, bool keep, std::int64_t now);
  /// A reused connection that died before any reply: the request goes out again on a new one.
  bool retry_fresh(Conn& c);
  void watch(Conn& c, std::uint32_t events);
  void close_socket(Conn& c);
  void release(Conn& c);
  std::string connect_failure(int err) const;

  int m_epoll_fd;
  std::uint64_t m_tag;
  std::string m_host; // as in the URL, brackets of an IPv6 literal removed
  std::string m_port;
  std::int64_t m_connect_timeout_ns;
  Http1Events& m_events;
  Uring* m_ring;
  bool m_resolved = false;
  std::string m_resolve_error;
  std::vector<Address> m_addresses;
  std::size_t m_preferred = 0; // the address that last accepted a connection
  std::deque<Conn> m_conns;    // stable addresses; slots reused through m_free
  std::vector<std::uint32_t> m_free;
  std::vector<std::uint32_t> m_idle;
  std::vector<std::uint32_t> m_deferred;
  std::vector<char> m_buffer;
  KernelClock m_clock;
  Http1ReadCounts m_counts;
  bool m_kernel_timestamps = true;
  int m_stamp_fd = -1; // holds the kernel's receive timestamping on (see the constructor)
};

} // namespace tpuplan::bench
