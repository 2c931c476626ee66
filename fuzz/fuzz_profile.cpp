// A saved bench profile (--measured, --calibrate, render): read, then written back.
#include "fuzz_support.hpp"

#include <tpuplan/bench/profile.hpp>

using namespace tpuplan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] {
    const bench::Profile p = bench::parse_profile(text, "p.json");
    (void)bench::to_json(p).dump();
  });
  return 0;
}
