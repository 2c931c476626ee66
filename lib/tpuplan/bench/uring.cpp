#include <tpuplan/bench/uring.hpp>

#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <system_error>

namespace tpuplan::bench {

namespace {

constexpr unsigned k_sq_entries = 1024;
constexpr unsigned k_cq_entries = 16384;
constexpr unsigned k_buffer_group = 0;

static_assert(Uring::k_more == IORING_CQE_F_MORE);

std::string error_text(int err) { return std::error_code(err, std::generic_category()).message(); }

} // namespace

struct Uring::State {
  io_uring ring{};
  bool ring_up = false;
  io_uring_buf_ring* buffers = nullptr;
  std::size_t buffers_bytes = 0; // the buffer ring's mapping
  char* memory = nullptr;        // the buffers themselves
  std::size_t memory_bytes = 0;
  unsigned count = 0;
  unsigned size = 0;
  int mask = 0;
  int pending_recycles = 0;
  /// The header every multishot recvmsg lays out in its buffer: no address, room for one
  /// timestamp message. The kernel reads it at submission; it stays here for the ring's life.
  msghdr msg{};

  ~State() {
    if (ring_up) {
      io_uring_queue_exit(&ring);
    }
    if (buffers != nullptr) {
      munmap(buffers, buffers_bytes);
    }
    if (memory != nullptr) {
      munmap(memory, memory_bytes);
    }
  }

  io_uring_sqe* sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    if (s == nullptr) {
      io_uring_submit(&ring); // the queue is full: hand it over, then there is room
      s = io_uring_get_sqe(&ring);
    }
    return s;
  }
};

Uring::Uring(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Uring::~Uring() = default;

std::unique_ptr<Uring> Uring::open(unsigned buffers, unsigned buffer_bytes, std::string* why) {
  auto s = std::make_unique<State>();
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE;
  params.cq_entries = k_cq_entries;
  const int rc = io_uring_queue_init_params(k_sq_entries, &s->ring, &params);
  if (rc < 0) {
    if (why != nullptr) {
      *why = fmt::format("io_uring_setup: {}", error_text(-rc));
    }
    return nullptr;
  }
  s->ring_up = true;
  if ((params.features & IORING_FEAT_EXT_ARG) == 0) {
    if (why != nullptr) {
      *why = "io_uring: the kernel cannot wait with a timeout (no IORING_FEAT_EXT_ARG)";
    }
    return nullptr;
  }
  s->count = buffers;
  s->size = buffer_bytes;
  s->mask = io_uring_buf_ring_mask(buffers);
  s->buffers_bytes = sizeof(io_uring_buf) * buffers;
  void* ring_memory = mmap(nullptr, s->buffers_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  s->memory_bytes = static_cast<std::size_t>(buffers) * buffer_bytes;
  void* memory = mmap(nullptr, s->memory_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ring_memory == MAP_FAILED || memory == MAP_FAILED) {
    if (ring_memory != MAP_FAILED) {
      munmap(ring_memory, s->buffers_bytes);
    }
    if (memory != MAP_FAILED) {
      munmap(memory, s->memory_bytes);
    }
    if (why != nullptr) {
      *why = "io_uring: cannot map the receive buffers";
    }
    return nullptr;
  }
  s->buffers = static_cast<io_uring_buf_ring*>(ring_memory);
  s->memory = static_cast<char*>(memory);
  io_uring_buf_ring_init(s->buffers);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(s->buffers);
  reg.ring_entries = buffers;
  reg.bgid = k_buffer_group;
  if (const int r = io_uring_register_buf_ring(&s->ring, &reg, 0); r < 0) {
    if (why != nullptr) {
      *why = fmt::format("io_uring_register_buf_ring: {}", error_text(-r));
    }
    return nullptr;
  }
  for (unsigned i = 0; i < buffers; ++i) {
    io_uring_buf_ring_add(s->buffers, s->memory + static_cast<std::size_t>(i) * buffer_bytes, buffer_bytes,
                          static_cast<unsigned short>(i), s->mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(s->buffers, static_cast<int>(buffers));
  s->msg.msg_name = nullptr;
  s->msg.msg_namelen = 0;
  s->msg.msg_controllen = CMSG_SPACE(sizeof(timespec));
  return std::unique_ptr<Uring>(new Uring(std::move(s)));
}

bool Uring::available(std::string* why) {
  // The smallest ring of the same kind: what the kernel allows does not depend on the size.
  return open(2, 4096, why) != nullptr;
}

void Uring::arm_receive(int fd, std::uint64_t user_data) {
  io_uring_sqe* sqe = m_state->sqe();
  io_uring_prep_recvmsg_multishot(sqe, fd, &m_state->msg, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = k_buffer_group;
  io_uring_sqe_set_data64(sqe, user_data);
}

void Uring::poll_in(int fd, std::uint64_t user_data) {
  io_uring_sqe* sqe = m_state->sqe();
  io_uring_prep_poll_add(sqe, fd, POLLIN);
  io_uring_sqe_set_data64(sqe, user_data);
}

void Uring::cancel(std::uint64_t user_data, std::uint64_t cancel_user_data) {
  io_uring_sqe* sqe = m_state->sqe();
  io_uring_prep_cancel64(sqe, user_data, 0);
  io_uring_sqe_set_data64(sqe, cancel_user_data);
}

void Uring::wait(std::int64_t timeout_ns) {
  State& s = *m_state;
  if (s.pending_recycles > 0) {
    io_uring_buf_ring_advance(s.buffers, s.pending_recycles);
    s.pending_recycles = 0;
  }
  __kernel_timespec ts{};
  ts.tv_sec = timeout_ns / 1'000'000'000;
  ts.tv_nsec = timeout_ns % 1'000'000'000;
  io_uring_cqe* cqe = nullptr;
  if (timeout_ns <= 0) {
    // Submit, and run the receives that are due (deferred task work) without sleeping.
    io_uring_submit_and_get_events(&s.ring);
    return;
  }
  io_uring_submit_and_wait_timeout(&s.ring, &cqe, 1, &ts, nullptr); // -ETIME: nothing came
}

bool Uring::next(UringCompletion& c) {
  io_uring_cqe* cqe = nullptr;
  if (io_uring_peek_cqe(&m_state->ring, &cqe) != 0 || cqe == nullptr) {
    return false;
  }
  c.user_data = cqe->user_data;
  c.res = cqe->res;
  c.flags = cqe->flags;
  io_uring_cqe_seen(&m_state->ring, cqe);
  return true;
}

UringReceive Uring::receive(const UringCompletion& c) const {
  const State& s = *m_state;
  UringReceive r;
  r.more = (c.flags & k_more) != 0;
  if ((c.flags & IORING_CQE_F_BUFFER) == 0) {
    return r;
  }
  r.buffer = static_cast<int>(c.flags >> IORING_CQE_BUFFER_SHIFT);
  char* base = s.memory + static_cast<std::size_t>(r.buffer) * s.size;
  msghdr msg = s.msg;
  io_uring_recvmsg_out* out = io_uring_recvmsg_validate(base, c.res, &msg);
  if (out == nullptr) {
    return r;
  }
  const unsigned length = io_uring_recvmsg_payload_length(out, c.res, &msg);
  r.payload = std::string_view(static_cast<const char*>(io_uring_recvmsg_payload(out, &msg)), length);
  for (cmsghdr* cm = io_uring_recvmsg_cmsg_firsthdr(out, &msg); cm != nullptr;
       cm = io_uring_recvmsg_cmsg_nexthdr(out, &msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS && cm->cmsg_len >= CMSG_LEN(sizeof(timespec))) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
      r.realtime_ns = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
      r.stamped = true;
      break;
    }
  }
  return r;
}

void Uring::recycle(int buffer) {
  State& s = *m_state;
  io_uring_buf_ring_add(s.buffers, s.memory + static_cast<std::size_t>(buffer) * s.size, s.size,
                        static_cast<unsigned short>(buffer), s.mask, s.pending_recycles);
  ++s.pending_recycles;
}

} // namespace tpuplan::bench
