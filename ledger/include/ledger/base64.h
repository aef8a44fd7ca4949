// Standard base64 with padding (RFC 4648 section 4), as the signed-note, checkpoint and proof
// formats use it.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ledger {

std::string Base64Encode(std::string_view bytes);
// The bytes, or nullopt unless `text` is canonical padded base64 (length a multiple of 4, only
// the alphabet, "=" only at the end, at most two).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace ledger
