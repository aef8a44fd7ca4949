#include "schema_tables.h"

#include <kj/debug.h>

#include "messages.h"
#include "schemas/events.capnp.h"

namespace codec::internal {
namespace {

using capnp::JsonValue;

// Annotation ids declared in /capnp/compat/json.capnp.
constexpr uint64_t kJsonName = 0xfa5b1fd61c2e7c3dull;
constexpr uint64_t kJsonFlatten = 0x82d3e852af0336bfull;
constexpr uint64_t kJsonDiscriminator = 0xcfa794e8d19a0162ull;

// What a field's annotations say about its JSON form.
struct FieldForm {
  std::string json_name;
  bool flattened = false;
  std::string prefix;
  kj::Maybe<capnp::json::DiscriminatorOptions::Reader> discriminator;
};

FieldForm ReadFieldForm(capnp::schema::Field::Reader proto) {
  FieldForm form;
  form.json_name = View(proto.getName());
  for (auto a : proto.getAnnotations()) {
    if (a.getId() == kJsonName) form.json_name = View(a.getValue().getText());
    if (a.getId() == kJsonFlatten) {
      form.flattened = true;
      form.prefix = View(a.getValue().getStruct().getAs<capnp::json::FlattenOptions>().getPrefix());
    }
    if (a.getId() == kJsonDiscriminator) {
      form.discriminator = a.getValue().getStruct().getAs<capnp::json::DiscriminatorOptions>();
    }
  }
  return form;
}

}  // namespace

SchemaTables::SchemaTables(capnp::StructSchema root) {
  Build(root, nullptr, nullptr);
  MarkUnionReach();
}

const ObjectInfo* SchemaTables::Find(capnp::StructSchema schema) const {
  auto it = objects_.find(schema.getProto().getId());
  return it == objects_.end() ? nullptr : it->second.get();
}

std::vector<const EnumInfo*> SchemaTables::enums() const {
  std::vector<const EnumInfo*> all;
  for (const auto& [id, info] : enums_) all.push_back(info.get());
  return all;
}

const EnumInfo* SchemaTables::Enum(capnp::EnumSchema schema) {
  auto& slot = enums_[schema.getProto().getId()];
  if (slot) return slot.get();
  slot = std::make_unique<EnumInfo>(EnumInfo{schema, {}, {}, {}});
  for (auto e : schema.getEnumerants()) {
    std::string name(View(e.getProto().getName()));
    for (auto a : e.getProto().getAnnotations()) {
      if (a.getId() == kJsonName) name = View(a.getValue().getText());
    }
    slot->by_name.emplace(name, e.getIndex());
    slot->names.push_back(name);
  }
  slot->allowed = JoinNames(slot->names);
  return slot.get();
}

Slot SchemaTables::MakeSlot(capnp::Type type, bool is_time) {
  Slot slot{type, is_time, nullptr, nullptr};
  capnp::Type inner = type;
  while (inner.isList()) inner = inner.asList().getElementType();
  if (inner.isStruct()) slot.object = Build(inner.asStruct(), nullptr, nullptr);
  if (inner.isEnum()) slot.enumeration = Enum(inner.asEnum());
  return slot;
}

// The JSON form of `schema`, following the rules of JsonCodec's annotation handler
// ($Json.name, $Json.flatten, $Json.discriminator). `discriminator` and `union_name` come
// from the field when `schema` is a group.
const ObjectInfo* SchemaTables::Build(capnp::StructSchema schema, Discriminator discriminator,
                                      kj::Maybe<kj::StringPtr> union_name) {
  auto& owned = objects_[schema.getProto().getId()];
  if (owned) return owned.get();  // built, or being built higher up the stack (a cycle)
  owned = std::make_unique<ObjectInfo>();
  ObjectInfo* info = owned.get();
  info->name = ShortName(schema);
  if (schema == capnp::Schema::from<JsonValue>()) {
    info->any_json = true;  // JsonCodec copies it through as it stands
    return info;
  }
  std::optional<size_t> union_index = AddUnion(schema, discriminator, union_name, info);
  for (auto field : schema.getFields()) AddField(field, union_index, info);
  if (union_index) {
    UnionInfo& un = info->unions[*union_index];
    // People name a discriminated union's member with the tag, others' with the key.
    un.allowed = JoinNames(un.tags_for_people);
  }
  info->known = JoinNames(info->key_order);
  return info;
}

// The union of `schema` itself, if it has one: its tag and value keys. Its members are added
// field by field.
std::optional<size_t> SchemaTables::AddUnion(capnp::StructSchema schema,
                                             Discriminator discriminator,
                                             kj::Maybe<kj::StringPtr> union_name,
                                             ObjectInfo* info) {
  for (auto a : schema.getProto().getAnnotations()) {
    if (a.getId() == kJsonDiscriminator && discriminator == nullptr) {
      discriminator = a.getValue().getStruct().getAs<capnp::json::DiscriminatorOptions>();
    }
  }
  if (schema.getUnionFields().size() == 0) return std::nullopt;
  size_t union_index = info->unions.size();
  info->unions.emplace_back();
  UnionInfo& un = info->unions.back();
  un.is_event_type = schema == capnp::Schema::from<ledger::schema::Payload>();
  KJ_IF_MAYBE (d, discriminator) {
    un.discriminated = true;
    if (d->hasName()) {
      un.tag_key = View(d->getName());
    } else KJ_IF_MAYBE (n, union_name) {
      un.tag_key = std::string(n->cStr());
    }
    if (d->hasValueName()) un.value_key = View(d->getValueName());
    if (un.tag_key.empty()) un.discriminated = false;  // JsonCodec then writes no tag
  }
  if (un.discriminated) info->Add(un.tag_key, {KeyEntry::kTag, {}, union_index, 0});
  if (!un.value_key.empty()) info->Add(un.value_key, {KeyEntry::kValue, {}, union_index, 0});
  return union_index;
}

// One field of `info`'s struct: a key of its own, the keys of a flattened group, or a member
// of the struct's union (`union_index`).
void SchemaTables::AddField(capnp::StructSchema::Field field, std::optional<size_t> union_index,
                            ObjectInfo* info) {
  auto proto = field.getProto();
  FieldForm form = ReadFieldForm(proto);
  bool in_union = proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
  bool is_time = IsTimeField(field);
  if (is_time) time_fields_.push_back(field);

  Slot slot;
  if (proto.isGroup()) {
    slot.type = field.getType();
    slot.object = Build(field.getType().asStruct(), form.discriminator,
                        form.flattened ? kj::Maybe<kj::StringPtr>(proto.getName()) : nullptr);
  } else {
    slot = MakeSlot(field.getType(), is_time);
  }

  if (form.flattened && slot.object != nullptr) {
    // The inner object's keys appear in this one. Its unions come along; keys of a member
    // that is itself flattened depend on the tag, so those are only known, not checked.
    size_t offset = info->unions.size();
    for (const auto& u : slot.object->unions) info->unions.push_back(u);
    for (const auto& key : slot.object->key_order) {
      KeyEntry entry = slot.object->keys.at(key);
      if (in_union) entry.kind = KeyEntry::kOpaque;
      entry.union_index += offset;
      info->Add(form.prefix + key, entry);
    }
    if (!in_union) return;
  } else if (!in_union) {
    info->Add(form.json_name, {KeyEntry::kField, slot, 0, 0, proto.isGroup()});
    return;
  }
  UnionInfo& un = info->unions[*union_index];
  size_t member = un.members.size();
  bool under_value_key = form.flattened || (un.discriminated && !un.value_key.empty());
  un.members.push_back({form.json_name, under_value_key ? "" : form.json_name, slot});
  un.by_tag.emplace(form.json_name, member);
  // A Void member numbered 0 in a discriminated union is the schema's "nothing set"
  // placeholder (Payload.unset): accepted, but not offered to people.
  if (!(un.discriminated && slot.type.isVoid() && proto.getDiscriminantValue() == 0)) {
    un.tags_for_people.push_back(form.json_name);
  }
  if (!under_value_key) {
    info->Add(form.json_name, {KeyEntry::kMember, {}, *union_index, member});
  }
}

// reaches_union, to a fixed point (the schema has cycles: a correction holds a payload).
void SchemaTables::MarkUnionReach() {
  for (auto& [id, info] : objects_) info->reaches_union = !info->unions.empty();
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [id, info] : objects_) {
      if (info->reaches_union) continue;
      for (const auto& [key, entry] : info->keys) {
        if (entry.slot.object != nullptr && entry.slot.object->reaches_union) {
          info->reaches_union = changed = true;
          break;
        }
      }
    }
  }
}

std::string ShortName(capnp::Schema schema) {
  auto proto = schema.getProto();
  auto name = View(proto.getDisplayName());
  return std::string(name.substr(proto.getDisplayNamePrefixLength()));
}

bool IsTimeField(capnp::StructSchema::Field field) {
  std::string_view name = View(field.getProto().getName());
  return field.getType().which() == capnp::schema::Type::INT64 && name.size() > 2 &&
         name.substr(name.size() - 2) == "At";
}

}  // namespace codec::internal
