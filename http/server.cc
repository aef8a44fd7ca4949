// The server: the listening socket, the accept loop with its connection limit, the I/O threads,
// and an orderly stop. Each connection is a Session (http/session.h).

#include "http/server.h"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "session.h"

namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

std::string RefusalBytes() {
  std::string body = PlainError(503, "too many connections; try again later").body;
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
        registry_(std::make_shared<Registry>()),
        streams_(options.max_streams) {
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
    base::MutexLock lock(&registry_->mu);
    return registry_->live;
  }
  uint64_t refused_connections() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t accept_failures() const { return accept_failures_.load(std::memory_order_relaxed); }

  void Stop() EXCLUDES(stop_call_mu_, stop_mu_) {
    // A second caller waits for the first to finish rather than stopping twice.
    base::MutexLock one_at_a_time(&stop_call_mu_);
    {
      base::MutexLock lock(&stop_mu_);
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
    WaitForSessions(std::chrono::steady_clock::now() + options_.stop_grace);
    CloseSessions(/*force=*/true);
    {
      // Every session is closed on its strand; their last handlers run, and then they are gone.
      base::MutexLock lock(&registry_->mu);
      while (registry_->live > 0) registry_->changed.Wait(&registry_->mu);
      registry_->open = false;
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    base::MutexLock lock(&stop_mu_);
    stopped_ = true;
    stopped_cv_.SignalAll();
  }

  void Wait() EXCLUDES(stop_mu_) {
    base::MutexLock lock(&stop_mu_);
    while (!stopped_) stopped_cv_.Wait(&stop_mu_);
  }

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
    std::weak_ptr<Session> evict;
    uint64_t evict_stamp = 0;
    {
      base::MutexLock lock(&registry_->mu);
      bool room = registry_->live < options_.max_connections;
      // At the limit, the connection that has waited longest for a request makes room: one
      // client's idle connections took every slot, and everyone else got 503. The sessions
      // closing may leave a few more open than the limit for a moment, never many.
      if (!room && !registry_->idle.empty() &&
          registry_->live < options_.max_connections + options_.max_connections / 8 + 1) {
        auto oldest = registry_->idle.begin();
        evict_stamp = oldest->first;
        evict = oldest->second;
        registry_->idle.erase(oldest);
        room = true;
      }
      if (room) {
        session = std::make_shared<Session>(
            SessionHost{handler_, &options_, registry_, &streams_, &stopping_}, std::move(socket));
        ++registry_->live;
        registry_->closers[session.get()] = session->Closer();
      }
    }
    // Outside the lock: this may hold the last reference, and ~Session takes the lock. It closes
    // only if the session is still waiting, with no byte of a request come since.
    if (auto victim = evict.lock()) victim->CloseIfIdle(evict_stamp);
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
      base::MutexLock lock(&registry_->mu);
      for (auto& [raw, closer] : registry_->closers) closers.push_back(closer);
    }
    for (auto& close : closers) close(force);
  }

  // Until every session has ended, or `deadline`.
  void WaitForSessions(std::chrono::steady_clock::time_point deadline) {
    base::MutexLock lock(&registry_->mu);
    while (registry_->live > 0) {
      if (!registry_->changed.WaitUntil(&registry_->mu, deadline)) return;
    }
  }

  Handler* handler_;
  ServerOptions options_;
  asio::io_context io_;
  // Keeps the I/O threads running while no socket operation is pending, so that a response
  // from another thread can still be posted back; released by Stop.
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_timer_;
  // The accept loop's state: touched only on the acceptor's strand, so it needs no lock.
  bool accept_failing_ = false;
  std::chrono::milliseconds accept_backoff_{25};
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::shared_ptr<Registry> registry_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> accept_failures_{0};

  StreamSlots streams_;

  std::atomic<bool> stopping_{false};
  // Held for the whole of Stop, so that a second caller waits for the first.
  base::Mutex stop_call_mu_;
  base::Mutex stop_mu_ ACQUIRED_AFTER(stop_call_mu_);
  base::CondVar stopped_cv_;  // signalled when `stopped_` becomes true
  bool stopped_ GUARDED_BY(stop_mu_) = false;
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
