// `tpuplan bench`: live load testing of an inference server. Flags become a BenchConfig;
// the library runs the load (lib/tpuplan/bench/runner.hpp) and returns a profile; this file
// draws progress on a terminal, saves the profile and the per-request log, and emits the
// report. Definitions and protocol notes: docs/bench.md.
#include "command.hpp"

#include <tpuplan/bench/bench_report.hpp>
#include <tpuplan/bench/request_log.hpp>
#include <tpuplan/bench/runner.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/version.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

namespace tpuplan::app {

namespace {

using namespace tpuplan::bench;

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
  std::string input_tokens = "1024";
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
  std::string metrics_url;
  std::string metrics_interval = "1";
  bool no_metrics = false;
  bool insecure = false;
  bool follow_redirects = false;
  std::string http_client = "auto";
  bool ignore_eos = false;
  bool no_ignore_eos = false;
  std::string offering;
  std::string accelerator;
  std::string chips;
  std::string save;
  std::string requests_out;
  std::string seed;
};

// --- flag parsing -------------------------------------------------------------------------

double parse_number(std::string_view flag, std::string_view text, bool allow_zero = false) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !(allow_zero ? v >= 0 : v > 0) || v > 1e15) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not a {} number", flag, text, allow_zero ? "non-negative" : "positive"));
  }
  return v;
}

std::int64_t parse_count(std::string_view flag, std::string_view text, bool allow_zero = false) {
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || (allow_zero ? v < 0 : v <= 0)) {
    throw Error(ErrorKind::usage,
                fmt::format("{}: '{}' is not a {} integer", flag, text, allow_zero ? "non-negative" : "positive"));
  }
  return v;
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
  s.tokens = static_cast<int>(parse_count("--input-tokens", mean));
  if (sep != std::string::npos) {
    s.range = static_cast<int>(parse_count("--input-tokens", text.substr(sep + sep_len), true));
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
    std::ifstream in(f.api_key_file);
    std::string line;
    if (!in || !std::getline(in, line) || trim(line).empty()) {
      throw Error(ErrorKind::usage, fmt::format("--api-key-file: cannot read a key from '{}'", f.api_key_file));
    }
    return trim(line);
  }
  return {};
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
  std::int64_t requests = f.requests.empty() ? 0 : parse_count("--requests", f.requests);
  const double duration = f.duration.empty() ? 0 : parse_number("--duration", f.duration);
  if (requests == 0 && duration == 0) {
    requests = 100;
  }
  const auto values = split_list(f.rate.empty() ? (f.concurrency.empty() ? "1" : f.concurrency) : f.rate);
  if (values.empty()) {
    throw Error(ErrorKind::usage, fmt::format("{}: no value given", f.rate.empty() ? "--concurrency" : "--rate"),
                "e.g. --concurrency 1,8,32 or --rate 2,4,8");
  }
  for (const auto& v : values) {
    LoadLevel l;
    l.requests = requests;
    l.duration_s = duration;
    if (f.rate.empty()) {
      l.mode = LoadMode::concurrency;
      l.concurrency = static_cast<int>(parse_count("--concurrency", v));
    } else {
      l.mode = LoadMode::rate;
      l.rate_rps = parse_number("--rate", v);
      l.burstiness = f.burstiness.empty() ? 1.0 : parse_number("--burstiness", f.burstiness);
      l.max_concurrency = f.max_concurrency.empty() ? 0 : static_cast<int>(parse_count("--max-concurrency", f.max_concurrency));
    }
    c.levels.push_back(l);
  }
  c.warmup_requests = parse_count("--warmup", f.warmup, true);
  c.synthetic = parse_input_tokens(f.input_tokens);
  c.output_tokens = static_cast<int>(parse_count("--output-tokens", f.output_tokens));
  c.dataset = f.dataset;
  if (f.ignore_eos || f.no_ignore_eos) {
    c.ignore_eos = f.ignore_eos;
  }
  if (!f.ttft_ms.empty()) {
    c.slo.ttft_ms = parse_number("--ttft-ms", f.ttft_ms);
  }
  if (!f.tpot_ms.empty()) {
    c.slo.tpot_ms = parse_number("--tpot-ms", f.tpot_ms);
  }
  c.endpoint.request_timeout_s = parse_number("--timeout", f.timeout);
  c.endpoint.connect_timeout_s = parse_number("--connect-timeout", f.connect_timeout);
  c.endpoint.idle_timeout_s = parse_number("--idle-timeout", f.idle_timeout);
  c.drain_timeout_s = parse_number("--drain-timeout", f.drain_timeout, true);
  c.endpoint.max_response_bytes = parse_count("--max-response-bytes", f.max_response_bytes);
  c.endpoint.insecure = f.insecure;
  c.endpoint.follow_redirects = f.follow_redirects;
  if (f.http_client == "builtin") {
    c.endpoint.http_client = HttpClient::builtin;
  } else if (f.http_client == "libcurl") {
    c.endpoint.http_client = HttpClient::libcurl;
  } else if (f.http_client != "auto") {
    throw_unknown("--http-client", f.http_client, {"auto", "builtin", "libcurl"});
  }
  uses_builtin_client(c.endpoint); // the combinations the built-in client refuses, before any request
  c.endpoint.api_key = read_api_key(f);
  for (const auto& h : f.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0 || trim(h.substr(0, colon)).empty()) {
      throw Error(ErrorKind::usage, fmt::format("--header: '{}' is not NAME:VALUE", h.substr(0, std::min<std::size_t>(colon, 40))),
                  "e.g. --header 'X-Tenant: team-a'");
    }
    const std::string name = trim(h.substr(0, colon));
    if (h.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
        name.find_first_of(" \t\"(),/:;<=>?@[\\]{}") != std::string::npos) {
      throw Error(ErrorKind::usage, fmt::format("--header: '{}' has a character a header cannot carry", name.substr(0, 40)),
                  "a field name is letters, digits and !#$%&'*+-.^_`|~; a value has no line breaks");
    }
    if (tpuplan::detail::iequals(name, "authorization") || tpuplan::detail::iequals(name, "proxy-authorization")) {
      // A key on the command line is visible to every user of the machine (ps, /proc).
      throw Error(ErrorKind::usage, fmt::format("--header: {} cannot be given on the command line", name),
                  "pass the key with --api-key-env VAR or --api-key-file FILE");
    }
    c.endpoint.headers.push_back(name + ": " + trim(h.substr(colon + 1)));
  }
  c.scrape_metrics = !f.no_metrics;
  if (!f.metrics_url.empty()) {
    c.metrics_url = check_http_url(f.metrics_url, "--metrics-url");
  }
  c.metrics_interval_s = parse_number("--metrics-interval", f.metrics_interval);
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
    c.chips = static_cast<int>(parse_count("--chips", f.chips));
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
    g_stop->fetch_add(1); // lock-free, hence async-signal-safe: 1 = drain, 2 = abandon
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

/// Runs one configuration with progress on a terminal and Ctrl-C routed to `stop`.
BenchRun execute(const BenchConfig& config, Context& ctx, std::atomic<int>& stop, const std::string& label) {
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
    hooks.progress = [&](std::size_t level, std::size_t levels, bool warmup, const LevelProgress& p) {
      const std::string where = warmup ? std::string("warm-up")
                                       : fmt::format("level {}/{}, {}", level + 1, levels, load_label(config.levels[level]));
      const std::string total = p.total ? fmt::format("/{}", *p.total) : "";
      const double tps = p.elapsed_s > 0 ? static_cast<double>(p.output_tokens) / p.elapsed_s : 0;
      std::cerr << fmt::format("\r\033[K{}[{}] {}{} done, {} errors, {} in flight, {:.0f} tok/s{}",
                               label.empty() ? "" : label + " ", where, p.completed + p.failed, total, p.failed,
                               p.in_flight, tps, stop.load() > 0 ? " — stopping (Ctrl-C again to abandon)" : "")
                << std::flush;
      line_drawn = true;
    };
  }
  BenchRun run;
  {
    SigintGuard guard(stop);
    run = run_bench(config, hooks);
  }
  clear_line();
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

/// Writes --save and --requests-out (files first, so an interrupted run still leaves them).
void write_outputs(const BenchRun& run, const std::string& save, const std::string& requests_out, Context& ctx) {
  if (!save.empty()) {
    write_file_atomically(save, to_json(run.profile).dump(2) + "\n");
    if (!ctx.options().quiet) {
      std::cerr << "tpuplan: wrote " << save << (run.interrupted ? " (partial)" : "") << '\n';
    }
  }
  if (!requests_out.empty()) {
    std::string lines;
    for (std::size_t level = 0; level < run.runs.size(); ++level) {
      for (const auto& r : run.runs[level].records) {
        lines += request_json_line(r, level, run.runs[level].start_ns) + "\n";
      }
    }
    write_file_atomically(requests_out, lines);
    if (!ctx.options().quiet) {
      std::cerr << "tpuplan: wrote " << requests_out << '\n';
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
  report.inputs["api_key"] = config.endpoint.api_key.empty() ? "none" : "sent (not shown)";
}

/// `bench --config FILE` without --endpoint: the same load against every backend, compared.
int run_backends(const BenchFlags& flags, Context& ctx) {
  const auto& backends = ctx.config().backends;
  if (backends.empty()) {
    throw Error(ErrorKind::usage, "--endpoint is required", "or give --config FILE with a 'backends:' list");
  }
  std::atomic<int> stop{0};
  std::vector<std::pair<std::string, Profile>> profiles;
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
  }
  BenchConfig last;
  for (std::size_t i = 0; i < backends.size(); ++i) {
    const auto& backend = backends[i];
    const BenchConfig& config = configs[i];
    const BenchRun run = execute(config, ctx, stop, backend.name);
    write_outputs(run, flags.save.empty() ? "" : per_backend_path(flags.save, backend.name),
                  flags.requests_out.empty() ? "" : per_backend_path(flags.requests_out, backend.name), ctx);
    if (!measured_anything(run.profile)) {
      unmeasured.push_back(backend.name);
    }
    profiles.emplace_back(backend.name, run.profile);
    last = config;
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
  const BenchRun run = execute(config, ctx, stop, "");
  write_outputs(run, flags.save, flags.requests_out, ctx);
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
  auto* conc = sub.add_option("--concurrency", f->concurrency, "closed loop: requests in flight, a level per value (e.g. 1,8,32; default 1)");
  auto* rate = sub.add_option("--rate", f->rate, "open loop: arrivals per second, a level per value (e.g. 2,4,8)");
  conc->excludes(rate);
  sub.add_option("--burstiness", f->burstiness, "open loop: gamma shape of arrival gaps (1 = Poisson, < 1 burstier)")->needs(rate);
  sub.add_option("--max-concurrency", f->max_concurrency, "open loop: cap on requests in flight (latency still counts from the schedule)")->needs(rate);
  auto* reqs = sub.add_option("--requests", f->requests, "requests per level (default 100)");
  auto* dur = sub.add_option("--duration", f->duration, "seconds of sending per level, instead of --requests");
  reqs->excludes(dur);
  sub.add_option("--warmup", f->warmup, "requests sent at the first level's load before measuring (default 0)");
  sub.add_option("--input-tokens", f->input_tokens, "synthetic prompt length I or I±R tokens (default 1024)");
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
  sub.add_option("--header", f->headers, "extra request header NAME:VALUE (repeatable; values are never printed)");
  auto* murl = sub.add_option("--metrics-url", f->metrics_url, "Prometheus endpoint (default: the endpoint's /metrics, if any)");
  auto* nometrics = sub.add_flag("--no-metrics", f->no_metrics, "do not scrape server metrics");
  murl->excludes(nometrics);
  sub.add_option("--metrics-interval", f->metrics_interval, "seconds between metric samples during a level (default 1)");
  sub.add_flag("--insecure", f->insecure, "do not verify TLS certificates");
  sub.add_flag("--follow-redirects", f->follow_redirects, "follow HTTP redirects (http/https only)");
  sub.add_option("--http-client", f->http_client,
                 "auto (built-in HTTP/1.1 client for plain http, libcurl for https, proxies, redirects), builtin or libcurl");
  auto* off = sub.add_option("--offering", f->offering, "catalog offering the server runs on (recorded in the profile)");
  auto* acc = sub.add_option("--accelerator", f->accelerator, "accelerator the server runs on (with --chips)");
  sub.add_option("--chips", f->chips, "chips the server uses (with --accelerator)");
  off->excludes(acc);
  sub.add_option("--save", f->save, "write the profile (tpuplan.bench/v1 JSON) to FILE");
  sub.add_option("--requests-out", f->requests_out, "write one JSON line per request to FILE");
  sub.add_option("--seed", f->seed, "seed of prompts and schedules (default: random, recorded in the profile)");
  return [f](Context& ctx) { return run_bench_command(*f, ctx); };
}

} // namespace tpuplan::app
