// Reading models.yaml (docs/data.md): model presets with the architecture values of their
// Hugging Face config.json, and the size aliases ("70b") of the seed's right-sizing table.
// The checks catch values no config can have (more KV heads than heads, a top-k larger than
// the expert count, a window on more layers than exist), which would silently skew every
// memory and throughput figure computed from the preset.
#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace tpuplan::data {

namespace {

const yaml::Range k_positive_int = yaml::Range::at_least(1);
const yaml::Range k_count = yaml::Range::at_least(0);

ModelSpec read_preset(const yaml::Node& n, const SourceTable& sources) {
  n.allow_keys({"id", "name", "family", "source", "aliases", "published_params_b", "layers", "hidden", "heads",
                "kv_heads", "head_dim", "intermediate", "vocab", "max_context", "tied_embeddings", "gated_mlp",
                "qkv_bias", "experts", "experts_per_token", "shared_experts", "moe_intermediate", "dense_layers",
                "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "sliding_window",
                "sliding_window_layers"});
  ModelSpec m;
  m.id = n.required("id").text().value_or("");
  if (!m.id.empty() && !is_identifier(m.id)) {
    n.required("id").problem(fmt::format("model id '{}' must be lower-case letters, digits, '.', '-'", m.id));
  }
  m.name = n.required("name").text().value_or("");
  m.family = n.required("family").text().value_or("");
  // A model's architecture does not change after release: its config.json is the source, no date.
  if (const auto c = read_citation(n.required("source"), n.child("as_of"), sources, false)) {
    m.source = c->url;
  }
  m.aliases = n.child("aliases").text_list();
  m.published_params_b = n.child("published_params_b").number(yaml::Range::positive());

  const auto int_of = [&](const char* key, bool required, yaml::Range range) {
    const yaml::Node v = required ? n.required(key) : n.child(key);
    return v.integer(range).value_or(0);
  };
  m.layers = int_of("layers", true, k_positive_int);
  m.hidden = int_of("hidden", true, k_positive_int);
  m.heads = int_of("heads", true, k_positive_int);
  m.kv_heads = int_of("kv_heads", true, k_positive_int);
  m.intermediate = int_of("intermediate", true, k_positive_int);
  m.vocab = int_of("vocab", true, k_positive_int);
  m.max_context = int_of("max_context", true, k_positive_int);
  m.tied_embeddings = n.child("tied_embeddings").boolean().value_or(false);
  m.gated_mlp = n.child("gated_mlp").boolean().value_or(true);
  m.qkv_bias = n.child("qkv_bias").boolean().value_or(false);
  m.experts = int_of("experts", false, k_count);
  m.experts_per_token = int_of("experts_per_token", false, k_count);
  m.shared_experts = int_of("shared_experts", false, k_count);
  m.moe_intermediate = int_of("moe_intermediate", false, k_count);
  m.dense_layers = int_of("dense_layers", false, k_count);
  m.q_lora_rank = int_of("q_lora_rank", false, k_count);
  m.kv_lora_rank = int_of("kv_lora_rank", false, k_count);
  m.qk_nope_head_dim = int_of("qk_nope_head_dim", false, k_count);
  m.qk_rope_head_dim = int_of("qk_rope_head_dim", false, k_count);
  m.v_head_dim = int_of("v_head_dim", false, k_count);
  m.sliding_window = int_of("sliding_window", false, k_count);
  m.sliding_window_layers = int_of("sliding_window_layers", false, k_count);
  // head_dim is needed by every non-MLA model; MLA models use the qk/v head dims instead.
  m.head_dim = int_of("head_dim", !m.is_mla(), m.is_mla() ? k_count : k_positive_int);

  if (!m.is_mla() && m.heads > 0 && m.kv_heads > 0 && (m.kv_heads > m.heads || m.heads % m.kv_heads != 0)) {
    n.required("kv_heads").problem(
        fmt::format("kv_heads {} must divide heads {} (grouped-query attention)", m.kv_heads, m.heads));
  }
  if (m.is_mla() && (m.qk_nope_head_dim == 0 || m.qk_rope_head_dim == 0 || m.v_head_dim == 0)) {
    n.required("kv_lora_rank").problem("an MLA model needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim");
  }
  if (m.is_moe()) {
    if (m.experts_per_token < 1 || m.experts_per_token > m.experts) {
      n.required("experts_per_token")
          .problem(fmt::format("experts_per_token must be between 1 and experts ({})", m.experts));
    }
    if (m.dense_layers >= m.layers && m.layers > 0) {
      n.required("dense_layers").problem(fmt::format("dense_layers must be fewer than layers ({})", m.layers));
    }
  } else if (m.experts_per_token || m.shared_experts || m.moe_intermediate || m.dense_layers) {
    n.problem("experts_per_token, shared_experts, moe_intermediate and dense_layers need experts > 0");
  }
  if ((m.sliding_window > 0) != (m.sliding_window_layers > 0)) {
    n.problem("give both sliding_window and sliding_window_layers, or neither");
  } else if (m.sliding_window_layers > m.layers && m.layers > 0) {
    n.required("sliding_window_layers")
        .problem(fmt::format("sliding_window_layers must be at most layers ({})", m.layers));
  }
  return m;
}

} // namespace

ModelRegistry read_models(const yaml::Node& root, const SourceTable& sources) {
  ModelRegistry reg;
  root.allow_keys({"version", "presets", "size_aliases"});
  check_version(root);
  std::map<std::string, std::string> names; // lower-cased id or alias → where first given
  const auto claim = [&](const yaml::Node& at, const std::string& name) {
    const auto key = detail::ascii_lower(name);
    if (const auto it = names.find(key); it != names.end()) {
      at.problem(fmt::format("'{}' is already a model id or alias (at {})", name, it->second));
      return false;
    }
    names.emplace(key, at.where());
    return true;
  };
  for (const yaml::Node& n : root.required("presets").items()) {
    ModelSpec m = read_preset(n, sources);
    if (!m.id.empty()) {
      claim(n.required("id"), m.id);
    }
    for (const yaml::Node& alias : n.child("aliases").items()) {
      if (const auto s = alias.text()) {
        claim(alias, *s);
      }
    }
    reg.presets.push_back(std::move(m));
  }

  const yaml::Node sizes = root.required("size_aliases");
  sizes.allow_keys({"source", "aliases"});
  reg.source = sizes.required("source").text().value_or("");
  std::vector<std::string> ids;
  for (const auto& m : reg.presets) {
    ids.push_back(m.id);
  }
  for (const auto& [alias, target] : sizes.required("aliases").entries()) {
    const auto id = target.text();
    if (!id) {
      continue;
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) {
      target.problem(fmt::format("size alias '{}' names unknown model '{}'", alias, *id), suggestion(*id, ids));
      continue;
    }
    if (claim(target, alias)) {
      reg.size_aliases.push_back({alias, *id});
    }
  }
  return reg;
}

} // namespace tpuplan::data
