// The annual star evaluation (星级评价) and the red and black lists (红黑榜).
//
// For one local year it rates every property company, property manager and owners' committee
// for which the ledger holds something to rate them by, under the rating policy in force on
// 31 December of that year. Each component is a percentage:
//   inspection, documentReview   Σ item scores / Σ maxima × 100 over the year's score sheets
//   complaintRate                max(0, 1 − complaints per 100 households / ceiling) × 100
//   repairCompliance             completed by the deadline / (that + completed late + still open
//                                past the deadline at the year's end, or at the instant asked
//                                for a year under way) × 100
//   followUpSatisfaction         (satisfied + basically satisfied) / answered × 100 over the
//                                year's follow-up calls (回访) about the company's complaints and
//                                repairs
//   surveySatisfaction           the same over the year's household-survey answers (入户调查)
// and the score is Σ wᵢ·componentᵢ / Σ wᵢ over the components that have data: a component
// without data is left out and the remaining weights renormalised, and the score figure says so.
//
// Who is rated by what:
//   company           all six components; complaints and repairs as attributed by their views
//                     (the company serving the estate that day unless the filer named one),
//                     households served weighted by the days each estate was served;
//                     survey answers naming it, or unnamed ones from an estate it served that day.
//   property manager  the score sheets naming them, and the complaint rate and repair compliance
//                     of the estates they were appointed to, counting only the days of the
//                     appointment (complaints filed and repairs requested on those days).
//   owners' committee the score sheets naming it, and the survey satisfaction of its estate.
//
// Lists: black if the score is below blackListMaxScore, else red if at least redListMinScore
// (black is checked first so that a policy whose cut-offs overlap cannot hide a black mark).
// Stars: how many of the star thresholds the score reaches, at most five.
//
// Two years running (启动退出程序): a company black-listed this year and the year before is
// flagged, recommending that the owners' assembly start the replacement procedure. "The year
// before" is what the street office published for it (the latest starRatingPublished for that
// year) when it published a rating for that year; a subject absent from that publication was not
// black-listed. Only when nothing was published for that year is the list computed from the
// ledger the same way, under that year's policy. Managers and committees show last year's mark
// too, but the replacement procedure concerns a company's contract, so only companies are
// flagged.
//
// The result names the ledger position of the views, the year, and the policy with its weights
// and cut-offs; every figure carries its numerator, denominator and readable inputs.

#pragma once

#include <cstdint>

#include "projections/view_set.h"
#include "schemas/star_evaluation.capnp.h"

namespace projections {

// Where the complaint, repair and survey figures are counted from. The day tallies the views
// keep (day_tallies.h) give the same figures in time proportional to the days of the years
// evaluated; they count days in their own zone, so a year whose policy counts in another zone
// is counted from the records whatever is asked. Counting from the records reads every
// complaint, repair and survey response: the tests compare the two.
enum class StarCounting { kFromDayTallies, kFromRecords };

// `at_ms` is the instant a year under way is judged at: a repair still open with its deadline
// before it counts as past its limit, one with its deadline after it is not counted yet. A year
// that is over is judged at its end whatever `at_ms` says (kYearsEnd asks for that outright).
inline constexpr int64_t kYearsEnd = INT64_MAX;
void ComputeStarEvaluation(const ViewSet& views, int year, int64_t at_ms,
                           ledger::schema::StarEvaluation::Builder out,
                           StarCounting counting = StarCounting::kFromDayTallies);

}  // namespace projections
