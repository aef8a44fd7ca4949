// PagePicker: the page of a list offered in any order is the page of the sorted list, and the
// picker holds no more than the items up to the page's end.

#include "projections/page_picker.h"

#include <catch2/catch.hpp>
#include <functional>
#include <vector>

namespace {

// 0..n-1 offered in a scrambled order (37 is prime to every n used here).
std::vector<int> Scrambled(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back((i * 37) % n);
  return out;
}

}  // namespace

TEST_CASE("a page picked from a stream is the page of the sorted list", "[page_picker]") {
  auto pick = [](size_t offset, size_t limit, int n) {
    projections::PagePicker<int, std::less<int>> picker(offset, limit, std::less<int>());
    for (int item : Scrambled(n)) picker.Offer(item);
    CHECK(picker.offered() == static_cast<size_t>(n));
    auto page = picker.Take();
    return std::pair{picker.begin(), page};
  };
  using Page = std::pair<size_t, std::vector<int>>;
  CHECK(pick(0, 3, 50) == Page{0, {0, 1, 2}});
  CHECK(pick(10, 4, 50) == Page{10, {10, 11, 12, 13}});
  CHECK(pick(48, 4, 50) == Page{48, {48, 49}});  // the last page is short
  CHECK(pick(50, 4, 50) == Page{50, {}});        // past the end: empty, starting at the end
  CHECK(pick(70, 4, 50) == Page{50, {}});
  CHECK(pick(5, 0, 50) == Page{5, {}});  // no items asked for
  CHECK(pick(0, 10, 0) == Page{0, {}});  // nothing offered
  // An offset and a limit whose sum overflows pick to the end.
  CHECK(pick(3, SIZE_MAX, 8) == Page{3, {3, 4, 5, 6, 7}});

  // In the other order, newest first, as the views list items.
  projections::PagePicker<int, std::greater<int>> newest(2, 3, std::greater<int>());
  for (int item : Scrambled(20)) newest.Offer(item);
  CHECK(newest.Take() == std::vector<int>{17, 16, 15});
}
