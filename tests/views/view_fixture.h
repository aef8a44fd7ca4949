// A real ledger and a real projection engine in a temporary folder, with a clock the test sets,
// for testing views through the same path the service uses.

#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "../test_support.h"
#include "ledger/ledger.h"
#include "projections/calendar.h"
#include "projections/engine.h"

namespace testing {

// "2025-03-01 21:30" in China Standard Time, as ms since the epoch.
inline int64_t Cst(const char* local) {
  int y, mo, d, h = 0, mi = 0;
  int n = std::sscanf(local, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
  REQUIRE(n >= 3);
  int64_t days = projections::DaysFromCivil({y, mo, d});
  return projections::LocalDayStart(days, projections::TimeZone::China()) +
         h * projections::kMillisPerHour + mi * projections::kMillisPerMinute;
}

class ViewFixture {
 public:
  ViewFixture() {
    ledger::Options options;
    options.sync = false;
    options.clock = [this] { return now; };
    log_ = std::move(ledger::Ledger::Open(dir_.sub("ledger"), options)).value();
    OpenEngine();
  }

  // LEDGER_TEST_VIEWS_CACHE_BYTES=N runs the views with a cache of N bytes, writing them at
  // every catch-up: with 0, every record not changed since the last write is dropped from memory
  // and read back from the store when next asked for (ctest runs the view tests so, too).
  void OpenEngine(projections::EngineOptions options = {}) {
    if (const char* bytes = std::getenv("LEDGER_TEST_VIEWS_CACHE_BYTES")) {
      options.cache_bytes = std::strtoull(bytes, nullptr, 10);
      options.write_interval = std::chrono::milliseconds(0);
    }
    engine_.reset();
    auto opened = projections::Engine::Open(log_.get(), dir_.sub("views"), std::move(options));
    REQUIRE(opened.ok());
    engine_ = std::move(opened).value();
  }

  void CloseEngine() { engine_.reset(); }

  // Opens the engine with no cache, writing at every catch-up: each record not changed is then
  // dropped from memory at a catch-up, so that a test sees what a query reads back and holds
  // (TableBase::cached_bytes) through held_views().
  void OpenEngineWithNoCache() {
    projections::EngineOptions options;
    options.cache_bytes = 0;
    options.write_interval = std::chrono::milliseconds(0);
    OpenEngine(std::move(options));
  }

  // The live views as they stand, not caught up: a catch-up would drop what queries read back.
  const projections::ViewSet& held_views() {
    return *engine_->Read([](const projections::ViewSet& v) { return &v; });
  }

  // Appends `event` to `stream`; it happened at `occurred_at` (ms), recorded at `now`.
  uint64_t Append(const std::string& stream, OwnedEvent event, int64_t occurred_at = 0) {
    if (occurred_at) event.builder().setOccurredAt(occurred_at);
    if (now < occurred_at) now = occurred_at;  // recorded no earlier than it happened
    std::vector<ledger::schema::Event::Reader> one{event.reader()};
    auto r = log_->Append(stream, ledger::ExpectedVersion::Any(), one);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return r->seqs[0];
  }

  // Appends a payload built by `fill` with a fresh event id.
  uint64_t Add(const std::string& stream, int64_t occurred_at,
               const std::function<void(ledger::schema::Payload::Builder)>& fill) {
    return Append(stream, MakeEvent("ev-" + std::to_string(++ids_), fill), occurred_at);
  }

  // Voids the event at `seq`.
  uint64_t Void(uint64_t seq, const std::string& reason = "entered by mistake") {
    return Add("correction/" + std::to_string(seq), 0, [&](ledger::schema::Payload::Builder p) {
      auto c = p.initCorrectionRecorded();
      c.setCorrectsSeq(seq);
      c.setReason(reason);
      c.getAction().setVoid();
    });
  }

  // The live views, caught up with everything appended.
  const projections::ViewSet& views() {
    REQUIRE(engine_->CatchUp().ok());
    return *engine_->Read([](const projections::ViewSet& v) { return &v; });
  }

  ledger::Ledger& log() { return *log_; }
  projections::Engine& engine() { return *engine_; }
  const TempDir& dir() const { return dir_; }

  int64_t now = Cst("2024-01-01 00:00");

 private:
  TempDir dir_;
  std::unique_ptr<ledger::Ledger> log_;
  std::unique_ptr<projections::Engine> engine_;
  int ids_ = 0;
};

}  // namespace testing
