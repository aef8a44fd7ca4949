// Bearer tokens: who is calling, in which role, and for which estates or company.
//
// Only a SHA-256 of each token is stored, in a file in the data folder that `ledgerctl token`
// writes and the server rereads when it changes; so a leaked file gives no usable token, and a
// token created or revoked while the server runs takes effect at once. A change takes an
// exclusive lock (`<file>.lock`, flock) for its read and its write, writes a new file of a unique
// name with mode 0600, syncs it and renames it over the old: two processes creating tokens at
// once both keep theirs, and a crash leaves the old file or the new one.
//
// File format, one token a line, fields separated by tabs:
//   <token id> <sha-256 hex> <role> <actor id> <estates, comma-separated> <company> <revoked 0|1>

#pragma once

#include <optional>
#include <string>
#include <vector>
#include "base/mutex.h"

#include "base/status.h"
#include "schemas/events.capnp.h"

namespace http {

struct Principal {
  std::string token_id;
  ledger::schema::Role role = ledger::schema::Role::UNKNOWN;
  std::string actor_id;
  std::vector<std::string> estates;  // empty: not bound to estates
  std::string company_id;            // for company staff
  bool revoked = false;

  bool BoundToEstates() const { return !estates.empty(); }
  bool CoversEstate(const std::string& estate) const;
};

// Role names as used on the command line and in JSON: resident, companyStaff, communityWorker,
// streetAuditor, ownersCommittee, admin.
std::optional<ledger::schema::Role> ParseRole(const std::string& name);
const char* RoleName(ledger::schema::Role role);

class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  // Creates a token and returns its secret (shown once). InvalidArgument when a role needs a
  // scope it was not given (company staff need a company; residents and owners' committees an
  // estate).
  ledger::Result<std::string> Create(const Principal& who);
  ledger::Result<std::vector<Principal>> List() const;
  // Revokes by token id. NotFound if there is none.
  ledger::Status Revoke(const std::string& token_id);

  // The principal a bearer token stands for; nullopt if unknown or revoked.
  std::optional<Principal> Lookup(const std::string& secret);

 private:
  ledger::Result<std::vector<std::pair<std::string, Principal>>> Load() const;
  ledger::Status Save(const std::vector<std::pair<std::string, Principal>>& rows) const;

  std::string path_;
  // This process's readers and writers of the file and the cache; other processes are kept
  // apart by the file lock (tokens.cc).
  base::Mutex mu_;
  int64_t loaded_mtime_ GUARDED_BY(mu_) = -1;
  std::vector<std::pair<std::string, Principal>> cache_ GUARDED_BY(mu_);  // (hash, principal)
};

}  // namespace http
