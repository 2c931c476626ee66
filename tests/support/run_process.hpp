// Runs a program with arguments and environment, capturing stdout, stderr and exit code.
#pragma once

#include <map>
#include <string>
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

/// Runs the tpuplan binary under test with NO_COLOR=1 and TPUPLAN_CONFIG unset.
ProcessResult run_tpuplan(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

/// The fixture data directory (tests/data/catalog) as a "--data DIR" argument pair.
std::vector<std::string> with_fixture_data(std::vector<std::string> args);

} // namespace tpuplan::test
