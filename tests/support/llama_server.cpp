#include "llama_server.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace tpuplan::test {

namespace {

/// How long a server may take to load the tiny model and answer /health (a fresh, loaded
/// machine is slow; a healthy start takes well under a second).
constexpr auto k_start_limit = std::chrono::seconds(120);

std::string default_dir() {
  if (const char* d = std::getenv("TPUPLAN_LLAMA_SERVER_DIR"); d != nullptr && *d != '\0') {
    return d;
  }
#ifdef TPUPLAN_LLAMA_SERVER_DIR
  return TPUPLAN_LLAMA_SERVER_DIR;
#else
  return {};
#endif
}

} // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::pair<int, std::string> http_get(int port, const std::string& path, int timeout_ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {0, {}};
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[8192];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      continue;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12) {
    return {0, {}};
  }
  const int status = std::atoi(reply.c_str() + 9);
  const auto body = reply.find("\r\n\r\n");
  return {status, body == std::string::npos ? std::string() : reply.substr(body + 4)};
}

LlamaServer::LlamaServer(std::vector<std::string> flags, std::string dir)
    : m_dir(dir.empty() ? default_dir() : std::move(dir)), m_flags(std::move(flags)) {
  if (m_dir.empty() || ::access((m_dir + "/bin/llama-server").c_str(), X_OK) != 0) {
    throw std::runtime_error("llama-server is not built in '" + m_dir +
                             "': run ../shared/tools/llama-server/build.sh (scripts/test.sh does)");
  }
  // A port can be taken between free_port() and the server's bind: then it exits, and the
  // next port is tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (start_on(free_port())) {
      return;
    }
  }
  throw std::runtime_error("llama-server did not start; its log:\n" + log());
}

bool LlamaServer::start_on(int port) {
  m_port = port;
  char log_template[] = "/tmp/tpuplan-llama-server-XXXXXX";
  const int log_fd = ::mkstemp(log_template);
  m_log = log_template;
  std::vector<std::string> argv = {m_dir + "/bin/llama-server", "-m", m_dir + "/tiny-llama.gguf", "--host", "127.0.0.1",
                                   "--port", std::to_string(port), "--metrics", "-t", "1"};
  argv.insert(argv.end(), m_flags.begin(), m_flags.end());
  std::vector<char*> cargs;
  for (auto& a : argv) {
    cargs.push_back(a.data());
  }
  cargs.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child dies with the test process, whatever ends it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::close(log_fd);
  m_pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + k_start_limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1; // exited: port taken, or a bad flag
      return false;
    }
    if (http_get(port, "/health", 500).first == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // poll until /health says ready
  }
  kill_now();
  return false;
}

LlamaServer::~LlamaServer() {
  if (m_pid > 0) {
    if (m_paused) {
      ::kill(m_pid, SIGCONT);
    }
    ::kill(m_pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(m_pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!m_log.empty()) {
    ::unlink(m_log.c_str());
  }
}

std::string LlamaServer::url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

void LlamaServer::pause() {
  ::kill(m_pid, SIGSTOP);
  m_paused = true;
}

void LlamaServer::resume() {
  ::kill(m_pid, SIGCONT);
  m_paused = false;
}

void LlamaServer::kill_now() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
  }
}

double LlamaServer::metric(const std::string& name) const {
  const auto [status, body] = http_get(m_port, "/metrics");
  if (status != 200) {
    return -1;
  }
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) {
      return std::atof(line.c_str() + name.size() + 1);
    }
  }
  return -1;
}

std::string LlamaServer::log() const {
  std::ifstream in(m_log);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace tpuplan::test
