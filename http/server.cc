#include "http/server.h"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "beast_message.h"
#include "http/routes.h"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

Response PlainError(int status, const std::string& title, const std::string& detail) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":\"about:blank\",\"title\":\"" + JsonEscape(title) +
           "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + JsonEscape(detail) +
           "\"}";
  return r;
}

std::string RefusalBytes() {
  std::string body =
      "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":"
      "\"too many connections; try again later\"}";
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
         "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

size_t DefaultConnectionLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
  return std::max<size_t>(8, static_cast<size_t>(limit.rlim_cur) / 4);
}

}  // namespace

// What outlives the server: the set of live sessions, and whether callbacks from other threads
// (a handler's response, a stream's wake-up) may still be posted to the I/O threads. Sessions
// and those callbacks hold it by shared_ptr, so none of them ever touches a destroyed server.
struct Registry {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;  // false once the I/O threads are about to go: nothing more is posted
  size_t live = 0;
  std::unordered_map<void*, std::function<void(bool force)>> closers;  // session -> close it
};

class Server::Impl {
 public:
  Impl(Handler* handler, const ServerOptions& options)
      : handler_(handler),
        options_(options),
        io_(options.threads > 0 ? options.threads
                                : std::max(1u, std::thread::hardware_concurrency())),
        work_(asio::make_work_guard(io_)),
        acceptor_(asio::make_strand(io_)),
        accept_timer_(acceptor_.get_executor()),
        registry_(std::make_shared<Registry>()) {
    if (options_.max_connections == 0) options_.max_connections = DefaultConnectionLimit();
  }

  ledger::Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return ledger::Status::InvalidArgument("not an IP address: " + options_.address);
    tcp::endpoint endpoint{address, options_.port};
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return ledger::Status::IOError("cannot listen on " + options_.address + ":" +
                                     std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::dispatch(acceptor_.get_executor(), [this] { Accept(); });
    int threads = options_.threads > 0
                      ? options_.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    return ledger::Status::Ok();
  }

  ~Impl() { Stop(); }

  uint16_t port() const { return port_; }

  size_t connections() const {
    std::lock_guard<std::mutex> lock(registry_->mu);
    return registry_->live;
  }
  uint64_t refused_connections() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t accept_failures() const { return accept_failures_.load(std::memory_order_relaxed); }

  void Stop() {
    // A second caller waits for the first to finish rather than stopping twice.
    std::lock_guard<std::mutex> one_at_a_time(stop_call_mu_);
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      if (stopped_) return;
      stopping_ = true;
    }
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      accept_timer_.cancel();
    });
    // Idle connections and streams close now; a connection with requests in flight closes
    // after answering them, for at most the grace period; then whatever is left is closed.
    CloseSessions(/*force=*/false);
    {
      std::unique_lock<std::mutex> lock(registry_->mu);
      registry_->cv.wait_for(lock, options_.stop_grace, [&] { return registry_->live == 0; });
    }
    CloseSessions(/*force=*/true);
    {
      // Every session is closed on its strand; their last handlers run, and then they are gone.
      std::unique_lock<std::mutex> lock(registry_->mu);
      registry_->cv.wait(lock, [&] { return registry_->live == 0; });
      registry_->open = false;
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopped_ = true;
    stop_cv_.notify_all();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait(lock, [&] { return stopped_; });
  }

  bool stopping() const { return stopping_; }

  // --- sessions ---

  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl* server, tcp::socket&& socket)
        : server_(server),
          options_(server->options_),
          registry_(server->registry_),
          stream_(std::move(socket)),
          read_timer_(stream_.get_executor()),
          write_timer_(stream_.get_executor()) {
      beast::error_code ec;
      auto endpoint = stream_.socket().remote_endpoint(ec);
      if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    }
    ~Session() {
      if (holds_stream_) server_->ReleaseStream();
      std::lock_guard<std::mutex> lock(registry_->mu);
      registry_->closers.erase(this);
      --registry_->live;
      registry_->cv.notify_all();
    }

    // What Stop calls to close this session (see CloseSessions); holds it weakly.
    std::function<void(bool)> Closer() {
      std::weak_ptr<Session> weak = weak_from_this();
      return [weak](bool force) {
        if (auto self = weak.lock()) force ? self->Close() : self->Shutdown();
      };
    }

    void Run() {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&Session::Read, shared_from_this()));
    }

    // Asks an idle connection (or a stream) to close; one with requests in flight closes after
    // answering them.
    void Shutdown() {
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

    // Closes at once, whatever is in flight.
    void Close() {
      asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
    }

   private:
    struct Slot {
      bool ready = false;
      bool keep_alive = true;
      unsigned version = 11;
      Response response;
    };

    // --- reading ---

    void Read() {
      if (reading_ || closing_ || streaming_) return;
      if (slots_.size() >= options_.max_pipelined) return;  // resumes after a write
      reading_ = true;
      parser_.emplace();
      parser_->body_limit(options_.body_limit);
      // The idle timeout runs only while no response is owed: a request that takes long to
      // answer is not cut off by the deadline of the next one (armed again once answered).
      if (slots_.empty()) ArmReadTimer(options_.idle_timeout);
      bhttp::async_read_header(stream_, buffer_, *parser_,
                               beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
    }

    void OnHeader(beast::error_code ec, size_t) {
      if (ec || parser_->is_done()) {
        OnRead(ec);
        return;
      }
      // Once begun, the rest of a request must arrive within the read timeout.
      ArmReadTimer(options_.read_timeout);
      bhttp::async_read(
          stream_, buffer_, *parser_,
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    }

    void ArmReadTimer(std::chrono::seconds timeout) {
      read_timer_.expires_after(timeout);
      read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;  // re-armed or cancelled
        if (self->reading_) self->CloseNow();
      });
    }

    void OnRead(beast::error_code ec) {
      reading_ = false;
      read_timer_.cancel();
      if (closed_) return;
      if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
          ec == asio::error::connection_reset || ec == asio::error::eof) {
        closing_ = true;
        MaybeClose();
        return;
      }
      if (ec) {
        // A request we cannot parse: answer it and close.
        auto slot = std::make_shared<Slot>();
        slot->ready = true;
        slot->keep_alive = false;
        if (ec == bhttp::error::body_limit) {
          slot->response = PlainError(
              413, "Payload Too Large",
              "the request body is larger than " + std::to_string(options_.body_limit) + " bytes");
        } else {
          slot->response =
              PlainError(400, "Bad Request", "the request is not valid HTTP/1.1: " + ec.message());
        }
        slots_.push_back(slot);
        closing_ = true;
        Write();
        return;
      }
      auto message = parser_->release();
      auto slot = std::make_shared<Slot>();
      slot->version = message.version();
      slot->keep_alive = message.keep_alive() && !server_->stopping();
      slots_.push_back(slot);
      Request request = ToRequest(std::move(message), remote_);
      // Until the answer comes, the session keeps itself alive; the callback holds it weakly,
      // so a response that arrives after the connection closed, or the server stopped, is
      // simply dropped.
      ++owed_;
      self_hold_ = shared_from_this();
      Respond respond = [weak = weak_from_this(), registry = registry_,
                         slot](Response response) mutable {
        std::lock_guard<std::mutex> lock(registry->mu);
        if (!registry->open) return;
        auto self = weak.lock();
        if (!self) return;
        // Moved into the handler: a reference left here could be the last one once the handler
        // has run on an I/O thread, and ~Session takes the lock held here.
        auto executor = self->stream_.get_executor();
        asio::post(executor,
                   [self = std::move(self), slot, response = std::move(response)]() mutable {
                     self->OnResponse(slot, std::move(response));
                   });
      };
      Dispatch(std::move(request), std::move(respond));
      if (!slot->keep_alive) {
        closing_ = true;
      } else {
        Read();
      }
    }

    // An exception out of a handler is a bug: answer this request 500 and go on serving.
    void Dispatch(Request request, Respond respond) {
      std::string method = request.method;
      try {
        server_->handler_->HandleAsync(std::move(request), respond);
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "http: a %s request failed: %s\n", method.c_str(), e.what());
      } catch (...) {
        std::fprintf(stderr, "http: a %s request failed\n", method.c_str());
      }
      respond(PlainError(500, "Internal Server Error", "the server failed on this request"));
    }

    void OnResponse(const std::shared_ptr<Slot>& slot, Response response) {
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

    void Write() {
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
    void ArmWriteTimer() {
      write_timer_.expires_after(options_.write_timeout);
      write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;
        if (!self->writing_) return;
        if (self->options_.metrics) self->options_.metrics->CountSlowClientDropped();
        self->CloseNow();
      });
    }

    void OnWrite(beast::error_code ec, bool keep_alive) {
      writing_ = false;
      write_timer_.cancel();
      if (closed_) return;
      slots_.pop_front();
      if (ec || !keep_alive) {
        closing_ = true;
        CloseNow();
        return;
      }
      if (slots_.empty() && reading_) ArmReadTimer(options_.idle_timeout);
      Write();
      Read();
      MaybeClose();
    }

    void MaybeClose() {
      if (!closing_ || writing_ || streaming_ || closed_) return;
      // Answer what was already read before closing.
      if (!slots_.empty()) return;
      CloseNow();
    }

    void CloseNow() {
      if (closed_) return;
      closed_ = true;
      beast::error_code ignored;
      read_timer_.cancel();
      write_timer_.cancel();
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
      slots_.clear();  // a write in flight holds its own message; stream pieces stay until it ends
      owed_ = 0;
      auto keep = std::move(self_hold_);
    }

    // --- streams (Server-Sent Events) ---

    void StartStream(const std::shared_ptr<Slot>& slot) {
      if (!server_->AcquireStream()) {
        slot->response =
            PlainError(503, "Service Unavailable", "too many live streams; try again later");
        slot->response.headers["Retry-After"] = "1";
        slot->keep_alive = false;
        Write();
        return;
      }
      holds_stream_ = true;
      streaming_ = true;
      beast::error_code ignored;
      stream_.socket().set_option(
          asio::socket_base::send_buffer_size(static_cast<int>(options_.stream_send_buffer)),
          ignored);
      source_ = std::move(slot->response.stream);
      sent_position_ = source_->start_position();
      std::string head = "HTTP/1.1 " + std::to_string(slot->response.status) +
                         " OK\r\nContent-Type: " + slot->response.content_type +
                         "\r\nCache-Control: no-cache\r\nConnection: close\r\n";
      for (const auto& [name, value] : slot->response.headers) head += name + ": " + value + "\r\n";
      head += "\r\n";
      slots_.clear();
      queue_.push_back({std::move(head), sent_position_});
      queued_bytes_ = queue_.back().data.size();
      Pump();
    }

    // Writes the next queued piece; with the queue empty, pulls one from the source, or asks to
    // be woken when there is more.
    void Pump() {
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
      // A live subscriber hears of new events while its write is pending, so that one that
      // does not keep up fills its queue and is dropped. One still catching up is not: it pulls
      // from the log at its own pace, and costs no memory while it does.
      if (live_) Await();
      asio::async_write(
          stream_, asio::buffer(queue_.front().data),
          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamWrite(ec); });
    }

    void Pull() {
      BodySource::Piece piece = source_->Next(64 << 10);
      if (piece.data.empty()) return;
      queued_bytes_ += piece.data.size();
      queue_.push_back(std::move(piece));
    }

    void OnStreamWrite(beast::error_code ec) {
      writing_ = false;
      write_timer_.cancel();
      if (closed_) return;
      if (ec || server_->stopping()) {
        CloseNow();
        return;
      }
      queued_bytes_ -= queue_.front().data.size();
      sent_position_ = queue_.front().position;
      queue_.pop_front();
      Pump();
    }

    void Await() {
      if (awaiting_ || closed_ || dropped_) return;
      awaiting_ = true;
      std::weak_ptr<Session> weak = weak_from_this();
      auto registry = registry_;
      source_->WhenMore(options_.stream_keepalive, [weak, registry] {
        std::lock_guard<std::mutex> lock(registry->mu);
        if (!registry->open) return;
        if (auto self = weak.lock()) {
          auto executor = self->stream_.get_executor();
          asio::post(executor, [self = std::move(self)] { self->OnWake(); });
        }
      });
    }

    // New events, or the keep-alive interval passed. While a write is pending (the client is
    // slow), what comes is queued; past the queue's limit the client is told where to resume
    // and dropped, which frees its slot.
    void OnWake() {
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

    void Drop() {
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

    Impl* server_;
    const ServerOptions& options_;
    std::shared_ptr<Registry> registry_;
    beast::tcp_stream stream_;
    asio::steady_timer read_timer_;
    asio::steady_timer write_timer_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::deque<std::shared_ptr<Slot>> slots_;
    std::string remote_;
    size_t owed_ = 0;                     // requests handed to the handler, not yet answered
    std::shared_ptr<Session> self_hold_;  // set while owed_ > 0
    bool reading_ = false, writing_ = false, closing_ = false, streaming_ = false;
    bool closed_ = false;
    // Streams.
    bool holds_stream_ = false, awaiting_ = false, dropped_ = false, live_ = false;
    std::shared_ptr<BodySource> source_;
    std::deque<BodySource::Piece> queue_;
    size_t queued_bytes_ = 0;
    uint64_t sent_position_ = 0;
  };

 private:
  void Accept() {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  // Runs on the acceptor's strand. Whatever happens, the loop is re-armed unless stopping: an
  // accept that fails (out of fds: EMFILE, ENFILE; or anything else) leaves the connection in
  // the backlog, so it is tried again after a short pause instead of at once in a busy loop.
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (stopping_ || !acceptor_.is_open()) return;
    if (ec) {
      accept_failures_.fetch_add(1, std::memory_order_relaxed);
      if (options_.metrics) options_.metrics->CountAcceptFailure();
      if (!accept_failing_) {
        std::fprintf(stderr, "http: accepting connections fails (%s); retrying until it works\n",
                     ec.message().c_str());
        accept_failing_ = true;
      }
      accept_backoff_ = std::min(accept_backoff_ * 2, std::chrono::milliseconds(1000));
      accept_timer_.expires_after(accept_backoff_);
      accept_timer_.async_wait([this](beast::error_code timer_ec) {
        if (!timer_ec && !stopping_) Accept();
      });
      return;
    }
    if (accept_failing_) {
      std::fprintf(stderr, "http: accepting connections again\n");
      accept_failing_ = false;
    }
    accept_backoff_ = std::chrono::milliseconds(25);
    std::shared_ptr<Session> session;
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      if (registry_->live < options_.max_connections) {
        session = std::make_shared<Session>(this, std::move(socket));
        ++registry_->live;
        registry_->closers[session.get()] = session->Closer();
      }
    }
    if (session) {
      session->Run();
    } else {
      RefuseConnection(std::move(socket));
    }
    Accept();
  }

  // Over the connection limit: a short 503 written without waiting (the socket buffer of a new
  // connection always takes it), then closed, so the fds stay well under the process's limit.
  void RefuseConnection(tcp::socket socket) {
    static const std::string kRefusal = RefusalBytes();
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(kRefusal), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    refused_.fetch_add(1, std::memory_order_relaxed);
    if (options_.metrics) options_.metrics->CountConnectionRefused();
  }

  // Without `force`, idle connections and streams close and a connection with a request in
  // flight closes once it is answered; with it, every connection closes now.
  void CloseSessions(bool force) {
    std::vector<std::function<void(bool)>> closers;
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      for (auto& [raw, closer] : registry_->closers) closers.push_back(closer);
    }
    for (auto& close : closers) close(force);
  }

  bool AcquireStream() {
    std::lock_guard<std::mutex> lock(streams_mu_);
    if (live_streams_ >= options_.max_streams) return false;
    ++live_streams_;
    return true;
  }
  void ReleaseStream() {
    std::lock_guard<std::mutex> lock(streams_mu_);
    --live_streams_;
  }

  Handler* handler_;
  ServerOptions options_;
  asio::io_context io_;
  // Keeps the I/O threads running while no socket operation is pending, so that a response
  // from another thread can still be posted back; released by Stop.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_timer_;
  bool accept_failing_ = false;
  std::chrono::milliseconds accept_backoff_{25};
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::shared_ptr<Registry> registry_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> accept_failures_{0};

  std::atomic<bool> stopping_{false};
  std::mutex stop_call_mu_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;

  std::mutex streams_mu_;
  size_t live_streams_ = 0;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { impl_->Stop(); }

ledger::Result<std::unique_ptr<Server>> Server::Start(Handler* handler,
                                                      const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(handler, options);
  ledger::Status s = impl->Listen();
  if (!s.ok()) return s;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }
void Server::Wait() { impl_->Wait(); }
size_t Server::connections() const { return impl_->connections(); }
uint64_t Server::refused_connections() const { return impl_->refused_connections(); }
uint64_t Server::accept_failures() const { return impl_->accept_failures(); }

}  // namespace http
