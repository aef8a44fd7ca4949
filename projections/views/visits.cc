#include "projections/views/visits.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "counts.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

namespace {

constexpr const char* kComplianceRule =
    "compliance = met / (met + missed); an obligation is met by a visit to its household on a "
    "local day within its window; obligations still due (window not yet closed at `now`) are "
    "not counted";

// Periods outside these years are clamped, so that an open-ended filter cannot make the yearly
// generation loop over millennia or overflow the day arithmetic.
constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2200;

template <class Recording>
void InsertBySeq(std::vector<Recording>& list, Recording recording) {
  // A replacement is applied with the seq of the event it replaces: keep the seq order.
  auto at = std::upper_bound(list.begin(), list.end(), recording,
                             [](const auto& a, const auto& b) { return a.seq < b.seq; });
  list.insert(at, std::move(recording));
}

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
// estate that are open on the day.
class EstateTeams {
 public:
  explicit EstateTeams(const Registers& registers) {
    constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();
    registers.persons().ForEach([&](const std::string&, const PersonRecord& person) {
      for (const auto& a : person.appointments) {
        if (a.team.empty() || a.estate_id.empty()) continue;
        Span span{a.team, ParseDay(a.from_date).value_or(-kOpen),
                  ParseDay(a.to_date).value_or(kOpen)};
        spans_[a.estate_id].push_back(std::move(span));
      }
    });
  }
  // The one team appointed to the estate on the day; nullopt when none, or several (then no
  // team can be blamed rather than another).
  std::optional<std::string> On(const std::string& estate_id, int64_t day) const {
    auto it = spans_.find(estate_id);
    if (it == spans_.end()) return std::nullopt;
    std::set<std::string> teams;
    for (const auto& span : it->second) {
      if (span.from <= day && day <= span.to) teams.insert(span.team);
    }
    if (teams.size() != 1) return std::nullopt;
    return *teams.begin();
  }

 private:
  struct Span {
    std::string team;
    int64_t from, to;
  };
  std::unordered_map<std::string, std::vector<Span>> spans_;
};

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

std::string TeamKey(const ObligationState& o) {
  if (!o.team.empty()) return o.team;
  return o.met_by ? "(no team)" : "(unassigned)";
}

void FillCompliance(const std::string& key, const VisitCompliance& c,
                    schema::VisitCompliance::Builder out) {
  out.setKey(key);
  out.setMet(c.met);
  out.setMissed(c.missed);
  out.setDue(c.due);
  out.setDenominator(c.denominator());
  out.setDefined(c.denominator() > 0);
  if (c.denominator() > 0) out.setRate(static_cast<double>(c.met) / c.denominator());
}

template <class Builder>
void FillTexts(const std::vector<std::string>& texts, Builder list) {
  for (size_t i = 0; i < texts.size(); ++i) list.set(i, texts[i]);
}

void FillFlags(const Flags& flags, schema::VisitHouseholdFlags::Builder out) {
  out.setRetiredCadre(flags.retired_cadre);
  out.setElderlyAlone(flags.elderly_alone);
  out.setHardship(flags.hardship);
  out.setDisability(flags.disability);
}

void FillObligation(const ObligationState& o, schema::VisitObligationItem::Builder out) {
  out.setObligationId(o.id);
  out.setSource(o.yearly ? "yearly" : "raised");
  out.setReason(VisitReasonName(o.reason));
  out.setHouseholdId(o.household_id);
  out.setEstateId(o.estate_id);
  out.setOccasion(o.occasion);
  out.setWindowFrom(FormatDay(o.first_day));
  out.setWindowTo(FormatDay(o.last_day));
  out.setClosesAt(o.closes_at_ms());
  out.setStatus(ObligationStatusName(o.status));
  if (o.met_by) {
    out.setMetByVisitId(o.met_by->id);
    out.setMetOn(FormatDay(LocalDay(o.met_by->current()->at, o.zone)));
  }
  if (o.late) out.setLateVisitId(o.late->id);
  out.setTeam(o.team);
  out.setTeamFrom(o.team_from);
  out.setPolicyId(o.policy_id);
  out.setPolicyVersion(o.policy_version);
  out.setRaisedSeq(o.raised_seq);
}

}  // namespace

const char* ObligationStatusName(ObligationStatus status) {
  switch (status) {
    case ObligationStatus::kMet:
      return "met";
    case ObligationStatus::kDue:
      return "due";
    case ObligationStatus::kMissed:
      return "missed";
  }
  return "unknown";
}

const char* VisitReasonName(int reason) {
  static constexpr const char* kNames[] = {"holiday", "hospital", "birthday", "hardship"};
  return reason >= 0 && reason < 4 ? kNames[reason] : "unknown";
}

void VisitCompliance::Add(ObligationStatus status) {
  switch (status) {
    case ObligationStatus::kMet:
      ++met;
      break;
    case ObligationStatus::kDue:
      ++due;
      break;
    case ObligationStatus::kMissed:
      ++missed;
      break;
  }
}

void Visits::Apply(const EventContext& e) {
  auto p = e.payload;
  switch (p.which()) {
    case P::HOME_VISIT_RECORDED: {
      auto r = p.getHomeVisitRecorded();
      auto& visit = visits_.Mutable(Str(r.getVisitId()));
      visit.id = Str(r.getVisitId());
      VisitRecording v;
      v.seq = e.seq;
      v.at = e.occurred_at;
      v.household_id = Str(r.getHouseholdId());
      v.team = Str(r.getTeam());
      v.note = Str(r.getNote());
      for (auto id : r.getVisitorIds()) v.visitor_ids.push_back(Str(id));
      for (auto s : r.getServices()) v.services.push_back(Str(s));
      for (auto id : r.getObligationIds()) v.obligation_ids.push_back(Str(id));
      v.reason = static_cast<int>(r.getReason());
      InsertBySeq(visit.recordings, std::move(v));
      break;
    }
    case P::VISIT_OBLIGATION_RAISED: {
      auto r = p.getVisitObligationRaised();
      auto& obligation = obligations_.Mutable(Str(r.getObligationId()));
      obligation.id = Str(r.getObligationId());
      RaisedObligationRecording o;
      o.seq = e.seq;
      o.raised_at = e.occurred_at;
      o.household_id = Str(r.getHouseholdId());
      o.due_by = Str(r.getDueBy());
      o.note = Str(r.getNote());
      o.reason = static_cast<int>(r.getReason());
      InsertBySeq(obligation.recordings, std::move(o));
      break;
    }
    case P::FOLLOW_UP_RECORDED: {
      auto r = p.getFollowUpRecorded();
      if (!r.getSubject().isVisitId()) return;
      auto& visit = visits_.Mutable(Str(r.getSubject().getVisitId()));
      if (visit.id.empty()) visit.id = Str(r.getSubject().getVisitId());
      InsertBySeq(visit.follow_ups,
                  FollowUpRecord{e.seq, e.occurred_at, static_cast<int>(r.getSatisfaction()),
                                 Str(r.getComment())});
      break;
    }
    default:
      break;
  }
}

void Visits::Void(const EventContext& e) {
  auto p = e.payload;
  auto by_seq = [&](const auto& item) { return item.seq == e.seq; };
  switch (p.which()) {
    case P::HOME_VISIT_RECORDED:
    case P::FOLLOW_UP_RECORDED: {
      std::string id;
      if (p.isHomeVisitRecorded()) {
        id = Str(p.getHomeVisitRecorded().getVisitId());
      } else if (p.getFollowUpRecorded().getSubject().isVisitId()) {
        id = Str(p.getFollowUpRecorded().getSubject().getVisitId());
      } else {
        return;
      }
      if (!visits_.Contains(id)) return;
      auto& visit = visits_.Mutable(id);
      std::erase_if(visit.recordings, by_seq);
      std::erase_if(visit.follow_ups, by_seq);
      if (visit.recordings.empty() && visit.follow_ups.empty()) visits_.Erase(id);
      break;
    }
    case P::VISIT_OBLIGATION_RAISED: {
      std::string id = Str(p.getVisitObligationRaised().getObligationId());
      if (!obligations_.Contains(id)) return;
      auto& obligation = obligations_.Mutable(id);
      std::erase_if(obligation.recordings, by_seq);
      if (obligation.recordings.empty()) obligations_.Erase(id);
      break;
    }
    default:
      break;
  }
}

TimeZone Visits::ZoneOn(int64_t unix_ms) const {
  const PolicyVersion* policy = policies_->InForceAt(PolicyKind::kVisits, unix_ms);
  return policy ? policy->zone() : TimeZone::China();
}

VisitPeriod Visits::PeriodOf(const Filter& f, int64_t now_ms) const {
  auto year_of = [&](int64_t at) {
    TimeZone zone = ZoneOn(at);
    int year = LocalYear(at, zone);
    return VisitPeriod{LocalDayStart(DaysFromCivil({year, 1, 1}), zone),
                       LocalDayStart(DaysFromCivil({year + 1, 1, 1}), zone)};
  };
  if (f.from_ms && f.to_ms) return VisitPeriod{*f.from_ms, *f.to_ms};
  if (f.from_ms) return VisitPeriod{*f.from_ms, year_of(*f.from_ms).to_ms};
  if (f.to_ms) return VisitPeriod{year_of(*f.to_ms - 1).from_ms, *f.to_ms};
  return year_of(now_ms);
}

std::vector<ObligationState> Visits::Evaluate(const Filter& f, VisitPeriod period, int64_t now_ms,
                                              std::vector<std::string>* notes) const {
  const int64_t earliest_ms = LocalDayStart(DaysFromCivil({kFirstYear, 1, 1}), TimeZone::Utc());
  const int64_t latest_ms = LocalDayStart(DaysFromCivil({kLastYear, 1, 1}), TimeZone::Utc());
  period.from_ms = std::clamp(period.from_ms, earliest_ms, latest_ms);
  period.to_ms = std::clamp(period.to_ms, earliest_ms, latest_ms);
  auto in_period = [&](int64_t ms) { return ms >= period.from_ms && ms < period.to_ms; };
  auto note = [&](std::string text) {
    if (notes && std::find(notes->begin(), notes->end(), text) == notes->end()) {
      notes->push_back(std::move(text));
    }
  };

  std::vector<ObligationState> out;

  // Raised by events.
  obligations_.ForEach([&](const std::string& id, const RaisedObligationRecord& record) {
    const RaisedObligationRecording* r = record.current();
    if (!r || !f.Matches(r->household_id, f.household)) return;
    std::string estate = registers_->EstateOfHousehold(r->household_id);
    if (!f.Matches(estate, f.estate)) return;
    const PolicyVersion* policy = policies_->InForceAt(PolicyKind::kVisits, r->raised_at);
    ObligationState o;
    o.id = id;
    o.reason = r->reason;
    o.household_id = r->household_id;
    o.estate_id = estate;
    o.occasion = r->note;
    o.zone = policy ? policy->zone() : TimeZone::China();
    o.first_day = LocalDay(r->raised_at, o.zone);
    if (auto due = ParseDay(r->due_by)) {
      o.last_day = *due;
    } else {
      // dueBy is required, but an unreadable one should not drop the obligation: fall back to
      // the window the rules give the reason.
      o.last_day = o.first_day + (policy ? WindowDays(policy->visits, o.reason) : 0);
      note("obligation " + id + ": dueBy '" + r->due_by + "' is not a day; the rules' window used");
    }
    // Recorded after its due day: the window is [dueBy, dueBy] rather than empty.
    o.first_day = std::min(o.first_day, o.last_day);
    if (!in_period(o.window_start_ms())) return;
    if (policy) {
      o.policy_id = policy->policy_id;
      o.policy_version = policy->version;
    }
    o.raised_seq = r->seq;
    out.push_back(std::move(o));
  });

  // Generated for flagged households, year by year.
  std::vector<PolicyVersion> versions = policies_->History(PolicyKind::kVisits);
  if (versions.empty()) {
    note("no visit rules (policy kind visits) adopted: no yearly holiday or birthday obligations");
  } else {
    // One day either side so that any zone's local year around the bounds is covered.
    int first_year = CivilFromDays(LocalDay(period.from_ms, TimeZone::Utc()) - 1).year;
    int last_year = CivilFromDays(LocalDay(period.to_ms, TimeZone::Utc()) + 1).year;

    // A holiday counts when the rules in force on its day list it.
    struct HolidayOn {
      int64_t day;
      std::string name;
      const PolicyVersion* policy;
    };
    std::vector<HolidayOn> holidays;
    for (int year = first_year; year <= last_year; ++year) {
      for (const auto& version : versions) {
        for (const auto& holiday : version.visits.holidays) {
          auto day = DayInYear(year, holiday.month_day);
          if (!day) continue;
          const PolicyVersion* in_force = policies_->InForce(PolicyKind::kVisits, *day);
          if (!in_force || in_force->seq != version.seq) continue;
          if (!in_period(LocalDayStart(*day, in_force->zone()))) continue;
          // Two holidays on one day make one visit, not two.
          if (std::any_of(holidays.begin(), holidays.end(),
                          [&](const HolidayOn& h) { return h.day == *day; })) {
            continue;
          }
          holidays.push_back({*day, holiday.name, in_force});
        }
      }
    }

    auto yearly = [&](const HouseholdRecord& h, int reason, int64_t day,
                      const PolicyVersion& policy) -> ObligationState {
      ObligationState o;
      o.yearly = true;
      o.reason = reason;
      o.household_id = h.id;
      o.estate_id = h.estate_id;
      o.zone = policy.zone();
      o.first_day = day;
      o.last_day = day + WindowDays(policy.visits, reason);
      o.policy_id = policy.policy_id;
      o.policy_version = policy.version;
      return o;
    };
    auto flagged_on = [](const HouseholdRecord& h, int64_t day, TimeZone zone) {
      auto flags = FlagsOn(h, day, zone);
      return flags && flags->any();
    };

    auto generate = [&](const HouseholdRecord& h) {
      if (!f.Matches(h.estate_id, f.estate)) return;
      for (const auto& holiday : holidays) {
        if (!flagged_on(h, holiday.day, holiday.policy->zone())) continue;
        ObligationState o =
            yearly(h, static_cast<int>(schema::VisitReason::HOLIDAY), holiday.day, *holiday.policy);
        o.id = "yearly/holiday/" + FormatDay(holiday.day) + "/" + h.id;
        o.occasion = holiday.name;
        out.push_back(std::move(o));
      }
      for (size_t i = 0; i < h.residents.size(); ++i) {
        const ResidentRecord& resident = h.residents[i];
        auto born = ParseDay(resident.birth_date);
        if (!born) continue;
        CivilDay birth = CivilFromDays(*born);
        std::string who = !resident.person_id.empty() ? resident.person_id
                          : !resident.name.empty()    ? resident.name
                                                      : "resident-" + std::to_string(i + 1);
        for (int year = first_year; year <= last_year; ++year) {
          auto day = DayInYear(year, birth.month, birth.day);
          if (!day || *day <= *born) continue;
          const PolicyVersion* policy = policies_->InForce(PolicyKind::kVisits, *day);
          if (!policy) {
            if (in_period(LocalDayStart(*day, TimeZone::China()))) {
              note("no visit rules in force on some birthdays of the period: none owed then");
            }
            continue;
          }
          if (!in_period(LocalDayStart(*day, policy->zone()))) continue;
          if (!flagged_on(h, *day, policy->zone())) continue;
          ObligationState o =
              yearly(h, static_cast<int>(schema::VisitReason::BIRTHDAY), *day, *policy);
          o.id = "yearly/birthday/" + FormatDay(*day) + "/" + h.id + "/" + who;
          o.occasion = who;
          out.push_back(std::move(o));
        }
      }
    };
    if (!f.household.empty()) {
      if (const HouseholdRecord* h = registers_->households().Find(f.household)) generate(*h);
    } else {
      registers_->households().ForEach(
          [&](const std::string&, const HouseholdRecord& h) { generate(h); });
    }
  }

  // Judge every obligation against the visits to its household.
  std::unordered_map<std::string, std::vector<const VisitRecord*>> by_household;
  visits_.ForEach([&](const std::string&, const VisitRecord& visit) {
    if (const VisitRecording* v = visit.current()) by_household[v->household_id].push_back(&visit);
  });
  static const std::vector<const VisitRecord*> kNoVisits;
  EstateTeams teams(*registers_);
  for (auto& o : out) {
    auto it = by_household.find(o.household_id);
    Judge(o, it == by_household.end() ? kNoVisits : it->second, now_ms);
    // A met obligation counts for the team that made the visit. One not met has no visit to
    // name a team, so it is laid at the door of the team appointed to the household's estate
    // on the window's last day, when exactly one is; otherwise it stays unassigned.
    if (o.met_by) {
      o.team = o.met_by->current()->team;
      o.team_from = "visit";
    } else if (auto team = teams.On(o.estate_id, o.last_day)) {
      o.team = *team;
      o.team_from = "estateAppointment";
    }
  }

  std::sort(out.begin(), out.end(), [](const ObligationState& a, const ObligationState& b) {
    return std::tie(a.first_day, a.household_id, a.id) <
           std::tie(b.first_day, b.household_id, b.id);
  });
  return out;
}

namespace {

// Fills a visit item; `met` are the obligations it met.
void FillVisit(const VisitRecord& visit, const std::string& estate_id, TimeZone zone,
               const std::vector<std::string>& met, schema::VisitItem::Builder out) {
  const VisitRecording& v = *visit.current();
  out.setVisitId(visit.id);
  out.setHouseholdId(v.household_id);
  out.setEstateId(estate_id);
  out.setTeam(v.team);
  FillTexts(v.visitor_ids, out.initVisitorIds(v.visitor_ids.size()));
  FillTexts(v.services, out.initServices(v.services.size()));
  FillTexts(v.obligation_ids, out.initObligationIds(v.obligation_ids.size()));
  out.setReason(VisitReasonName(v.reason));
  out.setNote(v.note);
  out.setVisitedAt(v.at);
  out.setLocalDay(FormatDay(LocalDay(v.at, zone)));
  if (!visit.follow_ups.empty()) {
    out.setSatisfaction(SatisfactionName(visit.follow_ups.back().satisfaction));
  }
  out.setFollowUps(static_cast<uint32_t>(visit.follow_ups.size()));
  FillTexts(met, out.initMet(met.size()));
  out.setSeq(v.seq);
}

std::map<const VisitRecord*, std::vector<std::string>> MetByVisit(
    const std::vector<ObligationState>& obligations) {
  std::map<const VisitRecord*, std::vector<std::string>> met;
  for (const auto& o : obligations) {
    if (o.met_by) met[o.met_by].push_back(o.id);
  }
  return met;
}

}  // namespace

void Visits::Query(const Filter& f, int64_t now_ms, schema::VisitsView::Builder out) const {
  VisitPeriod period = PeriodOf(f, now_ms);
  std::vector<std::string> notes;
  std::vector<ObligationState> obligations = Evaluate(f, period, now_ms, &notes);
  auto met_by_visit = MetByVisit(obligations);

  // Visits made in the period.
  struct Matched {
    const VisitRecord* visit;
    std::string estate_id;
  };
  std::vector<Matched> matched;
  std::map<std::string, uint32_t> services, satisfaction;
  visits_.ForEach([&](const std::string&, const VisitRecord& visit) {
    const VisitRecording* v = visit.current();
    if (!v || v->at < period.from_ms || v->at >= period.to_ms) return;
    if (!f.Matches(v->household_id, f.household)) return;
    std::string estate = registers_->EstateOfHousehold(v->household_id);
    if (!f.Matches(estate, f.estate)) return;
    for (const auto& s : v->services) ++services[s];
    if (!visit.follow_ups.empty()) {
      ++satisfaction[SatisfactionName(visit.follow_ups.back().satisfaction)];
    }
    matched.push_back({&visit, std::move(estate)});
  });
  // Newest first; ties by id so that pages are stable.
  std::sort(matched.begin(), matched.end(), [](const Matched& a, const Matched& b) {
    return std::tie(b.visit->current()->at, b.visit->id) <
           std::tie(a.visit->current()->at, a.visit->id);
  });

  out.setPeriodFrom(period.from_ms);
  out.setPeriodTo(period.to_ms);
  out.setNow(now_ms);
  out.setVisitCount(static_cast<uint32_t>(matched.size()));
  {
    size_t begin = std::min(f.offset, matched.size());
    size_t end = std::min(matched.size(), begin + f.limit);
    out.setVisitsOffset(static_cast<uint32_t>(begin));
    auto items = out.initVisits(end - begin);
    static const std::vector<std::string> kNone;
    for (size_t i = begin; i < end; ++i) {
      const VisitRecord* visit = matched[i].visit;
      auto met = met_by_visit.find(visit);
      FillVisit(*visit, matched[i].estate_id, ZoneOn(visit->current()->at),
                met == met_by_visit.end() ? kNone : met->second, items[i - begin]);
    }
  }
  FillCounts(services, out.initServices(services.size()));
  FillCounts(satisfaction, out.initSatisfaction(satisfaction.size()));

  // Obligations and compliance.
  std::array<VisitCompliance, 4> by_reason{};
  VisitCompliance overall;
  std::map<std::string, VisitCompliance> by_estate, by_team;
  std::vector<const ObligationState*> listed;
  for (const auto& o : obligations) {
    overall.Add(o.status);
    if (o.reason >= 0 && o.reason < 4) by_reason[o.reason].Add(o.status);
    by_estate[o.estate_id.empty() ? "(unknown)" : o.estate_id].Add(o.status);
    by_team[TeamKey(o)].Add(o.status);
    if (f.Matches(ObligationStatusName(o.status), f.status)) listed.push_back(&o);
  }
  out.setObligationCount(static_cast<uint32_t>(obligations.size()));
  out.setObligationsListed(static_cast<uint32_t>(listed.size()));
  {
    size_t begin = std::min(f.offset, listed.size());
    size_t end = std::min(listed.size(), begin + f.limit);
    out.setObligationsOffset(static_cast<uint32_t>(begin));
    auto items = out.initObligations(end - begin);
    for (size_t i = begin; i < end; ++i) FillObligation(*listed[i], items[i - begin]);
  }
  auto reasons = out.initByReason(by_reason.size());
  for (size_t r = 0; r < by_reason.size(); ++r) {
    reasons[r].setReason(VisitReasonName(static_cast<int>(r)));
    reasons[r].setMet(by_reason[r].met);
    reasons[r].setDue(by_reason[r].due);
    reasons[r].setMissed(by_reason[r].missed);
  }
  FillCompliance("", overall, out.initCompliance());
  auto estates = out.initByEstate(by_estate.size());
  size_t i = 0;
  for (const auto& [key, c] : by_estate) FillCompliance(key, c, estates[i++]);
  auto team_list = out.initByTeam(by_team.size());
  i = 0;
  for (const auto& [key, c] : by_team) FillCompliance(key, c, team_list[i++]);
  out.setComplianceRule(kComplianceRule);
  FillTexts(notes, out.initNotes(notes.size()));
}

void Visits::Household(const std::string& household_id, const Filter& f, int64_t now_ms,
                       schema::HouseholdVisits::Builder out) const {
  const HouseholdRecord* h = registers_->households().Find(household_id);
  std::vector<const VisitRecord*> visits;
  visits_.ForEach([&](const std::string&, const VisitRecord& visit) {
    const VisitRecording* v = visit.current();
    if (v && v->household_id == household_id) visits.push_back(&visit);
  });
  std::sort(visits.begin(), visits.end(), [](const VisitRecord* a, const VisitRecord* b) {
    return std::tie(a->current()->at, a->id) < std::tie(b->current()->at, b->id);
  });

  VisitPeriod period;
  if (f.from_ms || f.to_ms) {
    period = PeriodOf(f, now_ms);
  } else {
    // The whole history: from the year of the household's earliest record to the current year.
    int64_t earliest = now_ms;
    if (h) {
      for (const auto& change : h->flag_history) earliest = std::min(earliest, change.at);
    }
    if (!visits.empty()) earliest = std::min(earliest, visits.front()->current()->at);
    obligations_.ForEach([&](const std::string&, const RaisedObligationRecord& record) {
      const RaisedObligationRecording* r = record.current();
      if (r && r->household_id == household_id) earliest = std::min(earliest, r->raised_at);
    });
    Filter from_only;
    from_only.from_ms = PeriodOf(Filter{}, earliest).from_ms;
    from_only.to_ms = PeriodOf(Filter{}, now_ms).to_ms;
    period = PeriodOf(from_only, now_ms);
  }
  Filter only_this;
  only_this.household = household_id;
  std::vector<std::string> notes;
  std::vector<ObligationState> obligations = Evaluate(only_this, period, now_ms, &notes);
  auto met_by_visit = MetByVisit(obligations);

  out.setHouseholdId(household_id);
  out.setRegistered(h != nullptr && h->seq != 0);
  std::string estate = h ? h->estate_id : "";
  out.setEstateId(estate);
  if (h) {
    FillFlags(h->flags(), out.initFlags());
    auto history = out.initFlagHistory(h->flag_history.size());
    for (size_t i = 0; i < h->flag_history.size(); ++i) {
      const FlagChange& change = h->flag_history[i];
      history[i].setAt(change.at);
      FillFlags(change.flags, history[i].initFlags());
      history[i].setReason(change.reason);
      history[i].setSeq(change.seq);
    }
  } else {
    notes.push_back("household " + household_id + " is not in the household register");
  }
  out.setPeriodFrom(period.from_ms);
  out.setPeriodTo(period.to_ms);
  out.setNow(now_ms);
  static const std::vector<std::string> kNone;
  auto items = out.initVisits(visits.size());
  for (size_t i = 0; i < visits.size(); ++i) {
    auto met = met_by_visit.find(visits[i]);
    FillVisit(*visits[i], estate, ZoneOn(visits[i]->current()->at),
              met == met_by_visit.end() ? kNone : met->second, items[i]);
  }
  VisitCompliance compliance;
  auto list = out.initObligations(obligations.size());
  for (size_t i = 0; i < obligations.size(); ++i) {
    compliance.Add(obligations[i].status);
    FillObligation(obligations[i], list[i]);
  }
  FillCompliance(household_id, compliance, out.initCompliance());
  out.setComplianceRule(kComplianceRule);
  FillTexts(notes, out.initNotes(notes.size()));
}

}  // namespace projections
