// Joint meetings (联席会议) and their resolutions: who attended for which side, what was on the
// agenda (pointing at complaints and repairs), what was decided, who is responsible and by when,
// and how the follow-up went. The report for the next meeting lists the resolutions still open
// and those overdue since the last meeting.
//
// Everything that depends on "now" (open, overdue, the percent reached) takes the instant as a
// parameter and looks only at steps that had happened by then, so a report for an earlier day
// can be recomputed. Days are local days in Asia/Shanghai: a resolution due on D is overdue from
// the start of D + 1.

#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/filter.h"
#include "projections/projection.h"
#include "schemas/view_meetings.capnp.h"

namespace projections {

struct MeetingAttendeeRecord {
  std::string person_id, name;
  int side = 0;  // schema::Side
  template <class A>
  void Fields(A& a) {
    a(person_id, name, side);
  }
};

struct MeetingAgendaRecord {
  std::string title;
  std::vector<std::string> complaint_ids, repair_ids;
  template <class A>
  void Fields(A& a) {
    a(title, complaint_ids, repair_ids);
  }
};

struct MeetingRecord {
  std::string id, estate_id, held_on, place, minutes;
  int64_t held_day = 0;  // days since the epoch
  std::vector<MeetingAttendeeRecord> attendees;
  std::vector<MeetingAgendaRecord> agenda;
  uint64_t seq = 0;  // the jointMeetingHeld event
  template <class A>
  void Fields(A& a) {
    a(id, estate_id, held_on, place, minutes, held_day, attendees, agenda, seq);
  }
};

struct ResolutionStepRecord {
  uint64_t seq = 0;
  int64_t at = 0;  // occurredAt
  std::string note;
  uint32_t percent = 0;
  bool completed = false;  // resolutionCompleted rather than resolutionProgressed
  template <class A>
  void Fields(A& a) {
    a(seq, at, note, percent, completed);
  }
};

struct ResolutionRecord {
  std::string id, meeting_id;
  std::string estate_id;  // as the event gave it; may be empty (then the meeting's)
  std::string text, owner_id, due_date;
  int owner_side = 0;  // schema::Side
  std::optional<int64_t> due_day;
  int64_t adopted_at = 0;
  uint64_t adopted_seq = 0;                 // 0 while only later steps are known, or once voided
  std::vector<ResolutionStepRecord> steps;  // in seq order
  template <class A>
  void Fields(A& a) {
    a(id, meeting_id, estate_id, text, owner_id, due_date, owner_side, due_day, adopted_at,
      adopted_seq, steps);
  }
};

// Where a resolution stands at an instant.
struct ResolutionState {
  const char* status = "open";  // "notYetAdopted", "open", "overdue", "completed"
  bool adopted = false;         // adopted at or before the instant
  uint32_t percent = 0;         // the last progress reported by then; 100 once completed
  int64_t completed_at = 0;     // the first completion by then
  uint64_t completed_seq = 0;
  int64_t overdue_from = 0;  // start of the local day after the due date; 0 without one
  uint32_t days_overdue = 0;
  bool open() const { return adopted && completed_seq == 0; }
  bool overdue() const { return open() && overdue_from != 0 && days_overdue > 0; }
};
ResolutionState Derive(const ResolutionRecord& resolution, int64_t now_ms, TimeZone zone);

// The meeting a report looks back to.
struct MeetingSummary {
  std::string meeting_id, estate_id, held_on;
  int64_t held_day = 0;
  uint64_t seq = 0;
  // The end of the meeting's local day: what it decided and what was overdue at it is behind
  // this instant, so it is the natural `since` for OpenResolutions.
  int64_t day_end_ms = 0;
};

class Meetings final : public Projection {
 public:
  // Reads no other view: a meeting is what its own events say.
  Meetings() {
    Register(&meetings_);
    Register(&resolutions_);
    meetings_by_estate_ = meetings_.AddOrdering(EstateAndDayOf);
    resolutions_by_estate_ = resolutions_.AddOrdering(OwnEstateOf);
    resolutions_by_meeting_ = resolutions_.AddOrdering(MeetingOf);
  }
  const char* name() const override { return "meetings"; }
  // 2: meetings ordered by estate and day, resolutions by their own estate or their meeting.
  uint32_t version() const override { return 2; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // The meetings of `f.estate` (any, if empty) held on a day that starts in the filter's period,
  // with attendance by side and agenda; the resolutions adopted at them (narrowed by `f.status`:
  // open, overdue, completed); and the estate's resolutions open at `now_ms`, whenever adopted.
  // `f.offset` and `f.limit` page the meetings and the resolutions alike.
  void Query(const Filter& f, int64_t now_ms, ledger::schema::MeetingsView::Builder out) const;

  // The resolutions of `estate_id` open at `now_ms`, each marked overdue or not, and whether it
  // became overdue at or after `since_ms` (the joint-meeting report's "overdue since the last
  // meeting": pass LastMeetingBefore(...)->day_end_ms).
  void OpenResolutions(const std::string& estate_id, int64_t since_ms, int64_t now_ms,
                       ledger::schema::OpenResolutions::Builder out) const;

  // The last meeting of `estate_id` held on a local day before the day of `instant_ms`.
  std::optional<MeetingSummary> LastMeetingBefore(const std::string& estate_id,
                                                  int64_t instant_ms) const;

  // The estate a resolution belongs to: its own, else its meeting's.
  std::string EstateOf(const ResolutionRecord& resolution) const;

  const Table<MeetingRecord>& meetings() const { return meetings_; }
  const Table<ResolutionRecord>& resolutions() const { return resolutions_; }

 private:
  static std::optional<OrderKey> EstateAndDayOf(const MeetingRecord& meeting);
  static std::optional<OrderKey> OwnEstateOf(const ResolutionRecord& resolution);
  static std::optional<OrderKey> MeetingOf(const ResolutionRecord& resolution);
  // Calls visit(meeting) for the meetings of `estate_id` held on days [from_day, to_day).
  template <class Visit>
  void ForEachMeetingOf(const std::string& estate_id, int64_t from_day, int64_t to_day,
                        Visit visit) const {
    meetings_.ForEachInOrder(meetings_by_estate_, estate_id, from_day, to_day, visit);
  }
  // Calls visit(resolution) for every resolution of `estate_id` (EstateOf), in no particular
  // order: those naming it, then those naming no estate adopted at one of its meetings.
  template <class Visit>
  void ForEachResolutionOf(const std::string& estate_id, Visit visit) const {
    constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
    resolutions_.ForEachInOrder(resolutions_by_estate_, estate_id, -kAll, kAll, visit);
    ForEachMeetingOf(estate_id, -kAll, kAll, [&](const MeetingRecord& m) {
      resolutions_.ForEachInOrder(resolutions_by_meeting_, m.id, -kAll, kAll, visit);
    });
  }

  void FillResolution(const ResolutionRecord& r, const ResolutionState& s, int64_t since_ms,
                      ledger::schema::ResolutionItem::Builder out) const;

  // Kept for the constructor signature every view shares; meetings need neither: days are
  // Asia/Shanghai days like the rest of the ledger's day-based figures.
  Table<MeetingRecord> meetings_{"meetings"};
  Table<ResolutionRecord> resolutions_{"resolutions"};
  size_t meetings_by_estate_ = 0;      // an ordering of meetings_ by estate and day held
  size_t resolutions_by_estate_ = 0;   // of resolutions_ naming an estate, by it
  size_t resolutions_by_meeting_ = 0;  // of resolutions_ naming none, by meeting
};

const char* SideName(int side);

}  // namespace projections
