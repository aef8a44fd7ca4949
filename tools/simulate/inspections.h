// What the street office's star ratings are computed from besides complaints and repairs: the
// autumn satisfaction survey, the on-site inspections of June and November, and December's
// document reviews of companies and owners' committees.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Inspections {
 public:
  explicit Inspections(DistrictState& d) : d_(d) {}

  // Survey answers collected in estate `e` on a working day of the survey season.
  void Survey(int e, int64_t day);
  // Today's inspections and reviews in estate `e`, if any fall due.
  void Day(int e, int64_t day, const projections::CivilDay& civil);

 private:
  std::vector<std::pair<std::string, double>> Scores(const std::vector<std::string>& items,
                                                     double max, const double (&range)[2]);
  void Sheet(bool inspection, const std::string& sheet_id, schema::SubjectKind kind,
             const std::string& subject, const std::string& estate_id, int year, int64_t at,
             std::vector<std::pair<std::string, double>> scores, double max);

  DistrictState& d_;
};

// From 8 October to the end of November.
bool InSurveySeason(const projections::CivilDay& d);

}  // namespace simulate::internal
