// ledgerctl: the command-line tool for a ledger's data folder.
//
// Every subcommand that works on the embedded folder takes --data DIR (default var/), and has
// --help. Long work shows progress and a rate on a terminal and stays quiet otherwise.
//
// This file is the command line: the subcommands, their flags and which function runs each. The
// work is in tools/ctl/ (commands.h names a function for each subcommand; verify.h the audit and
// the monitor).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "ctl/commands.h"
#include "ctl/common.h"
#include "ctl/remote.h"
#include "ctl/verify.h"
#include "ledger/rule_book.h"
#include "projections/engine.h"

namespace {

// Every flag's value, filled in by CLI11.
struct Flags {
  std::string data = "var";
  std::string origin;
  size_t count = 20;
  bool follow = false;
  std::string to, from, file = "-";
  ctl::TokenRequest token;
  std::string token_id;
  ctl::SimulationRequest simulation;
  std::string estate, period_from, period_to, judged_at, format = "json", out = "-";
  int year = 0;
  std::string export_path, checkpoint_path, vkey_path, state_dir, earlier_path, report_path;
  uint64_t interval_ms = 60000, rounds = 0;
  std::string server, server_token;
  int64_t server_timeout_s = -1;  // -1: not given
  // Time travel's starting points a rebuild keeps, as ledgerd's settings of the same names.
  uint64_t snapshot_events = projections::EngineOptions{}.snapshot_events;
  size_t snapshots = projections::EngineOptions{}.snapshots_kept;
  size_t month_snapshots = projections::EngineOptions{}.month_end_snapshots_kept;
};

// The subcommands, to ask which one was given.
struct Commands {
  CLI::App *init, *key_show, *head, *verify, *rebuild, *stats, *tail, *backup, *restore, *exporter,
      *importer, *token_create, *token_list, *token_revoke, *simulate, *joint_meeting,
      *star_evaluation, *permissions, *audit, *monitor;
};

// --data DIR, which every subcommand on the data folder takes.
void DataOption(CLI::App* sub, Flags& f) {
  sub->add_option("--data", f.data, "the data folder")->capture_default_str();
}

// The subcommands that work on the data folder's ledger and views.
void AddFolderCommands(CLI::App& app, Flags& f, Commands& c) {
  auto data_option = [&](CLI::App* sub) { DataOption(sub, f); };
  c.init = app.add_subcommand("init", "create the data folder's ledger if absent");
  data_option(c.init);
  c.init->add_option("--origin", f.origin,
                     "name the log (e.g. district.example/ledger) and create its signing key");
  auto* key_cmd = app.add_subcommand("key", "the log's signing key");
  key_cmd->require_subcommand(1);
  c.key_show = key_cmd->add_subcommand("show", "print the verifier key (signed-note vkey)");
  data_option(c.key_show);
  c.head = app.add_subcommand("head", "print the head: sequence number and hash");
  data_option(c.head);
  c.verify = app.add_subcommand("verify", "recompute the chain; check the views' checkpoint");
  data_option(c.verify);
  c.rebuild = app.add_subcommand("rebuild", "rebuild every view from the first event");
  data_option(c.rebuild);
  c.rebuild
      ->add_option("--views-snapshot-events", f.snapshot_events,
                   "events between two snapshots of the views kept (0: none; as ledgerd's)")
      ->capture_default_str();
  c.rebuild
      ->add_option("--views-snapshots", f.snapshots,
                   "of those, how many are kept, spread over the history (as ledgerd's)")
      ->capture_default_str();
  c.rebuild
      ->add_option("--views-month-snapshots", f.month_snapshots,
                   "month-end snapshots of the views kept (0: none; as ledgerd's)")
      ->capture_default_str();
  c.stats = app.add_subcommand("stats", "counts by event type and bytes per event");
  data_option(c.stats);

  c.tail = app.add_subcommand("tail", "print the last events as JSON");
  data_option(c.tail);
  c.tail->add_option("-n,--count", f.count, "how many")->capture_default_str();
  c.tail->add_flag("-f,--follow", f.follow,
                   "keep printing new events (with --server: every event ledgerd appends)");

  c.backup = app.add_subcommand("backup", "a consistent copy of the ledger (RocksDB checkpoint)");
  data_option(c.backup);
  c.backup->add_option("--to", f.to, "a new folder for the copy")->required();
  c.restore = app.add_subcommand("restore", "restore a backup into a new data folder");
  data_option(c.restore);
  c.restore->add_option("--from", f.from, "the backup folder")->required();

  c.exporter = app.add_subcommand("export", "newline-delimited CloudEvents 1.0 JSON");
  data_option(c.exporter);
  c.exporter->add_option("--out", f.file, "the file, or - for standard output")
      ->capture_default_str();
  c.importer = app.add_subcommand("import",
                                  "restore an export into a folder without events, all or nothing; "
                                  "its chain and every event's envelope must verify");
  data_option(c.importer);
  c.importer->add_option("--in", f.file, "the file")->required();
}

// Tokens, the simulator and reports: also on the data folder.
void AddTokenSimulateReportCommands(CLI::App& app, Flags& f, Commands& c) {
  auto data_option = [&](CLI::App* sub) { DataOption(sub, f); };
  auto* token = app.add_subcommand("token", "bearer tokens for the HTTP API");
  token->require_subcommand(1);
  c.token_create = token->add_subcommand("create", "create a token and print its secret once");
  data_option(c.token_create);
  c.token_create
      ->add_option(
          "--role", f.token.role,
          "resident, companyStaff, communityWorker, streetAuditor, ownersCommittee or admin")
      ->required();
  c.token_create->add_option("--actor", f.token.actor, "the person the token acts for")->required();
  c.token_create->add_option("--estate", f.token.estates, "an estate it may act for (repeatable)");
  c.token_create->add_option("--company", f.token.company, "the company of company staff");
  c.token_list = token->add_subcommand("list", "list tokens (never their secrets)");
  data_option(c.token_list);
  c.token_revoke = token->add_subcommand("revoke", "revoke a token by id");
  data_option(c.token_revoke);
  c.token_revoke->add_option("id", f.token_id, "the token id, as listed")->required();

  c.simulate = app.add_subcommand("simulate", "write a deterministic simulated district");
  data_option(c.simulate);
  c.simulate->add_option("--seed", f.simulation.seed, "the seed; one seed gives one ledger")
      ->capture_default_str();
  c.simulate->add_option("--estates", f.simulation.estates, "estates")->capture_default_str();
  c.simulate->add_option("--households", f.simulation.households, "households per estate")
      ->capture_default_str();
  c.simulate->add_option("--years", f.simulation.years, "years, from 2024")->capture_default_str();

  auto* report = app.add_subcommand("report", "a report as JSON, CSV or a printable HTML page");
  report->require_subcommand(1);
  c.joint_meeting = report->add_subcommand("joint-meeting", "the report before a joint meeting");
  data_option(c.joint_meeting);
  c.joint_meeting->add_option("--estate", f.estate, "the estate")->required();
  c.joint_meeting
      ->add_option("--from", f.period_from, "start of the period, e.g. 2025-03-01T00:00:00+08:00")
      ->required();
  c.joint_meeting->add_option("--to", f.period_to, "end of the period (exclusive)")->required();
  c.star_evaluation = report->add_subcommand("star-evaluation", "the annual star evaluation");
  data_option(c.star_evaluation);
  c.star_evaluation->add_option("--year", f.year, "the year")->required();
  c.star_evaluation->add_option("--at", f.judged_at,
                                "the instant a year under way is judged at (default: now)");
  for (auto* sub : {c.joint_meeting, c.star_evaluation}) {
    sub->add_option("--format", f.format, "json, csv or html")->capture_default_str();
    sub->add_option("--out", f.out, "the file, or - for standard output")->capture_default_str();
  }
}

// The subcommands that need no data folder: the rule book, the audit of an export, the monitor
// of a running ledgerd; then --server for those that can ask a running ledgerd instead.
void AddOtherCommands(CLI::App& app, Flags& f, Commands& c) {
  c.permissions =
      app.add_subcommand("permissions", "the rule book: who may append which event, and where");

  c.audit = app.add_subcommand(
      "audit", "offline: check an export against a signed checkpoint and the log's verifier key");
  c.audit->add_option("--export", f.export_path, "the export (ledgerctl export)")->required();
  c.audit->add_option("--checkpoint", f.checkpoint_path, "a signed checkpoint (GET /v1/checkpoint)")
      ->required();
  c.audit->add_option("--vkey", f.vkey_path, "the log's verifier key (ledgerctl key show)")
      ->required();
  c.audit->add_option("--earlier", f.earlier_path,
                      "an earlier signed checkpoint: check that the log extends it");
  c.audit->add_option("--report", f.report_path,
                      "a report (JSON from /v1/reports/... or ledgerctl report): recompute it "
                      "from the export at its position and compare it figure by figure");
  c.monitor = app.add_subcommand(
      "monitor", "follow a ledgerd's checkpoints; exit non-zero on a fork or a rollback");
  c.monitor->add_option("--vkey", f.vkey_path, "the log's verifier key")->required();
  c.monitor->add_option("--state", f.state_dir, "a folder keeping the last checkpoint seen")
      ->required();
  c.monitor->add_option("--interval", f.interval_ms, "milliseconds between checks")
      ->capture_default_str();
  c.monitor->add_option("--count", f.rounds, "stop after this many checks (0: never)")
      ->capture_default_str();

  for (auto* sub : {c.head, c.tail, c.backup, c.monitor}) {
    sub->add_option("--server", f.server,
                    "a running ledgerd instead of the folder, e.g. http://127.0.0.1:8080");
    sub->add_option("--token", f.server_token,
                    "a bearer token for --server (backup needs an admin's)");
    sub->add_option("--timeout", f.server_timeout_s,
                    "seconds one request to --server may take, answer included (0: no limit; "
                    "backup: 3600 unless given)")
        ->check(CLI::NonNegativeNumber);
  }
}

// The subcommands given --server: asked of a running ledgerd. -1 if this is not one of them.
int RunRemote(const Flags& f, const Commands& c) {
  auto remote = ctl::Remote::Parse(f.server, f.server_token);
  if (!remote.ok()) return ctl::Fail(remote.status());
  // A backup is written by the server before it answers: an hour, unless told.
  remote->timeout =
      std::chrono::seconds(f.server_timeout_s >= 0 ? f.server_timeout_s : (*c.backup ? 3600 : 60));
  if (*c.head) return ctl::RemoteHead(*remote);
  if (*c.tail) return ctl::RemoteTail(*remote, f.count, f.follow);
  if (*c.backup) return ctl::RemoteBackup(*remote, f.to);
  if (*c.monitor) return ctl::Monitor(*remote, f.vkey_path, f.state_dir, f.interval_ms, f.rounds);
  return -1;
}

int Run(const Flags& f, const Commands& c) {
  if (!f.server.empty()) {
    if (int code = RunRemote(f, c); code >= 0) return code;
  }
  if (*c.monitor) return ctl::Fail("monitor needs --server URL and --token TOKEN");
  if (*c.audit) {
    return ctl::Audit(f.export_path, f.checkpoint_path, f.vkey_path, f.earlier_path, f.report_path);
  }
  if (*c.permissions) {
    std::cout << ledger::RuleTableMarkdown();
    return 0;
  }
  if (*c.init) return ctl::InitFolder(f.data, f.origin);
  if (*c.key_show) return ctl::ShowKey(f.data);
  if (*c.head) return ctl::PrintHead(f.data);
  if (*c.verify) return ctl::VerifyFolder(f.data);
  if (*c.rebuild)
    return ctl::RebuildViews(f.data, {f.snapshot_events, f.snapshots, f.month_snapshots});
  if (*c.stats) return ctl::PrintStats(f.data);
  if (*c.tail) return ctl::TailEvents(f.data, f.count, f.follow);
  if (*c.backup) return ctl::BackupFolder(f.data, f.to);
  if (*c.restore) return ctl::RestoreFolder(f.from, f.data);
  if (*c.exporter) return ctl::ExportEvents(f.data, f.file);
  if (*c.importer) return ctl::ImportEvents(f.data, f.file);
  if (*c.token_create) return ctl::CreateToken(f.data, f.token);
  if (*c.token_list) return ctl::ListTokens(f.data);
  if (*c.token_revoke) return ctl::RevokeToken(f.data, f.token_id);
  if (*c.simulate) return ctl::SimulateDistrict(f.data, f.simulation);
  if (*c.joint_meeting) {
    return ctl::WriteReport(
        f.data, {"joint-meeting", f.estate, f.period_from, f.period_to, 0, "", f.format, f.out});
  }
  if (*c.star_evaluation) {
    return ctl::WriteReport(f.data,
                            {"star-evaluation", "", "", "", f.year, f.judged_at, f.format, f.out});
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledgerctl: the community governance ledger's command-line tool"};
  app.require_subcommand(1);
  Flags flags;
  Commands commands{};
  AddFolderCommands(app, flags, commands);
  AddTokenSimulateReportCommands(app, flags, commands);
  AddOtherCommands(app, flags, commands);
  CLI11_PARSE(app, argc, argv);
  return Run(flags, commands);
}
