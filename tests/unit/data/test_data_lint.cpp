// Data lint: checks on the shipped catalog (data/) that the loader cannot make, because they
// are about the figures rather than the format, plus the facts the rest of tpuplan and its
// documentation rely on (pinned so that a data edit that breaks them fails here first).
#include <tpuplan/data/dataset.hpp>
#include <tpuplan/model/model.hpp>
#include <tpuplan/data/yaml_reader.hpp>

#include "shipped_data.hpp"
#include <catch2/catch.hpp>

using namespace tpuplan;
using tpuplan::test::shipped;
using tpuplan::test::shipped_preset;

TEST_CASE("lint: every price is positive, sourced and dated", "[data_lint]") {
  for (const auto& o : shipped().catalog.offerings) {
    bool any = false;
    for (Tier t : k_all_tiers) {
      const auto& p = o.price(t);
      if (!p) {
        continue;
      }
      any = true;
      INFO(o.id << " " << to_string(t));
      CHECK(p->usd_per_hour > 0);
      CHECK(p->source.rfind("https://", 0) == 0);
      CHECK(yaml::is_valid_date(p->as_of));
    }
    INFO(o.id);
    CHECK(any);
    CHECK_FALSE(o.covers.empty());
  }
}

TEST_CASE("lint: every accelerator spec is sourced and dated, and presets name their config", "[data_lint]") {
  for (const auto& a : shipped().catalog.accelerators) {
    INFO(a.id);
    CHECK(a.source.rfind("https://", 0) == 0);
    CHECK(yaml::is_valid_date(a.as_of));
    CHECK(a.hbm_gib > 0);
    CHECK(a.interconnect_gb_per_s > 0);
  }
  for (const auto& m : shipped().models.presets) {
    INFO(m.id);
    CHECK(m.source.rfind("https://huggingface.co/", 0) == 0);
    CHECK(m.source.find("config.json") != std::string::npos);
  }
}

TEST_CASE("lint: tiers are ordered: spot and commitments below on-demand, 3y below 1y", "[data_lint]") {
  for (const auto& o : shipped().catalog.offerings) {
    INFO(o.id);
    const auto& od = o.price(Tier::on_demand);
    REQUIRE(od);
    for (Tier t : {Tier::spot, Tier::commit_1y, Tier::commit_3y}) {
      if (o.price(t)) {
        CHECK(o.price(t)->usd_per_hour < od->usd_per_hour);
      }
    }
    if (o.price(Tier::commit_1y) && o.price(Tier::commit_3y)) {
      CHECK(o.price(Tier::commit_3y)->usd_per_hour < o.price(Tier::commit_1y)->usd_per_hour);
    }
  }
}

TEST_CASE("lint: every TPU slice's chips follow Google's naming rule and hosts its host size", "[data_lint]") {
  const auto& c = shipped().catalog;
  int slices = 0;
  for (const auto& o : c.offerings) {
    const auto& a = c.accelerator_of(o);
    if (a.kind != AcceleratorKind::tpu) {
      continue;
    }
    INFO(o.id);
    ++slices;
    const auto rule = tpu_slice_chips(o.name);
    REQUIRE(rule);
    CHECK(o.chips == *rule);
    CHECK(o.hosts == std::max(1, (o.chips + a.chips_per_host - 1) / a.chips_per_host));
    CHECK_FALSE(a.preview);
  }
  CHECK(slices == 250); // v4 4 sizes x 1 region, v5e 8 x 16, v5p 5 x 6, v6e 8 x 11
}

TEST_CASE("lint: pinned slice sizes: v4-8 and v5p-8 are 4 chips, v5e-8 and v6e-8 are 8", "[data_lint]") {
  const auto& c = shipped().catalog;
  CHECK(c.find_offering("v4-8@us-central2")->chips == 4);
  CHECK(c.find_offering("v5p-8@us-central1")->chips == 4);
  CHECK(c.find_offering("v5e-8@us-central1")->chips == 8);
  CHECK(c.find_offering("v6e-8@us-central1")->chips == 8);
  CHECK(c.find_offering("v5p-32@us-central1")->hosts == 4);
  CHECK(c.find_offering("v5e-256@us-central1")->hosts == 32);
}

TEST_CASE("lint: pinned prices: v5e is $1.20 per chip-hour in us-central1, so v5e-8 is $9.60/h", "[data_lint]") {
  const auto& c = shipped().catalog;
  CHECK(c.find_offering("v5e-1@us-central1")->price(Tier::on_demand)->usd_per_hour == Approx(1.20));
  CHECK(c.find_offering("v5e-8@us-central1")->price(Tier::on_demand)->usd_per_hour == Approx(9.60));
  CHECK(c.find_offering("v5e-8@us-central1")->price(Tier::commit_1y)->usd_per_hour == Approx(6.72));
  CHECK(c.find_offering("v4-8@us-central2")->price(Tier::on_demand)->usd_per_hour == Approx(12.88));
  CHECK(c.find_offering("v6e-8@us-central1")->price(Tier::on_demand)->usd_per_hour == Approx(21.60));
  CHECK(c.find_offering("g2-standard-4@us-central1")->price(Tier::on_demand)->usd_per_hour == Approx(0.70683));
}

TEST_CASE("lint: every SkyPilot price names its catalog commit, and the refresh took the newest snapshots", "[data_lint]") {
  const std::string prefix = "https://github.com/skypilot-org/skypilot-catalog/blob/";
  int newest = 0, older = 0;
  for (const auto& o : shipped().catalog.offerings) {
    for (Tier t : k_all_tiers) {
      const auto& p = o.price(t);
      if (!p || p->source.find("skypilot-catalog") == std::string::npos) {
        continue;
      }
      INFO(o.id << " " << to_string(t) << " " << p->source);
      REQUIRE(p->source.rfind(prefix, 0) == 0);
      const std::string commit = p->source.substr(prefix.size(), 40);
      CHECK(commit.find_first_not_of("0123456789abcdef") == std::string::npos);
      if (o.cloud == "azure") {
        // The only stored Azure catalog is of schema v6; 2023-12 is its lower bound (docs/data.md).
        CHECK(p->source.substr(prefix.size() + 40) == "/catalogs/v6/azure/vms.csv");
        CHECK(p->as_of == "2023-12");
        CHECK(commit.rfind("098741e7", 0) == 0);
        ++newest;
        continue;
      }
      CHECK(p->source.substr(prefix.size() + 40) == "/catalogs/v8/" + o.cloud + "/vms.csv");
      CHECK(p->as_of == "2025-06"); // the snapshots' lower bound (docs/data.md "Dates")
      const bool is_newest = commit.rfind("006059e0", 0) == 0 || commit.rfind("00148f2a", 0) == 0;
      newest += is_newest ? 1 : 0;
      older += is_newest ? 0 : 1;
    }
  }
  CHECK(newest > 0);
  CHECK(older == 0); // every SkyPilot price was re-read from the newest stored snapshots
}

TEST_CASE("lint: pinned refreshed figures of the newest snapshots", "[data_lint]") {
  const auto& c = shipped().catalog;
  // v6e spot in us-east5: row tpu-v6e-1 $1.215 (was $1.35); v6e in five more regions.
  CHECK(c.find_offering("v6e-1@us-east5")->price(Tier::spot)->usd_per_hour == Approx(1.215));
  for (const char* r : {"asia-south1", "asia-southeast1", "us-east4", "us-south1", "us-west1"}) {
    INFO(r);
    CHECK(c.find_offering(std::string("v6e-8@") + r) != nullptr);
  }
  // v5p in europe-west1: row tpu-v5p-8 $17.83782 for 4 chips.
  CHECK(c.find_offering("v5p-8@europe-west1")->price(Tier::on_demand)->usd_per_hour == Approx(17.83782));
  CHECK(c.find_offering("a3-ultragpu-8g@us-west1")->price(Tier::on_demand)->usd_per_hour == Approx(86.75992));
  CHECK(c.find_offering("a4-highgpu-8g@us-south1")->price(Tier::on_demand)->usd_per_hour == Approx(90.216));
  CHECK(c.find_offering("p5.48xlarge@us-east-2")->price(Tier::spot)->usd_per_hour == Approx(11.2543));
  CHECK(c.find_offering("p6-b200.48xlarge@us-east-1")->price(Tier::on_demand)->usd_per_hour == Approx(113.9328));
}

TEST_CASE("lint: pinned Azure figures: ND H100 v5 is 8 GPUs (the catalog row says 12) without a spot price", "[data_lint]") {
  const auto& c = shipped().catalog;
  const auto* h100 = c.find_offering("Standard_ND96isr_H100_v5@eastus");
  REQUIRE(h100 != nullptr);
  CHECK(h100->chips == 8);
  CHECK(h100->price(Tier::on_demand)->usd_per_hour == Approx(98.32));
  CHECK_FALSE(h100->price(Tier::spot)); // the catalog's spot column repeats on-demand
  const auto* a100 = c.find_offering("Standard_ND96amsr_A100_v4@eastus");
  REQUIRE(a100 != nullptr);
  CHECK(a100->price(Tier::commit_1y)->usd_per_hour == Approx(28.24));
  CHECK(a100->price(Tier::commit_3y)->usd_per_hour == Approx(17.04));
  CHECK(c.find_offering("Standard_ND96asr_v4@westus2")->price(Tier::spot)->usd_per_hour == Approx(2.99167));
}

TEST_CASE("lint: pinned GCP GPU commitments: a2-highgpu-8g 37%/65% off, a3-highgpu-8g the row's ratio", "[data_lint]") {
  const auto& c = shipped().catalog;
  const auto* a2 = c.find_offering("a2-highgpu-8g@us-central1");
  REQUIRE(a2 != nullptr);
  // The compiled month at each tier / 730 h; its on-demand hour is ours to the cent.
  CHECK(a2->price(Tier::on_demand)->usd_per_hour == Approx(21452.5684 / 730));
  CHECK(a2->price(Tier::commit_1y)->usd_per_hour == Approx(13514.9691136 / 730));
  CHECK(a2->price(Tier::commit_3y)->usd_per_hour == Approx(7508.53662384 / 730));
  const auto* a3 = c.find_offering("a3-highgpu-8g@us-east4");
  REQUIRE(a3 != nullptr);
  // Our on-demand x the row's ratio (its rows add 6,000 GB of local SSD).
  const double od = a3->price(Tier::on_demand)->usd_per_hour;
  CHECK(od == Approx(87.83247));
  CHECK(a3->price(Tier::commit_1y)->usd_per_hour == Approx(od * 44840.32514976 / 64645.7019904).epsilon(1e-6));
  CHECK(a3->price(Tier::commit_3y)->usd_per_hour == Approx(od * 28392.60150768 / 64645.7019904).epsilon(1e-6));
}

TEST_CASE("lint: tiers without a sourced figure stay absent", "[data_lint]") {
  for (const auto& o : shipped().catalog.offerings) {
    INFO(o.id);
    // No sourced v5p commitment price; AWS RIs predate the 2025 cut. GPU commitments come from
    // two sources: Azure's archived reserved prices (ND96amsr A100 v4, East US, 2024-01-29)
    // and the compiled GCP billing catalog of 2025-03-06 (A2 and A3 VMs; none for A2 Ultra,
    // A3 Ultra or A4).
    const bool azure_reserved = o.id == "Standard_ND96amsr_A100_v4@eastus";
    const bool gcp_committed = o.cloud == "gcp" && (o.name.rfind("a2-highgpu-", 0) == 0 ||
                                                    o.name.rfind("a3-highgpu-", 0) == 0);
    const bool gpu = shipped().catalog.accelerator_of(o).kind == AcceleratorKind::gpu;
    if (o.accelerator == "v5p" || (gpu && !azure_reserved && !gcp_committed)) {
      CHECK_FALSE(o.price(Tier::commit_1y));
      CHECK_FALSE(o.price(Tier::commit_3y));
    }
    if (gcp_committed) {
      for (Tier t : {Tier::commit_1y, Tier::commit_3y}) {
        REQUIRE(o.price(t));
        CHECK(o.price(t)->as_of == "2025-03-06");
        CHECK_THAT(o.price(t)->source, Catch::Contains("google-cloud-pricing-cost-calculator"));
        CHECK_FALSE(o.price(t)->derived.empty()); // the arithmetic from the compiled month
      }
    }
    if (azure_reserved) {
      for (Tier t : {Tier::commit_1y, Tier::commit_3y}) {
        REQUIRE(o.price(t));
        CHECK(o.price(t)->as_of == "2024-01-29");
        CHECK_THAT(o.price(t)->source, Catch::Contains("training-cost-trends"));
      }
    }
  }
  CHECK_FALSE(shipped().catalog.find_offering("v6e-8@us-central1")->price(Tier::commit_1y));
}

TEST_CASE("lint: preset parameter counts are within 1% of the published totals", "[data_lint]") {
  for (const auto& m : shipped().models.presets) {
    INFO(m.id);
    REQUIRE(m.published_params_b);
    CHECK(total_params(m) / 1e9 == Approx(*m.published_params_b).epsilon(0.01));
  }
}

TEST_CASE("lint: KV cache per token in bf16: Llama-3.1-8B 128 KiB, Llama-2-7B 512 KiB", "[data_lint]") {
  CHECK(kv_bytes_per_token(shipped_preset("llama-3.1-8b"), Precision::bf16) == 128 * 1024);
  CHECK(kv_bytes_per_token(shipped_preset("llama-2-7b"), Precision::bf16) == 512 * 1024);
  CHECK(kv_bytes_per_token(shipped_preset("llama-3.1-70b"), Precision::bf16) == 320 * 1024);
  CHECK(kv_bytes_per_token(shipped_preset("deepseek-v3"), Precision::bf16) == (512 + 64) * 61 * 2);
}

TEST_CASE("lint: size aliases follow the seed's right-sizing table", "[data_lint]") {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"7b", "llama-2-7b"},    {"8b", "llama-3.1-8b"},     {"13b", "llama-2-13b"},      {"30b", "gemma-2-27b"},
      {"70b", "llama-3.1-70b"}, {"400b", "llama-3.1-405b"}, {"405b", "llama-3.1-405b"},
  };
  std::vector<std::pair<std::string, std::string>> actual;
  for (const auto& a : shipped().models.size_aliases) {
    actual.emplace_back(a.alias, a.model_id);
  }
  CHECK(actual == expected);
  CHECK_FALSE(shipped().models.source.empty());
}

TEST_CASE("every engine's family patterns match a shipped accelerator family, and every fact has a source",
          "[data][lint]") {
  const DataSet data = load_dataset_dir(std::string(TPUPLAN_SOURCE_DIR) + "/data");
  REQUIRE(data.engines.size() >= 7);
  for (const auto& e : data.engines) {
    INFO(e.id);
    for (const auto* patterns : {&e.runs_on, &e.default_for}) {
      for (const auto& p : *patterns) {
        INFO(p);
        const bool any = std::any_of(data.catalog.accelerators.begin(), data.catalog.accelerators.end(),
                                     [&](const Accelerator& a) {
                                       return p.back() == '*' ? a.family.rfind(p.substr(0, p.size() - 1), 0) == 0
                                                              : a.family == p;
                                     });
        CHECK(any);
      }
    }
    CHECK_FALSE(e.kv_source.empty());
    CHECK_FALSE(e.memory_source.empty());
    CHECK_FALSE(e.chunked_prefill_source.empty());
    CHECK((!e.max_batch || !e.max_batch_source.empty()));
  }
}
