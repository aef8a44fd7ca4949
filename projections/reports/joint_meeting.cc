#include "projections/reports/joint_meeting.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "../views/counts.h"
#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;

namespace {

// The zone of the period's days, as in the views the report draws on.
constexpr TimeZone kZone = TimeZone::China();

constexpr const char* kRules =
    "Everything is judged at `now` = the end of the period, from what had happened (occurredAt) "
    "at or before that instant: complaint steps, repair dispatches and completions, follow-up "
    "calls, decisions on volunteer hours, visits and progress on resolutions that happened later "
    "are left out (and counted where the section says so), so the report of a period reads the "
    "same whenever it is computed until the history is corrected or completed by late entries. "
    "Complaints and repairs count when filed or requested in the period; their lists of "
    "unresolved and overdue items cover the estate's whole history up to `now`. Complaint "
    "satisfaction = (satisfied + basically satisfied) / answered, over the last answer by `now` "
    "of each complaint. Repair compliance = met / (met + late + overdue); repairs still within "
    "their limit (pending) and those with no limit are left out. Must-visit compliance = met / "
    "(met + missed) over the obligations whose window opens in the period; those still due are "
    "left out. Volunteer claims count by their service day (else when claimed) if claimed by "
    "`now`; only verified hours earn points, under the time-bank policy in force on the day of "
    "the verification. Resolutions: open at `now` whenever adopted; newly overdue = became "
    "overdue at or after the end of the day of the estate's last meeting before the period. "
    "Local days are Asia/Shanghai days.";

constexpr const char* kRepairComplianceNote =
    "A repair meets its limit if completed at or before the deadline set by the policy in force "
    "on the day it was requested (the last completion by `now` counts). rate = met / (met + late "
    "+ overdue) at `now`; repairs not completed by `now` and still within their limit (pending) "
    "are not yet decided and are left out, as are repairs with no limit set (noLimit).";

// Drops the entries of `list` that happened after `now_ms`, counting them in `left_out`.
template <class Entry>
void DropLater(std::vector<Entry>& list, int64_t now_ms, uint32_t* left_out) {
  *left_out += static_cast<uint32_t>(
      std::erase_if(list, [&](const Entry& entry) { return entry.at > now_ms; }));
}

// A complaint or a repair as it stood at `now_ms`: the record itself when none of its steps and
// follow-ups happened later, else a copy in `copy` without the later ones (counted in
// `left_out`). Most records a report reads for a past period need no copy.
template <class Record>
const Record& StepsAt(const Record& record, int64_t now_ms, uint32_t* left_out,
                      std::optional<Record>* copy) {
  auto later = [&](const auto& entry) { return entry.at > now_ms; };
  if (std::none_of(record.steps.begin(), record.steps.end(), later) &&
      std::none_of(record.follow_ups.begin(), record.follow_ups.end(), later)) {
    return record;
  }
  copy->emplace(record);
  DropLater((*copy)->steps, now_ms, left_out);
  DropLater((*copy)->follow_ups, now_ms, left_out);
  return **copy;
}

// A volunteer claim as it stood at `now_ms`.
VolunteerClaimRecord ClaimAt(const VolunteerClaimRecord& claim, int64_t now_ms,
                             uint32_t* left_out) {
  VolunteerClaimRecord at = claim;
  DropLater(at.decisions, now_ms, left_out);
  return at;
}

void FillRate(uint32_t numerator, uint32_t denominator, schema::JointMeetingRate::Builder out) {
  out.setNumerator(numerator);
  out.setDenominator(denominator);
  out.setDefined(denominator > 0);
  out.setRate(denominator ? static_cast<double>(numerator) / denominator : 0.0);
}

// Follow-up answers: the last one of each subject.
struct Answers {
  std::map<std::string, uint32_t> counts;
  uint32_t favourable = 0, answered = 0;
  void Add(const std::vector<FollowUpRecord>& follow_ups) {
    if (follow_ups.empty()) return;
    int satisfaction = follow_ups.back().satisfaction;
    ++counts[SatisfactionName(satisfaction)];
    switch (static_cast<schema::Satisfaction>(satisfaction)) {
      case schema::Satisfaction::SATISFIED:
      case schema::Satisfaction::BASICALLY_SATISFIED:
        ++favourable;
        ++answered;
        break;
      case schema::Satisfaction::DISSATISFIED:
        ++answered;
        break;
      default:
        break;  // a call without an answer says nothing about satisfaction
    }
  }
};

// The items of `total` that `page` includes: [first, first + count).
std::pair<size_t, size_t> PageOf(size_t total, const ItemPage& page) {
  size_t first = std::min(page.offset, total);
  return {first, std::min(page.limit, total - first)};
}

void ComplaintsSection(const ViewSet& views, const ItemPage& page, const std::string& estate_id,
                       int64_t from_ms, int64_t to_ms,
                       schema::JointMeetingComplaints::Builder out) {
  Filter period;
  period.estate = estate_id;
  period.from_ms = from_ms;
  period.to_ms = to_ms;
  Filter until_now;
  until_now.estate = estate_id;
  until_now.to_ms = to_ms;

  std::map<std::string, uint32_t> by_category, by_channel, by_status;
  std::vector<double> to_ack, to_reply, to_resolve;
  Answers answers;
  uint32_t filed = 0, unresolved = 0, resolved = 0, escalated = 0, reopened = 0, left_out = 0;
  std::vector<std::pair<ComplaintRecord, ComplaintState>> still_open;
  views.complaints.ForEachCounted(until_now, [&](const ComplaintRecord& record) {
    bool in_period = Complaints::Counts(record, period);
    uint32_t dropped = 0;
    std::optional<ComplaintRecord> copy;
    const ComplaintRecord& c = StepsAt(record, to_ms, &dropped, &copy);
    ComplaintState s = Derive(c);
    if (!s.resolved()) still_open.emplace_back(c, s);
    if (!in_period) return;
    left_out += dropped;
    ++filed;
    s.resolved() ? ++resolved : ++unresolved;
    if (s.escalated) ++escalated;
    if (s.reopened) ++reopened;
    ++by_category[c.category];
    ++by_channel[ChannelName(c.channel)];
    ++by_status[s.status];
    auto hours = [&](int64_t at) { return Hours(at - c.filed_at); };
    if (s.acknowledged_at) to_ack.push_back(hours(s.acknowledged_at));
    if (s.replied_at) to_reply.push_back(hours(s.replied_at));
    if (s.resolved_at) to_resolve.push_back(hours(s.resolved_at));
    answers.Add(c.follow_ups);
  });
  out.setFiled(filed);
  out.setUnresolved(unresolved);
  out.setResolved(resolved);
  out.setEscalated(escalated);
  out.setReopened(reopened);
  FillCounts(by_category, out.initByCategory(by_category.size()));
  FillCounts(by_channel, out.initByChannel(by_channel.size()));
  FillCounts(by_status, out.initByStatus(by_status.size()));
  FillTiming(std::move(to_ack), out.initToAcknowledge());
  FillTiming(std::move(to_reply), out.initToReply());
  FillTiming(std::move(to_resolve), out.initToResolve());
  FillCounts(answers.counts, out.initSatisfaction(answers.counts.size()));
  FillRate(answers.favourable, answers.answered, out.initFollowUpSatisfaction());
  out.setLaterStepsLeftOut(left_out);

  // Oldest first: the longest-waiting complaint heads the meeting's list.
  std::sort(still_open.begin(), still_open.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.filed_at, a.first.id) < std::tie(b.first.filed_at, b.first.id);
  });
  uint32_t earlier = 0;
  for (const auto& open : still_open) {
    if (open.first.filed_at < from_ms) ++earlier;
  }
  out.setUnresolvedItemsCount(static_cast<uint32_t>(still_open.size()));
  auto [first, count] = PageOf(still_open.size(), page);
  auto items = out.initUnresolvedItems(count);
  for (size_t i = 0; i < count; ++i) {
    FillComplaintItem(still_open[first + i].first, still_open[first + i].second, items[i]);
  }
  out.setUnresolvedFiledEarlier(earlier);
}

void RepairsSection(const ViewSet& views, const ItemPage& page, const std::string& estate_id,
                    int64_t from_ms, int64_t to_ms, schema::JointMeetingRepairs::Builder out) {
  Filter period;
  period.estate = estate_id;
  period.from_ms = from_ms;
  period.to_ms = to_ms;
  Filter until_now;
  until_now.estate = estate_id;
  until_now.to_ms = to_ms;

  ComplianceTally overall;
  std::map<std::string, ComplianceTally> by_category;
  std::map<std::string, uint32_t> satisfaction;
  uint32_t completed = 0, open = 0, left_out = 0;
  std::vector<std::pair<RepairRecord, RepairState>> overdue;
  // Overdue at the period's end, requested in it or before: of the repairs not completed then.
  views.repairs.ForEachOpenAt(until_now, to_ms, [&](const RepairRecord& record) {
    uint32_t dropped = 0;
    std::optional<RepairRecord> copy;
    const RepairRecord& r = StepsAt(record, to_ms, &dropped, &copy);
    RepairState s = Derive(r);
    if (RepairOverdue(r, s, to_ms)) overdue.emplace_back(r, s);
  });
  views.repairs.ForEachCounted(period, [&](const RepairRecord& record) {
    uint32_t dropped = 0;
    std::optional<RepairRecord> copy;
    const RepairRecord& r = StepsAt(record, to_ms, &dropped, &copy);
    RepairState s = Derive(r);
    left_out += dropped;
    s.completed() ? ++completed : ++open;
    overall.Add(r, s, to_ms);
    by_category[r.category].Add(r, s, to_ms);
    if (!r.follow_ups.empty()) ++satisfaction[SatisfactionName(r.follow_ups.back().satisfaction)];
  });
  out.setRequested(overall.total);
  out.setCompleted(completed);
  out.setOpen(open);
  overall.Fill("", out.initCompliance());
  auto categories = out.initByCategory(by_category.size());
  size_t i = 0;
  for (const auto& [category, tally] : by_category) tally.Fill(category, categories[i++]);
  FillCounts(satisfaction, out.initSatisfaction(satisfaction.size()));
  out.setLaterStepsLeftOut(left_out);
  out.setComplianceNote(kRepairComplianceNote);

  // Oldest request first, as the repairs view lists its overdue repairs.
  std::sort(overdue.begin(), overdue.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.requested_at, a.first.id) < std::tie(b.first.requested_at, b.first.id);
  });
  uint32_t earlier = 0;
  for (const auto& late : overdue) {
    if (late.first.requested_at < from_ms) ++earlier;
  }
  out.setOverdueCount(static_cast<uint32_t>(overdue.size()));
  auto [first, count] = PageOf(overdue.size(), page);
  auto items = out.initOverdue(count);
  for (size_t k = 0; k < count; ++k) {
    FillRepairItem(overdue[first + k].first, overdue[first + k].second, to_ms, items[k]);
  }
  out.setOverdueRequestedEarlier(earlier);
}

void VolunteeringSection(const ViewSet& views, const std::string& estate_id, int64_t from_ms,
                         int64_t to_ms, schema::JointMeetingVolunteering::Builder out) {
  HoursTally all, party;
  uint32_t unpriced = 0, ignored = 0, decisions_left_out = 0, claims_left_out = 0;
  Filter period;
  period.estate = estate_id;
  period.from_ms = from_ms;
  period.to_ms = to_ms;
  views.time_bank.ForEachCounted(period, [&](const VolunteerClaimRecord& record) {
    if (record.claimed_at > to_ms) {
      ++claims_left_out;
      return;
    }
    VolunteerClaimRecord c = ClaimAt(record, to_ms, &decisions_left_out);
    VolunteerClaimState state = Derive(c);
    ignored += state.ignored_decisions;
    int64_t earned = 0;
    if (state.status == VolunteerClaimStatus::kVerified) {
      VolunteerClaimPrice price = PriceClaim(c, *state.decision, views.policies);
      if (!price.priced) ++unpriced;
      earned = price.centi;
    }
    all.Add(c, state.status, earned);
    const PersonRecord* person = views.registers.persons().Find(c.person_id);
    if (person && person->party_member) party.Add(c, state.status, earned);
  });
  all.FillClaimed(out.initClaimed());
  all.Fill(out.initHours());
  party.Fill(out.initPartyMembers());
  out.setUnpricedVerified(unpriced);
  out.setIgnoredDecisions(ignored);
  out.setDecisionsLeftOut(decisions_left_out);
  out.setClaimsLeftOut(claims_left_out);
}

void ResolutionsSection(const ViewSet& views, const std::string& estate_id, int64_t from_ms,
                        int64_t to_ms, schema::JointMeetingResolutions::Builder out) {
  std::optional<MeetingSummary> last = views.meetings.LastMeetingBefore(estate_id, from_ms);
  // With no earlier meeting, every overdue resolution is news to this one.
  int64_t since_ms = last ? last->day_end_ms : 0;
  if (last) {
    out.setLastMeetingId(last->meeting_id);
    out.setLastMeetingHeldOn(last->held_on);
    out.setLastMeetingSeq(last->seq);
  }
  views.meetings.OpenResolutions(estate_id, since_ms, to_ms, out.initOpen());
}

void FillHeadlines(schema::JointMeetingReport::Builder report) {
  auto h = report.initHeadlines();
  auto complaints = report.getComplaints().asReader();
  h.setComplaintsFiled(complaints.getFiled());
  h.setComplaintsUnresolved(complaints.getUnresolved());
  h.setComplaintsEscalated(complaints.getEscalated());
  auto satisfaction = complaints.getFollowUpSatisfaction();
  FillRate(satisfaction.getNumerator(), satisfaction.getDenominator(),
           h.initComplaintSatisfaction());

  auto repairs = report.getRepairs().asReader();
  h.setRepairsRequested(repairs.getRequested());
  FillRate(repairs.getCompliance().getMet(), repairs.getCompliance().getDenominator(),
           h.initRepairCompliance());
  h.setRepairsOverdue(repairs.getOverdueCount());

  auto visits = report.getVisits().asReader();
  h.setHomeVisits(visits.getVisitCount());
  FillRate(visits.getCompliance().getMet(), visits.getCompliance().getDenominator(),
           h.initMustVisitCompliance());

  auto hours = report.getVolunteering().asReader().getHours();
  h.setVolunteerMinutesVerified(hours.getVerified().getMinutes());
  h.setVolunteerPointsEarnedCenti(hours.getPointsEarnedCenti());

  auto open = report.getResolutions().asReader().getOpen();
  h.setResolutionsOpen(open.getOpenCount());
  h.setResolutionsOverdue(open.getOverdueCount());
  h.setResolutionsNewlyOverdue(open.getNewlyOverdueCount());
  h.setMeetingsHeld(report.getMeetings().asReader().getMeetingTotal());
}

}  // namespace

void ComputeJointMeetingReport(const ViewSet& views, const std::string& estate_id, int64_t from_ms,
                               int64_t to_ms, schema::JointMeetingReport::Builder out,
                               const ItemPage& page) {
  std::vector<std::string> notes;
  out.setEstateId(estate_id);
  out.setPeriodFrom(from_ms);
  out.setPeriodTo(to_ms);
  out.setNow(to_ms);
  out.setFirstDay(FormatDay(LocalDay(from_ms, kZone)));
  out.setLastDay(FormatDay(LocalDay(to_ms - 1, kZone)));
  out.setPositionSeq(views.position().seq);
  out.setPositionHash(ledger::ToHex(views.position().hash));
  out.setRules(kRules);

  if (estate_id.empty()) {
    // An empty estate matches every estate in the views' filters: refuse rather than report on
    // the whole street as if it were one estate.
    notes.push_back("no estate given: nothing reported");
  } else {
    if (const EstateRecord* estate = views.registers.estates().Find(estate_id)) {
      out.setEstateName(estate->name);
    } else {
      notes.push_back("estate " + estate_id + " is not in the register at this position");
    }
    int64_t last_day = LocalDay(to_ms - 1, kZone);
    std::string company = views.registers.ServingCompany(estate_id, last_day);
    if (company.empty()) {
      notes.push_back("no company served the estate on " + FormatDay(last_day));
    } else {
      out.setCompanyId(company);
      const CompanyRecord* record = views.registers.companies().Find(company);
      if (record) {
        out.setCompanyName(record->name);
      } else {
        notes.push_back("company " + company + " is not in the register at this position");
      }
    }
    if (to_ms <= from_ms) notes.push_back("the period is empty (to <= from): nothing falls in it");

    Filter f;
    f.estate = estate_id;
    f.from_ms = from_ms;
    f.to_ms = to_ms;
    f.offset = page.offset;
    f.limit = page.limit;
    ComplaintsSection(views, page, estate_id, from_ms, to_ms, out.initComplaints());
    RepairsSection(views, page, estate_id, from_ms, to_ms, out.initRepairs());
    views.visits.Query(f, to_ms, out.initVisits());
    VolunteeringSection(views, estate_id, from_ms, to_ms, out.initVolunteering());
    ResolutionsSection(views, estate_id, from_ms, to_ms, out.initResolutions());
    views.meetings.Query(f, to_ms, out.initMeetings());
    FillHeadlines(out);
  }

  auto list = out.initNotes(notes.size());
  for (size_t i = 0; i < notes.size(); ++i) list.set(i, notes[i]);
}

}  // namespace projections
