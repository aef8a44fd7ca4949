#include "event_checker.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "messages.h"
#include "suggestions.h"
#include "time_text.h"

namespace codec::internal {
namespace {

using capnp::JsonValue;

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

  // What a document gives of one union: its tag, its value key, and the members under their
  // own keys.
  struct UnionKeys {
    std::optional<JsonValue::Reader> tag, value;
    std::vector<std::pair<size_t, JsonValue::Field::Reader>> members;
  };

  Problem Union(capnp::List<JsonValue::Field>::Reader fields, const ObjectInfo& info, size_t u,
                const Path& path) const {
    const UnionInfo& un = info.unions[u];
    UnionKeys given;
    for (auto field : fields) {
      const KeyEntry* e = info.Find(View(field.getName()));
      if (e == nullptr || e->union_index != u) continue;
      if (e->kind == KeyEntry::kTag) given.tag = field.getValue();
      if (e->kind == KeyEntry::kValue) given.value = field.getValue();
      if (e->kind == KeyEntry::kMember) given.members.emplace_back(e->member_index, field);
    }
    return un.discriminated ? Tagged(un, given, path) : OneOf(un, given, path);
  }

  // A union without a tag: at most one member, under its own key.
  Problem OneOf(const UnionInfo& un, const UnionKeys& given, const Path& path) const {
    const auto& members = given.members;
    if (members.size() > 1) {
      std::vector<std::string> all, named;
      for (const auto& m : un.members) all.push_back(m.key);
      for (const auto& [index, field] : members) named.push_back(un.members[index].key);
      return At(path, "give only one of " + JoinNames(all) + "; got " + JoinNames(named));
    }
    if (members.empty()) return std::nullopt;
    const UnionMember& m = un.members[members[0].first];
    Path here{&path, m.key};
    return Value(members[0].second.getValue(), m.slot, here, "");
  }

  // A discriminated union: the tag names a member, and only that member's value is given.
  Problem Tagged(const UnionInfo& un, const UnionKeys& given, const Path& path) const {
    const auto& [tag, value, members] = given;
    Path tag_path{&path, un.tag_key};
    if (!tag) {
      if (!value && members.empty()) return std::nullopt;
      std::string named = value ? Quote(un.value_key) : Quote(View(members[0].second.getName()));
      return At(tag_path, "missing; " + named + " needs " + Quote(un.tag_key) + " to say what it " +
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

}  // namespace

Problem FindProblem(JsonValue::Reader document, const ObjectInfo& info, bool full) {
  return Checker(full).Object(document, info, Path{}, info.name);
}

}  // namespace codec::internal
