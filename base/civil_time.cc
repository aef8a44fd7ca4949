#include "base/civil_time.h"

#include <cstdio>

namespace base {

std::optional<TimeZone> TimeZone::Named(std::string_view name) {
  struct Known {
    std::string_view name;
    int offset;
  };
  static constexpr Known kZones[] = {
      {"", 480},
      {"Asia/Shanghai", 480},
      {"Asia/Chongqing", 480},
      {"Asia/Harbin", 480},
      {"Asia/Hong_Kong", 480},
      {"Asia/Macau", 480},
      {"Asia/Taipei", 480},
      {"Asia/Urumqi", 360},
      {"UTC", 0},
      {"Etc/UTC", 0},
  };
  for (const auto& zone : kZones) {
    if (zone.name == name) return TimeZone{zone.offset};
  }
  // "+08:00" / "-05:30"
  if (name.size() == 6 && (name[0] == '+' || name[0] == '-') && name[3] == ':') {
    auto digit = [&](size_t i) { return name[i] >= '0' && name[i] <= '9'; };
    if (digit(1) && digit(2) && digit(4) && digit(5)) {
      int hours = (name[1] - '0') * 10 + (name[2] - '0');
      int minutes = (name[4] - '0') * 10 + (name[5] - '0');
      if (hours <= 14 && minutes < 60) {
        int total = hours * 60 + minutes;
        return TimeZone{name[0] == '-' ? -total : total};
      }
    }
  }
  return std::nullopt;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Howard Hinnant's civil-calendar algorithms.
int64_t DaysFromCivil(CivilDay d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (d.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDay CivilFromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDay{static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

std::optional<int64_t> ParseDay(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int values[3] = {0, 0, 0};
  size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      values[f] = values[f] * 10 + (t[i] - '0');
    }
  }
  CivilDay day{values[0], values[1], values[2]};
  if (day.month < 1 || day.month > 12 || day.day < 1 || day.day > 31) return std::nullopt;
  int64_t days = DaysFromCivil(day);
  if (!(CivilFromDays(days) == day)) return std::nullopt;  // 02-30 and the like
  return days;
}

std::string FormatDay(int64_t days) {
  CivilDay d = CivilFromDays(days);
  if (d.year < 0 || d.year > 9999) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buffer;
  }
  // By hand rather than by snprintf: a district's must-visits name tens of thousands of days
  // a request, and snprintf was a fifth of the time.
  std::string out = "0000-00-00";
  auto put = [&](size_t end, int value) {
    for (size_t at = end; value > 0; value /= 10) out[--at] = static_cast<char>('0' + value % 10);
  };
  put(4, d.year);
  put(7, d.month);
  put(10, d.day);
  return out;
}

static int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int64_t LocalDay(int64_t unix_ms, TimeZone zone) {
  return FloorDiv(unix_ms + zone.offset_minutes() * kMillisPerMinute, kMillisPerDay);
}

int LocalYear(int64_t unix_ms, TimeZone zone) {
  return CivilFromDays(LocalDay(unix_ms, zone)).year;
}

std::string LocalMonth(int64_t unix_ms, TimeZone zone) {
  return FormatDay(LocalDay(unix_ms, zone)).substr(0, 7);
}

int64_t LocalDayStart(int64_t days, TimeZone zone, int hour) {
  return days * kMillisPerDay + hour * kMillisPerHour - zone.offset_minutes() * kMillisPerMinute;
}

}  // namespace base
