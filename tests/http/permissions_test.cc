// The read scope (http/permissions.h) as plain functions over a real ledger, without a server:
// each rule of the header's list, the query it narrows and the refusal it names. The end-to-end
// tests (api_test, trust_test) check the same rules through HTTP; these say which rule broke.
//
// The district: estates e01 and e02. company/a served e01 from 2020-01-01 to 2023-12-31 and
// serves e02 since 2024-01-01; company/b serves nothing. Household h01 in e01 with person/p01,
// household h02 in e02 with person/p02.

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../test_support.h"
#include "codec/event_json.h"
#include "http/permissions.h"
#include "http/routes.h"
#include "ledger/ledger.h"

namespace {

using ledger::schema::Role;

// Milliseconds at 00:00 China Standard Time (UTC+8) of a day, computed by hand:
// 2020-01-01T00:00+08:00 is 2019-12-31T16:00Z = 1577808000000.
constexpr int64_t k2020Start = 1'577'808'000'000;
// 2024-01-01T00:00+08:00 = 2023-12-31T16:00Z = 1704038400000, the first day after the contract.
constexpr int64_t k2024Start = 1'704'038'400'000;

class District {
 public:
  District() {
    log_ = std::move(ledger::Ledger::Open(dir_.sub("ledger"), ledger::Options{})).value();
    Add("estate/e01", "estateRegistered", R"({"estateId":"estate/e01","name":"E1"})");
    Add("estate/e02", "estateRegistered", R"({"estateId":"estate/e02","name":"E2"})");
    Add("company/a", "companyRegistered", R"({"companyId":"company/a","name":"A"})");
    Add("company/b", "companyRegistered", R"({"companyId":"company/b","name":"B"})");
    Add("contract/k1", "serviceContractStarted",
        R"({"contractId":"contract/k1","estateId":"estate/e01","companyId":"company/a","startDate":"2020-01-01"})");
    Add("contract/k1", "serviceContractEnded",
        R"({"contractId":"contract/k1","estateId":"estate/e01","companyId":"company/a","endDate":"2023-12-31"})");
    Add("contract/k2", "serviceContractStarted",
        R"({"contractId":"contract/k2","estateId":"estate/e02","companyId":"company/a","startDate":"2024-01-01"})");
    Add("household/h01", "householdRegistered",
        R"({"householdId":"household/h01","estateId":"estate/e01"})");
    Add("household/h02", "householdRegistered",
        R"({"householdId":"household/h02","estateId":"estate/e02"})");
    Add("person/p01", "personRegistered",
        R"({"personId":"person/p01","name":"P1","householdId":"household/h01"})");
    Add("person/p02", "personRegistered",
        R"({"personId":"person/p02","name":"P2","householdId":"household/h02"})");
    Add("complaint/c01", "complaintFiled",
        R"({"complaintId":"complaint/c01","estateId":"estate/e01","householdId":"household/h01","category":"water","summary":"S"})");
    Add("complaint/c02", "complaintFiled",
        R"({"complaintId":"complaint/c02","estateId":"estate/e02","householdId":"household/h02","category":"water","summary":"S"})");
  }

  const ledger::Ledger* log() const { return log_.get(); }

  // The first event of a stream, as the raw log would hand it to MayReadEvent.
  ledger::RecordedEvent First(const std::string& stream) const {
    auto events = log_->ReadStream(stream, 1, 1);
    REQUIRE(events.ok());
    REQUIRE(events->size() == 1);
    return std::move(events->front());
  }

 private:
  void Add(const std::string& stream, const std::string& type, const std::string& data) {
    testing::OwnedEvent e;
    std::string json = R"({"eventId":"x-)" + std::to_string(++n_) + R"(","type":")" + type +
                       R"(","stream":")" + stream +
                       R"(","actorId":"person/admin","actorRole":"admin","data":)" + data + "}";
    ledger::Status decoded = json_.Decode(json, e.builder());
    INFO(json << ": " << decoded.ToString());
    REQUIRE(decoded.ok());
    std::vector<ledger::schema::Event::Reader> one{e.reader()};
    auto appended = log_->Append(stream, ledger::ExpectedVersion::Any(), one);
    INFO(appended.status().ToString());
    REQUIRE(appended.ok());
  }

  testing::TempDir dir_;
  codec::EventJson json_;
  std::unique_ptr<ledger::Ledger> log_;
  int n_ = 0;
};

http::Principal Token(Role role, std::vector<std::string> estates = {}, std::string company = "",
                      std::string actor = "person/x") {
  http::Principal p;
  p.token_id = "t-1";
  p.role = role;
  p.actor_id = std::move(actor);
  p.estates = std::move(estates);
  p.company_id = std::move(company);
  return p;
}

const http::ViewRoute& View(const char* name) {
  const http::ViewRoute* route = http::FindViewRoute(name);
  REQUIRE(route != nullptr);
  return *route;
}

http::Query Asking(std::map<std::string, std::string> params) {
  http::Query q;
  q.params = params;
  if (params.count("estate")) q.filter.estate = params["estate"];
  if (params.count("household")) q.filter.household = params["household"];
  if (params.count("company")) q.filter.company = params["company"];
  return q;
}

}  // namespace

TEST_CASE("admins and unbound auditors read every estate, unnarrowed", "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  for (Role role : {Role::ADMIN, Role::STREET_AUDITOR, Role::COMMUNITY_WORKER}) {
    auto q = Asking({});
    http::Decision decision = permissions.ScopeQuery(Token(role), View("complaints"), &q);
    CHECK(decision.allowed);
    CHECK(q.filter.estate.empty());
    CHECK(q.personal_details);
  }
}

TEST_CASE("a token bound to one estate is narrowed to it and refused another", "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  auto worker = Token(Role::COMMUNITY_WORKER, {"estate/e01"});

  auto implicit = Asking({});
  CHECK(permissions.ScopeQuery(worker, View("complaints"), &implicit).allowed);
  CHECK(implicit.filter.estate == "estate/e01");

  auto other = Asking({{"estate", "estate/e02"}});
  http::Decision refused = permissions.ScopeQuery(worker, View("complaints"), &other);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.rule == "read.estate");
  CHECK_THAT(refused.reason, Catch::Contains("estate/e02") && Catch::Contains("estate/e01"));

  // The same estate named through a household of it.
  auto household = Asking({{"household", "household/h02"}});
  http::Decision by_household = permissions.ScopeQuery(worker, View("complaints"), &household);
  CHECK_FALSE(by_household.allowed);
  CHECK(by_household.rule == "read.estate");
}

TEST_CASE("a token bound to two estates must name one", "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  auto auditor = Token(Role::STREET_AUDITOR, {"estate/e01", "estate/e02"});
  auto q = Asking({});
  http::Decision decision = permissions.ScopeQuery(auditor, View("complaints"), &q);
  CHECK_FALSE(decision.allowed);
  CHECK(decision.rule == "read.name-estate");
  auto named = Asking({{"estate", "estate/e02"}});
  CHECK(permissions.ScopeQuery(auditor, View("complaints"), &named).allowed);
}

TEST_CASE("a resident reads only their own household and account", "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  auto resident = Token(Role::RESIDENT, {"estate/e01"}, "", "person/p01");

  auto own = Asking({{"household", "household/h01"}});
  CHECK(permissions.ScopeQuery(resident, View("complaints"), &own).allowed);
  CHECK(own.filter.estate == "estate/e01");
  CHECK_FALSE(own.personal_details);
  CHECK(own.reader_actor == "person/p01");

  // Another household of the same estate.
  auto neighbours = Asking({{"household", "household/h99"}});
  CHECK_FALSE(permissions.ScopeQuery(resident, View("complaints"), &neighbours).allowed);

  auto other_person = Asking({{"person", "person/p02"}});
  http::Decision refused =
      permissions.ScopeQuery(resident, View("time-bank-statement"), &other_person);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.rule == "read.own-person");
}

TEST_CASE("company staff read their company's estates for the days it served them",
          "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  auto staff = Token(Role::COMPANY_STAFF, {}, "company/a");

  // e01 was served 2020-01-01 to 2023-12-31: the period is clamped to those days.
  auto e01 = Asking({{"estate", "estate/e01"}});
  REQUIRE(permissions.ScopeQuery(staff, View("complaints"), &e01).allowed);
  CHECK(e01.filter.company == "company/a");
  CHECK(e01.filter.from_ms == k2020Start);
  CHECK(e01.filter.to_ms == k2024Start);

  // e02 is served since 2024-01-01, with no end.
  auto e02 = Asking({{"estate", "estate/e02"}});
  REQUIRE(permissions.ScopeQuery(staff, View("complaints"), &e02).allowed);
  CHECK(e02.filter.from_ms == k2024Start);
  CHECK_FALSE(e02.filter.to_ms.has_value());

  // Another company's name, and a company that serves nothing.
  auto theirs = Asking({{"estate", "estate/e01"}, {"company", "company/b"}});
  http::Decision refused = permissions.ScopeQuery(staff, View("complaints"), &theirs);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.rule == "read.company");
  auto idle = Token(Role::COMPANY_STAFF, {}, "company/b");
  auto nothing = Asking({{"estate", "estate/e01"}});
  http::Decision never = permissions.ScopeQuery(idle, View("complaints"), &nothing);
  CHECK_FALSE(never.allowed);
  CHECK(never.rule == "read.company-estate");

  // Households' and persons' views are never theirs.
  auto visits = Asking({{"estate", "estate/e01"}});
  http::Decision personal = permissions.ScopeQuery(staff, View("visits"), &visits);
  CHECK_FALSE(personal.allowed);
  CHECK(personal.rule == "read.personal");
}

TEST_CASE("the raw log is for admins, auditors and community workers, event by event",
          "[permissions]") {
  District d;
  http::Permissions permissions(d.log());
  CHECK(http::Permissions::MayReadRawEvents(Token(Role::ADMIN)));
  CHECK(http::Permissions::MayReadRawEvents(Token(Role::STREET_AUDITOR)));
  CHECK(http::Permissions::MayReadRawEvents(Token(Role::COMMUNITY_WORKER)));
  CHECK_FALSE(http::Permissions::MayReadRawEvents(Token(Role::RESIDENT, {"estate/e01"})));
  CHECK_FALSE(http::Permissions::MayReadRawEvents(Token(Role::COMPANY_STAFF, {}, "company/a")));
  CHECK_FALSE(http::Permissions::MayReadRawEvents(Token(Role::OWNERS_COMMITTEE, {"estate/e01"})));

  auto resident = Token(Role::RESIDENT, {"estate/e01"});
  http::Decision raw = permissions.MayReadStream(resident, "complaint/c01");
  CHECK_FALSE(raw.allowed);
  CHECK(raw.rule == "read.raw");

  auto worker = Token(Role::COMMUNITY_WORKER, {"estate/e01"});
  CHECK(permissions.MayReadStream(worker, "complaint/c01").allowed);
  http::Decision other = permissions.MayReadStream(worker, "complaint/c02");
  CHECK_FALSE(other.allowed);
  CHECK(other.rule == "read.estate");

  CHECK(permissions.MayReadEvent(worker, d.First("complaint/c01").event()));
  CHECK_FALSE(permissions.MayReadEvent(worker, d.First("complaint/c02").event()));
  CHECK_FALSE(permissions.MayReadEvent(worker, d.First("household/h02").event()));
  // District-wide events (an estate, a company) are read by every raw reader.
  CHECK(permissions.MayReadEvent(worker, d.First("company/b").event()));
  CHECK(permissions.MayReadEvent(Token(Role::ADMIN), d.First("complaint/c02").event()));
}
