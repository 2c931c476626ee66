// A minimal JSON scanner that tracks the key path of every value, used only to point
// error messages at the right line and column.
#include <tpuplan/detail/json_position.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace tpuplan::detail {

namespace {

/// One open object or array while scanning.
struct Frame {
  bool object = false;
  std::string key;          ///< the current key (objects)
  std::size_t index = 0;    ///< the current element (arrays)
  bool expecting_key = true; ///< objects: a string here is a key, not a value
};

/// Returns the offset just past the string literal starting at `i` (text[i] == '"'), and
/// its contents with escapes left undecoded except \" and \\ (keys in configs are plain).
std::size_t scan_string(std::string_view text, std::size_t i, std::string& out) {
  out.clear();
  ++i;
  while (i < text.size() && text[i] != '"') {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    out += text[i++];
  }
  return i < text.size() ? i + 1 : i;
}

bool same_path(const std::vector<Frame>& stack, const std::vector<std::string>& path) {
  if (stack.size() != path.size()) {
    return false;
  }
  for (std::size_t k = 0; k < stack.size(); ++k) {
    const auto& f = stack[k];
    if (f.object ? f.key != path[k] : std::to_string(f.index) != path[k]) {
      return false;
    }
  }
  return true;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/// nlohmann reports the 1-based index of the last character read, which is the end of the
/// offending token; point at its start instead, where an editor's cursor should go.
std::size_t offending_token_start(std::string_view text, std::size_t byte) {
  if (byte == 0 || byte > text.size()) {
    return std::min(byte, text.size());
  }
  std::size_t i = byte - 1;
  if (text[i] == '"' && i > 0) {
    for (std::size_t j = i; j-- > 0;) {
      if (text[j] == '"' && (j == 0 || text[j - 1] != '\\')) {
        return j;
      }
    }
    return i;
  }
  auto in_token = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'; };
  if (!in_token(text[i]) && i > 0 && in_token(text[i - 1])) {
    --i; // "tru}": the '}' ended a bad literal
  }
  while (i > 0 && in_token(text[i]) && in_token(text[i - 1])) {
    --i;
  }
  return i;
}

/// "… at line 3, column 5: syntax error …; last read: '…'" → "syntax error …". The place
/// is given as file:line:col instead, and the echoed input may hold invalid UTF-8.
std::string parse_error_detail(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  auto at = what.find("column ");
  at = at == std::string::npos ? std::string::npos : what.find(": ", at);
  if (at != std::string::npos) {
    what = what.substr(at + 2);
  }
  if (auto last = what.find("; last read: "); last != std::string::npos) {
    what.erase(last);
  }
  return what;
}

} // namespace

JsonSyntaxError describe_parse_error(std::string_view text, const nlohmann::json::parse_error& e) {
  return {position_of_offset(text, offending_token_start(text, e.byte)), "malformed JSON: " + parse_error_detail(e)};
}

TextPosition position_of_offset(std::string_view text, std::size_t offset) {
  TextPosition p;
  const std::size_t end = offset < text.size() ? offset : text.size();
  for (std::size_t i = 0; i < end; ++i) {
    const auto ch = static_cast<unsigned char>(text[i]);
    if (ch == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((ch & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

std::optional<TextPosition> locate_json_value(std::string_view text, const std::vector<std::string>& path) {
  std::vector<Frame> stack;
  std::string token;
  std::size_t i = 0;
  // A value starts here: is it the one we are looking for?
  auto value_at = [&](std::size_t at) -> std::optional<TextPosition> {
    if (same_path(stack, path)) {
      return position_of_offset(text, at);
    }
    return std::nullopt;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (is_blank(c)) {
      ++i;
    } else if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().object) {
          stack.back().expecting_key = true;
        } else {
          ++stack.back().index;
        }
      }
      ++i;
    } else if (c == ':') {
      if (!stack.empty()) {
        stack.back().expecting_key = false;
      }
      ++i;
    } else if (c == '"') {
      const std::size_t start = i;
      i = scan_string(text, i, token);
      if (!stack.empty() && stack.back().object && stack.back().expecting_key) {
        stack.back().key = token;
      } else if (auto p = value_at(start)) {
        return p;
      }
    } else if (c == '{' || c == '[') {
      if (auto p = value_at(i)) {
        return p;
      }
      stack.push_back(Frame{c == '{', {}, 0, true});
      ++i;
    } else if (c == '}' || c == ']') {
      if (stack.empty()) {
        return std::nullopt;
      }
      stack.pop_back();
      ++i;
    } else {
      if (auto p = value_at(i)) {
        return p;
      }
      while (i < text.size() && !is_blank(text[i]) && text[i] != ',' && text[i] != '}' && text[i] != ']') {
        ++i;
      }
    }
  }
  return std::nullopt;
}

std::optional<JsonSyntaxError> json_limits_problem(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return JsonSyntaxError{position_of_offset(text, i),
                               fmt::format("JSON nested deeper than {} levels", max_depth)};
      }
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i + 1;
      while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) != 0 || text[end] == '.' ||
                                   text[end] == 'e' || text[end] == 'E' || text[end] == '+' || text[end] == '-')) {
        ++end;
      }
      const std::string token(text.substr(i, end - i));
      char* stop = nullptr;
      const double v = std::strtod(token.c_str(), &stop);
      if (stop != token.c_str() && std::isinf(v)) {
        return JsonSyntaxError{position_of_offset(text, i),
                               fmt::format("number {} is out of range (a double holds magnitudes up to 1.8e308)",
                                           token.size() > 40 ? token.substr(0, 40) + "…" : token)};
      }
      i = end - 1;
    }
  }
  return std::nullopt;
}

} // namespace tpuplan::detail
