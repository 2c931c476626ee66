// `tpuplan models`: the model presets and size aliases; `tpuplan models show NAME|PATH`:
// one model's architecture, parameter counts, weight bytes per precision and KV cache.
#include "command.hpp"

#include <tpuplan/error.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/units.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <memory>

namespace tpuplan::app {

namespace {

/// The context length tpuplan's KV table always shows (when the model allows it): the 8k
/// sequence of scaling-book's worked examples (perfmodel §1.2).
constexpr int k_reference_context = 8192;
constexpr double k_billion = 1e9;

struct ModelsOptions {
  std::string model;
  std::vector<int> contexts;
};

/// A parameter count as a whole number, or as a double beyond 2^53 (no int64 conversion of a
/// value it cannot hold).
Cell as_int(double v) {
  return std::isfinite(v) && std::fabs(v) < 9.0e15 ? Cell{static_cast<std::int64_t>(std::llround(v))} : Cell{v};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : ", ") + s;
  }
  return out;
}

// ---- tpuplan models ----------------------------------------------------------------------

int run_list(Context& ctx) {
  const ModelRegistry& reg = ctx.data().models;
  Report r;
  r.command = "models";
  r.inputs["data"] = ctx.data().origin;

  Table presets;
  presets.name = "presets";
  presets.title = "Model presets";
  presets.columns = {
      {"id", "id", 0, false, "preset id (--model accepts it, any case)"},
      {"name", "name", 0, false, "published name"},
      {"family", "family", 0, true, "Hugging Face model_type"},
      {"params_total_b", "params (B)", 2, false, "total parameters, billions (formula of docs/methodology.md)"},
      {"params_active_b", "active (B)", 2, false, "parameters used per token, billions (MoE: shared + top-k experts)"},
      {"params_published_b", "published (B)", 2, true, "total published for the model, billions (data/models.yaml)"},
      {"layers", "layers", 0, false, "decoder layers L"},
      {"kv_bytes_per_token_bf16", "KV B/token bf16", 0, false,
       "KV-cache bytes per token at bf16, every layer caching every token"},
      {"max_context_tokens", "max context", 0, false, "max_position_embeddings of the checkpoint"},
      {"moe", "MoE", 0, false, "mixture of experts"},
      {"mla", "MLA", 0, false, "multi-head latent attention (compressed KV cache)"},
      {"sliding_window_tokens", "window", 0, false, "sliding-window size of the windowed layers; empty when none"},
      {"aliases", "aliases", 0, false, "other names --model accepts"},
      {"source", "source", 0, true, "where the architecture values come from"},
  };
  for (const auto& m : reg.presets) {
    std::vector<std::string> aliases = m.aliases;
    for (const auto& a : reg.size_aliases) {
      if (a.model_id == m.id) {
        aliases.insert(aliases.begin(), a.alias);
      }
    }
    presets.rows.push_back({m.id, m.name, m.family, total_params(m) / k_billion, active_params(m) / k_billion,
                            cell(m.published_params_b), std::int64_t{m.layers}, as_int(kv_bytes_per_token(m, Precision::bf16)),
                            m.max_context > 0 ? Cell{std::int64_t{m.max_context}} : Cell{}, m.is_moe(), m.is_mla(),
                            m.sliding_window > 0 ? Cell{std::int64_t{m.sliding_window}} : Cell{}, join(aliases),
                            m.source});
  }
  presets.notes.push_back("'tpuplan models show NAME' details one model; --model also accepts a Hugging Face "
                          "config.json");
  r.tables.push_back(std::move(presets));

  Table sizes;
  sizes.name = "size_aliases";
  sizes.title = "Size aliases";
  sizes.columns = {{"alias", "alias", 0, false, "short size name accepted by --model"},
                   {"model_id", "model", 0, false, "the preset it stands for"},
                   {"params_total_b", "params (B)", 2, false, "total parameters of that preset, billions"}};
  for (const auto& a : reg.size_aliases) {
    const auto it = std::find_if(reg.presets.begin(), reg.presets.end(), [&](const auto& p) { return p.id == a.model_id; });
    sizes.rows.push_back({a.alias, a.model_id, it == reg.presets.end() ? Cell{} : Cell{total_params(*it) / k_billion}});
  }
  if (!reg.source.empty()) {
    sizes.notes.push_back("size aliases: " + reg.source);
  }
  r.tables.push_back(std::move(sizes));
  ctx.emit(r);
  return 0;
}

// ---- tpuplan models show -----------------------------------------------------------------

void add_quantity(Table& t, std::string quantity, std::string symbol, Cell value, std::string unit,
                  std::string description) {
  t.rows.push_back({std::move(quantity), std::move(symbol), std::move(value), std::move(unit), std::move(description)});
}

Table architecture_table(const ModelSpec& m) {
  Table t;
  t.name = "architecture";
  t.title = fmt::format("{} — architecture", m.name);
  t.columns = {{"quantity", "quantity", 0, false, "what the row gives"},
               {"symbol", "symbol", 0, false, "notation of docs/methodology.md"},
               {"value", "value", 0, false, "the value"},
               {"unit", "unit", 0, false, "unit of the value"},
               {"description", "description", 0, false, "meaning"}};
  auto i = [](int v) { return Cell{std::int64_t{v}}; };
  add_quantity(t, "family", "", m.family, "", "Hugging Face model_type");
  add_quantity(t, "layers", "L", i(m.layers), "", "decoder layers");
  add_quantity(t, "hidden", "d", i(m.hidden), "", "hidden size");
  add_quantity(t, "heads", "H", i(m.heads), "", "query heads");
  add_quantity(t, "kv_heads", "K", i(m.kv_heads), "", m.is_mla() ? "unused: MLA caches a latent" : "key/value heads");
  add_quantity(t, "head_dim", "h", i(m.head_dim), "", "dimension of one head");
  add_quantity(t, "intermediate", "I", i(m.intermediate), "", "FFN width of a dense layer");
  add_quantity(t, "vocab", "V", i(m.vocab), "", "vocabulary size");
  add_quantity(t, "max_context_tokens", "", m.max_context > 0 ? i(m.max_context) : Cell{}, "tokens",
               "max_position_embeddings");
  add_quantity(t, "tied_embeddings", "", m.tied_embeddings, "", "output head shares the embedding table");
  add_quantity(t, "gated_mlp", "", m.gated_mlp, "", "SwiGLU/GeGLU: 3·d·I weights per layer, else 2·d·I");
  add_quantity(t, "qkv_bias", "", m.qkv_bias, "", "biases on q, k, v projections");
  if (m.is_moe()) {
    add_quantity(t, "experts", "E", i(m.experts), "", "routed experts per MoE layer");
    add_quantity(t, "experts_per_token", "k", i(m.experts_per_token), "", "routed experts used per token");
    add_quantity(t, "shared_experts", "", i(m.shared_experts), "", "always-active experts per MoE layer");
    add_quantity(t, "moe_intermediate", "", i(m.moe_intermediate > 0 ? m.moe_intermediate : m.intermediate), "",
                 "FFN width of one expert");
    add_quantity(t, "dense_layers", "", i(m.dense_layers), "", "layers with a dense FFN instead of experts");
  }
  if (m.is_mla()) {
    add_quantity(t, "q_lora_rank", "", i(m.q_lora_rank), "", "query compression rank (0 = none)");
    add_quantity(t, "kv_lora_rank", "", i(m.kv_lora_rank), "", "cached KV latent width");
    add_quantity(t, "qk_nope_head_dim", "", i(m.qk_nope_head_dim), "", "query/key head dimension without RoPE");
    add_quantity(t, "qk_rope_head_dim", "", i(m.qk_rope_head_dim), "", "decoupled RoPE key width (cached)");
    add_quantity(t, "v_head_dim", "", i(m.v_head_dim), "", "value head dimension");
  }
  if (m.sliding_window > 0) {
    add_quantity(t, "sliding_window_tokens", "", i(m.sliding_window), "tokens", "cache cap of a windowed layer");
    add_quantity(t, "sliding_window_layers", "", i(m.sliding_window_layers), "", "layers that use the window");
  }
  add_quantity(t, "params_total", "P", as_int(total_params(m)), "params", "total parameters");
  add_quantity(t, "params_active", "P_act", as_int(active_params(m)), "params", "parameters used per token");
  add_quantity(t, "params_embedding", "", as_int(embedding_params(m)), "params",
               m.tied_embeddings ? "embedding table (tied output head)" : "embedding table and output head");
  if (m.published_params_b) {
    add_quantity(t, "params_published_b", "", *m.published_params_b, "B", "published total, for comparison");
  }
  return t;
}

Table weights_table(const ModelSpec& m) {
  Table t;
  t.name = "weights";
  t.title = "Weights by precision";
  t.columns = {{"precision", "precision", 0, false, "storage precision of the linear layers"},
               {"bits_per_weight", "bits/weight", 3, false, "storage bits per linear-layer weight, scales included"},
               {"bits_per_param", "bits/param", 2, false, "all weights ÷ all parameters (embeddings stay bf16)"},
               {"weight_bytes", "bytes", 0, true, "bytes of all weights"},
               {"weight_gb", "GB", 2, false, "bytes of all weights ÷ 1e9"},
               {"weight_gib", "GiB", 2, false, "bytes of all weights ÷ 2^30"}};
  const double total = total_params(m);
  const double embeddings = embedding_params(m);
  for (Precision p : {Precision::bf16, Precision::fp8, Precision::int8, Precision::int4, Precision::nvfp4, Precision::mxfp4}) {
    const double bytes = weight_bytes(m, p);
    // Derived from the library's figure rather than restated: bf16 stores everything at 16
    // bits, quantised formats everything but the embeddings and output head.
    const double body_bits = p == Precision::bf16 ? 16.0 : (bytes - embeddings * 2.0) * 8.0 / (total - embeddings);
    t.rows.push_back({std::string(to_string(p)), body_bits, bytes * 8.0 / total, as_int(bytes), bytes / k_bytes_per_gb,
                      bytes / k_bytes_per_gib});
  }
  t.notes.push_back("fp8/int8/int4 keep the embedding table and output head in bf16 (TensorRT-LLM FP8 recipes "
                    "exclude lm_head; GPTQ/AWQ quantise linear layers only)");
  t.notes.push_back("int4 is group-wise with one fp16 scale per 128 weights: 4 + 16/128 = 4.125 bits (perfmodel §1.1)");
  return t;
}

/// Contexts for the KV table: 8k (when the model allows it), the max context, and any asked for.
std::vector<int> kv_contexts(const ModelSpec& m, const std::vector<int>& extra) {
  std::vector<int> contexts = extra;
  if (m.max_context == 0 || m.max_context >= k_reference_context) {
    contexts.push_back(k_reference_context);
  }
  if (m.max_context > 0) {
    contexts.push_back(m.max_context);
  }
  std::sort(contexts.begin(), contexts.end());
  contexts.erase(std::unique(contexts.begin(), contexts.end()), contexts.end());
  return contexts;
}

/// KV bytes per token of an uncompressed cache with the same heads: what MLA saves
/// (DeepSeek-V2 paper §2.1: standard MHA caches K and V for every head).
double mha_equivalent_kv_bytes_per_token(const ModelSpec& m, Precision kv) {
  return static_cast<double>(m.layers) * m.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim) *
         bytes_per_element(kv);
}

Table kv_table(const ModelSpec& m, const std::vector<int>& contexts) {
  Table t;
  t.name = "kv_cache";
  t.title = "KV cache of one sequence";
  t.columns = {{"kv_precision", "KV precision", 0, false, "precision of the cached keys and values"},
               {"context_tokens", "context", 0, false, "tokens held by the sequence"},
               {"kv_bytes_per_token", "B/token", 0, false, "bytes per token with every layer caching every token"},
               {"kv_gib_per_sequence", "GiB/sequence", 3, false, "bytes of the sequence's cache ÷ 2^30, windows applied"},
               {"kv_gib_per_sequence_no_window", "GiB without window", 3, false,
                "the same if no layer had a sliding window; empty when the model has none"},
               {"kv_gib_per_sequence_mha_equivalent", "GiB uncompressed", 3, false,
                "the same with per-head K and V instead of the MLA latent; empty without MLA"}};
  ModelSpec unwindowed = m;
  unwindowed.sliding_window = 0;
  for (Precision kv : {Precision::bf16, Precision::int8}) {
    for (int context : contexts) {
      const double s = static_cast<double>(context);
      t.rows.push_back({std::string(to_string(kv)), std::int64_t{context}, as_int(kv_bytes_per_token(m, kv)),
                        kv_bytes_per_sequence(m, kv, s) / k_bytes_per_gib,
                        m.sliding_window > 0 ? Cell{kv_bytes_per_sequence(unwindowed, kv, s) / k_bytes_per_gib} : Cell{},
                        m.is_mla() ? Cell{mha_equivalent_kv_bytes_per_token(m, kv) * s / k_bytes_per_gib} : Cell{}});
    }
  }
  for (int context : contexts) {
    if (m.max_context > 0 && context > m.max_context) {
      t.notes.push_back(fmt::format("{} tokens exceeds the model's max context of {}", context, m.max_context));
    }
  }
  if (m.max_context > 0 && m.max_context < k_reference_context) {
    t.notes.push_back(fmt::format("no {}-token row: the model's max context is {}", k_reference_context, m.max_context));
  }
  if (m.sliding_window > 0) {
    t.notes.push_back(fmt::format("{} of {} layers keep at most {} tokens (sliding window)", m.sliding_window_layers,
                                  m.layers, m.sliding_window));
  }
  return t;
}

std::vector<std::string> explain_lines(const ModelSpec& m) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("params: P = L·(attn + mlp + 2d) + V·d·{} + d = {:.0f} (docs/methodology.md)",
                              m.tied_embeddings ? "1 (tied)" : "2 (untied)", total_params(m)));
  if (m.is_mla()) {
    lines.push_back(fmt::format("KV/token = (kv_lora_rank {} + qk_rope_head_dim {}) · L {} · b = {:.0f} B at bf16",
                                m.kv_lora_rank, m.qk_rope_head_dim, m.layers, kv_bytes_per_token(m, Precision::bf16)));
  } else {
    lines.push_back(fmt::format("KV/token = 2 · L {} · K {} · h {} · b = {:.0f} B at bf16 (b = 2), {:.0f} B at int8",
                                m.layers, m.kv_heads, m.head_dim, kv_bytes_per_token(m, Precision::bf16),
                                kv_bytes_per_token(m, Precision::int8)));
  }
  if (m.sliding_window > 0) {
    lines.push_back(fmt::format("KV/sequence = KV/token ÷ L · (full layers {} · S + windowed layers {} · min(S, {}))",
                                m.layers - std::min(m.layers, m.sliding_window_layers), m.sliding_window_layers,
                                m.sliding_window));
  }
  return lines;
}

int run_show(Context& ctx, const ModelsOptions& o) {
  for (int c : o.contexts) {
    if (c <= 0) {
      throw Error(ErrorKind::usage, fmt::format("--context: {} is not a positive number of tokens", c));
    }
  }
  // A config.json needs no data set: do not load (or fail on) --data for it.
  const ResolvedModel resolved =
      names_model_file(o.model) ? resolve_model(o.model, ModelRegistry{}) : resolve_model(o.model, ctx.data().models);
  const ModelSpec& m = resolved.spec;
  Report r;
  r.command = "models.show";
  r.inputs["model"] = o.model;
  r.inputs["resolved_from"] = resolved.resolved_from;
  r.inputs["id"] = m.id;
  r.inputs["source"] = m.source;
  r.tables.push_back(architecture_table(m));
  r.tables.push_back(weights_table(m));
  r.tables.push_back(kv_table(m, kv_contexts(m, o.contexts)));
  r.explain = explain_lines(m);
  r.assumptions.push_back({"bytes_per_gb", k_bytes_per_gb, "B", "decimal gigabyte (GB columns)", "SI"});
  r.assumptions.push_back({"bytes_per_gib", k_bytes_per_gib, "B", "binary gibibyte (GiB columns)", "IEC 80000-13"});
  ctx.emit(r);
  return 0;
}

} // namespace

Runner setup_models(CLI::App& sub) {
  sub.description("List the model presets and size aliases; 'models show NAME|PATH' details one model: "
                  "architecture, parameters, weight bytes per precision, KV cache.");
  auto opts = std::make_shared<ModelsOptions>();
  CLI::App* show = sub.add_subcommand("show", "one model: architecture, parameters, weights, KV cache");
  show->add_option("model", opts->model, "preset id or alias, size alias (70b), or a Hugging Face config.json")
      ->required();
  show->add_option("--context", opts->contexts, "extra context lengths (tokens) for the KV table, e.g. 32768,131072")
      ->delimiter(',');
  return [opts, show](Context& ctx) { return show->parsed() ? run_show(ctx, *opts) : run_list(ctx); };
}

} // namespace tpuplan::app
