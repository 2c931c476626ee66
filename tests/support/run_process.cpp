#include "run_process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tpuplan::test {

namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) {
      merged[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& [k, v] : env) {
    if (v.empty()) {
      merged.erase(k);
    } else {
      merged[k] = v;
    }
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : merged) {
    out.push_back(k + "=" + v);
  }
  return out;
}

} // namespace

std::string tpuplan_binary() {
  // TPUPLAN_TEST_BINARY runs the tests against another build (e.g. to see that a new test
  // fails on an older one).
  const char* other = std::getenv("TPUPLAN_TEST_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(TPUPLAN_BINARY);
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);

  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  const auto env_strings = merged_environment(env);
  std::vector<char*> envp;
  for (const auto& e : env_strings) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error(std::string("cannot start ") + argv[0] + ": " + std::strerror(rc));
  }

  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        const ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          sinks[i]->append(buf, static_cast<std::size_t>(n));
        } else {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ProcessResult run_tpuplan(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {tpuplan_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto full_env = env;
  full_env.emplace("NO_COLOR", "1");
  full_env.emplace("TPUPLAN_CONFIG", "");
  full_env.emplace("TPUPLAN_TODAY", k_test_today); // price ages never depend on the clock
  full_env.emplace("COLUMNS", ""); // tables fit 100 columns unless a test says otherwise
  return run_process(argv, full_env);
}

std::vector<std::string> with_fixture_data(std::vector<std::string> args) {
  args.push_back("--data");
  args.push_back(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog");
  return args;
}

TempDir::TempDir() {
  static int n = 0;
  m_path = std::filesystem::temp_directory_path() / ("tpuplan-test-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(m_path); // left by an earlier process of the same pid
  std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

std::string TempDir::file(const std::string& name) const { return (m_path / name).string(); }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t spawn_process(const std::vector<std::string>& argv, const std::string& out, const std::string& err) {
  std::vector<char*> cargs;
  for (const auto& a : argv) {
    cargs.push_back(const_cast<char*>(a.c_str()));
  }
  cargs.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(rc));
  }
  return pid;
}

pid_t spawn_tpuplan(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  std::vector<std::string> argv = {tpuplan_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_process(argv, out, err);
}

int wait_exit(pid_t pid, std::chrono::seconds limit, rusage* usage) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  rusage ru{};
  pid_t done = 0;
  while ((done = wait4(pid, &status, WNOHANG, &ru)) == 0 || (done < 0 && errno == EINTR)) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      throw std::runtime_error("process " + std::to_string(pid) + " still running after " +
                               std::to_string(limit.count()) + " s (killed)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5)); // polling for its end, not a guessed delay
  }
  if (done < 0) {
    throw std::runtime_error("wait4(" + std::to_string(pid) + ") failed: " + std::strerror(errno));
  }
  if (usage != nullptr) {
    *usage = ru;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void wait_signal_taken(pid_t pid, int sig, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    unsigned long long pending = 0;
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("SigPnd:", 0) == 0 || line.rfind("ShdPnd:", 0) == 0) {
        pending |= std::stoull(line.substr(7), nullptr, 16);
      }
    }
    if ((pending & (1ULL << (sig - 1))) == 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error("signal " + std::to_string(sig) + " still pending in process " + std::to_string(pid) +
                           " after " + std::to_string(limit.count()) + " s");
}

} // namespace tpuplan::test
