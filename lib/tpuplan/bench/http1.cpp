#include <tpuplan/bench/http1.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

using detail::is_digit;
using detail::hex_value;

/// Longest chunk-size line accepted (size, extensions): RFC 9112 sets no limit; servers send
/// a few hex digits.
constexpr std::size_t k_max_chunk_line = 4096;
/// Largest chunk or Content-Length believed (the engine's response cap is far below).
constexpr std::uint64_t k_max_body_length = std::uint64_t{1} << 60;

/// Calls `fn` with each comma-separated, trimmed, non-empty element of a list field value.
template <typename Fn> void for_each_element(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = detail::trim(value.substr(0, comma));
    if (!item.empty()) {
      fn(item);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
}

std::string_view header_name(std::string_view line) {
  const auto colon = line.find(':');
  return colon == std::string_view::npos ? std::string_view{} : detail::trim(line.substr(0, colon));
}

} // namespace

bool Http1ResponseParser::fail(std::string message) {
  m_state = State::failed;
  m_error = std::move(message);
  return false;
}

bool Http1ResponseParser::take_line(std::string_view& data, std::string_view& line) {
  const auto lf = data.find('\n');
  const std::size_t cap = m_state == State::chunk_size || m_state == State::chunk_data_end ? k_max_chunk_line : k_max_head_bytes;
  if (lf == std::string_view::npos) {
    if (m_line.size() + data.size() > cap) {
      return fail(fmt::format("a response line longer than {} bytes", cap));
    }
    m_line.append(data);
    data = {};
    return false;
  }
  if (m_line.empty()) {
    line = data.substr(0, lf);
  } else {
    if (m_line.size() + lf > cap) {
      return fail(fmt::format("a response line longer than {} bytes", cap));
    }
    m_line.append(data.substr(0, lf));
    line = m_line;
  }
  data.remove_prefix(lf + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return true;
}

bool Http1ResponseParser::on_status_line(std::string_view line) {
  // HTTP-version SP status-code [SP reason-phrase]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || !is_digit(line[7]) || line[8] != ' ' ||
      !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
    return fail(fmt::format("not an HTTP/1.x status line: '{}'", line.substr(0, 40)));
  }
  m_minor_version = line[7] - '0';
  m_status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  m_chunked = m_has_length = m_connection_close = m_connection_keep_alive = m_transfer_encoding = false;
  m_content_length = 0;
  m_state = State::headers;
  return true;
}

bool Http1ResponseParser::on_header(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return true; // obsolete line folding: a continuation of a field that does not frame the body
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(fmt::format("a header line without a field name: '{}'", line.substr(0, 40)));
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = detail::trim(line.substr(colon + 1));
  if (detail::iequals(name, "content-length")) {
    bool ok = true;
    for_each_element(value, [&](std::string_view item) {
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
      if (ec != std::errc{} || end != item.data() + item.size() || n > k_max_body_length ||
          (m_has_length && n != m_content_length)) {
        ok = false;
        return;
      }
      m_content_length = n;
      m_has_length = true;
    });
    if (!ok) {
      return fail(fmt::format("an invalid Content-Length: '{}'", value.substr(0, 40)));
    }
  } else if (detail::iequals(name, "transfer-encoding")) {
    m_transfer_encoding = true;
    for_each_element(value, [&](std::string_view item) { m_chunked = detail::iequals(item, "chunked"); });
  } else if (detail::iequals(name, "connection")) {
    for_each_element(value, [&](std::string_view item) {
      m_connection_close = m_connection_close || detail::iequals(item, "close");
      m_connection_keep_alive = m_connection_keep_alive || detail::iequals(item, "keep-alive");
    });
  }
  return true;
}

bool Http1ResponseParser::on_head_end() {
  if (m_status >= 100 && m_status < 200) {
    if (m_status == 101) {
      return fail("the server switched protocols (101), which a stream request does not ask for");
    }
    m_status = 0; // an interim response: the final one follows
    m_state = State::status_line;
    return true;
  }
  m_keep_alive = m_minor_version >= 1 ? !m_connection_close : m_connection_keep_alive && !m_connection_close;
  if (m_status == 204 || m_status == 304) {
    m_state = State::done;
  } else if (m_transfer_encoding) {
    // A coding other than chunked last: the body runs to the close (RFC 9112 §6.3).
    m_state = m_chunked ? State::chunk_size : State::close_body;
    m_keep_alive = m_keep_alive && m_chunked;
  } else if (m_has_length) {
    m_remaining = m_content_length;
    m_state = m_content_length == 0 ? State::done : State::length_body;
  } else {
    m_state = State::close_body;
    m_keep_alive = false;
  }
  return true;
}

bool Http1ResponseParser::on_chunk_size(std::string_view line) {
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
    if (size > k_max_body_length) {
      return fail("a chunk size too large to believe");
    }
  }
  const std::string_view rest = detail::trim(line.substr(i));
  if (i == 0 || (!rest.empty() && rest.front() != ';')) {
    return fail(fmt::format("an invalid chunk size line: '{}'", line.substr(0, 40)));
  }
  m_remaining = size;
  m_state = size == 0 ? State::trailers : State::chunk_data;
  return true;
}

std::size_t Http1ResponseParser::feed(std::string_view data, Http1Sink& sink) {
  const std::size_t total = data.size();
  while (!data.empty() && m_state != State::done && m_state != State::failed) {
    switch (m_state) {
    case State::length_body:
    case State::chunk_data: {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, data.size()));
      const std::string_view part = data.substr(0, n);
      data.remove_prefix(n);
      m_remaining -= n;
      if (m_remaining == 0) {
        m_state = m_state == State::length_body ? State::done : State::chunk_data_end;
      }
      if (!sink.body(part)) {
        m_state = State::failed;
        m_error.clear();
      }
      break;
    }
    case State::close_body:
      if (!sink.body(data)) {
        m_state = State::failed;
        m_error.clear();
      }
      data = {};
      break;
    default: {
      const std::size_t before = data.size();
      std::string_view line;
      const bool whole = take_line(data, line);
      const bool in_head = m_state == State::status_line || m_state == State::headers || m_state == State::trailers;
      if (in_head) {
        m_head_bytes += before - data.size();
        if (m_head_bytes > k_max_head_bytes) {
          fail(fmt::format("response header section larger than {} bytes", k_max_head_bytes));
          break;
        }
      }
      if (!whole) {
        break;
      }
      switch (m_state) {
      case State::status_line:
        if (!line.empty() && on_status_line(line)) { // blank lines before a status line are skipped
          sink.header_line(line);
        }
        break;
      case State::headers:
        if (line.empty()) {
          m_head_bytes = 0;
          on_head_end();
        } else if (on_header(line)) {
          sink.header_line(line);
        }
        break;
      case State::chunk_size:
        on_chunk_size(line);
        break;
      case State::chunk_data_end:
        if (!line.empty()) {
          fail("a chunk not followed by its line ending");
        } else {
          m_state = State::chunk_size;
        }
        break;
      case State::trailers:
        if (line.empty()) {
          m_state = State::done;
        }
        break;
      default:
        break;
      }
      m_line.clear();
      break;
    }
    }
  }
  const std::size_t used = total - data.size();
  m_bytes_seen += static_cast<std::int64_t>(used);
  return used;
}

bool Http1ResponseParser::close() {
  if (m_state == State::close_body) {
    m_state = State::done;
  }
  return m_state == State::done;
}

void Http1ResponseParser::reset() {
  m_state = State::status_line;
  m_line.clear();
  m_head_bytes = 0;
  m_bytes_seen = 0;
  m_remaining = 0;
  m_status = 0;
  m_minor_version = 1;
  m_keep_alive = true;
  m_error.clear();
}

std::string http1_request_head(std::string_view method, std::string_view target, std::string_view host,
                               const std::vector<std::string>& default_headers,
                               const std::vector<std::string>& extra_headers) {
  std::string head = fmt::format("{} {} HTTP/1.1\r\n", method, target);
  const auto overridden = [&](std::string_view name) {
    return std::any_of(extra_headers.begin(), extra_headers.end(),
                       [&](const std::string& h) { return detail::iequals(header_name(h), name); });
  };
  if (!overridden("host")) {
    head += fmt::format("Host: {}\r\n", host);
  }
  for (const auto& h : default_headers) {
    if (!overridden(header_name(h))) {
      head += h;
      head += "\r\n";
    }
  }
  for (const auto& h : extra_headers) {
    const auto colon = h.find(':');
    if (colon != std::string::npos && !detail::trim(std::string_view(h).substr(colon + 1)).empty()) {
      head += h;
      head += "\r\n";
    }
  }
  return head;
}

void http1_append_request(std::string& out, std::string_view head, std::string_view body) {
  out.append(head);
  out.append("Content-Length: ");
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body.size());
  (void)ec;
  out.append(digits, end);
  out.append("\r\n\r\n");
  out.append(body);
}

} // namespace tpuplan::bench
