// Helpers shared by the tests: temporary folders and small event builders.

#pragma once

#include <capnp/message.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "schemas/events.capnp.h"

namespace testing {

// A fresh folder under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ledger-test-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// One event in its own message. The reader is valid while the OwnedEvent lives.
class OwnedEvent {
 public:
  OwnedEvent() : message_(std::make_unique<capnp::MallocMessageBuilder>()) {
    builder_ = message_->initRoot<ledger::schema::Event>();
  }
  ledger::schema::Event::Builder builder() { return builder_; }
  ledger::schema::Event::Reader reader() const { return builder_.asReader(); }

 private:
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
  ledger::schema::Event::Builder builder_ = nullptr;
};

// An event with `id` whose payload `fill` sets.
inline OwnedEvent MakeEvent(const std::string& id,
                            const std::function<void(ledger::schema::Payload::Builder)>& fill,
                            int64_t occurred_at = 0) {
  OwnedEvent event;
  auto b = event.builder();
  b.setEventId(id);
  b.setActorId("person/tester");
  b.setActorRole(ledger::schema::Role::ADMIN);
  b.setOccurredAt(occurred_at);
  fill(b.initPayload());
  return event;
}

// A complaint filed about estate e-1, the simplest valid event.
inline OwnedEvent Complaint(const std::string& id, const std::string& complaint_id,
                            const std::string& summary = "楼道灯坏了三天 (stairwell light out)") {
  return MakeEvent(id, [&](ledger::schema::Payload::Builder p) {
    auto c = p.initComplaintFiled();
    c.setComplaintId(complaint_id);
    c.setEstateId("estate/e-1");
    c.setCategory("lighting");
    c.setChannel(ledger::schema::Channel::HOTLINE);
    c.setSummary(summary);
  });
}

// Readers of several owned events, in order, for Ledger::Append.
inline std::vector<ledger::schema::Event::Reader> Readers(const std::vector<OwnedEvent>& events) {
  std::vector<ledger::schema::Event::Reader> out;
  for (const auto& e : events) out.push_back(e.reader());
  return out;
}

// A text file's lines, without their line breaks.
inline std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Writes `lines`, each ended by a line break, over `path`; false if it could not.
inline bool WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& line : lines) out << line << "\n";
  out.close();
  return static_cast<bool>(out);
}

}  // namespace testing
