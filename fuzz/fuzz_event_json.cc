// Fuzzes the JSON edge of an append: the bytes are a request body, decoded the way the HTTP API
// decodes one (a bare event, or {"expectedVersion", "events": [...]}), and every event that
// decodes is then prepared the way the ledger prepares it before queueing: copied with the
// server's fields set, validated, brought to normal form and canonicalised. An event that passes
// is read from those bytes and encoded back to JSON, as every read of the log and every export
// does, and that JSON, decoded and normalised, must give the same bytes: otherwise an append
// would read back as something else, and an export would not restore.
//
// Crashes, sanitizer reports and a broken round trip (abort) are findings.

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/status.h"
#include "codec/event_json.h"
#include "http/routes.h"
#include "ledger/normalize.h"
#include "ledger/validate.h"
#include "schemas/api.capnp.h"
#include "schemas/events.capnp.h"

namespace {

namespace schema = ledger::schema;

// A fixed clock, so that a finding reproduces from its input alone.
constexpr int64_t kNow = 1'740'835'800'000;  // 2025-03-01T13:30:00Z

const codec::EventJson& Json() {
  static const codec::EventJson json;
  return json;
}

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_event_json: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// What the ledger stores: the canonical bytes of the normal form.
kj::Array<capnp::word> Canonical(schema::Event::Reader event) {
  kj::Array<capnp::word> words;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() { words = ledger::NormalCanonical(event); })) {
    Fail("normalising threw on an event the codec built", e->getDescription().cStr());
  }
  return words;
}

bool SameWords(kj::ArrayPtr<const capnp::word> a, kj::ArrayPtr<const capnp::word> b) {
  return a.size() == b.size() &&
         std::equal(a.asBytes().begin(), a.asBytes().end(), b.asBytes().begin());
}

// What Ledger::Append does with one event before it is queued (ledger/append_request.cc, PrepareAppend).
void PrepareAndRoundTrip(schema::Event::Reader given) {
  capnp::MallocMessageBuilder message;
  schema::Event::Builder event = nullptr;
  ledger::Status valid;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                 message.setRoot(given);
                 event = message.getRoot<schema::Event>();
                 // The HTTP edge takes the stream from the path and the ledger refuses an event
                 // naming another; use the event's own so that both branches are reached.
                 if (event.getStream().size() == 0) event.setStream("complaint/fuzz");
                 event.setActorId("person/fuzz");
                 event.setActorRole(schema::Role::ADMIN);
                 event.setRecordedAt(kNow);
                 if (event.getOccurredAt() == 0) event.setOccurredAt(kNow);
                 auto stream = event.getStream();
                 valid = ledger::ValidateStreamId(std::string_view(stream.begin(), stream.size()));
                 if (valid.ok()) valid = ledger::ValidateEvent(event.asReader());
                 (void)ledger::EventTypeName(event.asReader());
               })) {
    Fail("preparing a decoded event threw", e->getDescription().cStr());
  }
  if (!valid.ok()) {
    if (valid.code() != ledger::Code::kInvalidArgument || valid.message().empty()) {
      Fail("validation failed without saying why", valid.ToString());
    }
    return;
  }
  kj::Array<capnp::word> canonical = Canonical(event.asReader());

  // Read back from the stored bytes, as the ledger reads an event.
  kj::ArrayPtr<const capnp::word> segments[1] = {canonical};
  capnp::SegmentArrayMessageReader stored(segments);
  auto recorded = stored.getRoot<schema::Event>();
  if (!SameWords(canonical, Canonical(recorded))) {
    Fail("the normal form is not normal", Json().Encode(recorded));
  }
  std::string json = Json().Encode(recorded);
  if (json.empty()) Fail("a valid event did not encode", "");
  capnp::MallocMessageBuilder again;
  auto back = again.initRoot<schema::Event>();
  ledger::Status decoded = Json().Decode(json, back);
  if (!decoded.ok())
    Fail("the encoding of a valid event does not decode", decoded.ToString() + "\n" + json);
  ledger::Status still_valid = ledger::ValidateEvent(back.asReader());
  if (!still_valid.ok()) {
    Fail("a stored event's JSON is refused on import", still_valid.ToString() + "\n" + json);
  }
  if (!SameWords(canonical, Canonical(back.asReader()))) {
    Fail("an event reads back different from what was appended",
         json + "\n" + Json().Encode(back.asReader()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<schema::AppendRequest>();
  ledger::Status s;
  // The same choice http/api.cc makes between the two shapes of an append body.
  if (http::HasTopLevelKey(body, "events")) {
    s = Json().DecodeStruct(body, capnp::DynamicStruct::Builder(request));
  } else {
    s = Json().Decode(body, request.initEvents(1)[0]);
  }
  if (!s.ok()) {
    if (s.code() != ledger::Code::kInvalidArgument || s.message().empty()) {
      Fail("decoding failed without saying why", s.ToString());
    }
    return 0;
  }
  auto events = request.asReader().getEvents();
  // Ledger::Append refuses more than this many; the fuzzer gains nothing past it.
  for (uint i = 0; i < std::min(events.size(), 1000u); ++i) PrepareAndRoundTrip(events[i]);
  return 0;
}
