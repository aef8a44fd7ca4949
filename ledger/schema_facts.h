// What the validator and the normaliser ask of each field of the event schema, read from the
// schema once. Internal to ledger/.
//
// Both walk an event field by field through Cap'n Proto's dynamic API. Asked per event, a
// field's type, its annotations and its place in a union are read back from the schema's encoded
// nodes every time: about a tenth of the CPU of an append in a batch. The schema is compiled in
// and never changes, so these facts are read once and kept, immutable, for the process.

#pragma once

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace ledger::internal {

struct FieldFacts {
  capnp::StructSchema::Field field;
  capnp::Type type;  // of a list field: element_type is its elements'
  capnp::Type element_type;
  std::string name;
  bool group = false;
  bool in_union = false;
  uint16_t discriminant = 0;  // of a union member
  bool required = false;      // $required
  bool date = false;          // $date: "YYYY-MM-DD"
  bool month_day = false;     // $monthDay: "MM-DD"
  bool identifier = false;    // its name says it holds ids (NamesIdentifierField)
};

struct StructFacts {
  std::vector<FieldFacts> fields;  // by Field::getIndex()
  std::vector<const FieldFacts*> non_union;
  bool has_union = false;
  std::string union_names;  // "complaintFiled, complaintAcknowledged, ..." without "unset"
};

// The facts of every struct reachable from a root struct.
class SchemaFacts {
 public:
  explicit SchemaFacts(capnp::StructSchema root);
  SchemaFacts(const SchemaFacts&) = delete;
  SchemaFacts& operator=(const SchemaFacts&) = delete;

  // `schema` is reachable from the root; otherwise nullptr.
  const StructFacts* Of(capnp::StructSchema schema) const;

 private:
  void Add(capnp::StructSchema schema);

  struct Hash {
    size_t operator()(const capnp::Schema& s) const { return s.hashCode(); }
  };
  std::unordered_map<capnp::Schema, StructFacts, Hash> structs_;
};

// The facts of schema::Event and everything in it, built on first use and never changed.
const SchemaFacts& EventSchemaFacts();

}  // namespace ledger::internal
