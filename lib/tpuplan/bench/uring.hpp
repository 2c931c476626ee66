// io_uring for the built-in client's receives: one ring per engine (a single submitter whose
// completions' work runs only when it asks for completions, IORING_SETUP_DEFER_TASKRUN) and a
// ring of provided receive buffers. Each connection has one multishot recvmsg armed for as long
// as its socket lives: the kernel receives every segment into a buffer of the ring, with the
// segment's receive timestamp (SCM_TIMESTAMPNS) in the buffer's control part, and posts one
// completion per receive. Because the receives run when the loop waits for completions, one
// system call receives for every stream that got data since the last wake-up: no readiness
// event, no recvmsg() per socket (docs/bench.md, "How it works").
//
// Needs Linux 6.1 (deferred task work; multishot recvmsg and buffer rings are older) and a
// kernel that allows io_uring (io_uring_disabled, seccomp filters in containers): Uring::open
// says why not, and the engine then stays with epoll.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace tpuplan::bench {

/// One completion, as the kernel posted it.
struct UringCompletion {
  std::uint64_t user_data = 0;
  std::int32_t res = 0;
  std::uint32_t flags = 0;
};

/// What a multishot recvmsg completion carried.
struct UringReceive {
  std::string_view payload;     ///< the bytes received (empty: the peer closed, res was 0)
  bool stamped = false;         ///< the kernel's receive timestamp came with them
  std::int64_t realtime_ns = 0; ///< … that timestamp (CLOCK_REALTIME)
  bool more = false;            ///< the receive stays armed (IORING_CQE_F_MORE)
  int buffer = -1;              ///< the provided buffer holding the bytes, to give back
};

class Uring {
public:
  /// A ring with `buffers` receive buffers of `buffer_bytes` each (powers of two), or null when
  /// the kernel refuses; `why` then says what failed ("io_uring_setup: Operation not permitted").
  static std::unique_ptr<Uring> open(unsigned buffers, unsigned buffer_bytes, std::string* why);
  /// Whether this kernel and process may use the ring the engine needs (a ring is set up and
  /// closed again); `why` as for open().
  static bool available(std::string* why = nullptr);
  ~Uring();
  Uring(const Uring&) = delete;
  Uring& operator=(const Uring&) = delete;

  /// Queues a multishot recvmsg on `fd` into the provided buffers, completions carrying
  /// `user_data`. Submitted with the next wait().
  void arm_receive(int fd, std::uint64_t user_data);
  /// Queues a one-shot poll of `fd` for input (an epoll descriptor: any of its sockets ready).
  void poll_in(int fd, std::uint64_t user_data);
  /// Queues the cancellation of the request with `user_data` (its completion carries
  /// `cancel_user_data`).
  void cancel(std::uint64_t user_data, std::uint64_t cancel_user_data);
  /// Submits what is queued and waits until a completion is there or `timeout_ns` passed (0:
  /// do not wait). Receives for sockets with data run inside this call.
  void wait(std::int64_t timeout_ns);
  /// Hands every posted completion to `f` (a function of const UringCompletion&), then marks
  /// them seen. Returns how many there were.
  template <class F>
  unsigned drain(F&& f) {
    unsigned n = 0;
    UringCompletion c;
    while (next(c)) {
      f(c);
      ++n;
    }
    return n;
  }
  /// What a completion of arm_receive() carried; `c.res` must be ≥ 0.
  UringReceive receive(const UringCompletion& c) const;
  /// Gives a buffer of a receive back to the kernel (after its bytes were used).
  void recycle(int buffer);
  /// Receives that ran out of buffers (-ENOBUFS) end; a completion with this result is re-armed.
  static constexpr std::int32_t k_no_buffers = -ENOBUFS;
  /// Set in UringCompletion::flags while the request stays armed (IORING_CQE_F_MORE).
  static constexpr std::uint32_t k_more = 1u << 1;

private:
  struct State;
  explicit Uring(std::unique_ptr<State> state);
  bool next(UringCompletion& c);
  std::unique_ptr<State> m_state;
};

} // namespace tpuplan::bench
