#include "log_source.h"

#include "ledger/validate.h"

namespace http {

namespace {

class LogSource final : public BodySource {
 public:
  LogSource(ledger::Ledger* log, projections::Engine* engine, const codec::EventJson* json,
            const void* owner, uint64_t from, EventFilter may_read)
      : may_read_(std::move(may_read)),
        log_(log),
        engine_(engine),
        json_(json),
        owner_(owner),
        next_(std::max<uint64_t>(from, 1)) {}

  Piece Next(size_t max_bytes) override {
    Piece piece;
    auto events = log_->ReadForward(next_, 256);
    // A read that fails is tried again at the next wake-up; the client sees keep-alives.
    if (!events.ok()) return piece;
    for (const auto& e : *events) {
      if (piece.data.size() >= max_bytes) break;
      next_ = e.seq() + 1;
      if (may_read_ && !may_read_(e.event())) continue;
      piece.data += "id: " + std::to_string(e.seq()) +
                    "\nevent: " + ledger::EventTypeName(e.event()) +
                    "\ndata: {\"seq\":" + std::to_string(e.seq()) +
                    ",\"streamVersion\":" + std::to_string(e.stream_version()) + ",\"hash\":\"" +
                    ledger::ToHex(e.hash()) + "\",\"event\":" + json_->Encode(e.event()) + "}\n\n";
      next_ = e.seq() + 1;
    }
    piece.position = next_ - 1;
    return piece;
  }

  void WhenMore(std::chrono::milliseconds timeout, std::function<void()> wake) override {
    engine_->WhenApplied(next_, timeout, owner_, [wake = std::move(wake)](bool) { wake(); });
  }

  std::string KeepAlive() const override { return ": keep-alive\n\n"; }

  uint64_t start_position() const override { return next_ - 1; }

  std::string Dropped(uint64_t position, size_t queue_limit) const override {
    return ": dropped: this subscriber fell more than " + std::to_string(queue_limit) +
           " bytes behind; resume from seq " + std::to_string(position + 1) +
           " (Last-Event-ID: " + std::to_string(position) + ")\n\n";
  }

 private:
  EventFilter may_read_;
  ledger::Ledger* log_;
  projections::Engine* engine_;
  const codec::EventJson* json_;
  const void* owner_;
  uint64_t next_;
};

}  // namespace

std::shared_ptr<BodySource> MakeLogSource(ledger::Ledger* log, projections::Engine* engine,
                                          const codec::EventJson* json, const void* owner,
                                          uint64_t from, EventFilter may_read) {
  return std::make_shared<LogSource>(log, engine, json, owner, from, std::move(may_read));
}

}  // namespace http
