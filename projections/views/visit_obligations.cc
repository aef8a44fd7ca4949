// The four must-visits as obligations (Visits::Evaluate): the raised ones read from their
// events, the yearly ones generated from the registers and the visit rules, and every one judged
// against the visits to its household. The view's events and its queries live in visits.cc.

#include "projections/views/visits.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <capnp/schema.h>

namespace projections {

namespace schema = ledger::schema;

namespace {

// Periods outside these years are clamped, so that an open-ended filter cannot make the yearly
// generation loop over millennia or overflow the day arithmetic.
constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2200;

bool InPeriod(const VisitPeriod& period, int64_t ms) {
  return ms >= period.from_ms && ms < period.to_ms;
}

// The notes an evaluation leaves, each said once, in the order first said. `out` may be null.
class Notes {
 public:
  explicit Notes(std::vector<std::string>* out) : out_(out) {}
  void Add(std::string text) {
    if (out_ && std::find(out_->begin(), out_->end(), text) == out_->end()) {
      out_->push_back(std::move(text));
    }
  }

 private:
  std::vector<std::string>* out_;
};

// The local day of "MM-DD" in `year`. 29 February falls on the 28th in common years, so that a
// resident born on a leap day still has a birthday (and a visit) every year.
std::optional<int64_t> DayInYear(int year, int month, int day) {
  if (month == 2 && day == 29) {
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (!leap) day = 28;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
  CivilDay civil{year, month, day};
  int64_t days = DaysFromCivil(civil);
  if (!(CivilFromDays(days) == civil)) return std::nullopt;
  return days;
}

std::optional<int64_t> DayInYear(int year, const std::string& month_day) {
  if (month_day.size() != 5 || month_day[2] != '-') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (month_day[i] < '0' || month_day[i] > '9') return std::nullopt;
  }
  int month = (month_day[0] - '0') * 10 + (month_day[1] - '0');
  int day = (month_day[3] - '0') * 10 + (month_day[4] - '0');
  return DayInYear(year, month, day);
}

// The household's flags as the register stood on local day `day`: the latest change that
// happened on or before it. Nothing before the household was registered: a household unknown
// to the register on the day owed no yearly visit that day.
std::optional<Flags> FlagsOn(const HouseholdRecord& h, int64_t day, TimeZone zone) {
  const FlagChange* found = nullptr;
  for (const auto& change : h.flag_history) {
    if (LocalDay(change.at, zone) > day) continue;
    if (!found || std::tie(change.at, change.seq) > std::tie(found->at, found->seq)) {
      found = &change;
    }
  }
  if (!found) return std::nullopt;
  return found->flags;
}

bool FlaggedOn(const HouseholdRecord& h, int64_t day, TimeZone zone) {
  auto flags = FlagsOn(h, day, zone);
  return flags && flags->any();
}

uint32_t WindowDays(const VisitRule& rule, int reason) {
  switch (static_cast<schema::VisitReason>(reason)) {
    case schema::VisitReason::HOLIDAY:
      return rule.holiday_window_days;
    case schema::VisitReason::HOSPITAL:
      return rule.hospital_window_days;
    case schema::VisitReason::BIRTHDAY:
      return rule.birthday_window_days;
    case schema::VisitReason::HARDSHIP:
      return rule.hardship_window_days;
  }
  return 0;
}

// Which team answers for an estate on a day: the teams of the appointments (any role) to the
// estate that are open on the day. An estate's appointments are read when first asked about.
class EstateTeams {
 public:
  explicit EstateTeams(const Registers& registers) : registers_(registers) {}
  // The one team appointed to the estate on the day; nullopt when none, or several (then no
  // team can be blamed rather than another).
  std::optional<std::string_view> On(const std::string& estate_id, int64_t day) {
    const std::string* team = nullptr;
    for (const auto& span : SpansOf(estate_id)) {
      if (span.from > day || day > span.to) continue;
      if (team && *team != span.team) return std::nullopt;
      team = &span.team;
    }
    if (!team) return std::nullopt;
    return *team;
  }

 private:
  struct Span {
    std::string team;
    int64_t from, to;
  };
  const std::vector<Span>& SpansOf(const std::string& estate_id) {
    auto [it, added] = spans_.try_emplace(estate_id);
    if (!added) return it->second;
    constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();
    // Every role an appointment may be to, as the schema names them.
    for (auto role : capnp::Schema::from<schema::AppointedRole>().getEnumerants()) {
      const EstateAppointments* appointments =
          registers_.AppointmentsTo(role.getOrdinal(), estate_id);
      if (!appointments) continue;
      for (const auto& [person, a] : appointments->list) {
        if (a.team.empty()) continue;
        it->second.push_back(Span{a.team, ParseDay(a.from_date).value_or(-kOpen),
                                  ParseDay(a.to_date).value_or(kOpen)});
      }
    }
    return it->second;
  }

  const Registers& registers_;
  std::unordered_map<std::string, std::vector<Span>> spans_;
};

// Judges obligations as they are generated, one at a time, against the visits to their
// household, and hands each to the reader. The visits are read once, before any obligation:
// those of the filter's household, estate or district made from the period's start to `now`,
// which no visit outside can meet or answer late (every window opens in the period).
class Judgement {
 public:
  using Judged = std::function<void(const ObligationState&)>;
  Judgement(const Registers& registers, int64_t now_ms, const Judged& judged)
      : teams_(registers), now_ms_(now_ms), judged_(judged) {}

  void AddVisit(const VisitRecord& visit) {
    visits_to_[visit.current()->household_id].push_back(&visit);
  }
  // The visits to a household, to judge its obligations against.
  const std::vector<const VisitRecord*>& VisitsTo(std::string_view household_id) const {
    static const std::vector<const VisitRecord*> kNone;
    auto it = visits_to_.find(household_id);
    return it == visits_to_.end() ? kNone : it->second;
  }
  // A scratch obligation to fill: each field is set again for each obligation.
  ObligationState& scratch() { return scratch_; }
  // Judges the scratch obligation against `visits` (VisitsTo its household), names the team it
  // counts for, and hands it to the reader.
  void Pass(const std::vector<const VisitRecord*>& visits);

 private:
  EstateTeams teams_;
  int64_t now_ms_;
  const Judged& judged_;
  std::unordered_map<std::string_view, std::vector<const VisitRecord*>> visits_to_;
  ObligationState scratch_;
};

// Sets every field of `o` that generation sets; clears the judgement's.
void Fill(ObligationState& o, bool yearly, int reason, const std::string& household_id,
          const std::string& estate_id, TimeZone zone) {
  o.yearly = yearly;
  o.reason = reason;
  o.household_id.assign(household_id);
  o.estate_id.assign(estate_id);
  o.occasion.clear();
  o.zone = zone;
  o.policy_id.clear();
  o.policy_version = 0;
  o.raised_seq = 0;
  o.status = ObligationStatus::kDue;
  o.met_by = nullptr;
  o.late = nullptr;
  o.team.clear();
  o.team_from = "";
}

// The obligations raised by events, for households matching the filter, whose window opens in
// the period.
void AddRaised(const Visits& visits, const Policies& policies, const Filter& f,
               const VisitPeriod& period, Notes* notes, Judgement* judgement) {
  visits.ForEachRaisedFrom(f, period.from_ms, [&](const RaisedObligationRecord& record) {
    const std::string& id = record.id;
    const RaisedObligationRecording* r = record.current();
    if (!r || !f.Matches(r->household_id, f.household)) return;
    const std::string& estate = record.estate_id;
    if (!f.Matches(estate, f.estate)) return;
    const PolicyVersion* policy = policies.InForceAt(PolicyKind::kVisits, r->raised_at);
    ObligationState& o = judgement->scratch();
    Fill(o, /*yearly=*/false, r->reason, r->household_id, estate,
         policy ? policy->zone() : TimeZone::China());
    o.id.assign(id);
    o.occasion.assign(r->note);
    o.first_day = LocalDay(r->raised_at, o.zone);
    if (auto due = ParseDay(r->due_by)) {
      o.last_day = *due;
    } else {
      // dueBy is required, but an unreadable one should not drop the obligation: fall back to
      // the window the rules give the reason.
      o.last_day = o.first_day + (policy ? WindowDays(policy->visits, o.reason) : 0);
      notes->Add("obligation " + id + ": dueBy '" + r->due_by +
                 "' is not a day; the rules' window used");
    }
    // Recorded after its due day: the window is [dueBy, dueBy] rather than empty.
    o.first_day = std::min(o.first_day, o.last_day);
    if (!InPeriod(period, o.window_start_ms())) return;
    if (policy) {
      o.policy_id = policy->policy_id;
      o.policy_version = policy->version;
    }
    o.raised_seq = r->seq;
    judgement->Pass(judgement->VisitsTo(o.household_id));
  });
}

// The years whose days the generation visits: one day either side of the period, so that any
// zone's local year around the bounds is covered.
struct YearSpan {
  int first = 0, last = 0;
};

YearSpan YearsAround(const VisitPeriod& period) {
  return {CivilFromDays(LocalDay(period.from_ms, TimeZone::Utc()) - 1).year,
          CivilFromDays(LocalDay(period.to_ms, TimeZone::Utc()) + 1).year};
}

// A holiday counts when the rules in force on its day list it.
struct HolidayOn {
  int64_t day;
  std::string name;
  const PolicyVersion* policy;
};

// The holidays in the period, one per day, by year and then by the order of the rules'
// versions and their lists.
std::vector<HolidayOn> HolidaysIn(const Policies& policies,
                                  const std::vector<PolicyVersion>& versions, YearSpan years,
                                  const VisitPeriod& period) {
  std::vector<HolidayOn> holidays;
  for (int year = years.first; year <= years.last; ++year) {
    for (const auto& version : versions) {
      for (const auto& holiday : version.visits.holidays) {
        auto day = DayInYear(year, holiday.month_day);
        if (!day) continue;
        const PolicyVersion* in_force = policies.InForce(PolicyKind::kVisits, *day);
        if (!in_force || in_force->seq != version.seq) continue;
        if (!InPeriod(period, LocalDayStart(*day, in_force->zone()))) continue;
        // Two holidays on one day make one visit, not two.
        if (std::any_of(holidays.begin(), holidays.end(),
                        [&](const HolidayOn& h) { return h.day == *day; })) {
          continue;
        }
        holidays.push_back({*day, holiday.name, in_force});
      }
    }
  }
  return holidays;
}

// Fills `o` as a yearly obligation of the household for `reason`, its window opening on `day`.
void Yearly(const HouseholdRecord& h, int reason, int64_t day, const PolicyVersion& policy,
            ObligationState& o) {
  Fill(o, /*yearly=*/true, reason, h.id, h.estate_id, policy.zone());
  o.first_day = day;
  o.last_day = day + WindowDays(policy.visits, reason);
  o.policy_id.assign(policy.policy_id);
  o.policy_version = policy.version;
}

// "yearly/<kind>/<day>/<household>": the id of a yearly obligation, built in `id`'s own buffer.
void YearlyId(std::string_view kind, int64_t day, const std::string& household_id,
              std::string& id) {
  id.assign("yearly/")
      .append(kind)
      .append("/")
      .append(FormatDay(day))
      .append("/")
      .append(household_id);
}

void AddHolidays(const HouseholdRecord& h, const std::vector<HolidayOn>& holidays,
                 const std::vector<const VisitRecord*>& visits, Judgement* judgement) {
  for (const auto& holiday : holidays) {
    if (!FlaggedOn(h, holiday.day, holiday.policy->zone())) continue;
    ObligationState& o = judgement->scratch();
    Yearly(h, static_cast<int>(schema::VisitReason::HOLIDAY), holiday.day, *holiday.policy, o);
    YearlyId("holiday", holiday.day, h.id, o.id);
    o.occasion.assign(holiday.name);
    judgement->Pass(visits);
  }
}

// Each resident's birthdays in the period, under the rules in force on the day.
void AddBirthdays(const HouseholdRecord& h, const Policies& policies, YearSpan years,
                  const VisitPeriod& period, const std::vector<const VisitRecord*>& visits,
                  Notes* notes, Judgement* judgement) {
  // A local day starts within a day of its UTC start in any zone: days two or more away from
  // the period's UTC days cannot start in it, and are passed by before the rules are looked up.
  const int64_t first_day = LocalDay(period.from_ms, TimeZone::Utc()) - 2;
  const int64_t last_day = LocalDay(period.to_ms, TimeZone::Utc()) + 2;
  for (size_t i = 0; i < h.residents.size(); ++i) {
    const ResidentRecord& resident = h.residents[i];
    auto born = ParseDay(resident.birth_date);
    if (!born) continue;
    CivilDay birth = CivilFromDays(*born);
    for (int year = years.first; year <= years.last; ++year) {
      auto day = DayInYear(year, birth.month, birth.day);
      if (!day || *day <= *born || *day < first_day || *day > last_day) continue;
      const PolicyVersion* policy = policies.InForce(PolicyKind::kVisits, *day);
      if (!policy) {
        if (InPeriod(period, LocalDayStart(*day, TimeZone::China()))) {
          notes->Add("no visit rules in force on some birthdays of the period: none owed then");
        }
        continue;
      }
      if (!InPeriod(period, LocalDayStart(*day, policy->zone()))) continue;
      if (!FlaggedOn(h, *day, policy->zone())) continue;
      ObligationState& o = judgement->scratch();
      Yearly(h, static_cast<int>(schema::VisitReason::BIRTHDAY), *day, *policy, o);
      if (!resident.person_id.empty()) {
        o.occasion.assign(resident.person_id);
      } else if (!resident.name.empty()) {
        o.occasion.assign(resident.name);
      } else {
        o.occasion.assign("resident-" + std::to_string(i + 1));
      }
      YearlyId("birthday", *day, h.id, o.id);
      o.id.append("/").append(o.occasion);
      judgement->Pass(visits);
    }
  }
}

// The yearly obligations of the households matching the filter (its one household, or those of
// its estate ever flagged): holidays and birthdays on which the household was flagged.
void AddYearly(const Policies& policies, const Registers& registers,
               const std::vector<PolicyVersion>& versions, const Filter& f,
               const VisitPeriod& period, Notes* notes, Judgement* judgement) {
  YearSpan years = YearsAround(period);
  std::vector<HolidayOn> holidays = HolidaysIn(policies, versions, years, period);
  auto generate = [&](const HouseholdRecord& h) {
    if (!f.Matches(h.estate_id, f.estate)) return;
    const std::vector<const VisitRecord*>& visits = judgement->VisitsTo(h.id);
    AddHolidays(h, holidays, visits, judgement);
    AddBirthdays(h, policies, years, period, visits, notes, judgement);
  };
  if (!f.household.empty()) {
    if (const HouseholdRecord* h = registers.households().Find(f.household)) generate(*h);
  } else if (!f.estate.empty()) {
    registers.ForEachFlaggedHouseholdIn(f.estate, generate);
  } else {
    // The district's flagged households are streamed, not held: an obligation copies what it
    // needs.
    registers.StreamFlaggedHouseholds(generate);
  }
}

bool Earlier(const VisitRecording& a, const VisitRecording& b) {
  return std::tie(a.at, a.seq) < std::tie(b.at, b.seq);
}

// Finds the visit that met `o` (the earliest in the window) or, failing that, the earliest that
// answered it too late, among the visits to its household made by `now_ms`.
void Judge(ObligationState& o, const std::vector<const VisitRecord*>& visits, int64_t now_ms) {
  for (const VisitRecord* visit : visits) {
    const VisitRecording& v = *visit->current();
    if (v.at > now_ms) continue;  // not yet made at the instant judged
    bool names_it =
        std::find(v.obligation_ids.begin(), v.obligation_ids.end(), o.id) != v.obligation_ids.end();
    // The reason's zero value is `holiday`, so a visit that names the obligations it answers is
    // held to those: otherwise every hospital visit would also count as a holiday visit.
    bool same_reason = v.obligation_ids.empty() && v.reason == o.reason;
    if (!names_it && !same_reason) continue;
    int64_t day = LocalDay(v.at, o.zone);
    if (day >= o.first_day && day <= o.last_day) {
      if (!o.met_by || Earlier(v, *o.met_by->current())) o.met_by = visit;
    } else if (day > o.last_day) {
      if (!o.late || Earlier(v, *o.late->current())) o.late = visit;
    }
  }
  if (o.met_by) {
    o.status = ObligationStatus::kMet;
  } else if (LocalDay(now_ms, o.zone) > o.last_day) {
    o.status = ObligationStatus::kMissed;
  } else {
    o.status = ObligationStatus::kDue;
  }
}

void Judgement::Pass(const std::vector<const VisitRecord*>& visits) {
  ObligationState& o = scratch_;
  Judge(o, visits, now_ms_);
  // A met obligation counts for the team that made the visit. One not met has no visit to
  // name a team, so it is laid at the door of the team appointed to the household's estate
  // on the window's last day, when exactly one is; otherwise it stays unassigned.
  if (o.met_by) {
    o.team.assign(o.met_by->current()->team);
    o.team_from = "visit";
  } else if (auto team = teams_.On(o.estate_id, o.last_day)) {
    o.team.assign(*team);
    o.team_from = "estateAppointment";
  }
  judged_(o);
}

}  // namespace

bool ListedBefore(const ObligationState& a, const ObligationState& b) {
  return std::tie(a.first_day, a.household_id, a.id) < std::tie(b.first_day, b.household_id, b.id);
}

void Visits::ForEachObligation(const Filter& f, VisitPeriod period, int64_t now_ms,
                               std::vector<std::string>* notes,
                               const std::function<void(const ObligationState&)>& judged) const {
  const int64_t earliest_ms = LocalDayStart(DaysFromCivil({kFirstYear, 1, 1}), TimeZone::Utc());
  const int64_t latest_ms = LocalDayStart(DaysFromCivil({kLastYear, 1, 1}), TimeZone::Utc());
  period.from_ms = std::clamp(period.from_ms, earliest_ms, latest_ms);
  period.to_ms = std::clamp(period.to_ms, earliest_ms, latest_ms);
  Notes said(notes);

  Judgement judgement(*registers_, now_ms, judged);
  const int64_t end = now_ms == std::numeric_limits<int64_t>::max() ? now_ms : now_ms + 1;
  auto add = [&](const VisitRecord& visit) { judgement.AddVisit(visit); };
  if (!f.household.empty()) {
    visits_.ForEachInOrder(by_household_, f.household, period.from_ms, end, add);
  } else if (!f.estate.empty()) {
    // A visit is ordered under the estate its household is in now, as the household's
    // obligations are.
    visits_.ForEachInOrder(by_estate_, f.estate, period.from_ms, end, add);
  } else {
    visits_.ForEachInOrder(by_time_, "", period.from_ms, end, add);
  }

  AddRaised(*this, *policies_, f, period, &said, &judgement);
  std::vector<PolicyVersion> versions = policies_->History(PolicyKind::kVisits);
  if (versions.empty()) {
    said.Add(
        "no visit rules (policy kind visits) adopted: no yearly holiday or birthday obligations");
  } else {
    AddYearly(*policies_, *registers_, versions, f, period, &said, &judgement);
  }
}

std::vector<ObligationState> Visits::Evaluate(const Filter& f, VisitPeriod period, int64_t now_ms,
                                              std::vector<std::string>* notes) const {
  std::vector<ObligationState> out;
  ForEachObligation(f, period, now_ms, notes, [&](const ObligationState& o) { out.push_back(o); });
  std::sort(out.begin(), out.end(), ListedBefore);
  return out;
}

}  // namespace projections
