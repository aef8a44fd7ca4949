// The keys of the day tallies (day_tallies.h): estate and company ids are a client's text, so a
// key must name one day, estate and company whatever characters they hold, and a period's days
// must be one range of keys.

#include "projections/views/day_tallies.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using projections::DayStart;
using projections::DayTallyKey;
using projections::ParseDayTallyKey;

}  // namespace

TEST_CASE("a day tally's key names its day, estate and company, whatever their text",
          "[day_tallies]") {
  using namespace std::string_literals;
  // Ids a client could send to make two tallies share a key: separators, digits, NUL, empty.
  const std::vector<std::string> ids = {
      "", "e", "e:1", "1:e", "12:", "e\0x"s, "\0"s, "estate/e", ":", "0123456789abcdef"};
  const std::vector<int64_t> days = {-1'000'000, -1, 0, 1, 20'454, 2'932'896};
  std::set<std::string> keys;
  for (int64_t day : days) {
    for (const auto& estate : ids) {
      for (const auto& company : ids) {
        std::string key = DayTallyKey(day, estate, company);
        INFO(day << " [" << estate << "] [" << company << "]");
        auto parts = ParseDayTallyKey(key);
        REQUIRE(parts);
        CHECK(parts->day == day);
        CHECK(parts->estate == estate);
        CHECK(parts->company == company);
        // Text that sorts after the orderings' entries (table.h), like every record key.
        CHECK(key[0] > '\x02');
        keys.insert(key);
      }
    }
  }
  CHECK(keys.size() == days.size() * ids.size() * ids.size());  // no two share a key

  CHECK_FALSE(ParseDayTallyKey(""));
  CHECK_FALSE(ParseDayTallyKey("complaint/c-1"));
  CHECK_FALSE(ParseDayTallyKey(DayStart(5) + "9:short"));  // an estate longer than the key
}

TEST_CASE("a period's day tallies are one range of keys, in the order of their days",
          "[day_tallies]") {
  // Every key of a day falls in [DayStart(day), DayStart(day + 1)), before and after zero.
  for (int64_t day : {-2, -1, 0, 1, 365}) {
    INFO(day);
    std::string key = DayTallyKey(day, "\xff\xff", "\xff");
    CHECK(DayStart(day) <= DayTallyKey(day, "", ""));
    CHECK(key < DayStart(day + 1));
    CHECK(DayStart(day) < DayStart(day + 1));
  }
}
