// Encoding of the data set for embedding: the structs as MessagePack. Decoding is the
// start-up path of every command, so it avoids YAML (which is ~10× slower to parse).
#include <tpuplan/dataset.hpp>

#include <tpuplan/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nlohmann {
template <typename T> struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};
} // namespace nlohmann

namespace tpuplan {

NLOHMANN_JSON_SERIALIZE_ENUM(AcceleratorKind, {{AcceleratorKind::tpu, "tpu"}, {AcceleratorKind::gpu, "gpu"}})

// Every field of every struct: a field missing here would silently vanish from the
// embedded data, so tests/unit/test_dataset.cpp round-trips a fully populated value.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Accelerator, id, name, kind, vendor, family, aliases, hbm_gib,
                                                hbm_tb_per_s, bf16_tflops, fp8_tflops, int8_tops,
                                                interconnect_gb_per_s, interconnect, tensorcores_per_chip,
                                                chips_per_host, preview, source, as_of, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Price, usd_per_hour, source, as_of, derived)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Offering, id, name, cloud, region, accelerator, chips, hosts,
                                                prices, covers, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ModelSpec, id, name, family, source, layers, hidden, heads,
                                                kv_heads, head_dim, intermediate, vocab, max_context,
                                                tied_embeddings, gated_mlp, qkv_bias, experts,
                                                experts_per_token, shared_experts, moe_intermediate,
                                                dense_layers, q_lora_rank, kv_lora_rank, qk_nope_head_dim,
                                                qk_rope_head_dim, v_head_dim, sliding_window,
                                                sliding_window_layers, published_params_b, aliases)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SizeAlias, alias, model_id)

namespace {
constexpr int k_format_version = 1;
}

std::vector<std::uint8_t> encode_dataset(const DataSet& data) {
  nlohmann::json j;
  j["format"] = k_format_version;
  j["accelerators"] = data.catalog.accelerators;
  j["offerings"] = data.catalog.offerings;
  j["presets"] = data.models.presets;
  j["size_aliases"] = data.models.size_aliases;
  j["size_alias_source"] = data.models.source;
  return nlohmann::json::to_msgpack(j);
}

DataSet decode_dataset(std::span<const std::uint8_t> bytes) {
  try {
    const auto j = nlohmann::json::from_msgpack(bytes.begin(), bytes.end());
    if (j.at("format").get<int>() != k_format_version) {
      throw Error(ErrorKind::runtime, "embedded data has an unknown format version");
    }
    DataSet data;
    data.catalog.accelerators = j.at("accelerators").get<std::vector<Accelerator>>();
    data.catalog.offerings = j.at("offerings").get<std::vector<Offering>>();
    data.models.presets = j.at("presets").get<std::vector<ModelSpec>>();
    data.models.size_aliases = j.at("size_aliases").get<std::vector<SizeAlias>>();
    data.models.source = j.at("size_alias_source").get<std::string>();
    data.origin = "embedded";
    return data;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::runtime, fmt::format("embedded data is corrupt: {}", e.what()));
  }
}

} // namespace tpuplan
