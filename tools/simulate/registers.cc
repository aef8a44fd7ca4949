#include "registers.h"

#include <algorithm>
#include <map>

#include "local_time.h"

namespace simulate::internal {

int64_t Registers::Tick() { return setup_ms_ += setup_step_; }

void Registers::Person(const std::string& id, const std::string& name, const std::string& household,
                       bool party,
                       std::vector<std::pair<schema::AppointedRole, std::vector<std::string>>>
                           roles,  // (role, {estate, company, team, from})
                       int64_t at) {
  d_.names[id] = name;
  std::vector<Draft> drafts;
  std::string phone = Phone(d_.rng);
  drafts.push_back(
      {at, {"person/cw-01", schema::Role::COMMUNITY_WORKER}, [=](schema::Payload::Builder p) {
         auto r = p.initPersonRegistered();
         r.setPersonId(id);
         r.setName(name);
         r.setPhone(phone);
         r.setHouseholdId(household);
         r.setPartyMember(party);
       }});
  for (auto& [role, where] : roles) {
    drafts.push_back({at,
                      {"person/cw-01", schema::Role::COMMUNITY_WORKER},
                      [=, role = role, where = where](schema::Payload::Builder p) {
                        auto r = p.initRoleAppointed();
                        r.setPersonId(id);
                        r.setRole(role);
                        r.setEstateId(where[0]);
                        r.setCompanyId(where[1]);
                        r.setTeam(where[2]);
                        r.setFromDate(where[3]);
                      }});
  }
  d_.emit.Plan(at, id, std::move(drafts));
}

void Registers::AdoptRepairLimits(int64_t at, uint32_t version, int64_t effective_day) {
  d_.emit.One(at, "policy/repair-time-limits", d_.Street(), [=](schema::Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("repair-time-limits");
    a.setVersion(version);
    a.setEffectiveFrom(DayText(effective_day));
    a.setTimeZone("Asia/Shanghai");
    auto limits = a.getRules().initRepairTimeLimits(kRepairs.size());
    for (size_t i = 0; i < kRepairs.size(); ++i) {
      const RepairCategory& c = kRepairs[i];
      limits[i].setCategory(c.id);
      limits[i].setHours(version == 1 ? c.hours_v1 : c.hours_v2);
      limits[i].setNextMorningHour(
          static_cast<uint8_t>(version == 1 ? c.morning_v1 : c.morning_v2));
    }
  });
}

void Registers::AdoptVisitRules(int64_t at, int year, uint32_t version) {
  auto holidays = HolidaysOf(year);
  d_.emit.One(at, "policy/visit-rules", d_.Street(), [=](schema::Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("visit-rules");
    a.setVersion(version);
    a.setEffectiveFrom(DayText(Civil(year, 1, 1)));
    a.setTimeZone("Asia/Shanghai");
    auto v = a.getRules().initVisits();
    auto list = v.initHolidays(holidays.size());
    for (size_t i = 0; i < holidays.size(); ++i) {
      list[i].setName(holidays[i].first);
      list[i].setDay(holidays[i].second);
    }
    v.setHolidayWindowDays(kHolidayWindow);
    v.setBirthdayWindowDays(kBirthdayWindow);
    v.setHospitalWindowDays(kHospitalWindow);
    v.setHardshipWindowDays(kHardshipWindow);
  });
}

void Registers::Register() {
  const int estates = d_.options.estates;
  const int per_estate = d_.options.households_per_estate;
  // Everything below is entered between 06:00 and about 08:00 on the first day.
  double events = double(estates) * per_estate * 1.15 + estates * 40.0 + 60;
  setup_step_ = std::clamp<int64_t>(static_cast<int64_t>(2 * kMillisPerHour / events), 20, 2000);
  setup_ms_ = LocalMs(d_.first_day, 6);
  const std::string year_start = DayText(d_.first_day);

  StreetOffice(year_start);
  Rules(year_start);
  Companies();
  Estates();
  Households(year_start);
}

void Registers::StreetOffice(const std::string& year_start) {
  const int estates = d_.options.estates;
  // The street office and the community.
  Person("person/street-director", "王建国", "", true, {}, Tick());
  Person("person/street-inspector-1", "李卫东", "", true, {}, Tick());
  Person("person/street-inspector-2", "赵红梅", "", false, {}, Tick());
  Person("person/party-secretary", "陈秀英", "", true, {}, Tick());
  Person("person/rc-director", "刘志强", "", true, {}, Tick());
  Person("person/partner-1", "孙海涛", "", true, {}, Tick());  // 联点单位: 区供电局
  int workers = std::clamp(estates / 3, 2, 8);
  for (int i = 1; i <= workers; ++i) {
    std::string id = "person/cw-" + Pad(i, 2);
    d_.community_workers.push_back(id);
    Person(id, PersonName(d_.rng), "", d_.rng.Chance(0.6),
           {{schema::AppointedRole::COMMUNITY_WORKER, {"", "", "社区服务组", year_start}}}, Tick());
  }
}

void Registers::Rules(const std::string& year_start) {
  // The rules, in force from the first day.
  AdoptRepairLimits(Tick(), 1, d_.first_day);
  d_.emit.One(Tick(), "policy/star-rating", d_.Street(), [=](schema::Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("star-rating");
    a.setVersion(1);
    a.setEffectiveFrom(year_start);
    a.setTimeZone("Asia/Shanghai");
    auto r = a.getRules().initRating();
    auto w = r.initWeights();
    w.setInspection(0.25);
    w.setDocumentReview(0.15);
    w.setComplaintRate(0.15);
    w.setRepairCompliance(0.2);
    w.setFollowUpSatisfaction(0.15);
    w.setSurveySatisfaction(0.1);
    auto t = r.initStarThresholds(5);
    const double thresholds[] = {60, 70, 80, 88, 94};
    for (int i = 0; i < 5; ++i) t.set(i, thresholds[i]);
    r.setRedListMinScore(88);
    r.setBlackListMaxScore(60);
    r.setComplaintRateCeiling(30);
  });
  d_.emit.One(Tick(), "policy/time-bank", d_.Street(), [=](schema::Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("time-bank");
    a.setVersion(1);
    a.setEffectiveFrom(year_start);
    a.setTimeZone("Asia/Shanghai");
    auto t = a.getRules().initTimeBank();
    t.setPointsPerHourCenti(100);
    t.setAllowNegative(false);
    t.setOverdraftLimitCenti(0);
  });
  AdoptVisitRules(Tick(), d_.options.first_year, 1);
}

void Registers::Companies() {
  for (const auto& c : kCompanies) {
    std::string id = CompanyId(c);
    std::string name = c.name, licence = c.licence;
    d_.emit.One(Tick(), id, d_.Street(), [=](schema::Payload::Builder p) {
      auto r = p.initCompanyRegistered();
      r.setCompanyId(id);
      r.setName(name);
      r.setLicence(licence);
    });
  }
}

void Registers::Estates() {
  const int estates = d_.options.estates;
  const int per_estate = d_.options.households_per_estate;
  // Estates, their contracts and the company staff on site.
  for (int e = 0; e < estates; ++e) {
    Estate estate;
    estate.code = "e" + Pad(e + 1, 2);
    estate.id = "estate/" + estate.code;
    estate.name = kEstateNames[e % kEstateNames.size()];
    if (e >= static_cast<int>(kEstateNames.size())) {
      estate.name += std::to_string(e / kEstateNames.size() + 1) + "期";
    }
    estate.address = kRoads[e % kRoads.size()] + std::to_string(d_.rng.Int(1, 300)) + "号";
    estate.committee_id = "committee/" + estate.code;
    estate.place = estate.name + "党群服务站";
    estate.households = per_estate;
    estate.first_household = e * per_estate;
    estate.buildings = (per_estate + 23) / 24;
    estate.meeting_day = 5 + e % 20;
    int company = kDealOrder[e % kDealOrder.size()];
    int start_year = d_.options.first_year - 1 - e % 4;
    std::string contract = "contract/" + estate.code + "-" + std::to_string(start_year);
    estate.terms.push_back({company, Civil(start_year, 3, 1), contract});
    std::string estate_id = estate.id, name = estate.name, address = estate.address;
    uint32_t count = static_cast<uint32_t>(per_estate);
    d_.emit.One(Tick(), estate_id, d_.Street(), [=](schema::Payload::Builder p) {
      auto r = p.initEstateRegistered();
      r.setEstateId(estate_id);
      r.setName(name);
      r.setAddress(address);
      r.setCommunity(kCommunity);
      r.setStreet(kStreet);
      r.setHouseholdCount(count);
    });
    std::string company_id = CompanyId(kCompanies[company]);
    std::string start = DayText(estate.terms.front().from_day);
    d_.emit.One(Tick(), contract, d_.Street(), [=](schema::Payload::Builder p) {
      auto r = p.initServiceContractStarted();
      r.setContractId(contract);
      r.setEstateId(estate_id);
      r.setCompanyId(company_id);
      r.setStartDate(start);
    });
    d_.estates.push_back(std::move(estate));
    StaffOnSite(e, company, start, Tick());
  }
}

void Registers::Households(const std::string& year_start) {
  const int estates = d_.options.estates;
  const int per_estate = d_.options.households_per_estate;
  // Households, and the residents who take on a role.
  d_.households.reserve(static_cast<size_t>(estates) * per_estate);
  for (int e = 0; e < estates; ++e) {
    for (int k = 0; k < per_estate; ++k) {
      d_.households.push_back(NewHousehold(e, k));
      RegisterHousehold(d_.households.back(), Tick());
    }
    Residents(e, year_start);
  }
  d_.floor_ms = setup_ms_ + kMillisPerMinute;
  for (size_t i = 0; i < d_.households.size(); ++i) {
    for (size_t r = 0; r < d_.households[i].residents.size(); ++r) {
      const Resident& res = d_.households[i].residents[r];
      d_.birthdays[res.month][res.day].push_back({static_cast<int>(i), static_cast<int>(r)});
    }
  }
}

void Registers::StaffOnSite(int e, int company, const std::string& from, int64_t at) {
  Estate& estate = d_.estates[e];
  const CompanySpec& c = kCompanies[company];
  std::string company_id = CompanyId(c);
  std::string manager = "person/" + std::string(c.code) + "-pm-" + estate.code;
  estate.manager[company] = manager;
  Person(manager, PersonName(d_.rng), "", d_.rng.Chance(0.5),
         {{schema::AppointedRole::PROPERTY_MANAGER, {estate.id, company_id, "", from}}}, at);
  int workers = std::clamp(estate.households / 400 + 2, 2, 8);
  for (int w = 1; w <= workers; ++w) {
    std::string id = "person/" + std::string(c.code) + "-w-" + estate.code + "-" + Pad(w, 2);
    estate.workers[company].push_back(id);
    Person(id, PersonName(d_.rng), "", d_.rng.Chance(0.2),
           {{schema::AppointedRole::REPAIR_WORKER, {estate.id, company_id, "维修班", from}}},
           at + w);
  }
}

Household Registers::NewHousehold(int e, int k) {
  const Estate& estate = d_.estates[e];
  Household h;
  h.estate = e;
  int building = k / 24 + 1, unit = (k % 24) / 12 + 1, floor = (k % 12) / 2 + 1, door = k % 2 + 1;
  h.building = std::to_string(building);
  h.unit = std::to_string(unit);
  h.room = std::to_string(floor * 100 + door);
  std::string code = estate.code + "-" + h.building + "-" + h.unit + "-" + h.room;
  h.id = "household/" + code;
  h.phone = Phone(d_.rng);
  double x = d_.rng.Real();
  // About one household in six carries a flag that brings the must-visits.
  if (x < 0.06) {
    h.elderly_alone = true;
  } else if (x < 0.11) {
    h.retired_cadre = true;
  } else if (x < 0.14) {
    h.hardship = true;
  } else if (x < 0.165) {
    h.disability = true;
  }
  int year = d_.options.first_year;
  int people = h.elderly_alone ? 1 : h.retired_cadre ? 2 : d_.rng.Int(1, 4);
  std::string surname = d_.rng.Pick(kSurnames);
  for (int r = 0; r < people; ++r) {
    Resident res;
    res.person_id = "person/" + code + "-" + std::to_string(r + 1);
    res.name =
        (r == 0 || d_.rng.Chance(0.5) ? surname : d_.rng.Pick(kSurnames)) + d_.rng.Pick(kGiven);
    if (d_.rng.Chance(0.5)) res.name += d_.rng.Pick(kGiven);
    int age = h.elderly_alone || h.retired_cadre ? d_.rng.Int(66, 92)
              : r < 2                            ? d_.rng.Int(28, 75)
                                                 : d_.rng.Int(3, 25);
    res.birth_day = Civil(year - age, 1, 1) + d_.rng.Int(0, 364);
    projections::CivilDay born = projections::CivilFromDays(res.birth_day);
    if (born.month == 2 && born.day == 29) res.birth_day -= 1;  // a birthday every year
    born = projections::CivilFromDays(res.birth_day);
    res.month = born.month;
    res.day = born.day;
    h.residents.push_back(std::move(res));
  }
  h.head_name = h.residents.front().name;
  return h;
}

void Registers::RegisterHousehold(const Household& h, int64_t at) {
  const Estate& estate = d_.estates[h.estate];
  Household copy = h;
  std::string estate_id = estate.id;
  d_.emit.One(at, h.id, {"person/cw-01", schema::Role::COMMUNITY_WORKER},
              [copy, estate_id](schema::Payload::Builder p) {
                auto r = p.initHouseholdRegistered();
                r.setHouseholdId(copy.id);
                r.setEstateId(estate_id);
                r.setBuilding(copy.building);
                r.setUnit(copy.unit);
                r.setRoom(copy.room);
                r.setHeadName(copy.head_name);
                r.setPhone(copy.phone);
                auto f = r.initFlags();
                f.setRetiredCadre(copy.retired_cadre);
                f.setElderlyAlone(copy.elderly_alone);
                f.setHardship(copy.hardship);
                f.setDisability(copy.disability);
                auto list = r.initResidents(copy.residents.size());
                for (size_t i = 0; i < copy.residents.size(); ++i) {
                  list[i].setPersonId(copy.residents[i].person_id);
                  list[i].setName(copy.residents[i].name);
                  list[i].setBirthDate(DayText(copy.residents[i].birth_day));
                }
              });
}

void Registers::Residents(int e, const std::string& from) {
  Estate& estate = d_.estates[e];
  auto resident = [&](int k) -> const Resident& {
    return d_.households[estate.first_household + k].residents.front();
  };
  auto household = [&](int k) -> const std::string& {
    return d_.households[estate.first_household + k].id;
  };
  int n = estate.households;
  int teams = std::clamp(n / 150 + 1, 1, 20);
  for (int t = 1; t <= teams; ++t) {
    std::string id = "person/grid-" + estate.code + "-" + Pad(t, 2);
    std::string team = estate.code + "-网格" + std::to_string(t) + "组";
    estate.grid_workers.push_back(id);
    estate.teams.push_back(team);
    Person(id, PersonName(d_.rng), "", d_.rng.Chance(0.7),
           {{schema::AppointedRole::GRID_WORKER, {estate.id, "", team, from}}}, Tick());
  }
  std::vector<bool> used(n, false);
  auto pick = [&]() {
    int k = static_cast<int>(d_.rng.Below(n));
    for (int tries = 0; used[k] && tries < n; ++tries) k = (k + 1) % n;
    used[k] = true;
    return k;
  };
  auto appoint = [&](int k, schema::AppointedRole role, bool party, const std::string& team) {
    const Resident& r = resident(k);
    Person(r.person_id, r.name, household(k), party, {{role, {estate.id, "", team, from}}}, Tick());
    return r.person_id;
  };
  estate.supervisor = appoint(pick(), schema::AppointedRole::RESIDENT_SUPERVISOR, true, "");
  estate.reporter = appoint(pick(), schema::AppointedRole::FEEDBACK_REPORTER, false, "");
  for (int b = 0; b < estate.buildings; ++b) {
    int k = std::min(n - 1, b * 24 + static_cast<int>(d_.rng.Below(24)));
    if (used[k]) continue;
    used[k] = true;
    appoint(k, schema::AppointedRole::BUILDING_HEAD, d_.rng.Chance(0.5),
            std::to_string(b + 1) + "号楼");
  }
  // The owners' committee: a chair and four members, registered as persons.
  for (int m = 0; m < 5; ++m) {
    int k = pick();
    const Resident& r = resident(k);
    Person(r.person_id, r.name, household(k), d_.rng.Chance(0.4), {}, Tick());
    estate.committee.push_back(r.person_id);
  }
  estate.chair = estate.committee.front();
  std::string committee_id = estate.committee_id, estate_id = estate.id;
  std::vector<std::string> members = estate.committee;
  std::string chair = estate.chair;
  std::string term_start = std::to_string(d_.options.first_year - 2) + "-06-01";
  std::string term_end = std::to_string(d_.options.first_year + 3) + "-05-31";
  d_.emit.One(Tick(), committee_id, d_.Street(), [=](schema::Payload::Builder p) {
    auto c = p.initOwnersCommitteeFormed();
    c.setCommitteeId(committee_id);
    c.setEstateId(estate_id);
    c.setChairPersonId(chair);
    SetTexts(c.initMemberPersonIds(members.size()), members);
    c.setTermStart(term_start);
    c.setTermEnd(term_end);
  });
  // Volunteers: a few in a hundred households, party members among them.
  int volunteers = std::max(2, n * 3 / 100);
  for (int v = 0; v < volunteers; ++v) {
    int k = pick();
    const Resident& r = resident(k);
    Person(r.person_id, r.name, household(k), d_.rng.Chance(0.45), {}, Tick());
    estate.volunteers.push_back(r.person_id);
    d_.volunteers[r.person_id] = Volunteer{r.person_id, e, 0, {}};
  }
  // The service menu (服务菜单) offered against the demand list.
  const std::vector<std::pair<std::string, std::string>> menu = {
      {"助餐服务 meal delivery", "person/partner-1"},
      {"上门理发", estate.volunteers.front()},
      {"家电维修", estate.workers.begin()->second.front()},
      {"代购代办", estate.volunteers.back()},
      {"陪同就医", estate.grid_workers.front()}};
  for (size_t i = 0; i < menu.size(); ++i) {
    std::string id = "menu/" + estate.code + "-" + std::to_string(i + 1);
    estate.menu_items.push_back(id);
    estate.menu_providers.push_back(menu[i].second);
    std::string name = menu[i].first, provider = menu[i].second;
    d_.emit.One(Tick(), id, d_.Worker(e), [=](schema::Payload::Builder p) {
      auto m = p.initServiceMenuItemOffered();
      m.setMenuItemId(id);
      m.setEstateId(estate_id);
      m.setName(name);
      m.setProviderId(provider);
    });
  }
}

}  // namespace simulate::internal
