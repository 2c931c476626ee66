// Health checks in the library: which paths decide, what a failing backend looks like, and
// that a bad endpoint is a config error naming its place.
#include "fake_server.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/health.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;
using namespace tpuplan::test;

namespace {

Backend backend(std::string name, std::string type, std::string endpoint, std::optional<double> timeout_s = {}) {
  Backend b;
  b.name = std::move(name);
  b.type = std::move(type);
  b.endpoint = std::move(endpoint);
  b.timeout_s = timeout_s;
  b.where = "config.yaml:4:5";
  return b;
}

} // namespace

TEST_CASE("health paths follow the backend type", "[health]") {
  CHECK(health_paths("tpu") == std::vector<std::string>{"/v1/health", "/health"});
  CHECK(health_paths("gpu") == std::vector<std::string>{"/health"});
}

TEST_CASE("a TPU backend running vLLM falls through /v1/health to /health", "[health]") {
  FakeServer server; // vLLM flavour: /v1/health is 404
  const bench::CurlLibrary curl;
  const auto results = check_backends(curl, {backend("tpu-vllm", "tpu", server.url(), 5.0)});
  REQUIRE(results.size() == 1);
  const auto& h = results[0];
  CHECK(h.healthy);
  CHECK(h.health_path == "/health");
  CHECK(h.server == "vllm");
  CHECK(h.models == std::vector<std::string>{"fake-model"});
  REQUIRE(h.probes.size() == 3);
  CHECK(h.probes[0].path == "/v1/health");
  CHECK(h.probes[0].http_status == 404);
  CHECK(h.probes[1].http_status == 200);
  CHECK(h.probes[2].path == "/v1/models");
  CHECK(h.timeout_s == 5.0);
}

TEST_CASE("a backend without a timeout gets the default, and an unreachable one stops after one probe", "[health]") {
  const bench::CurlLibrary curl;
  HealthOptions options;
  options.default_timeout_s = 2;
  const auto results =
      check_backends(curl, {backend("gone", "gpu", "http://127.0.0.1:" + std::to_string(closed_port()))}, options);
  const auto& h = results[0];
  CHECK(h.timeout_s == 2);
  CHECK_FALSE(h.healthy);
  CHECK_FALSE(h.reachable);
  CHECK_FALSE(h.http_status);
  REQUIRE(h.probes.size() == 1);
  CHECK_FALSE(h.probes[0].error.empty());
}

TEST_CASE("a JetStream backend that is not live is unhealthy", "[health]") {
  FakeServerOptions o;
  o.flavor = Flavor::jetstream;
  o.health_status = 503;
  FakeServer server(o);
  const bench::CurlLibrary curl;
  const auto h = check_backends(curl, {backend("tpu-js", "tpu", server.url())})[0];
  CHECK_FALSE(h.healthy);
  CHECK(h.reachable);
  CHECK(h.http_status == 503);
  CHECK(h.health_path == "/v1/health");
  CHECK(h.detail == "GET /v1/health → HTTP 503");
}

TEST_CASE("an endpoint with credentials is a config error naming the backend, never the secret", "[health]") {
  const bench::CurlLibrary curl;
  try {
    check_backends(curl, {backend("leaky", "gpu", "http://u:hunter2@127.0.0.1:9")});
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    const std::string what = e.what();
    CHECK(what.find("config.yaml:4:5: backend 'leaky'") == 0);
    CHECK(what.find("hunter2") == std::string::npos);
  }
}
