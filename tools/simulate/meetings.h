// Joint meetings (联席会议): each estate's monthly meeting of the street office, the community,
// the owners' committee and the company, its agenda drawn from complaints and late repairs, and
// the resolutions it adopts, carried out or abandoned.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Meetings {
 public:
  explicit Meetings(DistrictState& d) : d_(d) {}

  // The meeting of estate `e` held on `day`.
  void Meeting(int e, int64_t day, const projections::CivilDay& civil);

 private:
  // The complaints and repairs on the agenda of meeting `id`, held at `held`; forgets what no
  // later agenda will look at.
  void OpenItems(int e, const std::string& id, int64_t held,
                 std::vector<std::string>* complaints_out, std::vector<std::string>* repairs_out);
  void Resolution(int e, const std::string& id, int64_t day, int64_t due, const Quality& q,
                  const Actor& owner);

  DistrictState& d_;
};

}  // namespace simulate::internal
