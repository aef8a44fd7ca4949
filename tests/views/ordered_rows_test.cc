// A table's orderings (table.h, ordered_rows.h) follow its records through every way a record
// changes: added, moved, left out, erased and its row reused, cleared, and loaded from bytes.
// The records are placed when an ordering is read, as a query after a batch reads it.

#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "projections/table.h"

namespace {

struct Item {
  std::string place;  // "" = not placed
  int64_t at = 0;
  template <class A>
  void Fields(A& a) {
    a(place, at);
  }
};

std::optional<projections::OrderKey> PlaceAndTime(const Item& item) {
  if (item.place.empty()) return std::nullopt;
  return projections::OrderKey{item.place, item.at};
}

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

struct Items {
  Items() { by_place = table.AddOrdering(PlaceAndTime); }

  void Set(const std::string& key, std::string place, int64_t at) {
    Item& item = table.Mutable(key);
    item.place = std::move(place);
    item.at = at;
  }
  // The keys of `place` with from <= at < to, as the ordering lists them, "key@at".
  std::vector<std::string> In(const std::string& place, int64_t from = kMin,
                              int64_t to = kMax) const {
    std::vector<std::string> out;
    table.ForEachInOrder(by_place, place, from, to, [&](const Item& item) {
      out.push_back(item.place + "@" + std::to_string(item.at));
    });
    return out;
  }
  std::vector<std::string> Partitions() const {
    std::vector<std::string> out;
    for (auto p : table.Partitions(by_place)) out.emplace_back(p);
    return out;
  }

  projections::Table<Item> table{"items"};
  size_t by_place = 0;
};

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("an ordering lists a partition's records by number, ties by key", "[ordering]") {
  Items items;
  items.Set("c", "north", 30);
  items.Set("a", "north", 10);
  items.Set("b", "north", 30);
  items.Set("d", "south", 20);
  items.Set("e", "", 5);  // left out
  // Placed when an ordering is first read.

  std::vector<std::string> keys;
  items.table.ForEachInOrder(items.by_place, "north", kMin, kMax,
                             [&](const Item& item) { keys.push_back(std::to_string(item.at)); });
  CHECK(keys == Keys{"10", "30", "30"});
  // Ties by key: b before c. The records carry no key, so look at them through Find.
  std::vector<const Item*> order;
  items.table.ForEachInOrder(items.by_place, "north", 30, 31,
                             [&](const Item& item) { order.push_back(&item); });
  REQUIRE(order.size() == 2);
  CHECK(order[0] == items.table.Find("b"));
  CHECK(order[1] == items.table.Find("c"));
  // [from, to): the end is left out, the start kept.
  CHECK(items.In("north", 10, 30) == Keys{"north@10"});
  CHECK(items.In("north", 11, 30).empty());
  CHECK(items.In("north", 30, 10).empty());
  CHECK(items.In("south") == Keys{"south@20"});
  CHECK(items.In("").empty());
  CHECK(items.Partitions() == Keys{"north", "south"});
}

TEST_CASE("an ordering follows a record that moves, leaves and is erased", "[ordering]") {
  Items items;
  items.Set("a", "north", 10);
  items.Set("b", "north", 20);

  // Moved to another partition and time.
  items.Set("a", "south", 40);
  CHECK(items.In("north") == Keys{"north@20"});
  CHECK(items.In("south") == Keys{"south@40"});

  // Left out, then placed again.
  items.Set("b", "", 20);
  CHECK(items.In("north").empty());
  CHECK(items.Partitions() == Keys{"south"});
  items.Set("b", "north", 25);
  CHECK(items.In("north") == Keys{"north@25"});

  // Erased: gone at once from the ordering, and its row, once written, reused by a new key.
  items.table.Erase("a");
  CHECK(items.In("south").empty());
  items.table.ForgetChanges();
  items.Set("z", "south", 50);
  CHECK(items.In("south") == Keys{"south@50"});
  CHECK(items.table.Find("a") == nullptr);

  // Erased and its row freed before the orderings were refreshed: still taken out.
  items.table.Erase("z");
  items.table.ForgetChanges();
  CHECK(items.In("south").empty());
  items.Set("y", "east", 60);
  CHECK(items.In("east") == Keys{"east@60"});
  CHECK(items.Partitions() == Keys{"east", "north"});
}

TEST_CASE("an ordering is emptied by a clear and rebuilt from loaded rows", "[ordering]") {
  Items items;
  items.Set("a", "north", 10);
  items.Set("b", "south", 20);
  std::string a_bytes = projections::Serialize(*items.table.Find("a"));
  std::string b_bytes = projections::Serialize(*items.table.Find("b"));

  items.table.Clear();
  CHECK(items.In("north").empty());
  CHECK(items.Partitions().empty());

  // Rows loaded from the store are placed when an ordering is read.
  Items loaded;
  REQUIRE(loaded.table.LoadRow("b", b_bytes));
  REQUIRE(loaded.table.LoadRow("a", a_bytes));
  CHECK(loaded.In("north") == Keys{"north@10"});
  CHECK(loaded.In("south") == Keys{"south@20"});
}
