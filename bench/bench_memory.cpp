// Peak memory of `tpuplan bench` against the number of requests: a closed loop of 1,000 and of
// 100,000 requests against a local streaming server, each run as its own process, its peak
// resident set read from wait4's rusage (ru_maxrss). Memory must be bounded by the number of
// levels, not of requests: the 100,000-request run must stay within 2× of the 1,000-request
// one (exit 1 otherwise). Method and results: docs/performance.md, "bench memory".
//
// Usage: tpuplan_bench_memory [--tpuplan PATH] [--small N] [--large N] [--concurrency C]
//                             [--tokens T] [--requests-out yes|no]
#include "stream_server.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct Options {
  std::string tpuplan = TPUPLAN_BINARY;
  long small = 1000;
  long large = 100000;
  int concurrency = 16;
  int tokens = 32;
  bool requests_out = true;
};

struct Result {
  long max_rss_kib = 0;
  double wall_s = 0;
  double cpu_s = 0;
};

/// Runs one `tpuplan bench` of `requests` requests against `port`; its peak RSS and times.
Result run(const Options& o, int port, long requests) {
  const std::string out_file = "/tmp/tpuplan-bench-memory-" + std::to_string(getpid()) + ".jsonl";
  std::vector<std::string> args = {o.tpuplan, "bench", "--endpoint", "http://127.0.0.1:" + std::to_string(port),
                                   "--api", "openai-chat", "--model", "bench", "--no-metrics", "--no-ignore-eos",
                                   "--concurrency", std::to_string(o.concurrency), "--requests", std::to_string(requests),
                                   "--input-tokens", "16", "--output-tokens", std::to_string(o.tokens), "-q"};
  if (o.requests_out) {
    args.insert(args.end(), {"--requests-out", out_file});
  }
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, 0);
    dup2(null_fd, 1); // the report: not what is measured
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  Result r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
            static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  std::remove(out_file.c_str());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "tpuplan bench of " << requests << " requests failed (status " << status << ")\n";
    std::exit(2);
  }
  return r;
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--tpuplan") {
      o.tpuplan = value;
    } else if (flag == "--small") {
      o.small = std::stol(value);
    } else if (flag == "--large") {
      o.large = std::stol(value);
    } else if (flag == "--concurrency") {
      o.concurrency = std::stoi(value);
    } else if (flag == "--tokens") {
      o.tokens = std::stoi(value);
    } else if (flag == "--requests-out") {
      o.requests_out = value == "yes";
    } else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  // The server in a process of its own, so its memory is not the client's.
  int ports[2];
  if (pipe(ports) != 0) {
    return 2;
  }
  const pid_t server = fork();
  if (server == 0) {
    tpuplan::perf::StreamServer s(std::chrono::microseconds(0));
    const int port = s.port();
    if (write(ports[1], &port, sizeof port) != sizeof port) {
      _exit(1);
    }
    pause(); // until killed
    _exit(0);
  }
  int port = 0;
  if (read(ports[0], &port, sizeof port) != sizeof port) {
    return 2;
  }
  const Result small = run(o, port, o.small);
  const Result large = run(o, port, o.large);
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  const double ratio = static_cast<double>(large.max_rss_kib) / static_cast<double>(small.max_rss_kib);
  std::printf("closed loop, concurrency %d, %d output tokens per request, --requests-out %s\n", o.concurrency, o.tokens,
              o.requests_out ? "yes" : "no");
  std::printf("%9ld requests: peak RSS %7.1f MiB, %6.2f s wall, %6.2f s CPU\n", o.small, small.max_rss_kib / 1024.0,
              small.wall_s, small.cpu_s);
  std::printf("%9ld requests: peak RSS %7.1f MiB, %6.2f s wall, %6.2f s CPU\n", o.large, large.max_rss_kib / 1024.0,
              large.wall_s, large.cpu_s);
  std::printf("ratio %.2f (limit 2.00): %s\n", ratio, ratio <= 2.0 ? "ok" : "FAIL");
  return ratio <= 2.0 ? 0 : 1;
}
