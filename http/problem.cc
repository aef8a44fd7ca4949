#include "problem.h"

#include "http/routes.h"

namespace http {
namespace {

using ledger::Code;

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
    case Code::kAlreadyExists:
      return 409;
    default:  // the server cannot answer now: timeouts, storage, a broken log
      return 503;
  }
}

std::string KindOf(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return "bad_request";
    case Code::kPermissionDenied:
      return "permission";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kAlreadyExists:
      return "taken";
    case Code::kTimeout:
      return "timeout";
    case Code::kIOError:
      return "storage";
    case Code::kCorruption:
      return "integrity";
    default:
      return "unavailable";
  }
}

// The reason phrase of each status the API answers with (RFC 9110).
const char* Title(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 500:
      return "Internal Server Error";
    default:
      return "Service Unavailable";
  }
}

}  // namespace

int Problem::HttpStatus() const {
  return http_status != 0 ? http_status : HttpStatusOf(status.code());
}

std::string Problem::KindName() const { return kind.empty() ? KindOf(status.code()) : kind; }

Response ProblemResponse(const Problem& problem) {
  Response r;
  r.status = problem.HttpStatus();
  r.content_type = "application/problem+json";
  std::string kind = problem.KindName();
  std::string type = kind == "about:blank" ? kind : "/problems/" + kind;
  r.body = "{\"type\":\"" + type + "\",\"title\":\"" + Title(r.status) +
           "\",\"status\":" + std::to_string(r.status) + ",\"detail\":\"" +
           JsonEscape(problem.status.message()) + "\"";
  if (!problem.rule.empty()) r.body += ",\"rule\":\"" + JsonEscape(problem.rule) + "\"";
  r.body += problem.members + "}";
  r.headers = problem.headers;
  return r;
}

void CountProblem(Metrics* metrics, const Problem& problem) {
  if (!problem.rule.empty()) metrics->CountRefusal(problem.rule);
  metrics->CountError(problem.KindName());
}

Response CountedProblem(Metrics* metrics, const Problem& problem) {
  CountProblem(metrics, problem);
  return ProblemResponse(problem);
}

}  // namespace http
