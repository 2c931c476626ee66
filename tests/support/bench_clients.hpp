// The clients a bench engine test runs with: each test case runs once per client, the built-in
// one once with each way of receiving (io_uring where the kernel allows it, else a second
// epoll run), and libcurl.
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/uring.hpp>

#include <catch2/catch.hpp>

namespace tpuplan::test {

inline bench::Endpoint& client_under_test(bench::Endpoint& e) {
  using bench::HttpClient;
  using bench::IoMode;
  const int variant = GENERATE(0, 1, 2);
  e.http_client = variant == 2 ? HttpClient::libcurl : HttpClient::builtin;
  e.io = variant == 0 ? IoMode::epoll : variant == 1 && bench::Uring::available() ? IoMode::io_uring : IoMode::epoll;
  UNSCOPED_INFO("client: " << (variant == 2 ? "libcurl" : e.io == IoMode::io_uring ? "builtin, io_uring" : "builtin, epoll"));
  return e;
}

} // namespace tpuplan::test
