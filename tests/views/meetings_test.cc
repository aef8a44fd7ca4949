// Joint meetings (联席会议) and their resolutions: attendance by side, agendas pointing at
// complaints and repairs, resolutions followed up to completion, open and overdue resolutions at
// an instant, and "overdue since the last meeting" for the next meeting's report.

#include <capnp/message.h>

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "view_fixture.h"

using ledger::schema::Payload;
using ledger::schema::Side;
using testing::Cst;
using testing::ViewFixture;

namespace {

struct Attending {
  const char* person;
  Side side;
};

uint64_t HoldMeeting(ViewFixture& f, const std::string& id, const std::string& estate,
                     const char* day, const std::vector<Attending>& attendees = {}) {
  std::string at = std::string(day) + " 09:00";
  return f.Add("meeting/" + id, Cst(at.c_str()), [&](Payload::Builder p) {
    auto m = p.initJointMeetingHeld();
    m.setMeetingId(id);
    m.setEstateId(estate);
    m.setHeldOn(day);
    m.setPlace("社区会议室 (community meeting room)");
    auto list = m.initAttendees(attendees.size());
    for (size_t i = 0; i < attendees.size(); ++i) {
      list[i].setPersonId(attendees[i].person);
      list[i].setName(attendees[i].person);
      list[i].setSide(attendees[i].side);
    }
    if (id == "m-1") {
      auto agenda = m.initAgenda(2);
      agenda[0].setTitle("电梯停运投诉 (lift complaint)");
      agenda[0].initComplaintIds(1).set(0, "complaint/c-1");
      agenda[1].setTitle("屋顶漏水 (roof leak)");
      auto repairs = agenda[1].initRepairIds(2);
      repairs.set(0, "repair/r-1");
      repairs.set(1, "repair/r-2");
    }
  });
}

void FillAdoption(Payload::Builder p, const std::string& id, const std::string& meeting,
                  const std::string& estate, const char* due) {
  auto r = p.initResolutionAdopted();
  r.setResolutionId(id);
  r.setMeetingId(meeting);
  r.setEstateId(estate);
  r.setText("限期修复 (fix by the deadline)");
  r.setOwnerSide(Side::PROPERTY_COMPANY);
  r.setOwnerId("company/co-1");
  r.setDueDate(due);
}

uint64_t Adopt(ViewFixture& f, const std::string& id, const std::string& meeting,
               const std::string& estate, const char* due, int64_t at) {
  return f.Add("resolution/" + id, at,
               [&](Payload::Builder p) { FillAdoption(p, id, meeting, estate, due); });
}

uint64_t Progress(ViewFixture& f, const std::string& id, int percent, int64_t at,
                  bool completed = false) {
  return f.Add("resolution/" + id, at, [&](Payload::Builder p) {
    auto r = completed ? p.initResolutionCompleted() : p.initResolutionProgressed();
    r.setResolutionId(id);
    r.setNote(completed ? "已完成 (done)" : "进行中 (under way)");
    r.setPercent(static_cast<uint8_t>(percent));
  });
}

// The scenario shared by the tests below, estate e-1 unless said otherwise:
//   m-0 held 2025-03-01: r-4 due 2025-03-20, r-5 due 2025-04-10, both never done.
//   m-1 held 2025-04-10 with 5 attendees of 3 sides, agenda on complaint c-1 and repairs r-1/r-2:
//     r-1 due 2025-04-30: 50% on 04-20, completed 04-29 10:00.
//     r-2 due 2025-04-30: never done.
//     r-3 due 2025-05-31, no estate in the event (the meeting's applies).
//   m-9 of estate e-2 held 2025-04-12: r-9 due 2025-04-13, never done.
struct Scenario {
  uint64_t r1_completed = 0, r2_adopted = 0;
};

Scenario Build(ViewFixture& f) {
  Scenario s;
  HoldMeeting(f, "m-0", "estate/e-1", "2025-03-01");
  Adopt(f, "r-4", "m-0", "estate/e-1", "2025-03-20", Cst("2025-03-01 11:00"));
  Adopt(f, "r-5", "m-0", "estate/e-1", "2025-04-10", Cst("2025-03-01 11:00"));
  HoldMeeting(f, "m-1", "estate/e-1", "2025-04-10",
              {{"person/street-1", Side::STREET_OFFICE},
               {"person/oc-1", Side::OWNERS_COMMITTEE},
               {"person/oc-2", Side::OWNERS_COMMITTEE},
               {"person/co-1", Side::PROPERTY_COMPANY},
               {"person/co-2", Side::PROPERTY_COMPANY}});
  Adopt(f, "r-1", "m-1", "estate/e-1", "2025-04-30", Cst("2025-04-10 11:00"));
  s.r2_adopted = Adopt(f, "r-2", "m-1", "estate/e-1", "2025-04-30", Cst("2025-04-10 11:00"));
  Adopt(f, "r-3", "m-1", "", "2025-05-31", Cst("2025-04-10 11:00"));
  HoldMeeting(f, "m-9", "estate/e-2", "2025-04-12");
  Adopt(f, "r-9", "m-9", "estate/e-2", "2025-04-13", Cst("2025-04-12 11:00"));
  Progress(f, "r-1", 50, Cst("2025-04-20 15:00"));
  s.r1_completed = Progress(f, "r-1", 100, Cst("2025-04-29 10:00"), true);
  return s;
}

struct Found {
  std::string status;
  uint32_t percent = 0, days_overdue = 0;
  bool newly = false;
};

template <class List>
std::map<std::string, Found> ById(List items) {
  std::map<std::string, Found> out;
  for (auto r : items) {
    out[r.getResolutionId().cStr()] =
        Found{r.getStatus().cStr(), r.getPercent(), r.getDaysOverdue(), r.getNewlyOverdue()};
  }
  return out;
}

template <class List>
std::vector<std::string> Ids(List items) {
  std::vector<std::string> out;
  for (auto r : items) out.push_back(r.getResolutionId().cStr());
  return out;
}

projections::Filter EstateE1() {
  projections::Filter filter;
  filter.estate = "estate/e-1";
  return filter;
}

}  // namespace

TEST_CASE("a meeting lists attendance by side and its agenda", "[meetings]") {
  ViewFixture f;
  Build(f);
  projections::Filter filter = EstateE1();
  filter.from_ms = Cst("2025-04-01");
  filter.to_ms = Cst("2025-05-01");
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(filter, Cst("2025-05-02 10:00"), out);

  // Only m-1 is of e-1 and held in April (m-0 is in March, m-9 of e-2).
  REQUIRE(out.getMeetingTotal() == 1);
  auto m = out.getMeetings()[0];
  CHECK(std::string(m.getMeetingId().cStr()) == "m-1");
  CHECK(std::string(m.getHeldOn().cStr()) == "2025-04-10");
  CHECK(m.getAttendeeTotal() == 5);
  // 1 street office + 2 owners' committee + 2 property company = 5, three sides; the other four
  // sides are listed with zero.
  std::map<std::string, uint32_t> by_side;
  for (auto c : m.getBySide()) by_side[c.getSide().cStr()] = c.getCount();
  CHECK(by_side.size() == 7);
  CHECK(by_side["streetOffice"] == 1);
  CHECK(by_side["ownersCommittee"] == 2);
  CHECK(by_side["propertyCompany"] == 2);
  CHECK(by_side["communityParty"] == 0);
  CHECK(by_side["residentsCommittee"] == 0);
  CHECK(by_side["partnerUnit"] == 0);
  CHECK(by_side["residentRepresentative"] == 0);
  CHECK(std::string(m.getAttendees()[1].getSide().cStr()) == "ownersCommittee");

  REQUIRE(m.getAgenda().size() == 2);
  REQUIRE(m.getAgenda()[0].getComplaintIds().size() == 1);
  CHECK(std::string(m.getAgenda()[0].getComplaintIds()[0].cStr()) == "complaint/c-1");
  CHECK(m.getAgenda()[1].getRepairIds().size() == 2);
  std::vector<std::string> adopted;
  for (auto id : m.getResolutionIds()) adopted.push_back(id.cStr());
  CHECK(adopted == std::vector<std::string>{"r-1", "r-2", "r-3"});

  // The resolutions of the period: those adopted at m-1, by meeting then id.
  CHECK(out.getResolutionTotal() == 3);
  CHECK(Ids(out.getResolutions()) == std::vector<std::string>{"r-1", "r-2", "r-3"});
  // r-3's event names no estate: the meeting's is shown.
  CHECK(std::string(out.getResolutions()[2].getEstateId().cStr()) == "estate/e-1");
}

TEST_CASE("a resolution progressed then completed shows its history and is not overdue",
          "[meetings]") {
  ViewFixture f;
  Build(f);
  const auto& meetings = f.views().meetings;

  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::MeetingsView>();
  meetings.Query(EstateE1(), Cst("2025-05-02 10:00"), out);
  // No period: every resolution of e-1, by meeting day then id: r-4 and r-5 (m-0, 03-01), then
  // r-1, r-2, r-3 (m-1, 04-10).
  CHECK(Ids(out.getResolutions()) == std::vector<std::string>{"r-4", "r-5", "r-1", "r-2", "r-3"});
  auto r1 = out.getResolutions()[2];
  REQUIRE(std::string(r1.getResolutionId().cStr()) == "r-1");
  CHECK(std::string(r1.getStatus().cStr()) == "completed");
  CHECK(r1.getPercent() == 100);
  CHECK(r1.getCompletedAt() == Cst("2025-04-29 10:00"));
  CHECK(std::string(r1.getOwnerSide().cStr()) == "propertyCompany");
  CHECK(std::string(r1.getOwnerId().cStr()) == "company/co-1");
  CHECK(std::string(r1.getDueDate().cStr()) == "2025-04-30");
  REQUIRE(r1.getProgress().size() == 2);
  CHECK(r1.getProgress()[0].getPercent() == 50);
  CHECK(r1.getProgress()[0].getAt() == Cst("2025-04-20 15:00"));
  CHECK_FALSE(r1.getProgress()[0].getCompleted());
  CHECK(r1.getProgress()[1].getCompleted());

  // As of 2025-04-25 only the 50% step had happened: open, due in five days, not overdue.
  capnp::MallocMessageBuilder earlier_message;
  auto earlier = earlier_message.initRoot<ledger::schema::MeetingsView>();
  meetings.Query(EstateE1(), Cst("2025-04-25 12:00"), earlier);
  auto state = ById(earlier.getResolutions());
  CHECK(state["r-1"].status == "open");
  CHECK(state["r-1"].percent == 50);
  CHECK(state["r-1"].days_overdue == 0);
}

TEST_CASE("open and overdue resolutions at now", "[meetings]") {
  ViewFixture f;
  Build(f);
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(EstateE1(), Cst("2025-05-02 10:00"), out);

  // Of e-1 at 2025-05-02: r-1 completed; r-2 (due 04-30), r-4 (due 03-20) and r-5 (due 04-10)
  // are past their day; r-3 (due 05-31) is not. Open = 4, overdue = 3. r-9 is of e-2.
  CHECK(out.getOpenCount() == 4);
  CHECK(out.getOverdueCount() == 3);
  // By due date: r-4 (03-20), r-5 (04-10), r-2 (04-30), r-3 (05-31).
  CHECK(Ids(out.getOpen()) == std::vector<std::string>{"r-4", "r-5", "r-2", "r-3"});
  auto state = ById(out.getOpen());
  // Overdue = the local day of now is after the due day: 05-02 - 04-30 = 2 days.
  CHECK(state["r-2"].status == "overdue");
  CHECK(state["r-2"].days_overdue == 2);
  CHECK(state["r-3"].status == "open");
  // 05-02 - 03-20 = 11 days of March + 30 of April + 2 of May = 43 days.
  CHECK(state["r-4"].days_overdue == 43);
  CHECK(out.getOpen()[2].getOverdueFrom() == Cst("2025-05-01 00:00"));

  // On the due day itself a resolution is not overdue, even at 23:59.
  capnp::MallocMessageBuilder due_day_message;
  auto due_day = due_day_message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(EstateE1(), Cst("2025-04-30 23:59"), due_day);
  CHECK(ById(due_day.getOpen())["r-2"].status == "open");

  // Narrowed by status: the overdue ones among m-1's resolutions (no period: m-0's too).
  projections::Filter overdue_only = EstateE1();
  overdue_only.status = "overdue";
  capnp::MallocMessageBuilder narrowed_message;
  auto narrowed = narrowed_message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(overdue_only, Cst("2025-05-02 10:00"), narrowed);
  CHECK(Ids(narrowed.getResolutions()) == std::vector<std::string>{"r-4", "r-5", "r-2"});
}

TEST_CASE("the report lists resolutions open and overdue since the last meeting", "[meetings]") {
  ViewFixture f;
  Build(f);
  // The next meeting is held on 2025-05-20 and is itself recorded that morning: it is not
  // "before" the report's day.
  HoldMeeting(f, "m-2", "estate/e-1", "2025-05-20");
  const auto& meetings = f.views().meetings;
  int64_t now = Cst("2025-05-20 09:30");

  auto last = meetings.LastMeetingBefore("estate/e-1", now);
  REQUIRE(last.has_value());
  CHECK(last->meeting_id == "m-1");
  CHECK(last->held_on == "2025-04-10");
  CHECK(last->day_end_ms == Cst("2025-04-11 00:00"));
  CHECK_FALSE(meetings.LastMeetingBefore("estate/e-1", Cst("2025-03-01 23:00")).has_value());
  CHECK(meetings.LastMeetingBefore("estate/e-2", now)->meeting_id == "m-9");

  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::OpenResolutions>();
  meetings.OpenResolutions("estate/e-1", last->day_end_ms, now, out);
  // Open at 05-20: r-2, r-3, r-4, r-5 (r-1 completed). Overdue: r-2 (from 05-01), r-4 (from
  // 03-21), r-5 (from 04-11); r-3 is due 05-31. Since the end of m-1's day (04-11 00:00):
  // r-2 (05-01 >= 04-11) and r-5 (04-11 >= 04-11, due on the meeting day itself) became overdue;
  // r-4 was already overdue at m-1.
  CHECK(out.getOpenCount() == 4);
  CHECK(out.getOverdueCount() == 3);
  CHECK(out.getNewlyOverdueCount() == 2);
  auto state = ById(out.getItems());
  CHECK(state["r-2"].newly);
  CHECK(state["r-5"].newly);
  CHECK_FALSE(state["r-4"].newly);
  CHECK_FALSE(state["r-3"].newly);
  CHECK(state["r-3"].status == "open");
}

TEST_CASE("voiding a completion reopens a resolution and a replacement moves its deadline",
          "[meetings]") {
  ViewFixture f;
  Scenario s = Build(f);
  int64_t now = Cst("2025-05-02 10:00");
  f.Void(s.r1_completed);
  // r-2 was adopted with due 04-30; a replacement says 05-10.
  f.Add("correction/" + std::to_string(s.r2_adopted), 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(s.r2_adopted);
    c.setReason("due date mistyped");
    FillAdoption(c.getAction().initReplacement(), "r-2", "m-1", "estate/e-1", "2025-05-10");
  });

  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(EstateE1(), now, out);
  auto state = ById(out.getOpen());
  // r-1: the 50% step remains, the completion is gone; due 04-30, so 2 days overdue.
  CHECK(state["r-1"].status == "overdue");
  CHECK(state["r-1"].percent == 50);
  CHECK(state["r-1"].days_overdue == 2);
  // r-2 now due 05-10: open, not overdue.
  CHECK(state["r-2"].status == "open");
  // Open: r-1, r-2, r-3, r-4, r-5 = 5; overdue: r-1, r-4, r-5 = 3.
  CHECK(out.getOpenCount() == 5);
  CHECK(out.getOverdueCount() == 3);

  // Voiding r-2's adoption (now the replacement) takes it out of every list.
  f.Void(s.r2_adopted);
  capnp::MallocMessageBuilder after_message;
  auto after = after_message.initRoot<ledger::schema::MeetingsView>();
  f.views().meetings.Query(EstateE1(), now, after);
  CHECK(after.getOpenCount() == 4);
  CHECK(ById(after.getOpen()).count("r-2") == 0);

  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

// An estate's resolutions are read through its meetings where they name no estate of their own:
// one adopted before its meeting is on record belongs to no estate until the meeting is, and
// leaves the estate again when the meeting is voided.
TEST_CASE("a resolution naming no estate follows its meeting in and out of the estate",
          "[meetings]") {
  ViewFixture f;
  Build(f);
  const int64_t now = Cst("2025-05-02 10:00");
  auto open_of = [&](const std::string& estate) {
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::MeetingsView>();
    projections::Filter filter;
    filter.estate = estate;
    f.views().meetings.Query(filter, now, out);
    std::vector<std::string> ids = Ids(out.getOpen());
    // The report's list of open resolutions says the same.
    capnp::MallocMessageBuilder report_message;
    auto report = report_message.initRoot<ledger::schema::OpenResolutions>();
    f.views().meetings.OpenResolutions(estate, 0, now, report);
    CHECK(Ids(report.getItems()) == ids);
    return ids;
  };
  Adopt(f, "r-x", "m-late", "", "2025-06-30", Cst("2025-04-20 11:00"));
  CHECK(open_of("estate/e-2") == std::vector<std::string>{"r-9"});
  uint64_t held = HoldMeeting(f, "m-late", "estate/e-2", "2025-04-20");
  // By due date: r-9 (04-13), r-x (06-30).
  CHECK(open_of("estate/e-2") == std::vector<std::string>{"r-9", "r-x"});
  CHECK(open_of("estate/e-1") == std::vector<std::string>{"r-4", "r-5", "r-2", "r-3"});
  // The last meeting of e-2 before 05-01 is now m-late (04-20), not m-9 (04-12).
  CHECK(f.views().meetings.LastMeetingBefore("estate/e-2", Cst("2025-05-01 09:00"))->meeting_id ==
        "m-late");
  f.Void(held);
  CHECK(open_of("estate/e-2") == std::vector<std::string>{"r-9"});
  CHECK(f.views().meetings.LastMeetingBefore("estate/e-2", Cst("2025-05-01 09:00"))->meeting_id ==
        "m-9");
}
