#include "projections/views/policies.h"

#include <algorithm>

namespace projections {

namespace schema = ledger::schema;

const char* PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kRepairTimeLimits:
      return "repairTimeLimits";
    case PolicyKind::kRating:
      return "rating";
    case PolicyKind::kTimeBank:
      return "timeBank";
    case PolicyKind::kVisits:
      return "visits";
  }
  return "unknown";
}

namespace {

std::optional<PolicyKind> KindOf(schema::PolicyAdopted::Reader p) {
  switch (p.getRules().which()) {
    case schema::PolicyAdopted::Rules::REPAIR_TIME_LIMITS:
      return PolicyKind::kRepairTimeLimits;
    case schema::PolicyAdopted::Rules::RATING:
      return PolicyKind::kRating;
    case schema::PolicyAdopted::Rules::TIME_BANK:
      return PolicyKind::kTimeBank;
    case schema::PolicyAdopted::Rules::VISITS:
      return PolicyKind::kVisits;
  }
  return std::nullopt;
}

PolicyVersion Decode(schema::PolicyAdopted::Reader p, uint64_t seq) {
  PolicyVersion v;
  v.policy_id = Str(p.getPolicyId());
  v.version = p.getVersion();
  v.effective_day = ParseDay(Str(p.getEffectiveFrom())).value_or(0);
  v.tz_offset_minutes =
      TimeZone::Named(Str(p.getTimeZone())).value_or(TimeZone::China()).offset_minutes();
  v.seq = seq;
  auto rules = p.getRules();
  switch (rules.which()) {
    case schema::PolicyAdopted::Rules::REPAIR_TIME_LIMITS:
      for (auto limit : rules.getRepairTimeLimits()) {
        v.repair_limits.push_back(RepairLimitRule{Str(limit.getCategory()), limit.getHours(),
                                                  limit.getNextMorningHour()});
      }
      break;
    case schema::PolicyAdopted::Rules::RATING: {
      auto r = rules.getRating();
      auto w = r.getWeights();
      v.rating.w_inspection = w.getInspection();
      v.rating.w_document_review = w.getDocumentReview();
      v.rating.w_complaint_rate = w.getComplaintRate();
      v.rating.w_repair_compliance = w.getRepairCompliance();
      v.rating.w_follow_up = w.getFollowUpSatisfaction();
      v.rating.w_survey = w.getSurveySatisfaction();
      for (double t : r.getStarThresholds()) v.rating.star_thresholds.push_back(t);
      v.rating.red_list_min_score = r.getRedListMinScore();
      v.rating.black_list_max_score = r.getBlackListMaxScore();
      v.rating.complaint_rate_ceiling = r.getComplaintRateCeiling();
      break;
    }
    case schema::PolicyAdopted::Rules::TIME_BANK: {
      auto t = rules.getTimeBank();
      v.time_bank.points_per_hour_centi = t.getPointsPerHourCenti();
      v.time_bank.allow_negative = t.getAllowNegative();
      v.time_bank.overdraft_limit_centi = t.getOverdraftLimitCenti();
      break;
    }
    case schema::PolicyAdopted::Rules::VISITS: {
      auto r = rules.getVisits();
      for (auto h : r.getHolidays())
        v.visits.holidays.push_back({Str(h.getName()), Str(h.getDay())});
      v.visits.holiday_window_days = r.getHolidayWindowDays();
      v.visits.birthday_window_days = r.getBirthdayWindowDays();
      v.visits.hospital_window_days = r.getHospitalWindowDays();
      v.visits.hardship_window_days = r.getHardshipWindowDays();
      break;
    }
  }
  return v;
}

}  // namespace

void Policies::Apply(const EventContext& event) {
  if (!event.payload.isPolicyAdopted()) return;
  auto p = event.payload.getPolicyAdopted();
  auto kind = KindOf(p);
  if (!kind) return;
  ++changes_;
  auto& history = histories_.Mutable(PolicyKindName(*kind));
  PolicyVersion v = Decode(p, event.seq);
  auto at =
      std::upper_bound(history.versions.begin(), history.versions.end(), v,
                       [](const PolicyVersion& a, const PolicyVersion& b) {
                         return std::tie(a.effective_day, a.seq) < std::tie(b.effective_day, b.seq);
                       });
  history.versions.insert(at, std::move(v));
}

void Policies::Void(const EventContext& event) {
  if (!event.payload.isPolicyAdopted()) return;
  auto kind = KindOf(event.payload.getPolicyAdopted());
  if (!kind) return;
  ++changes_;
  auto& history = histories_.Mutable(PolicyKindName(*kind));
  std::erase_if(history.versions, [&](const PolicyVersion& v) { return v.seq == event.seq; });
}

const PolicyVersion* Policies::InForce(PolicyKind kind, int64_t day) const {
  const PolicyHistory* history = histories_.Find(PolicyKindName(kind));
  if (!history) return nullptr;
  const PolicyVersion* found = nullptr;
  for (const auto& v : history->versions) {
    if (v.effective_day > day) break;
    found = &v;
  }
  return found;
}

const PolicyVersion* Policies::InForceAt(PolicyKind kind, int64_t unix_ms) const {
  return InForce(kind, LocalDay(unix_ms, TimeZone::China()));
}

std::vector<PolicyVersion> Policies::History(PolicyKind kind) const {
  const PolicyHistory* history = histories_.Find(PolicyKindName(kind));
  return history ? history->versions : std::vector<PolicyVersion>{};
}

std::optional<AppliedRepairLimit> Policies::RepairLimit(const std::string& category,
                                                        int64_t requested_ms) const {
  const PolicyVersion* policy = InForceAt(PolicyKind::kRepairTimeLimits, requested_ms);
  if (!policy) return std::nullopt;
  for (const auto& rule : policy->repair_limits) {
    if (rule.category != category) continue;
    AppliedRepairLimit applied;
    applied.rule = rule;
    applied.policy_id = policy->policy_id;
    applied.policy_version = policy->version;
    applied.zone = policy->zone();
    int64_t deadline = requested_ms + static_cast<int64_t>(rule.hours) * kMillisPerHour;
    if (rule.next_morning_hour > 0) {
      // "Not overnight": by that hour on the local day after the request.
      int64_t next_morning = LocalDayStart(LocalDay(requested_ms, applied.zone) + 1, applied.zone,
                                           static_cast<int>(rule.next_morning_hour));
      deadline = rule.hours > 0 ? std::max(deadline, next_morning) : next_morning;
    }
    applied.deadline_ms = deadline;
    return applied;
  }
  return std::nullopt;
}

}  // namespace projections
