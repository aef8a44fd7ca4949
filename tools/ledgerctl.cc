// ledgerctl: the command-line tool for a ledger's data folder.
//
// Every subcommand that works on the embedded folder takes --data DIR (default var/), and has
// --help. Long work shows progress and a rate on a terminal and stays quiet otherwise.

#include <CLI/CLI.hpp>

#include <capnp/message.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "codec/event_json.h"
#include "ctl/cloudevents.h"
#include "ctl/remote.h"
#include "ctl/report_checkpoint.h"
#include "ctl/verify.h"
#include "http/tokens.h"
#include "ledger/checkpoints.h"
#include "ledger/integrity.h"
#include "ledger/ledger.h"
#include "ledger/validate.h"
#include "projections/engine.h"
#include "projections/reports/joint_meeting.h"
#include "projections/reports/star_evaluation.h"

#include <boost/json.hpp>
#include "simulate/simulator.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int Fail(const ledger::Status& status) {
  std::cerr << "ledgerctl: " << status.ToString() << "\n";
  return 1;
}

int Fail(const std::string& message) {
  std::cerr << "ledgerctl: " << message << "\n";
  return 1;
}

// Progress on a terminal: "\rverify: 120000 of 500000 (210000/s)"; silent when piped.
class ProgressLine {
 public:
  explicit ProgressLine(std::string what) : what_(std::move(what)), tty_(isatty(STDERR_FILENO)) {}
  ~ProgressLine() {
    if (tty_ && shown_) std::fprintf(stderr, "\n");
  }
  void operator()(uint64_t done, uint64_t total) {
    if (!tty_) return;
    double secs = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "\r%s: %llu of %llu (%.0f/s)   ", what_.c_str(), (unsigned long long)done,
                 (unsigned long long)total, secs > 0 ? done / secs : 0.0);
    shown_ = true;
  }
  ledger::Progress fn() {
    return [this](uint64_t d, uint64_t t) { (*this)(d, t); };
  }

 private:
  std::string what_;
  bool tty_;
  bool shown_ = false;
  Clock::time_point start_ = Clock::now();
};

ledger::Result<std::unique_ptr<ledger::Ledger>> OpenLedger(const std::string& data, bool create,
                                                           ledger::Options options = {}) {
  options.create_if_missing = create;
  if (!create && !fs::exists(data + "/ledger")) {
    return ledger::Status::NotFound("there is no ledger in " + data +
                                    " (create one with: ledgerctl init --data " + data + ")");
  }
  auto opened = ledger::Ledger::Open(data + "/ledger", options);
  if (!opened.ok() && opened.status().message().find("lock") != std::string::npos) {
    return ledger::Status::Unavailable("the ledger in " + data +
                                       " is in use by a running ledgerd; stop it, or use the "
                                       "HTTP API (backup: POST /v1/admin/backup)");
  }
  return opened;
}

int Init(const std::string& data, const std::string& origin) {
  auto log = OpenLedger(data, true);
  if (!log.ok()) return Fail(log.status());
  auto head = (*log)->Head();
  std::cout << "ledger in " << data << "/ledger at seq " << head.seq << " "
            << ledger::ToHex(head.hash) << "\n";
  // The signing key names the log; it is made once and never replaced, since checkpoints
  // signed with another key would not link to the ones signed before.
  std::string key_path = data + "/" + ledger::kSigningKeyFile;
  auto key = ledger::LoadSigningKey(key_path);
  if (key.ok()) {
    if (!origin.empty() && key->name() != origin) {
      return Fail("the ledger in " + data + " is already named \"" + key->name() +
                  "\"; a log keeps its name and key for good");
    }
    std::cout << "signing key of " << key->name() << " in " << key_path << "\n";
    return 0;
  }
  if (key.status().code() != ledger::Code::kNotFound) return Fail(key.status());
  if (origin.empty()) {
    std::cout << "no signing key: ledgerd signs no checkpoints until one is made with "
                 "ledgerctl init --origin NAME\n";
    return 0;
  }
  ledger::Status made = ledger::CreateSigningKey(key_path, origin);
  if (!made.ok()) return Fail(made);
  key = ledger::LoadSigningKey(key_path);
  if (!key.ok()) return Fail(key.status());
  std::cout << "signing key of " << key->name() << " created in " << key_path
            << " (readable by its owner only); verifier key: " << key->VerifierKey() << "\n";
  return 0;
}

int KeyShow(const std::string& data) {
  auto key = ledger::LoadSigningKey(data + "/" + ledger::kSigningKeyFile);
  if (!key.ok()) {
    if (key.status().code() == ledger::Code::kNotFound) {
      return Fail("the ledger in " + data +
                  " has no signing key; make one with: ledgerctl init --origin NAME --data " +
                  data);
    }
    return Fail(key.status());
  }
  std::cout << key->VerifierKey() << "\n";
  return 0;
}

// --- against a running ledgerd ---

int RemoteHead(const ctl::Remote& remote) {
  auto reply = ctl::Call(remote, "GET", "/v1/head");
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 200)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  auto head = boost::json::parse(reply->body);
  std::cout << head.at("seq").as_int64() << " " << head.at("hash").as_string().c_str() << "\n";
  return 0;
}

int RemoteTail(const ctl::Remote& remote, size_t count, bool follow) {
  auto reply = ctl::Call(remote, "GET", "/v1/head");
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 200)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  uint64_t head = boost::json::parse(reply->body).at("seq").as_int64();
  uint64_t from = head > count ? head - count + 1 : 1;
  auto s = ctl::Subscribe(
      remote, "/v1/subscribe?from=" + std::to_string(from), [&](const std::string& data) {
        boost::json::error_code ec;
        auto v = boost::json::parse(data, ec);
        if (ec) return true;
        uint64_t seq = v.at("seq").as_int64();
        std::cout << seq << "\t" << boost::json::serialize(v.at("event")) << std::endl;
        // Without -f, stop at the head as it was when asked.
        return follow || seq < head;
      });
  if (!s.ok()) return Fail(s);
  return 0;
}

int RemoteBackup(const ctl::Remote& remote, const std::string& to) {
  std::string absolute = fs::absolute(to).string();
  auto reply = ctl::Call(remote, "POST", "/v1/admin/backup?to=" + absolute);
  if (!reply.ok()) return Fail(reply.status());
  if (reply->status != 201)
    return Fail("ledgerd answered " + std::to_string(reply->status) + ": " + reply->body);
  std::cout << "backup taken by the server in " << absolute << ": " << reply->body << "\n";
  return 0;
}

int Head(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto head = (*log)->Head();
  std::cout << head.seq << " " << ledger::ToHex(head.hash) << "\n";
  return 0;
}

int Verify(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  ProgressLine progress("verify");
  auto report = (*log)->Verify(progress.fn());
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "BAD at seq " << report->first_bad_seq << ": " << report->problem << "\n";
    return 2;
  }
  std::cout << "chain ok: " << report->checked << " events, head " << report->head.seq << " "
            << ledger::ToHex(report->head.hash) << "\n";
  // The Merkle tree: every leaf against its event, and the root of the stored subtrees.
  auto tree = ledger::CheckIntegrity(**log);
  if (!tree.ok()) return Fail(tree.status());
  if (!tree->ok) {
    std::cout << "BAD at seq " << tree->bad_seq << ": " << tree->problem << "\n";
    return 2;
  }
  std::cout << "tree ok: " << tree->size << " leaves match their events\n";
  // The views' checkpoint must not be ahead of the log, and must sit on the chain.
  if (fs::exists(data + "/views")) {
    auto engine = projections::Engine::Open(log->get(), data + "/views", {});
    if (!engine.ok()) return Fail(engine.status());
    auto applied = (*engine)->Applied();
    if (applied.seq > report->head.seq) {
      std::cout << "BAD views: checkpoint " << applied.seq << " is ahead of the log\n";
      return 2;
    }
    if (applied.seq > 0) {
      auto at = (*log)->Read(applied.seq);
      if (!at.ok() || at->hash() != applied.hash) {
        std::cout << "BAD views: checkpoint " << applied.seq << " is not on the chain\n";
        return 2;
      }
    }
    std::cout << "views ok: checkpoint at seq " << applied.seq << " of " << report->head.seq
              << "\n";
  }
  return 0;
}

int Rebuild(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  ProgressLine progress("rebuild");
  projections::EngineOptions options;
  options.progress = progress.fn();
  options.rebuild = true;
  auto engine = projections::Engine::Open(log->get(), data + "/views", options);
  if (!engine.ok()) return Fail(engine.status());
  auto start = Clock::now();
  auto rebuilt = (*engine)->Rebuild();
  if (!rebuilt.ok()) return Fail(rebuilt);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  auto applied = (*engine)->Applied();
  std::cout << "rebuilt every view: " << applied.seq << " events read, applied and written in "
            << secs << " s (" << static_cast<uint64_t>(applied.seq / std::max(secs, 1e-9))
            << " events/s)" << std::endl;
  // A rebuild writes its views as table files the store takes in; closing frees the views and
  // writes whatever is left in the store's memory.
  auto closing = Clock::now();
  engine->reset();
  std::cout << "store closed in " << std::chrono::duration<double>(Clock::now() - closing).count()
            << " s\n";
  return 0;
}

int Tail(const std::string& data, size_t count, bool follow) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  codec::EventJson json;
  uint64_t head = (*log)->Head().seq;
  uint64_t next = head > count ? head - count + 1 : 1;
  for (;;) {
    auto events = (*log)->ReadForward(next, 1000);
    if (!events.ok()) return Fail(events.status());
    for (const auto& e : *events) {
      std::cout << e.seq() << "\t" << json.Encode(e.event()) << "\n";
      next = e.seq() + 1;
    }
    std::cout.flush();
    // In-process only: another process's appends are not visible to this open ledger.
    if (!follow) return 0;
    (*log)->WaitForHeadAbove(next - 1, std::chrono::seconds(1));
  }
}

int Stats(const std::string& data) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  std::map<std::string, uint64_t> by_type;
  uint64_t bytes = 0;
  auto s = (*log)->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    ++by_type[ledger::EventTypeName(e.event())];
    bytes += e.canonical_words().size() * sizeof(capnp::word);
    return true;
  });
  if (!s.ok()) return Fail(s);
  auto head = (*log)->Head();
  std::cout << "events " << head.seq << ", head " << ledger::ToHex(head.hash) << "\n";
  std::cout << "event bytes " << bytes << " (" << (head.seq ? bytes / head.seq : 0)
            << " per event)\n";
  for (const auto& [type, n] : by_type) std::cout << "  " << type << "\t" << n << "\n";
  return 0;
}

int Backup(const std::string& data, const std::string& to) {
  if (fs::exists(to)) return Fail("the backup folder " + to + " already exists; name a new one");
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  fs::create_directories(to);
  auto s = (*log)->Checkpoint(to + "/ledger");
  if (!s.ok()) return Fail(s);
  std::cout << "backup of " << data << " at seq " << (*log)->Head().seq << " in " << to << "\n";
  return 0;
}

int Restore(const std::string& from, const std::string& data) {
  if (!fs::exists(from + "/ledger")) return Fail("there is no backup in " + from);
  if (fs::exists(data + "/ledger")) {
    return Fail("the data folder " + data + " already holds a ledger; restore into a new folder");
  }
  fs::create_directories(data);
  std::error_code error;
  fs::copy(from + "/ledger", data + "/ledger", fs::copy_options::recursive, error);
  if (error) return Fail("cannot copy the backup: " + error.message());
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto report = (*log)->Verify();
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "BAD at seq " << report->first_bad_seq << ": " << report->problem << "\n";
    return 2;
  }
  std::cout << "restored " << report->checked << " events into " << data << ", head "
            << ledger::ToHex(report->head.hash) << " (views rebuild on first start)\n";
  return 0;
}

int Export(const std::string& data, const std::string& out_path) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::trunc);
    if (!file) return Fail("cannot write " + out_path);
    out = &file;
  }
  codec::EventJson json;
  ProgressLine progress("export");
  uint64_t total = (*log)->Head().seq, done = 0;
  auto s = (*log)->Scan(1, UINT64_MAX, [&](const ledger::RecordedEvent& e) {
    *out << ctl::ToCloudEvent(json, e) << "\n";
    if (++done % 65536 == 0) progress(done, total);
    return true;
  });
  if (!s.ok()) return Fail(s);
  progress(done, total);
  if (!*out) return Fail("writing the export failed");
  return 0;
}

int Import(const std::string& data, const std::string& in_path) {
  std::ifstream file(in_path);
  if (!file) return Fail("cannot read " + in_path);
  int64_t recorded_at = 0;
  ledger::Options options;
  options.sync = false;
  // Replays each event's recorded time, so the restored bytes and hashes are the original ones.
  options.clock = [&recorded_at] { return recorded_at; };
  // Each event is appended in the form its hash fixes, normal or written before that rule.
  options.normalize = false;
  auto log = OpenLedger(data, true, options);
  if (!log.ok()) return Fail(log.status());
  codec::EventJson json;
  ProgressLine progress("import");
  auto result = ctl::ImportCloudEvents(json, log->get(), file, &recorded_at, progress.fn());
  if (!result.ok()) return Fail(result.status());
  // Said, not refused: the chain fixes those bytes, and they are restored as they were.
  constexpr size_t kMostNamed = 20;
  const auto& legacy = result->written_before_normalisation;
  for (size_t i = 0; i < std::min(legacy.size(), kMostNamed); ++i) {
    std::cout << "line " << legacy[i]
              << ": event hashes right only in the form written before normalisation\n";
  }
  if (legacy.size() > kMostNamed) {
    std::cout << "... and " << legacy.size() - kMostNamed << " more lines like it\n";
  }
  std::cout << "imported " << result->imported << " events, head " << result->head.seq << " "
            << ledger::ToHex(result->head.hash) << "\n";
  return 0;
}

int Token(const std::string& data, const std::string& action, const std::string& role,
          const std::string& actor, const std::vector<std::string>& estates,
          const std::string& company, const std::string& id) {
  fs::create_directories(data);
  http::TokenStore tokens(data + "/tokens");
  if (action == "create") {
    http::Principal who;
    auto parsed = http::ParseRole(role);
    if (!parsed) {
      return Fail("--role \"" + role +
                  "\" is not a role; roles: resident, companyStaff, communityWorker, "
                  "streetAuditor, ownersCommittee, admin");
    }
    who.role = *parsed;
    who.actor_id = actor;
    who.estates = estates;
    who.company_id = company;
    auto token = tokens.Create(who);
    if (!token.ok()) return Fail(token.status());
    std::cout << *token << "\n";
    return 0;
  }
  if (action == "list") {
    auto list = tokens.List();
    if (!list.ok()) return Fail(list.status());
    for (const auto& p : *list) {
      std::string scope;
      for (const auto& e : p.estates) scope += (scope.empty() ? "" : ",") + e;
      std::cout << p.token_id << "\t" << http::RoleName(p.role) << "\t" << p.actor_id << "\t"
                << (scope.empty() ? "-" : scope) << "\t"
                << (p.company_id.empty() ? "-" : p.company_id) << "\t"
                << (p.revoked ? "revoked" : "active") << "\n";
    }
    return 0;
  }
  auto s = tokens.Revoke(id);
  if (!s.ok()) return Fail(s);
  std::cout << "revoked " << id << "\n";
  return 0;
}

int Simulate(const std::string& data, uint64_t seed, int estates, int households, int years) {
  simulate::SimulatedClock clock;
  ledger::Options options;
  options.sync = false;
  options.clock = [&clock] { return clock.Now(); };
  auto log = OpenLedger(data, true, options);
  if (!log.ok()) return Fail(log.status());
  if ((*log)->Head().seq != 0) {
    return Fail("the ledger in " + data + " is not empty; simulate into a new folder");
  }
  ProgressLine progress("simulate");
  simulate::Options so;
  so.seed = seed;
  so.estates = estates;
  so.households_per_estate = households;
  so.years = years;
  so.progress = progress.fn();
  auto start = Clock::now();
  auto summary = simulate::Simulate(log->get(), &clock, so);
  if (!summary.ok()) return Fail(summary.status());
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "simulated " << summary->events << " events in " << secs << " s, head "
            << summary->head.seq << " " << ledger::ToHex(summary->head.hash) << "\n";
  return 0;
}

// The checkpoint a CSV or HTML report names (the JSON is the figures alone, as served in a
// /v1/reports answer's "result"; it names its position in positionSeq).
ledger::Result<std::optional<ctl::CheckpointStamp>> StampFor(ledger::Ledger* log,
                                                             const std::string& data,
                                                             const std::string& format,
                                                             uint64_t position) {
  if (format != "csv" && format != "html") return std::optional<ctl::CheckpointStamp>();
  auto stamp = ctl::CheckpointStampOf(log, data, position);
  if (!stamp.ok()) return stamp.status();
  return std::optional<ctl::CheckpointStamp>(std::move(stamp).value());
}

int Report(const std::string& data, const std::string& kind, const std::string& estate,
           const std::string& from, const std::string& to, int year, const std::string& format,
           const std::string& out_path) {
  auto log = OpenLedger(data, false);
  if (!log.ok()) return Fail(log.status());
  auto engine = projections::Engine::Open(log->get(), data + "/views", {});
  if (!engine.ok()) return Fail(engine.status());
  auto caught_up = (*engine)->CatchUp();
  if (!caught_up.ok()) return Fail(caught_up);
  capnp::MallocMessageBuilder message;
  std::string output;
  if (kind == "joint-meeting") {
    auto from_ms = codec::ParseTimestamp(from);
    auto to_ms = codec::ParseTimestamp(to);
    if (estate.empty()) return Fail("--estate is required for a joint-meeting report");
    if (!from_ms.ok()) return Fail("--from: " + from_ms.status().message());
    if (!to_ms.ok()) return Fail("--to: " + to_ms.status().message());
    auto report = message.initRoot<ledger::schema::JointMeetingReport>();
    std::vector<std::pair<std::string, double>> monthly;
    (*engine)->Read([&](const projections::ViewSet& views) {
      projections::ComputeJointMeetingReport(views, estate, *from_ms, *to_ms, report);
      // The page also charts compliance month by month, from the repairs view.
      projections::Filter f;
      f.estate = estate;
      f.from_ms = *from_ms;
      f.to_ms = *to_ms;
      capnp::MallocMessageBuilder repairs_message;
      auto repairs = repairs_message.initRoot<ledger::schema::RepairsView>();
      views.repairs.Query(f, *to_ms, repairs);
      for (auto month : repairs.getComplianceByMonth()) {
        monthly.emplace_back(month.getKey().cStr(), month.getRate());
      }
      return 0;
    });
    auto checkpoint = StampFor(log->get(), data, format, report.getPositionSeq());
    if (!checkpoint.ok()) return Fail(checkpoint.status());
    output = ctl::RenderJointMeeting(report.asReader(), format, monthly,
                                     checkpoint->has_value() ? &**checkpoint : nullptr);
  } else {
    if (year == 0) return Fail("--year is required for a star-evaluation report");
    auto report = message.initRoot<ledger::schema::StarEvaluation>();
    (*engine)->Read([&](const projections::ViewSet& views) {
      projections::ComputeStarEvaluation(views, year, report);
      return 0;
    });
    auto checkpoint = StampFor(log->get(), data, format, report.getPositionSeq());
    if (!checkpoint.ok()) return Fail(checkpoint.status());
    output = ctl::RenderStarEvaluation(report.asReader(), format,
                                       checkpoint->has_value() ? &**checkpoint : nullptr);
  }
  if (output.empty()) return Fail("--format \"" + format + "\" is not one of json, csv, html");
  if (out_path == "-") {
    std::cout << output;
  } else {
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    out << output;
    if (!out) return Fail("cannot write " + out_path);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledgerctl: the community governance ledger's command-line tool"};
  app.require_subcommand(1);
  std::string data = "var";
  auto data_option = [&](CLI::App* sub) {
    sub->add_option("--data", data, "the data folder")->capture_default_str();
  };

  std::string origin;
  auto* init = app.add_subcommand("init", "create the data folder's ledger if absent");
  data_option(init);
  init->add_option("--origin", origin,
                   "name the log (e.g. district.example/ledger) and create its signing key");
  auto* key_cmd = app.add_subcommand("key", "the log's signing key");
  key_cmd->require_subcommand(1);
  auto* key_show = key_cmd->add_subcommand("show", "print the verifier key (signed-note vkey)");
  data_option(key_show);
  auto* head = app.add_subcommand("head", "print the head: sequence number and hash");
  data_option(head);
  auto* verify = app.add_subcommand("verify", "recompute the chain; check the views' checkpoint");
  data_option(verify);
  auto* rebuild = app.add_subcommand("rebuild", "rebuild every view from the first event");
  data_option(rebuild);
  auto* stats = app.add_subcommand("stats", "counts by event type and bytes per event");
  data_option(stats);

  size_t count = 20;
  bool follow = false;
  auto* tail = app.add_subcommand("tail", "print the last events as JSON");
  data_option(tail);
  tail->add_option("-n,--count", count, "how many")->capture_default_str();
  tail->add_flag("-f,--follow", follow,
                 "keep printing new events (with --server: every event ledgerd appends)");

  std::string to, from, file = "-";
  auto* backup =
      app.add_subcommand("backup", "a consistent copy of the ledger (RocksDB checkpoint)");
  data_option(backup);
  backup->add_option("--to", to, "a new folder for the copy")->required();
  auto* restore = app.add_subcommand("restore", "restore a backup into a new data folder");
  data_option(restore);
  restore->add_option("--from", from, "the backup folder")->required();

  auto* exporter = app.add_subcommand("export", "newline-delimited CloudEvents 1.0 JSON");
  data_option(exporter);
  exporter->add_option("--out", file, "the file, or - for standard output")->capture_default_str();
  auto* importer = app.add_subcommand("import", "append an export; its chain must verify");
  data_option(importer);
  importer->add_option("--in", file, "the file")->required();

  std::string role, actor, company, id;
  std::vector<std::string> estates;
  auto* token = app.add_subcommand("token", "bearer tokens for the HTTP API");
  token->require_subcommand(1);
  auto* token_create = token->add_subcommand("create", "create a token and print its secret once");
  data_option(token_create);
  token_create
      ->add_option(
          "--role", role,
          "resident, companyStaff, communityWorker, streetAuditor, ownersCommittee or admin")
      ->required();
  token_create->add_option("--actor", actor, "the person the token acts for")->required();
  token_create->add_option("--estate", estates, "an estate it may act for (repeatable)");
  token_create->add_option("--company", company, "the company of company staff");
  auto* token_list = token->add_subcommand("list", "list tokens (never their secrets)");
  data_option(token_list);
  auto* token_revoke = token->add_subcommand("revoke", "revoke a token by id");
  data_option(token_revoke);
  token_revoke->add_option("id", id, "the token id, as listed")->required();

  uint64_t seed = 1;
  int sim_estates = 12, households = 250, years = 2;
  auto* simulate = app.add_subcommand("simulate", "write a deterministic simulated district");
  data_option(simulate);
  simulate->add_option("--seed", seed, "the seed; one seed gives one ledger")
      ->capture_default_str();
  simulate->add_option("--estates", sim_estates, "estates")->capture_default_str();
  simulate->add_option("--households", households, "households per estate")->capture_default_str();
  simulate->add_option("--years", years, "years, from 2024")->capture_default_str();

  std::string estate, period_from, period_to, format = "json", out = "-";
  int year = 0;
  auto* report = app.add_subcommand("report", "a report as JSON, CSV or a printable HTML page");
  report->require_subcommand(1);
  auto* jm = report->add_subcommand("joint-meeting", "the report before a joint meeting");
  data_option(jm);
  jm->add_option("--estate", estate, "the estate")->required();
  jm->add_option("--from", period_from, "start of the period, e.g. 2025-03-01T00:00:00+08:00")
      ->required();
  jm->add_option("--to", period_to, "end of the period (exclusive)")->required();
  auto* star = report->add_subcommand("star-evaluation", "the annual star evaluation");
  data_option(star);
  star->add_option("--year", year, "the year")->required();
  for (auto* sub : {jm, star}) {
    sub->add_option("--format", format, "json, csv or html")->capture_default_str();
    sub->add_option("--out", out, "the file, or - for standard output")->capture_default_str();
  }

  auto* permissions =
      app.add_subcommand("permissions", "the rule book: who may append which event, and where");

  std::string export_path, checkpoint_path, vkey_path, state_dir;
  uint64_t interval_ms = 60000, rounds = 0;
  auto* audit = app.add_subcommand(
      "audit", "offline: check an export against a signed checkpoint and the log's verifier key");
  audit->add_option("--export", export_path, "the export (ledgerctl export)")->required();
  audit->add_option("--checkpoint", checkpoint_path, "a signed checkpoint (GET /v1/checkpoint)")
      ->required();
  audit->add_option("--vkey", vkey_path, "the log's verifier key (ledgerctl key show)")->required();
  std::string earlier_path;
  audit->add_option("--earlier", earlier_path,
                    "an earlier signed checkpoint: check that the log extends it");
  std::string report_path;
  audit->add_option("--report", report_path,
                    "a report (JSON from /v1/reports/... or ledgerctl report): recompute it from "
                    "the export at its position and compare it figure by figure");
  auto* monitor = app.add_subcommand(
      "monitor", "follow a ledgerd's checkpoints; exit non-zero on a fork or a rollback");
  monitor->add_option("--vkey", vkey_path, "the log's verifier key")->required();
  monitor->add_option("--state", state_dir, "a folder keeping the last checkpoint seen")
      ->required();
  monitor->add_option("--interval", interval_ms, "milliseconds between checks")
      ->capture_default_str();
  monitor->add_option("--count", rounds, "stop after this many checks (0: never)")
      ->capture_default_str();

  std::string server, server_token;
  for (auto* sub : {head, tail, backup, monitor}) {
    sub->add_option("--server", server,
                    "a running ledgerd instead of the folder, e.g. http://127.0.0.1:8080");
    sub->add_option("--token", server_token,
                    "a bearer token for --server (backup needs an admin's)");
  }

  CLI11_PARSE(app, argc, argv);
  if (!server.empty()) {
    auto remote = ctl::Remote::Parse(server, server_token);
    if (!remote.ok()) return Fail(remote.status());
    if (*head) return RemoteHead(*remote);
    if (*tail) return RemoteTail(*remote, count, follow);
    if (*backup) return RemoteBackup(*remote, to);
    if (*monitor) return ctl::Monitor(*remote, vkey_path, state_dir, interval_ms, rounds);
  }
  if (*monitor) return Fail("monitor needs --server URL and --token TOKEN");
  if (*audit) return ctl::Audit(export_path, checkpoint_path, vkey_path, earlier_path, report_path);
  if (*permissions) {
    std::cout << ledger::RuleTableMarkdown();
    return 0;
  }
  if (*init) return Init(data, origin);
  if (*key_show) return KeyShow(data);
  if (*head) return Head(data);
  if (*verify) return Verify(data);
  if (*rebuild) return Rebuild(data);
  if (*stats) return Stats(data);
  if (*tail) return Tail(data, count, follow);
  if (*backup) return Backup(data, to);
  if (*restore) return Restore(from, data);
  if (*exporter) return Export(data, file);
  if (*importer) return Import(data, file);
  if (*token_create) return Token(data, "create", role, actor, estates, company, "");
  if (*token_list) return Token(data, "list", "", "", {}, "", "");
  if (*token_revoke) return Token(data, "revoke", "", "", {}, "", id);
  if (*simulate) return Simulate(data, seed, sim_estates, households, years);
  if (*jm) return Report(data, "joint-meeting", estate, period_from, period_to, 0, format, out);
  if (*star) return Report(data, "star-evaluation", "", "", "", year, format, out);
  return 1;
}
