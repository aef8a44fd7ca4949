// What every part of the crash drill shares: its clock and its two ways of failing.

#pragma once

#include <chrono>
#include <string>

namespace crash_drill {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Violation {
  std::string what;
};

// The drill itself could not run (no ledgerd binary, a folder in the way).
struct DrillError {
  std::string what;
};

}  // namespace crash_drill
