// Hugging Face config.json import: real published configs in tests/data/hf/, key-spelling
// variants inline, and the errors for broken or unsupported files.
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/model/model.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

using namespace tpuplan;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const std::string k_hf_dir = std::string(TPUPLAN_TEST_DATA_DIR) + "/hf/";

ModelSpec fixture(const std::string& name) { return import_hf_config(k_hf_dir + name); }

/// The error message of import_hf_config for a fixture; fails the test when none is thrown.
std::string import_error(const std::string& name) {
  try {
    (void)fixture(name);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return e.what();
  }
  FAIL("no error for " << name);
  return {};
}

/// Relative difference |a − b| / b.
double rel(double a, double b) { return std::abs(a - b) / b; }

} // namespace

TEST_CASE("Llama-3.1-8B config.json gives the published architecture and 128 KiB of bf16 KV per token", "[hf_config]") {
  const auto m = fixture("llama-3.1-8b.json");
  CHECK(m.id == "llama-3.1-8b");
  CHECK(m.family == "llama");
  CHECK(m.layers == 32);
  CHECK(m.hidden == 4096);
  CHECK(m.heads == 32);
  CHECK(m.kv_heads == 8);
  CHECK(m.head_dim == 128);
  CHECK(m.intermediate == 14336);
  CHECK(m.vocab == 128256);
  CHECK(m.max_context == 131072); // already the rope-scaled window; never multiplied
  CHECK_FALSE(m.tied_embeddings);
  CHECK(m.gated_mlp);
  CHECK_FALSE(m.qkv_bias);
  CHECK_FALSE(m.is_moe());
  CHECK(m.sliding_window == 0);
  CHECK(m.source == k_hf_dir + "llama-3.1-8b.json");
  CHECK(rel(total_params(m), 8.03e9) < 0.01);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 128.0 * 1024.0);
}

TEST_CASE("Gemma-2-27B uses its explicit head_dim, ties embeddings by default and windows every other layer",
          "[hf_config]") {
  const auto m = fixture("gemma-2-27b.json");
  CHECK(m.family == "gemma2");
  CHECK(m.head_dim == 128); // 4608 / 32 would be 144
  CHECK(m.kv_heads == 16);
  CHECK(m.tied_embeddings); // Gemma2Config's default: the key is absent
  CHECK(m.gated_mlp);       // GeGLU, although hidden_act is a GELU
  CHECK(m.sliding_window == 4096);
  CHECK(m.sliding_window_layers == 23);
  CHECK(rel(total_params(m), 27.23e9) < 0.01);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 368.0 * 1024.0);
  // At 8192 tokens the 23 local layers hold 4096 tokens: 3/4 of the uncapped cache.
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 8192) == Approx(0.75 * 8192 * 368.0 * 1024.0));
}

TEST_CASE("Mixtral-8x7B reads num_local_experts and top-2 routing: 46.7B total, 12.9B active", "[hf_config]") {
  const auto m = fixture("mixtral-8x7b.json");
  CHECK(m.experts == 8);
  CHECK(m.experts_per_token == 2);
  CHECK(m.shared_experts == 0);
  CHECK(m.dense_layers == 0);
  CHECK(m.moe_intermediate == 0); // experts use intermediate_size
  CHECK(m.sliding_window == 0);   // "sliding_window": null
  CHECK(rel(total_params(m), 46.7e9) < 0.01);
  CHECK(rel(active_params(m), 12.9e9) < 0.01);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 128.0 * 1024.0);
}

TEST_CASE("DeepSeek-V3 reads MLA and fine-grained MoE keys: 671B total, 37B active, 70,272 B of KV per token",
          "[hf_config]") {
  const auto m = fixture("deepseek-v3.json");
  CHECK(m.family == "deepseek_v3");
  CHECK(m.is_mla());
  CHECK(m.kv_lora_rank == 512);
  CHECK(m.q_lora_rank == 1536);
  CHECK(m.qk_nope_head_dim == 128);
  CHECK(m.qk_rope_head_dim == 64);
  CHECK(m.v_head_dim == 128);
  CHECK(m.head_dim == 192);
  CHECK(m.experts == 256);
  CHECK(m.experts_per_token == 8);
  CHECK(m.shared_experts == 1);
  CHECK(m.moe_intermediate == 2048);
  CHECK(m.dense_layers == 3);
  CHECK(m.intermediate == 18432);
  CHECK(m.max_context == 163840);
  CHECK(rel(total_params(m), 671e9) < 0.01);
  CHECK(rel(active_params(m), 37e9) < 0.02); // the paper rounds 37.6B down to "37B"
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 70272.0);
}

TEST_CASE("Qwen2.5-72B has q/k/v biases and a sliding window that use_sliding_window turns off", "[hf_config]") {
  const auto m = fixture("qwen2.5-72b-instruct.json");
  CHECK(m.family == "qwen2");
  CHECK(m.qkv_bias);
  CHECK(m.sliding_window == 0);
  CHECK(m.max_context == 32768);
  CHECK(rel(total_params(m), 72.7e9) < 0.01);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 320.0 * 1024.0);
}

TEST_CASE("Mistral-7B v0.1 windows every layer at 4096 tokens", "[hf_config]") {
  const auto m = fixture("mistral-7b-v0.1.json");
  CHECK(m.sliding_window == 4096);
  CHECK(m.sliding_window_layers == 32);
  CHECK(rel(total_params(m), 7.3e9) < 0.01); // Mistral AI: "a 7.3 billion parameter model"
  CHECK(kv_bytes_per_sequence(m, Precision::bf16, 32768) == kv_bytes_per_sequence(m, Precision::bf16, 4096));
}

TEST_CASE("a multimodal checkpoint is read from its text_config", "[hf_config]") {
  const auto m = fixture("mistral-small-3.1-24b-instruct.json");
  CHECK(m.family == "mistral"); // text_config's model_type, not "mistral3"
  CHECK(m.layers == 40);
  CHECK(m.hidden == 5120);
  CHECK(m.head_dim == 128);
  CHECK(m.kv_heads == 8);
  CHECK(m.intermediate == 32768);
  CHECK(m.vocab == 131072);
  CHECK(m.max_context == 131072);
  CHECK_FALSE(m.tied_embeddings);
  // Text tower only: 23.57B of the published 24B (the Pixtral vision encoder is the rest).
  CHECK(total_params(m) == Approx(23572403200.0));
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 160.0 * 1024.0);
}

TEST_CASE("the old Falcon spellings n_layer, n_head and multi_query give one KV head", "[hf_config]") {
  const auto m = fixture("falcon-7b-refinedweb.json");
  CHECK(m.family == "refinedwebmodel");
  CHECK(m.layers == 32);
  CHECK(m.heads == 71);
  CHECK(m.kv_heads == 1);
  CHECK(m.head_dim == 64);
  CHECK_FALSE(m.gated_mlp);
  CHECK(m.intermediate == 4 * 4544); // no FFN key: GPT-style 4·d
  CHECK(m.tied_embeddings);
  CHECK(m.max_context == 0); // unknown, not invented
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 2.0 * 32 * 1 * 64 * 2);
}

TEST_CASE("missing num_key_value_heads means multi-head attention", "[hf_config]") {
  const auto m = parse_hf_config(R"({"model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
    "num_attention_heads": 32, "intermediate_size": 11008, "vocab_size": 32000})",
                                 "llama-2-7b.json");
  CHECK(m.kv_heads == 32);
  CHECK(kv_bytes_per_token(m, Precision::bf16) == 512.0 * 1024.0);
}

TEST_CASE("GQA and MQA spellings of other families are read", "[hf_config]") {
  const std::string base = R"("num_layers": 28, "hidden_size": 4096, "num_attention_heads": 32,
    "ffn_hidden_size": 13696, "padded_vocab_size": 65024, "kv_channels": 128, "seq_length": 32768)";
  SECTION("ChatGLM multi_query_group_num") {
    const auto m = parse_hf_config(R"({"model_type": "chatglm", "multi_query_attention": true,
      "multi_query_group_num": 2, )" + base + "}",
                                   "chatglm.json");
    CHECK(m.kv_heads == 2);
    CHECK(m.head_dim == 128);
    CHECK(m.intermediate == 13696);
    CHECK(m.vocab == 65024);
    CHECK(m.max_context == 32768);
  }
  SECTION("Falcon-40B n_head_kv") {
    const auto m = parse_hf_config(R"({"model_type": "RefinedWeb", "n_head_kv": 8, )" + base + "}", "rw.json");
    CHECK(m.kv_heads == 8);
  }
  SECTION("num_kv_heads") {
    const auto m = parse_hf_config(R"({"model_type": "falcon", "new_decoder_architecture": true,
      "num_kv_heads": 8, )" + base + "}",
                                   "falcon.json");
    CHECK(m.kv_heads == 8);
  }
}

TEST_CASE("GPT-2 style keys and a non-gated activation are read", "[hf_config]") {
  const auto m = parse_hf_config(R"({"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12,
    "n_inner": null, "n_positions": 1024, "vocab_size": 50257, "activation_function": "gelu_new"})",
                                 "gpt2.json");
  CHECK(m.layers == 12);
  CHECK(m.hidden == 768);
  CHECK(m.intermediate == 3072);
  CHECK_FALSE(m.gated_mlp);
  CHECK(m.tied_embeddings);
  CHECK(m.max_context == 1024);
  // 124M is GPT-2 small's published size; the formula leaves out learned position
  // embeddings (0.8M) and biases, so it lands within 1.5%.
  CHECK(rel(total_params(m), 124.4e6) < 0.015);
}

TEST_CASE("Qwen-MoE shared expert width becomes an equivalent count of routed experts", "[hf_config]") {
  // Qwen1.5-MoE-A2.7B's config.json values.
  const auto m = parse_hf_config(R"({"model_type": "qwen2_moe", "num_hidden_layers": 24, "hidden_size": 2048,
    "num_attention_heads": 16, "num_key_value_heads": 16, "intermediate_size": 5632, "vocab_size": 151936,
    "num_experts": 60, "num_experts_per_tok": 4, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "decoder_sparse_step": 1, "mlp_only_layers": [],
    "tie_word_embeddings": false, "max_position_embeddings": 8192})",
                                 "qwen1.5-moe.json");
  CHECK(m.experts == 60);
  CHECK(m.shared_experts == 4);
  CHECK(m.dense_layers == 0);
  CHECK(rel(total_params(m), 14.3e9) < 0.01);  // published: 14.3B total
  CHECK(rel(active_params(m), 2.7e9) < 0.03);  // published: "A2.7B" (2.7B activated)
}

TEST_CASE("dense-layer placement keys set the number of dense layers", "[hf_config]") {
  const std::string base = R"("num_hidden_layers": 8, "hidden_size": 64, "num_attention_heads": 4,
    "intermediate_size": 256, "vocab_size": 100, "num_experts": 4, "num_experts_per_tok": 2)";
  CHECK(parse_hf_config("{" + base + R"(, "mlp_only_layers": [0, 5]})", "a.json").dense_layers == 2);
  CHECK(parse_hf_config("{" + base + R"(, "decoder_sparse_step": 2})", "b.json").dense_layers == 4);
  CHECK(parse_hf_config("{" + base + R"(, "first_k_dense_replace": 1, "moe_layer_freq": 2})", "c.json")
            .dense_layers == 5); // MoE at layers 2, 4, 6
}

TEST_CASE("layer_types and Qwen2's max_window_layers choose the windowed layers", "[hf_config]") {
  const std::string base = R"("model_type": "qwen2", "num_hidden_layers": 4, "hidden_size": 64,
    "num_attention_heads": 4, "intermediate_size": 256, "vocab_size": 100, "sliding_window": 16)";
  CHECK(parse_hf_config("{" + base + R"(, "layer_types": ["sliding_attention", "full_attention",
    "sliding_attention", "sliding_attention"]})",
                        "a.json")
            .sliding_window_layers == 3);
  CHECK(parse_hf_config("{" + base + R"(, "use_sliding_window": true, "max_window_layers": 1})", "b.json")
            .sliding_window_layers == 3);
  CHECK(parse_hf_config("{" + base + R"(, "sliding_window_pattern": 2})", "c.json").sliding_window_layers == 2);
}

TEST_CASE("malformed JSON names the file, line and column", "[hf_config]") {
  const auto msg = import_error("broken-syntax.json");
  CHECK_THAT(msg, StartsWith(k_hf_dir + "broken-syntax.json:4:3: malformed JSON: "));
}

TEST_CASE("a missing layer count names the file and every key looked for", "[hf_config]") {
  CHECK(import_error("broken-no-layers.json") ==
        k_hf_dir + "broken-no-layers.json: no layer count (looked for num_hidden_layers, n_layer, n_layers, num_layers)");
}

TEST_CASE("every problem of a file is collected with its line, column and key", "[hf_config]") {
  const auto check = check_hf_config(R"({
  "model_type": "llama",
  "hidden_size": 4096,
  "intermediate_size": 14336,
  "num_hidden_layers": "32",
  "num_attention_heads": 32,
  "num_key_value_heads": 5,
  "tie_word_embeddings": "no",
  "sliding_window": 4096,
  "layer_types": ["full_attention", "linear_attention"]
})",
                                     "c.json");
  std::vector<std::string> lines;
  for (const auto& p : check.problems) {
    lines.push_back(p.to_string());
  }
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == R"(c.json:5:24: num_hidden_layers: expected an integer (layer count), got "32")");
  CHECK(lines[1] == "c.json: no vocabulary size (looked for vocab_size, padded_vocab_size)");
  CHECK(lines[2] == "c.json:7:26: num_key_value_heads: attention head count 32 is not a multiple of the KV head count 5");
  CHECK(lines[3] == R"(c.json:8:26: tie_word_embeddings: expected true or false, got "no")");
  CHECK_THAT(lines[4], StartsWith(R"(c.json:10:37: layer_types[1]: layer type "linear_attention" is not supported)"));
  CHECK(check.problems[4].key == "layer_types[1]");
  CHECK(check.problems[0].key == "num_hidden_layers");
  CHECK(check.problems[0].message == R"(expected an integer (layer count), got "32")");
}

TEST_CASE("an error for a file with several problems says how many more there are", "[hf_config]") {
  try {
    (void)fixture("broken-many.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.hint() == "4 more problems in this file");
  }
}

TEST_CASE("a text_config that leaves out defaults is reported at text_config", "[hf_config]") {
  const auto msg = import_error("broken-text-config.json");
  CHECK_THAT(msg, StartsWith(k_hf_dir + "broken-text-config.json:4:18: text_config: no layer count"));
  CHECK_THAT(msg, Contains("transformers defaults"));
}

TEST_CASE("encoder-decoder models are rejected as unsupported", "[hf_config]") {
  CHECK_THAT(import_error("unsupported-encoder-decoder.json"), Contains("encoder-decoder models"));
}

TEST_CASE("a missing config file is an input error naming the path", "[hf_config]") {
  CHECK_THAT(import_error("does-not-exist.json"), Contains("does-not-exist.json"));
}

TEST_CASE("a JSON value that is not an object is rejected", "[hf_config]") {
  const auto check = check_hf_config("[1, 2]", "x.json");
  REQUIRE(check.problems.size() == 1);
  CHECK(check.problems[0].to_string() == "x.json:1:1: expected a JSON object (a Hugging Face config.json), got array");
}

TEST_CASE("the model id comes from _name_or_path, else the file or its directory", "[hf_config]") {
  const std::string body = R"("num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
    "intermediate_size": 256, "vocab_size": 100)";
  const auto named = parse_hf_config(R"({"_name_or_path": "Qwen/Qwen2.5-72B-Instruct", )" + body + "}", "x.json");
  CHECK(named.name == "Qwen/Qwen2.5-72B-Instruct");
  CHECK(named.id == "qwen2.5-72b-instruct");
  CHECK(parse_hf_config("{" + body + "}", "/models/Meta-Llama-3.1-8B/config.json").id == "meta-llama-3.1-8b");
}

TEST_CASE("an imported config.json gives the same architecture as its preset", "[hf_config]") {
  // The fixture catalog copies the presets of data/models.yaml; both paths must agree.
  const DataSet data = load_dataset_dir(std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog");
  for (const auto& [file, id] : {std::pair{"llama-3.1-8b.json", "llama-3.1-8b"}, std::pair{"mixtral-8x7b.json", "mixtral-8x7b"},
                                 std::pair{"mistral-7b-v0.1.json", "mistral-7b"}}) {
    INFO(file);
    const auto imported = fixture(file);
    const auto it = std::find_if(data.models.presets.begin(), data.models.presets.end(),
                                 [&](const ModelSpec& p) { return p.id == id; });
    REQUIRE(it != data.models.presets.end());
    CHECK(total_params(imported) == total_params(*it));
    CHECK(active_params(imported) == active_params(*it));
    CHECK(kv_bytes_per_token(imported, Precision::bf16) == kv_bytes_per_token(*it, Precision::bf16));
    CHECK(kv_bytes_per_sequence(imported, Precision::bf16, 32768) == kv_bytes_per_sequence(*it, Precision::bf16, 32768));
    CHECK(imported.max_context == it->max_context);
  }
}
