#include <tpuplan/bench/request_log.hpp>
#include <tpuplan/error.hpp>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace tpuplan::bench {

std::string request_json_line(const RequestRecord& r, std::size_t level, std::int64_t level_start_ns) {
  using ojson = nlohmann::ordered_json;
  const auto at = [&](std::int64_t ns) { return ns == 0 ? ojson(nullptr) : ojson(static_cast<double>(ns - level_start_ns) / 1e6); };
  const auto span = [&](std::int64_t from, std::int64_t to) {
    return from == 0 || to == 0 ? ojson(nullptr) : ojson(static_cast<double>(to - from) / 1e6);
  };
  ojson j;
  j["level"] = level;
  j["index"] = r.index;
  j["scheduled_ms"] = at(r.scheduled_ns);
  j["sent_ms"] = at(r.sent_ns);
  j["headers_ms"] = at(r.headers_ns);
  j["first_event_ms"] = at(r.first_event_ns);
  j["first_token_ms"] = at(r.first_token_ns);
  j["last_token_ms"] = at(r.last_token_ns);
  j["end_ms"] = at(r.end_ns);
  j["ttft_ms"] = span(r.sent_ns, r.first_token_ns);
  j["e2e_ms"] = span(r.sent_ns, r.end_ns);
  j["http_status"] = r.http_status == 0 ? ojson(nullptr) : ojson(r.http_status);
  j["error"] = r.ok() ? ojson(nullptr) : ojson(std::string(to_string(r.error)));
  j["error_message"] = r.ok() ? ojson(nullptr) : ojson(r.error_message);
  j["retry_after_s"] = r.retry_after_s ? ojson(*r.retry_after_s) : ojson(nullptr);
  j["max_tokens"] = r.max_tokens;
  j["prompt_tokens"] = r.prompt_tokens ? ojson(*r.prompt_tokens) : ojson(nullptr);
  j["prompt_tokens_source"] = std::string(to_string(r.prompt_source));
  j["completion_tokens"] = r.completion_tokens ? ojson(*r.completion_tokens) : ojson(nullptr);
  j["completion_tokens_source"] = std::string(to_string(r.completion_source));
  j["finish_reason"] = r.finish_reason.empty() ? ojson(nullptr) : ojson(r.finish_reason);
  j["events"] = r.events;
  j["role_only_events"] = r.role_only_events;
  j["content_events"] = r.token_times.size();
  j["bytes"] = r.bytes;
  ojson gaps = ojson::array();
  for (std::size_t i = 1; i < r.token_times.size(); ++i) {
    gaps.push_back(static_cast<double>(r.token_times[i] - r.token_times[i - 1]) / 1e6);
  }
  j["chunk_gaps_ms"] = gaps;
  j["chunk_tokens"] = r.chunk_tokens.size() == r.token_times.size() && !r.chunk_tokens.empty() ? ojson(r.chunk_tokens)
                                                                                               : ojson(nullptr);
  j["prompt_tokens_sent"] = r.prompt_tokens_sent ? ojson(*r.prompt_tokens_sent) : ojson(nullptr);
  j["cached_prompt_tokens"] = r.cached_prompt_tokens ? ojson(*r.cached_prompt_tokens) : ojson(nullptr);
  j["prompt_truncated"] = r.prompt_truncated;
  return j.dump();
}

RequestLogWriter::RequestLogWriter(std::filesystem::path path)
    : m_path(std::move(path)), m_file(std::make_unique<detail::OutputFile>(m_path, "--requests-out")) {}

RequestLogWriter::~RequestLogWriter() = default;

void RequestLogWriter::write(const RequestRecord& record, std::size_t level, std::int64_t level_start_ns) {
  if (!m_file) {
    return;
  }
  m_buffer += request_json_line(record, level, level_start_ns);
  m_buffer += '\n';
  if (m_buffer.size() >= 64 * 1024) {
    m_file->write(m_buffer);
    m_buffer.clear();
  }
}

void RequestLogWriter::commit() {
  if (!m_file) {
    return;
  }
  m_file->write(m_buffer);
  m_buffer.clear();
  const auto file = std::move(m_file);
  file->commit();
}

} // namespace tpuplan::bench
