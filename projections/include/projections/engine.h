// The projection engine: keeps the views caught up with the ledger, persists them, answers
// "at least position N", rebuilds, and computes views as of an earlier position.
//
//   auto engine = projections::Engine::Open(log.get(), "var/views", {});
//   (*engine)->StartFollowing();                   // catch up, then follow new appends live
//   (*engine)->WaitFor(appended.head.seq, 2s);     // read your writes
//   (*engine)->Read([&](const ViewSet& views) { views.complaints.Query(filter, out); });
//
// Views and their checkpoint are written in one RocksDB WriteBatch, in a store of their own
// beside the ledger. A crash loses only work that is redone from the checkpoint; no event is ever
// applied twice or skipped. When any view's version differs from the stored
// one, every view is rebuilt from the first event, because a correction read during replay must
// see the views as they were at that point.
//
// An Engine is safe for concurrent use: one thread applies, any number read.

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/civil_time.h"
#include "base/mutex.h"
#include "ledger/ledger.h"
#include "projections/view_set.h"

namespace projections {

struct EngineOptions {
  // Events read from the log at a time.
  size_t batch_events = 16384;
  // Events applied between two writes of the views while catching up; once caught up, every
  // commit of the ledger is written through. Rewriting the views is the dominant cost of a
  // rebuild, so a long replay writes them rarely: a crash then redoes more, never less.
  size_t flush_events = 1 << 20;
  // A write of this many changed records or more goes straight to table files that the store
  // takes in, rather than through its memtable: a catch-up's writes at month ends, where the
  // memtable path took twice as long, and then had to be flushed for the snapshot. Following
  // live, a write holds a few hundred.
  size_t file_write_records = 16384;
  // Once caught up, the views are written at most this often rather than after every commit of
  // the ledger: a write costs more than applying the handful of events one commit brings. What
  // is not yet written is written at a clean close, and redone from the ledger after a crash.
  std::chrono::milliseconds write_interval{200};
  // Called with (applied, head) during catch-up and rebuilds.
  ledger::Progress progress;
  // Start from the first event without loading the stored views (which are cleared): for an
  // explicit rebuild, which would throw them away anyway.
  bool rebuild = false;
  // Time travel (AsOf): how many view sets of earlier positions are kept for reuse, and how
  // many distinct positions may be computed at once (another is refused with Unavailable).
  // A view set started from a snapshot holds what its replay changed and what its readers read
  // back from the snapshot; one replayed from the first event (no snapshot before its position)
  // holds every view. One is kept: at ten million events a set holds about 130 MiB (the
  // snapshot's index and filters, what its replay changed, what it read back), and a build
  // takes the place of the set kept as it starts, so that at most one set and one build are
  // held (a request holding a set keeps it until it is answered).
  size_t as_of_cache = 1;
  size_t as_of_builds = 1;
  // What one such set may hold of the records it read back from its snapshot, unchanged: they
  // are dropped, least recently read first, as its replay goes and once it is built (they can
  // be read back again). What the replay changed stays: it is the set's difference from the
  // snapshot. (ledgerd's allocator hands the memory a set frees back to the system:
  // tools/allocator_settings.cc.)
  size_t as_of_cache_bytes = size_t{32} << 20;
  // Time travel starts from the nearest snapshot of the view store at or before the position
  // asked for and replays only the events after it. A snapshot is a RocksDB checkpoint in
  // DIR/snapshots/ (hard links to the store's table files: it costs disk only as the store moves
  // on, up to a copy of the views each). One is taken every `snapshot_events` (0: none) through
  // the whole history, a rebuild's too, or every history / `snapshots_kept` once that is more.
  // `snapshots_kept` are kept, spread over the history: beyond that, the one whose neighbours
  // are nearest each other goes, so a replay is at most about 2 * history / snapshots_kept.
  // 200 rather than 100 halves the longest replay at ten million events for about two fifths
  // more disk under the views (at 10M: 13.0 GB against 9.5, time travel's p99 about 1 s against
  // 1.3); below 5M events they are one every `snapshot_events` either way.
  uint64_t snapshot_events = 50000;
  size_t snapshots_kept = 200;
  // And at every month end: the views as of the last event recorded in a month, in `zone` (the
  // district's, in which the views count days and months), taken when the first event of a
  // later month is applied. The newest `month_end_snapshots_kept` are kept (0: none taken),
  // apart from the ones above: time travel to a month's end replays nothing.
  size_t month_end_snapshots_kept = 24;
  base::TimeZone zone = base::TimeZone::China();
  // The views keep their records (and orderings) in the store, and in memory only the records
  // changed since the last write and a cache of others, read back from the store: the cache is
  // trimmed to about this many bytes after each write, and while idle. The records a query
  // reads stay in memory until it ends; a report that folds a whole table into figures streams
  // it instead (Table::Stream), holding one record at a time.
  size_t cache_bytes = size_t{256} << 20;
  // For tests: called before each flush; returning false simulates a crash at that point (the
  // batch is not written and the engine stops applying).
  std::function<bool()> before_flush;
  // For tests: called as a build for time travel starts (with its position), on its thread.
  std::function<void(uint64_t)> before_as_of_build;
};

// One snapshot of the view store (see EngineOptions::snapshot_events).
struct ViewSnapshot {
  uint64_t seq = 0;    // the position its views reflect
  std::string month;   // "YYYY-MM" for the snapshot at that month's end, else empty
  std::string path;    // its folder
  uint64_t bytes = 0;  // the size of its files, most of them shared with the store by hard links
};

// What time travel has cost since the engine opened (see Engine::AsOf).
struct TimeTravelStats {
  uint64_t builds = 0;           // view sets built for an earlier position
  uint64_t from_snapshot = 0;    // of them, started from a snapshot
  uint64_t events_replayed = 0;  // events applied by all of them
  uint64_t snapshots_taken = 0;  // snapshots of the view store taken
};

// How the thread that follows the ledger is doing (see Engine::Following). A follower that keeps
// failing (its store full, say) goes on trying once a second; this is how it is seen.
struct FollowerHealth {
  bool failing = false;     // the last attempt to catch up failed
  uint64_t failures = 0;    // failed attempts since the engine opened
  uint64_t recoveries = 0;  // times an attempt succeeded after one failed
  std::string last_error;   // the most recent failure, kept after a recovery; empty if none
};

// How the view store's table files lie. A catch-up that writes table files spreads them over
// many levels, each of which a reader's seek must look into; once caught up, the engine
// compacts them on a thread of its own (logged to stderr) while readers go on.
struct StoreLayout {
  int levels = 0;            // levels holding files (0: the store is closed, or empty)
  uint64_t compactions = 0;  // compactions of the whole store finished since the engine opened
};

class Engine {
 public:
  // Opens (creating if absent) the view store in `dir` and loads the views from it. Rebuilds
  // from the first event if the stored views are of other versions, or ahead of the ledger.
  static ledger::Result<std::unique_ptr<Engine>> Open(ledger::Ledger* log, const std::string& dir,
                                                      EngineOptions options);
  // Stops following and closes the store, writing to disk what is not there yet.
  ~Engine();

  // Applies everything up to the ledger's head on the calling thread.
  ledger::Status CatchUp();

  // Starts a thread that catches up and then applies new appends as the ledger's writer commits
  // them. Safe to call once.
  void StartFollowing();

  // The position the live views reflect.
  ledger::Position Applied() const;

  // Waits until the live views have applied `seq`. Timeout names both positions.
  ledger::Status WaitFor(uint64_t seq, std::chrono::milliseconds timeout) const;

  // Without blocking: calls `done(true)` once the live views have applied `seq`, or `done(false)`
  // once `timeout` passes first. It runs on the thread that applied the events or on the
  // engine's one timer thread, so it must be short (hand the work on); when `seq` is applied
  // already it runs on the calling thread before WhenApplied returns. `owner` groups callbacks
  // for CancelWaiters. Waiting costs no thread: a waiter is an entry in a list.
  void WhenApplied(uint64_t seq, std::chrono::milliseconds timeout, const void* owner,
                   std::function<void(bool reached)> done);

  // Callbacks given to WhenApplied that are still waiting.
  size_t waiting() const;

  // The follower's failures: also logged to stderr, once when it starts failing or fails
  // differently, and once when it recovers.
  FollowerHealth Following() const;

  // Forgets every waiting callback of `owner`, and returns once none of them is running: after
  // it, none is called.
  void CancelWaiters(const void* owner);

  // Runs `read` with the live views under a shared lock.
  template <class F>
  auto Read(F&& read) const {
    base::ReaderLock lock(&views_mu_);
    return read(*current_views());
  }

  // Clears every view and applies the whole log again, showing progress.
  ledger::Status Rebuild();

  // A new, unpersisted set of views as of `seq` (clamped to the head), built from the nearest
  // snapshot at or before it (or from the first event without one) by replaying the log from
  // there to `seq`, without the audit index (read the live one up to `seq` instead: see
  // ViewSet::AuditIndexing). The live views are untouched. Requests for one position share one
  // build (and a cache of EngineOptions::as_of_cache); Unavailable when EngineOptions::as_of_builds
  // other positions are being built. Who builds next then: the askers refused meanwhile, in turn,
  // before one asking again (see projections/as_of_turns.h); `asker` names the asker (the HTTP
  // API passes the token).
  ledger::Result<std::shared_ptr<const ViewSet>> AsOf(uint64_t seq, const std::string& asker = "");

  // What time travel has cost so far.
  TimeTravelStats TimeTravel() const;
  // How the view store's files lie now.
  StoreLayout Layout() const;

  // Bytes of view records held in memory that are as stored, roughly: the cache that
  // EngineOptions::cache_bytes bounds (records changed since the last write come on top).
  size_t CachedBytes() const;

  // Every stored record of every view, sorted, as (view/table/key, bytes): for comparing a live
  // build with a rebuild.
  std::vector<std::pair<std::string, std::string>> Dump() const;

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  const ViewSet* current_views() const;
  std::unique_ptr<Impl> impl_;
  // Held shared by readers, exclusively while events are applied or the views replaced.
  mutable base::SharedMutex views_mu_;
};

// The view store in `dir`, read while no Engine has it open: the position its views were last
// written at; NotFound if none was written, IOError if the store cannot be opened. For tools
// that check a data folder from outside: an Engine, once open, has already discarded a
// checkpoint ahead of the ledger.
ledger::Result<ledger::Position> ReadStoredCheckpoint(const std::string& dir);

// The snapshots of the view store in `dir`, oldest first; none if it has none. For
// `ledgerctl stats`, and for the engine itself.
std::vector<ViewSnapshot> ListViewSnapshots(const std::string& dir);

// Every stored record of the views `views` applies (a set built for time travel leaves the audit
// index out), sorted, as Engine::Dump gives the live ones.
std::vector<std::pair<std::string, std::string>> DumpViews(const ViewSet& views);

// Writes the versions signature ("complaints:3;registers:2;...") the stored views in `dir` (not
// open in an Engine) say they were written by: a signature other than the running views' makes
// the next Engine::Open rebuild them from the first event. For tests and upgrade drills.
ledger::Status OverwriteStoredVersions(const std::string& dir, const std::string& signature);

}  // namespace projections
