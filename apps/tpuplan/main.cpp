// tpuplan's entry point: the command table, parsing, and the one place where exceptions
// become exit codes (DESIGN.md §1, §3).
#include "command.hpp"

#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/version.hpp>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <functional>
#include <optional>
#include <regex>
#include <tuple>
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>

namespace {

using namespace tpuplan;
using namespace tpuplan::app;

// The command table (ninja's kTools): help, "did you mean" and dispatch all come from here.
const Command k_commands[] = {
    {"cost", "monthly and hourly cost, by tier, of every option that holds a model", setup_cost, true},
    {"size", "the cheapest offering that holds a model and meets latency targets at a load", setup_size, true},
    {"estimate", "throughput, TTFT and TPOT of a model on an accelerator slice, per batch size", setup_estimate, true},
    {"breakeven", "which tier and platform win at your hours a day, and where the crossovers are", setup_breakeven, true},
    {"plan", "the fleet under a load curve: replicas to commit, and on-demand and spot by the hour", setup_plan, true},
    {"bench", "load-test a live inference server: TTFT, TPOT, throughput, goodput", setup_bench, false},
    {"health", "check the backends of a config file: reachable, status, latency, models served", setup_health, false},
    {"catalog", "offerings with prices by tier and their sources; 'catalog show ID' for one", setup_catalog, false},
    {"models", "model presets and size aliases; 'models show' details one model or config.json", setup_models, true},
    {"validate", "check a data directory, price sheet, config file or config.json; list every problem", setup_validate, false},
    {"render", "draw a saved report (JSON) or bench profile again: table, markdown, svg, html", setup_render, false},
    {"diff", "what changed between two saved reports, row by row ($/month and %); --fail-above for CI", setup_diff,
     false},
    {"version", "print the version and the data set's provenance", setup_version, false},
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

/// The commands parsed, outermost first: {cost}, or {catalog, show}.
std::vector<const CLI::App*> parsed_commands(const CLI::App& app) {
  std::vector<const CLI::App*> chain;
  const CLI::App* at = &app;
  while (true) {
    const CLI::App* next = nullptr;
    for (const auto* sub : at->get_subcommands()) {
      next = sub;
    }
    if (next == nullptr) {
      return chain;
    }
    chain.push_back(next);
    at = next;
  }
}

/// "--model", "-m", … of one command's own flag table.
std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) {
      names.push_back("--" + l);
    }
    for (const auto& s : o->get_snames()) {
      names.push_back("-" + s);
    }
  }
  return names;
}

/// The first flag of the command line that the command it is given to does not take, with
/// the closest of its own flags; the commands that do take it when none is close.
std::optional<std::pair<std::string, std::string>> unknown_flag(const CLI::App& app,
                                                                const std::vector<const CLI::App*>& chain, int argc,
                                                                char** argv) {
  std::vector<std::string> known = flag_names(app);
  for (const auto* sub : chain) {
    const auto own = flag_names(*sub);
    known.insert(known.end(), own.begin(), own.end());
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      break;
    }
    // A flag is "--name" or "-x"; "-1" and "-0.5" are values.
    const bool is_long = arg.size() > 2 && arg.starts_with("--");
    const bool is_short = !is_long && arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' &&
                          std::isalpha(static_cast<unsigned char>(arg[1])) != 0;
    if (!is_long && !is_short) {
      continue;
    }
    const std::string name = is_long ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (std::find(known.begin(), known.end(), name) != known.end()) {
      continue;
    }
    const std::vector<std::string> longs = [&] {
      std::vector<std::string> l;
      std::copy_if(known.begin(), known.end(), std::back_inserter(l), [](const std::string& k) { return k.size() > 2; });
      return l;
    }();
    if (const std::string close = closest_match(name, longs); !close.empty()) {
      return std::pair{name, fmt::format("did you mean '{}'?", close)};
    }
    std::vector<std::string> takers;
    for (const CLI::App* other : app.get_subcommands({})) {
      const auto names = flag_names(*other);
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        takers.push_back("'tpuplan " + other->get_name() + "'");
      }
    }
    std::string where = "tpuplan";
    for (const auto* sub : chain) {
      where += " " + sub->get_name();
    }
    return std::pair{name, takers.empty() ? fmt::format("see '{} --help'", where)
                                          : fmt::format("{} take{} it; see '{} --help'", fmt::join(takers, ", "),
                                                        takers.size() == 1 ? "s" : "", where)};
  }
  return std::nullopt;
}

/// What a CLI11 value error means in words: "Could not convert: --hours = abc" is "--hours:
/// 'abc' is not a number"; "--rate: 1 required FLOAT missing" is "--rate: a number is missing".
std::string value_error(const std::string& what, const std::function<std::string(const std::string&)>& type_of) {
  const auto kind = [](const std::string& type) -> std::string {
    if (type == "INT" || type == "UINT") {
      return "a whole number";
    }
    if (type == "FLOAT") {
      return "a number";
    }
    return "a value";
  };
  static const std::regex convert(R"(^Could not convert: (\S+) = (.*)$)");
  static const std::regex missing(R"(^(\S+): \d+ required (\S+) missing$)");
  std::smatch m;
  if (std::regex_match(what, m, missing)) {
    return fmt::format("{}: {} is missing", m[1].str(), kind(m[2].str()));
  }
  if (std::regex_match(what, m, convert)) {
    return fmt::format("{}: '{}' is not {}", m[1].str(), m[2].str(), kind(type_of(m[1].str())));
  }
  return what;
}

/// CLI11's messages name its own view of the problem ("--model is required" when the user
/// typed --modle 70b): an unknown command or flag is named first, with the closest of the
/// command's own; every parse error is one line, exit 2.
int parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (app.get_subcommands().empty()) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (!arg.empty() && arg[0] != '-') {
        return print_error("unknown command '" + arg + "'", suggestion(arg, command_names()), 2);
      }
    }
  }
  const auto chain = parsed_commands(app);
  std::string where = "tpuplan";
  for (const auto* sub : chain) {
    where += " " + sub->get_name();
  }
  if (const auto flag = unknown_flag(app, chain, argc, argv)) {
    return print_error(fmt::format("unknown flag '{}' for '{}'", flag->first, where), flag->second, 2);
  }
  const bool required = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr;
  if ((required || dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) && !chain.empty()) {
    // A word the command does not take: a misspelt subcommand ("catalog shw"), or a value
    // without its flag ("cost 70b").
    const CLI::App* last = chain.back();
    std::vector<std::string> subs;
    for (const CLI::App* s : last->get_subcommands({})) {
      subs.push_back(s->get_name());
    }
    std::vector<std::string> extras = app.remaining(true);
    for (const auto* sub : chain) {
      const auto more = sub->remaining();
      extras.insert(extras.end(), more.begin(), more.end());
    }
    for (int i = 1; i < argc; ++i) { // the first in the order typed
      const std::string extra = argv[i];
      if (!extra.empty() && extra[0] != '-' && std::find(extras.begin(), extras.end(), extra) != extras.end()) {
        const std::string close = closest_match(extra, subs);
        static const std::regex missing_flag(R"(^(--\S+) is required$)");
        std::smatch m;
        const std::string what = e.what();
        std::string hint = fmt::format("see '{} --help'", where);
        if (!close.empty()) {
          hint = fmt::format("did you mean '{} {}'?", where, close);
        } else if (required && std::regex_match(what, m, missing_flag)) {
          hint = fmt::format("did you mean '{} {}'?", m[1].str(), extra); // "cost 70b": the value of --model
        }
        return print_error(fmt::format("unexpected argument '{}' for '{}'", extra, where), hint, 2);
      }
    }
  }
  const auto type_of = [&](const std::string& name) -> std::string {
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (const CLI::Option* o = (*it)->get_option_no_throw(name)) {
        return o->get_type_name();
      }
    }
    const CLI::Option* o = app.get_option_no_throw(name);
    return o != nullptr ? o->get_type_name() : std::string{};
  };
  return print_error(value_error(e.what(), type_of), fmt::format("see '{} --help'", where), 2);
}

/// Refuses --explain for a command that has no arithmetic to show.
void check_explain(const GlobalOptions& global, const Command& command) {
  if (global.explain && !command.explains) {
    throw Error(ErrorKind::usage, fmt::format("--explain: 'tpuplan {}' computes no figure to explain", command.name),
                "--explain shows the arithmetic of cost, size, estimate, breakeven, plan and models show");
  }
}

/// True when `name` is one of the command-line arguments.
bool named_on_command_line(std::string_view name, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (name == argv[i]) {
      return true;
    }
  }
  return false;
}

/// Parses and runs. `lazy`: only the commands named on the command line get their flags
/// (CLI11 spends about a millisecond building the flags of all of them, a third of a short
/// command's whole run; docs/performance.md); help for everything and every parse error are
/// handled by a second, complete pass, so their output is the same as without it.
int run_command_line(int argc, char** argv, bool lazy) {
  CLI::App app{"tpuplan — cost and capacity planning of LLM inference on Cloud TPUs and GPUs", "tpuplan"};
  app.set_version_flag("--version", std::string("tpuplan ") + k_version);
  app.fallthrough(true); // global options are accepted after the command name too
  app.footer("Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input, 3 no option meets the request, "
             "130 interrupted.\nDocs: docs/cli.md, docs/methodology.md, docs/json.md.");

  GlobalOptions global;
  app.add_option("-f,--format", global.format, "output format: table, json, csv, markdown, svg, html (default: from -o's extension, else table)");
  app.add_option("-o,--output", global.output, "write the result to FILE atomically ('-' = stdout)");
  app.add_option("--data", global.data_dir, "read the catalog and models from DIR (YAML) instead of the embedded data");
  app.add_option("--catalog-dir", global.catalog_dir,
                 "overlay the prices of a SkyPilot catalog directory (~/.sky/catalogs/v8) on the data: "
                 "see 'tpuplan catalog import'");
  app.add_option("--config", global.config, "extra offerings, price overrides, discounts, backends")->envname("TPUPLAN_CONFIG");
  app.add_option("--table", global.table, "which table CSV and JSON hold, for commands with several (JSON: that table alone)");
  app.add_option("--color", global.color, "colour in tables: auto, always, never (NO_COLOR is honoured)");
  app.add_option("--max-price-age", global.max_price_age,
                 "note the prices older than DAYS, naming their offerings (default: the config's "
                 "max_price_age_days, else 180; TPUPLAN_TODAY=YYYY-MM-DD fixes today)")
      ->check(CLI::Range(0, 36500))
      ->type_name("DAYS");
  app.add_flag("--wide", global.wide, "show every column in table and Markdown output, whatever the width");
  app.add_option("--columns", global.columns,
                 "show exactly these columns (keys, as in CSV headers), in this order, in table and Markdown output")
      ->delimiter(',');
  app.add_option("--series", global.series,
                 "how many series each chart draws in svg and html output, the cheapest first: N or all "
                 "(default: 6)")
      ->type_name("N|all");
  app.add_flag("--explain", global.explain, "show the arithmetic behind the figures");
  app.add_flag("-q,--quiet", global.quiet, "no warnings or progress on stderr");

  std::vector<std::tuple<CLI::App*, Runner, const Command*>> runners;
  const bool any_named = std::any_of(std::begin(k_commands), std::end(k_commands),
                                     [&](const Command& c) { return named_on_command_line(c.name, argc, argv); });
  lazy = lazy && any_named;
  for (const auto& c : k_commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    if (!lazy || named_on_command_line(c.name, argc, argv)) {
      runners.emplace_back(sub, c.setup(*sub), &c);
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return lazy ? run_command_line(argc, argv, false) : app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // The hint may name the other commands that take a flag: they need their flags.
    return lazy ? run_command_line(argc, argv, false) : parse_error(app, e, argc, argv);
  }

  try {
    check_output_arguments(argc, argv);
    for (auto& [sub, run, command] : runners) {
      if (sub->parsed()) {
        check_explain(global, *command);
        Context ctx(global);
        (void)ctx.format(); // a bad --format or -o extension is refused before any work
        return run(ctx);
      }
    }
    std::cout << app.help();
    return 0;
  } catch (const Error& e) {
    return print_error(e.message(), e.hint(), exit_code(e.kind()));
  } catch (const std::exception& e) {
    return print_error(std::string("internal error: ") + e.what(), "please report it with the command line", 1);
  }
}

} // namespace

int main(int argc, char** argv) {
  return run_command_line(argc, argv, true);
}
