// A table's orderings (table.h, ordered_rows.h) follow its records through every way a record
// changes: added, moved, left out, erased and its row reused, cleared, and loaded from bytes.
// The records are placed when an ordering is read, as a query after a batch reads it.

#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "projections/table.h"

#include "map_store.h"

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
  Items() {
    by_place = table.AddOrdering(PlaceAndTime, projections::Places::kEveryRecord);
    north_only = table.AddOrdering(
        [](const Item& item) { return item.place == "north" ? PlaceAndTime(item) : std::nullopt; });
  }

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
  size_t by_place = 0;    // places every record but the unplaced
  size_t north_only = 0;  // places some
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

using test_views::MapStore;

// A partition is a client's text (an estate id): one that holds a NUL must not reach into the
// stored entries of the partition it starts with.
TEST_CASE("a table in the store keeps partitions apart, NULs and all", "[ordering]") {
  MapStore store;
  Items items;
  items.table.KeepInStore(&store, "v/test/items/");
  const std::string forged("north\0zz", 8);
  items.Set("a", "north", 5);
  items.Set("b", forged, 6);
  items.Set("c", "north\x01", 7);
  items.table.WriteChanges("v/test/items/", &store);
  items.table.ForgetChanges();
  items.table.Trim(0);  // every record is read back from the store

  CHECK(items.In("north") == Keys{"north@5"});
  CHECK(items.In(forged) == Keys{forged + "@6"});
  CHECK(items.In("north\x01") == Keys{"north\x01@7"});
}

// Readers that look into many partitions at once (the visits to each household of an estate)
// read them in one pass: each list is what the partition alone lists, stored and changed rows
// merged, in the order the partitions were asked for.
TEST_CASE("many partitions read at once list what each lists alone", "[ordering]") {
  auto lists = [](const Items& items, std::vector<std::string_view> places, int64_t from,
                  int64_t to) {
    std::vector<std::vector<std::string>> out;
    for (const auto& list : items.table.InOrderEach(items.by_place, places, from, to)) {
      out.emplace_back();
      for (const Item* item : list)
        out.back().push_back(item->place + "@" + std::to_string(item->at));
    }
    return out;
  };
  using Lists = std::vector<std::vector<std::string>>;
  auto fill = [](Items* items) {
    items->Set("a", "north", 5);
    items->Set("b", "south", 6);
    items->Set("c", "north", 7);
    items->Set("d", "south", 1);
    items->Set("e", "north", 9);
  };
  auto change = [](Items* items) {
    items->Set("c", "south", 3);  // moved out of north
    items->Set("f", "north", 6);  // new, between stored ones
    items->table.Erase("d");
  };

  MapStore store;
  Items stored;
  stored.table.KeepInStore(&store, "v/test/items/");
  Items memory;
  fill(&stored);
  fill(&memory);
  stored.table.WriteChanges("v/test/items/", &store);
  stored.table.ForgetChanges();
  stored.table.Trim(0);
  CHECK(lists(stored, {"south", "north", "east"}, kMin, kMax) ==
        Lists{{"south@1", "south@6"}, {"north@5", "north@7", "north@9"}, {}});

  change(&stored);
  change(&memory);
  // North: a@5, f@6, e@9 (c moved away); south: c@3, b@6 (d erased).
  const Lists from_6{{"north@6", "north@9"}, {}, {"south@6"}};
  CHECK(lists(stored, {"north", "east", "south"}, 6, kMax) == from_6);
  CHECK(lists(memory, {"north", "east", "south"}, 6, kMax) == from_6);
  const Lists all{{"south@3", "south@6"}, {"north@5", "north@6", "north@9"}};
  CHECK(lists(stored, {"south", "north"}, kMin, kMax) == all);
  CHECK(lists(memory, {"south", "north"}, kMin, kMax) == all);
  CHECK(stored.In("south", 6) == Keys{"south@6"});
  CHECK(lists(stored, {"south"}, 6, kMax) == Lists{{"south@6"}});
}

// A reader that folds a whole table into figures (the star evaluation over every complaint)
// streams it: it sees what ForEach sees (stored records, the changed version of a changed one,
// new ones, not the erased), and what it read back from the store is not kept in memory.
TEST_CASE("streaming a table in the store sees what ForEach sees and keeps nothing", "[ordering]") {
  auto streamed = [](const Items& items) {
    std::map<std::string, std::string> out;
    items.table.Stream([&](const std::string& key, const Item& item) {
      CHECK(out.emplace(key, item.place + "@" + std::to_string(item.at)).second);  // once each
    });
    return out;
  };
  auto each = [](const Items& items) {
    std::map<std::string, std::string> out;
    items.table.ForEach([&](const std::string& key, const Item& item) {
      out.emplace(key, item.place + "@" + std::to_string(item.at));
    });
    return out;
  };
  using Seen = std::map<std::string, std::string>;
  MapStore store;
  Items items;
  items.table.KeepInStore(&store, "v/test/items/");
  items.Set("a", "north", 5);
  items.Set("b", "south", 6);
  items.Set("c", "north", 7);
  items.Set("d", "", 8);  // in no ordering, still a record
  items.table.WriteChanges("v/test/items/", &store);
  items.table.ForgetChanges();
  items.table.Trim(0);
  REQUIRE(items.table.cached_bytes() == 0);

  const Seen stored{{"a", "north@5"}, {"b", "south@6"}, {"c", "north@7"}, {"d", "@8"}};
  CHECK(streamed(items) == stored);
  CHECK(items.table.cached_bytes() == 0);  // nothing read back was kept

  items.Set("b", "east", 2);  // changed: its stored bytes are stale
  items.table.Erase("c");     // erased, its deletion not written yet
  items.Set("e", "west", 1);  // new, not stored yet
  const Seen changed{{"a", "north@5"}, {"b", "east@2"}, {"d", "@8"}, {"e", "west@1"}};
  CHECK(streamed(items) == changed);
  CHECK(each(items) == changed);

  Items memory;  // a table held in memory streams its records as they are
  memory.Set("x", "north", 1);
  memory.Set("y", "south", 2);
  memory.table.Erase("y");
  CHECK(streamed(memory) == Seen{{"x", "north@1"}});
}

// A district's period (a month of every estate's complaints) is read through an ordering but
// folded into figures: streamed, it sees what ForEachInOrder sees in the range (a changed
// record at its new place, not at its stale stored one; new ones; not the erased), each once,
// and keeps nothing it read back from the store. A range that holds most of an ordering that
// places every record (a district's whole history) is read as the whole table, in one pass, and
// filtered: the same records, none read one by one. A range that holds little of it (one
// estate's, when the others have more), or one of an ordering that places only some records,
// is read one by one, whatever its share of its partition.
TEST_CASE("streaming an ordering's range sees what ForEachInOrder sees and keeps nothing",
          "[ordering]") {
  auto streamed = [](const Items& items, int64_t from, std::string place = "north",
                     std::optional<size_t> ordering = {}) {
    std::map<std::string, int64_t> out;
    items.table.StreamInOrder(
        ordering.value_or(items.by_place), place, from, kMax, [&](const Item& item) {
          // once
          CHECK(out.emplace(item.place + "@" + std::to_string(item.at), item.at).second);
        });
    Keys keys;
    for (const auto& [key, at] : out) keys.push_back(key);
    return keys;
  };
  auto fill = [](Items* items) {
    // Thirty old records in the north, before the few the ranges below ask for.
    for (int i = 0; i < 30; ++i) items->Set("old" + std::to_string(i), "north", -100 + i);
    items->Set("a", "north", 5);
    items->Set("b", "south", 6);
    items->Set("c", "north", 7);
    items->Set("d", "north", 9);
    items->Set("e", "", 8);  // in no ordering
  };
  auto change = [](Items* items) {
    items->Set("a", "north", 6);  // moved into the range
    items->Set("c", "south", 3);  // moved out of north: its stored entry is stale
    items->Set("f", "north", 8);  // new, not stored yet
    items->table.Erase("d");      // erased, its deletion not written yet
  };
  MapStore store;
  Items items;
  items.table.KeepInStore(&store, "v/test/items/");
  fill(&items);
  items.table.WriteChanges("v/test/items/", &store);
  items.table.ForgetChanges();
  items.table.Trim(0);
  REQUIRE(items.table.cached_bytes() == 0);

  // Two of 33 entries: read one by one.
  int gets = store.gets();
  CHECK(streamed(items, 6) == Keys{"north@7", "north@9"});
  CHECK(store.gets() == gets + 2);
  CHECK(items.table.cached_bytes() == 0);  // nothing read back was kept
  // The whole partition: read as the whole table, none one by one.
  gets = store.gets();
  Keys north = streamed(items, kMin);
  CHECK(store.gets() == gets);
  CHECK(north.size() == 33);
  CHECK(items.table.cached_bytes() == 0);
  // The whole of the south's partition, 1 of the ordering's 34 entries: read one by one.
  gets = store.gets();
  CHECK(streamed(items, kMin, "south") == Keys{"south@6"});
  CHECK(store.gets() == gets + 1);
  // The north through an ordering that places only the north's records: 33 read one by one.
  gets = store.gets();
  CHECK(streamed(items, kMin, "north", items.north_only) == north);
  CHECK(store.gets() == gets + 33);
  CHECK(items.table.cached_bytes() == 0);
  // Records already in the cache are visited as they are, once.
  Keys in_order = items.In("north");
  std::sort(in_order.begin(), in_order.end());
  CHECK(in_order == north);
  CHECK(streamed(items, 6) == Keys{"north@7", "north@9"});
  CHECK(streamed(items, kMin) == north);

  change(&items);
  CHECK(streamed(items, 6) == Keys{"north@6", "north@8"});
  CHECK(items.In("north", 6) == Keys{"north@6", "north@8"});
  CHECK(streamed(items, kMin).size() == 32);  // a moved, c gone south, d erased, f new

  Items memory;  // a table held in memory reads its ordering as it is
  fill(&memory);
  change(&memory);
  CHECK(streamed(memory, 6) == Keys{"north@6", "north@8"});
}

namespace {

struct Numbers {
  std::string name;
  std::vector<uint64_t> values;
  std::map<std::string, std::string> notes;
  template <class A>
  void Fields(A& a) {
    a(name, values, notes);
  }
};

}  // namespace

// The cache's budget is memory: a record read back costs what it holds once decoded (a list of
// small numbers takes a byte each stored and eight in memory), not its stored bytes, or a cache
// of such records holds several times its budget.
TEST_CASE("a table in the store counts its cached records by what they hold in memory",
          "[ordering][cache]") {
  MapStore store;
  projections::Table<Numbers> table("numbers");
  table.KeepInStore(&store, "v/test/numbers/");
  for (int i = 0; i < 3; ++i) {
    Numbers& n = table.Mutable("list-" + std::to_string(i));
    n.name = "a name longer than fifteen characters";
    n.values.assign(1000, 7);  // one byte each stored
    for (int j = 0; j < 10; ++j) n.notes["k" + std::to_string(j)] = "v";
  }
  table.WriteChanges("v/test/numbers/", &store);
  table.ForgetChanges();
  table.Trim(0);
  REQUIRE(table.cached_bytes() == 0);

  const Numbers* read = table.Find("list-1");
  REQUIRE(read != nullptr);
  CHECK(read->values.size() == 1000);
  std::string stored;
  REQUIRE(store.Get("v/test/numbers/list-1", &stored) == projections::RowSource::Found::kYes);
  CHECK(stored.size() < 1200);
  // 8,000 bytes of numbers, the name's 38, ten map nodes of at least 32 + 64 bytes each.
  CHECK(table.cached_bytes() >= 8000 + 38 + 10 * 96);
  CHECK(table.cached_bytes() < 8000 + 4000);
  CHECK(projections::HeapBytesOf(*read) + sizeof(Numbers) <= table.cached_bytes());

  // Counted once, and let go to the budget: two records read back, one kept.
  CHECK(table.Find("list-1") == read);
  const size_t one = table.cached_bytes();
  REQUIRE(table.Find("list-2") != nullptr);
  CHECK(table.cached_bytes() == 2 * one);
  table.Trim(one);
  CHECK(table.cached_bytes() == one);
}
