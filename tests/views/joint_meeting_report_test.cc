// The joint-meeting report (联席会议报告) for one estate over March 2025, worked by hand.

#include "projections/reports/joint_meeting.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "view_fixture.h"

using ledger::schema::Channel;
using ledger::schema::Payload;
using ledger::schema::Satisfaction;
using ledger::schema::Side;
using ledger::schema::VisitReason;
using testing::Cst;
using testing::ViewFixture;

namespace {

const std::string kEstate = "estate/ls-01";
const std::string kOther = "estate/qs-02";

void Setup(ViewFixture& f, int64_t at) {
  f.Add("policy/repair-time-limits", at, [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("repair-time-limits");
    a.setVersion(1);
    a.setEffectiveFrom("2024-01-01");
    auto limits = a.getRules().initRepairTimeLimits(2);
    limits[0].setCategory("water");  // 12 h, or 08:00 the next morning, whichever is later
    limits[0].setHours(12);
    limits[0].setNextMorningHour(8);
    limits[1].setCategory("electricity");  // 24 h
    limits[1].setHours(24);
  });
  f.Add("policy/timebank", at, [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("timebank");
    a.setVersion(1);
    a.setEffectiveFrom("2025-01-01");
    a.getRules().initTimeBank().setPointsPerHourCenti(100);  // one point an hour
  });
  // The bindings are copied into the lambdas by name: C++20 (and clang 14) cannot capture a
  // structured binding implicitly.
  for (auto [id, name] : {std::pair{kEstate, "丽水小区"}, std::pair{kOther, "青山小区"}}) {
    f.Add(id, at, [&, id = id, name = name](Payload::Builder p) {
      auto e = p.initEstateRegistered();
      e.setEstateId(id);
      e.setName(name);
      e.setHouseholdCount(120);
    });
  }
  for (auto [id, name] : {std::pair{"company/hs", "和顺物业"}, std::pair{"company/xf", "幸福物业"},
                          std::pair{"company/qs", "青山物业"}}) {
    f.Add(id, at, [&, id = id, name = name](Payload::Builder p) {
      auto c = p.initCompanyRegistered();
      c.setCompanyId(id);
      c.setName(name);
    });
  }
  auto contract = [&](const std::string& estate, const std::string& company, const char* start) {
    f.Add("contract/" + estate, at, [&](Payload::Builder p) {
      auto c = p.initServiceContractStarted();
      c.setContractId("contract/" + estate + "/" + company);
      c.setEstateId(estate);
      c.setCompanyId(company);
      c.setStartDate(start);
    });
  };
  // ls-01 changes hands in the middle of March: 和顺 serves to the 15th, 幸福 from the 16th.
  contract(kEstate, "company/hs", "2024-01-01");
  f.Add("contract/" + kEstate, at, [&](Payload::Builder p) {
    auto c = p.initServiceContractEnded();
    c.setContractId("contract/" + kEstate + "/company/hs");
    c.setEstateId(kEstate);
    c.setCompanyId("company/hs");
    c.setEndDate("2025-03-15");
  });
  contract(kEstate, "company/xf", "2025-03-16");
  contract(kOther, "company/qs", "2024-01-01");
  for (auto [id, estate] :
       {std::pair{"household/h-1", kEstate}, std::pair{"household/h-2", kEstate},
        std::pair{"household/h-9", kOther}}) {
    f.Add(id, at, [&, id = id, estate = estate](Payload::Builder p) {
      auto h = p.initHouseholdRegistered();
      h.setHouseholdId(id);
      h.setEstateId(estate);
    });
  }
  for (auto [id, party] : {std::pair{"person/p-1", true}, std::pair{"person/p-2", false}}) {
    f.Add(id, at, [&, id = id, party = party](Payload::Builder p) {
      auto r = p.initPersonRegistered();
      r.setPersonId(id);
      r.setName(id);
      r.setPartyMember(party);
    });
  }
}

uint64_t File(ViewFixture& f, const std::string& id, const std::string& estate,
              const std::string& category, Channel channel, int64_t at) {
  return f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(id);
    c.setEstateId(estate);
    c.setCategory(category);
    c.setChannel(channel);
    c.setSummary("投诉 " + id);
  });
}

enum class Step { kAcknowledge, kReply, kResolve, kReopen, kEscalate };

uint64_t ComplaintStep(ViewFixture& f, const std::string& id, Step step, int64_t at) {
  return f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    switch (step) {
      case Step::kAcknowledge:
        p.initComplaintAcknowledged().setComplaintId(id);
        break;
      case Step::kReply: {
        auto r = p.initComplaintReplied();
        r.setComplaintId(id);
        r.setReply("已安排处理 (being dealt with)");
        break;
      }
      case Step::kResolve:
        p.initComplaintResolved().setComplaintId(id);
        break;
      case Step::kReopen:
        p.initComplaintReopened().setComplaintId(id);
        break;
      case Step::kEscalate: {
        auto r = p.initComplaintEscalated();
        r.setComplaintId(id);
        r.setMeetingId("meeting/apr");
        break;
      }
    }
  });
}

void ComplaintFollowUp(ViewFixture& f, const std::string& id, Satisfaction s, int64_t at) {
  f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    auto r = p.initFollowUpRecorded();
    r.getSubject().setComplaintId(id);
    r.setSatisfaction(s);
  });
}

void RequestRepair(ViewFixture& f, const std::string& id, const std::string& estate,
                   const std::string& category, int64_t at) {
  f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto r = p.initRepairRequested();
    r.setRepairId(id);
    r.setEstateId(estate);
    r.setCategory(category);
  });
}

void DispatchRepair(ViewFixture& f, const std::string& id, int64_t at) {
  f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto r = p.initRepairDispatched();
    r.setRepairId(id);
    r.setWorkerId("person/worker-1");
  });
}

uint64_t CompleteRepair(ViewFixture& f, const std::string& id, int64_t at) {
  return f.Add("repair/" + id, at,
               [&](Payload::Builder p) { p.initRepairCompleted().setRepairId(id); });
}

void Claim(ViewFixture& f, const std::string& id, const std::string& person,
           const std::string& estate, uint32_t minutes, const char* service_date, int64_t at) {
  f.Add("claim/" + id, at, [&](Payload::Builder p) {
    auto c = p.initVolunteerHoursClaimed();
    c.setClaimId(id);
    c.setPersonId(person);
    c.setEstateId(estate);
    c.setMinutes(minutes);
    c.setActivity("楼道清扫 (sweeping the stairwell)");
    c.setServiceDate(service_date);
  });
}

void Decide(ViewFixture& f, const std::string& id, bool verified, int64_t at) {
  f.Add("claim/" + id, at, [&](Payload::Builder p) {
    (verified ? p.initVolunteerHoursVerified() : p.initVolunteerHoursRejected()).setClaimId(id);
  });
}

void RaiseObligation(ViewFixture& f, const std::string& id, const std::string& household,
                     VisitReason reason, const char* due_by, int64_t at) {
  f.Add("obligation/" + id, at, [&](Payload::Builder p) {
    auto o = p.initVisitObligationRaised();
    o.setObligationId(id);
    o.setHouseholdId(household);
    o.setReason(reason);
    o.setDueBy(due_by);
  });
}

void Visit(ViewFixture& f, const std::string& id, const std::string& household,
           const std::string& obligation, int64_t at) {
  f.Add("visit/" + id, at, [&](Payload::Builder p) {
    auto v = p.initHomeVisitRecorded();
    v.setVisitId(id);
    v.setHouseholdId(household);
    v.setTeam("红色服务队 (red service team)");
    v.initObligationIds(1).set(0, obligation);
    v.initServices(1).set(0, "燃气安全检查 (gas safety check)");
  });
}

void Meeting(ViewFixture& f, const std::string& id, const std::string& estate, const char* day) {
  f.Add("meeting/" + id, Cst((std::string(day) + " 09:00").c_str()), [&](Payload::Builder p) {
    auto m = p.initJointMeetingHeld();
    m.setMeetingId(id);
    m.setEstateId(estate);
    m.setHeldOn(day);
    auto attendees = m.initAttendees(3);
    attendees[0].setName("街道 王");
    attendees[0].setSide(Side::STREET_OFFICE);
    attendees[1].setName("业委会 李");
    attendees[1].setSide(Side::OWNERS_COMMITTEE);
    attendees[2].setName("物业 张");
    attendees[2].setSide(Side::PROPERTY_COMPANY);
  });
}

void Adopt(ViewFixture& f, const std::string& id, const std::string& meeting,
           const std::string& estate, const char* due, int64_t at) {
  f.Add("resolution/" + id, at, [&](Payload::Builder p) {
    auto r = p.initResolutionAdopted();
    r.setResolutionId(id);
    r.setMeetingId(meeting);
    r.setEstateId(estate);
    r.setText("限期整改 (put right by the due date)");
    r.setOwnerSide(Side::PROPERTY_COMPANY);
    r.setDueDate(due);
  });
}

void CompleteResolution(ViewFixture& f, const std::string& id, int64_t at) {
  f.Add("resolution/" + id, at, [&](Payload::Builder p) {
    auto r = p.initResolutionCompleted();
    r.setResolutionId(id);
    r.setPercent(100);
  });
}

// The scenario, estate ls-01 unless said otherwise; qs-02 is the other estate, whose events must
// stay out of ls-01's report. Times are China Standard Time.
//
// Before March:
//   c-0  filed 02-20 (噪音, hotline), never resolved.
//   r-0  water requested 02-25 10:00, deadline max(22:00, 02-26 08:00) = 02-26 08:00, never done.
//   k-0  p-1 60 min served 02-27, verified 02-28.
//   m-jan held 01-15: res-0 due 01-31, never done.
//   m-feb held 02-20: res-1 due 02-28 never done; res-2 due 03-15 completed 03-10;
//                     res-4 due 03-20 completed 04-03.
// March:
//   c-1  03-03 09:00 环境卫生 hotline: acknowledged +2 h, replied +24 h, resolved +48 h;
//        follow-up satisfied.
//   c-2  03-10 20:00 噪音 wechatGroup: acknowledged +12 h, resolved 03-12 20:00, reopened 03-15,
//        resolved again 03-18 20:00 (+192 h); follow-up dissatisfied.
//   c-3  03-25 09:00 环境卫生 wechatGroup: acknowledged +1 h, escalated 03-28; resolved only on
//        04-03, follow-up satisfied 04-04.
//   r-1  water 03-04 10:00, deadline 03-05 08:00, completed 03-04 18:00: met.
//   r-2  electricity 03-10 09:00, deadline 03-11 09:00, completed 03-12 09:00: late.
//   r-3  electricity 03-20 14:00, deadline 03-21 14:00, dispatched 03-20, completed only 04-02.
//   r-4  water 03-31 22:00, deadline max(04-01 10:00, 04-01 08:00) = 04-01 10:00, completed
//        04-01 09:00: still within its limit at the end of March.
//   k-1  p-1 (party member) 90 min served 03-08, verified 03-09.
//   k-2  p-2 60 min served 03-15, rejected 03-16.
//   k-3  p-2 30 min served 03-29, verified only 04-02.
//   k-4  p-1 45 min served 03-30, claimed only 04-01 10:00.
//   o-1  h-1 hospital, raised 03-05, due 03-12, visited 03-08 (v-1): met.
//   o-2  h-2 hardship, raised 03-10, due 03-20, visited only 04-02 (v-2): missed.
//   m-mar held 03-25: res-3 due 04-15.
// qs-02 in March: c-9 filed, r-9 electricity 03-05 never done, k-9 120 min verified, o-9 met by
//   v-9, m-9 held 03-12 with res-9 due 03-15.
struct Scenario {
  ViewFixture f;
  int64_t from = Cst("2025-03-01 00:00");
  int64_t to = Cst("2025-04-01 00:00");
  uint64_t before_c3 = 0;     // the last event before c-3 was filed
  uint64_t end_of_march = 0;  // the last event that happened in March
  uint64_t c1_resolved = 0, r2_completed = 0;

  Scenario() {
    Setup(f, Cst("2024-12-01 09:00"));

    Meeting(f, "meeting/jan", kEstate, "2025-01-15");
    Adopt(f, "res-0", "meeting/jan", kEstate, "2025-01-31", Cst("2025-01-15 11:00"));
    Meeting(f, "meeting/feb", kEstate, "2025-02-20");
    Adopt(f, "res-1", "meeting/feb", kEstate, "2025-02-28", Cst("2025-02-20 11:00"));
    Adopt(f, "res-2", "meeting/feb", kEstate, "2025-03-15", Cst("2025-02-20 11:00"));
    Adopt(f, "res-4", "meeting/feb", kEstate, "2025-03-20", Cst("2025-02-20 11:00"));
    File(f, "c-0", kEstate, "噪音", Channel::HOTLINE, Cst("2025-02-20 10:00"));
    RequestRepair(f, "r-0", kEstate, "water", Cst("2025-02-25 10:00"));
    Claim(f, "k-0", "person/p-1", kEstate, 60, "2025-02-27", Cst("2025-02-27 18:00"));
    Decide(f, "k-0", true, Cst("2025-02-28 10:00"));

    File(f, "c-1", kEstate, "环境卫生", Channel::HOTLINE, Cst("2025-03-03 09:00"));
    ComplaintStep(f, "c-1", Step::kAcknowledge, Cst("2025-03-03 11:00"));
    ComplaintStep(f, "c-1", Step::kReply, Cst("2025-03-04 09:00"));
    c1_resolved = ComplaintStep(f, "c-1", Step::kResolve, Cst("2025-03-05 09:00"));
    ComplaintFollowUp(f, "c-1", Satisfaction::SATISFIED, Cst("2025-03-06 10:00"));
    File(f, "c-2", kEstate, "噪音", Channel::WECHAT_GROUP, Cst("2025-03-10 20:00"));
    ComplaintStep(f, "c-2", Step::kAcknowledge, Cst("2025-03-11 08:00"));
    ComplaintStep(f, "c-2", Step::kResolve, Cst("2025-03-12 20:00"));
    ComplaintStep(f, "c-2", Step::kReopen, Cst("2025-03-15 09:00"));
    ComplaintStep(f, "c-2", Step::kResolve, Cst("2025-03-18 20:00"));
    ComplaintFollowUp(f, "c-2", Satisfaction::DISSATISFIED, Cst("2025-03-19 10:00"));
    before_c3 = f.log().Head().seq;
    File(f, "c-3", kEstate, "环境卫生", Channel::WECHAT_GROUP, Cst("2025-03-25 09:00"));
    ComplaintStep(f, "c-3", Step::kAcknowledge, Cst("2025-03-25 10:00"));
    ComplaintStep(f, "c-3", Step::kEscalate, Cst("2025-03-28 10:00"));
    File(f, "c-9", kOther, "环境卫生", Channel::HOTLINE, Cst("2025-03-05 09:00"));

    RequestRepair(f, "r-1", kEstate, "water", Cst("2025-03-04 10:00"));
    CompleteRepair(f, "r-1", Cst("2025-03-04 18:00"));
    RequestRepair(f, "r-2", kEstate, "electricity", Cst("2025-03-10 09:00"));
    r2_completed = CompleteRepair(f, "r-2", Cst("2025-03-12 09:00"));
    RequestRepair(f, "r-3", kEstate, "electricity", Cst("2025-03-20 14:00"));
    DispatchRepair(f, "r-3", Cst("2025-03-20 15:00"));
    RequestRepair(f, "r-4", kEstate, "water", Cst("2025-03-31 22:00"));
    RequestRepair(f, "r-9", kOther, "electricity", Cst("2025-03-05 09:00"));

    Claim(f, "k-1", "person/p-1", kEstate, 90, "2025-03-08", Cst("2025-03-08 18:00"));
    Decide(f, "k-1", true, Cst("2025-03-09 10:00"));
    Claim(f, "k-2", "person/p-2", kEstate, 60, "2025-03-15", Cst("2025-03-15 18:00"));
    Decide(f, "k-2", false, Cst("2025-03-16 10:00"));
    Claim(f, "k-3", "person/p-2", kEstate, 30, "2025-03-29", Cst("2025-03-29 18:00"));
    Claim(f, "k-9", "person/p-1", kOther, 120, "2025-03-10", Cst("2025-03-10 18:00"));
    Decide(f, "k-9", true, Cst("2025-03-11 10:00"));

    RaiseObligation(f, "o-1", "household/h-1", VisitReason::HOSPITAL, "2025-03-12",
                    Cst("2025-03-05 10:00"));
    Visit(f, "v-1", "household/h-1", "o-1", Cst("2025-03-08 15:00"));
    RaiseObligation(f, "o-2", "household/h-2", VisitReason::HARDSHIP, "2025-03-20",
                    Cst("2025-03-10 10:00"));
    RaiseObligation(f, "o-9", "household/h-9", VisitReason::HOSPITAL, "2025-03-13",
                    Cst("2025-03-06 10:00"));
    Visit(f, "v-9", "household/h-9", "o-9", Cst("2025-03-07 15:00"));

    CompleteResolution(f, "res-2", Cst("2025-03-10 10:00"));
    Meeting(f, "meeting/mar", kEstate, "2025-03-25");
    Adopt(f, "res-3", "meeting/mar", kEstate, "2025-04-15", Cst("2025-03-25 11:00"));
    Meeting(f, "meeting/qs-mar", kOther, "2025-03-12");
    Adopt(f, "res-9", "meeting/qs-mar", kOther, "2025-03-15", Cst("2025-03-12 11:00"));
    end_of_march = f.log().Head().seq;

    // April: what happened after the period must not change the March report.
    CompleteRepair(f, "r-4", Cst("2025-04-01 09:00"));
    Claim(f, "k-4", "person/p-1", kEstate, 45, "2025-03-30", Cst("2025-04-01 10:00"));
    CompleteRepair(f, "r-3", Cst("2025-04-02 10:00"));
    Decide(f, "k-3", true, Cst("2025-04-02 10:00"));
    Visit(f, "v-2", "household/h-2", "o-2", Cst("2025-04-02 15:00"));
    ComplaintStep(f, "c-3", Step::kResolve, Cst("2025-04-03 09:00"));
    CompleteResolution(f, "res-4", Cst("2025-04-03 10:00"));
    ComplaintFollowUp(f, "c-3", Satisfaction::SATISFIED, Cst("2025-04-04 10:00"));
    File(f, "c-5", kEstate, "噪音", Channel::HOTLINE, Cst("2025-04-02 09:00"));
  }
};

struct Report {
  capnp::MallocMessageBuilder message;
  ledger::schema::JointMeetingReport::Reader r;
};

std::unique_ptr<Report> Compute(const projections::ViewSet& views, const std::string& estate,
                                int64_t from, int64_t to) {
  auto report = std::make_unique<Report>();
  auto out = report->message.initRoot<ledger::schema::JointMeetingReport>();
  projections::ComputeJointMeetingReport(views, estate, from, to, out);
  report->r = out.asReader();
  return report;
}

std::string Str(capnp::Text::Reader t) { return t.cStr(); }

template <class List>
uint32_t CountOf(List list, const std::string& key) {
  for (auto c : list) {
    if (Str(c.getKey()) == key) return c.getCount();
  }
  return 0;
}

template <class Reader>
std::string Text(Reader reader) {
  return kj::str(reader).cStr();
}

template <class List>
std::string ListText(List list) {
  std::string text;
  for (auto item : list) text += Text(item) + "\n";
  return text;
}

}  // namespace

TEST_CASE("the March report of an estate worked by hand", "[joint_meeting]") {
  Scenario s;
  const projections::ViewSet& views = s.f.views();
  auto report = Compute(views, kEstate, s.from, s.to);
  auto r = report->r;
  INFO(Text(r));

  SECTION("stamps") {
    CHECK(Str(r.getEstateId()) == kEstate);
    CHECK(Str(r.getEstateName()) == "丽水小区");
    // 和顺 served to 03-15; on the last day, 03-31, 幸福 did.
    CHECK(Str(r.getCompanyId()) == "company/xf");
    CHECK(Str(r.getCompanyName()) == "幸福物业");
    CHECK(r.getPeriodFrom() == s.from);
    CHECK(r.getPeriodTo() == s.to);
    CHECK(r.getNow() == s.to);
    CHECK(Str(r.getFirstDay()) == "2025-03-01");
    CHECK(Str(r.getLastDay()) == "2025-03-31");
    CHECK(r.getPositionSeq() == views.position().seq);
    CHECK(Str(r.getPositionHash()) == ledger::ToHex(views.position().hash));
    CHECK(r.getNotes().size() == 0);
  }

  SECTION("complaints") {
    auto c = r.getComplaints();
    // Filed in March: c-1, c-2, c-3 (c-0 in February, c-5 in April, c-9 elsewhere).
    CHECK(c.getFiled() == 3);
    // c-3 was resolved on 04-03: unresolved at the end of March.
    CHECK(c.getUnresolved() == 1);
    CHECK(c.getResolved() == 2);
    CHECK(c.getEscalated() == 1);  // c-3
    CHECK(c.getReopened() == 1);   // c-2
    CHECK(CountOf(c.getByCategory(), "环境卫生") == 2);
    CHECK(CountOf(c.getByCategory(), "噪音") == 1);
    CHECK(c.getByCategory().size() == 2);
    CHECK(CountOf(c.getByChannel(), "hotline") == 1);
    CHECK(CountOf(c.getByChannel(), "wechatGroup") == 2);
    CHECK(c.getByChannel().size() == 2);
    CHECK(CountOf(c.getByStatus(), "resolved") == 2);
    CHECK(CountOf(c.getByStatus(), "acknowledged") == 1);  // c-3 as it stood on 03-31
    // Acknowledged after 2, 12 and 1 h: mean 15 / 3 = 5, median 2.
    CHECK(c.getToAcknowledge().getCount() == 3);
    CHECK(c.getToAcknowledge().getAverageHours() == Approx(5));
    CHECK(c.getToAcknowledge().getMedianHours() == Approx(2));
    // Only c-1 was replied to: 24 h.
    CHECK(c.getToReply().getCount() == 1);
    CHECK(c.getToReply().getAverageHours() == Approx(24));
    // Resolved: c-1 after 48 h, c-2 finally after 192 h (03-10 20:00 to 03-18 20:00); c-3 not
    // by the end of March. Mean (48 + 192) / 2 = 120 = median.
    CHECK(c.getToResolve().getCount() == 2);
    CHECK(c.getToResolve().getAverageHours() == Approx(120));
    CHECK(c.getToResolve().getMedianHours() == Approx(120));
    // Follow-ups by 03-31: c-1 satisfied, c-2 dissatisfied; c-3's on 04-04 is left out.
    // (satisfied + basically) / answered = 1 / 2.
    CHECK(CountOf(c.getSatisfaction(), "satisfied") == 1);
    CHECK(CountOf(c.getSatisfaction(), "dissatisfied") == 1);
    CHECK(c.getFollowUpSatisfaction().getNumerator() == 1);
    CHECK(c.getFollowUpSatisfaction().getDenominator() == 2);
    CHECK(c.getFollowUpSatisfaction().getRate() == Approx(0.5));
    CHECK(c.getFollowUpSatisfaction().getDefined());
    // c-3's resolution and its follow-up happened in April.
    CHECK(c.getLaterStepsLeftOut() == 2);
    // Unresolved at the end of March, oldest first: c-0 (from February) and c-3.
    auto items = c.getUnresolvedItems();
    REQUIRE(items.size() == 2);
    CHECK(Str(items[0].getComplaintId()) == "c-0");
    CHECK(Str(items[1].getComplaintId()) == "c-3");
    CHECK(Str(items[1].getStatus()) == "acknowledged");
    CHECK(items[1].getResolvedAt() == 0);
    CHECK(items[1].getEscalated());
    CHECK(Str(items[1].getSatisfaction()) == "");
    CHECK(c.getUnresolvedFiledEarlier() == 1);
  }

  SECTION("repairs") {
    auto rep = r.getRepairs();
    // Requested in March: r-1, r-2, r-3, r-4. Completed by 03-31: r-1, r-2.
    CHECK(rep.getRequested() == 4);
    CHECK(rep.getCompleted() == 2);
    CHECK(rep.getOpen() == 2);
    // met r-1, late r-2, overdue r-3 (its completion on 04-02 is left out), pending r-4.
    // Rate = met / (met + late + overdue) = 1 / 3.
    auto c = rep.getCompliance();
    CHECK(c.getTotal() == 4);
    CHECK(c.getMet() == 1);
    CHECK(c.getLate() == 1);
    CHECK(c.getOverdue() == 1);
    CHECK(c.getPending() == 1);
    CHECK(c.getNoLimit() == 0);
    CHECK(c.getDenominator() == 3);
    CHECK(c.getRate() == Approx(1.0 / 3));
    // By category: electricity r-2 late + r-3 overdue, 0 / 2; water r-1 met, r-4 pending, 1 / 1.
    auto by = rep.getByCategory();
    REQUIRE(by.size() == 2);
    CHECK(Str(by[0].getKey()) == "electricity");
    CHECK(by[0].getTotal() == 2);
    CHECK(by[0].getLate() == 1);
    CHECK(by[0].getOverdue() == 1);
    CHECK(by[0].getDenominator() == 2);
    CHECK(by[0].getRate() == Approx(0));
    CHECK(Str(by[1].getKey()) == "water");
    CHECK(by[1].getTotal() == 2);
    CHECK(by[1].getMet() == 1);
    CHECK(by[1].getPending() == 1);
    CHECK(by[1].getDenominator() == 1);
    CHECK(by[1].getRate() == Approx(1));
    // Overdue at the end of March, oldest first: r-0 (February) and r-3; not r-9 (qs-02).
    CHECK(rep.getOverdueCount() == 2);
    CHECK(rep.getOverdueRequestedEarlier() == 1);
    auto overdue = rep.getOverdue();
    REQUIRE(overdue.size() == 2);
    CHECK(Str(overdue[0].getRepairId()) == "r-0");
    // 02-26 08:00 to 03-01 00:00 is 64 h, and March has 31 × 24 = 744: 808 h past.
    CHECK(overdue[0].getHoursPastDeadline() == Approx(808));
    CHECK(Str(overdue[1].getRepairId()) == "r-3");
    CHECK(Str(overdue[1].getStatus()) == "overdue");
    CHECK(overdue[1].getCompletedAt() == 0);
    CHECK(overdue[1].getDispatchedAt() == Cst("2025-03-20 15:00"));
    // 03-21 14:00 to 04-01 00:00: 10 + 10 × 24 = 250 h.
    CHECK(overdue[1].getHoursPastDeadline() == Approx(250));
    // r-3's and r-4's completions happened in April.
    CHECK(rep.getLaterStepsLeftOut() == 2);
  }

  SECTION("visits") {
    auto v = r.getVisits();
    // v-1 on 03-08; v-2 on 04-02 is outside the period; v-9 is qs-02's.
    CHECK(v.getVisitCount() == 1);
    REQUIRE(v.getVisits().size() == 1);
    CHECK(Str(v.getVisits()[0].getVisitId()) == "v-1");
    // o-1 met by v-1; o-2's window closed on 03-20 without a visit (v-2 came on 04-02).
    // met / (met + missed) = 1 / 2.
    CHECK(v.getObligationCount() == 2);
    CHECK(v.getCompliance().getMet() == 1);
    CHECK(v.getCompliance().getMissed() == 1);
    CHECK(v.getCompliance().getDue() == 0);
    CHECK(v.getCompliance().getDenominator() == 2);
    CHECK(v.getCompliance().getRate() == Approx(0.5));
    CHECK(v.getNow() == s.to);
  }

  SECTION("volunteering") {
    auto vol = r.getVolunteering();
    // Served in March and claimed by 03-31: k-1 (90), k-2 (60), k-3 (30) = 3 claims, 180 min.
    CHECK(vol.getClaimed().getClaims() == 3);
    CHECK(vol.getClaimed().getMinutes() == 180);
    CHECK(vol.getClaimed().getHours() == Approx(3));
    auto h = vol.getHours();
    CHECK(h.getVerified().getClaims() == 1);
    CHECK(h.getVerified().getMinutes() == 90);
    CHECK(h.getVerified().getHours() == Approx(1.5));
    CHECK(h.getRejected().getClaims() == 1);
    CHECK(h.getRejected().getMinutes() == 60);
    // k-3 was verified only on 04-02: pending at the end of March.
    CHECK(h.getPending().getClaims() == 1);
    CHECK(h.getPending().getMinutes() == 30);
    // 90 min × 100 centipoints an hour / 60 = 150.
    CHECK(h.getPointsEarnedCenti() == 150);
    CHECK(h.getVolunteers() == 1);
    // k-1 is p-1's, a party member.
    CHECK(vol.getPartyMembers().getVerified().getMinutes() == 90);
    CHECK(vol.getPartyMembers().getRejected().getClaims() == 0);
    CHECK(vol.getDecisionsLeftOut() == 1);  // k-3's verification
    CHECK(vol.getClaimsLeftOut() == 1);     // k-4, claimed 04-01
    CHECK(vol.getUnpricedVerified() == 0);
  }

  SECTION("resolutions and meetings") {
    auto res = r.getResolutions();
    // The last meeting before March: meeting/feb on 02-20, so since = 02-21 00:00.
    CHECK(Str(res.getLastMeetingId()) == "meeting/feb");
    CHECK(Str(res.getLastMeetingHeldOn()) == "2025-02-20");
    auto open = res.getOpen();
    CHECK(open.getSince() == Cst("2025-02-21 00:00"));
    CHECK(open.getNow() == s.to);
    // Open on 03-31: res-0, res-1, res-4 (completed only 04-03) and res-3; res-2 was done.
    // Overdue: res-0 (from 02-01), res-1 (from 03-01), res-4 (from 03-21); res-3 is due 04-15.
    // Newly overdue since 02-21: res-1 and res-4.
    CHECK(open.getOpenCount() == 4);
    CHECK(open.getOverdueCount() == 3);
    CHECK(open.getNewlyOverdueCount() == 2);
    REQUIRE(open.getItems().size() == 4);
    // By due date: res-0 (01-31), res-1 (02-28), res-4 (03-20), res-3 (04-15).
    CHECK(Str(open.getItems()[0].getResolutionId()) == "res-0");
    CHECK_FALSE(open.getItems()[0].getNewlyOverdue());
    CHECK(open.getItems()[0].getDaysOverdue() == 60);  // 01-31 to 04-01: 28 + 31 + 1
    CHECK(Str(open.getItems()[1].getResolutionId()) == "res-1");
    CHECK(open.getItems()[1].getNewlyOverdue());
    CHECK(open.getItems()[1].getDaysOverdue() == 32);  // 02-28 to 04-01: 31 + 1
    CHECK(Str(open.getItems()[2].getResolutionId()) == "res-4");
    CHECK(open.getItems()[2].getNewlyOverdue());
    CHECK(open.getItems()[2].getDaysOverdue() == 12);  // 03-20 to 04-01
    CHECK(Str(open.getItems()[3].getResolutionId()) == "res-3");
    CHECK(Str(open.getItems()[3].getStatus()) == "open");

    auto m = r.getMeetings();
    CHECK(m.getMeetingTotal() == 1);
    REQUIRE(m.getMeetings().size() == 1);
    CHECK(Str(m.getMeetings()[0].getMeetingId()) == "meeting/mar");
    CHECK(m.getMeetings()[0].getAttendeeTotal() == 3);
    REQUIRE(m.getResolutions().size() == 1);
    CHECK(Str(m.getResolutions()[0].getResolutionId()) == "res-3");
  }

  SECTION("headlines") {
    auto h = r.getHeadlines();
    CHECK(h.getComplaintsFiled() == 3);
    CHECK(h.getComplaintsUnresolved() == 1);
    CHECK(h.getComplaintsEscalated() == 1);
    CHECK(h.getComplaintSatisfaction().getNumerator() == 1);
    CHECK(h.getComplaintSatisfaction().getDenominator() == 2);
    CHECK(h.getRepairsRequested() == 4);
    CHECK(h.getRepairCompliance().getNumerator() == 1);
    CHECK(h.getRepairCompliance().getDenominator() == 3);
    CHECK(h.getRepairCompliance().getRate() == Approx(1.0 / 3));
    CHECK(h.getRepairsOverdue() == 2);
    CHECK(h.getHomeVisits() == 1);
    CHECK(h.getMustVisitCompliance().getNumerator() == 1);
    CHECK(h.getMustVisitCompliance().getDenominator() == 2);
    CHECK(h.getVolunteerMinutesVerified() == 90);
    CHECK(h.getVolunteerPointsEarnedCenti() == 150);
    CHECK(h.getResolutionsOpen() == 4);
    CHECK(h.getResolutionsOverdue() == 3);
    CHECK(h.getResolutionsNewlyOverdue() == 2);
    CHECK(h.getMeetingsHeld() == 1);
  }
}

TEST_CASE("the other estate's report holds only its own events", "[joint_meeting]") {
  Scenario s;
  auto report = Compute(s.f.views(), kOther, s.from, s.to);
  auto r = report->r;
  INFO(Text(r));
  CHECK(Str(r.getEstateName()) == "青山小区");
  CHECK(Str(r.getCompanyId()) == "company/qs");
  // c-9 filed 03-05, never resolved.
  CHECK(r.getComplaints().getFiled() == 1);
  CHECK(r.getComplaints().getUnresolved() == 1);
  // r-9 electricity 03-05 09:00, deadline 03-06 09:00, never done: overdue.
  CHECK(r.getRepairs().getRequested() == 1);
  CHECK(r.getRepairs().getCompliance().getOverdue() == 1);
  REQUIRE(r.getRepairs().getOverdue().size() == 1);
  CHECK(Str(r.getRepairs().getOverdue()[0].getRepairId()) == "r-9");
  // v-9 met o-9.
  CHECK(r.getVisits().getVisitCount() == 1);
  CHECK(r.getVisits().getCompliance().getMet() == 1);
  // k-9: 120 min, 200 centipoints.
  CHECK(r.getVolunteering().getHours().getVerified().getMinutes() == 120);
  CHECK(r.getVolunteering().getHours().getPointsEarnedCenti() == 200);
  // No meeting of qs-02 before March: since = 0, so res-9 (overdue from 03-16) is newly overdue.
  CHECK(Str(r.getResolutions().getLastMeetingId()) == "");
  CHECK(r.getResolutions().getOpen().getSince() == 0);
  CHECK(r.getHeadlines().getResolutionsOverdue() == 1);
  CHECK(r.getHeadlines().getResolutionsNewlyOverdue() == 1);
  CHECK(r.getHeadlines().getMeetingsHeld() == 1);
  // Nothing of ls-01 leaks in.
  std::string text = Text(r);
  for (const char* id : {"c-1", "c-3", "r-0", "r-3", "v-1", "res-1", "meeting/mar"}) {
    CHECK(text.find("\"" + std::string(id) + "\"") == std::string::npos);
  }
}

TEST_CASE("the report computed at an earlier position gives the earlier figures",
          "[joint_meeting]") {
  Scenario s;
  auto live = Compute(s.f.views(), kEstate, s.from, s.to);

  SECTION("before c-3 was filed") {
    auto as_of = s.f.engine().AsOf(s.before_c3);
    REQUIRE(as_of.ok());
    auto then = Compute(**as_of, kEstate, s.from, s.to);
    auto r = then->r;
    CHECK(r.getPositionSeq() == s.before_c3);
    CHECK(Str(r.getPositionHash()) == ledger::ToHex((*as_of)->position().hash));
    CHECK(r.getPositionSeq() < live->r.getPositionSeq());
    // c-1 and c-2 only, both resolved; the unresolved list holds only February's c-0.
    CHECK(r.getComplaints().getFiled() == 2);
    CHECK(r.getComplaints().getUnresolved() == 0);
    CHECK(r.getComplaints().getEscalated() == 0);
    REQUIRE(r.getComplaints().getUnresolvedItems().size() == 1);
    CHECK(Str(r.getComplaints().getUnresolvedItems()[0].getComplaintId()) == "c-0");
    // No March repair recorded yet; r-0 from February is overdue.
    CHECK(r.getRepairs().getRequested() == 0);
    CHECK(r.getRepairs().getOverdueCount() == 1);
    CHECK(r.getVolunteering().getHours().getVerified().getMinutes() == 0);
    CHECK(r.getHeadlines().getMeetingsHeld() == 0);
  }

  SECTION("at the end of March the figures are those computed later") {
    // Everything that happened in March was recorded by end_of_march; what came after happened
    // in April and is left out, so the figures agree. Only the position differs.
    auto as_of = s.f.engine().AsOf(s.end_of_march);
    REQUIRE(as_of.ok());
    auto then = Compute(**as_of, kEstate, s.from, s.to);
    CHECK(then->r.getPositionSeq() == s.end_of_march);
    CHECK(Text(then->r.getHeadlines()) == Text(live->r.getHeadlines()));
    CHECK(ListText(then->r.getComplaints().getByStatus()) ==
          ListText(live->r.getComplaints().getByStatus()));
    CHECK(ListText(then->r.getComplaints().getUnresolvedItems()) ==
          ListText(live->r.getComplaints().getUnresolvedItems()));
    CHECK(Text(then->r.getRepairs().getCompliance()) == Text(live->r.getRepairs().getCompliance()));
    CHECK(ListText(then->r.getRepairs().getOverdue()) ==
          ListText(live->r.getRepairs().getOverdue()));
    CHECK(Text(then->r.getVolunteering().getHours()) == Text(live->r.getVolunteering().getHours()));
    // Only the live report knows of the April steps it left out.
    CHECK(then->r.getComplaints().getLaterStepsLeftOut() == 0);
    CHECK(live->r.getComplaints().getLaterStepsLeftOut() == 2);
  }
}

TEST_CASE("corrections change the report", "[joint_meeting]") {
  Scenario s;
  // c-1's resolution and r-2's completion turn out to be mistakes.
  s.f.Void(s.c1_resolved, "not actually resolved");
  s.f.Void(s.r2_completed, "the fault came back the same day");
  auto report = Compute(s.f.views(), kEstate, s.from, s.to);
  auto r = report->r;
  INFO(Text(r));
  // c-1 and c-3 unresolved; c-2 resolved. Resolution timing: c-2's 192 h only.
  CHECK(r.getComplaints().getUnresolved() == 2);
  CHECK(r.getComplaints().getToResolve().getCount() == 1);
  CHECK(r.getComplaints().getToResolve().getAverageHours() == Approx(192));
  // r-2 (deadline 03-11 09:00) now never completed: overdue. met 1 / (1 + 0 + 2).
  auto c = r.getRepairs().getCompliance();
  CHECK(c.getMet() == 1);
  CHECK(c.getLate() == 0);
  CHECK(c.getOverdue() == 2);
  CHECK(c.getRate() == Approx(1.0 / 3));
  CHECK(r.getRepairs().getOverdueCount() == 3);  // r-0, r-2, r-3
  CHECK(r.getHeadlines().getRepairsOverdue() == 3);
}

TEST_CASE("a report for no estate or an unknown one says so", "[joint_meeting]") {
  Scenario s;
  auto none = Compute(s.f.views(), "", s.from, s.to);
  REQUIRE(none->r.getNotes().size() == 1);
  CHECK(none->r.getComplaints().getFiled() == 0);
  CHECK(none->r.getPositionSeq() == s.f.views().position().seq);

  auto unknown = Compute(s.f.views(), "estate/nowhere", s.from, s.to);
  CHECK(unknown->r.getNotes().size() == 2);  // not registered, no company served it
  CHECK(unknown->r.getComplaints().getFiled() == 0);
  CHECK(unknown->r.getRepairs().getRequested() == 0);
  CHECK(unknown->r.getHeadlines().getMeetingsHeld() == 0);
}
