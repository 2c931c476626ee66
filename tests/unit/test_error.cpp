#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

TEST_CASE("exit codes follow the output contract", "[error]") {
  CHECK(exit_code(ErrorKind::usage) == 2);
  CHECK(exit_code(ErrorKind::input) == 2);
  CHECK(exit_code(ErrorKind::runtime) == 1);
  CHECK(exit_code(ErrorKind::infeasible) == 3);
  CHECK(exit_code(ErrorKind::interrupted) == 130);
}

TEST_CASE("edit distance is case-insensitive Levenshtein", "[error]") {
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("V5E", "v5e") == 0);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("suggestion offers the closest name or lists what is accepted", "[error]") {
  const std::vector<std::string> names = {"table", "json", "csv", "markdown"};
  CHECK(suggestion("jsn", names) == "did you mean 'json'?");
  CHECK(suggestion("xlsx", names) == "accepted: table, json, csv, markdown");
  CHECK(closest_match("zzzzzz", names).empty());
}

TEST_CASE("throw_unknown names the kind of thing and carries the hint", "[error]") {
  try {
    throw_unknown("model", "70c", {"70b", "7b"});
    FAIL("no throw");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "unknown model '70c'");
    CHECK(e.hint() == "did you mean '70b'?");
    CHECK(e.kind() == ErrorKind::usage);
  }
}
