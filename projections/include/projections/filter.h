// What a view query may be narrowed by. Empty text means "any"; times are ms since the epoch.

#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace projections {

struct Filter {
  std::string estate;
  std::string company;
  std::string category;
  std::string channel;
  std::string status;
  std::string household;
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // exclusive
  size_t offset = 0;               // paging of item lists
  size_t limit = 100;

  bool Matches(const std::string& field, const std::string& wanted) const {
    return wanted.empty() || field == wanted;
  }
  bool InPeriod(int64_t at) const {
    return (!from_ms || at >= *from_ms) && (!to_ms || at < *to_ms);
  }
};

}  // namespace projections
