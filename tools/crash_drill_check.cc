#include "crash_drill_check.h"

#include <capnp/message.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "codec/event_json.h"
#include "crash_drill_journal.h"
#include "ledger/normalize.h"
#include "projections/engine.h"

namespace crash_drill {

namespace fs = std::filesystem;

namespace {

template <class Reader>
std::string Canonical(Reader reader) {
  auto words = capnp::canonicalize(reader);
  return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

// The views' stored checkpoint (seq, hash), read from their store directly: the engine, once open,
// would already have discarded a checkpoint ahead of the log, and that is what must be caught.
std::optional<ledger::Position> StoredViewsCheckpoint(const std::string& dir) {
  auto stored = projections::ReadStoredCheckpoint(dir);
  if (!stored.ok()) return std::nullopt;
  return *stored;
}

// The chain verifies from the first event, with no gap, up to the head.
void VerifyChain(ledger::Ledger* log, const CheckSummary& summary) {
  auto report = log->Verify();
  if (!report.ok()) throw Violation{"the chain could not be walked: " + report.status().ToString()};
  if (!report->ok) {
    throw Violation{"the chain does not verify at seq " + std::to_string(report->first_bad_seq) +
                    ": " + report->problem};
  }
  if (report->checked != summary.head || report->head != log->Head()) {
    throw Violation{"verify checked " + std::to_string(report->checked) +
                    " events but the head is " + std::to_string(summary.head)};
  }
}

// Every acknowledged event is at its acknowledged seq, exactly as sent, under the chain hash the
// server answered with; no event id at two positions. Returns how many were checked.
size_t CheckAcknowledged(ledger::Ledger* log, const CheckSummary& summary,
                         const std::string& journal, const std::string& actor) {
  codec::EventJson json;
  std::vector<Ack> acks = Journal::Load(journal);
  std::map<std::string, uint64_t> seq_of_id;
  std::map<uint64_t, std::string> stored_hash;  // head seq -> hex, or why it cannot be read
  for (const Ack& a : acks) {
    std::string where = "acknowledged event " + a.id + " at seq " + std::to_string(a.seq);
    if (auto [it, fresh] = seq_of_id.emplace(a.id, a.seq); !fresh && it->second != a.seq) {
      throw Violation{"event id " + a.id + " was acknowledged at seq " +
                      std::to_string(it->second) + " and again at seq " + std::to_string(a.seq)};
    }
    if (a.seq > summary.head) {
      throw Violation{where + " is missing: the log ends at " + std::to_string(summary.head)};
    }
    auto stored = log->Read(a.seq);
    if (!stored.ok()) throw Violation{where + " is missing: " + stored.status().ToString()};
    auto e = stored->event();
    if (std::string(e.getEventId().cStr()) != a.id) {
      throw Violation{where + " is not there: seq " + std::to_string(a.seq) + " holds event " +
                      e.getEventId().cStr()};
    }
    if (std::string(e.getStream().cStr()) != a.stream || stored->stream_version() != a.version) {
      throw Violation{where + " moved: acknowledged as " + a.stream + " version " +
                      std::to_string(a.version) + ", stored as " + e.getStream().cStr() +
                      " version " + std::to_string(stored->stream_version())};
    }
    capnp::MallocMessageBuilder message;
    auto expected = message.initRoot<ledger::schema::Event>();
    auto decoded = json.Decode(a.json, expected);
    if (!decoded.ok()) throw Violation{"journal holds JSON that does not decode: " + a.json};
    // The ledger stores the normal form of what was sent.
    capnp::MallocMessageBuilder normal_message;
    auto normal = normal_message.initRoot<ledger::schema::Event>();
    ledger::Normalize(capnp::DynamicStruct::Reader(expected.asReader()),
                      capnp::DynamicStruct::Builder(normal));
    if (Canonical(e.getPayload()) != Canonical(normal.asReader().getPayload()) ||
        e.getOccurredAt() != expected.getOccurredAt() ||
        std::string(e.getActorId().cStr()) != actor) {
      throw Violation{where + " changed: what is stored (" + json.Encode(e) +
                      ") is not what was sent (" + a.json + ")"};
    }
    // The chain hash at the head the server answered with vouches for every event before it.
    auto known = stored_hash.find(a.head_seq);
    if (known == stored_hash.end()) {
      auto at = log->Read(a.head_seq);
      known = stored_hash
                  .emplace(a.head_seq, at.ok() ? ledger::ToHex(at->hash()) : at.status().ToString())
                  .first;
    }
    if (known->second != a.head_hash) {
      throw Violation{where + " was answered with the chain hash " + a.head_hash + " at head " +
                      std::to_string(a.head_seq) + ", but the chain hash at " +
                      std::to_string(a.head_seq) + " is " + known->second};
    }
  }
  return acks.size();
}

// The views' stored checkpoint is on the chain and not ahead of it, and the views, loaded and
// caught up, equal a rebuild from the first event.
void CheckViews(ledger::Ledger* log, const std::string& data, const std::string& scratch,
                CheckSummary* summary_out) {
  CheckSummary& summary = *summary_out;
  if (fs::exists(data + "/views")) {
    if (auto stored = StoredViewsCheckpoint(data + "/views")) {
      summary.views_checkpoint = stored->seq;
      if (stored->seq > summary.head) {
        throw Violation{"the views' checkpoint (seq " + std::to_string(stored->seq) +
                        ") is ahead of the log (head " + std::to_string(summary.head) +
                        "): the views saw events the log no longer has"};
      }
      if (stored->seq > 0) {
        auto at = log->Read(stored->seq);
        if (!at.ok() || at->hash() != stored->hash) {
          throw Violation{"the views' checkpoint at seq " + std::to_string(stored->seq) +
                          " is not on the chain"};
        }
      }
    }
    auto live = projections::Engine::Open(log, data + "/views", {});
    if (!live.ok()) throw Violation{"the views do not open: " + live.status().ToString()};
    if (auto s = (*live)->CatchUp(); !s.ok()) {
      throw Violation{"the views do not catch up: " + s.ToString()};
    }
    if ((*live)->Applied() != log->Head()) {
      throw Violation{"the views caught up to seq " + std::to_string((*live)->Applied().seq) +
                      ", not to the head " + std::to_string(summary.head)};
    }
    auto caught_up = (*live)->Dump();
    live->reset();
    auto fresh = projections::Engine::Open(log, scratch, {});
    if (!fresh.ok()) throw DrillError{"cannot open scratch views: " + fresh.status().ToString()};
    if (auto s = (*fresh)->CatchUp(); !s.ok()) {
      throw Violation{"a rebuild of the views fails: " + s.ToString()};
    }
    auto rebuilt = (*fresh)->Dump();
    fresh->reset();
    if (caught_up != rebuilt) {
      size_t i = 0;
      while (i < caught_up.size() && i < rebuilt.size() && caught_up[i] == rebuilt[i]) ++i;
      std::string key = i < caught_up.size() ? caught_up[i].first
                        : i < rebuilt.size() ? rebuilt[i].first
                                             : "?";
      throw Violation{"the views caught up from their store differ from a rebuild: " +
                      std::to_string(caught_up.size()) + " records against " +
                      std::to_string(rebuilt.size()) + ", first difference at " + key};
    }
    summary.view_records = rebuilt.size();
  }
}

}  // namespace

CheckSummary Check(const std::string& data, const std::string& journal, const std::string& actor,
                   const std::string& scratch) {
  CheckSummary summary;
  ledger::Options options;
  options.create_if_missing = false;
  auto opened = ledger::Ledger::Open(data + "/ledger", options);
  if (!opened.ok()) throw Violation{"the ledger does not open: " + opened.status().ToString()};
  std::unique_ptr<ledger::Ledger> log = std::move(opened).value();
  summary.head = log->Head().seq;
  summary.head_hash = log->Head().hash;

  VerifyChain(log.get(), summary);
  summary.acknowledged = CheckAcknowledged(log.get(), summary, journal, actor);
  CheckViews(log.get(), data, scratch, &summary);
  return summary;
}

}  // namespace crash_drill
