// What servers say about the prompt and about failures inside a 200 stream: prompt counts,
// cached prompt tokens, llama.cpp's "truncated", and SSE error events (llama.cpp's `error:`
// lines) — recorded shapes of llama.cpp @c392e50 (examples/server/server.cpp), OpenAI and vLLM.
#include <tpuplan/bench/sse.hpp>
#include <tpuplan/bench/stream_decoder.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace tpuplan::bench;

namespace {

RequestRecord decode(Api api, const std::string& stream) {
  StreamDecoder d(api);
  RequestRecord rec;
  d.feed(stream, 1000, rec);
  d.finish(2000, rec);
  return rec;
}

/// Every split of `stream` in two gives the same error and message.
void check_splits(Api api, const std::string& stream) {
  const RequestRecord whole = decode(api, stream);
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    StreamDecoder d(api);
    RequestRecord rec;
    d.feed(stream.substr(0, i), 1000, rec);
    d.feed(stream.substr(i), 1001, rec);
    d.finish(2000, rec);
    REQUIRE(rec.error == whole.error);
    REQUIRE(rec.error_message == whole.error_message);
    REQUIRE(rec.cached_prompt_tokens == whole.cached_prompt_tokens);
  }
}

// llama.cpp's server_sent_event(sink, "error", …) after a slot refused the prompt, on its
// OpenAI route (then "data: [DONE]") and on its native one (nothing after).
const std::string k_llamacpp_error =
    R"(error: {"code":400,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"invalid_request_error"})"
    "\n\n";

} // namespace

TEST_CASE("an SSE error: line is an event of its own, marked as an error", "[bench]") {
  SseParser p;
  p.feed("data: {\"a\":1}\n\nerror: {\"message\":\"m\"}\n\nevent: error\ndata: {\"b\":2}\n\ndata: x\n\n");
  std::string_view data;
  REQUIRE(p.next(data));
  CHECK(data == "{\"a\":1}");
  CHECK_FALSE(p.last_is_error());
  REQUIRE(p.next(data));
  CHECK(data == "{\"message\":\"m\"}");
  CHECK(p.last_is_error());
  REQUIRE(p.next(data));
  CHECK(data == "{\"b\":2}");
  CHECK(p.last_is_error());
  REQUIRE(p.next(data));
  CHECK(data == "x");
  CHECK_FALSE(p.last_is_error());
}

TEST_CASE("llama.cpp's error line inside a 200 chat stream fails the request with the server's message", "[bench]") {
  const std::string stream = k_llamacpp_error + "data: [DONE]\n\n";
  const auto r = decode(Api::openai_chat, stream);
  CHECK(r.error == ErrorClass::stream_error);
  CHECK(r.error_message == "error in stream: the request exceeds the available context size. try increasing the "
                           "context size or enable context shift (invalid_request_error)");
  check_splits(Api::openai_chat, stream);
}

TEST_CASE("llama.cpp's error line on the native route is a stream error, not a truncated stream", "[bench]") {
  const auto r = decode(Api::llamacpp, k_llamacpp_error);
  CHECK(r.error == ErrorClass::stream_error);
  CHECK(r.error_message.find("exceeds the available context size") != std::string::npos);
  check_splits(Api::llamacpp, k_llamacpp_error);
}

TEST_CASE("an error event whose data is not JSON keeps the text", "[bench]") {
  const auto r = decode(Api::openai_chat, "event: error\ndata: upstream went away\n\n");
  CHECK(r.error == ErrorClass::stream_error);
  CHECK(r.error_message == "error in stream: upstream went away");
}

TEST_CASE("llama.cpp's native stop event says when the prompt was cut and how much came from the cache", "[bench]") {
  const std::string stream =
      "data: {\"content\":\" a\",\"tokens\":[1],\"stop\":false}\n\n"
      "data: {\"content\":\"\",\"tokens\":[],\"stop\":true,\"stop_type\":\"limit\",\"tokens_predicted\":1,"
      "\"tokens_evaluated\":540,\"truncated\":true,\"tokens_cached\":541,"
      "\"timings\":{\"prompt_n\":500,\"prompt_ms\":20.5,\"predicted_n\":1}}\n\n";
  const auto r = decode(Api::llamacpp, stream);
  REQUIRE(r.ok());
  CHECK(*r.prompt_tokens == 540);
  CHECK(r.prompt_source == TokenSource::server);
  CHECK(r.prompt_truncated);
  CHECK(*r.cached_prompt_tokens == 40); // 540 in the prompt, 500 processed
  check_splits(Api::llamacpp, stream);
}

TEST_CASE("newer llama.cpp's timings.cache_n is taken as it is", "[bench]") {
  const auto r = decode(Api::llamacpp, "data: {\"content\":\"a\",\"stop\":true,\"tokens_predicted\":1,\"tokens_evaluated\":30,"
                                       "\"timings\":{\"cache_n\":24,\"prompt_n\":6}}\n\n");
  CHECK(*r.cached_prompt_tokens == 24);
  CHECK_FALSE(r.prompt_truncated);
}

TEST_CASE("OpenAI usage gives cached prompt tokens — llama.cpp's chat route gives them through its timings", "[bench]") {
  const auto openai = decode(Api::openai_chat,
                             "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}\n\n"
                             "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":1,"
                             "\"prompt_tokens_details\":{\"cached_tokens\":1024}}}\n\ndata: [DONE]\n\n");
  REQUIRE(openai.ok());
  CHECK(*openai.prompt_tokens == 1200);
  CHECK(*openai.cached_prompt_tokens == 1024);

  // llama.cpp @c392e50: the last chunk carries usage and timings together.
  const auto llama = decode(Api::openai_chat,
                            "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
                            "data: {\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"delta\":{}}],\"usage\":"
                            "{\"completion_tokens\":1,\"prompt_tokens\":1713,\"total_tokens\":1714},\"timings\":"
                            "{\"prompt_n\":4,\"prompt_ms\":14.4,\"predicted_n\":1}}\n\ndata: [DONE]\n\n");
  REQUIRE(llama.ok());
  CHECK(*llama.prompt_tokens == 1713);
  CHECK(*llama.cached_prompt_tokens == 1709); // the issue's second identical run: 4 of 1713 processed

  const auto none = decode(Api::openai_chat,
                           "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}\n\n"
                           "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n");
  CHECK_FALSE(none.cached_prompt_tokens);
}

TEST_CASE("TGI details give the server's prompt and output counts", "[bench]") {
  const auto r = decode(Api::tgi, "data:{\"index\":1,\"token\":{\"id\":5,\"text\":\"a\",\"special\":false},\"generated_text\":\"a\","
                                  "\"details\":{\"finish_reason\":\"length\",\"generated_tokens\":1,\"input_length\":77}}\n\n");
  REQUIRE(r.ok());
  CHECK(*r.prompt_tokens == 77);
  CHECK(r.prompt_source == TokenSource::server);
  CHECK(*r.completion_tokens == 1);
}

TEST_CASE("generated text is kept only when asked (multi-turn conversations send it back)", "[bench]") {
  const std::string stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"}}]}\n\n"
                             "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},\"finish_reason\":\"length\"}]}\n\n"
                             "data: [DONE]\n\n";
  CHECK(decode(Api::openai_chat, stream).output_text.empty());
  StreamDecoder d(Api::openai_chat);
  d.capture_output(true);
  RequestRecord rec;
  d.feed(stream, 1, rec);
  d.finish(2, rec);
  CHECK(rec.output_text == "Hello there");
  d.reset(Api::openai_chat); // a reused decoder forgets the request's wish
  RequestRecord again;
  d.feed(stream, 1, again);
  d.finish(2, again);
  CHECK(again.output_text.empty());
}
