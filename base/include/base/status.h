// Errors as values.
//
// Every operation that can fail at a module boundary returns a Status, or a Result<T> that holds
// either a T or a non-OK Status. Exceptions are kept for bugs and for what third-party code
// throws; they never cross a module's public header.
//
//   ledger::Result<ledger::Position> head = ledger.Head();
//   if (!head.ok()) return head.status();
//   use(head->seq);
//
// The types are spelled ledger::Status and ledger::Result, although they live in base: they were
// born in the ledger, and hundreds of call sites in every module name them so.

#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ledger {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // the caller's input breaks a rule; the message says which and how
  kConflict,         // an expected stream version did not match
  kNotFound,
  kCorruption,  // stored bytes fail their check
  kIOError,     // the storage refused; nothing was acknowledged
  kTimeout,
  kUnavailable,       // closed or shutting down
  kPermissionDenied,  // the rule book refuses the caller this act; the message names the rule
  kAlreadyExists,     // an id is taken by something else (an event id, an entity id)
};

const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Conflict: stream complaint/7 expected version 3, actual 4"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

namespace internal {
// Prints what went wrong to stderr and aborts: the two bugs a Result refuses to hide, in every
// build (an assert would vanish under NDEBUG, and reading an empty optional is undefined).
[[noreturn]] void DieReadingFailedResult(const Status& status);
[[noreturn]] void DieOnResultFromOk();
}  // namespace internal

// A value or the reason there is none; always exactly one of the two. Building a Result from an
// OK Status (which would be neither a value nor a failure) and reading the value of a failed
// Result are bugs, and both abort with a message naming what happened.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) internal::DieOnResultFromOk();
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    if (!ok()) internal::DieReadingFailedResult(status_);
    return *value_;
  }
  const T& value() const& {
    if (!ok()) internal::DieReadingFailedResult(status_);
    return *value_;
  }
  T&& value() && {
    if (!ok()) internal::DieReadingFailedResult(status_);
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ledger
