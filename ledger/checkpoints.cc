#include "ledger/checkpoints.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/base64.h"
#include "ledger/merkle.h"

namespace ledger {
namespace {

std::string FileName(uint64_t size) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(size));
  return name;
}

bool ParseDecimal(std::string_view text, uint64_t* out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to `path` so that a crash leaves either no file or the whole one.
Status WriteDurably(const std::string& path, const std::string& text, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("cannot write " + path);
  }
  std::string folder = std::filesystem::path(path).parent_path().string();
  int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

Result<Hash> RootAt(const Ledger& log, uint64_t size) {
  return merkle::RootOf(size,
                        [&](uint32_t level, uint64_t index) { return log.TreeNode(level, index); });
}

}  // namespace

std::string CheckpointBody::Text() const {
  return origin + "\n" + std::to_string(size) + "\n" + Base64Encode(merkle::Bytes(root)) + "\n";
}

Result<CheckpointBody> CheckpointBody::Parse(std::string_view text) {
  auto bad = [](const std::string& why) {
    return Status::InvalidArgument("not a checkpoint: " + why);
  };
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) return bad("its last line does not end in a newline");
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return bad("it needs an origin, a tree size and a root hash");
  CheckpointBody body;
  body.origin = std::string(lines[0]);
  if (body.origin.empty()) return bad("the origin (line 1) is empty");
  if (!ParseDecimal(lines[1], &body.size)) {
    return bad("line 2 is not a tree size in decimal without leading zeros");
  }
  auto root = Base64Decode(lines[2]);
  if (!root || root->size() != body.root.size()) {
    return bad("line 3 is not a base64 SHA-256 root hash");
  }
  std::memcpy(body.root.data(), root->data(), body.root.size());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("extension line " + std::to_string(i + 1) + " is empty");
  }
  return body;
}

Result<SignedCheckpoint> OpenCheckpoint(std::string_view text, const note::Verifier& verifier) {
  auto opened = note::Open(text, {verifier});
  if (!opened.ok()) return opened.status();
  auto body = CheckpointBody::Parse(opened->text);
  if (!body.ok()) return body.status();
  if (body->origin != verifier.name()) {
    return Status::PermissionDenied("the checkpoint is of log \"" + body->origin + "\", not of \"" +
                                    verifier.name() + "\"");
  }
  return SignedCheckpoint{*body, std::string(text)};
}

Status CreateSigningKey(const std::string& path, const std::string& origin) {
  auto key = note::SigningKey::Generate(origin);
  if (!key.ok()) return key.status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists("there is a signing key in " + path);
    return Status::IOError("cannot create " + path);
  }
  std::string text = key->Encode() + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("cannot write the signing key to " + path);
  }
  return Status::Ok();
}

Result<note::SigningKey> LoadSigningKey(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Status::NotFound("there is no signing key in " + path);
  }
  if (st.st_mode & 077) {
    return Status::PermissionDenied("the signing key " + path +
                                    " may be read by others than its owner; chmod 600 it");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return note::SigningKey::Parse(*text);
}

// --- Checkpointer ---

Checkpointer::Checkpointer(Ledger* log, note::SigningKey key, std::string dir,
                           CheckpointOptions options)
    : log_(log), key_(std::move(key)), dir_(std::move(dir)), options_(options) {}

Result<std::unique_ptr<Checkpointer>> Checkpointer::Open(Ledger* log, note::SigningKey key,
                                                         const std::string& dir,
                                                         CheckpointOptions options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Status::IOError("cannot create " + dir + ": " + error.message());
  std::unique_ptr<Checkpointer> c(new Checkpointer(log, std::move(key), dir, options));
  // No other thread knows `c` yet; the lock is for the analysis, and costs nothing here.
  base::MutexLock lock(&c->mu_);
  c->problem_ = options.halted;
  // The latest kept: the largest size among the files named by size.
  std::optional<uint64_t> largest;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    uint64_t size = 0;
    if (name.size() != 20) continue;
    auto [end, bad] = std::from_chars(name.data(), name.data() + name.size(), size);
    if (bad != std::errc() || end != name.data() + name.size()) continue;
    if (!largest || size > *largest) largest = size;
  }
  if (largest) {
    auto text = ReadFile(dir + "/" + FileName(*largest));
    auto verifier = note::Verifier::Parse(c->key_.VerifierKey());
    if (!text.ok()) return text.status();
    if (!verifier.ok()) return verifier.status();
    auto opened = OpenCheckpoint(*text, *verifier);
    if (!opened.ok() && c->problem_.ok()) {
      c->problem_ =
          Status::Corruption("the latest checkpoint kept, of size " + std::to_string(*largest) +
                             ", does not verify with the log's key: " + opened.status().message());
    } else if (opened.ok()) {
      c->latest_ = std::move(opened).value();
    }
  }
  if (c->problem_.ok()) {
    Status s = c->SignHeadLocked();
    if (!s.ok() && c->problem_.ok()) c->problem_ = s;
  }
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  return c;
}

Checkpointer::~Checkpointer() {
  {
    base::MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::Loop() {
  base::MutexLock lock(&mu_);
  while (!stopping_) {
    auto deadline = std::chrono::steady_clock::now() + options_.interval;
    while (!stopping_ && cv_.WaitUntil(&mu_, deadline)) {
    }
    if (stopping_) break;
    if (problem_.ok()) {
      Status s = SignHeadLocked();
      // An I/O error is tried again next time; a disagreement stops signing for good.
      if (s.code() == Code::kCorruption) problem_ = s;
    }
  }
}

Status Checkpointer::SignHeadLocked() {
  Position head = log_->Head();
  if (latest_ && latest_->body.size >= head.seq) {
    if (latest_->body.size > head.seq) {
      return Status::Corruption("the log holds " + std::to_string(head.seq) +
                                " events but a checkpoint of " +
                                std::to_string(latest_->body.size) +
                                " was signed: it was rolled back; no checkpoint is signed again");
    }
    return Status::Ok();
  }
  if (latest_) {
    // The last signed tree must be a prefix of the one about to be signed.
    auto then = RootAt(*log_, latest_->body.size);
    if (!then.ok()) return then.status();
    if (*then != latest_->body.root) {
      return Status::Corruption(
          "the checkpoint of size " + std::to_string(latest_->body.size) + " signed root " +
          ToHex(latest_->body.root) + " but the log gives " + ToHex(*then) +
          " at that size: it was altered or replaced; no checkpoint is signed again");
    }
  }
  auto root = RootAt(*log_, head.seq);
  if (!root.ok()) return root.status();
  CheckpointBody body{key_.name(), head.seq, *root};
  auto signed_note = key_.Sign(body.Text());
  if (!signed_note.ok()) return signed_note.status();
  Status s = WriteDurably(dir_ + "/" + FileName(head.seq), *signed_note, 0644);
  if (!s.ok()) return s;
  latest_ = SignedCheckpoint{body, *signed_note};
  return Status::Ok();
}

Result<SignedCheckpoint> Checkpointer::Latest() {
  base::MutexLock lock(&mu_);
  if (!latest_) {
    if (!problem_.ok()) return problem_;
    Status s = SignHeadLocked();
    if (!s.ok()) return s;
  }
  return *latest_;
}

Result<SignedCheckpoint> Checkpointer::AtSize(uint64_t size) const {
  auto text = ReadFile(dir_ + "/" + FileName(size));
  if (!text.ok()) {
    return Status::NotFound("no checkpoint of size " + std::to_string(size) +
                            " was signed; fetch the latest, or a size one was signed at");
  }
  auto body = note::Open(*text, {*note::Verifier::Parse(key_.VerifierKey())});
  if (!body.ok())
    return Status::Corruption("the checkpoint of size " + std::to_string(size) +
                              " kept does not verify: " + body.status().message());
  auto parsed = CheckpointBody::Parse(body->text);
  if (!parsed.ok()) return parsed.status();
  return SignedCheckpoint{*parsed, *text};
}

Result<SignedCheckpoint> Checkpointer::Covering(uint64_t seq) {
  base::MutexLock lock(&mu_);
  // A receipt proves an event against the log as it is now: not while signing has stopped.
  if (!problem_.ok()) return problem_;
  if (!latest_ || latest_->body.size < seq) {
    Status s = SignHeadLocked();
    if (s.code() == Code::kCorruption) problem_ = s;
    if (!s.ok()) return s;
  }
  if (!latest_ || latest_->body.size < seq) {
    return Status::NotFound("event " + std::to_string(seq) + " is past the head");
  }
  return *latest_;
}

void Checkpointer::Halt(const Status& why) {
  base::MutexLock lock(&mu_);
  if (problem_.ok()) problem_ = why;
}

Status Checkpointer::Problem() const {
  base::MutexLock lock(&mu_);
  return problem_;
}

}  // namespace ledger
