// --requests-out: one JSON line per request, with times relative to the start of its level.
#pragma once

#include <tpuplan/bench/record.hpp>

#include <cstdint>
#include <string>

namespace tpuplan::bench {

/// One request as a JSON line (no trailing newline): level, index, times in ms from the
/// level's start (scheduled, sent, headers, first event, first token, last token, end),
/// TTFT/E2E, status, error class and message, token counts with sources, finish reason,
/// chunk gaps in ms and tokens per chunk when known. Never holds prompt text or headers.
std::string request_json_line(const RequestRecord& record, std::size_t level, std::int64_t level_start_ns);

} // namespace tpuplan::bench
