// crash_drill: kill -9 the real ledgerd while clients append, restart it, and prove that nothing
// acknowledged was lost or changed.
//
//   crash_drill --cycles 20 --appenders 4 [--seed S] [--data DIR] [--ledgerd PATH]
//   crash_drill --check --data DIR        # re-check a kept folder against its journal
//
// Each cycle starts ledgerd on DIR/data, retries the appends that were in flight when the
// previous cycle's server died, runs concurrent appenders over HTTP that write every
// acknowledged event to a journal (DIR/acks.tsv), and sends SIGKILL at a random moment. Then,
// on a copy of the data folder exactly as the dead server left it (the next cycle restarts on the
// original, so the server's own recovery is exercised too), it checks:
//
//  - the chain verifies from the first event, with no gap, up to the head;
//  - every acknowledged event is at its acknowledged sequence number with its stream, stream
//    version, event id, actor and payload exactly as sent, and the chain hash at every
//    acknowledged head is the one the server answered (which vouches for every event before it);
//  - no event id was acknowledged at two positions, and a retried in-flight append is either a
//    duplicate of a whole earlier append or appended whole (never partly);
//  - the views' stored checkpoint is not ahead of the log and sits on the chain, and the views,
//    loaded from their store and caught up, equal a rebuild from the first event.
//
// After a restart, the server's head must equal the head the check found. The last restart ends
// with SIGTERM, which must stop the server cleanly, and the folder is checked once more.
//
// Exit status: 0 when every check passed; 1 on the first violation (the message says what, the
// folder is kept); 2 when the drill itself could not run.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <capnp/message.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "codec/event_json.h"
#include "http/tokens.h"
#include "ledger/ledger.h"
#include "ledger/normalize.h"
#include "projections/engine.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A broken promise of the ledger: what the drill exists to find.
struct Violation {
  std::string what;
};

// The drill itself could not run (no ledgerd binary, a folder in the way).
struct DrillError {
  std::string what;
};

// --- ledgerd in a child process ------------------------------------------------------------------

class Daemon {
 public:
  // Starts ledgerd on `data`, its output appended to `log`, and waits (bounded) for the line that
  // names its port. nullopt, with the reason in `*why`, if it does not come up.
  static std::optional<Daemon> Start(const std::string& ledgerd, const std::string& data,
                                     const std::string& log, std::string* why) {
    int out[2];
    if (pipe(out) != 0) throw DrillError{"pipe failed"};
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw DrillError{"cannot write " + log};
    pid_t pid = fork();
    if (pid < 0) throw DrillError{"fork failed"};
    if (pid == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      close(out[0]);
      execl(ledgerd.c_str(), ledgerd.c_str(), "--listen", "127.0.0.1", "--port", "0", "--data",
            data.c_str(), "--sync", "1", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    Daemon daemon;
    daemon.pid_ = pid;
    std::string line;
    auto deadline = Clock::now() + std::chrono::seconds(60);
    bool ended = false;
    while (Clock::now() < deadline && !ended) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char c;
      ssize_t n = read(out[0], &c, 1);
      if (n <= 0 || c == '\n') ended = true;
      if (n == 1 && c != '\n') line.push_back(c);
    }
    auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) {
      *why = "ledgerd did not report its port within 60 s (its first line: \"" + line +
             "\"; its log: " + log + ")";
      close(out[0]);
      close(log_fd);
      daemon.Kill(SIGKILL);
      return std::nullopt;
    }
    daemon.port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 10)));
    // Whatever else it prints goes to the log, so that a full pipe never blocks it.
    daemon.drain_ = std::thread([fd = out[0], log_fd, line] {
      std::string first = line + "\n";
      [[maybe_unused]] ssize_t w = write(log_fd, first.data(), first.size());
      char buffer[4096];
      for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) {
        w = write(log_fd, buffer, static_cast<size_t>(n));
      }
      close(fd);
      close(log_fd);
    });
    return daemon;
  }

  Daemon() = default;
  Daemon(Daemon&& other) noexcept { *this = std::move(other); }
  Daemon& operator=(Daemon&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(port_, other.port_);
    std::swap(drain_, other.drain_);
    return *this;
  }
  ~Daemon() {
    if (pid_ > 0) Kill(SIGKILL);
    if (drain_.joinable()) drain_.join();
  }

  // Sends `signal` and reaps the process; returns its wait status. A SIGTERM that does not end
  // the server within 30 s is followed by SIGKILL.
  int Kill(int signal) {
    if (pid_ <= 0) return 0;
    kill(pid_, signal);
    int status = 0;
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    if (drain_.joinable()) drain_.join();
    return status;
  }

  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::thread drain_;
};

// --- a small HTTP/1.1 client with time-outs
// --------------------------------------------------------

struct Reply {
  int status = 0;
  std::string body;
};

class Client {
 public:
  explicit Client(uint16_t port) : stream_(io_) {
    stream_.expires_after(std::chrono::seconds(10));
    stream_.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  // Throws boost::system::system_error when the server is gone or silent for 30 s.
  Reply Send(const std::string& method, const std::string& target, const std::string& token,
             const std::string& body = "") {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::authorization, "Bearer " + token);
    if (method == "POST") {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::write(stream_, request);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer_, parser);
    return Reply{static_cast<int>(parser.get().result_int()), parser.get().body()};
  }

 private:
  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// --- what the appenders send, and the journal of what was acknowledged ---------------------------

// One append: a stream and the body posted to /v1/streams/{stream}/events.
struct Request {
  std::string stream;
  std::string body;                 // the whole POST body
  std::vector<std::string> events;  // each event's JSON, in order
  std::vector<std::string> ids;
};

// One acknowledged event, as the journal keeps it (one tab-separated line):
//   seq, stream, stream version, event id, head seq, head hash (hex), the event's JSON as sent.
struct Ack {
  uint64_t seq = 0;
  std::string stream;
  uint64_t version = 0;
  std::string id;
  uint64_t head_seq = 0;
  std::string head_hash;
  std::string json;
};

std::string PercentEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class Journal {
 public:
  explicit Journal(std::string path) : path_(std::move(path)) {}

  // Records the events of one acknowledged append from the server's answer; the text of a
  // violation if the answer does not fit the request.
  std::optional<std::string> Record(const Request& request, const std::string& answer) {
    boost::json::error_code ec;
    auto body = boost::json::parse(answer, ec);
    if (ec || !body.is_object()) return "an acknowledgement that is not JSON: " + answer;
    try {
      const auto& seqs = body.at("seqs").as_array();
      uint64_t version = body.at("streamVersion").to_number<uint64_t>();
      uint64_t head_seq = body.at("head").at("seq").to_number<uint64_t>();
      std::string head_hash(body.at("head").at("hash").as_string());
      if (seqs.size() != request.ids.size()) {
        return "an append of " + std::to_string(request.ids.size()) + " events was answered with " +
               std::to_string(seqs.size()) + " sequence numbers: " + answer;
      }
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < seqs.size(); ++i) {
        Ack a;
        a.seq = seqs[i].to_number<uint64_t>();
        a.stream = request.stream;
        a.version = version - (seqs.size() - 1 - i);
        a.id = request.ids[i];
        a.head_seq = head_seq;
        a.head_hash = head_hash;
        a.json = request.events[i];
        pending_.push_back(std::move(a));
      }
    } catch (const std::exception& e) {
      return std::string("an acknowledgement without seqs, streamVersion or head (") + e.what() +
             "): " + answer;
    }
    return std::nullopt;
  }

  // Appends what was recorded since the last call to the file; returns how many events.
  size_t Save() {
    std::lock_guard<std::mutex> lock(mu_);
    std::ofstream out(path_, std::ios::app);
    for (const Ack& a : pending_) {
      out << a.seq << '\t' << a.stream << '\t' << a.version << '\t' << a.id << '\t' << a.head_seq
          << '\t' << a.head_hash << '\t' << a.json << '\n';
    }
    out.flush();
    if (!out) throw DrillError{"cannot write the journal " + path_};
    size_t n = pending_.size();
    total_ += n;
    pending_.clear();
    return n;
  }

  size_t total() const { return total_; }

  static std::vector<Ack> Load(const std::string& path) {
    std::vector<Ack> acks;
    std::ifstream in(path);
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      std::vector<std::string> fields;
      size_t start = 0;
      for (int i = 0; i < 6; ++i) {
        size_t tab = line.find('\t', start);
        if (tab == std::string::npos) break;
        fields.push_back(line.substr(start, tab - start));
        start = tab + 1;
      }
      if (fields.size() != 6) {
        throw Violation{"journal line " + std::to_string(number) + " is malformed"};
      }
      Ack a;
      try {
        a.seq = std::stoull(fields[0]);
        a.version = std::stoull(fields[2]);
        a.head_seq = std::stoull(fields[4]);
      } catch (const std::exception&) {
        throw Violation{"journal line " + std::to_string(number) + " has a malformed number"};
      }
      a.stream = fields[1];
      a.id = fields[3];
      a.head_hash = fields[5];
      a.json = line.substr(start);
      acks.push_back(std::move(a));
    }
    return acks;
  }

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<Ack> pending_;
  size_t total_ = 0;
};

// Builds the appends of one appender: new complaints (one to three events, expected "none" or
// "any"), later steps of its own complaints (expected exactly their version), and corrections of
// its own acknowledged complaints (void or replacement), so that the views replay corrections,
// which read back from the log.
class Workload {
 public:
  Workload(int cycle, int appender, uint64_t seed)
      : prefix_("d" + std::to_string(cycle) + "-" + std::to_string(appender)),
        estate_("estate/e-" + std::to_string(appender % 3)),
        random_(seed) {}

  Request Next() {
    int dice = static_cast<int>(random_() % 100);
    if (dice < 15 && !open_.empty()) return Step();
    if (dice < 25 && !filed_.empty()) return Correction();
    return NewComplaint();
  }

  // The answer to an acknowledged request: remember what it opened and filed.
  void Acknowledged(const Request& request, const std::string& answer) {
    boost::json::error_code ec;
    auto body = boost::json::parse(answer, ec);
    if (ec) return;
    const auto* seqs = body.as_object().if_contains("seqs");
    if (!seqs) return;
    uint64_t version = body.at("streamVersion").to_number<uint64_t>();
    // A new complaint: its version is its event count. Steps are taken once per complaint.
    if (request.stream.rfind("complaint/", 0) == 0 && version == request.ids.size()) {
      open_[request.stream] = version;
      filed_.emplace_back(seqs->as_array()[0].to_number<uint64_t>(),
                          request.stream.substr(std::strlen("complaint/")));
    }
  }

 private:
  std::string Event(const std::string& id, const std::string& type, const std::string& data) {
    // Fixed occurrence times keep the views' figures independent of the wall clock.
    int64_t occurred = 1764595800000 + static_cast<int64_t>(n_) * 1000;
    return R"({"eventId":")" + id + R"(","type":")" + type + R"(","occurredAt":)" +
           std::to_string(occurred) + R"(,"data":)" + data + "}";
  }

  std::string Filed(const std::string& complaint, size_t padding) {
    static const char* categories[] = {"water", "electricity", "lighting", "lift", "noise"};
    std::string summary = "漏水 " + complaint;
    for (size_t i = 0; i < padding; ++i) summary += i % 2 ? "水" : "x";
    return R"({"complaintId":")" + complaint + R"(","estateId":")" + estate_ + R"(","category":")" +
           categories[random_() % 5] + R"(","channel":"wechatGroup",)" + R"("summary":")" +
           summary + R"("})";
  }

  Request Wrap(std::string stream, std::vector<std::string> events, std::vector<std::string> ids,
               const std::string& expected) {
    Request r;
    r.stream = std::move(stream);
    if (events.size() == 1 && expected == "any") {
      r.body = events[0];
    } else {
      r.body = R"({"expectedVersion":")" + expected + R"(","events":[)";
      for (size_t i = 0; i < events.size(); ++i) r.body += (i ? "," : "") + events[i];
      r.body += "]}";
    }
    r.events = std::move(events);
    r.ids = std::move(ids);
    return r;
  }

  Request NewComplaint() {
    std::string complaint = prefix_ + "-" + std::to_string(++n_);
    size_t count = 1 + random_() % 3;
    std::vector<std::string> events, ids;
    for (size_t k = 0; k < count; ++k) {
      std::string id = complaint + "-" + std::to_string(k);
      ids.push_back(id);
      if (k == 0) {
        events.push_back(Event(id, "complaintFiled", Filed(complaint, random_() % 400)));
      } else if (k == 1) {
        events.push_back(Event(id, "complaintAcknowledged",
                               R"({"complaintId":")" + complaint + R"(","note":"已派单"})"));
      } else {
        events.push_back(Event(id, "complaintReplied",
                               R"({"complaintId":")" + complaint + R"(","reply":"已修好"})"));
      }
    }
    std::string expected = count == 1 && random_() % 2 ? "any" : "none";
    return Wrap("complaint/" + complaint, std::move(events), std::move(ids), expected);
  }

  Request Step() {
    auto it = open_.begin();
    std::advance(it, static_cast<long>(random_() % open_.size()));
    std::string stream = it->first;
    uint64_t version = it->second;
    std::string complaint = stream.substr(std::strlen("complaint/"));
    std::string id = complaint + "-s" + std::to_string(++n_);
    open_.erase(it);
    return Wrap(stream,
                {Event(id, "complaintResolved",
                       R"({"complaintId":")" + complaint + R"(","note":"住户确认"})")},
                {id}, std::to_string(version));
  }

  Request Correction() {
    size_t pick = random_() % filed_.size();
    auto [target, complaint] = filed_[pick];
    filed_.erase(filed_.begin() + static_cast<long>(pick));
    std::string id = prefix_ + "-c" + std::to_string(++n_);
    std::string action = random_() % 2 ? R"({"void":null})"
                                       : R"({"replacement":{"type":"complaintFiled","data":)" +
                                             Filed(complaint, 3) + "}}";
    std::string data = R"({"correctsSeq":")" + std::to_string(target) +
                       R"(","reason":"录入有误","action":)" + action + "}";
    // A correction's stream is the corrected event's; a replacement keeps its complaint.
    return Wrap("correction/" + std::to_string(target), {Event(id, "correctionRecorded", data)},
                {id}, "any");
  }

  std::string prefix_;
  std::string estate_;
  std::mt19937_64 random_;
  uint64_t n_ = 0;
  std::map<std::string, uint64_t> open_;  // stream -> version, complaints not yet resolved
  // Acknowledged complaintFiled events: seq and complaint id.
  std::vector<std::pair<uint64_t, std::string>> filed_;
};

// --- the checks -------------------------------------------------------------------------------

struct CheckSummary {
  uint64_t head = 0;
  ledger::Hash head_hash{};
  size_t acknowledged = 0;
  uint64_t views_checkpoint = 0;
  size_t view_records = 0;
};

template <class Reader>
std::string Canonical(Reader reader) {
  auto words = capnp::canonicalize(reader);
  return std::string(reinterpret_cast<const char*>(words.begin()), words.size() * 8);
}

// The views' stored checkpoint (seq, hash), read from their store directly: the engine, once open,
// would already have discarded a checkpoint ahead of the log, and that is what must be caught.
std::optional<ledger::Position> StoredViewsCheckpoint(const std::string& dir) {
  auto stored = projections::ReadStoredCheckpoint(dir);
  if (!stored.ok()) return std::nullopt;
  return *stored;
}

// Checks the data folder `data` against the journal; throws Violation on the first problem.
// Opens (and so recovers) the folder: run it on a copy when the original must stay as it was.
CheckSummary Check(const std::string& data, const std::string& journal, const std::string& actor,
                   const std::string& scratch) {
  CheckSummary summary;
  ledger::Options options;
  options.create_if_missing = false;
  auto opened = ledger::Ledger::Open(data + "/ledger", options);
  if (!opened.ok()) throw Violation{"the ledger does not open: " + opened.status().ToString()};
  std::unique_ptr<ledger::Ledger> log = std::move(opened).value();
  summary.head = log->Head().seq;
  summary.head_hash = log->Head().hash;

  auto report = log->Verify();
  if (!report.ok()) throw Violation{"the chain could not be walked: " + report.status().ToString()};
  if (!report->ok) {
    throw Violation{"the chain does not verify at seq " + std::to_string(report->first_bad_seq) +
                    ": " + report->problem};
  }
  if (report->checked != summary.head || report->head != log->Head()) {
    throw Violation{"verify checked " + std::to_string(report->checked) +
                    " events but the head is " + std::to_string(summary.head)};
  }

  codec::EventJson json;
  std::vector<Ack> acks = Journal::Load(journal);
  std::map<std::string, uint64_t> seq_of_id;
  std::map<uint64_t, std::string> stored_hash;  // head seq -> hex, or why it cannot be read
  for (const Ack& a : acks) {
    std::string where = "acknowledged event " + a.id + " at seq " + std::to_string(a.seq);
    if (auto [it, fresh] = seq_of_id.emplace(a.id, a.seq); !fresh && it->second != a.seq) {
      throw Violation{"event id " + a.id + " was acknowledged at seq " +
                      std::to_string(it->second) + " and again at seq " + std::to_string(a.seq)};
    }
    if (a.seq > summary.head) {
      throw Violation{where + " is missing: the log ends at " + std::to_string(summary.head)};
    }
    auto stored = log->Read(a.seq);
    if (!stored.ok()) throw Violation{where + " is missing: " + stored.status().ToString()};
    auto e = stored->event();
    if (std::string(e.getEventId().cStr()) != a.id) {
      throw Violation{where + " is not there: seq " + std::to_string(a.seq) + " holds event " +
                      e.getEventId().cStr()};
    }
    if (std::string(e.getStream().cStr()) != a.stream || stored->stream_version() != a.version) {
      throw Violation{where + " moved: acknowledged as " + a.stream + " version " +
                      std::to_string(a.version) + ", stored as " + e.getStream().cStr() +
                      " version " + std::to_string(stored->stream_version())};
    }
    capnp::MallocMessageBuilder message;
    auto expected = message.initRoot<ledger::schema::Event>();
    auto decoded = json.Decode(a.json, expected);
    if (!decoded.ok()) throw Violation{"journal holds JSON that does not decode: " + a.json};
    // The ledger stores the normal form of what was sent.
    capnp::MallocMessageBuilder normal_message;
    auto normal = normal_message.initRoot<ledger::schema::Event>();
    ledger::Normalize(capnp::DynamicStruct::Reader(expected.asReader()),
                      capnp::DynamicStruct::Builder(normal));
    if (Canonical(e.getPayload()) != Canonical(normal.asReader().getPayload()) ||
        e.getOccurredAt() != expected.getOccurredAt() ||
        std::string(e.getActorId().cStr()) != actor) {
      throw Violation{where + " changed: what is stored (" + json.Encode(e) +
                      ") is not what was sent (" + a.json + ")"};
    }
    // The chain hash at the head the server answered with vouches for every event before it.
    auto known = stored_hash.find(a.head_seq);
    if (known == stored_hash.end()) {
      auto at = log->Read(a.head_seq);
      known = stored_hash
                  .emplace(a.head_seq, at.ok() ? ledger::ToHex(at->hash()) : at.status().ToString())
                  .first;
    }
    if (known->second != a.head_hash) {
      throw Violation{where + " was answered with the chain hash " + a.head_hash + " at head " +
                      std::to_string(a.head_seq) + ", but the chain hash at " +
                      std::to_string(a.head_seq) + " is " + known->second};
    }
  }
  summary.acknowledged = acks.size();

  if (fs::exists(data + "/views")) {
    if (auto stored = StoredViewsCheckpoint(data + "/views")) {
      summary.views_checkpoint = stored->seq;
      if (stored->seq > summary.head) {
        throw Violation{"the views' checkpoint (seq " + std::to_string(stored->seq) +
                        ") is ahead of the log (head " + std::to_string(summary.head) +
                        "): the views saw events the log no longer has"};
      }
      if (stored->seq > 0) {
        auto at = log->Read(stored->seq);
        if (!at.ok() || at->hash() != stored->hash) {
          throw Violation{"the views' checkpoint at seq " + std::to_string(stored->seq) +
                          " is not on the chain"};
        }
      }
    }
    auto live = projections::Engine::Open(log.get(), data + "/views", {});
    if (!live.ok()) throw Violation{"the views do not open: " + live.status().ToString()};
    if (auto s = (*live)->CatchUp(); !s.ok()) {
      throw Violation{"the views do not catch up: " + s.ToString()};
    }
    if ((*live)->Applied() != log->Head()) {
      throw Violation{"the views caught up to seq " + std::to_string((*live)->Applied().seq) +
                      ", not to the head " + std::to_string(summary.head)};
    }
    auto caught_up = (*live)->Dump();
    live->reset();
    auto fresh = projections::Engine::Open(log.get(), scratch, {});
    if (!fresh.ok()) throw DrillError{"cannot open scratch views: " + fresh.status().ToString()};
    if (auto s = (*fresh)->CatchUp(); !s.ok()) {
      throw Violation{"a rebuild of the views fails: " + s.ToString()};
    }
    auto rebuilt = (*fresh)->Dump();
    fresh->reset();
    if (caught_up != rebuilt) {
      size_t i = 0;
      while (i < caught_up.size() && i < rebuilt.size() && caught_up[i] == rebuilt[i]) ++i;
      std::string key = i < caught_up.size() ? caught_up[i].first
                        : i < rebuilt.size() ? rebuilt[i].first
                                             : "?";
      throw Violation{"the views caught up from their store differ from a rebuild: " +
                      std::to_string(caught_up.size()) + " records against " +
                      std::to_string(rebuilt.size()) + ", first difference at " + key};
    }
    summary.view_records = rebuilt.size();
  }
  return summary;
}

// --- the drill --------------------------------------------------------------------------------

struct Settings {
  int cycles = 20;
  int appenders = 4;
  uint64_t seed = 0;
  std::string dir;
  std::string ledgerd;
  int max_kill_ms = 1500;
};

constexpr const char* kActor = "person/crash-drill";

class Drill {
 public:
  explicit Drill(Settings s)
      : s_(std::move(s)),
        data_(s_.dir + "/data"),
        journal_(s_.dir + "/acks.tsv"),
        log_(s_.dir + "/ledgerd.log"),
        random_(s_.seed) {}

  void Run() {
    fs::create_directories(data_);
    http::TokenStore tokens(data_ + "/tokens");
    http::Principal admin;
    admin.role = ledger::schema::Role::ADMIN;
    admin.actor_id = kActor;
    auto created = tokens.Create(admin);
    if (!created.ok()) throw DrillError{"cannot create a token: " + created.status().ToString()};
    token_ = *created;

    auto start = Clock::now();
    for (cycle_ = 1; cycle_ <= s_.cycles; ++cycle_) RunCycle();
    cycle_ = s_.cycles + 1;
    FinalStop();
    std::printf(
        "crash drill passed: %d cycles, %zu events acknowledged, head %llu, %zu view records, "
        "%.1f s\n",
        s_.cycles, journal_.total(), static_cast<unsigned long long>(expected_head_.seq),
        view_records_, SecondsSince(start));
  }

  int cycle() const { return cycle_; }

 private:
  Daemon StartServer() {
    std::string why;
    auto daemon = Daemon::Start(s_.ledgerd, data_, log_, &why);
    if (!daemon) throw Violation{"the server does not start on the folder it left: " + why};
    Client client(daemon->port());
    auto head = client.Send("GET", "/v1/head", token_);
    boost::json::error_code ec;
    auto body = boost::json::parse(head.body, ec);
    if (head.status != 200 || ec) {
      throw Violation{"GET /v1/head after the restart answered " + std::to_string(head.status) +
                      ": " + head.body};
    }
    uint64_t seq = body.at("seq").to_number<uint64_t>();
    std::string hash(body.at("hash").as_string());
    if (seq != expected_head_.seq || hash != ledger::ToHex(expected_head_.hash)) {
      throw Violation{"after the restart the server's head is " + std::to_string(seq) + " " + hash +
                      ", but the data folder it was killed on recovers to " +
                      std::to_string(expected_head_.seq) + " " +
                      ledger::ToHex(expected_head_.hash)};
    }
    return std::move(*daemon);
  }

  // Appends that were in flight when the server died: each must now be a duplicate of a whole
  // earlier append (200) or be appended whole (201).
  size_t RetryInFlight(uint16_t port) {
    if (in_flight_.empty()) return 0;
    Client client(port);
    size_t durable = 0;
    for (const Request& r : in_flight_) {
      auto reply =
          client.Send("POST", "/v1/streams/" + PercentEncode(r.stream) + "/events", token_, r.body);
      if (reply.status != 200 && reply.status != 201) {
        throw Violation{"retrying an append that was in flight at the kill (" + r.stream +
                        ") answered " + std::to_string(reply.status) + ": " + reply.body};
      }
      if (reply.status == 200) ++durable;
      if (auto bad = journal_.Record(r, reply.body)) throw Violation{*bad};
    }
    size_t n = in_flight_.size();
    in_flight_.clear();
    std::printf("  retried %zu appends in flight at the kill: %zu had been written, %zu had not\n",
                n, durable, n - durable);
    return n;
  }

  void RunCycle() {
    auto started = Clock::now();
    Daemon daemon = StartServer();
    RetryInFlight(daemon.port());

    std::atomic<bool> stop{false};
    std::mutex mu;
    std::optional<std::string> violation;
    std::vector<std::thread> appenders;
    for (int a = 0; a < s_.appenders; ++a) {
      uint64_t seed = random_();
      appenders.emplace_back([&, a, seed] {
        Workload work(cycle_, a, seed);
        std::optional<Request> sent;
        try {
          Client client(daemon.port());
          for (int i = 0; i < 1'000'000 && !stop; ++i) {
            sent = work.Next();
            auto reply =
                client.Send("POST", "/v1/streams/" + PercentEncode(sent->stream) + "/events",
                            token_, sent->body);
            if (reply.status != 201) {
              std::lock_guard<std::mutex> lock(mu);
              violation = "an append to " + sent->stream + " answered " +
                          std::to_string(reply.status) + " while the server ran: " + reply.body;
              sent.reset();
              return;
            }
            if (auto bad = journal_.Record(*sent, reply.body)) {
              std::lock_guard<std::mutex> lock(mu);
              violation = *bad;
              sent.reset();
              return;
            }
            work.Acknowledged(*sent, reply.body);
            sent.reset();
          }
        } catch (const std::exception&) {
          // The server died under this request: its outcome is unknown until the retry.
        }
        if (sent) {
          std::lock_guard<std::mutex> lock(mu);
          in_flight_.push_back(std::move(*sent));
        }
      });
    }

    // Mostly mid-stream, sometimes at once (during the first commits), sometimes late.
    int dice = static_cast<int>(random_() % 10);
    int kill_ms = dice < 2 ? static_cast<int>(random_() % 30)
                  : dice < 8
                      ? 30 + static_cast<int>(random_() % 600)
                      : 630 + static_cast<int>(random_() % std::max(1, s_.max_kill_ms - 630));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_ms));
    daemon.Kill(SIGKILL);
    stop = true;
    for (auto& t : appenders) t.join();
    if (violation) throw Violation{*violation};
    size_t acknowledged = journal_.Save();

    // The check runs on a copy, so that the next start meets the folder exactly as it was left.
    std::string copy = s_.dir + "/check";
    fs::remove_all(copy);
    fs::create_directories(copy);
    fs::copy(data_, copy + "/data", fs::copy_options::recursive);
    auto summary = Check(copy + "/data", journal_path(), kActor, copy + "/rebuilt-views");
    fs::remove_all(copy);
    expected_head_ = ledger::Position{summary.head, summary.head_hash};
    view_records_ = summary.view_records;
    std::printf(
        "cycle %d/%d: killed after %d ms; %zu acknowledged (%zu in all), %zu in flight; head "
        "%llu, chain ok; acknowledged events intact; views checkpoint %llu, caught up = rebuild "
        "(%zu records); %.1f s\n",
        cycle_, s_.cycles, kill_ms, acknowledged, journal_.total(), in_flight_.size(),
        static_cast<unsigned long long>(summary.head),
        static_cast<unsigned long long>(summary.views_checkpoint), summary.view_records,
        SecondsSince(started));
    std::fflush(stdout);
  }

  // One last start: the retries, then SIGTERM must stop the server cleanly, and the folder it
  // leaves must pass every check.
  void FinalStop() {
    Daemon daemon = StartServer();
    RetryInFlight(daemon.port());
    journal_.Save();
    int status = daemon.Kill(SIGTERM);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw Violation{"SIGTERM did not stop the server cleanly (wait status " +
                      std::to_string(status) + "; its log: " + log_ + ")"};
    }
    auto summary = Check(data_, journal_path(), kActor, s_.dir + "/rebuilt-views");
    fs::remove_all(s_.dir + "/rebuilt-views");
    if (summary.views_checkpoint != summary.head) {
      throw Violation{"after a clean stop the views' checkpoint is " +
                      std::to_string(summary.views_checkpoint) + ", not the head " +
                      std::to_string(summary.head)};
    }
    expected_head_ = ledger::Position{summary.head, summary.head_hash};
    view_records_ = summary.view_records;
    std::printf("clean stop: SIGTERM exits 0; head %llu; %zu acknowledged events intact\n",
                static_cast<unsigned long long>(summary.head), summary.acknowledged);
  }

  std::string journal_path() const { return s_.dir + "/acks.tsv"; }

  Settings s_;
  std::string data_;
  Journal journal_;
  std::string log_;
  std::mt19937_64 random_;
  std::string token_;
  int cycle_ = 0;
  ledger::Position expected_head_;
  size_t view_records_ = 0;
  std::vector<Request> in_flight_;
};

std::string DefaultLedgerd() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ledgerd") : (self.parent_path() / "ledgerd").string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crash_drill: kill -9 ledgerd under concurrent appends and check what survived"};
  Settings s;
  bool check_only = false;
  bool keep = false;
  s.seed = std::random_device{}();
  s.ledgerd = DefaultLedgerd();
  app.add_option("--cycles", s.cycles, "kill and restart this many times")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--appenders", s.appenders, "concurrent appending clients")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--seed", s.seed, "seeds the workload and the kill moments (default: random)");
  app.add_option("--data", s.dir,
                 "the drill's folder, new or empty (ledgerd's data folder is DIR/data); default: "
                 "a temporary folder, removed when the drill passes");
  app.add_option("--ledgerd", s.ledgerd, "the ledgerd binary")->capture_default_str();
  app.add_option("--max-kill-ms", s.max_kill_ms, "the latest moment of a kill after a start")
      ->check(CLI::Range(700, 600000))
      ->capture_default_str();
  app.add_flag("--check", check_only, "only check DIR/data against DIR/acks.tsv (needs --data)");
  app.add_flag("--keep", keep, "keep the folder even when the drill passes");
  CLI11_PARSE(app, argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  if (check_only) {
    if (s.dir.empty()) {
      std::fprintf(stderr, "crash_drill: --check needs --data DIR\n");
      return 2;
    }
    try {
      std::string scratch = s.dir + "/rebuilt-views";
      fs::remove_all(scratch);
      auto summary = Check(s.dir + "/data", s.dir + "/acks.tsv", kActor, scratch);
      fs::remove_all(scratch);
      std::printf("check passed: head %llu, %zu acknowledged events intact, views = rebuild\n",
                  static_cast<unsigned long long>(summary.head), summary.acknowledged);
      return 0;
    } catch (const Violation& v) {
      std::printf("crash_drill: VIOLATION: %s\n", v.what.c_str());
      return 1;
    } catch (const DrillError& e) {
      std::fprintf(stderr, "crash_drill: error: %s\n", e.what.c_str());
      return 2;
    }
  }

  bool temporary = s.dir.empty();
  if (temporary) {
    std::string pattern = (fs::temp_directory_path() / "crash-drill-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      std::fprintf(stderr, "crash_drill: error: cannot create a temporary folder\n");
      return 2;
    }
    s.dir = pattern;
  } else if (fs::exists(s.dir) && !fs::is_empty(s.dir)) {
    std::fprintf(stderr, "crash_drill: error: %s is not empty; name a new folder\n", s.dir.c_str());
    return 2;
  }
  if (!fs::exists(s.ledgerd)) {
    std::fprintf(stderr, "crash_drill: error: no ledgerd at %s (use --ledgerd)\n",
                 s.ledgerd.c_str());
    return 2;
  }
  std::printf("crash drill: %d cycles, %d appenders, seed %llu, folder %s\n", s.cycles, s.appenders,
              static_cast<unsigned long long>(s.seed), s.dir.c_str());
  std::fflush(stdout);
  std::string dir = s.dir;
  Drill drill(s);
  try {
    drill.Run();
  } catch (const Violation& v) {
    std::printf(
        "crash_drill: VIOLATION in cycle %d: %s\n  folder kept: %s (journal acks.tsv, "
        "server log ledgerd.log; re-check with --check --data)\n",
        drill.cycle(), v.what.c_str(), dir.c_str());
    return 1;
  } catch (const DrillError& e) {
    std::fprintf(stderr, "crash_drill: error in cycle %d: %s\n", drill.cycle(), e.what.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash_drill: error in cycle %d: %s\n", drill.cycle(), e.what());
    return 2;
  }
  if (temporary && !keep) fs::remove_all(dir);
  return 0;
}
