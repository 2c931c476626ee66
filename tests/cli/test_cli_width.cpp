// Tables fit the terminal: every command's default table in 100 columns (COLUMNS=100, as when
// piped), the width of a real terminal (a pseudo-terminal's TIOCGWINSZ), the note naming what
// was hidden, --wide, --columns, and CSV/JSON left as they are.
#include "fake_server.hpp"
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

using namespace tpuplan::test;

extern char** environ;

namespace {

const std::string k_data = TPUPLAN_TEST_DATA_DIR;
const std::map<std::string, std::string> k_100 = {{"COLUMNS", "100"}};

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char ch : s) {
    n += (ch & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

/// The lines of the tables (titles, headers, rows): not the notes, the assumptions or the
/// arithmetic of --explain, which are prose the terminal wraps.
std::vector<std::string> table_lines(const std::string& out) {
  std::vector<std::string> lines;
  bool prose = false;
  bool in_note = false; // a note wraps onto lines indented under its text
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    end = end == std::string::npos ? out.size() : end;
    std::string line = out.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line == "Assumptions:" || line == "How these figures are computed:") {
      prose = true;
    } else if (line.empty()) {
      prose = false;
    } else if (line.rfind("note: ", 0) == 0) {
      in_note = true;
    } else if (in_note && line.rfind("      ", 0) == 0) {
      continue;
    } else if (!prose) {
      in_note = false;
      lines.push_back(line);
    }
  }
  return lines;
}

/// Every table line of `r` fits `width` columns, and there is a table.
void check_fits(const ProcessResult& r, std::size_t width = 100) {
  INFO(r.out);
  INFO(r.err);
  const auto lines = table_lines(r.out);
  REQUIRE(lines.size() >= 2);
  for (const auto& line : lines) {
    INFO(line);
    CHECK(code_points(line) <= width);
  }
}

ProcessResult run100(std::vector<std::string> args) { return run_tpuplan(with_fixture_data(std::move(args)), k_100); }

} // namespace

TEST_CASE("cost's default table fits 100 columns, with and without a load", "[cli][width]") {
  const auto r = run100({"cost", "--model", "70b"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
  CHECK(r.out.find("note: 4 columns hidden to fit 100 columns: region, cheapest_tier, output_tokens_per_s,\n"
                   "      figures") != std::string::npos);
  // The error band's $/1M ends stay (docs/cli.md, `tpuplan cost`).
  CHECK(r.out.find("$/1M") != std::string::npos);
  CHECK(r.out.find(" high\n") != std::string::npos);
  // A hidden column is gone from the table, not only named.
  for (const auto& line : table_lines(r.out)) {
    CHECK(line.find("us-central1") == std::string::npos);
  }
  const auto load = run100({"cost", "--model", "70b", "--rate", "5", "--tpot-ms", "50"});
  REQUIRE(load.exit_code == 0);
  check_fits(load);
  CHECK(load.out.find("replicas") != std::string::npos);
}

TEST_CASE("size's default table fits 100 columns", "[cli][width]") {
  const auto r = run100({"size", "--model", "8b", "--rate", "20", "--tpot-ms", "50", "--precision", "any"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
}

TEST_CASE("estimate's default table fits 100 columns", "[cli][width]") {
  const auto r = run100({"estimate", "--model", "70b", "--accelerator", "h100", "--chips", "8"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
}

TEST_CASE("breakeven's tables fit 100 columns, the api and buy tables too", "[cli][width]") {
  const auto r = run100({"breakeven", "--model", "70b"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
  const auto all = run100({"breakeven", "--model", "70b", "--hours", "1..24:6", "--rate", "2",
                           "--api-usd-per-million-tokens", "2", "--buy", k_data + "/breakeven/buy.yaml"});
  REQUIRE(all.exit_code == 0);
  check_fits(all);
  CHECK(all.out.find("\nBuy") != std::string::npos);
}

TEST_CASE("plan's tables fit 100 columns", "[cli][width]") {
  const auto r = run100({"plan", "--model", "70b", "--rate", "5"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
}

TEST_CASE("catalog's list and show fit 100 columns", "[cli][width]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"catalog"}, {"catalog", "show", "v5e-8"}, {"catalog", "show", "h100"}}) {
    const auto r = run100(args);
    REQUIRE(r.exit_code == 0);
    check_fits(r);
  }
}

TEST_CASE("models' list and show fit 100 columns", "[cli][width]") {
  for (const auto& args : std::vector<std::vector<std::string>>{{"models"}, {"models", "show", "70b"}}) {
    const auto r = run100(args);
    REQUIRE(r.exit_code == 0);
    check_fits(r);
  }
}

TEST_CASE("validate's problems fit 100 columns: the problem and the hint wrap, never go", "[cli][width]") {
  const auto r = run100({"validate", k_data + "/validate/broken-price-sheet.yaml"});
  REQUIRE(r.exit_code == 2);
  check_fits(r);
  CHECK(r.out.find("unknown key") != std::string::npos);
  CHECK(r.out.find("'reserved'") != std::string::npos);
  CHECK(r.out.find("1 column hidden to fit 100 columns: key_path") != std::string::npos);
}

TEST_CASE("version's table fits 100 columns", "[cli][width]") {
  const auto r = run100({"version"});
  REQUIRE(r.exit_code == 0);
  check_fits(r);
}

TEST_CASE("health's table fits 100 columns", "[cli][width]") {
  FakeServer server{FakeServerOptions{}};
  TempDir dir;
  const std::string config = dir.file("config.yaml");
  {
    std::ofstream out(config);
    out << "version: 1\nbackends:\n  - name: a-backend-with-a-rather-long-name\n    type: gpu\n    endpoint: "
        << server.url() << "\n";
  }
  const auto r = run_tpuplan({"health", "--config", config}, k_100);
  check_fits(r);
}

TEST_CASE("bench's tables fit 100 columns", "[cli][width]") {
  FakeServerOptions o;
  o.ttft = std::chrono::microseconds(1000);
  o.token_interval = std::chrono::microseconds(200);
  FakeServer server(o);
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--concurrency", "1,2", "--requests", "2",
                              "--output-tokens", "3", "--input-tokens", "10", "--no-metrics"},
                             k_100);
  REQUIRE(r.exit_code == 0);
  check_fits(r);
}

TEST_CASE("a table fits COLUMNS, and --wide shows every column whatever the width", "[cli][width]") {
  const auto narrow = run_tpuplan(with_fixture_data({"cost", "--model", "70b"}), {{"COLUMNS", "70"}});
  REQUIRE(narrow.exit_code == 0);
  check_fits(narrow, 70);
  const auto wide = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--wide"}), {{"COLUMNS", "70"}});
  REQUIRE(wide.exit_code == 0);
  CHECK(wide.out.find("hidden") == std::string::npos);
  CHECK(wide.out.find("$/h on-demand") != std::string::npos); // a wide-only column
  CHECK(wide.out.find("us-central1") != std::string::npos);   // the region, hidden at 70 and 100
}

TEST_CASE("the columns flag shows exactly the keys named, in their order, commas and repeats alike", "[cli][width]") {
  const auto r = run100({"cost", "--model", "70b", "--columns", "offering,usd_per_month_3y", "--columns", "chips"});
  REQUIRE(r.exit_code == 0);
  const auto lines = table_lines(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[1] == "offering     $/month 3y  chips");
  CHECK(lines[2] == "v5p-8                 -      4");
  CHECK(r.out.find("hidden") == std::string::npos);
}

TEST_CASE("the columns flag with a key no table has is a usage error with a suggestion", "[cli][width]") {
  const auto r = run100({"cost", "--model", "70b", "--columns", "offering,usd_per_month_3yy"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "tpuplan: error: --columns: no column 'usd_per_month_3yy' in this output; did you mean "
                 "'usd_per_month_3y'?\n");
}

TEST_CASE("CSV and JSON do not depend on the width", "[cli][width]") {
  for (const std::string format : {"csv", "json"}) {
    const auto narrow = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--format", format}), {{"COLUMNS", "40"}});
    const auto wide = run_tpuplan(with_fixture_data({"cost", "--model", "70b", "--format", format}), {{"COLUMNS", "400"}});
    REQUIRE(narrow.exit_code == 0);
    CHECK(narrow.out == wide.out);
    CHECK(narrow.out.find("usd_per_million_output_tokens_spot") != std::string::npos);
  }
}

TEST_CASE("on a terminal the table fits the terminal's width, not COLUMNS", "[cli][width]") {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  const std::string slave = ptsname(master);
  winsize ws{};
  ws.ws_col = 80;
  ws.ws_row = 24;
  REQUIRE(ioctl(master, TIOCSWINSZ, &ws) == 0);
  const int slave_fd = open(slave.c_str(), O_RDWR | O_NOCTTY);
  REQUIRE(slave_fd >= 0);

  std::vector<std::string> args = {tpuplan_binary(), "--data", k_data + "/catalog", "cost", "--model", "70b"};
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"NO_COLOR=1", "COLUMNS=300", "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (auto& e : env_strings) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, slave_fd, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(slave_fd); // the child holds the only copy: reading the master ends with EIO when it exits
  REQUIRE(rc == 0);
  std::string out;
  char buf[4096];
  while (true) {
    const ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break; // EIO: no process holds the slave any more
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ProcessResult r;
  r.out = out;
  check_fits(r, 80);
  CHECK(out.find("to fit 80 columns") != std::string::npos);
}
