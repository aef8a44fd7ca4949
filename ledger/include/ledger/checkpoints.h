// Signed checkpoints of the log (C2SP tlog-checkpoint v1.0.0 as a signed note, signed_note.h),
// the signing key's file, and the signer that keeps every checkpoint it signed.
//
// A checkpoint's text is three lines: the log's origin (its name, e.g. district.example/ledger),
// the tree size in decimal, and the base64 Merkle root of that many events (merkle.h):
//
//   district.example/ledger
//   1042
//   rLmy3dE...=
//
//   — district.example/ledger AbCd...
//
// The signer signs a checkpoint of the head at most once per interval (and only if the head
// moved), or at once when asked (a receipt for an event no checkpoint covers yet). Each is kept in
// its own file, named by its size, so any checkpoint ever signed can be fetched again. Before it
// signs, the signer checks that the last checkpoint it signed is a prefix of the tree now (its
// root recomputed at its size): a log altered, rolled back or restored from another history is
// never signed again, so two signed checkpoints that no consistency proof links cannot exist.
//
//   auto key = ledger::LoadSigningKey("var/signing.key");
//   auto signer = ledger::Checkpointer::Open(log, std::move(key).value(), "var/checkpoints", {});
//   auto latest = (*signer)->Latest();

#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "ledger/ledger.h"
#include "ledger/signed_note.h"

namespace ledger {

// Where a data folder keeps the signing key and the checkpoints signed with it.
inline constexpr const char kSigningKeyFile[] = "signing.key";
inline constexpr const char kCheckpointsFolder[] = "checkpoints";

struct CheckpointBody {
  std::string origin;
  uint64_t size = 0;
  Hash root{};

  // The note text: origin, size and root, each line ending in "\n".
  std::string Text() const;
  // Reads a checkpoint's text (extension lines allowed and ignored); InvalidArgument saying
  // which line is wrong.
  static Result<CheckpointBody> Parse(std::string_view text);
};

struct SignedCheckpoint {
  CheckpointBody body;
  std::string note;  // the whole signed note
};

// Opens a signed checkpoint: the note must carry a valid signature of `verifier`, whose name is
// the checkpoint's origin.
Result<SignedCheckpoint> OpenCheckpoint(std::string_view note, const note::Verifier& verifier);

// Creates the signing key file `path` for a log named `origin`, readable by its owner only.
// AlreadyExists if there is one.
Status CreateSigningKey(const std::string& path, const std::string& origin);
// Reads the signing key file; PermissionDenied if others than its owner may read it.
Result<note::SigningKey> LoadSigningKey(const std::string& path);

struct CheckpointOptions {
  // Sign a checkpoint of the head at most this often (when it moved).
  std::chrono::milliseconds interval{10000};
  // Not ok: open without signing anything, for this reason (the log was found altered).
  Status halted;
};

class Checkpointer {
 public:
  // Keeps checkpoints in `dir` (created if absent), signs with `key`. Checks the latest one kept
  // against the tree; if they disagree the checkpointer opens but never signs (Problem() says
  // why), and the earlier checkpoints can still be fetched.
  static Result<std::unique_ptr<Checkpointer>> Open(Ledger* log, note::SigningKey key,
                                                    const std::string& dir,
                                                    CheckpointOptions options);
  ~Checkpointer();

  const std::string& origin() const { return key_.name(); }
  std::string VerifierKey() const { return key_.VerifierKey(); }

  // The latest checkpoint signed (one of the head is signed first if there is none yet).
  Result<SignedCheckpoint> Latest();
  // The checkpoint of tree size `size`, if one was signed; NotFound otherwise.
  Result<SignedCheckpoint> AtSize(uint64_t size) const;
  // A checkpoint whose tree holds event `seq`: the latest, after signing one of the head now if
  // the latest does not reach `seq`. Fails while signing has stopped (Problem()).
  Result<SignedCheckpoint> Covering(uint64_t seq);
  // Ok while signing; otherwise why it stopped.
  Status Problem() const;
  // Stops signing for good, for `why` (the stored log was found altered: integrity.h).
  void Halt(const Status& why);

 private:
  Checkpointer(Ledger* log, note::SigningKey key, std::string dir, CheckpointOptions options);
  // Signs a checkpoint of the head if it is past the latest.
  Status SignHeadLocked() REQUIRES(mu_);
  void Loop();

  Ledger* log_;
  note::SigningKey key_;
  std::string dir_;
  CheckpointOptions options_;

  mutable base::Mutex mu_;
  base::CondVar cv_;  // signalled when stopping_ is set
  std::optional<SignedCheckpoint> latest_ GUARDED_BY(mu_);
  Status problem_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  // Started by Open and joined by the destructor, on the thread that owns the checkpointer.
  std::thread thread_;
};

}  // namespace ledger
