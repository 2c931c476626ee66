// Profiles: written, read back, and rejected with the place of the problem.
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

Profile sample_profile() {
  Profile p;
  p.tool_version = "0.1.0";
  p.http_client = "built-in HTTP/1.1";
  p.timestamp_source = "kernel";
  p.io = "io_uring";
  p.created_at = "2026-01-02T03:04:05Z";
  p.endpoint = "http://10.0.0.5:8000";
  p.api = Api::openai_chat;
  p.server = ServerKind::vllm;
  p.model = "llama";
  p.accelerator = "v5e";
  p.chips = 8;
  p.workload.input_tokens = 1000;
  p.workload.input_tokens_range = 100;
  p.workload.output_tokens = 128;
  p.workload.ignore_eos = true;
  p.workload.requests_per_level = 50;
  p.workload.seed = 42;
  p.workload.slo.ttft_ms = 500;
  p.workload.timeout_s = 600;
  LevelResult l;
  l.load.mode = LoadMode::rate;
  l.load.rate_rps = 4;
  l.load.burstiness = 0.5;
  l.load.max_concurrency = 16;
  l.requests_sent = 50;
  l.requests_ok = 48;
  l.requests_failed = 2;
  l.error_rate = 2.0 / 50;
  l.duration_s = 12.5;
  l.request_rps = 3.84;
  l.output_tokens_per_s = 491.5;
  l.goodput_rps = 3.5;
  l.good_requests = 44;
  l.send_rate_rps = 4.0;
  l.output_tokens = 6144;
  l.output_tokens_source = TokenSource::server;
  l.input_tokens_source = TokenSource::approx;
  l.ttft_ms = summarize({100, 120, 140});
  l.errors.push_back({ErrorClass::http_429, 2, "HTTP 429: overloaded", 429L, 2.0});
  ServerMetrics s;
  s.ttft_ms_mean = 95;
  s.kv_cache_usage_max = 0.8;
  l.server = s;
  l.warnings.push_back("a warning");
  p.levels.push_back(l);
  p.notes.push_back("a note");
  return p;
}

std::string text_of(const Profile& p) { return to_json(p).dump(2); }

std::string error_of(const std::string& text) {
  try {
    parse_profile(text, "v5e.json");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST_CASE("a profile written and read back is the same profile", "[bench]") {
  const Profile p = sample_profile();
  const Profile q = parse_profile(text_of(p), "v5e.json");
  CHECK(text_of(q) == text_of(p));
  CHECK(q.levels[0].ttft_ms.p50 == 120);
  CHECK(*q.levels[0].errors[0].retry_after_s == 2.0);
  CHECK(*q.chips == 8);
  CHECK(q.levels[0].input_tokens_source == TokenSource::approx);
  CHECK(q.http_client == "built-in HTTP/1.1");
  CHECK(q.timestamp_source == "kernel");
  CHECK(q.io == "io_uring");
}

TEST_CASE("a profile written before the client was recorded still reads", "[bench]") {
  auto j = to_json(sample_profile());
  j.erase("http_client");
  j.erase("timestamp_source");
  j.erase("io");
  const Profile old = parse_profile(j.dump(), "old.json");
  CHECK(old.http_client.empty());
  CHECK(old.timestamp_source.empty());
  CHECK(old.io.empty());
}

TEST_CASE("a profile's JSON names its schema, units and definitions", "[bench]") {
  const auto j = to_json(sample_profile());
  CHECK(j["schema"] == "tpuplan.bench/v1");
  CHECK(j["levels"][0]["latency_ms"]["ttft"]["p99_9"].is_number());
  CHECK(j["levels"][0]["latency_ms"]["tpot"]["p50"].is_null()); // no samples: null, never 0
  CHECK(j["levels"][0]["latency_ms"]["tpot"]["count"] == 0);
  CHECK(j["definitions"].contains("ttft_ms"));
  CHECK(j["levels"][0]["concurrency"].is_null());
}

TEST_CASE("a profile with a wrong field is rejected naming the file and the JSON path", "[bench]") {
  auto j = to_json(sample_profile());
  j["levels"][0]["latency_ms"]["ttft"]["p50"] = "fast";
  CHECK(error_of(j.dump()) == "v5e.json: levels[0].latency_ms.ttft.p50: expected a number");
  j = to_json(sample_profile());
  j["levels"][0]["errors"][0]["class"] = "gremlins";
  CHECK(error_of(j.dump()) == "v5e.json: levels[0].errors[0].class: unknown error class 'gremlins'");
  j = to_json(sample_profile());
  j["workload"].erase("seed");
  CHECK(error_of(j.dump()) == "v5e.json: workload.seed: missing");
  j = to_json(sample_profile());
  j["schema"] = "tpuplan.bench/v2";
  CHECK(error_of(j.dump()) == "v5e.json: schema 'tpuplan.bench/v2' is not supported");
  j = to_json(sample_profile());
  j["chips"] = 0;
  CHECK(error_of(j.dump()) == "v5e.json: chips: 0 is out of range; accepted: 1 to 100000");
}

TEST_CASE("a profile that is not JSON is rejected with line and column", "[bench]") {
  CHECK(error_of("{\n  \"schema\": \"tpuplan.bench/v1\",\n  \"oops\n}").rfind("v5e.json:3:", 0) == 0);
  CHECK(error_of("[]") == "v5e.json: (top level): expected an object");
}

TEST_CASE("a missing profile file is an input error naming it", "[bench]") {
  CHECK_THROWS_WITH(read_profile("/nonexistent/p.json"), "cannot read profile '/nonexistent/p.json': no such file");
}
