// Home visits and the four must-visits (四必访): obligations raised by events and generated
// yearly for flagged households, their windows, status at an instant, compliance, corrections.

#include "projections/views/visits.h"

#include <capnp/message.h>
#include <algorithm>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "view_fixture.h"

using ledger::schema::Payload;
using ledger::schema::VisitReason;
using testing::Cst;
using testing::ViewFixture;

namespace {

struct HolidayRule {
  std::string name, day;
};

void AdoptVisitRules(ViewFixture& f, uint32_t version, const std::string& effective,
                     const std::vector<HolidayRule>& holidays, uint32_t holiday_window,
                     uint32_t birthday_window) {
  f.Add("policy/visit-rules", Cst((effective + " 00:00").c_str()), [&](Payload::Builder p) {
    auto r = p.initPolicyAdopted();
    r.setPolicyId("visit-rules");
    r.setVersion(version);
    r.setEffectiveFrom(effective);
    r.setTimeZone("Asia/Shanghai");
    auto rules = r.getRules().initVisits();
    auto list = rules.initHolidays(holidays.size());
    for (size_t i = 0; i < holidays.size(); ++i) {
      list[i].setName(holidays[i].name);
      list[i].setDay(holidays[i].day);
    }
    rules.setHolidayWindowDays(holiday_window);
    rules.setBirthdayWindowDays(birthday_window);
    rules.setHospitalWindowDays(7);
    rules.setHardshipWindowDays(10);
  });
}

struct ResidentInfo {
  std::string person_id, name, birth_date;
};

uint64_t RegisterHousehold(ViewFixture& f, const std::string& id, const std::string& estate,
                           bool elderly_alone, const std::vector<ResidentInfo>& residents,
                           int64_t at) {
  return f.Add(id, at, [&](Payload::Builder p) {
    auto h = p.initHouseholdRegistered();
    h.setHouseholdId(id);
    h.setEstateId(estate);
    h.initFlags().setElderlyAlone(elderly_alone);
    auto list = h.initResidents(residents.size());
    for (size_t i = 0; i < residents.size(); ++i) {
      list[i].setPersonId(residents[i].person_id);
      list[i].setName(residents[i].name);
      list[i].setBirthDate(residents[i].birth_date);
    }
  });
}

uint64_t ClearFlags(ViewFixture& f, const std::string& id, int64_t at) {
  return f.Add(id, at, [&](Payload::Builder p) {
    auto c = p.initHouseholdFlagsChanged();
    c.setHouseholdId(id);
    c.initFlags();  // all false
    c.setReason("搬去与子女同住 (moved in with children)");
  });
}

void Appoint(ViewFixture& f, const std::string& person, const std::string& estate,
             const std::string& team) {
  f.Add(person, Cst("2024-01-01 09:00"), [&](Payload::Builder p) {
    auto a = p.initRoleAppointed();
    a.setPersonId(person);
    a.setRole(ledger::schema::AppointedRole::GRID_WORKER);
    a.setEstateId(estate);
    a.setTeam(team);
    a.setFromDate("2024-01-01");
  });
}

uint64_t Raise(ViewFixture& f, const std::string& id, const std::string& household,
               VisitReason reason, const std::string& due_by, int64_t at) {
  return f.Add("obligation/" + id, at, [&](Payload::Builder p) {
    auto o = p.initVisitObligationRaised();
    o.setObligationId(id);
    o.setHouseholdId(household);
    o.setReason(reason);
    o.setDueBy(due_by);
    o.setNote("住院 (in hospital)");
  });
}

void FillVisit(Payload::Builder p, const std::string& id, const std::string& household,
               const std::string& team, VisitReason reason,
               const std::vector<std::string>& obligations,
               const std::vector<std::string>& services) {
  auto v = p.initHomeVisitRecorded();
  v.setVisitId(id);
  v.setHouseholdId(household);
  v.setTeam(team);
  v.initVisitorIds(1).set(0, "person/g-1");
  auto s = v.initServices(services.size());
  for (size_t i = 0; i < services.size(); ++i) s.set(i, services[i]);
  auto o = v.initObligationIds(obligations.size());
  for (size_t i = 0; i < obligations.size(); ++i) o.set(i, obligations[i]);
  v.setReason(reason);
}

uint64_t Visit(ViewFixture& f, const std::string& id, const std::string& household,
               const std::string& team, VisitReason reason,
               const std::vector<std::string>& obligations, int64_t at,
               const std::vector<std::string>& services = {"慰问 (condolence call)"}) {
  return f.Add("visit/" + id, at, [&](Payload::Builder p) {
    FillVisit(p, id, household, team, reason, obligations, services);
  });
}

uint64_t FollowUp(ViewFixture& f, const std::string& visit, int64_t at) {
  return f.Add("visit/" + visit, at, [&](Payload::Builder p) {
    auto r = p.initFollowUpRecorded();
    r.getSubject().setVisitId(visit);
    r.setSatisfaction(ledger::schema::Satisfaction::SATISFIED);
    r.setComment("很满意");
  });
}

// A query's output, kept alive with its message.
struct Queried {
  std::unique_ptr<capnp::MallocMessageBuilder> message =
      std::make_unique<capnp::MallocMessageBuilder>();
  ledger::schema::VisitsView::Reader view;
};

Queried Query(ViewFixture& f, int64_t now, const projections::Filter& filter = {}) {
  Queried q;
  auto out = q.message->initRoot<ledger::schema::VisitsView>();
  f.views().visits.Query(filter, now, out);
  q.view = out.asReader();
  return q;
}

struct QueriedHousehold {
  std::unique_ptr<capnp::MallocMessageBuilder> message =
      std::make_unique<capnp::MallocMessageBuilder>();
  ledger::schema::HouseholdVisits::Reader view;
};

QueriedHousehold Household(ViewFixture& f, const std::string& id, int64_t now,
                           const projections::Filter& filter = {}) {
  QueriedHousehold q;
  auto out = q.message->initRoot<ledger::schema::HouseholdVisits>();
  f.views().visits.Household(id, filter, now, out);
  q.view = out.asReader();
  return q;
}

template <class List>
auto Obligation(List list, const std::string& id) {
  for (auto o : list) {
    if (o.getObligationId() == id) return o;
  }
  FAIL("no obligation " << id);
  return list[0];
}

template <class List>
bool HasObligation(List list, const std::string& id) {
  for (auto o : list) {
    if (o.getObligationId() == id) return true;
  }
  return false;
}

template <class List>
auto Compliance(List list, const std::string& key) {
  for (auto c : list) {
    if (c.getKey() == key) return c;
  }
  FAIL("no compliance for " << key);
  return list[0];
}

void CheckCompliance(ledger::schema::VisitCompliance::Reader c, uint32_t met, uint32_t missed,
                     uint32_t due) {
  CHECK(c.getMet() == met);
  CHECK(c.getMissed() == missed);
  CHECK(c.getDue() == due);
  CHECK(c.getDenominator() == met + missed);
  CHECK(c.getDefined() == (met + missed > 0));
  if (met + missed > 0) CHECK(c.getRate() == Approx(double(met) / (met + missed)));
}

const std::string kBirthday = "yearly/birthday/2025-05-12/household/a-1/person/p-1";
const std::string kDoubleNinth = "yearly/holiday/2025-10-29/household/a-1";

struct Scenario {
  uint64_t visit_1 = 0, visit_2 = 0, follow_up = 0;
};

// Estate a: household a-1 (elderly living alone, 王秀英 born 1940-05-12) and a-2 (not flagged);
// grid team "team-A" appointed to estate a. Estate b: household b-1 (not flagged), no team.
// Rules: 重阳节 "10-29" with a 3-day window, birthdays with a 7-day window.
Scenario Build(ViewFixture& f) {
  Scenario s;
  AdoptVisitRules(f, 1, "2024-01-01", {{"重阳节", "10-29"}}, 3, 7);
  Appoint(f, "person/g-1", "estate/a", "team-A");
  int64_t registered = Cst("2024-06-01 09:00");
  RegisterHousehold(f, "household/a-1", "estate/a", true, {{"person/p-1", "王秀英", "1940-05-12"}},
                    registered);
  RegisterHousehold(f, "household/a-2", "estate/a", false, {{"person/p-2", "李建国", "1950-02-01"}},
                    registered);
  RegisterHousehold(f, "household/b-1", "estate/b", false, {}, registered);

  Raise(f, "ob-h1", "household/a-2", VisitReason::HOSPITAL, "2025-03-10", Cst("2025-03-03 10:00"));
  Raise(f, "ob-h2", "household/b-1", VisitReason::HOSPITAL, "2025-03-10", Cst("2025-03-03 11:00"));
  s.visit_1 =
      Visit(f, "v-1", "household/a-2", "team-A", VisitReason::HOSPITAL, {"ob-h1"},
            Cst("2025-03-05 15:00"), {"慰问 (condolence call)", "燃气安全检查 (gas safety check)"});
  Raise(f, "ob-d1", "household/b-1", VisitReason::HARDSHIP, "2025-03-25", Cst("2025-03-15 09:00"));
  s.visit_2 = Visit(f, "v-2", "household/a-1", "team-A", VisitReason::BIRTHDAY, {},
                    Cst("2025-05-15 10:00"));
  s.follow_up = FollowUp(f, "v-2", Cst("2025-05-16 10:00"));
  return s;
}

}  // namespace

TEST_CASE("visits: obligations at an instant before the due days", "[visits]") {
  ViewFixture f;
  Build(f);
  // Asked on 2025-03-20 about 2025 (the local year of now):
  //   ob-h1 [03-03, 03-10] met by v-1 on 03-05 (it names ob-h1);
  //   ob-h2 [03-03, 03-10] nobody came, 03-20 > 03-10: missed;
  //   ob-d1 [03-15, 03-25] not closed yet: due;
  //   a-1's birthday [05-12, 05-19] and 重阳节 [10-29, 11-01]: due (v-2 on 05-15 is later than
  //   now); a-2 and b-1 are not flagged: no yearly obligations.
  // Compliance = met / (met + missed) = 1 / (1 + 1) = 0.5; the 3 due are not counted.
  auto q = Query(f, Cst("2025-03-20 12:00"));
  auto v = q.view;
  CHECK(v.getPeriodFrom() == Cst("2025-01-01 00:00"));
  CHECK(v.getPeriodTo() == Cst("2026-01-01 00:00"));
  CHECK(v.getObligationCount() == 5);
  auto list = v.getObligations();
  CHECK(Obligation(list, "ob-h1").getStatus() == "met");
  CHECK(Obligation(list, "ob-h1").getMetByVisitId() == "v-1");
  CHECK(Obligation(list, "ob-h1").getMetOn() == "2025-03-05");
  CHECK(Obligation(list, "ob-h1").getWindowFrom() == "2025-03-03");
  CHECK(Obligation(list, "ob-h1").getWindowTo() == "2025-03-10");
  CHECK(Obligation(list, "ob-h1").getSource() == "raised");
  CHECK(Obligation(list, "ob-h2").getStatus() == "missed");
  CHECK(Obligation(list, "ob-d1").getStatus() == "due");
  CHECK(Obligation(list, "ob-d1").getReason() == "hardship");
  CHECK(Obligation(list, kBirthday).getStatus() == "due");
  CHECK(Obligation(list, kDoubleNinth).getStatus() == "due");
  CheckCompliance(v.getCompliance(), 1, 1, 3);
  CHECK_THAT(std::string(v.getComplianceRule().cStr()), Catch::Contains("not counted"));
  // Estate a: ob-h1 met, two yearly due: 1/1. Estate b: ob-h2 missed, ob-d1 due: 0/1.
  CheckCompliance(Compliance(v.getByEstate(), "estate/a"), 1, 0, 2);
  CheckCompliance(Compliance(v.getByEstate(), "estate/b"), 0, 1, 1);
  // Only v-1 (03-05) happened; v-2 is in the year too and is listed.
  CHECK(v.getVisitCount() == 2);
}

TEST_CASE("visits: the year judged after the holiday with compliance per estate and team",
          "[visits]") {
  ViewFixture f;
  Scenario s = Build(f);
  int64_t now = Cst("2025-11-10 12:00");
  // ob-h1 met (v-1), ob-h2 missed, ob-d1 missed (closed 03-25, no visit),
  // birthday met by v-2 (05-15 within [05-12, 05-12 + 7 = 05-19]), 重阳节 missed (no visit by
  // 11-01). Overall 2 met / (2 + 3) = 0.4.
  auto q = Query(f, now);
  auto v = q.view;
  auto list = v.getObligations();
  CHECK(v.getObligationCount() == 5);
  CHECK(Obligation(list, kBirthday).getStatus() == "met");
  CHECK(Obligation(list, kBirthday).getMetByVisitId() == "v-2");
  CHECK(Obligation(list, kBirthday).getWindowTo() == "2025-05-19");
  CHECK(Obligation(list, kBirthday).getSource() == "yearly");
  CHECK(Obligation(list, kBirthday).getPolicyId() == "visit-rules");
  CHECK(Obligation(list, kDoubleNinth).getStatus() == "missed");
  CHECK(Obligation(list, kDoubleNinth).getOccasion() == "重阳节");
  CHECK(Obligation(list, kDoubleNinth).getWindowTo() == "2025-11-01");
  CHECK(Obligation(list, "ob-d1").getStatus() == "missed");
  CheckCompliance(v.getCompliance(), 2, 3, 0);

  // Estate a: ob-h1 + birthday met, 重阳节 missed: 2/3. Estate b: ob-h2, ob-d1 missed: 0/2.
  CheckCompliance(Compliance(v.getByEstate(), "estate/a"), 2, 1, 0);
  CheckCompliance(Compliance(v.getByEstate(), "estate/b"), 0, 2, 0);
  // Teams: team-A made v-1 and v-2 (2 met) and is the team appointed to estate a, so the missed
  // 重阳节 visit is laid at its door: 2/3. Estate b has no team: its 2 missed are unassigned.
  CheckCompliance(Compliance(v.getByTeam(), "team-A"), 2, 1, 0);
  CheckCompliance(Compliance(v.getByTeam(), "(unassigned)"), 0, 2, 0);
  CHECK(Obligation(list, kDoubleNinth).getTeam() == "team-A");
  CHECK(Obligation(list, kDoubleNinth).getTeamFrom() == "estateAppointment");
  CHECK(Obligation(list, kBirthday).getTeamFrom() == "visit");
  CHECK(Obligation(list, "ob-h2").getTeamFrom() == "");

  // Per reason: holiday 0/1, hospital 1 met 1 missed, birthday 1 met, hardship 1 missed.
  auto reasons = v.getByReason();
  REQUIRE(reasons.size() == 4);
  CHECK(reasons[0].getReason() == "holiday");
  CHECK(reasons[0].getMissed() == 1);
  CHECK(reasons[1].getReason() == "hospital");
  CHECK(reasons[1].getMet() == 1);
  CHECK(reasons[1].getMissed() == 1);
  CHECK(reasons[2].getReason() == "birthday");
  CHECK(reasons[2].getMet() == 1);
  CHECK(reasons[3].getReason() == "hardship");
  CHECK(reasons[3].getMissed() == 1);

  // Visits: v-2 (newest) then v-1, with the services given and what each met.
  REQUIRE(v.getVisits().size() == 2);
  CHECK(v.getVisits()[0].getVisitId() == "v-2");
  CHECK(v.getVisits()[0].getSatisfaction() == "satisfied");
  CHECK(v.getVisits()[0].getLocalDay() == "2025-05-15");
  REQUIRE(v.getVisits()[0].getMet().size() == 1);
  CHECK(v.getVisits()[0].getMet()[0] == kBirthday);
  CHECK(v.getVisits()[1].getVisitId() == "v-1");
  CHECK(v.getVisits()[1].getServices().size() == 2);
  CHECK(v.getVisits()[1].getEstateId() == "estate/a");
  // 慰问 on both visits, the gas check on one.
  REQUIRE(v.getServices().size() == 2);
  uint32_t condolence = 0, gas = 0;
  for (auto c : v.getServices()) {
    if (c.getKey() == "慰问 (condolence call)") condolence = c.getCount();
    if (c.getKey() == "燃气安全检查 (gas safety check)") gas = c.getCount();
  }
  CHECK(condolence == 2);
  CHECK(gas == 1);
  REQUIRE(v.getSatisfaction().size() == 1);
  CHECK(v.getSatisfaction()[0].getCount() == 1);

  SECTION("an unflagged household gets no yearly obligations") {
    for (auto o : list) {
      if (o.getSource() == "yearly") CHECK(o.getHouseholdId() == "household/a-1");
    }
    auto h = Household(f, "household/a-2", now);
    REQUIRE(h.view.getObligations().size() == 1);  // only the raised ob-h1
    CHECK(h.view.getObligations()[0].getObligationId() == "ob-h1");
  }

  SECTION("a voided visit makes its obligation missed again") {
    f.Void(s.visit_1, "visit recorded for the wrong household");
    // ob-h1 now missed: 1 met (birthday) / (1 + 4) = 0.2. Estate a: 1/3. team-A: the birthday
    // met, 重阳节 and ob-h1 (household a-2 is in estate a) missed: 1/3.
    auto after = Query(f, now);
    CHECK(Obligation(after.view.getObligations(), "ob-h1").getStatus() == "missed");
    CHECK(Obligation(after.view.getObligations(), "ob-h1").getMetByVisitId() == "");
    CheckCompliance(after.view.getCompliance(), 1, 4, 0);
    CheckCompliance(Compliance(after.view.getByEstate(), "estate/a"), 1, 2, 0);
    CheckCompliance(Compliance(after.view.getByTeam(), "team-A"), 1, 2, 0);
    CHECK(after.view.getVisitCount() == 1);
  }

  SECTION("a replaced visit is judged as replaced") {
    // v-2 was in fact a hospital visit: the birthday is then missed; 1 met / 5.
    f.Add("correction/v-2", 0, [&](Payload::Builder p) {
      auto c = p.initCorrectionRecorded();
      c.setCorrectsSeq(s.visit_2);
      c.setReason("reason entered wrongly");
      FillVisit(c.getAction().initReplacement(), "v-2", "household/a-1", "team-A",
                VisitReason::HOSPITAL, {}, {"慰问 (condolence call)"});
    });
    auto after = Query(f, now);
    CHECK(Obligation(after.view.getObligations(), kBirthday).getStatus() == "missed");
    CheckCompliance(after.view.getCompliance(), 1, 4, 0);
    // The follow-up of v-2 is untouched by the correction of the visit.
    CHECK(after.view.getSatisfaction().size() == 1);
  }

  SECTION("a voided follow-up takes back its satisfaction") {
    f.Void(s.follow_up);
    auto after = Query(f, now);
    CHECK(after.view.getSatisfaction().size() == 0);
    CHECK(after.view.getVisits()[0].getSatisfaction() == "");
  }

  SECTION("a raised obligation is met by a visit with its reason in its window") {
    // v-3 names no obligation but is a hardship visit to b-1 on 03-18, in [03-15, 03-25].
    Visit(f, "v-3", "household/b-1", "team-B", VisitReason::HARDSHIP, {}, Cst("2025-03-18 10:00"));
    // 3 met / (3 + 2) = 0.6; estate b 1/2; team-B 1/1; unassigned ob-h2 only: 0/1.
    auto after = Query(f, now);
    CHECK(Obligation(after.view.getObligations(), "ob-d1").getMetByVisitId() == "v-3");
    CheckCompliance(after.view.getCompliance(), 3, 2, 0);
    CheckCompliance(Compliance(after.view.getByEstate(), "estate/b"), 1, 1, 0);
    CheckCompliance(Compliance(after.view.getByTeam(), "team-B"), 1, 0, 0);
    CheckCompliance(Compliance(after.view.getByTeam(), "(unassigned)"), 0, 1, 0);
  }

  SECTION("filters narrow the period the estate and the list") {
    projections::Filter march;
    march.from_ms = Cst("2025-03-01 00:00");
    march.to_ms = Cst("2025-04-01 00:00");
    // Only the raised obligations open in March: ob-h1 met, ob-h2 and ob-d1 missed: 1/3.
    auto m = Query(f, now, march);
    CHECK(m.view.getObligationCount() == 3);
    CheckCompliance(m.view.getCompliance(), 1, 2, 0);
    CHECK(m.view.getVisitCount() == 1);  // v-1 on 03-05

    projections::Filter estate_a;
    estate_a.estate = "estate/a";
    // ob-h1, the birthday, 重阳节: 2/3.
    auto a = Query(f, now, estate_a);
    CHECK(a.view.getObligationCount() == 3);
    CheckCompliance(a.view.getCompliance(), 2, 1, 0);

    projections::Filter missed;
    missed.status = "missed";
    missed.limit = 2;
    // The counts stay whole; the list holds the 3 missed, paged 2 at a time.
    auto x = Query(f, now, missed);
    CHECK(x.view.getObligationCount() == 5);
    CHECK(x.view.getObligationsListed() == 3);
    CHECK(x.view.getObligations().size() == 2);
    CheckCompliance(x.view.getCompliance(), 2, 3, 0);
  }
}

TEST_CASE("visits: a flags change removes the yearly obligations after it", "[visits]") {
  ViewFixture f;
  Build(f);
  // a-1 stops being flagged on 2025-06-01. Flags are read as of each obligation's day: the
  // birthday (05-12) is still owed and met; 重阳节 (10-29) is no longer owed.
  uint64_t change = ClearFlags(f, "household/a-1", Cst("2025-06-01 09:00"));
  int64_t now = Cst("2025-11-10 12:00");
  auto q = Query(f, now);
  CHECK(q.view.getObligationCount() == 4);
  CHECK(Obligation(q.view.getObligations(), kBirthday).getStatus() == "met");
  CHECK_FALSE(HasObligation(q.view.getObligations(), kDoubleNinth));
  // ob-h1 + birthday met, ob-h2 + ob-d1 missed: 2/4. Estate a: 2/2.
  CheckCompliance(q.view.getCompliance(), 2, 2, 0);
  CheckCompliance(Compliance(q.view.getByEstate(), "estate/a"), 2, 0, 0);

  // Next year nothing is owed to a-1 at all.
  projections::Filter next_year;
  next_year.from_ms = Cst("2026-01-01 00:00");
  next_year.to_ms = Cst("2027-01-01 00:00");
  CHECK(Query(f, Cst("2026-12-31 12:00"), next_year).view.getObligationCount() == 0);

  // Voiding the change brings 重阳节 back.
  f.Void(change);
  auto restored = Query(f, now);
  CHECK(restored.view.getObligationCount() == 5);
  CHECK(Obligation(restored.view.getObligations(), kDoubleNinth).getStatus() == "missed");
}

// A worker dated flags back to before a holiday and forward again after it: the holiday's missed
// visit was no longer owed. Flags count from at most an hour before they were recorded, as the
// complaints' steps do; a street auditor's date is taken as given.
TEST_CASE("visits: flags dated back count from their recording", "[visits]") {
  ViewFixture f;
  Build(f);
  f.now = Cst("2025-11-05 09:00");
  auto cleared = testing::MakeEvent("ev-late-clear", [&](Payload::Builder p) {
    auto c = p.initHouseholdFlagsChanged();
    c.setHouseholdId("household/a-1");
    c.initFlags();
    c.setReason("dated back");
  });
  cleared.builder().setActorRole(ledger::schema::Role::COMMUNITY_WORKER);
  f.Append("household/a-1", std::move(cleared), Cst("2025-06-01 09:00"));
  // Counted on 2025-11-05 (an hour before): 重阳节 (10-29) is still owed, and missed, as in the
  // test above before its change; the birthday too.
  auto q = Query(f, Cst("2025-11-10 12:00"));
  CHECK(q.view.getObligationCount() == 5);
  CHECK(Obligation(q.view.getObligations(), kDoubleNinth).getStatus() == "missed");
  CHECK(Obligation(q.view.getObligations(), kBirthday).getStatus() == "met");

  // The same change by a street auditor counts on the day it gives.
  ViewFixture g;
  Build(g);
  g.now = Cst("2025-11-05 09:00");
  auto audited = testing::MakeEvent("ev-audited-clear", [&](Payload::Builder p) {
    auto c = p.initHouseholdFlagsChanged();
    c.setHouseholdId("household/a-1");
    c.initFlags();
    c.setReason("office records");
  });
  audited.builder().setActorRole(ledger::schema::Role::STREET_AUDITOR);
  g.Append("household/a-1", std::move(audited), Cst("2025-06-01 09:00"));
  auto r = Query(g, Cst("2025-11-10 12:00"));
  CHECK(r.view.getObligationCount() == 4);
  CHECK_FALSE(HasObligation(r.view.getObligations(), kDoubleNinth));
}

TEST_CASE("visits: one household's history across years", "[visits]") {
  ViewFixture f;
  Build(f);
  // a-1 was registered on 2024-06-01, so its 2024 birthday (05-12) was owed nothing; 2024's
  // 重阳节 was owed and missed. 2025: birthday met, 重阳节 missed. 1 met / 3.
  auto h = Household(f, "household/a-1", Cst("2025-11-10 12:00"));
  auto v = h.view;
  CHECK(v.getRegistered());
  CHECK(v.getEstateId() == "estate/a");
  CHECK(v.getFlags().getElderlyAlone());
  CHECK(v.getPeriodFrom() == Cst("2024-01-01 00:00"));
  CHECK(v.getPeriodTo() == Cst("2026-01-01 00:00"));
  REQUIRE(v.getObligations().size() == 3);
  CHECK(v.getObligations()[0].getObligationId() == "yearly/holiday/2024-10-29/household/a-1");
  CHECK(v.getObligations()[0].getStatus() == "missed");
  CHECK(v.getObligations()[1].getObligationId() == kBirthday);
  CHECK(v.getObligations()[2].getObligationId() == kDoubleNinth);
  CheckCompliance(v.getCompliance(), 1, 2, 0);
  REQUIRE(v.getVisits().size() == 1);
  CHECK(v.getVisits()[0].getVisitId() == "v-2");
  CHECK(v.getVisits()[0].getFollowUps() == 1);

  auto unknown = Household(f, "household/zz", Cst("2025-11-10 12:00"));
  CHECK_FALSE(unknown.view.getRegistered());
  CHECK(unknown.view.getObligations().size() == 0);
  CHECK(unknown.view.getNotes().size() == 1);
}

TEST_CASE("visits: windows are local days and named obligations bind the visit", "[visits]") {
  ViewFixture f;
  AdoptVisitRules(f, 1, "2024-01-01", {}, 3, 7);
  int64_t registered = Cst("2024-06-01 09:00");
  for (int i = 1; i <= 5; ++i) {
    std::string n = std::to_string(i);
    RegisterHousehold(f, "h-" + n, "estate/a", true, {{"p-" + n, "", "1940-05-12"}}, registered);
  }
  // Birthday window [05-12, 05-19] in China Standard Time.
  // h-1: 05-19 23:30 local, the last day: met.
  Visit(f, "v-1", "h-1", "t", VisitReason::BIRTHDAY, {}, Cst("2025-05-19 23:30"));
  // h-2: 05-20 01:00 local (still 05-19 in UTC): too late; shown as a late visit.
  Visit(f, "v-2", "h-2", "t", VisitReason::BIRTHDAY, {}, Cst("2025-05-20 01:00"));
  // h-3: 05-11 23:59 local, the day before: does not count.
  Visit(f, "v-3", "h-3", "t", VisitReason::BIRTHDAY, {}, Cst("2025-05-11 23:59"));
  // h-4: a birthday visit that names another obligation answers only that one.
  Visit(f, "v-4", "h-4", "t", VisitReason::BIRTHDAY, {"ob-other"}, Cst("2025-05-13 10:00"));
  // h-5: a visit that names the yearly obligation's id meets it whatever its reason.
  Visit(f, "v-5", "h-5", "t", VisitReason::HOSPITAL, {"yearly/birthday/2025-05-12/h-5/p-5"},
        Cst("2025-05-14 10:00"));

  auto q = Query(f, Cst("2025-06-01 12:00"));
  auto list = q.view.getObligations();
  REQUIRE(q.view.getObligationCount() == 5);
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-1/p-1").getStatus() == "met");
  auto late = Obligation(list, "yearly/birthday/2025-05-12/h-2/p-2");
  CHECK(late.getStatus() == "missed");
  CHECK(late.getLateVisitId() == "v-2");
  auto early = Obligation(list, "yearly/birthday/2025-05-12/h-3/p-3");
  CHECK(early.getStatus() == "missed");
  CHECK(early.getLateVisitId() == "");
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-4/p-4").getStatus() == "missed");
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-5/p-5").getStatus() == "met");
  // h-1 and h-5 met, three missed: 2/5.
  CheckCompliance(q.view.getCompliance(), 2, 3, 0);
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-1/p-1").getClosesAt() ==
        Cst("2025-05-20 00:00"));
}

// A community worker entered a visit three weeks late, dated inside the birthday window it had
// missed: the figures showed the obligation met on time. A worker's visit counts from at most a
// week before it is recorded (the audit index flags it late after a week); a street auditor's
// date is taken as given.
TEST_CASE("visits: a worker's visit entered late counts from a week before its entry", "[visits]") {
  ViewFixture f;
  AdoptVisitRules(f, 1, "2024-01-01", {}, 3, 7);
  RegisterHousehold(f, "h-1", "estate/a", true, {{"p-1", "", "1940-05-12"}},
                    Cst("2024-06-01 09:00"));
  RegisterHousehold(f, "h-2", "estate/a", true, {{"p-2", "", "1940-05-12"}},
                    Cst("2024-06-01 09:00"));
  RegisterHousehold(f, "h-3", "estate/a", true, {{"p-3", "", "1940-05-12"}},
                    Cst("2024-06-01 09:00"));
  auto visit = [&](const char* id, const char* household, ledger::schema::Role role, int64_t dated,
                   int64_t entered) {
    auto event = testing::MakeEvent(std::string("ev-") + id, [&](Payload::Builder p) {
      FillVisit(p, id, household, "t", VisitReason::BIRTHDAY, {}, {"慰问 (condolence call)"});
    });
    event.builder().setActorRole(role);
    f.now = entered;
    f.Append(std::string("visit/") + id, std::move(event), dated);
  };
  // Birthday window [05-12, 05-19]. h-1: dated 05-13, entered 06-05 by a worker: counted from
  // 05-29, after the window. h-2: dated 05-13, entered 05-19 by a worker: within the week, met.
  // h-3: dated 05-13, entered 06-05 by a street auditor: as given, met.
  // (In the order they are recorded: the ledger's clock does not go back.)
  visit("v-2", "h-2", ledger::schema::Role::COMMUNITY_WORKER, Cst("2025-05-13 10:00"),
        Cst("2025-05-19 10:00"));
  visit("v-1", "h-1", ledger::schema::Role::COMMUNITY_WORKER, Cst("2025-05-13 10:00"),
        Cst("2025-06-05 10:00"));
  visit("v-3", "h-3", ledger::schema::Role::STREET_AUDITOR, Cst("2025-05-13 10:00"),
        Cst("2025-06-05 10:00"));
  auto q = Query(f, Cst("2025-06-06 12:00"));
  auto list = q.view.getObligations();
  REQUIRE(q.view.getObligationCount() == 3);
  auto late = Obligation(list, "yearly/birthday/2025-05-12/h-1/p-1");
  CHECK(late.getStatus() == "missed");
  CHECK(late.getLateVisitId() == "v-1");
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-2/p-2").getStatus() == "met");
  CHECK(Obligation(list, "yearly/birthday/2025-05-12/h-3/p-3").getStatus() == "met");
  CheckCompliance(q.view.getCompliance(), 2, 1, 0);
}

TEST_CASE("visits: each holiday follows the rules in force on its day", "[visits]") {
  ViewFixture f;
  // v1 from 2024: 春节 01-29 and 重阳节 10-29, 3 days. v2 from 2025-07-01: 国庆节 10-01 and
  // 重阳节 10-29, 7 days. In 2025: 01-29 under v1 (to 02-01), 10-01 and 10-29 under v2 (to 10-08
  // and 11-05); v1's 10-29 is not owed twice.
  AdoptVisitRules(f, 1, "2024-01-01", {{"春节", "01-29"}, {"重阳节", "10-29"}}, 3, 7);
  AdoptVisitRules(f, 2, "2025-07-01", {{"国庆节", "10-01"}, {"重阳节", "10-29"}}, 7, 7);
  RegisterHousehold(f, "h-1", "estate/a", true, {}, Cst("2024-06-01 09:00"));
  auto q = Query(f, Cst("2025-12-31 12:00"));
  auto list = q.view.getObligations();
  REQUIRE(list.size() == 3);
  CHECK(list[0].getObligationId() == "yearly/holiday/2025-01-29/h-1");
  CHECK(list[0].getWindowTo() == "2025-02-01");
  CHECK(list[0].getPolicyVersion() == 1);
  CHECK(list[1].getObligationId() == "yearly/holiday/2025-10-01/h-1");
  CHECK(list[1].getWindowTo() == "2025-10-08");
  CHECK(list[1].getPolicyVersion() == 2);
  CHECK(list[2].getOccasion() == "重阳节");
  CHECK(list[2].getWindowTo() == "2025-11-05");
  CHECK(list[2].getPolicyVersion() == 2);
}

TEST_CASE("visits: without visit rules only raised obligations are judged", "[visits]") {
  ViewFixture f;
  RegisterHousehold(f, "h-1", "estate/a", true, {{"p-1", "", "1940-05-12"}},
                    Cst("2024-06-01 09:00"));
  Raise(f, "ob-1", "h-1", VisitReason::HOSPITAL, "2025-03-10", Cst("2025-03-03 10:00"));
  auto q = Query(f, Cst("2025-03-08 12:00"));
  REQUIRE(q.view.getObligationCount() == 1);
  CHECK(q.view.getObligations()[0].getStatus() == "due");
  CHECK(q.view.getNotes().size() == 1);
  // Nothing closed yet: no rate.
  CheckCompliance(q.view.getCompliance(), 0, 0, 1);
}

// An estate's raised obligations are read through its households, from the period's start: the
// ones raised before it are left out (their window opened before it), one recorded after its
// due day is in (its window is that day), and a correction that moves an obligation to another
// household moves it to that household's estate.
TEST_CASE("visits: an estate's raised obligations are its households', as corrected", "[visits]") {
  ViewFixture f;
  RegisterHousehold(f, "h-a", "estate/a", false, {}, Cst("2024-06-01 09:00"));
  RegisterHousehold(f, "h-a2", "estate/a", false, {}, Cst("2024-06-01 09:00"));
  RegisterHousehold(f, "h-b", "estate/b", false, {}, Cst("2024-06-01 09:00"));
  Raise(f, "ob-before", "h-a", VisitReason::HOSPITAL, "2025-01-05", Cst("2024-12-30 10:00"));
  Raise(f, "ob-a", "h-a2", VisitReason::HOSPITAL, "2025-03-10", Cst("2025-03-03 10:00"));
  Raise(f, "ob-late", "h-a", VisitReason::HARDSHIP, "2025-03-15", Cst("2025-03-20 10:00"));
  uint64_t moved =
      Raise(f, "ob-b", "h-b", VisitReason::HOSPITAL, "2025-03-11", Cst("2025-03-04 10:00"));
  Raise(f, "ob-stays", "h-b", VisitReason::HOSPITAL, "2025-04-11", Cst("2025-04-04 10:00"));

  auto ids = [&](const std::string& estate) {
    projections::Filter filter;
    filter.estate = estate;
    auto q = Query(f, Cst("2025-06-01 12:00"), filter);  // the period: 2025
    std::vector<std::string> out;
    for (auto o : q.view.getObligations()) out.emplace_back(o.getObligationId().cStr());
    std::sort(out.begin(), out.end());
    return out;
  };
  using Ids = std::vector<std::string>;
  CHECK(ids("estate/a") == Ids{"ob-a", "ob-late"});
  CHECK(ids("estate/b") == Ids{"ob-b", "ob-stays"});

  f.Add("correction/ob-b", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(moved);
    c.setReason("recorded for the wrong household");
    auto o = c.getAction().initReplacement().initVisitObligationRaised();
    o.setObligationId("ob-b");
    o.setHouseholdId("h-a");
    o.setReason(VisitReason::HOSPITAL);
    o.setDueBy("2025-03-11");
  });
  CHECK(ids("estate/a") == Ids{"ob-a", "ob-b", "ob-late"});
  CHECK(ids("estate/b") == Ids{"ob-stays"});
  // One household's page reads its own, of every year.
  auto page = Household(f, "h-a", Cst("2025-06-01 12:00"));
  std::vector<std::string> mine;
  for (auto o : page.view.getObligations()) mine.emplace_back(o.getObligationId().cStr());
  std::sort(mine.begin(), mine.end());
  CHECK(mine == Ids{"ob-b", "ob-before", "ob-late"});
}

// An estate's visits and raised obligations are read from its own keys (the visits view keeps
// each under its household's estate): they must follow the household register, whatever order
// the events come in and however they are corrected.
TEST_CASE("visits: an estate's visits and obligations follow their household's registration",
          "[visits]") {
  ViewFixture f;
  using Ids = std::vector<std::string>;
  auto in_estate = [&](const std::string& estate) {
    projections::Filter filter;
    filter.estate = estate;
    auto q = Query(f, Cst("2025-06-01 12:00"), filter);  // the period: 2025
    Ids visits, obligations;
    for (auto v : q.view.getVisits()) {
      visits.emplace_back(v.getVisitId().cStr());
      CHECK(std::string(v.getEstateId().cStr()) == estate);
    }
    for (auto o : q.view.getObligations()) {
      obligations.emplace_back(o.getObligationId().cStr());
      CHECK(std::string(o.getEstateId().cStr()) == estate);
    }
    std::sort(visits.begin(), visits.end());
    std::sort(obligations.begin(), obligations.end());
    CHECK(q.view.getVisitCount() == visits.size());
    return std::pair{visits, obligations};
  };
  using Both = std::pair<Ids, Ids>;

  RegisterHousehold(f, "h-1", "estate/a", false, {}, Cst("2024-06-01 09:00"));
  Visit(f, "v-1", "h-1", "team-A", VisitReason::HOSPITAL, {}, Cst("2025-03-05 15:00"));
  Raise(f, "ob-1", "h-1", VisitReason::HOSPITAL, "2025-03-20", Cst("2025-03-10 10:00"));
  // Visited and raised before the household is in the register: of no estate yet.
  Visit(f, "v-2", "h-2", "team-B", VisitReason::HARDSHIP, {}, Cst("2025-03-06 15:00"));
  Raise(f, "ob-2", "h-2", VisitReason::HARDSHIP, "2025-03-25", Cst("2025-03-11 10:00"));
  uint64_t wrong_household =
      Visit(f, "v-3", "h-1", "team-A", VisitReason::HOSPITAL, {}, Cst("2025-03-07 15:00"));
  CHECK(in_estate("estate/a") == Both{{"v-1", "v-3"}, {"ob-1"}});
  CHECK(in_estate("estate/b") == Both{{}, {}});

  RegisterHousehold(f, "h-2", "estate/b", false, {}, Cst("2025-04-01 09:00"));
  CHECK(in_estate("estate/b") == Both{{"v-2"}, {"ob-2"}});

  // v-3 was to h-2: the replacement moves it with its household.
  f.Add("correction/v-3", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(wrong_household);
    c.setReason("recorded for the wrong household");
    FillVisit(c.getAction().initReplacement(), "v-3", "h-2", "team-B", VisitReason::HARDSHIP, {},
              {"慰问 (condolence call)"});
  });
  CHECK(in_estate("estate/a") == Both{{"v-1"}, {"ob-1"}});
  CHECK(in_estate("estate/b") == Both{{"v-2", "v-3"}, {"ob-2"}});

  // The household h-1 moves to estate b: its visits and obligations with it.
  uint64_t moved = RegisterHousehold(f, "h-1", "estate/b", false, {}, Cst("2025-05-01 09:00"));
  CHECK(in_estate("estate/a") == Both{{}, {}});
  CHECK(in_estate("estate/b") == Both{{"v-1", "v-2", "v-3"}, {"ob-1", "ob-2"}});
  CHECK(std::string(Household(f, "h-1", Cst("2025-06-01 12:00")).view.getEstateId().cStr()) ==
        "estate/b");

  // The move was to estate c: the replaced registration moves them again.
  f.Add("correction/h-1", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(moved);
    c.setReason("the wrong estate");
    auto h = c.getAction().initReplacement().initHouseholdRegistered();
    h.setHouseholdId("h-1");
    h.setEstateId("estate/c");
    h.initFlags();
  });
  CHECK(in_estate("estate/b") == Both{{"v-2", "v-3"}, {"ob-2"}});
  CHECK(in_estate("estate/c") == Both{{"v-1"}, {"ob-1"}});

  // Voiding the move: the register then forgets h-1 (its standing registration is the one
  // voided), and so do the estates' pages.
  f.Void(moved);
  CHECK(f.views().registers.EstateOfHousehold("h-1").empty());
  CHECK(in_estate("estate/a") == Both{{}, {}});
  CHECK(in_estate("estate/c") == Both{{}, {}});
  CHECK(in_estate("estate/b") == Both{{"v-2", "v-3"}, {"ob-2"}});
  // Registered again, in estate a: back they come.
  RegisterHousehold(f, "h-1", "estate/a", false, {}, Cst("2025-05-20 09:00"));
  CHECK(in_estate("estate/a") == Both{{"v-1"}, {"ob-1"}});
}

// An estate's yearly obligations are generated from its households that were ever flagged (an
// ordering of the register), not from every household: a household flagged after it was
// registered, or flagged then cleared, must still owe what it owed on its days, and the estates'
// lists together must be the district's.
TEST_CASE("visits: an estate's yearly obligations come from its households ever flagged",
          "[visits]") {
  ViewFixture f;
  using Ids = std::vector<std::string>;
  auto flag = [&](const std::string& id, int64_t at) {
    return f.Add(id, at, [&](Payload::Builder p) {
      auto c = p.initHouseholdFlagsChanged();
      c.setHouseholdId(id);
      c.initFlags().setElderlyAlone(true);
      c.setReason("老伴去世，独居 (now living alone)");
    });
  };
  auto yearly = [&](const std::string& estate) {
    projections::Filter filter;
    filter.estate = estate;
    auto q = Query(f, Cst("2025-12-31 12:00"), filter);  // the period: 2025
    Ids ids;
    for (auto o : q.view.getObligations()) ids.emplace_back(o.getObligationId().cStr());
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto district = [&] {
    Ids ids;
    auto q = Query(f, Cst("2025-12-31 12:00"));  // kept: the list lives in its message
    for (auto o : q.view.getObligations()) ids.emplace_back(o.getObligationId().cStr());
    std::sort(ids.begin(), ids.end());
    return ids;
  };

  AdoptVisitRules(f, 1, "2024-01-01", {{"重阳节", "10-29"}}, 3, 7);
  int64_t registered = Cst("2024-06-01 09:00");
  // Registered unflagged, flagged on 2025-02-01: owes its 2025 birthday (03-10) and 重阳节.
  RegisterHousehold(f, "household/late", "estate/a", false, {{"person/p-l", "赵", "1950-03-10"}},
                    registered);
  flag("household/late", Cst("2025-02-01 09:00"));
  // Flagged at registration, cleared on 2025-09-01: owes its birthday (08-20), not 重阳节.
  RegisterHousehold(f, "household/cleared", "estate/a", true, {{"person/p-c", "钱", "1945-08-20"}},
                    registered);
  ClearFlags(f, "household/cleared", Cst("2025-09-01 09:00"));
  // Flagged by a change that is then voided: owes nothing.
  RegisterHousehold(f, "household/voided", "estate/a", false, {{"person/p-v", "孙", "1955-07-07"}},
                    registered);
  uint64_t mistaken = flag("household/voided", Cst("2025-01-10 09:00"));
  // Never flagged: owes nothing.
  RegisterHousehold(f, "household/never", "estate/a", false, {{"person/p-n", "李", "1960-04-04"}},
                    registered);
  // Flagged, in estate b: owes 重阳节 there.
  RegisterHousehold(f, "household/b", "estate/b", true, {}, registered);

  Ids a = {"yearly/birthday/2025-03-10/household/late/person/p-l",
           "yearly/birthday/2025-07-07/household/voided/person/p-v",
           "yearly/birthday/2025-08-20/household/cleared/person/p-c",
           "yearly/holiday/2025-10-29/household/late",
           "yearly/holiday/2025-10-29/household/voided"};
  Ids b = {"yearly/holiday/2025-10-29/household/b"};
  CHECK(yearly("estate/a") == a);
  CHECK(yearly("estate/b") == b);

  // The mistaken flag voided: nothing owed by that household any more.
  f.Void(mistaken);
  a = {"yearly/birthday/2025-03-10/household/late/person/p-l",
       "yearly/birthday/2025-08-20/household/cleared/person/p-c",
       "yearly/holiday/2025-10-29/household/late"};
  CHECK(yearly("estate/a") == a);

  // The household never flagged is flagged on 2025-04-01: its birthday (04-04) and 重阳节.
  flag("household/never", Cst("2025-04-01 09:00"));
  a = {"yearly/birthday/2025-03-10/household/late/person/p-l",
       "yearly/birthday/2025-04-04/household/never/person/p-n",
       "yearly/birthday/2025-08-20/household/cleared/person/p-c",
       "yearly/holiday/2025-10-29/household/late", "yearly/holiday/2025-10-29/household/never"};
  CHECK(yearly("estate/a") == a);
  CHECK(yearly("estate/b") == b);

  // The estates' lists together are the district's, which reads every household.
  Ids both = a;
  both.insert(both.end(), b.begin(), b.end());
  std::sort(both.begin(), both.end());
  CHECK(district() == both);
}

TEST_CASE("visits: pages of visits and obligations are cuts of the whole lists", "[visits]") {
  ViewFixture f;
  Build(f);
  // b-1 is also in hospital from 03-04 (due 03-12), and v-3 on 03-06 answers both of its
  // hospital stays, naming them in the other order than they are listed.
  Raise(f, "ob-h3", "household/b-1", VisitReason::HOSPITAL, "2025-03-12", Cst("2025-03-04 09:00"));
  Visit(f, "v-3", "household/b-1", "team-B", VisitReason::HOSPITAL, {"ob-h3", "ob-h2"},
        Cst("2025-03-06 16:00"));
  int64_t now = Cst("2025-11-10 12:00");

  // Listed by the day the window opens, then household, then id: ob-h1 (03-03, a-2), ob-h2
  // (03-03, b-1), ob-h3 (03-04), ob-d1 (03-15), the birthday (05-12), 重阳节 (10-29). Met:
  // ob-h1 by v-1, ob-h2 and ob-h3 by v-3, the birthday by v-2; ob-d1 and 重阳节 missed.
  const std::vector<std::string> all = {"ob-h1", "ob-h2",   "ob-h3",
                                        "ob-d1", kBirthday, kDoubleNinth};
  const std::vector<std::string> met = {"ob-h1", "ob-h2", "ob-h3", kBirthday};
  const std::vector<std::string> missed = {"ob-d1", kDoubleNinth};
  // Visits newest first: v-2 (05-15), v-3 (03-06), v-1 (03-05).
  const std::vector<std::string> visits = {"v-2", "v-3", "v-1"};

  projections::Filter whole;
  whole.limit = 100;
  auto q = Query(f, now, whole);
  {
    auto v = q.view;
    CHECK(v.getObligationCount() == 6);
    CheckCompliance(v.getCompliance(), 4, 2, 0);
    REQUIRE(v.getVisits().size() == 3);
    auto v3 = v.getVisits()[1];
    CHECK(v3.getVisitId() == "v-3");
    REQUIRE(v3.getMet().size() == 2);
    CHECK(v3.getMet()[0] == "ob-h2");
    CHECK(v3.getMet()[1] == "ob-h3");
  }

  for (const std::string status : {"", "met", "missed"}) {
    const auto& listed = status.empty() ? all : status == "met" ? met : missed;
    for (size_t offset = 0; offset <= listed.size() + 1; ++offset) {
      CAPTURE(status, offset);
      projections::Filter page;
      page.status = status;
      page.offset = offset;
      page.limit = 2;
      auto p = Query(f, now, page);
      auto v = p.view;
      // The counts are the whole period's, whatever the page.
      CHECK(v.getObligationCount() == 6);
      CheckCompliance(v.getCompliance(), 4, 2, 0);
      CHECK(v.getObligationsListed() == listed.size());
      CHECK(v.getObligationsOffset() == std::min(offset, listed.size()));
      std::vector<std::string> got, expected;
      for (auto o : v.getObligations()) got.push_back(o.getObligationId());
      for (size_t i = offset; i < std::min(listed.size(), offset + 2); ++i) {
        expected.push_back(listed[i]);
      }
      CHECK(got == expected);

      CHECK(v.getVisitCount() == 3);
      CHECK(v.getVisitsOffset() == std::min<size_t>(offset, 3));
      std::vector<std::string> got_visits, expected_visits;
      for (auto visit : v.getVisits()) {
        got_visits.push_back(visit.getVisitId());
        // What a visit met is the same on any page it is on.
        for (auto whole_visit : q.view.getVisits()) {
          if (whole_visit.getVisitId() != visit.getVisitId()) continue;
          std::vector<std::string> met_here, met_whole;
          for (auto id : visit.getMet()) met_here.emplace_back(id);
          for (auto id : whole_visit.getMet()) met_whole.emplace_back(id);
          CHECK(met_here == met_whole);
        }
      }
      for (size_t i = offset; i < std::min<size_t>(3, offset + 2); ++i) {
        expected_visits.push_back(visits[i]);
      }
      CHECK(got_visits == expected_visits);
    }
  }
}
