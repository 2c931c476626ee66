#include <tpuplan/detail/files.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using tpuplan::Error;
using namespace tpuplan::detail;

namespace {

/// A fresh directory, removed with its contents.
struct Dir {
  Dir() {
    static int n = 0;
    p = std::filesystem::temp_directory_path() / ("tpuplan-files-" + std::to_string(getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
  }
  ~Dir() { std::filesystem::remove_all(p); }
  const std::filesystem::path& path() const { return p; }
  std::string file(const std::string& name) const { return (p / name).string(); }
  std::filesystem::path p;
};

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

TEST_CASE("OutputFile writes through a fresh, unpredictable temporary name and renames it", "[files]") {
  Dir dir;
  const std::filesystem::path target = dir.file("out.json");
  {
    OutputFile a(target, "-o");
    OutputFile b(target, "-o");
    const auto names = names_in(dir.path());
    REQUIRE(names.size() == 2); // two temporary files, two different names
    for (const auto& n : names) {
      CHECK(n.rfind(".out.json.tmp-", 0) == 0);
      CHECK(n.size() == std::string(".out.json.tmp-").size() + 16);
    }
    a.write("first");
    a.commit();
  } // b never committed: removed
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out.json"});
  CHECK(slurp(target) == "first");
}

TEST_CASE("check_output_path refuses what is not a regular file or a new name", "[files]") {
  Dir dir;
  CHECK_NOTHROW(check_output_path(dir.file("new"), "-o"));
  CHECK_THROWS_WITH(check_output_path(dir.path(), "-o"), Catch::Contains("is a directory"));
  CHECK_THROWS_WITH(check_output_path("/dev/null", "-o"), Catch::Contains("is a device"));
  std::filesystem::create_symlink(dir.file("elsewhere"), dir.file("link"));
  CHECK_THROWS_WITH(check_output_path(dir.file("link"), "--save"), Catch::Contains("--save: '") && Catch::Contains("is a symbolic link"));
  CHECK_THROWS_WITH(check_output_path(dir.file("no/such/file"), "-o"), Catch::Contains("does not exist"));
}

TEST_CASE("read_input_file reads regular files only, up to a cap, without blocking on a FIFO", "[files]") {
  Dir dir;
  std::ofstream(dir.file("a.txt")) << "hello";
  CHECK(read_input_file(dir.file("a.txt"), "--config") == "hello");
  CHECK_THROWS_WITH(read_input_file(dir.file("a.txt"), "--config", 4), Catch::Contains("is 5 bytes; the limit is 4"));
  CHECK_THROWS_WITH(read_input_file(dir.path(), "--config"), Catch::Contains("is a directory"));
  CHECK_THROWS_WITH(read_input_file("/dev/zero", "--config"), Catch::Contains("is a device"));
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(read_input_file(dir.file("fifo"), "--config"), Catch::Contains("is a FIFO"));
  CHECK_THROWS_WITH(read_input_file(dir.file("missing"), "--config"), Catch::Contains("cannot read"));
}

TEST_CASE("check_input_file accepts a regular file and names what else it was given", "[files]") {
  Dir dir;
  std::ofstream(dir.file("a.jsonl")) << "{}\n";
  CHECK_NOTHROW(check_input_file(dir.file("a.jsonl"), "--dataset"));
  CHECK_THROWS_WITH(check_input_file(dir.path(), "--dataset"), Catch::Contains("is a directory; give a regular file"));
  CHECK_THROWS_WITH(check_input_file("/dev/zero", "--dataset"), Catch::Contains("is a device"));
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  CHECK_THROWS_WITH(check_input_file(dir.file("fifo"), "--dataset"), Catch::Contains("is a FIFO"));
  CHECK_THROWS_WITH(check_input_file(dir.file("missing"), "--dataset"),
                    Catch::Equals("--dataset: cannot read '" + dir.file("missing") + "': no such file"));
}

TEST_CASE("read_input reports instead of throwing, in words that follow the file's name", "[files]") {
  Dir dir;
  std::ofstream(dir.file("a.yaml")) << "abc";
  const InputFile ok = read_input(dir.file("a.yaml"));
  REQUIRE(ok.text);
  CHECK(*ok.text == "abc");
  const InputFile big = read_input(dir.file("a.yaml"), 2);
  CHECK_FALSE(big.text);
  CHECK(describe_input_problem(dir.file("a.yaml"), big.problem) ==
        "'" + dir.file("a.yaml") + "' is 3 bytes; the limit is 2 (raise it with TPUPLAN_MAX_INPUT_BYTES=N)");
  CHECK(read_input(dir.file("none")).problem == "no such file");
  CHECK(read_input(dir.path()).problem == "is a directory; give a regular file");
}
