// Selecting from the catalog what a command lists: offerings filtered by kind, accelerator,
// region and cloud (the flags of `tpuplan catalog`, reusable by cost and size), and the
// entry `tpuplan catalog show ID` names.
#pragma once

#include <tpuplan/data/catalog.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// Which offerings to list; an empty criterion matches everything.
struct OfferingFilter {
  std::optional<AcceleratorKind> kind;
  std::string accelerator; ///< accelerator id or alias, or a comma list of them ("v6e,h100")
  std::string region;      ///< exact region, case-insensitive
  std::string cloud;       ///< "gcp", "aws", …
};

/// "tpu" or "gpu" (case-insensitive); throws Error(usage) with a suggestion otherwise.
AcceleratorKind parse_accelerator_kind(std::string_view text);

/// The offerings matching every criterion of `filter`, ordered by accelerator (in catalog
/// order: TPUs first as data/accelerators.yaml lists them), chips, cloud, region and name.
/// Throws Error(usage) with "did you mean" for an accelerator, region or cloud the catalog
/// does not know; a known combination that matches nothing gives an empty list.
std::vector<const Offering*> select_offerings(const Catalog& catalog, const OfferingFilter& filter);

/// What `catalog show ID` names.
struct CatalogEntry {
  const Accelerator* accelerator = nullptr; ///< set when ID named an accelerator
  std::vector<const Offering*> offerings;   ///< the offering, all regions of a name, or the accelerator's
};

/// Resolves, in this order, an offering id ("v5e-8@us-central1"), an offering name in all
/// regions ("v5e-8") or an accelerator id or alias ("h100"), case-insensitively. Throws
/// Error(usage) "unknown offering or accelerator" with a suggestion otherwise.
CatalogEntry find_catalog_entry(const Catalog& catalog, std::string_view id);

} // namespace tpuplan
