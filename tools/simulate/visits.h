// Home visits: the must-visits to flagged households on holidays and birthdays, hospital stays and
// hardship that raise an obligation, routine visits, flags that change, and the demand list that
// the service menu answers.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Visits {
 public:
  explicit Visits(DistrictState& d) : d_(d) {}

  // Today's holiday, birthday, hospital, hardship and routine visits in estate `e`.
  void Day(int e, int64_t day);
  // A home visit to `h` on `day`; recorded within hours, or now and then days late from a paper
  // form. With `entered_for`, it is entered against that household by mistake and replaced with
  // the right one the next day.
  void HomeVisit(const Household& h, int64_t day, schema::VisitReason reason,
                 std::vector<std::string> obligations, std::string note,
                 const Household* entered_for = nullptr);
  // A resident of estate `e` goes into hospital: a must-visit within the hospital window.
  void Hospital(int64_t day, int e = 0);
  // A household's flags change: hardship reported (which raises a must-visit), or lifted. In a
  // random estate unless `e` is given.
  void FlagChange(int64_t day, bool hardship, int e = -1);
  // A flagged household asks for a service from the menu (居民需求清单).
  void Demand(int e, int64_t day);

 private:
  // When a must-visit happens: mostly within the window, sometimes after it, now and then never.
  std::optional<int64_t> VisitDay(int64_t first_day, uint32_t window);
  void Obligation(const Household& h, int64_t day, schema::VisitReason reason, uint32_t window,
                  const std::string& note);

  DistrictState& d_;
  bool late_visit_ = false;  // the first visit of March is entered late, once
};

}  // namespace simulate::internal
