// The ledger's RocksDB store (ledger_store.h).

#include "ledger_store.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string_view>

#include "fact_store.h"
#include "ledger/rocks.h"
#include "record.h"
#include "tree_store.h"

namespace ledger::internal {
namespace {

constexpr const char* kEventsFamily = "events";
constexpr const char* kStreamsFamily = "streams";
constexpr const char* kEventIdsFamily = "event_ids";

std::optional<CorrectedEvent> AsCorrected(const std::optional<RecordedEvent>& e) {
  if (!e) return std::nullopt;
  return CorrectedEvent{e->seq(), e->event()};
}

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
    if (Harmless(std::string_view(line, end))) return;
    // One write per line, so that lines from several threads do not interleave.
    std::fprintf(stderr, "%s%s\n", prefix_.c_str(), line);
  }

 private:
  // Warnings RocksDB logs on a normal path: a checkpoint (a view snapshot) pauses and resumes
  // file deletions, and says so at warning level each time.
  static bool Harmless(std::string_view line) {
    return line.find("File Deletions Disabled, but already disabled") != std::string_view::npos ||
           line.find("File Deletions Enable, but not really enabled") != std::string_view::npos;
  }

  std::string prefix_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewStderrLogger(const std::string& name) {
  return std::make_shared<StderrLogger>(name);
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

Store::~Store() {
  if (!db) return;  // a failed open
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  // A store whose last write failed reports that failure again here; there is nothing to add.
  db->Close().PermitUncheckedError();
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& dir, const Options& options,
                                         bool read_only) {
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing && !read_only;
  db_options.create_missing_column_families = options.create_if_missing && !read_only;
  db_options.IncreaseParallelism(2);
  db_options.max_total_wal_size = 256 << 20;
  db_options.info_log = NewStderrLogger("ledger " + dir);

  rocksdb::ColumnFamilyOptions plain;
  rocksdb::ColumnFamilyOptions lookups;
  // Most event-id lookups are for ids never seen; a bloom filter answers those without I/O.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  lookups.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  lookups.memtable_prefix_bloom_size_ratio = 0.05;
  lookups.memtable_whole_key_filtering = true;

  // Memtable inserts that follow the last one: events come in seq order, and the tree's nodes in
  // index order within a level, so RocksDB keeps where the last insert of each went and starts
  // the next from there (a skiplist search from the top missed the cache at every level).
  rocksdb::ColumnFamilyOptions facts = plain;
  facts.memtable_insert_with_hint_prefix_extractor = NewTreeLevelHint();
  // The rule book asks the facts about names mostly never seen (a new complaint, a new stream):
  // a whole-key Bloom filter over the memtable answers those without a skiplist search.
  facts.memtable_prefix_bloom_size_ratio = 0.05;
  facts.memtable_whole_key_filtering = true;
  facts.table_factory = lookups.table_factory;
  rocksdb::ColumnFamilyOptions events = plain;
  events.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(0));

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, facts},
      {kEventsFamily, events},
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

// --- Reads ---

Result<std::vector<RecordedEvent>> ReadForwardIn(const Store& store, uint64_t from_seq,
                                                 size_t limit,
                                                 const rocksdb::ReadOptions& options) {
  std::vector<RecordedEvent> out;
  if (limit == 0) return out;
  std::unique_ptr<rocksdb::Iterator> it(store.db->NewIterator(options, store.events()));
  for (it->Seek(SeqKey(std::max<uint64_t>(from_seq, 1))); it->Valid() && out.size() < limit;
       it->Next()) {
    auto decoded = DecodeStoredValue(GetBigEndian64(it->key().data()), it->value().ToStringView());
    if (!decoded.ok()) return decoded.status();
    out.push_back(std::move(decoded).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  return out;
}

Result<RecordedEvent> ReadEventIn(const Store& store, uint64_t seq, const PublishedHead& head) {
  rocksdb::PinnableSlice value;
  auto s = store.db->Get(rocksdb::ReadOptions(), store.events(), SeqKey(seq), &value);
  if (s.IsNotFound()) {
    return Status::NotFound("there is no event " + std::to_string(seq) + "; the head is " +
                            std::to_string(head.Get().seq));
  }
  if (!s.ok()) return FromRocks(s, "reading event " + std::to_string(seq));
  return DecodeStoredValue(seq, value.ToStringView());
}

Result<uint64_t> StreamVersionIn(const Store& store, std::string_view stream) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db->NewIterator(rocksdb::ReadOptions(), store.streams()));
  it->SeekForPrev(StreamKey(stream, UINT64_MAX));
  if (!it->status().ok()) return FromRocks(it->status(), "reading a stream version");
  std::string prefix = std::string(stream) + '\0';
  if (!it->Valid() || !it->key().starts_with(prefix)) return uint64_t{0};
  return GetBigEndian64(it->key().data() + prefix.size());
}

Result<std::vector<RecordedEvent>> ReadStreamIn(const Store& store, std::string_view stream,
                                                uint64_t from_version, size_t limit,
                                                const PublishedHead& head) {
  std::vector<RecordedEvent> out;
  std::string prefix = std::string(stream) + '\0';
  std::unique_ptr<rocksdb::Iterator> it(
      store.db->NewIterator(rocksdb::ReadOptions(), store.streams()));
  bool any = false;
  for (it->Seek(StreamKey(stream, std::max<uint64_t>(from_version, 1)));
       it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    any = true;
    auto event = ReadEventIn(store, GetBigEndian64(it->value().data()), head);
    if (!event.ok()) return event.status();
    out.push_back(std::move(event).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading a stream");
  if (!any) {
    auto version = StreamVersionIn(store, stream);
    if (!version.ok()) return version.status();
    if (*version == 0) {
      return Status::NotFound("there is no stream \"" + std::string(stream) + "\"");
    }
  }
  return out;
}

Status CheckpointIn(const Store& store, const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(store.db.get(), &raw);
  if (!s.ok()) return FromRocks(s, "preparing a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(dir), "writing a checkpoint to " + dir);
}

Result<bool> VerifyChunk(const Store& store, VerifyWalk* walk, const Progress& progress) {
  VerifyReport& report = walk->report;
  auto fail = [&](uint64_t seq, std::string problem) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
  };
  std::unique_ptr<rocksdb::Iterator> it(store.db->NewIterator(walk->read_options, store.events()));
  size_t read = 0;
  // Each chunk resumes right after the last key checked, as one walk would.
  if (walk->expected_seq == 1) {
    it->SeekToFirst();
  } else {
    it->Seek(SeqKey(walk->expected_seq - 1));
    if (it->Valid() && it->key() == SeqKey(walk->expected_seq - 1)) it->Next();
  }
  for (; it->Valid() && read < kChunkEvents; it->Next(), ++read) {
    if (it->key().size() != 8) {
      fail(walk->expected_seq,
           "a key of " + std::to_string(it->key().size()) + " bytes is in the event log");
      return false;
    }
    uint64_t seq = GetBigEndian64(it->key().data());
    if (seq != walk->expected_seq) {
      fail(walk->expected_seq, "event " + std::to_string(walk->expected_seq) +
                                   " is missing; the next stored event is " + std::to_string(seq));
      return false;
    }
    std::string_view value = it->value().ToStringView();
    auto decoded = DecodeStoredValue(seq, value);
    if (!decoded.ok()) {
      fail(seq, decoded.status().message());
      return false;
    }
    auto chained = ChainHash(walk->chain, value.substr(kHashBytes));
    if (!chained.ok()) return chained.status();
    Hash recomputed = *chained;
    if (recomputed != decoded->hash()) {
      fail(seq, "event " + std::to_string(seq) + " does not match its hash: stored " +
                    ToHex(decoded->hash()) + ", recomputed " + ToHex(recomputed));
      return false;
    }
    walk->chain = recomputed;
    report.checked = seq;
    report.head = Position{seq, walk->chain};
    ++walk->expected_seq;
    if (progress && seq % 65536 == 0) progress(seq, walk->total);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log for verify");
  return read == kChunkEvents;
}

// --- Opening and reopening ---

Result<StoredHead> ReadStoredHead(const Store& store) {
  std::unique_ptr<rocksdb::Iterator> it(
      store.db->NewIterator(rocksdb::ReadOptions(), store.events()));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the head");
  StoredHead head;
  if (it->Valid()) {
    uint64_t seq = GetBigEndian64(it->key().data());
    auto decoded = DecodeStoredValue(seq, it->value().ToStringView());
    if (!decoded.ok()) return decoded.status();
    head.position = Position{seq, decoded->hash()};
    head.recorded_ms = decoded->event().getRecordedAt();
  }
  return head;
}

Status CatchUpFacts(const Store& store, const std::string& dir, bool sync, uint64_t head_seq,
                    const PublishedHead& head) {
  std::string value;
  uint64_t learned = 0;
  auto s = store.db->Get(rocksdb::ReadOptions(), store.facts(), kFactsCheckpointKey, &value);
  if (s.ok() && value.size() == 8) {
    learned = GetBigEndian64(value.data());
  } else if (!s.IsNotFound() && !s.ok()) {
    return FromRocks(s, "reading the rule book's facts");
  }
  std::string version;
  s = store.db->Get(rocksdb::ReadOptions(), store.facts(), kFactsVersionKey, &version);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading the rule book's facts");
  // Facts of an older version lack what the rules learn now: learned again from the start.
  bool current = s.ok() && version == kFactsVersion;
  if (!current) learned = 0;
  auto write_version = [&]() -> Status {
    if (current) return Status::Ok();
    rocksdb::WriteOptions options;
    options.sync = sync;
    auto written = store.db->Put(options, store.facts(), kFactsVersionKey, kFactsVersion);
    return written.ok() ? Status::Ok() : FromRocks(written, "writing the rule book's facts");
  };
  if (!current) {
    // Learned again from the first event: what counts starts again from none, or each answer
    // or complaint already counted would count twice.
    rocksdb::WriteBatch forget;
    ForgetCounts(store.facts(), &forget);
    rocksdb::WriteOptions options;
    options.sync = sync;
    s = store.db->Write(options, &forget);
    if (!s.ok()) return FromRocks(s, "forgetting the rule book's counts");
  }
  if (learned >= head_seq) return write_version();
  std::fprintf(stderr,
               "ledger %s: learning the rule book's facts (version %s) of events %llu to %llu\n",
               dir.c_str(), kFactsVersion, static_cast<unsigned long long>(learned + 1),
               static_cast<unsigned long long>(head_seq));
  while (learned < head_seq) {
    auto chunk = ReadForwardIn(store, learned + 1, kChunkEvents, rocksdb::ReadOptions());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    FactOverlay overlay(store.db.get(), store.facts());
    for (const RecordedEvent& e : *chunk) {
      std::optional<RecordedEvent> corrected;
      if (e.event().getPayload().isCorrectionRecorded()) {
        uint64_t target = e.event().getPayload().getCorrectionRecorded().getCorrectsSeq();
        if (target >= 1 && target < e.seq()) {
          auto read = ReadEventIn(store, target, head);
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
    batch.Put(store.facts(), kFactsCheckpointKey, SeqKey(learned));
    rocksdb::WriteOptions options;
    options.sync = sync;
    s = store.db->Write(options, &batch);
    if (!s.ok()) return FromRocks(s, "writing the rule book's facts");
  }
  return write_version();
}

Result<TreeWriter> CatchUpTree(const Store& store, const std::string& dir, bool sync,
                               uint64_t head_seq) {
  auto loaded = TreeWriter::Load(store.db.get(), store.facts());
  if (!loaded.ok()) return loaded.status();
  TreeWriter tree = std::move(loaded).value();
  if (tree.size() > head_seq) {
    return Status::Corruption("the Merkle tree covers " + std::to_string(tree.size()) +
                              " events but the log holds " + std::to_string(head_seq));
  }
  if (tree.size() < head_seq) {
    std::fprintf(stderr, "ledger %s: building the Merkle tree over events %llu to %llu\n",
                 dir.c_str(), static_cast<unsigned long long>(tree.size() + 1),
                 static_cast<unsigned long long>(head_seq));
  }
  while (tree.size() < head_seq) {
    auto chunk = ReadForwardIn(store, tree.size() + 1, kChunkEvents, rocksdb::ReadOptions());
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    rocksdb::WriteBatch batch;
    for (const RecordedEvent& e : *chunk) {
      if (e.seq() != tree.size() + 1) {
        return Status::Corruption("event " + std::to_string(tree.size() + 1) +
                                  " is missing from the log; the Merkle tree cannot cover it");
      }
      Status s = tree.Add(RecordOf(e), store.facts(), &batch);
      if (!s.ok()) return s;
    }
    tree.PutSize(store.facts(), &batch);
    rocksdb::WriteOptions options;
    options.sync = sync;
    auto s = store.db->Write(options, &batch);
    if (!s.ok()) return FromRocks(s, "writing the Merkle tree");
  }
  return tree;
}

}  // namespace ledger::internal
