// Repairs: requested by residents, dispatched, completed on time or late by the company serving
// the estate, under the time limits of the policy in force.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Repairs {
 public:
  explicit Repairs(DistrictState& d) : d_(d) {}

  // Requests a repair on `day` and plans its dispatch, completion and follow-up by the quality
  // of the company serving the estate. With `entered_as`, the request is entered under that
  // category by mistake and replaced with the right one the next working day.
  void Repair(int e, int64_t day, int category, const char* entered_as = nullptr);

 private:
  int64_t Deadline(const RepairCategory& c, int64_t at) const;

  DistrictState& d_;
};

}  // namespace simulate::internal
