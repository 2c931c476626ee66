// A Hugging Face config.json: the model importer and validate's check of it.
#include "fuzz_support.hpp"

#include <tpuplan/model/model.hpp>

using namespace tpuplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] {
    const ModelSpec m = parse_hf_config(text, "config.json");
    // What every command computes next from a model: finite or refused, never UB.
    (void)total_params(m);
    (void)active_params(m);
    (void)kv_bytes_per_token(m, Precision::bf16);
  });
  fuzz::expect_clean([&] { (void)check_hf_config(text, "config.json"); });
  return 0;
}
