#include "proofs.h"

#include <charconv>

#include "ledger/base64.h"
#include "ledger/merkle.h"

namespace http {
namespace {

bool ParseNumber(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

std::string HashList(const std::vector<ledger::Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    out += (i ? ",\"" : "\"") + ledger::Base64Encode(ledger::merkle::Bytes(hashes[i])) + "\"";
  }
  return out + "]";
}

Response Text(std::string body) {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response Json(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

}  // namespace

Problem Proofs::NoKey() {
  return ledger::Status::NotFound(
      "this ledger signs no checkpoints: it has no signing key yet (its operator makes one with: "
      "ledgerctl init --origin NAME)");
}

Response Proofs::Checkpoint(const Target& target) {
  if (!checkpoints_) return Refuse(NoKey());
  std::string size_text = target.Param("size");
  if (size_text.empty()) {
    auto latest = checkpoints_->Latest();
    if (!latest.ok()) return Refuse(Problem(latest.status()).As(503, "checkpoint"));
    return Text(latest->note);
  }
  uint64_t size = 0;
  if (!ParseNumber(size_text, &size)) {
    return Refuse(ledger::Status::InvalidArgument(
        "size: \"" + size_text + "\" is not a tree size; use a number such as 1042"));
  }
  auto at = checkpoints_->AtSize(size);
  if (!at.ok()) {
    if (at.status().code() == ledger::Code::kNotFound) return Refuse(at.status());
    return Refuse(Problem(at.status()).As(503, "checkpoint"));
  }
  return Text(at->note);
}

Response Proofs::Inclusion(const Target& target) {
  uint64_t seq = 0, size = 0;
  std::string seq_text = target.Param("seq"), size_text = target.Param("size");
  uint64_t head = log_->Head().seq;
  if (!ParseNumber(seq_text, &seq) || !ParseNumber(size_text, &size) || seq == 0 || seq > size ||
      size > head) {
    return Refuse(ledger::Status::InvalidArgument(
        "seq and size: give an event's sequence number and a tree size with 1 <= seq <= size <= "
        "the head (" +
        std::to_string(head) + "), e.g. ?seq=5&size=" + std::to_string(head)));
  }
  auto nodes = [this](uint32_t level, uint64_t index) { return log_->TreeNode(level, index); };
  auto proof = ledger::merkle::InclusionProof(seq - 1, size, nodes);
  auto root = ledger::merkle::RootOf(size, nodes);
  if (!proof.ok() || !root.ok()) {
    return Refuse(Problem(proof.ok() ? root.status() : proof.status()).As(503, "storage"));
  }
  return Json("{\"seq\":" + std::to_string(seq) + ",\"index\":" + std::to_string(seq - 1) +
              ",\"treeSize\":" + std::to_string(size) + ",\"root\":\"" +
              ledger::Base64Encode(ledger::merkle::Bytes(*root)) +
              "\",\"proof\":" + HashList(*proof) + "}");
}

Response Proofs::Consistency(const Target& target) {
  uint64_t from = 0, to = 0;
  std::string from_text = target.Param("from"), to_text = target.Param("to");
  uint64_t head = log_->Head().seq;
  if (!ParseNumber(from_text, &from) || !ParseNumber(to_text, &to) || from == 0 || from > to ||
      to > head) {
    return Refuse(ledger::Status::InvalidArgument(
        "from and to: give two tree sizes with 1 <= from <= to <= the head (" +
        std::to_string(head) + "), e.g. ?from=1&to=" + std::to_string(head)));
  }
  auto nodes = [this](uint32_t level, uint64_t index) { return log_->TreeNode(level, index); };
  auto proof = ledger::merkle::ConsistencyProof(from, to, nodes);
  auto root1 = ledger::merkle::RootOf(from, nodes);
  auto root2 = ledger::merkle::RootOf(to, nodes);
  if (!proof.ok() || !root1.ok() || !root2.ok()) {
    return Refuse(ledger::Status::IOError("the Merkle tree cannot be read"));
  }
  return Json("{\"size1\":" + std::to_string(from) + ",\"size2\":" + std::to_string(to) +
              ",\"root1\":\"" + ledger::Base64Encode(ledger::merkle::Bytes(*root1)) +
              "\",\"root2\":\"" + ledger::Base64Encode(ledger::merkle::Bytes(*root2)) +
              "\",\"proof\":" + HashList(*proof) + "}");
}

Response Proofs::Receipt(const std::string& seq_text, const Principal& who) {
  uint64_t seq = 0;
  if (!ParseNumber(seq_text, &seq) || seq == 0) {
    return Refuse(ledger::Status::InvalidArgument(
        "\"" + seq_text + "\" is not a sequence number; use /v1/events/42/receipt"));
  }
  Checked<std::string> receipt = ReceiptOf(seq, who);
  if (!receipt.ok()) return Refuse(receipt.problem());
  return Text(std::move(*receipt));
}

Checked<std::string> Proofs::ReceiptOf(uint64_t seq, const Principal& who) {
  auto event = log_->Read(seq);
  if (!event.ok()) {
    if (event.status().code() == ledger::Code::kNotFound) return event.status();
    return Problem(event.status()).As(503, "storage");
  }
  // The same answer for an event of another estate as for one the caller may not read for
  // another reason: the refusal tells nothing about the event.
  bool recorded_it = !who.actor_id.empty() && event->event().getActorId() == who.actor_id;
  bool may_read =
      Permissions::MayReadRawEvents(who) && permissions_->MayReadEvent(who, event->event());
  if (!recorded_it && !may_read) {
    return Problem(ledger::Status::PermissionDenied(
                       "read.receipt: a receipt is given for an event this token recorded, or may "
                       "read in the raw log"))
        .Rule("read.receipt");
  }
  if (!checkpoints_) return NoKey();
  auto checkpoint = checkpoints_->Covering(seq);
  if (!checkpoint.ok()) return Problem(checkpoint.status()).As(503, "checkpoint");
  uint64_t size = checkpoint->body.size;
  auto nodes = [this](uint32_t level, uint64_t index) { return log_->TreeNode(level, index); };
  auto proof = ledger::merkle::InclusionProof(seq - 1, size, nodes);
  if (!proof.ok()) return Problem(proof.status()).As(503, "storage");
  std::string body = "c2sp.org/tlog-proof@v1\nextra " +
                     ledger::Base64Encode(ledger::merkle::LeafInput(*event)) + "\nindex " +
                     std::to_string(seq - 1) + "\n";
  for (const auto& h : *proof) body += ledger::Base64Encode(ledger::merkle::Bytes(h)) + "\n";
  return body + "\n" + checkpoint->note;
}

Checked<bool> Proofs::ReceiptWanted(const Target& target) {
  std::string value = target.Param("receipt");
  if (value.empty() || value == "false") return false;
  if (value != "true") {
    return Problem(ledger::Status::InvalidArgument(
        "receipt: \"" + value +
        "\" is not allowed; use receipt=true (the answer carries the last event's receipt) or "
        "receipt=false"));
  }
  if (!checkpoints_) {
    return Problem(ledger::Status::InvalidArgument(
        "receipt=true: this ledger signs no checkpoints (it has no signing key), so it gives no "
        "receipts; nothing was appended. Append without ?receipt=true"));
  }
  if (ledger::Status stopped = checkpoints_->Problem(); !stopped.ok()) {
    return Problem(ledger::Status::Unavailable(
                       "receipt=true: this ledger has stopped signing checkpoints (" +
                       stopped.message() +
                       "), so it gives no receipts; nothing was appended. Append without "
                       "?receipt=true"))
        .Kind("checkpoint");
  }
  return true;
}

std::string Proofs::ReceiptMember(uint64_t seq, const Principal& who) {
  Checked<std::string> receipt = ReceiptOf(seq, who);
  if (receipt.ok()) return ",\"receipt\":\"" + JsonEscape(*receipt) + "\"";
  CountProblem(metrics_, receipt.problem());
  std::string why = checkpoints_ ? receipt.problem().status.message()
                                 : std::string("this ledger signs no checkpoints");
  // The events are in the log all the same: the answer says so, and why there is no receipt.
  return ",\"receipt\":null,\"receiptProblem\":\"" +
         JsonEscape(why + "; the events are appended (fetch GET /v1/events/" + std::to_string(seq) +
                    "/receipt later)") +
         "\"";
}

std::string Proofs::PositionMember(uint64_t seq) {
  if (!checkpoints_) return "";
  auto root = ledger::merkle::RootOf(
      seq, [this](uint32_t level, uint64_t index) { return log_->TreeNode(level, index); });
  if (!root.ok()) return "";
  std::string out = ",\"checkpoint\":{\"treeSize\":" + std::to_string(seq) + ",\"root\":\"" +
                    ledger::Base64Encode(ledger::merkle::Bytes(*root)) + "\"";
  auto latest = checkpoints_->Latest();
  if (latest.ok() && latest->body.size >= seq) {
    out += ",\"signed\":\"" + JsonEscape(latest->note) + "\"";
    if (seq > 0) {
      out += ",\"proof\":\"/v1/proofs/consistency?from=" + std::to_string(seq) +
             "&to=" + std::to_string(latest->body.size) + "\"";
    }
  }
  return out + "}";
}

}  // namespace http
