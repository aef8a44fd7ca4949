# The annual star evaluation (星级评价) and the red and black lists (红黑榜): every figure with the
# counts behind it, stamped with the ledger position and the rating policy it was computed under,
# so that anyone holding the ledger can recompute it.

@0xa302c20941373f37;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using import "events.capnp".RatingWeights;
using Form = import "json_form.capnp";

struct EvaluationFigure {
  name @0 :Text;
  # Components of the score: inspection, documentReview, complaintRate (its score),
  # repairCompliance, followUpSatisfaction, surveySatisfaction; supporting figures:
  # complaintsPer100Households; and the weighted score itself: score.
  value @1 :Float64;
  numerator @2 :Float64;
  denominator @3 :Float64;
  inputs @4 :Text;             # how the value was computed, readable by a person
  hasData @5 :Bool;            # false: nothing to compute it from this year
  weight @6 :Float64;          # the policy's weight for a component, 0 for other figures
  counted @7 :Bool;            # part of the weighted score
}

struct StarEvaluationRow {
  subjectKind @0 :Text;        # company, propertyManager, ownersCommittee
  subjectId @1 :Text;
  subjectName @2 :Text;
  figures @3 :List(EvaluationFigure);
  score @4 :Float64;
  stars @5 :UInt8;             # 0..5: how many star thresholds the score reaches
  list @6 :Text;               # "red", "black" or "none"
  blackListedLastYear @7 :Bool;
  replacementRecommended @8 :Bool;
  # Black-listed this year and last (companies only): the owners' assembly should start the
  # replacement procedure (启动退出程序).
  recommendation @9 :Text;
  lastYearList @10 :Text;      # "red", "black", "none", or "" when not rated last year
  lastYearSource @11 :Text;    # "published" (the street office's rating) or "computed"
}

struct StarEvaluation {
  year @0 :UInt16;
  positionSeq @1 :UInt64;      # the ledger position of the views it was computed from
  positionHash @2 :Text;       # hex chain hash at that position
  policyId @3 :Text;           # the rating policy in force on 31 December of the year
  policyVersion @4 :UInt32;
  policyEffectiveFrom @5 :Text;
  policySeq @6 :UInt64;        # the policyAdopted event
  weights @7 :RatingWeights;
  thresholds @8 :List(Float64);
  redListMinScore @9 :Float64;
  blackListMaxScore @10 :Float64;
  complaintRateCeiling @11 :Float64;
  rows @12 :List(StarEvaluationRow);  # by score, highest first, then by subject id
  redList @13 :List(Text);     # subject ids, in row order
  blackList @14 :List(Text);
  replacementRecommended @15 :List(Text);
  lastYearPublishedSeq @16 :UInt64;   # the starRatingPublished event used for last year, or 0
  notes @17 :Text;             # how the evaluation was made, and anything left out
  judgedAt @18 :Int64 $Form.instant;
  # The instant open repairs were judged at: the year's end, or for a year under way the instant
  # asked (?at=, now by default). A repair open with its deadline before it is past its limit.
}
