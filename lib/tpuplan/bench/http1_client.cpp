#include <tpuplan/bench/clock.hpp>
#include <tpuplan/bench/http1_client.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace tpuplan::bench {

namespace {

/// Bytes read per recv(): a paced stream delivers one ~200-byte event per read, an unpaced
/// one many; the socket stays readable (level-triggered) when more is pending.
constexpr std::size_t k_read_buffer = 64 * 1024;
constexpr std::uint64_t k_slot_mask = 0xFFFF'FFFFu;
constexpr std::uint32_t k_generation_mask = 0x7FFF'FFFFu;

std::string error_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Asks the kernel to stamp the socket's received segments (SO_TIMESTAMPNS); false when refused.
bool enable_timestamps(int fd) {
  const int on = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0;
}

/// Whether a received segment carried the kernel's timestamp (an SCM_TIMESTAMPNS message);
/// if so, stores it (CLOCK_REALTIME, ns) in `realtime`.
bool kernel_timestamp(msghdr& msg, std::int64_t& realtime) {
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS && cm->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
      realtime = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
      return true;
    }
  }
  return false;
}

/// Switches the kernel's receive timestamps on and returns a socket that keeps them on (-1 when
/// the kernel refuses). The first socket of a system to ask switches them on for the whole
/// network stack, which the kernel may do a moment later (a deferred static-key flip); so a
/// loopback connection sends itself a byte until it arrives stamped (at most 50 ms), and the
/// first segments of the run are stamped like every later one.
int hold_timestamps_on() {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int server = -1;
  bool stamped = false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const timeval limit{0, 100'000};
  if (listener >= 0 && client >= 0 && enable_timestamps(client) &&
      ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(listener, 1) == 0 &&
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0 &&
      ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      (server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC)) >= 0) {
    for (int attempt = 0; attempt < 200 && !stamped; ++attempt) {
      char byte = 'x';
      if (::send(server, &byte, 1, MSG_NOSIGNAL) != 1) {
        break;
      }
      iovec iov{&byte, 1};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      if (::recvmsg(client, &msg, 0) != 1) {
        break;
      }
      std::int64_t realtime = 0;
      stamped = kernel_timestamp(msg, realtime);
      if (!stamped) {
        const timespec pause{0, 250'000};
        nanosleep(&pause, nullptr);
      }
    }
  }
  for (const int fd : {listener, server}) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  if (!stamped && client >= 0) {
    ::close(client);
    return -1;
  }
  return client;
}

} // namespace

void KernelClock::sync() {
  std::int64_t best = -1;
  for (int i = 0; i < 3; ++i) {
    const std::int64_t m1 = now_ns();
    const std::int64_t r = realtime_ns();
    const std::int64_t m2 = now_ns();
    if (best < 0 || m2 - m1 < best) {
      best = m2 - m1;
      m_offset_ns = r - m1 - (m2 - m1) / 2;
    }
    if (best < 2000) {
      break; // read within 2 µs: good to 1 µs
    }
  }
}

struct Http1Client::Conn {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0; // changes with every socket, so stale epoll events are ignored
  int fd = -1;
  std::uint32_t watched = 0;    // epoll events registered; 0 = not registered
  void* user = nullptr;
  bool busy = false;            // carries an exchange
  bool connected = false;       // the current socket's TCP handshake completed
  bool ever_connected = false;  // for the current exchange
  bool reused = false;          // the exchange went out on a connection that carried another
  bool retried = false;
  bool stamped = false;         // the socket asked for kernel receive timestamps
  bool armed = false;           // the ring's multishot receive runs on the socket
  std::int64_t started_ns = 0;  // the exchange began (no byte of it arrived earlier)
  std::size_t base = 0;         // the address tried first (the preferred one when it started)
  std::size_t attempt = 0;      // how many addresses after `base` the current socket is
  std::int64_t connect_deadline = 0;
  std::string out;
  std::size_t out_sent = 0;
  Http1ResponseParser parser;
  // A failure found inside start(), reported by report_deferred().
  CURLcode deferred_result = CURLE_OK;
  int deferred_errno = 0;
  std::string deferred_detail;
};

class Http1Client::Sink final : public Http1Sink {
public:
  Sink(Http1Events& events, void* user, std::int64_t now) : m_events(events), m_user(user), m_now(now) {}
  void header_line(std::string_view line) override { m_events.on_header(m_user, line, m_now); }
  bool body(std::string_view data) override { return m_events.on_body(m_user, data, m_now); }

private:
  Http1Events& m_events;
  void* m_user;
  std::int64_t m_now;
};

Http1Client::Http1Client(int epoll_fd, std::uint64_t epoll_tag, std::string host, std::string port,
                         double connect_timeout_s, Http1Events& events, Uring* ring)
    : m_epoll_fd(epoll_fd), m_tag(epoll_tag), m_host(std::move(host)), m_port(port.empty() ? "80" : std::move(port)),
      m_connect_timeout_ns(static_cast<std::int64_t>(connect_timeout_s * 1e9)), m_events(events), m_ring(ring),
      m_buffer(ring != nullptr ? 0 : k_read_buffer) {
  if (m_host.size() >= 2 && m_host.front() == '[' && m_host.back() == ']') {
    m_host = m_host.substr(1, m_host.size() - 2);
  }
  m_stamp_fd = hold_timestamps_on();
  m_kernel_timestamps = m_stamp_fd >= 0;
  m_clock.sync();
}

Http1Client::~Http1Client() {
  for (auto& c : m_conns) {
    close_socket(c);
  }
  if (m_stamp_fd >= 0) {
    ::close(m_stamp_fd);
  }
}

bool Http1Client::resolve() {
  if (m_resolved) {
    return !m_addresses.empty();
  }
  m_resolved = true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* list = nullptr;
  const int rc = getaddrinfo(m_host.c_str(), m_port.c_str(), &hints, &list);
  if (rc != 0) {
    m_resolve_error = fmt::format("Could not resolve host: {} ({})", m_host, gai_strerror(rc));
    return false;
  }
  for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen <= sizeof(sockaddr_storage)) {
      Address address;
      std::memcpy(&address.addr, a->ai_addr, a->ai_addrlen);
      address.len = a->ai_addrlen;
      m_addresses.push_back(address);
    }
  }
  freeaddrinfo(list);
  if (m_addresses.empty()) {
    m_resolve_error = fmt::format("Could not resolve host: {} (no TCP address)", m_host);
  }
  return !m_addresses.empty();
}

std::string Http1Client::connect_failure(int err) const {
  return fmt::format("Failed to connect to {} port {}: {}", m_host, m_port, error_text(err));
}

std::uint64_t Http1Client::data_of(const Conn& c) const {
  return m_tag | (static_cast<std::uint64_t>(c.generation) << 32) | c.slot;
}

void Http1Client::watch(Conn& c, std::uint32_t events) {
  if (m_ring != nullptr && (events & EPOLLIN) != 0) {
    // The ring receives: epoll keeps only what it must (a send waiting for room).
    events &= ~static_cast<std::uint32_t>(EPOLLIN);
    if (!c.armed && c.fd >= 0) {
      arm(c);
    }
  }
  if (c.fd < 0 || c.watched == events) {
    return;
  }
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = data_of(c);
  epoll_ctl(m_epoll_fd, events == 0 ? EPOLL_CTL_DEL : c.watched == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
  c.watched = events;
}

void Http1Client::arm(Conn& c) {
  m_ring->arm_receive(c.fd, data_of(c));
  c.armed = true;
}

void Http1Client::close_socket(Conn& c) {
  if (c.armed) {
    // The receive holds the socket open until it is cancelled (with the next wait); its
    // completions then carry a past generation and are dropped.
    m_ring->cancel(data_of(c), 0);
    c.armed = false;
  }
  if (c.fd >= 0) {
    ::close(c.fd); // also leaves the epoll set (the descriptor is not shared)
  }
  c.fd = -1;
  c.watched = 0;
  c.connected = false;
  c.generation = (c.generation + 1) & k_generation_mask;
}

void Http1Client::release(Conn& c) {
  close_socket(c);
  c.busy = false;
  c.user = nullptr;
  c.out.clear();
  m_free.push_back(c.slot);
}

bool Http1Client::connect_from(Conn& c, std::size_t from) {
  const std::size_t n = m_addresses.size();
  int last_error = ECONNREFUSED;
  if (from == 0) {
    c.base = m_preferred;
  }
  for (c.attempt = from; c.attempt < n; ++c.attempt) {
    const Address& a = m_addresses[(c.base + c.attempt) % n];
    const int fd = ::socket(a.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    const int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    c.stamped = m_kernel_timestamps && enable_timestamps(fd);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0 || errno == EINPROGRESS) {
      c.fd = fd;
      c.connected = false;
      watch(c, EPOLLOUT); // writable = connected (or failed: SO_ERROR says which)
      return true;
    }
    last_error = errno;
    ::close(fd);
  }
  c.deferred_detail = connect_failure(last_error);
  return false;
}

std::uint32_t Http1Client::start(std::string_view head, std::string_view body, void* user, std::int64_t now) {
  Conn* c = nullptr;
  if (!m_idle.empty()) {
    c = &m_conns[m_idle.back()];
    m_idle.pop_back();
    c->reused = true;
  } else if (!m_free.empty()) {
    c = &m_conns[m_free.back()];
    m_free.pop_back();
    c->reused = false;
  } else {
    c = &m_conns.emplace_back();
    c->slot = static_cast<std::uint32_t>(m_conns.size() - 1);
  }
  c->user = user;
  c->busy = true;
  c->retried = false;
  c->out.clear();
  http1_append_request(c->out, head, body);
  c->out_sent = 0;
  c->parser.reset();
  c->deferred_result = CURLE_OK;
  c->deferred_errno = 0;
  c->connect_deadline = now + m_connect_timeout_ns;
  c->started_ns = now;
  if (c->fd >= 0) {
    c->ever_connected = true;
    send_pending(*c);
    if (c->deferred_errno != 0) {
      m_deferred.push_back(c->slot);
    }
  } else {
    c->ever_connected = false;
    if (!resolve()) {
      c->deferred_result = CURLE_COULDNT_RESOLVE_HOST;
      c->deferred_detail = m_resolve_error;
      m_deferred.push_back(c->slot);
    } else if (!connect_from(*c, 0)) {
      c->deferred_result = CURLE_COULDNT_CONNECT;
      m_deferred.push_back(c->slot);
    }
  }
  return c->slot;
}

void Http1Client::send_pending(Conn& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      c.deferred_errno = n < 0 ? errno : EPIPE;
      return;
    }
  }
  // Read while a large request is still going out: a server may answer early (413, 400).
  watch(c, c.out_sent < c.out.size() ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

void Http1Client::report_deferred(std::int64_t now) {
  std::vector<std::uint32_t> slots;
  slots.swap(m_deferred);
  for (const std::uint32_t slot : slots) {
    Conn& c = m_conns[slot];
    if (!c.busy) {
      continue; // cancelled meanwhile
    }
    if (c.deferred_errno != 0) {
      const int err = c.deferred_errno;
      c.deferred_errno = 0;
      if (!retry_fresh(c)) {
        end(c, CURLE_SEND_ERROR, "Send failure: " + error_text(err), false, now);
      }
    } else {
      const std::string detail = c.deferred_detail;
      end(c, c.deferred_result, detail, false, now);
    }
  }
}

bool Http1Client::retry_fresh(Conn& c) {
  // Only a request that got no byte back on a reused connection: the server closed the idle
  // connection as it was being sent, so nothing of this request was processed. libcurl
  // does the same.
  if (!c.reused || c.retried || c.parser.bytes_seen() != 0) {
    return false;
  }
  close_socket(c);
  c.reused = false;
  c.retried = true;
  c.ever_connected = false;
  c.out_sent = 0;
  c.parser.reset();
  c.connect_deadline = now_ns() + m_connect_timeout_ns;
  if (!connect_from(c, 0)) {
    c.deferred_result = CURLE_COULDNT_CONNECT;
    m_deferred.push_back(c.slot);
  }
  return true;
}

void Http1Client::ready(std::uint64_t data, std::uint32_t epoll_events) {
  const auto slot = static_cast<std::uint32_t>(data & k_slot_mask);
  if (slot >= m_conns.size()) {
    return;
  }
  Conn& c = m_conns[slot];
  if (c.fd < 0 || ((data >> 32) & k_generation_mask) != c.generation) {
    return; // an event of a socket closed earlier in the same batch
  }
  if (!c.busy) {
    // An idle connection is readable only when the server closed it (or sent junk): drop it.
    m_idle.erase(std::find(m_idle.begin(), m_idle.end(), c.slot));
    release(c);
    return;
  }
  if (!c.connected) {
    if ((epoll_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
      return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
      err = errno;
    } else if (err == 0 && (epoll_events & (EPOLLERR | EPOLLHUP)) != 0) {
      err = ECONNREFUSED;
    }
    if (err != 0) {
      close_socket(c);
      if (!connect_from(c, c.attempt + 1)) {
        end(c, CURLE_COULDNT_CONNECT, c.deferred_detail, false, now_ns());
      }
      return;
    }
    c.connected = true;
    c.ever_connected = true;
    m_preferred = (c.base + c.attempt) % m_addresses.size();
  }
  if (c.out_sent < c.out.size()) {
    send_pending(c);
    if (c.deferred_errno != 0) {
      const int err = c.deferred_errno;
      c.deferred_errno = 0;
      if (!retry_fresh(c)) {
        end(c, CURLE_SEND_ERROR, "Send failure: " + error_text(err), false, now_ns());
      }
      return;
    }
  }
  if (m_ring == nullptr && (epoll_events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
    receive(c); // with a ring, bytes and errors arrive as its completions
  }
}

void Http1Client::completion(const UringCompletion& done, std::int64_t now) {
  const UringReceive r = done.res >= 0 ? m_ring->receive(done) : UringReceive{};
  const auto slot = static_cast<std::uint32_t>(done.user_data & k_slot_mask);
  Conn* cp = slot < m_conns.size() ? &m_conns[slot] : nullptr;
  if (cp == nullptr || cp->fd < 0 || !cp->armed || ((done.user_data >> 32) & k_generation_mask) != cp->generation) {
    if (r.buffer >= 0) {
      m_ring->recycle(r.buffer); // a receive of a socket closed meanwhile
    }
    return;
  }
  Conn& c = *cp;
  const bool more = done.res >= 0 && (done.flags & Uring::k_more) != 0;
  if (!more) {
    c.armed = false; // the kernel ended this receive
  }
  if (done.res < 0) {
    if (done.res == Uring::k_no_buffers) {
      arm(c); // every buffer was in use: goes out again with the next wait, after the recycles
    } else if (c.busy) {
      closed(c, -done.res, now);
    } else {
      m_idle.erase(std::find(m_idle.begin(), m_idle.end(), c.slot));
      release(c);
    }
    return;
  }
  if (!c.busy) {
    // An idle connection receives only when the server closed it (or sent junk): drop it.
    if (r.buffer >= 0) {
      m_ring->recycle(r.buffer);
    }
    m_idle.erase(std::find(m_idle.begin(), m_idle.end(), c.slot));
    release(c);
    return;
  }
  if (r.payload.empty()) {
    if (r.buffer >= 0) {
      m_ring->recycle(r.buffer);
    }
    closed(c, 0, now); // the end of the stream (or a completion without bytes)
    return;
  }
  std::int64_t at = now;
  if (c.stamped && r.stamped) {
    at = m_clock.monotonic(r.realtime_ns, c.started_ns, now);
    ++m_counts.kernel_stamped;
  }
  ++m_counts.reads;
  const std::uint32_t generation = c.generation;
  deliver(c, r.payload.data(), r.payload.size(), at);
  m_ring->recycle(r.buffer);
  if (!more && c.fd >= 0 && c.generation == generation && !c.armed) {
    arm(c); // the kernel stopped receiving though the socket is open: go on
  }
}

void Http1Client::receive(Conn& c) {
  iovec iov{m_buffer.data(), m_buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (c.stamped) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  const ssize_t n = ::recvmsg(c.fd, &msg, 0);
  const std::int64_t now = now_ns();
  if (n > 0) {
    std::int64_t at = now;
    std::int64_t realtime = 0;
    if (c.stamped && kernel_timestamp(msg, realtime)) {
      // The segment that completed this read arrived after the exchange began and before now.
      at = m_clock.monotonic(realtime, c.started_ns, now);
      ++m_counts.kernel_stamped;
    }
    ++m_counts.reads;
    deliver(c, m_buffer.data(), static_cast<std::size_t>(n), at);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return;
  }
  closed(c, n < 0 ? errno : 0, now);
}

void Http1Client::deliver(Conn& c, const char* data, std::size_t n, std::int64_t at) {
  Sink sink(m_events, c.user, at);
  const std::size_t used = c.parser.feed(std::string_view(data, n), sink);
  if (c.parser.failed()) {
    if (c.parser.error().empty()) {
      end(c, CURLE_WRITE_ERROR, "Failure writing output to destination", false, at);
    } else {
      end(c, CURLE_WEIRD_SERVER_REPLY, c.parser.error(), false, at);
    }
  } else if (c.parser.done()) {
    // Bytes after the response were not asked for: the connection is not reused.
    const bool keep = c.parser.keep_alive() && used == n && c.out_sent == c.out.size();
    end(c, CURLE_OK, {}, keep, at);
  }
}

void Http1Client::closed(Conn& c, int err, std::int64_t now) {
  if (c.parser.bytes_seen() == 0 && retry_fresh(c)) {
    return;
  }
  if (err == 0 && c.parser.close()) {
    end(c, CURLE_OK, {}, false, now);
  } else if (c.parser.bytes_seen() == 0) {
    end(c, err != 0 ? CURLE_RECV_ERROR : CURLE_GOT_NOTHING,
        err != 0 ? "Recv failure: " + error_text(err) : std::string("Empty reply from server"), false, now);
  } else if (err != 0) {
    end(c, CURLE_RECV_ERROR, "Recv failure: " + error_text(err), false, now);
  } else {
    end(c, CURLE_PARTIAL_FILE, "transfer closed with outstanding read data remaining", false, now);
  }
}

bool Http1Client::cancel(std::uint32_t slot) {
  if (slot >= m_conns.size() || !m_conns[slot].busy) {
    return false;
  }
  const bool connected = m_conns[slot].ever_connected;
  release(m_conns[slot]);
  return connected;
}

void Http1Client::expire_connects(std::int64_t now) {
  for (auto& c : m_conns) {
    if (c.busy && !c.connected && c.fd >= 0 && now >= c.connect_deadline) {
      end(c, CURLE_OPERATION_TIMEDOUT,
          fmt::format("Connection timed out after {} milliseconds", m_connect_timeout_ns / 1'000'000), false, now);
    }
  }
}

void Http1Client::end(Conn& c, CURLcode result, std::string_view detail, bool keep, std::int64_t now) {
  void* user = c.user;
  const bool connected = c.ever_connected;
  if (keep) {
    c.busy = false;
    c.user = nullptr;
    c.out.clear();
    watch(c, EPOLLIN); // an idle connection's only news is its close
    m_idle.push_back(c.slot);
  } else {
    release(c);
  }
  m_events.on_end(user, result, detail, connected, now);
}

} // namespace tpuplan::bench
