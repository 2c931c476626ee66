// Framing of a stream of concatenated JSON objects with no delimiter, as JetStream's HTTP
// server writes them (protobuf MessageToJson output, pretty-printed over several lines,
// one object after another: `{...}{...}`; bench.md §B.3). A brace-depth scanner that
// respects strings and escapes finds where each object ends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tpuplan::bench {

/// Splits concatenated JSON objects; feed bytes, then pull complete objects.
class JsonObjectStream {
public:
  /// Appends received bytes. Invalidates views returned by next().
  void feed(std::string_view bytes);
  /// The text of the next complete top-level object; false when none is complete yet.
  bool next(std::string_view& object);
  /// True when something other than whitespace appeared between objects (or a closing
  /// brace without an opening one): the stream is malformed, and next() gives nothing more.
  bool malformed() const { return m_malformed; }
  /// True when an object has started but not ended.
  bool has_partial_object() const { return m_depth > 0; }
  /// Forgets everything (for reuse on a new stream).
  void reset();

private:
  std::string m_buf;
  std::size_t m_scan = 0;      // next byte to look at
  std::size_t m_start = 0;     // where the current object starts
  int m_depth = 0;
  bool m_in_string = false;
  bool m_escape = false;
  bool m_malformed = false;
};

} // namespace tpuplan::bench
