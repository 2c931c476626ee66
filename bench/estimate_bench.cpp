// How many sizing candidates the estimator evaluates per second: every model preset × every
// offering of the embedded catalog × its parallel layouts (the tensor-parallel degrees
// tensor_parallel_degrees() gives) × 4 weight precisions × batch 1 … max batch, the grid a
// sizing search walks. Prints the figure recorded in docs/performance.md § estimator throughput.
// Build with the release preset: cmake --preset release && cmake --build --preset release
//   ./build/release/bench/estimate_bench [repeats]
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/money/serving.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>

using namespace tpuplan;

namespace {

using Clock = std::chrono::steady_clock;

struct Tally {
  std::size_t shapes = 0;    ///< distinct (accelerator, chips) pairs of the offerings
  long long layouts = 0;     ///< (model, shape, tensor-parallel degree) triples
  long long estimators = 0;  ///< Estimator constructions (one per model × shape × layout × precision)
  long long candidates = 0;  ///< at(batch) evaluations
  long long best_batches = 0;///< best_batch() searches
  double checksum = 0;       ///< keeps the optimiser from dropping the work
};

/// One pass over the grid: distinct (accelerator, chips) pairs of the catalog's offerings.
Tally run_grid(const DataSet& data, int batch_cap) {
  constexpr std::array<Precision, 4> precisions = {Precision::bf16, Precision::fp8, Precision::int8, Precision::int4};
  std::set<std::pair<std::string, int>> shapes;
  for (const auto& o : data.catalog.offerings) {
    shapes.emplace(o.accelerator, o.chips);
  }
  Tally t;
  t.shapes = shapes.size();
  for (const auto& model : data.models.presets) {
    for (const auto& [accelerator_id, chips] : shapes) {
      const Accelerator& accelerator = data.catalog.accelerator(accelerator_id);
      if (chips > 1 && !(accelerator.interconnect_gb_per_s > 0)) {
        continue;
      }
      for (const int tp : tensor_parallel_degrees(model, chips)) {
        ++t.layouts;
        for (const Precision p : precisions) {
          EstimateRequest r;
          r.chips = tp;
          r.weights = p;
          r.kv = p == Precision::int4 ? Precision::bf16 : p;
          r.input_tokens = 1000;
          r.output_tokens = 1000;
          const Estimator est(model, accelerator, r);
          ++t.estimators;
          const int max_batch = std::min(est.max_batch(), batch_cap);
          for (int b = 1; b <= max_batch; ++b) {
            const Estimate e = est.at(b);
            t.checksum += e.output_tokens_per_s;
            ++t.candidates;
          }
          if (max_batch >= 1) {
            BatchLimits limits;
            limits.tpot_ms = 50;
            if (const auto best = best_batch(est, limits)) {
              t.checksum += best->batch;
            }
            ++t.best_batches;
          }
        }
      }
    }
  }
  return t;
}

} // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const DataSet data = decode_dataset(embedded_dataset_bytes());
  if (data.models.presets.empty() || data.catalog.offerings.empty()) {
    std::fprintf(stderr, "estimate_bench: the embedded data set has no presets or offerings\n");
    return 1;
  }
  constexpr int k_batch_cap = 4096; // trtllm-bench's cap; larger batches are not served
  run_grid(data, k_batch_cap);      // warm-up
  double best_rate = 0;
  Tally last;
  double best_seconds = 0;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    last = run_grid(data, k_batch_cap);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double rate = static_cast<double>(last.candidates) / seconds;
    if (rate > best_rate) {
      best_rate = rate;
      best_seconds = seconds;
    }
  }
  std::printf("grid: %zu model presets × %zu (accelerator, chips) shapes of %zu offerings, %lld (model, shape, "
              "layout) triples × 4 precisions, batch 1…max (≤ %d)\n",
              data.models.presets.size(), last.shapes, data.catalog.offerings.size(), last.layouts, k_batch_cap);
  std::printf("estimators built: %lld, candidates evaluated: %lld, best_batch searches: %lld\n", last.estimators,
              last.candidates, last.best_batches);
  std::printf("best of %d passes: %.3f s → %.2f M candidates/s (%.1f ns each, estimator construction included)\n",
              repeats, best_seconds, best_rate / 1e6, 1e9 / best_rate);
  std::printf("checksum %.6g\n", last.checksum);
  return 0;
}
