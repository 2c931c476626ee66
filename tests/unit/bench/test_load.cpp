// Arrival schedules, synthetic prompts, datasets and URLs.
#include <tpuplan/bench/load.hpp>
#include <tpuplan/bench/prompts.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

/// Mean and coefficient of variation of the gaps of a schedule.
std::pair<double, double> gap_stats(const std::vector<double>& t) {
  std::vector<double> gaps;
  double prev = 0;
  for (const double x : t) {
    gaps.push_back(x - prev);
    prev = x;
  }
  double mean = 0;
  for (const double g : gaps) {
    mean += g;
  }
  mean /= static_cast<double>(gaps.size());
  double var = 0;
  for (const double g : gaps) {
    var += (g - mean) * (g - mean);
  }
  var /= static_cast<double>(gaps.size());
  return {mean, std::sqrt(var) / mean};
}

} // namespace

TEST_CASE("a Poisson schedule has exponential gaps and ends exactly at requests/rate", "[bench]") {
  const auto t = arrival_times(10, 1, 20000, 0, 1);
  REQUIRE(t.size() == 20000);
  CHECK(t.back() == Approx(2000));
  const auto [mean, cv] = gap_stats(t);
  CHECK(mean == Approx(0.1).epsilon(0.001));
  CHECK(cv == Approx(1).margin(0.03)); // exponential: sd = mean
  CHECK(std::is_sorted(t.begin(), t.end()));
}

TEST_CASE("burstiness shapes the gaps: cv = 1/sqrt(k)", "[bench]") {
  CHECK(gap_stats(arrival_times(10, 0.25, 20000, 0, 2)).second == Approx(2).margin(0.1));
  CHECK(gap_stats(arrival_times(10, 4, 20000, 0, 3)).second == Approx(0.5).margin(0.03));
}

TEST_CASE("a schedule by duration stops before the duration and is reproducible from its seed", "[bench]") {
  const auto a = arrival_times(50, 1, 0, 10, 9);
  CHECK(a.back() < 10);
  CHECK(static_cast<double>(a.size()) == Approx(500).margin(100));
  CHECK(arrival_times(50, 1, 0, 10, 9) == a);
  CHECK(arrival_times(50, 1, 0, 10, 10) != a);
}

TEST_CASE("synthetic prompts have the asked length, are reproducible and differ from the first word", "[bench]") {
  SyntheticPrompts spec;
  spec.tokens = 200;
  spec.range = 50;
  std::set<std::string> first_words;
  for (int i = 0; i < 100; ++i) {
    const Prompt p = synthetic_prompt(spec, 7, i);
    CHECK(p.approx_tokens >= 150);
    CHECK(p.approx_tokens <= 250);
    std::istringstream words(p.text);
    std::string w;
    std::int64_t n = 0;
    std::string first3;
    while (words >> w) {
      first3 += n < 3 ? w + " " : "";
      ++n;
    }
    CHECK(n == p.approx_tokens);
    first_words.insert(first3);
    CHECK(synthetic_prompt(spec, 7, i).text == p.text);
  }
  CHECK(first_words.size() >= 99); // no shared prefix for a cache to reuse
  CHECK(synthetic_prompt(spec, 8, 0).text != synthetic_prompt(spec, 7, 0).text);
}

TEST_CASE("a dataset line without a prompt is rejected with its file and line", "[bench]") {
  const auto path = std::filesystem::temp_directory_path() / ("tpuplan-ds-" + std::to_string(getpid()) + ".jsonl");
  std::ofstream(path) << R"({"prompt": "a b c d e f g h", "output_tokens": 5})" << "\n"
                      << R"({"messages": [{"role": "user", "content": "hi"}], "input_tokens": 3})" << "\n";
  const auto prompts = read_dataset(path);
  REQUIRE(prompts.size() == 2);
  CHECK(prompts[0].approx_tokens == 4); // 15 bytes ÷ 4, rounded up
  CHECK(*prompts[0].output_tokens == 5);
  CHECK(prompts[1].approx_tokens == 3);
  CHECK(prompts[1].messages.size() == 1);
  std::ofstream(path, std::ios::app) << "{\"prompt\": 3}\n";
  CHECK_THROWS_WITH(read_dataset(path), path.string() + ":3: \"prompt\" must be a string");
  std::filesystem::remove(path);
}

TEST_CASE("endpoints are http(s) base URLs — credentials and query values never show", "[bench]") {
  CHECK(normalize_endpoint("http://10.0.0.5:8000/") == "http://10.0.0.5:8000");
  CHECK(normalize_endpoint("HTTPS://api.example.com/v1") == "https://api.example.com");
  CHECK(normalize_endpoint("http://gw/serving/llama/v1/") == "http://gw/serving/llama");
  CHECK(normalize_endpoint("http://[::1]:8080") == "http://[::1]:8080");
  CHECK_THROWS_WITH(normalize_endpoint("file:///etc/passwd"), "--endpoint: scheme 'file' is not supported");
  CHECK_THROWS_WITH(normalize_endpoint("http://h:8000?key=abc"), "--endpoint: 'http://h:8000?key=REDACTED' has a query or fragment");
  CHECK_THROWS_WITH(normalize_endpoint("localhost:8000"), "--endpoint: '(invalid URL)' is not a URL");
  CHECK(redact_url("https://u:p@h/metrics?token=s3cret&x") == "https://h/metrics?token=REDACTED&x");
  CHECK(url_origin(*parse_url("http://Host/x")) == "http://host:80");
  CHECK(url_origin(*parse_url("https://h:8443/x")) == "https://h:8443");
}
