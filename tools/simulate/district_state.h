// The district as it stands, shared by every domain of the simulation: its estates and
// households, the people on its registers, the agenda its meetings will read, the one random
// source and the one appender. The domains (registers, complaints, repairs, visits, the time bank,
// inspections, meetings, the once-only stories, the yearly publication) each hold a reference to
// it; the helpers here are what more than one domain needs.
//
// Every helper that draws from `rng` is a step in the district's story: call them in the same
// order and the same seed writes the same ledger.

#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalogue.h"
#include "emitter.h"
#include "local_time.h"
#include "random.h"
#include "simulate/simulator.h"

namespace simulate::internal {

struct Resident {
  std::string person_id, name;
  int month = 1, day = 1;  // birthday
  int64_t birth_day = 0;
};

struct Household {
  std::string id, building, unit, room, head_name, phone;
  int estate = 0;
  bool retired_cadre = false, elderly_alone = false, hardship = false, disability = false;
  std::vector<Resident> residents;
  bool flagged() const { return retired_cadre || elderly_alone || hardship || disability; }
};

struct Term {
  int company;
  int64_t from_day;
  std::string contract_id;
};

struct Estate {
  std::string id, code, name, address, committee_id, place;
  int first_household = 0, households = 0, buildings = 0;
  std::vector<Term> terms;                          // in order
  std::map<int, std::string> manager;               // by company
  std::map<int, std::vector<std::string>> workers;  // by company
  std::vector<std::string> grid_workers, teams;     // one team per grid worker
  std::string supervisor, reporter, chair;
  std::vector<std::string> committee, volunteers, menu_items, menu_providers;
  int meeting_day = 10;
  // The company serving the estate on `day`.
  int Company(int64_t day) const {
    int c = terms.front().company;
    for (const auto& t : terms) {
      if (t.from_day <= day) c = t.company;
    }
    return c;
  }
};

// What a meeting's agenda can point at.
struct Recent {
  std::string id;
  int64_t at = 0, closed_at = 0;  // closed_at 0: never within the period
};

struct Volunteer {
  std::string person_id;
  int estate = 0;
  int64_t balance_centi = 0;
  std::vector<std::pair<int64_t, int64_t>> pending;  // (verified at, centipoints) not yet counted
};

// Events per household-year and for the registers, measured on the default district.
uint64_t EstimateEvents(const Options& o);

struct DistrictState {
  DistrictState(ledger::Ledger* ledger_log, SimulatedClock* clock, const Options& run_options);
  DistrictState(const DistrictState&) = delete;
  DistrictState& operator=(const DistrictState&) = delete;

  // ---- who acts, and when -----------------------------------------------------------------------
  const Quality& QualityOf(int company) const;
  std::string Name(const std::string& person_id) const;
  // The instant of a local time today, never before the registers were entered.
  int64_t Clamp(int64_t ms);
  // A time of day for something residents report: evenings busiest, a share at night.
  int64_t ReportTime(int64_t day, double night_share);
  // Office hours: the instant itself if it falls in 08:30–18:00 local, else the next opening.
  int64_t OfficeHours(int64_t ms);
  // A working-hours instant on `day`.
  int64_t WorkTime(int64_t day, int from_hour = 9, int to_hour = 17);
  Actor Worker(int i) const;
  Actor AnyWorker();
  Actor Staff(int e, int company) const;
  Actor Street() const;
  Actor Inspector(int i) const;
  Actor ResidentActor(const Household& h) const;
  Household& RandomHousehold(int e);
  std::string TeamOf(const Household& h) const;
  std::string GridWorkerOf(const Household& h) const;
  // The first estate the company serves on `day`, or -1.
  int FirstEstateOf(int company, int64_t day) const;

  // ---- identifiers and the meeting calendar ----------------------------------------------------
  std::string NextId(const char* kind, int year);
  // The day of the month estate `e` holds its joint meeting.
  int DayOfMeeting(int e, int year, int month) const;
  std::string MeetingId(int e, int year, int month) const;
  // The first meeting of estate `e` held after instant `ms`.
  std::string NextMeeting(int e, int64_t ms) const;

  // ---- what residents say afterwards -----------------------------------------------------------
  schema::Satisfaction Answer(const double (&shares)[3]);
  schema::Satisfaction Answer(double satisfied, double basically, double dissatisfied);
  // A follow-up call about a complaint, repair or visit (`kind`), recorded `lag` after it.
  void FollowUp(int64_t at, const std::string& subject, const std::string& kind,
                schema::Satisfaction satisfaction, const Actor& by, int64_t lag = 0);

  ledger::Ledger* log;
  Options options;
  Rng rng;
  int64_t first_day, end_day;
  Emitter emit;

  int64_t floor_ms = 0;  // nothing but the registers happens before this instant
  std::vector<std::string> community_workers;
  std::map<std::string, std::string> names;
  std::vector<Estate> estates;
  std::vector<Household> households;
  std::map<std::string, Volunteer> volunteers;
  // (household index, resident index) by birthday month and day.
  std::array<std::array<std::vector<std::pair<int, int>>, 32>, 13> birthdays;
  std::map<std::string, uint64_t> ids;
  std::map<std::string, std::vector<std::string>> agenda;  // escalated complaints by meeting
  std::map<int, std::vector<Recent>> recent_complaints, recent_repairs;
};

}  // namespace simulate::internal
