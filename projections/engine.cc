#include "projections/engine.h"

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "ledger/record.h"

namespace projections {

using ledger::Position;
using ledger::Result;
using ledger::Status;

namespace {

// Keys of the view store:
//   "m/checkpoint" -> seq (8, big-endian) || chain hash (32)
//   "m/versions"   -> "name:version;..." of the views that wrote the state
//   "v/<view>/<table>/<key>" -> a record (projections/archive.h)
constexpr char kCheckpointKey[] = "m/checkpoint";
constexpr char kVersionsKey[] = "m/versions";
constexpr char kRecordPrefix[] = "v/";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  return Status::IOError(what + ": " + s.ToString());
}

std::string TablePrefix(const Projection& view, const TableBase& table) {
  return std::string(kRecordPrefix) + view.name() + "/" + table.name() + "/";
}

std::string VersionSignature(const ViewSet& views) {
  std::string signature;
  for (const Projection* view : views.all()) {
    signature += std::string(view->name()) + ":" + std::to_string(view->version()) + ";";
  }
  return signature;
}

class BatchSink final : public StateSink {
 public:
  explicit BatchSink(rocksdb::WriteBatch* batch) : batch_(batch) {}
  void Put(std::string_view key, std::string_view value) override { batch_->Put(key, value); }
  void Delete(std::string_view key) override { batch_->Delete(key); }

 private:
  rocksdb::WriteBatch* batch_;
};

}  // namespace

class Engine::Impl {
 public:
  Impl(ledger::Ledger* log, std::unique_ptr<rocksdb::DB> db, EngineOptions options,
       std::shared_mutex* views_mu)
      : log_(log), db_(std::move(db)), options_(std::move(options)), views_mu_(views_mu) {
    views_ = MakeViewSet();
  }

  ~Impl() {
    stop_ = true;
    if (follower_.joinable()) follower_.join();
  }

  std::unique_ptr<ViewSet> MakeViewSet() const {
    ledger::Ledger* log = log_;
    return std::make_unique<ViewSet>([log](uint64_t seq) { return log->Read(seq); });
  }

  // Loads the stored views, or decides to rebuild.
  Status Load() {
    std::string versions;
    auto s = db_->Get(rocksdb::ReadOptions(), kVersionsKey, &versions);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the view versions");
    std::string checkpoint;
    auto c = db_->Get(rocksdb::ReadOptions(), kCheckpointKey, &checkpoint);
    if (!c.ok() && !c.IsNotFound()) return FromRocks(c, "reading the view checkpoint");

    Position stored;
    if (c.ok() && checkpoint.size() == 8 + 32) {
      stored.seq = ledger::internal::GetBigEndian64(checkpoint.data());
      std::memcpy(stored.hash.data(), checkpoint.data() + 8, 32);
    }
    bool same_versions = s.ok() && versions == VersionSignature(*views_);
    // Views ahead of the ledger (a ledger restored from an older backup) cannot be trusted.
    bool behind_ledger = stored.seq <= log_->Head().seq;
    if (!same_versions || !behind_ledger || stored.seq == 0) return ClearStore();

    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables()) {
        std::string prefix = TablePrefix(*view, *table);
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
          std::string_view key = it->key().ToStringView().substr(prefix.size());
          if (!table->LoadRow(key, it->value().ToStringView())) {
            // A record that does not decode: derived data, so rebuild rather than fail.
            return ClearStore();
          }
        }
        if (!it->status().ok()) return FromRocks(it->status(), "loading view " + prefix);
      }
    }
    views_->set_position(stored);
    PublishApplied(stored);
    return Status::Ok();
  }

  // Forgets every stored view; the next catch-up replays from the first event.
  Status ClearStore() {
    rocksdb::WriteBatch batch;
    batch.DeleteRange(std::string(kRecordPrefix), std::string("v0"));
    batch.Delete(kCheckpointKey);
    batch.Put(kVersionsKey, VersionSignature(*views_));
    auto s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return FromRocks(s, "clearing the views");
    std::unique_lock lock(*views_mu_);
    views_ = MakeViewSet();
    PublishApplied(Position{});
    return Status::Ok();
  }

  Status Flush() {
    if (options_.before_flush && !options_.before_flush()) {
      crashed_ = true;
      return Status::Unavailable("the engine stopped before writing its views (simulated crash)");
    }
    rocksdb::WriteBatch batch;
    BatchSink sink(&batch);
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables()) table->Flush(TablePrefix(*view, *table), &sink);
    }
    std::string checkpoint(8, '\0');
    ledger::internal::PutBigEndian64(views_->position().seq, checkpoint.data());
    checkpoint.append(reinterpret_cast<const char*>(views_->position().hash.data()), 32);
    batch.Put(kCheckpointKey, checkpoint);
    // Not synced: after a power loss RocksDB recovers to an earlier whole batch, whose checkpoint
    // matches its records, and the engine redoes the rest from the ledger.
    return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "writing the views");
  }

  Status CatchUp() {
    std::lock_guard<std::mutex> apply_lock(apply_mu_);
    if (crashed_) return Status::Unavailable("the engine stopped after a simulated crash");
    uint64_t head = log_->Head().seq;
    uint64_t flushed = views_->position().seq;
    while (views_->position().seq < head && !stop_) {
      uint64_t from = views_->position().seq + 1;
      auto events = log_->ReadForward(from, options_.batch_events);
      if (!events.ok()) return events.status();
      if (events->empty()) break;
      {
        std::unique_lock lock(*views_mu_);
        for (const auto& e : *events) {
          Status s = views_->Apply(e);
          if (!s.ok()) return s;
        }
        uint64_t at = views_->position().seq;
        if (at >= head || at - flushed >= options_.flush_events) {
          Status written = Flush();
          if (!written.ok()) return written;
          flushed = at;
        }
      }
      PublishApplied(views_->position());
      if (options_.progress) options_.progress(views_->position().seq, head);
    }
    return Status::Ok();
  }

  void StartFollowing() {
    if (follower_.joinable()) return;
    follower_ = std::thread([this] {
      while (!stop_) {
        Status s = CatchUp();
        if (!s.ok()) {
          last_error_ = s.ToString();
          if (crashed_) return;
        }
        // Woken by the ledger's writer on every commit; the timeout only bounds how long a
        // shutdown waits.
        log_->WaitForHeadAbove(Applied().seq, std::chrono::milliseconds(200));
      }
    });
  }

  void PublishApplied(const Position& position) {
    {
      std::lock_guard<std::mutex> lock(applied_mu_);
      applied_ = position;
    }
    applied_cv_.notify_all();
  }

  Position Applied() const {
    std::lock_guard<std::mutex> lock(applied_mu_);
    return applied_;
  }

  Status WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(applied_mu_);
    if (applied_cv_.wait_for(lock, timeout, [&] { return applied_.seq >= seq; })) {
      return Status::Ok();
    }
    uint64_t head = log_->Head().seq;
    return Status::Timeout("the views have applied up to position " + std::to_string(applied_.seq) +
                           ", not " + std::to_string(seq) + ", after waiting " +
                           std::to_string(timeout.count()) +
                           " ms (ledger head: " + std::to_string(head) + ")");
  }

  Status Rebuild() {
    {
      std::lock_guard<std::mutex> apply_lock(apply_mu_);
      Status s = ClearStore();
      if (!s.ok()) return s;
    }
    return CatchUp();
  }

  Result<std::shared_ptr<const ViewSet>> AsOf(uint64_t seq) {
    seq = std::min(seq, log_->Head().seq);
    std::lock_guard<std::mutex> lock(as_of_mu_);
    if (auto it = as_of_.find(seq); it != as_of_.end()) {
      return std::shared_ptr<const ViewSet>(it->second);
    }
    std::shared_ptr<ViewSet> views = MakeViewSet();
    Status failed;
    Status scanned = log_->Scan(1, seq, [&](const ledger::RecordedEvent& e) {
      failed = views->Apply(e);
      return failed.ok();
    });
    if (!scanned.ok()) return scanned;
    if (!failed.ok()) return failed;
    // A handful of recent positions is enough: reports ask for the same one repeatedly.
    if (as_of_.size() >= 4) as_of_.erase(as_of_.begin());
    as_of_[seq] = views;
    return std::shared_ptr<const ViewSet>(views);
  }

  std::vector<std::pair<std::string, std::string>> Dump() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Projection* view : views_->all()) {
      for (const TableBase* table : view->tables()) {
        for (auto& [key, bytes] : table->Dump()) {
          out.emplace_back(std::string(view->name()) + "/" + table->name() + "/" + key,
                           std::move(bytes));
        }
      }
    }
    return out;
  }

  const ViewSet* views() const { return views_.get(); }

 private:
  ledger::Ledger* log_;
  std::unique_ptr<rocksdb::DB> db_;
  EngineOptions options_;
  std::shared_mutex* views_mu_;
  std::unique_ptr<ViewSet> views_;

  std::mutex apply_mu_;  // one applier at a time: the follower, CatchUp or Rebuild
  std::atomic<bool> stop_{false};
  std::atomic<bool> crashed_{false};
  std::thread follower_;
  std::string last_error_;

  mutable std::mutex applied_mu_;
  mutable std::condition_variable applied_cv_;
  Position applied_;

  std::mutex as_of_mu_;
  std::map<uint64_t, std::shared_ptr<ViewSet>> as_of_;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(ledger::Ledger* log, const std::string& dir,
                                             EngineOptions options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IOError("cannot create " + dir + ": " + error.message());
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  // The views are written in large batches and read back only whole, at start: an unsorted
  // memtable takes a batch in linear time (a skip list spent most of a rebuild inserting), and
  // is sorted once when flushed.
  db_options.memtable_factory.reset(new rocksdb::VectorRepFactory);
  db_options.allow_concurrent_memtable_write = false;
  db_options.write_buffer_size = 256 << 20;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, dir, &raw);
  if (!s.ok()) return FromRocks(s, "opening the views in " + dir);
  std::unique_ptr<Engine> engine(new Engine(nullptr));
  engine->impl_ = std::make_unique<Impl>(log, std::unique_ptr<rocksdb::DB>(raw), std::move(options),
                                         &engine->views_mu_);
  Status loaded = engine->impl_->Load();
  if (!loaded.ok()) return loaded;
  return engine;
}

const ViewSet* Engine::current_views() const { return impl_->views(); }
Status Engine::CatchUp() { return impl_->CatchUp(); }
void Engine::StartFollowing() { impl_->StartFollowing(); }
Position Engine::Applied() const { return impl_->Applied(); }
Status Engine::WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const {
  return impl_->WaitFor(seq, timeout);
}
Status Engine::Rebuild() { return impl_->Rebuild(); }
Result<std::shared_ptr<const ViewSet>> Engine::AsOf(uint64_t seq) { return impl_->AsOf(seq); }
std::vector<std::pair<std::string, std::string>> Engine::Dump() const {
  std::shared_lock lock(views_mu_);
  return impl_->Dump();
}

}  // namespace projections
