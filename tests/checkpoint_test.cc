// Signed notes (the C2SP examples), keys, checkpoints and the signer that keeps them.

#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger/base64.h"
#include "ledger/checkpoints.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "test_support.h"

namespace note = ledger::note;
using testing::Complaint;
using testing::TempDir;

namespace {

const std::string kC2sp = std::string(TESTDATA_DIR) + "/c2sp/";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<ledger::Ledger> OpenLedger(const std::string& dir) {
  ledger::Options options;
  options.sync = false;
  auto opened = ledger::Ledger::Open(dir, options);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

void AppendComplaints(ledger::Ledger& log, int from, int to, const std::string& tag = "") {
  for (int i = from; i <= to; ++i) {
    std::string stream = "complaint/c-" + tag + std::to_string(i);
    auto e = Complaint("ev-" + tag + std::to_string(i), stream);
    auto readers = std::vector<ledger::schema::Event::Reader>{e.reader()};
    REQUIRE(log.Append(stream, ledger::ExpectedVersion::Any(), readers).ok());
  }
}

ledger::Hash RootAt(ledger::Ledger& log, uint64_t size) {
  auto root = ledger::merkle::RootOf(
      size, [&](uint32_t level, uint64_t index) { return log.TreeNode(level, index); });
  REQUIRE(root.ok());
  return *root;
}

}  // namespace

TEST_CASE("the C2SP example note verifies with its key, and nothing else does", "[note]") {
  auto examples = boost::json::parse(ReadAll(kC2sp + "examples.json")).as_object();
  auto verifier = note::Verifier::Parse(ReadAll(kC2sp + "example-vkey.txt"));
  REQUIRE(verifier.ok());
  CHECK(verifier->name() == "example.com/foo");
  CHECK(verifier->key_id() == 0x530d903a);
  std::string message = ReadAll(kC2sp + "example-note.txt");
  auto opened = note::Open(message, {*verifier});
  REQUIRE(opened.ok());
  CHECK(opened->text == examples.at("example-note.txt").at("note_text_utf8").as_string().c_str());
  REQUIRE(opened->verified.size() == 1);
  CHECK(opened->verified[0].name == "example.com/foo");
  CHECK(opened->verified[0].key_id == 0x530d903a);

  // A blank line inside the text, and a signer nobody here knows: refused.
  auto intro = note::Open(ReadAll(kC2sp + "intro-note.txt"), {*verifier});
  CHECK_FALSE(intro.ok());

  // Any one byte changed, anywhere, and the note no longer opens.
  for (size_t i = 0; i < message.size(); ++i) {
    std::string edited = message;
    edited[i] = static_cast<char>(edited[i] ^ 0x01);
    INFO("byte " << i);
    CHECK_FALSE(note::Open(edited, {*verifier}).ok());
  }
}

TEST_CASE("the C2SP example checkpoint parses into its fields", "[note]") {
  auto examples = boost::json::parse(ReadAll(kC2sp + "examples.json")).as_object();
  const auto& want = examples.at("example-checkpoint.txt").as_object();
  std::string text = ReadAll(kC2sp + "example-checkpoint.txt");
  auto split = text.rfind("\n\n");
  REQUIRE(split != std::string::npos);
  auto body = ledger::CheckpointBody::Parse(text.substr(0, split + 1));
  REQUIRE(body.ok());
  CHECK(body->origin == "example.com/behind-the-sofa");
  CHECK(body->size == 20852163);
  CHECK(ledger::Base64Encode(ledger::merkle::Bytes(body->root)) ==
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  CHECK(body->Text() == want.at("note_text_utf8").as_string().c_str());
  // Leading zeros, a missing line and a short root are not checkpoints.
  CHECK_FALSE(
      ledger::CheckpointBody::Parse("o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n").ok());
  CHECK_FALSE(ledger::CheckpointBody::Parse("o\n12\n").ok());
  CHECK_FALSE(ledger::CheckpointBody::Parse("o\n12\nAAAA\n").ok());
}

TEST_CASE("a generated key signs notes that its verifier key opens", "[note]") {
  auto key = note::SigningKey::Generate("district.example/ledger");
  REQUIRE(key.ok());
  auto again = note::SigningKey::Parse(key->Encode());
  REQUIRE(again.ok());
  CHECK(again->VerifierKey() == key->VerifierKey());
  auto verifier = note::Verifier::Parse(key->VerifierKey());
  REQUIRE(verifier.ok());
  // Base64 keys may hold "+", the fields' separator: only the first two separate.
  for (int i = 0; i < 20; ++i) {
    auto k = note::SigningKey::Generate("n");
    REQUIRE(k.ok());
    CHECK(note::SigningKey::Parse(k->Encode()).ok());
    CHECK(note::Verifier::Parse(k->VerifierKey()).ok());
  }
  // The key ID is the first four bytes of SHA-256(name || "\n" || 0x01 || public key).
  std::string vkey = key->VerifierKey();
  auto raw = ledger::Base64Decode(vkey.substr(vkey.find('+', vkey.find('+') + 1) + 1));
  REQUIRE(raw.has_value());
  CHECK(note::KeyId("district.example/ledger", raw->substr(1)).value() == key->key_id());

  auto signed_text = key->Sign("district.example/ledger\n3\nAAAA\n");
  REQUIRE(signed_text.ok());
  auto opened = note::Open(*signed_text, {*verifier});
  REQUIRE(opened.ok());
  CHECK(opened->text == "district.example/ledger\n3\nAAAA\n");

  // Another key of the same name is not this one.
  auto other = note::SigningKey::Generate("district.example/ledger");
  REQUIRE(other.ok());
  auto other_verifier = note::Verifier::Parse(other->VerifierKey());
  CHECK_FALSE(note::Open(*signed_text, {*other_verifier}).ok());
  // Text that does not end in a newline, or holds a control character, is not signed.
  CHECK_FALSE(key->Sign("no newline").ok());
  CHECK_FALSE(key->Sign("tab\there\n").ok());
  CHECK_FALSE(note::SigningKey::Generate("has space").ok());
  CHECK_FALSE(note::SigningKey::Generate("a+b").ok());
}

TEST_CASE("the signing key file is readable by its owner only", "[note]") {
  TempDir dir;
  std::string path = dir.sub("signing.key");
  REQUIRE(ledger::CreateSigningKey(path, "district.example/ledger").ok());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(ledger::LoadSigningKey(path).ok());
  CHECK(ledger::CreateSigningKey(path, "other").code() == ledger::Code::kAlreadyExists);
  chmod(path.c_str(), 0644);
  CHECK(ledger::LoadSigningKey(path).status().code() == ledger::Code::kPermissionDenied);
}

TEST_CASE("the checkpointer signs the head, keeps every checkpoint, and links them",
          "[checkpoint]") {
  TempDir dir;
  auto log = OpenLedger(dir.sub("ledger"));
  AppendComplaints(*log, 1, 5);
  REQUIRE(ledger::CreateSigningKey(dir.sub("signing.key"), "district.example/ledger").ok());
  auto key = ledger::LoadSigningKey(dir.sub("signing.key"));
  REQUIRE(key.ok());
  std::string vkey = key->VerifierKey();
  auto verifier = note::Verifier::Parse(vkey);
  REQUIRE(verifier.ok());
  {
    ledger::CheckpointOptions options;
    options.interval = std::chrono::hours(1);  // only on request in this test
    auto signer = ledger::Checkpointer::Open(log.get(), *key, dir.sub("checkpoints"), options);
    REQUIRE(signer.ok());
    auto first = (*signer)->Latest();
    REQUIRE(first.ok());
    CHECK(first->body.size == 5);
    CHECK(first->body.root == RootAt(*log, 5));
    auto opened = ledger::OpenCheckpoint(first->note, *verifier);
    REQUIRE(opened.ok());
    CHECK(opened->body.size == 5);

    AppendComplaints(*log, 6, 9);
    // Nothing new is signed until asked, or the interval passes.
    CHECK((*signer)->Latest()->body.size == 5);
    auto covering = (*signer)->Covering(7);
    REQUIRE(covering.ok());
    CHECK(covering->body.size == 9);
    // The earlier one can still be fetched, and the two are linked by a consistency proof.
    auto again = (*signer)->AtSize(5);
    REQUIRE(again.ok());
    CHECK(again->note == first->note);
    CHECK((*signer)->AtSize(6).status().code() == ledger::Code::kNotFound);
    auto proof = ledger::merkle::ConsistencyProof(
        5, 9, [&](uint32_t l, uint64_t i) { return log->TreeNode(l, i); });
    REQUIRE(proof.ok());
    CHECK(ledger::merkle::VerifyConsistency(5, 9, ledger::merkle::Bytes(*proof),
                                            ledger::merkle::Bytes(first->body.root),
                                            ledger::merkle::Bytes(covering->body.root)));
    CHECK((*signer)->Problem().ok());
  }

  SECTION("a log rolled back behind its last checkpoint is not signed again") {
    log.reset();
    std::filesystem::remove_all(dir.sub("ledger"));
    log = OpenLedger(dir.sub("ledger"));
    AppendComplaints(*log, 1, 5);  // the same first five events: size 5 < 9 signed
    auto signer = ledger::Checkpointer::Open(log.get(), *key, dir.sub("checkpoints"), {});
    REQUIRE(signer.ok());
    CHECK((*signer)->Problem().code() == ledger::Code::kCorruption);
    CHECK((*signer)->Problem().message().find("rolled back") != std::string::npos);
    CHECK_FALSE((*signer)->Covering(5).ok());
  }

  SECTION("a log restored from another history is not signed again") {
    log.reset();
    std::filesystem::remove_all(dir.sub("ledger"));
    log = OpenLedger(dir.sub("ledger"));
    AppendComplaints(*log, 1, 12, "fork-");  // longer, but not an extension
    auto signer = ledger::Checkpointer::Open(log.get(), *key, dir.sub("checkpoints"), {});
    REQUIRE(signer.ok());
    CHECK((*signer)->Problem().code() == ledger::Code::kCorruption);
    CHECK((*signer)->Problem().message().find("size 9") != std::string::npos);
    // The checkpoints signed before are still there to show what the log held.
    CHECK((*signer)->AtSize(9).ok());
  }
}
