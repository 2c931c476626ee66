// Measured throughput from a bench profile. The profile says what it ran on and, per level,
// what it achieved; this file decides which level speaks for the offering (docs/bench.md
// "Measured figures in the cost model") and what the reader must be warned about.
#include <tpuplan/perf/measured.hpp>

#include <tpuplan/error.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

namespace tpuplan {

namespace {

double percentile_of(const bench::Distribution& d, SloPercentile p) {
  switch (p) {
  case SloPercentile::p50:
    return d.p50;
  case SloPercentile::p90:
    return d.p90;
  case SloPercentile::p95:
    return d.p95;
  case SloPercentile::p99:
    return d.p99;
  }
  return d.p90;
}

/// TTFT as goodput judges it: open-loop levels count from the scheduled time, so a server that
/// falls behind its arrivals does not look fast (coordinated omission, docs/bench.md).
const bench::Distribution& slo_ttft(const bench::LevelResult& l) {
  return l.load.mode == bench::LoadMode::rate && l.ttft_from_schedule_ms.count > 0 ? l.ttft_from_schedule_ms
                                                                                     : l.ttft_ms;
}

std::optional<double> figure(const bench::Distribution& d, SloPercentile p) {
  return d.count > 0 ? std::optional<double>(percentile_of(d, p)) : std::nullopt;
}

/// Why a level misses the SLO ("TTFT p90 812 ms > 500"), empty when it meets it.
std::string slo_miss(const bench::LevelResult& l, const bench::Slo& slo, SloPercentile p) {
  std::string miss;
  const auto check = [&](const char* name, const std::optional<double>& target, const bench::Distribution& d) {
    if (!target) {
      return;
    }
    const auto value = figure(d, p);
    if (!value) {
      miss += fmt::format("{}no {} samples", miss.empty() ? "" : ", ", name);
    } else if (*value > *target) {
      miss += fmt::format("{}{} {} {:.1f} ms > {:g}", miss.empty() ? "" : ", ", name, to_string(p), *value, *target);
    }
  };
  check("TTFT", slo.ttft_ms, slo_ttft(l));
  check("TPOT", slo.tpot_ms, l.tpot_ms);
  return miss;
}

bool clean(const bench::LevelResult& l, double max_error_rate) { return !l.partial && l.error_rate <= max_error_rate; }

} // namespace

std::string_view to_string(SloPercentile percentile) {
  switch (percentile) {
  case SloPercentile::p50:
    return "p50";
  case SloPercentile::p90:
    return "p90";
  case SloPercentile::p95:
    return "p95";
  case SloPercentile::p99:
    return "p99";
  }
  return "p90";
}

std::optional<SloPercentile> parse_slo_percentile(std::string_view name) {
  for (SloPercentile p : {SloPercentile::p50, SloPercentile::p90, SloPercentile::p95, SloPercentile::p99}) {
    if (name == to_string(p)) {
      return p;
    }
  }
  return std::nullopt;
}

ProfiledHardware profiled_hardware(const bench::Profile& profile, std::string_view file, const Catalog& catalog) {
  const std::string hint = "add the hardware with --config (extra_offerings, docs/cli.md), or see 'tpuplan catalog'";
  ProfiledHardware hw;
  if (!profile.offering.empty()) {
    const Offering* o = catalog.find_offering(profile.offering);
    if (o == nullptr) {
      // A profile recorded against one catalog may name a region another lacks: the name
      // (the hardware) is what matters.
      const auto named = catalog.match_offerings(profile.offering.substr(0, profile.offering.find('@')));
      o = named.empty() ? nullptr : named.front();
    }
    if (o == nullptr) {
      throw Error(ErrorKind::input, fmt::format("{}: offering '{}' is not in the catalog", file, profile.offering), hint);
    }
    hw.offering = o;
    hw.accelerator = &catalog.accelerator_of(*o);
    hw.chips = o->chips;
    return hw;
  }
  if (profile.accelerator.empty() || !profile.chips) {
    throw Error(ErrorKind::input, fmt::format("{}: the profile does not say which hardware it measured", file),
                "record it with 'tpuplan bench --offering ID' or '--accelerator A --chips N'");
  }
  hw.accelerator = catalog.find_accelerator(profile.accelerator);
  if (hw.accelerator == nullptr) {
    throw Error(ErrorKind::input, fmt::format("{}: accelerator '{}' is not in the catalog", file, profile.accelerator),
                hint);
  }
  hw.chips = *profile.chips;
  return hw;
}

std::optional<ModelSpec> profile_model(const bench::Profile& profile, const ModelRegistry& registry) {
  // Served names are Hugging Face repository ids ("meta-llama/Llama-3.1-70B-Instruct") or
  // whatever --served-model-name said; only the part after the organisation can be a preset.
  const std::string name = detail::ascii_lower(profile.model.substr(profile.model.rfind('/') + 1));
  if (name.empty()) {
    return std::nullopt;
  }
  for (const auto& p : registry.presets) {
    if (detail::ascii_lower(p.id) == name) {
      return p;
    }
    for (const auto& alias : p.aliases) {
      if (detail::ascii_lower(alias) == name) {
        return p;
      }
    }
  }
  for (const auto& a : registry.size_aliases) {
    if (detail::ascii_lower(a.alias) == name) {
      for (const auto& p : registry.presets) {
        if (p.id == a.model_id) {
          return p;
        }
      }
    }
  }
  return std::nullopt;
}

ModelMatch match_profile_model(const bench::Profile& profile, const ModelSpec& model, const ModelRegistry& registry) {
  const auto served = profile_model(profile, registry);
  if (!served) {
    return ModelMatch::unknown;
  }
  const auto shape = [](const ModelSpec& m) {
    return std::array<int, 9>{m.layers, m.hidden, m.heads, m.kv_heads, m.intermediate, m.vocab, m.experts,
                              m.experts_per_token, m.kv_lora_rank};
  };
  return shape(*served) == shape(model) ? ModelMatch::same : ModelMatch::different;
}

MeasuredThroughput measured_throughput(const bench::Profile& profile, std::string_view file,
                                       const ProfiledHardware& hardware, const MeasuredOptions& options) {
  MeasuredThroughput m;
  m.file = std::string(file);
  m.model = profile.model;
  m.accelerator = hardware.accelerator != nullptr ? hardware.accelerator->id : profile.accelerator;
  m.chips = hardware.chips;
  if (hardware.offering != nullptr) {
    m.offering_name = hardware.offering->name;
  }
  bench::Slo slo = profile.workload.slo;
  if (options.slo.ttft_ms) {
    slo.ttft_ms = options.slo.ttft_ms;
  }
  if (options.slo.tpot_ms) {
    slo.tpot_ms = options.slo.tpot_ms;
  }
  const bool has_slo = slo.ttft_ms || slo.tpot_ms;

  const bench::LevelResult* best = nullptr;
  const bench::LevelResult* closest = nullptr; // with an SLO nobody meets: the highest throughput tried
  std::string closest_miss;
  bool any_ok = false;
  for (const auto& l : profile.levels) {
    if (l.requests_ok <= 0) {
      continue;
    }
    any_ok = true;
    const std::string miss = has_slo ? slo_miss(l, slo, options.percentile) : std::string();
    if (!miss.empty()) {
      if (closest == nullptr || l.output_tokens_per_s > closest->output_tokens_per_s) {
        closest = &l;
        closest_miss = miss;
      }
      continue;
    }
    const bool better_class = best != nullptr && clean(l, options.max_error_rate) && !clean(*best, options.max_error_rate);
    const bool same_class = best == nullptr || clean(l, options.max_error_rate) == clean(*best, options.max_error_rate);
    if (best == nullptr || better_class || (same_class && l.output_tokens_per_s > best->output_tokens_per_s)) {
      best = &l;
    }
  }
  if (!any_ok) {
    throw Error(ErrorKind::input, fmt::format("{}: no level of the profile has a successful request", file),
                "run 'tpuplan bench' again once the server answers");
  }
  std::string targets;
  if (slo.ttft_ms) {
    targets += fmt::format("TTFT {} ≤ {:g} ms", to_string(options.percentile), *slo.ttft_ms);
  }
  if (slo.tpot_ms) {
    targets += fmt::format("{}TPOT {} ≤ {:g} ms", targets.empty() ? "" : ", ", to_string(options.percentile),
                           *slo.tpot_ms);
  }
  if (best == nullptr) {
    m.found = false;
    m.level = static_cast<std::size_t>(closest - profile.levels.data());
    m.level_label = bench::level_label(closest->load);
    m.selection = fmt::format("no level meets {} (highest throughput tried: {}, {})", targets, m.level_label,
                              closest_miss);
    return m;
  }
  m.found = true;
  m.level = static_cast<std::size_t>(best - profile.levels.data());
  m.level_label = bench::level_label(best->load);
  if (best->load.mode == bench::LoadMode::concurrency) {
    m.concurrency = best->load.concurrency;
  }
  m.mean_in_flight = best->mean_in_flight;
  m.output_tokens_per_s = best->output_tokens_per_s;
  m.requests_per_s = best->request_rps;
  if (best->input_tokens_per_request.count > 0) {
    m.input_tokens_per_request = best->input_tokens_per_request.mean;
  }
  if (best->output_tokens_per_request.count > 0) {
    m.output_tokens_per_request = best->output_tokens_per_request.mean;
  }
  m.ttft_ms = figure(slo_ttft(*best), options.percentile);
  m.tpot_ms = figure(best->tpot_ms, options.percentile);
  m.selection = has_slo ? fmt::format("{}: the highest output throughput meeting {}", m.level_label, targets)
                        : fmt::format("{}: the highest output throughput (no SLO)", m.level_label);

  if (profile.partial) {
    m.flags.push_back("partial run (interrupted)");
  }
  if (best->partial) {
    m.flags.push_back(fmt::format("{} is partial", m.level_label));
  }
  if (best->error_rate > options.max_error_rate) {
    m.flags.push_back(fmt::format("{:.1f}% of requests failed at {}", best->error_rate * 100, m.level_label));
  }
  if (best->output_tokens_source == bench::TokenSource::approx) {
    m.flags.push_back("output tokens approximate (counted by the client)");
  }
  return m;
}

bool measures(const MeasuredThroughput& measured, const Offering& offering) {
  if (!measured.offering_name.empty()) {
    return offering.name == measured.offering_name;
  }
  return offering.accelerator == measured.accelerator && offering.chips == measured.chips;
}

OfferingPick offering_pick(const MeasuredThroughput& measured) {
  return OfferingPick{measured.accelerator, measured.chips, measured.offering_name};
}

std::string workload_mismatch(const MeasuredThroughput& m, double input_tokens, double output_tokens) {
  const auto off = [](const std::optional<double>& measured, double asked) {
    return measured && (*measured > asked * 1.1 || *measured < asked / 1.1);
  };
  if (!off(m.input_tokens_per_request, input_tokens) && !off(m.output_tokens_per_request, output_tokens)) {
    return {};
  }
  const auto show = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f}", *v) : std::string("?"); };
  return fmt::format("{} measured {} input / {} output tokens per request, not the {:g} / {:g} asked; its "
                     "throughput is for its own workload",
                     m.file, show(m.input_tokens_per_request), show(m.output_tokens_per_request), input_tokens,
                     output_tokens);
}

} // namespace tpuplan
