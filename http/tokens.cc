#include "http/tokens.h"

#include "ledger/rule_book.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace http {

namespace schema = ledger::schema;

namespace {

constexpr std::pair<const char*, schema::Role> kRoles[] = {
    {"resident", schema::Role::RESIDENT},
    {"companyStaff", schema::Role::COMPANY_STAFF},
    {"communityWorker", schema::Role::COMMUNITY_WORKER},
    {"streetAuditor", schema::Role::STREET_AUDITOR},
    {"ownersCommittee", schema::Role::OWNERS_COMMITTEE},
    {"admin", schema::Role::ADMIN},
};

std::string Hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xF]);
  }
  return out;
}

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(digest, 32);
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::string piece;
  std::istringstream in(text);
  while (std::getline(in, piece, separator)) out.push_back(piece);
  if (!text.empty() && text.back() == separator) out.emplace_back();
  return out;
}

// Changes whenever the file is replaced: every save renames a new file (a new inode) over it,
// which catches two saves within the file system's timestamp granularity.
int64_t FileVersion(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_ino) * 1'000'003 +
         static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec +
         static_cast<int64_t>(st.st_size);
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// An exclusive lock on `<tokens>.lock` for one read-change-write of the token file, so that two
// processes (two `ledgerctl token create`, or one and a running server's revoke) never save over
// each other's change. The lock file is never replaced, unlike the token file itself.
class FileLock {
 public:
  static ledger::Result<std::unique_ptr<FileLock>> Take(const std::string& path) {
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return ledger::Status::IOError(Errno("cannot open " + path));
    while (flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      ledger::Status s = ledger::Status::IOError(Errno("cannot lock " + path));
      close(fd);
      return s;
    }
    return std::unique_ptr<FileLock>(new FileLock(fd));
  }
  ~FileLock() { close(fd_); }  // closing releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool Principal::CoversEstate(const std::string& estate) const {
  return std::find(estates.begin(), estates.end(), estate) != estates.end();
}

std::optional<schema::Role> ParseRole(const std::string& name) {
  for (const auto& [n, role] : kRoles) {
    if (name == n) return role;
  }
  return std::nullopt;
}

const char* RoleName(schema::Role role) { return ledger::RoleName(role); }

ledger::Result<std::vector<std::pair<std::string, Principal>>> TokenStore::Load() const {
  std::vector<std::pair<std::string, Principal>> rows;
  std::ifstream in(path_);
  if (!in) return rows;  // no file yet: no tokens
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto f = Split(line, '\t');
    auto role = f.size() == 7 ? ParseRole(f[2]) : std::nullopt;
    if (!role) {
      return ledger::Status::Corruption(path_ + " line " + std::to_string(number) +
                                        " is not a token line");
    }
    Principal p;
    p.token_id = f[0];
    p.role = *role;
    p.actor_id = f[3];
    if (!f[4].empty()) p.estates = Split(f[4], ',');
    p.company_id = f[5];
    p.revoked = f[6] == "1";
    rows.emplace_back(f[1], std::move(p));
  }
  return rows;
}

ledger::Status TokenStore::Save(const std::vector<std::pair<std::string, Principal>>& rows) const {
  std::string text =
      "# tokens: id, sha-256 of the secret, role, actor, estates, company, revoked\n";
  for (const auto& [hash, p] : rows) {
    std::string estates;
    for (size_t i = 0; i < p.estates.size(); ++i) estates += (i ? "," : "") + p.estates[i];
    text += p.token_id + '\t' + hash + '\t' + RoleName(p.role) + '\t' + p.actor_id + '\t' +
            estates + '\t' + p.company_id + '\t' + (p.revoked ? "1" : "0") + '\n';
  }
  // A new file of a unique name, readable by its owner only, on the disk before it is renamed
  // over the old one: a reader never sees half a file, and a crash leaves the old or the new.
  std::string temporary = path_ + ".tmp-XXXXXX";
  int fd = mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) return ledger::Status::IOError(Errno("cannot create " + temporary));
  bool written = fchmod(fd, 0600) == 0 && WriteAll(fd, text) && fsync(fd) == 0;
  ledger::Status failed =
      written ? ledger::Status::Ok() : ledger::Status::IOError(Errno("cannot write " + temporary));
  if (close(fd) != 0 && failed.ok()) {
    failed = ledger::Status::IOError(Errno("cannot write " + temporary));
  }
  if (!failed.ok()) {
    unlink(temporary.c_str());
    return failed;
  }
  if (rename(temporary.c_str(), path_.c_str()) != 0) {
    failed = ledger::Status::IOError(Errno("cannot replace " + path_));
    unlink(temporary.c_str());
    return failed;
  }
  // The rename itself is durable once the folder is synced.
  std::string folder = std::filesystem::path(path_).parent_path().string();
  int dir = open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return ledger::Status::IOError(Errno("cannot open " + folder));
  bool synced = fsync(dir) == 0;
  close(dir);
  if (!synced) return ledger::Status::IOError(Errno("cannot sync " + folder));
  return ledger::Status::Ok();
}

ledger::Result<std::string> TokenStore::Create(const Principal& who) {
  using R = schema::Role;
  if (who.role == R::UNKNOWN) return ledger::Status::InvalidArgument("a token needs a role");
  if (who.role == R::COMPANY_STAFF && who.company_id.empty()) {
    return ledger::Status::InvalidArgument("a company staff token needs --company");
  }
  if ((who.role == R::RESIDENT || who.role == R::OWNERS_COMMITTEE) && who.estates.empty()) {
    return ledger::Status::InvalidArgument(std::string("a ") + RoleName(who.role) +
                                           " token needs --estate");
  }
  if (who.actor_id.empty()) return ledger::Status::InvalidArgument("a token needs --actor");
  for (const auto& field : {who.actor_id, who.company_id}) {
    if (field.find_first_of("\t\n,") != std::string::npos) {
      return ledger::Status::InvalidArgument("ids may not contain tabs, newlines or commas");
    }
  }
  base::MutexLock lock(&mu_);
  auto file_lock = FileLock::Take(path_ + ".lock");
  if (!file_lock.ok()) return file_lock.status();
  auto rows = Load();
  if (!rows.ok()) return rows.status();
  unsigned char secret[24], id[6];
  if (RAND_bytes(secret, sizeof secret) != 1 || RAND_bytes(id, sizeof id) != 1) {
    return ledger::Status::IOError("no randomness available for a token");
  }
  std::string token = "glt_" + Hex(secret, sizeof secret);
  Principal stored = who;
  stored.token_id = "t-" + Hex(id, sizeof id);
  stored.revoked = false;
  rows->emplace_back(Sha256Hex(token), stored);
  auto saved = Save(*rows);
  if (!saved.ok()) return saved;
  return token;
}

ledger::Result<std::vector<Principal>> TokenStore::List() const {
  auto rows = Load();
  if (!rows.ok()) return rows.status();
  std::vector<Principal> out;
  for (auto& [hash, p] : *rows) out.push_back(p);
  return out;
}

ledger::Status TokenStore::Revoke(const std::string& token_id) {
  base::MutexLock lock(&mu_);
  auto file_lock = FileLock::Take(path_ + ".lock");
  if (!file_lock.ok()) return file_lock.status();
  auto rows = Load();
  if (!rows.ok()) return rows.status();
  bool found = false;
  for (auto& [hash, p] : *rows) {
    if (p.token_id == token_id) {
      p.revoked = true;
      found = true;
    }
  }
  if (!found) return ledger::Status::NotFound("there is no token " + token_id);
  return Save(*rows);
}

std::optional<Principal> TokenStore::Lookup(const std::string& secret) {
  base::MutexLock lock(&mu_);
  int64_t mtime = FileVersion(path_);
  if (mtime != loaded_mtime_) {
    auto rows = Load();
    if (rows.ok()) {
      cache_ = std::move(rows).value();
      loaded_mtime_ = mtime;
    }
  }
  std::string hash = Sha256Hex(secret);
  for (const auto& [h, p] : cache_) {
    if (h == hash && !p.revoked) return p;
  }
  return std::nullopt;
}

}  // namespace http
