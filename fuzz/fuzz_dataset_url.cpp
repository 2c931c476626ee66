// bench's inputs given as text: a --dataset or --trace JSONL file, and URLs (--endpoint,
// --metrics-url), each line of the input tried as a URL.
#include "fuzz_support.hpp"

#include <tpuplan/bench/prompts.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/bench/workload_sources.hpp>

#include <sstream>
#include <string>

using namespace tpuplan;
using namespace tpuplan::bench;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] {
    std::istringstream in{std::string(text)};
    (void)parse_dataset(in, "dataset.jsonl");
  });
  fuzz::expect_clean([&] {
    std::istringstream in{std::string(text)};
    (void)parse_trace(in, "trace.jsonl");
  });
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::string_view url = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (const auto parts = parse_url(url)) {
      (void)url_origin(*parts);
    }
    (void)redact_url(url);
    fuzz::expect_clean([&] { (void)normalize_endpoint(url); });
    fuzz::expect_clean([&] { (void)check_http_url(url, "--metrics-url"); });
    if (nl == std::string_view::npos) {
      break;
    }
    start = nl + 1;
  }
  return 0;
}
