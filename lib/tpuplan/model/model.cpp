// Parameter counts, weight bytes and KV-cache bytes from a model's architecture.
// Formulas: docs/methodology.md §1 (after perfmodel §1.1–1.2: kipply's "Transformer
// Inference Arithmetic", the scaling-book inference chapter, DeepSeek-V3's MLA cache).
#include <tpuplan/model/model.hpp>

#include <algorithm>

namespace tpuplan {

namespace {

double d(int v) { return static_cast<double>(v); }

/// Attention parameters of one layer.
double attention_params(const ModelSpec& m) {
  const double hidden = d(m.hidden);
  if (m.is_mla()) {
    // DeepSeek-V2/V3 multi-head latent attention: low-rank q and kv projections with their
    // RMSNorms, a decoupled RoPE key shared by all heads, and the output projection.
    const double qk_head = d(m.qk_nope_head_dim + m.qk_rope_head_dim);
    const double q = m.q_lora_rank > 0
                         ? hidden * d(m.q_lora_rank) + d(m.q_lora_rank) + d(m.q_lora_rank) * d(m.heads) * qk_head
                         : hidden * d(m.heads) * qk_head;
    const double kv = hidden * d(m.kv_lora_rank + m.qk_rope_head_dim) + d(m.kv_lora_rank) +
                      d(m.kv_lora_rank) * d(m.heads) * d(m.qk_nope_head_dim + m.v_head_dim);
    const double o = d(m.heads) * d(m.v_head_dim) * hidden;
    return q + kv + o;
  }
  const double q_dim = d(m.heads) * d(m.head_dim);
  const double kv_dim = d(m.kv_heads) * d(m.head_dim);
  double p = hidden * q_dim + 2.0 * hidden * kv_dim + q_dim * hidden;
  if (m.qkv_bias) {
    p += q_dim + 2.0 * kv_dim;
  }
  return p;
}

/// Parameters of one feed-forward block of width `width`.
double mlp_params(const ModelSpec& m, int width) {
  return (m.gated_mlp ? 3.0 : 2.0) * d(m.hidden) * d(width);
}

int expert_width(const ModelSpec& m) { return m.moe_intermediate > 0 ? m.moe_intermediate : m.intermediate; }

int moe_layer_count(const ModelSpec& m) { return m.is_moe() ? std::max(0, m.layers - m.dense_layers) : 0; }

/// Bits per weight of a precision in storage, including quantisation scales.
double storage_bits(Precision p) {
  switch (p) {
  case Precision::bf16:
    return 16.0;
  case Precision::fp8:
  case Precision::int8:
    return 8.0; // per-channel scales are negligible (one per output row)
  case Precision::int4:
    return 4.125; // group-wise int4 with an fp16 scale per 128 weights (GPTQ/AWQ default)
  case Precision::nvfp4:
    return 4.5; // E2M1 + one FP8 E4M3 scale per 16 weights (the per-tensor FP32 scale is negligible)
  case Precision::mxfp4:
    return 4.25; // E2M1 + one E8M0 scale per 32 weights (OCP MX v1.0)
  }
  return 16.0;
}

} // namespace

double embedding_params(const ModelSpec& m) {
  return d(m.vocab) * d(m.hidden) * (m.tied_embeddings ? 1.0 : 2.0);
}

double total_params(const ModelSpec& m) {
  const double norms = 2.0 * d(m.hidden);
  const int moe_layers = moe_layer_count(m);
  const int dense_layers = m.layers - moe_layers;
  double p = d(m.layers) * (attention_params(m) + norms);
  p += d(dense_layers) * mlp_params(m, m.intermediate);
  if (moe_layers > 0) {
    const double per_layer = d(m.experts + m.shared_experts) * mlp_params(m, expert_width(m)) +
                             d(m.hidden) * d(m.experts); // router
    p += d(moe_layers) * per_layer;
  }
  return p + embedding_params(m) + d(m.hidden); // + final norm
}

double active_params(const ModelSpec& m) {
  if (!m.is_moe()) {
    return total_params(m);
  }
  const double unused_experts = d(m.experts - m.experts_per_token);
  return total_params(m) - d(moe_layer_count(m)) * unused_experts * mlp_params(m, expert_width(m));
}

double weight_bytes(const ModelSpec& m, Precision p) {
  // Quantised checkpoints keep the embedding table and output head in 16 bits
  // (TensorRT-LLM's FP8 recipes exclude lm_head; GPTQ/AWQ quantise linear layers only).
  const double embeddings = embedding_params(m);
  const double body = total_params(m) - embeddings;
  if (p == Precision::bf16) {
    return total_params(m) * 2.0;
  }
  return body * storage_bits(p) / 8.0 + embeddings * 2.0;
}

double kv_bytes_per_token(const ModelSpec& m, Precision kv) {
  const double b = bytes_per_element(kv);
  if (m.is_mla()) {
    // The cache holds the compressed latent and the decoupled RoPE key, not per-head K/V.
    return d(m.kv_lora_rank + m.qk_rope_head_dim) * d(m.layers) * b;
  }
  return 2.0 * d(m.layers) * d(m.kv_heads) * d(m.head_dim) * b;
}

double kv_bytes_per_sequence(const ModelSpec& m, Precision kv, double context) {
  const double per_token = kv_bytes_per_token(m, kv);
  if (m.sliding_window <= 0 || m.sliding_window_layers <= 0 || m.is_mla()) {
    return per_token * context;
  }
  const double per_layer_token = per_token / d(m.layers);
  const double windowed = d(std::min(m.sliding_window_layers, m.layers));
  const double full = d(m.layers) - windowed;
  return per_layer_token * (full * context + windowed * std::min(context, d(m.sliding_window)));
}

} // namespace tpuplan
