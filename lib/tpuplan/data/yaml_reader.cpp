// The YAML reading layer: see yaml_reader.hpp. Every accessor that finds a mistake records
// it in the Problems collector and returns nullopt, so a caller reads a whole file and then
// throws once with everything that was wrong (Infracost's "config file is invalid" list,
// style.md §1.4).
#include <tpuplan/detail/files.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <functional>
#include <tuple>

namespace tpuplan::yaml {

struct Node::Where {
  std::string file;
  Problems* problems = nullptr;
  std::shared_ptr<const Tree> tree; // the parsed file: every present node points into it
};

namespace {

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string out;
  out.reserve(parent.size() + key.size() + 1);
  out.append(parent);
  if (key.empty() || key.front() != '[') {
    out += '.';
  }
  out.append(key);
  return out;
}

std::string_view type_name(const TreeItem* node) {
  switch (node == nullptr ? TreeItem::Kind::null : node->kind) {
  case TreeItem::Kind::map:
    return "a mapping";
  case TreeItem::Kind::list:
    return "a list";
  case TreeItem::Kind::scalar:
    return "a scalar";
  case TreeItem::Kind::null:
    break;
  }
  return "nothing";
}

bool item_is_map(const TreeItem* node) { return node != nullptr && node->kind == TreeItem::Kind::map; }
bool item_is_scalar(const TreeItem* node) { return node != nullptr && node->kind == TreeItem::Kind::scalar; }

/// A scalar written in quotes is a string in YAML even when it looks like a number.
bool is_quoted(const TreeItem* node) { return node != nullptr && node->quoted; }

std::string format_bound(double v) { return fmt::format("{:g}", v); }

int days_in_month(int year, int month) {
  static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : k_days[month - 1];
}

bool parse_digits(std::string_view text, int& value) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

} // namespace

// ---- Problem, Problems, ProblemsError ---------------------------------------------------

std::string Problem::to_string() const {
  std::string s = file;
  if (line > 0) {
    s += fmt::format(":{}:{}", line, column);
  }
  s += ": ";
  if (!key_path.empty()) {
    s += key_path + ": ";
  }
  return s + message;
}

void Problems::add(Problem problem) {
  // Linear in the problems overall: a file with 200,000 unknown keys is checked in well under a second.
  if (!m_seen.emplace(problem.file, problem.line, problem.column, problem.key_path, problem.message).second) {
    return;
  }
  if (m_file_index.emplace(problem.file, m_files.size()).second) {
    m_files.push_back(problem.file);
  }
  const auto rank = [this](const Problem& p) { return std::make_tuple(m_file_index.at(p.file), p.line, p.column); };
  // Keep file-then-line order: checks that run after a file was read (duplicate ids,
  // unknown references) still show up where they are in the file.
  const auto pos = std::upper_bound(m_list.begin(), m_list.end(), problem,
                                    [&](const Problem& a, const Problem& b) { return rank(a) < rank(b); });
  m_list.insert(pos, std::move(problem));
}

void Problems::throw_if_any() const {
  if (!m_list.empty()) {
    throw ProblemsError(m_list);
  }
}

namespace {

std::string first_message(const std::vector<Problem>& problems) {
  return problems.empty() ? std::string("invalid input") : problems.front().to_string();
}

std::string first_hint(const std::vector<Problem>& problems) {
  if (problems.empty()) {
    return {};
  }
  std::string hint = problems.front().hint;
  const std::size_t more = problems.size() - 1;
  if (more > 0) {
    const auto count = fmt::format("and {} more problem{}", more, more == 1 ? "" : "s");
    hint = hint.empty() ? count : fmt::format("{} ({})", hint, count);
  }
  return hint;
}

} // namespace

ProblemsError::ProblemsError(std::vector<Problem> problems)
    : Error(ErrorKind::input, first_message(problems), first_hint(problems)), m_problems(std::move(problems)) {}

// ---- loading ------------------------------------------------------------------------------

namespace {

Problem file_problem(std::string file, int line, int column, std::string message) {
  return Problem{std::move(file), line, column, {}, std::move(message), {}};
}

} // namespace

Node::Node(const TreeItem* node, std::shared_ptr<const Where> where, std::shared_ptr<const std::string> parent,
           std::string key, int line, int column, bool present)
    : m_node(present && where ? node : nullptr), m_where(std::move(where)),
      m_parent(std::move(parent)), m_key(std::move(key)), m_line(line), m_column(column),
      m_present(m_node != nullptr) {}

const std::shared_ptr<const std::string>& Node::full_path() const {
  if (!m_full) {
    m_full = std::make_shared<const std::string>(m_parent ? join_path(*m_parent, m_key) : m_key);
  }
  return m_full;
}

std::string Node::child_path(std::string_view key) const { return join_path(*full_path(), key); }

Node Node::absent(std::shared_ptr<const Where> where, std::string_view key) const {
  return Node(nullptr, std::move(where), full_path(), std::string(key), m_line, m_column, false);
}

Node parse(std::string_view text, std::string name, Problems& problems) {
  TreeError error;
  std::shared_ptr<const Tree> tree = parse_tree(text, error);
  const bool parsed = tree != nullptr;
  const TreeItem* root = parsed ? tree->root() : nullptr;
  auto where = std::make_shared<const Node::Where>(Node::Where{name, &problems, std::move(tree)});
  if (!parsed) {
    problems.add(file_problem(name, error.line + 1, error.column + 1, (error.syntax ? "YAML syntax error: " : "") + error.message));
    return Node(nullptr, where, nullptr, {}, 0, 0, false);
  }
  if (root == nullptr || root->kind == TreeItem::Kind::null) {
    problems.add(file_problem(name, 0, 0, "the file is empty"));
    return Node(nullptr, where, nullptr, {}, 0, 0, false);
  }
  return Node(root, where, nullptr, {}, root->line + 1, root->column + 1, true);
}

Node load_file(const std::filesystem::path& path, Problems& problems) {
  // A regular file of bounded size only: a directory, a FIFO or /dev/zero each get their own
  // problem instead of "the file is empty", a wait, or memory exhaustion.
  detail::InputFile in = detail::read_input(path);
  if (!in.text) {
    problems.add(file_problem(path.string(), 0, 0, in.problem));
    return Node(nullptr, std::make_shared<const Node::Where>(Node::Where{path.string(), &problems, nullptr}),
                nullptr, {}, 0, 0, false);
  }
  return parse(*in.text, path.string(), problems);
}

// ---- Node: structure ------------------------------------------------------------------------

std::string Node::where() const {
  if (!m_where) {
    return {};
  }
  return m_line > 0 ? fmt::format("{}:{}:{}", m_where->file, m_line, m_column) : m_where->file;
}

void Node::problem_at(int line, int column, const std::string& path, std::string message, std::string hint) const {
  if (m_where && m_where->problems) {
    m_where->problems->add(Problem{m_where->file, line, column, path, std::move(message), std::move(hint)});
  }
}

void Node::problem(std::string message, std::string hint) const {
  problem_at(m_line, m_column, key_path(), std::move(message), std::move(hint));
}

Node Node::make_child(const TreeItem* value, const TreeItem* key) const {
  // A scalar is pointed at where it is written. A mapping or list starts, for yaml-cpp, at its
  // first element (often on the next line), and a null value ("key:") has no useful mark: both
  // are pointed at their key, which is what a reader looks for.
  const bool present = value != nullptr && value->kind != TreeItem::Kind::null;
  const TreeItem* at = present && value->kind == TreeItem::Kind::scalar ? value : key;
  return Node(value, m_where, full_path(), std::string(key->text), at->line + 1, at->column + 1, present);
}

Node Node::child(std::string_view key) const {
  if (!m_present) {
    return absent(nullptr, key);
  }
  if (!item_is_map(m_node)) {
    problem(fmt::format("expected a mapping, got {}", type_name(m_node)));
    return absent(nullptr, key);
  }
  const auto& kv = m_node->items;
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
    if (item_is_scalar(kv[i]) && kv[i]->text == key) {
      return make_child(kv[i + 1], kv[i]);
    }
  }
  // Missing: absent, positioned at this map so that required() can point at it.
  return absent(m_where, key);
}

Node Node::required(std::string_view key) const {
  Node c = child(key);
  if (m_present && item_is_map(m_node) && !c.m_present) {
    // A missing key is most often a misspelt one: name the likely culprit (allow_keys reports
    // it as unknown too, but that problem may come later in the list).
    std::string hint;
    const auto& kv = m_node->items;
    for (std::size_t i = 0; i + 1 < kv.size() && hint.empty(); i += 2) {
      if (item_is_scalar(kv[i]) && kv[i]->text != key && !closest_match(kv[i]->text, {std::string(key)}).empty()) {
        hint = fmt::format("is '{}' (line {}) a misspelling of it?", kv[i]->text, kv[i]->line + 1);
      }
    }
    problem_at(c.m_line, c.m_column, c.key_path(), fmt::format("missing key '{}'", key), std::move(hint));
    c.m_where = nullptr; // reported once; nothing below it reports again
  }
  return c;
}

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!m_present) {
    return out;
  }
  if (m_node->kind != TreeItem::Kind::list) {
    problem(fmt::format("expected a list, got {}", type_name(m_node)));
    return out;
  }
  out.reserve(m_node->items.size());
  std::size_t i = 0;
  for (const TreeItem* item : m_node->items) {
    out.push_back(Node(item, m_where, full_path(), fmt::format("[{}]", i++), item->line + 1, item->column + 1,
                       item->kind != TreeItem::Kind::null));
  }
  return out;
}

namespace {

/// Finds keys given twice in a mapping: linear for the small maps files are made of, hashed
/// for large ones, so a map of 200,000 keys is checked in linear time.
class SeenKeys {
public:
  explicit SeenKeys(std::size_t pairs) : m_hashed(pairs > k_small) {}
  /// The line of the first occurrence of `key` if it was seen before; else records it.
  std::optional<int> first_line(std::string_view key, int line) {
    if (m_hashed) {
      const auto [it, inserted] = m_map.emplace(key, line);
      return inserted ? std::nullopt : std::optional<int>(it->second);
    }
    for (std::size_t i = 0; i < m_count; ++i) {
      if (m_list[i].first == key) {
        return m_list[i].second;
      }
    }
    m_list[m_count++] = {key, line};
    return std::nullopt;
  }

private:
  static constexpr std::size_t k_small = 32;
  bool m_hashed;
  std::size_t m_count = 0;
  std::array<std::pair<std::string_view, int>, k_small> m_list{};
  std::unordered_map<std::string_view, int> m_map;
};

} // namespace

std::vector<std::pair<std::string, Node>> Node::entries() const {
  std::vector<std::pair<std::string, Node>> out;
  if (!m_present) {
    return out;
  }
  if (!item_is_map(m_node)) {
    problem(fmt::format("expected a mapping, got {}", type_name(m_node)));
    return out;
  }
  const auto& kv = m_node->items;
  SeenKeys seen(kv.size() / 2);
  out.reserve(kv.size() / 2);
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
    const TreeItem* k = kv[i];
    if (!item_is_scalar(k)) {
      problem_at(k->line + 1, k->column + 1, key_path(), "a key must be a plain name", {});
      continue;
    }
    if (const auto first = seen.first_line(k->text, k->line + 1)) {
      // Same wording as allow_keys(), so a map checked by both reports the key once.
      problem_at(k->line + 1, k->column + 1, child_path(k->text),
                 fmt::format("duplicate key '{}' (first given on line {})", k->text, *first), {});
      continue;
    }
    out.emplace_back(k->text, make_child(kv[i + 1], k));
  }
  return out;
}

namespace {

/// The key check of allow_keys() over any list of accepted names; the list is copied into
/// strings only to suggest a spelling.
template <typename List>
void check_keys(const Node& node, const TreeItem* map, const List& accepted,
                const std::function<void(const TreeItem*, std::string, std::string)>& report) {
  const auto& kv = map->items;
  SeenKeys seen(kv.size() / 2);
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
    const TreeItem* k = kv[i];
    if (!item_is_scalar(k)) {
      continue; // entries() reports it
    }
    const std::string_view key = k->text;
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      report(k, fmt::format("unknown key '{}'", key),
             suggestion(key, std::vector<std::string>(accepted.begin(), accepted.end())));
    }
    if (const auto first = seen.first_line(key, k->line + 1)) {
      report(k, fmt::format("duplicate key '{}' (first given on line {})", key, *first), {});
    }
  }
  (void)node;
}

} // namespace

void Node::allow_keys(std::initializer_list<std::string_view> accepted) const {
  if (!is_map()) {
    return;
  }
  check_keys(*this, m_node, accepted, [this](const TreeItem* k, std::string message, std::string hint) {
    problem_at(k->line + 1, k->column + 1, child_path(k->text), std::move(message), std::move(hint));
  });
}

void Node::allow_keys(const std::vector<std::string>& accepted) const {
  if (!is_map()) {
    return;
  }
  check_keys(*this, m_node, accepted, [this](const TreeItem* k, std::string message, std::string hint) {
    problem_at(k->line + 1, k->column + 1, child_path(k->text), std::move(message), std::move(hint));
  });
}

// ---- Node: typed values ---------------------------------------------------------------------

std::optional<std::string> Node::scalar_text(std::string_view expected) const {
  if (!m_present) {
    return std::nullopt;
  }
  if (!item_is_scalar(m_node)) {
    problem(fmt::format("expected {}, got {}", expected, type_name(m_node)));
    return std::nullopt;
  }
  return std::string(m_node->text);
}

std::optional<std::string> Node::text() const { return scalar_text("text"); }

std::optional<double> Node::number(Range range) const {
  const auto s = scalar_text("a number");
  if (!s) {
    return std::nullopt;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (is_quoted(m_node) || ec != std::errc{} || end != s->data() + s->size() || !std::isfinite(v)) {
    problem(fmt::format("expected a number, got '{}'", *s),
            is_quoted(m_node) ? "write numbers without quotes" : "");
    return std::nullopt;
  }
  if (v < range.min || (range.min_exclusive && v == range.min)) {
    problem(fmt::format("must be {} {}, got {}", range.min_exclusive ? ">" : "≥", format_bound(range.min), *s));
    return std::nullopt;
  }
  if (v > range.max) {
    problem(fmt::format("must be ≤ {}, got {}", format_bound(range.max), *s));
    return std::nullopt;
  }
  return v;
}

std::optional<int> Node::integer(Range range) const {
  const auto s = scalar_text("a whole number");
  if (!s) {
    return std::nullopt;
  }
  int v = 0;
  const auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (is_quoted(m_node) || ec != std::errc{} || end != s->data() + s->size()) {
    problem(fmt::format("expected a whole number, got '{}'", *s));
    return std::nullopt;
  }
  const double d = v;
  if (d < range.min || (range.min_exclusive && d == range.min)) {
    problem(fmt::format("must be {} {}, got {}", range.min_exclusive ? ">" : "≥", format_bound(range.min), v));
    return std::nullopt;
  }
  if (d > range.max) {
    problem(fmt::format("must be ≤ {}, got {}", format_bound(range.max), v));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Node::boolean() const {
  const auto s = scalar_text("true or false");
  if (!s) {
    return std::nullopt;
  }
  if (!is_quoted(m_node) && *s == "true") {
    return true;
  }
  if (!is_quoted(m_node) && *s == "false") {
    return false;
  }
  problem(fmt::format("expected true or false, got '{}'", *s));
  return std::nullopt;
}

std::optional<std::string> Node::date() const {
  const auto s = scalar_text("a date");
  if (!s) {
    return std::nullopt;
  }
  if (!is_valid_date(*s)) {
    problem(fmt::format("expected a date YYYY-MM-DD or YYYY-MM, got '{}'", *s));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> Node::one_of(const std::vector<std::string>& accepted) const {
  const auto s = scalar_text("text");
  if (!s) {
    return std::nullopt;
  }
  if (std::find(accepted.begin(), accepted.end(), *s) == accepted.end()) {
    problem(fmt::format("unknown value '{}'", *s), suggestion(*s, accepted));
    return std::nullopt;
  }
  return s;
}

std::vector<std::string> Node::text_list() const {
  std::vector<std::string> out;
  if (!m_present) {
    return out;
  }
  if (item_is_scalar(m_node)) {
    out.emplace_back(m_node->text);
    return out;
  }
  for (const Node& item : items()) {
    if (auto s = item.text()) {
      out.push_back(std::move(*s));
    }
  }
  return out;
}

bool is_valid_date(std::string_view text) {
  // YYYY-MM or YYYY-MM-DD, as in ISO 8601's calendar date (and its reduced precision form).
  if (text.size() != 7 && text.size() != 10) {
    return false;
  }
  int year = 0, month = 0, day = 1;
  if (text[4] != '-' || !parse_digits(text.substr(0, 4), year) || !parse_digits(text.substr(5, 2), month)) {
    return false;
  }
  if (year < 1900 || month < 1 || month > 12) {
    return false;
  }
  if (text.size() == 10) {
    if (text[7] != '-' || !parse_digits(text.substr(8, 2), day)) {
      return false;
    }
    if (day < 1 || day > days_in_month(year, month)) {
      return false;
    }
  }
  return true;
}

} // namespace tpuplan::yaml
