#include <tpuplan/bench/record.hpp>

#include <array>

namespace tpuplan::bench {

namespace {

constexpr std::array<std::string_view, 14> k_error_names = {
    "none",         "connect",   "tls",       "timeout",   "http_429",  "http_4xx",  "http_5xx",
    "http_other",   "stream_error", "truncated", "malformed", "oversized", "transport", "cancelled"};

} // namespace

std::string_view to_string(ErrorClass error) { return k_error_names[static_cast<std::size_t>(error)]; }

const std::vector<ErrorClass>& all_error_classes() {
  static const std::vector<ErrorClass> classes = [] {
    std::vector<ErrorClass> v;
    for (std::size_t i = 1; i < k_error_names.size(); ++i) {
      v.push_back(static_cast<ErrorClass>(i));
    }
    return v;
  }();
  return classes;
}

std::optional<ErrorClass> parse_error_class(std::string_view name) {
  for (std::size_t i = 0; i < k_error_names.size(); ++i) {
    if (k_error_names[i] == name) {
      return static_cast<ErrorClass>(i);
    }
  }
  return std::nullopt;
}

std::string_view to_string(TokenSource source) {
  switch (source) {
  case TokenSource::none:
    return "none";
  case TokenSource::server:
    return "server";
  case TokenSource::stream:
    return "stream";
  case TokenSource::approx:
    return "approximate";
  }
  return "none";
}

} // namespace tpuplan::bench
