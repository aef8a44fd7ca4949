// What a view query may be narrowed by. Empty text means "any"; times are ms since the epoch.

#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "projections/page_cursor.h"

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
  // Paging by cursor, where a list offers it: the items after this one (offset is then 0).
  std::optional<PageCursor> after;

  bool Matches(const std::string& field, const std::string& wanted) const {
    return wanted.empty() || field == wanted;
  }
  bool InPeriod(int64_t at) const {
    return (!from_ms || at >= *from_ms) && (!to_ms || at < *to_ms);
  }
};

// Calls visit(record) for the records of `table` (a Table) that counts(record, f) accepts. When
// the filter names an estate, only that estate's records in the filter's period are read,
// through `by_estate`: an ordering of the table by estate and by the time the period applies to.
// When it names none, the district's records in the period are read through `in_district`, the
// same ordering across the district (AcrossDistrict), and with no period the whole table; both
// are streamed (Table::StreamInOrder, Table::Stream): the record visited may live only during
// the visit, so that a district's records are never all held at once. A visitor keeps copies,
// or ids to find again, never references, and may be called in any order.
template <class Table, class Counts, class Visit>
void ForEachCounted(const Table& table, size_t by_estate, size_t in_district, const Filter& f,
                    Counts counts, Visit visit) {
  auto counted = [&](const auto& record) {
    if (counts(record, f)) visit(record);
  };
  const int64_t from = f.from_ms.value_or(std::numeric_limits<int64_t>::min());
  const int64_t to = f.to_ms.value_or(std::numeric_limits<int64_t>::max());
  if (!f.estate.empty()) {
    table.ForEachInOrder(by_estate, f.estate, from, to, counted);
  } else if (f.from_ms || f.to_ms) {
    table.StreamInOrder(in_district, "", from, to, counted);
  } else {
    table.Stream([&](const std::string&, const auto& record) { counted(record); });
  }
}

}  // namespace projections
