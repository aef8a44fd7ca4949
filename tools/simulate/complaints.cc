#include "complaints.h"

#include <string>

#include "local_time.h"
#include "projections/calendar.h"

namespace simulate::internal {

std::string Complaints::Complaint(int e, int64_t at, bool duplicate_of_hotline) {
  Estate& estate = d_.estates[e];
  int company = estate.Company(DayOf(at));
  const Quality& q = d_.QualityOf(company);
  Household& h = d_.RandomHousehold(e);
  int year = projections::LocalYear(at, kZone);
  std::string id = d_.NextId("complaint", year);
  std::vector<double> weights;
  for (const auto& c : kComplaints) {
    weights.push_back(c.weight * (std::string(c.id) == "repairDelay" && company == kBad ? 3 : 1));
  }
  const ComplaintCategory& category = kComplaints[d_.rng.Weighted(weights)];
  schema::Channel channel =
      duplicate_of_hotline ? schema::Channel::HOTLINE : kChannels[d_.rng.Weighted(kChannelWeights)];
  std::string summary =
      h.building + "号楼" + h.unit + "单元" + h.room + "：" + d_.rng.Pick(category.summaries);
  std::string named = d_.rng.Chance(0.5) ? CompanyId(kCompanies[company]) : "";
  Actor filer = FilerOf(channel, h, e);
  std::string estate_id = estate.id, household = h.id, category_id = category.id;
  d_.emit.One(at, id, filer, [=](schema::Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(id);
    c.setEstateId(estate_id);
    c.setHouseholdId(household);
    c.setCompanyId(named);
    c.setCategory(category_id);
    c.setChannel(channel);
    c.setSummary(summary);
  });
  if (duplicate_of_hotline) {
    // The same complaint, also posted to the owners' group and entered again by mistake.
    std::string again = d_.NextId("complaint", year);
    d_.emit.One(
        at + Minutes(d_.rng.Int(20, 50)), again, filer,
        [=](schema::Payload::Builder p) {
          auto c = p.initComplaintFiled();
          c.setComplaintId(again);
          c.setEstateId(estate_id);
          c.setHouseholdId(household);
          c.setCategory(category_id);
          c.setChannel(schema::Channel::WECHAT_GROUP);
          c.setSummary(summary + "（微信群重复反映）");
        },
        0, [this, e, at](uint64_t seq) { VoidDuplicate(e, seq, at); });
  }

  // Every fortieth complaint goes badly whoever serves, so that every district shows a
  // reopening and an escalation.
  bool troubled = d_.ids["complaint"] % 40 == 3;
  Actor staff = d_.Staff(e, company);
  int64_t resolved = 0;
  if (troubled || !d_.rng.Chance(q.never_ack)) {
    int64_t ack = at + Hours(d_.rng.Real(q.ack_h[0], q.ack_h[1]));
    if (q.ack_h[1] > 2) ack = d_.OfficeHours(ack);
    d_.emit.One(ack, id, staff, [=](schema::Payload::Builder p) {
      auto s = p.initComplaintAcknowledged();
      s.setComplaintId(id);
      s.setNote("已受理，正在核实情况");
    });
    int64_t reply = d_.OfficeHours(ack + Hours(d_.rng.Real(q.reply_h[0], q.reply_h[1])));
    std::string text = d_.rng.Pick(category.replies);
    d_.emit.One(reply, id, staff, [=](schema::Payload::Builder p) {
      auto r = p.initComplaintReplied();
      r.setComplaintId(id);
      r.setReply(text);
    });
    if (!d_.rng.Chance(q.unresolved) || troubled) {
      resolved = d_.OfficeHours(reply + Hours(d_.rng.Real(q.resolve_h[0], q.resolve_h[1])));
      d_.emit.One(resolved, id, staff, [=](schema::Payload::Builder p) {
        auto s = p.initComplaintResolved();
        s.setComplaintId(id);
        s.setNote("问题已处理完毕 resolved");
      });
      resolved = ComplaintFollowUps(e, id, resolved, q, troubled, staff);
    }
  }
  int64_t two_weeks = at + 14 * kMillisPerDay;
  if ((resolved == 0 || resolved > two_weeks) && (troubled || d_.rng.Chance(q.escalate))) {
    int64_t when = d_.OfficeHours(LocalMs(DayOf(two_weeks), 10));
    std::string meeting = d_.NextMeeting(e, when);
    d_.agenda[meeting].push_back(id);
    d_.emit.One(when, id, d_.Worker(e), [=](schema::Payload::Builder p) {
      auto s = p.initComplaintEscalated();
      s.setComplaintId(id);
      s.setMeetingId(meeting);
      s.setReason("两周未解决，提交联席会议 open for two weeks: to the joint meeting");
    });
  }
  d_.recent_complaints[e].push_back({id, at, resolved});
  return id;
}

int64_t Complaints::ComplaintFollowUps(int e, const std::string& id, int64_t resolved,
                                       const Quality& q, bool troubled, const Actor& staff) {
  int64_t call = d_.OfficeHours(resolved + Hours(d_.rng.Real(20, 72)));
  schema::Satisfaction s = troubled ? schema::Satisfaction::DISSATISFIED : d_.Answer(q.follow_up);
  d_.FollowUp(call, id, "complaint", s, d_.Worker(e));
  if (s == schema::Satisfaction::DISSATISFIED &&
      (troubled || d_.rng.Chance(q.reopen_if_dissatisfied))) {
    int64_t reopened = call + Minutes(d_.rng.Int(10, 120));
    d_.emit.One(reopened, id, d_.Worker(e), [=](schema::Payload::Builder p) {
      auto r = p.initComplaintReopened();
      r.setComplaintId(id);
      r.setNote("回访不满意，重新办理 reopened after the follow-up call");
    });
    int64_t again = d_.OfficeHours(reopened + Hours(d_.rng.Real(q.resolve_h[0], q.resolve_h[1])));
    d_.emit.One(again, id, staff, [=](schema::Payload::Builder p) {
      auto r = p.initComplaintResolved();
      r.setComplaintId(id);
      r.setNote("二次处理完毕");
    });
    d_.FollowUp(d_.OfficeHours(again + Hours(d_.rng.Real(20, 72))), id, "complaint",
                d_.Answer(q.follow_up[0] + 0.2, q.follow_up[1], q.follow_up[2] * 0.5),
                d_.Worker(e));
    return again;
  }
  return resolved;
}

Actor Complaints::FilerOf(schema::Channel channel, const Household& h, int e) {
  switch (channel) {
    case schema::Channel::HOTLINE:
    case schema::Channel::WECHAT_GROUP:
      return d_.ResidentActor(h);
    case schema::Channel::DOOR_TO_DOOR:
    case schema::Channel::FORUM:
      return {d_.rng.Pick(d_.estates[e].grid_workers), schema::Role::COMMUNITY_WORKER};
    default:
      return d_.Worker(e);
  }
}

void Complaints::VoidDuplicate(int e, uint64_t seq, int64_t filed) {
  d_.emit.One(d_.OfficeHours(LocalMs(DayOf(filed) + 1, 9, 30)), "correction/" + std::to_string(seq),
              d_.Worker(e), [=](schema::Payload::Builder p) {
                auto c = p.initCorrectionRecorded();
                c.setCorrectsSeq(seq);
                c.setReason("重复登记：同一投诉已由热线受理 duplicate of a hotline complaint");
                c.getAction().setVoid();
              });
}

}  // namespace simulate::internal
