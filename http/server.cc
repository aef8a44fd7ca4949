#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/beast_message.h"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// Handlers may block (a durable append waits for its disk sync, a read may wait for a position),
// so they run on a pool of their own. Its size bounds how many appends can share one sync.
constexpr int kHandlerThreads = 64;

Response PlainError(int status, const std::string& title, const std::string& detail) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = "{\"type\":\"about:blank\",\"title\":\"" + title +
           "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + detail + "\"}";
  return r;
}

// An exception out of a handler is a bug, but on a pool thread it would call std::terminate and
// take every connection down with it: answer this request 500 and go on serving.
Response HandleOrFail(Handler* handler, const Request& request) {
  try {
    return handler->Handle(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http: a %s request failed: %s\n", request.method.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "http: a %s request failed\n", request.method.c_str());
  }
  return PlainError(500, "Internal Server Error", "the server failed on this request");
}

}  // namespace

class Server::Impl {
 public:
  Impl(Handler* handler, const ServerOptions& options)
      : handler_(handler),
        options_(options),
        io_(options.threads > 0 ? options.threads
                                : std::max(1u, std::thread::hardware_concurrency())),
        work_(asio::make_work_guard(io_)),
        acceptor_(asio::make_strand(io_)),
        pool_(kHandlerThreads) {}

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
    Accept();
    int threads = options_.threads > 0
                      ? options_.threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
    return ledger::Status::Ok();
  }

  ~Impl() { Stop(); }

  uint16_t port() const { return port_; }

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
    });
    // Requests in flight finish; kept-alive connections close after their current response.
    // Streams notice `stopping_` at their next write. Bound the wait so a stuck peer cannot hold
    // the shutdown forever.
    ShutdownSessions();
    {
      std::unique_lock<std::mutex> lock(sessions_mu_);
      sessions_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return live_sessions_ == 0; });
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    pool_.join();
    {
      std::unique_lock<std::mutex> lock(streams_mu_);
      streams_cv_.wait_for(lock, std::chrono::seconds(5), [&] { return live_streams_ == 0; });
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
    Session(Impl* server, tcp::socket&& socket) : server_(server), stream_(std::move(socket)) {
      beast::error_code ec;
      auto endpoint = stream_.socket().remote_endpoint(ec);
      if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    }
    ~Session() { server_->SessionEnded(this); }

    void Run() {
      asio::dispatch(stream_.get_executor(),
                     beast::bind_front_handler(&Session::Read, shared_from_this()));
    }

   private:
    struct Slot {
      bool ready = false;
      bool keep_alive = true;
      unsigned version = 11;
      Response response;
    };

    void Read() {
      if (reading_ || closing_ || streaming_) return;
      if (slots_.size() >= server_->options_.max_pipelined) return;  // resumes after a write
      reading_ = true;
      parser_.emplace();
      parser_->body_limit(server_->options_.body_limit);
      stream_.expires_after(slots_.empty() ? server_->options_.idle_timeout
                                           : server_->options_.read_timeout);
      bhttp::async_read(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&Session::OnRead, shared_from_this()));
    }

    void OnRead(beast::error_code ec, size_t) {
      reading_ = false;
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
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
          slot->response = PlainError(413, "Payload Too Large",
                                      "the request body is larger than " +
                                          std::to_string(server_->options_.body_limit) + " bytes");
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
      auto self = shared_from_this();
      asio::post(server_->pool_, [self, slot, request = std::move(request)]() mutable {
        Response response = HandleOrFail(self->server_->handler_, request);
        asio::post(self->stream_.get_executor(),
                   [self, slot, response = std::move(response)]() mutable {
                     slot->response = std::move(response);
                     slot->ready = true;
                     self->Write();
                   });
      });
      if (!slot->keep_alive) {
        closing_ = true;
      } else {
        Read();
      }
    }

   public:
    // Asks an idle connection to close; one with requests in flight closes after answering them.
    void Shutdown() {
      asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
        self->closing_ = true;
        if (self->reading_) self->stream_.socket().cancel();
        self->MaybeClose();
      });
    }

   private:
    void Write() {
      if (writing_ || streaming_ || slots_.empty() || !slots_.front()->ready) return;
      auto slot = slots_.front();
      if (slot->response.stream) {
        StartStream(slot);
        return;
      }
      writing_ = true;
      auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
          ToBeast(std::move(slot->response), slot->version, slot->keep_alive));
      bhttp::async_write(stream_, *message,
                         [self = shared_from_this(), message, keep = slot->keep_alive](
                             beast::error_code ec, size_t) { self->OnWrite(ec, keep); });
    }

    void OnWrite(beast::error_code ec, bool keep_alive) {
      writing_ = false;
      slots_.pop_front();
      if (ec || !keep_alive) {
        closing_ = true;
        slots_.clear();
        MaybeClose();
        return;
      }
      Write();
      Read();
      MaybeClose();
    }

    void MaybeClose() {
      if (!closing_ || writing_ || reading_ || streaming_) return;
      // Answer what was already read before closing.
      if (!slots_.empty()) return;
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    // Hands the socket to a thread of its own for a streamed (Server-Sent Events) response.
    void StartStream(const std::shared_ptr<Slot>& slot) {
      streaming_ = true;
      if (!server_->AcquireStream()) {
        slot->response =
            PlainError(503, "Service Unavailable", "too many live streams; try again later");
        streaming_ = false;
        slot->keep_alive = false;
        Write();
        return;
      }
      stream_.expires_never();
      std::thread([self = shared_from_this(), slot] {
        self->RunStream(slot);
        self->server_->ReleaseStream();
      }).detach();
    }

    void RunStream(const std::shared_ptr<Slot>& slot) {
      auto& socket = stream_.socket();
      std::string head = "HTTP/1.1 " + std::to_string(slot->response.status) +
                         " OK\r\nContent-Type: " + slot->response.content_type +
                         "\r\nCache-Control: no-cache\r\nConnection: close\r\n";
      for (const auto& [name, value] : slot->response.headers) head += name + ": " + value + "\r\n";
      head += "\r\n";
      beast::error_code ec;
      asio::write(socket, asio::buffer(head), ec);
      if (ec) return;
      Impl* server = server_;
      auto write = [&](std::string_view piece) {
        if (server->stopping()) return false;
        beast::error_code write_ec;
        asio::write(socket, asio::buffer(piece.data(), piece.size()), write_ec);
        return !write_ec;
      };
      while (!server->stopping() && slot->response.stream(write)) {
      }
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
    }

    Impl* server_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::deque<std::shared_ptr<Slot>> slots_;
    std::string remote_;
    bool reading_ = false, writing_ = false, closing_ = false, streaming_ = false;
  };

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec) return;  // closed by Stop
                             if (stopping_) return;
                             auto session = std::make_shared<Session>(this, std::move(socket));
                             SessionStarted(session);
                             session->Run();
                             Accept();
                           });
  }

  void SessionStarted(const std::shared_ptr<Session>& session) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_[session.get()] = session;
    ++live_sessions_;
  }
  void SessionEnded(Session* session) {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.erase(session);
    --live_sessions_;
    sessions_cv_.notify_all();
  }
  void ShutdownSessions() {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(sessions_mu_);
      for (auto& [raw, weak] : sessions_) {
        if (auto session = weak.lock()) live.push_back(session);
      }
    }
    for (auto& session : live) session->Shutdown();
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
    streams_cv_.notify_all();
  }

  Handler* handler_;
  ServerOptions options_;
  asio::io_context io_;
  // Keeps the I/O threads running while a handler is busy and no socket operation is pending,
  // so that its response can still be posted back; released by Stop.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex stop_call_mu_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;

  std::mutex sessions_mu_;
  std::condition_variable sessions_cv_;
  size_t live_sessions_ = 0;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  std::mutex streams_mu_;
  std::condition_variable streams_cv_;
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

}  // namespace http
