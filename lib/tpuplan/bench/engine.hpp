// The load generator: one thread and one epoll loop (event-driven: cost per event does not
// grow with the number of streams), keep-alive connections reused across requests and levels,
// TCP_NODELAY, and token times that are the kernel's receive timestamps of the segments
// (built-in client), or the monotonic clock as bytes are read (libcurl). Requests to a
// plain-http endpoint go through the built-in HTTP/1.1 client (http1_client.hpp), others —
// https, a proxy from the environment, followed redirects — through a libcurl multi handle
// driven by curl_multi_socket_action; scrapes and probes always use libcurl.
#pragma once

#include <tpuplan/bench/curl_library.hpp>
#include <tpuplan/bench/load.hpp>
#include <tpuplan/bench/protocol.hpp>
#include <tpuplan/bench/record.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::bench {

/// Which HTTP client carries the generation requests.
enum class HttpClient {
  automatic, ///< built-in for plain http without a proxy or followed redirects, else libcurl
  builtin,   ///< the built-in HTTP/1.1 client (plain http only)
  libcurl,
};

/// How the built-in client learns of received bytes.
enum class IoMode {
  automatic, ///< epoll: measured cheaper per event than io_uring (docs/performance.md)
  epoll,     ///< readiness from epoll, then one recvmsg() per ready socket
  io_uring,  ///< multishot receives on an io_uring; epoll where the kernel refuses (Engine::io_fallback)
};

/// Where requests go and the limits that keep a misbehaving server from hurting the client.
struct Endpoint {
  std::string base_url;              ///< scheme://host[:port][/prefix]; http and https only
  std::vector<std::string> headers;  ///< extra "Name: value" headers (values are never echoed)
  /// Secret "Name: value" headers (--header-file, --header-env): sent only to the endpoint's
  /// own origin (generation requests and probes), never to metrics or across a redirect to
  /// another origin; their values are redacted from anything a server sends back.
  std::vector<std::string> secret_headers;
  std::string api_key;               ///< sent only as "Authorization: Bearer …"; never echoed
  /// Send the API key to a metrics URL on another origin too (--metrics-api-key); without it
  /// the key goes to metrics only on the endpoint's own scheme, host and port.
  bool metrics_api_key = false;
  bool insecure = false;             ///< skip TLS certificate and host verification
  bool follow_redirects = false;     ///< follow 3xx (http/https only, at most 5)
  double connect_timeout_s = 10;
  double idle_timeout_s = 60;        ///< fail a request that receives nothing for this long
  double request_timeout_s = 600;    ///< fail a request that takes longer than this in total
  std::int64_t max_response_bytes = std::int64_t{64} << 20; ///< fail a larger response (oversized)
  HttpClient http_client = HttpClient::automatic;
  IoMode io = IoMode::automatic;     ///< the built-in client's receive mechanism
};

/// Whether the libcurl of this process would send requests to `url` (http) through a proxy
/// named by the environment (http_proxy, all_proxy, ALL_PROXY, minus no_proxy/NO_PROXY).
/// `env` looks a variable up (getenv in the tool, a map in tests).
bool proxy_applies(std::string_view url, const std::function<const char*(const char*)>& env);

/// The body of one request and what the client knows about it.
struct OutgoingRequest {
  OutgoingRequest() = default;
  OutgoingRequest(std::string request_body, int max, std::int64_t estimate)
      : body(std::move(request_body)), max_tokens(max), prompt_tokens_estimate(estimate) {}

  std::string body;
  int max_tokens = 0;
  std::int64_t prompt_tokens_estimate = 0; ///< used (flagged approximate) when the server does not count
  /// The client's count of the prompt, when good enough to judge the server's against.
  std::optional<std::int64_t> prompt_tokens_sent;
  bool capture_output = false;             ///< keep the generated text (RequestRecord::output_text)
};

/// Produces request number `index` of a level.
using RequestSource = std::function<OutgoingRequest(std::int64_t index)>;

/// A running level's counters, for progress displays.
struct LevelProgress {
  std::int64_t sent = 0;
  std::int64_t completed = 0; ///< succeeded
  std::int64_t failed = 0;
  std::int64_t in_flight = 0;
  std::optional<std::int64_t> total; ///< requests in the level, when known up front
  std::int64_t output_tokens = 0;    ///< of completed requests
  double elapsed_s = 0;
};

/// Stop request, e.g. from a SIGINT handler: 0 run; 1 stop sending and let requests in
/// flight finish within the drain timeout; 2 abandon requests in flight now.
using StopFlag = std::atomic<int>;

/// Optional hooks of a level run.
struct LevelHooks {
  std::function<void(const LevelProgress&)> progress; ///< called about every 250 ms
  const StopFlag* stop = nullptr;
  double drain_timeout_s = 5;       ///< after a stop, how long requests in flight may take
  std::string sample_url;           ///< fetched every sample_interval_s during the level (Prometheus)
  double sample_interval_s = 1;
  /// Receives each successful sample body and when it arrived.
  std::function<void(std::string_view body, std::int64_t t_ns)> on_sample;
  /// Receives each finished request as it finishes (then LevelRun::records stays empty), so
  /// a long level holds only the requests in flight.
  std::function<void(RequestRecord&&)> on_record;
  /// Called once with the level's time zero (ns, monotonic), before the first send.
  std::function<void(std::int64_t start_ns)> on_start;
  /// After this many connection failures in a row (no response in between) the level stops
  /// sending: the server is not there. Sends back off after each (10 ms doubling to 1 s).
  int max_connect_failures = 16;
};

/// What a level produced.
struct LevelRun {
  std::vector<RequestRecord> records; ///< every request sent, ordered by index
  std::int64_t start_ns = 0;          ///< time zero of the level (of the schedule, open loop)
  std::int64_t end_ns = 0;
  bool interrupted = false;           ///< a stop flag ended it early
  std::int64_t not_sent = 0;          ///< scheduled requests never sent (a stop, an unreachable server)
  bool unreachable = false;           ///< ended after max_connect_failures connection failures in a row
  std::string unreachable_message;    ///< the last of those failures
};

/// What the event loop did so far (the client-overhead benchmark reports it).
struct IoCounts {
  std::int64_t wakeups = 0;        ///< waits for socket events that returned
  std::int64_t reads = 0;          ///< built-in client: reads that delivered response bytes
  std::int64_t kernel_stamped = 0; ///< … of which carried the kernel's receive timestamp
};

/// A plain response (probes, scrapes).
struct HttpResponse {
  long status = 0;     ///< 0 when no response arrived
  std::string body;
  std::string error;   ///< transport error, empty when a response arrived
};

/// Whether the built-in client carries `endpoint`'s generation requests (see HttpClient);
/// throws Error(usage) when http_client is builtin and the URL is https or redirects are
/// to be followed.
bool uses_builtin_client(const Endpoint& endpoint);

/// Raises the soft limit of open files to the hard limit (a stream needs a socket);
/// returns the new soft limit.
std::int64_t raise_open_file_limit();

/// The load generator of one endpoint. Not thread-safe: one thread drives it.
class Engine {
public:
  /// Prepares the clients for `endpoint`; throws Error(usage) for a URL that is not http(s),
  /// or for http_client builtin with an https URL or followed redirects.
  Engine(const CurlLibrary& curl, Endpoint endpoint);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Runs one level of load against the endpoint's `api` path and returns every request.
  /// The run continues through failures; a stop flag ends it early (interrupted).
  LevelRun run(Api api, const LoadLevel& level, const RequestSource& source, const LevelHooks& hooks,
               std::uint64_t seed);

  /// GETs `url` and waits for the whole response (probes, Prometheus scrapes). The API key
  /// and extra headers go only to the endpoint's own scheme, host and port; a scrape
  /// (`metrics`) never carries the secret headers, and carries the key to another origin only
  /// with Endpoint::metrics_api_key. A redirect to another origin is not followed while
  /// secrets ride on the request. Secrets echoed in the reply are redacted. A stop flag
  /// (set_stop) above 0 aborts it at once (error "interrupted").
  HttpResponse get(const std::string& url, double timeout_s, bool metrics = false);

  /// `text` with every secret (the API key, the secret headers' values) replaced by
  /// "[REDACTED]": what a server's reply may be printed or saved as.
  std::string redact(std::string text) const;

  /// The flag that interrupts get() (Ctrl-C); null: none.
  void set_stop(const StopFlag* stop);

  /// The endpoint's base URL with `path` appended ("/v1/models").
  std::string url(std::string_view path) const;

  /// The client carrying generation requests: "built-in HTTP/1.1" or "libcurl 7.88.1".
  std::string http_client() const;
  /// Where the token timestamps of the runs so far came from: "kernel" (the kernel's receive
  /// timestamp of each segment), "user" (the monotonic clock as the client's read returned), or
  /// "mixed" when some connections could not have kernel timestamps.
  std::string timestamp_source() const;
  /// How the built-in client reads responses: "io_uring" (multishot receives, completions
  /// gathered per wake-up), "epoll" (readiness, then one recvmsg per ready socket); "libcurl"
  /// when libcurl carries the requests.
  std::string io() const;
  /// Why io() is "epoll" although io_uring was asked for (the kernel's refusal), else "".
  std::string io_fallback() const;
  IoCounts io_counts() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace tpuplan::bench
