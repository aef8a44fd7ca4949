// A projection folds ledger events into a view: keyed records in Tables, queried by the HTTP
// layer and the reports.
//
// A projection only ever sees events in sequence order, once each. Its state lives in the Tables
// it registers; the engine persists them with the checkpoint in one batch, and a version bump
// rebuilds the state from the first event. A projection must not read the clock, the network or
// anything else outside the events: a view is a pure function of the log, so that anyone holding
// the ledger can recompute it.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "projections/table.h"
#include "schemas/events.capnp.h"

namespace projections {

// One event as a projection sees it. For a corrected event's replacement, `payload` is the
// replacement and every other field is the original event's.
struct EventContext {
  uint64_t seq = 0;
  int64_t recorded_at = 0;  // ms since the epoch, UTC, server clock
  int64_t occurred_at = 0;  // ms since the epoch, UTC, as reported
  std::string_view stream;
  std::string_view event_id;
  std::string_view actor_id;
  ledger::schema::Role role = ledger::schema::Role::UNKNOWN;
  ledger::schema::Payload::Reader payload;

  // When the complaint and repair figures count the event: when it happened as reported, but
  // never more than kRecordingGraceMs before the ledger recorded it. Each side of a time limit is
  // recorded by the party an early date would favour: a filer backdating a complaint makes the
  // company late, staff backdating a completion make it on time. Neither could be checked, so
  // neither is believed beyond the grace; the event keeps its occurredAt, and the audit index
  // flags it late. A street auditor's or an admin's date is taken as given: they enter what the
  // office checked, late paper records included, and answer for it in the audit index. A date
  // after the recording is taken as given too: it only delays the figures of the step it dates.
  int64_t counted_at() const { return counted_at(kRecordingGraceMs); }
  // The same with a longer grace, for what is written on paper first and entered later.
  int64_t counted_at(int64_t grace_ms) const {
    if (role == ledger::schema::Role::STREET_AUDITOR || role == ledger::schema::Role::ADMIN) {
      return occurred_at;
    }
    return recorded_at - grace_ms > occurred_at ? recorded_at - grace_ms : occurred_at;
  }
  // Time for a phone out of signal, or a form sent when the shift ends.
  static constexpr int64_t kRecordingGraceMs = 60 * 60 * 1000;
  // A home visit, or an obligation raised on one, written up within a week: the week after
  // which the audit index flags an entry late. Past it, a community worker dated a late visit
  // into its must-visit window, and the figures showed it met on time.
  static constexpr int64_t kVisitGraceMs = 7 * 24 * 60 * 60 * 1000LL;
  // A survey's paper forms, entered within a month (December's in January); past it, a form
  // entered in June moved a year whose rating had been argued over.
  static constexpr int64_t kFormGraceMs = 31 * 24 * 60 * 60 * 1000LL;
};

// Text of a Cap'n Proto reader as a std::string.
inline std::string Str(capnp::Text::Reader text) { return std::string(text.cStr(), text.size()); }

class Projection {
 public:
  virtual ~Projection() = default;

  // A stable name, used in storage keys and in the HTTP paths.
  virtual const char* name() const = 0;
  // Bump when Apply's meaning or a record's layout changes: the stored view is then rebuilt.
  virtual uint32_t version() const = 0;

  // Folds one event in. Events of types the view does not use are ignored.
  virtual void Apply(const EventContext& event) = 0;

  // Takes back the effect of an event that a correction voids or replaces. `event` is the event
  // as it was applied (the original, or the replacement it was last corrected to). A replacement
  // is then Apply()'d with the same seq.
  virtual void Void(const EventContext& event) = 0;

  const std::vector<TableBase*>& tables() const { return tables_; }

 protected:
  void Register(TableBase* table) { tables_.push_back(table); }

 private:
  std::vector<TableBase*> tables_;
};

}  // namespace projections
