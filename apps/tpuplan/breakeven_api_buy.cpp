// The 'api' and 'buy' tables of `tpuplan breakeven`: self-hosting against a per-token API, and
// owning hardware against renting. Formulas: lib/tpuplan/money/breakeven (api_breakeven) and onprem.
#include "breakeven_tables.hpp"
#include "flags.hpp"

#include <tpuplan/model/memory.hpp>

#include <fmt/format.h>

namespace tpuplan::app {

void add_api_table(Report& r, const BreakevenInputs& in) {
  const ApiQuery& api = *in.api;
  const bool load = in.workload.has_load();
  Table t;
  t.name = "api";
  t.title = fmt::format("API: self-hosting against a per-token API at ${} per 1M tokens, {}",
                        format_raw_number(api.usd_per_million_tokens),
                        load ? "at equal load" : "per replica (no traffic given)");
  t.columns = {{"hours_per_day", "h/day", 2, false, "hours a day the self-hosted option runs"},
               {"offering", "offering", 0, false, "self-hosted option"},
               {"tier", "tier", 0, false, "its pricing tier"},
               {"replicas", "replicas", 0, !load, "replicas the traffic needs at the SLO (1 without traffic)"},
               {"usd_per_month", "$/month", 0, false, "self-hosting bill of the replicas"},
               {"replica_usd_per_month", "$/month/replica", 0, true, "one replica's bill"},
               {"breakeven_tokens_per_day", "b/e tokens/day", 0, false,
                "traffic above which one replica is cheaper than the API: its bill ÷ (days × API price per token)"},
               {"breakeven_requests_per_day", "b/e requests/day", 0, true,
                "the same in requests of --input-tokens + --output-tokens"},
               {"breakeven_requests_per_hour", "b/e requests/h", 1, true,
                "break-even requests per hour of service (per day ÷ hours a day)"},
               {"capacity_tokens_per_day", "capacity tokens/day", 0, false,
                "what one replica serves within the SLO: capacity requests/s × tokens per request × 3600 × hours a day"},
               {"breakeven_within_capacity", "b/e servable", 0, false,
                "the break-even traffic fits one replica: if not, self-hosting on it never beats the API"},
               {"self_host_usd_per_million_tokens", "self-host $/1M", 3, false,
                "one replica's bill per 1M input + output tokens at its capacity, against the API price"},
               {"tokens_per_day", "traffic tokens/day", 0, !load, "the traffic: --tokens-per-day, or --rate over the hours"},
               {"api_usd_per_month", "API $/month", 0, !load, "the API bill of the traffic"},
               {"self_host_savings_usd_per_month", "self-host saves $/month", 0, !load,
                "API bill − self-hosting bill of the traffic (negative: the API is cheaper)"},
               {"cheaper", "cheaper", 0, !load, "self-host or api at the traffic"}};
  for (double h : in.hours) {
    const PricingOptions p = at_hours(in, h);
    ApiQuery at_h = api;
    at_h.tokens_per_day = tokens_per_day_at(in, h);
    for (const auto& o : in.options) {
      const auto replicas = replicas_at(o, in, h);
      // Capacity counts input and output tokens, like the API's blended price.
      const auto tokens_per_s = o.capacity ? std::optional<double>(o.capacity->planned_requests_per_s *
                                                                   in.workload.tokens_per_request())
                                           : std::nullopt;
      for (Tier tier : in.tiers) {
        const auto& price = o.offering->price(tier);
        if (!price) {
          continue;
        }
        const auto b = api_breakeven(monthly_cost(price->usd_per_hour, tier, p), replicas.value_or(1), at_h,
                                     tokens_per_s, p);
        const bool known = replicas.has_value();
        Cell cheaper;
        if (b.self_host_savings_usd_per_month && known) {
          cheaper = std::string(*b.self_host_savings_usd_per_month > 0 ? "self-host" : "api");
        }
        auto flag = [](const std::optional<bool>& v) { return v ? Cell{*v} : Cell{}; };
        t.rows.push_back({h, o.offering->id, std::string(to_string(tier)),
                          known ? Cell{std::int64_t{b.replicas}} : Cell{}, known ? Cell{b.self_host_usd_per_month} : Cell{},
                          b.replica_usd_per_month, cell(b.breakeven_tokens_per_day), cell(b.breakeven_requests_per_day),
                          cell(b.breakeven_requests_per_hour), cell(b.capacity_tokens_per_day),
                          flag(b.breakeven_within_capacity), cell(b.self_host_usd_per_million_tokens),
                          cell(at_h.tokens_per_day), cell(b.api_usd_per_month),
                          known ? cell(b.self_host_savings_usd_per_month) : Cell{}, cheaper});
      }
    }
  }
  t.notes.push_back("The API price is one blended price for input and output tokens.");
  t.notes.push_back("Comparison: " + comparison_basis(in.workload, in.hours.back()) +
                    (load ? "; the self-hosting bill is of the replicas that serve it." : "."));
  t.notes.push_back(fmt::format(
      "Capacity: one replica serves at most what it takes within the SLO × the hours it runs; here the estimator's "
      "figure for requests of {} + {} tokens (an estimate). Where the break-even exceeds it, self-hosting on that "
      "option never beats the API: even fully loaded its cost per token is higher, and more replicas raise the bill "
      "as fast as the capacity.",
      format_human_number(in.workload.input_tokens, 0), format_human_number(in.workload.output_tokens, 0)));
  for (const auto& o : in.options) {
    if (!o.capacity) {
      t.notes.push_back(fmt::format("{}: capacity unknown ({}).", o.offering->id,
                                    !o.estimate_problem.empty() ? o.estimate_problem
                                    : o.holds_model          ? "no batch meets the SLO"
                                                             : "the model does not fit"));
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
                "depreciation + operations + energy (power × PUE × $/kWh) of the machines at these hours"},
               {"onprem_usd_per_hour", "own $/h used", 2, false, "that ÷ hours used a month"},
               {"machines", "machines", 0, !in.workload.has_load(), "machines the load needs (1 without a load)"},
               {"offering", "cloud option", 0, false, "the rented option compared"},
               {"tier", "tier", 0, false, "its pricing tier"},
               {"cloud_replicas", "cloud replicas", 0, !in.workload.has_load(), "replicas the load needs (1 without a load)"},
               {"cloud_usd_per_month", "rent $/month", 0, false, "the monthly bill of those replicas"},
               {"breakeven_months", "b/e months", 1, false,
                "months until buying beats renting: purchase ÷ (rent − running cost); absent: never"},
               {"pays_off_within_lifetime", "within lifetime", 0, false, "breakeven_months ≤ lifetime"}};
  std::vector<BreakevenOption> machines;
  for (const auto& m : sheet.machines) {
    BreakevenOption mo;
    mo.accelerator = &catalog.accelerator(m.accelerator);
    mo.holds_model = fit_memory(in.model.spec, *mo.accelerator, m.chips, in.perf.memory_for(*mo.accelerator, in.memory)).fits;
    if (mo.holds_model) {
      const CapacityAnswer answer = replica_capacity(in.perf, in.workload, *mo.accelerator, m.chips, in.memory.weights);
      mo.capacity = answer.capacity;
      mo.estimate_problem = answer.problem;
    }
    machines.push_back(mo);
  }
  for (double h : in.hours) {
    const PricingOptions p = at_hours(in, h);
    for (std::size_t i = 0; i < sheet.machines.size(); ++i) {
      const auto& m = sheet.machines[i];
      const auto owned = replicas_at(machines[i], in, h);
      for (const auto& o : in.options) {
        const auto rented = replicas_at(o, in, h);
        for (Tier tier : in.tiers) {
          const auto& price = o.offering->price(tier);
          if (!price) {
            continue;
          }
          if (!owned || !rented) {
            t.rows.push_back({h, m.id, machines[i].holds_model, Cell{}, Cell{}, owned ? Cell{std::int64_t{*owned}} : Cell{},
                              o.offering->id, std::string(to_string(tier)),
                              rented ? Cell{std::int64_t{*rented}} : Cell{}, Cell{}, Cell{}, Cell{}});
            continue;
          }
          const auto b = buy_breakeven(m, monthly_cost(price->usd_per_hour, tier, p) * *rented, p, *owned);
          t.rows.push_back({h, m.id, machines[i].holds_model, b.onprem_usd_per_month, cell(b.onprem_usd_per_useful_hour),
                            std::int64_t{*owned}, o.offering->id, std::string(to_string(tier)), std::int64_t{*rented},
                            b.cloud_usd_per_month, cell(b.breakeven_months), b.pays_off_within_lifetime});
        }
      }
    }
  }
  t.notes.push_back("Owning: purchase ÷ (lifetime × 12) + operations ÷ 12 + (power − idle) × PUE × $/kWh × hours used "
                    "(+ idle power × PUE × $/kWh all day). Buying beats renting after purchase ÷ (rent − running "
                    "cost) months.");
  t.notes.push_back(in.workload.has_load()
                        ? "Equal load: as many machines and cloud replicas as the load needs at the SLO (estimates of "
                          "each's throughput); buying pays off after machines × purchase ÷ (rent − running cost) months."
                        : "Per machine against one cloud replica (no load given): give --rate or --tokens-per-day to "
                          "compare as many of each as the load needs.");
  for (std::size_t i = 0; i < sheet.machines.size(); ++i) {
    if (in.workload.has_load() && !machines[i].capacity) {
      t.notes.push_back(fmt::format("{}: no machine count for the load ({}).", sheet.machines[i].id,
                                    !machines[i].estimate_problem.empty() ? machines[i].estimate_problem
                                    : machines[i].holds_model             ? "no batch meets the SLO"
                                                                          : "the model does not fit"));
    }
  }
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
