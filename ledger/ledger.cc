// The RocksDB implementation of ledger.h.
//
// Appends are prepared (validated, canonicalized) on the caller's thread, then queued to one
// writer thread. The writer takes everything waiting, checks versions and event ids against the
// committed state plus what this group already holds, assigns sequence numbers, chains hashes,
// and commits the group in one WriteBatch with one sync. Only after the write succeeds does the
// writer's in-memory state (head, stream versions) move forward, so a failed write leaves the
// ledger exactly where it was.

#include "ledger/ledger.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <capnp/message.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "ledger/record.h"
#include "ledger/validate.h"

namespace ledger {
namespace {

using internal::GetBigEndian64;
using internal::kHashBytes;
using internal::kRecordHeaderBytes;
using internal::kValueHeaderBytes;
using internal::PutBigEndian64;
using internal::SeqKey;
using internal::StreamKey;

constexpr const char* kEventsFamily = "events";
constexpr const char* kStreamsFamily = "streams";
constexpr const char* kEventIdsFamily = "event_ids";

int64_t SystemMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

// One Append call, waiting for the writer.
struct PendingAppend {
  std::string stream;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<std::string> ids;
  std::vector<kj::Array<capnp::word>> words;
  std::vector<bool> occurred_when_recorded;  // occurredAt was left zero by the client
  std::promise<Result<AppendResult>> promise;
  uint64_t actual_version = 0;
};

class RocksLedger final : public Ledger {
 public:
  RocksLedger(const Options& options, std::unique_ptr<rocksdb::DB> db,
              std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : options_(options), db_(std::move(db)), handles_(std::move(handles)) {
    if (!options_.clock) options_.clock = SystemMillis;
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
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
    db_->Close();
  }

  Status LoadHead() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events()));
    it->SeekToLast();
    if (!it->status().ok()) return FromRocks(it->status(), "reading the head");
    if (it->Valid()) {
      uint64_t seq = GetBigEndian64(it->key().data());
      auto decoded = internal::DecodeStoredValue(seq, it->value().ToStringView());
      if (!decoded.ok()) return decoded.status();
      head_seq_ = seq;
      head_hash_ = decoded->hash();
      last_recorded_ = decoded->event().getRecordedAt();
    }
    published_ = Position{head_seq_, head_hash_};
    writer_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  Result<AppendResult> Append(std::string_view stream, ExpectedVersion expected,
                              std::span<const schema::Event::Reader> events,
                              uint64_t* actual_version) override {
    Status s = ValidateStreamId(stream);
    if (!s.ok()) return s;
    if (events.empty()) return Status::InvalidArgument("an append needs at least one event");
    if (events.size() > options_.max_events_per_append) {
      return Status::InvalidArgument("an append may carry at most " +
                                     std::to_string(options_.max_events_per_append) +
                                     " events; this one has " + std::to_string(events.size()));
    }
    auto pending = std::make_unique<PendingAppend>();
    pending->stream = std::string(stream);
    pending->expected = expected;
    int64_t now = options_.clock();
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < events.size(); ++i) {
      std::string where = events.size() == 1 ? "" : "event " + std::to_string(i) + ": ";
      Result<kj::Array<capnp::word>> prepared = Prepare(events[i], stream, now);
      if (!prepared.ok()) {
        return Status(prepared.status().code(), where + prepared.status().message());
      }
      pending->ids.emplace_back(events[i].getEventId().cStr());
      pending->occurred_when_recorded.push_back(events[i].getOccurredAt() == 0);
      pending->words.push_back(std::move(prepared).value());
    }
    for (size_t i = 0; i < pending->ids.size(); ++i) {
      if (!seen.insert(pending->ids[i]).second) {
        return Status::InvalidArgument("event " + std::to_string(i) + ": eventId \"" +
                                       pending->ids[i] + "\" appears twice in one append");
      }
    }
    std::future<Result<AppendResult>> done = pending->promise.get_future();
    PendingAppend* raw = pending.get();
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (stopping_) return Status::Unavailable("the ledger is closing");
      queue_.push_back(raw);
    }
    queue_cv_.notify_one();
    Result<AppendResult> result = done.get();
    if (actual_version) *actual_version = raw->actual_version;
    return result;
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

  Result<std::vector<RecordedEvent>> ReadForward(uint64_t from_seq, size_t limit) const override {
    std::vector<RecordedEvent> out;
    if (limit == 0) return out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events()));
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

  Status Scan(uint64_t from_seq, uint64_t to_seq,
              const std::function<bool(const RecordedEvent&)>& visit) const override {
    rocksdb::ReadOptions read_options;
    read_options.readahead_size = 2 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, events()));
    for (it->Seek(SeqKey(std::max<uint64_t>(from_seq, 1))); it->Valid(); it->Next()) {
      uint64_t seq = GetBigEndian64(it->key().data());
      if (seq > to_seq) break;
      auto decoded = internal::DecodeStoredValue(seq, it->value().ToStringView());
      if (!decoded.ok()) return decoded.status();
      if (!visit(*decoded)) break;
    }
    return FromRocks(it->status(), "reading the log");
  }

  Result<RecordedEvent> Read(uint64_t seq) const override {
    rocksdb::PinnableSlice value;
    auto s = db_->Get(rocksdb::ReadOptions(), events(), SeqKey(seq), &value);
    if (s.IsNotFound()) {
      return Status::NotFound("there is no event " + std::to_string(seq) + "; the head is " +
                              std::to_string(Head().seq));
    }
    if (!s.ok()) return FromRocks(s, "reading event " + std::to_string(seq));
    return internal::DecodeStoredValue(seq, value.ToStringView());
  }

  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, uint64_t from_version,
                                                size_t limit) const override {
    std::vector<RecordedEvent> out;
    std::string prefix = std::string(stream) + '\0';
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams()));
    bool any = false;
    for (it->Seek(StreamKey(stream, std::max<uint64_t>(from_version, 1)));
         it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
      any = true;
      auto event = Read(GetBigEndian64(it->value().data()));
      if (!event.ok()) return event.status();
      out.push_back(std::move(event).value());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading a stream");
    if (!any) {
      auto version = StreamVersion(stream);
      if (!version.ok()) return version.status();
      if (*version == 0) {
        return Status::NotFound("there is no stream \"" + std::string(stream) + "\"");
      }
    }
    return out;
  }

  Result<uint64_t> StreamVersion(std::string_view stream) const override {
    return StoredStreamVersion(stream);
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
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, events()));
    auto fail = [&](uint64_t seq, std::string problem) {
      report.ok = false;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
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
      Hash recomputed = internal::ChainHash(chain, value.substr(kHashBytes));
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
    if (report.ok && report.checked < total) {
      fail(report.checked + 1, "the log ends at " + std::to_string(report.checked) +
                                   " but the head is " + std::to_string(total));
    }
    if (progress) progress(report.checked, total);
    return report;
  }

  Status Checkpoint(const std::string& dir) const override {
    if (std::filesystem::exists(dir)) {
      return Status::InvalidArgument("the folder " + dir + " already exists; name a new one");
    }
    std::error_code error;
    auto parent = std::filesystem::path(dir).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) return Status::IOError("cannot create " + parent.string() + ": " + error.message());
    rocksdb::Checkpoint* raw = nullptr;
    auto s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!s.ok()) return FromRocks(s, "preparing a checkpoint");
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    return FromRocks(checkpoint->CreateCheckpoint(dir), "writing a checkpoint to " + dir);
  }

 private:
  rocksdb::ColumnFamilyHandle* events() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* event_ids() const { return handles_[3]; }

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
      words = capnp::canonicalize(root.asReader());
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

  Result<uint64_t> StoredStreamVersion(std::string_view stream) const {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams()));
    it->SeekForPrev(StreamKey(stream, UINT64_MAX));
    if (!it->status().ok()) return FromRocks(it->status(), "reading a stream version");
    std::string prefix = std::string(stream) + '\0';
    if (!it->Valid() || !it->key().starts_with(prefix)) return uint64_t{0};
    return GetBigEndian64(it->key().data() + prefix.size());
  }

  // --- The writer: everything below runs on writer_ only. ---

  void WriterLoop() {
    std::vector<PendingAppend*> group;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) break;
        group.assign(queue_.begin(), queue_.end());
        queue_.clear();
      }
      CommitGroup(group);
    }
    std::lock_guard<std::mutex> lock(head_mu_);
    closing_ = true;
    head_cv_.notify_all();
  }

  // What an event id resolved to: where it was stored.
  struct IdLocation {
    uint64_t seq;
    uint64_t version;
    std::string stream;
  };

  Result<std::optional<IdLocation>> FindEventId(
      const std::string& id, const std::unordered_map<std::string, IdLocation>& in_group) {
    if (auto found = in_group.find(id); found != in_group.end()) return {found->second};
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), event_ids(), id, &value);
    if (s.IsNotFound()) return std::optional<IdLocation>();
    if (!s.ok()) return FromRocks(s, "looking up an event id");
    uint64_t seq = GetBigEndian64(value.data());
    auto event = Read(seq);
    if (!event.ok()) return event.status();
    return {IdLocation{seq, event->stream_version(), event->event().getStream().cStr()}};
  }

  uint64_t CurrentVersion(const std::string& stream,
                          const std::unordered_map<std::string, uint64_t>& in_group,
                          Status* status) {
    if (auto it = in_group.find(stream); it != in_group.end()) return it->second;
    if (auto it = versions_.find(stream); it != versions_.end()) return it->second;
    auto stored = StoredStreamVersion(stream);
    if (!stored.ok()) {
      *status = stored.status();
      return 0;
    }
    versions_.emplace(stream, *stored);
    return *stored;
  }

  void CommitGroup(const std::vector<PendingAppend*>& group) {
    rocksdb::WriteBatch batch;
    uint64_t seq = head_seq_;
    Hash hash = head_hash_;
    int64_t recorded = std::max(options_.clock(), last_recorded_);
    std::unordered_map<std::string, uint64_t> group_versions;
    std::unordered_map<std::string, IdLocation> group_ids;
    // Outcomes are delivered only after the batch is durable (or has failed).
    std::vector<std::pair<PendingAppend*, Result<AppendResult>>> outcomes;
    std::string record;

    for (PendingAppend* p : group) {
      // Idempotency first: a retry of an acknowledged append must not meet a version conflict.
      size_t found = 0;
      AppendResult dup;
      dup.duplicate = true;
      Status status;
      for (const std::string& id : p->ids) {
        auto location = FindEventId(id, group_ids);
        if (!location.ok()) {
          status = location.status();
          break;
        }
        if (!location->has_value()) continue;
        const IdLocation& at = **location;
        if (at.stream != p->stream) {
          status = Status::InvalidArgument("eventId \"" + id + "\" was already used in stream \"" +
                                           at.stream + "\" (seq " + std::to_string(at.seq) +
                                           "); event ids are unique across the ledger");
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
        record.resize(kRecordHeaderBytes + bytes.size());
        PutBigEndian64(seq, record.data());
        PutBigEndian64(current, record.data() + 8);
        std::memcpy(record.data() + kRecordHeaderBytes, bytes.begin(), bytes.size());
        hash = internal::ChainHash(hash, record);
        std::string value;
        value.reserve(kHashBytes + record.size());
        value.append(reinterpret_cast<const char*>(hash.data()), kHashBytes);
        value.append(record);
        std::string seq_key = SeqKey(seq);
        batch.Put(events(), seq_key, value);
        batch.Put(streams(), StreamKey(p->stream, current), seq_key);
        batch.Put(event_ids(), p->ids[i], seq_key);
        group_ids[p->ids[i]] = IdLocation{seq, current, p->stream};
        result.seqs.push_back(seq);
      }
      result.stream_version = current;
      group_versions[p->stream] = current;
      outcomes.emplace_back(p, std::move(result));
    }

    Status written;
    if (batch.Count() > 0) {
      rocksdb::WriteOptions write_options;
      write_options.sync = options_.sync;
      written = FromRocks(db_->Write(write_options, &batch), "writing to the ledger");
    }
    if (written.ok() && batch.Count() > 0) {
      head_seq_ = seq;
      head_hash_ = hash;
      last_recorded_ = recorded;
      for (auto& [stream, version] : group_versions) versions_[stream] = version;
      std::lock_guard<std::mutex> lock(head_mu_);
      published_ = Position{head_seq_, head_hash_};
    }
    if (batch.Count() > 0) head_cv_.notify_all();
    Position head = Head();
    for (auto& [p, outcome] : outcomes) {
      if (!outcome.ok()) {
        p->promise.set_value(std::move(outcome));
      } else if (!written.ok()) {
        p->promise.set_value(
            Status::IOError(written.message() + "; nothing of this append was acknowledged"));
      } else {
        outcome->head = head;
        p->promise.set_value(std::move(outcome));
      }
    }
  }

  Options options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // default, events, streams, event_ids
  size_t recorded_at_offset_ = 0;
  size_t occurred_at_offset_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingAppend*> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Owned by the writer thread.
  uint64_t head_seq_ = 0;
  Hash head_hash_{};
  int64_t last_recorded_ = 0;
  std::unordered_map<std::string, uint64_t> versions_;

  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  Position published_;
  bool closing_ = false;
};

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, const Options& options) {
  if (options.create_if_missing) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return Status::IOError("cannot create the folder " + dir + ": " + error.message());
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = options.create_if_missing;
  db_options.IncreaseParallelism(2);
  db_options.max_total_wal_size = 256 << 20;

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
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, dir, families, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "opening the ledger in " + dir);
  auto ledger =
      std::make_unique<RocksLedger>(options, std::unique_ptr<rocksdb::DB>(raw), std::move(handles));
  Status loaded = ledger->LoadHead();
  if (!loaded.ok()) return loaded;
  return std::unique_ptr<Ledger>(std::move(ledger));
}

}  // namespace ledger
