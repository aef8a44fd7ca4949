// The JSON a client reads: views and reports, written by one convention.
//
// The convention (README, "The JSON convention"), in one place:
//   - integers are JSON numbers; an integer beyond what a JSON reader holds exactly
//     (|n| > 2^53 - 1 = 9007199254740991) is written as a decimal string instead, so that no
//     reader rounds it silently. No figure of a real district comes near it;
//   - a time is RFC 3339 in UTC with milliseconds ("2025-03-01T13:30:00.000Z"), or null when
//     there is none yet (a complaint not yet acknowledged). A field is a time when it is an
//     Int64 whose name ends in "At", or is marked $instant (schemas/json_form.capnp);
//   - every field of the schema is present, with its zero value (0, false, [], an object of
//     zeros); absent means the server does not know the field, never zero;
//   - text with nothing in it is null: an empty string never stands for "none";
//   - a number that is not finite (an average over nothing) is null;
//   - enums are written by name.
//
// Events are not written this way: an event is the client's input, written back as given
// (codec/event_json.h), where an absent field means it was not given.

#pragma once

#include <capnp/dynamic.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace codec {

// The largest integer a JSON reader that holds numbers as IEEE doubles (JavaScript, most JSON
// libraries) represents exactly, and so the largest written as a number.
inline constexpr uint64_t kLargestExactInteger = (uint64_t{1} << 53) - 1;

// The one rule for every integer the codec writes, in responses and in events alike: true if `n`
// is written as a JSON number (|n| <= kLargestExactInteger), false if as a decimal string.
template <typename Integer>
constexpr bool WrittenAsNumber(Integer n) {
  static_assert(std::is_integral_v<Integer>, "an integer type");
  constexpr auto kLargest = static_cast<int64_t>(kLargestExactInteger);
  if constexpr (std::is_signed_v<Integer>) {
    return static_cast<int64_t>(n) >= -kLargest && static_cast<int64_t>(n) <= kLargest;
  } else {
    return static_cast<uint64_t>(n) <= kLargestExactInteger;
  }
}

// `value` as a JSON object by the convention above. A reader over malformed bytes throws
// kj::Exception, as reading it any other way would.
std::string EncodeResponse(capnp::DynamicStruct::Reader value);

// Appends `text` as a JSON string, quoted and escaped. Text may hold any bytes (it often comes
// from a request): a byte that starts no well-formed UTF-8 sequence becomes U+FFFD.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace codec
