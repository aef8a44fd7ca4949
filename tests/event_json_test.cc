// The JSON edge: the shape of an event in JSON, time conventions, and errors that name the path.

#include "codec/event_json.h"

#include <capnp/compat/json.capnp.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

using ledger::Code;
using ledger::schema::Channel;
using ledger::schema::Event;
using ledger::schema::Payload;
using testing::MakeEvent;

namespace {

// 2025-03-01T13:30:00Z, worked out by hand: 1970..2024 is 55 years with 14 leap days (1972,
// 1976, ..., 2024), so 55 * 365 + 14 = 20089 days; January and February 2025 add 31 + 28 = 59,
// giving 20148 days = 1740787200 s; 13:30 adds 48600 s; 1740835800 s = 1740835800000 ms.
constexpr int64_t kMarchFirst1330Utc = 1740835800000;

const codec::EventJson& Json() {
  static const codec::EventJson json;
  return json;
}

// Decodes `text` into a fresh message; keeps the message alive with the status.
struct Decoded {
  capnp::MallocMessageBuilder message;
  Event::Builder event = message.initRoot<Event>();
  ledger::Status status;
  explicit Decoded(std::string_view text) : status(Json().Decode(text, event)) {}
};

std::string ErrorFor(std::string_view text) {
  Decoded d(text);
  REQUIRE(d.status.code() == Code::kInvalidArgument);
  return d.status.message();
}

// A complaint wrapped in an envelope, for error tests that only vary the data.
std::string ComplaintWith(const std::string& data) {
  return R"({"eventId":"e1","stream":"complaint/c-1","type":"complaintFiled","data":)" + data + "}";
}

}  // namespace

TEST_CASE("an event is one line with the payload under type and data", "[codec]") {
  auto e = MakeEvent("e1", [](Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId("c-1");
    c.setEstateId("estate/e-1");
    c.setCategory("lighting");
    c.setChannel(Channel::WECHAT_GROUP);
    c.setSummary("楼道灯坏了");
  });
  e.builder().setStream("complaint/c-1");
  e.builder().setOccurredAt(kMarchFirst1330Utc);
  e.builder().setRecordedAt(kMarchFirst1330Utc + 123);

  CHECK(Json().Encode(e.reader()) ==
        R"({"eventId":"e1","stream":"complaint/c-1","actorId":"person/tester",)"
        R"("actorRole":"admin","occurredAt":"2025-03-01T13:30:00.000Z",)"
        R"("recordedAt":"2025-03-01T13:30:00.123Z","type":"complaintFiled",)"
        R"("data":{"complaintId":"c-1","estateId":"estate/e-1","category":"lighting",)"
        R"("channel":"wechatGroup","summary":"楼道灯坏了"}})");
}

TEST_CASE("default-valued fields are left out", "[codec]") {
  // Hotline is the first channel and zero times mean "not given": neither is written.
  auto e = testing::Complaint("e2", "c-2", "灯");
  e.builder().setActorRole(ledger::schema::Role::UNKNOWN);
  e.builder().setActorId("");
  std::string json = Json().Encode(e.reader());
  CHECK(json ==
        R"({"eventId":"e2","actorId":"","type":"complaintFiled","data":{"complaintId":"c-2",)"
        R"("estateId":"estate/e-1","category":"lighting","summary":"灯"}})");
  Decoded back(json);
  REQUIRE(back.status.ok());
  CHECK(back.event.getPayload().getComplaintFiled().getChannel() == Channel::HOTLINE);
  CHECK(back.event.getOccurredAt() == 0);
}

TEST_CASE("a complaint with Chinese text round-trips", "[codec]") {
  auto e = testing::Complaint("e3", "complaint/2025-000123",
                              "三号楼电梯停运两天，老人无法下楼 \"紧急\"\n请尽快处理\t😀");
  e.builder().setStream("complaint/2025-000123");
  e.builder().setOccurredAt(kMarchFirst1330Utc);
  std::string first = Json().Encode(e.reader());
  REQUIRE_FALSE(first.empty());
  CHECK(first.find('\n') == std::string::npos);

  Decoded d(first);
  REQUIRE(d.status.ok());
  CHECK(std::string(d.event.getPayload().getComplaintFiled().getSummary().cStr()) ==
        "三号楼电梯停运两天，老人无法下楼 \"紧急\"\n请尽快处理\t😀");
  CHECK(Json().Encode(d.event.asReader()) == first);
}

TEST_CASE("unicode escapes decode to the right characters", "[codec]") {
  // What Python's json.dumps sends by default. JsonCodec 0.9.2's own parser gets these wrong.
  Decoded d(ComplaintWith(R"({"summary":"\u697c\u9053\u706F \ud83d\ude00 \u00e9\/"})"));
  REQUIRE(d.status.ok());
  CHECK(std::string(d.event.getPayload().getComplaintFiled().getSummary().cStr()) == "楼道灯 😀 é/");
}

TEST_CASE("times accept RFC 3339 with offsets and milliseconds", "[codec]") {
  auto occurred = [](const std::string& value) {
    Decoded d(R"({"eventId":"e1","occurredAt":)" + value + "}");
    INFO(value << " -> " << d.status.ToString());
    REQUIRE(d.status.ok());
    return d.event.getOccurredAt();
  };
  // 21:30 at +08:00 (Beijing) is 13:30 UTC.
  CHECK(occurred(R"("2025-03-01T21:30:00+08:00")") == kMarchFirst1330Utc);
  CHECK(occurred(R"("2025-03-01T13:30:00Z")") == kMarchFirst1330Utc);
  CHECK(occurred(R"("2025-03-01T08:30:00-05:00")") == kMarchFirst1330Utc);
  CHECK(occurred(R"("2025-03-01T13:30:00.5Z")") == kMarchFirst1330Utc + 500);
  CHECK(occurred(R"("2025-03-01T13:30:00.123456Z")") == kMarchFirst1330Utc + 123);
  CHECK(occurred(R"("2025-03-02T05:30:00.250+16:00")") == kMarchFirst1330Utc + 250);
  CHECK(occurred("1740835800000") == kMarchFirst1330Utc);
  CHECK(occurred(R"("1740835800000")") == kMarchFirst1330Utc);
  CHECK(occurred(R"("1969-12-31T23:59:59.999Z")") == -1);
  CHECK(occurred(R"("2024-02-29T00:00:00Z")") == 1709164800000);
}

TEST_CASE("times are written as RFC 3339 UTC and read back", "[codec]") {
  CHECK(codec::FormatTimestamp(kMarchFirst1330Utc) == "2025-03-01T13:30:00.000Z");
  CHECK(codec::FormatTimestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(codec::FormatTimestamp(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(codec::FormatTimestamp(253402300799999) == "9999-12-31T23:59:59.999Z");
  // Beyond year 9999 RFC 3339 has no form; the exact milliseconds are written instead.
  CHECK(codec::FormatTimestamp(253402300800000) == "253402300800000");
  CHECK(codec::FormatTimestamp(INT64_MIN) == "-9223372036854775808");

  for (int64_t ms : {int64_t{0}, int64_t{-1}, kMarchFirst1330Utc, int64_t{-62167219200000},
                     int64_t{253402300800000}, INT64_MAX, INT64_MIN}) {
    auto parsed = codec::ParseTimestamp(codec::FormatTimestamp(ms));
    REQUIRE(parsed.ok());
    CHECK(*parsed == ms);
  }

  auto e = MakeEvent("t", [](Payload::Builder p) { p.initRepairCompleted().setRepairId("r"); });
  e.builder().setRecordedAt(INT64_MAX);
  std::string json = Json().Encode(e.reader());
  CHECK(json.find(R"("recordedAt":"9223372036854775807")") != std::string::npos);
  Decoded d(json);
  REQUIRE(d.status.ok());
  CHECK(d.event.getRecordedAt() == INT64_MAX);
}

TEST_CASE("a bad time names the field and the accepted forms", "[codec]") {
  CHECK_THAT(ErrorFor(R"({"eventId":"e1","occurredAt":"yesterday"})"),
             Catch::StartsWith(R"(occurredAt: "yesterday" is not a time; use RFC 3339)"));
  CHECK_THAT(ErrorFor(R"({"occurredAt":"2025-02-29T10:00:00Z"})"),
             Catch::StartsWith("occurredAt: \"2025-02-29T10:00:00Z\" is not a time"));
  CHECK_THAT(ErrorFor(R"({"occurredAt":"2025-03-01T13:30:00"})"),
             Catch::StartsWith("occurredAt: ") && Catch::Contains("is not a time"));
  CHECK_THAT(ErrorFor(R"({"recordedAt":1.5})"),
             Catch::StartsWith("recordedAt: 1.5 is not a whole number of milliseconds"));
  CHECK_THAT(ErrorFor(R"({"recordedAt":true})"),
             Catch::StartsWith("recordedAt: expected a time") && Catch::EndsWith("got true"));
  CHECK_THAT(ErrorFor(R"({"recordedAt":"99999999999999999999"})"),
             Catch::StartsWith("recordedAt: ") && Catch::Contains("out of range"));
  CHECK_FALSE(codec::ParseTimestamp("2025-03-01T25:00:00Z").ok());
  CHECK_FALSE(codec::ParseTimestamp("").ok());
}

TEST_CASE("other 64-bit integers are numbers out (strings beyond 2^53) and numbers or strings in",
          "[codec]") {
  for (const char* seq : {"12", R"("12")"}) {
    Decoded d(std::string(R"({"eventId":"e1","type":"correctionRecorded","data":{"correctsSeq":)") +
              seq + R"(,"reason":"typo"}})");
    INFO(seq);
    REQUIRE(d.status.ok());
    CHECK(d.event.getPayload().getCorrectionRecorded().getCorrectsSeq() == 12);
    CHECK(Json().Encode(d.event.asReader()).find(R"("correctsSeq":12,)") != std::string::npos);
  }
  for (const char* points : {"-250", R"("-250")"}) {
    Decoded d(std::string(R"({"type":"timeBankExchanged","data":{"pointsCenti":)") + points + "}}");
    INFO(points);
    REQUIRE(d.status.ok());
    CHECK(d.event.getPayload().getTimeBankExchanged().getPointsCenti() == -250);
  }
  Decoded big(R"({"type":"starRatingPublished","data":{"computedAtSeq":"18446744073709551615"}})");
  REQUIRE(big.status.ok());
  CHECK(big.event.getPayload().getStarRatingPublished().getComputedAtSeq() == UINT64_MAX);
  // Beyond 2^53 - 1 a double no longer holds every integer, so the value goes out as a string.
  CHECK(Json().Encode(big.event.asReader()).find(R"("computedAtSeq":"18446744073709551615")") !=
        std::string::npos);
  Decoded edge(R"({"type":"timeBankExchanged","data":{"pointsCenti":"-9007199254740991"}})");
  REQUIRE(edge.status.ok());
  CHECK(Json().Encode(edge.event.asReader()).find(R"("pointsCenti":-9007199254740991)") !=
        std::string::npos);
  Decoded past(R"({"type":"timeBankExchanged","data":{"pointsCenti":"-9007199254740992"}})");
  REQUIRE(past.status.ok());
  CHECK(Json().Encode(past.event.asReader()).find(R"("pointsCenti":"-9007199254740992")") !=
        std::string::npos);

  CHECK(ErrorFor(R"({"type":"correctionRecorded","data":{"correctsSeq":"-1"}})") ==
        R"(data.correctsSeq: "-1" is out of range; allowed: 0 to 18446744073709551615)");
  CHECK(ErrorFor(R"({"type":"correctionRecorded","data":{"correctsSeq":"twelve"}})") ==
        R"(data.correctsSeq: "twelve" is not a whole number)");
  CHECK(ErrorFor(R"({"type":"correctionRecorded","data":{"correctsSeq":1e300}})") ==
        "data.correctsSeq: 1e+300 is out of range; allowed: 0 to 18446744073709551615");
  CHECK(ErrorFor(R"({"type":"resolutionProgressed","data":{"percent":300}})") ==
        "data.percent: 300 is out of range; allowed: 0 to 255");
}

TEST_CASE("events follow the same 2^53 rule as responses, at its edge in both signs", "[codec]") {
  // pointsCenti is an Int64, correctsSeq a UInt64. 2^53 - 1 = 9007199254740991.
  struct Case {
    const char* given;
    const char* written;
  };
  for (const Case& c :
       {Case{R"("pointsCenti":9007199254740991)", R"("pointsCenti":9007199254740991)"},
        Case{R"("pointsCenti":"9007199254740992")", R"("pointsCenti":"9007199254740992")"},
        Case{R"("pointsCenti":-9007199254740991)", R"("pointsCenti":-9007199254740991)"},
        Case{R"("pointsCenti":"-9007199254740992")", R"("pointsCenti":"-9007199254740992")"}}) {
    INFO(c.given);
    Decoded d(std::string(R"({"type":"timeBankExchanged","data":{)") + c.given + "}}");
    REQUIRE(d.status.ok());
    CHECK_THAT(Json().Encode(d.event.asReader()), Catch::Contains(c.written));
  }
  for (const Case& c :
       {Case{R"("correctsSeq":9007199254740991)", R"("correctsSeq":9007199254740991,)"},
        Case{R"("correctsSeq":"9007199254740992")", R"("correctsSeq":"9007199254740992",)"}}) {
    INFO(c.given);
    Decoded d(std::string(R"({"type":"correctionRecorded","data":{)") + c.given +
              R"(,"reason":"typo"}})");
    REQUIRE(d.status.ok());
    CHECK_THAT(Json().Encode(d.event.asReader()), Catch::Contains(c.written));
  }
}

TEST_CASE("errors name the JSON path and what is allowed", "[codec]") {
  CHECK(ErrorFor(ComplaintWith(R"({"summary":"x","channel":"fax"})")) ==
        R"(data.channel: "fax" is not one of hotline, opinionBook, messageBox, replyBoard, )"
        R"(wechatGroup, doorToDoor, forum)");
  CHECK(ErrorFor(ComplaintWith(R"({"channel":3})")) ==
        "data.channel: expected one of hotline, opinionBook, messageBox, replyBoard, "
        "wechatGroup, doorToDoor, forum, got a number");
  CHECK(ErrorFor(ComplaintWith(R"({"summary":42})")) ==
        "data.summary: expected a string, got a number");
  CHECK(ErrorFor(ComplaintWith(R"({"summry":"x"})")) ==
        "data.summry: unknown field; known fields of complaintFiled are complaintId, estateId, "
        "householdId, companyId, category, channel, summary; did you mean \"summary\"?");
  CHECK(ErrorFor(R"({"eventId":"e1","evnetId":"e1"})") ==
        "evnetId: unknown field; known fields of Event are eventId, stream, actorId, actorRole, "
        "occurredAt, recordedAt, type, data; did you mean \"eventId\"?");
  CHECK_THAT(ErrorFor(R"({"eventId":"e1","type":"complaintFiledd","data":{}})"),
             Catch::StartsWith(R"(type: "complaintFiledd" is not an event type; allowed: )"
                               "estateRegistered, companyRegistered, ") &&
                 Catch::EndsWith(R"(correctionRecorded; did you mean "complaintFiled"?)") &&
                 !Catch::Contains("unset"));
  CHECK(ErrorFor(R"({"type":"policyAdopted","data":{"policyId":"p","timeBank":{}}})") ==
        "data.timeBank: unknown field; known fields of policyAdopted are policyId, version, "
        "effectiveFrom, timeZone, rules; \"timeBank\" goes inside \"rules\": "
        "{\"rules\": {\"timeBank\": ...}}");
  CHECK(ErrorFor(R"({"type":7})").rfind("type: expected a string naming one of ", 0) == 0);
  //                      byte 17 is the '}' where a field name should be.
  CHECK(ErrorFor(R"({"eventId": "e1",})") ==
        "malformed JSON at byte 17: expected a field name in double quotes, got '}'");
  CHECK(ErrorFor(R"({"eventId":"e1","eventId":"e2"})") ==
        R"(malformed JSON at byte 16: field "eventId" appears twice)");
  CHECK(ErrorFor("[]") == "top level: expected an object, got an array");
  // Keys come from the input: odd ones are quoted and cut short, never pasted in raw.
  CHECK_THAT(
      ErrorFor(ComplaintWith(R"({"bad\nkey":1})")),
      Catch::StartsWith(R"(data["bad\nkey"]: unknown field; known fields of complaintFiled)"));
  CHECK_THAT(ErrorFor(ComplaintWith("{\"" + std::string(100000, 'k') + "\":1}")),
             Catch::StartsWith("data[\"kkkk") && Catch::Contains("kkk...\"]: unknown field"));
  CHECK(ErrorFor(ComplaintWith("{\"" + std::string(100000, 'k') + "\":1}")).size() < 400);
}

TEST_CASE("an item of a nested list is named with its index", "[codec]") {
  CHECK(ErrorFor(R"({"type":"jointMeetingHeld","data":{"meetingId":"m-1",)"
                 R"("agenda":[{"title":"路灯"},{"title":5}]}})") ==
        "data.agenda[1].title: expected a string, got a number");
  CHECK(ErrorFor(R"({"type":"jointMeetingHeld","data":{"agenda":[{"title":"a"},)"
                 R"({"title":"b","complaintIds":["c-1",null]}]}})") ==
        "data.agenda[1].complaintIds[1]: expected a string, got null");
  CHECK(ErrorFor(R"({"type":"jointMeetingHeld","data":{"attendees":[{"sde":"x"}]}})") ==
        "data.attendees[0].sde: unknown field; known fields of Attendee are personId, name, side; "
        "did you mean \"side\"?");
  CHECK(ErrorFor(R"({"type":"jointMeetingHeld","data":{"agenda":{"title":"a"}}})") ==
        "data.agenda: expected an array, got an object");
}

TEST_CASE("unions take exactly one member and data needs a type", "[codec]") {
  CHECK(ErrorFor(R"({"eventId":"e1","data":{"summary":"x"}})") ==
        R"(type: missing; "data" needs "type" to say what it is, one of estateRegistered, )"
        "companyRegistered, serviceContractStarted, serviceContractEnded, householdRegistered, "
        "householdFlagsChanged, personRegistered, roleAppointed, roleEnded, "
        "ownersCommitteeFormed, demandRecorded, demandMet, serviceMenuItemOffered, "
        "policyAdopted, complaintFiled, complaintAcknowledged, complaintReplied, "
        "complaintResolved, complaintReopened, complaintEscalated, repairRequested, "
        "repairDispatched, repairCompleted, followUpRecorded, visitObligationRaised, "
        "homeVisitRecorded, surveyResponseRecorded, volunteerHoursClaimed, "
        "volunteerHoursVerified, volunteerHoursRejected, timeBankExchanged, inspectionRecorded, "
        "documentReviewRecorded, starRatingPublished, jointMeetingHeld, resolutionAdopted, "
        "resolutionProgressed, resolutionCompleted, correctionRecorded");
  CHECK(ErrorFor(R"({"type":"followUpRecorded","data":{"subject":)"
                 R"({"complaintId":"c-1","repairId":"r-1"}}})") ==
        "data.subject: give only one of complaintId, repairId, visitId; got complaintId, "
        "repairId");
  CHECK(ErrorFor(R"({"type":"correctionRecorded","data":{"correctsSeq":3,"action":)"
                 R"({"void":null,"replacement":{"type":"complaintFiled"}}}})") ==
        "data.action: give only one of void, replacement; got void, replacement");
  CHECK(ErrorFor(R"({"type":"complaintFiled","data":null})") ==
        "data: expected an object, got null");
  CHECK(ErrorFor(R"({"type":"complaintFiled","data":["x"]})") ==
        "data: expected an object, got an array");

  // No type and no data is an empty payload; ledger::ValidateEvent refuses it, not the codec.
  Decoded empty(R"({"eventId":"e1"})");
  CHECK(empty.status.ok());
  CHECK(empty.event.getPayload().isUnset());
}

TEST_CASE("a correction with a replacement payload round-trips", "[codec]") {
  auto e = MakeEvent("fix-1", [](Payload::Builder p) {
    auto fix = p.initCorrectionRecorded();
    fix.setCorrectsSeq(41);
    fix.setReason("分类填错了 (wrong category)");
    auto c = fix.getAction().initReplacement().initComplaintFiled();
    c.setComplaintId("c-1");
    c.setEstateId("estate/e-1");
    c.setCategory("elevator");
    c.setChannel(Channel::FORUM);
    c.setSummary("电梯故障");
  });
  e.builder().setStream("complaint/c-1");
  std::string first = Json().Encode(e.reader());
  CHECK(first.find(R"("type":"correctionRecorded","data":{"correctsSeq":41,)") !=
        std::string::npos);
  CHECK(first.find(R"("action":{"replacement":{"type":"complaintFiled","data":{)") !=
        std::string::npos);

  Decoded d(first);
  REQUIRE(d.status.ok());
  auto fix = d.event.getPayload().getCorrectionRecorded();
  REQUIRE(fix.getAction().isReplacement());
  CHECK(fix.getAction().getReplacement().getComplaintFiled().getChannel() == Channel::FORUM);
  CHECK(Json().Encode(d.event.asReader()) == first);

  CHECK_THAT(ErrorFor(R"({"type":"correctionRecorded","data":{"action":)"
                      R"({"replacement":{"type":"nope","data":{}}}}})"),
             Catch::StartsWith(R"(data.action.replacement.type: "nope" is not an event type)"));
  CHECK(ErrorFor(R"({"type":"correctionRecorded","data":{"action":)"
                 R"({"replacement":{"type":"complaintFiled","data":{"summary":[]}}}}})") ==
        "data.action.replacement.data.summary: expected a string, got an array");
}

TEST_CASE("hostile input returns an error and never crashes", "[codec]") {
  std::vector<std::string> inputs = {
      "",
      "   ",
      "null",
      "0",
      "\"just a string\"",
      "{",
      "}",
      "{\"eventId\"",
      "{\"eventId\":}",
      "{\"eventId\":\"e1\"} trailing",
      std::string("{\"eventId\":\"e1\"}\0{\"x\":1}", 24),
      std::string("{\"eventId\":\"e\0\"}", 16),
      "{\"eventId\":\"\xff\xfe\"}",
      "{\"eventId\":\"\xC0\xAF\"}",
      "\xEF\xBB\xBF{}",
      "{\"eventId\":\"\\ud800\"}",
      "{\"eventId\":\"\\udc00\\ud800\"}",
      "{\"eventId\":\"\\x41\"}",
      "{\"eventId\":\"\\u12\"}",
      "{\"recordedAt\":1e999}",
      "{\"recordedAt\":-}",
      "{\"recordedAt\":01}",
      "{\"recordedAt\":NaN}",
      "{\"type\":\"complaintFiled\",\"data\":{\"channel\":1e30}}",
      "{\"type\":\"estateRegistered\",\"data\":{\"householdCount\":-0.5}}",
      "{\"type\":\"inspectionRecorded\",\"data\":{\"items\":{}}}",
      "{\"type\":\"policyAdopted\",\"data\":{\"rules\":[]}}",
      "{\"type\":\"policyAdopted\",\"data\":{\"rules\":{\"rating\":{\"weights\":\"x\"}}}}",
      "{\"type\":[],\"data\":{}}",
      "{\"type\":null}",
      "[{\"eventId\":\"e1\"}]",
      std::string(100000, '['),
      std::string(100000, '{'),
      std::string(70, '[') + std::string(70, ']'),
  };
  // Corrections nested inside corrections, past the depth limit.
  std::string nested = "{\"eventId\":\"deep\"";
  std::string close;
  for (int i = 0; i < 40; ++i) {
    nested += ",\"type\":\"correctionRecorded\",\"data\":{\"action\":{\"replacement\":{\"x\":0";
    close += "}}}";
  }
  inputs.push_back(nested + close + "}");
  std::string many_keys = "{";
  for (int i = 0; i < 50000; ++i) many_keys += "\"k" + std::to_string(i) + "\":1,";
  inputs.push_back(many_keys + "\"k7\":2}");
  inputs.push_back(ComplaintWith("{\"summary\":\"" + std::string(1 << 20, 'x') + "\",\"x\":1}"));

  for (const auto& input : inputs) {
    INFO(input.substr(0, 120));
    Decoded d(input);
    CHECK(d.status.code() == Code::kInvalidArgument);
    CHECK_FALSE(d.status.message().empty());
    CHECK(d.status.message().size() < 2000);
  }
}

TEST_CASE("any struct of the catalogue encodes and decodes", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto sheet = message.initRoot<ledger::schema::ScoreSheet>();
  sheet.setSheetId("sheet/2025-01");
  sheet.initSubject().setId("company/c-1");
  sheet.setYear(2025);
  auto items = sheet.initItems(2);
  items[0].setItem("绿化");
  items[0].setScore(8.5);
  items[0].setMaxScore(10);
  items[1].setItem("保洁");
  std::string json = Json().EncodeStruct(sheet.asReader());
  CHECK(json == R"({"sheetId":"sheet/2025-01","subject":{"id":"company/c-1"},"year":2025,)"
                R"("items":[{"item":"绿化","score":8.5,"maxScore":10},{"item":"保洁"}]})");

  capnp::MallocMessageBuilder again;
  auto back = again.initRoot<ledger::schema::ScoreSheet>();
  REQUIRE(Json().DecodeStruct(json, back).ok());
  CHECK(Json().EncodeStruct(back.asReader()) == json);

  auto bad = Json().DecodeStruct(R"({"items":[{"score":"lots"}]})", back);
  CHECK(bad.message() == R"(items[0].score: "lots" is not a number)");
}

TEST_CASE("structs from other schema files work too", "[codec]") {
  // DiscriminatorOptions comes from capnp's json.capnp: nothing reachable from Event.
  capnp::MallocMessageBuilder message;
  auto options = message.initRoot<capnp::json::DiscriminatorOptions>();
  REQUIRE(Json().DecodeStruct(R"({"name":"type","valueName":"data"})", options).ok());
  CHECK(std::string(options.getValueName().cStr()) == "data");
  CHECK(Json().EncodeStruct(options.asReader()) == R"({"name":"type","valueName":"data"})");
  CHECK(Json().DecodeStruct(R"({"nam":"x"})", options).message() ==
        "nam: unknown field; known fields of DiscriminatorOptions are name, valueName; did you "
        "mean \"name\"?");

  // A JSON value as a struct is any JSON, copied through.
  capnp::MallocMessageBuilder other;
  auto value = other.initRoot<capnp::json::Value>();
  REQUIRE(Json().DecodeStruct(R"({"a":[1,"x",null,{"b":true}]})", value).ok());
  CHECK(Json().EncodeStruct(value.asReader()) == R"({"a":[1,"x",null,{"b":true}]})");
}

TEST_CASE("one codec serves many threads", "[codec]") {
  const codec::EventJson json;  // fresh, so that the threads race to set up the other type
  auto e = testing::Complaint("e-t", "c-t", "多线程 test");
  e.builder().setOccurredAt(kMarchFirst1330Utc);
  const std::string expected = Json().Encode(e.reader());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        capnp::MallocMessageBuilder m;
        auto options = m.initRoot<capnp::json::DiscriminatorOptions>();
        if (!json.DecodeStruct(R"({"name":"n"})", options).ok() ||
            json.EncodeStruct(options.asReader()) != R"({"name":"n"})") {
          ++failures[t];
        }
        Decoded d(expected);
        if (!d.status.ok() || Json().Encode(d.event.asReader()) != expected) ++failures[t];
        Decoded bad(ComplaintWith(R"({"channel":"fax"})"));  // no Catch2 asserts off-thread
        if (bad.status.message().rfind("data.channel: ", 0) != 0) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(4, 0));
}
