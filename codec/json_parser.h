// JSON text to a capnp::JsonValue, strictly by RFC 8259, with byte offsets in its errors.
//
// Cap'n Proto's JsonCodec 0.9.2 has a parser, but it decodes "\u" escapes wrongly (hex digits a-f
// come out as 0-5, and surrogate pairs are not joined, so the "\u697c" a Python client sends for
// 楼 arrives as another character), reports no position, lets a NUL byte end the input early and
// keeps the last of duplicate keys. This one refuses all of those. Internal to codec/.

#pragma once

#include <capnp/compat/json.h>

#include <optional>
#include <string>
#include <string_view>

namespace codec::internal {

// Fills `out` from `text`. Nothing on success, else "malformed JSON at byte N: what" (bytes
// counted from 0). Nesting deeper than EventJson::kMaxDepth is refused, so no input recurses
// without bound.
std::optional<std::string> ParseJson(std::string_view text, capnp::JsonValue::Builder out);

}  // namespace codec::internal
