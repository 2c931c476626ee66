// Turns the bytes of a streaming response into a RequestRecord: frames events (SSE or
// concatenated JSON), reads each with the protocol's rules, and time-stamps the events
// that carry generated content. This runs inside libcurl's write callback, once per read.
#pragma once

#include <tpuplan/bench/json_index.hpp>
#include <tpuplan/bench/json_stream.hpp>
#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/record.hpp>
#include <tpuplan/bench/sse.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace tpuplan::bench {

/// Decodes one response stream at a time; reset() before reusing it.
///
/// Rules (bench.md §B, "Client rules for tpuplan"):
/// - content = a non-empty `content`, `reasoning`, `reasoning_content` or `tool_calls` in a
///   chat delta, a non-empty `text` (completions), a TGI token, JetStream text or token ids,
///   llama.cpp `content` or `tokens`, or a chunk whose running usage grew; a chunk with only
///   a role counts apart (role_only_events) and never starts TTFT;
/// - `data: {"error":…}` and finish_reason "error" fail the request even after HTTP 200;
/// - the end marker is `[DONE]` or a finish_reason (OpenAI), a non-null generated_text (TGI),
///   `"stop": true` (llama.cpp), the end of the transfer (JetStream); without it, truncated.
class StreamDecoder {
public:
  explicit StreamDecoder(Api api = Api::openai_chat) { reset(api); }
  /// Prepares for a new response of `api`.
  void reset(Api api);
  /// Body bytes of a 2xx response, received at `t_ns`.
  void feed(std::string_view bytes, std::int64_t t_ns, RequestRecord& rec);
  /// The body ended without a transport error: flushes a last unterminated event, checks
  /// the end marker and settles the token counts.
  void finish(std::int64_t t_ns, RequestRecord& rec);
  /// Settles the token counts without judging completeness (transport failures, cancels).
  void settle_counts(RequestRecord& rec) const;

private:
  void on_event(std::string_view data, std::int64_t t_ns, RequestRecord& rec);
  void on_openai(std::int64_t t_ns, RequestRecord& rec);
  void on_tgi(std::int64_t t_ns, RequestRecord& rec);
  void on_jetstream(std::int64_t t_ns, RequestRecord& rec);
  void on_llamacpp(std::int64_t t_ns, RequestRecord& rec);
  /// Records an event carrying generated content and, when known, its token count.
  void content(std::int64_t t_ns, std::optional<std::int64_t> tokens, RequestRecord& rec);
  /// Fails the request with a stream error (first error wins).
  void fail(ErrorClass error, std::string message, RequestRecord& rec);
  /// Reads a top-level "error" member (any shape); true when there was one.
  bool check_error(RequestRecord& rec);

  Api m_api = Api::openai_chat;
  SseParser m_sse;
  JsonObjectStream m_objects;
  JsonIndex m_json;
  bool m_done = false;
  bool m_per_chunk_known = true;          // every content event so far had a known token count
  std::int64_t m_stream_tokens = 0;       // Σ known per-event token counts
  std::optional<std::int64_t> m_last_usage; // running usage.completion_tokens (continuous usage)
};

} // namespace tpuplan::bench
