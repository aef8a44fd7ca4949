// Repairs (报修) and their time limits (水坏不过夜，电坏不过天): open, overdue and done repairs,
// the limit that applied to each, compliance by estate, company, category and month, and the
// follow-up satisfaction (回访).
//
// The limit is fixed when the request is applied, from the policy in force on the local day of
// the request, so that adopting a new policy later never rewrites last year's figures. A
// corrected request (a replacement) is applied afresh and takes the limit of its own category.

#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "projections/filter.h"
#include "projections/projection.h"
#include "projections/views/complaints.h"
#include "projections/views/day_tallies.h"
#include "projections/views/policies.h"
#include "projections/views/registers.h"
#include "schemas/view_repairs.capnp.h"

namespace projections {

enum class RepairStepKind { kDispatched = 1, kCompleted = 2 };

struct RepairStepRecord {
  uint64_t seq = 0;
  int kind = 0;  // RepairStepKind
  int64_t at = 0;
  std::string worker_id, company_id, note;
  template <class A>
  void Fields(A& a) {
    a(seq, kind, at, worker_id, company_id, note);
  }
};

struct RepairRecord {
  std::string id, estate_id, household_id, category, description, location;
  // Serving the estate on the local day of the request; if no contract covered that day, the
  // company named by the last dispatch that names one.
  std::string company_id;
  int channel = 0;  // schema::Channel
  int64_t requested_at = 0;
  uint64_t requested_seq = 0;           // 0 while only later steps are known, or once voided
  std::vector<RepairStepRecord> steps;  // in seq order
  std::vector<FollowUpRecord> follow_ups;
  // The time limit under the policy in force on the day of the request; deadline 0 = none set.
  int64_t deadline_ms = 0;
  std::string limit_policy_id;
  uint32_t limit_policy_version = 0;
  uint32_t limit_hours = 0;
  uint32_t limit_next_morning_hour = 0;
  // The contract company alone, kept so that company_id can be recomputed when a dispatch is
  // applied or voided.
  std::string contract_company_id;
  bool has_limit() const { return deadline_ms != 0; }
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, household_id, category, description, location, company_id, channel,
      requested_at, requested_seq, steps, follow_ups, deadline_ms, limit_policy_id,
      limit_policy_version, limit_hours, limit_next_morning_hour, contract_company_id);
  }
};

// What the steps add up to.
struct RepairState {
  int64_t dispatched_at = 0;
  int64_t completed_at = 0;  // the last completion
  bool completed() const { return completed_at != 0; }
  uint32_t completions = 0;
  std::string worker_id;              // the last dispatch's
  std::string dispatched_company_id;  // the last dispatch that names a company
};
RepairState Derive(const RepairRecord& repair);

// One repair as the views and reports show it, judged at `now_ms`.
void FillRepairItem(const RepairRecord& repair, const RepairState& state, int64_t now_ms,
                    ledger::schema::RepairItem::Builder item);

// Where a repair stands at instant `now_ms`, as shown: "open", "overdue", "done" (completed in
// time, or with no limit set) or "late" (completed after the deadline).
const char* RepairStatus(const RepairRecord& repair, const RepairState& state, int64_t now_ms);
// Completed at or before its deadline. False when no limit is set.
bool RepairMetLimit(const RepairRecord& repair, const RepairState& state);
// Not completed and past its deadline at `now_ms`. False when no limit is set.
bool RepairOverdue(const RepairRecord& repair, const RepairState& state, int64_t now_ms);

// Repairs counted against their time limits, as a compliance line: the repairs view's and the
// joint-meeting report's figures come from this one rule.
struct ComplianceTally {
  uint32_t total = 0, met = 0, late = 0, overdue = 0, pending = 0, no_limit = 0;
  void Add(const RepairRecord& repair, const RepairState& state, int64_t now_ms);
  // The repairs that count: met, late, or overdue; pending ones and those without a limit don't.
  uint32_t denominator() const { return met + late + overdue; }
  void Fill(const std::string& key, ledger::schema::RepairCompliance::Builder out) const;
};

class Repairs final : public Projection {
 public:
  Repairs(const Policies* policies, const Registers* registers)
      : policies_(policies), registers_(registers) {
    Register(&repairs_);
    Register(&days_);
    by_estate_ = repairs_.AddOrdering(EstateAndRequested, Places::kEveryRecord);
    by_estate_completed_ = repairs_.AddOrdering(EstateAndFirstCompleted, Places::kEveryRecord);
    by_completed_ = repairs_.AddOrdering(
        [](const RepairRecord& r) { return AcrossDistrict(EstateAndFirstCompleted(r)); },
        Places::kEveryRecord);
    in_district_ = repairs_.AddOrdering(
        [](const RepairRecord& r) { return AcrossDistrict(EstateAndRequested(r)); },
        Places::kEveryRecord);
  }
  const char* name() const override { return "repairs"; }
  // 9: requests and steps counted at most an hour before they were recorded (8: also ordered
  // across the district by request and first completion; 7: by estate and first completion; 6:
  // the tallies kept by estate and day, and by month; 5: tallied by day; 4: the orderings stored
  // beside the records).
  uint32_t version() const override { return 12; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // Totals, compliance by estate, company, category and month, satisfaction, and one page of
  // the repairs that match (requested in the filter's period), newest first, judged at `now_ms`.
  void Query(const Filter& filter, int64_t now_ms, ledger::schema::RepairsView::Builder out) const;
  // The repairs overdue at `now_ms` that match the filter (its status is ignored), oldest
  // request first: the list for the joint-meeting report.
  void Overdue(const Filter& filter, int64_t now_ms,
               ledger::schema::RepairsOverdue::Builder out) const;

  const Table<RepairRecord>& repairs() const { return repairs_; }
  // Repairs requested and follow-up calls made, by estate, local day and company, and by month
  // (day_tallies.h).
  const Table<RepairDay>& days() const { return days_; }
  // Whether this repair counts (requested, and matching the filter other than its status).
  static bool Counts(const RepairRecord& repair, const Filter& filter);
  // Calls visit(repair) for each repair that counts under the filter; one that names an estate
  // reads only that estate's repairs requested in its period.
  template <class Visit>
  void ForEachCounted(const Filter& filter, Visit visit) const {
    projections::ForEachCounted(repairs_, by_estate_, in_district_, filter, Counts, visit);
  }
  // Calls visit(repair) for each repair that counts under the filter and was not completed by
  // `now_ms` as far as its first completion tells: a few more may come (the caller judges each
  // at `now_ms`), none is left out. Only the repairs first completed after `now_ms` or never
  // are read (those of the filter's estate, if it names one), not the district's history. They
  // are streamed (Table::StreamInOrder): a visitor keeps copies or ids, never references.
  template <class Visit>
  void ForEachOpenAt(const Filter& filter, int64_t now_ms, Visit visit) const {
    int64_t from = now_ms >= kNeverCompleted ? kNeverCompleted : now_ms + 1;
    repairs_.StreamInOrder(filter.estate.empty() ? by_completed_ : by_estate_completed_,
                           filter.estate, from, kNeverCompleted + 1,
                           [&](const RepairRecord& repair) {
                             if (Counts(repair, filter)) visit(repair);
                           });
  }

 private:
  // company_id from the contract company, else the last dispatch's company.
  static void ResolveCompany(RepairRecord& repair);
  // Where a requested repair stands in the ordering by estate: at its request time.
  static std::optional<OrderKey> EstateAndRequested(const RepairRecord& repair);
  // Where a requested repair stands in the ordering by estate and first completion: at the
  // earliest time a completion step gives, or kNeverCompleted.
  static constexpr int64_t kNeverCompleted = std::numeric_limits<int64_t>::max() - 1;
  static std::optional<OrderKey> EstateAndFirstCompleted(const RepairRecord& repair);
  // The repair an event is about, if any: every step may change its share of the tallies (a
  // completion its class, a dispatch its company).
  static std::optional<std::string> TalliedRepair(ledger::schema::Payload::Reader p);
  // What a repair adds to the day tallies: nothing until it is requested.
  static DayShare<RepairDay> ShareOf(const RepairRecord* repair);
  void ApplyToRecord(const EventContext& event);
  void VoidInRecord(const EventContext& event);

  const Policies* policies_;
  const Registers* registers_;
  Table<RepairRecord> repairs_{"repairs"};
  Table<RepairDay> days_{"repair_days"};
  // Orderings of repairs_: by estate and request, by estate and first completion, and each of
  // them across the district.
  size_t by_estate_ = 0, by_estate_completed_ = 0, by_completed_ = 0, in_district_ = 0;
};

}  // namespace projections
