// The normal form (ledger/normalize.h): an event's JSON determines the bytes the chain hashes.
//
// Events of every type in the catalogue are generated from the schema, with each optional field
// absent, present and empty (or zero), and present with a value, and every member of every union
// chosen in turn. They go through the real ledger, out through an export and into a fresh ledger
// through the import ledgerctl runs, which must end at the same head; and their JSON, decoded and
// encoded again, must give the same bytes. Ledgers written before the rule restore too.

#include "ledger/normalize.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <sys/wait.h>

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../tools/ctl/cloudevents.h"
#include "codec/event_json.h"
#include "ledger/ledger.h"
#include "ledger/validate.h"
#include "test_support.h"

using capnp::DynamicList;
using capnp::DynamicStruct;
using ledger::ExpectedVersion;
using ledger::Ledger;
using ledger::schema::Event;
using ledger::schema::Payload;
using testing::TempDir;

namespace {

// Annotation ids declared in schemas/events.capnp.
constexpr uint64_t kRequired = 0xbb8f19c51249593full;
constexpr uint64_t kDate = 0xb35f06fc5b65114aull;
constexpr uint64_t kMonthDay = 0x8ca3758e255a60edull;

// 2025-03-01T13:30:00Z.
constexpr int64_t kNow = 1740835800000;

const codec::EventJson& Json() {
  static const codec::EventJson json;
  return json;
}

bool HasAnnotation(capnp::StructSchema::Field field, uint64_t id) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

std::string Hex(kj::ArrayPtr<const capnp::word> words) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : words.asBytes()) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xF];
  }
  return out;
}

bool Same(kj::ArrayPtr<const capnp::word> a, kj::ArrayPtr<const capnp::word> b) {
  return a.size() == b.size() &&
         std::equal(a.asBytes().begin(), a.asBytes().end(), b.asBytes().begin());
}

// A reader over canonical words (one segment), as the ledger reads them.
struct Stored {
  kj::ArrayPtr<const capnp::word> segments[1];
  capnp::SegmentArrayMessageReader reader;
  explicit Stored(kj::ArrayPtr<const capnp::word> words)
      : segments{words}, reader(kj::arrayPtr(segments, 1)) {}
  Event::Reader event() { return reader.getRoot<Event>(); }
};

enum class Mode { kAbsent, kEmpty, kValue };

bool HasRequiredField(capnp::StructSchema schema) {
  for (auto field : schema.getFields()) {
    if (HasAnnotation(field, kRequired)) return true;
  }
  return false;
}

// Fills events from the schema. With a fixed mode every optional field takes it; otherwise each
// field draws one. Unions take member `union_choice` (modulo their size) or a random one.
// Required fields always get a valid value, so every event passes the ledger's validation.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::optional<Mode> fixed;
  bool random_unions = false;
  size_t union_choice = 0;

  void Struct(DynamicStruct::Builder out, int depth) {
    auto schema = out.getSchema();
    for (auto field : schema.getNonUnionFields()) Field(out, field, depth, false);
    if (schema.getUnionFields().size() > 0) {
      std::vector<capnp::StructSchema::Field> members;
      for (auto field : schema.getUnionFields()) {
        auto name = field.getProto().getName();
        if (name == "unset") continue;  // never valid
        // A correction inside a correction adds nothing but depth.
        if (depth > 0 && name == "correctionRecorded") continue;
        members.push_back(field);
      }
      size_t pick = random_unions ? rng_() % members.size() : union_choice % members.size();
      Field(out, members[pick], depth, true);
    }
  }

  // An event of payload member `type`, filled.
  testing::OwnedEvent Make(capnp::StructSchema::Field type, const std::string& id) {
    testing::OwnedEvent event;
    auto b = event.builder();
    b.setEventId(id);
    b.setActorId("person/generator");
    b.setActorRole(ledger::schema::Role::ADMIN);
    b.setOccurredAt(kNow - static_cast<int64_t>(rng_() % 100000000));
    DynamicStruct::Builder payload = b.initPayload();
    Field(payload, type, 0, true);
    return event;
  }

 private:
  Mode Pick() {
    if (fixed) return *fixed;
    switch (rng_() % 3) {
      case 0:
        return Mode::kAbsent;
      case 1:
        return Mode::kEmpty;
      default:
        return Mode::kValue;
    }
  }

  void Field(DynamicStruct::Builder out, capnp::StructSchema::Field field, int depth,
             bool in_union) {
    if (field.getProto().isGroup()) {
      auto group =
          in_union ? out.init(field).as<DynamicStruct>() : out.get(field).as<DynamicStruct>();
      Struct(group, depth);
      return;
    }
    bool required = HasAnnotation(field, kRequired);
    Mode mode = required ? Mode::kValue : Pick();
    capnp::Type type = field.getType();
    // A payload member is the event's type, and a payload (a correction's replacement) needs
    // one: they are always there, with their fields to vary.
    bool is_payload = field.getContainingStruct() == capnp::Schema::from<Payload>() ||
                      (type.isStruct() && type.asStruct() == capnp::Schema::from<Payload>());
    if (is_payload) mode = Mode::kValue;
    using T = capnp::schema::Type;
    if (mode == Mode::kAbsent) {
      if (in_union) out.clear(field);  // active, with nothing set
      return;
    }
    bool value = mode == Mode::kValue;
    switch (type.which()) {
      case T::VOID:
        out.set(field, capnp::VOID);
        return;
      case T::BOOL:
        out.set(field, value);
        return;
      case T::INT8:
      case T::INT16:
      case T::INT32:
      case T::INT64:
      case T::UINT8:
      case T::UINT16:
      case T::UINT32:
      case T::UINT64:
        if (value) {
          out.set(field, Integer(type));
        } else {
          out.set(field, 0);
        }
        return;
      case T::FLOAT32:
      case T::FLOAT64:
        out.set(field, value ? Float() : 0.0);
        return;
      case T::ENUM: {
        auto enumerants = type.asEnum().getEnumerants();
        uint index = value ? 1 + rng_() % (enumerants.size() - 1) : 0;
        out.set(field, capnp::DynamicEnum(enumerants[index]));
        return;
      }
      case T::TEXT: {
        std::string text = value ? Text(field) : "";
        out.set(field, capnp::Text::Reader(text.data(), text.size()));
        return;
      }
      case T::DATA: {
        std::vector<kj::byte> bytes;
        if (value) bytes = {1, 2, 0, 255};
        out.set(field, capnp::Data::Reader(bytes.data(), bytes.size()));
        return;
      }
      case T::LIST: {
        uint size = value ? 1 + rng_() % 3 : 0;
        auto list = out.init(field, size).as<DynamicList>();
        for (uint i = 0; i < size; ++i) Element(list, i, field, depth);
        return;
      }
      case T::STRUCT: {
        auto child = out.init(field).as<DynamicStruct>();
        bool nested_payload = type.asStruct() == capnp::Schema::from<Payload>();
        if (value) {
          Struct(child, nested_payload ? depth + 1 : depth);
        } else if (HasRequiredField(type.asStruct())) {
          // "{}" would be refused for its required fields: the least it can hold is those.
          std::optional<Mode> saved = fixed;
          fixed = Mode::kAbsent;
          Struct(child, depth);
          fixed = saved;
        }
        return;
      }
      case T::INTERFACE:
      case T::ANY_POINTER:
        FAIL("the catalogue holds no capabilities or untyped pointers");
    }
  }

  void Element(DynamicList::Builder list, uint i, capnp::StructSchema::Field field, int depth) {
    capnp::Type element = list.getSchema().getElementType();
    using T = capnp::schema::Type;
    switch (element.which()) {
      case T::STRUCT:
        Struct(list[i].as<DynamicStruct>(), depth);
        return;
      case T::TEXT: {
        // Now and then an empty element, which JSON writes as "".
        std::string text = rng_() % 4 == 0 ? "" : Text(field);
        list.set(i, capnp::Text::Reader(text.data(), text.size()));
        return;
      }
      case T::FLOAT32:
      case T::FLOAT64:
        list.set(i, Float());
        return;
      case T::ENUM: {
        auto enumerants = element.asEnum().getEnumerants();
        list.set(i, capnp::DynamicEnum(enumerants[rng_() % enumerants.size()]));
        return;
      }
      case T::BOOL:
        list.set(i, rng_() % 2 == 0);
        return;
      default:
        if (element.isInt8() || element.isInt16() || element.isInt32() || element.isInt64() ||
            element.isUInt8() || element.isUInt16() || element.isUInt32() || element.isUInt64()) {
          list.set(i, Integer(element));
          return;
        }
        FAIL("no element generator for this list");
    }
  }

  capnp::DynamicValue::Reader Integer(capnp::Type type) {
    using T = capnp::schema::Type;
    switch (type.which()) {
      case T::INT8:
        return static_cast<int8_t>(1 + rng_() % 127);
      case T::INT16:
        return static_cast<int16_t>(1 + rng_() % 30000);
      case T::INT32:
        return static_cast<int32_t>(1 + rng_() % 2000000000);
      case T::INT64: {
        static constexpr int64_t kSome[] = {1,         -1,        42,  (int64_t{1} << 53) + 1,
                                            INT64_MAX, INT64_MIN, kNow};
        return kSome[rng_() % std::size(kSome)];
      }
      case T::UINT8:
        return static_cast<uint8_t>(1 + rng_() % 100);
      case T::UINT16:
        return static_cast<uint16_t>(2000 + rng_() % 100);
      case T::UINT32: {
        static constexpr uint32_t kSome[] = {1, 7, 60, 1200, 4294967295u};
        return kSome[rng_() % std::size(kSome)];
      }
      default: {
        static constexpr uint64_t kSome[] = {1, 42, (uint64_t{1} << 53) + 1, UINT64_MAX};
        return kSome[rng_() % std::size(kSome)];
      }
    }
  }

  // Among them values JSON writes specially: NaN (of several bit patterns), infinities, -0.
  double Float() {
    switch (rng_() % 10) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return std::bit_cast<double>(uint64_t{0x7ff4000000000001});  // a signalling NaN
      case 2:
        return std::bit_cast<double>(uint64_t{0xfff8000000000000});  // a negative NaN
      case 3:
        return rng_() % 2 ? std::numeric_limits<double>::infinity()
                          : -std::numeric_limits<double>::infinity();
      case 4:
        return -0.0;
      case 5:
        return 0.1;
      case 6:
        return 87.5;
      default: {
        // Any finite double: the shortest decimal that reads back must be written.
        uint64_t bits = (uint64_t{rng_()} << 32) | rng_();
        double d = std::bit_cast<double>(bits);
        return std::isfinite(d) ? d : 1.0 / 3.0;
      }
    }
  }

  std::string Text(capnp::StructSchema::Field field) {
    if (HasAnnotation(field, kDate)) {
      return "2025-0" + std::to_string(1 + rng_() % 9) + "-" + std::to_string(10 + rng_() % 18);
    }
    if (HasAnnotation(field, kMonthDay)) return "10-0" + std::to_string(1 + rng_() % 9);
    static const char* kWords[] = {"水坏不过夜", "estate/e01", "楼道灯",
                                   "\\u0000 is not an escape here", "a \"quoted\" word\n"};
    // Identifiers hold no control character: the last word is for free text only.
    size_t words = std::size(kWords) -
                   (ledger::NamesIdentifierField(field.getProto().getName().cStr()) ? 1 : 0);
    return std::string(kWords[rng_() % words]) + "-" + std::to_string(++texts_);
  }

  std::mt19937 rng_;
  uint64_t texts_ = 0;
};

// Every event the property tests use: for each event type, every optional field absent, empty
// and valued, with each union member in turn, and random mixes.
std::vector<testing::OwnedEvent> Catalogue(size_t random_per_type) {
  std::vector<testing::OwnedEvent> events;
  Generator generator(17);
  size_t n = 0;
  for (auto type : capnp::Schema::from<Payload>().getUnionFields()) {
    if (type.getProto().getName() == "unset") continue;
    for (Mode mode : {Mode::kAbsent, Mode::kEmpty, Mode::kValue}) {
      // Four choices cover every union inside an event but the replacement payload, which the
      // random events below vary.
      for (size_t choice = 0; choice < 4; ++choice) {
        generator.fixed = mode;
        generator.random_unions = false;
        generator.union_choice = choice;
        events.push_back(generator.Make(type, "gen-" + std::to_string(++n)));
      }
    }
    for (size_t i = 0; i < random_per_type; ++i) {
      generator.fixed.reset();
      generator.random_unions = true;
      events.push_back(generator.Make(type, "gen-" + std::to_string(++n)));
    }
  }
  return events;
}

std::unique_ptr<Ledger> Open(const std::string& dir, ledger::Options options = {}) {
  options.sync = false;
  auto opened = Ledger::Open(dir, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

std::string ExportAll(const Ledger& log) {
  std::ostringstream out;
  auto s = log.Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    out << ctl::ToCloudEvent(Json(), e) << "\n";
    return true;
  });
  REQUIRE(s.ok());
  return out.str();
}

// Imports `text` into a fresh ledger in `dir` as ledgerctl import does.
ledger::Result<ctl::ImportResult> ImportInto(const std::string& dir, const std::string& text,
                                             std::unique_ptr<Ledger>* out = nullptr) {
  int64_t recorded_at = 0;
  ledger::Options options;
  options.normalize = false;
  options.clock = [&recorded_at] { return recorded_at; };
  auto log = Open(dir, options);
  std::istringstream in(text);
  auto result = ctl::ImportCloudEvents(Json(), log.get(), in, &recorded_at, nullptr);
  if (out) *out = std::move(log);
  return result;
}

// The event in `json` decoded and brought to normal form, as canonical words.
kj::Array<capnp::word> NormalFromJson(const std::string& json) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  auto s = Json().Decode(json, event);
  INFO(json);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return ledger::NormalCanonical(event.asReader());
}

const char kIssueBody[] =
    R"({"eventId": "p-1", "type": "policyAdopted", "occurredAt": "2024-12-31T16:00:00Z",)"
    R"( "data": {"policyId": "repair-time-limits", "version": 2, "effectiveFrom": "2025-01-01"}})";

}  // namespace

TEST_CASE("every generated event of every type is valid, and normalising twice changes nothing",
          "[normal]") {
  auto events = Catalogue(6);
  REQUIRE(events.size() > 39 * 12);
  for (const auto& e : events) {
    capnp::MallocMessageBuilder message;
    message.setRoot(e.reader());
    auto root = message.getRoot<Event>();
    root.setStream("gen/stream");
    INFO(Json().Encode(root.asReader()));
    auto valid = ledger::ValidateEvent(root.asReader());
    INFO(valid.ToString());
    REQUIRE(valid.ok());
    auto normal = ledger::NormalCanonical(root.asReader());
    Stored stored(normal);
    CHECK(ledger::IsNormal(stored.event()));
    CHECK(Same(ledger::NormalCanonical(stored.event()), normal));
  }
}

TEST_CASE("JSON to Cap'n Proto to canonical to JSON to canonical gives the same bytes",
          "[normal]") {
  for (const auto& e : Catalogue(6)) {
    // The event as a client would send it, and the bytes the ledger would store for it.
    std::string first = Json().Encode(e.reader());
    REQUIRE_FALSE(first.empty());
    kj::Array<capnp::word> once = NormalFromJson(first);
    CHECK(Same(once, ledger::NormalCanonical(e.reader())));
    // What every read and every export writes, and what that reads back as.
    Stored stored(once);
    std::string second = Json().Encode(stored.event());
    kj::Array<capnp::word> twice = NormalFromJson(second);
    INFO(first);
    INFO(second);
    INFO(Hex(once));
    INFO(Hex(twice));
    REQUIRE(Same(once, twice));
    // And the JSON is a fixed point from there on.
    Stored again(twice);
    CHECK(Json().Encode(again.event()) == second);
  }
}

TEST_CASE("the whole catalogue appended - exported and imported reaches the same head",
          "[normal]") {
  TempDir dir;
  auto events = Catalogue(6);
  ledger::Position head;
  std::string exported;
  {
    auto log = Open(dir.sub("ledger"));
    for (size_t i = 0; i < events.size(); ++i) {
      std::vector<Event::Reader> one{events[i].reader()};
      auto appended = log->Append("gen/" + std::to_string(i % 17), ExpectedVersion::Any(), one);
      INFO(Json().Encode(events[i].reader()));
      INFO(appended.status().ToString());
      REQUIRE(appended.ok());
    }
    head = log->Head();
    REQUIRE(head.seq == events.size());
    // What is stored is normal, event by event.
    auto s = log->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
      CHECK(ledger::IsNormal(e.event()));
      return true;
    });
    REQUIRE(s.ok());
    exported = ExportAll(*log);
  }
  std::unique_ptr<Ledger> fresh;
  auto imported = ImportInto(dir.sub("fresh"), exported, &fresh);
  INFO(imported.status().ToString());
  REQUIRE(imported.ok());
  CHECK(imported->imported == events.size());
  CHECK(imported->head == head);
  CHECK(imported->written_before_normalisation.empty());
  auto report = fresh->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  CHECK(report->head == head);
  // The restored ledger exports the same text again.
  CHECK(ExportAll(*fresh) == exported);
}

TEST_CASE("regression: a policy without rules appended over JSON exports and imports",
          "[normal][regression]") {
  // fuzz_event_json found this: the stored event held no rules.repairTimeLimits list, its JSON
  // says "rules":{"repairTimeLimits":[]}, which decoded to an empty list with another hash.
  TempDir dir;
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  REQUIRE(Json().Decode(kIssueBody, event).ok());
  std::string exported;
  ledger::Position head;
  {
    auto log = Open(dir.sub("ledger"));
    std::vector<Event::Reader> one{event.asReader()};
    auto appended = log->Append("policy/repair-time-limits", ExpectedVersion::Any(), one);
    REQUIRE(appended.ok());
    head = appended->head;
    auto read = log->Read(1);
    REQUIRE(read.ok());
    std::string json = Json().Encode(read->event());
    CHECK(Same(NormalFromJson(json), read->canonical_words()));
    CHECK_FALSE(read->event().getPayload().getPolicyAdopted().getRules().hasRepairTimeLimits());
    exported = ExportAll(*log);
  }
  auto imported = ImportInto(dir.sub("fresh"), exported);
  INFO(imported.status().ToString());
  REQUIRE(imported.ok());
  CHECK(imported->head == head);
  CHECK(imported->written_before_normalisation.empty());
}

TEST_CASE("empty lists - empty text and empty optional structs are stored absent", "[normal]") {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  REQUIRE(Json()
              .Decode(R"({"eventId":"h-1","stream":"household/h-1","type":"householdRegistered",
                  "data":{"householdId":"h-1","estateId":"estate/e01","building":"",
                          "flags":{},"residents":[{"personId":"","name":"王"}]}})",
                      event)
              .ok());
  auto normal = ledger::NormalCanonical(event.asReader());
  Stored stored(normal);
  auto h = stored.event().getPayload().getHouseholdRegistered();
  CHECK_FALSE(h.hasBuilding());
  CHECK_FALSE(h.hasFlags());
  REQUIRE(h.getResidents().size() == 1);
  CHECK_FALSE(h.getResidents()[0].hasPersonId());
  CHECK(std::string(h.getResidents()[0].getName().cStr()) == "王");
  CHECK_FALSE(ledger::IsNormal(event.asReader()));
}

TEST_CASE("a required struct holding only defaults stays present", "[normal]") {
  // Clearing every flag of a household is a fact worth its event.
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  REQUIRE(Json()
              .Decode(R"({"eventId":"f-1","stream":"household/h-1","type":"householdFlagsChanged",
                  "data":{"householdId":"h-1","flags":{}}})",
                      event)
              .ok());
  REQUIRE(ledger::ValidateEvent(event.asReader()).ok());
  auto normal = ledger::NormalCanonical(event.asReader());
  Stored stored(normal);
  CHECK(stored.event().getPayload().getHouseholdFlagsChanged().hasFlags());
  CHECK(ledger::ValidateEvent(stored.event()).ok());
}

TEST_CASE("every NaN is stored as the one JSON reads back", "[normal]") {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<Event>();
  event.setEventId("i-1");
  event.setStream("sheet/i-1");
  auto sheet = event.initPayload().initInspectionRecorded();
  sheet.setSheetId("i-1");
  sheet.initSubject().setId("company/c1");
  sheet.setYear(2025);
  auto item = sheet.initItems(1)[0];
  item.setItem("cleaning");
  item.setScore(std::bit_cast<double>(uint64_t{0xfff4000000000001}));
  auto normal = ledger::NormalCanonical(event.asReader());
  Stored stored(normal);
  double score = stored.event().getPayload().getInspectionRecorded().getItems()[0].getScore();
  CHECK(std::bit_cast<uint64_t>(score) ==
        std::bit_cast<uint64_t>(std::numeric_limits<double>::quiet_NaN()));
  CHECK(Same(NormalFromJson(Json().Encode(stored.event())), normal));
}

TEST_CASE("fields of a newer schema are dropped from the stored form", "[normal]") {
  // A binary append from a client with a larger Event: one more data word and pointer.
  capnp::MallocMessageBuilder message;
  auto root = message.getRoot<capnp::AnyPointer>();
  auto size = capnp::_::structSize<Event>();
  auto any = root.initAsAnyStruct(size.data + 1, size.pointers + 1);
  auto event = any.as<Event>();
  testing::OwnedEvent complaint = testing::Complaint("n-1", "complaint/c-1");
  // Copy the known fields across by reflection, then fill the unknown ones.
  ledger::Normalize(capnp::DynamicStruct::Reader(complaint.reader()),
                    capnp::DynamicStruct::Builder(event));
  any.getDataSection()[size.data * 8] = 0x5A;
  any.getPointerSection()[size.pointers].setAs<capnp::Text>("from the future");
  auto normal = ledger::NormalCanonical(event.asReader());
  CHECK(Same(normal, ledger::NormalCanonical(complaint.reader())));
  CHECK(normal.size() < capnp::canonicalize(event.asReader()).size());
}

TEST_CASE("an export of events written before normalisation imports and says which lines",
          "[normal][legacy]") {
  // Written as the ledger stored events before the rule: the request as it decoded.
  const char* kLegacy[] = {
      // An empty text present, and a union member absent: neither form alone reproduces it.
      R"({"eventId":"l-1","type":"policyAdopted","occurredAt":"2024-12-31T16:00:00Z",
          "data":{"policyId":"repair-time-limits","effectiveFrom":"2025-01-01","timeZone":""}})",
      // An empty text present: the event as its JSON decodes.
      R"({"eventId":"l-2","type":"complaintAcknowledged","occurredAt":"2025-01-02T08:00:00Z",
          "data":{"complaintId":"c-1","note":""}})",
      // Normal already: what most events written before the rule are.
      R"({"eventId":"l-3","type":"complaintFiled","occurredAt":"2025-01-02T08:00:00Z",
          "data":{"complaintId":"c-1","estateId":"estate/e01","category":"water",
                  "summary":"水管漏水"}})",
      // A payload member with no data at all, and a follow-up subject left out.
      R"({"eventId":"l-4","type":"followUpRecorded","occurredAt":"2025-01-03T08:00:00Z"})",
      // The issue's own event.
      kIssueBody,
  };
  TempDir dir;
  ledger::Position head;
  std::string exported;
  {
    ledger::Options before;
    before.normalize = false;
    auto log = Open(dir.sub("ledger"), before);
    for (const char* body : kLegacy) {
      capnp::MallocMessageBuilder message;
      auto event = message.initRoot<Event>();
      INFO(body);
      REQUIRE(Json().Decode(body, event).ok());
      std::vector<Event::Reader> one{event.asReader()};
      auto appended = log->Append("legacy/1", ExpectedVersion::Any(), one);
      INFO(appended.status().ToString());
      REQUIRE(appended.ok());
    }
    head = log->Head();
    exported = ExportAll(*log);
  }
  std::unique_ptr<Ledger> fresh;
  auto imported = ImportInto(dir.sub("fresh"), exported, &fresh);
  INFO(exported);
  INFO(imported.status().ToString());
  REQUIRE(imported.ok());
  CHECK(imported->head == head);
  CHECK(imported->written_before_normalisation == std::vector<uint64_t>{1, 2});
  auto report = fresh->Verify();
  REQUIRE(report.ok());
  CHECK(report->ok);
  // The bytes are the ones written, so the restored ledger exports the same text.
  CHECK(ExportAll(*fresh) == exported);

  SECTION("ledgerctl import restores it and names the lines") {
    {
      std::ofstream file(dir.sub("legacy.ndjson"));
      file << exported;
    }
    std::string command = std::string(LEDGERCTL_PATH) + " import --data " + dir.sub("cli") +
                          " --in " + dir.sub("legacy.ndjson") + " 2>&1";
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    int status = pclose(pipe);
    INFO(out);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_THAT(out, Catch::Contains("line 1: event hashes right only in the form written before "
                                    "normalisation") &&
                        Catch::Contains("line 2: event hashes right only") &&
                        !Catch::Contains("line 3:") &&
                        Catch::Contains("imported 5 events, head 5 " + ledger::ToHex(head.hash)));
  }

  SECTION("a line whose event hashes right in no form is still refused, naming the line") {
    std::string tampered = exported;
    auto at = tampered.find("水管漏水");
    REQUIRE(at != std::string::npos);
    tampered.replace(at, std::string("水管漏水").size(), "水管没漏");
    auto refused = ImportInto(dir.sub("other"), tampered);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.status().message(),
               Catch::Contains("line 3: the chain does not verify at sequence 3") &&
                   Catch::Contains("nor does it in the forms written before normalisation"));
  }
}
