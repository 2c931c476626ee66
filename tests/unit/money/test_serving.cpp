#include <tpuplan/money/serving.hpp>

#include <tpuplan/error.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

Accelerator h100() {
  Accelerator a;
  a.id = "h100";
  a.kind = AcceleratorKind::gpu;
  a.family = "nvidia-hopper";
  a.hbm_gib = 80;
  a.hbm_tb_per_s = 3.35;
  a.bf16_tflops = 989;
  a.interconnect_gb_per_s = 450;
  return a;
}

PerformanceModel perf() {
  PerformanceModel p;
  p.model = test::llama_3_1_8b();
  return p;
}

Workload workload() {
  Workload w;
  w.input_tokens = 500;
  w.output_tokens = 200;
  return w;
}

} // namespace

TEST_CASE("without a TTFT target a replica takes a load up to its throughput at the best batch", "[serving]") {
  const auto a = replica_capacity(perf(), workload(), h100(), 1, Precision::bf16);
  REQUIRE(a.capacity);
  EstimateRequest r = perf().request(h100(), 1, Precision::bf16, workload());
  const Estimator e(perf().model, h100(), r);
  CHECK(a.capacity->best.batch == e.max_batch());
  CHECK(a.capacity->max_requests_per_s == Approx(e.at(e.max_batch()).requests_per_s));
  CHECK(a.capacity->max_requests_per_s < a.capacity->best.requests_per_s); // strictly: a full queue never drains
}

TEST_CASE("with a TTFT target the capacity is the highest load whose TTFT percentile meets it", "[serving]") {
  Workload w = workload();
  w.slo.ttft_ms = 400;
  w.slo.ttft_quantile = 0.9;
  const PerformanceModel p = perf();
  const auto a = replica_capacity(p, w, h100(), 1, Precision::bf16);
  REQUIRE(a.capacity);
  const double cap = a.capacity->max_requests_per_s;
  CHECK(cap < a.capacity->best.requests_per_s);
  EstimateRequest r = p.request(h100(), 1, Precision::bf16, w);
  const BatchLimits limits{w.slo.ttft_ms, w.slo.tpot_ms, std::nullopt};
  r.load_requests_per_s = cap * 0.999;
  const auto within = best_batch(Estimator(p.model, h100(), r), limits);
  REQUIRE(within);
  CHECK(*within->slo_ttft_ms() <= 400);
  r.load_requests_per_s = cap * 1.05;
  CHECK_FALSE(best_batch(Estimator(p.model, h100(), r), limits)); // beyond it no batch keeps p90 TTFT ≤ 400 ms
}

TEST_CASE("replicas cover the load at the planned capacity, with headroom and N+1", "[serving]") {
  ReplicaCapacity c;
  c.max_requests_per_s = 4;
  c.planned_requests_per_s = 4;
  Workload w;
  CHECK(replicas_for(0, c, w) == 0);
  CHECK(replicas_for(0.1, c, w) == 1);
  CHECK(replicas_for(12, c, w) == 3); // exactly three replicas' worth: not four
  CHECK(replicas_for(12.01, c, w) == 4);
  w.n_plus_one = true;
  CHECK(replicas_for(12, c, w) == 4);
  w.n_plus_one = false;
  c.planned_requests_per_s = 4 * 0.8;
  CHECK(replicas_for(12, c, w) == 4);
}

TEST_CASE("an option that misses the TPOT target at batch 1 has no capacity and says by how much", "[serving]") {
  Workload w = workload();
  w.slo.tpot_ms = 1;
  const auto a = replica_capacity(perf(), w, h100(), 1, Precision::bf16);
  CHECK_FALSE(a.capacity);
  CHECK(a.reason == RejectReason::misses_tpot);
  CHECK(a.shortfall > 1);
  Accelerator bare = h100();
  bare.bf16_tflops = 0;
  const auto unknown = replica_capacity(perf(), workload(), bare, 1, Precision::bf16);
  CHECK_FALSE(unknown.capacity);
  CHECK(unknown.problem.find("bf16_tflops") != std::string::npos);
}

TEST_CASE("serving a load: replicas, the operating point under its share, the load's tokens", "[serving]") {
  Workload w = workload();
  w.rate_requests_per_s = 30;
  const PerformanceModel p = perf();
  const auto a = replica_capacity(p, w, h100(), 1, Precision::bf16);
  REQUIRE(a.capacity);
  const auto s = serve(p, w, h100(), 1, Precision::bf16, *a.capacity, 24);
  REQUIRE(s);
  CHECK(s->replicas == replicas_for(30, *a.capacity, w));
  CHECK(s->served_output_tokens_per_s == Approx(30 * 200));
  REQUIRE(s->estimate.utilization);
  CHECK(*s->estimate.utilization < 1);
  // A closed loop of 3 × the best batch spreads over three replicas.
  Workload closed = workload();
  closed.concurrency = 3 * a.capacity->best.batch;
  const auto c = serve(p, closed, h100(), 1, Precision::bf16, *a.capacity, 24);
  REQUIRE(c);
  CHECK(c->replicas == 3);
  CHECK(c->estimate.batch == a.capacity->best.batch);
}

TEST_CASE("a slowdown makes every step f times slower: throughput ÷ f, latencies × f, the SLO's batch smaller",
          "[serving]") {
  const Workload w = workload();
  PerformanceModel slow = perf();
  slow.slowdown = {{"h100", 1.5}, {"other", 3.0}};
  CHECK(slow.slowdown_for(h100()) == 1.5);
  CHECK(perf().slowdown_for(h100()) == 1);
  const Estimator base(perf().model, h100(), perf().request(h100(), 1, Precision::bf16, w));
  const Estimator slowed(slow.model, h100(), slow.request(h100(), 1, Precision::bf16, w));
  for (int batch : {1, 8, 64}) {
    INFO(batch);
    const Estimate a = base.at(batch);
    const Estimate b = slowed.at(batch);
    CHECK(b.output_tokens_per_s == Approx(a.output_tokens_per_s / 1.5).epsilon(1e-9));
    CHECK(b.tpot_ms == Approx(a.tpot_ms * 1.5).epsilon(1e-9));
    CHECK(b.prefill_ms == Approx(a.prefill_ms * 1.5).epsilon(1e-9));
  }
  // With a TPOT target the slower replica runs a smaller batch, and serves less than ÷ f.
  Workload limited = w;
  limited.slo.tpot_ms = 2.0 * base.at(32).tpot_ms;
  const auto fast_cap = replica_capacity(perf(), limited, h100(), 1, Precision::bf16);
  const auto slow_cap = replica_capacity(slow, limited, h100(), 1, Precision::bf16);
  REQUIRE(fast_cap.capacity);
  REQUIRE(slow_cap.capacity);
  CHECK(slow_cap.capacity->best.batch < fast_cap.capacity->best.batch);
  CHECK(slow_cap.capacity->max_requests_per_s < fast_cap.capacity->max_requests_per_s / 1.5);
}

TEST_CASE("layouts: the tensor-parallel degrees divide the chips and the heads — --tp forces one", "[serving][layout]") {
  ModelSpec m = test::llama_3_1_8b(); // 32 query heads
  CHECK(tensor_parallel_degrees(m, 8) == std::vector<int>{8, 4, 2, 1});
  CHECK(tensor_parallel_degrees(m, 6) == std::vector<int>{6, 2, 1}); // 32 % 3 ≠ 0; all six chips as one group stays
  m.heads = 6;
  CHECK(tensor_parallel_degrees(m, 8) == std::vector<int>{8, 2, 1});
  CHECK(tensor_parallel_degrees(m, 8, 4) == std::vector<int>{4});
  CHECK(tensor_parallel_degrees(m, 8, 3).empty());
  CHECK(tensor_parallel_degrees(m, 8, 16).empty());
  PerformanceModel p = perf();
  CHECK(p.holds_layout(6));
  p.tp = 4;
  CHECK(p.holds_layout(8));
  CHECK_FALSE(p.holds_layout(6));
  const auto a = replica_capacity(p, workload(), h100(), 6, Precision::bf16);
  CHECK_FALSE(a.capacity);
  CHECK(a.problem.find("--tp 4 does not divide") != std::string::npos);
  CHECK(to_string(Layout{8, 1}) == "TP8");
  CHECK(to_string(Layout{2, 4}) == "4×TP2");
  CHECK(to_string(Layout{}).empty());
}

TEST_CASE("kind 4: eight chips holding a small model serve it as copies, not as one all-reducing group",
          "[serving][layout]") {
  // One TP8 group pays two all-reduces per layer every step; eight TP1 copies pay none and
  // each runs the one-chip replica's best batch: the chosen layout is the copies, with eight
  // times one chip's capacity, above what the forced TP8 group takes.
  const Workload w = workload();
  const PerformanceModel p = perf();
  const auto one = replica_capacity(p, w, h100(), 1, Precision::bf16);
  const auto eight = replica_capacity(p, w, h100(), 8, Precision::bf16);
  REQUIRE(one.capacity);
  REQUIRE(eight.capacity);
  CHECK(eight.capacity->layout.tp * eight.capacity->layout.dp == 8);
  CHECK(eight.capacity->layout.tp < 8);
  PerformanceModel forced = p;
  forced.tp = 8;
  const auto tp8 = replica_capacity(forced, w, h100(), 8, Precision::bf16);
  REQUIRE(tp8.capacity);
  CHECK(tp8.capacity->layout.tp == 8);
  CHECK(tp8.capacity->layout.dp == 1);
  CHECK(eight.capacity->max_requests_per_s > tp8.capacity->max_requests_per_s);
  forced.tp = 1;
  const auto tp1 = replica_capacity(forced, w, h100(), 8, Precision::bf16);
  REQUIRE(tp1.capacity);
  CHECK(tp1.capacity->max_requests_per_s == Approx(8 * one.capacity->max_requests_per_s).epsilon(1e-12));
  CHECK(tp1.capacity->best.batch == 8 * one.capacity->best.batch);
  CHECK(tp1.capacity->best.output_tokens_per_s == Approx(8 * one.capacity->best.output_tokens_per_s).epsilon(1e-12));
  CHECK(tp1.capacity->best.tpot_ms == Approx(one.capacity->best.tpot_ms).epsilon(1e-12)); // each copy's latency
  CHECK(eight.capacity->max_requests_per_s >= tp1.capacity->max_requests_per_s);
}

TEST_CASE("layouts: a copy must hold the weights — a load is spread over replicas × copies", "[serving][layout]") {
  PerformanceModel p;
  p.model = test::llama_3_1_70b(); // 141 GB of bf16 weights: two H100s at least
  Workload w = workload();
  const auto a = replica_capacity(p, w, h100(), 8, Precision::bf16);
  REQUIRE(a.capacity);
  CHECK(a.capacity->layout.tp >= 2);
  PerformanceModel forced = p;
  forced.tp = 1;
  const auto tp1 = replica_capacity(forced, w, h100(), 8, Precision::bf16);
  CHECK_FALSE(tp1.capacity); // one chip does not hold it
  // Under a load, each copy takes its share: the replicas are those the whole capacity needs.
  w.rate_requests_per_s = 3 * a.capacity->planned_requests_per_s;
  const auto s = serve(p, w, h100(), 8, Precision::bf16, *a.capacity, 24);
  REQUIRE(s);
  CHECK(s->replicas == 3);
  CHECK(s->served_output_tokens_per_s == Approx(*w.rate_requests_per_s * w.output_tokens));
  REQUIRE(s->estimate.utilization);
  CHECK(*s->estimate.utilization < 1);
  CHECK(s->estimate.batch % a.capacity->layout.dp == 0); // every copy runs the same batch
  // A closed loop of one copy's best batch needs one replica, and is spread over its copies.
  Workload closed = workload();
  closed.concurrency = a.capacity->best.batch / a.capacity->layout.dp;
  const auto c = serve(p, closed, h100(), 8, Precision::bf16, *a.capacity, 24);
  REQUIRE(c);
  CHECK(c->replicas == 1);
  CHECK(c->estimate.batch >= *closed.concurrency);
  CHECK(c->estimate.batch < *closed.concurrency + a.capacity->layout.dp);
  CHECK(c->served_output_tokens_per_s < a.capacity->best.output_tokens_per_s);
}
