#include "codec/event_json.h"

#include <capnp/compat/json.capnp.h>
#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/orphan.h>
#include <capnp/schema.h>
#include <kj/debug.h>
#include <kj/exception.h>
#include <kj/vector.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/civil_time.h"
#include "base/utf8.h"
#include "codec/response_json.h"

// How this works
//
// Decode runs in three steps:
//  1. Our own JSON parser turns the text into a capnp::JsonValue. JsonCodec 0.9.2 has a parser,
//     but it decodes "\u" escapes wrongly (hex digits a-f come out as 0-5, and surrogate pairs
//     are not joined, so the "\u697c" a Python client sends for 楼 arrives as another
//     character), reports no position, lets a NUL byte end the input early and keeps the last of
//     duplicate keys. Ours is strict RFC 8259 with byte offsets.
//  2. JsonCodec (with the schema's annotations, our time and enum handlers, unknown fields
//     refused) builds the Cap'n Proto value from the JsonValue.
//  3. JsonCodec accepts a few things silently that lose data: an unknown "type" or "data" without
//     "type" leave the payload unset, and two members of one union keep only the last. A short
//     check over the JsonValue, using tables built with the codec and only descending where a
//     union can be reached, refuses those.
// When step 2 throws, its message does not say where; we then walk the JsonValue against the
// same tables to find and describe the first problem, and fall back to JsonCodec's words only if
// the walk finds nothing.

namespace codec {
namespace {

using capnp::JsonValue;

// Annotation ids declared in /capnp/compat/json.capnp.
constexpr uint64_t kJsonName = 0xfa5b1fd61c2e7c3dull;
constexpr uint64_t kJsonFlatten = 0x82d3e852af0336bfull;
constexpr uint64_t kJsonDiscriminator = 0xcfa794e8d19a0162ull;

constexpr int64_t kMsPerDay = 86400000;

std::string_view View(capnp::Text::Reader text) { return {text.begin(), text.size()}; }

// ---------------------------------------------------------------------------------------------
// Words for messages

// A user-supplied string as a JSON literal, cut short so that a hostile megabyte stays out of
// error messages and logs. Input strings are valid UTF-8 (the parser checks), and the cut keeps
// it so.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  bool cut = s.size() > kMax;
  if (cut) {
    size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
  }
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += cut ? "...\"" : "\"";
  return out;
}

std::string Number(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string Kind(JsonValue::Reader v) {
  switch (v.which()) {
    case JsonValue::NULL_:
      return "null";
    case JsonValue::BOOLEAN:
      return v.getBoolean() ? "true" : "false";
    case JsonValue::NUMBER:
      return "a number";
    case JsonValue::STRING:
      return "a string";
    case JsonValue::ARRAY:
      return "an array";
    case JsonValue::OBJECT:
      return "an object";
    case JsonValue::CALL:
      return "a call";
  }
  return "an unknown value";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Levenshtein distance, for "did you mean". Only called on short strings.
size_t Distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "; did you mean \"summary\"?" when one name is a near miss, else "".
std::string Suggest(std::string_view given, const std::vector<std::string>& names) {
  if (given.empty() || given.size() > 64) return "";
  const std::string* best = nullptr;
  size_t best_distance = std::max<size_t>(1, std::min<size_t>(3, given.size() / 3));
  for (const auto& n : names) {
    size_t d = Distance(given, n);
    if (d <= best_distance && (best == nullptr || d < best_distance)) {
      best = &n;
      best_distance = d;
    }
  }
  return best ? "; did you mean \"" + *best + "\"?" : "";
}

// ---------------------------------------------------------------------------------------------
// Time: RFC 3339 text over base's one calendar (base/civil_time.h), years 0000 to 9999

const int64_t kFirstFormattable = base::DaysFromCivil({base::kFirstYear, 1, 1}) * kMsPerDay;
const int64_t kLastFormattable = base::DaysFromCivil({base::kLastYear + 1, 1, 1}) * kMsPerDay - 1;

// Reads `n` decimal digits at `s[at]`; false if any is not a digit.
bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// An optional '-' and 1 to 19 digits, nothing else (no '+', spaces or "0x").
bool IsDecimalInteger(std::string_view s) {
  size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (s.size() == start || s.size() - start > 20) return false;
  for (size_t i = start; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)"; digits past milliseconds are dropped.
bool ParseRfc3339(std::string_view s, int64_t* out) {
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > base::DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  size_t i = 19;
  int64_t millis = 0;
  if (s[i] == '.') {
    ++i;
    size_t first = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - first < 3) millis = millis * 10 + (s[i] - '0');
      ++i;
    }
    if (i == first) return false;
    for (size_t n = i - first; n < 3; ++n) millis *= 10;
  }
  if (i >= s.size()) return false;
  int64_t offset_minutes = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_minutes = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t seconds = base::DaysFromCivil({year, month, day}) * 86400 + hour * 3600 + minute * 60 +
                    second - offset_minutes * 60;
  *out = seconds * 1000 + millis;
  return true;
}

const char kTimeHelp[] =
    "use RFC 3339 such as \"2025-03-01T13:30:00Z\" or \"2025-03-01T21:30:00+08:00\", or "
    "milliseconds since 1970-01-01T00:00:00Z";

// Milliseconds from time text; on failure the reason, for a person.
std::optional<std::string> ParseTimeText(std::string_view s, int64_t* out) {
  if (IsDecimalInteger(s)) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return std::nullopt;
    return Quote(s) + " is out of range for milliseconds since the epoch";
  }
  if (ParseRfc3339(s, out)) return std::nullopt;
  return Quote(s) + " is not a time; " + kTimeHelp;
}

// True if `d` is a whole number that fits in int64_t; sets *out.
bool DoubleToInt64(double d, int64_t* out) {
  // -2^63 and 2^63 are exact doubles; the cast is defined only strictly inside.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

std::optional<std::string> ParseTimeValue(JsonValue::Reader v, int64_t* out) {
  if (v.isString()) return ParseTimeText(View(v.getString()), out);
  if (v.isNumber()) {
    if (DoubleToInt64(v.getNumber(), out)) return std::nullopt;
    return Number(v.getNumber()) + " is not a whole number of milliseconds since the epoch";
  }
  return "expected a time (" + std::string(kTimeHelp) + "), got " + Kind(v);
}

// ---------------------------------------------------------------------------------------------
// JSON text -> capnp::JsonValue (RFC 8259, strict)

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  // Nothing on success, else "malformed JSON at byte N: what".
  std::optional<std::string> Parse(JsonValue::Builder out) {
    SkipSpace();
    if (pos_ == text_.size()) {
      Fail(pos_, "no JSON value (the input is empty)");
    } else if (Value(out, 0)) {
      SkipSpace();
      if (pos_ != text_.size())
        Fail(pos_, "unexpected " + Describe(pos_) + " after the JSON value");
    }
    if (!error_.empty())
      return "malformed JSON at byte " + std::to_string(error_at_) + ": " + error_;
    return std::nullopt;
  }

 private:
  bool Fail(size_t at, std::string what) {
    if (error_.empty()) {
      error_at_ = at;
      error_ = std::move(what);
    }
    return false;
  }

  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "end of input";
    auto c = static_cast<unsigned char>(text_[at]);
    if (c > 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xF];
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Value(JsonValue::Builder out, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return Fail(pos_, "unexpected end of input, expected a value");
    switch (text_[pos_]) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"':
        if (!String(&scratch_)) return false;
        out.setString(capnp::Text::Reader(scratch_.data(), scratch_.size()));
        return true;
      case 't':
        return Literal("true") && (out.setBoolean(true), true);
      case 'f':
        return Literal("false") && (out.setBoolean(false), true);
      case 'n':
        return Literal("null") && (out.setNull(), true);
      default:
        if (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9')) return Num(out);
        return Fail(pos_, "unexpected " + Describe(pos_) + ", expected a value");
    }
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return Fail(pos_, "unexpected " + Describe(pos_) + ", expected a value");
    }
    pos_ += word.size();
    return true;
  }

  bool Num(JsonValue::Builder out) {
    size_t start = pos_;
    auto digit = [&] { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digit()) {
      while (digit()) ++pos_;
    } else {
      return Fail(pos_, "expected a digit");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digit()) return Fail(pos_, "expected a digit after the decimal point");
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digit()) return Fail(pos_, "expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    // from_chars takes no '+' in the exponent; copy without it.
    std::string number(text_.substr(start, pos_ - start));
    number.erase(std::remove(number.begin(), number.end(), '+'), number.end());
    double value = 0;
    auto r = std::from_chars(number.data(), number.data() + number.size(), value);
    if (r.ec != std::errc() || !std::isfinite(value)) {
      return Fail(start, "number " +
                             std::string(text_.substr(start, std::min<size_t>(pos_ - start, 40))) +
                             " is out of range");
    }
    out.setNumber(value);
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Four hex digits at pos_ (after "\u").
  bool Hex4(uint32_t* out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (pos_ >= text_.size()) return Fail(pos_, "unexpected end of input in a \\u escape");
      char c = text_[pos_];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return Fail(pos_, "expected a hex digit in a \\u escape, got " + Describe(pos_));
      }
    }
    *out = v;
    return true;
  }

  // One UTF-8 sequence at pos_ (lead byte >= 0x80), appended to `out`.
  bool Utf8(std::string* out) {
    const char* problem = nullptr;
    size_t len = base::Utf8SequenceLength(text_, pos_, &problem);
    if (len == 0) {
      return Fail(pos_,
                  "invalid UTF-8 (" + (problem ? std::string(problem) : Describe(pos_)) + ")");
    }
    out->append(text_.data() + pos_, len);
    pos_ += len;
    return true;
  }

  // A string at pos_ (on the opening quote), unescaped into `out`.
  bool String(std::string* out) {
    out->clear();
    size_t start = pos_++;
    for (;;) {
      size_t run = pos_;
      while (pos_ < text_.size()) {
        auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out->append(text_.data() + run, pos_ - run);
      if (pos_ >= text_.size()) return Fail(start, "unterminated string");
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c >= 0x80) {
        if (!Utf8(out)) return false;
        continue;
      }
      if (c < 0x20) return Fail(pos_, "control character (" + Describe(pos_) + ") in a string");
      // A backslash.
      size_t escape = pos_++;
      if (pos_ >= text_.size()) return Fail(start, "unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail(escape, "unpaired surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (text_.substr(pos_, 2) != "\\u") {
              return Fail(escape, "unpaired surrogate in \\u escape");
            }
            pos_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) {
              return Fail(escape, "unpaired surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail(escape, "invalid escape \\" + std::string(1, e) + " in a string");
      }
    }
  }

  bool Array(JsonValue::Builder out, int depth) {
    if (depth > EventJson::kMaxDepth) {
      return Fail(pos_,
                  "nested more than " + std::to_string(EventJson::kMaxDepth) + " levels deep");
    }
    ++pos_;
    auto orphanage = capnp::Orphanage::getForMessageContaining(out);
    kj::Vector<capnp::Orphan<JsonValue>> items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
    } else {
      for (;;) {
        auto item = orphanage.newOrphan<JsonValue>();
        if (!Value(item.get(), depth)) return false;
        items.add(kj::mv(item));
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == ']') {
          ++pos_;
          break;
        }
        return Fail(pos_, "expected ',' or ']' in an array, got " + Describe(pos_));
      }
    }
    auto list = out.initArray(items.size());
    for (uint i = 0; i < items.size(); ++i) list.adoptWithCaveats(i, kj::mv(items[i]));
    return true;
  }

  bool Object(JsonValue::Builder out, int depth) {
    if (depth > EventJson::kMaxDepth) {
      return Fail(pos_,
                  "nested more than " + std::to_string(EventJson::kMaxDepth) + " levels deep");
    }
    ++pos_;
    auto orphanage = capnp::Orphanage::getForMessageContaining(out);
    kj::Vector<capnp::Orphan<JsonValue::Field>> fields;
    // Names already seen, pointing into the message. A linear scan is fastest for the dozen
    // fields of a real document; a set keeps a hostile object of 100k keys linear.
    std::vector<std::string_view> names;
    std::unordered_set<std::string_view> many;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
    } else {
      for (;;) {
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != '"') {
          return Fail(pos_, "expected a field name in double quotes, got " + Describe(pos_));
        }
        size_t name_at = pos_;
        if (!String(&scratch_)) return false;
        std::string_view name = scratch_;
        bool duplicate = names.size() < 16
                             ? std::find(names.begin(), names.end(), name) != names.end()
                             : many.count(name) > 0;
        if (duplicate) return Fail(name_at, "field " + Quote(name) + " appears twice");
        auto field = orphanage.newOrphan<JsonValue::Field>();
        auto builder = field.get();
        builder.setName(capnp::Text::Reader(scratch_.data(), scratch_.size()));
        std::string_view stored = View(builder.asReader().getName());
        names.push_back(stored);
        if (names.size() == 16) many.insert(names.begin(), names.end());
        if (names.size() > 16) many.insert(stored);
        SkipSpace();
        if (pos_ >= text_.size() || text_[pos_] != ':') {
          return Fail(pos_, "expected ':' after a field name, got " + Describe(pos_));
        }
        ++pos_;
        if (!Value(builder.initValue(), depth)) return false;
        fields.add(kj::mv(field));
        SkipSpace();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == '}') {
          ++pos_;
          break;
        }
        return Fail(pos_, "expected ',' or '}' in an object, got " + Describe(pos_));
      }
    }
    auto list = out.initObject(fields.size());
    for (uint i = 0; i < fields.size(); ++i) list.adoptWithCaveats(i, kj::mv(fields[i]));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string scratch_;
  size_t error_at_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// Tables built from the schema when a Bundle is made; the walks below read only these.

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct EnumInfo {
  capnp::EnumSchema schema;
  std::vector<std::string> names;  // by enumerant index ($Json.name honoured)
  std::unordered_map<std::string, uint16_t, StringHash, std::equal_to<>> by_name;
  std::string allowed;  // "hotline, opinionBook, ..."
};

struct ObjectInfo;

// What one JSON value must be.
struct Slot {
  capnp::Type type;
  bool is_time = false;
  const ObjectInfo* object = nullptr;     // the struct (or innermost list element struct)
  const EnumInfo* enumeration = nullptr;  // the enum (or innermost list element enum)
};

struct UnionMember {
  std::string tag;  // the name "type" gives it (discriminated unions)
  std::string key;  // its own JSON key (empty when the value goes under the union's value key)
  Slot slot;
};

struct UnionInfo {
  bool discriminated = false;
  bool is_event_type = false;  // Payload: says "is not an event type"
  std::string tag_key;         // "type"
  std::string value_key;       // "data", or empty
  std::vector<UnionMember> members;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> by_tag;
  std::vector<std::string> tags_for_people;  // without the placeholder for "nothing set"
  std::string allowed;
};

struct KeyEntry {
  enum Kind { kField, kTag, kValue, kMember, kOpaque } kind = kField;
  Slot slot;                // kField
  size_t union_index = 0;   // kTag, kValue, kMember
  size_t member_index = 0;  // kMember
  bool group = false;       // kField: a group, whose keys people often put one level too high
};

// A struct as a JSON object: which keys it has and what each must hold, flattening resolved.
struct ObjectInfo {
  std::string name;  // for "known fields of X"
  std::unordered_map<std::string, KeyEntry, StringHash, std::equal_to<>> keys;
  std::vector<std::string> key_order;
  std::string known;
  std::vector<UnionInfo> unions;
  // True if a union can be reached from here, so the success-path check must look inside.
  bool reaches_union = false;
  // A capnp::json::Value field: any JSON at all.
  bool any_json = false;

  const KeyEntry* Find(std::string_view key) const {
    auto it = keys.find(key);
    return it == keys.end() ? nullptr : &it->second;
  }
  void Add(const std::string& key, KeyEntry entry) {
    if (keys.emplace(key, std::move(entry)).second) key_order.push_back(key);
  }
};

std::string ShortName(capnp::Schema schema) {
  auto proto = schema.getProto();
  auto name = View(proto.getDisplayName());
  return std::string(name.substr(proto.getDisplayNamePrefixLength()));
}

bool IsTimeField(capnp::StructSchema::Field field) {
  std::string_view name = View(field.getProto().getName());
  return field.getType().which() == capnp::schema::Type::INT64 && name.size() > 2 &&
         name.substr(name.size() - 2) == "At";
}

// ---------------------------------------------------------------------------------------------
// Handlers registered with JsonCodec

class TimeHandler final : public capnp::JsonCodec::Handler<int64_t> {
 public:
  void encode(const capnp::JsonCodec&, int64_t input, JsonValue::Builder output) const override {
    output.setString(FormatTimestamp(input));
  }
  int64_t decode(const capnp::JsonCodec&, JsonValue::Reader input) const override {
    int64_t ms = 0;
    if (auto error = ParseTimeValue(input, &ms)) KJ_FAIL_REQUIRE("bad time", error->c_str());
    return ms;
  }
};

// 64-bit integers as JSON numbers, by the rule of the JSON convention (codec/response_json.h):
// a number while a double holds it exactly, a decimal string beyond. JsonCodec's own handler
// writes every 64-bit integer as a string. Either form is read back.
template <typename T>
class Integer64Handler final : public capnp::JsonCodec::Handler<T> {
 public:
  void encode(const capnp::JsonCodec&, T input, JsonValue::Builder output) const override {
    constexpr T kExact = static_cast<T>(kLargestExactInteger);
    bool exact = input <= kExact;
    if constexpr (std::is_signed_v<T>) exact = exact && input >= -kExact;
    if (exact) {
      output.setNumber(static_cast<double>(input));
    } else {
      output.setString(std::to_string(input));
    }
  }
  T decode(const capnp::JsonCodec&, JsonValue::Reader input) const override {
    if (input.isNumber()) {
      double d = input.getNumber();
      // 2^63 and 2^64 are exact as doubles; the checker has described anything out of range.
      constexpr double kEnd = std::is_signed_v<T> ? 9223372036854775808.0 : 18446744073709551616.0;
      constexpr double kStart = std::is_signed_v<T> ? -kEnd : 0.0;
      KJ_REQUIRE(d == std::trunc(d) && d >= kStart && d < kEnd, "not a whole number in range");
      return static_cast<T>(d);
    }
    KJ_REQUIRE(input.isString(), "expected a whole number");
    std::string_view s = View(input.getString());
    T n = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    KJ_REQUIRE(r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty(),
               "not a whole number in range");
    return n;
  }
};

// Enums by name only. Replaces JsonCodec's own enum handler, which also takes a JSON number and
// casts it to uint16_t unchecked (1e30 is undefined behaviour, 3.7 becomes 3).
class EnumHandler final : public capnp::JsonCodec::Handler<capnp::DynamicEnum> {
 public:
  explicit EnumHandler(const EnumInfo& info) : info_(info) {}
  void encode(const capnp::JsonCodec&, capnp::DynamicEnum input,
              JsonValue::Builder output) const override {
    KJ_IF_MAYBE (e, input.getEnumerant()) {
      output.setString(info_.names[e->getIndex()]);
    } else {
      output.setNumber(input.getRaw());  // from a newer schema; not accepted back
    }
  }
  capnp::DynamicEnum decode(const capnp::JsonCodec&, JsonValue::Reader input) const override {
    KJ_REQUIRE(input.isString(), "enum value must be a name");
    auto it = info_.by_name.find(View(input.getString()));
    KJ_REQUIRE(it != info_.by_name.end(), "unknown enum name");
    return capnp::DynamicEnum(info_.schema.getEnumerants()[it->second]);
  }

 private:
  const EnumInfo& info_;
};

// ---------------------------------------------------------------------------------------------
// Walking a JsonValue against the tables

// A JSON path as a chain on the stack, rendered only when there is something to report.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  int64_t index = -1;

  std::string Render() const {
    if (parent == nullptr) return std::string(key);
    std::string up = parent->Render();
    if (index >= 0) return up + "[" + std::to_string(index) + "]";
    // A key that is not a plain name (it came from the input: it may be huge, or hold dots,
    // newlines, quotes) is written quoted and cut short.
    bool plain =
        !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_';
        });
    if (!plain) return up + "[" + Quote(key) + "]";
    return up.empty() ? std::string(key) : up + "." + std::string(key);
  }
};

using Problem = std::optional<std::string>;

Problem At(const Path& path, const std::string& what) {
  std::string where = path.Render();
  return (where.empty() ? std::string("top level") : where) + ": " + what;
}

// Finds the first problem in a document. `full` describes everything JsonCodec may refuse;
// otherwise only the union rules JsonCodec does not enforce are checked, and only below fields
// from which a union can be reached.
class Checker {
 public:
  explicit Checker(bool full) : full_(full) {}

  Problem Object(JsonValue::Reader v, const ObjectInfo& info, const Path& path,
                 std::string_view context) const {
    if (info.any_json) return std::nullopt;
    if (!v.isObject()) {
      return full_ ? At(path, "expected an object, got " + Kind(v)) : std::nullopt;
    }
    auto fields = v.getObject();
    std::vector<bool> union_done(info.unions.size());
    for (auto field : fields) {
      std::string_view key = View(field.getName());
      const KeyEntry* entry = info.Find(key);
      Path here{&path, key};
      if (entry == nullptr) {
        if (!full_) continue;
        return At(here, "unknown field; known fields of " + std::string(context) + " are " +
                            info.known + Hint(key, info));
      }
      Problem problem;
      switch (entry->kind) {
        case KeyEntry::kField:
          problem = Value(field.getValue(), entry->slot, here, "");
          break;
        case KeyEntry::kOpaque:
          break;
        case KeyEntry::kTag:
        case KeyEntry::kValue:
        case KeyEntry::kMember:
          if (!union_done[entry->union_index]) {
            union_done[entry->union_index] = true;
            problem = Union(fields, info, entry->union_index, path);
          }
          break;
      }
      if (problem) return problem;
    }
    return std::nullopt;
  }

 private:
  // "did you mean" a near miss, or the group the field belongs in: "timeBank" given beside
  // "rules" rather than inside it.
  static std::string Hint(std::string_view key, const ObjectInfo& info) {
    std::string near = Suggest(key, info.key_order);
    if (!near.empty()) return near;
    for (const auto& group : info.key_order) {
      const KeyEntry& entry = info.keys.at(group);
      if (entry.group && entry.slot.object->Find(key) != nullptr) {
        return "; " + Quote(key) + " goes inside " + Quote(group) + ": {" + Quote(group) + ": {" +
               Quote(key) + ": ...}}";
      }
    }
    return "";
  }

  Problem Union(capnp::List<JsonValue::Field>::Reader fields, const ObjectInfo& info, size_t u,
                const Path& path) const {
    const UnionInfo& un = info.unions[u];
    std::optional<JsonValue::Reader> tag, value;
    std::vector<std::pair<size_t, JsonValue::Field::Reader>> members;
    for (auto field : fields) {
      const KeyEntry* e = info.Find(View(field.getName()));
      if (e == nullptr || e->union_index != u) continue;
      if (e->kind == KeyEntry::kTag) tag = field.getValue();
      if (e->kind == KeyEntry::kValue) value = field.getValue();
      if (e->kind == KeyEntry::kMember) members.emplace_back(e->member_index, field);
    }

    if (!un.discriminated) {
      if (members.size() > 1) {
        std::vector<std::string> all, given;
        for (const auto& m : un.members) all.push_back(m.key);
        for (const auto& [index, field] : members) given.push_back(un.members[index].key);
        return At(path, "give only one of " + JoinNames(all) + "; got " + JoinNames(given));
      }
      if (members.empty()) return std::nullopt;
      const UnionMember& m = un.members[members[0].first];
      Path here{&path, m.key};
      return Value(members[0].second.getValue(), m.slot, here, "");
    }

    Path tag_path{&path, un.tag_key};
    if (!tag) {
      if (!value && members.empty()) return std::nullopt;
      std::string given = value ? Quote(un.value_key) : Quote(View(members[0].second.getName()));
      return At(tag_path, "missing; " + given + " needs " + Quote(un.tag_key) + " to say what it " +
                              "is, one of " + un.allowed);
    }
    if (!tag->isString()) {
      return At(tag_path, "expected a string naming one of " + un.allowed + ", got " + Kind(*tag));
    }
    std::string_view name = View(tag->getString());
    auto it = un.by_tag.find(name);
    if (it == un.by_tag.end()) {
      return At(tag_path,
                Quote(name) +
                    (un.is_event_type ? " is not an event type" : " is not a known type") +
                    "; allowed: " + un.allowed + Suggest(name, un.tags_for_people));
    }
    const UnionMember& chosen = un.members[it->second];
    for (const auto& [index, field] : members) {
      if (index != it->second) {
        Path here{&path, View(field.getName())};
        return At(here, "does not go with " + un.tag_key + " " + Quote(name));
      }
    }
    if (value) {
      Path here{&path, un.value_key};
      return Value(*value, chosen.slot, here, chosen.tag);
    }
    if (!members.empty()) {
      Path here{&path, View(members[0].second.getName())};
      return Value(members[0].second.getValue(), chosen.slot, here, chosen.tag);
    }
    return std::nullopt;
  }

  Problem Value(JsonValue::Reader v, const Slot& slot, const Path& path,
                std::string_view context) const {
    if (!full_ && (slot.object == nullptr || !slot.object->reaches_union)) return std::nullopt;
    if (slot.is_time) {
      int64_t ignored;
      auto error = ParseTimeValue(v, &ignored);
      return error ? At(path, *error) : std::nullopt;
    }
    using T = capnp::schema::Type;
    switch (slot.type.which()) {
      case T::VOID:
        return std::nullopt;
      case T::BOOL:
        if (v.isBoolean()) return std::nullopt;
        return At(path, "expected true or false, got " + Kind(v));
      case T::INT8:
        return Integer(v, path, -128, 127);
      case T::INT16:
        return Integer(v, path, -32768, 32767);
      case T::INT32:
        return Integer(v, path, std::numeric_limits<int32_t>::min(),
                       std::numeric_limits<int32_t>::max());
      case T::INT64:
        return Integer(v, path, std::numeric_limits<int64_t>::min(),
                       std::numeric_limits<int64_t>::max());
      case T::UINT8:
        return Integer(v, path, 0, 255);
      case T::UINT16:
        return Integer(v, path, 0, 65535);
      case T::UINT32:
        return Integer(v, path, 0, std::numeric_limits<uint32_t>::max());
      case T::UINT64:
        return Unsigned64(v, path);
      case T::FLOAT32:
      case T::FLOAT64:
        return Float(v, path);
      case T::TEXT:
        if (v.isString()) return std::nullopt;
        return At(path, "expected a string, got " + Kind(v));
      case T::DATA:
        return Bytes(v, path);
      case T::LIST: {
        if (!v.isArray()) {
          return full_ ? At(path, "expected an array, got " + Kind(v)) : std::nullopt;
        }
        Slot element = slot;
        element.type = slot.type.asList().getElementType();
        auto items = v.getArray();
        for (uint i = 0; i < items.size(); ++i) {
          Path here{&path, {}, static_cast<int64_t>(i)};
          if (auto problem = Value(items[i], element, here, context)) return problem;
        }
        return std::nullopt;
      }
      case T::ENUM:
        return Enum(v, *slot.enumeration, path);
      case T::STRUCT:
        return Object(v, *slot.object, path, context.empty() ? slot.object->name : context);
      case T::INTERFACE:
      case T::ANY_POINTER:
        return std::nullopt;  // not in the catalogue; JsonCodec's words will do
    }
    return std::nullopt;
  }

  static Problem Integer(JsonValue::Reader v, const Path& path, int64_t lo, int64_t hi) {
    std::string range = std::to_string(lo) + " to " + std::to_string(hi);
    int64_t n = 0;
    if (v.isNumber()) {
      double d = v.getNumber();
      if (d != std::trunc(d)) return At(path, Number(d) + " is not a whole number");
      if (!DoubleToInt64(d, &n) || n < lo || n > hi) {
        return At(path, Number(d) + " is out of range; allowed: " + range);
      }
      return std::nullopt;
    }
    if (v.isString()) {
      std::string_view s = View(v.getString());
      if (!IsDecimalInteger(s)) return At(path, Quote(s) + " is not a whole number");
      auto r = std::from_chars(s.data(), s.data() + s.size(), n);
      if (r.ec != std::errc() || n < lo || n > hi) {
        return At(path, Quote(s) + " is out of range; allowed: " + range);
      }
      return std::nullopt;
    }
    return At(path, "expected a whole number from " + range + ", got " + Kind(v));
  }

  static Problem Unsigned64(JsonValue::Reader v, const Path& path) {
    const std::string range = "0 to 18446744073709551615";
    if (v.isNumber()) {
      double d = v.getNumber();
      if (d != std::trunc(d)) return At(path, Number(d) + " is not a whole number");
      if (!(d >= 0 && d < 18446744073709551616.0)) {
        return At(path, Number(d) + " is out of range; allowed: " + range);
      }
      return std::nullopt;
    }
    if (v.isString()) {
      std::string_view s = View(v.getString());
      if (!IsDecimalInteger(s)) return At(path, Quote(s) + " is not a whole number");
      uint64_t n;
      auto r = std::from_chars(s.data(), s.data() + s.size(), n);
      if (s[0] == '-' || r.ec != std::errc()) {
        return At(path, Quote(s) + " is out of range; allowed: " + range);
      }
      return std::nullopt;
    }
    return At(path, "expected a whole number from " + range + ", got " + Kind(v));
  }

  static Problem Float(JsonValue::Reader v, const Path& path) {
    if (v.isNumber() || v.isNull()) return std::nullopt;  // null is NaN, as JsonCodec writes it
    if (v.isString()) {
      std::string_view s = View(v.getString());
      double d;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (s == "NaN" || s == "Infinity" || s == "-Infinity" ||
          (!s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size())) {
        return std::nullopt;
      }
      return At(path, Quote(s) + " is not a number");
    }
    return At(path, "expected a number, got " + Kind(v));
  }

  static Problem Bytes(JsonValue::Reader v, const Path& path) {
    if (v.isArray()) {
      bool ok = true;
      for (auto item : v.getArray()) {
        ok = ok && item.isNumber() && item.getNumber() >= 0 && item.getNumber() <= 255 &&
             item.getNumber() == std::trunc(item.getNumber());
      }
      if (ok) return std::nullopt;
    }
    return At(path, "expected an array of bytes (whole numbers 0 to 255), got " + Kind(v));
  }

  static Problem Enum(JsonValue::Reader v, const EnumInfo& info, const Path& path) {
    if (!v.isString()) return At(path, "expected one of " + info.allowed + ", got " + Kind(v));
    std::string_view name = View(v.getString());
    if (info.by_name.find(name) != info.by_name.end()) return std::nullopt;
    return At(path, Quote(name) + " is not one of " + info.allowed + Suggest(name, info.names));
  }

  bool full_;
};

// ---------------------------------------------------------------------------------------------

// A JsonCodec set up for one struct type and everything reachable from it, with the tables the
// checks read. Immutable once built, so any number of threads may use it at once.
class Bundle {
 public:
  explicit Bundle(capnp::StructSchema root) {
    codec.addTypeHandler(int64_handler);
    codec.addTypeHandler(uint64_handler);
    Build(root, nullptr, nullptr);
    MarkUnionReach();
    // Our enum and time handlers are registered by Build, before this, so that the annotation
    // walk leaves those types to them.
    codec.handleByAnnotation(root);
    codec.setRejectUnknownFields(true);
    codec.setHasMode(capnp::HasMode::NON_DEFAULT);
  }
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  // The table of `schema` if this bundle covers it.
  const ObjectInfo* Find(capnp::StructSchema schema) const {
    auto it = objects.find(schema.getProto().getId());
    return it == objects.end() ? nullptr : it->second.get();
  }

  // `value`'s type must be covered.
  std::string Encode(capnp::DynamicStruct::Reader value) const {
    std::string out;
    // Only a reader over malformed bytes, or a field JSON cannot hold (a capability), makes
    // JsonCodec throw here.
    kj::runCatchingExceptions([&]() {
      kj::String json = codec.encode(value);
      out.assign(json.begin(), json.size());
    });
    return out;
  }

  // `info` is Find(out.getSchema()).
  ledger::Status Decode(std::string_view text, const ObjectInfo& info,
                        capnp::DynamicStruct::Builder out) const {
    capnp::MallocMessageBuilder scratch;
    auto json = scratch.initRoot<JsonValue>();
    Problem problem;
    try {
      problem = Parser(text).Parse(json);
      if (!problem) {
        KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { codec.decode(json.asReader(), out); })) {
          problem = Checker(/*full=*/true).Object(json.asReader(), info, Path{}, info.name);
          if (!problem) problem = std::string("could not decode: ") + e->getDescription().cStr();
        } else if (info.reaches_union) {
          problem = Checker(/*full=*/false).Object(json.asReader(), info, Path{}, info.name);
        }
      }
    } catch (const kj::Exception& e) {  // building the scratch JsonValue; not expected
      problem = std::string("could not decode: ") + e.getDescription().cStr();
    } catch (const std::exception& e) {  // std::bad_alloc, most likely
      problem = std::string("could not decode: ") + e.what();
    } catch (...) {
      problem = "could not decode the document";
    }
    return problem ? ledger::Status::InvalidArgument(*problem) : ledger::Status::Ok();
  }

 private:
  const EnumInfo* Enum(capnp::EnumSchema schema) {
    auto& slot = enums[schema.getProto().getId()];
    if (slot) return slot.get();
    slot = std::make_unique<EnumInfo>(EnumInfo{schema, {}, {}, {}});
    for (auto e : schema.getEnumerants()) {
      std::string name(View(e.getProto().getName()));
      for (auto a : e.getProto().getAnnotations()) {
        if (a.getId() == kJsonName) name = View(a.getValue().getText());
      }
      slot->by_name.emplace(name, e.getIndex());
      slot->names.push_back(name);
    }
    slot->allowed = JoinNames(slot->names);
    enum_handlers.push_back(std::make_unique<EnumHandler>(*slot));
    codec.addTypeHandler(schema, *enum_handlers.back());
    return slot.get();
  }

  Slot MakeSlot(capnp::Type type, bool is_time) {
    Slot slot{type, is_time, nullptr, nullptr};
    capnp::Type inner = type;
    while (inner.isList()) inner = inner.asList().getElementType();
    if (inner.isStruct()) slot.object = Build(inner.asStruct(), nullptr, nullptr);
    if (inner.isEnum()) slot.enumeration = Enum(inner.asEnum());
    return slot;
  }

  // The JSON form of `schema`, following the rules of JsonCodec's annotation handler
  // ($Json.name, $Json.flatten, $Json.discriminator). `discriminator` and `union_name` come
  // from the field when `schema` is a group.
  const ObjectInfo* Build(capnp::StructSchema schema,
                          kj::Maybe<capnp::json::DiscriminatorOptions::Reader> discriminator,
                          kj::Maybe<kj::StringPtr> union_name) {
    auto& owned = objects[schema.getProto().getId()];
    if (owned) return owned.get();  // built, or being built higher up the stack (a cycle)
    owned = std::make_unique<ObjectInfo>();
    ObjectInfo* info = owned.get();
    info->name = ShortName(schema);
    if (schema == capnp::Schema::from<JsonValue>()) {
      info->any_json = true;  // JsonCodec copies it through as it stands
      return info;
    }

    for (auto a : schema.getProto().getAnnotations()) {
      if (a.getId() == kJsonDiscriminator && discriminator == nullptr) {
        discriminator = a.getValue().getStruct().getAs<capnp::json::DiscriminatorOptions>();
      }
    }
    std::optional<size_t> union_index;
    if (schema.getUnionFields().size() > 0) {
      union_index = info->unions.size();
      info->unions.emplace_back();
      UnionInfo& un = info->unions.back();
      un.is_event_type = schema == capnp::Schema::from<ledger::schema::Payload>();
      KJ_IF_MAYBE (d, discriminator) {
        un.discriminated = true;
        if (d->hasName()) {
          un.tag_key = View(d->getName());
        } else KJ_IF_MAYBE (n, union_name) {
          un.tag_key = std::string(n->cStr());
        }
        if (d->hasValueName()) un.value_key = View(d->getValueName());
        if (un.tag_key.empty()) un.discriminated = false;  // JsonCodec then writes no tag
      }
      if (un.discriminated) info->Add(un.tag_key, {KeyEntry::kTag, {}, *union_index, 0});
      if (!un.value_key.empty()) info->Add(un.value_key, {KeyEntry::kValue, {}, *union_index, 0});
    }

    for (auto field : schema.getFields()) {
      auto proto = field.getProto();
      std::string name(View(proto.getName()));
      std::string json_name = name;
      bool flattened = false;
      std::string prefix;
      kj::Maybe<capnp::json::DiscriminatorOptions::Reader> sub_discriminator;
      for (auto a : proto.getAnnotations()) {
        if (a.getId() == kJsonName) json_name = View(a.getValue().getText());
        if (a.getId() == kJsonFlatten) {
          flattened = true;
          prefix = View(a.getValue().getStruct().getAs<capnp::json::FlattenOptions>().getPrefix());
        }
        if (a.getId() == kJsonDiscriminator) {
          sub_discriminator = a.getValue().getStruct().getAs<capnp::json::DiscriminatorOptions>();
        }
      }
      bool in_union = proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
      bool is_time = IsTimeField(field);
      if (is_time) codec.addFieldHandler(field, time_handler);

      Slot slot;
      if (proto.isGroup()) {
        slot.type = field.getType();
        slot.object = Build(field.getType().asStruct(), sub_discriminator,
                            flattened ? kj::Maybe<kj::StringPtr>(proto.getName()) : nullptr);
      } else {
        slot = MakeSlot(field.getType(), is_time);
      }

      if (flattened && slot.object != nullptr) {
        // The inner object's keys appear in this one. Its unions come along; keys of a member
        // that is itself flattened depend on the tag, so those are only known, not checked.
        size_t offset = info->unions.size();
        for (const auto& u : slot.object->unions) info->unions.push_back(u);
        for (const auto& key : slot.object->key_order) {
          KeyEntry entry = slot.object->keys.at(key);
          if (in_union) entry.kind = KeyEntry::kOpaque;
          entry.union_index += offset;
          info->Add(prefix + key, entry);
        }
        if (!in_union) continue;
      } else if (!in_union) {
        info->Add(json_name, {KeyEntry::kField, slot, 0, 0, proto.isGroup()});
        continue;
      }
      UnionInfo& un = info->unions[*union_index];
      size_t member = un.members.size();
      bool under_value_key = flattened || (un.discriminated && !un.value_key.empty());
      un.members.push_back({json_name, under_value_key ? "" : json_name, slot});
      un.by_tag.emplace(json_name, member);
      // A Void member numbered 0 in a discriminated union is the schema's "nothing set"
      // placeholder (Payload.unset): accepted, but not offered to people.
      if (!(un.discriminated && slot.type.isVoid() && proto.getDiscriminantValue() == 0)) {
        un.tags_for_people.push_back(json_name);
      }
      if (!under_value_key) {
        info->Add(json_name, {KeyEntry::kMember, {}, *union_index, member});
      }
    }
    if (union_index) {
      UnionInfo& un = info->unions[*union_index];
      // People name a discriminated union's member with the tag, others' with the key.
      un.allowed = JoinNames(un.tags_for_people);
    }
    info->known = JoinNames(info->key_order);
    return info;
  }

  // reaches_union, to a fixed point (the schema has cycles: a correction holds a payload).
  void MarkUnionReach() {
    for (auto& [id, info] : objects) info->reaches_union = !info->unions.empty();
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& [id, info] : objects) {
        if (info->reaches_union) continue;
        for (const auto& [key, entry] : info->keys) {
          if (entry.slot.object != nullptr && entry.slot.object->reaches_union) {
            info->reaches_union = changed = true;
            break;
          }
        }
      }
    }
  }

  // Handlers and tables come before the codec, which points at them, so they outlive it.
  TimeHandler time_handler;
  Integer64Handler<int64_t> int64_handler;
  Integer64Handler<uint64_t> uint64_handler;
  std::unordered_map<uint64_t, std::unique_ptr<EnumInfo>> enums;
  std::vector<std::unique_ptr<EnumHandler>> enum_handlers;
  std::unordered_map<uint64_t, std::unique_ptr<ObjectInfo>> objects;
  capnp::JsonCodec codec;
};

}  // namespace

// ---------------------------------------------------------------------------------------------

// The catalogue's bundle is built up front; JsonCodec must be told every type before use, so a
// struct outside it (view records, request bodies of other schema files) gets a bundle of its
// own the first time it is seen, built once under a lock and kept.
struct EventJson::Impl {
  const Bundle events{capnp::Schema::from<ledger::schema::Event>()};
  const ObjectInfo* event_info = events.Find(capnp::Schema::from<ledger::schema::Event>());

  mutable std::shared_mutex mutex;
  mutable std::unordered_map<uint64_t, std::unique_ptr<const Bundle>> others;  // by root type

  // The bundle covering `schema`, or nullptr with the reason in `*error`.
  const Bundle* For(capnp::StructSchema schema, std::string* error) const {
    if (events.Find(schema) != nullptr) return &events;  // no lock: `events` never changes
    uint64_t id = schema.getProto().getId();
    {
      std::shared_lock<std::shared_mutex> read(mutex);
      auto it = others.find(id);
      if (it != others.end()) return it->second.get();
    }
    std::unique_lock<std::shared_mutex> write(mutex);
    auto& slot = others[id];
    if (slot == nullptr) {
      KJ_IF_MAYBE (e,
                   kj::runCatchingExceptions([&]() { slot = std::make_unique<Bundle>(schema); })) {
        others.erase(id);
        *error = "cannot convert " + std::string(View(schema.getProto().getDisplayName())) +
                 " to or from JSON: " + e->getDescription().cStr();
        return nullptr;
      }
    }
    return slot.get();
  }

  std::string Encode(capnp::DynamicStruct::Reader value) const {
    std::string error;
    const Bundle* bundle = For(value.getSchema(), &error);
    return bundle ? bundle->Encode(value) : std::string();
  }

  ledger::Status Decode(std::string_view text, capnp::DynamicStruct::Builder out) const {
    std::string error;
    const Bundle* bundle = For(out.getSchema(), &error);
    if (bundle == nullptr) return ledger::Status::InvalidArgument(error);
    return bundle->Decode(text, *bundle->Find(out.getSchema()), out);
  }
};

EventJson::EventJson() : impl_(std::make_unique<Impl>()) {}
EventJson::~EventJson() = default;

std::string EventJson::Encode(ledger::schema::Event::Reader event) const {
  return impl_->events.Encode(event);
}

ledger::Status EventJson::Decode(std::string_view json, ledger::schema::Event::Builder out) const {
  return impl_->events.Decode(json, *impl_->event_info, out);
}

std::string EventJson::EncodeStruct(capnp::DynamicStruct::Reader value) const {
  return impl_->Encode(value);
}

ledger::Status EventJson::DecodeStruct(std::string_view json,
                                       capnp::DynamicStruct::Builder out) const {
  return impl_->Decode(json, out);
}

std::string FormatTimestamp(int64_t unix_ms) {
  if (unix_ms < kFirstFormattable || unix_ms > kLastFormattable) return std::to_string(unix_ms);
  int64_t days = unix_ms / kMsPerDay;
  int64_t rest = unix_ms % kMsPerDay;
  if (rest < 0) {
    rest += kMsPerDay;
    --days;
  }
  base::CivilDay civil = base::CivilFromDays(days);
  char buf[32];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", civil.year, civil.month,
           civil.day, static_cast<int>(rest / 3600000), static_cast<int>(rest / 60000 % 60),
           static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buf;
}

ledger::Result<int64_t> ParseTimestamp(std::string_view text) {
  int64_t ms = 0;
  if (auto error = ParseTimeText(text, &ms)) return ledger::Status::InvalidArgument(*error);
  return ms;
}

}  // namespace codec
