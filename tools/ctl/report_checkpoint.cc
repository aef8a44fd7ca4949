#include "report_checkpoint.h"

#include <chrono>

#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"

namespace ctl {
namespace {

std::string Html(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const char kAudit[] = "ledgerctl audit --export log.ndjson --checkpoint cp.txt --vkey log.vkey";

}  // namespace

ledger::Result<CheckpointStamp> CheckpointStampOf(ledger::Ledger* log, const std::string& data_dir,
                                                  uint64_t position) {
  CheckpointStamp stamp;
  stamp.position = position;
  auto root = ledger::merkle::RootOf(
      position, [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); });
  if (!root.ok()) return root.status();
  stamp.position_root = ledger::Base64Encode(ledger::merkle::Bytes(*root));

  auto key = ledger::LoadSigningKey(data_dir + "/" + ledger::kSigningKeyFile);
  if (!key.ok()) {
    stamp.why = key.status().code() == ledger::Code::kNotFound
                    ? "this ledger has no signing key (ledgerctl init --origin NAME makes one)"
                    : key.status().message();
    return stamp;
  }
  // A signer that signs only when asked here: its own timer would not fire before it closes.
  ledger::CheckpointOptions options;
  options.interval = std::chrono::hours(24);
  auto signer = ledger::Checkpointer::Open(log, std::move(key).value(),
                                           data_dir + "/" + ledger::kCheckpointsFolder, options);
  if (!signer.ok()) {
    stamp.why = signer.status().message();
    return stamp;
  }
  auto exact = (*signer)->AtSize(position);
  auto checkpoint = exact.ok() ? std::move(exact) : (*signer)->Covering(position);
  if (!checkpoint.ok()) {
    stamp.why = "no signed checkpoint covers it: " + checkpoint.status().message();
    return stamp;
  }
  stamp.origin = checkpoint->body.origin;
  stamp.size = checkpoint->body.size;
  stamp.root = ledger::Base64Encode(ledger::merkle::Bytes(checkpoint->body.root));
  stamp.note = checkpoint->note;
  return stamp;
}

std::string CsvCheckpointLines(const CheckpointStamp& s) {
  if (s.origin.empty()) {
    return "# checkpoint: none signed (" + s.why + "); position " + std::to_string(s.position) +
           " root " + s.position_root + "\n";
  }
  std::string out =
      "# checkpoint: " + s.origin + " " + std::to_string(s.size) + " " + s.root + "\n";
  if (s.size != s.position) {
    out += "# position: " + std::to_string(s.position) + " root " + s.position_root +
           " (a prefix of the checkpoint's log: GET /v1/proofs/consistency?from=" +
           std::to_string(s.position) + "&to=" + std::to_string(s.size) + ")\n";
  }
  out += "# verify: " + std::string(kAudit) +
         " (cp.txt: GET /v1/checkpoint?size=" + std::to_string(s.size) +
         "; log.vkey: ledgerctl key show)\n";
  return out;
}

std::string HtmlCheckpointFooter(const CheckpointStamp& s) {
  std::string out = "<footer class=\"stamp\"><h2>Checkpoint</h2><p>Computed at ledger position " +
                    std::to_string(s.position) + ", Merkle root <code>" + Html(s.position_root) +
                    "</code>.</p>";
  if (s.origin.empty()) return out + "<p>No signed checkpoint: " + Html(s.why) + ".</p></footer>";
  out += "<p>Signed checkpoint of " + Html(s.origin) + " at size " + std::to_string(s.size) +
         ", root <code>" + Html(s.root) + "</code>";
  if (s.size != s.position) {
    out += " (the report's log is a prefix of it: <code>GET /v1/proofs/consistency?from=" +
           std::to_string(s.position) + "&amp;to=" + std::to_string(s.size) + "</code>)";
  }
  out += ":</p><pre>" + Html(s.note) +
         "</pre><p>To verify, save the note above as <code>cp.txt</code>, and run:</p><pre>"
         "ledgerctl export --out log.ndjson\nledgerctl key show &gt; log.vkey\n" +
         Html(kAudit) + "</pre></footer>";
  return out;
}

}  // namespace ctl
