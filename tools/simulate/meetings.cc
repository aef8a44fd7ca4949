#include "meetings.h"

#include <algorithm>
#include <tuple>

#include "local_time.h"

namespace simulate::internal {

void Meetings::OpenItems(int e, const std::string& id, int64_t held,
                         std::vector<std::string>* complaints_out,
                         std::vector<std::string>* repairs_out) {
  std::vector<std::string>& complaints = *complaints_out;
  complaints = d_.agenda[id];
  d_.agenda.erase(id);
  auto& recent = d_.recent_complaints[e];
  for (const Recent& r : recent) {
    if (complaints.size() >= 8) break;
    bool open = r.closed_at == 0 || r.closed_at > held;
    if (open && r.at < held &&
        std::find(complaints.begin(), complaints.end(), r.id) == complaints.end()) {
      complaints.push_back(r.id);
    }
  }
  std::vector<std::string>& repairs = *repairs_out;
  for (const Recent& r : d_.recent_repairs[e]) {
    if (repairs.size() >= 6) break;
    if (r.at < held && (r.closed_at == 0 || r.closed_at > held)) repairs.push_back(r.id);
  }
  // Forget what an agenda will not look at again.
  auto stale = [&](const Recent& r) { return r.at < held - 60 * kMillisPerDay; };
  recent.erase(std::remove_if(recent.begin(), recent.end(), stale), recent.end());
  auto& rr = d_.recent_repairs[e];
  rr.erase(std::remove_if(rr.begin(), rr.end(), stale), rr.end());
}

void Meetings::Meeting(int e, int64_t day, const projections::CivilDay& civil) {
  Estate& estate = d_.estates[e];
  int company = estate.Company(day);
  const Quality& q = d_.QualityOf(company);
  int64_t held = LocalMs(day, 14, 30);
  std::string id = d_.MeetingId(e, civil.year, civil.month);
  // The agenda: escalated complaints, complaints still open, repairs late or overdue.
  std::vector<std::string> complaints, repairs;
  OpenItems(e, id, held, &complaints, &repairs);

  std::string topic = kMeetingTopics[(civil.month + e) % kMeetingTopics.size()];
  struct Item {
    std::string title;
    std::vector<std::string> complaints, repairs;
  };
  std::vector<Item> agenda = {
      {"上月投诉处理情况 complaints since the last meeting", complaints, {}},
      {"维修时限落实情况 repair time limits", {}, repairs},
      {topic, {}, {}}};
  std::string manager = estate.manager.at(company);
  std::vector<std::tuple<std::string, std::string, schema::Side>> attendees = {
      {"person/street-director", d_.Name("person/street-director"), schema::Side::STREET_OFFICE},
      {"person/party-secretary", d_.Name("person/party-secretary"), schema::Side::COMMUNITY_PARTY},
      {"person/rc-director", d_.Name("person/rc-director"), schema::Side::RESIDENTS_COMMITTEE},
      {estate.chair, d_.Name(estate.chair), schema::Side::OWNERS_COMMITTEE},
      {manager, d_.Name(manager), schema::Side::PROPERTY_COMPANY},
      {"person/partner-1", d_.Name("person/partner-1"), schema::Side::PARTNER_UNIT},
      {estate.supervisor, d_.Name(estate.supervisor), schema::Side::RESIDENT_REPRESENTATIVE},
      {estate.reporter, d_.Name(estate.reporter), schema::Side::RESIDENT_REPRESENTATIVE}};
  std::string estate_id = estate.id, place = estate.place, held_on = DayText(day);
  std::string minutes = estate.name + std::to_string(civil.month) + "月联席会议：通报投诉" +
                        std::to_string(complaints.size()) + "件、超时维修" +
                        std::to_string(repairs.size()) + "件，议定" + topic + "事项。";
  Actor secretary = d_.Worker(e);
  std::vector<Draft> drafts;
  drafts.push_back(
      {held, secretary, [=](schema::Payload::Builder p) {
         auto m = p.initJointMeetingHeld();
         m.setMeetingId(id);
         m.setEstateId(estate_id);
         m.setHeldOn(held_on);
         m.setPlace(place);
         auto list = m.initAttendees(attendees.size());
         for (size_t i = 0; i < attendees.size(); ++i) {
           list[i].setPersonId(std::get<0>(attendees[i]));
           list[i].setName(std::get<1>(attendees[i]));
           list[i].setSide(std::get<2>(attendees[i]));
         }
         auto items = m.initAgenda(agenda.size());
         for (size_t i = 0; i < agenda.size(); ++i) {
           items[i].setTitle(agenda[i].title);
           SetTexts(items[i].initComplaintIds(agenda[i].complaints.size()), agenda[i].complaints);
           SetTexts(items[i].initRepairIds(agenda[i].repairs.size()), agenda[i].repairs);
         }
         m.setMinutes(minutes);
       }});
  // Resolutions: who does what by when.
  static const std::vector<std::pair<std::string, schema::Side>> kResolutions = {
      {"物业公司两周内完成超时维修整改", schema::Side::PROPERTY_COMPANY},
      {"物业公司公示本季度维修及投诉处理情况", schema::Side::PROPERTY_COMPANY},
      {"业委会组织业主代表监督整改", schema::Side::OWNERS_COMMITTEE},
      {"居委会开展文明养宠宣传", schema::Side::RESIDENTS_COMMITTEE},
      {"物业公司增设夜间维修值班", schema::Side::PROPERTY_COMPANY},
      {"街道协调联点单位解决停车难", schema::Side::STREET_OFFICE}};
  int count = d_.rng.Int(1, 3);
  for (int i = 0; i < count; ++i) {
    const auto& [text, side] = kResolutions[d_.rng.Below(kResolutions.size())];
    std::string rid = "resolution/" + estate.code + "-" + std::to_string(civil.year) + "-" +
                      Pad(civil.month, 2) + "-" + std::to_string(i + 1);
    std::string owner = side == schema::Side::PROPERTY_COMPANY      ? manager
                        : side == schema::Side::OWNERS_COMMITTEE    ? estate.chair
                        : side == schema::Side::RESIDENTS_COMMITTEE ? "person/rc-director"
                                                                    : "person/street-director";
    int64_t due = day + d_.rng.Int(14, 30);
    std::string due_text = DayText(due), resolution_text = text;
    schema::Side owner_side = side;
    drafts.push_back({held, secretary, [=](schema::Payload::Builder p) {
                        auto r = p.initResolutionAdopted();
                        r.setResolutionId(rid);
                        r.setMeetingId(id);
                        r.setEstateId(estate_id);
                        r.setText(resolution_text);
                        r.setOwnerSide(owner_side);
                        r.setOwnerId(owner);
                        r.setDueDate(due_text);
                      }});
    const Quality& who = side == schema::Side::PROPERTY_COMPANY ? q : d_.QualityOf(1);
    Resolution(e, rid, day, due, who,
               {owner, side == schema::Side::PROPERTY_COMPANY   ? schema::Role::COMPANY_STAFF
                       : side == schema::Side::OWNERS_COMMITTEE ? schema::Role::OWNERS_COMMITTEE
                                                                : schema::Role::COMMUNITY_WORKER});
  }
  // The minutes are typed up after the meeting.
  d_.emit.Plan(LocalMs(day, 17, 30) + Minutes(d_.rng.Int(0, 90)), id, std::move(drafts));
}

void Meetings::Resolution(int e, const std::string& id, int64_t day, int64_t due, const Quality& q,
                          const Actor& owner) {
  double x = d_.rng.Real();
  bool abandoned = x < q.resolution_abandoned;
  bool on_time = !abandoned && x < q.resolution_abandoned + q.resolution_on_time;
  int64_t end = on_time ? day + std::max<int64_t>(2, (due - day) * d_.rng.Real(0.4, 1.0))
                        : due + d_.rng.Int(3, 30);
  int steps = d_.rng.Int(1, 2);
  for (int i = 1; i <= steps; ++i) {
    int64_t at = day + (end - day) * i / (steps + 1);
    uint8_t percent = static_cast<uint8_t>(abandoned ? 20 * i : 90 * i / (steps + 1));
    d_.emit.One(d_.WorkTime(std::max(at, day + 1)), id, owner, [=](schema::Payload::Builder p) {
      auto r = p.initResolutionProgressed();
      r.setResolutionId(id);
      r.setNote("整改推进中 in progress");
      r.setPercent(percent);
    });
  }
  if (abandoned) return;
  d_.emit.One(d_.WorkTime(std::max(end, day + 2)), id, d_.Worker(e),
              [=](schema::Payload::Builder p) {
                auto r = p.initResolutionCompleted();
                r.setResolutionId(id);
                r.setNote("已完成，经业主代表验收 done, checked by resident representatives");
                r.setPercent(100);
              });
}

}  // namespace simulate::internal
