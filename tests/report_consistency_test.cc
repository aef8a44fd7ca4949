// The reports' figures match the views they are computed from, on a simulated district.

#include <catch2/catch.hpp>

#include <capnp/serialize.h>

#include <map>
#include <string>

#include "ledger/ledger.h"
#include "projections/engine.h"
#include "projections/reports/joint_meeting.h"
#include "projections/reports/star_evaluation.h"
#include "simulate/simulator.h"
#include "test_support.h"

namespace {

// A small simulated district (four estates of 24 households, two years) in a ledger of its own.
struct District {
  explicit District(uint64_t seed) {
    ledger::Options options;
    options.sync = false;
    options.clock = clock.AsFunction();
    log = std::move(ledger::Ledger::Open(dir.sub("ledger"), options)).value();
    simulate::Options so;
    so.seed = seed;
    so.estates = 4;
    so.households_per_estate = 24;
    REQUIRE(simulate::Simulate(log.get(), &clock, so).ok());
  }
  testing::TempDir dir;
  simulate::SimulatedClock clock;
  std::unique_ptr<ledger::Ledger> log;
};

// Views with no cache, caught up in steps of 500 events, each written: every record not changed
// since the last write is dropped from memory, and read back from the store when next needed.
projections::EngineOptions NoCacheInSteps() {
  projections::EngineOptions options;
  options.cache_bytes = 0;
  options.batch_events = 500;
  options.flush_events = 500;
  options.month_end_snapshots_kept = 0;
  options.write_interval = std::chrono::milliseconds(0);
  return options;
}

// A district's views built twice: whole in memory, event by event, and by an engine with no
// cache that caught up in steps (NoCacheInSteps), its records read back from its store.
struct BuiltTwice {
  explicit BuiltTwice(District& district)
      : in_memory([log = district.log.get()](uint64_t seq) { return log->Read(seq); }) {
    auto& log = district.log;
    REQUIRE(in_memory.ApplyBatch(std::move(log->ReadForward(1, log->Head().seq)).value()).ok());
    engine =
        std::move(projections::Engine::Open(log.get(), district.dir.sub("views"), NoCacheInSteps()))
            .value();
    REQUIRE(engine->CatchUp().ok());
  }
  projections::ViewSet in_memory;
  std::unique_ptr<projections::Engine> engine;
};

}  // namespace

TEST_CASE("the reports' figures match the views on a simulated district", "[reports]") {
  District district(3);
  auto& dir = district.dir;
  auto& log = district.log;
  auto engine = std::move(projections::Engine::Open(log.get(), dir.sub("views"), {})).value();
  REQUIRE(engine->CatchUp().ok());

  // 2025 in China Standard Time.
  const int64_t from = 1'735'660'800'000;  // 2025-01-01T00:00:00+08:00
  const int64_t to = 1'767'196'800'000;    // 2026-01-01T00:00:00+08:00
  engine->Read([&](const projections::ViewSet& views) {
    capnp::MallocMessageBuilder message;
    auto star = message.initRoot<ledger::schema::StarEvaluation>();
    projections::ComputeStarEvaluation(views, 2025, projections::kYearsEnd, star);
    CHECK(star.getPositionSeq() == log->Head().seq);
    int companies = 0;
    for (auto row : star.getRows()) {
      if (std::string(row.getSubjectKind().cStr()) != "company") continue;
      ++companies;
      for (auto figure : row.getFigures()) {
        if (std::string(figure.getName().cStr()) != "complaintsPer100Households") continue;
        // The complaints the evaluation counted are the complaints view's for that company
        // and year.
        projections::Filter f;
        f.company = row.getSubjectId().cStr();
        f.from_ms = from;
        f.to_ms = to;
        capnp::MallocMessageBuilder view_message;
        auto view = view_message.initRoot<ledger::schema::ComplaintsView>();
        views.complaints.Query(f, view);
        INFO(f.company);
        CHECK(figure.getNumerator() == Approx(view.getTotal()));
      }
    }
    // Four estates: the companies serving them in 2025 (one lost its estate in 2024).
    CHECK(companies >= 3);

    // The joint-meeting report's complaints filed are the complaints view's for the estate
    // and month.
    const int64_t march = 1'740'758'400'000;  // 2025-03-01T00:00:00+08:00
    const int64_t april = 1'743'436'800'000;  // 2025-04-01T00:00:00+08:00
    auto report = message.initRoot<ledger::schema::JointMeetingReport>();
    projections::ComputeJointMeetingReport(views, "estate/e01", march, april, report);
    projections::Filter f;
    f.estate = "estate/e01";
    f.from_ms = march;
    f.to_ms = april;
    capnp::MallocMessageBuilder view_message;
    auto view = view_message.initRoot<ledger::schema::ComplaintsView>();
    views.complaints.Query(f, view);
    CHECK(report.getComplaints().getFiled() == view.getTotal());
    CHECK(report.getPositionSeq() == log->Head().seq);
    return 0;
  });
}

using projections::DumpViews;

TEST_CASE("views applied in two lanes equal views applied one event at a time", "[reports]") {
  District district(5);
  auto& log = district.log;
  auto events = std::move(log->ReadForward(1, log->Head().seq)).value();
  auto fetch = [&](uint64_t seq) { return log->Read(seq); };

  // The lanes only run on long stretches between corrections: the district must have both.
  size_t corrections = 0, longest_run = 0, run = 0;
  for (const auto& e : events) {
    bool correction = e.event().getPayload().isCorrectionRecorded();
    corrections += correction;
    run = correction ? 0 : run + 1;
    longest_run = std::max(longest_run, run);
  }
  REQUIRE(corrections >= 2);
  REQUIRE(longest_run >= 1024);

  projections::ViewSet batched(fetch);
  REQUIRE(batched.ApplyBatch(events).ok());
  projections::ViewSet one_by_one(fetch);
  for (const auto& e : events) REQUIRE(one_by_one.Apply(e).ok());

  CHECK(batched.position().seq == log->Head().seq);
  CHECK(batched.position().hash == one_by_one.position().hash);
  auto expected = DumpViews(one_by_one);
  CHECK(expected.size() > 1000);
  CHECK(DumpViews(batched) == expected);
}

// The views that keep their records in the store, with no cache: every record not changed since
// the last write is dropped from memory at each write, and read back when an event or a query
// next needs it. Caught up in steps of 500 events, the views must hold what views held whole in
// memory hold, and give the same reports.
TEST_CASE("views with no cache, read back from their store, equal views held in memory",
          "[reports][cache]") {
  District district(5);
  BuiltTwice built(district);
  auto& in_memory = built.in_memory;
  auto& engine = built.engine;
  // Little is left in memory: only what the last step changed.
  CHECK(engine->CachedBytes() == 0);

  auto report_bytes = [](const projections::ViewSet& views) {
    capnp::MallocMessageBuilder message;
    auto star = message.initRoot<ledger::schema::StarEvaluation>();
    projections::ComputeStarEvaluation(views, 2025, projections::kYearsEnd, star);
    capnp::MallocMessageBuilder meeting_message;
    auto meeting = meeting_message.initRoot<ledger::schema::JointMeetingReport>();
    const int64_t march = 1'740'758'400'000;  // 2025-03-01T00:00:00+08:00
    const int64_t april = 1'743'436'800'000;  // 2025-04-01T00:00:00+08:00
    projections::ComputeJointMeetingReport(views, "estate/e01", march, april, meeting);
    auto a = capnp::messageToFlatArray(message);
    auto b = capnp::messageToFlatArray(meeting_message);
    return std::string(a.asChars().begin(), a.asChars().end()) +
           std::string(b.asChars().begin(), b.asChars().end());
  };
  auto expected = DumpViews(in_memory);
  REQUIRE(expected.size() > 1000);
  engine->Read([&](const projections::ViewSet& views) {
    CHECK(views.position().hash == in_memory.position().hash);
    CHECK(DumpViews(views) == expected);
    CHECK(report_bytes(views) == report_bytes(in_memory));
    return 0;
  });
  // Read back for the dump and the reports, and dropped again once the readers are done.
  CHECK(engine->CachedBytes() > 0);
  REQUIRE(engine->CatchUp().ok());
  CHECK(engine->CachedBytes() == 0);
}

// The star evaluation counts complaints, repairs and surveys from the day tallies the views keep
// as events arrive (with the simulator's corrections among them): the figures must be those
// counted from the records, in every year, from views in memory and from views read back from
// their store.
TEST_CASE("the star evaluation from the day tallies is the one from the records",
          "[reports][cache]") {
  District district(7);
  BuiltTwice built(district);

  auto evaluation = [](const projections::ViewSet& views, int year,
                       projections::StarCounting counting) {
    capnp::MallocMessageBuilder message;
    projections::ComputeStarEvaluation(views, year, projections::kYearsEnd,
                                       message.initRoot<ledger::schema::StarEvaluation>(),
                                       counting);
    auto words = capnp::messageToFlatArray(message);
    return std::string(words.asChars().begin(), words.asChars().end());
  };
  const projections::ViewSet& in_memory = built.in_memory;
  built.engine->Read([&](const projections::ViewSet& stored) {
    for (int year = 2023; year <= 2026; ++year) {
      INFO(year);
      std::string expected = evaluation(in_memory, year, projections::StarCounting::kFromRecords);
      CHECK(evaluation(in_memory, year, projections::StarCounting::kFromDayTallies) == expected);
      CHECK(evaluation(stored, year, projections::StarCounting::kFromDayTallies) == expected);
    }
    return 0;
  });
}

// A query narrowed to an estate or a household reads through the views' orderings: it must find
// exactly the records a reading of the whole view finds, here after two years of a district with
// its corrections, and again after the views are opened again on their store.
TEST_CASE("narrowed queries find what a reading of the whole view finds", "[reports][ordering]") {
  District district(3);
  auto& log = district.log;
  const int64_t from = 1'735'660'800'000;  // 2025-01-01T00:00:00+08:00
  const int64_t to = 1'767'196'800'000;    // 2026-01-01T00:00:00+08:00

  auto check = [&](const projections::ViewSet& views) {
    // Counted by reading every record, as the views did before they had orderings.
    std::map<std::string, uint32_t> complaints, repairs, claims, visits_to, visits_in;
    views.complaints.complaints().ForEach([&](const std::string&, const auto& c) {
      if (c.filed_seq != 0 && c.filed_at >= from && c.filed_at < to) ++complaints[c.estate_id];
    });
    views.repairs.repairs().ForEach([&](const std::string&, const auto& r) {
      if (r.requested_seq != 0 && r.requested_at >= from && r.requested_at < to) {
        ++repairs[r.estate_id];
      }
    });
    views.time_bank.claims().ForEach([&](const std::string&, const auto& c) {
      int64_t at = projections::TimeBank::ClaimInstant(c);
      if (c.claim_seq != 0 && at >= from && at < to) ++claims[c.estate_id];
    });
    views.visits.visits().ForEach([&](const std::string&, const auto& v) {
      if (!v.current()) return;
      ++visits_to[v.current()->household_id];
      int64_t at = v.current()->at;
      if (at >= from && at < to) {
        ++visits_in[views.registers.EstateOfHousehold(v.current()->household_id)];
      }
    });
    REQUIRE(complaints.size() >= 3);
    REQUIRE(repairs.size() >= 3);
    REQUIRE(claims.size() >= 2);
    REQUIRE(visits_to.size() > 20);

    // Each view asked for one estate's records of 2025, as many as the reading found.
    auto ask = [&](const std::map<std::string, uint32_t>& expected, auto count_of) {
      for (const auto& [estate, n] : expected) {
        if (estate.empty()) continue;  // households not in the register: no estate to ask for
        projections::Filter f;
        f.estate = estate;
        f.from_ms = from;
        f.to_ms = to;
        capnp::MallocMessageBuilder message;
        INFO(estate);
        CHECK(count_of(f, message) == n);
      }
    };
    using Message = capnp::MallocMessageBuilder;
    ask(complaints, [&](const projections::Filter& f, Message& m) {
      auto view = m.initRoot<ledger::schema::ComplaintsView>();
      views.complaints.Query(f, view);
      return view.getTotal();
    });
    ask(repairs, [&](const projections::Filter& f, Message& m) {
      auto view = m.initRoot<ledger::schema::RepairsView>();
      views.repairs.Query(f, to, view);
      return view.getTotal();
    });
    ask(claims, [&](const projections::Filter& f, Message& m) {
      auto view = m.initRoot<ledger::schema::TimeBankView>();
      views.time_bank.Summary(f, view);
      auto c = view.getClaims();
      return c.getPending().getClaims() + c.getVerified().getClaims() + c.getRejected().getClaims();
    });
    ask(visits_in, [&](const projections::Filter& f, Message& m) {
      auto view = m.initRoot<ledger::schema::VisitsView>();
      views.visits.Query(f, to, view);
      return view.getVisitCount();
    });
    CHECK(visits_in.size() >= 3);

    // The district's 2025, read through the orderings across the district: every estate's.
    auto sum = [](const std::map<std::string, uint32_t>& counts) {
      uint32_t n = 0;
      for (const auto& [estate, count] : counts) n += count;
      return n;
    };
    projections::Filter year;
    year.from_ms = from;
    year.to_ms = to;
    {
      Message m;
      auto view = m.initRoot<ledger::schema::ComplaintsView>();
      views.complaints.Query(year, view);
      CHECK(view.getTotal() == sum(complaints));
    }
    {
      Message m;
      auto view = m.initRoot<ledger::schema::RepairsView>();
      views.repairs.Query(year, to, view);
      CHECK(view.getTotal() == sum(repairs));
    }
    {
      Message m;
      auto view = m.initRoot<ledger::schema::TimeBankView>();
      views.time_bank.Summary(year, view);
      auto c = view.getClaims();
      CHECK(c.getPending().getClaims() + c.getVerified().getClaims() +
                c.getRejected().getClaims() ==
            sum(claims));
    }

    // A figure summed over the registered estates, each asked of count_of(estate).
    auto over_estates = [&](auto count_of) {
      uint32_t n = 0;
      views.registers.estates().ForEach(
          [&](const std::string&, const auto& e) { n += count_of(e.id); });
      return n;
    };

    // The overdue list's total is the repairs view's count of overdue repairs (the dashboard's
    // overview reads the one for the other), for the district and each estate.
    {
      auto overdue = [&](const std::string& estate) {
        projections::Filter f;
        f.estate = estate;
        Message counted, listed;
        auto view = counted.initRoot<ledger::schema::RepairsView>();
        views.repairs.Query(f, to, view);
        auto list = listed.initRoot<ledger::schema::RepairsOverdue>();
        views.repairs.Overdue(f, to, list);
        INFO("estate '" << estate << "'");
        CHECK(list.getTotal() == view.getOverdue());
        return list.getTotal();
      };
      uint32_t by_estate = over_estates(overdue);
      CHECK(by_estate > 0);
      CHECK(overdue("") == by_estate);
    }

    // The district's must-visits of 2025 are its estates' (yearly ones generated from the
    // households ever flagged, read across the district or estate by estate).
    {
      auto obligations = [&](const std::string& estate) {
        projections::Filter f = year;
        f.estate = estate;
        Message m;
        auto view = m.initRoot<ledger::schema::VisitsView>();
        views.visits.Query(f, to, view);
        return view.getObligationCount();
      };
      uint32_t by_estate = over_estates(obligations);
      CHECK(by_estate > 0);
      CHECK(obligations("") == by_estate);
    }

    for (const auto& [household, n] : visits_to) {
      INFO(household);
      CHECK(views.visits.VisitsTo(household).size() == n);
    }
  };

  // Caught up at once, or in steps of 500 events with no cache: then the orderings' stored
  // entries are moved by later writes, and every record is read back from the store.
  projections::EngineOptions options = GENERATE(projections::EngineOptions{}, NoCacheInSteps());
  {
    auto engine =
        std::move(projections::Engine::Open(log.get(), district.dir.sub("views"), options)).value();
    REQUIRE(engine->CatchUp().ok());
    engine->Read([&](const projections::ViewSet& views) {
      check(views);
      return 0;
    });
  }
  // Reopened: the records and the orderings' entries come from the store.
  auto engine =
      std::move(projections::Engine::Open(log.get(), district.dir.sub("views"), options)).value();
  engine->Read([&](const projections::ViewSet& views) {
    CHECK(views.position().seq == log->Head().seq);
    check(views);
    return 0;
  });
}
