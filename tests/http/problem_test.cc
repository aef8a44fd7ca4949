// The one function from a refusal to its problem document (http/problem.h, private to http/):
// each Status code's HTTP status and type, the overrides, the members and headers, and the count
// a refusal leaves in the metrics. Expected documents are written out by hand.

#include <catch2/catch.hpp>

#include "../../http/problem.h"  // private to http/: tested here as a unit

using ledger::Status;

TEST_CASE("a Status's code picks the HTTP status, the type and the title", "[problem]") {
  http::Response r = http::ProblemResponse(Status::InvalidArgument("from: \"x\" is not a number"));
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/problem+json");
  CHECK(r.body ==
        "{\"type\":\"/problems/bad_request\",\"title\":\"Bad Request\",\"status\":400,"
        "\"detail\":\"from: \\\"x\\\" is not a number\"}");
  CHECK(r.headers.empty());

  CHECK(http::ProblemResponse(Status::NotFound("no such view")).body ==
        "{\"type\":\"/problems/not_found\",\"title\":\"Not Found\",\"status\":404,"
        "\"detail\":\"no such view\"}");
  CHECK(http::ProblemResponse(Status::AlreadyExists("id taken")).body ==
        "{\"type\":\"/problems/taken\",\"title\":\"Conflict\",\"status\":409,"
        "\"detail\":\"id taken\"}");
  CHECK(http::ProblemResponse(Status::IOError("disk full")).body ==
        "{\"type\":\"/problems/storage\",\"title\":\"Service Unavailable\",\"status\":503,"
        "\"detail\":\"disk full\"}");
  CHECK(http::ProblemResponse(Status::Timeout("waited")).status == 503);
  CHECK(http::ProblemResponse(Status::Corruption("bad hash")).body.find("/problems/integrity") !=
        std::string::npos);
}

TEST_CASE("a Problem adds the rule, members and headers, and overrides what a code cannot say",
          "[problem]") {
  http::Response refused = http::ProblemResponse(
      http::Problem(Status::PermissionDenied("not your estate")).Rule("scope.estate"));
  CHECK(refused.status == 403);
  CHECK(refused.body ==
        "{\"type\":\"/problems/permission\",\"title\":\"Forbidden\",\"status\":403,"
        "\"detail\":\"not your estate\",\"rule\":\"scope.estate\"}");

  http::Response auth =
      http::ProblemResponse(http::Problem(Status::PermissionDenied("send a bearer token"))
                                .As(401, "auth")
                                .Header("WWW-Authenticate", "Bearer"));
  CHECK(auth.status == 401);
  CHECK(auth.body ==
        "{\"type\":\"/problems/auth\",\"title\":\"Unauthorized\",\"status\":401,"
        "\"detail\":\"send a bearer token\"}");
  CHECK(auth.headers.at("WWW-Authenticate") == "Bearer");

  http::Response conflict = http::ProblemResponse(
      http::Problem(Status::Conflict("expected 3, actual 4")).Members(",\"actualVersion\":4"));
  CHECK(conflict.body ==
        "{\"type\":\"/problems/conflict\",\"title\":\"Conflict\",\"status\":409,"
        "\"detail\":\"expected 3, actual 4\",\"actualVersion\":4}");

  http::Response plain =
      http::ProblemResponse(http::Problem(Status::Unavailable("too many")).As(503, "about:blank"));
  CHECK(plain.body ==
        "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
        "\"detail\":\"too many\"}");
}

TEST_CASE("a counted refusal is counted by kind, and by rule when a rule refused", "[problem]") {
  http::Metrics metrics;
  (void)http::CountedProblem(&metrics,
                             http::Problem(Status::PermissionDenied("no")).Rule("scope.estate"));
  (void)http::CountedProblem(&metrics, Status::InvalidArgument("bad"));
  (void)http::CountedProblem(&metrics, Status::InvalidArgument("worse"));
  std::string text = metrics.Render(0, 0, ledger::StorageHealth{}, projections::FollowerHealth{});
  CHECK(text.find("http_errors_total{kind=\"permission\"} 1\n") != std::string::npos);
  CHECK(text.find("http_errors_total{kind=\"bad_request\"} 2\n") != std::string::npos);
  CHECK(text.find("ledger_refusals_total{rule=\"scope.estate\"} 1\n") != std::string::npos);
  CHECK(text.find("ledger_refusals_total{rule=\"unknown\"}") == std::string::npos);
}

TEST_CASE("Checked holds a value or the Problem that stands instead", "[problem]") {
  http::Checked<int> good = 7;
  REQUIRE(good.ok());
  CHECK(*good == 7);
  http::Checked<int> bad = Status::NotFound("gone");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.problem().HttpStatus() == 404);
  CHECK(bad.problem().KindName() == "not_found");
  http::Checked<int> from_result = ledger::Result<int>(Status::Timeout("late"));
  REQUIRE_FALSE(from_result.ok());
  CHECK(from_result.problem().KindName() == "timeout");
}
