// The audit index: every event found by the entities its payload names (found by reflection,
// in nested structs, unions and lists), by actor and by day of recording; late entries; and
// corrections shown beside what they correct, never in place of it.

#include <capnp/message.h>

#include <kj/string.h>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "view_fixture.h"

using ledger::schema::Payload;
using ledger::schema::Role;
using testing::Cst;
using testing::ViewFixture;

namespace {

using Seqs = std::vector<uint64_t>;

// Appends events as a named actor, with event ids of their own.
class Recorder {
 public:
  explicit Recorder(ViewFixture& f) : f_(f) {}
  uint64_t Add(const std::string& actor, Role role, const std::string& stream, int64_t at,
               const std::function<void(Payload::Builder)>& fill) {
    auto event = testing::MakeEvent("audit-" + std::to_string(++ids_), fill);
    event.builder().setActorId(actor);
    event.builder().setActorRole(role);
    return f_.Append(stream, std::move(event), at);
  }

 private:
  ViewFixture& f_;
  int ids_ = 0;
};

struct Scenario {
  uint64_t household = 0, complaint = 0, repair = 0, dispatch = 0, visit = 0, other_complaint = 0,
           follow_up = 0, inspection = 0, meeting = 0;
};

void FillRepair(Payload::Builder p, const std::string& household) {
  auto r = p.initRepairRequested();
  r.setRepairId("repair/r-1");
  r.setEstateId("estate/e-1");
  r.setHouseholdId(household);
  r.setCategory("water");
  r.setDescription("厨房水管漏水 (kitchen pipe leaks)");
}

Scenario Build(ViewFixture& f) {
  Recorder rec(f);
  Scenario s;
  s.household = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "household/h-1",
                        Cst("2025-03-01 10:00"), [](Payload::Builder p) {
                          auto h = p.initHouseholdRegistered();
                          h.setHouseholdId("household/h-1");
                          h.setEstateId("estate/e-1");
                          auto residents = h.initResidents(1);
                          residents[0].setPersonId("person/p-1");
                          residents[0].setName("王奶奶");
                        });
  s.complaint = rec.Add("person/res-1", Role::RESIDENT, "complaint/c-1", Cst("2025-03-01 21:00"),
                        [](Payload::Builder p) {
                          auto c = p.initComplaintFiled();
                          c.setComplaintId("complaint/c-1");
                          c.setEstateId("estate/e-1");
                          c.setHouseholdId("household/h-1");
                          c.setCategory("lift");
                          c.setSummary("电梯停运 (lift stopped)");
                        });
  s.repair = rec.Add("person/res-1", Role::RESIDENT, "repair/r-1", Cst("2025-03-01 23:30"),
                     [](Payload::Builder p) { FillRepair(p, "household/h-1"); });
  // 00:30 in Shanghai is still 2025-03-01 in UTC: the day index must say 03-02.
  s.dispatch = rec.Add("person/staff-1", Role::COMPANY_STAFF, "repair/r-1", Cst("2025-03-02 00:30"),
                       [](Payload::Builder p) {
                         auto d = p.initRepairDispatched();
                         d.setRepairId("repair/r-1");
                         d.setWorkerId("person/w-1");
                         d.setCompanyId("company/co-1");
                       });
  s.visit = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "visit/v-1", Cst("2025-03-02 10:00"),
                    [](Payload::Builder p) {
                      auto v = p.initHomeVisitRecorded();
                      v.setVisitId("visit/v-1");
                      v.setHouseholdId("household/h-1");
                      auto visitors = v.initVisitorIds(2);
                      visitors.set(0, "person/cw-1");
                      visitors.set(1, "person/w-2");
                      v.initObligationIds(1).set(0, "obligation/o-1");
                      v.initServices(1).set(0, "gas safety check");  // not an id list
                    });
  s.other_complaint = rec.Add("person/res-2", Role::RESIDENT, "complaint/c-2",
                              Cst("2025-03-02 11:00"), [](Payload::Builder p) {
                                auto c = p.initComplaintFiled();
                                c.setComplaintId("complaint/c-2");
                                c.setEstateId("estate/e-1");
                                c.setHouseholdId("household/h-2");
                                c.setCategory("noise");
                                c.setSummary("噪音 (noise)");
                              });
  s.follow_up = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "repair/r-1",
                        Cst("2025-03-02 12:00"), [](Payload::Builder p) {
                          auto u = p.initFollowUpRecorded();
                          u.getSubject().setRepairId("repair/r-1");  // a union in a group
                          u.setSatisfaction(ledger::schema::Satisfaction::SATISFIED);
                        });
  s.inspection = rec.Add("person/street-1", Role::STREET_AUDITOR, "inspection/s-1",
                         Cst("2025-03-02 13:00"), [](Payload::Builder p) {
                           auto sheet = p.initInspectionRecorded();
                           sheet.setSheetId("inspection/s-1");
                           sheet.initSubject().setId("company/co-1");  // a field named "id"
                           sheet.setYear(2025);
                           auto items = sheet.initItems(1);
                           items[0].setItem("绿化 (greenery)");
                           items[0].setScore(8);
                           items[0].setMaxScore(10);
                           sheet.initInspectorIds(1).set(0, "person/street-1");
                         });
  s.meeting = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "meeting/m-1", Cst("2025-03-02 14:00"),
                      [](Payload::Builder p) {
                        auto m = p.initJointMeetingHeld();
                        m.setMeetingId("meeting/m-1");
                        m.setEstateId("estate/e-1");
                        m.setHeldOn("2025-03-02");
                        auto attendees = m.initAttendees(1);
                        attendees[0].setPersonId("person/oc-1");
                        attendees[0].setSide(ledger::schema::Side::OWNERS_COMMITTEE);
                        auto agenda = m.initAgenda(1);
                        agenda[0].setTitle("电梯 (the lift)");
                        agenda[0].initComplaintIds(1).set(0, "complaint/c-1");
                      });
  return s;
}

enum class By { kEntity, kActor, kDay };

Seqs Find(const projections::AuditIndex& audit, By by, const std::string& key) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::AuditView>();
  switch (by) {
    case By::kEntity:
      audit.ByEntity(key, 0, 1000, projections::AuditIndex::kNow, out);
      break;
    case By::kActor:
      audit.ByActor(key, 0, 1000, projections::AuditIndex::kNow, out);
      break;
    case By::kDay:
      audit.ByDay(key, 0, 1000, projections::AuditIndex::kNow, out);
      break;
  }
  Seqs seqs;
  for (auto entry : out.getEntries()) seqs.push_back(entry.getSeq());
  CHECK(out.getTotal() == seqs.size());
  return seqs;
}

Seqs Entity(const projections::AuditIndex& audit, const std::string& id) {
  return Find(audit, By::kEntity, id);
}

Seqs CorrectedBy(const projections::AuditIndex& audit, uint64_t seq) {
  const auto* entry = audit.Entry(seq);
  REQUIRE(entry != nullptr);
  return entry->corrected_by;
}

uint64_t Replace(ViewFixture& f, uint64_t seq, const std::function<void(Payload::Builder)>& fill) {
  return f.Add("correction/" + std::to_string(seq), 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(seq);
    c.setReason("wrong household");
    fill(c.getAction().initReplacement());
  });
}

}  // namespace

TEST_CASE("every event touching a household is found across complaints repairs and visits",
          "[audit]") {
  ViewFixture f;
  Scenario s = Build(f);
  const auto& audit = f.views().audit;

  // h-1 is named by its registration, complaint c-1, repair r-1's request and visit v-1; not by
  // the dispatch (names only the repair), nor by c-2 (household h-2).
  CHECK(Entity(audit, "household/h-1") == Seqs{s.household, s.complaint, s.repair, s.visit});
  CHECK(Entity(audit, "household/h-2") == Seqs{s.other_complaint});
  // The stream and repairId are the same text: each event once. The follow-up names the repair
  // in the union of its `subject` group.
  CHECK(Entity(audit, "repair/r-1") == Seqs{s.repair, s.dispatch, s.follow_up});
  // Ids in lists of text (agenda complaintIds, visitorIds, obligationIds), in lists of structs
  // (residents, attendees) and in a nested struct's `id` (the inspected company).
  CHECK(Entity(audit, "complaint/c-1") == Seqs{s.complaint, s.meeting});
  CHECK(Entity(audit, "person/w-2") == Seqs{s.visit});
  CHECK(Entity(audit, "obligation/o-1") == Seqs{s.visit});
  CHECK(Entity(audit, "person/p-1") == Seqs{s.household});
  CHECK(Entity(audit, "person/oc-1") == Seqs{s.meeting});
  CHECK(Entity(audit, "company/co-1") == Seqs{s.dispatch, s.inspection});
  CHECK(Entity(audit, "person/w-1") == Seqs{s.dispatch});
  // Services are a Text list whose name does not end in "Ids": not entities.
  CHECK(Entity(audit, "gas safety check").empty());
  // e-1 is named by the registration, c-1, r-1's request, c-2 and the meeting.
  CHECK(Entity(audit, "estate/e-1") ==
        Seqs{s.household, s.complaint, s.repair, s.other_complaint, s.meeting});

  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::AuditView>();
  audit.ByEntity("household/h-1", 1, 2, projections::AuditIndex::kNow,
                 out);  // paging: the 2nd and 3rd of 4
  CHECK(out.getTotal() == 4);
  CHECK(out.getOffset() == 1);
  REQUIRE(out.getEntries().size() == 2);
  auto complaint = out.getEntries()[0];
  CHECK(complaint.getSeq() == s.complaint);
  CHECK(std::string(complaint.getType().cStr()) == "complaintFiled");
  CHECK(std::string(complaint.getStream().cStr()) == "complaint/c-1");
  CHECK(std::string(complaint.getActorId().cStr()) == "person/res-1");
  CHECK(std::string(complaint.getRole().cStr()) == "resident");
  CHECK(complaint.getOccurredAt() == Cst("2025-03-01 21:00"));
  CHECK(complaint.getRecordedAt() == Cst("2025-03-01 21:00"));
  CHECK_FALSE(complaint.getLate());
  CHECK(out.getEntries()[1].getSeq() == s.repair);
}

TEST_CASE("the audit index lists an actor's events and a day's events", "[audit]") {
  ViewFixture f;
  Scenario s = Build(f);
  const auto& audit = f.views().audit;
  CHECK(Find(audit, By::kActor, "person/cw-1") ==
        Seqs{s.household, s.visit, s.follow_up, s.meeting});
  CHECK(Find(audit, By::kActor, "person/res-1") == Seqs{s.complaint, s.repair});
  CHECK(Find(audit, By::kActor, "person/nobody").empty());
  // Recorded (Shanghai days) on 03-01: 10:00, 21:00, 23:30; the rest on 03-02 from 00:30.
  CHECK(Find(audit, By::kDay, "2025-03-01") == Seqs{s.household, s.complaint, s.repair});
  CHECK(Find(audit, By::kDay, "2025-03-02") ==
        Seqs{s.dispatch, s.visit, s.other_complaint, s.follow_up, s.inspection, s.meeting});
}

TEST_CASE("an entry recorded more than seven days after it happened is late", "[audit]") {
  ViewFixture f;
  Recorder rec(f);
  f.now = Cst("2025-03-11 10:00");
  auto visit = [](const char* id) {
    return [id](Payload::Builder p) {
      auto v = p.initHomeVisitRecorded();
      v.setVisitId(id);
      v.setHouseholdId("household/h-1");
    };
  };
  // Recorded 03-11 10:00 for each: occurred 03-01 10:00 (10 days), 03-04 10:00 (exactly 7
  // days: not more than the threshold), 03-09 10:00 (2 days).
  uint64_t ten = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "visit/v-1",
                         Cst("2025-03-01 10:00"), visit("visit/v-1"));
  uint64_t seven = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "visit/v-2",
                           Cst("2025-03-04 10:00"), visit("visit/v-2"));
  uint64_t two = rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "visit/v-3",
                         Cst("2025-03-09 10:00"), visit("visit/v-3"));
  const auto& audit = f.views().audit;
  CHECK(audit.late_threshold_ms() == 7 * 86'400'000);
  CHECK(audit.Entry(ten)->late);
  CHECK_FALSE(audit.Entry(seven)->late);
  CHECK_FALSE(audit.Entry(two)->late);

  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::AuditView>();
  audit.Late(0, 100, projections::AuditIndex::kNow, out);
  REQUIRE(out.getTotal() == 1);
  auto late = out.getEntries()[0];
  CHECK(late.getSeq() == ten);
  CHECK(late.getLate());
  CHECK(late.getLateByMs() == 10 * 86'400'000LL);  // 864,000,000 ms
  CHECK(late.getOccurredAt() == Cst("2025-03-01 10:00"));
  CHECK(late.getRecordedAt() == Cst("2025-03-11 10:00"));
  // Indexed by the day it was recorded, not the day it happened.
  CHECK(Find(audit, By::kDay, "2025-03-11") == Seqs{ten, seven, two});
  CHECK(Find(audit, By::kDay, "2025-03-01").empty());

  // The threshold is the constructor's to set.
  projections::AuditIndex strict(24 * projections::kMillisPerHour);
  CHECK(strict.late_threshold_ms() == 86'400'000);
}

TEST_CASE("corrections stay beside what they correct in the audit trail", "[audit]") {
  ViewFixture f;
  Scenario s = Build(f);

  SECTION("a voided event stays marked and the void is found under its entities") {
    uint64_t voided = f.Void(s.complaint);
    const auto& audit = f.views().audit;
    CHECK(CorrectedBy(audit, s.complaint) == Seqs{voided});
    CHECK(audit.Entry(voided)->corrects == s.complaint);
    // c-1's filing stays under h-1, and the void joins it there and under c-1 and e-1.
    CHECK(Entity(audit, "household/h-1") ==
          Seqs{s.household, s.complaint, s.repair, s.visit, voided});
    CHECK(Entity(audit, "complaint/c-1") == Seqs{s.complaint, s.meeting, voided});
    CHECK(Entity(audit, "correction/" + std::to_string(s.complaint)) == Seqs{voided});

    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::AuditView>();
    audit.ByEntity("complaint/c-1", 0, 10, projections::AuditIndex::kNow, out);
    auto original = out.getEntries()[0];
    CHECK(std::string(original.getType().cStr()) == "complaintFiled");
    REQUIRE(original.getCorrectedBy().size() == 1);
    CHECK(original.getCorrectedBy()[0] == voided);
    CHECK(std::string(out.getEntries()[2].getType().cStr()) == "correctionRecorded");
    CHECK(out.getEntries()[2].getCorrects() == s.complaint);

    // A correction of the correction adds a mark on the void, and is found where the void is.
    uint64_t undo = f.Void(voided, "voided by mistake");
    const auto& after = f.views().audit;
    CHECK(CorrectedBy(after, voided) == Seqs{undo});
    CHECK(CorrectedBy(after, s.complaint) == Seqs{voided});
    CHECK(Entity(after, "household/h-1") ==
          Seqs{s.household, s.complaint, s.repair, s.visit, voided, undo});
    CHECK(Entity(after, "complaint/c-1") == Seqs{s.complaint, s.meeting, voided, undo});
  }

  SECTION("a replacement is found under the old and the new household") {
    uint64_t replaced =
        Replace(f, s.repair, [](Payload::Builder p) { FillRepair(p, "household/h-3"); });
    const auto& audit = f.views().audit;
    CHECK(CorrectedBy(audit, s.repair) == Seqs{replaced});
    // The request stays as recorded; the type shown is the original's.
    CHECK(audit.Entry(s.repair)->type == static_cast<int>(Payload::REPAIR_REQUESTED));
    CHECK(Entity(audit, "household/h-1") ==
          Seqs{s.household, s.complaint, s.repair, s.visit, replaced});
    CHECK(Entity(audit, "household/h-3") == Seqs{replaced});
    CHECK(Entity(audit, "repair/r-1") == Seqs{s.repair, s.dispatch, s.follow_up, replaced});

    // Voiding the (replaced) request later: a second mark, found under both households.
    uint64_t voided = f.Void(s.repair);
    const auto& after = f.views().audit;
    CHECK(CorrectedBy(after, s.repair) == Seqs{replaced, voided});
    CHECK(Entity(after, "household/h-3") == Seqs{replaced, voided});
    CHECK(Entity(after, "household/h-1") ==
          Seqs{s.household, s.complaint, s.repair, s.visit, replaced, voided});
  }

  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("a long list is read page by page across its stored pages", "[audit]") {
  // 600 visits by one worker: two full pages of 256 seqs stored apart, 88 in the list's record.
  // An actor named like a page of the first ("…/000000000001") keeps a list of its own.
  ViewFixture f;
  Recorder rec(f);
  static_assert(projections::PagedSeqLists::kSeqsPerPage == 256);
  const std::string worker = "person/cw-9", lookalike = "person/cw-9/000000000001";
  Seqs visits, other;
  for (int i = 0; i < 600; ++i) {
    std::string id = "visit/v-" + std::to_string(i);
    visits.push_back(rec.Add(worker, Role::COMMUNITY_WORKER, id, Cst("2025-03-01 10:00"),
                             [&](Payload::Builder p) {
                               auto v = p.initHomeVisitRecorded();
                               v.setVisitId(id);
                               v.setHouseholdId("household/h-1");
                             }));
    if (i % 200 == 0) {
      other.push_back(rec.Add(lookalike, Role::COMMUNITY_WORKER, "visit/x", Cst("2025-03-01 10:00"),
                              [](Payload::Builder p) {
                                auto v = p.initHomeVisitRecorded();
                                v.setVisitId("visit/x");
                                v.setHouseholdId("household/h-2");
                              }));
    }
  }
  const auto& audit = f.views().audit;
  auto page = [&](const std::string& actor, size_t offset, size_t limit) {
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::AuditView>();
    audit.ByActor(actor, offset, limit, projections::AuditIndex::kNow, out);
    CHECK(out.getTotal() == (actor == worker ? 600u : 3u));
    Seqs seqs;
    for (auto entry : out.getEntries()) seqs.push_back(entry.getSeq());
    return seqs;
  };
  auto slice = [&](size_t from, size_t to) {
    return Seqs(visits.begin() + static_cast<long>(from), visits.begin() + static_cast<long>(to));
  };
  CHECK(page(worker, 250, 10) == slice(250, 260));  // across the first page's end
  CHECK(page(worker, 255, 2) == slice(255, 257));
  CHECK(page(worker, 200, 400) == slice(200, 600));  // three pages' worth
  CHECK(page(worker, 512, 100) == slice(512, 600));  // the last page's 88
  CHECK(page(worker, 0, 600) == visits);
  CHECK(page(worker, 600, 10).empty());
  CHECK(page(lookalike, 0, 10) == other);
  // The household and the day hold every visit; the day the look-alike's too.
  CHECK(Entity(audit, "household/h-1") == visits);
  CHECK(Find(audit, By::kDay, "2025-03-01").size() == 603);

  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

namespace {

// One page of the index as a message's text, for comparing two indexes whole.
std::string Shown(const projections::AuditIndex& audit, const std::string& kind,
                  const std::string& key, size_t offset, size_t limit, uint64_t up_to) {
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::AuditView>();
  if (kind == "entity") audit.ByEntity(key, offset, limit, up_to, out);
  if (kind == "actor") audit.ByActor(key, offset, limit, up_to, out);
  if (kind == "day") audit.ByDay(key, offset, limit, up_to, out);
  if (kind == "late") audit.Late(offset, limit, up_to, out);
  return kj::str(out.asReader()).cStr();
}

}  // namespace

TEST_CASE("the audit index read up to a position is the index replayed to that position",
          "[audit]") {
  // Time travel does not replay the audit index (ViewSet::AuditIndexing): it reads the live one
  // up to the position asked for. Every position of a history with a late entry, a replacement,
  // voids and a void of a void is read both ways, whole and by page.
  ViewFixture f;
  Scenario s = Build(f);
  f.now = Cst("2025-03-20 09:00");
  f.Add("visit/v-9", Cst("2025-03-05 10:00"), [](Payload::Builder p) {
    auto v = p.initHomeVisitRecorded();
    v.setVisitId("visit/v-9");
    v.setHouseholdId("household/h-1");
  });
  Replace(f, s.repair, [](Payload::Builder p) { FillRepair(p, "household/h-3"); });
  uint64_t voided = f.Void(s.complaint);
  f.Void(voided, "voided by mistake");
  f.Void(s.repair);
  const uint64_t head = f.log().Head().seq;
  const auto& live = f.views().audit;

  std::set<std::pair<std::string, std::string>> keys = {
      {"entity", "household/h-1"}, {"entity", "household/h-3"}, {"entity", "complaint/c-1"},
      {"entity", "repair/r-1"},    {"entity", "estate/e-1"},    {"late", ""}};
  for (uint64_t seq = 1; seq <= head; ++seq) {
    const auto* entry = live.Entry(seq);
    REQUIRE(entry != nullptr);
    keys.insert({"entity", entry->stream});
    keys.insert({"actor", entry->actor});
    keys.insert({"day", projections::FormatDay(projections::LocalDay(
                            entry->recorded_at, projections::TimeZone::China()))});
  }

  projections::ViewSet replayed([&](uint64_t at) { return f.log().Read(at); });
  for (uint64_t position = 1; position <= head; ++position) {
    auto event = f.log().Read(position);
    REQUIRE(event.ok());
    REQUIRE(replayed.Apply(*event).ok());
    for (const auto& [kind, key] : keys) {
      INFO("position " << position << ", " << kind << " " << key);
      CHECK(Shown(live, kind, key, 0, 100, position) ==
            Shown(replayed.audit, kind, key, 0, 100, projections::AuditIndex::kNow));
      CHECK(Shown(live, kind, key, 1, 2, position) ==
            Shown(replayed.audit, kind, key, 1, 2, projections::AuditIndex::kNow));
    }
  }
  // Before the first event, nothing; at the head, the index as it is.
  CHECK(Entity(live, "household/h-1").size() > 0);
  CHECK(Shown(live, "entity", "household/h-1", 0, 100, 0) ==
        Shown(projections::AuditIndex(), "entity", "household/h-1", 0, 100,
              projections::AuditIndex::kNow));
}

TEST_CASE("a long list is counted up to a position across its stored pages", "[audit]") {
  // 600 visits: two full pages of 256 seqs stored apart and 88 in the list's record. Read up to
  // a position, the count and the page come from the right stored page, found by halving.
  ViewFixture f;
  Recorder rec(f);
  Seqs visits;
  rec.Add("person/cw-1", Role::COMMUNITY_WORKER, "household/h-0", Cst("2025-03-01 10:00"),
          [](Payload::Builder p) {
            auto h = p.initHouseholdRegistered();
            h.setHouseholdId("household/h-0");
            h.setEstateId("estate/e-1");
          });
  for (int i = 0; i < 600; ++i) {
    std::string id = "visit/v-" + std::to_string(i);
    visits.push_back(rec.Add("person/cw-9", Role::COMMUNITY_WORKER, id, Cst("2025-03-01 10:00"),
                             [&](Payload::Builder p) {
                               auto v = p.initHomeVisitRecorded();
                               v.setVisitId(id);
                               v.setHouseholdId("household/h-1");
                             }));
  }
  const auto& audit = f.views().audit;
  auto read = [&](uint64_t up_to, size_t offset, size_t limit, uint32_t* total) {
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::AuditView>();
    audit.ByActor("person/cw-9", offset, limit, up_to, out);
    *total = out.getTotal();
    Seqs seqs;
    for (auto entry : out.getEntries()) seqs.push_back(entry.getSeq());
    return seqs;
  };
  // Up to just before the first visit, the first visit, the first page's last and the second's
  // first, inside the second page, the last full page's last, inside the record's own, the last.
  for (size_t shown : {0, 1, 256, 257, 300, 512, 513, 599, 600}) {
    INFO("up to the " << shown << "th visit");
    uint64_t up_to = shown == 0 ? visits[0] - 1 : visits[shown - 1];
    uint32_t total = 0;
    Seqs all = read(up_to, 0, 1000, &total);
    CHECK(total == shown);
    CHECK(all == Seqs(visits.begin(), visits.begin() + static_cast<long>(shown)));
    // A page that runs past the position stops there.
    if (shown >= 10) {
      CHECK(read(up_to, shown - 4, 10, &total) ==
            Seqs(visits.begin() + static_cast<long>(shown - 4),
                 visits.begin() + static_cast<long>(shown)));
      CHECK(total == shown);
    }
    CHECK(read(up_to, shown, 10, &total).empty());
  }
}
