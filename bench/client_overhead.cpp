// Client-overhead benchmark of tpuplan's bench engine: up to 1,000 concurrent streams over
// reused keep-alive connections against a local streaming server (stream_server.cpp), in two
// modes: events as fast as the server writes them, and paced at one event per stream every
// 20 ms. Measures the CPU time of the whole client process (getrusage(RUSAGE_SELF): user and
// system apart; the server is another process), not wall time, per stream event received, and
// the memory the run adds against the bytes of timestamps it must keep. Method and results:
// docs/performance.md, "bench client overhead".
//
// Usage: tpuplan_bench_client_overhead [--streams N] [--requests N] [--tokens N]
//                                      [--paced-tokens N] [--pace-ms X] [--mode unpaced|paced|both]
//                                      [--repeat N] [--pin yes|no] [--http-client auto|builtin|libcurl]
//                                      [--prompt-words N] [--io auto|epoll|io_uring]
//        tpuplan_bench_client_overhead --serve PORT [--pace-ms X] [--pin yes|no]
//   (the server alone on 127.0.0.1:PORT, paced at X ms, 0 = unpaced, until SIGINT/SIGTERM, for
//   `tpuplan bench` or `vllm bench serve` run as their own processes)
// The server runs in a child process; with --pin yes (default, on machines with 2+ CPUs)
// the client is pinned to CPU 0 and the server to CPU 1, so the kernel work of the server's
// sends is not charged to the client thread.
#include "stream_server.hpp"

#include <tpuplan/bench/clock.hpp>
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/protocol.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <csignal>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

struct Options {
  int streams = 1000;
  std::int64_t requests = 3000;
  int tokens = 200;        // unpaced: events per request
  int paced_tokens = 50;   // paced: events per request (1 s at 20 ms)
  double pace_ms = 20;
  int prompt_words = 32;
  std::string mode = "both";
  int repeat = 3;
  bool pin = true;
  tpuplan::bench::HttpClient http_client = tpuplan::bench::HttpClient::automatic;
  tpuplan::bench::IoMode io = tpuplan::bench::IoMode::automatic;
  int serve_port = -1; // --serve PORT: the server alone (0: a free port)
};

/// Resident and peak resident memory of the process, bytes (/proc/self/status).
std::pair<std::int64_t, std::int64_t> rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::int64_t rss = 0;
  std::int64_t hwm = 0;
  while (in >> key) {
    std::int64_t kb = 0;
    if (key == "VmRSS:" && in >> kb) {
      rss = kb * 1024;
    } else if (key == "VmHWM:" && in >> kb) {
      hwm = kb * 1024;
    }
  }
  return {rss, hwm};
}

/// User and system CPU time of the whole process, ns (getrusage RUSAGE_SELF).
std::pair<std::int64_t, std::int64_t> rusage_process_ns() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto ns = [](const timeval& tv) { return (static_cast<std::int64_t>(tv.tv_sec) * 1'000'000 + tv.tv_usec) * 1000; };
  return {ns(ru.ru_utime), ns(ru.ru_stime)};
}

/// Pins the calling process to one CPU when the machine has more than one, so the server's
/// loopback softirq work runs on its own CPU instead of being charged to the client thread.
void pin_to_cpu(int cpu) {
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
    return;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

/// The streaming server, in a child process so that its work never mixes with the
/// client's in profiles; it runs until the parent closes the pipe and reports its CPU time.
class ServerProcess {
public:
  ServerProcess(std::chrono::microseconds pace, bool pin) {
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      throw std::runtime_error("pipe failed");
    }
    m_pid = fork();
    if (m_pid == 0) {
      if (pin) {
        pin_to_cpu(1);
      }
      close(to_child[1]);
      close(from_child[0]);
      std::int64_t cpu = 0;
      {
        perf::StreamServer server(pace);
        const int port = server.port();
        [[maybe_unused]] auto w = write(from_child[1], &port, sizeof port);
        char c;
        while (read(to_child[0], &c, 1) > 0) {
        }
        server.stop();
        cpu = server.cpu_ns();
      }
      [[maybe_unused]] auto w = write(from_child[1], &cpu, sizeof cpu);
      _exit(0);
    }
    close(to_child[0]);
    close(from_child[1]);
    m_to_child = to_child[1];
    m_from_child = from_child[0];
    if (read(m_from_child, &m_port, sizeof m_port) != sizeof m_port) {
      throw std::runtime_error("stream server did not start");
    }
  }
  ~ServerProcess() { stop(); }
  int port() const { return m_port; }
  /// Stops the server; returns the CPU time of its event-loop thread, ns.
  std::int64_t stop() {
    if (m_pid > 0) {
      close(m_to_child);
      [[maybe_unused]] auto r = read(m_from_child, &m_cpu, sizeof m_cpu);
      close(m_from_child);
      waitpid(m_pid, nullptr, 0);
      m_pid = -1;
    }
    return m_cpu;
  }

private:
  pid_t m_pid = -1;
  int m_to_child = -1;
  int m_from_child = -1;
  int m_port = 0;
  std::int64_t m_cpu = 0;
};

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

/// Runs one mode once; returns the client process CPU per event, µs.
double run_mode(const CurlLibrary& curl, const Options& o, bool paced) {
  const int tokens = paced ? o.paced_tokens : o.tokens;
  auto server = std::make_unique<ServerProcess>(
      paced ? std::chrono::microseconds(static_cast<long>(o.pace_ms * 1000)) : std::chrono::microseconds(0), o.pin);
  Endpoint e;
  e.base_url = "http://127.0.0.1:" + std::to_string(server->port());
  e.http_client = o.http_client;
  e.io = o.io;
  Engine engine(curl, e);
  GenerationOptions g;
  g.model = "bench-model";
  g.max_tokens = tokens;
  Prompt p;
  static const char* const k_words[] = {"the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"};
  for (int i = 0; i < o.prompt_words; ++i) {
    p.text += (i > 0 ? " " : "") + std::string(k_words[i % 9]);
  }
  const std::string body = request_body(Api::openai_chat, p, g);
  const RequestSource source = [&](std::int64_t) { return OutgoingRequest{body, tokens, o.prompt_words}; };
  LoadLevel level;
  level.concurrency = o.streams;
  level.requests = o.requests;

  // Warm-up: open every connection once, so the measured run reuses them.
  LoadLevel warm = level;
  warm.requests = o.streams;
  engine.run(Api::openai_chat, warm, source, {}, 1);

  const std::string load_before = load_average();
  const auto [rss_before, hwm_before] = rss_bytes();
  const IoCounts io0 = engine.io_counts();
  const std::int64_t cpu0 = thread_cpu_ns();
  const auto [user0, sys0] = rusage_process_ns();
  const std::int64_t wall0 = now_ns();
  const LevelRun run = engine.run(Api::openai_chat, level, source, {}, 2);
  const std::int64_t wall = now_ns() - wall0;
  const std::int64_t cpu = thread_cpu_ns() - cpu0;
  const auto [user1, sys1] = rusage_process_ns();
  const IoCounts io1 = engine.io_counts();
  const std::int64_t user = user1 - user0;
  const std::int64_t sys = sys1 - sys0;
  const auto [rss_after, hwm_after] = rss_bytes();
  const std::int64_t server_cpu = server->stop();

  std::int64_t events = 0;
  std::int64_t ok = 0;
  std::int64_t timestamp_bytes = 0;
  std::vector<double> tpot_ms;
  for (const auto& r : run.records) {
    events += r.events;
    ok += r.ok() ? 1 : 0;
    timestamp_bytes += static_cast<std::int64_t>(r.token_times.capacity() * sizeof(std::int64_t) +
                                                 r.chunk_tokens.capacity() * sizeof(std::uint32_t));
    const std::int64_t n = r.completion_tokens.value_or(0);
    if (r.ok() && n > 1 && r.first_token_ns > 0) {
      tpot_ms.push_back(static_cast<double>(r.end_ns - r.first_token_ns) / static_cast<double>(n - 1) / 1e6);
    }
  }
  std::sort(tpot_ms.begin(), tpot_ms.end());
  const double per_event_us = static_cast<double>(user + sys) / static_cast<double>(events) / 1000.0;
  const auto per_event = [&](std::int64_t ns) { return static_cast<double>(ns) / static_cast<double>(events) / 1000.0; };
  std::printf("%-8s streams=%d requests=%lld ok=%lld events=%lld tokens/request=%d prompt=%d words%s\n",
              paced ? "paced" : "unpaced", o.streams, static_cast<long long>(o.requests), static_cast<long long>(ok),
              static_cast<long long>(events), tokens, o.prompt_words,
              paced ? (" pace=" + std::to_string(o.pace_ms) + "ms").c_str() : "");
  std::printf("  load average %s; io %s%s, token times from %s\n", load_before.c_str(), engine.io().c_str(),
              engine.io_fallback().empty() ? "" : (" (" + engine.io_fallback() + ")").c_str(),
              engine.timestamp_source().c_str());
  std::printf("  client process CPU: user %.3f s + system %.3f s over %.3f s wall (client thread %.3f s); "
              "server thread CPU (whole life) %.3f s\n",
              static_cast<double>(user) / 1e9, static_cast<double>(sys) / 1e9, static_cast<double>(wall) / 1e9,
              static_cast<double>(cpu) / 1e9, static_cast<double>(server_cpu) / 1e9);
  std::printf("  client process CPU per event: %.3f us (user %.3f, system %.3f)   events/s: %.0f\n", per_event_us,
              per_event(user), per_event(sys), static_cast<double>(events) / (static_cast<double>(wall) / 1e9));
  std::printf("  wake-ups %lld, reads %lld, %lld with a kernel timestamp (%.1f events per wake-up, %.2f per read)\n",
              static_cast<long long>(io1.wakeups - io0.wakeups), static_cast<long long>(io1.reads - io0.reads), static_cast<long long>(io1.kernel_stamped - io0.kernel_stamped),
              static_cast<double>(events) / static_cast<double>(std::max<std::int64_t>(1, io1.wakeups - io0.wakeups)),
              static_cast<double>(events) / static_cast<double>(std::max<std::int64_t>(1, io1.reads - io0.reads)));
  if (!tpot_ms.empty()) {
    const double median = tpot_ms[tpot_ms.size() / 2];
    std::printf("  TPOT median %.3f ms, min %.3f, max %.3f", median, tpot_ms.front(), tpot_ms.back());
    if (paced) {
      std::printf(" (server pace %.3f ms: %+.2f%%)", o.pace_ms, (median / o.pace_ms - 1) * 100);
    }
    std::printf("\n");
  }
  std::printf("  RSS %.1f -> %.1f MiB (peak %.1f MiB); records hold %.1f MiB of timestamps (%.1f bytes/event)\n",
              static_cast<double>(rss_before) / 1048576.0, static_cast<double>(rss_after) / 1048576.0,
              static_cast<double>(std::max(hwm_after, hwm_before)) / 1048576.0,
              static_cast<double>(timestamp_bytes) / 1048576.0,
              static_cast<double>(timestamp_bytes) / static_cast<double>(events));
  return per_event_us;
}

void run_repeated(const CurlLibrary& curl, const Options& o, bool paced) {
  std::vector<double> runs;
  for (int i = 0; i < o.repeat; ++i) {
    runs.push_back(run_mode(curl, o, paced));
  }
  std::sort(runs.begin(), runs.end());
  std::printf("%s: client process CPU per event over %d runs: min %.3f us, median %.3f us, max %.3f us\n\n",
              paced ? "paced" : "unpaced", o.repeat, runs.front(), runs[runs.size() / 2], runs.back());
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--streams") {
      o.streams = std::stoi(value);
    } else if (flag == "--requests") {
      o.requests = std::stoll(value);
    } else if (flag == "--tokens") {
      o.tokens = std::stoi(value);
    } else if (flag == "--paced-tokens") {
      o.paced_tokens = std::stoi(value);
    } else if (flag == "--pace-ms") {
      o.pace_ms = std::stod(value);
    } else if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--repeat") {
      o.repeat = std::max(1, std::stoi(value));
    } else if (flag == "--prompt-words") {
      o.prompt_words = std::max(1, std::stoi(value));
    } else if (flag == "--pin") {
      o.pin = value != "no";
    } else if (flag == "--serve") {
      o.serve_port = std::stoi(value);
    } else if (flag == "--io") {
      o.io = value == "epoll" ? IoMode::epoll : value == "io_uring" ? IoMode::io_uring : IoMode::automatic;
    } else if (flag == "--http-client") {
      o.http_client = value == "builtin" ? HttpClient::builtin : value == "libcurl" ? HttpClient::libcurl : HttpClient::automatic;
    } else {
      std::cerr << "unknown flag " << flag << '\n';
      return 2;
    }
  }
  const std::int64_t files = raise_open_file_limit();
  if (files < 2 * o.streams + 64) {
    std::cerr << "open-file limit " << files << " is too low for " << o.streams << " streams (client + server)\n";
    return 1;
  }
  const CurlLibrary curl;
  if (o.serve_port >= 0) {
    // The server alone, for whole clients run as their own processes (docs/performance.md):
    // until SIGINT or SIGTERM, then its thread's CPU time.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr); // before the server thread starts: it inherits the mask
    if (o.pin) {
      pin_to_cpu(1);
    }
    perf::StreamServer server(std::chrono::microseconds(static_cast<long>(o.pace_ms * 1000)), o.serve_port);
    std::printf("serving on http://127.0.0.1:%d (pace %.3f ms; 0 = unpaced)\n", server.port(), o.pace_ms);
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    server.stop();
    std::printf("server thread CPU %.3f s\n", static_cast<double>(server.cpu_ns()) / 1e9);
    return 0;
  }
  if (o.pin) {
    pin_to_cpu(0);
  }
  {
    Endpoint e;
    e.base_url = "http://127.0.0.1:1";
    e.http_client = o.http_client;
    std::printf("client: %s (libcurl %s loaded)\n", Engine(curl, e).http_client().c_str(), curl.version().c_str());
  }
  if (o.mode == "unpaced" || o.mode == "both") {
    run_repeated(curl, o, false);
  }
  if (o.mode == "paced" || o.mode == "both") {
    run_repeated(curl, o, true);
  }
  return 0;
}
