// `tpuplan breakeven`: for a usage pattern (hours a day), which pricing tier and which platform
// win, and where the crossovers are. Flags and inputs here; the tables are assembled in
// breakeven_tables.cpp; every formula is in lib/tpuplan/money/breakeven and onprem.
#include "breakeven_tables.hpp"
#include "command.hpp"
#include "flags.hpp"

#include <tpuplan/data/catalog_query.hpp>
#include <tpuplan/error.hpp>

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace tpuplan::app {

namespace {

/// The most hours a curve may hold: 24 h in steps of 0.025 h (1.5 minutes).
constexpr std::size_t k_max_hour_points = 961;

struct BreakevenFlags {
  std::string hours = "24";
  std::string model = "70b";
  std::vector<std::string> offerings;
  std::vector<std::string> tiers;
  double api_usd_per_million_tokens = 0;
  std::string buy;
  MemoryFlags memory;
  std::string engine;
  std::optional<std::int64_t> tp; // --tp, range-checked before narrowing
  PricingFlags pricing;
  FilterFlags filter;
  WorkloadFlags workload;
  CLI::Option* api_option = nullptr;
};

std::optional<double> to_number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

[[noreturn]] void bad_hours(const std::string& text, const std::string& why) {
  throw Error(ErrorKind::usage, fmt::format("--hours: '{}' {}", text, why),
              "accepted: H or FROM..TO[:STEP] within 0–24, e.g. --hours 8, --hours 1..24, --hours 0..24:0.5");
}

/// The hours a day to analyse: one value, or the grid FROM, FROM + STEP, … ≤ TO.
std::vector<double> parse_hours(const std::string& text) {
  const auto dots = text.find("..");
  if (dots == std::string::npos) {
    const auto h = to_number(text);
    if (!h) {
      bad_hours(text, "is not a number of hours");
    }
    if (*h < 0 || *h > 24) {
      bad_hours(text, "is outside 0–24 hours per day");
    }
    return {*h};
  }
  const auto colon = text.find(':', dots);
  const auto from = to_number(std::string_view(text).substr(0, dots));
  const auto to = to_number(std::string_view(text).substr(dots + 2, colon == std::string::npos ? std::string::npos
                                                                                                : colon - dots - 2));
  const auto step = colon == std::string::npos ? std::optional<double>(1.0)
                                               : to_number(std::string_view(text).substr(colon + 1));
  if (!from || !to || !step) {
    bad_hours(text, "is not a range of hours");
  }
  if (*from < 0 || *to > 24) {
    bad_hours(text, "is outside 0–24 hours per day");
  }
  if (!(*from < *to)) {
    bad_hours(text, "must go from a smaller to a larger number of hours");
  }
  if (!(*step > 0) || (*to - *from) / *step + 1 > static_cast<double>(k_max_hour_points)) {
    bad_hours(text, fmt::format("needs a step > 0 giving at most {} points", k_max_hour_points));
  }
  std::vector<double> grid;
  // Multiples of the step from `from` (no accumulated rounding); the end is kept when reached.
  for (std::size_t i = 0;; ++i) {
    const double h = *from + static_cast<double>(i) * *step;
    if (h > *to + 1e-9) {
      break;
    }
    grid.push_back(std::min(h, *to));
  }
  return grid;
}

/// The capacity at the SLO of each option that holds the model. An option the estimator cannot
/// handle keeps no capacity and says why: the bills are compared without it.
void estimate_capacity(const BreakevenInputs& in, std::vector<BreakevenOption>& options) {
  CapacityMemo memo(in.perf, in.workload);
  for (auto& o : options) {
    if (!o.holds_model) {
      continue;
    }
    const CapacityAnswer& answer = memo.get(*o.accelerator, o.offering->chips, in.memory.weights);
    o.capacity = answer.capacity;
    o.estimate_problem = answer.problem;
  }
}

} // namespace

Runner setup_breakeven(CLI::App& sub) {
  sub.description("For a usage pattern, which pricing tier and which platform win, and where the crossovers are:\n"
                  "tables 'commitment', 'platform', 'api' (with --api-usd-per-million-tokens) and 'buy' (with --buy).\n"
                  "--hours 1..24 gives the curves; --format svg -o chart.svg draws them.");
  auto flags = std::make_shared<BreakevenFlags>();
  sub.add_option("--hours", flags->hours, "hours a day the service runs: H, or FROM..TO[:STEP] for the curve")
      ->capture_default_str();
  add_billing_flags(sub, flags->pricing);
  sub.add_option("-m,--model", flags->model, "model the options must hold: preset, alias (70b) or config.json")
      ->capture_default_str();
  add_memory_flags(sub, flags->memory);
  add_engine_flag(sub, flags->engine);
  add_tp_flag(sub, flags->tp);
  sub.add_option("--offering", flags->offerings, "offering ids or names to compare (a list, or repeated); default: "
                                                 "the best option per accelerator and cloud that holds the model")
      ->delimiter(',');
  sub.add_option("--tier", flags->tiers, "tiers for the platform, api and buy tables and the charts "
                                         "(a list, or repeated): on-demand, spot, 1y, 3y; default: all")
      ->delimiter(',');
  add_filter_flags(sub, flags->filter);
  flags->api_option = sub.add_option("--api-usd-per-million-tokens", flags->api_usd_per_million_tokens,
                                     "a per-token API's blended price: adds the 'api' table");
  add_workload_flags(sub, flags->workload, k_open_load);
  sub.add_option("--buy", flags->buy, "a YAML sheet of hardware to buy (examples/on-prem.yaml): adds the 'buy' table");

  return [flags](Context& ctx) {
    const auto& f = *flags;
    BreakevenInputs in;
    in.hours = parse_hours(f.hours);
    in.hours_text = f.hours;
    in.pricing = to_pricing_options(f.pricing);
    in.memory = to_memory_options(f.memory);
    if (ctx.format() == Format::svg && in.hours.size() < 2) {
      throw Error(ErrorKind::usage, "--format svg draws monthly cost against hours per day: give --hours a range",
                  "e.g. --hours 0..24 or --hours 1..24:0.5");
    }
    for (const auto& t : f.tiers) {
      const Tier tier = parse_tier_flag("--tier", t);
      if (std::find(in.tiers.begin(), in.tiers.end(), tier) == in.tiers.end()) {
        in.tiers.push_back(tier);
      }
    }
    if (in.tiers.empty()) {
      in.tiers.assign(k_all_tiers.begin(), k_all_tiers.end());
    }
    std::sort(in.tiers.begin(), in.tiers.end());
    in.workload = to_workload(f.workload);
    in.lengths_given = lengths_given(f.workload) || in.workload.lengths.has_value();
    in.memory.context_tokens = in.workload.context();
    if (f.api_option->count() > 0) {
      ApiQuery api;
      api.usd_per_million_tokens = f.api_usd_per_million_tokens;
      api.tokens_per_request = in.workload.tokens_per_request();
      validate(api);
      in.api = api;
    }

    const DataSet& data = ctx.data();
    const Catalog& catalog = data.catalog;
    in.model = resolve_model(f.model, data.models);
    in.perf.model = in.model.spec;
    in.perf.kv = in.memory.kv;
    in.perf.headroom_fraction = in.memory.headroom_fraction;
    set_engine(in.perf, data, f.engine, to_engine_settings(f.memory));
    set_tp(in.perf, f.tp);
    in.perf.overhead_gib_per_chip = in.memory.overhead_gib_per_chip;
    const OfferingFilter filter = to_filter(catalog, f.filter);
    CostQuery query;
    query.memory = in.memory;
    query.pricing = at_hours(in, in.hours.back());
    query.filter = filter;
    query.workload = in.workload;
    query.perf = in.perf;
    if (!f.offerings.empty()) {
      // The user's own choice is compared as given, whether or not it holds the model (said per row).
      std::set<std::string> seen;
      const auto selected = select_offerings(catalog, filter);
      const std::set<const Offering*> allowed(selected.begin(), selected.end());
      for (const auto& key : f.offerings) {
        const auto found = catalog.match_offerings(key);
        if (found.empty()) {
          throw_unknown("offering", key, catalog.offering_names());
        }
        for (const Offering* o : found) {
          if (allowed.count(o) > 0 && seen.insert(o->id).second) {
            const Accelerator& a = catalog.accelerator_of(*o);
            in.options.push_back({o, &a, fit_memory(in.model.spec, a, o->chips, in.perf.memory_for(a, in.memory)).fits, std::nullopt, {}});
          }
        }
      }
      for (const auto& option : in.options) {
        for (Tier t : in.tiers) {
          if (!f.tiers.empty() && !option.offering->price(t)) {
            throw Error(ErrorKind::usage,
                        fmt::format("--tier {}: offering '{}' has no {} price", to_string(t), option.offering->id,
                                    to_string(t)),
                        "leave that tier out, or compare offerings that have it");
          }
        }
      }
      in.candidates = in.options;
    } else {
      // The options cost picks (the best at the load, one region each by the rule every command
      // shares), per accelerator and cloud: a commitment is bought from one cloud, so each cloud's
      // tiers are shown. The platform table may pick any option that holds the model.
      query.per_cloud = true;
      const CostResult result = compare_costs(catalog, query);
      for (const auto& row : result.rows) {
        if (row.fit.fits) {
          in.options.push_back({row.offering, row.accelerator, true, std::nullopt, {}});
        }
      }
      for (const auto& row : result.considered) {
        if (row.fit.fits) {
          in.candidates.push_back({row.offering, row.accelerator, true, std::nullopt, {}});
        }
      }
    }
    estimate_capacity(in, in.options);
    estimate_capacity(in, in.candidates);
    if (in.options.empty()) {
      throw Error(ErrorKind::infeasible,
                  fmt::format("no offering{} holds {} at {}", f.offerings.empty() ? "" : " given", in.model.spec.id,
                              to_string(in.memory.weights)),
                  "try a lower --precision, other --offering values, or fewer filters");
    }
    if (!f.buy.empty()) {
      in.buy = load_onprem(f.buy);
      for (const auto& m : in.buy->machines) {
        if (catalog.find_accelerator(m.accelerator) == nullptr) {
          throw Error(ErrorKind::input,
                      fmt::format("{}: machine '{}': unknown accelerator '{}'", in.buy->file, m.id, m.accelerator),
                      suggestion(m.accelerator, catalog.accelerator_ids()));
        }
      }
    }
    ctx.emit(breakeven_report(catalog, in));
    return 0;
  };
}

} // namespace tpuplan::app
