// The annual star evaluation (星级评价) and the red and black lists (红黑榜), worked by hand.

#include "projections/reports/star_evaluation.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "view_fixture.h"

using ledger::schema::ListMark;
using ledger::schema::Payload;
using ledger::schema::Satisfaction;
using ledger::schema::SubjectKind;
using testing::Cst;
using testing::ViewFixture;

namespace {

using S = Satisfaction;

struct RatingPolicy {
  double inspection = 0, review = 0, complaints = 0, repairs = 0, follow_ups = 0, survey = 0;
  std::vector<double> stars = {60, 70, 80, 90, 95};
  double red = 90, black = 60, ceiling = 10;
  std::string time_zone;  // empty: Asia/Shanghai
};

uint64_t AdoptRating(ViewFixture& f, uint32_t version, const std::string& effective,
                     const RatingPolicy& r, int64_t at) {
  return f.Add("policy/star-rating", at, [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("star-rating");
    a.setVersion(version);
    a.setEffectiveFrom(effective);
    a.setTimeZone(r.time_zone);
    auto rules = a.getRules().initRating();
    auto w = rules.initWeights();
    w.setInspection(r.inspection);
    w.setDocumentReview(r.review);
    w.setComplaintRate(r.complaints);
    w.setRepairCompliance(r.repairs);
    w.setFollowUpSatisfaction(r.follow_ups);
    w.setSurveySatisfaction(r.survey);
    auto t = rules.initStarThresholds(r.stars.size());
    for (size_t i = 0; i < r.stars.size(); ++i) t.set(i, r.stars[i]);
    rules.setRedListMinScore(r.red);
    rules.setBlackListMaxScore(r.black);
    rules.setComplaintRateCeiling(r.ceiling);
  });
}

void AdoptRepairLimits(ViewFixture& f) {
  f.Add("policy/repair-time-limits", Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
    auto a = p.initPolicyAdopted();
    a.setPolicyId("repair-time-limits");
    a.setVersion(1);
    a.setEffectiveFrom("2024-01-01");
    auto limits = a.getRules().initRepairTimeLimits(2);
    limits[0].setCategory("water");  // 12 h, or 08:00 the next morning, whichever is later
    limits[0].setHours(12);
    limits[0].setNextMorningHour(8);
    limits[1].setCategory("electricity");  // 24 h
    limits[1].setHours(24);
  });
}

void Estate(ViewFixture& f, const std::string& id, uint32_t households) {
  f.Add(id, Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
    auto e = p.initEstateRegistered();
    e.setEstateId(id);
    e.setName("小区 " + id);
    e.setHouseholdCount(households);
  });
}

void Company(ViewFixture& f, const std::string& id, const std::string& name) {
  f.Add(id, Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
    auto c = p.initCompanyRegistered();
    c.setCompanyId(id);
    c.setName(name);
  });
}

void Contract(ViewFixture& f, const std::string& estate, const std::string& company,
              const std::string& start) {
  f.Add("contract/" + estate, Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId("contract/" + estate + "/" + company);
    c.setEstateId(estate);
    c.setCompanyId(company);
    c.setStartDate(start);
  });
}

uint64_t Sheet(ViewFixture& f, bool inspection, const std::string& sheet_id, SubjectKind kind,
               const std::string& subject, int year,
               const std::vector<std::pair<double, double>>& items, int64_t at) {
  return f.Add("sheet/" + sheet_id, at, [&](Payload::Builder p) {
    auto s = inspection ? p.initInspectionRecorded() : p.initDocumentReviewRecorded();
    s.setSheetId(sheet_id);
    s.initSubject().setKind(kind);
    s.getSubject().setId(subject);
    s.setYear(static_cast<uint16_t>(year));
    auto list = s.initItems(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      list[i].setItem("项目 " + std::to_string(i + 1));
      list[i].setScore(items[i].first);
      list[i].setMaxScore(items[i].second);
    }
  });
}

uint64_t Inspect(ViewFixture& f, const std::string& sheet_id, const std::string& company, int year,
                 double score, double max, int64_t at) {
  return Sheet(f, true, sheet_id, SubjectKind::COMPANY, company, year, {{score, max}}, at);
}

uint64_t FileComplaint(ViewFixture& f, const std::string& id, const std::string& estate,
                       int64_t at) {
  return f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(id);
    c.setEstateId(estate);
    c.setCategory("环境卫生");
    c.setSummary("垃圾未清运 (rubbish not collected)");
  });
}

uint64_t ComplaintFollowUp(ViewFixture& f, const std::string& id, Satisfaction s, int64_t at) {
  return f.Add("complaint/" + id, at, [&](Payload::Builder p) {
    auto r = p.initFollowUpRecorded();
    r.getSubject().setComplaintId(id);
    r.setSatisfaction(s);
  });
}

void RequestRepair(ViewFixture& f, const std::string& id, const std::string& estate,
                   const std::string& category, int64_t at) {
  f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto r = p.initRepairRequested();
    r.setRepairId(id);
    r.setEstateId(estate);
    r.setCategory(category);
  });
}

uint64_t CompleteRepair(ViewFixture& f, const std::string& id, int64_t at) {
  return f.Add("repair/" + id, at,
               [&](Payload::Builder p) { p.initRepairCompleted().setRepairId(id); });
}

uint64_t RepairFollowUp(ViewFixture& f, const std::string& id, Satisfaction s, int64_t at) {
  return f.Add("repair/" + id, at, [&](Payload::Builder p) {
    auto r = p.initFollowUpRecorded();
    r.getSubject().setRepairId(id);
    r.setSatisfaction(s);
  });
}

uint64_t Survey(ViewFixture& f, const std::string& estate, const std::string& company,
                const std::vector<Satisfaction>& answers, int64_t at) {
  return f.Add("survey/2024", at, [&](Payload::Builder p) {
    auto s = p.initSurveyResponseRecorded();
    s.setSurveyId("survey/2024");
    s.setEstateId(estate);
    s.setCompanyId(company);
    s.setAnonymous(true);
    auto list = s.initAnswers(answers.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      list[i].setQuestion("问题 " + std::to_string(i + 1));
      list[i].setSatisfaction(answers[i]);
    }
  });
}

uint64_t Publish(ViewFixture& f, int year,
                 const std::vector<std::pair<std::string, ListMark>>& rows, int64_t at) {
  return f.Add("rating/" + std::to_string(year), at, [&](Payload::Builder p) {
    auto r = p.initStarRatingPublished();
    r.setYear(static_cast<uint16_t>(year));
    r.setComputedAtSeq(1);
    r.setPolicyId("star-rating");
    r.setPolicyVersion(1);
    auto list = r.initRatings(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      list[i].initSubject().setKind(SubjectKind::COMPANY);
      list[i].getSubject().setId(rows[i].first);
      list[i].setList(rows[i].second);
    }
  });
}

struct Report {
  capnp::MallocMessageBuilder message;
  ledger::schema::StarEvaluation::Reader r;

  ledger::schema::StarEvaluationRow::Reader Row(const std::string& id) const {
    for (auto row : r.getRows()) {
      if (std::string(row.getSubjectId().cStr()) == id) return row;
    }
    FAIL("no row for " << id);
    return r.getRows()[0];
  }
  bool HasRow(const std::string& id) const {
    for (auto row : r.getRows()) {
      if (std::string(row.getSubjectId().cStr()) == id) return true;
    }
    return false;
  }
  std::vector<std::string> Ids(capnp::List<capnp::Text>::Reader list) const {
    std::vector<std::string> out;
    for (auto id : list) out.emplace_back(id.cStr());
    return out;
  }
  std::string Text() const { return kj::str(r).cStr(); }
  std::string RowsText() const {
    std::string text;
    for (auto row : r.getRows()) text += kj::str(row, "\n").cStr();
    return text;
  }
};

ledger::schema::EvaluationFigure::Reader FigureOf(ledger::schema::StarEvaluationRow::Reader row,
                                                  const std::string& name) {
  for (auto f : row.getFigures()) {
    if (std::string(f.getName().cStr()) == name) return f;
  }
  FAIL("no figure " << name);
  return row.getFigures()[0];
}

std::unique_ptr<Report> Evaluate(
    const projections::ViewSet& views, int year,
    projections::StarCounting counting = projections::StarCounting::kFromDayTallies,
    int64_t at_ms = projections::kYearsEnd) {
  auto report = std::make_unique<Report>();
  auto out = report->message.initRoot<ledger::schema::StarEvaluation>();
  projections::ComputeStarEvaluation(views, year, at_ms, out, counting);
  report->r = out.asReader();
  return report;
}

std::string Str(capnp::Text::Reader t) { return t.cStr(); }

// Two companies over 2024 and 2025, a property manager and an owners' committee.
//
// Policy star-rating v1 from 2024-01-01: weights inspection 0.2, document review 0.1, complaint
// rate 0.2, repair compliance 0.2, follow-up 0.15, survey 0.15; stars at 60/70/80/90/95; red list
// at 90 or more, black list below 60; 10 complaints per 100 households scores zero.
// Estates: good-1 (200 households) served by company/good from 2024-01-01; bad-1 (100) served by
// company/bad from 2024-01-01; bad-2 (100) served by company/bad from 2024-07-02, i.e. 183 of
// 2024's 366 days and all 365 of 2025's.
struct Scenario {
  ViewFixture f;
  uint64_t bad_complaint_2024 = 0;
  uint64_t end_of_2024 = 0;

  Scenario() {
    RatingPolicy policy;
    policy.inspection = 0.2;
    policy.review = 0.1;
    policy.complaints = 0.2;
    policy.repairs = 0.2;
    policy.follow_ups = 0.15;
    policy.survey = 0.15;
    AdoptRating(f, 1, "2024-01-01", policy, Cst("2023-12-01 09:00"));
    AdoptRepairLimits(f);
    Estate(f, "estate/good-1", 200);
    Estate(f, "estate/bad-1", 100);
    Estate(f, "estate/bad-2", 100);
    Company(f, "company/good", "好管家物业");
    Company(f, "company/bad", "差劲物业");
    Contract(f, "estate/good-1", "company/good", "2024-01-01");
    Contract(f, "estate/bad-1", "company/bad", "2024-01-01");
    Contract(f, "estate/bad-2", "company/bad", "2024-07-02");
    f.Add("person/mgr-good", Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
      auto r = p.initPersonRegistered();
      r.setPersonId("person/mgr-good");
      r.setName("王经理");
    });
    f.Add("person/mgr-good", Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
      auto r = p.initRoleAppointed();
      r.setPersonId("person/mgr-good");
      r.setRole(ledger::schema::AppointedRole::PROPERTY_MANAGER);
      r.setEstateId("estate/good-1");
      r.setCompanyId("company/good");
      r.setFromDate("2024-01-01");
    });
    f.Add("committee/good-1", Cst("2023-12-01 09:00"), [&](Payload::Builder p) {
      auto r = p.initOwnersCommitteeFormed();
      r.setCommitteeId("committee/good-1");
      r.setEstateId("estate/good-1");
      r.setTermStart("2023-06-01");
    });

    // --- 2024 ---
    Sheet(f, true, "insp-good-24", SubjectKind::COMPANY, "company/good", 2024, {{45, 50}, {47, 50}},
          Cst("2024-11-05 10:00"));
    Sheet(f, false, "rev-good-24", SubjectKind::COMPANY, "company/good", 2024, {{18, 20}},
          Cst("2024-11-06 10:00"));
    Sheet(f, true, "insp-bad-24", SubjectKind::COMPANY, "company/bad", 2024, {{20, 50}, {25, 50}},
          Cst("2024-11-05 14:00"));
    Sheet(f, false, "rev-bad-24", SubjectKind::COMPANY, "company/bad", 2024, {{10, 20}},
          Cst("2024-11-06 14:00"));
    Sheet(f, true, "insp-mgr-24", SubjectKind::PROPERTY_MANAGER, "person/mgr-good", 2024,
          {{80, 100}}, Cst("2024-11-07 10:00"));
    Sheet(f, false, "rev-oc-24", SubjectKind::OWNERS_COMMITTEE, "committee/good-1", 2024,
          {{15, 20}}, Cst("2024-11-08 10:00"));

    // company/bad: 4 complaints in bad-1, 2 in bad-2 after its contract began; one in bad-2
    // before anyone served it, which no company answers for.
    bad_complaint_2024 = FileComplaint(f, "c-bad-1", "estate/bad-1", Cst("2024-02-01 09:00"));
    FileComplaint(f, "c-bad-2", "estate/bad-1", Cst("2024-03-01 09:00"));
    FileComplaint(f, "c-bad-3", "estate/bad-1", Cst("2024-04-01 09:00"));
    FileComplaint(f, "c-bad-4", "estate/bad-1", Cst("2024-05-01 09:00"));
    FileComplaint(f, "c-nobody", "estate/bad-2", Cst("2024-05-01 09:00"));
    FileComplaint(f, "c-bad-5", "estate/bad-2", Cst("2024-08-10 09:00"));
    FileComplaint(f, "c-bad-6", "estate/bad-2", Cst("2024-09-10 09:00"));
    ComplaintFollowUp(f, "c-bad-1", S::DISSATISFIED, Cst("2024-02-05 09:00"));
    ComplaintFollowUp(f, "c-bad-2", S::SATISFIED, Cst("2024-03-05 09:00"));
    ComplaintFollowUp(f, "c-bad-3", S::DISSATISFIED, Cst("2024-04-05 09:00"));
    ComplaintFollowUp(f, "c-bad-4", S::UNKNOWN, Cst("2024-05-05 09:00"));  // no answer

    // company/good: two repairs, both on time.
    // rg-1 water at 03-01 10:00: deadline max(22:00, 08:00 next day) = 03-02 08:00; done 15:00.
    RequestRepair(f, "rg-1", "estate/good-1", "water", Cst("2024-03-01 10:00"));
    CompleteRepair(f, "rg-1", Cst("2024-03-01 15:00"));
    // rg-2 electricity at 05-10 09:00: deadline 05-11 09:00; done 05-10 20:00.
    RequestRepair(f, "rg-2", "estate/good-1", "electricity", Cst("2024-05-10 09:00"));
    CompleteRepair(f, "rg-2", Cst("2024-05-10 20:00"));
    RepairFollowUp(f, "rg-1", S::SATISFIED, Cst("2024-03-03 10:00"));
    RepairFollowUp(f, "rg-2", S::BASICALLY_SATISFIED, Cst("2024-05-12 10:00"));

    // company/bad:
    // rb-1 water 03-01 10:00, deadline 03-02 08:00, done 03-02 07:00: on time.
    RequestRepair(f, "rb-1", "estate/bad-1", "water", Cst("2024-03-01 10:00"));
    CompleteRepair(f, "rb-1", Cst("2024-03-02 07:00"));
    // rb-2 water 04-01 10:00, deadline 04-02 08:00, done 04-03 10:00: late.
    RequestRepair(f, "rb-2", "estate/bad-1", "water", Cst("2024-04-01 10:00"));
    CompleteRepair(f, "rb-2", Cst("2024-04-03 10:00"));
    // rb-3 electricity 12-30 10:00, deadline 12-31 10:00, never done: open past the deadline.
    RequestRepair(f, "rb-3", "estate/bad-1", "electricity", Cst("2024-12-30 10:00"));
    // rb-4 electricity 12-31 20:00, deadline 2025-01-01 20:00, open: not counted.
    RequestRepair(f, "rb-4", "estate/bad-1", "electricity", Cst("2024-12-31 20:00"));
    // rb-5 cleaning: no time limit, not counted.
    RequestRepair(f, "rb-5", "estate/bad-1", "cleaning", Cst("2024-06-01 10:00"));
    RepairFollowUp(f, "rb-1", S::BASICALLY_SATISFIED, Cst("2024-03-04 10:00"));
    RepairFollowUp(f, "rb-2", S::DISSATISFIED, Cst("2024-04-04 10:00"));

    // Surveys. good-1: S S B D (no company named: company/good served that day) and S S S S
    // naming company/good.
    Survey(f, "estate/good-1", "",
           {S::SATISFIED, S::SATISFIED, S::BASICALLY_SATISFIED, S::DISSATISFIED},
           Cst("2024-06-01 10:00"));
    Survey(f, "estate/good-1", "company/good",
           {S::SATISFIED, S::SATISFIED, S::SATISFIED, S::SATISFIED}, Cst("2024-06-02 10:00"));
    // bad-1 naming company/bad: S D D D. bad-2 on 03-15, before anyone served it: nobody's.
    // bad-2 on 09-01, served by company/bad: S B D D.
    Survey(f, "estate/bad-1", "company/bad",
           {S::SATISFIED, S::DISSATISFIED, S::DISSATISFIED, S::DISSATISFIED},
           Cst("2024-06-01 11:00"));
    Survey(f, "estate/bad-2", "", {S::SATISFIED, S::SATISFIED, S::SATISFIED, S::SATISFIED},
           Cst("2024-03-15 10:00"));
    end_of_2024 = f.Add("survey/2024", Cst("2024-09-01 10:00"), [&](Payload::Builder p) {
      auto s = p.initSurveyResponseRecorded();
      s.setSurveyId("survey/2024");
      s.setEstateId("estate/bad-2");
      auto list = s.initAnswers(4);
      Satisfaction answers[] = {S::SATISFIED, S::BASICALLY_SATISFIED, S::DISSATISFIED,
                                S::DISSATISFIED};
      for (int i = 0; i < 4; ++i) {
        list[i].setQuestion("问题");
        list[i].setSatisfaction(answers[i]);
      }
    });
  }

  // --- 2025 --- good: inspection 95/100, no complaints. bad: inspection 40/100, 10 complaints.
  void Add2025() {
    Inspect(f, "insp-good-25", "company/good", 2025, 95, 100, Cst("2025-11-05 10:00"));
    Inspect(f, "insp-bad-25", "company/bad", 2025, 40, 100, Cst("2025-11-05 14:00"));
    for (int i = 1; i <= 10; ++i) {
      FileComplaint(f, "c25-bad-" + std::to_string(i), "estate/bad-1",
                    Cst("2025-03-01 09:00") + i * projections::kMillisPerDay);
    }
  }
};

}  // namespace

TEST_CASE("star evaluation of a good and a bad company: every figure by hand",
          "[star_evaluation]") {
  Scenario s;
  auto e = Evaluate(s.f.views(), 2024);
  const auto& r = e->r;
  CHECK(r.getYear() == 2024);
  CHECK(Str(r.getPolicyId()) == "star-rating");
  CHECK(r.getPolicyVersion() == 1);
  CHECK(r.getWeights().getInspection() == Approx(0.2));
  CHECK(r.getThresholds().size() == 5);
  CHECK(r.getRedListMinScore() == Approx(90));
  CHECK(r.getBlackListMaxScore() == Approx(60));

  // Sorted by score: good 95.525, manager 93.33, committee 82.5, bad 44.29.
  REQUIRE(r.getRows().size() == 4);
  CHECK(Str(r.getRows()[0].getSubjectId()) == "company/good");
  CHECK(Str(r.getRows()[1].getSubjectId()) == "person/mgr-good");
  CHECK(Str(r.getRows()[2].getSubjectId()) == "committee/good-1");
  CHECK(Str(r.getRows()[3].getSubjectId()) == "company/bad");

  SECTION("the good company") {
    auto good = e->Row("company/good");
    CHECK(Str(good.getSubjectKind()) == "company");
    CHECK(Str(good.getSubjectName()) == "好管家物业");
    // Inspection (45 + 47) / (50 + 50) × 100 = 92.
    auto insp = FigureOf(good, "inspection");
    CHECK(insp.getNumerator() == Approx(92));
    CHECK(insp.getDenominator() == Approx(100));
    CHECK(insp.getValue() == Approx(92));
    CHECK_THAT(Str(insp.getInputs()), Catch::Contains("insp-good-24"));
    // Document review 18 / 20 × 100 = 90.
    CHECK(FigureOf(good, "documentReview").getValue() == Approx(90));
    // 0 complaints over 200 households × 366/366: rate 0, score 100.
    auto rate = FigureOf(good, "complaintsPer100Households");
    CHECK(rate.getNumerator() == 0);
    CHECK(rate.getDenominator() == Approx(200));
    CHECK(rate.getValue() == 0);
    CHECK(FigureOf(good, "complaintRate").getValue() == Approx(100));
    // Repairs: 2 on time / 2 × 100 = 100.
    auto repairs = FigureOf(good, "repairCompliance");
    CHECK(repairs.getNumerator() == 2);
    CHECK(repairs.getDenominator() == 2);
    CHECK(repairs.getValue() == Approx(100));
    // Follow-ups: satisfied 1 + basically 1 of 2 answered = 100.
    CHECK(FigureOf(good, "followUpSatisfaction").getValue() == Approx(100));
    // Surveys: S S B D + S S S S: (6 + 1) / 8 × 100 = 87.5.
    auto survey = FigureOf(good, "surveySatisfaction");
    CHECK(survey.getNumerator() == 7);
    CHECK(survey.getDenominator() == 8);
    CHECK(survey.getValue() == Approx(87.5));
    // 0.2×92 + 0.1×90 + 0.2×100 + 0.2×100 + 0.15×100 + 0.15×87.5
    //   = 18.4 + 9 + 20 + 20 + 15 + 13.125 = 95.525, over Σw = 1.
    auto score = FigureOf(good, "score");
    CHECK(score.getNumerator() == Approx(95.525));
    CHECK(score.getDenominator() == Approx(1.0));
    CHECK(good.getScore() == Approx(95.525));
    CHECK(good.getStars() == 5);  // reaches 60, 70, 80, 90 and 95
    CHECK(Str(good.getList()) == "red");
    CHECK_FALSE(good.getReplacementRecommended());
  }

  SECTION("the bad company") {
    auto bad = e->Row("company/bad");
    // Inspection (20 + 25) / 100 = 45; document review 10 / 20 = 50.
    CHECK(FigureOf(bad, "inspection").getValue() == Approx(45));
    CHECK(FigureOf(bad, "documentReview").getValue() == Approx(50));
    // Households served: 100 × 366/366 + 100 × 183/366 = 150. Complaints: 6 (c-nobody was
    // filed before anyone served bad-2). Rate 6 / 150 × 100 = 4; score (1 − 4/10) × 100 = 60.
    auto rate = FigureOf(bad, "complaintsPer100Households");
    CHECK(rate.getNumerator() == 6);
    CHECK(rate.getDenominator() == Approx(150));
    CHECK(rate.getValue() == Approx(4));
    CHECK_THAT(Str(rate.getInputs()), Catch::Contains("estate/bad-2 100 × 183/366"));
    auto rate_score = FigureOf(bad, "complaintRate");
    CHECK(rate_score.getNumerator() == Approx(4));
    CHECK(rate_score.getDenominator() == Approx(10));
    CHECK(rate_score.getValue() == Approx(60));
    // Repairs: on time 1 (rb-1), late 1 (rb-2), open past the deadline 1 (rb-3); rb-4 (deadline
    // in 2025) and rb-5 (no limit) are not counted: 1 / 3 × 100 = 33.33.
    auto repairs = FigureOf(bad, "repairCompliance");
    CHECK(repairs.getNumerator() == 1);
    CHECK(repairs.getDenominator() == 3);
    CHECK(repairs.getValue() == Approx(100.0 / 3));
    // Follow-ups: complaints D S D (one unanswered), repairs B D: (1 + 1) / 5 × 100 = 40.
    auto follow = FigureOf(bad, "followUpSatisfaction");
    CHECK(follow.getNumerator() == 2);
    CHECK(follow.getDenominator() == 5);
    CHECK(follow.getValue() == Approx(40));
    // Surveys: S D D D + S B D D (bad-2's March answers were nobody's): 3 / 8 = 37.5.
    auto survey = FigureOf(bad, "surveySatisfaction");
    CHECK(survey.getNumerator() == 3);
    CHECK(survey.getDenominator() == 8);
    CHECK(survey.getValue() == Approx(37.5));
    // 0.2×45 + 0.1×50 + 0.2×60 + 0.2×33.333 + 0.15×40 + 0.15×37.5
    //   = 9 + 5 + 12 + 6.6667 + 6 + 5.625 = 44.2917.
    CHECK(bad.getScore() == Approx(44.2916667));
    CHECK(bad.getStars() == 0);
    CHECK(Str(bad.getList()) == "black");
    CHECK_FALSE(bad.getBlackListedLastYear());  // not rated in 2023
    CHECK_FALSE(bad.getReplacementRecommended());
  }

  SECTION("the property manager and the owners committee") {
    auto mgr = e->Row("person/mgr-good");
    CHECK(Str(mgr.getSubjectKind()) == "propertyManager");
    CHECK(Str(mgr.getSubjectName()) == "王经理");
    // Inspection 80; good-1's complaint score 100 and repairs 100; no document review: left out.
    // (0.2×80 + 0.2×100 + 0.2×100) / (0.2 + 0.2 + 0.2) = 56 / 0.6 = 93.33.
    CHECK(FigureOf(mgr, "inspection").getValue() == Approx(80));
    CHECK_FALSE(FigureOf(mgr, "documentReview").getHasData());
    CHECK_FALSE(FigureOf(mgr, "documentReview").getCounted());
    CHECK(FigureOf(mgr, "complaintRate").getValue() == Approx(100));
    CHECK(FigureOf(mgr, "repairCompliance").getDenominator() == 2);
    CHECK(mgr.getScore() == Approx(56.0 / 0.6));
    CHECK(FigureOf(mgr, "score").getDenominator() == Approx(0.6));
    CHECK_THAT(Str(FigureOf(mgr, "score").getInputs()),
               Catch::Contains("left out") && Catch::Contains("documentReview"));
    CHECK(mgr.getStars() == 4);  // 93.33 reaches 90 but not 95
    CHECK(Str(mgr.getList()) == "red");

    auto oc = e->Row("committee/good-1");
    CHECK(Str(oc.getSubjectKind()) == "ownersCommittee");
    // Document review 15 / 20 = 75; the estate's survey (6 + 1) / 8 = 87.5.
    // (0.1×75 + 0.15×87.5) / (0.1 + 0.15) = (7.5 + 13.125) / 0.25 = 82.5.
    CHECK(FigureOf(oc, "documentReview").getValue() == Approx(75));
    CHECK(FigureOf(oc, "surveySatisfaction").getValue() == Approx(87.5));
    CHECK(oc.getScore() == Approx(82.5));
    CHECK(oc.getStars() == 3);
    CHECK(Str(oc.getList()) == "none");
  }

  SECTION("the lists") {
    CHECK(e->Ids(r.getRedList()) == std::vector<std::string>{"company/good", "person/mgr-good"});
    CHECK(e->Ids(r.getBlackList()) == std::vector<std::string>{"company/bad"});
    CHECK(r.getReplacementRecommended().size() == 0);
  }
}

TEST_CASE("the bad company black-listed in 2024 and 2025 is flagged in 2025", "[star_evaluation]") {
  Scenario s;
  s.Add2025();
  auto e = Evaluate(s.f.views(), 2025);
  // 2025 has 365 days. good: inspection 95; 0 complaints over 200 households: 100; no repairs,
  // follow-ups or surveys, left out: (0.2×95 + 0.2×100) / 0.4 = 97.5.
  auto good = e->Row("company/good");
  CHECK(good.getScore() == Approx(97.5));
  CHECK(Str(good.getList()) == "red");
  CHECK_FALSE(FigureOf(good, "repairCompliance").getHasData());
  CHECK_FALSE(FigureOf(good, "surveySatisfaction").getHasData());
  // bad: inspection 40; households 100 + 100 = 200 for all 365 days; 10 complaints: rate 5, score
  // (1 − 5/10) × 100 = 50. rb-4 was requested in 2024 and does not count in 2025.
  // (0.2×40 + 0.2×50) / 0.4 = 45: black, and black in 2024 (computed: nothing was published).
  auto bad = e->Row("company/bad");
  CHECK(FigureOf(bad, "complaintsPer100Households").getDenominator() == Approx(200));
  CHECK(FigureOf(bad, "complaintsPer100Households").getValue() == Approx(5));
  CHECK(bad.getScore() == Approx(45));
  CHECK(Str(bad.getList()) == "black");
  CHECK(bad.getBlackListedLastYear());
  CHECK(Str(bad.getLastYearList()) == "black");
  CHECK(Str(bad.getLastYearSource()) == "computed");
  CHECK(bad.getReplacementRecommended());
  CHECK_THAT(Str(bad.getRecommendation()), Catch::Contains("启动退出程序"));
  CHECK(e->Ids(e->r.getReplacementRecommended()) == std::vector<std::string>{"company/bad"});
  // The manager: good-1's complaint score 100, nothing else: 100. The committee has nothing to
  // be rated by in 2025 and has no row.
  CHECK(e->Row("person/mgr-good").getScore() == Approx(100));
  CHECK_FALSE(e->HasRow("committee/good-1"));
}

TEST_CASE("black-listed in 2024 and 2025 is flagged but 2023 and 2025 is not",
          "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy policy;
  policy.inspection = 1;
  AdoptRating(f, 1, "2023-01-01", policy, Cst("2022-12-01 09:00"));
  // Scores are the inspection alone: 30 is black (below 60), 95 is red.
  Inspect(f, "a-24", "company/a", 2024, 30, 100, Cst("2024-11-01 10:00"));
  Inspect(f, "a-25", "company/a", 2025, 30, 100, Cst("2025-11-01 10:00"));
  Inspect(f, "b-23", "company/b", 2023, 30, 100, Cst("2023-11-01 10:00"));
  Inspect(f, "b-24", "company/b", 2024, 95, 100, Cst("2024-11-01 10:00"));
  Inspect(f, "b-25", "company/b", 2025, 30, 100, Cst("2025-11-01 10:00"));

  auto e25 = Evaluate(f.views(), 2025);
  auto a = e25->Row("company/a");
  auto b = e25->Row("company/b");
  CHECK(Str(a.getList()) == "black");
  CHECK(Str(b.getList()) == "black");
  CHECK(a.getReplacementRecommended());
  CHECK_FALSE(b.getReplacementRecommended());
  CHECK_FALSE(b.getBlackListedLastYear());
  CHECK(Str(b.getLastYearList()) == "red");
  CHECK(e25->Ids(e25->r.getReplacementRecommended()) == std::vector<std::string>{"company/a"});

  // In 2024, a was black but not rated in 2023; b was red.
  auto e24 = Evaluate(f.views(), 2024);
  CHECK(Str(e24->Row("company/a").getList()) == "black");
  CHECK_FALSE(e24->Row("company/a").getReplacementRecommended());
  CHECK(Str(e24->Row("company/a").getLastYearList()).empty());
}

TEST_CASE("the street office's published rating decides the previous year", "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy policy;
  policy.inspection = 1;
  AdoptRating(f, 1, "2024-01-01", policy, Cst("2023-12-01 09:00"));
  // As computed, c is black in 2024 (30) and d is red (95); the street office published c off
  // the lists (after an appeal, say) and d on the black list.
  Inspect(f, "c-24", "company/c", 2024, 30, 100, Cst("2024-11-01 10:00"));
  Inspect(f, "d-24", "company/d", 2024, 95, 100, Cst("2024-11-01 10:00"));
  uint64_t published =
      Publish(f, 2024, {{"company/c", ListMark::NONE}, {"company/d", ListMark::BLACK}},
              Cst("2025-01-15 10:00"));
  Inspect(f, "c-25", "company/c", 2025, 30, 100, Cst("2025-11-01 10:00"));
  Inspect(f, "d-25", "company/d", 2025, 30, 100, Cst("2025-11-01 10:00"));

  auto e = Evaluate(f.views(), 2025);
  CHECK(e->r.getLastYearPublishedSeq() == published);
  auto c = e->Row("company/c");
  auto d = e->Row("company/d");
  CHECK(Str(c.getLastYearSource()) == "published");
  CHECK(Str(c.getLastYearList()) == "none");
  CHECK_FALSE(c.getReplacementRecommended());
  CHECK(d.getBlackListedLastYear());
  CHECK(d.getReplacementRecommended());
  CHECK_THAT(Str(d.getRecommendation()), Catch::Contains("published"));

  // Voiding the publication falls back to the lists computed from the ledger.
  f.Void(published);
  auto after = Evaluate(f.views(), 2025);
  CHECK(after->r.getLastYearPublishedSeq() == 0);
  CHECK(after->Row("company/c").getReplacementRecommended());
  CHECK_FALSE(after->Row("company/d").getReplacementRecommended());
  CHECK(Str(after->Row("company/d").getLastYearSource()) == "computed");
}

TEST_CASE("a policy change for 2025 changes 2025's weights but not 2024's evaluation",
          "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy v1;
  v1.inspection = 1;
  v1.complaints = 1;
  AdoptRating(f, 1, "2024-01-01", v1, Cst("2023-12-01 09:00"));
  Estate(f, "estate/e-1", 100);
  Company(f, "company/a", "甲物业");
  Contract(f, "estate/e-1", "company/a", "2024-01-01");
  // Both years: inspection 80; 6 complaints over 100 households: rate 6, score (1 − 6/10) × 100
  // = 40.
  Inspect(f, "a-24", "company/a", 2024, 80, 100, Cst("2024-11-01 10:00"));
  Inspect(f, "a-25", "company/a", 2025, 80, 100, Cst("2025-11-01 10:00"));
  for (int i = 0; i < 6; ++i) {
    FileComplaint(f, "c24-" + std::to_string(i), "estate/e-1",
                  Cst("2024-03-01 10:00") + i * projections::kMillisPerDay);
    FileComplaint(f, "c25-" + std::to_string(i), "estate/e-1",
                  Cst("2025-03-01 10:00") + i * projections::kMillisPerDay);
  }
  // v1: (1×80 + 1×40) / 2 = 60.
  auto before = Evaluate(f.views(), 2024);
  CHECK(before->Row("company/a").getScore() == Approx(60));
  CHECK(Evaluate(f.views(), 2025)->Row("company/a").getScore() == Approx(60));

  RatingPolicy v2 = v1;
  v2.inspection = 3;
  AdoptRating(f, 2, "2025-01-01", v2, Cst("2025-12-20 10:00"));
  // v2 for 2025: (3×80 + 1×40) / 4 = 280 / 4 = 70.
  auto e25 = Evaluate(f.views(), 2025);
  CHECK(e25->r.getPolicyVersion() == 2);
  CHECK(e25->r.getWeights().getInspection() == Approx(3));
  CHECK(e25->Row("company/a").getScore() == Approx(70));
  CHECK(FigureOf(e25->Row("company/a"), "inspection").getWeight() == Approx(3));
  // 2024 is still rated under v1, to the same figures.
  auto after = Evaluate(f.views(), 2024);
  CHECK(after->r.getPolicyVersion() == 1);
  CHECK(after->Row("company/a").getScore() == Approx(60));
  CHECK(after->RowsText() == before->RowsText());
}

TEST_CASE("the report names the position of the views it was computed from", "[star_evaluation]") {
  Scenario s;
  const auto& views = s.f.views();
  auto e = Evaluate(views, 2024);
  CHECK(e->r.getPositionSeq() == views.position().seq);
  CHECK(e->r.getPositionSeq() == s.f.log().Head().seq);
  CHECK(Str(e->r.getPositionHash()) == ledger::ToHex(views.position().hash));
  CHECK(Str(e->r.getPositionHash()) == ledger::ToHex(s.f.log().Head().hash));
  CHECK(Str(e->r.getPositionHash()).size() == 64);
}

TEST_CASE("without a rating policy the figures are shown but nobody is rated",
          "[star_evaluation]") {
  ViewFixture f;
  Inspect(f, "a-24", "company/a", 2024, 30, 100, Cst("2024-11-01 10:00"));
  auto e = Evaluate(f.views(), 2024);
  CHECK(Str(e->r.getPolicyId()).empty());
  auto a = e->Row("company/a");
  CHECK(FigureOf(a, "inspection").getValue() == Approx(30));
  CHECK(Str(a.getList()) == "none");
  CHECK(a.getStars() == 0);
  CHECK(e->r.getBlackList().size() == 0);
  CHECK_THAT(Str(e->r.getNotes()), Catch::Contains("No rating policy"));
}

TEST_CASE("time travel: the 2024 evaluation as of the end of 2024 survives later events",
          "[star_evaluation]") {
  Scenario s;
  s.f.views();
  auto as_of = s.f.engine().AsOf(s.end_of_2024);
  REQUIRE(as_of.ok());
  auto then = Evaluate(**as_of, 2024);
  CHECK(then->r.getPositionSeq() == s.end_of_2024);
  CHECK(then->Row("company/bad").getScore() == Approx(44.2916667));

  // 2025 happens, and a 2024 complaint against company/bad turns out to be a mistake.
  s.Add2025();
  s.f.Void(s.bad_complaint_2024, "filed twice");
  // Live, 2024 changes: 5 complaints / 150 × 100 = 3.333; score (1 − 0.3333) × 100 = 66.667.
  auto live = Evaluate(s.f.views(), 2024);
  CHECK(FigureOf(live->Row("company/bad"), "complaintRate").getValue() == Approx(200.0 / 3));
  CHECK(live->r.getPositionSeq() > s.end_of_2024);

  // A fresh engine, so that the earlier position is replayed rather than cached.
  s.f.OpenEngine();
  auto again = s.f.engine().AsOf(s.end_of_2024);
  REQUIRE(again.ok());
  auto replayed = Evaluate(**again, 2024);
  CHECK(replayed->Text() == then->Text());
}

TEST_CASE("a voided score sheet leaves the evaluation and a replacement corrects it",
          "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy policy;
  policy.inspection = 1;
  policy.review = 1;
  AdoptRating(f, 1, "2024-01-01", policy, Cst("2023-12-01 09:00"));
  uint64_t insp = Inspect(f, "a-24", "company/a", 2024, 30, 100, Cst("2024-11-01 10:00"));
  Sheet(f, false, "a-rev-24", SubjectKind::COMPANY, "company/a", 2024, {{90, 100}},
        Cst("2024-11-02 10:00"));
  // (30 + 90) / 2 = 60.
  CHECK(Evaluate(f.views(), 2024)->Row("company/a").getScore() == Approx(60));
  f.Add("correction/a-24", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(insp);
    c.setReason("70 was read as 30");
    auto s = c.getAction().initReplacement().initInspectionRecorded();
    s.setSheetId("a-24");
    s.initSubject().setKind(SubjectKind::COMPANY);
    s.getSubject().setId("company/a");
    s.setYear(2024);
    auto item = s.initItems(1)[0];
    item.setItem("项目 1");
    item.setScore(70);
    item.setMaxScore(100);
  });
  // (70 + 90) / 2 = 80.
  CHECK(Evaluate(f.views(), 2024)->Row("company/a").getScore() == Approx(80));
  f.Void(insp);
  // Only the review is left: 90, the inspection's weight renormalised away.
  auto e = Evaluate(f.views(), 2024);
  CHECK(e->Row("company/a").getScore() == Approx(90));
  CHECK_FALSE(FigureOf(e->Row("company/a"), "inspection").getHasData());
}

// The complaints, repairs and surveys are counted from the day tallies the views keep as events
// arrive; corrections move a record's counts from one day, estate or company to another.
namespace {

// Every figure of `years`, counted from the records, is the one counted from the tallies; and the
// tallies built live, with the counts moved and the emptied days erased, are those a rebuild makes.
void CheckTalliesAgreeWithRecords(ViewFixture& f, std::initializer_list<int> years) {
  for (int year : years) {
    INFO(year);
    CHECK(Evaluate(f.views(), year)->Text() ==
          Evaluate(f.views(), year, projections::StarCounting::kFromRecords)->Text());
  }
  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}

}  // namespace

TEST_CASE("the day tallies count what the records count, through corrections",
          "[star_evaluation]") {
  Scenario s;
  s.Add2025();
  ViewFixture& f = s.f;
  // Filed by mistake, voided: company/bad keeps its ten complaints of 2025.
  f.Void(FileComplaint(f, "c25-x", "estate/bad-1", Cst("2025-06-01 09:00")));
  // Filed against bad-1, then corrected to good-1: it is company/good's, with its follow-up.
  uint64_t filed = FileComplaint(f, "c25-y", "estate/bad-1", Cst("2025-06-02 09:00"));
  ComplaintFollowUp(f, "c25-y", S::SATISFIED, Cst("2025-06-05 09:00"));
  f.Add("correction/c25-y", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(filed);
    c.setReason("the complaint was about good-1");
    auto r = c.getAction().initReplacement().initComplaintFiled();
    r.setComplaintId("c25-y");
    r.setEstateId("estate/good-1");
    r.setCategory("环境卫生");
    r.setSummary("垃圾未清运 (rubbish not collected)");
  });
  // r25-1 water 03-01 10:00, deadline 03-02 08:00, its completion voided: open past the deadline.
  RequestRepair(f, "r25-1", "estate/bad-1", "water", Cst("2025-03-01 10:00"));
  f.Void(CompleteRepair(f, "r25-1", Cst("2025-03-01 12:00")));
  // r25-2 electricity 12-31 12:00, deadline 2026-01-01 12:00, open: not counted in 2025.
  RequestRepair(f, "r25-2", "estate/bad-1", "electricity", Cst("2025-12-31 12:00"));
  // A survey naming company/bad, voided; one naming nobody in bad-2, which company/bad serves.
  f.Void(Survey(f, "estate/bad-1", "company/bad", {S::SATISFIED, S::SATISFIED},
                Cst("2025-05-01 10:00")));
  Survey(f, "estate/bad-2", "", {S::DISSATISFIED, S::DISSATISFIED}, Cst("2025-05-02 10:00"));

  const auto& views = f.views();
  auto bad = Evaluate(views, 2025);
  // Households served: bad-1 100 + bad-2 100, all year. 10 complaints / 200 × 100 = 5.
  auto bad_row = bad->Row("company/bad");
  CHECK(FigureOf(bad_row, "complaintsPer100Households").getNumerator() == 10);
  CHECK(FigureOf(bad_row, "complaintsPer100Households").getValue() == Approx(5));
  // r25-1 open past its deadline, r25-2 pending: 0 / (0 + 0 + 1).
  auto repairs = FigureOf(bad_row, "repairCompliance");
  CHECK(repairs.getNumerator() == 0);
  CHECK(repairs.getDenominator() == 1);
  CHECK(Str(repairs.getInputs()).find("1 still open with the deadline after") != std::string::npos);
  // Only bad-2's two dissatisfied answers: 0 / 2.
  CHECK(FigureOf(bad_row, "surveySatisfaction").getDenominator() == 2);
  CHECK(FigureOf(bad_row, "surveySatisfaction").getValue() == 0);
  CHECK_FALSE(FigureOf(bad_row, "followUpSatisfaction").getHasData());
  // company/good: c25-y and its satisfied follow-up. 1 / 200 × 100 = 0.5.
  auto good_row = bad->Row("company/good");
  CHECK(FigureOf(good_row, "complaintsPer100Households").getValue() == Approx(0.5));
  CHECK(FigureOf(good_row, "followUpSatisfaction").getValue() == Approx(100));

  CheckTalliesAgreeWithRecords(f, {2024, 2025, 2026});
}

TEST_CASE("a year under way judges its open repairs at the instant asked, not at its end",
          "[star_evaluation]") {
  Scenario s;
  const auto& views = s.f.views();
  // company/bad's 2024 repairs: rb-1 on time, rb-2 late, rb-3 open with its deadline at
  // 12-31 10:00, rb-4 open with its deadline at 2025-01-01 20:00, rb-5 without a time limit.
  auto judged = [&](int64_t at, projections::StarCounting counting) {
    auto e = Evaluate(views, 2024, counting, at);
    auto f = FigureOf(e->Row("company/bad"), "repairCompliance");
    return std::make_tuple(f.getNumerator(), f.getDenominator(), Str(f.getInputs()),
                           e->r.getJudgedAt());
  };
  using projections::StarCounting;
  for (StarCounting counting : {StarCounting::kFromDayTallies, StarCounting::kFromRecords}) {
    INFO(int(counting));
    // At 12-31 09:00 rb-3's deadline has not come: 1 / (1 + 1) = 50, and rb-3 is not counted.
    auto [on_time, denominator, inputs, at] = judged(Cst("2024-12-31 09:00"), counting);
    CHECK(on_time == 1);
    CHECK(denominator == 2);
    CHECK(at == Cst("2024-12-31 09:00"));
    INFO(inputs);
    CHECK(inputs.find("past the deadline at 2024-12-31 09:00 (+08:00) (the year is not over) 0") !=
          std::string::npos);
    CHECK(inputs.find("not counted: 2 still open with the deadline after that") !=
          std::string::npos);
    // At 11:00 it has: 1 / (1 + 1 + 1).
    auto [on_time_11, denominator_11, inputs_11, at_11] = judged(Cst("2024-12-31 11:00"), counting);
    CHECK(on_time_11 == 1);
    CHECK(denominator_11 == 3);
    // Any instant after the year judges it at its end (2025-01-01 00:00 +08:00): rb-4's deadline
    // is past by mid-2025, but not within 2024.
    for (int64_t after : {Cst("2025-06-01 00:00"), projections::kYearsEnd}) {
      auto [on_time_end, denominator_end, inputs_end, at_end] = judged(after, counting);
      CHECK(denominator_end == 3);
      CHECK(at_end == Cst("2025-01-01 00:00"));
      CHECK(inputs_end.find("past the deadline at the year's end 1") != std::string::npos);
      CHECK(inputs_end.find("not counted: 1 still open with the deadline after the year's end") !=
            std::string::npos);
    }
  }
}

TEST_CASE("a subject's repeated follow-up calls count as its last one of the year",
          "[star_evaluation]") {
  Scenario s;
  ViewFixture& f = s.f;
  // rg-1 was answered "satisfied" on 03-03 and again on 05-20; four more calls about it in June,
  // each "dissatisfied", would have weighed as four repairs of company/good.
  uint64_t may = RepairFollowUp(f, "rg-1", S::SATISFIED, Cst("2024-05-20 10:00"));
  for (int day = 1; day <= 4; ++day) {
    RepairFollowUp(f, "rg-1", S::DISSATISFIED,
                   Cst(("2024-06-0" + std::to_string(day) + " 10:00").c_str()));
  }
  // The May call corrected (a comment added) after the June ones: it keeps its place, and is
  // not taken for the last.
  f.Add("correction/rg-1-may", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(may);
    c.setReason("the resident's words were left out");
    auto r = c.getAction().initReplacement().initFollowUpRecorded();
    r.getSubject().setRepairId("rg-1");
    r.setSatisfaction(S::SATISFIED);
    r.setComment("师傅很快");
  });
  // A call in January 2025 belongs to 2025: 2024's answer stays the June one.
  RepairFollowUp(f, "rg-1", S::SATISFIED, Cst("2025-01-10 10:00"));
  auto e = Evaluate(f.views(), 2024);
  // rg-1's last call of 2024 is dissatisfied, rg-2's basically satisfied: 1 of 2 answered, 50
  // (not 4 of 8, nor 100 by the corrected or the January call).
  auto follow_ups = FigureOf(e->Row("company/good"), "followUpSatisfaction");
  CHECK(follow_ups.getNumerator() == 1);
  CHECK(follow_ups.getDenominator() == 2);
  CHECK(follow_ups.getValue() == Approx(50));
  CheckTalliesAgreeWithRecords(f, {2024, 2025});
}

// The tallies are read by month; a manager appointed within a month, and answers naming no
// company in a month whose serving company changed, are counted from the days.
TEST_CASE("an appointment or a change of company within a month is counted by its days",
          "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy policy;
  policy.complaints = 1;
  policy.repairs = 1;
  policy.survey = 1;
  AdoptRating(f, 1, "2024-01-01", policy, Cst("2023-12-01 09:00"));
  AdoptRepairLimits(f);
  Estate(f, "estate/e", 100);
  Company(f, "company/a", "甲物业");
  Company(f, "company/b", "乙物业");
  // company/a serves estate/e to 2024-03-15, company/b from 2024-03-16.
  Contract(f, "estate/e", "company/a", "2024-01-01");
  f.Add("contract/estate/e", Cst("2024-03-15 18:00"), [&](Payload::Builder p) {
    auto c = p.initServiceContractEnded();
    c.setContractId("contract/estate/e/company/a");
    c.setEstateId("estate/e");
    c.setCompanyId("company/a");
    c.setEndDate("2024-03-15");
  });
  Contract(f, "estate/e", "company/b", "2024-03-16");
  // person/m manages estate/e from 2024-02-10 to 2024-05-20.
  f.Add("person/m", Cst("2024-02-09 09:00"), [&](Payload::Builder p) {
    auto r = p.initRoleAppointed();
    r.setPersonId("person/m");
    r.setRole(ledger::schema::AppointedRole::PROPERTY_MANAGER);
    r.setEstateId("estate/e");
    r.setFromDate("2024-02-10");
  });
  f.Add("person/m", Cst("2024-05-21 09:00"), [&](Payload::Builder p) {
    auto r = p.initRoleEnded();
    r.setPersonId("person/m");
    r.setRole(ledger::schema::AppointedRole::PROPERTY_MANAGER);
    r.setEstateId("estate/e");
    r.setToDate("2024-05-20");
  });
  // Complaints on either side of the appointment's first and last days, and within it.
  for (const char* at : {"2024-02-09 23:00", "2024-02-10 08:00", "2024-03-31 12:00",
                         "2024-05-20 20:00", "2024-05-21 07:00"}) {
    FileComplaint(f, std::string("c-") + at, "estate/e", Cst(at));
  }
  // Repairs: one the day before the appointment, two within it, one of them completed late.
  RequestRepair(f, "r-before", "estate/e", "water", Cst("2024-02-09 10:00"));
  CompleteRepair(f, "r-before", Cst("2024-02-09 12:00"));
  RequestRepair(f, "r-in-1", "estate/e", "water", Cst("2024-02-10 10:00"));
  CompleteRepair(f, "r-in-1", Cst("2024-02-10 12:00"));
  RequestRepair(f, "r-in-2", "estate/e", "electricity", Cst("2024-04-01 10:00"));
  CompleteRepair(f, "r-in-2", Cst("2024-04-03 10:00"));  // 48 h against a 24 h limit: late
  // Answers naming no company: in March, one before the change and two after; one in April.
  Survey(f, "estate/e", "", {S::SATISFIED}, Cst("2024-03-10 10:00"));
  Survey(f, "estate/e", "", {S::DISSATISFIED}, Cst("2024-03-20 10:00"));
  Survey(f, "estate/e", "", {S::DISSATISFIED}, Cst("2024-03-31 10:00"));
  Survey(f, "estate/e", "", {S::SATISFIED}, Cst("2024-04-05 10:00"));

  auto report = Evaluate(f.views(), 2024);
  // The manager: complaints of 02-10, 03-31 and 05-20; repairs r-in-1 on time, r-in-2 late.
  auto manager = report->Row("person/m");
  CHECK(FigureOf(manager, "complaintsPer100Households").getNumerator() == 3);
  CHECK(FigureOf(manager, "repairCompliance").getNumerator() == 1);
  CHECK(FigureOf(manager, "repairCompliance").getDenominator() == 2);
  // Households served by the manager: 100 × (20 + 31 + 30 + 20) / 366 days of 2024.
  CHECK(FigureOf(manager, "complaintsPer100Households").getDenominator() ==
        Approx(100.0 * 101 / 366));
  // company/a: the one satisfied answer of 03-10. company/b: 03-20, 03-31 and 04-05.
  auto a = FigureOf(report->Row("company/a"), "surveySatisfaction");
  CHECK(a.getNumerator() == 1);
  CHECK(a.getDenominator() == 1);
  auto b = FigureOf(report->Row("company/b"), "surveySatisfaction");
  CHECK(b.getNumerator() == 1);
  CHECK(b.getDenominator() == 3);
  // The five complaints, by the company serving the estate when each was filed: a's two in
  // February, b's three from 03-31 on.
  CHECK(FigureOf(report->Row("company/a"), "complaintsPer100Households").getNumerator() == 2);
  CHECK(FigureOf(report->Row("company/b"), "complaintsPer100Households").getNumerator() == 3);
  // Every figure is the one counted from the records.
  CHECK(report->Text() ==
        Evaluate(f.views(), 2024, projections::StarCounting::kFromRecords)->Text());
}

// The tallies count China Standard Time's days: a policy in another zone is counted from the
// records, its year starting at its own midnight.
TEST_CASE("a rating policy in another time zone counts its own year", "[star_evaluation]") {
  ViewFixture f;
  RatingPolicy policy;
  policy.complaints = 1;
  policy.time_zone = "UTC";
  AdoptRating(f, 1, "2024-01-01", policy, Cst("2023-12-01 09:00"));
  Estate(f, "estate/e", 100);
  Company(f, "company/a", "甲物业");
  Contract(f, "estate/e", "company/a", "2024-01-01");
  // 2024-12-31 20:00 UTC: still 2024 under this policy, 2025 in China.
  FileComplaint(f, "c-1", "estate/e", Cst("2025-01-01 04:00"));
  const auto& views = f.views();
  CHECK(FigureOf(Evaluate(views, 2024)->Row("company/a"), "complaintsPer100Households")
            .getNumerator() == 1);
  CHECK(FigureOf(Evaluate(views, 2025)->Row("company/a"), "complaintsPer100Households")
            .getNumerator() == 0);
}
