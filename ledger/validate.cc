#include "ledger/validate.h"

#include "base/civil_time.h"
#include "base/utf8.h"
#include "schema_facts.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <cstdio>
#include <string>

namespace ledger {
namespace {

bool IsMonthDay(std::string_view t) {
  if (t.size() != 5 || t[2] != '-') return false;
  for (size_t i : {0, 1, 3, 4}) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  int month = (t[0] - '0') * 10 + (t[1] - '0');
  int day = (t[3] - '0') * 10 + (t[4] - '0');
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[month - 1];
}

// The code point of the well-formed UTF-8 sequence of `n` bytes at text[at].
uint32_t CodePointAt(std::string_view text, size_t at, size_t n) {
  auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(text[at + i]));
  };
  if (n == 1) return b(0);
  if (n == 2) return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
  if (n == 3) return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
  return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
}

// Characters that make one id look like another on a screen: spaces of every width but ASCII's
// (which may stand alone between other characters), invisible
// and direction-changing format characters, variation selectors, and the full-width forms of
// ASCII. "2025-000165" with a zero-width space after it, or "zc１" beside "zc1", were two
// entities that a reader of a view could not tell apart.
bool LooksLikeAnother(uint32_t c) {
  return (c >= 0x80 && c <= 0xA0) || c == 0xAD || c == 0x34F || c == 0x61C || c == 0x115F ||
         c == 0x1160 || c == 0x1680 || c == 0x17B4 || c == 0x17B5 || (c >= 0x180B && c <= 0x180F) ||
         (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
         (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0x3164 ||
         (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF || (c >= 0xFF01 && c <= 0xFF60) ||
         c == 0xFFA0 || (c >= 0xFFF0 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE0FFF) ||
         // Dashes other than '-', the braille blank, combining marks (a decomposed "é" beside a
         // composed one), mathematical letters and digits, the ideographic full stop.
         (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 || c == 0xFE63 || c == 0x2800 ||
         (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x1D400 && c <= 0x1D7FF) || c == 0x3002;
}

// Ok, or where in an identifier a character that looks like another (or like nothing) is.
template <typename Where>
Status CheckLookalikes(std::string_view text, const Where& where) {
  for (size_t i = 0; i < text.size();) {
    size_t n = base::Utf8SequenceLength(text, i);
    if (n == 0) return Status::InvalidArgument(where() + " is not valid UTF-8");
    uint32_t c = CodePointAt(text, i, n);
    bool stray_space = c == ' ' && (i == 0 || i + 1 == text.size() || text[i + 1] == ' ');
    if (LooksLikeAnother(c) || stray_space) {
      char code[12];
      std::snprintf(code, sizeof code, "U+%04X", c);
      return Status::InvalidArgument(
          where() + " holds " + code + " at byte " + std::to_string(i) +
          "; an identifier holds no invisible or direction-changing character, no space but a "
          "single ASCII one between other characters, and no full-width form of an ASCII "
          "character (write 1, not U+FF11), so that no two ids look alike");
    }
    i += n;
  }
  return Status::Ok();
}

// Ok, or why `text` is refused: invalid UTF-8; a control character in an identifier; in free
// text, a control character other than tab, line feed and carriage return. `where()` names the
// text for the message; it is asked only for a refusal.
template <typename Where>
Status CheckText(std::string_view text, const Where& where, bool identifier) {
  if (!IsValidUtf8(text)) return Status::InvalidArgument(where() + " is not valid UTF-8");
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool control = c < 0x20 || c == 0x7F;
    if (!control || (!identifier && (c == '\t' || c == '\n' || c == '\r'))) continue;
    char code[8];
    std::snprintf(code, sizeof code, "U+%04X", c);
    return Status::InvalidArgument(
        where() + " holds the control character " + code + " at byte " + std::to_string(i) +
        (identifier ? "; an identifier is printable text"
                    : "; text may hold tab, line feed and carriage return, no other control"));
  }
  if (identifier && text.size() > kMaxIdentifierBytes) {
    return Status::InvalidArgument(where() + " is " + std::to_string(text.size()) +
                                   " bytes; an identifier has at most " +
                                   std::to_string(kMaxIdentifierBytes));
  }
  return Status::Ok();
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// Walks one struct; `path` names it for messages. A field's name is joined to the path only when
// the field is walked into or refused: most fields are neither.
class Walker {
 public:
  explicit Walker(const internal::SchemaFacts& facts) : facts_(facts) {}

  Status Struct(capnp::DynamicStruct::Reader value, const std::string& path) {
    const internal::StructFacts* known = facts_.Of(value.getSchema());
    if (known == nullptr) {  // not reachable from the event schema: nothing here makes one
      return Status::InvalidArgument((path.empty() ? std::string("the event") : path) +
                                     " is of a type the event schema does not hold");
    }
    const internal::StructFacts& facts = *known;
    // Fields outside any union always count; of the union, only the active member.
    for (const internal::FieldFacts* field : facts.non_union) {
      Status s = Field(value, *field, path);
      if (!s.ok()) return s;
    }
    if (facts.has_union) {
      KJ_IF_MAYBE (active, value.which()) {
        Status s = Field(value, facts.fields[active->getIndex()], path);
        if (!s.ok()) return s;
      } else {
        return Status::InvalidArgument(
            (path.empty() ? std::string("the event type") : path) +
            " is not one this server knows; allowed: " + facts.union_names);
      }
    }
    return Status::Ok();
  }

 private:
  Status Field(capnp::DynamicStruct::Reader parent, const internal::FieldFacts& f,
               const std::string& path) {
    // The payload is flattened into the envelope in JSON, so its members are named bare:
    // "complaintFiled.summary", not "payload.complaintFiled.summary".
    bool is_payload = path.empty() && f.name == "payload";
    auto here = [&] { return is_payload ? std::string() : Join(path, f.name); };

    if (f.group) return Struct(parent.get(f.field).as<capnp::DynamicStruct>(), here());
    const capnp::Type& type = f.type;
    if (type.isVoid()) {
      if (f.name == "unset") {
        return Status::InvalidArgument("the event has no type; set \"type\" to one of: " +
                                       facts_.Of(parent.getSchema())->union_names);
      }
      return Status::Ok();
    }
    bool present = parent.has(f.field, capnp::HasMode::NON_DEFAULT);
    // Empty text and empty lists count as missing: a required summary of "" says nothing.
    if (present && type.isText()) present = parent.get(f.field).as<capnp::Text>().size() > 0;
    if (present && type.isList()) {
      present = parent.get(f.field).as<capnp::DynamicList>().size() > 0;
    }
    // The active member of a union is walked even when empty, so that an event of a known type
    // with no data still has its required fields named.
    if (!present && f.in_union && type.isStruct()) {
      return Struct(parent.get(f.field).as<capnp::DynamicStruct>(), here());
    }
    if (f.required && !present) {
      return Status::InvalidArgument(here() + " is required" +
                                     (type.isText() ? " and must not be empty" : ""));
    }
    if (!present) return Status::Ok();

    auto value = parent.get(f.field);
    if (type.isText()) {
      auto text = value.as<capnp::Text>();
      std::string_view view(text.begin(), text.size());
      Status s = CheckText(view, here, f.identifier);
      if (!s.ok()) return s;
      if (f.date && !IsCalendarDate(view)) {
        return Status::InvalidArgument(here() + " must be a calendar day \"YYYY-MM-DD\", got \"" +
                                       std::string(view) + "\"");
      }
      if (f.month_day && !IsMonthDay(view)) {
        return Status::InvalidArgument(here() + " must be a yearly day \"MM-DD\", got \"" +
                                       std::string(view) + "\"");
      }
      return Status::Ok();
    }
    if (type.isStruct()) return Struct(value.as<capnp::DynamicStruct>(), here());
    if (type.isList()) {
      auto list = value.as<capnp::DynamicList>();
      const capnp::Type& element = f.element_type;
      std::string where = here();
      for (uint i = 0; i < list.size(); ++i) {
        auto item = [&] { return where + "[" + std::to_string(i) + "]"; };
        if (element.isStruct()) {
          Status s = Struct(list[i].as<capnp::DynamicStruct>(), item());
          if (!s.ok()) return s;
        } else if (element.isText()) {
          auto text = list[i].as<capnp::Text>();
          Status s = CheckText(std::string_view(text.begin(), text.size()), item, f.identifier);
          if (!s.ok()) return s;
        }
      }
      return Status::Ok();
    }
    if (type.isEnum()) {
      auto e = value.as<capnp::DynamicEnum>();
      if (e.getEnumerant() == nullptr) {
        return Status::InvalidArgument(here() + " has an unknown value " +
                                       std::to_string(e.getRaw()));
      }
    }
    return Status::Ok();
  }

  const internal::SchemaFacts& facts_;
};

}  // namespace

bool NamesIdentifierField(std::string_view name) {
  return name == "id" || name.ends_with("Id") || name.ends_with("Ids");
}

bool IsCalendarDate(std::string_view t) {
  auto day = base::ParseDay(t);
  return day && base::CivilFromDays(*day).year >= kFirstRecordedYear;
}

Status ValidateStreamId(std::string_view stream) {
  if (stream.empty()) {
    return Status::InvalidArgument(
        "the stream id is empty; name the entity, e.g. \"complaint/c-1\"");
  }
  if (stream.size() > kMaxIdentifierBytes) {
    return Status::InvalidArgument("the stream id is " + std::to_string(stream.size()) +
                                   " bytes; at most " + std::to_string(kMaxIdentifierBytes) +
                                   " are allowed");
  }
  if (!IsValidUtf8(stream)) return Status::InvalidArgument("the stream id is not valid UTF-8");
  for (unsigned char c : stream) {
    if (c < 0x20 || c == 0x7F) {
      return Status::InvalidArgument("the stream id contains a control character");
    }
  }
  return Status::Ok();
}

Status CheckNewId(std::string_view id) {
  if (id.empty() || id.back() == '/') {
    return Status::InvalidArgument("the new entity's id \"" + std::string(id) +
                                   "\" names no id after its kind, e.g. \"complaint/c-1\"");
  }
  return CheckLookalikes(id, [&] { return "the new entity's id \"" + std::string(id) + "\""; });
}

std::string PayloadTypeName(int which) {
  if (which < 0 || which > 0xFFFF) return "unknown";
  KJ_IF_MAYBE (field, capnp::Schema::from<schema::Payload>().getFieldByDiscriminant(
                          static_cast<uint16_t>(which))) {
    return field->getProto().getName().cStr();
  }
  return "unknown";
}

std::string EventTypeName(schema::Event::Reader event) {
  return PayloadTypeName(static_cast<int>(event.getPayload().which()));
}

Status ValidateEvent(schema::Event::Reader event) {
  if (!event.hasPayload()) {
    return Status::InvalidArgument("the event has no type; set \"type\" and \"data\"");
  }
  Walker walker(internal::EventSchemaFacts());
  return walker.Struct(capnp::DynamicStruct::Reader(event), "");
}

}  // namespace ledger
