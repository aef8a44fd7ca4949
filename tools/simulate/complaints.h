// Complaints: filed by residents through every channel, acknowledged, replied to and resolved by
// the company as well as it works, followed up by a call, sometimes reopened or escalated to the
// estate's joint meeting.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Complaints {
 public:
  explicit Complaints(DistrictState& d) : d_(d) {}

  // Files a complaint at `at` and plans its life: acknowledgement, public reply, resolution,
  // follow-up call, perhaps a reopening and an escalation to the joint meeting. With
  // `duplicate_of_hotline`, it is entered twice and the second entry voided the next morning.
  std::string Complaint(int e, int64_t at, bool duplicate_of_hotline = false);

 private:
  // Follow-up calls after a resolution; a dissatisfied resident may have it reopened, once.
  // Returns when the complaint was finally resolved.
  int64_t ComplaintFollowUps(int e, const std::string& id, int64_t resolved, const Quality& q,
                             bool troubled, const Actor& staff);
  Actor FilerOf(schema::Channel channel, const Household& h, int e);
  void VoidDuplicate(int e, uint64_t seq, int64_t filed);

  DistrictState& d_;
};

}  // namespace simulate::internal
