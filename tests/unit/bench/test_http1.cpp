// HTTP/1.1 response framing and request heads of the built-in client: every response is
// also fed one byte at a time and at every split point, since TCP reads align with nothing.
#include <tpuplan/bench/http1.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tpuplan::bench;

namespace {

struct Collect final : Http1Sink {
  std::vector<std::string> lines;
  std::string received;
  std::size_t refuse_after = std::string::npos; // refuse body bytes beyond this many
  void header_line(std::string_view line) override { lines.emplace_back(line); }
  bool body(std::string_view data) override {
    if (received.size() + data.size() > refuse_after) {
      return false;
    }
    received.append(data);
    return true;
  }
};

struct Parsed {
  Collect sink;
  Http1ResponseParser parser;
  std::size_t used = 0;
};

/// Feeds `wire` in pieces of at most `step` bytes until the parser stops taking them.
void feed(Parsed& p, std::string_view wire, std::size_t step) {
  while (p.used < wire.size()) {
    const std::string_view piece = wire.substr(p.used, step);
    const std::size_t n = p.parser.feed(piece, p.sink);
    p.used += n;
    if (n < piece.size()) {
      break;
    }
  }
}

/// The same response parsed whole, byte by byte and split at every offset: all must agree.
template <typename Check> void every_split(std::string_view wire, Check&& check) {
  {
    Parsed p;
    feed(p, wire, wire.size());
    check(p);
  }
  {
    Parsed p;
    feed(p, wire, 1);
    check(p);
  }
  for (std::size_t cut = 1; cut < wire.size(); ++cut) {
    Parsed p;
    const std::size_t n = p.parser.feed(wire.substr(0, cut), p.sink);
    p.used = n;
    if (n == cut) {
      feed(p, wire, wire.size());
    }
    check(p);
  }
}

} // namespace

TEST_CASE("http1: a chunked stream is de-chunked, with extensions and trailers", "[bench][http1]") {
  const std::string wire = "HTTP/1.1 200 OK\r\n"
                           "Content-Type: text/event-stream\r\n"
                           "Transfer-Encoding: chunked\r\n"
                           "\r\n"
                           "6\r\ndata: \r\n"
                           "9;ext=1\r\n{\"a\":1}\n\n\r\n"
                           "0\r\n"
                           "X-Trailer: yes\r\n"
                           "\r\n";
  every_split(wire, [&](const Parsed& p) {
    REQUIRE(p.parser.done());
    CHECK(p.used == wire.size());
    CHECK(p.parser.status() == 200);
    CHECK(p.parser.keep_alive());
    CHECK(p.sink.received == "data: {\"a\":1}\n\n");
    CHECK(p.sink.lines == std::vector<std::string>{"HTTP/1.1 200 OK", "Content-Type: text/event-stream",
                                                   "Transfer-Encoding: chunked"});
    CHECK(p.parser.bytes_seen() == static_cast<std::int64_t>(wire.size()));
  });
}

TEST_CASE("http1: a Content-Length body ends at its length and leaves what follows", "[bench][http1]") {
  const std::string wire = "HTTP/1.1 401 Unauthorized\r\ncontent-length: 5\r\nRetry-After: 2\r\n\r\nhelloEXTRA";
  every_split(wire, [&](const Parsed& p) {
    REQUIRE(p.parser.done());
    CHECK(p.used == wire.size() - 5); // "EXTRA" is not part of the response
    CHECK(p.parser.status() == 401);
    CHECK(p.sink.received == "hello");
    CHECK(p.sink.lines.back() == "Retry-After: 2");
  });
}

TEST_CASE("http1: without a length the body runs to the close and the connection is not kept", "[bench][http1]") {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\n\r\npart one, ", 7);
  feed(p, "HTTP/1.1 200 OK\r\n\r\npart one, part two", 7);
  CHECK_FALSE(p.parser.done());
  CHECK(p.parser.close());
  CHECK(p.parser.done());
  CHECK_FALSE(p.parser.keep_alive());
  CHECK(p.sink.received == "part one, part two");
}

TEST_CASE("http1: a cut body is not complete when the connection closes", "[bench][http1]") {
  for (const std::string wire : {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
                                 "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "HTTP/1.1 200 OK\r\nContent-Le"}) {
    Parsed p;
    feed(p, wire, wire.size());
    CHECK_FALSE(p.parser.failed());
    CHECK_FALSE(p.parser.close());
    CHECK(p.parser.bytes_seen() == static_cast<std::int64_t>(wire.size()));
  }
}

TEST_CASE("http1: interim 1xx responses are passed over to the final one", "[bench][http1]") {
  const std::string wire = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  every_split(wire, [&](const Parsed& p) {
    REQUIRE(p.parser.done());
    CHECK(p.parser.status() == 200);
    CHECK(p.sink.received == "ok");
    CHECK(p.sink.lines == std::vector<std::string>{"HTTP/1.1 100 Continue", "HTTP/1.1 200 OK", "Content-Length: 2"});
  });
}

TEST_CASE("http1: keep-alive follows the version and the Connection field", "[bench][http1]") {
  const auto keep = [](const std::string& wire) {
    Parsed p;
    feed(p, wire, wire.size());
    REQUIRE(p.parser.done());
    return p.parser.keep_alive();
  };
  CHECK(keep("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  CHECK_FALSE(keep("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
  CHECK_FALSE(keep("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
  CHECK(keep("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"));
  CHECK(keep("HTTP/1.1 204 No Content\r\n\r\n")); // no body, whatever the fields say
  CHECK(keep("HTTP/1.1 200 OK\nContent-Length: 0\n\n")); // bare LF line endings are read too
}

TEST_CASE("http1: a malformed response fails with the reason", "[bench][http1]") {
  const auto failure = [](const std::string& wire) {
    Parsed p;
    feed(p, wire, wire.size());
    return p.parser.failed() ? p.parser.error() : std::string("(no failure)");
  };
  CHECK(failure("SSH-2.0-OpenSSH_9.2\r\n") == "not an HTTP/1.x status line: 'SSH-2.0-OpenSSH_9.2'");
  CHECK(failure("HTTP/2 200\r\n") == "not an HTTP/1.x status line: 'HTTP/2 200'");
  CHECK(failure("HTTP/1.1 200 OK\r\nno colon here\r\n") == "a header line without a field name: 'no colon here'");
  CHECK(failure("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n") == "an invalid Content-Length: '12x'");
  CHECK(failure("HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n") == "an invalid Content-Length: '3, 4'");
  CHECK(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == "an invalid chunk size line: 'zz'");
  CHECK(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n") == "a chunk not followed by its line ending");
  CHECK(failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n") ==
        "a chunk size too large to believe");
  CHECK(failure("HTTP/1.1 101 Switching Protocols\r\n\r\n").find("switched protocols") != std::string::npos);
  CHECK(failure("HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'a')) ==
        "a response line longer than 65536 bytes");
  std::string many = "HTTP/1.1 200 OK\r\n";
  while (many.size() < 70000) {
    many += "X-Field: value\r\n";
  }
  CHECK(failure(many) == "response header section larger than 65536 bytes");
}

TEST_CASE("http1: a sink that refuses body bytes stops the parse", "[bench][http1]") {
  Parsed p;
  p.sink.refuse_after = 5;
  CHECK(p.parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123", p.sink) == 43);
  CHECK(p.parser.feed("4567", p.sink) == 4); // the refused piece counts as used: the parse is over
  CHECK(p.parser.failed());
  CHECK(p.parser.error().empty()); // refused, not malformed
  CHECK(p.sink.received == "0123");
}

TEST_CASE("http1: the parser is reused for the next response on the connection", "[bench][http1]") {
  Parsed p;
  feed(p, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", 64);
  REQUIRE(p.parser.done());
  p.parser.reset();
  p.sink = Collect{};
  p.used = 0;
  feed(p, "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n", 5);
  REQUIRE(p.parser.done());
  CHECK(p.parser.status() == 500);
  CHECK(p.sink.received == "b");
}

TEST_CASE("http1: request heads carry defaults that the endpoint's headers replace or remove", "[bench][http1]") {
  const std::vector<std::string> defaults = {"Content-Type: application/json", "Accept: text/event-stream"};
  CHECK(http1_request_head("POST", "/v1/chat/completions", "10.0.0.5:8000", defaults, {"X-Tenant: a"}) ==
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 10.0.0.5:8000\r\nContent-Type: application/json\r\n"
        "Accept: text/event-stream\r\nX-Tenant: a\r\n");
  CHECK(http1_request_head("POST", "/generate", "h", defaults, {"accept: application/json", "Content-Type:", "Host: lb"}) ==
        "POST /generate HTTP/1.1\r\naccept: application/json\r\nHost: lb\r\n");
  std::string request;
  http1_append_request(request, "POST / HTTP/1.1\r\nHost: h\r\n", "{}");
  CHECK(request == "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}");
}
