// The io_uring the built-in client receives with (uring.hpp), on loopback TCP connections:
// multishot receives deliver the bytes with the kernel's receive timestamp, stay armed, end
// without buffers and resume when re-armed, and report the peer's close; and where the kernel
// refuses io_uring (a seccomp filter answering EPERM, as container runtimes do) an engine
// asked for it receives with epoll and says why.
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/uring.hpp>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstddef>
#include <ctime>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace tpuplan::bench;

namespace {

/// A connected loopback TCP pair: `client` asks for receive timestamps.
struct Pair {
  int client = -1;
  int server = -1;
  Pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    REQUIRE(setsockopt(client, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0);
    REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(server >= 0);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::close(listener);
  }
  ~Pair() {
    for (const int fd : {client, server}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  void send(const std::string& bytes) const {
    REQUIRE(::send(server, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
};

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// An engine with the built-in client, kept for a test's length: it switches the kernel's receive
/// timestamps on for the whole network stack and waits until they are (a deferred static-key
/// flip, http1_client.cpp), so the pairs' first segments are stamped too.
struct StampingOn {
  const CurlLibrary curl;
  const Engine engine{curl, endpoint()};
  static Endpoint endpoint() {
    Endpoint e;
    e.base_url = "http://127.0.0.1:1";
    e.http_client = HttpClient::builtin;
    e.io = IoMode::epoll;
    return e;
  }
};

/// Waits (up to 5 s in all) until `want` completions have come; returns them.
std::vector<UringCompletion> collect(Uring& ring, std::size_t want) {
  std::vector<UringCompletion> out;
  for (int i = 0; i < 500 && out.size() < want; ++i) {
    ring.wait(10'000'000);
    ring.drain([&](const UringCompletion& c) { out.push_back(c); });
  }
  return out;
}

} // namespace

TEST_CASE("io_uring: a multishot receive delivers each segment with its kernel receive time and stays armed",
          "[bench][uring]") {
  std::string why;
  if (!Uring::available(&why)) {
    WARN("io_uring not available here (" << why << "): the engine uses epoll; nothing to check");
    return;
  }
  const StampingOn stamping;
  REQUIRE(stamping.engine.timestamp_source() != "user");
  auto ring = Uring::open(8, 4096, &why);
  REQUIRE(ring);
  Pair p;
  ring->arm_receive(p.client, 42);
  ring->wait(0); // submitted: the receive is armed before anything is sent
  for (int i = 0; i < 3; ++i) {
    const std::int64_t before = realtime_ns();
    p.send("segment " + std::to_string(i));
    const std::int64_t after = realtime_ns();
    const auto got = collect(*ring, 1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].user_data == 42);
    REQUIRE(got[0].res > 0);
    const UringReceive r = ring->receive(got[0]);
    CHECK(r.payload == "segment " + std::to_string(i));
    CHECK(r.more);
    REQUIRE(r.stamped);
    // On loopback the kernel stamps the segment inside the sender's send().
    CHECK(r.realtime_ns >= before);
    CHECK(r.realtime_ns <= after);
    ring->recycle(r.buffer);
  }
  // The peer's close: an empty receive, and the request ends.
  ::shutdown(p.server, SHUT_WR);
  const auto end = collect(*ring, 1);
  REQUIRE(end.size() == 1);
  const UringReceive r = ring->receive(end[0]);
  CHECK(r.payload.empty());
  CHECK_FALSE(r.more);
  if (r.buffer >= 0) {
    ring->recycle(r.buffer);
  }
}

TEST_CASE("io_uring: a receive that finds no buffer ends, and the bytes wait for it to be re-armed", "[bench][uring]") {
  if (!Uring::available()) {
    return; // reported by the test above
  }
  std::string why;
  const StampingOn stamping;
  auto ring = Uring::open(2, 4096, &why); // two buffers for three sockets
  REQUIRE(ring);
  Pair a, b, c;
  const std::vector<const Pair*> pairs{&a, &b, &c};
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    ring->arm_receive(pairs[i]->client, i);
  }
  ring->wait(0);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    pairs[i]->send("to " + std::to_string(i));
  }
  auto got = collect(*ring, 3);
  REQUIRE(got.size() == 3);
  std::map<std::uint64_t, std::string> received;
  std::uint64_t starved = 99;
  std::vector<int> buffers;
  for (const auto& done : got) {
    if (done.res == Uring::k_no_buffers) {
      CHECK((done.flags & Uring::k_more) == 0);
      starved = done.user_data;
    } else {
      REQUIRE(done.res > 0);
      const UringReceive r = ring->receive(done);
      received[done.user_data] = std::string(r.payload);
      buffers.push_back(r.buffer);
    }
  }
  REQUIRE(starved < 3);
  CHECK(received.size() == 2);
  for (const int buffer : buffers) {
    ring->recycle(buffer);
  }
  ring->arm_receive(pairs[starved]->client, starved);
  got = collect(*ring, 1);
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].res > 0);
  const UringReceive r = ring->receive(got[0]);
  CHECK(got[0].user_data == starved);
  CHECK(r.payload == "to " + std::to_string(starved));
  CHECK(r.stamped);
}

TEST_CASE("io_uring: where the kernel refuses it an engine asked for it receives with epoll and says why", "[bench][uring]") {
  // In a child process, a seccomp filter makes io_uring_setup fail with EPERM (what Docker's
  // default profile and io_uring_disabled=2 give), then the engine is built as bench builds it.
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
      _exit(10);
    }
    int code = 0;
    std::string why;
    if (Uring::available(&why) || why != "io_uring_setup: Operation not permitted") {
      code |= 1;
    }
    const CurlLibrary curl;
    Endpoint e;
    e.base_url = "http://127.0.0.1:1";
    e.io = IoMode::io_uring;
    {
      const Engine engine(curl, e);
      if (engine.io() != "epoll" || engine.io_fallback() != "io_uring_setup: Operation not permitted") {
        code |= 2;
      }
    }
    e.io = IoMode::automatic;
    {
      const Engine engine(curl, e); // epoll without asking the kernel: nothing to report
      if (engine.io() != "epoll" || !engine.io_fallback().empty()) {
        code |= 4;
      }
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  INFO("child exit code (bits: 1 Uring::available, 2 the engine with --io io_uring, 4 with auto; 10 no seccomp)");
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("io_uring: the engine names its receive mechanism", "[bench][uring]") {
  const CurlLibrary curl;
  Endpoint e;
  e.base_url = "http://127.0.0.1:1";
  e.io = IoMode::epoll;
  CHECK(Engine(curl, e).io() == "epoll");
  CHECK(Engine(curl, e).io_fallback().empty());
  e.io = IoMode::automatic;
  CHECK(Engine(curl, e).io() == "epoll");
  e.io = IoMode::io_uring;
  CHECK(Engine(curl, e).io() == (Uring::available() ? "io_uring" : "epoll"));
  e.http_client = HttpClient::libcurl;
  CHECK(Engine(curl, e).io() == "libcurl");
}
