// The one error family of tpuplan: thrown where input is read, turned into an
// exit code by apps/tpuplan/main.cpp only.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// What went wrong, which decides the exit code (DESIGN.md §3).
enum class ErrorKind {
  usage,       ///< bad flag or flag value (exit 2)
  input,       ///< bad input file: YAML, JSON, price sheet, config (exit 2)
  runtime,     ///< network, server, I/O failure at run time (exit 1)
  infeasible,  ///< nothing meets the request: nothing fits, no SLO met (exit 3)
  interrupted, ///< SIGINT (exit 130)
};

/// An error with a kind and an optional hint line ("did you mean …", a command to try).
class Error : public std::runtime_error {
public:
  Error(ErrorKind kind, std::string message, std::string hint = {})
      : std::runtime_error(message), m_kind(kind), m_message(std::move(message)), m_hint(std::move(hint)) {}

  /// The whole message; unlike what(), not cut at a NUL byte the input put in it.
  const std::string& message() const noexcept { return m_message; }

  /// The kind of failure.
  ErrorKind kind() const noexcept { return m_kind; }
  /// A second line telling the user what would be accepted; may be empty.
  const std::string& hint() const noexcept { return m_hint; }

private:
  ErrorKind m_kind;
  std::string m_message;
  std::string m_hint;
};

/// The process exit code for an error kind.
int exit_code(ErrorKind kind) noexcept;

/// Levenshtein distance between two strings, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` (case-insensitive edit distance ≤ max(2, |name|/3)),
/// or an empty string when none is close enough.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

/// "did you mean 'x'?" when a candidate is close, else "accepted: a, b, c" (at most 12 listed).
std::string suggestion(std::string_view name, const std::vector<std::string>& candidates);

/// Throws Error(usage) "unknown <what> 'name'" with a suggestion from candidates.
[[noreturn]] void throw_unknown(std::string_view what, std::string_view name,
                                const std::vector<std::string>& candidates,
                                ErrorKind kind = ErrorKind::usage);

} // namespace tpuplan
