#include <tpuplan/bench/json_index.hpp>
#include <tpuplan/detail/text.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace tpuplan::bench {

namespace {

using detail::is_digit;
using detail::hex_value;

constexpr int k_max_depth = 64;

/// Bytes a string scan must stop at: the closing quote, a backslash, control characters.
constexpr std::array<bool, 256> k_string_stop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

std::uint32_t read_hex4(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    v = v * 16 + static_cast<std::uint32_t>(hex_value(s[i]));
  }
  return v;
}

} // namespace

bool JsonIndex::parse(std::string_view text) {
  m_text = text;
  m_pos = 0;
  m_tokens.clear();
  skip_space();
  if (!parse_value(0)) {
    return false;
  }
  skip_space();
  return m_pos == m_text.size();
}

void JsonIndex::skip_space() {
  while (m_pos < m_text.size()) {
    const char c = m_text[m_pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      return;
    }
    ++m_pos;
  }
}

bool JsonIndex::parse_value(int depth) {
  if (m_pos >= m_text.size() || depth > k_max_depth) {
    return false;
  }
  const char c = m_text[m_pos];
  if (c == '{' || c == '[') {
    const bool is_object = c == '{';
    const auto self = static_cast<std::uint32_t>(m_tokens.size());
    m_tokens.push_back({is_object ? JsonType::object : JsonType::array, static_cast<std::uint32_t>(m_pos), 0, 0, 0, false});
    ++m_pos;
    skip_space();
    const char close = is_object ? '}' : ']';
    std::uint32_t count = 0;
    if (m_pos < m_text.size() && m_text[m_pos] == close) {
      ++m_pos;
    } else {
      while (true) {
        if (is_object) {
          if (m_pos >= m_text.size() || m_text[m_pos] != '"' || !parse_string()) {
            return false;
          }
          skip_space();
          if (m_pos >= m_text.size() || m_text[m_pos] != ':') {
            return false;
          }
          ++m_pos;
          skip_space();
        }
        if (!parse_value(depth + 1)) {
          return false;
        }
        ++count;
        skip_space();
        if (m_pos >= m_text.size()) {
          return false;
        }
        if (m_text[m_pos] == ',') {
          ++m_pos;
          skip_space();
          continue;
        }
        if (m_text[m_pos] != close) {
          return false;
        }
        ++m_pos;
        break;
      }
    }
    m_tokens[self].end = static_cast<std::uint32_t>(m_pos);
    m_tokens[self].size = count;
    m_tokens[self].next = static_cast<std::uint32_t>(m_tokens.size());
    return true;
  }
  if (c == '"') {
    return parse_string();
  }
  if (c == 't') {
    return parse_literal("true", JsonType::boolean);
  }
  if (c == 'f') {
    return parse_literal("false", JsonType::boolean);
  }
  if (c == 'n') {
    return parse_literal("null", JsonType::null);
  }
  return parse_number();
}

bool JsonIndex::parse_string() {
  const std::size_t begin = m_pos + 1;
  bool escaped = false;
  std::size_t i = begin;
  while (i < m_text.size()) {
    const auto c = static_cast<unsigned char>(m_text[i]);
    if (!k_string_stop[c]) {
      ++i; // the common case: one table lookup per ordinary byte
      continue;
    }
    if (c == '"') {
      const auto self = static_cast<std::uint32_t>(m_tokens.size());
      m_tokens.push_back({JsonType::string, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i),
                          self + 1, 0, escaped});
      m_pos = i + 1;
      return true;
    }
    if (c < 0x20) {
      return false; // control characters must be escaped (RFC 8259 §7)
    }
    if (c == '\\') {
      escaped = true;
      if (i + 1 >= m_text.size()) {
        return false;
      }
      const char e = m_text[i + 1];
      if (e == 'u') {
        if (i + 5 >= m_text.size()) {
          return false;
        }
        for (std::size_t k = i + 2; k < i + 6; ++k) {
          if (hex_value(m_text[k]) < 0) {
            return false;
          }
        }
        i += 6;
        continue;
      }
      if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
        return false;
      }
      i += 2;
      continue;
    }
    ++i;
  }
  return false;
}

bool JsonIndex::parse_number() {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (RFC 8259 §6)
  const std::size_t begin = m_pos;
  std::size_t i = m_pos;
  if (i < m_text.size() && m_text[i] == '-') {
    ++i;
  }
  if (i >= m_text.size() || !is_digit(m_text[i])) {
    return false;
  }
  if (m_text[i] == '0') {
    ++i;
  } else {
    while (i < m_text.size() && is_digit(m_text[i])) {
      ++i;
    }
  }
  if (i < m_text.size() && m_text[i] == '.') {
    ++i;
    if (i >= m_text.size() || !is_digit(m_text[i])) {
      return false;
    }
    while (i < m_text.size() && is_digit(m_text[i])) {
      ++i;
    }
  }
  if (i < m_text.size() && (m_text[i] == 'e' || m_text[i] == 'E')) {
    ++i;
    if (i < m_text.size() && (m_text[i] == '+' || m_text[i] == '-')) {
      ++i;
    }
    if (i >= m_text.size() || !is_digit(m_text[i])) {
      return false;
    }
    while (i < m_text.size() && is_digit(m_text[i])) {
      ++i;
    }
  }
  const auto self = static_cast<std::uint32_t>(m_tokens.size());
  m_tokens.push_back({JsonType::number, static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(i), self + 1, 0, false});
  m_pos = i;
  return true;
}

bool JsonIndex::parse_literal(std::string_view word, JsonType type) {
  if (m_text.substr(m_pos, word.size()) != word) {
    return false;
  }
  const auto self = static_cast<std::uint32_t>(m_tokens.size());
  m_tokens.push_back({type, static_cast<std::uint32_t>(m_pos), static_cast<std::uint32_t>(m_pos + word.size()),
                      self + 1, 0, false});
  m_pos += word.size();
  return true;
}

std::optional<JsonRef> JsonIndex::member(JsonRef obj, std::string_view key) const {
  const JsonToken& o = m_tokens[obj];
  if (o.type != JsonType::object) {
    return std::nullopt;
  }
  JsonRef k = obj + 1;
  for (std::uint32_t i = 0; i < o.size; ++i) {
    const JsonRef v = k + 1;
    if (raw(k) == key) {
      return v;
    }
    k = m_tokens[v].next;
  }
  return std::nullopt;
}

void JsonIndex::members(JsonRef obj, const std::string_view* keys, std::optional<JsonRef>* out, std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i) {
    out[i].reset();
  }
  const JsonToken& o = m_tokens[obj];
  if (o.type != JsonType::object) {
    return;
  }
  JsonRef k = obj + 1;
  for (std::uint32_t m = 0; m < o.size; ++m) {
    const JsonRef v = k + 1;
    const std::string_view name = raw(k);
    for (std::size_t i = 0; i < n; ++i) {
      if (!out[i] && name == keys[i]) {
        out[i] = v;
        break;
      }
    }
    k = m_tokens[v].next;
  }
}

std::optional<JsonRef> JsonIndex::element(JsonRef arr, std::size_t i) const {
  const JsonToken& a = m_tokens[arr];
  if (a.type != JsonType::array || i >= a.size) {
    return std::nullopt;
  }
  JsonRef e = arr + 1;
  for (std::size_t k = 0; k < i; ++k) {
    e = m_tokens[e].next;
  }
  return e;
}

std::string_view JsonIndex::raw(JsonRef ref) const {
  const JsonToken& t = m_tokens[ref];
  return m_text.substr(t.begin, t.end - t.begin);
}

bool JsonIndex::is_nonempty_string(JsonRef ref) const {
  const JsonToken& t = m_tokens[ref];
  return t.type == JsonType::string && t.end > t.begin;
}

std::optional<std::int64_t> JsonIndex::as_int(JsonRef ref) const {
  if (m_tokens[ref].type != JsonType::number) {
    return std::nullopt;
  }
  const std::string_view r = raw(ref);
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(r.data(), r.data() + r.size(), v);
  if (ec == std::errc() && p == r.data() + r.size()) {
    return v;
  }
  const auto d = as_number(ref);
  // A whole number in double form ("1e3"): converted only inside int64's range (2^63 is
  // exactly representable), since a server's 1e20 must not reach an undefined conversion.
  constexpr double k_two_63 = 9223372036854775808.0;
  if (d && std::isfinite(*d) && *d >= -k_two_63 && *d < k_two_63 && *d == std::trunc(*d)) {
    return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

std::optional<double> JsonIndex::as_number(JsonRef ref) const {
  if (m_tokens[ref].type != JsonType::number) {
    return std::nullopt;
  }
  const std::string_view r = raw(ref);
  double v = 0;
  const auto [p, ec] = std::from_chars(r.data(), r.data() + r.size(), v);
  if (ec != std::errc() || p != r.data() + r.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<bool> JsonIndex::as_bool(JsonRef ref) const {
  if (m_tokens[ref].type != JsonType::boolean) {
    return std::nullopt;
  }
  return raw(ref) == "true";
}

std::optional<std::string> JsonIndex::as_string(JsonRef ref) const {
  const JsonToken& t = m_tokens[ref];
  if (t.type != JsonType::string) {
    return std::nullopt;
  }
  const std::string_view r = raw(ref);
  if (!t.escaped) {
    return std::string(r);
  }
  std::string out;
  out.reserve(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] != '\\') {
      out += r[i];
      continue;
    }
    const char e = r[++i];
    switch (e) {
    case 'b': out += '\b'; break;
    case 'f': out += '\f'; break;
    case 'n': out += '\n'; break;
    case 'r': out += '\r'; break;
    case 't': out += '\t'; break;
    case 'u': {
      std::uint32_t cp = read_hex4(r, i + 1);
      i += 4;
      // A high surrogate followed by \uDC00–\uDFFF forms one code point (RFC 8259 §7).
      if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < r.size() && r[i + 1] == '\\' && r[i + 2] == 'u') {
        const std::uint32_t lo = read_hex4(r, i + 3);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
      }
      detail::append_utf8(out, cp);
      break;
    }
    default: out += e; break; // " \ /
    }
  }
  return out;
}

} // namespace tpuplan::bench
