// Corrections: for each corrected event, what it currently stands for (void, or a replacement
// payload), so a second correction of the same event takes back the first one's effect.

#pragma once

#include <kj/array.h>

#include <optional>
#include <string>

#include "projections/projection.h"

namespace projections {

struct CorrectionEntry {
  uint64_t corrected_by = 0;      // the latest correction's seq
  std::string replacement_bytes;  // a Payload message (flat array); empty when voided
  std::string reason;
  template <class A>
  void Fields(A& a) {
    a(corrected_by, replacement_bytes, reason);
  }
};

class Corrections final : public Projection {
 public:
  Corrections() { Register(&entries_); }
  const char* name() const override { return "corrections"; }
  uint32_t version() const override { return 1; }
  // The engine records corrections itself (Record); events pass through untouched.
  void Apply(const EventContext&) override {}
  void Void(const EventContext&) override {}

  const CorrectionEntry* Find(uint64_t seq) const;
  void Record(uint64_t corrected_seq, uint64_t correction_seq,
              ledger::schema::CorrectionRecorded::Reader correction);
  const Table<CorrectionEntry>& entries() const { return entries_; }

 private:
  Table<CorrectionEntry> entries_{"entries"};  // key: corrected seq, decimal
};

}  // namespace projections
