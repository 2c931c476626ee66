// The aligned text of the table format: which columns fit the terminal's width, headers on one
// or two lines, text cells that wrap. Internal to the report module (report.cpp renders with it).
#pragma once

#include <tpuplan/report/report.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::detail {

/// A cell for people: "-" when empty, "yes"/"no", numbers with thousands separators, text
/// through terminal_text.
std::string cell_human(const Cell& cell, int decimals);
/// `text` with control and bidirectional characters escaped (detail::escape_for_terminal),
/// line breaks kept: reports quote input (names, paths, a server's words) and are printed.
std::string terminal_text(std::string_view text);
/// True for integer and number cells (right-aligned).
bool is_numeric(const Cell& cell);
/// Display width in terminal columns: counts UTF-8 code points, not bytes.
std::size_t display_width(std::string_view text);
/// `text` broken at spaces into lines of at most `width` columns (a longer word is cut).
std::vector<std::string> wrap_text(std::string_view text, std::size_t width);

/// The columns a table shows, by index: the keys of --columns it has, in their order, else its
/// default ones (with --wide, all).
std::vector<std::size_t> shown_columns(const Table& table, const RenderOptions& options);

/// Writes `table`: its title, the header, the rows, a note naming the columns dropped to fit
/// `options.width`, and the table's notes.
void render_text_table(const Table& table, const RenderOptions& options, std::ostream& out);

} // namespace tpuplan::detail
