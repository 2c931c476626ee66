// A Prometheus text scrape (bench --metrics-url), and the level figures taken from it.
#include "fuzz_support.hpp"

#include <tpuplan/bench/server_metrics.hpp>

using namespace tpuplan;
using namespace tpuplan::bench;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] {
    PromScrape scrape = parse_prometheus(text);
    (void)has_known_metrics(scrape);
    ServerMetricsCollector c;
    c.before(scrape);
    c.sample(scrape);
    c.after(std::move(scrape));
    (void)c.result();
  });
  return 0;
}
