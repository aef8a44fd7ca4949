// The event the in-process benchmarks append: a realistic small complaint with Chinese text,
// about 300 bytes, the same content bench_append and bench_tree write.

#pragma once

#include <capnp/message.h>

#include <memory>
#include <string>

#include "schemas/events.capnp.h"

namespace bench {

struct Sample {
  std::unique_ptr<capnp::MallocMessageBuilder> message;
  ledger::schema::Event::Reader reader;
};

inline Sample MakeComplaint(const std::string& id, const std::string& stream) {
  Sample s;
  s.message = std::make_unique<capnp::MallocMessageBuilder>();
  auto e = s.message->initRoot<ledger::schema::Event>();
  e.setEventId(id);
  e.setStream(stream);
  e.setActorId("person/resident-0001");
  e.setActorRole(ledger::schema::Role::RESIDENT);
  auto c = e.initPayload().initComplaintFiled();
  c.setComplaintId(stream);
  c.setEstateId("estate/e-01");
  c.setHouseholdId("household/e-01-3-201");
  c.setCategory("water");
  c.setChannel(ledger::schema::Channel::HOTLINE);
  c.setSummary("3号楼2单元201室厨房水管漏水，楼下天花板滴水，请尽快处理");
  s.reader = e.asReader();
  return s;
}

}  // namespace bench
