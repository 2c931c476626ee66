// Replica capacity at an SLO. Without a TTFT target a replica takes any load below its
// throughput; with one, the queue must stay short enough that the TTFT percentile holds, so
// the capacity is the highest arrival rate λ_B at which some admissible batch B keeps
//   queue_wait(λ_B ÷ capacity_B, B)_q + prefill + step(B) ≤ TTFT target,
// found in closed form up to a few Newton steps on the utilisation for each B (docs/methodology.md §Capacity at an SLO).
#include <tpuplan/money/serving.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

namespace {

/// A replica is planned just below its throughput when no TTFT target bounds the queue: at
/// utilisation 1 the queue grows without bound.
constexpr double k_stable_share = 1 - 1e-9;

/// Why batch 1 already misses, and by how much (achieved ÷ target).
std::pair<RejectReason, double> latency_miss(const Estimate& e, const Slo& slo) {
  double ttft_ratio = 0;
  double tpot_ratio = 0;
  if (slo.ttft_ms) {
    ttft_ratio = e.slo_ttft_ms() ? *e.slo_ttft_ms() / *slo.ttft_ms : INFINITY;
  }
  if (slo.tpot_ms) {
    tpot_ratio = e.slo_tpot_ms() / *slo.tpot_ms;
  }
  return tpot_ratio >= ttft_ratio ? std::pair{RejectReason::misses_tpot, tpot_ratio}
                                  : std::pair{RejectReason::misses_ttft, ttft_ratio};
}

/// The highest arrival rate at which batch `b` keeps the TTFT percentile within `ttft_ms`.
double rate_within_ttft(const Estimator& estimator, int b, double ttft_ms, const Workload& workload) {
  const Estimate e = estimator.at(b);
  const double budget = ttft_ms - (e.prefill_ms + e.step.total_ms);
  if (!(budget > 0) || !(e.requests_per_s > 0)) {
    return 0;
  }
  const double service_ms = 1e3 * b / e.requests_per_s;
  const double scv = estimator.request().service_scv;
  return utilization_within_wait(b, service_ms, scv, workload.slo.ttft_quantile, budget) * e.requests_per_s;
}

/// The batches searched for the best rate: all up to 64, else the top 16 and a geometric grid
/// (λ_B rises with B while the queue dominates and falls once the step nears the target).
std::vector<int> candidate_batches(int top) {
  std::vector<int> out;
  if (top <= 64) {
    for (int b = 1; b <= top; ++b) {
      out.push_back(b);
    }
    return out;
  }
  for (double b = 1; b < top - 16; b = std::max(b + 1, std::floor(b * 1.15))) {
    out.push_back(static_cast<int>(b));
  }
  for (int b = top - 16; b <= top; ++b) {
    out.push_back(b);
  }
  return out;
}

/// One tensor-parallel group of `chips` (one copy of the model) at the SLO.
CapacityAnswer group_capacity(const PerformanceModel& perf, const Workload& workload, const Accelerator& accelerator,
                              int chips, Precision weights) {
  CapacityAnswer answer;
  std::optional<Estimator> estimator;
  try {
    estimator.emplace(perf.model, accelerator, perf.request(accelerator, chips, weights, workload));
  } catch (const Error& e) {
    answer.problem = e.what();
    return answer;
  }
  if (estimator->max_batch() < 1) {
    return answer;
  }
  const BatchLimits limits{workload.slo.ttft_ms, workload.slo.tpot_ms, perf.max_batch_for(accelerator)};
  const auto best = best_batch(*estimator, limits);
  answer.at_batch_1 = estimator->at(1);
  if (!best) {
    std::tie(answer.reason, answer.shortfall) = latency_miss(*answer.at_batch_1, workload.slo);
    return answer;
  }
  ReplicaCapacity c;
  c.best = *best;
  if (!workload.slo.ttft_ms) {
    c.max_requests_per_s = best->requests_per_s * k_stable_share;
  } else {
    for (int b : candidate_batches(best->batch)) {
      c.max_requests_per_s = std::max(c.max_requests_per_s, rate_within_ttft(*estimator, b, *workload.slo.ttft_ms, workload));
    }
    if (!(c.max_requests_per_s > 0)) {
      // It meets TTFT only with an empty queue: no load can be given to it.
      answer.reason = RejectReason::misses_ttft;
      answer.shortfall = 1;
      return answer;
    }
  }
  c.planned_requests_per_s = c.max_requests_per_s * (1 - workload.capacity_headroom);
  answer.capacity = c;
  return answer;
}

} // namespace

std::string_view to_string(RejectReason reason) {
  switch (reason) {
  case RejectReason::does_not_fit:
    return "does not fit";
  case RejectReason::misses_ttft:
    return "misses TTFT";
  case RejectReason::misses_tpot:
    return "misses TPOT";
  case RejectReason::unpriced:
    return "unpriced";
  }
  return "";
}

std::string to_string(Layout layout) {
  if (layout.tp < 1) {
    return "";
  }
  return layout.dp > 1 ? fmt::format("{}×TP{}", layout.dp, layout.tp) : fmt::format("TP{}", layout.tp);
}

std::vector<int> tensor_parallel_degrees(const ModelSpec& model, int chips, std::optional<int> forced) {
  std::vector<int> out;
  if (chips < 1) {
    return out;
  }
  if (forced) {
    if (*forced >= 1 && chips % *forced == 0) {
      out.push_back(*forced);
    }
    return out;
  }
  for (int t = chips; t >= 1; --t) {
    if (chips % t == 0 && (t == chips || (model.heads > 0 && model.heads % t == 0))) {
      out.push_back(t);
    }
  }
  return out;
}

Estimate replicate(Estimate e, int dp) {
  e.batch *= dp;
  e.output_tokens_per_s *= dp;
  e.total_tokens_per_s *= dp;
  e.requests_per_s *= dp;
  return e;
}

Efficiency PerformanceModel::efficiency_for(const Accelerator& accelerator) const {
  Efficiency efficiency = engine_efficiency(engine_for(accelerator), accelerator);
  for (const auto& [family, fitted] : family_efficiency) {
    if (!family.empty() && family == accelerator.family) {
      efficiency = fitted;
    }
  }
  if (!efficiency_overrides.empty()) {
    efficiency = parse_efficiency(efficiency_overrides, efficiency, "--efficiency");
  }
  if (const double f = slowdown_for(accelerator); f != 1) {
    efficiency.compute /= f;
    efficiency.memory /= f;
    efficiency.kv_memory /= f;
    efficiency.interconnect /= f;
    efficiency.collective_latency_us *= f;
    efficiency.step_overhead_ms *= f;
  }
  return efficiency;
}

double PerformanceModel::slowdown_for(const Accelerator& accelerator) const {
  for (const auto& [id, f] : slowdown) {
    if (id == accelerator.id) {
      return f;
    }
  }
  return 1;
}

EstimateRequest PerformanceModel::request(const Accelerator& accelerator, int chips, Precision weights,
                                          const Workload& workload) const {
  EstimateRequest r;
  r.chips = chips;
  r.weights = weights;
  r.kv = kv;
  r.input_tokens = workload.input_tokens;
  r.output_tokens = workload.output_tokens;
  r.mode = mode;
  r.kv_read = kv_read;
  if (kv_read == KvRead::padded) {
    r.cache_tokens = cache_tokens > 0 ? cache_tokens : workload.context_tokens.value_or(0);
  } else {
    r.context_tokens = workload.context_tokens.value_or(0);
  }
  r.service_scv = workload.lengths ? workload.lengths->output_scv : 0;
  r.ttft_quantile = workload.slo.ttft_quantile;
  r.tpot_quantile = workload.slo.tpot_quantile;
  r.efficiency = efficiency_for(accelerator);
  r.headroom_fraction = headroom_fraction;
  r.overhead_gib_per_chip = overhead_gib_per_chip;
  if (const Engine* e = engine_for(accelerator)) {
    apply_engine(*e, user, r);
  }
  return r;
}

const Engine* PerformanceModel::engine_for(const Accelerator& accelerator) const {
  if (engines.empty()) {
    return nullptr;
  }
  if (engine.empty()) {
    return default_engine(engines, accelerator);
  }
  const Engine& named = find_engine(engines, engine);
  require_runs_on(engines, named, accelerator);
  return &named;
}

bool PerformanceModel::serves(const Accelerator& accelerator) const {
  return engines.empty() || engine.empty() || runs_on(find_engine(engines, engine), accelerator);
}

std::optional<int> PerformanceModel::max_batch_for(const Accelerator& accelerator) const {
  if (max_batch) {
    return max_batch;
  }
  const Engine* e = engine_for(accelerator);
  return e != nullptr ? e->max_batch : std::nullopt;
}

MemoryOptions PerformanceModel::memory_for(const Accelerator& accelerator, MemoryOptions base) const {
  if (const Engine* e = engine_for(accelerator)) {
    EstimateRequest r;
    r.weights = base.weights;
    r.kv = base.kv;
    r.headroom_fraction = base.headroom_fraction;
    apply_engine(*e, user, r);
    base.kv = r.kv;
    base.headroom_fraction = r.headroom_fraction;
    base.basis = r.memory_basis;
  }
  return base;
}

CapacityAnswer replica_capacity(const PerformanceModel& perf, const Workload& workload, const Accelerator& accelerator,
                                int chips, Precision weights) {
  const std::vector<int> degrees = tensor_parallel_degrees(perf.model, chips, perf.tp);
  if (degrees.empty()) {
    CapacityAnswer answer;
    answer.problem = fmt::format("--tp {} does not divide the replica's {} chips", perf.tp.value_or(0), chips);
    return answer;
  }
  std::optional<CapacityAnswer> chosen;
  for (const int tp : degrees) {
    CapacityAnswer a = group_capacity(perf, workload, accelerator, tp, weights);
    if (a.capacity) {
      const int dp = chips / tp;
      ReplicaCapacity& c = *a.capacity;
      c.layout = Layout{tp, dp};
      c.best = replicate(c.best, dp);
      c.max_requests_per_s *= dp;
      c.planned_requests_per_s *= dp;
      // More load wins; at equal load the larger group (listed first: lower latency) stays.
      if (!chosen || !chosen->capacity || c.max_requests_per_s > chosen->capacity->max_requests_per_s * (1 + 1e-9)) {
        chosen = std::move(a);
      }
    } else if (!chosen) {
      chosen = std::move(a); // the largest group: the one with the most memory
    } else if (!chosen->capacity && a.at_batch_1 && chosen->at_batch_1 && a.shortfall < chosen->shortfall) {
      chosen = std::move(a);
    }
  }
  return *chosen;
}

ReplicaCapacity measured_capacity(double requests_per_s, double output_tokens_per_s, const Workload& workload,
                                  std::string figures) {
  ReplicaCapacity c;
  c.best.requests_per_s = requests_per_s;
  c.best.output_tokens_per_s = output_tokens_per_s;
  c.max_requests_per_s = requests_per_s;
  c.planned_requests_per_s = requests_per_s * (1 - workload.capacity_headroom);
  c.figures = std::move(figures);
  return c;
}

int replicas_for(double requests_per_s, const ReplicaCapacity& capacity, const Workload& workload) {
  if (!(requests_per_s > 0)) {
    return 0;
  }
  if (!(capacity.planned_requests_per_s > 0)) {
    throw Error(ErrorKind::infeasible, "a replica with no capacity cannot serve a load");
  }
  // The guard keeps 3 × capacity from rounding up to 4 replicas through a last-bit error.
  const int needed = static_cast<int>(std::ceil(requests_per_s / capacity.planned_requests_per_s * (1 - 1e-12)));
  return std::max(1, needed) + (workload.n_plus_one ? 1 : 0);
}

std::optional<Serving> serve(const PerformanceModel& perf, const Workload& workload, const Accelerator& accelerator,
                             int chips, Precision weights, const ReplicaCapacity& capacity, double hours_per_day) {
  Serving s;
  // The copies of the layout (an estimate's); one group of all the chips for a measured figure.
  const int tp = capacity.layout.tp >= 1 ? capacity.layout.tp : chips;
  const int dp = capacity.layout.tp >= 1 ? capacity.layout.dp : 1;
  EstimateRequest request = perf.request(accelerator, tp, weights, workload);
  const BatchLimits limits{workload.slo.ttft_ms, workload.slo.tpot_ms, perf.max_batch_for(accelerator)};
  if (workload.concurrency) {
    // Closed loop: the sequences are spread over as few replicas as hold them at the best
    // batch of each copy, and evenly over the copies those replicas run.
    const int c = *workload.concurrency;
    const int per_copy = std::max(1, capacity.best.batch / dp);
    const int copies_needed = (c + per_copy - 1) / per_copy;
    const int needed = (copies_needed + dp - 1) / dp;
    const int active = std::min(c, needed * dp);
    const int batch = (c + active - 1) / active;
    s.replicas = needed + (workload.n_plus_one ? 1 : 0);
    const Estimate one = Estimator(perf.model, accelerator, request).at(batch);
    s.estimate = replicate(one, std::min(dp, active));
    s.served_output_tokens_per_s = one.output_tokens_per_s * active;
    return s;
  }
  const auto rate = workload.requests_per_s(hours_per_day);
  if (!rate) {
    s.replicas = 1;
    s.estimate = capacity.best;
    s.served_output_tokens_per_s = capacity.best.output_tokens_per_s;
    return s;
  }
  s.replicas = replicas_for(*rate, capacity, workload);
  // A curve is served at its peak by replicas that run every hour; they serve its mean.
  s.served_output_tokens_per_s = (workload.curve ? workload.curve->mean() : *rate) * workload.output_tokens;
  if (capacity.figures != "estimate") {
    s.estimate = capacity.best;
    return s;
  }
  request.load_requests_per_s = *rate / s.replicas / dp;
  const auto e = best_batch(Estimator(perf.model, accelerator, request), limits);
  if (!e) {
    return std::nullopt;
  }
  s.estimate = replicate(*e, dp);
  return s;
}

const CapacityAnswer& CapacityMemo::get(const Accelerator& accelerator, int chips, Precision weights) {
  const auto key = std::make_tuple(&accelerator, chips, weights);
  auto it = m_answers.find(key);
  if (it == m_answers.end()) {
    it = m_answers.emplace(key, replica_capacity(m_perf, m_workload, accelerator, chips, weights)).first;
  }
  return it->second;
}

} // namespace tpuplan
