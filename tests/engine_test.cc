// The projection engine: persistence with the checkpoint, crash safety, rebuilds, following the
// ledger live, read-your-writes, time travel and corrections.

#include "projections/engine.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

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
