// Realistic load beyond independent prompts: a replayed trace (arrival offsets and
// lengths from a JSONL file) and multi-turn conversations whose requests carry their history.
#pragma once

#include <tpuplan/bench/engine.hpp>
#include <tpuplan/bench/prompts.hpp>

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan::bench {

/// One request of a trace.
struct TraceRequest {
  double arrival_s = 0;      ///< offset from the first request of the trace
  int input_tokens = 0;
  int output_tokens = 0;
};

/// Reads a JSONL trace: per line an arrival time — "arrival_s" (seconds) or "timestamp"
/// (milliseconds, Mooncake's traces) — and the lengths "input_tokens"/"input_length" and
/// "output_tokens"/"output_length". Lines may come in any order; arrivals are sorted and
/// made relative to the first. Throws Error(input) "FILE:LINE: …".
std::vector<TraceRequest> read_trace(const std::filesystem::path& path);
/// The same from a stream; `path` names it in errors.
std::vector<TraceRequest> parse_trace(std::istream& in, const std::filesystem::path& path);

/// Multi-turn conversations: request i continues a conversation whose previous turn has
/// finished, or opens a new one, so a conversation's turns go one after the other and each
/// carries every earlier user turn and the answer the server gave to it.
class Conversations {
public:
  /// `turns` requests per conversation; each user turn is a synthetic prompt of `spec`.
  Conversations(int turns, SyntheticPrompts spec, std::uint64_t seed, PromptPrefix prefix);
  /// The prompt of request `index` (its conversation's next turn, as chat messages).
  Prompt next(std::int64_t index);
  /// Records the answer to request `index` (its output text); failed requests end their
  /// conversation.
  void finished(std::int64_t index, bool ok, const std::string& output_text);
  /// Conversations opened so far.
  std::int64_t opened() const { return m_opened; }

private:
  struct Conversation {
    nlohmann::json messages = nlohmann::json::array();
    std::int64_t approx_tokens = 0;
    int turns_sent = 0;
  };
  int m_turns;
  SyntheticPrompts m_spec;
  std::uint64_t m_seed;
  PromptPrefix m_prefix;
  std::int64_t m_opened = 0;
  std::int64_t m_user_turns = 0;               // synthetic user turns drawn (their prompt numbers)
  std::map<std::int64_t, Conversation> m_busy; // by request index: a turn in flight
  std::vector<Conversation> m_idle;            // waiting for their next turn
};

/// Chat messages flattened for a text API: "User: …\nAssistant: …\n…User: …\nAssistant:".
std::string conversation_text(const nlohmann::json& messages);

} // namespace tpuplan::bench
