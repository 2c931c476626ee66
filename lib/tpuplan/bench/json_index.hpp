// A validating, allocation-free (after warm-up) JSON tokenizer for the hot path of the
// bench client: one pass over a stream event builds a flat token array, then lookups walk
// it. A full DOM (nlohmann::json) costs several µs per event; this costs well under one,
// which is what keeps client overhead below the per-event budget (docs/performance.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// The type of a JSON value.
enum class JsonType : std::uint8_t { object, array, string, number, boolean, null };

/// One value of a parsed text. Objects hold key/value token pairs, arrays their elements.
struct JsonToken {
  JsonType type = JsonType::null;
  std::uint32_t begin = 0; ///< offset of the raw text (for strings: after the opening quote)
  std::uint32_t end = 0;   ///< one past the raw text (for strings: the closing quote)
  std::uint32_t next = 0;  ///< index of the token after this value's subtree
  std::uint32_t size = 0;  ///< object members or array elements
  bool escaped = false;    ///< a string holding backslash escapes
};

/// Index of a token in a JsonIndex.
using JsonRef = std::uint32_t;

/// A parsed JSON text: validation plus lookups, without copying strings.
class JsonIndex {
public:
  /// Parses `text` (a view that must outlive the lookups). Returns false when it is not
  /// exactly one valid JSON value (surrounding whitespace allowed), or nests deeper than 64.
  bool parse(std::string_view text);

  /// The top-level value (only after a successful parse).
  JsonRef root() const { return 0; }
  const JsonToken& token(JsonRef ref) const { return m_tokens[ref]; }
  JsonType type(JsonRef ref) const { return m_tokens[ref].type; }

  /// The value of member `key` of object `obj`; nullopt when `obj` is not an object or lacks it.
  std::optional<JsonRef> member(JsonRef obj, std::string_view key) const;
  /// Looks up several members of object `obj` in one pass: out[i] is the value of keys[i]
  /// (first occurrence), or nullopt. Cheaper than one member() call per key.
  template <std::size_t N>
  void members(JsonRef obj, const std::string_view (&keys)[N], std::optional<JsonRef> (&out)[N]) const {
    members(obj, keys, out, N);
  }
  /// Element `i` of array `arr`; nullopt when out of range or not an array.
  std::optional<JsonRef> element(JsonRef arr, std::size_t i) const;
  /// Raw text of a value (strings: without quotes, escapes undecoded).
  std::string_view raw(JsonRef ref) const;
  /// True for a string with at least one character.
  bool is_nonempty_string(JsonRef ref) const;
  /// An integral number (also accepts "12.0"); nullopt for other types.
  std::optional<std::int64_t> as_int(JsonRef ref) const;
  /// Any number; nullopt for other types.
  std::optional<double> as_number(JsonRef ref) const;
  /// A boolean; nullopt for other types.
  std::optional<bool> as_bool(JsonRef ref) const;
  /// A string, escapes decoded to UTF-8; nullopt for other types.
  std::optional<std::string> as_string(JsonRef ref) const;

  /// Follows a path of object keys from `from`: path("usage", "completion_tokens").
  template <typename... Keys>
  std::optional<JsonRef> path(JsonRef from, std::string_view key, Keys... rest) const {
    auto next = member(from, key);
    if constexpr (sizeof...(rest) == 0) {
      return next;
    } else {
      return next ? path(*next, rest...) : std::nullopt;
    }
  }

private:
  void members(JsonRef obj, const std::string_view* keys, std::optional<JsonRef>* out, std::size_t n) const;
  bool parse_value(int depth);
  bool parse_string();
  bool parse_number();
  bool parse_literal(std::string_view word, JsonType type);
  void skip_space();

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::vector<JsonToken> m_tokens;
};

} // namespace tpuplan::bench
