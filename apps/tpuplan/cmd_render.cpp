// `tpuplan render FILE.json`: a saved report (--format json) or bench profile (--save) drawn
// again in any format — a table, Markdown, SVG, HTML — without recomputing it or re-running
// the load.
#include "command.hpp"

#include <tpuplan/bench/bench_report.hpp>
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/error.hpp>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace tpuplan::app {

Runner setup_render(CLI::App& sub) {
  auto file = std::make_shared<std::string>();
  sub.description("Draw a saved report (--format json) or bench profile (bench --save) again, in the format --format "
                  "or -o names: table, markdown, svg, html, csv, json.\n"
                  "Example: tpuplan render cost.json -o cost.html");
  sub.add_option("FILE", *file, "a tpuplan JSON report, or a bench profile")->required();
  return [file](Context& ctx) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      throw Error(ErrorKind::usage, fmt::format("{}: cannot read the file", *file),
                  "give a report saved with --format json, or a bench profile saved with --save");
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::ordered_json doc;
    try {
      doc = nlohmann::ordered_json::parse(text.str());
    } catch (const nlohmann::ordered_json::parse_error& e) {
      throw Error(ErrorKind::input, fmt::format("{}: not JSON (byte {})", *file, e.byte),
                  "give a report saved with --format json, or a bench profile saved with --save");
    }
    // A bench profile holds levels, not rows: it is drawn as `tpuplan bench` drew it.
    const bool profile = doc.is_object() && doc.contains("levels") && !doc.contains("rows");
    const Report report = profile ? bench::bench_report(bench::parse_profile(text.str(), *file)) : report_from_json(doc, *file);
    ctx.emit(report);
    return 0;
  };
}

} // namespace tpuplan::app
