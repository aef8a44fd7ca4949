// The volunteer time bank: volunteers claim hours, community workers verify or reject them, and
// residents pay each other in points, now and then more than they have.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class TimeBank {
 public:
  explicit TimeBank(DistrictState& d) : d_(d) {}

  // Today's claims and exchanges in estate `e`.
  void Day(int e, int64_t day);

 private:
  DistrictState& d_;
  bool overdrawn_ = false;  // one overdraft is tried early, so that every district shows one
};

}  // namespace simulate::internal
