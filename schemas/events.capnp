# The event catalogue: every fact the ledger can hold.
#
# One envelope (`Event`) carries one domain fact (`Payload`). Adding a fact means adding a
# struct here and a member to the `Payload` union; the ledger validates it, the JSON edge
# reads and writes it, and nothing else needs parser code.
#
# Conventions
# - Times that something happened are `Int64` milliseconds since 1970-01-01T00:00:00Z, in
#   fields whose names end in `At`.
# - Calendar days (deadlines, birthdays, effective dates) are `Text` "YYYY-MM-DD", marked
#   `$date`; a day and month without year (a holiday every year) is "MM-DD", marked `$monthDay`.
# - Identifiers are client-chosen `Text` (for example "estate/ls-01", "complaint/2025-000123").
# - Fields marked `$required` must be present and, for text, non-empty; the ledger refuses an
#   event that lacks one and says which.
# - Text is UTF-8; Chinese is as welcome as English.
# - Field ordinals are never reused or renumbered: stored events must stay readable.

@0x81b5d35ebd2055c1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");
using Json = import "/capnp/compat/json.capnp";

annotation required @0xbb8f19c51249593f (field) :Void;
# The field must be set (non-empty text, present struct or list, non-zero number).

annotation date @0xb35f06fc5b65114a (field) :Void;
# Text holding a calendar day "YYYY-MM-DD" (empty allowed unless also $required).

annotation monthDay @0x8ca3758e255a60ed (field) :Void;
# Text holding a yearly day "MM-DD" (empty allowed unless also $required).

# ---------------------------------------------------------------------------------------------
# The envelope

enum Role {
  unknown @0;
  resident @1;
  companyStaff @2;          # 物业公司工作人员
  communityWorker @3;       # 社区工作者 / 网格员
  streetAuditor @4;         # 街道
  ownersCommittee @5;       # 业主委员会
  admin @6;
}

struct Event {
  eventId @0 :Text $required;
  # Chosen by the client; appending the same id again returns the first result.

  stream @1 :Text $required;
  # The entity stream the event belongs to, e.g. "complaint/2025-000123".

  actorId @2 :Text;
  actorRole @3 :Role;
  # Who recorded it. Set by the server from the caller's credentials, never from a request body.

  occurredAt @4 :Int64;
  # When it happened, as reported (ms since the epoch, UTC). Zero means "when recorded".

  recordedAt @5 :Int64;
  # When the ledger accepted it (server clock, ms since the epoch, UTC).

  payload @6 :Payload $Json.flatten() $required;
}

struct Payload $Json.discriminator(name = "type", valueName = "data") {
  union {
    unset @0 :Void;
    # Never valid in a stored event; present so that an empty payload is detectable.

    # Registers
    estateRegistered @1 :EstateRegistered;
    companyRegistered @2 :CompanyRegistered;
    serviceContractStarted @3 :ServiceContractStarted;
    serviceContractEnded @4 :ServiceContractEnded;
    householdRegistered @5 :HouseholdRegistered;
    householdFlagsChanged @6 :HouseholdFlagsChanged;
    personRegistered @7 :PersonRegistered;
    roleAppointed @8 :RoleAppointed;
    roleEnded @9 :RoleEnded;
    ownersCommitteeFormed @10 :OwnersCommitteeFormed;
    demandRecorded @11 :DemandRecorded;
    demandMet @12 :DemandMet;
    serviceMenuItemOffered @13 :ServiceMenuItemOffered;

    # Policies
    policyAdopted @14 :PolicyAdopted;

    # Complaints
    complaintFiled @15 :ComplaintFiled;
    complaintAcknowledged @16 :ComplaintStep;
    complaintReplied @17 :ComplaintReplied;
    complaintResolved @18 :ComplaintStep;
    complaintReopened @19 :ComplaintStep;
    complaintEscalated @20 :ComplaintEscalated;

    # Repairs
    repairRequested @21 :RepairRequested;
    repairDispatched @22 :RepairDispatched;
    repairCompleted @23 :RepairCompleted;

    # Follow-up calls and visits (回访)
    followUpRecorded @24 :FollowUpRecorded;

    # Home visits and the four must-visits (四必访)
    visitObligationRaised @25 :VisitObligationRaised;
    homeVisitRecorded @26 :HomeVisitRecorded;

    # Household surveys (入户调查)
    surveyResponseRecorded @27 :SurveyResponseRecorded;

    # Volunteer time bank (志愿服务积分)
    volunteerHoursClaimed @28 :VolunteerHoursClaimed;
    volunteerHoursVerified @29 :VolunteerHoursDecision;
    volunteerHoursRejected @30 :VolunteerHoursDecision;
    timeBankExchanged @31 :TimeBankExchanged;

    # Inspections (实地巡查), document reviews (查阅资料) and the star rating (星级评价)
    inspectionRecorded @32 :ScoreSheet;
    documentReviewRecorded @33 :ScoreSheet;
    starRatingPublished @34 :StarRatingPublished;

    # Joint meetings (联席会议) and their resolutions
    jointMeetingHeld @35 :JointMeetingHeld;
    resolutionAdopted @36 :ResolutionAdopted;
    resolutionProgressed @37 :ResolutionProgressed;
    resolutionCompleted @38 :ResolutionProgressed;

    # Corrections: the only way to fix a mistake
    correctionRecorded @39 :CorrectionRecorded;
  }
}

# ---------------------------------------------------------------------------------------------
# Registers

struct EstateRegistered {
  estateId @0 :Text $required;
  name @1 :Text $required;
  address @2 :Text;
  community @3 :Text;        # 社区
  street @4 :Text;           # 街道
  householdCount @5 :UInt32; # dwellings served, the base of "complaints per 100 households"
}

struct CompanyRegistered {
  companyId @0 :Text $required;
  name @1 :Text $required;
  licence @2 :Text;
}

struct ServiceContractStarted {
  contractId @0 :Text $required;
  estateId @1 :Text $required;
  companyId @2 :Text $required;
  startDate @3 :Text $required $date;
}

struct ServiceContractEnded {
  contractId @0 :Text $required;
  estateId @1 :Text $required;
  companyId @2 :Text $required;
  endDate @3 :Text $required $date;   # the last day served
  reason @4 :Text;
}

struct HouseholdFlags {
  retiredCadre @0 :Bool;       # 离退休干部
  elderlyAlone @1 :Bool;       # 独居老人
  hardship @2 :Bool;           # 困难家庭
  disability @3 :Bool;         # 残疾
}

struct Resident {
  personId @0 :Text;
  name @1 :Text;
  birthDate @2 :Text $date;
}

struct HouseholdRegistered {
  householdId @0 :Text $required;
  estateId @1 :Text $required;
  building @2 :Text;
  unit @3 :Text;
  room @4 :Text;
  headName @5 :Text;           # personal detail: shown only to roles that need it
  phone @6 :Text;              # personal detail
  flags @7 :HouseholdFlags;
  residents @8 :List(Resident);
}

struct HouseholdFlagsChanged {
  householdId @0 :Text $required;
  flags @1 :HouseholdFlags $required;
  reason @2 :Text;
}

struct PersonRegistered {
  personId @0 :Text $required;
  name @1 :Text $required;
  phone @2 :Text;
  householdId @3 :Text;
  partyMember @4 :Bool;
}

enum AppointedRole {
  propertyManager @0;      # 项目经理
  residentSupervisor @1;   # 物业监督员
  feedbackReporter @2;     # 民情反馈员
  gridWorker @3;           # 网格员
  buildingHead @4;         # 楼栋长
  communityWorker @5;      # 社区工作者
  repairWorker @6;         # 维修工
}

struct RoleAppointed {
  personId @0 :Text $required;
  role @1 :AppointedRole;
  estateId @2 :Text;
  companyId @3 :Text;
  team @4 :Text;
  fromDate @5 :Text $date;
}

struct RoleEnded {
  personId @0 :Text $required;
  role @1 :AppointedRole;
  estateId @2 :Text;
  companyId @3 :Text;
  toDate @4 :Text $date;
  reason @5 :Text;
}

struct OwnersCommitteeFormed {
  committeeId @0 :Text $required;
  estateId @1 :Text $required;
  chairPersonId @2 :Text;
  memberPersonIds @3 :List(Text);
  termStart @4 :Text $date;
  termEnd @5 :Text $date;
}

struct DemandRecorded {
  demandId @0 :Text $required;         # 居民需求清单
  estateId @1 :Text $required;
  householdId @2 :Text;
  category @3 :Text;
  description @4 :Text $required;
}

struct DemandMet {
  demandId @0 :Text $required;
  menuItemId @1 :Text;                 # the service-menu item that met it
  providerId @2 :Text;
  note @3 :Text;
}

struct ServiceMenuItemOffered {
  menuItemId @0 :Text $required;       # 服务菜单
  estateId @1 :Text;
  name @2 :Text $required;
  providerId @3 :Text;
}

# ---------------------------------------------------------------------------------------------
# Policies: rules are data, versioned, in force from a date

struct PolicyAdopted {
  policyId @0 :Text $required;          # e.g. "repair-time-limits"
  version @1 :UInt32;
  effectiveFrom @2 :Text $required $date;
  timeZone @3 :Text;                    # IANA name; empty means Asia/Shanghai
  rules :union {
    repairTimeLimits @4 :List(RepairTimeLimit);
    rating @5 :RatingRules;
    timeBank @6 :TimeBankRules;
    visits @7 :VisitRules;
  }
}

struct RepairTimeLimit {
  category @0 :Text $required;          # e.g. "water", "electricity"
  hours @1 :UInt32;                     # completed within this many hours of the request ...
  nextMorningHour @2 :UInt8;            # ... or, when non-zero, by this hour the next morning
                                        # (local time), whichever is later: "not overnight"
}

struct RatingWeights {
  inspection @0 :Float64;
  documentReview @1 :Float64;
  complaintRate @2 :Float64;
  repairCompliance @3 :Float64;
  followUpSatisfaction @4 :Float64;
  surveySatisfaction @5 :Float64;
}

struct RatingRules {
  weights @0 :RatingWeights;
  starThresholds @1 :List(Float64);     # minimum score for 1, 2, 3, 4 and 5 stars, ascending
  redListMinScore @2 :Float64;          # at or above: red list (红榜)
  blackListMaxScore @3 :Float64;        # below: black list (黑榜)
  complaintRateCeiling @4 :Float64;     # complaints per 100 households that scores zero
}

struct TimeBankRules {
  pointsPerHourCenti @0 :UInt32;        # 100 = one point per verified hour
  allowNegative @1 :Bool;
  overdraftLimitCenti @2 :Int64;        # how far below zero, when allowed
}

struct Holiday {
  name @0 :Text $required;
  day @1 :Text $required $monthDay;
}

struct VisitRules {
  holidays @0 :List(Holiday);
  holidayWindowDays @1 :UInt32;         # visit within this many days after the holiday
  birthdayWindowDays @2 :UInt32;
  hospitalWindowDays @3 :UInt32;
  hardshipWindowDays @4 :UInt32;
}

# ---------------------------------------------------------------------------------------------
# Complaints

enum Channel {
  hotline @0;          # 24小时热线
  opinionBook @1;      # 意见簿
  messageBox @2;       # 留言箱
  replyBoard @3;       # 答复板
  wechatGroup @4;      # 业主微信群
  doorToDoor @5;       # 走访入户
  forum @6;            # 座谈
}

struct ComplaintFiled {
  complaintId @0 :Text $required;
  estateId @1 :Text $required;
  householdId @2 :Text;
  companyId @3 :Text;                   # responsible company, if the filer knows it
  category @4 :Text $required;
  channel @5 :Channel;
  summary @6 :Text $required;
}

struct ComplaintStep {
  complaintId @0 :Text $required;
  note @1 :Text;
}

struct ComplaintReplied {
  complaintId @0 :Text $required;
  reply @1 :Text $required;             # public: shown on the estate's reply board
}

struct ComplaintEscalated {
  complaintId @0 :Text $required;
  meetingId @1 :Text;                   # the joint meeting it goes to, if known
  reason @2 :Text;
}

# ---------------------------------------------------------------------------------------------
# Repairs

struct RepairRequested {
  repairId @0 :Text $required;
  estateId @1 :Text $required;
  householdId @2 :Text;
  category @3 :Text $required;
  description @4 :Text;
  channel @5 :Channel;
  location @6 :Text;
}

struct RepairDispatched {
  repairId @0 :Text $required;
  workerId @1 :Text;
  companyId @2 :Text;
  note @3 :Text;
}

struct RepairCompleted {
  repairId @0 :Text $required;
  workerId @1 :Text;
  note @2 :Text;
}

# ---------------------------------------------------------------------------------------------
# Follow-ups, visits, surveys

enum Satisfaction {
  unknown @0;
  satisfied @1;              # 满意
  basicallySatisfied @2;     # 基本满意
  dissatisfied @3;           # 不满意
}

struct FollowUpRecorded {
  subject :union {
    complaintId @0 :Text;
    repairId @1 :Text;
    visitId @2 :Text;
  }
  satisfaction @3 :Satisfaction;
  comment @4 :Text;
}

enum VisitReason {
  holiday @0;        # 节日必访
  hospital @1;       # 住院必访
  birthday @2;       # 生日必访
  hardship @3;       # 困难必访
}

struct VisitObligationRaised {
  obligationId @0 :Text $required;
  householdId @1 :Text $required;
  reason @2 :VisitReason;
  dueBy @3 :Text $required $date;       # the last day of the window
  note @4 :Text;
}

struct HomeVisitRecorded {
  visitId @0 :Text $required;
  householdId @1 :Text $required;
  team @2 :Text;
  visitorIds @3 :List(Text);
  services @4 :List(Text);              # e.g. "gas safety check", "lock replaced"
  obligationIds @5 :List(Text);         # the obligations this visit meets
  reason @6 :VisitReason;               # the must-visit it answers, for yearly ones
  note @7 :Text;
}

struct SurveyAnswer {
  question @0 :Text $required;
  satisfaction @1 :Satisfaction;
}

struct SurveyResponseRecorded {
  surveyId @0 :Text $required;
  estateId @1 :Text $required;
  companyId @2 :Text;
  householdId @3 :Text;                 # empty when collected anonymously
  anonymous @4 :Bool;
  answers @5 :List(SurveyAnswer) $required;
}

# ---------------------------------------------------------------------------------------------
# Volunteer time bank

struct VolunteerHoursClaimed {
  claimId @0 :Text $required;
  personId @1 :Text $required;
  estateId @2 :Text;
  minutes @3 :UInt32 $required;
  activity @4 :Text $required;
  serviceDate @5 :Text $date;
  beneficiaryId @6 :Text;               # the person served, if any
}

struct VolunteerHoursDecision {
  claimId @0 :Text $required;
  note @1 :Text;
}

struct TimeBankExchanged {
  exchangeId @0 :Text $required;
  payerId @1 :Text $required;           # receives the service, pays points
  providerId @2 :Text $required;        # gives the service, earns points
  pointsCenti @3 :Int64 $required;
  service @4 :Text;
}

# ---------------------------------------------------------------------------------------------
# Inspections, document reviews, star ratings

enum SubjectKind {
  company @0;
  propertyManager @1;
  ownersCommittee @2;
}

struct Subject {
  kind @0 :SubjectKind;
  id @1 :Text $required;
}

struct ItemScore {
  item @0 :Text $required;
  score @1 :Float64;
  maxScore @2 :Float64;
}

struct ScoreSheet {
  sheetId @0 :Text $required;
  subject @1 :Subject $required;
  estateId @2 :Text;
  year @3 :UInt16 $required;
  items @4 :List(ItemScore) $required;
  inspectorIds @5 :List(Text);
}

enum ListMark {
  none @0;
  red @1;     # 红榜
  black @2;   # 黑榜
}

struct Figure {
  name @0 :Text;
  value @1 :Float64;
  inputs @2 :Text;                      # how it was computed, readable by a person
}

struct PublishedRating {
  subject @0 :Subject;
  score @1 :Float64;
  stars @2 :UInt8;
  list @3 :ListMark;
  replacementRecommended @4 :Bool;      # black-listed two years running (启动退出程序)
  figures @5 :List(Figure);
}

struct StarRatingPublished {
  year @0 :UInt16 $required;
  ratings @1 :List(PublishedRating) $required;
  computedAtSeq @2 :UInt64 $required;   # the ledger position the figures came from
  computedAtHash @3 :Text;              # hex SHA-256 head hash at that position
  policyId @4 :Text;
  policyVersion @5 :UInt32;
}

# ---------------------------------------------------------------------------------------------
# Joint meetings and resolutions

enum Side {
  streetOffice @0;           # 街道
  communityParty @1;         # 社区党组织
  residentsCommittee @2;     # 居委会
  ownersCommittee @3;        # 业委会
  propertyCompany @4;        # 物业公司
  partnerUnit @5;            # 联点单位
  residentRepresentative @6; # 居民代表
}

struct Attendee {
  personId @0 :Text;
  name @1 :Text;
  side @2 :Side;
}

struct AgendaItem {
  title @0 :Text $required;
  complaintIds @1 :List(Text);
  repairIds @2 :List(Text);
}

struct JointMeetingHeld {
  meetingId @0 :Text $required;
  estateId @1 :Text $required;
  heldOn @2 :Text $required $date;
  place @3 :Text;
  attendees @4 :List(Attendee);
  agenda @5 :List(AgendaItem);
  minutes @6 :Text;
}

struct ResolutionAdopted {
  resolutionId @0 :Text $required;
  meetingId @1 :Text $required;
  estateId @2 :Text;
  text @3 :Text $required;
  ownerSide @4 :Side;
  ownerId @5 :Text;
  dueDate @6 :Text $date;
}

struct ResolutionProgressed {
  resolutionId @0 :Text $required;
  note @1 :Text;
  percent @2 :UInt8;
}

# ---------------------------------------------------------------------------------------------
# Corrections

struct CorrectionRecorded {
  correctsSeq @0 :UInt64 $required;     # the sequence number of the event being corrected
  reason @1 :Text $required;
  action :union {
    void @2 :Void;                      # the corrected event is to be disregarded
    replacement @3 :Payload;            # the corrected event is to be read as this instead
  }
}
