// The measured throughput and latency the estimator is judged on (perfmodel §3.1) and a
// runner that compares estimates with them. Used by the fidelity tests, by
// `tpuplan estimate --fidelity` and by docs/accuracy.md.
#pragma once

#include <tpuplan/data/dataset.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// What a measured point reports.
enum class CalibrationMetric {
  output_tokens_per_s, ///< generated tokens per second of one model replica
  tpot_ms,             ///< time per output token (decode step)
  prefill_ms           ///< prefill of the prompt (TTFT without queueing and the first step)
};
std::string_view to_string(CalibrationMetric metric);

/// One measured point with the workload it was measured on.
struct CalibrationPoint {
  std::string id;            ///< unique, e.g. "trtllm-0.17/llama-3.1-8b/h100/fp8/1000-1000"
  std::string group;         ///< "calibration" (perfmodel §3.1) or "holdout" (same sources, not used to choose defaults)
  std::string engine;        ///< "TensorRT-LLM v0.17", "JetStream-PyTorch", …
  std::string engine_id;     ///< data/engines.yaml id whose factors the estimate uses; empty = the family defaults
  std::string model;         ///< model preset id (data/models.yaml) unless `spec` is given
  std::optional<ModelSpec> spec; ///< the architecture, for models that are not presets
  bool full_attention = false; ///< the engine ignored the model's sliding window
  std::string accelerator;   ///< accelerator id (data/accelerators.yaml)
  EstimateRequest request;   ///< chips, precisions, workload, batching mode, KV reads, memory
  std::optional<int> batch;  ///< the measured batch; absent = the largest that fits memory
  std::optional<int> batch_cap; ///< the engine's cap on concurrent sequences
  CalibrationMetric metric = CalibrationMetric::output_tokens_per_s;
  double measured = 0;       ///< per model replica
  std::string source;        ///< perfmodel §3.1 row and the upstream file
  std::string note;          ///< how the workload was read from the source
};

/// An estimate next to its measurement.
struct CalibrationResult {
  CalibrationPoint point;
  int batch = 0;           ///< the batch the estimate used
  double estimated = 0;    ///< in the point's metric
  double error = 0;        ///< estimated ÷ measured − 1
};

/// The calibration set (perfmodel §3.1 rows 1, 8, 10, 13, 16, 18, 20, 21, 25) followed by the
/// holdout rows of the same sources.
const std::vector<CalibrationPoint>& calibration_points();
/// The points of the group "calibration" alone, in the same order (what the error bands use).
const std::vector<CalibrationPoint>& calibration_set();

/// Runs one point against the models and accelerators of `data` (the point's own spec wins).
/// Efficiency: the family default unless the point's request carries one.
CalibrationResult run_calibration_point(const CalibrationPoint& point, const DataSet& data);

/// Median of |error| over `results`.
double median_abs_error(const std::vector<CalibrationResult>& results);

/// How far a throughput estimate may be from a measurement, from the residuals of the
/// calibration points of the same engine on the same accelerator family (throughput points,
/// and TPOT points read as throughput): half-width w = the largest |ln(estimated ÷ measured)|.
/// Fewer than 5 such points, or points of fewer than 3 models (one model's residuals do not
/// speak for another's): w is at least the largest over every calibration point of the
/// accelerator's kind (GPU or TPU), labelled "few points" or "few models"; none: twice that,
/// labelled "no points". The band is [estimate × e^−w, estimate × e^w].
struct ErrorBand {
  double half_width = 0;  ///< w, in natural-log units
  std::size_t points = 0; ///< calibration points of this engine × family
  std::string basis;      ///< how w was obtained
  double low(double estimate) const;
  double high(double estimate) const;
};
ErrorBand error_band(const DataSet& data, const std::string& engine_id, const Accelerator& accelerator);

/// error_band() for many accelerators: the calibration residuals of each accelerator kind are
/// computed once, on first use (cost and --confidence ask for every family of the catalog).
class ErrorBands {
public:
  explicit ErrorBands(const DataSet& data) : m_data(data) {}
  ErrorBand band(const std::string& engine_id, const Accelerator& accelerator);

  struct Residual {
    std::string engine;
    std::string family;
    std::string model;    ///< the point's model (preset id, or its spec's id)
    double log_error = 0; ///< ln(estimated ÷ measured) of throughput
  };

private:
  const DataSet& m_data;
  std::vector<std::pair<AcceleratorKind, std::vector<Residual>>> m_by_kind;
};

/// The family of the point's accelerator in `data`.
std::string point_family(const CalibrationPoint& point, const DataSet& data);

/// A fit of one engine's factors on one family: a grid search over the factors `fit` names
/// (compute 0.20–1.00 and kv_memory 0.10–1.00 in steps of 0.01, overhead_ms 0–30 in steps
/// of 0.05, memory 0.50–1.00 in steps of 0.01), one factor at a time until none moves, from
/// `start`, minimising the sum of squared log errors over the calibration points of that
/// engine and family. Deterministic; used to produce and to check the factors of
/// data/engines.yaml.
struct EngineFitResult {
  Efficiency fitted;
  std::size_t points = 0;
  double median_before = 0; ///< median |error| at `start`
  double median_after = 0;
};
EngineFitResult fit_engine_efficiency(const std::vector<CalibrationPoint>& points, const DataSet& data,
                                      const std::string& engine_id, const std::string& family, Efficiency start,
                                      const std::vector<std::string>& fit);

} // namespace tpuplan
