#include <tpuplan/bench/failure.hpp>
#include <tpuplan/bench/protocol.hpp>

#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

bool is_tls_error(CURLcode rc) {
  switch (rc) {
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CLIENTCERT:
    return true;
  default:
    return false;
  }
}

ErrorClass http_class(long status) {
  if (status == 429) {
    return ErrorClass::http_429;
  }
  if (status >= 400 && status < 500) {
    return ErrorClass::http_4xx;
  }
  if (status >= 500 && status < 600) {
    return ErrorClass::http_5xx;
  }
  return ErrorClass::http_other;
}

} // namespace

std::pair<ErrorClass, std::string> classify_transfer_end(const TransferEnd& e) {
  const bool status_ok = e.http_status >= 200 && e.http_status < 300;
  if (e.result == CURLE_OK) {
    if (status_ok) {
      return {ErrorClass::none, {}};
    }
    std::string message = describe_http_error(e.http_status, e.error_body);
    if (e.http_status >= 300 && e.http_status < 400 && !e.follow_redirects) {
      message += " (redirect not followed; see --follow-redirects)";
    }
    return {http_class(e.http_status), message};
  }
  const std::string detail = std::string(e.detail_source) + ": " + std::string(e.detail);
  std::pair<ErrorClass, std::string> out;
  if (e.oversized) {
    out = {ErrorClass::oversized, fmt::format("response exceeded {} bytes (--max-response-bytes)", e.max_response_bytes)};
  } else if (e.idle_expired) {
    out = {ErrorClass::timeout, fmt::format("no data for {} s (--idle-timeout)", e.idle_timeout_s)};
  } else if (e.result == CURLE_OPERATION_TIMEDOUT) {
    // Timed out before the connection was up: the server was never reached.
    const bool never_connected = !e.headers_received && e.bytes == 0 && !e.connected;
    out = {never_connected ? ErrorClass::connect : ErrorClass::timeout, detail};
  } else if (e.result == CURLE_COULDNT_CONNECT || e.result == CURLE_COULDNT_RESOLVE_HOST ||
             e.result == CURLE_COULDNT_RESOLVE_PROXY) {
    out = {ErrorClass::connect, detail};
  } else if (is_tls_error(e.result)) {
    out = {ErrorClass::tls, detail};
  } else if (status_ok && e.headers_received) {
    // Reset, closed or cut mid-body after a 200: the stream is incomplete.
    out = {ErrorClass::truncated, "stream cut: " + detail};
  } else {
    out = {ErrorClass::transport, detail};
  }
  if (!status_ok && e.http_status != 0 && !e.error_body.empty()) {
    out.second = describe_http_error(e.http_status, e.error_body) + "; " + out.second;
  }
  return out;
}

} // namespace tpuplan::bench
