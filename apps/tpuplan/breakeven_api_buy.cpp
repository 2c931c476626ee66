// The 'api' and 'buy' tables of `tpuplan breakeven`: self-hosting against a per-token API, and
// owning hardware against renting. Formulas: lib/tpuplan/money/breakeven (api_breakeven) and onprem.
#include "breakeven_tables.hpp"

#include <tpuplan/model/memory.hpp>

#include <fmt/format.h>

namespace tpuplan::app {

void add_api_table(Report& r, const BreakevenInputs& in) {
  const ApiQuery& api = *in.api;
  Table t;
  t.name = "api";
  t.title = fmt::format("API: self-hosting against a per-token API at ${} per 1M tokens",
                        format_raw_number(api.usd_per_million_tokens));
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the self-hosted option runs"},
               {"offering", "offering", 0, false, "self-hosted option"},
               {"tier", "tier", 0, false, "its pricing tier"},
               {"usd_per_month", "$/month", 0, false, "self-hosting bill"},
               {"breakeven_tokens_per_day", "b/e tokens/day", 0, false,
                "traffic above which self-hosting is cheaper: bill ÷ (days × API price per token)"},
               {"breakeven_requests_per_day", "b/e requests/day", 0, false,
                "the same in requests of --input-tokens + --output-tokens"},
               {"breakeven_requests_per_hour", "b/e requests/h", 1, false,
                "break-even requests per hour of service (per day ÷ hours a day)"},
               {"capacity_tokens_per_day", "capacity tokens/day", 0, false,
                "what one option can serve: estimated full-load tokens/s × 3600 × hours a day"},
               {"breakeven_within_capacity", "b/e servable", 0, false, "the break-even traffic fits that capacity"},
               {"api_usd_per_month", "API $/month", 0, false, "the API bill at --tokens-per-day"},
               {"traffic_exceeds_capacity", "traffic > capacity", 0, true, "--tokens-per-day exceeds one option's capacity"},
               {"self_host_savings_usd_per_month", "self-host saves $/month", 0, false,
                "API bill − self-hosting bill at --tokens-per-day (negative: the API is cheaper)"},
               {"cheaper", "cheaper", 0, false, "self-host or api at --tokens-per-day"}};
  for (double h : in.hours) {
    const PricingOptions p = at_hours(in, h);
    for (const auto& o : in.options) {
      for (Tier tier : in.tiers) {
        const auto& price = o.offering->price(tier);
        if (!price) {
          continue;
        }
        // Capacity counts input and output tokens, like the API's blended price.
        const auto tokens_per_s =
            o.full_load ? std::optional<double>(o.full_load->total_tokens_per_s) : std::nullopt;
        const auto b = api_breakeven(monthly_cost(price->usd_per_hour, tier, p), api, tokens_per_s, p);
        Cell cheaper;
        if (b.self_host_savings_usd_per_month) {
          cheaper = std::string(*b.self_host_savings_usd_per_month > 0 ? "self-host" : "api");
        }
        auto flag = [](const std::optional<bool>& v) { return v ? Cell{*v} : Cell{}; };
        t.rows.push_back({h, o.offering->id, std::string(to_string(tier)), b.self_host_usd_per_month,
                          cell(b.breakeven_tokens_per_day), cell(b.breakeven_requests_per_day),
                          cell(b.breakeven_requests_per_hour), cell(b.capacity_tokens_per_day),
                          flag(b.breakeven_within_capacity), cell(b.api_usd_per_month),
                          flag(b.traffic_exceeds_capacity),
                          cell(b.self_host_savings_usd_per_month), cheaper});
      }
    }
  }
  t.notes.push_back("The API price is one blended price for input and output tokens.");
  t.notes.push_back(fmt::format(
      "Capacity: one self-hosted option serves at most its throughput × the hours it runs; here the estimator's "
      "full-load input + output tokens/s for requests of {} + {} tokens (an estimate). Where the break-even exceeds "
      "it, self-hosting on that option never beats the API: even fully loaded its cost per token is higher, and "
      "more replicas raise the bill as fast as the capacity.",
      format_human_number(in.input_tokens, 0), format_human_number(in.output_tokens, 0)));
  for (const auto& o : in.options) {
    if (!o.full_load) {
      t.notes.push_back(fmt::format("{}: capacity unknown ({}).", o.offering->id,
                                    o.estimate_problem.empty() ? "the model does not fit" : o.estimate_problem));
    }
  }
  if (!api.tokens_per_request) {
    t.notes.push_back("Requests: give --input-tokens and --output-tokens to see the break-even in requests.");
  } else {
    t.notes.push_back("Below breakeven_requests_per_hour the API is cheaper: the seed's \"small scale "
                      "(< 100 requests/hour) may not justify it\", made concrete.");
  }
  r.tables.push_back(std::move(t));
}

void add_buy_table(Report& r, const Catalog& catalog, const BreakevenInputs& in) {
  const OnPremSheet& sheet = *in.buy;
  Table t;
  t.name = "buy";
  t.title = fmt::format("Buy: owning hardware ({}) against renting", sheet.file);
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the service runs"},
               {"machine", "machine", 0, false, "machine id in the --buy sheet"},
               {"machine_holds_model", "machine holds model", 0, true, "the model fits in its memory"},
               {"onprem_usd_per_month", "own $/month", 0, false,
                "depreciation + operations + energy (power × PUE × $/kWh) at these hours"},
               {"onprem_usd_per_hour", "own $/h used", 2, false, "that ÷ hours used a month"},
               {"offering", "cloud option", 0, false, "the rented option compared"},
               {"tier", "tier", 0, false, "its pricing tier"},
               {"cloud_usd_per_month", "rent $/month", 0, false, "its monthly bill"},
               {"breakeven_months", "b/e months", 1, false,
                "months until buying beats renting: purchase ÷ (rent − running cost); absent: never"},
               {"pays_off_within_lifetime", "within lifetime", 0, false, "breakeven_months ≤ lifetime"}};
  for (double h : in.hours) {
    const PricingOptions p = at_hours(in, h);
    for (const auto& m : sheet.machines) {
      const Accelerator& a = catalog.accelerator(m.accelerator);
      const bool holds = fit_memory(in.model.spec, a, m.chips, in.memory).fits;
      for (const auto& o : in.options) {
        for (Tier tier : in.tiers) {
          const auto& price = o.offering->price(tier);
          if (!price) {
            continue;
          }
          const auto b = buy_breakeven(m, monthly_cost(price->usd_per_hour, tier, p), p);
          t.rows.push_back({h, m.id, holds, b.onprem_usd_per_month, cell(b.onprem_usd_per_useful_hour),
                            o.offering->id, std::string(to_string(tier)), b.cloud_usd_per_month,
                            cell(b.breakeven_months), b.pays_off_within_lifetime});
        }
      }
    }
  }
  t.notes.push_back("Owning: purchase ÷ (lifetime × 12) + operations ÷ 12 + (power − idle) × PUE × $/kWh × hours used "
                    "(+ idle power × PUE × $/kWh all day). Buying beats renting after purchase ÷ (rent − running "
                    "cost) months.");
  t.notes.push_back("Bills are compared, not throughput: the machine and the cloud option should serve the same load.");
  for (const auto& m : sheet.machines) {
    if (!m.notes.empty()) {
      t.notes.push_back(fmt::format("{}: {}", m.id, m.notes));
    }
    auto add = [&](const std::string& field, double value, const char* unit, const char* what) {
      const auto it = m.sources.find(field);
      r.assumptions.push_back({fmt::format("buy.{}.{}", m.id, field), value, unit, what,
                               it == m.sources.end() ? sheet.file : it->second});
    };
    add("purchase_usd", m.purchase_usd, "USD", "paid up front");
    add("lifetime_years", m.lifetime_years, "years", "depreciation period");
    add("power_kw", m.power_kw, "kW", "draw while serving");
    if (m.idle_power_kw) {
      add("idle_power_kw", *m.idle_power_kw, "kW", "draw while idle");
    }
    add("pue", m.pue, "ratio", "facility power ÷ IT power");
    add("usd_per_kwh", m.usd_per_kwh, "USD/kWh", "electricity price");
    add("operations_usd_per_year", m.operations_usd_per_year, "USD/year", "rack space, support, staff");
  }
  r.tables.push_back(std::move(t));
}

} // namespace tpuplan::app
