#include "flags.hpp"

#include <tpuplan/error.hpp>

#include <fmt/format.h>

namespace tpuplan::app {

void add_memory_flags(CLI::App& sub, MemoryFlags& flags) {
  sub.add_option("--precision", flags.precision, "weight precision: bf16, fp8, int8, int4")->capture_default_str();
  sub.add_option("--kv-precision", flags.kv_precision, "KV-cache precision: bf16, fp8, int8")->capture_default_str();
  sub.add_option("--context", flags.context_tokens, "tokens one sequence holds (prompt + output)")
      ->capture_default_str();
  sub.add_option("--headroom", flags.headroom_fraction, "fraction of HBM left free (vLLM's default: 0.10)")
      ->capture_default_str();
  sub.add_option("--overhead-gib", flags.overhead_gib_per_chip, "runtime reserve per chip, GiB")
      ->capture_default_str();
}

void add_pricing_flags(CLI::App& sub, PricingFlags& flags) {
  sub.add_option("--hours", flags.hours_per_day, "hours a day the service runs (0–24)")->capture_default_str();
  sub.add_option("--hours-per-month", flags.hours_per_month, "hours in a billing month")->capture_default_str();
  sub.add_option("--spot-overhead", flags.spot_overhead,
                 "spot: hours lost to preemptions and restarts, as a fraction of the hours used")
      ->capture_default_str();
}

void add_filter_flags(CLI::App& sub, FilterFlags& flags) {
  sub.add_option("--kind", flags.kind, "tpu or gpu");
  sub.add_option("--cloud", flags.cloud, "gcp, aws, or a cloud from --config");
  sub.add_option("--region", flags.region, "a region, e.g. us-central1");
  sub.add_option("--accelerator", flags.accelerator, "accelerator id or alias, e.g. v6e, h100");
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
  m.kv = parse_precision_flag("--kv-precision", flags.kv_precision);
  if (m.kv == Precision::int4) {
    throw Error(ErrorKind::usage, "--kv-precision: int4 KV caches are not modelled", "accepted: bf16, fp8, int8");
  }
  if (!(flags.context_tokens >= 1 && flags.context_tokens <= 1e7)) {
    throw Error(ErrorKind::usage, fmt::format("--context: {} is not a token count from 1 to 10,000,000", flags.context_tokens));
  }
  if (!(flags.headroom_fraction >= 0 && flags.headroom_fraction < 1)) {
    throw Error(ErrorKind::usage, fmt::format("--headroom: {} is not a fraction in [0, 1)", flags.headroom_fraction));
  }
  if (!(flags.overhead_gib_per_chip >= 0)) {
    throw Error(ErrorKind::usage, fmt::format("--overhead-gib: {} is negative", flags.overhead_gib_per_chip));
  }
  m.context_tokens = flags.context_tokens;
  m.headroom_fraction = flags.headroom_fraction;
  m.overhead_gib_per_chip = flags.overhead_gib_per_chip;
  return m;
}

PricingOptions to_pricing_options(const PricingFlags& flags) {
  PricingOptions p;
  p.hours_per_day = flags.hours_per_day;
  p.hours_per_month = flags.hours_per_month;
  p.spot_overhead = flags.spot_overhead;
  validate(p);
  return p;
}

OfferingFilter to_filter(const Catalog& catalog, const FilterFlags& flags) {
  OfferingFilter f;
  if (!flags.kind.empty()) {
    f.kind = parse_accelerator_kind(flags.kind);
  }
  f.cloud = flags.cloud;
  f.region = flags.region;
  f.accelerator = flags.accelerator;
  (void)select_offerings(catalog, f); // names an unknown cloud, region or accelerator before any work
  return f;
}

void add_memory_assumptions(Report& report, const MemoryOptions& memory) {
  report.assumptions.push_back({"context_tokens", memory.context_tokens, "tokens",
                                "tokens one sequence holds (prompt + output); sets max_batch", ""});
  report.assumptions.push_back({"kv_precision", std::string(to_string(memory.kv)), "", "KV-cache precision", ""});
  report.assumptions.push_back({"hbm_headroom_fraction", memory.headroom_fraction, "fraction",
                                "HBM left unallocated", "vLLM default gpu_memory_utilization = 0.90"});
  report.assumptions.push_back({"runtime_overhead_gib_per_chip", memory.overhead_gib_per_chip, "GiB",
                                "activations, compiled programs, CUDA context / TPU runtime",
                                "docs/methodology.md §Memory"});
}

void add_pricing_assumptions(Report& report, const PricingOptions& pricing) {
  report.assumptions.push_back({"hours_per_day", pricing.hours_per_day, "h",
                                "hours a day the service runs; on-demand and spot bill these", ""});
  report.assumptions.push_back({"hours_per_month", pricing.hours_per_month, "h",
                                "billing month; commitments bill every hour of it", "365 × 24 / 12 (GCP, AWS)"});
  report.assumptions.push_back({"spot_overhead", pricing.spot_overhead, "fraction",
                                "spot hours lost to preemptions and restarts (assumed; set --spot-overhead)",
                                "docs/methodology.md §Spot"});
}

} // namespace tpuplan::app
