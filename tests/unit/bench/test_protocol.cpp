// Request bodies per API and the error bodies of the servers bench meets.
#include <tpuplan/bench/protocol.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace tpuplan::bench;
using nlohmann::json;

namespace {

Prompt text_prompt(std::string text) {
  Prompt p;
  p.text = std::move(text);
  return p;
}

} // namespace

TEST_CASE("OpenAI chat bodies stream with usage and ignore_eos only when asked", "[bench]") {
  GenerationOptions g;
  g.model = "m";
  g.max_tokens = 64;
  auto j = json::parse(request_body(Api::openai_chat, text_prompt("hi"), g));
  CHECK(j["model"] == "m");
  CHECK(j["messages"] == json::array({{{"role", "user"}, {"content", "hi"}}}));
  CHECK(j["max_tokens"] == 64);
  CHECK(j["stream"] == true);
  CHECK(j["stream_options"]["include_usage"] == true);
  CHECK(j["ignore_eos"] == true);
  g.ignore_eos = false;
  j = json::parse(request_body(Api::openai_chat, text_prompt("hi"), g));
  CHECK_FALSE(j.contains("ignore_eos"));
}

TEST_CASE("a dataset's chat messages and per-prompt output length go into the body", "[bench]") {
  Prompt p = text_prompt("a\nb");
  p.messages = json::array({{{"role", "system"}, {"content", "a"}}, {{"role", "user"}, {"content", "b"}}});
  p.output_tokens = 7;
  GenerationOptions g;
  g.model = "m";
  const auto chat = json::parse(request_body(Api::openai_chat, p, g));
  CHECK(chat["messages"].size() == 2);
  CHECK(chat["max_tokens"] == 7);
  const auto completion = json::parse(request_body(Api::openai_completions, p, g));
  CHECK(completion["prompt"] == "a\nb");
}

TEST_CASE("TGI, JetStream and llama.cpp bodies use each server's own fields", "[bench]") {
  GenerationOptions g;
  g.max_tokens = 32;
  const auto tgi = json::parse(request_body(Api::tgi, text_prompt("x"), g));
  CHECK(tgi == json::parse(R"({"inputs":"x","parameters":{"max_new_tokens":32,"details":true,"do_sample":false}})"));
  const auto js = json::parse(request_body(Api::jetstream_http, text_prompt("x"), g));
  CHECK(js == json::parse(R"({"max_tokens":32,"text_content":{"text":"x"}})")); // extra fields are forbidden there
  const auto llama = json::parse(request_body(Api::llamacpp, text_prompt("x"), g));
  CHECK(llama["n_predict"] == 32);
  CHECK(llama["cache_prompt"] == false);
  CHECK(llama["stream"] == true);
}

TEST_CASE("API names round-trip and map to their request paths", "[bench]") {
  for (const auto& name : api_names()) {
    CHECK(to_string(*parse_api(name)) == name);
  }
  CHECK_FALSE(parse_api("auto"));
  CHECK(request_path(Api::tgi) == "/generate_stream");
  CHECK(request_path(Api::jetstream_http) == "/v1/generate");
  CHECK(api_needs_model(Api::openai_completions));
  CHECK_FALSE(api_needs_model(Api::llamacpp));
}

TEST_CASE("error bodies of every known shape are parsed", "[bench]") {
  // OpenAI: string code.
  auto e = parse_error_body(R"({"error":{"message":"too long","type":"invalid_request_error","param":null,"code":"context_length_exceeded"}})");
  REQUIRE(e);
  CHECK(e->message == "too long");
  CHECK(e->code == "context_length_exceeded");
  // vLLM 2025+: numeric code.
  e = parse_error_body(R"({"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":"model","code":404}})");
  CHECK(e->type == "NotFoundError");
  CHECK(e->code == "404");
  // Older vLLM / FastChat: top level.
  e = parse_error_body(R"({"object":"error","message":"bad","type":"BadRequestError","param":null,"code":400})");
  CHECK(e->message == "bad");
  // TGI native.
  e = parse_error_body(R"({"error":"Model is overloaded","error_type":"overloaded"})");
  CHECK(e->message == "Model is overloaded");
  CHECK(e->type == "overloaded");
  // TGI's OpenAI route.
  e = parse_error_body(R"({"error":{"message":"Input validation error","http_status_code":422}})");
  CHECK(e->code == "422");
  // llama.cpp.
  e = parse_error_body(R"({"error":{"code":400,"message":"request (9000 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":9000,"n_ctx":4096}})");
  CHECK(e->type == "exceed_context_size_error");
  // FastAPI.
  e = parse_error_body(R"({"detail":"Not Found"})");
  CHECK(e->message == "Not Found");
  CHECK_FALSE(parse_error_body("<html>bad gateway</html>"));
  CHECK_FALSE(parse_error_body(R"({"ok":true})"));
}

TEST_CASE("an HTTP error is described on one line, whatever the body", "[bench]") {
  CHECK(describe_http_error(400, R"({"error":{"message":"max_tokens is too large","type":"BadRequestError","code":400}})") ==
        "HTTP 400: max_tokens is too large (BadRequestError)");
  CHECK(describe_http_error(502, "<html>\n<body>Bad Gateway</body>\n</html>") ==
        "HTTP 502: <html> <body>Bad Gateway</body> </html>");
  CHECK(describe_http_error(503, "") == "HTTP 503");
  CHECK(describe_http_error(500, std::string(500, 'x')).size() < 220);
}
