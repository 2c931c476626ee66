#include <tpuplan/report/report.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <cmath>
#include <algorithm>
#include <sstream>

using namespace tpuplan;

namespace {

Report sample_report() {
  Report r;
  r.command = "cost";
  r.inputs["model"] = "llama-3.1-70b";
  r.assumptions.push_back({"hours_per_month", 730.0, "h", "billing month", "GCP pricing pages"});
  Table t;
  t.name = "offerings";
  t.title = "Monthly cost";
  t.columns = {{"offering", "offering", 0, false, ""},
               {"chips", "chips", 0, false, ""},
               {"usd_per_month", "$/month", 2, false, ""},
               {"note", "note", 0, true, ""}};
  t.rows.push_back({std::string("v6e-8"), std::int64_t{8}, 15768.0, std::string("has \"quotes\", commas")});
  t.rows.push_back({std::string("a3-highgpu-2g"), std::int64_t{2}, Cell{}, std::string("line\nbreak")});
  t.notes.push_back("prices as of 2025-03-03");
  r.tables.push_back(t);
  return r;
}

std::string render_to_string(const Report& r, Format f, RenderOptions o = {}) {
  std::ostringstream out;
  render(r, f, o, out);
  return out.str();
}

/// A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes, no stray quotes.
std::vector<std::vector<std::string>> parse_csv_strict(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::size_t i = 0;
  bool at_field_start = true;
  while (i < text.size()) {
    const char c = text[i];
    if (at_field_start && c == '"') {
      ++i;
      while (true) {
        REQUIRE(i < text.size());
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          field += text[i++];
        }
      }
      REQUIRE((i == text.size() || text[i] == ',' || text[i] == '\r'));
      at_field_start = false;
      continue;
    }
    if (c == ',') {
      record.push_back(field);
      field.clear();
      at_field_start = true;
      ++i;
    } else if (c == '\r') {
      REQUIRE(i + 1 < text.size());
      REQUIRE(text[i + 1] == '\n');
      record.push_back(field);
      records.push_back(record);
      record.clear();
      field.clear();
      at_field_start = true;
      i += 2;
    } else {
      REQUIRE(c != '"');
      REQUIRE(c != '\n');
      field += c;
      at_field_start = false;
      ++i;
    }
  }
  REQUIRE(record.empty());
  REQUIRE(field.empty());
  return records;
}

} // namespace

TEST_CASE("CSV output is RFC 4180 with a header row and raw numbers", "[report]") {
  const auto records = parse_csv_strict(render_to_string(sample_report(), Format::csv));
  REQUIRE(records.size() == 3);
  CHECK(records[0] == std::vector<std::string>{"offering", "chips", "usd_per_month", "note"});
  CHECK(records[1] == std::vector<std::string>{"v6e-8", "8", "15768", "has \"quotes\", commas"});
  CHECK(records[2] == std::vector<std::string>{"a3-highgpu-2g", "2", "", "line\nbreak"});
}

TEST_CASE("JSON output carries schema, inputs, assumptions, flat rows and null for unknown", "[report]") {
  RenderOptions o;
  o.tool_version = "9.9.9";
  const auto doc = nlohmann::json::parse(render_to_string(sample_report(), Format::json, o));
  CHECK(doc["schema"] == "tpuplan.cost/v1");
  CHECK(doc["tool_version"] == "9.9.9");
  CHECK(doc["inputs"]["model"] == "llama-3.1-70b");
  CHECK(doc["assumptions"]["hours_per_month"]["value"] == 730.0);
  REQUIRE(doc["rows"].size() == 2);
  CHECK(doc["rows"][0]["usd_per_month"] == 15768.0);
  CHECK(doc["rows"][1]["usd_per_month"].is_null());
  CHECK(doc["notes"][0] == "prices as of 2025-03-03");
  CHECK_FALSE(doc.contains("tables"));
}

TEST_CASE("table output aligns columns, shows '-' for unknown and hides wide-only columns", "[report]") {
  const auto text = render_to_string(sample_report(), Format::table);
  CHECK(text.find("15,768.00") != std::string::npos);
  CHECK(text.find("  -") != std::string::npos);
  CHECK(text.find("quotes") == std::string::npos);
  CHECK(text.find("hours_per_month = 730 h") != std::string::npos);
  RenderOptions wide;
  wide.wide = true;
  CHECK(render_to_string(sample_report(), Format::table, wide).find("quotes") != std::string::npos);
}

TEST_CASE("markdown output is a pipe table with escaped cells", "[report]") {
  const auto text = render_to_string(sample_report(), Format::markdown);
  CHECK(text.find("| offering | chips | $/month |") != std::string::npos);
  CHECK(text.find("| --- | ---: | ---: |") != std::string::npos);
}

TEST_CASE("several tables are named in JSON and selectable for CSV", "[report]") {
  Report r = sample_report();
  Table second;
  second.name = "platform";
  second.columns = {{"winner", "winner", 0, false, ""}};
  second.rows.push_back({std::string("tpu")});
  r.tables.push_back(second);
  const auto doc = nlohmann::json::parse(render_to_string(r, Format::json));
  CHECK(doc["tables"]["platform"]["rows"][0]["winner"] == "tpu");
  RenderOptions o;
  o.table = "platform";
  CHECK(render_to_string(r, Format::csv, o) == "winner\r\ntpu\r\n");
  o.table = "platfrom";
  CHECK_THROWS_WITH(render_to_string(r, Format::csv, o), "unknown table 'platfrom'");
}

TEST_CASE("raw numbers hide binary noise and never use thousands separators", "[report]") {
  CHECK(format_raw_number(0.1 + 0.2) == "0.3");
  CHECK(format_raw_number(1234567.5) == "1234567.5");
  CHECK(format_raw_number(0) == "0");
  CHECK(format_human_number(1234567.456, 2) == "1,234,567.46");
  CHECK(format_human_number(-5.5, 1) == "-5.5");
}

TEST_CASE("human numbers: grouped digits, correctly rounded, the sign only where a digit is not zero", "[report]") {
  CHECK(format_human_number(0, 0) == "0");
  CHECK(format_human_number(999.995, 2) == "1,000.00"); // 999.995 is 999.9950000000000045… in binary
  CHECK(format_human_number(0.125, 2) == "0.12");       // an exact tie goes to even
  CHECK(format_human_number(999.5, 0) == "1,000");    // ties to even: 999.5 → 1000
  CHECK(format_human_number(-0.004, 2) == "0.00");    // no "-0.00"
  CHECK(format_human_number(-1234.5, 2) == "-1,234.50");
  CHECK(format_human_number(123456, -1) == "123,456"); // negative decimals: none
  CHECK(format_human_number(1e21, 0) == "1,000,000,000,000,000,000,000");
  CHECK(format_human_number(1e308, 2).size() == 309 + 102 + 3);
  CHECK(format_human_number(std::nan(""), 2) == "nan");
  CHECK(format_human_number(-INFINITY, 2) == "-inf");
  // The same digits as fmt's fixed format on a spread of magnitudes and precisions.
  for (double v : {0.125, 2.675, 1.005, 12345.678901, 7e-7, 4.35e12, 65535.5}) {
    for (int d : {0, 1, 2, 3, 6}) {
      std::string plain = format_human_number(v, d);
      plain.erase(std::remove(plain.begin(), plain.end(), ','), plain.end());
      CHECK(plain == fmt::format("{:.{}f}", v, d));
    }
  }
}
