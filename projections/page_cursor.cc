#include "projections/page_cursor.h"

#include <charconv>
#include <vector>

#include "base/hex.h"

namespace projections {

namespace {
// Longer than any cursor a page gives (an id is bounded by the events' own limits); a longer
// text is refused before it is decoded.
constexpr size_t kMaxCursorText = 4096;
}  // namespace

// "<list>\n<at>\n<id>" in hex.
std::string EncodePageCursor(const PageCursor& cursor) {
  std::string plain = cursor.list + "\n" + std::to_string(cursor.at) + "\n" + cursor.id;
  return base::ToHex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(plain.data()), plain.size()));
}

std::optional<PageCursor> DecodePageCursor(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0 || text.size() > kMaxCursorText) return std::nullopt;
  std::vector<uint8_t> bytes(text.size() / 2);
  if (!base::FromHex(text, bytes)) return std::nullopt;
  std::string_view plain(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  size_t first = plain.find('\n');
  if (first == std::string_view::npos || first == 0) return std::nullopt;
  size_t second = plain.find('\n', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  PageCursor cursor;
  cursor.list = std::string(plain.substr(0, first));
  std::string_view at = plain.substr(first + 1, second - first - 1);
  auto [end, error] = std::from_chars(at.data(), at.data() + at.size(), cursor.at);
  if (error != std::errc() || end != at.data() + at.size() || at.empty()) return std::nullopt;
  cursor.id = std::string(plain.substr(second + 1));
  if (cursor.id.empty()) return std::nullopt;
  return cursor;
}

}  // namespace projections
