// OrderedRows: a secondary ordering of a table's rows, so that a query reads the records of one
// estate or household in a period instead of every record the view ever held.
//
// A table (table.h) places each of its rows under a partition (an estate, a household) at a
// number (a time), or nowhere, as its records change; the entries within a partition are in
// (number, key) order, the order the views list their items in. The ordering is derived from
// the records and never stored: a table loaded from the store places its rows again.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace projections {

// Where a record stands in an ordering.
struct OrderKey {
  std::string partition;
  int64_t order = 0;
  friend bool operator==(const OrderKey&, const OrderKey&) = default;
};

// What an ordering places: every record of its table, in one partition or another (each
// estate's records by day), or only some (the households ever flagged). A long range of an
// ordering that places every record is cheaper read as the whole table (Table::StreamInOrder);
// one of an ordering that places some is read record by record, however long.
enum class Places { kEveryRecord, kSomeRecords };

// The same place across the district: one partition ("") for every estate's records, so that a
// district's period is one range of an ordering, as an estate's is.
inline std::optional<OrderKey> AcrossDistrict(std::optional<OrderKey> at) {
  if (at) at->partition.clear();
  return at;
}

class OrderedRows {
 public:
  // Places row `row`, whose key is `key`, under `where`, or nowhere. `key` must stay valid
  // while the row is placed: it is the table's own copy of the row's key.
  void Place(uint32_t row, std::string_view key, const std::optional<OrderKey>& where) {
    auto placed = placed_.find(row);
    if (placed != placed_.end()) {
      PartitionMap::iterator partition = placed->second.partition;
      if (where && partition->first == where->partition && placed->second.order == where->order) {
        return;
      }
      partition->second.erase(Entry{placed->second.order, key, row});
      if (partition->second.empty()) partitions_.erase(partition);
      placed_.erase(placed);
    }
    if (!where) return;
    auto partition = partitions_.find(where->partition);
    if (partition == partitions_.end()) partition = partitions_.try_emplace(where->partition).first;
    partition->second.insert(Entry{where->order, key, row});
    placed_.emplace(row, Placement{partition, where->order});
  }

  void Clear() {
    partitions_.clear();
    placed_.clear();
  }

  // Calls visit(row) for the rows of `partition` with from <= number < to, in (number, key)
  // order.
  template <class Visit>
  void Range(std::string_view partition, int64_t from, int64_t to, Visit visit) const {
    auto it = partitions_.find(partition);
    if (it == partitions_.end() || from >= to) return;
    const auto& entries = it->second;
    for (auto e = entries.lower_bound(Entry{from, {}, 0}); e != entries.end() && e->order < to;
         ++e) {
      visit(e->row);
    }
  }

  // The partitions that hold at least one row, in order.
  std::vector<std::string_view> Partitions() const {
    std::vector<std::string_view> out;
    out.reserve(partitions_.size());
    for (const auto& [name, entries] : partitions_) out.push_back(name);
    return out;
  }

 private:
  struct Entry {
    int64_t order;
    std::string_view key;
    uint32_t row;
    friend bool operator<(const Entry& a, const Entry& b) {
      return std::tie(a.order, a.key) < std::tie(b.order, b.key);
    }
  };
  using PartitionMap = std::map<std::string, std::set<Entry>, std::less<>>;
  // Where a placed row is: its partition (a map node, which stays put while it holds a row) and
  // its number. The partition's name is not copied for every row.
  struct Placement {
    PartitionMap::iterator partition;
    int64_t order;
  };
  PartitionMap partitions_;
  boost::unordered_flat_map<uint32_t, Placement> placed_;
};

}  // namespace projections
