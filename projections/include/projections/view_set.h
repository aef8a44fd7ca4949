// ViewSet: every view, applied in lockstep from one ledger position.
//
// The live engine holds one ViewSet; time travel builds a fresh one by replaying the log up to
// an earlier position. Both apply events the same way, including corrections: a correction of
// seq N takes back what N (or its last replacement) contributed to every view, and applies the
// replacement, if any, as if it had been recorded at N.
//
// A correction that names a correction, or an event not before it, is kept in the audit trail
// and changes no view: undoing an undo is done by a new correction of the original event.

#pragma once

#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "ledger/ledger.h"
#include "projections/views/audit.h"
#include "projections/views/complaints.h"
#include "projections/views/corrections.h"
#include "projections/views/meetings.h"
#include "projections/views/policies.h"
#include "projections/views/ratings.h"
#include "projections/views/registers.h"
#include "projections/views/repairs.h"
#include "projections/views/time_bank.h"
#include "projections/views/visits.h"

namespace projections {

class ViewSet {
 public:
  // Reads an earlier event, for corrections.
  using Fetch = std::function<ledger::Result<ledger::RecordedEvent>(uint64_t seq)>;
  // Whether events are applied to the audit index. Time travel leaves it out: the trail only
  // grows, so the live index read up to a position (AuditIndex's `up_to`) is the index as of
  // that position, and replaying it took three quarters of a replay's time (its lists' heads
  // are read back from all over the store). A set that leaves it out must not be asked for it.
  enum class AuditIndexing { kApplied, kLeftOut };
  explicit ViewSet(Fetch fetch, AuditIndexing audit_indexing = AuditIndexing::kApplied);
  ViewSet(const ViewSet&) = delete;
  ViewSet& operator=(const ViewSet&) = delete;

  // Applies the event at position() + 1. Returns a non-ok Status only if a corrected event
  // cannot be read; the event is then not applied.
  ledger::Status Apply(const ledger::RecordedEvent& event);

  // Applies events in order, as Apply() one by one would. Long runs without corrections are
  // applied in two lanes at once: the audit index on a thread of its own, the other views on the
  // calling one. No view reads the audit index, and the audit index reads no other view.
  ledger::Status ApplyBatch(std::span<const ledger::RecordedEvent> events);

  // Every view, in the order they are applied (views used by others come first), the audit
  // index included even where it is left out: all of them are kept in the store.
  const std::vector<Projection*>& all() const { return all_; }
  // The views events are applied to: all(), or all() but the audit index.
  const std::vector<Projection*>& applied() const { return applied_; }

  // The position the views reflect: the last applied event and the chain hash after it.
  const ledger::Position& position() const { return position_; }
  void set_position(const ledger::Position& position) { position_ = position; }

  // The views. Read them under the engine's read lock (Engine::Read), or own the set.
  Policies policies;
  Registers registers;
  Complaints complaints{&registers};
  Repairs repairs{&policies, &registers};
  Visits visits{&policies, &registers};
  TimeBank time_bank{&policies, &registers};
  Ratings ratings;
  Meetings meetings;
  AuditIndex audit;
  Corrections corrections;

 private:
  Fetch fetch_;
  bool audit_applied_;
  std::vector<Projection*> all_;
  std::vector<Projection*> applied_;  // all_, or all_ but the audit index
  std::vector<Projection*> all_but_audit_;
  ledger::Position position_;
};

// The context of a recorded event.
EventContext ContextOf(const ledger::RecordedEvent& event);

}  // namespace projections
