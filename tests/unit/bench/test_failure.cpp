// Mapping of libcurl results and HTTP statuses to failure classes.
#include <tpuplan/bench/failure.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan::bench;

namespace {

TransferEnd ended(CURLcode rc, long status = 0) {
  TransferEnd e;
  e.result = rc;
  e.http_status = status;
  e.headers_received = status != 0;
  e.detail = "detail";
  e.max_response_bytes = 1024;
  e.idle_timeout_s = 2;
  return e;
}

} // namespace

TEST_CASE("a completed 2xx response is not a failure — other statuses are classed by range", "[bench]") {
  CHECK(classify_transfer_end(ended(CURLE_OK, 200)).first == ErrorClass::none);
  CHECK(classify_transfer_end(ended(CURLE_OK, 429)).first == ErrorClass::http_429);
  CHECK(classify_transfer_end(ended(CURLE_OK, 404)).first == ErrorClass::http_4xx);
  CHECK(classify_transfer_end(ended(CURLE_OK, 503)).first == ErrorClass::http_5xx);
  const auto redirect = classify_transfer_end(ended(CURLE_OK, 302));
  CHECK(redirect.first == ErrorClass::http_other);
  CHECK(redirect.second == "HTTP 302 (redirect not followed; see --follow-redirects)");
}

TEST_CASE("a timeout before the connection is up is a connect failure, after it a timeout", "[bench]") {
  auto e = ended(CURLE_OPERATION_TIMEDOUT);
  e.connected = false;
  CHECK(classify_transfer_end(e) == std::make_pair(ErrorClass::connect, std::string("libcurl: detail")));
  e.connected = true;
  CHECK(classify_transfer_end(e).first == ErrorClass::timeout);
  auto idle = ended(CURLE_OPERATION_TIMEDOUT, 200);
  idle.idle_expired = true;
  CHECK(classify_transfer_end(idle).second == "no data for 2 s (--idle-timeout)");
}

TEST_CASE("a body cut after a 200 is truncated, before any response a transport failure", "[bench]") {
  CHECK(classify_transfer_end(ended(CURLE_RECV_ERROR, 200)).first == ErrorClass::truncated);
  CHECK(classify_transfer_end(ended(CURLE_PARTIAL_FILE, 200)).second == "stream cut: libcurl: detail");
  CHECK(classify_transfer_end(ended(CURLE_GOT_NOTHING)).first == ErrorClass::transport);
  CHECK(classify_transfer_end(ended(CURLE_COULDNT_CONNECT)).first == ErrorClass::connect);
  CHECK(classify_transfer_end(ended(CURLE_PEER_FAILED_VERIFICATION)).first == ErrorClass::tls);
}

TEST_CASE("the byte cap wins over the write error it causes, and an error body is kept", "[bench]") {
  auto big = ended(CURLE_WRITE_ERROR, 200);
  big.oversized = true;
  CHECK(classify_transfer_end(big) == std::make_pair(ErrorClass::oversized, std::string("response exceeded 1024 bytes (--max-response-bytes)")));
  auto cut_error = ended(CURLE_RECV_ERROR, 500);
  cut_error.error_body = R"({"error":{"message":"boom","type":"InternalServerError"}})";
  CHECK(classify_transfer_end(cut_error).second == "HTTP 500: boom (InternalServerError); libcurl: detail");
}
