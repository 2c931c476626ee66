// Stream decoding per protocol: recorded (made-up, shape-faithful) byte streams replayed
// whole and split at every boundary must give the same record.
#include <tpuplan/bench/stream_decoder.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

using namespace tpuplan::bench;

namespace {

/// Decodes `chunks` as one response; chunk k arrives at t = (k + 1) µs.
RequestRecord decode(Api api, const std::vector<std::string>& chunks) {
  StreamDecoder d(api);
  RequestRecord rec;
  std::int64_t t = 0;
  for (const auto& c : chunks) {
    t += 1000;
    d.feed(c, t, rec);
  }
  d.finish(t, rec);
  return rec;
}

/// What must not depend on how the bytes were split.
auto outcome(const RequestRecord& r) {
  return std::make_tuple(r.error, r.completion_tokens, r.completion_source, r.prompt_tokens, r.token_times.size(),
                         r.chunk_tokens, r.role_only_events, r.events, r.finish_reason);
}

void check_every_split(Api api, const std::string& stream) {
  const auto whole = outcome(decode(api, {stream}));
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    const auto split = outcome(decode(api, {stream.substr(0, i), stream.substr(i)}));
    REQUIRE(split == whole);
  }
  std::vector<std::string> bytes;
  for (const char c : stream) {
    bytes.emplace_back(1, c);
  }
  REQUIRE(outcome(decode(api, bytes)) == whole);
}

std::string sse(const std::vector<std::string>& events, const std::string& sep = "data: ") {
  std::string s;
  for (const auto& e : events) {
    s += sep + e + "\n\n";
  }
  return s;
}

// vLLM chat (bench.md §B.1): role chunk with empty content, content chunks, finish, usage, [DONE].
const std::string k_vllm_chat = sse({
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"KV"},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" caching"},"logprobs":null,"finish_reason":null}]})",
    R"({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" helps."},"logprobs":null,"finish_reason":"length","stop_reason":null}]})",
    R"({"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":14,"total_tokens":19,"completion_tokens":5}})",
    "[DONE]"});

} // namespace

TEST_CASE("a vLLM chat stream gives TTFT from the first content chunk and tokens from usage", "[bench]") {
  const auto r = decode(Api::openai_chat, {k_vllm_chat});
  CHECK(r.ok());
  CHECK(r.role_only_events == 1);
  CHECK(r.token_times.size() == 3);
  CHECK(*r.completion_tokens == 5); // 3 chunks, 5 tokens: a chunk is not a token
  CHECK(r.completion_source == TokenSource::server);
  CHECK(*r.prompt_tokens == 14);
  CHECK(r.prompt_source == TokenSource::server);
  CHECK(r.finish_reason == "length");
  CHECK(r.chunk_tokens.empty()); // per-chunk counts unknown without continuous usage
  check_every_split(Api::openai_chat, k_vllm_chat);
}

TEST_CASE("the role chunk's arrival does not start TTFT", "[bench]") {
  StreamDecoder d(Api::openai_chat);
  RequestRecord r;
  const auto first = k_vllm_chat.find("\n\n") + 2;
  d.feed(k_vllm_chat.substr(0, first), 100, r);
  d.feed(k_vllm_chat.substr(first), 250, r);
  d.finish(250, r);
  CHECK(r.first_event_ns == 100);
  CHECK(r.first_token_ns == 250);
}

TEST_CASE("a completions stream with usage null on every chunk counts text chunks", "[bench]") {
  const auto stream = sse({
      R"({"id":"cmpl-9","object":"text_completion","choices":[{"index":0,"text":" KV","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null})",
      R"({"id":"cmpl-9","object":"text_completion","choices":[{"index":0,"text":" cache","logprobs":null,"finish_reason":"length","stop_reason":null}],"usage":null})",
      R"({"id":"cmpl-9","object":"text_completion","choices":[],"usage":{"prompt_tokens":7,"total_tokens":11,"completion_tokens":4}})",
      "[DONE]"});
  const auto r = decode(Api::openai_completions, {stream});
  CHECK(r.ok());
  CHECK(r.token_times.size() == 2);
  CHECK(*r.completion_tokens == 4);
  CHECK(r.role_only_events == 0);
  check_every_split(Api::openai_completions, stream);
}

TEST_CASE("continuous usage stats give exact tokens per chunk", "[bench]") {
  const auto stream = sse({
      R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":{"prompt_tokens":9,"completion_tokens":0}})",
      R"({"choices":[{"index":0,"delta":{"content":"ab"}}],"usage":{"prompt_tokens":9,"completion_tokens":3}})",
      R"({"choices":[{"index":0,"delta":{"content":""}}],"usage":{"prompt_tokens":9,"completion_tokens":4}})",
      R"({"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":5}})",
      R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":5}})", "[DONE]"});
  const auto r = decode(Api::openai_chat, {stream});
  CHECK(r.ok());
  // The empty-text chunk whose usage grew carried a token (a special token, held-back bytes).
  CHECK(r.chunk_tokens == std::vector<std::uint32_t>{3, 1, 1});
  CHECK(*r.completion_tokens == 5);
  check_every_split(Api::openai_chat, stream);
}

TEST_CASE("reasoning and tool-call deltas count as generated content", "[bench]") {
  const auto stream = sse({
      R"({"choices":[{"index":0,"delta":{"role":"assistant","content":null}}]})",
      R"({"choices":[{"index":0,"delta":{"reasoning_content":"think"}}]})",
      R"({"choices":[{"index":0,"delta":{"reasoning":"more"}}]})",
      R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]})",
      R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"timings":{"predicted_n":3}})"});
  const auto r = decode(Api::openai_chat, {stream});
  CHECK(r.ok()); // no [DONE], but a finish_reason ends the generation
  CHECK(r.role_only_events == 1);
  CHECK(r.token_times.size() == 3);
  CHECK(*r.completion_tokens == 3);
  CHECK(r.completion_source == TokenSource::approx); // no usage: chunk count, flagged
  CHECK(r.finish_reason == "tool_calls");
  check_every_split(Api::openai_chat, stream);
}

TEST_CASE("TGI's OpenAI route, with the role on every chunk, counts every chunk as content", "[bench]") {
  const auto stream = sse({
      R"({"object":"chat.completion.chunk","id":"","choices":[{"index":0,"delta":{"role":"assistant","content":"KV"},"logprobs":null,"finish_reason":null}]})",
      R"({"object":"chat.completion.chunk","id":"","choices":[{"index":0,"delta":{"role":"assistant","content":"!"},"logprobs":null,"finish_reason":"length"}]})",
      R"({"object":"chat.completion.chunk","id":"","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})",
      "[DONE]"}, "data:");
  const auto r = decode(Api::openai_chat, {": ping\n\n" + stream});
  CHECK(r.ok());
  CHECK(r.token_times.size() == 2);
  CHECK(r.role_only_events == 0);
  CHECK(*r.completion_tokens == 2);
}

TEST_CASE("a TGI native stream counts one token per event and ends at generated_text", "[bench]") {
  const auto stream = sse({
      R"({"index":1,"token":{"id":578,"text":" KV","logprob":-0.21,"special":false},"generated_text":null,"details":null})",
      R"({"index":2,"token":{"id":6,"text":" is","logprob":-0.5,"special":false},"generated_text":null,"details":null})",
      R"({"index":3,"token":{"id":2,"text":"","logprob":-0.1,"special":true},"generated_text":" KV is","details":{"finish_reason":"eos_token","generated_tokens":3,"seed":null,"input_length":14}})"},
      "data:");
  const auto r = decode(Api::tgi, {stream});
  CHECK(r.ok());
  CHECK(r.token_times.size() == 3);
  CHECK(r.chunk_tokens == std::vector<std::uint32_t>{1, 1, 1});
  CHECK(*r.completion_tokens == 3);
  CHECK(r.completion_source == TokenSource::server);
  CHECK(*r.prompt_tokens == 14);
  CHECK(r.finish_reason == "eos_token");
  check_every_split(Api::tgi, stream);
}

TEST_CASE("a TGI stream without details counts its token events exactly", "[bench]") {
  const auto stream = sse({
      R"({"index":1,"token":{"id":578,"text":" KV","special":false},"generated_text":null,"details":null})",
      R"({"index":2,"token":{"id":6,"text":" is","special":false},"generated_text":" KV is","details":null})"}, "data:");
  const auto r = decode(Api::tgi, {stream});
  CHECK(r.ok());
  CHECK(*r.completion_tokens == 2);
  CHECK(r.completion_source == TokenSource::stream);
}

TEST_CASE("a JetStream HTTP stream counts token ids, not messages", "[bench]") {
  const std::string stream =
      "{\n  \"streamContent\": {\n    \"samples\": [\n      {\n        \"text\": \" KV\",\n        \"tokenIds\": [\n"
      "          578\n        ]\n      }\n    ]\n  }\n}{\n  \"streamContent\": {\n    \"samples\": [\n      {\n"
      "        \"text\": \"é\",\n        \"tokenIds\": [\n          1,\n          2\n        ]\n      }\n    ]\n  }\n}";
  const auto r = decode(Api::jetstream_http, {stream});
  CHECK(r.ok());
  CHECK(r.token_times.size() == 2);
  CHECK(*r.completion_tokens == 3);
  CHECK(r.completion_source == TokenSource::stream);
  check_every_split(Api::jetstream_http, stream);
}

TEST_CASE("a JetStream stream cut inside an object is truncated", "[bench]") {
  const auto r = decode(Api::jetstream_http, {"{\n  \"streamContent\": {\n    \"samples\": ["});
  CHECK(r.error == ErrorClass::truncated);
}

TEST_CASE("a llama.cpp native stream takes counts from the stop event", "[bench]") {
  const auto stream = sse({
      R"({"content":" KV","tokens":[578],"stop":false,"id_slot":0,"tokens_predicted":1,"tokens_evaluated":12})",
      R"({"content":" cache","tokens":[6,7],"stop":false,"id_slot":0,"tokens_predicted":3,"tokens_evaluated":12})",
      R"({"content":"","tokens":[],"stop":true,"id_slot":0,"stop_type":"limit","tokens_predicted":3,"tokens_evaluated":12,"tokens_cached":15,"truncated":false,"timings":{"prompt_n":12,"predicted_n":3}})"});
  const auto r = decode(Api::llamacpp, {stream});
  CHECK(r.ok());
  CHECK(r.token_times.size() == 2);
  CHECK(r.chunk_tokens == std::vector<std::uint32_t>{1, 2});
  CHECK(*r.completion_tokens == 3);
  CHECK(r.completion_source == TokenSource::server);
  CHECK(*r.prompt_tokens == 12);
  CHECK(r.finish_reason == "limit");
  check_every_split(Api::llamacpp, stream);
}

TEST_CASE("a llama.cpp chat stream with a null-content role chunk and timings decodes", "[bench]") {
  const auto stream = sse({
      R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1,"id":"chatcmpl-x","model":"m","system_fingerprint":"b1","object":"chat.completion.chunk"})",
      R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hi"}}],"object":"chat.completion.chunk"})",
      R"({"choices":[{"finish_reason":"length","index":0,"delta":{}}],"object":"chat.completion.chunk","timings":{"predicted_n":1}})",
      R"({"choices":[],"usage":{"completion_tokens":1,"prompt_tokens":5,"total_tokens":6},"object":"chat.completion.chunk"})",
      "[DONE]"});
  const auto r = decode(Api::openai_chat, {stream});
  CHECK(r.ok());
  CHECK(r.role_only_events == 1);
  CHECK(r.token_times.size() == 1);
  CHECK(*r.completion_tokens == 1);
}

TEST_CASE("an error inside a 200 stream fails the request with its message", "[bench]") {
  const auto stream = sse({R"({"choices":[{"index":0,"delta":{"content":"KV"}}]})",
                           R"({"error":{"message":"Internal server error","type":"InternalServerError","code":500}})",
                           "[DONE]"});
  const auto r = decode(Api::openai_chat, {stream});
  CHECK(r.error == ErrorClass::stream_error);
  CHECK(r.error_message == "error in stream: Internal server error (InternalServerError)");
  check_every_split(Api::openai_chat, stream);

  const auto tgi = decode(Api::tgi, {"data:{\"error\":\"Request failed during generation\",\"error_type\":\"generation\"}\n\n"});
  CHECK(tgi.error == ErrorClass::stream_error);
  CHECK(tgi.error_message == "error in stream: Request failed during generation (generation)");

  const auto old_vllm = decode(Api::openai_completions, {sse({R"({"object":"error","message":"boom","type":"x","code":500})"})});
  CHECK(old_vllm.error == ErrorClass::stream_error);
}

TEST_CASE("finish_reason error fails the request", "[bench]") {
  const auto r = decode(Api::openai_chat, {sse({R"({"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"error"}]})", "[DONE]"})});
  CHECK(r.error == ErrorClass::stream_error);
}

TEST_CASE("a stream that ends before its end marker is truncated", "[bench]") {
  const auto stream = sse({R"({"choices":[{"index":0,"delta":{"content":"KV"},"finish_reason":null}]})"});
  const auto r = decode(Api::openai_chat, {stream});
  CHECK(r.error == ErrorClass::truncated);
  CHECK(r.token_times.size() == 1);
  CHECK(decode(Api::tgi, {sse({R"({"index":1,"token":{"id":1,"text":"a"},"generated_text":null})"})}).error ==
        ErrorClass::truncated);
  CHECK(decode(Api::llamacpp, {sse({R"({"content":"a","stop":false})"})}).error == ErrorClass::truncated);
}

TEST_CASE("an event that is not JSON is malformed", "[bench]") {
  const auto r = decode(Api::openai_chat, {"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {not json\n\ndata: [DONE]\n\n"});
  CHECK(r.error == ErrorClass::malformed);
  CHECK(r.error_message == "event is not valid JSON: {not json");
  CHECK(decode(Api::jetstream_http, {"{\"a\":1} oops"}).error == ErrorClass::malformed);
}

TEST_CASE("an SSE error event read as a JetStream stream is malformed, whole or cut", "[bench]") {
  // A fuzz reproducer (fuzz/fuzz_stream_decoder): whole, the object after "data: " was read
  // as an error in the stream; cut before the brace, the stream was malformed.
  const std::string stream = "event: error\ndata: {\"error\":{\"message\":\"overloaded\",\"code\":503}}\n\n";
  const auto whole = decode(Api::jetstream_http, {stream});
  CHECK(whole.error == ErrorClass::malformed);
  CHECK(whole.error_message == "stream is not a sequence of JSON objects");
  check_every_split(Api::jetstream_http, stream);
}
