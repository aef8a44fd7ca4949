// Records kept in ledger order within a view's record.

#pragma once

#include <algorithm>
#include <utility>
#include <vector>

namespace projections {

// Inserts `record` into `list` (ordered by .seq) after every one with a seq not above its own.
// A replacement is applied with the seq of the event it replaces, which may not be the latest.
template <class Record>
void InsertBySeq(std::vector<Record>& list, Record record) {
  auto at = std::upper_bound(list.begin(), list.end(), record,
                             [](const Record& a, const Record& b) { return a.seq < b.seq; });
  list.insert(at, std::move(record));
}

}  // namespace projections
