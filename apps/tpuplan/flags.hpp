// Flags several commands share (model, memory, pricing, filters) and their parsing into
// library structs with one-line errors.
#pragma once

#include "command.hpp"

#include <tpuplan/data/catalog.hpp>
#include <tpuplan/money/cost.hpp>
#include <tpuplan/model/memory.hpp>
#include <tpuplan/money/pricing.hpp>

#include <string>

namespace tpuplan::app {

/// Text of the memory flags, parsed after CLI11 has run.
struct MemoryFlags {
  std::string precision = "bf16";
  std::string kv_precision = "bf16";
  double context_tokens = 4096;
  double headroom_fraction = MemoryOptions{}.headroom_fraction;
  double overhead_gib_per_chip = MemoryOptions{}.overhead_gib_per_chip;
};

/// Text of the pricing flags.
struct PricingFlags {
  double hours_per_day = 24;
  double hours_per_month = k_hours_per_month;
  double spot_overhead = PricingOptions{}.spot_overhead;
};

/// Text of the offering filters.
struct FilterFlags {
  std::string kind;
  std::string cloud;
  std::string region;
  std::string accelerator;
};

/// --precision, --kv-precision, --context, --headroom, --overhead-gib.
void add_memory_flags(CLI::App& sub, MemoryFlags& flags);
/// --hours, --hours-per-month, --spot-overhead.
void add_pricing_flags(CLI::App& sub, PricingFlags& flags);
/// --hours-per-month, --spot-overhead (for commands that read --hours their own way).
void add_billing_flags(CLI::App& sub, PricingFlags& flags);
/// --kind, --cloud, --region, --accelerator.
void add_filter_flags(CLI::App& sub, FilterFlags& flags);

/// Parses a precision flag value; throws Error(usage) naming the flag.
Precision parse_precision_flag(std::string_view flag, std::string_view value);
/// Parses a tier flag value; throws Error(usage) naming the flag.
Tier parse_tier_flag(std::string_view flag, std::string_view value);

MemoryOptions to_memory_options(const MemoryFlags& flags);
PricingOptions to_pricing_options(const PricingFlags& flags);
OfferingFilter to_filter(const Catalog& catalog, const FilterFlags& flags);

/// Assumptions every cost report lists.
void add_memory_assumptions(Report& report, const MemoryOptions& memory);
void add_pricing_assumptions(Report& report, const PricingOptions& pricing);

} // namespace tpuplan::app
