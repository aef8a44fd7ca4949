// The normal form of an event: what the ledger stores and hashes.
//
// The chain hashes an event's canonical Cap'n Proto bytes, and anyone holding an export (JSON)
// must be able to recompute them. Cap'n Proto tells apart things JSON does not: an empty list
// from an absent one, "" from absent text, a struct holding only defaults from an absent struct,
// one NaN from another, and fields of a newer schema that this one does not know. So before an
// event is hashed it is rebuilt, field by field from the schema, by one rule:
//
//   - text, data and lists that are empty are absent (null pointers), also as list elements;
//   - a struct field whose normal form holds only defaults is absent, unless it is $required
//     (HouseholdFlagsChanged.flags with every flag cleared stays present and empty);
//   - of a union, the active member is kept, its discriminant even when its value is absent;
//   - every NaN is the one quiet NaN JSON decodes "NaN" to;
//   - what the schema does not name (fields of a newer schema) is dropped.
//
// Decoding the JSON of a stored event and normalising it gives the same canonical bytes again,
// for every event the ledger accepts: the JSON form determines the stored bytes.
//
//   kj::Array<capnp::word> words = ledger::NormalCanonical(event);  // what Append hashes

#pragma once

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/array.h>

#include "schemas/events.capnp.h"

namespace ledger {

// Copies `in` into `out`, which must be freshly initialised and of the same type, in normal form.
// `out` may be a root or any struct in a message. Throws kj::Exception if `in` cannot be read,
// or holds a capability or an untyped pointer (nothing in the catalogue does).
void Normalize(capnp::DynamicStruct::Reader in, capnp::DynamicStruct::Builder out);

// The canonical bytes of the normal form of `event` (one segment, no segment table). Throws as
// Normalize does.
kj::Array<capnp::word> NormalCanonical(schema::Event::Reader event);

// True if `event` is already in normal form (its canonical bytes are NormalCanonical's).
bool IsNormal(schema::Event::Reader event);

}  // namespace ledger
