// Table<V>: a view's keyed records, kept in memory and written to the view store by the engine.
//
// A view changes records through Mutable() and Erase(); the table remembers which keys changed
// so that the engine writes only those, together with the view's checkpoint, in one batch.
// Writing reads the table and changes nothing, so the engine writes to the disk while queries
// read; the changes are forgotten (ForgetChanges) only once the store has taken them, so a
// failed write loses none of them and the next write sends them again.
// A table may keep orderings of its records (by estate and time, by household): a view declares
// them, so that queries read the records of one estate in a period instead of every record. The
// records changed or loaded since the last reading of an ordering are placed when one is read
// next: a rebuild or a view set loaded for time travel pays for no ordering it is not asked for.
// Tables are not thread-safe on their own: the engine applies events and forgets changes under
// an exclusive lock; queries read under a shared one, and the engine's writes read beside them.
//
// A table may keep its records in the store instead (KeepInStore): it then holds in memory the
// records changed since the last write, and a cache of others read back from the store, which
// the engine trims to a budget (Trim) while no reader holds a record. Its orderings are then
// keys in the store too, written in the same batch as the records: an ordering read merges the
// stored entries with the places of the records changed since the last write.
// Such a table reads the store on a miss, under a lock of its own, so readers may load records
// beside one another and beside the engine's writes. A record it hands out stays where it is
// until the next Trim or ForgetChanges, which the engine calls under its exclusive lock only.

#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "projections/archive.h"
#include "projections/key_filter.h"
#include "projections/ordered_rows.h"

namespace projections {

// Where a flush goes: the engine hands a RocksDB batch behind this.
class StateSink {
 public:
  virtual ~StateSink() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
};

// Where a table kept in the store reads its records back: the engine's view store.
class RowSource {
 public:
  enum class Found { kYes, kNo, kError };
  virtual ~RowSource() = default;
  // The stored bytes under `key` (the table's prefix included); kError with `value` set to
  // what went wrong.
  virtual Found Get(std::string_view key, std::string* value) const = 0;
  // Calls visit(key, bytes) for the stored records from `start` on whose keys start with
  // `prefix` and sort before `end`, in key order, until it returns false; an error message if
  // reading failed part way, else empty. A scan with no `end` reads on to the end of `prefix`:
  // a whole table, which the store reads ahead in large reads and keeps out of its cache. One
  // with an end reads a range: a few records, read as a page's are.
  virtual std::string Scan(
      std::string_view start, std::string_view prefix, std::string_view end,
      const std::function<bool(std::string_view, std::string_view)>& visit) const = 0;

  // The store's estimate of the bytes its keys in [start, end) and their values take; 0 if it
  // cannot tell.
  virtual uint64_t ApproximateBytes(std::string_view start, std::string_view end) const {
    (void)start;
    (void)end;
    return 0;
  }

  struct Range {
    std::string start, prefix;
  };
  // Scan() over each range in turn, calling visit(range's index, key, bytes); false ends that
  // range. A store overrides it to read every range with one reading position, for readers
  // that look into thousands of partitions at once (the visits to each household of an estate).
  virtual std::string ScanEach(
      const std::vector<Range>& ranges,
      const std::function<bool(size_t, std::string_view, std::string_view)>& visit) const {
    for (size_t i = 0; i < ranges.size(); ++i) {
      std::string failed =
          Scan(ranges[i].start, ranges[i].prefix, "",
               [&](std::string_view key, std::string_view bytes) { return visit(i, key, bytes); });
      if (!failed.empty()) return failed;
    }
    return "";
  }
};

class TableBase {
 public:
  explicit TableBase(std::string name) : name_(std::move(name)) {}
  virtual ~TableBase() = default;
  const std::string& name() const { return name_; }

  // Writes every record changed since the last ForgetChanges() under `prefix` + key (a
  // deletion for an erased one), in ascending key order. Changes nothing.
  virtual void WriteChanges(const std::string& prefix, StateSink* sink) const = 0;
  // How many records WriteChanges() would write.
  virtual size_t changes() const = 0;
  // Writes every record under `prefix` + key, in ascending key order: for a store that holds
  // none of the table's records, as after a clear. Changes nothing.
  virtual void WriteWhole(const std::string& prefix, StateSink* sink) const = 0;
  // The store has taken the changes: forgets them, and the rows of erased records.
  virtual void ForgetChanges() = 0;
  // Restores one stored record; false if its bytes do not decode.
  virtual bool LoadRow(std::string_view key, std::string_view value) = 0;
  virtual void Clear() = 0;
  virtual size_t size() const = 0;
  // Every record, serialized, sorted by key: for comparing two builds of a view.
  virtual std::vector<std::pair<std::string, std::string>> Dump() const = 0;

  // Keeps the records and the orderings in `store` under `prefix` (see the top of this file),
  // holding in memory only changed records and a cache. Called on an empty table.
  virtual void KeepInStore(const RowSource* store, std::string prefix) = 0;
  // Bytes of unchanged records held in memory, roughly: what Trim() may drop.
  virtual size_t cached_bytes() const = 0;
  // Drops unchanged records, those read least recently first, until cached_bytes() <= budget.
  // Only while no reader holds a record: under the engine's exclusive lock.
  virtual void Trim(size_t budget) = 0;
  // The first failure to read the store since the last call, and how many there were; empty if
  // none. A record that could not be read was taken as absent.
  virtual std::string TakeReadError() = 0;
  // The store holds none of the table's records (it was just cleared): from here on, the table
  // notes the keys it writes (KeyFilter), and takes a key it never wrote as absent without
  // reading the store. Until StopNotingWrittenKeys(), which frees the note: it grows with
  // every key written (12 bits each), so the engine keeps it for a catch-up from a cleared
  // store to the head, where most keys asked for are new, and not while following live.
  virtual void NoteWrittenKeys() = 0;
  virtual void StopNotingWrittenKeys() = 0;

 private:
  std::string name_;
};

template <class V>
class Table final : public TableBase {
 public:
  explicit Table(std::string name)
      : TableBase(std::move(name)), index_(0, SlotHash{}, SlotEqual{this}) {}
  // The index refers back to the table's rows.
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const V* Find(std::string_view key) const {
    auto lock = LockCache();
    uint32_t at = const_cast<Table*>(this)->Cached(key);
    return at == kNone || RowAt(at).erased ? nullptr : &RowAt(at).value;
  }
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }

  // The record under `key`, created empty if absent; marked as changed.
  V& Mutable(std::string_view key) {
    auto lock = LockCache();
    uint32_t at = LiveRow(key);
    MarkDirty(at);
    return RowAt(at).value;
  }
  void Erase(std::string_view key) {
    auto lock = LockCache();
    uint32_t at = Cached(key);
    if (at == kNone || RowAt(at).erased) return;
    MarkDirty(at);  // first: it notes where the stored record stands in the orderings
    // Kept as a tombstone until the next flush writes the deletion.
    RowAt(at).value = V{};
    RowAt(at).erased = true;
    --live_;
  }

  // Declares an ordering of the records (ordered_rows.h): `where` says where a record stands,
  // or nullopt to leave it out, and `places` whether it places every record (nearly: one left
  // out now and then does no harm) or some. Declared before any record is added; returns its
  // number.
  size_t AddOrdering(std::function<std::optional<OrderKey>(const V&)> where,
                     Places places = Places::kSomeRecords) {
    orderings_.push_back(Ordering{std::move(where), places, {}});
    return orderings_.size() - 1;
  }
  // Calls visit(record) for the records of `partition` in ordering `ordering` with
  // from <= number < to, in (number, key) order.
  template <class Visit>
  void ForEachInOrder(size_t ordering, std::string_view partition, int64_t from, int64_t to,
                      Visit visit) const {
    if (store_ == nullptr) {
      PlaceChanged();
      orderings_[ordering].rows.Range(partition, from, to,
                                      [&](uint32_t at) { visit(RowAt(at).value); });
      return;
    }
    std::string_view one[] = {partition};
    auto rows = StoredInOrder(ordering, one, from, to);
    for (const Row* row : rows[0]) visit(row->value);
  }
  // Calls visit(record) for the records ForEachInOrder() visits, in no particular order, but
  // keeps none that it reads back from the store, as Stream() does: for readers that fold a long
  // range of a large table (a district's month) into figures and hold no reference past a visit.
  template <class Visit>
  void StreamInOrder(size_t ordering, std::string_view partition, int64_t from, int64_t to,
                     Visit visit) const {
    if (store_ == nullptr) return ForEachInOrder(ordering, partition, from, to, visit);
    std::string prefix = prefix_ + OrderingPrefix(ordering, partition);
    std::string start = prefix, end = prefix;
    AppendNumber(from, &start);
    AppendNumber(to, &end);
    // Records read one by one cost about two and a half times what a pass over the whole table
    // costs each (measured on a district's repairs): a range of an ordering that places every
    // record, holding more than a third of the ordering's entries (of all its partitions: the
    // table's records) as the store estimates their bytes, is read as the whole table. An
    // ordering that places some records says nothing of the table's size: read one by one.
    if (orderings_[ordering].places == Places::kEveryRecord && HoldsMostOf(ordering, start, end)) {
      const auto& where = orderings_[ordering].where;
      Stream([&](const std::string&, const V& record) {
        std::optional<OrderKey> at = where(record);
        if (at && at->partition == partition && at->order >= from && at->order < to) {
          visit(record);
        }
      });
      return;
    }
    auto* self = const_cast<Table*>(this);
    std::vector<std::string> stored;  // the keys of the stored entries in range
    std::vector<const Row*> changed;  // the records changed since the last write, in range
    {
      auto lock = LockCache();
      self->PlaceChangedLocked();
      std::string failed =
          store_->Scan(start, prefix, end, [&](std::string_view stored_key, std::string_view) {
            std::string_view rest = stored_key.substr(prefix.size());
            if (rest.size() > 8) stored.emplace_back(rest.substr(8));
            return true;
          });
      if (!failed.empty()) self->NoteReadError(failed);
      orderings_[ordering].rows.Range(partition, from, to,
                                      [&](uint32_t at) { changed.push_back(&RowAt(at)); });
    }
    std::string full_key, bytes;
    V passing{};
    for (const std::string& key : stored) {
      const Row* held = nullptr;
      {
        auto lock = LockCache();
        auto it = index_.find(std::string_view(key));
        if (it != index_.end()) held = &RowAt(it->row);
      }
      if (held != nullptr) {
        // A changed record's stored entry is stale: its place is among the changed ones.
        if (!held->dirty && !held->erased) visit(held->value);
        continue;
      }
      full_key.assign(prefix_).append(key);
      RowSource::Found found = store_->Get(full_key, &bytes);
      if (found == RowSource::Found::kNo) continue;
      passing = V{};
      if (found == RowSource::Found::kError || !Deserialize(bytes, &passing)) {
        auto lock = LockCache();
        self->NoteReadError(
            found == RowSource::Found::kError ? bytes : "the record " + key + " does not decode");
        continue;
      }
      visit(passing);
    }
    for (const Row* row : changed) {
      if (!row->erased) visit(row->value);
    }
  }
  // The records of each partition of `partitions` in ordering `ordering` with
  // from <= number < to, in (number, key) order: one list per partition, in the order given.
  // The lists stay valid as long as ForEach's records do.
  std::vector<std::vector<const V*>> InOrderEach(size_t ordering,
                                                 std::span<const std::string_view> partitions,
                                                 int64_t from, int64_t to) const {
    std::vector<std::vector<const V*>> out(partitions.size());
    if (store_ == nullptr) {
      PlaceChanged();
      for (size_t i = 0; i < partitions.size(); ++i) {
        orderings_[ordering].rows.Range(partitions[i], from, to,
                                        [&](uint32_t at) { out[i].push_back(&RowAt(at).value); });
      }
      return out;
    }
    auto rows = StoredInOrder(ordering, partitions, from, to);
    for (size_t i = 0; i < partitions.size(); ++i) {
      out[i].reserve(rows[i].size());
      for (const Row* row : rows[i]) out[i].push_back(&row->value);
    }
    return out;
  }
  // The partitions of ordering `ordering` that hold a record: of a table held in memory.
  std::vector<std::string_view> Partitions(size_t ordering) const {
    PlaceChanged();
    return orderings_[ordering].rows.Partitions();
  }

  // Visits records in no particular order. A table kept in the store reads every record back
  // into its cache, so that the visited records stay put for the reader.
  void ForEach(const std::function<void(const std::string&, const V&)>& visit) const {
    for (const Row* row : LiveRows()) visit(row->key, row->value);
  }
  // Visits every live record in no particular order, as ForEach does, but keeps none that it
  // reads back from the store: a record not in memory is decoded into a value that lives only
  // during its visit. For readers that fold the records into figures and hold no reference
  // past a visit: one that reads a whole table holds one record at a time, not the table.
  void Stream(const std::function<void(const std::string&, const V&)>& visit) const {
    StreamRange("", "", visit);
  }
  // Stream() over the records whose keys are in [first, last) (no end if `last` is empty): a
  // table kept in the store reads only that range of it.
  void StreamRange(std::string_view first, std::string_view last,
                   const std::function<void(const std::string&, const V&)>& visit) const {
    auto in_range = [&](std::string_view key) {
      return key >= first && (last.empty() || key < last);
    };
    if (store_ == nullptr) {
      ForEachRow([&](const Row& row) {
        if (in_range(row.key)) visit(row.key, row.value);
      });
      return;
    }
    std::string key;
    V passing{};
    // Records' keys sort after the orderings' entries.
    std::string start = prefix_;
    start.append(std::max(first, std::string_view(kRecordsStart)));
    std::string end;
    if (!last.empty()) end = prefix_ + std::string(last);
    std::string failed =
        store_->Scan(start, prefix_, end, [&](std::string_view stored_key, std::string_view bytes) {
          std::string_view name = stored_key.substr(prefix_.size());
          if (!last.empty() && name >= last) return false;
          const Row* held = nullptr;
          {
            auto lock = LockCache();
            auto it = index_.find(name);
            if (it != index_.end()) held = &RowAt(it->row);
          }
          // A record in memory is the current one (a changed record's stored bytes are stale);
          // it stays put while the reader holds the views, as ForEach's do.
          if (held != nullptr) {
            if (!held->erased) visit(held->key, held->value);
            return true;
          }
          passing = V{};
          if (!Deserialize(bytes, &passing)) {
            auto lock = LockCache();
            const_cast<Table*>(this)->NoteReadError("the record " + std::string(name) +
                                                    " does not decode");
            return true;
          }
          key.assign(name);
          visit(key, passing);
          return true;
        });
    if (!failed.empty()) {
      auto lock = LockCache();
      const_cast<Table*>(this)->NoteReadError(failed);
    }
    // And the records not stored yet.
    std::vector<const Row*> unstored;
    {
      auto lock = LockCache();
      ForEachRow([&](const Row& row) {
        if (!row.in_store && in_range(row.key)) unstored.push_back(&row);
      });
    }
    for (const Row* row : unstored) visit(row->key, row->value);
  }
  // Records in key order.
  std::vector<std::pair<const std::string*, const V*>> Sorted() const {
    std::vector<std::pair<const std::string*, const V*>> out;
    for (const Row* row : LiveRows()) out.emplace_back(&row->key, &row->value);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    return out;
  }

  void WriteChanges(const std::string& prefix, StateSink* sink) const override {
    auto lock = LockCache();
    std::vector<std::pair<std::string_view, const Row*>> order;
    order.reserve(dirty_.size());
    for (uint32_t at : dirty_) order.emplace_back(RowAt(at).key, &RowAt(at));
    WriteOrderings(prefix, order, /*whole=*/false, sink);
    WriteSorted(prefix, &order, sink);
  }
  size_t changes() const override { return dirty_.size(); }
  void WriteWhole(const std::string& prefix, StateSink* sink) const override {
    auto lock = LockCache();
    std::vector<std::pair<std::string_view, const Row*>> order;
    order.reserve(live_);
    ForEachRow([&](const Row& row) { order.emplace_back(row.key, &row); });
    WriteOrderings(prefix, order, /*whole=*/true, sink);
    WriteSorted(prefix, &order, sink);
  }
  void ForgetChanges() override {
    auto lock = LockCache();
    for (uint32_t at : dirty_) {
      Row& row = RowAt(at);
      row.dirty = false;
      if (store_ != nullptr) {
        // As stored now, in the orderings too: out of the places of changed records.
        for (Ordering& o : orderings_) o.rows.Place(at, row.key, std::nullopt);
        row.unordered = false;
      }
      if (row.erased) {
        FreeRow(at);
      } else if (store_ != nullptr) {
        if (written_keys_ && !row.in_store) written_keys_->Add(row.key);  // its first write
        // Now as stored: cached, and evictable.
        row.in_store = true;
        cached_bytes_ += row.bytes;
        Remember(at);
      }
    }
    dirty_.clear();
    stored_at_.clear();
    if (store_ != nullptr) {
      // The rows written are out of the places of changed records: with no ordering read since
      // (a rebuild reads none through the whole history), their entries would pile up.
      std::erase_if(unordered_, [this](uint32_t at) { return !RowAt(at).unordered; });
    }
  }
  bool LoadRow(std::string_view key, std::string_view value) override {
    V v{};
    if (!Deserialize(value, &v)) return false;
    uint32_t at = LiveRow(key);
    RowAt(at).value = std::move(v);
    MarkUnordered(at);
    return true;
  }
  // Places the records changed or loaded since the last call in the orderings. Readers call it
  // under the views' shared lock, so it takes a lock of its own; nothing else changes the
  // orderings but the applier and ForgetChanges(), which hold the views' lock alone.
  void PlaceChanged() const {
    std::lock_guard<std::mutex> lock(placing_mu_);
    const_cast<Table*>(this)->PlaceChangedLocked();
  }
  void Clear() override {
    auto lock = LockCache();
    for (uint32_t i = 0; i < used_; ++i) {
      Row& row = RowAt(i);
      if (!row.in_use || row.erased) continue;
      row.value = V{};
      row.erased = true;
      MarkDirty(i);
    }
    live_ = 0;
    for (Ordering& o : orderings_) o.rows.Clear();
    for (uint32_t at : unordered_) RowAt(at).unordered = false;
    unordered_.clear();
  }
  size_t size() const override { return store_ == nullptr ? live_ : LiveRows().size(); }
  std::vector<std::pair<std::string, std::string>> Dump() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Row* row : LiveRows()) out.emplace_back(row->key, Serialize(row->value));
    std::sort(out.begin(), out.end());
    return out;
  }

  void KeepInStore(const RowSource* store, std::string prefix) override {
    store_ = store;
    prefix_ = std::move(prefix);
  }
  size_t cached_bytes() const override {
    auto lock = LockCache();
    return cached_bytes_;
  }
  void Trim(size_t budget) override {
    auto lock = LockCache();
    // A clock: a record read since the hand last passed it is passed over once.
    for (size_t turns = 2 * clock_.size(); cached_bytes_ > budget && turns > 0 && !clock_.empty();
         --turns) {
      uint32_t at = clock_.front();
      clock_.pop_front();
      Row& row = RowAt(at);
      if (!row.in_use || !row.in_clock) continue;  // a stale entry
      if (row.dirty) {                             // changed: back on the clock once written
        row.in_clock = false;
        continue;
      }
      if (row.referenced) {
        row.referenced = false;
        clock_.push_back(at);
        continue;
      }
      cached_bytes_ -= row.bytes;
      --live_;
      FreeRow(at);
    }
  }
  void NoteWrittenKeys() override {
    auto lock = LockCache();
    written_keys_.emplace();
  }
  void StopNotingWrittenKeys() override {
    auto lock = LockCache();
    written_keys_.reset();
  }
  std::string TakeReadError() override {
    auto lock = LockCache();
    std::string error;
    if (read_errors_ > 0) {
      error = std::to_string(read_errors_) + " failed reads of " + prefix_ +
              ", the first: " + read_error_;
    }
    read_errors_ = 0;
    read_error_.clear();
    return error;
  }

 private:
  // Rows live in fixed-size chunks, so they never move: the index and the list of changes
  // refer to them by number. A row whose deletion was written is reused by the next new key.
  struct Row {
    std::string key;
    V value{};
    bool in_use = false;
    bool dirty = false;      // listed in dirty_
    bool erased = false;     // a deletion not yet flushed
    bool unordered = false;  // listed in unordered_
    // For a table kept in the store:
    bool in_store = false;       // the store holds a version of it (so a scan finds it)
    bool in_clock = false;       // listed in clock_
    bool referenced = false;     // read since the clock's hand last passed it
    mutable uint32_t bytes = 0;  // its size in memory, roughly, as of when it was last stored
  };
  struct Ordering {
    std::function<std::optional<OrderKey>(const V&)> where;
    Places places = Places::kSomeRecords;
    OrderedRows rows;
  };
  static constexpr uint32_t kChunkBits = 8;
  static constexpr uint32_t kChunkRows = 1u << kChunkBits;
  // What a row costs in memory: itself in its chunk, what its key and record allocate
  // (HeapBytesOf: several times the stored bytes for records of lists), its index slot (the
  // index is kept at most 7/8 full) and its place on the clock.
  static uint32_t RowCost(const Row& row) {
    size_t bytes = sizeof(Row) + 2 * sizeof(uint64_t) + sizeof(uint32_t) +
                   ArchiveSizer::HeapOf(row.key) + HeapBytesOf(row.value);
    return static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX));
  }

  // The index holds a row number and its key's hash: probing compares hashes without touching
  // the rows, and growing the index rehashes without reading a key.
  struct Slot {
    uint32_t row;
    uint32_t hash;
  };
  static uint32_t HashOf(std::string_view key) {
    return static_cast<uint32_t>(std::hash<std::string_view>{}(key));
  }
  struct SlotHash {
    using is_transparent = void;
    size_t operator()(const Slot& slot) const { return slot.hash; }
    size_t operator()(std::string_view key) const { return HashOf(key); }
  };
  struct SlotEqual {
    using is_transparent = void;
    const Table* table;
    bool operator()(const Slot& a, const Slot& b) const { return a.row == b.row; }
    bool operator()(std::string_view key, const Slot& slot) const {
      return table->RowAt(slot.row).key == key;
    }
    bool operator()(const Slot& slot, std::string_view key) const {
      return table->RowAt(slot.row).key == key;
    }
  };

  // The cache's lock, held only by a table kept in the store: in memory alone, readers change
  // nothing.
  std::unique_lock<std::mutex> LockCache() const {
    return store_ != nullptr ? std::unique_lock<std::mutex>(cache_mu_)
                             : std::unique_lock<std::mutex>();
  }

  // Writes `rows` in ascending key order: puts, and deletions for erased ones.
  void WriteSorted(const std::string& prefix,
                   std::vector<std::pair<std::string_view, const Row*>>* rows,
                   StateSink* sink) const {
    std::sort(rows->begin(), rows->end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string key;
    std::string bytes;
    for (const auto& [name, row] : *rows) {
      key.assign(prefix).append(name);
      if (row->erased) {
        sink->Delete(key);
        continue;
      }
      bytes.clear();
      SerializeTo(row->value, &bytes);
      if (row->dirty) row->bytes = RowCost(*row);
      sink->Put(key, bytes);
    }
  }

  Row& RowAt(uint32_t at) { return chunks_[at >> kChunkBits][at & (kChunkRows - 1)]; }
  const Row& RowAt(uint32_t at) const { return chunks_[at >> kChunkBits][at & (kChunkRows - 1)]; }

  template <class Visit>
  void ForEachRow(Visit visit) const {
    for (uint32_t i = 0; i < used_; ++i) {
      const Row& row = RowAt(i);
      if (row.in_use && !row.erased) visit(row);
    }
  }

  // Every live record; for a table kept in the store, read back from it into the cache.
  std::vector<const Row*> LiveRows() const {
    auto lock = LockCache();
    std::vector<const Row*> out;
    if (store_ == nullptr) {
      out.reserve(live_);
      ForEachRow([&](const Row& row) { out.push_back(&row); });
      return out;
    }
    auto* self = const_cast<Table*>(this);
    // The records, after the orderings' entries.
    std::string failed = store_->Scan(prefix_ + kRecordsStart, prefix_, "",
                                      [&](std::string_view stored_key, std::string_view bytes) {
                                        std::string_view key = stored_key.substr(prefix_.size());
                                        uint32_t at = self->Cached(key, &bytes);
                                        if (at != kNone && !RowAt(at).erased)
                                          out.push_back(&RowAt(at));
                                        return true;
                                      });
    if (!failed.empty()) self->NoteReadError(failed);
    // And the records not stored yet.
    ForEachRow([&](const Row& row) {
      if (!row.in_store) out.push_back(&row);
    });
    return out;
  }

  // A table's stored keys: "\x01" + ordering number + partition + "\0\x01" + number (8 bytes,
  // big-endian, sign flipped) + record key for an ordering's entry, then the records' keys,
  // which are text and sort after them. A NUL within the partition (an id is the client's text)
  // is written "\0\xff", so that no partition's entries fall within another's prefix.
  static constexpr char kOrderingMark = '\x01';
  static constexpr char kRecordsStart[] = "\x02";
  // Whether the store's entries in [start, end) of ordering `ordering` take more than a third of
  // the bytes of the ordering's entries.
  bool HoldsMostOf(size_t ordering, std::string_view start, std::string_view end) const {
    std::string first = prefix_ + std::string(1, kOrderingMark);
    std::string last = first;
    first.push_back(static_cast<char>('0' + ordering));
    last.push_back(static_cast<char>('0' + ordering + 1));
    const uint64_t whole = store_->ApproximateBytes(first, last);
    return whole > 0 && store_->ApproximateBytes(start, end) * 3 > whole;
  }
  static std::string OrderingPrefix(size_t ordering, std::string_view partition) {
    std::string key(1, kOrderingMark);
    key.push_back(static_cast<char>('0' + ordering));
    for (char c : partition) {
      key.push_back(c);
      if (c == '\0') key.push_back('\xff');
    }
    key.append("\0\x01", 2);
    return key;
  }
  static void AppendNumber(int64_t number, std::string* key) {
    uint64_t bits = static_cast<uint64_t>(number) ^ (uint64_t{1} << 63);
    for (int shift = 56; shift >= 0; shift -= 8) key->push_back(static_cast<char>(bits >> shift));
  }
  static int64_t ReadNumber(std::string_view bytes) {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(bytes[i]);
    return static_cast<int64_t>(bits ^ (uint64_t{1} << 63));
  }

  // The orderings' entries of `rows`, written before the records (their keys sort first): for a
  // whole write, every record's places; else, for each changed record whose place changed, a
  // deletion of the stored place and the new place.
  void WriteOrderings(const std::string& prefix,
                      const std::vector<std::pair<std::string_view, const Row*>>& rows, bool whole,
                      StateSink* sink) const {
    if (store_ == nullptr || orderings_.empty()) return;
    std::vector<std::pair<std::string, bool>> entries;  // (key, put or delete)
    auto entry = [&](size_t n, const OrderKey& where, std::string_view key, bool put) {
      std::string full = prefix + OrderingPrefix(n, where.partition);
      AppendNumber(where.order, &full);
      full.append(key);
      entries.emplace_back(std::move(full), put);
    };
    for (const auto& [key, row] : rows) {
      auto stored = whole ? stored_at_.end() : stored_at_.find(AtOfRow(row));
      for (size_t n = 0; n < orderings_.size(); ++n) {
        std::optional<OrderKey> now = row->erased ? std::nullopt : orderings_[n].where(row->value);
        std::optional<OrderKey> before =
            stored == stored_at_.end() ? std::nullopt : stored->second[n];
        if (before == now) continue;
        if (before) entry(n, *before, key, false);
        if (now) entry(n, *now, key, true);
      }
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [key, put] : entries) {
      if (put) {
        sink->Put(key, "");
      } else {
        sink->Delete(key);
      }
    }
  }
  uint32_t AtOfRow(const Row* row) const { return index_.find(std::string_view(row->key))->row; }

  // The records of each of `partitions` in ordering `ordering` with from <= number < to, in
  // (number, key) order, read back as needed: the stored entries of the records not changed
  // since the last write, merged with the places of those changed. One list per partition; the
  // store is read with one pass over the partitions.
  std::vector<std::vector<const Row*>> StoredInOrder(size_t ordering,
                                                     std::span<const std::string_view> partitions,
                                                     int64_t from, int64_t to) const {
    struct Placed {
      int64_t order;
      std::string_view key;
      const Row* row;
    };
    // Under the cache's lock, as every reader that reads rows of a table in the store.
    auto lock = LockCache();
    auto* self = const_cast<Table*>(this);
    self->PlaceChangedLocked();
    std::vector<RowSource::Range> ranges(partitions.size());
    for (size_t i = 0; i < partitions.size(); ++i) {
      ranges[i].prefix = prefix_ + OrderingPrefix(ordering, partitions[i]);
      ranges[i].start = ranges[i].prefix;
      AppendNumber(from, &ranges[i].start);
    }
    std::vector<std::vector<std::pair<int64_t, std::string>>> entries(partitions.size());
    std::string failed =
        store_->ScanEach(ranges, [&](size_t i, std::string_view stored_key, std::string_view) {
          std::string_view rest = stored_key.substr(ranges[i].prefix.size());
          if (rest.size() < 8) return true;
          int64_t order = ReadNumber(rest);
          if (order >= to) return false;
          entries[i].emplace_back(order, std::string(rest.substr(8)));
          return true;
        });
    if (!failed.empty()) self->NoteReadError(failed);
    std::vector<std::vector<const Row*>> out(partitions.size());
    for (size_t i = 0; i < partitions.size(); ++i) {
      std::vector<Placed> changed;
      orderings_[ordering].rows.Range(partitions[i], from, to, [&](uint32_t at) {
        const Row& row = RowAt(at);
        changed.push_back(Placed{orderings_[ordering].where(row.value)->order, row.key, &row});
      });
      std::vector<Placed> stored;
      stored.reserve(entries[i].size());
      for (const auto& [order, key] : entries[i]) {
        // A changed record's stored entry is stale: its place is among the changed ones.
        auto it = index_.find(std::string_view(key));
        if (it != index_.end() && RowAt(it->row).dirty) continue;
        uint32_t at = self->Cached(key);
        if (at == kNone || RowAt(at).erased) continue;
        stored.push_back(Placed{order, RowAt(at).key, &RowAt(at)});
      }
      std::vector<Placed> merged(stored.size() + changed.size());
      std::merge(stored.begin(), stored.end(), changed.begin(), changed.end(), merged.begin(),
                 [](const Placed& a, const Placed& b) {
                   return std::tie(a.order, a.key) < std::tie(b.order, b.key);
                 });
      out[i].reserve(merged.size());
      for (const Placed& p : merged) out[i].push_back(p.row);
    }
    return out;
  }

  static constexpr uint32_t kNone = UINT32_MAX;

  // The row under `key`, in memory or read back from the store (from `stored` if the caller
  // has its bytes); kNone if there is none. Marks it as read, for the clock. In memory alone,
  // it changes nothing, for readers that share the table without a lock.
  uint32_t Cached(std::string_view key, const std::string_view* stored = nullptr) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      if (store_ != nullptr) RowAt(it->row).referenced = true;
      return it->row;
    }
    if (store_ == nullptr) return kNone;
    if (stored == nullptr && written_keys_ && !written_keys_->MayContain(key)) return kNone;
    std::string bytes;
    if (stored == nullptr) {
      std::string full_key = prefix_;
      full_key.append(key);
      RowSource::Found found = store_->Get(full_key, &bytes);
      if (found == RowSource::Found::kNo) return kNone;
      if (found == RowSource::Found::kError) {
        NoteReadError(bytes);
        return kNone;
      }
    }
    std::string_view value = stored != nullptr ? *stored : std::string_view(bytes);
    V record{};
    if (!Deserialize(value, &record)) {
      NoteReadError("the record " + std::string(key) + " does not decode");
      return kNone;
    }
    uint32_t at = NewRow(key);
    Row& row = RowAt(at);
    row.value = std::move(record);
    row.in_store = true;
    row.bytes = RowCost(row);
    cached_bytes_ += row.bytes;
    ++live_;
    Remember(at);
    return at;
  }

  void NoteReadError(const std::string& error) {
    if (read_errors_++ == 0) read_error_ = error;
  }

  // Puts a stored row on the clock, from which Trim() evicts.
  void Remember(uint32_t at) {
    Row& row = RowAt(at);
    if (row.in_clock) return;
    row.in_clock = true;
    clock_.push_back(at);
  }

  // The row under `key`, created if absent, live (not erased) afterwards. Consecutive events
  // often change the same record (a day, a page, an estate): the last row is checked before
  // hashing. A row whose deletion was written is no longer in use.
  uint32_t LiveRow(std::string_view key) {
    if (!(last_ < used_ && RowAt(last_).in_use && RowAt(last_).key == key)) {
      last_ = Cached(key);
      if (last_ == kNone) {
        last_ = NewRow(key);
        ++live_;
        return last_;
      }
    }
    Row& row = RowAt(last_);
    if (row.erased) {
      row.erased = false;
      ++live_;
    }
    return last_;
  }

  // A new row for `key`, in the index.
  uint32_t NewRow(std::string_view key) {
    uint32_t at;
    if (!free_.empty()) {
      at = free_.back();
      free_.pop_back();
    } else {
      if ((used_ >> kChunkBits) == chunks_.size()) {
        chunks_.push_back(std::make_unique<Row[]>(kChunkRows));
      }
      at = used_++;
    }
    Row& row = RowAt(at);
    row.key.assign(key);
    row.in_use = true;
    index_.insert(Slot{at, HashOf(key)});
    return at;
  }

  // Forgets a row whose deletion is written (or need not be), for reuse.
  void FreeRow(uint32_t at) {
    Row& row = RowAt(at);
    for (Ordering& o : orderings_) o.rows.Place(at, row.key, std::nullopt);
    index_.erase(std::string_view(row.key));
    row = Row{};
    free_.push_back(at);
  }

  void MarkDirty(uint32_t at) {
    MarkUnordered(at);
    Row& row = RowAt(at);
    if (row.dirty) return;
    // A stored row is held until it is written: no longer evictable. Where it stands in the
    // stored orderings is noted, for the write to move it.
    if (store_ != nullptr && row.in_store) {
      cached_bytes_ -= row.bytes;
      if (!orderings_.empty()) {
        std::vector<std::optional<OrderKey>>& places = stored_at_[at];
        for (const Ordering& o : orderings_) places.push_back(o.where(row.value));
      }
    }
    row.dirty = true;
    dirty_.push_back(at);
  }
  void PlaceChangedLocked() {
    for (uint32_t at : unordered_) {
      Row& row = RowAt(at);
      if (!row.unordered) continue;  // freed, and taken out of the orderings then
      row.unordered = false;
      bool live = row.in_use && !row.erased;
      for (Ordering& o : orderings_) {
        o.rows.Place(at, row.key, live ? o.where(row.value) : std::nullopt);
      }
    }
    unordered_.clear();
  }
  void MarkUnordered(uint32_t at) {
    Row& row = RowAt(at);
    if (orderings_.empty() || row.unordered) return;
    row.unordered = true;
    unordered_.push_back(at);
  }

  std::vector<std::unique_ptr<Row[]>> chunks_;
  uint32_t used_ = 0;           // rows handed out from the chunks, in use or free
  std::vector<uint32_t> free_;  // rows whose deletion was written, to reuse
  boost::unordered_flat_set<Slot, SlotHash, SlotEqual> index_;
  std::vector<uint32_t> dirty_;  // the rows changed since the last flush
  std::vector<Ordering> orderings_;
  std::vector<uint32_t> unordered_;  // the rows changed since the last PlaceChanged()
  mutable std::mutex placing_mu_;
  size_t live_ = 0;
  uint32_t last_ = UINT32_MAX;  // the row Mutable() returned last

  // Kept in the store (KeepInStore): where, and the cache. cache_mu_ guards the rows, the index
  // and what follows, for readers that read records back beside one another.
  const RowSource* store_ = nullptr;
  std::string prefix_;
  mutable std::mutex cache_mu_;
  std::deque<uint32_t> clock_;  // stored rows in memory, the next to consider for eviction first
  size_t cached_bytes_ = 0;     // of the rows in memory that are as stored (not changed)
  size_t read_errors_ = 0;
  std::string read_error_;
  // The keys written since the store was cleared, while a catch-up notes them.
  std::optional<KeyFilter> written_keys_;
  // Of the changed rows that were stored: where the stored version stands in each ordering.
  boost::unordered_flat_map<uint32_t, std::vector<std::optional<OrderKey>>> stored_at_;
};

}  // namespace projections
