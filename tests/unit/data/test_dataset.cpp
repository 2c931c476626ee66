#include <tpuplan/data/dataset.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

using namespace tpuplan;
namespace fs = std::filesystem;

namespace {

const std::string k_fixture = std::string(TPUPLAN_TEST_DATA_DIR) + "/catalog";

/// A copy of the fixture data set in a fresh temporary directory, removed at the end.
class TempData {
public:
  explicit TempData(const std::map<std::string, std::string>& files) {
    static int counter = 0;
    m_dir = fs::temp_directory_path() / ("tpuplan_test_dataset_" + std::to_string(getpid()) + "_" +
                                         std::to_string(counter++));
    fs::remove_all(m_dir);
    fs::copy(k_fixture, m_dir, fs::copy_options::recursive);
    for (const auto& [name, text] : files) {
      std::ofstream(m_dir / name, std::ios::trunc) << text;
    }
  }
  ~TempData() {
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  TempData(const TempData&) = delete;
  TempData& operator=(const TempData&) = delete;
  const fs::path& dir() const { return m_dir; }

private:
  fs::path m_dir;
};

/// The problems found when loading the fixture with `files` replaced, as
/// "relative/file:line:col: key: message" lines.
std::vector<std::string> problems_with(const std::map<std::string, std::string>& files) {
  const TempData data(files);
  try {
    (void)load_dataset_dir(data.dir());
  } catch (const yaml::ProblemsError& e) {
    std::vector<std::string> out;
    const std::string prefix = data.dir().string() + "/";
    for (auto p : e.problems()) {
      p.file = fs::path(p.file).lexically_relative(data.dir()).string();
      // Messages that point at another place ("also at FILE:LINE") name the temporary copy.
      for (auto at = p.message.find(prefix); at != std::string::npos; at = p.message.find(prefix)) {
        p.message.erase(at, prefix.size());
      }
      out.push_back(p.to_string() + (p.hint.empty() ? "" : " [" + p.hint + "]"));
    }
    return out;
  }
  return {};
}

const char* k_accelerator_head = "version: 1\naccelerators:\n";
const char* k_v5e = R"(  - id: v5e
    name: TPU v5e
    kind: tpu
    vendor: google
    family: tpu-v5e
    hbm_gib: 16
    hbm_tb_per_s: 0.819
    bf16_tflops: 197
    interconnect: ICI
    interconnect_gb_per_s: 200
    tensorcores_per_chip: 1
    chips_per_host: 8
    source: fixture-specs
)";

const DataSet& fixture() {
  static const DataSet data = load_dataset_dir(k_fixture);
  return data;
}

} // namespace

TEST_CASE("the fixture loads with its accelerators, expanded slices and models", "[dataset]") {
  const auto& d = fixture();
  CHECK(d.origin == k_fixture);
  CHECK(d.catalog.accelerators.size() == 4);
  CHECK(d.catalog.offerings.size() == 15);
  CHECK(d.models.presets.size() == 5);
  CHECK(d.models.size_aliases.size() == 3);
  CHECK(d.models.source == "fixture size aliases");
}

TEST_CASE("a TPU family expands into slices with chips by the naming rule and hosts per host size", "[dataset]") {
  const auto& c = fixture().catalog;
  const auto* v5e16 = c.find_offering("v5e-16@us-central1");
  REQUIRE(v5e16 != nullptr);
  CHECK(v5e16->name == "v5e-16");
  CHECK(v5e16->cloud == "gcp");
  CHECK(v5e16->region == "us-central1");
  CHECK(v5e16->accelerator == "v5e");
  CHECK(v5e16->chips == 16);
  CHECK(v5e16->hosts == 2);
  CHECK(v5e16->covers == "TPU slice incl. TPU VM hosts");
  CHECK(v5e16->notes == "API name: v5litepod-16.");
  CHECK(c.find_offering("v5e-4@us-central1")->hosts == 1); // part of one host
  const auto* v5p16 = c.find_offering("v5p-16@us-central1");
  REQUIRE(v5p16 != nullptr);
  CHECK(v5p16->chips == 8);
  CHECK(v5p16->hosts == 2);
  CHECK(v5p16->notes.empty()); // the API name is the offering name
}

TEST_CASE("a slice price is chips times the per-chip price and says so", "[dataset]") {
  const auto* o = fixture().catalog.find_offering("v5p-16@us-central1");
  REQUIRE(o != nullptr);
  const auto& od = o->price(Tier::on_demand);
  REQUIRE(od);
  CHECK(od->usd_per_hour == Approx(32.0));
  CHECK(od->source == "https://example.invalid/tpuplan/fixture-prices");
  CHECK(od->as_of == "2000-01-01");
  CHECK(od->derived == "8 chips x $4 per chip-hour (fixture row / 4 chips)");
  const auto& spot = fixture().catalog.find_offering("v5e-1@us-central1")->price(Tier::spot);
  REQUIRE(spot);
  CHECK(spot->derived == "1 chip x $0.25 per chip-hour");
}

TEST_CASE("a price takes the as_of of its source unless it gives its own", "[dataset]") {
  const auto* o = fixture().catalog.find_offering("v5e-8@us-central1");
  REQUIRE(o != nullptr);
  CHECK(o->price(Tier::on_demand)->as_of == "2000-01-01");
  CHECK(o->price(Tier::commit_1y)->as_of == "2000-02");
  CHECK(o->price(Tier::commit_3y)->usd_per_hour == Approx(3.6));
}

TEST_CASE("a VM priced in parts is their sum, and lowest_of takes the cheapest row", "[dataset]") {
  const auto& c = fixture().catalog;
  const auto& vm = c.find_offering("a3-highgpu-8g@us-east4")->price(Tier::on_demand);
  REQUIRE(vm);
  CHECK(vm->usd_per_hour == Approx(80.0));
  CHECK(vm->derived == "sum of host $8 + gpus $72");
  const auto& spot = c.find_offering("p5.48xlarge@us-east-1")->price(Tier::spot);
  REQUIRE(spot);
  CHECK(spot->usd_per_hour == Approx(15.0));
  CHECK(spot->derived ==
        "lowest of the source's rows: az-b $15 (of az-a $20, az-b $15); cheapest availability zone of the region");
  CHECK(c.find_offering("p5.48xlarge@us-east-1")->hosts == 1);
}

TEST_CASE("a data directory that does not exist is a usage error", "[dataset]") {
  try {
    (void)load_dataset_dir("/nonexistent/tpuplan-data");
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK(std::string(e.what()) == "--data: '/nonexistent/tpuplan-data' is not a directory");
  }
}

TEST_CASE("a missing data file is reported by name", "[dataset]") {
  const TempData data({});
  fs::remove(data.dir() / "models.yaml");
  try {
    (void)load_dataset_dir(data.dir());
    FAIL("no exception");
  } catch (const yaml::ProblemsError& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()) == (data.dir() / "models.yaml").string() + ": no such file");
  }
}

TEST_CASE("loader errors list every problem of every file with file:line:col and key path", "[dataset]") {
  const auto problems = problems_with({
      {"accelerators.yaml", std::string(k_accelerator_head) + k_v5e + "    hbm_gb: 16\n"},
      {"offerings/aws-gpu.yaml", "version: 1\ncloud: aws\nofferings:\n  - name: p5.48xlarge\n    accelerator: h100\n"
                                 "    chips: 8\n    covers: x\n    regions:\n      us-east-1:\n"
                                 "        on-demand: {usd_per_hour: -55, source: fixture-prices}\n"},
  });
  // The replaced accelerators.yaml holds v5e only, so every file naming another one is reported too.
  CHECK(problems == std::vector<std::string>{
                        "accelerators.yaml:16:5: accelerators[0].hbm_gb: unknown key 'hbm_gb' [did you mean 'hbm_gib'?]",
                        "offerings/aws-gpu.yaml:5:18: offerings[0].accelerator: unknown accelerator 'h100' "
                        "[accepted: v5e]",
                        "offerings/aws-gpu.yaml:10:35: offerings[0].regions.us-east-1.on-demand.usd_per_hour: "
                        "must be > 0, got -55",
                        "offerings/gcp-gpu.yaml:6:18: offerings[0].accelerator: unknown accelerator 'h100' "
                        "[accepted: v5e]",
                        "offerings/gcp-gpu.yaml:14:18: offerings[1].accelerator: unknown accelerator 'l4' "
                        "[accepted: v5e]",
                        "offerings/gcp-tpu.yaml:19:18: tpu_slices[1].accelerator: unknown accelerator 'v5p' "
                        "[did you mean 'v5e'?]",
                    });
}

TEST_CASE("a price without a source, or with a URL but no date, is a problem", "[dataset]") {
  const auto problems = problems_with({
      {"offerings/aws-gpu.yaml", "version: 1\ncloud: aws\nofferings:\n  - name: p5.48xlarge\n    accelerator: h100\n"
                                 "    chips: 8\n    covers: x\n    regions:\n      us-east-1:\n"
                                 "        on-demand: {usd_per_hour: 55}\n"
                                 "        spot: {usd_per_hour: 15, source: \"https://example.invalid/spot\"}\n"
                                 "        1y: {usd_per_hour: 30, source: fixture-pricez}\n"},
  });
  CHECK(problems ==
        std::vector<std::string>{
            "offerings/aws-gpu.yaml:10:9: offerings[0].regions.us-east-1.on-demand.source: missing key 'source'",
            "offerings/aws-gpu.yaml:11:9: offerings[0].regions.us-east-1.spot.as_of: missing key 'as_of' (a "
            "source given as a URL needs a date)",
            "offerings/aws-gpu.yaml:12:40: offerings[0].regions.us-east-1.1y.source: unknown source "
            "'fixture-pricez' [did you mean 'fixture-prices'?]",
        });
}

TEST_CASE("a zero price, a negative part and SkyPilot's 700.0 placeholder are problems", "[dataset]") {
  const auto problems = problems_with({
      {"offerings/aws-gpu.yaml",
       "version: 1\ncloud: aws\nofferings:\n  - name: p5.48xlarge\n    accelerator: h100\n"
       "    chips: 8\n    covers: x\n    regions:\n      us-east-1:\n"
       "        on-demand: {usd_per_hour: 0, source: fixture-prices}\n"
       "        spot: {parts: {host: -1, gpus: 9}, source: fixture-prices}\n"
       "      us-west-2:\n        on-demand: {usd_per_hour: 700.0, source: fixture-prices}\n"},
  });
  CHECK(problems == std::vector<std::string>{
                        "offerings/aws-gpu.yaml:10:35: offerings[0].regions.us-east-1.on-demand.usd_per_hour: must "
                        "be > 0, got 0",
                        "offerings/aws-gpu.yaml:11:30: offerings[0].regions.us-east-1.spot.parts.host: must be ≥ 0, "
                        "got -1",
                        "offerings/aws-gpu.yaml:13:35: offerings[0].regions.us-west-2.on-demand.usd_per_hour: 700.0 "
                        "is SkyPilot's placeholder for a region without a v6e price, not a price",
                    });
}

TEST_CASE("duplicate offerings across files and duplicate aliases are problems", "[dataset]") {
  const auto problems = problems_with({
      {"accelerators.yaml", std::string(k_accelerator_head) + k_v5e + "    aliases: [V5E-lite, v5e-lite]\n"},
      {"offerings/aws-gpu.yaml", "version: 1\ncloud: gcp\ntpu_slices:\n  - accelerator: v5e\n    sizes: [8]\n"
                                 "    covers: x\n    regions:\n      us-central1:\n"
                                 "        on-demand: {usd_per_chip_hour: 1, source: fixture-prices}\n"},
      {"offerings/gcp-gpu.yaml", "version: 1\ncloud: gcp\nofferings: []\n"},
      {"offerings/gcp-tpu.yaml", "version: 1\ncloud: gcp\nofferings: []\n"},
  });
  CHECK(problems == std::vector<std::string>{
                        "accelerators.yaml:16:25: accelerators[0].aliases[1]: 'v5e-lite' is already an accelerator "
                        "id or alias (at accelerators.yaml:16:15)",
                    });
}

TEST_CASE("an offering id given twice is reported with the place of the first", "[dataset]") {
  const std::string v5e8 = "version: 1\ncloud: gcp\ntpu_slices:\n  - accelerator: v5e\n    sizes: [8]\n"
                           "    covers: x\n    regions:\n      us-central1:\n"
                           "        on-demand: {usd_per_chip_hour: 1, source: fixture-prices}\n";
  const auto problems = problems_with({{"offerings/aws-gpu.yaml", v5e8}});
  // Files are read in name order: the fixture's gcp-tpu.yaml comes after the replaced aws-gpu.yaml.
  CHECK(problems == std::vector<std::string>{"offerings/gcp-tpu.yaml:11:7: tpu_slices[0].regions.us-central1: "
                                             "duplicate offering 'v5e-8@us-central1' (also at "
                                             "offerings/aws-gpu.yaml:8:7)"});
}

TEST_CASE("a TPU slice whose chips disagree with the naming rule is a problem", "[dataset]") {
  const auto problems = problems_with({
      {"offerings/aws-gpu.yaml", "version: 1\ncloud: gcp\nofferings:\n  - name: v5p-8\n    accelerator: v5p\n"
                                 "    chips: 8\n    covers: x\n    regions:\n      us-central2:\n"
                                 "        on-demand: {usd_per_hour: 1, source: fixture-prices}\n"
                                 "tpu_slices:\n  - accelerator: v5p\n    sizes: [7]\n    covers: x\n    regions:\n"
                                 "      us-east5:\n        on-demand: {usd_per_chip_hour: 1, source: fixture-prices}\n"},
  });
  CHECK(problems ==
        std::vector<std::string>{
            "offerings/aws-gpu.yaml:6:12: offerings[0].chips: 'v5p-8' has 4 chips by Google's naming rule, not 8 "
            "[v2-v4 and v5p slice names count TensorCores (2 per chip); v5e and v6e count chips]",
            "offerings/aws-gpu.yaml:13:13: tpu_slices[0].sizes[0]: 'v5p-7' is not a TPU slice name by Google's "
            "naming rule [v2-v4 and v5p count TensorCores (even numbers); v5e and v6e count chips]",
        });
}

TEST_CASE("malformed dates are problems wherever they are", "[dataset]") {
  const auto problems = problems_with({
      {"sources.yaml", "version: 1\nsources:\n  fixture-prices: {url: \"https://x.invalid\", description: d, "
                       "as_of: 2000-13-01}\n  fixture-commitments: {url: \"https://x.invalid\", description: d, "
                       "as_of: 2000-02}\n  fixture-specs: {url: \"https://x.invalid\", description: d, as_of: "
                       "\"01/01/2000\"}\n"},
  });
  CHECK(problems == std::vector<std::string>{
                        "sources.yaml:3:69: sources.fixture-prices.as_of: expected a date YYYY-MM-DD or YYYY-MM, "
                        "got '2000-13-01'",
                        "sources.yaml:5:68: sources.fixture-specs.as_of: expected a date YYYY-MM-DD or YYYY-MM, "
                        "got '01/01/2000'",
                    });
}

TEST_CASE("impossible architectures and unknown size-alias targets are problems", "[dataset]") {
  const auto problems = problems_with({
      {"models.yaml",
       "version: 1\npresets:\n  - id: m\n    name: M\n    family: llama\n    source: https://x.invalid\n"
       "    layers: 4\n    hidden: 64\n    heads: 8\n    kv_heads: 3\n    head_dim: 8\n    intermediate: 128\n"
       "    vocab: 100\n    max_context: 1024\n    experts: 4\n    experts_per_token: 5\n"
       "size_aliases:\n  source: s\n  aliases:\n    1b: mm\n"},
  });
  CHECK(problems == std::vector<std::string>{
                        "models.yaml:10:15: presets[0].kv_heads: kv_heads 3 must divide heads 8 (grouped-query "
                        "attention)",
                        "models.yaml:16:24: presets[0].experts_per_token: experts_per_token must be between 1 and "
                        "experts (4)",
                        "models.yaml:20:9: size_aliases.aliases.1b: size alias '1b' names unknown model 'mm' [did "
                        "you mean 'm'?]",
                    });
}

TEST_CASE("encode then decode keeps every field of a fully populated data set", "[dataset]") {
  DataSet in;
  Accelerator a{"x1", "X One", AcceleratorKind::gpu, "vendor", "fam", {"x", "ex"}, 12.5, 1.25, 100, 200.0, 400.0,
                800.0, 50, "link", 2, 4, true, "src", "2024-01", "n"};
  in.catalog.accelerators = {a};
  Offering o;
  o.id = "x-4@r1";
  o.name = "x-4";
  o.cloud = "c";
  o.region = "r1";
  o.accelerator = "x1";
  o.chips = 4;
  o.hosts = 2;
  o.price(Tier::on_demand) = Price{10.5, "s1", "2024-02-03", "d1"};
  o.price(Tier::commit_3y) = Price{3.25, "s3", "2024-03", "d3"};
  o.covers = "cov";
  o.notes = "on";
  in.catalog.offerings = {o};
  ModelSpec m;
  m.id = "m";
  m.name = "M";
  m.family = "f";
  m.source = "ms";
  int v = 1;
  for (int* field : {&m.layers, &m.hidden, &m.heads, &m.kv_heads, &m.head_dim, &m.intermediate, &m.vocab,
                     &m.max_context, &m.experts, &m.experts_per_token, &m.shared_experts, &m.moe_intermediate,
                     &m.dense_layers, &m.q_lora_rank, &m.kv_lora_rank, &m.qk_nope_head_dim, &m.qk_rope_head_dim,
                     &m.v_head_dim, &m.sliding_window, &m.sliding_window_layers}) {
    *field = ++v;
  }
  m.tied_embeddings = true;
  m.gated_mlp = false;
  m.qkv_bias = true;
  m.published_params_b = 7.5;
  m.aliases = {"mm"};
  in.models.presets = {m};
  in.models.size_aliases = {{"7b", "m"}};
  in.models.source = "seed";

  const DataSet out = decode_dataset(encode_dataset(in));
  CHECK(out.origin == "embedded");
  REQUIRE(out.catalog.accelerators.size() == 1);
  const auto& b = out.catalog.accelerators[0];
  CHECK(std::tie(b.id, b.name, b.vendor, b.family, b.aliases, b.hbm_gib, b.hbm_tb_per_s, b.bf16_tflops, b.fp8_tflops,
                 b.int8_tops, b.fp4_tflops, b.interconnect_gb_per_s, b.interconnect, b.tensorcores_per_chip, b.chips_per_host,
                 b.preview, b.source, b.as_of, b.notes) ==
        std::tie(a.id, a.name, a.vendor, a.family, a.aliases, a.hbm_gib, a.hbm_tb_per_s, a.bf16_tflops, a.fp8_tflops,
                 a.int8_tops, a.fp4_tflops, a.interconnect_gb_per_s, a.interconnect, a.tensorcores_per_chip, a.chips_per_host,
                 a.preview, a.source, a.as_of, a.notes));
  CHECK(b.kind == AcceleratorKind::gpu);
  REQUIRE(out.catalog.offerings.size() == 1);
  const auto& p = out.catalog.offerings[0];
  CHECK(std::tie(p.id, p.name, p.cloud, p.region, p.accelerator, p.chips, p.hosts, p.covers, p.notes) ==
        std::tie(o.id, o.name, o.cloud, o.region, o.accelerator, o.chips, o.hosts, o.covers, o.notes));
  for (Tier t : k_all_tiers) {
    REQUIRE(p.price(t).has_value() == o.price(t).has_value());
    if (o.price(t)) {
      CHECK(std::tie(p.price(t)->usd_per_hour, p.price(t)->source, p.price(t)->as_of, p.price(t)->derived) ==
            std::tie(o.price(t)->usd_per_hour, o.price(t)->source, o.price(t)->as_of, o.price(t)->derived));
    }
  }
  REQUIRE(out.models.presets.size() == 1);
  const auto& n = out.models.presets[0];
  CHECK(std::tie(n.id, n.name, n.family, n.source, n.layers, n.hidden, n.heads, n.kv_heads, n.head_dim,
                 n.intermediate, n.vocab, n.max_context, n.tied_embeddings, n.gated_mlp, n.qkv_bias, n.experts,
                 n.experts_per_token, n.shared_experts, n.moe_intermediate, n.dense_layers, n.q_lora_rank,
                 n.kv_lora_rank, n.qk_nope_head_dim, n.qk_rope_head_dim, n.v_head_dim, n.sliding_window,
                 n.sliding_window_layers, n.published_params_b, n.aliases) ==
        std::tie(m.id, m.name, m.family, m.source, m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim,
                 m.intermediate, m.vocab, m.max_context, m.tied_embeddings, m.gated_mlp, m.qkv_bias, m.experts,
                 m.experts_per_token, m.shared_experts, m.moe_intermediate, m.dense_layers, m.q_lora_rank,
                 m.kv_lora_rank, m.qk_nope_head_dim, m.qk_rope_head_dim, m.v_head_dim, m.sliding_window,
                 m.sliding_window_layers, m.published_params_b, m.aliases));
  REQUIRE(out.models.size_aliases.size() == 1);
  CHECK(out.models.size_aliases[0].alias == "7b");
  CHECK(out.models.size_aliases[0].model_id == "m");
  CHECK(out.models.source == "seed");
}

TEST_CASE("corrupt embedded bytes are a runtime error", "[dataset]") {
  const std::vector<std::uint8_t> junk = {0xc1, 0x00, 0x01};
  try {
    (void)decode_dataset(junk);
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::runtime);
  }
}

TEST_CASE("the embedded data equals load_dataset_dir of data/", "[dataset]") {
  const DataSet from_yaml = load_dataset_dir(std::string(TPUPLAN_SOURCE_DIR) + "/data");
  const DataSet embedded = decode_dataset(embedded_dataset_bytes());
  CHECK(embedded.origin == "embedded");
  CHECK(embedded.catalog.offerings.size() == from_yaml.catalog.offerings.size());
  // The encoding is canonical (sorted keys), so equal bytes mean equal data sets.
  CHECK(encode_dataset(embedded) == encode_dataset(from_yaml));
}

TEST_CASE("decoding the embedded data is much faster than reading the YAML", "[dataset]") {
  // Every command decodes the embedded data at start-up, which is why it is not YAML. A ratio,
  // not an absolute time, so that debug and sanitizer builds and a busy machine pass alike.
  using clock = std::chrono::steady_clock;
  const auto bytes = embedded_dataset_bytes();
  const auto t0 = clock::now();
  constexpr int k_runs = 10;
  for (int i = 0; i < k_runs; ++i) {
    REQUIRE_FALSE(decode_dataset(bytes).catalog.offerings.empty());
  }
  const auto t1 = clock::now();
  REQUIRE_FALSE(load_dataset_dir(std::string(TPUPLAN_SOURCE_DIR) + "/data").catalog.offerings.empty());
  const auto t2 = clock::now();
  const double decode = std::chrono::duration<double>(t1 - t0).count() / k_runs;
  const double yaml = std::chrono::duration<double>(t2 - t1).count();
  CHECK(decode * 3 < yaml);
}
