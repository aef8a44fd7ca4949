// Policies: every adopted version of every rule set, and which one is in force on a given day.
//
// Rules are data (DOMAIN.md: "the limits are policy, not code"): repair time limits, rating
// weights and cut-offs, time-bank rules and visit rules each come from a `policyAdopted` event
// with an effective day. A figure for last year uses the version in force last year. When no
// version is in force, the accessors say so (nullopt) and the views leave that figure out
// rather than invent a rule.

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/projection.h"

namespace projections {

enum class PolicyKind : uint8_t { kRepairTimeLimits = 0, kRating = 1, kTimeBank = 2, kVisits = 3 };
const char* PolicyKindName(PolicyKind kind);

struct RepairLimitRule {
  std::string category;
  uint32_t hours = 0;
  uint32_t next_morning_hour = 0;
  template <class A>
  void Fields(A& a) {
    a(category, hours, next_morning_hour);
  }
};

struct RatingRule {
  double w_inspection = 0, w_document_review = 0, w_complaint_rate = 0, w_repair_compliance = 0,
         w_follow_up = 0, w_survey = 0;
  std::vector<double> star_thresholds;  // minimum score for 1..5 stars
  double red_list_min_score = 0;
  double black_list_max_score = 0;
  double complaint_rate_ceiling = 0;
  template <class A>
  void Fields(A& a) {
    a(w_inspection, w_document_review, w_complaint_rate, w_repair_compliance, w_follow_up, w_survey,
      star_thresholds, red_list_min_score, black_list_max_score, complaint_rate_ceiling);
  }
};

struct TimeBankRule {
  uint32_t points_per_hour_centi = 0;
  bool allow_negative = false;
  int64_t overdraft_limit_centi = 0;
  template <class A>
  void Fields(A& a) {
    a(points_per_hour_centi, allow_negative, overdraft_limit_centi);
  }
};

struct Holiday {
  std::string name;
  std::string month_day;  // "MM-DD"
  template <class A>
  void Fields(A& a) {
    a(name, month_day);
  }
};

struct VisitRule {
  std::vector<Holiday> holidays;
  uint32_t holiday_window_days = 0;
  uint32_t birthday_window_days = 0;
  uint32_t hospital_window_days = 0;
  uint32_t hardship_window_days = 0;
  template <class A>
  void Fields(A& a) {
    a(holidays, holiday_window_days, birthday_window_days, hospital_window_days,
      hardship_window_days);
  }
};

// One adopted version of one rule set.
struct PolicyVersion {
  std::string policy_id;
  uint32_t version = 0;
  int64_t effective_day = 0;  // days since the epoch
  int32_t tz_offset_minutes = TimeZone::China().offset_minutes();
  uint64_t seq = 0;  // the policyAdopted event
  std::vector<RepairLimitRule> repair_limits;
  RatingRule rating;
  TimeBankRule time_bank;
  VisitRule visits;
  TimeZone zone() const { return TimeZone::FromOffsetMinutes(tz_offset_minutes); }
  template <class A>
  void Fields(A& a) {
    a(policy_id, version, effective_day, tz_offset_minutes, seq, repair_limits, rating, time_bank,
      visits);
  }
};

struct PolicyHistory {
  std::vector<PolicyVersion> versions;  // by effective day, then by seq
  template <class A>
  void Fields(A& a) {
    a(versions);
  }
};

// The limit that applies to one repair.
struct AppliedRepairLimit {
  RepairLimitRule rule;
  std::string policy_id;
  uint32_t policy_version = 0;
  TimeZone zone = TimeZone::China();
  int64_t deadline_ms = 0;  // complete at or before this instant to comply
};

class Policies final : public Projection {
 public:
  Policies() { Register(&histories_); }
  const char* name() const override { return "policies"; }
  uint32_t version() const override { return 1; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // The version of `kind` in force on local day `day` (the latest effective on or before it;
  // of two effective the same day, the later adopted), or nullptr.
  const PolicyVersion* InForce(PolicyKind kind, int64_t day) const;
  // As InForce, on the day `unix_ms` falls in Asia/Shanghai.
  const PolicyVersion* InForceAt(PolicyKind kind, int64_t unix_ms) const;
  // Every version of `kind`, in order.
  std::vector<PolicyVersion> History(PolicyKind kind) const;
  // How many adoptions were applied or voided: a view that keeps figures derived from the
  // policies (the time bank's totals) knows by it whether they still stand.
  uint64_t changes() const { return changes_; }

  // The time limit for a repair of `category` requested at `requested_ms`, under the policy in
  // force that day; nullopt if no policy sets one for the category.
  std::optional<AppliedRepairLimit> RepairLimit(const std::string& category,
                                                int64_t requested_ms) const;

 private:
  Table<PolicyHistory> histories_{"histories"};
  uint64_t changes_ = 0;  // written under the views' exclusive lock, read under it shared
};

}  // namespace projections
