// The ledger core: appends, versions, idempotency, the hash chain, persistence, concurrency.

#include "ledger/ledger.h"

#include <capnp/any.h>
#include <capnp/schema.h>
#include <rocksdb/db.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <thread>

#include "ledger/record.h"
#include "test_support.h"

using ledger::ExpectedVersion;
using ledger::Ledger;
using testing::Complaint;
using testing::MakeEvent;
using testing::OwnedEvent;
using testing::Readers;
using testing::TempDir;

namespace {

std::unique_ptr<Ledger> OpenLedger(const std::string& dir, ledger::Options options = {}) {
  options.sync = false;  // durability is the crash test's subject, not these
  auto opened = Ledger::Open(dir, options);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

ledger::Result<ledger::AppendResult> AppendOne(Ledger& log, const std::string& stream,
                                               ExpectedVersion expected, const OwnedEvent& e) {
  auto readers = std::vector<ledger::schema::Event::Reader>{e.reader()};
  return log.Append(stream, expected, readers);
}

// Opens the ledger's RocksDB folder directly, as an intruder or an older version would see it,
// and hands `edit` the database and its column families (default, events, streams, event_ids).
void WithStoredLedger(
    const std::string& dir,
    const std::function<void(rocksdb::DB*, std::vector<rocksdb::ColumnFamilyHandle*>&)>& edit) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, {}}, {"events", {}}, {"streams", {}}, {"event_ids", {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, families, &handles, &db).ok());
  edit(db, handles);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

// Flips one byte of the stored value of event `seq` directly in RocksDB, as an intruder would.
void TamperWithStoredEvent(const std::string& dir, uint64_t seq, size_t offset_in_record) {
  WithStoredLedger(dir, [&](rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
    std::string key = ledger::internal::SeqKey(seq);
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions(), handles[1], key, &value).ok());
    size_t at = ledger::internal::kValueHeaderBytes + offset_in_record;
    REQUIRE(at < value.size());
    value[at] = static_cast<char>(value[at] ^ 0x01);
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[1], key, value).ok());
  });
}

}  // namespace

TEST_CASE("an appended event reads back whole - Chinese text included", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  auto event = Complaint("ev-1", "complaint/c-1", "水管漏水，楼下天花板滴水");
  auto appended = AppendOne(*log, "complaint/c-1", ExpectedVersion::NoStream(), event);
  REQUIRE(appended.ok());
  CHECK(appended->seqs == std::vector<uint64_t>{1});
  CHECK(appended->stream_version == 1);
  CHECK(appended->head.seq == 1);
  CHECK_FALSE(appended->duplicate);

  auto read = log->Read(1);
  INFO(read.status().ToString());
  REQUIRE(read.ok());
  auto e = read->event();
  CHECK(std::string(e.getEventId().cStr()) == "ev-1");
  CHECK(std::string(e.getStream().cStr()) == "complaint/c-1");
  CHECK(e.getRecordedAt() > 0);
  CHECK(e.getOccurredAt() == e.getRecordedAt());  // zero "occurred" means "when recorded"
  REQUIRE(e.getPayload().isComplaintFiled());
  CHECK(std::string(e.getPayload().getComplaintFiled().getSummary().cStr()) ==
        "水管漏水，楼下天花板滴水");
  CHECK(read->hash() == appended->head.hash);
  CHECK(log->Head() == appended->head);
  CHECK(log->Read(2).status().code() == ledger::Code::kNotFound);
}

TEST_CASE("the head hash is SHA-256 over the previous hash and the record", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  auto a = Complaint("ev-a", "complaint/c-1");
  auto b = Complaint("ev-b", "complaint/c-2");
  REQUIRE(AppendOne(*log, "complaint/c-1", ExpectedVersion::Any(), a).ok());
  REQUIRE(AppendOne(*log, "complaint/c-2", ExpectedVersion::Any(), b).ok());
  // Recompute the chain by hand from the stored records, as an outside checker would.
  ledger::Hash chain{};
  for (uint64_t seq = 1; seq <= 2; ++seq) {
    auto e = log->Read(seq);
    REQUIRE(e.ok());
    std::string record = ledger::internal::RecordOf(*e);
    // The layout, by hand: seq and stream version big-endian, then the canonical words.
    REQUIRE(record.size() == 16 + e->canonical_words().size() * 8);
    CHECK(record.substr(0, 16) ==
          std::string("\0\0\0\0\0\0\0", 7) + char(seq) + std::string("\0\0\0\0\0\0\0\x01", 8));
    auto chained = ledger::internal::ChainHash(chain, record);
    REQUIRE(chained.ok());
    chain = *chained;
    CHECK(e->hash() == chain);
  }
  CHECK(log->Head().hash == chain);
  CHECK(ledger::ToHex(chain).size() == 64);
  ledger::Hash parsed{};
  CHECK(ledger::FromHex(ledger::ToHex(chain), &parsed));
  CHECK(parsed == chain);
}

TEST_CASE("expected versions: any - no stream - exactly N", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  const std::string stream = "complaint/c-9";

  REQUIRE(AppendOne(*log, stream, ExpectedVersion::NoStream(), Complaint("e1", stream)).ok());
  auto second = AppendOne(*log, stream, ExpectedVersion::Exactly(1), Complaint("e2", stream));
  REQUIRE(second.ok());
  CHECK(second->stream_version == 2);
  auto third = AppendOne(*log, stream, ExpectedVersion::Any(), Complaint("e3", stream));
  REQUIRE(third.ok());
  CHECK(third->stream_version == 3);
  CHECK(*log->StreamVersion(stream) == 3);
  CHECK(*log->StreamVersion("complaint/none") == 0);

  SECTION("no stream - when the stream exists - is a conflict naming both versions") {
    uint64_t actual = 0;
    auto e = Complaint("e4", stream);
    std::vector<ledger::schema::Event::Reader> one{e.reader()};
    auto r = log->Append(stream, ExpectedVersion::NoStream(), one, &actual);
    REQUIRE(r.status().code() == ledger::Code::kConflict);
    CHECK(actual == 3);
    CHECK_THAT(r.status().message(), Catch::Contains("complaint/c-9") &&
                                         Catch::Contains("no stream") &&
                                         Catch::Contains("version 3"));
  }
  SECTION("exactly N - when the stream is elsewhere - is a conflict") {
    auto r = AppendOne(*log, stream, ExpectedVersion::Exactly(2), Complaint("e4", stream));
    REQUIRE(r.status().code() == ledger::Code::kConflict);
    CHECK_THAT(r.status().message(),
               Catch::Contains("expected at version 2") && Catch::Contains("version 3"));
  }
  SECTION("exactly N on a stream that does not exist is a conflict") {
    auto r = AppendOne(*log, "complaint/new", ExpectedVersion::Exactly(1),
                       Complaint("e5", "complaint/new"));
    CHECK(r.status().code() == ledger::Code::kConflict);
  }
  // Whatever conflicted, nothing was written.
  CHECK(log->Head().seq == 3);
}

TEST_CASE("retrying with the same event ids returns the first result", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  std::vector<OwnedEvent> batch;
  batch.push_back(Complaint("r-1", "complaint/c-1"));
  batch.push_back(MakeEvent("r-2", [](ledger::schema::Payload::Builder p) {
    auto a = p.initComplaintAcknowledged();
    a.setComplaintId("complaint/c-1");
  }));
  auto first = log->Append("complaint/c-1", ExpectedVersion::NoStream(), Readers(batch));
  REQUIRE(first.ok());
  CHECK(first->seqs == std::vector<uint64_t>{1, 2});
  auto head = log->Head();

  // The retry would conflict on version if ids were not checked first.
  auto retry = log->Append("complaint/c-1", ExpectedVersion::NoStream(), Readers(batch));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->seqs == std::vector<uint64_t>{1, 2});
  CHECK(retry->stream_version == 2);
  CHECK(log->Head() == head);

  SECTION("an id reused in another stream is taken, and says where to a trusted caller") {
    auto r =
        AppendOne(*log, "complaint/c-2", ExpectedVersion::Any(), Complaint("r-1", "complaint/c-2"));
    REQUIRE(r.status().code() == ledger::Code::kAlreadyExists);
    CHECK_THAT(r.status().message(), Catch::Contains("complaint/c-1"));
    CHECK(log->Head() == head);
  }
  SECTION("a batch mixing seen and new ids is refused") {
    std::vector<OwnedEvent> mixed;
    mixed.push_back(Complaint("r-1", "complaint/c-1"));
    mixed.push_back(Complaint("r-3", "complaint/c-1"));
    auto r = log->Append("complaint/c-1", ExpectedVersion::Any(), Readers(mixed));
    CHECK(r.status().code() == ledger::Code::kInvalidArgument);
  }
  SECTION("an id twice in one batch is refused") {
    std::vector<OwnedEvent> twice;
    twice.push_back(Complaint("x", "complaint/c-1"));
    twice.push_back(Complaint("x", "complaint/c-1"));
    auto r = log->Append("complaint/c-1", ExpectedVersion::Any(), Readers(twice));
    CHECK(r.status().code() == ledger::Code::kInvalidArgument);
  }
  CHECK(log->Head() == head);
}

TEST_CASE("a multi-event append with one bad event writes nothing", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  std::vector<OwnedEvent> batch;
  batch.push_back(Complaint("ok-1", "complaint/c-1"));
  batch.push_back(Complaint("ok-2", "complaint/c-1"));
  batch.push_back(Complaint("bad-3", "complaint/c-1", /*summary=*/""));
  auto r = log->Append("complaint/c-1", ExpectedVersion::Any(), Readers(batch));
  REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
  CHECK_THAT(r.status().message(),
             Catch::Contains("event 2") && Catch::Contains("complaintFiled.summary"));
  CHECK(log->Head().seq == 0);
  CHECK(*log->StreamVersion("complaint/c-1") == 0);
  CHECK(log->Read(1).status().code() == ledger::Code::kNotFound);
}

TEST_CASE("validation refuses bad events before anything is written", "[ledger]") {
  TempDir dir;
  ledger::Options options;
  options.max_event_bytes = 1024;
  auto log = OpenLedger(dir.path(), options);

  SECTION("an empty stream id") {
    auto r = AppendOne(*log, "", ExpectedVersion::Any(), Complaint("a", "complaint/c"));
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("stream id is empty"));
  }
  SECTION("an event with no type") {
    OwnedEvent e;
    e.builder().setEventId("no-type");
    e.builder().initPayload();
    auto r = AppendOne(*log, "s/1", ExpectedVersion::Any(), e);
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("no type"));
  }
  SECTION("an event of a type this build does not know") {
    auto e = Complaint("unknown-type", "complaint/c");
    // Write a discriminant past the last known member, as a newer client might.
    auto payload = capnp::toAny(e.builder().getPayload());
    auto offset = capnp::Schema::from<ledger::schema::Payload>()
                      .getProto()
                      .getStruct()
                      .getDiscriminantOffset();
    uint16_t unknown = 999;
    std::memcpy(payload.getDataSection().begin() + offset * 2, &unknown, 2);
    auto r = AppendOne(*log, "complaint/c", ExpectedVersion::Any(), e);
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(),
               Catch::Contains("event type") && Catch::Contains("complaintFiled"));
  }
  SECTION("a missing required field - named") {
    auto e = MakeEvent("missing", [](ledger::schema::Payload::Builder p) {
      auto r = p.initRepairRequested();
      r.setRepairId("repair/r-1");
      r.setCategory("water");  // estateId left out
    });
    auto r = AppendOne(*log, "repair/r-1", ExpectedVersion::Any(), e);
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("repairRequested.estateId is required"));
  }
  SECTION("a missing event id") {
    auto e = Complaint("", "complaint/c");
    auto r = AppendOne(*log, "complaint/c", ExpectedVersion::Any(), e);
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("eventId is required"));
  }
  SECTION("an event larger than the limit") {
    auto e = Complaint("big", "complaint/c", std::string(2000, 'x'));
    auto r = AppendOne(*log, "complaint/c", ExpectedVersion::Any(), e);
    REQUIRE(r.status().code() == ledger::Code::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("at most 1024"));
  }
  SECTION("an event naming another stream") {
    auto e = Complaint("other", "complaint/c");
    e.builder().setStream("complaint/elsewhere");
    auto r = AppendOne(*log, "complaint/c", ExpectedVersion::Any(), e);
    CHECK(r.status().code() == ledger::Code::kInvalidArgument);
  }
  CHECK(log->Head().seq == 0);
}

TEST_CASE("the ledger persists across close and reopen", "[ledger]") {
  TempDir dir;
  ledger::Position before;
  {
    auto log = OpenLedger(dir.path());
    for (int i = 1; i <= 5; ++i) {
      REQUIRE(AppendOne(*log, "complaint/c-1", ExpectedVersion::Exactly(i - 1),
                        Complaint("p-" + std::to_string(i), "complaint/c-1"))
                  .ok());
    }
    before = log->Head();
  }
  auto log = OpenLedger(dir.path());
  CHECK(log->Head() == before);
  CHECK(*log->StreamVersion("complaint/c-1") == 5);
  // The chain and versions continue where they stopped.
  auto next = AppendOne(*log, "complaint/c-1", ExpectedVersion::Exactly(5),
                        Complaint("p-6", "complaint/c-1"));
  REQUIRE(next.ok());
  CHECK(next->seqs == std::vector<uint64_t>{6});
  // And ids seen before the restart are still known.
  auto retry =
      AppendOne(*log, "complaint/c-1", ExpectedVersion::Any(), Complaint("p-2", "complaint/c-1"));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->seqs == std::vector<uint64_t>{2});
  auto report = log->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->checked == 6);
  CHECK(report->head == log->Head());
}

TEST_CASE("reads: forward with a limit - a stream from a version", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  for (int i = 1; i <= 10; ++i) {
    std::string stream = i % 2 ? "complaint/odd" : "complaint/even";
    REQUIRE(
        AppendOne(*log, stream, ExpectedVersion::Any(), Complaint("f-" + std::to_string(i), stream))
            .ok());
  }
  auto page = log->ReadForward(4, 3);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 3);
  CHECK((*page)[0].seq() == 4);
  CHECK((*page)[2].seq() == 6);
  CHECK(log->ReadForward(11, 5)->empty());

  auto odd = log->ReadStream("complaint/odd", 2, 100);
  REQUIRE(odd.ok());
  REQUIRE(odd->size() == 4);  // versions 2..5 of seqs 1,3,5,7,9
  CHECK((*odd)[0].seq() == 3);
  CHECK((*odd)[0].stream_version() == 2);
  CHECK((*odd)[3].seq() == 9);
  CHECK(log->ReadStream("complaint/none", 1, 10).status().code() == ledger::Code::kNotFound);

  uint64_t visited = 0;
  REQUIRE(log->Scan(3, 7,
                    [&](const ledger::RecordedEvent& e) {
                      visited += e.seq();
                      return true;
                    })
              .ok());
  CHECK(visited == 3 + 4 + 5 + 6 + 7);
}

TEST_CASE("recorded times never decrease - and a time maps to a position", "[ledger]") {
  TempDir dir;
  int64_t now = 1'700'000'000'000;
  ledger::Options options;
  options.clock = [&now] { return now; };
  auto log = OpenLedger(dir.path(), options);
  for (int i = 1; i <= 6; ++i) {
    now += 1000;
    REQUIRE(AppendOne(*log, "complaint/t", ExpectedVersion::Any(),
                      Complaint("t-" + std::to_string(i), "complaint/t"))
                .ok());
  }
  // A clock that steps back does not make the log go back in time.
  now -= 60'000;
  REQUIRE(
      AppendOne(*log, "complaint/t", ExpectedVersion::Any(), Complaint("t-7", "complaint/t")).ok());
  CHECK(log->Read(7)->event().getRecordedAt() == 1'700'000'006'000);

  CHECK(*log->SeqAtTime(1'700'000'000'000) == 0);
  CHECK(*log->SeqAtTime(1'700'000'001'000) == 1);
  CHECK(*log->SeqAtTime(1'700'000'003'500) == 3);
  CHECK(*log->SeqAtTime(1'700'000'006'000) == 7);
}

TEST_CASE("concurrent appenders get a gap-free sequence and a valid chain", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string stream = "complaint/thread-" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        auto e = Complaint("c-" + std::to_string(t) + "-" + std::to_string(i), stream);
        // Exact versions: each thread owns its stream, so none may conflict.
        auto r = AppendOne(*log, stream, ExpectedVersion::Exactly(i), e);
        if (!r.ok()) {
          ++failures;
          continue;
        }
        seqs[t].push_back(r->seqs[0]);
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  std::set<uint64_t> all;
  for (auto& s : seqs) all.insert(s.begin(), s.end());
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kPerThread);
  for (auto& s : seqs) CHECK(std::is_sorted(s.begin(), s.end()));
  auto report = log->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->checked == kThreads * kPerThread);
  CHECK(report->head == log->Head());
}

TEST_CASE("concurrent appenders to one stream with exact versions: one wins each version",
          "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  std::atomic<int> wins{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto e = Complaint("s-" + std::to_string(t) + "-" + std::to_string(i), "complaint/one");
        uint64_t version = *log->StreamVersion("complaint/one");
        auto r = AppendOne(*log, "complaint/one", ExpectedVersion::Exactly(version), e);
        if (r.ok())
          ++wins;
        else if (r.status().code() == ledger::Code::kConflict)
          ++conflicts;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wins + conflicts == 200);
  CHECK(*log->StreamVersion("complaint/one") == static_cast<uint64_t>(wins.load()));
  CHECK(log->Head().seq == static_cast<uint64_t>(wins.load()));
}

TEST_CASE("verify names exactly the event whose stored bytes were changed", "[ledger]") {
  TempDir dir;
  {
    auto log = OpenLedger(dir.path());
    for (int i = 1; i <= 9; ++i) {
      REQUIRE(AppendOne(*log, "complaint/c", ExpectedVersion::Any(),
                        Complaint("v-" + std::to_string(i), "complaint/c"))
                  .ok());
    }
    auto clean = log->Verify();
    REQUIRE(clean.ok());
    CHECK(clean->ok);
  }
  SECTION("a byte of the event itself") {
    // Past the 16-byte position header: a byte inside the Cap'n Proto event.
    TamperWithStoredEvent(dir.path(), 5, 40);
    auto log = OpenLedger(dir.path());
    auto report = log->Verify();
    REQUIRE(report.ok());
    CHECK_FALSE(report->ok);
    CHECK(report->first_bad_seq == 5);
    CHECK(report->checked == 4);
  }
  SECTION("a byte of the stream version") {
    TamperWithStoredEvent(dir.path(), 7, 15);
    auto log = OpenLedger(dir.path());
    auto report = log->Verify();
    REQUIRE(report.ok());
    CHECK_FALSE(report->ok);
    CHECK(report->first_bad_seq == 7);
  }
}

TEST_CASE("a waiting reader is woken by the writer", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.path());
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)AppendOne(*log, "complaint/w", ExpectedVersion::Any(), Complaint("w-1", "complaint/w"));
  });
  auto head = log->WaitForHeadAbove(0, std::chrono::seconds(10));
  appender.join();
  CHECK(head.seq == 1);
  // With nothing coming, the wait ends at its timeout with the head unchanged.
  CHECK(log->WaitForHeadAbove(1, std::chrono::milliseconds(20)).seq == 1);
}

TEST_CASE("a checkpoint taken while appending is a ledger that verifies", "[ledger]") {
  TempDir dir;
  auto log = OpenLedger(dir.sub("live"));
  std::atomic<bool> stop{false};
  std::thread appender([&] {
    for (int i = 0; !stop && i < 100000; ++i) {
      (void)AppendOne(*log, "complaint/k", ExpectedVersion::Any(),
                      Complaint("k-" + std::to_string(i), "complaint/k"));
    }
  });
  while (log->Head().seq < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(log->Checkpoint(dir.sub("copy")).ok());
  stop = true;
  appender.join();
  auto copy = OpenLedger(dir.sub("copy"));
  auto report = copy->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->checked >= 50);
  CHECK(report->head == copy->Head());
}

TEST_CASE("a ledger written before the rule book learns its facts when opened", "[rules]") {
  TempDir dir;
  {
    auto log = OpenLedger(dir.path());
    REQUIRE(
        AppendOne(*log, "complaint/c-1", ExpectedVersion::Any(), Complaint("ev-1", "complaint/c-1"))
            .ok());
  }
  // Take the facts away, as in a ledger written before them.
  WithStoredLedger(dir.path(), [](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->DeleteRange(rocksdb::WriteOptions(), handles[0], "authority/", "authority0").ok());
    std::string value;
    REQUIRE(
        db->Get(rocksdb::ReadOptions(), handles[0], "authority/checkpoint", &value).IsNotFound());
  });
  auto log = OpenLedger(dir.path());
  auto facts = log->FindEntity("complaint/c-1");
  REQUIRE(facts.has_value());
  CHECK(facts->estate == "estate/e-1");
  CHECK(facts->seq == 1);
  // And the rule book uses them: the id is taken for a caller.
  ledger::Caller resident{ledger::schema::Role::RESIDENT, "person/p", {"estate/e-1"}, ""};
  std::vector<OwnedEvent> again;
  again.push_back(Complaint("ev-2", "complaint/c-1"));
  std::string rule;
  auto r = log->AppendAs(resident, "complaint/c-1", ExpectedVersion::Any(), Readers(again), nullptr,
                         &rule);
  CHECK(r.status().code() == ledger::Code::kAlreadyExists);
  CHECK(rule == "entity.taken");
}

namespace {

// Household h-1 in estate e-1, and its resident person/p, registered by an admin.
void RegisterResident(Ledger& log, const std::string& household_event,
                      const std::string& person_event) {
  REQUIRE(AppendOne(log, "household/h-1", ExpectedVersion::Any(),
                    MakeEvent(household_event,
                              [](ledger::schema::Payload::Builder p) {
                                auto h = p.initHouseholdRegistered();
                                h.setHouseholdId("household/h-1");
                                h.setEstateId("estate/e-1");
                              }))
              .ok());
  REQUIRE(AppendOne(log, "person/p", ExpectedVersion::Any(),
                    MakeEvent(person_event,
                              [](ledger::schema::Payload::Builder p) {
                                auto r = p.initPersonRegistered();
                                r.setPersonId("person/p");
                                r.setName("居民");
                                r.setHouseholdId("household/h-1");
                              }))
              .ok());
}

}  // namespace

TEST_CASE("facts that count are not counted twice when they are learned again", "[rules]") {
  // A resident's complaints of a day and a household's online answers of a year are counted by
  // numbered facts: learning the log again on top of them counted each one twice.
  TempDir dir;
  ledger::Options options;
  options.clock = [] { return int64_t{1'772'330'400'000}; };  // 2026-03-01T02:00Z, 10:00 Beijing
  ledger::Caller resident{ledger::schema::Role::RESIDENT, "person/p", {"estate/e-1"}, ""};
  auto act = [&](Ledger& log, const std::string& stream, OwnedEvent event) {
    // As the server stamps them: the event is the caller's.
    event.builder().setActorId(resident.actor_id);
    event.builder().setActorRole(resident.role);
    std::vector<OwnedEvent> one;
    one.push_back(std::move(event));
    std::string rule;
    auto r = log.AppendAs(resident, stream, ExpectedVersion::Any(), Readers(one), nullptr, &rule);
    return r.ok() ? std::string("ok") : rule;
  };
  auto complaint = [&](Ledger& log, const std::string& n) {
    return act(log, "complaint/c-" + n, Complaint("ev-c" + n, "complaint/c-" + n));
  };
  auto repair = [&](Ledger& log, const std::string& n) {
    return act(log, "repair/r-" + n, MakeEvent("ev-r" + n, [&](ledger::schema::Payload::Builder p) {
                 auto r = p.initRepairRequested();
                 r.setRepairId("repair/r-" + n);
                 r.setEstateId("estate/e-1");
                 r.setHouseholdId("household/h-1");
                 r.setCategory("water");
               }));
  };
  auto answer = [&](Ledger& log, const std::string& n) {
    return act(log, "survey/s-" + n, MakeEvent("ev-s" + n, [&](ledger::schema::Payload::Builder p) {
                 auto r = p.initSurveyResponseRecorded();
                 r.setSurveyId("survey/s-" + n);
                 r.setEstateId("estate/e-1");
                 r.setHouseholdId("household/h-1");
                 auto a = r.initAnswers(1);
                 a[0].setQuestion("overall");
                 a[0].setSatisfaction(ledger::schema::Satisfaction::SATISFIED);
               }));
  };
  {
    auto log = OpenLedger(dir.path(), options);
    RegisterResident(*log, "ev-h", "ev-p");
    CHECK(complaint(*log, "1") == "ok");
    CHECK(complaint(*log, "2") == "ok");
    CHECK(repair(*log, "1") == "ok");
    CHECK(repair(*log, "2") == "ok");
    CHECK(answer(*log, "1") == "ok");
    CHECK(answer(*log, "2") == "ok");
  }
  // An older version of the facts: learned again when the ledger opens.
  WithStoredLedger(dir.path(), [&](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[0], "authority/version").ok());
  });
  auto log = OpenLedger(dir.path(), options);
  // Two complaints and two answers counted, not four: one more complaint, two more answers.
  CHECK(complaint(*log, "3") == "ok");
  CHECK(complaint(*log, "4") == "complaint.per-day");
  CHECK(repair(*log, "3") == "ok");
  CHECK(repair(*log, "4") == "repair.per-day");
  CHECK(answer(*log, "3") == "ok");
  CHECK(answer(*log, "4") == "ok");
  CHECK(answer(*log, "5") == "survey.answered");
}

TEST_CASE("facts of an older version are learned again when the ledger is opened", "[rules]") {
  // Version 1 of the facts did not say which households answered which survey.
  TempDir dir;
  const std::string answered = "survey/s-1\x1fhousehold/h-1";
  auto response = [](const std::string& id) {
    return MakeEvent(id, [](ledger::schema::Payload::Builder p) {
      auto r = p.initSurveyResponseRecorded();
      r.setSurveyId("survey/s-1");
      r.setEstateId("estate/e-1");
      r.setHouseholdId("household/h-1");
      auto a = r.initAnswers(1);
      a[0].setQuestion("overall");
      a[0].setSatisfaction(ledger::schema::Satisfaction::DISSATISFIED);
    });
  };
  {
    auto log = OpenLedger(dir.path());
    RegisterResident(*log, "ev-1", "ev-2");
    REQUIRE(AppendOne(*log, "survey/s-1", ExpectedVersion::Any(), response("ev-3")).ok());
    auto fact = log->FindEntity(answered);
    REQUIRE(fact.has_value());
    CHECK(fact->seq == 3);
  }
  // Take the version and the survey's fact away, as in facts of version 1.
  WithStoredLedger(dir.path(), [&](rocksdb::DB* db, auto& handles) {
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[0], "authority/version").ok());
    REQUIRE(db->Delete(rocksdb::WriteOptions(), handles[0], "authority/e/" + answered).ok());
  });
  auto log = OpenLedger(dir.path());
  auto fact = log->FindEntity(answered);
  REQUIRE(fact.has_value());
  CHECK(fact->seq == 3);
  CHECK(log->FindEntity("household/h-1").has_value());
  // And the rule book uses it: the household has answered.
  ledger::Caller resident{ledger::schema::Role::RESIDENT, "person/p", {"estate/e-1"}, ""};
  std::vector<OwnedEvent> again;
  again.push_back(response("ev-4"));
  std::string rule;
  auto r =
      log->AppendAs(resident, "survey/s-1", ExpectedVersion::Any(), Readers(again), nullptr, &rule);
  CHECK(r.status().code() == ledger::Code::kAlreadyExists);
  CHECK(rule == "survey.answered");
  CHECK(log->Head().seq == 3);
}
