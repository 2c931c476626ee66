#include <tpuplan/detail/files.hpp>
#include <tpuplan/detail/json_position.hpp>
#include <tpuplan/bench/load.hpp>
#include <tpuplan/bench/prompts.hpp>
#include <tpuplan/error.hpp>

#include <array>
#include <fmt/format.h>
#include <fstream>

namespace tpuplan::bench {

namespace {

// Short, frequent English words, chosen because BPE vocabularies trained on English text
// (GPT-2/cl100k, Llama, Gemma) hold such words with their leading space as single tokens,
// so n words ≈ n tokens. This is an estimate: reports use the server's count when it
// sends one, and flag this one as approximate otherwise.
constexpr std::array<std::string_view, 128> k_words = {
    "the",   "of",    "and",   "to",    "in",    "is",    "was",   "for",   "on",    "are",   "with",  "as",
    "at",    "be",    "this",  "have",  "from",  "or",    "one",   "had",   "by",    "word",  "but",   "not",
    "what",  "all",   "were",  "we",    "when",  "your",  "can",   "said",  "there", "use",   "an",    "each",
    "which", "she",   "do",    "how",   "their", "if",    "will",  "up",    "other", "about", "out",   "many",
    "then",  "them",  "these", "so",    "some",  "her",   "would", "make",  "like",  "him",   "into",  "time",
    "has",   "look",  "two",   "more",  "write", "go",    "see",   "number", "no",   "way",   "could", "people",
    "my",    "than",  "first", "water", "been",  "call",  "who",   "oil",   "its",   "now",   "find",  "long",
    "down",  "day",   "did",   "get",   "come",  "made",  "may",   "part",  "over",  "new",   "sound", "take",
    "only",  "little", "work", "know",  "place", "year",  "live",  "me",    "back",  "give",  "most",  "very",
    "after", "thing", "our",   "just",  "name",  "good",  "man",   "think", "say",   "great", "where", "help",
    "through", "much", "before", "line", "right", "too",  "mean",  "old"};

} // namespace

std::string unique_prefix(std::uint64_t nonce, std::int64_t n) {
  // 6 words of 7 bits: 42 bits of (nonce, n) mixed, so two requests of a run, or of two runs
  // (different nonces), open alike with odds of 2^-42 per pair (and share a first word with
  // odds of 1/128: a cache then reuses one token).
  Random rng(nonce ^ (static_cast<std::uint64_t>(n) * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
  std::string out;
  for (int i = 0; i < k_unique_prefix_words; ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += k_words[rng.next() % k_words.size()];
  }
  return out;
}

std::string shared_block(std::uint64_t nonce, int words) {
  Random rng(nonce ^ 0x5348415245445052ULL);
  std::string out;
  out.reserve(static_cast<std::size_t>(words) * 6);
  for (int i = 0; i < words; ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += k_words[rng.next() % k_words.size()];
  }
  return out;
}

bool uses_shared_block(const PromptPrefix& prefix, std::int64_t n) {
  if (prefix.shared_tokens <= 0) {
    return false;
  }
  if (prefix.shared_share >= 1.0) {
    return true;
  }
  Random rng(prefix.nonce ^ (static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ULL + 0x1234567ULL));
  return rng.uniform() < prefix.shared_share;
}

std::pair<std::string, std::int64_t> prompt_opening(const PromptPrefix& prefix, std::int64_t n) {
  std::string text;
  std::int64_t words = k_unique_prefix_words;
  if (uses_shared_block(prefix, n)) {
    text = shared_block(prefix.nonce, prefix.shared_tokens) + ' ';
    words += prefix.shared_tokens;
  }
  text += unique_prefix(prefix.nonce, n);
  return {std::move(text), words};
}

Prompt with_opening(Prompt prompt, const std::string& opening, std::int64_t opening_words) {
  if (prompt.messages.is_array() && !prompt.messages.empty()) {
    auto& content = prompt.messages[0]["content"];
    content = opening + "\n" + content.get<std::string>();
    prompt.text = opening + "\n" + prompt.text;
  } else {
    prompt.text = opening + "\n" + prompt.text;
  }
  prompt.approx_tokens += opening_words;
  return prompt;
}

Prompt synthetic_prompt(const SyntheticPrompts& spec, std::uint64_t seed, std::int64_t index, const PromptPrefix& prefix) {
  auto [opening, opening_words] = prompt_opening(prefix, index);
  Prompt body = synthetic_prompt(spec, seed, index);
  // The opening takes the place of as many drawn words, so the length stays as drawn.
  const std::int64_t keep = std::max<std::int64_t>(1, body.approx_tokens - opening_words);
  std::size_t end = std::string::npos; // the end of word number `keep`: the keep-th space
  for (std::int64_t w = 0; w < keep; ++w) {
    end = body.text.find(' ', w == 0 ? 0 : end + 1);
    if (end == std::string::npos) {
      break;
    }
  }
  if (end != std::string::npos) {
    body.text.resize(end);
  }
  Prompt p;
  p.text = opening + ' ' + body.text;
  p.approx_tokens = opening_words + keep;
  p.tokens_counted = true;
  return p;
}

Prompt synthetic_prompt(const SyntheticPrompts& spec, std::uint64_t seed, std::int64_t index) {
  // One generator per prompt, seeded from (seed, index): prompts do not depend on the order
  // requests are sent in, and a level's prompts never repeat another level's.
  Random rng(seed ^ (static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL));
  const auto lo = std::max<std::int64_t>(1, spec.tokens - spec.range);
  const auto hi = std::max<std::int64_t>(lo, spec.tokens + spec.range);
  const std::int64_t n = rng.uniform_int(lo, hi);
  Prompt p;
  p.text.reserve(static_cast<std::size_t>(n) * 6);
  for (std::int64_t i = 0; i < n; ++i) {
    if (i > 0) {
      p.text += ' ';
    }
    p.text += k_words[rng.next() % k_words.size()];
  }
  p.approx_tokens = n;
  p.tokens_counted = true;
  return p;
}

std::vector<Prompt> read_dataset(const std::filesystem::path& path) {
  detail::check_input_file(path, "--dataset"); // a regular file: not a FIFO that never ends, not /dev/zero
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorKind::input, fmt::format("--dataset: cannot read '{}'", path.string()));
  }
  return parse_dataset(in, path);
}

std::vector<Prompt> parse_dataset(std::istream& in, const std::filesystem::path& path) {
  std::vector<Prompt> prompts;
  std::string line;
  std::size_t number = 0;
  const auto fail = [&](std::string_view what) {
    throw Error(ErrorKind::input, fmt::format("{}:{}: {}", path.string(), number, what),
                "each line: {\"prompt\": \"…\"} or {\"messages\": [{\"role\": \"user\", \"content\": \"…\"}]}, "
                "optionally with \"output_tokens\" and \"input_tokens\"");
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
    if (j.is_discarded()) {
      fail("not valid JSON");
    }
    if (!j.is_object()) {
      fail("expected a JSON object");
    }
    Prompt p;
    if (const auto it = j.find("prompt"); it != j.end()) {
      if (!it->is_string()) {
        fail("\"prompt\" must be a string");
      }
      p.text = it->get<std::string>();
    } else if (const auto m = j.find("messages"); m != j.end()) {
      if (!m->is_array() || m->empty()) {
        fail("\"messages\" must be a non-empty array");
      }
      for (const auto& msg : *m) {
        if (!msg.is_object() || !msg.contains("role") || !msg.contains("content") || !msg["content"].is_string()) {
          fail("each message needs \"role\" and a string \"content\"");
        }
        if (!p.text.empty()) {
          p.text += '\n';
        }
        p.text += msg["content"].get<std::string>();
      }
      p.messages = *m;
    } else {
      fail("no \"prompt\" or \"messages\"");
    }
    for (const char* key : {"output_tokens", "max_tokens"}) {
      if (const auto it = j.find(key); it != j.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
          fail(fmt::format("\"{}\" must be a positive integer", key));
        }
        p.output_tokens = static_cast<int>(it->get<std::int64_t>());
        break;
      }
    }
    if (const auto it = j.find("input_tokens"); it != j.end()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
        fail("\"input_tokens\" must be a positive integer");
      }
      p.approx_tokens = it->get<std::int64_t>();
      p.tokens_counted = true;
    } else {
      p.approx_tokens = static_cast<std::int64_t>((p.text.size() + 3) / 4);
    }
    prompts.push_back(std::move(p));
  }
  if (prompts.empty()) {
    throw Error(ErrorKind::input, fmt::format("--dataset: '{}' holds no prompts", path.string()));
  }
  return prompts;
}

} // namespace tpuplan::bench
