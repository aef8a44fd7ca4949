#include "ledger/normalize.h"

#include <capnp/schema.h>
#include <kj/debug.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "schema_facts.h"

namespace ledger {
namespace {

using capnp::DynamicList;
using capnp::DynamicStruct;
using capnp::DynamicValue;
using T = capnp::schema::Type;

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

bool CopyStruct(const internal::SchemaFacts& facts, DynamicStruct::Reader in,
                DynamicStruct::Builder out);

// `out` has in.size() elements.
void CopyList(const internal::SchemaFacts& facts, DynamicList::Reader in, DynamicList::Builder out,
              capnp::Type element) {
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
        if (inner.size() > 0) {
          CopyList(facts, inner, out.init(i, inner.size()).as<DynamicList>(),
                   inner.getSchema().getElementType());
        }
        break;
      }
      case T::STRUCT:
        CopyStruct(facts, in[i].as<DynamicStruct>(), out[i].as<DynamicStruct>());
        break;
      case T::INTERFACE:
      case T::ANY_POINTER:
        KJ_FAIL_REQUIRE("a list of capabilities or untyped pointers cannot be stored");
    }
  }
}

// Copies one field; true if it wrote anything that is not the default. A union member that
// writes nothing is still made the active one by the caller.
bool CopyField(const internal::SchemaFacts& facts, DynamicStruct::Reader in,
               DynamicStruct::Builder out, const internal::FieldFacts& f) {
  const capnp::StructSchema::Field& field = f.field;
  if (f.group) {
    DynamicStruct::Builder group =
        f.in_union ? out.init(field).as<DynamicStruct>() : out.get(field).as<DynamicStruct>();
    return CopyStruct(facts, in.get(field).as<DynamicStruct>(), group);
  }
  const capnp::Type& type = f.type;
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
      CopyList(facts, list, out.init(field, list.size()).as<DynamicList>(), f.element_type);
      return true;
    }
    case T::STRUCT: {
      if (!in.has(field, capnp::HasMode::NON_NULL)) return false;
      bool any =
          CopyStruct(facts, in.get(field).as<DynamicStruct>(), out.init(field).as<DynamicStruct>());
      if (any || f.required) return true;
      out.clear(field);
      return false;
    }
    case T::INTERFACE:
    case T::ANY_POINTER: {
      const std::string& name = f.name;  // (KJ_REQUIRE names its own local `f`)
      KJ_REQUIRE(!in.has(field, capnp::HasMode::NON_NULL),
                 "a capability or untyped pointer cannot be stored", name);
      return false;
    }
  }
  return false;
}

// True if anything in `out` differs from the default (a union's non-first member counts).
bool CopyStruct(const internal::SchemaFacts& facts, DynamicStruct::Reader in,
                DynamicStruct::Builder out) {
  const internal::StructFacts* known = facts.Of(in.getSchema());
  // Every struct inside the root's schema is in `facts` (schema_facts.cc walks lists and groups).
  KJ_REQUIRE(known != nullptr, "a struct outside the normalised schema cannot be stored");
  const internal::StructFacts& fields = *known;
  bool any = false;
  for (const internal::FieldFacts* f : fields.non_union) {
    any = CopyField(facts, in, out, *f) || any;
  }
  if (fields.has_union) {
    KJ_IF_MAYBE (active, in.which()) {
      const internal::FieldFacts& f = fields.fields[active->getIndex()];
      if (!CopyField(facts, in, out, f)) {
        // Active, with nothing in it: the discriminant alone says which.
        out.clear(*active);
        any = any || f.discriminant != 0;
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
  // An event's facts are read once per process; another struct's for this call.
  const internal::SchemaFacts* facts = &internal::EventSchemaFacts();
  std::optional<internal::SchemaFacts> own;
  if (facts->Of(in.getSchema()) == nullptr) facts = &own.emplace(in.getSchema());
  CopyStruct(*facts, in, out);
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
