// The appends of one appender: new complaints, later steps of its own complaints and corrections
// of them, drawn from a seed.

#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crash_drill_journal.h"

namespace crash_drill {

// Builds the appends of one appender: new complaints (one to three events, expected "none" or
// "any"), later steps of its own complaints (expected exactly their version), and corrections of
// its own acknowledged complaints (void or replacement), so that the views replay corrections,
// which read back from the log.
class Workload {
 public:
  Workload(int cycle, int appender, uint64_t seed)
      : prefix_("d" + std::to_string(cycle) + "-" + std::to_string(appender)),
        estate_("estate/e-" + std::to_string(appender % 3)),
        random_(seed) {}

  // The next append, drawn from the seed and from what was acknowledged so far.
  Request Next();

  // The answer to an acknowledged request: remember what it opened and filed.
  void Acknowledged(const Request& request, const std::string& answer);

 private:
  // One event's JSON, at a fixed occurrence time.
  std::string Event(const std::string& id, const std::string& type, const std::string& data);
  // A complaintFiled payload whose summary is padded by `padding` characters.
  std::string Filed(const std::string& complaint, size_t padding);
  // The request appending `events` to `stream` with the expected version `expected`.
  Request Wrap(std::string stream, std::vector<std::string> events, std::vector<std::string> ids,
               const std::string& expected);
  Request NewComplaint();
  Request Step();        // resolves one of this appender's open complaints
  Request Correction();  // voids or replaces one of its acknowledged complaintFiled events

  std::string prefix_;
  std::string estate_;
  std::mt19937_64 random_;
  uint64_t n_ = 0;
  std::map<std::string, uint64_t> open_;  // stream -> version, complaints not yet resolved
  // Acknowledged complaintFiled events: seq and complaint id.
  std::vector<std::pair<uint64_t, std::string>> filed_;
};

}  // namespace crash_drill
