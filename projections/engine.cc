#include "projections/engine.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <future>
#include <span>
#include <thread>

#include "applied_waiters.h"
#include "as_of_builder.h"
#include "ledger/rocks.h"
#include "log_replay.h"
#include "store_compactor.h"
#include "view_snapshots.h"
#include "view_store.h"

namespace projections {

using ledger::Position;
using ledger::Result;
using ledger::Status;

namespace {

using Clock = std::chrono::steady_clock;

// Keys of the view store: view_store.h.
using internal::FromRocks;
using internal::kCheckpointKey;
using internal::kRecordPrefix;
using internal::kVersionsKey;
using internal::StoreRows;
using internal::TablePrefix;
using internal::VersionSignature;
using internal::ViewStoreOptions;

// The views skip RocksDB's write-ahead log. A batch reaches the disk only with the memtable that
// holds it (flushed when full, every flush_events events, and at a clean close), and a memtable
// holds whole batches, so after a crash the store is as of some earlier batch: records and
// checkpoint agree, and the engine redoes the rest from the ledger. The log would only write
// everything twice, and replay it at every start.
rocksdb::WriteOptions ViewWriteOptions() {
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  return options;
}

// Feeds a table file being written; keeps the first error, after which it writes nothing.
class FileSink final : public StateSink {
 public:
  explicit FileSink(rocksdb::SstFileWriter* file) : file_(file) {}
  void Put(std::string_view key, std::string_view value) override {
    if (status_.ok()) status_ = file_->Put(key, value);
  }
  void Delete(std::string_view key) override {
    if (status_.ok()) status_ = file_->Delete(key);
  }
  const rocksdb::Status& status() const { return status_; }

 private:
  rocksdb::SstFileWriter* file_;
  rocksdb::Status status_;
};

class BatchSink final : public StateSink {
 public:
  explicit BatchSink(rocksdb::WriteBatch* batch) : batch_(batch) {}
  void Put(std::string_view key, std::string_view value) override { batch_->Put(key, value); }
  void Delete(std::string_view key) override { batch_->Delete(key); }

 private:
  rocksdb::WriteBatch* batch_;
};

// The instant at which the month of `unix_ms` (in `zone`) ends: the next month's first day.
int64_t MonthEndAfter(int64_t unix_ms, base::TimeZone zone) {
  base::CivilDay day = base::CivilFromDays(base::LocalDay(unix_ms, zone));
  base::CivilDay next{day.month == 12 ? day.year + 1 : day.year, day.month % 12 + 1, 1};
  return base::LocalDayStart(base::DaysFromCivil(next), zone);
}

// Removes the store's own files from `dir` (not its snapshots), CURRENT first: a crash part
// way leaves files without CURRENT, which Engine::Open recognises and removes.
Status RemoveStoreFiles(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove(dir + "/CURRENT", error);
  if (error) return Status::IOError("clearing the views in " + dir + ": " + error.message());
  auto destroyed = rocksdb::DestroyDB(dir, ViewStoreOptions(dir));
  if (!destroyed.ok()) return FromRocks(destroyed, "clearing the views in " + dir);
  // Left empty, the folder went with the files.
  std::filesystem::create_directories(dir, error);
  return Status::Ok();
}

}  // namespace

class Engine::Impl {
 public:
  // `blocks`: the block cache `db` was opened with.
  Impl(ledger::Ledger* log, std::string dir, std::unique_ptr<rocksdb::DB> db,
       std::shared_ptr<rocksdb::Cache> blocks, EngineOptions options, base::SharedMutex* views_mu)
      : log_(log),
        dir_(std::move(dir)),
        options_(std::move(options)),
        blocks_(std::move(blocks)),
        views_mu_(views_mu),
        as_of_(log_, dir_, options_, &stop_, blocks_) {
    db_ = std::move(db);
    views_ = MakeViewSet();
  }

  ~Impl() {
    stop_ = true;
    bool followed = follower_.joinable();
    if (followed) follower_.join();
    base::MutexLock apply_lock(&apply_mu_);
    compactor_.Stop(db_.get());
    // A failure here leaves the store at its last checkpoint, which the next start redoes.
    if (crashed_) return;
    // The last appends before a clean stop may not have reached the follower: applied here, so
    // that the views are written at the head, when it is near (a stop does not wait out a long
    // catch-up; the next start finishes it).
    if (followed && log_->Head().seq - views_->position().seq <= options_.batch_events) {
      std::atomic<bool> go_on{false};
      (void)CatchUpLocked(go_on);
    }
    if (written_seq_ < views_->position().seq) (void)Flush();
    // Without a write-ahead log, a memtable flush asked for without waiting (see Flush) and
    // still queued at close is dropped: the store would reopen at an older checkpoint.
    if (db_) (void)db_->Flush(rocksdb::FlushOptions());
  }

  // Live views, their tables kept in the store.
  std::unique_ptr<ViewSet> MakeViewSet() const {
    ledger::Ledger* log = log_;
    auto views = std::make_unique<ViewSet>([log](uint64_t seq) { return log->Read(seq); });
    for (Projection* view : views->all()) {
      for (TableBase* table : view->tables())
        table->KeepInStore(&store_rows_, TablePrefix(*view, *table));
    }
    return views;
  }

  // While the store holds only what this catch-up wrote (from a cleared store to the head), the
  // tables take a key they never wrote as absent without reading the store (KeyFilter).
  void NoteWrittenKeys(bool note) REQUIRES(apply_mu_) {
    if (noting_written_keys_ == note) return;
    noting_written_keys_ = note;
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables()) {
        if (note) {
          table->NoteWrittenKeys();
        } else {
          table->StopNotingWrittenKeys();
        }
      }
    }
  }

  // Trims the tables kept in the store to the cache's budget, each in proportion to what it
  // holds. Under the views' exclusive lock: no reader holds a record.
  void TrimCache() REQUIRES(apply_mu_) { internal::TrimViews(*views_, options_.cache_bytes); }
  size_t CachedBytes() const REQUIRES(apply_mu_) { return internal::CachedBytesOf(*views_); }
  // Readers' failures to read the store back: their answers missed the records.
  void LogReadErrors() REQUIRES(apply_mu_) {
    if (std::string errors = TakeReadErrors(); !errors.empty()) {
      std::fprintf(stderr, "views %s: reading the store back failed: %s\n", dir_.c_str(),
                   errors.c_str());
    }
  }
  // The failures of the tables to read the store back since the last call, one line each.
  std::string TakeReadErrors() REQUIRES(apply_mu_) {
    std::string errors;
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables()) {
        std::string error = table->TakeReadError();
        if (!error.empty()) errors += (errors.empty() ? "" : "; ") + error;
      }
    }
    return errors;
  }

  // Loads the stored views, or decides to rebuild.
  Status Load() EXCLUDES(apply_mu_) {
    base::MutexLock apply_lock(&apply_mu_);
    std::string versions;
    auto s = db_->Get(rocksdb::ReadOptions(), kVersionsKey, &versions);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the view versions");
    std::string checkpoint;
    auto c = db_->Get(rocksdb::ReadOptions(), kCheckpointKey, &checkpoint);
    if (!c.ok() && !c.IsNotFound()) return FromRocks(c, "reading the view checkpoint");

    Position stored;
    if (c.ok()) stored = internal::DecodeCheckpoint(checkpoint).value_or(Position{});
    if (options_.rebuild) return ClearStore();
    bool same_versions = s.ok() && versions == VersionSignature(*views_);
    // Views ahead of the ledger (a ledger restored from an older backup) cannot be trusted.
    bool behind_ledger = stored.seq <= log_->Head().seq;
    if (!same_versions || !behind_ledger || stored.seq == 0) return ClearStore();

    // Nothing is loaded: the tables read their records back as they are asked for.
    views_->set_position(stored);
    // The month the stored views stand in, so that its end is seen when the next month begins.
    if (auto last = log_->Read(stored.seq); last.ok()) {
      month_ends_at_ = MonthEndAfter(last->event().getRecordedAt(), options_.zone);
    }
    auto snapshots = ListViewSnapshots(dir_);
    last_snapshot_seq_ = snapshots.empty() ? 0 : snapshots.back().seq;
    persisted_seq_ = stored.seq;
    written_seq_ = stored.seq;
    PublishApplied(stored);
    return Status::Ok();
  }

  // Forgets every stored view; the next catch-up replays from the first event. The store's
  // files are removed, not their records deleted: a deletion leaves the old records on the disk
  // until compaction reads and drops them, which cost a rebuild over existing views a fifth of
  // its time, and kept them in the first snapshot after it. CURRENT goes first, so that a crash
  // part way leaves no store rather than one missing files: the next open starts an empty
  // one, and rebuilds. The views' versions are written with the first records. A store that
  // cannot be created again (a full disk) is retried by the next write, as after a failed one.
  Status ClearStore() REQUIRES(apply_mu_) {
    // Readers read the store back (StoreRows): it goes while none does.
    base::WriterLock lock(views_mu_);
    compactor_.Stop(db_.get());
    db_.reset();
    internal::ForgetSnapshots(dir_);
    Status removed = RemoveStoreFiles(dir_);
    if (!removed.ok()) return removed;
    (void)ReopenStore();
    last_snapshot_seq_ = 0;
    month_ends_at_ = 0;
    views_ = MakeViewSet();
    noting_written_keys_ = false;  // of the set just replaced
    NoteWrittenKeys(true);
    persisted_seq_ = 0;
    written_seq_ = 0;
    store_empty_ = true;
    PublishApplied(Position{});
    return Status::Ok();
  }

  // Writes the views' changes with their checkpoint. Only the applier changes the views, and it
  // is here: writing only reads them, so it runs beside the readers, and the exclusive lock is
  // taken only to forget the written changes. A failed write (a full or read-only disk) closes
  // the store at once; the next flush reopens it. RocksDB takes no write after a failed one until
  // it recovers, and it may recover by itself with the failed batch missing or present: the
  // tables keep marking the changes until a write succeeds, so the next batch sends them again.
  // Until then the stored checkpoint is the last one whose records were all written.
  // `month_end` names the month that ends at the views' position, if one does: the write is
  // then followed by a month-end snapshot.
  Status Flush(const std::string& month_end = "") REQUIRES(apply_mu_) {
    if (options_.before_flush && !options_.before_flush()) {
      crashed_ = true;
      return Status::Unavailable("the engine stopped before writing its views (simulated crash)");
    }
    if (!db_ || reopen_) {
      Status reopened = ReopenBesideReaders();
      if (!reopened.ok()) return reopened;
    }
    // After a failed write into a cleared store, every record is still a change: the batch
    // through the memtable sends them all, and does not depend on the table files that failed.
    bool whole = store_empty_ && !last_write_failed_;
    // Many changes (a catch-up's, written at a month end) go straight to table files too.
    bool files = whole || (!last_write_failed_ && Changes() >= options_.file_write_records);
    Status written = files ? WriteFiles(whole) : WriteChanges();
    written_at_ = Clock::now();  // after a failure too: the next attempt waits write_interval
    last_write_failed_ = !written.ok();
    if (!written.ok()) {
      // Closed and opened again by the next write; till then, readers still read it back.
      reopen_ = true;
      return written;
    }
    {
      base::WriterLock lock(views_mu_);
      for (Projection* view : views_->all()) {
        for (TableBase* table : view->tables()) table->ForgetChanges();
      }
      TrimCache();
    }
    store_empty_ = false;
    written_seq_ = views_->position().seq;
    if (files) {
      persisted_seq_ = written_seq_;  // table files are on disk once taken in
    } else if (written_seq_ - persisted_seq_ >= options_.flush_events) {
      // Bounds the work a crash leaves to redo: the memtable would otherwise reach the disk only
      // when full, or at a clean close.
      rocksdb::FlushOptions flush;
      flush.wait = false;
      written = FromRocks(db_->Flush(flush), "writing the views to disk");
      persisted_seq_ = written_seq_;
    }
    if (written.ok()) MaybeSnapshot(month_end);
    return written;
  }

  // A snapshot for time travel once `snapshot_events` have been written since the last one. A
  // failure is logged and tried again at the next write: the live views do not depend on it.
  void MaybeSnapshot(const std::string& month_end) REQUIRES(apply_mu_) {
    if (!month_end.empty()) {
      Status taken = internal::TakeSnapshot(db_.get(), dir_, written_seq_, month_end);
      if (taken.ok()) {
        last_snapshot_seq_ = written_seq_;  // stands for an interval's snapshot too
        ++snapshots_taken_;
        internal::PruneSnapshots(dir_, options_.month_end_snapshots_kept, /*month_ends=*/true);
        return;
      }
      std::fprintf(stderr, "views %s: %s\n", dir_.c_str(), taken.ToString().c_str());
    }
    if (options_.snapshot_events == 0 || written_seq_ < last_snapshot_seq_ + snapshot_spacing_) {
      return;
    }
    Status taken = internal::TakeSnapshot(db_.get(), dir_, written_seq_);
    if (!taken.ok()) {
      std::fprintf(stderr, "views %s: %s\n", dir_.c_str(), taken.ToString().c_str());
      return;
    }
    last_snapshot_seq_ = written_seq_;
    ++snapshots_taken_;
    internal::PruneSnapshots(dir_, std::max<size_t>(options_.snapshots_kept, 1));
  }

  // The records changed since the last successful write, in one batch with the checkpoint.
  Status WriteChanges() REQUIRES(apply_mu_) {
    rocksdb::WriteBatch batch;
    BatchSink sink(&batch);
    if (store_empty_) batch.Put(kVersionsKey, VersionSignature(*views_));
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables())
        table->WriteChanges(TablePrefix(*view, *table), &sink);
    }
    batch.Put(kCheckpointKey, CheckpointValue());
    return FromRocks(db_->Write(ViewWriteOptions(), &batch), "writing the views");
  }

  std::string CheckpointValue() const REQUIRES(apply_mu_) {
    return internal::EncodeCheckpoint(views_->position());
  }

  size_t Changes() const REQUIRES(apply_mu_) {
    size_t changes = 0;
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables()) changes += table->changes();
    }
    return changes;
  }

  // Records straight into table files, sorted, that the store takes in at once: every record
  // (`whole`: the first write into a cleared store, a rebuild's), or the changes (many of them,
  // as a catch-up writes at a month end). This skips sorting and copying them all through the
  // memtable, and flushing it before a snapshot; the checkpoint is in the first file, and one
  // ingestion takes all the files or none, so the records and the checkpoint arrive together.
  // Table files are the newest data once taken in, so deletions in them hide older records.
  // The tables are split in two runs of consecutive keys, written on two threads.
  Status WriteFiles(bool whole) REQUIRES(apply_mu_) {
    std::vector<std::pair<std::string, TableBase*>> tables;
    for (Projection* view : views_->all()) {
      for (TableBase* table : view->tables())
        tables.emplace_back(TablePrefix(*view, *table), table);
    }
    // Keys ascend: the checkpoint and the versions ("m/") before the records ("v/"), tables by
    // prefix.
    std::sort(tables.begin(), tables.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    auto rows = [whole](const TableBase* table) {
      return whole ? table->size() : table->changes();
    };
    size_t total_rows = 0;
    for (const auto& entry : tables) total_rows += rows(entry.second);
    size_t split = 0;
    for (size_t n = 0; split < tables.size() && 2 * n < total_rows; ++split) {
      n += rows(tables[split].second);
    }
    std::string base =
        dir_ + (whole ? "/rebuilt-" : "/changes-") + std::to_string(views_->position().seq);
    std::vector<std::string> paths = {base + "-1.sst", base + "-2.sst"};
    // Read here, under apply_mu_: the writers below run on two threads while this one waits.
    const std::string checkpoint = CheckpointValue();
    const std::string versions = whole ? VersionSignature(*views_) : "";
    auto write = [&](size_t part, size_t from, size_t to) -> rocksdb::Status {
      rocksdb::SstFileWriter file(rocksdb::EnvOptions(), ViewStoreOptions(dir_));
      rocksdb::Status s = file.Open(paths[part]);
      if (!s.ok()) return s;
      FileSink sink(&file);
      if (part == 0) {
        sink.Put(kCheckpointKey, checkpoint);
        if (whole) sink.Put(kVersionsKey, versions);
      }
      for (size_t i = from; i < to; ++i) {
        if (whole) {
          tables[i].second->WriteWhole(tables[i].first, &sink);
        } else {
          tables[i].second->WriteChanges(tables[i].first, &sink);
        }
      }
      if (!sink.status().ok()) return sink.status();
      return file.Finish();
    };
    std::vector<std::string> written = {paths[0]};
    rocksdb::Status s;
    if (split < tables.size()) {
      written.push_back(paths[1]);
      auto second = std::async(std::launch::async, write, 1, split, tables.size());
      s = write(0, 0, split);
      rocksdb::Status s2 = second.get();
      if (s.ok()) s = s2;
    } else {
      s = write(0, 0, tables.size());
    }
    if (s.ok()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;
      s = db_->IngestExternalFile(written, ingest);
      if (s.ok()) levels_unchecked_ = true;
    }
    for (const auto& path : written) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
    return FromRocks(s, whole ? "writing the rebuilt views" : "writing the views");
  }

  // Whether the month that ends at `at` is kept. Each costs a write of the views and a flush of
  // the store's memtable, which following live is nothing, but which a rebuild would pay at
  // every month of the past: a catch-up further than `snapshot_events` from `head` keeps a month
  // end only once that many events passed since the last snapshot, then every one.
  bool KeepMonthEnd(uint64_t at, uint64_t head) const REQUIRES(apply_mu_) {
    uint64_t spacing = options_.snapshot_events;
    return spacing == 0 || at + spacing >= head || at - last_snapshot_seq_ >= spacing;
  }

  // Events between two snapshots, for a log of `head` events: `snapshot_events`, or more once
  // `snapshots_kept` of them would not cover the history, so that a rebuild takes about as many
  // as are kept rather than thinning out most of what it took.
  uint64_t SnapshotSpacing(uint64_t head) const {
    return std::max<uint64_t>(options_.snapshot_events,
                              head / std::max<size_t>(options_.snapshots_kept, 1));
  }

  // How many of `events` to apply before the next snapshot is due, so that one is taken every
  // snapshot_spacing_ through the whole history, a rebuild's included: time travel then never
  // replays more than that from one (about twice that once thinned: PruneSnapshots). All of
  // them when none is due within them, or when one due could not be taken (it is tried again
  // at each later write).
  size_t SnapshotRun(std::span<const ledger::RecordedEvent> events) const REQUIRES(apply_mu_) {
    if (options_.snapshot_events == 0) return events.size();
    uint64_t at = views_->position().seq;
    uint64_t due = last_snapshot_seq_ + snapshot_spacing_;
    if (due <= at) return events.size();
    return static_cast<size_t>(std::min<uint64_t>(events.size(), due - at));
  }

  // Whether the views stand where SnapshotRun stopped: a write then takes the snapshot. Only
  // there, so that one that fails does not turn every later commit into a write.
  bool AtSnapshotDue() const REQUIRES(apply_mu_) {
    return options_.snapshot_events != 0 &&
           views_->position().seq == last_snapshot_seq_ + snapshot_spacing_;
  }

  // How many of `events` (not empty) belong to the month of the views' position: all of them
  // when month-end snapshots are not kept.
  size_t MonthRun(std::span<const ledger::RecordedEvent> events) REQUIRES(apply_mu_) {
    if (options_.month_end_snapshots_kept == 0) return events.size();
    if (month_ends_at_ == 0) {  // the first event: no month ended before it
      month_ends_at_ = MonthEndAfter(events[0].event().getRecordedAt(), options_.zone);
    }
    size_t run = 0;
    while (run < events.size() && events[run].event().getRecordedAt() < month_ends_at_) ++run;
    return run;
  }

  Status ReopenStore() REQUIRES(apply_mu_) {
    compactor_.Stop(db_.get());
    db_.reset();
    held_back_trigger_ = 0;  // a store opens with its usual options
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(ViewStoreOptions(dir_, blocks_), dir_, &raw);
    if (!s.ok()) return FromRocks(s, "reopening the views in " + dir_);
    db_.reset(raw);
    return Status::Ok();
  }

  // Closes the store and opens it again (after a failed write, or a failed reopen) while no
  // reader reads it back (see StoreRows).
  Status ReopenBesideReaders() REQUIRES(apply_mu_) {
    base::WriterLock lock(views_mu_);
    Status reopened = ReopenStore();
    if (reopened.ok()) reopen_ = false;
    return reopened;
  }

  Status CatchUp() EXCLUDES(apply_mu_) {
    base::MutexLock apply_lock(&apply_mu_);
    return CatchUpLocked(stop_);
  }

  // Applies up to the ledger's head, unless `stop` is set.
  Status CatchUpLocked(const std::atomic<bool>& stop) REQUIRES(apply_mu_) {
    if (crashed_) return Status::Unavailable("the engine stopped after a simulated crash");
    uint64_t head = log_->Head().seq;
    snapshot_spacing_ = SnapshotSpacing(head);
    uint64_t flushed = views_->position().seq;
    if (flushed >= head) {
      NoteWrittenKeys(false);
      // Caught up: write what the last commits brought once the interval has passed.
      if (written_seq_ < flushed && Clock::now() - written_at_ >= options_.write_interval) {
        return Flush();
      }
      // Idle: what readers read back goes once they are done.
      if (CachedBytes() > options_.cache_bytes) {
        base::WriterLock lock(views_mu_);
        TrimCache();
      }
      LogReadErrors();
      return Status::Ok();
    }
    // The store could not be opened again after a failed write: nothing is applied, as a
    // record that is not in memory could not be read back.
    if (!db_) {
      Status reopened = ReopenBesideReaders();
      if (!reopened.ok()) return reopened;
    }
    // Views that cannot be written are still applied and served from memory; the write is
    // retried as any unwritten views are, and its error returned meanwhile.
    Status unwritten;
    const bool far =
        head - flushed >= std::max<uint64_t>(snapshot_spacing_, options_.file_write_records);
    if (far) HoldBackCompactions();
    Status replayed = internal::ReplayLog(
        log_, flushed + 1, head, options_.batch_events, stop,
        [&](const internal::EventBatch& events) -> Result<bool> {
          apply_mu_.AssertHeld();  // by CatchUp, which runs this replay
          // Applied a month at a time, so that the views are written and kept as they stand at
          // each month's end.
          std::span<const ledger::RecordedEvent> rest(events);
          while (!rest.empty()) {
            size_t month_run = MonthRun(rest);
            size_t run = std::min(month_run, SnapshotRun(rest));
            std::string errors;
            if (run > 0) {
              base::WriterLock lock(views_mu_);
              LogReadErrors();  // readers'
              Status applied = views_->ApplyBatch(rest.first(run));
              if (!applied.ok()) return applied;
              errors = TakeReadErrors();
            }
            // A record the applier could not read back was taken as absent, and the views
            // went wrong from there: they are rebuilt.
            if (!errors.empty()) {
              (void)ClearStore();
              return Status::IOError(
                  "the views could not read their store back, and are "
                  "rebuilt from the first event: " +
                  errors);
            }
            uint64_t at = views_->position().seq;
            std::string month_end;
            if (run == month_run && run < rest.size()) {  // rest[run] begins a later month
              if (KeepMonthEnd(at, head)) {
                month_end = base::LocalMonth(month_ends_at_ - 1, options_.zone);
              }
              month_ends_at_ = MonthEndAfter(rest[run].event().getRecordedAt(), options_.zone);
            }
            bool at_head = at >= head && Clock::now() - written_at_ >= options_.write_interval;
            if (unwritten.ok() && (!month_end.empty() || AtSnapshotDue() || at_head ||
                                   at - flushed >= options_.flush_events)) {
              Status written = Flush(month_end);  // beside the readers: see Flush
              if (crashed_) return written;
              if (written.ok()) {
                flushed = at;
              } else {
                unwritten = written;
              }
            }
            rest = rest.subspan(run);
          }
          PublishApplied(views_->position());
          if (options_.progress) options_.progress(views_->position().seq, head);
          return true;
        });
    return replayed.ok() ? unwritten : replayed;
  }

  // A catch-up from far (a rebuild's) writes its changes as table files at every snapshot, and
  // each lands on level 0 once the levels below hold keys of its range. RocksDB compacts level 0
  // into level 1 every four files by default, which rewrote the store's first level again and
  // again as the catch-up went: a fifth of a rebuild's CPU on the 1M-event district, and the
  // snapshots taken after each rewrite kept it (they are hard links), so that the store and its
  // snapshots held 316 MB against the store's own 118. While catching up from far, level 0 may
  // gather kLevel0FilesCatchingUp files before a compaction starts: few enough that a record
  // read back still probes a bounded number of files. Once caught up, the follower compacts the
  // whole store once (CompactIfSpread); a one-off command (`ledgerctl rebuild`) leaves that to
  // the next ledgerd, whose store opens with the usual options.
  void HoldBackCompactions() REQUIRES(apply_mu_) {
    if (!db_ || held_back_trigger_ > 0) return;
    int trigger = db_->GetOptions().level0_file_num_compaction_trigger;
    if (trigger >= kLevel0FilesCatchingUp) return;
    SetLevel0Trigger(kLevel0FilesCatchingUp);
    held_back_trigger_ = trigger;
  }

  // Level 0 compacted as usual again, once caught up.
  void ResumeCompactions() REQUIRES(apply_mu_) {
    if (held_back_trigger_ == 0) return;
    SetLevel0Trigger(held_back_trigger_);
    held_back_trigger_ = 0;
  }

  void SetLevel0Trigger(int files) REQUIRES(apply_mu_) {
    if (!db_) return;
    rocksdb::Status s =
        db_->SetOptions({{"level0_file_num_compaction_trigger", std::to_string(files)}});
    // Compactions only come sooner or later: the views do not depend on it.
    if (!s.ok()) std::fprintf(stderr, "views %s: %s\n", dir_.c_str(), s.ToString().c_str());
  }

  void StartFollowing() {
    if (follower_.joinable()) return;
    follower_ = std::thread([this] {
      while (!stop_) {
        Status s = CatchUp();
        NoteFollowing(s);
        if (s.ok()) CompactIfSpread();
        if (!s.ok()) {
          if (crashed_) return;
          // A store that cannot be written is tried again after a pause, not in a busy loop.
          for (int i = 0; i < 20 && !stop_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          continue;
        }
        // Woken by the ledger's writer on every commit; the timeout only bounds how long a
        // shutdown waits.
        log_->WaitForHeadAbove(Applied().seq, std::chrono::milliseconds(200));
      }
    });
  }

  // Following, once caught up: a catch-up that wrote table files left them on many levels of
  // the store, which are compacted in the background. Only a following engine (ledgerd's)
  // does: a one-off command would stop the compaction as it closes.
  void CompactIfSpread() EXCLUDES(apply_mu_) {
    base::MutexLock apply_lock(&apply_mu_);
    ResumeCompactions();
    if (levels_unchecked_ && db_ && compactor_.MaybeStart(db_.get())) levels_unchecked_ = false;
  }

  // Counts and logs the outcome of one attempt of the follower to catch up.
  void NoteFollowing(const Status& s) EXCLUDES(health_mu_) {
    base::MutexLock lock(&health_mu_);
    if (s.ok()) {
      if (!health_.failing) return;
      health_.failing = false;
      ++health_.recoveries;
      std::fprintf(stderr, "views %s: caught up again after %llu failed attempts\n", dir_.c_str(),
                   static_cast<unsigned long long>(failing_run_));
      failing_run_ = 0;
      return;
    }
    std::string error = s.ToString();
    ++health_.failures;
    ++failing_run_;
    if (!health_.failing || error != health_.last_error) {
      std::fprintf(stderr, "views %s: catching up failed, trying again each second: %s\n",
                   dir_.c_str(), error.c_str());
    }
    health_.failing = true;
    health_.last_error = std::move(error);
  }

  FollowerHealth Following() const EXCLUDES(health_mu_) {
    base::MutexLock lock(&health_mu_);
    return health_;
  }

  size_t Waiting() const { return waiters_.Waiting(); }

  void PublishApplied(const Position& position) { waiters_.Publish(position); }

  void WhenApplied(uint64_t seq, std::chrono::milliseconds timeout, const void* owner,
                   std::function<void(bool)> done) {
    waiters_.WhenApplied(seq, timeout, owner, std::move(done));
  }

  void CancelWaiters(const void* owner) { waiters_.Cancel(owner); }

  Position Applied() const { return waiters_.Applied(); }

  Status WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const {
    Position reached = waiters_.WaitFor(seq, timeout);
    if (reached.seq >= seq) return Status::Ok();
    uint64_t head = log_->Head().seq;
    return Status::Timeout("the views have applied up to position " + std::to_string(reached.seq) +
                           ", not " + std::to_string(seq) + ", after waiting " +
                           std::to_string(timeout.count()) +
                           " ms (ledger head: " + std::to_string(head) + ")");
  }

  Status Rebuild() EXCLUDES(apply_mu_) {
    {
      base::MutexLock apply_lock(&apply_mu_);
      Status s = ClearStore();
      if (!s.ok()) return s;
    }
    return CatchUp();
  }

  // For readers: they hold Engine::views_mu_ shared, and the views change, or are replaced,
  // only while the applier holds it exclusively (as well as apply_mu_). That "either lock"
  // rule is beyond what the analysis can state, hence the exemption on these two alone.
  const ViewSet* views() const NO_THREAD_SAFETY_ANALYSIS { return views_.get(); }

  std::vector<std::pair<std::string, std::string>> Dump() const { return DumpViews(*views()); }

  TimeTravelStats TimeTravel() const {
    TimeTravelStats stats = as_of_.Stats();
    stats.snapshots_taken = snapshots_taken_;
    return stats;
  }

  Result<std::shared_ptr<const ViewSet>> AsOf(uint64_t seq, const std::string& asker) {
    return as_of_.AsOf(seq, asker);
  }

  StoreLayout Layout() EXCLUDES(apply_mu_) {
    base::MutexLock apply_lock(&apply_mu_);
    StoreLayout layout;
    if (db_) layout.levels = internal::LevelsWithFiles(db_.get());
    layout.compactions = compactor_.finished();
    return layout;
  }

 private:
  ledger::Ledger* const log_;
  const std::string dir_;
  const EngineOptions options_;
  // The store's block cache, shared with the snapshots time travel reads.
  const std::shared_ptr<rocksdb::Cache> blocks_;
  base::SharedMutex* const views_mu_;  // Engine's: readers hold it shared

  // One applier at a time: the follower, CatchUp, Rebuild, Load, and the last flush at close.
  base::Mutex apply_mu_;
  // Null after a failed write, until the next flush reopens it.
  std::unique_ptr<rocksdb::DB> db_ GUARDED_BY(apply_mu_);
  // The last write failed: the next one reopens the store, and goes through the memtable.
  bool reopen_ GUARDED_BY(apply_mu_) = false;
  bool last_write_failed_ GUARDED_BY(apply_mu_) = false;
  // Cleared, and nothing written since: the next write sends every record at once.
  bool store_empty_ GUARDED_BY(apply_mu_) = false;
  // The tables note the keys they write (NoteWrittenKeys).
  bool noting_written_keys_ GUARDED_BY(apply_mu_) = false;
  StoreRows store_rows_{&db_};
  // The live views. Changed and replaced with apply_mu_ and *views_mu_ (exclusively) held.
  std::unique_ptr<ViewSet> views_ GUARDED_BY(apply_mu_);
  // The position when a memtable flush was last asked for.
  uint64_t persisted_seq_ GUARDED_BY(apply_mu_) = 0;
  // The position of the last views written to the store.
  uint64_t written_seq_ GUARDED_BY(apply_mu_) = 0;
  Clock::time_point written_at_ GUARDED_BY(apply_mu_);
  // When the month of the views' position ends (0: not known yet).
  int64_t month_ends_at_ GUARDED_BY(apply_mu_) = 0;
  // Level-0 files a catch-up from far lets the store gather before compacting them (see
  // HoldBackCompactions); under RocksDB's level0_slowdown_writes_trigger (20), which must not be
  // below it.
  static constexpr int kLevel0FilesCatchingUp = 16;
  // The store's own trigger while a catch-up from far holds it back (0: not held back).
  int held_back_trigger_ GUARDED_BY(apply_mu_) = 0;

  // The position of the newest snapshot of the store (0: none).
  uint64_t last_snapshot_seq_ GUARDED_BY(apply_mu_) = 0;
  // SnapshotSpacing, set at each catch-up.
  uint64_t snapshot_spacing_ GUARDED_BY(apply_mu_) = options_.snapshot_events;
  std::atomic<uint64_t> snapshots_taken_{0};
  // Whether the store's levels are to be looked at once caught up: after table files were
  // taken in, and once opened (a rebuild by another process leaves them spread).
  bool levels_unchecked_ GUARDED_BY(apply_mu_) = true;
  internal::StoreCompactor compactor_{dir_};

  std::atomic<bool> stop_{false};
  std::atomic<bool> crashed_{false};
  std::thread follower_;  // started once, joined by the destructor

  mutable base::Mutex health_mu_;
  FollowerHealth health_ GUARDED_BY(health_mu_);
  uint64_t failing_run_ GUARDED_BY(health_mu_) = 0;  // failures in a row

  internal::AppliedWaiters waiters_;

  // Time travel: views as of earlier positions, built apart from the live ones.
  internal::AsOfBuilder as_of_;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Open(ledger::Ledger* log, const std::string& dir,
                                             EngineOptions options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IOError("cannot create " + dir + ": " + error.message());
  // A store without CURRENT but with files of its own is a clear (Impl::ClearStore) that
  // stopped part way: RocksDB would refuse to create a store beside them, so it is finished.
  if (!std::filesystem::exists(dir + "/CURRENT", error) && !error) {
    bool leftovers = false;
    for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
         it.increment(error)) {
      leftovers = leftovers || it->path().filename() != "snapshots";
    }
    if (leftovers) {
      Status removed = RemoveStoreFiles(dir);
      if (!removed.ok()) return removed;
    }
  }
  rocksdb::DB* raw = nullptr;
  std::shared_ptr<rocksdb::Cache> blocks = internal::NewViewBlockCache();
  auto s = rocksdb::DB::Open(ViewStoreOptions(dir, blocks), dir, &raw);
  if (!s.ok()) return FromRocks(s, "opening the views in " + dir);
  std::unique_ptr<Engine> engine(new Engine(nullptr));
  engine->impl_ = std::make_unique<Impl>(log, dir, std::unique_ptr<rocksdb::DB>(raw),
                                         std::move(blocks), std::move(options), &engine->views_mu_);
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
void Engine::WhenApplied(uint64_t seq, std::chrono::milliseconds timeout, const void* owner,
                         std::function<void(bool)> done) {
  impl_->WhenApplied(seq, timeout, owner, std::move(done));
}
void Engine::CancelWaiters(const void* owner) { impl_->CancelWaiters(owner); }
size_t Engine::waiting() const { return impl_->Waiting(); }
FollowerHealth Engine::Following() const { return impl_->Following(); }
Status Engine::Rebuild() { return impl_->Rebuild(); }
Result<std::shared_ptr<const ViewSet>> Engine::AsOf(uint64_t seq, const std::string& asker) {
  return impl_->AsOf(seq, asker);
}
TimeTravelStats Engine::TimeTravel() const { return impl_->TimeTravel(); }
StoreLayout Engine::Layout() const { return impl_->Layout(); }

std::vector<std::pair<std::string, std::string>> DumpViews(const ViewSet& views) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Projection* view : views.applied()) {
    for (const TableBase* table : view->tables()) {
      for (auto& [key, bytes] : table->Dump()) {
        out.emplace_back(std::string(view->name()) + "/" + table->name() + "/" + key,
                         std::move(bytes));
      }
    }
  }
  return out;
}

size_t Engine::CachedBytes() const {
  base::ReaderLock lock(&views_mu_);
  return internal::CachedBytesOf(*current_views());
}

std::vector<std::pair<std::string, std::string>> Engine::Dump() const {
  base::ReaderLock lock(&views_mu_);
  return impl_->Dump();
}

}  // namespace projections
