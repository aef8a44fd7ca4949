// Export and import as newline-delimited CloudEvents 1.0 JSON, and the rendering of reports as
// JSON, CSV and a printable HTML page, for ledgerctl.
//
// One event a line:
//   {"specversion":"1.0","id":"<eventId>","source":"urn:governance-ledger","type":
//    "ledger.complaintFiled","time":"<recorded, RFC 3339>","subject":"<stream>",
//    "datacontenttype":"application/json","sequence":"42","streamversion":"3",
//    "ledgerhash":"<hex SHA-256 chain hash>","data":{<the event as the API writes it>}}
// `sequence`, `streamversion` and `ledgerhash` are extension attributes. An export restored
// into an empty folder gives the same sequence numbers and the same head hash.
//
// Every attribute but `data` follows from the event and its place in the chain; one function in
// cloudevents.cc derives them, for the export to write and for the import (and so the audit) to
// compare: a line whose envelope says anything else is refused, since the chain vouches for the
// event only and a consumer filtering by type, subject or time would read the envelope as fact.

#pragma once

#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "codec/event_json.h"
#include "ledger/ledger.h"
#include "schemas/joint_meeting_report.capnp.h"
#include "schemas/star_evaluation.capnp.h"

namespace ctl {

struct CheckpointStamp;  // tools/ctl/report_checkpoint.h

std::string ToCloudEvent(const codec::EventJson& json, const ledger::RecordedEvent& event);

struct ImportResult {
  uint64_t imported = 0;
  ledger::Position head;
  // Lines whose event hashes right only in a form written before events were normalised.
  std::vector<uint64_t> written_before_normalisation;
};

// Reads `in` twice over: first checks every line (its chain hash from the ledger's head, and its
// envelope against its event), appending nothing if any line fails; then appends, calling
// `progress` (if set) after each event with the count appended and the count the input holds.
// `recorded_at` is the clock the ledger was opened with: each event's recorded time is replayed
// through it. `log` must be opened with Options::normalize off: each event is appended in the form
// its line's hash fixes.
//
// A line's event is checked first in normal form (ledger/normalize.h), which every event
// appended since that rule has. An event written before may have been stored otherwise (an
// empty list or text present, a union member absent that its JSON shows empty); the line is
// then accepted if its event hashes right as its JSON decodes, or so with some of its empty union
// members absent, and its number is listed in written_before_normalisation.
ledger::Result<ImportResult> ImportCloudEvents(const codec::EventJson& json, ledger::Ledger* log,
                                               std::istream& in, int64_t* recorded_at,
                                               const ledger::Progress& progress);

// "" if `format` is not json, csv or html. With `checkpoint`, the CSV's header lines and the HTML
// page's footer name it and how to verify it (report_checkpoint.h).
std::string RenderStarEvaluation(ledger::schema::StarEvaluation::Reader report,
                                 const std::string& format,
                                 const CheckpointStamp* checkpoint = nullptr);
// `monthly_compliance`: (month "YYYY-MM", repair time-limit compliance 0..1) for the chart.
std::string RenderJointMeeting(
    ledger::schema::JointMeetingReport::Reader report, const std::string& format,
    const std::vector<std::pair<std::string, double>>& monthly_compliance = {},
    const CheckpointStamp* checkpoint = nullptr);

}  // namespace ctl
