// Server-side metrics from a Prometheus text endpoint (vLLM, TGI, JetStream, llama.cpp;
// names in bench.md §B.4): counters and histogram sums differenced over a level, gauges
// sampled during it.
#pragma once

#include <tpuplan/bench/profile.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tpuplan::bench {

/// One metric name's series, summed.
struct PromValue {
  double sum = 0; ///< Σ over the series (label sets) of the name
  int series = 0;
};

/// A scrape: sample name (with _sum/_count/_total suffixes as exposed) → its series.
using PromScrape = std::unordered_map<std::string, PromValue>;

/// Parses the Prometheus text exposition format (version 0.0.4): comments and blank lines
/// are skipped, labels (quoted values with escapes) are dropped, series of a name summed.
/// Lines that do not parse are ignored.
PromScrape parse_prometheus(std::string_view text);

/// True when a scrape holds any metric name tpuplan reads.
bool has_known_metrics(const PromScrape& scrape);

/// Collects one level's server metrics: a scrape before, samples during, a scrape after.
class ServerMetricsCollector {
public:
  void before(PromScrape scrape) { m_before = std::move(scrape); }
  void sample(const PromScrape& scrape);
  void after(PromScrape scrape) { m_after = std::move(scrape); }
  /// The level's figures (absent where the server exposes no matching name).
  ServerMetrics result() const;

private:
  PromScrape m_before;
  PromScrape m_after;
  std::vector<double> m_running;
  std::vector<double> m_waiting;
  std::vector<double> m_kv;
};

} // namespace tpuplan::bench
