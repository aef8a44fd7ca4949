#include "projections/views/time_bank.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <memory>
#include <set>

#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

const char* TimeBankMovementKindName(TimeBankMovementKind kind) {
  switch (kind) {
    case TimeBankMovementKind::kEarned:
      return "earned";
    case TimeBankMovementKind::kUnpriced:
      return "unpriced";
    case TimeBankMovementKind::kPaid:
      return "paid";
    case TimeBankMovementKind::kReceived:
      return "received";
    case TimeBankMovementKind::kRefused:
      return "refused";
  }
  return "unknown";
}

std::string FormatTimeBankPoints(int64_t centi) {
  // Magnitude in unsigned arithmetic so that INT64_MIN formats too.
  uint64_t magnitude = centi < 0 ? 0 - static_cast<uint64_t>(centi) : static_cast<uint64_t>(centi);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%" PRIu64 ".%02" PRIu64, centi < 0 ? "-" : "",
                magnitude / 100, magnitude % 100);
  return buffer;
}

VolunteerClaimState Derive(const VolunteerClaimRecord& claim) {
  VolunteerClaimState state;
  if (claim.decisions.empty()) return state;
  state.decision = &claim.decisions.front();
  state.status =
      state.decision->verified ? VolunteerClaimStatus::kVerified : VolunteerClaimStatus::kRejected;
  state.ignored_decisions = static_cast<uint32_t>(claim.decisions.size() - 1);
  return state;
}

VolunteerClaimPrice PriceClaim(const VolunteerClaimRecord& claim,
                               const VolunteerDecisionRecord& verification,
                               const Policies& policies) {
  VolunteerClaimPrice price;
  price.day = LocalDay(verification.at, TimeZone::China());
  const PolicyVersion* policy = policies.InForce(PolicyKind::kTimeBank, price.day);
  if (!policy) return price;
  price.priced = true;
  price.points_per_hour_centi = policy->time_bank.points_per_hour_centi;
  price.policy_id = policy->policy_id;
  price.policy_version = policy->version;
  // Both factors are unsigned 32-bit, so the product fits and the division rounds down.
  price.centi = static_cast<int64_t>(claim.minutes) * price.points_per_hour_centi / 60;
  return price;
}

namespace {

std::string ExchangeKey(uint64_t seq) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%020" PRIu64, seq);
  return buffer;
}

void AddDecision(VolunteerClaimRecord& claim, VolunteerDecisionRecord decision) {
  // A replacement keeps its original position among the decisions.
  auto at = std::upper_bound(claim.decisions.begin(), claim.decisions.end(), decision,
                             [](const auto& a, const auto& b) { return a.seq < b.seq; });
  claim.decisions.insert(at, std::move(decision));
}

// The lowest balance an exchange may leave its payer with, and how the policy puts it.
struct Floor {
  bool bounded = true;
  int64_t centi = 0;
  std::string policy_id;
  uint32_t policy_version = 0;
  std::string rule;  // completes "overdraws: ..., <rule>"
};

Floor FloorOn(const Policies& policies, int64_t at) {
  Floor floor;
  int64_t day = LocalDay(at, TimeZone::China());
  const PolicyVersion* policy = policies.InForce(PolicyKind::kTimeBank, day);
  if (!policy) {
    floor.rule =
        "no time-bank policy in force on " + FormatDay(day) + ": negative balances are not allowed";
    return floor;
  }
  floor.policy_id = policy->policy_id;
  floor.policy_version = policy->version;
  std::string named = "policy " + policy->policy_id + " v" + std::to_string(policy->version);
  const TimeBankRule& rule = policy->time_bank;
  if (!rule.allow_negative) {
    floor.rule = named + " forbids negative balances";
  } else if (rule.overdraft_limit_centi <= 0) {
    floor.bounded = false;
  } else {
    floor.centi = -rule.overdraft_limit_centi;
    floor.rule = named + " allows an overdraft of at most " +
                 FormatTimeBankPoints(rule.overdraft_limit_centi) + " points";
  }
  return floor;
}

// A verified claim's movement on its person's account.
TimeBankMovement CreditMovement(const VolunteerClaimRecord& c,
                                const VolunteerDecisionRecord& verification,
                                const VolunteerClaimPrice& price) {
  TimeBankMovement m;
  m.seq = verification.seq;
  m.at = verification.at;
  m.kind = price.priced ? TimeBankMovementKind::kEarned : TimeBankMovementKind::kUnpriced;
  m.amount_centi = price.centi;
  m.claim_id = c.claim_id;
  m.minutes = c.minutes;
  m.points_per_hour_centi = price.points_per_hour_centi;
  m.policy_id = price.policy_id;
  m.policy_version = price.policy_version;
  m.description = c.activity;
  if (!price.priced) m.reason = "no time-bank policy in force on " + FormatDay(price.day);
  return m;
}

// An exchange's movement on the payer's account or the provider's, before its verdict: kind
// and amount are the verdict's.
TimeBankMovement ExchangeMovement(const TimeBankExchangeRecord& x, bool payer,
                                  const std::string& policy_id, uint32_t policy_version) {
  TimeBankMovement m;
  m.seq = x.seq;
  m.at = x.at;
  m.exchange_id = x.exchange_id;
  m.requested_centi = x.points_centi;
  m.description = x.service;
  m.policy_id = policy_id;
  m.policy_version = policy_version;
  m.side = payer ? "payer" : "provider";
  m.counterparty_id = payer ? x.provider_id : x.payer_id;
  return m;
}

// Why an exchange cannot be applied, or "" if it can.
std::string RefusalOf(const TimeBankExchangeRecord& x, int64_t payer_balance,
                      int64_t provider_balance, const Floor& floor) {
  if (x.points_centi <= 0) {
    return "exchange of " + FormatTimeBankPoints(x.points_centi) +
           " points: an exchange must move a positive amount";
  }
  if (x.payer_id == x.provider_id) return "payer and provider are the same person";
  int64_t after = 0, provider_after = 0;
  if (__builtin_sub_overflow(payer_balance, x.points_centi, &after) ||
      __builtin_add_overflow(provider_balance, x.points_centi, &provider_after)) {
    return "exchange of " + FormatTimeBankPoints(x.points_centi) + " points is out of range";
  }
  if (floor.bounded && after < floor.centi) {
    return "overdraws: balance " + FormatTimeBankPoints(payer_balance) + " points, exchange " +
           FormatTimeBankPoints(x.points_centi) + " points, " + floor.rule;
  }
  return "";
}

void FillTally(uint32_t claims, uint64_t minutes, schema::TimeBankTally::Builder out) {
  out.setClaims(claims);
  out.setMinutes(minutes);
  out.setHours(static_cast<double>(minutes) / 60.0);
}

// The events whose Apply or Void change the claims or the exchanges.
bool ChangesTheBank(P::Which which) {
  return which == P::VOLUNTEER_HOURS_CLAIMED || which == P::VOLUNTEER_HOURS_VERIFIED ||
         which == P::VOLUNTEER_HOURS_REJECTED || which == P::TIME_BANK_EXCHANGED;
}

}  // namespace

void TimeBank::Apply(const EventContext& e) {
  auto p = e.payload;
  if (ChangesTheBank(p.which())) ++changes_;
  switch (p.which()) {
    case P::VOLUNTEER_HOURS_CLAIMED: {
      auto r = p.getVolunteerHoursClaimed();
      auto& c = claims_.Mutable(Str(r.getClaimId()));
      c.claim_id = Str(r.getClaimId());
      c.person_id = Str(r.getPersonId());
      c.estate_id = Str(r.getEstateId());
      c.activity = Str(r.getActivity());
      c.service_date = Str(r.getServiceDate());
      c.beneficiary_id = Str(r.getBeneficiaryId());
      c.minutes = r.getMinutes();
      c.claimed_at = e.occurred_at;
      c.claim_seq = e.seq;
      break;
    }
    case P::VOLUNTEER_HOURS_VERIFIED:
    case P::VOLUNTEER_HOURS_REJECTED: {
      bool verified = p.isVolunteerHoursVerified();
      auto r = verified ? p.getVolunteerHoursVerified() : p.getVolunteerHoursRejected();
      auto& c = claims_.Mutable(Str(r.getClaimId()));
      if (c.claim_id.empty()) c.claim_id = Str(r.getClaimId());
      AddDecision(c, VolunteerDecisionRecord{e.seq, e.occurred_at, verified, Str(r.getNote())});
      break;
    }
    case P::TIME_BANK_EXCHANGED: {
      auto r = p.getTimeBankExchanged();
      exchanges_.Mutable(ExchangeKey(e.seq)) = TimeBankExchangeRecord{
          e.seq,
          e.occurred_at,
          Str(r.getExchangeId()),
          Str(r.getPayerId()),
          Str(r.getProviderId()),
          Str(r.getService()),
          r.getPointsCenti(),
      };
      break;
    }
    default:
      break;
  }
}

void TimeBank::Void(const EventContext& e) {
  auto p = e.payload;
  if (ChangesTheBank(p.which())) ++changes_;
  switch (p.which()) {
    case P::VOLUNTEER_HOURS_CLAIMED: {
      std::string id = Str(p.getVolunteerHoursClaimed().getClaimId());
      const VolunteerClaimRecord* found = claims_.Find(id);
      if (!found || found->claim_seq != e.seq) break;
      if (found->decisions.empty()) {
        claims_.Erase(id);
        break;
      }
      // Its decisions stay for the audit, but a claim that is not there counts for nothing.
      auto& c = claims_.Mutable(id);
      VolunteerClaimRecord bare;
      bare.claim_id = id;
      bare.decisions = std::move(c.decisions);
      c = std::move(bare);
      break;
    }
    case P::VOLUNTEER_HOURS_VERIFIED:
    case P::VOLUNTEER_HOURS_REJECTED: {
      auto r = p.isVolunteerHoursVerified() ? p.getVolunteerHoursVerified()
                                            : p.getVolunteerHoursRejected();
      std::string id = Str(r.getClaimId());
      if (!claims_.Contains(id)) break;
      auto& c = claims_.Mutable(id);
      std::erase_if(c.decisions, [&](const VolunteerDecisionRecord& d) { return d.seq == e.seq; });
      if (c.claim_seq == 0 && c.decisions.empty()) claims_.Erase(id);
      break;
    }
    case P::TIME_BANK_EXCHANGED:
      exchanges_.Erase(ExchangeKey(e.seq));
      break;
    default:
      break;
  }
}

int64_t TimeBank::ClaimInstant(const VolunteerClaimRecord& claim) {
  if (auto day = ParseDay(claim.service_date)) return LocalDayStart(*day, TimeZone::China());
  return claim.claimed_at;
}

bool TimeBank::Counts(const VolunteerClaimRecord& c, const Filter& f) {
  return c.claim_seq != 0 && f.Matches(c.estate_id, f.estate) && f.InPeriod(ClaimInstant(c));
}

std::optional<OrderKey> TimeBank::EstateAndInstant(const VolunteerClaimRecord& claim) {
  if (claim.claim_seq == 0) return std::nullopt;
  return OrderKey{claim.estate_id, ClaimInstant(claim)};
}

std::optional<OrderKey> TimeBank::PersonAndClaimSeq(const VolunteerClaimRecord& claim) {
  if (claim.claim_seq == 0) return std::nullopt;
  return OrderKey{claim.person_id, static_cast<int64_t>(claim.claim_seq)};
}

std::optional<OrderKey> TimeBank::PayerAndSeq(const TimeBankExchangeRecord& exchange) {
  return OrderKey{exchange.payer_id, static_cast<int64_t>(exchange.seq)};
}

std::optional<OrderKey> TimeBank::ProviderAndSeq(const TimeBankExchangeRecord& exchange) {
  return OrderKey{exchange.provider_id, static_cast<int64_t>(exchange.seq)};
}

TimeBankBook TimeBank::Replay(std::string_view account_id) const {
  // Credits and exchanges interleaved in the order the ledger holds them. Both tables are
  // streamed, not held: a credit keeps what the book needs of its claim (its account, found
  // once, and its amount), and the movement only for the account asked for; an exchange is
  // copied.
  TimeBankBook book;
  struct Credit {
    uint64_t seq;
    TimeBankAccount* account;  // a node of book.accounts, which stays put
    int64_t centi;
    std::unique_ptr<TimeBankMovement> movement;  // of the account asked for
  };
  std::vector<Credit> credits;
  claims_.Stream([&](const std::string&, const VolunteerClaimRecord& c) {
    if (c.claim_seq == 0) return;
    VolunteerClaimState state = Derive(c);
    if (state.status != VolunteerClaimStatus::kVerified) return;
    const VolunteerDecisionRecord& verification = *state.decision;
    VolunteerClaimPrice price = PriceClaim(c, verification, *policies_);
    Credit credit{verification.seq, &book.accounts[c.person_id], price.centi, nullptr};
    if (c.person_id == account_id) {
      credit.movement = std::make_unique<TimeBankMovement>(CreditMovement(c, verification, price));
    }
    credits.push_back(std::move(credit));
  });
  std::vector<TimeBankExchangeRecord> exchanges;
  exchanges_.Stream(
      [&](const std::string&, const TimeBankExchangeRecord& x) { exchanges.push_back(x); });
  std::sort(credits.begin(), credits.end(),
            [](const Credit& a, const Credit& b) { return a.seq < b.seq; });
  std::sort(exchanges.begin(), exchanges.end(),
            [](const auto& a, const auto& b) { return a.seq < b.seq; });

  // Every account's balance; the movements of the account asked for alone.
  auto post = [&](TimeBankAccount& account, bool asked_for, TimeBankMovement&& movement) {
    account.balance_centi += movement.amount_centi;
    if (!asked_for) return;
    movement.balance_after_centi = account.balance_centi;
    account.movements.push_back(std::move(movement));
  };
  size_t next_credit = 0, next_exchange = 0;
  while (next_credit < credits.size() || next_exchange < exchanges.size()) {
    if (next_exchange == exchanges.size() ||
        (next_credit < credits.size() && credits[next_credit].seq < exchanges[next_exchange].seq)) {
      Credit& credit = credits[next_credit++];
      TimeBankAccount& account = *credit.account;
      account.earned_centi += credit.centi;
      book.total_earned_centi += credit.centi;
      TimeBankMovement m;
      if (credit.movement) m = std::move(*credit.movement);
      m.amount_centi = credit.centi;
      post(account, credit.movement != nullptr, std::move(m));
      continue;
    }
    const TimeBankExchangeRecord& x = exchanges[next_exchange++];
    TimeBankAccount& payer = book.accounts[x.payer_id];
    TimeBankAccount& provider = book.accounts[x.provider_id];  // the same as payer if to oneself
    Floor floor = FloorOn(*policies_, x.at);
    std::string refusal = RefusalOf(x, payer.balance_centi, provider.balance_centi, floor);

    TimeBankMovement out = ExchangeMovement(x, true, floor.policy_id, floor.policy_version);
    TimeBankMovement in = ExchangeMovement(x, false, floor.policy_id, floor.policy_version);
    if (refusal.empty()) {
      out.kind = TimeBankMovementKind::kPaid;
      out.amount_centi = -x.points_centi;
      in.kind = TimeBankMovementKind::kReceived;
      in.amount_centi = x.points_centi;
      payer.paid_centi += x.points_centi;
      provider.received_centi += x.points_centi;
      ++book.exchanges;
      book.exchanged_centi += x.points_centi;
    } else {
      out.kind = in.kind = TimeBankMovementKind::kRefused;
      out.reason = in.reason = refusal;
      book.refused.push_back(TimeBankRefusedExchange{
          x, payer.balance_centi, floor.centi, floor.policy_id, floor.policy_version, refusal});
    }
    post(payer, x.payer_id == account_id, std::move(out));
    if (x.payer_id != x.provider_id) post(provider, x.provider_id == account_id, std::move(in));
  }
  for (const auto& [person, account] : book.accounts) {
    book.circulation_centi += account.balance_centi;
  }
  return book;
}

std::shared_ptr<const TimeBankTotals> TimeBank::Totals() const {
  return totals_.Get({changes_, policies_->changes()}, [&] {
    TimeBankBook book = Replay();
    TimeBankTotals totals;
    totals.total_earned_centi = book.total_earned_centi;
    totals.circulation_centi = book.circulation_centi;
    totals.reconciled = book.reconciled();
    totals.accounts = static_cast<uint32_t>(book.accounts.size());
    for (const auto& [person, account] : book.accounts) {
      if (account.balance_centi < 0) ++totals.negative_accounts;
    }
    totals.exchanges = book.exchanges;
    totals.exchanged_centi = book.exchanged_centi;
    totals.refused = std::move(book.refused);
    return totals;
  });
}

ClaimHours TimeBank::CountHours(const Filter& f) const {
  ClaimHours hours;
  ForEachCounted(f, [&](const VolunteerClaimRecord& c) {
    VolunteerClaimState state = Derive(c);
    hours.ignored += state.ignored_decisions;
    int64_t earned = 0;
    if (state.status == VolunteerClaimStatus::kVerified) {
      VolunteerClaimPrice price = PriceClaim(c, *state.decision, *policies_);
      if (!price.priced) ++hours.unpriced;
      earned = price.centi;
    }
    hours.all.Add(c, state.status, earned);
    const PersonRecord* person = registers_->persons().Find(c.person_id);
    (person && person->party_member ? hours.party : hours.others).Add(c, state.status, earned);
  });
  return hours;
}

std::shared_ptr<const ClaimHours> TimeBank::DistrictHours() const {
  return district_hours_.Get({changes_, policies_->changes(), registers_->registrations_changed()},
                             [&] { return CountHours(Filter{}); });
}

void TimeBank::Summary(const Filter& f, schema::TimeBankView::Builder out) const {
  // The district's page with no period counts every claim of the district: kept between pages.
  std::shared_ptr<const ClaimHours> hours = f.estate.empty() && !f.from_ms && !f.to_ms
                                                ? DistrictHours()
                                                : std::make_shared<const ClaimHours>(CountHours(f));
  hours->all.Fill(out.initClaims());
  hours->party.Fill(out.initPartyMembers());
  hours->others.Fill(out.initOthers());
  out.setUnpricedVerified(hours->unpriced);
  out.setIgnoredDecisions(hours->ignored);

  std::shared_ptr<const TimeBankTotals> totals = Totals();
  out.setTotalEarnedCenti(totals->total_earned_centi);
  out.setCirculationCenti(totals->circulation_centi);
  out.setReconciled(totals->reconciled);
  out.setAccounts(totals->accounts);
  out.setNegativeAccounts(totals->negative_accounts);
  out.setExchanges(totals->exchanges);
  out.setExchangedCenti(totals->exchanged_centi);
  const std::vector<TimeBankRefusedExchange>& refused = totals->refused;
  out.setRefusedCount(static_cast<uint32_t>(refused.size()));
  size_t begin = std::min(f.offset, refused.size());
  size_t end = begin + std::min(f.limit, refused.size() - begin);
  out.setOffset(static_cast<uint32_t>(begin));
  auto list = out.initRefused(static_cast<unsigned>(end - begin));
  for (size_t i = begin; i < end; ++i) {
    const TimeBankRefusedExchange& r = refused[i];
    auto item = list[static_cast<unsigned>(i - begin)];
    item.setExchangeId(r.exchange.exchange_id);
    item.setSeq(r.exchange.seq);
    item.setAt(r.exchange.at);
    item.setPayerId(r.exchange.payer_id);
    item.setProviderId(r.exchange.provider_id);
    item.setRequestedCenti(r.exchange.points_centi);
    item.setPayerBalanceCenti(r.payer_balance_centi);
    item.setFloorCenti(r.floor_centi);
    item.setPolicyId(r.policy_id);
    item.setPolicyVersion(r.policy_version);
    item.setReason(r.reason);
  }
}

void TimeBank::Statement(const std::string& person_id,
                         schema::TimeBankStatement::Builder out) const {
  out.setPersonId(person_id);
  if (const PersonRecord* person = registers_->persons().Find(person_id)) {
    out.setName(person->name);
    out.setPartyMember(person->party_member);
  }
  // Another account's history decides whether its payments to this one went through: that is
  // the whole bank's replay, whose verdicts are kept (Totals). The account's own movements are
  // its verified claims and its exchanges, read through the orderings by person.
  std::shared_ptr<const TimeBankTotals> totals = Totals();
  constexpr int64_t kFirst = std::numeric_limits<int64_t>::min();
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  TimeBankAccount account;
  std::vector<TimeBankMovement>& movements = account.movements;
  claims_.ForEachInOrder(by_person_, person_id, kFirst, kEnd, [&](const VolunteerClaimRecord& c) {
    VolunteerClaimState state = Derive(c);
    if (state.status != VolunteerClaimStatus::kVerified) return;
    const VolunteerDecisionRecord& verification = *state.decision;
    VolunteerClaimPrice price = PriceClaim(c, verification, *policies_);
    movements.push_back(CreditMovement(c, verification, price));
    account.earned_centi += price.centi;
  });
  const std::vector<TimeBankRefusedExchange>& refused = totals->refused;  // in seq order
  auto exchange = [&](const TimeBankExchangeRecord& x, bool payer) {
    auto r = std::lower_bound(
        refused.begin(), refused.end(), x.seq,
        [](const TimeBankRefusedExchange& a, uint64_t seq) { return a.exchange.seq < seq; });
    if (r != refused.end() && r->exchange.seq == x.seq) {
      TimeBankMovement& m =
          movements.emplace_back(ExchangeMovement(x, payer, r->policy_id, r->policy_version));
      m.kind = TimeBankMovementKind::kRefused;
      m.reason = r->reason;
      return;
    }
    Floor floor = FloorOn(*policies_, x.at);
    TimeBankMovement& m =
        movements.emplace_back(ExchangeMovement(x, payer, floor.policy_id, floor.policy_version));
    m.kind = payer ? TimeBankMovementKind::kPaid : TimeBankMovementKind::kReceived;
    m.amount_centi = payer ? -x.points_centi : x.points_centi;
    (payer ? account.paid_centi : account.received_centi) += x.points_centi;
  };
  exchanges_.ForEachInOrder(by_payer_, person_id, kFirst, kEnd,
                            [&](const TimeBankExchangeRecord& x) { exchange(x, true); });
  // An exchange to oneself is the payer's movement alone, as in the replay (and refused).
  exchanges_.ForEachInOrder(by_provider_, person_id, kFirst, kEnd,
                            [&](const TimeBankExchangeRecord& x) {
                              if (x.payer_id != x.provider_id) exchange(x, false);
                            });
  if (movements.empty()) return;  // no account: nothing verified, paid or received
  std::sort(movements.begin(), movements.end(),
            [](const TimeBankMovement& a, const TimeBankMovement& b) { return a.seq < b.seq; });
  for (TimeBankMovement& m : movements) {
    account.balance_centi += m.amount_centi;
    m.balance_after_centi = account.balance_centi;
  }
  out.setBalanceCenti(account.balance_centi);
  out.setEarnedCenti(account.earned_centi);
  out.setPaidCenti(account.paid_centi);
  out.setReceivedCenti(account.received_centi);
  auto list = out.initMovements(static_cast<unsigned>(account.movements.size()));
  for (size_t i = 0; i < account.movements.size(); ++i) {
    const TimeBankMovement& m = account.movements[i];
    auto item = list[static_cast<unsigned>(i)];
    item.setSeq(m.seq);
    item.setAt(m.at);
    item.setKind(TimeBankMovementKindName(m.kind));
    item.setAmountCenti(m.amount_centi);
    item.setBalanceAfterCenti(m.balance_after_centi);
    item.setClaimId(m.claim_id);
    item.setMinutes(m.minutes);
    item.setPointsPerHourCenti(m.points_per_hour_centi);
    item.setPolicyId(m.policy_id);
    item.setPolicyVersion(m.policy_version);
    item.setExchangeId(m.exchange_id);
    item.setSide(m.side);
    item.setCounterpartyId(m.counterparty_id);
    item.setRequestedCenti(m.requested_centi);
    item.setDescription(m.description);
    item.setReason(m.reason);
  }
}

void HoursTally::Add(const VolunteerClaimRecord& claim, VolunteerClaimStatus status,
                     int64_t earned) {
  auto i = static_cast<size_t>(status);
  ++claims[i];
  minutes[i] += claim.minutes;
  if (status == VolunteerClaimStatus::kVerified) {
    earned_centi += earned;
    volunteers.insert(claim.person_id);
  }
}

void HoursTally::Fill(schema::TimeBankHours::Builder out) const {
  auto at = [](VolunteerClaimStatus s) { return static_cast<size_t>(s); };
  FillTally(claims[at(VolunteerClaimStatus::kPending)], minutes[at(VolunteerClaimStatus::kPending)],
            out.initPending());
  FillTally(claims[at(VolunteerClaimStatus::kVerified)],
            minutes[at(VolunteerClaimStatus::kVerified)], out.initVerified());
  FillTally(claims[at(VolunteerClaimStatus::kRejected)],
            minutes[at(VolunteerClaimStatus::kRejected)], out.initRejected());
  out.setPointsEarnedCenti(earned_centi);
  out.setVolunteers(static_cast<uint32_t>(volunteers.size()));
}

void HoursTally::FillClaimed(schema::TimeBankTally::Builder out) const {
  FillTally(claims[0] + claims[1] + claims[2], minutes[0] + minutes[1] + minutes[2], out);
}

}  // namespace projections
