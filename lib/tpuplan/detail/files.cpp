#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace tpuplan::detail {

namespace {

constexpr std::size_t k_default_input_cap = std::size_t{64} << 20;

std::string shown(const std::filesystem::path& p) { return escape_for_terminal(p.string()); }

/// Why a non-regular file cannot be read or written, or "" for a regular file.
std::string kind_problem(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "is a directory";
  }
  if (S_ISFIFO(mode)) {
    return "is a FIFO (named pipe)";
  }
  if (S_ISCHR(mode) || S_ISBLK(mode)) {
    return "is a device";
  }
  if (S_ISSOCK(mode)) {
    return "is a socket";
  }
  if (S_ISLNK(mode)) {
    return "is a symbolic link";
  }
  return S_ISREG(mode) ? std::string() : "is not a regular file";
}

class Fd {
public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }

private:
  int m_fd;
};

} // namespace

std::size_t max_input_bytes() {
  const char* v = std::getenv("TPUPLAN_MAX_INPUT_BYTES");
  if (v == nullptr || *v == '\0') {
    return k_default_input_cap;
  }
  std::size_t n = 0;
  const std::string_view text(v);
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n == 0) {
    throw Error(ErrorKind::usage,
                fmt::format("TPUPLAN_MAX_INPUT_BYTES: '{}' is not a positive whole number of bytes", escape_for_terminal(text)),
                "e.g. TPUPLAN_MAX_INPUT_BYTES=268435456 (256 MiB); the default is 67108864");
  }
  return n;
}

InputFile read_input(const std::filesystem::path& path, std::size_t cap) {
  if (cap == 0) {
    cap = max_input_bytes();
  }
  InputFile out;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the kind is checked before reading.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    out.problem = errno == ENOENT ? std::string("no such file") : fmt::format("cannot read it: {}", std::strerror(errno));
    return out;
  }
  if (const std::string kind = kind_problem(st.st_mode); !kind.empty()) {
    out.problem = kind + "; give a regular file";
    return out;
  }
  if (static_cast<std::uint64_t>(st.st_size) > cap) {
    out.problem = fmt::format("is {} bytes; the limit is {} (raise it with TPUPLAN_MAX_INPUT_BYTES=N)", st.st_size, cap);
    return out;
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) {
    ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      out.problem = fmt::format("cannot read it: {}", std::strerror(errno));
      return out;
    }
    if (n == 0) {
      break;
    }
    if (text.size() + static_cast<std::size_t>(n) > cap) { // grew while read
      out.problem = fmt::format("is larger than the limit of {} bytes (raise it with TPUPLAN_MAX_INPUT_BYTES=N)", cap);
      return out;
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  out.text = std::move(text);
  return out;
}

std::string describe_input_problem(const std::filesystem::path& path, const std::string& problem) {
  return problem.starts_with("is ") ? fmt::format("'{}' {}", shown(path), problem)
                                    : fmt::format("cannot read '{}': {}", shown(path), problem);
}

std::string read_input_file(const std::filesystem::path& path, std::string_view what, std::size_t cap) {
  InputFile in = read_input(path, cap);
  if (!in.text) {
    throw Error(ErrorKind::input, fmt::format("{}: {}", what, describe_input_problem(path, in.problem)));
  }
  return std::move(*in.text);
}

void check_input_file(const std::filesystem::path& path, std::string_view what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    throw Error(ErrorKind::input, fmt::format("{}: cannot read '{}': {}", what, shown(path),
                                              errno == ENOENT ? "no such file" : std::strerror(errno)));
  }
  if (const std::string kind = kind_problem(st.st_mode); !kind.empty()) {
    throw Error(ErrorKind::input, fmt::format("{}: '{}' {}; give a regular file", what, shown(path), kind));
  }
  const std::size_t cap = max_input_bytes();
  if (static_cast<std::uint64_t>(st.st_size) > cap) {
    throw Error(ErrorKind::input, fmt::format("{}: '{}' is {} bytes; the limit is {} (raise it with TPUPLAN_MAX_INPUT_BYTES=N)",
                                              what, shown(path), st.st_size, cap));
  }
}

void check_output_path(const std::filesystem::path& path, std::string_view what) {
  if (path.empty()) {
    throw Error(ErrorKind::usage, fmt::format("{}: no file name given", what));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (const std::string problem = kind_problem(st.st_mode); !problem.empty()) {
      throw Error(ErrorKind::usage, fmt::format("{}: '{}' {}; only a regular file or a new name is written", what,
                                                shown(path), problem),
                  S_ISLNK(st.st_mode) ? "give the path the link points to" : "give a file name");
    }
  } else if (errno != ENOENT) {
    throw Error(ErrorKind::usage, fmt::format("{}: cannot write '{}': {}", what, shown(path), std::strerror(errno)));
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    throw Error(ErrorKind::usage, fmt::format("{}: cannot write '{}': directory '{}' does not exist", what, shown(path),
                                              shown(dir)));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw Error(ErrorKind::usage, fmt::format("{}: cannot write '{}': directory '{}' is not writable", what, shown(path),
                                              shown(dir)));
  }
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat sa {};
  struct stat sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

OutputFile::OutputFile(std::filesystem::path target, std::string_view what) : m_target(std::move(target)), m_what(what) {
  check_output_path(m_target, what);
  const std::filesystem::path dir = m_target.has_parent_path() ? m_target.parent_path() : std::filesystem::path(".");
  std::random_device rd;
  for (int attempt = 0; attempt < 100 && m_fd < 0; ++attempt) {
    const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
    m_tmp = dir / fmt::format(".{}.tmp-{:016x}", m_target.filename().string(), r);
    m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (m_fd < 0 && errno != EEXIST) {
      const int err = errno;
      throw Error(ErrorKind::runtime, fmt::format("{}: cannot write '{}': {}", m_what, shown(m_target), std::strerror(err)));
    }
  }
  if (m_fd < 0) {
    throw Error(ErrorKind::runtime, fmt::format("{}: cannot create a temporary file next to '{}'", m_what, shown(m_target)));
  }
}

OutputFile::~OutputFile() {
  if (m_fd >= 0) {
    ::close(m_fd);
    ::unlink(m_tmp.c_str());
  }
}

bool OutputFile::write(std::string_view data) {
  while (!m_failed && !data.empty()) {
    const ssize_t n = ::write(m_fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      m_failed = true;
      break;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return !m_failed;
}

void OutputFile::commit() {
  if (m_fd < 0) {
    return;
  }
  const bool synced = !m_failed && ::fsync(m_fd) == 0;
  const int err = errno;
  const bool closed = ::close(m_fd) == 0;
  m_fd = -1;
  if (!synced || !closed) {
    ::unlink(m_tmp.c_str());
    throw Error(ErrorKind::runtime,
                fmt::format("{}: writing '{}' failed: {}", m_what, shown(m_target), std::strerror(synced ? errno : err)));
  }
  if (::rename(m_tmp.c_str(), m_target.c_str()) != 0) {
    const int rename_err = errno;
    ::unlink(m_tmp.c_str());
    throw Error(ErrorKind::runtime,
                fmt::format("{}: cannot write '{}': {}", m_what, shown(m_target), std::strerror(rename_err)));
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text, std::string_view what) {
  OutputFile out(path, what);
  out.write(text);
  out.commit();
}

} // namespace tpuplan::detail
