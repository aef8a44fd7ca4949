// Days, local times and time zones, for rules stated in local terms ("not overnight",
// "within the day", "visit within seven days of the holiday").
//
// Governance rules here are stated in China Standard Time, which has had no daylight saving
// since 1991, so a zone is a fixed offset. Named zones are looked up in a small table of
// fixed-offset zones; anything else is refused rather than guessed.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace projections {

constexpr int64_t kMillisPerMinute = 60'000;
constexpr int64_t kMillisPerHour = 3'600'000;
constexpr int64_t kMillisPerDay = 86'400'000;

// A span of milliseconds in hours, as views and reports give durations.
constexpr double Hours(int64_t ms) {
  return static_cast<double>(ms) / static_cast<double>(kMillisPerHour);
}

struct TimeZone {
  int offset_minutes = 480;  // east of UTC; Asia/Shanghai by default
  // "Asia/Shanghai", "UTC", "+08:00", "-05:30", or empty (Asia/Shanghai).
  static std::optional<TimeZone> Named(std::string_view name);
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

// "YYYY-MM-DD" to days since the epoch; nullopt if not a real day.
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

}  // namespace projections
