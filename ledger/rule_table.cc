// The rule book written out for people (rule_book.h's RuleTable and RuleTableMarkdown), from the
// same table the ledger judges by.

#include "ledger/rule_book.h"
#include "rule_types.h"

namespace ledger {

using internal::Creation;
using internal::Identity;
using internal::kAuditor;
using internal::kCompany;
using internal::RolesText;
using internal::Scope;
using internal::TypeRule;

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
        return "payerId: a resident's own; a person of the estate; providerId: a registered "
               "person, not the payer, nor whoever records it";
      case Identity::kFiler:
        return "a resident: the complaint they filed";
      case Identity::kSubjectFiler:
        return "a resident: what they filed, or a visit to their household";
      case Identity::kChargedCompany:
        return "company staff: charged to their company (or to none)";
      case Identity::kOwner:
        return "company staff: owned by their company, or by themselves";
    }
    return "";
  };
  std::vector<RuleRow> rows;
  for (const TypeRule& rule : internal::AllRules()) {
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
    if (row.type == "roleAppointed" || row.type == "roleEnded") {
      row.identity =
          "a propertyManager: street auditors and admins only; a token bound to estates dates it "
          "this year or the last";
    } else if (row.type == "volunteerHoursVerified") {
      row.identity = "not by the person whose hours they are";
    }
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
                  "a replacement has the corrected event's type and entity and the company it "
                  "answers for (and, but for auditors, a survey form's questions), and is judged "
                  "as if the corrector appended it",
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
