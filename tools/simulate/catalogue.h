// What the simulated district is made of: the names of its people and places, its property
// companies and how well each works, the repair and complaint categories with their time limits
// and seasons, the lunar holidays, and the texts residents and staff write. Data only: the
// domains draw from these tables, the tables draw nothing.

#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ledger/ledger.h"
#include "random.h"

namespace simulate::internal {

namespace schema = ledger::schema;

// How a company works. Hours are ranges [lo, hi]; satisfaction shares are {satisfied, basically
// satisfied, dissatisfied}.
struct Quality {
  double complaints_per_100 = 10;  // complaints per 100 households a year
  double ack_h[2];                 // filing to acknowledgement
  double never_ack;                // share never acknowledged
  double reply_h[2];               // acknowledgement to public reply
  double resolve_h[2];             // reply to resolution
  double unresolved;               // share never resolved
  double reopen_if_dissatisfied;
  double escalate;         // share of complaints open after two weeks taken to a meeting
  double dispatch_min[2];  // request to dispatch, in minutes
  double night_wait;       // share of night requests left for the morning shift
  double on_time;          // repairs completed by the deadline
  double left_open;        // repairs never completed
  double late_h;           // how far past the deadline a late repair runs, at most
  double follow_up[3];
  double survey[3];
  double inspection[2];  // share of the maximum scored at inspections and reviews
  double resolution_on_time, resolution_abandoned;
};

struct CompanySpec {
  const char* code;
  const char* name;
  const char* licence;
  Quality quality;
};

constexpr int kGood = 0, kBad = 4;

enum Season { kAllYear, kHeating, kSummer, kSpringSummer };

struct RepairCategory {
  const char* id;
  double weight;
  double night;  // share reported at night
  uint32_t hours_v1, morning_v1, hours_v2, morning_v2;
  Season season;
  bool common_area;
  std::vector<std::string> descriptions;
  std::vector<std::string> fixes;
};

struct ComplaintCategory {
  const char* id;
  double weight;
  std::vector<std::string> summaries;
  std::vector<std::string> replies;
};

constexpr uint32_t kHolidayWindow = 7, kBirthdayWindow = 7, kHospitalWindow = 3,
                   kHardshipWindow = 7;

extern const std::vector<std::string> kSurnames;
extern const std::vector<std::string> kGiven;
extern const std::vector<CompanySpec> kCompanies;
extern const std::vector<int> kDealOrder;
extern const std::vector<std::string> kEstateNames;
extern const std::vector<std::string> kRoads;
extern const char* const kStreet;
extern const char* const kCommunity;
extern const std::vector<RepairCategory> kRepairs;
extern const std::vector<ComplaintCategory> kComplaints;
extern const std::vector<schema::Channel> kChannels;
extern const std::vector<double> kChannelWeights;
extern const std::vector<std::string> kVisitServices;
extern const std::vector<std::string> kVolunteerActivities;
extern const std::vector<std::string> kExchangeServices;
extern const std::vector<std::string> kMeetingTopics;

// A random name of the district's cast, and a mobile number.
std::string PersonName(Rng& rng);
std::string Phone(Rng& rng);
// How much more (or less) often a repair of `season` happens in `month` than on average.
double SeasonFactor(Season season, int month);
// (name, "MM-DD") of the year's must-visit holidays; outside the table, the nearest year's dates.
std::vector<std::pair<std::string, std::string>> HolidaysOf(int year);
// "company/<code>".
std::string CompanyId(const CompanySpec& c);
// The index in kRepairs of the category `id` (0 if there is none).
int CategoryIndex(const std::string& id);

}  // namespace simulate::internal
