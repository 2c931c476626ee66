// --requests-out: one JSON line per request, with times relative to the start of its level,
// written as requests finish (nothing is kept in memory).
#pragma once

#include <tpuplan/bench/record.hpp>
#include <tpuplan/detail/files.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace tpuplan::bench {

/// One request as a JSON line (no trailing newline): level, index, times in ms from the
/// level's start (scheduled, sent, headers, first event, first token, last token, end),
/// TTFT/E2E, status, error class and message, token counts with sources, finish reason,
/// chunk gaps in ms and tokens per chunk when known. Never holds prompt text or headers.
std::string request_json_line(const RequestRecord& record, std::size_t level, std::int64_t level_start_ns);

/// Streams request lines to a temporary file beside `path`, renamed to `path` by commit()
/// (so a reader never sees half a file); the temporary is removed if never committed.
class RequestLogWriter {
public:
  /// Throws Error(usage) for a path that cannot be an output file, Error(runtime) when the
  /// temporary file cannot be created.
  explicit RequestLogWriter(std::filesystem::path path);
  ~RequestLogWriter();
  RequestLogWriter(const RequestLogWriter&) = delete;
  RequestLogWriter& operator=(const RequestLogWriter&) = delete;

  void write(const RequestRecord& record, std::size_t level, std::int64_t level_start_ns);
  /// Flushes, closes and renames; throws Error(runtime) on a write error.
  void commit();
  const std::filesystem::path& path() const { return m_path; }

private:
  std::filesystem::path m_path;
  std::unique_ptr<detail::OutputFile> m_file;
  std::string m_buffer; // lines not yet written

};

} // namespace tpuplan::bench
