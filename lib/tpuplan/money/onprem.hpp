// Owning hardware (`breakeven --buy FILE`): what a machine costs a month to own and run, and
// how many months of renting it takes to pay for it. Every figure comes from the user's file.
#pragma once

#include <tpuplan/money/breakeven.hpp>
#include <tpuplan/money/pricing.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tpuplan {

/// One machine a team could buy, with the figures its cost depends on.
struct OnPremMachine {
  std::string id;                        ///< "h100-server"
  std::string name;                      ///< "8× H100 SXM server"
  std::string accelerator;               ///< catalog accelerator id, for the memory fit
  int chips = 0;                         ///< accelerators in the machine
  double purchase_usd = 0;               ///< price paid up front (hardware, installation)
  double lifetime_years = 0;             ///< years over which the purchase is spread (depreciation)
  double power_kw = 0;                   ///< draw while serving, kW
  /// Draw while idle, kW; absent means the machine is switched off outside the hours used.
  std::optional<double> idle_power_kw;
  double pue = 1;                        ///< facility power ÷ IT power (cooling, conversion losses)
  double usd_per_kwh = 0;                ///< electricity price
  double operations_usd_per_year = 0;    ///< rack space, support contract, staff share
  std::map<std::string, std::string> sources; ///< field name → where its figure comes from
  std::string notes;
};

/// The machines of one --buy file.
struct OnPremSheet {
  std::string file;                      ///< as given by the user
  std::vector<OnPremMachine> machines;
};

/// Reads a --buy file (see examples/on-prem.yaml). Throws Error(input) naming the file,
/// line and column, the key and what is accepted (e.g. "pue: must be ≥ 1, got 0.9").
OnPremSheet load_onprem(const std::filesystem::path& path);
/// The same from text; `name` stands for the file in errors.
OnPremSheet parse_onprem(const std::string& yaml_text, const std::string& name);

/// The monthly bill of owning `m` as a line in hours per day. Fixed: purchase ÷ lifetime
/// months + operations ÷ 12 (+ idle power over the hours not used). Per daily hour: the
/// energy of serving, (power − idle) × PUE × $/kWh × days in the month.
CostLine onprem_cost_line(const OnPremMachine& m, const PricingOptions& options);
/// What owning costs a month at options.hours_per_day, excluding the purchase (energy + operations).
double onprem_running_usd_per_month(const OnPremMachine& m, const PricingOptions& options);

/// Buying against renting one cloud option at options.hours_per_day.
struct BuyBreakeven {
  int machines = 1;                                ///< machines bought (what the load needs)
  double onprem_usd_per_month = 0;                 ///< ownership of all machines: amortisation + running
  std::optional<double> onprem_usd_per_useful_hour; ///< that ÷ hours used (absent at 0 h/day)
  double cloud_usd_per_month = 0;
  /// Months after which the purchase has paid for itself: purchase ÷ (cloud − running).
  /// Absent when renting costs no more than running the machine (buying never pays off).
  std::optional<double> breakeven_months;
  bool pays_off_within_lifetime = false;           ///< breakeven_months ≤ lifetime
};

/// Buying `machines` × `m` against a cloud bill of `cloud_usd_per_month` for the same load:
/// buying pays off after machines × purchase ÷ (cloud − machines × running) months.
BuyBreakeven buy_breakeven(const OnPremMachine& m, double cloud_usd_per_month, const PricingOptions& options,
                           int machines = 1);

} // namespace tpuplan
