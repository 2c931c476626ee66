// `tpuplan validate FILE|DIR`: lint a data directory, a price sheet or other data file, a
// configuration file or a Hugging Face config.json; every problem at once, exit 2 if any.
#include "command.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/data/validate.hpp>

#include <fmt/format.h>
#include <memory>

namespace tpuplan::app {

namespace {

Table problems_table(const ValidationResult& v) {
  Table t;
  t.name = "problems";
  t.title = fmt::format("{}: {} ({})", v.path, v.problems.size() == 1 ? "1 problem" : fmt::format("{} problems", v.problems.size()),
                        v.kind);
  t.columns = {{"location", "where", 0, false, "file:line:col (file alone when the whole file is at fault)"},
               {"file", "file", 0, true, "the file"},
               {"line", "line", 0, true, "1-based line; empty for the whole file"},
               {"column", "col", 0, true, "1-based column; empty for the whole file"},
               {"key_path", "key", 0, false, "key path inside the file, e.g. offerings[3].regions"},
               {"message", "problem", 0, false, "what is wrong"},
               {"hint", "hint", 0, false, "what would be accepted"}};
  // In a narrow terminal the problem, its place and the hint stay (and wrap); the key path goes.
  set_priority(t, {"message", "hint"}, k_keep_column);
  set_priority(t, {"key_path"}, 1);
  for (const auto& p : v.problems) {
    const bool placed = p.line > 0;
    t.rows.push_back({placed ? fmt::format("{}:{}:{}", p.file, p.line, p.column) : p.file, p.file,
                      placed ? Cell{std::int64_t{p.line}} : Cell{}, placed ? Cell{std::int64_t{p.column}} : Cell{},
                      p.key_path, p.message, p.hint.empty() ? Cell{} : Cell{p.hint}});
  }
  return t;
}

Table summary_table(const ValidationResult& v) {
  Table t;
  t.name = "summary";
  t.title = "Validation";
  t.columns = {{"path", "path", 0, false, "what was validated"},
               {"kind", "kind", 0, false, "what it was read as"},
               {"checked", "checked", 0, false, "what was read"},
               {"problems", "problems", 0, false, "number of problems found"}};
  set_priority(t, {"kind", "checked", "problems"}, k_keep_column); // the whole answer: it wraps, never goes
  t.rows.push_back({v.path, v.kind, v.checked, static_cast<std::int64_t>(v.problems.size())});
  return t;
}

} // namespace

Runner setup_validate(CLI::App& sub) {
  sub.description("Check a data directory, a price sheet or data file, a configuration file or a Hugging Face "
                  "config.json; list every problem with file:line:col and key path. Exit 2 when any.");
  auto path = std::make_shared<std::string>();
  sub.add_option("path", *path, "FILE or DIR to check")->required();
  return [path](Context& ctx) {
    // A config file is checked against the catalog it would be applied to: --data or the
    // embedded one, never with --config already applied.
    const ValidationResult v = validate_path(*path, [&ctx]() -> const DataSet& { return ctx.base_data(); });
    Report r;
    r.command = "validate";
    r.inputs["path"] = v.path;
    r.inputs["kind"] = v.kind;
    r.tables.push_back(summary_table(v));
    if (!v.problems.empty()) {
      r.tables.insert(r.tables.begin(), problems_table(v));
    }
    ctx.emit(r);
    if (!v.problems.empty()) {
      throw Error(ErrorKind::input,
                  fmt::format("{} in {}", v.problems.size() == 1 ? "1 problem" : fmt::format("{} problems", v.problems.size()),
                              v.path),
                  "listed on standard output");
    }
    return 0;
  };
}

} // namespace tpuplan::app
