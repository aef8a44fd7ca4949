// The street office's calendar and the once-only stories every district tells at least once: a
// contract changed by the owners, a supervisor who moves away, a duplicate complaint voided, a
// repair and a visit entered wrongly and corrected, the yearly policies.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "complaints.h"
#include "district_state.h"
#include "registers.h"
#include "repairs.h"
#include "visits.h"

namespace simulate::internal {

class Stories {
 public:
  Stories(DistrictState& d, Registers& registers, Complaints& complaints, Repairs& repairs,
          Visits& visits)
      : d_(d), registers_(registers), complaints_(complaints), repairs_(repairs), visits_(visits) {}

  // Once-a-period events of the street office: contract change, policy changes, corrections,
  // and the few rare events every district shows at least once.
  void StreetCalendar(int64_t day, const projections::CivilDay& civil, bool last_year);

 private:
  // The owners of the third estate vote out its company; the good company takes over on 1 July.
  void ChangeContract(int64_t day);
  // The resident supervisor of the first estate moves away; a new one is appointed.
  void ReplaceSupervisor(int64_t day);
  // A complaint phoned in and then entered again from the owners' group; voided the next morning.
  void DuplicateComplaint(int64_t day);
  // A lighting fault entered as an electricity repair, replaced the next day with the right
  // category (and so the right time limit).
  void MiscategorisedRepair(int64_t day);
  // A routine visit entered against the neighbouring flat; replaced with the right household.
  void MisfiledVisit(int64_t day);

  DistrictState& d_;
  Registers& registers_;
  Complaints& complaints_;
  Repairs& repairs_;
  Visits& visits_;
};

}  // namespace simulate::internal
