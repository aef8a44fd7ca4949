// The JSON form of a struct type and of everything reachable from it, read once from the schema
// (with JsonCodec's annotations $Json.name, $Json.flatten and $Json.discriminator resolved): which
// keys an object has, what each must hold, its unions and its enums' names. The checker
// (event_checker.h) walks a document against these tables, and the bundle (bundle.h) tells
// JsonCodec which fields are times and which types are enums from them. Immutable once built.
// Internal to codec/.

#pragma once

#include <capnp/compat/json.h>
#include <capnp/schema.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace codec::internal {

// Lets the maps below be searched with a std::string_view, without making a string first.
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

// The tables of `root` and of every struct and enum reachable from it.
class SchemaTables {
 public:
  explicit SchemaTables(capnp::StructSchema root);
  SchemaTables(const SchemaTables&) = delete;
  SchemaTables& operator=(const SchemaTables&) = delete;

  // The table of `schema`, or nullptr if it is not reachable from the root.
  const ObjectInfo* Find(capnp::StructSchema schema) const;

  // Every Int64 field that holds a time (IsTimeField), and every enum, for JsonCodec's handlers.
  const std::vector<capnp::StructSchema::Field>& time_fields() const { return time_fields_; }
  std::vector<const EnumInfo*> enums() const;

 private:
  using Discriminator = kj::Maybe<capnp::json::DiscriminatorOptions::Reader>;

  const EnumInfo* Enum(capnp::EnumSchema schema);
  Slot MakeSlot(capnp::Type type, bool is_time);
  const ObjectInfo* Build(capnp::StructSchema schema, Discriminator discriminator,
                          kj::Maybe<kj::StringPtr> union_name);
  std::optional<size_t> AddUnion(capnp::StructSchema schema, Discriminator discriminator,
                                 kj::Maybe<kj::StringPtr> union_name, ObjectInfo* info);
  void AddField(capnp::StructSchema::Field field, std::optional<size_t> union_index,
                ObjectInfo* info);
  void MarkUnionReach();

  std::unordered_map<uint64_t, std::unique_ptr<EnumInfo>> enums_;
  std::unordered_map<uint64_t, std::unique_ptr<ObjectInfo>> objects_;
  std::vector<capnp::StructSchema::Field> time_fields_;
};

// The unqualified name of a type ("ComplaintFiled"), for "known fields of ComplaintFiled".
std::string ShortName(capnp::Schema schema);

// An Int64 field whose name ends in "At" holds milliseconds since the epoch.
bool IsTimeField(capnp::StructSchema::Field field);

}  // namespace codec::internal
