// Reads a SkyPilot catalog directory (schema v8: `<cloud>/vms.csv`, what `sky` keeps under
// ~/.sky/catalogs/v8/, or a checkout of skypilot-catalog) into tpuplan offerings, and writes
// them in tpuplan's offerings format or overlays them on a catalog. Rows tpuplan cannot use
// are skipped and counted by reason. Format and rules: docs/data.md "Importing a SkyPilot
// catalog".
#pragma once

#include <tpuplan/data/catalog.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace tpuplan {

struct SkyPilotImportOptions {
  /// The date stamped on every price; empty = each file's modification date (UTC), the day
  /// the copy was taken (`sky` re-downloads its catalog every few hours).
  std::string as_of;
  /// Where the directory is published, e.g.
  /// https://github.com/skypilot-org/skypilot-catalog/blob/<commit>/catalogs/v8: each price's
  /// source is this + "/<cloud>/vms.csv". Empty = the file's absolute path as a file:// URL.
  std::string source_url;
};

/// One vms.csv read.
struct SkyPilotFile {
  std::string cloud;        ///< "gcp", "aws", "azure"
  std::string path;         ///< as found
  std::string source;       ///< what each price cites
  std::string as_of;        ///< the date stamped on its prices
  std::size_t rows = 0;     ///< data rows (header excluded)
  std::size_t used = 0;     ///< rows that gave a price
  std::size_t offerings = 0;
};

/// Rows of one file skipped for one reason.
struct SkippedRows {
  std::string path;
  std::string reason;                 ///< "unknown accelerator", "placeholder price 700.0", …
  std::size_t rows = 0;
  std::vector<std::string> examples;  ///< up to 3, "line 12: T4"
};

struct SkyPilotImport {
  std::vector<Offering> offerings;    ///< sorted by id
  std::vector<SkyPilotFile> files;
  std::vector<SkippedRows> skipped;   ///< by file, then by count (largest first)
  std::vector<std::string> ignored;   ///< cloud directories not read ("lambda/vms.csv")

  std::size_t skipped_rows() const;
};

/// The directory to read: DIR itself when it holds `<cloud>/vms.csv`, DIR/catalogs/v8 (a
/// checkout), or DIR's parent when DIR is one cloud's directory (holds vms.csv). Throws
/// Error(input) naming what was looked for when none holds a vms.csv.
std::filesystem::path skypilot_catalog_root(const std::filesystem::path& dir);

/// Reads every supported cloud's vms.csv (gcp, aws, azure) under `dir`. Throws Error(input)
/// when no file yields an offering ("nothing usable"), naming the skipped rows' reasons.
SkyPilotImport import_skypilot_catalog(const std::filesystem::path& dir, const std::vector<Accelerator>& accelerators,
                                       const SkyPilotImportOptions& options = {});

/// The offerings of one cloud in tpuplan's offerings-file format (docs/data.md), with a
/// header comment naming the import; each price cites its source URL and date.
std::string offerings_yaml(const std::vector<Offering>& offerings, const std::string& cloud,
                           const std::string& header_comment);

/// Overlays imported offerings on `catalog`: an offering with an id the catalog has replaces
/// that offering's tiers the import priced (on-demand, spot), keeping its other tiers; a new
/// id is added. Returns {replaced, added}.
std::pair<std::size_t, std::size_t> overlay_offerings(Catalog& catalog, const std::vector<Offering>& imported);

} // namespace tpuplan
