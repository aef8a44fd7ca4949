#include "codec/response_json.h"

#include <capnp/schema.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/utf8.h"
#include "codec/event_json.h"

namespace codec {
namespace {

// schemas/json_form.capnp's `instant`.
constexpr uint64_t kInstantAnnotation = 0xac6a8d5ceaf8f27fULL;

bool IsInstant(capnp::StructSchema::Field field) {
  auto proto = field.getProto();
  for (auto a : proto.getAnnotations()) {
    if (a.getId() == kInstantAnnotation) return true;
  }
  kj::StringPtr name = proto.getName();
  return field.getType().which() == capnp::schema::Type::INT64 && name.size() > 2 &&
         name.endsWith("At");
}

// Which fields of a struct type are instants, by field index (Field::getIndex()), read from the
// schema once per type rather than for every field of every row written. The schemas are
// compiled into the program and never change, so this is a memo of them that every caller
// shares; a type's entry, once in, is never changed or removed.
class InstantFields {
 public:
  const std::vector<bool>& Of(capnp::StructSchema schema) EXCLUDES(mutex_) {
    // By id: a generic struct's brands share it, and differ only in pointer fields, which are
    // never instants.
    uint64_t id = schema.getProto().getId();
    {
      base::ReaderLock read(&mutex_);
      auto it = by_type_.find(id);
      if (it != by_type_.end()) return *it->second;
    }
    auto fields = schema.getFields();
    auto table = std::make_unique<std::vector<bool>>(fields.size());
    for (auto field : fields) (*table)[field.getIndex()] = IsInstant(field);
    base::WriterLock write(&mutex_);
    auto& slot = by_type_[id];
    if (slot == nullptr) slot = std::move(table);  // else another thread was first: same table
    return *slot;
  }

 private:
  base::SharedMutex mutex_;
  std::unordered_map<uint64_t, std::unique_ptr<const std::vector<bool>>> by_type_
      GUARDED_BY(mutex_);
};

InstantFields& Instants() {
  static InstantFields* const instants = new InstantFields;  // never destroyed: used at exit
  return *instants;
}

// A JSON number, or past 2^53 - 1 a decimal string: the convention's one rule.
template <typename Integer>
void AppendInteger(Integer n, std::string* out) {
  bool number = WrittenAsNumber(n);
  if (!number) out->push_back('"');
  out->append(std::to_string(n));
  if (!number) out->push_back('"');
}

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);  // the shortest text that reads back as d
  out->append(buf, r.ptr);
}

void AppendValue(capnp::DynamicValue::Reader value, capnp::Type type, bool instant,
                 std::string* out);

void AppendStruct(capnp::DynamicStruct::Reader value, std::string* out) {
  out->push_back('{');
  bool first = true;
  auto schema = value.getSchema();
  const std::vector<bool>& instant = Instants().Of(schema);
  auto member = [&](capnp::StructSchema::Field field) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(field.getProto().getName().cStr(), out);
    out->push_back(':');
    AppendValue(value.get(field), field.getType(), instant[field.getIndex()], out);
  };
  for (auto field : schema.getNonUnionFields()) member(field);
  // Of a union, only the member that is set exists.
  KJ_IF_MAYBE (active, value.which()) {
    member(*active);
  }
  out->push_back('}');
}

void AppendValue(capnp::DynamicValue::Reader value, capnp::Type type, bool instant,
                 std::string* out) {
  using T = capnp::schema::Type;
  switch (type.which()) {
    case T::VOID:
      out->append("null");
      return;
    case T::BOOL:
      out->append(value.as<bool>() ? "true" : "false");
      return;
    case T::INT8:
    case T::INT16:
    case T::INT32:
      out->append(std::to_string(value.as<int64_t>()));
      return;
    case T::INT64: {
      int64_t n = value.as<int64_t>();
      if (!instant) {
        AppendInteger(n, out);
      } else if (n == 0) {
        out->append("null");
      } else {
        AppendJsonString(FormatTimestamp(n), out);
      }
      return;
    }
    case T::UINT8:
    case T::UINT16:
    case T::UINT32:
    case T::UINT64:
      AppendInteger(value.as<uint64_t>(), out);
      return;
    case T::FLOAT32:
    case T::FLOAT64:
      AppendDouble(value.as<double>(), out);
      return;
    case T::TEXT: {
      kj::StringPtr text = value.as<capnp::Text>();
      if (text.size() == 0) {
        out->append("null");
      } else {
        AppendJsonString(std::string_view(text.begin(), text.size()), out);
      }
      return;
    }
    case T::DATA: {
      // Bytes as an array of numbers, as capnp's JSON codec writes them.
      out->push_back('[');
      bool first = true;
      for (auto b : value.as<capnp::Data>()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(std::to_string(b));
      }
      out->push_back(']');
      return;
    }
    case T::LIST: {
      auto element = type.asList().getElementType();
      out->push_back('[');
      bool first = true;
      for (auto item : value.as<capnp::DynamicList>()) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(item, element, instant, out);
      }
      out->push_back(']');
      return;
    }
    case T::ENUM: {
      auto e = value.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (known, e.getEnumerant()) {
        AppendJsonString(known->getProto().getName().cStr(), out);
      } else {
        out->append(std::to_string(e.getRaw()));  // from a newer schema
      }
      return;
    }
    case T::STRUCT:
      // An unset struct reads as its defaults: an object of zeros, as the convention wants.
      AppendStruct(value.as<capnp::DynamicStruct>(), out);
      return;
    case T::INTERFACE:
    case T::ANY_POINTER:
      out->append("null");  // nothing a view holds; written so the document stays whole
      return;
  }
  out->append("null");
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (u < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
        } else if (u < 0x80) {
          out->push_back(c);
        } else if (size_t len = base::Utf8SequenceLength(text, i); len > 0) {
          out->append(text.substr(i, len));
          i += len - 1;
        } else {
          out->append("\\ufffd");  // a byte that starts no well-formed UTF-8 sequence
        }
    }
  }
  out->push_back('"');
}

std::string EncodeResponse(capnp::DynamicStruct::Reader value) {
  std::string out;
  AppendStruct(value, &out);
  return out;
}

}  // namespace codec
