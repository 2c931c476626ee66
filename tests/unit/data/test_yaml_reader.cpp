#include <tpuplan/data/yaml_reader.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>

using namespace tpuplan;
using namespace tpuplan::yaml;

namespace {

/// The problems' one-line forms, for compact assertions.
std::vector<std::string> lines(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems.list()) {
    out.push_back(p.to_string());
  }
  return out;
}

} // namespace

TEST_CASE("a typed field is read with its value and no problem", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("id: v5e\nhbm_gib: 16\nchips: 8\npreview: false\nas_of: 2025-03-03\n", "a.yaml", problems);
  CHECK(root.required("id").text() == "v5e");
  CHECK(root.required("hbm_gib").number(Range::positive()) == 16.0);
  CHECK(root.required("chips").integer(Range::at_least(1)) == 8);
  CHECK(root.required("preview").boolean() == false);
  CHECK(root.required("as_of").date() == "2025-03-03");
  CHECK(problems.empty());
}

TEST_CASE("a problem names the file, line, column and key path", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("offerings:\n  - name: a\n  - name: b\n    prices:\n      spot: {usd_per_hour: -1}\n",
                          "sheet.yaml", problems);
  const auto offerings = root.required("offerings").items();
  REQUIRE(offerings.size() == 2);
  CHECK_FALSE(offerings[1].required("prices").required("spot").required("usd_per_hour").number(Range::positive()));
  REQUIRE(problems.size() == 1);
  const auto& p = problems.list().front();
  CHECK(p.file == "sheet.yaml");
  CHECK(p.line == 5);
  CHECK(p.column == 28);
  CHECK(p.key_path == "offerings[1].prices.spot.usd_per_hour");
  CHECK(p.to_string() == "sheet.yaml:5:28: offerings[1].prices.spot.usd_per_hour: must be > 0, got -1");
}

TEST_CASE("an unknown key is reported at the key with a did-you-mean", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("source: x\nas_off: 2025-01-01\n", "p.yaml", problems);
  root.allow_keys({"source", "as_of", "derived"});
  REQUIRE(problems.size() == 1);
  const auto& p = problems.list().front();
  CHECK(p.to_string() == "p.yaml:2:1: as_off: unknown key 'as_off'");
  CHECK(p.hint == "did you mean 'as_of'?");
}

TEST_CASE("a key given twice is a problem naming the first line", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("id: a\nname: x\nid: b\n", "d.yaml", problems);
  root.allow_keys({"id", "name"});
  CHECK(lines(problems) == std::vector<std::string>{"d.yaml:3:1: id: duplicate key 'id' (first given on line 1)"});
}

TEST_CASE("entries report a key given twice and keep its first value", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("regions:\n  us-east1: 1\n  us-east1: 2\n", "e.yaml", problems);
  const auto entries = root.required("regions").entries();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].second.number() == 1.0);
  CHECK(lines(problems) ==
        std::vector<std::string>{"e.yaml:3:3: regions.us-east1: duplicate key 'us-east1' (first given on line 2)"});
}

TEST_CASE("a missing required key is reported once at its map's key", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("a:\n  b: 1\n", "m.yaml", problems);
  const Node missing = root.required("a").required("source");
  CHECK_FALSE(missing.present());
  CHECK_FALSE(missing.text());
  CHECK_FALSE(missing.required("deeper").number());
  CHECK(lines(problems) == std::vector<std::string>{"m.yaml:1:1: a.source: missing key 'source'"});
}

TEST_CASE("a missing required key names a close key of the same map as a likely misspelling", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("usd_per_hour: 5\nsorce: x\n", "s.yaml", problems);
  CHECK_FALSE(root.required("source").present());
  REQUIRE(problems.size() == 1);
  CHECK(problems.list().front().message == "missing key 'source'");
  CHECK(problems.list().front().hint == "is 'sorce' (line 2) a misspelling of it?");
}

TEST_CASE("an absent optional key gives nothing and reports nothing", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("a: 1\nb:\n", "o.yaml", problems);
  CHECK_FALSE(root.child("zzz").present());
  CHECK_FALSE(root.child("zzz").number());
  CHECK_FALSE(root.child("b").present()); // null counts as absent
  CHECK(problems.empty());
}

TEST_CASE("type errors say what was expected and what was found", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("n: abc\nq: \"1.5\"\ni: 4.5\nb: yes\nl: [1, 2]\nm: x\nd: 2025-02-30\nnan: .nan\n", "t.yaml",
                          problems);
  CHECK_FALSE(root.required("n").number());
  CHECK_FALSE(root.required("q").number());
  CHECK_FALSE(root.required("i").integer());
  CHECK_FALSE(root.required("b").boolean());
  CHECK_FALSE(root.required("l").text());
  CHECK(root.required("m").items().empty());
  CHECK_FALSE(root.required("d").date());
  CHECK_FALSE(root.required("nan").number());
  CHECK(lines(problems) == std::vector<std::string>{
                               "t.yaml:1:4: n: expected a number, got 'abc'",
                               "t.yaml:2:4: q: expected a number, got '1.5'",
                               "t.yaml:3:4: i: expected a whole number, got '4.5'",
                               "t.yaml:4:4: b: expected true or false, got 'yes'",
                               "t.yaml:5:1: l: expected text, got a list",
                               "t.yaml:6:4: m: expected a list, got a scalar",
                               "t.yaml:7:4: d: expected a date YYYY-MM-DD or YYYY-MM, got '2025-02-30'",
                               "t.yaml:8:6: nan: expected a number, got '.nan'",
                           });
  CHECK(problems.list()[1].hint == "write numbers without quotes");
}

TEST_CASE("range errors name the bound", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("zero: 0\nneg: -2\nbig: 11\nint: 0\n", "r.yaml", problems);
  CHECK_FALSE(root.required("zero").number(Range::positive()));
  CHECK_FALSE(root.required("neg").number(Range::non_negative()));
  CHECK_FALSE(root.required("big").number(Range::between(0, 10)));
  CHECK_FALSE(root.required("int").integer(Range::at_least(1)));
  CHECK(root.required("zero").number(Range::non_negative()) == 0.0);
  CHECK(lines(problems) == std::vector<std::string>{
                               "r.yaml:1:7: zero: must be > 0, got 0",
                               "r.yaml:2:6: neg: must be ≥ 0, got -2",
                               "r.yaml:3:6: big: must be ≤ 10, got 11",
                               "r.yaml:4:6: int: must be ≥ 1, got 0",
                           });
}

TEST_CASE("one_of suggests the closest accepted value", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("kind: tpuu\n", "k.yaml", problems);
  CHECK_FALSE(root.required("kind").one_of({"tpu", "gpu"}));
  REQUIRE(problems.size() == 1);
  CHECK(problems.list().front().message == "unknown value 'tpuu'");
  CHECK(problems.list().front().hint == "did you mean 'tpu'?");
}

TEST_CASE("text_list reads a list or a single string", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("a: [x, y]\nb: z\n", "l.yaml", problems);
  CHECK(root.required("a").text_list() == std::vector<std::string>{"x", "y"});
  CHECK(root.required("b").text_list() == std::vector<std::string>{"z"});
  CHECK(root.child("c").text_list().empty());
  CHECK(problems.empty());
}

TEST_CASE("entries keep file order and key paths", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("regions:\n  us-east1: 1\n  europe-west4: 2\n", "e.yaml", problems);
  const auto entries = root.required("regions").entries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].first == "us-east1");
  CHECK(entries[1].first == "europe-west4");
  CHECK(entries[1].second.key_path() == "regions.europe-west4");
  CHECK(entries[1].second.where() == "e.yaml:3:17");
}

TEST_CASE("a syntax error is one problem at its position and an absent root", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("a: [1, 2\nb: 3\n", "s.yaml", problems);
  CHECK_FALSE(root.present());
  CHECK_FALSE(root.required("a").present());
  REQUIRE(problems.size() == 1);
  CHECK(problems.list().front().line == 2);
  CHECK(problems.list().front().message.rfind("YAML syntax error: ", 0) == 0);
}

TEST_CASE("an empty or unreadable file is a problem of the file", "[yaml_reader]") {
  Problems problems;
  CHECK_FALSE(parse("", "empty.yaml", problems).present());
  CHECK_FALSE(load_file("/nonexistent/dir/x.yaml", problems).present());
  CHECK(lines(problems) == std::vector<std::string>{"empty.yaml: the file is empty",
                                                    "/nonexistent/dir/x.yaml: no such file"});
}

TEST_CASE("load_file reads a file and names it in problems", "[yaml_reader]") {
  const auto path = std::filesystem::temp_directory_path() / "tpuplan_test_yaml_reader.yaml";
  {
    std::ofstream f(path);
    f << "a: 1\nb: -1\n";
  }
  Problems problems;
  const Node root = load_file(path, problems);
  CHECK(root.required("a").integer() == 1);
  CHECK_FALSE(root.required("b").number(Range::positive()));
  REQUIRE(problems.size() == 1);
  CHECK(problems.list().front().file == path.string());
  std::filesystem::remove(path);
}

TEST_CASE("problems are listed in file then line order and repeats are dropped", "[yaml_reader]") {
  Problems problems;
  problems.add({"b.yaml", 3, 1, "x", "late", ""});
  problems.add({"a.yaml", 9, 1, "y", "second file", ""});
  problems.add({"b.yaml", 1, 5, "z", "early", ""});
  problems.add({"b.yaml", 1, 5, "z", "early", ""});
  REQUIRE(problems.size() == 3);
  CHECK(problems.list()[0].message == "early");
  CHECK(problems.list()[1].message == "late");
  CHECK(problems.list()[2].message == "second file");
}

TEST_CASE("throw_if_any throws one input error: the first problem, the rest counted", "[yaml_reader]") {
  Problems problems;
  CHECK_NOTHROW(problems.throw_if_any());
  const Node root = parse("source: x\nas_off: 1\nprice: -1\nchips: x\n", "f.yaml", problems);
  root.allow_keys({"source", "as_of", "price", "chips"});
  (void)root.required("price").number(Range::positive());
  (void)root.required("chips").integer();
  try {
    problems.throw_if_any();
    FAIL("no exception");
  } catch (const ProblemsError& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()) == "f.yaml:2:1: as_off: unknown key 'as_off'");
    CHECK(e.hint() == "did you mean 'as_of'? (and 2 more problems)");
    REQUIRE(e.problems().size() == 3);
    CHECK(e.problems()[2].key_path == "chips");
  }
}

TEST_CASE("the count of further problems stands alone when the first has no hint", "[yaml_reader]") {
  Problems problems;
  problems.add({"f.yaml", 1, 1, "a", "first", ""});
  problems.add({"f.yaml", 2, 1, "b", "second", ""});
  try {
    problems.throw_if_any();
    FAIL("no exception");
  } catch (const ProblemsError& e) {
    CHECK(e.hint() == "and 1 more problem");
  }
}

TEST_CASE("dates accept YYYY-MM-DD and YYYY-MM only when they exist", "[yaml_reader]") {
  CHECK(is_valid_date("2025-03-03"));
  CHECK(is_valid_date("2025-06"));
  CHECK(is_valid_date("2024-02-29"));
  CHECK_FALSE(is_valid_date("2025-02-29"));
  CHECK_FALSE(is_valid_date("2025-13"));
  CHECK_FALSE(is_valid_date("2025-3-3"));
  CHECK_FALSE(is_valid_date("03/03/2025"));
  CHECK_FALSE(is_valid_date("2025"));
}

TEST_CASE("a duplicate key is found in a large mapping as in a small one", "[yaml_reader]") {
  // Mappings above 32 keys are checked with a hash table, smaller ones by a scan.
  for (const int keys : {5, 40, 5000}) {
    std::string text;
    for (int i = 0; i < keys; ++i) {
      text += fmt::format("k{}: {}\n", i, i);
    }
    text += "k3: again\n";
    Problems problems;
    const Node root = parse(text, "big.yaml", problems);
    std::vector<std::string> accepted;
    for (int i = 0; i < keys; ++i) {
      accepted.push_back(fmt::format("k{}", i));
    }
    root.allow_keys(accepted);
    INFO(keys);
    REQUIRE(problems.size() == 1);
    CHECK(problems.list()[0].to_string() ==
          fmt::format("big.yaml:{}:1: k3: duplicate key 'k3' (first given on line 4)", keys + 1));
    Problems entry_problems;
    const Node again = parse(text, "big.yaml", entry_problems);
    CHECK(again.entries().size() == static_cast<std::size_t>(keys));
    REQUIRE(entry_problems.size() == 1);
    CHECK(entry_problems.list()[0].message == "duplicate key 'k3' (first given on line 4)");
  }
}

TEST_CASE("key paths are built for nested lists and maps when a problem needs them", "[yaml_reader]") {
  Problems problems;
  const Node root = parse("offerings:\n  - name: a\n  - name: b\n    regions:\n      r1: {usd: x}\n", "p.yaml", problems);
  const auto items = root.required("offerings").items();
  REQUIRE(items.size() == 2);
  const Node usd = items[1].required("regions").required("r1").required("usd");
  CHECK(usd.key_path() == "offerings[1].regions.r1.usd");
  CHECK_FALSE(usd.number().has_value());
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems.list()[0].to_string(), Catch::StartsWith("p.yaml:5:17: offerings[1].regions.r1.usd: "));
  CHECK(items[0].child("regions").key_path() == "offerings[0].regions");
}
