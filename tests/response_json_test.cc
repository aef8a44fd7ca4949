// The JSON convention of views and reports (codec/response_json.h): every field present with its
// zero value, integers as numbers up to 2^53 - 1 and strings beyond, times as RFC 3339 or null,
// null for empty text and for numbers that are not finite.

#include "codec/response_json.h"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "schemas/joint_meeting_report.capnp.h"
#include "schemas/view_complaints.capnp.h"
#include "schemas/view_repairs.capnp.h"

namespace {

// 2025-03-01T13:30:00Z: 20148 days after 1970-01-01 (55 years with 14 leap days, then January
// and February), 1740787200 s, plus 13.5 hours.
constexpr int64_t kMarchFirst1330Utc = 1740835800000;

}  // namespace

TEST_CASE("a view with nothing set still has every field, each with its zero value", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto view = message.initRoot<ledger::schema::ComplaintsView>();
  std::string json = codec::EncodeResponse(view.asReader());
  // Unset lists are [], unset structs objects of zeros, and no average over nothing is a number.
  CHECK(json == R"({"total":0,"open":0,"resolved":0,"reopened":0,"escalated":0,"byStatus":[],)"
                R"("byCategory":[],"byChannel":[],"byEstate":[],"byCompany":[],)"
                R"("toAcknowledge":{"count":0,"averageHours":0,"medianHours":0},)"
                R"("toReply":{"count":0,"averageHours":0,"medianHours":0},)"
                R"("toResolve":{"count":0,"averageHours":0,"medianHours":0},)"
                R"("satisfaction":[],"items":[],"offset":0,"next":null})");
}

TEST_CASE("an item: numbers, times, null for none, text escaped", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto view = message.initRoot<ledger::schema::ComplaintsView>();
  view.setTotal(1);
  view.initToAcknowledge().setAverageHours(std::nan(""));
  view.getToReply().setAverageHours(2.5);
  auto item = view.initItems(1)[0];
  item.setComplaintId("complaint/c-1");
  item.setEstateId("estate/e-1");
  item.setSummary("电梯 \"停运\"\n三天");
  item.setStatus("filed");
  item.setFiledAt(kMarchFirst1330Utc);
  item.setFiledSeq(70);
  std::string json = codec::EncodeResponse(view.asReader());
  CHECK_THAT(json, Catch::Contains(R"("toAcknowledge":{"count":0,"averageHours":null,)"));
  CHECK_THAT(json, Catch::Contains(R"("toReply":{"count":0,"averageHours":2.5,)"));
  CHECK_THAT(json,
             Catch::Contains(
                 R"({"complaintId":"complaint/c-1","estateId":"estate/e-1","householdId":null,)"
                 R"("companyId":null,"category":null,"channel":null,)"
                 R"("summary":"电梯 \"停运\"\n三天","status":"filed",)"
                 R"("filedAt":"2025-03-01T13:30:00.000Z","acknowledgedAt":null,)"
                 R"("repliedAt":null,"resolvedAt":null,"reopenedCount":0,"escalated":false,)"
                 R"("satisfaction":null,"filedSeq":70})"));
}

TEST_CASE("integers beyond 2^53 - 1 are strings, up to it numbers", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto items = message.initRoot<ledger::schema::ComplaintsView>().initItems(3);
  items[0].setFiledSeq(9007199254740991ULL);  // 2^53 - 1
  items[1].setFiledSeq(9007199254740992ULL);  // 2^53: a double holds it, but not 2^53 + 1
  items[2].setFiledSeq(UINT64_MAX);
  std::string json =
      codec::EncodeResponse(message.getRoot<ledger::schema::ComplaintsView>().asReader());
  CHECK_THAT(json, Catch::Contains(R"("filedSeq":9007199254740991})"));
  CHECK_THAT(json, Catch::Contains(R"("filedSeq":"9007199254740992"})"));
  CHECK_THAT(json, Catch::Contains(R"("filedSeq":"18446744073709551615"})"));
}

TEST_CASE("the 2^53 rule: |n| up to 2^53 - 1 is a number, anything past it a string", "[codec]") {
  // 2^53 - 1 = 9007199254740991, the largest integer below which every integer is a double.
  static_assert(codec::kLargestExactInteger == 9007199254740991ULL);
  CHECK(codec::WrittenAsNumber(int64_t{9007199254740991}));
  CHECK(codec::WrittenAsNumber(int64_t{-9007199254740991}));
  CHECK_FALSE(codec::WrittenAsNumber(int64_t{9007199254740992}));
  CHECK_FALSE(codec::WrittenAsNumber(int64_t{-9007199254740992}));
  CHECK_FALSE(codec::WrittenAsNumber(INT64_MIN));  // no overflow in negating it
  CHECK_FALSE(codec::WrittenAsNumber(INT64_MAX));
  CHECK(codec::WrittenAsNumber(uint64_t{9007199254740991}));
  CHECK_FALSE(codec::WrittenAsNumber(uint64_t{9007199254740992}));
  CHECK_FALSE(codec::WrittenAsNumber(UINT64_MAX));
  CHECK(codec::WrittenAsNumber(0));
  CHECK(codec::WrittenAsNumber(int32_t{-1}));
}

TEST_CASE("a signed integer at the edge of 2^53 in a view", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto report = message.initRoot<ledger::schema::JointMeetingReport>();
  // volunteerPointsEarnedCenti is an Int64 that is not an instant; positionSeq is a UInt64.
  report.initHeadlines().setVolunteerPointsEarnedCenti(-9007199254740991);
  report.setPositionSeq(9007199254740992ULL);
  std::string json = codec::EncodeResponse(report.asReader());
  CHECK_THAT(json, Catch::Contains(R"("volunteerPointsEarnedCenti":-9007199254740991)"));
  CHECK_THAT(json, Catch::Contains(R"("positionSeq":"9007199254740992")"));
  report.getHeadlines().setVolunteerPointsEarnedCenti(-9007199254740992);
  report.setPositionSeq(9007199254740991ULL);
  json = codec::EncodeResponse(report.asReader());
  CHECK_THAT(json, Catch::Contains(R"("volunteerPointsEarnedCenti":"-9007199254740992")"));
  CHECK_THAT(json, Catch::Contains(R"("positionSeq":9007199254740991)"));
}

TEST_CASE("instants named without At are times too; durations stay numbers", "[codec]") {
  capnp::MallocMessageBuilder message;
  auto report = message.initRoot<ledger::schema::JointMeetingReport>();
  report.setPeriodFrom(kMarchFirst1330Utc);
  report.setNow(kMarchFirst1330Utc + 1);
  std::string json = codec::EncodeResponse(report.asReader());
  CHECK_THAT(json, Catch::Contains(R"("periodFrom":"2025-03-01T13:30:00.000Z")"));
  CHECK_THAT(json, Catch::Contains(R"("periodTo":null)"));  // never set: no such instant
  CHECK_THAT(json, Catch::Contains(R"("now":"2025-03-01T13:30:00.001Z")"));

  capnp::MallocMessageBuilder repairs_message;
  auto repair = repairs_message.initRoot<ledger::schema::RepairsView>().initItems(1)[0];
  repair.setDeadline(kMarchFirst1330Utc);
  CHECK_THAT(
      codec::EncodeResponse(repairs_message.getRoot<ledger::schema::RepairsView>().asReader()),
      Catch::Contains(R"("deadline":"2025-03-01T13:30:00.000Z")"));
}

TEST_CASE("control characters are escaped so the document stays JSON", "[codec]") {
  std::string out;
  codec::AppendJsonString(std::string("a\x01\tb\\", 5), &out);
  CHECK(out == R"("a\u0001\tb\\")");
  // Any bytes, as a request may hold: a byte that starts no UTF-8 sequence becomes U+FFFD, a
  // whole sequence passes as it is.
  out.clear();
  codec::AppendJsonString("x\xff楼", &out);
  CHECK(out == "\"x\\ufffd楼\"");
}

TEST_CASE("which fields are instants is read once per type, safely from many threads", "[codec]") {
  // Threads race to be first to read each type's fields; each must still see every instant.
  // The expected text is the one the single-threaded tests above check piece by piece.
  capnp::MallocMessageBuilder report_message;
  auto report = report_message.initRoot<ledger::schema::JointMeetingReport>();
  report.setNow(kMarchFirst1330Utc);
  capnp::MallocMessageBuilder view_message;
  auto item = view_message.initRoot<ledger::schema::ComplaintsView>().initItems(1)[0];
  item.setFiledAt(kMarchFirst1330Utc);
  item.setFiledSeq(70);
  auto view = view_message.getRoot<ledger::schema::ComplaintsView>().asReader();
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string a = codec::EncodeResponse(report.asReader());
        std::string b = codec::EncodeResponse(view);
        // No Catch2 assertions off the main thread.
        if (a.find(R"("now":"2025-03-01T13:30:00.000Z")") == std::string::npos ||
            a.find(R"("periodFrom":null)") == std::string::npos ||
            b.find(R"("filedAt":"2025-03-01T13:30:00.000Z","acknowledgedAt":null,)") ==
                std::string::npos ||
            b.find(R"("filedSeq":70})") == std::string::npos) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(4, 0));
}
