// The RocksDB implementation of ledger.h.
//
// Appends are prepared (validated, canonicalized) on the caller's thread, then queued to one
// writer thread. The writer takes everything waiting, checks versions and event ids against the
// committed state plus what this group already holds, assigns sequence numbers, chains hashes,
// and commits the group in one WriteBatch with one sync. Only after the write succeeds does the
// writer's in-memory state (head, stream versions) move forward, so a failed write leaves the
// ledger exactly where it was.
//
// After a failed write the store is not written again until it has been closed and reopened:
// RocksDB stops writes after a failed write-ahead-log append, and its own way back (Resume) keeps
// appending to the same log when no memtable needs flushing, after a possibly torn record; the
// Debian build asserts on exactly that. Reopening replays the log up to its last whole record and
// starts a new one, and reloads the head from what is stored. Readers hold store_mu_ shared, the
// writer swaps the store under it exclusively; only the writer thread swaps, so it reads store_
// without the lock.

#include "ledger/ledger.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <capnp/message.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/clock.h"
#include "fact_store.h"
#include "ledger/normalize.h"
#include "ledger/rocks.h"
#include "ledger/validate.h"
#include "record.h"
#include "tree_store.h"

namespace ledger {
namespace {

using internal::GetBigEndian64;
using internal::kHashBytes;
using internal::kValueHeaderBytes;
using internal::SeqKey;
using internal::StreamKey;

constexpr const char* kEventsFamily = "events";
constexpr const char* kStreamsFamily = "streams";
constexpr const char* kEventIdsFamily = "event_ids";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

// The byte offset of a 64-bit field of Event inside an Event's canonical words. The canonical
// root struct starts right after the root pointer.
size_t TimeFieldOffset(const char* name) {
  auto field = capnp::Schema::from<schema::Event>().getFieldByName(name);
  return sizeof(capnp::word) * (1 + field.getProto().getSlot().getOffset());
}

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

// One Append call, waiting for the writer.
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

// An open RocksDB with the ledger's column families; closes them when destroyed.
struct Store {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, events, streams, event_ids

  ~Store() {
    if (!db) return;  // a failed open
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
    // A store whose last write failed reports that failure again here; there is nothing to add.
    db->Close().PermitUncheckedError();
  }
};

Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, const Options& options,
                                         bool read_only) {
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing && !read_only;
  db_options.create_missing_column_families = options.create_if_missing && !read_only;
  db_options.IncreaseParallelism(2);
  db_options.max_total_wal_size = 256 << 20;
  db_options.info_log = internal::NewStderrLogger("ledger " + dir);

  rocksdb::ColumnFamilyOptions plain;
  rocksdb::ColumnFamilyOptions lookups;
  // Most event-id lookups are for ids never seen; a bloom filter answers those without I/O.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  lookups.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  lookups.memtable_prefix_bloom_size_ratio = 0.05;
  lookups.memtable_whole_key_filtering = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, plain},
      {kEventsFamily, plain},
      {kStreamsFamily, lookups},
      {kEventIdsFamily, lookups},
  };
  auto store = std::make_unique<Store>();
  rocksdb::DB* raw = nullptr;
  auto s = read_only
               ? rocksdb::DB::OpenForReadOnly(db_options, dir, families, &store->handles, &raw)
               : rocksdb::DB::Open(db_options, dir, families, &store->handles, &raw);
  if (!s.ok()) {
    return FromRocks(
        s, std::string(read_only ? "opening the ledger read-only in " : "opening the ledger in ") +
               dir);
  }
  store->db.reset(raw);
  return store;
}

class RocksLedger final : public Ledger {
 public:
  RocksLedger(const std::string& dir, const Options& options, std::unique_ptr<Store> store)
      : dir_(dir), options_(options), store_(std::move(store)) {
    if (!options_.clock) options_.clock = base::SystemMillis;
    recorded_at_offset_ = TimeFieldOffset("recordedAt");
    occurred_at_offset_ = TimeFieldOffset("occurredAt");
  }

  ~RocksLedger() override {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    std::unique_lock<std::shared_timed_mutex> lock(store_mu_);
    store_.reset();
  }

  // Reads the head from the store; runs before the writer starts, or on the writer thread.
  Status LoadHead() {
    std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), events()));
    it->SeekToLast();
    if (!it->status().ok()) return FromRocks(it->status(), "reading the head");
    uint64_t seq = 0;
    Hash hash{};
    int64_t recorded = 0;
    if (it->Valid()) {
      seq = GetBigEndian64(it->key().data());
      auto decoded = internal::DecodeStoredValue(seq, it->value().ToStringView());
      if (!decoded.ok()) return decoded.status();
      hash = decoded->hash();
      recorded = decoded->event().getRecordedAt();
    }
    head_seq_ = seq;
    head_hash_ = hash;
    last_recorded_ = std::max(last_recorded_, recorded);
    {
      std::lock_guard<std::mutex> lock(head_mu_);
      published_ = Position{head_seq_, head_hash_};
    }
    head_cv_.notify_all();
    return Status::Ok();
  }

  // Learns the rule book's facts of events the facts do not cover yet: every event of a ledger
  // written before the rule book, once. Runs before the writer starts, or on the writer thread.
  Status CatchUpFacts() {
    std::string value;
    uint64_t learned = 0;
    auto s = db()->Get(rocksdb::ReadOptions(), facts(), internal::kFactsCheckpointKey, &value);
    if (s.ok() && value.size() == 8) {
      learned = GetBigEndian64(value.data());
    } else if (!s.IsNotFound() && !s.ok()) {
      return FromRocks(s, "reading the rule book's facts");
    }
    if (learned >= head_seq_) return Status::Ok();
    std::fprintf(stderr, "ledger %s: learning the rule book's facts of events %llu to %llu\n",
                 dir_.c_str(), static_cast<unsigned long long>(learned + 1),
                 static_cast<unsigned long long>(head_seq_));
    while (learned < head_seq_) {
      auto chunk = ReadForwardLocked(learned + 1, kChunkEvents, rocksdb::ReadOptions());
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) break;
      internal::FactOverlay overlay(db(), facts());
      for (const RecordedEvent& e : *chunk) {
        std::optional<RecordedEvent> corrected;
        if (e.event().getPayload().isCorrectionRecorded()) {
          uint64_t target = e.event().getPayload().getCorrectionRecorded().getCorrectsSeq();
          if (target >= 1 && target < e.seq()) {
            auto read = ReadLocked(target);
            if (read.ok()) corrected = std::move(read).value();
          }
        }
        for (const auto& change : Learn(e.event(), e.seq(), overlay, AsCorrected(corrected))) {
          overlay.Apply(change);
        }
        learned = e.seq();
      }
      rocksdb::WriteBatch batch;
      overlay.MoveTo(&batch);
      batch.Put(facts(), internal::kFactsCheckpointKey, SeqKey(learned));
      rocksdb::WriteOptions options;
      options.sync = options_.sync;
      s = db()->Write(options, &batch);
      if (!s.ok()) return FromRocks(s, "writing the rule book's facts");
    }
    return Status::Ok();
  }

  // Builds the Merkle tree (tree_store.h) over events it does not cover yet: every event of a
  // ledger written before the tree, once. Then loads its right edge for the writer. Runs before
  // the writer starts, or on the writer thread.
  Status CatchUpTree() {
    auto loaded = internal::TreeWriter::Load(db(), facts());
    if (!loaded.ok()) return loaded.status();
    internal::TreeWriter tree = std::move(loaded).value();
    if (tree.size() > head_seq_) {
      return Status::Corruption("the Merkle tree covers " + std::to_string(tree.size()) +
                                " events but the log holds " + std::to_string(head_seq_));
    }
    if (tree.size() < head_seq_) {
      std::fprintf(stderr, "ledger %s: building the Merkle tree over events %llu to %llu\n",
                   dir_.c_str(), static_cast<unsigned long long>(tree.size() + 1),
                   static_cast<unsigned long long>(head_seq_));
    }
    while (tree.size() < head_seq_) {
      auto chunk = ReadForwardLocked(tree.size() + 1, kChunkEvents, rocksdb::ReadOptions());
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) break;
      rocksdb::WriteBatch batch;
      for (const RecordedEvent& e : *chunk) {
        if (e.seq() != tree.size() + 1) {
          return Status::Corruption("event " + std::to_string(tree.size() + 1) +
                                    " is missing from the log; the Merkle tree cannot cover it");
        }
        Status s = tree.Add(internal::RecordOf(e), facts(), &batch);
        if (!s.ok()) return s;
      }
      tree.PutSize(facts(), &batch);
      rocksdb::WriteOptions options;
      options.sync = options_.sync;
      auto s = db()->Write(options, &batch);
      if (!s.ok()) return FromRocks(s, "writing the Merkle tree");
    }
    tree_ = std::move(tree);
    return Status::Ok();
  }

  // Loads the tree's right edge without building anything: a read-only store.
  Status LoadTree() {
    auto loaded = internal::TreeWriter::Load(db(), facts());
    if (!loaded.ok()) return loaded.status();
    tree_ = std::move(loaded).value();
    return Status::Ok();
  }

  // Starts the writer, refusing appends from the start if the store was opened read-only (`why`
  // says why, `state` what it means).
  void Start(const Status& why, StorageHealth::State state) {
    if (!why.ok()) Refuse(why.message(), state);
    writer_ = std::thread([this] { WriterLoop(); });
  }

  Result<AppendResult> Append(std::string_view stream, ExpectedVersion expected,
                              std::span<const schema::Event::Reader> events,
                              uint64_t* actual_version) override {
    return Submit(nullptr, stream, expected, events, actual_version, nullptr);
  }

  Result<AppendResult> AppendAs(const Caller& caller, std::string_view stream,
                                ExpectedVersion expected,
                                std::span<const schema::Event::Reader> events,
                                uint64_t* actual_version, std::string* rule) override {
    return Submit(&caller, stream, expected, events, actual_version, rule);
  }

  std::optional<EntityFacts> FindEntity(std::string_view name) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return std::nullopt;
    return internal::FactOverlay(db(), facts()).Entity(name);
  }

  std::vector<ContractFacts> ContractsOf(std::string_view estate) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return {};
    return internal::FactOverlay(db(), facts()).Contracts(estate);
  }

  // Waits for AppendAsync: the calling thread is the one that waits, not the writer.
  Result<AppendResult> Submit(const Caller* caller, std::string_view stream,
                              ExpectedVersion expected,
                              std::span<const schema::Event::Reader> events,
                              uint64_t* actual_version, std::string* rule) {
    std::promise<Outcome> promise;
    std::future<Outcome> future = promise.get_future();
    AppendAsync(caller, stream, expected, events,
                [&promise](Outcome outcome) { promise.set_value(std::move(outcome)); });
    Outcome outcome = future.get();
    if (actual_version) *actual_version = outcome.actual_version;
    if (rule) *rule = std::move(outcome.rule);
    return std::move(outcome.result);
  }

  void AppendAsync(const Caller* caller, std::string_view stream, ExpectedVersion expected,
                   std::span<const schema::Event::Reader> events, AppendDone done) override {
    auto refuse = [&done](Status status) {
      Outcome outcome;
      outcome.result = std::move(status);
      done(std::move(outcome));
    };
    Status s = ValidateStreamId(stream);
    if (!s.ok()) return refuse(std::move(s));
    if (events.empty())
      return refuse(Status::InvalidArgument("an append needs at least one event"));
    if (events.size() > options_.max_events_per_append) {
      return refuse(Status::InvalidArgument(
          "an append may carry at most " + std::to_string(options_.max_events_per_append) +
          " events; this one has " + std::to_string(events.size())));
    }
    auto pending = std::make_unique<PendingAppend>();
    pending->stream = std::string(stream);
    pending->expected = expected;
    if (caller) pending->caller = *caller;
    pending->ids.reserve(events.size());
    pending->words.reserve(events.size());
    pending->occurred_when_recorded.reserve(events.size());
    int64_t now = options_.clock();
    for (size_t i = 0; i < events.size(); ++i) {
      Result<kj::Array<capnp::word>> prepared = Prepare(events[i], stream, now);
      if (!prepared.ok()) {
        std::string where = events.size() == 1 ? "" : "event " + std::to_string(i) + ": ";
        return refuse(Status(prepared.status().code(), where + prepared.status().message()));
      }
      pending->ids.emplace_back(events[i].getEventId().cStr());
      pending->occurred_when_recorded.push_back(events[i].getOccurredAt() == 0);
      pending->words.push_back(std::move(prepared).value());
    }
    if (pending->ids.size() > 1) {
      std::unordered_set<std::string_view> seen;
      for (size_t i = 0; i < pending->ids.size(); ++i) {
        if (!seen.insert(pending->ids[i]).second) {
          return refuse(Status::InvalidArgument("event " + std::to_string(i) + ": eventId \"" +
                                                pending->ids[i] +
                                                "\" appears twice in one append"));
        }
      }
    }
    pending->done = std::move(done);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (!stopping_) {
        queue_.push_back(std::move(pending));
      }
    }
    if (pending) {  // not queued: the ledger is closing
      Outcome outcome;
      outcome.result = Status::Unavailable("the ledger is closing");
      pending->done(std::move(outcome));
      return;
    }
    queue_cv_.notify_one();
  }

  Position Head() const override {
    std::lock_guard<std::mutex> lock(head_mu_);
    return published_;
  }

  Position WaitForHeadAbove(uint64_t seq, std::chrono::milliseconds timeout) const override {
    std::unique_lock<std::mutex> lock(head_mu_);
    head_cv_.wait_for(lock, timeout, [&] { return published_.seq > seq || closing_; });
    return published_;
  }

  StorageHealth Storage() const override {
    std::lock_guard<std::mutex> lock(health_mu_);
    return health_;
  }

  Result<std::vector<RecordedEvent>> ReadForward(uint64_t from_seq, size_t limit) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    rocksdb::ReadOptions options;
    if (limit >= kLongScanEvents) {
      // A replay reads each block once: it reads ahead, and leaves the block cache to the
      // lookups that come back (a fifth faster, and the service's reads keep their blocks).
      options.fill_cache = false;
      options.readahead_size = 2 << 20;
    }
    return ReadForwardLocked(from_seq, limit, options);
  }

  Status Scan(uint64_t from_seq, uint64_t to_seq,
              const std::function<bool(const RecordedEvent&)>& visit) const override {
    // In chunks, with the store locked only while a chunk is read: `visit` may read the ledger
    // itself, and a long scan must not hold off the writer reopening the store.
    rocksdb::ReadOptions read_options;
    read_options.readahead_size = 2 << 20;
    uint64_t next = std::max<uint64_t>(from_seq, 1);
    while (next <= to_seq) {
      Result<std::vector<RecordedEvent>> chunk = std::vector<RecordedEvent>();
      {
        std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
        if (!store_) return Closed();
        chunk = ReadForwardLocked(next, kChunkEvents, read_options);
      }
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) break;
      for (const RecordedEvent& e : *chunk) {
        if (e.seq() > to_seq || !visit(e)) return Status::Ok();
      }
      next = chunk->back().seq() + 1;
    }
    return Status::Ok();
  }

  Result<RecordedEvent> Read(uint64_t seq) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    return ReadLocked(seq);
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, uint64_t from_version,
                                                size_t limit) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    std::vector<RecordedEvent> out;
    std::string prefix = std::string(stream) + '\0';
    std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), streams()));
    bool any = false;
    for (it->Seek(StreamKey(stream, std::max<uint64_t>(from_version, 1)));
         it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
      any = true;
      auto event = ReadLocked(GetBigEndian64(it->value().data()));
      if (!event.ok()) return event.status();
      out.push_back(std::move(event).value());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading a stream");
    if (!any) {
      auto version = StreamVersionLocked(stream);
      if (!version.ok()) return version.status();
      if (*version == 0) {
        return Status::NotFound("there is no stream \"" + std::string(stream) + "\"");
      }
    }
    return out;
  }

  Result<uint64_t> StreamVersion(std::string_view stream) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    return StreamVersionLocked(stream);
  }

  Result<uint64_t> SeqAtTime(int64_t unix_ms) const override {
    uint64_t lo = 0, hi = Head().seq;  // answer in [lo, hi]
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo + 1) / 2;
      auto event = Read(mid);
      if (!event.ok()) return event.status();
      if (event->event().getRecordedAt() <= unix_ms) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  Result<VerifyReport> Verify(const Progress& progress) const override {
    VerifyReport report;
    uint64_t total = Head().seq;
    Hash chain{};
    uint64_t expected_seq = 1;
    rocksdb::ReadOptions read_options;
    read_options.readahead_size = 2 << 20;
    auto fail = [&](uint64_t seq, std::string problem) {
      report.ok = false;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
    };
    // In chunks, as Scan, so that verifying a long log never holds off a reopen of the store.
    bool more = true;
    while (more && report.ok) {
      std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
      if (!store_) return Closed();
      std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(read_options, events()));
      size_t read = 0;
      // Each chunk resumes right after the last key checked, as one walk would.
      if (expected_seq == 1) {
        it->SeekToFirst();
      } else {
        it->Seek(SeqKey(expected_seq - 1));
        if (it->Valid() && it->key() == SeqKey(expected_seq - 1)) it->Next();
      }
      for (; it->Valid() && read < kChunkEvents; it->Next(), ++read) {
        if (it->key().size() != 8) {
          fail(expected_seq,
               "a key of " + std::to_string(it->key().size()) + " bytes is in the event log");
          break;
        }
        uint64_t seq = GetBigEndian64(it->key().data());
        if (seq != expected_seq) {
          fail(expected_seq, "event " + std::to_string(expected_seq) +
                                 " is missing; the next stored event is " + std::to_string(seq));
          break;
        }
        std::string_view value = it->value().ToStringView();
        auto decoded = internal::DecodeStoredValue(seq, value);
        if (!decoded.ok()) {
          fail(seq, decoded.status().message());
          break;
        }
        auto chained = internal::ChainHash(chain, value.substr(kHashBytes));
        if (!chained.ok()) return chained.status();
        Hash recomputed = *chained;
        if (recomputed != decoded->hash()) {
          fail(seq, "event " + std::to_string(seq) + " does not match its hash: stored " +
                        ToHex(decoded->hash()) + ", recomputed " + ToHex(recomputed));
          break;
        }
        chain = recomputed;
        report.checked = seq;
        report.head = Position{seq, chain};
        ++expected_seq;
        if (progress && seq % 65536 == 0) progress(seq, total);
      }
      if (!it->status().ok()) return FromRocks(it->status(), "reading the log for verify");
      more = read == kChunkEvents;
    }
    if (report.ok && report.checked < total) {
      fail(report.checked + 1, "the log ends at " + std::to_string(report.checked) +
                                   " but the head is " + std::to_string(total));
    }
    if (progress) progress(report.checked, total);
    return report;
  }

  Result<Hash> TreeNode(uint32_t level, uint64_t index) const override {
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    return internal::ReadTreeNode(db(), facts(), level, index);
  }

  Status Checkpoint(const std::string& dir) const override {
    if (std::filesystem::exists(dir)) {
      return Status::InvalidArgument("the folder " + dir + " already exists; name a new one");
    }
    std::error_code error;
    auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) return Status::IOError("cannot create " + parent.string() + ": " + error.message());
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    rocksdb::Checkpoint* raw = nullptr;
    auto s = rocksdb::Checkpoint::Create(db(), &raw);
    if (!s.ok()) return FromRocks(s, "preparing a checkpoint");
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    return FromRocks(checkpoint->CreateCheckpoint(dir), "writing a checkpoint to " + dir);
  }

 private:
  // Events read while the store is locked, in Scan and Verify.
  static constexpr size_t kChunkEvents = 4096;
  // ReadForward calls asking for this many events or more are treated as a long scan.
  static constexpr size_t kLongScanEvents = 1024;

  // The store's parts. Callers hold store_mu_ (shared is enough), or are the writer thread.
  rocksdb::DB* db() const { return store_->db.get(); }
  rocksdb::ColumnFamilyHandle* events() const { return store_->handles[1]; }
  rocksdb::ColumnFamilyHandle* streams() const { return store_->handles[2]; }
  rocksdb::ColumnFamilyHandle* event_ids() const { return store_->handles[3]; }
  // The rule book's facts live in the default family (fact_store.h): a ledger written before
  // them opens, read-only too, without a new column family.
  rocksdb::ColumnFamilyHandle* facts() const { return store_->handles[0]; }

  Status Closed() const {
    return Status::Unavailable("the ledger's store in " + dir_ +
                               " is closed after a storage failure: " + Storage().problem);
  }

  Result<std::vector<RecordedEvent>> ReadForwardLocked(uint64_t from_seq, size_t limit,
                                                       const rocksdb::ReadOptions& options) const {
    std::vector<RecordedEvent> out;
    if (limit == 0) return out;
    std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(options, events()));
    for (it->Seek(SeqKey(std::max<uint64_t>(from_seq, 1))); it->Valid() && out.size() < limit;
         it->Next()) {
      auto decoded =
          internal::DecodeStoredValue(GetBigEndian64(it->key().data()), it->value().ToStringView());
      if (!decoded.ok()) return decoded.status();
      out.push_back(std::move(decoded).value());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    return out;
  }

  Result<RecordedEvent> ReadLocked(uint64_t seq) const {
    rocksdb::PinnableSlice value;
    auto s = db()->Get(rocksdb::ReadOptions(), events(), SeqKey(seq), &value);
    if (s.IsNotFound()) {
      return Status::NotFound("there is no event " + std::to_string(seq) + "; the head is " +
                              std::to_string(Head().seq));
    }
    if (!s.ok()) return FromRocks(s, "reading event " + std::to_string(seq));
    return internal::DecodeStoredValue(seq, value.ToStringView());
  }

  Result<uint64_t> StreamVersionLocked(std::string_view stream) const {
    std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), streams()));
    it->SeekForPrev(StreamKey(stream, UINT64_MAX));
    if (!it->status().ok()) return FromRocks(it->status(), "reading a stream version");
    std::string prefix = std::string(stream) + '\0';
    if (!it->Valid() || !it->key().starts_with(prefix)) return uint64_t{0};
    return GetBigEndian64(it->key().data() + prefix.size());
  }

  // Copies the event with the server's fields set, validates it, and returns its canonical
  // words. Runs on the caller's thread so the writer only sequences and hashes.
  Result<kj::Array<capnp::word>> Prepare(schema::Event::Reader event, std::string_view stream,
                                         int64_t now) {
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
      status = ValidateEvent(root.asReader());
      if (!status.ok()) return;
      // The normal form, so that the event's JSON determines the bytes hashed (normalize.h).
      words = options_.normalize ? NormalCanonical(root.asReader())
                                 : capnp::canonicalize(root.asReader());
    });
    KJ_IF_MAYBE (e, error) {
      return Status::InvalidArgument(std::string("the event could not be read: ") +
                                     e->getDescription().cStr());
    }
    if (!status.ok()) return status;
    // The writer stamps its clock into these words; make sure they are where it will look.
    int64_t stamped = 0;
    auto raw = words.asBytes();
    if (raw.size() >= recorded_at_offset_ + sizeof(stamped)) {
      std::memcpy(&stamped, raw.begin() + recorded_at_offset_, sizeof(stamped));
    }
    if (stamped != std::max<int64_t>(now, 1)) {
      return Status::InvalidArgument("the event's canonical form has an unexpected layout");
    }
    size_t bytes = words.size() * sizeof(capnp::word);
    if (bytes > options_.max_event_bytes) {
      return Status::InvalidArgument("the event is " + std::to_string(bytes) + " bytes; at most " +
                                     std::to_string(options_.max_event_bytes) + " are allowed");
    }
    return words;
  }

  // --- The writer: everything below runs on writer_ only. ---

  void WriterLoop() {
    std::vector<std::unique_ptr<PendingAppend>> group;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        auto ready = [&] { return stopping_ || !queue_.empty(); };
        if (writable_) {
          queue_cv_.wait(lock, ready);
        } else {
          // Wakes by itself to see whether the disk can take writes again.
          queue_cv_.wait_for(lock, options_.retry_interval, ready);
        }
        if (queue_.empty() && stopping_) break;
        group.clear();
        for (auto& p : queue_) group.push_back(std::move(p));
        queue_.clear();
      }
      if (!writable_) TryRecover();
      if (!group.empty()) CommitGroup(group);
      group.clear();  // each append's buffers are freed here, on the writer, after its answer
    }
    std::lock_guard<std::mutex> lock(head_mu_);
    closing_ = true;
    head_cv_.notify_all();
  }

  // What an event id resolved to: where it was stored, and its canonical words to compare a
  // retry with (`words` while the event is in this group, `stored` once committed).
  struct IdLocation {
    uint64_t seq;
    uint64_t version;
    std::string stream;
    std::string actor;
    std::string words;  // canonical bytes with the writer's stamps
  };

  Result<std::optional<IdLocation>> FindEventId(
      const std::string& id, const std::unordered_map<std::string, IdLocation>& in_group) {
    if (auto found = in_group.find(id); found != in_group.end()) return {found->second};
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return Closed();
    std::string value;
    auto s = db()->Get(rocksdb::ReadOptions(), event_ids(), id, &value);
    if (s.IsNotFound()) return std::optional<IdLocation>();
    if (!s.ok()) return FromRocks(s, "looking up an event id");
    uint64_t seq = GetBigEndian64(value.data());
    auto event = ReadLocked(seq);
    if (!event.ok()) return event.status();
    auto bytes = event->canonical_words().asBytes();
    return {IdLocation{seq, event->stream_version(), event->event().getStream().cStr(),
                       event->event().getActorId().cStr(),
                       std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size())}};
  }

  // Whether a retry carries the same event as the one stored: the same canonical bytes once the
  // times the writer stamped are taken from the stored event.
  bool SameContent(const IdLocation& at, const kj::Array<capnp::word>& words,
                   bool occurred_when_recorded) const {
    auto bytes = words.asBytes();
    if (bytes.size() != at.words.size()) return false;
    std::string mine(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    auto stamp = [&](size_t offset) {
      if (offset + 8 <= mine.size()) mine.replace(offset, 8, at.words, offset, 8);
    };
    stamp(recorded_at_offset_);
    if (occurred_when_recorded) stamp(occurred_at_offset_);
    return mine == at.words;
  }

  // The message for an event id taken by another event. It names where only to a caller who
  // recorded that event or reads everything: to others, it would be a way to enumerate streams.
  static std::string TakenMessage(const std::string& id, const IdLocation& at,
                                  const std::optional<Caller>& caller) {
    std::string message = "eventId \"" + id +
                          "\" is taken by another event with other content; event ids are "
                          "unique across the ledger, so give a new event a new id";
    bool may_see =
        !caller || (!caller->actor_id.empty() && caller->actor_id == at.actor) ||
        ((caller->role == schema::Role::ADMIN || caller->role == schema::Role::STREET_AUDITOR) &&
         !caller->BoundToEstates());
    if (may_see) {
      message += " (it is in stream \"" + at.stream + "\" at seq " + std::to_string(at.seq) + ")";
    }
    return message;
  }

  uint64_t CurrentVersion(const std::string& stream,
                          const std::unordered_map<std::string, uint64_t>& in_group,
                          Status* status) {
    if (auto it = in_group.find(stream); it != in_group.end()) return it->second;
    if (auto it = versions_.find(stream); it != versions_.end()) return it->second;
    auto stored = StreamVersion(stream);
    if (!stored.ok()) {
      *status = stored.status();
      return 0;
    }
    versions_.emplace(stream, *stored);
    return *stored;
  }

  // The committed event a correction names, if it is before `seq`.
  std::optional<RecordedEvent> CorrectedBy(schema::Event::Reader event) {
    auto payload = event.getPayload();
    if (!payload.isCorrectionRecorded()) return std::nullopt;
    uint64_t target = payload.getCorrectionRecorded().getCorrectsSeq();
    if (target == 0 || target > head_seq_) return std::nullopt;
    std::shared_lock<std::shared_timed_mutex> lock(store_mu_);
    if (!store_) return std::nullopt;
    auto read = ReadLocked(target);
    if (!read.ok()) return std::nullopt;
    return std::move(read).value();
  }

  static std::optional<CorrectedEvent> AsCorrected(const std::optional<RecordedEvent>& e) {
    if (!e) return std::nullopt;
    return CorrectedEvent{e->seq(), e->event()};
  }

  // Judges every event of `p` for its caller, in order, each seeing the facts of those before
  // it. Ok, or the first refusal, with `p->rule` set.
  Status JudgeAppend(PendingAppend* p, internal::FactOverlay& facts, int64_t recorded) {
    size_t mark = facts.Mark();
    Status refused;
    for (size_t i = 0; i < p->words.size() && refused.ok(); ++i) {
      CanonicalReader reader(p->words[i]);
      auto event = reader.event();
      auto corrected = CorrectedBy(event);
      Verdict verdict =
          Judge(*p->caller, p->stream, event, recorded, facts, AsCorrected(corrected));
      if (!verdict.ok()) {
        p->rule = verdict.rule;
        std::string where = p->words.size() == 1 ? "" : "event " + std::to_string(i) + ": ";
        refused = Status(verdict.status.code(), where + verdict.status.message());
        break;
      }
      // Later events of this append see what this one teaches.
      for (const auto& change : Learn(event, 0, facts, AsCorrected(corrected))) {
        facts.Apply(change);
      }
    }
    facts.Rollback(mark);
    return refused;
  }

  void CommitGroup(const std::vector<std::unique_ptr<PendingAppend>>& group) {
    rocksdb::WriteBatch batch;
    uint64_t seq = head_seq_;
    Hash hash = head_hash_;
    int64_t recorded = std::max(options_.clock(), last_recorded_);
    std::unordered_map<std::string, uint64_t> group_versions;
    std::unordered_map<std::string, IdLocation> group_ids;
    internal::FactOverlay facts(db(), this->facts());
    // Outcomes are delivered only after the batch is durable (or has failed).
    std::vector<std::pair<PendingAppend*, Result<AppendResult>>> outcomes;
    std::string record;
    // The tree grows in the same batch; kept only if the batch is written.
    internal::TreeWriter tree = tree_;
    Status hashing;

    for (const auto& owned : group) {
      PendingAppend* p = owned.get();
      // Idempotency first: a retry of an acknowledged append must not meet a version conflict.
      size_t found = 0;
      AppendResult dup;
      dup.duplicate = true;
      Status status;
      for (size_t i = 0; i < p->ids.size(); ++i) {
        const std::string& id = p->ids[i];
        auto location = FindEventId(id, group_ids);
        if (!location.ok()) {
          status = location.status();
          break;
        }
        if (!location->has_value()) continue;
        const IdLocation& at = **location;
        if (!SameContent(at, p->words[i], p->occurred_when_recorded[i])) {
          p->rule = "event-id.taken";
          status = Status::AlreadyExists(TakenMessage(id, at, p->caller));
          break;
        }
        ++found;
        dup.seqs.push_back(at.seq);
        dup.stream_version = at.version;
      }
      if (status.ok() && found > 0 && found < p->ids.size()) {
        status = Status::InvalidArgument(
            std::to_string(found) + " of the " + std::to_string(p->ids.size()) +
            " event ids in this append were appended before; retry the same batch whole, or "
            "give new events new ids");
      }
      if (!status.ok()) {
        outcomes.emplace_back(p, status);
        continue;
      }
      if (found == p->ids.size()) {
        outcomes.emplace_back(p, std::move(dup));
        continue;
      }

      // The rule book, before anything about the stream is told to the caller.
      if (p->caller) {
        status = JudgeAppend(p, facts, recorded);
        if (!status.ok()) {
          outcomes.emplace_back(p, status);
          continue;
        }
      }

      uint64_t current = CurrentVersion(p->stream, group_versions, &status);
      if (!status.ok()) {
        outcomes.emplace_back(p, status);
        continue;
      }
      p->actual_version = current;
      bool matches = p->expected.kind() == ExpectedVersion::Kind::kAny ||
                     (p->expected.kind() == ExpectedVersion::Kind::kNoStream && current == 0) ||
                     (p->expected.kind() == ExpectedVersion::Kind::kExactly &&
                      current == p->expected.version());
      if (!matches) {
        outcomes.emplace_back(
            p, Status::Conflict("stream \"" + p->stream + "\" was expected at version " +
                                p->expected.ToString() + " but is at " +
                                (current == 0 ? std::string("no stream (version 0)")
                                              : "version " + std::to_string(current))));
        continue;
      }

      AppendResult result;
      for (size_t i = 0; i < p->words.size(); ++i) {
        ++seq;
        ++current;
        auto bytes = p->words[i].asBytes();
        // Stamp the writer's clock so recorded times never decrease along the log.
        std::memcpy(bytes.begin() + recorded_at_offset_, &recorded, sizeof(recorded));
        if (p->occurred_when_recorded[i]) {
          std::memcpy(bytes.begin() + occurred_at_offset_, &recorded, sizeof(recorded));
        }
        CanonicalReader reader(p->words[i]);
        auto event = reader.event();
        auto corrected = CorrectedBy(event);
        for (const auto& change : Learn(event, seq, facts, AsCorrected(corrected))) {
          facts.Apply(change);
        }
        internal::EncodeRecord(
            seq, current,
            std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), &record);
        auto chained = internal::ChainHash(hash, record);
        if (chained.ok()) hashing = tree.Add(record, this->facts(), &batch);
        if (!chained.ok()) hashing = chained.status();
        if (!hashing.ok()) break;
        hash = *chained;
        std::string value;
        value.reserve(kHashBytes + record.size());
        value.append(reinterpret_cast<const char*>(hash.data()), kHashBytes);
        value.append(record);
        std::string seq_key = SeqKey(seq);
        batch.Put(events(), seq_key, value);
        batch.Put(streams(), StreamKey(p->stream, current), seq_key);
        batch.Put(event_ids(), p->ids[i], seq_key);
        group_ids[p->ids[i]] =
            IdLocation{seq, current, p->stream, event.getActorId().cStr(),
                       std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size())};
        result.seqs.push_back(seq);
      }
      if (!hashing.ok()) break;
      result.stream_version = current;
      group_versions[p->stream] = current;
      outcomes.emplace_back(p, std::move(result));
    }
    if (batch.Count() > 0) {
      facts.MoveTo(&batch);
      batch.Put(this->facts(), internal::kFactsCheckpointKey, SeqKey(seq));
      tree.PutSize(this->facts(), &batch);
    }

    Status written;
    bool failed_now = false;
    if (!hashing.ok()) {
      // Nothing of the group is written: a hash that proves nothing is never stored.
      written = Status::IOError("the append was not written: " + hashing.message());
      for (const auto& owned : group) {
        PendingAppend* p = owned.get();
        bool answered = std::any_of(outcomes.begin(), outcomes.end(),
                                    [&](const auto& o) { return o.first == p; });
        if (!answered) outcomes.emplace_back(p, written);
      }
    } else if (batch.Count() > 0 && !writable_) {
      written = Status::IOError(RefusalMessage(false));
    } else if (batch.Count() > 0) {
      rocksdb::WriteOptions write_options;
      write_options.sync = options_.sync;
      auto s = db()->Write(write_options, &batch);
      if (!s.ok()) {
        Refuse(s.ToString(), internal::ClassifyFailure(s, dir_, true));
        written = Status::IOError(RefusalMessage(true));
        failed_now = true;
      }
    }
    if (written.ok() && batch.Count() > 0) {
      tree_ = std::move(tree);
      head_seq_ = seq;
      head_hash_ = hash;
      last_recorded_ = recorded;
      for (auto& [stream, version] : group_versions) versions_[stream] = version;
      std::lock_guard<std::mutex> lock(head_mu_);
      published_ = Position{head_seq_, head_hash_};
    }
    if (batch.Count() > 0) head_cv_.notify_all();
    Position head = Head();
    for (auto& [p, result] : outcomes) {
      Outcome outcome;
      outcome.actual_version = p->actual_version;
      outcome.rule = std::move(p->rule);
      if (!result.ok()) {
        outcome.result = std::move(result);
      } else if (!written.ok()) {
        outcome.result = written;
      } else {
        result->head = head;
        outcome.result = std::move(result);
      }
      p->done(std::move(outcome));
    }
    if (failed_now) ReopenReadOnly();
  }

  // Stops writing after a failed write, and refuses appends until the store has been reopened
  // for writing. `problem` is what the store said.
  void Refuse(const std::string& problem, StorageHealth::State state) {
    if (state == StorageHealth::State::kWritable) state = StorageHealth::State::kFailed;
    std::lock_guard<std::mutex> lock(health_mu_);
    if (writable_) health_.since_ms = options_.clock();
    writable_ = false;
    health_.state = state;
    health_.problem = problem;
    ++health_.failures;
  }

  // Reopens the store for writing if the disk looks able to take writes, at most once per
  // retry_interval; keeps the store readable when it cannot.
  void TryRecover() {
    std::string why;
    StorageHealth::State disk = StorageHealth::State::kWritable;
    if (!internal::DiskLooksWritable(dir_, options_.resume_free_bytes, &why, &disk)) {
      std::lock_guard<std::mutex> lock(health_mu_);
      health_.state = disk;
      health_.problem = why;
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (last_attempt_ && now - *last_attempt_ < options_.retry_interval) return;
    last_attempt_ = now;
    // Readers finish what they are doing first; a long one only postpones this attempt.
    std::unique_lock<std::shared_timed_mutex> lock(store_mu_, std::defer_lock);
    if (!lock.try_lock_for(std::chrono::seconds(2))) return;
    store_.reset();
    versions_.clear();
    auto writable = OpenStore(dir_, options_, false);
    if (writable.ok()) {
      store_ = std::move(writable).value();
      Status loaded = LoadHead();
      if (loaded.ok()) loaded = CatchUpFacts();
      if (loaded.ok()) loaded = CatchUpTree();
      if (loaded.ok()) {
        std::lock_guard<std::mutex> health_lock(health_mu_);
        writable_ = true;
        health_.state = StorageHealth::State::kWritable;
        health_.problem.clear();
        health_.since_ms = 0;
        ++health_.recoveries;
        return;
      }
      Refuse(loaded.ToString(), StorageHealth::State::kFailed);
      store_.reset();
    }
    if (!writable.ok()) {
      const std::string& problem = writable.status().message();
      auto state = internal::ClassifyFailure(rocksdb::Status::IOError(problem), dir_, false);
      std::lock_guard<std::mutex> health_lock(health_mu_);
      health_.state =
          state == StorageHealth::State::kWritable ? StorageHealth::State::kFailed : state;
      health_.problem = problem;
    }
    OpenReadOnlyLocked();
  }

  // Closes a store that failed a write and opens it again read-only: RocksDB writes nothing more
  // to its files (its own recovery attempts included), the write-ahead log is replayed up to its
  // last whole record, and no file stays open for writing, so the folder can be remounted or
  // checked while reads go on.
  void ReopenReadOnly() {
    std::unique_lock<std::shared_timed_mutex> lock(store_mu_, std::defer_lock);
    // A long read only postpones this to the next recovery attempt, which reopens anyway.
    if (!lock.try_lock_for(std::chrono::seconds(2))) return;
    OpenReadOnlyLocked();
  }

  void OpenReadOnlyLocked() {
    store_.reset();
    versions_.clear();
    auto readable = OpenStore(dir_, options_, true);
    if (readable.ok()) {
      store_ = std::move(readable).value();
      (void)LoadHead();
    }
  }

  // Why an append is refused now, and what brings appends back. `attempted`: its write was tried
  // and failed, rather than refused beforehand.
  std::string RefusalMessage(bool attempted) const {
    StorageHealth h = Storage();
    std::string what;
    // A full or read-only disk takes no part of a write; another failure (a failed sync) may
    // have let the append reach the disk, which a retry with the same event ids then reports.
    std::string outcome = "nothing of this append was written";
    switch (h.state) {
      case StorageHealth::State::kNoSpace:
        what = "the disk holding " + dir_ + " is full";
        break;
      case StorageHealth::State::kReadOnly:
        what = "the ledger's folder " + dir_ + " is read-only";
        break;
      default:
        what = "the ledger's storage in " + dir_ + " failed";
        if (!attempted) break;
        outcome =
            "this append was not acknowledged (should it have reached the disk, a retry with the "
            "same event ids is answered as a duplicate)";
        break;
    }
    return what + " (" + h.problem + "); " + outcome +
           ". Reads still work; appends resume by themselves once the disk can take writes again "
           "(checked every " +
           std::to_string(options_.retry_interval.count()) + " ms)";
  }

  std::string dir_;
  Options options_;
  // The open store; null only after a failed reopen found neither a writable nor a readable one.
  std::unique_ptr<Store> store_;
  mutable std::shared_timed_mutex store_mu_;
  size_t recorded_at_offset_ = 0;
  size_t occurred_at_offset_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<PendingAppend>> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Owned by the writer thread.
  uint64_t head_seq_ = 0;
  Hash head_hash_{};
  int64_t last_recorded_ = 0;
  internal::TreeWriter tree_;
  std::unordered_map<std::string, uint64_t> versions_;
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;

  mutable std::mutex health_mu_;
  StorageHealth health_;
  // Read by the writer without the lock (only it writes it); written under health_mu_.
  std::atomic<bool> writable_{true};

  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  Position published_;
  bool closing_ = false;
};

}  // namespace

const char* StorageStateName(StorageHealth::State state) {
  switch (state) {
    case StorageHealth::State::kWritable:
      return "writable";
    case StorageHealth::State::kNoSpace:
      return "noSpace";
    case StorageHealth::State::kReadOnly:
      return "readOnly";
    case StorageHealth::State::kFailed:
      return "failed";
  }
  return "failed";
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, const Options& options) {
  if (options.create_if_missing) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Status::IOError("cannot create the folder " + dir + ": " + error.message());
  }
  // Opened for writing first, even when it will be read-only: that takes the folder's lock, so a
  // folder another process holds is never served twice.
  auto store = OpenStore(dir, options, false);
  Status refused;
  StorageHealth::State state = StorageHealth::State::kWritable;
  if (store.ok()) {
    std::string why;
    if (!internal::DiskLooksWritable(dir, options.resume_free_bytes, &why, &state)) {
      // As after a failed write: a disk that is (nearly) full takes no appends until it has room
      // again, so that a restart does not fill it up once more.
      store->reset();
      store = OpenStore(dir, options, true);
      if (!store.ok()) return store.status();
      refused = Status::IOError(why);
    }
  } else {
    // A ledger on a full or read-only disk is still worth reading; only what the failure itself
    // says counts here, so that a folder locked by another process does not open.
    state =
        internal::ClassifyFailure(rocksdb::Status::IOError(store.status().message()), dir, false);
    if (state != StorageHealth::State::kNoSpace && state != StorageHealth::State::kReadOnly) {
      return store.status();
    }
    auto readable = OpenStore(dir, options, true);
    if (!readable.ok()) return store.status();
    refused = store.status();
    store = std::move(readable);
  }
  auto ledger = std::make_unique<RocksLedger>(dir, options, std::move(store).value());
  Status loaded = ledger->LoadHead();
  if (!loaded.ok()) return loaded;
  if (refused.ok()) {
    Status learned = ledger->CatchUpFacts();
    if (!learned.ok()) return learned;
    Status built = ledger->CatchUpTree();
    if (!built.ok()) return built;
  } else {
    Status loaded_tree = ledger->LoadTree();
    if (!loaded_tree.ok()) return loaded_tree;
  }
  ledger->Start(refused, state);
  return std::unique_ptr<Ledger>(std::move(ledger));
}

}  // namespace ledger

// --- ledger/rocks.h ------------------------------------------------------------------------

namespace ledger::internal {
namespace {

class StderrLogger final : public rocksdb::Logger {
 public:
  explicit StderrLogger(std::string name)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL),
        prefix_("rocksdb (" + std::move(name) + "): ") {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[2048];
    int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    size_t end = std::min(static_cast<size_t>(n), sizeof line - 1);
    while (end > 0 && line[end - 1] == '\n') line[--end] = '\0';
    // One write per line, so that lines from several threads do not interleave.
    std::fprintf(stderr, "%s%s\n", prefix_.c_str(), line);
  }

 private:
  std::string prefix_;
};

bool Mentions(const rocksdb::Status& status, const char* text) {
  return status.ToString().find(text) != std::string::npos;
}

// Below this much free space, a failed write is put down to a full disk whatever it said.
constexpr uint64_t kNearlyFullBytes = 1 << 20;

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStderrLogger(const std::string& name) {
  return std::make_shared<StderrLogger>(name);
}

StorageHealth::State ClassifyFailure(const rocksdb::Status& status, const std::string& dir,
                                     bool consult_disk) {
  if (Mentions(status, "Read-only file system") || Mentions(status, "Permission denied")) {
    return StorageHealth::State::kReadOnly;
  }
  if (status.IsNoSpace() || Mentions(status, "No space left")) {
    return StorageHealth::State::kNoSpace;
  }
  if (consult_disk) {
    std::string why;
    StorageHealth::State disk = StorageHealth::State::kWritable;
    if (!DiskLooksWritable(dir, kNearlyFullBytes, &why, &disk)) return disk;
  }
  return StorageHealth::State::kFailed;
}

bool DiskLooksWritable(const std::string& dir, uint64_t margin_bytes, std::string* why,
                       StorageHealth::State* state) {
  struct statvfs vfs {};
  if (statvfs(dir.c_str(), &vfs) != 0) {
    *state = StorageHealth::State::kFailed;
    *why = "the folder " + dir + " cannot be examined";
    return false;
  }
  if (vfs.f_flag & ST_RDONLY) {
    *state = StorageHealth::State::kReadOnly;
    *why = "the file system holding " + dir + " is mounted read-only";
    return false;
  }
  if (access(dir.c_str(), W_OK) != 0) {
    *state = StorageHealth::State::kReadOnly;
    *why = "this process may not write in " + dir;
    return false;
  }
  uint64_t logs = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".log") {
      std::error_code size_error;
      auto size = entry.file_size(size_error);
      if (!size_error) logs += size;
    }
  }
  uint64_t free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  uint64_t needed = logs + margin_bytes;
  if (free < needed) {
    *state = StorageHealth::State::kNoSpace;
    *why = std::to_string(free) + " bytes are free on the disk holding " + dir + "; appends " +
           "resume once " + std::to_string(needed) + " are";
    return false;
  }
  return true;
}

}  // namespace ledger::internal
