// llama.cpp's real server (built by ../shared/tools/llama-server/build.sh, found through
// TPUPLAN_LLAMA_SERVER_DIR) for the integration tests: started on a free loopback port, ready
// once /health answers 200, and always killed — by the destructor, or by the kernel if the
// test process dies first (PR_SET_PDEATHSIG).
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace tpuplan::test {

class LlamaServer {
public:
  /// Starts `bin/llama-server -m tiny-llama.gguf --host 127.0.0.1 --port P --metrics -t 1 <flags>`
  /// from `dir` (default: TPUPLAN_LLAMA_SERVER_DIR) and waits for GET /health → 200.
  /// Throws std::runtime_error with the server's log when it does not come up.
  explicit LlamaServer(std::vector<std::string> flags, std::string dir = {});
  ~LlamaServer();
  LlamaServer(const LlamaServer&) = delete;
  LlamaServer& operator=(const LlamaServer&) = delete;

  std::string url() const;
  int port() const { return m_port; }
  pid_t pid() const { return m_pid; }
  /// SIGSTOP / SIGCONT: a server that stops answering, with its sockets open.
  void pause();
  void resume();
  /// SIGKILL and reap: connections are refused from now on.
  void kill_now();
  /// The value of a Prometheus sample of /metrics ("llamacpp:requests_processing"); -1 when
  /// the server does not answer or has no such sample.
  double metric(const std::string& name) const;
  /// The server's log so far.
  std::string log() const;

private:
  bool start_on(int port);

  std::string m_dir;
  std::vector<std::string> m_flags;
  std::string m_log;
  int m_port = 0;
  pid_t m_pid = -1;
  bool m_paused = false;
};

/// GET `path` from 127.0.0.1:`port` with a raw socket; the status (0 when nothing answered)
/// and the body.
std::pair<int, std::string> http_get(int port, const std::string& path, int timeout_ms = 2000);

/// A loopback port that was free a moment ago.
int free_port();

} // namespace tpuplan::test
