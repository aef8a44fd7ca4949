// ledgerctl's subcommands, one function each; tools/ledgerctl.cc reads the command line and calls
// them. Each prints what it did on stdout and returns the process's exit code: 0 done, 1 failed
// (said on stderr), 2 a check found the data bad (said on stdout).
//
// `data` is the data folder (--data): its ledger is in data/ledger, its views in data/views, its
// tokens in data/tokens and its signing key beside them.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "remote.h"

namespace ctl {

// --- the folder's ledger and its signing key (init.cc) ---

// Creates the ledger if absent; with a non-empty `origin`, names the log and makes its signing
// key once (a log keeps its name and key for good).
int InitFolder(const std::string& data, const std::string& origin);
// Prints the verifier key of the log's signing key.
int ShowKey(const std::string& data);

// --- reading the folder (inspect.cc) ---

int PrintHead(const std::string& data);
// The hash chain, the Merkle tree against every event, and the views' checkpoint on the chain.
int VerifyFolder(const std::string& data);
// Counts by event type and bytes per event.
int PrintStats(const std::string& data);
// The last `count` events as JSON lines; with `follow`, waits for more (appends in this process).
int TailEvents(const std::string& data, size_t count, bool follow);

// --- the views (rebuild.cc) ---

// Time travel's starting points a rebuild keeps, as ledgerd's settings of the same names
// (projections::EngineOptions).
struct SnapshotRetention {
  uint64_t snapshot_events = 0;
  size_t snapshots_kept = 0;
  size_t month_end_snapshots_kept = 0;
};
// Keeps time travel's starting points as ledgerd would with the same settings.
int RebuildViews(const std::string& data, const SnapshotRetention& retention);

// --- copies of the folder (backup.cc) ---

int BackupFolder(const std::string& data, const std::string& to);
// Copies a backup into a new data folder and verifies its chain.
int RestoreFolder(const std::string& from, const std::string& data);

// --- the log as newline-delimited CloudEvents (transfer.cc; the format in cloudevents.h) ---

// `out_path` "-" is standard output.
int ExportEvents(const std::string& data, const std::string& out_path);
int ImportEvents(const std::string& data, const std::string& in_path);

// --- bearer tokens for the HTTP API (tokens.cc) ---

struct TokenRequest {
  std::string role;  // by name, as http::ParseRole reads it
  std::string actor;
  std::vector<std::string> estates;
  std::string company;
};
// Prints the new token's secret, once.
int CreateToken(const std::string& data, const TokenRequest& request);
// One line a token: id, role, actor, estates, company, active or revoked; never the secret.
int ListTokens(const std::string& data);
int RevokeToken(const std::string& data, const std::string& id);

// --- a simulated district (simulate.cc) ---

struct SimulationRequest {
  uint64_t seed = 1;
  int estates = 12;
  int households = 250;  // per estate
  int years = 2;
};
// Into an empty ledger only.
int SimulateDistrict(const std::string& data, const SimulationRequest& request);

// --- reports (report.cc) ---

struct ReportRequest {
  std::string kind;  // "joint-meeting" or "star-evaluation"
  std::string estate;
  std::string from, to;  // joint-meeting: the period [from, to), as time text
  int year = 0;          // star-evaluation
  std::string at;        // star-evaluation: the instant a year under way is judged at; "" is now
  std::string format;    // json, csv or html
  std::string out_path;  // "-" is standard output
};
int WriteReport(const std::string& data, const ReportRequest& request);

// --- against a running ledgerd, which alone holds the folder open while it runs
//     (remote_commands.cc) ---

int RemoteHead(const Remote& remote);
// Without `follow`, stops at the head as it was when asked.
int RemoteTail(const Remote& remote, size_t count, bool follow);
// The server writes the backup into `to` (made absolute here).
int RemoteBackup(const Remote& remote, const std::string& to);

}  // namespace ctl
