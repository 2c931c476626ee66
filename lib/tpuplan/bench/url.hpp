// URLs of endpoints: validation (http and https only, no credentials in the URL) and the
// redacted form that outputs and profiles carry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tpuplan::bench {

/// The parts of an absolute URL.
struct UrlParts {
  std::string scheme;   ///< lower-cased: "http", "https"
  std::string userinfo; ///< "user:password" (empty when absent)
  std::string host;     ///< as written ("10.0.0.5", "[::1]", "api.example.com")
  std::string port;     ///< empty when absent
  std::string path;     ///< "" or "/…"
  std::string query;    ///< without '?'; empty when absent
};

/// Splits an absolute URL; nullopt when it is not scheme://authority[path][?query].
std::optional<UrlParts> parse_url(std::string_view url);

/// scheme://host:port of a URL, with the scheme's default port made explicit, for deciding
/// whether credentials may be sent to it.
std::string url_origin(const UrlParts& url);

/// The URL without userinfo and with every query value replaced by "REDACTED": what may be
/// printed or saved.
std::string redact_url(std::string_view url);

/// Validates --endpoint and returns the base URL requests are built on: http or https,
/// no credentials, query or fragment; trailing "/" and a trailing "/v1" (an OpenAI client's
/// base_url) removed. Throws Error(usage) naming `flag` and the URL (redacted).
std::string normalize_endpoint(std::string_view url, std::string_view flag = "--endpoint");

/// Validates a URL given in full (--metrics-url): http or https, no credentials.
std::string check_http_url(std::string_view url, std::string_view flag);

} // namespace tpuplan::bench
