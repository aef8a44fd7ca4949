// The projection engine: persistence with the checkpoint, crash safety, rebuilds, following the
// ledger live, read-your-writes, time travel and corrections.

#include "projections/engine.h"

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "projections/as_of_turns.h"
#include "views/view_fixture.h"

using ledger::schema::Payload;
using testing::Cst;
using testing::ViewFixture;

namespace {

void FileComplaint(ViewFixture& f, const std::string& id, const std::string& category, int64_t at) {
  f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(id);
    c.setEstateId("estate/e-1");
    c.setCategory(category);
    c.setSummary("电梯停运 (lift stopped)");
  });
}

void Resolve(ViewFixture& f, const std::string& id, int64_t at) {
  f.Add("complaint/" + id, at,
        [&](Payload::Builder p) { p.initComplaintResolved().setComplaintId(id); });
}

uint32_t Total(const projections::ViewSet& views, const projections::Filter& filter = {}) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::ComplaintsView>();
  views.complaints.Query(filter, out);
  return out.getTotal();
}

uint32_t Resolved(const projections::ViewSet& views) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::ComplaintsView>();
  views.complaints.Query({}, out);
  return out.getResolved();
}

}  // namespace

TEST_CASE("views persist with their checkpoint and reload without replaying", "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 5; ++i) FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  CHECK(Total(f.views()) == 5);
  CHECK(f.engine().Applied().seq == 5);
  CHECK(f.engine().Applied().hash == f.log().Head().hash);

  int progress_calls = 0;
  projections::EngineOptions options;
  options.progress = [&](uint64_t, uint64_t) { ++progress_calls; };
  f.OpenEngine(options);
  // Loaded at the checkpoint: nothing to replay.
  CHECK(f.engine().Applied().seq == 5);
  CHECK(Total(f.views()) == 5);
  CHECK(progress_calls == 0);
  FileComplaint(f, "c-5", "lift", Cst("2025-01-03"));
  CHECK(Total(f.views()) == 6);
}

// The follower may not have applied the last appends when the service stops: a clean close
// applies them, so that the stored views are at the head.
TEST_CASE("a following engine's clean close writes the views at the head", "[engine]") {
  ViewFixture f;
  for (int round = 0; round < 10; ++round) {
    f.engine().StartFollowing();
    for (int i = 0; i < 5; ++i) {
      FileComplaint(f, "c-" + std::to_string(round) + "-" + std::to_string(i), "lift",
                    Cst("2025-01-02"));
    }
    f.CloseEngine();
    auto stored = projections::ReadStoredCheckpoint(f.dir().sub("views"));
    REQUIRE(stored.ok());
    CHECK(stored->seq == f.log().Head().seq);
    f.OpenEngine();
  }
}

TEST_CASE("a crash before a batch is written applies nothing twice after restart", "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 10; ++i)
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  for (int i = 0; i < 10; ++i) Resolve(f, "c-" + std::to_string(i), Cst("2025-01-03"));

  projections::EngineOptions crashing;
  crashing.batch_events = 3;
  crashing.flush_events = 3;
  int flushes = 0;
  crashing.before_flush = [&] { return ++flushes < 4; };  // the 4th batch never lands
  f.OpenEngine(crashing);
  auto crashed = f.engine().CatchUp();
  CHECK(crashed.code() == ledger::Code::kUnavailable);
  CHECK(f.engine().Applied().seq == 9);  // three whole batches of three

  f.OpenEngine();  // restart: loads the 9 applied events' state, replays 10..20
  const auto& views = f.views();
  CHECK(f.engine().Applied().seq == 20);
  CHECK(Total(views) == 10);
  CHECK(Resolved(views) == 10);
  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("a rebuild from the log equals the views built live - record by record", "[engine]") {
  ViewFixture f;
  f.engine().StartFollowing();
  for (int i = 0; i < 30; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), i % 2 ? "lift" : "water", Cst("2025-01-02") + i);
    if (i % 3 == 0) Resolve(f, "c-" + std::to_string(i), Cst("2025-01-05"));
  }
  f.Void(4);
  REQUIRE(f.engine().WaitFor(f.log().Head().seq, std::chrono::seconds(10)).ok());
  auto live = f.engine().Dump();
  CHECK(live.size() > 30);
  uint64_t progress_last = 0;
  projections::EngineOptions options;
  options.progress = [&](uint64_t applied, uint64_t) { progress_last = applied; };
  f.OpenEngine(options);
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(progress_last == f.log().Head().seq);
  CHECK(f.engine().Dump() == live);
}

// The bytes of the store's table files in `dir`, its snapshots apart.
uint64_t StoreFileBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".sst") bytes += entry.file_size();
  }
  return bytes;
}

TEST_CASE("a rebuild leaves nothing of the views it replaces on the disk", "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 200; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), i % 2 ? "lift" : "water", Cst("2025-01-02") + i);
  }
  projections::EngineOptions options;
  options.write_interval = std::chrono::milliseconds(0);
  f.OpenEngine(options);
  CHECK(Total(f.views()) == 200);
  auto live = f.engine().Dump();
  std::string views_dir = f.dir().sub("views");
  REQUIRE(f.engine().Rebuild().ok());
  uint64_t once = StoreFileBytes(views_dir);
  REQUIRE(once > 0);
  // Deleting the old records would keep them in files until a compaction, up to a copy of the
  // views per rebuild; the store holds one copy whatever came before.
  for (int i = 0; i < 4; ++i) {
    REQUIRE(f.engine().Rebuild().ok());
    CHECK(StoreFileBytes(views_dir) < once * 3 / 2);
  }
  // And the views reopen whole, without replaying.
  int progress_calls = 0;
  options.progress = [&](uint64_t, uint64_t) { ++progress_calls; };
  f.OpenEngine(options);
  CHECK(progress_calls == 0);
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("views whose clearing stopped part way are rebuilt at the next open", "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 50; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02") + i);
  }
  CHECK(Total(f.views()) == 50);
  auto live = f.engine().Dump();
  f.CloseEngine();
  // A clear removes CURRENT first, then the rest: a crash between leaves the store's other
  // files without it.
  std::filesystem::remove(f.dir().sub("views") + "/CURRENT");
  uint64_t last_progress = 0;
  projections::EngineOptions options;
  options.progress = [&](uint64_t applied, uint64_t) { last_progress = applied; };
  f.OpenEngine(options);
  CHECK(Total(f.views()) == 50);
  CHECK(last_progress == f.log().Head().seq);  // replayed from the first event
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("changes written as table files, deletions included, reload as they were applied",
          "[engine]") {
  ViewFixture f;
  projections::EngineOptions options;
  options.write_interval = std::chrono::milliseconds(0);
  options.file_write_records = 1;  // every write goes to table files
  f.OpenEngine(options);
  auto estate = [&](const std::string& id) {
    return f.Add(id, 0, [&](Payload::Builder p) {
      auto e = p.initEstateRegistered();
      e.setEstateId(id);
      e.setName(id);
      e.setHouseholdCount(100);
    });
  };
  uint64_t first = estate("estate/e-1");
  estate("estate/e-2");
  FileComplaint(f, "c-1", "lift", Cst("2025-01-02"));
  REQUIRE(f.views().registers.estates().size() == 2);  // written: both estates, one complaint
  f.Void(first);  // the next write deletes the first estate's record
  FileComplaint(f, "c-2", "water", Cst("2025-01-03"));
  const projections::ViewSet& views = f.views();
  CHECK(views.registers.estates().Find("estate/e-1") == nullptr);
  CHECK(Total(views) == 2);
  auto live = f.engine().Dump();

  int progress_calls = 0;
  options.progress = [&](uint64_t, uint64_t) { ++progress_calls; };
  f.OpenEngine(options);  // loads what the files hold, at their checkpoint
  CHECK(progress_calls == 0);
  CHECK(f.engine().Applied().seq == f.log().Head().seq);
  CHECK(f.engine().Dump() == live);
  // And equal to a rebuild.
  options.file_write_records = 1 << 30;
  f.OpenEngine(options);
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

// A catch-up takes in a table file at each month end, and each lands on a level of its own; a
// reader's every seek looks into all of them. Once caught up, a following engine compacts them
// into one, on a thread of its own, and the views read the same. A one-off catch-up (a
// ledgerctl command) leaves them: it would stop the compaction as it closes.
TEST_CASE("table files a catch-up spread over the store's levels are compacted once caught up",
          "[engine]") {
  ViewFixture f;
  for (int month = 1; month <= 8; ++month) {
    FileComplaint(f, "c-" + std::to_string(month), "lift",
                  Cst(("2025-0" + std::to_string(month) + "-05").c_str()));
  }
  projections::EngineOptions options;
  options.rebuild = true;
  options.batch_events = 1;
  options.snapshot_events = 0;
  options.month_end_snapshots_kept = 1;  // a write at each month end
  options.write_interval = std::chrono::milliseconds(0);
  options.file_write_records = 1;  // each write into table files, as a long catch-up's
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  auto live = f.engine().Dump();
  REQUIRE(f.engine().Layout().levels > 2);  // else there is nothing to show
  CHECK(f.engine().Layout().compactions == 0);

  REQUIRE(f.engine().CatchUp().ok());  // at the head, not following: nothing more
  CHECK(f.engine().Layout().levels > 2);
  f.engine().StartFollowing();  // caught up, following: the compaction starts
  for (int i = 0; i < 600 && f.engine().Layout().compactions == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(f.engine().Layout().compactions == 1);
  CHECK(f.engine().Layout().levels == 1);
  CHECK(f.engine().Dump() == live);
  CHECK(Total(f.views()) == 8);

  options.rebuild = false;
  f.OpenEngine(options);  // reopened compacted: nothing more to do
  f.engine().StartFollowing();
  REQUIRE(f.engine().WaitFor(f.log().Head().seq, std::chrono::seconds(10)).ok());
  CHECK(f.engine().Layout().levels == 1);
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("a rebuild's records and checkpoint land together, or every record is rewritten",
          "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 20; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), i % 2 ? "lift" : "water", Cst("2025-01-02") + i);
    if (i % 4 == 0) Resolve(f, "c-" + std::to_string(i), Cst("2025-01-05"));
  }
  f.Void(3);
  CHECK(Total(f.views()) == 19);
  auto live = f.engine().Dump();
  uint64_t head = f.log().Head().seq;
  std::string views_dir = f.dir().sub("views");
  auto leftover_files = [&] {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(views_dir)) {
      n += entry.path().filename().string().rfind("rebuilt-", 0) == 0;
    }
    return n;
  };

  projections::EngineOptions options;
  options.write_interval = std::chrono::milliseconds(0);
  int progress_calls = 0;
  options.progress = [&](uint64_t, uint64_t) { ++progress_calls; };

  SECTION("the table files are taken in whole") {
    f.OpenEngine(options);
    REQUIRE(f.engine().Rebuild().ok());
    CHECK(leftover_files() == 0);
    progress_calls = 0;
    f.OpenEngine(options);  // loads the ingested records at their checkpoint
    CHECK(progress_calls == 0);
    CHECK(f.engine().Applied().seq == head);
    CHECK(f.engine().Dump() == live);
  }

  SECTION("a table file that cannot be written leaves the views to be rewritten in full") {
    // A folder where the first table file goes makes its writer fail, as a full disk would.
    std::filesystem::create_directory(views_dir + "/rebuilt-" + std::to_string(head) + "-1.sst");
    f.OpenEngine(options);
    auto rebuilt = f.engine().Rebuild();
    CHECK_FALSE(rebuilt.ok());
    // Applied and served from memory all the same.
    CHECK(f.engine().Applied().seq == head);
    CHECK(f.engine().Dump() == live);
    // The next write rewrites every record through the store's memory instead.
    REQUIRE(f.engine().CatchUp().ok());
    progress_calls = 0;
    f.OpenEngine(options);
    CHECK(progress_calls == 0);
    CHECK(f.engine().Applied().seq == head);
    CHECK(f.engine().Dump() == live);
  }
}

TEST_CASE("the views are written to the store while readers read them", "[engine]") {
  ViewFixture f;
  for (int i = 0; i < 12; ++i)
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  projections::EngineOptions options;
  options.rebuild = true;  // replay all 12 events, written every 4
  options.batch_events = 4;
  options.flush_events = 4;
  options.write_interval = std::chrono::milliseconds(0);
  std::vector<uint32_t> seen_by_readers;
  std::vector<std::thread> readers;  // joined after the catch-up, so a blocked one cannot hang
  int writes = 0;
  // Each write starts with this hook. A reader on another thread must get through while the
  // applier is writing: it would wait for the whole write if the write held the views' lock.
  options.before_flush = [&] {
    ++writes;
    auto answer = std::make_shared<std::promise<uint32_t>>();
    std::future<uint32_t> total = answer->get_future();
    readers.emplace_back([&f, answer] {
      answer->set_value(
          f.engine().Read([](const projections::ViewSet& views) { return Total(views); }));
    });
    if (total.wait_for(std::chrono::seconds(5)) == std::future_status::ready) {
      seen_by_readers.push_back(total.get());
    }
    return true;
  };
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  for (auto& reader : readers) reader.join();
  CHECK(writes >= 3);
  // Every reader was served, and saw the batch just applied: 4, 8 and 12 complaints.
  REQUIRE(seen_by_readers.size() == static_cast<size_t>(writes));
  CHECK(seen_by_readers[0] == 4);
  CHECK(seen_by_readers[1] == 8);
  CHECK(seen_by_readers[2] == 12);
  auto live = f.engine().Dump();
  projections::EngineOptions plain;
  f.OpenEngine(plain);  // a clean close leaves the store at the last write, which reloads
  CHECK(f.engine().Applied().seq == 12);
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("views of another version are rebuilt from the first event", "[engine]") {
  ViewFixture f;
  FileComplaint(f, "c-1", "lift", Cst("2025-01-02"));
  FileComplaint(f, "c-2", "lift", Cst("2025-01-02"));
  CHECK(Total(f.views()) == 2);
  auto before = f.engine().Dump();
  f.CloseEngine();
  {
    // As if the stored views had been written by a build with other view versions.
    REQUIRE(projections::OverwriteStoredVersions(f.dir().sub("views"), "complaints:0;").ok());
  }
  std::vector<uint64_t> progress;
  projections::EngineOptions options;
  options.progress = [&](uint64_t applied, uint64_t) { progress.push_back(applied); };
  f.OpenEngine(options);
  CHECK(f.engine().Applied().seq == 0);  // nothing loaded
  CHECK(Total(f.views()) == 2);          // replayed
  CHECK(progress == std::vector<uint64_t>{2});
  CHECK(f.engine().Dump() == before);
}

TEST_CASE("following live: a reader asking for a position waits for it", "[engine]") {
  ViewFixture f;
  f.engine().StartFollowing();
  FileComplaint(f, "c-1", "lift", Cst("2025-01-02"));
  uint64_t head = f.log().Head().seq;
  REQUIRE(f.engine().WaitFor(head, std::chrono::seconds(10)).ok());
  CHECK(f.engine().Read([](const projections::ViewSet& v) { return Total(v); }) == 1);

  auto late = f.engine().WaitFor(head + 5, std::chrono::milliseconds(50));
  CHECK(late.code() == ledger::Code::kTimeout);
  CHECK_THAT(late.message(),
             Catch::Contains("applied up to position 1") && Catch::Contains("not 6"));
}

TEST_CASE("time travel: views as of an earlier position ignore later events and corrections",
          "[engine]") {
  ViewFixture f;
  FileComplaint(f, "c-1", "lift", Cst("2024-12-30"));
  uint64_t filed_second = 0;
  FileComplaint(f, "c-2", "water", Cst("2024-12-31"));
  filed_second = f.log().Head().seq;
  uint64_t end_of_2024 = f.log().Head().seq;
  FileComplaint(f, "c-3", "water", Cst("2025-01-02"));
  Resolve(f, "c-1", Cst("2025-01-03"));
  f.Void(filed_second, "filed twice");

  const auto& live = f.views();
  CHECK(Total(live) == 2);  // c-1 and c-3; c-2 voided
  CHECK(Resolved(live) == 1);

  auto past = f.engine().AsOf(end_of_2024);
  REQUIRE(past.ok());
  CHECK((*past)->position().seq == end_of_2024);
  CHECK(Total(**past) == 2);  // c-1 and c-2, as they stood
  CHECK(Resolved(**past) == 0);
  // The live views are untouched by the replay.
  CHECK(Total(f.views()) == 2);
  CHECK(f.engine().Applied().seq == f.log().Head().seq);
}

namespace {

// A snapshot every `events` events, `kept` of them kept; each catch-up writes the views (and so
// takes the snapshots due), and no time-travel set is cached, so that each is built.
projections::EngineOptions SnapshotEvery(uint64_t events, size_t kept) {
  projections::EngineOptions options;
  options.snapshot_events = events;
  options.snapshots_kept = kept;
  options.write_interval = std::chrono::milliseconds(0);
  options.as_of_cache = 0;
  return options;
}

// The live views' records but the audit index's: a set built for time travel leaves it out, and
// the audit tests compare the live index read up to a position with one replayed to it.
std::vector<std::pair<std::string, std::string>> WithoutAudit(
    std::vector<std::pair<std::string, std::string>> dump) {
  std::erase_if(dump, [](const auto& record) { return record.first.starts_with("audit/"); });
  return dump;
}

// The bytes of unchanged records the tables of `views` hold in memory.
size_t CachedBytes(const projections::ViewSet& views) {
  size_t total = 0;
  for (const projections::Projection* view : views.all()) {
    for (const projections::TableBase* table : view->tables()) total += table->cached_bytes();
  }
  return total;
}

}  // namespace

TEST_CASE("time travel starts from the nearest snapshot and replays only the events after it",
          "[engine][snapshots]") {
  ViewFixture f;
  projections::EngineOptions options = SnapshotEvery(3, 3);
  f.OpenEngine(options);
  const std::string views_dir = f.dir().sub("views");
  // Ten complaints, one event each, each caught up (and written) on its own: snapshots are
  // taken at positions 3, 6 and 9.
  for (int i = 1; i <= 10; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
    REQUIRE(f.log().Head().seq == static_cast<uint64_t>(i));
    (void)f.views();
  }
  std::vector<uint64_t> kept;
  for (const auto& snapshot : projections::ListViewSnapshots(views_dir)) {
    kept.push_back(snapshot.seq);
    CHECK(snapshot.bytes > 0);
  }
  CHECK(kept == std::vector<uint64_t>{3, 6, 9});
  CHECK(f.engine().TimeTravel().snapshots_taken == 3);

  // As of 8: snapshot 6, then events 7 and 8.
  auto at8 = f.engine().AsOf(8);
  REQUIRE(at8.ok());
  CHECK((*at8)->position().seq == 8);
  CHECK(Total(**at8) == 8);
  auto stats = f.engine().TimeTravel();
  CHECK(stats.builds == 1);
  CHECK(stats.from_snapshot == 1);
  CHECK(stats.events_replayed == 2);

  // As of the head: snapshot 9 and event 10, which must be exactly the live views.
  auto at10 = f.engine().AsOf(10);
  REQUIRE(at10.ok());
  CHECK(projections::DumpViews(**at10) == WithoutAudit(f.engine().Dump()));
  CHECK(f.engine().TimeTravel().events_replayed == 3);

  // As of 2: before every snapshot, so from the first event.
  auto at2 = f.engine().AsOf(2);
  REQUIRE(at2.ok());
  CHECK(Total(**at2) == 2);
  stats = f.engine().TimeTravel();
  CHECK(stats.builds == 3);
  CHECK(stats.from_snapshot == 2);
  CHECK(stats.events_replayed == 3 + 2);

  // A rebuild forgets the snapshots of the views it threw away, and takes its own every 3
  // events through the history it replays, not only where it ends.
  REQUIRE(f.engine().Rebuild().ok());
  kept.clear();
  for (const auto& snapshot : projections::ListViewSnapshots(views_dir))
    kept.push_back(snapshot.seq);
  CHECK(kept == std::vector<uint64_t>{3, 6, 9});
}

// One token asked for position after position, each as its last was answered, and took every
// build: others asking meanwhile were refused, and asked again while its next build ran.
TEST_CASE("time travel takes turns: those refused while busy build before one asking again",
          "[engine]") {
  ViewFixture f;
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  bool first = true;
  projections::EngineOptions options;
  options.as_of_cache = 0;  // every request builds
  options.before_as_of_build = [&](uint64_t) {
    if (!first) return;
    first = false;
    started.set_value();
    released.wait();
  };
  f.OpenEngine(options);
  for (int i = 1; i <= 6; ++i)
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  (void)f.views();

  // The hog's build of 5 is under way; another asks for 3 and is refused, as before.
  auto hog = std::async(std::launch::async, [&] { return f.engine().AsOf(5, "hog"); });
  started.get_future().wait();
  auto refused = f.engine().AsOf(3, "other");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == ledger::Code::kUnavailable);
  release.set_value();
  REQUIRE(hog.get().ok());

  // The hog asks again at once: the other, refused meanwhile, goes first.
  auto again = f.engine().AsOf(4, "hog");
  REQUIRE_FALSE(again.ok());
  INFO(again.status().ToString());
  CHECK(again.status().ToString().find("go first") != std::string::npos);
  auto other = f.engine().AsOf(3, "other");
  REQUIRE(other.ok());
  CHECK(Total(**other) == 3);
  // Then the hog's turn: it was refused, and the other is not waiting.
  auto hogs_turn = f.engine().AsOf(4, "hog");
  REQUIRE(hogs_turn.ok());
  CHECK(Total(**hogs_turn) == 4);
  // With no one waiting, anyone builds at once.
  CHECK(f.engine().AsOf(2, "other").ok());
  CHECK(f.engine().AsOf(1, "hog").ok());
}

TEST_CASE("time travel's turns: first refused, first served; the patient lose nothing",
          "[engine]") {
  using projections::internal::AsOfTurns;
  using std::chrono::milliseconds;
  AsOfTurns turns(milliseconds(3000));
  auto t0 = AsOfTurns::Clock::now();
  CHECK(turns.MayStart("a", 1, t0));  // no one waits
  turns.Refused("b", t0 + milliseconds(10));
  turns.Refused("c", t0 + milliseconds(20));
  turns.Refused("b", t0 + milliseconds(30));  // b keeps its place ahead of c
  CHECK(turns.waiting() == 2);
  CHECK_FALSE(turns.MayStart("a", 1, t0 + milliseconds(40)));  // a queues behind c
  CHECK_FALSE(turns.MayStart("c", 1, t0 + milliseconds(50)));
  CHECK(turns.MayStart("b", 1, t0 + milliseconds(60)));
  // Two places free: the first two in the queue may start, not the third.
  turns.Refused("d", t0 + milliseconds(70));
  CHECK_FALSE(turns.MayStart("d", 2, t0 + milliseconds(80)));  // c, a, d
  CHECK(turns.MayStart("a", 2, t0 + milliseconds(90)));        // c, d
  CHECK(turns.MayStart("d", 2, t0 + milliseconds(100)));       // c
  // c does not come back: 3 s after its last refusal it loses its place.
  CHECK_FALSE(turns.MayStart("e", 1, t0 + milliseconds(3000)));
  CHECK(turns.MayStart("e", 1, t0 + milliseconds(3100)));
  CHECK(turns.waiting() == 0);
  // One answered without a build of its own (a kept set, a shared build) leaves the queue.
  turns.Refused("x", t0 + milliseconds(3200));
  turns.Refused("y", t0 + milliseconds(3200));
  turns.Served("x");
  CHECK(turns.MayStart("y", 1, t0 + milliseconds(3300)));
}

TEST_CASE("a set built for time travel keeps no more than its budget of records read back",
          "[engine][snapshots]") {
  ViewFixture f;
  projections::EngineOptions options = SnapshotEvery(6, 3);
  const size_t budget = GENERATE(size_t{0}, size_t{64} << 20);
  options.as_of_cache_bytes = budget;
  f.OpenEngine(options);
  // The estate's contract and five complaints; then four of them resolved and two more filed.
  // A replay from a snapshot among them reads back what the snapshot holds of the complaints it
  // changes, and the contract, which names the company a new complaint is about, unchanged.
  f.Add("contract/k-1", 0, [](Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId("contract/k-1");
    c.setEstateId("estate/e-1");
    c.setCompanyId("company/p-1");
    c.setStartDate("2024-01-01");
  });
  for (int i = 1; i <= 5; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
    (void)f.views();
  }
  for (int i = 1; i <= 4; ++i) Resolve(f, "c-" + std::to_string(i), Cst("2025-01-03"));
  FileComplaint(f, "c-7", "water", Cst("2025-01-04"));
  FileComplaint(f, "c-8", "water", Cst("2025-01-04"));
  (void)f.views();
  REQUIRE(f.log().Head().seq == 12);

  auto past = f.engine().AsOf(11);
  REQUIRE(past.ok());
  CHECK(f.engine().TimeTravel().from_snapshot == 1);
  // From the snapshot at 7: one is taken at 1 (the contract's month ends there), then every 6.
  CHECK(f.engine().TimeTravel().events_replayed == 4);
  if (budget == 0) {
    CHECK(CachedBytes(**past) == 0);  // every unchanged record read back was dropped
  } else {
    CHECK(CachedBytes(**past) > 0);  // kept: the contract, read back and not changed
  }
  // The same answers either way: dropped records are read back from the snapshot.
  CHECK(Total(**past) == 6);
  CHECK(Resolved(**past) == 4);
  auto head = f.engine().AsOf(12);
  REQUIRE(head.ok());
  CHECK(projections::DumpViews(**head) == WithoutAudit(f.engine().Dump()));
}

TEST_CASE("the snapshots kept stay spread over the whole history as it grows",
          "[engine][snapshots]") {
  ViewFixture f;
  projections::EngineOptions options = SnapshotEvery(2, 3);
  f.OpenEngine(options);
  const std::string views_dir = f.dir().sub("views");
  auto kept = [&] {
    std::vector<uint64_t> out;
    for (const auto& snapshot : projections::ListViewSnapshots(views_dir))
      out.push_back(snapshot.seq);
    return out;
  };
  // Followed one event at a time. The spacing is 2, or the history over 3 once that is more:
  // 3 from 9 events, 4 from 12.
  for (int i = 1; i <= 8; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
    (void)f.views();
    // Taken at 2, 4 and 6.
    if (i == 6) CHECK(kept() == std::vector<uint64_t>{2, 4, 6});
  }
  // Taken at 8, one too many: of the inner ones, 4 has the nearest neighbours (2 and 6, as 6
  // has 4 and 8: the first goes), so 4 goes and the oldest stays.
  CHECK(kept() == std::vector<uint64_t>{2, 6, 8});
  for (int i = 9; i <= 12; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
    (void)f.views();
  }
  // Taken at 11 (8 + 3): 8's neighbours (6, 11) are nearer than 6's (2, 8). At 12 the next is
  // due at 15.
  CHECK(kept() == std::vector<uint64_t>{2, 6, 11});
  CHECK(f.engine().TimeTravel().snapshots_taken == 5);

  // As of 10: from 6, four events replayed.
  auto at10 = f.engine().AsOf(10);
  REQUIRE(at10.ok());
  CHECK(Total(**at10) == 10);
  CHECK(f.engine().TimeTravel().from_snapshot == 1);
  CHECK(f.engine().TimeTravel().events_replayed == 4);
}

TEST_CASE("a rebuild takes about as many snapshots as are kept, spread over its history",
          "[engine][snapshots]") {
  ViewFixture f;
  for (int i = 1; i <= 10; ++i)
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  projections::EngineOptions options;
  options.rebuild = true;
  options.snapshot_events = 3;
  options.snapshots_kept = 2;  // 10 events over 2: one every 5, not every 3
  options.month_end_snapshots_kept = 0;
  options.write_interval = std::chrono::milliseconds(0);
  options.as_of_cache = 0;
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  std::vector<uint64_t> kept;
  for (const auto& snapshot : projections::ListViewSnapshots(f.dir().sub("views")))
    kept.push_back(snapshot.seq);
  CHECK(kept == std::vector<uint64_t>{5, 10});
  CHECK(f.engine().TimeTravel().snapshots_taken == 2);

  auto at8 = f.engine().AsOf(8);
  REQUIRE(at8.ok());
  CHECK(Total(**at8) == 8);
  CHECK(f.engine().TimeTravel().events_replayed == 3);
}

namespace {

// The inodes of the table files in `dir`: a snapshot's are hard links to the store's.
std::set<ino_t> TableFileInodes(const std::string& dir) {
  std::set<ino_t> inodes;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".sst") continue;
    struct stat st;
    REQUIRE(::stat(entry.path().c_str(), &st) == 0);
    inodes.insert(st.st_ino);
  }
  return inodes;
}

// The value of `name` in the newest options file RocksDB wrote in `dir` (it writes one each
// time they change).
std::string StoreOption(const std::string& dir, const std::string& name) {
  std::string newest;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    if (file.starts_with("OPTIONS-") && (newest.empty() || file.size() > newest.size() ||
                                         (file.size() == newest.size() && file > newest)))
      newest = file;
  }
  std::ifstream in(dir + "/" + newest);
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(name + "=");
    if (at != std::string::npos) return line.substr(at + name.size() + 1);
  }
  return "";
}

}  // namespace

TEST_CASE("a rebuild's snapshots share the files it wrote: level 0 is not compacted meanwhile",
          "[engine][snapshots]") {
  ViewFixture f;
  for (int i = 1; i <= 24; ++i)
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
  projections::EngineOptions options;
  options.rebuild = true;
  options.batch_events = 1;
  options.snapshot_events = 2;  // 12 snapshots, each written as table files
  options.snapshots_kept = 12;
  options.month_end_snapshots_kept = 0;
  options.write_interval = std::chrono::milliseconds(0);
  options.file_write_records = 1;
  options.as_of_cache = 0;
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  auto snapshots = projections::ListViewSnapshots(f.dir().sub("views"));
  REQUIRE(snapshots.size() == 12);
  // Had level 0 been compacted every four files, as RocksDB does by default, the store would
  // have replaced files that the snapshots taken before still hold.
  std::set<ino_t> store = TableFileInodes(f.dir().sub("views"));
  REQUIRE(store.size() > 12);  // files on level 0, beyond the levels below
  for (const auto& snapshot : snapshots) {
    std::set<ino_t> held = TableFileInodes(snapshot.path);
    CHECK(std::includes(store.begin(), store.end(), held.begin(), held.end()));
  }
  const std::string trigger = "level0_file_num_compaction_trigger";
  CHECK(StoreOption(f.dir().sub("views"), trigger) == "16");
  // Following, caught up: level 0 is compacted every four files again (RocksDB's default, which
  // the store keeps), once the whole store is; the views are the same.
  auto rebuilt = f.engine().Dump();
  f.engine().StartFollowing();
  for (int i = 0; i < 600 && f.engine().Layout().compactions == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(f.engine().Layout().levels == 1);
  CHECK(StoreOption(f.dir().sub("views"), trigger) == "4");
  CHECK(f.engine().Dump() == rebuilt);
  CHECK(Total(f.views()) == 24);
}

TEST_CASE("a snapshot is kept at every month end, and time travel to one replays nothing",
          "[engine][snapshots]") {
  ViewFixture f;
  // Recorded in January, February (from midnight in the district's zone, +08:00: still January
  // 31st in UTC), March and April.
  FileComplaint(f, "c-1", "lift", Cst("2025-01-05"));
  FileComplaint(f, "c-2", "lift", Cst("2025-01-31 23:59"));
  FileComplaint(f, "c-3", "lift", Cst("2025-02-01 00:00"));
  FileComplaint(f, "c-4", "lift", Cst("2025-02-10"));
  FileComplaint(f, "c-5", "lift", Cst("2025-03-03"));
  FileComplaint(f, "c-6", "lift", Cst("2025-04-01"));
  projections::EngineOptions options;
  options.rebuild = true;
  options.batch_events = 2;     // month ends fall between batches (at 2 and 4) and inside one (5)
  options.snapshot_events = 0;  // no snapshots but the month ends'
  options.month_end_snapshots_kept = 3;
  options.write_interval = std::chrono::milliseconds(0);
  options.as_of_cache = 0;
  // Each write through the memtable, or into table files as a long catch-up's are.
  options.file_write_records = GENERATE(size_t{1}, size_t{1} << 30);
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  const std::string views_dir = f.dir().sub("views");
  auto month_ends = [&] {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (const auto& snapshot : projections::ListViewSnapshots(views_dir)) {
      out.emplace_back(snapshot.seq, snapshot.month);
    }
    return out;
  };
  // January ends at 2: c-3 is in February in the district's zone.
  using Kept = std::vector<std::pair<uint64_t, std::string>>;
  CHECK(month_ends() == Kept{{2, "2025-01"}, {4, "2025-02"}, {5, "2025-03"}});
  CHECK(f.engine().TimeTravel().snapshots_taken == 3);

  auto end_of_february = f.engine().AsOf(4);
  REQUIRE(end_of_february.ok());
  CHECK(Total(**end_of_february) == 4);
  CHECK(f.engine().TimeTravel().from_snapshot == 1);
  CHECK(f.engine().TimeTravel().events_replayed == 0);

  // Following live: May's first event ends April; the oldest of four is pruned.
  FileComplaint(f, "c-7", "lift", Cst("2025-05-02"));
  (void)f.views();
  CHECK(month_ends() == Kept{{4, "2025-02"}, {5, "2025-03"}, {6, "2025-04"}});

  // After a restart, the stored views know their month: June's first event ends May.
  projections::EngineOptions reopened = options;
  reopened.rebuild = false;
  f.OpenEngine(reopened);
  FileComplaint(f, "c-8", "lift", Cst("2025-06-01"));
  (void)f.views();
  CHECK(month_ends() == Kept{{5, "2025-03"}, {6, "2025-04"}, {7, "2025-05"}});
}

TEST_CASE("a rebuild keeps month ends once per snapshot interval, then every one near the head",
          "[engine][snapshots]") {
  ViewFixture f;
  // One complaint a month, January to August 2025: month ends at positions 1 to 7.
  for (int month = 1; month <= 8; ++month) {
    FileComplaint(f, "c-" + std::to_string(month), "lift",
                  Cst(("2025-0" + std::to_string(month) + "-15").c_str()));
  }
  projections::EngineOptions options;
  options.rebuild = true;
  options.snapshot_events = 3;
  options.write_interval = std::chrono::milliseconds(0);
  f.OpenEngine(options);
  REQUIRE(f.engine().CatchUp().ok());
  std::vector<std::pair<uint64_t, std::string>> kept;
  for (const auto& snapshot : projections::ListViewSnapshots(f.dir().sub("views"))) {
    kept.emplace_back(snapshot.seq, snapshot.month);
  }
  // 1 and 2: fewer than 3 events since the start. 3: kept. 4: one since. From 5 on the head
  // (8) is 3 or fewer away: every month end. At the head, 8 is one event after 7: no interval
  // snapshot.
  using Kept = std::vector<std::pair<uint64_t, std::string>>;
  CHECK(kept == Kept{{3, "2025-03"}, {5, "2025-05"}, {6, "2025-06"}, {7, "2025-07"}});
}

TEST_CASE("a snapshot of another log's views is not used for time travel", "[engine][snapshots]") {
  ViewFixture f;
  projections::EngineOptions options;
  options.snapshot_events = 2;
  options.write_interval = std::chrono::milliseconds(0);
  options.as_of_cache = 0;
  f.OpenEngine(options);
  for (int i = 1; i <= 4; ++i) {
    FileComplaint(f, "c-" + std::to_string(i), "lift", Cst("2025-01-02"));
    (void)f.views();
  }
  REQUIRE(!projections::ListViewSnapshots(f.dir().sub("views")).empty());

  // The same views copied beside a different log of the same length: the snapshots' chain hash
  // is not that log's, so its time travel replays from the first event.
  ViewFixture other;
  for (int i = 1; i <= 4; ++i)
    FileComplaint(other, "x-" + std::to_string(i), "water", Cst("2025-01-03"));
  other.OpenEngine(options);
  const auto source = projections::ListViewSnapshots(f.dir().sub("views")).back();
  const std::filesystem::path target = other.dir().sub("views") + "/snapshots";
  std::filesystem::create_directories(target);
  std::filesystem::copy(source.path, target / std::filesystem::path(source.path).filename(),
                        std::filesystem::copy_options::recursive);
  REQUIRE(projections::ListViewSnapshots(other.dir().sub("views")).size() == 1);
  auto past = other.engine().AsOf(4);
  REQUIRE(past.ok());
  CHECK(other.engine().TimeTravel().from_snapshot == 0);
  CHECK(other.engine().TimeTravel().events_replayed == 4);
  projections::Filter water;
  water.category = "water";
  CHECK(Total(**past, water) == 4);
}

TEST_CASE("a correction replaces an event's content in every view it touches", "[engine]") {
  ViewFixture f;
  FileComplaint(f, "c-1", "lift", Cst("2025-01-02"));
  uint64_t filed = f.log().Head().seq;
  projections::Filter lifts;
  lifts.category = "lift";
  projections::Filter water;
  water.category = "water";
  CHECK(Total(f.views(), lifts) == 1);

  // Filed under the wrong category: replace it.
  f.Add("correction/1", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(filed);
    c.setReason("category was water, not lift");
    auto r = c.getAction().initReplacement().initComplaintFiled();
    r.setComplaintId("c-1");
    r.setEstateId("estate/e-1");
    r.setCategory("water");
    r.setSummary("水管爆裂");
  });
  CHECK(Total(f.views(), lifts) == 0);
  CHECK(Total(f.views(), water) == 1);

  // A second correction of the same event takes back the first replacement, then voids.
  f.Void(filed, "not a complaint at all");
  CHECK(Total(f.views(), water) == 0);
  CHECK(Total(f.views()) == 0);
}
