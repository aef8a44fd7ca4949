#include "projections/view_set.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

namespace projections {

EventContext ContextOf(const ledger::RecordedEvent& recorded) {
  auto e = recorded.event();
  EventContext c;
  c.seq = recorded.seq();
  c.recorded_at = e.getRecordedAt();
  c.occurred_at = e.getOccurredAt();
  c.stream = std::string_view(e.getStream().cStr(), e.getStream().size());
  c.event_id = std::string_view(e.getEventId().cStr(), e.getEventId().size());
  c.actor_id = std::string_view(e.getActorId().cStr(), e.getActorId().size());
  c.role = e.getActorRole();
  c.payload = e.getPayload();
  return c;
}

ViewSet::ViewSet(Fetch fetch) : fetch_(std::move(fetch)) {
  all_ = {&policies,  &registers, &complaints, &repairs, &visits,
          &time_bank, &ratings,   &meetings,   &audit,   &corrections};
}

ledger::Status ViewSet::Apply(const ledger::RecordedEvent& event) {
  EventContext context = ContextOf(event);
  if (context.payload.isCorrectionRecorded()) {
    auto correction = context.payload.getCorrectionRecorded();
    uint64_t target = correction.getCorrectsSeq();
    if (target >= 1 && target < event.seq()) {
      ledger::Result<ledger::RecordedEvent> original = fetch_(target);
      if (!original.ok()) return original.status();
      EventContext before = ContextOf(*original);
      if (!before.payload.isCorrectionRecorded()) {
        // What the corrected event stands for now: the original, its last replacement, or
        // nothing if it was voided.
        std::optional<capnp::FlatArrayMessageReader> previous;
        kj::Array<capnp::word> previous_words;
        bool applied = true;
        if (const CorrectionEntry* entry = corrections.Find(target)) {
          applied = !entry->replacement_bytes.empty();
          if (applied) {
            previous_words =
                kj::heapArray<capnp::word>(entry->replacement_bytes.size() / sizeof(capnp::word));
            std::memcpy(previous_words.begin(), entry->replacement_bytes.data(),
                        previous_words.asBytes().size());
            previous.emplace(previous_words);
            before.payload = previous->getRoot<ledger::schema::Payload>();
          }
        }
        if (applied) {
          for (Projection* view : all_) view->Void(before);
        }
        if (correction.getAction().isReplacement()) {
          EventContext replaced = before;
          replaced.payload = correction.getAction().getReplacement();
          for (Projection* view : all_) view->Apply(replaced);
        }
        corrections.Record(target, event.seq(), correction);
      }
    }
  }
  for (Projection* view : all_) view->Apply(context);
  position_ = ledger::Position{event.seq(), event.hash()};
  return ledger::Status::Ok();
}

}  // namespace projections
