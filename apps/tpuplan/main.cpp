// tpuplan's entry point: the command table, parsing, and the one place where exceptions
// become exit codes (DESIGN.md §1, §3).
#include "command.hpp"

#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/version.hpp>

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>

namespace {

using namespace tpuplan;
using namespace tpuplan::app;

// The command table (ninja's kTools): help, "did you mean" and dispatch all come from here.
const Command k_commands[] = {
    {"cost", "monthly and hourly cost, by tier, of every option that holds a model", setup_cost},
    {"size", "the cheapest offering that holds a model and meets latency targets at a load", setup_size},
    {"estimate", "throughput, TTFT and TPOT of a model on an accelerator slice, per batch size", setup_estimate},
    {"breakeven", "which tier and platform win at your hours a day, and where the crossovers are", setup_breakeven},
    {"plan", "the fleet under a load curve: replicas to commit, and on-demand and spot by the hour", setup_plan},
    {"bench", "load-test a live inference server: TTFT, TPOT, throughput, goodput", setup_bench},
    {"health", "check the backends of a config file: reachable, status, latency, models served", setup_health},
    {"catalog", "offerings with prices by tier and their sources; 'catalog show ID' for one", setup_catalog},
    {"models", "model presets and size aliases; 'models show' details one model or config.json", setup_models},
    {"validate", "check a data directory, price sheet, config file or config.json; list every problem", setup_validate},
    {"version", "print the version and the data set's provenance", setup_version},
};

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& c : k_commands) {
    names.emplace_back(c.name);
  }
  return names;
}

int print_error(const std::string& message, const std::string& hint, int code) {
  // Messages quote user input and servers' replies: control and BiDi characters are escaped.
  std::cerr << "tpuplan: error: " << detail::escape_for_terminal(message);
  if (!hint.empty()) {
    std::cerr << "; " << detail::escape_for_terminal(hint);
  }
  std::cerr << '\n';
  return code;
}

/// Output files named on the command line (-o, --save, --requests-out) are checked before
/// any work: each is a new name in an existing directory or a regular file, and none is also
/// an input of the run (`validate c.yaml -o c.yaml` would replace the config with its report).
void check_output_arguments(int argc, char** argv) {
  struct Output {
    std::string flag;
    std::string path;
  };
  std::vector<Output> outputs;
  std::vector<std::string> tokens; // every argument, and the value of each --flag=value
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    tokens.push_back(arg);
    const auto eq = arg.find('=');
    if (arg.starts_with("--") && eq != std::string::npos) {
      tokens.push_back(arg.substr(eq + 1));
    }
    for (const char* flag : {"-o", "--output", "--save", "--requests-out"}) {
      const std::string f(flag);
      if (arg == f && i + 1 < argc) {
        outputs.push_back({f, argv[i + 1]});
      } else if (f.starts_with("--") && arg.starts_with(f + "=")) {
        outputs.push_back({f, arg.substr(f.size() + 1)});
      } else if (f == "-o" && arg.size() > 2 && arg.starts_with("-o")) {
        outputs.push_back({f, arg.substr(2)});
        tokens.push_back(arg.substr(2));
      }
    }
  }
  if (const char* config = std::getenv("TPUPLAN_CONFIG"); config != nullptr && *config != '\0') {
    tokens.emplace_back(config);
  }
  for (const auto& out : outputs) {
    if (out.path == "-" && (out.flag == "-o" || out.flag == "--output")) {
      continue;
    }
    detail::check_output_path(out.path, out.flag);
    const auto named = std::count_if(tokens.begin(), tokens.end(),
                                     [&](const std::string& t) { return detail::same_file(t, out.path); });
    if (named > 1) {
      throw Error(ErrorKind::usage, fmt::format("{}: '{}' is also an input (or another output) of this run", out.flag, out.path),
                  "write the result to another file");
    }
  }
}

/// CLI11 reports an unknown command as an unexpected extra argument; say what it is.
int parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (app.get_subcommands().empty()) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (!arg.empty() && arg[0] != '-') {
        return print_error("unknown command '" + arg + "'", suggestion(arg, command_names()), 2);
      }
    }
  }
  std::string where;
  for (const auto* sub : app.get_subcommands()) {
    where = sub->get_name();
  }
  return print_error(e.what(), "see 'tpuplan " + (where.empty() ? std::string{} : where + " ") + "--help'", 2);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"tpuplan — cost and capacity planning of LLM inference on Cloud TPUs and GPUs", "tpuplan"};
  app.set_version_flag("--version", std::string("tpuplan ") + k_version);
  app.fallthrough(true); // global options are accepted after the command name too
  app.footer("Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input, 3 no option meets the request, "
             "130 interrupted.\nDocs: docs/cli.md, docs/methodology.md, docs/json.md.");

  GlobalOptions global;
  app.add_option("-f,--format", global.format, "output format: table, json, csv, markdown, svg (default: from -o's extension, else table)");
  app.add_option("-o,--output", global.output, "write the result to FILE atomically ('-' = stdout)");
  app.add_option("--data", global.data_dir, "read the catalog and models from DIR (YAML) instead of the embedded data");
  app.add_option("--config", global.config, "extra offerings, price overrides, discounts, backends")->envname("TPUPLAN_CONFIG");
  app.add_option("--table", global.table, "which table CSV and JSON hold, for commands with several (JSON: that table alone)");
  app.add_option("--color", global.color, "colour in tables: auto, always, never (NO_COLOR is honoured)");
  app.add_option("--max-price-age", global.max_price_age,
                 "note the prices older than DAYS, naming their offerings (default: the config's "
                 "max_price_age_days, else 180; TPUPLAN_TODAY=YYYY-MM-DD fixes today)")
      ->check(CLI::Range(0, 36500))
      ->type_name("DAYS");
  app.add_flag("--wide", global.wide, "show every column in table and Markdown output");
  app.add_flag("--explain", global.explain, "show the arithmetic behind the figures");
  app.add_flag("-q,--quiet", global.quiet, "no warnings or progress on stderr");

  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const auto& c : k_commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    runners.emplace_back(sub, c.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_error(app, e, argc, argv);
  }

  try {
    check_output_arguments(argc, argv);
    for (auto& [sub, run] : runners) {
      if (sub->parsed()) {
        Context ctx(global);
        return run(ctx);
      }
    }
    std::cout << app.help();
    return 0;
  } catch (const Error& e) {
    return print_error(e.what(), e.hint(), exit_code(e.kind()));
  } catch (const std::exception& e) {
    return print_error(std::string("internal error: ") + e.what(), "please report it with the command line", 1);
  }
}
