// Words for the codec's error messages: how a value from the input is quoted and named, so that
// every message says it the same way. Internal to codec/.

#pragma once

#include <capnp/compat/json.h>

#include <string>
#include <string_view>
#include <vector>

namespace codec::internal {

// The bytes of a Cap'n Proto text, without copying.
inline std::string_view View(capnp::Text::Reader text) { return {text.begin(), text.size()}; }

// A user-supplied string as a JSON literal, cut short so that a hostile megabyte stays out of
// error messages and logs: "\"楼道灯坏了\"", "\"aaaa...\"".
std::string Quote(std::string_view s);

// The shortest text that reads back as `d`: "3.5", "1e+30".
std::string Number(double d);

// What a JSON value is, for "expected a string, got a number".
std::string Kind(capnp::JsonValue::Reader v);

// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);

}  // namespace codec::internal
