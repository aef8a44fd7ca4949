// The wall clock, in the unit every recorded time uses: milliseconds since the Unix epoch.
//
// Options that take a `std::function<int64_t()> clock` default to this one; tests pass their own.

#pragma once

#include <chrono>
#include <cstdint>

namespace base {

inline int64_t SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace base
