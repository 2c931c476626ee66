// What the bench client records about one request: timestamps taken as bytes arrive,
// token counts with their source, and how it failed. The statistics, the profile and
// --requests-out are computed from these records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// Why a request failed; `none` for a success. Failed requests are excluded from latency
/// statistics and counted in the error rate (except `cancelled`, which the client caused).
enum class ErrorClass : std::uint8_t {
  none,
  connect,      ///< DNS, connection refused, connect timeout
  tls,          ///< TLS handshake or certificate verification
  timeout,      ///< the request's total or idle timeout expired
  http_429,     ///< rate limited / overloaded (TGI "overloaded", gateways)
  http_4xx,     ///< other client errors (context too long, validation, unknown model, auth)
  http_5xx,     ///< server errors
  http_other,   ///< any other non-2xx status (e.g. a redirect that was not followed)
  stream_error, ///< an error reported inside a 200 stream (`data: {"error":…}`, finish_reason "error")
  truncated,    ///< the stream ended (or was reset) before the protocol's end marker
  malformed,    ///< an event that is not valid JSON in the protocol's shape
  oversized,    ///< the response exceeded the byte cap
  transport,    ///< any other transport failure (send error, reset before a response)
  cancelled,    ///< still in flight when the run was interrupted
};

/// "connect", "http_429", … (the spelling of JSON values and table rows).
std::string_view to_string(ErrorClass error);
/// Every error class except `none`, in declaration order.
const std::vector<ErrorClass>& all_error_classes();
/// Parses a class name; nullopt when unknown.
std::optional<ErrorClass> parse_error_class(std::string_view name);

/// Where a token count comes from.
enum class TokenSource : std::uint8_t {
  none,   ///< not known
  server, ///< reported by the server (usage, TGI details, llama.cpp tokens_predicted)
  stream, ///< counted from the protocol's per-token events or token ids (exact)
  approx, ///< estimated by the client (chunks, words, bytes/4): flagged approximate
};
std::string_view to_string(TokenSource source);

/// One request, timestamps in ns of CLOCK_MONOTONIC (0 = did not happen).
struct RequestRecord {
  std::int64_t index = 0;          ///< position within its level (or warm-up)
  std::int64_t scheduled_ns = 0;   ///< open loop: the arrival time drawn up front; closed loop: = sent_ns
  std::int64_t sent_ns = 0;        ///< handed to libcurl
  std::int64_t headers_ns = 0;     ///< status line received
  std::int64_t first_event_ns = 0; ///< first stream event of any kind (role-only chunks included)
  std::int64_t first_token_ns = 0; ///< first event carrying generated content
  std::int64_t last_token_ns = 0;  ///< last event carrying generated content
  std::int64_t end_ns = 0;         ///< transfer finished (or failed)
  long http_status = 0;
  ErrorClass error = ErrorClass::none;
  std::string error_message;           ///< one line, from the server's error body or libcurl
  std::optional<double> retry_after_s; ///< Retry-After of a 429/503, in seconds
  int max_tokens = 0;                  ///< output tokens asked for
  std::optional<std::int64_t> prompt_tokens;
  TokenSource prompt_source = TokenSource::none;
  /// The client's count of the prompt it sent, when it knows it well enough to judge the
  /// server's count against (synthetic words, a dataset's input_tokens); else unset.
  std::optional<std::int64_t> prompt_tokens_sent;
  /// Prompt tokens the server served from its cache (OpenAI usage.prompt_tokens_details.
  /// cached_tokens, llama.cpp timings.cache_n or prompt_tokens − timings.prompt_n).
  std::optional<std::int64_t> cached_prompt_tokens;
  bool prompt_truncated = false;       ///< the server said it cut the prompt (llama.cpp "truncated")
  std::optional<std::int64_t> completion_tokens;
  TokenSource completion_source = TokenSource::none;
  std::string finish_reason;           ///< "length", "stop", "eos_token", … as the server said
  std::int64_t events = 0;             ///< stream events parsed
  std::int64_t role_only_events = 0;   ///< events with a role and no content (not counted for TTFT)
  std::int64_t bytes = 0;              ///< response body bytes received
  /// Arrival time of every content-bearing event (first_token_ns … last_token_ns).
  std::vector<std::int64_t> token_times;
  /// Tokens carried by each content event, when the protocol says (same length as
  /// token_times), else empty: then a chunk is not known to be one token.
  std::vector<std::uint32_t> chunk_tokens;
  /// The generated text, when the request asked for it (multi-turn conversations send it
  /// back as the assistant's turn); else empty.
  std::string output_text;

  /// True when the request succeeded.
  bool ok() const { return error == ErrorClass::none; }
};

} // namespace tpuplan::bench
