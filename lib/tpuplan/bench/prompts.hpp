// Prompts for a run: synthetic text of about I ± R tokens, or prompts from a JSONL dataset.
#pragma once

#include <tpuplan/bench/protocol.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace tpuplan::bench {

/// Synthetic prompt lengths: uniform integers in [tokens − range, tokens + range].
struct SyntheticPrompts {
  int tokens = 1000;
  int range = 0;
};

/// A synthetic prompt of about `tokens` tokens: that many words drawn from a list of short
/// common English words, which BPE tokenizers (GPT, Llama, Gemma) typically encode as one
/// token each with their leading space. Prompt `index` under `seed` is always the same text, and two
/// prompts differ from their first words on, so a prefix cache has nothing to reuse.
/// approx_tokens is the word count: an approximation, flagged so wherever it is reported.
Prompt synthetic_prompt(const SyntheticPrompts& spec, std::uint64_t seed, std::int64_t index);

/// Reads a JSONL dataset: one object per line with "prompt" (text) or "messages" (chat),
/// and optionally "output_tokens" (or "max_tokens") and "input_tokens" (a known prompt
/// length). Blank lines are skipped. Without input_tokens, the length is estimated as
/// ⌈bytes ÷ 4⌉, OpenAI's rule of thumb for English text (flagged approximate).
/// Throws Error(input) "FILE:LINE: …" for a bad line, or when there is no prompt at all.
std::vector<Prompt> read_dataset(const std::filesystem::path& path);

} // namespace tpuplan::bench
