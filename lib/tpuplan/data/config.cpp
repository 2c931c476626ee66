// Reading the configuration file and applying it to the catalog (config.hpp). Every
// problem of the file (and of the offerings files it names) is collected, each with its
// file:line:col and key path, so that `tpuplan validate` and the error of a bad --config
// list them all at once.
#include <tpuplan/data/config.hpp>

#include <tpuplan/data/dataset_yaml.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/data/yaml_reader.hpp>
#include <tpuplan/detail/text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_map>
#include <fmt/format.h>
#include <unordered_set>
#include <set>

namespace tpuplan {

namespace {

using detail::iequals;

std::vector<std::string> tier_names() {
  std::vector<std::string> names;
  for (Tier t : k_all_tiers) {
    names.emplace_back(to_string(t));
  }
  return names;
}

bool is_url(std::string_view s) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (s.rfind(scheme, 0) == 0 && s.size() > scheme.size()) {
      return true;
    }
  }
  return false;
}

bool all_of_chars(std::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }
bool lower_digit_dash(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.'; }

/// GCP project ids: 6–30 characters, lower-case letters, digits and hyphens, starting with a
/// letter and not ending with a hyphen (cloud.google.com/resource-manager/docs/creating-managing-projects).
bool is_gcp_project_id(std::string_view s) {
  return s.size() >= 6 && s.size() <= 30 && s.front() >= 'a' && s.front() <= 'z' && s.back() != '-' &&
         all_of_chars(s, lower_digit_dash);
}

/// GCP zones are "<region>-<letter>", the region itself "<area>-<location><digit>":
/// "us-central2-b", "europe-west4-a".
bool is_gcp_zone(std::string_view s) {
  const auto dashes = std::count(s.begin(), s.end(), '-');
  return dashes >= 2 && s.size() >= 3 && s[s.size() - 2] == '-' && s.back() >= 'a' && s.back() <= 'z' &&
         std::isdigit(static_cast<unsigned char>(s[s.size() - 3])) != 0 && all_of_chars(s, lower_digit_dash);
}

/// Which of `overrides` sets `o`'s price at `tier`: by id beats by name (-1: none).
int override_rank(const PriceOverride& p, const Offering& o, Tier tier) {
  if (p.tier != tier) {
    return -1;
  }
  if (iequals(p.offering, o.id)) {
    return 1;
  }
  return iequals(p.offering, o.name) ? 0 : -1;
}

bool discount_matches(const Discount& d, const Offering& o, Tier tier) {
  return (d.cloud.empty() || iequals(d.cloud, o.cloud)) &&
         (d.offering.empty() || iequals(d.offering, o.id) || iequals(d.offering, o.name)) &&
         (!d.tier || *d.tier == tier);
}

/// The most specific of `items` matching (offering, tier) by `rank`, or nullptr; ties are
/// reported by the reader, so here the first one wins.
template <typename T, typename Rank>
const T* best_match(const std::vector<T>& items, const Offering& o, Tier tier, Rank rank) {
  const T* best = nullptr;
  int best_rank = -1;
  for (const auto& item : items) {
    const int r = rank(item, o, tier);
    if (r > best_rank) {
      best = &item;
      best_rank = r;
    }
  }
  return best;
}

int discount_rank(const Discount& d, const Offering& o, Tier tier) {
  return discount_matches(d, o, tier) ? d.specificity() : -1;
}

/// Reports two entries of equal rank that set the same price: the file is ambiguous.
template <typename T, typename Rank>
void check_ties(const std::vector<T>& items, const std::vector<yaml::Node>& nodes, const Catalog& all, Rank rank,
                std::string_view what) {
  std::set<std::pair<std::size_t, std::size_t>> reported;
  for (const auto& o : all.offerings) {
    for (Tier tier : k_all_tiers) {
      int best = -1;
      std::size_t first = 0;
      for (std::size_t i = 0; i < items.size(); ++i) {
        const int r = rank(items[i], o, tier);
        if (r > best) {
          best = r;
          first = i;
        } else if (r >= 0 && r == best && reported.insert({first, i}).second) {
          nodes[i].problem(fmt::format("sets the {} price of '{}' like the {} at {}", to_string(tier), o.id, what,
                                       items[first].where),
                           "make one of them more specific or remove one");
        }
      }
    }
  }
}

/// Checks that `ref` names an offering (id or name) of `all`; returns the matches.
std::vector<const Offering*> check_offering(const yaml::Node& node, const std::string& ref, const Catalog& all) {
  auto found = all.match_offerings(ref);
  if (found.empty() && !ref.empty()) {
    std::vector<std::string> names = all.offering_names();
    for (const auto& o : all.offerings) {
      names.push_back(o.id);
    }
    node.problem(fmt::format("unknown offering '{}'", ref), suggestion(ref, names));
  }
  return found;
}

std::vector<Backend> read_backends(const yaml::Node& list) {
  std::vector<Backend> out;
  std::unordered_map<std::string, std::size_t> by_name; // first backend of each name
  for (const yaml::Node& n : list.items()) {
    n.allow_keys({"name", "type", "endpoint", "project_id", "zone", "pod_size", "timeout"});
    Backend b;
    b.where = n.where();
    b.name = n.required("name").text().value_or("");
    if (!b.name.empty() && !all_of_chars(b.name, name_char)) {
      n.required("name").problem(fmt::format("backend name '{}' must be letters, digits, '-', '_' or '.'", b.name));
    }
    if (!b.name.empty()) {
      if (const auto [first, fresh] = by_name.emplace(b.name, out.size()); !fresh) {
        n.required("name").problem(fmt::format("duplicate backend '{}' (also at {})", b.name, out[first->second].where));
      }
    }
    b.type = n.required("type").one_of({"tpu", "gpu"}).value_or("");
    b.endpoint = n.required("endpoint").text().value_or("");
    if (!b.endpoint.empty() && !is_url(b.endpoint)) {
      n.required("endpoint").problem(fmt::format("expected an http(s) URL, got '{}'", b.endpoint),
                                     "e.g. http://10.0.0.5:8080");
    }
    b.project_id = n.child("project_id").text().value_or("");
    if (!b.project_id.empty() && !is_gcp_project_id(b.project_id)) {
      n.child("project_id").problem(fmt::format("'{}' is not a GCP project id", b.project_id),
                                    "6 to 30 lower-case letters, digits or hyphens, starting with a letter");
    }
    b.zone = n.child("zone").text().value_or("");
    if (!b.zone.empty() && !is_gcp_zone(b.zone)) {
      n.child("zone").problem(fmt::format("'{}' is not a GCP zone", b.zone), "e.g. us-central2-b");
    }
    b.pod_size = n.child("pod_size").integer(yaml::Range::at_least(1));
    if (const auto t = n.child("timeout").text()) {
      b.timeout_s = parse_duration_s(*t);
      if (b.timeout_s && std::isfinite(*b.timeout_s) && *b.timeout_s > 86'400) {
        n.child("timeout").problem(fmt::format("'{}' is out of range", *t), "accepted: more than 0 up to 24h");
        b.timeout_s.reset();
      } else if (!b.timeout_s || !(*b.timeout_s > 0 && std::isfinite(*b.timeout_s))) {
        n.child("timeout").problem(fmt::format("expected a positive duration with a unit, got '{}'", *t),
                                   "e.g. 30s, 500ms, 2m");
        b.timeout_s.reset();
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<PriceOverride> read_overrides(const std::vector<yaml::Node>& nodes, const Catalog& all) {
  std::vector<PriceOverride> out;
  for (const yaml::Node& n : nodes) {
    n.allow_keys({"offering", "tier", "usd_per_hour", "source", "as_of"});
    PriceOverride p;
    p.where = n.where();
    p.offering = n.required("offering").text().value_or("");
    check_offering(n.required("offering"), p.offering, all);
    if (const auto t = n.required("tier").one_of(tier_names())) {
      p.tier = *parse_tier(*t);
    }
    p.usd_per_hour = n.required("usd_per_hour").number(yaml::Range::positive()).value_or(0);
    p.source = n.required("source").text().value_or("");
    p.as_of = n.child("as_of").date().value_or("");
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Discount> read_discounts(const std::vector<yaml::Node>& nodes, const Catalog& all) {
  std::vector<Discount> out;
  const auto clouds = all.clouds();
  for (const yaml::Node& n : nodes) {
    n.allow_keys({"cloud", "offering", "tier", "fraction", "source", "as_of"});
    Discount d;
    d.where = n.where();
    d.cloud = n.child("cloud").text().value_or("");
    if (!d.cloud.empty() && std::none_of(clouds.begin(), clouds.end(), [&](const auto& c) { return iequals(c, d.cloud); })) {
      n.child("cloud").problem(fmt::format("unknown cloud '{}'", d.cloud), suggestion(d.cloud, clouds));
    }
    d.offering = n.child("offering").text().value_or("");
    const auto matches = check_offering(n.child("offering"), d.offering, all);
    if (!d.cloud.empty() && !matches.empty() &&
        std::none_of(matches.begin(), matches.end(), [&](const Offering* o) { return iequals(o->cloud, d.cloud); })) {
      n.child("offering").problem(fmt::format("offering '{}' is not in cloud '{}'", d.offering, d.cloud));
    }
    if (n.is_map() && !n.child("cloud").present() && !n.child("offering").present()) {
      n.problem("a discount needs 'cloud', 'offering' or both");
    }
    if (const auto t = n.child("tier").one_of(tier_names())) {
      d.tier = parse_tier(*t);
    }
    if (const auto f = n.required("fraction").number(yaml::Range::between(0.0, 1.0))) {
      if (*f == 1.0) {
        n.required("fraction").problem("a discount of 1 makes the price zero", "give the price with price_overrides");
      } else {
        d.fraction = *f;
      }
    }
    d.source = n.required("source").text().value_or("");
    d.as_of = n.child("as_of").date().value_or("");
    out.push_back(std::move(d));
  }
  return out;
}

/// Extra offerings: each entry is an offerings document (the format of data/offerings/*.yaml,
/// version line included), written in place or named by a path relative to the config file.
std::vector<Offering> read_extra_offerings(const yaml::Node& list, const std::filesystem::path& base_dir,
                                           const Catalog& catalog, yaml::Problems& problems) {
  // A config has no sources table: its offerings cite URLs with an as_of date.
  const data::SourceTable no_sources;
  data::OfferingReader reader(catalog.accelerators, no_sources);
  for (const yaml::Node& item : list.items()) {
    if (item.is_scalar()) {
      const auto file = base_dir / item.text().value_or("");
      reader.read_file(yaml::load_file(file, problems));
    } else {
      reader.read_file(item);
    }
  }
  auto extras = reader.take();
  std::unordered_set<std::string> ids; // the catalog's, lower case: ids compare case-insensitively
  for (const auto& o : catalog.offerings) {
    ids.insert(detail::ascii_lower(o.id));
  }
  for (const auto& o : extras) {
    if (ids.count(detail::ascii_lower(o.id)) != 0) {
      list.problem(fmt::format("offering '{}' is already in the catalog", o.id),
                   "change its prices with price_overrides");
    }
  }
  return extras;
}

} // namespace

std::optional<double> parse_duration_s(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) {
    return std::nullopt;
  }
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit == "ms") {
    return value / 1000.0;
  }
  if (unit == "s") {
    return value;
  }
  if (unit == "m") {
    return value * 60.0;
  }
  if (unit == "h") {
    return value * 3600.0;
  }
  return std::nullopt;
}

Config read_config(const yaml::Node& root, const std::filesystem::path& base_dir, const Catalog& catalog,
                   yaml::Problems& problems) {
  Config c;
  if (root.present() && !root.is_map()) {
    root.problem("expected a mapping of configuration keys",
                 "version, extra_offerings, price_overrides, discounts, backends, max_price_age_days");
    return c;
  }
  root.allow_keys({"version", "extra_offerings", "price_overrides", "discounts", "backends", "max_price_age_days"});
  if (const auto v = root.child("version").integer(); v && *v != k_config_format_version) {
    root.child("version").problem(fmt::format("unsupported config version {}", *v),
                                  fmt::format("this tpuplan reads version {}", k_config_format_version));
  }
  c.extra_offerings = read_extra_offerings(root.child("extra_offerings"), base_dir, catalog, problems);
  // Overrides and discounts may name the extra offerings too (the catalog with the extras is
  // built only when there are some: a copy of a 10,000-offering sheet is not free).
  const auto override_nodes = root.child("price_overrides").items();
  const auto discount_nodes = root.child("discounts").items();
  if (!override_nodes.empty() || !discount_nodes.empty()) {
    Catalog all = catalog;
    all.offerings.insert(all.offerings.end(), c.extra_offerings.begin(), c.extra_offerings.end());
    c.price_overrides = read_overrides(override_nodes, all);
    check_ties(c.price_overrides, override_nodes, all, override_rank, "price override");
    c.discounts = read_discounts(discount_nodes, all);
    check_ties(c.discounts, discount_nodes, all, discount_rank, "discount");
  }
  c.backends = read_backends(root.child("backends"));
  if (const yaml::Node age = root.child("max_price_age_days"); age.present()) {
    c.max_price_age_days = age.integer(yaml::Range::between(0, 36500));
    c.max_price_age_where = age.where();
  }
  return c;
}

Config read_config_file(const std::filesystem::path& path, const Catalog& catalog, yaml::Problems& problems) {
  Config c = read_config(yaml::load_file(path, problems), path.parent_path(), catalog, problems);
  c.origin = path.string();
  return c;
}

Config load_config(const std::filesystem::path& path, const Catalog& catalog) {
  yaml::Problems problems;
  Config c = read_config_file(path, catalog, problems);
  problems.throw_if_any();
  return c;
}

void apply_config(const Config& config, Catalog& catalog) {
  catalog.offerings.reserve(catalog.offerings.size() + config.extra_offerings.size());
  catalog.offerings.insert(catalog.offerings.end(), config.extra_offerings.begin(), config.extra_offerings.end());
  for (auto& o : catalog.offerings) {
    for (Tier tier : k_all_tiers) {
      if (const auto* p = best_match(config.price_overrides, o, tier, override_rank)) {
        o.price(tier) = Price{p->usd_per_hour, p->source, p->as_of, fmt::format("price override at {}", p->where)};
      }
      auto& price = o.price(tier);
      const auto* d = best_match(config.discounts, o, tier, discount_rank);
      if (d == nullptr || !price) {
        continue; // an absent price stays absent: a discount never invents one
      }
      price->usd_per_hour *= 1.0 - d->fraction;
      price->derived = fmt::format("{}× (1 − {:g}) negotiated discount at {} ({})",
                                   price->derived.empty() ? "" : price->derived + "; then ", d->fraction, d->where,
                                   d->source);
    }
  }
}

} // namespace tpuplan
