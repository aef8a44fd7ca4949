// The facts an event teaches the rule book (rule_book.h's Learn): an entity's estate, filer,
// household and company, and who serves an estate.

#include "ledger/rule_book.h"
#include "rule_types.h"

namespace ledger {
namespace {

using internal::Creation;
using internal::Data;
using internal::EntityOf;
using internal::EstateOfPerson;
using internal::Field;
using internal::FindRule;
using internal::OnlineAnswerName;
using internal::PayloadType;
using internal::Scope;
using internal::SurveyAnswerName;
using internal::TypeRule;

// What voiding `original` changes: only a service contract's facts (it never started, or its end
// is taken back).
std::vector<FactChange> LearnVoid(schema::Payload::Reader original, const FactSource& facts) {
  std::vector<FactChange> out;
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

}  // namespace

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
    if (original.isVisitObligationRaised()) {
      // The household's open obligation of that reason is this one's no longer once voided, and
      // lasts to a replacement's dueBy (which keeps its household and reason). A visit does not
      // close it: visits voided, dated before it, or naming made-up ids closed it, and thirty
      // were met by one real visit again.
      auto raised = original.getVisitObligationRaised();
      std::string name = internal::OpenObligationName(raised.getHouseholdId().cStr(),
                                                      static_cast<int>(raised.getReason()));
      auto open = facts.Entity(name);
      std::string obligation = EntityName("obligation", raised.getObligationId().cStr());
      // (A replacement of one voided, or of one already past, changes nothing.)
      if (open && open->person == obligation && !open->until.empty()) {
        FactChange change;
        change.name = name;
        change.entity = *open;
        change.entity.until = correction.getAction().isVoid()
                                  ? std::string()
                                  : std::string(correction.getAction()
                                                    .getReplacement()
                                                    .getVisitObligationRaised()
                                                    .getDueBy()
                                                    .cStr());
        out.push_back(change);
      }
      return out;
    }
    if (!original.isServiceContractStarted() && !original.isServiceContractEnded()) return out;
    if (correction.getAction().isVoid()) return LearnVoid(original, facts);
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
      f.person = Field(data, "personId");
      if (f.estate.empty()) f.estate = EstateOfPerson(facts, f.person);
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
  if (payload.isSurveyResponseRecorded() && !household.empty()) {
    // Which households answered which survey: a resident's household answers once.
    FactChange answered;
    answered.name = SurveyAnswerName(payload.getSurveyResponseRecorded());
    if (auto first = facts.Entity(answered.name)) {
      answered.entity = *first;
    } else {
      answered.entity = EntityFacts{f.estate, actor, "", household, at_seq, "", ""};
    }
    out.push_back(answered);
    if (event.getActorRole() == schema::Role::RESIDENT) {
      // And how many it answered online this year: survey ids are the resident's to invent.
      for (int nth = 1; nth <= internal::kOnlineAnswersPerYear; ++nth) {
        FactChange online;
        online.name = OnlineAnswerName(household, day, nth);
        if (facts.Entity(online.name)) continue;
        online.entity = EntityFacts{f.estate, actor, "", household, at_seq, "", ""};
        out.push_back(online);
        break;
      }
    }
  }
  if (payload.isVisitObligationRaised()) {
    // Until when the household's obligation of this reason is open: one visit answers it.
    auto raised = payload.getVisitObligationRaised();
    FactChange open;
    open.name = internal::OpenObligationName(household, static_cast<int>(raised.getReason()));
    auto before = facts.Entity(open.name);
    std::string due = raised.getDueBy().cStr();
    if (!before || before->until < due) {
      open.entity = EntityFacts{f.estate, actor, "", household, at_seq, change.name, due};
      out.push_back(open);
    }
  }
  if (payload.isOwnersCommitteeFormed()) {
    // The estate's committee (CheckCommittee): the first formed for it, or the latest a street
    // auditor or an admin formed (a committee re-elected under a new id).
    std::string estate = payload.getOwnersCommitteeFormed().getEstateId().cStr();
    FactChange committee;
    committee.name = internal::EstateCommitteeName(estate);
    auto role = event.getActorRole();
    bool office = role == schema::Role::ADMIN || role == schema::Role::STREET_AUDITOR;
    if (!estate.empty() && (office || !facts.Entity(committee.name))) {
      committee.entity = EntityFacts{estate, actor, "", "", at_seq, change.name, ""};
      out.push_back(committee);
    }
  }
  if ((payload.isComplaintFiled() || payload.isRepairRequested()) &&
      event.getActorRole() == schema::Role::RESIDENT) {
    // How many complaints, or repair requests, the resident filed on the recording day.
    for (int nth = 1; nth <= internal::kFiledPerResidentDay; ++nth) {
      FactChange filed;
      filed.name = internal::FiledOfDayName(payload.isRepairRequested(), actor, day, nth);
      if (facts.Entity(filed.name)) continue;
      filed.entity = EntityFacts{f.estate, actor, "", household, at_seq, "", ""};
      out.push_back(filed);
      break;
    }
  }
  return out;
}

}  // namespace ledger
