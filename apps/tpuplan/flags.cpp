#include "flags.hpp"

#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/perf/fidelity.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tpuplan::app {

void add_workload_flags(CLI::App& sub, WorkloadFlags& flags, unsigned loads) {
  flags.input_option = sub.add_option("--input-tokens", flags.input_tokens, "prompt tokens per request (mean)")
                           ->capture_default_str();
  flags.output_option = sub.add_option("--output-tokens", flags.output_tokens, "generated tokens per request (mean)")
                            ->capture_default_str();
  sub.add_option("--lengths", flags.lengths,
                 "request lengths from a file (CSV input_tokens,output_tokens or JSON lines, e.g. bench "
                 "--requests-out): their means, and their variation for queueing");
  if ((loads & k_open_load) != 0) {
    sub.add_option("--rate", flags.rate, "load: requests per second while the service runs");
    sub.add_option("--tokens-per-day", flags.tokens_per_day,
                   "load: input + output tokens a day, arriving during the hours the service runs");
  }
  if ((loads & k_concurrency) != 0) {
    sub.add_option("--concurrency", flags.concurrency, "load: sequences in flight (closed loop)");
  }
  if ((loads & k_curve) != 0) {
    sub.add_option("--load-curve", flags.load_curve,
                   "load by hour: 24 or 168 requests/s values, or a YAML/CSV file, or a Prometheus range-query CSV "
                   "export (docs/workload.md)");
  }
  sub.add_option("--context", flags.context, "tokens each sequence may grow to, reserved in memory (default: input + output)");
  sub.add_option("--ttft-ms", flags.ttft_ms, "time-to-first-token target, ms (at --ttft-percentile)");
  sub.add_option("--tpot-ms", flags.tpot_ms, "time-per-output-token target, ms (at --tpot-percentile)");
  sub.add_option("--slo-percentile", flags.slo_percentile, "share of requests the targets hold for: p50, p90, p95, p99")
      ->capture_default_str();
  sub.add_option("--ttft-percentile", flags.ttft_percentile, "TTFT's percentile, if not --slo-percentile");
  sub.add_option("--tpot-percentile", flags.tpot_percentile, "TPOT's percentile, if not --slo-percentile");
  sub.add_option("--capacity-headroom", flags.capacity_headroom,
                 "share of each replica's SLO capacity kept free for bursts (0.2: plan for 80%)")
      ->capture_default_str();
  sub.add_flag("--n-plus-one", flags.n_plus_one, "one replica more than the load needs (failures, upgrades)");
}

namespace {

double percentile_flag(std::string_view flag, const std::string& value) {
  if (const auto q = parse_percentile(value)) {
    return *q;
  }
  throw Error(ErrorKind::usage, fmt::format("{}: unknown percentile '{}'", flag, value),
              suggestion(value, {"p50", "p90", "p95", "p99"}));
}

} // namespace

Workload to_workload(const WorkloadFlags& f) {
  Workload w;
  w.input_tokens = f.input_tokens;
  w.output_tokens = f.output_tokens;
  if (!f.lengths.empty()) {
    if (lengths_given(f)) {
      throw Error(ErrorKind::usage, "--lengths and --input-tokens/--output-tokens are exclusive",
                  "give the lengths one way");
    }
    w.lengths = load_lengths_file(f.lengths);
    w.input_tokens = w.lengths->input_tokens;
    w.output_tokens = w.lengths->output_tokens;
  }
  w.rate_requests_per_s = f.rate;
  w.tokens_per_day = f.tokens_per_day;
  if (f.concurrency) {
    if (*f.concurrency < 1 || *f.concurrency > k_max_concurrency) {
      throw Error(ErrorKind::usage, fmt::format("--concurrency: {} is out of range", *f.concurrency),
                  fmt::format("accepted: 1 to {} sequences in flight", k_max_concurrency));
    }
    w.concurrency = static_cast<int>(*f.concurrency);
  }
  w.context_tokens = f.context;
  w.slo.ttft_ms = f.ttft_ms;
  w.slo.tpot_ms = f.tpot_ms;
  const double both = percentile_flag("--slo-percentile", f.slo_percentile);
  w.slo.ttft_quantile = f.ttft_percentile.empty() ? both : percentile_flag("--ttft-percentile", f.ttft_percentile);
  w.slo.tpot_quantile = f.tpot_percentile.empty() ? both : percentile_flag("--tpot-percentile", f.tpot_percentile);
  w.capacity_headroom = f.capacity_headroom;
  w.n_plus_one = f.n_plus_one;
  const int loads = int{f.rate.has_value()} + int{f.tokens_per_day.has_value()} + int{f.concurrency.has_value()} +
                    int{!f.load_curve.empty()};
  if (loads > 1) {
    validate(w); // names the clash before any file is read
  }
  if (!f.load_curve.empty()) {
    w.curve = read_curve(f.load_curve, "--load-curve");
  }
  validate(w);
  return w;
}

bool lengths_given(const WorkloadFlags& f) {
  return (f.input_option != nullptr && f.input_option->count() > 0) ||
         (f.output_option != nullptr && f.output_option->count() > 0);
}

void add_workload_inputs(Report& report, const Workload& w) {
  using json = nlohmann::ordered_json;
  auto opt = [](const auto& v) { return v ? json(*v) : json(); };
  json j = json::object();
  j["input_tokens"] = w.input_tokens;
  j["output_tokens"] = w.output_tokens;
  j["lengths_file"] = w.lengths ? json(w.lengths->source) : json();
  if (w.lengths) {
    j["lengths_requests"] = w.lengths->requests;
    j["output_tokens_scv"] = w.lengths->output_scv;
  }
  j["context_tokens"] = w.context();
  j["rate_requests_per_s"] = opt(w.rate_requests_per_s);
  j["tokens_per_day"] = opt(w.tokens_per_day);
  j["concurrency"] = opt(w.concurrency);
  if (w.curve) {
    j["load_curve"] = {{"source", w.curve->source},
                       {"hours", w.curve->requests_per_s.size()},
                       {"peak_requests_per_s", w.curve->peak()},
                       {"mean_requests_per_s", w.curve->mean()},
                       {"requests_per_s", w.curve->requests_per_s}};
  } else {
    j["load_curve"] = json();
  }
  j["ttft_ms"] = opt(w.slo.ttft_ms);
  j["tpot_ms"] = opt(w.slo.tpot_ms);
  j["ttft_percentile"] = percentile_name(w.slo.ttft_quantile);
  j["tpot_percentile"] = percentile_name(w.slo.tpot_quantile);
  j["capacity_headroom"] = w.capacity_headroom;
  j["n_plus_one"] = w.n_plus_one;
  j["comparison"] = w.has_load() ? "equal load" : "per replica";
  report.inputs["workload"] = std::move(j);
}

std::string comparison_basis(const Workload& w, double hours_per_day) {
  if (w.concurrency) {
    return fmt::format("equal load: {} sequences in flight", *w.concurrency);
  }
  if (w.curve) {
    return fmt::format("equal load: the curve's peak, {} requests/s", format_human_number(w.curve->peak(), 2));
  }
  if (const auto r = w.requests_per_s(hours_per_day)) {
    return fmt::format("equal load: {:.4g} requests/s of {} + {} tokens while running {} h/day", *r,
                       format_human_number(w.input_tokens, 0), format_human_number(w.output_tokens, 0),
                       format_human_number(hours_per_day, 2));
  }
  return "per replica (no load given: --rate or --tokens-per-day compares the cost of serving it)";
}

void add_memory_flags(CLI::App& sub, MemoryFlags& flags) {
  sub.add_option("--precision", flags.precision, "weight precision: bf16, fp8, int8, int4, nvfp4, mxfp4 (FP4: accelerators with FP4 tensor cores)")->capture_default_str();
  sub.add_option("--kv-precision", flags.kv_precision,
                 "KV-cache precision: bf16, fp8, int8 (default: the engine's for the weights, data/engines.yaml)");
  sub.add_option("--headroom", flags.headroom_fraction,
                 "fraction of memory left free (default: the engine's, e.g. vLLM 0.10 of HBM)");
  sub.add_option("--overhead-gib", flags.overhead_gib_per_chip, "runtime reserve per chip, GiB")
      ->capture_default_str();
}

void add_pricing_flags(CLI::App& sub, PricingFlags& flags) {
  sub.add_option("--hours", flags.hours_per_day, "hours a day the service runs (0–24)")->capture_default_str();
  add_billing_flags(sub, flags);
}

void add_billing_flags(CLI::App& sub, PricingFlags& flags) {
  sub.add_option("--hours-per-month", flags.hours_per_month, "hours in a billing month")->capture_default_str();
  sub.add_option("--spot-overhead", flags.spot_overhead,
                 "spot: hours lost to preemptions and restarts, as a fraction of the hours used")
      ->capture_default_str();
}

void add_filter_flags(CLI::App& sub, FilterFlags& flags) {
  sub.add_option("--kind", flags.kind, "tpu or gpu");
  sub.add_option("--cloud", flags.cloud, "gcp, aws, or a cloud from --config");
  sub.add_option("--region", flags.region, "a region, e.g. us-central1");
  as_list(sub.add_option("--accelerator", flags.accelerator,
                         "accelerator id or alias, e.g. v6e; a list: v6e,h100 (or repeated)"));
}

Precision parse_precision_flag(std::string_view flag, std::string_view value) {
  if (auto p = parse_precision(value)) {
    return *p;
  }
  throw Error(ErrorKind::usage, fmt::format("{}: unknown precision '{}'", flag, value),
              suggestion(value, {std::begin(k_precision_names), std::end(k_precision_names)}));
}

Tier parse_tier_flag(std::string_view flag, std::string_view value) {
  if (auto t = parse_tier(value)) {
    return *t;
  }
  throw Error(ErrorKind::usage, fmt::format("{}: unknown tier '{}'", flag, value),
              suggestion(value, {"on-demand", "spot", "1y", "3y"}));
}

MemoryOptions to_memory_options(const MemoryFlags& flags) {
  MemoryOptions m;
  m.weights = parse_precision_flag("--precision", flags.precision);
  const EngineSettings user = to_engine_settings(flags);
  m.kv = user.kv.value_or(Precision::bf16);
  m.headroom_fraction = user.headroom_fraction.value_or(m.headroom_fraction);
  if (!(flags.overhead_gib_per_chip >= 0)) {
    throw Error(ErrorKind::usage, fmt::format("--overhead-gib: {} is negative", flags.overhead_gib_per_chip));
  }
  m.overhead_gib_per_chip = flags.overhead_gib_per_chip;
  return m;
}

EngineSettings to_engine_settings(const MemoryFlags& flags) {
  EngineSettings user;
  if (!flags.kv_precision.empty()) {
    user.kv = parse_precision_flag("--kv-precision", flags.kv_precision);
    if (*user.kv == Precision::int4 || is_fp4(*user.kv)) {
      throw Error(ErrorKind::usage, fmt::format("--kv-precision: {} KV caches are not modelled", to_string(*user.kv)),
                  "accepted: bf16, fp8, int8");
    }
  }
  if (flags.headroom_fraction) {
    if (!(*flags.headroom_fraction >= 0 && *flags.headroom_fraction < 1)) {
      throw Error(ErrorKind::usage, fmt::format("--headroom: {} is not a fraction in [0, 1)", *flags.headroom_fraction));
    }
    user.headroom_fraction = flags.headroom_fraction;
  }
  return user;
}

void add_engine_flag(CLI::App& sub, std::string& engine) {
  sub.add_option("--engine", engine,
                 "serving engine: trtllm, vllm, sglang, vllm-tpu, sgl-jax, jetstream, llama.cpp (default: each "
                 "accelerator family's, see docs/methodology.md §Engines)");
}

void set_engine(PerformanceModel& perf, const DataSet& data, const std::string& engine, const EngineSettings& user) {
  perf.engines = data.engines;
  perf.user = user;
  if (!engine.empty()) {
    perf.engine = find_engine(data.engines, engine).id;
  }
}

std::vector<const Accelerator*> filtered_accelerators(const Catalog& catalog, const OfferingFilter& filter) {
  std::vector<const Accelerator*> out;
  for (const Offering* o : select_offerings(catalog, filter)) {
    const Accelerator* a = &catalog.accelerator_of(*o);
    if (std::find(out.begin(), out.end(), a) == out.end()) {
      out.push_back(a);
    }
  }
  return out;
}

void add_engine_report(Report& report, const PerformanceModel& perf, const std::vector<const Accelerator*>& accelerators) {
  if (perf.engines.empty()) {
    return;
  }
  if (!perf.engine.empty()) {
    const Engine& e = find_engine(perf.engines, perf.engine);
    report.inputs["engine"] = e.id;
    for (auto& a : engine_assumptions(e, perf.user)) {
      report.assumptions.push_back(std::move(a));
    }
    return;
  }
  report.inputs["engine"] = "default per accelerator family";
  std::vector<std::string> seen;
  std::string pairs;
  for (const Accelerator* a : accelerators) {
    const Engine* e = default_engine(perf.engines, *a);
    if (e == nullptr || std::find(seen.begin(), seen.end(), a->family) != seen.end()) {
      continue;
    }
    seen.push_back(a->family);
    pairs += fmt::format("{}{} → {}", pairs.empty() ? "" : ", ", a->family, e->id);
  }
  if (!pairs.empty()) {
    report.assumptions.push_back({"engine", pairs, "", "serving engine assumed per accelerator family (--engine "
                                                       "names one)", "data/engines.yaml; docs/methodology.md §Engines"});
  }
}

std::string fp4_note(const Catalog& catalog, Precision weights) {
  std::vector<std::string> with;
  for (const auto& a : catalog.accelerators) {
    if (runs_weights(a, weights)) {
      with.push_back(a.id);
    }
  }
  return fmt::format("{} weights: only accelerators with FP4 tensor cores are compared (catalog fp4_tflops): {}",
                     to_string(weights), with.empty() ? std::string("none in this catalog") : fmt::format("{}", fmt::join(with, ", ")));
}

namespace {
constexpr std::int64_t k_max_tp = 1024; ///< above the largest slice of the catalog (TPU pods of 256–9,216 chips run groups far smaller)
} // namespace

void add_tp_flag(CLI::App& sub, std::optional<std::int64_t>& tp) {
  sub.add_option("--tp", tp,
                 "tensor-parallel degree of each model copy: a replica of N chips runs N/TP copies (default: per "
                 "option, the layout that takes the most load at the SLO; docs/methodology.md §Parallel layouts)");
}

void set_tp(PerformanceModel& perf, const std::optional<std::int64_t>& tp) {
  if (!tp) {
    perf.tp.reset();
    return;
  }
  if (*tp < 1 || *tp > k_max_tp) {
    throw Error(ErrorKind::usage, fmt::format("--tp: {} is out of range", *tp),
                fmt::format("accepted: a tensor-parallel degree from 1 to {}", k_max_tp));
  }
  perf.tp = static_cast<int>(*tp);
}

void add_layout_report(Report& report, const PerformanceModel& perf) {
  report.inputs["tp"] = perf.tp ? nlohmann::ordered_json(*perf.tp) : nlohmann::ordered_json("best per option");
  report.assumptions.push_back(
      {"layout", perf.tp ? fmt::format("TP{}", *perf.tp) : std::string("best per option"), "",
       perf.tp ? fmt::format("--tp {}: every replica runs its chips ÷ {} copies of the model, each tensor-parallel over "
                             "{} chips; options whose chips are not a multiple of {} are left out",
                             *perf.tp, *perf.tp, *perf.tp, *perf.tp)
               : std::string("each replica's chips run as data-parallel copies × a tensor-parallel group (a degree that "
                             "divides the chips and the model's heads), the split that takes the most load at the SLO "
                             "(column layout; --tp forces one)"),
       "docs/methodology.md §Parallel layouts"});
}

void add_confidence_flag(CLI::App& sub, std::string& confidence) {
  sub.add_option("--confidence", confidence,
                 "central (the estimate) or slow: size for the slow end of each estimate's error band (docs/accuracy.md "
                 "§Error band)")
      ->default_str("central");
}

std::vector<Assumption> set_confidence(PerformanceModel& perf, const DataSet& data, const std::string& confidence,
                                       const std::vector<const Accelerator*>& accelerators) {
  if (confidence == "central") {
    return {};
  }
  if (confidence != "slow") {
    throw Error(ErrorKind::usage, fmt::format("--confidence: unknown level '{}'", confidence),
                "accepted: central (the estimate), slow (the slow end of its error band)");
  }
  std::vector<Assumption> out;
  std::vector<std::pair<std::string, std::string>> seen; // engine × family
  ErrorBands bands(data);
  perf.slowdown.clear();
  for (const Accelerator* a : accelerators) {
    if (!perf.serves(*a)) {
      continue;
    }
    const Engine* engine = perf.engine_for(*a);
    const std::string engine_id = engine != nullptr ? engine->id : std::string();
    const ErrorBand band = bands.band(engine_id, *a);
    const double f = std::exp(band.half_width);
    perf.slowdown.emplace_back(a->id, f);
    if (std::find(seen.begin(), seen.end(), std::make_pair(engine_id, a->family)) != seen.end()) {
      continue;
    }
    seen.emplace_back(engine_id, a->family);
    out.push_back({fmt::format("slowdown_{}_{}", a->family, engine_id.empty() ? "none" : engine_id),
                   fmt::format("×{:.3f}", f), "",
                   fmt::format("--confidence slow: every step of {} on the {} family {:.3f}× slower than estimated "
                               "(efficiencies ÷, fixed latencies ×), the slow end of its error band: {}",
                               engine != nullptr ? engine->name : std::string("no engine"), a->family, f, band.basis),
                   "docs/accuracy.md §Error band"});
  }
  return out;
}

void add_confidence_report(Report& report, const std::string& confidence, std::vector<Assumption> assumptions) {
  report.inputs["confidence"] = confidence;
  if (confidence != "slow") {
    return;
  }
  for (auto& a : assumptions) {
    report.assumptions.push_back(std::move(a));
  }
  report.notes.push_back("--confidence slow: sized for the slow end of each estimate's error band (the slowdown_… "
                         "assumptions): throughput ÷ and latency × the band factor, so the SLO's batch is smaller and "
                         "more replicas are planned");
}

PricingOptions to_pricing_options(const PricingFlags& flags) {
  PricingOptions p;
  p.hours_per_day = flags.hours_per_day;
  p.hours_per_month = flags.hours_per_month;
  p.spot_overhead = flags.spot_overhead;
  validate(p);
  return p;
}

namespace {

/// Why no offering matches the filters: an accelerator with no priced offering at all (a
/// preview chip such as TPU7x, listed for its specifications), or filters that exclude every
/// offering there is. Thrown as "nothing meets the request" (exit 3).
[[noreturn]] void throw_no_offering(const Catalog& catalog, const FilterFlags& flags) {
  std::vector<const Accelerator*> named;
  for (const auto& item : split_list(flags.accelerator)) {
    named.push_back(&catalog.accelerator(item));
  }
  std::vector<std::string> unpriced;
  std::string why;
  for (const Accelerator* a : named) {
    OfferingFilter only;
    only.accelerator = a->id;
    if (select_offerings(catalog, only).empty()) {
      unpriced.push_back(a->id);
      if (a->preview && why.empty()) {
        why = fmt::format(" ({} is listed for its specifications only: no public price was found, docs/data.md)",
                          a->name);
      }
    }
  }
  if (!unpriced.empty()) {
    throw Error(ErrorKind::infeasible,
                fmt::format("{} {} no priced offering in the catalog{}", fmt::join(unpriced, ", "),
                            unpriced.size() == 1 ? "has" : "have", why),
                fmt::format("'tpuplan catalog show {}' lists its specifications; a price sheet adds offerings "
                            "(--config with extra_offerings, docs/cli.md)",
                            unpriced.front()));
  }
  std::string filters;
  for (const auto& [flag, value] : {std::pair{"--accelerator", flags.accelerator}, {"--kind", flags.kind},
                                    {"--cloud", flags.cloud}, {"--region", flags.region}}) {
    if (!value.empty()) {
      filters += fmt::format("{}{} {}", filters.empty() ? "" : " ", flag, value);
    }
  }
  std::string hint = "remove a filter; 'tpuplan catalog' lists the offerings";
  if (!named.empty()) {
    std::vector<std::string> regions;
    for (const Accelerator* a : named) {
      OfferingFilter only;
      only.accelerator = a->id;
      for (const Offering* o : select_offerings(catalog, only)) {
        const std::string where = o->cloud + " " + o->region;
        if (std::find(regions.begin(), regions.end(), where) == regions.end()) {
          regions.push_back(where);
        }
      }
    }
    std::sort(regions.begin(), regions.end());
    hint = fmt::format("{} {} offered in: {}", flags.accelerator, named.size() == 1 ? "is" : "are",
                       fmt::join(regions, ", "));
  }
  throw Error(ErrorKind::infeasible, fmt::format("no offering matches {}", filters), hint);
}

} // namespace

OfferingFilter to_filter(const Catalog& catalog, const FilterFlags& flags) {
  OfferingFilter f;
  if (!flags.kind.empty()) {
    f.kind = parse_accelerator_kind(flags.kind);
  }
  f.cloud = flags.cloud;
  f.region = flags.region;
  f.accelerator = flags.accelerator;
  // Names an unknown cloud, region or accelerator before any work, and says why nothing is
  // left when the filters match no offering.
  if (select_offerings(catalog, f).empty()) {
    throw_no_offering(catalog, flags);
  }
  return f;
}

void add_memory_assumptions(Report& report, const MemoryOptions& memory, const EngineSettings& user) {
  report.assumptions.push_back({"context_tokens", memory.context_tokens, "tokens",
                                "tokens each sequence may grow to (--context, default input + output); memory "
                                "reserves them, so they set max_batch",
                                ""});
  if (user.kv) {
    report.assumptions.push_back({"kv_precision", std::string(to_string(memory.kv)), "", "KV-cache precision", ""});
  } else {
    report.assumptions.push_back({"kv_precision", std::string("engine's"), "",
                                  "KV-cache precision: the engine's for the weights (engine assumptions)",
                                  "data/engines.yaml"});
  }
  if (user.headroom_fraction) {
    report.assumptions.push_back({"hbm_headroom_fraction", memory.headroom_fraction, "fraction",
                                  "memory left unallocated (--headroom)", ""});
  } else {
    report.assumptions.push_back({"hbm_headroom_fraction", std::string("engine's"), "",
                                  "memory left unallocated: 1 − the engine's memory fraction (engine assumptions)",
                                  "data/engines.yaml"});
  }
  report.assumptions.push_back({"runtime_overhead_gib_per_chip", memory.overhead_gib_per_chip, "GiB",
                                "activations, compiled programs, CUDA context / TPU runtime",
                                "docs/methodology.md §Memory"});
}

void add_pricing_assumptions(Report& report, const PricingOptions& pricing) {
  report.assumptions.push_back({"hours_per_day", pricing.hours_per_day, "h",
                                "hours a day the service runs; on-demand and spot bill these", ""});
  report.assumptions.push_back({"hours_per_month", pricing.hours_per_month, "h",
                                "billing month; commitments bill every hour of it",
                                pricing.hours_per_month == k_hours_per_month ? "365 × 24 / 12 (GCP, AWS)"
                                                                             : "--hours-per-month"});
  report.assumptions.push_back({"spot_overhead", pricing.spot_overhead, "fraction",
                                "spot hours lost to preemptions and restarts (assumed; set --spot-overhead)",
                                "docs/methodology.md §Spot"});
}

} // namespace tpuplan::app
