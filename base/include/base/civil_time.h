// The one calendar: days, local times and time zones, for rules stated in local terms ("not
// overnight", "within the day", "visit within seven days of the holiday"), for the calendar days
// events carry ("YYYY-MM-DD"), and for RFC 3339 times in JSON.
//
// Days are proleptic Gregorian (H. Hinnant's algorithms). The range of years is 0000 to 9999,
// the years four digits write: ParseDay (and so the ledger's IsCalendarDate) and codec's RFC 3339
// parsing refuse anything else, and a time outside it has no RFC 3339 form. (Stricter rules of the
// domain, such as the ledger refusing recorded days before 1900, are stated where they apply.)
//
// Governance rules here are stated in China Standard Time, which has had no daylight saving
// since 1991, so a zone is a fixed offset. Named zones are looked up in a small table of
// fixed-offset zones; anything else is refused rather than guessed. A zone is always named by
// its caller (TimeZone::China(), an estate policy's zone): there is no default one.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace base {

constexpr int64_t kMillisPerMinute = 60'000;
constexpr int64_t kMillisPerHour = 3'600'000;
constexpr int64_t kMillisPerDay = 86'400'000;

// A span of milliseconds in hours, as views and reports give durations.
constexpr double Hours(int64_t ms) {
  return static_cast<double>(ms) / static_cast<double>(kMillisPerHour);
}

// The years a civil day may fall in (see above).
constexpr int kFirstYear = 0;
constexpr int kLastYear = 9999;

// A fixed offset from UTC. No default: every caller says which zone it means.
class TimeZone {
 public:
  // China Standard Time, +08:00 (Asia/Shanghai): the zone governance rules are stated in.
  static constexpr TimeZone China() { return TimeZone(480); }
  static constexpr TimeZone Utc() { return TimeZone(0); }
  // A zone `minutes` east of UTC (negative: west), as a policy's zone is stored.
  static constexpr TimeZone FromOffsetMinutes(int minutes) { return TimeZone(minutes); }
  // "Asia/Shanghai", "UTC", "+08:00", "-05:30", or empty (Asia/Shanghai, as a policy that names
  // no zone means); nullopt for anything else.
  static std::optional<TimeZone> Named(std::string_view name);

  // Minutes east of UTC.
  constexpr int offset_minutes() const { return offset_minutes_; }
  friend bool operator==(const TimeZone&, const TimeZone&) = default;

 private:
  constexpr explicit TimeZone(int offset_minutes) : offset_minutes_(offset_minutes) {}
  int offset_minutes_;
};

struct CivilDay {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend bool operator==(const CivilDay&, const CivilDay&) = default;
};

// Days since 1970-01-01 of a proleptic Gregorian day, and back.
int64_t DaysFromCivil(CivilDay day);
CivilDay CivilFromDays(int64_t days);

// Whether `year` is a leap year, and the days in a month (1-12) of it.
constexpr bool IsLeapYear(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}
int DaysInMonth(int64_t year, int month);

// "YYYY-MM-DD" to days since the epoch; nullopt if not a real day (of kFirstYear..kLastYear,
// which four digits cannot leave).
std::optional<int64_t> ParseDay(std::string_view text);
// Days since the epoch to "YYYY-MM-DD".
std::string FormatDay(int64_t days);

// The local day (days since the epoch) on which `unix_ms` falls in `zone`.
int64_t LocalDay(int64_t unix_ms, TimeZone zone);
// The local year (e.g. 2025) in which `unix_ms` falls.
int LocalYear(int64_t unix_ms, TimeZone zone);
// "YYYY-MM" of the local month in which `unix_ms` falls.
std::string LocalMonth(int64_t unix_ms, TimeZone zone);
// The instant at which local day `days` begins, plus `hour` hours.
int64_t LocalDayStart(int64_t days, TimeZone zone, int hour = 0);

}  // namespace base
