#include <tpuplan/bench/clock.hpp>
#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/failure.hpp>
#include <tpuplan/bench/stream_decoder.hpp>
#include <tpuplan/bench/url.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <tuple>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

namespace tpuplan::bench {

namespace {

constexpr std::int64_t k_ns_per_s = 1'000'000'000;
constexpr std::int64_t k_ns_per_ms = 1'000'000;
constexpr std::int64_t k_progress_interval_ns = 250 * k_ns_per_ms;
/// How often a stop flag is looked at when nothing else wakes the loop.
constexpr std::int64_t k_stop_poll_ns = 50 * k_ns_per_ms;
/// Bytes of a non-2xx body kept to describe the error.
constexpr std::size_t k_error_body_cap = 64 * 1024;
/// Bytes of a scrape (/metrics) body accepted; vLLM's is ~100 KB.
constexpr std::size_t k_sample_body_cap = 16u << 20;

std::int64_t seconds_to_ns(double s) { return static_cast<std::int64_t>(s * static_cast<double>(k_ns_per_s)); }

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

} // namespace

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

/// One easy handle and the request it carries.
struct Transfer {
  std::int64_t max_bytes = 0; // the endpoint's response cap
  CURL* easy = nullptr;
  bool is_sample = false;
  bool active = false;
  bool oversized = false;
  bool idle_expired = false;
  std::int64_t last_io_ns = 0;
  RequestRecord rec;
  StreamDecoder decoder;
  std::string body;       // request body (must outlive the transfer: CURLOPT_POSTFIELDS)
  std::string error_body; // a non-2xx body, or a scrape's body
  char error_text[CURL_ERROR_SIZE] = {};
};

struct Engine::Impl {
  const CurlLibrary& curl;
  const CurlApi& fn;
  Endpoint endpoint;
  std::string endpoint_origin;
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  curl_slist* post_headers = nullptr; // JSON POSTs to the endpoint
  curl_slist* get_headers = nullptr;  // GETs to the endpoint's origin
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
    ev.data.fd = fd;
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

  static int on_timer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    self->timer_deadline_ns = timeout_ms < 0 ? -1 : now_ns() + timeout_ms * k_ns_per_ms;
    return 0;
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t n = size * count;
    const std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
      // A new status line (after a followed redirect, too): "HTTP/1.1 200 OK".
      const auto space = line.find(' ');
      t->rec.http_status = space == std::string_view::npos ? 0 : std::strtol(line.data() + space + 1, nullptr, 10);
      t->rec.headers_ns = now_ns();
      t->rec.retry_after_s.reset();
    } else if (starts_with_nocase(line, "retry-after:")) {
      const std::string value(trim(line.substr(12)));
      char* end = nullptr;
      const double seconds = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && *end == '\0' && seconds >= 0) {
        t->rec.retry_after_s = seconds; // the HTTP-date form is left unparsed
      }
    }
    return n;
  }

  static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* userp) {
    auto* t = static_cast<Transfer*>(userp);
    const std::size_t n = size * count;
    const std::int64_t now = now_ns();
    t->last_io_ns = now;
    t->rec.bytes += static_cast<std::int64_t>(n);
    if (t->is_sample) {
      if (t->error_body.size() + n > k_sample_body_cap) {
        return 0;
      }
      t->error_body.append(data, n);
      return n;
    }
    if (t->rec.bytes > t->max_bytes) {
      t->oversized = true;
      return 0; // aborts the transfer with CURLE_WRITE_ERROR
    }
    if (t->rec.http_status < 200 || t->rec.http_status >= 300) {
      const std::size_t room = k_error_body_cap - std::min(k_error_body_cap, t->error_body.size());
      t->error_body.append(data, std::min(n, room));
      return n;
    }
    t->decoder.feed(std::string_view(data, n), now, t->rec);
    return n;
  }

  // --- handles ----------------------------------------------------------------------------
  void set(CURL* easy, CURLoption option, long value) { fn.easy_setopt(easy, option, value); }
  void set(CURL* easy, CURLoption option, const char* value) { fn.easy_setopt(easy, option, value); }
  void set(CURL* easy, CURLoption option, void* value) { fn.easy_setopt(easy, option, value); }

  /// Options common to every request to the endpoint (set once per handle).
  void configure(CURL* easy, bool to_endpoint_origin, double timeout_s) {
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
    if (to_endpoint_origin && !endpoint.api_key.empty()) {
      // libcurl's own bearer support: it never sends the token to another host on a redirect.
      set(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
      set(easy, CURLOPT_XOAUTH2_BEARER, endpoint.api_key.c_str());
    }
  }

  Transfer& new_transfer(bool is_sample) {
    if (!is_sample && !idle.empty()) {
      Transfer* t = idle.back();
      idle.pop_back();
      return *t;
    }
    Transfer& t = transfers.emplace_back();
    t.max_bytes = endpoint.max_response_bytes;
    t.is_sample = is_sample;
    t.easy = fn.easy_init();
    if (t.easy == nullptr) {
      throw Error(ErrorKind::runtime, "libcurl could not create a handle (out of memory?)");
    }
    configure(t.easy, true, endpoint.request_timeout_s);
    set(t.easy, CURLOPT_PRIVATE, static_cast<void*>(&t));
    set(t.easy, CURLOPT_WRITEFUNCTION, reinterpret_cast<void*>(&Impl::on_write));
    set(t.easy, CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(t.easy, CURLOPT_HEADERFUNCTION, reinterpret_cast<void*>(&Impl::on_header));
    set(t.easy, CURLOPT_HEADERDATA, static_cast<void*>(&t));
    set(t.easy, CURLOPT_ERRORBUFFER, static_cast<void*>(t.error_text));
    if (!is_sample) {
      set(t.easy, CURLOPT_HTTPHEADER, static_cast<void*>(post_headers));
      set(t.easy, CURLOPT_POST, 1L);
    }
    return t;
  }

  void start(Transfer& t, const std::string& target, std::int64_t scheduled_ns, std::int64_t index) {
    t.active = true;
    t.oversized = t.idle_expired = false;
    t.error_body.clear();
    t.error_text[0] = '\0';
    t.rec = RequestRecord{};
    t.rec.index = index;
    t.decoder.reset(api);
    set(t.easy, CURLOPT_URL, target.c_str());
    if (!t.is_sample) {
      set(t.easy, CURLOPT_POSTFIELDS, static_cast<void*>(t.body.data()));
      fn.easy_setopt(t.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
    }
    const std::int64_t now = now_ns();
    t.rec.scheduled_ns = scheduled_ns < 0 ? now : scheduled_ns; // closed loop: no schedule
    t.rec.sent_ns = now;
    t.last_io_ns = now;
    if (const CURLMcode rc = fn.multi_add_handle(multi, t.easy); rc != CURLM_OK) {
      throw Error(ErrorKind::runtime, fmt::format("libcurl: {}", fn.multi_strerror(rc)));
    }
    if (!t.is_sample) {
      active.push_back(&t);
      ++in_flight;
      ++progress.sent;
      if (in_flight + 8 > max_connects) {
        // Keep every connection of the level alive for reuse (the default cache is smaller).
        max_connects = in_flight * 2 + 8;
        fn.multi_setopt(multi, CURLMOPT_MAXCONNECTS, max_connects);
      }
    }
  }

  /// Classifies a finished transfer and moves its record to the results.
  void finish(Transfer& t, CURLcode rc, std::int64_t now, bool cancelled) {
    fn.multi_remove_handle(multi, t.easy);
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
      end.libcurl_detail = t.error_text[0] != '\0' ? t.error_text : fn.easy_strerror(rc);
      end.error_body = t.error_body;
      end.max_response_bytes = endpoint.max_response_bytes;
      end.idle_timeout_s = endpoint.idle_timeout_s;
      end.follow_redirects = endpoint.follow_redirects;
      std::tie(rec.error, rec.error_message) = classify_transfer_end(end);
    }
    if (status_ok && rec.error != ErrorClass::none) {
      t.decoder.settle_counts(rec);
    }
    if (rec.ok()) {
      ++progress.completed;
      progress.output_tokens += rec.completion_tokens.value_or(0);
    } else if (rec.error != ErrorClass::cancelled) {
      ++progress.failed;
    }
    --in_flight;
    active.erase(std::find(active.begin(), active.end(), &t));
    done_records->push_back(std::move(rec));
    t.body.clear();
    idle.push_back(&t);
  }

  double connect_time(Transfer& t) {
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
    epoll_event events[256];
    const std::int64_t wait_ns = std::max<std::int64_t>(0, deadline_ns - now_ns());
    timespec ts{static_cast<time_t>(wait_ns / k_ns_per_s), static_cast<long>(wait_ns % k_ns_per_s)};
    int n = epoll_pwait2(epoll_fd, events, 256, &ts, nullptr);
    if (n < 0 && errno == ENOSYS) {
      n = epoll_wait(epoll_fd, events, 256, static_cast<int>((wait_ns + k_ns_per_ms - 1) / k_ns_per_ms));
    }
    for (int i = 0; i < n; ++i) {
      const int mask = ((events[i].events & EPOLLIN) != 0 ? CURL_CSELECT_IN : 0) |
                       ((events[i].events & EPOLLOUT) != 0 ? CURL_CSELECT_OUT : 0) |
                       ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0 ? CURL_CSELECT_ERR : 0);
      drive(events[i].data.fd, mask);
    }
    if (timer_deadline_ns >= 0 && now_ns() >= timer_deadline_ns) {
      timer_deadline_ns = -1;
      drive(CURL_SOCKET_TIMEOUT, 0);
    }
  }

  LevelRun run(Api run_api, const LoadLevel& level, const RequestSource& source, const LevelHooks& level_hooks,
               std::uint64_t seed);
};

Engine::Engine(const CurlLibrary& curl, Endpoint endpoint) : m_impl(std::make_unique<Impl>(curl, std::move(endpoint))) {
  Impl& s = *m_impl;
  s.endpoint.base_url = normalize_endpoint(s.endpoint.base_url);
  s.endpoint_origin = url_origin(*parse_url(s.endpoint.base_url));
  s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  s.multi = s.fn.multi_init();
  if (s.epoll_fd < 0 || s.multi == nullptr) {
    throw Error(ErrorKind::runtime, "cannot set up the event loop (epoll or libcurl multi handle)");
  }
  s.fn.multi_setopt(s.multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  s.fn.multi_setopt(s.multi, CURLMOPT_SOCKETDATA, static_cast<void*>(&s));
  s.fn.multi_setopt(s.multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  s.fn.multi_setopt(s.multi, CURLMOPT_TIMERDATA, static_cast<void*>(&s));
  // Headers: JSON in, a stream out; no "Expect: 100-continue" round trip for large prompts.
  for (const char* h : {"Content-Type: application/json", "Accept: text/event-stream, application/json", "Expect:"}) {
    s.post_headers = s.fn.slist_append(s.post_headers, h);
  }
  for (const auto& h : s.endpoint.headers) {
    s.post_headers = s.fn.slist_append(s.post_headers, h.c_str());
    s.get_headers = s.fn.slist_append(s.get_headers, h.c_str());
  }
}

Engine::~Engine() {
  Impl& s = *m_impl;
  for (auto& t : s.transfers) {
    if (t.active) {
      s.fn.multi_remove_handle(s.multi, t.easy);
    }
    s.fn.easy_cleanup(t.easy);
  }
  s.fn.multi_cleanup(s.multi);
  s.fn.slist_free_all(s.post_headers);
  s.fn.slist_free_all(s.get_headers);
  close(s.epoll_fd);
}

std::string Engine::url(std::string_view path) const { return m_impl->endpoint.base_url + std::string(path); }

HttpResponse Engine::get(const std::string& target, double timeout_s) {
  Impl& s = *m_impl;
  HttpResponse response;
  CURL* easy = s.fn.easy_init();
  if (easy == nullptr) {
    throw Error(ErrorKind::runtime, "libcurl could not create a handle (out of memory?)");
  }
  const auto parts = parse_url(target);
  const bool same_origin = parts && url_origin(*parts) == s.endpoint_origin;
  s.configure(easy, same_origin, timeout_s);
  Transfer t; // reuses the callbacks; a scrape-style transfer collects the body
  t.max_bytes = s.endpoint.max_response_bytes;
  t.is_sample = true;
  s.set(easy, CURLOPT_URL, target.c_str());
  s.set(easy, CURLOPT_WRITEFUNCTION, reinterpret_cast<void*>(&Impl::on_write));
  s.set(easy, CURLOPT_WRITEDATA, static_cast<void*>(&t));
  s.set(easy, CURLOPT_HEADERFUNCTION, reinterpret_cast<void*>(&Impl::on_header));
  s.set(easy, CURLOPT_HEADERDATA, static_cast<void*>(&t));
  s.set(easy, CURLOPT_ERRORBUFFER, static_cast<void*>(t.error_text));
  if (same_origin && s.get_headers != nullptr) {
    s.set(easy, CURLOPT_HTTPHEADER, static_cast<void*>(s.get_headers));
  }
  const CURLcode rc = s.fn.easy_perform(easy);
  if (rc == CURLE_OK) {
    response.status = t.rec.http_status;
    response.body = std::move(t.error_body);
  } else {
    response.error = t.error_text[0] != '\0' ? t.error_text : s.fn.easy_strerror(rc);
  }
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
  LevelRun result;
  done_records = &result.records;
  const std::string target = endpoint.base_url + std::string(request_path(api));

  std::vector<std::int64_t> arrivals_ns; // open loop: the whole schedule, drawn up front
  if (level.mode == LoadMode::rate) {
    for (const double t : arrival_times(level.rate_rps, level.burstiness, level.requests, level.duration_s, seed)) {
      arrivals_ns.push_back(seconds_to_ns(t));
    }
    progress.total = static_cast<std::int64_t>(arrivals_ns.size());
  } else if (level.requests > 0) {
    progress.total = level.requests;
  }
  const int cap = level.mode == LoadMode::concurrency ? level.concurrency : level.max_concurrency;
  const std::int64_t level_start = now_ns();
  result.start_ns = level_start;
  const std::int64_t send_until = level.requests > 0 ? -1 : level_start + seconds_to_ns(level.duration_s);
  const std::int64_t idle_ns = seconds_to_ns(endpoint.idle_timeout_s);
  const std::int64_t idle_check_ns = std::clamp<std::int64_t>(idle_ns / 4, k_ns_per_ms, 100 * k_ns_per_ms);
  std::int64_t next_index = 0;
  std::int64_t next_progress = level_start + k_progress_interval_ns;
  std::int64_t next_idle_check = level_start + idle_check_ns;
  std::int64_t next_sample = level_start;
  std::int64_t drain_deadline = -1;
  bool stopping = false;

  const auto more_to_send = [&](std::int64_t now) {
    if (stopping) {
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
    // Dispatch.
    if (level.mode == LoadMode::concurrency) {
      while (in_flight < cap && more_to_send(now)) {
        launch(-1);
      }
    } else {
      while (more_to_send(now) && level_start + arrivals_ns[next_index] <= now && (cap == 0 || in_flight < cap)) {
        launch(level_start + arrivals_ns[next_index]); // late sends keep their scheduled time
      }
    }
    if (in_flight == 0 && !more_to_send(now)) {
      break;
    }
    if (!hooks->sample_url.empty() && hooks->on_sample && sample == nullptr && !stopping && now >= next_sample) {
      sample = &new_transfer(true);
      start(*sample, hooks->sample_url, now, -1);
      next_sample = now + seconds_to_ns(hooks->sample_interval_s);
    }
    // Sleep until the next thing to do.
    std::int64_t deadline = std::min(next_progress, next_idle_check);
    if (timer_deadline_ns >= 0) {
      deadline = std::min(deadline, timer_deadline_ns);
    }
    if (level.mode == LoadMode::rate && more_to_send(now) && (cap == 0 || in_flight < cap)) {
      deadline = std::min(deadline, level_start + arrivals_ns[next_index]);
    }
    if (level.mode == LoadMode::concurrency && send_until >= 0 && in_flight < cap) {
      deadline = std::min(deadline, send_until);
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
    if (now >= next_idle_check) {
      next_idle_check = now + idle_check_ns;
      for (std::size_t i = 0; i < active.size();) {
        Transfer* t = active[i];
        if (now - t->last_io_ns > idle_ns) {
          t->idle_expired = true;
          finish(*t, CURLE_OPERATION_TIMEDOUT, now, false); // removes it from `active`
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
