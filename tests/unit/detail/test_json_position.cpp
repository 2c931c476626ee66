// Positions of values in JSON text, for file:line:col in error messages.
#include <tpuplan/detail/json_position.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan::detail;

namespace {

std::string at(std::string_view text, const std::vector<std::string>& path) {
  const auto p = locate_json_value(text, path);
  return p ? std::to_string(p->line) + ":" + std::to_string(p->column) : "none";
}

} // namespace

TEST_CASE("values are located by key path through objects and arrays", "[json_position]") {
  const std::string text = "{\n  \"a\": 1,\n  \"b\": {\"c\": [10, \"x\", {\"d\": null}]},\n  \"e\": \"é\", \"f\": true\n}";
  CHECK(at(text, {}) == "1:1");
  CHECK(at(text, {"a"}) == "2:8");
  CHECK(at(text, {"b"}) == "3:8");
  CHECK(at(text, {"b", "c"}) == "3:14");
  CHECK(at(text, {"b", "c", "1"}) == "3:19");
  CHECK(at(text, {"b", "c", "2", "d"}) == "3:30");
  CHECK(at(text, {"f"}) == "4:18"); // "é" is one column, not two bytes
  CHECK(at(text, {"missing"}) == "none");
  CHECK(at(text, {"b", "c", "7"}) == "none");
}

TEST_CASE("a key that only appears nested is not found at the top level", "[json_position]") {
  CHECK(at(R"({"outer": {"k": 1}, "k2": 2})", {"k"}) == "none");
  CHECK(at(R"({"outer": {"k": 1}, "k": 2})", {"k"}) == "1:26");
}

TEST_CASE("escaped quotes inside strings do not end them", "[json_position]") {
  CHECK(at(R"({"a": "say \"hi\", then", "b": 3})", {"b"}) == "1:32");
}

TEST_CASE("offsets become 1-based lines and columns", "[json_position]") {
  const auto p = position_of_offset("ab\ncd", 4);
  CHECK(p.line == 2);
  CHECK(p.column == 2);
  CHECK(position_of_offset("ab", 99).column == 3);
}
