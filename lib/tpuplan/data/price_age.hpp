// How old the prices a report uses are: the date each price was observed (Price::as_of),
// its age in days on "today", and the offerings whose prices are older than a limit.
// Format of the result in reports: docs/json.md "price_age"; the rule: docs/data.md "Dates".
#pragma once

#include <tpuplan/data/catalog.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan {

/// Default limit of `--max-price-age` / `max_price_age_days`, in days.
inline constexpr int k_default_max_price_age_days = 180;

/// Days since 1970-01-01 of a date "YYYY-MM-DD", or of "YYYY-MM" read as the month's first
/// day (the oldest day the figure can be from); nullopt when `date` is not a valid date.
std::optional<std::int64_t> date_day_number(std::string_view date);
/// The "YYYY-MM-DD" of a day number (the inverse of date_day_number).
std::string day_number_date(std::int64_t day);

/// "Today": TPUPLAN_TODAY (YYYY-MM-DD) when set, else the system clock's UTC date.
struct Today {
  std::string date;   ///< YYYY-MM-DD
  std::int64_t day = 0;
  std::string from;   ///< "TPUPLAN_TODAY" or "system clock"
};
/// Reads TPUPLAN_TODAY or the clock; throws Error(usage) when TPUPLAN_TODAY is not a
/// YYYY-MM-DD date.
Today today();
/// Today from an explicit value (the TPUPLAN_TODAY rule: YYYY-MM-DD only); throws Error(usage).
Today today_from(std::string_view yyyy_mm_dd, std::string from);

/// One offering with prices older than the limit.
struct StaleOffering {
  std::string offering;           ///< offering id
  std::string oldest_as_of;       ///< its oldest price's date
  std::int64_t age_days = 0;      ///< that price's age
  std::vector<std::string> tiers; ///< the tiers older than the limit, in tier order
};

/// The age of the prices of a set of offerings on one day.
struct PriceAge {
  Today today;
  int max_age_days = k_default_max_price_age_days;
  std::string max_age_from;        ///< "default", "--max-price-age", or the config file's place
  std::size_t offerings = 0;       ///< distinct offerings with at least one price
  std::size_t prices = 0;          ///< priced tiers of those offerings
  std::size_t undated = 0;         ///< prices without a valid as_of (age unknown)
  std::string oldest_as_of;        ///< empty when no price is dated
  std::int64_t oldest_age_days = 0;
  std::string oldest;              ///< "v5e-8@europe-west4 1y": the offering and tier of the oldest price
  std::string newest_as_of;
  std::int64_t newest_age_days = 0;
  std::size_t stale_prices = 0;    ///< prices older than max_age_days
  std::vector<StaleOffering> stale; ///< oldest first, then by id
};

/// The age of every price of `offerings` (duplicates counted once). Ages are whole days from
/// the price's date to today; a date after today gives a negative age.
PriceAge price_age(const std::vector<const Offering*>& offerings, const Today& today, int max_age_days);

/// The report's note: "prices used: N (…), observed 2024-08-26 … 2025-06; the oldest, … is
/// 828 days old on 2026-12-02".
std::string price_age_note(const PriceAge& age);
/// The note naming the offerings older than the limit (at most `list` named, then "and N
/// more"); empty when none is.
std::string stale_prices_note(const PriceAge& age, std::size_t list = 8);

} // namespace tpuplan
