// The shared ASCII text helpers: case folding that ignores the locale, and trimming.
#include <tpuplan/detail/text.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan::detail;

TEST_CASE("text: ASCII case folding and comparisons", "[text]") {
  CHECK(ascii_lower("Llama-3.1-70B") == "llama-3.1-70b");
  CHECK(ascii_lower("\xC3\x84") == "\xC3\x84"); // bytes beyond ASCII stay as they are
  CHECK(iequals("Content-Length", "content-length"));
  CHECK_FALSE(iequals("Content-Length", "content-lengths"));
  CHECK(istarts_with("Retry-After: 2", "retry-after:"));
  CHECK_FALSE(istarts_with("Retry", "retry-after:"));
}

TEST_CASE("text: trimming", "[text]") {
  CHECK(trim("  a b\t") == "a b");
  CHECK(trim(" \t ").empty());
  CHECK(trim("").empty());
  CHECK(trim("HTTP/1.1 200 OK\r\n") == "HTTP/1.1 200 OK\r\n");
  CHECK(trim("HTTP/1.1 200 OK\r\n", " \t\r\n") == "HTTP/1.1 200 OK");
}
