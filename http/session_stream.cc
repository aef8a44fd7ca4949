// A session's streamed response (Server-Sent Events): pieces pulled from the source as the
// client takes them, a wake-up asked for when there is nothing, and a client that falls too
// far behind told where to resume and dropped. Runs on the session's strand, as the rest.

#include "session.h"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;

void Session::StartStream(const std::shared_ptr<Slot>& slot) {
  if (!host_.streams->Acquire()) {
    slot->response = PlainError(503, "too many live streams; try again later");
    slot->response.headers["Retry-After"] = "1";
    slot->keep_alive = false;
    Write();
    return;
  }
  holds_stream_ = true;
  streaming_ = true;
  beast::error_code ignored;
  stream_.socket().set_option(
      asio::socket_base::send_buffer_size(static_cast<int>(options_.stream_send_buffer)), ignored);
  source_ = std::move(slot->response.stream);
  sent_position_ = source_->start_position();
  std::string head =
      "HTTP/1.1 " + std::to_string(slot->response.status) +
      " OK\r\nContent-Type: " + slot->response.content_type +
      "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: "
      "default-src 'none'; frame-ancestors 'none'\r\nConnection: close\r\n";
  for (const auto& [name, value] : slot->response.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  slots_.clear();
  queue_.push_back({std::move(head), sent_position_});
  queued_bytes_ = queue_.back().data.size();
  Pump();
}

// Writes the next queued piece; with the queue empty, pulls one from the source, or asks to be
// woken when there is more.
void Session::Pump() {
  if (closed_ || writing_) return;
  if (queue_.empty()) {
    if (dropped_) {
      CloseNow();
      return;
    }
    Pull();
    if (queue_.empty()) {
      live_ = true;  // caught up with the log
      Await();
      return;
    }
  }
  writing_ = true;
  ArmWriteTimer();
  // A live subscriber hears of new events while its write is pending, so that one that does not
  // keep up fills its queue and is dropped. One still catching up is not: it pulls from the log
  // at its own pace, and costs no memory while it does.
  if (live_) Await();
  asio::async_write(
      stream_, asio::buffer(queue_.front().data),
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamWrite(ec); });
}

void Session::Pull() {
  BodySource::Piece piece = source_->Next(64 << 10);
  if (piece.data.empty()) return;
  queued_bytes_ += piece.data.size();
  queue_.push_back(std::move(piece));
}

void Session::OnStreamWrite(beast::error_code ec) {
  writing_ = false;
  write_timer_.cancel();
  if (closed_) return;
  if (ec || host_.stopping->load()) {
    CloseNow();
    return;
  }
  queued_bytes_ -= queue_.front().data.size();
  sent_position_ = queue_.front().position;
  queue_.pop_front();
  Pump();
}

void Session::Await() {
  if (awaiting_ || closed_ || dropped_) return;
  awaiting_ = true;
  std::weak_ptr<Session> weak = weak_from_this();
  auto registry = host_.registry;
  source_->WhenMore(options_.stream_keepalive, [weak, registry] {
    base::MutexLock lock(&registry->mu);
    if (!registry->open) return;
    if (auto self = weak.lock()) {
      auto executor = self->stream_.get_executor();
      asio::post(executor, [self = std::move(self)] { self->OnWake(); });
    }
  });
}

// New events, or the keep-alive interval passed. While a write is pending (the client is slow),
// what comes is queued; past the queue's limit the client is told where to resume and dropped,
// which frees its slot.
void Session::OnWake() {
  awaiting_ = false;
  if (closed_ || dropped_) return;
  size_t before = queue_.size();
  Pull();
  bool got = queue_.size() > before;
  if (writing_) {
    if (queued_bytes_ > options_.max_stream_queue) {
      Drop();
      return;
    }
    Await();
    return;
  }
  if (!got) queue_.push_back({source_->KeepAlive(), sent_position_});
  Pump();
}

void Session::Drop() {
  dropped_ = true;
  if (options_.metrics) options_.metrics->CountSubscriberDropped();
  // The piece being written stays; the rest is replaced by the last words.
  while (queue_.size() > 1) queue_.pop_back();
  std::string last = source_->Dropped(queue_.empty() ? sent_position_ : queue_.front().position,
                                      options_.max_stream_queue);
  queue_.push_back({std::move(last), 0});
  queued_bytes_ = 0;
  for (const auto& p : queue_) queued_bytes_ += p.data.size();
}

}  // namespace http
