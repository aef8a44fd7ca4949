#include "projections/views/repairs.h"

#include <algorithm>
#include <map>
#include <optional>

#include "counts.h"
#include "projections/calendar.h"
#include "projections/page_picker.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

namespace {

constexpr const char* kComplianceNote =
    "A repair meets its limit if completed at or before the deadline set by the policy in force "
    "on the day it was requested; if completed more than once, the last completion counts. "
    "rate = met / (met + late + overdue); open repairs still within their limit (pending) are not "
    "yet decided and are left out. Repairs with no limit set (no policy for their category on the "
    "day of the request) are counted in total and noLimit and left out of every compliance "
    "figure. Months are local (Asia/Shanghai) months of the request.";

const char* kNoCompany = "(none)";

struct StepOf {
  std::string repair_id;
  RepairStepRecord step;
};

std::optional<StepOf> StepFrom(P::Reader p) {
  if (p.isRepairDispatched()) {
    auto r = p.getRepairDispatched();
    RepairStepRecord step;
    step.kind = static_cast<int>(RepairStepKind::kDispatched);
    step.worker_id = Str(r.getWorkerId());
    step.company_id = Str(r.getCompanyId());
    step.note = Str(r.getNote());
    return StepOf{Str(r.getRepairId()), std::move(step)};
  }
  if (p.isRepairCompleted()) {
    auto r = p.getRepairCompleted();
    RepairStepRecord step;
    step.kind = static_cast<int>(RepairStepKind::kCompleted);
    step.worker_id = Str(r.getWorkerId());
    step.note = Str(r.getNote());
    return StepOf{Str(r.getRepairId()), std::move(step)};
  }
  return std::nullopt;
}

void FillCompliance(const std::map<std::string, ComplianceTally>& tallies,
                    capnp::List<schema::RepairCompliance>::Builder list) {
  size_t i = 0;
  for (const auto& [key, tally] : tallies) tally.Fill(key, list[i++]);
}

// A repair in a list, by what the list is sorted and found by.

void FillItems(const std::vector<const RepairRecord*>& repairs, int64_t now_ms,
               capnp::List<schema::RepairItem>::Builder items) {
  for (size_t i = 0; i < repairs.size(); ++i) {
    FillRepairItem(*repairs[i], Derive(*repairs[i]), now_ms, items[i]);
  }
}

}  // namespace

void FillRepairItem(const RepairRecord& r, const RepairState& s, int64_t now_ms,
                    schema::RepairItem::Builder item) {
  item.setRepairId(r.id);
  item.setEstateId(r.estate_id);
  item.setHouseholdId(r.household_id);
  item.setCompanyId(r.company_id);
  item.setCategory(r.category);
  item.setDescription(r.description);
  item.setLocation(r.location);
  item.setChannel(ChannelName(r.channel));
  item.setStatus(RepairStatus(r, s, now_ms));
  item.setRequestedAt(r.requested_at);
  item.setDispatchedAt(s.dispatched_at);
  item.setCompletedAt(s.completed_at);
  item.setWorkerId(s.worker_id);
  item.setDispatchedCompanyId(s.dispatched_company_id);
  item.setCompletions(s.completions);
  item.setHasLimit(r.has_limit());
  item.setDeadline(r.deadline_ms);
  item.setLimitPolicyId(r.limit_policy_id);
  item.setLimitPolicyVersion(r.limit_policy_version);
  item.setLimitHours(r.limit_hours);
  item.setLimitNextMorningHour(r.limit_next_morning_hour);
  if (s.completed()) item.setHoursTaken(Hours(s.completed_at - r.requested_at));
  if (r.has_limit()) {
    if (s.completed() && !RepairMetLimit(r, s)) {
      item.setHoursPastDeadline(Hours(s.completed_at - r.deadline_ms));
    } else if (RepairOverdue(r, s, now_ms)) {
      item.setHoursPastDeadline(Hours(now_ms - r.deadline_ms));
    }
  }
  if (!r.follow_ups.empty())
    item.setSatisfaction(SatisfactionName(r.follow_ups.back().satisfaction));
  item.setRequestedSeq(r.requested_seq);
}

RepairState Derive(const RepairRecord& r) {
  RepairState s;
  for (const auto& step : r.steps) {
    switch (static_cast<RepairStepKind>(step.kind)) {
      case RepairStepKind::kDispatched:
        if (!s.dispatched_at) s.dispatched_at = step.at;
        s.worker_id = step.worker_id;  // a re-dispatch hands the job to someone else
        if (!step.company_id.empty()) s.dispatched_company_id = step.company_id;
        break;
      case RepairStepKind::kCompleted:
        // A second completion means the first fix did not hold: the repair was done when it
        // was last completed.
        s.completed_at = step.at;
        ++s.completions;
        break;
    }
  }
  return s;
}

bool RepairMetLimit(const RepairRecord& r, const RepairState& s) {
  return r.has_limit() && s.completed() && s.completed_at <= r.deadline_ms;
}

bool RepairOverdue(const RepairRecord& r, const RepairState& s, int64_t now_ms) {
  return r.has_limit() && !s.completed() && now_ms > r.deadline_ms;
}

const char* RepairStatus(const RepairRecord& r, const RepairState& s, int64_t now_ms) {
  if (s.completed()) return !r.has_limit() || RepairMetLimit(r, s) ? "done" : "late";
  return RepairOverdue(r, s, now_ms) ? "overdue" : "open";
}

void Repairs::ResolveCompany(RepairRecord& r) {
  r.company_id =
      r.contract_company_id.empty() ? Derive(r).dispatched_company_id : r.contract_company_id;
}

std::optional<std::string> Repairs::TalliedRepair(P::Reader p) {
  if (p.isRepairRequested()) return Str(p.getRepairRequested().getRepairId());
  if (p.isFollowUpRecorded()) {
    auto subject = p.getFollowUpRecorded().getSubject();
    if (subject.isRepairId()) return Str(subject.getRepairId());
    return std::nullopt;
  }
  if (auto step = StepFrom(p)) return std::move(step->repair_id);
  return std::nullopt;
}

DayShare<RepairDay> Repairs::ShareOf(const RepairRecord* r) {
  DayShare<RepairDay> share;
  if (r == nullptr || r->requested_seq == 0) return share;
  RepairDay requested;
  if (!r->has_limit()) {
    requested.no_limit = 1;
  } else if (RepairState s = Derive(*r); s.completed()) {
    (RepairMetLimit(*r, s) ? requested.on_time : requested.late) = 1;
  } else {
    requested.open.push_back({r->deadline_ms, 1});
  }
  share.emplace_back(
      DayTallyKey(LocalDay(r->requested_at, TallyZone()), r->estate_id, r->company_id), requested);
  AddFollowUpCalls(r->follow_ups, r->estate_id, r->company_id, &share);
  return share;
}

void Repairs::Apply(const EventContext& e) {
  std::optional<std::string> id = TalliedRepair(e.payload);
  if (!id) return;  // not about a repair
  ChangeMovingShare(repairs_, *id, ShareOf, &days_, [&] { ApplyToRecord(e); });
}

void Repairs::Void(const EventContext& e) {
  std::optional<std::string> id = TalliedRepair(e.payload);
  if (!id) return;
  ChangeMovingShare(repairs_, *id, ShareOf, &days_, [&] { VoidInRecord(e); });
}

void Repairs::ApplyToRecord(const EventContext& e) {
  auto p = e.payload;
  if (p.isRepairRequested()) {
    auto req = p.getRepairRequested();
    auto& r = repairs_.Mutable(Str(req.getRepairId()));
    r.id = Str(req.getRepairId());
    r.estate_id = Str(req.getEstateId());
    r.household_id = Str(req.getHouseholdId());
    r.category = Str(req.getCategory());
    r.description = Str(req.getDescription());
    r.location = Str(req.getLocation());
    r.channel = static_cast<int>(req.getChannel());
    r.requested_at = e.counted_at();
    r.requested_seq = e.seq;
    r.contract_company_id =
        registers_->ServingCompany(r.estate_id, LocalDay(r.requested_at, TimeZone::China()));
    ResolveCompany(r);
    // Fixed now, from the policy in force on the day of the request: later policies do not
    // reach back.
    std::optional<AppliedRepairLimit> limit = policies_->RepairLimit(r.category, r.requested_at);
    r.deadline_ms = limit ? limit->deadline_ms : 0;
    r.limit_policy_id = limit ? limit->policy_id : "";
    r.limit_policy_version = limit ? limit->policy_version : 0;
    r.limit_hours = limit ? limit->rule.hours : 0;
    r.limit_next_morning_hour = limit ? limit->rule.next_morning_hour : 0;
    return;
  }
  if (p.isFollowUpRecorded()) {
    auto f = p.getFollowUpRecorded();
    if (!f.getSubject().isRepairId()) return;
    auto& r = repairs_.Mutable(Str(f.getSubject().getRepairId()));
    if (r.id.empty()) r.id = Str(f.getSubject().getRepairId());
    int64_t at = r.requested_seq ? std::max(e.counted_at(), r.requested_at) : e.counted_at();
    AddFollowUp(&r.follow_ups, FollowUpRecord{e.seq, at, static_cast<int>(f.getSatisfaction()),
                                              Str(f.getComment())});
    return;
  }
  auto step = StepFrom(p);
  if (!step) return;
  auto& r = repairs_.Mutable(step->repair_id);
  if (r.id.empty()) r.id = step->repair_id;
  step->step.seq = e.seq;
  // Never before the request: a step dated back an hour from its recording could otherwise
  // precede a request recorded just before it, and take less than no time.
  step->step.at = r.requested_seq ? std::max(e.counted_at(), r.requested_at) : e.counted_at();
  // A replacement keeps its original position in the lifecycle.
  auto at = std::upper_bound(r.steps.begin(), r.steps.end(), step->step,
                             [](const auto& a, const auto& b) { return a.seq < b.seq; });
  r.steps.insert(at, std::move(step->step));
  ResolveCompany(r);
}

void Repairs::VoidInRecord(const EventContext& e) {
  auto p = e.payload;
  if (p.isRepairRequested()) {
    std::string id = Str(p.getRepairRequested().getRepairId());
    const RepairRecord* found = repairs_.Find(id);
    if (!found || found->requested_seq != e.seq) return;
    auto& r = repairs_.Mutable(id);
    // No longer counts; its later steps stay in the record for the audit and for a replacement.
    r.requested_seq = 0;
    r.requested_at = 0;
    r.estate_id.clear();
    r.household_id.clear();
    r.category.clear();
    r.description.clear();
    r.location.clear();
    r.channel = 0;
    r.contract_company_id.clear();
    r.deadline_ms = 0;
    r.limit_policy_id.clear();
    r.limit_policy_version = 0;
    r.limit_hours = 0;
    r.limit_next_morning_hour = 0;
    ResolveCompany(r);
    return;
  }
  if (p.isFollowUpRecorded()) {
    auto subject = p.getFollowUpRecorded().getSubject();
    if (!subject.isRepairId()) return;
    std::string id = Str(subject.getRepairId());
    if (repairs_.Contains(id)) {
      std::erase_if(repairs_.Mutable(id).follow_ups,
                    [&](const FollowUpRecord& f) { return f.seq == e.seq; });
    }
    return;
  }
  auto step = StepFrom(p);
  if (!step || !repairs_.Contains(step->repair_id)) return;
  auto& r = repairs_.Mutable(step->repair_id);
  std::erase_if(r.steps, [&](const RepairStepRecord& s) { return s.seq == e.seq; });
  ResolveCompany(r);
}

std::optional<OrderKey> Repairs::EstateAndRequested(const RepairRecord& r) {
  if (r.requested_seq == 0) return std::nullopt;
  return OrderKey{r.estate_id, r.requested_at};
}

std::optional<OrderKey> Repairs::EstateAndFirstCompleted(const RepairRecord& r) {
  if (r.requested_seq == 0) return std::nullopt;
  int64_t first = kNeverCompleted;
  for (const auto& step : r.steps) {
    if (static_cast<RepairStepKind>(step.kind) != RepairStepKind::kCompleted) continue;
    // Derive takes a completion at time 0 for none: such a repair stays among the open ones.
    if (step.at <= 0) return OrderKey{r.estate_id, kNeverCompleted};
    first = std::min(first, step.at);
  }
  return OrderKey{r.estate_id, first};
}

bool Repairs::Counts(const RepairRecord& r, const Filter& f) {
  return r.requested_seq != 0 && f.Matches(r.estate_id, f.estate) &&
         f.Matches(r.company_id, f.company) && f.Matches(r.category, f.category) &&
         f.Matches(r.household_id, f.household) && f.InPeriod(r.requested_at);
}

void Repairs::Query(const Filter& f, int64_t now_ms, schema::RepairsView::Builder out) const {
  ComplianceTally overall;
  std::map<std::string, ComplianceTally> by_estate, by_company, by_category, by_month;
  std::map<std::string, uint32_t> by_status, satisfaction;
  uint32_t open = 0, overdue = 0, done = 0, done_within = 0, done_late = 0, followed_up = 0;
  // Newest first; ties by id so that pages are stable.
  auto newer = [](const TimedId& a, const TimedId& b) {
    return std::tie(b.at, b.id) < std::tie(a.at, a.id);
  };
  PagePicker<TimedId, decltype(newer)> page(f.offset, f.limit, newer, ItemAfter(f.after));
  ForEachCounted(f, [&](const RepairRecord& r) {
    RepairState s = Derive(r);
    const char* status = RepairStatus(r, s, now_ms);
    if (!f.Matches(status, f.status)) return;
    ++by_status[status];
    if (s.completed()) {
      ++done;
      if (r.has_limit()) RepairMetLimit(r, s) ? ++done_within : ++done_late;
    } else {
      ++open;
      if (RepairOverdue(r, s, now_ms)) ++overdue;
    }
    overall.Add(r, s, now_ms);
    by_estate[r.estate_id].Add(r, s, now_ms);
    by_company[r.company_id.empty() ? kNoCompany : r.company_id].Add(r, s, now_ms);
    by_category[r.category].Add(r, s, now_ms);
    by_month[LocalMonth(r.requested_at, TimeZone::China())].Add(r, s, now_ms);
    if (!r.follow_ups.empty()) {
      ++followed_up;
      ++satisfaction[SatisfactionName(r.follow_ups.back().satisfaction)];
    }
    page.Offer(TimedId{r.requested_at, r.id});
  });
  out.setNow(now_ms);
  out.setTotal(overall.total);
  out.setOpen(open);
  out.setOverdue(overdue);
  out.setDone(done);
  out.setDoneWithinLimit(done_within);
  out.setDoneLate(done_late);
  out.setNoLimit(overall.no_limit);
  overall.Fill("", out.initCompliance());
  FillCompliance(by_estate, out.initComplianceByEstate(by_estate.size()));
  FillCompliance(by_company, out.initComplianceByCompany(by_company.size()));
  FillCompliance(by_category, out.initComplianceByCategory(by_category.size()));
  FillCompliance(by_month, out.initComplianceByMonth(by_month.size()));
  out.setComplianceNote(kComplianceNote);
  out.setFollowedUp(followed_up);
  FillCounts(satisfaction, out.initSatisfaction(satisfaction.size()));
  FillCounts(by_status, out.initByStatus(by_status.size()));

  // The page's repairs are found again: a district's were streamed, not held.
  std::vector<TimedId> picked = TakeCursorPage(page, "repairs", out);
  auto listed = FindPicked(repairs_, picked);
  FillItems(listed, now_ms, out.initItems(listed.size()));
}

void Repairs::Overdue(const Filter& f, int64_t now_ms, schema::RepairsOverdue::Builder out) const {
  // Oldest first: the longest-waiting repair heads the meeting's list.
  auto older = [](const TimedId& a, const TimedId& b) {
    return std::tie(a.at, a.id) < std::tie(b.at, b.id);
  };
  PagePicker<TimedId, decltype(older)> page(f.offset, f.limit, older, ItemAfter(f.after));
  // Judged on every step recorded, so only the repairs never completed can be overdue.
  ForEachOpenAt(f, kNeverCompleted - 1, [&](const RepairRecord& r) {
    if (RepairOverdue(r, Derive(r), now_ms)) page.Offer(TimedId{r.requested_at, r.id});
  });
  out.setNow(now_ms);
  out.setTotal(static_cast<uint32_t>(page.offered()));
  std::vector<TimedId> picked = TakeCursorPage(page, "overdue-repairs", out);
  auto listed = FindPicked(repairs_, picked);
  FillItems(listed, now_ms, out.initItems(listed.size()));
}

void ComplianceTally::Add(const RepairRecord& r, const RepairState& s, int64_t now_ms) {
  ++total;
  if (!r.has_limit()) {
    ++no_limit;
  } else if (s.completed()) {
    RepairMetLimit(r, s) ? ++met : ++late;
  } else {
    RepairOverdue(r, s, now_ms) ? ++overdue : ++pending;
  }
}

void ComplianceTally::Fill(const std::string& key, schema::RepairCompliance::Builder out) const {
  out.setKey(key);
  out.setTotal(total);
  out.setMet(met);
  out.setLate(late);
  out.setOverdue(overdue);
  out.setPending(pending);
  out.setNoLimit(no_limit);
  out.setDenominator(denominator());
  out.setRate(denominator() ? static_cast<double>(met) / denominator() : 0.0);
}

}  // namespace projections
