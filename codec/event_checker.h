// Finds the first problem in a JSON document, against the tables of its type (schema_tables.h),
// and says it for people: the JSON path, what is wrong there, and what is allowed:
//
//   data.channel: "fax" is not one of hotline, opinionBook, messageBox, replyBoard, ...
//   type: "complaintFiledd" is not an event type; allowed: estateRegistered, ...; did you mean
//   "complaintFiled"?
//
// JsonCodec does the decoding; this runs beside it, for two reasons (see bundle.h): to describe
// what JsonCodec refused (its own messages do not say where), and to refuse what JsonCodec
// accepts silently while losing data (an unknown "type", "data" without "type", two members of
// one union). Internal to codec/.

#pragma once

#include <capnp/compat/json.h>

#include <optional>
#include <string>

#include "schema_tables.h"

namespace codec::internal {

// A message for people ("path: what"), or nothing.
using Problem = std::optional<std::string>;

// The first problem in `document`, an instance of `info`'s type. With `full`, everything
// JsonCodec may refuse is described; otherwise only the union rules JsonCodec does not enforce
// are checked, and only below fields from which a union can be reached (cheap on the success
// path).
Problem FindProblem(capnp::JsonValue::Reader document, const ObjectInfo& info, bool full);

}  // namespace codec::internal
