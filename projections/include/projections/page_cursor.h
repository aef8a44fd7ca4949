// PageCursor: where the next page of a list starts, carried by a client between two requests.
//
// Pages found by an offset move when the list changes under them: a complaint filed between two
// requests pushes every complaint one place down a newest-first list, so the next page shows
// again the last item of the one before; a repair completed leaves the overdue list and the next
// page skips one. A cursor names the last item a page showed, by what the list is sorted on (a
// time and an id), and the next page is the items after it, wherever they now stand. It also
// spares a deep page: the picker keeps the page, not every item before it.
//
// The text a client carries is opaque to it (hex, so that it needs no escaping in a URL), and
// names the list that gave it, so that a cursor of one list is refused by another.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace projections {

struct PageCursor {
  std::string list;  // the view whose page gave it: "complaints", "repairs", ...
  int64_t at = 0;    // the time the list is sorted on, of the last item shown
  std::string id;    // and its id, which breaks ties
  bool operator==(const PageCursor&) const = default;
};

// The text of a cursor, as a page's `next` shows it.
std::string EncodePageCursor(const PageCursor& cursor);
// The cursor a text encodes, or nullopt if it is not the text of one.
std::optional<PageCursor> DecodePageCursor(std::string_view text);

}  // namespace projections
