// The joint-meeting report (联席会议报告): for one estate and one period [from, to), what the
// joint meeting reads before it sits.
//
// - Complaints filed in the period: by category, channel and status, unresolved, escalated,
//   reopened, the hours to acknowledge, reply and resolve, and the follow-up satisfaction; and
//   every complaint of the estate still unresolved at the end, whenever filed.
// - Repairs requested in the period: time-limit compliance (met / late / overdue, with the
//   counts behind the rate) overall and by category; and every repair of the estate overdue at
//   the end, whenever requested.
// - Home visits in the period and the four must-visits (四必访) compliance: the visits view.
// - Volunteer hours of the estate served in the period: claimed, verified, rejected, points.
// - Resolutions open and overdue at the end, and which became overdue since the estate's last
//   meeting before the period; the meetings held in the period: the meetings view.
// - The estate's name, the company serving it on the period's last day, and the ledger position.
//
// DECISION: "at the end" means at the instant `to`, from the steps that had happened by then.
// The complaints and repairs views, and the time bank's Summary, derive a record's state from
// all its steps whenever they happened (their Derive ignores time), so a complaint resolved in
// April would read as resolved in a March report computed in May. This report therefore copies
// each record, drops the steps, follow-ups and decisions that happened (occurredAt) after `to`,
// and applies the views' own rules (Counts, Derive, RepairStatus, RepairMetLimit, RepairOverdue,
// PriceClaim) to the copy. A step at exactly `to` counts, as in the visits and meetings views,
// which judge "at `now`" the same way: the whole report is judged at one instant by one rule. What
// was left out is counted in the output, so that a reader comparing with the live views sees why
// they differ.
//
// The visits, meetings and open-resolutions sections are the views' outputs as they are
// (Query / OpenResolutions with the estate and the period, judged at `to`), paged as ItemPage says.
// Their statuses, counts and rates are judged at `to`; two details of their items are not, because
// the views show them as recorded: a resolution's `progress` lists every step, later ones included,
// and a visit's `satisfaction` is its last follow-up, whenever made.
//
// The counting helpers the views keep private (item filling, compliance tallies, timings, the
// claim's period instant) are repeated here rather than exposed, following the views' rules.

#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "projections/view_set.h"
#include "schemas/joint_meeting_report.capnp.h"

namespace projections {

// Which part of each item list to include (unresolved complaints, overdue repairs, visits,
// meetings); the figures always count everything, and unresolvedItemsCount / overdueCount say
// how many items there are. Whole lists by default (ledgerctl prints whole reports); the HTTP
// route pages them with ?offset=&limit=, so one request's answer stays bounded.
struct ItemPage {
  size_t offset = 0;
  size_t limit = std::numeric_limits<size_t>::max();
};

void ComputeJointMeetingReport(const ViewSet& views, const std::string& estate_id, int64_t from_ms,
                               int64_t to_ms, ledger::schema::JointMeetingReport::Builder out,
                               const ItemPage& page = {});

}  // namespace projections
