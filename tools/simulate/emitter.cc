#include "emitter.h"

#include <capnp/message.h>

#include <algorithm>
#include <memory>

#include "local_time.h"

namespace simulate::internal {

Status Emitter::Append(Pending& p) {
  clock_->AdvanceTo(p.recorded_at);
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Event::Reader> readers;
  messages.reserve(p.drafts.size());
  readers.reserve(p.drafts.size());
  uint64_t id = appended_;
  for (const Draft& d : p.drafts) {
    messages.push_back(std::make_unique<capnp::MallocMessageBuilder>(256));
    auto e = messages.back()->initRoot<schema::Event>();
    e.setEventId(id_prefix_ + Pad(++id, 8));
    e.setStream(p.stream);
    e.setActorId(d.actor.id);
    e.setActorRole(d.actor.role);
    e.setOccurredAt(d.occurred_at);
    d.fill(e.initPayload());
    readers.push_back(e.asReader());
  }
  auto result = log_->Append(p.stream, ledger::ExpectedVersion::Any(), readers);
  if (!result.ok()) {
    return Status(result.status().code(), "simulating " + p.stream + " at event " +
                                              std::to_string(appended_ + 1) + ": " +
                                              result.status().message());
  }
  if (result->duplicate) {
    return Status::InvalidArgument("event id " + id_prefix_ + Pad(appended_ + 1, 8) +
                                   " was in the ledger already: simulate into an empty ledger");
  }
  if (appended_ == 0) {
    // The first event shows whether the ledger reads this clock; without it neither the
    // recorded times nor the head hash would follow the seed.
    auto first = log_->Read(result->seqs.front());
    if (first.ok() && first->event().getRecordedAt() != clock_->Now()) {
      return Status::InvalidArgument(
          "the ledger was not opened with the simulated clock (ledger::Options::clock = "
          "clock.AsFunction())");
    }
  }
  uint64_t before = appended_;
  appended_ += p.drafts.size();
  head_ = result->head;
  if (p.on_appended) p.on_appended(result->seqs.front());
  if (progress_ && (appended_ / 2048 != before / 2048)) {
    estimate_ = std::max(estimate_, appended_ + heap_.size());
    progress_(appended_, estimate_);
  }
  return Status::Ok();
}

void SetTexts(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& texts) {
  for (size_t i = 0; i < texts.size(); ++i) list.set(i, texts[i]);
}

std::string Clip(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "…";
}

}  // namespace simulate::internal
