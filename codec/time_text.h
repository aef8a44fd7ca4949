// Time as the codec reads it: RFC 3339 text over base's one calendar (base/civil_time.h), years
// 0000 to 9999, or milliseconds since the epoch as a JSON number or a string of digits. The
// public half (FormatTimestamp, ParseTimestamp) is declared in codec/event_json.h. Internal to
// codec/.

#pragma once

#include <capnp/compat/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace codec::internal {

// What a time may look like, for messages.
extern const char kTimeHelp[];

// An optional '-' and 1 to 19 digits, nothing else (no '+', spaces or "0x").
bool IsDecimalInteger(std::string_view s);

// True if `d` is a whole number that fits in int64_t; sets *out.
bool DoubleToInt64(double d, int64_t* out);

// Milliseconds from time text; on failure the reason, for a person.
std::optional<std::string> ParseTimeText(std::string_view s, int64_t* out);

// The same for a JSON value: time text, or a whole number of milliseconds.
std::optional<std::string> ParseTimeValue(capnp::JsonValue::Reader v, int64_t* out);

}  // namespace codec::internal
