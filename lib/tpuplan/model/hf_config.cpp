// Hugging Face config.json → ModelSpec. Accepts every key spelling listed in perfmodel §4
// ("Keys a parser must accept"): Llama/Mistral/Qwen/Gemma names, GPT-2/Falcon/ChatGLM
// spellings, MoE (Mixtral, DeepSeek, Qwen-MoE), MLA (DeepSeek-V2/V3), sliding windows
// (Mistral, Gemma-2/3, Qwen2) and the nested `text_config` of multimodal checkpoints.
// Rules that depend on the model family cite the transformers modeling code they follow.
#include <tpuplan/detail/files.hpp>
#include <tpuplan/model/model.hpp>

#include <tpuplan/detail/json_position.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tpuplan {

namespace {

using json = nlohmann::json;
using Keys = std::initializer_list<std::string_view>;

// The largest value read for each kind of quantity (the biggest published models: 126 layers,
// hidden 18,432, 256 experts, vocabularies of 256 k, 10 M-token windows).
constexpr long long k_max_layers = 10'000;      // layer counts, indices and strides
constexpr long long k_max_count = 65'536;       // heads, KV heads, experts
constexpr long long k_max_width = 1LL << 24;    // widths: hidden, FFN, vocabulary, head dims, ranks
constexpr long long k_max_tokens = 1LL << 30;   // context length, sliding window

template <typename Set> bool one_of(std::string_view value, const Set& set) {
  return std::find(std::begin(set), std::end(set), value) != std::end(set);
}

std::string join(Keys keys) {
  std::string out;
  for (auto k : keys) {
    out += (out.empty() ? "" : ", ") + std::string(k);
  }
  return out;
}

// Families whose transformers modeling code has a gated MLP (gate_proj, up_proj, down_proj:
// 3·d·I weights per layer). Other families are gated when their activation is SiLU/SwiGLU.
constexpr std::string_view k_gated_families[] = {"llama",   "mistral",     "mixtral",     "qwen2",       "qwen2_moe", "qwen3",
                                   "qwen3_moe", "gemma",     "gemma2",      "gemma3",      "gemma3_text",
                                   "deepseek_v2", "deepseek_v3", "phi3",    "olmo",        "olmo2",
                                   "granite", "cohere",      "internlm2",   "chatglm",     "qwen2_vl",
                                   "qwen2_5_vl"};
// Families whose config class defaults tie_word_embeddings to false; every other class
// inherits PretrainedConfig's default of true (Gemma, GPT-2, Falcon tie their head).
constexpr std::string_view k_untied_families[] = {"llama", "mistral",     "mixtral",     "qwen2", "qwen2_moe", "qwen3",
                                    "qwen3_moe", "deepseek_v2", "deepseek_v3", "phi3",  "olmo",      "olmo2"};
// Qwen2's attention has q/k/v biases hard-wired (modeling_qwen2.py: bias=True).
constexpr std::string_view k_qkv_bias_families[] = {"qwen2", "qwen2_moe", "qwen2_vl", "qwen2_5_vl"};

/// Reads one parsed config.json, collecting every problem instead of stopping at the first.
class Reader {
public:
  Reader(std::string_view text, std::string origin, const json& root)
      : m_text(text), m_origin(std::move(origin)), m_root(root), m_cfg(&root) {}

  HfConfigCheck run() {
    read_all();
    return {std::move(m_spec), std::move(m_problems)};
  }

private:
  /// A key found in the config, with its path from the root.
  struct Found {
    const json* value = nullptr;
    std::vector<std::string> path;
  };

  void read_all();
  void read_attention();
  void read_mlp();
  void read_moe();
  void read_window();
  void read_identity();

  /// The first of `keys` present and not null: in text_config first, then at the top level
  /// (composite configs keep a few shared keys, e.g. tie_word_embeddings, at the top).
  Found find(Keys keys) const {
    for (const json* scope : {m_cfg, &m_root}) {
      for (auto key : keys) {
        const std::string k(key);
        if (auto it = scope->find(k); it != scope->end() && !it->is_null()) {
          if (scope == m_cfg && m_nested) {
            return {&*it, {"text_config", k}};
          }
          return {&*it, {k}};
        }
      }
      if (!m_nested) {
        break;
      }
    }
    return {};
  }

  /// "text_config.num_hidden_layers", "layer_types[3]" (the notation of yaml::Problem).
  static std::string dotted(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) {
      const bool index = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
      out += index ? "[" + p + "]" : (out.empty() ? "" : ".") + p;
    }
    return out;
  }

  void problem(const std::vector<std::string>& path, std::string message) {
    const auto p = detail::locate_json_value(m_text, path);
    m_problems.push_back({m_origin, p ? p->line : 0, p ? p->column : 0, dotted(path), std::move(message)});
  }

  /// A required key is absent: name what was looked for. Nested text configs omit keys
  /// whose value equals the transformers default, which is the usual cause.
  void missing(std::string_view what, Keys keys) {
    if (!m_nested) {
      // The whole file is the place: the key is nowhere in it.
      m_problems.push_back({m_origin, 0, 0, {}, fmt::format("no {} (looked for {})", what, join(keys))});
      return;
    }
    problem({"text_config"},
            fmt::format("no {} (looked for {}); text_config leaves out keys equal to the "
                        "transformers defaults of its model_type, so write the value in",
                        what, join(keys)));
  }

  /// An integer from `min` to `max`; absent ⇒ nullopt (a problem when `required`). The
  /// bounds (docs/cli.md, `tpuplan models`) are far above any published model and
  /// keep every sum and loop over them small: an int never overflows, no loop runs long.
  std::optional<int> integer(Keys keys, std::string_view what, bool required, long long min = 1,
                             long long max = k_max_width) {
    const Found f = find(keys);
    if (f.value == nullptr) {
      if (required) {
        missing(what, keys);
      }
      return std::nullopt;
    }
    const json& v = *f.value;
    long long n = 0;
    if (v.is_number_integer()) {
      n = v.get<long long>();
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>() &&
               std::fabs(v.get<double>()) < 1e15) {
      n = static_cast<long long>(v.get<double>());
    } else {
      problem(f.path, fmt::format("expected an integer ({}), got {}", what, v.dump()));
      return std::nullopt;
    }
    if (n < min || n > max) {
      problem(f.path, fmt::format("{} is out of range for the {} (accepted: {} to {})", n, what,
                                  min, max));
      return std::nullopt;
    }
    return static_cast<int>(n);
  }

  std::optional<bool> boolean(Keys keys) {
    const Found f = find(keys);
    if (f.value == nullptr) {
      return std::nullopt;
    }
    if (!f.value->is_boolean()) {
      problem(f.path, fmt::format("expected true or false, got {}", f.value->dump()));
      return std::nullopt;
    }
    return f.value->get<bool>();
  }

  std::optional<std::string> string(Keys keys) {
    const Found f = find(keys);
    if (f.value == nullptr) {
      return std::nullopt;
    }
    if (!f.value->is_string()) {
      problem(f.path, fmt::format("expected a string, got {}", f.value->dump()));
      return std::nullopt;
    }
    return f.value->get<std::string>();
  }

  std::string_view m_text;
  std::string m_origin;
  const json& m_root;
  const json* m_cfg;
  bool m_nested = false;
  ModelSpec m_spec;
  std::vector<HfProblem> m_problems;
};

void Reader::read_all() {
  if (auto it = m_root.find("text_config"); it != m_root.end() && !it->is_null()) {
    if (it->is_object()) {
      m_cfg = &*it;
      m_nested = true;
    } else {
      problem({"text_config"}, fmt::format("expected an object, got {}", it->dump()));
    }
  }
  if (boolean({"is_encoder_decoder"}).value_or(false)) {
    problem({"is_encoder_decoder"}, "encoder-decoder models (T5, BART, Whisper) are not "
                                    "supported; tpuplan models decoder-only transformers");
    return;
  }
  read_identity();
  m_spec.layers = integer({"num_hidden_layers", "n_layer", "n_layers", "num_layers"}, "layer count", true, 1, k_max_layers).value_or(0);
  m_spec.hidden = integer({"hidden_size", "d_model", "n_embd", "dim"}, "hidden size", true).value_or(0);
  m_spec.heads = integer({"num_attention_heads", "n_head", "n_heads"}, "attention head count", true, 1, k_max_count).value_or(0);
  m_spec.vocab = integer({"vocab_size", "padded_vocab_size"}, "vocabulary size", true).value_or(0);
  // The window a checkpoint was configured for; Llama-3.1's 131072 already includes its
  // rope_scaling extension (perfmodel §4 note 1), so it is never multiplied.
  m_spec.max_context =
      integer({"max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx"},
              "context length", false, 1, k_max_tokens)
          .value_or(0);
  read_attention();
  read_mlp();
  read_moe();
  read_window();
}

void Reader::read_identity() {
  m_spec.family = detail::ascii_lower(string({"model_type"}).value_or(""));
  m_spec.source = m_origin;
  // The hub id when the file records it, else the file or directory name.
  std::string name;
  if (auto it = m_root.find("_name_or_path"); it != m_root.end() && it->is_string()) {
    name = it->get<std::string>();
  }
  if (name.empty()) {
    const std::filesystem::path p(m_origin);
    name = p.stem().string();
    if (name == "config" && p.has_parent_path() && !p.parent_path().filename().empty()) {
      name = p.parent_path().filename().string();
    }
  }
  m_spec.name = name;
  m_spec.id = detail::ascii_lower(name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1));
}

void Reader::read_attention() {
  // Multi-head latent attention (DeepSeek-V2/V3): the cache holds the latent, so the
  // num_key_value_heads these configs also carry is meaningless for KV (perfmodel §4).
  if (auto rank = integer({"kv_lora_rank"}, "KV LoRA rank", false)) {
    m_spec.kv_lora_rank = *rank;
    m_spec.q_lora_rank = integer({"q_lora_rank"}, "query LoRA rank", false).value_or(0);
    m_spec.qk_nope_head_dim = integer({"qk_nope_head_dim"}, "non-RoPE query/key head dimension", true).value_or(0);
    m_spec.qk_rope_head_dim = integer({"qk_rope_head_dim"}, "RoPE query/key head dimension", true).value_or(0);
    m_spec.v_head_dim = integer({"v_head_dim"}, "value head dimension", true).value_or(0);
  }
  // head_dim when given (Gemma: 256 ≠ 3072/16); ChatGLM calls it kv_channels.
  if (auto h = integer({"head_dim", "kv_channels"}, "head dimension", false)) {
    m_spec.head_dim = *h;
  } else if (m_spec.is_mla()) {
    m_spec.head_dim = m_spec.qk_nope_head_dim + m_spec.qk_rope_head_dim;
  } else if (m_spec.hidden > 0 && m_spec.heads > 0) {
    if (m_spec.hidden % m_spec.heads != 0) {
      problem(find({"num_attention_heads", "n_head", "n_heads"}).path,
              fmt::format("hidden size {} is not a multiple of the head count {}; add head_dim", m_spec.hidden,
                          m_spec.heads));
    } else {
      m_spec.head_dim = m_spec.hidden / m_spec.heads;
    }
  }

  // KV heads: explicit counts first, then the MQA flags; none of them ⇒ MHA.
  if (auto k = integer({"num_key_value_heads", "num_kv_heads", "n_head_kv"}, "KV head count", false, 1, k_max_count)) {
    m_spec.kv_heads = *k;
    // Falcon's old decoder (new_decoder_architecture false) uses one KV head whenever
    // multi_query is set, whatever num_kv_heads says (modeling_falcon.py).
    if (boolean({"multi_query"}).value_or(false) && !boolean({"new_decoder_architecture"}).value_or(true)) {
      m_spec.kv_heads = 1;
    }
  } else if (auto mqa = boolean({"multi_query_attention"})) {
    // ChatGLM2/3: multi_query_attention with multi_query_group_num KV groups.
    m_spec.kv_heads = *mqa ? integer({"multi_query_group_num"}, "KV group count", false, 1, k_max_count).value_or(1) : m_spec.heads;
  } else if (boolean({"multi_query"}).value_or(false)) {
    m_spec.kv_heads = 1; // Falcon-7B, GPT-BigCode
  } else {
    m_spec.kv_heads = m_spec.heads;
  }
  if (!m_spec.is_mla() && m_spec.heads > 0 && m_spec.kv_heads > 0 && m_spec.heads % m_spec.kv_heads != 0) {
    problem(find({"num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num"}).path,
            fmt::format("attention head count {} is not a multiple of the KV head count {}", m_spec.heads,
                        m_spec.kv_heads));
  }

  if (auto bias = boolean({"attention_bias", "qkv_bias", "add_qkv_bias"})) {
    m_spec.qkv_bias = *bias;
  } else {
    m_spec.qkv_bias = one_of(m_spec.family, k_qkv_bias_families);
  }
}

void Reader::read_mlp() {
  const auto act = detail::ascii_lower(string({"hidden_act", "hidden_activation", "activation_function"}).value_or(""));
  m_spec.gated_mlp = one_of(m_spec.family, k_gated_families) || one_of(act, Keys{"silu", "swiglu", "swish"});
  const Keys ffn_keys = {"intermediate_size", "ffn_embed_dim", "n_inner", "d_ff", "ffn_hidden_size", "ffn_dim"};
  if (auto width = integer(ffn_keys, "FFN width", m_spec.gated_mlp)) {
    m_spec.intermediate = *width;
  } else if (!m_spec.gated_mlp) {
    m_spec.intermediate = 4 * m_spec.hidden; // GPT-2/Falcon convention: n_inner absent ⇒ 4·d
  }
  if (auto tied = boolean({"tie_word_embeddings"})) {
    m_spec.tied_embeddings = *tied;
  } else {
    m_spec.tied_embeddings = !one_of(m_spec.family, k_untied_families);
  }
}

void Reader::read_moe() {
  auto experts = integer({"num_local_experts", "n_routed_experts", "num_experts", "moe_num_experts"}, "expert count",
                         false, 0, k_max_count);
  if (!experts || *experts == 0) {
    return;
  }
  m_spec.experts = *experts;
  m_spec.experts_per_token =
      integer({"num_experts_per_tok", "moe_top_k"}, "experts per token", true, 1, k_max_count).value_or(0);
  if (m_spec.experts_per_token > m_spec.experts) {
    problem(find({"num_experts_per_tok", "moe_top_k"}).path,
            fmt::format("experts per token ({}) exceeds the expert count ({})", m_spec.experts_per_token,
                        m_spec.experts));
  }
  m_spec.moe_intermediate = integer({"moe_intermediate_size"}, "expert FFN width", false).value_or(0);
  const int expert_width = m_spec.moe_intermediate > 0 ? m_spec.moe_intermediate : m_spec.intermediate;
  m_spec.shared_experts = integer({"n_shared_experts"}, "shared expert count", false, 0, k_max_count).value_or(0);
  // Qwen-MoE gives one shared expert's width instead of a count; as a multiple of the
  // routed width it has the same parameter count (Qwen1.5-MoE: 5632 = 4 × 1408).
  if (const Found f = find({"shared_expert_intermediate_size"}); f.value != nullptr) {
    if (auto width = integer({"shared_expert_intermediate_size"}, "shared expert FFN width", false, 0)) {
      if (expert_width > 0 && *width % expert_width == 0) {
        m_spec.shared_experts += *width / expert_width;
      } else if (*width > 0) {
        problem(f.path, fmt::format("{} is not a multiple of the expert width {}; such shared experts are not "
                                    "supported",
                                    *width, expert_width));
      }
    }
  }
  // Which layers are MoE. DeepSeek (modeling_deepseek.py): layer i ≥ first_k_dense_replace
  // with i % moe_layer_freq == 0. Qwen-MoE (modeling_qwen2_moe.py): i not in mlp_only_layers
  // and (i + 1) % decoder_sparse_step == 0. Only the count matters for parameters, so the
  // rest become `dense_layers`.
  const int first_dense = integer({"first_k_dense_replace"}, "leading dense layer count", false, 0, k_max_layers).value_or(0);
  const int freq = integer({"moe_layer_freq"}, "MoE layer frequency", false, 1, k_max_layers).value_or(1);
  const int step = integer({"decoder_sparse_step"}, "sparse layer step", false, 1, k_max_layers).value_or(1);
  std::vector<int> mlp_only;
  if (const Found f = find({"mlp_only_layers"}); f.value != nullptr) {
    if (f.value->is_array() && std::all_of(f.value->begin(), f.value->end(), [](const json& x) { return x.is_number_integer(); })) {
      mlp_only = f.value->get<std::vector<int>>();
    } else {
      problem(f.path, fmt::format("expected a list of layer indices, got {}", f.value->dump()));
    }
  }
  int moe_layers = 0;
  for (int i = 0; i < m_spec.layers; ++i) {
    const bool dense = i < first_dense || i % freq != 0 || (i + 1) % step != 0 ||
                       std::find(mlp_only.begin(), mlp_only.end(), i) != mlp_only.end();
    moe_layers += dense ? 0 : 1;
  }
  m_spec.dense_layers = m_spec.layers - moe_layers;
}

void Reader::read_window() {
  const auto window = integer({"sliding_window"}, "sliding window", false, 1, k_max_tokens);
  if (!window || !boolean({"use_sliding_window"}).value_or(true)) {
    return;
  }
  m_spec.sliding_window = *window;
  const int layers = m_spec.layers;
  if (const Found f = find({"layer_types"}); f.value != nullptr) {
    if (!f.value->is_array()) {
      problem(f.path, fmt::format("expected a list of layer types, got {}", f.value->dump()));
      return;
    }
    int sliding = 0;
    for (std::size_t i = 0; i < f.value->size(); ++i) {
      const json& t = (*f.value)[i];
      if (t == "sliding_attention") {
        ++sliding;
      } else if (t != "full_attention") {
        auto path = f.path;
        path.push_back(std::to_string(i));
        problem(path, fmt::format("layer type {} is not supported (accepted: full_attention, "
                                  "sliding_attention); hybrid and linear-attention layers have no per-token KV",
                                  t.dump()));
      }
    }
    if (layers > 0 && f.value->size() != static_cast<std::size_t>(layers)) {
      problem(f.path, fmt::format("{} entries for {} layers", f.value->size(), layers));
    }
    m_spec.sliding_window_layers = sliding;
  } else if (m_spec.family == "gemma2") {
    // Gemma-2 alternates: even layers are local (modeling_gemma2.py: not bool(layer_idx % 2)).
    m_spec.sliding_window_layers = (layers + 1) / 2;
  } else if (auto pattern = integer({"sliding_window_pattern"}, "sliding window pattern", false, 1, k_max_layers)) {
    // Gemma-3: every pattern-th layer is global, the rest local (configuration_gemma3.py).
    m_spec.sliding_window_layers = layers - layers / *pattern;
  } else if (auto first = integer({"max_window_layers"}, "max window layers", false, 0, k_max_layers);
             first && boolean({"use_sliding_window"}).value_or(false)) {
    // Qwen2: layers from max_window_layers on use the window (configuration_qwen2.py).
    m_spec.sliding_window_layers = std::max(0, layers - *first);
  } else {
    m_spec.sliding_window_layers = layers; // Mistral-7B v0.1: every layer
  }
}

} // namespace

std::string HfProblem::to_string() const {
  std::string s = line > 0 ? fmt::format("{}:{}:{}: ", file, line, column) : file + ": ";
  return s + (key.empty() ? "" : key + ": ") + message;
}

HfConfigCheck check_hf_config(std::string_view json_text, std::string_view origin) {
  json root;
  if (const auto limit = detail::json_limits_problem(json_text)) {
    HfConfigCheck out;
    out.problems.push_back({std::string(origin), limit->position.line, limit->position.column, {}, limit->message});
    return out;
  }
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    const auto error = detail::describe_parse_error(json_text, e);
    HfConfigCheck out;
    out.problems.push_back({std::string(origin), error.position.line, error.position.column, {}, error.message});
    return out;
  }
  if (!root.is_object()) {
    HfConfigCheck out;
    out.problems.push_back({std::string(origin), 1, 1, {},
                            fmt::format("expected a JSON object (a Hugging Face config.json), got {}", root.type_name())});
    return out;
  }
  return Reader(json_text, std::string(origin), root).run();
}

ModelSpec parse_hf_config(std::string_view json_text, std::string_view origin) {
  auto check = check_hf_config(json_text, origin);
  if (!check.problems.empty()) {
    const auto more = check.problems.size() - 1;
    throw Error(ErrorKind::input, check.problems.front().to_string(),
                more == 0 ? std::string{}
                          : fmt::format("{} more problem{} in this file", more, more == 1 ? "" : "s"));
  }
  return std::move(check.spec);
}

ModelSpec import_hf_config(const std::filesystem::path& path) {
  // A Hugging Face snapshot directory holds its config as DIR/config.json.
  const auto file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  const detail::InputFile in = detail::read_input(file);
  if (!in.text) {
    throw Error(ErrorKind::input, detail::describe_input_problem(file, in.problem),
                "give the path of a Hugging Face config.json");
  }
  return parse_hf_config(*in.text, file.string());
}

} // namespace tpuplan
