// End to end over real HTTP on a loopback port: appends, reads, conflicts, retries, views,
// time travel, read-your-writes, Server-Sent Events, errors, and permissions.

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <atomic>
#include <set>
#include <thread>

#include "schemas/api.capnp.h"
#include "server_fixture.h"

using ledger::schema::Role;
using testing::HttpClient;
using testing::HttpReply;
using testing::ServerFixture;

namespace {

std::string ComplaintJson(const std::string& id, const std::string& complaint,
                          const std::string& estate = "estate/e-1",
                          const std::string& summary = "电梯停运三天，老人下不了楼") {
  return R"({"eventId":")" + id +
         R"(","type":"complaintFiled","occurredAt":"2025-03-01T21:30:00+08:00","data":{"complaintId":")" +
         complaint + R"(","estateId":")" + estate +
         R"(","category":"lift","channel":"wechatGroup","summary":")" + summary + R"("}})";
}

uint64_t Head(HttpClient& c, const std::string& token) {
  return c.Send("GET", "/v1/head", token).json().at("seq").as_int64();
}

}  // namespace

TEST_CASE("append and read back over HTTP - Chinese text included", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  auto appended =
      c.Send("POST", "/v1/streams/complaint%2Fc-1/events", f.admin, ComplaintJson("ev-1", "c-1"));
  INFO(appended.body);
  REQUIRE(appended.status == 201);
  auto a = appended.json();
  CHECK(a.at("seqs").as_array().size() == 1);
  CHECK(a.at("seqs").at(0).as_int64() == 1);
  CHECK(a.at("streamVersion").as_int64() == 1);
  CHECK(a.at("head").at("seq").as_int64() == 1);
  CHECK(a.at("head").at("hash").as_string().size() == 64);

  // Slashes may also stand unencoded in the path.
  auto second =
      c.Send("POST", "/v1/streams/complaint/c-2/events", f.admin, ComplaintJson("ev-2", "c-2"));
  REQUIRE(second.status == 201);

  auto one = c.Send("GET", "/v1/events/1", f.admin);
  REQUIRE(one.status == 200);
  auto e = one.json();
  CHECK(e.at("seq").as_int64() == 1);
  CHECK(e.at("event").at("type").as_string() == "complaintFiled");
  CHECK(e.at("event").at("stream").as_string() == "complaint/c-1");
  CHECK(e.at("event").at("data").at("summary").as_string() == "电梯停运三天，老人下不了楼");
  // The actor comes from the token.
  CHECK(e.at("event").at("actorId").as_string() == "person/admin");
  CHECK(e.at("event").at("actorRole").as_string() == "admin");
  CHECK(e.at("event").at("occurredAt").as_string() == "2025-03-01T13:30:00.000Z");

  auto stream = c.Send("GET", "/v1/streams/complaint%2Fc-2/events?from=1&limit=10", f.admin);
  REQUIRE(stream.status == 200);
  CHECK(stream.json().at("events").as_array().size() == 1);
  CHECK(stream.json().at("events").at(0).at("seq").as_int64() == 2);

  auto log = c.Send("GET", "/v1/log?from=1&limit=1", f.admin);
  REQUIRE(log.status == 200);
  CHECK(log.json().at("events").as_array().size() == 1);
  CHECK(log.json().at("next").as_int64() == 2);

  auto verify = c.Send("GET", "/v1/verify", f.admin);
  REQUIRE(verify.status == 200);
  CHECK(verify.json().at("ok").as_bool());
  CHECK(verify.json().at("checked").as_int64() == 2);
}

TEST_CASE("a batch with an expected version - a conflict - and an idempotent retry", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  std::string batch =
      R"({"expectedVersion":"none","events":[)" + ComplaintJson("b-1", "c-9") + "," +
      R"({"eventId":"b-2","type":"complaintAcknowledged","data":{"complaintId":"c-9"}}]})";
  auto first = c.Send("POST", "/v1/streams/complaint%2Fc-9/events", f.admin, batch);
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(first.json().at("seqs").as_array().size() == 2);
  CHECK(first.json().at("streamVersion").as_int64() == 2);

  // The same batch again: the ids are known, so the first result comes back and nothing is added.
  auto retry = c.Send("POST", "/v1/streams/complaint%2Fc-9/events", f.admin, batch);
  REQUIRE(retry.status == 200);
  CHECK(retry.json().at("duplicate").as_bool());
  CHECK(retry.json().at("seqs").at(1).as_int64() == 2);
  CHECK(Head(c, f.admin) == 2);

  // New events expecting version 1 of a stream at 2: a conflict naming the actual version.
  auto conflict =
      c.Send("POST", "/v1/streams/complaint%2Fc-9/events?expectedVersion=1", f.admin,
             R"({"eventId":"b-3","type":"complaintResolved","data":{"complaintId":"c-9"}})");
  REQUIRE(conflict.status == 409);
  CHECK(conflict.content_type == "application/problem+json");
  CHECK(conflict.json().at("actualVersion").as_int64() == 2);
  CHECK(conflict.json().at("stream").as_string() == "complaint/c-9");
  CHECK(Head(c, f.admin) == 2);
}

TEST_CASE("the binary Cap'n Proto form of an append is accepted", "[http]") {
  ServerFixture f;
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<ledger::schema::AppendRequest>();
  request.setExpectedVersion("none");
  auto e = request.initEvents(1)[0];
  e.setEventId("bin-1");
  auto c = e.initPayload().initComplaintFiled();
  c.setComplaintId("c-bin");
  c.setEstateId("estate/e-1");
  c.setCategory("water");
  c.setSummary("二进制提交");
  auto words = capnp::messageToFlatArray(message);
  std::string body(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  auto client = f.Client();
  auto r = client.Send("POST", "/v1/streams/complaint%2Fc-bin/events", f.admin, body,
                       "application/x-capnp");
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto read = client.Send("GET", "/v1/events/1", f.admin);
  CHECK(read.json().at("event").at("data").at("summary").as_string() == "二进制提交");
}

TEST_CASE("each error status says what was wrong and appends nothing", "[http]") {
  http::ServerOptions small;
  small.body_limit = 4096;
  ServerFixture f(small);
  auto c = f.Client();
  const std::string path = "/v1/streams/complaint%2Fc-1/events";

  SECTION("400 for malformed JSON") {
    auto r = c.Send("POST", path, f.admin, R"({"eventId": "x", "type": )");
    REQUIRE(r.status == 400);
    CHECK(r.content_type == "application/problem+json");
    CHECK_THAT(std::string(r.json().at("detail").as_string()), Catch::Contains("malformed JSON"));
  }
  SECTION("400 for a schema violation naming the field") {
    auto r = c.Send(
        "POST", path, f.admin,
        R"({"eventId":"x","type":"complaintFiled","data":{"complaintId":"c-1","estateId":"e","category":"lift","channel":"fax","summary":"s"}})");
    REQUIRE(r.status == 400);
    CHECK_THAT(std::string(r.json().at("detail").as_string()),
               Catch::Contains("data.channel") && Catch::Contains("wechatGroup"));
  }
  SECTION("400 for a missing required field") {
    auto r = c.Send(
        "POST", path, f.admin,
        R"({"eventId":"x","type":"complaintFiled","data":{"complaintId":"c-1","estateId":"e","category":"lift"}})");
    REQUIRE(r.status == 400);
    CHECK_THAT(std::string(r.json().at("detail").as_string()),
               Catch::Contains("complaintFiled.summary is required"));
  }
  SECTION("400 for a bad expected version") {
    auto r = c.Send("POST", path + "?expectedVersion=soon", f.admin, ComplaintJson("x", "c-1"));
    REQUIRE(r.status == 400);
    CHECK_THAT(std::string(r.json().at("detail").as_string()), Catch::Contains("expectedVersion"));
  }
  SECTION("404 for an unknown route and an unknown stream") {
    CHECK(c.Send("GET", "/v2/anything", f.admin).status == 404);
    CHECK(c.Send("GET", "/v1/nothing", f.admin).status == 404);
    auto r = c.Send("GET", "/v1/streams/complaint%2Fnone/events", f.admin);
    REQUIRE(r.status == 404);
    CHECK_THAT(std::string(r.json().at("detail").as_string()), Catch::Contains("complaint/none"));
    CHECK(c.Send("GET", "/v1/events/77", f.admin).status == 404);
    CHECK(c.Send("GET", "/v1/views/nothing", f.admin).status == 404);
  }
  SECTION("401 without a token and with an unknown one") {
    auto none = c.Send("POST", path, "", ComplaintJson("x", "c-1"));
    REQUIRE(none.status == 401);
    CHECK(none.headers["WWW-Authenticate"] == "Bearer");
    CHECK(c.Send("POST", path, "glt_not-a-token", ComplaintJson("x", "c-1")).status == 401);
  }
  SECTION("403 for a role that may not append the type") {
    std::string company = f.Token(Role::COMPANY_STAFF, "person/staff", {}, "company/c-1");
    auto r = c.Send(
        "POST", "/v1/streams/rating%2F2025/events", company,
        R"({"eventId":"x","type":"starRatingPublished","data":{"year":2025,"ratings":[{"stars":5}],"computedAtSeq":"1"}})");
    REQUIRE(r.status == 403);
    CHECK_THAT(std::string(r.json().at("detail").as_string()),
               Catch::Contains("companyStaff") && Catch::Contains("starRatingPublished"));
  }
  SECTION("413 for a body over the limit") {
    auto r = c.Send("POST", path, f.admin,
                    ComplaintJson("x", "c-1", "estate/e-1", std::string(5000, 'a')));
    REQUIRE(r.status == 413);
    CHECK(r.content_type == "application/problem+json");
  }
  SECTION("415 for a wrong content type") {
    auto r = c.Send("POST", path, f.admin, "eventId=x", "application/x-www-form-urlencoded");
    REQUIRE(r.status == 415);
    CHECK_THAT(std::string(r.json().at("detail").as_string()), Catch::Contains("application/json"));
  }
  SECTION("405 for a method the route does not take") {
    auto r = c.Send("DELETE", "/v1/events/1", f.admin);
    REQUIRE(r.status == 405);
  }
  // A fresh connection: some errors close the one they came on.
  auto fresh = f.Client();
  CHECK(Head(fresh, f.admin) == 0);
}

TEST_CASE(
    "permissions: every role against a type it may not append and an estate outside its scope",
    "[http][permissions]") {
  ServerFixture f;
  f.now = 1'740'838'400'000;  // 2025-03-01T22:13:20+08:00, after the complaints below happened
  auto c = f.Client();
  struct Case {
    Role role;
    std::vector<std::string> estates;
    std::string company;
    std::string forbidden_body;  // a type the role may not append
  };
  const std::string inspection =
      R"({"eventId":"p-x","type":"inspectionRecorded","data":{"sheetId":"s-1","subject":{"kind":"company","id":"company/c-1"},"year":2025,"items":[{"item":"cleanliness","score":8,"maxScore":10}]}})";
  const std::string policy =
      R"({"eventId":"p-y","type":"policyAdopted","data":{"policyId":"time-bank","effectiveFrom":"2025-01-01","rules":{"timeBank":{"pointsPerHourCenti":100}}}})";
  const std::string household =
      R"({"eventId":"p-z","type":"householdRegistered","data":{"householdId":"h-1","estateId":"estate/e-1"}})";
  std::vector<Case> cases = {
      {Role::RESIDENT, {"estate/e-1"}, "", inspection},
      {Role::COMPANY_STAFF, {}, "company/c-1", inspection},
      {Role::COMMUNITY_WORKER, {"estate/e-1"}, "", policy},
      {Role::OWNERS_COMMITTEE, {"estate/e-1"}, "", household},
      {Role::STREET_AUDITOR, {}, "", household},
  };
  for (const auto& k : cases) {
    std::string token = f.Token(k.role, "person/p", k.estates, k.company);
    auto r = c.Send("POST", "/v1/streams/x%2F1/events", token, k.forbidden_body);
    INFO(http::RoleName(k.role) << ": " << r.body);
    CHECK(r.status == 403);
  }

  // Scope: a resident of estate e-1 files for e-1, not for e-2.
  std::string resident = f.Token(Role::RESIDENT, "person/r-1", {"estate/e-1"});
  auto own =
      c.Send("POST", "/v1/streams/complaint%2Fown/events", resident, ComplaintJson("s-1", "own"));
  INFO(own.body);
  CHECK(own.status == 201);
  auto other = c.Send("POST", "/v1/streams/complaint%2Fother/events", resident,
                      ComplaintJson("s-2", "other", "estate/e-2"));
  REQUIRE(other.status == 403);
  CHECK_THAT(std::string(other.json().at("detail").as_string()), Catch::Contains("estate/e-2"));

  // Company staff act on complaints of the estates their company serves, and no others.
  auto contract = c.Send(
      "POST", "/v1/streams/contract%2Fk-1/events", f.admin,
      R"({"eventId":"k-1","type":"serviceContractStarted","data":{"contractId":"k-1","estateId":"estate/e-1","companyId":"company/c-1","startDate":"2024-01-01"}})");
  REQUIRE(contract.status == 201);
  std::string staff = f.Token(Role::COMPANY_STAFF, "person/s-1", {}, "company/c-1");
  std::string rival = f.Token(Role::COMPANY_STAFF, "person/s-2", {}, "company/c-2");
  const std::string ack =
      R"({"eventId":"ack-1","type":"complaintAcknowledged","data":{"complaintId":"own"}})";
  auto refused = c.Send("POST", "/v1/streams/complaint%2Fown/events", rival, ack);
  INFO(refused.body);
  CHECK(refused.status == 403);
  auto accepted = c.Send("POST", "/v1/streams/complaint%2Fown/events", staff, ack);
  INFO(accepted.body);
  CHECK(accepted.status == 201);

  // Residents do not read the raw log; they read views of their own estate only.
  CHECK(c.Send("GET", "/v1/log", resident).status == 403);
  CHECK(c.Send("GET", "/v1/views/complaints?estate=estate%2Fe-2", resident).status == 403);
  auto mine = c.Send("GET", "/v1/views/complaints?atLeast=3", resident);
  REQUIRE(mine.status == 200);
  CHECK(mine.json().at("result").at("total").as_int64() == 1);
}

TEST_CASE("views over HTTP - as of an earlier position - and at least a position", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fc-1/events", f.admin, ComplaintJson("v-1", "c-1"))
              .status == 201);
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fc-2/events", f.admin, ComplaintJson("v-2", "c-2"))
              .status == 201);
  auto third =
      c.Send("POST", "/v1/streams/complaint%2Fc-3/events", f.admin, ComplaintJson("v-3", "c-3"));
  REQUIRE(third.status == 201);
  uint64_t seq = third.json().at("head").at("seq").as_int64();

  auto now = c.Send("GET", "/v1/views/complaints?atLeast=" + std::to_string(seq), f.admin);
  REQUIRE(now.status == 200);
  CHECK(now.json().at("result").at("total").as_int64() == 3);
  CHECK(now.json().at("position").at("seq").as_int64() == 3);
  CHECK_FALSE(now.json().at("asOf").as_bool());

  // A position past the head is not answered with the head's figures.
  for (const char* past : {"/v1/views/complaints?asOf=4", "/v1/views/audit?asOf=999999999",
                           "/v1/reports/star-evaluation?year=2025&asOf=4"}) {
    auto refused = c.Send("GET", past, f.admin);
    INFO(past << ": " << refused.body);
    CHECK(refused.status == 400);
    CHECK(refused.body.find("past the log's head, 3") != std::string::npos);
  }

  auto before = c.Send("GET", "/v1/views/complaints?asOf=2", f.admin);
  REQUIRE(before.status == 200);
  CHECK(before.json().at("result").at("total").as_int64() == 2);
  CHECK(before.json().at("position").at("seq").as_int64() == 2);
  CHECK(before.json().at("asOf").as_bool());

  // The audit trail as of a position is the live index read up to it, at that position: the
  // same position, hash included, as the views replayed to it.
  auto trail = c.Send("GET", "/v1/views/audit?entity=estate%2Fe-1&asOf=2", f.admin);
  REQUIRE(trail.status == 200);
  CHECK(trail.json().at("position") == before.json().at("position"));
  CHECK(trail.json().at("asOf").as_bool());
  CHECK(trail.json().at("result").at("total").as_int64() == 2);
  auto entries = trail.json().at("result").at("entries").as_array();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].at("seq").as_int64() == 1);
  CHECK(entries[1].at("seq").as_int64() == 2);
  auto trail_now = c.Send("GET", "/v1/views/audit?entity=estate%2Fe-1", f.admin);
  REQUIRE(trail_now.status == 200);
  CHECK(trail_now.json().at("result").at("total").as_int64() == 3);

  auto later = c.Send("GET", "/v1/views/complaints?atLeast=99&wait=50", f.admin);
  REQUIRE(later.status == 503);
  CHECK_THAT(std::string(later.json().at("detail").as_string()), Catch::Contains("not 99"));

  auto board = c.Send("GET", "/v1/views/reply-board?estate=estate%2Fe-1", f.admin);
  CHECK(board.status == 200);
  auto bad = c.Send("GET", "/v1/views/complaints?from=yesterday", f.admin);
  REQUIRE(bad.status == 400);
  CHECK_THAT(std::string(bad.json().at("detail").as_string()), Catch::Contains("from"));
}

TEST_CASE("the audit trail as of a position the views have not applied says so at once", "[http]") {
  // The audit view as of a position reads the live index up to it: until the views have
  // applied it, the answer is a 503 naming how far they are, not a wait on a pool thread.
  ServerFixture f({}, {}, "", /*follow=*/false);
  auto c = f.Client();
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fc-1/events", f.admin, ComplaintJson("v-1", "c-1"))
              .status == 201);
  auto early = c.Send("GET", "/v1/views/audit?entity=complaint%2Fc-1&asOf=1", f.admin);
  REQUIRE(early.status == 503);
  CHECK(early.headers["Retry-After"] == "1");
  CHECK_THAT(std::string(early.json().at("detail").as_string()),
             Catch::Contains("applied up to position 0, not 1") && Catch::Contains("atLeast=1"));

  REQUIRE(f.engine().CatchUp().ok());
  auto later = c.Send("GET", "/v1/views/audit?entity=complaint%2Fc-1&asOf=1", f.admin);
  REQUIRE(later.status == 200);
  CHECK(later.json().at("result").at("total").as_int64() == 1);
  CHECK(later.json().at("position").at("seq").as_int64() == 1);

  // Read as of a position or not, the trail is for auditors, admins and community workers.
  using ledger::schema::Role;
  std::string resident = f.Token(Role::RESIDENT, "person/r-1", {"estate/e-1"});
  std::string staff = f.Token(Role::COMPANY_STAFF, "person/s-1", {}, "company/c-1");
  const std::string as_of = "/v1/views/audit?entity=complaint%2Fc-1&asOf=1";
  CHECK(c.Send("GET", as_of, resident).status == 403);
  CHECK(c.Send("GET", as_of, staff).status == 403);
  CHECK(c.Send("GET", as_of, "").status == 401);
}

TEST_CASE("server-sent events stream the log and resume after Last-Event-ID", "[http][sse]") {
  ServerFixture f;
  auto c = f.Client();
  for (int i = 1; i <= 3; ++i) {
    std::string n = std::to_string(i);
    REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fs" + n + "/events", f.admin,
                   ComplaintJson("sse-" + n, "s" + n))
                .status == 201);
  }
  auto read_until = [](HttpClient& client, const std::string& needle) {
    std::string seen;
    char buffer[4096];
    auto& socket = client.stream().socket();
    for (int i = 0; i < 200 && seen.find(needle) == std::string::npos; ++i) {
      boost::system::error_code ec;
      size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
      if (ec) break;
      seen.append(buffer, n);
    }
    return seen;
  };
  {
    HttpClient sse = f.Client();
    sse.WriteRaw("GET /v1/subscribe?from=2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                 f.admin + "\r\n\r\n");
    std::string got = read_until(sse, "id: 3\n");
    CHECK_THAT(got, Catch::Contains("text/event-stream"));
    CHECK_THAT(got, Catch::Contains("id: 2\nevent: complaintFiled\ndata: {"));
    CHECK_THAT(got, Catch::Contains("id: 3\n"));
    CHECK_THAT(got, !Catch::Contains("id: 1\n"));
    // A new append reaches the open stream.
    REQUIRE(
        c.Send("POST", "/v1/streams/complaint%2Fs4/events", f.admin, ComplaintJson("sse-4", "s4"))
            .status == 201);
    CHECK_THAT(read_until(sse, "id: 4\n"), Catch::Contains("id: 4\n"));
  }
  HttpClient resume = f.Client();
  resume.WriteRaw(
      "GET /v1/subscribe HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 3\r\nAuthorization: Bearer " +
      f.admin + "\r\n\r\n");
  std::string got = read_until(resume, "id: 4\n");
  CHECK_THAT(got, Catch::Contains("id: 4\n"));
  CHECK_THAT(got, !Catch::Contains("id: 3\n"));
}

TEST_CASE("pipelined requests are answered in order on one connection", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  std::string auth = "Authorization: Bearer " + f.admin + "\r\n";
  c.WriteRaw("GET /v1/head HTTP/1.1\r\nHost: x\r\n" + auth +
             "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/nothing HTTP/1.1\r\nHost: x\r\n" +
             auth + "\r\n");
  CHECK(c.Receive().status == 200);
  auto health = c.Receive();
  CHECK(health.status == 200);
  CHECK_THAT(health.body, Catch::Contains("\"status\":\"ok\""));
  CHECK(c.Receive().status == 404);
}

TEST_CASE("healthz and metrics in the Prometheus text format", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  REQUIRE(c.Send("POST", "/v1/streams/complaint%2Fm/events", f.admin, ComplaintJson("m-1", "m"))
              .status == 201);
  (void)c.Send("POST", "/v1/streams/complaint%2Fm/events?expectedVersion=none", f.admin,
               R"({"eventId":"m-2","type":"complaintEscalated","data":{"complaintId":"m"}})");
  auto metrics = c.Send("GET", "/metrics", "");
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.content_type, Catch::StartsWith("text/plain"));
  CHECK_THAT(metrics.body, Catch::Contains("ledger_appends_total 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("ledger_conflicts_total 1\n"));
  CHECK_THAT(metrics.body, Catch::Contains("http_request_duration_seconds_count"));
  CHECK_THAT(metrics.body, Catch::Contains("ledger_projection_lag_events"));
  CHECK_THAT(metrics.body, Catch::Contains("http_errors_total{kind=\"conflict\"} 1"));
  // Views that keep up: nothing failing, no failure yet (a full store is in disk_full_test).
  CHECK_THAT(metrics.body, Catch::Contains("ledger_views_failing 0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("ledger_views_failures_total 0\n"));
  auto health = c.Send("GET", "/healthz", "");
  REQUIRE(health.status == 200);
  auto views = health.json().at("views").as_object();
  CHECK(views.at("failing").as_bool() == false);
  CHECK(views.at("failures").as_int64() == 0);
  CHECK(views.at("recoveries").as_int64() == 0);
  CHECK(views.at("lastError").is_null());
  CHECK(health.json().at("status").as_string() == "ok");
}

TEST_CASE("the handler answers without a network", "[http]") {
  ServerFixture f;
  http::Request request;
  request.method = "GET";
  request.target = "/v1/head";
  request.headers["authorization"] = "Bearer " + f.admin;
  auto response = f.api().Handle(request);
  CHECK(response.status == 200);
  CHECK_THAT(response.body, Catch::Contains("\"seq\":0"));
  request.headers.clear();
  CHECK(f.api().Handle(request).status == 401);
}

TEST_CASE("stopping the server finishes the request in flight", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  // A read waiting for a position that is appended only after the stop has begun. Each step
  // waits for the one before to be seen: the read waiting in the engine, then the listener
  // closed (a new connection refused).
  HttpReply reply;
  std::thread reader(
      [&] { reply = c.Send("GET", "/v1/views/complaints?atLeast=1&wait=5000", f.admin); });
  auto until = [](auto done) {
    for (int i = 0; i < 1000 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  REQUIRE(until([&] { return f.engine().waiting() == 1; }));
  std::thread stopper([&] { f.server().Stop(); });
  REQUIRE(until([&] {
    try {
      f.Client();
      return false;
    } catch (const std::exception&) {
      return true;
    }
  }));
  auto e = testing::Complaint("late-1", "complaint/late");
  std::vector<ledger::schema::Event::Reader> one{e.reader()};
  REQUIRE(f.log().Append("complaint/late", ledger::ExpectedVersion::Any(), one).ok());
  reader.join();
  stopper.join();
  CHECK(reply.status == 200);
  CHECK(reply.json().at("result").at("total").as_int64() == 1);
  // No new connections once stopped.
  CHECK_THROWS(f.Client());
}

// "2025-03-01T13:30:00.000Z": the one shape of a time in an answer.
bool IsUtcMillisTime(std::string_view t) {
  const std::string_view shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (t.size() != shape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool ok = shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i];
    if (!ok) return false;
  }
  return true;
}

// Everything in `v` (at `path`) that breaks the JSON convention of views and reports (README):
// an empty string standing for "none", a time that is neither RFC 3339 nor null, a sequence
// number, count or amount written as anything but a number.
void CheckConvention(const boost::json::value& v, const std::string& path,
                     std::vector<std::string>* broken) {
  static const std::set<std::string> kInstants = {"now", "deadline",   "overdueFrom", "since",
                                                  "at",  "periodFrom", "periodTo"};
  auto ends = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (v.is_object()) {
    for (const auto& [k, member] : v.as_object()) {
      std::string key(k);
      std::string here = path + "." + key;
      bool instant = ends(key, "At") || kInstants.count(key) > 0;
      if (instant && !member.is_null() &&
          !(member.is_string() && IsUtcMillisTime(member.as_string()))) {
        broken->push_back(here + " is not an RFC 3339 time or null");
      }
      bool number = ends(key, "Seq") || key == "seq" || ends(key, "Centi") || key == "count" ||
                    key == "total" || key == "minutes" || ends(key, "Hours");
      if (number && !member.is_number() && !member.is_null()) {
        broken->push_back(here + " is not a number");
      }
      CheckConvention(member, here, broken);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      CheckConvention(v.as_array()[i], path + "[" + std::to_string(i) + "]", broken);
    }
  } else if (v.is_string() && v.as_string().empty()) {
    broken->push_back(path + " is an empty string");
  }
}

TEST_CASE("every view and both reports answer over HTTP", "[http][views]") {
  ServerFixture f;
  auto c = f.Client();
  auto post = [&](const std::string& stream, const std::string& body) {
    auto r = c.Send("POST", "/v1/streams/" + stream + "/events", f.admin, body);
    INFO(r.body);
    REQUIRE(r.status == 201);
  };
  post(
      "estate%2Fe-1",
      R"({"eventId":"x-1","type":"estateRegistered","data":{"estateId":"estate/e-1","name":"阳光花园","householdCount":200}})");
  post(
      "household%2Fh-1",
      R"({"eventId":"x-2","type":"householdRegistered","data":{"householdId":"h-1","estateId":"estate/e-1","headName":"张大爷","phone":"13800000000","flags":{"elderlyAlone":true}}})");
  post("complaint%2Fc-1", ComplaintJson("x-3", "c-1"));
  post(
      "repair%2Fr-1",
      R"({"eventId":"x-4","type":"repairRequested","data":{"repairId":"r-1","estateId":"estate/e-1","category":"water"}})");
  uint64_t head = Head(c, f.admin);
  const std::string wait = "atLeast=" + std::to_string(head);

  const std::vector<std::string> queries = {
      "views/complaints?" + wait,
      "views/reply-board?estate=estate%2Fe-1&" + wait,
      "views/repairs?" + wait,
      "views/overdue-repairs?" + wait,
      "views/visits?" + wait,
      "views/household-visits?household=h-1&" + wait,
      "views/time-bank?" + wait,
      "views/time-bank-statement?person=person%2Fp-1&" + wait,
      "views/meetings?" + wait,
      "views/open-resolutions?estate=estate%2Fe-1&" + wait,
      "views/ratings?year=2025&" + wait,
      "views/registers?" + wait,
      "views/audit?entity=h-1&" + wait,
      "reports/star-evaluation?year=2025&" + wait,
      "reports/"
      "joint-meeting?estate=estate%2Fe-1&from=2025-01-01T00:00:00%2B08:00&to=2025-12-31T00:00:00%"
      "2B08:00&" +
          wait,
  };
  for (const auto& q : queries) {
    auto r = c.Send("GET", "/v1/" + q, f.admin);
    INFO(q << " -> " << r.body.substr(0, 400));
    REQUIRE(r.status == 200);
    CHECK(r.json().at("position").at("seq").as_int64() == static_cast<int64_t>(head));
    std::vector<std::string> broken;
    CheckConvention(r.json().at("result"), "result", &broken);
    CHECK(broken == std::vector<std::string>{});
  }
  auto complaints = c.Send("GET", "/v1/views/complaints?" + wait, f.admin).json();
  CHECK(complaints.at("result").at("total").as_int64() == 1);
  // Every field is there with its zero value; times not yet come are null; so is "no household".
  const auto& item = complaints.at("result").at("items").at(0);
  CHECK(item.at("filedAt").as_string() == "2025-03-01T13:30:00.000Z");
  CHECK(item.at("acknowledgedAt").is_null());
  CHECK(item.at("householdId").is_null());
  CHECK(item.at("escalated").as_bool() == false);
  CHECK(item.at("reopenedCount").as_int64() == 0);
  CHECK(item.at("filedSeq").as_int64() == 3);
  CHECK(complaints.at("result").at("escalated").as_int64() == 0);
  auto repairs = c.Send("GET", "/v1/views/repairs?" + wait, f.admin).json();
  CHECK(repairs.at("result").at("total").as_int64() == 1);
  auto audit = c.Send("GET", "/v1/views/audit?entity=h-1", f.admin).json();
  CHECK(audit.at("result").at("entries").as_array().size() == 1);

  // Personal details: an auditor sees the head of household's name, a resident does not.
  auto full = c.Send("GET", "/v1/views/registers", f.admin).json();
  CHECK(full.at("result").at("households").at(0).at("headName").as_string() == "张大爷");
  std::string resident = f.Token(Role::RESIDENT, "person/r", {"estate/e-1"});
  auto hidden = c.Send("GET", "/v1/views/registers", resident).json();
  // Withheld, not missing: every field is present, and "none" is null (README, the JSON
  // convention).
  CHECK(hidden.at("result").at("households").at(0).at("headName").is_null());
  CHECK(hidden.at("result").at("households").at(0).at("phone").is_null());
  CHECK(hidden.at("result").at("households").at(0).at("personalDetailsHidden").as_bool());
  // And the audit index is not for residents.
  CHECK(c.Send("GET", "/v1/views/audit?entity=h-1", resident).status == 403);
}

TEST_CASE("an online backup taken while appends run restores to a ledger that verifies",
          "[http][backup]") {
  ServerFixture f;
  testing::TempDir backups;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::thread appender([&] {
    auto c = f.Client();
    for (int i = 0; i < 2000 && !stop; ++i) {
      std::string n = std::to_string(i);
      auto r = c.Send("POST", "/v1/streams/complaint%2Fb" + n + "/events", f.admin,
                      ComplaintJson("bk-" + n, "b" + n));
      if (r.status == 201) ++acknowledged;
    }
  });
  while (acknowledged < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto c = f.Client();
  auto r = c.Send("POST", "/v1/admin/backup?to=" + backups.sub("copy"), f.admin);
  INFO(r.body);
  REQUIRE(r.status == 201);
  stop = true;
  appender.join();
  std::string resident = f.Token(Role::RESIDENT, "person/r", {"estate/e-1"});
  CHECK(c.Send("POST", "/v1/admin/backup?to=" + backups.sub("other"), resident).status == 403);

  auto copy = ledger::Ledger::Open(backups.sub("copy") + "/ledger", {});
  REQUIRE(copy.ok());
  auto report = (*copy)->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->checked >= 20);
  CHECK(report->head == (*copy)->Head());
}

TEST_CASE("a request that is not HTTP is answered with a problem document that parses", "[http]") {
  ServerFixture f;
  auto c = f.Client();
  // A header line without a colon, with quotes and a backslash that the answer must not break on.
  c.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\"bad\\header\r\n\r\n");
  auto reply = c.Receive();
  CHECK(reply.status == 400);
  CHECK(reply.content_type == "application/problem+json");
  auto problem = reply.json().as_object();
  CHECK(problem.at("status").as_int64() == 400);
  CHECK(problem.at("title").as_string() == "Bad Request");
  CHECK_THAT(std::string(problem.at("detail").as_string()),
             Catch::StartsWith("the request is not valid HTTP/1.1: "));
}
