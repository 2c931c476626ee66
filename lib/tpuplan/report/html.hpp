// `--format html`: a report as one self-contained page (report.cpp dispatches to it).
#pragma once

#include <ostream>

namespace tpuplan {

struct Report;
struct RenderOptions;

/// Writes `report` as one self-contained XHTML page: every table (the default columns, or
/// --columns) with its notes and chart (inline SVG), the report's notes, the --explain
/// arithmetic when asked for, and the assumptions. No script, stylesheet or image is fetched.
void render_html(const Report& report, const RenderOptions& options, std::ostream& out);

} // namespace tpuplan
