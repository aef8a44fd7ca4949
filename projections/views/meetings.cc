#include "projections/views/meetings.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>

namespace projections {

namespace schema = ledger::schema;

namespace {

constexpr int kSides = 7;  // schema::Side has seven enumerants

// The zone of every local day here; see the header.
constexpr TimeZone kZone = TimeZone::China();

template <class List>
std::vector<std::string> Texts(List list) {
  std::vector<std::string> out;
  out.reserve(list.size());
  for (auto text : list) out.push_back(Str(text));
  return out;
}

template <class Builder>
void SetTexts(const std::vector<std::string>& texts, Builder list) {
  for (size_t i = 0; i < texts.size(); ++i) list.set(i, texts[i]);
}

std::optional<ResolutionStepRecord> StepFrom(const EventContext& e, std::string* resolution_id) {
  auto p = e.payload;
  if (!p.isResolutionProgressed() && !p.isResolutionCompleted()) return std::nullopt;
  bool completed = p.isResolutionCompleted();
  auto r = completed ? p.getResolutionCompleted() : p.getResolutionProgressed();
  *resolution_id = Str(r.getResolutionId());
  return ResolutionStepRecord{e.seq, e.occurred_at, Str(r.getNote()), r.getPercent(), completed};
}

// Due dates first, earliest first; resolutions without one last; then by id.
bool ByDueDate(const ResolutionRecord* a, const ResolutionRecord* b) {
  int64_t none = std::numeric_limits<int64_t>::max();
  return std::make_tuple(a->due_day.value_or(none), a->id) <
         std::make_tuple(b->due_day.value_or(none), b->id);
}

}  // namespace

const char* SideName(int side) {
  static constexpr const char* kNames[kSides] = {
      "streetOffice",    "communityParty", "residentsCommittee",    "ownersCommittee",
      "propertyCompany", "partnerUnit",    "residentRepresentative"};
  return side >= 0 && side < kSides ? kNames[side] : "unknown";
}

ResolutionState Derive(const ResolutionRecord& r, int64_t now_ms, TimeZone zone) {
  ResolutionState s;
  s.adopted = r.adopted_seq != 0 && r.adopted_at <= now_ms;
  for (const auto& step : r.steps) {
    if (step.at > now_ms || s.completed_seq != 0) continue;
    if (step.completed) {
      s.completed_at = step.at;
      s.completed_seq = step.seq;
      s.percent = 100;  // done is done, whatever percent the completion event carried
    } else {
      s.percent = step.percent;
    }
  }
  if (r.due_day) s.overdue_from = LocalDayStart(*r.due_day + 1, zone);
  if (!s.adopted) {
    s.status = "notYetAdopted";
  } else if (s.completed_seq != 0) {
    s.status = "completed";
  } else {
    int64_t today = LocalDay(now_ms, zone);
    if (r.due_day && today > *r.due_day) {
      s.days_overdue = static_cast<uint32_t>(today - *r.due_day);
      s.status = "overdue";
    }
  }
  return s;
}

void Meetings::Apply(const EventContext& e) {
  auto p = e.payload;
  if (p.isJointMeetingHeld()) {
    auto r = p.getJointMeetingHeld();
    auto& m = meetings_.Mutable(Str(r.getMeetingId()));
    m = MeetingRecord{};
    m.id = Str(r.getMeetingId());
    m.estate_id = Str(r.getEstateId());
    m.held_on = Str(r.getHeldOn());
    // The ledger refuses a malformed $date; the occurrence day is only a safety net.
    m.held_day = ParseDay(m.held_on).value_or(LocalDay(e.occurred_at, kZone));
    m.place = Str(r.getPlace());
    m.minutes = Str(r.getMinutes());
    for (auto a : r.getAttendees()) {
      m.attendees.push_back(MeetingAttendeeRecord{Str(a.getPersonId()), Str(a.getName()),
                                                  static_cast<int>(a.getSide())});
    }
    for (auto item : r.getAgenda()) {
      m.agenda.push_back(MeetingAgendaRecord{Str(item.getTitle()), Texts(item.getComplaintIds()),
                                             Texts(item.getRepairIds())});
    }
    m.seq = e.seq;
    return;
  }
  if (p.isResolutionAdopted()) {
    auto a = p.getResolutionAdopted();
    auto& r = resolutions_.Mutable(Str(a.getResolutionId()));
    r.id = Str(a.getResolutionId());
    r.meeting_id = Str(a.getMeetingId());
    r.estate_id = Str(a.getEstateId());
    r.text = Str(a.getText());
    r.owner_side = static_cast<int>(a.getOwnerSide());
    r.owner_id = Str(a.getOwnerId());
    r.due_date = Str(a.getDueDate());
    r.due_day = r.due_date.empty() ? std::nullopt : ParseDay(r.due_date);
    r.adopted_at = e.occurred_at;
    r.adopted_seq = e.seq;
    return;
  }
  std::string id;
  auto step = StepFrom(e, &id);
  if (!step) return;
  auto& r = resolutions_.Mutable(id);
  if (r.id.empty()) r.id = id;
  // A replacement keeps its original place in the history.
  auto at = std::upper_bound(r.steps.begin(), r.steps.end(), *step,
                             [](const auto& x, const auto& y) { return x.seq < y.seq; });
  r.steps.insert(at, std::move(*step));
}

void Meetings::Void(const EventContext& e) {
  auto p = e.payload;
  if (p.isJointMeetingHeld()) {
    std::string id = Str(p.getJointMeetingHeld().getMeetingId());
    if (auto* m = meetings_.Find(id); m && m->seq == e.seq) meetings_.Erase(id);
    return;
  }
  if (p.isResolutionAdopted()) {
    std::string id = Str(p.getResolutionAdopted().getResolutionId());
    auto* found = resolutions_.Find(id);
    if (!found || found->adopted_seq != e.seq) return;
    if (found->steps.empty()) {
      resolutions_.Erase(id);
      return;
    }
    // Later steps stay, waiting for a replacement adoption; without one the resolution is not
    // listed.
    auto& r = resolutions_.Mutable(id);
    std::vector<ResolutionStepRecord> steps = std::move(r.steps);
    r = ResolutionRecord{};
    r.id = id;
    r.steps = std::move(steps);
    return;
  }
  std::string id;
  auto step = StepFrom(e, &id);
  if (!step || !resolutions_.Contains(id)) return;
  auto& r = resolutions_.Mutable(id);
  std::erase_if(r.steps, [&](const ResolutionStepRecord& s) { return s.seq == e.seq; });
  if (r.steps.empty() && r.adopted_seq == 0) resolutions_.Erase(id);
}

std::optional<OrderKey> Meetings::EstateAndDayOf(const MeetingRecord& m) {
  if (m.estate_id.empty()) return std::nullopt;
  return OrderKey{m.estate_id, m.held_day};
}

std::optional<OrderKey> Meetings::OwnEstateOf(const ResolutionRecord& r) {
  if (r.estate_id.empty()) return std::nullopt;
  return OrderKey{r.estate_id, 0};
}

std::optional<OrderKey> Meetings::MeetingOf(const ResolutionRecord& r) {
  if (!r.estate_id.empty()) return std::nullopt;
  return OrderKey{r.meeting_id, 0};
}

std::string Meetings::EstateOf(const ResolutionRecord& r) const {
  if (!r.estate_id.empty()) return r.estate_id;
  const MeetingRecord* m = meetings_.Find(r.meeting_id);
  return m ? m->estate_id : std::string();
}

void Meetings::FillResolution(const ResolutionRecord& r, const ResolutionState& s, int64_t since_ms,
                              schema::ResolutionItem::Builder out) const {
  out.setResolutionId(r.id);
  out.setMeetingId(r.meeting_id);
  out.setEstateId(EstateOf(r));
  out.setText(r.text);
  out.setOwnerSide(SideName(r.owner_side));
  out.setOwnerId(r.owner_id);
  out.setDueDate(r.due_date);
  out.setAdoptedAt(r.adopted_at);
  out.setAdoptedSeq(r.adopted_seq);
  out.setStatus(s.status);
  out.setPercent(static_cast<uint8_t>(std::min<uint32_t>(s.percent, 255)));
  out.setCompletedAt(s.completed_at);
  out.setCompletedSeq(s.completed_seq);
  out.setOverdueFrom(s.overdue_from);
  out.setDaysOverdue(s.days_overdue);
  out.setNewlyOverdue(s.overdue() && s.overdue_from >= since_ms);
  auto progress = out.initProgress(r.steps.size());
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const auto& step = r.steps[i];
    progress[i].setSeq(step.seq);
    progress[i].setAt(step.at);
    progress[i].setNote(step.note);
    progress[i].setPercent(static_cast<uint8_t>(std::min<uint32_t>(step.percent, 255)));
    progress[i].setCompleted(step.completed);
  }
}

namespace {

// One meeting: who attended (and how many per side, every side listed), its agenda, and the
// resolutions adopted at it (`adopted`, by id).
void FillMeeting(const MeetingRecord& m, const std::set<std::string>& adopted,
                 schema::MeetingItem::Builder item) {
  item.setMeetingId(m.id);
  item.setEstateId(m.estate_id);
  item.setHeldOn(m.held_on);
  item.setPlace(m.place);
  item.setMinutes(m.minutes);
  item.setSeq(m.seq);
  uint32_t by_side[kSides] = {};
  auto attendees = item.initAttendees(m.attendees.size());
  for (size_t k = 0; k < m.attendees.size(); ++k) {
    const auto& a = m.attendees[k];
    if (a.side >= 0 && a.side < kSides) ++by_side[a.side];
    attendees[k].setPersonId(a.person_id);
    attendees[k].setName(a.name);
    attendees[k].setSide(SideName(a.side));
  }
  item.setAttendeeTotal(static_cast<uint32_t>(m.attendees.size()));
  auto sides = item.initBySide(kSides);
  for (int side = 0; side < kSides; ++side) {
    sides[side].setSide(SideName(side));
    sides[side].setCount(by_side[side]);
  }
  auto agenda = item.initAgenda(m.agenda.size());
  for (size_t k = 0; k < m.agenda.size(); ++k) {
    agenda[k].setTitle(m.agenda[k].title);
    SetTexts(m.agenda[k].complaint_ids,
             agenda[k].initComplaintIds(m.agenda[k].complaint_ids.size()));
    SetTexts(m.agenda[k].repair_ids, agenda[k].initRepairIds(m.agenda[k].repair_ids.size()));
  }
  SetTexts(std::vector<std::string>(adopted.begin(), adopted.end()),
           item.initResolutionIds(adopted.size()));
}

}  // namespace

void Meetings::Query(const Filter& f, int64_t now_ms, schema::MeetingsView::Builder out) const {
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  std::vector<const MeetingRecord*> matched;
  auto match = [&](const MeetingRecord& m) {
    if (f.Matches(m.estate_id, f.estate) && f.InPeriod(LocalDayStart(m.held_day, kZone))) {
      matched.push_back(&m);
    }
  };
  // An estate's meetings, and its resolutions, are read through the orderings.
  if (f.estate.empty()) {
    meetings_.ForEach([&](const std::string&, const MeetingRecord& m) { match(m); });
  } else {
    ForEachMeetingOf(f.estate, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), match);
  }
  std::sort(matched.begin(), matched.end(), [](const auto* a, const auto* b) {
    return std::tie(a->held_day, a->id) < std::tie(b->held_day, b->id);
  });
  std::map<std::string, int64_t> matched_day;  // meeting id -> day held
  for (const auto* m : matched) matched_day[m->id] = m->held_day;

  struct Listed {
    int64_t day;
    const ResolutionRecord* record;
    ResolutionState state;
  };
  std::vector<Listed> listed;
  std::vector<std::pair<const ResolutionRecord*, ResolutionState>> open;
  std::map<std::string, std::set<std::string>> adopted_at_meeting;
  uint32_t overdue = 0;
  auto take = [&](const ResolutionRecord& r) {
    if (r.adopted_seq == 0) return;
    std::string estate = EstateOf(r);
    if (!f.Matches(estate, f.estate)) return;
    ResolutionState s = Derive(r, now_ms, kZone);
    if (s.open()) {
      open.emplace_back(&r, s);
      if (s.overdue()) ++overdue;
    }
    adopted_at_meeting[r.meeting_id].insert(r.id);
    // Of the period: adopted at a meeting listed, or, when its meeting is not on record,
    // adopted within the period.
    std::optional<int64_t> day;
    if (auto it = matched_day.find(r.meeting_id); it != matched_day.end()) {
      day = it->second;
    } else if (!meetings_.Contains(r.meeting_id) && f.InPeriod(r.adopted_at)) {
      day = LocalDay(r.adopted_at, kZone);
    }
    if (day && f.Matches(s.status, f.status)) listed.push_back({*day, &r, s});
  };
  if (f.estate.empty()) {
    resolutions_.ForEach([&](const std::string&, const ResolutionRecord& r) { take(r); });
  } else {
    ForEachResolutionOf(f.estate, take);
  }
  std::sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
    return std::tie(a.day, a.record->meeting_id, a.record->id) <
           std::tie(b.day, b.record->meeting_id, b.record->id);
  });
  std::sort(open.begin(), open.end(),
            [](const auto& a, const auto& b) { return ByDueDate(a.first, b.first); });

  out.setEstateId(f.estate);
  out.setNow(now_ms);
  out.setOffset(static_cast<uint32_t>(f.offset));

  out.setMeetingTotal(static_cast<uint32_t>(matched.size()));
  size_t begin = std::min(f.offset, matched.size());
  size_t end = std::min(matched.size(), begin + f.limit);
  auto meetings = out.initMeetings(end - begin);
  static const std::set<std::string> kNoneAdopted;
  for (size_t i = begin; i < end; ++i) {
    const MeetingRecord& m = *matched[i];
    auto adopted = adopted_at_meeting.find(m.id);
    FillMeeting(m, adopted == adopted_at_meeting.end() ? kNoneAdopted : adopted->second,
                meetings[i - begin]);
  }

  out.setResolutionTotal(static_cast<uint32_t>(listed.size()));
  begin = std::min(f.offset, listed.size());
  end = std::min(listed.size(), begin + f.limit);
  auto resolutions = out.initResolutions(end - begin);
  for (size_t i = begin; i < end; ++i) {
    FillResolution(*listed[i].record, listed[i].state, kNever, resolutions[i - begin]);
  }

  out.setOpenCount(static_cast<uint32_t>(open.size()));
  out.setOverdueCount(overdue);
  auto open_list = out.initOpen(open.size());
  for (size_t i = 0; i < open.size(); ++i) {
    FillResolution(*open[i].first, open[i].second, kNever, open_list[i]);
  }
}

void Meetings::OpenResolutions(const std::string& estate_id, int64_t since_ms, int64_t now_ms,
                               schema::OpenResolutions::Builder out) const {
  std::vector<std::pair<const ResolutionRecord*, ResolutionState>> open;
  auto take = [&](const ResolutionRecord& r) {
    if (r.adopted_seq == 0 || (!estate_id.empty() && EstateOf(r) != estate_id)) return;
    ResolutionState s = Derive(r, now_ms, kZone);
    if (s.open()) open.emplace_back(&r, s);
  };
  if (estate_id.empty()) {
    resolutions_.ForEach([&](const std::string&, const ResolutionRecord& r) { take(r); });
  } else {
    ForEachResolutionOf(estate_id, take);
  }
  std::sort(open.begin(), open.end(),
            [](const auto& a, const auto& b) { return ByDueDate(a.first, b.first); });
  uint32_t overdue = 0, newly = 0;
  out.setEstateId(estate_id);
  out.setSince(since_ms);
  out.setNow(now_ms);
  auto items = out.initItems(open.size());
  for (size_t i = 0; i < open.size(); ++i) {
    const auto& [r, s] = open[i];
    if (s.overdue()) {
      ++overdue;
      if (s.overdue_from >= since_ms) ++newly;
    }
    FillResolution(*r, s, since_ms, items[i]);
  }
  out.setOpenCount(static_cast<uint32_t>(open.size()));
  out.setOverdueCount(overdue);
  out.setNewlyOverdueCount(newly);
}

std::optional<MeetingSummary> Meetings::LastMeetingBefore(const std::string& estate_id,
                                                          int64_t instant_ms) const {
  int64_t day = LocalDay(instant_ms, kZone);
  const MeetingRecord* last = nullptr;
  auto take = [&](const MeetingRecord& m) {
    if (m.estate_id != estate_id || m.held_day >= day) return;
    // Of two meetings the same day, the one recorded later.
    if (!last || std::tie(m.held_day, m.seq) > std::tie(last->held_day, last->seq)) last = &m;
  };
  if (estate_id.empty()) {
    meetings_.ForEach([&](const std::string&, const MeetingRecord& m) { take(m); });
  } else {
    ForEachMeetingOf(estate_id, std::numeric_limits<int64_t>::min(), day, take);
  }
  if (!last) return std::nullopt;
  return MeetingSummary{last->id,       last->estate_id, last->held_on,
                        last->held_day, last->seq,       LocalDayStart(last->held_day + 1, kZone)};
}

}  // namespace projections
