// Preparing an append on the caller's thread (append_request.h).

#include "append_request.h"

#include <capnp/schema.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "ledger/normalize.h"
#include "ledger/validate.h"

namespace ledger::internal {
namespace {

// The byte offset of a 64-bit field of Event inside an Event's canonical words. The canonical
// root struct starts right after the root pointer.
size_t TimeFieldOffset(const char* name) {
  auto field = capnp::Schema::from<schema::Event>().getFieldByName(name);
  return sizeof(capnp::word) * (1 + field.getProto().getSlot().getOffset());
}

// Copies the event with the server's fields set, validates it, and returns its canonical words.
Result<kj::Array<capnp::word>> Prepare(schema::Event::Reader event, std::string_view stream,
                                       int64_t now, const Options& options,
                                       const EventLayout& layout) {
  kj::Array<capnp::word> words;
  Status status;
  kj::Maybe<kj::Exception> error = kj::runCatchingExceptions([&]() {
    capnp::MallocMessageBuilder message;
    message.setRoot(event);
    auto root = message.getRoot<schema::Event>();
    auto given = root.getStream();
    if (given.size() != 0 && std::string_view(given.begin(), given.size()) != stream) {
      status = Status::InvalidArgument("the event names stream \"" + std::string(given.cStr()) +
                                       "\" but is appended to \"" + std::string(stream) + "\"");
      return;
    }
    root.setStream(capnp::Text::Reader(stream.data(), stream.size()));
    // Never zero, so that the canonical bytes always hold the words the writer stamps.
    root.setRecordedAt(std::max<int64_t>(now, 1));
    if (root.getOccurredAt() == 0) root.setOccurredAt(std::max<int64_t>(now, 1));
    // occurredAt is the client's word for when it happened (earlier than the recording for a
    // late entry): within 1900 – 2199, as the views' periods are. The views subtract it from
    // other instants, and an extreme one overflowed them.
    constexpr int64_t k1900Ms = -2'208'988'800'000;  // 1900-01-01T00:00:00Z
    constexpr int64_t k2200Ms = 7'258'118'400'000;   // 2200-01-01T00:00:00Z
    if (int64_t occurred = root.getOccurredAt(); occurred < k1900Ms || occurred >= k2200Ms) {
      status = Status::InvalidArgument(
          "occurredAt: an event's occurredAt is when it happened, from 1900 to 2199 (omit it to "
          "mean now)");
      return;
    }
    status = ValidateEvent(root.asReader());
    if (!status.ok()) return;
    // The normal form, so that the event's JSON determines the bytes hashed (normalize.h).
    words =
        options.normalize ? NormalCanonical(root.asReader()) : capnp::canonicalize(root.asReader());
  });
  KJ_IF_MAYBE (e, error) {
    return Status::InvalidArgument(std::string("the event could not be read: ") +
                                   e->getDescription().cStr());
  }
  if (!status.ok()) return status;
  // The writer stamps its clock into these words; make sure they are where it will look.
  int64_t stamped = 0;
  auto raw = words.asBytes();
  if (raw.size() >= layout.recorded_at + sizeof(stamped)) {
    std::memcpy(&stamped, raw.begin() + layout.recorded_at, sizeof(stamped));
  }
  if (stamped != std::max<int64_t>(now, 1)) {
    return Status::InvalidArgument("the event's canonical form has an unexpected layout");
  }
  size_t bytes = words.size() * sizeof(capnp::word);
  if (bytes > options.max_event_bytes) {
    return Status::InvalidArgument("the event is " + std::to_string(bytes) + " bytes; at most " +
                                   std::to_string(options.max_event_bytes) + " are allowed");
  }
  return words;
}

}  // namespace

EventLayout EventLayout::OfEvent() {
  return EventLayout{TimeFieldOffset("recordedAt"), TimeFieldOffset("occurredAt")};
}

Result<std::unique_ptr<PendingAppend>> PrepareAppend(const Caller* caller, std::string_view stream,
                                                     ExpectedVersion expected,
                                                     std::span<const schema::Event::Reader> events,
                                                     const Options& options,
                                                     const EventLayout& layout) {
  Status s = ValidateStreamId(stream);
  if (!s.ok()) return s;
  if (events.empty()) return Status::InvalidArgument("an append needs at least one event");
  if (events.size() > options.max_events_per_append) {
    return Status::InvalidArgument("an append may carry at most " +
                                   std::to_string(options.max_events_per_append) +
                                   " events; this one has " + std::to_string(events.size()));
  }
  auto pending = std::make_unique<PendingAppend>();
  pending->stream = std::string(stream);
  pending->expected = expected;
  if (caller) pending->caller = *caller;
  pending->ids.reserve(events.size());
  pending->words.reserve(events.size());
  pending->occurred_when_recorded.reserve(events.size());
  int64_t now = options.clock();
  for (size_t i = 0; i < events.size(); ++i) {
    Result<kj::Array<capnp::word>> prepared = Prepare(events[i], stream, now, options, layout);
    if (!prepared.ok()) {
      std::string where = events.size() == 1 ? "" : "event " + std::to_string(i) + ": ";
      return Status(prepared.status().code(), where + prepared.status().message());
    }
    pending->ids.emplace_back(events[i].getEventId().cStr());
    pending->occurred_when_recorded.push_back(events[i].getOccurredAt() == 0);
    pending->words.push_back(std::move(prepared).value());
  }
  if (pending->ids.size() > 1) {
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < pending->ids.size(); ++i) {
      if (!seen.insert(pending->ids[i]).second) {
        return Status::InvalidArgument("event " + std::to_string(i) + ": eventId \"" +
                                       pending->ids[i] + "\" appears twice in one append");
      }
    }
  }
  return pending;
}

}  // namespace ledger::internal
