// Table<V>: a view's keyed records, kept in memory and written to the view store by the engine.
//
// A view changes records through Mutable() and Erase(); the table remembers which keys changed
// so that the engine writes only those, together with the view's checkpoint, in one batch.
// Tables are not thread-safe on their own: the engine applies events under an exclusive lock and
// queries read under a shared one.

#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "projections/archive.h"

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

  // Writes every changed record under `prefix` + key, and forgets the changes.
  virtual void Flush(const std::string& prefix, StateSink* sink) = 0;
  // Restores one stored record; false if its bytes do not decode.
  virtual bool LoadRow(std::string_view key, std::string_view value) = 0;
  virtual void Clear() = 0;
  virtual size_t size() const = 0;
  // Every record, serialized, sorted by key: for comparing two builds of a view.
  virtual std::vector<std::pair<std::string, std::string>> Dump() const = 0;

 private:
  std::string name_;
};

// Hashes std::string and std::string_view alike, so that a lookup by a view of an event's text
// builds no string.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

template <class V>
class Table final : public TableBase {
 public:
  using TableBase::TableBase;

  const V* Find(std::string_view key) const {
    auto it = rows_.find(key);
    return it == rows_.end() || it->second.erased ? nullptr : &it->second.value;
  }
  bool Contains(std::string_view key) const { return Find(key) != nullptr; }

  // The record under `key`, created empty if absent; marked as changed.
  V& Mutable(std::string_view key) {
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      it = rows_.emplace(std::string(key), Row{}).first;
      ++live_;
    } else if (it->second.erased) {
      it->second.erased = false;
      ++live_;
    }
    MarkDirty(*it);
    return it->second.value;
  }
  void Erase(std::string_view key) {
    auto it = rows_.find(key);
    if (it == rows_.end() || it->second.erased) return;
    // Kept as a tombstone until the next flush writes the deletion: the list of changes points
    // into the map, so its entries must stay put until then.
    it->second.value = V{};
    it->second.erased = true;
    --live_;
    MarkDirty(*it);
  }

  // Visits records in no particular order.
  void ForEach(const std::function<void(const std::string&, const V&)>& visit) const {
    for (const auto& [k, row] : rows_) {
      if (!row.erased) visit(k, row.value);
    }
  }
  // Records in key order.
  std::vector<std::pair<const std::string*, const V*>> Sorted() const {
    std::vector<std::pair<const std::string*, const V*>> out;
    out.reserve(live_);
    for (const auto& [k, row] : rows_) {
      if (!row.erased) out.emplace_back(&k, &row.value);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    return out;
  }

  void Flush(const std::string& prefix, StateSink* sink) override {
    std::string key;
    std::string bytes;
    std::vector<std::string> erased;
    for (auto* entry : dirty_) {
      key.assign(prefix).append(entry->first);
      Row& row = entry->second;
      row.dirty = false;
      if (row.erased) {
        sink->Delete(key);
        erased.push_back(entry->first);
      } else {
        bytes.clear();
        SerializeTo(row.value, &bytes);
        sink->Put(key, bytes);
      }
    }
    dirty_.clear();
    for (const auto& k : erased) rows_.erase(k);
  }
  bool LoadRow(std::string_view key, std::string_view value) override {
    V v{};
    if (!Deserialize(value, &v)) return false;
    auto [it, inserted] = rows_.insert_or_assign(std::string(key), Row{std::move(v)});
    if (inserted) ++live_;
    return true;
  }
  void Clear() override {
    for (auto& entry : rows_) {
      if (entry.second.erased) continue;
      entry.second.value = V{};
      entry.second.erased = true;
      MarkDirty(entry);
    }
    live_ = 0;
  }
  size_t size() const override { return live_; }
  std::vector<std::pair<std::string, std::string>> Dump() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, row] : rows_) {
      if (!row.erased) out.emplace_back(k, Serialize(row.value));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct Row {
    V value{};
    bool dirty = false;   // listed in dirty_
    bool erased = false;  // a deletion not yet flushed
  };
  using Map = std::unordered_map<std::string, Row, KeyHash, std::equal_to<>>;

  void MarkDirty(typename Map::value_type& entry) {
    if (entry.second.dirty) return;
    entry.second.dirty = true;
    dirty_.push_back(&entry);
  }

  Map rows_;
  // The rows changed since the last flush. Pointers into the map stay valid as it grows: an
  // unordered_map never moves its nodes.
  std::vector<typename Map::value_type*> dirty_;
  size_t live_ = 0;
};

}  // namespace projections
