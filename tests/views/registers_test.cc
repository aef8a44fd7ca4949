// The registers: which company serves an estate on a given day, the estates a company served in a
// period and for how many days, household counts, and corrections of contracts and households.
//
// The contracts used throughout:
//   k1  company/a  estate/e1  2024-01-01 .. 2024-06-30 (ended)
//   k2  company/b  estate/e1  2024-07-01 .. open
//   k3  company/a  estate/e2  2024-03-01 .. open

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "projections/calendar.h"
#include "projections/views/registers.h"
#include "view_fixture.h"

using ledger::schema::Payload;
using testing::ViewFixture;

namespace {

int64_t Day(const char* text) {
  auto day = projections::ParseDay(text);
  REQUIRE(day.has_value());
  return *day;
}

struct Scenario {
  uint64_t k1_ended = 0;
  uint64_t k3_started = 0;
  uint64_t h3_registered = 0;
};

uint64_t Start(ViewFixture& f, const char* contract, const char* company, const char* estate,
               const char* from) {
  return f.Add(std::string("contract/") + contract, 0, [&](Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId(std::string("contract/") + contract);
    c.setEstateId(estate);
    c.setCompanyId(company);
    c.setStartDate(from);
  });
}

uint64_t Household(ViewFixture& f, const char* id, const char* estate) {
  return f.Add(std::string("household/") + id, 0, [&](Payload::Builder p) {
    auto h = p.initHouseholdRegistered();
    h.setHouseholdId(std::string("household/") + id);
    h.setEstateId(estate);
  });
}

Scenario Build(ViewFixture& f) {
  Scenario s;
  f.Add("estate/e1", 0, [](Payload::Builder p) {
    auto e = p.initEstateRegistered();
    e.setEstateId("estate/e1");
    e.setName("阳光花园");
    e.setHouseholdCount(200);
  });
  f.Add("estate/e2", 0, [](Payload::Builder p) {
    auto e = p.initEstateRegistered();
    e.setEstateId("estate/e2");
    e.setName("E2");
  });
  Start(f, "k1", "company/a", "estate/e1", "2024-01-01");
  s.k1_ended = f.Add("contract/k1", 0, [](Payload::Builder p) {
    auto c = p.initServiceContractEnded();
    c.setContractId("contract/k1");
    c.setEstateId("estate/e1");
    c.setCompanyId("company/a");
    c.setEndDate("2024-06-30");
  });
  Start(f, "k2", "company/b", "estate/e1", "2024-07-01");
  s.k3_started = Start(f, "k3", "company/a", "estate/e2", "2024-03-01");
  Household(f, "h1", "estate/e1");
  Household(f, "h2", "estate/e2");
  s.h3_registered = Household(f, "h3", "estate/e2");
  return s;
}

using Served = std::vector<std::pair<std::string, int64_t>>;

}  // namespace

TEST_CASE("the serving company is the one whose contract covers the day", "[registers]") {
  ViewFixture f;
  Build(f);
  const auto& r = f.views().registers;
  CHECK(r.ServingCompany("estate/e1", Day("2023-12-31")) == "");
  CHECK(r.ServingCompany("estate/e1", Day("2024-01-01")) == "company/a");
  CHECK(r.ServingCompany("estate/e1", Day("2024-06-30")) == "company/a");  // its last day
  CHECK(r.ServingCompany("estate/e1", Day("2024-07-01")) == "company/b");
  CHECK(r.ServingCompany("estate/e2", Day("2024-02-29")) == "");
  CHECK(r.ServingCompany("estate/e2", Day("2030-01-01")) == "company/a");
  CHECK(r.ServingCompany("estate/none", Day("2024-05-01")) == "");
}

TEST_CASE("the estates a company served in a period, with the days of each", "[registers]") {
  ViewFixture f;
  Build(f);
  const auto& r = f.views().registers;
  // 2024 is a leap year. company/a: e1 from 01-01 to 06-30 = 31+29+31+30+31+30 = 182 days;
  // e2 from 03-01 to 12-31 = 366 - 31 - 29 = 306 days.
  CHECK(r.EstatesServed("company/a", Day("2024-01-01"), Day("2024-12-31")) ==
        Served{{"estate/e1", 182}, {"estate/e2", 306}});
  // company/b: e1 from 07-01 to 12-31 = 184 days.
  CHECK(r.EstatesServed("company/b", Day("2024-01-01"), Day("2024-12-31")) ==
        Served{{"estate/e1", 184}});
  // A period before any contract.
  CHECK(r.EstatesServed("company/a", Day("2023-01-01"), Day("2023-12-31")).empty());
}

TEST_CASE("household counts: the declared one, else the registered ones", "[registers]") {
  ViewFixture f;
  Build(f);
  const auto& r = f.views().registers;
  CHECK(r.HouseholdCount("estate/e1", f.now) == 200);  // declared, though one is registered
  CHECK(r.HouseholdCount("estate/e2", f.now) == 2);    // none declared: h2 and h3
  CHECK(r.HouseholdCount("estate/none", f.now) == 0);
  CHECK(r.EstateOfHousehold("household/h3") == "estate/e2");
  CHECK(r.EstateOfHousehold("household/none") == "");
}

TEST_CASE("registering an estate or a committee again does not rewrite the years before",
          "[registers]") {
  ViewFixture f;
  f.now = testing::Cst("2024-01-01 00:00");
  auto estate = [&](uint32_t households) {
    return f.Add("estate/e1", 0, [&](Payload::Builder p) {
      auto e = p.initEstateRegistered();
      e.setEstateId("estate/e1");
      e.setName("阳光花园");
      e.setHouseholdCount(households);
    });
  };
  auto committee = [&](const char* start, const char* end) {
    return f.Add("committee/e1", 0, [&](Payload::Builder p) {
      auto c = p.initOwnersCommitteeFormed();
      c.setCommitteeId("committee/e1");
      c.setEstateId("estate/e1");
      c.setTermStart(start);
      c.setTermEnd(end);
    });
  };
  estate(200);
  uint64_t first_term = committee("2022-06-01", "2027-05-31");
  f.now = testing::Cst("2026-12-08 10:00");
  estate(6000);
  uint64_t second_term = committee("2026-12-01", "2031-11-30");
  const auto& r = f.views().registers;
  // 2025 was judged at its end, before the estate declared 6,000: it keeps 200.
  CHECK(r.HouseholdCount("estate/e1", testing::Cst("2025-12-31 23:59")) == 200);
  CHECK(r.HouseholdCount("estate/e1", f.now) == 6000);
  CHECK(r.HouseholdCount("estate/e1", testing::Cst("2023-06-01 00:00")) == 200);  // the earliest declared
  // The committee keeps its first term: it is rated in 2025 still, and from 2026-12 too.
  const projections::CommitteeRecord* c = r.committees().Find("committee/e1");
  REQUIRE(c != nullptr);
  CHECK(c->Serves(Day("2025-01-01"), Day("2025-12-31")));
  CHECK(c->Serves(Day("2030-01-01"), Day("2030-12-31")));
  CHECK_FALSE(c->Serves(Day("2021-01-01"), Day("2021-12-31")));
  // A void takes its own term or count away, and no other.
  f.Void(first_term);
  c = f.views().registers.committees().Find("committee/e1");
  REQUIRE(c != nullptr);
  CHECK_FALSE(c->Serves(Day("2025-01-01"), Day("2025-12-31")));
  CHECK(c->Serves(Day("2027-01-01"), Day("2027-12-31")));
  f.Void(second_term);
  CHECK(f.views().registers.committees().Find("committee/e1") == nullptr);  // no term left
}

TEST_CASE("voided contracts and households are as if never recorded", "[registers]") {
  ViewFixture f;
  Scenario s = Build(f);
  f.Void(s.k1_ended);
  f.Void(s.k3_started);
  f.Void(s.h3_registered);
  const auto& r = f.views().registers;
  // k1 no longer ends; k2 starts later, so from 07-01 the later contract serves.
  CHECK(r.ServingCompany("estate/e1", Day("2024-06-30")) == "company/a");
  CHECK(r.ServingCompany("estate/e1", Day("2024-07-01")) == "company/b");
  CHECK(r.ServingCompany("estate/e2", Day("2024-05-01")) == "");
  CHECK(r.HouseholdCount("estate/e2", f.now) == 1);
  CHECK(r.EstateOfHousehold("household/h3") == "");
  // company/a served e1 the whole year once k1's end is voided: 366 days.
  CHECK(r.EstatesServed("company/a", Day("2024-01-01"), Day("2024-12-31")) ==
        Served{{"estate/e1", 366}});
}

// The registers view of one estate reads the estate's own keys (an ordering of the households by
// estate): its list must follow registrations, moves and corrections, in id order, and count
// the flagged ones.
TEST_CASE("the registers view of an estate lists its households as registered and moved",
          "[registers]") {
  ViewFixture f;
  Scenario s = Build(f);  // h1 in e1; h2 and h3 in e2
  auto listed = [&](const char* estate) {
    projections::Filter filter;
    filter.estate = estate;
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::RegistersView>();
    f.views().registers.Query(filter, Day("2025-01-01"), false, out);
    std::vector<std::string> ids;
    for (auto h : out.asReader().getHouseholds()) {
      ids.emplace_back(h.getHouseholdId().cStr());
      CHECK(std::string(h.getEstateId().cStr()) == estate);
    }
    CHECK(out.asReader().getHouseholdTotal() == ids.size());
    return std::pair{ids, out.asReader().getFlaggedHouseholds()};
  };
  using Listed = std::pair<std::vector<std::string>, uint32_t>;
  CHECK(listed("estate/e1") == Listed{{"household/h1"}, 0});
  CHECK(listed("estate/e2") == Listed{{"household/h2", "household/h3"}, 0});

  // h0 registered in e2, flagged: listed first (ids in order), and counted as flagged.
  f.Add("household/h0", 0, [&](Payload::Builder p) {
    auto h = p.initHouseholdRegistered();
    h.setHouseholdId("household/h0");
    h.setEstateId("estate/e2");
    h.initFlags().setHardship(true);
  });
  CHECK(listed("estate/e2") == Listed{{"household/h0", "household/h2", "household/h3"}, 1});

  // h2 moves to e1; h3's registration is voided.
  Household(f, "h2", "estate/e1");
  f.Void(s.h3_registered);
  CHECK(listed("estate/e1") == Listed{{"household/h1", "household/h2"}, 0});
  CHECK(listed("estate/e2") == Listed{{"household/h0"}, 1});
  CHECK(listed("estate/none") == Listed{{}, 0});
}

// The people and demands of one estate are read from the estate's own lists (its appointments
// by role, its demands by estate): the same people and demands, in the same order (by id), as a
// pass over the whole register would give, through appointments in two estates, ended and voided.
TEST_CASE("the registers view of an estate lists its appointed people and its demands",
          "[registers]") {
  ViewFixture f;
  Build(f);
  auto appoint = [&](const char* person, ledger::schema::AppointedRole role, const char* estate) {
    return f.Add(std::string("person/") + person, 0, [&](Payload::Builder p) {
      auto a = p.initRoleAppointed();
      a.setPersonId(std::string("person/") + person);
      a.setRole(role);
      a.setEstateId(estate);
      a.setTeam("team-1");
      a.setFromDate("2024-01-01");
    });
  };
  auto demand = [&](const char* id, const char* estate, const char* household) {
    return f.Add(std::string("demand/") + id, 0, [&](Payload::Builder p) {
      auto d = p.initDemandRecorded();
      d.setDemandId(std::string("demand/") + id);
      d.setEstateId(estate);
      d.setHouseholdId(household);
      d.setCategory("助老 (elderly care)");
      d.setDescription("每周送餐 (meals delivered weekly)");
    });
  };
  using Ids = std::vector<std::string>;
  struct Listed {
    Ids people, demands;
    bool operator==(const Listed&) const = default;
  };
  auto listed = [&](const char* estate) {
    projections::Filter filter;
    filter.estate = estate;
    capnp::MallocMessageBuilder message;
    auto out = message.initRoot<ledger::schema::RegistersView>();
    f.views().registers.Query(filter, Day("2025-01-01"), false, out);
    Listed l;
    for (auto p : out.asReader().getPeople()) l.people.emplace_back(p.getPersonId().cStr());
    for (auto d : out.asReader().getDemands()) l.demands.emplace_back(d.getDemandId().cStr());
    CHECK(out.asReader().getDemandsOpen() == l.demands.size());
    return l;
  };
  using R = ledger::schema::AppointedRole;
  appoint("zhou", R::GRID_WORKER, "estate/e1");
  appoint("chen", R::PROPERTY_MANAGER, "estate/e1");
  appoint("chen", R::BUILDING_HEAD, "estate/e2");  // two estates, two roles
  uint64_t mistaken = appoint("wu", R::REPAIR_WORKER, "estate/e2");
  demand("d2", "estate/e1", "household/h1");
  demand("d1", "estate/e1", "household/h1");
  demand("d3", "estate/e2", "household/h2");
  CHECK(listed("estate/e1") == Listed{{"person/chen", "person/zhou"}, {"demand/d1", "demand/d2"}});
  CHECK(listed("estate/e2") == Listed{{"person/chen", "person/wu"}, {"demand/d3"}});

  // wu's appointment voided: no longer listed. zhou's ended: still listed (past and present).
  f.Void(mistaken);
  f.Add("person/zhou", 0, [&](Payload::Builder p) {
    auto e = p.initRoleEnded();
    e.setPersonId("person/zhou");
    e.setRole(R::GRID_WORKER);
    e.setEstateId("estate/e1");
    e.setToDate("2024-12-31");
    e.setReason("调任 (transferred)");
  });
  CHECK(listed("estate/e1") == Listed{{"person/chen", "person/zhou"}, {"demand/d1", "demand/d2"}});
  CHECK(listed("estate/e2") == Listed{{"person/chen"}, {"demand/d3"}});
  CHECK(listed("estate/none") == Listed{});
}

TEST_CASE("the registers view of the district holds one page of households", "[registers]") {
  ViewFixture f;
  f.OpenEngineWithNoCache();
  // Thirty households, h00 to h29, given out of id order; every third one flagged. The even
  // ones in estate/e1, the odd ones in estate/e2.
  for (int n = 0; n < 30; ++n) {
    int i = (n * 7) % 30;  // 0 7 14 21 28 5 12 ...: each of 0..29 once
    char id[16];
    std::snprintf(id, sizeof id, "household/h%02d", i);
    f.Add(id, 0, [&](Payload::Builder p) {
      auto h = p.initHouseholdRegistered();
      h.setHouseholdId(id);
      h.setEstateId(i % 2 ? "estate/e2" : "estate/e1");
      if (i % 3 == 0) h.initFlags().setElderlyAlone(true);
    });
  }
  f.views();  // caught up: nothing is held
  const auto& table = f.held_views().registers.households();
  REQUIRE(table.cached_bytes() == 0);

  projections::Filter district;
  district.offset = 4;
  district.limit = 3;
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ledger::schema::RegistersView>();
  f.held_views().registers.Query(district, Day("2025-01-01"), false, out);
  auto view = out.asReader();
  CHECK(view.getHouseholdTotal() == 30);
  CHECK(view.getFlaggedHouseholds() == 10);  // h00 h03 ... h27
  CHECK(view.getOffset() == 4);
  std::vector<std::string> ids;
  for (auto h : view.getHouseholds()) ids.emplace_back(h.getHouseholdId().cStr());
  CHECK(ids == std::vector<std::string>{"household/h04", "household/h05", "household/h06"});

  // Only the page's three households were kept.
  const size_t held = table.cached_bytes();
  CHECK(held > 0);
  table.ForEach([](const std::string&, const projections::HouseholdRecord&) {});
  CHECK(held * 5 < table.cached_bytes());
}
