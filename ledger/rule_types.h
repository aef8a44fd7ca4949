// The rule book's table of event types, and the readings of an event every part of the rule book
// shares. Private to ledger/: the rule book's public face is ledger/rule_book.h.
//
// The rule book is split at its own seams:
//   rule_types.cc  the table of event types (who, scope, identity, entity) and what an event names;
//   rule_book.cc   judging an append (role, scope, identity) and a correction;
//   rule_facts.cc  the facts an event teaches (Learn);
//   rule_table.cc  the table written out for people (RuleTable, RuleTableMarkdown).

#pragma once

#include <capnp/dynamic.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/rule_book.h"

namespace ledger::internal {

constexpr uint32_t Bit(schema::Role role) { return 1u << static_cast<uint32_t>(role); }
constexpr uint32_t kResident = Bit(schema::Role::RESIDENT);
constexpr uint32_t kCompany = Bit(schema::Role::COMPANY_STAFF);
constexpr uint32_t kWorker = Bit(schema::Role::COMMUNITY_WORKER);
constexpr uint32_t kAuditor = Bit(schema::Role::STREET_AUDITOR);
constexpr uint32_t kCommittee = Bit(schema::Role::OWNERS_COMMITTEE);

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

// The rule of an event type ("complaintFiled"), or null for a type the rule book does not know.
const TypeRule* FindRule(std::string_view type);
// Every rule, in the order of the table.
std::span<const TypeRule> AllRules();

// "resident, communityWorker", or "admin only" for no role.
std::string RolesText(uint32_t roles);
// A text field of a struct payload member, or "".
std::string Field(capnp::DynamicStruct::Reader data, const char* name);
// The payload's member as a dynamic struct; the caller checked it is a struct type.
capnp::DynamicStruct::Reader Data(schema::Payload::Reader payload);
// The payload's type name ("complaintFiled"), or "unknown".
std::string PayloadType(schema::Payload::Reader payload);
// The entity an event of `rule` names, as a stream name, or "".
std::string EntityOf(const TypeRule& rule, schema::Payload::Reader payload);
// The stream an event of `rule` belongs to.
std::string StreamOfPayload(const TypeRule& rule, schema::Payload::Reader payload);
// The fact that `household` answered the survey a surveyResponseRecorded names: a name no entity
// has (ids hold no control character), "survey/s-1\x1fhousehold/h-1".
std::string SurveyAnswerName(schema::SurveyResponseRecorded::Reader response);
// The fact that a resident of `household` answered the `nth` (1 ...) survey online in the year
// of `day` ("YYYY-MM-DD"): "survey-year\x1fhousehold/h-1\x1f2026\x1f1".
std::string OnlineAnswerName(std::string_view household, std::string_view day, int nth);
// How many surveys a household answers online in a year.
constexpr int kOnlineAnswersPerYear = 4;
// What the names of facts that count (OnlineAnswerName, FiledOfDayName) begin with. Learning
// the same events again counts them again, so the facts are learned again from none of these.
inline constexpr std::string_view kCountingFactPrefixes[] = {"survey-year\x1f", "complaint-day\x1f",
                                                             "repair-day\x1f"};
// The fact that resident `person` filed their `nth` (1 ...) complaint (or, `repair`, repair
// request) of the recording day `day` ("YYYY-MM-DD"):
// "complaint-day\x1fperson/p-1\x1f2026-03-01\x1f1", "repair-day\x1f...".
std::string FiledOfDayName(bool repair, std::string_view person, std::string_view day, int nth);
// The fact that household `household` has a raised must-visit obligation of `reason`
// (schema::VisitReason) open until the day its `until` names:
// "obligation-open\x1fhousehold/h-1\x1f1".
std::string OpenObligationName(std::string_view household, int reason);
// The fact that an estate has an owners' committee (its `person`: "committee/<id>"), the first
// one formed: "estate-committee\x1festate/e01".
std::string EstateCommitteeName(std::string_view estate);
// How many complaints, and how many repair requests, a resident files in a day.
constexpr int kFiledPerResidentDay = 3;
// The estate of a person's household, if known; the household in `*household` when given.
std::string EstateOfPerson(const FactSource& facts, const std::string& person_id,
                           std::string* household = nullptr);

}  // namespace ledger::internal
