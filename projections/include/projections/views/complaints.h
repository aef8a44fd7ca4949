// Complaints (投诉) through every opinion channel: their lifecycle, how long each step took, the
// public reply board of an estate (答复板), and the follow-up satisfaction (回访).

#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "projections/filter.h"
#include "projections/projection.h"
#include "projections/views/day_tallies.h"
#include "projections/views/registers.h"
#include "schemas/view_complaints.capnp.h"

namespace projections {

struct ComplaintStepRecord {
  uint64_t seq = 0;
  int kind = 0;  // ComplaintStepKind
  int64_t at = 0;
  std::string text;
  template <class A>
  void Fields(A& a) {
    a(seq, kind, at, text);
  }
};

struct FollowUpRecord {
  uint64_t seq = 0;
  int64_t at = 0;
  int satisfaction = 0;  // schema::Satisfaction
  std::string comment;
  template <class A>
  void Fields(A& a) {
    a(seq, at, satisfaction, comment);
  }
};

// Adds `call` to `calls`, kept in seq order: a correction's replacement is applied after the
// calls recorded since its original, and takes the original's place, so that the last call is
// the one recorded last.
inline void AddFollowUp(std::vector<FollowUpRecord>* calls, FollowUpRecord call) {
  auto place =
      std::upper_bound(calls->begin(), calls->end(), call.seq,
                       [](uint64_t seq, const FollowUpRecord& other) { return seq < other.seq; });
  calls->insert(place, std::move(call));
}

struct ComplaintRecord {
  std::string id, estate_id, household_id, company_id, category, summary;
  int channel = 0;  // schema::Channel
  int64_t filed_at = 0;
  uint64_t filed_seq = 0;                  // 0 while only later steps are known
  std::vector<ComplaintStepRecord> steps;  // in seq order
  std::vector<FollowUpRecord> follow_ups;
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, household_id, company_id, category, summary, channel, filed_at, filed_seq,
      steps, follow_ups);
  }
};

enum class ComplaintStepKind { kAcknowledged = 1, kReplied, kResolved, kReopened, kEscalated };

// What the steps add up to.
struct ComplaintState {
  const char* status = "filed";
  int64_t acknowledged_at = 0, replied_at = 0, resolved_at = 0;
  uint32_t reopened = 0;
  bool escalated = false;
  bool resolved() const { return resolved_at != 0; }
};
ComplaintState Derive(const ComplaintRecord& complaint);

class Complaints final : public Projection {
 public:
  explicit Complaints(const Registers* registers) : registers_(registers) {
    Register(&complaints_);
    Register(&days_);
    by_estate_ = complaints_.AddOrdering(EstateAndFiled, Places::kEveryRecord);
    in_district_ = complaints_.AddOrdering(
        [](const ComplaintRecord& c) { return AcrossDistrict(EstateAndFiled(c)); },
        Places::kEveryRecord);
  }
  const char* name() const override { return "complaints"; }
  // 7: filings and steps counted at most an hour before they were recorded (6: ordered across
  // the district by filing; 5: the tallies kept by estate and day, and by month; 4: tallied by
  // day; 3: the orderings stored beside the records).
  uint32_t version() const override { return 9; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // Counts, timings and one page of the complaints that match (filed in the filter's period).
  void Query(const Filter& filter, ledger::schema::ComplaintsView::Builder out) const;
  // The replies given to an estate's complaints, in order, optionally within a period.
  void ReplyBoard(const Filter& filter, ledger::schema::ReplyBoard::Builder out) const;

  const Table<ComplaintRecord>& complaints() const { return complaints_; }
  // Complaints filed and follow-up calls made, by estate, local day and company, and by month
  // (day_tallies.h).
  const Table<ComplaintDay>& days() const { return days_; }
  // Whether this complaint counts (filed, and matching the filter).
  static bool Counts(const ComplaintRecord& c, const Filter& filter);
  // Calls visit(complaint) for each complaint that counts under the filter; one that names an
  // estate reads only that estate's complaints filed in its period.
  template <class Visit>
  void ForEachCounted(const Filter& filter, Visit visit) const {
    projections::ForEachCounted(complaints_, by_estate_, in_district_, filter, Counts, visit);
  }

 private:
  // Where a filed complaint stands in the ordering by estate: at its filing time.
  static std::optional<OrderKey> EstateAndFiled(const ComplaintRecord& c);
  // The complaint whose share of the day tallies the event may change, if any.
  static std::optional<std::string> TalliedComplaint(ledger::schema::Payload::Reader p);
  // What a complaint adds to the day tallies: nothing until it is filed.
  static DayShare<ComplaintDay> ShareOf(const ComplaintRecord* c);
  void ApplyToRecord(const EventContext& event);
  void VoidInRecord(const EventContext& event);

  const Registers* registers_;
  Table<ComplaintRecord> complaints_{"complaints"};
  Table<ComplaintDay> days_{"complaint_days"};
  size_t by_estate_ = 0;    // an ordering of complaints_ by estate and filing
  size_t in_district_ = 0;  // of complaints_ by filing across the district
};

const char* ChannelName(int channel);
const char* SatisfactionName(int satisfaction);

// One complaint as a list item, as the complaints view and the joint meeting report list it.
void FillComplaintItem(const ComplaintRecord& c, const ComplaintState& s,
                       ledger::schema::ComplaintItem::Builder item);
// Count, mean and median of `hours` (left at zero when there are none).
void FillTiming(std::vector<double> hours, ledger::schema::Timing::Builder out);

}  // namespace projections
