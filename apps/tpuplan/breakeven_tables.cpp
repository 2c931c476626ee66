#include "breakeven_tables.hpp"

#include "flags.hpp"

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

namespace {

std::string hours_label(double h) { return format_human_number(h, 2) + " h/day"; }

Cell percent(const std::optional<double>& fraction) {
  return fraction ? Cell{*fraction * 100} : Cell{};
}

std::string option_name(const PricedOption& o) {
  return fmt::format("{} {}", o.offering->id, to_string(o.tier));
}

/// Priced options of `options` in `tiers`, optionally only those of one accelerator kind.
std::vector<PricedOption> lines_of(const std::vector<BreakevenOption>& options, const std::vector<Tier>& tiers,
                                   std::optional<AcceleratorKind> kind, const PricingOptions& pricing) {
  std::vector<PricedOption> out;
  for (const auto& o : options) {
    if (kind && o.accelerator->kind != *kind) {
      continue;
    }
    for (const auto& p : priced_options(*o.offering, pricing)) {
      if (std::find(tiers.begin(), tiers.end(), p.tier) != tiers.end()) {
        out.push_back(p);
      }
    }
  }
  return out;
}

bool range_of_hours(const BreakevenInputs& in) { return in.hours.size() > 1; }

// ---- commitment ---------------------------------------------------------------------------

void add_commitment(Report& r, const BreakevenInputs& in) {
  Table t;
  t.name = "commitment";
  t.title = "Commitment: monthly bill by tier, and the hours a day above which a commitment pays off";
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the service runs"},
               {"offering", "offering", 0, false, "offering id (name@region)"},
               {"accelerator", "accelerator", 0, true, "accelerator id"},
               {"chips", "chips", 0, true, "accelerator chips in the offering"},
               {"holds_model", "holds model", 0, true, "the model fits in the offering's memory"}};
  for (Tier tier : k_all_tiers) {
    t.columns.push_back({"usd_per_month_" + tier_key(tier), fmt::format("$/month {}", to_string(tier)), 0, false,
                         fmt::format("monthly bill in the {} tier (absent: no price)", to_string(tier))});
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
      std::vector<Cell> row = {h, o.offering->id, o.accelerator->id, std::int64_t{o.offering->chips}, o.holds_model};
      for (Tier tier : k_all_tiers) {
        row.push_back(cell(b.cost.monthly(tier)));
      }
      row.push_back(b.cost.cheapest ? Cell{std::string(to_string(*b.cost.cheapest))} : Cell{});
      for (const auto* v : {&b.commit_1y_vs_on_demand, &b.commit_3y_vs_on_demand, &b.commit_1y_vs_spot,
                            &b.commit_3y_vs_spot}) {
        row.push_back(cell(*v));
      }
      row.push_back(percent(b.discount_1y));
      row.push_back(cell(b.savings_1y_usd_per_month));
      row.push_back(percent(b.discount_3y));
      row.push_back(cell(b.savings_3y_usd_per_month));
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
  c.title = fmt::format("Monthly cost against hours per day ({})", in.model.spec.id);
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
        const double y = *b.cost.monthly(tier);
        c.markers.push_back({*be, y, fmt::format("{}: {} = on-demand at {} ({}/month)", o.offering->id,
                                                  to_string(tier), hours_label(*be), usd_text(y))});
      }
    }
  }
  r.charts.push_back(std::move(c));
}

// ---- platform -----------------------------------------------------------------------------

void add_platform(Report& r, const BreakevenInputs& in) {
  Table t;
  t.name = "platform";
  t.title = fmt::format("Platform: the cheapest TPU option against the cheapest GPU option for {}", in.model.spec.id);
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the service runs"},
               {"tier", "tier", 0, false, "the tier compared; 'cheapest' takes each platform's cheapest tier"},
               {"tpu_offering", "TPU option", 0, false, "cheapest TPU offering in this tier"},
               {"tpu_tier", "TPU tier", 0, true, "its tier"},
               {"tpu_holds_model", "TPU holds model", 0, true, "the model fits in it"},
               {"tpu_usd_per_month", "TPU $/month", 0, false, "its monthly bill"},
               {"gpu_offering", "GPU option", 0, false, "cheapest GPU offering in this tier"},
               {"gpu_tier", "GPU tier", 0, true, "its tier"},
               {"gpu_holds_model", "GPU holds model", 0, true, "the model fits in it"},
               {"gpu_usd_per_month", "GPU $/month", 0, false, "its monthly bill"},
               {"winner", "winner", 0, false, "tpu, gpu or tie"},
               {"savings_usd_per_month", "saves $/month", 0, false, "loser's bill − winner's bill"},
               {"savings_percent", "saves %", 1, false, "savings ÷ loser's bill"},
               {"winner_changes_at_hours_per_day", "winner changes at h/day", 2, false,
                "the first usage in 0–24 h/day where the other platform becomes cheaper (absent: never)"},
               {"tpu_usd_per_million_output_tokens", "TPU $/1M out", 3, false,
                "TPU bill ÷ output tokens served in the hours used, at full load (estimate)"},
               {"gpu_usd_per_million_output_tokens", "GPU $/1M out", 3, false,
                "GPU bill ÷ output tokens served in the hours used, at full load (estimate)"},
               {"tpu_output_tokens_per_s", "TPU out tok/s", 0, true, "estimated output tokens/s at full load"},
               {"gpu_output_tokens_per_s", "GPU out tok/s", 0, true, "estimated output tokens/s at full load"}};

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
    return c && c->full_load ? std::optional<double>(c->full_load->output_tokens_per_s) : std::nullopt;
  };
  std::set<const BreakevenOption*> unestimated;
  const PricingOptions base = at_hours(in, in.hours.front());
  std::vector<ChartMarker> markers;
  for (const auto& k : kinds) {
    const auto tpu = lines_of(in.candidates, k.tiers, AcceleratorKind::tpu, base);
    const auto gpu = lines_of(in.candidates, k.tiers, AcceleratorKind::gpu, base);
    const auto swaps = crossovers(tpu, gpu);
    if (tpu.empty() && gpu.empty()) {
      t.notes.push_back(fmt::format("{}: no option has a price in this tier.", k.label));
      continue;
    }
    for (double h : in.hours) {
      const auto c = compare_groups(tpu, gpu, h);
      const Cell winner = !c.winner ? Cell{} : Cell{std::string(*c.winner == 1 ? "tpu" : *c.winner == 2 ? "gpu" : "tie")};
      auto per_token = [&](const std::optional<PricedOption>& o, const std::optional<double>& usd_per_month) {
        const auto tps = tokens_per_s(o);
        if (o && !tps && option_of(o) && !option_of(o)->estimate_problem.empty()) {
          unestimated.insert(option_of(o));
        }
        return tps && usd_per_month ? cell(usd_per_million_tokens_at(*usd_per_month, *tps, at_hours(in, h))) : Cell{};
      };
      t.rows.push_back({h, k.label, c.first ? Cell{c.first->offering->id} : Cell{},
                        c.first ? Cell{std::string(to_string(c.first->tier))} : Cell{}, holds(c.first),
                        cell(c.first_usd_per_month), c.second ? Cell{c.second->offering->id} : Cell{},
                        c.second ? Cell{std::string(to_string(c.second->tier))} : Cell{}, holds(c.second),
                        cell(c.second_usd_per_month), winner, cell(c.savings_usd_per_month),
                        percent(c.savings_fraction), swaps.empty() ? Cell{} : Cell{swaps.front().hours_per_day},
                        per_token(c.first, c.first_usd_per_month), per_token(c.second, c.second_usd_per_month),
                        cell(tokens_per_s(c.first)), cell(tokens_per_s(c.second))});
    }
    if (tpu.empty() || gpu.empty()) {
      if (k.tiers.size() == 1 && !(tpu.empty() && gpu.empty())) {
        t.notes.push_back(fmt::format("{}: no {} option has a price in this tier.", k.label, tpu.empty() ? "TPU" : "GPU"));
      }
      continue;
    }
    // Say who wins on each side of every swap, with the option that wins there.
    std::vector<double> bounds = {0};
    for (const auto& s : swaps) {
      bounds.push_back(s.hours_per_day);
    }
    bounds.push_back(k_hours_per_day);
    for (std::size_t i = 0; i < swaps.size(); ++i) {
      const auto before = compare_groups(tpu, gpu, (bounds[i] + bounds[i + 1]) / 2);
      const auto after = compare_groups(tpu, gpu, (bounds[i + 1] + bounds[i + 2]) / 2);
      auto side = [](const GroupComparison& g) {
        return *g.winner == 1 ? "TPU (" + option_name(*g.first) + ")" : "GPU (" + option_name(*g.second) + ")";
      };
      t.notes.push_back(fmt::format("{}: at {} the cheaper platform changes from {} to {}, at {}/month.", k.label,
                                    hours_label(swaps[i].hours_per_day), side(before), side(after),
                                    usd_text(swaps[i].usd_per_month)));
      if (swaps[i].hours_per_day >= in.hours.front() && swaps[i].hours_per_day <= in.hours.back()) {
        markers.push_back({swaps[i].hours_per_day, swaps[i].usd_per_month,
                           fmt::format("{}: TPU = GPU at {} ({}/month)", k.label, hours_label(swaps[i].hours_per_day),
                                       usd_text(swaps[i].usd_per_month))});
      }
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
  t.notes.push_back("Within one tier both bills grow alike with the hours (or not at all), so the winner of a tier "
                    "does not depend on usage; the 'cheapest' rows take each platform's cheapest tier, whose winner can.");
  t.notes.push_back(fmt::format(
      "$/1M output tokens: the bill ÷ output tokens served in the hours used at full load — the estimator's largest "
      "batch that fits, requests of {} + {} tokens{} — an estimate, not a measurement (tpuplan estimate).",
      format_human_number(in.input_tokens, 0), format_human_number(in.output_tokens, 0),
      in.workload_given ? "" : " (the estimator's default; set --input-tokens/--output-tokens)"));
  for (const auto* o : unestimated) {
    t.notes.push_back(fmt::format("{}: no throughput estimate ({}).", o->offering->id, o->estimate_problem));
  }
  r.tables.push_back(std::move(t));

  Chart c;
  c.table = "platform";
  c.title = fmt::format("Cheapest TPU vs cheapest GPU option for {}, by tier", in.model.spec.id);
  c.x = "hours_per_day";
  c.group = "tier";
  c.y = {"tpu_usd_per_month", "gpu_usd_per_month"};
  c.y_labels = {"TPU", "GPU"};
  c.x_title = "hours per day the service runs (h)";
  c.y_title = "monthly cost (USD)";
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
    r.inputs["tokens_per_day"] = in.api->tokens_per_day ? nlohmann::ordered_json(*in.api->tokens_per_day) : nullptr;
    r.inputs["tokens_per_request"] =
        in.api->tokens_per_request ? nlohmann::ordered_json(*in.api->tokens_per_request) : nullptr;
  }
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
  add_memory_assumptions(r, in.memory);
  const char* workload = in.workload_given ? "" : " (the estimator's default; --input-tokens/--output-tokens set it)";
  r.assumptions.push_back({"input_tokens", in.input_tokens, "tokens",
                           fmt::format("prompt tokens per request, for throughput estimates{}", workload), ""});
  r.assumptions.push_back({"output_tokens", in.output_tokens, "tokens",
                           fmt::format("output tokens per request, for throughput estimates{}", workload), ""});
  r.assumptions.push_back({"throughput", std::string("full load"), "",
                           "per-token cost and capacity use the estimator's largest batch that fits, with the "
                           "default efficiency factors of each accelerator family (an estimate)",
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
  if (!in.options.empty()) {
    const Offering& o = *in.options.front().offering;
    const auto& od = o.price(Tier::on_demand);
    const auto& y1 = o.price(Tier::commit_1y);
    if (od && y1) {
      r.explain.push_back(fmt::format("{}: 1y break-even = 24 × 1y ÷ on-demand = 24 × {} ÷ {} = {}", o.id,
                                      format_raw_number(y1->usd_per_hour), format_raw_number(od->usd_per_hour),
                                      hours_label(24 * y1->usd_per_hour / od->usd_per_hour)));
      r.explain.push_back(fmt::format("{}: on-demand bill at H h/day = {} $/h × H × {} days; 1y bill = {} $/h × {} h",
                                      o.id, format_raw_number(od->usd_per_hour),
                                      format_raw_number(days_per_month(in.pricing.hours_per_month)),
                                      format_raw_number(y1->usd_per_hour), format_raw_number(in.pricing.hours_per_month)));
    }
  }
  return r;
}

} // namespace tpuplan::app
