#include <tpuplan/bench/clock.hpp>
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/failure.hpp>
#include <tpuplan/bench/http1_client.hpp>
#include <tpuplan/bench/stream_decoder.hpp>
#include <tpuplan/bench/uring.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

namespace tpuplan::bench {

namespace {

constexpr std::int64_t k_ns_per_s = 1'000'000'000;
constexpr std::int64_t k_ns_per_ms = 1'000'000;
constexpr std::int64_t k_progress_interval_ns = 250 * k_ns_per_ms;
/// While many streams deliver, the loop waits this long between wake-ups, so that one wake-up
/// and one batch of reads serve many streams' events; token times are the kernel's receive
/// timestamps, which the wait does not move (docs/bench.md, "How it works").
constexpr std::int64_t k_coalesce_ns = 1 * k_ns_per_ms;
/// A stream whose content arrives in reads closer together than this is fast: waiting could
/// let two of its events merge into one read (TCP keeps the receive time of the later
/// segment only), so the loop stops waiting for a while.
constexpr std::int64_t k_fast_gap_ns = 4 * k_coalesce_ns;
constexpr std::int64_t k_fast_hold_ns = 100 * k_ns_per_ms;
/// How often a stop flag is looked at when nothing else wakes the loop.
constexpr std::int64_t k_stop_poll_ns = 50 * k_ns_per_ms;
/// Bytes of a non-2xx body kept to describe the error.
constexpr std::size_t k_error_body_cap = 64 * 1024;
/// Bytes of a scrape (/metrics) body accepted; vLLM's is ~100 KB.
constexpr std::size_t k_sample_body_cap = 16u << 20;
/// Set in the epoll data of the built-in client's sockets (libcurl's carry a bare fd).
constexpr std::uint64_t k_builtin_tag = std::uint64_t{1} << 63;
constexpr std::uint32_t k_no_conn = 0xFFFF'FFFFu;
/// The user data of the ring's poll of the epoll descriptor (connects, sends waiting for room,
/// libcurl's sockets). The built-in client's cancellations carry 0; its receives, the tag.
constexpr std::uint64_t k_epoll_ready = 1;
/// The ring's receive buffers: 16 KiB each (a read of an unpaced stream takes ~80 events), as
/// many as a wake-up of 1,000 paced streams needs, and more. Memory is touched as used.
constexpr unsigned k_ring_buffers = 2048;
constexpr unsigned k_ring_buffer_bytes = 16 * 1024;
/// Headers of every generation request, before the endpoint's own.
constexpr const char* k_post_headers[] = {"Content-Type: application/json", "Accept: text/event-stream, application/json"};

std::int64_t seconds_to_ns(double s) { return static_cast<std::int64_t>(s * static_cast<double>(k_ns_per_s)); }

/// The origin of a URL, or "" when it does not parse.
std::string origin_of(std::string_view url) {
  const auto parts = parse_url(url);
  return parts ? url_origin(*parts) : std::string();
}

/// The origin a Location header value points to, seen from a request to `from` (an origin):
/// `from` for a relative reference, "" when it cannot be told (treated as another origin).
std::string location_origin(std::string_view location, const std::string& from) {
  if (location.starts_with("//")) {
    return origin_of(from.substr(0, from.find(':')) + ":" + std::string(location));
  }
  const auto delimiter = location.find_first_of("/?#");
  const auto colon = location.find(':');
  if (colon == std::string_view::npos || (delimiter != std::string_view::npos && delimiter < colon)) {
    return from; // a path, a query or a fragment: the same origin
  }
  return origin_of(location);
}

} // namespace

bool proxy_applies(std::string_view url, const std::function<const char*(const char*)>& env) {
  // libcurl's rule for an http URL: http_proxy (lower case only), else all_proxy/ALL_PROXY;
  // no_proxy/NO_PROXY lists hosts (a leading dot optional, "*" for all) that bypass it.
  const auto set = [&](const char* name) {
    const char* v = env(name);
    return v != nullptr && *v != '\0';
  };
  if (!set("http_proxy") && !set("all_proxy") && !set("ALL_PROXY")) {
    return false;
  }
  const auto parts = parse_url(url);
  if (!parts) {
    return true;
  }
  std::string host = detail::ascii_lower(parts->host);
  if (host.size() >= 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  const char* no_proxy = set("no_proxy") ? env("no_proxy") : set("NO_PROXY") ? env("NO_PROXY") : nullptr;
  std::string_view list = no_proxy != nullptr ? no_proxy : "";
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string entry = detail::ascii_lower(detail::trim(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry == "*") {
      return false;
    }
    if (!entry.empty() && entry.front() == '.') {
      entry.erase(0, 1);
    }
    if (entry.size() >= 2 && entry.front() == '[') {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (!entry.empty() && (host == entry || (host.size() > entry.size() && host.ends_with(entry) &&
                                             host[host.size() - entry.size() - 1] == '.'))) {
      return false;
    }
  }
  return true;
}

bool uses_builtin_client(const Endpoint& endpoint) {
  const auto parts = parse_url(endpoint.base_url);
  const bool plain = parts && parts->scheme == "http";
  switch (endpoint.http_client) {
  case HttpClient::libcurl:
    return false;
  case HttpClient::builtin:
    if (!plain) {
      throw Error(ErrorKind::usage, "--http-client builtin speaks plain http only", "use --http-client libcurl (or auto) for https");
    }
    if (endpoint.follow_redirects) {
      throw Error(ErrorKind::usage, "--http-client builtin does not follow redirects",
                  "use --http-client libcurl (or auto) with --follow-redirects");
    }
    return true;
  case HttpClient::automatic:
    break;
  }
  return plain && !endpoint.follow_redirects &&
         !proxy_applies(endpoint.base_url, [](const char* name) { return std::getenv(name); });
}

std::int64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return -1;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::int64_t>(limit.rlim_cur);
}

/// One request: a libcurl easy handle, or an exchange of the built-in client.
struct Transfer {
  std::int64_t max_bytes = 0; // the endpoint's response cap
  CURL* easy = nullptr;       // null when the built-in client carries it
  std::uint32_t conn = k_no_conn; // the built-in client's exchange while it runs
  bool connected = false;     // built-in: a TCP connection was up for it
  bool is_sample = false;
  bool active = false;
  bool oversized = false;
  bool idle_expired = false;
  /// The origin the request was sent to, and whether secrets ride on it: then a redirect to
  /// another origin is refused (libcurl would carry the headers along).
  std::string origin;
  bool guard_redirects = false;
  std::string refused_redirect; // the Location refused (redacted), when one was
  std::int64_t last_io_ns = 0;
  std::int64_t last_content_ns = 0; // built-in client: the read that brought the last content event
  RequestRecord rec;
  StreamDecoder decoder;
  std::string body;       // request body (must outlive the transfer: CURLOPT_POSTFIELDS)
  std::string error_body; // a non-2xx body, or a scrape's body
  char error_text[CURL_ERROR_SIZE] = {};
};

struct Engine::Impl final : Http1Events {
  const CurlLibrary& curl;
  const CurlApi& fn;
  Endpoint endpoint;
  std::string endpoint_origin;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  curl_slist* post_headers = nullptr; // JSON POSTs to the endpoint
  curl_slist* get_headers = nullptr;  // GETs to the endpoint's origin (probes): secret headers too
  curl_slist* metrics_headers = nullptr; // scrapes of the endpoint's origin: the plain extra headers
  std::vector<std::string> secrets;   // the key and secret header values, longest first
  std::deque<Transfer> transfers;     // stable addresses: libcurl keeps pointers to them
  std::vector<Transfer*> idle;
  std::vector<std::uint8_t> registered; // by fd: known to epoll
  std::int64_t timer_deadline_ns = -1;  // libcurl's next timeout, -1 = none
  long max_connects = 0;
  // The level being run.
  Api api = Api::openai_chat;
  std::vector<RequestRecord>* done_records = nullptr;
  LevelProgress progress;
  std::int64_t in_flight = 0;
  std::vector<Transfer*> active;
  Transfer* sample = nullptr;
  const LevelHooks* hooks = nullptr;
  const StopFlag* get_stop = nullptr;     // interrupts get()
  int connect_failures = 0;               // in a row, in the level being run
  std::int64_t backoff_until_ns = 0;      // no send before this (after a connection failure)
  std::string last_connect_error;
  // The built-in client (plain http), when it carries the generation requests.
  std::unique_ptr<Uring> ring;      // receives of the built-in client, when the kernel allows
  std::string io_fallback;          // why there is no ring although one was allowed
  bool epoll_polled = false;        // the ring's poll of the epoll descriptor is armed
  std::unique_ptr<Http1Client> builtin;
  std::string request_head; // request line and headers of the level's requests, up to Content-Length
  // Gathering wake-ups (built-in client with kernel timestamps only; 0 = never wait).
  std::int64_t coalesce_ns = 0;
  std::int64_t last_wake_ns = 0;
  bool busy = false;              // the last wake-up found many streams delivering
  std::int64_t wakeups = 0;
  std::int64_t fast_until_ns = 0; // a fast stream was seen: no waiting before this

  Impl(const CurlLibrary& c, Endpoint e) : curl(c), fn(c.api()), endpoint(std::move(e)) {}

  // --- libcurl callbacks ---------------------------------------------------------------
  static int on_socket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      if (fd >= 0 && static_cast<std::size_t>(fd) < self->registered.size() && self->registered[fd] != 0) {
        epoll_ctl(self->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
        self->registered[fd] = 0;
      }
      return 0;
    }
    epoll_event ev{};
    ev.events = ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0u);
    ev.data.u64 = static_cast<std::uint64_t>(fd);
    if (static_cast<std::size_t>(fd) >= self->registered.size()) {
      self->registered.resize(static_cast<std::size_t>(fd) + 1, 0);
    }
    const int op = self->registered[fd] != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(self->epoll_fd, op, fd, &ev) != 0 && errno == ENOENT) {
      epoll_ctl(self->epoll_fd, EPOLL_CTL_ADD, fd, &ev); // fd number reused after a silent close
    }
    self->registered[fd] = 1;
    return 0;
  }

  static int on_get_progress(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const StopFlag*>(userp)->load() > 0 ? 1 : 0;
  }

  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    self->timer_deadline_ns = timeout_ms < 0 ? -1 : now_ns() + timeout_ms * k_ns_per_ms;
    return 0;
  }

  static std::size_t curl_header(char* data, std::size_t size, std::size_t count, void* userp) {
    const std::size_t n = size * count;
    // Returning less than n aborts the transfer: how a redirect to another origin is refused.
    return header_line(*static_cast<Transfer*>(userp), detail::trim(std::string_view(data, n), " \t\r\n"), now_ns())
               ? n
               : 0;
  }

  static std::size_t curl_write(char* data, std::size_t size, std::size_t count, void* userp) {
    const std::size_t n = size * count;
    return accept_body(*static_cast<Transfer*>(userp), std::string_view(data, n), now_ns()) ? n : 0;
  }

  // --- the built-in client's events ---------------------------------------------------------
  void on_header(void* user, std::string_view line, std::int64_t now) override {
    header_line(*static_cast<Transfer*>(user), line, now);
  }
  bool on_body(void* user, std::string_view data, std::int64_t now) override {
    Transfer& t = *static_cast<Transfer*>(user);
    const std::size_t before = t.rec.token_times.size();
    const bool ok = accept_body(t, data, now);
    if (t.rec.token_times.size() > before) {
      if (t.last_content_ns != 0 && now - t.last_content_ns < k_fast_gap_ns) {
        fast_until_ns = now + k_fast_hold_ns;
      }
      t.last_content_ns = now;
    }
    return ok;
  }
  void on_end(void* user, CURLcode result, std::string_view detail, bool connected, std::int64_t now) override {
    auto* t = static_cast<Transfer*>(user);
    t->conn = k_no_conn; // the client is done with it
    t->connected = connected;
    const std::size_t n = std::min(detail.size(), sizeof t->error_text - 1);
    if (n > 0) {
      std::memcpy(t->error_text, detail.data(), n);
    }
    t->error_text[n] = '\0';
    finish(*t, result, now, false);
  }

  // --- what both clients deliver ------------------------------------------------------------
  /// A status line or header field line, without its line ending; false refuses the response
  /// (a redirect to another origin of a request that carries secrets).
  static bool header_line(Transfer& t, std::string_view line, std::int64_t now) {
    if (line.rfind("HTTP/", 0) == 0) {
      // A new status line (after a followed redirect or an interim 1xx, too): "HTTP/1.1 200 OK".
      const auto space = line.find(' ');
      t.rec.http_status = space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
      t.rec.headers_ns = now;
      t.rec.retry_after_s.reset();
    } else if (detail::istarts_with(line, "retry-after:")) {
      const std::string value(detail::trim(line.substr(12)));
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0' && seconds >= 0) {
        t.rec.retry_after_s = seconds; // the HTTP-date form is left unparsed
      }
    } else if (t.guard_redirects && t.rec.http_status >= 300 && t.rec.http_status < 400 &&
               detail::istarts_with(line, "location:")) {
      const std::string_view location = detail::trim(line.substr(9));
      if (location_origin(location, t.origin) != t.origin) {
        t.refused_redirect = redact_url(location);
        return false;
      }
    }
    return true;
  }

  /// Body bytes that arrived at `now`; false refuses them (the transfer is aborted).
  static bool accept_body(Transfer& t, std::string_view data, std::int64_t now) {
    const std::size_t n = data.size();
    t.last_io_ns = now;
    t.rec.bytes += static_cast<std::int64_t>(n);
    if (t.is_sample) {
      if (t.error_body.size() + n > k_sample_body_cap) {
        return false;
      }
      t.error_body.append(data);
      return true;
    }
    if (t.rec.bytes > t.max_bytes) {
      t.oversized = true;
      return false;
    }
    if (t.rec.http_status < 200 || t.rec.http_status >= 300) {
      const std::size_t room = k_error_body_cap - std::min(k_error_body_cap, t.error_body.size());
      t.error_body.append(data.substr(0, std::min(n, room)));
      return true;
    }
    t.decoder.feed(data, now, t.rec);
    return true;
  }

  // --- handles ----------------------------------------------------------------------------
  void set(CURL* easy, CURLoption option, long value) { fn.easy_setopt(easy, option, value); }
  void set(CURL* easy, CURLoption option, const char* value) { fn.easy_setopt(easy, option, value); }
  void set(CURL* easy, CURLoption option, void* value) { fn.easy_setopt(easy, option, value); }

  /// Options common to every request (set once per handle); `send_key`: the API key rides on it.
  void configure(CURL* easy, bool send_key, double timeout_s) {
    set(easy, CURLOPT_NOSIGNAL, 1L);
    set(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    set(easy, CURLOPT_TCP_NODELAY, 1L);
    set(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    set(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(endpoint.connect_timeout_s * 1000));
    set(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
    set(easy, CURLOPT_SSL_VERIFYPEER, endpoint.insecure ? 0L : 1L);
    set(easy, CURLOPT_SSL_VERIFYHOST, endpoint.insecure ? 0L : 2L);
    set(easy, CURLOPT_FOLLOWLOCATION, endpoint.follow_redirects ? 1L : 0L);
    set(easy, CURLOPT_MAXREDIRS, 5L);
    if (curl.has_protocols_str()) {
      set(easy, CURLOPT_PROTOCOLS_STR, "http,https");
      set(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (send_key && !endpoint.api_key.empty()) {
      // libcurl's own bearer support: it never sends the token to another host on a redirect.
      set(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
      set(easy, CURLOPT_XOAUTH2_BEARER, endpoint.api_key.c_str());
    }
  }

  /// Whether the API key may go to `url`: the endpoint's own origin, or a scrape's when
  /// --metrics-api-key allows it.
  bool key_goes_to(const std::string& origin, bool metrics) const {
    return !endpoint.api_key.empty() && (origin == endpoint_origin || (metrics && endpoint.metrics_api_key));
  }

  void redact(std::string& text) const {
    for (const auto& secret : secrets) {
      for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 10)) {
        text.replace(at, secret.size(), "[REDACTED]");
      }
    }
  }

  /// A generation request's transfer, or (`sample_url` not null) a scrape's during a level.
  Transfer& new_transfer(bool is_sample, const std::string* sample_url = nullptr) {
    if (!is_sample && !idle.empty()) {
      Transfer* t = idle.back();
      idle.pop_back();
      return *t;
    }
    Transfer& t = transfers.emplace_back();
    t.max_bytes = endpoint.max_response_bytes;
    t.is_sample = is_sample;
    t.origin = is_sample && sample_url != nullptr ? origin_of(*sample_url) : endpoint_origin;
    const bool send_key = key_goes_to(t.origin, is_sample);
    t.guard_redirects = send_key || (!is_sample && !endpoint.secret_headers.empty());
    if (!is_sample && builtin) {
      return t;
    }
    t.easy = fn.easy_init();
    if (t.easy == nullptr) {
      throw Error(ErrorKind::runtime, "libcurl could not create a handle (out of memory?)");
    }
    configure(t.easy, send_key, endpoint.request_timeout_s);
    set(t.easy, CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(t.easy, CURLOPT_WRITEFUNCTION, reinterpret_cast<void*>(&Impl::curl_write));
    set(t.easy, CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(t.easy, CURLOPT_HEADERFUNCTION, reinterpret_cast<void*>(&Impl::curl_header));
    set(t.easy, CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(t.easy, CURLOPT_ERRORBUFFER, static_cast<void*>(t.error_text));
    if (!is_sample) {
      set(t.easy, CURLOPT_HTTPHEADER, static_cast<void*>(post_headers));
      set(t.easy, CURLOPT_POST, 1L);
    } else if (t.origin == endpoint_origin && metrics_headers != nullptr) {
      set(t.easy, CURLOPT_HTTPHEADER, static_cast<void*>(metrics_headers));
    }
    return t;
  }

  void start(Transfer& t, const std::string& target, std::int64_t scheduled_ns, std::int64_t index) {
    t.active = true;
    t.oversized = t.idle_expired = false;
    t.refused_redirect.clear();
    t.error_body.clear();
    t.error_text[0] = '\0';
    t.rec = RequestRecord{};
    t.rec.index = index;
    t.last_content_ns = 0;
    t.decoder.reset(api);
    t.connected = false;
    if (t.easy != nullptr) {
      set(t.easy, CURLOPT_URL, target.c_str());
      if (!t.is_sample) {
        set(t.easy, CURLOPT_POSTFIELDS, static_cast<void*>(t.body.data()));
        fn.easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
      }
    }
    const std::int64_t now = now_ns();
    t.rec.scheduled_ns = scheduled_ns < 0 ? now : scheduled_ns; // closed loop: no schedule
    t.rec.sent_ns = now;
    t.last_io_ns = now;
    if (t.easy == nullptr) {
      t.conn = builtin->start(request_head, t.body, &t, now);
    } else if (const CURLMcode rc = fn.multi_add_handle(multi, t.easy); rc != CURLM_OK) {
      throw Error(ErrorKind::runtime, fmt::format("libcurl: {}", fn.multi_strerror(rc)));
    }
    if (!t.is_sample) {
      active.push_back(&t);
      ++in_flight;
      ++progress.sent;
      if (t.easy != nullptr && in_flight + 8 > max_connects) {
        // Keep every connection of the level alive for reuse (the default cache is smaller).
        max_connects = in_flight * 2 + 8;
        fn.multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_connects);
      }
    }
  }

  /// Classifies a finished transfer and moves its record to the results.
  void finish(Transfer& t, CURLcode rc, std::int64_t now, bool cancelled) {
    if (t.easy != nullptr) {
      fn.multi_remove_handle(multi, t.easy);
    } else if (t.conn != k_no_conn) {
      t.connected = builtin->cancel(t.conn); // abandoned or timed out by the engine: its connection closes
      t.conn = k_no_conn;
    }
    t.active = false;
    RequestRecord& rec = t.rec;
    rec.end_ns = now;
    if (t.is_sample) {
      if (!cancelled && rc == CURLE_OK && rec.http_status == 200 && hooks != nullptr && hooks->on_sample) {
        hooks->on_sample(t.error_body, now);
      }
      t.error_body.clear();
      return;
    }
    const bool status_ok = rec.http_status >= 200 && rec.http_status < 300;
    if (cancelled) {
      rec.error = ErrorClass::cancelled;
      rec.error_message = "still in flight when the run was interrupted";
    } else if (rc == CURLE_OK && status_ok) {
      t.decoder.finish(now, rec);
    } else {
      TransferEnd end;
      end.result = rc;
      end.http_status = rec.http_status;
      end.headers_received = rec.headers_ns != 0;
      end.bytes = rec.bytes;
      end.connected = rc != CURLE_OPERATION_TIMEDOUT || connect_time(t) > 0;
      end.oversized = t.oversized;
      end.idle_expired = t.idle_expired;
      end.detail = t.error_text[0] != '\0' || t.easy == nullptr ? t.error_text : fn.easy_strerror(rc);
      end.detail_source = t.easy == nullptr ? "http" : "libcurl";
      end.error_body = t.error_body;
      end.max_response_bytes = endpoint.max_response_bytes;
      end.idle_timeout_s = endpoint.idle_timeout_s;
      end.follow_redirects = endpoint.follow_redirects;
      std::tie(rec.error, rec.error_message) = classify_transfer_end(end);
      if (!t.refused_redirect.empty()) {
        rec.error = ErrorClass::http_other;
        rec.error_message = fmt::format("HTTP {}: redirect to another origin ({}) not followed: the API key and "
                                        "secret headers go only to {}",
                                        rec.http_status, t.refused_redirect, endpoint_origin);
      }
    }
    // A server may echo what it was sent (a 401 body quoting the key): nothing of it is kept.
    redact(rec.error_message);
    redact(rec.finish_reason);
    redact(rec.output_text);
    if (status_ok && rec.error != ErrorClass::none) {
      t.decoder.settle_counts(rec);
    }
    if (rec.ok()) {
      ++progress.completed;
      progress.output_tokens += rec.completion_tokens.value_or(0);
    } else if (rec.error != ErrorClass::cancelled) {
      ++progress.failed;
    }
    note_connection(rec, now);
    --in_flight;
    active.erase(std::find(active.begin(), active.end(), &t));
    if (hooks != nullptr && hooks->on_record) {
      hooks->on_record(std::move(rec));
    } else {
      done_records->push_back(std::move(rec));
    }
    t.body.clear();
    idle.push_back(&t);
  }

  /// Connection failures in a row back the sends off (10 ms, doubling, at most 1 s) and,
  /// past the level's limit, end it; any response resets the count.
  void note_connection(const RequestRecord& rec, std::int64_t now) {
    if (rec.error != ErrorClass::connect) {
      if (rec.headers_ns != 0) {
        connect_failures = 0;
        backoff_until_ns = 0;
      }
      return;
    }
    ++connect_failures;
    last_connect_error = rec.error_message;
    const int doublings = std::min(connect_failures - 1, 7);
    backoff_until_ns = now + std::min<std::int64_t>(10 * k_ns_per_ms << doublings, k_ns_per_s);
  }

  double connect_time(Transfer& t) {
    if (t.easy == nullptr) {
      return t.connected ? 1 : 0;
    }
    double seconds = 0;
    fn.easy_getinfo(t.easy, CURLINFO_CONNECT_TIME, &seconds);
    return seconds;
  }

  void drive(int fd, int events) {
    int running = 0;
    fn.multi_socket_action(multi, fd, events, &running);
  }

  void collect(std::int64_t now) {
    int queued = 0;
    while (CURLMsg* msg = fn.multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) {
        continue;
      }
      void* priv = nullptr;
      fn.easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      auto* t = static_cast<Transfer*>(priv);
      finish(*t, msg->data.result, now, false);
      if (t == sample) {
        sample = nullptr;
      }
    }
  }

  /// Waits for socket events or `deadline_ns` (monotonic), with nanosecond precision where
  /// the kernel has epoll_pwait2 (Linux 5.11), and hands the events to libcurl.
  void wait_and_drive(std::int64_t deadline_ns) {
    if (busy) {
      // Let more streams' events gather (bounded by the next thing the loop must do).
      const std::int64_t until = std::min(deadline_ns, last_wake_ns + coalesce_ns);
      if (until > now_ns()) {
        const timespec abs{static_cast<time_t>(until / k_ns_per_s), static_cast<long>(until % k_ns_per_s)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, nullptr);
      }
    }
    if (ring) {
      wait_ring(deadline_ns);
    } else {
      epoll_event events[256];
      const std::int64_t wait_ns = std::max<std::int64_t>(0, deadline_ns - now_ns());
      timespec ts{static_cast<time_t>(wait_ns / k_ns_per_s), static_cast<long>(wait_ns % k_ns_per_s)};
      int n = epoll_pwait2(epoll_fd, events, 256, &ts, nullptr);
      if (n < 0 && errno == ENOSYS) {
        n = epoll_wait(epoll_fd, events, 256, static_cast<int>((wait_ns + k_ns_per_ms - 1) / k_ns_per_ms));
      }
      const std::int64_t woke = now_ns();
      woken(woke, n);
      dispatch(events, n);
    }
    if (timer_deadline_ns >= 0 && now_ns() >= timer_deadline_ns) {
      timer_deadline_ns = -1;
      drive(CURL_SOCKET_TIMEOUT, 0);
    }
  }

  /// Counts a wake-up that found `n` sockets (or completions) and decides whether the next
  /// wait gathers.
  void woken(std::int64_t woke, int n) {
    ++wakeups;
    if (builtin) {
      builtin->sync_clock();
    }
    busy = coalesce_ns > 0 && n > 0 && woke >= fast_until_ns && (n >= 2 || woke - last_wake_ns < coalesce_ns);
    last_wake_ns = woke;
  }

  void dispatch(const epoll_event* events, int n) {
    for (int i = 0; i < n; ++i) {
      if ((events[i].data.u64 & k_builtin_tag) != 0) {
        builtin->ready(events[i].data.u64, events[i].events);
        continue;
      }
      const int mask = ((events[i].events & EPOLLIN) != 0 ? CURL_CSELECT_IN : 0) |
                       ((events[i].events & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                       ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0 ? CURL_CSELECT_ERR : 0);
      drive(static_cast<int>(events[i].data.u64), mask);
    }
  }

  /// The wait with a ring: one system call submits what is queued (receives to arm, cancels,
  /// the poll of the epoll descriptor), runs the receives of every socket that got data and
  /// returns their completions; epoll is asked only when its descriptor was ready.
  void wait_ring(std::int64_t deadline_ns) {
    if (!epoll_polled) {
      ring->poll_in(epoll_fd, k_epoll_ready);
      epoll_polled = true;
    }
    ring->wait(std::max<std::int64_t>(0, deadline_ns - now_ns()));
    const std::int64_t woke = now_ns();
    bool epoll_ready = false;
    int n = 0;
    ring->drain([&](const UringCompletion& c) {
      if (c.user_data == k_epoll_ready) {
        epoll_polled = false;
        epoll_ready = true;
      } else if ((c.user_data & k_builtin_tag) != 0) {
        ++n;
        builtin->completion(c, woke);
      } // else a cancellation's result (user data 0): nothing to do
    });
    if (epoll_ready) {
      epoll_event events[256];
      const int m = epoll_wait(epoll_fd, events, 256, 0);
      n += std::max(0, m);
      dispatch(events, m);
    }
    woken(woke, n);
  }

  LevelRun run(Api run_api, const LoadLevel& level, const RequestSource& source, const LevelHooks& level_hooks,
               std::uint64_t seed);
};

Engine::Engine(const CurlLibrary& curl, Endpoint endpoint) : m_impl(std::make_unique<Impl>(curl, std::move(endpoint))) {
  Impl& s = *m_impl;
  s.endpoint.base_url = normalize_endpoint(s.endpoint.base_url);
  const UrlParts parts = *parse_url(s.endpoint.base_url);
  s.endpoint_origin = url_origin(parts);
  const bool use_builtin = uses_builtin_client(s.endpoint); // may throw: before anything is allocated
  s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  s.multi = s.fn.multi_init();
  if (s.epoll_fd < 0 || s.multi == nullptr) {
    throw Error(ErrorKind::runtime, "cannot set up the event loop (epoll or libcurl multi handle)");
  }
  if (use_builtin) {
    if (s.endpoint.io == IoMode::io_uring) {
      // Refused (an old kernel, io_uring_disabled, a container's seccomp filter): epoll, and
      // io_fallback() says why.
      s.ring = Uring::open(k_ring_buffers, k_ring_buffer_bytes, &s.io_fallback);
    }
    s.builtin = std::make_unique<Http1Client>(s.epoll_fd, k_builtin_tag, parts.host, parts.port,
                                              s.endpoint.connect_timeout_s, s, s.ring.get());
    if (s.builtin->kernel_timestamps()) {
      s.coalesce_ns = k_coalesce_ns;
    }
  }
  s.fn.multi_setopt(s.multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  s.fn.multi_setopt(s.multi, CURLMOPT_SOCKETDATA, static_cast<void*>(&s));
  s.fn.multi_setopt(s.multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  s.fn.multi_setopt(s.multi, CURLMOPT_TIMERDATA, static_cast<void*>(&s));
  // Headers: JSON in, a stream out; no "Expect: 100-continue" round trip for large prompts.
  for (const char* h : k_post_headers) {
    s.post_headers = s.fn.slist_append(s.post_headers, h);
  }
  s.post_headers = s.fn.slist_append(s.post_headers, "Expect:");
  for (const auto& h : s.endpoint.headers) {
    s.post_headers = s.fn.slist_append(s.post_headers, h.c_str());
    s.get_headers = s.fn.slist_append(s.get_headers, h.c_str());
    s.metrics_headers = s.fn.slist_append(s.metrics_headers, h.c_str());
  }
  for (const auto& h : s.endpoint.secret_headers) {
    s.post_headers = s.fn.slist_append(s.post_headers, h.c_str());
    s.get_headers = s.fn.slist_append(s.get_headers, h.c_str());
    const auto colon = h.find(':');
    const std::string value(detail::trim(colon == std::string::npos ? std::string_view{} : std::string_view(h).substr(colon + 1)));
    if (!value.empty()) {
      s.secrets.push_back(value);
    }
  }
  if (!s.endpoint.api_key.empty()) {
    s.secrets.push_back(s.endpoint.api_key);
  }
  std::sort(s.secrets.begin(), s.secrets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

Engine::~Engine() {
  Impl& s = *m_impl;
  s.builtin.reset();
  s.ring.reset();
  for (auto& t : s.transfers) {
    if (t.active) {
      s.fn.multi_remove_handle(s.multi, t.easy);
    }
    s.fn.easy_cleanup(t.easy);
  }
  s.fn.multi_cleanup(s.multi);
  s.fn.slist_free_all(s.post_headers);
  s.fn.slist_free_all(s.get_headers);
  s.fn.slist_free_all(s.metrics_headers);
  close(s.epoll_fd);
}

void Engine::set_stop(const StopFlag* stop) { m_impl->get_stop = stop; }

std::string Engine::url(std::string_view path) const { return m_impl->endpoint.base_url + std::string(path); }

std::string Engine::http_client() const {
  return m_impl->builtin ? std::string("built-in HTTP/1.1") : "libcurl " + m_impl->curl.version();
}

std::string Engine::timestamp_source() const {
  const Impl& s = *m_impl;
  if (!s.builtin) {
    return "user"; // libcurl reads the sockets itself
  }
  const Http1ReadCounts& c = s.builtin->read_counts();
  if (c.reads == 0) {
    return s.builtin->kernel_timestamps() ? "kernel" : "user";
  }
  return c.kernel_stamped == c.reads ? "kernel" : c.kernel_stamped == 0 ? "user" : "mixed";
}

std::string Engine::io() const {
  return m_impl->builtin ? (m_impl->ring ? "io_uring" : "epoll") : "libcurl";
}

std::string Engine::io_fallback() const { return m_impl->builtin && !m_impl->ring ? m_impl->io_fallback : std::string(); }

IoCounts Engine::io_counts() const {
  IoCounts c;
  c.wakeups = m_impl->wakeups;
  if (m_impl->builtin) {
    c.reads = m_impl->builtin->read_counts().reads;
    c.kernel_stamped = m_impl->builtin->read_counts().kernel_stamped;
  }
  return c;
}

std::string Engine::redact(std::string text) const {
  m_impl->redact(text);
  return text;
}

HttpResponse Engine::get(const std::string& target, double timeout_s, bool metrics) {
  Impl& s = *m_impl;
  HttpResponse response;
  CURL* easy = s.fn.easy_init();
  if (easy == nullptr) {
    throw Error(ErrorKind::runtime, "libcurl could not create a handle (out of memory?)");
  }
  Transfer t; // reuses the callbacks; a scrape-style transfer collects the body
  t.origin = origin_of(target);
  const bool same_origin = !t.origin.empty() && t.origin == s.endpoint_origin;
  const bool send_key = !t.origin.empty() && s.key_goes_to(t.origin, metrics);
  curl_slist* headers = !same_origin ? nullptr : metrics ? s.metrics_headers : s.get_headers;
  t.guard_redirects = send_key || (same_origin && !metrics && !s.endpoint.secret_headers.empty());
  s.configure(easy, send_key, timeout_s);
  t.max_bytes = s.endpoint.max_response_bytes;
  t.is_sample = true;
  s.set(easy, CURLOPT_URL, target.c_str());
  s.set(easy, CURLOPT_WRITEFUNCTION, reinterpret_cast<void*>(&Impl::curl_write));
  s.set(easy, CURLOPT_WRITEDATA, static_cast<void*>(&t));
  s.set(easy, CURLOPT_HEADERFUNCTION, reinterpret_cast<void*>(&Impl::curl_header));
  s.set(easy, CURLOPT_HEADERDATA, static_cast<void*>(&t));
  s.set(easy, CURLOPT_ERRORBUFFER, static_cast<void*>(t.error_text));
  if (headers != nullptr) {
    s.set(easy, CURLOPT_HTTPHEADER, static_cast<void*>(headers));
  }
  if (s.get_stop != nullptr) {
    // libcurl calls this about once a second and whenever data moves; returning non-zero
    // aborts the transfer, so Ctrl-C never waits for a probe's or a scrape's timeout.
    s.set(easy, CURLOPT_NOPROGRESS, 0L);
    s.set(easy, CURLOPT_XFERINFOFUNCTION, reinterpret_cast<void*>(&Impl::on_get_progress));
    s.set(easy, CURLOPT_XFERINFODATA, const_cast<void*>(static_cast<const void*>(s.get_stop)));
  }
  const bool stopped_before = s.get_stop != nullptr && s.get_stop->load() > 0;
  const CURLcode rc = stopped_before ? CURLE_ABORTED_BY_CALLBACK : s.fn.easy_perform(easy);
  if (rc == CURLE_OK) {
    response.status = t.rec.http_status;
    response.body = std::move(t.error_body);
  } else if (rc == CURLE_ABORTED_BY_CALLBACK && s.get_stop != nullptr && s.get_stop->load() > 0) {
    response.error = "interrupted";
  } else if (!t.refused_redirect.empty()) {
    response.status = t.rec.http_status;
    response.error = fmt::format("redirect to another origin ({}) not followed: the API key and secret headers go "
                                 "only to {}",
                                 t.refused_redirect, s.endpoint_origin);
  } else {
    response.error = t.error_text[0] != '\0' ? t.error_text : s.fn.easy_strerror(rc);
  }
  s.redact(response.body);
  s.redact(response.error);
  s.fn.easy_cleanup(easy);
  return response;
}

LevelRun Engine::run(Api api, const LoadLevel& level, const RequestSource& source, const LevelHooks& hooks,
                     std::uint64_t seed) {
  return m_impl->run(api, level, source, hooks, seed);
}

LevelRun Engine::Impl::run(Api run_api, const LoadLevel& level, const RequestSource& source,
                           const LevelHooks& level_hooks, std::uint64_t seed) {
  api = run_api;
  hooks = &level_hooks;
  progress = LevelProgress{};
  connect_failures = 0;
  backoff_until_ns = 0;
  LevelRun result;
  done_records = &result.records;
  const std::string target = endpoint.base_url + std::string(request_path(api));
  if (builtin) {
    const UrlParts parts = *parse_url(target);
    std::vector<std::string> defaults(std::begin(k_post_headers), std::end(k_post_headers));
    if (!endpoint.api_key.empty()) {
      defaults.push_back("Authorization: Bearer " + endpoint.api_key);
    }
    std::vector<std::string> extra = endpoint.headers;
    extra.insert(extra.end(), endpoint.secret_headers.begin(), endpoint.secret_headers.end());
    request_head = http1_request_head("POST", parts.path + (parts.query.empty() ? "" : "?" + parts.query),
                                      parts.host + (parts.port.empty() ? "" : ":" + parts.port), defaults, extra);
  }

  std::vector<std::int64_t> arrivals_ns; // open loop: the whole schedule, drawn up front
  if (level.mode == LoadMode::rate) {
    for (const double t : level.arrivals_s.empty()
                              ? arrival_times(level.rate_rps, level.burstiness, level.requests, level.duration_s, seed)
                              : level.arrivals_s) {
      arrivals_ns.push_back(seconds_to_ns(t));
    }
    progress.total = static_cast<std::int64_t>(arrivals_ns.size());
  } else if (level.requests > 0) {
    progress.total = level.requests;
  }
  const int cap = level.mode == LoadMode::concurrency ? level.concurrency : level.max_concurrency;
  const std::int64_t level_start = now_ns();
  result.start_ns = level_start;
  if (hooks->on_start) {
    hooks->on_start(level_start);
  }
  const std::int64_t send_until = level.requests > 0 ? -1 : level_start + seconds_to_ns(level.duration_s);
  const std::int64_t idle_ns = seconds_to_ns(endpoint.idle_timeout_s);
  const std::int64_t request_ns = seconds_to_ns(endpoint.request_timeout_s);
  const std::int64_t idle_check_ns =
      std::clamp<std::int64_t>(std::min(idle_ns, request_ns) / 4, k_ns_per_ms, 100 * k_ns_per_ms);
  std::int64_t next_index = 0;
  std::int64_t next_progress = level_start + k_progress_interval_ns;
  std::int64_t next_idle_check = level_start + idle_check_ns;
  std::int64_t next_sample = level_start;
  std::int64_t drain_deadline = -1;
  bool stopping = false;

  const auto more_to_send = [&](std::int64_t now) {
    if (stopping || result.unreachable) {
      return false;
    }
    if (level.mode == LoadMode::rate) {
      return next_index < static_cast<std::int64_t>(arrivals_ns.size());
    }
    return level.requests > 0 ? next_index < level.requests : now < send_until;
  };
  const auto launch = [&](std::int64_t scheduled) {
    OutgoingRequest req = source(next_index);
    Transfer& t = new_transfer(false);
    t.body = std::move(req.body);
    start(t, target, scheduled, next_index);
    t.rec.max_tokens = req.max_tokens;
    t.rec.prompt_tokens = req.prompt_tokens_estimate; // replaced by the server's count when it sends one
    t.rec.prompt_source = TokenSource::approx;
    t.rec.prompt_tokens_sent = req.prompt_tokens_sent;
    t.decoder.capture_output(req.capture_output);
    ++next_index;
  };

  while (true) {
    std::int64_t now = now_ns();
    // Stop requests: first stop sending and drain, then (or on a second request) abandon.
    const int stop = hooks->stop != nullptr ? hooks->stop->load() : 0;
    if (stop >= 1 && !stopping) {
      stopping = true;
      result.interrupted = true;
      drain_deadline = now + seconds_to_ns(hooks->drain_timeout_s);
    }
    if (stopping && (stop >= 2 || now >= drain_deadline)) {
      while (!active.empty()) {
        finish(*active.back(), CURLE_OK, now, true);
      }
    }
    if (hooks->max_connect_failures > 0 && connect_failures >= hooks->max_connect_failures && !result.unreachable) {
      result.unreachable = true; // the server is not there: sending on would only storm it
      result.unreachable_message = last_connect_error;
    }
    // Dispatch (held back while connection failures back off).
    const bool backing_off = now < backoff_until_ns;
    if (level.mode == LoadMode::concurrency) {
      while (!backing_off && in_flight < cap && more_to_send(now)) {
        launch(-1);
        if (connect_failures > 0) {
          break; // after a failure, probe with one request at a time
        }
      }
    } else {
      while (!backing_off && more_to_send(now) && level_start + arrivals_ns[next_index] <= now &&
             (cap == 0 || in_flight < cap)) {
        launch(level_start + arrivals_ns[next_index]); // late sends keep their scheduled time
        if (connect_failures > 0) {
          break;
        }
      }
    }
    if (in_flight == 0 && !more_to_send(now)) {
      break;
    }
    if (!hooks->sample_url.empty() && hooks->on_sample && sample == nullptr && !stopping && now >= next_sample) {
      sample = &new_transfer(true, &hooks->sample_url);
      start(*sample, hooks->sample_url, now, -1);
      next_sample = now + seconds_to_ns(hooks->sample_interval_s);
    }
    // Sleep until the next thing to do.
    std::int64_t deadline = std::min(next_progress, next_idle_check);
    if (timer_deadline_ns >= 0) {
      deadline = std::min(deadline, timer_deadline_ns);
    }
    if (builtin && builtin->has_deferred()) {
      deadline = now;
    }
    if (level.mode == LoadMode::rate && more_to_send(now) && (cap == 0 || in_flight < cap)) {
      deadline = std::min(deadline, level_start + arrivals_ns[next_index]);
    }
    if (level.mode == LoadMode::concurrency && send_until >= 0 && in_flight < cap) {
      deadline = std::min(deadline, send_until);
    }
    if (backing_off && more_to_send(now)) {
      deadline = std::min(deadline, backoff_until_ns);
    }
    if (!hooks->sample_url.empty() && sample == nullptr && !stopping) {
      deadline = std::min(deadline, next_sample);
    }
    if (hooks->stop != nullptr) {
      deadline = std::min(deadline, stopping ? std::min(drain_deadline, now + k_stop_poll_ns) : now + k_stop_poll_ns);
    }
    wait_and_drive(deadline);
    now = now_ns();
    collect(now);
    if (builtin) {
      builtin->report_deferred(now);
    }
    if (now >= next_idle_check) {
      next_idle_check = now + idle_check_ns;
      if (builtin) {
        builtin->expire_connects(now);
      }
      for (std::size_t i = 0; i < active.size();) {
        Transfer* t = active[i];
        if (now - t->last_io_ns > idle_ns) {
          t->idle_expired = true;
          finish(*t, CURLE_OPERATION_TIMEDOUT, now, false); // removes it from `active`
        } else if (t->easy == nullptr && now - t->rec.sent_ns > request_ns) {
          // libcurl enforces CURLOPT_TIMEOUT itself; the built-in client's total is kept here.
          const auto text = fmt::format("Operation timed out after {} milliseconds", (now - t->rec.sent_ns) / k_ns_per_ms);
          std::snprintf(t->error_text, sizeof t->error_text, "%s", text.c_str());
          finish(*t, CURLE_OPERATION_TIMEDOUT, now, false);
        } else {
          ++i;
        }
      }
    }
    if (now >= next_progress) {
      next_progress = now + k_progress_interval_ns;
      if (hooks->progress) {
        progress.in_flight = in_flight;
        progress.elapsed_s = static_cast<double>(now - level_start) / static_cast<double>(k_ns_per_s);
        hooks->progress(progress);
      }
    }
  }
  if (sample != nullptr) {
    finish(*sample, CURLE_OK, now_ns(), true);
    sample = nullptr;
  }
  result.end_ns = now_ns();
  if (level.mode == LoadMode::rate) {
    result.not_sent = static_cast<std::int64_t>(arrivals_ns.size()) - next_index;
  } else if (level.requests > 0) {
    result.not_sent = level.requests - next_index;
  }
  std::sort(result.records.begin(), result.records.end(),
            [](const RequestRecord& a, const RequestRecord& b) { return a.index < b.index; });
  done_records = nullptr;
  hooks = nullptr;
  return result;
}

} // namespace tpuplan::bench
