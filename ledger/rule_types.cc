// The rule book's table of event types, and what an event names (rule_types.h).

#include "rule_types.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace ledger::internal {
namespace {

using R = schema::Role;

// The rule book. Admins may do everything; nobody may bend the stream, scope or entity rules.
const TypeRule kRules[] = {
    {"estateRegistered", "estate", "estateId", Creation::kUpserts, Scope::kDistrict, kAuditor,
     Identity::kNone, kAuditor},
    {"companyRegistered", "company", "companyId", Creation::kUpserts, Scope::kDistrict, kAuditor,
     Identity::kNone, kAuditor},
    {"serviceContractStarted", "contract", "contractId", Creation::kCreates, Scope::kEstateField,
     kAuditor, Identity::kNone, kAuditor},
    {"serviceContractEnded", "contract", "contractId", Creation::kRefers, Scope::kEntity, kAuditor,
     Identity::kNone, kAuditor},
    {"householdRegistered", "household", "householdId", Creation::kUpserts, Scope::kEstateField,
     kWorker, Identity::kNone, kWorker},
    {"householdFlagsChanged", "household", "householdId", Creation::kRefers, Scope::kEntity,
     kWorker, Identity::kNone, kWorker},
    {"personRegistered", "person", "personId", Creation::kUpserts, Scope::kHouseholdOrDistrict,
     kWorker, Identity::kNone, kWorker},
    {"roleAppointed", "person", "personId", Creation::kRefersAny, Scope::kEstateOrDistrict,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
    {"roleEnded", "person", "personId", Creation::kRefersAny, Scope::kEstateOrDistrict,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
    {"ownersCommitteeFormed", "committee", "committeeId", Creation::kUpserts, Scope::kEstateField,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
    {"demandRecorded", "demand", "demandId", Creation::kCreates, Scope::kEstateField,
     kResident | kWorker | kCommittee, Identity::kHousehold, kWorker},
    {"demandMet", "demand", "demandId", Creation::kRefers, Scope::kEntity, kWorker, Identity::kNone,
     kWorker},
    {"serviceMenuItemOffered", "menu", "menuItemId", Creation::kUpserts, Scope::kEstateOrDistrict,
     kWorker, Identity::kNone, kWorker},
    {"policyAdopted", "policy", "policyId", Creation::kUpserts, Scope::kDistrict, kAuditor,
     Identity::kNone, kAuditor},
    {"complaintFiled", "complaint", "complaintId", Creation::kCreates, Scope::kEstateField,
     kResident | kWorker | kCommittee, Identity::kHousehold, kWorker},
    {"complaintAcknowledged", "complaint", "complaintId", Creation::kRefers, Scope::kEntity,
     kCompany, Identity::kChargedCompany, kCompany},
    {"complaintReplied", "complaint", "complaintId", Creation::kRefers, Scope::kEntity, kCompany,
     Identity::kChargedCompany, kCompany},
    {"complaintResolved", "complaint", "complaintId", Creation::kRefers, Scope::kEntity, kCompany,
     Identity::kChargedCompany, kCompany},
    {"complaintReopened", "complaint", "complaintId", Creation::kRefers, Scope::kEntity,
     kResident | kWorker, Identity::kFiler, kWorker},
    {"complaintEscalated", "complaint", "complaintId", Creation::kRefers, Scope::kEntity,
     kWorker | kAuditor | kCommittee, Identity::kNone, kWorker | kAuditor},
    {"repairRequested", "repair", "repairId", Creation::kCreates, Scope::kEstateField,
     kResident | kWorker, Identity::kHousehold, kWorker},
    {"repairDispatched", "repair", "repairId", Creation::kRefers, Scope::kEntity, kCompany,
     Identity::kChargedCompany, kCompany},
    {"repairCompleted", "repair", "repairId", Creation::kRefers, Scope::kEntity, kCompany,
     Identity::kChargedCompany, kCompany},
    {"followUpRecorded", "", "", Creation::kRefers, Scope::kSubject, kResident | kWorker,
     Identity::kSubjectFiler, kWorker},
    {"visitObligationRaised", "obligation", "obligationId", Creation::kCreates, Scope::kHousehold,
     kWorker, Identity::kNone, kWorker},
    {"homeVisitRecorded", "visit", "visitId", Creation::kCreates, Scope::kHousehold, kWorker,
     Identity::kNone, kWorker},
    {"surveyResponseRecorded", "survey", "surveyId", Creation::kUpserts, Scope::kEstateField,
     kResident | kWorker, Identity::kHousehold, kWorker},
    {"volunteerHoursClaimed", "claim", "claimId", Creation::kCreates, Scope::kClaim,
     kResident | kWorker, Identity::kPerson, kWorker},
    {"volunteerHoursVerified", "claim", "claimId", Creation::kRefers, Scope::kEntity, kWorker,
     Identity::kNone, kWorker},
    {"volunteerHoursRejected", "claim", "claimId", Creation::kRefers, Scope::kEntity, kWorker,
     Identity::kNone, kWorker},
    {"timeBankExchanged", "exchange", "exchangeId", Creation::kCreates, Scope::kPayer,
     kResident | kWorker, Identity::kPayer, kWorker},
    {"inspectionRecorded", "sheet", "sheetId", Creation::kCreates, Scope::kEstateOrDistrict,
     kAuditor, Identity::kNone, kAuditor},
    {"documentReviewRecorded", "sheet", "sheetId", Creation::kCreates, Scope::kEstateOrDistrict,
     kAuditor, Identity::kNone, kAuditor},
    {"starRatingPublished", "rating", "", Creation::kNone, Scope::kDistrict, kAuditor,
     Identity::kNone, kAuditor},
    {"jointMeetingHeld", "meeting", "meetingId", Creation::kCreates, Scope::kEstateField,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
    {"resolutionAdopted", "resolution", "resolutionId", Creation::kCreates, Scope::kMeeting,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
    {"resolutionProgressed", "resolution", "resolutionId", Creation::kRefers, Scope::kEntity,
     kWorker | kAuditor | kCommittee | kCompany, Identity::kOwner, kWorker | kAuditor},
    {"resolutionCompleted", "resolution", "resolutionId", Creation::kRefers, Scope::kEntity,
     kWorker | kAuditor, Identity::kNone, kWorker | kAuditor},
};

// The entity a follow-up is about.
std::string SubjectName(schema::FollowUpRecorded::Reader f) {
  auto subject = f.getSubject();
  switch (subject.which()) {
    case schema::FollowUpRecorded::Subject::COMPLAINT_ID:
      return EntityName("complaint", subject.getComplaintId().cStr());
    case schema::FollowUpRecorded::Subject::REPAIR_ID:
      return EntityName("repair", subject.getRepairId().cStr());
    case schema::FollowUpRecorded::Subject::VISIT_ID:
      return EntityName("visit", subject.getVisitId().cStr());
  }
  return "";
}

}  // namespace

const TypeRule* FindRule(std::string_view type) {
  for (const auto& rule : kRules) {
    if (type == rule.type) return &rule;
  }
  return nullptr;
}

std::span<const TypeRule> AllRules() { return kRules; }

std::string RolesText(uint32_t roles) {
  std::string out;
  for (R role : {R::RESIDENT, R::COMPANY_STAFF, R::COMMUNITY_WORKER, R::OWNERS_COMMITTEE,
                 R::STREET_AUDITOR}) {
    if (roles & Bit(role)) out += (out.empty() ? "" : ", ") + std::string(RoleName(role));
  }
  return out.empty() ? "admin only" : out;
}

// A text field of a struct payload member, or "".
std::string Field(capnp::DynamicStruct::Reader data, const char* name) {
  KJ_IF_MAYBE (field, data.getSchema().findFieldByName(name)) {
    if (field->getType().isText() && data.has(*field)) {
      return data.get(*field).as<capnp::Text>().cStr();
    }
  }
  return "";
}

// The payload's member as a dynamic struct; the caller checked it is a struct type.
capnp::DynamicStruct::Reader Data(schema::Payload::Reader payload) {
  capnp::DynamicStruct::Reader p = payload;
  KJ_IF_MAYBE (member, p.which()) {
    if (member->getType().isStruct()) return p.get(*member).as<capnp::DynamicStruct>();
  }
  return capnp::DynamicStruct::Reader();
}

std::string PayloadType(schema::Payload::Reader payload) {
  capnp::DynamicStruct::Reader p = payload;
  KJ_IF_MAYBE (member, p.which()) {
    return member->getProto().getName().cStr();
  }
  return "unknown";
}

// The entity an event of `rule` names, as a stream name, or "".
std::string EntityOf(const TypeRule& rule, schema::Payload::Reader payload) {
  if (payload.isFollowUpRecorded()) return SubjectName(payload.getFollowUpRecorded());
  if (rule.field[0] == '\0') return "";
  std::string id = Field(Data(payload), rule.field);
  return id.empty() ? "" : EntityName(rule.kind, id);
}

std::string StreamOfPayload(const TypeRule& rule, schema::Payload::Reader payload) {
  if (payload.isStarRatingPublished()) {
    return "rating/" + std::to_string(payload.getStarRatingPublished().getYear());
  }
  if (payload.isResolutionAdopted()) {
    // Adopted at a meeting, and appended with it.
    return EntityName("meeting", payload.getResolutionAdopted().getMeetingId().cStr());
  }
  return EntityOf(rule, payload);
}

std::string SurveyAnswerName(schema::SurveyResponseRecorded::Reader response) {
  return EntityName("survey", response.getSurveyId().cStr()) + '\x1f' +
         EntityName("household", response.getHouseholdId().cStr());
}

std::string OnlineAnswerName(std::string_view household, std::string_view day, int nth) {
  return std::string(kCountingFactPrefixes[0]) + EntityName("household", household) + '\x1f' +
         std::string(day.substr(0, 4)) + '\x1f' + std::to_string(nth);
}

std::string OpenObligationName(std::string_view household, int reason) {
  return "obligation-open\x1f" + EntityName("household", household) + '\x1f' +
         std::to_string(reason);
}

std::string EstateCommitteeName(std::string_view estate) {
  return "estate-committee\x1f" + std::string(estate);
}

std::string FiledOfDayName(bool repair, std::string_view person, std::string_view day, int nth) {
  return std::string(kCountingFactPrefixes[repair ? 2 : 1]) + std::string(person) + '\x1f' +
         std::string(day.substr(0, 10)) + '\x1f' + std::to_string(nth);
}

// The estate of a person's household, if known.
std::string EstateOfPerson(const FactSource& facts, const std::string& person_id,
                           std::string* household) {
  if (person_id.empty()) return "";
  auto person = facts.Entity(EntityName("person", person_id));
  if (!person || person->household.empty()) return "";
  if (household) *household = person->household;
  auto home = facts.Entity(EntityName("household", person->household));
  return home ? home->estate : "";
}

}  // namespace ledger::internal

namespace ledger {

using R = schema::Role;
using internal::FindRule;
using internal::PayloadType;
using internal::StreamOfPayload;
using internal::TypeRule;

const char* RoleName(schema::Role role) {
  switch (role) {
    case R::RESIDENT:
      return "resident";
    case R::COMPANY_STAFF:
      return "companyStaff";
    case R::COMMUNITY_WORKER:
      return "communityWorker";
    case R::STREET_AUDITOR:
      return "streetAuditor";
    case R::OWNERS_COMMITTEE:
      return "ownersCommittee";
    case R::ADMIN:
      return "admin";
    default:
      return "unknown";
  }
}

bool Caller::CoversEstate(std::string_view estate) const {
  return std::find(estates.begin(), estates.end(), estate) != estates.end();
}

std::string EntityName(std::string_view kind, std::string_view id) {
  std::string prefix = std::string(kind) + "/";
  if (id.substr(0, prefix.size()) == prefix) return std::string(id);
  return prefix + std::string(id);
}

std::string RecordingDay(int64_t unix_ms) {
  using namespace std::chrono;
  auto local = sys_time<milliseconds>(milliseconds(unix_ms)) + hours(8);
  year_month_day ymd{floor<days>(local)};
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

std::string ServingCompany(const std::vector<ContractFacts>& contracts, std::string_view day) {
  // The latest contract started on or before the day and not ended before it.
  const ContractFacts* best = nullptr;
  for (const auto& c : contracts) {
    if (c.voided || c.start > day || (!c.end.empty() && c.end < day)) continue;
    if (!best || c.start > best->start) best = &c;
  }
  return best ? best->company : "";
}

std::string StreamOf(schema::Event::Reader event) {
  auto payload = event.getPayload();
  if (payload.isCorrectionRecorded()) {
    return "correction/" + std::to_string(payload.getCorrectionRecorded().getCorrectsSeq());
  }
  const TypeRule* rule = FindRule(PayloadType(payload));
  return rule ? StreamOfPayload(*rule, payload) : "";
}

}  // namespace ledger
