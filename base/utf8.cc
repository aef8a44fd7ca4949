#include "base/utf8.h"

#include <cstdint>

namespace base {
namespace {

// Says why no sequence starts at a byte, for Utf8SequenceLength; always 0.
size_t Utf8Problem(const char** out, const char* problem) {
  if (out) *out = problem;
  return 0;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view text, size_t at, const char** problem) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  unsigned char c = s[at];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return Utf8Problem(problem, nullptr);
  }
  if (at + len > text.size()) return Utf8Problem(problem, "truncated sequence");
  for (size_t k = 1; k < len; ++k) {
    if ((s[at + k] & 0xC0) != 0x80) return Utf8Problem(problem, "bad continuation");
    cp = (cp << 6) | (s[at + k] & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return Utf8Problem(problem, "overlong form, surrogate or past U+10FFFF");
  }
  return len;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace base
