// Ratings: what the annual star evaluation (星级评价) needs that no other view holds — the score
// sheets of on-site inspections (实地巡查) and document reviews (查阅资料), the household survey
// answers (入户调查), and the star ratings the street office published.
//
// The evaluation itself is a report (projections/reports/star_evaluation.h): it combines these
// with the complaints, repairs, registers and the rating policy.

#pragma once

#include <string>
#include <vector>

#include "projections/filter.h"
#include "projections/projection.h"
#include "projections/views/day_tallies.h"
#include "schemas/view_ratings.capnp.h"

namespace projections {

enum class SheetKind { kInspection = 0, kDocumentReview = 1 };
const char* ScoreSheetKindName(SheetKind kind);
// schema::SubjectKind as text: company, propertyManager, ownersCommittee.
const char* RatingSubjectKindName(int subject_kind);
// schema::ListMark as text: none, red, black.
const char* RatingListMarkName(int list_mark);

struct ItemScoreRecord {
  std::string item;
  double score = 0, max_score = 0;
  // Whether it counts in a sheet's sums: a finite score from 0 to a finite maximum above 0. One
  // item of -100,000 out of 20 sank a company's year of inspections, and a NaN took its score,
  // and its black mark, away. The rule book refuses such items; one stored before is left out.
  bool Counts() const;
  template <class A>
  void Fields(A& a) {
    a(item, score, max_score);
  }
};

// One recording of a score sheet.
struct ScoreSheetRecord {
  uint64_t seq = 0;
  int64_t at = 0;  // when the inspection or review happened, as reported
  int kind = 0;    // SheetKind
  std::string sheet_id;
  int subject_kind = 0;  // schema::SubjectKind
  std::string subject_id, estate_id;
  int year = 0;
  std::vector<ItemScoreRecord> items;
  std::vector<std::string> inspector_ids;
  double Score() const;     // of the items that count
  double MaxScore() const;  // of the items that count
  size_t LeftOut() const;   // items that do not count
  template <class A>
  void Fields(A& a) {
    a(seq, at, kind, sheet_id, subject_kind, subject_id, estate_id, year, items, inspector_ids);
  }
};

// Every recording of one sheet id. A sheet recorded again under the same id restates it: the
// latest recording is the sheet, so that one sheet is never counted twice.
struct SheetHistory {
  std::vector<ScoreSheetRecord> versions;  // in seq order
  const ScoreSheetRecord* current() const { return versions.empty() ? nullptr : &versions.back(); }
  template <class A>
  void Fields(A& a) {
    a(versions);
  }
};

struct SurveyAnswerRecord {
  std::string question;
  int satisfaction = 0;  // schema::Satisfaction
  template <class A>
  void Fields(A& a) {
    a(question, satisfaction);
  }
};

// One household's answers. The company is kept as the surveyor named it; when none was named the
// evaluation attributes the answers to the company serving the estate on the day.
struct SurveyResponseRecord {
  uint64_t seq = 0;
  int64_t at = 0;
  std::string survey_id, estate_id, company_id;
  std::string household_id;  // empty when anonymous
  bool anonymous = false;
  std::vector<SurveyAnswerRecord> answers;
  template <class A>
  void Fields(A& a) {
    a(seq, at, survey_id, estate_id, company_id, household_id, anonymous, answers);
  }
};

struct PublishedFigureRecord {
  std::string name, inputs;
  double value = 0;
  template <class A>
  void Fields(A& a) {
    a(name, inputs, value);
  }
};

struct PublishedRowRecord {
  int subject_kind = 0;  // schema::SubjectKind
  std::string subject_id;
  double score = 0;
  uint32_t stars = 0;
  int list = 0;  // schema::ListMark
  bool replacement_recommended = false;
  std::vector<PublishedFigureRecord> figures;
  template <class A>
  void Fields(A& a) {
    a(subject_kind, subject_id, score, stars, list, replacement_recommended, figures);
  }
};

struct PublicationRecord {
  uint64_t seq = 0;
  int64_t at = 0;
  int year = 0;
  uint64_t computed_at_seq = 0;
  std::string computed_at_hash, policy_id;
  uint32_t policy_version = 0;
  std::vector<PublishedRowRecord> rows;
  // The row for a subject, or nullptr if the publication does not rate it.
  const PublishedRowRecord* Find(int subject_kind, const std::string& subject_id) const;
  template <class A>
  void Fields(A& a) {
    a(seq, at, year, computed_at_seq, computed_at_hash, policy_id, policy_version, rows);
  }
};

// The publications of one year. Publishing again replaces the earlier publication (a corrected
// list), so the latest is the one that counts.
struct PublicationHistory {
  std::vector<PublicationRecord> versions;  // in seq order
  template <class A>
  void Fields(A& a) {
    a(versions);
  }
};

class Ratings final : public Projection {
 public:
  // Reads no other view: a rating is what its sheet says.
  Ratings() {
    Register(&sheets_);
    Register(&surveys_);
    Register(&publications_);
    Register(&survey_days_);
  }
  const char* name() const override { return "ratings"; }
  // 6: a paper form counted at most a month before it was entered; 5: a resident's response
  // counted at most an hour before it was recorded (4: the tallies
  // count anonymous responses; 3: kept by estate and day, and by month; 2: survey responses
  // tallied by day).
  uint32_t version() const override { return 6; }
  void Apply(const EventContext& event) override;
  void Void(const EventContext& event) override;

  // The sheets of `year` (by the sheets' own year field), the survey answers given in that local
  // year (Asia/Shanghai) per estate and named company, and the publications for that year.
  // `filter.company` narrows sheets to one subject id and surveys to one named company;
  // `filter.estate` narrows both to one estate; offset/limit page the sheets.
  void Query(int year, const Filter& filter, ledger::schema::RatingsView::Builder out) const;

  // By "inspection/<sheet id>" or "documentReview/<sheet id>".
  const Table<SheetHistory>& sheets() const { return sheets_; }
  // By seq (zero-padded, so in recording order).
  const Table<SurveyResponseRecord>& surveys() const { return surveys_; }
  // Survey responses and their answers, by estate, local day and the company they name, and by
  // month (day_tallies.h).
  const Table<SurveyDay>& survey_days() const { return survey_days_; }
  // The publication for `year` that counts (the latest), or nullptr if none was published.
  const PublicationRecord* Published(int year) const;

 private:
  // What a survey response adds to the day tallies.
  static DayShare<SurveyDay> ShareOf(const SurveyResponseRecord* response);
  void ApplyToRecord(const EventContext& event);
  void VoidInRecord(const EventContext& event);

  Table<SheetHistory> sheets_{"sheets"};
  Table<SurveyResponseRecord> surveys_{"surveys"};
  Table<PublicationHistory> publications_{"publications"};  // by year
  Table<SurveyDay> survey_days_{"survey_days"};
};

}  // namespace projections
