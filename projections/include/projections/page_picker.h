// PagePicker: one page of a list whose items are read as a stream, in no particular order.
//
// A view that names no estate reads a whole district's records, one at a time (Table::Stream),
// and must not hold them all to sort them and cut a page. The picker keeps the `offset + limit`
// first items offered, in the list's order, and drops every other at once: what a query holds
// is the page and the items before it, small for the first pages a reader asks for, whatever
// the district's size. An item is what the page is sorted and found by (a time and an id), not
// the record: the page's records are read again once picked.
//
// A page may also start after an item (a cursor, see page_cursor.h) rather than at an offset:
// the items up to it are counted and dropped at once, and the picker keeps only the page.

#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "projections/page_cursor.h"

namespace projections {

// `Before(a, b)` is true when a comes before b in the list; no two items may tie.
template <class Item, class Before>
class PagePicker {
 public:
  PagePicker(size_t offset, size_t limit, Before before, std::optional<Item> after = {})
      : offset_(offset),
        keep_(limit > SIZE_MAX - offset ? SIZE_MAX : offset + limit),
        before_(before),
        after_(std::move(after)) {}

  // An item offered by reference is copied only if it is kept.
  void Offer(const Item& item) { Keep(item); }
  void Offer(Item&& item) { Keep(std::move(item)); }

  // How many items were offered: the list's length.
  size_t offered() const { return offered_; }
  // Where the page starts: the offset asked for (after the cursor's item, if any), or the list's
  // end if it is shorter.
  size_t begin() const { return passed_ + std::min(offset_, offered_ - passed_); }
  // Whether items follow the page in the list.
  bool more() const { return offered_ - passed_ > keep_; }

  // The page: the items from the offset on, in the list's order. Once.
  std::vector<Item> Take() {
    std::sort_heap(kept_.begin(), kept_.end(), before_);
    kept_.erase(kept_.begin(),
                kept_.begin() + static_cast<std::ptrdiff_t>(std::min(offset_, kept_.size())));
    return std::move(kept_);
  }

 private:
  template <class Offered>
  void Keep(Offered&& item) {
    ++offered_;
    if (after_ && !before_(*after_, item)) {
      ++passed_;
      return;
    }
    if (keep_ == 0) return;
    if (kept_.size() < keep_) {
      kept_.push_back(std::forward<Offered>(item));
      std::push_heap(kept_.begin(), kept_.end(), before_);
      return;
    }
    // The heap's top is the last item kept: one after it is dropped.
    if (!before_(item, kept_.front())) return;
    std::pop_heap(kept_.begin(), kept_.end(), before_);
    kept_.back() = std::forward<Offered>(item);
    std::push_heap(kept_.begin(), kept_.end(), before_);
  }

  size_t offset_;
  size_t keep_;
  Before before_;
  std::optional<Item> after_;  // the page starts after it
  size_t offered_ = 0;
  size_t passed_ = 0;       // items offered up to after_, inclusive
  std::vector<Item> kept_;  // a heap under before_: its top the last in the list's order
};

// An item of a list sorted by a time and an id, as the complaints' and the repairs' pages are.
struct TimedId {
  int64_t at = 0;
  std::string id;
};

// The item a cursor names, where a picker of TimedIds starts after.
inline std::optional<TimedId> ItemAfter(const std::optional<PageCursor>& cursor) {
  if (!cursor) return std::nullopt;
  return TimedId{cursor->at, cursor->id};
}

// The cursor of the page after `page` (a page of `list`): its last item, if more items follow;
// empty on the last page.
inline std::string NextCursor(std::string_view list, const std::vector<TimedId>& page, bool more) {
  if (!more || page.empty()) return {};
  return EncodePageCursor({std::string(list), page.back().at, page.back().id});
}

// Takes the page of `list` from `picker` (a PagePicker of TimedIds) and sets where it starts
// and the cursor of the page after it on `out` (a view's builder with `offset` and `next`).
template <class Picker, class Builder>
std::vector<TimedId> TakeCursorPage(Picker& picker, std::string_view list, Builder out) {
  out.setOffset(static_cast<uint32_t>(picker.begin()));
  bool more = picker.more();
  std::vector<TimedId> page = picker.Take();
  out.setNext(NextCursor(list, page, more));
  return page;
}

// The records of a picked page, found again in `table` (a Table) by each item's id (the item
// itself if it is one, else its `id`), in the page's order. A record that can no longer be read
// is left out; its table notes why.
template <class Table, class Item>
auto FindPicked(const Table& table, const std::vector<Item>& page) {
  std::vector<decltype(table.Find(std::string_view()))> found;
  for (const Item& item : page) {
    std::string_view id;
    if constexpr (std::is_convertible_v<const Item&, std::string_view>) {
      id = item;
    } else {
      id = item.id;
    }
    if (auto record = table.Find(id)) found.push_back(record);
  }
  return found;
}

}  // namespace projections
