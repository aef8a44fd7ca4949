#include "projections/view_set.h"

#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <future>

namespace projections {

namespace {

EventContext ContextOf(uint64_t seq, ledger::schema::Event::Reader e) {
  EventContext c;
  c.seq = seq;
  c.recorded_at = e.getRecordedAt();
  c.occurred_at = e.getOccurredAt();
  c.stream = std::string_view(e.getStream().cStr(), e.getStream().size());
  c.event_id = std::string_view(e.getEventId().cStr(), e.getEventId().size());
  c.actor_id = std::string_view(e.getActorId().cStr(), e.getActorId().size());
  c.role = e.getActorRole();
  c.payload = e.getPayload();
  return c;
}

}  // namespace

EventContext ContextOf(const ledger::RecordedEvent& recorded) {
  return ContextOf(recorded.seq(), recorded.event());
}

ViewSet::ViewSet(Fetch fetch, AuditIndexing audit_indexing)
    : fetch_(std::move(fetch)), audit_applied_(audit_indexing == AuditIndexing::kApplied) {
  all_ = {&policies,  &registers, &complaints, &repairs, &visits,
          &time_bank, &ratings,   &meetings,   &audit,   &corrections};
  for (Projection* view : all_) {
    if (view != &audit) all_but_audit_.push_back(view);
  }
  applied_ = audit_applied_ ? all_ : all_but_audit_;
}

ledger::Status ViewSet::ApplyBatch(std::span<const ledger::RecordedEvent> events) {
  // Below this many events a second thread costs more than it saves.
  constexpr size_t kMinLaneRun = 512;
  size_t i = 0;
  while (i < events.size()) {
    size_t end = i;
    while (end < events.size() && !events[end].event().getPayload().isCorrectionRecorded()) ++end;
    // Without the audit index there is one lane: the run is applied one event at a time below.
    if (audit_applied_ && end - i >= kMinLaneRun) {
      auto audit_lane = std::async(std::launch::async, [&, from = i, to = end] {
        for (size_t k = from; k < to; ++k) {
          // A reader of its own: a message reader counts what is read through it, and is not
          // meant to be shared between threads.
          kj::ArrayPtr<const capnp::word> segments[] = {events[k].canonical_words()};
          capnp::SegmentArrayMessageReader reader(segments);
          audit.Apply(ContextOf(events[k].seq(), reader.getRoot<ledger::schema::Event>()));
        }
      });
      for (size_t k = i; k < end; ++k) {
        EventContext context = ContextOf(events[k]);
        for (Projection* view : all_but_audit_) view->Apply(context);
      }
      audit_lane.get();
      position_ = ledger::Position{events[end - 1].seq(), events[end - 1].hash()};
      i = end;
    }
    // The short run, or the correction that ended the long one, one event at a time.
    for (size_t stop = std::min(events.size(), std::max(end, i) + 1); i < stop; ++i) {
      ledger::Status s = Apply(events[i]);
      if (!s.ok()) return s;
    }
  }
  return ledger::Status::Ok();
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
      // A replacement of another type would change what kind of fact the corrected event was
      // (a complaint read as a service contract). The rule book refuses it now; one in a ledger
      // written before is kept in the audit trail and changes no view.
      bool same_kind = !correction.getAction().isReplacement() ||
                       correction.getAction().getReplacement().which() == before.payload.which();
      if (!before.payload.isCorrectionRecorded() && same_kind) {
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
          for (Projection* view : applied_) view->Void(before);
        }
        if (correction.getAction().isReplacement()) {
          EventContext replaced = before;
          replaced.payload = correction.getAction().getReplacement();
          for (Projection* view : applied_) view->Apply(replaced);
        }
        corrections.Record(target, event.seq(), correction);
      }
    }
  }
  for (Projection* view : applied_) view->Apply(context);
  position_ = ledger::Position{event.seq(), event.hash()};
  return ledger::Status::Ok();
}

}  // namespace projections
