#include <tpuplan/units.hpp>

namespace tpuplan {

std::string_view to_string(Precision p) {
  switch (p) {
  case Precision::bf16:
    return "bf16";
  case Precision::fp8:
    return "fp8";
  case Precision::int8:
    return "int8";
  case Precision::int4:
    return "int4";
  case Precision::nvfp4:
    return "nvfp4";
  case Precision::mxfp4:
    return "mxfp4";
  }
  return "bf16";
}

std::optional<Precision> parse_precision(std::string_view name) {
  if (name == "bf16" || name == "fp16" || name == "bfloat16" || name == "float16") {
    return Precision::bf16;
  }
  if (name == "fp8") {
    return Precision::fp8;
  }
  if (name == "int8") {
    return Precision::int8;
  }
  if (name == "int4") {
    return Precision::int4;
  }
  if (name == "nvfp4") {
    return Precision::nvfp4;
  }
  if (name == "mxfp4") {
    return Precision::mxfp4;
  }
  return std::nullopt;
}

} // namespace tpuplan
