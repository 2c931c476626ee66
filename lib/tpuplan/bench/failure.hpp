// How a request that did not end with a complete 2xx body failed: the client's result (a
// libcurl code; the built-in HTTP/1.1 client reports the equivalent one), the HTTP status and
// what arrived, mapped to an ErrorClass and a one-line message.
#pragma once

#include <tpuplan/bench/record.hpp>

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tpuplan::bench {

/// What is known when a transfer ends.
struct TransferEnd {
  CURLcode result = CURLE_OK;
  long http_status = 0;
  bool headers_received = false;
  std::int64_t bytes = 0;
  bool connected = true;            ///< the TCP connection was established
  bool oversized = false;           ///< the write callback refused more bytes (cap reached)
  bool idle_expired = false;        ///< the engine aborted it for silence
  std::string_view detail;          ///< the client's one-line error (libcurl's error buffer, …)
  std::string_view detail_source = "libcurl"; ///< who said it: "libcurl" or "http" (built-in client)
  std::string_view error_body;      ///< the (capped) body of a non-2xx response
  std::int64_t max_response_bytes = 0;
  double idle_timeout_s = 0;
  bool follow_redirects = false;
};

/// The failure class and message; {none, ""} for a completed 2xx response (whose body the
/// stream decoder then judges). HTTP errors carry the server's error message.
std::pair<ErrorClass, std::string> classify_transfer_end(const TransferEnd& end);

} // namespace tpuplan::bench
