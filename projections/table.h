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
#include <unordered_set>
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

template <class V>
class Table final : public TableBase {
 public:
  using TableBase::TableBase;

  const V* Find(const std::string& key) const {
    auto it = rows_.find(key);
    return it == rows_.end() ? nullptr : &it->second;
  }
  bool Contains(const std::string& key) const { return rows_.count(key) > 0; }

  // The record under `key`, created empty if absent; marked as changed.
  V& Mutable(const std::string& key) {
    dirty_.insert(key);
    return rows_[key];
  }
  void Erase(const std::string& key) {
    if (rows_.erase(key) > 0) dirty_.insert(key);
  }

  // Visits records in no particular order.
  void ForEach(const std::function<void(const std::string&, const V&)>& visit) const {
    for (const auto& [k, v] : rows_) visit(k, v);
  }
  // Records in key order.
  std::vector<std::pair<const std::string*, const V*>> Sorted() const {
    std::vector<std::pair<const std::string*, const V*>> out;
    out.reserve(rows_.size());
    for (const auto& [k, v] : rows_) out.emplace_back(&k, &v);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    return out;
  }

  void Flush(const std::string& prefix, StateSink* sink) override {
    std::string key;
    for (const auto& k : dirty_) {
      key.assign(prefix).append(k);
      auto it = rows_.find(k);
      if (it == rows_.end()) {
        sink->Delete(key);
      } else {
        sink->Put(key, Serialize(it->second));
      }
    }
    dirty_.clear();
  }
  bool LoadRow(std::string_view key, std::string_view value) override {
    V v{};
    if (!Deserialize(value, &v)) return false;
    rows_[std::string(key)] = std::move(v);
    return true;
  }
  void Clear() override {
    for (const auto& [k, v] : rows_) dirty_.insert(k);
    rows_.clear();
  }
  size_t size() const override { return rows_.size(); }
  std::vector<std::pair<std::string, std::string>> Dump() const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : rows_) out.emplace_back(k, Serialize(v));
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::unordered_map<std::string, V> rows_;
  std::unordered_set<std::string> dirty_;
};

}  // namespace projections
