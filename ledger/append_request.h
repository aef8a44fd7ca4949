// One append on its way to the writer: checked and put in canonical form on the caller's thread,
// so that the writer only judges, sequences and hashes. Private to ledger/.

#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/array.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/rule_book.h"

namespace ledger::internal {

// Where the writer stamps its clock in an event's canonical words: the byte offsets of
// recordedAt and occurredAt. Found once from the schema.
struct EventLayout {
  size_t recorded_at = 0;
  size_t occurred_at = 0;
  static EventLayout OfEvent();
};

// One Append call, waiting for the writer. The caller's thread fills it; from then on the writer
// thread alone touches it.
struct PendingAppend {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<std::string> ids;
  std::vector<kj::Array<capnp::word>> words;
  std::vector<bool> occurred_when_recorded;  // occurredAt was left zero by the client
  Ledger::AppendDone done;
  uint64_t actual_version = 0;
  // Judged by the rule book when set; trusted otherwise.
  std::optional<Caller> caller;
  std::string rule;  // the rule that refused it
};

// Checks an append's stream, size and events, and copies each event with the server's fields set
// (stream, recordedAt, occurredAt) in canonical form. Refusals (InvalidArgument) name the event.
// `done` is not set: the caller moves it in once nothing can refuse the append any more.
Result<std::unique_ptr<PendingAppend>> PrepareAppend(const Caller* caller, std::string_view stream,
                                                     ExpectedVersion expected,
                                                     std::span<const schema::Event::Reader> events,
                                                     const Options& options,
                                                     const EventLayout& layout);

// Reads an event from its canonical words (one segment without a segment table).
class CanonicalReader {
 public:
  explicit CanonicalReader(const kj::Array<capnp::word>& words)
      : segment_(words.asPtr()), reader_(kj::arrayPtr(&segment_, 1), Limits()) {}
  schema::Event::Reader event() { return reader_.getRoot<schema::Event>(); }

 private:
  static capnp::ReaderOptions Limits() {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1 << 22;  // every view of the rule book reads the event
    return options;
  }
  kj::ArrayPtr<const capnp::word> segment_;
  capnp::SegmentArrayMessageReader reader_;
};

}  // namespace ledger::internal
