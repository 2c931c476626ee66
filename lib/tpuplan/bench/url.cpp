#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace tpuplan::bench {

std::optional<UrlParts> parse_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return std::nullopt;
  }
  UrlParts u;
  u.scheme = std::string(url.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = url.substr(sep + 3);
  const auto authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  // A bracketed IPv6 literal may hold colons; the port follows the closing bracket.
  const auto bracket = authority.find(']');
  const auto colon = authority.find(':', bracket == std::string_view::npos ? 0 : bracket);
  u.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty() || !std::all_of(u.port.begin(), u.port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;
  }
  const auto fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  const auto question = rest.find('?');
  u.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) {
    u.query = std::string(rest.substr(question + 1));
  }
  return u;
}

std::string url_origin(const UrlParts& url) {
  std::string port = url.port;
  if (port.empty()) {
    port = url.scheme == "https" ? "443" : "80";
  }
  std::string host = url.host;
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return url.scheme + "://" + host + ":" + port;
}

std::string redact_url(std::string_view url) {
  const auto u = parse_url(url);
  if (!u) {
    return "(invalid URL)";
  }
  std::string out = u->scheme + "://" + u->host + (u->port.empty() ? "" : ":" + u->port) + u->path;
  if (!u->query.empty()) {
    out += '?';
    std::string_view q = u->query;
    bool first = true;
    while (!q.empty()) {
      const auto amp = q.find('&');
      const std::string_view pair = q.substr(0, amp);
      const auto eq = pair.find('=');
      out += first ? "" : "&";
      out += std::string(pair.substr(0, eq)) + (eq == std::string_view::npos ? "" : "=REDACTED");
      first = false;
      q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
  }
  return out;
}

std::string check_http_url(std::string_view url, std::string_view flag) {
  if (const auto sep = url.find("://"); sep != std::string_view::npos && sep > 0) {
    std::string scheme(url.substr(0, sep));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme != "http" && scheme != "https") {
      throw Error(ErrorKind::usage, fmt::format("{}: scheme '{}' is not supported", flag, scheme), "accepted: http, https");
    }
  }
  const auto u = parse_url(url);
  if (!u) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not a URL", flag, redact_url(url)),
                "expected http://host:port or https://host[/path]");
  }
  if (!u->userinfo.empty()) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' holds credentials", flag, redact_url(url)),
                "pass an API key with --api-key-env VAR or --api-key-file FILE instead");
  }
  return std::string(url);
}

std::string normalize_endpoint(std::string_view url, std::string_view flag) {
  check_http_url(url, flag);
  const auto u = *parse_url(url);
  if (!u.query.empty() || url.find('#') != std::string_view::npos) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' has a query or fragment", flag, redact_url(url)),
                "give the server's base URL, e.g. http://10.0.0.5:8000");
  }
  std::string path = u.path;
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, "/v1") == 0) {
    path.resize(path.size() - 3); // request paths carry /v1 themselves
  }
  return u.scheme + "://" + u.host + (u.port.empty() ? "" : ":" + u.port) + path;
}

} // namespace tpuplan::bench
