// A table rebuilt into a cleared store notes the keys it writes (table.h, key_filter.h), and
// takes a key it never wrote as absent without reading the store; a key it wrote, then dropped
// from memory, is still read back.

#include <catch2/catch.hpp>

#include <string>

#include "projections/key_filter.h"
#include "projections/table.h"

#include "map_store.h"

namespace {

struct Note {
  std::string text;
  template <class A>
  void Fields(A& a) {
    a(text);
  }
};

using test_views::MapStore;

constexpr char kPrefix[] = "v/test/notes/";

void WriteAndDrop(projections::Table<Note>* table, MapStore* store) {
  table->WriteChanges(kPrefix, store);
  table->ForgetChanges();
  table->Trim(0);  // nothing stays in memory: every record is read back
}

}  // namespace

TEST_CASE("a key filter keeps every key it was given, and claims few it was not", "[table]") {
  projections::KeyFilter filter;
  CHECK_FALSE(filter.MayContain("complaint/1"));
  // 120,000 keys fill the first three filters (16,384, 32,768 and 65,536 keys: 114,688) and
  // start a fourth.
  constexpr int kKeys = 120000;
  for (int i = 0; i < kKeys; ++i) filter.Add("complaint/" + std::to_string(i));
  CHECK(filter.added() == kKeys);
  int missed = 0;
  for (int i = 0; i < kKeys; ++i)
    missed += filter.MayContain("complaint/" + std::to_string(i)) ? 0 : 1;
  CHECK(missed == 0);
  // Each full filter claims about 0.6 % of the keys it was not given, at 12 bits a key: three
  // full and one barely begun, about 1.8 % in all. A broken one claims far more.
  int claimed = 0;
  for (int i = 0; i < kKeys; ++i) claimed += filter.MayContain("household/" + std::to_string(i));
  INFO(claimed << " of " << kKeys << " claimed");
  CHECK(claimed < kKeys / 40);
  // About 12 bits a key of room: 16,384 + 32,768 + 65,536 + 131,072 keys.
  CHECK(filter.bytes() == (16384 + 32768 + 65536 + 131072) * 12 / 8);
}

TEST_CASE("a table noting its written keys reads the store only for keys it wrote", "[table]") {
  MapStore store;
  projections::Table<Note> table("notes");
  table.KeepInStore(&store, kPrefix);
  table.NoteWrittenKeys();

  // New keys: nothing to read back.
  table.Mutable("complaint/1").text = "filed";
  table.Mutable("complaint/2").text = "filed";
  CHECK(store.gets() == 0);
  WriteAndDrop(&table, &store);

  // Written, then dropped from memory: read back.
  const Note* one = table.Find("complaint/1");
  REQUIRE(one != nullptr);
  CHECK(one->text == "filed");
  CHECK(store.gets() == 1);
  table.Mutable("complaint/2").text += ", acknowledged";
  CHECK(store.gets() == 2);
  // Never written: absent, without a read.
  CHECK(table.Find("complaint/3") == nullptr);
  table.Mutable("complaint/4").text = "filed";
  CHECK(store.gets() == 2);

  WriteAndDrop(&table, &store);
  REQUIRE(table.Find("complaint/2") != nullptr);
  CHECK(table.Find("complaint/2")->text == "filed, acknowledged");
  REQUIRE(table.Find("complaint/4") != nullptr);
  CHECK(table.Find("complaint/4")->text == "filed");
  CHECK(store.gets() == 4);

  // Erased, and its deletion written: read as absent. Filed again: read back again.
  table.Erase("complaint/4");
  WriteAndDrop(&table, &store);
  CHECK(table.Find("complaint/4") == nullptr);
  table.Mutable("complaint/4").text = "filed again";
  WriteAndDrop(&table, &store);
  REQUIRE(table.Find("complaint/4") != nullptr);
  CHECK(table.Find("complaint/4")->text == "filed again");

  // No longer noting: every miss reads the store, which may hold what others wrote.
  table.StopNotingWrittenKeys();
  int before = store.gets();
  store.Put(std::string(kPrefix) + "complaint/9", projections::Serialize(Note{"filed"}));
  CHECK(table.Find("complaint/9") != nullptr);
  CHECK(table.Find("complaint/10") == nullptr);
  CHECK(store.gets() == before + 2);
}
