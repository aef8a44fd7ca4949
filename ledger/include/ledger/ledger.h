// The ledger: an append-only, hash-chained log of governance events.
//
// Every event gets a global sequence number (1, 2, 3, ... with no gaps) and a version within
// its stream (1, 2, 3, ... per stream). Each stored event carries
//
//   hash(seq) = SHA-256(hash(seq - 1) || record(seq)),   hash(0) = 32 zero bytes,
//   record(seq) = seq (8 bytes, big-endian) || stream version (8 bytes, big-endian)
//                 || the canonical Cap'n Proto bytes of the Event in normal form,
//
// (the normal form, ledger/normalize.h, is what makes an event's JSON determine those bytes),
// so anyone holding the log can recompute the head and detect a changed, missing or reordered
// event. Nothing in this API updates or deletes an event: a mistake is fixed by appending a
// correction.
//
//   auto opened = ledger::Ledger::Open("var/ledger", ledger::Options{});
//   if (!opened.ok()) { report(opened.status()); return; }
//   std::unique_ptr<ledger::Ledger> log = std::move(opened).value();
//   auto appended = log->Append("complaint/c-1", ledger::ExpectedVersion::NoStream(), events);
//   if (appended.status().code() == ledger::Code::kConflict) { ...reload and retry... }
//
// A Ledger is safe for concurrent use from many threads without external synchronization.
// Appends from all threads are queued to one writer that commits whatever is waiting in a single
// storage batch (group commit), so many small durable appends share one disk sync.

#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/message.h>
#include <kj/array.h>

#include "base/hex.h"
#include "base/status.h"
#include "ledger/rule_book.h"
#include "schemas/events.capnp.h"

namespace ledger {

using Hash = std::array<uint8_t, 32>;

// Lower-case hex of a hash, 64 characters.
inline std::string ToHex(const Hash& hash) { return base::ToHex(hash); }
// Parses 64 hex characters; false if the text is anything else.
inline bool FromHex(std::string_view hex, Hash* out) { return base::FromHex(hex, *out); }

// A point in the log: the sequence number of the last event and the chain hash after it.
// An empty ledger is at seq 0 with an all-zero hash.
struct Position {
  uint64_t seq = 0;
  Hash hash{};
  friend bool operator==(const Position&, const Position&) = default;
};

// What the caller believes about a stream's version before appending.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kExactly };
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  // The stream must not exist yet.
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  // The stream's last event must be at `version` (versions start at 1).
  static ExpectedVersion Exactly(uint64_t version) {
    return ExpectedVersion(Kind::kExactly, version);
  }
  Kind kind() const { return kind_; }
  uint64_t version() const { return version_; }
  std::string ToString() const;  // "any", "no stream", "3"

 private:
  ExpectedVersion(Kind kind, uint64_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

struct Options {
  // Sync the write-ahead log before acknowledging an append. Off trades the last moments of
  // acknowledged appends on a power loss (not on a process crash) for speed.
  bool sync = true;
  bool create_if_missing = true;
  // The largest event accepted, in canonical Cap'n Proto bytes.
  size_t max_event_bytes = 64 * 1024;
  // The most events one Append may carry.
  size_t max_events_per_append = 1000;
  // Store each event in normal form (ledger/normalize.h), so that its JSON determines the bytes
  // hashed. Off only to restore an export of events written before that rule, whose bytes the
  // chain fixes as they were: the caller then hands over each event in the form its hash needs.
  bool normalize = true;
  // Milliseconds since the epoch; tests replace it to make time deterministic.
  std::function<int64_t()> clock;
  // While the store refuses writes (a full disk, a read-only folder), how often the writer checks
  // by itself whether it can write again. An append also checks, at most this often.
  std::chrono::milliseconds retry_interval{1000};
  // Appends resume only once this much space is free on the disk, besides what the store needs
  // to reopen. Closing the store after a failed write gives back the space RocksDB had reserved
  // for its files (a few MB); without a margin larger than that, a full disk would take appends
  // again at once, fill up, and refuse them, over and over.
  uint64_t resume_free_bytes = uint64_t{64} << 20;
};

// Whether the ledger can take appends now. Reads never depend on it.
//
// When a write fails (a full disk, a read-only file system, an I/O error) the ledger stops
// writing: the failed append and every later one are refused with IOError and nothing of them is
// stored. The store is then closed and reopened read-only, so reads go on from what is on disk,
// and the writer checks every Options::retry_interval (and on each append) whether the disk can
// take writes again; when it can, the store is reopened for writing, which replays its
// write-ahead log, and appends are accepted again. A folder that cannot be written when the
// ledger opens (mounted read-only, or full) is opened read-only the same way.
struct StorageHealth {
  enum class State {
    kWritable,
    kNoSpace,   // the disk is full
    kReadOnly,  // the file system is read-only, or the folder may not be written
    kFailed,    // another storage error
  };
  State state = State::kWritable;
  std::string problem;      // what the store said, for a person; empty while writable
  int64_t since_ms = 0;     // when appends began to be refused (Options::clock)
  uint64_t failures = 0;    // failed writes (or opens for writing) since the ledger opened
  uint64_t recoveries = 0;  // times the store was reopened for writing after a failure
  bool writable() const { return state == State::kWritable; }
};

// "writable", "noSpace", "readOnly", "failed".
const char* StorageStateName(StorageHealth::State state);

struct AppendResult {
  std::vector<uint64_t> seqs;   // one per event, in the order given
  uint64_t stream_version = 0;  // the stream's version after its last event in this append
  Position head;                // the ledger head once this append was durable
  bool duplicate = false;       // the event ids had been appended before; nothing was written
};

// One event as stored. Owns its bytes; the reader it hands out is valid while it lives.
class RecordedEvent {
 public:
  // Copies `words`, the event's canonical bytes (a whole number of words, any alignment).
  // Throws kj::Exception if they do not hold a readable Event: the ledger's reads catch it.
  RecordedEvent(uint64_t seq, uint64_t stream_version, const Hash& hash, std::string_view words);
  RecordedEvent(RecordedEvent&&) noexcept;
  RecordedEvent& operator=(RecordedEvent&&) noexcept;
  ~RecordedEvent();

  uint64_t seq() const { return seq_; }
  uint64_t stream_version() const { return stream_version_; }
  const Hash& hash() const { return hash_; }
  // Found once, when the event is read: every view asks for it. Not for two threads at once
  // (the reader counts what is read through it); a second thread reads canonical_words().
  schema::Event::Reader event() const { return root_; }
  // The canonical Cap'n Proto bytes of the event (one segment, no segment table).
  kj::ArrayPtr<const capnp::word> canonical_words() const { return words_; }

 private:
  // The message reader and the words, in one allocation: a replay reads millions of events.
  struct Storage;
  struct FreeStorage {
    void operator()(Storage* storage) const;
  };

  uint64_t seq_;
  uint64_t stream_version_;
  Hash hash_;
  std::unique_ptr<Storage, FreeStorage> storage_;
  kj::ArrayPtr<const capnp::word> words_;
  schema::Event::Reader root_;
};

// The record of an event (record(seq) above): the bytes the hash chain and the Merkle tree's
// leaves cover. The ledger is the one owner of its layout; export, import, verifiers and tests
// build it here.
std::string EncodeRecord(uint64_t seq, uint64_t stream_version, std::string_view canonical_bytes);
// The record of a stored event, rebuilt from its parts.
std::string RecordOf(const RecordedEvent& event);
// SHA-256(previous || record): the chain hash after an event. Fails only if the hash function
// does: an append then fails too, rather than store a hash that proves nothing.
Result<Hash> ChainHash(const Hash& previous, std::string_view record);

struct VerifyReport {
  uint64_t checked = 0;  // events whose hash was recomputed
  Position head;         // the head as recomputed from the events
  bool ok = true;
  uint64_t first_bad_seq = 0;  // when !ok: the first sequence number that fails
  std::string problem;         // when !ok: what is wrong there, for a person
};

// Called now and then during long walks with (done, total).
using Progress = std::function<void(uint64_t done, uint64_t total)>;

class Ledger {
 public:
  // Opens (or, with create_if_missing, creates) the ledger in folder `dir`.
  // Fails with IOError if the folder cannot be opened or is locked by another process, and with
  // Corruption if the stored head cannot be read. An existing ledger on a disk that is full or
  // read-only opens read-only: reads work and Storage() says why appends are refused.
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, const Options& options);

  // Waits for appends in flight, then closes the store.
  virtual ~Ledger() = default;

  // Appends `events` to `stream`, all or none, if the stream's version matches `expected`.
  //
  // Each event's `stream` must be empty or equal `stream`; its actor fields are kept as given
  // (the HTTP edge sets them from credentials). `recordedAt` is set by the ledger, and a zero
  // `occurredAt` becomes the recorded time.
  //
  // Outcomes:
  //  - ok: the events are durable (per Options::sync) with consecutive sequence numbers.
  //  - ok with duplicate = true: every event id was appended before (to this stream); the
  //    original sequence numbers are returned and nothing is written.
  //  - InvalidArgument: an event breaks a rule (no type, a missing required field, too large,
  //    empty stream id, an id used twice, ids partly seen before); the message says which event
  //    and field. Nothing is written.
  //  - Conflict: the stream's version is not `expected`; the message names the stream, the
  //    expected and the actual version, which is also in `*actual_version` when given.
  //  - IOError: the store cannot write (see StorageHealth); the message says why, since when, and
  //    that appends resume by themselves once the disk can take them. Nothing is written, but a
  //    retry of an append acknowledged before is still answered as a duplicate.
  //  - Unavailable: the ledger is closing; nothing is acknowledged.
  virtual Result<AppendResult> Append(std::string_view stream, ExpectedVersion expected,
                                      std::span<const schema::Event::Reader> events,
                                      uint64_t* actual_version = nullptr) = 0;

  // As Append, for `caller`: the writer judges every event by the rule book (rule_book.h) when
  // it commits, against the facts of the events committed before it, so two appends cannot both
  // claim an entity and nothing waits for the views. Appends without a caller (the simulator,
  // an import) are trusted; every append teaches the facts.
  //
  // Further outcomes, all or none of the append written, with the rule's name in `*rule`:
  //  - PermissionDenied: the rule book refuses it; the message names the rule and the event.
  //  - InvalidArgument: the event belongs to another stream, or a correction is malformed.
  //  - AlreadyExists: an entity id the event would create is taken, or an event id is taken by
  //    an event with other content. The message names the other event's stream and seq only
  //    if the caller recorded it, or reads everything.
  // An event id appended before with the same content is a duplicate as in Append.
  virtual Result<AppendResult> AppendAs(const Caller& caller, std::string_view stream,
                                        ExpectedVersion expected,
                                        std::span<const schema::Event::Reader> events,
                                        uint64_t* actual_version = nullptr,
                                        std::string* rule = nullptr) = 0;

  // What an append came to, for AppendAsync: the result as Append/AppendAs return it, with the
  // stream's actual version on a Conflict and the refusing rule's name on a refusal.
  struct Outcome {
    Result<AppendResult> result = Status::Unavailable("the append was not committed");
    uint64_t actual_version = 0;
    std::string rule;
  };
  using AppendDone = std::function<void(Outcome)>;

  // As AppendAs (as Append when `caller` is null), without waiting: the events are checked and
  // copied before this returns, and `done` is called exactly once — on the writer's thread after
  // the group's sync, or on the calling thread at once when the append is refused before it
  // reaches the writer. `done` runs while the writer waits for it: it must be quick, and must
  // neither append nor block (post the rest of the work elsewhere). This is how a server serves
  // many appends without a thread waiting on each.
  virtual void AppendAsync(const Caller* caller, std::string_view stream, ExpectedVersion expected,
                           std::span<const schema::Event::Reader> events, AppendDone done) = 0;

  // The facts the rule book keeps of an entity ("complaint/c-1"), as of the head; nullopt if
  // the ledger knows no such entity (or cannot read its facts now).
  virtual std::optional<EntityFacts> FindEntity(std::string_view name) const = 0;

  // The service contracts of an estate (of every estate for ""), as of the head.
  virtual std::vector<ContractFacts> ContractsOf(std::string_view estate) const = 0;

  // The current head. Never blocks on the writer.
  virtual Position Head() const = 0;

  // Whether appends are accepted now, and if not why and since when. Never blocks on the writer.
  virtual StorageHealth Storage() const = 0;

  // Waits until the head passes `seq` or `timeout` elapses, and returns the head then. Wakes when
  // the writer commits, not by polling.
  virtual Position WaitForHeadAbove(uint64_t seq, std::chrono::milliseconds timeout) const = 0;

  // Up to `limit` events with sequence numbers >= `from_seq`, in order. Empty past the head.
  virtual Result<std::vector<RecordedEvent>> ReadForward(uint64_t from_seq, size_t limit) const = 0;

  // Calls `visit` for each event from `from_seq` to `to_seq` inclusive, in order, without
  // holding them all in memory; stops early, returning ok, when `visit` returns false.
  virtual Status Scan(uint64_t from_seq, uint64_t to_seq,
                      const std::function<bool(const RecordedEvent&)>& visit) const = 0;

  // The event at `seq`, or NotFound.
  virtual Result<RecordedEvent> Read(uint64_t seq) const = 0;

  // Up to `limit` events of `stream` with versions >= `from_version`, in order. NotFound if the
  // stream has no events.
  virtual Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream,
                                                        uint64_t from_version,
                                                        size_t limit) const = 0;

  // The stream's current version; 0 if it has no events.
  virtual Result<uint64_t> StreamVersion(std::string_view stream) const = 0;

  // The sequence number of the last event recorded at or before `unix_ms` (0 if none).
  // Recorded times never decrease along the log, so this is a binary search.
  virtual Result<uint64_t> SeqAtTime(int64_t unix_ms) const = 0;

  // Walks the whole chain from seq 1: recomputes every hash, checks that sequence numbers have
  // no gap and that every event decodes. The report names the first bad sequence number.
  // A non-ok Status means the walk itself could not be done (an I/O error).
  virtual Result<VerifyReport> Verify(const Progress& progress = nullptr) const = 0;

  // The Merkle tree over the log (merkle.h): the hash of complete subtree `index` at `level`,
  // covering leaves [index * 2^level, (index + 1) * 2^level), leaf i being event i + 1. Every
  // subtree within Head().seq leaves is stored; NotFound beyond. Pass it to merkle::RootOf and
  // the proofs as their NodeSource.
  virtual Result<Hash> TreeNode(uint32_t level, uint64_t index) const = 0;

  // A consistent copy of the ledger, taken while appends go on, in a new folder `dir`.
  virtual Status Checkpoint(const std::string& dir) const = 0;
};

}  // namespace ledger
