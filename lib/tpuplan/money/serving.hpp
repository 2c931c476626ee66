// What one replica of an option serves at the workload's SLO, and how many replicas a load
// needs: the one place where the money commands (cost, size, breakeven, plan) call the
// estimator. A performance source other than the roofline (an engine's model, a confidence
// level of the estimate) is a field of PerformanceModel and reaches every command from here.
#pragma once

#include <tpuplan/money/workload.hpp>
#include <tpuplan/perf/engine.hpp>
#include <tpuplan/perf/estimate.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace tpuplan {

/// How one replica's chips serve the model: `dp` copies of it, each sharded tensor-parallel
/// over `tp` chips (tp × dp = the replica's chips). tp 0: unknown (a measured figure).
struct Layout {
  int tp = 0;
  int dp = 1;
};
/// "TP8", "4×TP2"; empty when unknown.
std::string to_string(Layout layout);

/// The tensor-parallel degrees an engine can shard a model over on `chips`, largest first:
/// every divisor t of `chips` that divides the model's query heads (engines split the heads
/// evenly: vLLM and TensorRT-LLM refuse other degrees), and `chips` itself (one group of all of
/// them). With `forced` (--tp), that degree only, and none when it does not divide `chips`.
std::vector<int> tensor_parallel_degrees(const ModelSpec& model, int chips, std::optional<int> forced = std::nullopt);

/// `e` for `dp` copies running side by side: batch, tokens/s and requests/s × dp; latencies,
/// per-chip throughput and the memory share stay those of one copy.
Estimate replicate(Estimate e, int dp);

/// How throughput and latency are obtained: the estimator and its settings.
struct PerformanceModel {
  ModelSpec model;
  Precision kv = Precision::bf16;
  BatchMode mode = BatchMode::continuous;
  KvRead kv_read = KvRead::ragged;
  double cache_tokens = 0;                 ///< padded cache per sequence (KvRead::padded); 0 = input + output
  double headroom_fraction = MemoryOptions{}.headroom_fraction;
  double overhead_gib_per_chip = MemoryOptions{}.overhead_gib_per_chip;
  std::optional<int> max_batch;            ///< the serving engine's cap on concurrent sequences
  std::string efficiency_overrides;        ///< "compute=0.5,…" on top of each family's factors
  /// Factors replacing a family's defaults (Accelerator::family), e.g. fitted to a bench profile.
  std::vector<std::pair<std::string, Efficiency>> family_efficiency;
  /// The serving engines (data/engines.yaml). Empty: no engine, the settings above as given.
  std::vector<Engine> engines;
  std::string engine;     ///< --engine (id or alias); empty = each accelerator family's default engine
  EngineSettings user;    ///< what the user set explicitly; the engine decides the rest
  /// A confidence level of the estimate (--confidence slow): per accelerator id, a factor f ≥ 1
  /// by which every step is slower than estimated (the slow end of its error band, e^w): the
  /// efficiencies ÷ f and the fixed latencies × f, so throughput falls and latency rises by f
  /// and the SLO's batch shrinks with them. Absent: the estimate as it is.
  std::vector<std::pair<std::string, double>> slowdown;
  /// --tp: the tensor-parallel degree every replica uses; absent = per option, the layout
  /// (tensor_parallel_degrees) with the most capacity at the SLO.
  std::optional<int> tp;

  /// The engine assumed on `accelerator` (nullptr without engines). Throws Error(usage) when
  /// the named engine does not run on it.
  const Engine* engine_for(const Accelerator& accelerator) const;
  /// False when a named engine does not run on `accelerator` (its options are left out).
  bool serves(const Accelerator& accelerator) const;
  /// False when --tp does not divide `chips` (such options are left out).
  bool holds_layout(int chips) const { return !tp || (*tp >= 1 && chips % *tp == 0); }
  /// The cap on concurrent sequences on `accelerator`: --max-batch, else the engine's.
  std::optional<int> max_batch_for(const Accelerator& accelerator) const;
  /// `base` with the KV precision, headroom and basis the engine sets for `weights`.
  MemoryOptions memory_for(const Accelerator& accelerator, MemoryOptions base) const;

  /// The factors used for `accelerator` (with its slowdown, when one is set).
  Efficiency efficiency_for(const Accelerator& accelerator) const;
  /// The slowdown of `accelerator` (1 without one).
  double slowdown_for(const Accelerator& accelerator) const;
  /// The estimator's request for one replica of `chips` × `accelerator` with `weights` at the
  /// workload's lengths, context and percentiles (no load).
  EstimateRequest request(const Accelerator& accelerator, int chips, Precision weights, const Workload& workload) const;
};

/// Why an option cannot serve the workload.
enum class RejectReason { does_not_fit = 0, misses_ttft = 1, misses_tpot = 2, unpriced = 3 };
inline constexpr std::array<RejectReason, 4> k_all_reject_reasons = {
    RejectReason::does_not_fit, RejectReason::misses_ttft, RejectReason::misses_tpot, RejectReason::unpriced};
std::string_view to_string(RejectReason reason);

/// What one replica delivers at the SLO.
struct ReplicaCapacity {
  Layout layout;                     ///< how the replica's chips are split (estimates)
  Estimate best;                     ///< at the best batch without a load, all copies (an estimate)
  /// The most requests/s one replica takes while meeting the SLO with queueing included (below
  /// best.requests_per_s: a queue needs spare capacity to keep TTFT within its target).
  double max_requests_per_s = 0;
  /// max × (1 − capacity headroom): what replicas are planned for.
  double planned_requests_per_s = 0;
  std::string figures = "estimate";  ///< "estimate", or "measured: FILE"
};

/// The capacity of one option, or why it has none.
struct CapacityAnswer {
  std::optional<ReplicaCapacity> capacity;
  RejectReason reason = RejectReason::does_not_fit; ///< when capacity is absent
  std::optional<Estimate> at_batch_1;               ///< its best latency, when it fits
  double shortfall = 0;                             ///< achieved ÷ target of the missed limit at batch 1
  std::string problem;                              ///< the estimator's objection, when it has one
};

/// One replica of `chips` × `accelerator` in `weights` serving `workload`: the best batch that
/// meets the latency targets (at their percentiles) and the highest load it takes within them,
/// in the layout that takes the most load (perf.tp forces one). Without a layout that meets
/// the SLO, the answer of the one that comes closest (the largest group when none fits).
CapacityAnswer replica_capacity(const PerformanceModel& perf, const Workload& workload, const Accelerator& accelerator,
                                int chips, Precision weights);

/// A capacity from a measured figure: `requests_per_s` met the SLO in a bench profile.
ReplicaCapacity measured_capacity(double requests_per_s, double output_tokens_per_s, const Workload& workload,
                                  std::string figures);

/// Replicas for an open load of `requests_per_s`: ⌈rate ÷ planned capacity⌉, one more with
/// N+1; 0 when the rate is 0.
int replicas_for(double requests_per_s, const ReplicaCapacity& capacity, const Workload& workload);

/// An option serving the workload's load.
struct Serving {
  int replicas = 1;                    ///< 1 without a load
  Estimate estimate;                   ///< one replica (all its copies) at its share of the load (queueing included)
  double served_output_tokens_per_s = 0; ///< the load's output tokens/s; all replicas at capacity without a load
};

/// The replicas and operating point of an option at the workload's load while the service
/// runs `hours_per_day` (a curve: its peak hour); without a load, one replica at capacity.
/// nullopt when the load cannot be served within the SLO (it never happens for open loads
/// below the capacity found by replica_capacity).
std::optional<Serving> serve(const PerformanceModel& perf, const Workload& workload, const Accelerator& accelerator,
                             int chips, Precision weights, const ReplicaCapacity& capacity, double hours_per_day);

/// replica_capacity() remembered per accelerator × chips × precision: the regions of one slice
/// share it, so a catalog of 140 offerings costs about 40 searches.
class CapacityMemo {
public:
  CapacityMemo(const PerformanceModel& perf, const Workload& workload) : m_perf(perf), m_workload(workload) {}
  const CapacityAnswer& get(const Accelerator& accelerator, int chips, Precision weights);

private:
  const PerformanceModel& m_perf;
  const Workload& m_workload;
  std::map<std::tuple<const Accelerator*, int, Precision>, CapacityAnswer> m_answers;
};

} // namespace tpuplan
