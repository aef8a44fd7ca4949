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

#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

#include "projections/archive.h"
#include "projections/ordered_rows.h"

namespace projections {

// Where a flush goes: the engine hands a RocksDB batch behind this.
class StateSink {
 public:
  virtual ~StateSink() = default;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
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
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    const Row& row = RowAt(it->row);
    return row.erased ? nullptr : &row.value;
  }
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }

  // The record under `key`, created empty if absent; marked as changed.
  V& Mutable(std::string_view key) {
    uint32_t at = LiveRow(key);
    MarkDirty(at);
    return RowAt(at).value;
  }
  void Erase(std::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    Row& row = RowAt(it->row);
    if (row.erased) return;
    // Kept as a tombstone until the next flush writes the deletion.
    row.value = V{};
    row.erased = true;
    --live_;
    MarkDirty(it->row);
  }

  // Declares an ordering of the records (ordered_rows.h): `where` says where a record stands,
  // or nullopt to leave it out. Declared before any record is added; returns its number.
  size_t AddOrdering(std::function<std::optional<OrderKey>(const V&)> where) {
    orderings_.push_back(Ordering{std::move(where), {}});
    return orderings_.size() - 1;
  }
  // Calls visit(record) for the records of `partition` in ordering `ordering` with
  // from <= number < to, in (number, key) order.
  template <class Visit>
  void ForEachInOrder(size_t ordering, std::string_view partition, int64_t from, int64_t to,
                      Visit visit) const {
    PlaceChanged();
    orderings_[ordering].rows.Range(partition, from, to,
                                    [&](uint32_t at) { visit(RowAt(at).value); });
  }
  // The partitions of ordering `ordering` that hold a record.
  std::vector<std::string_view> Partitions(size_t ordering) const {
    PlaceChanged();
    return orderings_[ordering].rows.Partitions();
  }

  // Visits records in no particular order.
  void ForEach(const std::function<void(const std::string&, const V&)>& visit) const {
    ForEachRow([&](const Row& row) { visit(row.key, row.value); });
  }
  // Records in key order.
  std::vector<std::pair<const std::string*, const V*>> Sorted() const {
    std::vector<std::pair<const std::string*, const V*>> out;
    out.reserve(live_);
    ForEachRow([&](const Row& row) { out.emplace_back(&row.key, &row.value); });
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    return out;
  }

  void WriteChanges(const std::string& prefix, StateSink* sink) const override {
    std::vector<std::pair<std::string_view, const Row*>> order;
    order.reserve(dirty_.size());
    for (uint32_t at : dirty_) order.emplace_back(RowAt(at).key, &RowAt(at));
    WriteSorted(prefix, &order, sink);
  }
  size_t changes() const override { return dirty_.size(); }
  void WriteWhole(const std::string& prefix, StateSink* sink) const override {
    std::vector<std::pair<std::string_view, const Row*>> order;
    order.reserve(live_);
    ForEachRow([&](const Row& row) { order.emplace_back(row.key, &row); });
    WriteSorted(prefix, &order, sink);
  }
  void ForgetChanges() override {
    for (uint32_t at : dirty_) {
      Row& row = RowAt(at);
      row.dirty = false;
      if (row.erased) FreeRow(at);
    }
    dirty_.clear();
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
  size_t size() const override { return live_; }
  std::vector<std::pair<std::string, std::string>> Dump() const override {
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(live_);
    ForEachRow([&](const Row& row) { out.emplace_back(row.key, Serialize(row.value)); });
    std::sort(out.begin(), out.end());
    return out;
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
  };
  struct Ordering {
    std::function<std::optional<OrderKey>(const V&)> where;
    OrderedRows rows;
  };
  static constexpr uint32_t kChunkBits = 8;
  static constexpr uint32_t kChunkRows = 1u << kChunkBits;

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

  // The row under `key`, created if absent, live (not erased) afterwards. Consecutive events
  // often change the same record (a day, a page, an estate): the last row is checked before
  // hashing. A row whose deletion was written is no longer in use.
  uint32_t LiveRow(std::string_view key) {
    if (!(last_ < used_ && RowAt(last_).in_use && RowAt(last_).key == key)) {
      auto it = index_.find(key);
      if (it == index_.end()) {
        last_ = NewRow(key);
        ++live_;
        return last_;
      }
      last_ = it->row;
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
};

}  // namespace projections
