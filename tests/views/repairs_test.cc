// The repairs view: time limits under the policy in force on the day of the request, compliance
// by estate, company, category and month, overdue repairs at a given instant, follow-ups, and
// corrections.
//
// The policy used throughout unless a test says otherwise (version 1, from 2025-01-01):
//   water:       hours 0, nextMorningHour 8 -> by 08:00 local on the day after the request
//                ("water faults are not left overnight")
//   electricity: hours 24                  -> within 24 hours of the request
//   no rule for "cleaning"                 -> no limit set

#include <capnp/message.h>

#include <algorithm>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "projections/page_cursor.h"
#include "view_fixture.h"

using ledger::schema::Payload;
using ledger::schema::RepairCompliance;
using ledger::schema::RepairsOverdue;
using ledger::schema::RepairsView;
using ledger::schema::Satisfaction;
using testing::Cst;
using testing::ViewFixture;

namespace {

struct Limit {
  const char* category;
  uint32_t hours;
  uint8_t next_morning_hour;
};

void AdoptPolicy(ViewFixture& f, uint32_t version, const char* effective_from,
                 const std::vector<Limit>& limits) {
  f.Add("policy/repair-time-limits", 0, [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("repair-time-limits");
    a.setVersion(version);
    a.setEffectiveFrom(effective_from);
    a.setTimeZone("Asia/Shanghai");
    auto list = a.getRules().initRepairTimeLimits(limits.size());
    for (size_t i = 0; i < limits.size(); ++i) {
      list[i].setCategory(limits[i].category);
      list[i].setHours(limits[i].hours);
      list[i].setNextMorningHour(limits[i].next_morning_hour);
    }
  });
}

void AdoptStandardPolicy(ViewFixture& f) {
  AdoptPolicy(f, 1, "2025-01-01", {{"water", 0, 8}, {"electricity", 24, 0}});
}

void FillRequest(Payload::Builder p, const std::string& id, const std::string& estate,
                 const std::string& category, const std::string& household = "") {
  auto r = p.initRepairRequested();
  r.setRepairId(id);
  r.setEstateId(estate);
  r.setCategory(category);
  r.setHouseholdId(household);
  r.setDescription("水管漏水 (pipe leaking)");
}

uint64_t Request(ViewFixture& f, const std::string& id, const std::string& estate,
                 const std::string& category, int64_t at, const std::string& household = "") {
  return f.Add("repair/" + id, at,
               [&](Payload::Builder p) { FillRequest(p, id, estate, category, household); });
}

uint64_t Dispatch(ViewFixture& f, const std::string& id, const std::string& company, int64_t at) {
  return f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto d = p.initRepairDispatched();
    d.setRepairId(id);
    d.setWorkerId("person/worker-1");
    d.setCompanyId(company);
  });
}

uint64_t Complete(ViewFixture& f, const std::string& id, int64_t at) {
  return f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto c = p.initRepairCompleted();
    c.setRepairId(id);
    c.setWorkerId("person/worker-1");
  });
}

uint64_t FollowUp(ViewFixture& f, const std::string& id, Satisfaction answer, int64_t at) {
  return f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto u = p.initFollowUpRecorded();
    u.getSubject().setRepairId(id);
    u.setSatisfaction(answer);
  });
}

void Estate(ViewFixture& f, const std::string& estate) {
  f.Add(estate, 0, [&](Payload::Builder p) {
    auto e = p.initEstateRegistered();
    e.setEstateId(estate);
    e.setName("丽水小区 " + estate);
  });
}

void Contract(ViewFixture& f, const std::string& contract, const std::string& estate,
              const std::string& company, const char* start) {
  f.Add(estate, 0, [&](Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId(contract);
    c.setEstateId(estate);
    c.setCompanyId(company);
    c.setStartDate(start);
  });
}

void EndContract(ViewFixture& f, const std::string& contract, const std::string& estate,
                 const std::string& company, const char* last_day) {
  f.Add(estate, 0, [&](Payload::Builder p) {
    auto c = p.initServiceContractEnded();
    c.setContractId(contract);
    c.setEstateId(estate);
    c.setCompanyId(company);
    c.setEndDate(last_day);
  });
}

// A query's answer, with the message it lives in.
struct View {
  std::unique_ptr<capnp::MallocMessageBuilder> message =
      std::make_unique<capnp::MallocMessageBuilder>();
  RepairsView::Reader out;
};

View QueryOf(const projections::ViewSet& views, int64_t now, const projections::Filter& filter) {
  View v;
  auto builder = v.message->initRoot<RepairsView>();
  views.repairs.Query(filter, now, builder);
  v.out = builder.asReader();
  return v;
}

View Query(ViewFixture& f, int64_t now, projections::Filter filter = {}) {
  return QueryOf(f.views(), now, filter);
}

struct OverdueList {
  std::unique_ptr<capnp::MallocMessageBuilder> message =
      std::make_unique<capnp::MallocMessageBuilder>();
  RepairsOverdue::Reader out;
};

OverdueList OverdueOf(const projections::ViewSet& views, int64_t now,
                      const projections::Filter& filter) {
  OverdueList v;
  auto builder = v.message->initRoot<RepairsOverdue>();
  views.repairs.Overdue(filter, now, builder);
  v.out = builder.asReader();
  return v;
}

OverdueList Overdue(ViewFixture& f, int64_t now, projections::Filter filter = {}) {
  return OverdueOf(f.views(), now, filter);
}

ledger::schema::RepairItem::Reader Item(const View& v, const std::string& id) {
  for (auto item : v.out.getItems()) {
    if (std::string(item.getRepairId().cStr()) == id) return item;
  }
  FAIL("no item " << id);
  return v.out.getItems()[0];
}

RepairCompliance::Reader Line(capnp::List<RepairCompliance>::Reader list, const std::string& key) {
  for (auto line : list) {
    if (std::string(line.getKey().cStr()) == key) return line;
  }
  FAIL("no compliance line " << key);
  return list[0];
}

void CheckLine(RepairCompliance::Reader line, uint32_t total, uint32_t met, uint32_t late,
               uint32_t overdue, uint32_t pending, uint32_t no_limit) {
  INFO("line " << line.getKey().cStr());
  CHECK(line.getTotal() == total);
  CHECK(line.getMet() == met);
  CHECK(line.getLate() == late);
  CHECK(line.getOverdue() == overdue);
  CHECK(line.getPending() == pending);
  CHECK(line.getNoLimit() == no_limit);
  CHECK(line.getDenominator() == met + late + overdue);
}

}  // namespace

TEST_CASE("water fixed before eight the next morning meets the overnight limit", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  // Both water faults reported 2025-03-01 21:30; the limit is 2025-03-02 08:00.
  Request(f, "w-1", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Request(f, "w-2", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Complete(f, "w-1", Cst("2025-03-02 07:50"));  // 10 h 20 min after the request: in time
  Complete(f, "w-2", Cst("2025-03-02 13:00"));  // 15 h 30 min: 5 h past 08:00, late
  // Electricity: 24 h. e-1 fixed after 23 h, e-2 exactly at 24 h (at the deadline complies).
  Request(f, "e-1", "estate/e-1", "electricity", Cst("2025-03-03 10:00"));
  Request(f, "e-2", "estate/e-1", "electricity", Cst("2025-03-03 10:00"));
  Complete(f, "e-1", Cst("2025-03-04 09:00"));
  Complete(f, "e-2", Cst("2025-03-04 10:00"));

  View v = Query(f, Cst("2025-03-10 00:00"));
  auto w1 = Item(v, "w-1");
  CHECK(w1.getDeadline() == Cst("2025-03-02 08:00"));
  CHECK(w1.getHasLimit());
  CHECK(w1.getLimitNextMorningHour() == 8);
  CHECK(w1.getLimitHours() == 0);
  CHECK(std::string(w1.getLimitPolicyId().cStr()) == "repair-time-limits");
  CHECK(w1.getLimitPolicyVersion() == 1);
  CHECK(std::string(w1.getStatus().cStr()) == "done");
  CHECK(w1.getHoursTaken() == Approx(10.0 + 20.0 / 60));
  CHECK(w1.getHoursPastDeadline() == 0);

  auto w2 = Item(v, "w-2");
  CHECK(w2.getDeadline() == Cst("2025-03-02 08:00"));
  CHECK(std::string(w2.getStatus().cStr()) == "late");
  CHECK(w2.getHoursTaken() == Approx(15.5));
  CHECK(w2.getHoursPastDeadline() == Approx(5.0));

  auto e1 = Item(v, "e-1");
  CHECK(e1.getDeadline() == Cst("2025-03-04 10:00"));
  CHECK(e1.getLimitHours() == 24);
  CHECK(std::string(e1.getStatus().cStr()) == "done");
  CHECK(e1.getHoursTaken() == Approx(23.0));
  CHECK(std::string(Item(v, "e-2").getStatus().cStr()) == "done");

  // 4 repairs, all done: 3 in time (w-1, e-1, e-2), 1 late (w-2): rate 3/4.
  CHECK(v.out.getTotal() == 4);
  CHECK(v.out.getOpen() == 0);
  CHECK(v.out.getDone() == 4);
  CHECK(v.out.getDoneWithinLimit() == 3);
  CHECK(v.out.getDoneLate() == 1);
  CheckLine(v.out.getCompliance(), 4, 3, 1, 0, 0, 0);
  CHECK(v.out.getCompliance().getRate() == Approx(0.75));
  // Water 1 of 2, electricity 2 of 2.
  CHECK(Line(v.out.getComplianceByCategory(), "water").getRate() == Approx(0.5));
  CHECK(Line(v.out.getComplianceByCategory(), "electricity").getRate() == Approx(1.0));
  // Newest request first: the electricity repairs (03-03) before the water ones (03-01).
  REQUIRE(v.out.getItems().size() == 4);
  CHECK(std::string(v.out.getItems()[0].getCategory().cStr()) == "electricity");
  CHECK(std::string(v.out.getItems()[3].getCategory().cStr()) == "water");
}

TEST_CASE("a policy change applies to later requests and never to earlier ones", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  // A: water on 2025-05-10 10:00 under v1 -> by 2025-05-11 08:00.
  Request(f, "A", "estate/e-1", "water", Cst("2025-05-10 10:00"));
  // v2, adopted after A, in force from 2025-06-01: water within 12 h.
  AdoptPolicy(f, 2, "2025-06-01", {{"water", 12, 0}, {"electricity", 24, 0}});
  // B: water on 2025-06-05 10:00 under v2 -> 22:00 the same day.
  Request(f, "B", "estate/e-1", "water", Cst("2025-06-05 10:00"));
  // v3, adopted later still but effective back from 2025-05-01: water within 4 h. A was fixed
  // under v1 when it was requested and keeps that limit; C, requested afterwards for
  // 2025-05-20, is under v3 (v2 is not yet in force on 05-20): 10:00 + 4 h = 14:00.
  AdoptPolicy(f, 3, "2025-05-01", {{"water", 4, 0}});
  Request(f, "C", "estate/e-1", "water", Cst("2025-05-20 10:00"));

  View v = Query(f, Cst("2025-06-10 00:00"));
  auto a = Item(v, "A");
  CHECK(a.getDeadline() == Cst("2025-05-11 08:00"));
  CHECK(a.getLimitPolicyVersion() == 1);
  CHECK(a.getLimitNextMorningHour() == 8);
  auto b = Item(v, "B");
  CHECK(b.getDeadline() == Cst("2025-06-05 22:00"));
  CHECK(b.getLimitPolicyVersion() == 2);
  CHECK(b.getLimitHours() == 12);
  auto c = Item(v, "C");
  CHECK(c.getDeadline() == Cst("2025-05-20 14:00"));
  CHECK(c.getLimitPolicyVersion() == 3);
}

TEST_CASE("compliance by month and by company follows the contract on the day", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  Estate(f, "estate/e-1");
  Estate(f, "estate/e-2");
  Estate(f, "estate/e-3");  // no contract: the dispatch names the company
  Contract(f, "k-1", "estate/e-1", "company/A", "2025-01-01");
  Contract(f, "k-2", "estate/e-2", "company/A", "2025-01-01");
  EndContract(f, "k-2", "estate/e-2", "company/A", "2025-03-31");  // last day served
  Contract(f, "k-3", "estate/e-2", "company/B", "2025-04-01");

  // r1 e-1 electricity 03-05 09:00, done 18:00 (9 h)           -> A, 2025-03, met
  Request(f, "r1", "estate/e-1", "electricity", Cst("2025-03-05 09:00"), "household/h-1");
  Complete(f, "r1", Cst("2025-03-05 18:00"));
  // r2 e-2 electricity 03-10 09:00, done 03-12 09:00 (48 h)    -> A, 2025-03, late
  Request(f, "r2", "estate/e-2", "electricity", Cst("2025-03-10 09:00"));
  Complete(f, "r2", Cst("2025-03-12 09:00"));
  // r3 e-2 water 03-31 22:00 (A's last day), done 04-01 07:00 -> A, 2025-03, met (by 04-01 08:00)
  Request(f, "r3", "estate/e-2", "water", Cst("2025-03-31 22:00"));
  Complete(f, "r3", Cst("2025-04-01 07:00"));
  // r4 e-2 water 04-01 09:00, done 04-02 09:00                 -> B, 2025-04, late (04-02 08:00)
  Request(f, "r4", "estate/e-2", "water", Cst("2025-04-01 09:00"));
  Complete(f, "r4", Cst("2025-04-02 09:00"));
  // r5 e-2 electricity 04-03 09:00, done 20:00                 -> B, 2025-04, met
  Request(f, "r5", "estate/e-2", "electricity", Cst("2025-04-03 09:00"));
  Complete(f, "r5", Cst("2025-04-03 20:00"));
  // r6 e-3 electricity 04-10 09:00, dispatched to C, not done  -> C, 2025-04, overdue at now
  Request(f, "r6", "estate/e-3", "electricity", Cst("2025-04-10 09:00"));
  Dispatch(f, "r6", "company/C", Cst("2025-04-10 10:00"));
  // r7 e-1 cleaning 04-15 09:00, open                           -> A, 2025-04, no limit
  Request(f, "r7", "estate/e-1", "cleaning", Cst("2025-04-15 09:00"));
  // r8 e-1 water 04-20 09:00, open, limit 04-21 08:00           -> A, 2025-04, pending at now
  Request(f, "r8", "estate/e-1", "water", Cst("2025-04-20 09:00"));

  const int64_t now = Cst("2025-04-20 12:00");
  View v = Query(f, now);
  CHECK(std::string(Item(v, "r3").getCompanyId().cStr()) == "company/A");
  CHECK(std::string(Item(v, "r4").getCompanyId().cStr()) == "company/B");
  CHECK(std::string(Item(v, "r6").getCompanyId().cStr()) == "company/C");
  CHECK(std::string(Item(v, "r6").getStatus().cStr()) == "overdue");
  CHECK(std::string(Item(v, "r7").getStatus().cStr()) == "open");
  CHECK(std::string(Item(v, "r8").getStatus().cStr()) == "open");

  // Totals: 8 repairs; open r6 r7 r8 = 3 (r6 overdue); done 5 = 3 in time (r1 r3 r5) + 2 late
  // (r2 r4); no limit 1 (r7).
  CHECK(v.out.getTotal() == 8);
  CHECK(v.out.getOpen() == 3);
  CHECK(v.out.getOverdue() == 1);
  CHECK(v.out.getDone() == 5);
  CHECK(v.out.getDoneWithinLimit() == 3);
  CHECK(v.out.getDoneLate() == 2);
  CHECK(v.out.getNoLimit() == 1);
  // Overall: met 3 / (met 3 + late 2 + overdue 1) = 3/6; r8 pending and r7 no limit left out.
  CheckLine(v.out.getCompliance(), 8, 3, 2, 1, 1, 1);
  CHECK(v.out.getCompliance().getRate() == Approx(0.5));

  // By company: A = r1 met, r2 late, r3 met, r7 no limit, r8 pending -> 2/3
  //              B = r4 late, r5 met -> 1/2;   C = r6 overdue -> 0/1
  auto by_company = v.out.getComplianceByCompany();
  CHECK(by_company.size() == 3);
  CheckLine(Line(by_company, "company/A"), 5, 2, 1, 0, 1, 1);
  CHECK(Line(by_company, "company/A").getRate() == Approx(2.0 / 3));
  CheckLine(Line(by_company, "company/B"), 2, 1, 1, 0, 0, 0);
  CHECK(Line(by_company, "company/B").getRate() == Approx(0.5));
  CheckLine(Line(by_company, "company/C"), 1, 0, 0, 1, 0, 0);
  CHECK(Line(by_company, "company/C").getRate() == 0);

  // By month: 2025-03 = r1 met, r2 late, r3 met (requested 03-31 local) -> 2/3
  //           2025-04 = r4 late, r5 met, r6 overdue, r7 no limit, r8 pending -> 1/3
  auto by_month = v.out.getComplianceByMonth();
  CHECK(by_month.size() == 2);
  CheckLine(Line(by_month, "2025-03"), 3, 2, 1, 0, 0, 0);
  CHECK(Line(by_month, "2025-03").getRate() == Approx(2.0 / 3));
  CheckLine(Line(by_month, "2025-04"), 5, 1, 1, 1, 1, 1);
  CHECK(Line(by_month, "2025-04").getRate() == Approx(1.0 / 3));

  // By estate: e-1 = r1 met, r7 no limit, r8 pending -> 1/1; e-2 = r2 r4 late, r3 r5 met -> 2/4;
  //            e-3 = r6 overdue -> 0/1
  auto by_estate = v.out.getComplianceByEstate();
  CheckLine(Line(by_estate, "estate/e-1"), 3, 1, 0, 0, 1, 1);
  CHECK(Line(by_estate, "estate/e-1").getRate() == Approx(1.0));
  CheckLine(Line(by_estate, "estate/e-2"), 4, 2, 2, 0, 0, 0);
  CheckLine(Line(by_estate, "estate/e-3"), 1, 0, 0, 1, 0, 0);

  // By category: electricity = r1 r5 met, r2 late, r6 overdue -> 2/4;
  //              water = r3 met, r4 late, r8 pending -> 1/2; cleaning = r7 no limit
  auto by_category = v.out.getComplianceByCategory();
  CheckLine(Line(by_category, "electricity"), 4, 2, 1, 1, 0, 0);
  CHECK(Line(by_category, "electricity").getRate() == Approx(0.5));
  CheckLine(Line(by_category, "water"), 3, 1, 1, 0, 1, 0);
  CheckLine(Line(by_category, "cleaning"), 1, 0, 0, 0, 0, 1);
  CHECK(Line(by_category, "cleaning").getDenominator() == 0);

  SECTION("the filter narrows every figure") {
    projections::Filter company_b;
    company_b.company = "company/B";
    CHECK(Query(f, now, company_b).out.getTotal() == 2);  // r4 r5

    projections::Filter late;
    late.status = "late";
    View only_late = Query(f, now, late);
    CHECK(only_late.out.getTotal() == 2);  // r2 r4
    CHECK(only_late.out.getDoneLate() == 2);

    projections::Filter april;
    april.from_ms = Cst("2025-04-01 00:00");
    april.to_ms = Cst("2025-05-01 00:00");
    CHECK(Query(f, now, april).out.getTotal() == 5);  // r4..r8

    projections::Filter household;
    household.household = "household/h-1";
    CHECK(Query(f, now, household).out.getTotal() == 1);  // r1

    projections::Filter water_e2;
    water_e2.estate = "estate/e-2";
    water_e2.category = "water";
    CHECK(Query(f, now, water_e2).out.getTotal() == 2);  // r3 r4
  }

  SECTION("pages are newest first") {
    projections::Filter page;
    page.offset = 1;
    page.limit = 2;
    View paged = Query(f, now, page);
    CHECK(paged.out.getOffset() == 1);
    REQUIRE(paged.out.getItems().size() == 2);
    // Newest first: r8 r7 r6 ... -> the page from offset 1 is r7, r6.
    CHECK(std::string(paged.out.getItems()[0].getRepairId().cStr()) == "r7");
    CHECK(std::string(paged.out.getItems()[1].getRepairId().cStr()) == "r6");
  }

  SECTION("voiding the dispatch takes back the company it named") {
    // r6's estate has no contract; without the dispatch it has no company.
    // The dispatch was the event after r6's request.
    View before = Query(f, now);
    uint64_t dispatch_seq = Item(before, "r6").getRequestedSeq() + 1;
    f.Void(dispatch_seq);
    View after = Query(f, now);
    CHECK(std::string(Item(after, "r6").getCompanyId().cStr()).empty());
    CheckLine(Line(after.out.getComplianceByCompany(), "(none)"), 1, 0, 0, 1, 0, 0);
  }
}

TEST_CASE("overdue at a given instant and the overdue list oldest first", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  // Electricity 2025-03-01 10:00 -> limit 03-02 10:00; water 03-01 21:30 -> limit 03-02 08:00.
  Request(f, "elec", "estate/e-1", "electricity", Cst("2025-03-01 10:00"));
  Request(f, "water", "estate/e-1", "water", Cst("2025-03-01 21:30"));

  // At 08:00 exactly neither is overdue: overdue means now is past the deadline.
  CHECK(Overdue(f, Cst("2025-03-02 08:00")).out.getTotal() == 0);
  CHECK(Query(f, Cst("2025-03-02 08:00")).out.getOverdue() == 0);

  // At 08:01 the water repair is overdue by 1 minute; electricity still has until 10:00.
  OverdueList at_0801 = Overdue(f, Cst("2025-03-02 08:01"));
  REQUIRE(at_0801.out.getTotal() == 1);
  CHECK(std::string(at_0801.out.getItems()[0].getRepairId().cStr()) == "water");
  CHECK(at_0801.out.getItems()[0].getHoursPastDeadline() == Approx(1.0 / 60));
  CHECK(std::string(at_0801.out.getItems()[0].getStatus().cStr()) == "overdue");

  // At 12:00 both, oldest request first: electricity (03-01 10:00) then water (21:30).
  OverdueList at_noon = Overdue(f, Cst("2025-03-02 12:00"));
  REQUIRE(at_noon.out.getTotal() == 2);
  CHECK(std::string(at_noon.out.getItems()[0].getRepairId().cStr()) == "elec");
  CHECK(at_noon.out.getItems()[0].getHoursPastDeadline() == Approx(2.0));
  CHECK(std::string(at_noon.out.getItems()[1].getRepairId().cStr()) == "water");
  CHECK(at_noon.out.getItems()[1].getHoursPastDeadline() == Approx(4.0));
  View q = Query(f, Cst("2025-03-02 12:00"));
  CHECK(q.out.getOverdue() == 2);
  CheckLine(q.out.getCompliance(), 2, 0, 0, 2, 0, 0);

  // Water fixed at 13:00: no longer overdue but late; the view at an earlier instant is unchanged
  // except that the completion is known.
  Complete(f, "water", Cst("2025-03-02 13:00"));
  OverdueList after = Overdue(f, Cst("2025-03-02 14:00"));
  REQUIRE(after.out.getTotal() == 1);
  CHECK(std::string(after.out.getItems()[0].getRepairId().cStr()) == "elec");
  View q2 = Query(f, Cst("2025-03-02 14:00"));
  CHECK(std::string(Item(q2, "water").getStatus().cStr()) == "late");
  // late 1 (water) + overdue 1 (elec), met 0.
  CheckLine(q2.out.getCompliance(), 2, 0, 1, 1, 0, 0);

  projections::Filter other_estate;
  other_estate.estate = "estate/e-2";
  CHECK(Overdue(f, Cst("2025-03-02 14:00"), other_estate).out.getTotal() == 0);
}

TEST_CASE("a repair whose category has no policy is counted apart from compliance", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  Request(f, "clean", "estate/e-1", "cleaning", Cst("2025-03-01 09:00"));
  Request(f, "elec", "estate/e-1", "electricity", Cst("2025-03-01 09:00"));
  Complete(f, "elec", Cst("2025-03-01 12:00"));

  // A month later the cleaning job is still open, but with no limit it is never overdue.
  const int64_t later = Cst("2025-04-01 09:00");
  View v = Query(f, later);
  auto clean = Item(v, "clean");
  CHECK_FALSE(clean.getHasLimit());
  CHECK(clean.getDeadline() == 0);
  CHECK(std::string(clean.getLimitPolicyId().cStr()).empty());
  CHECK(std::string(clean.getStatus().cStr()) == "open");
  CHECK(Overdue(f, later).out.getTotal() == 0);
  // Total 2, no limit 1; compliance only over elec: 1/1.
  CHECK(v.out.getTotal() == 2);
  CHECK(v.out.getNoLimit() == 1);
  CheckLine(v.out.getCompliance(), 2, 1, 0, 0, 0, 1);
  CHECK(v.out.getCompliance().getRate() == Approx(1.0));
  CHECK(std::string(v.out.getComplianceNote().cStr()).find("no limit") != std::string::npos);

  // Done, it is "done" (not "late"), and still out of the rate.
  Complete(f, "clean", Cst("2025-03-20 09:00"));
  View done = Query(f, later);
  CHECK(std::string(Item(done, "clean").getStatus().cStr()) == "done");
  CHECK(done.out.getDone() == 2);
  CHECK(done.out.getDoneWithinLimit() == 1);
  CHECK(done.out.getDoneLate() == 0);
  CheckLine(done.out.getCompliance(), 2, 1, 0, 0, 0, 1);

  SECTION("with no policy at all every repair has no limit") {
    ViewFixture bare;
    Request(bare, "w", "estate/e-1", "water", Cst("2025-03-01 21:30"));
    View none = Query(bare, Cst("2025-04-01 00:00"));
    CHECK(none.out.getNoLimit() == 1);
    CHECK(none.out.getCompliance().getDenominator() == 0);
    CHECK(none.out.getCompliance().getRate() == 0);
  }
}

TEST_CASE("follow-up satisfaction counts the last answer of each repair", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  Request(f, "r-1", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Request(f, "r-2", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Request(f, "r-3", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Complete(f, "r-1", Cst("2025-03-02 07:00"));
  Complete(f, "r-2", Cst("2025-03-02 07:00"));
  FollowUp(f, "r-1", Satisfaction::DISSATISFIED, Cst("2025-03-03 10:00"));
  uint64_t second = FollowUp(f, "r-1", Satisfaction::SATISFIED, Cst("2025-03-04 10:00"));
  FollowUp(f, "r-2", Satisfaction::BASICALLY_SATISFIED, Cst("2025-03-03 10:00"));
  // A follow-up of a complaint with the same id is not about a repair.
  f.Add("complaint/r-3", Cst("2025-03-03 10:00"), [](Payload::Builder p) {
    auto u = p.initFollowUpRecorded();
    u.getSubject().setComplaintId("r-3");
    u.setSatisfaction(Satisfaction::DISSATISFIED);
  });

  auto count = [](const View& v, const std::string& key) -> uint32_t {
    for (auto c : v.out.getSatisfaction()) {
      if (std::string(c.getKey().cStr()) == key) return c.getCount();
    }
    return 0;
  };
  // r-1 last said satisfied, r-2 basically satisfied, r-3 not called: 2 followed up.
  View v = Query(f, Cst("2025-03-05 00:00"));
  CHECK(v.out.getFollowedUp() == 2);
  CHECK(count(v, "satisfied") == 1);
  CHECK(count(v, "basicallySatisfied") == 1);
  CHECK(count(v, "dissatisfied") == 0);
  CHECK(std::string(Item(v, "r-1").getSatisfaction().cStr()) == "satisfied");
  CHECK(std::string(Item(v, "r-3").getSatisfaction().cStr()).empty());

  // Voiding r-1's second call leaves its first answer: dissatisfied.
  f.Void(second);
  View after = Query(f, Cst("2025-03-05 00:00"));
  CHECK(after.out.getFollowedUp() == 2);
  CHECK(count(after, "satisfied") == 0);
  CHECK(count(after, "dissatisfied") == 1);
  CHECK(count(after, "basicallySatisfied") == 1);
}

TEST_CASE("a voided completion makes the repair open again", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  // Water 2025-03-01 21:30, limit 03-02 08:00.
  Request(f, "w", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  uint64_t first = Complete(f, "w", Cst("2025-03-02 07:50"));
  const int64_t now = Cst("2025-03-03 00:00");
  CHECK(std::string(Item(Query(f, now), "w").getStatus().cStr()) == "done");

  f.Void(first);
  View reopened = Query(f, now);
  auto item = Item(reopened, "w");
  CHECK(item.getCompletedAt() == 0);
  CHECK(item.getCompletions() == 0);
  // Open and, at 03-03 00:00, past its 08:00 limit.
  CHECK(std::string(item.getStatus().cStr()) == "overdue");
  CHECK(reopened.out.getOpen() == 1);
  CHECK(reopened.out.getDone() == 0);
  CHECK(std::string(Item(Query(f, Cst("2025-03-02 07:00")), "w").getStatus().cStr()) == "open");

  SECTION("of two completions the last counts") {
    // Fixed 07:50 (in time) ... the leak came back and was fixed again at 13:00 (late).
    Complete(f, "w", Cst("2025-03-02 07:50"));
    uint64_t last = Complete(f, "w", Cst("2025-03-02 13:00"));
    View twice = Query(f, now);
    CHECK(Item(twice, "w").getCompletions() == 2);
    CHECK(Item(twice, "w").getCompletedAt() == Cst("2025-03-02 13:00"));
    CHECK(std::string(Item(twice, "w").getStatus().cStr()) == "late");
    // Voiding the second completion leaves the first: in time again.
    f.Void(last);
    View once = Query(f, now);
    CHECK(std::string(Item(once, "w").getStatus().cStr()) == "done");
    CHECK(Item(once, "w").getCompletedAt() == Cst("2025-03-02 07:50"));
  }
}

TEST_CASE("a request replaced with another category takes the other limit", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  // Recorded as water at 2025-03-01 21:30 (limit 03-02 08:00), fixed 03-02 13:00: late.
  uint64_t request = Request(f, "r", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Complete(f, "r", Cst("2025-03-02 13:00"));
  const int64_t now = Cst("2025-03-05 00:00");
  CHECK(std::string(Item(Query(f, now), "r").getStatus().cStr()) == "late");

  // It was an electrical fault: 24 h from 21:30 = 03-02 21:30, so 13:00 is in time.
  f.Add("correction/" + std::to_string(request), 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(request);
    c.setReason("wrong category");
    FillRequest(c.getAction().initReplacement(), "r", "estate/e-1", "electricity");
  });
  View v = Query(f, now);
  REQUIRE(v.out.getTotal() == 1);
  auto item = Item(v, "r");
  CHECK(std::string(item.getCategory().cStr()) == "electricity");
  CHECK(item.getRequestedAt() == Cst("2025-03-01 21:30"));
  CHECK(item.getDeadline() == Cst("2025-03-02 21:30"));
  CHECK(item.getLimitHours() == 24);
  CHECK(item.getLimitNextMorningHour() == 0);
  CHECK(std::string(item.getStatus().cStr()) == "done");
  CHECK(item.getHoursTaken() == Approx(15.5));
  CHECK(item.getRequestedSeq() == request);
  CheckLine(Line(v.out.getComplianceByCategory(), "electricity"), 1, 1, 0, 0, 0, 0);
  CHECK(v.out.getComplianceByCategory().size() == 1);

  SECTION("a voided request no longer counts") {
    f.Void(request, "not a repair");
    View gone = Query(f, now);
    CHECK(gone.out.getTotal() == 0);
    CHECK(gone.out.getItems().size() == 0);
    CHECK(Overdue(f, now).out.getTotal() == 0);
  }
}

TEST_CASE("the repairs view survives a reload from its checkpoint", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  Estate(f, "estate/e-1");
  Contract(f, "k-1", "estate/e-1", "company/A", "2025-01-01");
  Request(f, "w", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Dispatch(f, "w", "company/A", Cst("2025-03-01 22:00"));
  Complete(f, "w", Cst("2025-03-02 07:50"));
  FollowUp(f, "w", Satisfaction::SATISFIED, Cst("2025-03-03 10:00"));
  const int64_t now = Cst("2025-03-05 00:00");
  auto before = f.views().repairs.repairs().Dump();
  f.OpenEngine();
  CHECK(f.views().repairs.repairs().Dump() == before);
  View v = Query(f, now);
  auto item = Item(v, "w");
  CHECK(std::string(item.getCompanyId().cStr()) == "company/A");
  CHECK(item.getDispatchedAt() == Cst("2025-03-01 22:00"));
  CHECK(std::string(item.getWorkerId().cStr()) == "person/worker-1");
  CHECK(std::string(item.getStatus().cStr()) == "done");
  CHECK(std::string(item.getSatisfaction().cStr()) == "satisfied");
}

// The joint-meeting report and the overdue list read an estate's repairs not completed by an
// instant from an ordering by first completion, not the estate's whole history: it must give
// every repair open at the instant, however its completions were recorded or corrected.
TEST_CASE("the repairs open at an instant are read by first completion", "[repairs]") {
  ViewFixture f;
  AdoptStandardPolicy(f);
  Request(f, "r1", "estate/e-1", "water", Cst("2025-03-01 21:30"));
  Request(f, "r2", "estate/e-1", "water", Cst("2025-03-01 22:00"));
  Request(f, "r3", "estate/e-1", "water", Cst("2025-03-01 23:00"));
  Request(f, "r4", "estate/e-2", "water", Cst("2025-03-01 21:00"));
  Request(f, "r5", "estate/e-1", "water", Cst("2025-03-01 20:00"));
  Request(f, "r6", "estate/e-1", "water", Cst("2025-03-04 10:00"));
  uint64_t r1_done = Complete(f, "r1", Cst("2025-03-02 07:00"));
  Complete(f, "r2", Cst("2025-03-05 10:00"));
  // r5: completed on 03-06, and then a completion of 03-02 06:00 recorded late.
  Complete(f, "r5", Cst("2025-03-06 09:00"));
  Complete(f, "r5", Cst("2025-03-02 06:00"));

  using Ids = std::vector<std::string>;
  auto open_at = [&](int64_t now, bool requested_by_then) {
    projections::Filter filter;
    filter.estate = "estate/e-1";
    if (requested_by_then) filter.to_ms = now;
    Ids out;
    f.views().repairs.ForEachOpenAt(
        filter, now, [&](const projections::RepairRecord& r) { out.push_back(r.id); });
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(open_at(Cst("2025-03-02 06:30"), true) == Ids{"r1", "r2", "r3"});
  CHECK(open_at(Cst("2025-03-03 00:00"), true) == Ids{"r2", "r3"});
  CHECK(open_at(Cst("2025-03-03 00:00"), false) == Ids{"r2", "r3", "r6"});
  CHECK(open_at(Cst("2025-03-10 00:00"), true) == Ids{"r3", "r6"});

  // Its completion voided, r1 was never completed.
  f.Void(r1_done);
  CHECK(open_at(Cst("2025-03-03 00:00"), true) == Ids{"r1", "r2", "r3"});
  CHECK(open_at(Cst("2025-03-10 00:00"), true) == Ids{"r1", "r3", "r6"});
  projections::Filter estate;
  estate.estate = "estate/e-1";
  OverdueList overdue = Overdue(f, Cst("2025-03-10 00:00"), estate);
  Ids listed;
  for (auto item : overdue.out.getItems()) listed.emplace_back(item.getRepairId().cStr());
  CHECK(listed == Ids{"r1", "r3", "r6"});  // oldest request first

  // The district's are read by first completion too, across its estates: r4 is of estate/e-2.
  auto district_open_at = [&](int64_t now) {
    projections::Filter filter;
    filter.to_ms = now;
    Ids out;
    f.views().repairs.ForEachOpenAt(
        filter, now, [&](const projections::RepairRecord& r) { out.push_back(r.id); });
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(district_open_at(Cst("2025-03-02 06:30")) == Ids{"r1", "r2", "r3", "r4"});
  CHECK(district_open_at(Cst("2025-03-10 00:00")) == Ids{"r1", "r3", "r4", "r6"});
  OverdueList district_overdue = Overdue(f, Cst("2025-03-10 00:00"));
  Ids district;
  for (auto item : district_overdue.out.getItems()) {
    district.emplace_back(item.getRepairId().cStr());
  }
  CHECK(district == Ids{"r4", "r1", "r3", "r6"});
}

TEST_CASE("a district's repairs page and overdue list hold their pages only", "[repairs]") {
  ViewFixture f;
  f.OpenEngineWithNoCache();
  AdoptStandardPolicy(f);
  // Forty water repairs requested an hour apart from 2025-03-01 00:00 (r00 first), in two
  // estates (the odd ones in estate/e-2); the even ones completed an hour after their request.
  // Water may not stay overnight, so by 2025-03-10 every open one is overdue.
  const int64_t first = Cst("2025-03-01 00:00");
  for (int i = 0; i < 40; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "r%02d", i);
    int64_t at = first + i * projections::kMillisPerHour;
    Request(f, id, i % 2 ? "estate/e-2" : "estate/e-1", "water", at);
    if (i % 2 == 0) Complete(f, id, at + projections::kMillisPerHour);
  }
  const int64_t now = Cst("2025-03-10 00:00");
  f.views();  // caught up: nothing is held
  const auto& table = f.held_views().repairs.repairs();
  REQUIRE(table.cached_bytes() == 0);

  // Newest first: r39 r38 r37 | r36 r35 | ...
  projections::Filter district;
  district.offset = 3;
  district.limit = 2;
  View page = QueryOf(f.held_views(), now, district);
  CHECK(page.out.getTotal() == 40);
  CHECK(page.out.getDone() == 20);
  CHECK(page.out.getOverdue() == 20);
  CHECK(page.out.getOffset() == 3);
  REQUIRE(page.out.getItems().size() == 2);
  CHECK(page.out.getItems()[0].getRepairId() == std::string("r36"));
  CHECK(page.out.getItems()[0].getStatus() == std::string("done"));
  CHECK(page.out.getItems()[1].getRepairId() == std::string("r35"));
  CHECK(page.out.getItems()[1].getStatus() == std::string("overdue"));
  const size_t held = table.cached_bytes();
  CHECK(held > 0);

  // Oldest first, of the twenty open ones: r01 r03 | r05 r07 r09 | ...
  f.views();  // lets go of the page above
  REQUIRE(f.held_views().repairs.repairs().cached_bytes() == 0);
  district.offset = 2;
  district.limit = 3;
  OverdueList late = OverdueOf(f.held_views(), now, district);
  CHECK(late.out.getTotal() == 20);
  CHECK(late.out.getOffset() == 2);
  REQUIRE(late.out.getItems().size() == 3);
  CHECK(late.out.getItems()[0].getRepairId() == std::string("r05"));
  CHECK(late.out.getItems()[1].getRepairId() == std::string("r07"));
  CHECK(late.out.getItems()[2].getRepairId() == std::string("r09"));
  const size_t held_late = table.cached_bytes();
  CHECK(held_late > 0);

  // Each kept its page's records, and let the other ones go.
  table.ForEach([](const std::string&, const projections::RepairRecord&) {});
  const size_t all = table.cached_bytes();
  CHECK(held * 5 < all);       // 2 of 40
  CHECK(held_late * 5 < all);  // 3 of 40
}

// The overdue list, oldest first, loses a repair when it is completed: a reader paging by offset
// then skips the one that moved up into the place already read; by cursor, none is skipped.
TEST_CASE("a reader paging overdue repairs by cursor misses none when one is completed",
          "[repairs][page_cursor]") {
  ViewFixture f;
  using Ids = std::vector<std::string>;
  AdoptStandardPolicy(f);
  // r1 .. r5 requested on March 1 .. 5 at 08:00, each due within 24 hours: all overdue on the
  // 10th.
  for (int day = 1; day <= 5; ++day) {
    std::string at = "2025-03-0" + std::to_string(day) + " 08:00";
    Request(f, "r" + std::to_string(day), "estate/e-1", "electricity", Cst(at.c_str()));
  }
  int64_t now = Cst("2025-03-10 00:00");
  auto ids = [](const OverdueList& list) {
    Ids out;
    for (auto item : list.out.getItems()) out.emplace_back(item.getRepairId().cStr());
    return out;
  };
  projections::Filter first_page;
  first_page.limit = 2;
  OverdueList first = Overdue(f, now, first_page);
  CHECK(ids(first) == Ids{"r1", "r2"});
  auto cursor = projections::DecodePageCursor(first.out.getNext().cStr());
  REQUIRE(cursor);
  CHECK(cursor->list == "overdue-repairs");
  CHECK(cursor->id == "r2");

  Complete(f, "r1", Cst("2025-03-09 12:00"));  // r1 leaves the list between two pages

  projections::Filter by_offset = first_page;
  by_offset.offset = 2;
  CHECK(ids(Overdue(f, now, by_offset)) == Ids{"r4", "r5"});  // r3 is never shown

  projections::Filter second_page = first_page;
  second_page.after = cursor;
  OverdueList second = Overdue(f, now, second_page);
  CHECK(ids(second) == Ids{"r3", "r4"});
  CHECK(second.out.getOffset() == 1);  // r2 alone is before it now
  CHECK(second.out.getTotal() == 4);
  projections::Filter third_page = first_page;
  third_page.after = projections::DecodePageCursor(second.out.getNext().cStr());
  OverdueList third = Overdue(f, now, third_page);
  CHECK(ids(third) == Ids{"r5"});
  CHECK(std::string(third.out.getNext().cStr()).empty());
}
