#include "inspections.h"

#include <algorithm>
#include <cmath>

#include "local_time.h"
#include "projections/calendar.h"

namespace simulate::internal {

bool InSurveySeason(const projections::CivilDay& d) {
  return (d.month == 10 && d.day >= 8) || d.month == 11;
}

void Inspections::Survey(int e, int64_t day) {
  const Estate& estate = d_.estates[e];
  int company = estate.Company(day);
  const Quality& q = d_.QualityOf(company);
  // A third of the households over the season's ~38 working days.
  int count = d_.rng.Poisson(estate.households * 0.3 / 38.0);
  if (count == 0) return;
  int year = projections::CivilFromDays(day).year;
  std::string survey = "survey/" + std::to_string(year) + "-" + estate.code;
  static const std::vector<std::string> kQuestions = {"物业服务总体满意度 overall", "维修及时性",
                                                      "环境卫生", "安全管理", "投诉处理"};
  std::vector<Draft> drafts;
  for (int i = 0; i < count; ++i) {
    const Household& h = d_.households[estate.first_household + d_.rng.Below(estate.households)];
    bool anonymous = d_.rng.Chance(0.25);
    std::string household = anonymous ? "" : h.id;
    std::string named = d_.rng.Chance(0.8) ? CompanyId(kCompanies[company]) : "";
    std::vector<schema::Satisfaction> answers;
    for (size_t k = 0; k < kQuestions.size(); ++k) answers.push_back(d_.Answer(q.survey));
    std::string estate_id = estate.id;
    drafts.push_back({d_.WorkTime(day, 9, 17),
                      {d_.GridWorkerOf(h), schema::Role::COMMUNITY_WORKER},
                      [=](schema::Payload::Builder p) {
                        auto r = p.initSurveyResponseRecorded();
                        r.setSurveyId(survey);
                        r.setEstateId(estate_id);
                        r.setCompanyId(named);
                        r.setHouseholdId(household);
                        r.setAnonymous(anonymous);
                        auto list = r.initAnswers(answers.size());
                        for (size_t k = 0; k < answers.size(); ++k) {
                          list[k].setQuestion(kQuestions[k]);
                          list[k].setSatisfaction(answers[k]);
                        }
                      }});
  }
  // The day's paper forms are entered together in the evening, at most 500 to an append.
  std::sort(drafts.begin(), drafts.end(),
            [](const Draft& a, const Draft& b) { return a.occurred_at < b.occurred_at; });
  int64_t evening = LocalMs(day, 19, 30) + Minutes(d_.rng.Int(0, 60));
  for (size_t from = 0; from < drafts.size(); from += 500) {
    std::vector<Draft> part(
        std::make_move_iterator(drafts.begin() + from),
        std::make_move_iterator(drafts.begin() + std::min(drafts.size(), from + 500)));
    d_.emit.Plan(evening, survey, std::move(part));
  }
}

std::vector<std::pair<std::string, double>> Inspections::Scores(
    const std::vector<std::string>& items, double max, const double (&range)[2]) {
  double level = d_.rng.Real(range[0], range[1]);
  std::vector<std::pair<std::string, double>> out;
  for (const auto& item : items) {
    double share = std::clamp(level + d_.rng.Real(-0.05, 0.05), 0.0, 1.0);
    out.push_back({item, std::round(share * max * 2) / 2});  // half points
  }
  return out;
}

void Inspections::Sheet(bool inspection, const std::string& sheet_id, schema::SubjectKind kind,
                        const std::string& subject, const std::string& estate_id, int year,
                        int64_t at, std::vector<std::pair<std::string, double>> scores,
                        double max) {
  std::vector<std::string> inspectors = {"person/street-inspector-1", "person/street-inspector-2"};
  d_.emit.One(
      at, sheet_id, d_.Inspector(static_cast<int>(d_.ids["sheet"]++)),
      [=](schema::Payload::Builder p) {
        auto s = inspection ? p.initInspectionRecorded() : p.initDocumentReviewRecorded();
        s.setSheetId(sheet_id);
        auto subj = s.initSubject();
        subj.setKind(kind);
        subj.setId(subject);
        s.setEstateId(estate_id);
        s.setYear(static_cast<uint16_t>(year));
        auto items = s.initItems(scores.size());
        for (size_t i = 0; i < scores.size(); ++i) {
          items[i].setItem(scores[i].first);
          items[i].setScore(scores[i].second);
          items[i].setMaxScore(max);
        }
        SetTexts(s.initInspectorIds(inspectors.size()), inspectors);
      },
      Hours(d_.rng.Real(1, 6)));
}

void Inspections::Day(int e, int64_t day, const projections::CivilDay& civil) {
  const Estate& estate = d_.estates[e];
  int company = estate.Company(day);
  const Quality& q = d_.QualityOf(company);
  std::string year = std::to_string(civil.year);
  static const std::vector<std::string> kOnSite = {"环境卫生", "设施设备维护", "安全管理",
                                                   "绿化养护", "服务态度 attitude"};
  static const std::vector<std::string> kDocuments = {"台账资料", "维修记录", "收支公示",
                                                      "应急预案"};
  int offset = e % 10;
  // On-site inspections (实地巡查) in June and November, of the company serving that day; the
  // second also rates the estate's property manager.
  for (int round : {1, 2}) {
    int month = round == 1 ? 6 : 11;
    if (civil.month != month || civil.day != 8 + offset) continue;
    std::string company_id = CompanyId(kCompanies[company]);
    Sheet(true, "inspection/" + year + "-" + estate.code + "-" + std::to_string(round),
          schema::SubjectKind::COMPANY, company_id, estate.id, civil.year, d_.WorkTime(day, 9, 11),
          Scores(kOnSite, 20, q.inspection), 20);
    if (round == 2) {
      Sheet(true, "inspection/" + year + "-" + estate.code + "-pm",
            schema::SubjectKind::PROPERTY_MANAGER, estate.manager.at(company), estate.id,
            civil.year, d_.WorkTime(day, 14, 16), Scores(kOnSite, 20, q.inspection), 20);
    }
  }
  if (civil.month != 12) return;
  // Document reviews (查阅资料): each company once, at its first estate's date; every other
  // owners' committee.
  if (civil.day == 2 + offset && d_.FirstEstateOf(company, day) == e) {
    Sheet(false, "review/" + year + "-" + kCompanies[company].code, schema::SubjectKind::COMPANY,
          CompanyId(kCompanies[company]), "", civil.year, d_.WorkTime(day, 9, 16),
          Scores(kDocuments, 25, q.inspection), 25);
  }
  if (civil.day == 3 + offset && e % 2 == 0) {
    const double committee_range[2] = {0.7, 0.95};
    Sheet(false, "review/" + year + "-committee-" + estate.code,
          schema::SubjectKind::OWNERS_COMMITTEE, estate.committee_id, estate.id, civil.year,
          d_.WorkTime(day, 9, 16), Scores(kDocuments, 25, committee_range), 25);
  }
}

}  // namespace simulate::internal
