// The fast YAML parser and the yaml-cpp fallback: see yaml_tree.hpp.
//
// The fast parser is a recursive descent over the bytes. It keeps one invariant between
// block nodes: `m_pos` is at the first character of the next content line (blank and
// comment-only lines skipped) and `m_indent` is that line's indentation, or -1 at the end.
// Whenever the text goes beyond what it reads with certainty it throws Handover, and the
// whole text goes to yaml-cpp instead; it never guesses.
#include <tpuplan/data/yaml_tree.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace tpuplan::yaml {

namespace {

/// Thrown by the fast parser where yaml-cpp must decide.
struct Handover {};

bool is_null_word(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

/// Characters that cannot start a plain scalar (or that the fast parser leaves to yaml-cpp).
bool is_plain_start_blocked(char c) {
  switch (c) {
  case '-': // "- " is an entry; "-x" is handled by the caller
  case '?':
  case ':':
  case ',':
  case '[':
  case ']':
  case '{':
  case '}':
  case '#':
  case '&':
  case '*':
  case '!':
  case '|':
  case '>':
  case '\'':
  case '"':
  case '%':
  case '@':
  case '`':
    return true;
  default:
    return false;
  }
}

class FastParser {
public:
  FastParser(std::string_view text, Tree& tree) : m_s(text), m_tree(tree) {}

  const TreeItem* document() {
    // Tabs, CR line ends, other control characters and a byte-order mark: yaml-cpp's rules.
    for (const char c : m_s) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
        throw Handover{};
      }
    }
    // yaml-cpp reads a UTF-8, UTF-16 or UTF-32 byte-order mark as the text's encoding (a
    // first byte 0xFE or 0xFF: fuzz_yaml found "\xFE\xFF…-" read as UTF-16 by yaml-cpp).
    if (m_s.substr(0, 3) == "\xEF\xBB\xBF" || (!m_s.empty() && (m_s[0] == '\xFE' || m_s[0] == '\xFF'))) {
      throw Handover{};
    }
    scan_content();
    if (m_indent == 0 && peek() == '%') {
      throw Handover{}; // a directive
    }
    if (m_indent == 0 && at_marker("---")) {
      m_pos += 3;
      end_of_line();
    }
    if (m_indent < 0) {
      return &null_item(m_line, 0);
    }
    if (m_indent == 0 && (at_marker("---") || at_marker("..."))) {
      throw Handover{};
    }
    const TreeItem* root = node_value(-1, false, true);
    if (m_indent >= 0) {
      throw Handover{}; // a second document, an end marker, or text the root does not own
    }
    return root;
  }

private:
  std::string_view m_s;
  Tree& m_tree;
  std::size_t m_pos = 0;
  std::size_t m_line_start = 0;
  int m_line = 0;
  int m_indent = -1;
  int m_depth = 0;
  std::unordered_map<std::string, const TreeItem*> m_anchors;
  std::unordered_map<const TreeItem*, int> m_heights; // of alias targets, once computed

  // Deeper nesting is refused by check_document() on the yaml-cpp path, with its place.
  static constexpr int k_max_depth = k_max_nesting;

  char peek(std::size_t k = 0) const { return m_pos + k < m_s.size() ? m_s[m_pos + k] : '\0'; }
  int column() const { return static_cast<int>(m_pos - m_line_start); }
  bool at_eol() const { return m_pos >= m_s.size() || m_s[m_pos] == '\n'; }
  bool blank_or_eol(std::size_t k) const {
    const char c = peek(k);
    return c == ' ' || c == '\n' || c == '\0';
  }
  bool at_marker(std::string_view marker) const {
    return m_s.compare(m_pos, 3, marker) == 0 && blank_or_eol(3);
  }
  bool at_entry() const { return peek() == '-' && blank_or_eol(1); }

  TreeItem& item(TreeItem::Kind kind, int line, int column) {
    TreeItem& it = m_tree.add();
    it.kind = kind;
    it.line = line;
    it.column = column;
    return it;
  }
  TreeItem& null_item(int line, int column) { return item(TreeItem::Kind::null, line, column); }

  void skip_spaces() {
    while (peek() == ' ') {
      ++m_pos;
    }
  }

  /// From a line start (or the end of a consumed line): skips blank and comment lines and stops
  /// at the first content character; sets m_indent (-1 at the end of the text).
  void scan_content() {
    for (;;) {
      if (m_pos < m_s.size() && m_s[m_pos] == '\n') {
        ++m_pos;
        ++m_line;
        m_line_start = m_pos;
      }
      skip_spaces();
      if (m_pos >= m_s.size()) {
        m_indent = -1;
        return;
      }
      if (m_s[m_pos] == '\n') {
        continue;
      }
      if (m_s[m_pos] == '#') {
        while (!at_eol()) {
          ++m_pos;
        }
        continue;
      }
      m_indent = column();
      return;
    }
  }

  /// After a value on a line: only spaces and a comment may follow; then the next content line.
  void end_of_line() {
    const bool spaced = m_pos > m_line_start && (m_s[m_pos - 1] == ' ');
    skip_spaces();
    if (peek() == '#') {
      if (!spaced && m_pos > m_line_start && m_s[m_pos - 1] != ' ') {
        throw Handover{};
      }
      while (!at_eol()) {
        ++m_pos;
      }
    }
    if (!at_eol()) {
      throw Handover{};
    }
    scan_content();
  }

  struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) {
      if (++depth > k_max_depth) {
        throw Handover{};
      }
    }
    ~DepthGuard() { --depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
  };

  std::string read_anchor_name() {
    const std::size_t start = m_pos;
    while (!at_eol() && peek() != ' ' && peek() != ',' && peek() != '[' && peek() != ']' && peek() != '{' &&
           peek() != '}') {
      ++m_pos;
    }
    // yaml-cpp refuses a name followed by '[' or '{' ("illegal character found while scanning
    // anchor"; found by fuzz_yaml in `&x[x *]`), so the fast parser must not read it either.
    if (m_pos == start || (!at_eol() && (peek() == '[' || peek() == '{'))) {
      throw Handover{};
    }
    return std::string(m_s.substr(start, m_pos - start));
  }

  const TreeItem* alias() {
    ++m_pos; // '*'
    const auto it = m_anchors.find(read_anchor_name());
    if (it == m_anchors.end()) {
      throw Handover{};
    }
    // An alias nests what it stands for where it is used.
    if (m_depth + height(it->second) > k_max_depth) {
      throw Handover{};
    }
    return it->second;
  }

  /// Levels of mappings and lists in `item` (0 for a scalar); each item's subtree is at most
  /// k_max_depth deep, so the recursion is too.
  int height(const TreeItem* item) {
    if (item->items.empty()) {
      return item->kind == TreeItem::Kind::map || item->kind == TreeItem::Kind::list ? 1 : 0;
    }
    if (const auto it = m_heights.find(item); it != m_heights.end()) {
      return it->second;
    }
    int below = 0;
    for (const TreeItem* child : item->items) {
      below = std::max(below, height(child));
    }
    m_heights.emplace(item, below + 1);
    return below + 1;
  }

  /// Does a mapping key ("name:" or "'quoted':") start here?
  bool at_key() const {
    std::size_t p = m_pos;
    const char c = peek();
    if (c == '"' || c == '\'') {
      for (++p; p < m_s.size() && m_s[p] != '\n'; ++p) {
        if (m_s[p] == '\\' && c == '"') {
          ++p;
        } else if (m_s[p] == c) {
          if (c == '\'' && p + 1 < m_s.size() && m_s[p + 1] == '\'') {
            ++p;
            continue;
          }
          break;
        }
      }
      if (p >= m_s.size() || m_s[p] != c) {
        return false;
      }
      for (++p; p < m_s.size() && m_s[p] == ' '; ++p) {
      }
      return p < m_s.size() && m_s[p] == ':' && (p + 1 >= m_s.size() || m_s[p + 1] == ' ' || m_s[p + 1] == '\n');
    }
    if (c == '-' ? blank_or_eol(1) : is_plain_start_blocked(c)) {
      return false;
    }
    for (; p < m_s.size() && m_s[p] != '\n'; ++p) {
      if (m_s[p] == ':' && (p + 1 >= m_s.size() || m_s[p + 1] == ' ' || m_s[p + 1] == '\n')) {
        return true;
      }
      if (m_s[p] == '#' && m_s[p - 1] == ' ') {
        return false;
      }
    }
    return false;
  }

  /// A value: after "key: ", after "- ", or the document root at its first character. Block
  /// nodes below it are indented deeper than `parent`; a list that is a mapping's value may
  /// sit at the key's own indentation (`map_value`). `compact`: "key: v" or "- v" may start on
  /// this line (a list entry or the root).
  const TreeItem* node_value(int parent, bool map_value, bool compact) {
    std::string anchor;
    int anchor_line = 0;
    int anchor_column = 0;
    if (peek() == '&') {
      anchor_line = m_line;
      anchor_column = column();
      ++m_pos;
      anchor = read_anchor_name();
      skip_spaces();
      if (peek() == '&' || peek() == '*') {
        throw Handover{};
      }
    }
    // What the anchor names before this node: an inner node that defines the same anchor
    // again changes it, and yaml-cpp (which registers an anchor when its node opens) lets the
    // inner definition win for later aliases; found by fuzz_yaml. yaml-cpp decides then.
    const auto before = anchor.empty() ? m_anchors.end() : m_anchors.find(anchor);
    const TreeItem* named_before = before == m_anchors.end() ? nullptr : before->second;
    if (peek() == '!') {
      throw Handover{}; // a tag
    }
    const TreeItem* result = nullptr;
    if (at_eol() || (peek() == '#' && m_pos > m_line_start && m_s[m_pos - 1] == ' ')) {
      const int line = m_line;
      const int col = column();
      end_of_line();
      // An anchored value whose node, on the next line, has properties of its own: yaml-cpp
      // refuses a second anchor ("cannot assign multiple anchors to the same node"; found by
      // fuzz_yaml in `root: &r\n &r\n …`) and reads a tag there; it decides.
      if (!anchor.empty() && m_indent > parent && (peek() == '&' || peek() == '!')) {
        throw Handover{};
      }
      if (m_indent > parent) {
        result = block_node(parent);
      } else if (map_value && m_indent == parent && at_entry()) {
        result = block_list();
      } else {
        result = &null_item(line, col);
      }
      if (!anchor.empty()) {
        // yaml-cpp places an anchored node at its anchor.
        auto* owned = const_cast<TreeItem*>(result);
        owned->line = anchor_line;
        owned->column = anchor_column;
      }
    } else if (compact && at_entry()) {
      result = block_list();
    } else if (compact && at_key()) {
      result = block_map();
    } else {
      result = inline_value(parent);
      if (!anchor.empty()) {
        auto* owned = const_cast<TreeItem*>(result);
        owned->line = anchor_line;
        owned->column = anchor_column;
      }
    }
    if (!anchor.empty()) {
      if (anchor_line != result->line || anchor_column != result->column) {
        throw Handover{};
      }
      const auto now = m_anchors.find(anchor);
      if ((now == m_anchors.end() ? nullptr : now->second) != named_before) {
        throw Handover{};
      }
      m_anchors[anchor] = result;
    }
    return result;
  }

  /// A block node starting at the current content line (indented deeper than `parent`).
  const TreeItem* block_node(int parent) {
    if (at_entry()) {
      return block_list();
    }
    if (at_key()) {
      return block_map();
    }
    return node_value(parent, false, false);
  }

  /// A scalar, flow collection, alias or block scalar written after "key: " or "- ".
  const TreeItem* inline_value(int parent) {
    const char c = peek();
    if (c == '*') {
      const TreeItem* target = alias();
      end_of_line();
      if (m_indent > parent) {
        throw Handover{};
      }
      return target;
    }
    if (c == '|' || c == '>') {
      return block_scalar(parent);
    }
    const TreeItem* result = nullptr;
    if (c == '[' || c == '{') {
      result = flow_collection();
    } else if (c == '"' || c == '\'') {
      result = quoted();
    } else {
      result = plain_block();
    }
    end_of_line();
    if (m_indent > parent) {
      throw Handover{}; // a continuation line or a misplaced key: yaml-cpp decides
    }
    return result;
  }

  const TreeItem* block_map() {
    DepthGuard guard(m_depth);
    const int indent = column(); // a compact mapping ("- key: v") starts inside its line
    TreeItem& map = item(TreeItem::Kind::map, m_line, column());
    map.items.reserve(8);
    for (;;) {
      const TreeItem* key = nullptr;
      if (peek() == '"' || peek() == '\'') {
        key = quoted();
        skip_spaces();
      } else {
        key = plain_key();
      }
      if (peek() != ':' || !blank_or_eol(1)) {
        throw Handover{};
      }
      ++m_pos;
      skip_spaces();
      const TreeItem* value = node_value(indent, true, false);
      map.items.push_back(key);
      map.items.push_back(value);
      if (m_indent < indent) {
        return &map;
      }
      if (m_indent > indent || at_entry() || !at_key()) {
        throw Handover{};
      }
    }
  }

  const TreeItem* block_list() {
    DepthGuard guard(m_depth);
    const int indent = column();
    TreeItem& list = item(TreeItem::Kind::list, m_line, column());
    for (;;) {
      ++m_pos; // '-'
      skip_spaces();
      list.items.push_back(node_value(indent, false, true));
      if (m_indent == indent && at_entry()) {
        continue;
      }
      if (m_indent <= indent) {
        return &list; // a key of the enclosing mapping, or less indented
      }
      throw Handover{};
    }
  }

  const TreeItem* plain_key() {
    const int line = m_line;
    const int col = column();
    const std::size_t start = m_pos;
    while (!(peek() == ':' && blank_or_eol(1))) {
      if (at_eol()) {
        throw Handover{};
      }
      ++m_pos;
    }
    std::size_t end = m_pos;
    while (end > start && m_s[end - 1] == ' ') {
      --end;
    }
    const std::string_view text = m_s.substr(start, end - start);
    if (is_null_word(text)) {
      throw Handover{};
    }
    TreeItem& key = item(TreeItem::Kind::scalar, line, col);
    key.text = text;
    return &key;
  }

  /// A plain scalar may start here ("- " is an entry, indicators are left to yaml-cpp).
  void plain_start() const {
    const char c = peek();
    if (c == '-' ? blank_or_eol(1) : is_plain_start_blocked(c)) {
      throw Handover{};
    }
  }

  /// A plain scalar in block context: up to the end of the line or a comment.
  const TreeItem* plain_block() {
    plain_start();
    const int line = m_line;
    const int col = column();
    const std::size_t start = m_pos;
    while (!at_eol()) {
      const char ch = m_s[m_pos];
      if (ch == ':' && blank_or_eol(1)) {
        throw Handover{}; // "a: b: c"
      }
      if (ch == '#' && m_s[m_pos - 1] == ' ') {
        break;
      }
      ++m_pos;
    }
    std::size_t end = m_pos;
    while (end > start && m_s[end - 1] == ' ') {
      --end;
    }
    return &scalar_or_null(m_s.substr(start, end - start), line, col);
  }

  TreeItem& scalar_or_null(std::string_view text, int line, int col) {
    if (is_null_word(text)) {
      return null_item(line, col);
    }
    TreeItem& it = item(TreeItem::Kind::scalar, line, col);
    it.text = text;
    return it;
  }

  /// A single- or double-quoted scalar on one line.
  const TreeItem* quoted() {
    const char q = peek();
    TreeItem& it = item(TreeItem::Kind::scalar, m_line, column());
    it.quoted = true;
    ++m_pos;
    // Most quoted scalars have no escapes: their text is a view of the source.
    const std::size_t start = m_pos;
    while (!at_eol() && m_s[m_pos] != q && m_s[m_pos] != '\\') {
      ++m_pos;
    }
    if (peek() == q && !(q == '\'' && peek(1) == '\'')) {
      it.text = m_s.substr(start, m_pos - start);
      ++m_pos;
      return &it;
    }
    std::string out(m_s.substr(start, m_pos - start));
    for (;;) {
      if (at_eol()) {
        throw Handover{}; // a multi-line or unterminated quoted scalar
      }
      const char c = m_s[m_pos++];
      if (c == q) {
        if (q == '\'' && peek() == '\'') {
          out += '\'';
          ++m_pos;
          continue;
        }
        it.text = m_tree.keep(std::move(out));
        return &it;
      }
      if (c == '\\' && q == '"') {
        escape(out);
        continue;
      }
      out += c;
    }
  }

  void escape(std::string& out) {
    const char e = peek();
    ++m_pos;
    switch (e) {
    case '\\':
    case '"':
    case '/':
      out += e;
      return;
    case 'n':
      out += '\n';
      return;
    case 't':
      out += '\t';
      return;
    case 'r':
      out += '\r';
      return;
    case '0':
      out += '\0';
      return;
    case 'a':
      out += '\a';
      return;
    case 'b':
      out += '\b';
      return;
    case 'e':
      out += '\x1b';
      return;
    case 'f':
      out += '\f';
      return;
    case 'v':
      out += '\v';
      return;
    case 'x':
      return hex_escape(out, 2);
    case 'u':
      return hex_escape(out, 4);
    case 'U':
      return hex_escape(out, 8);
    default:
      throw Handover{};
    }
  }

  void hex_escape(std::string& out, int digits) {
    unsigned long cp = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = peek();
      int v = -1;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v = c - 'A' + 10;
      }
      if (v < 0) {
        throw Handover{};
      }
      cp = cp * 16 + static_cast<unsigned long>(v);
      ++m_pos;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw Handover{};
    }
    detail::append_utf8(out, static_cast<std::uint32_t>(cp));
  }

  /// A flow mapping or list on one line.
  const TreeItem* flow_collection() {
    DepthGuard guard(m_depth);
    const bool is_map = peek() == '{';
    const char close = is_map ? '}' : ']';
    TreeItem& coll = item(is_map ? TreeItem::Kind::map : TreeItem::Kind::list, m_line, column());
    coll.items.reserve(8);
    ++m_pos;
    skip_spaces();
    if (peek() == close) {
      ++m_pos;
      return &coll;
    }
    for (;;) {
      skip_spaces();
      if (is_map) {
        const TreeItem* key = nullptr;
        if (peek() == '"' || peek() == '\'') {
          key = quoted();
        } else {
          key = plain_flow(true);
          if (key->kind != TreeItem::Kind::scalar) {
            throw Handover{};
          }
        }
        skip_spaces();
        if (peek() != ':') {
          throw Handover{};
        }
        ++m_pos;
        if (peek() != ' ' && peek() != ',' && peek() != '}') {
          throw Handover{};
        }
        skip_spaces();
        const TreeItem* value = nullptr;
        if (peek() == ',' || peek() == '}') {
          value = &null_item(m_line, column());
        } else {
          value = flow_value();
        }
        coll.items.push_back(key);
        coll.items.push_back(value);
      } else {
        coll.items.push_back(flow_value());
      }
      skip_spaces();
      if (peek() == ',') {
        ++m_pos;
        skip_spaces();
        if (peek() == close || peek() == ',') {
          throw Handover{};
        }
        continue;
      }
      if (peek() == close) {
        ++m_pos;
        return &coll;
      }
      throw Handover{};
    }
  }

  const TreeItem* flow_value() {
    if (peek() == '&') {
      const int line = m_line;
      const int col = column();
      ++m_pos;
      std::string anchor = read_anchor_name();
      skip_spaces();
      if (peek() == '&' || peek() == '*' || peek() == ',' || peek() == '}' || peek() == ']') {
        throw Handover{};
      }
      const auto before = m_anchors.find(anchor);
      const TreeItem* named_before = before == m_anchors.end() ? nullptr : before->second;
      auto* value = const_cast<TreeItem*>(flow_value());
      value->line = line; // yaml-cpp places an anchored node at its anchor
      value->column = col;
      const auto now = m_anchors.find(anchor);
      if ((now == m_anchors.end() ? nullptr : now->second) != named_before) {
        throw Handover{}; // the same anchor again inside it: see node_value()
      }
      m_anchors[std::move(anchor)] = value;
      return value;
    }
    const char c = peek();
    if (c == '[' || c == '{') {
      return flow_collection();
    }
    if (c == '"' || c == '\'') {
      return quoted();
    }
    if (c == '*') {
      return alias();
    }
    return plain_flow(false);
  }

  /// A plain scalar inside a flow collection.
  const TreeItem* plain_flow(bool key) {
    plain_start();
    const int line = m_line;
    const int col = column();
    const std::size_t start = m_pos;
    for (;;) {
      if (at_eol()) {
        throw Handover{}; // a flow collection over several lines
      }
      const char ch = m_s[m_pos];
      if (ch == ',' || ch == ']' || ch == '}') {
        break;
      }
      if (ch == ':') {
        const char next = peek(1);
        if (next == ' ' || next == ',' || next == ']' || next == '}' || next == '\n' || next == '\0') {
          if (!key) {
            throw Handover{}; // a pair inside a list, or "a: b: c"
          }
          break;
        }
      }
      if (ch == '?' || ch == '[' || ch == '{' || (ch == '#' && m_s[m_pos - 1] == ' ')) {
        throw Handover{};
      }
      ++m_pos;
    }
    std::size_t end = m_pos;
    while (end > start && m_s[end - 1] == ' ') {
      --end;
    }
    return &scalar_or_null(m_s.substr(start, end - start), line, col);
  }

  /// A literal (|) or folded (>) block scalar, with optional chomping (- or +).
  const TreeItem* block_scalar(int parent) {
    const bool literal = peek() == '|';
    TreeItem& it = item(TreeItem::Kind::scalar, m_line, column());
    it.quoted = true;
    ++m_pos;
    char chomp = 'c';
    if (peek() == '-' || peek() == '+') {
      chomp = peek();
      ++m_pos;
    }
    skip_spaces();
    if (peek() == '#' && m_s[m_pos - 1] == ' ') {
      while (!at_eol()) {
        ++m_pos;
      }
    }
    if (!at_eol()) {
      throw Handover{}; // an indentation indicator, or text after the indicator
    }
    std::vector<std::string_view> lines; // content lines, empty for blank ones
    int content = -1;
    for (;;) {
      if (m_pos >= m_s.size()) {
        break;
      }
      // m_pos is at the '\n' ending the previous line.
      const std::size_t next_start = m_pos + 1;
      std::size_t p = next_start;
      while (p < m_s.size() && m_s[p] == ' ') {
        ++p;
      }
      const int spaces = static_cast<int>(p - next_start);
      if (p >= m_s.size() || m_s[p] == '\n') {
        if (content < 0 || spaces > content || (p >= m_s.size() && spaces > 0)) {
          // Leading blank lines, blank lines with trailing spaces, or a last line of spaces
          // without its line break (yaml-cpp folds that one into the text).
          throw Handover{};
        }
        lines.emplace_back();
      } else {
        if (content < 0) {
          if (spaces <= parent) {
            break;
          }
          content = spaces;
        }
        if (spaces < content) {
          if (spaces > parent) {
            throw Handover{};
          }
          break;
        }
        if (spaces > content && !literal) {
          throw Handover{}; // more-indented lines keep their breaks in folded scalars
        }
        std::size_t e = p;
        while (e < m_s.size() && m_s[e] != '\n') {
          ++e;
        }
        lines.push_back(m_s.substr(next_start + static_cast<std::size_t>(content),
                                   e - next_start - static_cast<std::size_t>(content)));
        p = e;
      }
      // Consume this line.
      while (p < m_s.size() && m_s[p] != '\n') {
        ++p;
      }
      m_pos = p;
      ++m_line;
      m_line_start = next_start;
    }
    // Trailing blank lines.
    std::size_t n = lines.size();
    while (n > 0 && lines[n - 1].empty()) {
      --n;
    }
    if (n == 0) {
      throw Handover{};
    }
    const std::size_t trailing = lines.size() - n;
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) {
        if (literal) {
          out += '\n';
        } else if (lines[i].empty()) {
          out += '\n';
        } else if (!lines[i - 1].empty()) {
          out += ' ';
        }
      }
      out.append(lines[i]);
    }
    if (chomp == 'c') {
      out += '\n';
    } else if (chomp == '+') {
      out.append(trailing + 1, '\n');
    }
    it.text = m_tree.keep(std::move(out));
    // Move to the next content line (m_pos is at the end of the last consumed line).
    scan_content();
    if (m_indent > parent) {
      throw Handover{};
    }
    return &it;
  }
};

/// Copies a yaml-cpp node into a tree; aliases are copied as often as they are used, within a cap.
class Copier {
public:
  explicit Copier(Tree& tree) : m_tree(tree) {}

  const TreeItem* copy(const YAML::Node& node) {
    if (++m_count > k_max_items) {
      throw YAML::ParserException(node.Mark(), fmt::format("the document expands to more than {} nodes through aliases", k_max_items));
    }
    // check_document() bounds the depth; this bounds the recursion should a node ever slip by.
    if (m_depth >= k_max_nesting + 1) {
      throw YAML::ParserException(node.Mark(), fmt::format("YAML nested deeper than {} levels (mappings and lists "
                                                           "inside each other)", k_max_nesting));
    }
    struct Level {
      int& d;
      explicit Level(int& x) : d(x) { ++d; }
      ~Level() { --d; }
      Level(const Level&) = delete;
      Level& operator=(const Level&) = delete;
    } level(m_depth);
    TreeItem& it = m_tree.add();
    const auto mark = node.Mark();
    it.line = mark.line < 0 ? 0 : mark.line;
    it.column = mark.column < 0 ? 0 : mark.column;
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
      it.kind = TreeItem::Kind::scalar;
      it.text = m_tree.keep(node.Scalar());
      it.quoted = node.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      it.kind = TreeItem::Kind::list;
      for (const auto& child : node) {
        it.items.push_back(copy(child));
      }
      break;
    case YAML::NodeType::Map:
      it.kind = TreeItem::Kind::map;
      for (auto i = node.begin(); i != node.end(); ++i) {
        it.items.push_back(copy(i->first));
        it.items.push_back(copy(i->second));
      }
      break;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      it.kind = TreeItem::Kind::null;
      break;
    }
    return &it;
  }

private:
  static constexpr std::size_t k_max_items = 20'000'000;
  Tree& m_tree;
  std::size_t m_count = 0;
  int m_depth = 0;
};

/// Follows yaml-cpp's events for check_document(): stops at a second document's start and at
/// the first mapping or list nested deeper than k_max_nesting.
class DocumentCheck : public YAML::EventHandler {
public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++m_documents > 1) {
      throw Breach(mark, "a second YAML document starts here; an input file holds one (remove this '---' "
                         "and what follows it)");
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    leaf(anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    // yaml-cpp registers an anchor when its node opens, so an alias inside the node it names
    // (`&a [*a]`) would make the document a cycle: infinitely deep.
    for (const Frame& f : m_stack) {
      if (f.anchor != YAML::NullAnchor && f.anchor == anchor) {
        throw Breach(mark, "an alias refers to the mapping or list that contains it (a cycle); an alias may "
                           "only name a node that is complete");
      }
    }
    const int height = anchor < m_heights.size() ? m_heights[anchor] : 0;
    if (static_cast<int>(m_stack.size()) + height > k_max_nesting) {
      throw too_deep(mark);
    }
    add_child(height);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

  /// A rule broken: reported like a syntax error, without calling it one.
  struct Breach : YAML::ParserException {
    using YAML::ParserException::ParserException;
  };

private:
  struct Frame {
    YAML::anchor_t anchor = 0;
    int below = 0; // the highest child so far
  };
  std::vector<Frame> m_stack;
  std::vector<int> m_heights; // by anchor id (yaml-cpp numbers anchors from 1 in each document)
  int m_documents = 0;

  static Breach too_deep(const YAML::Mark& mark) {
    return Breach(mark, fmt::format("YAML nested deeper than {} levels (mappings and lists inside each other)",
                                    k_max_nesting));
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (static_cast<int>(m_stack.size()) >= k_max_nesting) {
      throw too_deep(mark);
    }
    m_stack.push_back(Frame{anchor, 0});
  }
  void close() {
    const Frame f = m_stack.back();
    m_stack.pop_back();
    set_height(f.anchor, f.below + 1);
    add_child(f.below + 1);
  }
  void leaf(YAML::anchor_t anchor) { set_height(anchor, 0); }
  void add_child(int height) {
    if (!m_stack.empty()) {
      m_stack.back().below = std::max(m_stack.back().below, height);
    }
  }
  void set_height(YAML::anchor_t anchor, int height) {
    if (anchor == YAML::NullAnchor) {
      return;
    }
    if (anchor >= m_heights.size()) {
      m_heights.resize(anchor + 1, 0);
    }
    m_heights[anchor] = height;
  }
};

TreeError tree_error(const YAML::ParserException& e, bool syntax) {
  return TreeError{e.mark.line < 0 ? 0 : e.mark.line, e.mark.column < 0 ? 0 : e.mark.column, e.msg, syntax};
}

} // namespace

std::optional<TreeError> check_document(std::string_view text) {
  std::istringstream in{std::string(text)};
  try {
    YAML::Parser parser(in);
    DocumentCheck check;
    while (parser.HandleNextDocument(check)) {
    }
  } catch (const DocumentCheck::Breach& e) {
    return tree_error(e, false);
  } catch (const YAML::ParserException& e) {
    return tree_error(e, true);
  }
  return std::nullopt;
}

std::shared_ptr<const Tree> parse_tree_fast(std::string_view text) {
  auto tree = std::make_shared<Tree>();
  try {
    FastParser parser(tree->keep_source(text), *tree);
    const TreeItem* root = parser.document();
    tree->set_root(root, true);
    return tree;
  } catch (const Handover&) {
    return nullptr;
  }
}

std::shared_ptr<const Tree> parse_tree_yaml_cpp(std::string_view text, TreeError& error) {
  // The rules first: yaml-cpp's Load reads the first document alone and recurses as deep as
  // the text nests.
  if (auto breach = check_document(text)) {
    error = std::move(*breach);
    return nullptr;
  }
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    auto tree = std::make_shared<Tree>();
    Copier copier(*tree);
    const TreeItem* r = copier.copy(root);
    tree->set_root(r, false);
    return tree;
  } catch (const YAML::ParserException& e) {
    error = tree_error(e, true);
    return nullptr;
  }
}

std::shared_ptr<const Tree> parse_tree(std::string_view text, TreeError& error) {
  if (auto tree = parse_tree_fast(text)) {
    return tree;
  }
  return parse_tree_yaml_cpp(text, error);
}

} // namespace tpuplan::yaml
