// The registers, entered on the first morning: the street office and the community's staff, the
// rules in force, the companies, the estates with their contracts and staff, every household with
// its residents, and the residents who take on a role. Later stories add to them through Person,
// StaffOnSite and the yearly policies.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "district_state.h"

namespace simulate::internal {

class Registers {
 public:
  explicit Registers(DistrictState& d) : d_(d) {}

  // Everything above, between 06:00 and about 08:00 on the first day.
  void Register();

  // A person on the register, with the roles appointed to them ((role, {estate, company, team,
  // from})), entered at `at`.
  void Person(const std::string& id, const std::string& name, const std::string& household,
              bool party,
              std::vector<std::pair<schema::AppointedRole, std::vector<std::string>>> roles,
              int64_t at);
  // A company's manager and repair workers for estate `e`, from day `from`.
  void StaffOnSite(int e, int company, const std::string& from, int64_t at);
  // The repair time limits, version 1 or 2, in force from `effective_day`.
  void AdoptRepairLimits(int64_t at, uint32_t version, int64_t effective_day);
  // The visit rules of `year`, with that year's lunar holidays.
  void AdoptVisitRules(int64_t at, int year, uint32_t version);

 private:
  // The next instant of the registration morning.
  int64_t Tick();
  void StreetOffice(const std::string& year_start);
  void Rules(const std::string& year_start);
  void Companies();
  void Estates();
  void Households(const std::string& year_start);
  Household NewHousehold(int e, int k);
  void RegisterHousehold(const Household& h, int64_t at);
  // Grid workers, supervisors, feedback reporters, building heads, the owners' committee,
  // volunteers and the service menu of estate `e`.
  void Residents(int e, const std::string& from);

  DistrictState& d_;
  int64_t setup_ms_ = 0, setup_step_ = 1000;
};

}  // namespace simulate::internal
