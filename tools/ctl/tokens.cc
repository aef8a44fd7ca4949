#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "http/tokens.h"

namespace ctl {
namespace {

// The folder's token store; the folder is made if absent, as a token may come before a ledger.
http::TokenStore StoreOf(const std::string& data) {
  std::filesystem::create_directories(data);
  return http::TokenStore(data + "/tokens");
}

}  // namespace

int CreateToken(const std::string& data, const TokenRequest& request) {
  http::TokenStore tokens = StoreOf(data);
  http::Principal who;
  auto parsed = http::ParseRole(request.role);
  if (!parsed) {
    return Fail("--role \"" + request.role +
                "\" is not a role; roles: resident, companyStaff, communityWorker, "
                "streetAuditor, ownersCommittee, admin");
  }
  who.role = *parsed;
  who.actor_id = request.actor;
  who.estates = request.estates;
  who.company_id = request.company;
  auto token = tokens.Create(who);
  if (!token.ok()) return Fail(token.status());
  std::cout << *token << "\n";
  return 0;
}

int ListTokens(const std::string& data) {
  http::TokenStore tokens = StoreOf(data);
  auto list = tokens.List();
  if (!list.ok()) return Fail(list.status());
  for (const auto& p : *list) {
    std::string scope;
    for (const auto& e : p.estates) scope += (scope.empty() ? "" : ",") + e;
    std::cout << p.token_id << "\t" << http::RoleName(p.role) << "\t" << p.actor_id << "\t"
              << (scope.empty() ? "-" : scope) << "\t"
              << (p.company_id.empty() ? "-" : p.company_id) << "\t"
              << (p.revoked ? "revoked" : "active") << "\n";
  }
  return 0;
}

int RevokeToken(const std::string& data, const std::string& id) {
  http::TokenStore tokens = StoreOf(data);
  auto s = tokens.Revoke(id);
  if (!s.ok()) return Fail(s);
  std::cout << "revoked " << id << "\n";
  return 0;
}

}  // namespace ctl
