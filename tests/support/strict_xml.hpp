// A small, strict XML reader for tests of generated documents (SVG): one root element,
// balanced and properly nested tags, double- or single-quoted attributes given once each,
// only the five predefined entities and numeric character references, an optional XML
// declaration and comments. Anything else throws std::runtime_error saying where.
#pragma once

#include <cctype>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tpuplan::test {

/// One element: name, attributes (entities decoded), children, and its own text.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<std::unique_ptr<XmlElement>> children;
  std::string text; ///< character data directly inside (entities decoded)

  /// The value of an attribute, or "" when absent.
  std::string attr(const std::string& key) const {
    const auto it = attributes.find(key);
    return it == attributes.end() ? std::string{} : it->second;
  }
  /// Every descendant (depth first) named `element_name`.
  std::vector<const XmlElement*> find_all(std::string_view element_name) const {
    std::vector<const XmlElement*> out;
    for (const auto& c : children) {
      if (c->name == element_name) {
        out.push_back(c.get());
      }
      for (const auto* d : c->find_all(element_name)) {
        out.push_back(d);
      }
    }
    return out;
  }
  /// All text inside, children included.
  std::string all_text() const {
    std::string s = text;
    for (const auto& c : children) {
      s += c->all_text();
    }
    return s;
  }
};

/// Parses `text` strictly; throws std::runtime_error("xml: <what> at offset N").
class StrictXml {
public:
  static std::unique_ptr<XmlElement> parse(std::string_view text) {
    StrictXml p(text);
    return p.document();
  }

private:
  explicit StrictXml(std::string_view text) : m_s(text) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("xml: " + what + " at offset " + std::to_string(m_i));
  }
  bool starts(std::string_view p) const { return m_s.substr(m_i, p.size()) == p; }
  void expect(std::string_view p) {
    if (!starts(p)) {
      fail("expected '" + std::string(p) + "'");
    }
    m_i += p.size();
  }
  void skip_space() {
    while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i]))) {
      ++m_i;
    }
  }
  void skip_misc() { // whitespace and comments between top-level constructs
    while (true) {
      skip_space();
      if (!starts("<!--")) {
        return;
      }
      comment();
    }
  }
  void comment() {
    expect("<!--");
    const auto end = m_s.find("-->", m_i);
    if (end == std::string_view::npos || m_s.substr(m_i, end - m_i).find("--") != std::string_view::npos) {
      fail("bad comment");
    }
    m_i = end + 3;
  }
  static bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
  static bool name_char(char c) {
    return name_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  }
  std::string name() {
    if (m_i >= m_s.size() || !name_start(m_s[m_i])) {
      fail("expected a name");
    }
    const std::size_t start = m_i;
    while (m_i < m_s.size() && name_char(m_s[m_i])) {
      ++m_i;
    }
    return std::string(m_s.substr(start, m_i - start));
  }
  std::string entity() {
    expect("&");
    const auto end = m_s.find(';', m_i);
    if (end == std::string_view::npos || end - m_i > 10) {
      fail("unterminated entity");
    }
    const std::string e(m_s.substr(m_i, end - m_i));
    m_i = end + 1;
    if (e == "amp") return "&";
    if (e == "lt") return "<";
    if (e == "gt") return ">";
    if (e == "quot") return "\"";
    if (e == "apos") return "'";
    if (e.size() > 1 && e[0] == '#') {
      const bool hex = e[1] == 'x';
      const std::string digits = e.substr(hex ? 2 : 1);
      if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos) {
        fail("bad character reference &" + e + ";");
      }
      return "?"; // the code point itself does not matter to the tests
    }
    fail("unknown entity &" + e + ";");
  }
  std::unique_ptr<XmlElement> document() {
    if (starts("<?xml")) {
      const auto end = m_s.find("?>", m_i);
      if (end == std::string_view::npos) {
        fail("unterminated XML declaration");
      }
      m_i = end + 2;
    }
    skip_misc();
    if (!starts("<")) {
      fail("expected the root element");
    }
    auto root = element();
    skip_misc();
    if (m_i != m_s.size()) {
      fail("content after the root element");
    }
    return root;
  }
  std::unique_ptr<XmlElement> element() {
    expect("<");
    auto e = std::make_unique<XmlElement>();
    e->name = name();
    while (true) {
      const std::size_t before = m_i;
      skip_space();
      if (starts("/>")) {
        m_i += 2;
        return e;
      }
      if (starts(">")) {
        ++m_i;
        break;
      }
      if (m_i == before) {
        fail("expected whitespace before an attribute");
      }
      const std::string key = name();
      skip_space();
      expect("=");
      skip_space();
      if (m_i >= m_s.size() || (m_s[m_i] != '"' && m_s[m_i] != '\'')) {
        fail("attribute value must be quoted");
      }
      const char quote = m_s[m_i++];
      std::string value;
      while (m_i < m_s.size() && m_s[m_i] != quote) {
        if (m_s[m_i] == '<') {
          fail("'<' in an attribute value");
        }
        value += m_s[m_i] == '&' ? entity() : std::string(1, m_s[m_i++]);
      }
      expect(std::string_view(&quote, 1));
      if (!e->attributes.emplace(key, value).second) {
        fail("attribute '" + key + "' given twice");
      }
    }
    while (true) { // content
      if (m_i >= m_s.size()) {
        fail("unclosed element <" + e->name + ">");
      }
      if (starts("</")) {
        m_i += 2;
        if (name() != e->name) {
          fail("mismatched end tag for <" + e->name + ">");
        }
        skip_space();
        expect(">");
        return e;
      }
      if (starts("<!--")) {
        comment();
      } else if (starts("<")) {
        e->children.push_back(element());
      } else if (m_s[m_i] == '&') {
        e->text += entity();
      } else if (m_s[m_i] == '>' && m_i >= 2 && m_s.substr(m_i - 2, 2) == "]]") {
        fail("']]>' in text");
      } else {
        e->text += m_s[m_i++];
      }
    }
  }

  std::string_view m_s;
  std::size_t m_i = 0;
};

} // namespace tpuplan::test
