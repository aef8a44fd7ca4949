// The view store's own records: its keys and the form of its checkpoint. Private to projections/
// (not under include/): other modules reach these through engine.h's ReadStoredCheckpoint and
// OverwriteStoredVersions, so the format has one owner.
//
//   "m/checkpoint" -> seq (8, big-endian) || chain hash (32)
//   "m/versions"   -> "name:version;..." of the views that wrote the state
//   "v/<view>/<table>/<key>" -> a record (projections/archive.h)
//   "v/<view>/<table>/\x01<n><partition>\0<number><key>" -> "": the record's place in the
//       table's ordering n (written by the table itself: table.h)

#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "projections/table.h"

namespace rocksdb {
class Cache;
class DB;
struct Options;
class Status;
}  // namespace rocksdb

namespace projections {
class Projection;
class ViewSet;
}  // namespace projections

namespace projections::internal {

constexpr char kCheckpointKey[] = "m/checkpoint";
constexpr char kVersionsKey[] = "m/versions";
constexpr char kRecordPrefix[] = "v/";

// The options of the view store in `dir`, for the store and for reading its snapshots: most keys
// an event asks for are new, and the Bloom filters they set answer "absent" without reading
// the table files. `blocks` caches the files' blocks (null: a cache of RocksDB's own).
rocksdb::Options ViewStoreOptions(const std::string& dir,
                                  std::shared_ptr<rocksdb::Cache> blocks = nullptr);

// The block cache an engine's store and the snapshots its time travel reads share: a replay
// from a snapshot reads back the records its events change, many of them in the same blocks,
// and with RocksDB's 8 MiB it read and uncompressed them again and again (a 190k-event replay
// took 3.6 s; 2.5 s with this cache).
inline constexpr size_t kBlockCacheBytes = size_t{64} << 20;
std::shared_ptr<rocksdb::Cache> NewViewBlockCache();

// The checkpoint's stored value for `position`, and back (nullopt if the value is not 40 bytes).
std::string EncodeCheckpoint(const ledger::Position& position);
std::optional<ledger::Position> DecodeCheckpoint(std::string_view value);

// The key prefix of one table's records: "v/<view>/<table>/".
std::string TablePrefix(const Projection& view, const TableBase& table);

// The names and versions of the views in `views`, as stored under kVersionsKey: stored views of
// other versions are not loaded.
std::string VersionSignature(const ViewSet& views);

// The bytes of unchanged records the tables of `views` hold in memory (TableBase::cached_bytes).
size_t CachedBytesOf(const ViewSet& views);

// Drops unchanged records of the tables of `views` kept in a store until they hold about
// `budget` bytes, each table in proportion to what it holds, the least recently read first
// (TableBase::Trim). No reader may hold a record of theirs meanwhile.
void TrimViews(ViewSet& views, size_t budget);

// A view store, as the tables kept in it (Table::KeepInStore) read it back. It reads whatever
// store `*db` holds when asked: the owner replaces it (reopened after a failed write, cleared)
// only while no reader reads, under the views' exclusive lock. A null store is an error.
class StoreRows final : public RowSource {
 public:
  explicit StoreRows(const std::unique_ptr<rocksdb::DB>* db) : db_(db) {}
  Found Get(std::string_view key, std::string* value) const override;
  uint64_t ApproximateBytes(std::string_view start, std::string_view end) const override;
  std::string Scan(
      std::string_view start, std::string_view prefix, std::string_view end,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  std::string ScanEach(
      const std::vector<Range>& ranges,
      const std::function<bool(size_t, std::string_view, std::string_view)>& visit) const override;

 private:
  const std::unique_ptr<rocksdb::DB>* db_;
};

// A RocksDB status as an IOError naming `what`; Ok for ok.
ledger::Status FromRocks(const rocksdb::Status& s, const std::string& what);

}  // namespace projections::internal
