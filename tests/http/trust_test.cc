// The attacks a token holder tried against the ledger, each as a test over real HTTP: what the
// rule book refuses (and that a refusal writes nothing), what it now allows, and what each role
// reads.

#include <atomic>
#include <thread>

#include "server_fixture.h"

using ledger::schema::Role;
using testing::HttpClient;
using testing::HttpReply;
using testing::ServerFixture;

namespace {

std::string Event(const std::string& id, const std::string& type, const std::string& data,
                  const std::string& occurred = "") {
  return "{\"eventId\":\"" + id + "\",\"type\":\"" + type + "\"" +
         (occurred.empty() ? "" : ",\"occurredAt\":\"" + occurred + "\"") + ",\"data\":" + data +
         "}";
}

// Two estates: e01 served by company/a since 2020; e02 served by company/old until 2024-06-30
// and by company/b since 2024-07-01. Households h01 (e01, resident p01) and h02 (e02, p02).
class Neighbourhood {
 public:
  explicit Neighbourhood(http::ApiOptions api_options = {})
      : f(http::ServerOptions{}, std::move(api_options)), c(f.Client()) {
    f.now = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    admin = f.admin;
    Must(admin, "estate/e01", "estateRegistered", R"({"estateId":"estate/e01","name":"一区"})");
    Must(admin, "estate/e02", "estateRegistered", R"({"estateId":"estate/e02","name":"二区"})");
    for (const char* company : {"company/a", "company/b", "company/old"}) {
      Must(admin, company, "companyRegistered",
           std::string(R"({"companyId":")") + company + R"(","name":"物业"})");
    }
    Must(
        admin, "contract/k1", "serviceContractStarted",
        R"({"contractId":"contract/k1","estateId":"estate/e01","companyId":"company/a","startDate":"2020-01-01"})");
    Must(
        admin, "contract/k2", "serviceContractStarted",
        R"({"contractId":"contract/k2","estateId":"estate/e02","companyId":"company/old","startDate":"2020-01-01"})");
    Must(
        admin, "contract/k2", "serviceContractEnded",
        R"({"contractId":"contract/k2","estateId":"estate/e02","companyId":"company/old","endDate":"2024-06-30"})");
    Must(
        admin, "contract/k3", "serviceContractStarted",
        R"({"contractId":"contract/k3","estateId":"estate/e02","companyId":"company/b","startDate":"2024-07-01"})");
    for (std::string x : {"01", "02"}) {
      Must(admin, "household/h" + x, "householdRegistered",
           R"({"householdId":"household/h)" + x + R"(","estateId":"estate/e)" + x +
               R"(","headName":"张三","phone":"13800000000"})");
      Must(admin, "person/p" + x, "personRegistered",
           R"({"personId":"person/p)" + x + R"(","name":"居民)" + x +
               R"(","phone":"13900000000","householdId":"household/h)" + x + R"("})");
    }
    resident1 = f.Token(Role::RESIDENT, "person/p01", {"estate/e01"});
    resident2 = f.Token(Role::RESIDENT, "person/p02", {"estate/e02"});
    staff_a = f.Token(Role::COMPANY_STAFF, "person/staff-a", {}, "company/a");
    staff_old = f.Token(Role::COMPANY_STAFF, "person/staff-old", {}, "company/old");
    worker1 = f.Token(Role::COMMUNITY_WORKER, "person/worker-1", {"estate/e01"});
    auditor1 = f.Token(Role::STREET_AUDITOR, "person/auditor-1", {"estate/e01"});
    committee1 = f.Token(Role::OWNERS_COMMITTEE, "person/committee-1", {"estate/e01"});
    c01 = Must(resident1, "complaint/c01", "complaintFiled", Complaint("complaint/c01", "01"));
    c02 = Must(resident2, "complaint/c02", "complaintFiled", Complaint("complaint/c02", "02"));
  }

  static std::string Complaint(const std::string& id, const std::string& x,
                               const std::string& extra = "") {
    return R"({"complaintId":")" + id + R"(","estateId":"estate/e)" + x +
           R"(","householdId":"household/h)" + x + R"(","category":"water","summary":"漏水")" +
           extra + "}";
  }

  HttpReply Post(const std::string& token, const std::string& stream, const std::string& type,
                 const std::string& data, const std::string& id = "",
                 const std::string& occurred = "") {
    return c.Send("POST", "/v1/streams/" + stream + "/events", token,
                  Event(id.empty() ? "ev-" + std::to_string(++n) : id, type, data, occurred));
  }

  uint64_t Must(const std::string& token, const std::string& stream, const std::string& type,
                const std::string& data) {
    auto reply = Post(token, stream, type, data);
    INFO(type << ": " << reply.body);
    REQUIRE(reply.status == 201);
    return reply.json().at("seqs").as_array()[0].as_int64();
  }

  // Refused with `status`, naming `rule`, and nothing written.
  void Refused(const HttpReply& reply, int status, const std::string& rule, uint64_t head_before) {
    INFO(reply.body);
    CHECK(reply.status == status);
    if (!rule.empty()) CHECK(reply.json().at("rule").as_string() == rule);
    CHECK(Head() == head_before);
  }

  uint64_t Head() { return c.Send("GET", "/v1/head", admin).json().at("seq").as_int64(); }

  std::string Correction(uint64_t seq, const std::string& action) {
    return R"({"correctsSeq":")" + std::to_string(seq) + R"(","reason":"改正","action":)" + action +
           "}";
  }

  ServerFixture f;
  HttpClient c;
  std::string admin, resident1, resident2, staff_a, staff_old, worker1, auditor1, committee1;
  uint64_t c01 = 0, c02 = 0;
  int n = 0;
};

}  // namespace

TEST_CASE("corrections are judged as what they do", "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  std::string stream = "correction/" + std::to_string(d.c01);

  // A resident replaces their complaint by a service contract, or by a black-listing.
  d.Refused(
      d.Post(
          d.resident1, stream, "correctionRecorded",
          d.Correction(
              d.c01,
              R"({"replacement":{"type":"serviceContractStarted","data":{"contractId":"contract/x","estateId":"estate/e02","companyId":"company/a","startDate":"2025-01-01"}}})")),
      400, "correction.type", head);
  d.Refused(
      d.Post(
          d.resident1, stream, "correctionRecorded",
          d.Correction(
              d.c01,
              R"({"replacement":{"type":"starRatingPublished","data":{"year":2025,"ratings":[{"subject":{"kind":"company","id":"company/b"},"list":"black"}],"computedAtSeq":"1"}}})")),
      400, "correction.type", head);

  // Company staff replace their acknowledgement by a perfect inspection of their own company.
  uint64_t ack = d.Must(d.staff_a, "complaint/c01", "complaintAcknowledged",
                        R"({"complaintId":"complaint/c01"})");
  head = d.Head();
  d.Refused(
      d.Post(
          d.staff_a, "correction/" + std::to_string(ack), "correctionRecorded",
          d.Correction(
              ack,
              R"({"replacement":{"type":"inspectionRecorded","data":{"sheetId":"sheet/x","subject":{"kind":"company","id":"company/a"},"year":2025,"items":[{"item":"all","score":100,"maxScore":100}]}}})")),
      400, "correction.type", head);

  // A resident voids another resident's complaint; a replacement may not move an entity.
  d.Refused(d.Post(d.resident1, "correction/" + std::to_string(d.c02), "correctionRecorded",
                   d.Correction(d.c02, R"({"void":null})")),
            403, "", head);
  d.Refused(d.Post(d.resident1, stream, "correctionRecorded",
                   d.Correction(d.c01, R"({"replacement":{"type":"complaintFiled","data":)" +
                                           Neighbourhood::Complaint("complaint/c99", "01") + "}}")),
            403, "correction.entity", head);

  // What is allowed: the resident corrects their own complaint's wording, the worker voids it.
  d.Must(d.resident1, stream, "correctionRecorded",
         d.Correction(d.c01, R"({"replacement":{"type":"complaintFiled","data":)" +
                                 Neighbourhood::Complaint("complaint/c01", "01") + "}}"));
  d.Must(d.worker1, stream, "correctionRecorded", d.Correction(d.c01, R"({"void":null})"));
  // A correction belongs to its own stream.
  d.Refused(d.Post(d.admin, "complaint/c01", "correctionRecorded",
                   d.Correction(d.c01, R"({"void":null})")),
            400, "stream.entity", d.Head());
}

TEST_CASE("scope follows the recording clock, not occurredAt", "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  // company/old's contract for e02 ended 2024-06-30; it is 2026 on the server's clock.
  auto now = d.Post(d.staff_old, "complaint/c02", "complaintAcknowledged",
                    R"({"complaintId":"complaint/c02"})");
  d.Refused(now, 403, "scope.company-serves", head);
  CHECK(now.body.find("its contract ended 2024-06-30") != std::string::npos);
  auto backdated = d.Post(d.staff_old, "complaint/c02", "complaintAcknowledged",
                          R"({"complaintId":"complaint/c02"})", "", "2024-01-01T00:00:00Z");
  d.Refused(backdated, 403, "scope.company-serves", head);
  // company/a never served e02.
  // (whose staff are not told that c02 exists: see "a refusal tells a token nothing ...").
  d.Refused(
      d.Post(d.staff_a, "complaint/c02", "complaintResolved", R"({"complaintId":"complaint/c02"})"),
      403, "entity.unknown", head);
  // A company-staff token bound to e01 does not act in e02 even for a company serving both.
  std::string bound_b =
      d.f.Token(Role::COMPANY_STAFF, "person/staff-b", {"estate/e01"}, "company/b");
  d.Refused(d.Post(bound_b, "complaint/c02", "complaintAcknowledged",
                   R"({"complaintId":"complaint/c02"})"),
            403, "entity.unknown", head);
  // company/b, which serves e02 now, may.
  std::string staff_b = d.f.Token(Role::COMPANY_STAFF, "person/staff-b2", {}, "company/b");
  d.Must(staff_b, "complaint/c02", "complaintAcknowledged", R"({"complaintId":"complaint/c02"})");
}

TEST_CASE("ids and streams cannot be taken over", "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  // A resident of e02 files a complaint under the id of an e01 complaint.
  d.Refused(d.Post(d.resident2, "complaint/c01", "complaintFiled",
                   Neighbourhood::Complaint("complaint/c01", "02")),
            409, "entity.taken", head);
  // An e01 community worker registers an e02 household into e01.
  d.Refused(d.Post(d.worker1, "household/h02", "householdRegistered",
                   R"({"householdId":"household/h02","estateId":"estate/e01"})"),
            403, "entity.estate", head);
  // An e01 community worker registers e02's resident into an e01 household, which would let
  // them act on p02 (their time-bank account among it) from then on.
  d.Refused(d.Post(d.worker1, "person/p02", "personRegistered",
                   R"({"personId":"person/p02","name":"x","householdId":"household/h01"})"),
            403, "entity.estate", head);
  // An admin cannot move them either: the person's estate never changes.
  d.Refused(d.Post(d.admin, "person/p02", "personRegistered",
                   R"({"personId":"person/p02","name":"x","householdId":"household/h01"})"),
            403, "entity.estate", head);
  auto exchange = d.Post(
      d.worker1, "exchange/x1", "timeBankExchanged",
      R"({"exchangeId":"exchange/x1","payerId":"person/p02","providerId":"person/p01","pointsCenti":1000})");
  d.Refused(exchange, 403, "entity.unknown", head);
  // Registered again in their own estate (a new phone): still allowed.
  d.Must(
      d.admin, "person/p02", "personRegistered",
      R"({"personId":"person/p02","name":"居民02","phone":"13900000001","householdId":"household/h02"})");
  head = d.Head();
  // A resident appends a complaint to another entity's stream: refused, and that stream's
  // version is untouched, so others' expectedVersion still holds.
  auto elsewhere = d.Post(d.resident1, "complaint/c02", "complaintFiled",
                          Neighbourhood::Complaint("complaint/c77", "01"));
  d.Refused(elsewhere, 400, "stream.entity", head);
  CHECK(elsewhere.body.find("complaint/c77") != std::string::npos);
  d.Must(d.staff_a, "complaint/c01", "complaintAcknowledged", R"({"complaintId":"complaint/c01"})");
  auto stream = d.c.Send("GET", "/v1/streams/complaint/c02/events", d.admin).json();
  CHECK(stream.at("events").as_array().size() == 1);

  // Two residents claim one new id at the same moment: exactly one wins.
  std::atomic<int> created{0}, taken{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 2; ++i) {
    racers.emplace_back([&, i] {
      HttpClient c = d.f.Client();
      std::string token = i ? d.resident2 : d.resident1;
      std::string x = i ? "02" : "01";
      auto reply = c.Send(
          "POST", "/v1/streams/complaint/race/events", token,
          Event("race-" + x, "complaintFiled", Neighbourhood::Complaint("complaint/race", x)));
      if (reply.status == 201) ++created;
      if (reply.status == 409) ++taken;
    });
  }
  for (auto& t : racers) t.join();
  CHECK(created == 1);
  CHECK(taken == 1);
}

TEST_CASE("a refusal tells a token nothing of an entity outside its estates", "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  std::string bound_b =
      d.f.Token(Role::COMPANY_STAFF, "person/staff-b", {"estate/e01"}, "company/b");
  // Each attempt names an entity of estate e02 and then one that does not exist: the two
  // answers are the same but for the id, so the caller cannot tell which exists, nor where.
  auto same = [&](const std::string& token, const std::string& type, const std::string& stream,
                  const std::string& seen, const std::string& unseen, const std::string& data) {
    auto subst = [](std::string text, const std::string& from, const std::string& to) {
      for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
        at += to.size();
      }
      return text;
    };
    auto existing =
        d.Post(token, subst(stream, "ID", seen), type, subst(data, "ID", seen), "ev-same");
    auto missing =
        d.Post(token, subst(stream, "ID", unseen), type, subst(data, "ID", unseen), "ev-same");
    INFO(type << ": " << existing.body << " / " << missing.body);
    d.Refused(existing, 403, "entity.unknown", head);
    d.Refused(missing, 403, "entity.unknown", head);
    CHECK(subst(existing.body, seen, unseen) == missing.body);
    CHECK(existing.body.find("estate/e02") == std::string::npos);
  };
  // A resident of e01 follows up on e02's complaint; a worker of e01 visits an e02 household,
  // or pays from an e02 resident's time-bank account; company staff bound to e01 (of a company
  // serving e02) and staff of a company that never served e02 acknowledge e02's complaint.
  same(d.resident1, "followUpRecorded", "ID", "complaint/c02", "complaint/c99",
       R"({"subject":{"complaintId":"ID"},"satisfaction":"dissatisfied"})");
  same(d.worker1, "homeVisitRecorded", "visit/v9", "household/h02", "household/h99",
       R"({"visitId":"visit/v9","householdId":"ID","note":"x"})");
  same(
      d.worker1, "timeBankExchanged", "exchange/x9", "person/p02", "person/p99",
      R"({"exchangeId":"exchange/x9","payerId":"ID","providerId":"person/p01","pointsCenti":500})");
  same(bound_b, "complaintAcknowledged", "ID", "complaint/c02", "complaint/c99",
       R"({"complaintId":"ID"})");
  same(d.staff_a, "complaintAcknowledged", "ID", "complaint/c02", "complaint/c99",
       R"({"complaintId":"ID"})");
  // Hours claimed in e01 for someone else: of e02, or of no estate.
  same(
      d.worker1, "volunteerHoursClaimed", "claim/x9", "person/p02", "person/p99",
      R"({"claimId":"claim/x9","personId":"ID","estateId":"estate/e01","minutes":60,"activity":"x"})");

  // An id that is taken is taken, but not when, nor where.
  auto taken = d.Post(d.resident2, "complaint/c01", "complaintFiled",
                      Neighbourhood::Complaint("complaint/c01", "02"));
  d.Refused(taken, 409, "entity.taken", head);
  CHECK(taken.body.find("seq") == std::string::npos);
  CHECK(taken.body.find("estate/e01") == std::string::npos);
  // Registering another estate's household into one's own says it exists, not where.
  auto moved = d.Post(d.worker1, "household/h02", "householdRegistered",
                      R"({"householdId":"household/h02","estateId":"estate/e01"})");
  d.Refused(moved, 403, "entity.estate", head);
  CHECK(moved.body.find("estate/e02") == std::string::npos);
  // A correction of another estate's event does not say what the event is, nor where.
  auto corrected = d.Post(d.worker1, "correction/" + std::to_string(d.c02), "correctionRecorded",
                          d.Correction(d.c02, R"({"void":null})"));
  d.Refused(corrected, 403, "scope.estate", head);
  CHECK(corrected.body.find("estate/e02") == std::string::npos);
  CHECK(corrected.body.find("complaint") == std::string::npos);
  // Nor whether it is a correction, and of what.
  uint64_t voided = d.Must(d.admin, "correction/" + std::to_string(d.c02), "correctionRecorded",
                           d.Correction(d.c02, R"({"void":null})"));
  auto of_correction = d.Post(d.worker1, "correction/" + std::to_string(voided),
                              "correctionRecorded", d.Correction(voided, R"({"void":null})"));
  head = d.Head();
  d.Refused(of_correction, 403, "scope.estate", head);
  std::string expected = corrected.body;
  std::string from = "event " + std::to_string(d.c02) + " ";
  expected.replace(expected.find(from), from.size(), "event " + std::to_string(voided) + " ");
  CHECK(of_correction.body == expected);

  // Within its estates the answers say what they said: the admin, bound to none, is told where.
  auto own = d.Post(d.resident1, "complaint/c01", "complaintFiled",
                    Neighbourhood::Complaint("complaint/c01", "01"));
  d.Refused(own, 409, "entity.taken", head);
  CHECK(own.body.find("created at seq " + std::to_string(d.c01)) != std::string::npos);
  auto admin = d.Post(d.admin, "complaint/c99", "complaintAcknowledged",
                      R"({"complaintId":"complaint/c99"})");
  d.Refused(admin, 403, "entity.unknown", head);
  CHECK(admin.body.find("is not in the ledger;") != std::string::npos);
}

TEST_CASE("identities in payloads are the caller's", "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  d.Refused(
      d.Post(
          d.resident1, "claim/x1", "volunteerHoursClaimed",
          R"({"claimId":"claim/x1","personId":"person/p02","estateId":"estate/e01","minutes":600,"activity":"x"})"),
      403, "identity.person", head);
  d.Refused(
      d.Post(
          d.resident1, "survey/s1", "surveyResponseRecorded",
          R"({"surveyId":"survey/s1","estateId":"estate/e01","householdId":"household/h02","answers":[{"question":"q","satisfaction":"dissatisfied"}]})"),
      403, "identity.household", head);
  d.Refused(d.Post(d.resident1, "complaint/c02", "followUpRecorded",
                   R"({"subject":{"complaintId":"complaint/c02"},"satisfaction":"dissatisfied"})"),
            403, "", head);
  // A complaint charged to a company that does not serve the estate.
  d.Refused(d.Post(d.resident1, "complaint/c10", "complaintFiled",
                   Neighbourhood::Complaint("complaint/c10", "01", R"(,"companyId":"company/b")")),
            403, "identity.company", head);
  d.Refused(
      d.Post(
          d.resident1, "exchange/x1", "timeBankExchanged",
          R"({"exchangeId":"exchange/x1","payerId":"person/p02","providerId":"person/p01","pointsCenti":"500"})"),
      403, "", head);  // the payer's estate, e02, is not the resident's
}

TEST_CASE("a NUL or control character cannot split an id from the scope it is checked in",
          "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  // The rule book reads ids as C strings: "estate/e01\u0000zz" would pass as estate/e01 and be
  // stored as an estate no token reads.
  for (const char* estate : {R"(estate/e01\u0000zz)", R"(estate/e01\u0000)", R"(estate/e01\n)",
                             R"(estate/e01\u001f)", R"(estate/e01\u007f)"}) {
    auto reply =
        d.Post(d.resident1, "complaint/c50", "complaintFiled",
               R"({"complaintId":"complaint/c50","estateId":")" + std::string(estate) +
                   R"(","householdId":"household/h01","category":"water","summary":"漏水"})");
    d.Refused(reply, 400, "", head);
    CHECK(reply.body.find("complaintFiled.estateId holds the control character") !=
          std::string::npos);
  }
  // The same through a correction's replacement, an id in a list, and the id itself.
  d.Refused(d.Post(d.resident1, "correction/" + std::to_string(d.c01), "correctionRecorded",
                   d.Correction(d.c01, R"({"replacement":{"type":"complaintFiled","data":)" +
                                           Neighbourhood::Complaint("complaint/c01\\u0000x", "01") +
                                           "}}")),
            400, "", head);
  d.Refused(
      d.Post(
          d.worker1, "visit/v1", "homeVisitRecorded",
          R"({"visitId":"visit/v1","householdId":"household/h01","visitorIds":["person/worker-1\u0000"]})"),
      400, "", head);
  auto cut_stream = d.Post(d.resident1, "complaint/c52%00", "complaintFiled",
                           Neighbourhood::Complaint("complaint/c52", "01"));
  d.Refused(cut_stream, 400, "", head);
  CHECK(cut_stream.body.find("control character") != std::string::npos);
  // A summary keeps its lines; nothing else was written, and the estate reads as before.
  d.Must(
      d.resident1, "complaint/c51", "complaintFiled",
      R"({"complaintId":"complaint/c51","estateId":"estate/e01","category":"water","summary":"三楼\n\t四楼"})");
  auto listed = d.c.Send("GET", "/v1/views/complaints?estate=estate/e01", d.admin);
  REQUIRE(listed.status == 200);
  CHECK(listed.body.find("c50") == std::string::npos);
}

TEST_CASE("no two ids look alike: spaces, invisible and full-width characters are refused",
          "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  // Each would be an entity of its own that a reader cannot tell from complaint/c9 (or c1).
  for (const std::string& id :
       {std::string("complaint/c9\u200B"), std::string("complaint/c\u202E9"),
        std::string("complaint/c\uFF19"), std::string("complaint/c9 "),
        std::string("complaint/c  9"), std::string("complaint/c\u00A09"),
        std::string("complaint/c9\uFEFF"), std::string("complaint/c\u20119"),
        std::string("complaint/c9\u2800"), std::string("complaint/ce\u0301"),
        std::string("complaint/c\U0001D7D7")}) {
    std::string path;  // the id, percent-encoded
    for (unsigned char ch : id) {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", ch);
      path += hex;
    }
    auto reply = d.c.Send("POST", "/v1/streams/" + path + "/events", d.resident1,
                          Event("c-" + std::to_string(++d.n), "complaintFiled",
                                R"({"complaintId":")" + id +
                                    R"(","estateId":"estate/e01","householdId":"household/h01",)"
                                    R"("category":"water","summary":"x"})"));
    INFO(id << ": " << reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.body.find("no two ids look alike") != std::string::npos);
    CHECK(d.Head() == head);
  }
  // The stream path too (a zero-width space, percent-encoded).
  auto stream =
      d.c.Send("POST", "/v1/streams/complaint%2Fc9%E2%80%8B/events", d.resident1,
               Event("c-s", "complaintFiled", Neighbourhood::Complaint("complaint/c9", "01")));
  INFO(stream.body);
  CHECK(stream.status == 400);
  CHECK(d.Head() == head);
  // Chinese in an id is fine, and so is a single space between words.
  d.Must(d.resident1, "complaint%2Fc%209", "complaintFiled",
         Neighbourhood::Complaint("complaint/c 9", "01"));
  d.Must(d.resident1, "complaint%2F%E6%8A%95%E8%AF%899", "complaintFiled",
         Neighbourhood::Complaint("complaint/投诉9", "01"));
}

TEST_CASE("an estate's owners' committee is not a community worker's to add or to redate",
          "[http][rules]") {
  Neighbourhood d;  // recording in 2026
  uint64_t office_term =
      d.Must(d.admin, "committee/e01", "ownersCommitteeFormed",
             R"({"committeeId":"committee/e01","estateId":"estate/e01","termStart":"2022-06-01",)"
             R"("termEnd":"2027-05-31"})");
  uint64_t head = d.Head();
  // An estate-bound auditor replaced the office's 2022 term by one from 2026, or voided it: the
  // committee left two published black lists.
  d.Refused(
      d.Post(d.auditor1, "correction/" + std::to_string(office_term), "correctionRecorded",
             d.Correction(office_term, R"({"replacement":{"type":"ownersCommitteeFormed","data":)"
                                       R"({"committeeId":"committee/e01","estateId":"estate/e01",)"
                                       R"("termStart":"2026-06-01","termEnd":"2027-05-31"}}})")),
      403, "scope.term-year", head);
  d.Refused(d.Post(d.auditor1, "correction/" + std::to_string(office_term), "correctionRecorded",
                   d.Correction(office_term, R"({"void":null})")),
            403, "scope.term-year", head);
  // A term that ends before it starts.
  d.Refused(d.Post(d.worker1, "committee/e01", "ownersCommitteeFormed",
                   R"({"committeeId":"committee/e01","estateId":"estate/e01",)"
                   R"("termStart":"2026-01-01","termEnd":"2020-01-02"})"),
            400, "scope.term-year", head);
  // Undated, a committee is rated in every year; one dated 2020 reaches back past last year.
  d.Refused(d.Post(d.worker1, "committee/e01", "ownersCommitteeFormed",
                   R"({"committeeId":"committee/e01","estateId":"estate/e01"})"),
            400, "scope.term-year", head);
  d.Refused(d.Post(d.worker1, "committee/e01", "ownersCommitteeFormed",
                   R"({"committeeId":"committee/e01","estateId":"estate/e01",)"
                   R"("termStart":"2020-01-01"})"),
            403, "scope.term-year", head);
  // A second committee of the estate would be rated on the same surveys.
  d.Refused(d.Post(d.worker1, "committee/mx", "ownersCommitteeFormed",
                   R"({"committeeId":"committee/mx","estateId":"estate/e01",)"
                   R"("termStart":"2026-01-01"})"),
            409, "committee.estate", head);
  // A new term of the estate's committee is the worker's to record (the views keep both terms).
  d.Must(d.worker1, "committee/e01", "ownersCommitteeFormed",
         R"({"committeeId":"committee/e01","estateId":"estate/e01","termStart":"2026-01-01",)"
         R"("termEnd":"2030-12-31"})");
  // A district-wide auditor forms another (a committee re-elected under a new id).
  std::string auditor = d.f.Token(Role::STREET_AUDITOR, "person/auditor-d");
  d.Must(auditor, "committee/e01-b", "ownersCommitteeFormed",
         R"({"committeeId":"committee/e01-b","estateId":"estate/e01","termStart":"2026-01-01"})");
}

TEST_CASE("a policy's numbers are within what they measure, and it starts when adopted",
          "[http][rules]") {
  Neighbourhood d;  // recording on 2026-01-01
  std::string auditor = d.f.Token(Role::STREET_AUDITOR, "person/auditor-d");
  uint64_t head = d.Head();
  auto rating = [](const std::string& black, const std::string& from) {
    return R"({"policyId":"star-rating","version":2,"effectiveFrom":")" + from +
           R"(","rules":{"rating":{"weights":{"inspection":0.25,"documentReview":0.15,)"
           R"("complaintRate":0.15,"repairCompliance":0.2,"followUpSatisfaction":0.15,)"
           R"("surveySatisfaction":0.1},"starThresholds":[60,70,80,88,94],"redListMinScore":88,)"
           R"("blackListMaxScore":)" +
           black + R"(,"complaintRateCeiling":30}}})";
  };
  // A black-list bound of NaN emptied a published year's black list.
  d.Refused(d.Post(auditor, "policy/star-rating", "policyAdopted", rating("\"NaN\"", "2026-01-01")),
            400, "policy.values", head);
  d.Refused(d.Post(auditor, "policy/star-rating", "policyAdopted", rating("95", "2026-01-01")), 400,
            "policy.values", head);  // above the red list's 88
  // Four billion centipoints an hour gave one resident four billion points.
  d.Refused(d.Post(auditor, "policy/time-bank", "policyAdopted",
                   R"({"policyId":"time-bank","effectiveFrom":"2026-01-01","rules":{"timeBank":)"
                   R"({"pointsPerHourCenti":4294967295}}})"),
            400, "policy.values", head);
  // From 2025, it would rewrite a year already judged; from today it is the auditor's to adopt.
  d.Refused(d.Post(auditor, "policy/star-rating", "policyAdopted", rating("60", "2025-01-01")), 403,
            "policy.effective", head);
  d.Must(auditor, "policy/star-rating", "policyAdopted", rating("60", "2026-01-01"));
  // An admin corrects the district's past.
  d.Must(d.admin, "policy/star-rating", "policyAdopted", rating("60", "2025-01-01"));
}

TEST_CASE("an estate's household count is corrected by an admin, and registered again by others",
          "[http][rules]") {
  Neighbourhood d;
  std::string auditor = d.f.Token(Role::STREET_AUDITOR, "person/auditor-d");
  uint64_t registered = d.Must(d.admin, "estate/e03", "estateRegistered",
                               R"({"estateId":"estate/e03","name":"三区","householdCount":100})");
  uint64_t head = d.Head();
  // A replacement keeps its registration's time: 6,000 would count in every year since.
  auto replace = [&](const std::string& token, int households) {
    return d.Post(
        token, "correction/" + std::to_string(registered), "correctionRecorded",
        d.Correction(registered, R"({"replacement":{"type":"estateRegistered","data":)"
                                 R"({"estateId":"estate/e03","name":"三区","householdCount":)" +
                                     std::to_string(households) + "}}}"));
  };
  d.Refused(replace(auditor, 6000), 403, "correction.estate", head);
  d.Refused(d.Post(auditor, "correction/" + std::to_string(registered), "correctionRecorded",
                   d.Correction(registered, R"({"void":null})")),
            403, "correction.estate", head);
  // Registering it again declares the count from today; a correction keeping the count, and an
  // admin's, are allowed.
  d.Must(auditor, "estate/e03", "estateRegistered",
         R"({"estateId":"estate/e03","name":"三区","householdCount":6000})");
  CHECK(replace(auditor, 100).status == 201);
  CHECK(replace(d.admin, 120).status == 201);
}

TEST_CASE("the star evaluation is asked of a year from 1900 to 2199, judged within it",
          "[http][rules]") {
  Neighbourhood d;
  auto before =
      d.c.Send("GET", "/v1/reports/star-evaluation?year=2026&at=1900-01-02T00:00:00Z", d.admin);
  INFO(before.body);
  CHECK(before.status == 400);
  CHECK(before.body.find("outside it") != std::string::npos);
  CHECK(d.c.Send("GET", "/v1/reports/star-evaluation?year=2026&at=2027-06-01T00:00:00Z", d.admin)
            .status == 400);
  CHECK(d.c.Send("GET", "/v1/reports/star-evaluation?year=2200", d.admin).status == 400);
  CHECK(d.c.Send("GET", "/v1/reports/star-evaluation?year=2026&at=2026-01-01T00:00:00%2B08:00",
                 d.admin)
            .status == 200);
}

TEST_CASE("legitimate work is allowed within scope", "[http][rules]") {
  Neighbourhood d;
  // A resident pays for a service from their own account.
  d.Must(
      d.resident1, "exchange/x1", "timeBankExchanged",
      R"({"exchangeId":"exchange/x1","payerId":"person/p01","providerId":"person/p02","pointsCenti":"100"})");
  // An estate-bound community worker verifies hours claimed in its estate.
  d.Must(d.resident1, "claim/k1", "volunteerHoursClaimed",
         R"({"claimId":"claim/k1","personId":"person/p01","minutes":60,"activity":"巡楼"})");
  d.Must(d.worker1, "claim/k1", "volunteerHoursVerified", R"({"claimId":"claim/k1"})");
  // Owners' committees and company staff report progress on resolutions of their estate.
  d.Must(d.worker1, "meeting/m1", "jointMeetingHeld",
         R"({"meetingId":"meeting/m1","estateId":"estate/e01","heldOn":"2025-12-20"})");
  d.Must(
      d.worker1, "meeting/m1", "resolutionAdopted",
      R"({"resolutionId":"resolution/r1","meetingId":"meeting/m1","text":"修路灯","ownerSide":"propertyCompany","ownerId":"company/a"})");
  d.Must(d.committee1, "resolution/r1", "resolutionProgressed",
         R"({"resolutionId":"resolution/r1","percent":30})");
  d.Must(d.staff_a, "resolution/r1", "resolutionProgressed",
         R"({"resolutionId":"resolution/r1","percent":60})");
  // A resolution owned by a person of the company (its manager): that person's token reports,
  // another staff member's does not.
  d.Must(
      d.worker1, "meeting/m1", "resolutionAdopted",
      R"({"resolutionId":"resolution/r2","meetingId":"meeting/m1","text":"修门禁","ownerSide":"propertyCompany","ownerId":"person/staff-a"})");
  d.Must(d.staff_a, "resolution/r2", "resolutionProgressed",
         R"({"resolutionId":"resolution/r2","percent":50})");
  std::string other_staff = d.f.Token(Role::COMPANY_STAFF, "person/staff-a2", {}, "company/a");
  d.Refused(d.Post(other_staff, "resolution/r2", "resolutionProgressed",
                   R"({"resolutionId":"resolution/r2","percent":70})"),
            403, "scope.company-entity", d.Head());
  // A complaint without a company is charged to the one serving the estate: its staff resolve it.
  d.Must(d.staff_a, "complaint/c01", "complaintResolved", R"({"complaintId":"complaint/c01"})");
}

TEST_CASE("retries cannot hide a conflict", "[http][rules]") {
  Neighbourhood d;
  std::string body =
      Event("mine-1", "complaintFiled", Neighbourhood::Complaint("complaint/m1", "01"));
  auto first = d.c.Send("POST", "/v1/streams/complaint/m1/events", d.resident1, body);
  REQUIRE(first.status == 201);
  auto again = d.c.Send("POST", "/v1/streams/complaint/m1/events", d.resident1, body);
  CHECK(again.status == 200);
  CHECK(again.json().at("duplicate").as_bool());
  CHECK(again.json().at("seqs") == first.json().at("seqs"));
  uint64_t head = d.Head();
  // The same id with other content, even in the same stream.
  auto changed = d.c.Send(
      "POST", "/v1/streams/complaint/m1/events", d.resident1,
      Event("mine-1", "complaintFiled",
            Neighbourhood::Complaint("complaint/m1", "01", R"(,"channel":"wechatGroup")")));
  d.Refused(changed, 409, "event-id.taken", head);
  auto different =
      d.c.Send("POST", "/v1/streams/complaint/m2/events", d.resident1,
               Event("mine-1", "complaintFiled", Neighbourhood::Complaint("complaint/m2", "01")));
  d.Refused(different, 409, "event-id.taken", head);
  CHECK(different.body.find("complaint/m1") != std::string::npos);  // the caller's own event
  // Someone else's id: taken, without saying where.
  auto theirs =
      d.c.Send("POST", "/v1/streams/complaint/m3/events", d.resident2,
               Event("mine-1", "complaintFiled", Neighbourhood::Complaint("complaint/m3", "02")));
  d.Refused(theirs, 409, "event-id.taken", head);
  CHECK(theirs.body.find("complaint/m1") == std::string::npos);
  CHECK(theirs.body.find("seq") == std::string::npos);
}

TEST_CASE("Authorization: exactly one header, scheme in any case", "[http][auth]") {
  Neighbourhood d;
  auto lower = d.c.Send("GET", "/v1/head", "");
  CHECK(lower.status == 401);
  HttpClient raw = d.f.Client();
  raw.WriteRaw("GET /v1/head HTTP/1.1\r\nHost: x\r\nAuthorization: bearer " + d.admin + "\r\n\r\n");
  CHECK(raw.Receive().status == 200);
  raw.WriteRaw("GET /v1/head HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + d.resident1 +
               "\r\nAuthorization: Bearer " + d.admin + "\r\n\r\n");
  auto twice = raw.Receive();
  CHECK(twice.status == 400);
  CHECK(twice.body.find("exactly one Authorization header") != std::string::npos);
}

TEST_CASE("time-bank points are not taken back by whoever moved them", "[http][rules]") {
  Neighbourhood d;
  d.Must(d.admin, "person/p03", "personRegistered",
         R"({"personId":"person/p03","name":"居民03","householdId":"household/h01"})");
  // A claim of an hour, verified; its claimant then replaces it with 10,000 hours.
  uint64_t claim = d.Must(
      d.resident1, "claim/cl1", "volunteerHoursClaimed",
      R"({"claimId":"claim/cl1","personId":"person/p01","minutes":60,"activity":"楼道清扫"})");
  d.Must(d.worker1, "claim/cl1", "volunteerHoursVerified", R"({"claimId":"claim/cl1"})");
  uint64_t head = d.Head();
  const std::string fix = "correction/" + std::to_string(claim);
  d.Refused(
      d.Post(
          d.resident1, fix, "correctionRecorded",
          R"({"correctsSeq":)" + std::to_string(claim) +
              R"(,"reason":"typo","action":{"replacement":{"type":"volunteerHoursClaimed","data":{"claimId":"claim/cl1","personId":"person/p01","minutes":600000,"activity":"楼道清扫"}}}})"),
      403, "correction.time-bank", head);
  // A payment of 10 points; its payer then voids it, taking them back from the provider.
  uint64_t paid = d.Must(
      d.resident1, "exchange/x1", "timeBankExchanged",
      R"({"exchangeId":"exchange/x1","payerId":"person/p01","providerId":"person/p03","pointsCenti":1000})");
  head = d.Head();
  const std::string void_it = R"({"correctsSeq":)" + std::to_string(paid) +
                              R"(,"reason":"mistake","action":{"void":null}})";
  d.Refused(
      d.Post(d.resident1, "correction/" + std::to_string(paid), "correctionRecorded", void_it), 403,
      "correction.time-bank", head);
  // The community worker who supervises the time bank may void it.
  d.Must(d.worker1, "correction/" + std::to_string(paid), "correctionRecorded", void_it);
}

TEST_CASE("a survey response answers each question once, for the resident's own household",
          "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  auto response = [](const std::string& id, const std::string& household,
                     const std::string& answers) {
    return R"({"surveyId":")" + id + R"(","estateId":"estate/e01",)" + household +
           R"("anonymous":true,"answers":)" + answers + "}";
  };
  std::string many = "[";
  for (int i = 0; i < 51; ++i) {
    many += std::string(i ? "," : "") + R"({"question":"q)" + std::to_string(i) +
            R"(","satisfaction":"dissatisfied"})";
  }
  many += "]";
  const std::string own = R"("householdId":"household/h01",)";
  const std::string twice =
      R"([{"question":"q1","satisfaction":"dissatisfied"},{"question":"q1","satisfaction":"dissatisfied"}])";
  const std::string one = R"([{"question":"q1","satisfaction":"dissatisfied"}])";
  d.Refused(d.Post(d.resident1, "survey/s1", "surveyResponseRecorded", response("s1", own, many)),
            400, "survey.answers", head);
  d.Refused(d.Post(d.resident1, "survey/s1", "surveyResponseRecorded", response("s1", own, twice)),
            400, "survey.answers", head);
  // Anonymous, but naming no household: one resident could answer for any number of them.
  d.Refused(d.Post(d.resident1, "survey/s1", "surveyResponseRecorded", response("s1", "", one)),
            403, "identity.household", head);
  uint64_t first =
      d.Must(d.resident1, "survey/s1", "surveyResponseRecorded", response("s1", own, one));
  // A community worker collecting paper answers anonymously names none.
  d.Must(d.worker1, "survey/s2", "surveyResponseRecorded", response("s2", "", one));

  // A household answers a survey once: 300 responses of one resident outweighed a company's
  // year of surveys as surely as 300 answers in one.
  head = d.Head();
  const std::string other =
      R"([{"question":"q1","satisfaction":"satisfied"},{"question":"q2","satisfaction":"dissatisfied"}])";
  auto again =
      d.Post(d.resident1, "survey/s1", "surveyResponseRecorded", response("s1", own, other));
  d.Refused(again, 409, "survey.answered", head);
  CHECK(again.body.find("household/h01 has answered survey/s1 already") != std::string::npos);
  // Nor through another member of the household.
  d.Must(d.admin, "person/p01b", "personRegistered",
         R"({"personId":"person/p01b","name":"居民01b","householdId":"household/h01"})");
  head = d.Head();
  std::string member = d.f.Token(Role::RESIDENT, "person/p01b", {"estate/e01"});
  d.Refused(d.Post(member, "survey/s1", "surveyResponseRecorded", response("s1", own, other)), 409,
            "survey.answered", head);
  // The household changes its answers by correcting its response (not its questions: see
  // "appointments, charged companies, ..."); it answers other surveys.
  const std::string changed = R"([{"question":"q1","satisfaction":"satisfied"}])";
  d.Must(d.resident1, "correction/" + std::to_string(first), "correctionRecorded",
         d.Correction(first, R"({"replacement":{"type":"surveyResponseRecorded","data":)" +
                                 response("s1", own, changed) + "}}"));
  d.Must(d.resident1, "survey/s3", "surveyResponseRecorded", response("s3", own, one));
  // A community worker entering the paper forms may enter one the household also gave online.
  d.Must(d.worker1, "survey/s1", "surveyResponseRecorded", response("s1", own, one));

  // A resident answering online answers now (2026): dated into 2025, the answer would move a year
  // whose figures are argued over already.
  auto backdated = d.Post(d.resident1, "survey/s5", "surveyResponseRecorded",
                          R"({"surveyId":"s5","estateId":"estate/e01","companyId":"company/a",)" +
                              own + R"("answers":)" + one + "}",
                          "", "2025-06-01T00:00:00Z");
  REQUIRE(backdated.status == 201);
  const std::string wait = "&atLeast=" + std::to_string(d.Head()) + "&wait=5000";
  auto in2025 = d.c.Send("GET", "/v1/views/ratings?year=2025" + wait, d.admin);
  REQUIRE(in2025.status == 200);
  CHECK(in2025.json().at("result").at("surveys").as_array().empty());
  auto in2026 = d.c.Send("GET", "/v1/views/ratings?year=2026" + wait, d.admin);
  REQUIRE(in2026.status == 200);
  int named = 0;
  const boost::json::value in2026_json = in2026.json();
  for (const auto& tally : in2026_json.at("result").at("surveys").as_array()) {
    const auto& company = tally.at("companyId");  // null: not named
    if (!company.is_string() || company.as_string() != "company/a") continue;
    ++named;
    CHECK(tally.at("responses").as_int64() == 1);
    CHECK(tally.at("dissatisfied").as_int64() == 1);
  }
  CHECK(named == 1);

  // Survey ids are the resident's to invent: s1, s3, s5 and s6 are the household's four online
  // answers of 2026, and a fifth is refused, whatever its id.
  d.Must(d.resident1, "survey/s6", "surveyResponseRecorded", response("s6", own, one));
  head = d.Head();
  auto fifth =
      d.Post(d.resident1, "survey/s7", "surveyResponseRecorded", response("s7", own, other));
  d.Refused(fifth, 409, "survey.answered", head);
  CHECK(fifth.body.find("has answered 4 surveys online in 2026 already") != std::string::npos);
  // Paper forms are the community worker's to enter; next year the household answers again.
  d.Must(d.worker1, "survey/s7", "surveyResponseRecorded", response("s7", own, other));
  d.f.now = 1'798'761'600'000;  // 2027-01-01T00:00:00Z
  d.Must(d.resident1, "survey/s8", "surveyResponseRecorded", response("s8", own, one));
}

TEST_CASE("a score sheet, a repair's category and a claim's hours are not one token's to bend",
          "[http][rules]") {
  Neighbourhood d;  // 2026 on the server's clock; auditor1 is bound to e01
  d.Must(d.admin, "committee/k02", "ownersCommitteeFormed",
         R"({"committeeId":"committee/k02","estateId":"estate/e02"})");
  auto sheet = [](const std::string& id, const std::string& kind, const std::string& subject,
                  int year) {
    return R"({"sheetId":"sheet/)" + id + R"(","subject":{"kind":")" + kind + R"(","id":")" +
           subject + R"("},"estateId":"estate/e01","year":)" + std::to_string(year) +
           R"(,"items":[{"item":"环境卫生","score":0,"maxScore":100}]})";
  };
  uint64_t head = d.Head();
  // An auditor of e01 scores only e01's subjects: not a company that never served it, nor
  // e02's committee, in a sheet that names e01.
  d.Refused(d.Post(d.auditor1, "sheet/i1", "inspectionRecorded",
                   sheet("i1", "company", "company/b", 2026)),
            403, "scope.sheet-subject", head);
  d.Refused(d.Post(d.auditor1, "sheet/i2", "documentReviewRecorded",
                   sheet("i2", "ownersCommittee", "committee/k02", 2026)),
            403, "scope.sheet-subject", head);
  // Nor a year before last: 2024's figures are published and argued over.
  auto old = d.Post(d.auditor1, "sheet/i3", "inspectionRecorded",
                    sheet("i3", "company", "company/a", 2024));
  d.Refused(old, 403, "scope.sheet-year", head);
  CHECK(old.body.find("scores 2025 or 2026, not 2024") != std::string::npos);
  d.Must(d.auditor1, "sheet/i4", "inspectionRecorded", sheet("i4", "company", "company/a", 2025));
  // The street office (an auditor bound to no estate) is not held to it.
  std::string office = d.f.Token(Role::STREET_AUDITOR, "person/office");
  d.Must(office, "sheet/i5", "inspectionRecorded", sheet("i5", "company", "company/a", 2024));

  // A repair's category decides its time limit: its filer may not change it afterwards.
  uint64_t request = d.Must(
      d.resident1, "repair/r9", "repairRequested",
      R"({"repairId":"repair/r9","estateId":"estate/e01","householdId":"household/h01","category":"toiletLeak","description":"漏水"})");
  auto as = [&](const std::string& category, const std::string& description) {
    return d.Correction(
        request,
        R"({"replacement":{"type":"repairRequested","data":{"repairId":"repair/r9","estateId":"estate/e01","householdId":"household/h01","category":")" +
            category + R"(","description":")" + description + R"("}}})");
  };
  const std::string stream = "correction/" + std::to_string(request);
  head = d.Head();
  auto recategorized = d.Post(d.resident1, stream, "correctionRecorded", as("gas", "漏水"));
  d.Refused(recategorized, 403, "correction.category", head);
  CHECK(recategorized.body.find("its category decides the time limit") != std::string::npos);
  d.Must(d.resident1, stream, "correctionRecorded", as("toiletLeak", "马桶漏水"));
  d.Must(d.worker1, stream, "correctionRecorded", as("gas", "燃气"));

  // A claim is the hours of one service date.
  head = d.Head();
  auto claim = [](const std::string& id, const std::string& minutes) {
    return R"({"claimId":"claim/)" + id + R"(","personId":"person/p01","minutes":)" + minutes +
           R"(,"activity":"助老"})";
  };
  auto huge = d.Post(d.worker1, "claim/cl1", "volunteerHoursClaimed", claim("cl1", "1441"));
  d.Refused(huge, 400, "claim.minutes", head);
  CHECK(huge.body.find("at most 1440 minutes, not 1441") != std::string::npos);
  // 71 million points once verified.
  d.Refused(d.Post(d.resident1, "claim/cl1", "volunteerHoursClaimed", claim("cl1", "4294967295")),
            400, "claim.minutes", head);
  d.Must(d.resident1, "claim/cl2", "volunteerHoursClaimed", claim("cl2", "1440"));
}

TEST_CASE("sheets, raised obligations, verifications and registrations are not one token's to bend",
          "[http][rules]") {
  Neighbourhood d;  // 2026-01-01 on the server's clock; auditor1 and worker1 are bound to e01
  auto sheet = [](const std::string& id, int year, const std::string& score,
                  const std::string& max) {
    return R"({"sheetId":"sheet/)" + id +
           R"(","subject":{"kind":"company","id":"company/a"},"estateId":"estate/e01","year":)" +
           std::to_string(year) + R"(,"items":[{"item":"环境卫生","score":)" + score +
           R"(,"maxScore":)" + max + "}]}";
  };
  // A score from 0 to a maximum above 0: -100,000 of 20 took a company from the red list to the
  // black, and a NaN took a black-listed company's score, and its replacement flag, away.
  uint64_t head = d.Head();
  for (auto [score, max] : {std::pair<std::string, std::string>{"\"NaN\"", "20"},
                            {"-100000", "20"},
                            {"100000", "20"},
                            {"\"Infinity\"", "0"},
                            {"5", "0"},
                            {"5", "\"Infinity\""}}) {
    auto r = d.Post(d.auditor1, "sheet/s1", "inspectionRecorded", sheet("s1", 2025, score, max));
    INFO(score << " of " << max);
    d.Refused(r, 400, "sheet.items", head);
  }
  auto bad =
      d.Post(d.auditor1, "sheet/s1", "documentReviewRecorded", sheet("s1", 2025, "21", "20"));
  d.Refused(bad, 400, "sheet.items", head);
  CHECK(bad.body.find("items[0] (\\\"环境卫生\\\") scores 21 of 20") != std::string::npos);
  d.Must(d.auditor1, "sheet/s1", "inspectionRecorded", sheet("s1", 2025, "18.5", "20"));
  // A sheet of 2024, which a bound auditor may not score, is not theirs to void or move either.
  std::string office = d.f.Token(Role::STREET_AUDITOR, "person/office");
  uint64_t old = d.Must(office, "sheet/s24", "inspectionRecorded", sheet("s24", 2024, "90", "100"));
  const std::string stream = "correction/" + std::to_string(old);
  head = d.Head();
  d.Refused(d.Post(d.auditor1, stream, "correctionRecorded", d.Correction(old, R"({"void":null})")),
            403, "scope.sheet-year", head);
  d.Refused(d.Post(d.auditor1, stream, "correctionRecorded",
                   d.Correction(old, R"({"replacement":{"type":"inspectionRecorded","data":)" +
                                         sheet("s24", 2025, "0", "100") + "}}")),
            403, "scope.sheet-year", head);
  d.Must(office, stream, "correctionRecorded", d.Correction(old, R"({"void":null})"));

  // Hours are verified by someone other than who recorded the claim.
  std::string worker2 = d.f.Token(Role::COMMUNITY_WORKER, "person/worker-2", {"estate/e01"});
  d.Must(d.worker1, "claim/w1", "volunteerHoursClaimed",
         R"({"claimId":"claim/w1","personId":"person/p01","minutes":1440,"activity":"助老"})");
  head = d.Head();
  d.Refused(d.Post(d.worker1, "claim/w1", "volunteerHoursVerified", R"({"claimId":"claim/w1"})"),
            403, "identity.verifier", head);
  d.Must(worker2, "claim/w1", "volunteerHoursVerified", R"({"claimId":"claim/w1"})");

  // One open raised obligation per household and reason, due from the day it is raised.
  auto obligation = [](const std::string& id, const std::string& reason, const std::string& due) {
    return R"({"obligationId":"obligation/)" + id +
           R"(","householdId":"household/h01","reason":")" + reason + R"(","dueBy":")" + due +
           R"("})";
  };
  uint64_t o1 = d.Must(d.worker1, "obligation/o1", "visitObligationRaised",
                       obligation("o1", "hardship", "2026-01-20"));
  head = d.Head();
  auto again = d.Post(d.worker1, "obligation/o2", "visitObligationRaised",
                      obligation("o2", "hardship", "2026-02-20"));
  d.Refused(again, 409, "obligation.open", head);
  CHECK(again.body.find("hardship obligation open until 2026-01-20") != std::string::npos);
  // The same household, spelled without its kind, is the same household.
  auto spelled = d.Post(
      d.worker1, "obligation/o2", "visitObligationRaised",
      R"({"obligationId":"obligation/o2","householdId":"h01","reason":"hardship","dueBy":"2026-02-20"})");
  CHECK(spelled.status != 201);
  CHECK(d.Head() == head);
  d.Refused(d.Post(d.worker1, "obligation/o3", "visitObligationRaised",
                   obligation("o3", "hospital", "2025-12-31")),
            400, "obligation.due", head);
  uint64_t o3 = d.Must(d.worker1, "obligation/o3", "visitObligationRaised",
                       obligation("o3", "hospital", "2026-01-01"));
  // A visit does not close it (a voided one, or one naming made-up ids, did): a second need in
  // its window is the same obligation, its dueBy corrected to a later day.
  uint64_t v1 = d.Must(
      d.worker1, "visit/v1", "homeVisitRecorded",
      R"({"visitId":"visit/v1","householdId":"household/h01","obligationIds":["obligation/nope"]})");
  d.Must(d.worker1, "correction/" + std::to_string(v1), "correctionRecorded",
         d.Correction(v1, R"({"void":null})"));
  head = d.Head();
  d.Refused(d.Post(d.worker1, "obligation/o2", "visitObligationRaised",
                   obligation("o2", "hardship", "2026-02-20")),
            409, "obligation.open", head);
  d.Must(
      d.worker1, "correction/" + std::to_string(o1), "correctionRecorded",
      d.Correction(
          o1,
          R"({"replacement":{"type":"visitObligationRaised","data":{"obligationId":"obligation/o1","householdId":"household/h01","reason":"hardship","dueBy":"2026-02-20"}}})"));
  head = d.Head();
  auto extended = d.Post(d.worker1, "obligation/o2", "visitObligationRaised",
                         obligation("o2", "hardship", "2026-03-20"));
  d.Refused(extended, 409, "obligation.open", head);
  CHECK(extended.body.find("open until 2026-02-20") != std::string::npos);
  // A replacement keeps the obligation's household: thirty replaced to name one household were
  // met by one visit.
  d.Must(d.admin, "household/h03", "householdRegistered",
         R"({"householdId":"household/h03","estateId":"estate/e01"})");
  head = d.Head();
  d.Refused(
      d.Post(
          d.worker1, "correction/" + std::to_string(o3), "correctionRecorded",
          d.Correction(
              o3,
              R"({"replacement":{"type":"visitObligationRaised","data":{"obligationId":"obligation/o3","householdId":"household/h03","reason":"hospital","dueBy":"2026-01-01"}}})")),
      403, "correction.obligation", head);
  // A voided one is open no longer.
  head = d.Head();
  d.Refused(d.Post(d.worker1, "obligation/o5", "visitObligationRaised",
                   obligation("o5", "hospital", "2026-01-05")),
            409, "obligation.open", head);
  d.Must(d.worker1, "correction/" + std::to_string(o3), "correctionRecorded",
         d.Correction(o3, R"({"void":null})"));
  d.Must(d.worker1, "obligation/o5", "visitObligationRaised",
         obligation("o5", "hospital", "2026-01-05"));

  // A person stays in the estates of a bound token that registers them again, and one of no
  // estate is not brought into them.
  head = d.Head();
  d.Refused(d.Post(d.worker1, "person/p01", "personRegistered",
                   R"({"personId":"person/p01","name":"居民01"})"),
            400, "entity.estate", head);
  d.Must(d.admin, "person/cw", "personRegistered", R"({"personId":"person/cw","name":"社工"})");
  head = d.Head();
  d.Refused(d.Post(d.worker1, "person/cw", "personRegistered",
                   R"({"personId":"person/cw","name":"社工","householdId":"household/h01"})"),
            403, "entity.estate", head);
  d.Must(d.worker1, "person/p01", "personRegistered",
         R"({"personId":"person/p01","name":"居民01","householdId":"household/h01"})");
}

TEST_CASE("a resident files at most three complaints, and three repair requests, a day",
          "[http][rules]") {
  Neighbourhood d;
  auto complaint = [](const std::string& n, const std::string& x) {
    return Neighbourhood::Complaint("complaint/c" + n, x);
  };
  // c01 (the neighbourhood's) is resident1's first of 2026-01-01 (08:00 in Beijing).
  d.Must(d.resident1, "complaint/c03", "complaintFiled", complaint("03", "01"));
  d.Must(d.resident1, "complaint/c04", "complaintFiled", complaint("04", "01"));
  uint64_t head = d.Head();
  // Twenty identical complaints of one resident put a company's manager on the black list.
  auto fourth = d.Post(d.resident1, "complaint/c05", "complaintFiled", complaint("05", "01"));
  d.Refused(fourth, 409, "complaint.per-day", head);
  CHECK_THAT(fourth.body,
             Catch::Contains("person/p01 has filed 3 complaints on 2026-01-01 already"));
  // The day that counts is the recording day, not the one the resident gives.
  d.Refused(d.Post(d.resident1, "complaint/c05", "complaintFiled", complaint("05", "01"), "",
                   "2025-12-30T10:00:00+08:00"),
            409, "complaint.per-day", head);
  // Another resident is not held by it, nor is the community worker recording a call of h01's.
  d.Must(d.resident2, "complaint/c06", "complaintFiled", complaint("06", "02"));
  d.Must(d.worker1, "complaint/c07", "complaintFiled", complaint("07", "01"));
  // A repair request is not a complaint: three of them a day too. 25 gas repairs requested by one
  // resident in a second, each open past its four hours, took a company's compliance to 0.
  auto repair = [](const std::string& n) {
    return R"({"repairId":"repair/r)" + n +
           R"(","estateId":"estate/e01","householdId":"household/h01","category":"gas"})";
  };
  for (std::string n : {"1", "2", "3"})
    d.Must(d.resident1, "repair/r" + n, "repairRequested", repair(n));
  head = d.Head();
  auto fourth_repair = d.Post(d.resident1, "repair/r4", "repairRequested", repair("4"));
  d.Refused(fourth_repair, 409, "repair.per-day", head);
  CHECK_THAT(fourth_repair.body,
             Catch::Contains("person/p01 has filed 3 repair requests on 2026-01-01 already"));
  d.Must(d.worker1, "repair/r4", "repairRequested", repair("4"));
  // The next day the resident files again, both.
  d.f.now += 24 * 3600 * 1000;
  d.Must(d.resident1, "complaint/c05", "complaintFiled", complaint("05", "01"));
  d.Must(d.resident1, "repair/r5", "repairRequested", repair("5"));
}

TEST_CASE("a resident's token appends at most so many events an hour", "[http][rules]") {
  http::ApiOptions options;
  options.resident_appends_per_hour = 5;
  Neighbourhood d(options);  // resident1 has filed complaint/c01: one of its five
  auto follow_up = [&](const std::string& token, int n = 1) {
    std::string events;
    for (int i = 0; i < n; ++i) {
      events += (i ? "," : "") + Event("fu-" + std::to_string(++d.n), "followUpRecorded",
                                       R"({"subject":{"complaintId":"complaint/c01"},)"
                                       R"("satisfaction":"dissatisfied"})");
    }
    return d.c.Send("POST", "/v1/streams/complaint/c01/events", token,
                    n == 1 ? events : "{\"events\":[" + events + "]}");
  };
  // What a refused append would have appended is not counted: what is bounded is what stays.
  for (int i = 0; i < 6; ++i) {
    auto elsewhere =
        d.Post(d.resident1, "complaint/c02", "followUpRecorded",
               R"({"subject":{"complaintId":"complaint/c02"},"satisfaction":"dissatisfied"})");
    REQUIRE(elsewhere.status == 403);
  }
  // Nor is a retry of an append that is there already.
  std::string once =
      Event("fu-once", "followUpRecorded",
            R"({"subject":{"complaintId":"complaint/c01"},"satisfaction":"satisfied"})");
  REQUIRE(d.c.Send("POST", "/v1/streams/complaint/c01/events", d.resident1, once).status == 201);
  auto retry = d.c.Send("POST", "/v1/streams/complaint/c01/events", d.resident1, once);
  REQUIRE(retry.status < 300);
  CHECK(retry.json().at("duplicate").as_bool());
  for (int i = 0; i < 3; ++i) REQUIRE(follow_up(d.resident1).status == 201);
  uint64_t head = d.Head();
  // The sixth event of the hour: 429, and when the next may come (one every 12 minutes).
  auto refused = follow_up(d.resident1);
  d.Refused(refused, 429, "", head);
  CHECK(refused.headers["Retry-After"] == "720");
  CHECK_THAT(refused.body, Catch::Contains("at most 5 events an hour"));
  // More at once than an hour's: 400, whenever it is sent.
  d.Refused(follow_up(d.resident1, 6), 400, "", head);
  // Another resident's token, a worker's and the admin's are not held to it.
  std::string same_person = d.f.Token(Role::RESIDENT, "person/p01", {"estate/e01"});
  CHECK(follow_up(same_person).status == 201);
  CHECK(follow_up(d.worker1).status == 201);
  CHECK(follow_up(d.admin).status == 201);
  // Twelve minutes on, one more; then none again.
  d.f.now += 12 * 60 * 1000;
  CHECK(follow_up(d.resident1).status == 201);
  CHECK(follow_up(d.resident1).status == 429);
  // An hour on, the bucket is full again: five at once.
  d.f.now += 60 * 60 * 1000;
  CHECK(follow_up(d.resident1, 5).status == 201);
  CHECK(follow_up(d.resident1).status == 429);
  auto metrics = d.c.Send("GET", "/metrics", "").body;
  CHECK_THAT(metrics, Catch::Contains("http_busy_total{queue=\"token-appends\"} 3\n"));
}

TEST_CASE("every token but an admin's appends at most so many events an hour", "[http][rules]") {
  http::ApiOptions options;
  options.staff_appends_per_hour = 4;
  Neighbourhood d(options);
  auto escalate = [&](const std::string& token, int n) {
    std::string events;
    for (int i = 0; i < n; ++i) {
      events += (i ? "," : "") + Event("esc-" + std::to_string(++d.n), "complaintEscalated",
                                       R"({"complaintId":"complaint/c01","reason":"未处理"})");
    }
    return d.c.Send("POST", "/v1/streams/complaint/c01/events", token,
                    "{\"events\":[" + events + "]}");
  };
  // A community worker: four events an hour, one every fifteen minutes after.
  REQUIRE(escalate(d.worker1, 3).status == 201);
  REQUIRE(escalate(d.worker1, 1).status == 201);
  uint64_t head = d.Head();
  auto refused = escalate(d.worker1, 1);
  d.Refused(refused, 429, "", head);
  CHECK(refused.headers["Retry-After"] == "900");
  CHECK_THAT(refused.body, Catch::Contains("this communityWorker token appends at most 4 events"));
  // A thousand at once is never within an hour's: 400.
  d.Refused(escalate(d.auditor1, 5), 400, "", head);
  // Each token has its own; the admin's none.
  CHECK(escalate(d.auditor1, 4).status == 201);
  CHECK(escalate(d.admin, 10).status == 201);
  d.f.now += 15 * 60 * 1000;
  CHECK(escalate(d.worker1, 1).status == 201);
}

TEST_CASE("appointments, charged companies, verifications and forms are not one token's to bend",
          "[http][rules]") {
  Neighbourhood d;  // recording on 2026-01-01
  uint64_t head = d.Head();
  auto appoint = [&](const std::string& token, const std::string& role, const std::string& from) {
    return d.Post(token, "person/pm-1", "roleAppointed",
                  R"({"personId":"person/pm-1","role":")" + role +
                      R"(","estateId":"estate/e01","companyId":"company/a","fromDate":")" + from +
                      R"("})");
  };
  // A worker ended a manager's appointment at 2024-01-01 (off a published black list), and
  // appointed another company's manager, and a resident, in their place.
  auto by_worker = appoint(d.worker1, "propertyManager", "2026-01-01");
  d.Refused(by_worker, 403, "role.manager", head);
  CHECK_THAT(by_worker.body, Catch::Contains("made by street auditors and admins"));
  d.Refused(d.Post(d.worker1, "person/pm-1", "roleEnded",
                   R"({"personId":"person/pm-1","role":"propertyManager","estateId":"estate/e01",)"
                   R"("toDate":"2024-01-01"})"),
            403, "role.manager", head);
  // Auditors bound to estates date them this year or the last, as they score sheets.
  auto too_early = appoint(d.auditor1, "propertyManager", "2024-01-01");
  d.Refused(too_early, 403, "scope.role-year", head);
  CHECK_THAT(too_early.body, Catch::Contains("in 2025 or 2026, not 2024-01-01"));
  d.Refused(appoint(d.worker1, "gridWorker", "2020-05-01"), 403, "scope.role-year", head);
  // Undated, a grid worker's appointment counted in every past day's teams.
  d.Refused(appoint(d.worker1, "gridWorker", ""), 400, "scope.role-year", head);
  // Without a date, an appointment counts from every year's start, published years too.
  d.Refused(appoint(d.auditor1, "propertyManager", ""), 400, "scope.role-year", head);
  uint64_t appointed = d.Must(d.auditor1, "person/pm-1", "roleAppointed",
                              R"({"personId":"person/pm-1","role":"propertyManager",)"
                              R"("estateId":"estate/e01","companyId":"company/a",)"
                              R"("fromDate":"2025-01-01"})");
  d.Must(
      d.worker1, "person/pm-1", "roleAppointed",
      R"({"personId":"person/pm-1","role":"gridWorker","estateId":"estate/e01","fromDate":"2026-01-01"})");
  uint64_t ended = d.Must(
      d.admin, "person/pm-1", "roleEnded",
      R"({"personId":"person/pm-1","role":"propertyManager","estateId":"estate/e01","toDate":"2019-12-31"})");
  // Nor by a correction: a worker voiding a manager's appointment, a bound auditor an old end.
  head = d.Head();
  d.Refused(d.Post(d.worker1, "correction/" + std::to_string(appointed), "correctionRecorded",
                   d.Correction(appointed, R"({"void":null})")),
            403, "role.manager", head);
  d.Refused(d.Post(d.auditor1, "correction/" + std::to_string(ended), "correctionRecorded",
                   d.Correction(ended, R"({"void":null})")),
            403, "scope.role-year", head);

  // A replacement of a complaint may not charge it to another company: c02 (e02, 2026) answers
  // for company/b; company/old served e02 until 2024-06-30.
  head = d.Head();
  auto recharged =
      d.Post(d.admin, "correction/" + std::to_string(d.c02), "correctionRecorded",
             d.Correction(d.c02, R"({"replacement":{"type":"complaintFiled","data":)" +
                                     Neighbourhood::Complaint("complaint/c02", "02",
                                                              R"(,"companyId":"company/old")") +
                                     "}}"));
  d.Refused(recharged, 403, "correction.company", head);
  CHECK_THAT(recharged.body, Catch::Contains("answers for company/b"));
  // A company the original named stays named: left out, the views would find one on its day.
  uint64_t named =
      d.Must(d.resident1, "complaint/c08", "complaintFiled",
             Neighbourhood::Complaint("complaint/c08", "01", R"(,"companyId":"company/a")"));
  head = d.Head();
  d.Refused(d.Post(d.admin, "correction/" + std::to_string(named), "correctionRecorded",
                   d.Correction(named, R"({"replacement":{"type":"complaintFiled","data":)" +
                                           Neighbourhood::Complaint("complaint/c08", "01") + "}}")),
            403, "correction.company", head);
  d.Must(d.resident2, "correction/" + std::to_string(d.c02), "correctionRecorded",
         d.Correction(d.c02, R"({"replacement":{"type":"complaintFiled","data":)" +
                                 Neighbourhood::Complaint("complaint/c02", "02",
                                                          R"(,"companyId":"company/b")") +
                                 "}}"));

  // A community worker does not verify their own hours; another does.
  d.Must(
      d.worker1, "claim/own", "volunteerHoursClaimed",
      R"({"claimId":"claim/own","personId":"person/worker-1","estateId":"estate/e01","minutes":600,"activity":"x"})");
  head = d.Head();
  auto own = d.Post(d.worker1, "claim/own", "volunteerHoursVerified", R"({"claimId":"claim/own"})");
  d.Refused(own, 403, "identity.verifier", head);
  std::string worker2 = d.f.Token(Role::COMMUNITY_WORKER, "person/worker-2", {"estate/e01"});
  d.Must(worker2, "claim/own", "volunteerHoursVerified", R"({"claimId":"claim/own"})");
  // Nor by replacing the claimant once another verified it.
  uint64_t theirs = d.Must(
      d.worker1, "claim/p01", "volunteerHoursClaimed",
      R"({"claimId":"claim/p01","personId":"person/p01","estateId":"estate/e01","minutes":600,"activity":"x"})");
  d.Must(worker2, "claim/p01", "volunteerHoursVerified", R"({"claimId":"claim/p01"})");
  head = d.Head();
  d.Refused(
      d.Post(
          d.worker1, "correction/" + std::to_string(theirs), "correctionRecorded",
          d.Correction(
              theirs,
              R"({"replacement":{"type":"volunteerHoursClaimed","data":{"claimId":"claim/p01","personId":"person/worker-1","estateId":"estate/e01","minutes":600,"activity":"x"}}})")),
      403, "correction.person", head);

  // A replacement of a survey form changes its answers, not its questions.
  uint64_t form = d.Must(
      d.worker1, "survey/s9", "surveyResponseRecorded",
      R"({"surveyId":"survey/s9","estateId":"estate/e01","householdId":"household/h01","answers":[{"question":"q1","satisfaction":"dissatisfied"}]})");
  head = d.Head();
  auto replace_form = [&](const std::string& token, const std::string& answers) {
    return d.Post(
        token, "correction/" + std::to_string(form), "correctionRecorded",
        d.Correction(
            form,
            R"({"replacement":{"type":"surveyResponseRecorded","data":{"surveyId":"survey/s9","estateId":"estate/e01","householdId":"household/h01","answers":)" +
                answers + "}}}"));
  };
  auto invented = replace_form(
      d.worker1,
      R"([{"question":"q1","satisfaction":"satisfied"},{"question":"q2","satisfaction":"satisfied"}])");
  d.Refused(invented, 403, "correction.survey", head);
  CHECK_THAT(invented.body, Catch::Contains("did not answer \\\"q2\\\""));
  d.Must(
      d.worker1, "correction/" + std::to_string(form), "correctionRecorded",
      d.Correction(
          form,
          R"({"replacement":{"type":"surveyResponseRecorded","data":{"surveyId":"survey/s9","estateId":"estate/e01","householdId":"household/h01","answers":[{"question":"q1","satisfaction":"satisfied"}]}}})"));

  // A household's flags, once past the hour's grace, are corrected by auditors: a worker voided
  // the change that flagged a household after its missed holiday, and flagged it again.
  uint64_t flagged = d.Must(d.worker1, "household/h01", "householdFlagsChanged",
                            R"({"householdId":"household/h01","flags":{"elderlyAlone":true}})");
  d.Must(
      d.worker1, "correction/" + std::to_string(flagged), "correctionRecorded",
      d.Correction(
          flagged,
          R"({"replacement":{"type":"householdFlagsChanged","data":{"householdId":"household/h01","flags":{"elderlyAlone":true,"hardship":true}}}})"));
  d.f.now += 2 * 3600 * 1000;
  head = d.Head();
  auto late_void = d.Post(d.worker1, "correction/" + std::to_string(flagged), "correctionRecorded",
                          d.Correction(flagged, R"({"void":null})"));
  d.Refused(late_void, 403, "correction.flags", head);
  d.Must(d.auditor1, "correction/" + std::to_string(flagged), "correctionRecorded",
         d.Correction(flagged, R"({"void":null})"));
  // A registration's correction drops the household's record from the views, with its later
  // flags: a worker re-registered a household and voided that within the hour.
  uint64_t again = d.Must(d.worker1, "household/h01", "householdRegistered",
                          R"({"householdId":"household/h01","estateId":"estate/e01"})");
  head = d.Head();
  d.Refused(d.Post(d.worker1, "correction/" + std::to_string(again), "correctionRecorded",
                   d.Correction(again, R"({"void":null})")),
            403, "correction.flags", head);

  // An owners' committee's satisfied call outweighed the filer's dissatisfied one.
  head = d.Head();
  d.Refused(d.Post(d.committee1, "complaint/c01", "followUpRecorded",
                   R"({"subject":{"complaintId":"complaint/c01"},"satisfaction":"satisfied"})"),
            403, "role.type", head);
}

TEST_CASE("a payment goes to a registered someone else, not to whoever records it",
          "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  auto pay = [&](const std::string& token, const std::string& payer, const std::string& provider) {
    std::string id = "exchange/x" + std::to_string(++d.n);
    return d.Post(token, id, "timeBankExchanged",
                  R"({"exchangeId":")" + id + R"(","payerId":")" + payer + R"(","providerId":")" +
                      provider + R"(","pointsCenti":500})");
  };
  // A worker paid themselves 50 points from a resident's account.
  auto to_recorder = pay(d.worker1, "person/p01", "person/worker-1");
  d.Refused(to_recorder, 403, "identity.provider", head);
  // A resident paid "p01" from "person/p01": an account the views keep apart. Ids are spelled
  // with their kind, and a resident's own as their token names it.
  d.Refused(pay(d.worker1, "person/p01", "worker-1"), 400, "identity.provider", head);
  d.Refused(pay(d.resident1, "person/p01", "p01"), 400, "identity.provider", head);
  d.Refused(pay(d.resident1, "p01", "person/p02"), 403, "identity.person", head);
  // Points to no one registered.
  d.Refused(pay(d.resident1, "person/p01", "person/nobody"), 403, "entity.unknown", head);
  // What is allowed: a resident pays another, a worker records it for them.
  d.Must(d.admin, "person/p01c", "personRegistered",
         R"({"personId":"person/p01c","name":"居民01c","householdId":"household/h01"})");
  CHECK(pay(d.resident1, "person/p01", "person/p01c").status == 201);
  CHECK(pay(d.worker1, "person/p01", "person/p01c").status == 201);
  // A worker's own hours, spelled without the kind, are still their own.
  d.Must(
      d.worker1, "claim/w1", "volunteerHoursClaimed",
      R"({"claimId":"claim/w1","personId":"worker-1","estateId":"estate/e01","minutes":60,"activity":"x"})");
  d.Refused(d.Post(d.worker1, "claim/w1", "volunteerHoursVerified", R"({"claimId":"claim/w1"})"),
            403, "identity.verifier", d.Head());
}

TEST_CASE("occurredAt is refused outside 1900 - 2199, and the refusal appends nothing",
          "[http][rules]") {
  Neighbourhood d;
  uint64_t head = d.Head();
  const std::string data = Neighbourhood::Complaint("complaint/c9", "01");
  for (const std::string& occurred :
       {std::string("-9223372036854775807"), std::string("\"1899-12-31T23:59:59Z\""),
        std::string("\"2200-01-01T00:00:00Z\"")}) {
    auto reply = d.c.Send("POST", "/v1/streams/complaint/c9/events", d.resident1,
                          R"({"eventId":"c9","type":"complaintFiled","occurredAt":)" + occurred +
                              R"(,"data":)" + data + "}");
    INFO(occurred << ": " << reply.body);
    CHECK(reply.status == 400);
    CHECK(reply.body.find("occurredAt") != std::string::npos);
    CHECK(d.Head() == head);
  }
  d.Must(d.resident1, "complaint/c9", "complaintFiled", data);  // now
}

TEST_CASE("an event is not dated after its recording, beyond a fast clock's quarter hour",
          "[http][rules]") {
  Neighbourhood d;  // the server's clock: 2026-01-01T00:00:00Z, 08:00 in +08:00
  uint64_t head = d.Head();
  const std::string visit = R"({"visitId":"visit/v1","householdId":"household/h01","note":"x"})";
  // A visit dated next week would meet next week's obligations now.
  d.Refused(d.Post(d.worker1, "visit/v1", "homeVisitRecorded", visit, "v-week",
                   "2026-01-08T08:00:00+08:00"),
            400, "time.future", head);
  // 16 minutes ahead is past the quarter hour; a resident's complaint is held to it too.
  d.Refused(
      d.Post(d.resident1, "complaint/c9", "complaintFiled",
             Neighbourhood::Complaint("complaint/c9", "01"), "c-16", "2026-01-01T08:16:00+08:00"),
      400, "time.future", head);
  // A clock running 14 minutes fast is allowed, and so is an admin's act.
  CHECK(
      d.Post(d.worker1, "visit/v1", "homeVisitRecorded", visit, "v-14", "2026-01-01T08:14:00+08:00")
          .status == 201);
  CHECK(d.Post(d.admin, "visit/v2", "homeVisitRecorded",
               R"({"visitId":"visit/v2","householdId":"household/h01","note":"x"})", "v-admin",
               "2026-01-08T08:00:00+08:00")
            .status == 201);
}

TEST_CASE("a time limit is judged on dates neither side can move back", "[http][rules]") {
  // Each side of a time limit is dated by the party an early date favours: the filer starts the
  // clock, the company stops it. The views count neither more than an hour before the ledger
  // recorded it; the event keeps the date it was given.
  Neighbourhood d;
  constexpr int64_t kHour = 3'600'000;
  const int64_t t0 = d.f.now;  // 2026-01-01T00:00:00Z
  d.Must(
      d.admin, "policy/repair-limits", "policyAdopted",
      R"({"policyId":"repair-limits","effectiveFrom":"2025-01-01","rules":{"repairTimeLimits":[{"category":"water","hours":12}]}})");
  for (std::string id : {"r1", "r2"}) {
    d.Must(d.resident1, "repair/" + id, "repairRequested",
           R"({"repairId":"repair/)" + id +
               R"(","estateId":"estate/e01","householdId":"household/h01","category":"water"})");
  }
  // Both are due at t0 + 12 h. r2's completion, done at t0 + 10 h, is recorded half an hour
  // later: within the hour, it counts when it was done.
  d.f.now = t0 + 21 * kHour / 2;
  REQUIRE(d.Post(d.staff_a, "repair/r2", "repairCompleted", R"({"repairId":"repair/r2"})", "",
                 "2026-01-01T10:00:00Z")
              .status == 201);
  // r1's is recorded 30 hours after the request and dated an hour after it: it counts at
  // t0 + 29 h, 17 hours late.
  d.f.now = t0 + 30 * kHour;
  REQUIRE(d.Post(d.staff_a, "repair/r1", "repairCompleted", R"({"repairId":"repair/r1"})", "",
                 "2026-01-01T01:00:00Z")
              .status == 201);
  // A resident of e02 files a complaint dated in company/old's contract (ended 2024-06-30): it
  // counts from t0 + 29 h, against company/b, which serves e02 now and acknowledges it at t0 + 32
  // h.
  auto backdated =
      d.Post(d.resident2, "complaint/c03", "complaintFiled",
             Neighbourhood::Complaint("complaint/c03", "02"), "", "2024-03-01T00:00:00Z");
  REQUIRE(backdated.status == 201);
  uint64_t filed = backdated.json().at("seqs").as_array()[0].as_int64();
  d.f.now = t0 + 32 * kHour;
  std::string staff_b = d.f.Token(Role::COMPANY_STAFF, "person/staff-b", {}, "company/b");
  d.Must(staff_b, "complaint/c03", "complaintAcknowledged", R"({"complaintId":"complaint/c03"})");
  // r4, requested at t0 + 32 h, is completed half an hour later, dated back a day: it counts no
  // earlier than the request, not half an hour before it (less than no time).
  d.Must(
      d.resident1, "repair/r4", "repairRequested",
      R"({"repairId":"repair/r4","estateId":"estate/e01","householdId":"household/h01","category":"water"})");
  d.f.now = t0 + 65 * kHour / 2;
  REQUIRE(d.Post(d.staff_a, "repair/r4", "repairCompleted", R"({"repairId":"repair/r4"})", "",
                 "2026-01-01T00:00:00Z")
              .status == 201);
  const std::string wait = "atLeast=" + std::to_string(d.Head()) + "&wait=5000";

  auto repairs = d.c.Send("GET", "/v1/views/repairs?estate=estate%2Fe01&" + wait, d.admin);
  REQUIRE(repairs.status == 200);
  const boost::json::value repairs_json = repairs.json();
  const auto& r = repairs_json.at("result");
  CHECK(r.at("doneWithinLimit").as_int64() == 2);
  CHECK(r.at("doneLate").as_int64() == 1);
  CHECK(r.at("compliance").at("rate").to_number<double>() == Approx(2.0 / 3));
  for (const auto& item : r.at("items").as_array()) {
    const std::string id(item.at("repairId").as_string());
    INFO(id);
    if (id == "repair/r1") {
      CHECK(item.at("status").as_string() == "late");
      CHECK(item.at("completedAt").as_string() == "2026-01-02T05:00:00.000Z");
      CHECK(item.at("hoursTaken").to_number<double>() == 29.0);
      CHECK(item.at("hoursPastDeadline").to_number<double>() == 17.0);
    } else if (id == "repair/r2") {
      CHECK(item.at("status").as_string() == "done");
      CHECK(item.at("hoursTaken").to_number<double>() == 10.0);
    } else {
      CHECK(id == "repair/r4");
      CHECK(item.at("status").as_string() == "done");
      CHECK(item.at("completedAt").as_string() == "2026-01-02T08:00:00.000Z");
      CHECK(item.at("hoursTaken").to_number<double>() == 0.0);
    }
  }

  auto complaints = d.c.Send("GET", "/v1/views/complaints?estate=estate%2Fe02&" + wait, d.admin);
  REQUIRE(complaints.status == 200);
  const boost::json::value complaints_json = complaints.json();
  const auto& result = complaints_json.at("result");
  bool found = false;
  for (const auto& item : result.at("items").as_array()) {
    if (item.at("complaintId").as_string() != "complaint/c03") continue;
    found = true;
    CHECK(item.at("companyId").as_string() == "company/b");
    CHECK(item.at("filedAt").as_string() == "2026-01-02T05:00:00.000Z");
  }
  CHECK(found);
  for (const auto& count : result.at("byCompany").as_array()) {
    CHECK(count.at("key").as_string() != "company/old");
  }
  // Of e02's two complaints only c03 is acknowledged, after 3 hours.
  const auto& ack = result.at("toAcknowledge");
  CHECK(ack.at("count").as_int64() == 1);
  CHECK(ack.at("averageHours").to_number<double>() == 3.0);
  // The event itself keeps the date it was given.
  auto event = d.c.Send("GET", "/v1/events/" + std::to_string(filed), d.admin);
  REQUIRE(event.status == 200);
  CHECK(event.body.find("\"occurredAt\":\"2024-03-01T00:00:00.000Z\"") != std::string::npos);
}

TEST_CASE("households' visits and flags are read only by the roles that need them",
          "[http][read-scope]") {
  Neighbourhood d;
  // A neighbour of p01's in e01, living alone, visited in hospital.
  d.Must(
      d.admin, "household/h03", "householdRegistered",
      R"({"householdId":"household/h03","estateId":"estate/e01","flags":{"elderlyAlone":true}})");
  d.Must(
      d.worker1, "obligation/o3", "visitObligationRaised",
      R"({"obligationId":"obligation/o3","householdId":"household/h03","reason":"hospital","dueBy":"2026-01-20","note":"陆明住院治疗"})");
  d.Must(
      d.worker1, "visit/v3", "homeVisitRecorded",
      R"({"visitId":"visit/v3","householdId":"household/h03","obligationIds":["obligation/o3"],"note":"术后恢复"})");
  d.Must(d.worker1, "visit/v1", "homeVisitRecorded",
         R"({"visitId":"visit/v1","householdId":"household/h01","note":"燃气检查"})");
  auto get = [&](const std::string& token, const std::string& target) {
    auto reply = d.c.Send("GET", target, token);
    INFO(target << ": " << reply.body);
    return reply;
  };
  auto personal = [](const HttpReply& r) {
    return r.body.find("household/h03") != std::string::npos ||
           r.body.find("陆明") != std::string::npos || r.body.find("术后") != std::string::npos;
  };
  // The views follow the log: wait until they hold every event above, once for all the reads.
  REQUIRE(
      get(d.admin, "/v1/views/visits?atLeast=" + std::to_string(d.Head()) + "&wait=5000").status ==
      200);
  // The community worker sees the estate's visits, obligations and flags.
  auto worker = get(d.worker1, "/v1/views/visits?estate=estate/e01");
  REQUIRE(worker.status == 200);
  CHECK(personal(worker));
  CHECK(worker.json().at("result").at("visits").as_array().size() == 2);
  CHECK(
      get(d.worker1, "/v1/views/registers?estate=estate/e01").body.find("\"elderlyAlone\":true") !=
      std::string::npos);

  // A resident reads the visits of their own household only.
  auto own = get(d.resident1, "/v1/views/visits");
  REQUIRE(own.status == 200);
  CHECK_FALSE(personal(own));
  auto own_visits = own.json().at("result").at("visits").as_array();
  REQUIRE(own_visits.size() == 1);
  CHECK(own_visits[0].at("householdId").as_string() == "household/h01");
  CHECK(get(d.resident1, "/v1/views/visits?household=household/h03").status == 403);
  CHECK(get(d.resident1, "/v1/views/visits?estate=estate/e01&household=household/h03").status ==
        403);

  // The owners' committee reads the estate's counts, not the households' lists.
  auto committee = get(d.committee1, "/v1/views/visits?estate=estate/e01");
  REQUIRE(committee.status == 200);
  CHECK_FALSE(personal(committee));
  CHECK(committee.json().at("result").at("visitCount").as_int64() == 2);
  CHECK(committee.json().at("result").at("obligationCount").as_int64() == 1);
  CHECK(committee.json().at("result").at("visits").as_array().empty());
  auto refused = get(d.committee1, "/v1/views/household-visits?household=household/h03");
  CHECK(refused.status == 403);
  CHECK(refused.body.find("read.personal") != std::string::npos);
  CHECK(get(d.committee1, "/v1/views/visits?household=household/h03").status == 403);

  // Nor through the joint-meeting report, which holds the visits view of the estate.
  const std::string report =
      "/v1/reports/joint-meeting?estate=estate/"
      "e01&from=2026-01-01T00:00:00%2B08:00&to=2026-02-01T00:00:00%2B08:00";
  for (const std::string& token : {d.committee1, d.resident1, d.staff_a}) {
    auto r = get(token, report);
    REQUIRE(r.status == 200);
    CHECK_FALSE(personal(r));
    CHECK(r.json().at("result").at("visits").at("visitCount").as_int64() == 2);
  }
  CHECK(personal(get(d.worker1, report)));

  // The registers show the flags (who lives alone, in hardship, with a disability) only to those
  // who make the must-visits.
  for (const std::string& token : {d.committee1, d.resident1, d.staff_a}) {
    auto r = get(token, "/v1/views/registers?estate=estate/e01");
    REQUIRE(r.status == 200);
    CHECK(r.body.find("\"elderlyAlone\":true") == std::string::npos);
  }
}

TEST_CASE("reads stay inside the reader's estates", "[http][read-scope]") {
  Neighbourhood d;
  d.Must(d.worker1, "visit/v1", "homeVisitRecorded",
         R"({"visitId":"visit/v1","householdId":"household/h01","note":"独居老人，行动不便"})");
  std::string worker2 = d.f.Token(Role::COMMUNITY_WORKER, "person/worker-2", {"estate/e02"});
  d.Must(
      worker2, "meeting/m2", "jointMeetingHeld",
      R"({"meetingId":"meeting/m2","estateId":"estate/e02","heldOn":"2025-12-20","attendees":[{"personId":"person/p02","name":"居民02","side":"residentRepresentative"}]})");
  auto get = [&](const std::string& token, const std::string& target) {
    return d.c.Send("GET", target, token);
  };
  // Company staff: estates their company never served, and household views at all.
  CHECK(get(d.staff_a, "/v1/views/meetings?estate=estate/e02").status == 403);
  CHECK(get(d.staff_a, "/v1/views/visits?estate=estate/e01").status == 403);
  CHECK(get(d.staff_a,
            "/v1/reports/joint-meeting?estate=estate/"
            "e02&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z")
            .status == 403);
  CHECK(get(d.staff_a, "/v1/views/meetings?estate=estate/e01").status == 200);
  // company/old served e02 until 2024-06-30: it reads e02 for those days only.
  auto old = get(d.staff_old, "/v1/views/meetings?estate=estate/e02");
  CHECK(old.status == 200);
  CHECK(old.json().at("result").at("meetings").as_array().empty());  // held in 2025: after
  // Estate-bound tokens, whichever parameter names the other estate.
  CHECK(get(d.resident1, "/v1/views/household-visits?household=household/h02").status == 403);
  CHECK(get(d.resident1, "/v1/views/time-bank-statement?person=person/p02").status == 403);
  CHECK(get(d.resident1, "/v1/views/household-visits?household=household/h01").status == 200);
  CHECK(get(d.worker1, "/v1/views/household-visits?household=household/h02").status == 403);
  CHECK(get(d.worker1, "/v1/views/audit?entity=complaint/c02").status == 403);
  CHECK(get(d.worker1, "/v1/views/audit?entity=complaint/c01").status == 200);
  CHECK(get(d.worker1, "/v1/views/audit?actor=person/p02").status == 403);
  // A refusal names neither the estate of what is outside nor whether it exists.
  for (auto [target, seen, unseen] :
       {std::tuple<std::string, std::string, std::string>{
            "/v1/views/household-visits?household=", "household/h02", "household/h99"},
        {"/v1/views/audit?entity=", "complaint/c02", "complaint/c99"},
        {"/v1/views/time-bank-statement?person=", "person/p02", "person/p99"}}) {
    auto existing = get(d.worker1, target + seen);
    auto missing = get(d.worker1, target + unseen);
    INFO(existing.body << " / " << missing.body);
    CHECK(existing.status == 403);
    CHECK(missing.status == 403);
    std::string expected = existing.body;
    expected.replace(expected.find(seen), seen.size(), unseen);
    CHECK(expected == missing.body);
    CHECK(existing.body.find("estate/e02") == std::string::npos);
  }
  auto staff_reads = get(d.staff_a, "/v1/views/complaints?household=household/h02");
  CHECK(staff_reads.status == 403);
  CHECK(staff_reads.body.find("estate/e02") == std::string::npos);
  // As of a position too: the trail read up to it is scoped as the trail is.
  CHECK(get(d.worker1, "/v1/views/audit?entity=complaint/c02&asOf=1").status == 403);
  CHECK(get(d.worker1, "/v1/views/audit?entity=complaint/c01&asOf=1").status == 200);
  CHECK(get(d.auditor1, "/v1/streams/complaint/c02/events").status == 403);
  CHECK(get(d.auditor1, "/v1/streams/complaint/c01/events").status == 200);
  CHECK(get(d.auditor1, "/v1/events/" + std::to_string(d.c02)).status == 403);
  // The log, narrowed event by event: no e02 household, person or complaint reaches e01's worker.
  auto log = get(d.worker1, "/v1/log?from=1&limit=1000");
  REQUIRE(log.status == 200);
  CHECK(log.body.find("household/h02") == std::string::npos);
  CHECK(log.body.find("complaint/c02") == std::string::npos);
  CHECK(log.body.find("household/h01") != std::string::npos);
  CHECK(log.json().at("outOfScope").as_int64() > 0);
  // An unbound auditor reads everything.
  CHECK(get(d.f.Token(Role::STREET_AUDITOR, "person/a-all"), "/v1/streams/complaint/c02/events")
            .status == 200);
  // Residents do not see other people's names.
  std::string resident2 = d.resident2;
  auto meetings = get(resident2, "/v1/views/meetings?estate=estate/e02");
  REQUIRE(meetings.status == 200);
  CHECK(meetings.body.find("居民02") != std::string::npos);  // their own name
  std::string neighbour = d.f.Token(Role::RESIDENT, "person/p03", {"estate/e02"});
  auto seen = get(neighbour, "/v1/views/meetings?estate=estate/e02");
  REQUIRE(seen.status == 200);
  CHECK(seen.body.find("居民02") == std::string::npos);
  CHECK(seen.body.find("person/p02") != std::string::npos);
  auto registers = get(d.resident1, "/v1/views/registers?estate=estate/e01");
  REQUIRE(registers.status == 200);
  CHECK(registers.body.find("13800000000") == std::string::npos);
  // The registers of an estate are read from its own keys: only for the estates a token reads,
  // and not at all without a token.
  CHECK(get(d.resident1, "/v1/views/registers?estate=estate/e02").status == 403);
  CHECK(get(d.worker1, "/v1/views/registers?estate=estate/e02").status == 403);
  CHECK(get("", "/v1/views/registers?estate=estate/e01").status == 401);
  // The visits view's one-year bound holds for every reader, once the reader may ask at all: a
  // resident's centuries are a 400; another estate's, company staff's and no token's are
  // refused as before, whatever the period.
  const std::string centuries = "&from=1900-01-01T00:00:00Z&to=2199-12-31T00:00:00Z";
  CHECK(get(d.resident1, "/v1/views/visits?estate=estate/e01" + centuries).status == 400);
  CHECK(get(d.resident1, "/v1/views/visits?estate=estate/e02" + centuries).status == 403);
  CHECK(get(d.staff_a, "/v1/views/visits?estate=estate/e01" + centuries).status == 403);
  CHECK(get("", "/v1/views/visits?estate=estate/e01" + centuries).status == 401);
  CHECK(get(d.resident1, "/v1/views/visits?estate=estate/e01").status == 200);
}

TEST_CASE("which flat filed what, and which household is flagged, are not the neighbours' to read",
          "[http][read-scope]") {
  Neighbourhood d;
  // p03 lives alone in h03, e01, and complains about a neighbour's noise; p01 asks for a repair.
  d.Must(
      d.admin, "household/h03", "householdRegistered",
      R"({"householdId":"household/h03","estateId":"estate/e01","flags":{"elderlyAlone":true}})");
  d.Must(d.admin, "person/p03", "personRegistered",
         R"({"personId":"person/p03","name":"居民03","householdId":"household/h03"})");
  std::string resident3 = d.f.Token(Role::RESIDENT, "person/p03", {"estate/e01"});
  d.Must(
      resident3, "complaint/c03", "complaintFiled",
      R"({"complaintId":"complaint/c03","estateId":"estate/e01","householdId":"household/h03","category":"noise","summary":"楼上噪音"})");
  d.Must(
      d.resident1, "repair/r01", "repairRequested",
      R"({"repairId":"repair/r01","estateId":"estate/e01","householdId":"household/h01","category":"water","location":"1号楼101"})");
  auto get = [&](const std::string& token, const std::string& target) {
    auto reply = d.c.Send("GET", target, token);
    INFO(target << ": " << reply.body);
    return reply;
  };
  REQUIRE(get(d.admin, "/v1/views/complaints?atLeast=" + std::to_string(d.Head()) + "&wait=5000")
              .status == 200);
  // The flat of each item, by id, as a reader is given it ("" for null).
  auto flats = [&](const std::string& token, const std::string& target, const char* list) {
    auto r = get(token, target);
    REQUIRE(r.status == 200);
    std::map<std::string, std::string> out;
    const boost::json::value answer = r.json();
    const boost::json::value* items = &answer.at("result");
    std::string_view key = list;
    for (size_t dot = key.find('.'); dot != std::string_view::npos; dot = key.find('.')) {
      items = &items->at(key.substr(0, dot));
      key = key.substr(dot + 1);
    }
    items = &items->at(key);
    for (const auto& item : items->as_array()) {
      const auto& o = item.as_object();
      std::string id(o.contains("complaintId") ? o.at("complaintId").as_string()
                                               : o.at("repairId").as_string());
      std::string flat =
          o.at("householdId").is_null() ? "" : std::string(o.at("householdId").as_string());
      if (o.contains("location") && !o.at("location").is_null()) {
        flat += "@" + std::string(o.at("location").as_string());
      }
      out[id] = flat;
    }
    return out;
  };
  using Flats = std::map<std::string, std::string>;
  const std::string complaints = "/v1/views/complaints?estate=estate/e01";
  // A neighbour sees their own flat, not p03's; the owners' committee neither.
  CHECK(flats(d.resident1, complaints, "items") ==
        Flats{{"complaint/c01", "household/h01"}, {"complaint/c03", ""}});
  CHECK(flats(resident3, complaints, "items") ==
        Flats{{"complaint/c01", ""}, {"complaint/c03", "household/h03"}});
  CHECK(flats(d.committee1, complaints, "items") ==
        Flats{{"complaint/c01", ""}, {"complaint/c03", ""}});
  // Nor by narrowing the lists to one household, which would name it again.
  for (const char* view : {"complaints", "repairs", "overdue-repairs"}) {
    auto narrowed = get(d.committee1, std::string("/v1/views/") + view +
                                          "?estate=estate/e01&household=household/h03");
    CHECK(narrowed.status == 403);
    CHECK(narrowed.body.find("楼上噪音") == std::string::npos);
  }
  CHECK(get(resident3, complaints + "&household=household/h03").status == 200);
  // The company answers the complaint and repairs at the flat; the community worker visits.
  for (const std::string& token : {d.staff_a, d.worker1}) {
    CHECK(flats(token, complaints, "items") ==
          Flats{{"complaint/c01", "household/h01"}, {"complaint/c03", "household/h03"}});
    CHECK(flats(token, "/v1/views/repairs?estate=estate/e01", "items") ==
          Flats{{"repair/r01", "household/h01@1号楼101"}});
  }
  CHECK(flats(resident3, "/v1/views/repairs?estate=estate/e01", "items") ==
        Flats{{"repair/r01", ""}});
  CHECK(flats(d.resident1, "/v1/views/repairs?estate=estate/e01", "items") ==
        Flats{{"repair/r01", "household/h01@1号楼101"}});
  // The joint-meeting report, read at the meeting, names no flat to a reader without personal
  // details, their own included.
  const std::string report =
      "/v1/reports/joint-meeting?estate=estate/"
      "e01&from=2025-12-01T00:00:00%2B08:00&to=2026-02-01T00:"
      "00:00%2B08:00";
  for (const std::string& token : {d.committee1, d.resident1, d.staff_a}) {
    CHECK(flats(token, report, "complaints.unresolvedItems") ==
          Flats{{"complaint/c01", ""}, {"complaint/c03", ""}});
  }
  CHECK(flats(d.worker1, report, "complaints.unresolvedItems") ==
        Flats{{"complaint/c01", "household/h01"}, {"complaint/c03", "household/h03"}});

  // The registers' count of flagged households, narrowed to one household, is its flags: only
  // the roles that make the must-visits narrow it so.
  const std::string h03 = "/v1/views/registers?estate=estate/e01&household=household/h03";
  for (const std::string& token : {d.committee1, d.staff_a, d.resident1}) {
    auto r = get(token, h03);
    CHECK(r.status == 403);
    CHECK(r.body.find("\"flaggedHouseholds\"") == std::string::npos);
  }
  CHECK(get(d.committee1, h03).json().at("rule").as_string() == "read.personal");
  auto worker = get(d.worker1, h03);
  REQUIRE(worker.status == 200);
  CHECK(worker.json().at("result").at("flaggedHouseholds").as_int64() == 1);
  // The estate's count stays for everyone who reads the estate: h03 of h01, h03.
  CHECK(get(d.committee1, "/v1/views/registers?estate=estate/e01")
            .json()
            .at("result")
            .at("flaggedHouseholds")
            .as_int64() == 1);
  CHECK(get(resident3, "/v1/views/registers?estate=estate/e01&household=household/h03").status ==
        200);

  // A stream outside the reader's estates is answered as one that does not exist.
  auto existing = get(d.worker1, "/v1/streams/complaint/c02/events?from=abc");
  auto missing = get(d.worker1, "/v1/streams/complaint/c99/events?from=abc");
  CHECK(existing.status == 403);
  CHECK(missing.status == 403);
  std::string expected = existing.body;
  expected.replace(expected.find("complaint/c02"), 13, "complaint/c99");
  CHECK(expected == missing.body);

  // API answers are not pages: never sniffed as one, framed, or kept by a shared cache.
  auto head = get(d.resident1, "/v1/views/complaints?estate=estate/e01");
  CHECK(head.headers["X-Content-Type-Options"] == "nosniff");
  CHECK(head.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'");
  CHECK(head.headers["Cache-Control"] == "no-store");
}

TEST_CASE("refusals are counted in /metrics by rule", "[http][rules]") {
  Neighbourhood d;
  d.Post(d.resident1, "complaint/c01", "complaintFiled",
         Neighbourhood::Complaint("complaint/c01", "02"));
  d.Post(d.resident1, "estate/e09", "estateRegistered", R"({"estateId":"estate/e09","name":"x"})");
  auto metrics = d.c.Send("GET", "/metrics", "").body;
  CHECK(metrics.find("ledger_refusals_total{rule=\"role.type\"} 1") != std::string::npos);
  CHECK(metrics.find("ledger_refusals_total{rule=\"entity.taken\"} 1") != std::string::npos);
}
