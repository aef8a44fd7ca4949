// ledgerd: the HTTP service on an embedded data folder.
//
//   ledgerd --listen 127.0.0.1 --port 8080 --data var
//
// The data folder holds the ledger (ledger/), the views (views/), the token file (tokens), and,
// once `ledgerctl init --origin NAME` has named the log, its signing key (signing.key) and the
// checkpoints signed with it (checkpoints/). Without a key the service runs as before and signs
// nothing; the checkpoint, proof and receipt routes then say how to make one.
// When it is full or read-only, at start or later, the service keeps answering reads and refuses
// appends with 503 until it can write again, which it notices by itself (ledger::StorageHealth;
// /healthz and /metrics say so).
// Every flag can also be set in the environment: LEDGER_LISTEN, LEDGER_PORT, LEDGER_DATA,
// LEDGER_SYNC (1/0), LEDGER_THREADS, LEDGER_TOKENS, LEDGER_RESUME_FREE_MB, LEDGER_WEB (the
// dashboard's folder), and the limits:
// LEDGER_MAX_CONNECTIONS, LEDGER_WRITE_TIMEOUT, LEDGER_MAX_STREAMS, LEDGER_STREAM_QUEUE_BYTES,
// LEDGER_WORK_THREADS, LEDGER_WORK_QUEUE, LEDGER_AS_OF_CACHE, LEDGER_VIEWS_SNAPSHOT_EVENTS,
// LEDGER_VIEWS_SNAPSHOTS, LEDGER_VIEWS_MONTH_SNAPSHOTS, LEDGER_CHECKPOINT_INTERVAL,
// LEDGER_VERIFY_INTERVAL.

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "codec/event_json.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/static_files.h"
#include "http/tokens.h"
#include "ledger/checkpoints.h"
#include "ledger/integrity.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace {

// A temporary folder removed, with everything in it, when this goes out of scope.
struct ScratchFolder {
  std::string path;
  ~ScratchFolder() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

// Everything the command line and the environment set.
struct Settings {
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;
  std::string data = "var";
  bool sync = true;
  int threads = 0;
  std::string token_file;
  std::string web;
  uint64_t resume_free_mb = ledger::Options().resume_free_bytes >> 20;
  http::ServerOptions server_options;
  http::ApiOptions api_options;
  uint64_t write_timeout_s = http::ServerOptions().write_timeout.count();
  projections::EngineOptions engine_options;
  uint64_t views_cache_mb = projections::EngineOptions().cache_bytes >> 20;
  uint64_t as_of_cache_mb = projections::EngineOptions().as_of_cache_bytes >> 20;
  uint64_t checkpoint_interval_ms = 10000;
  uint64_t verify_interval_s = 3600;
};

void AddOptions(CLI::App& app, Settings* s) {
  app.add_option("--listen", s->listen, "address to listen on (loopback by default)")
      ->envname("LEDGER_LISTEN")
      ->capture_default_str();
  app.add_option("--port", s->port, "TCP port; 0 picks a free one")
      ->envname("LEDGER_PORT")
      ->capture_default_str();
  app.add_option("--data", s->data, "the data folder")
      ->envname("LEDGER_DATA")
      ->capture_default_str();
  app.add_option("--sync", s->sync, "sync each append to disk before acknowledging it (1/0)")
      ->envname("LEDGER_SYNC")
      ->capture_default_str();
  app.add_option("--threads", s->threads, "I/O threads; 0 means one per core")
      ->envname("LEDGER_THREADS")
      ->capture_default_str();
  app.add_option("--tokens", s->token_file, "the token file (default: DATA/tokens)")
      ->envname("LEDGER_TOKENS");
  app.add_option("--web", s->web,
                 "the dashboard's folder, served at / (default: web/ beside the binary or one "
                 "folder up, else ./web; \"off\" serves none)")
      ->envname("LEDGER_WEB");
  app.add_option("--resume-free-mb", s->resume_free_mb,
                 "after the disk filled up, take appends again once this many MiB are free")
      ->envname("LEDGER_RESUME_FREE_MB")
      ->capture_default_str();
  app.add_option("--max-connections", s->server_options.max_connections,
                 "open connections; at the limit a new one closes the one that has waited "
                 "longest for a request, or is answered 503 when none waits (0: a quarter of "
                 "the fd limit)")
      ->envname("LEDGER_MAX_CONNECTIONS")
      ->capture_default_str();
  app.add_option("--max-body-bytes", s->server_options.max_body_bytes,
                 "bytes of request bodies read at once across connections; more are answered "
                 "503 with Retry-After (bodies over 64 KiB without a valid token are refused "
                 "before they are read)")
      ->envname("LEDGER_MAX_BODY_BYTES")
      ->capture_default_str();
  app.add_option("--write-timeout", s->write_timeout_s,
                 "seconds a client has to take a response or stream piece before it is dropped")
      ->envname("LEDGER_WRITE_TIMEOUT")
      ->capture_default_str();
  app.add_option("--max-streams", s->server_options.max_streams, "concurrent /v1/subscribe streams")
      ->envname("LEDGER_MAX_STREAMS")
      ->capture_default_str();
  app.add_option("--streams-per-token", s->api_options.streams_per_token,
                 "concurrent /v1/subscribe streams of one token; its next is answered 429")
      ->envname("LEDGER_STREAMS_PER_TOKEN")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--stream-queue-bytes", s->server_options.max_stream_queue,
                 "bytes a stream may fall behind before its subscriber is told where to resume "
                 "and dropped")
      ->envname("LEDGER_STREAM_QUEUE_BYTES")
      ->capture_default_str();
  app.add_option("--work-threads", s->api_options.work_threads,
                 "threads computing views, reports and time travel")
      ->envname("LEDGER_WORK_THREADS")
      ->capture_default_str();
  app.add_option("--work-queue", s->api_options.work_queue,
                 "requests waiting for those threads; more are answered 503 with Retry-After")
      ->envname("LEDGER_WORK_QUEUE")
      ->capture_default_str();
  app.add_option(
         "--work-per-token", s->api_options.work_per_token,
         "requests one token may have on those threads or waiting for a position (atLeast); "
         "its next is answered 429 with Retry-After")
      ->envname("LEDGER_WORK_PER_TOKEN")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--resident-appends-per-hour", s->api_options.resident_appends_per_hour,
                 "events one resident's token may append in an hour, about; past it the append "
                 "is answered 429 with Retry-After (0: no limit)")
      ->envname("LEDGER_RESIDENT_APPENDS_PER_HOUR")
      ->capture_default_str();
  app.add_option("--staff-appends-per-hour", s->api_options.staff_appends_per_hour,
                 "the same for every other token but an admin's: community workers, company "
                 "staff, committees, auditors (0: no limit)")
      ->envname("LEDGER_STAFF_APPENDS_PER_HOUR")
      ->capture_default_str();
  app.add_option("--as-of-cache", s->engine_options.as_of_cache,
                 "view sets of earlier positions (asOf) kept for reuse; each holds what its "
                 "replay changed, a snapshot's index and filters, and what it read back")
      ->envname("LEDGER_AS_OF_CACHE")
      ->capture_default_str();
  app.add_option("--as-of-cache-mb", s->as_of_cache_mb,
                 "MiB of records read back from a snapshot that each such set keeps once built, "
                 "beside what its replay changed")
      ->envname("LEDGER_AS_OF_CACHE_MB")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--views-cache-mb", s->views_cache_mb,
                 "MiB of view records kept in memory beside those changed since the last write; "
                 "the rest are read back from the view store")
      ->envname("LEDGER_VIEWS_CACHE_MB")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--views-snapshot-events", s->engine_options.snapshot_events,
                 "events between two snapshots of the views, from which time travel (asOf) "
                 "starts (0: none)")
      ->envname("LEDGER_VIEWS_SNAPSHOT_EVENTS")
      ->capture_default_str();
  app.add_option("--views-snapshots", s->engine_options.snapshots_kept,
                 "snapshots of the views kept, spread over the whole history (see ledgerctl "
                 "stats for their size)")
      ->envname("LEDGER_VIEWS_SNAPSHOTS")
      ->capture_default_str();
  app.add_option("--views-month-snapshots", s->engine_options.month_end_snapshots_kept,
                 "snapshots of the views at month ends (in +08:00) kept, the newest, apart from "
                 "the ones above (0: none)")
      ->envname("LEDGER_VIEWS_MONTH_SNAPSHOTS")
      ->capture_default_str();
  app.add_option("--checkpoint-interval", s->checkpoint_interval_ms,
                 "milliseconds between signed checkpoints of the head (when it moved)")
      ->envname("LEDGER_CHECKPOINT_INTERVAL")
      ->capture_default_str();
  app.add_option("--verify-interval", s->verify_interval_s,
                 "seconds between background checks of the chain and the Merkle tree (0: only at "
                 "start)")
      ->envname("LEDGER_VERIFY_INTERVAL")
      ->capture_default_str();
}

// Fails with a message for the operator, the way every step of the start does.
int Fail(const std::string& message) {
  std::cerr << "ledgerd: " << message << "\n";
  return 1;
}

// The views in DATA/views; for a data folder that cannot be written (read-only, or full) a
// temporary copy in `scratch` instead: the views are derived data, so they are started from a
// copy of the stored ones (or rebuilt), and the stored ones catch up at the next start that can
// write them.
ledger::Result<std::unique_ptr<projections::Engine>> OpenViews(ledger::Ledger* log,
                                                               const Settings& settings,
                                                               ScratchFolder* scratch) {
  const std::string stored = settings.data + "/views";
  auto engine = projections::Engine::Open(log, stored, settings.engine_options);
  if (engine.ok() || log->Storage().writable()) return engine;
  std::string pattern = (std::filesystem::temp_directory_path() / "ledgerd-views-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return engine;
  scratch->path = pattern;
  std::error_code ignored;
  std::filesystem::copy(stored, pattern, std::filesystem::copy_options::recursive, ignored);
  std::cerr << "ledgerd: the views cannot be written in " << stored << " ("
            << engine.status().message() << "); keeping them in " << pattern
            << " until the next start\n";
  return projections::Engine::Open(log, pattern, settings.engine_options);
}

// Signed checkpoints, if the log has a signing key: null without one. `later` receives what to
// tell the operator after the line that names the address, which scripts read first.
ledger::Result<std::unique_ptr<ledger::Checkpointer>> OpenCheckpoints(
    ledger::Ledger* log, const Settings& settings, const ledger::IntegrityWatch& integrity,
    std::string* later) {
  auto key = ledger::LoadSigningKey(settings.data + "/" + ledger::kSigningKeyFile);
  if (key.status().code() == ledger::Code::kNotFound) {
    *later =
        "ledgerd: the log has no signing key, so no checkpoints are signed (make one with: "
        "ledgerctl init --origin NAME --data " +
        settings.data + ")\n";
    return std::unique_ptr<ledger::Checkpointer>();
  }
  if (!key.ok()) return key.status();
  ledger::CheckpointOptions checkpoint_options;
  checkpoint_options.interval = std::chrono::milliseconds(settings.checkpoint_interval_ms);
  if (auto report = integrity.Current(); !report.ok) {
    checkpoint_options.halted =
        ledger::Status::Corruption("the stored log was found altered at event " +
                                   std::to_string(report.bad_seq) + ": " + report.problem);
  }
  auto opened = ledger::Checkpointer::Open(log, std::move(key).value(),
                                           settings.data + "/" + ledger::kCheckpointsFolder,
                                           checkpoint_options);
  if (!opened.ok()) return opened.status();
  if (auto problem = (*opened)->Problem(); !problem.ok()) {
    *later = "ledgerd: signing no checkpoints: " + problem.message() + "\n";
  }
  return opened;
}

// The dashboard's files, or null when there are none to serve (--web off, or none found).
ledger::Result<std::unique_ptr<http::StaticFiles>> OpenDashboard(std::string web) {
  if (web.empty()) {
    std::error_code ignored;
    web = http::StaticFiles::Find(
        std::filesystem::read_symlink("/proc/self/exe", ignored).parent_path().string());
  }
  if (web.empty() || web == "off") return std::unique_ptr<http::StaticFiles>();
  auto opened = http::StaticFiles::Open(web);
  if (!opened.ok()) return ledger::Status::InvalidArgument("--web: " + opened.status().message());
  return opened;
}

// The lines scripts and operators read first: where the service listens, and the dashboard.
void Announce(const Settings& settings, uint16_t port, uint64_t head,
              const http::StaticFiles* files) {
  const std::string& listen = settings.listen;
  std::cout << "ledgerd: listening on http://"
            << (listen.find(':') != std::string::npos ? "[" + listen + "]" : listen) << ":" << port
            << " with " << settings.data << " at seq " << head << std::endl;
  if (files) {
    std::cout << "ledgerd: the dashboard (" << files->folder() << ") is at /" << std::endl;
  } else {
    std::cout << "ledgerd: no dashboard folder found (--web DIR); serving the API only"
              << std::endl;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledgerd: the community governance ledger's HTTP service"};
  Settings settings;
  AddOptions(app, &settings);
  CLI11_PARSE(app, argc, argv);
  settings.server_options.write_timeout = std::chrono::seconds(settings.write_timeout_s);
  if (settings.token_file.empty()) settings.token_file = settings.data + "/tokens";
  const std::string& data = settings.data;

  // A closed log pipe or a client gone mid-write must not kill the service.
  std::signal(SIGPIPE, SIG_IGN);
  // Signals are taken by this thread alone, with sigwait, so no handler runs at an odd moment.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ledger::Options options;
  options.sync = settings.sync;
  options.resume_free_bytes = settings.resume_free_mb << 20;
  auto log = ledger::Ledger::Open(data + "/ledger", options);
  if (!log.ok()) return Fail(log.status().ToString());
  if (auto storage = (*log)->Storage(); !storage.writable()) {
    std::cerr << "ledgerd: the ledger opened read-only (" << storage.problem
              << "): serving reads, refusing appends until the folder can be written again\n";
  }
  bool tty = isatty(STDERR_FILENO);
  settings.engine_options.cache_bytes = settings.views_cache_mb << 20;
  settings.engine_options.as_of_cache_bytes = settings.as_of_cache_mb << 20;
  settings.engine_options.progress = [tty](uint64_t applied, uint64_t head) {
    if (tty)
      std::fprintf(stderr, "\rviews: %llu of %llu events applied", (unsigned long long)applied,
                   (unsigned long long)head);
  };
  // Declared before the engine, so that it is removed after the engine has closed it.
  ScratchFolder scratch_views;
  auto engine = OpenViews(log->get(), settings, &scratch_views);
  if (!engine.ok()) return Fail(engine.status().ToString());
  auto caught_up = (*engine)->CatchUp();
  if (tty) std::fprintf(stderr, "\n");
  if (!caught_up.ok()) return Fail("the views could not catch up: " + caught_up.ToString());
  (*engine)->StartFollowing();

  // Declared first: the integrity watch stops it signing when the log is found altered.
  std::unique_ptr<ledger::Checkpointer> checkpointer;
  // The stored log must still prove itself: checked now, before serving, and at an interval.
  auto integrity = ledger::IntegrityWatch::Start(
      log->get(), std::chrono::milliseconds(settings.verify_interval_s * 1000),
      [&checkpointer](const ledger::IntegrityReport& report) {
        if (checkpointer) {
          checkpointer->Halt(
              ledger::Status::Corruption("the stored log was found altered at event " +
                                         std::to_string(report.bad_seq) + ": " + report.problem));
        }
      });
  if (auto report = integrity->Current(); !report.ok) {
    std::cerr << "ledgerd: the stored log does not prove itself at event " << report.bad_seq << ": "
              << report.problem << "; serving reads, refusing appends\n";
  }
  http::ApiOptions api_options = settings.api_options;
  api_options.integrity = integrity.get();

  std::string later;
  auto opened_checkpoints = OpenCheckpoints(log->get(), settings, *integrity, &later);
  if (!opened_checkpoints.ok()) return Fail(opened_checkpoints.status().ToString());
  checkpointer = std::move(opened_checkpoints).value();
  api_options.checkpoints = checkpointer.get();

  codec::EventJson json;
  http::TokenStore tokens(settings.token_file);
  http::Metrics metrics;
  http::Api api(log->get(), engine->get(), &tokens, &json, &metrics, api_options);
  // The dashboard: its files at /, the API under /v1/ as before.
  auto files = OpenDashboard(settings.web);
  if (!files.ok()) return Fail(files.status().message());
  std::unique_ptr<http::WebFront> front;
  if (*files) front = std::make_unique<http::WebFront>(&api, files->get());
  http::Handler* handler = front ? static_cast<http::Handler*>(front.get()) : &api;
  http::ServerOptions server_options = settings.server_options;
  server_options.address = settings.listen;
  server_options.port = settings.port;
  server_options.threads = settings.threads;
  server_options.metrics = &metrics;
  auto server = http::Server::Start(handler, server_options);
  if (!server.ok()) return Fail(server.status().ToString());
  Announce(settings, (*server)->port(), (*log)->Head().seq, files->get());
  std::cerr << later << std::flush;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "ledgerd: " << (received == SIGINT ? "SIGINT" : "SIGTERM")
            << ": finishing requests in flight" << std::endl;
  (*server)->Stop();
  server->reset();
  api.Stop();  // pending waits and queued work go before the engine they use
  integrity.reset();
  checkpointer.reset();
  engine->reset();  // stops following and closes the views
  log->reset();     // drains the writer and closes the ledger
  std::cout << "ledgerd: stopped cleanly" << std::endl;
  return 0;
}
