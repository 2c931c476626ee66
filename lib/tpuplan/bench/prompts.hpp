// Prompts for a run: synthetic text of about I ± R tokens, or prompts from a JSONL dataset.
#pragma once

#include <tpuplan/bench/protocol.hpp>

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <utility>
#include <vector>

namespace tpuplan::bench {

/// Synthetic prompt lengths: uniform integers in [tokens − range, tokens + range].
struct SyntheticPrompts {
  int tokens = 1000;
  int range = 0;
};

/// Words that open every prompt of a run: unique to (nonce, request number), so no prompt
/// shares a first token with another of the run or of any other run (a prefix cache has
/// nothing to serve), and counted in the prompt's length like its other words.
inline constexpr int k_unique_prefix_words = 6;

/// How prompts open: a unique prefix per request, after an optional shared block.
struct PromptPrefix {
  std::uint64_t nonce = 0;    ///< drawn per run (never from --seed): reruns never repeat a prefix
  int shared_tokens = 0;      ///< --shared-prefix: words every sharing prompt starts with (0 = none)
  double shared_share = 1.0;  ///< fraction of requests that start with the shared block
};

/// The k_unique_prefix_words words of request `n` under `nonce`, space separated.
std::string unique_prefix(std::uint64_t nonce, std::int64_t n);
/// The shared block of `words` words under `nonce` (the same for every request of the run).
std::string shared_block(std::uint64_t nonce, int words);
/// Whether request `n` starts with the shared block (a deterministic draw at shared_share).
bool uses_shared_block(const PromptPrefix& prefix, std::int64_t n);
/// Prompt number `n`'s opening (shared block when it uses one, then its unique prefix) and
/// its length in words.
std::pair<std::string, std::int64_t> prompt_opening(const PromptPrefix& prefix, std::int64_t n);
/// `prompt` with `opening` put before its text (chat: before the first message's content).
Prompt with_opening(Prompt prompt, const std::string& opening, std::int64_t opening_words);

/// A synthetic prompt of about `tokens` tokens: that many words drawn from a list of short
/// common English words, which BPE tokenizers (GPT, Llama, Gemma) typically encode as one
/// token each with their leading space. Prompt `index` under `seed` is always the same text, and two
/// prompts differ from their first words on, so a prefix cache has nothing to reuse.
/// approx_tokens is the word count: an approximation, flagged so wherever it is reported.
Prompt synthetic_prompt(const SyntheticPrompts& spec, std::uint64_t seed, std::int64_t index);
/// The synthetic prompt of request `n` with its opening: the opening's words count toward
/// the drawn length (at least one random word follows it).
Prompt synthetic_prompt(const SyntheticPrompts& spec, std::uint64_t seed, std::int64_t index,
                        const PromptPrefix& prefix);

/// Reads a JSONL dataset: one object per line with "prompt" (text) or "messages" (chat),
/// and optionally "output_tokens" (or "max_tokens") and "input_tokens" (a known prompt
/// length). Blank lines are skipped. Without input_tokens, the length is estimated as
/// ⌈bytes ÷ 4⌉, OpenAI's rule of thumb for English text (flagged approximate).
/// Throws Error(input) "FILE:LINE: …" for a bad line, or when there is no prompt at all.
std::vector<Prompt> read_dataset(const std::filesystem::path& path);
/// The same from a stream; `path` names it in errors.
std::vector<Prompt> parse_dataset(std::istream& in, const std::filesystem::path& path);

} // namespace tpuplan::bench
