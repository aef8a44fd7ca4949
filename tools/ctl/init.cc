#include <iostream>

#include "commands.h"
#include "common.h"
#include "ledger/checkpoints.h"
#include "ledger/ledger.h"

namespace ctl {

int InitFolder(const std::string& data, const std::string& origin) {
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

int ShowKey(const std::string& data) {
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

}  // namespace ctl
