// What the fuzz targets share: the input as text, a deterministic way to cut it into the
// pieces a network delivers, and a check that stops the run like a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tpuplan/error.hpp>
#include <vector>

namespace tpuplan::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Pieces of 1 to 64 bytes, their lengths drawn from a generator seeded by the input itself,
/// so that a reproducer replays the same cuts.
inline std::vector<std::string_view> pieces(std::string_view text) {
  std::uint64_t state = 1469598103934665603ull; // FNV-1a of the text seeds xorshift
  for (const char c : text) {
    state = (state ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  std::vector<std::string_view> out;
  for (std::size_t at = 0; at < text.size();) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    const std::size_t n = 1 + state % 64;
    out.push_back(text.substr(at, n));
    at += n;
  }
  return out;
}

/// An invariant broken: report it and abort, which libFuzzer records as a crash.
inline void require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

/// Runs `parse`; tpuplan::Error is how bad input is refused (exit 2), anything else
/// escaping (std::out_of_range, a library's own exception) is a bug and ends the run.
template <typename F>
void expect_clean(F&& parse) {
  try {
    parse();
  } catch (const tpuplan::Error&) {
  }
}

} // namespace tpuplan::fuzz
