// `tpuplan bench`: live load testing of an inference server. Flags become a BenchConfig;
// the library runs the load (lib/tpuplan/bench/runner.hpp) and returns a profile; this file
// draws progress on a terminal, saves the profile and the per-request log, and emits the
// report. Definitions and protocol notes: docs/bench.md.
#include "command.hpp"

#include <tpuplan/bench/bench_report.hpp>
#include <tpuplan/bench/profile.hpp>
#include <tpuplan/bench/request_log.hpp>
#include <tpuplan/bench/runner.hpp>
#include <tpuplan/bench/slo_search.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/version.hpp>
#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <unistd.h>
#include <random>
#include <sstream>

namespace tpuplan::app {

namespace {

// The bench library's names this command uses (declarations, not a using-directive, so that
// no other name of tpuplan::bench shadows the app's own in a unity build).
using bench::api_names;
using bench::BackendRun;
using bench::bench_report;
using bench::BenchConfig;
using bench::BenchHooks;
using bench::BenchRun;
using bench::check_http_url;
using bench::compare_report;
using bench::HttpClient;
using bench::IoMode;
using bench::k_unique_prefix_words;
using bench::LevelProgress;
using bench::LevelResult;
using bench::LoadLevel;
using bench::LoadMode;
using bench::normalize_endpoint;
using bench::parse_api;
using bench::parse_slo_targets;
using bench::Profile;
using bench::redact_url;
using bench::RequestLogWriter;
using bench::RequestRecord;
using bench::SloSearchSpec;
using bench::SyntheticPrompts;
using bench::to_json;

/// The raw flag values (parsed and validated in make_config, with one-line errors).
struct BenchFlags {
  std::string endpoint;
  std::string api = "auto";
  std::string model;
  std::string concurrency;
  std::string rate;
  std::string burstiness;
  std::string max_concurrency;
  std::string requests;
  std::string duration;
  std::string warmup = "0";
  std::string input_tokens; // empty: 1024, resized to fit the server's context
  std::string output_tokens = "128";
  std::string dataset;
  std::string ttft_ms;
  std::string tpot_ms;
  std::string timeout = "600";
  std::string connect_timeout = "10";
  std::string idle_timeout = "60";
  std::string drain_timeout = "5";
  std::string max_response_bytes = "67108864";
  std::string api_key_env;
  std::string api_key_file;
  std::vector<std::string> headers;
  std::vector<std::string> header_files;
  std::vector<std::string> header_envs;
  bool metrics_api_key = false;
  std::string metrics_url;
  std::string metrics_interval = "1";
  bool no_metrics = false;
  bool insecure = false;
  bool follow_redirects = false;
  std::string http_client = "auto";
  std::string io = "auto";
  bool ignore_eos = false;
  bool no_ignore_eos = false;
  std::string offering;
  std::string accelerator;
  std::string chips;
  std::string save;
  std::string requests_out;
  std::string seed;
  std::string shared_prefix;
  std::string shared_prefix_share;
  std::string slo;
  std::string slo_max;
  std::string repeat;
  std::string trace;
  std::string turns;
};

// --- flag parsing -------------------------------------------------------------------------

// Ranges of the flags (docs/bench.md): wide enough for any real server, narrow enough that
// every figure derived from them stays exact in the types that carry it.
constexpr double k_max_seconds = 86'400;           // timeouts and intervals: a day
constexpr std::int64_t k_max_tokens = 10'000'000;  // a request's input or output tokens
constexpr std::int64_t k_max_in_flight = 100'000;  // requests in flight (one socket each)
constexpr std::int64_t k_max_chips = 100'000;
constexpr std::int64_t k_max_requests = 1'000'000'000;

/// A finite number in (0, max] (or [0, max] with allow_zero); else exit 2 naming the value,
/// the flag and the range.
double parse_number(std::string_view flag, std::string_view text, bool allow_zero = false, double max = 1e15) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = fmt::format("accepted: {} 0 up to {}", allow_zero ? "from" : "more than", max);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || !(allow_zero ? v >= 0 : v > 0)) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: '{}' is not a {} number", flag, text, allow_zero ? "non-negative" : "positive"), range);
  }
  if (v > max) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is out of range", flag, text), range);
  }
  return v;
}

/// A whole number in [1, max] (or [0, max] with allow_zero), checked before any narrowing.
std::int64_t parse_count(std::string_view flag, std::string_view text, bool allow_zero = false,
                         std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = fmt::format("accepted: {} to {}", allow_zero ? 0 : 1, max);
  if (ec == std::errc::result_out_of_range && p == text.data() + text.size()) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is out of range", flag, text), range);
  }
  if (ec != std::errc() || p != text.data() + text.size() || (allow_zero ? v < 0 : v <= 0)) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: '{}' is not a {} integer", flag, text, allow_zero ? "non-negative" : "positive"), range);
  }
  if (v > max) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is out of range", flag, text), range);
  }
  return v;
}

/// parse_count narrowed to int (max fits in int).
int parse_int(std::string_view flag, std::string_view text, std::int64_t max, bool allow_zero = false) {
  return static_cast<int>(parse_count(flag, text, allow_zero, max));
}

/// "1000", "1000±100" or "1000+-100" (tokens ± uniform range).
SyntheticPrompts parse_input_tokens(const std::string& text) {
  SyntheticPrompts s;
  std::size_t sep = text.find("±");
  std::size_t sep_len = 2;
  if (sep == std::string::npos) {
    sep = text.find("+-");
  }
  const std::string mean = text.substr(0, sep);
  s.tokens = parse_int("--input-tokens", mean, k_max_tokens);
  if (sep != std::string::npos) {
    s.range = parse_int("--input-tokens", text.substr(sep + sep_len), k_max_tokens, true);
    if (s.range >= s.tokens) {
      throw Error(ErrorKind::usage, fmt::format("--input-tokens: range {} is not below the mean {}", s.range, s.tokens),
                  "write I±R with R < I, e.g. 1000±200");
    }
  }
  return s;
}

std::string trim(std::string_view s) { return std::string(tpuplan::detail::trim(s, " \t\r\n")); }

/// The API key: from an environment variable or the first line of a file, never from argv.
std::string read_api_key(const BenchFlags& f) {
  if (!f.api_key_env.empty()) {
    const char* v = std::getenv(f.api_key_env.c_str());
    if (v == nullptr || *v == '\0') {
      throw Error(ErrorKind::usage, fmt::format("--api-key-env: environment variable '{}' is not set", f.api_key_env));
    }
    return trim(v);
  }
  if (!f.api_key_file.empty()) {
    std::istringstream in(tpuplan::detail::read_input_file(f.api_key_file, "--api-key-file", 64 * 1024));
    std::string line;
    if (!std::getline(in, line) || trim(line).empty()) {
      throw Error(ErrorKind::usage, fmt::format("--api-key-file: cannot read a key from '{}'", f.api_key_file));
    }
    return trim(line);
  }
  return {};
}

/// Header names that carry credentials: refused on the command line (visible to every user
/// of the machine in ps and /proc/PID/cmdline); --header-file and --header-env take them.
bool secret_header_name(std::string_view name) {
  for (const char* known : {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key",
                            "x-auth-token", "cookie"}) {
    if (tpuplan::detail::iequals(name, known)) {
      return true;
    }
  }
  return false;
}

/// "Name: value" checked and normalised; `where` names its source in errors.
std::string parse_header(std::string_view h, const std::string& where, bool from_command_line) {
  const auto colon = h.find(':');
  if (colon == std::string::npos || colon == 0 || trim(h.substr(0, colon)).empty()) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: '{}' is not NAME:VALUE", where, h.substr(0, std::min<std::size_t>(colon, 40))),
                "e.g. --header 'X-Tenant: team-a'");
  }
  const std::string name = trim(h.substr(0, colon));
  if (h.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
      name.find_first_of(" \t\"(),/:;<=>?@[\\]{}") != std::string::npos) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: '{}' has a character a header cannot carry", where, name.substr(0, 40)),
                "a field name is letters, digits and !#$%&'*+-.^_`|~; a value has no line breaks");
  }
  if (from_command_line && secret_header_name(name)) {
    throw Error(ErrorKind::usage, fmt::format("{}: {} cannot be given on the command line", where, name),
                tpuplan::detail::iequals(name, "authorization") || tpuplan::detail::iequals(name, "proxy-authorization")
                    ? "pass the key with --api-key-env VAR or --api-key-file FILE (or the header with --header-file FILE / --header-env VAR)"
                    : "pass it with --header-file FILE or --header-env VAR (its value stays out of ps and /proc)");
  }
  return name + ": " + trim(h.substr(colon + 1));
}

/// Secret headers: one "Name: value" per line of each --header-file (blank lines and lines
/// starting with '#' skipped), one per --header-env variable.
std::vector<std::string> read_secret_headers(const BenchFlags& f) {
  std::vector<std::string> out;
  for (const auto& file : f.header_files) {
    const std::string text = tpuplan::detail::read_input_file(file, "--header-file", std::size_t{1} << 20);
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string t = trim(line);
      if (t.empty() || t.front() == '#') {
        continue;
      }
      out.push_back(parse_header(t, fmt::format("--header-file {}:{}", file, number), false));
    }
  }
  for (const auto& var : f.header_envs) {
    const char* v = std::getenv(var.c_str());
    if (v == nullptr || *v == '\0') {
      throw Error(ErrorKind::usage, fmt::format("--header-env: environment variable '{}' is not set", var));
    }
    out.push_back(parse_header(trim(v), fmt::format("--header-env {}", var), false));
  }
  return out;
}

BenchConfig make_config(const BenchFlags& f, Context& ctx) {
  BenchConfig c;
  c.endpoint.base_url = normalize_endpoint(f.endpoint);
  if (f.api != "auto") {
    const auto api = parse_api(f.api);
    if (!api) {
      auto names = api_names();
      names.push_back("auto");
      throw_unknown("--api", f.api, names);
    }
    c.api = *api;
  }
  c.model = f.model;
  // Load levels: one per value of --concurrency or --rate.
  std::int64_t requests = f.requests.empty() ? 0 : parse_count("--requests", f.requests, false, k_max_requests);
  const double duration = f.duration.empty() ? 0 : parse_number("--duration", f.duration, false, 30 * k_max_seconds);
  if (requests == 0 && duration == 0) {
    requests = 100;
  }
  const auto values = split_list(f.rate.empty() ? (f.concurrency.empty() ? "1" : f.concurrency) : f.rate);
  if (values.empty()) {
    throw Error(ErrorKind::usage, fmt::format("{}: no value given", f.rate.empty() ? "--concurrency" : "--rate"),
                "e.g. --concurrency 1,8,32 or --rate 2,4,8");
  }
  if (values.size() > tpuplan::bench::k_max_profile_levels) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: {} levels is out of range", f.rate.empty() ? "--concurrency" : "--rate", values.size()),
                fmt::format("accepted: 1 to {} values in one run", tpuplan::bench::k_max_profile_levels));
  }
  for (const auto& v : values) {
    LoadLevel l;
    l.requests = requests;
    l.duration_s = duration;
    if (f.rate.empty()) {
      l.mode = LoadMode::concurrency;
      l.concurrency = parse_int("--concurrency", v, k_max_in_flight);
    } else {
      l.mode = LoadMode::rate;
      l.rate_rps = parse_number("--rate", v, false, 1e6);
      l.burstiness = f.burstiness.empty() ? 1.0 : parse_number("--burstiness", f.burstiness, false, 1e3);
      l.max_concurrency = f.max_concurrency.empty() ? 0 : parse_int("--max-concurrency", f.max_concurrency, k_max_in_flight);
    }
    c.levels.push_back(l);
  }
  c.warmup_requests = parse_count("--warmup", f.warmup, true, k_max_requests);
  c.synthetic = parse_input_tokens(f.input_tokens.empty() ? "1024" : f.input_tokens);
  c.input_tokens_given = !f.input_tokens.empty();
  if (!f.shared_prefix.empty()) {
    c.prefix.shared_tokens = parse_int("--shared-prefix", f.shared_prefix, k_max_tokens);
    if (f.dataset.empty() && f.trace.empty() && c.prefix.shared_tokens + k_unique_prefix_words >= c.synthetic.tokens - c.synthetic.range) {
      throw Error(ErrorKind::usage,
                  fmt::format("--shared-prefix {} leaves no room in prompts of {} tokens", c.prefix.shared_tokens,
                              c.synthetic.tokens - c.synthetic.range),
                  fmt::format("the shared prefix and the {}-word unique prefix must be shorter than --input-tokens",
                              k_unique_prefix_words));
    }
  }
  if (!f.shared_prefix_share.empty()) {
    if (f.shared_prefix.empty()) {
      throw Error(ErrorKind::usage, "--shared-prefix-share needs --shared-prefix N", "e.g. --shared-prefix 512 --shared-prefix-share 0.5");
    }
    c.prefix.shared_share = parse_number("--shared-prefix-share", f.shared_prefix_share);
    if (c.prefix.shared_share > 1) {
      throw Error(ErrorKind::usage, fmt::format("--shared-prefix-share: '{}' is not a fraction in (0, 1]", f.shared_prefix_share));
    }
  }
  // A fresh nonce per run opens every prompt: no run repeats another's, even with --seed.
  c.prefix.nonce = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  if (!f.repeat.empty()) {
    c.repeat = parse_int("--repeat", f.repeat, 100);
  }
  if (!f.turns.empty()) {
    c.turns = parse_int("--turns", f.turns, 1000);
  }
  c.trace = f.trace;
  if (!f.slo.empty()) {
    SloSearchSpec spec;
    spec.targets = parse_slo_targets(f.slo);
    spec.mode = f.concurrency.empty() ? LoadMode::rate : LoadMode::concurrency;
    if (c.levels.size() > 1) {
      throw Error(ErrorKind::usage, "--slo searches the load itself: give one starting --rate or --concurrency value",
                  "e.g. --slo ttft-p99=500 --rate 1 (the default start is 1 req/s)");
    }
    spec.start = spec.mode == LoadMode::rate ? c.levels.front().rate_rps : c.levels.front().concurrency;
    if (spec.mode == LoadMode::rate && f.rate.empty()) {
      spec.start = 1;
      c.levels.front().mode = LoadMode::rate;
      c.levels.front().rate_rps = 1;
    }
    if (!f.slo_max.empty()) {
      spec.max = parse_number("--slo-max", f.slo_max, false, 1e6);
    }
    c.slo_search = spec;
  } else if (!f.slo_max.empty()) {
    throw Error(ErrorKind::usage, "--slo-max needs --slo", "e.g. --slo ttft-p99=500 --slo-max 64");
  }
  c.output_tokens = parse_int("--output-tokens", f.output_tokens, k_max_tokens);
  c.dataset = f.dataset;
  if (f.ignore_eos || f.no_ignore_eos) {
    c.ignore_eos = f.ignore_eos;
  }
  if (!f.ttft_ms.empty()) {
    c.slo.ttft_ms = parse_number("--ttft-ms", f.ttft_ms, false, k_max_seconds * 1000);
  }
  if (!f.tpot_ms.empty()) {
    c.slo.tpot_ms = parse_number("--tpot-ms", f.tpot_ms, false, k_max_seconds * 1000);
  }
  c.endpoint.request_timeout_s = parse_number("--timeout", f.timeout, false, k_max_seconds);
  c.endpoint.connect_timeout_s = parse_number("--connect-timeout", f.connect_timeout, false, k_max_seconds);
  c.endpoint.idle_timeout_s = parse_number("--idle-timeout", f.idle_timeout, false, k_max_seconds);
  c.drain_timeout_s = parse_number("--drain-timeout", f.drain_timeout, true, k_max_seconds);
  c.endpoint.max_response_bytes = parse_count("--max-response-bytes", f.max_response_bytes, false, std::int64_t{1} << 40);
  c.endpoint.insecure = f.insecure;
  c.endpoint.follow_redirects = f.follow_redirects;
  if (f.http_client == "builtin") {
    c.endpoint.http_client = HttpClient::builtin;
  } else if (f.http_client == "libcurl") {
    c.endpoint.http_client = HttpClient::libcurl;
  } else if (f.http_client != "auto") {
    throw_unknown("--http-client", f.http_client, {"auto", "builtin", "libcurl"});
  }
  if (f.io == "epoll") {
    c.endpoint.io = IoMode::epoll;
  } else if (f.io == "io_uring") {
    c.endpoint.io = IoMode::io_uring;
  } else if (f.io != "auto") {
    throw_unknown("--io", f.io, {"auto", "epoll", "io_uring"});
  }
  uses_builtin_client(c.endpoint); // the combinations the built-in client refuses, before any request
  c.endpoint.api_key = read_api_key(f);
  for (const auto& h : f.headers) {
    c.endpoint.headers.push_back(parse_header(h, "--header", true));
  }
  c.endpoint.secret_headers = read_secret_headers(f);
  c.endpoint.metrics_api_key = f.metrics_api_key;
  c.scrape_metrics = !f.no_metrics;
  if (!f.metrics_url.empty()) {
    c.metrics_url = check_http_url(f.metrics_url, "--metrics-url");
  }
  c.metrics_interval_s = parse_number("--metrics-interval", f.metrics_interval, false, 3600);
  if (f.seed.empty()) {
    // A fresh seed per run, recorded in the profile: reruns do not hit a warm prefix cache
    // unless --seed asks for the same prompts again.
    c.seed = (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    c.seed &= 0x7FFFFFFFFFFFFFFFULL; // stays an exact JSON integer for any reader
  } else {
    c.seed = static_cast<std::uint64_t>(parse_count("--seed", f.seed, true));
  }
  // Hardware: a catalog offering, or an accelerator × chips.
  if (!f.offering.empty()) {
    const Catalog& catalog = ctx.data().catalog;
    const Offering* o = catalog.find_offering(f.offering);
    if (o == nullptr) {
      const auto matches = catalog.match_offerings(f.offering);
      if (matches.size() > 1) {
        std::string ids;
        for (const auto* m : matches) {
          ids += (ids.empty() ? "" : ", ") + m->id;
        }
        throw Error(ErrorKind::usage, fmt::format("--offering: '{}' is offered in several regions", f.offering),
                    "name one: " + ids);
      }
      if (matches.empty()) {
        std::vector<std::string> ids;
        for (const auto& off : catalog.offerings) {
          ids.push_back(off.id);
        }
        throw_unknown("offering", f.offering, ids);
      }
      o = matches.front();
    }
    c.offering = o->id;
    c.accelerator = o->accelerator;
    c.chips = o->chips;
  } else if (!f.accelerator.empty()) {
    c.accelerator = ctx.data().catalog.accelerator(f.accelerator).id;
    if (f.chips.empty()) {
      throw Error(ErrorKind::usage, "--accelerator needs --chips N", "e.g. --accelerator v5e --chips 8");
    }
    c.chips = parse_int("--chips", f.chips, k_max_chips);
  } else if (!f.chips.empty()) {
    throw Error(ErrorKind::usage, "--chips needs --accelerator A", "e.g. --accelerator v5e --chips 8");
  }
  c.tool_version = k_version;
  if (const char* lib = std::getenv("TPUPLAN_LIBCURL"); lib != nullptr && *lib != '\0') {
    c.curl_library = lib;
  }
  return c;
}

// --- SIGINT -------------------------------------------------------------------------------

/// The one piece of global state: a signal handler can reach the run only through it.
std::atomic<int>* g_stop = nullptr;

extern "C" void on_sigint(int) {
  if (g_stop != nullptr) {
    // Lock-free, hence async-signal-safe: 1 = stop sending and drain, 2 = abandon every
    // request and blocking step now; a third means the run did not stop: leave at once.
    if (g_stop->fetch_add(1) >= 2) {
      _exit(130);
    }
  }
}

/// Routes SIGINT to a stop flag while alive; restores the previous handler after.
class SigintGuard {
public:
  explicit SigintGuard(std::atomic<int>& stop) {
    g_stop = &stop;
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &m_previous);
  }
  ~SigintGuard() {
    sigaction(SIGINT, &m_previous, nullptr);
    g_stop = nullptr;
  }
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

private:
  struct sigaction m_previous {};
};

// --- running ------------------------------------------------------------------------------

std::string load_label(const LoadLevel& l) {
  return l.mode == LoadMode::concurrency ? fmt::format("concurrency {}", l.concurrency)
                                         : fmt::format("rate {} req/s", l.rate_rps);
}

/// Runs one configuration with progress on a terminal, Ctrl-C routed to `stop`, and every
/// request streamed to `requests_out` (when not empty) as it finishes.
BenchRun execute(const BenchConfig& config, Context& ctx, std::atomic<int>& stop, const std::string& label,
                 const std::string& requests_out) {
  const bool progress = ctx.stderr_is_tty() && !ctx.options().quiet;
  bool line_drawn = false;
  const auto clear_line = [&] {
    if (line_drawn) {
      std::cerr << "\r\033[K" << std::flush;
      line_drawn = false;
    }
  };
  BenchHooks hooks;
  hooks.stop = &stop;
  hooks.warn = [&](std::string_view text) {
    clear_line();
    ctx.warn(label.empty() ? std::string(text) : label + ": " + std::string(text));
  };
  if (progress) {
    hooks.progress = [&](std::size_t level, std::size_t levels, bool warmup, const LoadLevel& load, const LevelProgress& p) {
      const std::string count = levels > 0 ? fmt::format("{}/{}", level + 1, levels) : std::to_string(level + 1);
      const std::string where = warmup ? std::string("warm-up") : fmt::format("level {}, {}", count, load_label(load));
      const std::string total = p.total ? fmt::format("/{}", *p.total) : "";
      const double tps = p.elapsed_s > 0 ? static_cast<double>(p.output_tokens) / p.elapsed_s : 0;
      std::cerr << fmt::format("\r\033[K{}[{}] {}{} done, {} errors, {} in flight, {:.0f} tok/s{}",
                               label.empty() ? "" : label + " ", where, p.completed + p.failed, total, p.failed,
                               p.in_flight, tps, stop.load() > 0 ? " — stopping (Ctrl-C again to abandon)" : "")
                << std::flush;
      line_drawn = true;
    };
  }
  std::optional<RequestLogWriter> log;
  if (!requests_out.empty()) {
    log.emplace(requests_out);
    hooks.on_record = [&log](std::size_t level, const RequestRecord& r, std::int64_t start_ns) { log->write(r, level, start_ns); };
  }
  BenchRun run;
  {
    SigintGuard guard(stop);
    try {
      run = run_bench(config, hooks);
    } catch (...) {
      clear_line();
      throw;
    }
  }
  clear_line();
  if (log) {
    log->commit(); // before the report, so an interrupted run still leaves it
    if (!ctx.options().quiet) {
      std::cerr << "tpuplan: wrote " << requests_out << '\n';
    }
  }
  return run;
}

/// "v5e.json" → "v5e.tpu-gemma.json": one file per backend when --config runs several.
std::string per_backend_path(const std::string& path, const std::string& backend) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return path + "." + backend;
  }
  return path.substr(0, dot) + "." + backend + path.substr(dot);
}

/// Writes --save (before the report, so an interrupted run still leaves it).
void write_outputs(const BenchRun& run, const std::string& save, Context& ctx) {
  if (!save.empty()) {
    write_file_atomically(save, to_json(run.profile).dump(2) + "\n", "--save");
    if (!ctx.options().quiet) {
      std::cerr << "tpuplan: wrote " << save << (run.interrupted ? " (partial)" : "") << '\n';
    }
  }
}

bool measured_anything(const Profile& p) {
  return std::any_of(p.levels.begin(), p.levels.end(), [](const LevelResult& l) { return l.requests_ok > 0; });
}

void add_request_inputs(Report& report, const BenchConfig& config) {
  std::vector<std::string> header_names;
  for (const auto& h : config.endpoint.headers) {
    header_names.push_back(h.substr(0, h.find(':'))); // names only: values may be secrets
  }
  report.inputs["headers"] = header_names;
  std::vector<std::string> secret_names;
  for (const auto& h : config.endpoint.secret_headers) {
    secret_names.push_back(h.substr(0, h.find(':')));
  }
  report.inputs["secret_headers"] = secret_names;
  report.inputs["insecure"] = config.endpoint.insecure;
  report.inputs["api_key"] = config.endpoint.api_key.empty() ? "none" : "sent (not shown)";
}

/// `bench --config FILE` without --endpoint: the same load against every backend, compared.
int run_backends(const BenchFlags& flags, Context& ctx) {
  const auto& backends = ctx.config().backends;
  if (backends.empty()) {
    throw Error(ErrorKind::usage, "--endpoint is required", "or give --config FILE with a 'backends:' list");
  }
  std::atomic<int> stop{0};
  std::vector<BackendRun> profiles;
  std::vector<std::string> unmeasured;
  // Every backend's settings are checked before the first request, and all share one seed:
  // the same prompts and schedule against each.
  std::vector<BenchConfig> configs;
  for (const auto& backend : backends) {
    BenchFlags f = flags;
    f.endpoint = backend.endpoint;
    if (backend.timeout_s) {
      f.timeout = fmt::format("{}", *backend.timeout_s); // the backend's own timeout (config: timeout)
    }
    if (!configs.empty() && f.seed.empty()) {
      f.seed = std::to_string(configs.front().seed);
    }
    configs.push_back(make_config(f, ctx));
    // The per-backend output files, before the first request (a run is not lost to a bad path).
    if (!flags.save.empty()) {
      tpuplan::detail::check_output_path(per_backend_path(flags.save, backend.name), "--save");
    }
    if (!flags.requests_out.empty()) {
      tpuplan::detail::check_output_path(per_backend_path(flags.requests_out, backend.name), "--requests-out");
    }
  }
  BenchConfig last;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const auto& backend = backends[i];
    const BenchConfig& config = configs[i];
    last = config;
    BenchRun run;
    try {
      run = execute(config, ctx, stop, backend.name,
                    flags.requests_out.empty() ? "" : per_backend_path(flags.requests_out, backend.name));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::runtime) {
        throw;
      }
      // One backend down is a result of the comparison, not the end of it.
      ctx.warn(fmt::format("{}: {}", backend.name, e.what()));
      unmeasured.push_back(backend.name);
      BackendRun failed;
      failed.name = backend.name;
      failed.profile.endpoint = redact_url(normalize_endpoint(backend.endpoint));
      failed.error = e.what();
      profiles.push_back(std::move(failed));
      continue;
    }
    write_outputs(run, flags.save.empty() ? "" : per_backend_path(flags.save, backend.name), ctx);
    if (!measured_anything(run.profile)) {
      unmeasured.push_back(backend.name);
    }
    profiles.push_back({backend.name, run.profile, {}});
    if (run.interrupted) {
      break;
    }
  }
  Report report = compare_report(profiles);
  report.inputs["config"] = ctx.config().origin;
  add_request_inputs(report, last);
  ctx.emit(report);
  if (stop.load() > 0) {
    throw Error(ErrorKind::interrupted, "interrupted: the results above are partial");
  }
  if (!unmeasured.empty()) {
    std::string names;
    for (const auto& n : unmeasured) {
      names += (names.empty() ? "" : ", ") + n;
    }
    throw Error(ErrorKind::runtime, fmt::format("every request failed on {}", names),
                "see the errors in the table above; 'tpuplan health --config' checks the backends");
  }
  return 0;
}

int run_bench_command(const BenchFlags& flags, Context& ctx) {
  if (flags.endpoint.empty()) {
    return run_backends(flags, ctx);
  }
  const BenchConfig config = make_config(flags, ctx);
  std::atomic<int> stop{0};
  const BenchRun run = execute(config, ctx, stop, "", flags.requests_out);
  write_outputs(run, flags.save, ctx);
  Report report = bench_report(run.profile);
  add_request_inputs(report, config);
  ctx.emit(report);
  if (run.interrupted) {
    throw Error(ErrorKind::interrupted, "interrupted: the results above are partial",
                flags.save.empty() ? std::string{} : "profile saved (marked partial) to " + flags.save);
  }
  if (!measured_anything(run.profile)) {
    throw Error(ErrorKind::runtime, "every request failed; see the errors table above",
                "check --endpoint, --api, --model and the API key");
  }
  if (run.profile.slo_search && !run.profile.slo_search->best) {
    throw Error(ErrorKind::infeasible, "no load level meets the SLO: " + run.profile.slo_search->stop_reason,
                "see the levels above; a looser --slo or a faster server");
  }
  return 0;
}

} // namespace

Runner setup_bench(CLI::App& sub) {
  sub.description("Load-test a live inference server (OpenAI-compatible, TGI, JetStream, llama.cpp) and report "
                  "TTFT, TPOT, ITL, E2E, throughput and goodput per load level. Definitions: docs/bench.md.\n"
                  "With --config FILE and no --endpoint, runs the same load against every backend of the file "
                  "and compares them; --format svg draws throughput against p50/p99 latency.");
  auto f = std::make_shared<BenchFlags>();
  sub.add_option("--endpoint", f->endpoint,
                 "server base URL, e.g. http://10.0.0.5:8000 (http or https); without it, every backend of --config");
  sub.add_option("--api", f->api, "openai-chat, openai-completions, tgi, jetstream-http, llamacpp or auto (default: auto)");
  sub.add_option("--model", f->model, "model to request (default: the first of GET /v1/models)");
  auto* conc = as_list(sub.add_option("--concurrency", f->concurrency,
                                      "closed loop: requests in flight, a level per value (e.g. 1,8,32; default 1)"));
  auto* rate = as_list(sub.add_option("--rate", f->rate, "open loop: arrivals per second, a level per value (e.g. 2,4,8)"));
  conc->excludes(rate);
  sub.add_option("--burstiness", f->burstiness, "open loop: gamma shape of arrival gaps (1 = Poisson, < 1 burstier)")->needs(rate);
  sub.add_option("--max-concurrency", f->max_concurrency, "open loop: cap on requests in flight (latency still counts from the schedule)")->needs(rate);
  auto* reqs = sub.add_option("--requests", f->requests, "requests per level (default 100)");
  auto* dur = sub.add_option("--duration", f->duration, "seconds of sending per level, instead of --requests");
  reqs->excludes(dur);
  sub.add_option("--warmup", f->warmup, "requests sent at the first level's load before measuring (default 0)");
  sub.add_option("--input-tokens", f->input_tokens,
                 "synthetic prompt length I or I±R tokens (default 1024, shortened to fit the server's context)");
  sub.add_option("--output-tokens", f->output_tokens, "max output tokens per request (default 128)");
  sub.add_option("--dataset", f->dataset, "JSONL prompts: {\"prompt\": …} or {\"messages\": […]} per line");
  auto* ignore = sub.add_flag("--ignore-eos", f->ignore_eos, "send ignore_eos even if the server is not known to accept it");
  auto* no_ignore = sub.add_flag("--no-ignore-eos", f->no_ignore_eos, "never send ignore_eos");
  ignore->excludes(no_ignore);
  sub.add_option("--ttft-ms", f->ttft_ms, "goodput SLO: time to first token, ms");
  sub.add_option("--tpot-ms", f->tpot_ms, "goodput SLO: time per output token, ms");
  sub.add_option("--timeout", f->timeout, "total seconds per request (default 600)");
  sub.add_option("--connect-timeout", f->connect_timeout, "seconds to connect (default 10)");
  sub.add_option("--idle-timeout", f->idle_timeout, "fail a request that receives nothing for this many seconds (default 60)");
  sub.add_option("--drain-timeout", f->drain_timeout, "after Ctrl-C, seconds given to requests in flight (default 5)");
  sub.add_option("--max-response-bytes", f->max_response_bytes, "fail a response larger than this (default 64 MiB)");
  auto* key_env = sub.add_option("--api-key-env", f->api_key_env, "environment variable holding the API key (sent as a bearer token)");
  auto* key_file = sub.add_option("--api-key-file", f->api_key_file, "file whose first line is the API key");
  key_env->excludes(key_file);
  sub.add_option("--header", f->headers,
                 "extra request header NAME:VALUE (repeatable; values are never printed; secret names such as "
                 "X-Api-Key are refused here)");
  sub.add_option("--header-file", f->header_files,
                 "file of secret headers, one NAME: VALUE per line (repeatable; sent only to the endpoint's origin)");
  sub.add_option("--header-env", f->header_envs,
                 "environment variable holding a secret header NAME: VALUE (repeatable; sent only to the endpoint's origin)");
  sub.add_flag("--metrics-api-key", f->metrics_api_key,
               "also send the API key to a --metrics-url on another host or port");
  auto* murl = sub.add_option("--metrics-url", f->metrics_url, "Prometheus endpoint (default: the endpoint's /metrics, if any)");
  auto* nometrics = sub.add_flag("--no-metrics", f->no_metrics, "do not scrape server metrics");
  murl->excludes(nometrics);
  sub.add_option("--metrics-interval", f->metrics_interval, "seconds between metric samples during a level (default 1)");
  sub.add_flag("--insecure", f->insecure, "do not verify TLS certificates");
  sub.add_flag("--follow-redirects", f->follow_redirects, "follow HTTP redirects (http/https only)");
  sub.add_option("--http-client", f->http_client,
                 "auto (built-in HTTP/1.1 client for plain http, libcurl for https, proxies, redirects), builtin or libcurl");
  sub.add_option("--io", f->io,
                 "how the built-in client receives: auto (epoll), epoll or io_uring (epoll, with a warning, where the kernel refuses a ring)");
  auto* off = sub.add_option("--offering", f->offering, "catalog offering the server runs on (recorded in the profile)");
  auto* acc = sub.add_option("--accelerator", f->accelerator, "accelerator the server runs on (with --chips)");
  sub.add_option("--chips", f->chips, "chips the server uses (with --accelerator)");
  off->excludes(acc);
  sub.add_option("--save", f->save, "write the profile (tpuplan.bench/v1 JSON) to FILE");
  sub.add_option("--requests-out", f->requests_out, "write one JSON line per request to FILE");
  sub.add_option("--seed", f->seed, "seed of prompts and schedules (default: random, recorded in the profile)");
  sub.add_option("--shared-prefix", f->shared_prefix,
                 "measure a prompt cache: prompts start with the same N tokens (the cache is left on; cached tokens reported)");
  sub.add_option("--shared-prefix-share", f->shared_prefix_share, "fraction of requests that share the prefix (default 1)");
  sub.add_option("--slo", f->slo,
                 "search the highest --rate (or --concurrency) meeting targets, e.g. ttft-p99=500,tpot-p99=50 (ms); "
                 "exit 3 when none does");
  sub.add_option("--slo-max", f->slo_max, "with --slo: the highest rate or concurrency to try (default 4096)");
  sub.add_option("--repeat", f->repeat, "run each level N times; the report gives 95% confidence intervals");
  sub.add_option("--trace", f->trace,
                 "replay a JSONL trace: {\"arrival_s\": …, \"input_tokens\": …, \"output_tokens\": …} per line");
  sub.add_option("--turns", f->turns, "multi-turn conversations of N requests, each sending the history (chat)");
  return [f](Context& ctx) { return run_bench_command(*f, ctx); };
}

} // namespace tpuplan::app
