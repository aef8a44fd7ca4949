// Day tallies: counts that views keep as events arrive, by local day, estate and company, so
// that a yearly report reads a year's months instead of every record behind them.
//
// Each count is kept twice in its table: under its estate and day, so that one estate's period
// is one range of keys; and under its month, so that a year of the whole district is one range
// of twelve months' keys. A report reads the months, and a few days of one estate where a
// period starts or ends within a month.
//
// A view that keeps a tally takes the share of a record in it before an event changes the
// record and after, and moves the difference (MoveShare), in the day and in its month: a
// correction that voids or replaces an event moves its record's share like any other change. A
// key whose counts fall to zero is erased, so that the tallies built live equal the tallies of a
// rebuild, record for record.
//
// Days are local days in China Standard Time, the zone the views already use to attribute a
// complaint or repair to the company serving its estate that day. A report whose policy counts
// days in another zone reads the records instead.

#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/calendar.h"
#include "projections/table.h"

namespace projections {

// The zone of the tallies' days.
inline TimeZone TallyZone() { return TimeZone::China(); }

// A day's key: the estate, the day (fixed width, in order), then the company, so that one
// estate's period is one range of keys. Keys are text, as the store's record keys must be.
std::string DayTallyKey(int64_t day, std::string_view estate, std::string_view company);
// The first key of `estate` on `day`: [EstateDayStart(e, a), EstateDayStart(e, b)) holds the
// estate's days a to b - 1.
std::string EstateDayStart(std::string_view estate, int64_t day);

// A month's key: the month (fixed width, in order), the estate, then the company, so that a
// district's months are one range of keys. Months are counted from January of year 0
// (MonthOfDay); every month key sorts after every day key.
std::string MonthTallyKey(int64_t month, std::string_view estate, std::string_view company);
// The first key of `month`: [MonthStart(a), MonthStart(b)) holds the months a to b - 1.
std::string MonthStart(int64_t month);

// The month of a day, and a month's first and last days.
int64_t MonthOfDay(int64_t day);
int64_t FirstDayOfMonth(int64_t month);
int64_t LastDayOfMonth(int64_t month);

struct TallyKeyParts {
  bool month = false;                // a month's key, else a day's
  int64_t day = 0;                   // or the month, for a month's key
  std::string_view estate, company;  // within the key parsed
};
// The parts of a key DayTallyKey or MonthTallyKey made; nullopt for any other text.
std::optional<TallyKeyParts> ParseTallyKey(std::string_view key);

// Answers by satisfaction (schema::Satisfaction), anything else counted as unanswered.
struct SatisfactionCounts {
  uint32_t unanswered = 0, satisfied = 0, basically = 0, dissatisfied = 0;
  void Add(int satisfaction, int sign = 1);
  void Add(const SatisfactionCounts& o, int sign = 1);
  bool empty() const { return !unanswered && !satisfied && !basically && !dissatisfied; }
  bool operator==(const SatisfactionCounts&) const = default;
  template <class A>
  void Fields(A& a) {
    a(unanswered, satisfied, basically, dissatisfied);
  }
};

// Complaints filed on the day, and follow-up calls made on it about complaints, by the estate
// and company the complaint is attributed to.
struct ComplaintDay {
  uint32_t filed = 0;
  SatisfactionCounts follow_ups;
  void Add(const ComplaintDay& o, int sign);
  bool empty() const { return !filed && follow_ups.empty(); }
  bool operator==(const ComplaintDay&) const = default;
  template <class A>
  void Fields(A& a) {
    a(filed, follow_ups);
  }
};

// Repairs requested on the day, by how they kept their time limit: a completed repair is on
// time or late for good; an open one is overdue from its deadline on, so it is counted by its
// deadline's instant (a year under way judges it at the instant asked, not at the year's end).
// And follow-up calls made on the day about repairs.
struct RepairDay {
  struct Open {
    int64_t deadline_ms = 0;
    uint32_t count = 0;
    bool operator==(const Open&) const = default;
    template <class A>
    void Fields(A& a) {
      a(deadline_ms, count);
    }
  };
  uint32_t on_time = 0, late = 0, no_limit = 0;
  std::vector<Open> open;  // by deadline_ms, none with a zero count
  SatisfactionCounts follow_ups;
  void Add(const RepairDay& o, int sign);
  bool requested() const { return on_time || late || no_limit || !open.empty(); }
  bool empty() const { return !requested() && follow_ups.empty(); }
  bool operator==(const RepairDay&) const = default;
  template <class A>
  void Fields(A& a) {
    a(on_time, late, no_limit, open, follow_ups);
  }
};

// Survey responses given on the day in the estate, by the company they name ("" for none:
// the company serving the estate that day is found when they are counted).
struct SurveyDay {
  uint32_t responses = 0;
  uint32_t anonymous = 0;  // of the responses, those collected anonymously
  SatisfactionCounts answers;
  void Add(const SurveyDay& o, int sign);
  bool empty() const { return !responses && !anonymous && answers.empty(); }
  bool operator==(const SurveyDay&) const = default;
  template <class A>
  void Fields(A& a) {
    a(responses, anonymous, answers);
  }
};

// A record's share of a tally: the counts it adds to each day's key.
template <class Day>
using DayShare = std::vector<std::pair<std::string, Day>>;

// Adds `counts` × sign to the record under `key` in `table`, erasing it if left empty.
template <class Day>
void MoveCounts(const std::string& key, const Day& counts, int sign, Table<Day>* table) {
  Day& day = table->Mutable(key);
  day.Add(counts, sign);
  if (day.empty()) table->Erase(key);
}

// Moves a record's share in `table` from `before` to `after` (each as its share function made
// it from the record, under day keys): subtracts the one, adds the other, in the days and in
// their months, erasing the keys left empty.
template <class Day>
void MoveShare(const DayShare<Day>& before, const DayShare<Day>& after, Table<Day>* table) {
  if (before == after) return;
  for (int sign : {-1, 1}) {
    for (const auto& [key, counts] : sign < 0 ? before : after) {
      MoveCounts(key, counts, sign, table);
      std::optional<TallyKeyParts> at = ParseTallyKey(key);
      if (at && !at->month) {
        MoveCounts(MonthTallyKey(MonthOfDay(at->day), at->estate, at->company), counts, sign,
                   table);
      }
    }
  }
}

// Calls change(), which changes the record under `key` in `records`, and moves that record's
// share of `days` (as `share` makes it) from what it was before to what it is after.
template <class Record, class Day, class Change>
void ChangeMovingShare(const Table<Record>& records, std::string_view key,
                       DayShare<Day> (*share)(const Record*), Table<Day>* days, Change change) {
  DayShare<Day> before = share(records.Find(key));
  change();
  MoveShare(before, share(records.Find(key)), days);
}

// Adds to `share`, for each local year, the last follow-up call of that year among `calls` (in
// seq order, each with .at and .satisfaction), on its day, for the estate and company of the
// record called about. A subject's satisfaction in a year is its last answer of the year: ten
// dissatisfied calls about one repair weighed as ten repairs, and a call in January does not
// change the year before.
template <class Day, class Calls>
void AddFollowUpCalls(const Calls& calls, std::string_view estate, std::string_view company,
                      DayShare<Day>* share) {
  std::vector<int> years;  // seen, from the last call back
  for (auto call = calls.rbegin(); call != calls.rend(); ++call) {
    int year = LocalYear(call->at, TallyZone());
    if (std::find(years.begin(), years.end(), year) != years.end()) continue;
    years.push_back(year);
    Day day;
    day.follow_ups.Add(call->satisfaction);
    share->emplace_back(DayTallyKey(LocalDay(call->at, TallyZone()), estate, company), day);
  }
}

}  // namespace projections
