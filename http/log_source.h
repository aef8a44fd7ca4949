// The body of GET /v1/subscribe: the log as Server-Sent Events, pulled by the server without
// blocking (see BodySource in http/message.h). Each event is
//
//   id: <seq>\nevent: <type>\ndata: {"seq":...,"event":{...}}\n\n
//
// It wakes when the views have applied a new event (projections::Engine::WhenApplied), so no
// thread waits for a subscriber.

#pragma once

#include <functional>
#include <memory>

#include "codec/event_json.h"
#include "http/message.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace http {

// Which events a subscriber may see; the others are passed over.
using EventFilter = std::function<bool(ledger::schema::Event::Reader)>;

// Streams from `from` (at least 1). `owner` groups its wake-ups for Engine::CancelWaiters.
std::shared_ptr<BodySource> MakeLogSource(ledger::Ledger* log, projections::Engine* engine,
                                          const codec::EventJson* json, const void* owner,
                                          uint64_t from, EventFilter may_read);

}  // namespace http
