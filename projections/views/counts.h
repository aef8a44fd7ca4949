// Counts by key (by status, by category, by answer), as views and reports list them.

#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace projections {

// Fills `list`, a Cap'n Proto list of structs with a key and a count that was initialised with
// counts.size() items, in key order.
template <class ListBuilder>
void FillCounts(const std::map<std::string, uint32_t>& counts, ListBuilder list) {
  size_t i = 0;
  for (const auto& [key, n] : counts) {
    list[i].setKey(key);
    list[i].setCount(n);
    ++i;
  }
}

}  // namespace projections
