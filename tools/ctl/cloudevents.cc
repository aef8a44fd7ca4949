#include "cloudevents.h"

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <kj/exception.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "codec/json_scan.h"
#include "ledger/normalize.h"
#include "ledger/validate.h"

namespace ctl {

namespace schema = ledger::schema;

std::string ToCloudEvent(const codec::EventJson& json, const ledger::RecordedEvent& e) {
  auto event = e.event();
  std::string out = "{\"specversion\":\"1.0\",\"id\":";
  out += boost::json::serialize(boost::json::value(event.getEventId().cStr()));
  out += ",\"source\":\"urn:governance-ledger\",\"type\":\"ledger." + ledger::EventTypeName(event) +
         "\",\"time\":\"" + codec::FormatTimestamp(event.getRecordedAt()) + "\",\"subject\":";
  out += boost::json::serialize(boost::json::value(event.getStream().cStr()));
  out += ",\"datacontenttype\":\"application/json\",\"sequence\":\"" + std::to_string(e.seq()) +
         "\",\"streamversion\":\"" + std::to_string(e.stream_version()) + "\",\"ledgerhash\":\"" +
         ledger::ToHex(e.hash()) + "\",\"data\":" + json.Encode(event) + "}";
  return out;
}

namespace {

struct Line {
  uint64_t seq = 0;
  uint64_t version = 0;
  ledger::Hash hash{};
  std::string stream;
  // The event in the form its hash needs, to be appended as it stands.
  std::unique_ptr<capnp::MallocMessageBuilder> message;
  bool written_before_normalisation = false;
};

ledger::Status LineError(uint64_t number, const std::string& what) {
  return ledger::Status::InvalidArgument("line " + std::to_string(number) + ": " + what);
}

ledger::Result<ledger::Hash> HashOf(const ledger::Hash& chain, uint64_t seq, uint64_t version,
                                    kj::ArrayPtr<const capnp::word> words) {
  auto bytes = words.asBytes();
  return ledger::ChainHash(
      chain, ledger::EncodeRecord(
                 seq, version,
                 std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size())));
}

// Before events were normalised, the ledger stored them as the request decoded: a union member
// a client left out was absent, and its JSON now shows it empty ("rules":{"repairTimeLimits":[]},
// "data":{}), which decodes as present; text, lists or structs a client sent empty were present.
// These are the active union members of a decoded event that are present and empty: each may
// have been absent when written.
void EmptyUnionMembers(
    capnp::DynamicStruct::Builder value,
    std::vector<std::pair<capnp::DynamicStruct::Builder, capnp::StructSchema::Field>>* out);

void EmptyUnionMembersOfField(
    capnp::DynamicStruct::Builder parent, capnp::StructSchema::Field field,
    std::vector<std::pair<capnp::DynamicStruct::Builder, capnp::StructSchema::Field>>* out) {
  if (field.getProto().isGroup()) {
    EmptyUnionMembers(parent.get(field).as<capnp::DynamicStruct>(), out);
    return;
  }
  auto type = field.getType();
  if (!type.isStruct() && !type.isList()) return;
  if (!parent.has(field, capnp::HasMode::NON_NULL)) return;
  if (type.isStruct()) {
    EmptyUnionMembers(parent.get(field).as<capnp::DynamicStruct>(), out);
    return;
  }
  auto list = parent.get(field).as<capnp::DynamicList>();
  if (!type.asList().getElementType().isStruct()) return;
  for (uint i = 0; i < list.size(); ++i) EmptyUnionMembers(list[i].as<capnp::DynamicStruct>(), out);
}

bool IsEmptyPointer(capnp::DynamicStruct::Builder parent, capnp::StructSchema::Field field) {
  if (field.getProto().isGroup() || !parent.has(field, capnp::HasMode::NON_NULL)) return false;
  auto type = field.getType();
  auto value = parent.get(field);
  if (type.isText()) return value.as<capnp::Text>().size() == 0;
  if (type.isData()) return value.as<capnp::Data>().size() == 0;
  if (type.isList()) return value.as<capnp::DynamicList>().size() == 0;
  if (type.isStruct()) {
    capnp::AnyStruct::Reader raw(value.as<capnp::DynamicStruct>().asReader());
    for (auto b : raw.getDataSection()) {
      if (b != 0) return false;
    }
    for (auto p : raw.getPointerSection()) {
      if (!p.isNull()) return false;
    }
    return true;
  }
  return false;
}

void EmptyUnionMembers(
    capnp::DynamicStruct::Builder value,
    std::vector<std::pair<capnp::DynamicStruct::Builder, capnp::StructSchema::Field>>* out) {
  auto schema = value.getSchema();
  for (auto field : schema.getNonUnionFields()) EmptyUnionMembersOfField(value, field, out);
  if (schema.getUnionFields().size() == 0) return;
  KJ_IF_MAYBE (active, value.which()) {
    if (IsEmptyPointer(value, *active)) {
      out->emplace_back(value, *active);
    } else {
      EmptyUnionMembersOfField(value, *active, out);
    }
  }
}

// The forms tried for the event of a line, in order: the normal form (every event written since
// the rule), the event as its JSON decodes, and that with some of its empty union members absent
// (events written before). Calls `accept` with each until it returns true; true if one did.
bool TryForms(
    const codec::EventJson& json, std::string_view data,
    const std::function<bool(capnp::MallocMessageBuilder& message, bool legacy)>& accept) {
  {
    capnp::MallocMessageBuilder decoded;
    auto event = decoded.initRoot<schema::Event>();
    if (!json.Decode(data, event).ok()) return false;
    capnp::MallocMessageBuilder normal;
    ledger::Normalize(capnp::DynamicStruct::Reader(event.asReader()),
                      capnp::DynamicStruct::Builder(normal.initRoot<schema::Event>()));
    if (accept(normal, false)) return true;
    if (accept(decoded, true)) return true;
  }
  // Each subset of the empty union members made absent; an event has a few at most, and the
  // count is bounded so that a hostile line cannot make this run for long.
  constexpr size_t kMostMembers = 8;
  size_t count = 0;
  for (uint32_t mask = 1;; ++mask) {
    capnp::MallocMessageBuilder message;
    auto event = message.initRoot<schema::Event>();
    if (!json.Decode(data, event).ok()) return false;
    std::vector<std::pair<capnp::DynamicStruct::Builder, capnp::StructSchema::Field>> members;
    EmptyUnionMembers(capnp::DynamicStruct::Builder(event), &members);
    count = std::min(members.size(), kMostMembers);
    if (count == 0 || mask >= (uint32_t{1} << count)) return false;
    for (size_t i = 0; i < count; ++i) {
      if (mask & (uint32_t{1} << i)) members[i].first.clear(members[i].second);
    }
    if (accept(message, true)) return true;
  }
}

// Parses and checks one line against the chain so far.
ledger::Result<Line> ReadLine(const codec::EventJson& json, const std::string& text,
                              uint64_t number, uint64_t expected_seq, const ledger::Hash& chain) {
  boost::json::error_code ec;
  boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) return LineError(number, "not a JSON object");
  const auto& o = parsed.as_object();
  auto text_of = [&](const char* key) -> std::string {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  if (text_of("specversion") != "1.0") return LineError(number, "specversion is not \"1.0\"");
  Line line;
  try {
    line.seq = std::stoull(text_of("sequence"));
    line.version = std::stoull(text_of("streamversion"));
  } catch (...) {
    return LineError(number, "sequence and streamversion must be numbers in strings");
  }
  if (line.seq != expected_seq) {
    return LineError(number, "sequence " + std::to_string(line.seq) + " where " +
                                 std::to_string(expected_seq) + " was expected");
  }
  if (!ledger::FromHex(text_of("ledgerhash"), &line.hash)) {
    return LineError(number, "ledgerhash is not 64 hex digits");
  }
  // The event is decoded from its own text, never from a re-serialization: a parser that rounds
  // a double differently by one unit in the last place would change the bytes, and so the hash.
  auto data = codec::RawMember(text, "data");
  if (!data) return LineError(number, "there is no data");
  {
    capnp::MallocMessageBuilder message;
    auto decoded = json.Decode(*data, message.initRoot<schema::Event>());
    if (!decoded.ok()) return LineError(number, decoded.message());
  }
  std::optional<ledger::Hash> normal_hash;
  bool found = false;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&]() {
                 found =
                     TryForms(json, *data, [&](capnp::MallocMessageBuilder& message, bool legacy) {
                       auto event = message.getRoot<schema::Event>().asReader();
                       auto hashed =
                           HashOf(chain, line.seq, line.version, capnp::canonicalize(event));
                       if (!hashed.ok()) return false;
                       ledger::Hash hash = *hashed;
                       if (!normal_hash) normal_hash = hash;
                       if (hash != line.hash) return false;
                       line.message = std::make_unique<capnp::MallocMessageBuilder>();
                       line.message->setRoot(event);
                       line.written_before_normalisation = legacy;
                       return true;
                     });
               })) {
    return LineError(number,
                     std::string("the event cannot be read: ") + e->getDescription().cStr());
  }
  if (!found) {
    return LineError(number, "the chain does not verify at sequence " + std::to_string(line.seq) +
                                 ": the line says " + ledger::ToHex(line.hash) +
                                 " but its event hashes to " +
                                 (normal_hash ? ledger::ToHex(*normal_hash) : std::string("?")) +
                                 " (nor does it in the forms written before normalisation)");
  }
  line.stream = line.message->getRoot<schema::Event>().getStream().cStr();
  return line;
}

}  // namespace

ledger::Result<ImportResult> ImportCloudEvents(const codec::EventJson& json, ledger::Ledger* log,
                                               std::istream& in, int64_t* recorded_at,
                                               const ledger::Progress& progress) {
  ledger::Position start = log->Head();
  // First pass: every line, and the chain, before anything is written.
  std::string text;
  uint64_t number = 0, seq = start.seq;
  ledger::Hash chain = start.hash;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    auto line = ReadLine(json, text, number, seq + 1, chain);
    if (!line.ok()) return line.status();
    seq = line->seq;
    chain = line->hash;
  }
  // Second pass: append, one event at a time, each at its recorded time.
  in.clear();
  in.seekg(0);
  number = 0;
  seq = start.seq;
  chain = start.hash;
  ImportResult result;
  uint64_t total = seq - start.seq;
  (void)total;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    auto line = ReadLine(json, text, number, seq + 1, chain);
    if (!line.ok()) return line.status();
    auto event = line->message->getRoot<schema::Event>().asReader();
    *recorded_at = event.getRecordedAt();
    std::vector<schema::Event::Reader> one{event};
    auto appended =
        log->Append(line->stream, ledger::ExpectedVersion::Exactly(line->version - 1), one);
    if (!appended.ok()) return LineError(number, appended.status().ToString());
    if (appended->seqs[0] != line->seq || appended->head.hash != line->hash) {
      return LineError(number, "appended as sequence " + std::to_string(appended->seqs[0]) +
                                   " with another hash; the target ledger was changed meanwhile");
    }
    seq = line->seq;
    chain = line->hash;
    if (line->written_before_normalisation) result.written_before_normalisation.push_back(number);
    ++result.imported;
    if (progress && result.imported % 65536 == 0) progress(result.imported, 0);
  }
  result.head = log->Head();
  return result;
}

}  // namespace ctl
