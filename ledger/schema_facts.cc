#include "schema_facts.h"

#include "ledger/validate.h"
#include "schemas/events.capnp.h"

namespace ledger::internal {
namespace {

// Annotation ids declared in schemas/events.capnp.
constexpr uint64_t kRequired = 0xbb8f19c51249593full;
constexpr uint64_t kDate = 0xb35f06fc5b65114aull;
constexpr uint64_t kMonthDay = 0x8ca3758e255a60edull;

}  // namespace

SchemaFacts::SchemaFacts(capnp::StructSchema root) { Add(root); }

void SchemaFacts::Add(capnp::StructSchema schema) {
  if (structs_.count(schema) > 0) return;
  StructFacts& facts = structs_[schema];
  auto fields = schema.getFields();
  facts.fields.resize(fields.size());
  std::vector<capnp::StructSchema> inner;
  for (auto field : fields) {
    FieldFacts& f = facts.fields[field.getIndex()];
    auto proto = field.getProto();
    f.field = field;
    f.type = field.getType();
    f.name = proto.getName().cStr();
    f.group = proto.isGroup();
    f.in_union = proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
    if (f.in_union) f.discriminant = proto.getDiscriminantValue();
    for (auto annotation : proto.getAnnotations()) {
      f.required = f.required || annotation.getId() == kRequired;
      f.date = f.date || annotation.getId() == kDate;
      f.month_day = f.month_day || annotation.getId() == kMonthDay;
    }
    f.identifier = NamesIdentifierField(f.name);
    if (f.type.isList()) f.element_type = f.type.asList().getElementType();
    // A struct inside lists of lists is walked too (the catalogue has none today).
    capnp::Type innermost = f.type;
    while (innermost.isList()) innermost = innermost.asList().getElementType();
    if (innermost.isStruct()) inner.push_back(innermost.asStruct());
  }
  for (auto field : schema.getNonUnionFields()) {
    facts.non_union.push_back(&facts.fields[field.getIndex()]);
  }
  for (auto field : schema.getUnionFields()) {
    facts.has_union = true;
    const std::string& name = facts.fields[field.getIndex()].name;
    if (name == "unset") continue;
    if (!facts.union_names.empty()) facts.union_names += ", ";
    facts.union_names += name;
  }
  // `facts` stays valid: an unordered_map keeps its elements in place as it grows.
  for (auto s : inner) Add(s);
}

const StructFacts* SchemaFacts::Of(capnp::StructSchema schema) const {
  auto it = structs_.find(schema);
  return it == structs_.end() ? nullptr : &it->second;
}

const SchemaFacts& EventSchemaFacts() {
  static const SchemaFacts facts(capnp::Schema::from<schema::Event>());
  return facts;
}

}  // namespace ledger::internal
