#include <tpuplan/bench/stream_decoder.hpp>

#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

/// The start of an offending event, printable, for error messages.
std::string excerpt(std::string_view data, std::size_t max_bytes = 60) {
  std::string out;
  for (const char c : data.substr(0, max_bytes)) {
    out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  if (data.size() > max_bytes) {
    out += "…";
  }
  return out;
}

/// The server's own words are worth more room than an offending event's start.
std::string message_excerpt(std::string_view message) { return excerpt(message, 300); }

} // namespace

void StreamDecoder::reset(Api api) {
  m_api = api;
  m_sse.reset();
  m_objects.reset();
  m_done = false;
  m_capture = false;
  m_per_chunk_known = true;
  m_stream_tokens = 0;
  m_last_usage.reset();
}

void StreamDecoder::feed(std::string_view bytes, std::int64_t t_ns, RequestRecord& rec) {
  std::string_view data;
  if (m_api == Api::jetstream_http) {
    m_objects.feed(bytes);
    while (m_objects.next(data)) {
      on_event(data, false, t_ns, rec);
    }
    if (m_objects.malformed()) {
      fail(ErrorClass::malformed, "stream is not a sequence of JSON objects", rec);
    }
    return;
  }
  m_sse.feed(bytes);
  while (m_sse.next(data)) {
    on_event(data, m_sse.last_is_error(), t_ns, rec);
  }
}

void StreamDecoder::finish(std::int64_t t_ns, RequestRecord& rec) {
  if (m_api == Api::jetstream_http) {
    if (m_objects.has_partial_object()) {
      fail(ErrorClass::truncated, "stream ended inside a JSON object", rec);
    }
    m_done = true; // JetStream has no end marker: a complete transfer is the end
  } else {
    m_sse.finish();
    std::string_view data;
    while (m_sse.next(data)) {
      on_event(data, m_sse.last_is_error(), t_ns, rec);
    }
  }
  if (rec.ok() && !m_done) {
    fail(ErrorClass::truncated,
         m_api == Api::tgi        ? "stream ended before the event with generated_text"
         : m_api == Api::llamacpp ? "stream ended before the event with \"stop\": true"
                                  : "stream ended before [DONE] or a finish_reason",
         rec);
  }
  settle_counts(rec);
}

void StreamDecoder::settle_counts(RequestRecord& rec) const {
  if (!rec.completion_tokens) {
    const auto content_events = static_cast<std::int64_t>(rec.token_times.size());
    if (m_per_chunk_known && content_events > 0) {
      rec.completion_tokens = m_stream_tokens;
      rec.completion_source = TokenSource::stream;
    } else {
      // A chunk is not a token (bench.md §A.4 #2): this count is flagged approximate.
      rec.completion_tokens = content_events;
      rec.completion_source = TokenSource::approx;
    }
  }
  if (!m_per_chunk_known) {
    rec.chunk_tokens.clear();
  }
}

void StreamDecoder::fail(ErrorClass error, std::string message, RequestRecord& rec) {
  if (rec.ok()) {
    rec.error = error;
    rec.error_message = std::move(message);
  }
}

void StreamDecoder::content(std::int64_t t_ns, std::optional<std::int64_t> tokens, RequestRecord& rec) {
  if (rec.first_token_ns == 0) {
    rec.first_token_ns = t_ns;
  }
  rec.last_token_ns = t_ns;
  rec.token_times.push_back(t_ns);
  if (tokens && m_per_chunk_known) {
    m_stream_tokens += *tokens;
    rec.chunk_tokens.push_back(static_cast<std::uint32_t>(*tokens));
  } else if (m_per_chunk_known) {
    m_per_chunk_known = false;
    rec.chunk_tokens.clear();
  }
}

void StreamDecoder::capture(std::optional<JsonRef> text, RequestRecord& rec) {
  if (m_capture && text && m_json.type(*text) == JsonType::string) {
    rec.output_text += m_json.as_string(*text).value_or("");
  }
}

void StreamDecoder::on_event(std::string_view data, bool error_event, std::int64_t t_ns, RequestRecord& rec) {
  if (!rec.ok()) {
    return; // the first failure decides; later events (e.g. vLLM's [DONE] after an error) do not matter
  }
  ++rec.events;
  if (rec.first_event_ns == 0) {
    rec.first_event_ns = t_ns;
  }
  if (error_event) {
    on_error_event(data, rec);
    return;
  }
  if (data == "[DONE]") {
    m_done = true;
    return;
  }
  if (!m_json.parse(data)) {
    fail(ErrorClass::malformed, fmt::format("event is not valid JSON: {}", excerpt(data)), rec);
    return;
  }
  if (m_json.type(m_json.root()) != JsonType::object) {
    fail(ErrorClass::malformed, fmt::format("event is not a JSON object: {}", excerpt(data)), rec);
    return;
  }
  if (check_error(rec)) {
    return;
  }
  switch (m_api) {
  case Api::openai_chat:
  case Api::openai_completions:
    on_openai(t_ns, rec);
    break;
  case Api::tgi:
    on_tgi(t_ns, rec);
    break;
  case Api::jetstream_http:
    on_jetstream(t_ns, rec);
    break;
  case Api::llamacpp:
    on_llamacpp(t_ns, rec);
    break;
  }
}

void StreamDecoder::on_error_event(std::string_view data, RequestRecord& rec) {
  // llama.cpp: `error: {"code":400,"message":"…","type":"invalid_request_error"}`; other
  // servers put {"error": {…}} in the data of an `event: error`.
  if (m_json.parse(data) && m_json.type(m_json.root()) == JsonType::object) {
    if (check_error(rec)) {
      return;
    }
    static constexpr std::string_view k_fields[] = {"message", "type"};
    std::optional<JsonRef> f[2];
    m_json.members(m_json.root(), k_fields, f);
    if (f[0]) {
      const std::string message = m_json.as_string(*f[0]).value_or(std::string(m_json.raw(*f[0])));
      const std::string type = f[1] ? m_json.as_string(*f[1]).value_or("") : std::string();
      fail(ErrorClass::stream_error,
           type.empty() ? fmt::format("error in stream: {}", message_excerpt(message))
                        : fmt::format("error in stream: {} ({})", message_excerpt(message), excerpt(type)),
           rec);
      return;
    }
  }
  fail(ErrorClass::stream_error, fmt::format("error in stream: {}", message_excerpt(data)), rec);
}

void StreamDecoder::read_timings(JsonRef timings, RequestRecord& rec) {
  if (m_json.type(timings) != JsonType::object) {
    return;
  }
  static constexpr std::string_view k_keys[] = {"prompt_n", "cache_n"};
  std::optional<JsonRef> t[2];
  m_json.members(timings, k_keys, t);
  const auto cache_n = t[1] ? m_json.as_int(*t[1]) : std::nullopt;
  const auto prompt_n = t[0] ? m_json.as_int(*t[0]) : std::nullopt;
  if (cache_n && *cache_n >= 0) {
    rec.cached_prompt_tokens = *cache_n; // newer llama.cpp names it
  } else if (prompt_n && *prompt_n >= 0 && rec.prompt_source == TokenSource::server && rec.prompt_tokens &&
             *rec.prompt_tokens >= *prompt_n) {
    rec.cached_prompt_tokens = *rec.prompt_tokens - *prompt_n; // processed = all − cached
  }
}

bool StreamDecoder::check_error(RequestRecord& rec) {
  // One pass over the top-level keys finds both error shapes.
  static constexpr std::string_view k_keys[] = {"error", "object", "message", "error_type"};
  std::optional<JsonRef> found[4];
  m_json.members(m_json.root(), k_keys, found);
  std::optional<JsonRef> err = found[0];
  if (!err || m_json.type(*err) == JsonType::null) {
    // Older vLLM: {"object": "error", "message": …}
    if (!found[1] || m_json.raw(*found[1]) != "error" || !found[2]) {
      return false;
    }
    err = found[2];
  }
  std::string message;
  std::string type;
  if (m_json.type(*err) == JsonType::object) {
    static constexpr std::string_view k_fields[] = {"message", "type"};
    std::optional<JsonRef> f[2];
    m_json.members(*err, k_fields, f);
    if (f[0]) {
      message = m_json.as_string(*f[0]).value_or(std::string(m_json.raw(*f[0])));
    }
    if (f[1]) {
      type = m_json.as_string(*f[1]).value_or("");
    }
  } else {
    message = m_json.as_string(*err).value_or(std::string(m_json.raw(*err)));
    if (found[3]) {
      type = m_json.as_string(*found[3]).value_or("");
    }
  }
  fail(ErrorClass::stream_error,
       type.empty() ? fmt::format("error in stream: {}", message_excerpt(message))
                    : fmt::format("error in stream: {} ({})", message_excerpt(message), excerpt(type)),
       rec);
  return true;
}

void StreamDecoder::on_openai(std::int64_t t_ns, RequestRecord& rec) {
  static constexpr std::string_view k_top[] = {"usage", "choices", "timings"};
  std::optional<JsonRef> top[3];
  m_json.members(m_json.root(), k_top, top);
  // Usage: the last chunk with include_usage, or every chunk with continuous usage stats.
  std::optional<std::int64_t> usage_delta;
  if (top[0] && m_json.type(*top[0]) == JsonType::object) {
    static constexpr std::string_view k_usage[] = {"completion_tokens", "prompt_tokens", "prompt_tokens_details"};
    std::optional<JsonRef> u[3];
    m_json.members(*top[0], k_usage, u);
    if (const auto n = u[0] ? m_json.as_int(*u[0]) : std::nullopt) {
      usage_delta = *n - m_last_usage.value_or(0);
      m_last_usage = *n;
      rec.completion_tokens = *n;
      rec.completion_source = TokenSource::server;
    }
    if (const auto n = u[1] ? m_json.as_int(*u[1]) : std::nullopt) {
      rec.prompt_tokens = *n;
      rec.prompt_source = TokenSource::server;
    }
    // OpenAI, vLLM (--enable-prompt-tokens-details), SGLang: {"cached_tokens": n}.
    if (u[2] && m_json.type(*u[2]) == JsonType::object) {
      if (const auto c = m_json.member(*u[2], "cached_tokens"); c && m_json.as_int(*c)) {
        rec.cached_prompt_tokens = *m_json.as_int(*c);
      }
    }
  }
  if (top[2] && !rec.cached_prompt_tokens) {
    read_timings(*top[2], rec); // llama.cpp's OpenAI routes add its timings to the last chunk
  }
  const auto choice = top[1] ? m_json.element(*top[1], 0) : std::nullopt;
  if (!choice) {
    return; // the usage-only chunk, or a keep-alive object
  }
  static constexpr std::string_view k_choice[] = {"delta", "text", "finish_reason"};
  std::optional<JsonRef> c[3];
  m_json.members(*choice, k_choice, c);
  bool has_content = false;
  bool has_role = false;
  if (m_api == Api::openai_chat) {
    if (c[0]) {
      static constexpr std::string_view k_delta[] = {"content", "reasoning", "reasoning_content", "tool_calls", "role"};
      std::optional<JsonRef> d[5];
      m_json.members(*c[0], k_delta, d);
      for (int i = 0; i < 3; ++i) {
        has_content = has_content || (d[i] && m_json.is_nonempty_string(*d[i]));
      }
      has_content = has_content || (d[3] && m_json.type(*d[3]) == JsonType::array && m_json.token(*d[3]).size > 0);
      has_role = d[4].has_value();
      capture(d[0], rec);
    }
  } else if (c[1] && m_json.is_nonempty_string(*c[1])) {
    has_content = true;
    capture(c[1], rec);
  }
  // A chunk whose running usage grew carried tokens even if their text is empty (special
  // tokens, a detokenizer holding back bytes).
  if (usage_delta && *usage_delta > 0) {
    has_content = true;
  }
  if (has_content) {
    content(t_ns, usage_delta, rec);
  } else if (has_role) {
    ++rec.role_only_events;
  }
  if (c[2] && m_json.type(*c[2]) == JsonType::string) {
    rec.finish_reason = m_json.as_string(*c[2]).value_or("");
    if (rec.finish_reason == "error") {
      fail(ErrorClass::stream_error, "error in stream: finish_reason \"error\"", rec);
      return;
    }
    m_done = true;
  }
}

void StreamDecoder::on_tgi(std::int64_t t_ns, RequestRecord& rec) {
  const JsonRef root = m_json.root();
  if (const auto token = m_json.member(root, "token"); token && m_json.type(*token) == JsonType::object) {
    content(t_ns, 1, rec); // TGI sends exactly one event per generated token (special ones included)
    if (m_capture) {
      const auto special = m_json.member(*token, "special");
      if (!special || !m_json.as_bool(*special).value_or(false)) {
        capture(m_json.member(*token, "text"), rec);
      }
    }
  }
  if (const auto text = m_json.member(root, "generated_text"); text && m_json.type(*text) != JsonType::null) {
    m_done = true;
  }
  if (const auto details = m_json.member(root, "details"); details && m_json.type(*details) == JsonType::object) {
    if (const auto n = m_json.member(*details, "generated_tokens"); n && m_json.as_int(*n)) {
      rec.completion_tokens = *m_json.as_int(*n);
      rec.completion_source = TokenSource::server;
    }
    if (const auto n = m_json.member(*details, "input_length"); n && m_json.as_int(*n)) {
      rec.prompt_tokens = *m_json.as_int(*n);
      rec.prompt_source = TokenSource::server;
    }
    if (const auto f = m_json.member(*details, "finish_reason")) {
      rec.finish_reason = m_json.as_string(*f).value_or("");
    }
  }
}

void StreamDecoder::on_jetstream(std::int64_t t_ns, RequestRecord& rec) {
  // {"streamContent": {"samples": [{"text": "…", "tokenIds": [578]}]}} (protobuf JSON, camelCase)
  const auto samples = m_json.path(m_json.root(), "streamContent", "samples");
  const auto sample = samples ? m_json.element(*samples, 0) : std::nullopt;
  if (!sample) {
    return;
  }
  const auto ids = m_json.member(*sample, "tokenIds");
  const std::int64_t n = ids && m_json.type(*ids) == JsonType::array ? m_json.token(*ids).size : 0;
  const auto text = m_json.member(*sample, "text");
  if (n > 0 || (text && m_json.is_nonempty_string(*text))) {
    // With text input the server may hold back partial characters: count ids, not messages.
    content(t_ns, ids ? std::optional<std::int64_t>(n) : std::nullopt, rec);
  }
}

void StreamDecoder::on_llamacpp(std::int64_t t_ns, RequestRecord& rec) {
  const JsonRef root = m_json.root();
  const auto tokens = m_json.member(root, "tokens");
  const std::optional<std::int64_t> n =
      tokens && m_json.type(*tokens) == JsonType::array ? std::optional<std::int64_t>(m_json.token(*tokens).size)
                                                        : std::nullopt;
  const auto text = m_json.member(root, "content");
  const bool stop = [&] {
    const auto s = m_json.member(root, "stop");
    return s && m_json.as_bool(*s).value_or(false);
  }();
  if ((n && *n > 0) || (text && m_json.is_nonempty_string(*text))) {
    content(t_ns, n, rec);
    capture(text, rec);
  }
  if (!stop) {
    return;
  }
  m_done = true;
  if (const auto p = m_json.member(root, "tokens_predicted"); p && m_json.as_int(*p)) {
    rec.completion_tokens = *m_json.as_int(*p);
    rec.completion_source = TokenSource::server;
  } else if (const auto t = m_json.path(root, "timings", "predicted_n"); t && m_json.as_int(*t)) {
    rec.completion_tokens = *m_json.as_int(*t);
    rec.completion_source = TokenSource::server;
  }
  if (const auto e = m_json.member(root, "tokens_evaluated"); e && m_json.as_int(*e)) {
    rec.prompt_tokens = *m_json.as_int(*e);
    rec.prompt_source = TokenSource::server;
  }
  if (const auto tr = m_json.member(root, "truncated"); tr && m_json.as_bool(*tr).value_or(false)) {
    rec.prompt_truncated = true; // the slot's context could not hold the prompt: it was cut
  }
  if (const auto t = m_json.member(root, "timings")) {
    read_timings(*t, rec);
  }
  if (const auto s = m_json.member(root, "stop_type")) {
    rec.finish_reason = m_json.as_string(*s).value_or("");
  }
}

} // namespace tpuplan::bench
