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
/// - `data: {"error":…}`, an `error:` line or `event: error` (llama.cpp, SSE error events) and
///   finish_reason "error" fail the request even after HTTP 200, with the server's message;
/// - prompt counts the server reports (usage, TGI input_length, llama.cpp tokens_evaluated),
///   its cached prompt tokens (usage.prompt_tokens_details.cached_tokens, llama.cpp
///   timings.cache_n or prompt tokens − timings.prompt_n) and llama.cpp's "truncated" are kept;
/// - the end marker is `[DONE]` or a finish_reason (OpenAI), a non-null generated_text (TGI),
///   `"stop": true` (llama.cpp), the end of the transfer (JetStream); without it, truncated.
class StreamDecoder {
public:
  explicit StreamDecoder(Api api = Api::openai_chat) { reset(api); }
  /// Prepares for a new response of `api` (and stops capturing output).
  void reset(Api api);
  /// Keep the generated text in RequestRecord::output_text (multi-turn conversations).
  void capture_output(bool on) { m_capture = on; }
  /// Body bytes of a 2xx response, received at `t_ns`.
  void feed(std::string_view bytes, std::int64_t t_ns, RequestRecord& rec);
  /// The body ended without a transport error: flushes a last unterminated event, checks
  /// the end marker and settles the token counts.
  void finish(std::int64_t t_ns, RequestRecord& rec);
  /// Settles the token counts without judging completeness (transport failures, cancels).
  void settle_counts(RequestRecord& rec) const;

private:
  void on_event(std::string_view data, bool error_event, std::int64_t t_ns, RequestRecord& rec);
  /// An SSE error event (`error: …`, `event: error`): fails the request with its message.
  void on_error_event(std::string_view data, RequestRecord& rec);
  /// llama.cpp's "timings" object: prompt tokens processed (not served from its cache).
  void read_timings(JsonRef timings, RequestRecord& rec);
  void on_openai(std::int64_t t_ns, RequestRecord& rec);
  void on_tgi(std::int64_t t_ns, RequestRecord& rec);
  void on_jetstream(std::int64_t t_ns, RequestRecord& rec);
  void on_llamacpp(std::int64_t t_ns, RequestRecord& rec);
  /// Records an event carrying generated content and, when known, its token count.
  void content(std::int64_t t_ns, std::optional<std::int64_t> tokens, RequestRecord& rec);
  /// Appends a text member to output_text when capturing.
  void capture(std::optional<JsonRef> text, RequestRecord& rec);
  /// Fails the request with a stream error (first error wins).
  void fail(ErrorClass error, std::string message, RequestRecord& rec);
  /// Reads a top-level "error" member (any shape); true when there was one.
  bool check_error(RequestRecord& rec);

  Api m_api = Api::openai_chat;
  SseParser m_sse;
  JsonObjectStream m_objects;
  JsonIndex m_json;
  bool m_done = false;
  bool m_capture = false;
  bool m_per_chunk_known = true;          // every content event so far had a known token count
  std::int64_t m_stream_tokens = 0;       // Σ known per-event token counts
  std::optional<std::int64_t> m_last_usage; // running usage.completion_tokens (continuous usage)
};

} // namespace tpuplan::bench
