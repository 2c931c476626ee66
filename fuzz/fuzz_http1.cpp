// The built-in client's HTTP/1.1 response parser: responses one after another on a
// connection, the bytes whole and then in pieces; both must read the same.
#include "fuzz_support.hpp"

#include <tpuplan/bench/http1.hpp>

#include <string>
#include <vector>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

struct Sink : Http1Sink {
  std::vector<std::string> lines;
  std::string body_bytes;
  void header_line(std::string_view line) override { lines.emplace_back(line); }
  bool body(std::string_view data) override {
    body_bytes.append(data);
    return body_bytes.size() < 1'000'000;
  }
};

struct Outcome {
  std::vector<std::string> lines;
  std::string body;
  std::vector<int> statuses;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

Outcome read(const std::vector<std::string_view>& chunks) {
  Http1ResponseParser p;
  Sink sink;
  Outcome out;
  bool stopped = false;
  for (std::string_view c : chunks) {
    while (!c.empty() && !stopped) {
      const std::size_t used = p.feed(c, sink);
      fuzz::require(used <= c.size(), "feed() used more bytes than given");
      c.remove_prefix(used);
      if (p.failed()) {
        out.error = p.error();
        stopped = true;
      } else if (p.done()) {
        out.statuses.push_back(p.status());
        if (!p.keep_alive()) {
          stopped = true;
        }
        p.reset();
      } else {
        fuzz::require(c.empty(), "feed() stopped early without finishing or failing");
      }
    }
  }
  if (!stopped) {
    out.statuses.push_back(p.close() ? p.status() : -1);
  }
  out.lines = std::move(sink.lines);
  out.body = std::move(sink.body_bytes);
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::require(read({text}) == read(fuzz::pieces(text)), "the response reads differently when cut");
  return 0;
}
