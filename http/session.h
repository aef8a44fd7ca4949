// One connection: its requests read, handed to the handler, and answered in order (HTTP/1.1
// pipelining), or its one streamed response (Server-Sent Events) fed as the client takes it.
// Private to http/; the server (http/server.cc) accepts connections and makes sessions.
//
// Threads: everything a Session holds is touched only on its strand (its socket's executor), so
// its state needs no lock; answers and stream wake-ups from other threads are posted to it.
// What is shared with the server and other threads lives in the Registry, under its lock.

#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/mutex.h"
#include "http/server.h"
#include "problem.h"

namespace http {

class Session;

// What outlives the server: the set of live sessions, and whether callbacks from other threads
// (a handler's response, a stream's wake-up) may still be posted to the I/O threads. Sessions
// and those callbacks hold it by shared_ptr, so none of them ever touches a destroyed server.
struct Registry {
  base::Mutex mu;
  base::CondVar changed;  // signalled when a session ends (`live` drops)
  // False once the I/O threads are about to go: nothing more is posted.
  bool open GUARDED_BY(mu) = true;
  size_t live GUARDED_BY(mu) = 0;
  // Session -> what closes it (Session::Closer).
  std::unordered_map<void*, std::function<void(bool force)>> closers GUARDED_BY(mu);
  // Bytes of large request bodies being read now, across connections and by token (a hash of
  // its id): ServerOptions::max_body_bytes, and an eighth of it for one token's, so that one
  // token cannot take it all.
  size_t body_bytes GUARDED_BY(mu) = 0;
  std::unordered_map<size_t, size_t> body_bytes_by_token GUARDED_BY(mu);
  // Sessions waiting for a request with none owed, the longest waiting first: at the connection
  // limit the first is closed to make room (one client's idle connections took every slot).
  uint64_t idle_clock GUARDED_BY(mu) = 0;
  std::map<uint64_t, std::weak_ptr<Session>> idle GUARDED_BY(mu);
};

// The limit on streamed responses open at once (ServerOptions::max_streams).
class StreamSlots {
 public:
  explicit StreamSlots(size_t limit) : limit_(limit) {}
  // Takes a slot; false when all are taken.
  bool Acquire() EXCLUDES(mu_);
  void Release() EXCLUDES(mu_);

 private:
  const size_t limit_;
  base::Mutex mu_;
  size_t live_ GUARDED_BY(mu_) = 0;
};

// What a session shares with the server that accepted it. The server outlives its sessions
// (Stop waits for the last one), so the pointers stay good.
struct SessionHost {
  Handler* handler;
  const ServerOptions* options;
  std::shared_ptr<Registry> registry;
  StreamSlots* streams;
  const std::atomic<bool>* stopping;
};

// A problem document with no type of ours ("about:blank"): what the server says itself, about
// a request no handler saw.
Response PlainError(int status, const std::string& detail);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(const SessionHost& host, boost::asio::ip::tcp::socket&& socket);
  ~Session();

  // What Stop calls to close this session (see Server's CloseSessions); holds it weakly.
  std::function<void(bool)> Closer();
  void Run();
  // Asks an idle connection (or a stream) to close; one with requests in flight closes after
  // answering them.
  void Shutdown();
  // Closes at once, whatever is in flight.
  void Close();
  // Closes if still waiting for a request since it was marked idle with `stamp` (Registry::idle),
  // and no byte of one has come: the server chose it to make room.
  void CloseIfIdle(uint64_t stamp);

 private:
  struct Slot {
    bool ready = false;
    bool keep_alive = true;
    unsigned version = 11;
    Response response;
  };

  // session.cc: requests and their answers.
  void Read();
  void OnHeader(boost::beast::error_code ec, size_t);
  bool ReserveBody(const std::string& who, size_t want);
  void ReleaseBody();
  void SetIdle(bool idle);
  void AnswerUnread(Response response);
  void Linger();
  void Drain();
  void ArmReadTimer(std::chrono::seconds timeout);
  void OnRead(boost::beast::error_code ec);
  void AnswerUnreadable(boost::beast::error_code ec);
  Respond Responder(const std::shared_ptr<Slot>& slot);
  void Dispatch(Request request, Respond respond);
  void OnResponse(const std::shared_ptr<Slot>& slot, Response response);
  void Write();
  void ArmWriteTimer();
  void OnWrite(boost::beast::error_code ec, bool keep_alive);
  void MaybeClose();
  void CloseNow();

  // session_stream.cc: a streamed response (Server-Sent Events).
  void StartStream(const std::shared_ptr<Slot>& slot);
  void Pump();
  void Pull();
  void OnStreamWrite(boost::beast::error_code ec);
  void Await();
  void OnWake();
  void Drop();

  const SessionHost host_;
  const ServerOptions& options_;
  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer read_timer_;
  boost::asio::steady_timer write_timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::deque<std::shared_ptr<Slot>> slots_;
  std::string remote_;
  size_t owed_ = 0;                     // requests handed to the handler, not yet answered
  std::shared_ptr<Session> self_hold_;  // set while owed_ > 0
  bool reading_ = false, writing_ = false, closing_ = false, streaming_ = false;
  bool closed_ = false;
  size_t body_reserved_ = 0;  // of Registry::body_bytes, for the body being read
  size_t body_token_ = 0;     // its key in Registry::body_bytes_by_token: the token id's hash
  uint64_t idle_stamp_ = 0;   // its key in Registry::idle, or 0
  // A connection answered before its body was read is drained, not reset, so that its client
  // reads the answer (see Linger).
  bool linger_ = false;
  bool lingering_ = false;  // answered and draining before it closes: may make room
  std::unique_ptr<char[]> drain_;
  // Streams.
  bool holds_stream_ = false, awaiting_ = false, dropped_ = false, live_ = false;
  std::shared_ptr<BodySource> source_;
  std::deque<BodySource::Piece> queue_;
  size_t queued_bytes_ = 0;
  uint64_t sent_position_ = 0;
};

}  // namespace http
