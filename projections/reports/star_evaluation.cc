#include "projections/reports/star_evaluation.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "projections/calendar.h"
#include "star_figures.h"

namespace projections {

namespace schema = ledger::schema;

namespace {

// The figures and their machinery (star_figures.h): this report's own.
using star::ComplaintFigures;
using star::Exposure;
using star::Figure;
using star::FrameOf;
using star::kBlackList;
using star::kCommittee;
using star::kCompany;
using star::kFollowUp;
using star::kManager;
using star::kRedList;
using star::kSurvey;
using star::Num;
using star::RepairFigure;
using star::RepairTally;
using star::Row;
using star::SatisfactionFigure;
using star::SatisfactionTally;
using star::SheetFigure;
using star::WeighScore;
using star::YearFrame;

struct SubjectKey {
  int kind;
  std::string id;
  friend bool operator<(const SubjectKey& a, const SubjectKey& b) {
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  }
};

struct Interval {
  std::string estate;
  int64_t first_day, last_day;
};

struct Evaluation {
  const PolicyVersion* policy = nullptr;
  YearFrame frame;
  std::vector<Row> rows;
};

// Complaints filed and repairs requested in an estate over the days [first, last_day].
struct EstateSpan {
  int64_t last_day = 0;
  uint32_t complaints = 0;
  RepairTally repairs;
};

// What happened in the year, gathered once from the views; every row is counted from it. The
// tables are streamed (Table::Stream) and folded into counts as they pass: the facts are as
// large as the district's companies, estates and days, not its complaints and repairs.
struct YearFacts {
  // Complaints filed in the year, by the company they are attributed to and estate.
  std::map<std::string, std::map<std::string, uint32_t>> complaints_by_company;
  // Repairs requested in the year, by how they kept their time limit, by company.
  std::map<std::string, RepairTally> repairs_by_company;
  // Complaints filed and repairs requested in the year by estate, over spans of days keyed by
  // their first day: a manager's counts are those of the days of their appointments. A span is
  // one day when counted from the records, a month when read from the tallies; then days_of
  // reads the days of a span that an appointment covers in part.
  std::map<std::string, std::map<int64_t, EstateSpan>> by_estate_span;
  std::function<std::map<int64_t, EstateSpan>(const std::string& estate, int64_t first_day,
                                              int64_t last_day)>
      days_of;
  // Follow-up calls made in the year, by the company of the complaint or repair.
  std::map<std::string, SatisfactionTally> complaint_follow_ups, repair_follow_ups;
  // Survey answers given in the year, by the company they count for and by estate.
  std::map<std::string, SatisfactionTally> survey_by_company, survey_by_estate;
  std::map<std::string, std::pair<uint32_t, uint32_t>> responses_by_company;  // named, unnamed
  std::map<std::string, uint32_t> responses_by_estate;
  // The year's current score sheets, by SheetKind and subject, in sheet id order.
  std::map<SubjectKey, std::vector<const ScoreSheetRecord*>> sheets[2];
};

// The years being gathered, each with its frame and the facts gathered for it: the year
// evaluated and, when last year's lists were not published, last year, read in one pass.
struct Years {
  std::vector<YearFrame> frames;
  std::vector<YearFacts> facts;
  explicit Years(std::vector<YearFrame> f) : frames(std::move(f)), facts(frames.size()) {}
};

// A subject's last follow-up call of the year (calls in seq order), or null: what the day tallies
// count too (AddFollowUpCalls).
const FollowUpRecord* LastCallIn(const std::vector<FollowUpRecord>& calls, const YearFrame& frame) {
  for (auto call = calls.rbegin(); call != calls.rend(); ++call) {
    if (frame.Contains(call->at)) return &*call;
  }
  return nullptr;
}

void GatherComplaints(const ViewSet& views, Years* years) {
  views.complaints.complaints().Stream([&](const std::string&, const ComplaintRecord& c) {
    if (c.filed_seq == 0) return;
    for (size_t y = 0; y < years->frames.size(); ++y) {
      const YearFrame& frame = years->frames[y];
      YearFacts* facts = &years->facts[y];
      if (frame.Contains(c.filed_at)) {
        ++facts->complaints_by_company[c.company_id][c.estate_id];
        int64_t day = LocalDay(c.filed_at, frame.zone);
        EstateSpan& span = facts->by_estate_span[c.estate_id][day];
        span.last_day = day;
        ++span.complaints;
      }
      if (const FollowUpRecord* last = LastCallIn(c.follow_ups, frame)) {
        facts->complaint_follow_ups[c.company_id].Add(last->satisfaction);
      }
    }
  });
}

void GatherRepairs(const ViewSet& views, Years* years) {
  views.repairs.repairs().Stream([&](const std::string&, const RepairRecord& r) {
    if (r.requested_seq == 0) return;
    for (size_t y = 0; y < years->frames.size(); ++y) {
      const YearFrame& frame = years->frames[y];
      YearFacts* facts = &years->facts[y];
      if (frame.Contains(r.requested_at)) {
        RepairTally one;
        one.Add(r, frame);
        facts->repairs_by_company[r.company_id].Add(one);
        int64_t day = LocalDay(r.requested_at, frame.zone);
        EstateSpan& span = facts->by_estate_span[r.estate_id][day];
        span.last_day = day;
        span.repairs.Add(one);
      }
      if (const FollowUpRecord* last = LastCallIn(r.follow_ups, frame)) {
        facts->repair_follow_ups[r.company_id].Add(last->satisfaction);
      }
    }
  });
}

// A response that names no company counts for the company serving its estate that day.
void GatherSurveys(const ViewSet& views, Years* years) {
  const Registers& registers = views.registers;
  views.ratings.surveys().Stream([&](const std::string&, const SurveyResponseRecord& r) {
    for (size_t y = 0; y < years->frames.size(); ++y) {
      const YearFrame& frame = years->frames[y];
      YearFacts* facts = &years->facts[y];
      if (!frame.Contains(r.at)) continue;
      bool named = !r.company_id.empty();
      std::string company =
          named ? r.company_id : registers.ServingCompany(r.estate_id, LocalDay(r.at, frame.zone));
      ++facts->responses_by_estate[r.estate_id];
      if (!company.empty()) {
        auto& counts = facts->responses_by_company[company];
        ++(named ? counts.first : counts.second);
      }
      for (const auto& answer : r.answers) {
        facts->survey_by_estate[r.estate_id].Add(answer.satisfaction);
        if (!company.empty()) facts->survey_by_company[company].Add(answer.satisfaction);
      }
    }
  });
}

void GatherSheets(const ViewSet& views, Years* years) {
  views.ratings.sheets().ForEach([&](const std::string&, const SheetHistory& history) {
    const ScoreSheetRecord* s = history.current();
    if (!s || s->kind < 0 || s->kind > 1) return;
    for (size_t y = 0; y < years->frames.size(); ++y) {
      if (s->year == years->frames[y].year) {
        years->facts[y].sheets[s->kind][{s->subject_kind, s->subject_id}].push_back(s);
      }
    }
  });
  for (YearFacts& facts : years->facts) {
    for (auto& by_subject : facts.sheets) {
      for (auto& [key, list] : by_subject) {
        std::sort(list.begin(), list.end(),
                  [](const auto* a, const auto* b) { return a->sheet_id < b->sheet_id; });
      }
    }
  }
}

// Calls visit(month's key parts, month's counts, year's index) for each month of `table` within
// a year being gathered: one range of keys, from the first year's first month to the last one's
// last. The years are whole local years in the tallies' zone, so whole months.
template <class Day, class Visit>
void ForEachMonthOfYears(const Table<Day>& table, const Years& years, Visit visit) {
  int64_t first = MonthOfDay(years.frames[0].first_day);
  int64_t last = MonthOfDay(years.frames[0].last_day);
  for (const YearFrame& frame : years.frames) {
    first = std::min(first, MonthOfDay(frame.first_day));
    last = std::max(last, MonthOfDay(frame.last_day));
  }
  table.StreamRange(MonthStart(first), MonthStart(last + 1),
                    [&](const std::string& key, const Day& month) {
                      std::optional<TallyKeyParts> parts = ParseTallyKey(key);
                      if (!parts || !parts->month) return;
                      int64_t first_day = FirstDayOfMonth(parts->day);
                      for (size_t y = 0; y < years.frames.size(); ++y) {
                        const YearFrame& frame = years.frames[y];
                        if (first_day >= frame.first_day && first_day <= frame.last_day)
                          visit(*parts, month, y);
                      }
                    });
}

// Calls visit(day's key parts, day's counts) for each day of `estate` in [first, last_day].
template <class Day, class Visit>
void ForEachDayOfEstate(const Table<Day>& table, const std::string& estate, int64_t first,
                        int64_t last_day, Visit visit) {
  table.StreamRange(EstateDayStart(estate, first), EstateDayStart(estate, last_day + 1),
                    [&](const std::string& key, const Day& day) {
                      std::optional<TallyKeyParts> parts = ParseTallyKey(key);
                      if (parts && !parts->month) visit(*parts, day);
                    });
}

// A month's or a day's repairs, as `frame`'s year counts them: open past the deadline if the
// deadline came before the instant the year is judged at (its end, or sooner while under way).
RepairTally TallyOf(const RepairDay& day, const YearFrame& frame) {
  RepairTally tally;
  tally.on_time = day.on_time;
  tally.late = day.late;
  tally.no_limit = day.no_limit;
  for (const RepairDay::Open& open : day.open) {
    (open.deadline_ms < frame.judged_ms ? tally.open_overdue : tally.open_pending) += open.count;
  }
  return tally;
}

// The company serving `estate` on every day of [first, last_day] ("" for none), or nullopt
// when that changes within: only at a contract's first day, or the day after its last.
std::optional<std::string> ServingThroughout(const Registers& registers, const std::string& estate,
                                             int64_t first, int64_t last_day) {
  std::string company = registers.ServingCompany(estate, first);
  const EstateContracts* list = registers.contracts().Find(estate);
  if (!list) return company;
  for (const ContractRecord& c : list->contracts) {
    for (std::optional<int64_t> change :
         {std::optional<int64_t>(c.start_day),
          c.end_day ? std::optional<int64_t>(*c.end_day + 1) : std::nullopt}) {
      if (change && *change > first && *change <= last_day &&
          registers.ServingCompany(estate, *change) != company) {
        return std::nullopt;
      }
    }
  }
  return company;
}

// GatherComplaints, GatherRepairs and GatherSurveys from the views' tallies: the same facts,
// for years whose zone is the tallies', read by month.
void GatherComplaintMonths(const ViewSet& views, Years* years) {
  ForEachMonthOfYears(views.complaints.days(), *years,
                      [&](const TallyKeyParts& at, const ComplaintDay& month, size_t y) {
                        YearFacts* facts = &years->facts[y];
                        const std::string estate(at.estate), company(at.company);
                        if (month.filed) {
                          facts->complaints_by_company[company][estate] += month.filed;
                          EstateSpan& span = facts->by_estate_span[estate][FirstDayOfMonth(at.day)];
                          span.last_day = LastDayOfMonth(at.day);
                          span.complaints += month.filed;
                        }
                        if (!month.follow_ups.empty()) {
                          facts->complaint_follow_ups[company].Add(month.follow_ups);
                        }
                      });
}

void GatherRepairMonths(const ViewSet& views, Years* years) {
  ForEachMonthOfYears(views.repairs.days(), *years,
                      [&](const TallyKeyParts& at, const RepairDay& month, size_t y) {
                        YearFacts* facts = &years->facts[y];
                        const std::string estate(at.estate), company(at.company);
                        if (month.requested()) {
                          RepairTally tally = TallyOf(month, years->frames[y]);
                          facts->repairs_by_company[company].Add(tally);
                          EstateSpan& span = facts->by_estate_span[estate][FirstDayOfMonth(at.day)];
                          span.last_day = LastDayOfMonth(at.day);
                          span.repairs.Add(tally);
                        }
                        if (!month.follow_ups.empty()) {
                          facts->repair_follow_ups[company].Add(month.follow_ups);
                        }
                      });
}

// The days of an estate's span, from the day tallies, for a manager appointed on some of them.
void ReadEstateDays(const ViewSet& views, Years* years) {
  for (size_t y = 0; y < years->frames.size(); ++y) {
    const YearFrame frame = years->frames[y];
    years->facts[y].days_of = [&views, frame](const std::string& estate, int64_t first,
                                              int64_t last_day) {
      std::map<int64_t, EstateSpan> days;
      ForEachDayOfEstate(views.complaints.days(), estate, first, last_day,
                         [&](const TallyKeyParts& at, const ComplaintDay& day) {
                           EstateSpan& span = days[at.day];
                           span.last_day = at.day;
                           span.complaints += day.filed;
                         });
      ForEachDayOfEstate(views.repairs.days(), estate, first, last_day,
                         [&](const TallyKeyParts& at, const RepairDay& day) {
                           EstateSpan& span = days[at.day];
                           span.last_day = at.day;
                           span.repairs.Add(TallyOf(day, frame));
                         });
      return days;
    };
  }
}

// Survey answers count for the company they name, or else for the company serving the estate
// on the day given: a month's answers naming none are read by day where that company changed
// within the month.
void GatherSurveyMonths(const ViewSet& views, Years* years) {
  const Registers& registers = views.registers;
  auto count = [](YearFacts* facts, const std::string& estate, bool named,
                  const std::string& company, const SurveyDay& answers, bool by_estate) {
    if (by_estate) {
      facts->responses_by_estate[estate] += answers.responses;
      if (!answers.answers.empty()) facts->survey_by_estate[estate].Add(answers.answers);
    }
    if (company.empty()) return;
    auto& counts = facts->responses_by_company[company];
    (named ? counts.first : counts.second) += answers.responses;
    if (!answers.answers.empty()) facts->survey_by_company[company].Add(answers.answers);
  };
  ForEachMonthOfYears(views.ratings.survey_days(), *years,
                      [&](const TallyKeyParts& at, const SurveyDay& month, size_t y) {
                        YearFacts* facts = &years->facts[y];
                        const std::string estate(at.estate);
                        if (!at.company.empty()) {
                          count(facts, estate, true, std::string(at.company), month, true);
                          return;
                        }
                        int64_t first = FirstDayOfMonth(at.day), last_day = LastDayOfMonth(at.day);
                        if (std::optional<std::string> company =
                                ServingThroughout(registers, estate, first, last_day)) {
                          count(facts, estate, false, *company, month, true);
                          return;
                        }
                        count(facts, estate, false, "", month, true);
                        ForEachDayOfEstate(views.ratings.survey_days(), estate, first, last_day,
                                           [&](const TallyKeyParts& day_at, const SurveyDay& day) {
                                             if (!day_at.company.empty()) return;
                                             count(facts, estate, false,
                                                   registers.ServingCompany(estate, day_at.day),
                                                   day, false);
                                           });
                      });
}

// Every table the figures count from is read once, whatever the number of years: the day
// tallies when every year counts days in their zone, else the records.
Years GatherYears(const ViewSet& views, std::vector<YearFrame> frames, StarCounting counting) {
  Years years(std::move(frames));
  bool tallied = counting == StarCounting::kFromDayTallies;
  for (const YearFrame& frame : years.frames) {
    tallied = tallied && frame.zone.offset_minutes() == TallyZone().offset_minutes();
  }
  if (tallied) {
    GatherComplaintMonths(views, &years);
    GatherRepairMonths(views, &years);
    GatherSurveyMonths(views, &years);
    ReadEstateDays(views, &years);
  } else {
    GatherComplaints(views, &years);
    GatherRepairs(views, &years);
    GatherSurveys(views, &years);
  }
  GatherSheets(views, &years);
  return years;
}

std::string CompanyName(const Registers& registers, const std::string& id) {
  const CompanyRecord* c = registers.companies().Find(id);
  return c ? c->name : "";
}

// The days of `year` an appointment made its person property manager of its estate, if any.
constexpr int kManagerRole = static_cast<int>(schema::AppointedRole::PROPERTY_MANAGER);

std::optional<Interval> ManagerInterval(const AppointmentRecord& a, const YearFrame& frame) {
  if (a.role != kManagerRole || a.estate_id.empty()) {
    return std::nullopt;
  }
  int64_t from = ParseDay(a.from_date).value_or(frame.first_day);
  int64_t to = ParseDay(a.to_date).value_or(frame.last_day);
  from = std::max(from, frame.first_day);
  to = std::min(to, frame.last_day);
  if (to < from) return std::nullopt;
  return Interval{a.estate_id, from, to};
}

// The days of `year` a person was appointed property manager, per appointment with an estate.
std::vector<Interval> ManagerIntervals(const PersonRecord& person, const YearFrame& frame) {
  std::vector<Interval> out;
  for (const auto& a : person.appointments) {
    if (std::optional<Interval> interval = ManagerInterval(a, frame)) out.push_back(*interval);
  }
  return out;
}

bool InIntervals(const std::vector<Interval>& intervals, const std::string& estate, int64_t day) {
  for (const auto& i : intervals) {
    if (i.estate == estate && day >= i.first_day && day <= i.last_day) return true;
  }
  return false;
}

// Who is rated: every registered company and every company something of the year is
// attributed to, every person appointed property manager during the year, every committee
// whose term overlaps it, and every subject a sheet of the year names.
std::set<SubjectKey> RatedSubjects(const Registers& registers, const YearFacts& facts,
                                   const YearFrame& frame) {
  std::set<SubjectKey> subjects;
  registers.companies().Stream([&](const std::string& id, const CompanyRecord&) {
    subjects.insert({kCompany, id});
  });
  for (const auto& [company, by_estate] : facts.complaints_by_company) {
    subjects.insert({kCompany, company});
  }
  for (const auto& [company, tally] : facts.repairs_by_company)
    subjects.insert({kCompany, company});
  for (const auto& [company, t] : facts.complaint_follow_ups) subjects.insert({kCompany, company});
  for (const auto& [company, t] : facts.repair_follow_ups) subjects.insert({kCompany, company});
  for (const auto& [company, t] : facts.survey_by_company) subjects.insert({kCompany, company});
  registers.ForEachEstateAppointing(kManagerRole, [&](const EstateAppointments& list) {
    for (const auto& [person, a] : list.list) {
      if (ManagerInterval(a, frame)) subjects.insert({kManager, person});
    }
  });
  registers.committees().Stream([&](const std::string& id, const CommitteeRecord& c) {
    if (c.Serves(frame.first_day, frame.last_day)) subjects.insert({kCommittee, id});
  });
  for (const auto& by_subject : facts.sheets) {
    for (const auto& [key, list] : by_subject) subjects.insert(key);
  }
  return subjects;
}

// The inspection and document-review figures, from the sheets naming the subject.
void AddSheetFigures(const YearFacts& facts, const SubjectKey& key, int year, Row* row) {
  static const std::vector<const ScoreSheetRecord*> kNone;
  for (SheetKind kind : {SheetKind::kInspection, SheetKind::kDocumentReview}) {
    const auto& sheets = facts.sheets[static_cast<int>(kind)];
    auto it = sheets.find(key);
    row->figures.push_back(SheetFigure(kind, it == sheets.end() ? kNone : it->second, year));
  }
}

// A company: complaints and repairs attributed to it, households weighted by the days each
// estate was served, its follow-up calls, and the survey answers that count for it.
void AddCompanyFigures(const Registers& registers, const YearFacts& facts, const YearFrame& frame,
                       const RatingRule* rule, Row* row) {
  const std::string& id = row->id;
  const std::string y = std::to_string(frame.year);
  row->name = CompanyName(registers, id);
  Exposure exposure;
  for (const auto& [estate, days] : registers.EstatesServed(id, frame.first_day, frame.last_day)) {
    exposure.parts.push_back({estate, registers.HouseholdCount(estate, frame.judged_ms), days});
  }
  uint32_t filed = 0;
  std::map<std::string, uint32_t> by_estate;
  if (auto it = facts.complaints_by_company.find(id); it != facts.complaints_by_company.end()) {
    by_estate = it->second;
    for (const auto& [estate, n] : by_estate) filed += n;
  }
  ComplaintFigures(filed, by_estate, exposure, frame, rule, "attributed to " + id, &row->figures);
  RepairTally tally;
  if (auto it = facts.repairs_by_company.find(id); it != facts.repairs_by_company.end()) {
    tally = it->second;
  }
  row->figures.push_back(RepairFigure(tally, "attributed to " + id, frame));
  SatisfactionTally follow_ups;
  uint32_t from_complaints = 0, from_repairs = 0;
  if (auto it = facts.complaint_follow_ups.find(id); it != facts.complaint_follow_ups.end()) {
    follow_ups.Add(it->second);
    from_complaints = it->second.answered() + it->second.unanswered;
  }
  if (auto it = facts.repair_follow_ups.find(id); it != facts.repair_follow_ups.end()) {
    follow_ups.Add(it->second);
    from_repairs = it->second.answered() + it->second.unanswered;
  }
  row->figures.push_back(SatisfactionFigure(
      kFollowUp, follow_ups,
      "follow-up calls in " + y + " about complaints (" + std::to_string(from_complaints) +
          ") and repairs (" + std::to_string(from_repairs) + ") attributed to " + id));
  SatisfactionTally survey;
  std::pair<uint32_t, uint32_t> responses{0, 0};
  if (auto it = facts.survey_by_company.find(id); it != facts.survey_by_company.end()) {
    survey = it->second;
  }
  if (auto it = facts.responses_by_company.find(id); it != facts.responses_by_company.end()) {
    responses = it->second;
  }
  row->figures.push_back(SatisfactionFigure(
      kSurvey, survey,
      "survey answers in " + y + " from " + std::to_string(responses.first) +
          " response(s) naming " + id + " and " + std::to_string(responses.second) +
          " not naming a company, from estates it served that day"));
}

// A property manager: the complaint rate and repair compliance of the estates they managed,
// counting only the days of each appointment.
void AddManagerFigures(const Registers& registers, const YearFacts& facts, const YearFrame& frame,
                       const RatingRule* rule, Row* row) {
  const std::string& id = row->id;
  const PersonRecord* person = registers.persons().Find(id);
  row->name = person ? person->name : "";
  std::vector<Interval> intervals;
  if (person) intervals = ManagerIntervals(*person, frame);
  Exposure exposure;
  std::string appointed;
  for (const auto& i : intervals) {
    exposure.parts.push_back({i.estate, registers.HouseholdCount(i.estate, frame.judged_ms),
                              i.last_day - i.first_day + 1});
    if (!appointed.empty()) appointed += ", ";
    appointed += i.estate + " " + FormatDay(i.first_day) + "–" + FormatDay(i.last_day);
  }
  std::string whose = "in the estates " + id + " managed (" +
                      (appointed.empty() ? std::string("none") : appointed) + ")";
  std::set<std::string_view> estates;
  for (const auto& i : intervals) estates.insert(i.estate);
  uint32_t filed = 0;
  std::map<std::string, uint32_t> by_estate;
  RepairTally tally;
  auto add = [&](const std::string& estate, const EstateSpan& span) {
    filed += span.complaints;
    if (span.complaints) by_estate[estate] += span.complaints;
    tally.Add(span.repairs);
  };
  for (std::string_view estate : estates) {
    const std::string name(estate);
    auto it = facts.by_estate_span.find(name);
    if (it == facts.by_estate_span.end()) continue;
    for (const auto& [first, span] : it->second) {
      int64_t covered = 0;
      for (int64_t day = first; day <= span.last_day; ++day) {
        covered += InIntervals(intervals, name, day);
      }
      if (covered == span.last_day - first + 1) {
        add(name, span);
      } else if (covered > 0) {
        for (const auto& [day, one] : facts.days_of(name, first, span.last_day)) {
          if (InIntervals(intervals, name, day)) add(name, one);
        }
      }
    }
  }
  ComplaintFigures(filed, by_estate, exposure, frame, rule, whose, &row->figures);
  row->figures.push_back(RepairFigure(tally, whose, frame));
}

// An owners' committee: the survey answers of its estate.
void AddCommitteeFigures(const Registers& registers, const YearFacts& facts, const YearFrame& frame,
                         Row* row) {
  const CommitteeRecord* committee = registers.committees().Find(row->id);
  std::string estate = committee ? committee->estate_id : "";
  const EstateRecord* estate_record = registers.estates().Find(estate);
  row->name = estate_record ? estate_record->name + " 业主委员会" : "";
  SatisfactionTally survey;
  uint32_t responses = 0;
  if (auto it = facts.survey_by_estate.find(estate);
      !estate.empty() && it != facts.survey_by_estate.end()) {
    survey = it->second;
    if (auto n = facts.responses_by_estate.find(estate); n != facts.responses_by_estate.end()) {
      responses = n->second;
    }
  }
  row->figures.push_back(
      SatisfactionFigure(kSurvey, survey,
                         "survey answers in " + std::to_string(frame.year) + " from " +
                             std::to_string(responses) + " response(s) in the committee's estate " +
                             (estate.empty() ? std::string("(not registered)") : estate)));
}

// The policy the year is rated under (in force on its 31 December), and its frame.
Evaluation Setting(const ViewSet& views, int year, int64_t at_ms) {
  Evaluation ev;
  int64_t dec31 = DaysFromCivil({year, 12, 31});
  ev.policy = views.policies.InForce(PolicyKind::kRating, dec31);
  ev.frame = FrameOf(year, ev.policy ? ev.policy->zone() : TimeZone::China(), at_ms);
  return ev;
}

// Rates the subjects of `ev`'s year (from Setting) from the facts gathered for its frame.
Evaluation Evaluate(const ViewSet& views, Evaluation ev, const YearFacts& facts) {
  const int year = ev.frame.year;
  const YearFrame& frame = ev.frame;
  const RatingRule* rule = ev.policy ? &ev.policy->rating : nullptr;
  const Registers& registers = views.registers;

  for (const SubjectKey& key : RatedSubjects(registers, facts, frame)) {
    if (key.id.empty()) continue;
    Row row;
    row.kind = key.kind;
    row.id = key.id;
    AddSheetFigures(facts, key, year, &row);
    if (key.kind == kCompany) {
      AddCompanyFigures(registers, facts, frame, rule, &row);
    } else if (key.kind == kManager) {
      AddManagerFigures(registers, facts, frame, rule, &row);
    } else if (key.kind == kCommittee) {
      AddCommitteeFigures(registers, facts, frame, &row);
    }
    bool any_data = false;
    for (const auto& f : row.figures) any_data = any_data || (f.component >= 0 && f.has_data);
    if (!any_data) continue;  // nothing to rate it by this year
    WeighScore(ev.policy, &row);
    ev.rows.push_back(std::move(row));
  }
  std::sort(ev.rows.begin(), ev.rows.end(), [](const Row& a, const Row& b) {
    if (a.score != b.score) return a.score > b.score;
    return std::tie(a.id, a.kind) < std::tie(b.id, b.kind);
  });
  return ev;
}

std::string ListText(int list) {
  return list == kRedList ? "red" : list == kBlackList ? "black" : "none";
}

// Last year's lists: the street office's word where it published one, else computed from the
// ledger the same way under that year's policy.
class LastYear {
 public:
  // `computed`: last year evaluated from the ledger, needed when no list was published.
  LastYear(const PublicationRecord* published, std::optional<Evaluation> computed, int year)
      : published_(published), computed_(std::move(computed)) {
    const std::string last_y = std::to_string(year - 1);
    source_ = published_ ? "published" : "computed";
    where_ = published_ ? last_y + " as published by the street office (seq " +
                              std::to_string(published_->seq) + ")"
                        : last_y + " as computed from the ledger";
  }

  // Last year's list of a subject, or nullopt if it was not rated.
  std::optional<int> ListOf(const Row& row) const {
    if (published_) {
      const PublishedRowRecord* r = published_->Find(row.kind, row.id);
      if (!r) return std::nullopt;
      return r->list;
    }
    for (const Row& last : computed_->rows) {
      if (last.kind == row.kind && last.id == row.id) {
        return last.rated ? std::optional<int>(last.list) : std::nullopt;
      }
    }
    return std::nullopt;
  }

  const PublicationRecord* published() const { return published_; }
  const std::string& source() const { return source_; }  // "published" or "computed"
  const std::string& where() const { return where_; }    // which year, and from where

 private:
  const PublicationRecord* published_;
  std::optional<Evaluation> computed_;
  std::string source_, where_;
};

// The policy the year is rated under, with its weights and cut-offs.
void WritePolicy(const PolicyVersion& policy, schema::StarEvaluation::Builder out) {
  const RatingRule& rule = policy.rating;
  out.setPolicyId(policy.policy_id);
  out.setPolicyVersion(policy.version);
  out.setPolicyEffectiveFrom(FormatDay(policy.effective_day));
  out.setPolicySeq(policy.seq);
  auto w = out.initWeights();
  w.setInspection(rule.w_inspection);
  w.setDocumentReview(rule.w_document_review);
  w.setComplaintRate(rule.w_complaint_rate);
  w.setRepairCompliance(rule.w_repair_compliance);
  w.setFollowUpSatisfaction(rule.w_follow_up);
  w.setSurveySatisfaction(rule.w_survey);
  auto thresholds = out.initThresholds(rule.star_thresholds.size());
  for (size_t i = 0; i < rule.star_thresholds.size(); ++i) {
    thresholds.set(i, rule.star_thresholds[i]);
  }
  out.setRedListMinScore(rule.red_list_min_score);
  out.setBlackListMaxScore(rule.black_list_max_score);
  out.setComplaintRateCeiling(rule.complaint_rate_ceiling);
}

void WriteFigures(const std::vector<Figure>& in,
                  capnp::List<schema::EvaluationFigure>::Builder out) {
  for (size_t k = 0; k < in.size(); ++k) {
    const Figure& f = in[k];
    out[k].setName(f.name);
    out[k].setValue(f.value);
    out[k].setNumerator(f.numerator);
    out[k].setDenominator(f.denominator);
    out[k].setInputs(f.inputs);
    out[k].setHasData(f.has_data);
    out[k].setWeight(f.weight);
    out[k].setCounted(f.counted);
  }
}

// What the row's lists this year and last call for.
std::string Recommendation(const Evaluation& ev, const Row& row, bool black_last, bool replacement,
                           const LastYear& last_year) {
  const std::string y = std::to_string(ev.frame.year), last_y = std::to_string(ev.frame.year - 1);
  bool black_now = row.list == kBlackList;
  if (!row.rated) return "not rated: no rating policy weighs the figures there are";
  if (replacement) {
    return "连续两年列入黑榜，建议业主大会启动退出程序: black-listed in " + last_y + " and " + y +
           ", recommend the owners' assembly start the replacement procedure (" +
           last_year.where() + ")";
  }
  if (black_now && black_last) {
    return "连续两年列入黑榜: black-listed in " + last_y + " and " + y + " (" + last_year.where() +
           ")";
  }
  if (black_now) {
    return "列入黑榜: black list, score " + Num(row.score) + " below " +
           Num(ev.policy->rating.black_list_max_score);
  }
  if (row.list == kRedList) {
    return "列入红榜: red list, score " + Num(row.score) + " at or above " +
           Num(ev.policy->rating.red_list_min_score);
  }
  return "";
}

// The ids on this year's red and black lists, and the companies flagged for replacement.
struct Lists {
  std::vector<std::string> red, black, replace;
};

// One row with its figures, last year's list and its recommendation; adds it to `lists`.
void WriteRow(const Evaluation& ev, const Row& row, const LastYear& last_year,
              schema::StarEvaluationRow::Builder r, Lists* lists) {
  r.setSubjectKind(RatingSubjectKindName(row.kind));
  r.setSubjectId(row.id);
  r.setSubjectName(row.name);
  WriteFigures(row.figures, r.initFigures(row.figures.size()));
  r.setScore(row.score);
  r.setStars(static_cast<uint8_t>(row.stars));
  r.setList(ListText(row.list));
  std::optional<int> last = last_year.ListOf(row);
  bool black_last = last && *last == kBlackList;
  bool black_now = row.list == kBlackList;
  bool replacement = row.kind == kCompany && black_now && black_last;
  r.setLastYearList(last ? ListText(*last) : "");
  r.setLastYearSource(last_year.source());
  r.setBlackListedLastYear(black_last);
  r.setReplacementRecommended(replacement);
  r.setRecommendation(Recommendation(ev, row, black_last, replacement, last_year));
  if (row.list == kRedList) lists->red.push_back(row.id);
  if (black_now) lists->black.push_back(row.id);
  if (replacement) lists->replace.push_back(row.id);
}

// The year, the policy (or its absence) and how the figures were weighed, in words.
std::string Notes(const Evaluation& ev, const LastYear& last_year) {
  const YearFrame& frame = ev.frame;
  std::string notes = "Local year " + std::to_string(frame.year) + " (" +
                      FormatDay(frame.first_day) + " to " + FormatDay(frame.last_day) + ", " +
                      std::to_string(frame.days) + " days, UTC" +
                      (frame.zone.offset_minutes() >= 0 ? "+" : "") +
                      Num(frame.zone.offset_minutes() / 60.0) + "). ";
  if (ev.policy) {
    notes += "Rating policy " + ev.policy->policy_id + " v" + std::to_string(ev.policy->version) +
             ", in force on " + FormatDay(frame.last_day) + ". ";
  } else {
    notes += "No rating policy in force on " + FormatDay(frame.last_day) +
             ": figures only, no score, stars or lists. ";
  }
  notes +=
      "A component without data is left out and the weights renormalised over the rest. Black "
      "list below blackListMaxScore, checked before the red list. Last year's lists: " +
      last_year.where() + ".";
  return notes;
}

void FillTexts(const std::vector<std::string>& ids, capnp::List<capnp::Text>::Builder list) {
  for (size_t i = 0; i < ids.size(); ++i) list.set(i, ids[i]);
}

}  // namespace

void ComputeStarEvaluation(const ViewSet& views, int year, int64_t at_ms,
                           schema::StarEvaluation::Builder out, StarCounting counting) {
  Evaluation ev = Setting(views, year, at_ms);
  const PublicationRecord* published = views.ratings.Published(year - 1);
  std::optional<Evaluation> last;
  if (!published) last = Setting(views, year - 1, at_ms);
  std::vector<YearFrame> frames{ev.frame};
  if (last) frames.push_back(last->frame);
  Years years = GatherYears(views, std::move(frames), counting);
  ev = Evaluate(views, std::move(ev), years.facts[0]);
  if (last) last = Evaluate(views, std::move(*last), years.facts[1]);
  LastYear last_year(published, std::move(last), year);

  out.setYear(static_cast<uint16_t>(year));
  out.setPositionSeq(views.position().seq);
  out.setPositionHash(ledger::ToHex(views.position().hash));
  out.setJudgedAt(ev.frame.judged_ms);
  if (ev.policy) WritePolicy(*ev.policy, out);
  out.setLastYearPublishedSeq(last_year.published() ? last_year.published()->seq : 0);

  Lists lists;
  auto rows = out.initRows(ev.rows.size());
  for (size_t i = 0; i < ev.rows.size(); ++i) WriteRow(ev, ev.rows[i], last_year, rows[i], &lists);
  FillTexts(lists.red, out.initRedList(lists.red.size()));
  FillTexts(lists.black, out.initBlackList(lists.black.size()));
  FillTexts(lists.replace, out.initReplacementRecommended(lists.replace.size()));
  out.setNotes(Notes(ev, last_year));
}

}  // namespace projections
