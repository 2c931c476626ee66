// Small ASCII text helpers shared by the readers (YAML, JSON configs, HTTP): case folding
// and trimming. ASCII only on purpose — keys, header names and identifiers are ASCII, and the
// result must not depend on the process locale.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace tpuplan::detail {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// `s` with A–Z folded to a–z.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ascii_lower(c); });
  return out;
}

/// '0'–'9'.
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The value of a hexadecimal digit (either case), or -1.
inline int hex_value(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  const char l = ascii_lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

/// Equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

/// Appends code point `cp` (at most U+10FFFF; the caller rejects surrogates) as UTF-8: the
/// JSON and YAML readers' escapes (\\u00e9, \\U0001F600).
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Starts with `prefix`, ignoring ASCII case.
inline bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

/// `s` without leading and trailing characters of `chars` (spaces and tabs by default).
inline std::string_view trim(std::string_view s, std::string_view chars = " \t") {
  const auto begin = s.find_first_not_of(chars);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(chars) - begin + 1);
}

/// `text` safe inside XML or XHTML character data and attribute values: & < > " ' as entities.
inline std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1), Unicode
/// bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and bytes
/// that are not UTF-8 are written as escapes ("\\x1b", "\\u{202e}"); a backslash stays
/// as it is. Other UTF-8 text is kept.
std::string escape_for_terminal(std::string_view text);

} // namespace tpuplan::detail
