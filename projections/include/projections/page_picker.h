// PagePicker: one page of a list whose items are read as a stream, in no particular order.
//
// A view that names no estate reads a whole district's records, one at a time (Table::Stream),
// and must not hold them all to sort them and cut a page. The picker keeps the `offset + limit`
// first items offered, in the list's order, and drops every other at once: what a query holds
// is the page and the items before it, small for the first pages a reader asks for, whatever
// the district's size. An item is what the page is sorted and found by (a time and an id), not
// the record: the page's records are read again once picked.

#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace projections {

// `Before(a, b)` is true when a comes before b in the list; no two items may tie.
template <class Item, class Before>
class PagePicker {
 public:
  PagePicker(size_t offset, size_t limit, Before before)
      : offset_(offset),
        keep_(limit > SIZE_MAX - offset ? SIZE_MAX : offset + limit),
        before_(before) {}

  void Offer(Item item) {
    ++offered_;
    if (keep_ == 0) return;
    if (kept_.size() < keep_) {
      kept_.push_back(std::move(item));
      std::push_heap(kept_.begin(), kept_.end(), before_);
      return;
    }
    // The heap's top is the last item kept: one after it is dropped.
    if (!before_(item, kept_.front())) return;
    std::pop_heap(kept_.begin(), kept_.end(), before_);
    kept_.back() = std::move(item);
    std::push_heap(kept_.begin(), kept_.end(), before_);
  }

  // How many items were offered: the list's length.
  size_t offered() const { return offered_; }
  // Where the page starts: the offset asked for, or the list's end if it is shorter.
  size_t begin() const { return std::min(offset_, offered_); }

  // The page: the items from the offset on, in the list's order. Once.
  std::vector<Item> Take() {
    std::sort_heap(kept_.begin(), kept_.end(), before_);
    kept_.erase(kept_.begin(),
                kept_.begin() + static_cast<std::ptrdiff_t>(std::min(offset_, kept_.size())));
    return std::move(kept_);
  }

 private:
  size_t offset_;
  size_t keep_;
  Before before_;
  size_t offered_ = 0;
  std::vector<Item> kept_;  // a heap under before_: its top the last in the list's order
};

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
