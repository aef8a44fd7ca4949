// The base library: the one calendar and its explicit time zones, hex, and the checked locks.
// (Status and Result have tests of their own; UTF-8 is checked in validate_test.cc through the
// ledger's names.)

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/civil_time.h"
#include "base/hex.h"
#include "base/mutex.h"

using base::CivilDay;
using base::TimeZone;

// A zone is always named by its caller: `TimeZone{}` meaning +08:00 does not compile.
static_assert(!std::is_default_constructible_v<TimeZone>);

TEST_CASE("civil days count from 1970-01-01, proleptic Gregorian", "[base][calendar]") {
  CHECK(base::DaysFromCivil({1970, 1, 1}) == 0);
  CHECK(base::DaysFromCivil({1969, 12, 31}) == -1);
  // 30 years of 365 days, 7 leap days (1972 ... 1996), then January (31) and February 2000 (29).
  CHECK(base::DaysFromCivil({2000, 3, 1}) == 30 * 365 + 7 + 31 + 29);
  // 55 years of 365 days and 14 leap days (1972 ... 2024).
  CHECK(base::DaysFromCivil({2025, 1, 1}) == 55 * 365 + 14);
  CHECK(base::CivilFromDays(55 * 365 + 14) == CivilDay{2025, 1, 1});
  CHECK(base::CivilFromDays(-1) == CivilDay{1969, 12, 31});
}

TEST_CASE("leap years and month lengths", "[base][calendar]") {
  CHECK(base::IsLeapYear(2024));
  CHECK(base::IsLeapYear(2000));
  CHECK_FALSE(base::IsLeapYear(1900));
  CHECK_FALSE(base::IsLeapYear(2025));
  CHECK(base::DaysInMonth(2024, 2) == 29);
  CHECK(base::DaysInMonth(2100, 2) == 28);
  CHECK(base::DaysInMonth(2025, 4) == 30);
  CHECK(base::DaysInMonth(2025, 12) == 31);
}

TEST_CASE("a day's text is YYYY-MM-DD of a real day in years 0000 to 9999", "[base][calendar]") {
  CHECK(base::ParseDay("1970-01-02") == 1);
  CHECK(base::ParseDay("2024-02-29") == base::DaysFromCivil({2024, 2, 29}));
  CHECK(base::ParseDay("0000-01-01") == base::DaysFromCivil({base::kFirstYear, 1, 1}));
  CHECK(base::ParseDay("9999-12-31") == base::DaysFromCivil({base::kLastYear, 12, 31}));
  CHECK_FALSE(base::ParseDay("2025-02-29"));
  CHECK_FALSE(base::ParseDay("2025-04-31"));
  CHECK_FALSE(base::ParseDay("2025-00-10"));
  CHECK_FALSE(base::ParseDay("10000-01-01"));
  CHECK_FALSE(base::ParseDay("-001-01-01"));
  CHECK_FALSE(base::ParseDay("2025-1-01"));
  CHECK(base::FormatDay(base::DaysFromCivil({2025, 3, 9})) == "2025-03-09");
  CHECK(base::FormatDay(base::DaysFromCivil({5, 1, 1})) == "0005-01-01");
  CHECK(base::FormatDay(0) == "1970-01-01");
  CHECK(base::FormatDay(base::DaysFromCivil({0, 1, 1})) == "0000-01-01");
  CHECK(base::FormatDay(base::DaysFromCivil({9999, 12, 31})) == "9999-12-31");
  CHECK(base::FormatDay(base::DaysFromCivil({9999, 12, 31}) + 1) == "10000-01-01");
  CHECK(base::FormatDay(base::DaysFromCivil({0, 1, 1}) - 1) == "-001-12-31");
  // Every day of a leap year and the next, as ParseDay reads them back.
  for (int64_t day = base::DaysFromCivil({2024, 1, 1}); day < base::DaysFromCivil({2026, 1, 1});
       ++day) {
    CHECK(base::ParseDay(base::FormatDay(day)) == day);
  }
}

TEST_CASE("time zones are fixed offsets, named explicitly", "[base][calendar]") {
  CHECK(TimeZone::China().offset_minutes() == 480);
  CHECK(TimeZone::Utc().offset_minutes() == 0);
  CHECK(TimeZone::FromOffsetMinutes(-330).offset_minutes() == -330);
  // A policy naming no zone means China's; unknown names are refused, not guessed.
  CHECK(TimeZone::Named("") == TimeZone::China());
  CHECK(TimeZone::Named("Asia/Shanghai") == TimeZone::China());
  CHECK(TimeZone::Named("Asia/Urumqi")->offset_minutes() == 360);
  CHECK(TimeZone::Named("UTC") == TimeZone::Utc());
  CHECK(TimeZone::Named("+05:30")->offset_minutes() == 330);
  CHECK(TimeZone::Named("-03:00")->offset_minutes() == -180);
  CHECK_FALSE(TimeZone::Named("Europe/Paris"));
  CHECK_FALSE(TimeZone::Named("+15:00"));
  CHECK_FALSE(TimeZone::Named("+08:60"));
}

TEST_CASE("local days, months and years follow the zone", "[base][calendar]") {
  const int64_t jan1 = 55 * 365 + 14;  // 2025-01-01
  const int64_t day_ms = 86'400'000;
  // 2025-01-01T16:00:00Z is midnight starting 2025-01-02 in China, still 2025-01-01 in UTC.
  const int64_t at = jan1 * day_ms + 16 * 3'600'000;
  CHECK(base::LocalDay(at, TimeZone::China()) == jan1 + 1);
  CHECK(base::LocalDay(at - 1, TimeZone::China()) == jan1);
  CHECK(base::LocalDay(at, TimeZone::Utc()) == jan1);
  CHECK(base::LocalDayStart(jan1 + 1, TimeZone::China()) == at);
  CHECK(base::LocalDayStart(jan1, TimeZone::China(), 9) == jan1 * day_ms + 1 * 3'600'000);
  // 2024-12-31T16:00:00Z is already 2025 in China.
  CHECK(base::LocalYear(jan1 * day_ms - 8 * 3'600'000, TimeZone::China()) == 2025);
  CHECK(base::LocalYear(jan1 * day_ms - 8 * 3'600'000, TimeZone::Utc()) == 2024);
  CHECK(base::LocalMonth(jan1 * day_ms - 1, TimeZone::China()) == "2025-01");
  CHECK(base::LocalMonth(jan1 * day_ms - 1, TimeZone::Utc()) == "2024-12");
  // Before the epoch, days round down, not toward zero.
  CHECK(base::LocalDay(-1, TimeZone::Utc()) == -1);
  CHECK(base::Hours(90 * 60'000) == Approx(1.5));
}

TEST_CASE("hex is lower-case both ways, of exactly the expected length", "[base][hex]") {
  std::vector<uint8_t> bytes{0x00, 0xab, 0x7f, 0xff};
  CHECK(base::ToHex(bytes) == "00ab7fff");
  std::vector<uint8_t> parsed(4);
  CHECK(base::FromHex("00AB7fff", parsed));
  CHECK(parsed == bytes);
  CHECK_FALSE(base::FromHex("00ab7f", parsed));      // too short
  CHECK_FALSE(base::FromHex("00ab7fff00", parsed));  // too long
  CHECK_FALSE(base::FromHex("00ab7fgf", parsed));    // not a hex digit
  CHECK(base::ToHex(std::vector<uint8_t>{}).empty());
}

TEST_CASE("a CondVar wait holds its mutex again on return, woken or timed out", "[base][mutex]") {
  base::Mutex mu;
  base::CondVar cv;
  bool ready = false;

  {
    base::MutexLock lock(&mu);
    // Nobody signals: the wait ends at its deadline and says so.
    CHECK_FALSE(cv.WaitFor(&mu, std::chrono::milliseconds(20)));
  }
  // The lock was released by the scope above: another thread can take it.
  std::thread signaller([&] {
    base::MutexLock lock(&mu);
    ready = true;
    cv.SignalAll();
  });
  {
    base::MutexLock lock(&mu);
    while (!ready) cv.Wait(&mu);
    CHECK(ready);
  }
  signaller.join();
  // Held and released cleanly: a try from this thread succeeds now.
  if (mu.TryLock()) {
    mu.Unlock();
  } else {
    FAIL("the mutex is still held after every lock was released");
  }
}

TEST_CASE("a SharedMutex admits readers together and a writer alone", "[base][mutex]") {
  base::SharedMutex mu;
  int value = 0;
  std::atomic<bool> second_reader_in{false};
  mu.ReaderLock();
  // A second reader on another thread gets in while the first holds its lock.
  std::thread second([&] {
    base::ReaderLock lock(&mu);
    second_reader_in = true;
  });
  for (int i = 0; i < 500 && !second_reader_in; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(second_reader_in);
  mu.ReaderUnlock();  // before the join, so a failure above cannot hang the test
  second.join();
  {
    base::WriterLock writer(&mu);
    value = 1;
  }
  base::ReaderLock reader(&mu);
  CHECK(value == 1);
}

TEST_CASE("a writer gives up on a SharedMutex that readers hold past its timeout",
          "[base][mutex]") {
  base::SharedMutex mu;
  mu.ReaderLock();
  bool taken = true;
  std::thread writer([&] {
    if (mu.TryLockFor(std::chrono::milliseconds(30))) {
      mu.Unlock();
    } else {
      taken = false;
    }
  });
  writer.join();
  CHECK_FALSE(taken);
  mu.ReaderUnlock();
  // Free now: taken at once, and released by the adopting scope.
  if (mu.TryLockFor(std::chrono::milliseconds(30))) {
    base::WriterLock adopted(&mu, std::adopt_lock);
  } else {
    FAIL("an unheld SharedMutex was not taken");
  }
  base::ReaderLock reader(&mu);
}
