// The yearly publication: on the last afternoon of each year the street office computes the star
// ratings from the ledger as it then stands (projections::ComputeStarEvaluation) and publishes
// them as a starRatingPublished event.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"
#include "projections/view_set.h"

namespace simulate::internal {

class Publication {
 public:
  explicit Publication(DistrictState& d);

  // Brings the views up to the ledger's head and appends `year`'s ratings at `at`, ahead of
  // anything still planned.
  Status Publish(int year, int64_t at);

 private:
  DistrictState& d_;
  projections::ViewSet views_;
};

}  // namespace simulate::internal
