// The visits view: its events and its queries. The obligations, raised and yearly, and how
// they are judged (Visits::Evaluate) are in visit_obligations.cc.

#include "projections/views/visits.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "by_seq.h"
#include "counts.h"
#include "projections/page_picker.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

namespace {

constexpr const char* kComplianceRule =
    "compliance = met / (met + missed); an obligation is met by a visit to its household on a "
    "local day within its window; obligations still due (window not yet closed at `now`) are "
    "not counted";

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
      v.at = e.counted_at(EventContext::kVisitGraceMs);
      v.household_id = Str(r.getHouseholdId());
      v.team = Str(r.getTeam());
      v.note = Str(r.getNote());
      for (auto id : r.getVisitorIds()) v.visitor_ids.push_back(Str(id));
      for (auto s : r.getServices()) v.services.push_back(Str(s));
      for (auto id : r.getObligationIds()) v.obligation_ids.push_back(Str(id));
      v.reason = static_cast<int>(r.getReason());
      InsertBySeq(visit.recordings, std::move(v));
      visit.estate_id = registers_->EstateOfHousehold(visit.current()->household_id);
      break;
    }
    case P::VISIT_OBLIGATION_RAISED: {
      auto r = p.getVisitObligationRaised();
      auto& obligation = obligations_.Mutable(Str(r.getObligationId()));
      obligation.id = Str(r.getObligationId());
      RaisedObligationRecording o;
      o.seq = e.seq;
      // Raised a month back, an obligation was met by a visit already made.
      o.raised_at = e.counted_at(EventContext::kVisitGraceMs);
      o.household_id = Str(r.getHouseholdId());
      o.due_by = Str(r.getDueBy());
      o.note = Str(r.getNote());
      o.reason = static_cast<int>(r.getReason());
      InsertBySeq(obligation.recordings, std::move(o));
      obligation.estate_id = registers_->EstateOfHousehold(obligation.current()->household_id);
      break;
    }
    case P::HOUSEHOLD_REGISTERED:
      // The registers have applied it already (they come first in a view set).
      FollowHousehold(Str(p.getHouseholdRegistered().getHouseholdId()));
      break;
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
      if (visit.recordings.empty() && visit.follow_ups.empty()) {
        visits_.Erase(id);
      } else if (const VisitRecording* current = visit.current()) {
        // The recording that stands now may name another household.
        visit.estate_id = registers_->EstateOfHousehold(current->household_id);
      }
      break;
    }
    case P::VISIT_OBLIGATION_RAISED: {
      std::string id = Str(p.getVisitObligationRaised().getObligationId());
      if (!obligations_.Contains(id)) return;
      auto& obligation = obligations_.Mutable(id);
      std::erase_if(obligation.recordings, by_seq);
      if (obligation.recordings.empty()) {
        obligations_.Erase(id);
      } else {
        obligation.estate_id = registers_->EstateOfHousehold(obligation.current()->household_id);
      }
      break;
    }
    case P::HOUSEHOLD_REGISTERED:
      FollowHousehold(Str(p.getHouseholdRegistered().getHouseholdId()));
      break;
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

std::optional<OrderKey> Visits::HouseholdAndTime(const VisitRecord& visit) {
  const VisitRecording* v = visit.current();
  if (!v) return std::nullopt;
  return OrderKey{v->household_id, v->at};
}

std::optional<OrderKey> Visits::HouseholdAndRaised(const RaisedObligationRecord& record) {
  const RaisedObligationRecording* r = record.current();
  if (!r) return std::nullopt;
  return OrderKey{r->household_id, r->raised_at};
}

std::optional<OrderKey> Visits::EstateAndTime(const VisitRecord& visit) {
  const VisitRecording* v = visit.current();
  if (!v || visit.estate_id.empty()) return std::nullopt;
  return OrderKey{visit.estate_id, v->at};
}

std::optional<OrderKey> Visits::EstateAndRaised(const RaisedObligationRecord& record) {
  const RaisedObligationRecording* r = record.current();
  if (!r || record.estate_id.empty()) return std::nullopt;
  return OrderKey{record.estate_id, r->raised_at};
}

void Visits::FollowHousehold(const std::string& household_id) {
  constexpr int64_t kFirst = std::numeric_limits<int64_t>::min();
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  std::string estate = registers_->EstateOfHousehold(household_id);
  // The ids first: a record cannot be changed while the ordering is read.
  std::vector<std::string> moved_visits, moved_obligations;
  visits_.ForEachInOrder(by_household_, household_id, kFirst, kEnd, [&](const VisitRecord& v) {
    if (v.estate_id != estate) moved_visits.push_back(v.id);
  });
  obligations_.ForEachInOrder(by_household_raised_, household_id, kFirst, kEnd,
                              [&](const RaisedObligationRecord& r) {
                                if (r.estate_id != estate) moved_obligations.push_back(r.id);
                              });
  for (const auto& id : moved_visits) visits_.Mutable(id).estate_id = estate;
  for (const auto& id : moved_obligations) obligations_.Mutable(id).estate_id = estate;
}

void Visits::ForEachRaisedFrom(
    const Filter& f, int64_t from_ms,
    const std::function<void(const RaisedObligationRecord&)>& visit) const {
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  if (!f.household.empty()) {
    obligations_.ForEachInOrder(by_household_raised_, f.household, from_ms, kEnd, visit);
    return;
  }
  if (f.estate.empty()) {
    obligations_.Stream([&](const std::string&, const RaisedObligationRecord& r) {
      const RaisedObligationRecording* current = r.current();
      if (current && current->raised_at >= from_ms) visit(r);
    });
    return;
  }
  obligations_.ForEachInOrder(by_estate_raised_, f.estate, from_ms, kEnd, visit);
}

std::optional<OrderKey> Visits::TimeOnly(const VisitRecord& visit) {
  const VisitRecording* v = visit.current();
  if (!v) return std::nullopt;
  return OrderKey{"", v->at};
}

std::vector<const VisitRecord*> Visits::VisitsTo(std::string_view household_id) const {
  std::string_view one[] = {household_id};
  auto lists =
      VisitsTo(one, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  return std::move(lists[0]);
}

std::vector<std::vector<const VisitRecord*>> Visits::VisitsTo(
    std::span<const std::string_view> households, int64_t from_ms, int64_t to_ms) const {
  int64_t end = to_ms == std::numeric_limits<int64_t>::max() ? to_ms : to_ms + 1;
  return visits_.InOrderEach(by_household_, households, from_ms, end);
}

void Visits::Query(const Filter& f, int64_t now_ms, schema::VisitsView::Builder out) const {
  VisitPeriod period = PeriodOf(f, now_ms);

  // Visits made in the period, newest first (ties by id, so that pages are stable): counted, and
  // a page kept.
  auto newer = [](const VisitRecord* a, const VisitRecord* b) {
    return std::tie(b->current()->at, b->id) < std::tie(a->current()->at, a->id);
  };
  PagePicker<const VisitRecord*, decltype(newer)> visit_page(f.offset, f.limit, newer);
  std::map<std::string, uint32_t> services, satisfaction;
  auto match = [&](const VisitRecord& visit) {
    const VisitRecording* v = visit.current();
    if (!f.Matches(v->household_id, f.household)) return;
    if (!f.Matches(visit.estate_id, f.estate)) return;
    for (const auto& s : v->services) ++services[s];
    if (!visit.follow_ups.empty()) {
      ++satisfaction[SatisfactionName(visit.follow_ups.back().satisfaction)];
    }
    visit_page.Offer(&visit);
  };
  if (!f.household.empty()) {
    visits_.ForEachInOrder(by_household_, f.household, period.from_ms, period.to_ms, match);
  } else if (!f.estate.empty()) {
    visits_.ForEachInOrder(by_estate_, f.estate, period.from_ms, period.to_ms, match);
  } else {
    visits_.ForEachInOrder(by_time_, "", period.from_ms, period.to_ms, match);
  }
  const size_t visit_count = visit_page.offered();
  const size_t visits_offset = visit_page.begin();
  std::vector<const VisitRecord*> page_visits = visit_page.Take();
  // The obligations each visit of the page met, in the order obligations are listed.
  std::map<const VisitRecord*, std::vector<ObligationState>> met_by_visit;
  for (const VisitRecord* visit : page_visits) met_by_visit[visit];

  // Obligations: counted, and a page of those the status asks for kept.
  std::array<VisitCompliance, 4> by_reason{};
  VisitCompliance overall;
  std::map<std::string, VisitCompliance, std::less<>> by_estate, by_team;
  auto count_in = [](std::map<std::string, VisitCompliance, std::less<>>& counts,
                     std::string_view key) -> VisitCompliance& {
    auto it = counts.find(key);
    if (it == counts.end()) it = counts.emplace(std::string(key), VisitCompliance{}).first;
    return it->second;
  };
  PagePicker<ObligationState, decltype(&ListedBefore)> obligation_page(f.offset, f.limit,
                                                                       &ListedBefore);
  size_t obligation_count = 0;
  std::vector<std::string> notes;
  ForEachObligation(f, period, now_ms, &notes, [&](const ObligationState& o) {
    ++obligation_count;
    overall.Add(o.status);
    if (o.reason >= 0 && o.reason < 4) by_reason[o.reason].Add(o.status);
    count_in(by_estate, o.estate_id.empty() ? "(unknown)" : o.estate_id).Add(o.status);
    count_in(by_team, TeamKey(o)).Add(o.status);
    if (f.Matches(ObligationStatusName(o.status), f.status)) obligation_page.Offer(o);
    if (o.met_by) {
      auto met = met_by_visit.find(o.met_by);
      if (met != met_by_visit.end()) met->second.push_back(o);
    }
  });

  out.setPeriodFrom(period.from_ms);
  out.setPeriodTo(period.to_ms);
  out.setNow(now_ms);
  out.setVisitCount(static_cast<uint32_t>(visit_count));
  out.setVisitsOffset(static_cast<uint32_t>(visits_offset));
  {
    auto items = out.initVisits(page_visits.size());
    for (size_t i = 0; i < page_visits.size(); ++i) {
      const VisitRecord* visit = page_visits[i];
      std::vector<ObligationState>& met = met_by_visit[visit];
      std::sort(met.begin(), met.end(), ListedBefore);
      std::vector<std::string> met_ids;
      for (const auto& o : met) met_ids.push_back(o.id);
      FillVisit(*visit, visit->estate_id, ZoneOn(visit->current()->at), met_ids, items[i]);
    }
  }
  FillCounts(services, out.initServices(services.size()));
  FillCounts(satisfaction, out.initSatisfaction(satisfaction.size()));

  out.setObligationCount(static_cast<uint32_t>(obligation_count));
  out.setObligationsListed(static_cast<uint32_t>(obligation_page.offered()));
  out.setObligationsOffset(static_cast<uint32_t>(obligation_page.begin()));
  {
    std::vector<ObligationState> listed = obligation_page.Take();
    auto items = out.initObligations(listed.size());
    for (size_t i = 0; i < listed.size(); ++i) FillObligation(listed[i], items[i]);
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
  std::vector<const VisitRecord*> visits = VisitsTo(household_id);

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
    obligations_.ForEachInOrder(
        by_household_raised_, household_id, std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max(), [&](const RaisedObligationRecord& record) {
          earliest = std::min(earliest, record.current()->raised_at);
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
