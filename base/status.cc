#include "base/status.h"

#include <cstdio>
#include <cstdlib>

namespace ledger {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "Invalid argument";
    case Code::kConflict:
      return "Conflict";
    case Code::kNotFound:
      return "Not found";
    case Code::kCorruption:
      return "Corruption";
    case Code::kIOError:
      return "I/O error";
    case Code::kTimeout:
      return "Timeout";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kPermissionDenied:
      return "Permission denied";
    case Code::kAlreadyExists:
      return "Already exists";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

namespace internal {

void DieReadingFailedResult(const Status& status) {
  std::fprintf(stderr, "fatal: read the value of a failed Result: %s\n", status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

void DieOnResultFromOk() {
  std::fprintf(stderr, "fatal: a Result was built from an OK Status, with no value\n");
  std::fflush(stderr);
  std::abort();
}

}  // namespace internal

}  // namespace ledger
