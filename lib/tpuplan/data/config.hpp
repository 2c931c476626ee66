// The configuration file (--config FILE or TPUPLAN_CONFIG): extra offerings, price
// overrides, negotiated discounts, and the control-plane backends of the seed's config.yaml.
// Format: docs/cli.md "Configuration file"; an annotated example: examples/config.yaml.
#pragma once

#include <tpuplan/data/catalog.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan::yaml {
class Node;
class Problems;
} // namespace tpuplan::yaml

namespace tpuplan {

/// The config format version this tpuplan reads (`version: 1`; optional in the file).
inline constexpr int k_config_format_version = 1;

/// A serving backend of the control plane, in the shape of the seed's config.yaml.
struct Backend {
  std::string name;                ///< unique: "tpu-gemma-7b"
  std::string type;                ///< "tpu" or "gpu"
  std::string endpoint;            ///< base URL: "http://tpu-vm-internal-ip:8080"
  std::string project_id;          ///< GCP project id; empty when not given
  std::string zone;                ///< "us-central2-b"; empty when not given
  std::optional<int> pod_size;     ///< chips behind the endpoint
  std::optional<double> timeout_s; ///< request timeout in seconds ("30s" in the file)
  std::string where;               ///< "config.yaml:3:5", for messages
};

/// Sets one tier's price of the matching offerings (adding the tier when it was absent).
struct PriceOverride {
  std::string offering; ///< offering id ("v5e-8@us-central1") or name ("v5e-8": every region)
  Tier tier = Tier::on_demand;
  double usd_per_hour = 0; ///< for the whole offering, like every catalog price
  std::string source;      ///< where the price comes from (a quote, a contract, a URL)
  std::string as_of;       ///< YYYY-MM-DD or YYYY-MM; empty when not given
  std::string where;       ///< "config.yaml:12:5"
};

/// A negotiated discount: matching prices become price × (1 − fraction).
struct Discount {
  std::string cloud;        ///< "gcp"; empty = any cloud
  std::string offering;     ///< offering id or name; empty = any offering of the cloud
  std::optional<Tier> tier; ///< absent = every tier
  double fraction = 0;      ///< 0 ≤ fraction < 1
  std::string source;       ///< the agreement it comes from
  std::string as_of;        ///< empty when not given
  std::string where;        ///< "config.yaml:20:5"

  /// Specificity when several discounts match one price: offering beats cloud, a tier
  /// beats every tier. The most specific discount applies; discounts never stack.
  int specificity() const { return (offering.empty() ? 0 : 2) + (tier ? 1 : 0); }
};

/// A configuration file, read and checked against the catalog it will be applied to.
struct Config {
  std::string origin; ///< the file read; empty for no config
  std::vector<Offering> extra_offerings;
  std::vector<PriceOverride> price_overrides;
  std::vector<Discount> discounts;
  std::vector<Backend> backends;
  /// `max_price_age_days`: reports note prices older than this (price_age.hpp); absent = the
  /// default, 180.
  std::optional<int> max_price_age_days;
  std::string max_price_age_where; ///< "config.yaml:2:1" of that key
};

/// Reads a config file, checking every reference against `catalog`; throws Error(input)
/// (yaml::ProblemsError) whose message is the first problem and which lists them all.
Config load_config(const std::filesystem::path& path, const Catalog& catalog);
/// Reads a config file and records every problem in `problems` instead of throwing.
Config read_config_file(const std::filesystem::path& path, const Catalog& catalog, yaml::Problems& problems);
/// Reads a parsed config document; `base_dir` resolves relative extra-offering file paths,
/// whose problems go to `problems` like those of `root`.
Config read_config(const yaml::Node& root, const std::filesystem::path& base_dir, const Catalog& catalog,
                   yaml::Problems& problems);

/// Applies a config to the catalog, in this order (docs/cli.md): extra offerings are added;
/// price overrides replace (or add) a tier's price, an override naming an offering id beating
/// one naming its name; discounts then scale the resulting prices, the most specific
/// discount of each price applying. Absent prices stay absent. Each changed Price says how
/// in `derived` and where in the config the change comes from.
void apply_config(const Config& config, Catalog& catalog);

/// Parses a duration "30s", "500ms", "2m", "1h" (a number and a unit) into seconds.
std::optional<double> parse_duration_s(std::string_view text);

} // namespace tpuplan
