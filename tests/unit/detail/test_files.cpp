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
