#include "time_bank.h"

#include <algorithm>

#include "local_time.h"
#include "projections/calendar.h"

namespace simulate::internal {

void TimeBank::Day(int e, int64_t day) {
  const Estate& estate = d_.estates[e];
  int year = projections::CivilFromDays(day).year;
  for (const std::string& person : estate.volunteers) {
    if (!d_.rng.Chance(1.5 / 30)) continue;
    int64_t at = LocalMs(day, 18) + Minutes(d_.rng.Int(0, 180));
    std::string id = d_.NextId("claim", year);
    uint32_t minutes = static_cast<uint32_t>(30 * d_.rng.Int(1, 8));
    std::string activity = d_.rng.Pick(kVolunteerActivities), service_day = DayText(day);
    std::string beneficiary =
        d_.rng.Chance(0.3) ? d_.RandomHousehold(e).residents.front().person_id : "";
    std::string estate_id = estate.id;
    d_.emit.One(d_.Clamp(at), id, {person, schema::Role::RESIDENT},
                [=](schema::Payload::Builder p) {
                  auto c = p.initVolunteerHoursClaimed();
                  c.setClaimId(id);
                  c.setPersonId(person);
                  c.setEstateId(estate_id);
                  c.setMinutes(minutes);
                  c.setActivity(activity);
                  c.setServiceDate(service_day);
                  c.setBeneficiaryId(beneficiary);
                });
    int64_t decided = d_.WorkTime(day + d_.rng.Int(1, 4), 9, 17);
    // The seventh claim is rejected whatever happens, so that every district shows one.
    bool reject = d_.ids["claim"] == 7 || d_.rng.Chance(0.07);
    d_.emit.One(decided, id, d_.Worker(e), [=](schema::Payload::Builder p) {
      auto d = reject ? p.initVolunteerHoursRejected() : p.initVolunteerHoursVerified();
      d.setClaimId(id);
      d.setNote(reject ? "签到记录缺失，时长无法核实"
                       : "已核实 verified against the sign-in sheet");
    });
    if (!reject) d_.volunteers[person].pending.push_back({decided, minutes * 100 / 60});
  }
  // Exchanges: a resident pays another volunteer in points for a service.
  int64_t now = LocalMs(day, 0);
  if (estate.volunteers.size() < 2 || !d_.rng.Chance(estate.volunteers.size() * 0.3 / 30)) return;
  Volunteer& payer = d_.volunteers[d_.rng.Pick(estate.volunteers)];
  Volunteer& provider = d_.volunteers[d_.rng.Pick(estate.volunteers)];
  if (payer.person_id == provider.person_id) return;
  for (auto it = payer.pending.begin(); it != payer.pending.end();) {
    if (it->first < now) {
      payer.balance_centi += it->second;
      it = payer.pending.erase(it);
    } else {
      ++it;
    }
  }
  // Now and then someone tries to spend more than they have; the view refuses it.
  bool overdraw = (!overdrawn_ && day >= d_.first_day + 150) || d_.rng.Chance(0.02);
  int64_t points;
  if (overdraw) {
    overdrawn_ = true;
    points = payer.balance_centi + 100 * d_.rng.Int(2, 5);
  } else {
    if (payer.balance_centi < 100) return;
    points = 100 * d_.rng.Int(1, static_cast<int>(std::min<int64_t>(payer.balance_centi / 100, 4)));
    payer.balance_centi -= points;
    provider.balance_centi += points;
  }
  std::string id = d_.NextId("exchange", projections::CivilFromDays(day).year);
  std::string payer_id = payer.person_id, provider_id = provider.person_id;
  std::string service = d_.rng.Pick(kExchangeServices);
  d_.emit.One(d_.WorkTime(day, 9, 20), id, d_.Worker(e), [=](schema::Payload::Builder p) {
    auto x = p.initTimeBankExchanged();
    x.setExchangeId(id);
    x.setPayerId(payer_id);
    x.setProviderId(provider_id);
    x.setPointsCenti(points);
    x.setService(service);
  });
}

}  // namespace simulate::internal
