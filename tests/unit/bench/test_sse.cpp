// SSE framing: events must come out the same however TCP splits the bytes.
#include <tpuplan/bench/sse.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tpuplan::bench;

namespace {

/// Feeds `chunks` in order, then finishes, collecting every event's data.
std::vector<std::string> events_of(const std::vector<std::string>& chunks, bool finish = true) {
  SseParser p;
  std::vector<std::string> out;
  std::string_view data;
  for (const auto& c : chunks) {
    p.feed(c);
    while (p.next(data)) {
      out.emplace_back(data);
    }
  }
  if (finish) {
    p.finish();
    while (p.next(data)) {
      out.emplace_back(data);
    }
  }
  return out;
}

// A made-up vLLM chat stream in the shape of bench.md §B.1, with a TGI-style keep-alive
// comment and a field other than data.
const std::string k_stream =
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"KV\"}}]}\n\n"
    "event: message\nid: 7\ndata:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" reuse.\"},\"finish_reason\":\"length\"}]}\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

} // namespace

TEST_CASE("an SSE stream yields its data events and skips comments and other fields", "[bench]") {
  const auto events = events_of({k_stream});
  REQUIRE(events.size() == 5);
  CHECK(events[0] == "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}");
  CHECK(events[2] == "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" reuse.\"},\"finish_reason\":\"length\"}]}");
  CHECK(events[4] == "[DONE]");
}

TEST_CASE("an SSE stream split at every possible boundary yields the same events", "[bench]") {
  const auto whole = events_of({k_stream});
  for (std::size_t i = 0; i <= k_stream.size(); ++i) {
    for (std::size_t j = i; j <= k_stream.size(); j += 7) {
      const auto split = events_of({k_stream.substr(0, i), k_stream.substr(i, j - i), k_stream.substr(j)});
      REQUIRE(split == whole);
    }
  }
}

TEST_CASE("an SSE stream fed one byte at a time yields the same events", "[bench]") {
  std::vector<std::string> bytes;
  for (const char c : k_stream) {
    bytes.emplace_back(1, c);
  }
  CHECK(events_of(bytes) == events_of({k_stream}));
}

TEST_CASE("CRLF and lone CR end SSE lines like LF, even when split between reads", "[bench]") {
  const std::string crlf = "data: a\r\n\r\ndata: b\r\n\r\n";
  const std::string cr = "data: a\r\rdata: b\r\r";
  for (const auto& text : {crlf, cr}) {
    for (std::size_t i = 0; i <= text.size(); ++i) {
      const auto events = events_of({text.substr(0, i), text.substr(i)});
      REQUIRE(events == std::vector<std::string>{"a", "b"});
    }
  }
}

TEST_CASE("several data lines of one SSE event are joined with a line feed", "[bench]") {
  CHECK(events_of({"data: {\"a\":\ndata: 1}\n\n"}) == std::vector<std::string>{"{\"a\":\n1}"});
}

TEST_CASE("an SSE event without its blank line is delivered only at the end of the stream", "[bench]") {
  CHECK(events_of({"data: {\"x\":1}\n"}, false).empty());
  CHECK(events_of({"data: {\"x\":1}"}) == std::vector<std::string>{"{\"x\":1}"});
}

TEST_CASE("an SSE parser reports a partial event that the stream never finished", "[bench]") {
  SseParser p;
  p.feed("data: {\"choices\":[");
  std::string_view data;
  CHECK_FALSE(p.next(data));
  CHECK(p.has_partial_event());
  p.reset();
  p.feed("data: 1\n\n\n");
  CHECK(p.next(data));
  CHECK_FALSE(p.next(data));
  CHECK_FALSE(p.has_partial_event());
}
