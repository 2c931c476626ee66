// Where a value sits in JSON text: nlohmann::json keeps no positions, but error messages
// must name file:line:col (DESIGN.md §3), so this scans the text once more on demand.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::detail {

/// A 1-based line and column; columns count UTF-8 code points, as editors do.
struct TextPosition {
  int line = 1;
  int column = 1;
};

/// The line and column of byte `offset` in `text` (offsets past the end give the end).
TextPosition position_of_offset(std::string_view text, std::size_t offset);

/// The position where the value at `path` starts in JSON `text`: object keys by name,
/// array elements by decimal index ("layer_types", "3"). The empty path is the root value.
/// Returns nullopt when the path is absent or the text is not well-formed up to it.
std::optional<TextPosition> locate_json_value(std::string_view text, const std::vector<std::string>& path);

/// A JSON syntax error: where the offending token starts, and what is wrong.
struct JsonSyntaxError {
  TextPosition position;
  std::string message; ///< "malformed JSON: syntax error while parsing object - …"
};

/// Describes nlohmann's parse error for `text`: points at the start of the offending token
/// (nlohmann gives its end) and drops the echoed input, which may hold invalid UTF-8.
JsonSyntaxError describe_parse_error(std::string_view text, const nlohmann::json::parse_error& e);

/// The deepest nesting of arrays and objects a JSON document may have.
constexpr int k_max_json_depth = 256;

/// What of JSON `text` a reader must not be handed, found in one linear scan before parsing:
/// nesting deeper than `max_depth` (recursion in the reader and in error messages), or a
/// number whose magnitude a double cannot hold (1e400). Nullopt when there is none; a syntax
/// error is left to the parser.
std::optional<JsonSyntaxError> json_limits_problem(std::string_view text, int max_depth = k_max_json_depth);

} // namespace tpuplan::detail
