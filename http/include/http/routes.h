// The parts of request handling that are plain functions: targets and query strings, the query
// a view is asked with, and the table of views and reports served.

#pragma once

#include <capnp/dynamic.h>
#include <capnp/message.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"
#include "projections/filter.h"
#include "projections/view_set.h"

namespace http {

struct Target {
  std::string path;                           // percent-encoded, as received
  std::map<std::string, std::string> params;  // decoded
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};
// The path and the decoded query parameters; or why the query string cannot be read (a
// parameter that is not percent-encoded properly, or not UTF-8 once decoded).
ledger::Result<Target> ParseTarget(const std::string& target);
// Decodes %XX; in a query string "+" is a space, in a path (plus_is_space false) it is "+".
bool PercentDecode(const std::string& in, std::string* out);
bool PercentDecode(const std::string& in, std::string* out, bool plus_is_space);

// The ranges of numeric parameters; a number outside its range is a 400 naming it.
constexpr uint64_t kMaxSeq = uint64_t{1} << 62;  // sequence numbers: atLeast, asOf
constexpr uint64_t kMaxWaitMs = 30000;           // wait: the documented maximum
constexpr uint64_t kMaxOffset = 1'000'000'000;   // offset
constexpr int64_t kMaxReportPeriodMs = int64_t{366} * 24 * 3600 * 1000;  // reports, visits

// The note a visits view (or the joint-meeting report's) carries when its lists of households'
// visits and obligations were left out for a reader who does not see personal details.
inline constexpr std::string_view kVisitListsLeftOut =
    "visits, obligations: households' visits and must-visits are personal details, listed to "
    "community workers, street auditors and admins, and to a resident for their own household; "
    "the counts above include them";

// What a view or report is asked for.
struct Query {
  projections::Filter filter;
  int64_t now_ms = 0;             // "at": the instant that decides overdue and due
  int64_t clock_ms = 0;           // the server's clock when asked (0 offline: the audit)
  std::optional<uint64_t> as_of;  // a position, or (as_of_is_time) a time in ms
  bool as_of_is_time = false;
  uint64_t at_least = 0;
  std::optional<std::chrono::milliseconds> wait;
  int year = 0;
  bool personal_details = false;  // names, phones, flags, visit notes of residents may be shown
  bool own_household = false;     // the filter's household is the reader's own
  // Which flat filed a complaint or asked for a repair is shown (company staff answer and repair
  // at the flat); else only for the reader's own household, `reader_household`.
  bool sees_flats = false;
  std::string reader_household;
  // Offline only (ledgerctl audit): the joint-meeting report being recomputed was served with
  // its lists' flats, as it was before they were left out for readers without personal details.
  bool report_flats = false;
  std::string reader_actor;  // who reads: a resident sees their own name
  std::map<std::string, std::string> params;
  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};
// Reads the query string into `q`; or InvalidArgument naming the parameter and what is allowed.
ledger::Status ParseQuery(const Target& target, int64_t now_ms, Query* q);

// Computes a view or report into `message` from the views; never fails (its Check ran first).
using Fill = std::function<capnp::DynamicStruct::Reader(const projections::ViewSet&, const Query&,
                                                        capnp::MallocMessageBuilder&)>;
// What a route requires of its query once the read scope has narrowed it (a named estate, a
// period); InvalidArgument naming the parameter, checked before anything is computed.
using Check = ledger::Status (*)(const Query&);
struct ViewRoute {
  const char* name;
  const char* about;
  Fill fill;
  bool audit_only = false;  // for auditors, admins and community workers only
  // Company staff's company narrows it to what their company was charged with, so they may read
  // it without naming an estate.
  bool company_narrowed = false;
  Check check = nullptr;  // null: any query will do
  // Answers ?asOf= from the live views read up to the position (the query's as_of, resolved to
  // a position), rather than from views replayed to it: for the audit trail, which only grows,
  // and which time travel does not replay (see projections::ViewSet::AuditIndexing).
  bool as_of_from_live = false;
  // The cursor (?after=) for a list that pages by one, and given by this list; then `check`.
  ledger::Status Validate(const Query& q) const;
};
const ViewRoute* FindViewRoute(const std::string& name);
const ViewRoute* FindReportRoute(const std::string& name);
std::string ViewNames();
std::string ReportNames();
// What a report was computed from, as a JSON object for its answer's "report" member: the
// report's name and the parameters in force once the read scope has narrowed them (estate,
// period, page; the year), so that anyone holding the answer can recompute it from an export
// (ledgerctl audit --report). Times are ms since the epoch.
std::string ReportParameters(const ViewRoute& report, const Query& q);

std::string JsonEscape(const std::string& text);
// Whether a JSON object has `key` at its top level (a cheap scan, not a parse).
bool HasTopLevelKey(const std::string& json, const std::string& key);

}  // namespace http
