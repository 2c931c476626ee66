// Load time of a large price sheet, as a whole process: writes a config whose
// `extra_offerings` holds N offerings (default 10,000), then runs
// `tpuplan cost --model 70b --config SHEET` and the same command without a config (the
// embedded catalog alone) several times each, and reports the median wall time, the median
// CPU time (user + sys) and the peak RSS of each. Target: ≤ 100 ms for 10,000 offerings.
//
//   tpuplan_bench_price_sheet [--offerings N] [--runs R] [--binary PATH] [--keep DIR]
//
// The sheet is synthetic but has the shape of a real one (docs/data.md): accelerators of the
// embedded catalog, 1–8 chips, entries of one to three regions (an offering is one region),
// on-demand and spot prices,
// a third with 1y/3y, a fifth with per-zone `lowest_of` spot rows, sourced URLs and dates.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

struct Run {
  double wall_ms = 0;
  double cpu_ms = 0; // user + sys
  long rss_kib = 0;
};

Run run_once(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    std::perror("posix_spawn");
    std::exit(2);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) < 0) {
    std::perror("wait4");
    std::exit(2);
  }
  const auto end = std::chrono::steady_clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "the command failed (status %d): %s\n", status, argv.back().c_str());
    std::exit(1);
  }
  const auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return {std::chrono::duration<double, std::milli>(end - start).count(), ms(usage.ru_utime) + ms(usage.ru_stime),
          usage.ru_maxrss};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void report(const char* label, const std::vector<Run>& runs) {
  std::vector<double> wall;
  std::vector<double> cpu;
  long rss = 0;
  for (const auto& r : runs) {
    wall.push_back(r.wall_ms);
    cpu.push_back(r.cpu_ms);
    rss = std::max(rss, r.rss_kib);
  }
  fmt::print("{:<28} median wall {:7.1f} ms   median user+sys {:7.1f} ms   peak RSS {:6.1f} MiB   ({} runs)\n", label,
             median(wall), median(cpu), static_cast<double>(rss) / 1024, runs.size());
}

/// Writes a config with `n` offerings in its `extra_offerings`. An offering is one accelerator
/// × chips in one region (its id is name@region), so an entry with three regions is three.
void write_sheet(const std::filesystem::path& path, int n) {
  static const char* k_accelerators[] = {"h100", "a100-80gb", "a100-40gb", "l4", "h200", "b200", "mi300x", "v5e", "v6e"};
  static const char* k_regions[] = {"us-east1", "us-central1", "europe-west4", "asia-east1", "us-west1", "eu-north7"};
  static const int k_chips[] = {1, 2, 4, 8};
  std::ofstream out(path);
  out << "version: 1\n# A synthetic price sheet (bench/price_sheet_load.cpp).\nextra_offerings:\n"
         "  - version: 1\n    cloud: sheetco\n    offerings:\n";
  int written = 0;
  for (int i = 0; written < n; ++i) {
    const char* acc = k_accelerators[i % 9];
    const int chips = k_chips[(i / 9) % 4];
    const double od = 1.0 + (i % 97) * 0.37 * chips;
    out << fmt::format("      - name: sheet-{}-{}x-{}\n        accelerator: {}\n        chips: {}\n"
                       "        covers: VM incl. host vCPUs and RAM\n",
                       acc, chips, i, acc, chips);
    if (i % 7 == 0) {
      out << "        notes: A reserved-capacity contract row; prices are per VM-hour.\n";
    }
    out << "        regions:\n";
    for (int r = 0; r <= i % 3 && written < n; ++r, ++written) {
      const char* region = k_regions[(i + r) % 6];
      const double price = od * (1 + 0.05 * r);
      out << fmt::format("          {}:\n            on-demand: {{usd_per_hour: {:.4f}, source: "
                         "https://prices.example.com/sheet.csv, as_of: 2026-11-01}}\n",
                         region, price);
      if (i % 5 == 0) {
        out << fmt::format("            spot: {{lowest_of: {{{}-a: {:.4f}, {}-b: {:.4f}, {}-c: {:.4f}}}, source: "
                           "https://prices.example.com/spot.csv, as_of: 2026-11-01, derived: cheapest zone}}\n",
                           region, price * 0.41, region, price * 0.38, region, price * 0.44);
      } else {
        out << fmt::format("            spot: {{usd_per_hour: {:.4f}, source: https://prices.example.com/spot.csv, "
                           "as_of: 2026-11-01}}\n",
                           price * 0.4);
      }
      if (i % 3 == 0) {
        out << fmt::format("            1y: {{usd_per_hour: {:.4f}, source: https://prices.example.com/commit.csv, "
                           "as_of: 2026-10-15}}\n            3y: {{usd_per_hour: {:.4f}, source: "
                           "https://prices.example.com/commit.csv, as_of: 2026-10-15}}\n",
                           price * 0.63, price * 0.45);
      }
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  int offerings = 10'000;
  int runs = 7;
  std::string binary = TPUPLAN_BINARY;
  std::string keep;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--offerings" && i + 1 < argc) {
      offerings = std::atoi(argv[++i]);
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--binary" && i + 1 < argc) {
      binary = argv[++i];
    } else if (a == "--keep" && i + 1 < argc) {
      keep = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--offerings N] [--runs R] [--binary PATH] [--keep DIR]\n", argv[0]);
      return 2;
    }
  }
  if (offerings < 1 || runs < 1) {
    std::fprintf(stderr, "--offerings and --runs must be at least 1\n");
    return 2;
  }
  char dir_template[] = "/tmp/tpuplan-sheet-XXXXXX";
  const std::filesystem::path dir = keep.empty() ? std::filesystem::path(mkdtemp(dir_template)) : std::filesystem::path(keep);
  std::filesystem::create_directories(dir);
  const auto sheet = dir / "big.yaml";
  write_sheet(sheet, offerings);
  fmt::print("sheet: {} offerings, {:.1f} MiB ({})\n", offerings,
             static_cast<double>(std::filesystem::file_size(sheet)) / (1024 * 1024), sheet.string());
  double load[3] = {0, 0, 0};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) {
      load[0] = load[1] = load[2] = 0;
    }
    std::fclose(f);
  }
  fmt::print("load average before: {:.2f} {:.2f} {:.2f}\n", load[0], load[1], load[2]);

  const std::vector<std::string> with_sheet{binary, "cost", "--model", "70b", "--config", sheet.string()};
  const std::vector<std::string> embedded{binary, "cost", "--model", "70b"};
  run_once(with_sheet); // warm the page cache
  std::vector<Run> a;
  std::vector<Run> b;
  for (int r = 0; r < runs; ++r) {
    a.push_back(run_once(with_sheet));
    b.push_back(run_once(embedded));
  }
  report(fmt::format("cost --config ({})", offerings).c_str(), a);
  report("cost (embedded catalog)", b);
  std::vector<double> wall;
  for (const auto& r : a) {
    wall.push_back(r.wall_ms);
  }
  const double m = median(wall);
  fmt::print("target: ≤ 100 ms for 10,000 offerings: {}\n", offerings != 10'000 ? "n/a (other size)" : m <= 100 ? "met" : "NOT met");
  if (keep.empty()) {
    std::filesystem::remove_all(dir);
  }
  return 0;
}
