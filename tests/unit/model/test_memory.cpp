#include <tpuplan/model/memory.hpp>

#include "model_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace tpuplan;
using test::llama_3_1_70b;

namespace {

Accelerator chip(std::string id, double hbm_gib) {
  Accelerator a;
  a.id = std::move(id);
  a.hbm_gib = hbm_gib;
  return a;
}

} // namespace

TEST_CASE("a 70B model in bf16 does not fit 4 chips of 32 GiB (v4-8) nor 8 of 16 GiB (v5e-8)", "[memory]") {
  const auto m = llama_3_1_70b();
  CHECK_FALSE(fit_memory(m, chip("v4", 32), 4, {}).fits);
  CHECK_FALSE(fit_memory(m, chip("v5e", 16), 8, {}).fits);
}

TEST_CASE("a 70B model in bf16 fits v6e-8 with room for dozens of 4k sequences", "[memory]") {
  const auto fit = fit_memory(llama_3_1_70b(), chip("v6e", 32), 8, {});
  CHECK(fit.fits);
  // usable 230.4 GiB − 131.4 GiB weights − 8 GiB reserve = 91 GiB; one 4k sequence = 1.25 GiB.
  CHECK(fit.max_batch == 72);
  CHECK(fit.hbm_used_fraction == Approx((141.1e9 + 8 * 1.0737e9 + 1.342e9) / (256 * 1.0737e9)).epsilon(0.01));
}

TEST_CASE("a 70B model in bf16 on two 80 GiB GPUs is borderline: it fits with a handful of sequences", "[memory]") {
  const auto fit = fit_memory(llama_3_1_70b(), chip("h100", 80), 2, {});
  CHECK(fit.fits);
  CHECK(fit.max_batch == 8);
  CHECK(fit.hbm_used_fraction > 0.8);
}

TEST_CASE("int8 weights halve the weight bytes and raise the batch that fits", "[memory]") {
  MemoryOptions int8;
  int8.weights = Precision::int8;
  const auto bf16_fit = fit_memory(llama_3_1_70b(), chip("v5e", 16), 8, {});
  const auto int8_fit = fit_memory(llama_3_1_70b(), chip("v5e", 16), 8, int8);
  CHECK_FALSE(bf16_fit.fits);
  CHECK(int8_fit.fits);
  CHECK(int8_fit.weight_bytes < 0.52 * bf16_fit.weight_bytes);
}

TEST_CASE("KV heads are replicated once tensor parallelism exceeds the KV head count", "[memory]") {
  const auto m = llama_3_1_70b();
  CHECK(kv_replication(m, 8) == 1.0);
  CHECK(kv_replication(m, 16) == 2.0);
  ModelSpec mla = m;
  mla.kv_lora_rank = 512;
  mla.qk_rope_head_dim = 64;
  CHECK(kv_replication(mla, 8) == 8.0);
}

TEST_CASE("the max batch falls in proportion to the context length", "[memory]") {
  MemoryOptions longer;
  longer.context_tokens = 8192;
  const auto at_4k = fit_memory(llama_3_1_70b(), chip("v6e", 32), 8, {});
  const auto at_8k = fit_memory(llama_3_1_70b(), chip("v6e", 32), 8, longer);
  CHECK(at_8k.max_batch == at_4k.max_batch / 2);
}
