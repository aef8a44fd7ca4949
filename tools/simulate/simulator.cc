// The driver: the registers on the first morning, then every day of every estate, domain by
// domain in a fixed order, and each year's ratings published on its last afternoon. The domains
// live in their own files over the shared DistrictState; the order of the calls below is the order
// of the random draws, so it is part of what a seed means.

#include "simulate/simulator.h"

#include "complaints.h"
#include "district_state.h"
#include "inspections.h"
#include "local_time.h"
#include "meetings.h"
#include "publication.h"
#include "registers.h"
#include "repairs.h"
#include "stories.h"
#include "time_bank.h"
#include "visits.h"

namespace simulate {

void SimulatedClock::AdvanceTo(int64_t unix_ms) {
  int64_t now = now_.load(std::memory_order_acquire);
  while (unix_ms > now && !now_.compare_exchange_weak(now, unix_ms, std::memory_order_acq_rel)) {
  }
}

namespace internal {
namespace {

class District {
 public:
  District(ledger::Ledger* log, SimulatedClock* clock, const Options& options)
      : d_(log, clock, options),
        registers_(d_),
        complaints_(d_),
        repairs_(d_),
        visits_(d_),
        time_bank_(d_),
        inspections_(d_),
        meetings_(d_),
        stories_(d_, registers_, complaints_, repairs_, visits_),
        publication_(d_) {}

  ledger::Result<Summary> Run();

 private:
  void Day(int64_t day);

  DistrictState d_;
  Registers registers_;
  Complaints complaints_;
  Repairs repairs_;
  Visits visits_;
  TimeBank time_bank_;
  Inspections inspections_;
  Meetings meetings_;
  Stories stories_;
  Publication publication_;
};

ledger::Result<Summary> District::Run() {
  registers_.Register();
  for (int64_t day = d_.first_day; day < d_.end_day; ++day) {
    Day(day);
    projections::CivilDay civil = projections::CivilFromDays(day);
    if (civil.month == 12 && civil.day == 31) {
      // The street office publishes the year's ratings on its last afternoon.
      int64_t at = LocalMs(day, 16);
      Status s = d_.emit.RunUntil(at);
      if (!s.ok()) return s;
      s = publication_.Publish(civil.year, at);
      if (!s.ok()) return s;
    }
    Status s = d_.emit.RunUntil(LocalMs(day + 1, 0));
    if (!s.ok()) return s;
  }
  d_.emit.Finish();
  Summary summary;
  summary.events = d_.emit.appended();
  summary.head = d_.emit.head();
  for (const auto& c : kCompanies) summary.company_ids.push_back(CompanyId(c));
  summary.good_company = CompanyId(kCompanies[kGood]);
  summary.bad_company = CompanyId(kCompanies[kBad]);
  return summary;
}

void District::Day(int64_t day) {
  projections::CivilDay civil = projections::CivilFromDays(day);
  int year = civil.year;
  bool working_day = Weekday(day) != 0 && Weekday(day) != 6;
  bool last_year = year == d_.options.first_year + d_.options.years - 1;

  stories_.StreetCalendar(day, civil, last_year);
  for (int e = 0; e < static_cast<int>(d_.estates.size()); ++e) {
    Estate& estate = d_.estates[e];
    int company = estate.Company(day);
    const Quality& q = d_.QualityOf(company);
    double n = estate.households;

    // Repairs: every category, at its own times of day and seasons.
    for (size_t c = 0; c < kRepairs.size(); ++c) {
      double per_year = n * 1.2 * kRepairs[c].weight / 100.0;
      int count = d_.rng.Poisson(per_year / 365.0 * SeasonFactor(kRepairs[c].season, civil.month));
      for (int i = 0; i < count; ++i) repairs_.Repair(e, day, static_cast<int>(c));
    }
    // Complaints: how many depends on the company serving the estate today.
    int complaints = d_.rng.Poisson(n * q.complaints_per_100 / 100.0 / 365.0);
    for (int i = 0; i < complaints; ++i) complaints_.Complaint(e, d_.ReportTime(day, 0.05));

    if (civil.day == d_.DayOfMeeting(e, civil.year, civil.month)) meetings_.Meeting(e, day, civil);
    visits_.Day(e, day);
    time_bank_.Day(e, day);
    if (working_day && InSurveySeason(civil)) inspections_.Survey(e, day);
    inspections_.Day(e, day, civil);
    // The demand list (居民需求清单): flagged households ask for a service from the menu.
    if (d_.rng.Chance(n * 0.05 / 365.0)) visits_.Demand(e, day);
  }
}

}  // namespace
}  // namespace internal

ledger::Result<Summary> Simulate(ledger::Ledger* log, SimulatedClock* clock,
                                 const Options& options) {
  if (!log || !clock) return ledger::Status::InvalidArgument("simulate needs a ledger and a clock");
  if (options.estates < 4 || options.estates > 500) {
    return ledger::Status::InvalidArgument(
        "estates must be 4 to 500 (so that every kind of company serves "
        "one); got " +
        std::to_string(options.estates));
  }
  if (options.households_per_estate < 24 || options.households_per_estate > 100000) {
    return ledger::Status::InvalidArgument("households_per_estate must be 24 to 100000; got " +
                                           std::to_string(options.households_per_estate));
  }
  if (options.years < 1 || options.years > 10 || options.first_year < 2000 ||
      options.first_year > 2100) {
    return ledger::Status::InvalidArgument("years must be 1 to 10 from a first_year in 2000..2100");
  }
  if (log->Head().seq != 0) {
    return ledger::Status::InvalidArgument(
        "simulate appends a whole district to an empty ledger; this one "
        "holds " +
        std::to_string(log->Head().seq) + " events");
  }
  internal::District district(log, clock, options);
  return district.Run();
}

}  // namespace simulate
