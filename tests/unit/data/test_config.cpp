// The configuration file: reading (every problem with file:line:col and key path) and
// applying extra offerings, price overrides and discounts to a hand-built catalog.
#include <tpuplan/data/config.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include <catch2/catch.hpp>
#include <fstream>

using namespace tpuplan;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

Price price(double usd) { return Price{usd, "https://example.test/list", "2025-03", ""}; }

/// Prices from reference/pricing.md §5 (v5e-8 = 8 × $1.20 on-demand, $6.72 1y, $4.32 3y)
/// and the SkyPilot AWS row of p5.48xlarge ($55.04); what matters here is the arithmetic.
Catalog catalog() {
  Catalog c;
  Accelerator v5e;
  v5e.id = "v5e";
  v5e.kind = AcceleratorKind::tpu;
  v5e.chips_per_host = 8;
  Accelerator h100;
  h100.id = "h100";
  h100.kind = AcceleratorKind::gpu;
  Accelerator a100;
  a100.id = "a100-80gb";
  a100.kind = AcceleratorKind::gpu;
  c.accelerators = {v5e, h100, a100};
  for (const char* region : {"us-central1", "europe-west4"}) {
    Offering o;
    o.name = "v5e-8";
    o.region = region;
    o.id = o.name + "@" + region;
    o.cloud = "gcp";
    o.accelerator = "v5e";
    o.chips = 8;
    o.price(Tier::on_demand) = price(9.60);
    o.price(Tier::commit_1y) = price(6.72);
    c.offerings.push_back(o);
  }
  Offering p5;
  p5.name = "p5.48xlarge";
  p5.id = "p5.48xlarge@us-east-1";
  p5.cloud = "aws";
  p5.region = "us-east-1";
  p5.accelerator = "h100";
  p5.chips = 8;
  p5.price(Tier::on_demand) = price(55.04);
  c.offerings.push_back(p5);
  return c;
}

struct Read {
  Config config;
  std::vector<yaml::Problem> problems;
};

Read read(const std::string& text) {
  yaml::Problems problems;
  const yaml::Node root = yaml::parse(text, "cfg.yaml", problems);
  Read r{read_config(root, ".", catalog(), problems), {}};
  r.problems = problems.list();
  return r;
}

std::vector<std::string> lines(const Read& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) {
    out.push_back(p.to_string() + (p.hint.empty() ? "" : " [" + p.hint + "]"));
  }
  return out;
}

Catalog applied(const std::string& text) {
  const auto r = read(text);
  INFO(Catch::Detail::stringify(lines(r)));
  REQUIRE(r.problems.empty());
  Catalog c = catalog();
  apply_config(r.config, c);
  return c;
}

} // namespace

TEST_CASE("the seed's config.yaml backends are read", "[config]") {
  const auto r = read(R"(backends:
  - name: tpu-gemma-7b
    type: tpu
    endpoint: http://tpu-vm-internal-ip:8080
    project_id: my-gcp-project
    zone: us-central2-b
    pod_size: 8
    timeout: 30s
)");
  REQUIRE(r.problems.empty());
  REQUIRE(r.config.backends.size() == 1);
  const auto& b = r.config.backends[0];
  CHECK(b.name == "tpu-gemma-7b");
  CHECK(b.type == "tpu");
  CHECK(b.endpoint == "http://tpu-vm-internal-ip:8080");
  CHECK(b.project_id == "my-gcp-project");
  CHECK(b.zone == "us-central2-b");
  CHECK(b.pod_size == 8);
  CHECK(b.timeout_s == 30.0);
  CHECK(b.where == "cfg.yaml:2:5");
}

TEST_CASE("every problem of a config is reported with its place, key path and a suggestion", "[config]") {
  const auto r = read(R"(version: 1
backend:
  - name: x
backends:
  - name: a b
    type: tpuu
    endpiont: http://x
    project_id: My_Project
    zone: us-central2
    timeout: 30
  - name: a b
    type: gpu
    endpoint: ftp://x
)");
  CHECK(lines(r) == std::vector<std::string>{
                        "cfg.yaml:2:1: backend: unknown key 'backend' [did you mean 'backends'?]",
                        "cfg.yaml:5:5: backends[0].endpoint: missing key 'endpoint' [is 'endpiont' (line 7) a misspelling of it?]",
                        "cfg.yaml:5:11: backends[0].name: backend name 'a b' must be letters, digits, '-', '_' or '.'",
                        "cfg.yaml:6:11: backends[0].type: unknown value 'tpuu' [did you mean 'tpu'?]",
                        "cfg.yaml:7:5: backends[0].endpiont: unknown key 'endpiont' [did you mean 'endpoint'?]",
                        "cfg.yaml:8:17: backends[0].project_id: 'My_Project' is not a GCP project id [6 to 30 "
                        "lower-case letters, digits or hyphens, starting with a letter]",
                        "cfg.yaml:9:11: backends[0].zone: 'us-central2' is not a GCP zone [e.g. us-central2-b]",
                        "cfg.yaml:10:14: backends[0].timeout: expected a positive duration with a unit, got '30' "
                        "[e.g. 30s, 500ms, 2m]",
                        "cfg.yaml:11:11: backends[1].name: backend name 'a b' must be letters, digits, '-', '_' or '.'",
                        "cfg.yaml:11:11: backends[1].name: duplicate backend 'a b' (also at cfg.yaml:5:5)",
                        "cfg.yaml:13:15: backends[1].endpoint: expected an http(s) URL, got 'ftp://x' [e.g. "
                        "http://10.0.0.5:8080]",
                    });
}

TEST_CASE("an unsupported config version is a problem", "[config]") {
  CHECK(lines(read("version: 2\n")) ==
        std::vector<std::string>{"cfg.yaml:1:10: version: unsupported config version 2 [this tpuplan reads version 1]"});
}

TEST_CASE("a price override by name sets every region, and one by id beats it", "[config]") {
  const auto c = applied(R"(price_overrides:
  - offering: v5e-8@us-central1
    tier: on-demand
    usd_per_hour: 8.00
    source: quote A
  - offering: v5e-8
    tier: on-demand
    usd_per_hour: 9.00
    source: quote B
    as_of: 2025-04-01
)");
  const auto& us = *c.find_offering("v5e-8@us-central1")->price(Tier::on_demand);
  CHECK(us.usd_per_hour == 8.00);
  CHECK(us.source == "quote A");
  CHECK(us.derived == "price override at cfg.yaml:2:5");
  const auto& eu = *c.find_offering("v5e-8@europe-west4")->price(Tier::on_demand);
  CHECK(eu.usd_per_hour == 9.00);
  CHECK(eu.as_of == "2025-04-01");
  CHECK(c.find_offering("p5.48xlarge@us-east-1")->price(Tier::on_demand)->usd_per_hour == 55.04);
}

TEST_CASE("a price override may add a tier the catalog lacks", "[config]") {
  const auto c = applied(R"(price_overrides:
  - {offering: p5.48xlarge, tier: 1y, usd_per_hour: 40.0, source: reserved-instance quote}
)");
  const auto& p = c.find_offering("p5.48xlarge@us-east-1")->price(Tier::commit_1y);
  REQUIRE(p);
  CHECK(p->usd_per_hour == 40.0);
}

TEST_CASE("the most specific discount applies and absent prices stay absent", "[config]") {
  const auto c = applied(R"(discounts:
  - {cloud: gcp, fraction: 0.10, source: EA}
  - {offering: v5e-8@europe-west4, fraction: 0.25, source: EU deal}
  - {cloud: gcp, tier: 1y, fraction: 0.05, source: EA commit}
)");
  const auto* us = c.find_offering("v5e-8@us-central1");
  CHECK(us->price(Tier::on_demand)->usd_per_hour == Approx(9.60 * 0.90));
  CHECK(us->price(Tier::commit_1y)->usd_per_hour == Approx(6.72 * 0.95)); // tier beats every tier
  CHECK_FALSE(us->price(Tier::spot));                                      // never invented
  CHECK(us->price(Tier::on_demand)->derived == "× (1 − 0.1) negotiated discount at cfg.yaml:2:5 (EA)");
  CHECK(us->price(Tier::on_demand)->source == "https://example.test/list"); // the list price's source stays
  const auto* eu = c.find_offering("v5e-8@europe-west4");
  CHECK(eu->price(Tier::on_demand)->usd_per_hour == Approx(9.60 * 0.75)); // offering beats cloud
  CHECK(eu->price(Tier::commit_1y)->usd_per_hour == Approx(6.72 * 0.75));
  CHECK(c.find_offering("p5.48xlarge@us-east-1")->price(Tier::on_demand)->usd_per_hour == 55.04);
}

TEST_CASE("a discount applies to an overridden price", "[config]") {
  const auto c = applied(R"(price_overrides:
  - {offering: v5e-8@us-central1, tier: on-demand, usd_per_hour: 8.0, source: quote}
discounts:
  - {cloud: gcp, fraction: 0.5, source: EA}
)");
  const auto& p = *c.find_offering("v5e-8@us-central1")->price(Tier::on_demand);
  CHECK(p.usd_per_hour == 4.0);
  CHECK(p.derived == "price override at cfg.yaml:2:5; then × (1 − 0.5) negotiated discount at cfg.yaml:4:5 (EA)");
}

TEST_CASE("overrides and discounts name known offerings, clouds and tiers", "[config]") {
  const auto r = read(R"(price_overrides:
  - {offering: v5e-9, tier: ondemand, usd_per_hour: -1, source: q}
discounts:
  - {cloud: gpc, fraction: 0.1, source: s}
  - {cloud: aws, offering: v5e-8, fraction: 1, source: s}
  - {tier: spot, fraction: 0.1, source: s}
)");
  CHECK(lines(r) == std::vector<std::string>{
                        "cfg.yaml:2:16: price_overrides[0].offering: unknown offering 'v5e-9' [did you mean 'v5e-8'?]",
                        "cfg.yaml:2:29: price_overrides[0].tier: unknown value 'ondemand' [did you mean 'on-demand'?]",
                        "cfg.yaml:2:53: price_overrides[0].usd_per_hour: must be > 0, got -1",
                        "cfg.yaml:4:13: discounts[0].cloud: unknown cloud 'gpc' [did you mean 'gcp'?]",
                        "cfg.yaml:5:28: discounts[1].offering: offering 'v5e-8' is not in cloud 'aws'",
                        "cfg.yaml:5:45: discounts[1].fraction: a discount of 1 makes the price zero [give the price "
                        "with price_overrides]",
                        "cfg.yaml:6:5: discounts[2]: a discount needs 'cloud', 'offering' or both",
                    });
}

TEST_CASE("two equally specific entries for one price are reported", "[config]") {
  const auto r = read(R"(price_overrides:
  - {offering: v5e-8, tier: 1y, usd_per_hour: 6.0, source: a}
  - {offering: v5e-8, tier: 1y, usd_per_hour: 5.0, source: b}
discounts:
  - {cloud: aws, fraction: 0.1, source: a}
  - {offering: v5e-8, fraction: 0.2, source: b}
  - {cloud: gcp, offering: v5e-8, fraction: 0.3, source: c}
)");
  const auto l = lines(r);
  REQUIRE(l.size() == 2);
  CHECK_THAT(l[0], StartsWith("cfg.yaml:3:5: price_overrides[1]: sets the 1y price of 'v5e-8@us-central1' like the "
                              "price override at cfg.yaml:2:5"));
  CHECK_THAT(l[1], StartsWith("cfg.yaml:7:5: discounts[2]: sets the on-demand price of 'v5e-8@us-central1' like the "
                              "discount at cfg.yaml:6:5"));
}

TEST_CASE("extra offerings in the offerings-file format are added and can be discounted", "[config]") {
  const auto c = applied(R"(extra_offerings:
  - version: 1
    cloud: azure
    offerings:
      - name: Standard_ND96amsr_A100_v4
        accelerator: a100-80gb
        chips: 8
        covers: VM incl. host vCPUs and RAM
        regions:
          eastus:
            on-demand: {usd_per_hour: 32.80, source: "https://example.test/azure", as_of: 2024-01-29}
discounts:
  - {cloud: azure, fraction: 0.2, source: MACC}
)");
  const auto* o = c.find_offering("Standard_ND96amsr_A100_v4@eastus");
  REQUIRE(o);
  CHECK(o->cloud == "azure");
  CHECK(o->chips == 8);
  CHECK(o->price(Tier::on_demand)->usd_per_hour == Approx(32.80 * 0.8));
  CHECK(c.offerings.size() == catalog().offerings.size() + 1);
}

TEST_CASE("extra offerings may be files named relative to the config, with their own problems", "[config]") {
  const auto dir = std::filesystem::temp_directory_path() / "tpuplan-test-config";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "extra.yaml") << "version: 1\ncloud: on-prem\noffarings: []\n";
    std::ofstream(dir / "config.yaml") << "extra_offerings:\n  - extra.yaml\n";
  }
  yaml::Problems problems;
  (void)read_config_file(dir / "config.yaml", catalog(), problems);
  std::vector<std::string> l;
  for (const auto& p : problems.list()) {
    l.push_back(p.to_string());
  }
  std::filesystem::remove_all(dir);
  REQUIRE(l.size() == 2);
  CHECK(l[0] == (dir / "extra.yaml").string() + ":1:1: no offerings: expected 'tpu_slices' or 'offerings'");
  CHECK_THAT(l[1], StartsWith((dir / "extra.yaml").string() + ":3:1: offarings: unknown key 'offarings'"));
}

TEST_CASE("an extra offering may not repeat a catalog offering", "[config]") {
  const auto r = read(R"(extra_offerings:
  - version: 1
    cloud: gcp
    offerings:
      - name: p5.48xlarge
        accelerator: h100
        chips: 8
        covers: VM
        regions:
          us-east-1:
            on-demand: {usd_per_hour: 1.0, source: "https://example.test", as_of: 2025-01}
)");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].message == "offering 'p5.48xlarge@us-east-1' is already in the catalog");
  CHECK(r.problems[0].hint == "change its prices with price_overrides");
}

TEST_CASE("load_config throws one input error naming the first problem and counting the rest", "[config]") {
  const auto path = std::filesystem::temp_directory_path() / "tpuplan-test-bad-config.yaml";
  std::ofstream(path) << "backends:\n  - name: a\n    type: tpu\n    endpoint: http://x\n    pod_size: 0\n"
                         "colour: red\n";
  try {
    (void)load_config(path, catalog());
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    CHECK(std::string(e.what()) == path.string() + ":5:15: backends[0].pod_size: must be ≥ 1, got 0");
    CHECK_THAT(e.hint(), Contains("1 more problem"));
  }
  std::filesystem::remove(path);
}

TEST_CASE("durations take ms, s, m or h", "[config]") {
  CHECK(parse_duration_s("30s") == 30.0);
  CHECK(parse_duration_s("500ms") == 0.5);
  CHECK(parse_duration_s("1.5m") == 90.0);
  CHECK(parse_duration_s("2h") == 7200.0);
  CHECK_FALSE(parse_duration_s("30"));
  CHECK_FALSE(parse_duration_s("s"));
  CHECK_FALSE(parse_duration_s("30 s"));
  CHECK_FALSE(parse_duration_s("30sec"));
}

TEST_CASE("max_price_age_days sets the price-age limit, a whole number of days from 0", "[config]") {
  const Read ok = read("version: 1\nmax_price_age_days: 45\n");
  INFO(Catch::Detail::stringify(lines(ok)));
  CHECK(ok.problems.empty());
  REQUIRE(ok.config.max_price_age_days);
  CHECK(*ok.config.max_price_age_days == 45);
  CHECK(ok.config.max_price_age_where == "cfg.yaml:2:21");
  CHECK_FALSE(read("version: 1\n").config.max_price_age_days);
  for (const char* bad : {"max_price_age_days: -1\n", "max_price_age_days: 1.5\n", "max_price_age_days: soon\n"}) {
    INFO(bad);
    const Read r = read(bad);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].key_path == "max_price_age_days");
  }
}
