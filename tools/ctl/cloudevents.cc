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

namespace {

// One attribute of a line's envelope, as the export writes it: every value is a JSON string.
struct Attribute {
  const char* name;
  std::string value;
};

// Every attribute but "data", in the order the export writes them, derived from the event and its
// place in the chain alone. The export writes these and the import and the audit compare a line
// against them: a consumer reading the envelope (filtering by type, subject or time) then reads
// exactly what the checked chain vouches for, and no line can say otherwise.
std::vector<Attribute> Envelope(schema::Event::Reader event, uint64_t seq, uint64_t stream_version,
                                const ledger::Hash& hash) {
  return {
      {"specversion", "1.0"},
      {"id", event.getEventId().cStr()},
      {"source", "urn:governance-ledger"},
      {"type", "ledger." + ledger::EventTypeName(event)},
      {"time", codec::FormatTimestamp(event.getRecordedAt())},
      {"subject", event.getStream().cStr()},
      {"datacontenttype", "application/json"},
      {"sequence", std::to_string(seq)},
      {"streamversion", std::to_string(stream_version)},
      {"ledgerhash", ledger::ToHex(hash)},
  };
}

}  // namespace

std::string ToCloudEvent(const codec::EventJson& json, const ledger::RecordedEvent& e) {
  auto event = e.event();
  std::string out = "{";
  for (const auto& attribute : Envelope(event, e.seq(), e.stream_version(), e.hash())) {
    out += boost::json::serialize(boost::json::string_view(attribute.name));
    out += ':';
    out += boost::json::serialize(boost::json::string_view(attribute.value));
    out += ',';
  }
  out += "\"data\":" + json.Encode(event) + "}";
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

// The keys of the top-level members of `text`, a JSON object boost::json has parsed, in the order
// written. The parsed object keeps one member of a key written twice (the last), and a reader of
// the line may take another: only the text tells.
std::vector<std::string> TopLevelKeys(std::string_view text) {
  std::vector<std::string> keys;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t string_start = 0;
  std::string_view last_string;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        last_string = text.substr(string_start, i + 1 - string_start);
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      string_start = i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ':' && depth == 1) {
      // Compared as parsed, so that "typ\u0065" is "type".
      if (last_string.find('\\') == std::string_view::npos) {
        keys.emplace_back(last_string.substr(1, last_string.size() - 2));
        continue;
      }
      boost::json::error_code ec;
      auto key = boost::json::parse(last_string, ec);
      keys.push_back(!ec && key.is_string() ? std::string(key.as_string())
                                            : std::string(last_string));
    }
  }
  return keys;
}

// A value as JSON, cut short: an error quotes what a line says, which may be long.
std::string Shown(const boost::json::value& value) {
  constexpr size_t kMostShown = 120;
  std::string text = boost::json::serialize(value);
  if (text.size() <= kMostShown) return text;
  // Cut at a character's start, so that the message stays UTF-8.
  size_t cut = kMostShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string Quoted(std::string_view text) {
  return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

// The line's envelope against the one the export writes for its event (Envelope): the same
// attributes, each once, with the same values, and no other but "data". The chain vouches for the
// event alone, so an envelope that says anything else would be read as fact by a consumer of the
// CloudEvents while the audit said OK.
ledger::Status CheckEnvelope(const boost::json::object& line, std::string_view text,
                             const std::vector<Attribute>& expected, uint64_t number) {
  auto keys = TopLevelKeys(text);
  std::sort(keys.begin(), keys.end());
  auto twice = std::adjacent_find(keys.begin(), keys.end());
  if (twice != keys.end()) {
    return LineError(number, "attribute " + Quoted(*twice) +
                                 " is written twice; the export writes each attribute once");
  }
  for (const auto& member : line) {
    std::string_view key = member.key();
    const boost::json::value& value = member.value();
    if (key == "data") continue;
    auto want = std::find_if(expected.begin(), expected.end(),
                             [&](const Attribute& a) { return key == a.name; });
    if (want == expected.end()) {
      std::string names;
      for (const auto& a : expected) names += std::string(a.name) + ", ";
      return LineError(number, "attribute " + Quoted(key) +
                                   " is not one the export writes (it writes " + names +
                                   "and data)");
    }
    if (!value.is_string() || value.as_string() != want->value) {
      return LineError(number, "attribute " + Quoted(key) + ": the line says " + Shown(value) +
                                   " but its event gives " + Quoted(want->value) +
                                   "; every attribute but data must be as the export writes it "
                                   "from the event");
    }
  }
  for (const auto& a : expected) {
    if (!line.contains(a.name)) {
      return LineError(number, "attribute " + Quoted(a.name) + " is missing; its event gives " +
                                   Quoted(a.value));
    }
  }
  return ledger::Status::Ok();
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
  auto event = line.message->getRoot<schema::Event>().asReader();
  auto envelope =
      CheckEnvelope(o, text, Envelope(event, line.seq, line.version, line.hash), number);
  if (!envelope.ok()) return envelope;
  line.stream = event.getStream().cStr();
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
  const uint64_t total = seq - start.seq;
  // Second pass: append, one event at a time, each at its recorded time.
  in.clear();
  in.seekg(0);
  number = 0;
  seq = start.seq;
  chain = start.hash;
  ImportResult result;
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
    if (progress) progress(result.imported, total);
  }
  result.head = log->Head();
  return result;
}

}  // namespace ctl
