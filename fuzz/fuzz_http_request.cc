// Fuzzes whole HTTP requests through the real API handler.
//
// The bytes are what a client writes on one connection: Beast's request parser reads them with
// the server's limits, one request after another (pipelining), and each request is converted as
// http/server.cc converts it and handed to http::Api over a real Ledger and projections Engine in
// a temporary folder. The token store holds fixed secrets, one per role (kTokens), so that seeds
// can reach every authorised route.
//
// What counts as a finding besides crashes and sanitizer reports: an exception out of the
// handler (the server answers it 500; it is a bug all the same), a status outside 100-599, a JSON
// response that is not JSON (strictly: UTF-8, as RFC 8259 requires), and views that can no longer
// apply the ledger.
//
// Kept deterministic and quick: the clocks are fixed, the views are caught up on this thread
// after each request instead of by a follower, and "atLeast" never waits. A state that has grown
// past a few thousand appends is thrown away and built again, so that time travel (which
// replays the log) stays cheap.

#include <openssl/evp.h>
#include <stdlib.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "codec/event_json.h"
#include "http/api.h"
#include "http/beast_message.h"
#include "http/metrics.h"
#include "http/routes.h"
#include "http/tokens.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// 2025-03-01T13:30:00Z: after everything the starting district records.
constexpr int64_t kNow = 1'740'835'800'000;
// Appends past the starting district before the state is rebuilt.
constexpr uint64_t kMaxAppends = 3000;
// Requests read from one input; a connection may carry more, but each one is handled alike.
constexpr int kMaxRequests = 8;
// ServerOptions::body_limit.
constexpr uint64_t kBodyLimit = 8 << 20;

[[noreturn]] void Fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_http_request: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

// Secrets the seeds carry, one per role (and one revoked), in TokenStore's file format.
struct FixedToken {
  const char* secret;
  const char* role;
  const char* actor;
  const char* estates;
  const char* company;
  bool revoked;
};
constexpr FixedToken kTokens[] = {
    {"fuzz-admin", "admin", "person/admin", "", "", false},
    {"fuzz-auditor", "streetAuditor", "person/auditor", "", "", false},
    {"fuzz-worker", "communityWorker", "person/worker", "estate/e01", "", false},
    {"fuzz-staff", "companyStaff", "person/staff", "", "company/c01", false},
    {"fuzz-resident", "resident", "person/p01", "estate/e01", "", false},
    {"fuzz-committee", "ownersCommittee", "person/chair", "estate/e01", "", false},
    {"fuzz-revoked", "admin", "person/gone", "", "", true},
};

// The starting district: one estate served by one company, with a little of everything, so that
// every view and report has something to show. Appended through the API with the admin token.
constexpr std::pair<const char*, const char*> kDistrict[] = {
    {"estate/e01",
     R"({"eventId":"d1","type":"estateRegistered","occurredAt":"2024-01-01T09:00:00+08:00",
        "data":{"estateId":"estate/e01","name":"阳光小区","street":"红旗街道","householdCount":120}})"},
    {"company/c01",
     R"({"eventId":"d2","type":"companyRegistered","occurredAt":"2024-01-01T09:00:00+08:00",
        "data":{"companyId":"company/c01","name":"安居物业"}})"},
    {"contract/k01",
     R"({"eventId":"d3","type":"serviceContractStarted","occurredAt":"2024-01-01T09:00:00+08:00",
        "data":{"contractId":"contract/k01","estateId":"estate/e01","companyId":"company/c01",
                "startDate":"2024-01-01"}})"},
    {"household/h01",
     R"({"eventId":"d4","type":"householdRegistered","occurredAt":"2024-01-02T09:00:00+08:00",
        "data":{"householdId":"household/h01","estateId":"estate/e01","building":"3","room":"201",
                "headName":"王阿姨","phone":"13800000000","flags":{"elderlyAlone":true},
                "residents":[{"personId":"person/p01","name":"王阿姨","birthDate":"1948-03-05"}]}})"},
    {"person/p01",
     R"({"eventId":"d5","type":"personRegistered","occurredAt":"2024-01-02T09:00:00+08:00",
        "data":{"personId":"person/p01","name":"王阿姨","householdId":"household/h01",
                "partyMember":true}})"},
    {"policy/repair-time-limits",
     R"({"eventId":"d6","type":"policyAdopted","occurredAt":"2024-01-01T00:00:00+08:00",
        "data":{"policyId":"repair-time-limits","version":1,"effectiveFrom":"2024-01-01",
                "rules":{"repairTimeLimits":[{"category":"water","hours":12,"nextMorningHour":9},
                                             {"category":"electricity","hours":24}]}}})"},
    {"policy/rating",
     R"({"eventId":"d7","type":"policyAdopted","occurredAt":"2024-01-01T00:00:00+08:00",
        "data":{"policyId":"rating","version":1,"effectiveFrom":"2024-01-01",
                "rules":{"rating":{"weights":{"inspection":0.3,"documentReview":0.1,
                "complaintRate":0.2,"repairCompliance":0.2,"followUpSatisfaction":0.1,
                "surveySatisfaction":0.1},"starThresholds":[20,40,60,75,90],
                "redListMinScore":85,"blackListMaxScore":60,"complaintRateCeiling":30}}}})"},
    {"policy/time-bank",
     R"({"eventId":"d8","type":"policyAdopted","occurredAt":"2024-01-01T00:00:00+08:00",
        "data":{"policyId":"time-bank","version":1,"effectiveFrom":"2024-01-01",
                "rules":{"timeBank":{"pointsPerHourCenti":100,"allowNegative":true,
                                     "overdraftLimitCenti":"500"}}}})"},
    {"policy/visits",
     R"({"eventId":"d9","type":"policyAdopted","occurredAt":"2024-01-01T00:00:00+08:00",
        "data":{"policyId":"visits","version":1,"effectiveFrom":"2024-01-01",
                "rules":{"visits":{"holidays":[{"name":"春节","day":"01-29"}],
                "holidayWindowDays":7,"birthdayWindowDays":7,"hospitalWindowDays":3,
                "hardshipWindowDays":30}}}})"},
    {"complaint/c-1",
     R"({"eventId":"d10","type":"complaintFiled","occurredAt":"2025-02-01T21:30:00+08:00",
        "data":{"complaintId":"complaint/c-1","estateId":"estate/e01","householdId":"household/h01",
                "companyId":"company/c01","category":"water","channel":"wechatGroup",
                "summary":"3号楼水管漏水"}})"},
    {"complaint/c-1",
     R"({"eventId":"d11","type":"complaintAcknowledged","occurredAt":"2025-02-01T22:00:00+08:00",
        "data":{"complaintId":"complaint/c-1"}})"},
    {"complaint/c-1",
     R"({"eventId":"d12","type":"complaintReplied","occurredAt":"2025-02-02T09:00:00+08:00",
        "data":{"complaintId":"complaint/c-1","reply":"已派维修工"}})"},
    {"repair/r-1",
     R"({"eventId":"d13","type":"repairRequested","occurredAt":"2025-02-01T21:30:00+08:00",
        "data":{"repairId":"repair/r-1","estateId":"estate/e01","householdId":"household/h01",
                "category":"water","channel":"hotline"}})"},
    {"repair/r-1",
     R"({"eventId":"d14","type":"repairDispatched","occurredAt":"2025-02-01T22:30:00+08:00",
        "data":{"repairId":"repair/r-1","workerId":"person/w1","companyId":"company/c01"}})"},
    {"repair/r-2",
     R"({"eventId":"d15","type":"repairRequested","occurredAt":"2025-02-20T10:00:00+08:00",
        "data":{"repairId":"repair/r-2","estateId":"estate/e01","category":"electricity"}})"},
    {"visit/o-1",
     R"({"eventId":"d16","type":"visitObligationRaised","occurredAt":"2025-02-03T09:00:00+08:00",
        "data":{"obligationId":"visit/o-1","householdId":"household/h01","reason":"hospital",
                "dueBy":"2025-02-06"}})"},
    {"visit/v-1",
     R"({"eventId":"d17","type":"homeVisitRecorded","occurredAt":"2025-02-04T10:00:00+08:00",
        "data":{"visitId":"visit/v-1","householdId":"household/h01","team":"grid-1",
                "visitorIds":["person/worker"],"services":["煤气安全检查"],
                "obligationIds":["visit/o-1"],"reason":"hospital"}})"},
    {"timebank/claim-1",
     R"({"eventId":"d18","type":"volunteerHoursClaimed","occurredAt":"2025-02-05T12:00:00+08:00",
        "data":{"claimId":"claim-1","personId":"person/p01","estateId":"estate/e01",
                "minutes":90,"activity":"楼道清扫","serviceDate":"2025-02-05"}})"},
    {"timebank/claim-1",
     R"({"eventId":"d19","type":"volunteerHoursVerified","occurredAt":"2025-02-06T12:00:00+08:00",
        "data":{"claimId":"claim-1"}})"},
    {"rating/sheet-1",
     R"({"eventId":"d20","type":"inspectionRecorded","occurredAt":"2025-02-10T10:00:00+08:00",
        "data":{"sheetId":"sheet-1","subject":{"kind":"company","id":"company/c01"},
                "estateId":"estate/e01","year":2025,
                "items":[{"item":"绿化","score":8,"maxScore":10}]}})"},
    {"survey/s-1",
     R"({"eventId":"d21","type":"surveyResponseRecorded","occurredAt":"2025-02-11T10:00:00+08:00",
        "data":{"surveyId":"survey/s-1","estateId":"estate/e01","companyId":"company/c01",
                "answers":[{"question":"保洁","satisfaction":"satisfied"}]}})"},
    {"meeting/m-1",
     R"({"eventId":"d22","type":"jointMeetingHeld","occurredAt":"2025-02-15T15:00:00+08:00",
        "data":{"meetingId":"meeting/m-1","estateId":"estate/e01","heldOn":"2025-02-15",
                "attendees":[{"name":"李书记","side":"communityParty"}],
                "agenda":[{"title":"漏水","complaintIds":["complaint/c-1"]}]}})"},
    {"meeting/m-1",
     R"({"eventId":"d23","type":"resolutionAdopted","occurredAt":"2025-02-15T16:00:00+08:00",
        "data":{"resolutionId":"resolution/x-1","meetingId":"meeting/m-1","estateId":"estate/e01",
                "text":"一周内更换水管","ownerSide":"propertyCompany","dueDate":"2025-02-22"}})"},
    {"followup/f-1",
     R"({"eventId":"d24","type":"followUpRecorded","occurredAt":"2025-02-16T10:00:00+08:00",
        "data":{"subject":{"complaintId":"complaint/c-1"},"satisfaction":"basicallySatisfied"}})"},
    {"complaint/c-1",
     R"({"eventId":"d25","type":"correctionRecorded","occurredAt":"2025-02-17T10:00:00+08:00",
        "data":{"correctsSeq":"12","reason":"录入错误",
                "action":{"replacement":{"type":"complaintReplied",
                "data":{"complaintId":"complaint/c-1","reply":"维修工已上门"}}}}})"},
};

const codec::EventJson& Json() {
  static const codec::EventJson json;
  return json;
}

class Service {
 public:
  Service() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fuzz-http-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp failed", pattern);
    dir_ = pattern;

    ledger::Options options;
    options.sync = false;
    options.clock = [] { return kNow; };
    auto log = ledger::Ledger::Open(dir_ + "/ledger", options);
    if (!log.ok()) Fail("cannot open the ledger", log.status().ToString());
    log_ = std::move(log).value();
    auto engine = projections::Engine::Open(log_.get(), dir_ + "/views", {});
    if (!engine.ok()) Fail("cannot open the views", engine.status().ToString());
    engine_ = std::move(engine).value();

    {
      std::ofstream out(dir_ + "/tokens");
      for (const auto& t : kTokens) {
        out << t.secret << '\t' << Sha256Hex(t.secret) << '\t' << t.role << '\t' << t.actor << '\t'
            << t.estates << '\t' << t.company << '\t' << (t.revoked ? "1" : "0") << '\n';
      }
    }
    tokens_ = std::make_unique<http::TokenStore>(dir_ + "/tokens");

    http::ApiOptions api_options;
    api_options.clock = [] { return kNow; };
    api_options.max_wait = std::chrono::milliseconds(0);
    api_options.default_wait = std::chrono::milliseconds(0);
    api_ = std::make_unique<http::Api>(log_.get(), engine_.get(), tokens_.get(), &Json(), &metrics_,
                                       api_options);

    for (const auto& [stream, body] : kDistrict) {
      http::Request r;
      r.method = "POST";
      r.target = "/v1/streams/" + std::string(stream) + "/events";
      r.headers["authorization"] = "Bearer fuzz-admin";
      r.headers["content-type"] = "application/json";
      r.body = body;
      http::Response response = Handle(r);
      if (response.status != 201) Fail("the starting district did not append", response.body);
    }
    start_seq_ = log_->Head().seq;
  }

  ~Service() {
    api_.reset();
    engine_.reset();
    log_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  bool Grown() const { return log_->Head().seq > start_seq_ + kMaxAppends; }

  http::Response Handle(const http::Request& request) {
    http::Response response = api_->Handle(request);
    ledger::Status s = engine_->CatchUp();
    if (!s.ok()) Fail("the views cannot apply the ledger", s.ToString());
    return response;
  }

 private:
  std::string dir_;
  std::unique_ptr<ledger::Ledger> log_;
  std::unique_ptr<projections::Engine> engine_;
  std::unique_ptr<http::TokenStore> tokens_;
  http::Metrics metrics_;
  std::unique_ptr<http::Api> api_;
  uint64_t start_seq_ = 0;
};

std::unique_ptr<Service>& TheService() {
  static std::unique_ptr<Service> service;
  return service;
}

void CheckResponse(const http::Request& request, http::Response&& response) {
  // For looking at what the seeds reach: LEDGER_FUZZ_VERBOSE=1 build-fuzz/fuzz/fuzz_http_request
  // -runs=0 fuzz/corpus/fuzz_http_request
  static const bool verbose = std::getenv("LEDGER_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s %s -> %d %.200s\n", request.method.c_str(), request.target.c_str(),
                 response.status, response.body.c_str());
  }
  auto context = [&] { return request.method + " " + request.target + "\n" + response.body; };
  if (response.status < 100 || response.status > 599) {
    Fail("status " + std::to_string(response.status) + " is not an HTTP status", context());
  }
  if (!response.stream && response.content_type.find("json") != std::string::npos) {
    boost::json::error_code ec;
    boost::json::parse(response.body, ec);
    if (ec) Fail("a JSON response is not JSON (" + ec.message() + ")", context());
  }
  // Converted as the server does, then serialised, so that what Beast does with the values (it
  // throws on some) happens here too.
  http::BeastResponse out = http::ToBeast(std::move(response), 11, true);
  std::ostringstream written;
  written << out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)Json();
  TheService() = std::make_unique<Service>();
  // libFuzzer leaves through exit() when its time is up; RocksDB must be closed, and the folder
  // removed, before the libraries' own statics go away.
  std::atexit([] { TheService().reset(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& service = TheService();
  if (service->Grown()) {
    service.reset();
    service = std::make_unique<Service>();
  }
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (int n = 0; n < kMaxRequests && !input.empty(); ++n) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::error_code ec;
    while (!parser.is_done() && !input.empty()) {
      size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec) break;
      if (used == 0) break;
    }
    // The server answers a malformed request with a fixed 400 and closes; an incomplete one
    // times out. Neither reaches the handler.
    if (!parser.is_done()) return 0;
    auto message = parser.release();
    bool keep_alive = message.keep_alive();
    http::Request request = http::ToRequest(std::move(message), "127.0.0.1:1");
    // A backup writes a checkpoint to any absolute folder the request names: not on this machine.
    if (auto t = http::ParseTarget(request.target); t.ok() && t->path == "/v1/admin/backup") {
      return 0;
    }
    // A streamed response (Server-Sent Events) is not run: it waits for appends that never come.
    CheckResponse(request, service->Handle(request));
    if (!keep_alive) return 0;
  }
  return 0;
}
