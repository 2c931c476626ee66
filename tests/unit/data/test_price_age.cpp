// The age of prices: dates to day numbers (month-only dates read as the 1st), TPUPLAN_TODAY,
// the oldest and newest price of a set of offerings, and the offerings past a limit.
#include <tpuplan/data/price_age.hpp>
#include <tpuplan/error.hpp>

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace tpuplan;
using Catch::Matchers::Contains;

namespace {

Offering offering(std::string id, std::vector<std::pair<Tier, std::string>> dated) {
  Offering o;
  o.id = std::move(id);
  for (auto& [tier, as_of] : dated) {
    o.price(tier) = Price{1.0, "https://example.test/prices", as_of, ""};
  }
  return o;
}

} // namespace

TEST_CASE("dates become day numbers, a month-only date its first day", "[price_age]") {
  CHECK(date_day_number("1970-01-01") == 0);
  CHECK(date_day_number("1970-01-02") == 1);
  CHECK(date_day_number("2000-03-01").value() - date_day_number("2000-02-01").value() == 29); // leap year
  CHECK(date_day_number("2025-06") == date_day_number("2025-06-01"));
  CHECK(date_day_number("2026-12-01").value() - date_day_number("2025-06").value() == 548);
  CHECK(day_number_date(date_day_number("2024-08-26").value()) == "2024-08-26");
  for (const char* bad : {"", "2025", "2025-13", "2025-02-30", "2025-6-01", "25-06-01", "2025/06/01", "2025-06-01x",
                          "abcd-ef"}) {
    INFO(bad);
    CHECK_FALSE(date_day_number(bad));
  }
}

TEST_CASE("TPUPLAN_TODAY fixes today, and a malformed value is a usage error naming it", "[price_age]") {
  const Today t = today_from("2026-12-01", "TPUPLAN_TODAY");
  CHECK(t.date == "2026-12-01");
  CHECK(t.day == date_day_number("2026-12-01"));
  CHECK(t.from == "TPUPLAN_TODAY");
  try {
    (void)today_from("2026-12", "TPUPLAN_TODAY");
    FAIL("a month is not a day");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
    CHECK_THAT(e.what(), Contains("TPUPLAN_TODAY: '2026-12' is not a date"));
    CHECK_THAT(e.hint(), Contains("YYYY-MM-DD"));
  }
  CHECK_THROWS_AS(today_from("2026-02-29", "TPUPLAN_TODAY"), Error);

  ::setenv("TPUPLAN_TODAY", "2001-02-03", 1);
  CHECK(today().date == "2001-02-03");
  CHECK(today().from == "TPUPLAN_TODAY");
  ::setenv("TPUPLAN_TODAY", "tomorrow", 1);
  CHECK_THROWS_AS(today(), Error);
  ::unsetenv("TPUPLAN_TODAY");
  const Today clock = today();
  CHECK(clock.from == "system clock");
  CHECK(date_day_number(clock.date) == clock.day);
}

TEST_CASE("the age of a set of prices: oldest, newest, undated and the offerings past the limit", "[price_age]") {
  const Offering a = offering("v5e-8@us-central1", {{Tier::on_demand, "2025-06"}, {Tier::commit_1y, "2024-08-26"}});
  const Offering b = offering("p5.48xlarge@us-east-1", {{Tier::on_demand, "2026-10-01"}, {Tier::spot, ""}});
  const Offering unpriced = offering("x@nowhere", {});
  const Today t = today_from("2026-12-01", "TPUPLAN_TODAY");
  // a listed twice counts once; an offering without prices is not counted.
  const PriceAge age = price_age({&a, &b, &a, &unpriced}, t, 180);
  CHECK(age.offerings == 2);
  CHECK(age.prices == 4);
  CHECK(age.undated == 1);
  CHECK(age.oldest_as_of == "2024-08-26");
  CHECK(age.oldest == "v5e-8@us-central1 1y");
  CHECK(age.oldest_age_days == 827); // 2024-08-26 → 2026-12-01
  CHECK(age.newest_as_of == "2026-10-01");
  CHECK(age.newest_age_days == 61);
  CHECK(age.stale_prices == 2);
  REQUIRE(age.stale.size() == 1);
  CHECK(age.stale[0].offering == "v5e-8@us-central1");
  CHECK(age.stale[0].oldest_as_of == "2024-08-26");
  CHECK(age.stale[0].age_days == 827);
  CHECK(age.stale[0].tiers == std::vector<std::string>{"on-demand", "1y"});

  // The limit is exclusive: a price exactly max_age_days old is not stale.
  CHECK(price_age({&b}, t, 61).stale.empty());
  CHECK(price_age({&b}, t, 60).stale.size() == 1);
  // A limit of 0 flags everything older than today; a price dated after today has a negative age.
  const Offering future = offering("f@r", {{Tier::on_demand, "2026-12-31"}});
  const PriceAge ahead = price_age({&future}, t, 0);
  CHECK(ahead.oldest_age_days == -30);
  CHECK(ahead.stale.empty());
}

TEST_CASE("the notes give the range, the oldest price and the stale offerings, oldest first", "[price_age]") {
  const Offering a = offering("a@r", {{Tier::on_demand, "2025-06"}});
  const Offering b = offering("b@r", {{Tier::on_demand, "2024-08-26"}, {Tier::commit_3y, "2024-08-26"}});
  const Offering c = offering("c@r", {{Tier::on_demand, "2026-11-30"}});
  const Today t = today_from("2026-12-01", "TPUPLAN_TODAY");
  const PriceAge age = price_age({&a, &b, &c}, t, 180);
  CHECK(price_age_note(age) ==
        "price age: 4 prices (3 offerings) observed 2024-08-26 … 2026-11-30; the oldest, b@r on-demand, is 827 days "
        "old on 2026-12-01");
  CHECK(stale_prices_note(age) ==
        "3 of 4 prices are older than 180 days (--max-price-age), in 2 offerings: b@r (2024-08-26), a@r (2025-06); "
        "check current list prices, or refresh the data (docs/data.md)");
  CHECK_THAT(stale_prices_note(age, 1), Contains(": b@r (2024-08-26) and 1 more;"));
  CHECK(stale_prices_note(price_age({&c}, t, 180)).empty());
  CHECK(price_age_note(price_age({&c}, t, 180)) ==
        "price age: 1 price (1 offering) observed 2026-11-30; the oldest, c@r on-demand, is 1 day old on 2026-12-01");
  const Offering undated = offering("u@r", {{Tier::on_demand, ""}});
  CHECK(price_age_note(price_age({&undated}, t, 180)) ==
        "price age: 1 price (1 offering), none dated: their age is unknown");
}
