// Judging an append by the rule book (rule_book.h): who may append a type, for which estate, as
// whom; and who may correct what. The table it reads is rule_types.cc's.

#include "ledger/rule_book.h"

#include "ledger/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string_view>

#include "rule_types.h"

namespace ledger {
namespace {

using R = schema::Role;
using internal::Bit;
using internal::Creation;
using internal::Data;
using internal::EntityOf;
using internal::EstateOfPerson;
using internal::Field;
using internal::FindRule;
using internal::Identity;
using internal::kAuditor;
using internal::OnlineAnswerName;
using internal::PayloadType;
using internal::RolesText;
using internal::Scope;
using internal::SurveyAnswerName;
using internal::TypeRule;

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

// How one act (a new event, or a replacement read as one) is judged.
struct Act {
  const Caller& who;
  const TypeRule& rule;
  schema::Payload::Reader payload;
  std::string day;  // the recording day
  const FactSource& facts;
  // For a replacement: the entity of the event it replaces, which it must keep.
  std::optional<std::string> replacing;
  // Judging a stored event that a correction voids or replaces, rather than a new one: what it
  // pays, and to whom, was judged when it was recorded (a void of a bad payment stays possible).
  bool stored = false;
};

// A token that acts for some estates only (bound to them, or company staff) learns nothing of
// an entity outside them from a refusal: not its estate, not when it was made, not whether it
// exists at all. Else a resident probing ids read which estate each complaint, household or
// person belongs to from "scope.estate ... not for estate/e07", and which do not exist from
// "entity.unknown".
bool Narrowed(const Caller& who) { return who.BoundToEstates() || who.role == R::COMPANY_STAFF; }
bool OutOfSight(const Act& act, const std::string& estate) {
  const Caller& who = act.who;
  if (!Narrowed(who) || estate.empty()) return false;
  if (who.BoundToEstates()) return !who.CoversEstate(estate);
  // Company staff see the estates their company serves or served: they are told that its
  // contract ended, and when.
  for (const auto& c : act.facts.Contracts(estate)) {
    if (c.company == who.company_id && !c.voided) return false;
  }
  return true;
}
std::string SightText(const Caller& who) {
  return who.role == R::COMPANY_STAFF && !who.BoundToEstates()
             ? "the estates " + who.company_id + " serves"
             : EstatesText(who);
}
// The one answer a narrowed caller gets for an entity it must name that is unknown, or outside
// its estates.
Verdict Unseen(const Act& act, const std::string& name) {
  return Deny("entity.unknown", name + " is not in the ledger, or not in an estate this token " +
                                    "acts for (" + SightText(act.who) + "); a " + act.rule.type +
                                    " names one that is");
}

// Finds the estate `act` concerns. Sets `*estate` ("" for district-wide) and `*entity`, or
// returns a refusal.
Verdict FindScope(const Act& act, std::string* estate, std::optional<EntityFacts>* entity) {
  const TypeRule& rule = act.rule;
  auto data = Data(act.payload);
  std::string name = EntityOf(rule, act.payload);
  if (!name.empty()) *entity = act.facts.Entity(name);
  // A new entity's id looks like no other: "2025-000165" with a zero-width space after it, or
  // "zc１" beside "zc1", were entities a reader of a view could not tell apart. Asked as it is
  // created, so that one stored before the rule is still named.
  bool creates = rule.creation == Creation::kCreates || rule.creation == Creation::kUpserts;
  if (creates && !*entity && !act.stored && !act.replacing && rule.field[0] != '\0') {
    if (Status s = CheckNewId(name.empty() ? std::string(rule.kind) + "/" : name); !s.ok()) {
      return Invalid("entity.id", s.message());
    }
  }
  std::string field_estate = Field(data, "estateId");
  bool hidden = *entity && OutOfSight(act, (*entity)->estate);

  switch (rule.creation) {
    case Creation::kCreates:
      if (*entity && !act.replacing) {
        return Taken("entity.taken",
                     name + " exists already" +
                         (hidden ? std::string()
                          : (*entity)->seq == 0
                              ? std::string(" (created by an event appended just "
                                            "before this one)")
                              : " (created at seq " + std::to_string((*entity)->seq) + ")") +
                         "; choose a new " + rule.field);
      }
      break;
    case Creation::kRefers:
      if (!*entity || hidden) {
        if (Narrowed(act.who)) return Unseen(act, name);
        return Deny("entity.unknown",
                    std::string(act.payload.isFollowUpRecorded() ? "the subject " : "") + name +
                        " is not in the ledger; a " + rule.type + " names one that is");
      }
      break;
    case Creation::kUpserts:
    case Creation::kRefersAny:
      // These may name an entity that exists: that it does is all the refusal says.
      if (hidden) {
        return Deny("entity.estate", name + " belongs to an estate this token does not act for (" +
                                         SightText(act.who) + "); an entity's estate never " +
                                         "changes: a " + rule.type + " there names another id");
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
      if (Narrowed(act.who) && (!home || OutOfSight(act, home->estate))) {
        return Unseen(act, EntityName("household", household));
      }
      if (!home) {
        return Deny("entity.unknown", EntityName("household", household) +
                                          " is not registered; register the household first");
      }
      *estate = home->estate;
      break;
    }
    case Scope::kClaim:
    case Scope::kPayer: {
      std::string person = Field(data, rule.scope == Scope::kPayer ? "payerId" : "personId");
      if (rule.scope == Scope::kClaim && !field_estate.empty()) {
        *estate = field_estate;
        break;
      }
      *estate = EstateOfPerson(act.facts, person);
      // A person of no known estate (unknown, or without a household) is as unseen as one of
      // another estate.
      if (Narrowed(act.who) && (estate->empty() || OutOfSight(act, *estate))) {
        return Unseen(act, EntityName("person", person));
      }
      break;
    }
    case Scope::kMeeting: {
      std::string meeting = Field(data, "meetingId");
      auto held = act.facts.Entity(EntityName("meeting", meeting));
      if (Narrowed(act.who) && (!held || OutOfSight(act, held->estate))) {
        return Unseen(act, EntityName("meeting", meeting));
      }
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
  // Nor by the household it is registered into again: a person re-registered into another
  // estate's household would leave the estate that scopes every token acting on them (their
  // time-bank account among them) for one the caller acts in.
  if (*entity && rule.creation == Creation::kUpserts && !estate->empty() &&
      !(*entity)->estate.empty() && *estate != (*entity)->estate) {
    return Deny("entity.estate", name + " belongs to " + (*entity)->estate + ", not to " + *estate +
                                     " (of " + EntityName("household", Field(data, "householdId")) +
                                     "); an entity's estate never changes: register a person "
                                     "who moved to another estate under a new id");
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

// A company an event names must be the one it may name: the company serving the estate for a
// complaint, a repair or a survey, the one the repair is charged to for a dispatch.
Verdict CheckNamedCompany(const Act& act, const std::string& estate,
                          const std::optional<EntityFacts>& entity) {
  auto data = Data(act.payload);
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
  return Verdict::Allow();
}

// A survey response answers each question once: 300 answers of one response outweighed a
// company's year of surveys in the star evaluation.
Verdict CheckSurveyAnswers(const Act& act) {
  if (!act.payload.isSurveyResponseRecorded()) return Verdict::Allow();
  constexpr size_t kMaxAnswers = 50;
  auto answers = act.payload.getSurveyResponseRecorded().getAnswers();
  if (answers.size() > kMaxAnswers) {
    return Invalid("survey.answers", "a survey response holds at most " +
                                         std::to_string(kMaxAnswers) + " answers, not " +
                                         std::to_string(answers.size()));
  }
  std::set<std::string_view> questions;
  for (auto answer : answers) {
    std::string_view question(answer.getQuestion().cStr(), answer.getQuestion().size());
    if (!questions.insert(question).second) {
      return Invalid("survey.answers", "question \"" + std::string(question) +
                                           "\" is answered twice; a response answers each "
                                           "question once");
    }
  }
  return Verdict::Allow();
}

// What a token bound to estates may date (a sheet's year, an appointment, a committee's term):
// the recording year or the one before; `years` names them for a refusal ("2025 or 2026").
int RecordingYear(const Act& act) { return std::stoi(act.day.substr(0, 4)); }
bool ThisYearOrLast(const Act& act, int year) {
  int recording = RecordingYear(act);
  return year == recording || year == recording - 1;
}
std::string ThisYearOrLastText(const Act& act) {
  int recording = RecordingYear(act);
  return std::to_string(recording - 1) + " or " + std::to_string(recording);
}

// An auditor bound to estates scores only subjects of those estates, for this year or the last:
// one bound to e02 scored e01's property manager 0 for a year already published, in a sheet
// naming e02. District-wide auditors (the street office) and admins are not held to it: a
// property manager may serve several estates, and the ledger keeps only the first.
Verdict CheckSheetSubject(const Act& act, const std::string& estate) {
  const Caller& who = act.who;
  if (!who.BoundToEstates() || estate.empty()) return Verdict::Allow();
  if (!act.payload.isInspectionRecorded() && !act.payload.isDocumentReviewRecorded()) {
    return Verdict::Allow();
  }
  auto sheet = act.payload.isInspectionRecorded() ? act.payload.getInspectionRecorded()
                                                  : act.payload.getDocumentReviewRecorded();
  int year = sheet.getYear();
  if (!ThisYearOrLast(act, year)) {
    return Deny("scope.sheet-year",
                "an auditor bound to estates scores " + ThisYearOrLastText(act) + ", not " +
                    std::to_string(year) +
                    (year < RecordingYear(act)
                         ? "; earlier years are scored by the street office's own auditors"
                         : "; a year that has not begun is not scored yet"));
  }
  std::string id = sheet.getSubject().getId().cStr();
  std::string first = std::to_string(year) + "-01-01", last = std::to_string(year) + "-12-31";
  bool belongs = false;
  std::string what;
  switch (sheet.getSubject().getKind()) {
    case schema::SubjectKind::COMPANY:
      what = "served " + estate + " in " + std::to_string(year);
      for (const auto& c : act.facts.Contracts(estate)) {
        belongs |= !c.voided && EntityName("company", c.company) == EntityName("company", id) &&
                   c.start <= last && (c.end.empty() || c.end >= first);
      }
      break;
    case schema::SubjectKind::OWNERS_COMMITTEE: {
      what = "is the owners' committee of " + estate;
      auto committee = act.facts.Entity(EntityName("committee", id));
      belongs = committee && committee->estate == estate;
      break;
    }
    default: {
      what = "was appointed in " + estate;
      auto person = act.facts.Entity(EntityName("person", id));
      belongs = person && person->estate == estate;
      break;
    }
  }
  if (!belongs) {
    return Deny("scope.sheet-subject", "the sheet names " + estate + ", and " + id +
                                           " is not known to the ledger as one that " + what);
  }
  return Verdict::Allow();
}

// A sheet's items are scores from 0 to a maximum above 0: one item of -100,000 out of 20 took a
// company from the red list to the black, one of 100,000 put a committee on the red list, and a
// score of NaN took a black-listed company's score away, and its replacement recommendation
// with it. (The views leave such an item out where one was stored before.)
Verdict CheckSheetItems(const Act& act) {
  if (act.stored ||
      (!act.payload.isInspectionRecorded() && !act.payload.isDocumentReviewRecorded())) {
    return Verdict::Allow();
  }
  auto items = act.payload.isInspectionRecorded()
                   ? act.payload.getInspectionRecorded().getItems()
                   : act.payload.getDocumentReviewRecorded().getItems();
  constexpr size_t kMaxItems = 200;
  if (items.size() > kMaxItems) {
    return Invalid("sheet.items", "a score sheet holds at most " + std::to_string(kMaxItems) +
                                      " items, not " + std::to_string(items.size()));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    double score = items[i].getScore(), max = items[i].getMaxScore();
    if (std::isfinite(score) && std::isfinite(max) && max > 0 && score >= 0 && score <= max) {
      continue;
    }
    auto number = [](double v) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", v);
      return std::string(text);
    };
    return Invalid("sheet.items", "items[" + std::to_string(i) + "] (\"" +
                                      std::string(items[i].getItem().cStr()) + "\") scores " +
                                      number(score) + " of " + number(max) +
                                      "; an item's maxScore is a number above 0, and its score a "
                                      "number from 0 to its maxScore");
  }
  return Verdict::Allow();
}

// A claim is the hours of one service date: 4,294,967,295 minutes verified once gave one
// resident 71 million points, and unverified they still swelled the hours a report shows claimed.
Verdict CheckClaimMinutes(const Act& act) {
  if (!act.payload.isVolunteerHoursClaimed()) return Verdict::Allow();
  constexpr uint32_t kMaxMinutes = 24 * 60;
  uint32_t minutes = act.payload.getVolunteerHoursClaimed().getMinutes();
  if (minutes > kMaxMinutes) {
    return Invalid("claim.minutes", "a claim is the hours of one service date, at most " +
                                        std::to_string(kMaxMinutes) + " minutes, not " +
                                        std::to_string(minutes));
  }
  return Verdict::Allow();
}

// Twenty identical complaints filed by one resident in a day put a company's manager on the black
// list (complaints per 100 households); 25 gas repair requests in a second, each open past its
// four hours, took a company's repair compliance to 0. Corrections are not held to it; a
// community worker recording hotline calls is not either: they answer for what they record.
Verdict CheckFiledPerDay(const Act& act) {
  bool repair = act.payload.isRepairRequested();
  if (act.who.role != R::RESIDENT || !(act.payload.isComplaintFiled() || repair) || act.replacing) {
    return Verdict::Allow();
  }
  constexpr int kMost = internal::kFiledPerResidentDay;
  if (!act.facts.Entity(internal::FiledOfDayName(repair, act.who.actor_id, act.day, kMost))) {
    return Verdict::Allow();
  }
  std::string what = repair ? "repair requests" : "complaints";
  return Taken(repair ? "repair.per-day" : "complaint.per-day",
               act.who.actor_id + " has filed " + std::to_string(kMost) + " " + what + " on " +
                   act.day + " already (the day this is recorded), as many " + what +
                   " as a resident files in a day; another waits until the next day, or goes "
                   "through the community worker (the hotline), who records it");
}

// An appointment decides whose figures the star evaluation rates, and for which days: a community
// worker ended a property manager's appointment at 2024-01-01, taking them off a published black
// list, and appointed another company's manager, and then a resident, to their estate. Property
// managers are appointed and ended by street auditors and admins; and a token bound to estates
// dates an appointment this year or the last, as it scores sheets.
Verdict CheckAppointment(const Act& act) {
  if (!act.payload.isRoleAppointed() && !act.payload.isRoleEnded()) return Verdict::Allow();
  bool appointed = act.payload.isRoleAppointed();
  auto role =
      appointed ? act.payload.getRoleAppointed().getRole() : act.payload.getRoleEnded().getRole();
  const Caller& who = act.who;
  if (role == schema::AppointedRole::PROPERTY_MANAGER && who.role != R::STREET_AUDITOR &&
      who.role != R::ADMIN) {
    return Deny("role.manager",
                std::string("a property manager's appointment decides whose figures the star "
                            "evaluation rates; it is ") +
                    (appointed ? "made" : "ended") + " by street auditors and admins, not by a " +
                    RoleName(who.role));
  }
  if (!who.BoundToEstates()) return Verdict::Allow();
  std::string date = appointed ? act.payload.getRoleAppointed().getFromDate().cStr()
                               : act.payload.getRoleEnded().getToDate().cStr();
  if (date.size() < 4) {
    if (act.stored) return Verdict::Allow();  // an undated one stored before: it may be voided
    // Without a date an appointment counts from (or to) every year's start: a manager's in the
    // published years' ratings, a grid worker's in every past day's teams.
    return Invalid("scope.role-year", std::string("a token bound to estates gives the ") +
                                          (appointed ? "fromDate" : "toDate") +
                                          " of an appointment, in this year or the last");
  }
  if (!ThisYearOrLast(act, std::stoi(date.substr(0, 4)))) {
    return Deny("scope.role-year",
                std::string("a token bound to estates dates an appointment's ") +
                    (appointed ? "start" : "end") + " in " + ThisYearOrLastText(act) + ", not " +
                    date + "; earlier ones are recorded by the street office's own auditors");
  }
  return Verdict::Allow();
}

// An owners' committee is rated in the years its term covers, on its estate's surveys: a
// community worker formed a second committee of their estate, undated, and it was rated in every
// year, a published one included; another formed its estate's committee again with a term from
// this month, which took it off two published black lists (the views now keep every term). A
// token bound to estates dates a term from this year or the last, and forms only the committee
// its estate has, or its first.
Verdict CheckCommittee(const Act& act) {
  if (!act.payload.isOwnersCommitteeFormed() || !act.who.BoundToEstates()) {
    return Verdict::Allow();
  }
  auto formed = act.payload.getOwnersCommitteeFormed();
  std::string start = formed.getTermStart().cStr();
  if (std::string end = formed.getTermEnd().cStr(); !act.stored && !end.empty() && end < start) {
    return Invalid("scope.term-year", "a committee's termEnd (" + end +
                                          ") is on or after its termStart (" + start + ")");
  }
  if (start.size() < 4) {
    if (act.stored) return Verdict::Allow();  // an undated one stored before: it may be voided
    return Invalid("scope.term-year",
                   "a token bound to estates gives a committee's termStart, in this year or the "
                   "last: without one the committee is rated in every year");
  }
  if (!ThisYearOrLast(act, std::stoi(start.substr(0, 4)))) {
    return Deny("scope.term-year", "a token bound to estates starts a committee's term in " +
                                       ThisYearOrLastText(act) + ", not " + start +
                                       "; earlier terms are recorded by the street office");
  }
  if (act.stored) return Verdict::Allow();
  std::string estate = formed.getEstateId().cStr();
  std::string committee = EntityName("committee", formed.getCommitteeId().cStr());
  auto known = act.facts.Entity(internal::EstateCommitteeName(estate));
  if (known && known->person != committee) {
    return Taken("committee.estate",
                 estate + " has its owners' committee, " + known->person +
                     "; a new term of it is formed under that id, and another committee by the "
                     "street office's auditors or an admin");
  }
  return Verdict::Allow();
}

// A policy decides what every figure of the days it covers means. A street auditor adopted one
// from 2025-01-01 with a black-list bound of NaN, which emptied a published year's black list
// and its replacement recommendation, and a time-bank rate of 4,294,967,295 centipoints an hour
// from 2024, which gave one resident four billion points. Its numbers are finite and within
// what they measure, and a policy starts on or after the day it is adopted (admins aside: the
// district's own corrections).
Verdict CheckPolicy(const Act& act) {
  if (!act.payload.isPolicyAdopted()) return Verdict::Allow();
  auto policy = act.payload.getPolicyAdopted();
  if (act.who.role != R::ADMIN) {
    // A correction too: voiding the policy in force on 2025-12-31, or replacing it with one
    // from today, rated 2025 under the policy before it.
    std::string from = policy.getEffectiveFrom().cStr();
    if (from < act.day.substr(0, 10)) {
      return Deny("policy.effective",
                  "a policy starts on or after the day it is adopted or corrected (" +
                      act.day.substr(0, 10) + "), not " + from +
                      ": it would change figures of days already judged (an admin corrects the "
                      "district's past)");
    }
  }
  if (act.stored) return Verdict::Allow();  // (a void of a bad one stays possible)
  auto bad = [](std::string why) { return Invalid("policy.values", std::move(why)); };
  auto score = [](double v) { return std::isfinite(v) && v >= 0 && v <= 100; };
  auto rules = policy.getRules();
  if (rules.isRating()) {
    auto r = rules.getRating();
    auto w = r.getWeights();
    double weights[] = {w.getInspection(),           w.getDocumentReview(),
                        w.getComplaintRate(),        w.getRepairCompliance(),
                        w.getFollowUpSatisfaction(), w.getSurveySatisfaction()};
    double sum = 0;
    for (double x : weights) {
      if (!std::isfinite(x) || x < 0 || x > 1000) {
        return bad("rating.weights: each weight is a finite number from 0 to 1000");
      }
      sum += x;
    }
    if (sum <= 0) return bad("rating.weights: at least one weight is above 0");
    double last = 0;
    for (double t : r.getStarThresholds()) {
      if (!score(t) || t < last) {
        return bad("rating.starThresholds: scores from 0 to 100, ascending");
      }
      last = t;
    }
    if (r.getStarThresholds().size() > 5) {
      return bad("rating.starThresholds: at most five, for one to five stars");
    }
    if (!score(r.getRedListMinScore()) || !score(r.getBlackListMaxScore()) ||
        r.getBlackListMaxScore() > r.getRedListMinScore()) {
      return bad(
          "rating.redListMinScore and blackListMaxScore: scores from 0 to 100, the black "
          "list's at most the red list's");
    }
    double ceiling = r.getComplaintRateCeiling();
    if (!std::isfinite(ceiling) || ceiling < 0 || ceiling > 100000) {
      return bad("rating.complaintRateCeiling: complaints per 100 households, from 0 to 100000");
    }
  } else if (rules.isTimeBank()) {
    auto t = rules.getTimeBank();
    if (t.getPointsPerHourCenti() > 10000) {
      return bad("timeBank.pointsPerHourCenti: at most 10000 (100 points an hour)");
    }
    if (t.getOverdraftLimitCenti() < 0 || t.getOverdraftLimitCenti() > 100'000'000) {
      return bad("timeBank.overdraftLimitCenti: from 0 to 100000000");
    }
  } else if (rules.isRepairTimeLimits()) {
    std::set<std::string> categories;
    for (auto limit : rules.getRepairTimeLimits()) {
      if (!categories.insert(limit.getCategory().cStr()).second) {
        return bad("repairTimeLimits: each category once; " +
                   std::string(limit.getCategory().cStr()) + " is given twice");
      }
      if (limit.getHours() > 8784 || limit.getNextMorningHour() > 23 ||
          (limit.getHours() == 0 && limit.getNextMorningHour() == 0)) {
        return bad(
            "repairTimeLimits: hours from 1 to 8784 (a year), or 0 with a nextMorningHour from 1 "
            "to 23 (every repair was overdue the moment it was requested)");
      }
    }
  } else if (rules.isVisits()) {
    auto v = rules.getVisits();
    for (uint32_t days : {v.getHolidayWindowDays(), v.getBirthdayWindowDays(),
                          v.getHospitalWindowDays(), v.getHardshipWindowDays()}) {
      if (days > 366) return bad("visits: each window is at most 366 days");
    }
  }
  return Verdict::Allow();
}

// Hours are claimed, then verified by a community worker: not by the one whose hours they are,
// nor by the one who recorded the claim (a worker claimed a day's hours for a resident and
// verified them, alone).
Verdict CheckVerifier(const Act& act, const std::optional<EntityFacts>& entity) {
  if (!act.payload.isVolunteerHoursVerified() || !entity || act.who.role == R::ADMIN) {
    return Verdict::Allow();
  }
  if (!entity->filer.empty() &&
      EntityName("person", entity->filer) == EntityName("person", act.who.actor_id)) {
    return Deny("identity.verifier", EntityOf(act.rule, act.payload) + " was recorded by " +
                                         act.who.actor_id +
                                         "; another community worker, or an admin, verifies it");
  }
  if (entity->person.empty() ||
      EntityName("person", entity->person) != EntityName("person", act.who.actor_id)) {
    return Verdict::Allow();
  }
  return Deny("identity.verifier", EntityOf(act.rule, act.payload) + " claims " + act.who.actor_id +
                                       "'s own hours; another community worker verifies them");
}

// A raised must-visit is due from the day it is raised, and one visit answers a household's
// obligation of a reason while its window is open (until its dueBy, however often visited): a
// worker raised thirty hardship obligations for one household and met them all with one visit,
// taking an estate's compliance from 1 of 65 to 31 of 95; another raised one due in a year already
// closed, a miss in its figures.
Verdict CheckObligation(const Act& act) {
  if (!act.payload.isVisitObligationRaised() || act.stored || act.replacing) {
    return Verdict::Allow();
  }
  auto raised = act.payload.getVisitObligationRaised();
  std::string due = raised.getDueBy().cStr();
  if (due < act.day) {
    return Invalid("obligation.due", "dueBy " + due + " is before " + act.day +
                                         ", the day this is recorded; an obligation raised today "
                                         "is due today or later");
  }
  std::string household = raised.getHouseholdId().cStr();
  auto open = act.facts.Entity(
      internal::OpenObligationName(household, static_cast<int>(raised.getReason())));
  if (open && open->until >= act.day && act.who.role != R::ADMIN) {
    static constexpr const char* kReasons[] = {"holiday", "hospital", "birthday", "hardship"};
    auto reason = static_cast<size_t>(raised.getReason());
    return Taken("obligation.open",
                 EntityName("household", household) + " has a " +
                     (reason < 4 ? kReasons[reason] : "raised") + " obligation open until " +
                     open->until + ", raised at seq " + std::to_string(open->seq) +
                     "; one visit answers it. A second stay or need within that window is the "
                     "same obligation: correct its dueBy to a later day to cover it (or void it "
                     "if it was raised by mistake); another is raised once the window has "
                     "closed");
  }
  return Verdict::Allow();
}

// A person registered again by a token bound to estates stays in its estates: one registered
// without a household left every estate (their own token was refused everything, their account
// with them), and one of no estate (a district's worker) was brought into a household of the
// caller's, where the caller claims hours for them. District-wide tokens move people.
Verdict CheckRegisteredAgain(const Act& act, const std::optional<EntityFacts>& entity) {
  if (!act.payload.isPersonRegistered() || !entity || !Narrowed(act.who) || act.stored) {
    return Verdict::Allow();
  }
  std::string name = EntityOf(act.rule, act.payload);
  bool housed = !Field(Data(act.payload), "householdId").empty();
  if (!entity->estate.empty() && !housed) {
    return Invalid("entity.estate", name + " lives in a household of " + entity->estate +
                                        "; registered again, they name it (or another of that "
                                        "estate): without one they would leave every estate");
  }
  if (entity->estate.empty() && housed) {
    return Deny("entity.estate", name +
                                     " belongs to no estate; a district-wide token registers them "
                                     "into a household");
  }
  return Verdict::Allow();
}

// A payment's provider: a registered person other than its payer, and not whoever records a
// payment from someone else's account (a worker paid themselves from a resident's; a resident
// paid "p-1" from "person/p-1", an account the views keep apart).
Verdict CheckProvider(const Act& act, const std::string& payer) {
  if (act.stored) return Verdict::Allow();
  std::string provider = Field(Data(act.payload), "providerId");
  // The views keep accounts by the id as spelled: "p01" is not "person/p01"'s account.
  for (const std::string& id : {payer, provider}) {
    // (A resident's own account is as their token names it, with or without the kind.)
    if (id != EntityName("person", id) && !(id == payer && payer == act.who.actor_id)) {
      return Invalid("identity.provider",
                     "a payment names its payer and provider as person/<id>, "
                     "not " +
                         id);
    }
  }
  std::string payer_name = EntityName("person", payer);
  std::string provider_name = EntityName("person", provider);
  if (provider_name == payer_name) {
    return Invalid("identity.provider",
                   "a payment goes from its payer to someone else, not back to " + payer);
  }
  if (act.who.role != R::ADMIN && provider_name == EntityName("person", act.who.actor_id)) {
    return Deny("identity.provider", "a payment from " + payer +
                                         "'s account is recorded by someone other than the "
                                         "person it pays (" +
                                         act.who.actor_id + ")");
  }
  if (!act.facts.Entity(provider_name)) {
    return Deny("entity.unknown",
                provider_name + " is not registered; a payment goes to a registered person");
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

  if (Verdict v = CheckNamedCompany(act, estate, entity); !v.ok()) return v;
  if (Verdict v = CheckSurveyAnswers(act); !v.ok()) return v;
  if (Verdict v = CheckClaimMinutes(act); !v.ok()) return v;
  if (Verdict v = CheckFiledPerDay(act); !v.ok()) return v;
  if (Verdict v = CheckSheetSubject(act, estate); !v.ok()) return v;
  if (Verdict v = CheckSheetItems(act); !v.ok()) return v;
  if (Verdict v = CheckAppointment(act); !v.ok()) return v;
  if (Verdict v = CheckCommittee(act); !v.ok()) return v;
  if (Verdict v = CheckPolicy(act); !v.ok()) return v;
  if (Verdict v = CheckVerifier(act, entity); !v.ok()) return v;
  if (Verdict v = CheckObligation(act); !v.ok()) return v;
  if (Verdict v = CheckRegisteredAgain(act, entity); !v.ok()) return v;

  switch (act.rule.identity) {
    case Identity::kNone:
      break;
    case Identity::kHousehold: {
      std::string household = Field(data, "householdId");
      if (household.empty() && resident && act.payload.isSurveyResponseRecorded()) {
        // Else one resident answers for as many households as they like. An anonymous response
        // still names it: the views leave it out.
        return Deny(
            "identity.household",
            "a resident's survey response names their own household (" +
                (own_household.empty() ? std::string("none is registered for ") + who.actor_id
                                       : own_household) +
                "); with \"anonymous\": true the views do not show it");
      }
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
      if (Narrowed(who) && (!home || OutOfSight(act, home->estate))) {
        return Unseen(act, EntityName("household", household));
      }
      if (!home) {
        return Deny("entity.unknown",
                    EntityName("household", household) + " is not registered in the ledger");
      }
      if (home->estate != estate) {
        return Deny("identity.household",
                    household + " lives in " + home->estate + ", not in " + estate);
      }
      // One resident's 300 responses outweighed a company's year of surveys. A correction of
      // the household's response (act.replacing) changes its answers; a community worker
      // entering paper forms may enter one the household also gave online.
      if (resident && act.payload.isSurveyResponseRecorded() && !act.replacing) {
        if (act.facts.Entity(SurveyAnswerName(act.payload.getSurveyResponseRecorded()))) {
          return Taken("survey.answered",
                       household + " has answered " + EntityOf(act.rule, act.payload) +
                           " already; a household answers a survey once, and changes its "
                           "answers with a correction of that response");
        }
        // Survey ids are the resident's to invent: z1 ... z5 answered by one household sank a
        // company's satisfaction as surely as one survey answered five times.
        if (act.facts.Entity(
                OnlineAnswerName(household, act.day, internal::kOnlineAnswersPerYear))) {
          return Taken("survey.answered",
                       household + " has answered " +
                           std::to_string(internal::kOnlineAnswersPerYear) + " surveys online in " +
                           act.day.substr(0, 4) +
                           " already, as many as a household answers online in a year (its "
                           "community worker enters paper forms); it changes its answers with "
                           "a correction of a response");
        }
      }
      break;
    }
    case Identity::kPerson:
    case Identity::kPayer: {
      std::string person =
          Field(data, act.rule.identity == Identity::kPerson ? "personId" : "payerId");
      bool self = EntityName("person", person) == EntityName("person", who.actor_id);
      // A resident's own account is the one their token names, spelled as it is: the views keep
      // "p01" apart from "person/p01".
      if (resident && person != who.actor_id) {
        return Deny("identity.person",
                    std::string("a resident ") +
                        (act.rule.identity == Identity::kPerson ? "claims hours only as"
                                                                : "pays only from the account of") +
                        " themselves (" + who.actor_id + "), not " + person);
      }
      std::string lives = EstateOfPerson(act.facts, person);
      // Someone else, of no known estate or of another: alike (FindScope's kClaim and kPayer).
      if (Narrowed(who) && !self && (lives.empty() || OutOfSight(act, lives))) {
        return Unseen(act, EntityName("person", person));
      }
      if (!lives.empty() && !estate.empty() && lives != estate) {
        return Deny("identity.person", person + " lives in " + lives + ", not in " + estate);
      }
      if (act.rule.identity == Identity::kPayer) {
        if (Verdict v = CheckProvider(act, person); !v.ok()) return v;
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
      // The owner is a company, or a person (its manager, say): that person's own token reports.
      if (who.role == R::COMPANY_STAFF && entity && entity->company != who.company_id &&
          entity->company != who.actor_id) {
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

// What a replacement may not change, whoever makes it. The company a complaint, a repair or a
// survey answers for: a replacement naming another was judged against the company serving on
// the day of the correction, and the views then charged it from the day of the filing (two
// complaints of 2024 moved from one company to the next). And, but for auditors and admins, the
// questions a survey response answers: two paper forms replaced with fifty invented questions
// each, all satisfied, took an owners' committee off the black list.
Verdict CheckReplacedContent(const Caller& who, uint64_t target, schema::Payload::Reader original,
                             schema::Payload::Reader replacement, const FactSource& facts,
                             int64_t recorded_ms) {
  std::string named = Field(Data(replacement), "companyId");
  std::string before = Field(Data(original), "companyId");
  if (named != before) {
    std::string charged;
    if (const TypeRule* rule = FindRule(PayloadType(original))) {
      if (auto entity = facts.Entity(EntityOf(*rule, original))) charged = entity->company;
    }
    // Leaving out a company the original named lets the views find one on the filing day.
    bool moved = !before.empty() || named != charged;
    if (moved && (original.isComplaintFiled() || original.isRepairRequested() ||
                  original.isSurveyResponseRecorded())) {
      std::string kept = before.empty() ? charged : before;
      return Deny("correction.company",
                  "event " + std::to_string(target) + " answers for " +
                      (kept.empty() ? std::string("the company serving on its day") : kept) +
                      ", fixed when it was recorded; a replacement names " +
                      (before.empty() ? std::string("it or none") : before) + ", not " +
                      (named.empty() ? std::string("none") : named));
    }
  }
  // A raised obligation stays the household's and its reason's, due no earlier than it was, or
  // than today: thirty replaced to name one household were met by one visit, and a dueBy moved
  // into a closed year was a miss there.
  if (original.isVisitObligationRaised()) {
    auto before = original.getVisitObligationRaised();
    auto after = replacement.getVisitObligationRaised();
    std::string due = after.getDueBy().cStr();
    std::string day = RecordingDay(recorded_ms);
    if (EntityName("household", before.getHouseholdId().cStr()) !=
            EntityName("household", after.getHouseholdId().cStr()) ||
        before.getReason() != after.getReason() || (due < before.getDueBy().cStr() && due < day)) {
      return Deny("correction.obligation",
                  "event " + std::to_string(target) + " raised an obligation for " +
                      before.getHouseholdId().cStr() + " due by " + before.getDueBy().cStr() +
                      "; a replacement keeps its household and reason, and is due then or "
                      "later, or from today; void it and raise another for another household");
    }
  }
  // Whose hours a claim is: a worker who replaced the claimant by themselves kept the
  // verification another had given.
  if (original.isVolunteerHoursClaimed() && who.role != R::ADMIN &&
      EntityName("person", Field(Data(replacement), "personId")) !=
          EntityName("person", Field(Data(original), "personId"))) {
    return Deny("correction.person", "event " + std::to_string(target) + " claims hours for " +
                                         Field(Data(original), "personId") +
                                         "; a replacement claims them for the same person (void "
                                         "it, and claim anew for another)");
  }
  if (original.isSurveyResponseRecorded() && who.role != R::STREET_AUDITOR &&
      who.role != R::ADMIN) {
    std::set<std::string> asked;
    for (auto answer : original.getSurveyResponseRecorded().getAnswers()) {
      asked.insert(answer.getQuestion().cStr());
    }
    for (auto answer : replacement.getSurveyResponseRecorded().getAnswers()) {
      if (!asked.count(answer.getQuestion().cStr())) {
        return Deny("correction.survey",
                    "event " + std::to_string(target) + " did not answer \"" +
                        std::string(answer.getQuestion().cStr()) +
                        "\"; a replacement changes a response's answers, not its questions "
                        "(street auditors and admins correct a form's questions)");
      }
    }
  }
  return Verdict::Allow();
}

// A household's flags decide which visits it is owed, and count from their recording (the views'
// EventContext::counted_at): a worker who voided or replaced a flag change after a missed
// holiday and recorded it again took the miss off the figures. Past the hour's grace, those
// corrections are street auditors' and admins'; a worker records a new change. A registration's
// are theirs at any time: undoing one drops the household's record from the views, with the
// flags later changes gave it.
Verdict CheckFlagsCorrection(const Caller& who, uint64_t target, schema::Event::Reader original,
                             int64_t recorded_ms) {
  if (who.role == R::STREET_AUDITOR || who.role == R::ADMIN) return Verdict::Allow();
  auto payload = original.getPayload();
  if (!payload.isHouseholdFlagsChanged() && !payload.isHouseholdRegistered()) {
    return Verdict::Allow();
  }
  // Undoing a registration drops the household's record from the views, with the flags later
  // changes gave it (a worker re-registered a household and voided that within the hour).
  if (payload.isHouseholdRegistered()) {
    return Deny("correction.flags",
                "event " + std::to_string(target) +
                    " registered a household, whose flags decide the visits it is owed; street "
                    "auditors and admins correct a registration, and a community worker "
                    "registers the household again to change its details, which counts from now");
  }
  constexpr int64_t kGraceMs = 60 * 60 * 1000;
  if (recorded_ms - original.getRecordedAt() <= kGraceMs) return Verdict::Allow();
  // A void or a replacement alike: the event may have been replaced before, so what it says now
  // is not the stored event's flags.
  return Deny("correction.flags",
              "event " + std::to_string(target) +
                  " set a household's flags more than an hour ago, and they decide the visits it "
                  "was owed since; street auditors and admins correct them, and a community "
                  "worker records a new householdFlagsChanged, which counts from now");
}

Verdict JudgeCorrection(const Caller& who, schema::Event::Reader event, const std::string& day,
                        int64_t recorded_ms, const FactSource& facts,
                        const std::optional<CorrectedEvent>& corrected) {
  auto correction = event.getPayload().getCorrectionRecorded();
  uint64_t target = correction.getCorrectsSeq();
  if (!corrected) {
    return Invalid("correction.target",
                   "there is no event " + std::to_string(target) + " before this one to correct");
  }
  auto original = corrected->event;
  auto original_payload = original.getPayload();
  std::string type = PayloadType(original_payload);
  const TypeRule* rule = FindRule(type);
  // Neither what the event is nor where: a narrowed token learns only that it is not theirs. (A
  // correction's estate is its target's, which is not read here: it is answered alike.)
  if (Narrowed(who) &&
      (original_payload.isCorrectionRecorded() ||
       (rule && OutOfSight(Act{who, *rule, original_payload, day, facts, std::nullopt},
                           EstateOfStored(original_payload, facts))))) {
    return Deny("scope.estate", "event " + std::to_string(target) +
                                    " is not in an estate this token acts for (" + SightText(who) +
                                    "), or is a correction; this token corrects events of those "
                                    "estates, and a correction by correcting its event again");
  }
  if (original_payload.isCorrectionRecorded()) {
    return Invalid("correction.target",
                   "a correction cannot correct a correction; correct event " +
                       std::to_string(original_payload.getCorrectionRecorded().getCorrectsSeq()) +
                       " again instead");
  }
  if (!rule)
    return Invalid("correction.target",
                   "event " + std::to_string(target) + " has no type this ledger knows");
  std::string estate = EstateOfStored(original_payload, facts);
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

  // An estate's household count decides every complaint rate of the days it covers: a street
  // auditor's replacement of a 2024 registration with 6,000 households took a manager off
  // 2025's black list. A registration is corrected by an admin; others register the estate
  // again, and the new count holds from then on.
  if (original_payload.isEstateRegistered() && who.role != R::ADMIN) {
    uint32_t declared = original_payload.getEstateRegistered().getHouseholdCount();
    bool moves =
        replacement
            ? correction.getAction().getReplacement().getEstateRegistered().getHouseholdCount() !=
                  declared
            : declared > 0;
    if (moves) {
      return Deny("correction.estate",
                  "event " + std::to_string(target) +
                      " declares the estate's household count for the days since it was recorded; "
                      "it is voided, or its count replaced, by an admin. Register the estate again "
                      "to declare a new count from today");
    }
  }

  // Who may correct: the event's own actor, a role that supervises such records, auditors and
  // admins; each only within the scope it has today.
  bool own =
      std::string_view(original.getActorId().cStr()) == who.actor_id && !who.actor_id.empty();
  bool supervises = (rule->supervisors | kAuditor) & Bit(who.role);
  if (who.role != R::ADMIN && !own && !supervises) {
    return Deny("correction.who",
                std::string("event ") + std::to_string(target) + " (a " + type +
                    ") was recorded by someone else; it may be corrected by its own actor, by " +
                    RolesText(rule->supervisors | kAuditor) + " and by admins");
  }
  // Points that moved are not taken back by whoever moved them: a payment voided by its payer
  // takes the points back from a provider who may have spent them, and a claim replaced by its
  // claimant after it was verified kept the verification for other hours. Those corrections are
  // for the roles that supervise the time bank.
  if (own && !supervises && who.role != R::ADMIN &&
      (type == "timeBankExchanged" || type == "volunteerHoursClaimed")) {
    return Deny("correction.time-bank",
                std::string("event ") + std::to_string(target) + " (a " + type +
                    ") moves time-bank points; it is corrected by " +
                    RolesText(rule->supervisors | kAuditor) +
                    " and by admins, not by its own actor: ask them to void or replace it");
  }
  // A repair's category decides its time limit: a filer who turned a leak (24 h) done in 18 h
  // into a gas repair (4 h) two years later made the company late after the fact.
  if (own && !supervises && who.role != R::ADMIN && replacement &&
      original_payload.isRepairRequested()) {
    std::string_view before = original_payload.getRepairRequested().getCategory().cStr();
    std::string_view after =
        correction.getAction().getReplacement().getRepairRequested().getCategory().cStr();
    if (before != after) {
      return Deny("correction.category",
                  "event " + std::to_string(target) + " requested a \"" + std::string(before) +
                      "\" repair, and its category decides the time limit the company is held "
                      "to; its filer may correct the rest of it, and " +
                      RolesText(rule->supervisors | kAuditor) + " and admins its category");
    }
  }
  if (Verdict v = CheckFlagsCorrection(who, target, original, recorded_ms); !v.ok()) {
    return v;
  }
  if (replacement) {
    if (Verdict v =
            CheckReplacedContent(who, target, original_payload,
                                 correction.getAction().getReplacement(), facts, recorded_ms);
        !v.ok()) {
      return v;
    }
  }
  Act act{who, *rule, original_payload, day, facts, EntityOf(*rule, original_payload), true};
  if (who.role == R::STREET_AUDITOR || who.role == R::ADMIN) {
    // Auditors and admins correct anything within their estates; an appointment (which decides
    // whose figures are rated, for which days) within the years a bound token dates them.
    Verdict v = CheckScope(act, estate);
    if (!v.ok()) return v;
    if (Verdict appointment = CheckAppointment(act); !appointment.ok()) return appointment;
    if (Verdict policy = CheckPolicy(act); !policy.ok()) return policy;
    // A committee's term, as a bound token dates one: an estate-bound auditor replaced the street
    // office's 2022 term by one from 2026, and the committee left two published black lists.
    if (Verdict term = CheckCommittee(act); !term.ok()) return term;
    // A sheet, as a bound auditor scores it: of this year or the last, and of a subject of its
    // estates. One voided a 2024 sheet, and moved another into 2025, that it could not record.
    if (Verdict sheet = CheckSheetSubject(act, estate); !sheet.ok()) return sheet;
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

std::string EstateOfEvent(schema::Payload::Reader payload, const FactSource& facts, bool* known) {
  const TypeRule* rule = FindRule(PayloadType(payload));
  std::string estate = rule ? EstateOfStored(payload, facts) : "";
  *known = !estate.empty() || (rule && rule->scope == Scope::kDistrict);
  return estate;
}

// An event is recorded once it has happened: a visit dated next week met next year's holiday
// ahead of time, and the audit index showed it with a negative lateness. A quarter of an hour
// allows for a client's clock running fast. Admins are not held to it (as to the open-obligation
// rule): their acts are the district's own, in the audit index.
Verdict CheckNotAhead(const Caller& who, schema::Event::Reader event, int64_t recorded_ms) {
  constexpr int64_t kClockSkewMs = 15 * 60 * 1000;
  int64_t ahead = event.getOccurredAt() - recorded_ms;
  if (who.role == R::ADMIN || ahead <= kClockSkewMs) return Verdict::Allow();
  return Invalid("time.future", "occurredAt: the event says it happens " +
                                    std::to_string(ahead / 60'000) +
                                    " minutes after it is recorded; an event is recorded once it "
                                    "has happened (at most 15 minutes ahead of the server's clock, "
                                    "for a client's clock running fast)");
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
  if (Verdict v = CheckNotAhead(who, event, recorded_ms); !v.ok()) return v;
  std::string day = RecordingDay(recorded_ms);
  if (payload.isCorrectionRecorded()) {
    return JudgeCorrection(who, event, day, recorded_ms, facts, corrected);
  }
  return JudgeAct(Act{who, *FindRule(type), payload, day, facts, std::nullopt});
}

}  // namespace ledger
