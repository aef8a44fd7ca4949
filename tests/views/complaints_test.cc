// The complaints view: counts by status, estate and company, timings from filing to each step,
// a page of items newest first, filters, and a voided step.
//
// The complaints used throughout (China Standard Time), with the hours each step took:
//   c1  estate/e1 water    filed 03-01 08:00  ack +2h   reply +6h  resolved +24h
//   c2  estate/e1 lighting filed 03-03 08:00  ack +4h              resolved +48h
//   c3  estate/e2 water    filed 03-05 08:00  ack +9h              resolved +12h, reopened +24h
// company/a serves estate/e1 since 2025-01-01; estate/e2 has no company.

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "projections/views/complaints.h"
#include "view_fixture.h"

using ledger::schema::ComplaintsView;
using ledger::schema::Payload;
using testing::Cst;
using testing::ViewFixture;

namespace {

struct Scenario {
  uint64_t c2_resolved = 0;
};

void File(ViewFixture& f, const std::string& id, const std::string& estate,
          const std::string& category, const char* at) {
  f.Add("complaint/" + id, Cst(at), [&](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId("complaint/" + id);
    c.setEstateId(estate);
    c.setCategory(category);
    c.setChannel(ledger::schema::Channel::HOTLINE);
    c.setSummary("summary of " + id);
  });
}

enum class Step { kAck, kReply, kResolve, kReopen };

uint64_t Take(ViewFixture& f, const std::string& id, Step step, const char* at) {
  return f.Add("complaint/" + id, Cst(at), [&](Payload::Builder p) {
    std::string complaint = "complaint/" + id;
    switch (step) {
      case Step::kAck:
        p.initComplaintAcknowledged().setComplaintId(complaint);
        break;
      case Step::kReply: {
        auto r = p.initComplaintReplied();
        r.setComplaintId(complaint);
        r.setReply("fixed the pipe");
        break;
      }
      case Step::kResolve:
        p.initComplaintResolved().setComplaintId(complaint);
        break;
      case Step::kReopen:
        p.initComplaintReopened().setComplaintId(complaint);
        break;
    }
  });
}

Scenario Build(ViewFixture& f) {
  f.Add("company/a", Cst("2024-12-01"), [](Payload::Builder p) {
    auto c = p.initCompanyRegistered();
    c.setCompanyId("company/a");
    c.setName("A");
  });
  f.Add("contract/k1", Cst("2024-12-01"), [](Payload::Builder p) {
    auto c = p.initServiceContractStarted();
    c.setContractId("contract/k1");
    c.setEstateId("estate/e1");
    c.setCompanyId("company/a");
    c.setStartDate("2025-01-01");
  });
  Scenario s;
  File(f, "c1", "estate/e1", "water", "2025-03-01 08:00");
  Take(f, "c1", Step::kAck, "2025-03-01 10:00");
  Take(f, "c1", Step::kReply, "2025-03-01 14:00");
  Take(f, "c1", Step::kResolve, "2025-03-02 08:00");
  File(f, "c2", "estate/e1", "lighting", "2025-03-03 08:00");
  Take(f, "c2", Step::kAck, "2025-03-03 12:00");
  s.c2_resolved = Take(f, "c2", Step::kResolve, "2025-03-05 08:00");
  File(f, "c3", "estate/e2", "water", "2025-03-05 08:00");
  Take(f, "c3", Step::kAck, "2025-03-05 17:00");
  Take(f, "c3", Step::kResolve, "2025-03-05 20:00");
  Take(f, "c3", Step::kReopen, "2025-03-06 08:00");
  return s;
}

std::map<std::string, uint32_t> Counts(capnp::List<ledger::schema::Count>::Reader list) {
  std::map<std::string, uint32_t> out;
  for (auto c : list) out[c.getKey().cStr()] = c.getCount();
  return out;
}

std::vector<std::string> Ids(ComplaintsView::Reader view) {
  std::vector<std::string> out;
  for (auto item : view.getItems()) out.push_back(item.getComplaintId().cStr());
  return out;
}

// Runs a query and keeps its message alive with the reader.
struct Answer {
  capnp::MallocMessageBuilder message;
  ComplaintsView::Reader view;
};

std::unique_ptr<Answer> Ask(ViewFixture& f, const projections::Filter& filter) {
  auto answer = std::make_unique<Answer>();
  auto out = answer->message.initRoot<ComplaintsView>();
  f.views().complaints.Query(filter, out);
  answer->view = out.asReader();
  return answer;
}

}  // namespace

TEST_CASE("complaints are counted by status, estate and serving company", "[complaints]") {
  ViewFixture f;
  Build(f);
  auto a = Ask(f, {});
  auto v = a->view;
  CHECK(v.getTotal() == 3);
  CHECK(v.getOpen() == 1);  // c3, reopened
  CHECK(v.getResolved() == 2);
  CHECK(v.getReopened() == 1);
  CHECK(v.getEscalated() == 0);
  CHECK(Counts(v.getByStatus()) ==
        std::map<std::string, uint32_t>{{"reopened", 1}, {"resolved", 2}});
  CHECK(Counts(v.getByCategory()) ==
        std::map<std::string, uint32_t>{{"lighting", 1}, {"water", 2}});
  CHECK(Counts(v.getByEstate()) ==
        std::map<std::string, uint32_t>{{"estate/e1", 2}, {"estate/e2", 1}});
  // The company serving the estate on the day of filing, when the filer named none.
  CHECK(Counts(v.getByCompany()) ==
        std::map<std::string, uint32_t>{{"(none)", 1}, {"company/a", 2}});
  CHECK(Counts(v.getByChannel()) == std::map<std::string, uint32_t>{{"hotline", 3}});
}

TEST_CASE("timings are hours from filing: count, mean and median", "[complaints]") {
  ViewFixture f;
  Build(f);
  auto a = Ask(f, {});
  auto v = a->view;
  // Acknowledged after 2, 4 and 9 hours: mean 5, median 4.
  CHECK(v.getToAcknowledge().getCount() == 3);
  CHECK(v.getToAcknowledge().getAverageHours() == Approx(5.0));
  CHECK(v.getToAcknowledge().getMedianHours() == Approx(4.0));
  // Replied: c1 only, after 6 hours.
  CHECK(v.getToReply().getCount() == 1);
  CHECK(v.getToReply().getAverageHours() == Approx(6.0));
  CHECK(v.getToReply().getMedianHours() == Approx(6.0));
  // Resolved and still resolved: c1 after 24 hours, c2 after 48; c3's resolution was reopened.
  CHECK(v.getToResolve().getCount() == 2);
  CHECK(v.getToResolve().getAverageHours() == Approx(36.0));
  CHECK(v.getToResolve().getMedianHours() == Approx(36.0));
}

TEST_CASE("items come newest first with each step's time", "[complaints]") {
  ViewFixture f;
  Build(f);
  auto a = Ask(f, {});
  auto v = a->view;
  CHECK(Ids(v) == std::vector<std::string>{"complaint/c3", "complaint/c2", "complaint/c1"});
  auto c1 = v.getItems()[2];
  CHECK(std::string(c1.getStatus().cStr()) == "resolved");
  CHECK(std::string(c1.getCompanyId().cStr()) == "company/a");
  CHECK(std::string(c1.getCategory().cStr()) == "water");
  CHECK(c1.getFiledAt() == Cst("2025-03-01 08:00"));
  CHECK(c1.getAcknowledgedAt() == Cst("2025-03-01 10:00"));
  CHECK(c1.getRepliedAt() == Cst("2025-03-01 14:00"));
  CHECK(c1.getResolvedAt() == Cst("2025-03-02 08:00"));
  auto c3 = v.getItems()[0];
  CHECK(std::string(c3.getStatus().cStr()) == "reopened");
  CHECK(c3.getReopenedCount() == 1);
  CHECK(c3.getResolvedAt() == 0);

  projections::Filter page;
  page.offset = 1;
  page.limit = 1;
  auto paged = Ask(f, page);
  CHECK(paged->view.getTotal() == 3);
  CHECK(paged->view.getOffset() == 1);
  CHECK(Ids(paged->view) == std::vector<std::string>{"complaint/c2"});
}

TEST_CASE("filters narrow the counts and the items alike", "[complaints]") {
  ViewFixture f;
  Build(f);
  projections::Filter estate;
  estate.estate = "estate/e1";
  auto by_estate = Ask(f, estate);
  CHECK(by_estate->view.getTotal() == 2);
  CHECK(Ids(by_estate->view) == std::vector<std::string>{"complaint/c2", "complaint/c1"});
  CHECK(by_estate->view.getToAcknowledge().getCount() == 2);
  CHECK(by_estate->view.getToAcknowledge().getAverageHours() == Approx(3.0));

  projections::Filter status;
  status.status = "reopened";
  auto by_status = Ask(f, status);
  CHECK(Ids(by_status->view) == std::vector<std::string>{"complaint/c3"});

  // The period is the day of filing: from 03-03 00:00 takes c2 and c3.
  projections::Filter period;
  period.from_ms = Cst("2025-03-03 00:00");
  auto by_period = Ask(f, period);
  CHECK(by_period->view.getTotal() == 2);
  period.to_ms = Cst("2025-03-05 00:00");
  CHECK(Ask(f, period)->view.getTotal() == 1);

  projections::Filter company;
  company.company = "company/a";
  CHECK(Ask(f, company)->view.getTotal() == 2);
}

TEST_CASE("a voided resolution leaves the complaint open", "[complaints]") {
  ViewFixture f;
  Scenario s = Build(f);
  f.Void(s.c2_resolved);
  auto a = Ask(f, {});
  auto v = a->view;
  CHECK(v.getOpen() == 2);
  CHECK(v.getResolved() == 1);
  CHECK(std::string(v.getItems()[1].getStatus().cStr()) == "acknowledged");
  CHECK(v.getItems()[1].getResolvedAt() == 0);
  CHECK(v.getToResolve().getCount() == 1);
  CHECK(v.getToResolve().getAverageHours() == Approx(24.0));
}

TEST_CASE("a district's page holds the page's complaints, not the district's", "[complaints]") {
  ViewFixture f;
  f.OpenEngineWithNoCache();
  // Forty complaints an hour apart from 2025-03-01 00:00, in two estates: c00 the oldest, c39
  // the newest. The odd ones are in estate/e2.
  for (int i = 0; i < 40; ++i) {
    char id[8], at[32];
    std::snprintf(id, sizeof id, "c%02d", i);
    std::snprintf(at, sizeof at, "2025-03-%02d %02d:00", 1 + i / 24, i % 24);
    File(f, id, i % 2 ? "estate/e2" : "estate/e1", "water", at);
  }
  f.views();  // caught up: nothing is held
  const auto& table = f.held_views().complaints.complaints();
  REQUIRE(table.cached_bytes() == 0);

  // The district (no estate), third page of three: newest first, c39 c38 c37 | c36 c35 c34 | ...
  projections::Filter district;
  district.offset = 6;
  district.limit = 3;
  capnp::MallocMessageBuilder message;
  auto out = message.initRoot<ComplaintsView>();
  f.held_views().complaints.Query(district, out);
  auto view = out.asReader();
  CHECK(view.getTotal() == 40);
  CHECK(view.getOffset() == 6);
  CHECK(Ids(view) == std::vector<std::string>{"complaint/c33", "complaint/c32", "complaint/c31"});
  CHECK(Counts(view.getByEstate()) ==
        std::map<std::string, uint32_t>{{"estate/e1", 20}, {"estate/e2", 20}});

  // Only the page's three complaints were kept: the other 37 were read and let go.
  const size_t held = table.cached_bytes();
  CHECK(held > 0);
  table.ForEach([](const std::string&, const projections::ComplaintRecord&) {});
  const size_t all = table.cached_bytes();
  CHECK(held * 10 < all * 2);  // 3 of 40 records' bytes, well under a fifth

  // A page past the end is empty, and says where the list ends.
  district.offset = 45;
  capnp::MallocMessageBuilder past_end;
  auto past = past_end.initRoot<ComplaintsView>();
  f.held_views().complaints.Query(district, past);
  CHECK(past.asReader().getItems().size() == 0);
  CHECK(past.asReader().getOffset() == 40);
  CHECK(past.asReader().getTotal() == 40);
}
