// The ledger's writer (ledger_writer.h): everything in this file but the constructor, Enqueue and
// the destructor runs on the writer thread, or in Open before that thread starts.

#include "ledger_writer.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>

#include "ledger/rocks.h"
#include "record.h"

namespace ledger::internal {
namespace {

std::optional<CorrectedEvent> AsCorrected(const std::optional<RecordedEvent>& e) {
  if (!e) return std::nullopt;
  return CorrectedEvent{e->seq(), e->event()};
}

std::string_view BytesOf(const kj::Array<capnp::word>& words) {
  auto bytes = words.asBytes();
  return std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace

// What an event id resolved to: where it was stored, and its canonical words to compare a retry
// with (the group's words while the event is in this group, the stored ones once committed).
struct LedgerWriter::IdLocation {
  uint64_t seq;
  uint64_t version;
  std::string stream;
  std::string actor;
  std::string words;  // canonical bytes with the writer's stamps
};

// One group commit in the making: the batch, and where the log will be once it is written.
struct LedgerWriter::Group {
  Group(const Store& store, uint64_t head_seq, const Hash& head_hash, int64_t recorded_ms,
        const TreeWriter& head_tree)
      : seq(head_seq),
        hash(head_hash),
        recorded(recorded_ms),
        facts(store.db.get(), store.facts()),
        tree(head_tree) {}

  rocksdb::WriteBatch batch;
  uint64_t seq;
  Hash hash;
  int64_t recorded;
  std::unordered_map<std::string, uint64_t> versions;
  std::unordered_map<std::string, IdLocation> ids;
  FactOverlay facts;
  // Outcomes are delivered only after the batch is durable (or has failed).
  std::vector<std::pair<PendingAppend*, Result<AppendResult>>> outcomes;
  std::string record;
  // The tree grows in the same batch; kept only if the batch is written.
  TreeWriter tree;
  Status hashing;
};

LedgerWriter::LedgerWriter(std::string dir, const Options& options, const EventLayout& layout,
                           SharedStore* store, PublishedHead* head, HealthMonitor* health)
    : dir_(std::move(dir)),
      options_(options),
      layout_(layout),
      store_(store),
      head_(head),
      health_(health) {}

LedgerWriter::~LedgerWriter() {
  {
    base::MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  queue_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

Status LedgerWriter::LoadHead() {
  Store* store = store_->OwnedByWriter();
  auto stored = ReadStoredHead(*store);
  if (!stored.ok()) return stored.status();
  head_seq_ = stored->position.seq;
  head_hash_ = stored->position.hash;
  last_recorded_ = std::max(last_recorded_, stored->recorded_ms);
  head_->Publish(Position{head_seq_, head_hash_});
  return Status::Ok();
}

Status LedgerWriter::CatchUp() {
  Store* store = store_->OwnedByWriter();
  Status learned = CatchUpFacts(*store, dir_, options_.sync, head_seq_, *head_);
  if (!learned.ok()) return learned;
  auto built = CatchUpTree(*store, dir_, options_.sync, head_seq_);
  if (!built.ok()) return built.status();
  tree_ = std::move(built).value();
  return Status::Ok();
}

Status LedgerWriter::LoadTree() {
  Store* store = store_->OwnedByWriter();
  auto loaded = TreeWriter::Load(store->db.get(), store->facts());
  if (!loaded.ok()) return loaded.status();
  tree_ = std::move(loaded).value();
  return Status::Ok();
}

void LedgerWriter::Start(const Status& why, StorageHealth::State state) {
  if (!why.ok()) health_->Refuse(why.message(), state);
  thread_ = std::thread([this] { Loop(); });
}

void LedgerWriter::Enqueue(std::unique_ptr<PendingAppend> pending) {
  {
    base::MutexLock lock(&queue_mu_);
    if (!stopping_) queue_.push_back(std::move(pending));
  }
  if (pending) {  // not queued: the ledger is closing
    Ledger::Outcome outcome;
    outcome.result = Status::Unavailable("the ledger is closing");
    pending->done(std::move(outcome));
    return;
  }
  queue_cv_.Signal();
}

void LedgerWriter::Loop() {
  std::vector<std::unique_ptr<PendingAppend>> group;
  for (;;) {
    {
      base::MutexLock lock(&queue_mu_);
      if (health_->writable()) {
        while (!stopping_ && queue_.empty()) queue_cv_.Wait(&queue_mu_);
      } else {
        // Wakes by itself to see whether the disk can take writes again.
        auto deadline = std::chrono::steady_clock::now() + options_.retry_interval;
        while (!stopping_ && queue_.empty()) {
          if (!queue_cv_.WaitUntil(&queue_mu_, deadline)) break;
        }
      }
      if (queue_.empty() && stopping_) break;
      group.clear();
      for (auto& p : queue_) group.push_back(std::move(p));
      queue_.clear();
    }
    if (!health_->writable()) TryRecover();
    if (!group.empty()) CommitGroup(group);
    group.clear();  // each append's buffers are freed here, on the writer, after its answer
  }
  head_->Close();
}

Status LedgerWriter::Closed() const {
  return Status::Unavailable("the ledger's store in " + dir_ +
                             " is closed after a storage failure: " + health_->Get().problem);
}

// --- Idempotency, versions and the rule book ---

Result<std::optional<LedgerWriter::IdLocation>> LedgerWriter::FindEventId(
    const std::string& id, const std::unordered_map<std::string, IdLocation>& in_group) {
  if (auto found = in_group.find(id); found != in_group.end()) return {found->second};
  base::ReaderLock lock(&store_->mu);
  if (!store_->store) return Closed();
  const Store& store = *store_->store;
  std::string value;
  auto s = store.db->Get(rocksdb::ReadOptions(), store.event_ids(), id, &value);
  if (s.IsNotFound()) return std::optional<IdLocation>();
  if (!s.ok()) return FromRocks(s, "looking up an event id");
  uint64_t seq = GetBigEndian64(value.data());
  auto event = ReadEventIn(store, seq, *head_);
  if (!event.ok()) return event.status();
  auto bytes = event->canonical_words().asBytes();
  return {IdLocation{seq, event->stream_version(), event->event().getStream().cStr(),
                     event->event().getActorId().cStr(),
                     std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size())}};
}

// Whether a retry carries the same event as the one stored: the same canonical bytes once the
// times the writer stamped are taken from the stored event.
bool LedgerWriter::SameContent(const IdLocation& at, const kj::Array<capnp::word>& words,
                               bool occurred_when_recorded) const {
  std::string_view bytes = BytesOf(words);
  if (bytes.size() != at.words.size()) return false;
  std::string mine(bytes);
  auto stamp = [&](size_t offset) {
    if (offset + 8 <= mine.size()) mine.replace(offset, 8, at.words, offset, 8);
  };
  stamp(layout_.recorded_at);
  if (occurred_when_recorded) stamp(layout_.occurred_at);
  return mine == at.words;
}

namespace {

// The message for an event id taken by another event. It names where only to a caller who
// recorded that event or reads everything: to others, it would be a way to enumerate streams.
std::string TakenMessage(const std::string& id, const std::string& stream, uint64_t seq,
                         const std::string& actor, const std::optional<Caller>& caller) {
  std::string message = "eventId \"" + id +
                        "\" is taken by another event with other content; event ids are "
                        "unique across the ledger, so give a new event a new id";
  bool may_see =
      !caller || (!caller->actor_id.empty() && caller->actor_id == actor) ||
      ((caller->role == schema::Role::ADMIN || caller->role == schema::Role::STREET_AUDITOR) &&
       !caller->BoundToEstates());
  if (may_see)
    message += " (it is in stream \"" + stream + "\" at seq " + std::to_string(seq) + ")";
  return message;
}

}  // namespace

uint64_t LedgerWriter::CurrentVersion(const std::string& stream,
                                      const std::unordered_map<std::string, uint64_t>& in_group,
                                      Status* status) {
  if (auto it = in_group.find(stream); it != in_group.end()) return it->second;
  if (auto it = versions_.find(stream); it != versions_.end()) return it->second;
  Result<uint64_t> stored = uint64_t{0};
  {
    base::ReaderLock lock(&store_->mu);
    stored = store_->store ? StreamVersionIn(*store_->store, stream) : Result<uint64_t>(Closed());
  }
  if (!stored.ok()) {
    *status = stored.status();
    return 0;
  }
  versions_.emplace(stream, *stored);
  return *stored;
}

// The committed event a correction names, if it is before `seq`.
std::optional<RecordedEvent> LedgerWriter::CorrectedBy(schema::Event::Reader event) {
  auto payload = event.getPayload();
  if (!payload.isCorrectionRecorded()) return std::nullopt;
  uint64_t target = payload.getCorrectionRecorded().getCorrectsSeq();
  if (target == 0 || target > head_seq_) return std::nullopt;
  base::ReaderLock lock(&store_->mu);
  if (!store_->store) return std::nullopt;
  auto read = ReadEventIn(*store_->store, target, *head_);
  if (!read.ok()) return std::nullopt;
  return std::move(read).value();
}

// Judges every event of `p` for its caller, in order, each seeing the facts of those before it.
// Ok, or the first refusal, with `p->rule` set.
Status LedgerWriter::JudgeAppend(PendingAppend* p, FactOverlay& facts, int64_t recorded) {
  size_t mark = facts.Mark();
  Status refused;
  for (size_t i = 0; i < p->words.size() && refused.ok(); ++i) {
    CanonicalReader reader(p->words[i]);
    auto event = reader.event();
    auto corrected = CorrectedBy(event);
    Verdict verdict = Judge(*p->caller, p->stream, event, recorded, facts, AsCorrected(corrected));
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

// --- The group commit ---

bool LedgerWriter::AnswerRepeat(PendingAppend* p, Group& group,
                                std::optional<Result<AppendResult>>* outcome) {
  // Idempotency first: a retry of an acknowledged append must not meet a version conflict.
  size_t found = 0;
  AppendResult dup;
  dup.duplicate = true;
  Status status;
  for (size_t i = 0; i < p->ids.size(); ++i) {
    const std::string& id = p->ids[i];
    auto location = FindEventId(id, group.ids);
    if (!location.ok()) {
      status = location.status();
      break;
    }
    if (!location->has_value()) continue;
    const IdLocation& at = **location;
    if (!SameContent(at, p->words[i], p->occurred_when_recorded[i])) {
      p->rule = "event-id.taken";
      status = Status::AlreadyExists(TakenMessage(id, at.stream, at.seq, at.actor, p->caller));
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
    *outcome = std::move(status);
    return true;
  }
  if (found == p->ids.size()) {
    *outcome = std::move(dup);
    return true;
  }
  return false;
}

bool LedgerWriter::Stage(PendingAppend* p, uint64_t current, Group& group) {
  const Store& store = *store_->OwnedByWriter();
  AppendResult result;
  for (size_t i = 0; i < p->words.size(); ++i) {
    uint64_t seq = ++group.seq;
    ++current;
    auto bytes = p->words[i].asBytes();
    // Stamp the writer's clock so recorded times never decrease along the log.
    std::memcpy(bytes.begin() + layout_.recorded_at, &group.recorded, sizeof(group.recorded));
    if (p->occurred_when_recorded[i]) {
      std::memcpy(bytes.begin() + layout_.occurred_at, &group.recorded, sizeof(group.recorded));
    }
    CanonicalReader reader(p->words[i]);
    auto event = reader.event();
    auto corrected = CorrectedBy(event);
    for (const auto& change : Learn(event, seq, group.facts, AsCorrected(corrected))) {
      group.facts.Apply(change);
    }
    EncodeRecord(seq, current, BytesOf(p->words[i]), &group.record);
    auto chained = ChainHash(group.hash, group.record);
    if (chained.ok()) group.hashing = group.tree.Add(group.record, store.facts(), &group.batch);
    if (!chained.ok()) group.hashing = chained.status();
    if (!group.hashing.ok()) return false;
    group.hash = *chained;
    std::string value;
    value.reserve(kHashBytes + group.record.size());
    value.append(reinterpret_cast<const char*>(group.hash.data()), kHashBytes);
    value.append(group.record);
    std::string seq_key = SeqKey(seq);
    group.batch.Put(store.events(), seq_key, value);
    group.batch.Put(store.streams(), StreamKey(p->stream, current), seq_key);
    group.batch.Put(store.event_ids(), p->ids[i], seq_key);
    group.ids[p->ids[i]] = IdLocation{seq, current, p->stream, event.getActorId().cStr(),
                                      std::string(BytesOf(p->words[i]))};
    result.seqs.push_back(seq);
  }
  result.stream_version = current;
  group.versions[p->stream] = current;
  group.outcomes.emplace_back(p, std::move(result));
  return true;
}

Status LedgerWriter::Write(Group& group, bool* failed_now) {
  if (!group.hashing.ok()) {
    // Nothing of the group is written: a hash that proves nothing is never stored.
    return Status::IOError("the append was not written: " + group.hashing.message());
  }
  if (group.batch.Count() == 0) return Status::Ok();
  if (!health_->writable()) {
    return Status::IOError(
        RefusalMessage(health_->Get(), dir_, options_.retry_interval, /*attempted=*/false));
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  auto s = store_->OwnedByWriter()->db->Write(write_options, &group.batch);
  if (s.ok()) return Status::Ok();
  health_->Refuse(s.ToString(), ClassifyFailure(s, dir_, true));
  *failed_now = true;
  return Status::IOError(
      RefusalMessage(health_->Get(), dir_, options_.retry_interval, /*attempted=*/true));
}

void LedgerWriter::Deliver(Group& group, const Status& written) {
  Position head = head_->Get();
  for (auto& [p, result] : group.outcomes) {
    Ledger::Outcome outcome;
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
}

void LedgerWriter::CommitGroup(const std::vector<std::unique_ptr<PendingAppend>>& appends) {
  const Store* store = store_->OwnedByWriter();
  if (!store) {  // a failed reopen found no store at all: nothing can be checked or written
    for (const auto& p : appends) {
      Ledger::Outcome outcome;
      outcome.result = Closed();
      p->done(std::move(outcome));
    }
    return;
  }
  Group group(*store, head_seq_, head_hash_, std::max(options_.clock(), last_recorded_), tree_);
  for (const auto& owned : appends) {
    PendingAppend* p = owned.get();
    std::optional<Result<AppendResult>> answered;
    if (AnswerRepeat(p, group, &answered)) {
      group.outcomes.emplace_back(p, std::move(*answered));
      continue;
    }
    Status status;
    // The rule book, before anything about the stream is told to the caller.
    if (p->caller) {
      status = JudgeAppend(p, group.facts, group.recorded);
      if (!status.ok()) {
        group.outcomes.emplace_back(p, status);
        continue;
      }
    }
    uint64_t current = CurrentVersion(p->stream, group.versions, &status);
    if (!status.ok()) {
      group.outcomes.emplace_back(p, status);
      continue;
    }
    p->actual_version = current;
    bool matches =
        p->expected.kind() == ExpectedVersion::Kind::kAny ||
        (p->expected.kind() == ExpectedVersion::Kind::kNoStream && current == 0) ||
        (p->expected.kind() == ExpectedVersion::Kind::kExactly && current == p->expected.version());
    if (!matches) {
      group.outcomes.emplace_back(
          p, Status::Conflict("stream \"" + p->stream + "\" was expected at version " +
                              p->expected.ToString() + " but is at " +
                              (current == 0 ? std::string("no stream (version 0)")
                                            : "version " + std::to_string(current))));
      continue;
    }
    if (!Stage(p, current, group)) break;
  }
  if (group.batch.Count() > 0 && group.hashing.ok()) {
    group.facts.MoveTo(&group.batch);
    group.batch.Put(store->facts(), kFactsCheckpointKey, SeqKey(group.seq));
    group.tree.PutSize(store->facts(), &group.batch);
  }
  bool failed_now = false;
  Status written = Write(group, &failed_now);
  if (!group.hashing.ok()) {
    for (const auto& owned : appends) {
      PendingAppend* p = owned.get();
      bool answered = std::any_of(group.outcomes.begin(), group.outcomes.end(),
                                  [&](const auto& o) { return o.first == p; });
      if (!answered) group.outcomes.emplace_back(p, written);
    }
  }
  if (written.ok() && group.batch.Count() > 0) {
    tree_ = std::move(group.tree);
    head_seq_ = group.seq;
    head_hash_ = group.hash;
    last_recorded_ = group.recorded;
    for (auto& [stream, version] : group.versions) versions_[stream] = version;
    head_->Publish(Position{head_seq_, head_hash_});
  }
  Deliver(group, written);
  if (failed_now) ReopenReadOnly();
}

// --- Storage failures and recovery ---

// Reopens the store for writing if the disk looks able to take writes, at most once per
// retry_interval; keeps the store readable when it cannot.
void LedgerWriter::TryRecover() {
  std::string why;
  StorageHealth::State disk = StorageHealth::State::kWritable;
  if (!DiskLooksWritable(dir_, options_.resume_free_bytes, &why, &disk)) {
    health_->StillRefused(why, disk);
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (last_attempt_ && now - *last_attempt_ < options_.retry_interval) return;
  last_attempt_ = now;
  // Readers finish what they are doing first; a long one only postpones this attempt.
  if (!store_->mu.TryLockFor(std::chrono::seconds(2))) return;
  base::WriterLock lock(&store_->mu, std::adopt_lock);
  store_->store.reset();
  versions_.clear();
  auto writable = OpenStore(dir_, options_, false);
  if (writable.ok()) {
    store_->store = std::move(writable).value();
    Status loaded = LoadHead();
    if (loaded.ok()) loaded = CatchUp();
    if (loaded.ok()) {
      health_->Recovered();
      return;
    }
    health_->Refuse(loaded.ToString(), StorageHealth::State::kFailed);
    store_->store.reset();
  }
  if (!writable.ok()) {
    const std::string& problem = writable.status().message();
    health_->StillRefused(problem, ClassifyFailure(rocksdb::Status::IOError(problem), dir_, false));
  }
  OpenReadOnlyLocked();
}

// Closes a store that failed a write and opens it again read-only: RocksDB writes nothing more
// to its files (its own recovery attempts included), the write-ahead log is replayed up to its
// last whole record, and no file stays open for writing, so the folder can be remounted or
// checked while reads go on.
void LedgerWriter::ReopenReadOnly() {
  // A long read only postpones this to the next recovery attempt, which reopens anyway.
  if (!store_->mu.TryLockFor(std::chrono::seconds(2))) return;
  base::WriterLock lock(&store_->mu, std::adopt_lock);
  OpenReadOnlyLocked();
}

void LedgerWriter::OpenReadOnlyLocked() {
  store_->store.reset();
  versions_.clear();
  auto readable = OpenStore(dir_, options_, true);
  if (readable.ok()) {
    store_->store = std::move(readable).value();
    (void)LoadHead();
  }
}

}  // namespace ledger::internal
