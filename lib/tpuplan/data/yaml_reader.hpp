// Reading YAML input files with precise, complete error reports: typed field access that
// knows its key path ("offerings[3].prices.spot.usd_per_hour") and its place in the file
// (file:line:col), unknown keys with "did you mean", and a problem collector so that a file
// with several mistakes reports all of them at once. Used by the data loader, price sheets,
// configs and `tpuplan validate`.
//
//   yaml::Problems problems;
//   const yaml::Node root = yaml::load_file(path, problems);
//   root.allow_keys({"version", "accelerators"});
//   for (const yaml::Node& a : root.required("accelerators").items()) {
//     a.allow_keys({"id", "hbm_gib"});
//     id = a.required("id").text().value_or("");
//     hbm = a.required("hbm_gib").number(yaml::Range::positive()).value_or(0);
//   }
//   problems.throw_if_any(); // one Error(input): the first problem, the hint counts the rest
#pragma once

#include <tpuplan/data/yaml_tree.hpp>
#include <tpuplan/error.hpp>

#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <tuple>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace tpuplan::yaml {

/// One mistake in an input file: where it is, which key, what is wrong, what would be accepted.
struct Problem {
  std::string file;     ///< the file as named by the caller
  int line = 0;         ///< 1-based; 0 when the file as a whole is at fault (unreadable)
  int column = 0;       ///< 1-based
  std::string key_path; ///< "offerings[3].prices.spot" (list indices 0-based); empty for the file
  std::string message;  ///< "must be > 0, got -1"
  std::string hint;     ///< "did you mean 'as_of'?"; may be empty

  /// "file:line:col: key_path: message" (the hint is not included).
  std::string to_string() const;
};

/// The problems found in one or several files, in file order then line order.
class Problems {
public:
  /// Records a problem; an exact repeat (same place and message) is dropped.
  void add(Problem problem);
  bool empty() const { return m_list.empty(); }
  std::size_t size() const { return m_list.size(); }
  /// Every problem recorded, sorted by file (in the order files were first seen), line, column.
  const std::vector<Problem>& list() const { return m_list; }
  /// Throws ProblemsError when any problem was recorded.
  void throw_if_any() const;

private:
  std::vector<Problem> m_list;
  std::vector<std::string> m_files; // first-seen order of files, for sorting
  std::unordered_map<std::string, std::size_t> m_file_index; // m_files' positions
  /// Every problem recorded (file, line, column, key path, message): repeats found in log n.
  std::set<std::tuple<std::string, int, int, std::string, std::string>> m_seen;
};

/// Error(ErrorKind::input) whose message is the first problem and whose hint is that problem's
/// hint plus the count of the others; problems() gives the full list.
class ProblemsError : public Error {
public:
  explicit ProblemsError(std::vector<Problem> problems);
  /// Every problem, in file and line order (at least one).
  const std::vector<Problem>& problems() const noexcept { return m_problems; }

private:
  std::vector<Problem> m_problems;
};

/// Bounds a number must respect; a value outside them is a problem naming the bound.
struct Range {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;

  /// > 0 (prices, capacities).
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true}; }
  /// ≥ 0 (a component that may be free).
  static Range non_negative() { return {0.0, std::numeric_limits<double>::infinity(), false}; }
  /// lo ≤ x ≤ hi.
  static Range between(double lo, double hi) { return {lo, hi, false}; }
  /// lo ≤ x.
  static Range at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false}; }
};

/// A node of a parsed YAML file, knowing its file, key path and position, and where its
/// problems go. Absent nodes (a missing optional key, or anything below a node that was
/// already reported) answer every question with nullopt or nothing and report nothing, so
/// one mistake is reported once. A Node refers to the Problems it was created with, which
/// must outlive it.
class Node {
public:
  /// An absent node that reports to nothing (the default value of a field).
  Node() = default;

  /// True when the key exists and its value is not null.
  bool present() const { return m_present; }
  bool is_map() const { return m_present && m_node->kind == TreeItem::Kind::map; }
  bool is_list() const { return m_present && m_node->kind == TreeItem::Kind::list; }
  bool is_scalar() const { return m_present && m_node->kind == TreeItem::Kind::scalar; }
  /// "offerings[3].prices" (empty for the document root).
  const std::string& key_path() const { return *full_path(); }
  /// "file:line:col" of this node (of its key when the value is missing).
  std::string where() const;
  /// Records a problem at this node (for checks the reader cannot know, e.g. an unknown id).
  void problem(std::string message, std::string hint = {}) const;

  /// The value of `key` in this map; absent without a problem when the key is missing or null.
  /// A problem when this node is present but not a map.
  Node child(std::string_view key) const;
  /// Like child(), but a missing or null key is a problem ("missing key 'id'").
  Node required(std::string_view key) const;
  /// The elements of a list (a problem when present but not a list).
  std::vector<Node> items() const;
  /// The key/value pairs of a map in file order (a problem when present but not a map; a key
  /// given twice is a problem and only its first value is returned).
  std::vector<std::pair<std::string, Node>> entries() const;
  /// Reports each key not in `accepted` ("unknown key 'as_off'", "did you mean 'as_of'?")
  /// and each key given twice. Does nothing unless this is a present map.
  void allow_keys(std::initializer_list<std::string_view> accepted) const;
  /// The same with a runtime list.
  void allow_keys(const std::vector<std::string>& accepted) const;

  /// A string scalar (a problem for a list or map).
  std::optional<std::string> text() const;
  /// A number within `range` (a problem for text, quoted numbers, NaN/inf, out of range).
  std::optional<double> number(Range range = {}) const;
  /// A whole number within `range`.
  std::optional<int> integer(Range range = {}) const;
  /// true or false (YAML 1.2 core schema: no yes/no/on/off).
  std::optional<bool> boolean() const;
  /// A date "YYYY-MM-DD" or "YYYY-MM" (a calendar-valid one).
  std::optional<std::string> date() const;
  /// One of `accepted` (case-sensitive), else a problem with "did you mean".
  std::optional<std::string> one_of(const std::vector<std::string>& accepted) const;
  /// A list of strings; a single string is read as a list of one.
  std::vector<std::string> text_list() const;

private:
  struct Where;
  /// `parent` is the parent's key path (null at the root), `key` this node's key or "[i]".
  Node(const TreeItem* node, std::shared_ptr<const Where> where, std::shared_ptr<const std::string> parent,
       std::string key, int line, int column, bool present);
  friend Node load_file(const std::filesystem::path& path, Problems& problems);
  friend Node parse(std::string_view text, std::string name, Problems& problems);

  Node make_child(const TreeItem* value, const TreeItem* key) const;
  Node absent(std::shared_ptr<const Where> where, std::string_view key) const;
  /// This node's key path, built on first use and shared with its children (a 10,000-offering
  /// sheet creates a million nodes; most never need their path).
  const std::shared_ptr<const std::string>& full_path() const;
  /// The key path of a child `key` of this node.
  std::string child_path(std::string_view key) const;
  std::optional<std::string> scalar_text(std::string_view expected) const;
  void problem_at(int line, int column, const std::string& path, std::string message, std::string hint) const;

  const TreeItem* m_node = nullptr;     // null when absent; its tree is kept alive by m_where
  std::shared_ptr<const Where> m_where;
  std::shared_ptr<const std::string> m_parent;         // the parent's key path; null at the root
  std::string m_key;                                   // "regions", "[3]"; empty at the root
  mutable std::shared_ptr<const std::string> m_full;   // parent + key, once needed
  int m_line = 0;   // 1-based
  int m_column = 0; // 1-based
  bool m_present = false;
};

/// Parses a YAML file. An unreadable file, a syntax error or an empty document is recorded
/// as a problem and gives an absent root. `path` is shown in problems as given.
Node load_file(const std::filesystem::path& path, Problems& problems);
/// Parses YAML text; `name` stands for the file in problems.
Node parse(std::string_view text, std::string name, Problems& problems);

/// True for "YYYY-MM-DD" (a real calendar day) or "YYYY-MM".
bool is_valid_date(std::string_view text);

} // namespace tpuplan::yaml
