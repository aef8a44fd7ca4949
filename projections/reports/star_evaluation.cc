#include "projections/reports/star_evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "projections/calendar.h"

namespace projections {

namespace schema = ledger::schema;

namespace {

constexpr int kCompany = static_cast<int>(schema::SubjectKind::COMPANY);
constexpr int kManager = static_cast<int>(schema::SubjectKind::PROPERTY_MANAGER);
constexpr int kCommittee = static_cast<int>(schema::SubjectKind::OWNERS_COMMITTEE);
constexpr int kNoList = static_cast<int>(schema::ListMark::NONE);
constexpr int kRedList = static_cast<int>(schema::ListMark::RED);
constexpr int kBlackList = static_cast<int>(schema::ListMark::BLACK);

enum Component {
  kInspection,
  kDocumentReview,
  kComplaintRate,
  kRepairCompliance,
  kFollowUp,
  kSurvey,
  kComponentCount
};
constexpr const char* kComponentNames[kComponentCount] = {
    "inspection",       "documentReview",       "complaintRate",
    "repairCompliance", "followUpSatisfaction", "surveySatisfaction"};

double Weight(const RatingRule& rule, Component c) {
  switch (c) {
    case kInspection:
      return rule.w_inspection;
    case kDocumentReview:
      return rule.w_document_review;
    case kComplaintRate:
      return rule.w_complaint_rate;
    case kRepairCompliance:
      return rule.w_repair_compliance;
    case kFollowUp:
      return rule.w_follow_up;
    case kSurvey:
      return rule.w_survey;
    case kComponentCount:
      break;
  }
  return 0;
}

// Numbers as a person would write them in the inputs: no trailing zeros, at most 4 decimals.
std::string Num(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4f", v);
  std::string s = text;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

struct Figure {
  std::string name;
  double value = 0, numerator = 0, denominator = 0;
  std::string inputs;
  bool has_data = false;
  double weight = 0;
  bool counted = false;
  int component = -1;  // Component, or -1 for a supporting figure
};

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
  bool Contains(int64_t ms) const { return ms >= start_ms && ms < end_ms; }
};

YearFrame FrameOf(int year, TimeZone zone) {
  YearFrame f;
  f.year = year;
  f.zone = zone;
  f.first_day = DaysFromCivil({year, 1, 1});
  f.last_day = DaysFromCivil({year, 12, 31});
  f.days = f.last_day - f.first_day + 1;
  f.start_ms = LocalDayStart(f.first_day, zone);
  f.end_ms = LocalDayStart(f.last_day + 1, zone);
  return f;
}

struct SatisfactionTally {
  uint32_t satisfied = 0, basically = 0, dissatisfied = 0, unanswered = 0;
  void Add(int satisfaction) {
    switch (static_cast<schema::Satisfaction>(satisfaction)) {
      case schema::Satisfaction::SATISFIED:
        ++satisfied;
        break;
      case schema::Satisfaction::BASICALLY_SATISFIED:
        ++basically;
        break;
      case schema::Satisfaction::DISSATISFIED:
        ++dissatisfied;
        break;
      default:
        ++unanswered;
        break;
    }
  }
  void Add(const SatisfactionTally& o) {
    satisfied += o.satisfied;
    basically += o.basically;
    dissatisfied += o.dissatisfied;
    unanswered += o.unanswered;
  }
  uint32_t answered() const { return satisfied + basically + dissatisfied; }
  std::string Describe() const {
    std::string s = "satisfied " + std::to_string(satisfied) + ", basically satisfied " +
                    std::to_string(basically) + ", dissatisfied " + std::to_string(dissatisfied);
    if (unanswered) s += "; " + std::to_string(unanswered) + " without an answer not counted";
    return s;
  }
};

Figure SatisfactionFigure(Component c, const SatisfactionTally& t, const std::string& what) {
  Figure f;
  f.name = kComponentNames[c];
  f.component = c;
  f.numerator = t.satisfied + t.basically;
  f.denominator = t.answered();
  f.has_data = t.answered() > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  f.inputs = what + ": " + t.Describe() +
             "; (satisfied + basically satisfied) / answered × 100 = (" +
             std::to_string(t.satisfied) + " + " + std::to_string(t.basically) + ") / " +
             std::to_string(t.answered()) + " × 100" +
             (f.has_data ? " = " + Num(f.value) : ": no answers, left out");
  return f;
}

Figure SheetFigure(SheetKind kind, const std::vector<const ScoreSheetRecord*>& sheets, int year) {
  Component c = kind == SheetKind::kInspection ? kInspection : kDocumentReview;
  Figure f;
  f.name = kComponentNames[c];
  f.component = c;
  std::string list;
  for (const ScoreSheetRecord* s : sheets) {
    f.numerator += s->Score();
    f.denominator += s->MaxScore();
    if (!list.empty()) list += ", ";
    list += s->sheet_id + " (seq " + std::to_string(s->seq) +
            (s->estate_id.empty() ? "" : ", " + s->estate_id) + ") " + Num(s->Score()) + "/" +
            Num(s->MaxScore());
  }
  f.has_data = f.denominator > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  const char* what = kind == SheetKind::kInspection ? "inspection" : "document-review";
  if (sheets.empty()) {
    f.inputs = std::string("no ") + what + " sheets for " + std::to_string(year) + ", left out";
  } else {
    f.inputs = std::to_string(sheets.size()) + " " + what + " sheet(s) for " +
               std::to_string(year) + ": " + list +
               "; Σ scores / Σ maxima × 100 = " + Num(f.numerator) + " / " + Num(f.denominator) +
               " × 100" + (f.has_data ? " = " + Num(f.value) : ": no maxima, left out");
  }
  return f;
}

// Households served: estates weighted by the share of the year they were served.
struct Exposure {
  struct Part {
    std::string estate;
    uint32_t households = 0;
    int64_t days = 0;
  };
  std::vector<Part> parts;
  double Households(int64_t days_in_year) const {
    double sum = 0;
    for (const auto& p : parts) sum += double(p.households) * double(p.days) / double(days_in_year);
    return sum;
  }
};

struct RepairTally {
  uint32_t on_time = 0, late = 0, open_overdue = 0, open_pending = 0, no_limit = 0;
  void Add(const RepairRecord& r, const YearFrame& frame) {
    if (r.deadline_ms == 0) {
      ++no_limit;
      return;
    }
    RepairState s = Derive(r);
    if (s.completed()) {
      s.completed_at <= r.deadline_ms ? ++on_time : ++late;
    } else if (r.deadline_ms < frame.end_ms) {
      ++open_overdue;
    } else {
      ++open_pending;
    }
  }
};

Figure RepairFigure(const RepairTally& t, const std::string& whose, int year) {
  Figure f;
  f.name = kComponentNames[kRepairCompliance];
  f.component = kRepairCompliance;
  f.numerator = t.on_time;
  f.denominator = t.on_time + t.late + t.open_overdue;
  f.has_data = f.denominator > 0;
  f.value = f.has_data ? f.numerator / f.denominator * 100 : 0;
  f.inputs = "repairs requested in " + std::to_string(year) + " " + whose +
             " with a time limit: completed by the deadline " + std::to_string(t.on_time) +
             ", completed late " + std::to_string(t.late) +
             ", still open past the deadline at the year's end " + std::to_string(t.open_overdue) +
             "; " + std::to_string(t.on_time) + " / (" + std::to_string(t.on_time) + " + " +
             std::to_string(t.late) + " + " + std::to_string(t.open_overdue) + ") × 100" +
             (f.has_data ? " = " + Num(f.value) : ": none, left out") +
             "; not counted: " + std::to_string(t.open_pending) +
             " still open with the deadline after the year's end, " + std::to_string(t.no_limit) +
             " without a time limit";
  return f;
}

// The complaint rate as a supporting figure, and its score as the component.
void ComplaintFigures(uint32_t complaints, const std::map<std::string, uint32_t>& by_estate,
                      const Exposure& exposure, const YearFrame& frame, const RatingRule* rule,
                      const std::string& whose, std::vector<Figure>* out) {
  double households = exposure.Households(frame.days);
  std::string served;
  for (const auto& p : exposure.parts) {
    if (!served.empty()) served += " + ";
    served += p.estate + " " + std::to_string(p.households) + " × " + std::to_string(p.days) + "/" +
              std::to_string(frame.days);
  }
  if (served.empty()) served = "none";
  std::string filed;
  for (const auto& [estate, n] : by_estate) {
    if (!filed.empty()) filed += ", ";
    filed += estate + " " + std::to_string(n);
  }

  Figure rate;
  rate.name = "complaintsPer100Households";
  rate.numerator = complaints;
  rate.denominator = households;
  rate.has_data = households > 0;
  rate.value = rate.has_data ? complaints / households * 100 : 0;
  rate.inputs = "households served in " + std::to_string(frame.year) + " " + whose +
                " = Σ households × days / " + std::to_string(frame.days) + " = " + served + " = " +
                Num(households) + "; complaints filed in " + std::to_string(frame.year) + " " +
                whose + ": " + std::to_string(complaints) +
                (filed.empty() ? "" : " (" + filed + ")") + "; " + std::to_string(complaints) +
                " / " + Num(households) + " × 100" +
                (rate.has_data ? " = " + Num(rate.value) : ": no households served");

  Figure score;
  score.name = kComponentNames[kComplaintRate];
  score.component = kComplaintRate;
  score.numerator = rate.value;
  if (!rate.has_data) {
    score.inputs = "no households served: left out";
  } else if (!rule) {
    score.inputs = "no rating policy, so no ceiling to score the rate against: left out";
  } else {
    double ceiling = rule->complaint_rate_ceiling;
    score.denominator = ceiling;
    score.has_data = true;
    if (ceiling > 0) {
      score.value = std::max(0.0, 1 - rate.value / ceiling) * 100;
      score.inputs = "max(0, 1 − rate / ceiling) × 100 = max(0, 1 − " + Num(rate.value) + " / " +
                     Num(ceiling) + ") × 100 = " + Num(score.value);
    } else {
      // A policy without a ceiling tolerates no complaint at all.
      score.value = rate.value == 0 ? 100 : 0;
      score.inputs = "the policy sets no ceiling: 100 with no complaints, else 0; rate " +
                     Num(rate.value) + " = " + Num(score.value);
    }
  }
  out->push_back(std::move(rate));
  out->push_back(std::move(score));
}

// Weighs the components present and sets score, stars and list.
void WeighScore(const PolicyVersion* policy, Row* row) {
  Figure total;
  total.name = "score";
  if (!policy) {
    total.inputs = "no rating policy in force: no weighted score";
    row->figures.push_back(std::move(total));
    return;
  }
  const RatingRule& rule = policy->rating;
  std::string terms, weights, left_out;
  for (auto& f : row->figures) {
    if (f.component < 0) continue;
    f.weight = Weight(rule, static_cast<Component>(f.component));
    if (!f.has_data) {
      if (!left_out.empty()) left_out += ", ";
      left_out += f.name + " (weight " + Num(f.weight) + ")";
      continue;
    }
    f.counted = true;
    total.numerator += f.weight * f.value;
    total.denominator += f.weight;
    if (!terms.empty()) {
      terms += " + ";
      weights += " + ";
    }
    terms += Num(f.weight) + " × " + Num(f.value);
    weights += Num(f.weight);
  }
  total.has_data = total.denominator > 0;
  if (!total.has_data) {
    total.inputs = "no component with data carries a weight: no weighted score";
  } else {
    total.value = total.numerator / total.denominator;
    total.inputs = "Σ wᵢ·componentᵢ / Σ wᵢ = (" + terms + ") / (" + weights +
                   ") = " + Num(total.numerator) + " / " + Num(total.denominator) + " = " +
                   Num(total.value);
    row->rated = true;
    row->score = total.value;
    int stars = 0;
    for (double threshold : rule.star_thresholds) {
      if (stars < 5 && row->score >= threshold) ++stars;
    }
    row->stars = stars;
    if (row->score < rule.black_list_max_score) {
      row->list = kBlackList;
    } else if (row->score >= rule.red_list_min_score) {
      row->list = kRedList;
    }
  }
  if (!left_out.empty()) {
    total.inputs +=
        "; left out for lack of data, the weights renormalised over the rest: " + left_out;
  }
  row->figures.push_back(std::move(total));
}

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

std::string CompanyName(const Registers& registers, const std::string& id) {
  const CompanyRecord* c = registers.companies().Find(id);
  return c ? c->name : "";
}

// The days of `year` a person was appointed property manager, per appointment with an estate.
std::vector<Interval> ManagerIntervals(const PersonRecord& person, const YearFrame& frame) {
  std::vector<Interval> out;
  for (const auto& a : person.appointments) {
    if (a.role != static_cast<int>(schema::AppointedRole::PROPERTY_MANAGER) ||
        a.estate_id.empty()) {
      continue;
    }
    int64_t from = ParseDay(a.from_date).value_or(frame.first_day);
    int64_t to = ParseDay(a.to_date).value_or(frame.last_day);
    from = std::max(from, frame.first_day);
    to = std::min(to, frame.last_day);
    if (to >= from) out.push_back({a.estate_id, from, to});
  }
  return out;
}

bool InIntervals(const std::vector<Interval>& intervals, const std::string& estate, int64_t day) {
  for (const auto& i : intervals) {
    if (i.estate == estate && day >= i.first_day && day <= i.last_day) return true;
  }
  return false;
}

Evaluation Evaluate(const ViewSet& views, int year) {
  Evaluation ev;
  int64_t dec31 = DaysFromCivil({year, 12, 31});
  ev.policy = views.policies.InForce(PolicyKind::kRating, dec31);
  ev.frame = FrameOf(year, ev.policy ? ev.policy->zone() : TimeZone::China());
  const YearFrame& frame = ev.frame;
  const RatingRule* rule = ev.policy ? &ev.policy->rating : nullptr;
  const Registers& registers = views.registers;

  // What happened in the year, gathered once.
  std::vector<const ComplaintRecord*> complaints;
  std::map<std::string, SatisfactionTally> complaint_follow_ups, repair_follow_ups;
  views.complaints.complaints().ForEach([&](const std::string&, const ComplaintRecord& c) {
    if (c.filed_seq == 0) return;
    if (frame.Contains(c.filed_at)) complaints.push_back(&c);
    for (const auto& fu : c.follow_ups) {
      if (frame.Contains(fu.at)) complaint_follow_ups[c.company_id].Add(fu.satisfaction);
    }
  });
  std::vector<const RepairRecord*> repairs;
  views.repairs.repairs().ForEach([&](const std::string&, const RepairRecord& r) {
    if (r.requested_seq == 0) return;
    if (frame.Contains(r.requested_at)) repairs.push_back(&r);
    for (const auto& fu : r.follow_ups) {
      if (frame.Contains(fu.at)) repair_follow_ups[r.company_id].Add(fu.satisfaction);
    }
  });
  std::map<std::string, SatisfactionTally> survey_by_company, survey_by_estate;
  std::map<std::string, std::pair<uint32_t, uint32_t>> responses_by_company;  // named, unnamed
  std::map<std::string, uint32_t> responses_by_estate;
  views.ratings.surveys().ForEach([&](const std::string&, const SurveyResponseRecord& r) {
    if (!frame.Contains(r.at)) return;
    bool named = !r.company_id.empty();
    std::string company =
        named ? r.company_id : registers.ServingCompany(r.estate_id, LocalDay(r.at, frame.zone));
    ++responses_by_estate[r.estate_id];
    if (!company.empty()) {
      auto& counts = responses_by_company[company];
      ++(named ? counts.first : counts.second);
    }
    for (const auto& answer : r.answers) {
      survey_by_estate[r.estate_id].Add(answer.satisfaction);
      if (!company.empty()) survey_by_company[company].Add(answer.satisfaction);
    }
  });
  std::map<SubjectKey, std::vector<const ScoreSheetRecord*>> sheets[2];
  views.ratings.sheets().ForEach([&](const std::string&, const SheetHistory& history) {
    const ScoreSheetRecord* s = history.current();
    if (!s || s->year != year || s->kind < 0 || s->kind > 1) return;
    sheets[s->kind][{s->subject_kind, s->subject_id}].push_back(s);
  });
  for (auto& by_subject : sheets) {
    for (auto& [key, list] : by_subject) {
      std::sort(list.begin(), list.end(),
                [](const auto* a, const auto* b) { return a->sheet_id < b->sheet_id; });
    }
  }
  auto sheet_figures = [&](const SubjectKey& key, Row* row) {
    static const std::vector<const ScoreSheetRecord*> kNone;
    for (SheetKind kind : {SheetKind::kInspection, SheetKind::kDocumentReview}) {
      auto it = sheets[static_cast<int>(kind)].find(key);
      row->figures.push_back(
          SheetFigure(kind, it == sheets[static_cast<int>(kind)].end() ? kNone : it->second, year));
    }
  };

  // Who is rated.
  std::set<SubjectKey> subjects;
  registers.companies().ForEach([&](const std::string& id, const CompanyRecord&) {
    subjects.insert({kCompany, id});
  });
  for (const auto* c : complaints) subjects.insert({kCompany, c->company_id});
  for (const auto* r : repairs) subjects.insert({kCompany, r->company_id});
  for (const auto& [company, t] : complaint_follow_ups) subjects.insert({kCompany, company});
  for (const auto& [company, t] : repair_follow_ups) subjects.insert({kCompany, company});
  for (const auto& [company, t] : survey_by_company) subjects.insert({kCompany, company});
  registers.persons().ForEach([&](const std::string& id, const PersonRecord& person) {
    if (!ManagerIntervals(person, frame).empty()) subjects.insert({kManager, id});
  });
  registers.committees().ForEach([&](const std::string& id, const CommitteeRecord& c) {
    int64_t start = ParseDay(c.term_start).value_or(frame.first_day);
    int64_t end = ParseDay(c.term_end).value_or(frame.last_day);
    if (start <= frame.last_day && end >= frame.first_day) subjects.insert({kCommittee, id});
  });
  for (const auto& by_subject : sheets) {
    for (const auto& [key, list] : by_subject) subjects.insert(key);
  }

  const std::string y = std::to_string(year);
  for (const SubjectKey& key : subjects) {
    if (key.id.empty()) continue;
    Row row;
    row.kind = key.kind;
    row.id = key.id;
    sheet_figures(key, &row);
    if (key.kind == kCompany) {
      row.name = CompanyName(registers, key.id);
      Exposure exposure;
      for (const auto& [estate, days] :
           registers.EstatesServed(key.id, frame.first_day, frame.last_day)) {
        exposure.parts.push_back({estate, registers.HouseholdCount(estate), days});
      }
      uint32_t filed = 0;
      std::map<std::string, uint32_t> by_estate;
      for (const auto* c : complaints) {
        if (c->company_id != key.id) continue;
        ++filed;
        ++by_estate[c->estate_id];
      }
      ComplaintFigures(filed, by_estate, exposure, frame, rule, "attributed to " + key.id,
                       &row.figures);
      RepairTally tally;
      for (const auto* r : repairs) {
        if (r->company_id == key.id) tally.Add(*r, frame);
      }
      row.figures.push_back(RepairFigure(tally, "attributed to " + key.id, year));
      SatisfactionTally follow_ups;
      uint32_t from_complaints = 0, from_repairs = 0;
      if (auto it = complaint_follow_ups.find(key.id); it != complaint_follow_ups.end()) {
        follow_ups.Add(it->second);
        from_complaints = it->second.answered() + it->second.unanswered;
      }
      if (auto it = repair_follow_ups.find(key.id); it != repair_follow_ups.end()) {
        follow_ups.Add(it->second);
        from_repairs = it->second.answered() + it->second.unanswered;
      }
      row.figures.push_back(SatisfactionFigure(
          kFollowUp, follow_ups,
          "follow-up calls in " + y + " about complaints (" + std::to_string(from_complaints) +
              ") and repairs (" + std::to_string(from_repairs) + ") attributed to " + key.id));
      SatisfactionTally survey;
      std::pair<uint32_t, uint32_t> responses{0, 0};
      if (auto it = survey_by_company.find(key.id); it != survey_by_company.end()) {
        survey = it->second;
      }
      if (auto it = responses_by_company.find(key.id); it != responses_by_company.end()) {
        responses = it->second;
      }
      row.figures.push_back(SatisfactionFigure(
          kSurvey, survey,
          "survey answers in " + y + " from " + std::to_string(responses.first) +
              " response(s) naming " + key.id + " and " + std::to_string(responses.second) +
              " not naming a company, from estates it served that day"));
    } else if (key.kind == kManager) {
      const PersonRecord* person = registers.persons().Find(key.id);
      row.name = person ? person->name : "";
      std::vector<Interval> intervals;
      if (person) intervals = ManagerIntervals(*person, frame);
      Exposure exposure;
      std::string appointed;
      for (const auto& i : intervals) {
        exposure.parts.push_back(
            {i.estate, registers.HouseholdCount(i.estate), i.last_day - i.first_day + 1});
        if (!appointed.empty()) appointed += ", ";
        appointed += i.estate + " " + FormatDay(i.first_day) + "–" + FormatDay(i.last_day);
      }
      std::string whose = "in the estates " + key.id + " managed (" +
                          (appointed.empty() ? std::string("none") : appointed) + ")";
      uint32_t filed = 0;
      std::map<std::string, uint32_t> by_estate;
      for (const auto* c : complaints) {
        if (!InIntervals(intervals, c->estate_id, LocalDay(c->filed_at, frame.zone))) continue;
        ++filed;
        ++by_estate[c->estate_id];
      }
      ComplaintFigures(filed, by_estate, exposure, frame, rule, whose, &row.figures);
      RepairTally tally;
      for (const auto* r : repairs) {
        if (InIntervals(intervals, r->estate_id, LocalDay(r->requested_at, frame.zone))) {
          tally.Add(*r, frame);
        }
      }
      row.figures.push_back(RepairFigure(tally, whose, year));
    } else if (key.kind == kCommittee) {
      const CommitteeRecord* committee = registers.committees().Find(key.id);
      std::string estate = committee ? committee->estate_id : "";
      const EstateRecord* estate_record = registers.estates().Find(estate);
      row.name = estate_record ? estate_record->name + " 业主委员会" : "";
      SatisfactionTally survey;
      uint32_t responses = 0;
      if (auto it = survey_by_estate.find(estate);
          !estate.empty() && it != survey_by_estate.end()) {
        survey = it->second;
        responses = responses_by_estate[estate];
      }
      row.figures.push_back(
          SatisfactionFigure(kSurvey, survey,
                             "survey answers in " + y + " from " + std::to_string(responses) +
                                 " response(s) in the committee's estate " +
                                 (estate.empty() ? std::string("(not registered)") : estate)));
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

}  // namespace

void ComputeStarEvaluation(const ViewSet& views, int year, schema::StarEvaluation::Builder out) {
  Evaluation ev = Evaluate(views, year);
  const std::string y = std::to_string(year), last_y = std::to_string(year - 1);

  // Last year's lists: the street office's word where it published one.
  const PublicationRecord* published = views.ratings.Published(year - 1);
  std::optional<Evaluation> computed_last;
  if (!published) computed_last = Evaluate(views, year - 1);
  // Last year's list of a subject, or nullopt if it was not rated.
  auto last_year_list = [&](const Row& row) -> std::optional<int> {
    if (published) {
      const PublishedRowRecord* r = published->Find(row.kind, row.id);
      if (!r) return std::nullopt;
      return r->list;
    }
    for (const Row& last : computed_last->rows) {
      if (last.kind == row.kind && last.id == row.id) {
        return last.rated ? std::optional<int>(last.list) : std::nullopt;
      }
    }
    return std::nullopt;
  };
  std::string last_source = published ? "published" : "computed";
  std::string last_where = published ? last_y + " as published by the street office (seq " +
                                           std::to_string(published->seq) + ")"
                                     : last_y + " as computed from the ledger";

  out.setYear(static_cast<uint16_t>(year));
  out.setPositionSeq(views.position().seq);
  out.setPositionHash(ledger::ToHex(views.position().hash));
  if (ev.policy) {
    const RatingRule& rule = ev.policy->rating;
    out.setPolicyId(ev.policy->policy_id);
    out.setPolicyVersion(ev.policy->version);
    out.setPolicyEffectiveFrom(FormatDay(ev.policy->effective_day));
    out.setPolicySeq(ev.policy->seq);
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
  out.setLastYearPublishedSeq(published ? published->seq : 0);

  std::vector<std::string> red, black, replace;
  auto rows = out.initRows(ev.rows.size());
  for (size_t i = 0; i < ev.rows.size(); ++i) {
    const Row& row = ev.rows[i];
    auto r = rows[i];
    r.setSubjectKind(RatingSubjectKindName(row.kind));
    r.setSubjectId(row.id);
    r.setSubjectName(row.name);
    auto figures = r.initFigures(row.figures.size());
    for (size_t k = 0; k < row.figures.size(); ++k) {
      const Figure& f = row.figures[k];
      figures[k].setName(f.name);
      figures[k].setValue(f.value);
      figures[k].setNumerator(f.numerator);
      figures[k].setDenominator(f.denominator);
      figures[k].setInputs(f.inputs);
      figures[k].setHasData(f.has_data);
      figures[k].setWeight(f.weight);
      figures[k].setCounted(f.counted);
    }
    r.setScore(row.score);
    r.setStars(static_cast<uint8_t>(row.stars));
    r.setList(ListText(row.list));
    std::optional<int> last = last_year_list(row);
    bool black_last = last && *last == kBlackList;
    bool black_now = row.list == kBlackList;
    bool replacement = row.kind == kCompany && black_now && black_last;
    r.setLastYearList(last ? ListText(*last) : "");
    r.setLastYearSource(last_source);
    r.setBlackListedLastYear(black_last);
    r.setReplacementRecommended(replacement);
    std::string recommendation;
    if (!row.rated) {
      recommendation = "not rated: no rating policy weighs the figures there are";
    } else if (replacement) {
      recommendation =
          "连续两年列入黑榜，建议业主大会启动退出程序: black-listed in " + last_y + " and " + y +
          ", recommend the owners' assembly start the replacement procedure (" + last_where + ")";
    } else if (black_now && black_last) {
      recommendation =
          "连续两年列入黑榜: black-listed in " + last_y + " and " + y + " (" + last_where + ")";
    } else if (black_now) {
      recommendation = "列入黑榜: black list, score " + Num(row.score) + " below " +
                       Num(ev.policy->rating.black_list_max_score);
    } else if (row.list == kRedList) {
      recommendation = "列入红榜: red list, score " + Num(row.score) + " at or above " +
                       Num(ev.policy->rating.red_list_min_score);
    }
    r.setRecommendation(recommendation);
    if (row.list == kRedList) red.push_back(row.id);
    if (black_now) black.push_back(row.id);
    if (replacement) replace.push_back(row.id);
  }
  auto fill = [](const std::vector<std::string>& ids, capnp::List<capnp::Text>::Builder list) {
    for (size_t i = 0; i < ids.size(); ++i) list.set(i, ids[i]);
  };
  fill(red, out.initRedList(red.size()));
  fill(black, out.initBlackList(black.size()));
  fill(replace, out.initReplacementRecommended(replace.size()));

  std::string notes = "Local year " + y + " (" + FormatDay(ev.frame.first_day) + " to " +
                      FormatDay(ev.frame.last_day) + ", " + std::to_string(ev.frame.days) +
                      " days, UTC" + (ev.frame.zone.offset_minutes() >= 0 ? "+" : "") +
                      Num(ev.frame.zone.offset_minutes() / 60.0) + "). ";
  if (ev.policy) {
    notes += "Rating policy " + ev.policy->policy_id + " v" + std::to_string(ev.policy->version) +
             ", in force on " + FormatDay(ev.frame.last_day) + ". ";
  } else {
    notes += "No rating policy in force on " + FormatDay(ev.frame.last_day) +
             ": figures only, no score, stars or lists. ";
  }
  notes +=
      "A component without data is left out and the weights renormalised over the rest. Black "
      "list below blackListMaxScore, checked before the red list. Last year's lists: " +
      last_where + ".";
  out.setNotes(notes);
}

}  // namespace projections
