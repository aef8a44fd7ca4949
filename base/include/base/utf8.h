// UTF-8 checks, for text that crosses a boundary: event fields, JSON strings, query parameters.

#pragma once

#include <cstddef>
#include <string_view>

namespace base {

// True if `text` is well-formed UTF-8.
bool IsValidUtf8(std::string_view text);

// The length of the well-formed UTF-8 sequence starting at text[at] (1 for ASCII), or 0 if none
// starts there; then `problem`, if given, says why ("truncated sequence", ...), or is null when
// the byte cannot start a sequence at all. `at` must be inside `text`.
size_t Utf8SequenceLength(std::string_view text, size_t at, const char** problem = nullptr);

}  // namespace base
