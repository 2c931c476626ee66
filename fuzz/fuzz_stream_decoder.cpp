// What a server streams back: the SSE parser, and the stream decoder of every API. The
// bytes arrive whole and then in pieces; the outcome must not depend on the cuts.
#include "fuzz_support.hpp"

#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/sse.hpp>
#include <tpuplan/bench/stream_decoder.hpp>

#include <cstdio>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

std::vector<std::pair<std::string, bool>> events(const std::vector<std::string_view>& chunks) {
  SseParser p;
  std::vector<std::pair<std::string, bool>> out;
  for (const auto c : chunks) {
    p.feed(c);
    std::string_view e;
    while (p.next(e)) {
      out.emplace_back(std::string(e), p.last_is_error());
    }
  }
  p.finish();
  std::string_view e;
  while (p.next(e)) {
    out.emplace_back(std::string(e), p.last_is_error());
  }
  (void)p.has_partial_event();
  return out;
}

RequestRecord decode(Api api, const std::vector<std::string_view>& chunks) {
  StreamDecoder d(api);
  d.capture_output(true);
  RequestRecord rec;
  std::int64_t t = 0;
  for (const auto c : chunks) {
    t += 1000;
    d.feed(c, t, rec);
  }
  d.finish(t, rec);
  d.settle_counts(rec);
  return rec;
}

auto outcome(const RequestRecord& r) {
  return std::make_tuple(r.error, r.completion_tokens, r.completion_source, r.prompt_tokens, r.token_times.size(),
                         r.chunk_tokens, r.role_only_events, r.events, r.finish_reason, r.output_text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const auto cuts = fuzz::pieces(text);
  fuzz::require(events({text}) == events(cuts), "SSE events depend on how the bytes were cut");
  for (const Api api : {Api::openai_chat, Api::openai_completions, Api::tgi, Api::jetstream_http, Api::llamacpp}) {
    const RequestRecord whole = decode(api, {text});
    const RequestRecord cut = decode(api, cuts);
    if (outcome(whole) != outcome(cut)) {
      std::fprintf(stderr, "api %s: whole: error %d '%s', events %lld, tokens %zu, finish '%s'; cut: error %d '%s', "
                           "events %lld, tokens %zu, finish '%s'\n",
                   std::string(to_string(api)).c_str(), static_cast<int>(whole.error), whole.error_message.c_str(),
                   static_cast<long long>(whole.events), whole.token_times.size(), whole.finish_reason.c_str(),
                   static_cast<int>(cut.error), cut.error_message.c_str(), static_cast<long long>(cut.events),
                   cut.token_times.size(), cut.finish_reason.c_str());
      fuzz::require(false, "the decoded stream depends on how the bytes were cut");
    }
  }
  return 0;
}
