#include "district_state.h"

#include <algorithm>

#include "local_time.h"

namespace simulate::internal {

uint64_t EstimateEvents(const Options& o) {
  double households = double(o.estates) * o.households_per_estate;
  return static_cast<uint64_t>(households * (1.6 + 8.5 * o.years) + o.estates * 60.0 * o.years);
}

DistrictState::DistrictState(ledger::Ledger* ledger_log, SimulatedClock* clock,
                             const Options& run_options)
    : log(ledger_log),
      options(run_options),
      rng(run_options.seed),
      first_day(Civil(run_options.first_year, 1, 1)),
      end_day(Civil(run_options.first_year + run_options.years, 1, 1)),
      emit(ledger_log, clock, run_options.seed, LocalMs(end_day, 0), run_options.progress,
           EstimateEvents(run_options)) {}

const Quality& DistrictState::QualityOf(int company) const { return kCompanies[company].quality; }

std::string DistrictState::Name(const std::string& person_id) const {
  auto it = names.find(person_id);
  return it == names.end() ? "" : it->second;
}

int64_t DistrictState::Clamp(int64_t ms) {
  return std::max(ms, floor_ms + rng.Int(0, 59) * kSecond);
}

int64_t DistrictState::ReportTime(int64_t day, double night_share) {
  int minute;
  if (rng.Chance(night_share)) {
    minute = (22 * 60 + rng.Int(0, 8 * 60 - 1)) % (24 * 60);
  } else {
    double x = rng.Real();
    minute = x < 0.4    ? rng.Int(7 * 60, 12 * 60 - 1)
             : x < 0.65 ? rng.Int(12 * 60, 17 * 60 - 1)
                        : rng.Int(17 * 60, 22 * 60 - 1);
  }
  return Clamp(LocalMs(day, 0) + minute * kMillisPerMinute + rng.Int(0, 59) * kSecond);
}

int64_t DistrictState::OfficeHours(int64_t ms) {
  int64_t day = DayOf(ms);
  int64_t open = LocalMs(day, 8, 30), close = LocalMs(day, 18);
  if (ms < open) return open + Minutes(rng.Int(0, 90));
  if (ms >= close) return LocalMs(day + 1, 8, 30) + Minutes(rng.Int(0, 90));
  return ms;
}

int64_t DistrictState::WorkTime(int64_t day, int from_hour, int to_hour) {
  return Clamp(LocalMs(day, from_hour) +
               rng.Below(static_cast<uint64_t>((to_hour - from_hour) * kMillisPerHour)));
}

Actor DistrictState::Worker(int i) const {
  return {community_workers[i % community_workers.size()], schema::Role::COMMUNITY_WORKER};
}

Actor DistrictState::AnyWorker() {
  return Worker(static_cast<int>(rng.Below(community_workers.size())));
}

Actor DistrictState::Staff(int e, int company) const {
  return {estates[e].manager.at(company), schema::Role::COMPANY_STAFF};
}

Actor DistrictState::Street() const {
  return {"person/street-director", schema::Role::STREET_AUDITOR};
}

Actor DistrictState::Inspector(int i) const {
  return {i % 2 ? "person/street-inspector-2" : "person/street-inspector-1",
          schema::Role::STREET_AUDITOR};
}

Actor DistrictState::ResidentActor(const Household& h) const {
  return {h.residents.front().person_id, schema::Role::RESIDENT};
}

Household& DistrictState::RandomHousehold(int e) {
  const Estate& estate = estates[e];
  return households[estate.first_household + rng.Below(estate.households)];
}

int DistrictState::DayOfMeeting(int e, int year, int month) const {
  int d = estates[e].meeting_day;
  int64_t day = Civil(year, month, d);
  // Meetings are held on working days: a weekend meeting moves to the Monday.
  while (Weekday(day) == 0 || Weekday(day) == 6) ++day;
  projections::CivilDay c = projections::CivilFromDays(day);
  return c.month == month ? c.day : d;
}

std::string DistrictState::MeetingId(int e, int year, int month) const {
  return "meeting/" + estates[e].code + "-" + std::to_string(year) + "-" + Pad(month, 2);
}

std::string DistrictState::NextMeeting(int e, int64_t ms) const {
  projections::CivilDay c = projections::CivilFromDays(DayOf(ms));
  int64_t held = LocalMs(Civil(c.year, c.month, DayOfMeeting(e, c.year, c.month)), 14, 30);
  if (held <= ms) {
    c.month == 12 ? (c.month = 1, ++c.year) : ++c.month;
  }
  return MeetingId(e, c.year, c.month);
}

std::string DistrictState::NextId(const char* kind, int year) {
  return std::string(kind) + "/" + std::to_string(year) + "-" + Pad(++ids[kind], 6);
}

schema::Satisfaction DistrictState::Answer(const double (&shares)[3]) {
  return Answer(shares[0], shares[1], shares[2]);
}

schema::Satisfaction DistrictState::Answer(double satisfied, double basically,
                                           double dissatisfied) {
  switch (rng.Weighted({satisfied, basically, dissatisfied})) {
    case 0:
      return schema::Satisfaction::SATISFIED;
    case 1:
      return schema::Satisfaction::BASICALLY_SATISFIED;
    default:
      return schema::Satisfaction::DISSATISFIED;
  }
}

void DistrictState::FollowUp(int64_t at, const std::string& subject, const std::string& kind,
                             schema::Satisfaction satisfaction, const Actor& by, int64_t lag) {
  static const std::map<schema::Satisfaction, std::vector<std::string>> kComments = {
      {schema::Satisfaction::SATISFIED, {"很满意，处理及时", "服务态度好", "Very happy with it"}},
      {schema::Satisfaction::BASICALLY_SATISFIED, {"基本满意", "还行，就是慢了点"}},
      {schema::Satisfaction::DISSATISFIED,
       {"不满意，问题没有根本解决", "拖得太久", "Still not fixed properly"}}};
  std::string comment = rng.Pick(kComments.at(satisfaction));
  emit.One(
      at, subject, by,
      [=](schema::Payload::Builder p) {
        auto f = p.initFollowUpRecorded();
        if (kind == "complaint") {
          f.getSubject().setComplaintId(subject);
        } else if (kind == "repair") {
          f.getSubject().setRepairId(subject);
        } else {
          f.getSubject().setVisitId(subject);
        }
        f.setSatisfaction(satisfaction);
        f.setComment(comment);
      },
      lag);
}

std::string DistrictState::TeamOf(const Household& h) const {
  const Estate& estate = estates[h.estate];
  size_t team = (std::stoi(h.building) - 1) * estate.teams.size() / std::max(1, estate.buildings);
  return estate.teams[std::min(team, estate.teams.size() - 1)];
}

std::string DistrictState::GridWorkerOf(const Household& h) const {
  const Estate& estate = estates[h.estate];
  std::string team = TeamOf(h);
  for (size_t i = 0; i < estate.teams.size(); ++i) {
    if (estate.teams[i] == team) return estate.grid_workers[i];
  }
  return estate.grid_workers.front();
}

int DistrictState::FirstEstateOf(int company, int64_t day) const {
  for (int e = 0; e < static_cast<int>(estates.size()); ++e) {
    if (estates[e].Company(day) == company) return e;
  }
  return -1;
}
}  // namespace simulate::internal
