// Refusals: how a request that cannot be answered is told so. Validation returns a
// ledger::Status (or a Result), and Problem wraps it with what HTTP needs beyond a code and a
// message; ProblemResponse is the one place such a refusal becomes an application/problem+json
// document (RFC 9457).
//
//   ledger::Result<uint64_t> seq = ParseSeq(text);
//   if (!seq.ok()) return ProblemResponse(Problem(seq.status()));
//
// The Status's code chooses the HTTP status and the problem type (kInvalidArgument: 400
// "bad_request", kNotFound: 404 "not_found", ...); a Problem overrides them where the code alone
// cannot say (401, 405, 415; "validation" for an append's body), and adds members (the rule that
// refused, the versions of a conflict) and headers (Retry-After, Allow).

#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>

#include "base/status.h"
#include "http/message.h"
#include "http/metrics.h"

namespace http {

struct Problem {
  Problem() = default;
  Problem(ledger::Status why) : status(std::move(why)) {}  // NOLINT: implicit by design

  // The overrides, for a chain: Problem(s).As(401, "auth").Header("WWW-Authenticate", "Bearer").
  Problem& As(int http, std::string kind_name) & {
    http_status = http;
    kind = std::move(kind_name);
    return *this;
  }
  Problem&& As(int http, std::string kind_name) && { return std::move(As(http, kind_name)); }
  Problem& Kind(std::string kind_name) & {
    kind = std::move(kind_name);
    return *this;
  }
  Problem&& Kind(std::string kind_name) && { return std::move(Kind(kind_name)); }
  Problem& Header(const std::string& name, std::string value) & {
    headers[name] = std::move(value);
    return *this;
  }
  Problem&& Header(const std::string& name, std::string value) && {
    return std::move(Header(name, std::move(value)));
  }
  // The rule (of the rule book or the read scope) that refused: a "rule" member.
  Problem& Rule(std::string name) & {
    rule = std::move(name);
    return *this;
  }
  Problem&& Rule(std::string name) && { return std::move(Rule(std::move(name))); }
  // More members, each starting with a comma: ',"stream":"complaint/c-1"'.
  Problem& Members(std::string json) & {
    members += json;
    return *this;
  }
  Problem&& Members(std::string json) && { return std::move(Members(std::move(json))); }

  // The HTTP status and the problem type's name, the overrides or else the code's own.
  int HttpStatus() const;
  std::string KindName() const;

  ledger::Status status;  // not OK: its message is the document's "detail"
  int http_status = 0;    // 0: the code's own
  std::string kind;       // "": the code's own; "about:blank" for a problem with no type of ours
  std::string rule;
  std::string members;
  std::map<std::string, std::string> headers;
};

// The one function from a refusal to its answer:
// {"type":"/problems/<kind>","title":"<the status's reason>","status":N,"detail":"<message>"
//  [,"rule":"..."] <members>}, with the Problem's headers.
Response ProblemResponse(const Problem& problem);
// Counts a refusal in `metrics`: by its kind, and by its rule when a rule refused.
void CountProblem(Metrics* metrics, const Problem& problem);
// ProblemResponse, counted.
Response CountedProblem(Metrics* metrics, const Problem& problem);

// A T, or the Problem that stands instead: what a handler's validation step returns. A Status
// converts to it, so a step may `return ledger::Status::InvalidArgument(...)`.
template <class T>
class Checked {
 public:
  Checked(T value) : v_(std::move(value)) {}                          // NOLINT: implicit by design
  Checked(Problem problem) : v_(std::move(problem)) {}                // NOLINT
  Checked(ledger::Status status) : v_(Problem(std::move(status))) {}  // NOLINT
  template <class U>
  Checked(ledger::Result<U> result)  // NOLINT
      : v_(result.ok() ? std::variant<T, Problem>(T(std::move(result).value()))
                       : std::variant<T, Problem>(Problem(result.status()))) {}

  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const Problem& problem() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Problem> v_;
};

}  // namespace http
