#include "codec/event_json.h"

#include <kj/exception.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "bundle.h"
#include "messages.h"

// The parts, each in a file of its own in codec/:
//   json_parser    JSON text to a capnp::JsonValue, strictly (RFC 8259), with byte offsets
//   time_text      RFC 3339 and milliseconds, both ways (FormatTimestamp, ParseTimestamp)
//   schema_tables  the JSON form of each struct and enum, read once from the schema
//   json_handlers  how JsonCodec writes and reads times, 64-bit integers and enums
//   event_checker  the first problem in a document, said for people
//   suggestions    "did you mean"
//   messages       how values are quoted and named in messages
//   bundle         a JsonCodec with its tables for one root type: Encode, Decode
// This file keeps the bundles: the catalogue's, and one for each other struct type asked for.

namespace codec {

using internal::Bundle;
using internal::ObjectInfo;

// The catalogue's bundle is built up front; JsonCodec must be told every type before use, so a
// struct outside it (view records, request bodies of other schema files) gets a bundle of its
// own the first time it is seen, built once under a lock and kept.
struct EventJson::Impl {
  const Bundle events{capnp::Schema::from<ledger::schema::Event>()};
  const ObjectInfo* event_info = events.Find(capnp::Schema::from<ledger::schema::Event>());

  mutable base::SharedMutex mutex;
  // By root type id. A bundle, once in, is never removed or changed, so a pointer to one stays
  // good after the lock is let go.
  mutable std::unordered_map<uint64_t, std::unique_ptr<const Bundle>> others GUARDED_BY(mutex);

  // The bundle covering `schema`, or nullptr with the reason in `*error`.
  const Bundle* For(capnp::StructSchema schema, std::string* error) const {
    if (events.Find(schema) != nullptr) return &events;  // no lock: `events` never changes
    uint64_t id = schema.getProto().getId();
    {
      base::ReaderLock read(&mutex);
      auto it = others.find(id);
      if (it != others.end()) return it->second.get();
    }
    base::WriterLock write(&mutex);
    auto& slot = others[id];
    if (slot == nullptr) {
      KJ_IF_MAYBE (e,
                   kj::runCatchingExceptions([&]() { slot = std::make_unique<Bundle>(schema); })) {
        others.erase(id);
        *error = "cannot convert " +
                 std::string(internal::View(schema.getProto().getDisplayName())) +
                 " to or from JSON: " + e->getDescription().cStr();
        return nullptr;
      }
    }
    return slot.get();
  }

  std::string Encode(capnp::DynamicStruct::Reader value) const {
    std::string error;
    const Bundle* bundle = For(value.getSchema(), &error);
    return bundle ? bundle->Encode(value) : std::string();
  }

  ledger::Status Decode(std::string_view text, capnp::DynamicStruct::Builder out) const {
    std::string error;
    const Bundle* bundle = For(out.getSchema(), &error);
    if (bundle == nullptr) return ledger::Status::InvalidArgument(error);
    return bundle->Decode(text, *bundle->Find(out.getSchema()), out);
  }
};

EventJson::EventJson() : impl_(std::make_unique<Impl>()) {}
EventJson::~EventJson() = default;

std::string EventJson::Encode(ledger::schema::Event::Reader event) const {
  return impl_->events.Encode(event);
}

ledger::Status EventJson::Decode(std::string_view json, ledger::schema::Event::Builder out) const {
  return impl_->events.Decode(json, *impl_->event_info, out);
}

std::string EventJson::EncodeStruct(capnp::DynamicStruct::Reader value) const {
  return impl_->Encode(value);
}

ledger::Status EventJson::DecodeStruct(std::string_view json,
                                       capnp::DynamicStruct::Builder out) const {
  return impl_->Decode(json, out);
}

}  // namespace codec
