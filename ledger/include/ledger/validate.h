// Checks an event against the rules its schema declares, before anything is written.
//
// The rules come from the schema itself ($required, $date, $monthDay in events.capnp), read by
// reflection, so a new event type is validated without code here.

#pragma once

#include <cstddef>
#include <string_view>

#include "ledger/status.h"
#include "schemas/events.capnp.h"

namespace ledger {

// Ok, or InvalidArgument naming the field path ("complaintFiled.summary") and the rule broken.
// Checks: the payload has a known, set type; every $required field is set; $date / $monthDay
// text is a real calendar day; text is valid UTF-8.
Status ValidateEvent(schema::Event::Reader event);

// Ok, or InvalidArgument: a stream id is 1 to 200 bytes of UTF-8 without control characters.
Status ValidateStreamId(std::string_view stream);

// The name of the event's type as written in the schema ("complaintFiled"), or "unknown".
std::string EventTypeName(schema::Event::Reader event);
// The same for a payload's type alone, as views keep it (an int of schema::Payload::Which).
std::string PayloadTypeName(int which);

// True if `text` is "YYYY-MM-DD" naming a real day (proleptic Gregorian).
bool IsCalendarDate(std::string_view text);

// True if `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// The length of the well-formed UTF-8 sequence starting at text[at] (1 for ASCII), or 0 if none
// starts there; then `problem`, if given, says why ("truncated sequence", ...), or is null when
// the byte cannot start a sequence at all. `at` must be inside `text`.
size_t Utf8SequenceLength(std::string_view text, size_t at, const char** problem = nullptr);

}  // namespace ledger
