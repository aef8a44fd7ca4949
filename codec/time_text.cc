#include "time_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "base/civil_time.h"
#include "codec/event_json.h"
#include "messages.h"

namespace codec {
namespace internal {
namespace {

using capnp::JsonValue;

constexpr int64_t kMsPerDay = 86400000;

const int64_t kFirstFormattable = base::DaysFromCivil({base::kFirstYear, 1, 1}) * kMsPerDay;
const int64_t kLastFormattable = base::DaysFromCivil({base::kLastYear + 1, 1, 1}) * kMsPerDay - 1;

// Reads `n` decimal digits at `s[at]`; false if any is not a digit.
bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)"; digits past milliseconds are dropped.
bool ParseRfc3339(std::string_view s, int64_t* out) {
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > base::DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  size_t i = 19;
  int64_t millis = 0;
  if (s[i] == '.') {
    ++i;
    size_t first = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - first < 3) millis = millis * 10 + (s[i] - '0');
      ++i;
    }
    if (i == first) return false;
    for (size_t n = i - first; n < 3; ++n) millis *= 10;
  }
  if (i >= s.size()) return false;
  int64_t offset_minutes = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_minutes = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t seconds = base::DaysFromCivil({year, month, day}) * 86400 + hour * 3600 + minute * 60 +
                    second - offset_minutes * 60;
  *out = seconds * 1000 + millis;
  return true;
}

}  // namespace

bool IsDecimalInteger(std::string_view s) {
  size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (s.size() == start || s.size() - start > 20) return false;
  for (size_t i = start; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

const char kTimeHelp[] =
    "use RFC 3339 such as \"2025-03-01T13:30:00Z\" or \"2025-03-01T21:30:00+08:00\", or "
    "milliseconds since 1970-01-01T00:00:00Z";

std::optional<std::string> ParseTimeText(std::string_view s, int64_t* out) {
  if (IsDecimalInteger(s)) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return std::nullopt;
    return Quote(s) + " is out of range for milliseconds since the epoch";
  }
  if (ParseRfc3339(s, out)) return std::nullopt;
  return Quote(s) + " is not a time; " + kTimeHelp;
}

bool DoubleToInt64(double d, int64_t* out) {
  // -2^63 and 2^63 are exact doubles; the cast is defined only strictly inside.
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != std::trunc(d)) {
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

std::optional<std::string> ParseTimeValue(JsonValue::Reader v, int64_t* out) {
  if (v.isString()) return ParseTimeText(View(v.getString()), out);
  if (v.isNumber()) {
    if (DoubleToInt64(v.getNumber(), out)) return std::nullopt;
    return Number(v.getNumber()) + " is not a whole number of milliseconds since the epoch";
  }
  return "expected a time (" + std::string(kTimeHelp) + "), got " + Kind(v);
}

}  // namespace internal

std::string FormatTimestamp(int64_t unix_ms) {
  if (unix_ms < internal::kFirstFormattable || unix_ms > internal::kLastFormattable)
    return std::to_string(unix_ms);
  int64_t days = unix_ms / internal::kMsPerDay;
  int64_t rest = unix_ms % internal::kMsPerDay;
  if (rest < 0) {
    rest += internal::kMsPerDay;
    --days;
  }
  base::CivilDay civil = base::CivilFromDays(days);
  char buf[32];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", civil.year, civil.month,
           civil.day, static_cast<int>(rest / 3600000), static_cast<int>(rest / 60000 % 60),
           static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buf;
}

ledger::Result<int64_t> ParseTimestamp(std::string_view text) {
  int64_t ms = 0;
  if (auto error = internal::ParseTimeText(text, &ms))
    return ledger::Status::InvalidArgument(*error);
  return ms;
}

}  // namespace codec
