// The command table and what every command gets to work with: global options, the data
// set (embedded or --data), and one way to emit its Report.
#pragma once

#include <tpuplan/data/config.hpp>
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/report/report.hpp>

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace tpuplan::app {

/// Options every command accepts (before or after the command name).
struct GlobalOptions {
  std::string format;        ///< empty = from -o's extension, else table
  std::string output = "-";  ///< -o FILE; "-" is stdout
  std::string data_dir;      ///< --data DIR: read YAML instead of the embedded data
  std::string catalog_dir;   ///< --catalog-dir DIR: a SkyPilot catalog overlaid on the data
  std::string config;        ///< --config FILE (or TPUPLAN_CONFIG)
  std::string table;         ///< --table NAME for CSV/JSON rows
  std::string color = "auto";
  std::vector<std::string> columns; ///< --columns KEY,…: exactly these columns in tables
  std::string series;        ///< --series N|all: how many series a chart draws (empty: 6)
  int max_price_age = -1;    ///< --max-price-age DAYS; -1 = the config's, else 180
  bool wide = false;
  bool explain = false;
  bool quiet = false;
};

/// What a running command uses. Created by main after parsing.
class Context {
public:
  explicit Context(const GlobalOptions& options);
  ~Context();

  const GlobalOptions& options() const { return m_options; }
  /// The data set: --data DIR or the embedded one, with --config applied (config.hpp).
  /// Loaded on first use.
  const DataSet& data();
  /// The data set before --config is applied (what `validate` checks a config against).
  const DataSet& base_data();
  /// The --config file (or TPUPLAN_CONFIG) as read; empty when none was given.
  const Config& config();
  /// Renders the report in the chosen format to stdout or, atomically, to -o FILE.
  void emit(const Report& report);
  /// The format chosen by --format or inferred from -o's extension.
  Format format() const;
  /// True when stderr is a terminal (progress may be drawn there).
  bool stderr_is_tty() const;
  /// Prints "tpuplan: warning: …" on stderr unless --quiet.
  void warn(std::string_view message) const;
  /// The age of the prices of the offerings `report`'s tables name (columns offering,
  /// offering_id, tpu_offering, gpu_offering), for Report::price_age and price_notes; null
  /// when the data was not loaded or no table names a priced offering. emit() adds it.
  void add_price_age(Report& report);

private:
  const GlobalOptions& m_options;
  std::unique_ptr<DataSet> m_base;       // --data or embedded
  std::unique_ptr<DataSet> m_configured; // m_base with --config applied, when given
  Config m_config;
  bool m_config_read = false;
};

/// A subcommand's runner: returns the exit code (errors are thrown as tpuplan::Error).
using Runner = std::function<int(Context&)>;

/// One entry of the command table.
struct Command {
  const char* name;
  const char* summary;
  /// Adds the command's options to `sub` and returns its runner.
  Runner (*setup)(CLI::App& sub);
  /// --explain shows its arithmetic; a command without any refuses the flag (exit 2).
  bool explains = false;
};

/// Writes `text` to `path` atomically: a temporary file in the same directory, then rename.
void write_file_atomically(const std::string& path, std::string_view text, std::string_view what = "-o");

/// Makes a text option a list that takes commas and repeats alike ("--x a,b --x c" is "a,b,c").
CLI::Option* as_list(CLI::Option* option);

/// Splits a comma-separated list ("1,8,32"), trimming blanks and dropping empty items.
std::vector<std::string> split_list(std::string_view text);

// Setup functions of the commands (one cmd_<name>.cpp each), listed in main.cpp's table.
Runner setup_cost(CLI::App& sub);
Runner setup_size(CLI::App& sub);
Runner setup_version(CLI::App& sub);
Runner setup_models(CLI::App& sub);
Runner setup_estimate(CLI::App& sub);
Runner setup_catalog(CLI::App& sub);
Runner setup_validate(CLI::App& sub);
Runner setup_bench(CLI::App& sub);
Runner setup_breakeven(CLI::App& sub);
Runner setup_health(CLI::App& sub);
Runner setup_plan(CLI::App& sub);
Runner setup_diff(CLI::App& sub);
Runner setup_render(CLI::App& sub);

} // namespace tpuplan::app
