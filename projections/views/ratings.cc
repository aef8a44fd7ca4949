#include "projections/views/ratings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

#include "by_seq.h"
#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;
using P = schema::Payload;

const char* ScoreSheetKindName(SheetKind kind) {
  return kind == SheetKind::kDocumentReview ? "documentReview" : "inspection";
}

const char* RatingSubjectKindName(int subject_kind) {
  static constexpr const char* kNames[] = {"company", "propertyManager", "ownersCommittee"};
  return subject_kind >= 0 && subject_kind < 3 ? kNames[subject_kind] : "unknown";
}

const char* RatingListMarkName(int list_mark) {
  static constexpr const char* kNames[] = {"none", "red", "black"};
  return list_mark >= 0 && list_mark < 3 ? kNames[list_mark] : "none";
}

bool ItemScoreRecord::Counts() const {
  return std::isfinite(score) && std::isfinite(max_score) && max_score > 0 && score >= 0 &&
         score <= max_score;
}

double ScoreSheetRecord::Score() const {
  double sum = 0;
  for (const auto& item : items) sum += item.Counts() ? item.score : 0;
  return sum;
}

double ScoreSheetRecord::MaxScore() const {
  double sum = 0;
  for (const auto& item : items) sum += item.Counts() ? item.max_score : 0;
  return sum;
}

size_t ScoreSheetRecord::LeftOut() const {
  size_t n = 0;
  for (const auto& item : items) n += item.Counts() ? 0 : 1;
  return n;
}

const PublishedRowRecord* PublicationRecord::Find(int subject_kind,
                                                  const std::string& subject_id) const {
  for (const auto& row : rows) {
    if (row.subject_kind == subject_kind && row.subject_id == subject_id) return &row;
  }
  return nullptr;
}

namespace {

// Survey responses are keyed by seq, padded so that key order is recording order.
std::string SeqKey(uint64_t seq) {
  char key[24];
  std::snprintf(key, sizeof key, "%020llu", static_cast<unsigned long long>(seq));
  return key;
}

std::string SheetKey(SheetKind kind, const std::string& sheet_id) {
  return std::string(ScoreSheetKindName(kind)) + "/" + sheet_id;
}

std::string YearKey(int year) { return std::to_string(year); }

struct SheetOf {
  SheetKind kind;
  schema::ScoreSheet::Reader sheet;
};

std::optional<SheetOf> SheetFrom(P::Reader p) {
  if (p.isInspectionRecorded()) return SheetOf{SheetKind::kInspection, p.getInspectionRecorded()};
  if (p.isDocumentReviewRecorded()) {
    return SheetOf{SheetKind::kDocumentReview, p.getDocumentReviewRecorded()};
  }
  return std::nullopt;
}

}  // namespace

DayShare<SurveyDay> Ratings::ShareOf(const SurveyResponseRecord* r) {
  DayShare<SurveyDay> share;
  if (r == nullptr) return share;
  SurveyDay day;
  day.responses = 1;
  day.anonymous = r->anonymous ? 1 : 0;
  for (const auto& answer : r->answers) day.answers.Add(answer.satisfaction);
  share.emplace_back(DayTallyKey(LocalDay(r->at, TallyZone()), r->estate_id, r->company_id), day);
  return share;
}

void Ratings::Apply(const EventContext& e) {
  if (!e.payload.isSurveyResponseRecorded()) return ApplyToRecord(e);
  ChangeMovingShare(surveys_, SeqKey(e.seq), ShareOf, &survey_days_, [&] { ApplyToRecord(e); });
}

void Ratings::Void(const EventContext& e) {
  if (!e.payload.isSurveyResponseRecorded()) return VoidInRecord(e);
  ChangeMovingShare(surveys_, SeqKey(e.seq), ShareOf, &survey_days_, [&] { VoidInRecord(e); });
}

void Ratings::ApplyToRecord(const EventContext& e) {
  auto p = e.payload;
  if (auto sheet = SheetFrom(p)) {
    auto r = sheet->sheet;
    ScoreSheetRecord record;
    record.seq = e.seq;
    record.at = e.occurred_at;
    record.kind = static_cast<int>(sheet->kind);
    record.sheet_id = Str(r.getSheetId());
    record.subject_kind = static_cast<int>(r.getSubject().getKind());
    record.subject_id = Str(r.getSubject().getId());
    record.estate_id = Str(r.getEstateId());
    record.year = r.getYear();
    for (auto item : r.getItems()) {
      record.items.push_back({Str(item.getItem()), item.getScore(), item.getMaxScore()});
    }
    for (auto id : r.getInspectorIds()) record.inspector_ids.push_back(Str(id));
    std::string key = SheetKey(sheet->kind, record.sheet_id);
    InsertBySeq(sheets_.Mutable(key).versions, std::move(record));
    return;
  }
  if (p.isSurveyResponseRecorded()) {
    auto r = p.getSurveyResponseRecorded();
    SurveyResponseRecord record;
    record.seq = e.seq;
    // A resident answering online answers now: dated into an earlier year, one response would
    // move a figure already argued over (EventContext::counted_at). Paper forms a community
    // worker enters in January for December belong to December, within a month.
    record.at = e.role == ledger::schema::Role::RESIDENT ? e.counted_at()
                                                         : e.counted_at(EventContext::kFormGraceMs);
    record.survey_id = Str(r.getSurveyId());
    record.estate_id = Str(r.getEstateId());
    record.company_id = Str(r.getCompanyId());
    record.anonymous = r.getAnonymous();
    // An anonymous answer stays anonymous here even if a household was sent by mistake.
    if (!record.anonymous) record.household_id = Str(r.getHouseholdId());
    for (auto answer : r.getAnswers()) {
      record.answers.push_back(
          {Str(answer.getQuestion()), static_cast<int>(answer.getSatisfaction())});
    }
    surveys_.Mutable(SeqKey(e.seq)) = std::move(record);
    return;
  }
  if (p.isStarRatingPublished()) {
    auto r = p.getStarRatingPublished();
    PublicationRecord record;
    record.seq = e.seq;
    record.at = e.occurred_at;
    record.year = r.getYear();
    record.computed_at_seq = r.getComputedAtSeq();
    record.computed_at_hash = Str(r.getComputedAtHash());
    record.policy_id = Str(r.getPolicyId());
    record.policy_version = r.getPolicyVersion();
    for (auto rating : r.getRatings()) {
      PublishedRowRecord row;
      row.subject_kind = static_cast<int>(rating.getSubject().getKind());
      row.subject_id = Str(rating.getSubject().getId());
      row.score = rating.getScore();
      row.stars = rating.getStars();
      row.list = static_cast<int>(rating.getList());
      row.replacement_recommended = rating.getReplacementRecommended();
      for (auto figure : rating.getFigures()) {
        row.figures.push_back({Str(figure.getName()), Str(figure.getInputs()), figure.getValue()});
      }
      record.rows.push_back(std::move(row));
    }
    std::string key = YearKey(record.year);
    InsertBySeq(publications_.Mutable(key).versions, std::move(record));
  }
}

void Ratings::VoidInRecord(const EventContext& e) {
  auto p = e.payload;
  if (auto sheet = SheetFrom(p)) {
    std::string key = SheetKey(sheet->kind, Str(sheet->sheet.getSheetId()));
    if (!sheets_.Contains(key)) return;
    auto& versions = sheets_.Mutable(key).versions;
    std::erase_if(versions, [&](const ScoreSheetRecord& s) { return s.seq == e.seq; });
    if (versions.empty()) sheets_.Erase(key);
    return;
  }
  if (p.isSurveyResponseRecorded()) {
    surveys_.Erase(SeqKey(e.seq));
    return;
  }
  if (p.isStarRatingPublished()) {
    std::string key = YearKey(p.getStarRatingPublished().getYear());
    if (!publications_.Contains(key)) return;
    auto& versions = publications_.Mutable(key).versions;
    std::erase_if(versions, [&](const PublicationRecord& r) { return r.seq == e.seq; });
    if (versions.empty()) publications_.Erase(key);
  }
}

const PublicationRecord* Ratings::Published(int year) const {
  const PublicationHistory* history = publications_.Find(YearKey(year));
  return history && !history->versions.empty() ? &history->versions.back() : nullptr;
}

namespace {

// One score sheet as it stands, with the seqs of the versions it restated.
void FillSheet(const SheetHistory& history, schema::RatingsSheet::Builder item) {
  const ScoreSheetRecord& s = *history.current();
  item.setKind(ScoreSheetKindName(static_cast<SheetKind>(s.kind)));
  item.setSheetId(s.sheet_id);
  item.setSubjectKind(RatingSubjectKindName(s.subject_kind));
  item.setSubjectId(s.subject_id);
  item.setEstateId(s.estate_id);
  item.setYear(static_cast<uint16_t>(s.year));
  item.setScore(s.Score());
  item.setMaxScore(s.MaxScore());
  auto items = item.initItems(s.items.size());
  for (size_t k = 0; k < s.items.size(); ++k) {
    items[k].setItem(s.items[k].item);
    items[k].setScore(s.items[k].score);
    items[k].setMaxScore(s.items[k].max_score);
  }
  auto inspectors = item.initInspectorIds(s.inspector_ids.size());
  for (size_t k = 0; k < s.inspector_ids.size(); ++k) inspectors.set(k, s.inspector_ids[k]);
  item.setRecordedAt(s.at);
  item.setSeq(s.seq);
  auto superseded = item.initSupersededSeqs(history.versions.size() - 1);
  for (size_t k = 0; k + 1 < history.versions.size(); ++k) {
    superseded.set(k, history.versions[k].seq);
  }
}

// One publication of the year's ratings; `current` when no later one replaced it.
void FillPublication(const PublicationRecord& r, bool current,
                     schema::RatingsPublication::Builder p) {
  p.setYear(static_cast<uint16_t>(r.year));
  p.setSeq(r.seq);
  p.setPublishedAt(r.at);
  p.setComputedAtSeq(r.computed_at_seq);
  p.setComputedAtHash(r.computed_at_hash);
  p.setPolicyId(r.policy_id);
  p.setPolicyVersion(r.policy_version);
  p.setCurrent(current);
  auto rows = p.initRows(r.rows.size());
  for (size_t n = 0; n < r.rows.size(); ++n) {
    const PublishedRowRecord& row = r.rows[n];
    rows[n].setSubjectKind(RatingSubjectKindName(row.subject_kind));
    rows[n].setSubjectId(row.subject_id);
    rows[n].setScore(row.score);
    rows[n].setStars(static_cast<uint8_t>(row.stars));
    rows[n].setList(RatingListMarkName(row.list));
    rows[n].setReplacementRecommended(row.replacement_recommended);
  }
}

}  // namespace

void Ratings::Query(int year, const Filter& f, schema::RatingsView::Builder out) const {
  out.setYear(static_cast<uint16_t>(year));

  std::vector<const SheetHistory*> matched;
  sheets_.ForEach([&](const std::string&, const SheetHistory& history) {
    const ScoreSheetRecord* s = history.current();
    if (!s || s->year != year) return;
    if (!f.Matches(s->subject_id, f.company) || !f.Matches(s->estate_id, f.estate)) return;
    matched.push_back(&history);
  });
  std::sort(matched.begin(), matched.end(), [](const SheetHistory* a, const SheetHistory* b) {
    const ScoreSheetRecord& x = *a->current();
    const ScoreSheetRecord& y = *b->current();
    return std::tie(x.subject_kind, x.subject_id, x.kind, x.sheet_id) <
           std::tie(y.subject_kind, y.subject_id, y.kind, y.sheet_id);
  });
  size_t begin = std::min(f.offset, matched.size());
  size_t end = std::min(matched.size(), begin + f.limit);
  out.setSheetCount(static_cast<uint32_t>(matched.size()));
  out.setOffset(static_cast<uint32_t>(begin));
  auto sheets = out.initSheets(end - begin);
  for (size_t i = begin; i < end; ++i) FillSheet(*matched[i], sheets[i - begin]);

  // The year's survey responses, from the months' tallies: twelve months of keys per estate and
  // company, not every response of the year.
  std::map<std::pair<std::string, std::string>, SurveyDay> tallies;
  int64_t first_month = MonthOfDay(DaysFromCivil({year, 1, 1}));
  survey_days_.StreamRange(MonthStart(first_month), MonthStart(first_month + 12),
                           [&](const std::string& key, const SurveyDay& month) {
                             std::optional<TallyKeyParts> at = ParseTallyKey(key);
                             if (!at || !at->month) return;
                             std::string estate(at->estate), company(at->company);
                             if (!f.Matches(company, f.company) || !f.Matches(estate, f.estate))
                               return;
                             tallies[{std::move(estate), std::move(company)}].Add(month, 1);
                           });
  auto surveys = out.initSurveys(tallies.size());
  size_t i = 0;
  for (const auto& [key, t] : tallies) {
    auto s = surveys[i++];
    s.setEstateId(key.first);
    s.setCompanyId(key.second);
    s.setResponses(t.responses);
    s.setAnonymousResponses(t.anonymous);
    s.setAnswered(t.answers.satisfied + t.answers.basically + t.answers.dissatisfied);
    s.setSatisfied(t.answers.satisfied);
    s.setBasicallySatisfied(t.answers.basically);
    s.setDissatisfied(t.answers.dissatisfied);
    s.setUnknown(t.answers.unanswered);
  }

  const PublicationHistory* history = publications_.Find(YearKey(year));
  size_t count = history ? history->versions.size() : 0;
  auto publications = out.initPublications(count);
  for (size_t k = 0; k < count; ++k) {
    FillPublication(history->versions[k], k + 1 == count, publications[k]);
  }
}

}  // namespace projections
