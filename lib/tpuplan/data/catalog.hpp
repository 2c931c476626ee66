// Accelerators (specs) and offerings (what a user rents, with prices by tier).
#pragma once

#include <tpuplan/units.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// TPU or GPU.
enum class AcceleratorKind { tpu, gpu };
std::string_view to_string(AcceleratorKind kind);

/// Per-chip specifications of one accelerator type. Figures are dense (no sparsity).
struct Accelerator {
  std::string id;     ///< short id users type: "v5e", "h100", "a100-40gb"
  std::string name;   ///< display name: "TPU v5e", "NVIDIA H100 80GB SXM"
  AcceleratorKind kind = AcceleratorKind::tpu;
  std::string vendor; ///< "google", "nvidia", "amd"
  std::string family; ///< calibration family: accelerators of one family share efficiency factors
  std::vector<std::string> aliases; ///< other spellings accepted on the command line
  double hbm_gib = 0;               ///< memory capacity per chip, GiB
  double hbm_tb_per_s = 0;          ///< memory bandwidth per chip, TB/s (1e12 B/s)
  double bf16_tflops = 0;           ///< dense BF16 peak, TFLOP/s
  std::optional<double> fp8_tflops; ///< dense FP8 peak; absent where the chip has no FP8 path
  std::optional<double> int8_tops;  ///< dense INT8 peak; absent where not published
  std::optional<double> fp4_tflops; ///< dense FP4 peak (NVFP4 and MXFP4); absent where the chip has no FP4 path
  /// Interconnect bandwidth per chip, GB/s, **one direction** (tpuplan's convention;
  /// Google's "bidirectional" figures are halved, NVLink totals are halved).
  double interconnect_gb_per_s = 0;
  std::string interconnect;         ///< "ICI 2D torus", "NVLink4", "PCIe Gen4 x16"
  int tensorcores_per_chip = 1;     ///< TPU TensorCores per chip (slice names count these for v2–v4, v5p)
  int chips_per_host = 8;           ///< chips attached to one host VM
  bool preview = false;             ///< listed for reference; no public price
  std::string source;               ///< where the specs come from
  std::string as_of;                ///< date the source was read or published (YYYY-MM-DD or YYYY-MM)
  std::string notes;
};

/// False for FP4 weights on an accelerator without an FP4 path (no fp4_tflops): those formats
/// need FP4 tensor cores; every other precision runs everywhere (int4 weight-only on bf16 math).
inline bool runs_weights(const Accelerator& a, Precision weights) {
  return !is_fp4(weights) || (a.fp4_tflops && *a.fp4_tflops > 0);
}

/// Pricing tiers.
enum class Tier { on_demand = 0, spot = 1, commit_1y = 2, commit_3y = 3 };
inline constexpr std::array<Tier, 4> k_all_tiers = {Tier::on_demand, Tier::spot, Tier::commit_1y,
                                                   Tier::commit_3y};
/// "on-demand", "spot", "1y", "3y" (the spelling of flags and the suffix of column keys,
/// where "-" becomes "_").
std::string_view to_string(Tier tier);
std::optional<Tier> parse_tier(std::string_view name);
/// True for 1y/3y commitments, which bill every hour of the month.
constexpr bool bills_every_hour(Tier tier) { return tier == Tier::commit_1y || tier == Tier::commit_3y; }

/// One hourly price with its provenance.
struct Price {
  double usd_per_hour = 0;  ///< for the whole offering (all chips, and the host where `covers` says so)
  std::string source;       ///< URL or catalog reference
  std::string as_of;        ///< date of the figure (YYYY-MM-DD or YYYY-MM)
  std::string derived;      ///< non-empty when computed from sourced figures: says how
};

/// What a user rents: an accelerator × chips × hosts in a cloud region, with prices by tier.
struct Offering {
  std::string id;          ///< unique: "<name>@<region>", e.g. "v5e-8@us-central1"
  std::string name;        ///< the provider's name: "v5e-8", "a3-highgpu-8g", "p5.48xlarge"
  std::string cloud;       ///< "gcp", "aws", or a config-defined cloud ("on-prem")
  std::string region;      ///< "us-central1", "us-east-1"
  std::string accelerator; ///< Accelerator::id
  int chips = 0;           ///< accelerator chips (GPUs) in the offering
  int hosts = 1;           ///< host VMs the chips are spread over
  std::array<std::optional<Price>, 4> prices; ///< indexed by Tier; absent = no sourced price
  std::string covers;      ///< what the price covers, e.g. "TPU slice incl. TPU VM hosts"
  std::string notes;

  const std::optional<Price>& price(Tier tier) const { return prices[static_cast<std::size_t>(tier)]; }
  std::optional<Price>& price(Tier tier) { return prices[static_cast<std::size_t>(tier)]; }
};

/// Every accelerator and offering tpuplan knows.
struct Catalog {
  std::vector<Accelerator> accelerators;
  std::vector<Offering> offerings;

  /// The accelerator with this id or alias (case-insensitive), or nullptr.
  const Accelerator* find_accelerator(std::string_view id_or_alias) const;
  /// The accelerator with this id or alias; throws Error(usage) with a suggestion.
  const Accelerator& accelerator(std::string_view id_or_alias) const;
  /// The accelerator of an offering (the catalog guarantees it exists).
  const Accelerator& accelerator_of(const Offering& offering) const;
  /// The offering with this id, or nullptr.
  const Offering* find_offering(std::string_view id) const;
  /// Offerings whose id is `key` or whose name is `key` (all regions).
  std::vector<const Offering*> match_offerings(std::string_view key) const;
  /// Sorted unique lists, for suggestions and validation.
  std::vector<std::string> accelerator_ids() const;
  std::vector<std::string> regions() const;
  std::vector<std::string> clouds() const;
  std::vector<std::string> offering_names() const;
};

/// Chips in a Cloud TPU slice named by Google's rule: after v2–v4 and v5p the number counts
/// TensorCores (2 per chip: v4-8 = 4 chips); after v5e ("v5litepod") and v6e it counts chips.
/// Returns nullopt when `slice_name` is not a TPU slice name.
std::optional<int> tpu_slice_chips(std::string_view slice_name);

} // namespace tpuplan
