// Days and times as the simulated district lives them: local to Asia/Shanghai, in milliseconds
// since the epoch, and days counted from 1970-01-01.

#pragma once

#include <cstdint>
#include <string>

#include "projections/calendar.h"

namespace simulate::internal {

using projections::kMillisPerDay;
using projections::kMillisPerHour;
using projections::kMillisPerMinute;

constexpr projections::TimeZone kZone =
    projections::TimeZone::China();  // Asia/Shanghai: every rule here is local
constexpr int64_t kSecond = 1000;

inline int64_t LocalMs(int64_t day, int hour, int minute = 0) {
  return projections::LocalDayStart(day, kZone) + hour * kMillisPerHour + minute * kMillisPerMinute;
}
inline int64_t DayOf(int64_t ms) { return projections::LocalDay(ms, kZone); }
inline std::string DayText(int64_t day) { return projections::FormatDay(day); }
inline int64_t Civil(int year, int month, int day) {
  return projections::DaysFromCivil({year, month, day});
}
// 0 = Sunday; 1970-01-01 was a Thursday.
inline int Weekday(int64_t day) { return static_cast<int>(((day % 7) + 7 + 4) % 7); }
inline int64_t Hours(double h) { return static_cast<int64_t>(h * kMillisPerHour); }
inline int64_t Minutes(double m) { return static_cast<int64_t>(m * kMillisPerMinute); }

inline std::string Pad(uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

}  // namespace simulate::internal
