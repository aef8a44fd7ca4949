#include "visits.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "local_time.h"
#include "projections/calendar.h"

namespace simulate::internal {

void Visits::HomeVisit(const Household& h, int64_t day, schema::VisitReason reason,
                       std::vector<std::string> obligations, std::string note,
                       const Household* entered_for) {
  int64_t at = d_.WorkTime(day, 9, 17);
  std::string id = d_.NextId("visit", projections::LocalYear(at, kZone));
  std::string household = h.id, team = d_.TeamOf(h);
  std::vector<std::string> visitors = {d_.GridWorkerOf(h)};
  const Estate& estate = d_.estates[h.estate];
  if (d_.rng.Chance(0.6)) visitors.push_back(d_.rng.Pick(estate.volunteers));
  std::vector<std::string> services;
  int count = d_.rng.Int(1, 3);
  for (int i = 0; i < count; ++i) {
    std::string s = d_.rng.Pick(kVisitServices);
    if (std::find(services.begin(), services.end(), s) == services.end()) services.push_back(s);
  }
  // A few visits are entered from paper forms over a week later; the first one of March always.
  bool late = !entered_for && (d_.rng.Chance(0.004) ||
                               (!late_visit_ && projections::CivilFromDays(day).month == 3));
  late_visit_ = late_visit_ || late;
  int64_t lag = late ? d_.rng.Int(8, 12) * kMillisPerDay : Minutes(d_.rng.Int(20, 240));
  Actor by{visitors.front(), schema::Role::COMMUNITY_WORKER};
  auto visit = [=](schema::HomeVisitRecorded::Builder v, const std::string& household) {
    v.setVisitId(id);
    v.setHouseholdId(household);
    v.setTeam(team);
    SetTexts(v.initVisitorIds(visitors.size()), visitors);
    SetTexts(v.initServices(services.size()), services);
    SetTexts(v.initObligationIds(obligations.size()), obligations);
    v.setReason(reason);
    v.setNote(late ? note + "（纸质记录补录 entered from the paper form）" : note);
  };
  std::function<void(uint64_t)> on_recorded;
  if (entered_for) {
    int e = h.estate;
    on_recorded = [=, this](uint64_t seq) {
      d_.emit.One(d_.WorkTime(day + 1, 9, 11), "correction/" + std::to_string(seq), d_.Worker(e),
                  [=](schema::Payload::Builder p) {
                    auto c = p.initCorrectionRecorded();
                    c.setCorrectsSeq(seq);
                    c.setReason("走访记录门牌号填错 entered against the flat next door");
                    visit(c.getAction().initReplacement().initHomeVisitRecorded(), household);
                  });
    };
  }
  std::string entered = entered_for ? entered_for->id : household;
  d_.emit.One(
      at, id, by, [=](schema::Payload::Builder p) { visit(p.initHomeVisitRecorded(), entered); },
      lag, std::move(on_recorded));
  if (!late && d_.rng.Chance(0.08)) {
    d_.FollowUp(at + lag + Hours(d_.rng.Real(20, 72)), id, "visit", d_.Answer(0.85, 0.13, 0.02),
                d_.Worker(h.estate));
  }
}

std::optional<int64_t> Visits::VisitDay(int64_t first_day, uint32_t window) {
  double x = d_.rng.Real();
  if (x < 0.9) return first_day + d_.rng.Int(0, static_cast<int>(window));
  if (x < 0.96) return first_day + window + d_.rng.Int(2, 10);
  return std::nullopt;
}

void Visits::Day(int e, int64_t day) {
  const Estate& estate = d_.estates[e];
  projections::CivilDay civil = projections::CivilFromDays(day);
  // Holidays: every flagged household.
  char today[6];
  std::snprintf(today, sizeof today, "%02d-%02d", civil.month, civil.day);
  for (const auto& [name, month_day] : HolidaysOf(civil.year)) {
    if (month_day != today) continue;
    for (int k = 0; k < estate.households; ++k) {
      const Household& h = d_.households[estate.first_household + k];
      if (!h.flagged()) continue;
      if (auto when = VisitDay(day, kHolidayWindow)) {
        HomeVisit(h, *when, schema::VisitReason::HOLIDAY, {}, name + "走访慰问");
      }
    }
  }
  // Birthdays of the residents of flagged households.
  for (const auto& [index, r] : d_.birthdays[civil.month][civil.day]) {
    const Household& h = d_.households[index];
    if (h.estate != e || !h.flagged()) continue;
    if (auto when = VisitDay(day, kBirthdayWindow)) {
      HomeVisit(h, *when, schema::VisitReason::BIRTHDAY, {},
                h.residents[r].name + "生日慰问 birthday visit");
    }
  }
  // Hospital stays and hardship reports raise an obligation; routine visits to others.
  if (d_.rng.Chance(estate.households * 0.02 / 365.0)) Hospital(day, e);
  if (d_.rng.Chance(estate.households * 0.003 / 365.0)) FlagChange(day, true, e);
  int routine = d_.rng.Poisson(estate.households * 0.04 / 365.0);
  for (int i = 0; i < routine; ++i) {
    const Household& h = d_.households[estate.first_household + d_.rng.Below(estate.households)];
    if (h.flagged()) continue;  // a visit to a flagged household would answer a must-visit
    HomeVisit(h, day, schema::VisitReason::HOLIDAY, {}, "日常走访入户 routine visit");
  }
}

void Visits::Obligation(const Household& h, int64_t day, schema::VisitReason reason,
                        uint32_t window, const std::string& note) {
  int64_t at = d_.WorkTime(day, 9, 16);
  std::string id = d_.NextId("obligation", projections::LocalYear(at, kZone));
  std::string household = h.id, due = DayText(day + window);
  d_.emit.One(at, id, d_.Worker(h.estate), [=](schema::Payload::Builder p) {
    auto o = p.initVisitObligationRaised();
    o.setObligationId(id);
    o.setHouseholdId(household);
    o.setReason(reason);
    o.setDueBy(due);
    o.setNote(note);
  });
  if (auto when = VisitDay(day, window)) {
    // The visit is never before the obligation was recorded.
    HomeVisit(
        h, std::max(*when, day + 1), reason, {id},
        reason == schema::VisitReason::HOSPITAL ? "住院探望 hospital visit" : "困难家庭帮扶走访");
  }
}

void Visits::Hospital(int64_t day, int e) {
  const Household& h = d_.RandomHousehold(e);
  static const std::vector<std::string> kHospitals = {"市第一人民医院", "中医院", "区人民医院",
                                                      "City Central Hospital"};
  Obligation(h, day, schema::VisitReason::HOSPITAL, kHospitalWindow,
             h.residents.front().name + "住院治疗（" + d_.rng.Pick(kHospitals) + "）");
}

void Visits::FlagChange(int64_t day, bool hardship, int e) {
  if (e < 0) e = static_cast<int>(d_.rng.Below(d_.estates.size()));
  Household* found = nullptr;
  for (int tries = 0; tries < 50 && !found; ++tries) {
    Household& h = d_.RandomHousehold(e);
    if (hardship ? !h.hardship && !h.flagged() : h.hardship) found = &h;
  }
  if (!found) return;
  Household& h = *found;
  h.hardship = hardship;
  std::string id = h.id;
  bool rc = h.retired_cadre, alone = h.elderly_alone, dis = h.disability;
  std::string reason = hardship ? "家庭成员患重病，经济困难 serious illness in the family"
                                : "家庭收入恢复，退出困难帮扶";
  d_.emit.One(d_.WorkTime(day, 9, 11), id, d_.Worker(e), [=](schema::Payload::Builder p) {
    auto c = p.initHouseholdFlagsChanged();
    c.setHouseholdId(id);
    auto f = c.initFlags();
    f.setRetiredCadre(rc);
    f.setElderlyAlone(alone);
    f.setHardship(hardship);
    f.setDisability(dis);
    c.setReason(reason);
  });
  if (hardship) {
    Obligation(h, day, schema::VisitReason::HARDSHIP, kHardshipWindow, "困难家庭必访");
  }
}

void Visits::Demand(int e, int64_t day) {
  const Estate& estate = d_.estates[e];
  const Household* h = nullptr;
  for (int tries = 0; tries < 20 && !h; ++tries) {
    const Household& candidate = d_.RandomHousehold(e);
    if (candidate.flagged()) h = &candidate;
  }
  if (!h) h = &d_.RandomHousehold(e);
  static const std::vector<std::pair<std::string, std::string>> kDemands = {
      {"meal", "独居老人希望提供助餐服务"},
      {"haircut", "行动不便，需要上门理发"},
      {"appliance", "家里电视机坏了需要维修"},
      {"errand", "需要代购日常用品"},
      {"escort", "需要陪同去医院复查"}};
  size_t which = d_.rng.Below(kDemands.size());
  int64_t at = d_.WorkTime(day);
  std::string id = d_.NextId("demand", projections::LocalYear(at, kZone));
  std::string estate_id = estate.id, household = h->id, category = kDemands[which].first,
              description = kDemands[which].second;
  Actor grid{d_.GridWorkerOf(*h), schema::Role::COMMUNITY_WORKER};
  d_.emit.One(at, id, grid, [=](schema::Payload::Builder p) {
    auto d = p.initDemandRecorded();
    d.setDemandId(id);
    d.setEstateId(estate_id);
    d.setHouseholdId(household);
    d.setCategory(category);
    d.setDescription(description);
  });
  if (d_.rng.Chance(0.85)) {
    std::string menu = estate.menu_items[which], provider = estate.menu_providers[which];
    d_.emit.One(d_.WorkTime(day + d_.rng.Int(1, 10)), id, grid, [=](schema::Payload::Builder p) {
      auto m = p.initDemandMet();
      m.setDemandId(id);
      m.setMenuItemId(menu);
      m.setProviderId(provider);
      m.setNote("已按服务菜单安排");
    });
  }
}

}  // namespace simulate::internal
