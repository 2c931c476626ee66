// The fast YAML parser against yaml-cpp: the same tree (kinds, texts, quoting, positions) for
// every YAML file in the source tree and for a set of snippets, and a hand-over to yaml-cpp
// for what it does not read.
#include <tpuplan/data/yaml_tree.hpp>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>
#include <vector>

using namespace tpuplan::yaml;

namespace {

std::string kind_name(TreeItem::Kind k) {
  switch (k) {
  case TreeItem::Kind::null:
    return "null";
  case TreeItem::Kind::scalar:
    return "scalar";
  case TreeItem::Kind::map:
    return "map";
  case TreeItem::Kind::list:
    return "list";
  }
  return "?";
}

/// The first difference between two trees, or "" when they are the same. Positions of null
/// items are not compared: yaml-cpp places a missing value at whatever token follows it, and
/// the reader points at the key instead.
std::string difference(const TreeItem* a, const TreeItem* b, const std::string& path) {
  if (a->kind != b->kind) {
    return fmt::format("{}: kind {} vs {}", path, kind_name(a->kind), kind_name(b->kind));
  }
  if (a->kind != TreeItem::Kind::null && (a->line != b->line || a->column != b->column)) {
    return fmt::format("{}: position {}:{} vs {}:{}", path, a->line + 1, a->column + 1, b->line + 1, b->column + 1);
  }
  if (a->kind == TreeItem::Kind::scalar && (a->text != b->text || a->quoted != b->quoted)) {
    return fmt::format("{}: scalar [{}]{} vs [{}]{}", path, a->text, a->quoted ? " quoted" : "", b->text,
                       b->quoted ? " quoted" : "");
  }
  if (a->items.size() != b->items.size()) {
    return fmt::format("{}: {} vs {} items", path, a->items.size(), b->items.size());
  }
  for (std::size_t i = 0; i < a->items.size(); ++i) {
    const std::string d = difference(a->items[i], b->items[i], fmt::format("{}/{}", path, i));
    if (!d.empty()) {
      return d;
    }
  }
  return {};
}

/// Both parsers on `text`: the fast one must read it (when `must_be_fast`) and agree with yaml-cpp.
void check_same(const std::string& text, const std::string& name, bool must_be_fast = true) {
  INFO(name);
  TreeError error;
  const auto reference = parse_tree_yaml_cpp(text, error);
  REQUIRE(reference);
  const auto fast = parse_tree_fast(text);
  if (must_be_fast) {
    REQUIRE(fast);
  }
  if (fast) {
    CHECK(difference(fast->root(), reference->root(), "") == "");
  }
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST_CASE("the fast parser reads every YAML file of the source tree as yaml-cpp does", "[yaml_tree]") {
  const std::filesystem::path root = TPUPLAN_SOURCE_DIR;
  int files = 0;
  int fast = 0;
  for (const char* dir : {"data", "examples", "tests/data"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml")) {
        continue;
      }
      const std::string text = read(e.path());
      TreeError error;
      const auto reference = parse_tree_yaml_cpp(text, error);
      const auto quick = parse_tree_fast(text);
      ++files;
      INFO(e.path().string());
      if (!reference) {
        CHECK_FALSE(quick); // a syntax error is never read by the fast parser
        continue;
      }
      if (quick) {
        ++fast;
        CHECK(difference(quick->root(), reference->root(), "") == "");
      }
    }
  }
  // The shipped data and the examples are all read by the fast parser (checked below); test
  // inputs include deliberately broken and exotic files that go to yaml-cpp.
  CHECK(files > 20);
  CHECK(fast * 10 >= files * 7);
  for (const char* shipped : {"data/accelerators.yaml", "data/models.yaml", "data/sources.yaml",
                              "data/offerings/gcp-tpu.yaml", "data/offerings/gcp-gpu.yaml",
                              "data/offerings/aws-gpu.yaml", "examples/config.yaml", "examples/on-prem.yaml",
                              "examples/seed-appendix-g.yaml"}) {
    check_same(read(root / shipped), shipped);
  }
}

TEST_CASE("the fast parser agrees with yaml-cpp on the YAML shapes it reads", "[yaml_tree]") {
  const char* snippets[] = {
      "a: 1\nb: two words\nc: 'single ''q'''\nd: \"dq \\\"x\\\" \\u00e9 \\n\"\n",
      "# comment\n\n---\nkey: value # trailing\nempty:\nnull1: ~\nnull2: null\nurl: https://x.test/a#b\n",
      "list:\n  - a\n  - b\n  -\n  - - nested\n    - list\n",
      "list:\n- a\n- b\nafter: 1\n",
      "offerings:\n  - name: x\n    regions:\n      r1: {od: 1.5, spot: ~, src: [a, 'b', \"c\"]}\n  - name: y\n",
      "anchors:\n  a: &src [u1, u2]\n  b: *src\n  c: {s: *src}\n  d: &m\n    k: v\n  e: *m\n",
      "text: >-\n  folded line one\n  and two\n\n  new paragraph\nnext: 1\n",
      "text: |\n  literal\n    indented\n  end\n\nnext: 1\n",
      "keep: |+\n  a\n\nnext: 1\n",
      "clip: >\n  a\n  b\n# comment at column 0\nnext: 1\n",
      "\"quoted key\": 1\n'other': 2\nk e y: 3\n",
      "a:\n  b:\n    c:\n      d: deep\n  e: [1, [2, [3]], {f: {g: h}}]\n",
      "- a: 1\n  b: 2\n- c: 3\n",
      "flow: {a: , b: x}\nempty_map: {}\nempty_list: []\n",
      "neg: -5\ndash-key: v\ncolon: a:b\nver: 2025-06\nnum: 0.10\n",
      "just a scalar\n",
      "\n\n   # only comments\n",
  };
  int i = 0;
  for (const char* s : snippets) {
    check_same(s, fmt::format("snippet {}", i++));
  }
}

TEST_CASE("what the fast parser does not read goes to yaml-cpp, errors included", "[yaml_tree]") {
  const char* handed_over[] = {
      "a: !!str 1\n",            // a tag
      "%YAML 1.2\n---\na: 1\n",  // a directive
      "a: 1\n---\nb: 2\n",       // a second document
      "a: plain\n  continued\n", // a multi-line plain scalar
      "a: \"two\n  lines\"\n",   // a multi-line quoted scalar
      "a:\tb\n",                 // a tab
      "a: 1\r\nb: 2\r\n",        // CR line ends
      "? complex\n: key\n",      // a complex key
      "a: {b: 1,\n  c: 2}\n",    // a flow mapping over lines
      "a: 1\n b: 2\n",           // bad indentation (yaml-cpp's error)
      "a: [1, 2\n",              // unterminated
      "a: *nowhere\n",           // an unknown alias
      "\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF-", // a UTF-16 byte-order mark (found by fuzz/fuzz_yaml)
      "\xFF\xFE" "a: 1\n",        // a UTF-16LE mark
  };
  for (const char* s : handed_over) {
    INFO(s);
    CHECK_FALSE(parse_tree_fast(s));
    TreeError error;
    const auto tree = parse_tree(s, error);
    TreeError reference_error;
    const auto reference = parse_tree_yaml_cpp(s, reference_error);
    CHECK(static_cast<bool>(tree) == static_cast<bool>(reference));
    if (tree && reference) {
      CHECK(difference(tree->root(), reference->root(), "") == "");
      CHECK_FALSE(tree->fast());
    } else {
      CHECK(error.message == reference_error.message);
      CHECK(error.line == reference_error.line);
    }
  }
}

namespace {

/// `levels` block mappings inside each other, the innermost holding a scalar.
std::string nested_block(int levels) {
  std::string text;
  for (int i = 0; i < levels - 1; ++i) {
    text += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
  }
  return text + std::string(static_cast<std::size_t>(levels - 1) * 2, ' ') + "k: v\n";
}

} // namespace

TEST_CASE("nesting is capped at 64 levels on both parsers, with the place of the 65th", "[yaml_tree]") {
  static_assert(k_max_nesting == 64);
  check_same(nested_block(64), "64 levels");
  // The fast parser hands the 65th level over; the yaml-cpp path refuses it at its place.
  const std::string deep = nested_block(65);
  CHECK_FALSE(parse_tree_fast(deep));
  TreeError error;
  CHECK_FALSE(parse_tree(deep, error));
  CHECK(error.message == "YAML nested deeper than 64 levels (mappings and lists inside each other)");
  CHECK_FALSE(error.syntax);
  CHECK(error.line == 64);
  CHECK(error.column == 128);
  // Flow collections, a tag (which only yaml-cpp reads) and 100,000 levels (no deep recursion).
  for (const auto& [text, column] : std::vector<std::pair<std::string, int>>{
           {"a: " + std::string(64, '[') + std::string(64, ']') + "\n", 66},
           {"a: !!seq " + std::string(70, '[') + std::string(70, ']') + "\n", 72},
           {std::string(100000, '[') + std::string(100000, ']') + "\n", 64}}) {
    INFO(text.substr(0, 80));
    TreeError e;
    CHECK_FALSE(parse_tree(text, e));
    CHECK(e.message.find("deeper than 64 levels") != std::string::npos);
    CHECK(e.line == 0);
    CHECK(e.column == column);
  }
  TreeError fine;
  CHECK(parse_tree("a: " + std::string(63, '[') + std::string(63, ']') + "\n", fine));
}

TEST_CASE("an alias counts as the nesting it stands for, on both parsers", "[yaml_tree]") {
  // 40 levels anchored, used 30 levels down: 70 levels in the tree.
  const std::string anchored = "a: &x " + std::string(40, '[') + std::string(40, ']') + "\n";
  const std::string deep = anchored + "b: " + std::string(29, '[') + "*x" + std::string(29, ']') + "\n";
  CHECK_FALSE(parse_tree_fast(deep));
  TreeError error;
  CHECK_FALSE(parse_tree(deep, error));
  CHECK(error.message.find("deeper than 64 levels") != std::string::npos);
  CHECK(error.line == 1);
  // Block-context use of the same alias, 24 levels down: 64 in all, still read by the fast parser.
  const std::string fits = anchored + "b: " + std::string(23, '[') + "*x" + std::string(23, ']') + "\n";
  check_same(fits, "alias at 64 levels");
  // An alias is also followed through yaml-cpp alone (a tag hands the file over).
  TreeError tagged;
  CHECK_FALSE(parse_tree("t: !!str x\n" + deep, tagged));
  CHECK(tagged.message.find("deeper than 64 levels") != std::string::npos);
}

TEST_CASE("an alias inside the node it names is a cycle, refused at the alias (not a stack overflow)", "[yaml_tree]") {
  // yaml-cpp would build a self-containing node; copying it recursed until the stack ran out
  // (found by the CI fuzz smoke run of fuzz_yaml).
  for (const auto& [text, line, column] : std::vector<std::tuple<std::string, int, int>>{
           {"a: &x [*x]\n", 0, 7},
           {"&r {k: [1, {j: *r}]}\n", 0, 15},
           {"a: &x\n  b:\n    - *x\n", 2, 6}}) {
    INFO(text);
    TreeError e;
    CHECK_FALSE(parse_tree(text, e));
    CHECK(e.message.find("an alias refers to the mapping or list that contains it") != std::string::npos);
    CHECK_FALSE(e.syntax);
    CHECK(e.line == line);
    CHECK(e.column == column);
  }
  // The same alias after its node is complete is fine.
  TreeError fine;
  CHECK(parse_tree("a: &x [1]\nb: [*x]\n", fine));
}

TEST_CASE("an anchor or alias name followed by an opening bracket or brace, or a second anchor on one node, is refused by both parsers", "[yaml_tree]") {
  // yaml-cpp: "illegal character found while scanning anchor"; the fast parser read `&x[x *]`
  // as a sequence (found by fuzz_yaml).
  for (const std::string text : {"a: &x[x *]\n", "a: &x{k: v}\n", "a: &x 1\nb: [*x{]\n", "- &x[1]\n"}) {
    INFO(text);
    CHECK_FALSE(parse_tree_fast(text));
    TreeError e;
    CHECK_FALSE(parse_tree(text, e));
    CHECK(e.syntax);
  }
  // Two anchors on one node, the second on the next line (found by fuzz_yaml).
  for (const std::string text : {"root: &r\n &r\n  k: v\n", "root: &r\n  &s [1]\n"}) {
    INFO(text);
    CHECK_FALSE(parse_tree_fast(text));
    TreeError e;
    CHECK_FALSE(parse_tree(text, e));
    CHECK(e.message == "cannot assign multiple anchors to the same node");
  }
  // A name ended by a space, a comma or a closing bracket is fine.
  check_same("a: &x [1]\nb: [*x, *x]\n", "anchor then space");
  // The same anchor defined again inside the node it names: yaml-cpp registers an anchor when
  // its node opens, so the inner definition is the one later aliases get; the fast parser
  // registered the outer one last (found by fuzz_yaml). Both go to yaml-cpp now.
  for (const std::string text : {"a: &x\n  - one\n  - k: &x\n  - two\nb: *x\n", "a: &x [one, {k: &x v}]\nb: *x\n"}) {
    INFO(text);
    CHECK_FALSE(parse_tree_fast(text));
    TreeError e;
    const auto tree = parse_tree(text, e);
    REQUIRE(tree);
    const TreeItem* b = tree->root()->items[3];
    CHECK(b->kind != TreeItem::Kind::list); // the inner definition: null, or the scalar v
  }
  // An anchor defined again after its node is complete is an ordinary redefinition.
  check_same("a: &x [1]\nb: *x\nc: &x [2]\nd: *x\n", "anchor redefined after its node");
}

TEST_CASE("a second document is refused at its start, whichever parser reads the first", "[yaml_tree]") {
  for (const auto& [text, line] : std::vector<std::pair<std::string, int>>{
           {"a: 1\n---\nb: 2\n", 1},            // the fast parser reads the first one
           {"a: !!str 1\n---\nb: 2\n", 1},      // only yaml-cpp reads the first one
           {"---\na: 1\n...\n---\n", 3},         // an empty second document
           {"a: 1\n...\nb: 2\n", 2},            // after an end marker, without '---'
           {"a: 1\n---\n" + std::string(100, '[') + "\n", 1}}) { // a broken second one
    INFO(text);
    CHECK_FALSE(parse_tree_fast(text));
    TreeError error;
    CHECK_FALSE(parse_tree(text, error));
    CHECK(error.message.rfind("a second YAML document starts here", 0) == 0);
    CHECK_FALSE(error.syntax);
    CHECK(error.line == line);
    CHECK(error.column == 0);
    CHECK(check_document(text));
  }
  // One document with its markers is fine.
  for (const char* one : {"---\na: 1\n", "a: 1\n...\n", "---\na: 1\n...\n# done\n"}) {
    INFO(one);
    TreeError error;
    CHECK(parse_tree(one, error));
    CHECK_FALSE(check_document(one));
  }
}

TEST_CASE("mutated copies of the shipped YAML: whatever the fast parser reads, yaml-cpp reads the same", "[yaml_tree]") {
  // A differential fuzz with a fixed seed: 60,000 copies of the data and example files with
  // one to four bytes replaced, inserted or deleted (from YAML's significant characters).
  // Where the fast parser gives a tree, yaml-cpp must give the same one; it found a folded
  // scalar ending in a line of spaces without a line break, which yaml-cpp folds differently.
  const std::filesystem::path root = TPUPLAN_SOURCE_DIR;
  std::vector<std::string> seeds;
  for (const char* f : {"data/accelerators.yaml", "data/sources.yaml", "data/offerings/aws-gpu.yaml",
                        "data/offerings/gcp-tpu.yaml", "examples/config.yaml", "examples/on-prem.yaml",
                        "examples/seed-appendix-g.yaml"}) {
    seeds.push_back(read(root / f));
  }
  std::mt19937 rng(20261202);
  const std::string alphabet = " :-#'\"{}[],&*!|>\n\tab1.~?%@`\\";
  int read_fast = 0;
  int mismatches = 0;
  std::string first_mismatch;
  for (int i = 0; i < 60000; ++i) {
    std::string t = seeds[rng() % seeds.size()];
    if (t.size() > 2500) {
      t = t.substr(rng() % (t.size() - 2000), 2000);
    }
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t p = rng() % t.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
      case 0:
        t[p] = c;
        break;
      case 1:
        t.insert(t.begin() + static_cast<std::ptrdiff_t>(p), c);
        break;
      default:
        t.erase(p, 1);
      }
    }
    const auto quick = parse_tree_fast(t);
    if (!quick) {
      continue;
    }
    ++read_fast;
    TreeError error;
    const auto reference = parse_tree_yaml_cpp(t, error);
    const std::string d = reference ? difference(quick->root(), reference->root(), "") : "yaml-cpp: " + error.message;
    if (!d.empty() && mismatches++ == 0) {
      first_mismatch = d + "\n" + t;
    }
  }
  INFO(first_mismatch);
  CHECK(read_fast > 1500); // enough of them are read by the fast parser
  CHECK(mismatches == 0);
}

TEST_CASE("a folded scalar ending in a line of spaces without a line break goes to yaml-cpp", "[yaml_tree]") {
  const std::string text = "notes: >-\n  one\n  two\n  ";
  CHECK_FALSE(parse_tree_fast(text));
  TreeError error;
  const auto tree = parse_tree(text, error);
  REQUIRE(tree);
  CHECK(tree->root()->items[1]->text == "one two ");
}
