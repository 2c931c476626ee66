// The hot-path JSON tokenizer: validation and lookups.
#include <tpuplan/bench/json_index.hpp>
#include <tpuplan/bench/json_stream.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tpuplan::bench;

TEST_CASE("the JSON index finds nested members and array elements", "[bench]") {
  JsonIndex j;
  const std::string text =
      R"({"id":"x","choices":[{"index":0,"delta":{"content":"KV","role":null}},{"index":1}],"usage":{"completion_tokens":128}})";
  REQUIRE(j.parse(text));
  const auto choice = j.element(*j.member(j.root(), "choices"), 0);
  REQUIRE(choice);
  CHECK(j.raw(*j.path(*choice, "delta", "content")) == "KV");
  CHECK(j.type(*j.path(*choice, "delta", "role")) == JsonType::null);
  CHECK(*j.as_int(*j.path(j.root(), "usage", "completion_tokens")) == 128);
  CHECK(*j.as_int(*j.member(*j.element(*j.member(j.root(), "choices"), 1), "index")) == 1);
  CHECK_FALSE(j.element(*j.member(j.root(), "choices"), 2));
  CHECK_FALSE(j.member(j.root(), "missing"));
  CHECK_FALSE(j.member(*j.member(j.root(), "choices"), "index")); // not an object
}

TEST_CASE("the JSON index rejects text that is not exactly one JSON value", "[bench]") {
  JsonIndex j;
  for (const char* bad : {"", "{", "{\"a\":}", "{\"a\":1,}", "[1,]", "{\"a\" 1}", "nul", "tru", "01", "1.", "-",
                          "1e", "\"unterminated", "\"bad \\x escape\"", "\"ctl \x01\"", "{} {}", "{\"a\":1}x",
                          "{'a':1}", "[\"\\u12G4\"]"}) {
    INFO(bad);
    CHECK_FALSE(j.parse(bad));
  }
  for (const char* good : {"{}", "[]", " {\"a\" : [1, -2.5e3, true, false, null, \"s\"]} ", "0", "-0.1E+2", "\"\\u00e9\""}) {
    INFO(good);
    CHECK(j.parse(good));
  }
}

TEST_CASE("the JSON index refuses nesting deeper than 64 levels", "[bench]") {
  JsonIndex j;
  CHECK(j.parse(std::string(64, '[') + std::string(64, ']')));
  CHECK_FALSE(j.parse(std::string(100, '[') + std::string(100, ']')));
}

TEST_CASE("the JSON index decodes escapes and surrogate pairs to UTF-8", "[bench]") {
  JsonIndex j;
  REQUIRE(j.parse(R"(["a\"b\\c\/\n\t", "\u00e9\ud83d\ude00", "plain"])"));
  CHECK(*j.as_string(*j.element(j.root(), 0)) == "a\"b\\c/\n\t");
  CHECK(*j.as_string(*j.element(j.root(), 1)) == "\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(*j.as_string(*j.element(j.root(), 2)) == "plain");
  CHECK(j.is_nonempty_string(*j.element(j.root(), 2)));
}

TEST_CASE("the JSON index reads integers written as floats and rejects other types", "[bench]") {
  JsonIndex j;
  REQUIRE(j.parse(R"([12.0, 1.5, "3", true])"));
  CHECK(*j.as_int(*j.element(j.root(), 0)) == 12);
  CHECK_FALSE(j.as_int(*j.element(j.root(), 1)));
  CHECK(*j.as_number(*j.element(j.root(), 1)) == 1.5);
  CHECK_FALSE(j.as_int(*j.element(j.root(), 2)));
  CHECK(*j.as_bool(*j.element(j.root(), 3)));
}

namespace {

std::vector<std::string> objects_of(const std::vector<std::string>& chunks, bool* malformed = nullptr) {
  JsonObjectStream s;
  std::vector<std::string> out;
  std::string_view obj;
  for (const auto& c : chunks) {
    s.feed(c);
    while (s.next(obj)) {
      out.emplace_back(obj);
    }
  }
  if (malformed != nullptr) {
    *malformed = s.malformed();
  }
  return out;
}

// JetStream's HTTP stream: pretty-printed objects back to back (bench.md §B.3), with a brace
// and a quote inside a string to trip naive scanners.
const std::string k_jetstream =
    "{\n  \"streamContent\": {\n    \"samples\": [\n      {\n        \"text\": \" K{V\\\"\",\n"
    "        \"tokenIds\": [\n          578\n        ]\n      }\n    ]\n  }\n}{\n  \"streamContent\": {\n"
    "    \"samples\": [\n      {\n        \"text\": \"}\",\n        \"tokenIds\": [\n          1, 2\n        ]\n"
    "      }\n    ]\n  }\n}\n";

} // namespace

TEST_CASE("concatenated JSON objects split at every possible boundary come out whole", "[bench]") {
  const auto whole = objects_of({k_jetstream});
  REQUIRE(whole.size() == 2);
  JsonIndex j;
  CHECK(j.parse(whole[0]));
  CHECK(j.parse(whole[1]));
  for (std::size_t i = 0; i <= k_jetstream.size(); ++i) {
    REQUIRE(objects_of({k_jetstream.substr(0, i), k_jetstream.substr(i)}) == whole);
  }
}

TEST_CASE("text between concatenated JSON objects marks the stream malformed", "[bench]") {
  bool malformed = false;
  objects_of({"{\"a\":1} garbage {\"b\":2}"}, &malformed);
  CHECK(malformed);
  objects_of({"{\"a\":1}\n {\"b\":2}"}, &malformed);
  CHECK_FALSE(malformed);
}

TEST_CASE("no object comes out of a concatenated stream after a stray byte, however it was cut", "[bench]") {
  // Found by fuzz/fuzz_stream_decoder: an SSE error event read as JetStream gave its object
  // when the bytes came in one read, and "malformed" when cut before the brace.
  const std::string stream = "event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n";
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    INFO(i);
    bool malformed = false;
    CHECK(objects_of({stream.substr(0, i), stream.substr(i)}, &malformed).empty());
    CHECK(malformed);
  }
  bool malformed = false;
  CHECK(objects_of({"{\"a\":1} x {\"b\":2}"}, &malformed) == std::vector<std::string>{"{\"a\":1}"});
  CHECK(malformed);
}

TEST_CASE("the JSON index converts to an integer only what int64 holds", "[bench]") {
  JsonIndex j;
  REQUIRE(j.parse(R"([1e3, 1e20, -1e300, 9.3e18, -9.223372036854775808e18, 2.5, 1e400])"));
  CHECK(*j.as_int(*j.element(j.root(), 0)) == 1000);
  CHECK_FALSE(j.as_int(*j.element(j.root(), 1))); // a server's completion_tokens: 1e20
  CHECK_FALSE(j.as_int(*j.element(j.root(), 2)));
  CHECK_FALSE(j.as_int(*j.element(j.root(), 3))); // just above 2^63
  CHECK(*j.as_int(*j.element(j.root(), 4)) == INT64_MIN);
  CHECK_FALSE(j.as_int(*j.element(j.root(), 5)));
  CHECK_FALSE(j.as_int(*j.element(j.root(), 6)));
}
