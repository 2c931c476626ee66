// Runs a program with arguments and environment, capturing stdout, stderr and exit code; or
// starts one in the background and waits for it, for a signal it was sent, or for a
// condition the test does not control the timing of. Shared by the CLI and realserver tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace tpuplan::test {

struct ProcessResult {
  std::string out;
  std::string err;
  int exit_code = -1;
};

/// Runs `argv[0]` with `argv`, stdin from /dev/null, the current environment plus `env`
/// (an empty value unsets the variable). Blocks until the process ends.
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

/// The tpuplan binary under test: TPUPLAN_TEST_BINARY from the environment, else the build's.
std::string tpuplan_binary();

/// The "today" of every CLI test (TPUPLAN_TODAY), so that price ages are deterministic.
inline constexpr const char* k_test_today = "2026-12-01";

/// Runs the tpuplan binary under test with NO_COLOR=1, TPUPLAN_CONFIG unset,
/// TPUPLAN_TODAY=k_test_today and COLUMNS unset (so tables fit 100 columns, as when piped),
/// each overridable through `env`.
ProcessResult run_tpuplan(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

/// The fixture data directory (tests/data/catalog) as a "--data DIR" argument pair.
std::vector<std::string> with_fixture_data(std::vector<std::string> args);

/// A fresh directory under the system's temporary directory for the files a test writes,
/// removed with its contents when the object goes.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  /// `name` inside the directory.
  std::string file(const std::string& name) const;

private:
  std::filesystem::path m_path;
};

/// The whole content of a file (empty when it cannot be read).
std::string slurp(const std::string& path);

/// Starts `argv[0]` with `argv` without waiting: stdin from /dev/null, stdout and stderr to
/// the files `out` and `err`, the current environment. Throws std::runtime_error when it
/// cannot be started.
pid_t spawn_process(const std::vector<std::string>& argv, const std::string& out, const std::string& err);

/// spawn_process() of the tpuplan binary under test with `args`.
pid_t spawn_tpuplan(const std::vector<std::string>& args, const std::string& out, const std::string& err);

/// Waits up to `limit` for `pid` to end; its exit code (128 + the signal when a signal ended
/// it) and, when `usage` is given, its resource use (peak RSS in ru_maxrss). Past `limit` it
/// kills and reaps the process and throws std::runtime_error ("still running after N s").
int wait_exit(pid_t pid, std::chrono::seconds limit, rusage* usage = nullptr);

/// Waits until `pid` has taken the signal `sig` sent to it, i.e. it is no longer pending
/// (standard signals do not queue: a second one sent while the first is pending would merge
/// with it). Throws std::runtime_error when it is still pending after `limit`.
void wait_signal_taken(pid_t pid, int sig, std::chrono::seconds limit = std::chrono::seconds(30));

/// Polls `condition` every `poll` until it holds: for events whose timing the test does not
/// control (no guessed delays). Throws std::runtime_error when it does not hold within `limit`.
template <typename F>
void wait_until(F condition, std::chrono::seconds limit = std::chrono::seconds(30),
                std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("the condition did not hold within " + std::to_string(limit.count()) + " s");
    }
    std::this_thread::sleep_for(poll);
  }
}

} // namespace tpuplan::test
