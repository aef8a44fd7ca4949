#include "verify.h"

#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cloudevents.h"
#include "codec/event_json.h"
#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"

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

}  // namespace

int Audit(const std::string& export_path, const std::string& checkpoint_path,
          const std::string& vkey_path, const std::string& earlier_path) {
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
  if (earlier_path.empty()) return 0;

  auto earlier_text = ReadFile(earlier_path);
  if (!earlier_text.ok()) {
    std::cerr << "ledgerctl: " << earlier_text.status().message() << "\n";
    return 1;
  }
  auto earlier = ledger::OpenCheckpoint(*earlier_text, *verifier);
  if (!earlier.ok()) {
    std::cout << "BAD earlier checkpoint: " << earlier.status().message() << "\n";
    return 2;
  }
  const auto& a = earlier->body;
  const auto& b = checkpoint->body;
  auto nodes = [&](uint32_t level, uint64_t index) { return (*log)->TreeNode(level, index); };
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
