// What the drill's appenders send (Request), and the journal of what the server acknowledged
// (Ack, one tab-separated line each in DIR/acks.tsv), which the checks hold the ledger to.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "crash_drill_common.h"

namespace crash_drill {

// One append: a stream and the body posted to /v1/streams/{stream}/events.
struct Request {
  std::string stream;
  std::string body;                 // the whole POST body
  std::vector<std::string> events;  // each event's JSON, in order
  std::vector<std::string> ids;
};

// One acknowledged event, as the journal keeps it (one tab-separated line):
//   seq, stream, stream version, event id, head seq, head hash (hex), the event's JSON as sent.
struct Ack {
  uint64_t seq = 0;
  std::string stream;
  uint64_t version = 0;
  std::string id;
  uint64_t head_seq = 0;
  std::string head_hash;
  std::string json;
};

// `text` percent-encoded for a URL path segment.
std::string PercentEncode(const std::string& text);

// The appenders Record from their threads; the drill's thread Saves after each cycle and the
// checks Load the file. The lock guards what is recorded but not yet saved.
class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}

  // Records the events of one acknowledged append from the server's answer; the text of a
  // violation if the answer does not fit the request.
  std::optional<std::string> Record(const Request& request, const std::string& answer);

  // Appends what was recorded since the last call to the file; returns how many events.
  size_t Save();

  // Events saved so far.
  size_t total() const {
    base::MutexLock lock(&mu_);
    return total_;
  }

  // Every Ack in the journal at `path`; throws Violation on a malformed line.
  static std::vector<Ack> Load(const std::string& path);

 private:
  std::string path_;
  mutable base::Mutex mu_;
  std::vector<Ack> pending_ GUARDED_BY(mu_);  // recorded by the appenders, not yet saved
  size_t total_ GUARDED_BY(mu_) = 0;
};

}  // namespace crash_drill
