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

TEST_CASE("escape_for_terminal escapes controls, BiDi overrides and bytes that are not UTF-8", "[text]") {
  using tpuplan::detail::escape_for_terminal;
  CHECK(escape_for_terminal("plain ± text — ok") == "plain ± text — ok");
  CHECK(escape_for_terminal(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_for_terminal("\x1b[31mred\n") == "\\x1b[31mred\\x0a");
  CHECK(escape_for_terminal("abc\u202Edef") == "abc\\u{202e}def");
  CHECK(escape_for_terminal("\u2066x\u2069\u200F\u061C") == "\\u{2066}x\\u{2069}\\u{200f}\\u{061c}");
  CHECK(escape_for_terminal("\xC2\x9B") == "\\u{009b}"); // C1 CSI
  CHECK(escape_for_terminal("\xFF\xC3") == "\\xff\\xc3");
  CHECK(escape_for_terminal("\xE2\x80") == "\\xe2\\x80"); // a cut sequence
  CHECK(escape_for_terminal(escape_for_terminal("\x1b\u202E")) == escape_for_terminal("\x1b\u202E"));
}
