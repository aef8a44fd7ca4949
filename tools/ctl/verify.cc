#include "verify.h"

#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "cloudevents.h"
#include "codec/event_json.h"
#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"
#include "report_audit.h"

namespace ctl {
namespace {

namespace fs = std::filesystem;

ledger::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ledger::Status::NotFound("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ledger::Result<ledger::note::Verifier> LoadVerifier(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ledger::note::Verifier::Parse(*text);
}

std::string Describe(const ledger::CheckpointBody& b) {
  return "size " + std::to_string(b.size) + " root " +
         ledger::Base64Encode(ledger::merkle::Bytes(b.root));
}

// A folder removed with everything in it.
struct Scratch {
  std::string path;
  Scratch() {
    std::string pattern = (fs::temp_directory_path() / "ledgerctl-audit-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

// The later checkpoint's log extends the earlier one's, by a consistency proof computed from the
// scratch ledger that holds the export. Exit code as Audit's.
int CheckEarlier(ledger::Ledger* log, const ledger::note::Verifier& verifier,
                 const ledger::CheckpointBody& later, const std::string& earlier_path) {
  auto earlier_text = ReadFile(earlier_path);
  if (!earlier_text.ok()) {
    std::cerr << "ledgerctl: " << earlier_text.status().message() << "\n";
    return 1;
  }
  auto earlier = ledger::OpenCheckpoint(*earlier_text, verifier);
  if (!earlier.ok()) {
    std::cout << "BAD earlier checkpoint: " << earlier.status().message() << "\n";
    return 2;
  }
  const auto& a = earlier->body;
  const auto& b = later;
  auto nodes = [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); };
  auto proof = a.size == 0 ? ledger::Result<std::vector<ledger::Hash>>(std::vector<ledger::Hash>())
                           : ledger::merkle::ConsistencyProof(a.size, b.size, nodes);
  bool extends = a.size <= b.size && proof.ok() &&
                 (a.size == 0 ? a.root == *ledger::merkle::EmptyRoot()
                              : ledger::merkle::VerifyConsistency(
                                    a.size, b.size, ledger::merkle::Bytes(*proof),
                                    ledger::merkle::Bytes(a.root), ledger::merkle::Bytes(b.root)));
  if (!extends) {
    std::cout << "BAD the checkpoint at " << Describe(b) << " does not extend the earlier one at "
              << Describe(a) << "\n";
    return 2;
  }
  std::cout << "OK the checkpoint at " << Describe(b) << " extends the earlier one at "
            << Describe(a) << "\n";
  return 0;
}

// The report computed again from the export at its position and compared figure by figure.
// Exit code as Audit's.
int CheckReport(ledger::Ledger* log, const std::string& views_dir, const ReportClaim& claim) {
  // The root the server named for the report's position must be the export's at that position:
  // the figures then come from exactly the events this audit replays.
  if (claim.root) {
    auto root = ledger::merkle::RootOf(claim.position, [&](uint32_t level, uint64_t index) {
      return log->TreeNode(level, index);
    });
    if (!root.ok()) {
      std::cerr << "ledgerctl: " << root.status().message() << "\n";
      return 1;
    }
    std::string ours = ledger::Base64Encode(ledger::merkle::Bytes(*root));
    if (ours != *claim.root) {
      std::cout << "DIFFERS checkpoint.root: report \"" << *claim.root << "\", recomputed \""
                << ours << "\"\n";
      std::cout << "BAD report: it names another log than the export at position " << claim.position
                << "\n";
      return 2;
    }
  }
  auto recomputed = RecomputeReport(log, views_dir, claim);
  if (!recomputed.ok()) {
    std::cerr << "ledgerctl: cannot recompute the " << claim.name
              << " report: " << recomputed.status().message() << "\n";
    return 1;
  }
  size_t checked = 0;
  auto differences = CompareFigures(claim.figures, *recomputed, &checked);
  for (const auto& d : differences) {
    std::cout << "DIFFERS " << d.path << ": report " << d.report << ", recomputed " << d.recomputed
              << "\n";
  }
  std::string what = "the " + claim.name + " report at position " + std::to_string(claim.position);
  if (!differences.empty()) {
    std::cout << "BAD report: " << differences.size() << " of " << checked << " figures of " << what
              << " differ from the export's\n";
    return 2;
  }
  std::cout << "OK report: " << checked << " figures checked; " << what
            << " is what the export gives\n";
  return 0;
}

}  // namespace

int Audit(const std::string& export_path, const std::string& checkpoint_path,
          const std::string& vkey_path, const std::string& earlier_path,
          const std::string& report_path) {
  auto verifier = LoadVerifier(vkey_path);
  if (!verifier.ok()) {
    std::cerr << "ledgerctl: " << verifier.status().message() << "\n";
    return 1;
  }
  auto note_text = ReadFile(checkpoint_path);
  if (!note_text.ok()) {
    std::cerr << "ledgerctl: " << note_text.status().message() << "\n";
    return 1;
  }
  auto checkpoint = ledger::OpenCheckpoint(*note_text, *verifier);
  if (!checkpoint.ok()) {
    std::cout << "BAD checkpoint: " << checkpoint.status().message() << "\n";
    return 2;
  }
  std::cout << "checkpoint of " << checkpoint->body.origin << " at " << Describe(checkpoint->body)
            << ": signature verified with " << verifier->name() << "\n";

  // The report is read before the export is replayed, so that a file that is not a report, or
  // one the checkpoint does not cover, is named at once.
  std::optional<ReportClaim> claim;
  if (!report_path.empty()) {
    auto report_text = ReadFile(report_path);
    if (!report_text.ok()) {
      std::cerr << "ledgerctl: " << report_text.status().message() << "\n";
      return 1;
    }
    auto read = ReadReportClaim(*report_text);
    if (!read.ok()) {
      std::cerr << "ledgerctl: " << report_path << ": " << read.status().message() << "\n";
      return 1;
    }
    if (read->position > checkpoint->body.size) {
      // Not a mismatch: the signed log does not reach that far, so nothing vouches for the
      // events the figures were computed from. A later checkpoint can.
      std::cerr << "ledgerctl: " << report_path << " was computed at position " << read->position
                << ", beyond the checkpoint's size " << checkpoint->body.size
                << ": the signed log does not cover it; audit it with a checkpoint of size "
                << read->position << " or more (GET /v1/checkpoint)\n";
      return 1;
    }
    claim = std::move(*read);
  }

  std::ifstream in(export_path);
  if (!in) {
    std::cerr << "ledgerctl: cannot read " << export_path << "\n";
    return 1;
  }
  Scratch scratch;
  if (scratch.path.empty()) {
    std::cerr << "ledgerctl: cannot make a scratch folder\n";
    return 1;
  }
  // The export replayed into a ledger of its own: the import checks the whole chain, and the
  // ledger builds the Merkle tree of exactly those records.
  int64_t recorded_at = 0;
  ledger::Options options;
  options.sync = false;
  options.normalize = false;
  options.clock = [&recorded_at] { return recorded_at; };
  auto log = ledger::Ledger::Open(scratch.path + "/ledger", options);
  if (!log.ok()) {
    std::cerr << "ledgerctl: " << log.status().message() << "\n";
    return 1;
  }
  codec::EventJson json;
  auto imported = ImportCloudEvents(json, log->get(), in, &recorded_at, nullptr);
  if (!imported.ok()) {
    std::cout << "BAD export: " << imported.status().message() << "\n";
    return 2;
  }
  uint64_t size = checkpoint->body.size;
  if (imported->head.seq < size) {
    std::cout << "BAD export: it holds " << imported->head.seq << " events, the checkpoint " << size
              << "\n";
    return 2;
  }
  auto root = ledger::merkle::RootOf(
      size, [&](uint32_t level, uint64_t index) { return (*log)->TreeNode(level, index); });
  if (!root.ok()) {
    std::cerr << "ledgerctl: " << root.status().message() << "\n";
    return 1;
  }
  if (*root != checkpoint->body.root) {
    std::cout << "BAD export: its first " << size << " events give root "
              << ledger::Base64Encode(ledger::merkle::Bytes(*root)) << ", the checkpoint signed "
              << ledger::Base64Encode(ledger::merkle::Bytes(checkpoint->body.root)) << "\n";
    return 2;
  }
  std::cout << "OK the export's first " << size << " events (of " << imported->head.seq
            << ", chain verified) give the signed root\n";
  int code = 0;
  if (!earlier_path.empty())
    code = CheckEarlier(log->get(), *verifier, checkpoint->body, earlier_path);
  if (code == 1 || !claim) return code;
  return std::max(code, CheckReport(log->get(), scratch.path + "/views", *claim));
}

int Monitor(const Remote& remote, const std::string& vkey_path, const std::string& state_dir,
            uint64_t interval_ms, uint64_t count) {
  auto verifier = LoadVerifier(vkey_path);
  if (!verifier.ok()) {
    std::cerr << "ledgerctl: " << verifier.status().message() << "\n";
    return 1;
  }
  std::error_code error;
  fs::create_directories(state_dir, error);
  std::string last_path = state_dir + "/latest.checkpoint";
  for (uint64_t round = 0; count == 0 || round < count; ++round) {
    if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    auto reply = Call(remote, "GET", "/v1/checkpoint");
    if (!reply.ok() || reply->status != 200) {
      std::cerr << "ledgerctl: cannot fetch the checkpoint: "
                << (reply.ok() ? reply->body : reply.status().message()) << "\n";
      return 1;
    }
    auto now = ledger::OpenCheckpoint(reply->body, *verifier);
    if (!now.ok()) {
      std::cout << "ALARM bad signature: " << now.status().message() << "\n";
      return 2;
    }
    auto last_text = ReadFile(last_path);
    if (last_text.ok()) {
      auto last = ledger::OpenCheckpoint(*last_text, *verifier);
      if (!last.ok()) {
        std::cerr << "ledgerctl: the kept checkpoint " << last_path
                  << " does not verify: " << last.status().message() << "\n";
        return 1;
      }
      const auto& a = last->body;
      const auto& b = now->body;
      std::string both = " (last seen: " + Describe(a) + "; now: " + Describe(b) + ")";
      if (b.size < a.size) {
        std::cout << "ALARM rollback: the log is smaller than a checkpoint it signed" << both
                  << "\n";
        return 2;
      }
      if (b.size == a.size && b.root != a.root) {
        std::cout << "ALARM fork: two roots signed for one size" << both << "\n";
        return 2;
      }
      if (b.size > a.size && a.size > 0) {
        auto proof = Call(remote, "GET",
                          "/v1/proofs/consistency?from=" + std::to_string(a.size) +
                              "&to=" + std::to_string(b.size));
        if (!proof.ok() || proof->status != 200) {
          std::cerr << "ledgerctl: cannot fetch the consistency proof: "
                    << (proof.ok() ? proof->body : proof.status().message()) << "\n";
          return 1;
        }
        std::vector<std::string> hashes;
        boost::json::error_code ec;
        auto parsed = boost::json::parse(proof->body, ec);
        if (!ec && parsed.is_object() && parsed.as_object().contains("proof") &&
            parsed.at("proof").is_array()) {
          for (const auto& h : parsed.at("proof").as_array()) {
            auto bytes =
                h.is_string() ? ledger::Base64Decode(std::string(h.as_string())) : std::nullopt;
            hashes.push_back(bytes.value_or(""));
          }
        }
        if (!ledger::merkle::VerifyConsistency(a.size, b.size, hashes,
                                               ledger::merkle::Bytes(a.root),
                                               ledger::merkle::Bytes(b.root))) {
          std::cout << "ALARM fork: the log does not extend the checkpoint seen before" << both
                    << "\n";
          return 2;
        }
      }
      if (b.size != a.size) {
        std::cout << "ok " << Describe(b) << " extends " << Describe(a) << "\n";
      } else {
        std::cout << "ok " << Describe(b) << " unchanged\n";
      }
    } else {
      std::cout << "ok first checkpoint " << Describe(now->body) << "\n";
    }
    std::ofstream(last_path, std::ios::trunc) << now->note;
  }
  return 0;
}

}  // namespace ctl
