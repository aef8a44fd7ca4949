// Finding a top-level member in JSON text without parsing it into values: for the two places
// that must look before they parse (which kind of append body this is) or must keep a member's
// bytes exactly as sent (an exported event's "data", whose hash depends on its text).
//
// This is a scanner, not a validator: it follows strings (with their escapes) and nesting, and
// finds `"key":` at the top level of the outermost object. Whatever it returns is parsed strictly
// afterwards (EventJson::Decode, boost::json), which is where malformed JSON is refused.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace codec {

// The exact text of the value of top-level member `key` of the JSON object `json` (from its first
// character to the last before the next top-level ',' or the closing '}'), or nullopt if there is
// no such member. The key is compared as written, escapes included.
std::optional<std::string_view> RawMember(std::string_view json, std::string_view key);

// Nothing if `json` is well-formed JSON (RFC 8259) in which no object gives a member twice, nested
// at most EventJson::kMaxDepth deep; else why not ("malformed JSON at byte N: ..."). For a
// document then read by a parser that keeps the last of two members (boost::json): a reader
// taking the first would see another document than the one checked.
std::optional<std::string> StrictJsonProblem(std::string_view json);

}  // namespace codec
