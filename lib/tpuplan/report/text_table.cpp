#include <tpuplan/report/text_table.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

namespace tpuplan::detail {

namespace {

constexpr std::string_view k_bold = "\x1b[1m";
constexpr std::string_view k_dim = "\x1b[2m";
constexpr std::string_view k_reset = "\x1b[0m";
constexpr std::size_t k_gap = 2;            // spaces between columns
constexpr std::size_t k_min_wrap_width = 12; // a wrapped text column keeps at least this much

/// One shown column: its cells as text and the widths it can take.
struct Laid {
  std::size_t index = 0;   // in Table::columns
  bool right = false;      // numbers are right-aligned
  std::vector<std::string> cells;
  std::size_t cells_width = 0;
  std::string title;
  std::array<std::string, 2> split; // the title on two lines ({"", title} when it has no space)
  std::size_t width = 0;            // as laid out
};

/// The split of a title at the one space that makes its wider line narrowest.
std::array<std::string, 2> split_title(const std::string& title) {
  std::array<std::string, 2> best{"", title};
  std::size_t best_width = display_width(title);
  for (auto i = title.find(' '); i != std::string::npos; i = title.find(' ', i + 1)) {
    std::string first = title.substr(0, i);
    std::string second = title.substr(i + 1);
    const std::size_t w = std::max(display_width(first), display_width(second));
    if (w < best_width) {
      best = {std::move(first), std::move(second)};
      best_width = w;
    }
  }
  return best;
}

std::size_t natural_width(const Laid& c, bool two_line_header) {
  const std::size_t title = two_line_header ? std::max(display_width(c.split[0]), display_width(c.split[1]))
                                            : display_width(c.title);
  return std::max(c.cells_width, title);
}

std::size_t total_width(const std::vector<Laid>& cols, const std::vector<bool>& gone, bool two_line_header) {
  std::size_t total = 0;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (!gone[i]) {
      total += natural_width(cols[i], two_line_header);
      ++shown;
    }
  }
  return total + (shown > 1 ? (shown - 1) * k_gap : 0);
}

} // namespace

std::vector<std::size_t> shown_columns(const Table& t, const RenderOptions& o) {
  std::vector<std::size_t> cols;
  for (const auto& key : o.columns) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i].key == key && std::find(cols.begin(), cols.end(), i) == cols.end()) {
        cols.push_back(i);
      }
    }
  }
  if (!cols.empty()) {
    return cols;
  }
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (o.wide || !t.columns[i].wide_only) {
      cols.push_back(i);
    }
  }
  return cols;
}

namespace {

struct Layout {
  std::vector<Laid> columns;
  std::vector<std::string> dropped; // keys, in table order
  bool two_line_header = false;
};

/// Fits the columns in `width`: headers on one line, else on two; then drops the lowest
/// priority (the rightmost of equals) until they fit; then narrows the widest text columns,
/// whose cells wrap. The first column and k_keep_column columns are never dropped.
Layout fit(const Table& t, std::vector<Laid> cols, std::size_t width) {
  Layout layout;
  std::vector<bool> gone(cols.size(), false);
  if (width > 0) {
    std::vector<std::size_t> order;
    for (std::size_t i = 1; i < cols.size(); ++i) {
      if (t.columns[cols[i].index].priority < k_keep_column) {
        order.push_back(i);
      }
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const int pa = t.columns[cols[a].index].priority;
      const int pb = t.columns[cols[b].index].priority;
      return pa != pb ? pa < pb : a > b;
    });
    std::size_t next = 0;
    while (true) {
      if (total_width(cols, gone, false) <= width) {
        break;
      }
      if (total_width(cols, gone, true) <= width) {
        layout.two_line_header = true;
        break;
      }
      if (next == order.size()) {
        layout.two_line_header = true;
        break;
      }
      gone[order[next++]] = true;
    }
  }
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (gone[i]) {
      layout.dropped.push_back(t.columns[cols[i].index].key);
    } else {
      cols[i].width = natural_width(cols[i], layout.two_line_header);
      layout.columns.push_back(std::move(cols[i]));
    }
  }
  std::sort(layout.dropped.begin(), layout.dropped.end(), [&](const std::string& a, const std::string& b) {
    return t.column_index(a) < t.column_index(b);
  });
  if (width == 0) {
    return layout;
  }
  // Still too wide with every droppable column gone: narrow the widest text column a column at
  // a time, so the wrapped ones end up about as wide as each other.
  std::size_t total = k_gap * (layout.columns.size() - 1);
  for (const auto& c : layout.columns) {
    total += c.width;
  }
  while (total > width) {
    Laid* widest = nullptr;
    for (auto& c : layout.columns) {
      const std::size_t floor =
          std::max({k_min_wrap_width, display_width(c.split[0]), display_width(c.split[1])});
      if (!c.right && c.width > floor && (widest == nullptr || c.width > widest->width)) {
        widest = &c;
      }
    }
    if (widest == nullptr) {
      break; // numbers never wrap: the table stays wider than the terminal
    }
    --widest->width;
    --total;
  }
  return layout;
}

std::string pad(const std::string& s, std::size_t width, bool right) {
  const std::size_t w = display_width(s);
  const std::size_t fill = width > w ? width - w : 0;
  return right ? std::string(fill, ' ') + s : s + std::string(fill, ' ');
}

void print_line(const std::vector<std::string>& cells, const std::vector<Laid>& cols, std::string_view style,
                std::string_view reset, std::ostream& out) {
  std::string line;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    line += (c ? std::string(k_gap, ' ') : std::string{}) + pad(cells[c], cols[c].width, cols[c].right);
  }
  line.erase(line.find_last_not_of(' ') + 1);
  out << style << line << reset << '\n';
}

/// The first `n` code points of `s` and the rest.
std::pair<std::string, std::string> cut(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  std::size_t points = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (points == n) {
        break;
      }
      ++points;
    }
    ++i;
  }
  return {std::string(s.substr(0, i)), std::string(s.substr(i))};
}

} // namespace

std::string terminal_text(std::string_view text) {
  std::string out;
  while (true) {
    const std::size_t nl = text.find('\n');
    out += escape_for_terminal(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      return out;
    }
    out += '\n';
    text.remove_prefix(nl + 1);
  }
}

std::string cell_human(const Cell& c, int decimals) {
  return std::visit(
      [decimals](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "-";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "yes" : "no";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return format_human_number(static_cast<double>(v), 0);
        } else if constexpr (std::is_same_v<T, double>) {
          return std::isfinite(v) ? format_human_number(v, decimals) : std::string{"-"};
        } else {
          return terminal_text(v);
        }
      },
      c);
}

bool is_numeric(const Cell& c) { return std::holds_alternative<std::int64_t>(c) || std::holds_alternative<double>(c); }

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

std::vector<std::string> wrap_text(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  width = std::max<std::size_t>(width, 1);
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto newline = text.find('\n', start);
    const std::string_view paragraph =
        text.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
    std::string line;
    std::size_t i = 0;
    while (i < paragraph.size()) {
      const auto space = paragraph.find(' ', i);
      std::string word(paragraph.substr(i, space == std::string_view::npos ? std::string_view::npos : space - i));
      i = space == std::string_view::npos ? paragraph.size() : space + 1;
      if (word.empty()) {
        continue;
      }
      if (!line.empty() && display_width(line) + 1 + display_width(word) <= width) {
        line += ' ' + word;
        continue;
      }
      if (!line.empty()) {
        lines.push_back(std::move(line));
        line.clear();
      }
      while (display_width(word) > width) {
        auto [head, tail] = cut(word, width);
        // A URL or path reads better cut after a '/' (or '-', '_', '.') than anywhere.
        auto at = head.find_last_of('/');
        if (at == std::string::npos || display_width(head.substr(0, at + 1)) * 2 <= width) {
          at = head.find_last_of("-_.");
        }
        if (at != std::string::npos && display_width(head.substr(0, at + 1)) * 2 > width) {
          tail = head.substr(at + 1) + tail;
          head.resize(at + 1);
        }
        lines.push_back(std::move(head));
        word = std::move(tail);
      }
      line = std::move(word);
    }
    lines.push_back(std::move(line));
    if (newline == std::string_view::npos) {
      break;
    }
    start = newline + 1;
  }
  return lines;
}

void render_text_table(const Table& t, const RenderOptions& o, std::ostream& out) {
  std::vector<Laid> cols;
  for (std::size_t i : shown_columns(t, o)) {
    Laid c;
    c.index = i;
    c.title = t.columns[i].title;
    c.split = split_title(c.title);
    for (const auto& row : t.rows) {
      c.cells.push_back(cell_human(row[i], t.columns[i].decimals));
      c.cells_width = std::max(c.cells_width, display_width(c.cells.back()));
      c.right = c.right || is_numeric(row[i]);
    }
    cols.push_back(std::move(c));
  }
  // Columns picked with --columns are shown as asked, whatever the width.
  const std::size_t width = o.columns.empty() ? o.width : 0;
  const Layout layout = fit(t, std::move(cols), width);
  const std::string_view bold = o.color ? k_bold : "";
  const std::string_view dim = o.color ? k_dim : "";
  const std::string_view reset = o.color ? k_reset : "";

  if (!t.title.empty()) {
    const std::string title = terminal_text(t.title);
    for (const auto& line : width > 0 ? wrap_text(title, width) : std::vector<std::string>{title}) {
      out << bold << line << reset << '\n';
    }
  }
  const auto& shown = layout.columns;
  if (layout.two_line_header) {
    std::array<std::vector<std::string>, 2> header;
    for (const auto& c : shown) {
      const bool whole = display_width(c.title) <= c.width;
      header[0].push_back(whole ? std::string{} : c.split[0]);
      header[1].push_back(whole ? c.title : c.split[1]);
    }
    if (std::any_of(header[0].begin(), header[0].end(), [](const std::string& h) { return !h.empty(); })) {
      print_line(header[0], shown, bold, reset, out);
    }
    print_line(header[1], shown, bold, reset, out);
  } else {
    std::vector<std::string> header;
    for (const auto& c : shown) {
      header.push_back(c.title);
    }
    print_line(header, shown, bold, reset, out);
  }
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<std::vector<std::string>> lines;
    std::size_t height = 1;
    for (const auto& c : shown) {
      const std::string& text = c.cells[r];
      lines.push_back(display_width(text) > c.width ? wrap_text(text, c.width) : std::vector<std::string>{text});
      height = std::max(height, lines.back().size());
    }
    for (std::size_t h = 0; h < height; ++h) {
      std::vector<std::string> cells;
      for (const auto& l : lines) {
        cells.push_back(h < l.size() ? l[h] : std::string{});
      }
      print_line(cells, shown, "", "", out);
    }
  }
  if (!layout.dropped.empty()) {
    // The keys, not the titles: they are what --columns takes.
    const std::string note = fmt::format(
        "{} hidden to fit {} columns: {} (--wide shows every column; --columns KEY,… picks)",
        layout.dropped.size() == 1 ? "1 column" : fmt::format("{} columns", layout.dropped.size()), width,
        fmt::join(layout.dropped, ", "));
    const auto lines = wrap_text(note, width > 6 ? width - 6 : width);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      out << dim << (i ? "      " : "note: ") << lines[i] << reset << '\n';
    }
  }
  for (const auto& note : t.notes) {
    out << dim << "note: " << terminal_text(note) << reset << '\n';
  }
}

} // namespace tpuplan::detail
