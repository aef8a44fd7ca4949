// The figures of the star evaluation (reports/star_evaluation.cc), private to the report: the
// six components and their weights, the tallies each figure is counted from, the figures with
// their readable inputs, and the weighing that turns a subject's figures into a score, stars and
// a list. Each function here computes one figure from what it is given and reads no view, so
// that what a figure says and how it is counted stay side by side.

#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "projections/calendar.h"
#include "projections/views/day_tallies.h"
#include "projections/views/policies.h"
#include "projections/views/ratings.h"
#include "projections/views/repairs.h"

namespace projections::star {

inline constexpr int kCompany = static_cast<int>(ledger::schema::SubjectKind::COMPANY);
inline constexpr int kManager = static_cast<int>(ledger::schema::SubjectKind::PROPERTY_MANAGER);
inline constexpr int kCommittee = static_cast<int>(ledger::schema::SubjectKind::OWNERS_COMMITTEE);
inline constexpr int kNoList = static_cast<int>(ledger::schema::ListMark::NONE);
inline constexpr int kRedList = static_cast<int>(ledger::schema::ListMark::RED);
inline constexpr int kBlackList = static_cast<int>(ledger::schema::ListMark::BLACK);

enum Component {
  kInspection,
  kDocumentReview,
  kComplaintRate,
  kRepairCompliance,
  kFollowUp,
  kSurvey,
  kComponentCount
};
inline constexpr const char* kComponentNames[kComponentCount] = {
    "inspection",       "documentReview",       "complaintRate",
    "repairCompliance", "followUpSatisfaction", "surveySatisfaction"};

// The weight the policy gives a component.
double Weight(const RatingRule& rule, Component c);

// Numbers as a person would write them in the inputs: no trailing zeros, at most 4 decimals.
std::string Num(double v);

struct Figure {
  std::string name;
  double value = 0, numerator = 0, denominator = 0;
  std::string inputs;
  bool has_data = false;
  double weight = 0;
  bool counted = false;
  int component = -1;  // Component, or -1 for a supporting figure
};

// One rated subject: its figures, and what weighing them gave.
struct Row {
  int kind = 0;
  std::string id, name;
  std::vector<Figure> figures;
  bool rated = false;  // a weighted score could be formed
  double score = 0;
  int stars = 0;
  int list = kNoList;
};

// The local year being evaluated.
struct YearFrame {
  int year = 0;
  TimeZone zone = TimeZone::China();
  int64_t first_day = 0, last_day = 0, days = 0;
  int64_t start_ms = 0, end_ms = 0;  // [start, end)
  // The instant open repairs are judged at: the year's end, or the instant asked if sooner (a
  // year under way). A repair still open with its deadline before it is past its limit.
  int64_t judged_ms = 0;
  bool Contains(int64_t ms) const { return ms >= start_ms && ms < end_ms; }
  bool YearOver() const { return judged_ms == end_ms; }
};

// The frame of `year`, its open repairs judged at `at_ms` or at the year's end if sooner.
YearFrame FrameOf(int year, TimeZone zone, int64_t at_ms);

// Answers to follow-up calls or survey questions, by satisfaction: the counts the day tallies
// keep (day_tallies.h), and how the figures read them.
struct SatisfactionTally : SatisfactionCounts {
  uint32_t answered() const { return satisfied + basically + dissatisfied; }
  std::string Describe() const;
};

// (satisfied + basically satisfied) / answered × 100; `what` says whose answers they are.
Figure SatisfactionFigure(Component c, const SatisfactionTally& t, const std::string& what);

// Σ scores / Σ maxima × 100 over the year's sheets of one kind.
Figure SheetFigure(SheetKind kind, const std::vector<const ScoreSheetRecord*>& sheets, int year);

// Households served: estates weighted by the share of the year they were served.
struct Exposure {
  struct Part {
    std::string estate;
    uint32_t households = 0;
    int64_t days = 0;
  };
  std::vector<Part> parts;
  double Households(int64_t days_in_year) const;
};

// Repairs requested in the year, by how they kept their time limit.
struct RepairTally {
  uint32_t on_time = 0, late = 0, open_overdue = 0, open_pending = 0, no_limit = 0;
  void Add(const RepairRecord& r, const YearFrame& frame);
  void Add(const RepairTally& o);
};

// Completed by the deadline / (that + late + open past the deadline) × 100.
Figure RepairFigure(const RepairTally& t, const std::string& whose, const YearFrame& frame);

// Appends the complaint rate as a supporting figure, and its score as the component. `rule` may
// be null (no policy in force: no ceiling to score the rate against).
void ComplaintFigures(uint32_t complaints, const std::map<std::string, uint32_t>& by_estate,
                      const Exposure& exposure, const YearFrame& frame, const RatingRule* rule,
                      const std::string& whose, std::vector<Figure>* out);

// Weighs the components present and sets score, stars and list; appends the score figure.
// `policy` may be null (no rating policy in force: no weighted score).
void WeighScore(const PolicyVersion* policy, Row* row);

}  // namespace projections::star
