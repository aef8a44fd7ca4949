#include "json_parser.h"

#include <capnp/orphan.h>
#include <kj/vector.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "base/utf8.h"
#include "codec/event_json.h"
#include "messages.h"

namespace codec::internal {
namespace {

using capnp::JsonValue;

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

}  // namespace

std::optional<std::string> ParseJson(std::string_view text, JsonValue::Builder out) {
  return Parser(text).Parse(out);
}

}  // namespace codec::internal
