// `tpuplan health` end to end: the real binary checks the backends of a config file written per
// test, against fake servers on loopback (healthy, 500/503, refused, timeout, wrong path, TLS).
#include "fake_server.hpp"
#include "run_process.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

/// A backend entry of the config: name, type, endpoint and an optional timeout ("200ms").
struct Entry {
  std::string name;
  std::string type;
  std::string endpoint;
  std::string timeout;
};

/// A config file with `entries` as its backends, removed afterwards.
class ConfigFile {
public:
  explicit ConfigFile(const std::vector<Entry>& entries) {
    static int n = 0;
    m_path = (std::filesystem::temp_directory_path() /
              ("tpuplan-health-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".yaml"))
                 .string();
    std::ofstream out(m_path);
    out << "version: 1\n";
    if (!entries.empty()) {
      out << "backends:\n";
    }
    for (const auto& e : entries) {
      out << "  - name: " << e.name << "\n    type: " << e.type << "\n    endpoint: " << e.endpoint << "\n";
      if (!e.timeout.empty()) {
        out << "    timeout: " << e.timeout << "\n";
      }
    }
  }
  ~ConfigFile() { std::filesystem::remove(m_path); }
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
};

ProcessResult health(const ConfigFile& config, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"health", "--config", config.path(), "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_tpuplan(args);
}

json rows(const ProcessResult& r) {
  INFO(r.err);
  return json::parse(r.out)["rows"];
}

FakeServerOptions flavor(Flavor f) {
  FakeServerOptions o;
  o.flavor = f;
  return o;
}

} // namespace

TEST_CASE("health reports a healthy vLLM backend with status, latency, server and models — exit 0", "[cli][health]") {
  FakeServer server(flavor(Flavor::vllm));
  const ConfigFile config({{"gpu-a", "gpu", server.url(), "5s"}});
  const auto r = health(config);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const json doc = json::parse(r.out);
  CHECK(doc["schema"] == "tpuplan.health/v1");
  REQUIRE(doc["rows"].size() == 1);
  const json& row = doc["rows"][0];
  CHECK(row["name"] == "gpu-a");
  CHECK(row["healthy"] == true);
  CHECK(row["reachable"] == true);
  CHECK(row["http_status"] == 200);
  CHECK(row["health_path"] == "/health");
  CHECK(row["latency_ms"].get<double>() > 0);
  CHECK(row["server"] == "vllm");
  CHECK(row["models"] == "fake-model");
  CHECK(row["timeout_s"] == 5.0);
  CHECK(server.stats().paths == std::vector<std::string>{"/health", "/v1/models"});
}

TEST_CASE("health probes /v1/health for a TPU backend (JetStream) and /info for TGI", "[cli][health]") {
  FakeServer jetstream(flavor(Flavor::jetstream));
  FakeServer tgi(flavor(Flavor::tgi));
  const ConfigFile config({{"tpu-a", "tpu", jetstream.url(), ""}, {"gpu-tgi", "gpu", tgi.url(), ""}});
  const auto r = health(config);
  REQUIRE(r.exit_code == 0);
  const json rs = rows(r);
  CHECK(rs[0]["healthy"] == true);
  CHECK(rs[0]["health_path"] == "/v1/health");
  CHECK(rs[0]["server"] == "jetstream");
  CHECK(rs[0]["models"].is_null()); // JetStream lists no models over HTTP
  CHECK(rs[1]["healthy"] == true);
  CHECK(rs[1]["server"] == "tgi");
  CHECK(rs[1]["models"] == "fake-model");
}

TEST_CASE("health calls a backend answering 500 or 503 unhealthy and exits 1, listing its models all the same",
          "[cli][health]") {
  for (int status : {500, 503}) {
    FakeServerOptions o;
    o.health_status = status;
    FakeServer server(o);
    const ConfigFile config({{"dead-engine", "gpu", server.url(), ""}});
    const auto r = health(config);
    CHECK(r.exit_code == 1);
    const json rs = rows(r);
    CHECK(rs[0]["healthy"] == false);
    CHECK(rs[0]["reachable"] == true);
    CHECK(rs[0]["http_status"] == status);
    CHECK(rs[0]["models"] == "fake-model");
    CHECK(r.err == "tpuplan: error: 1 of 1 backends unhealthy: dead-engine (GET /health → HTTP " +
                       std::to_string(status) + ")\n");
  }
}

TEST_CASE("health reports a refused connection as unreachable, with no status", "[cli][health]") {
  const ConfigFile config({{"gone", "gpu", "http://127.0.0.1:" + std::to_string(closed_port()), ""}});
  const auto r = health(config);
  CHECK(r.exit_code == 1);
  const json rs = rows(r);
  CHECK(rs[0]["healthy"] == false);
  CHECK(rs[0]["reachable"] == false);
  CHECK(rs[0]["http_status"].is_null());
  CHECK(rs[0]["latency_ms"].is_null());
  CHECK(rs[0]["detail"].get<std::string>().find("GET /health: ") == 0);
  CHECK(rs[0]["detail"].get<std::string>().find("onnect") != std::string::npos);
}

TEST_CASE("health gives up on a backend at its configured timeout, and checks backends concurrently",
          "[cli][health]") {
  FakeServerOptions o;
  o.probe_delay = std::chrono::seconds(5);
  FakeServer slow(o);
  FakeServer fast(flavor(Flavor::vllm));
  // Four backends that each time out after 0.5 s: one after the other would take 2 s.
  const ConfigFile config({{"slow-1", "gpu", slow.url(), "500ms"},
                           {"slow-2", "gpu", slow.url(), "500ms"},
                           {"slow-3", "tpu", slow.url(), "500ms"},
                           {"slow-4", "gpu", slow.url(), "500ms"},
                           {"ok", "gpu", fast.url(), "500ms"}});
  const auto start = std::chrono::steady_clock::now();
  const auto r = health(config);
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.exit_code == 1);
  const json rs = rows(r);
  for (int i = 0; i < 4; ++i) {
    CHECK(rs[i]["healthy"] == false);
    CHECK(rs[i]["detail"].get<std::string>().find("imed out") != std::string::npos);
  }
  CHECK(rs[4]["healthy"] == true);
  CHECK(elapsed_s > 0.45);
  // Below the 2 s that one backend after the other takes at least (not a speed budget).
  CHECK(elapsed_s < 2.0);
  CHECK(r.err.find("4 of 5 backends unhealthy") != std::string::npos);
}

TEST_CASE("health flags an endpoint whose path answers 404 everywhere", "[cli][health]") {
  FakeServer server(flavor(Flavor::jetstream)); // no /v1/models either
  const ConfigFile config({{"typo", "gpu", server.url() + "/serving", ""}});
  const auto r = health(config);
  CHECK(r.exit_code == 1);
  const json rs = rows(r);
  CHECK(rs[0]["http_status"] == 404);
  CHECK(rs[0]["detail"] == "HTTP 404 on /health and no model list: is the endpoint's path or port right?");
  CHECK(server.stats().paths.front() == "/serving/health");
}

TEST_CASE("health verifies TLS: a plain-HTTP port behind an https endpoint is unhealthy", "[cli][health]") {
  FakeServer server;
  const ConfigFile config({{"tls", "gpu", "https://127.0.0.1:" + std::to_string(server.port()), ""}});
  const auto r = health(config);
  CHECK(r.exit_code == 1);
  const json rs = rows(r);
  CHECK(rs[0]["reachable"] == false);
  CHECK(rs[0]["detail"].get<std::string>().find("SSL") != std::string::npos);
}

TEST_CASE("health prints a table and exits 1 when one of two backends is down", "[cli][health]") {
  FakeServer server;
  const ConfigFile config({{"up", "gpu", server.url(), ""}, {"down", "gpu", "http://127.0.0.1:" + std::to_string(closed_port()), ""}});
  const auto r = run_tpuplan({"health", "--config", config.path()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("Backends of") == 0);
  CHECK(r.out.find("1 of 2 backends healthy") != std::string::npos);
  CHECK(r.err.find("tpuplan: error: 1 of 2 backends unhealthy: down (") == 0);
}

TEST_CASE("health needs a config with backends and refuses credentials in an endpoint without echoing them",
          "[cli][health]") {
  auto r = run_tpuplan({"health"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("health needs the backends of a config file") != std::string::npos);
  const ConfigFile empty({});
  r = run_tpuplan({"health", "--config", empty.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no backends to check") != std::string::npos);
  const ConfigFile secret({{"leaky", "gpu", "http://admin:s3cret@127.0.0.1:9", ""}});
  r = run_tpuplan({"health", "--config", secret.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("backend 'leaky'") != std::string::npos);
  CHECK(r.err.find(secret.path() + ":") != std::string::npos);
  CHECK(r.err.find("s3cret") == std::string::npos);
  CHECK(r.out.empty());
}
