#include "view_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <cstring>
#include <memory>

#include "ledger/rocks.h"
#include "projections/engine.h"
#include "projections/view_set.h"

namespace projections {
namespace internal {

std::string EncodeCheckpoint(const ledger::Position& position) {
  std::string value(8, '\0');
  uint64_t seq = position.seq;
  for (int i = 7; i >= 0; --i) {
    value[i] = static_cast<char>(seq & 0xFF);
    seq >>= 8;
  }
  value.append(reinterpret_cast<const char*>(position.hash.data()), position.hash.size());
  return value;
}

std::optional<ledger::Position> DecodeCheckpoint(std::string_view value) {
  ledger::Position position;
  if (value.size() != 8 + position.hash.size()) return std::nullopt;
  for (int i = 0; i < 8; ++i) position.seq = (position.seq << 8) | static_cast<uint8_t>(value[i]);
  std::memcpy(position.hash.data(), value.data() + 8, position.hash.size());
  return position;
}

std::shared_ptr<rocksdb::Cache> NewViewBlockCache() {
  return rocksdb::NewLRUCache(kBlockCacheBytes);
}

rocksdb::Options ViewStoreOptions(const std::string& dir, std::shared_ptr<rocksdb::Cache> blocks) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  // The memtable is a skip list: the tables read records back one key at a time, and most keys
  // an event asks for are new, so every one is looked up in the memtable. An unsorted one
  // (VectorRep, once chosen for bulk writes, which now go to table files) sorted a copy of
  // itself on each lookup: following 16 appending connections, the applier fell minutes behind.
  db_options.write_buffer_size = 256 << 20;
  // ...and a whole-key Bloom filter over it answers the new keys without searching the skiplist,
  // which grows as deep as the 256 MiB allow. The filter takes this share of the write buffer
  // when a memtable is made, full or not, in every store opened (time travel's snapshots too):
  // 2.6 MiB, about ten bits a key for the two million records a full memtable holds.
  db_options.memtable_prefix_bloom_size_ratio = 0.01;
  db_options.memtable_whole_key_filtering = true;
  // Not a LOG file on the disk that may be full: the line after a failed LOG write aborts the
  // process (see ledger/rocks.h).
  db_options.info_log = ledger::internal::NewStderrLogger("views " + dir);
  // A rebuild's table file comes from SstFileWriter, which gives it no unique id to check.
  db_options.verify_sst_unique_id_in_manifest = false;
  // Records are read back one key at a time (tables kept in the store), and most keys an event
  // asks for are new: a Bloom filter answers "absent" without reading the table files.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = std::move(blocks);  // null: RocksDB's own, of 8 MiB
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return db_options;
}

RowSource::Found StoreRows::Get(std::string_view key, std::string* value) const {
  if (!*db_) {
    *value = "the view store is closed after a failed write";
    return Found::kError;
  }
  rocksdb::Status s = (*db_)->Get(rocksdb::ReadOptions(), key, value);
  if (s.ok()) return Found::kYes;
  if (s.IsNotFound()) return Found::kNo;
  *value = s.ToString();
  return Found::kError;
}

uint64_t StoreRows::ApproximateBytes(std::string_view start, std::string_view end) const {
  if (!*db_) return 0;
  rocksdb::Range range(rocksdb::Slice(start.data(), start.size()),
                       rocksdb::Slice(end.data(), end.size()));
  rocksdb::SizeApproximationOptions options;
  options.include_memtables = true;
  options.include_files = true;
  uint64_t bytes = 0;
  rocksdb::Status s =
      (*db_)->GetApproximateSizes(options, (*db_)->DefaultColumnFamily(), &range, 1, &bytes);
  return s.ok() ? bytes : 0;
}

namespace {

// Reads each range with one iterator made with `options`.
std::string ReadRanges(
    rocksdb::DB* db, const rocksdb::ReadOptions& options,
    const std::vector<RowSource::Range>& ranges,
    const std::function<bool(size_t, std::string_view, std::string_view)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
  for (size_t i = 0; i < ranges.size() && it->status().ok(); ++i) {
    for (it->Seek(ranges[i].start); it->Valid() && it->key().starts_with(ranges[i].prefix);
         it->Next()) {
      if (!visit(i, it->key().ToStringView(), it->value().ToStringView())) break;
    }
  }
  return it->status().ok() ? "" : it->status().ToString();
}

}  // namespace

std::string StoreRows::Scan(
    std::string_view start, std::string_view prefix, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  if (!*db_) return "the view store is closed after a failed write";
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(end.data(), end.size());
  if (end.empty()) {
    // A whole table (a report over every complaint): its blocks are read ahead in large reads,
    // and kept out of the block cache, where they would evict the blocks of the pages that read
    // one estate at a time.
    options.fill_cache = false;
    options.readahead_size = size_t{1} << 20;
  } else {
    // A range (a report's months of one estate): a fixed read-ahead would copy a megabyte
    // for a few records, a quarter of a star evaluation's time.
    options.iterate_upper_bound = &upper;
  }
  return ReadRanges(
      db_->get(), options, {Range{std::string(start), std::string(prefix)}},
      [&](size_t, std::string_view key, std::string_view bytes) { return visit(key, bytes); });
}

std::string StoreRows::ScanEach(
    const std::vector<Range>& ranges,
    const std::function<bool(size_t, std::string_view, std::string_view)>& visit) const {
  if (!*db_) return "the view store is closed after a failed write";
  // One iterator for every range: making one costs more than reading a small range.
  return ReadRanges(db_->get(), rocksdb::ReadOptions(), ranges, visit);
}

ledger::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return ledger::Status::Ok();
  return ledger::Status::IOError(what + ": " + s.ToString());
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

size_t CachedBytesOf(const ViewSet& views) {
  size_t total = 0;
  for (const Projection* view : views.all()) {
    for (const TableBase* table : view->tables()) total += table->cached_bytes();
  }
  return total;
}

void TrimViews(ViewSet& views, size_t budget) {
  size_t total = CachedBytesOf(views);
  if (total <= budget) return;
  for (Projection* view : views.all()) {
    for (TableBase* table : view->tables()) {
      size_t held = table->cached_bytes();
      table->Trim(static_cast<size_t>(static_cast<double>(held) * budget / total));
    }
  }
}

}  // namespace internal

ledger::Result<ledger::Position> ReadStoredCheckpoint(const std::string& dir) {
  rocksdb::DB* raw = nullptr;
  auto opened = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir, &raw);
  if (!opened.ok()) {
    return ledger::Status::IOError("opening the view store " + dir + ": " + opened.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  auto read = db->Get(rocksdb::ReadOptions(), internal::kCheckpointKey, &value);
  if (read.IsNotFound()) return ledger::Status::NotFound("the view store has no checkpoint");
  if (!read.ok()) return ledger::Status::IOError("reading the view checkpoint: " + read.ToString());
  auto position = internal::DecodeCheckpoint(value);
  if (!position) {
    return ledger::Status::Corruption("the view checkpoint is " + std::to_string(value.size()) +
                                      " bytes, not 40");
  }
  return *position;
}

ledger::Status OverwriteStoredVersions(const std::string& dir, const std::string& signature) {
  rocksdb::DB* raw = nullptr;
  auto opened = rocksdb::DB::Open(rocksdb::Options(), dir, &raw);
  if (!opened.ok()) {
    return ledger::Status::IOError("opening the view store " + dir + ": " + opened.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  auto written = db->Put(rocksdb::WriteOptions(), internal::kVersionsKey, signature);
  if (!written.ok()) {
    return ledger::Status::IOError("writing the view versions: " + written.ToString());
  }
  return ledger::Status::Ok();
}

}  // namespace projections
