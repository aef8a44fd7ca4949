// A report file checked against the log it claims to come from: `ledgerctl audit --report F`.
//
//   auto claim = ctl::ReadReportClaim(text);          // which report, its parameters, position
//   auto recomputed = ctl::RecomputeReport(log, views_dir, *claim);
//   auto differences = ctl::CompareFigures(claim->figures, *recomputed, &checked);
//
// A report file is what ledgerd serves at /v1/reports/{name} ({"position", "checkpoint",
// "report", "asOf", "result"}) or what `ledgerctl report ... --format json` writes (the result
// alone). Which report it is, its parameters and the position it was computed at are read from
// the file itself; the report is then computed again from a log (an export replayed into a
// scratch ledger) at that position by the server's own report route, and the two results are
// compared value by value as parsed JSON: objects by key, arrays by index, scalars by value, so
// that neither the order of members nor how a number or a time is spelled matters.

#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/ledger.h"

namespace ctl {

// What a report file says about itself.
struct ReportClaim {
  std::string name;  // "joint-meeting" or "star-evaluation"
  // joint-meeting: the estate, the period [from, to) and the page of its item lists.
  std::string estate;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  size_t offset = 0;
  size_t limit = SIZE_MAX;  // a file without a page holds whole lists, as ledgerctl writes them
  // star-evaluation: the year, and the instant a year under way was judged at (a report that
  // does not name one was judged at its year's end).
  int year = 0;
  int64_t at_ms = INT64_MAX;
  // The ledger position (seq) the figures were computed at.
  uint64_t position = 0;
  // The Merkle root (base64) the server named for that position, if it named one.
  std::optional<std::string> root;
  // The report's figures: the served answer's "result", or the whole file.
  boost::json::value figures;
};

// InvalidArgument saying in words what is wrong with the file: not JSON, not a report, or a
// parameter or position missing or of the wrong kind.
ledger::Result<ReportClaim> ReadReportClaim(const std::string& text);

// The report of `claim` computed from `log` at claim.position by the same route ledgerd serves
// it with, as parsed JSON. `views_dir` is an empty folder for the projection engine's store.
ledger::Result<boost::json::value> RecomputeReport(ledger::Ledger* log,
                                                   const std::string& views_dir,
                                                   const ReportClaim& claim);

// One figure that differs: its path (`byCompany[2].resolvedWithinLimit`) and both values as
// JSON text ("(absent)" when one side does not have it).
struct FigureDifference {
  std::string path;
  std::string report;
  std::string recomputed;
};

// Every scalar of either document compared with the other's at the same path. A missing member
// and a null are the same (a convention may write either for "none"); a number and a string
// holding the same integer, or a time in ms and the same instant in RFC 3339, are the same value.
// `checked` is how many scalar figures were compared.
std::vector<FigureDifference> CompareFigures(const boost::json::value& report,
                                             const boost::json::value& recomputed, size_t* checked);

}  // namespace ctl
