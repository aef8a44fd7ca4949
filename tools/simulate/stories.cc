#include "stories.h"

#include "local_time.h"

namespace simulate::internal {

void Stories::StreetCalendar(int64_t day, const projections::CivilDay& civil, bool last_year) {
  int first = d_.options.first_year;
  if (civil.year == first && civil.month == 6 && civil.day == 20) ChangeContract(day);
  if (civil.month == 12 && civil.day == 20 && !last_year) {
    // Next year's rules: tighter repair limits once, and every year the lunar calendar.
    if (civil.year == first)
      registers_.AdoptRepairLimits(LocalMs(day, 10), 2, Civil(first + 1, 1, 1));
    registers_.AdoptVisitRules(LocalMs(day, 10, 30), civil.year + 1, civil.year + 1 - first + 1);
  }
  if (civil.month == 3 && civil.day == 15) DuplicateComplaint(day);
  if (civil.year == first && civil.month == 5 && civil.day == 8) MiscategorisedRepair(day);
  if (civil.year == first + 1 && civil.month == 4 && civil.day == 9) MisfiledVisit(day);
  if (civil.month == 3 && civil.day == 10) {
    visits_.FlagChange(day, true);
    visits_.FlagChange(day, false);
  }
  if (civil.month == 2 && civil.day == 20) visits_.Hospital(day);
  if (civil.year == first + 1 && civil.month == 8 && civil.day == 1) ReplaceSupervisor(day);
  if (civil.day == 1 && civil.month == 4) visits_.Demand(0, day);
}

void Stories::ChangeContract(int64_t day) {
  if (d_.estates.size() < 3) return;
  const int e = 2;
  Estate& estate = d_.estates[e];
  int old_company = estate.Company(day), new_company = kGood;
  if (old_company == new_company) return;
  int64_t last_day = Civil(d_.options.first_year, 6, 30), first_day = last_day + 1;
  std::string estate_id = estate.id, old_id = CompanyId(kCompanies[old_company]),
              new_id = CompanyId(kCompanies[new_company]);
  std::string old_contract = estate.terms.back().contract_id;
  std::string new_contract =
      "contract/" + estate.code + "-" + std::to_string(d_.options.first_year);
  std::string end_text = DayText(last_day), start_text = DayText(first_day);
  d_.emit.One(LocalMs(day, 10), old_contract, d_.Street(), [=](schema::Payload::Builder p) {
    auto c = p.initServiceContractEnded();
    c.setContractId(old_contract);
    c.setEstateId(estate_id);
    c.setCompanyId(old_id);
    c.setEndDate(end_text);
    c.setReason("业主大会表决更换物业服务企业 the owners' assembly voted to change company");
  });
  d_.emit.One(LocalMs(day, 10, 5), new_contract, d_.Street(), [=](schema::Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId(new_contract);
    c.setEstateId(estate_id);
    c.setCompanyId(new_id);
    c.setStartDate(start_text);
  });
  estate.terms.push_back({new_company, first_day, new_contract});
  // The old company's people leave on the last day; the new company's start the next.
  std::vector<std::string> leaving = estate.workers.at(old_company);
  leaving.insert(leaving.begin(), estate.manager.at(old_company));
  for (size_t i = 0; i < leaving.size(); ++i) {
    std::string person = leaving[i];
    schema::AppointedRole role =
        i == 0 ? schema::AppointedRole::PROPERTY_MANAGER : schema::AppointedRole::REPAIR_WORKER;
    d_.emit.One(LocalMs(last_day, 17) + i * kSecond, person,
                {"person/cw-01", schema::Role::COMMUNITY_WORKER}, [=](schema::Payload::Builder p) {
                  auto r = p.initRoleEnded();
                  r.setPersonId(person);
                  r.setRole(role);
                  r.setEstateId(estate_id);
                  r.setCompanyId(old_id);
                  r.setToDate(end_text);
                  r.setReason("服务合同终止 contract ended");
                });
  }
  // The new company's people are on the register before their first day.
  registers_.StaffOnSite(e, new_company, start_text, LocalMs(day + 1, 9));
}

void Stories::ReplaceSupervisor(int64_t day) {
  Estate& estate = d_.estates[0];
  std::string old = estate.supervisor, estate_id = estate.id, today = DayText(day);
  d_.emit.One(LocalMs(day, 10), old, d_.Worker(0), [=](schema::Payload::Builder p) {
    auto r = p.initRoleEnded();
    r.setPersonId(old);
    r.setRole(schema::AppointedRole::RESIDENT_SUPERVISOR);
    r.setEstateId(estate_id);
    r.setToDate(today);
    r.setReason("搬离小区 moved away");
  });
  // A resident not yet on the register of persons, so that nobody is registered twice.
  const Household* h = &d_.RandomHousehold(0);
  for (int tries = 0; tries < 50 && d_.names.count(h->residents.front().person_id); ++tries) {
    h = &d_.RandomHousehold(0);
  }
  const Resident& r = h->residents.front();
  if (d_.names.count(r.person_id)) return;
  estate.supervisor = r.person_id;
  registers_.Person(
      r.person_id, r.name, h->id, true,
      {{schema::AppointedRole::RESIDENT_SUPERVISOR, {estate_id, "", "", DayText(day + 1)}}},
      LocalMs(day, 10, 30));
}

void Stories::DuplicateComplaint(int64_t day) {
  int e = static_cast<int>(d_.rng.Below(d_.estates.size()));
  complaints_.Complaint(e, d_.Clamp(LocalMs(day, 19, 40)), true);
}

void Stories::MiscategorisedRepair(int64_t day) {
  repairs_.Repair(static_cast<int>(d_.rng.Below(d_.estates.size())), day, CategoryIndex("lighting"),
                  "electricity");
}

void Stories::MisfiledVisit(int64_t day) {
  int e = static_cast<int>(d_.rng.Below(d_.estates.size()));
  const Estate& estate = d_.estates[e];
  int k = static_cast<int>(d_.rng.Below(estate.households));
  const Household& right = d_.households[estate.first_household + k];
  const Household& wrong = d_.households[estate.first_household + (k + 1) % estate.households];
  visits_.HomeVisit(right, day, schema::VisitReason::HOLIDAY, {}, "日常走访入户 routine visit",
                    &wrong);
}

}  // namespace simulate::internal
