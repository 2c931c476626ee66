// Files read and written by the tool: bounded readers of regular files and output files
// written through an unpredictable temporary name next to the target, then renamed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tpuplan::detail {

/// The default cap on one input file: 64 MiB, or TPUPLAN_MAX_INPUT_BYTES when set (bytes).
std::size_t max_input_bytes();

/// A file read whole, or why not: "no such file", "is a directory; give a regular file",
/// "is 200 bytes; the limit is 100 (…)" (a phrase that follows the file's name).
struct InputFile {
  std::optional<std::string> text;
  std::string problem;
};

/// "'PATH' is a directory; give a regular file" or "cannot read 'PATH': no such file": a
/// problem of read_input() as one phrase naming the file.
std::string describe_input_problem(const std::filesystem::path& path, const std::string& problem);

/// read_input_file without throwing, for readers that collect problems.
InputFile read_input(const std::filesystem::path& path, std::size_t cap = 0);

/// Throws Error(input) unless `path` is a regular file that can be opened and is within the
/// default cap (for readers that stream a file line by line rather than hold it whole).
void check_input_file(const std::filesystem::path& path, std::string_view what);

/// The whole of `path`, which must be a regular file of at most `cap` bytes (0: the default
/// cap). A directory, a FIFO, a device or a socket is refused with its own message, without
/// blocking on it. `what` opens every message ("--config", "dataset"). Throws Error(input).
std::string read_input_file(const std::filesystem::path& path, std::string_view what, std::size_t cap = 0);

/// Checks that `path` can be an output file, before any long work: it is a new name in an
/// existing directory, or an existing regular file (not a directory, device, FIFO, socket or
/// symbolic link). `what` names the flag ("-o", "--save"). Throws Error(usage).
void check_output_path(const std::filesystem::path& path, std::string_view what);

/// Whether `a` and `b` name the same existing file (same device and inode).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

/// An output file under construction: a temporary file created next to the target with
/// O_CREAT|O_EXCL|O_NOFOLLOW and a random name (never a file or link planted in advance),
/// renamed over the target by commit(); removed if never committed.
class OutputFile {
public:
  /// Checks `target` (check_output_path) and creates the temporary file.
  OutputFile(std::filesystem::path target, std::string_view what);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// Appends bytes; false once a write failed (commit then throws).
  bool write(std::string_view data);
  /// Flushes, syncs and renames the temporary file onto the target. Throws Error(runtime).
  void commit();

private:
  std::filesystem::path m_target;
  std::filesystem::path m_tmp;
  std::string m_what;
  int m_fd = -1;
  bool m_failed = false;
};

/// `text` written to `path` through an OutputFile.
void write_file_atomically(const std::filesystem::path& path, std::string_view text, std::string_view what);

} // namespace tpuplan::detail
