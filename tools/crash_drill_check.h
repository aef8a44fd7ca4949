// The checks the drill runs on a data folder after each kill: the chain verifies, every
// acknowledged event is where and what it was acknowledged as, and the views equal a rebuild.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "crash_drill_common.h"
#include "ledger/ledger.h"

namespace crash_drill {

struct CheckSummary {
  uint64_t head = 0;
  ledger::Hash head_hash{};
  size_t acknowledged = 0;
  uint64_t views_checkpoint = 0;
  size_t view_records = 0;
};

// Checks the data folder `data` against the journal; throws Violation on the first problem.
// Opens (and so recovers) the folder: run it on a copy when the original must stay as it was.
// `actor` is who every acknowledged event was sent as; `scratch` a folder for rebuilt views.
CheckSummary Check(const std::string& data, const std::string& journal, const std::string& actor,
                   const std::string& scratch);

}  // namespace crash_drill
