#include "serve/cmcd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/text_io.hpp"
#include "serve/url.hpp"
#include "streamopt/error.hpp"

namespace streamopt::serve {

namespace {

// RFC 8941 limits: Integers have at most 15 digits, Decimals at most 12
// integer and 3 fraction digits.
constexpr std::size_t kMaxIntegerDigits = 15;
constexpr std::size_t kMaxDecimalIntegerDigits = 12;
constexpr std::size_t kMaxDecimalFractionDigits = 3;
// Members in one payload at most: CMCD defines about 20 keys; a payload of
// thousands is an attack, not a player.
constexpr std::size_t kMaxMembers = 64;

// The CMCD header fields (case-insensitive names).
constexpr std::array<std::string_view, 4> kCmcdHeaders = {"CMCD-Request", "CMCD-Object", "CMCD-Status",
                                                          "CMCD-Session"};
// CMCD's object types (`ot`).
constexpr std::array<std::string_view, 9> kObjectTypes = {"m", "a", "v", "av", "i", "c", "tt", "k", "o"};

// One Structured Field bare item.
struct BareItem {
  enum class Kind { integer, decimal, string, token, bytes, boolean };
  Kind kind = Kind::boolean;
  std::int64_t integer = 0;
  double decimal = 0;
  std::string text;  // string or token (a byte sequence's base64 text)
  bool boolean = true;
};

const char* kind_name(BareItem::Kind kind) {
  switch (kind) {
    case BareItem::Kind::integer: return "an Integer";
    case BareItem::Kind::decimal: return "a Decimal";
    case BareItem::Kind::string: return "a String";
    case BareItem::Kind::token: return "a Token";
    case BareItem::Kind::bytes: return "a Byte Sequence";
    case BareItem::Kind::boolean: return "a Boolean";
  }
  return "a value";
}

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_alpha(char c) { return is_lcalpha(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// tchar of RFC 9110.
bool is_tchar(char c) {
  return is_alpha(c) || is_digit(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A cursor over one payload that throws `Error` naming the source, position
// and key on anything RFC 8941 does not allow.
class Scanner {
 public:
  Scanner(std::string_view text, std::string_view where) : text_(text), where_(where) {}

  [[nodiscard]] bool done() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : text_[pos_]; }
  void skip_ows() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void skip_sp() {
    while (!done() && text_[pos_] == ' ') ++pos_;
  }
  bool eat(char c) {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }

  [[noreturn]] void fail(std::string_view what) const {
    throw Error(fmt::format("{}{}: {} at byte {}", where_,
                            key_.empty() ? std::string() : fmt::format(" key '{}'", detail::sanitize(key_)), what,
                            pos_));
  }
  void set_key(std::string key) { key_ = std::move(key); }

  std::string key() {
    if (!(is_lcalpha(peek()) || peek() == '*')) {
      fail(fmt::format("a key must start with a lowercase letter or '*', not '{}'",
                       detail::sanitize(text_.substr(pos_, 1))));
    }
    const std::size_t start = pos_;
    while (!done() && (is_lcalpha(peek()) || is_digit(peek()) || std::string_view("_-.*").find(peek()) !=
                                                                        std::string_view::npos)) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  BareItem bare_item() {
    const char c = peek();
    if (c == '-' || is_digit(c)) return number();
    if (c == '"') return string();
    if (is_alpha(c) || c == '*') return token();
    if (c == ':') return bytes();
    if (c == '?') return boolean();
    if (done()) fail("a value is missing");
    fail(fmt::format("'{}' does not start a value", detail::sanitize(text_.substr(pos_, 1))));
  }

  // Parameters (";key[=value]")*: syntax-checked, not used by CMCD.
  void parameters() {
    while (eat(';')) {
      skip_sp();
      (void)key();
      if (eat('=')) (void)bare_item();
    }
  }

  // "(" items ")" with parameters on each item and on the list.
  std::vector<BareItem> inner_list() {
    std::vector<BareItem> items;
    ++pos_;  // '('
    while (true) {
      skip_sp();
      if (eat(')')) break;
      if (items.size() >= kMaxMembers) fail("an inner list has too many items");
      items.push_back(bare_item());
      parameters();
      if (peek() != ' ' && peek() != ')') fail("an inner list's items must be separated by spaces");
    }
    parameters();
    return items;
  }

 private:
  BareItem number() {
    BareItem item;
    const bool negative = eat('-');
    const std::size_t start = pos_;
    while (is_digit(peek()) && !done()) ++pos_;
    const std::size_t int_digits = pos_ - start;
    if (int_digits == 0) fail("a number needs a digit");
    if (peek() != '.' || done()) {
      if (int_digits > kMaxIntegerDigits) fail("an Integer has more than 15 digits");
      std::int64_t value = 0;
      for (std::size_t i = start; i < pos_; ++i) value = value * 10 + (text_[i] - '0');
      item.kind = BareItem::Kind::integer;
      item.integer = negative ? -value : value;
      return item;
    }
    if (int_digits > kMaxDecimalIntegerDigits) fail("a Decimal has more than 12 integer digits");
    ++pos_;  // '.'
    const std::size_t frac_start = pos_;
    while (is_digit(peek()) && !done()) ++pos_;
    const std::size_t frac_digits = pos_ - frac_start;
    if (frac_digits == 0 || frac_digits > kMaxDecimalFractionDigits) {
      fail("a Decimal needs 1 to 3 digits after the '.'");
    }
    double value = 0;
    for (std::size_t i = start; i < frac_start - 1; ++i) value = value * 10 + (text_[i] - '0');
    double scale = 0.1;
    for (std::size_t i = frac_start; i < pos_; ++i, scale /= 10) value += (text_[i] - '0') * scale;
    item.kind = BareItem::Kind::decimal;
    item.decimal = negative ? -value : value;
    return item;
  }

  BareItem string() {
    BareItem item;
    item.kind = BareItem::Kind::string;
    ++pos_;  // '"'
    while (true) {
      if (done()) fail("a String is not closed by '\"'");
      const char c = text_[pos_++];
      if (c == '"') return item;
      if (c == '\\') {
        const char next = peek();
        if (done() || (next != '"' && next != '\\')) fail("a String may only escape '\"' and '\\'");
        item.text += next;
        ++pos_;
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        fail("a String may only hold printable ASCII");
      } else {
        item.text += c;
      }
    }
  }

  BareItem token() {
    BareItem item;
    item.kind = BareItem::Kind::token;
    const std::size_t start = pos_;
    ++pos_;
    while (!done() && (is_tchar(peek()) || peek() == ':' || peek() == '/')) ++pos_;
    item.text = std::string(text_.substr(start, pos_ - start));
    return item;
  }

  BareItem bytes() {
    BareItem item;
    item.kind = BareItem::Kind::bytes;
    ++pos_;  // ':'
    const std::size_t start = pos_;
    while (!done() && peek() != ':') {
      const char c = peek();
      if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '=')) fail("a Byte Sequence holds base64 only");
      ++pos_;
    }
    if (!eat(':')) fail("a Byte Sequence is not closed by ':'");
    item.text = std::string(text_.substr(start, pos_ - start - 1));
    return item;
  }

  BareItem boolean() {
    BareItem item;
    item.kind = BareItem::Kind::boolean;
    ++pos_;  // '?'
    if (eat('1')) {
      item.boolean = true;
    } else if (eat('0')) {
      item.boolean = false;
    } else {
      fail("a Boolean is ?0 or ?1");
    }
    return item;
  }

  std::string_view text_;
  std::string_view where_;
  std::string key_;
  std::size_t pos_ = 0;
};

// One dictionary member: a bare item or an inner list.
struct Member {
  BareItem item;
  std::vector<BareItem> list;
  bool is_list = false;
};

// The member's single value: the item, or an inner list's first item
// (CMCD v2 sends one value per media type).
const BareItem& single(const Member& m, Scanner& s) {
  if (!m.is_list) return m.item;
  if (m.list.empty()) s.fail("an empty inner list carries no value");
  return m.list.front();
}

std::int64_t read_integer(const Member& m, Scanner& s, std::int64_t min) {
  const BareItem& item = single(m, s);
  if (item.kind != BareItem::Kind::integer) s.fail(fmt::format("an Integer is expected, not {}", kind_name(item.kind)));
  if (item.integer < min) s.fail(fmt::format("{} is below {}", item.integer, min));
  return item.integer;
}

std::string read_string(const Member& m, Scanner& s, std::size_t max_chars) {
  const BareItem& item = single(m, s);
  if (item.kind != BareItem::Kind::string) s.fail(fmt::format("a String is expected, not {}", kind_name(item.kind)));
  if (item.text.size() > max_chars) s.fail(fmt::format("a String of {} characters is over {}", item.text.size(), max_chars));
  return item.text;
}

std::string read_token(const Member& m, Scanner& s) {
  const BareItem& item = single(m, s);
  if (item.kind != BareItem::Kind::token) s.fail(fmt::format("a Token is expected, not {}", kind_name(item.kind)));
  return item.text;
}

bool read_boolean(const Member& m, Scanner& s) {
  const BareItem& item = single(m, s);
  if (item.kind != BareItem::Kind::boolean) s.fail(fmt::format("a Boolean is expected, not {}", kind_name(item.kind)));
  return item.boolean;
}

double read_rate(const Member& m, Scanner& s) {
  const BareItem& item = single(m, s);
  double value = 0;
  if (item.kind == BareItem::Kind::decimal) {
    value = item.decimal;
  } else if (item.kind == BareItem::Kind::integer) {
    value = static_cast<double>(item.integer);
  } else {
    s.fail(fmt::format("a Decimal is expected, not {}", kind_name(item.kind)));
  }
  if (!(value > 0) || !std::isfinite(value)) s.fail(fmt::format("{} must be positive", value));
  return value;
}

// Stores a known key's value; unknown keys (custom ones have a '-') are ignored.
void assign(const std::string& key, const Member& m, Scanner& s, CmcdData& out) {
  constexpr std::size_t kMaxUrlChars = 2048;
  if (key == "sid") {
    out.sid = read_string(m, s, kMaxCmcdIdChars);
  } else if (key == "cid") {
    out.cid = read_string(m, s, kMaxCmcdIdChars);
  } else if (key == "br") {
    out.br_kbps = read_integer(m, s, 0);
  } else if (key == "bl") {
    out.bl_ms = read_integer(m, s, 0);
  } else if (key == "mtp") {
    out.mtp_kbps = read_integer(m, s, 0);
  } else if (key == "d") {
    out.d_ms = read_integer(m, s, 0);
  } else if (key == "dl") {
    out.dl_ms = read_integer(m, s, 0);
  } else if (key == "tb") {
    out.tb_kbps = read_integer(m, s, 0);
  } else if (key == "rtp") {
    out.rtp_kbps = read_integer(m, s, 0);
  } else if (key == "v") {
    out.v = read_integer(m, s, 1);
  } else if (key == "pr") {
    out.pr = read_rate(m, s);
  } else if (key == "ot") {
    std::string ot = read_token(m, s);
    if (std::find(kObjectTypes.begin(), kObjectTypes.end(), ot) == kObjectTypes.end()) {
      s.fail(fmt::format("object type '{}' is not one of m, a, v, av, i, c, tt, k, o", detail::sanitize(ot)));
    }
    out.ot = std::move(ot);
  } else if (key == "sf") {
    out.sf = read_token(m, s);
  } else if (key == "st") {
    out.st = read_token(m, s);
  } else if (key == "nor") {
    out.nor = read_string(m, s, kMaxUrlChars);
  } else if (key == "nrr") {
    out.nrr = read_string(m, s, kMaxUrlChars);
  } else if (key == "su") {
    out.su = read_boolean(m, s);
  } else if (key == "bs") {
    out.bs = read_boolean(m, s);
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

void parse_cmcd_payload(std::string_view payload, std::string_view where, CmcdData& out,
                        std::vector<std::string>& seen) {
  Scanner s(payload, where);
  s.skip_sp();
  if (s.done()) return;  // an empty field is an empty dictionary
  std::size_t members = 0;
  while (true) {
    if (++members > kMaxMembers) s.fail(fmt::format("more than {} keys", kMaxMembers));
    s.set_key({});
    std::string key = s.key();
    s.set_key(key);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) s.fail("the key appears twice");
    Member m;
    if (s.eat('=')) {
      if (s.peek() == '(') {
        m.is_list = true;
        m.list = s.inner_list();
      } else {
        m.item = s.bare_item();
        s.parameters();
      }
    } else {
      m.item.kind = BareItem::Kind::boolean;  // a bare key is true
      m.item.boolean = true;
      s.parameters();
    }
    assign(key, m, s, out);
    seen.push_back(std::move(key));
    ++out.keys;
    s.skip_ows();
    if (s.done()) return;
    s.set_key({});
    if (!s.eat(',')) s.fail("members must be separated by ','");
    s.skip_ows();
    if (s.done()) s.fail("a ',' ends the field");
  }
}

CmcdData read_cmcd(std::string_view query, std::span<const HttpHeader> headers) {
  CmcdData out;
  std::vector<std::string> seen;
  if (const auto raw = query_parameter(query, "CMCD")) {
    parse_cmcd_payload(percent_decode(*raw, "CMCD query", true), "CMCD query", out, seen);
  }
  for (const HttpHeader& h : headers) {
    for (const std::string_view name : kCmcdHeaders) {
      if (iequals(h.name, name)) parse_cmcd_payload(h.value, fmt::format("{} header", name), out, seen);
    }
  }
  return out;
}

}  // namespace streamopt::serve
