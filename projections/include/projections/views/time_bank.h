// The volunteer time bank (志愿服务积分): volunteers claim hours, a community worker verifies or
// rejects them, verified hours earn points by policy, and residents pay each other points for
// services. Party members' volunteer hours (义务奉献工时) are tallied the same way.
//
// DECISION: an exchange that would overdraw its payer is recorded as void by this view; the
// ledger does not reject it at append time. The ledger keeps every event so that a street office
// can see what was attempted, and whether an exchange overdraws depends on the payer's history,
// which corrections can change after the fact: a void earlier credit can make a later, once valid
// exchange overdraw, so no append-time check could stay right. Such an exchange appears as a
// "refused" movement of amount 0 with its reason, in the payer's and the provider's statements
// and in the list of refused exchanges; balances ignore it.
//
// The rules, under the time-bank policy in force on the local day (Asia/Shanghai) of the event:
// - A verified claim earns minutes * pointsPerHourCenti / 60 centipoints, rounded down (90 min at
//   100/h = 150; 1 min at 100/h = 1.67, so 1). With no policy in force it earns nothing and is
//   shown as "unpriced" rather than priced by an invented rule.
// - A claim's first decision settles it; a later decision on the same claim is ignored and
//   counted (a decision is changed by correcting it, not by deciding again).
// - An exchange is refused if it would take the payer below zero or, when the policy allows
//   negative balances, below -overdraftLimitCenti (a limit of 0 or less then means no limit).
//   With no policy in force, negative balances are not allowed (DOMAIN.md: "balances never go
//   negative unless a policy allows it"). Exchanges of a non-positive amount, or to oneself, are
//   refused too.
//
// How it stays correct under corrections: the tables hold only the raw facts (claims with their
// decisions, exchanges), each tagged with its seq, so Void removes exactly one event. Balances,
// prices and refusals are never stored: Replay() replays every credit and exchange in seq order
// at query time, with the policies as they stand, and so follows a policy adopted late with an
// earlier effective day. A replay reads the whole bank's history, so its verdicts are kept
// (Totals) until a claim, decision, exchange or policy changes; a statement reads its account's
// claims and exchanges alone and takes the verdicts on its exchanges from there.

#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "projections/filter.h"
#include "projections/kept_figure.h"
#include "projections/projection.h"
#include "projections/views/policies.h"
#include "projections/views/registers.h"
#include "schemas/view_time_bank.capnp.h"

namespace projections {

struct VolunteerDecisionRecord {
  uint64_t seq = 0;
  int64_t at = 0;
  bool verified = false;  // else rejected
  std::string note;
  template <class A>
  void Fields(A& a) {
    a(seq, at, verified, note);
  }
};

struct VolunteerClaimRecord {
  std::string claim_id, person_id, estate_id, activity, service_date, beneficiary_id;
  uint32_t minutes = 0;
  int64_t claimed_at = 0;
  uint64_t claim_seq = 0;  // 0 while only decisions are known (the claim voided, say)
  std::vector<VolunteerDecisionRecord> decisions;  // in seq order
  template <class A>
  void Fields(A& a) {
    a(claim_id, person_id, estate_id, activity, service_date, beneficiary_id, minutes, claimed_at,
      claim_seq, decisions);
  }
};

struct TimeBankExchangeRecord {
  uint64_t seq = 0;
  int64_t at = 0;
  std::string exchange_id, payer_id, provider_id, service;
  int64_t points_centi = 0;
  template <class A>
  void Fields(A& a) {
    a(seq, at, exchange_id, payer_id, provider_id, service, points_centi);
  }
};

enum class VolunteerClaimStatus { kPending, kVerified, kRejected };

// Where a claim stands: the decision that settled it, if any.
struct VolunteerClaimState {
  VolunteerClaimStatus status = VolunteerClaimStatus::kPending;
  const VolunteerDecisionRecord* decision = nullptr;
  uint32_t ignored_decisions = 0;
};
VolunteerClaimState Derive(const VolunteerClaimRecord& claim);

// What a verified claim earns, and the rule it was priced by.
struct VolunteerClaimPrice {
  bool priced = false;  // false: no time-bank policy in force that day
  int64_t centi = 0;
  uint32_t points_per_hour_centi = 0;
  std::string policy_id;
  uint32_t policy_version = 0;
  int64_t day = 0;  // the local day of the verification
};
VolunteerClaimPrice PriceClaim(const VolunteerClaimRecord& claim,
                               const VolunteerDecisionRecord& verification,
                               const Policies& policies);

// Volunteer claims of one group, by status: the time-bank view's and the joint-meeting report's
// hours come from this one tally.
struct HoursTally {
  uint32_t claims[3] = {0, 0, 0};  // by VolunteerClaimStatus
  uint64_t minutes[3] = {0, 0, 0};
  int64_t earned_centi = 0;
  std::set<std::string> volunteers;  // who had a claim verified
  // `earned` counts only for a verified claim.
  void Add(const VolunteerClaimRecord& claim, VolunteerClaimStatus status, int64_t earned);
  void Fill(ledger::schema::TimeBankHours::Builder out) const;
  // Every claim, whatever its status.
  void FillClaimed(ledger::schema::TimeBankTally::Builder out) const;
};

enum class TimeBankMovementKind { kEarned, kUnpriced, kPaid, kReceived, kRefused };
const char* TimeBankMovementKindName(TimeBankMovementKind kind);

struct TimeBankMovement {
  uint64_t seq = 0;
  int64_t at = 0;
  TimeBankMovementKind kind = TimeBankMovementKind::kEarned;
  int64_t amount_centi = 0;  // signed, as it changed the balance
  int64_t balance_after_centi = 0;
  std::string claim_id;
  uint32_t minutes = 0;
  uint32_t points_per_hour_centi = 0;
  std::string policy_id;
  uint32_t policy_version = 0;
  std::string exchange_id;
  std::string side;  // "payer" or "provider"
  std::string counterparty_id;
  int64_t requested_centi = 0;
  std::string description;
  std::string reason;
};

struct TimeBankAccount {
  int64_t balance_centi = 0;
  int64_t earned_centi = 0;
  int64_t paid_centi = 0;
  int64_t received_centi = 0;
  std::vector<TimeBankMovement> movements;  // in seq order, of the account replayed for
};

struct TimeBankRefusedExchange {
  TimeBankExchangeRecord exchange;
  int64_t payer_balance_centi = 0;
  int64_t floor_centi = 0;
  std::string policy_id;
  uint32_t policy_version = 0;
  std::string reason;
};

// The bank as the replay of every credit and exchange in seq order.
struct TimeBankBook {
  std::map<std::string, TimeBankAccount> accounts;  // by person
  std::vector<TimeBankRefusedExchange> refused;     // in seq order
  int64_t total_earned_centi = 0;
  int64_t circulation_centi = 0;  // sum of balances
  uint32_t exchanges = 0;         // applied
  int64_t exchanged_centi = 0;
  bool reconciled() const { return circulation_centi == total_earned_centi; }
};

// Claims by status, by party membership, and those verified with no price: of the claims a
// filter counts.
struct ClaimHours {
  HoursTally all, party, others;
  uint32_t unpriced = 0;
  uint32_t ignored = 0;  // decisions after the one that settled their claim
};

// What the time-bank view shows of the whole bank, from a replay: its figures and the
// exchanges it refused.
struct TimeBankTotals {
  int64_t total_earned_centi = 0;
  int64_t circulation_centi = 0;
  bool reconciled = true;
  uint32_t accounts = 0;
  uint32_t negative_accounts = 0;
  uint32_t exchanges = 0;
  int64_t exchanged_centi = 0;
  std::vector<TimeBankRefusedExchange> refused;  // in seq order
};

// "3.00", "-1.50": centipoints as points, for reasons a person reads.
std::string FormatTimeBankPoints(int64_t centi);

class TimeBank final : public Projection {
 public:
  TimeBank(const Policies* policies, const Registers* registers)
      : policies_(policies), registers_(registers) {
    Register(&claims_);
    Register(&exchanges_);
    by_estate_ = claims_.AddOrdering(EstateAndInstant, Places::kEveryRecord);
    by_person_ = claims_.AddOrdering(PersonAndClaimSeq);
    in_district_ = claims_.AddOrdering(
        [](const VolunteerClaimRecord& c) { return AcrossDistrict(EstateAndInstant(c)); },
        Places::kEveryRecord);
    by_payer_ = exchanges_.AddOrdering(PayerAndSeq);
    by_provider_ = exchanges_.AddOrdering(ProviderAndSeq);
  }
  const char* name() const override { return "time_bank"; }
  // 5: claims ordered across the district (4: claims ordered by person, exchanges by payer and
  // by provider, for statements; 3: the orderings stored beside the records; 2: their first
  // layout).
  uint32_t version() const override { return 5; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // Claims matching the filter (estate; period on the service date, else on when the claim
  // happened) by status and by party membership, and the whole bank's totals, reconciliation
  // and refused exchanges (one page).
  void Summary(const Filter& filter, ledger::schema::TimeBankView::Builder out) const;
  // One person's balance and every movement of their account: their claims and exchanges, read
  // through the orderings by person, with the whole bank's verdicts on exchanges (Totals).
  void Statement(const std::string& person_id,
                 ledger::schema::TimeBankStatement::Builder out) const;

  // The replay behind both queries: every account's figures, and the movements of
  // `account_id`'s only (of none if it is empty). The claims and exchanges are streamed, not
  // held: what a replay holds is a few figures per credit and a copy of each exchange. The
  // queries ask for no account's movements; the tests ask for one, to hold the statement to.
  TimeBankBook Replay(std::string_view account_id = {}) const;
  // The whole bank's totals: those of the last replay, as long as no claim, decision, exchange
  // or policy changed since; else a new replay's. Every time-bank page shows them, and a replay
  // reads the whole bank's history: without this, each page of each estate paid for it.
  std::shared_ptr<const TimeBankTotals> Totals() const;
  // The hours of every claim of the district (the time-bank page with no estate and no period):
  // those last counted, as long as no claim, decision, policy or person's registration (party
  // membership) changed since; else counted again. Counting streams every claim of the district.
  std::shared_ptr<const ClaimHours> DistrictHours() const;

  // When a claim counts for a period: its service day if given, else when it was claimed.
  static int64_t ClaimInstant(const VolunteerClaimRecord& claim);
  // Whether a claim counts under the filter (claimed, its estate, its instant in the period).
  static bool Counts(const VolunteerClaimRecord& claim, const Filter& filter);
  // Calls visit(claim) for each claim that counts; a filter naming an estate reads only that
  // estate's claims in its period.
  template <class Visit>
  void ForEachCounted(const Filter& filter, Visit visit) const {
    projections::ForEachCounted(claims_, by_estate_, in_district_, filter, Counts, visit);
  }

  const Table<VolunteerClaimRecord>& claims() const { return claims_; }
  const Table<TimeBankExchangeRecord>& exchanges() const { return exchanges_; }

 private:
  static std::optional<OrderKey> EstateAndInstant(const VolunteerClaimRecord& claim);
  // The hours of the claims `filter` counts, counted now.
  ClaimHours CountHours(const Filter& filter) const;
  static std::optional<OrderKey> PersonAndClaimSeq(const VolunteerClaimRecord& claim);
  static std::optional<OrderKey> PayerAndSeq(const TimeBankExchangeRecord& exchange);
  static std::optional<OrderKey> ProviderAndSeq(const TimeBankExchangeRecord& exchange);

  const Policies* policies_;
  const Registers* registers_;
  Table<VolunteerClaimRecord> claims_{"claims"};          // by claim id
  Table<TimeBankExchangeRecord> exchanges_{"exchanges"};  // by seq, zero-padded so keys sort by seq
  size_t by_estate_ = 0;    // an ordering of claims_ by estate and ClaimInstant
  size_t in_district_ = 0;  // of claims_ by ClaimInstant across the district
  size_t by_person_ = 0;    // of claims_ by person and the claim's seq
  size_t by_payer_ = 0;     // of exchanges_ by payer and seq
  size_t by_provider_ = 0;  // of exchanges_ by provider and seq

  // How many events changed the claims or the exchanges. Written by Apply and Void, which run
  // under the views' exclusive lock; read by readers, who hold it shared.
  uint64_t changes_ = 0;
  // The last replay's totals, kept while the bank's and the policies' changes stand.
  mutable KeptFigure<TimeBankTotals, 2> totals_;
  // The district's hours last counted, kept while the bank's, the policies' and the
  // registrations' changes stand.
  mutable KeptFigure<ClaimHours, 3> district_hours_;
};

}  // namespace projections
