// Prompt openings (unique prefixes, a shared block), trace replay and multi-turn
// conversations, and how a level reads the server's prompt counts.
#include <tpuplan/bench/prompts.hpp>
#include <tpuplan/bench/summary.hpp>
#include <tpuplan/bench/workload_sources.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace tpuplan;
using namespace tpuplan::bench;

namespace {

std::size_t words(const std::string& s) {
  std::istringstream in(s);
  std::string w;
  std::size_t n = 0;
  while (in >> w) {
    ++n;
  }
  return n;
}

std::string first_words(const std::string& s, std::size_t n) {
  std::istringstream in(s);
  std::string w;
  std::string out;
  for (std::size_t i = 0; i < n && in >> w; ++i) {
    out += (i == 0 ? "" : " ") + w;
  }
  return out;
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("tpuplan-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}

} // namespace

TEST_CASE("every prompt opens with a prefix unique to its run and request, counted in its length", "[bench]") {
  const SyntheticPrompts spec{100, 0};
  PromptPrefix run_a{0x1111, 0, 1};
  PromptPrefix run_b{0x2222, 0, 1};
  std::set<std::string> openings;
  for (int i = 0; i < 1000; ++i) {
    const Prompt p = synthetic_prompt(spec, 42, i, run_a);
    CHECK(words(p.text) == 100);
    CHECK(p.approx_tokens == 100);
    CHECK(p.tokens_counted);
    CHECK(p.text.rfind(unique_prefix(run_a.nonce, i), 0) == 0);
    openings.insert(first_words(p.text, k_unique_prefix_words));
  }
  CHECK(openings.size() == 1000); // 42 bits each: no two requests of a run share their opening
  // The same seed in another run: the same body after a different opening, so a prompt
  // cache has nothing to reuse across runs either.
  const Prompt a = synthetic_prompt(spec, 42, 7, run_a);
  const Prompt b = synthetic_prompt(spec, 42, 7, run_b);
  CHECK(first_words(a.text, 1) != first_words(b.text, 1));
  CHECK(a.text.substr(a.text.size() - 40) == b.text.substr(b.text.size() - 40));
}

TEST_CASE("a shared prefix opens the sharing share of prompts, before their unique prefix", "[bench]") {
  PromptPrefix shared{0xABC, 64, 0.5};
  const std::string block = shared_block(shared.nonce, 64);
  CHECK(words(block) == 64);
  int sharing = 0;
  for (int i = 0; i < 2000; ++i) {
    const Prompt p = synthetic_prompt(SyntheticPrompts{200, 0}, 1, i, shared);
    CHECK(words(p.text) == 200);
    if (p.text.rfind(block, 0) == 0) {
      ++sharing;
      CHECK(p.text.substr(block.size() + 1).rfind(unique_prefix(shared.nonce, i), 0) == 0);
    }
  }
  CHECK(sharing > 900);
  CHECK(sharing < 1100);
}

TEST_CASE("a dataset prompt gets its opening before its text and its first chat message", "[bench]") {
  Prompt chat;
  chat.messages = nlohmann::json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}});
  chat.text = "Be brief.\nHi";
  chat.approx_tokens = 4;
  const Prompt p = with_opening(chat, "alpha beta", 2);
  CHECK(p.messages[0]["content"] == "alpha beta\nBe brief.");
  CHECK(p.messages[1]["content"] == "Hi");
  CHECK(p.approx_tokens == 6);
}

TEST_CASE("a trace gives sorted arrivals from its first request, in either spelling", "[bench]") {
  const auto path = write_temp("trace.jsonl", "{\"arrival_s\": 2.5, \"input_tokens\": 100, \"output_tokens\": 10}\n\n"
                                              "{\"arrival_s\": 1.0, \"input_tokens\": 50, \"output_tokens\": 5}\n");
  const auto t = read_trace(path);
  REQUIRE(t.size() == 2);
  CHECK(t[0].arrival_s == 0);
  CHECK(t[0].input_tokens == 50);
  CHECK(t[1].arrival_s == 1.5);
  CHECK(t[1].output_tokens == 10);
  const auto mooncake = write_temp("mooncake.jsonl", "{\"timestamp\": 27482, \"input_length\": 6955, \"output_length\": 52, "
                                                     "\"hash_ids\": [46, 47]}\n{\"timestamp\": 30535, \"input_length\": 6472, "
                                                     "\"output_length\": 26}\n");
  const auto m = read_trace(mooncake);
  CHECK(m[1].arrival_s == Approx(3.053));
  CHECK(m[0].input_tokens == 6955);
  const auto bad = write_temp("bad.jsonl", "{\"arrival_s\": 1, \"input_tokens\": 5}\n");
  try {
    read_trace(bad);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == bad.string() + ":1: no \"output_tokens\" (or \"output_length\")");
  }
  std::filesystem::remove(path);
  std::filesystem::remove(mooncake);
  std::filesystem::remove(bad);
}

TEST_CASE("a conversation's next turn carries every earlier turn and the server's answers", "[bench]") {
  Conversations c(3, SyntheticPrompts{20, 0}, 7, PromptPrefix{0x77, 0, 1});
  const Prompt t1 = c.next(0);
  REQUIRE(t1.messages.size() == 1);
  const Prompt other = c.next(1); // a second conversation opens while the first is in flight
  REQUIRE(other.messages.size() == 1);
  CHECK(c.opened() == 2);
  c.finished(0, true, "first answer");
  const Prompt t2 = c.next(2);
  REQUIRE(t2.messages.size() == 3);
  CHECK(t2.messages[0] == t1.messages[0]);
  CHECK(t2.messages[1]["role"] == "assistant");
  CHECK(t2.messages[1]["content"] == "first answer");
  CHECK(t2.text.find("Assistant: first answer\nUser: ") != std::string::npos);
  c.finished(2, true, "second");
  CHECK(c.next(3).messages.size() == 5);
  c.finished(3, true, "third"); // its last turn: the conversation ends
  c.finished(1, false, "");     // a failed turn ends its conversation
  CHECK(c.next(4).messages.size() == 1);
  CHECK(c.opened() == 3);
}

TEST_CASE("a level whose server counted far fewer prompt tokens than were sent is flagged truncated", "[bench]") {
  LoadLevel load;
  const auto rec = [](std::int64_t sent, std::int64_t counted, bool said) {
    RequestRecord r;
    r.sent_ns = 1'000'000;
    r.first_token_ns = 2'000'000;
    r.end_ns = 3'000'000;
    r.prompt_tokens = counted;
    r.prompt_source = TokenSource::server;
    r.prompt_tokens_sent = sent;
    r.prompt_truncated = said;
    r.completion_tokens = 4;
    r.completion_source = TokenSource::server;
    return r;
  };
  LevelAccumulator fits(load, {});
  fits.add(rec(1000, 1017, false)); // a chat template adds tokens: not a cut
  CHECK_FALSE(fits.result(LevelRun{}).input_truncated);
  LevelAccumulator cut(load, {});
  cut.add(rec(1024, 540, false));
  cut.add(rec(1024, 540, false));
  const LevelResult l = cut.result(LevelRun{});
  CHECK(l.input_truncated);
  CHECK(*l.input_tokens_sent == 2048);
  CHECK(l.input_tokens_compared == 1080);
  LevelAccumulator said(load, {});
  said.add(rec(100, 95, true)); // within 10%, but llama.cpp said it cut the prompt
  CHECK(said.result(LevelRun{}).input_truncated);
  CHECK(said.result(LevelRun{}).requests_truncated == 1);
  LevelAccumulator cached(load, {});
  RequestRecord c = rec(100, 100, false);
  c.cached_prompt_tokens = 64;
  cached.add(c);
  CHECK(*cached.result(LevelRun{}).cached_input_tokens == 64);
}
