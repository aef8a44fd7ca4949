// Who may append what, for which estates, and who may read what.
//
// Each role appends only the event types that belong to it:
//   resident          files complaints and repair requests, reopens a complaint, answers
//                     follow-ups and surveys, records demands, claims volunteer hours and pays
//                     for services in the time bank
//   companyStaff      acknowledges, replies to and resolves complaints; dispatches and completes
//                     repairs — only for estates its company serves. It can never rate itself,
//                     publish a rating or record an inspection.
//   communityWorker   registers households and people, raises must-visit obligations, records
//                     home visits, follow-ups and surveys, verifies volunteer hours, minutes joint
//                     meetings and their resolutions, escalates complaints
//   ownersCommittee   files and escalates complaints, records demands, reports resolution progress
//   streetAuditor     registers estates, companies and contracts, adopts policies, records
//                     inspections and document reviews, publishes star ratings and lists
//   admin             everything
// A correction may be appended by whoever may append the type of the event it corrects, and by
// auditors and admins.
//
// Estate-bound tokens append and read only their estates; company staff only estates their
// company serves on the day. Auditors and admins read everything; the raw log (which carries
// personal details) is for auditors, admins and community workers; everyone else reads views.

#pragma once

#include <string>

#include "http/routes.h"
#include "http/tokens.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace http {

struct Decision {
  bool allowed = true;
  std::string reason;  // for a person, when refused
  static Decision Allow() { return {}; }
  static Decision Deny(std::string why) { return {false, std::move(why)}; }
};

class Permissions {
 public:
  // Whether `who` may append `event` (actor fields already set from the token). Looks up the
  // estate of events that only name a complaint, repair or household in the live views.
  Decision MayAppend(const Principal& who, ledger::schema::Event::Reader event,
                     projections::Engine& engine, ledger::Ledger& log) const;

  // Whether `role` may append events of type `type` (a Payload member name).
  static bool RoleMayAppend(ledger::schema::Role role, const std::string& type);

  static bool MayReadRawEvents(const Principal& who);

  // Narrows a view query to what `who` may see, or refuses a query outside it.
  Decision ScopeQuery(const Principal& who, Query* q) const;
};

}  // namespace http
