// Who may read what. (Who may append what is the ledger's rule book, ledger/rule_book.h: the
// writer judges every append there, at commit time.)
//
// Every read goes through this one filter:
//   - admins, and street auditors and community workers bound to no estate, read everything;
//   - tokens bound to estates (residents, owners' committees, bound community workers and
//     auditors) read only those estates, whichever parameter names them: ?estate=, ?household=,
//     ?person=, ?entity=, or an id in the path; the raw log, streams, single events, the live
//     subscription and the audit index are narrowed the same way, event by event;
//   - company staff read only estates their company serves or served, and of those only the days
//     it served them (a view's ?from= and ?to= are clamped to that period), and never the
//     household and person views (visits, flags, time-bank statements);
//   - the raw log (which carries names and phone numbers) is for admins, auditors and community
//     workers; names and phone numbers in views are shown to those roles, and to a resident only
//     their own.
// Refusals name the rule ("read.estate: ..."), counted in /metrics by rule.

#pragma once

#include <string>
#include <string_view>

#include "http/routes.h"
#include "http/tokens.h"
#include "ledger/ledger.h"

namespace http {

struct Decision {
  bool allowed = true;
  std::string rule;    // when refused: the rule's name, e.g. "read.estate"
  std::string reason;  // for a person, when refused
  static Decision Allow() { return {}; }
  static Decision Deny(std::string rule, std::string why) {
    return {false, rule, rule + ": " + std::move(why)};
  }
};

// The rule book's view of a token holder.
ledger::Caller CallerOf(const Principal& who);

class Permissions {
 public:
  explicit Permissions(const ledger::Ledger* log) : log_(log) {}

  // Whether the role reads the raw log at all (admins, auditors, community workers).
  static bool MayReadRawEvents(const Principal& who);
  // Whether names and phone numbers of others are shown to the role.
  static bool SeesPersonalDetails(const Principal& who);

  // Narrows a view or report query to what `who` may see, or refuses it.
  Decision ScopeQuery(const Principal& who, const ViewRoute& route, Query* q) const;

  // Whether `who` may read the events of `stream` (raw reads).
  Decision MayReadStream(const Principal& who, std::string_view stream) const;
  // Whether `who` may see one raw event (the log, one event, the subscription).
  bool MayReadEvent(const Principal& who, ledger::schema::Event::Reader event) const;

 private:
  // The estates a token reads; empty with `*all` set when it reads every estate.
  std::vector<std::string> ReadableEstates(const Principal& who, bool* all) const;
  Decision CheckEstate(const Principal& who, const std::string& estate,
                       const std::string& named_by) const;
  // The estate a raw event concerns ("" if district-wide), and whether it could be told.
  std::string EstateOfEvent(ledger::schema::Event::Reader event, bool* known) const;

  const ledger::Ledger* log_;
};

}  // namespace http
