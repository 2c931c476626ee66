// Named constants and unit conversions. Names carry their unit (DESIGN.md §1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tpuplan {

/// Hours in a billing month: 365 × 24 / 12 = 730, the convention of GCP and AWS
/// pricing pages (and Infracost's monthly figures).
inline constexpr double k_hours_per_month = 730.0;
inline constexpr double k_hours_per_day = 24.0;
inline constexpr double k_seconds_per_hour = 3600.0;

inline constexpr double k_bytes_per_gib = 1024.0 * 1024.0 * 1024.0;
inline constexpr double k_bytes_per_gb = 1e9;
inline constexpr double k_bytes_per_kib = 1024.0;

/// Days billed in a month of `hours_per_month` hours.
constexpr double days_per_month(double hours_per_month) { return hours_per_month / k_hours_per_day; }

/// Dollars per one million tokens at a given hourly cost and sustained token rate.
/// `$ / 1M tokens = usd_per_hour ÷ (tokens_per_s × 3600) × 1e6` (DESIGN.md §2).
constexpr double usd_per_million_tokens(double usd_per_hour, double tokens_per_s) {
  return usd_per_hour / (tokens_per_s * k_seconds_per_hour) * 1e6;
}

/// Numeric precision of weights, KV cache or arithmetic.
/// nvfp4 and mxfp4 are the 4-bit floating-point block formats of FP4 tensor cores (NVIDIA
/// Blackwell): E2M1 elements with an FP8 E4M3 scale per 16 (NVFP4) or an E8M0 scale per 32
/// (OCP MXFP4) — data/sources.yaml nvidia-nvfp4.
enum class Precision { bf16, fp8, int8, int4, nvfp4, mxfp4 };

/// True for the FP4 block formats (they need an FP4 matmul path: Accelerator::fp4_tflops).
constexpr bool is_fp4(Precision p) { return p == Precision::nvfp4 || p == Precision::mxfp4; }

/// Bytes per element of a precision, before any quantisation scale overhead.
constexpr double bytes_per_element(Precision p) {
  switch (p) {
  case Precision::bf16:
    return 2.0;
  case Precision::fp8:
  case Precision::int8:
    return 1.0;
  case Precision::int4:
  case Precision::nvfp4:
  case Precision::mxfp4:
    return 0.5;
  }
  return 2.0;
}

/// "bf16", "fp8", "int8", "int4", "nvfp4", "mxfp4".
std::string_view to_string(Precision p);
/// Parses a precision name; "fp16" and "bfloat16"/"float16" are read as the 16-bit class bf16.
std::optional<Precision> parse_precision(std::string_view name);
/// The accepted precision names, for error messages.
inline constexpr const char* k_precision_names[] = {"bf16", "fp8", "int8", "int4", "nvfp4", "mxfp4"};

} // namespace tpuplan
