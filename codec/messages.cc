#include "messages.h"

#include <charconv>

namespace codec::internal {

using capnp::JsonValue;

// Input strings are valid UTF-8 (the parser checks), and the cut keeps them so: it never splits a
// sequence.
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

}  // namespace codec::internal
