#include <tpuplan/money/onprem.hpp>

#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>

using namespace tpuplan;

namespace {

const std::string k_sheet = R"(version: 1
machines:
  - id: gpu-server
    name: "8-GPU server"
    accelerator: h100
    chips: 8
    purchase_usd: 240000
    lifetime_years: 4
    power_kw: 10
    pue: 1.5
    usd_per_kwh: 0.10
    operations_usd_per_year: 12000
    sources:
      power_kw: "vendor datasheet"
)";

PricingOptions month_of_30_days(double hours_per_day) {
  PricingOptions p;
  p.hours_per_month = 720;
  p.hours_per_day = hours_per_day;
  return p;
}

std::string error_of(const std::string& text) {
  try {
    parse_onprem(text, "buy.yaml");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::input);
    return std::string(e.what()) + (e.hint().empty() ? "" : "; " + e.hint());
  }
  return "no error";
}

std::string with_line(const std::string& from, const std::string& to) {
  std::string s = k_sheet;
  s.replace(s.find(from), from.size(), to);
  return s;
}

} // namespace

TEST_CASE("an on-prem sheet is read with every figure and its sources", "[onprem]") {
  const auto sheet = parse_onprem(k_sheet, "buy.yaml");
  REQUIRE(sheet.machines.size() == 1);
  const auto& m = sheet.machines[0];
  CHECK(m.id == "gpu-server");
  CHECK(m.name == "8-GPU server");
  CHECK(m.accelerator == "h100");
  CHECK(m.chips == 8);
  CHECK(m.purchase_usd == 240000);
  CHECK(m.lifetime_years == 4);
  CHECK(m.pue == 1.5);
  CHECK_FALSE(m.idle_power_kw.has_value());
  CHECK(m.sources.at("power_kw") == "vendor datasheet");
}

TEST_CASE("owning costs depreciation and operations every month plus energy for the hours used", "[onprem]") {
  const auto m = parse_onprem(k_sheet, "buy.yaml").machines[0];
  const auto line = onprem_cost_line(m, month_of_30_days(24));
  // 240,000 ÷ 48 months + 12,000 ÷ 12 = 6,000; energy 10 kW × 1.5 × $0.10 × 30 days = $45 per daily hour.
  CHECK(line.fixed_usd_per_month == Approx(6000));
  CHECK(line.usd_per_month_per_daily_hour == Approx(45));
  CHECK(onprem_running_usd_per_month(m, month_of_30_days(24)) == Approx(1000 + 45 * 24));
}

TEST_CASE("idle power is billed for the hours the machine is not serving", "[onprem]") {
  auto m = parse_onprem(k_sheet, "buy.yaml").machines[0];
  m.idle_power_kw = 2;
  const auto line = onprem_cost_line(m, month_of_30_days(8));
  CHECK(line.fixed_usd_per_month == Approx(6000 + 2 * 24 * 30 * 0.15));
  CHECK(line.usd_per_month_per_daily_hour == Approx(8 * 30 * 0.15));
  CHECK(line.at(24) == Approx(6000 + 10 * 24 * 30 * 0.15));
}

TEST_CASE("buying pays off after the purchase divided by the monthly saving on running costs", "[onprem]") {
  const auto m = parse_onprem(k_sheet, "buy.yaml").machines[0];
  const auto b = buy_breakeven(m, 10000, month_of_30_days(24));
  CHECK(b.onprem_usd_per_month == Approx(7080));
  CHECK(*b.onprem_usd_per_useful_hour == Approx(7080.0 / 720));
  CHECK(*b.breakeven_months == Approx(240000.0 / (10000 - 2080)));
  CHECK(b.pays_off_within_lifetime);
  const auto never = buy_breakeven(m, 2000, month_of_30_days(24));
  CHECK_FALSE(never.breakeven_months.has_value());
  CHECK_FALSE(never.pays_off_within_lifetime);
  const auto late = buy_breakeven(m, 6000, month_of_30_days(24)); // 240,000 ÷ 3,920 = 61 months > 48
  CHECK(*late.breakeven_months > 48);
  CHECK_FALSE(late.pays_off_within_lifetime);
}

TEST_CASE("a bad figure in an on-prem sheet names file, line, column, key and the accepted range", "[onprem]") {
  CHECK(error_of(with_line("pue: 1.5", "pue: 0.9")) ==
        "buy.yaml:10:10: machines[0].pue: 0.9 is out of range; a ratio from 1 to 5 (1.58: 2023 survey average)");
  CHECK(error_of(with_line("pue: 1.5", "pu: 1.5")) ==
        "buy.yaml:10:5: machines[0]: unknown key 'pu'; did you mean 'pue'?");
  CHECK(error_of(with_line("    chips: 8\n", "")) == "buy.yaml:3:5: machines[0]: missing key 'chips'");
  CHECK(error_of(with_line("purchase_usd: 240000", "purchase_usd: \"240000\"")) ==
        "buy.yaml:7:19: machines[0].purchase_usd: '240000' is not a number; USD ≥ 0");
  CHECK(error_of(with_line("chips: 8", "chips: 2.5")) == "buy.yaml:6:12: machines[0].chips: 2.5 is not a whole number");
  CHECK(error_of(with_line("usd_per_kwh: 0.10", "usd_per_kwh: -0.1")).find("usd_per_kwh: -0.1 is out of range") !=
        std::string::npos);
  CHECK(error_of("machines: []\n") == "buy.yaml:1:11: machines: must be a non-empty list");
  CHECK(error_of("machines: [\n").rfind("buy.yaml:", 0) == 0);
}

TEST_CASE("a machine id given twice in one sheet is an error", "[onprem]") {
  std::string twice = k_sheet;
  twice += k_sheet.substr(k_sheet.find("  - id:"));
  CHECK(error_of(twice).find("machines[1].id: 'gpu-server' is given twice") != std::string::npos);
}

TEST_CASE("an unreadable on-prem file is an input error naming it", "[onprem]") {
  CHECK_THROWS_WITH(load_onprem("/nonexistent/buy.yaml"), "--buy: cannot read '/nonexistent/buy.yaml': no such file");
}

TEST_CASE("the shipped example on-prem sheet loads and gives every figure a source", "[onprem]") {
  const auto sheet = load_onprem(std::string(TPUPLAN_SOURCE_DIR) + "/examples/on-prem.yaml");
  REQUIRE(sheet.machines.size() == 1);
  for (const char* field : {"purchase_usd", "lifetime_years", "power_kw", "pue", "usd_per_kwh", "operations_usd_per_year"}) {
    CHECK(sheet.machines[0].sources.count(field) == 1);
  }
}
