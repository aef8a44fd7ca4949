#include "ledger/rule_book.h"

#include <capnp/dynamic.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "ledger/validate.h"

namespace ledger {

namespace {

using R = schema::Role;

constexpr uint32_t Bit(R role) { return 1u << static_cast<uint32_t>(role); }
constexpr uint32_t kResident = Bit(R::RESIDENT);
constexpr uint32_t kCompany = Bit(R::COMPANY_STAFF);
constexpr uint32_t kWorker = Bit(R::COMMUNITY_WORKER);
constexpr uint32_t kAuditor = Bit(R::STREET_AUDITOR);
constexpr uint32_t kCommittee = Bit(R::OWNERS_COMMITTEE);

// Whether the first event of an entity fixes it, or it may be registered again.
enum class Creation {
  kCreates,    // the first event creates it; a second creating event is refused (id taken)
  kUpserts,    // registered again to change its details, in the same estate
  kRefers,     // the entity must exist
  kRefersAny,  // names an entity that need not be known (an appointment of an outside person)
  kNone,       // binds no entity
};

// How the estate an event concerns is found.
enum class Scope {
  kDistrict,             // district-wide: no estate; for tokens bound to no estate
  kEstateField,          // its estateId
  kEstateOrDistrict,     // its estateId if given, else district-wide
  kEntity,               // the estate of the entity it names
  kHousehold,            // the estate of its householdId
  kHouseholdOrDistrict,  // the estate of its householdId if given, else district-wide
  kClaim,                // its estateId, else the estate of the claimant's household
  kPayer,                // the estate of the payer's household
  kSubject,              // the estate of the complaint, repair or visit followed up
  kMeeting,              // the estate of the meeting that adopted it
};

// Which payload fields must be the caller, or belong to the caller.
enum class Identity {
  kNone,
  kHousehold,       // householdId: a resident's own household (others: a household of the estate)
  kPerson,          // personId: a resident's own person id
  kPayer,           // payerId: a resident pays only from their own account
  kFiler,           // a resident acts only on what they filed
  kSubjectFiler,    // a resident follows up only their own complaint, repair or visit
  kChargedCompany,  // company staff act only on complaints and repairs charged to their company
  kOwner,           // company staff report only on resolutions their company owns
};

struct TypeRule {
  const char* type;
  const char* kind;   // the entity's kind: its stream prefix
  const char* field;  // the payload field holding the entity id
  Creation creation;
  Scope scope;
  uint32_t roles;
  Identity identity;
  uint32_t supervisors;  // roles that may void the records of others (within their scope)
};

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
    {"followUpRecorded", "", "", Creation::kRefers, Scope::kSubject,
     kResident | kWorker | kCommittee, Identity::kSubjectFiler, kWorker},
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

const TypeRule* FindRule(std::string_view type) {
  for (const auto& rule : kRules) {
    if (type == rule.type) return &rule;
  }
  return nullptr;
}

}  // namespace

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

namespace {

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

Verdict Deny(const char* rule, std::string why) {
  return Verdict{rule, Status::PermissionDenied(std::string(rule) + ": " + why)};
}
Verdict Invalid(const char* rule, std::string why) {
  return Verdict{rule, Status::InvalidArgument(std::string(rule) + ": " + why)};
}
Verdict Taken(const char* rule, std::string why) {
  return Verdict{rule, Status::AlreadyExists(std::string(rule) + ": " + why)};
}

std::string EstatesText(const Caller& who) {
  std::string out;
  for (const auto& e : who.estates) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// The estate of a person's household, if known.
std::string EstateOfPerson(const FactSource& facts, const std::string& person_id,
                           std::string* household = nullptr) {
  if (person_id.empty()) return "";
  auto person = facts.Entity(EntityName("person", person_id));
  if (!person || person->household.empty()) return "";
  if (household) *household = person->household;
  auto home = facts.Entity(EntityName("household", person->household));
  return home ? home->estate : "";
}

// How one act (a new event, or a replacement read as one) is judged.
struct Act {
  const Caller& who;
  const TypeRule& rule;
  schema::Payload::Reader payload;
  std::string day;  // the recording day
  const FactSource& facts;
  // For a replacement: the entity of the event it replaces, which it must keep.
  std::optional<std::string> replacing;
};

// Finds the estate `act` concerns. Sets `*estate` ("" for district-wide) and `*entity`, or
// returns a refusal.
Verdict FindScope(const Act& act, std::string* estate, std::optional<EntityFacts>* entity) {
  const TypeRule& rule = act.rule;
  auto data = Data(act.payload);
  std::string name = EntityOf(rule, act.payload);
  if (!name.empty()) *entity = act.facts.Entity(name);
  std::string field_estate = Field(data, "estateId");

  switch (rule.creation) {
    case Creation::kCreates:
      if (*entity && !act.replacing) {
        return Taken("entity.taken", name + " exists already (created at seq " +
                                         std::to_string((*entity)->seq) + "); choose a new " +
                                         rule.field);
      }
      break;
    case Creation::kRefers:
      if (!*entity) {
        return Deny("entity.unknown",
                    std::string(act.payload.isFollowUpRecorded() ? "the subject " : "") + name +
                        " is not in the ledger; a " + rule.type + " names one that is");
      }
      break;
    default:
      break;
  }
  if (act.replacing && name != *act.replacing) {
    return Deny("correction.entity", "a replacement keeps the entity of the event it replaces (" +
                                         *act.replacing + "), not " + name +
                                         "; void that event and append a new one instead");
  }

  switch (rule.scope) {
    case Scope::kDistrict:
      estate->clear();
      break;
    case Scope::kEstateField:
    case Scope::kEstateOrDistrict:
      *estate = field_estate;
      break;
    case Scope::kEntity:
    case Scope::kSubject:
      *estate = (*entity)->estate;
      break;
    case Scope::kHousehold:
    case Scope::kHouseholdOrDistrict: {
      std::string household = Field(data, "householdId");
      if (household.empty()) {
        estate->clear();
        break;
      }
      auto home = act.facts.Entity(EntityName("household", household));
      if (!home) {
        return Deny("entity.unknown", EntityName("household", household) +
                                          " is not registered; register the household first");
      }
      *estate = home->estate;
      break;
    }
    case Scope::kClaim:
      *estate =
          field_estate.empty() ? EstateOfPerson(act.facts, Field(data, "personId")) : field_estate;
      break;
    case Scope::kPayer:
      *estate = EstateOfPerson(act.facts, Field(data, "payerId"));
      break;
    case Scope::kMeeting: {
      std::string meeting = Field(data, "meetingId");
      auto held = act.facts.Entity(EntityName("meeting", meeting));
      if (!held) {
        return Deny("entity.unknown", EntityName("meeting", meeting) +
                                          " is not in the ledger; append the meeting first, or "
                                          "with its resolutions in one append");
      }
      *estate = held->estate;
      if (!field_estate.empty() && field_estate != held->estate) {
        return Deny("entity.estate", "the resolution names " + field_estate + " but " +
                                         EntityName("meeting", meeting) + " was held for " +
                                         held->estate);
      }
      break;
    }
  }

  // An entity's estate is fixed by the event that created it: later events must agree.
  if (*entity && !(*entity)->estate.empty() && !field_estate.empty() &&
      field_estate != (*entity)->estate && rule.scope != Scope::kMeeting) {
    return Deny("entity.estate", name + " belongs to " + (*entity)->estate + ", not to " +
                                     field_estate + "; an entity's estate never changes");
  }
  if (*entity && rule.creation == Creation::kUpserts && estate->empty() &&
      !(*entity)->estate.empty() && rule.scope != Scope::kDistrict) {
    *estate = (*entity)->estate;  // a person registered again without a household stays put
  }
  return Verdict::Allow();
}

Verdict CheckScope(const Act& act, const std::string& estate) {
  const Caller& who = act.who;
  if (who.role == R::ADMIN && !who.BoundToEstates()) return Verdict::Allow();
  if (estate.empty()) {
    if (who.BoundToEstates() || who.role == R::COMPANY_STAFF) {
      return Deny(
          "scope.district",
          std::string("a ") + act.rule.type +
              (act.rule.scope == Scope::kDistrict
                   ? " is district-wide"
                   : " that names no estate (none can be found from what it names)") +
              "; this token acts only for " +
              (who.role == R::COMPANY_STAFF ? "the estates its company serves" : EstatesText(who)));
    }
    return Verdict::Allow();
  }
  if (who.BoundToEstates() && !who.CoversEstate(estate)) {
    return Deny("scope.estate", std::string("this ") + RoleName(who.role) + " token acts for " +
                                    EstatesText(who) + ", not for " + estate);
  }
  if (who.role == R::COMPANY_STAFF) {
    auto contracts = act.facts.Contracts(estate);
    std::string serving = ServingCompany(contracts, act.day);
    if (serving != who.company_id) {
      std::string ended;
      for (const auto& c : contracts) {
        if (c.company == who.company_id && !c.voided && !c.end.empty() && c.end < act.day) {
          ended = std::max(ended, c.end);
        }
      }
      std::string why = "company staff of " + who.company_id + " act for " + estate +
                        " only while " + who.company_id + " serves it";
      if (!ended.empty()) {
        why += "; its contract ended " + ended;
      } else {
        why += "; on " + act.day + " (the day this is recorded) " +
               (serving.empty() ? std::string("no company") : serving) + " serves it";
      }
      return Deny("scope.company-serves", why);
    }
  }
  return Verdict::Allow();
}

Verdict CheckIdentity(const Act& act, const std::string& estate,
                      const std::optional<EntityFacts>& entity) {
  const Caller& who = act.who;
  auto data = Data(act.payload);
  bool resident = who.role == R::RESIDENT;
  std::string own_household;
  if (resident) EstateOfPerson(act.facts, who.actor_id, &own_household);

  // A company named by a complaint, a repair or a survey is the one serving the estate.
  if (act.payload.isComplaintFiled() || act.payload.isRepairRequested() ||
      act.payload.isSurveyResponseRecorded()) {
    std::string company = Field(data, "companyId");
    if (!company.empty()) {
      std::string serving = ServingCompany(act.facts.Contracts(estate), act.day);
      if (company != serving) {
        return Deny("identity.company",
                    company + " does not serve " + estate + " on " + act.day + " (" +
                        (serving.empty() ? std::string("no company does") : serving + " does") +
                        "); leave companyId out and the ledger charges the serving company");
      }
    }
  }
  if (act.payload.isRepairDispatched() && entity) {
    std::string company = Field(data, "companyId");
    if (!company.empty() && company != entity->company) {
      return Deny("identity.company",
                  "the repair is charged to " +
                      (entity->company.empty() ? std::string("no company") : entity->company) +
                      ", not to " + company);
    }
  }

  switch (act.rule.identity) {
    case Identity::kNone:
      break;
    case Identity::kHousehold: {
      std::string household = Field(data, "householdId");
      if (household.empty()) break;
      auto home = act.facts.Entity(EntityName("household", household));
      if (resident && household != own_household &&
          EntityName("household", household) != EntityName("household", own_household)) {
        return Deny(
            "identity.household",
            "a resident names only their own household (" +
                (own_household.empty() ? std::string("none is registered for ") + who.actor_id
                                       : own_household) +
                "), not " + household);
      }
      if (!home) {
        return Deny("entity.unknown",
                    EntityName("household", household) + " is not registered in the ledger");
      }
      if (home->estate != estate) {
        return Deny("identity.household",
                    household + " lives in " + home->estate + ", not in " + estate);
      }
      break;
    }
    case Identity::kPerson:
    case Identity::kPayer: {
      std::string person =
          Field(data, act.rule.identity == Identity::kPerson ? "personId" : "payerId");
      if (resident && person != who.actor_id) {
        return Deny("identity.person",
                    std::string("a resident ") +
                        (act.rule.identity == Identity::kPerson ? "claims hours only as"
                                                                : "pays only from the account of") +
                        " themselves (" + who.actor_id + "), not " + person);
      }
      std::string lives = EstateOfPerson(act.facts, person);
      if (!lives.empty() && !estate.empty() && lives != estate) {
        return Deny("identity.person", person + " lives in " + lives + ", not in " + estate);
      }
      break;
    }
    case Identity::kFiler:
      if (resident && entity && entity->filer != who.actor_id) {
        return Deny("identity.filer", "a resident acts only on what they filed; " +
                                          EntityOf(act.rule, act.payload) +
                                          " was filed by someone else");
      }
      break;
    case Identity::kSubjectFiler:
      if (resident && entity) {
        bool visit = act.payload.getFollowUpRecorded().getSubject().isVisitId();
        bool own =
            visit ? (!entity->household.empty() && EntityName("household", entity->household) ==
                                                       EntityName("household", own_household))
                  : entity->filer == who.actor_id;
        if (!own) {
          return Deny("identity.filer",
                      std::string("a resident follows up only ") +
                          (visit ? "visits to their own household" : "what they filed") + "; " +
                          EntityOf(act.rule, act.payload) + " is someone else's");
        }
      }
      break;
    case Identity::kChargedCompany:
      // A complaint filed while no company served the estate is charged to none: the company
      // serving it now takes it up.
      if (who.role == R::COMPANY_STAFF && entity && !entity->company.empty() &&
          entity->company != who.company_id) {
        return Deny("scope.company-entity",
                    EntityOf(act.rule, act.payload) + " is charged to " +
                        (entity->company.empty() ? std::string("no company") : entity->company) +
                        ", not to " + who.company_id);
      }
      break;
    case Identity::kOwner:
      if (who.role == R::COMPANY_STAFF && entity && entity->company != who.company_id) {
        return Deny("scope.company-entity",
                    "company staff report only on resolutions their company owns; " +
                        EntityOf(act.rule, act.payload) + " is owned by " +
                        (entity->company.empty() ? std::string("no company") : entity->company));
      }
      break;
  }
  return Verdict::Allow();
}

Verdict JudgeAct(const Act& act) {
  const Caller& who = act.who;
  if (who.role != R::ADMIN && !(act.rule.roles & Bit(who.role))) {
    return Deny("role.type", std::string("a ") + RoleName(who.role) + " token may not append " +
                                 act.rule.type + " events; they are for " +
                                 RolesText(act.rule.roles) + (act.rule.roles ? " and admin" : ""));
  }
  std::string estate;
  std::optional<EntityFacts> entity;
  if (Verdict v = FindScope(act, &estate, &entity); !v.ok()) return v;
  if (Verdict v = CheckScope(act, estate); !v.ok()) return v;
  return CheckIdentity(act, estate, entity);
}

// The estate a stored event concerns, for judging its correction ("" if district-wide or
// unknown).
std::string EstateOfStored(schema::Payload::Reader payload, const FactSource& facts) {
  const TypeRule* rule = FindRule(PayloadType(payload));
  if (!rule || rule->scope == Scope::kDistrict) return "";
  std::string name = EntityOf(*rule, payload);
  if (!name.empty()) {
    if (auto entity = facts.Entity(name); entity && !entity->estate.empty()) return entity->estate;
  }
  auto data = Data(payload);
  if (std::string e = Field(data, "estateId"); !e.empty()) return e;
  if (std::string h = Field(data, "householdId"); !h.empty()) {
    if (auto home = facts.Entity(EntityName("household", h))) return home->estate;
  }
  return "";
}

Verdict JudgeCorrection(const Caller& who, schema::Event::Reader event, const std::string& day,
                        const FactSource& facts, const std::optional<CorrectedEvent>& corrected) {
  auto correction = event.getPayload().getCorrectionRecorded();
  uint64_t target = correction.getCorrectsSeq();
  if (!corrected) {
    return Invalid("correction.target",
                   "there is no event " + std::to_string(target) + " before this one to correct");
  }
  auto original = corrected->event;
  auto original_payload = original.getPayload();
  if (original_payload.isCorrectionRecorded()) {
    return Invalid("correction.target",
                   "a correction cannot correct a correction; correct event " +
                       std::to_string(original_payload.getCorrectionRecorded().getCorrectsSeq()) +
                       " again instead");
  }
  std::string type = PayloadType(original_payload);
  const TypeRule* rule = FindRule(type);
  if (!rule)
    return Invalid("correction.target",
                   "event " + std::to_string(target) + " has no type this ledger knows");
  bool replacement = correction.getAction().isReplacement();
  if (replacement) {
    std::string new_type = PayloadType(correction.getAction().getReplacement());
    if (new_type != type) {
      return Invalid("correction.type",
                     "a replacement has the type of the event it replaces: event " +
                         std::to_string(target) + " is a " + type + ", not a " + new_type +
                         "; to record another kind of fact, void event " + std::to_string(target) +
                         " and append the new event to its own stream");
    }
  }

  // Who may correct: the event's own actor, a role that supervises such records, auditors and
  // admins; each only within the scope it has today.
  std::string estate = EstateOfStored(original_payload, facts);
  bool own =
      std::string_view(original.getActorId().cStr()) == who.actor_id && !who.actor_id.empty();
  bool supervises = (rule->supervisors | kAuditor) & Bit(who.role);
  if (who.role != R::ADMIN && !own && !supervises) {
    return Deny("correction.who",
                std::string("event ") + std::to_string(target) + " (a " + type +
                    ") was recorded by someone else; it may be corrected by its own actor, by " +
                    RolesText(rule->supervisors | kAuditor) + " and by admins");
  }
  Act act{who, *rule, original_payload, day, facts, EntityOf(*rule, original_payload)};
  if (who.role == R::STREET_AUDITOR || who.role == R::ADMIN) {
    // Auditors and admins correct anything within their estates.
    Verdict v = CheckScope(act, estate);
    if (!v.ok()) return v;
  } else {
    // Others as if they appended the event today: their role, scope and identity.
    if (Verdict v = JudgeAct(act); !v.ok() && !(own && v.rule == "identity.filer")) {
      return v;
    }
  }
  if (replacement) {
    Act as_new{who, *rule, correction.getAction().getReplacement(),
               day, facts, EntityOf(*rule, original_payload)};
    if (who.role == R::STREET_AUDITOR || who.role == R::ADMIN) {
      // The replacement must still be a well-formed fact: its entity and estate.
      std::string replaced_estate;
      std::optional<EntityFacts> entity;
      if (Verdict v = FindScope(as_new, &replaced_estate, &entity); !v.ok()) return v;
      if (Verdict v = CheckScope(as_new, replaced_estate); !v.ok()) return v;
      return CheckIdentity(as_new, replaced_estate, entity);
    }
    return JudgeAct(as_new);
  }
  return Verdict::Allow();
}

}  // namespace

bool Caller::CoversEstate(std::string_view estate) const {
  return std::find(estates.begin(), estates.end(), estate) != estates.end();
}

std::string EntityName(std::string_view kind, std::string_view id) {
  std::string prefix = std::string(kind) + "/";
  if (id.substr(0, prefix.size()) == prefix) return std::string(id);
  return prefix + std::string(id);
}

std::string EstateOfEvent(schema::Payload::Reader payload, const FactSource& facts, bool* known) {
  const TypeRule* rule = FindRule(PayloadType(payload));
  std::string estate = rule ? EstateOfStored(payload, facts) : "";
  *known = !estate.empty() || (rule && rule->scope == Scope::kDistrict);
  return estate;
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

Verdict Judge(const Caller& who, std::string_view stream, schema::Event::Reader event,
              int64_t recorded_ms, const FactSource& facts,
              const std::optional<CorrectedEvent>& corrected) {
  auto payload = event.getPayload();
  std::string type = PayloadType(payload);
  std::string expected = StreamOf(event);
  if (expected.empty()) return Invalid("type.unknown", "\"" + type + "\" is not an event type");
  // Who may append the type comes first: a refused caller learns nothing about streams.
  if (const TypeRule* rule = FindRule(type);
      rule && who.role != R::ADMIN && !(rule->roles & Bit(who.role))) {
    return Deny("role.type", std::string("a ") + RoleName(who.role) + " token may not append " +
                                 type + " events; they are for " + RolesText(rule->roles) +
                                 " and admin");
  }
  if (stream != expected) {
    return Invalid("stream.entity", "a " + type + " belongs to the stream \"" + expected +
                                        "\", not \"" + std::string(stream) +
                                        "\"; append it to /v1/streams/" + expected + "/events");
  }
  std::string day = RecordingDay(recorded_ms);
  if (payload.isCorrectionRecorded()) return JudgeCorrection(who, event, day, facts, corrected);
  return JudgeAct(Act{who, *FindRule(type), payload, day, facts, std::nullopt});
}

std::vector<FactChange> Learn(schema::Event::Reader event, uint64_t seq, const FactSource& facts,
                              const std::optional<CorrectedEvent>& corrected) {
  std::vector<FactChange> out;
  auto payload = event.getPayload();
  std::string day = RecordingDay(event.getRecordedAt());
  uint64_t at_seq = seq;
  std::string actor = event.getActorId().cStr();
  if (payload.isCorrectionRecorded()) {
    // A correction changes facts only where they decide who serves an estate; the other facts
    // (an entity's estate and filer) are kept by the rule that a replacement keeps its entity.
    if (!corrected) return out;
    auto correction = payload.getCorrectionRecorded();
    auto original = corrected->event.getPayload();
    if (!original.isServiceContractStarted() && !original.isServiceContractEnded()) return out;
    if (correction.getAction().isVoid()) {
      std::string id = original.isServiceContractStarted()
                           ? original.getServiceContractStarted().getContractId().cStr()
                           : original.getServiceContractEnded().getContractId().cStr();
      std::string estate = original.isServiceContractStarted()
                               ? original.getServiceContractStarted().getEstateId().cStr()
                               : original.getServiceContractEnded().getEstateId().cStr();
      for (const auto& c : facts.Contracts(estate)) {
        if (c.contract_id != id) continue;
        FactChange change;
        change.what = FactChange::What::kContract;
        change.contract = c;
        if (original.isServiceContractStarted()) {
          change.contract.voided = true;
        } else {
          change.contract.end.clear();
        }
        out.push_back(change);
      }
      return out;
    }
    payload = correction.getAction().getReplacement();
    at_seq = corrected->seq;
    actor = corrected->event.getActorId().cStr();
  }
  const TypeRule* rule = FindRule(PayloadType(payload));
  if (!rule) return out;
  auto data = Data(payload);

  if (payload.isServiceContractStarted() || payload.isServiceContractEnded()) {
    FactChange change;
    change.what = FactChange::What::kContract;
    ContractFacts& c = change.contract;
    c.contract_id = Field(data, "contractId");
    c.estate = Field(data, "estateId");
    c.company = Field(data, "companyId");
    for (const auto& known : facts.Contracts(c.estate)) {
      if (known.contract_id == c.contract_id) c = known;
    }
    if (payload.isServiceContractStarted()) {
      c.start = payload.getServiceContractStarted().getStartDate().cStr();
      c.company = Field(data, "companyId");
      c.voided = false;
    } else {
      c.end = payload.getServiceContractEnded().getEndDate().cStr();
    }
    out.push_back(change);
  }

  if (rule->creation == Creation::kRefers || rule->creation == Creation::kNone ||
      rule->creation == Creation::kRefersAny || payload.isServiceContractEnded()) {
    return out;
  }
  FactChange change;
  change.name = EntityOf(*rule, payload);
  if (change.name.empty()) return out;
  EntityFacts& f = change.entity;
  auto known = facts.Entity(change.name);
  f.filer = known ? known->filer : actor;
  f.seq = known ? known->seq : at_seq;
  f.estate = Field(data, "estateId");
  std::string household = Field(data, "householdId");
  switch (rule->scope) {
    case Scope::kHousehold:
    case Scope::kHouseholdOrDistrict:
      if (!household.empty()) {
        f.household = household;
        if (auto home = facts.Entity(EntityName("household", household))) f.estate = home->estate;
      }
      break;
    case Scope::kClaim:
      if (f.estate.empty()) f.estate = EstateOfPerson(facts, Field(data, "personId"));
      break;
    case Scope::kPayer:
      f.estate = EstateOfPerson(facts, Field(data, "payerId"));
      break;
    case Scope::kMeeting:
      if (auto meeting = facts.Entity(EntityName("meeting", Field(data, "meetingId")))) {
        f.estate = meeting->estate;
      }
      f.company = Field(data, "ownerId");
      break;
    default:
      break;
  }
  if (payload.isEstateRegistered()) f.estate = change.name;
  if (payload.isComplaintFiled() || payload.isRepairRequested()) {
    f.household = household;
    f.company = Field(data, "companyId");
    if (f.company.empty()) f.company = ServingCompany(facts.Contracts(f.estate), day);
  }
  if (known && !known->estate.empty()) f.estate = known->estate;  // fixed by its first event
  if (known && f.company.empty()) f.company = known->company;
  out.push_back(change);
  return out;
}

std::vector<RuleRow> RuleTable() {
  auto scope_text = [](Scope s) -> std::string {
    switch (s) {
      case Scope::kDistrict:
        return "district-wide (tokens bound to no estate)";
      case Scope::kEstateField:
        return "its estateId";
      case Scope::kEstateOrDistrict:
        return "its estateId, else district-wide";
      case Scope::kEntity:
        return "the estate its entity was created in";
      case Scope::kHousehold:
        return "the estate of its householdId";
      case Scope::kHouseholdOrDistrict:
        return "the estate of its householdId, else district-wide";
      case Scope::kClaim:
        return "its estateId, else the claimant's household's estate";
      case Scope::kPayer:
        return "the payer's household's estate";
      case Scope::kSubject:
        return "the estate of the complaint, repair or visit";
      case Scope::kMeeting:
        return "the estate of its meeting";
    }
    return "";
  };
  auto identity_text = [](Identity i) -> std::string {
    switch (i) {
      case Identity::kNone:
        return "";
      case Identity::kHousehold:
        return "householdId: a resident's own; a household of the estate";
      case Identity::kPerson:
        return "personId: a resident's own; a person of the estate";
      case Identity::kPayer:
        return "payerId: a resident's own; a person of the estate";
      case Identity::kFiler:
        return "a resident: the complaint they filed";
      case Identity::kSubjectFiler:
        return "a resident: what they filed, or a visit to their household";
      case Identity::kChargedCompany:
        return "company staff: charged to their company (or to none)";
      case Identity::kOwner:
        return "company staff: owned by their company";
    }
    return "";
  };
  std::vector<RuleRow> rows;
  for (const auto& rule : kRules) {
    RuleRow row;
    row.type = rule.type;
    if (std::string_view(rule.type) == "followUpRecorded") {
      row.stream = "complaint/{complaintId}, repair/{repairId} or visit/{visitId}";
    } else if (std::string_view(rule.type) == "starRatingPublished") {
      row.stream = "rating/{year}";
    } else if (std::string_view(rule.type) == "resolutionAdopted") {
      row.stream = "meeting/{meetingId}";
    } else {
      row.stream = std::string(rule.kind) + "/{" + rule.field + "}";
    }
    row.roles = RolesText(rule.roles);
    row.scope = scope_text(rule.scope);
    if (rule.creation == Creation::kCreates) row.scope += "; the first event fixes it";
    if (rule.creation == Creation::kRefers) row.scope += "; must exist";
    row.identity = identity_text(rule.identity);
    if (rule.roles & kCompany) {
      row.identity += std::string(row.identity.empty() ? "" : "; ") +
                      "company staff: their company serves the estate on the recording day";
    }
    row.supervisors = RolesText(rule.supervisors | kAuditor);
    rows.push_back(row);
  }
  rows.push_back({"correctionRecorded", "correction/{correctsSeq}",
                  "whoever may correct the event (see the last column)",
                  "that of the corrected event",
                  "a replacement has the corrected event's type and entity, and is judged as if "
                  "the corrector appended it",
                  "the corrected event's own actor, and the roles in its row"});
  return rows;
}

std::string RuleTableMarkdown() {
  std::string out =
      "| event type | stream | who may append (and admin) | scope: the estate is | identity | "
      "who may void others' records |\n|---|---|---|---|---|---|\n";
  for (const auto& row : RuleTable()) {
    out += "| `" + row.type + "` | `" + row.stream + "` | " + row.roles + " | " + row.scope +
           " | " + row.identity + " | " + row.supervisors + " |\n";
  }
  return out;
}

}  // namespace ledger
