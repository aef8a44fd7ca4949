// The registers: which company serves an estate on a given day, the estates a company served in a
// period and for how many days, household counts, and corrections of contracts and households.
//
// The contracts used throughout:
//   k1  company/a  estate/e1  2024-01-01 .. 2024-06-30 (ended)
//   k2  company/b  estate/e1  2024-07-01 .. open
//   k3  company/a  estate/e2  2024-03-01 .. open

#include <catch2/catch.hpp>
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
  CHECK(r.HouseholdCount("estate/e1") == 200);  // declared, though one is registered
  CHECK(r.HouseholdCount("estate/e2") == 2);    // none declared: h2 and h3
  CHECK(r.HouseholdCount("estate/none") == 0);
  CHECK(r.EstateOfHousehold("household/h3") == "estate/e2");
  CHECK(r.EstateOfHousehold("household/none") == "");
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
  CHECK(r.HouseholdCount("estate/e2") == 1);
  CHECK(r.EstateOfHousehold("household/h3") == "");
  // company/a served e1 the whole year once k1's end is voided: 366 days.
  CHECK(r.EstatesServed("company/a", Day("2024-01-01"), Day("2024-12-31")) ==
        Served{{"estate/e1", 366}});
}
