#include <tpuplan/detail/files.hpp>
#include <tpuplan/money/workload.hpp>

#include <tpuplan/detail/json_position.hpp>
#include <tpuplan/detail/text.hpp>
#include <tpuplan/data/yaml_tree.hpp>
#include <tpuplan/error.hpp>
#include <tpuplan/units.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <yaml-cpp/yaml.h>

namespace tpuplan {

namespace {

constexpr std::size_t k_day = 24;
constexpr std::size_t k_week = 168;
constexpr const char* k_curve_hint =
    "accepted: 24 hourly values (a day) or 168 (a week, Monday 00:00 first) of requests/s ≥ 0 — "
    "a comma list, a YAML or CSV file, or a Prometheus range-query CSV export (docs/workload.md)";

std::optional<double> to_number(std::string_view s) {
  s = detail::trim(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && detail::iequals(s.substr(s.size() - suffix.size()), suffix);
}

[[noreturn]] void fail(std::string_view where, const std::string& what, const std::string& hint = k_curve_hint) {
  throw Error(ErrorKind::input, fmt::format("{}: {}", where, what), hint);
}

/// A rate of the curve: finite and ≥ 0, or an error at `where`.
double rate_value(std::optional<double> v, std::string_view text, std::string_view where) {
  if (!v) {
    fail(where, fmt::format("'{}' is not a number", detail::trim(text)));
  }
  if (!std::isfinite(*v)) {
    fail(where, fmt::format("{} is not a request rate", detail::trim(text)));
  }
  if (*v < 0) {
    fail(where, fmt::format("{} is negative", detail::trim(text)));
  }
  return *v;
}

LoadCurve checked_curve(std::vector<double> values, std::string source, std::string_view where) {
  if (values.size() != k_day && values.size() != k_week) {
    fail(where, fmt::format("{} value{} in the curve", values.size(), values.size() == 1 ? "" : "s"));
  }
  if (std::all_of(values.begin(), values.end(), [](double v) { return v == 0; })) {
    fail(where, "every hour of the curve is 0 requests/s");
  }
  return LoadCurve{std::move(values), std::move(source)};
}

// ---- CSV ----------------------------------------------------------------------------------

/// One record of RFC 4180 text (no line breaks inside quotes: exports do not have them).
std::vector<std::string> csv_fields(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(std::move(field));
  for (auto& f : out) {
    f = std::string(detail::trim(f));
  }
  return out;
}

struct CsvRecord {
  std::size_t line = 0; ///< 1-based
  std::vector<std::string> fields;
};

/// The records of `text`, skipping blank lines and '#' comments; a BOM and CRs are dropped.
std::vector<CsvRecord> csv_records(const std::string& text) {
  std::vector<CsvRecord> out;
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) {
      line.erase(0, 3);
    }
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const std::string_view t = detail::trim(line);
    if (t.empty() || t.front() == '#') {
      continue;
    }
    out.push_back({n, csv_fields(line)});
  }
  return out;
}

std::string where_of(const std::string& name, std::size_t line) { return fmt::format("{}:{}", name, line); }

int find_column(const std::vector<std::string>& header, std::initializer_list<std::string_view> names) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    for (auto n : names) {
      if (detail::iequals(header[i], n)) {
        return static_cast<int>(i);
      }
    }
  }
  return -1;
}

// ---- times of a Prometheus export ---------------------------------------------------------

/// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

/// Seconds since the epoch from unix seconds (milliseconds when above 1e11) or ISO 8601
/// ("2025-05-01T13:00:00Z", "2025-05-01 13:00:00.000", with an optional ±hh:mm offset).
std::optional<double> epoch_seconds(std::string_view s) {
  if (const auto v = to_number(s)) {
    if (!std::isfinite(*v)) {
      return std::nullopt;
    }
    return *v > 1e11 ? *v / 1000 : *v;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  double sec = 0;
  char sep = 0;
  const std::string str(s);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &consumed) != 6 ||
      (sep != 'T' && sep != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(str).substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == ':') {
    rest.remove_prefix(1);
    std::size_t digits = 0;
    while (digits < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
      ++digits;
    }
    const auto v = to_number(rest.substr(0, digits));
    if (!v || *v >= 61) {
      return std::nullopt;
    }
    sec = *v;
    rest.remove_prefix(digits);
  }
  double offset = 0;
  rest = detail::trim(rest);
  if (rest == "Z" || rest == "z" || detail::iequals(rest, "UTC") || rest.empty()) {
    offset = 0;
  } else if ((rest.front() == '+' || rest.front() == '-') && (rest.size() == 6 || rest.size() == 5)) {
    const int sign = rest.front() == '+' ? 1 : -1;
    const std::string_view hh = rest.substr(1, 2);
    const std::string_view mm = rest.size() == 6 ? rest.substr(4, 2) : rest.substr(3, 2);
    const auto oh = to_number(hh), om = to_number(mm);
    if (!oh || !om) {
      return std::nullopt;
    }
    offset = sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  const long long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(days) * 86400 + h * 3600.0 + mi * 60.0 + sec - offset;
}

/// Averages (time, requests/s) samples into hours of the day, or of the week when every hour
/// of the week has samples. Hour-of-week 0 is Monday 00:00 UTC (1970-01-01 was a Thursday).
LoadCurve bucket_samples(const std::map<double, double>& totals, const std::string& name) {
  std::vector<double> week_sum(k_week, 0), day_sum(k_day, 0);
  std::vector<std::size_t> week_n(k_week, 0), day_n(k_day, 0);
  for (const auto& [t, v] : totals) {
    // About ±31 million years from 1970: beyond it a time has no hour of a day that a double
    // can tell, and its hour count would overflow a long long.
    if (!(std::fabs(t) <= 1e15)) {
      throw Error(ErrorKind::input, fmt::format("{}: time {:g} s is outside ±1e15 s of 1970-01-01", name, t));
    }
    const auto hours = static_cast<long long>(std::floor(t / 3600));
    const long long days = hours >= 0 ? hours / 24 : (hours - 23) / 24;
    const auto hour = static_cast<std::size_t>(hours - days * 24);
    const auto weekday = static_cast<std::size_t>(((days + 3) % 7 + 7) % 7);
    week_sum[weekday * 24 + hour] += v;
    ++week_n[weekday * 24 + hour];
    day_sum[hour] += v;
    ++day_n[hour];
  }
  const bool weekly = std::all_of(week_n.begin(), week_n.end(), [](std::size_t n) { return n > 0; });
  auto& sum = weekly ? week_sum : day_sum;
  auto& n = weekly ? week_n : day_n;
  for (std::size_t i = 0; i < sum.size(); ++i) {
    if (n[i] == 0) {
      fail(name, fmt::format("the export has no sample in hour {:02d}:00 UTC of the day", i),
           "export at least one full day (24 h) of samples, or a full week for a weekly curve");
    }
    sum[i] /= static_cast<double>(n[i]);
  }
  return checked_curve(std::move(sum), name, name);
}

/// A Prometheus range-query export: a time column and series columns (wide), or
/// time,series,value (long). Totals per timestamp are summed over the series.
LoadCurve parse_prometheus(const std::vector<CsvRecord>& records, int time_col, const std::string& name) {
  const auto& header = records.front().fields;
  const int value_col = find_column(header, {"value", "values"});
  std::map<double, double> totals;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    const std::string where = where_of(name, rec.line);
    if (rec.fields.size() != header.size()) {
      fail(where, fmt::format("{} fields, the header has {}", rec.fields.size(), header.size()),
           "every row of the export has one field per header column");
    }
    const auto t = epoch_seconds(rec.fields[static_cast<std::size_t>(time_col)]);
    if (!t) {
      fail(where, fmt::format("'{}' is not a time", rec.fields[static_cast<std::size_t>(time_col)]),
           "accepted: unix seconds or milliseconds, or ISO 8601 such as 2025-05-01T13:00:00Z");
    }
    bool any = false;
    double total = 0;
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (static_cast<int>(c) == time_col || (value_col >= 0 && static_cast<int>(c) != value_col)) {
        continue; // long form: only the value column holds rates (the others name the series)
      }
      const std::string& f = rec.fields[c];
      if (f.empty()) {
        continue; // a series without a sample at this time
      }
      total += rate_value(to_number(f), f, where);
      any = true;
    }
    if (any) {
      totals[*t] += total;
    }
  }
  if (totals.empty()) {
    fail(name, "the export holds no sample");
  }
  return bucket_samples(totals, name);
}

LoadCurve parse_curve_csv(const std::string& text, const std::string& name) {
  const auto records = csv_records(text);
  if (records.empty()) {
    fail(name, "the file is empty");
  }
  const auto& first = records.front().fields;
  const bool numeric_first = std::all_of(first.begin(), first.end(), [](const std::string& f) { return to_number(f).has_value(); });
  std::size_t begin = 0;
  int hour_col = -1, value_col = 0;
  if (!numeric_first) {
    const int time_col = find_column(first, {"time", "timestamp", "date", "datetime"});
    if (time_col >= 0) {
      return parse_prometheus(records, time_col, name);
    }
    hour_col = find_column(first, {"hour"});
    value_col = find_column(first, {"requests_per_s", "rate", "value", "requests_per_second"});
    for (std::size_t c = 0; c < first.size(); ++c) {
      if (static_cast<int>(c) != hour_col && static_cast<int>(c) != value_col) {
        fail(where_of(name, records.front().line), fmt::format("unknown column '{}'", first[c]),
             "accepted columns: hour,requests_per_s; one column of values; or a Prometheus export with a time column");
      }
    }
    if (value_col < 0) {
      fail(where_of(name, records.front().line), "no requests_per_s column",
           "accepted columns: hour,requests_per_s, or one column of values");
    }
    begin = 1;
  } else if (first.size() == 2) {
    hour_col = 0;
    value_col = 1;
  } else if (first.size() != 1) {
    fail(where_of(name, records.front().line), fmt::format("{} columns without a header", first.size()),
         "accepted: one column of values, or hour,requests_per_s");
  }
  std::vector<double> values;
  std::vector<bool> seen;
  for (std::size_t r = begin; r < records.size(); ++r) {
    const auto& rec = records[r];
    const std::string where = where_of(name, rec.line);
    const std::size_t want = hour_col >= 0 ? 2 : 1;
    if (rec.fields.size() != want) {
      fail(where, fmt::format("{} fields, expected {}", rec.fields.size(), want));
    }
    const std::string& vf = rec.fields[static_cast<std::size_t>(value_col)];
    const double v = rate_value(to_number(vf), vf, where);
    if (hour_col < 0) {
      values.push_back(v);
      continue;
    }
    const std::string& hf = rec.fields[static_cast<std::size_t>(hour_col)];
    const auto h = to_number(hf);
    if (!h || *h < 0 || *h >= static_cast<double>(k_week) || *h != std::floor(*h)) {
      fail(where, fmt::format("hour '{}' is not a whole number from 0 to 167", hf));
    }
    const auto i = static_cast<std::size_t>(*h);
    if (i >= values.size()) {
      values.resize(i + 1, 0);
      seen.resize(i + 1, false);
    }
    if (seen[i]) {
      fail(where, fmt::format("hour {} is given twice", i));
    }
    seen[i] = true;
    values[i] = v;
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) {
      fail(name, fmt::format("hour {} is missing", i));
    }
  }
  if (values.empty()) {
    fail(name, "the file holds no value");
  }
  return checked_curve(std::move(values), name, name);
}

LoadCurve parse_curve_yaml(const std::string& text, const std::string& name) {
  YAML::Node root;
  // One document, nested at most yaml::k_max_nesting deep (a second one is not ignored).
  if (const auto breach = yaml::check_document(text)) {
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: {}{}", name, breach->line + 1, breach->column + 1,
                                              breach->syntax ? "YAML syntax error: " : "", breach->message));
  }
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(ErrorKind::input, fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  auto at = [&](const YAML::Node& n) { return fmt::format("{}:{}:{}", name, n.Mark().line + 1, n.Mark().column + 1); };
  if (!root || root.IsNull()) {
    fail(name, "the file is empty");
  }
  YAML::Node list = root;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) { // `[ ]: 1` (found by fuzz_yaml: as<std::string> threw)
        fail(at(kv.first), "a key must be a name", "accepted keys: requests_per_s, version");
      }
      const std::string& key = kv.first.Scalar();
      if (key != "requests_per_s" && key != "version") {
        fail(at(kv.first), fmt::format("unknown key '{}'", key), suggestion(key, {"requests_per_s", "version"}));
      }
    }
    list = root["requests_per_s"];
    if (!list) {
      fail(at(root), "missing key 'requests_per_s'");
    }
  }
  if (!list.IsSequence()) {
    fail(at(list), "expected a list of requests/s");
  }
  std::vector<double> values;
  for (const auto& v : list) {
    if (!v.IsScalar()) {
      fail(at(v), "expected a number");
    }
    const std::string& s = v.Scalar();
    std::optional<double> n = to_number(s);
    if (!n && (detail::iequals(s, ".nan") || detail::iequals(s, "nan"))) {
      n = std::nan("");
    }
    values.push_back(rate_value(n, s, at(v)));
  }
  return checked_curve(std::move(values), name, at(list));
}

std::string read_text_file(const std::filesystem::path& path, std::string_view what) {
  return detail::read_input_file(path, fmt::format("--{}", what));
}

} // namespace

double LoadCurve::peak() const {
  return requests_per_s.empty() ? 0.0 : *std::max_element(requests_per_s.begin(), requests_per_s.end());
}

double LoadCurve::mean() const {
  return requests_per_s.empty()
             ? 0.0
             : std::accumulate(requests_per_s.begin(), requests_per_s.end(), 0.0) / static_cast<double>(requests_per_s.size());
}

std::optional<double> Workload::requests_per_s(double hours_per_day) const {
  if (rate_requests_per_s) {
    return rate_requests_per_s;
  }
  if (tokens_per_day && hours_per_day > 0) {
    // Tokens a day count input and output and arrive during the hours the service runs.
    return *tokens_per_day / tokens_per_request() / (hours_per_day * k_seconds_per_hour);
  }
  if (curve) {
    return curve->peak();
  }
  return std::nullopt;
}

std::optional<double> Workload::output_tokens_per_s(double hours_per_day) const {
  const auto r = requests_per_s(hours_per_day);
  return r ? std::optional<double>(*r * output_tokens) : std::nullopt;
}

void validate(const Workload& w) {
  const int loads = int{w.rate_requests_per_s.has_value()} + int{w.tokens_per_day.has_value()} +
                    int{w.concurrency.has_value()} + int{w.curve.has_value()};
  if (loads > 1) {
    throw Error(ErrorKind::usage, "--rate, --tokens-per-day, --concurrency and --load-curve are exclusive",
                "give the load one way");
  }
  auto positive = [](const char* flag, const std::optional<double>& v, const char* what) {
    if (v && !(*v > 0 && std::isfinite(*v))) {
      throw Error(ErrorKind::usage, fmt::format("{}: {:g} is not a positive {}", flag, *v, what));
    }
  };
  positive("--rate", w.rate_requests_per_s, "number of requests per second");
  positive("--tokens-per-day", w.tokens_per_day, "token count");
  positive("--ttft-ms", w.slo.ttft_ms, "number of milliseconds");
  positive("--tpot-ms", w.slo.tpot_ms, "number of milliseconds");
  auto at_most = [](const char* flag, const std::optional<double>& v, double max, const char* what) {
    if (v && *v > max) {
      throw Error(ErrorKind::usage, fmt::format("{}: {:g} is out of range", flag, *v),
                  fmt::format("accepted: more than 0 up to {} {}", max, what));
    }
  };
  at_most("--rate", w.rate_requests_per_s, k_max_rate_rps, "requests per second");
  at_most("--tokens-per-day", w.tokens_per_day, k_max_tokens_per_day, "tokens a day");
  at_most("--ttft-ms", w.slo.ttft_ms, k_max_latency_ms, "ms");
  at_most("--tpot-ms", w.slo.tpot_ms, k_max_latency_ms, "ms");
  if (w.concurrency && (*w.concurrency < 1 || *w.concurrency > k_max_concurrency)) {
    throw Error(ErrorKind::usage, fmt::format("--concurrency: {} is out of range", *w.concurrency),
                fmt::format("accepted: 1 to {} sequences in flight", k_max_concurrency));
  }
  for (const auto& [flag, v] : {std::pair{"--input-tokens", w.input_tokens}, {"--output-tokens", w.output_tokens}}) {
    if (!(v >= 1 && v <= 1e7)) {
      throw Error(ErrorKind::usage, fmt::format("{}: {:g} is not a token count from 1 to 10,000,000", flag, v));
    }
  }
  if (w.context_tokens) {
    if (!(*w.context_tokens >= 1 && *w.context_tokens <= 1e7)) {
      throw Error(ErrorKind::usage,
                  fmt::format("--context: {:g} is not a token count from 1 to 10,000,000", *w.context_tokens));
    }
    if (*w.context_tokens < w.tokens_per_request()) {
      throw Error(ErrorKind::usage,
                  fmt::format("--context: {:g} tokens cannot hold requests of {:g} input + {:g} output tokens",
                              *w.context_tokens, w.input_tokens, w.output_tokens),
                  "raise --context or lower --input-tokens/--output-tokens");
    }
  }
  if (!(w.capacity_headroom >= 0 && w.capacity_headroom < 1)) {
    throw Error(ErrorKind::usage,
                fmt::format("--capacity-headroom: {:g} is not a fraction in [0, 1)", w.capacity_headroom),
                "e.g. 0.2 keeps a fifth of each replica's capacity free for bursts");
  }
  for (double q : {w.slo.ttft_quantile, w.slo.tpot_quantile}) {
    if (!(q > 0 && q < 1)) {
      throw Error(ErrorKind::usage, fmt::format("latency percentile {:g} is outside (0, 1)", q),
                  "accepted: p50, p90, p95, p99");
    }
  }
}

std::optional<double> parse_percentile(std::string_view name) {
  for (auto [n, q] : {std::pair{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}}) {
    if (name == n) {
      return q;
    }
  }
  return std::nullopt;
}

std::string percentile_name(double quantile) { return fmt::format("p{:.0f}", quantile * 100); }

std::string slo_targets(const Slo& slo) {
  std::string text;
  if (slo.ttft_ms) {
    text = fmt::format("{} TTFT ≤ {:g} ms", percentile_name(slo.ttft_quantile), *slo.ttft_ms);
  }
  if (slo.tpot_ms) {
    text += fmt::format("{}{} TPOT ≤ {:g} ms", text.empty() ? "" : ", ", percentile_name(slo.tpot_quantile), *slo.tpot_ms);
  }
  return text;
}

LoadCurve parse_curve_values(std::string_view text, std::string_view origin) {
  std::vector<double> values;
  std::size_t start = 0;
  for (std::size_t i = 0;; ++i) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::string where = fmt::format("{}: value {}", origin, i + 1);
    const auto v = to_number(item);
    if (!v) {
      throw Error(ErrorKind::usage, fmt::format("{}: '{}' is not a number", where, detail::trim(item)), k_curve_hint);
    }
    if (!std::isfinite(*v) || *v < 0) {
      throw Error(ErrorKind::usage, fmt::format("{}: {} is not a request rate ≥ 0", where, detail::trim(item)),
                  k_curve_hint);
    }
    values.push_back(*v);
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  try {
    return checked_curve(std::move(values), std::string(origin), origin);
  } catch (const Error& e) {
    throw Error(ErrorKind::usage, e.what(), e.hint());
  }
}

LoadCurve parse_curve_text(const std::string& text, const std::string& name) {
  if (ends_with(name, ".yaml") || ends_with(name, ".yml")) {
    return parse_curve_yaml(text, name);
  }
  return parse_curve_csv(text, name);
}

LoadCurve load_curve_file(const std::filesystem::path& path) {
  return parse_curve_text(read_text_file(path, "load-curve"), path.string());
}

LoadCurve read_curve(const std::string& value, std::string_view flag) {
  if (value.find(',') != std::string::npos || to_number(value)) {
    return parse_curve_values(value, flag);
  }
  return load_curve_file(value);
}

LoadCurve flat_curve(double requests_per_s, double hours_per_day) {
  LoadCurve c;
  c.requests_per_s.resize(k_day, 0);
  for (std::size_t h = 0; h < k_day; ++h) {
    c.requests_per_s[h] = requests_per_s * std::clamp(hours_per_day - static_cast<double>(h), 0.0, 1.0);
  }
  c.source = fmt::format("flat: {:g} requests/s for {:g} h/day", requests_per_s, hours_per_day);
  return c;
}

LengthStats parse_lengths_text(const std::string& text, const std::string& name) {
  const char* hint = "accepted: CSV with input_tokens,output_tokens columns (or prompt_tokens,completion_tokens), "
                     "or JSON lines with those keys (tpuplan bench --requests-out)";
  std::vector<std::pair<double, double>> lengths;
  auto add = [&](std::optional<double> in, std::optional<double> out, const std::string& where) {
    for (const auto& v : {in, out}) {
      if (!v || !std::isfinite(*v) || *v < 0) {
        throw Error(ErrorKind::input, fmt::format("{}: a token count must be a number ≥ 0", where), hint);
      }
    }
    lengths.emplace_back(*in, *out);
  };
  const std::string_view body = detail::trim(text, " \t\r\n");
  if (ends_with(name, ".jsonl") || (!body.empty() && body.front() == '{')) {
    std::istringstream in(text);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (detail::trim(line, " \t\r").empty()) {
        continue;
      }
      const std::string where = where_of(name, n);
      nlohmann::json j;
      if (const auto limit = detail::json_limits_problem(line)) {
        throw Error(ErrorKind::input, fmt::format("{}: {}", where, limit->message), hint);
      }
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw Error(ErrorKind::input, fmt::format("{}: not JSON ({})", where, e.what()), hint);
      }
      auto field = [&](std::initializer_list<const char*> keys) -> std::optional<nlohmann::json> {
        for (const char* k : keys) {
          if (j.is_object() && j.contains(k)) {
            return j[k];
          }
        }
        return std::nullopt;
      };
      const auto in_tokens = field({"input_tokens", "prompt_tokens"});
      const auto out_tokens = field({"output_tokens", "completion_tokens"});
      if (!in_tokens || !out_tokens) {
        throw Error(ErrorKind::input, fmt::format("{}: no input_tokens/output_tokens keys", where), hint);
      }
      if (in_tokens->is_null() || out_tokens->is_null()) {
        continue; // a failed request: its lengths are unknown
      }
      if (!in_tokens->is_number() || !out_tokens->is_number()) {
        throw Error(ErrorKind::input, fmt::format("{}: a token count must be a number ≥ 0", where), hint);
      }
      add(in_tokens->get<double>(), out_tokens->get<double>(), where);
    }
  } else {
    const auto records = csv_records(text);
    if (records.empty()) {
      throw Error(ErrorKind::input, fmt::format("{}: the file is empty", name), hint);
    }
    const auto& header = records.front().fields;
    const int in_col = find_column(header, {"input_tokens", "prompt_tokens"});
    const int out_col = find_column(header, {"output_tokens", "completion_tokens"});
    if (in_col < 0 || out_col < 0) {
      throw Error(ErrorKind::input,
                  fmt::format("{}: no {} column", where_of(name, records.front().line),
                              in_col < 0 ? "input_tokens" : "output_tokens"),
                  hint);
    }
    for (std::size_t r = 1; r < records.size(); ++r) {
      const auto& rec = records[r];
      const std::string where = where_of(name, rec.line);
      if (rec.fields.size() != header.size()) {
        throw Error(ErrorKind::input, fmt::format("{}: {} fields, the header has {}", where, rec.fields.size(), header.size()),
                    hint);
      }
      add(to_number(rec.fields[static_cast<std::size_t>(in_col)]), to_number(rec.fields[static_cast<std::size_t>(out_col)]),
          where);
    }
  }
  if (lengths.empty()) {
    throw Error(ErrorKind::input, fmt::format("{}: no request with known lengths", name), hint);
  }
  LengthStats s;
  s.source = name;
  s.requests = lengths.size();
  for (const auto& [in, out] : lengths) {
    s.input_tokens += in;
    s.output_tokens += out;
    s.max_tokens = std::max(s.max_tokens, in + out);
  }
  const double n = static_cast<double>(lengths.size());
  s.input_tokens /= n;
  s.output_tokens /= n;
  if (!(s.input_tokens >= 1) || !(s.output_tokens >= 1)) {
    throw Error(ErrorKind::input,
                fmt::format("{}: mean lengths {:.1f} input / {:.1f} output tokens; each must be at least 1", name,
                            s.input_tokens, s.output_tokens),
                hint);
  }
  double var = 0;
  for (const auto& [in, out] : lengths) {
    var += (out - s.output_tokens) * (out - s.output_tokens);
  }
  s.output_scv = var / n / (s.output_tokens * s.output_tokens);
  return s;
}

LengthStats load_lengths_file(const std::filesystem::path& path) {
  return parse_lengths_text(read_text_file(path, "lengths"), path.string());
}

} // namespace tpuplan
