// The rule book: who may append which event, for which estate, naming whom.
//
// One table (Rules()) says, for every event type, which roles may append it, which stream and
// entity it belongs to, how the estate it concerns is found, which payload fields must be the
// caller (identity), and which roles supervise its records (may void them). Judge() applies it
// to one event against the facts the ledger keeps beside its events (which estate and filer each
// entity has, which company serves which estate from when to when, which household a person
// lives in); Learn() says which facts an event adds once committed. The ledger's single writer
// calls both at commit time, so two appends cannot both claim an id and no decision waits for
// the views. `ledgerctl permissions` prints the table; the README shows it.
//
//   ledger::Caller who{schema::Role::RESIDENT, "person/p-7", {"estate/e01"}, ""};
//   ledger::Verdict v = ledger::Judge(who, event, recorded_ms, facts);
//   if (!v.ok()) refuse(v.status());   // "scope.estate: this token acts for estate/e01, ..."
//
// Scope follows the recording clock: "serves the estate" is judged on the day the ledger records
// the event (in China Standard Time, UTC+08:00), never on the `occurredAt` the caller claims.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "schemas/events.capnp.h"

namespace ledger {

// Who appends, as the HTTP edge learned it from a token.
struct Caller {
  schema::Role role = schema::Role::UNKNOWN;
  std::string actor_id;
  std::vector<std::string> estates;  // empty: not bound to estates
  std::string company_id;            // company staff: the company they work for

  bool BoundToEstates() const { return !estates.empty(); }
  bool CoversEstate(std::string_view estate) const;
};

// What the ledger remembers of one entity, fixed by the first event that created it.
struct EntityFacts {
  std::string estate;     // the estate it belongs to; empty for district-wide entities
  std::string filer;      // the actor who created it
  std::string company;    // complaints and repairs: the company charged; resolutions: the owner
  std::string household;  // persons: their household; visits: the household visited
  uint64_t seq = 0;       // the event that created it
  std::string person;     // claims: whose hours they are; an open obligation: the obligation
  std::string until;      // a household's raised obligation of a reason: the last day it is open
};

// One service contract: `company` serves `estate` from `start` to `end` inclusive (days
// "YYYY-MM-DD"; an empty end is open).
struct ContractFacts {
  std::string contract_id;
  std::string estate;
  std::string company;
  std::string start;
  std::string end;
  bool voided = false;  // its start was voided by a correction
};

// Where Judge() reads facts. The writer hands it the committed facts plus what the appends
// before this one in the same commit group add.
class FactSource {
 public:
  virtual ~FactSource() = default;
  // `name` is the entity's stream name: "complaint/c-1", "household/h-1".
  virtual std::optional<EntityFacts> Entity(std::string_view name) const = 0;
  // The contracts of `estate`; of every estate when it is empty.
  virtual std::vector<ContractFacts> Contracts(std::string_view estate) const = 0;
};

// The outcome of judging one event. Not ok: the status says which rule and why, with the code
// the edge answers with: PermissionDenied (403), InvalidArgument (400: the wrong stream, a
// malformed correction), AlreadyExists (409: an entity id that is taken).
struct Verdict {
  std::string rule;  // e.g. "scope.estate"; empty when allowed
  Status status;
  bool ok() const { return status.ok(); }
  static Verdict Allow() { return {}; }
};

// The event a correction names, as the writer found it.
struct CorrectedEvent {
  uint64_t seq = 0;
  schema::Event::Reader event;
};

// Judges `event` (actor fields already set from the caller) appended by `who` to `stream` at
// `recorded_ms`. `corrected` is the event a correctionRecorded names, when it exists.
Verdict Judge(const Caller& who, std::string_view stream, schema::Event::Reader event,
              int64_t recorded_ms, const FactSource& facts,
              const std::optional<CorrectedEvent>& corrected);

// The stream an event belongs to ("complaint/c-1" for complaint id "c-1" or "complaint/c-1"), or
// "" if the event has no known type. A correction belongs to "correction/{correctsSeq}", a
// published rating to "rating/{year}".
std::string StreamOf(schema::Event::Reader event);

// "complaint/c-1" for ("complaint", "c-1") and for ("complaint", "complaint/c-1").
std::string EntityName(std::string_view kind, std::string_view id);

// The facts `event`, committed at `seq`, adds or changes; applied in order by the writer.
// `corrected` is as for Judge (a replacement changes the facts of what it replaces).
struct FactChange {
  enum class What { kEntity, kContract } what = What::kEntity;
  std::string name;  // kEntity: the entity's stream name
  EntityFacts entity;
  ContractFacts contract;
};
std::vector<FactChange> Learn(schema::Event::Reader event, uint64_t seq, const FactSource& facts,
                              const std::optional<CorrectedEvent>& corrected);

// The estate an event (not a correction) concerns, from the facts: as Judge finds it, or from the
// entity it names. "" with `*known` true for a district-wide event (estates, companies,
// policies, ratings); `*known` false when the estate cannot be told.
std::string EstateOfEvent(schema::Payload::Reader payload, const FactSource& facts, bool* known);

// "YYYY-MM-DD", the day in China Standard Time (UTC+08:00) of an instant in ms since the epoch.
std::string RecordingDay(int64_t unix_ms);

// The company serving `estate` on `day` ("" if none), from `contracts`.
std::string ServingCompany(const std::vector<ContractFacts>& contracts, std::string_view day);

// Role names as tokens, JSON and the table spell them: resident, companyStaff, communityWorker,
// streetAuditor, ownersCommittee, admin; "unknown" otherwise.
const char* RoleName(schema::Role role);

// One row of the table, for people: `ledgerctl permissions` and the README.
struct RuleRow {
  std::string type;
  std::string stream;       // "complaint/{complaintId}"
  std::string roles;        // "resident, communityWorker, ownersCommittee"
  std::string scope;        // how the estate is found
  std::string identity;     // what must be the caller
  std::string supervisors;  // who besides the actor, auditors and admins may void it
};
std::vector<RuleRow> RuleTable();

// The table as Markdown.
std::string RuleTableMarkdown();

}  // namespace ledger
