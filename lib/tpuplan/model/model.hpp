// Model architectures: presets, size aliases, Hugging Face config.json import, and the
// derived quantities every other module needs (parameters, weight and KV bytes).
#pragma once

#include <tpuplan/units.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// The architecture of a decoder-only transformer, as far as cost and memory depend on it.
/// Field names follow the notation of docs/methodology.md (L, d, H, K, h, I, V).
struct ModelSpec {
  std::string id;      ///< "llama-3.1-70b"
  std::string name;    ///< "Llama-3.1-70B"
  std::string family;  ///< "llama", "gemma", "mistral", "qwen2", "deepseek_v3" (HF model_type)
  std::string source;  ///< where the architecture values come from
  int layers = 0;             ///< L
  int hidden = 0;             ///< d
  int heads = 0;              ///< H, query heads
  int kv_heads = 0;           ///< K, key/value heads (= H for MHA)
  int head_dim = 0;           ///< h (explicit in the config for Gemma; else d / H)
  int intermediate = 0;       ///< I, FFN width of a dense layer
  int vocab = 0;              ///< V
  int max_context = 0;        ///< max_position_embeddings (already the extended window)
  bool tied_embeddings = false;
  bool gated_mlp = true;      ///< SwiGLU/GeGLU: 3·d·I per layer; else 2·d·I
  bool qkv_bias = false;      ///< Qwen2 adds biases on q, k, v
  // Mixture of experts (0 experts = dense).
  int experts = 0;            ///< routed experts per MoE layer
  int experts_per_token = 0;  ///< top-k
  int shared_experts = 0;     ///< always-active experts per MoE layer
  int moe_intermediate = 0;   ///< FFN width of one expert (0 = intermediate)
  int dense_layers = 0;       ///< leading dense layers before the MoE layers (first_k_dense_replace)
  // Multi-head latent attention (DeepSeek-V2/V3); kv_lora_rank > 0 enables it.
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  // Sliding-window attention: `sliding_window_layers` of the L layers cap their cache at
  // `sliding_window` tokens (Mistral-7B v0.1: all 32 at 4096; Gemma-2: every other layer).
  int sliding_window = 0;
  int sliding_window_layers = 0;
  /// Published total parameter count (billions), for the 1% check against the formula.
  std::optional<double> published_params_b;
  std::vector<std::string> aliases; ///< other names accepted on the command line

  bool is_moe() const { return experts > 0; }
  bool is_mla() const { return kv_lora_rank > 0; }
};

} // namespace tpuplan

namespace tpuplan {

/// A short size name from the seed's sizing table ("70b") that stands for a preset.
struct SizeAlias {
  std::string alias;    ///< "70b"
  std::string model_id; ///< "llama-3.1-70b"
};

/// The presets and size aliases tpuplan ships (data/models.yaml).
struct ModelRegistry {
  std::vector<ModelSpec> presets;
  std::vector<SizeAlias> size_aliases;
  std::string source; ///< where the size aliases come from
};

/// A model named on the command line, and how the name was resolved.
struct ResolvedModel {
  ModelSpec spec;
  /// How the name was read: "preset", "alias 70b → llama-3.1-70b", or "config.json <path>".
  std::string resolved_from;
};

/// Total parameters (embeddings counted once when tied, twice when not).
double total_params(const ModelSpec& m);
/// Parameters used per token: total for dense models; shared + top-k experts for MoE.
double active_params(const ModelSpec& m);
/// Parameters of the embedding table and the output head (once when tied).
double embedding_params(const ModelSpec& m);
/// Bytes of all weights at precision `p`. Quantised formats keep embeddings and the output
/// head in bf16 and add scale overhead (int4: group-128 fp16 scales ≈ 4.125 bits).
double weight_bytes(const ModelSpec& m, Precision p);
/// KV-cache bytes per token at full attention (no window cap): 2·L·K·h·b for MHA/GQA,
/// (kv_lora_rank + qk_rope_head_dim)·L·b for MLA.
double kv_bytes_per_token(const ModelSpec& m, Precision kv);
/// KV-cache bytes of one sequence holding `context` tokens; sliding-window layers cap
/// their share at the window.
double kv_bytes_per_sequence(const ModelSpec& m, Precision kv, double context);

/// Resolves a preset id, preset alias, size alias ("70b") or a path to a Hugging Face
/// config.json. Throws Error(usage) with a suggestion for an unknown name.
ResolvedModel resolve_model(std::string_view name_or_path, const ModelRegistry& registry);
/// True when a --model argument is read as a file before any preset name: it ends in
/// ".json", names an existing file, or contains a '/' and names an existing directory.
bool names_model_file(std::string_view argument);
/// Reads a Hugging Face config.json (or DIR/config.json); throws Error(input) naming the
/// file, the place and the missing or bad key.
ModelSpec import_hf_config(const std::filesystem::path& path);
/// Parses config.json text; `origin` names it in errors and becomes the spec's source.
ModelSpec parse_hf_config(std::string_view json_text, std::string_view origin);

/// One problem found in a config.json.
struct HfProblem {
  std::string file;    ///< the file as named by the caller
  int line = 0;        ///< 1-based; 0 when no single place applies (a key missing from the file)
  int column = 0;      ///< 1-based
  std::string key;     ///< key path, e.g. "text_config.num_hidden_layers", "layer_types[3]"
  std::string message; ///< what is wrong and what would be accepted
  /// "file:line:col: key: message" (place and key when known), the one-line form of errors.
  std::string to_string() const;
};
/// The result of reading config.json without stopping at the first problem.
struct HfConfigCheck {
  ModelSpec spec;                 ///< meaningful only when `problems` is empty
  std::vector<HfProblem> problems;
};
/// Parses config.json text and collects every problem (for `tpuplan validate`).
HfConfigCheck check_hf_config(std::string_view json_text, std::string_view origin);

} // namespace tpuplan
