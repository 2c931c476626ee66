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
  double tokens_per_day = 0;
  double input_tokens = 0;
  double output_tokens = 0;
  std::string buy;
  MemoryFlags memory;
  PricingFlags pricing;
  FilterFlags filter;
  CLI::Option* api_option = nullptr;
  CLI::Option* tokens_option = nullptr;
  CLI::Option* input_option = nullptr;
  CLI::Option* output_option = nullptr;
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

/// Full-load throughput of each option that holds the model. An option the estimator cannot
/// handle keeps no throughput and says why: per-token figures are extras, not the analysis.
void estimate_throughput(const BreakevenInputs& in, std::vector<BreakevenOption>& options) {
  for (auto& o : options) {
    if (!o.holds_model) {
      continue;
    }
    try {
      o.full_load = full_load_estimate(in.model.spec, *o.accelerator, o.offering->chips, in.memory, in.input_tokens,
                                       in.output_tokens);
    } catch (const Error& e) {
      o.estimate_problem = e.what();
    }
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
  sub.add_option("--offering", flags->offerings, "offering ids or names to compare (repeatable); default: the "
                                                 "smallest option per accelerator that holds the model");
  sub.add_option("--tier", flags->tiers, "tiers for the platform, api and buy tables and the charts "
                                         "(repeatable): on-demand, spot, 1y, 3y; default: all");
  add_filter_flags(sub, flags->filter);
  flags->api_option = sub.add_option("--api-usd-per-million-tokens", flags->api_usd_per_million_tokens,
                                     "a per-token API's blended price: adds the 'api' table");
  flags->tokens_option =
      sub.add_option("--tokens-per-day", flags->tokens_per_day, "your traffic, input + output tokens a day");
  flags->input_option = sub.add_option("--input-tokens", flags->input_tokens,
                                       "prompt tokens per request (throughput estimates; default 1000)");
  flags->output_option = sub.add_option("--output-tokens", flags->output_tokens,
                                        "output tokens per request (throughput estimates; default 1000)");
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
    if ((f.input_option->count() > 0) != (f.output_option->count() > 0)) {
      throw Error(ErrorKind::usage, "--input-tokens and --output-tokens go together",
                  "give both, e.g. --input-tokens 1000 --output-tokens 250");
    }
    const EstimateRequest defaults;
    in.workload_given = f.input_option->count() > 0;
    in.input_tokens = in.workload_given ? f.input_tokens : defaults.input_tokens;
    in.output_tokens = in.workload_given ? f.output_tokens : defaults.output_tokens;
    if (!(in.input_tokens >= 1 && in.output_tokens >= 1)) {
      throw Error(ErrorKind::usage,
                  fmt::format("--input-tokens/--output-tokens: {}/{} is not at least 1 token each", f.input_tokens,
                              f.output_tokens));
    }
    if (f.api_option->count() > 0) {
      ApiQuery api;
      api.usd_per_million_tokens = f.api_usd_per_million_tokens;
      if (f.tokens_option->count() > 0) {
        api.tokens_per_day = f.tokens_per_day;
      }
      if (in.workload_given) {
        api.tokens_per_request = in.input_tokens + in.output_tokens;
      }
      validate(api);
      in.api = api;
    } else if (f.tokens_option->count() > 0) {
      throw Error(ErrorKind::usage, "--tokens-per-day needs an API price", "add --api-usd-per-million-tokens X");
    }

    const DataSet& data = ctx.data();
    const Catalog& catalog = data.catalog;
    in.model = resolve_model(f.model, data.models);
    const OfferingFilter filter = to_filter(catalog, f.filter);
    CostQuery query;
    query.model = in.model.spec;
    query.memory = in.memory;
    query.pricing = in.pricing;
    query.filter = filter;
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
            in.options.push_back({o, &a, fit_memory(in.model.spec, a, o->chips, in.memory).fits, std::nullopt, {}});
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
      // Every size and region that holds the model: the platform table may pick any of them;
      // the commitment table shows one per accelerator (commitment_options says which).
      query.all = true;
      const auto rows = compare_costs(catalog, query).rows;
      for (const auto& row : commitment_options(rows)) {
        in.options.push_back({row.offering, row.accelerator, true, std::nullopt, {}});
      }
      for (const auto& row : rows) {
        if (row.fit.fits) {
          in.candidates.push_back({row.offering, row.accelerator, true, std::nullopt, {}});
        }
      }
    }
    estimate_throughput(in, in.options);
    estimate_throughput(in, in.candidates);
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
