// JSON <-> Cap'n Proto for the event catalogue, driven by schemas/events.capnp.
//
// This is the ledger's edge: requests arrive as JSON and events leave as JSON, and nothing here
// knows about individual event types. Everything comes from the schema (read by reflection when
// an EventJson is built), so a struct added to events.capnp is readable and writable as JSON
// without any code here.
//
// The JSON shape of an event (one line; shown wrapped here):
//
//   {"eventId":"e1","stream":"complaint/c-1","actorId":"person/p-7","actorRole":"resident",
//    "occurredAt":"2025-03-01T13:30:00.000Z","recordedAt":"2025-03-01T13:30:00.123Z",
//    "type":"complaintFiled",
//    "data":{"complaintId":"c-1","estateId":"estate/e-1","category":"lighting",
//            "channel":"wechatGroup","summary":"楼道灯坏了三天"}}
//
// - The payload is flattened into the envelope: "type" names the member of the Payload union and
//   "data" holds it ($Json.flatten and $Json.discriminator in the schema). A payload nested
//   elsewhere (a correction's replacement) is an object {"type": ..., "data": ...}.
// - Fields at their default value (0, false, the first enumerant, absent text or lists) are left
//   out, so an absent field reads back as its default. Note that "channel":"hotline" is the
//   default channel and so is never written.
// - Times: every Int64 field whose name ends in "At" holds milliseconds since the epoch and is
//   written as an RFC 3339 UTC string with milliseconds, "2025-03-01T13:30:00.000Z". Input may be
//   RFC 3339 with "Z" or a numeric offset ("2025-03-01T21:30:00+08:00", fraction optional), a
//   JSON number of milliseconds, or a string of digits. Times outside the years 0000-9999 are
//   written as a string of milliseconds.
// - Other 64-bit integers are written as JSON strings ("correctsSeq":"42") because a JSON number
//   cannot carry more than 53 bits exactly; input may be a number or a string of digits.
// - Enums are written and read by name ("channel":"wechatGroup"), never by number.
// - Unions that are not discriminated (e.g. a correction's "action") are an object holding exactly
//   one member: {"replacement": {...}} or {"void": null}.
//
// Errors are for people. A rejected document yields InvalidArgument whose message starts with
// the JSON path of the first problem and says what is allowed there, for example
//
//   data.channel: "fax" is not one of hotline, opinionBook, messageBox, replyBoard, ...
//   data.agenda[1].title: expected a string, got a number
//   type: "complaintFiledd" is not an event type; allowed: estateRegistered, ...
//   malformed JSON at byte 17: expected a field name in double quotes
//
// (byte offsets count from 0). Input is untrusted: no input makes these functions throw, crash or
// recurse without bound. Decoding checks the JSON's form and types only; the rules of the ledger
// (required fields, calendar days) are ledger::ValidateEvent's job.
//
//   const codec::EventJson json;   // once, at startup
//   capnp::MallocMessageBuilder message;
//   auto event = message.initRoot<ledger::schema::Event>();
//   ledger::Status s = json.Decode(body, event);
//   if (!s.ok()) return BadRequest(s.message());
//   ...
//   std::string line = json.Encode(recorded.event());

#pragma once

#include <capnp/dynamic.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "schemas/events.capnp.h"

namespace codec {

// Converts events, and any other Cap'n Proto struct, to and from JSON.
//
// Building one walks the event catalogue and sets up Cap'n Proto's JsonCodec for it, so build it
// once and share it: all const methods are safe to call from many threads at once. JsonCodec must
// be told every type before it is used, so a struct type not reachable from Event (a view record
// or request body from another schema file) is set up the first time it is seen, once, under a
// lock; later calls with that type only take a shared lock to find it.
class EventJson {
 public:
  // JSON nested deeper than this (objects and arrays) is refused.
  static constexpr int kMaxDepth = 64;

  EventJson();
  ~EventJson();
  EventJson(const EventJson&) = delete;
  EventJson& operator=(const EventJson&) = delete;

  // One line of JSON, without a trailing newline.
  //
  // Returns an empty string (which is not JSON, so it cannot be mistaken for an event) only if
  // the event cannot be read at all: a reader over malformed bytes. Events from the Ledger never
  // are.
  std::string Encode(ledger::schema::Event::Reader event) const;

  // Fills `out`, which should be freshly initialised, from `json`.
  // Ok, or InvalidArgument naming the JSON path of the first problem. On failure `out` may hold
  // part of the document and should be discarded.
  ledger::Status Decode(std::string_view json, ledger::schema::Event::Builder out) const;

  // The same for any struct type (view records, reports, request bodies), with the same
  // conventions: times, 64-bit integers, enums by name, unknown fields refused, errors by path.
  // A capnp::json::Value field holds any JSON as it stands. EncodeStruct returns an empty string
  // if the value cannot be read or holds something JSON cannot (a capability).
  std::string EncodeStruct(capnp::DynamicStruct::Reader value) const;
  ledger::Status DecodeStruct(std::string_view json, capnp::DynamicStruct::Builder out) const;

 private:
  struct Impl;
  std::unique_ptr<const Impl> impl_;
};

// The time conventions above, for the places that see a time outside a document (query
// parameters, log lines).

// "2025-03-01T13:30:00.000Z" for 1740835800000; the decimal milliseconds ("-62198755200001")
// outside the years 0000 to 9999.
std::string FormatTimestamp(int64_t unix_ms);

// Milliseconds since the epoch from RFC 3339 text (with "Z" or an offset) or a string of digits;
// InvalidArgument saying what is accepted otherwise.
ledger::Result<int64_t> ParseTimestamp(std::string_view text);

}  // namespace codec
