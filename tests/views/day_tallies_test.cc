// The keys of the tallies (day_tallies.h): estate and company ids are a client's text, so a key
// must name one day or month, estate and company whatever characters they hold; an estate's days
// and the district's months must each be one range of keys.

#include "projections/views/day_tallies.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

using projections::DayTallyKey;
using projections::EstateDayStart;
using projections::FirstDayOfMonth;
using projections::LastDayOfMonth;
using projections::MonthOfDay;
using projections::MonthStart;
using projections::MonthTallyKey;
using projections::ParseTallyKey;

}  // namespace

TEST_CASE("a tally's key names its day or month, estate and company, whatever their text",
          "[day_tallies]") {
  using namespace std::string_literals;
  // Ids a client could send to make two tallies share a key: separators, digits, NUL, empty.
  const std::vector<std::string> ids = {
      "", "e", "e:1", "1:e", "12:", "e\0x"s, "\0"s, "estate/e", ":", "0123456789abcdef"};
  const std::vector<int64_t> numbers = {-1'000'000, -1, 0, 1, 20'454, 2'932'896};
  std::set<std::string> keys;
  for (int64_t n : numbers) {
    for (const auto& estate : ids) {
      for (const auto& company : ids) {
        INFO(n << " [" << estate << "] [" << company << "]");
        for (bool month : {false, true}) {
          std::string key =
              month ? MonthTallyKey(n, estate, company) : DayTallyKey(n, estate, company);
          auto parts = ParseTallyKey(key);
          REQUIRE(parts);
          CHECK(parts->month == month);
          CHECK(parts->day == n);
          CHECK(parts->estate == estate);
          CHECK(parts->company == company);
          // Text that sorts after the orderings' entries (table.h), like every record key.
          CHECK(key[0] > '\x02');
          keys.insert(key);
        }
      }
    }
  }
  // No two share a key, a day's or a month's.
  CHECK(keys.size() == 2 * numbers.size() * ids.size() * ids.size());

  CHECK_FALSE(ParseTallyKey(""));
  CHECK_FALSE(ParseTallyKey("complaint/c-1"));
  CHECK_FALSE(ParseTallyKey("d9:short"));                     // an estate longer than the key
  CHECK_FALSE(ParseTallyKey("d1:e" + std::string(15, '0')));  // a day cut short
  CHECK_FALSE(ParseTallyKey(MonthStart(5) + "9:short"));
}

TEST_CASE("an estate's days, and the district's months, are each one range of keys in order",
          "[day_tallies]") {
  for (int64_t n : {-2, -1, 0, 1, 365}) {
    INFO(n);
    // Every key of an estate's day is in [EstateDayStart(e, day), EstateDayStart(e, day + 1)),
    // and no other estate's, even one whose id starts with this one's.
    CHECK(EstateDayStart("e", n) <= DayTallyKey(n, "e", ""));
    CHECK(DayTallyKey(n, "e", "\xff\xff") < EstateDayStart("e", n + 1));
    CHECK(EstateDayStart("e", n) < EstateDayStart("e", n + 1));
    for (const char* other : {"e1", "", "d", "f"}) {
      std::string key = DayTallyKey(n, other, "c");
      CHECK((key < EstateDayStart("e", -1'000'000) || key >= EstateDayStart("e", 1'000'000)));
    }
    // Every key of a month, whatever its estate, is in [MonthStart(m), MonthStart(m + 1)).
    CHECK(MonthStart(n) <= MonthTallyKey(n, "", ""));
    CHECK(MonthTallyKey(n, "\xff\xff", "\xff") < MonthStart(n + 1));
    // And after every day's key.
    CHECK(DayTallyKey(2'932'896, "\xff\xff", "\xff") < MonthStart(n));
  }
}

TEST_CASE("a day's month, and a month's first and last days", "[day_tallies]") {
  // 2024-02 is month 2024 × 12 + 1; its days 19,754 (02-01) to 19,782 (02-29, a leap year).
  CHECK(MonthOfDay(19'754) == 2024 * 12 + 1);
  CHECK(MonthOfDay(19'782) == 2024 * 12 + 1);
  CHECK(MonthOfDay(19'783) == 2024 * 12 + 2);
  CHECK(FirstDayOfMonth(2024 * 12 + 1) == 19'754);
  CHECK(LastDayOfMonth(2024 * 12 + 1) == 19'782);
  // 1970-01-01 is day 0; 1969-12-31 is day -1, in month 1969 × 12 + 11.
  CHECK(MonthOfDay(0) == 1970 * 12);
  CHECK(MonthOfDay(-1) == 1969 * 12 + 11);
  CHECK(FirstDayOfMonth(1969 * 12 + 11) == -31);
  CHECK(LastDayOfMonth(1969 * 12 + 11) == -1);
  // Every day of a span of years falls within its month.
  for (int64_t day = -800; day < 800; ++day) {
    int64_t month = MonthOfDay(day);
    REQUIRE(FirstDayOfMonth(month) <= day);
    REQUIRE(day <= LastDayOfMonth(month));
    REQUIRE(LastDayOfMonth(month) + 1 == FirstDayOfMonth(month + 1));
  }
}
