// The binary's basic contract: version, help, unknown commands, bad global flags.
#include "run_process.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan::test;

TEST_CASE("the version flag prints the version on stdout and exits 0", "[cli]") {
  const auto r = run_tpuplan({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("tpuplan ", 0) == 0);
  CHECK(r.err.empty());
}

TEST_CASE("an unknown command is a one-line usage error with a suggestion", "[cli]") {
  const auto r = run_tpuplan({"versoin"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "tpuplan: error: unknown command 'versoin'; did you mean 'version'?\n");
}

TEST_CASE("an unknown format is a usage error naming the accepted formats", "[cli]") {
  const auto r = run_tpuplan({"version", "--format", "jsn"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "tpuplan: error: --format: unknown format 'jsn'; did you mean 'json'?\n");
}

TEST_CASE("an unknown flag is a usage error pointing at help", "[cli]") {
  const auto r = run_tpuplan({"version", "--frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("tpuplan: error: ", 0) == 0);
  CHECK(r.err.find("--help") != std::string::npos);
}
