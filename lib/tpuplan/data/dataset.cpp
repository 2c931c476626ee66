// Encoding of the data set for embedding. Decoding is the start-up path of every command,
// so it avoids both YAML and a JSON DOM: a MessagePack DOM of the shipped catalog (7,000
// keys and strings) took ~0.95 ms to parse, most of the 1 ms start-up budget. The format is
// a string table (each distinct string once: a URL cited by 400 prices is stored once) and
// the structs' fields in a fixed order, decoded straight into the structs.
//
// Fields are listed twice, side by side: in the NLOHMANN_DEFINE_TYPE_… lines (the JSON form)
// and in the TPUPLAN_CODEC lines (the binary form). encode_dataset, which runs at build
// time in tools/embed_data, decodes what it encoded and compares both as JSON, so a field
// missing from a TPUPLAN_CODEC line fails the build with the field's name instead of
// silently vanishing from the embedded data.
#include <tpuplan/data/dataset.hpp>

#include <tpuplan/error.hpp>

#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unordered_map>

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
// embedded data, so tests/unit/data/test_dataset.cpp round-trips a fully populated value.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Accelerator, id, name, kind, vendor, family, aliases, hbm_gib,
                                                hbm_tb_per_s, bf16_tflops, fp8_tflops, int8_tops, fp4_tflops,
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EngineEfficiency, family, measured_on, compute, memory, kv_memory,
                                                overhead_ms, fitted, fitted_on)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Engine, id, name, aliases, runs_on, default_for, fp8_weights_kv,
                                                int8_weights_kv, kv_read, kv_source, kv_note, memory_basis,
                                                memory_fraction, memory_source, memory_note, max_batch,
                                                max_batch_source, max_batch_note, chunked_prefill,
                                                chunked_prefill_source, chunked_prefill_note, as_of, efficiency)

namespace {

// ---- the binary codec -----------------------------------------------------------------------

constexpr char k_magic[4] = {'T', 'P', 'D', 'S'};
constexpr std::uint32_t k_format_version = 4;

/// Appends little-endian values and interned strings.
class Writer {
public:
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      m_body.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
  }
  void i32(int v) { u32(static_cast<std::uint32_t>(v)); }
  void u8(std::uint8_t v) { m_body.push_back(v); }
  void f64(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    u32(static_cast<std::uint32_t>(bits));
    u32(static_cast<std::uint32_t>(bits >> 32));
  }
  void str(const std::string& s) {
    const auto [it, added] = m_index.emplace(s, static_cast<std::uint32_t>(m_strings.size()));
    if (added) {
      m_strings.push_back(&it->first);
    }
    u32(it->second);
  }
  /// Magic, version, string table, then the body.
  std::vector<std::uint8_t> finish() {
    std::vector<std::uint8_t> body = std::move(m_body);
    m_body.assign(k_magic, k_magic + 4);
    u32(k_format_version);
    u32(static_cast<std::uint32_t>(m_strings.size()));
    for (const auto* s : m_strings) {
      u32(static_cast<std::uint32_t>(s->size()));
      m_body.insert(m_body.end(), s->begin(), s->end());
    }
    m_body.insert(m_body.end(), body.begin(), body.end());
    return std::move(m_body);
  }

private:
  std::vector<std::uint8_t> m_body;
  std::unordered_map<std::string, std::uint32_t> m_index;
  std::vector<const std::string*> m_strings; // in index order (node-based map: stable addresses)
};

/// Reads what Writer wrote; every read is bounds-checked.
class Reader {
public:
  explicit Reader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {
    if (bytes.size() < 8 || std::memcmp(bytes.data(), k_magic, 4) != 0) {
      throw Error(ErrorKind::runtime, "embedded data is corrupt: not a tpuplan data set");
    }
    m_pos = 4;
    if (u32() != k_format_version) {
      throw Error(ErrorKind::runtime, "embedded data has an unknown format version");
    }
    const std::uint32_t count = u32();
    m_strings.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t size = u32();
      need(size);
      m_strings.emplace_back(reinterpret_cast<const char*>(m_bytes.data() + m_pos), size);
      m_pos += size;
    }
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= static_cast<std::uint32_t>(m_bytes[m_pos++]) << (8 * i);
    }
    return v;
  }
  int i32() { return static_cast<int>(u32()); }
  std::uint8_t u8() {
    need(1);
    return m_bytes[m_pos++];
  }
  double f64() {
    const std::uint64_t lo = u32();
    const std::uint64_t bits = lo | (static_cast<std::uint64_t>(u32()) << 32);
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string_view str() {
    const std::uint32_t i = u32();
    if (i >= m_strings.size()) {
      corrupt();
    }
    return m_strings[i];
  }
  /// A count of elements that follow, each at least one byte long (guards huge allocations).
  std::uint32_t count() {
    const std::uint32_t n = u32();
    need(n);
    return n;
  }
  bool at_end() const { return m_pos == m_bytes.size(); }

private:
  void need(std::size_t n) const {
    if (m_bytes.size() - m_pos < n) {
      corrupt();
    }
  }
  [[noreturn]] static void corrupt() { throw Error(ErrorKind::runtime, "embedded data is corrupt: truncated"); }

  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
  std::vector<std::string_view> m_strings;
};

void put(Writer& w, const std::string& v) { w.str(v); }
void put(Writer& w, double v) { w.f64(v); }
void put(Writer& w, int v) { w.i32(v); }
void put(Writer& w, bool v) { w.u8(v ? 1 : 0); }
void put(Writer& w, AcceleratorKind v) { w.u8(static_cast<std::uint8_t>(v)); }
void get(Reader& r, std::string& v) { v = r.str(); }
void get(Reader& r, double& v) { v = r.f64(); }
void get(Reader& r, int& v) { v = r.i32(); }
void get(Reader& r, bool& v) { v = r.u8() != 0; }
void get(Reader& r, AcceleratorKind& v) { v = r.u8() == 0 ? AcceleratorKind::tpu : AcceleratorKind::gpu; }

template <typename T> void put(Writer& w, const std::optional<T>& v);
template <typename T> void get(Reader& r, std::optional<T>& v);
template <typename T> void put(Writer& w, const std::vector<T>& v);
template <typename T> void get(Reader& r, std::vector<T>& v);
template <typename T, std::size_t N> void put(Writer& w, const std::array<T, N>& v);
template <typename T, std::size_t N> void get(Reader& r, std::array<T, N>& v);

// Writes and reads the listed fields of a struct, in order (see the file comment).
#define TPUPLAN_CODEC_PUT(field) put(w, v.field);
#define TPUPLAN_CODEC_GET(field) get(r, v.field);
#define TPUPLAN_CODEC(Type, ...)                                                                                 \
  void put(Writer& w, const Type& v) { NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(TPUPLAN_CODEC_PUT, __VA_ARGS__)) } \
  void get(Reader& r, Type& v) { NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(TPUPLAN_CODEC_GET, __VA_ARGS__)) }

TPUPLAN_CODEC(Accelerator, id, name, kind, vendor, family, aliases, hbm_gib, hbm_tb_per_s, bf16_tflops, fp8_tflops,
              int8_tops, fp4_tflops, interconnect_gb_per_s, interconnect, tensorcores_per_chip, chips_per_host, preview, source,
              as_of, notes)
TPUPLAN_CODEC(Price, usd_per_hour, source, as_of, derived)
TPUPLAN_CODEC(Offering, id, name, cloud, region, accelerator, chips, hosts, prices, covers, notes)
TPUPLAN_CODEC(ModelSpec, id, name, family, source, layers, hidden, heads, kv_heads, head_dim, intermediate, vocab,
              max_context, tied_embeddings, gated_mlp, qkv_bias, experts, experts_per_token, shared_experts,
              moe_intermediate, dense_layers, q_lora_rank, kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim,
              v_head_dim, sliding_window, sliding_window_layers, published_params_b, aliases)
TPUPLAN_CODEC(SizeAlias, alias, model_id)
TPUPLAN_CODEC(EngineEfficiency, family, measured_on, compute, memory, kv_memory, overhead_ms, fitted, fitted_on)
TPUPLAN_CODEC(Engine, id, name, aliases, runs_on, default_for, fp8_weights_kv, int8_weights_kv, kv_read, kv_source,
              kv_note, memory_basis, memory_fraction, memory_source, memory_note, max_batch, max_batch_source,
              max_batch_note, chunked_prefill, chunked_prefill_source, chunked_prefill_note, as_of,
              efficiency)

#undef TPUPLAN_CODEC
#undef TPUPLAN_CODEC_GET
#undef TPUPLAN_CODEC_PUT

template <typename T> void put(Writer& w, const std::optional<T>& v) {
  w.u8(v ? 1 : 0);
  if (v) {
    put(w, *v);
  }
}
template <typename T> void get(Reader& r, std::optional<T>& v) {
  if (r.u8() != 0) {
    v.emplace();
    get(r, *v);
  } else {
    v.reset();
  }
}
template <typename T> void put(Writer& w, const std::vector<T>& v) {
  w.u32(static_cast<std::uint32_t>(v.size()));
  for (const auto& e : v) {
    put(w, e);
  }
}
template <typename T> void get(Reader& r, std::vector<T>& v) {
  v.resize(r.count());
  for (auto& e : v) {
    get(r, e);
  }
}
template <typename T, std::size_t N> void put(Writer& w, const std::array<T, N>& v) {
  for (const auto& e : v) {
    put(w, e);
  }
}
template <typename T, std::size_t N> void get(Reader& r, std::array<T, N>& v) {
  for (auto& e : v) {
    get(r, e);
  }
}

/// The data set as JSON, through the NLOHMANN field lists: the reference for the self-check.
nlohmann::json as_json(const DataSet& data) {
  nlohmann::json j;
  j["accelerators"] = data.catalog.accelerators;
  j["offerings"] = data.catalog.offerings;
  j["presets"] = data.models.presets;
  j["size_aliases"] = data.models.size_aliases;
  j["size_alias_source"] = data.models.source;
  j["engines"] = data.engines;
  return j;
}

std::vector<std::uint8_t> encode_binary(const DataSet& data) {
  Writer w;
  put(w, data.catalog.accelerators);
  put(w, data.catalog.offerings);
  put(w, data.models.presets);
  put(w, data.models.size_aliases);
  put(w, data.models.source);
  put(w, data.engines);
  return w.finish();
}

} // namespace

std::vector<std::uint8_t> encode_dataset(const DataSet& data) {
  auto bytes = encode_binary(data);
  // The self-check described at the top: what decodes must be what was encoded.
  const auto expected = as_json(data);
  const auto diff = nlohmann::json::diff(expected, as_json(decode_dataset(bytes)));
  if (!diff.empty()) {
    throw Error(ErrorKind::runtime,
                fmt::format("encode_dataset: the binary codec loses {}", diff.front().value("path", "a field")),
                "list every field in both the NLOHMANN_DEFINE_TYPE and the TPUPLAN_CODEC line of dataset.cpp");
  }
  return bytes;
}

DataSet decode_dataset(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  DataSet data;
  get(r, data.catalog.accelerators);
  get(r, data.catalog.offerings);
  get(r, data.models.presets);
  get(r, data.models.size_aliases);
  get(r, data.models.source);
  get(r, data.engines);
  if (!r.at_end()) {
    throw Error(ErrorKind::runtime, "embedded data is corrupt: trailing bytes");
  }
  data.origin = "embedded";
  return data;
}

} // namespace tpuplan
