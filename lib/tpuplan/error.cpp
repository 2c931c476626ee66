#include <tpuplan/error.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace tpuplan {

int exit_code(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::usage:
  case ErrorKind::input:
    return 2;
  case ErrorKind::runtime:
    return 1;
  case ErrorKind::infeasible:
    return 3;
  case ErrorKind::interrupted:
    return 130;
  }
  return 1;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Two-row dynamic programme; the inputs are short identifiers.
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string suggestion(std::string_view name, const std::vector<std::string>& candidates) {
  if (auto best = closest_match(name, candidates); !best.empty()) {
    return fmt::format("did you mean '{}'?", best);
  }
  constexpr std::size_t k_max_listed = 12;
  std::string list;
  for (std::size_t i = 0; i < candidates.size() && i < k_max_listed; ++i) {
    list += (i ? ", " : "") + candidates[i];
  }
  if (candidates.size() > k_max_listed) {
    list += fmt::format(", … ({} in all)", candidates.size());
  }
  return list.empty() ? std::string{} : "accepted: " + list;
}

void throw_unknown(std::string_view what, std::string_view name,
                   const std::vector<std::string>& candidates, ErrorKind kind) {
  throw Error(kind, fmt::format("unknown {} '{}'", what, name), suggestion(name, candidates));
}

} // namespace tpuplan
