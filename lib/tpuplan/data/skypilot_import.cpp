#include <tpuplan/data/skypilot_import.hpp>

#include <tpuplan/data/price_age.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

namespace tpuplan {

namespace fs = std::filesystem;

namespace {

// ---- CSV (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) --------

struct CsvRow {
  std::size_t line = 0; ///< 1-based line of the row's start
  std::vector<std::string> fields;
};

std::vector<CsvRow> parse_csv(const std::string& text) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false;
  bool any = false; // the current row has content
  std::size_t line = 1;
  row.line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        line += c == '\n' ? 1 : 0;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.fields.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      if (any || !field.empty()) {
        row.fields.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      field.clear();
      row = CsvRow{};
      any = false;
      ++line;
      row.line = line;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.fields.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<double> parse_number(std::string_view s) {
  s = detail::trim(s);
  if (s.empty()) {
    return std::nullopt;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

/// SkyPilot's GCP fetcher writes 700.0 where the SKU API has no TPU price (TPU_V6E_MAX_PRICE).
constexpr double k_placeholder_price = 700.0;

/// Why a price cell is unusable, or empty when it is a price.
std::string price_problem(const std::string& cell, std::optional<double>& value) {
  value = parse_number(cell);
  if (detail::trim(cell).empty()) {
    return "no on-demand price";
  }
  if (!value) {
    return "price is not a number";
  }
  if (*value == k_placeholder_price) {
    return "placeholder price 700.0";
  }
  if (*value <= 0) {
    return "price 0 or below";
  }
  return {};
}

/// A spot price when the cell holds a real one.
std::optional<double> spot_price(const std::string& cell) {
  const auto v = parse_number(cell);
  if (!v || *v <= 0 || *v == k_placeholder_price) {
    return std::nullopt;
  }
  return v;
}

/// Google Compute Engine machine types with attached GPUs, by GPU and count: the GPU is part
/// of the machine type's name (A2: A100, A3: H100/H200, A4: B200, G2: L4), so the VM's price is
/// the host row plus the GPU row of the same zone.
struct GcpGpuMachine {
  std::string_view gpu; ///< SkyPilot's AcceleratorName
  int count;
  std::string_view machine;
};
constexpr GcpGpuMachine k_gcp_gpu_machines[] = {
    {"A100", 1, "a2-highgpu-1g"},       {"A100", 2, "a2-highgpu-2g"},       {"A100", 4, "a2-highgpu-4g"},
    {"A100", 8, "a2-highgpu-8g"},       {"A100", 16, "a2-megagpu-16g"},     {"A100-80GB", 1, "a2-ultragpu-1g"},
    {"A100-80GB", 2, "a2-ultragpu-2g"}, {"A100-80GB", 4, "a2-ultragpu-4g"}, {"A100-80GB", 8, "a2-ultragpu-8g"},
    {"H100", 1, "a3-highgpu-1g"},       {"H100", 2, "a3-highgpu-2g"},       {"H100", 4, "a3-highgpu-4g"},
    {"H100", 8, "a3-highgpu-8g"},       {"H100-MEGA", 8, "a3-megagpu-8g"},  {"H200", 8, "a3-ultragpu-8g"},
    {"B200", 8, "a4-highgpu-8g"},       {"L4", 1, "g2-standard-4"},         {"L4", 1, "g2-standard-8"},
    {"L4", 1, "g2-standard-12"},        {"L4", 1, "g2-standard-16"},        {"L4", 1, "g2-standard-32"},
    {"L4", 2, "g2-standard-24"},        {"L4", 4, "g2-standard-48"},        {"L4", 8, "g2-standard-96"},
};

/// SkyPilot accelerator names that are no tpuplan id or alias.
const std::map<std::string, std::string, std::less<>> k_accelerator_names = {{"h100-mega", "h100"}};

/// Instance types whose catalog row is known to be wrong, with the fact that corrects it.
struct KnownCount {
  std::string_view cloud, instance; ///< lower case
  int gpus;
  std::string_view source;
};
constexpr KnownCount k_known_counts[] = {
    // SkyPilot's Azure fetcher counts 12 (skypilot-org/skypilot-catalog pull request 50).
    {"azure", "standard_nd96isr_h100_v5", 8, "Microsoft's VM size list"},
    {"azure", "standard_nd96is_h100_v5", 8, "Microsoft's VM size list"},
};

/// A reason to skip an instance whose accelerator name covers a different part than the
/// catalog's accelerator of that name; empty when it is the same part.
std::string other_part(std::string_view cloud, std::string_view instance) {
  if (cloud != "azure" || instance.rfind("standard_nc", 0) != 0) {
    return {};
  }
  if (instance.size() >= 8 && instance.substr(instance.size() - 8) == "_h100_v5") {
    return "a different part (NC H100 v5 is the H100 NVL 94 GB, not the H100 SXM of 'h100')";
  }
  if (instance.find("_a100_v4") != std::string_view::npos) {
    return "a different part (NC A100 v4 is the A100 80GB PCIe, not the SXM part of 'a100-80gb')";
  }
  return {};
}

/// The zone candidates of one offering in one region.
struct Candidate {
  std::string zone;
  double on_demand = 0;
  std::optional<double> spot;
  std::string what; ///< the rows it comes from, for `derived`
};

struct Group {
  const Accelerator* accelerator = nullptr;
  std::string name, region, covers;
  int chips = 0;
  int hosts = 1;
  std::vector<Candidate> candidates;
  std::vector<std::string> notes; ///< corrections made to its rows, each once
  void note(std::string text) {
    if (std::find(notes.begin(), notes.end(), text) == notes.end()) {
      notes.push_back(std::move(text));
    }
  }
};

class FileReader {
public:
  FileReader(SkyPilotImport& out, const std::vector<Accelerator>& accelerators, SkyPilotFile file)
      : m_out(out), m_accelerators(accelerators), m_file(std::move(file)) {}

  void read(const std::string& text) {
    auto rows = parse_csv(text);
    if (rows.empty()) {
      skip("empty file (no header)", 0, "");
      finish();
      return;
    }
    const auto& header = rows.front().fields;
    for (std::size_t i = 0; i < header.size(); ++i) {
      m_columns[std::string(detail::trim(header[i]))] = i;
    }
    m_file.rows = rows.size() - 1;
    const bool gcp = m_file.cloud == "gcp";
    std::vector<std::string> required = {"InstanceType", "AcceleratorName", "AcceleratorCount", "Region", "Price",
                                         "SpotPrice"};
    if (gcp) {
      required.push_back("AvailabilityZone");
    }
    for (const auto& column : required) {
      if (!m_columns.count(column)) {
        // Nothing of the file can be read: every row is skipped for the first missing column.
        skip(fmt::format("missing column '{}'", column), m_file.rows,
             fmt::format("header: {}", rows.front().fields.empty() ? "" : fmt::format("{}", fmt::join(header, ","))));
        finish();
        return;
      }
    }
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto& row = rows[r];
      if (row.fields.size() != header.size()) {
        skip("malformed row (field count differs from the header)", 1, fmt::format("line {}", row.line));
        continue;
      }
      gcp ? gcp_row(row) : instance_row(row);
    }
    if (gcp) {
      join_gcp_gpus();
    }
    finish();
  }

private:
  const std::string& cell(const CsvRow& row, const char* column) const {
    static const std::string empty;
    const auto it = m_columns.find(column);
    return it == m_columns.end() ? empty : row.fields[it->second];
  }

  void skip(const std::string& reason, std::size_t rows, const std::string& example) {
    auto& s = m_skipped[reason];
    s.rows += rows;
    if (!example.empty() && s.examples.size() < 3) {
      s.examples.push_back(example);
    }
  }

  const Accelerator* find_accelerator(std::string name) const {
    name = detail::ascii_lower(name);
    if (const auto it = k_accelerator_names.find(name); it != k_accelerator_names.end()) {
      name = it->second;
    }
    for (const auto& a : m_accelerators) {
      if (a.id == name || std::find(a.aliases.begin(), a.aliases.end(), name) != a.aliases.end()) {
        return &a;
      }
    }
    return nullptr;
  }

  Group& group(const Accelerator* a, const std::string& name, const std::string& region, int chips,
               const std::string& covers) {
    const std::string key = name + "@" + region;
    auto [it, added] = m_groups.try_emplace(key);
    if (added) {
      it->second.accelerator = a;
      it->second.name = name;
      it->second.region = region;
      it->second.chips = chips;
      it->second.covers = covers;
      it->second.hosts =
          a->kind == AcceleratorKind::tpu ? std::max(1, (chips + a->chips_per_host - 1) / a->chips_per_host) : 1;
    }
    return it->second;
  }

  /// One GCP row: a host VM, a GPU (priced per count, joined to its host later) or a TPU slice.
  void gcp_row(const CsvRow& row) {
    const std::string accel = std::string(detail::trim(cell(row, "AcceleratorName")));
    const std::string instance = std::string(detail::trim(cell(row, "InstanceType")));
    const std::string region = detail::ascii_lower(detail::trim(cell(row, "Region")));
    const std::string zone = detail::ascii_lower(detail::trim(cell(row, "AvailabilityZone")));
    const std::string where = fmt::format("line {}", row.line);
    if (accel.empty()) {
      const bool host = std::any_of(std::begin(k_gcp_gpu_machines), std::end(k_gcp_gpu_machines),
                                    [&](const GcpGpuMachine& m) { return m.machine == instance; });
      if (!host) {
        skip("no accelerator (a CPU-only machine type)", 1, fmt::format("{}: {}", where, instance));
        return;
      }
      // A host row: its price is the VM without GPUs; A4's is 0 (the B200 row carries the VM).
      const auto od = parse_number(cell(row, "Price"));
      if (!od || *od < 0) {
        skip("host row without a price", 1, fmt::format("{}: {}", where, instance));
        return;
      }
      m_hosts[{instance, zone}] = Host{*od, parse_number(cell(row, "SpotPrice")), row.line, false};
      return;
    }
    std::optional<double> od;
    if (const std::string problem = price_problem(cell(row, "Price"), od); !problem.empty()) {
      skip(problem, 1, fmt::format("{}: {} in {}", where, accel, zone));
      return;
    }
    const auto spot = spot_price(cell(row, "SpotPrice"));
    const std::string lower = detail::ascii_lower(accel);
    if (lower.rfind("tpu", 0) == 0) {
      tpu_row(row, accel, region, zone, *od, spot);
      return;
    }
    const Accelerator* a = find_accelerator(accel);
    if (a == nullptr) {
      skip("unknown accelerator", 1, fmt::format("{}: {}", where, accel));
      return;
    }
    const auto count = parse_number(cell(row, "AcceleratorCount"));
    if (!count || *count < 1 || *count != std::floor(*count)) {
      skip("accelerator count is not a whole number", 1, fmt::format("{}: {}", where, accel));
      return;
    }
    const int n = static_cast<int>(*count);
    const bool machine = std::any_of(std::begin(k_gcp_gpu_machines), std::end(k_gcp_gpu_machines),
                                     [&](const GcpGpuMachine& m) { return detail::iequals(m.gpu, accel) && m.count == n; });
    if (!machine) {
      skip("no GCP machine type for this GPU count", 1, fmt::format("{}: {} x {}", where, n, accel));
      return;
    }
    m_gpus.push_back({accel, a, n, region, zone, *od, spot, row.line});
  }

  void tpu_row(const CsvRow& row, const std::string& accel, const std::string& region, const std::string& zone,
               double od, std::optional<double> spot) {
    const std::string where = fmt::format("line {}", row.line);
    // "tpu-v5litepod-8" → family "v5litepod" (an alias of v5e), size 8 → tpuplan's "v5e-8".
    std::string rest = detail::ascii_lower(accel);
    rest = rest.rfind("tpu-", 0) == 0 ? rest.substr(4) : rest;
    const auto dash = rest.rfind('-');
    const Accelerator* a = dash == std::string::npos ? nullptr : find_accelerator(rest.substr(0, dash));
    if (a == nullptr) {
      a = dash == std::string::npos ? nullptr : find_accelerator("tpu-" + rest.substr(0, dash));
    }
    if (a == nullptr || a->kind != AcceleratorKind::tpu) {
      skip("unknown accelerator", 1, fmt::format("{}: {}", where, accel));
      return;
    }
    const std::string name = a->id + rest.substr(dash);
    const auto chips = tpu_slice_chips(name);
    if (!chips) {
      skip("TPU slice name without a known chip count", 1, fmt::format("{}: {}", where, accel));
      return;
    }
    Group& g = group(a, name, region, *chips, "TPU slice incl. TPU VM hosts");
    g.candidates.push_back({zone, od, spot, fmt::format("row {}", accel)});
    ++m_file.used;
  }

  /// AWS and Azure: one row per instance type and zone, the accelerator named on it.
  void instance_row(const CsvRow& row) {
    const std::string accel = std::string(detail::trim(cell(row, "AcceleratorName")));
    const std::string instance = detail::ascii_lower(detail::trim(cell(row, "InstanceType")));
    const std::string region = detail::ascii_lower(detail::trim(cell(row, "Region")));
    const std::string zone = detail::ascii_lower(detail::trim(cell(row, "AvailabilityZone")));
    const std::string where = fmt::format("line {}", row.line);
    if (accel.empty()) {
      skip("no accelerator (a CPU-only instance type)", 1, fmt::format("{}: {}", where, instance));
      return;
    }
    const Accelerator* a = find_accelerator(accel);
    if (a == nullptr) {
      skip("unknown accelerator", 1, fmt::format("{}: {}", where, accel));
      return;
    }
    std::optional<double> od;
    if (const std::string problem = price_problem(cell(row, "Price"), od); !problem.empty()) {
      skip(problem, 1, fmt::format("{}: {} in {}", where, instance, zone.empty() ? region : zone));
      return;
    }
    if (const std::string part = other_part(m_file.cloud, instance); !part.empty()) {
      skip(part, 1, fmt::format("{}: {} in {}", where, instance, region));
      return;
    }
    const auto count = parse_number(cell(row, "AcceleratorCount"));
    if (!count || *count < 1 || *count != std::floor(*count) || *count > 1024) {
      skip("accelerator count is not a whole number", 1, fmt::format("{}: {}", where, instance));
      return;
    }
    if (instance.empty() || region.empty()) {
      skip("no instance type or region", 1, where);
      return;
    }
    int chips = static_cast<int>(*count);
    std::string count_note;
    for (const auto& known : k_known_counts) {
      if (known.cloud == m_file.cloud && known.instance == instance && known.gpus != chips) {
        count_note = fmt::format("the catalog row says {} GPUs; {} gives {}", chips, known.source, known.gpus);
        chips = known.gpus;
      }
    }
    // Azure's catalog repeats the on-demand price in SpotPrice where there is no spot offer.
    auto spot = spot_price(cell(row, "SpotPrice"));
    const bool spot_not_below = spot && *spot >= *od;
    if (spot_not_below) {
      spot.reset();
    }
    // The original spelling of the instance type names the offering (Azure's are mixed case).
    const std::string name = m_file.cloud == "azure" ? std::string(detail::trim(cell(row, "InstanceType"))) : instance;
    Group& g = group(a, name, region, chips, m_file.cloud == "azure" ? "VM incl. host vCPUs and RAM"
                                                                      : "instance incl. host vCPUs and RAM");
    if (!count_note.empty()) {
      g.note(count_note);
    }
    if (spot_not_below) {
      g.note("the catalog's spot price is not below on-demand: no spot price");
    }
    g.candidates.push_back({zone, *od, spot,
                            zone.empty() ? fmt::format("row {}", name) : fmt::format("row {} {}", name, zone)});
    ++m_file.used;
  }

  /// GCP GPU VMs: the GPU row plus the host row of each machine type in the same zone.
  void join_gcp_gpus() {
    for (const auto& gpu : m_gpus) {
      bool joined = false;
      for (const auto& m : k_gcp_gpu_machines) {
        if (!detail::iequals(m.gpu, gpu.name) || m.count != gpu.count) {
          continue;
        }
        const auto host = m_hosts.find({std::string(m.machine), gpu.zone});
        if (host == m_hosts.end()) {
          continue;
        }
        host->second.used = true;
        joined = true;
        std::optional<double> spot;
        if (gpu.spot && host->second.spot && *host->second.spot >= 0) {
          spot = *gpu.spot + *host->second.spot;
        }
        Group& g = group(gpu.accelerator, std::string(m.machine), gpu.region, gpu.count, "VM incl. host vCPUs and RAM");
        g.candidates.push_back({gpu.zone, host->second.on_demand + gpu.on_demand, spot,
                                fmt::format("host row {} + {} x {} row", m.machine, gpu.count, gpu.name)});
      }
      if (joined) {
        ++m_file.used;
      } else {
        skip("GPU row without a host row of its machine type in its zone", 1,
             fmt::format("line {}: {} x {} in {}", gpu.line, gpu.count, gpu.name, gpu.zone));
      }
    }
    for (const auto& [key, host] : m_hosts) {
      if (host.used) {
        ++m_file.used;
      } else {
        skip("host row without a GPU row in its zone", 1, fmt::format("line {}: {} in {}", host.line, key.first, key.second));
      }
    }
  }

  void finish() {
    for (auto& [key, g] : m_groups) {
      Offering o;
      o.id = key;
      o.name = g.name;
      o.cloud = m_file.cloud;
      o.region = g.region;
      o.accelerator = g.accelerator->id;
      o.chips = g.chips;
      o.hosts = g.hosts;
      o.covers = g.covers;
      o.notes = fmt::format("{}", fmt::join(g.notes, "; "));
      const auto cheapest = std::min_element(g.candidates.begin(), g.candidates.end(),
                                             [](const Candidate& a, const Candidate& b) { return a.on_demand < b.on_demand; });
      o.price(Tier::on_demand) = Price{cheapest->on_demand, m_file.source, m_file.as_of, derived(*cheapest, g, false)};
      const Candidate* spot = nullptr;
      for (const auto& c : g.candidates) {
        if (c.spot && (spot == nullptr || *c.spot < *spot->spot)) {
          spot = &c;
        }
      }
      if (spot != nullptr) {
        o.price(Tier::spot) = Price{*spot->spot, m_file.source, m_file.as_of, derived(*spot, g, true)};
      }
      m_out.offerings.push_back(std::move(o));
      ++m_file.offerings;
    }
    std::vector<SkippedRows> skipped;
    for (auto& [reason, s] : m_skipped) {
      skipped.push_back({m_file.path, reason, s.rows, std::move(s.examples)});
    }
    std::stable_sort(skipped.begin(), skipped.end(),
                     [](const SkippedRows& a, const SkippedRows& b) { return a.rows > b.rows; });
    m_out.skipped.insert(m_out.skipped.end(), skipped.begin(), skipped.end());
    m_out.files.push_back(m_file);
  }

  static std::string derived(const Candidate& c, const Group& g, bool spot) {
    std::string text = fmt::format("SkyPilot {}{}", c.what, c.zone.empty() ? "" : ", zone " + c.zone);
    if (g.candidates.size() > 1) {
      text += fmt::format("; the lowest {}of {} rows in the region", spot ? "spot price " : "", g.candidates.size());
    }
    return text;
  }

  struct Host {
    double on_demand = 0;
    std::optional<double> spot;
    std::size_t line = 0;
    bool used = false;
  };
  struct GpuRow {
    std::string name;
    const Accelerator* accelerator;
    int count;
    std::string region, zone;
    double on_demand;
    std::optional<double> spot;
    std::size_t line;
  };
  struct Skip {
    std::size_t rows = 0;
    std::vector<std::string> examples;
  };

  SkyPilotImport& m_out;
  const std::vector<Accelerator>& m_accelerators;
  SkyPilotFile m_file;
  std::map<std::string, std::size_t> m_columns;
  std::map<std::pair<std::string, std::string>, Host> m_hosts; // (machine type, zone)
  std::vector<GpuRow> m_gpus;
  std::map<std::string, Group> m_groups; // "name@region", sorted
  std::map<std::string, Skip> m_skipped;
};

std::string file_date(const fs::path& path) {
  std::error_code ec;
  const auto ftime = fs::last_write_time(path, ec);
  if (ec) {
    return {};
  }
  const auto sys = std::chrono::file_clock::to_sys(ftime);
  return day_number_date(std::chrono::floor<std::chrono::days>(sys).time_since_epoch().count());
}

std::string read_text(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw Error(ErrorKind::input, fmt::format("cannot read '{}'", path.string()));
  }
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

constexpr std::string_view k_clouds[] = {"gcp", "aws", "azure"};

} // namespace

std::size_t SkyPilotImport::skipped_rows() const {
  std::size_t n = 0;
  for (const auto& s : skipped) {
    n += s.rows;
  }
  return n;
}

namespace {

/// The absolute, normal form of a directory, without a trailing separator.
fs::path normal(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

} // namespace

fs::path skypilot_catalog_root(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorKind::input, fmt::format("'{}' is not a directory", dir.string()),
                "give a SkyPilot catalog directory: ~/.sky/catalogs/v8, or a skypilot-catalog checkout");
  }
  auto has_cloud = [](const fs::path& d) {
    std::error_code e;
    for (const auto& entry : fs::directory_iterator(d, e)) {
      if (entry.is_directory(e) && fs::is_regular_file(entry.path() / "vms.csv", e)) {
        return true;
      }
    }
    return false;
  };
  if (has_cloud(dir)) {
    return dir;
  }
  if (fs::is_directory(dir / "catalogs" / "v8", ec) && has_cloud(dir / "catalogs" / "v8")) {
    return dir / "catalogs" / "v8";
  }
  if (fs::is_regular_file(dir / "vms.csv", ec)) {
    return normal(dir).parent_path();
  }
  throw Error(ErrorKind::input, fmt::format("'{}' holds no SkyPilot catalog: no <cloud>/vms.csv", dir.string()),
              "expected DIR/gcp/vms.csv (as in ~/.sky/catalogs/v8), DIR/catalogs/v8/gcp/vms.csv (a checkout) or "
              "DIR/vms.csv");
}

SkyPilotImport import_skypilot_catalog(const fs::path& dir, const std::vector<Accelerator>& accelerators,
                                       const SkyPilotImportOptions& options) {
  if (!options.as_of.empty() && !date_day_number(options.as_of)) {
    throw Error(ErrorKind::usage, fmt::format("--as-of: '{}' is not a date", options.as_of),
                "accepted: YYYY-MM-DD or YYYY-MM");
  }
  const fs::path root = skypilot_catalog_root(dir);
  // A cloud directory given directly reads that cloud only.
  std::error_code ec;
  const std::string only = fs::is_regular_file(dir / "vms.csv", ec) ? normal(dir).filename().string() : "";
  SkyPilotImport out;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory(ec) && fs::is_regular_file(entry.path() / "vms.csv", ec)) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    const std::string cloud = d.filename().string();
    if (!only.empty() && cloud != only) {
      continue;
    }
    const fs::path file = d / "vms.csv";
    if (std::find(std::begin(k_clouds), std::end(k_clouds), cloud) == std::end(k_clouds)) {
      out.ignored.push_back(cloud + "/vms.csv");
      continue;
    }
    SkyPilotFile f;
    f.cloud = cloud;
    f.path = file.string();
    f.source = options.source_url.empty()
                   ? "file://" + fs::absolute(file).lexically_normal().string()
                   : fmt::format("{}/{}/vms.csv", options.source_url.substr(0, options.source_url.find_last_not_of('/') + 1),
                                 cloud);
    f.as_of = options.as_of.empty() ? file_date(file) : options.as_of;
    FileReader(out, accelerators, f).read(read_text(file));
  }
  if (out.files.empty()) {
    throw Error(ErrorKind::input, fmt::format("'{}' holds no vms.csv of a cloud tpuplan reads", dir.string()),
                fmt::format("read: gcp, aws, azure; found: {}", out.ignored.empty() ? "none" : fmt::format("{}", fmt::join(out.ignored, ", "))));
  }
  std::sort(out.offerings.begin(), out.offerings.end(),
            [](const Offering& a, const Offering& b) { return a.cloud != b.cloud ? a.cloud < b.cloud : a.id < b.id; });
  if (out.offerings.empty()) {
    std::string reasons;
    for (std::size_t i = 0; i < out.skipped.size() && i < 3; ++i) {
      reasons += fmt::format("{}{} × {}", i ? ", " : "", out.skipped[i].rows, out.skipped[i].reason);
    }
    throw Error(ErrorKind::input,
                fmt::format("'{}': no usable offering in {} rows ({} skipped)", dir.string(),
                            [&] {
                              std::size_t n = 0;
                              for (const auto& f : out.files) {
                                n += f.rows;
                              }
                              return n;
                            }(),
                            out.skipped_rows()),
                reasons.empty() ? "the files have no data rows" : "skipped: " + reasons);
  }
  return out;
}

std::string offerings_yaml(const std::vector<Offering>& offerings, const std::string& cloud,
                           const std::string& header_comment) {
  auto q = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string y;
  std::istringstream comment(header_comment);
  for (std::string line; std::getline(comment, line);) {
    y += "# " + line + "\n";
  }
  y += fmt::format("version: 1\ncloud: {}\nofferings:\n", cloud);
  // One entry per name, its regions in id order (offerings are sorted by id).
  std::map<std::string, std::vector<const Offering*>> by_name;
  std::vector<std::string> names;
  for (const auto& o : offerings) {
    if (o.cloud != cloud) {
      continue;
    }
    if (by_name[o.name].empty()) {
      names.push_back(o.name);
    }
    by_name[o.name].push_back(&o);
  }
  for (const auto& name : names) {
    const Offering& first = *by_name[name].front();
    y += fmt::format("  - name: {}\n    accelerator: {}\n    chips: {}\n    hosts: {}\n    covers: {}\n", q(name),
                     first.accelerator, first.chips, first.hosts, q(first.covers));
    if (!first.notes.empty()) {
      y += fmt::format("    notes: {}\n", q(first.notes));
    }
    y += "    regions:\n";
    for (const Offering* o : by_name[name]) {
      y += fmt::format("      {}:\n", o->region);
      for (Tier t : k_all_tiers) {
        if (const auto& p = o->price(t)) {
          y += fmt::format("        {}: {{usd_per_hour: {}, source: {}, as_of: {}{}}}\n", to_string(t), p->usd_per_hour,
                           q(p->source), p->as_of, p->derived.empty() ? "" : ", derived: " + q(p->derived));
        }
      }
    }
  }
  return y;
}

std::pair<std::size_t, std::size_t> overlay_offerings(Catalog& catalog, const std::vector<Offering>& imported) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < catalog.offerings.size(); ++i) {
    index.emplace(detail::ascii_lower(catalog.offerings[i].id), i);
  }
  std::size_t replaced = 0, added = 0;
  for (const auto& o : imported) {
    if (const auto it = index.find(detail::ascii_lower(o.id)); it != index.end()) {
      Offering& existing = catalog.offerings[it->second];
      for (Tier t : k_all_tiers) {
        if (o.price(t)) {
          existing.price(t) = o.price(t);
        }
      }
      ++replaced;
    } else {
      catalog.offerings.push_back(o);
      ++added;
    }
  }
  return {replaced, added};
}

} // namespace tpuplan
