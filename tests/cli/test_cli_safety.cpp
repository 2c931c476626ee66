// What goes where (docs/bench.md §Safety), end to end: the API key and secret headers reach
// only the endpoint's own origin (not metrics on another port, not a redirect to another
// origin), a server's echo of them is redacted from every output, and output files are
// written only onto a regular file or a new name, never onto an input of the run.
#include "fake_server.hpp"
#include "run_process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/sysmacros.h>

using namespace tpuplan::test;
using nlohmann::json;

namespace {

const std::string k_key = "sk-safety-key-7781";
const std::string k_header_secret = "hdr-secret-5523";

FakeServerOptions slow_enough() {
  // Requests of ~40 ms each: every level lasts long enough for scrapes to be taken during it.
  FakeServerOptions o;
  o.ttft = std::chrono::microseconds(1000);
  o.token_interval = std::chrono::microseconds(2000);
  return o;
}

bool any_contains(const std::vector<std::string>& texts, const std::string& needle) {
  return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(needle) != std::string::npos; });
}

std::vector<std::string> bench_args(const std::string& endpoint, std::vector<std::string> more) {
  std::vector<std::string> args = {"bench", "--endpoint", endpoint, "--requests", "8", "--concurrency", "2",
                                   "--output-tokens", "20", "--input-tokens", "5", "--format", "json"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("bench scrapes metrics on another port without the API key or secret headers", "[bench][safety]") {
  FakeServerOptions o = slow_enough();
  o.api_key = k_key;
  FakeServer endpoint(o);
  FakeServer metrics(slow_enough()); // another port of the same host: JetStream's layout (metrics on 9988)
  const std::map<std::string, std::string> env = {{"TPUPLAN_TEST_KEY", k_key},
                                                  {"TPUPLAN_TEST_HEADER", "X-Api-Key: " + k_header_secret}};
  const auto r = run_tpuplan(bench_args(endpoint.url(), {"--api-key-env", "TPUPLAN_TEST_KEY", "--header-env",
                                                         "TPUPLAN_TEST_HEADER", "--metrics-url", metrics.url() + "/metrics",
                                                         "--metrics-interval", "0.005"}),
                             env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto seen = metrics.stats();
  // The choice, before and after the level, and at least one scrape during it.
  REQUIRE(seen.metrics_requests >= 3);
  for (const auto& auth : seen.authorizations) {
    CHECK(auth.empty());
  }
  CHECK_FALSE(any_contains(seen.header_lines, k_header_secret));
  // The endpoint got both on every request.
  const auto at_endpoint = endpoint.stats();
  REQUIRE(at_endpoint.generation_requests == 8);
  for (const auto& auth : at_endpoint.authorizations) {
    CHECK(auth == "Bearer " + k_key);
  }
  CHECK(std::count_if(at_endpoint.header_lines.begin(), at_endpoint.header_lines.end(), [](const std::string& h) {
          return h.find("X-Api-Key: " + k_header_secret) != std::string::npos;
        }) == static_cast<std::ptrdiff_t>(at_endpoint.header_lines.size()));
  CHECK(json::parse(r.out)["inputs"]["secret_headers"] == json::array({"X-Api-Key"}));

  SECTION("--metrics-api-key sends the key to the metrics origin too, never the secret headers") {
    FakeServer metrics2(slow_enough());
    const auto with = run_tpuplan(bench_args(endpoint.url(), {"--api-key-env", "TPUPLAN_TEST_KEY", "--header-env",
                                                              "TPUPLAN_TEST_HEADER", "--metrics-url",
                                                              metrics2.url() + "/metrics", "--metrics-interval", "0.005",
                                                              "--metrics-api-key"}),
                                  env);
    INFO(with.err);
    REQUIRE(with.exit_code == 0);
    const auto s = metrics2.stats();
    REQUIRE(s.metrics_requests >= 3);
    for (const auto& auth : s.authorizations) {
      CHECK(auth == "Bearer " + k_key);
    }
    CHECK_FALSE(any_contains(s.header_lines, k_header_secret));
  }
}

TEST_CASE("bench refuses secret header names on the command line and reads them from a file or a variable",
          "[bench][safety]") {
  for (const std::string name : {"X-Api-Key", "api-key", "x-API-key", "Authorization", "proxy-authorization"}) {
    const auto r = run_tpuplan({"bench", "--endpoint", "http://127.0.0.1:9", "--header", name + ": v"});
    INFO(name << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot be given on the command line") != std::string::npos);
    CHECK(r.err.find("--header-file FILE") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  FakeServer server(slow_enough());
  TempDir dir;
  std::ofstream(dir.file("h.txt")) << "# secrets of the run\n\napi-key: " << k_header_secret << "\n";
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--output-tokens", "2",
                              "--input-tokens", "5", "--no-metrics", "--header-file", dir.file("h.txt"), "--format", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto s = server.stats();
  REQUIRE(s.generation_requests == 2);
  CHECK(any_contains(s.header_lines, "api-key: " + k_header_secret));
  CHECK(r.out.find(k_header_secret) == std::string::npos);
  const auto bad = run_tpuplan({"bench", "--endpoint", server.url(), "--header-file", dir.file("missing.txt")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--header-file: cannot read") != std::string::npos);
}

TEST_CASE("bench does not follow a redirect to another origin with the key or secret headers", "[bench][safety]") {
  FakeServer target(slow_enough());
  FakeServerOptions o = slow_enough();
  o.redirect_to = target.url(); // another port: another origin
  FakeServer redirector(o);
  const auto r = run_tpuplan({"bench", "--endpoint", redirector.url(), "--api", "openai-chat", "--model", "m",
                              "--requests", "2", "--output-tokens", "2", "--input-tokens", "5", "--no-metrics",
                              "--follow-redirects", "--api-key-env", "TPUPLAN_TEST_KEY", "--header-env",
                              "TPUPLAN_TEST_HEADER", "--format", "json"},
                             {{"TPUPLAN_TEST_KEY", k_key}, {"TPUPLAN_TEST_HEADER", "X-Api-Key: " + k_header_secret}});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const auto s = target.stats();
  CHECK_FALSE(any_contains(s.header_lines, k_header_secret));
  CHECK_FALSE(any_contains(s.header_lines, k_key));
  CHECK(s.generation_requests == 0);
  CHECK(r.err.find("redirect to another origin") != std::string::npos);

  SECTION("a generation request's redirect is refused the same way") {
    FakeServerOptions g = slow_enough();
    g.redirect_to = target.url();
    g.redirect_generation_only = true;
    FakeServer posts(g);
    const auto gen = run_tpuplan({"bench", "--endpoint", posts.url(), "--requests", "2", "--output-tokens", "2",
                                  "--input-tokens", "5", "--no-metrics", "--follow-redirects", "--api-key-env",
                                  "TPUPLAN_TEST_KEY", "--header-env", "TPUPLAN_TEST_HEADER", "--format", "json"},
                                 {{"TPUPLAN_TEST_KEY", k_key}, {"TPUPLAN_TEST_HEADER", "X-Api-Key: " + k_header_secret}});
    INFO(gen.err);
    CHECK(gen.exit_code == 1);
    REQUIRE(posts.stats().paths.size() >= 3); // probes served, both POSTs redirected
    const auto t = target.stats();
    CHECK_FALSE(any_contains(t.header_lines, k_header_secret));
    CHECK(t.generation_requests == 0);
    const auto example = json::parse(gen.out)["tables"]["errors"]["rows"][0]["example"].get<std::string>();
    CHECK(example.find("HTTP 307: redirect to another origin") != std::string::npos);
  }
  SECTION("without secrets, the redirect is followed") {
    const auto plain = run_tpuplan({"bench", "--endpoint", redirector.url(), "--api", "openai-chat", "--model", "fake-model",
                                    "--requests", "2", "--output-tokens", "2", "--input-tokens", "5", "--no-metrics",
                                    "--follow-redirects", "--format", "json"});
    INFO(plain.err);
    CHECK(plain.exit_code == 0);
    CHECK(target.stats().generation_requests == 2);
  }
}

TEST_CASE("bench redacts a key or secret header a server echoes, from every output", "[bench][safety]") {
  FakeServerOptions o = slow_enough();
  o.api_key = "the-right-key";
  o.echo_credentials = true;
  FakeServer server(o);
  TempDir dir;
  const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--api", "openai-chat", "--model", "m", "--requests",
                              "2", "--output-tokens", "2", "--input-tokens", "5", "--no-metrics", "--api-key-env",
                              "TPUPLAN_TEST_KEY", "--header-env", "TPUPLAN_TEST_HEADER", "--save", dir.file("p.json"),
                              "--requests-out", dir.file("r.jsonl"), "--format", "json"},
                             {{"TPUPLAN_TEST_KEY", k_key}, {"TPUPLAN_TEST_HEADER", "X-Api-Key: " + k_header_secret}});
  INFO(r.err);
  REQUIRE(r.exit_code == 1); // every request refused
  REQUIRE(any_contains(server.stats().header_lines, k_header_secret)); // the server did have them to echo
  const std::string profile = slurp(dir.file("p.json"));
  const std::string requests = slurp(dir.file("r.jsonl"));
  REQUIRE_FALSE(profile.empty());
  REQUIRE_FALSE(requests.empty());
  for (const auto& text : {r.out, r.err, profile, requests}) {
    CHECK(text.find(k_key) == std::string::npos);
    CHECK(text.find(k_header_secret) == std::string::npos);
  }
  CHECK(requests.find("[REDACTED]") != std::string::npos);
  CHECK(json::parse(r.out)["tables"]["errors"]["rows"][0]["example"].get<std::string>().find("[REDACTED]") !=
        std::string::npos);
}

TEST_CASE("bench records --insecure in the report and the profile", "[bench][safety]") {
  FakeServer server(slow_enough());
  TempDir dir;
  for (const bool insecure : {false, true}) {
    std::vector<std::string> args = {"bench", "--endpoint", server.url(), "--requests", "1", "--output-tokens", "2",
                                     "--input-tokens", "5", "--no-metrics", "--save", dir.file("p.json"), "--format", "json"};
    if (insecure) {
      args.push_back("--insecure");
    }
    const auto r = run_tpuplan(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["inputs"]["insecure"] == insecure);
    CHECK(json::parse(slurp(dir.file("p.json")))["insecure"] == insecure);
  }
}

TEST_CASE("output files are written only onto a regular file or a new name, through a fresh temporary file", "[cli][safety]") {
  TempDir dir;
  const std::vector<std::string> cost = {"cost", "--model", "llama-3.1-8b", "--format", "json", "-o"};
  const auto run_cost = [&](const std::string& out) {
    std::vector<std::string> args = cost;
    args.push_back(out);
    return run_tpuplan(with_fixture_data(args));
  };
  SECTION("a new name and an existing file are written; no temporary file is left") {
    REQUIRE(run_cost(dir.file("new.json")).exit_code == 0);
    std::ofstream(dir.file("old.json")) << "old";
    REQUIRE(run_cost(dir.file("old.json")).exit_code == 0);
    CHECK(json::parse(slurp(dir.file("old.json")))["schema"] == "tpuplan.cost/v1");
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) {
      ++entries;
    }
    CHECK(entries == 2);
  }
  SECTION("a symbolic link at the target is refused and its target left alone") {
    std::ofstream(dir.file("victim")) << "precious";
    std::filesystem::create_symlink(dir.file("victim"), dir.file("link.json"));
    const auto r = run_cost(dir.file("link.json"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is a symbolic link") != std::string::npos);
    CHECK(slurp(dir.file("victim")) == "precious");
    CHECK(std::filesystem::is_symlink(dir.file("link.json")));
  }
  SECTION("a directory, a device and a FIFO are refused with exit 2 and their own message") {
    const auto d = run_cost(dir.path().string());
    CHECK(d.exit_code == 2);
    CHECK(d.err.find("is a directory") != std::string::npos);
    REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
    const auto fifo = run_cost(dir.file("fifo"));
    CHECK(fifo.exit_code == 2);
    CHECK(fifo.err.find("is a FIFO") != std::string::npos);
    for (const auto* r : {&d, &fifo}) {
      CHECK(std::count(r->err.begin(), r->err.end(), '\n') == 1);
    }
    // A device node of the test's own (a copy of /dev/null's numbers): a binary that wrote
    // onto it would replace this node, never the system's.
    if (::mknod(dir.file("null").c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
      WARN("cannot create a device node here (no CAP_MKNOD): the device case is left to the unit test");
      return;
    }
    const auto dev = run_cost(dir.file("null"));
    CHECK(dev.exit_code == 2);
    CHECK(dev.err.find("is a device") != std::string::npos);
    struct stat st {};
    CHECK((::lstat(dir.file("null").c_str(), &st) == 0 && S_ISCHR(st.st_mode)));
  }
  SECTION("a missing directory is exit 2 naming it") {
    const auto r = run_cost(dir.file("missing/out.json"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("does not exist") != std::string::npos);
  }
}

TEST_CASE("an output file never replaces an input of the same run", "[cli][safety]") {
  TempDir dir;
  std::filesystem::copy_file(TPUPLAN_TEST_DATA_DIR "/config/good.yaml", dir.file("c.yaml"));
  const std::string before = slurp(dir.file("c.yaml"));
  const auto v = run_tpuplan(with_fixture_data({"validate", dir.file("c.yaml"), "-o", dir.file("c.yaml")}));
  CHECK(v.exit_code == 2);
  CHECK(v.err.find("is also an input") != std::string::npos);
  CHECK(slurp(dir.file("c.yaml")) == before);
  std::filesystem::copy_file(TPUPLAN_TEST_DATA_DIR "/profiles/fake-h100-llama-3.1-8b.json", dir.file("p.json"));
  const std::string profile = slurp(dir.file("p.json"));
  const auto c = run_tpuplan(with_fixture_data(
      {"cost", "--model", "llama-3.1-8b", "--measured", dir.file("p.json"), "-o", dir.file("p.json")}));
  CHECK(c.exit_code == 2);
  CHECK(slurp(dir.file("p.json")) == profile);
  // The same file under another name (./x) counts too.
  const auto relative = run_tpuplan(with_fixture_data({"validate", dir.file("c.yaml"), "--output=" + dir.file("./c.yaml")}));
  CHECK(relative.exit_code == 2);
}

TEST_CASE("bench checks --save and --requests-out before sending anything", "[bench][safety]") {
  FakeServer server(slow_enough());
  for (const std::string flag : {"--save", "--requests-out"}) {
    const auto r = run_tpuplan({"bench", "--endpoint", server.url(), "--requests", "2", "--output-tokens", "2",
                                "--no-metrics", flag, "/missing-dir-of-tpuplan/p.json"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(flag + ": cannot write") != std::string::npos);
  }
  CHECK(server.stats().paths.empty());
}

TEST_CASE("error messages escape control and bidirectional characters of the input", "[cli][safety]") {
  const auto r = run_tpuplan(with_fixture_data({"models", "show", std::string("evil\u202Egnp.exe\x1b[31m\x07")}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("\u202E") == std::string::npos);
  CHECK(r.err.find('\x1b') == std::string::npos);
  CHECK(r.err.find('\x07') == std::string::npos);
  CHECK(r.err.find("evil\\u{202e}gnp.exe\\x1b[31m\\x07") != std::string::npos);
}

TEST_CASE("an error message quoting a NUL byte of the input is printed whole, the NUL escaped", "[cli][safety]") {
  // what() of an exception is a C string: the message used to end at the NUL, cutting off
  // the closing quote, what was wrong and the count of further problems.
  TempDir dir;
  std::ofstream(dir.file("c.yaml")) << "version: 1\nbackends:\n  - name: \"ab\\0cd\"\n    type: quantum\n"
                                    << "    endpoint: http://127.0.0.1:1\n";
  const auto r = run_tpuplan(with_fixture_data({"health", "--config", dir.file("c.yaml")}));
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find('\0') == std::string::npos);
  CHECK(r.err.find("backend name 'ab\\x00cd' must be letters, digits") != std::string::npos);
  CHECK(r.err.find("and 1 more problem") != std::string::npos);
}

TEST_CASE("reports escape control and bidirectional characters of the input they quote", "[cli][safety]") {
  // validate listed a backend name's ESC, U+202E and NUL raw on standard output: the problem
  // table is printed to the terminal like an error message.
  TempDir dir;
  std::ofstream(dir.file("c.yaml")) << "version: 1\nbackends:\n  - name: \"ab\\e[31m\\u202e\\0cd\"\n    type: gpu\n"
                                    << "    endpoint: http://127.0.0.1:1\n";
  for (const std::string format : {"table", "markdown"}) {
    const auto r = run_tpuplan(with_fixture_data({"validate", dir.file("c.yaml"), "--format", format, "--wide"}));
    INFO(format << ": " << r.out);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\0') == std::string::npos);
    CHECK(r.out.find("\u202E") == std::string::npos);
    CHECK(r.out.find("ab\\x1b[31m\\u{202e}\\x00cd") != std::string::npos);
  }
}
