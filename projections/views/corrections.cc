#include "projections/views/corrections.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

namespace projections {

const CorrectionEntry* Corrections::Find(uint64_t seq) const {
  return entries_.Find(std::to_string(seq));
}

void Corrections::Record(uint64_t corrected_seq, uint64_t correction_seq,
                         ledger::schema::CorrectionRecorded::Reader correction) {
  auto& entry = entries_.Mutable(std::to_string(corrected_seq));
  entry.corrected_by = correction_seq;
  entry.reason = Str(correction.getReason());
  entry.replacement_bytes.clear();
  if (correction.getAction().isReplacement()) {
    capnp::MallocMessageBuilder message;
    message.setRoot(correction.getAction().getReplacement());
    auto words = capnp::messageToFlatArray(message);
    entry.replacement_bytes.assign(reinterpret_cast<const char*>(words.asBytes().begin()),
                                   words.asBytes().size());
  }
}

}  // namespace projections
