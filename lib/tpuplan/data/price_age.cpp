#include <tpuplan/data/price_age.hpp>

#include <tpuplan/error.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <set>

namespace tpuplan {

namespace {

std::optional<int> digits(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::int64_t day_number(std::chrono::year_month_day ymd) {
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

} // namespace

std::optional<std::int64_t> date_day_number(std::string_view date) {
  if ((date.size() != 10 && date.size() != 7) || date[4] != '-' || (date.size() == 10 && date[7] != '-')) {
    return std::nullopt;
  }
  const auto y = digits(date.substr(0, 4));
  const auto m = digits(date.substr(5, 2));
  const auto d = date.size() == 10 ? digits(date.substr(8, 2)) : std::optional<int>(1);
  if (!y || !m || !d) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*m)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return day_number(ymd);
}

std::string day_number_date(std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(day))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

Today today_from(std::string_view yyyy_mm_dd, std::string from) {
  const auto day = yyyy_mm_dd.size() == 10 ? date_day_number(yyyy_mm_dd) : std::nullopt;
  if (!day) {
    throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not a date", from, yyyy_mm_dd),
                "accepted: YYYY-MM-DD, e.g. 2026-12-01");
  }
  return {std::string(yyyy_mm_dd), *day, std::move(from)};
}

Today today() {
  if (const char* v = std::getenv("TPUPLAN_TODAY"); v != nullptr && *v != '\0') {
    return today_from(v, "TPUPLAN_TODAY");
  }
  const auto now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::int64_t day = now.time_since_epoch().count();
  return {day_number_date(day), day, "system clock"};
}

PriceAge price_age(const std::vector<const Offering*>& offerings, const Today& today, int max_age_days) {
  PriceAge age;
  age.today = today;
  age.max_age_days = max_age_days;
  std::set<const Offering*> seen;
  std::optional<std::int64_t> oldest, newest;
  for (const Offering* o : offerings) {
    if (o == nullptr || !seen.insert(o).second) {
      continue;
    }
    StaleOffering stale{o->id, "", 0, {}};
    std::optional<std::int64_t> stale_oldest;
    bool priced = false;
    for (Tier tier : k_all_tiers) {
      const auto& p = o->price(tier);
      if (!p) {
        continue;
      }
      priced = true;
      ++age.prices;
      const auto day = date_day_number(p->as_of);
      if (!day) {
        ++age.undated;
        continue;
      }
      // Ties keep the first offering met (the report's order) and the first tier.
      if (!oldest || *day < *oldest) {
        oldest = day;
        age.oldest_as_of = p->as_of;
        age.oldest = fmt::format("{} {}", o->id, to_string(tier));
      }
      if (!newest || *day > *newest) {
        newest = day;
        age.newest_as_of = p->as_of;
      }
      const std::int64_t days_old = today.day - *day;
      if (days_old > max_age_days) {
        ++age.stale_prices;
        stale.tiers.emplace_back(to_string(tier));
        if (!stale_oldest || *day < *stale_oldest) {
          stale_oldest = day;
          stale.oldest_as_of = p->as_of;
          stale.age_days = days_old;
        }
      }
    }
    age.offerings += priced ? 1 : 0;
    if (!stale.tiers.empty()) {
      age.stale.push_back(std::move(stale));
    }
  }
  if (oldest) {
    age.oldest_age_days = today.day - *oldest;
    age.newest_age_days = today.day - *newest;
  }
  std::stable_sort(age.stale.begin(), age.stale.end(), [](const StaleOffering& a, const StaleOffering& b) {
    return a.age_days != b.age_days ? a.age_days > b.age_days : a.offering < b.offering;
  });
  return age;
}

namespace {

std::string days_text(std::int64_t days) { return days == 1 ? "1 day" : fmt::format("{} days", days); }

} // namespace

std::string price_age_note(const PriceAge& age) {
  std::string note = fmt::format("price age: {} price{} ({} offering{})", age.prices, age.prices == 1 ? "" : "s",
                                 age.offerings, age.offerings == 1 ? "" : "s");
  if (age.oldest_as_of.empty()) {
    return note + ", none dated: their age is unknown";
  }
  note += age.oldest_as_of == age.newest_as_of ? fmt::format(" observed {}", age.oldest_as_of)
                                               : fmt::format(" observed {} … {}", age.oldest_as_of, age.newest_as_of);
  note += fmt::format("; the oldest, {}, is {} old on {}", age.oldest, days_text(age.oldest_age_days), age.today.date);
  if (age.undated > 0) {
    note += fmt::format("; {} undated (age unknown)", age.undated);
  }
  return note;
}

std::string stale_prices_note(const PriceAge& age, std::size_t list) {
  if (age.stale.empty()) {
    return {};
  }
  std::string names;
  for (std::size_t i = 0; i < age.stale.size() && i < list; ++i) {
    names += fmt::format("{}{} ({})", i ? ", " : "", age.stale[i].offering, age.stale[i].oldest_as_of);
  }
  if (age.stale.size() > list) {
    names += fmt::format(" and {} more", age.stale.size() - list);
  }
  return fmt::format("{} of {} prices are older than {} (--max-price-age), in {} offering{}: {}; check current "
                     "list prices, or refresh the data (docs/data.md)",
                     age.stale_prices, age.prices, days_text(age.max_age_days), age.stale.size(),
                     age.stale.size() == 1 ? "" : "s", names);
}

} // namespace tpuplan
