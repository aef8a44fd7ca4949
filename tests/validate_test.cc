// Schema-driven validation: the rules written in events.capnp are the rules enforced.

#include "ledger/validate.h"

#include <capnp/schema.h>
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "ledger/schema_facts.h"
#include "test_support.h"

using ledger::Code;
using testing::MakeEvent;

TEST_CASE("calendar days are real days", "[validate]") {
  CHECK(ledger::IsCalendarDate("2025-02-28"));
  CHECK(ledger::IsCalendarDate("2024-02-29"));
  CHECK_FALSE(ledger::IsCalendarDate("2025-02-29"));
  CHECK_FALSE(ledger::IsCalendarDate("2025-13-01"));
  CHECK_FALSE(ledger::IsCalendarDate("2025-1-01"));
  CHECK_FALSE(ledger::IsCalendarDate("2025/01/01"));
  CHECK_FALSE(ledger::IsCalendarDate(""));
}

TEST_CASE("a recorded day is in 1900 or later, within the calendar's four-digit years",
          "[validate]") {
  CHECK(ledger::IsCalendarDate("1900-01-01"));
  CHECK(ledger::IsCalendarDate("9999-12-31"));
  CHECK_FALSE(ledger::IsCalendarDate("1899-12-31"));  // a real day, but not one recorded here
  CHECK_FALSE(ledger::IsCalendarDate("0025-03-01"));  // a mistyped 2025
  CHECK_FALSE(ledger::IsCalendarDate("10000-01-01"));
}

TEST_CASE("UTF-8 is checked - Chinese passes", "[validate]") {
  CHECK(ledger::IsValidUtf8("红色物业 star 星级评价"));
  CHECK_FALSE(ledger::IsValidUtf8("\xC3\x28"));
  CHECK_FALSE(ledger::IsValidUtf8("\xE2\x82"));      // truncated
  CHECK_FALSE(ledger::IsValidUtf8("\xC0\xAF"));      // overlong "/"
  CHECK_FALSE(ledger::IsValidUtf8("\xED\xA0\x80"));  // surrogate
}

TEST_CASE("a date field with a bad day names the field and the format", "[validate]") {
  auto e = MakeEvent("d-1", [](ledger::schema::Payload::Builder p) {
    auto m = p.initJointMeetingHeld();
    m.setMeetingId("meeting/m-1");
    m.setEstateId("estate/e-1");
    m.setHeldOn("2025-04-31");
  });
  e.builder().setStream("meeting/m-1");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("jointMeetingHeld.heldOn") &&
                              Catch::Contains("YYYY-MM-DD") && Catch::Contains("2025-04-31"));
}

TEST_CASE("required fields inside list items are named with their index", "[validate]") {
  auto e = MakeEvent("m-1", [](ledger::schema::Payload::Builder p) {
    auto m = p.initJointMeetingHeld();
    m.setMeetingId("meeting/m-1");
    m.setEstateId("estate/e-1");
    m.setHeldOn("2025-04-30");
    auto agenda = m.initAgenda(2);
    agenda[0].setTitle("路灯维修进度");
  });
  e.builder().setStream("meeting/m-1");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("jointMeetingHeld.agenda[1].title is required"));
}

TEST_CASE("a yearly holiday is MM-DD", "[validate]") {
  auto e = MakeEvent("p-1", [](ledger::schema::Payload::Builder p) {
    auto policy = p.initPolicyAdopted();
    policy.setPolicyId("visits");
    policy.setEffectiveFrom("2025-01-01");
    auto rules = policy.getRules().initVisits();
    auto holidays = rules.initHolidays(1);
    holidays[0].setName("重阳节");
    holidays[0].setDay("10-32");
  });
  e.builder().setStream("policy/visits");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("holidays[0].day") && Catch::Contains("MM-DD"));
}

TEST_CASE("a known type with no data still names its required fields", "[validate]") {
  auto e = MakeEvent("empty", [](ledger::schema::Payload::Builder p) { p.initRepairCompleted(); });
  e.builder().setStream("repair/r-1");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("repairCompleted.repairId is required"));
  CHECK(ledger::EventTypeName(e.reader()) == "repairCompleted");
}

TEST_CASE("a correction's replacement payload is validated too", "[validate]") {
  auto e = MakeEvent("corr", [](ledger::schema::Payload::Builder p) {
    auto c = p.initCorrectionRecorded();
    c.setCorrectsSeq(12);
    c.setReason("wrong household");
    c.getAction().initReplacement().initComplaintFiled().setComplaintId("complaint/c-1");
  });
  e.builder().setStream("complaint/c-1");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(),
             Catch::Contains("correctionRecorded.action.replacement.complaintFiled.estateId"));
}

TEST_CASE("stream ids", "[validate]") {
  CHECK(ledger::ValidateStreamId("household/东区-3-201").ok());
  CHECK(ledger::ValidateStreamId("").code() == Code::kInvalidArgument);
  CHECK(ledger::ValidateStreamId(std::string(201, 'a')).code() == Code::kInvalidArgument);
  CHECK(ledger::ValidateStreamId("a\nb").code() == Code::kInvalidArgument);
}

TEST_CASE("identifiers hold no control character, so no NUL can cut one short", "[validate]") {
  auto complaint = [](const std::string& estate, const std::string& summary) {
    return MakeEvent("c-1", [&](ledger::schema::Payload::Builder p) {
      auto c = p.initComplaintFiled();
      c.setComplaintId("complaint/c-1");
      c.setEstateId(capnp::Text::Reader(estate.data(), estate.size()));
      c.setCategory("water");
      c.setSummary(capnp::Text::Reader(summary.data(), summary.size()));
    });
  };
  // "estate/e01\0zz" reads as "estate/e01" to anything that stops at the NUL.
  auto cut = complaint(std::string("estate/e01\0zz", 13), "漏水");
  cut.builder().setStream("complaint/c-1");
  auto s = ledger::ValidateEvent(cut.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("complaintFiled.estateId") && Catch::Contains("U+0000") &&
                              Catch::Contains("byte 10"));

  auto tab = complaint("estate/e01\t", "漏水");
  tab.builder().setStream("complaint/c-1");
  CHECK_THAT(ledger::ValidateEvent(tab.reader()).message(), Catch::Contains("U+0009"));

  auto long_id = complaint("estate/" + std::string(194, 'x'), "漏水");
  long_id.builder().setStream("complaint/c-1");
  CHECK_THAT(ledger::ValidateEvent(long_id.reader()).message(),
             Catch::Contains("201 bytes; an identifier has at most 200"));

  // Free text keeps its lines and tabs, but never a NUL or another control character.
  auto lines = complaint("estate/e01", "楼道灯坏了\n\t三楼\r\n");
  lines.builder().setStream("complaint/c-1");
  CHECK(ledger::ValidateEvent(lines.reader()).ok());
  auto nul = complaint("estate/e01", std::string("漏水\0", 7));
  nul.builder().setStream("complaint/c-1");
  CHECK_THAT(ledger::ValidateEvent(nul.reader()).message(),
             Catch::Contains("complaintFiled.summary") && Catch::Contains("U+0000"));
  auto bell = complaint("estate/e01", "漏水\x07");
  bell.builder().setStream("complaint/c-1");
  CHECK_THAT(ledger::ValidateEvent(bell.reader()).message(), Catch::Contains("U+0007"));
}

TEST_CASE("identifiers in lists are checked one by one", "[validate]") {
  auto e = MakeEvent("v-1", [](ledger::schema::Payload::Builder p) {
    auto v = p.initHomeVisitRecorded();
    v.setVisitId("visit/v-1");
    v.setHouseholdId("household/h-1");
    auto visitors = v.initVisitorIds(2);
    visitors.set(0, "person/w-1");
    std::string cut("person/w-2\0x", 12);
    visitors.set(1, capnp::Text::Reader(cut.data(), cut.size()));
  });
  e.builder().setStream("visit/v-1");
  auto s = ledger::ValidateEvent(e.reader());
  REQUIRE(s.code() == Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("visitorIds[1]") && Catch::Contains("U+0000"));
}

// The validator and the normaliser read each field's facts from a table built once from the
// schema (ledger/schema_facts.h): a struct missing from it, or a fact read wrong, would let an
// event through unchecked or refuse a good one.
TEST_CASE("the schema's facts hold every struct of an event as the schema declares it",
          "[validate]") {
  const auto& facts = ledger::internal::EventSchemaFacts();
  auto field = [&](capnp::StructSchema s, const char* name) -> const ledger::internal::FieldFacts& {
    const auto* of = facts.Of(s);
    REQUIRE(of != nullptr);
    return of->fields[s.getFieldByName(name).getIndex()];
  };
  using namespace ledger::schema;
  // Written out from schemas/events.capnp.
  const auto& complaint_id = field(capnp::Schema::from<ComplaintFiled>(), "complaintId");
  CHECK(complaint_id.required);
  CHECK(complaint_id.identifier);
  CHECK_FALSE(complaint_id.date);
  const auto& household = field(capnp::Schema::from<ComplaintFiled>(), "householdId");
  CHECK_FALSE(household.required);
  CHECK(household.identifier);
  const auto& summary = field(capnp::Schema::from<ComplaintFiled>(), "summary");
  CHECK(summary.required);
  CHECK_FALSE(summary.identifier);
  // Reached only through a list inside a struct inside the payload's union.
  const auto& birth = field(capnp::Schema::from<Resident>(), "birthDate");
  CHECK(birth.date);
  CHECK_FALSE(birth.required);
  const auto& residents = field(capnp::Schema::from<HouseholdRegistered>(), "residents");
  CHECK(residents.element_type.isStruct());
  const auto& day = field(capnp::Schema::from<Holiday>(), "day");
  CHECK(day.month_day);
  CHECK(day.required);
  CHECK_FALSE(day.date);
  // A named union inside a struct: its members are in the union, the struct's others are not.
  const auto& time_limits = field(capnp::Schema::from<PolicyAdopted::Rules>(), "repairTimeLimits");
  CHECK(time_limits.in_union);
  CHECK(field(capnp::Schema::from<PolicyAdopted>(), "rules").group);
  CHECK_FALSE(field(capnp::Schema::from<PolicyAdopted>(), "policyId").in_union);
  CHECK(field(capnp::Schema::from<RepairTimeLimit>(), "category").name == "category");

  // And every struct the event reaches is in the table, with each of its fields.
  std::vector<capnp::StructSchema> todo = {capnp::Schema::from<Event>()};
  std::set<uint64_t> seen;
  while (!todo.empty()) {
    capnp::StructSchema s = todo.back();
    todo.pop_back();
    if (!seen.insert(s.getProto().getId()).second) continue;
    const auto* of = facts.Of(s);
    INFO(s.getProto().getDisplayName().cStr());
    REQUIRE(of != nullptr);
    CHECK(of->fields.size() == s.getFields().size());
    for (auto f : s.getFields()) {
      capnp::Type t = f.getType();
      while (t.isList()) t = t.asList().getElementType();
      if (t.isStruct()) todo.push_back(t.asStruct());
    }
  }
  CHECK(seen.size() > 40);
}
