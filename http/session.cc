// A connection's requests, read in order, handed to the handler, and answered in the order they
// came, however the handler's answers arrive.

#include "session.h"

#include <cstdio>
#include <exception>

#include "beast_message.h"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Response PlainError(int status, const std::string& detail) {
  return ProblemResponse(Problem(status < 500 ? ledger::Status::InvalidArgument(detail)
                                              : ledger::Status::Unavailable(detail))
                             .As(status, "about:blank"));
}

bool StreamSlots::Acquire() {
  base::MutexLock lock(&mu_);
  if (live_ >= limit_) return false;
  ++live_;
  return true;
}

void StreamSlots::Release() {
  base::MutexLock lock(&mu_);
  --live_;
}

Session::Session(const SessionHost& host, tcp::socket&& socket)
    : host_(host),
      options_(*host.options),
      stream_(std::move(socket)),
      read_timer_(stream_.get_executor()),
      write_timer_(stream_.get_executor()) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

Session::~Session() {
  if (holds_stream_) host_.streams->Release();
  Registry* registry = host_.registry.get();
  base::MutexLock lock(&registry->mu);
  if (body_reserved_) {
    registry->body_bytes -= body_reserved_;
    if ((registry->body_bytes_by_token[body_token_] -= body_reserved_) == 0) {
      registry->body_bytes_by_token.erase(body_token_);
    }
  }
  if (idle_stamp_) registry->idle.erase(idle_stamp_);
  registry->closers.erase(this);
  --registry->live;
  registry->changed.SignalAll();
}

std::function<void(bool)> Session::Closer() {
  std::weak_ptr<Session> weak = weak_from_this();
  return [weak](bool force) {
    if (auto self = weak.lock()) force ? self->Close() : self->Shutdown();
  };
}

void Session::Run() {
  asio::dispatch(stream_.get_executor(),
                 beast::bind_front_handler(&Session::Read, shared_from_this()));
}

void Session::CloseIfIdle(uint64_t stamp) {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this(), stamp] {
    // Still as it was marked: its header not come whole (a byte or two of it, a client holding
    // the slot, included), and nothing owed.
    // Or answered early and lingering before it closes (five thousand refused connections, each
    // held for its 2 s, kept the slots from everyone else).
    if (self->idle_stamp_ != stamp) return;
    if (!self->lingering_ && (!self->reading_ || !self->slots_.empty())) return;
    if (self->options_.metrics) self->options_.metrics->CountIdleClosed();
    self->CloseNow();
  });
}

void Session::Shutdown() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (self->streaming_) {
      self->CloseNow();
      return;
    }
    if (self->reading_ && self->slots_.empty()) self->CloseNow();
    self->MaybeClose();
  });
}

void Session::Close() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

// --- reading ---

void Session::Read() {
  if (reading_ || closing_ || streaming_) return;
  if (slots_.size() >= options_.max_pipelined) return;  // resumes after a write
  reading_ = true;
  parser_.emplace();
  parser_->body_limit(options_.body_limit);
  // The idle timeout runs only while no response is owed: a request that takes long to answer
  // is not cut off by the deadline of the next one (armed again once answered).
  if (slots_.empty()) {
    ArmReadTimer(options_.idle_timeout);
    SetIdle(true);
  }
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
}

void Session::OnHeader(beast::error_code ec, size_t) {
  SetIdle(false);
  if (ec || parser_->is_done()) {
    OnRead(ec);
    return;
  }
  // A body follows. One refused whatever it says (no token, say) is answered now, whatever its
  // size: before, each connection held 8 MiB of an unauthenticated body until it was whole, and
  // four hundred of them ran the process out of memory; and five thousand connections without
  // a token, each sending a small body a byte every few seconds, took every slot.
  constexpr uint64_t kCountedBody = 64 << 10;
  auto declared = parser_->content_length();
  bool large = !declared || *declared > kCountedBody;
  // A small body already here whole (a client that sent its request at once) is read at once,
  // and a refusal leaves the connection open for the next request.
  bool arrived = !large && buffer_.size() >= *declared;
  std::string who;
  if (!closed_ && !arrived) {
    const auto& header = parser_->get().base();
    if (auto refusal = host_.handler->Screen(ToRequest(BeastRequest(header), remote_), &who)) {
      AnswerUnread(std::move(*refusal));
      return;
    }
  }
  // A large body, of a token that may send it, holds its share of what is read at once.
  if (large && !ReserveBody(who, declared ? std::min<uint64_t>(*declared, options_.body_limit)
                                          : options_.body_limit)) {
    Response busy = PlainError(503,
                               "the server is reading as many request bodies as it holds at "
                               "once; send this one again shortly");
    busy.headers["Retry-After"] = "1";
    if (options_.metrics) options_.metrics->CountBusy("bodies");
    AnswerUnread(std::move(busy));
    return;
  }
  // Once begun, the rest of a request must arrive within the read timeout; and while it does,
  // the connection may be closed to make room at the connection limit, as one whose header is
  // still coming may (a token's slow bodies would otherwise keep the slots).
  ArmReadTimer(options_.read_timeout);
  if (slots_.empty() && !arrived) SetIdle(true);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
}

void Session::ArmReadTimer(std::chrono::seconds timeout) {
  read_timer_.expires_after(timeout);
  read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;  // re-armed or cancelled
    if (self->reading_) self->CloseNow();
  });
}

// Large bodies being read hold at most ServerOptions::max_body_bytes between them (the declared
// length, or the limit of one body when it is sent in chunks), and one token's at most an eighth
// of it (but always one body): 32 connections of one resident announcing 8 MiB each held it all.
// A body of 64 KiB or less is not counted: it costs less than the connection it comes on.
bool Session::ReserveBody(const std::string& who, size_t want) {
  size_t token = std::hash<std::string>()(who);
  size_t per_token = std::max(options_.max_body_bytes / 8, options_.body_limit);
  Registry* registry = host_.registry.get();
  base::MutexLock lock(&registry->mu);
  auto mine = registry->body_bytes_by_token.find(token);
  size_t held = mine == registry->body_bytes_by_token.end() ? 0 : mine->second;
  if ((registry->body_bytes + want > options_.max_body_bytes && registry->body_bytes > 0) ||
      (held + want > per_token && held > 0)) {
    return false;
  }
  registry->body_bytes += want;
  registry->body_bytes_by_token[token] += want;
  body_reserved_ = want;
  body_token_ = token;
  return true;
}

void Session::ReleaseBody() {
  if (body_reserved_ == 0) return;
  Registry* registry = host_.registry.get();
  base::MutexLock lock(&registry->mu);
  registry->body_bytes -= body_reserved_;
  if ((registry->body_bytes_by_token[body_token_] -= body_reserved_) == 0) {
    registry->body_bytes_by_token.erase(body_token_);
  }
  body_reserved_ = 0;
}

void Session::SetIdle(bool idle) {
  if (idle == (idle_stamp_ != 0)) return;
  Registry* registry = host_.registry.get();
  base::MutexLock lock(&registry->mu);
  if (idle) {
    idle_stamp_ = ++registry->idle_clock;
    registry->idle[idle_stamp_] = weak_from_this();
  } else {
    registry->idle.erase(idle_stamp_);  // gone already if the server chose it to close
    idle_stamp_ = 0;
  }
}

// Answers the request whose header was read, without reading its body, and closes.
void Session::AnswerUnread(Response response) {
  reading_ = false;
  read_timer_.cancel();
  auto slot = std::make_shared<Slot>();
  slot->ready = true;
  slot->keep_alive = false;
  slot->version = parser_->get().version();
  slot->response = std::move(response);
  slots_.push_back(slot);
  closing_ = true;
  linger_ = true;
  Write();
}

// Closing with the unread body in the socket would reset the connection, and the client could
// lose the answer: the sending side is shut, and what arrives is read and dropped, for at most
// a few seconds, before the socket closes.
void Session::Linger() {
  lingering_ = true;
  SetIdle(true);
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  read_timer_.expires_after(std::chrono::seconds(2));
  read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->CloseNow();
  });
  drain_ = std::make_unique<char[]>(16 << 10);
  Drain();
}

void Session::Drain() {
  stream_.socket().async_read_some(asio::buffer(drain_.get(), 16 << 10),
                                   [self = shared_from_this()](beast::error_code ec, size_t) {
                                     if (self->closed_) return;
                                     if (ec) {
                                       self->CloseNow();
                                       return;
                                     }
                                     self->Drain();
                                   });
}

void Session::OnRead(beast::error_code ec) {
  reading_ = false;
  read_timer_.cancel();
  SetIdle(false);
  ReleaseBody();
  if (closed_) return;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof) {
    closing_ = true;
    MaybeClose();
    return;
  }
  if (ec) {
    AnswerUnreadable(ec);
    return;
  }
  auto message = parser_->release();
  auto slot = std::make_shared<Slot>();
  slot->version = message.version();
  slot->keep_alive = message.keep_alive() && !host_.stopping->load();
  slots_.push_back(slot);
  Request request = ToRequest(std::move(message), remote_);
  // Until the answer comes, the session keeps itself alive.
  ++owed_;
  self_hold_ = shared_from_this();
  Dispatch(std::move(request), Responder(slot));
  if (!slot->keep_alive) {
    closing_ = true;
  } else {
    Read();
  }
}

// A request we cannot parse: answer it and close.
void Session::AnswerUnreadable(beast::error_code ec) {
  auto slot = std::make_shared<Slot>();
  slot->ready = true;
  slot->keep_alive = false;
  if (ec == bhttp::error::body_limit) {
    slot->response = PlainError(
        413, "the request body is larger than " + std::to_string(options_.body_limit) + " bytes");
  } else {
    slot->response = PlainError(400, "the request is not valid HTTP/1.1: " + ec.message());
  }
  slots_.push_back(slot);
  closing_ = true;
  Write();
}

// The callback holds the session weakly, so a response that arrives after the connection
// closed, or the server stopped, is simply dropped.
Respond Session::Responder(const std::shared_ptr<Slot>& slot) {
  return [weak = weak_from_this(), registry = host_.registry, slot](Response response) mutable {
    base::MutexLock lock(&registry->mu);
    if (!registry->open) return;
    auto self = weak.lock();
    if (!self) return;
    // Moved into the handler: a reference left here could be the last one once the handler has
    // run on an I/O thread, and ~Session takes the lock held here.
    auto executor = self->stream_.get_executor();
    asio::post(executor, [self = std::move(self), slot, response = std::move(response)]() mutable {
      self->OnResponse(slot, std::move(response));
    });
  };
}

// An exception out of a handler is a bug: answer this request 500 and go on serving.
void Session::Dispatch(Request request, Respond respond) {
  std::string method = request.method;
  try {
    host_.handler->HandleAsync(std::move(request), respond);
    return;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http: a %s request failed: %s\n", method.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "http: a %s request failed\n", method.c_str());
  }
  respond(PlainError(500, "the server failed on this request"));
}

void Session::OnResponse(const std::shared_ptr<Slot>& slot, Response response) {
  if (slot->ready) return;  // answered twice: a bug in the handler; the first one stands
  slot->response = std::move(response);
  slot->ready = true;
  if (owed_ > 0 && --owed_ == 0) {
    auto keep = std::move(self_hold_);  // `this` lives on in the posted handler
  }
  if (closed_) return;
  Write();
}

// --- writing ---

void Session::Write() {
  if (closed_ || writing_ || streaming_ || slots_.empty() || !slots_.front()->ready) return;
  auto slot = slots_.front();
  if (slot->response.stream) {
    StartStream(slot);
    return;
  }
  writing_ = true;
  auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
      ToBeast(std::move(slot->response), slot->version, slot->keep_alive));
  ArmWriteTimer();
  bhttp::async_write(stream_, *message,
                     [self = shared_from_this(), message, keep = slot->keep_alive](
                         beast::error_code ec, size_t) { self->OnWrite(ec, keep); });
}

// A client that does not take its response within the write timeout is dropped.
void Session::ArmWriteTimer() {
  write_timer_.expires_after(options_.write_timeout);
  write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    if (!self->writing_) return;
    if (self->options_.metrics) self->options_.metrics->CountSlowClientDropped();
    self->CloseNow();
  });
}

void Session::OnWrite(beast::error_code ec, bool keep_alive) {
  writing_ = false;
  write_timer_.cancel();
  if (closed_) return;
  slots_.pop_front();
  if (!ec && linger_ && slots_.empty()) {
    closing_ = true;
    Linger();
    return;
  }
  if (ec || !keep_alive) {
    closing_ = true;
    CloseNow();
    return;
  }
  if (slots_.empty() && reading_) {
    // Waiting for the next request, or in the middle of one already begun.
    if (parser_ && parser_->got_some()) {
      ArmReadTimer(options_.read_timeout);
    } else {
      ArmReadTimer(options_.idle_timeout);
      SetIdle(true);
    }
  }
  Write();
  Read();
  MaybeClose();
}

void Session::MaybeClose() {
  if (!closing_ || writing_ || streaming_ || closed_) return;
  // Answer what was already read before closing.
  if (!slots_.empty()) return;
  CloseNow();
}

void Session::CloseNow() {
  if (closed_) return;
  closed_ = true;
  SetIdle(false);
  ReleaseBody();
  beast::error_code ignored;
  read_timer_.cancel();
  write_timer_.cancel();
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  slots_.clear();  // a write in flight holds its own message; stream pieces stay until it ends
  owed_ = 0;
  auto keep = std::move(self_hold_);
}

}  // namespace http
