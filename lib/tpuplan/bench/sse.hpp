// Server-sent events framing (WHATWG HTML §9.2.6 "Interpreting an event stream"), as spoken
// by OpenAI-compatible servers, TGI and llama.cpp: TCP reads do not align with events, so
// bytes are buffered and split on blank lines.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tpuplan::bench {

/// An incremental SSE parser: feed bytes as they arrive, then pull complete events.
/// Lines may end in LF, CRLF or CR; `data:` with or without a space; `:` lines are comments;
/// several data lines of one event are joined with LF; other fields are ignored, except
/// that an `error:` line (llama.cpp's server writes its in-stream errors so) is read like a
/// data line and, like `event: error`, marks the event as an error (last_is_error()).
class SseParser {
public:
  /// Appends received bytes. Invalidates views returned by next().
  void feed(std::string_view bytes);
  /// The data of the next complete event; false when no complete event is buffered.
  /// The view stays valid until the next feed().
  bool next(std::string_view& data);
  /// True when the event next() returned last came from an `error:` field or `event: error`.
  bool last_is_error() const { return m_last_is_error; }
  /// Marks the end of the stream: a last event not followed by a blank line is still
  /// delivered by next() (vLLM's client accepts it too).
  void finish() { m_finished = true; }
  /// Bytes buffered but not yet part of a delivered event (ignoring blank lines).
  bool has_partial_event() const;
  /// Forgets everything (for reuse on a new stream).
  void reset();

private:
  bool next_line(std::size_t& begin, std::size_t& end);

  std::string m_buf;             // received bytes from the start of the current event
  std::size_t m_pos = 0;         // where the next line starts
  std::size_t m_event_start = 0; // where the current event's first line starts
  std::size_t m_first_begin = 0; // the first data line's value, as offsets into m_buf
  std::size_t m_first_end = 0;
  std::size_t m_data_lines = 0;
  std::string m_joined;          // the data of a multi-line event
  bool m_skip_lf = false;        // the last line ended in CR: a following LF belongs to it
  bool m_error = false;          // the current event is an error (an error: line, event: error)
  bool m_last_is_error = false;
  bool m_finished = false;
};

} // namespace tpuplan::bench
