// A JsonCodec set up for one struct type and everything reachable from it, with the tables the
// checks read. Immutable once built, so any number of threads may use one at once.
//
// Decode runs in three steps:
//  1. Our own JSON parser (json_parser.h) turns the text into a capnp::JsonValue.
//  2. JsonCodec (with the schema's annotations, our time, integer and enum handlers, unknown
//     fields refused) builds the Cap'n Proto value from the JsonValue.
//  3. JsonCodec accepts a few things silently that lose data: an unknown "type" or "data" without
//     "type" leave the payload unset, and two members of one union keep only the last. A short
//     check over the JsonValue (event_checker.h), only descending where a union can be reached,
//     refuses those.
// When step 2 throws, its message does not say where; we then walk the JsonValue against the
// same tables to find and describe the first problem, and fall back to JsonCodec's words only if
// the walk finds nothing. Internal to codec/.

#pragma once

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "json_handlers.h"
#include "schema_tables.h"

namespace codec::internal {

class Bundle {
 public:
  explicit Bundle(capnp::StructSchema root);
  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;

  // The table of `schema` if this bundle covers it.
  const ObjectInfo* Find(capnp::StructSchema schema) const { return tables_.Find(schema); }

  // `value`'s type must be covered. Empty if the value cannot be read or holds something JSON
  // cannot (a capability).
  std::string Encode(capnp::DynamicStruct::Reader value) const;

  // `info` is Find(out.getSchema()). Ok, or InvalidArgument naming the JSON path of the first
  // problem.
  ledger::Status Decode(std::string_view text, const ObjectInfo& info,
                        capnp::DynamicStruct::Builder out) const;

 private:
  // Handlers and tables come before the codec, which points at them, so they outlive it.
  const SchemaTables tables_;
  TimeHandler time_handler_;
  Integer64Handler<int64_t> int64_handler_;
  Integer64Handler<uint64_t> uint64_handler_;
  std::vector<std::unique_ptr<EnumHandler>> enum_handlers_;
  capnp::JsonCodec codec_;
};

}  // namespace codec::internal
