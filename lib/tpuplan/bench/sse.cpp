#include <tpuplan/bench/sse.hpp>

#include <cstring>

namespace tpuplan::bench {

void SseParser::reset() {
  m_buf.clear();
  m_pos = m_event_start = m_first_begin = m_first_end = m_data_lines = 0;
  m_joined.clear();
  m_skip_lf = m_finished = m_error = m_last_is_error = false;
}

void SseParser::feed(std::string_view bytes) {
  // Drop what earlier events consumed; keep the current event's lines (their offsets shift).
  if (m_event_start > 0) {
    m_buf.erase(0, m_event_start);
    m_pos -= m_event_start;
    m_first_begin -= std::min(m_first_begin, m_event_start);
    m_first_end -= std::min(m_first_end, m_event_start);
    m_event_start = 0;
  }
  m_buf.append(bytes.data(), bytes.size());
}

bool SseParser::next_line(std::size_t& begin, std::size_t& end) {
  if (m_skip_lf && m_pos < m_buf.size()) {
    if (m_buf[m_pos] == '\n') {
      ++m_pos;
      if (m_event_start == m_pos - 1) {
        m_event_start = m_pos;
      }
    }
    m_skip_lf = false;
  }
  const char* start = m_buf.data() + m_pos;
  const std::size_t left = m_buf.size() - m_pos;
  // memchr twice is faster than a byte loop; CR alone as a terminator is rare but legal.
  const void* lf = std::memchr(start, '\n', left);
  const std::size_t lf_at = lf != nullptr ? static_cast<std::size_t>(static_cast<const char*>(lf) - start) : left;
  const void* cr = std::memchr(start, '\r', lf_at);
  const std::size_t at = cr != nullptr ? static_cast<std::size_t>(static_cast<const char*>(cr) - start) : lf_at;
  if (at == left) {
    if (!m_finished || left == 0) {
      return false;
    }
    begin = m_pos;
    end = m_buf.size();
    m_pos = end;
    return true;
  }
  begin = m_pos;
  end = m_pos + at;
  m_pos = end + 1;
  if (start[at] == '\r') {
    if (m_pos < m_buf.size()) {
      if (m_buf[m_pos] == '\n') {
        ++m_pos;
      }
    } else {
      m_skip_lf = true;
    }
  }
  return true;
}

bool SseParser::next(std::string_view& data) {
  std::size_t begin = 0;
  std::size_t end = 0;
  while (true) {
    const bool have_line = next_line(begin, end);
    const bool at_end = !have_line && m_finished;
    if (!have_line && !at_end) {
      return false;
    }
    if (at_end || begin == end) {
      // A blank line (or the end of the stream) dispatches the event, if it has data.
      const std::size_t lines = m_data_lines;
      m_data_lines = 0;
      m_event_start = m_pos;
      m_last_is_error = m_error;
      m_error = false;
      if (lines == 1) {
        data = std::string_view(m_buf).substr(m_first_begin, m_first_end - m_first_begin);
        return true;
      }
      if (lines > 1) {
        data = m_joined;
        return true;
      }
      if (at_end) {
        return false;
      }
      continue;
    }
    const std::string_view line(m_buf.data() + begin, end - begin);
    if (line[0] == ':') {
      continue; // comment / keep-alive
    }
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    if (field == "event") {
      const std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
      m_error = m_error || value == "error" || value == " error";
      continue;
    }
    if (field == "error") {
      m_error = true; // llama.cpp: "error: {…}" inside a 200 stream; its value is the event's data
    } else if (field != "data") {
      continue; // id, retry and unknown fields do not change the data
    }
    std::size_t value_begin = colon == std::string_view::npos ? end : begin + colon + 1;
    if (value_begin < end && m_buf[value_begin] == ' ') {
      ++value_begin;
    }
    if (m_data_lines == 0) {
      m_first_begin = value_begin;
      m_first_end = end;
    } else {
      if (m_data_lines == 1) {
        m_joined.assign(m_buf, m_first_begin, m_first_end - m_first_begin);
      }
      m_joined += '\n';
      m_joined.append(m_buf, value_begin, end - value_begin);
    }
    ++m_data_lines;
  }
}

bool SseParser::has_partial_event() const {
  if (m_data_lines > 0) {
    return true;
  }
  for (std::size_t i = m_pos; i < m_buf.size(); ++i) {
    if (m_buf[i] != '\n' && m_buf[i] != '\r') {
      return true;
    }
  }
  return false;
}

} // namespace tpuplan::bench
