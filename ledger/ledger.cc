// The RocksDB implementation of ledger.h: the readers' side, and Open wiring the parts.
//
// The parts, one job each (all private to ledger/):
//   append_request.h  an append checked and put in canonical form on the caller's thread;
//   ledger_writer.h   the one writer thread: the queue, the group commit, recovery after a
//                     failed write;
//   ledger_store.h    the RocksDB store: opening it, its reads, catching up facts and tree;
//   storage_health.h  whether the store can take writes, and why not.
// Readers hold the store's lock shared while they read; only the writer replaces the store
// (SharedStore), and it alone moves the head readers see (PublishedHead).

#include "ledger/ledger.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include "append_request.h"
#include "base/clock.h"
#include "fact_store.h"
#include "ledger/rocks.h"
#include "ledger_store.h"
#include "ledger_writer.h"
#include "storage_health.h"

namespace ledger {
namespace {

// ReadForward calls asking for this many events or more are treated as a long scan.
constexpr size_t kLongScanEvents = 1024;

Options WithClock(Options options) {
  if (!options.clock) options.clock = base::SystemMillis;
  return options;
}

class RocksLedger final : public Ledger {
 public:
  RocksLedger(const std::string& dir, const Options& options,
              std::unique_ptr<internal::Store> store)
      : dir_(dir),
        options_(WithClock(options)),
        layout_(internal::EventLayout::OfEvent()),
        health_(options_.clock) {
    {
      // No other thread knows the ledger yet; the lock is for the analysis.
      base::WriterLock lock(&shared_.mu);
      shared_.store = std::move(store);
    }
    writer_ = std::make_unique<internal::LedgerWriter>(dir_, options_, layout_, &shared_, &head_,
                                                       &health_);
  }

  ~RocksLedger() override {
    writer_.reset();  // commits what is queued, then stops
    base::WriterLock lock(&shared_.mu);
    shared_.store.reset();
  }

  // Opening, before any other thread knows the ledger: see Open.
  internal::LedgerWriter& writer() { return *writer_; }

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

  void AppendAsync(const Caller* caller, std::string_view stream, ExpectedVersion expected,
                   std::span<const schema::Event::Reader> events, AppendDone done) override {
    auto pending = internal::PrepareAppend(caller, stream, expected, events, options_, layout_);
    if (!pending.ok()) {
      Outcome outcome;
      outcome.result = pending.status();
      done(std::move(outcome));
      return;
    }
    (*pending)->done = std::move(done);
    writer_->Enqueue(std::move(pending).value());
  }

  std::optional<EntityFacts> FindEntity(std::string_view name) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return std::nullopt;
    return internal::FactOverlay(shared_.store->db.get(), shared_.store->facts()).Entity(name);
  }

  std::vector<ContractFacts> ContractsOf(std::string_view estate) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return {};
    return internal::FactOverlay(shared_.store->db.get(), shared_.store->facts()).Contracts(estate);
  }

  Position Head() const override { return head_.Get(); }

  Position WaitForHeadAbove(uint64_t seq, std::chrono::milliseconds timeout) const override {
    return head_.WaitAbove(seq, timeout);
  }

  StorageHealth Storage() const override { return health_.Get(); }

  Result<std::vector<RecordedEvent>> ReadForward(uint64_t from_seq, size_t limit) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    rocksdb::ReadOptions options;
    if (limit >= kLongScanEvents) {
      // A replay reads each block once: it reads ahead, and leaves the block cache to the
      // lookups that come back (a fifth faster, and the service's reads keep their blocks).
      options.fill_cache = false;
      options.readahead_size = 2 << 20;
    }
    return internal::ReadForwardIn(*shared_.store, from_seq, limit, options);
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
        base::ReaderLock lock(&shared_.mu);
        if (!shared_.store) return Closed();
        chunk = internal::ReadForwardIn(*shared_.store, next, internal::kChunkEvents, read_options);
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
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    return internal::ReadEventIn(*shared_.store, seq, head_);
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, uint64_t from_version,
                                                size_t limit) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    return internal::ReadStreamIn(*shared_.store, stream, from_version, limit, head_);
  }

  Result<uint64_t> StreamVersion(std::string_view stream) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    return internal::StreamVersionIn(*shared_.store, stream);
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
    internal::VerifyWalk walk;
    walk.total = Head().seq;
    walk.read_options.readahead_size = 2 << 20;
    // In chunks, as Scan, so that verifying a long log never holds off a reopen of the store.
    bool more = true;
    while (more && walk.report.ok) {
      base::ReaderLock lock(&shared_.mu);
      if (!shared_.store) return Closed();
      auto chunk = internal::VerifyChunk(*shared_.store, &walk, progress);
      if (!chunk.ok()) return chunk.status();
      more = *chunk;
    }
    VerifyReport& report = walk.report;
    if (report.ok && report.checked < walk.total) {
      report.ok = false;
      report.first_bad_seq = report.checked + 1;
      report.problem = "the log ends at " + std::to_string(report.checked) + " but the head is " +
                       std::to_string(walk.total);
    }
    if (progress) progress(report.checked, walk.total);
    return report;
  }

  Result<Hash> TreeNode(uint32_t level, uint64_t index) const override {
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    return internal::ReadTreeNode(shared_.store->db.get(), shared_.store->facts(), level, index);
  }

  Status Checkpoint(const std::string& dir) const override {
    if (std::filesystem::exists(dir)) {
      return Status::InvalidArgument("the folder " + dir + " already exists; name a new one");
    }
    std::error_code error;
    auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) return Status::IOError("cannot create " + parent.string() + ": " + error.message());
    base::ReaderLock lock(&shared_.mu);
    if (!shared_.store) return Closed();
    return internal::CheckpointIn(*shared_.store, dir);
  }

 private:
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

  Status Closed() const {
    return Status::Unavailable("the ledger's store in " + dir_ +
                               " is closed after a storage failure: " + Storage().problem);
  }

  const std::string dir_;
  const Options options_;  // with its clock set
  const internal::EventLayout layout_;
  internal::SharedStore shared_;
  internal::PublishedHead head_;
  internal::HealthMonitor health_;
  // Declared last: stopped first, while what it shares is still there.
  std::unique_ptr<internal::LedgerWriter> writer_;
};

// Opens the store in `dir`: for writing when the disk can take writes, read-only (with the
// reason in `*refused` and what it means in `*state`) when it is full or read-only.
Result<std::unique_ptr<internal::Store>> OpenForLedger(const std::string& dir,
                                                       const Options& options, Status* refused,
                                                       StorageHealth::State* state) {
  // Opened for writing first, even when it will be read-only: that takes the folder's lock, so a
  // folder another process holds is never served twice.
  auto store = internal::OpenStore(dir, options, false);
  if (store.ok()) {
    std::string why;
    if (!internal::DiskLooksWritable(dir, options.resume_free_bytes, &why, state)) {
      // As after a failed write: a disk that is (nearly) full takes no appends until it has room
      // again, so that a restart does not fill it up once more.
      store->reset();
      store = internal::OpenStore(dir, options, true);
      if (!store.ok()) return store.status();
      *refused = Status::IOError(why);
    }
    return store;
  }
  // A ledger on a full or read-only disk is still worth reading; only what the failure itself
  // says counts here, so that a folder locked by another process does not open.
  *state =
      internal::ClassifyFailure(rocksdb::Status::IOError(store.status().message()), dir, false);
  if (*state != StorageHealth::State::kNoSpace && *state != StorageHealth::State::kReadOnly) {
    return store.status();
  }
  auto readable = internal::OpenStore(dir, options, true);
  if (!readable.ok()) return store.status();
  *refused = store.status();
  return readable;
}

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, const Options& options) {
  if (options.create_if_missing) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Status::IOError("cannot create the folder " + dir + ": " + error.message());
  }
  Status refused;
  StorageHealth::State state = StorageHealth::State::kWritable;
  auto store = OpenForLedger(dir, options, &refused, &state);
  if (!store.ok()) return store.status();
  auto ledger = std::make_unique<RocksLedger>(dir, options, std::move(store).value());
  internal::LedgerWriter& writer = ledger->writer();
  Status loaded = writer.LoadHead();
  if (!loaded.ok()) return loaded;
  loaded = refused.ok() ? writer.CatchUp() : writer.LoadTree();
  if (!loaded.ok()) return loaded;
  writer.Start(refused, state);
  return std::unique_ptr<Ledger>(std::move(ledger));
}

}  // namespace ledger
