// The YAML reading layer: see yaml_reader.hpp. Every accessor that finds a mistake records
// it in the Problems collector and returns nullopt, so a caller reads a whole file and then
// throws once with everything that was wrong (Infracost's "config file is invalid" list,
// style.md §1.4).
#include <tpuplan/detail/files.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <algorithm>
#include <unordered_map>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <tuple>

namespace tpuplan::yaml {

struct Node::Where {
  std::string file;
  Problems* problems = nullptr;
};

namespace {

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string_view type_name(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a mapping";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return "a scalar";
  case YAML::NodeType::Null:
    return "nothing";
  case YAML::NodeType::Undefined:
    break;
  }
  return "nothing";
}

/// A scalar written in quotes is a string in YAML even when it looks like a number.
bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

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

Node::Node(YAML::Node node, std::shared_ptr<const Where> where, std::string path, int line, int column,
           bool present)
    : m_node(std::move(node)), m_where(std::move(where)), m_path(std::move(path)), m_line(line),
      m_column(column), m_present(present) {}

Node parse(std::string_view text, std::string name, Problems& problems) {
  auto where = std::make_shared<const Node::Where>(Node::Where{name, &problems});
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      problems.add(file_problem(name, 0, 0, "the file is empty"));
      return Node(YAML::Node(), where, {}, 0, 0, false);
    }
    const auto mark = root.Mark();
    return Node(root, where, {}, mark.line + 1, mark.column + 1, true);
  } catch (const YAML::ParserException& e) {
    problems.add(file_problem(name, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg));
    return Node(YAML::Node(), where, {}, 0, 0, false);
  }
}

Node load_file(const std::filesystem::path& path, Problems& problems) {
  // A regular file of bounded size only: a directory, a FIFO or /dev/zero each get their own
  // problem instead of "the file is empty", a wait, or memory exhaustion.
  detail::InputFile in = detail::read_input(path);
  if (!in.text) {
    problems.add(file_problem(path.string(), 0, 0, in.problem));
    return Node(YAML::Node(), std::make_shared<const Node::Where>(Node::Where{path.string(), &problems}), {}, 0,
                0, false);
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
  problem_at(m_line, m_column, m_path, std::move(message), std::move(hint));
}

Node Node::make_child(const YAML::Node& value, const YAML::Node& key, std::string path) const {
  // A scalar is pointed at where it is written. A mapping or list starts, for yaml-cpp, at its
  // first element (often on the next line), and a null value ("key:") has no useful mark: both
  // are pointed at their key, which is what a reader looks for.
  const bool present = value.IsDefined() && !value.IsNull();
  const auto mark = present && value.IsScalar() ? value.Mark() : key.Mark();
  return Node(value, m_where, std::move(path), mark.line + 1, mark.column + 1, present);
}

Node Node::child(std::string_view key) const {
  if (!m_present) {
    return Node(YAML::Node(), nullptr, join_path(m_path, key), m_line, m_column, false);
  }
  if (!m_node.IsMap()) {
    problem(fmt::format("expected a mapping, got {}", type_name(m_node)));
    return Node(YAML::Node(), nullptr, join_path(m_path, key), m_line, m_column, false);
  }
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      return make_child(it->second, it->first, join_path(m_path, key));
    }
  }
  // Missing: absent, positioned at this map so that required() can point at it.
  return Node(YAML::Node(), m_where, join_path(m_path, key), m_line, m_column, false);
}

Node Node::required(std::string_view key) const {
  Node c = child(key);
  if (m_present && m_node.IsMap() && !c.m_present) {
    // A missing key is most often a misspelt one: name the likely culprit (allow_keys reports
    // it as unknown too, but that problem may come later in the list).
    std::string hint;
    for (auto it = m_node.begin(); it != m_node.end() && hint.empty(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() != key &&
          !closest_match(it->first.Scalar(), {std::string(key)}).empty()) {
        hint = fmt::format("is '{}' (line {}) a misspelling of it?", it->first.Scalar(), it->first.Mark().line + 1);
      }
    }
    problem_at(c.m_line, c.m_column, c.m_path, fmt::format("missing key '{}'", key), std::move(hint));
    c.m_where = nullptr; // reported once; nothing below it reports again
  }
  return c;
}

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!m_present) {
    return out;
  }
  if (!m_node.IsSequence()) {
    problem(fmt::format("expected a list, got {}", type_name(m_node)));
    return out;
  }
  std::size_t i = 0;
  for (const auto& item : m_node) {
    const auto mark = item.Mark();
    out.push_back(Node(item, m_where, fmt::format("{}[{}]", m_path, i++), mark.line + 1, mark.column + 1,
                       item.IsDefined() && !item.IsNull()));
  }
  return out;
}

std::vector<std::pair<std::string, Node>> Node::entries() const {
  std::vector<std::pair<std::string, Node>> out;
  if (!m_present) {
    return out;
  }
  if (!m_node.IsMap()) {
    problem(fmt::format("expected a mapping, got {}", type_name(m_node)));
    return out;
  }
  std::unordered_map<std::string, int> key_lines; // line of each returned key, for duplicate messages
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    const auto mark = it->first.Mark();
    if (!it->first.IsScalar()) {
      problem_at(mark.line + 1, mark.column + 1, m_path, "a key must be a plain name", {});
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (const auto [dup, fresh] = key_lines.emplace(key, mark.line + 1); !fresh) {
      // Same wording as allow_keys(), so a map checked by both reports the key once.
      problem_at(mark.line + 1, mark.column + 1, join_path(m_path, key),
                 fmt::format("duplicate key '{}' (first given on line {})", key, dup->second), {});
      continue;
    }
    out.emplace_back(key, make_child(it->second, it->first, join_path(m_path, key)));
  }
  return out;
}

void Node::allow_keys(std::initializer_list<std::string_view> accepted) const {
  allow_keys(std::vector<std::string>(accepted.begin(), accepted.end()));
}

void Node::allow_keys(const std::vector<std::string>& accepted) const {
  if (!is_map()) {
    return;
  }
  std::unordered_map<std::string, int> seen; // key → line
  for (auto it = m_node.begin(); it != m_node.end(); ++it) {
    if (!it->first.IsScalar()) {
      continue; // entries() reports it
    }
    const std::string& key = it->first.Scalar();
    const auto mark = it->first.Mark();
    const auto path = join_path(m_path, key);
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      problem_at(mark.line + 1, mark.column + 1, path, fmt::format("unknown key '{}'", key),
                 suggestion(key, accepted));
    }
    if (const auto [dup, fresh] = seen.emplace(key, mark.line + 1); !fresh) {
      problem_at(mark.line + 1, mark.column + 1, path,
                 fmt::format("duplicate key '{}' (first given on line {})", key, dup->second), {});
    }
  }
}

// ---- Node: typed values ---------------------------------------------------------------------

std::optional<std::string> Node::scalar_text(std::string_view expected) const {
  if (!m_present) {
    return std::nullopt;
  }
  if (!m_node.IsScalar()) {
    problem(fmt::format("expected {}, got {}", expected, type_name(m_node)));
    return std::nullopt;
  }
  return m_node.Scalar();
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
  if (m_node.IsScalar()) {
    out.push_back(m_node.Scalar());
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
