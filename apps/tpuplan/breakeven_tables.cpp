#include "breakeven_tables.hpp"

#include "flags.hpp"

#include <tpuplan/units.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace tpuplan::app {

std::string tier_key(Tier t) {
  std::string k(to_string(t));
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

std::string usd_text(double v) { return "$" + format_human_number(v, 0); }

PricingOptions at_hours(const BreakevenInputs& in, double h) {
  PricingOptions p = in.pricing;
  p.hours_per_day = h;
  return p;
}

std::optional<int> replicas_at(const BreakevenOption& o, const BreakevenInputs& in, double h) {
  const auto rate = in.workload.requests_per_s(h);
  if (!rate) {
    return in.workload.has_load() && h > 0 && !o.capacity ? std::nullopt : std::optional<int>(1);
  }
  if (!o.capacity) {
    return std::nullopt;
  }
  return std::max(1, replicas_for(*rate, *o.capacity, in.workload));
}

std::optional<double> tokens_per_day_at(const BreakevenInputs& in, double h) {
  if (in.workload.tokens_per_day) {
    return in.workload.tokens_per_day;
  }
  if (in.workload.rate_requests_per_s) {
    return *in.workload.rate_requests_per_s * in.workload.tokens_per_request() * k_seconds_per_hour * h;
  }
  return std::nullopt;
}

namespace {

std::string hours_label(double h) { return format_human_number(h, 2) + " h/day"; }

bool has_load(const BreakevenInputs& in) { return in.workload.has_load(); }

/// How the platform table compares bills.
enum class Basis {
  equal_load,  ///< the bills of the replicas the load needs
  per_token,   ///< no load: each bill ÷ one replica's output tokens/s (cost per token at full load)
  per_replica  ///< no load and an option without throughput (it does not hold the model): one replica's bill
};

Basis basis_of(const BreakevenInputs& in) {
  if (has_load(in)) {
    return Basis::equal_load;
  }
  const bool all_estimated = std::all_of(in.candidates.begin(), in.candidates.end(), [](const BreakevenOption& o) {
    return o.capacity && o.capacity->best.output_tokens_per_s > 0;
  });
  return all_estimated && !in.candidates.empty() ? Basis::per_token : Basis::per_replica;
}

const char* basis_name(Basis b) {
  return b == Basis::equal_load ? "equal load" : b == Basis::per_token ? "per token" : "per replica";
}

/// How a bill compares at `h` under `basis`; nullopt when the option has no figure for it.
std::optional<double> scale_at(const BreakevenOption& o, const BreakevenInputs& in, double h, Basis basis) {
  switch (basis) {
  case Basis::equal_load: {
    const auto n = replicas_at(o, in, h);
    return n ? std::optional<double>(*n) : std::nullopt;
  }
  case Basis::per_token:
    if (!o.capacity || !(o.capacity->best.output_tokens_per_s > 0)) {
      return std::nullopt;
    }
    return 1.0 / o.capacity->best.output_tokens_per_s;
  case Basis::per_replica:
    return 1.0;
  }
  return std::nullopt;
}

Cell percent(const std::optional<double>& fraction) {
  return fraction ? Cell{*fraction * 100} : Cell{};
}

std::string option_name(const PricedOption& o) {
  return fmt::format("{} {}", o.offering->id, to_string(o.tier));
}

/// Priced options of `options` in `tiers`, optionally only those of one accelerator kind, with
/// their lines scaled for an equal-load comparison at `h` (scale_at); options without a figure
/// are left out.
std::vector<PricedOption> lines_of(const std::vector<BreakevenOption>& options, const std::vector<Tier>& tiers,
                                   std::optional<AcceleratorKind> kind, const BreakevenInputs& in, double h,
                                   Basis basis) {
  std::vector<PricedOption> out;
  const PricingOptions pricing = at_hours(in, h);
  for (const auto& o : options) {
    if (kind && o.accelerator->kind != *kind) {
      continue;
    }
    const auto scale = scale_at(o, in, h, basis);
    if (!scale) {
      continue;
    }
    for (auto p : priced_options(*o.offering, pricing)) {
      if (std::find(tiers.begin(), tiers.end(), p.tier) != tiers.end()) {
        p.line.fixed_usd_per_month *= *scale;
        p.line.usd_per_month_per_daily_hour *= *scale;
        out.push_back(p);
      }
    }
  }
  return out;
}

bool range_of_hours(const BreakevenInputs& in) { return in.hours.size() > 1; }

// ---- commitment ---------------------------------------------------------------------------

/// What a breakeven chart was drawn for: model and precision, request lengths, the load or
/// its absence, and the spot overhead.
std::string chart_subtitle(const BreakevenInputs& in) {
  return fmt::format("{} in {} · {} + {} tokens a request · {} · spot with {}% preemption overhead", in.model.spec.id,
                     to_string(in.memory.weights), format_human_number(in.workload.input_tokens, 0),
                     format_human_number(in.workload.output_tokens, 0), comparison_basis(in.workload, in.hours.back()),
                     format_human_number(in.pricing.spot_overhead * 100, 0));
}

void add_commitment(Report& r, const BreakevenInputs& in) {
  Table t;
  t.name = "commitment";
  t.title = "Commitment: monthly bill by tier, and the hours a day above which a commitment pays off";
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the service runs"},
               {"offering", "offering", 0, false, "offering id (name@region)"},
               {"accelerator", "accelerator", 0, true, "accelerator id"},
               {"chips", "chips", 0, true, "accelerator chips in the offering"},
               {"holds_model", "holds model", 0, true, "the model fits in the offering's memory"},
               {"replicas", "replicas", 0, !has_load(in), "replicas the load needs at the SLO (1 without a load)"}};  for (Tier tier : k_all_tiers) {
    t.columns.push_back({"usd_per_month_" + tier_key(tier), fmt::format("$/month {}", to_string(tier)), 0, false,
                         fmt::format("monthly bill of the replicas in the {} tier (absent: no price)", to_string(tier))});
  }
  t.columns.push_back({"cheapest_tier", "cheapest", 0, false, "tier with the lowest monthly bill at these hours"});
  for (const char* c : {"1y", "3y"}) {
    t.columns.push_back({fmt::format("breakeven_{}_vs_on_demand_hours_per_day", c), fmt::format("{} b/e vs OD h/day", c),
                         1, false, fmt::format("{} commitment is cheaper than on-demand above this: 24 × (1 − discount)", c)});
  }
  for (const char* c : {"1y", "3y"}) {
    t.columns.push_back({fmt::format("breakeven_{}_vs_spot_hours_per_day", c), fmt::format("{} b/e vs spot h/day", c),
                         1, true, fmt::format("{} commitment is cheaper than spot (with overhead) above this", c)});
  }
  for (const char* c : {"1y", "3y"}) {
    t.columns.push_back({fmt::format("discount_{}_percent", c), fmt::format("{} discount %", c), 1, true,
                         fmt::format("1 − {} ÷ on-demand hourly price", c)});
    t.columns.push_back({fmt::format("savings_{}_vs_on_demand_usd_per_month", c),
                         fmt::format("{} saves $/month", c), 0, true,
                         fmt::format("on-demand bill − {} bill at these hours (negative: the commitment costs more)", c)});
  }
  for (Tier tier : {Tier::on_demand, Tier::commit_1y, Tier::commit_3y}) {
    t.columns.push_back({"spot_breakeven_overhead_vs_" + tier_key(tier) + "_percent",
                         fmt::format("spot b/e overhead vs {} %", to_string(tier)), 0, tier != Tier::on_demand,
                         fmt::format("spot is cheaper than {} while it loses less than this share of the hours used "
                                     "to preemption (negative: never)",
                                     to_string(tier))});
  }
  for (Tier tier : k_all_tiers) {
    t.columns.push_back({"usd_per_hour_" + tier_key(tier), fmt::format("$/h {}", to_string(tier)), 2, true,
                         fmt::format("{} list price per hour", to_string(tier))});
  }

  for (double h : in.hours) {
    const PricingOptions p = at_hours(in, h);
    for (const auto& o : in.options) {
      const auto b = commitment_breakeven(*o.offering, p);
      const auto replicas = replicas_at(o, in, h);
      const double n = replicas.value_or(1);
      auto times_n = [&](const std::optional<double>& v) { return v && replicas ? Cell{*v * n} : Cell{}; };
      std::vector<Cell> row = {h, o.offering->id, o.accelerator->id, std::int64_t{o.offering->chips}, o.holds_model,
                               replicas ? Cell{std::int64_t{*replicas}} : Cell{}};
      for (Tier tier : k_all_tiers) {
        row.push_back(times_n(b.cost.monthly(tier)));
      }
      row.push_back(b.cost.cheapest ? Cell{std::string(to_string(*b.cost.cheapest))} : Cell{});
      for (const auto* v : {&b.commit_1y_vs_on_demand, &b.commit_3y_vs_on_demand, &b.commit_1y_vs_spot,
                            &b.commit_3y_vs_spot}) {
        row.push_back(cell(*v));
      }
      row.push_back(percent(b.discount_1y));
      row.push_back(times_n(b.savings_1y_usd_per_month));
      row.push_back(percent(b.discount_3y));
      row.push_back(times_n(b.savings_3y_usd_per_month));
      row.push_back(percent(b.spot_overhead_vs_on_demand));
      row.push_back(percent(b.spot_overhead_vs_1y));
      row.push_back(percent(b.spot_overhead_vs_3y));
      for (Tier tier : k_all_tiers) {
        row.push_back(cell(b.cost.hourly(tier)));
      }
      t.rows.push_back(std::move(row));
    }
  }
  t.notes.push_back("Commitments bill every hour of the month; on-demand and spot bill the hours used. A commitment "
                    "is cheaper above its break-even hours a day; a break-even above 24 means it never pays off.");
  t.notes.push_back(fmt::format("Spot bills include a {}% preemption overhead (--spot-overhead); spot capacity can "
                                "be reclaimed at any time.",
                                format_human_number(in.pricing.spot_overhead * 100, 0)));
  t.notes.push_back("Comparison: " + comparison_basis(in.workload, in.hours.back()) +
                    (has_load(in) ? "; bills are of the replicas the load needs." : "; bills are of one replica."));
  for (const auto& o : in.options) {
    if (o.holds_model && has_load(in) && !o.capacity) {
      t.notes.push_back(fmt::format("{}: no replica count for the load ({}).", o.offering->id,
                                    o.estimate_problem.empty() ? "no batch meets the SLO" : o.estimate_problem));
    }
  }
  for (const auto& o : in.options) {
    if (!o.holds_model) {
      t.notes.push_back(fmt::format("{} does not hold {} at {} ({} × {} GiB): compared as given.", o.offering->id,
                                    in.model.spec.id, to_string(in.memory.weights), o.offering->chips,
                                    format_human_number(o.accelerator->hbm_gib, 0)));
    }
  }
  r.tables.push_back(std::move(t));

  Chart c;
  c.table = "commitment";
  c.title = fmt::format("Monthly cost of {} against hours per day, by option and tier", in.model.spec.id);
  c.subtitle = chart_subtitle(in);
  c.x = "hours_per_day";
  c.group = "offering";
  for (Tier tier : in.tiers) {
    c.y.push_back("usd_per_month_" + tier_key(tier));
    c.y_labels.emplace_back(to_string(tier));
  }
  c.x_title = "hours per day the service runs (h)";
  c.y_title = "monthly cost (USD)";
  const PricingOptions p = at_hours(in, in.hours.front());
  for (const auto& o : in.options) {
    const auto b = commitment_breakeven(*o.offering, p);
    for (const auto& [tier, be] : {std::pair{Tier::commit_1y, b.commit_1y_vs_on_demand},
                                   std::pair{Tier::commit_3y, b.commit_3y_vs_on_demand}}) {
      const bool charted = std::find(in.tiers.begin(), in.tiers.end(), tier) != in.tiers.end() &&
                           std::find(in.tiers.begin(), in.tiers.end(), Tier::on_demand) != in.tiers.end();
      if (be && charted && *be >= in.hours.front() && *be <= in.hours.back()) {
        const double y = *b.cost.monthly(tier) * replicas_at(o, in, *be).value_or(1);
        c.markers.push_back({*be, y,
                             fmt::format("{}: {} = on-demand at {} ({}/month)", o.offering->id, to_string(tier),
                                         hours_label(*be), usd_text(y)),
                             {o.offering->id + " · on-demand", o.offering->id + " · " + std::string(to_string(tier))}});
      }
    }
  }
  r.charts.push_back(std::move(c));
}

// ---- platform -----------------------------------------------------------------------------

void add_platform(Report& r, const BreakevenInputs& in) {
  const bool load = has_load(in);
  const Basis basis = basis_of(in);
  Table t;
  t.name = "platform";
  t.title = fmt::format("Platform: the cheapest TPU option against the cheapest GPU option for {}, {}", in.model.spec.id,
                        basis == Basis::equal_load  ? "at equal load"
                        : basis == Basis::per_token ? "per output token at full load (no load given)"
                                                    : "per replica (no load given)");
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the service runs"},
               {"tier", "tier", 0, false, "the tier compared; 'cheapest' takes each platform's cheapest tier"},
               {"basis", "basis", 0, true,
                "'equal load': bills of the replicas the load needs; 'per token': no load given, so options are ranked "
                "by $/1M output tokens at full load and the bills are of one replica; 'per replica': no load and an "
                "option without a throughput figure, so one replica's bills are compared"},
               {"tpu_offering", "TPU option", 0, false, "cheapest TPU offering in this tier"},
               {"tpu_tier", "TPU tier", 0, true, "its tier"},
               {"tpu_holds_model", "TPU holds model", 0, true, "the model fits in it"},
               {"tpu_replicas", "TPU replicas", 0, !load, "replicas the load needs (1 without a load)"},
               {"tpu_usd_per_month", "TPU $/month", 0, false, "monthly bill of its replicas"},
               {"gpu_offering", "GPU option", 0, false, "cheapest GPU offering in this tier"},
               {"gpu_tier", "GPU tier", 0, true, "its tier"},
               {"gpu_holds_model", "GPU holds model", 0, true, "the model fits in it"},
               {"gpu_replicas", "GPU replicas", 0, !load, "replicas the load needs (1 without a load)"},
               {"gpu_usd_per_month", "GPU $/month", 0, false, "monthly bill of its replicas"},
               {"winner", "winner", 0, false, "tpu, gpu or tie: at equal load, or per token without a load"},
               {"savings_usd_per_month", "saves $/month", 0, !load,
                "loser's bill − winner's bill at equal load (absent without a load)"},
               {"savings_percent", "saves %", 1, false,
                "savings ÷ loser's bill at equal load, or ÷ loser's $/1M tokens without a load"},
               {"winner_changes_at_hours_per_day", "winner changes at h/day", 2, false,
                "the first usage in 0–24 h/day where the other platform becomes cheaper (absent: never)"},
               {"tpu_usd_per_million_output_tokens", "TPU $/1M out", 3, false,
                "TPU bill ÷ output tokens served in the hours used: the load's, or one replica's at full load"},
               {"gpu_usd_per_million_output_tokens", "GPU $/1M out", 3, false,
                "GPU bill ÷ output tokens served in the hours used: the load's, or one replica's at full load"},
               {"tpu_output_tokens_per_s", "TPU out tok/s", 0, true, "estimated output tokens/s of one replica at capacity"},
               {"gpu_output_tokens_per_s", "GPU out tok/s", 0, true, "estimated output tokens/s of one replica at capacity"}};

  struct Row {
    std::string label;
    std::vector<Tier> tiers;
  };
  std::vector<Row> kinds;
  for (Tier tier : in.tiers) {
    kinds.push_back({std::string(to_string(tier)), {tier}});
  }
  kinds.push_back({"cheapest", in.tiers});
  auto option_of = [&](const std::optional<PricedOption>& o) -> const BreakevenOption* {
    for (const auto& c : in.candidates) {
      if (o && c.offering == o->offering) {
        return &c;
      }
    }
    return nullptr;
  };
  auto holds = [&](const std::optional<PricedOption>& o) -> Cell {
    const auto* c = option_of(o);
    return c ? Cell{c->holds_model} : Cell{};
  };
  auto tokens_per_s = [&](const std::optional<PricedOption>& o) -> std::optional<double> {
    const auto* c = option_of(o);
    return c && c->capacity ? std::optional<double>(c->capacity->best.output_tokens_per_s) : std::nullopt;
  };
  std::vector<ChartMarker> markers;
  for (const auto& k : kinds) {
    bool any_tpu = false, any_gpu = false;
    for (double h : in.hours) {
      const auto tpu = lines_of(in.candidates, k.tiers, AcceleratorKind::tpu, in, h, basis);
      const auto gpu = lines_of(in.candidates, k.tiers, AcceleratorKind::gpu, in, h, basis);
      any_tpu = any_tpu || !tpu.empty();
      any_gpu = any_gpu || !gpu.empty();
      if (tpu.empty() && gpu.empty()) {
        continue;
      }
      const auto swaps = crossovers(tpu, gpu);
      const auto c = compare_groups(tpu, gpu, h);
      const PricingOptions p = at_hours(in, h);
      // The fleet (or one replica's) bill and its cost per token, of the option chosen in a group.
      auto bill = [&](const std::optional<PricedOption>& o) -> std::optional<double> {
        if (!o) {
          return std::nullopt;
        }
        const double one = monthly_cost(o->offering->price(o->tier)->usd_per_hour, o->tier, p);
        return one * (load ? replicas_at(*option_of(o), in, h).value_or(1) : 1);
      };
      auto replicas = [&](const std::optional<PricedOption>& o) -> Cell {
        if (!o) {
          return {};
        }
        return Cell{std::int64_t{load ? replicas_at(*option_of(o), in, h).value_or(1) : 1}};
      };
      auto per_token = [&](const std::optional<PricedOption>& o) -> Cell {
        const auto b = bill(o);
        if (!b) {
          return {};
        }
        if (load) {
          const auto rate = in.workload.requests_per_s(h);
          return rate ? cell(usd_per_million_tokens_at(*b, *rate * in.workload.output_tokens, p)) : Cell{};
        }
        const auto tps = tokens_per_s(o);
        return tps ? cell(usd_per_million_tokens_at(*b, *tps, p)) : Cell{};
      };
      const Cell winner = !c.winner ? Cell{} : Cell{std::string(*c.winner == 1 ? "tpu" : *c.winner == 2 ? "gpu" : "tie")};
      t.rows.push_back({h, k.label, std::string(basis_name(basis)),
                        c.first ? Cell{c.first->offering->id} : Cell{},
                        c.first ? Cell{std::string(to_string(c.first->tier))} : Cell{}, holds(c.first),
                        replicas(c.first), cell(bill(c.first)), c.second ? Cell{c.second->offering->id} : Cell{},
                        c.second ? Cell{std::string(to_string(c.second->tier))} : Cell{}, holds(c.second),
                        replicas(c.second), cell(bill(c.second)), winner,
                        basis != Basis::per_token ? cell(c.savings_usd_per_month) : Cell{}, percent(c.savings_fraction),
                        swaps.empty() ? Cell{} : Cell{swaps.front().hours_per_day}, per_token(c.first),
                        per_token(c.second), cell(tokens_per_s(c.first)), cell(tokens_per_s(c.second))});
      if (h != in.hours.front() || tpu.empty() || gpu.empty()) {
        continue;
      }
      // Say who wins on each side of every swap, with the option that wins there.
      std::vector<double> bounds = {0};
      for (const auto& sw : swaps) {
        bounds.push_back(sw.hours_per_day);
      }
      bounds.push_back(k_hours_per_day);
      for (std::size_t i = 0; i < swaps.size(); ++i) {
        const auto before = compare_groups(tpu, gpu, (bounds[i] + bounds[i + 1]) / 2);
        const auto after = compare_groups(tpu, gpu, (bounds[i + 1] + bounds[i + 2]) / 2);
        auto side = [](const GroupComparison& g) {
          return *g.winner == 1 ? "TPU (" + option_name(*g.first) + ")" : "GPU (" + option_name(*g.second) + ")";
        };
        t.notes.push_back(fmt::format("{}: at {} the cheaper platform changes from {} to {}{}.", k.label,
                                      hours_label(swaps[i].hours_per_day), side(before), side(after),
                                      basis != Basis::per_token ? ", at " + usd_text(swaps[i].usd_per_month) + "/month"
                                                                : ""));
        if (basis != Basis::per_token && swaps[i].hours_per_day >= in.hours.front() && swaps[i].hours_per_day <= in.hours.back()) {
          markers.push_back({swaps[i].hours_per_day, swaps[i].usd_per_month,
                             fmt::format("{}: TPU = GPU at {} ({}/month)", k.label, hours_label(swaps[i].hours_per_day),
                                         usd_text(swaps[i].usd_per_month)),
                             {k.label + " · TPU", k.label + " · GPU"}});
        }
      }
    }
    if (!any_tpu && !any_gpu) {
      t.notes.push_back(fmt::format("{}: no option has a price in this tier.", k.label));
    } else if ((!any_tpu || !any_gpu) && k.tiers.size() == 1) {
      t.notes.push_back(fmt::format("{}: no {} option has a price in this tier.", k.label, any_tpu ? "GPU" : "TPU"));
    }
  }
  if (std::none_of(in.candidates.begin(), in.candidates.end(),
                   [](const auto& c) { return c.accelerator->kind == AcceleratorKind::tpu; })) {
    t.notes.push_back("No TPU option to compare: none given, or none holds the model.");
  }
  if (std::none_of(in.candidates.begin(), in.candidates.end(),
                   [](const auto& c) { return c.accelerator->kind == AcceleratorKind::gpu; })) {
    t.notes.push_back("No GPU option to compare: none given, or none holds the model.");
  }
  t.notes.push_back("Comparison: " + comparison_basis(in.workload, in.hours.back()) + ".");
  if (basis == Basis::per_token) {
    t.notes.push_back("Without a load the winner is the lower cost per output token at full load — what serving any "
                      "load costs up to rounding to whole replicas; the $/month columns are one replica's bill. Give "
                      "--rate or --tokens-per-day to compare the bills of serving it.");
  } else if (basis == Basis::per_replica) {
    t.notes.push_back("Per replica: no load is given and an option has no throughput figure (it does not hold the "
                      "model, or no batch meets the SLO), so one replica's bills are compared as given, whatever each "
                      "serves. Give --rate or --tokens-per-day to compare at equal load.");
  }
  t.notes.push_back("Within one tier both bills grow alike with the hours (or not at all), so the winner of a tier "
                    "does not depend on usage; the 'cheapest' rows take each platform's cheapest tier, whose winner can.");
  t.notes.push_back(fmt::format(
      "Throughput: the estimator's best batch within the SLO for requests of {} + {} tokens{} — an estimate, not a "
      "measurement (tpuplan estimate).",
      format_human_number(in.workload.input_tokens, 0), format_human_number(in.workload.output_tokens, 0),
      in.lengths_given ? "" : " (the default; set --input-tokens/--output-tokens)"));
  for (const auto& o : in.candidates) {
    if (!o.estimate_problem.empty()) {
      t.notes.push_back(fmt::format("{}: no throughput estimate ({}).", o.offering->id, o.estimate_problem));
    }
  }
  r.tables.push_back(std::move(t));

  Chart c;
  c.table = "platform";
  c.title = fmt::format("Cheapest TPU vs cheapest GPU option for {} against hours per day, by tier",
                        in.model.spec.id);
  c.subtitle = chart_subtitle(in);
  c.x = "hours_per_day";
  c.group = "tier";
  c.y = {"tpu_usd_per_month", "gpu_usd_per_month"};
  c.y_labels = {"TPU", "GPU"};
  c.x_title = "hours per day the service runs (h)";
  c.y_title = load ? "monthly cost of the load (USD)" : "monthly cost (USD)";
  c.markers = std::move(markers);
  r.charts.push_back(std::move(c));
}

} // namespace

Report breakeven_report(const Catalog& catalog, const BreakevenInputs& in) {
  Report r;
  r.command = "breakeven";
  r.inputs["model"] = in.model.spec.id;
  r.inputs["model_resolved_from"] = in.model.resolved_from;
  r.inputs["precision"] = std::string(to_string(in.memory.weights));
  r.inputs["hours"] = in.hours_text;
  r.inputs["tiers"] = nlohmann::ordered_json::array();
  for (Tier t : in.tiers) {
    r.inputs["tiers"].push_back(std::string(to_string(t)));
  }
  r.inputs["offerings"] = nlohmann::ordered_json::array();
  for (const auto& o : in.options) {
    r.inputs["offerings"].push_back(o.offering->id);
  }
  if (in.api) {
    r.inputs["api_usd_per_million_tokens"] = in.api->usd_per_million_tokens;
  }
  add_workload_inputs(r, in.workload);
  if (in.buy) {
    r.inputs["buy"] = in.buy->file;
  }

  add_commitment(r, in);
  add_platform(r, in);
  if (in.api) {
    add_api_table(r, in);
  }
  if (in.buy) {
    add_buy_table(r, catalog, in);
  }

  add_pricing_assumptions(r, at_hours(in, in.hours.front()));
  if (range_of_hours(in)) {
    r.assumptions.front().value = in.hours_text;
  }
  add_memory_assumptions(r, in.memory, in.perf.user);
  {
    std::vector<const Accelerator*> accelerators;
    for (const auto* list : {&in.options, &in.candidates}) {
      for (const auto& o : *list) {
        if (o.accelerator != nullptr && std::find(accelerators.begin(), accelerators.end(), o.accelerator) == accelerators.end()) {
          accelerators.push_back(o.accelerator);
        }
      }
    }
    add_engine_report(r, in.perf, accelerators);
  }
  add_layout_report(r, in.perf);
  const char* defaults = in.lengths_given ? "" : " (the default; --input-tokens/--output-tokens set it)";
  r.assumptions.push_back({"input_tokens", in.workload.input_tokens, "tokens",
                           fmt::format("prompt tokens per request, for throughput estimates{}", defaults), ""});
  r.assumptions.push_back({"output_tokens", in.workload.output_tokens, "tokens",
                           fmt::format("output tokens per request, for throughput estimates{}", defaults), ""});
  r.assumptions.push_back({"throughput", std::string("best batch within the SLO"), "",
                           "replicas and per-token cost use the estimator's best batch that fits and meets the "
                           "latency targets, with the default efficiency factors of each accelerator family (an estimate)",
                           "docs/methodology.md §Estimator"});
  // The price of every offering a table names, with its sources and dates.
  std::set<std::string> listed;
  for (const auto& t : r.tables) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      const auto& key = t.columns[c].key;
      if (key != "offering" && key != "tpu_offering" && key != "gpu_offering") {
        continue;
      }
      for (const auto& row : t.rows) {
        const auto* id = std::get_if<std::string>(&row[c]);
        const Offering* o = id ? catalog.find_offering(*id) : nullptr;
        if (o == nullptr || !listed.insert(o->id).second) {
          continue;
        }
        std::set<std::string> sources, dates;
        std::vector<std::string> tiers;
        for (Tier tier : k_all_tiers) {
          if (const auto& p = o->price(tier)) {
            sources.insert(p->source);
            if (!p->as_of.empty()) {
              dates.insert(p->as_of);
            }
            tiers.emplace_back(to_string(tier));
          }
        }
        r.assumptions.push_back({"prices." + o->id,
                                 dates.empty() ? std::string("undated") : fmt::format("as of {}", fmt::join(dates, ", ")),
                                 "",
                                 fmt::format("{} prices ({})", o->id, fmt::join(tiers, ", ")),
                                 fmt::format("{}", fmt::join(sources, "; "))});
      }
    }
  }
  // --explain: the commitment arithmetic of the first option with a commitment price, at the
  // first hours a day asked for (the formulas: docs/breakeven.md).
  for (const auto& option : in.options) {
    const Offering& o = *option.offering;
    const auto& od = o.price(Tier::on_demand);
    if (!od || (!o.price(Tier::commit_1y) && !o.price(Tier::commit_3y))) {
      continue;
    }
    const double h = in.hours.front();
    const PricingOptions p = at_hours(in, h);
    const double days = days_per_month(p.hours_per_month);
    const double od_bill = monthly_cost(od->usd_per_hour, Tier::on_demand, p);
    r.explain.push_back(fmt::format("{}, the first option with a commitment price, at {}:", o.id, hours_label(h)));
    r.explain.push_back(fmt::format("on-demand bill = {} $/h × {} h/day × {} days = {} $/month",
                                    format_raw_number(od->usd_per_hour), format_raw_number(h),
                                    format_human_number(days, 2), format_human_number(od_bill, 0)));
    if (const auto& spot = o.price(Tier::spot)) {
      r.explain.push_back(fmt::format("spot bill = {} $/h × (1 + {} preemption overhead) × {} h/day × {} days = {} $/month",
                                      format_raw_number(spot->usd_per_hour), format_raw_number(p.spot_overhead),
                                      format_raw_number(h), format_human_number(days, 2),
                                      format_human_number(monthly_cost(spot->usd_per_hour, Tier::spot, p), 0)));
    }
    for (Tier t : {Tier::commit_1y, Tier::commit_3y}) {
      const auto& c = o.price(t);
      if (!c) {
        continue;
      }
      const double bill = monthly_cost(c->usd_per_hour, t, p);
      r.explain.push_back(fmt::format("{} bill = {} $/h × {} h (every hour of the month) = {} $/month; break-even = "
                                      "24 h × {} ÷ {} = {}, so at {} the {} is {}",
                                      to_string(t), format_raw_number(c->usd_per_hour),
                                      format_raw_number(p.hours_per_month), format_human_number(bill, 0),
                                      format_raw_number(c->usd_per_hour), format_raw_number(od->usd_per_hour),
                                      hours_label(breakeven_hours_per_day(c->usd_per_hour, od->usd_per_hour,
                                                                          Tier::on_demand, p)),
                                      hours_label(h), to_string(t), bill < od_bill ? "cheaper than on-demand"
                                                                                   : "not cheaper than on-demand"));
    }
    break;
  }
  return r;
}

} // namespace tpuplan::app
