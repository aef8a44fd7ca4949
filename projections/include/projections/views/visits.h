// Home visits (走访入户) and the four must-visits (四必访): on major holidays, in hospital, on
// the resident's birthday, and when the family is in difficulty.
//
// Two kinds of obligation:
// - raised ones: a visitObligationRaised event (a hospital stay, a hardship report, or a holiday
//   or birthday raised by hand), window [the local day raised, dueBy];
// - yearly ones, computed at query time from the registers and the visit rules (they are not
//   events): for every household flagged on the day (retired cadre, elderly living alone,
//   hardship, disability), one per holiday of the visit rules in force that day, window
//   [holiday, holiday + holidayWindowDays], and one per resident's birthday, window
//   [birthday, birthday + birthdayWindowDays].
//
// An obligation is met by a visit to its household whose local day falls in its window and that
// either names the obligation's id, or names no obligation and gives the obligation's reason.
// At an instant `now` it is met (a visit by `now` met it), due (not met, window not closed) or
// missed (not met, window closed). Compliance = met / (met + missed): obligations still due are
// not counted yet.

#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/filter.h"
#include "projections/projection.h"
#include "projections/views/complaints.h"
#include "projections/views/policies.h"
#include "projections/views/registers.h"
#include "schemas/view_visits.capnp.h"

namespace projections {

// One homeVisitRecorded event.
struct VisitRecording {
  uint64_t seq = 0;
  int64_t at = 0;
  std::string household_id, team, note;
  std::vector<std::string> visitor_ids, services, obligation_ids;
  int reason = 0;  // schema::VisitReason
  template <class A>
  void Fields(A& a) {
    a(seq, at, household_id, team, note, visitor_ids, services, obligation_ids, reason);
  }
};

struct VisitRecord {
  std::string id;
  // The estate of its household as the registers say now: kept current as households are
  // registered (again), so that an estate's visits are one range of the store.
  std::string estate_id;
  // Every event recorded under this visit id, by seq; the last one stands. Kept apart so that
  // voiding one takes back exactly that one.
  std::vector<VisitRecording> recordings;
  std::vector<FollowUpRecord> follow_ups;  // 回访 of the visit, in seq order
  const VisitRecording* current() const {
    return recordings.empty() ? nullptr : &recordings.back();
  }
  template <class A>
  void Fields(A& a) {
    a(id, recordings, follow_ups, estate_id);
  }
};

// One visitObligationRaised event.
struct RaisedObligationRecording {
  uint64_t seq = 0;
  int64_t raised_at = 0;
  std::string household_id, due_by, note;
  int reason = 0;  // schema::VisitReason
  template <class A>
  void Fields(A& a) {
    a(seq, raised_at, household_id, due_by, note, reason);
  }
};

struct RaisedObligationRecord {
  std::string id;
  std::string estate_id;                              // of its household, as VisitRecord::estate_id
  std::vector<RaisedObligationRecording> recordings;  // by seq; the last one stands
  const RaisedObligationRecording* current() const {
    return recordings.empty() ? nullptr : &recordings.back();
  }
  template <class A>
  void Fields(A& a) {
    a(id, recordings, estate_id);
  }
};

enum class ObligationStatus { kMet, kDue, kMissed };
const char* ObligationStatusName(ObligationStatus status);
const char* VisitReasonName(int reason);

// One obligation as judged at an instant. Pointers point into the view's tables.
struct ObligationState {
  std::string id;
  bool yearly = false;
  int reason = 0;  // schema::VisitReason
  std::string household_id, estate_id, occasion;
  int64_t first_day = 0, last_day = 0;  // local days, inclusive
  TimeZone zone = TimeZone::China();
  std::string policy_id;
  uint32_t policy_version = 0;
  uint64_t raised_seq = 0;
  ObligationStatus status = ObligationStatus::kDue;
  const VisitRecord* met_by = nullptr;
  const VisitRecord* late = nullptr;
  std::string team;            // the team it counts for
  const char* team_from = "";  // "visit", "estateAppointment" or ""
  int64_t window_start_ms() const { return LocalDayStart(first_day, zone); }
  int64_t closes_at_ms() const { return LocalDayStart(last_day + 1, zone); }
};

// The order obligations are listed in: by the day their window opens, household and id.
bool ListedBefore(const ObligationState& a, const ObligationState& b);

struct VisitCompliance {
  uint32_t met = 0, missed = 0, due = 0;
  uint32_t denominator() const { return met + missed; }
  void Add(ObligationStatus status);
};

// [from_ms, to_ms): obligations whose window opens in it, visits made in it.
struct VisitPeriod {
  int64_t from_ms = 0, to_ms = 0;
};

class Visits final : public Projection {
 public:
  Visits(const Policies* policies, const Registers* registers)
      : policies_(policies), registers_(registers) {
    Register(&visits_);
    Register(&obligations_);
    by_household_ = visits_.AddOrdering(HouseholdAndTime);
    by_time_ = visits_.AddOrdering(TimeOnly);
    by_household_raised_ = obligations_.AddOrdering(HouseholdAndRaised);
    by_estate_ = visits_.AddOrdering(EstateAndTime);
    by_estate_raised_ = obligations_.AddOrdering(EstateAndRaised);
  }
  const char* name() const override { return "visits"; }
  // 6: a visit and a raised obligation dated at most a week before they were recorded (5: visits
  // and raised obligations are also ordered by their household's estate; 4: raised
  // obligations ordered by household; 3: orderings stored beside the records; 2: their first
  // layout).
  uint32_t version() const override { return 6; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // Visits in the filter's period (the local year of `now_ms` if none) matching estate and
  // household; the obligations whose window opens in the period with their status at `now_ms`;
  // compliance overall, per estate and per team. `f.status` (met, due, missed) narrows only the
  // obligation list, never the counts. Paging (offset, limit) applies to both lists.
  void Query(const Filter& f, int64_t now_ms, ledger::schema::VisitsView::Builder out) const;

  // One household: its flags, every visit to it, and its obligations in the filter's period (if
  // none, from the start of the local year of its earliest record to the end of the year of
  // `now_ms`) with their status at `now_ms`.
  void Household(const std::string& household_id, const Filter& f, int64_t now_ms,
                 ledger::schema::HouseholdVisits::Builder out) const;

  // Calls judged(o) for each obligation whose window opens in `period`, for households matching
  // `f.estate` and `f.household`, judged at `now_ms`, in no particular order. `o` lives for the
  // call only: a reader that counts them and keeps a page holds the page, not the district's
  // tens of thousands of obligations a year.
  void ForEachObligation(const Filter& f, VisitPeriod period, int64_t now_ms,
                         std::vector<std::string>* notes,
                         const std::function<void(const ObligationState&)>& judged) const;
  // The same obligations, ordered by window, household and id.
  std::vector<ObligationState> Evaluate(const Filter& f, VisitPeriod period, int64_t now_ms,
                                        std::vector<std::string>* notes = nullptr) const;
  // The filter's period, or the local year of `now_ms` when it sets none.
  VisitPeriod PeriodOf(const Filter& f, int64_t now_ms) const;

  // The visits to a household, in the order they were made (ties by id).
  std::vector<const VisitRecord*> VisitsTo(std::string_view household_id) const;
  // The visits to each of `households` made in [from_ms, to_ms], in that order: one list per
  // household, read in one pass.
  std::vector<std::vector<const VisitRecord*>> VisitsTo(
      std::span<const std::string_view> households, int64_t from_ms, int64_t to_ms) const;

  // Calls visit(record) for the raised obligations of the households matching `f.household`
  // and `f.estate` that were raised at or after `from_ms`, by when raised: the only ones whose
  // window may open then or later, as a window opens no later than the day the obligation was
  // raised.
  void ForEachRaisedFrom(const Filter& f, int64_t from_ms,
                         const std::function<void(const RaisedObligationRecord&)>& visit) const;

  const Table<VisitRecord>& visits() const { return visits_; }
  const Table<RaisedObligationRecord>& raised_obligations() const { return obligations_; }

 private:
  TimeZone ZoneOn(int64_t unix_ms) const;
  // Where a visit stands in the orderings: under its household, and under "", by when made.
  static std::optional<OrderKey> HouseholdAndTime(const VisitRecord& visit);
  static std::optional<OrderKey> TimeOnly(const VisitRecord& visit);
  static std::optional<OrderKey> HouseholdAndRaised(const RaisedObligationRecord& record);
  // Under its household's estate, by when made or raised; none while the estate is unknown.
  static std::optional<OrderKey> EstateAndTime(const VisitRecord& visit);
  static std::optional<OrderKey> EstateAndRaised(const RaisedObligationRecord& record);
  // Moves the visits and raised obligations of a household to the estate the registers now
  // give it: called after every event that may change a household's estate.
  void FollowHousehold(const std::string& household_id);

  const Policies* policies_;
  const Registers* registers_;
  Table<VisitRecord> visits_{"visits"};                       // by visit id
  Table<RaisedObligationRecord> obligations_{"obligations"};  // by obligation id
  size_t by_household_ = 0, by_time_ = 0;                     // orderings of visits_
  size_t by_estate_ = 0;                                      // an ordering of visits_
  size_t by_household_raised_ = 0, by_estate_raised_ = 0;     // orderings of obligations_
};

}  // namespace projections
