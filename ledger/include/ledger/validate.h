// Checks an event against the rules its schema declares, before anything is written.
//
// The rules come from the schema itself ($required, $date, $monthDay in events.capnp), read by
// reflection, so a new event type is validated without code here.

#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "base/utf8.h"
#include "schemas/events.capnp.h"

namespace ledger {

// Ok, or InvalidArgument naming the field path ("complaintFiled.summary") and the rule broken.
// Checks: the payload has a known, set type; every $required field is set; $date / $monthDay
// text is a real calendar day; text is valid UTF-8; identifiers (fields named "id", "...Id",
// lists named "...Ids") hold no control character and at most kMaxIdentifierBytes; other text
// holds no control character but tab, line feed and carriage return (never a NUL).
Status ValidateEvent(schema::Event::Reader event);

// Whether a field of this name holds identifiers: "id", "...Id", or a list named "...Ids" (the
// schema's convention). The rule book and the views compare identifiers whole, some of them as
// C strings, so they hold no control character: a NUL would cut the name a C string sees
// ("estate/e01\0zz" read as "estate/e01") away from the one that is stored.
bool NamesIdentifierField(std::string_view name);

// The longest identifier or stream id, in bytes.
constexpr size_t kMaxIdentifierBytes = 200;

// Ok, or InvalidArgument: a stream id is 1 to kMaxIdentifierBytes bytes of UTF-8 without control
// characters.
Status ValidateStreamId(std::string_view stream);

// Ok, or why the id of a new entity would look like another's on a screen: an invisible or
// direction-changing character, a full-width form of ASCII, a space at either end or beside
// another. Asked of entities as they are created (the rule book), not of every mention, so that
// one stored before the rule is still named.
Status CheckNewId(std::string_view id);

// The name of the event's type as written in the schema ("complaintFiled"), or "unknown".
std::string EventTypeName(schema::Event::Reader event);
// The same for a payload's type alone, as views keep it (an int of schema::Payload::Which).
std::string PayloadTypeName(int which);

// The first year of a calendar day an event may record ($date): an earlier one is a mistyped
// year ("0025-03-01"), not a governance record. A rule of the domain, within the calendar's own
// range of years (base/civil_time.h: 0000 to 9999).
constexpr int kFirstRecordedYear = 1900;

// True if `text` is "YYYY-MM-DD" naming a real day (base's calendar) in kFirstRecordedYear or
// later.
bool IsCalendarDate(std::string_view text);

// The UTF-8 checks live in base/utf8.h; named here too for the ledger's callers.
using base::IsValidUtf8;
using base::Utf8SequenceLength;

}  // namespace ledger
