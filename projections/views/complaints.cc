#include "projections/views/complaints.h"

#include <algorithm>
#include <map>

#include "counts.h"
#include "projections/calendar.h"
#include "projections/page_picker.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

const char* ChannelName(int channel) {
  static constexpr const char* kNames[] = {"hotline",     "opinionBook", "messageBox", "replyBoard",
                                           "wechatGroup", "doorToDoor",  "forum"};
  return channel >= 0 && channel < 7 ? kNames[channel] : "unknown";
}

const char* SatisfactionName(int satisfaction) {
  static constexpr const char* kNames[] = {"unknown", "satisfied", "basicallySatisfied",
                                           "dissatisfied"};
  return satisfaction >= 0 && satisfaction < 4 ? kNames[satisfaction] : "unknown";
}

ComplaintState Derive(const ComplaintRecord& c) {
  ComplaintState s;
  for (const auto& step : c.steps) {
    switch (static_cast<ComplaintStepKind>(step.kind)) {
      case ComplaintStepKind::kAcknowledged:
        if (!s.acknowledged_at) s.acknowledged_at = step.at;
        if (!s.resolved_at && !s.replied_at) s.status = "acknowledged";
        break;
      case ComplaintStepKind::kReplied:
        if (!s.replied_at) s.replied_at = step.at;
        if (!s.resolved_at) s.status = "replied";
        break;
      case ComplaintStepKind::kResolved:
        s.resolved_at = step.at;  // the last resolution counts, after any reopening
        s.status = "resolved";
        break;
      case ComplaintStepKind::kReopened:
        ++s.reopened;
        s.resolved_at = 0;
        s.status = "reopened";
        break;
      case ComplaintStepKind::kEscalated:
        s.escalated = true;
        break;
    }
  }
  return s;
}

namespace {

struct StepOf {
  std::string complaint_id;
  ComplaintStepKind kind;
  std::string text;
};

std::optional<StepOf> StepFrom(P::Reader p) {
  switch (p.which()) {
    case P::COMPLAINT_ACKNOWLEDGED: {
      auto r = p.getComplaintAcknowledged();
      return StepOf{Str(r.getComplaintId()), ComplaintStepKind::kAcknowledged, Str(r.getNote())};
    }
    case P::COMPLAINT_REPLIED: {
      auto r = p.getComplaintReplied();
      return StepOf{Str(r.getComplaintId()), ComplaintStepKind::kReplied, Str(r.getReply())};
    }
    case P::COMPLAINT_RESOLVED: {
      auto r = p.getComplaintResolved();
      return StepOf{Str(r.getComplaintId()), ComplaintStepKind::kResolved, Str(r.getNote())};
    }
    case P::COMPLAINT_REOPENED: {
      auto r = p.getComplaintReopened();
      return StepOf{Str(r.getComplaintId()), ComplaintStepKind::kReopened, Str(r.getNote())};
    }
    case P::COMPLAINT_ESCALATED: {
      auto r = p.getComplaintEscalated();
      return StepOf{Str(r.getComplaintId()), ComplaintStepKind::kEscalated, Str(r.getMeetingId())};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

void FillTiming(std::vector<double> hours, schema::Timing::Builder out) {
  out.setCount(static_cast<uint32_t>(hours.size()));
  if (hours.empty()) return;
  // Summed in order, so that the average is the same whatever order the hours were read in.
  std::sort(hours.begin(), hours.end());
  double sum = 0;
  for (double h : hours) sum += h;
  out.setAverageHours(sum / static_cast<double>(hours.size()));
  size_t n = hours.size();
  out.setMedianHours(n % 2 ? hours[n / 2] : (hours[n / 2 - 1] + hours[n / 2]) / 2);
}

void FillComplaintItem(const ComplaintRecord& c, const ComplaintState& s,
                       schema::ComplaintItem::Builder item) {
  item.setComplaintId(c.id);
  item.setEstateId(c.estate_id);
  item.setHouseholdId(c.household_id);
  item.setCompanyId(c.company_id);
  item.setCategory(c.category);
  item.setChannel(ChannelName(c.channel));
  item.setSummary(c.summary);
  item.setStatus(s.status);
  item.setFiledAt(c.filed_at);
  item.setAcknowledgedAt(s.acknowledged_at);
  item.setRepliedAt(s.replied_at);
  item.setResolvedAt(s.resolved_at);
  item.setReopenedCount(s.reopened);
  item.setEscalated(s.escalated);
  if (!c.follow_ups.empty()) {
    item.setSatisfaction(SatisfactionName(c.follow_ups.back().satisfaction));
  }
  item.setFiledSeq(c.filed_seq);
}

std::optional<std::string> Complaints::TalliedComplaint(P::Reader p) {
  if (p.isComplaintFiled()) return Str(p.getComplaintFiled().getComplaintId());
  if (p.isFollowUpRecorded() && p.getFollowUpRecorded().getSubject().isComplaintId()) {
    return Str(p.getFollowUpRecorded().getSubject().getComplaintId());
  }
  return std::nullopt;  // a step: it changes no count
}

DayShare<ComplaintDay> Complaints::ShareOf(const ComplaintRecord* c) {
  DayShare<ComplaintDay> share;
  if (c == nullptr || c->filed_seq == 0) return share;
  ComplaintDay filed;
  filed.filed = 1;
  share.emplace_back(DayTallyKey(LocalDay(c->filed_at, TallyZone()), c->estate_id, c->company_id),
                     filed);
  AddFollowUpCalls(c->follow_ups, c->estate_id, c->company_id, &share);
  return share;
}

void Complaints::Apply(const EventContext& e) {
  std::optional<std::string> id = TalliedComplaint(e.payload);
  if (!id) return ApplyToRecord(e);
  ChangeMovingShare(complaints_, *id, ShareOf, &days_, [&] { ApplyToRecord(e); });
}

void Complaints::Void(const EventContext& e) {
  std::optional<std::string> id = TalliedComplaint(e.payload);
  if (!id) return VoidInRecord(e);
  ChangeMovingShare(complaints_, *id, ShareOf, &days_, [&] { VoidInRecord(e); });
}

void Complaints::ApplyToRecord(const EventContext& e) {
  auto p = e.payload;
  if (p.isComplaintFiled()) {
    auto r = p.getComplaintFiled();
    auto& c = complaints_.Mutable(Str(r.getComplaintId()));
    c.id = Str(r.getComplaintId());
    c.estate_id = Str(r.getEstateId());
    c.household_id = Str(r.getHouseholdId());
    c.category = Str(r.getCategory());
    c.channel = static_cast<int>(r.getChannel());
    c.summary = Str(r.getSummary());
    c.filed_at = e.counted_at();
    c.filed_seq = e.seq;
    // The company named by the filer, else the one under contract on the day it was filed.
    c.company_id =
        r.getCompanyId().size()
            ? Str(r.getCompanyId())
            : registers_->ServingCompany(c.estate_id, LocalDay(c.filed_at, TimeZone::China()));
    return;
  }
  if (p.isFollowUpRecorded()) {
    auto r = p.getFollowUpRecorded();
    if (!r.getSubject().isComplaintId()) return;
    auto& c = complaints_.Mutable(Str(r.getSubject().getComplaintId()));
    if (c.id.empty()) c.id = Str(r.getSubject().getComplaintId());
    int64_t at = c.filed_seq ? std::max(e.counted_at(), c.filed_at) : e.counted_at();
    AddFollowUp(&c.follow_ups, FollowUpRecord{e.seq, at, static_cast<int>(r.getSatisfaction()),
                                              Str(r.getComment())});
    return;
  }
  auto step = StepFrom(p);
  if (!step) return;
  auto& c = complaints_.Mutable(step->complaint_id);
  if (c.id.empty()) c.id = step->complaint_id;
  // Never before the filing (see Repairs::ApplyToRecord).
  int64_t counted = c.filed_seq ? std::max(e.counted_at(), c.filed_at) : e.counted_at();
  ComplaintStepRecord record{e.seq, static_cast<int>(step->kind), counted, step->text};
  // A replacement keeps its original position in the lifecycle.
  auto at = std::upper_bound(c.steps.begin(), c.steps.end(), record,
                             [](const auto& a, const auto& b) { return a.seq < b.seq; });
  c.steps.insert(at, std::move(record));
}

void Complaints::VoidInRecord(const EventContext& e) {
  auto p = e.payload;
  std::string id;
  if (p.isComplaintFiled()) {
    id = Str(p.getComplaintFiled().getComplaintId());
    if (auto* c = complaints_.Find(id); c && c->filed_seq == e.seq) {
      auto& m = complaints_.Mutable(id);
      m.filed_seq = 0;  // no longer counts; its later steps stay in the record for the audit
      m.estate_id.clear();
      m.household_id.clear();
      m.company_id.clear();
      m.category.clear();
      m.summary.clear();
    }
    return;
  }
  if (p.isFollowUpRecorded()) {
    auto subject = p.getFollowUpRecorded().getSubject();
    if (!subject.isComplaintId()) return;
    id = Str(subject.getComplaintId());
    if (complaints_.Contains(id)) {
      std::erase_if(complaints_.Mutable(id).follow_ups,
                    [&](const FollowUpRecord& f) { return f.seq == e.seq; });
    }
    return;
  }
  auto step = StepFrom(p);
  if (!step || !complaints_.Contains(step->complaint_id)) return;
  std::erase_if(complaints_.Mutable(step->complaint_id).steps,
                [&](const ComplaintStepRecord& s) { return s.seq == e.seq; });
}

std::optional<OrderKey> Complaints::EstateAndFiled(const ComplaintRecord& c) {
  if (c.filed_seq == 0) return std::nullopt;
  return OrderKey{c.estate_id, c.filed_at};
}

bool Complaints::Counts(const ComplaintRecord& c, const Filter& f) {
  return c.filed_seq != 0 && f.Matches(c.estate_id, f.estate) &&
         f.Matches(c.company_id, f.company) && f.Matches(c.category, f.category) &&
         f.Matches(ChannelName(c.channel), f.channel) && f.Matches(c.household_id, f.household) &&
         f.InPeriod(c.filed_at);
}

void Complaints::Query(const Filter& f, schema::ComplaintsView::Builder out) const {
  std::map<std::string, uint32_t> by_status, by_category, by_channel, by_estate, by_company,
      satisfaction;
  std::vector<double> to_ack, to_reply, to_resolve;
  // Newest first (by when filed); ties by id so that pages are stable.
  auto newer = [](const TimedId& a, const TimedId& b) {
    return std::tie(b.at, b.id) < std::tie(a.at, a.id);
  };
  PagePicker<TimedId, decltype(newer)> page(f.offset, f.limit, newer, ItemAfter(f.after));
  uint32_t total = 0, open = 0, resolved = 0, reopened = 0, escalated = 0;
  ForEachCounted(f, [&](const ComplaintRecord& c) {
    ComplaintState s = Derive(c);
    if (!f.Matches(s.status, f.status)) return;
    ++total;
    s.resolved() ? ++resolved : ++open;
    if (s.reopened) ++reopened;
    if (s.escalated) ++escalated;
    ++by_status[s.status];
    ++by_category[c.category];
    ++by_channel[ChannelName(c.channel)];
    ++by_estate[c.estate_id];
    ++by_company[c.company_id.empty() ? "(none)" : c.company_id];
    auto hours = [&](int64_t at) { return Hours(at - c.filed_at); };
    if (s.acknowledged_at) to_ack.push_back(hours(s.acknowledged_at));
    if (s.replied_at) to_reply.push_back(hours(s.replied_at));
    if (s.resolved_at) to_resolve.push_back(hours(s.resolved_at));
    if (!c.follow_ups.empty()) ++satisfaction[SatisfactionName(c.follow_ups.back().satisfaction)];
    page.Offer(TimedId{c.filed_at, c.id});
  });
  out.setTotal(total);
  out.setOpen(open);
  out.setResolved(resolved);
  out.setReopened(reopened);
  out.setEscalated(escalated);
  FillCounts(by_status, out.initByStatus(by_status.size()));
  FillCounts(by_category, out.initByCategory(by_category.size()));
  FillCounts(by_channel, out.initByChannel(by_channel.size()));
  FillCounts(by_estate, out.initByEstate(by_estate.size()));
  FillCounts(by_company, out.initByCompany(by_company.size()));
  FillCounts(satisfaction, out.initSatisfaction(satisfaction.size()));
  FillTiming(to_ack, out.initToAcknowledge());
  FillTiming(to_reply, out.initToReply());
  FillTiming(to_resolve, out.initToResolve());

  // The page's complaints are found again: a district's were streamed, not held.
  std::vector<TimedId> picked = TakeCursorPage(page, "complaints", out);
  auto listed = FindPicked(complaints_, picked);
  auto items = out.initItems(listed.size());
  for (size_t i = 0; i < listed.size(); ++i) {
    FillComplaintItem(*listed[i], Derive(*listed[i]), items[i]);
  }
}

void Complaints::ReplyBoard(const Filter& f, schema::ReplyBoard::Builder out) const {
  // Copies: with no estate, the complaints are streamed and not held.
  struct Entry {
    std::string complaint_id, category, reply;
    int64_t at;
    uint64_t seq;
  };
  std::vector<Entry> entries;
  Filter estate_only;
  estate_only.estate = f.estate;
  ForEachCounted(estate_only, [&](const ComplaintRecord& c) {
    for (const auto& step : c.steps) {
      if (step.kind == static_cast<int>(ComplaintStepKind::kReplied) && f.InPeriod(step.at)) {
        entries.push_back({c.id, c.category, step.text, step.at, step.seq});
      }
    }
  });
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.at, a.seq) < std::tie(b.at, b.seq);
  });
  out.setEstateId(f.estate);
  auto list = out.initEntries(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    list[i].setComplaintId(entries[i].complaint_id);
    list[i].setCategory(entries[i].category);
    list[i].setRepliedAt(entries[i].at);
    list[i].setReply(entries[i].reply);
    list[i].setSeq(entries[i].seq);
  }
}

}  // namespace projections
