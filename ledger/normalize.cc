#include "ledger/normalize.h"

#include <capnp/schema.h>
#include <kj/debug.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ledger {
namespace {

// $required in schemas/events.capnp (the validator reads the same id).
constexpr uint64_t kRequired = 0xbb8f19c51249593full;

using capnp::DynamicList;
using capnp::DynamicStruct;
using capnp::DynamicValue;
using T = capnp::schema::Type;

bool IsRequired(capnp::StructSchema::Field field) {
  for (auto annotation : field.getProto().getAnnotations()) {
    if (annotation.getId() == kRequired) return true;
  }
  return false;
}

bool InUnion(capnp::StructSchema::Field field) {
  return field.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
}

// JSON writes every NaN as "NaN", which reads back as this one.
DynamicValue::Reader OneNaN(DynamicValue::Reader value, capnp::Type type) {
  if (type.which() == T::FLOAT64 && std::isnan(value.as<double>())) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (type.which() == T::FLOAT32 && std::isnan(value.as<float>())) {
    return std::numeric_limits<float>::quiet_NaN();
  }
  return value;
}

bool CopyStruct(DynamicStruct::Reader in, DynamicStruct::Builder out);

// `out` has in.size() elements.
void CopyList(DynamicList::Reader in, DynamicList::Builder out) {
  capnp::Type element = in.getSchema().getElementType();
  for (uint i = 0; i < in.size(); ++i) {
    switch (element.which()) {
      case T::VOID:
        break;
      case T::BOOL:
      case T::INT8:
      case T::INT16:
      case T::INT32:
      case T::INT64:
      case T::UINT8:
      case T::UINT16:
      case T::UINT32:
      case T::UINT64:
      case T::ENUM:
      case T::FLOAT32:
      case T::FLOAT64:
        out.set(i, OneNaN(in[i], element));
        break;
      case T::TEXT:
        if (in[i].as<capnp::Text>().size() > 0) out.set(i, in[i]);
        break;
      case T::DATA:
        if (in[i].as<capnp::Data>().size() > 0) out.set(i, in[i]);
        break;
      case T::LIST: {
        auto inner = in[i].as<DynamicList>();
        if (inner.size() > 0) CopyList(inner, out.init(i, inner.size()).as<DynamicList>());
        break;
      }
      case T::STRUCT:
        CopyStruct(in[i].as<DynamicStruct>(), out[i].as<DynamicStruct>());
        break;
      case T::INTERFACE:
      case T::ANY_POINTER:
        KJ_FAIL_REQUIRE("a list of capabilities or untyped pointers cannot be stored");
    }
  }
}

// Copies one field; true if it wrote anything that is not the default. A union member that
// writes nothing is still made the active one by the caller.
bool CopyField(DynamicStruct::Reader in, DynamicStruct::Builder out,
               capnp::StructSchema::Field field) {
  if (field.getProto().isGroup()) {
    DynamicStruct::Builder group =
        InUnion(field) ? out.init(field).as<DynamicStruct>() : out.get(field).as<DynamicStruct>();
    return CopyStruct(in.get(field).as<DynamicStruct>(), group);
  }
  capnp::Type type = field.getType();
  switch (type.which()) {
    case T::VOID:
      return false;
    case T::BOOL:
    case T::INT8:
    case T::INT16:
    case T::INT32:
    case T::INT64:
    case T::UINT8:
    case T::UINT16:
    case T::UINT32:
    case T::UINT64:
    case T::ENUM:
    case T::FLOAT32:
    case T::FLOAT64:
      if (!in.has(field, capnp::HasMode::NON_DEFAULT)) return false;
      out.set(field, OneNaN(in.get(field), type));
      return true;
    case T::TEXT:
      if (in.get(field).as<capnp::Text>().size() == 0) return false;
      out.set(field, in.get(field));
      return true;
    case T::DATA:
      if (in.get(field).as<capnp::Data>().size() == 0) return false;
      out.set(field, in.get(field));
      return true;
    case T::LIST: {
      auto list = in.get(field).as<DynamicList>();
      if (list.size() == 0) return false;
      CopyList(list, out.init(field, list.size()).as<DynamicList>());
      return true;
    }
    case T::STRUCT: {
      if (!in.has(field, capnp::HasMode::NON_NULL)) return false;
      bool any = CopyStruct(in.get(field).as<DynamicStruct>(), out.init(field).as<DynamicStruct>());
      if (any || IsRequired(field)) return true;
      out.clear(field);
      return false;
    }
    case T::INTERFACE:
    case T::ANY_POINTER:
      KJ_REQUIRE(!in.has(field, capnp::HasMode::NON_NULL),
                 "a capability or untyped pointer cannot be stored", field.getProto().getName());
      return false;
  }
  return false;
}

// True if anything in `out` differs from the default (a union's non-first member counts).
bool CopyStruct(DynamicStruct::Reader in, DynamicStruct::Builder out) {
  auto schema = in.getSchema();
  bool any = false;
  for (auto field : schema.getNonUnionFields()) any = CopyField(in, out, field) || any;
  if (schema.getUnionFields().size() > 0) {
    KJ_IF_MAYBE (active, in.which()) {
      if (!CopyField(in, out, *active)) {
        // Active, with nothing in it: the discriminant alone says which.
        out.clear(*active);
        any = any || active->getProto().getDiscriminantValue() != 0;
      } else {
        any = true;
      }
    } else {
      // The validator refuses a member this schema does not know; nothing else reaches here.
      KJ_FAIL_REQUIRE("a union member this schema does not know cannot be stored");
    }
  }
  return any;
}

}  // namespace

void Normalize(capnp::DynamicStruct::Reader in, capnp::DynamicStruct::Builder out) {
  KJ_REQUIRE(in.getSchema() == out.getSchema(), "normalising into a struct of another type");
  CopyStruct(in, out);
}

kj::Array<capnp::word> NormalCanonical(schema::Event::Reader event) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::Event>();
  Normalize(capnp::DynamicStruct::Reader(event), capnp::DynamicStruct::Builder(root));
  return capnp::canonicalize(root.asReader());
}

bool IsNormal(schema::Event::Reader event) {
  kj::Array<capnp::word> normal = NormalCanonical(event);
  kj::Array<capnp::word> given = capnp::canonicalize(event);
  auto a = normal.asBytes(), b = given.asBytes();
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace ledger
