#include <tpuplan/bench/json_stream.hpp>

namespace tpuplan::bench {

void JsonObjectStream::reset() {
  m_buf.clear();
  m_scan = m_start = 0;
  m_depth = 0;
  m_in_string = m_escape = m_malformed = false;
}

void JsonObjectStream::feed(std::string_view bytes) {
  // Keep only the unfinished object (or nothing) from earlier feeds.
  const std::size_t keep_from = m_depth > 0 ? m_start : m_scan;
  if (keep_from > 0) {
    m_buf.erase(0, keep_from);
    m_scan -= keep_from;
    m_start -= std::min(m_start, keep_from);
  }
  m_buf.append(bytes.data(), bytes.size());
}

bool JsonObjectStream::next(std::string_view& object) {
  // Nothing after the first byte outside an object: what follows it must not depend on
  // whether it arrived in the same read (a fuzzed stream found "event: …{…}" decoded whole
  // but refused when cut before the brace).
  if (m_malformed) {
    return false;
  }
  while (m_scan < m_buf.size()) {
    const char c = m_buf[m_scan++];
    if (m_in_string) {
      if (m_escape) {
        m_escape = false;
      } else if (c == '\\') {
        m_escape = true;
      } else if (c == '"') {
        m_in_string = false;
      }
      continue;
    }
    if (m_depth == 0) {
      if (c == '{') {
        m_start = m_scan - 1;
        m_depth = 1;
      } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        m_malformed = true;
        return false;
      }
      continue;
    }
    if (c == '"') {
      m_in_string = true;
    } else if (c == '{' || c == '[') {
      ++m_depth;
    } else if (c == '}' || c == ']') {
      if (--m_depth == 0) {
        object = std::string_view(m_buf).substr(m_start, m_scan - m_start);
        return true;
      }
    }
  }
  return false;
}

} // namespace tpuplan::bench
