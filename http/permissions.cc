#include "http/permissions.h"

#include <capnp/dynamic.h>

#include <algorithm>
#include <set>

#include "ledger/validate.h"
#include "projections/calendar.h"

namespace http {

namespace schema = ledger::schema;
using R = schema::Role;

namespace {

const std::set<std::string>& TypesOf(R role) {
  static const std::set<std::string> kResident = {
      "complaintFiled",         "complaintReopened", "repairRequested",       "followUpRecorded",
      "surveyResponseRecorded", "demandRecorded",    "volunteerHoursClaimed", "timeBankExchanged"};
  static const std::set<std::string> kCompany = {"complaintAcknowledged", "complaintReplied",
                                                 "complaintResolved", "repairDispatched",
                                                 "repairCompleted"};
  static const std::set<std::string> kCommunity = {"householdRegistered",
                                                   "householdFlagsChanged",
                                                   "personRegistered",
                                                   "roleAppointed",
                                                   "roleEnded",
                                                   "ownersCommitteeFormed",
                                                   "demandRecorded",
                                                   "demandMet",
                                                   "serviceMenuItemOffered",
                                                   "visitObligationRaised",
                                                   "homeVisitRecorded",
                                                   "surveyResponseRecorded",
                                                   "followUpRecorded",
                                                   "volunteerHoursVerified",
                                                   "volunteerHoursRejected",
                                                   "timeBankExchanged",
                                                   "jointMeetingHeld",
                                                   "resolutionAdopted",
                                                   "resolutionProgressed",
                                                   "resolutionCompleted",
                                                   "complaintEscalated",
                                                   "complaintFiled",
                                                   "repairRequested"};
  static const std::set<std::string> kCommittee = {"complaintFiled", "complaintEscalated",
                                                   "demandRecorded", "resolutionProgressed",
                                                   "followUpRecorded"};
  static const std::set<std::string> kAuditor = {
      "estateRegistered",       "companyRegistered",    "serviceContractStarted",
      "serviceContractEnded",   "policyAdopted",        "inspectionRecorded",
      "documentReviewRecorded", "starRatingPublished",  "jointMeetingHeld",
      "resolutionAdopted",      "resolutionProgressed", "resolutionCompleted",
      "complaintEscalated",     "roleAppointed",        "roleEnded",
      "ownersCommitteeFormed"};
  static const std::set<std::string> kNone;
  switch (role) {
    case R::RESIDENT:
      return kResident;
    case R::COMPANY_STAFF:
      return kCompany;
    case R::COMMUNITY_WORKER:
      return kCommunity;
    case R::OWNERS_COMMITTEE:
      return kCommittee;
    case R::STREET_AUDITOR:
      return kAuditor;
    default:
      return kNone;
  }
}

// A text field of the payload's data named `name`, or "".
std::string TextField(schema::Payload::Reader payload, const char* name) {
  capnp::DynamicStruct::Reader p = payload;
  KJ_IF_MAYBE (member, p.which()) {
    auto type = member->getType();
    if (!type.isStruct()) return "";
    auto data = p.get(*member).as<capnp::DynamicStruct>();
    KJ_IF_MAYBE (field, data.getSchema().findFieldByName(name)) {
      if (field->getType().isText()) return data.get(*field).as<capnp::Text>().cStr();
    }
  }
  return "";
}

}  // namespace

bool Permissions::RoleMayAppend(R role, const std::string& type) {
  if (role == R::ADMIN) return true;
  return TypesOf(role).count(type) > 0;
}

bool Permissions::MayReadRawEvents(const Principal& who) {
  return who.role == R::ADMIN || who.role == R::STREET_AUDITOR || who.role == R::COMMUNITY_WORKER;
}

Decision Permissions::MayAppend(const Principal& who, schema::Event::Reader event,
                                projections::Engine& engine, ledger::Ledger& log) const {
  std::string type = ledger::EventTypeName(event);
  auto payload = event.getPayload();

  if (type == "correctionRecorded") {
    uint64_t target = payload.getCorrectionRecorded().getCorrectsSeq();
    auto corrected = log.Read(target);
    if (!corrected.ok()) {
      return Decision::Deny("correctionRecorded.correctsSeq: there is no event " +
                            std::to_string(target) + " to correct");
    }
    std::string corrected_type = ledger::EventTypeName(corrected->event());
    if (corrected_type == "correctionRecorded") {
      return Decision::Deny(
          "a correction cannot correct a correction; correct event " +
          std::to_string(corrected->event().getPayload().getCorrectionRecorded().getCorrectsSeq()) +
          " again instead");
    }
    if (who.role != R::ADMIN && who.role != R::STREET_AUDITOR &&
        !RoleMayAppend(who.role, corrected_type)) {
      return Decision::Deny(std::string("a ") + RoleName(who.role) + " may not correct a " +
                            corrected_type + " event");
    }
    if (who.role == R::ADMIN || who.role == R::STREET_AUDITOR) return Decision::Allow();
    // Scope as for the corrected event itself.
    return MayAppend(who, corrected->event(), engine, log);
  }

  if (!RoleMayAppend(who.role, type)) {
    return Decision::Deny(std::string("a ") + RoleName(who.role) + " token may not append " + type +
                          " events");
  }
  bool estate_bound = who.BoundToEstates() || who.role == R::COMPANY_STAFF;
  if (!estate_bound) return Decision::Allow();

  // Which estate is this about?
  std::string estate = TextField(payload, "estateId");
  std::string complaint = TextField(payload, "complaintId");
  std::string repair = TextField(payload, "repairId");
  std::string household = TextField(payload, "householdId");
  if (payload.isFollowUpRecorded()) {
    auto subject = payload.getFollowUpRecorded().getSubject();
    if (subject.isComplaintId()) complaint = subject.getComplaintId().cStr();
    if (subject.isRepairId()) repair = subject.getRepairId().cStr();
  }
  std::string company_of_entity;
  if (estate.empty() && (!complaint.empty() || !repair.empty() || !household.empty())) {
    // The entity may have been appended a moment ago: let the views catch up first.
    (void)engine.WaitFor(log.Head().seq, std::chrono::seconds(2));
    engine.Read([&](const projections::ViewSet& views) {
      if (!complaint.empty()) {
        if (auto* c = views.complaints.complaints().Find(complaint)) {
          estate = c->estate_id;
          company_of_entity = c->company_id;
        }
      } else if (!repair.empty()) {
        if (auto* r = views.repairs.repairs().Find(repair)) {
          estate = r->estate_id;
          company_of_entity = r->company_id;
        }
      } else if (!household.empty()) {
        estate = views.registers.EstateOfHousehold(household);
      }
      return 0;
    });
  }
  if (estate.empty()) {
    return Decision::Deny("cannot tell which estate this " + type +
                          " concerns (no estateId, and no known complaint, repair or household); "
                          "this token may act only for its own estates");
  }
  if (who.role == R::COMPANY_STAFF) {
    if (!company_of_entity.empty() && company_of_entity == who.company_id) return Decision::Allow();
    int64_t today = projections::LocalDay(
        event.getOccurredAt() ? event.getOccurredAt()
                              : std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count(),
        projections::TimeZone{});
    std::string serving = engine.Read([&](const projections::ViewSet& views) {
      return views.registers.ServingCompany(estate, today);
    });
    if (serving != who.company_id) {
      return Decision::Deny("estate " + estate + " is served by " +
                            (serving.empty() ? std::string("no company") : serving) +
                            " on that day, not by " + who.company_id);
    }
    return Decision::Allow();
  }
  if (!who.CoversEstate(estate)) {
    std::string allowed;
    for (const auto& e : who.estates) allowed += (allowed.empty() ? "" : ", ") + e;
    return Decision::Deny("this token acts for " + allowed + ", not for " + estate);
  }
  return Decision::Allow();
}

Decision Permissions::ScopeQuery(const Principal& who, Query* q) const {
  q->personal_details = MayReadRawEvents(who);
  if (who.role == R::ADMIN || who.role == R::STREET_AUDITOR) {
    if (!who.BoundToEstates()) return Decision::Allow();
  }
  if (who.role == R::COMPANY_STAFF) {
    if (!q->filter.company.empty() && q->filter.company != who.company_id) {
      return Decision::Deny("this token reads for company " + who.company_id + ", not " +
                            q->filter.company);
    }
    q->filter.company = who.company_id;
    return Decision::Allow();
  }
  if (!who.BoundToEstates()) return Decision::Allow();
  if (q->filter.estate.empty()) {
    if (who.estates.size() == 1) {
      q->filter.estate = who.estates[0];
      return Decision::Allow();
    }
    std::string allowed;
    for (const auto& e : who.estates) allowed += (allowed.empty() ? "" : ", ") + e;
    return Decision::Deny("name an estate with ?estate=; this token reads " + allowed);
  }
  if (!who.CoversEstate(q->filter.estate)) {
    return Decision::Deny("this token does not read estate " + q->filter.estate);
  }
  return Decision::Allow();
}

}  // namespace http
