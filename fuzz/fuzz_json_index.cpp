// bench's streaming JSON index (what a server sends): parse, then every accessor on every
// value, as the stream decoder reads them.
#include "fuzz_support.hpp"

#include <tpuplan/bench/json_index.hpp>

#include <cmath>

using namespace tpuplan;
using namespace tpuplan::bench;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  JsonIndex index;
  if (!index.parse(text)) {
    return 0;
  }
  const JsonRef end = index.token(index.root()).next;
  for (JsonRef r = 0; r < end; ++r) {
    const JsonToken& t = index.token(r);
    fuzz::require(t.begin <= t.end && t.end <= text.size(), "a token's text is outside the input");
    fuzz::require(t.next > r && t.next <= end, "a token's subtree ends outside the document");
    (void)index.raw(r);
    (void)index.is_nonempty_string(r);
    (void)index.as_int(r);
    if (const auto n = index.as_number(r)) {
      (void)std::isfinite(*n);
    }
    (void)index.as_bool(r);
    (void)index.as_string(r);
    (void)index.element(r, 0);
    (void)index.element(r, t.size);
    (void)index.member(r, "usage");
    (void)index.path(r, "usage", "completion_tokens");
  }
  return 0;
}
