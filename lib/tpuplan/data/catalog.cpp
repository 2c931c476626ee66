#include <tpuplan/data/catalog.hpp>

#include <tpuplan/detail/text.hpp>
#include <tpuplan/error.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace tpuplan {

namespace {

using detail::iequals;

template <typename F> std::vector<std::string> sorted_unique(const std::vector<Offering>& offerings, F field) {
  std::set<std::string> s;
  for (const auto& o : offerings) {
    s.insert(field(o));
  }
  return {s.begin(), s.end()};
}

} // namespace

std::string_view to_string(AcceleratorKind kind) { return kind == AcceleratorKind::tpu ? "tpu" : "gpu"; }

std::string_view to_string(Tier tier) {
  switch (tier) {
  case Tier::on_demand:
    return "on-demand";
  case Tier::spot:
    return "spot";
  case Tier::commit_1y:
    return "1y";
  case Tier::commit_3y:
    return "3y";
  }
  return "on-demand";
}

std::optional<Tier> parse_tier(std::string_view name) {
  for (Tier t : k_all_tiers) {
    if (iequals(name, to_string(t))) {
      return t;
    }
  }
  if (iequals(name, "on_demand") || iequals(name, "ondemand") || iequals(name, "od")) {
    return Tier::on_demand;
  }
  if (iequals(name, "preemptible")) {
    return Tier::spot;
  }
  if (iequals(name, "1-year") || iequals(name, "commit_1y")) {
    return Tier::commit_1y;
  }
  if (iequals(name, "3-year") || iequals(name, "commit_3y")) {
    return Tier::commit_3y;
  }
  return std::nullopt;
}

const Accelerator* Catalog::find_accelerator(std::string_view id_or_alias) const {
  for (const auto& a : accelerators) {
    if (iequals(a.id, id_or_alias)) {
      return &a;
    }
  }
  for (const auto& a : accelerators) {
    for (const auto& alias : a.aliases) {
      if (iequals(alias, id_or_alias)) {
        return &a;
      }
    }
  }
  return nullptr;
}

const Accelerator& Catalog::accelerator(std::string_view id_or_alias) const {
  if (const auto* a = find_accelerator(id_or_alias)) {
    return *a;
  }
  throw_unknown("accelerator", id_or_alias, accelerator_ids());
}

const Accelerator& Catalog::accelerator_of(const Offering& offering) const {
  return accelerator(offering.accelerator);
}

const Offering* Catalog::find_offering(std::string_view id) const {
  for (const auto& o : offerings) {
    if (iequals(o.id, id)) {
      return &o;
    }
  }
  return nullptr;
}

std::vector<const Offering*> Catalog::match_offerings(std::string_view key) const {
  std::vector<const Offering*> found;
  for (const auto& o : offerings) {
    if (iequals(o.id, key) || iequals(o.name, key)) {
      found.push_back(&o);
    }
  }
  return found;
}

std::vector<std::string> Catalog::accelerator_ids() const {
  std::vector<std::string> ids;
  for (const auto& a : accelerators) {
    ids.push_back(a.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Catalog::regions() const {
  return sorted_unique(offerings, [](const Offering& o) { return o.region; });
}

std::vector<std::string> Catalog::clouds() const {
  return sorted_unique(offerings, [](const Offering& o) { return o.cloud; });
}

std::vector<std::string> Catalog::offering_names() const {
  return sorted_unique(offerings, [](const Offering& o) { return o.name; });
}

std::optional<int> tpu_slice_chips(std::string_view slice_name) {
  // Accept the API spelling "v5litepod-N" and the common "v5e-N".
  struct Rule {
    std::string_view prefix;
    int cores_per_chip; // 2: the number counts TensorCores; 1: it counts chips
  };
  static constexpr Rule k_rules[] = {{"v2-", 2}, {"v3-", 2}, {"v4-", 2}, {"v5p-", 2},
                                     {"v5litepod-", 1}, {"v5e-", 1}, {"v6e-", 1}};
  for (const auto& rule : k_rules) {
    if (slice_name.substr(0, rule.prefix.size()) != rule.prefix) {
      continue;
    }
    const auto digits = slice_name.substr(rule.prefix.size());
    int n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || n <= 0 || n % rule.cores_per_chip != 0) {
      return std::nullopt;
    }
    return n / rule.cores_per_chip;
  }
  return std::nullopt;
}

} // namespace tpuplan
