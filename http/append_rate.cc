#include "append_rate.h"

#include <algorithm>
#include <cmath>

namespace http {

bool AppendRate::TryTake(const std::string& token_id, size_t events, int64_t now_ms,
                         int64_t* wait_ms) {
  if (per_hour_ == 0) return true;
  if (events > per_hour_) {
    *wait_ms = -1;
    return false;
  }
  constexpr double kHourMs = 3600.0 * 1000;
  // Multiplied before divided: 4 an hour is one every 900,000 ms exactly, not 900,001.
  const double per_hour = per_hour_;
  base::MutexLock lock(&mu_);
  Bucket& b = buckets_.try_emplace(token_id, Bucket{double(per_hour_), now_ms}).first->second;
  // A clock that steps back fills nothing until it is past where it was (else the time between
  // would be counted twice).
  // A step back of more than an hour is a clock put right, not a client's doing: start again.
  if (b.at_ms - now_ms > static_cast<int64_t>(kHourMs)) b.at_ms = now_ms;
  int64_t behind = std::max<int64_t>(0, b.at_ms - now_ms);
  b.events = std::min<double>(
      per_hour_,
      b.events + static_cast<double>(std::max<int64_t>(0, now_ms - b.at_ms)) * per_hour / kHourMs);
  b.at_ms = std::max(b.at_ms, now_ms);
  if (b.events >= static_cast<double>(events)) {
    b.events -= static_cast<double>(events);
    return true;
  }
  *wait_ms = behind + static_cast<int64_t>(
                          std::ceil((static_cast<double>(events) - b.events) * kHourMs / per_hour));
  return false;
}

void AppendRate::GiveBack(const std::string& token_id, size_t events) {
  if (per_hour_ == 0) return;
  base::MutexLock lock(&mu_);
  auto it = buckets_.find(token_id);
  if (it == buckets_.end()) return;
  it->second.events = std::min<double>(per_hour_, it->second.events + static_cast<double>(events));
}

}  // namespace http
