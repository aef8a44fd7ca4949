# The ratings view as served: the score sheets of inspections (实地巡查) and document reviews
# (查阅资料), the household-survey answers (入户调查) and the star ratings the street office
# published (星级评价), for one year.

@0xcc3998135120626c;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

struct RatingsItemScore {
  item @0 :Text;
  score @1 :Float64;
  maxScore @2 :Float64;
}

struct RatingsSheet {
  kind @0 :Text;               # "inspection" or "documentReview"
  sheetId @1 :Text;
  subjectKind @2 :Text;        # company, propertyManager, ownersCommittee
  subjectId @3 :Text;
  estateId @4 :Text;
  year @5 :UInt16;
  score @6 :Float64;           # sum of the item scores
  maxScore @7 :Float64;        # sum of the item maxima
  items @8 :List(RatingsItemScore);
  inspectorIds @9 :List(Text);
  recordedAt @10 :Int64;       # when the inspection happened, as reported
  seq @11 :UInt64;             # the event that recorded this version of the sheet
  supersededSeqs @12 :List(UInt64);  # earlier events recording the same sheet id, now restated
}

struct RatingsSurveyTally {
  # Survey answers of the year, per estate and named company ("" = not named: the company
  # serving the estate on the day counts them).
  estateId @0 :Text;
  companyId @1 :Text;
  responses @2 :UInt32;
  anonymousResponses @3 :UInt32;
  answered @4 :UInt32;         # answers with a satisfaction other than unknown
  satisfied @5 :UInt32;
  basicallySatisfied @6 :UInt32;
  dissatisfied @7 :UInt32;
  unknown @8 :UInt32;
}

struct RatingsPublishedRow {
  subjectKind @0 :Text;
  subjectId @1 :Text;
  score @2 :Float64;
  stars @3 :UInt8;
  list @4 :Text;               # "red", "black" or "none"
  replacementRecommended @5 :Bool;
}

struct RatingsPublication {
  year @0 :UInt16;
  seq @1 :UInt64;              # the starRatingPublished event
  publishedAt @2 :Int64;
  computedAtSeq @3 :UInt64;    # the ledger position the published figures came from
  computedAtHash @4 :Text;
  policyId @5 :Text;
  policyVersion @6 :UInt32;
  current @7 :Bool;            # the latest publication for the year: the one that counts
  rows @8 :List(RatingsPublishedRow);
}

struct RatingsView {
  year @0 :UInt16;
  sheets @1 :List(RatingsSheet);             # one page, by subject then sheet id
  sheetCount @2 :UInt32;                     # all sheets that match, before paging
  offset @3 :UInt32;
  surveys @4 :List(RatingsSurveyTally);      # by estate, then company
  publications @5 :List(RatingsPublication); # in the order published
}
