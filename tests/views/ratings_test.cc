// The ratings view: score sheets of inspections and document reviews, household-survey answers and
// published star ratings; corrections take back exactly one event's contribution.

#include "projections/views/ratings.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "view_fixture.h"

using ledger::schema::Payload;
using ledger::schema::Satisfaction;
using ledger::schema::SubjectKind;
using testing::Cst;
using testing::ViewFixture;

namespace {

void FillSheet(ledger::schema::ScoreSheet::Builder s, const std::string& sheet_id,
               const std::string& company, int year,
               const std::vector<std::pair<double, double>>& items) {
  s.setSheetId(sheet_id);
  s.initSubject().setKind(SubjectKind::COMPANY);
  s.getSubject().setId(company);
  s.setEstateId("estate/e-1");
  s.setYear(static_cast<uint16_t>(year));
  auto list = s.initItems(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    list[i].setItem("item " + std::to_string(i + 1));
    list[i].setScore(items[i].first);
    list[i].setMaxScore(items[i].second);
  }
  s.initInspectorIds(1).set(0, "person/inspector");
}

uint64_t Inspect(ViewFixture& f, const std::string& sheet_id, const std::string& company, int year,
                 const std::vector<std::pair<double, double>>& items, int64_t at) {
  return f.Add("sheet/" + sheet_id, at, [&](Payload::Builder p) {
    FillSheet(p.initInspectionRecorded(), sheet_id, company, year, items);
  });
}

uint64_t Review(ViewFixture& f, const std::string& sheet_id, const std::string& company, int year,
                const std::vector<std::pair<double, double>>& items, int64_t at) {
  return f.Add("sheet/" + sheet_id, at, [&](Payload::Builder p) {
    FillSheet(p.initDocumentReviewRecorded(), sheet_id, company, year, items);
  });
}

uint64_t Survey(ViewFixture& f, const std::string& estate, const std::string& company,
                bool anonymous, const std::vector<Satisfaction>& answers, int64_t at) {
  return f.Add("survey/s-1", at, [&](Payload::Builder p) {
    auto s = p.initSurveyResponseRecorded();
    s.setSurveyId("survey/s-1");
    s.setEstateId(estate);
    s.setCompanyId(company);
    s.setAnonymous(anonymous);
    s.setHouseholdId("household/h-1");
    auto list = s.initAnswers(answers.size());
    for (size_t i = 0; i < answers.size(); ++i) {
      list[i].setQuestion("问题 " + std::to_string(i + 1));
      list[i].setSatisfaction(answers[i]);
    }
  });
}

uint64_t Publish(ViewFixture& f, int year, const std::string& company,
                 ledger::schema::ListMark list, int64_t at) {
  return f.Add("rating/" + std::to_string(year), at, [&](Payload::Builder p) {
    auto r = p.initStarRatingPublished();
    r.setYear(static_cast<uint16_t>(year));
    r.setComputedAtSeq(1);
    r.setComputedAtHash("00");
    r.setPolicyId("star-rating");
    r.setPolicyVersion(1);
    auto row = r.initRatings(1)[0];
    row.initSubject().setKind(SubjectKind::COMPANY);
    row.getSubject().setId(company);
    row.setScore(50);
    row.setStars(1);
    row.setList(list);
    auto figure = row.initFigures(1)[0];
    figure.setName("inspection");
    figure.setValue(50);
    figure.setInputs("50 / 100 × 100");
  });
}

struct Queried {
  capnp::MallocMessageBuilder message;
  ledger::schema::RatingsView::Reader view;
};

std::unique_ptr<Queried> Query(const projections::ViewSet& views, int year,
                               const projections::Filter& filter = {}) {
  auto q = std::make_unique<Queried>();
  auto out = q->message.initRoot<ledger::schema::RatingsView>();
  views.ratings.Query(year, filter, out);
  q->view = out.asReader();
  return q;
}

}  // namespace

TEST_CASE("ratings keep the score sheets of a year with their sums", "[ratings]") {
  ViewFixture f;
  Inspect(f, "insp-1", "company/a", 2024, {{45, 50}, {40, 50}}, Cst("2024-11-01 10:00"));
  Review(f, "rev-1", "company/a", 2024, {{18, 20}}, Cst("2024-11-02 10:00"));
  Inspect(f, "insp-2", "company/b", 2025, {{30, 50}}, Cst("2025-11-01 10:00"));

  auto q = Query(f.views(), 2024);
  REQUIRE(q->view.getSheets().size() == 2);
  CHECK(q->view.getSheetCount() == 2);
  // Ordered by subject, then inspection before document review.
  auto insp = q->view.getSheets()[0];
  CHECK(std::string(insp.getKind().cStr()) == "inspection");
  CHECK(std::string(insp.getSubjectKind().cStr()) == "company");
  CHECK(insp.getScore() == Approx(85));      // 45 + 40
  CHECK(insp.getMaxScore() == Approx(100));  // 50 + 50
  CHECK(insp.getItems().size() == 2);
  CHECK(insp.getInspectorIds().size() == 1);
  auto rev = q->view.getSheets()[1];
  CHECK(std::string(rev.getKind().cStr()) == "documentReview");
  CHECK(rev.getScore() == Approx(18));

  projections::Filter only_b;
  only_b.company = "company/b";
  CHECK(Query(f.views(), 2025, only_b)->view.getSheets().size() == 1);
  CHECK(Query(f.views(), 2024, only_b)->view.getSheets().size() == 0);
}

TEST_CASE("a sheet recorded again under its id restates it and a void brings back the first",
          "[ratings]") {
  ViewFixture f;
  uint64_t first = Inspect(f, "insp-1", "company/a", 2024, {{20, 50}}, Cst("2024-11-01 10:00"));
  uint64_t again = Inspect(f, "insp-1", "company/a", 2024, {{40, 50}}, Cst("2024-11-01 11:00"));
  auto q = Query(f.views(), 2024);
  REQUIRE(q->view.getSheets().size() == 1);
  CHECK(q->view.getSheets()[0].getScore() == Approx(40));
  CHECK(q->view.getSheets()[0].getSeq() == again);
  REQUIRE(q->view.getSheets()[0].getSupersededSeqs().size() == 1);
  CHECK(q->view.getSheets()[0].getSupersededSeqs()[0] == first);

  f.Void(again);
  q = Query(f.views(), 2024);
  REQUIRE(q->view.getSheets().size() == 1);
  CHECK(q->view.getSheets()[0].getScore() == Approx(20));
  f.Void(first);
  CHECK(Query(f.views(), 2024)->view.getSheets().size() == 0);
  CHECK(f.views().ratings.sheets().size() == 0);
}

TEST_CASE("a replaced sheet counts as corrected and keeps its seq", "[ratings]") {
  ViewFixture f;
  uint64_t seq = Inspect(f, "insp-1", "company/a", 2024, {{20, 50}}, Cst("2024-11-01 10:00"));
  f.Add("correction/1", 0, [&](Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(seq);
    c.setReason("score misread: 42 not 20");
    FillSheet(c.getAction().initReplacement().initInspectionRecorded(), "insp-1", "company/a", 2024,
              {{42, 50}});
  });
  auto q = Query(f.views(), 2024);
  REQUIRE(q->view.getSheets().size() == 1);
  CHECK(q->view.getSheets()[0].getScore() == Approx(42));
  CHECK(q->view.getSheets()[0].getSeq() == seq);
  CHECK(q->view.getSheets()[0].getSupersededSeqs().size() == 0);
}

TEST_CASE("survey answers are tallied per estate and company by local year", "[ratings]") {
  ViewFixture f;
  using S = Satisfaction;
  Survey(f, "estate/e-1", "", false, {S::SATISFIED, S::BASICALLY_SATISFIED, S::DISSATISFIED},
         Cst("2024-06-01 10:00"));
  Survey(f, "estate/e-1", "", true, {S::SATISFIED, S::UNKNOWN}, Cst("2024-06-02 10:00"));
  // 2024-12-31 23:30 in Beijing is still 2024 there (15:30 UTC).
  Survey(f, "estate/e-1", "company/a", false, {S::SATISFIED}, Cst("2024-12-31 23:30"));
  // 2025-01-01 00:30 in Beijing is 2024-12-31 16:30 UTC: 2025 locally.
  uint64_t next_year =
      Survey(f, "estate/e-1", "", false, {S::DISSATISFIED}, Cst("2025-01-01 00:30"));

  auto q = Query(f.views(), 2024);
  REQUIRE(q->view.getSurveys().size() == 2);
  auto unnamed = q->view.getSurveys()[0];  // "" sorts before "company/a"
  CHECK(std::string(unnamed.getCompanyId().cStr()).empty());
  CHECK(unnamed.getResponses() == 2);
  CHECK(unnamed.getAnonymousResponses() == 1);
  // 3 answers + 2 answers, one of them unknown: 4 answered.
  CHECK(unnamed.getAnswered() == 4);
  CHECK(unnamed.getSatisfied() == 2);
  CHECK(unnamed.getBasicallySatisfied() == 1);
  CHECK(unnamed.getDissatisfied() == 1);
  CHECK(unnamed.getUnknown() == 1);
  CHECK(q->view.getSurveys()[1].getSatisfied() == 1);

  auto q25 = Query(f.views(), 2025);
  REQUIRE(q25->view.getSurveys().size() == 1);
  CHECK(q25->view.getSurveys()[0].getDissatisfied() == 1);

  f.Void(next_year);
  CHECK(Query(f.views(), 2025)->view.getSurveys().size() == 0);
  CHECK(Query(f.views(), 2024)->view.getSurveys().size() == 2);
}

TEST_CASE("a year's survey figures count each response kept, whatever the estate, company or void",
          "[ratings]") {
  // Responses around the new year in two estates, for no company or one of two; some voided.
  // The expected figures are counted here from what was recorded, not read from the view.
  ViewFixture f;
  using S = Satisfaction;
  struct Recorded {
    std::string estate, company;
    bool anonymous;
    std::vector<S> answers;
    int year;
    uint64_t seq;
  };
  const std::pair<const char*, int> kTimes[] = {{"2024-06-01 10:00", 2024},
                                                {"2024-12-31 23:30", 2024},
                                                {"2025-01-01 00:30", 2025},
                                                {"2025-03-01 08:00", 2025}};
  const char* kEstates[] = {"estate/e-1", "estate/e-2"};
  const char* kCompanies[] = {"", "company/a", "company/b"};
  std::vector<Recorded> kept;
  uint32_t state = 7;
  auto next = [&](uint32_t n) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % n;
  };
  for (int i = 0; i < 60; ++i) {
    Recorded r;
    r.estate = kEstates[next(2)];
    r.company = kCompanies[next(3)];
    r.anonymous = next(3) == 0;
    for (uint32_t a = 0, n = 1 + next(3); a < n; ++a) r.answers.push_back(S(next(4)));
    auto [time, year] = kTimes[next(4)];
    r.year = year;
    r.seq = Survey(f, r.estate, r.company, r.anonymous, r.answers, Cst(time));
    kept.push_back(r);
    // Now and then a response recorded earlier is voided.
    if (next(5) == 0) {
      size_t gone = next(static_cast<uint32_t>(kept.size()));
      f.Void(kept[gone].seq);
      kept.erase(kept.begin() + static_cast<std::ptrdiff_t>(gone));
    }
  }
  REQUIRE(kept.size() < 60);

  for (int year : {2024, 2025}) {
    for (const auto& [estate, company] : std::vector<std::pair<std::string, std::string>>{
             {"", ""}, {"estate/e-2", ""}, {"", "company/a"}, {"estate/e-1", "company/b"}}) {
      projections::Filter filter;
      filter.estate = estate;
      filter.company = company;
      struct Figures {
        uint32_t responses = 0, anonymous = 0, answered = 0, by[4] = {0, 0, 0, 0};
      };
      std::map<std::pair<std::string, std::string>, Figures> expected;
      for (const Recorded& r : kept) {
        if (r.year != year || (!estate.empty() && r.estate != estate) ||
            (!company.empty() && r.company != company)) {
          continue;
        }
        Figures& e = expected[{r.estate, r.company}];
        ++e.responses;
        if (r.anonymous) ++e.anonymous;
        for (S a : r.answers) {
          ++e.by[static_cast<int>(a)];
          if (a != S::UNKNOWN) ++e.answered;
        }
      }
      INFO(year << " estate '" << estate << "' company '" << company << "'");
      auto q = Query(f.views(), year, filter);
      auto surveys = q->view.getSurveys();
      REQUIRE(surveys.size() == expected.size());
      size_t i = 0;
      for (const auto& [key, e] : expected) {
        auto s = surveys[static_cast<unsigned>(i++)];
        CHECK(std::string(s.getEstateId().cStr()) == key.first);
        CHECK(std::string(s.getCompanyId().cStr()) == key.second);
        CHECK(s.getResponses() == e.responses);
        CHECK(s.getAnonymousResponses() == e.anonymous);
        CHECK(s.getAnswered() == e.answered);
        CHECK(s.getUnknown() == e.by[0]);
        CHECK(s.getSatisfied() == e.by[1]);
        CHECK(s.getBasicallySatisfied() == e.by[2]);
        CHECK(s.getDissatisfied() == e.by[3]);
      }
    }
  }
}

TEST_CASE("an anonymous survey answer keeps no household", "[ratings]") {
  ViewFixture f;
  Survey(f, "estate/e-1", "", true, {Satisfaction::SATISFIED}, Cst("2024-06-01 10:00"));
  Survey(f, "estate/e-1", "", false, {Satisfaction::SATISFIED}, Cst("2024-06-01 11:00"));
  std::vector<std::string> households;
  for (const auto& [key, r] : f.views().ratings.surveys().Sorted()) {
    households.push_back(r->household_id);
  }
  CHECK(households == std::vector<std::string>{"", "household/h-1"});
}

TEST_CASE("the latest publication for a year counts and a void restores the one before",
          "[ratings]") {
  ViewFixture f;
  uint64_t first =
      Publish(f, 2024, "company/a", ledger::schema::ListMark::BLACK, Cst("2025-01-20 10:00"));
  uint64_t second =
      Publish(f, 2024, "company/a", ledger::schema::ListMark::NONE, Cst("2025-02-20 10:00"));
  const auto* published = f.views().ratings.Published(2024);
  REQUIRE(published != nullptr);
  CHECK(published->seq == second);
  const auto* row = published->Find(static_cast<int>(SubjectKind::COMPANY), "company/a");
  REQUIRE(row != nullptr);
  CHECK(row->list == static_cast<int>(ledger::schema::ListMark::NONE));
  REQUIRE(row->figures.size() == 1);
  CHECK(row->figures[0].inputs == "50 / 100 × 100");
  CHECK(f.views().ratings.Published(2025) == nullptr);

  auto q = Query(f.views(), 2024);
  REQUIRE(q->view.getPublications().size() == 2);
  CHECK_FALSE(q->view.getPublications()[0].getCurrent());
  CHECK(q->view.getPublications()[1].getCurrent());
  CHECK(std::string(q->view.getPublications()[0].getRows()[0].getList().cStr()) == "black");

  f.Void(second);
  REQUIRE(f.views().ratings.Published(2024) != nullptr);
  CHECK(f.views().ratings.Published(2024)->seq == first);
  f.Void(first);
  CHECK(f.views().ratings.Published(2024) == nullptr);
}

TEST_CASE("ratings rebuilt from the log equal the ratings built live", "[ratings]") {
  ViewFixture f;
  uint64_t seq = Inspect(f, "insp-1", "company/a", 2024, {{20, 50}}, Cst("2024-11-01 10:00"));
  Inspect(f, "insp-1", "company/a", 2024, {{30, 50}}, Cst("2024-11-01 11:00"));
  Survey(f, "estate/e-1", "", true, {Satisfaction::SATISFIED}, Cst("2024-06-01 10:00"));
  Publish(f, 2024, "company/a", ledger::schema::ListMark::RED, Cst("2025-01-20 10:00"));
  f.Void(seq);
  f.views();
  auto live = f.engine().Dump();
  REQUIRE(f.engine().Rebuild().ok());
  CHECK(f.engine().Dump() == live);
}
