// Model architectures the unit tests share (values of perfmodel §4 / the HF config.json files).
#pragma once

#include <tpuplan/model/model.hpp>

namespace tpuplan::test {

/// Llama-3.1-70B: 80 layers, d 8192, 64 heads, 8 KV heads, FFN 28672, vocab 128256.
inline ModelSpec llama_3_1_70b() {
  ModelSpec m;
  m.id = "llama-3.1-70b";
  m.layers = 80;
  m.hidden = 8192;
  m.heads = 64;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.intermediate = 28672;
  m.vocab = 128256;
  return m;
}

/// Llama-3.1-8B: 32 layers, d 4096, 32 heads, 8 KV heads, FFN 14336, vocab 128256.
inline ModelSpec llama_3_1_8b() {
  ModelSpec m = llama_3_1_70b();
  m.id = "llama-3.1-8b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.intermediate = 14336;
  return m;
}

} // namespace tpuplan::test
