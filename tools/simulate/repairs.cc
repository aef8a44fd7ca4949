#include "repairs.h"

#include <algorithm>
#include <functional>

#include "local_time.h"
#include "projections/calendar.h"

namespace simulate::internal {

int64_t Repairs::Deadline(const RepairCategory& c, int64_t at) const {
  bool v2 = DayOf(at) >= Civil(d_.options.first_year + 1, 1, 1);
  uint32_t hours = v2 ? c.hours_v2 : c.hours_v1, morning = v2 ? c.morning_v2 : c.morning_v1;
  int64_t deadline = at + hours * kMillisPerHour;
  if (morning > 0) deadline = std::max(deadline, LocalMs(DayOf(at) + 1, static_cast<int>(morning)));
  return deadline;
}

void Repairs::Repair(int e, int64_t day, int category, const char* entered_as) {
  Estate& estate = d_.estates[e];
  const RepairCategory& c = kRepairs[category];
  int64_t at = d_.ReportTime(day, c.night);
  int company = estate.Company(DayOf(at));
  const Quality& q = d_.QualityOf(company);
  Household& h = d_.RandomHousehold(e);
  std::string id = d_.NextId("repair", projections::LocalYear(at, kZone));
  std::string location = c.common_area ? h.building + "号楼" + h.unit + "单元公共区域"
                                       : h.building + "号楼" + h.unit + "单元" + h.room + "室";
  std::string description = d_.rng.Pick(c.descriptions);
  schema::Channel channel = d_.rng.Chance(0.6)   ? schema::Channel::HOTLINE
                            : d_.rng.Chance(0.7) ? schema::Channel::WECHAT_GROUP
                                                 : schema::Channel::DOOR_TO_DOOR;
  std::string estate_id = estate.id, household = h.id;
  std::string category_id = entered_as ? entered_as : c.id;
  std::function<void(uint64_t)> on_requested;
  if (entered_as) {
    std::string right = c.id;
    on_requested = [=, this](uint64_t seq) {
      d_.emit.One(d_.OfficeHours(at + 20 * kMillisPerHour), "correction/" + std::to_string(seq),
                  d_.Worker(e), [=](schema::Payload::Builder p) {
                    auto c = p.initCorrectionRecorded();
                    c.setCorrectsSeq(seq);
                    c.setReason("报修类别登记错误：应为照明 category entered wrongly, lighting");
                    auto r = c.getAction().initReplacement().initRepairRequested();
                    r.setRepairId(id);
                    r.setEstateId(estate_id);
                    r.setHouseholdId(household);
                    r.setCategory(right);
                    r.setDescription(description);
                    r.setChannel(channel);
                    r.setLocation(location);
                  });
    };
  }
  d_.emit.One(
      at, id, d_.ResidentActor(h),
      [=](schema::Payload::Builder p) {
        auto r = p.initRepairRequested();
        r.setRepairId(id);
        r.setEstateId(estate_id);
        r.setHouseholdId(household);
        r.setCategory(category_id);
        r.setDescription(description);
        r.setChannel(channel);
        r.setLocation(location);
      },
      0, std::move(on_requested));
  int64_t deadline = Deadline(c, at);
  int local_hour = static_cast<int>((at - LocalMs(DayOf(at), 0)) / kMillisPerHour);
  bool night = local_hour < 7 || local_hour >= 22;
  int64_t dispatched = at + Minutes(d_.rng.Real(q.dispatch_min[0], q.dispatch_min[1]));
  if (night && d_.rng.Chance(q.night_wait)) {
    dispatched = LocalMs(DayOf(at) + (local_hour >= 22 ? 1 : 0), 8) + Minutes(d_.rng.Int(0, 60));
  }
  std::string worker = d_.rng.Pick(estate.workers.at(company));
  std::string company_id = CompanyId(kCompanies[company]);
  Actor staff{worker, schema::Role::COMPANY_STAFF};
  d_.emit.One(dispatched, id, d_.Staff(e, company), [=](schema::Payload::Builder p) {
    auto d = p.initRepairDispatched();
    d.setRepairId(id);
    d.setWorkerId(worker);
    d.setCompanyId(company_id);
    d.setNote(night ? "夜间值班派单" : "已派单");
  });
  double x = d_.rng.Real();
  if (x < q.left_open) {
    d_.recent_repairs[e].push_back({id, at, 0});
    return;
  }
  int64_t done;
  bool on_time = x < q.left_open + q.on_time;
  if (on_time) {
    done = at + static_cast<int64_t>((deadline - at) * d_.rng.Real(0.15, 0.85));
    done = std::max(done, dispatched + Minutes(d_.rng.Int(20, 90)));
    if (done > deadline) done = std::max(dispatched + Minutes(5), deadline - Minutes(5));
  } else {
    done = std::max(deadline, dispatched) + Hours(d_.rng.Real(0.5, q.late_h));
  }
  std::string fix = d_.rng.Pick(c.fixes);
  d_.emit.One(done, id, staff, [=](schema::Payload::Builder p) {
    auto r = p.initRepairCompleted();
    r.setRepairId(id);
    r.setWorkerId(worker);
    r.setNote(fix);
  });
  if (done > deadline) d_.recent_repairs[e].push_back({id, at, done});
  if (d_.rng.Chance(0.65)) {
    double s = q.follow_up[0], b = q.follow_up[1], d = q.follow_up[2];
    if (done > deadline) {
      s *= 0.5;
      d += 0.3;
    }
    d_.FollowUp(d_.OfficeHours(done + Hours(d_.rng.Real(4, 60))), id, "repair", d_.Answer(s, b, d),
                d_.Worker(e));
  }
}

}  // namespace simulate::internal
