// Lower-case hexadecimal, as hashes are shown to people and in JSON.

#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace base {

// Two lower-case hex digits per byte.
std::string ToHex(std::span<const uint8_t> bytes);
// Parses exactly 2 * out.size() hex digits (either case) into `out`; false, with `out` partly
// written, if the text is anything else.
bool FromHex(std::string_view hex, std::span<uint8_t> out);

}  // namespace base
