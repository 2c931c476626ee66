#include <tpuplan/money/workload.hpp>

#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <fmt/format.h>
#include <string>

using namespace tpuplan;

namespace {

std::string day_values(double base = 1) {
  std::string s;
  for (int h = 0; h < 24; ++h) {
    s += fmt::format("{}{}", h == 0 ? "" : ",", base + h);
  }
  return s;
}

/// The message of the Error `f` throws, and its kind.
template <typename F>
std::pair<std::string, ErrorKind> error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.what(), e.kind()};
  }
  FAIL("no error");
  return {};
}

} // namespace

TEST_CASE("a curve from a comma list keeps 24 or 168 hourly rates", "[workload]") {
  const LoadCurve day = parse_curve_values(day_values(), "--load-curve");
  REQUIRE(day.requests_per_s.size() == 24);
  CHECK(day.requests_per_s.front() == 1);
  CHECK(day.peak() == 24);
  CHECK(day.mean() == Approx(12.5));
  CHECK_FALSE(day.weekly());
  std::string week;
  for (int h = 0; h < 168; ++h) {
    week += (h ? "," : "") + std::to_string(h % 24);
  }
  CHECK(parse_curve_values(week, "--load-curve").weekly());
}

TEST_CASE("a bad curve value names its position and what is accepted", "[workload]") {
  auto [msg, kind] = error_of([] { parse_curve_values("1,2,-3", "--load-curve"); });
  CHECK(msg == "--load-curve: value 3: -3 is not a request rate ≥ 0");
  CHECK(kind == ErrorKind::usage);
  std::tie(msg, kind) = error_of([] { parse_curve_values("1,nan,3", "--load-curve"); });
  CHECK(msg == "--load-curve: value 2: nan is not a request rate ≥ 0");
  std::tie(msg, kind) = error_of([] { parse_curve_values("1,x", "--load-curve"); });
  CHECK(msg == "--load-curve: value 2: 'x' is not a number");
  std::tie(msg, kind) = error_of([] { parse_curve_values("1,2,3", "--load-curve"); });
  CHECK(msg == "--load-curve: 3 values in the curve");
  std::string zeros = "0";
  for (int h = 1; h < 24; ++h) {
    zeros += ",0";
  }
  std::tie(msg, kind) = error_of([&] { parse_curve_values(zeros, "c"); });
  CHECK(msg == "c: every hour of the curve is 0 requests/s");
}

TEST_CASE("a curve file in YAML lists requests per second, errors at line and column", "[workload]") {
  const LoadCurve c = parse_curve_text("requests_per_s: [" + day_values() + "]\n", "day.yaml");
  CHECK(c.requests_per_s.size() == 24);
  CHECK(c.source == "day.yaml");
  CHECK(parse_curve_text("[" + day_values() + "]", "bare.yml").requests_per_s.size() == 24);
  auto [msg, kind] = error_of([] { parse_curve_text("requests_per_s: [1, 2, .nan]\n", "bad.yaml"); });
  CHECK(msg == "bad.yaml:1:24: .nan is not a request rate");
  CHECK(kind == ErrorKind::input);
  std::tie(msg, kind) = error_of([] { parse_curve_text("rates: [1]\n", "bad.yaml"); });
  CHECK(msg == "bad.yaml:1:1: unknown key 'rates'");
  std::tie(msg, kind) = error_of([] { parse_curve_text("", "empty.yaml"); });
  CHECK(msg == "empty.yaml: the file is empty");
  // A key that is a list or a map is an input error at its place (found by fuzz_yaml: it escaped
  // as yaml-cpp's bad conversion).
  std::tie(msg, kind) = error_of([] { parse_curve_text("&x [  ]:", "key.yaml"); });
  CHECK(msg == "key.yaml:1:1: a key must be a name");
  CHECK(kind == ErrorKind::input);
}

TEST_CASE("a curve file in CSV is an hour table or one column, errors at file:line", "[workload]") {
  std::string table = "hour,requests_per_s\n";
  for (int h = 23; h >= 0; --h) { // any order
    table += fmt::format("{},{}\n", h, h * 0.5);
  }
  const LoadCurve t = parse_curve_text(table, "day.csv");
  REQUIRE(t.requests_per_s.size() == 24);
  CHECK(t.requests_per_s[3] == 1.5);
  std::string column = "# requests per second by hour\n";
  for (int h = 0; h < 24; ++h) {
    column += std::to_string(h + 1) + "\r\n";
  }
  CHECK(parse_curve_text(column, "col.csv").requests_per_s[23] == 24);
  auto [msg, kind] = error_of([] { parse_curve_text("hour,requests_per_s\n0,1\n1,-2\n", "neg.csv"); });
  CHECK(msg == "neg.csv:3: -2 is negative");
  CHECK(kind == ErrorKind::input);
  std::tie(msg, kind) = error_of([] { parse_curve_text("hour,rps,zone\n", "cols.csv"); });
  CHECK(msg == "cols.csv:1: unknown column 'rps'");
  std::tie(msg, kind) = error_of([] { parse_curve_text("hour,requests_per_s\n0,1\n0,2\n", "twice.csv"); });
  CHECK(msg == "twice.csv:3: hour 0 is given twice");
  std::tie(msg, kind) = error_of([] { parse_curve_text("\n\n", "empty.csv"); });
  CHECK(msg == "empty.csv: the file is empty");
  std::tie(msg, kind) = error_of([] { parse_curve_text("1\n2\nNaN\n", "nan.csv"); });
  CHECK(msg == "nan.csv:3: NaN is not a request rate");
  std::tie(msg, kind) = error_of([] { parse_curve_text("1\n2\n3\n", "short.csv"); });
  CHECK(msg == "short.csv: 3 values in the curve");
}

TEST_CASE("a Prometheus range-query export is averaged into hours of the day, series summed", "[workload]") {
  // Two days at 30-minute steps from 2025-05-05 00:00 UTC (a Monday); two series.
  std::string csv = "\"Time\",\"{pod=\"\"a\"\"}\",\"{pod=\"\"b\"\"}\"\n"; // Grafana quotes every field
  const double start = 1746403200; // 2025-05-05T00:00:00Z
  for (int i = 0; i < 96; ++i) {
    const double t = start + i * 1800;
    const int hour = (i / 2) % 24;
    csv += fmt::format("{},{},{}\n", t, hour, i % 2 == 0 ? "" : "1"); // b has a sample every other step
  }
  const LoadCurve c = parse_curve_text(csv, "prom.csv");
  REQUIRE(c.requests_per_s.size() == 24);
  // Hour h: samples h (a alone) and h + 1 (a + b): mean h + 0.5.
  CHECK(c.requests_per_s[0] == Approx(0.5));
  CHECK(c.requests_per_s[13] == Approx(13.5));
  // ISO 8601 times with an offset land in the same UTC hour.
  std::string iso = "time,value\n";
  for (int h = 0; h < 24; ++h) {
    iso += fmt::format("2025-05-05T{:02d}:30:00+02:00,{}\n", (h + 2) % 24, h);
  }
  const LoadCurve i = parse_curve_text(iso, "iso.csv");
  CHECK(i.requests_per_s[5] == Approx(5));
  auto [msg, kind] = error_of([] { parse_curve_text("time,value\n1746403200,1\n", "short.csv"); });
  CHECK(msg == "short.csv: the export has no sample in hour 01:00 UTC of the day");
  std::tie(msg, kind) = error_of([] { parse_curve_text("time,value\nyesterday,1\n", "t.csv"); });
  CHECK(msg == "t.csv:2: 'yesterday' is not a time");
  std::tie(msg, kind) = error_of([] { parse_curve_text("time,value\n1746403200,NaN\n", "n.csv"); });
  CHECK(msg == "n.csv:2: NaN is not a request rate");
}

TEST_CASE("an export covering every hour of a week becomes a weekly curve from Monday 00:00", "[workload]") {
  std::string csv = "timestamp,series,value\n";
  const double monday = 1746403200;
  for (int h = 0; h < 168; ++h) {
    csv += fmt::format("{},x,{}\n{},y,1\n", monday + h * 3600.0, h, monday + h * 3600.0);
  }
  const LoadCurve c = parse_curve_text(csv, "week.csv");
  REQUIRE(c.weekly());
  CHECK(c.requests_per_s[0] == Approx(1));       // Monday 00:00: x 0 + y 1
  CHECK(c.requests_per_s[167] == Approx(168));   // Sunday 23:00: x 167 + y 1
}

TEST_CASE("a flat curve is the rate for the first H hours of the day", "[workload]") {
  const LoadCurve c = flat_curve(4, 8.5);
  REQUIRE(c.requests_per_s.size() == 24);
  CHECK(c.requests_per_s[7] == 4);
  CHECK(c.requests_per_s[8] == 2); // half an hour at the rate
  CHECK(c.requests_per_s[9] == 0);
  CHECK(c.mean() * 24 == Approx(4 * 8.5));
}

TEST_CASE("lengths from CSV or JSON lines give the means and the output variation", "[workload]") {
  const LengthStats s = parse_lengths_text("input_tokens,output_tokens\n100,10\n300,30\n", "l.csv");
  CHECK(s.requests == 2);
  CHECK(s.input_tokens == 200);
  CHECK(s.output_tokens == 20);
  CHECK(s.max_tokens == 330);
  CHECK(s.output_scv == Approx(100.0 / 400)); // variance 100 over mean² 400
  const LengthStats j = parse_lengths_text(
      "{\"prompt_tokens\": 50, \"completion_tokens\": 20}\n{\"prompt_tokens\": null, \"completion_tokens\": null}\n"
      "{\"prompt_tokens\": 150, \"completion_tokens\": 20}\n",
      "r.jsonl");
  CHECK(j.requests == 2); // the failed request (null lengths) is left out
  CHECK(j.input_tokens == 100);
  CHECK(j.output_scv == 0);
  auto [msg, kind] = error_of([] { parse_lengths_text("input_tokens,output_tokens\n1,2\n3,-1\n", "bad.csv"); });
  CHECK(msg == "bad.csv:3: a token count must be a number ≥ 0");
  std::tie(msg, kind) = error_of([] { parse_lengths_text("prompt,answer\n1,2\n", "cols.csv"); });
  CHECK(msg == "cols.csv:1: no input_tokens column");
}

TEST_CASE("the workload's load while the service runs: a rate, tokens a day over the hours, or a curve's peak",
          "[workload]") {
  Workload w;
  w.input_tokens = 750;
  w.output_tokens = 250;
  CHECK_FALSE(w.requests_per_s(24).has_value());
  CHECK_FALSE(w.has_load());
  w.tokens_per_day = 1000.0 * 3600 * 8; // one request a second for 8 hours
  CHECK(*w.requests_per_s(8) == Approx(1));
  CHECK(*w.output_tokens_per_s(8) == Approx(250));
  w.tokens_per_day.reset();
  w.curve = flat_curve(3, 24);
  CHECK(*w.requests_per_s(24) == 3);
  CHECK(w.context() == 1000);
  w.context_tokens = 4096;
  CHECK(w.context() == 4096);
}

TEST_CASE("a load given two ways or a context shorter than a request is a usage error", "[workload]") {
  Workload w;
  w.rate_requests_per_s = 1;
  w.concurrency = 4;
  CHECK_THROWS_WITH(validate(w), Catch::StartsWith("--rate, --tokens-per-day, --concurrency and --load-curve"));
  w.concurrency.reset();
  w.context_tokens = 1500;
  CHECK_THROWS_WITH(validate(w), "--context: 1500 tokens cannot hold requests of 1000 input + 1000 output tokens");
  w.context_tokens.reset();
  w.capacity_headroom = 1;
  CHECK_THROWS_WITH(validate(w), Catch::StartsWith("--capacity-headroom: 1 is not a fraction"));
  CHECK(parse_percentile("p99") == 0.99);
  CHECK_FALSE(parse_percentile("p42").has_value());
  CHECK(percentile_name(0.95) == "p95");
}

TEST_CASE("the SLO's targets read as one list, each with its percentile", "[workload]") {
  Slo slo;
  CHECK(slo_targets(slo).empty());
  slo.ttft_ms = 2000;
  CHECK(slo_targets(slo) == "p90 TTFT ≤ 2000 ms");
  slo.tpot_ms = 50;
  slo.tpot_quantile = 0.99;
  CHECK(slo_targets(slo) == "p90 TTFT ≤ 2000 ms, p99 TPOT ≤ 50 ms");
  slo.ttft_ms.reset();
  CHECK(slo_targets(slo) == "p99 TPOT ≤ 50 ms");
}
