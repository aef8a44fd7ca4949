// The routes that let anyone check the log without trusting the server: signed checkpoints,
// Merkle inclusion and consistency proofs, and an event's receipt.
//
//   GET /v1/checkpoint[?size=N]             the latest signed checkpoint (text/plain, a C2SP
//                                           signed note), or the one signed at size N
//   GET /v1/proofs/inclusion?seq=S&size=N   the audit path of event S in the tree of N events
//   GET /v1/proofs/consistency?from=N1&to=N2
//                                           the proof that the tree of N1 events is a prefix of
//                                           the tree of N2
//   GET /v1/events/{seq}/receipt            the event's tlog-proof (c2sp.org/tlog-proof@v1): its
//                                           record (extra), index, audit path, and a signed
//                                           checkpoint that covers it
//
// Who may ask: checkpoints and proofs carry hashes only (a root, sibling hashes), from which no
// event can be read back, so any token may fetch them. A receipt carries the event's record (the
// bytes its leaf hashes, with the event's content) and tells its position, so it is given only
// for an event the caller recorded, or may read as a raw event (the read scope of
// http/permissions.h).

#pragma once

#include <optional>
#include <string>

#include "http/message.h"
#include "http/metrics.h"
#include "http/permissions.h"
#include "http/routes.h"
#include "ledger/checkpoints.h"
#include "ledger/ledger.h"
#include "problem.h"

namespace http {

class Proofs {
 public:
  // `checkpoints` may be null: the log has no signing key.
  Proofs(ledger::Ledger* log, ledger::Checkpointer* checkpoints, const Permissions* permissions,
         Metrics* metrics)
      : log_(log), checkpoints_(checkpoints), permissions_(permissions), metrics_(metrics) {}

  Response Checkpoint(const Target& target);
  Response Inclusion(const Target& target);
  Response Consistency(const Target& target);
  // `seq_text` is the path's {seq}.
  Response Receipt(const std::string& seq_text, const Principal& who);

  // `?receipt=` on an append, read before anything is appended: whether it is wanted, or the
  // refusal (a value other than true or false; a log that signs nothing, or has stopped
  // signing, cannot give one). Who may have it needs no check here: the events of an append
  // are recorded by the caller's token, and read.receipt gives a receipt for those.
  Checked<bool> ReceiptWanted(const Target& target);
  // The append answer's ',"receipt":"<tlog-proof>"' for event `seq` (the last appended), in
  // the form of GET /v1/events/{seq}/receipt; or ',"receipt":null,"receiptProblem":"..."' when
  // it cannot be given once the events are in (a duplicate recorded by another token).
  std::string ReceiptMember(uint64_t seq, const Principal& who);

  // For a view or report computed at position `seq`: ',"checkpoint":{...}' naming the Merkle root
  // of the first `seq` events, the latest signed checkpoint if it covers them, and the route whose
  // consistency proof shows the one is a prefix of the other. "" without a signing key.
  std::string PositionMember(uint64_t seq);

 private:
  // The receipt of event `seq` for `who` (a tlog-proof), or the refusal.
  Checked<std::string> ReceiptOf(uint64_t seq, const Principal& who);
  Response Refuse(const Problem& problem) { return CountedProblem(metrics_, problem); }
  static Problem NoKey();

  ledger::Ledger* log_;
  ledger::Checkpointer* checkpoints_;
  const Permissions* permissions_;
  Metrics* metrics_;
};

}  // namespace http
