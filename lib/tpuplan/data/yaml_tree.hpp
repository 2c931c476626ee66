// A parsed YAML document as an immutable tree, and the fast parser that builds it.
//
// yaml-cpp needs about 70 µs per price-sheet offering (a 10,000-offering sheet took 0.7 s and
// 165 MB), so tpuplan parses the YAML its files use itself: block and flow mappings and lists,
// plain, quoted and block scalars (| and >), anchors, aliases and comments. Anything else —
// tags, directives, complex keys, multi-line plain or quoted scalars, tabs or CR line ends, a
// second document, and every syntax error — is handed to yaml-cpp, whose tree is copied into
// the same shape and whose messages report the errors. Either way a caller sees one tree, with
// yaml-cpp's semantics: the same node kinds, scalar texts, "was it quoted" and positions (a
// differential test compares the two parsers on every YAML file in the tree). On yaml-cpp's
// path check_document() first refuses a second document and nesting deeper than 64 levels,
// which the fast parser never reads itself.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::yaml {

/// One node of a document. Positions are 0-based (line, byte column), as yaml-cpp's marks.
struct TreeItem {
  enum class Kind : std::uint8_t { null, scalar, map, list };
  Kind kind = Kind::null;
  bool quoted = false; ///< a scalar written in quotes or as a block scalar (not plain)
  int line = 0;
  int column = 0;
  std::string_view text;              ///< a scalar's value (owned by the tree)
  std::vector<const TreeItem*> items; ///< a list's elements; a map's keys and values, alternating
};

/// A whole document: owns its items.
class Tree {
public:
  /// The document's root (a null item for an empty document).
  const TreeItem* root() const { return m_root; }
  /// True when the fast parser read the text (false: yaml-cpp did).
  bool fast() const { return m_fast; }

  /// A new item owned by this tree (stable address).
  TreeItem& add() { return m_items.emplace_back(); }
  /// Keeps `text` for the tree's lifetime; the view stays valid.
  std::string_view keep(std::string text) { return m_strings.emplace_back(std::move(text)); }
  /// The source text, kept so that unescaped scalars can point into it.
  std::string_view keep_source(std::string_view text) {
    m_source.assign(text);
    return m_source;
  }
  void set_root(const TreeItem* root, bool fast) {
    m_root = root;
    m_fast = fast;
  }

private:
  std::deque<TreeItem> m_items;
  std::deque<std::string> m_strings;
  std::string m_source;
  const TreeItem* m_root = nullptr;
  bool m_fast = false;
};

/// A syntax error found by yaml-cpp, or a breach of check_document()'s rules: 0-based position
/// and its message.
struct TreeError {
  int line = 0;
  int column = 0;
  std::string message;
  bool syntax = true; ///< false for a second document or too deep a nesting (valid YAML, refused)
};

/// The deepest nesting of mappings and lists an input file may have (tpuplan's files use at
/// most five or six): deeper is an input error, never a deep recursion.
inline constexpr int k_max_nesting = 64;

/// yaml-cpp's reading of `text` checked against tpuplan's rules for input files: one document
/// (a second one, even empty, is an error at its start instead of being ignored) and at most
/// k_max_nesting levels of mappings and lists (an alias counts as what it stands for). Returns
/// the first breach, or yaml-cpp's syntax error; nullopt when the text keeps the rules. For the
/// files read with yaml-cpp directly (the --buy sheet, load curves); parse_tree() applies it.
std::optional<TreeError> check_document(std::string_view text);

/// Parses the only document of `text`: the fast parser where it can, else yaml-cpp. Returns
/// the tree, or the error (`error` set, tree null): a syntax error, a second document or
/// nesting deeper than k_max_nesting.
std::shared_ptr<const Tree> parse_tree(std::string_view text, TreeError& error);

/// The fast parser alone: nullopt where it would hand the text to yaml-cpp (for tests).
std::shared_ptr<const Tree> parse_tree_fast(std::string_view text);
/// yaml-cpp alone, copied into a Tree (for tests); nullptr with `error` set on a syntax error.
std::shared_ptr<const Tree> parse_tree_yaml_cpp(std::string_view text, TreeError& error);

} // namespace tpuplan::yaml
