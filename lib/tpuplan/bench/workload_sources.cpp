#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/json_position.hpp>
#include <tpuplan/bench/workload_sources.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fstream>

namespace tpuplan::bench {

std::vector<TraceRequest> read_trace(const std::filesystem::path& path) {
  detail::check_input_file(path, "--trace"); // a regular file: not a FIFO that never ends, not /dev/zero
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorKind::input, fmt::format("--trace: cannot read '{}'", path.string()));
  }
  return parse_trace(in, path);
}

std::vector<TraceRequest> parse_trace(std::istream& in, const std::filesystem::path& path) {
  std::vector<TraceRequest> out;
  std::string line;
  std::size_t number = 0;
  const auto fail = [&](std::string_view what) {
    throw Error(ErrorKind::input, fmt::format("{}:{}: {}", path.string(), number, what),
                "each line: {\"arrival_s\": 0.5, \"input_tokens\": 800, \"output_tokens\": 120} "
                "(or Mooncake's {\"timestamp\": ms, \"input_length\": n, \"output_length\": m})");
  };
  const auto length = [&](const nlohmann::json& j, const char* a, const char* b) {
    for (const char* key : {a, b}) {
      if (const auto it = j.find(key); it != j.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 || it->get<std::int64_t>() > 10'000'000) {
          fail(fmt::format("\"{}\" must be a positive integer", key));
        }
        return static_cast<int>(it->get<std::int64_t>());
      }
    }
    fail(fmt::format("no \"{}\" (or \"{}\")", a, b));
    return 0; // not reached: fail throws
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    if (const auto limit = detail::json_limits_problem(line)) {
      fail(limit->message);
    }
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      fail("not a JSON object");
    }
    TraceRequest r;
    if (const auto it = j.find("arrival_s"); it != j.end()) {
      if (!it->is_number() || it->get<double>() < 0) {
        fail("\"arrival_s\" must be a non-negative number");
      }
      r.arrival_s = it->get<double>();
    } else if (const auto ts = j.find("timestamp"); ts != j.end()) {
      if (!ts->is_number() || ts->get<double>() < 0) {
        fail("\"timestamp\" must be a non-negative number of milliseconds");
      }
      r.arrival_s = ts->get<double>() / 1000.0;
    } else {
      fail("no \"arrival_s\" (or \"timestamp\" in ms)");
    }
    r.input_tokens = length(j, "input_tokens", "input_length");
    r.output_tokens = length(j, "output_tokens", "output_length");
    out.push_back(r);
  }
  if (out.empty()) {
    throw Error(ErrorKind::input, fmt::format("--trace: '{}' holds no requests", path.string()));
  }
  std::stable_sort(out.begin(), out.end(), [](const TraceRequest& a, const TraceRequest& b) { return a.arrival_s < b.arrival_s; });
  const double first = out.front().arrival_s;
  for (auto& r : out) {
    r.arrival_s -= first;
  }
  return out;
}

Conversations::Conversations(int turns, SyntheticPrompts spec, std::uint64_t seed, PromptPrefix prefix)
    : m_turns(std::max(1, turns)), m_spec(spec), m_seed(seed), m_prefix(prefix) {}

Prompt Conversations::next(std::int64_t index) {
  Conversation c;
  if (!m_idle.empty()) {
    c = std::move(m_idle.back());
    m_idle.pop_back();
  } else {
    ++m_opened;
  }
  // A user turn: the first opens with the conversation's unique prefix; later ones are
  // fresh text (their history already makes them unique).
  const std::int64_t n = m_user_turns++;
  const Prompt user = c.turns_sent == 0 ? synthetic_prompt(m_spec, m_seed, n, m_prefix) : synthetic_prompt(m_spec, m_seed, n);
  c.messages.push_back({{"role", "user"}, {"content", user.text}});
  c.approx_tokens += user.approx_tokens;
  ++c.turns_sent;
  Prompt p;
  p.messages = c.messages;
  p.text = conversation_text(c.messages);
  p.approx_tokens = c.approx_tokens;
  m_busy.emplace(index, std::move(c));
  return p;
}

void Conversations::finished(std::int64_t index, bool ok, const std::string& output_text) {
  const auto it = m_busy.find(index);
  if (it == m_busy.end()) {
    return;
  }
  Conversation c = std::move(it->second);
  m_busy.erase(it);
  if (!ok || c.turns_sent >= m_turns) {
    return; // done (or broken): its memory goes
  }
  c.messages.push_back({{"role", "assistant"}, {"content", output_text}});
  c.approx_tokens += static_cast<std::int64_t>((output_text.size() + 3) / 4);
  m_idle.push_back(std::move(c));
}

std::string conversation_text(const nlohmann::json& messages) {
  std::string text;
  for (const auto& m : messages) {
    text += m.value("role", "") == "assistant" ? "Assistant: " : "User: ";
    text += m.value("content", "");
    text += '\n';
  }
  text += "Assistant:";
  return text;
}

} // namespace tpuplan::bench
