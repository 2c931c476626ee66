// A fake inference server on loopback for the bench tests: speaks OpenAI chat and
// completions, TGI, JetStream HTTP and llama.cpp streaming with configurable TTFT, token
// interval and batch slots, serves probes and Prometheus metrics in each server's names,
// and injects faults on request. Raw sockets, a thread per connection: every byte and every
// close is under the test's control (a reset, a cut chunked body, a stall).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tpuplan::test {

/// Which server the fake imitates in its probes and metric names (every generation route
/// is served whatever the flavor).
enum class Flavor { vllm, tgi, jetstream, llamacpp };

/// A fault to inject into one generation request.
enum class Fault {
  none,
  reset_mid_stream, ///< half the tokens, then a TCP reset (SO_LINGER 0)
  http_500,         ///< a vLLM-shaped 500 body
  http_429,         ///< TGI's 429 "overloaded" body with Retry-After
  stall,            ///< headers and one token, then silence until the client gives up
  malformed_event,  ///< one event that is not JSON, then the normal rest
  error_after_200,  ///< two tokens, then `data: {"error":…}` and [DONE]
  oversized,        ///< padding comments up to oversized_bytes before the normal stream
  slow_drip,        ///< the normal response, one byte per write
  truncated,        ///< half the tokens, then a clean end of body without the end marker
  error_field,      ///< llama.cpp's way: `error: {code, message, type}` in the 200 stream, then [DONE]
};

struct FakeServerOptions {
  Flavor flavor = Flavor::vllm;
  std::chrono::microseconds ttft{2000};           ///< request read → first token (after a slot is free)
  std::chrono::microseconds token_interval{300};  ///< between content events
  int slots = 0;                                  ///< concurrent generations (0 = unlimited); others queue
  int tokens_per_chunk = 1;                       ///< OpenAI routes: tokens per content chunk
  bool send_usage = true;                         ///< honour stream_options.include_usage
  bool role_chunk = true;                         ///< chat: a role-only chunk before the content
  std::vector<Fault> fault_cycle;                 ///< fault of generation request i is fault_cycle[i % size]
  std::string api_key;                            ///< non-empty: demand "Authorization: Bearer <key>" (else 401)
  std::string model = "fake-model";
  int retry_after_s = 2;
  std::size_t oversized_bytes = 256 * 1024;
  double prefix_hit_rate = 0;                     ///< fraction of prompt tokens reported as prefix-cache hits
  /// Added to token_interval per generation holding a slot: a decode step that slows with the
  /// batch, as a memory-bound server's does (0 = a constant interval).
  std::chrono::microseconds token_interval_per_running{0};
  int health_status = 200;                        ///< status of /health and /v1/health (503: engine dead)
  std::chrono::microseconds probe_delay{0};       ///< before answering a GET probe (not /metrics)
  /// Close a connection, without a "Connection: close", after this many requests on it (0 =
  /// never): a keep-alive limit like nginx's keepalive_requests.
  int requests_per_connection = 0;
  /// Tokens one request may hold (0 = 4096): /v1/models max_model_len, TGI max_total_tokens,
  /// llama.cpp /props n_ctx. A longer prompt is cut to half of it, as llama.cpp cuts one,
  /// and its final llama.cpp event says "truncated": true.
  int context_tokens = 0;
  /// Share of each prompt reported as served from the cache (usage.prompt_tokens_details.
  /// cached_tokens on OpenAI routes, timings.prompt_n on llama.cpp's).
  double cached_share = 0;
  std::chrono::microseconds metrics_delay{0};     ///< before answering /metrics …
  int metrics_delay_after = 0;                    ///< … after the first this many (a server that hangs later)
  /// Models listed by /v1/models (default: {model}); requests are served whatever they name.
  std::vector<std::string> served_models;
  /// Non-empty: every request is answered "307 Temporary Redirect" to this base URL + its path.
  std::string redirect_to;
  bool redirect_generation_only = false; ///< with redirect_to: probes and metrics are served here
  /// With api_key: the 401 body quotes what the request carried (its Authorization and every
  /// header line), as a careless gateway does.
  bool echo_credentials = false;
};

/// What the server saw.
struct FakeServerStats {
  std::int64_t connections = 0;           ///< TCP connections accepted
  std::int64_t generation_requests = 0;
  std::int64_t max_concurrent = 0;        ///< generation requests in progress at once (incl. queued)
  std::int64_t metrics_requests = 0;
  std::vector<std::string> paths;         ///< every request path, in order
  std::vector<std::string> bodies;        ///< generation request bodies
  std::vector<std::string> authorizations; ///< Authorization header of every request ("" when absent)
  std::vector<std::string> header_lines;  ///< every request's raw header block
};

class FakeServer {
public:
  /// Starts listening on 127.0.0.1, on a port the kernel picks.
  explicit FakeServer(FakeServerOptions options = {});
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return m_port; }
  /// "http://127.0.0.1:<port>".
  std::string url() const;
  FakeServerStats stats() const;
  /// Stops accepting, unblocks and joins every connection thread.
  void stop();

  struct Request;

private:
  void accept_loop();
  void serve(int fd);
  bool handle(int fd, const Request& req);
  bool generate(int fd, const Request& req, Fault fault);
  bool serve_metrics(int fd);
  /// Sleeps `d` unless the server stops first; false when it stopped.
  bool pause(std::chrono::microseconds d);

  FakeServerOptions m_options;
  int m_listen_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stopping{false};
  std::thread m_acceptor;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::vector<std::thread> m_threads;
  std::vector<int> m_open_fds;
  FakeServerStats m_stats;
  std::int64_t m_in_progress = 0; // generation requests being served (queued or generating)
  std::int64_t m_running = 0;     // holding a slot
  // Server-side metrics, as a Prometheus exporter would accumulate them.
  double m_ttft_sum_s = 0;
  std::int64_t m_ttft_count = 0;
  double m_itl_sum_s = 0;
  std::int64_t m_itl_count = 0;
  double m_queue_sum_s = 0;
  double m_e2e_sum_s = 0;
  std::int64_t m_finished = 0;
  std::int64_t m_generated_tokens = 0;
  std::int64_t m_prompt_tokens = 0;
  double m_prefix_hits = 0;
};

/// A loopback port where nothing listens (bound then closed): connecting is refused.
int closed_port();

} // namespace tpuplan::test
