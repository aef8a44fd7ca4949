// The rule book over real HTTP: every role, every event type, in its estate and in another, as a
// new event, as a void of a recorded one and as a replacement of it.
//
// The expected answers are written here by hand, from the permission table the README states,
// not read from the code's table: a change of the rule book must change this file too.
//
// The district: estates e01 and e02; company/a serves e01, company/b serves e02 (both since
// 2020-01-01; the server's clock is 2025-01-01). Household h01 in e01 with resident person/p01,
// h02 in e02 with person/p02 (and q01, q02, whom they pay). Each estate has one recorded event of
// every type to correct.
//
// The tokens: R resident p01 (bound to e01), C staff of company/a (no estate), W community
// worker bound to e01, O owners' committee of e01, A street auditor bound to e01, U street
// auditor bound to no estate, D admin.

#include <map>
#include <set>

#include "server_fixture.h"

using ledger::schema::Role;
using testing::HttpClient;
using testing::ServerFixture;

namespace {

struct Expected {
  const char* type;
  const char* new_in;    // roles whose new event in e01 is accepted
  const char* new_out;   // ... in e02
  const char* void_in;   // roles who may void (or replace) the recorded e01 event
  const char* void_out;  // ... the e02 event
};

// By hand, from the README's table. District-wide types have no "in" estate: only tokens bound
// to no estate append or correct them.
const Expected kExpected[] = {
    {"estateRegistered", "UD", "UD", "UD", "UD"},
    {"companyRegistered", "UD", "UD", "UD", "UD"},
    {"serviceContractStarted", "AUD", "UD", "AUD", "UD"},
    {"serviceContractEnded", "AUD", "UD", "AUD", "UD"},
    {"householdRegistered", "WD", "D", "AUD", "UD"},
    {"householdFlagsChanged", "WD", "D", "WAUD", "UD"},
    {"personRegistered", "WD", "D", "WAUD", "UD"},
    {"roleAppointed", "WAUD", "UD", "WAUD", "UD"},
    {"roleEnded", "WAUD", "UD", "WAUD", "UD"},
    {"ownersCommitteeFormed", "WAUD", "UD", "WAUD", "UD"},
    {"demandRecorded", "RWOD", "D", "RWAUD", "UD"},
    {"demandMet", "WD", "D", "WAUD", "UD"},
    {"serviceMenuItemOffered", "WD", "D", "WAUD", "UD"},
    {"policyAdopted", "UD", "UD", "UD", "UD"},
    {"complaintFiled", "RWOD", "D", "RWAUD", "UD"},
    {"complaintAcknowledged", "CD", "D", "CAUD", "UD"},
    {"complaintReplied", "CD", "D", "CAUD", "UD"},
    {"complaintResolved", "CD", "D", "CAUD", "UD"},
    {"complaintReopened", "RWD", "D", "WAUD", "UD"},
    {"complaintEscalated", "WOAUD", "UD", "WAUD", "UD"},
    {"repairRequested", "RWD", "D", "RWAUD", "UD"},
    {"repairDispatched", "CD", "D", "CAUD", "UD"},
    {"repairCompleted", "CD", "D", "CAUD", "UD"},
    {"followUpRecorded", "RWD", "D", "WAUD", "UD"},
    {"visitObligationRaised", "WD", "D", "WAUD", "UD"},
    {"homeVisitRecorded", "WD", "D", "WAUD", "UD"},
    {"surveyResponseRecorded", "RWD", "D", "RWAUD", "UD"},
    {"volunteerHoursClaimed", "RWD", "D", "WAUD", "UD"},
    {"volunteerHoursVerified", "WD", "D", "WAUD", "UD"},
    {"volunteerHoursRejected", "WD", "D", "WAUD", "UD"},
    {"timeBankExchanged", "RWD", "D", "WAUD", "UD"},
    {"inspectionRecorded", "AUD", "UD", "AUD", "UD"},
    {"documentReviewRecorded", "AUD", "UD", "AUD", "UD"},
    {"starRatingPublished", "UD", "UD", "UD", "UD"},
    {"jointMeetingHeld", "WAUD", "UD", "WAUD", "UD"},
    {"resolutionAdopted", "WAUD", "UD", "WAUD", "UD"},
    {"resolutionProgressed", "CWOAUD", "UD", "WAUD", "UD"},
    {"resolutionCompleted", "WAUD", "UD", "WAUD", "UD"},
};

// An event of `type` for estate `x` ("01" or "02"): a new entity named `id` where the type
// creates one, otherwise the estate's recorded entity.
struct Draft {
  std::string stream;
  std::string data;
};

Draft Make(const std::string& type, const std::string& x, const std::string& id) {
  const std::string estate = "\"estate/e" + x + "\"";
  const std::string household = "\"household/h" + x + "\"";
  const std::string company = x == "01" ? "\"company/a\"" : "\"company/b\"";
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  if (type == "estateRegistered") {
    return {"estate/" + id, "{\"estateId\":" + q("estate/" + id) + ",\"name\":\"E\"}"};
  }
  if (type == "companyRegistered") {
    return {"company/" + id, "{\"companyId\":" + q("company/" + id) + ",\"name\":\"C\"}"};
  }
  if (type == "serviceContractStarted") {
    return {"contract/" + id, "{\"contractId\":" + q("contract/" + id) + ",\"estateId\":" + estate +
                                  ",\"companyId\":" + company + ",\"startDate\":\"2020-01-01\"}"};
  }
  if (type == "serviceContractEnded") {
    return {"contract/v" + x, "{\"contractId\":\"contract/v" + x + "\",\"estateId\":" + estate +
                                  ",\"companyId\":" + company + ",\"endDate\":\"2099-12-31\"}"};
  }
  if (type == "householdRegistered") {
    return {"household/" + id,
            "{\"householdId\":" + q("household/" + id) + ",\"estateId\":" + estate + "}"};
  }
  if (type == "householdFlagsChanged") {
    return {"household/h" + x, "{\"householdId\":" + household + ",\"flags\":{\"hardship\":true}}"};
  }
  if (type == "personRegistered") {
    return {"person/" + id, "{\"personId\":" + q("person/" + id) +
                                ",\"name\":\"P\",\"householdId\":" + household + "}"};
  }
  if (type == "roleAppointed" || type == "roleEnded") {
    // Dated: a token bound to estates dates an appointment this year or the last.
    return {"person/" + id, "{\"personId\":" + q("person/" + id) +
                                ",\"role\":\"gridWorker\",\"estateId\":" + estate +
                                (type == "roleAppointed" ? ",\"fromDate\":\"2025-01-01\"}"
                                                         : ",\"toDate\":\"2025-12-31\"}")};
  }
  if (type == "ownersCommitteeFormed") {
    // An estate has one committee, formed again for a new term (committee.estate).
    return {"committee/cm" + x, "{\"committeeId\":" + q("committee/cm" + x) +
                                    ",\"estateId\":" + estate + ",\"termStart\":\"2025-01-01\"}"};
  }
  if (type == "demandRecorded") {
    return {"demand/" + id, "{\"demandId\":" + q("demand/" + id) + ",\"estateId\":" + estate +
                                ",\"householdId\":" + household + ",\"description\":\"D\"}"};
  }
  if (type == "demandMet") return {"demand/d" + x, "{\"demandId\":\"demand/d" + x + "\"}"};
  if (type == "serviceMenuItemOffered") {
    return {"menu/" + id,
            "{\"menuItemId\":" + q("menu/" + id) + ",\"estateId\":" + estate + ",\"name\":\"M\"}"};
  }
  if (type == "policyAdopted") {
    return {"policy/" + id, "{\"policyId\":" + q("policy/" + id) +
                                ",\"version\":1,\"effectiveFrom\":\"2025-01-01\","
                                "\"rules\":{\"timeBank\":{\"pointsPerHourCenti\":100}}}"};
  }
  if (type == "complaintFiled") {
    return {"complaint/" + id, "{\"complaintId\":" + q("complaint/" + id) +
                                   ",\"estateId\":" + estate + ",\"householdId\":" + household +
                                   ",\"category\":\"water\",\"summary\":\"S\"}"};
  }
  if (type == "complaintAcknowledged" || type == "complaintResolved" ||
      type == "complaintReopened" || type == "complaintEscalated") {
    return {"complaint/c" + x, "{\"complaintId\":\"complaint/c" + x + "\"}"};
  }
  if (type == "complaintReplied") {
    return {"complaint/c" + x, "{\"complaintId\":\"complaint/c" + x + "\",\"reply\":\"R\"}"};
  }
  if (type == "repairRequested") {
    return {"repair/" + id, "{\"repairId\":" + q("repair/" + id) + ",\"estateId\":" + estate +
                                ",\"householdId\":" + household + ",\"category\":\"water\"}"};
  }
  if (type == "repairDispatched" || type == "repairCompleted") {
    return {"repair/r" + x, "{\"repairId\":\"repair/r" + x + "\"}"};
  }
  if (type == "followUpRecorded") {
    return {"complaint/c" + x, "{\"subject\":{\"complaintId\":\"complaint/c" + x +
                                   "\"},\"satisfaction\":\"satisfied\"}"};
  }
  if (type == "visitObligationRaised") {
    // A household has one open obligation of a reason (admins aside): the one seeded is a
    // hospital stay, the community worker's a hardship.
    static std::set<std::string> seeded;
    const char* reason = seeded.insert(household).second ? "hospital" : "hardship";
    return {"obligation/" + id, "{\"obligationId\":" + q("obligation/" + id) +
                                    ",\"householdId\":" + household + ",\"reason\":\"" + reason +
                                    "\",\"dueBy\":\"2025-02-01\"}"};
  }
  if (type == "homeVisitRecorded") {
    return {"visit/" + id,
            "{\"visitId\":" + q("visit/" + id) + ",\"householdId\":" + household + "}"};
  }
  if (type == "surveyResponseRecorded") {
    // A survey of its own: a household answers a survey once.
    return {"survey/" + id,
            "{\"surveyId\":" + q("survey/" + id) + ",\"estateId\":" + estate + ",\"householdId\":" +
                household + ",\"answers\":[{\"question\":\"Q\",\"satisfaction\":\"satisfied\"}]}"};
  }
  if (type == "volunteerHoursClaimed") {
    return {"claim/" + id, "{\"claimId\":" + q("claim/" + id) + ",\"personId\":\"person/p" + x +
                               "\",\"estateId\":" + estate + ",\"minutes\":60,\"activity\":\"A\"}"};
  }
  if (type == "volunteerHoursVerified" || type == "volunteerHoursRejected") {
    return {"claim/cl" + x, "{\"claimId\":\"claim/cl" + x + "\"}"};
  }
  if (type == "timeBankExchanged") {
    return {"exchange/" + id, "{\"exchangeId\":" + q("exchange/" + id) + ",\"payerId\":\"person/p" +
                                  x + "\",\"providerId\":\"person/q" + x +
                                  "\",\"pointsCenti\":\"100\"}"};
  }
  if (type == "inspectionRecorded" || type == "documentReviewRecorded") {
    return {"sheet/" + id, "{\"sheetId\":" + q("sheet/" + id) +
                               ",\"subject\":{\"kind\":\"company\",\"id\":" + company +
                               "},\"estateId\":" + estate +
                               ",\"year\":2024,\"items\":[{\"item\":\"I\",\"score\":1,"
                               "\"maxScore\":2}]}"};
  }
  if (type == "starRatingPublished") {
    return {"rating/2024",
            "{\"year\":2024,\"ratings\":[{\"subject\":{\"kind\":\"company\",\"id\":\"company/a\"},"
            "\"score\":80,\"stars\":4}],\"computedAtSeq\":\"1\"}"};
  }
  if (type == "jointMeetingHeld") {
    return {"meeting/" + id, "{\"meetingId\":" + q("meeting/" + id) + ",\"estateId\":" + estate +
                                 ",\"heldOn\":\"2024-12-01\"}"};
  }
  if (type == "resolutionAdopted") {
    return {"meeting/m" + x, "{\"resolutionId\":" + q("resolution/" + id) +
                                 ",\"meetingId\":\"meeting/m" + x +
                                 "\",\"text\":\"T\",\"ownerSide\":\"propertyCompany\","
                                 "\"ownerId\":" +
                                 company + "}"};
  }
  if (type == "resolutionProgressed" || type == "resolutionCompleted") {
    return {"resolution/res" + x, "{\"resolutionId\":\"resolution/res" + x + "\",\"percent\":50}"};
  }
  FAIL("no draft for " << type);
  return {};
}

std::string Body(const std::string& event_id, const std::string& type, const std::string& data) {
  return "{\"eventId\":\"" + event_id + "\",\"type\":\"" + type + "\",\"data\":" + data + "}";
}

// The entity id a seeded event of `type` in estate `x` creates.
std::string SeedId(const std::string& type, const std::string& x) {
  static const std::map<std::string, std::string> kPrefix = {
      {"estateRegistered", "e"},
      {"companyRegistered", "k"},
      {"serviceContractStarted", "v"},
      {"householdRegistered", "h"},
      {"personRegistered", "p"},
      {"roleAppointed", "g"},
      {"roleEnded", "g"},
      {"ownersCommitteeFormed", "cm"},
      {"demandRecorded", "d"},
      {"serviceMenuItemOffered", "mu"},
      {"policyAdopted", "pol"},
      {"complaintFiled", "c"},
      {"repairRequested", "r"},
      {"visitObligationRaised", "o"},
      {"homeVisitRecorded", "v"},
      {"volunteerHoursClaimed", "cl"},
      {"timeBankExchanged", "ex"},
      {"inspectionRecorded", "i"},
      {"documentReviewRecorded", "dr"},
      {"jointMeetingHeld", "m"},
      {"resolutionAdopted", "res"},
  };
  auto it = kPrefix.find(type);
  return (it == kPrefix.end() ? "x" : it->second) + x;
}

class District {
 public:
  District() : c_(f_.Client()) {
    f_.now = 1'735'689'600'000;  // 2025-01-01T00:00:00Z
    tokens_['D'] = f_.admin;
    tokens_['U'] = f_.Token(Role::STREET_AUDITOR, "person/auditor-u");
    tokens_['A'] = f_.Token(Role::STREET_AUDITOR, "person/auditor-a", {"estate/e01"});
    tokens_['W'] = f_.Token(Role::COMMUNITY_WORKER, "person/worker-w", {"estate/e01"});
    tokens_['O'] = f_.Token(Role::OWNERS_COMMITTEE, "person/committee-o", {"estate/e01"});
    tokens_['C'] = f_.Token(Role::COMPANY_STAFF, "person/staff-a", {}, "company/a");
    tokens_['R'] = f_.Token(Role::RESIDENT, "person/p01", {"estate/e01"});
    resident2_ = f_.Token(Role::RESIDENT, "person/p02", {"estate/e02"});

    // The structure, by the admin; then what residents file themselves; then one recorded
    // event of every other type in each estate.
    for (const char* type : {"estateRegistered"}) {
      for (std::string x : {"01", "02"}) Seed(type, x, f_.admin, "e" + x);
    }
    Seed("companyRegistered", "01", f_.admin, "a");
    Seed("companyRegistered", "02", f_.admin, "b");
    for (std::string x : {"01", "02"}) {
      Seed("serviceContractStarted", x, f_.admin, "k" + x);
      Seed("serviceContractStarted", x, f_.admin, "v" + x);  // to be corrected
      Seed("householdRegistered", x, f_.admin, "h" + x);
      Seed("personRegistered", x, f_.admin, "p" + x);
      Seed("personRegistered", x, f_.admin, "q" + x);  // paid in the time bank
      std::string resident = x == "01" ? tokens_['R'] : resident2_;
      for (const char* type :
           {"complaintFiled", "repairRequested", "demandRecorded", "volunteerHoursClaimed",
            "timeBankExchanged", "surveyResponseRecorded"}) {
        Seed(type, x, resident, SeedId(type, x));
      }
      for (const char* type :
           {"jointMeetingHeld", "resolutionAdopted", "visitObligationRaised", "homeVisitRecorded",
            "ownersCommitteeFormed", "serviceMenuItemOffered", "roleAppointed", "roleEnded",
            "inspectionRecorded", "documentReviewRecorded"}) {
        Seed(type, x, f_.admin, SeedId(type, x));
      }
      for (const char* type :
           {"serviceContractEnded", "householdFlagsChanged", "demandMet", "complaintAcknowledged",
            "complaintReplied", "complaintResolved", "complaintReopened", "complaintEscalated",
            "repairDispatched", "repairCompleted", "followUpRecorded", "volunteerHoursVerified",
            "volunteerHoursRejected", "resolutionProgressed", "resolutionCompleted"}) {
        Seed(type, x, f_.admin, "");
      }
    }
    Seed("policyAdopted", "01", f_.admin, "pol01");
    Seed("starRatingPublished", "01", f_.admin, "");
    // District-wide events are the same "in" and "out".
    for (const char* type :
         {"estateRegistered", "companyRegistered", "policyAdopted", "starRatingPublished"}) {
      seeded_[{type, "02"}] = seeded_[{type, "01"}];
    }
  }

  // Appends and returns the status.
  int Post(char role, const std::string& stream, const std::string& body) {
    auto reply = c_.Send("POST", "/v1/streams/" + stream + "/events", tokens_.at(role), body);
    last_ = reply.body;
    return reply.status;
  }

  std::string NewId() { return "n" + std::to_string(++next_); }
  uint64_t SeqOf(const std::string& type, const std::string& x) {
    auto it = seeded_.find({type, x});
    REQUIRE(it != seeded_.end());
    return it->second;
  }
  uint64_t Head() { return c_.Send("GET", "/v1/head", f_.admin).json().at("seq").as_int64(); }

  // The recorded event's payload as {"type":...,"data":...}, for a replacement.
  std::string PayloadOf(uint64_t seq) {
    auto reply = c_.Send("GET", "/v1/events/" + std::to_string(seq), f_.admin);
    REQUIRE(reply.status == 200);
    auto event = reply.json().at("event").as_object();
    boost::json::object payload;
    payload["type"] = event.at("type");
    payload["data"] = event.at("data");
    return boost::json::serialize(payload);
  }

  const std::string& last() const { return last_; }

 private:
  void Seed(const std::string& type, const std::string& x, const std::string& token,
            const std::string& id) {
    Draft d = Make(type, x, id.empty() ? NewId() : id);
    std::string body = Body("seed-" + type + "-" + x + "-" + NewId(), type, d.data);
    auto reply = c_.Send("POST", "/v1/streams/" + d.stream + "/events", token, body);
    INFO(type << " in e" << x << ": " << reply.body);
    REQUIRE(reply.status == 201);
    if (!seeded_.count({type, x})) {
      seeded_[{type, x}] = reply.json().at("seqs").as_array()[0].as_int64();
    }
  }

  ServerFixture f_;
  HttpClient c_;
  std::map<char, std::string> tokens_;
  std::string resident2_;
  std::map<std::pair<std::string, std::string>, uint64_t> seeded_;
  int next_ = 0;
  std::string last_;
};

constexpr const char* kRoles = "RCWOAUD";

bool Allowed(const char* roles, char role) {
  return std::string(roles).find(role) != std::string::npos;
}

}  // namespace

TEST_CASE("rule book matrix: every role and event type, as new events", "[http][rules]") {
  District d;
  for (const Expected& e : kExpected) {
    for (std::string x : {"01", "02"}) {
      const char* allowed = x == "01" ? e.new_in : e.new_out;
      for (const char* role = kRoles; *role; ++role) {
        Draft draft = Make(e.type, x, d.NewId());
        uint64_t before = d.Head();
        int status = d.Post(*role, draft.stream, Body(d.NewId(), e.type, draft.data));
        INFO(e.type << " in e" << x << " by " << *role << ": " << d.last());
        if (Allowed(allowed, *role)) {
          CHECK(status == 201);
        } else {
          CHECK(status == 403);
          CHECK(d.Head() == before);  // a refused append writes nothing
        }
      }
    }
  }
}

TEST_CASE("rule book matrix: every role and event type, voiding and replacing", "[http][rules]") {
  District d;
  for (const Expected& e : kExpected) {
    for (std::string x : {"01", "02"}) {
      const char* allowed = x == "01" ? e.void_in : e.void_out;
      uint64_t target = d.SeqOf(e.type, x);
      std::string stream = "correction/" + std::to_string(target);
      std::string replacement = d.PayloadOf(target);
      for (const char* role = kRoles; *role; ++role) {
        for (bool replace : {false, true}) {
          std::string action =
              replace ? "{\"replacement\":" + replacement + "}" : "{\"void\":null}";
          std::string body = Body(d.NewId(), "correctionRecorded",
                                  "{\"correctsSeq\":\"" + std::to_string(target) +
                                      "\",\"reason\":\"matrix\",\"action\":" + action + "}");
          uint64_t before = d.Head();
          int status = d.Post(*role, stream, body);
          INFO((replace ? "replacing " : "voiding ") << e.type << " of e" << x << " (seq " << target
                                                     << ") by " << *role << ": " << d.last());
          if (Allowed(allowed, *role)) {
            CHECK(status == 201);
          } else {
            CHECK(status == 403);
            CHECK(d.Head() == before);
          }
        }
      }
    }
  }
}
