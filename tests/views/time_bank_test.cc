// The volunteer time bank: hours claimed, verified and rejected; points earned by the policy in
// force; exchanges, refused overdrafts, reconciliation; corrections that change history.
//
// Amounts are centipoints (100 = one point); earned = minutes * rate / 60, rounded down.

#include "projections/views/time_bank.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "view_fixture.h"

using ledger::schema::Payload;
using testing::Cst;
using testing::ViewFixture;

namespace {

struct Rules {
  uint32_t rate = 100;
  bool allow_negative = false;
  int64_t overdraft = 0;
};

uint64_t AdoptPolicy(ViewFixture& f, uint32_t version, const char* effective, Rules rules,
                     int64_t adopted_at) {
  return f.Add("policy/timebank", adopted_at, [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("timebank");
    a.setVersion(version);
    a.setEffectiveFrom(effective);
    auto t = a.getRules().initTimeBank();
    t.setPointsPerHourCenti(rules.rate);
    t.setAllowNegative(rules.allow_negative);
    t.setOverdraftLimitCenti(rules.overdraft);
  });
}

void RegisterPerson(ViewFixture& f, const std::string& id, bool party_member) {
  f.Add("person/" + id, Cst("2024-12-01"), [&](Payload::Builder p) {
    auto r = p.initPersonRegistered();
    r.setPersonId(id);
    r.setName("志愿者 " + id);
    r.setPartyMember(party_member);
  });
}

uint64_t Claim(ViewFixture& f, const std::string& claim, const std::string& person,
               uint32_t minutes, int64_t at, const std::string& estate = "estate/e-1",
               const std::string& service_date = "") {
  return f.Add("claim/" + claim, at, [&](Payload::Builder p) {
    auto c = p.initVolunteerHoursClaimed();
    c.setClaimId(claim);
    c.setPersonId(person);
    c.setEstateId(estate);
    c.setMinutes(minutes);
    c.setActivity("陪老人就医 (escorting an elderly resident)");
    c.setServiceDate(service_date);
  });
}

uint64_t Verify(ViewFixture& f, const std::string& claim, int64_t at) {
  return f.Add("claim/" + claim, at,
               [&](Payload::Builder p) { p.initVolunteerHoursVerified().setClaimId(claim); });
}

uint64_t Reject(ViewFixture& f, const std::string& claim, int64_t at) {
  return f.Add("claim/" + claim, at, [&](Payload::Builder p) {
    auto d = p.initVolunteerHoursRejected();
    d.setClaimId(claim);
    d.setNote("no witness");
  });
}

uint64_t Exchange(ViewFixture& f, const std::string& id, const std::string& payer,
                  const std::string& provider, int64_t centi, int64_t at) {
  return f.Add("exchange/" + id, at, [&](Payload::Builder p) {
    auto x = p.initTimeBankExchanged();
    x.setExchangeId(id);
    x.setPayerId(payer);
    x.setProviderId(provider);
    x.setPointsCenti(centi);
    x.setService("修纱窗 (screen repair)");
  });
}

struct SummaryOf {
  capnp::MallocMessageBuilder message;
  ledger::schema::TimeBankView::Reader view;
  SummaryOf(const projections::ViewSet& views, const projections::Filter& filter = {}) {
    auto out = message.initRoot<ledger::schema::TimeBankView>();
    views.time_bank.Summary(filter, out);
    view = out.asReader();
  }
};

struct StatementOf {
  capnp::MallocMessageBuilder message;
  ledger::schema::TimeBankStatement::Reader statement;
  StatementOf(const projections::ViewSet& views, const std::string& person) {
    auto out = message.initRoot<ledger::schema::TimeBankStatement>();
    views.time_bank.Statement(person, out);
    statement = out.asReader();
  }
};

}  // namespace

TEST_CASE("only verified hours earn points at the policy rate rounded down", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  RegisterPerson(f, "p-1", true);
  Claim(f, "c-1", "p-1", 90, Cst("2025-03-01 09:00"));
  uint64_t verified = Verify(f, "c-1", Cst("2025-03-02 10:00"));
  Claim(f, "c-2", "p-1", 60, Cst("2025-03-01 09:00"));
  Reject(f, "c-2", Cst("2025-03-02 10:00"));
  Claim(f, "c-3", "p-1", 30, Cst("2025-03-03 09:00"));  // still pending

  SummaryOf s(f.views());
  auto claims = s.view.getClaims();
  CHECK(claims.getVerified().getClaims() == 1);
  CHECK(claims.getVerified().getMinutes() == 90);
  CHECK(claims.getVerified().getHours() == Approx(1.5));
  CHECK(claims.getRejected().getClaims() == 1);
  CHECK(claims.getRejected().getMinutes() == 60);
  CHECK(claims.getPending().getClaims() == 1);
  CHECK(claims.getPending().getMinutes() == 30);
  // 90 min * 100 / 60 = 150 centipoints = 1.50 points; the rejected 60 and pending 30 earn 0.
  CHECK(claims.getPointsEarnedCenti() == 150);
  CHECK(claims.getVolunteers() == 1);
  CHECK(s.view.getTotalEarnedCenti() == 150);
  CHECK(s.view.getCirculationCenti() == 150);
  CHECK(s.view.getReconciled());
  CHECK(s.view.getAccounts() == 1);

  StatementOf st(f.views(), "p-1");
  CHECK(st.statement.getName() == std::string("志愿者 p-1"));
  CHECK(st.statement.getPartyMember());
  CHECK(st.statement.getBalanceCenti() == 150);
  REQUIRE(st.statement.getMovements().size() == 1);
  auto m = st.statement.getMovements()[0];
  CHECK(m.getSeq() == verified);
  CHECK(m.getKind() == std::string("earned"));
  CHECK(m.getAmountCenti() == 150);
  CHECK(m.getBalanceAfterCenti() == 150);
  CHECK(m.getClaimId() == std::string("c-1"));
  CHECK(m.getMinutes() == 90);
  CHECK(m.getPointsPerHourCenti() == 100);
  CHECK(m.getPolicyId() == std::string("timebank"));
  CHECK(m.getPolicyVersion() == 1);

  // Rounding down: 50 min * 100 / 60 = 83.33 -> 83; 1 min * 100 / 60 = 1.67 -> 1.
  Claim(f, "c-4", "p-1", 50, Cst("2025-03-04 09:00"));
  Verify(f, "c-4", Cst("2025-03-04 10:00"));
  Claim(f, "c-5", "p-1", 1, Cst("2025-03-04 09:00"));
  Verify(f, "c-5", Cst("2025-03-04 10:00"));
  StatementOf rounded(f.views(), "p-1");
  CHECK(rounded.statement.getBalanceCenti() == 150 + 83 + 1);
}

TEST_CASE("an exchange moves points and circulation equals points earned", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  Claim(f, "c-a", "p-a", 90, Cst("2025-03-01 09:00"));
  Verify(f, "c-a", Cst("2025-03-01 18:00"));  // 90 * 100 / 60 = 150
  Claim(f, "c-b", "p-b", 72, Cst("2025-03-01 09:00"));
  Verify(f, "c-b", Cst("2025-03-01 18:00"));  // 72 * 100 / 60 = 120
  uint64_t paid = Exchange(f, "x-1", "p-a", "p-b", 100, Cst("2025-03-05 10:00"));

  SummaryOf s(f.views());
  // Earned 150 + 120 = 270; balances a: 150 - 100 = 50, b: 120 + 100 = 220; 50 + 220 = 270.
  CHECK(s.view.getTotalEarnedCenti() == 270);
  CHECK(s.view.getCirculationCenti() == 270);
  CHECK(s.view.getReconciled());
  CHECK(s.view.getExchanges() == 1);
  CHECK(s.view.getExchangedCenti() == 100);
  CHECK(s.view.getRefusedCount() == 0);
  CHECK(s.view.getAccounts() == 2);

  StatementOf a(f.views(), "p-a");
  CHECK(a.statement.getBalanceCenti() == 50);
  CHECK(a.statement.getEarnedCenti() == 150);
  CHECK(a.statement.getPaidCenti() == 100);
  REQUIRE(a.statement.getMovements().size() == 2);
  auto out = a.statement.getMovements()[1];
  CHECK(out.getSeq() == paid);
  CHECK(out.getKind() == std::string("paid"));
  CHECK(out.getAmountCenti() == -100);
  CHECK(out.getBalanceAfterCenti() == 50);
  CHECK(out.getCounterpartyId() == std::string("p-b"));
  CHECK(out.getSide() == std::string("payer"));

  StatementOf b(f.views(), "p-b");
  CHECK(b.statement.getBalanceCenti() == 220);
  CHECK(b.statement.getReceivedCenti() == 100);
  REQUIRE(b.statement.getMovements().size() == 2);
  auto in = b.statement.getMovements()[1];
  CHECK(in.getKind() == std::string("received"));
  CHECK(in.getAmountCenti() == 100);
  CHECK(in.getBalanceAfterCenti() == 220);
  CHECK(in.getSeq() == paid);
}

TEST_CASE("an overdrawing exchange under a no-negative policy is refused and shown",
          "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 2, "2025-01-01", {100, false, 0}, Cst("2024-12-20"));
  Claim(f, "c-a", "p-a", 180, Cst("2025-03-01 09:00"));
  Verify(f, "c-a", Cst("2025-03-01 18:00"));  // 180 * 100 / 60 = 300
  uint64_t refused = Exchange(f, "x-1", "p-a", "p-b", 500, Cst("2025-03-05 10:00"));

  SummaryOf s(f.views());
  const char* reason =
      "overdraws: balance 3.00 points, exchange 5.00 points, policy timebank v2 forbids "
      "negative balances";
  REQUIRE(s.view.getRefusedCount() == 1);
  REQUIRE(s.view.getRefused().size() == 1);
  auto r = s.view.getRefused()[0];
  CHECK(r.getExchangeId() == std::string("x-1"));
  CHECK(r.getSeq() == refused);
  CHECK(r.getPayerId() == std::string("p-a"));
  CHECK(r.getProviderId() == std::string("p-b"));
  CHECK(r.getRequestedCenti() == 500);
  CHECK(r.getPayerBalanceCenti() == 300);
  CHECK(r.getFloorCenti() == 0);
  CHECK(r.getPolicyVersion() == 2);
  CHECK(r.getReason() == std::string(reason));
  CHECK(s.view.getExchanges() == 0);
  // Nothing moved: 300 earned, 300 in circulation.
  CHECK(s.view.getCirculationCenti() == 300);
  CHECK(s.view.getReconciled());

  StatementOf a(f.views(), "p-a");
  CHECK(a.statement.getBalanceCenti() == 300);
  REQUIRE(a.statement.getMovements().size() == 2);
  auto mine = a.statement.getMovements()[1];
  CHECK(mine.getKind() == std::string("refused"));
  CHECK(mine.getSeq() == refused);
  CHECK(mine.getAmountCenti() == 0);
  CHECK(mine.getRequestedCenti() == 500);
  CHECK(mine.getBalanceAfterCenti() == 300);
  CHECK(mine.getReason() == std::string(reason));

  StatementOf b(f.views(), "p-b");
  CHECK(b.statement.getBalanceCenti() == 0);
  REQUIRE(b.statement.getMovements().size() == 1);
  auto theirs = b.statement.getMovements()[0];
  CHECK(theirs.getKind() == std::string("refused"));
  CHECK(theirs.getSide() == std::string("provider"));
  CHECK(theirs.getAmountCenti() == 0);
  CHECK(theirs.getBalanceAfterCenti() == 0);
}

TEST_CASE("an overdraft allowed by policy lets the same exchange through", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 3, "2025-01-01", {100, true, 200}, Cst("2024-12-20"));
  Claim(f, "c-a", "p-a", 180, Cst("2025-03-01 09:00"));
  Verify(f, "c-a", Cst("2025-03-01 18:00"));  // 300
  Exchange(f, "x-1", "p-a", "p-b", 500, Cst("2025-03-05 10:00"));

  // 300 - 500 = -200, exactly the overdraft limit: allowed.
  SummaryOf s(f.views());
  CHECK(s.view.getRefusedCount() == 0);
  CHECK(s.view.getExchanges() == 1);
  CHECK(s.view.getNegativeAccounts() == 1);
  CHECK(s.view.getCirculationCenti() == 300);  // -200 + 500
  CHECK(s.view.getTotalEarnedCenti() == 300);
  CHECK(s.view.getReconciled());
  CHECK(StatementOf(f.views(), "p-a").statement.getBalanceCenti() == -200);
  CHECK(StatementOf(f.views(), "p-b").statement.getBalanceCenti() == 500);

  // One more centipoint would go past the limit: -200 - 1 = -201 < -200.
  Exchange(f, "x-2", "p-a", "p-b", 1, Cst("2025-03-06 10:00"));
  SummaryOf after(f.views());
  REQUIRE(after.view.getRefused().size() == 1);
  CHECK(after.view.getRefused()[0].getFloorCenti() == -200);
  CHECK(after.view.getRefused()[0].getReason() ==
        std::string("overdraws: balance -2.00 points, exchange 0.01 points, policy timebank v3 "
                    "allows an overdraft of at most 2.00 points"));
  CHECK(StatementOf(f.views(), "p-a").statement.getBalanceCenti() == -200);
}

TEST_CASE("voiding the verification that funded an exchange refuses that exchange", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 2, "2025-01-01", {}, Cst("2024-12-20"));
  Claim(f, "c-1", "p-a", 90, Cst("2025-03-01 09:00"));
  Verify(f, "c-1", Cst("2025-03-01 18:00"));  // 150
  Claim(f, "c-2", "p-a", 60, Cst("2025-03-02 09:00"));
  uint64_t funding = Verify(f, "c-2", Cst("2025-03-02 18:00"));  // 100
  uint64_t exchange = Exchange(f, "x-1", "p-a", "p-b", 200, Cst("2025-03-05 10:00"));

  // Before: 150 + 100 - 200 = 50 for a, 200 for b.
  CHECK(StatementOf(f.views(), "p-a").statement.getBalanceCenti() == 50);
  CHECK(SummaryOf(f.views()).view.getRefusedCount() == 0);

  f.Void(funding, "verified by mistake: the visit never took place");
  // After: a has only 150 when the exchange of 200 comes, so it is refused.
  SummaryOf s(f.views());
  REQUIRE(s.view.getRefusedCount() == 1);
  CHECK(s.view.getRefused()[0].getSeq() == exchange);
  CHECK(s.view.getRefused()[0].getPayerBalanceCenti() == 150);
  CHECK(s.view.getRefused()[0].getReason() ==
        std::string("overdraws: balance 1.50 points, exchange 2.00 points, policy timebank v2 "
                    "forbids negative balances"));
  CHECK(s.view.getTotalEarnedCenti() == 150);
  CHECK(s.view.getCirculationCenti() == 150);
  CHECK(s.view.getReconciled());
  // The voided claim still exists, now pending: only its verification was taken back.
  CHECK(s.view.getClaims().getPending().getClaims() == 1);
  CHECK(s.view.getClaims().getVerified().getClaims() == 1);

  StatementOf a(f.views(), "p-a");
  CHECK(a.statement.getBalanceCenti() == 150);
  REQUIRE(a.statement.getMovements().size() == 2);
  CHECK(a.statement.getMovements()[1].getKind() == std::string("refused"));
  CHECK(StatementOf(f.views(), "p-b").statement.getBalanceCenti() == 0);

  // The live views equal a rebuild from the log.
  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

TEST_CASE("a replaced claim or exchange is re-read at its own position", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  uint64_t claimed = Claim(f, "c-1", "p-a", 90, Cst("2025-03-01 09:00"));
  uint64_t verified = Verify(f, "c-1", Cst("2025-03-01 18:00"));
  uint64_t exchange = Exchange(f, "x-1", "p-a", "p-b", 100, Cst("2025-03-05 10:00"));

  // The claim was for 120 minutes, not 90: 120 * 100 / 60 = 200.
  f.Add("correction/claim", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(claimed);
    c.setReason("minutes mistyped");
    auto r = c.getAction().initReplacement().initVolunteerHoursClaimed();
    r.setClaimId("c-1");
    r.setPersonId("p-a");
    r.setEstateId("estate/e-1");
    r.setMinutes(120);
    r.setActivity("陪老人就医");
  });
  // The exchange was of 150, not 100.
  f.Add("correction/exchange", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(exchange);
    c.setReason("amount mistyped");
    auto x = c.getAction().initReplacement().initTimeBankExchanged();
    x.setExchangeId("x-1");
    x.setPayerId("p-a");
    x.setProviderId("p-b");
    x.setPointsCenti(150);
  });

  // a: 200 - 150 = 50; b: 150; the credit keeps the verification's seq, the payment the
  // exchange's.
  StatementOf a(f.views(), "p-a");
  CHECK(a.statement.getBalanceCenti() == 50);
  REQUIRE(a.statement.getMovements().size() == 2);
  CHECK(a.statement.getMovements()[0].getSeq() == verified);
  CHECK(a.statement.getMovements()[0].getAmountCenti() == 200);
  CHECK(a.statement.getMovements()[1].getSeq() == exchange);
  CHECK(a.statement.getMovements()[1].getAmountCenti() == -150);
  CHECK(StatementOf(f.views(), "p-b").statement.getBalanceCenti() == 150);

  // Voiding the exchange takes it out of both statements.
  f.Void(exchange, "the service was never given");
  CHECK(StatementOf(f.views(), "p-a").statement.getMovements().size() == 1);
  CHECK(StatementOf(f.views(), "p-b").statement.getMovements().size() == 0);
  CHECK(SummaryOf(f.views()).view.getAccounts() == 1);
}

TEST_CASE("a change of the points rate applies from its effective day only", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {100, false, 0}, Cst("2024-12-20"));
  AdoptPolicy(f, 2, "2025-03-01", {150, false, 0}, Cst("2025-02-15"));
  Claim(f, "c-1", "p-a", 60, Cst("2025-02-28 09:00"));
  Claim(f, "c-2", "p-a", 60, Cst("2025-02-28 09:00"));
  // 23:30 on 28 February (local): v1, 60 * 100 / 60 = 100.
  Verify(f, "c-1", Cst("2025-02-28 23:30"));
  // 00:30 on 1 March local time, still 28 February in UTC: v2, 60 * 150 / 60 = 150.
  Verify(f, "c-2", Cst("2025-03-01 00:30"));

  StatementOf a(f.views(), "p-a");
  CHECK(a.statement.getBalanceCenti() == 250);
  REQUIRE(a.statement.getMovements().size() == 2);
  CHECK(a.statement.getMovements()[0].getPolicyVersion() == 1);
  CHECK(a.statement.getMovements()[0].getAmountCenti() == 100);
  CHECK(a.statement.getMovements()[1].getPolicyVersion() == 2);
  CHECK(a.statement.getMovements()[1].getPointsPerHourCenti() == 150);
  CHECK(a.statement.getMovements()[1].getAmountCenti() == 150);
  CHECK(SummaryOf(f.views()).view.getClaims().getPointsEarnedCenti() == 250);
}

TEST_CASE("with no policy in force hours are unpriced and balances may not go negative",
          "[time_bank]") {
  ViewFixture f;
  Claim(f, "c-1", "p-a", 60, Cst("2025-01-05 09:00"));
  Verify(f, "c-1", Cst("2025-01-05 18:00"));
  Exchange(f, "x-1", "p-a", "p-b", 100, Cst("2025-01-06 10:00"));

  SummaryOf s(f.views());
  CHECK(s.view.getClaims().getVerified().getClaims() == 1);
  CHECK(s.view.getClaims().getPointsEarnedCenti() == 0);
  CHECK(s.view.getUnpricedVerified() == 1);
  REQUIRE(s.view.getRefused().size() == 1);
  CHECK(s.view.getRefused()[0].getReason() ==
        std::string("overdraws: balance 0.00 points, exchange 1.00 points, no time-bank policy "
                    "in force on 2025-01-06: negative balances are not allowed"));
  StatementOf a(f.views(), "p-a");
  REQUIRE(a.statement.getMovements().size() == 2);
  CHECK(a.statement.getMovements()[0].getKind() == std::string("unpriced"));
  CHECK(a.statement.getMovements()[0].getReason() ==
        std::string("no time-bank policy in force on 2025-01-05"));
}

TEST_CASE("the first decision settles a claim and later ones are counted as ignored",
          "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  Claim(f, "c-1", "p-a", 60, Cst("2025-03-01 09:00"));
  Verify(f, "c-1", Cst("2025-03-01 18:00"));
  Reject(f, "c-1", Cst("2025-03-02 18:00"));

  SummaryOf s(f.views());
  CHECK(s.view.getClaims().getVerified().getClaims() == 1);
  CHECK(s.view.getClaims().getRejected().getClaims() == 0);
  CHECK(s.view.getIgnoredDecisions() == 1);
  CHECK(s.view.getTotalEarnedCenti() == 100);  // 60 * 100 / 60
}

TEST_CASE("party members' hours are tallied apart and filters narrow the claims", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  RegisterPerson(f, "p-1", true);
  RegisterPerson(f, "p-2", false);
  // p-3 is not registered: counted with the others.
  Claim(f, "c-1", "p-1", 90, Cst("2025-03-01 09:00"), "estate/e-1");
  Verify(f, "c-1", Cst("2025-03-01 18:00"));
  Claim(f, "c-2", "p-1", 30, Cst("2025-03-02 09:00"), "estate/e-1");
  Claim(f, "c-3", "p-2", 60, Cst("2025-03-02 09:00"), "estate/e-1");
  Verify(f, "c-3", Cst("2025-03-02 18:00"));
  Claim(f, "c-4", "p-2", 45, Cst("2025-03-03 09:00"), "estate/e-1");
  Reject(f, "c-4", Cst("2025-03-03 18:00"));
  // Served in February, claimed in March.
  Claim(f, "c-5", "p-3", 120, Cst("2025-03-04 09:00"), "estate/e-2", "2025-02-20");
  Verify(f, "c-5", Cst("2025-03-04 18:00"));

  SummaryOf s(f.views());
  auto party = s.view.getPartyMembers();
  CHECK(party.getVerified().getClaims() == 1);
  CHECK(party.getVerified().getMinutes() == 90);
  CHECK(party.getPending().getMinutes() == 30);
  CHECK(party.getRejected().getClaims() == 0);
  CHECK(party.getPointsEarnedCenti() == 150);  // 90 * 100 / 60
  CHECK(party.getVolunteers() == 1);
  auto others = s.view.getOthers();
  CHECK(others.getVerified().getClaims() == 2);
  CHECK(others.getVerified().getMinutes() == 180);  // 60 + 120
  CHECK(others.getRejected().getMinutes() == 45);
  CHECK(others.getPointsEarnedCenti() == 300);  // 60 * 100 / 60 + 120 * 100 / 60 = 100 + 200
  CHECK(others.getVolunteers() == 2);
  CHECK(s.view.getClaims().getVerified().getMinutes() == 270);  // 90 + 60 + 120

  projections::Filter e1;
  e1.estate = "estate/e-1";
  SummaryOf estate(f.views(), e1);
  CHECK(estate.view.getOthers().getVerified().getMinutes() == 60);
  CHECK(estate.view.getClaims().getPointsEarnedCenti() == 250);  // 150 + 100
  // The bank as a whole is not narrowed: 150 + 100 + 200 = 450.
  CHECK(estate.view.getTotalEarnedCenti() == 450);

  projections::Filter march;
  march.from_ms = Cst("2025-03-01");
  march.to_ms = Cst("2025-04-01");
  SummaryOf in_march(f.views(), march);
  // c-5 counts on its service day, 20 February: out of March.
  CHECK(in_march.view.getClaims().getVerified().getMinutes() == 150);  // 90 + 60
  CHECK(in_march.view.getOthers().getVolunteers() == 1);
}

TEST_CASE(
    "the bank's replay holds no claim and no exchange of the district, and a statement its own",
    "[time_bank]") {
  ViewFixture f;
  f.OpenEngineWithNoCache();
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  Claim(f, "c-a", "p-a", 120, Cst("2025-03-01 09:00"));
  Verify(f, "c-a", Cst("2025-03-01 18:00"));  // 120 * 100 / 60 = 200
  Claim(f, "c-b", "p-b", 60, Cst("2025-03-01 09:00"), "estate/e-2");
  uint64_t earned = Verify(f, "c-b", Cst("2025-03-01 18:00"));  // 60 * 100 / 60 = 100
  uint64_t paid = Exchange(f, "x-1", "p-a", "p-b", 50, Cst("2025-03-05 10:00"));
  // b holds 100 + 50 = 150: 1,000 would overdraw it, and no negative balance is allowed.
  uint64_t refused = Exchange(f, "x-2", "p-b", "p-a", 1000, Cst("2025-03-06 10:00"));
  f.views();  // caught up: nothing is held
  const auto& views = f.held_views();
  REQUIRE(views.time_bank.claims().cached_bytes() == 0);
  REQUIRE(views.time_bank.exchanges().cached_bytes() == 0);

  SummaryOf s(views);
  CHECK(s.view.getTotalEarnedCenti() == 300);
  CHECK(s.view.getCirculationCenti() == 300);  // a: 200 - 50, b: 100 + 50
  CHECK(s.view.getExchanges() == 1);
  CHECK(s.view.getExchangedCenti() == 50);
  REQUIRE(s.view.getRefusedCount() == 1);
  auto r = s.view.getRefused()[0];
  CHECK(r.getExchangeId() == std::string("x-2"));
  CHECK(r.getSeq() == refused);
  CHECK(r.getPayerId() == std::string("p-b"));
  CHECK(r.getRequestedCenti() == 1000);
  CHECK(r.getPayerBalanceCenti() == 150);
  CHECK(s.view.getClaims().getVerified().getClaims() == 2);
  // The replay streamed both tables, and kept nothing.
  CHECK(views.time_bank.claims().cached_bytes() == 0);
  CHECK(views.time_bank.exchanges().cached_bytes() == 0);
  // A statement reads its own account's claims and exchanges, through the orderings by person,
  // and no others: one of nobody's reads nothing back.
  CHECK(StatementOf(views, "p-nobody").statement.getMovements().size() == 0);
  CHECK(views.time_bank.claims().cached_bytes() == 0);
  CHECK(views.time_bank.exchanges().cached_bytes() == 0);

  StatementOf b(views, "p-b");
  CHECK(b.statement.getBalanceCenti() == 150);
  REQUIRE(b.statement.getMovements().size() == 3);
  auto movements = b.statement.getMovements();
  CHECK(movements[0].getSeq() == earned);
  CHECK(movements[0].getKind() == std::string("earned"));
  CHECK(movements[0].getBalanceAfterCenti() == 100);
  CHECK(movements[1].getSeq() == paid);
  CHECK(movements[1].getKind() == std::string("received"));
  CHECK(movements[1].getBalanceAfterCenti() == 150);
  CHECK(movements[2].getSeq() == refused);
  CHECK(movements[2].getKind() == std::string("refused"));
  CHECK(movements[2].getBalanceAfterCenti() == 150);
}

TEST_CASE("the bank's totals are kept between pages and follow every change", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));  // 100 an hour, no negative balance
  uint64_t claim = Claim(f, "c-1", "p-a", 60, Cst("2025-03-01 09:00"));
  Verify(f, "c-1", Cst("2025-03-01 18:00"));  // a earns 60 * 100 / 60 = 100

  auto first = f.views().time_bank.Totals();
  CHECK(first->total_earned_centi == 100);
  CHECK(first->circulation_centi == 100);
  CHECK(first->accounts == 1);
  // Nothing changed: the same totals, not a second replay.
  CHECK(f.views().time_bank.Totals() == first);
  CHECK(SummaryOf(f.views()).view.getTotalEarnedCenti() == 100);
  CHECK(f.views().time_bank.Totals() == first);

  // An exchange: a pays b 80 of its 100.
  Exchange(f, "x-1", "p-a", "p-b", 80, Cst("2025-03-05 10:00"));
  SummaryOf paid(f.views());
  CHECK(paid.view.getExchanges() == 1);
  CHECK(paid.view.getExchangedCenti() == 80);
  CHECK(paid.view.getAccounts() == 2);
  CHECK(paid.view.getCirculationCenti() == 100);
  CHECK(paid.view.getRefusedCount() == 0);

  // a has 20 left: 50 more overdraws, and is refused.
  uint64_t second = Exchange(f, "x-2", "p-a", "p-b", 50, Cst("2025-03-06 10:00"));
  SummaryOf refused(f.views());
  CHECK(refused.view.getExchanges() == 1);
  REQUIRE(refused.view.getRefusedCount() == 1);
  CHECK(refused.view.getRefused()[0].getSeq() == second);
  CHECK(refused.view.getRefused()[0].getPayerBalanceCenti() == 20);

  // A rate of 150 an hour adopted later, in force from the same first day: the claim now earns
  // 150, a has 70 after the first exchange, and the second goes through (70 - 50 = 20).
  AdoptPolicy(f, 2, "2025-01-01", {150, false, 0}, Cst("2025-03-10"));
  SummaryOf repriced(f.views());
  CHECK(repriced.view.getTotalEarnedCenti() == 150);
  CHECK(repriced.view.getCirculationCenti() == 150);
  CHECK(repriced.view.getExchanges() == 2);
  CHECK(repriced.view.getExchangedCenti() == 130);
  CHECK(repriced.view.getRefusedCount() == 0);

  // The claim voided: nothing was earned, and both exchanges overdraw.
  f.Void(claim, "the hours were never served");
  SummaryOf voided(f.views());
  CHECK(voided.view.getTotalEarnedCenti() == 0);
  CHECK(voided.view.getCirculationCenti() == 0);
  CHECK(voided.view.getExchanges() == 0);
  CHECK(voided.view.getRefusedCount() == 2);
  CHECK(voided.view.getNegativeAccounts() == 0);
  CHECK(f.views().time_bank.Totals() != first);
}

// The statement reads one account's claims and exchanges, and takes the verdicts on its
// exchanges from the bank's kept replay: it must show what replaying the whole bank for that
// account shows, movement by movement, through refusals, voids and a policy adopted late.
TEST_CASE("a statement shows what replaying the whole bank shows for its account", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));
  const std::vector<std::string> people = {"p-a", "p-b", "p-c", "p-d", "p-e"};
  auto same = [&](const projections::ViewSet& views, const std::string& person) {
    INFO("statement of " << person);
    StatementOf s(views, person);
    projections::TimeBankBook book = views.time_bank.Replay(person);
    auto found = book.accounts.find(person);
    auto got = s.statement;
    if (found == book.accounts.end()) {
      CHECK(got.getMovements().size() == 0);
      CHECK(got.getBalanceCenti() == 0);
      return;
    }
    const projections::TimeBankAccount& want = found->second;
    CHECK(got.getBalanceCenti() == want.balance_centi);
    CHECK(got.getEarnedCenti() == want.earned_centi);
    CHECK(got.getPaidCenti() == want.paid_centi);
    CHECK(got.getReceivedCenti() == want.received_centi);
    REQUIRE(got.getMovements().size() == want.movements.size());
    for (size_t i = 0; i < want.movements.size(); ++i) {
      const projections::TimeBankMovement& m = want.movements[i];
      auto g = got.getMovements()[static_cast<unsigned>(i)];
      INFO("movement " << i << ", seq " << m.seq);
      CHECK(g.getSeq() == m.seq);
      CHECK(g.getAt() == m.at);
      CHECK(g.getKind() == std::string(projections::TimeBankMovementKindName(m.kind)));
      CHECK(g.getAmountCenti() == m.amount_centi);
      CHECK(g.getBalanceAfterCenti() == m.balance_after_centi);
      CHECK(g.getClaimId() == m.claim_id);
      CHECK(g.getMinutes() == m.minutes);
      CHECK(g.getPointsPerHourCenti() == m.points_per_hour_centi);
      CHECK(g.getPolicyId() == m.policy_id);
      CHECK(g.getPolicyVersion() == m.policy_version);
      CHECK(g.getExchangeId() == m.exchange_id);
      CHECK(g.getSide() == m.side);
      CHECK(g.getCounterpartyId() == m.counterparty_id);
      CHECK(g.getRequestedCenti() == m.requested_centi);
      CHECK(g.getDescription() == m.description);
      CHECK(g.getReason() == m.reason);
    }
  };
  auto all_same = [&] {
    const projections::ViewSet& views = f.views();
    for (const auto& person : people) same(views, person);
    same(views, "p-nobody");
  };

  // A fixed pseudo-random history: claims verified or rejected or left pending, exchanges
  // between anyone (to oneself, of nothing, overdrawing), and some of them voided.
  uint64_t state = 12345;
  auto next = [&](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  std::vector<uint64_t> voidable;
  int64_t at = Cst("2025-03-01 08:00");
  for (int step = 0; step < 120; ++step) {
    at += 3'600'000;
    const std::string& person = people[next(people.size())];
    switch (next(4)) {
      case 0:
      case 1: {
        std::string claim = "c-" + std::to_string(step);
        Claim(f, claim, person, static_cast<uint32_t>(15 + next(180)), at);
        uint64_t decision = next(5);
        if (decision < 3) voidable.push_back(Verify(f, claim, at + 60'000));
        if (decision == 3) Reject(f, claim, at + 60'000);
        break;
      }
      case 2: {
        const std::string& provider = people[next(people.size())];
        int64_t centi = static_cast<int64_t>(next(400)) - 20;
        voidable.push_back(Exchange(f, "x-" + std::to_string(step), person, provider, centi, at));
        break;
      }
      case 3:
        if (!voidable.empty()) {
          size_t which = next(voidable.size());
          f.Void(voidable[which]);
          voidable.erase(voidable.begin() + static_cast<std::ptrdiff_t>(which));
        }
        break;
    }
    if (step % 30 == 29) all_same();
  }
  // The history holds what the statement must get right: exchanges applied and refused.
  auto totals = f.views().time_bank.Totals();
  CHECK(totals->exchanges > 5);
  CHECK(totals->refused.size() > 5);
  // A policy adopted late, in force from the start, that allows an overdraft: exchanges once
  // refused go through, and every statement follows.
  AdoptPolicy(f, 2, "2025-01-01", {150, true, 300}, Cst("2025-09-01"));
  all_same();
  // The policy taken back: the first one again.
  f.Void(AdoptPolicy(f, 3, "2025-01-01", {200, false, 0}, Cst("2025-09-02")));
  all_same();
}

// The district's page with no period counts every claim of the district; its figures are kept
// between pages, and each kind of change they follow must be seen: a decision, a person's
// registration (party membership), a policy adopted late, a void. Each step is checked against
// the estate's page too, which counts its claims anew (every claim here is of estate/e-1).
TEST_CASE("the district's hours are kept between pages and follow every change", "[time_bank]") {
  ViewFixture f;
  AdoptPolicy(f, 1, "2025-01-01", {}, Cst("2024-12-20"));  // 100 a hour
  RegisterPerson(f, "p-a", true);
  RegisterPerson(f, "p-b", false);
  Claim(f, "c-a", "p-a", 60, Cst("2025-03-01 09:00"));
  uint64_t verified_a = Verify(f, "c-a", Cst("2025-03-01 18:00"));  // 60 min at 100/h = 100
  Claim(f, "c-b", "p-b", 30, Cst("2025-03-02 09:00"));              // pending

  struct Expected {
    uint32_t party_verified, party_pending, others_verified, others_pending;
    int64_t earned;
  };
  auto check = [&](const char* step, Expected want) {
    INFO(step);
    projections::Filter estate;
    estate.estate = "estate/e-1";
    SummaryOf district(f.views());
    SummaryOf one_estate(f.views(), estate);
    for (auto view : {district.view, one_estate.view}) {
      CHECK(view.getPartyMembers().getVerified().getClaims() == want.party_verified);
      CHECK(view.getPartyMembers().getPending().getClaims() == want.party_pending);
      CHECK(view.getOthers().getVerified().getClaims() == want.others_verified);
      CHECK(view.getOthers().getPending().getClaims() == want.others_pending);
      CHECK(view.getClaims().getPointsEarnedCenti() == want.earned);
      CHECK(view.getClaims().getVolunteers() == want.party_verified + want.others_verified);
    }
  };
  check("a's claim verified, b's pending", {1, 0, 0, 1, 100});
  // Nothing changed between two pages: the same figures, not counted again.
  CHECK(f.views().time_bank.DistrictHours() == f.views().time_bank.DistrictHours());

  Verify(f, "c-b", Cst("2025-03-02 18:00"));  // 30 min at 100/h = 50
  check("b's claim verified", {1, 0, 1, 0, 150});
  RegisterPerson(f, "p-b", true);
  check("b registered again, now a party member", {2, 0, 0, 0, 150});
  AdoptPolicy(f, 2, "2025-01-01", {200}, Cst("2025-06-01"));  // 200 a hour from the start
  check("a rate adopted late, in force from the start", {2, 0, 0, 0, 300});
  f.Void(verified_a, "verified by mistake");
  check("a's verification voided", {1, 1, 0, 0, 100});
}
