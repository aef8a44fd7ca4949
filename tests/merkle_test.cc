// The Merkle tree: RFC 9162 hashing against the reference tree, every inclusion and consistency
// vector of transparency-dev/merkle (those that must fail included), proof generation against
// the reference proofs and by round trip, and the tree the ledger keeps.

#include <rocksdb/db.h>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/base64.h"
#include "ledger/integrity.h"
#include "ledger/merkle.h"
#include "ledger/record.h"
#include "ledger/tree_store.h"
#include "test_support.h"

namespace fs = std::filesystem;
namespace merkle = ledger::merkle;
using ledger::Hash;

using testing::Complaint;
using testing::OwnedEvent;
using testing::TempDir;

namespace {

const std::string kTestData = TESTDATA_DIR;

std::unique_ptr<ledger::Ledger> OpenLedger(const std::string& dir) {
  ledger::Options options;
  options.sync = false;
  auto opened = ledger::Ledger::Open(dir, options);
  REQUIRE(opened.ok());
  return std::move(opened).value();
}

ledger::Result<ledger::AppendResult> AppendOne(ledger::Ledger& log, const std::string& stream,
                                               ledger::ExpectedVersion expected,
                                               const OwnedEvent& e) {
  auto readers = std::vector<ledger::schema::Event::Reader>{e.reader()};
  return log.Append(stream, expected, readers);
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string FromHexBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// A tree in memory: every complete subtree, as the ledger stores them.
struct MemoryTree {
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes;
  merkle::Frontier frontier;

  void Add(std::string_view leaf_input) {
    auto leaf = merkle::LeafHash(leaf_input);
    REQUIRE(leaf.ok());
    REQUIRE(frontier
                .Append(*leaf,
                        [&](uint32_t level, uint64_t index, const Hash& hash) {
                          nodes[{level, index}] = hash;
                        })
                .ok());
  }
  merkle::NodeSource Source() const {
    return [this](uint32_t level, uint64_t index) -> ledger::Result<Hash> {
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return ledger::Status::NotFound("no such node");
      return it->second;
    };
  }
};

// A JSON field of the vectors: a uint64 kept exact (two vectors use 2^64 - 1).
uint64_t Uint(const boost::json::value& v) {
  if (v.is_uint64()) return v.as_uint64();
  return static_cast<uint64_t>(v.as_int64());
}

// A base64 hash field; "" or wrong lengths are kept as they are: the check must refuse them.
std::string B64(const boost::json::value& v) {
  auto decoded = ledger::Base64Decode(std::string(v.as_string()));
  REQUIRE(decoded.has_value());  // a vector that does not decode is a bug in the test
  return *decoded;
}

std::vector<std::string> Proof(const boost::json::value& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  for (const auto& p : v.as_array()) out.push_back(B64(p));
  return out;
}

std::vector<fs::path> VectorFiles(const std::string& kind) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kTestData + "/merkle/" + kind)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("roots of the reference tree for every size from 0 to 8", "[merkle]") {
  auto leaves = boost::json::parse(ReadAll(kTestData + "/merkle/leaves.json")).as_object();
  auto inputs = leaves.at("leaves_hex").as_array();
  REQUIRE(inputs.size() == 8);
  // The expected roots, as the file gives them; indexed by size.
  const auto& roots = leaves.at("roots_hex_by_size").as_object();
  MemoryTree tree;
  for (uint64_t size = 0; size <= 8; ++size) {
    if (size > 0) tree.Add(FromHexBytes(std::string(inputs[size - 1].as_string())));
    std::string want = FromHexBytes(std::string(roots.at(std::to_string(size)).as_string()));
    auto root = merkle::RootOf(size, tree.Source());
    REQUIRE(root.ok());
    CHECK(merkle::Bytes(*root) == want);
    auto edge = tree.frontier.Root();
    REQUIRE(edge.ok());
    CHECK(merkle::Bytes(*edge) == want);
  }
  // The empty tree is SHA-256 of nothing.
  CHECK(ledger::ToHex(*merkle::EmptyRoot()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // 8 leaves: 8 leaf hashes, 4 + 2 + 1 interior nodes.
  CHECK(tree.nodes.size() == 15);
}

TEST_CASE("every inclusion and consistency vector, those that must fail included", "[merkle]") {
  auto inclusion = VectorFiles("inclusion");
  auto consistency = VectorFiles("consistency");
  CHECK(inclusion.size() + consistency.size() == 196);
  size_t valid = 0;
  for (const auto& path : inclusion) {
    auto v = boost::json::parse(ReadAll(path)).as_object();
    bool want_err = v.at("wantErr").as_bool();
    bool ok =
        merkle::VerifyInclusion(Uint(v.at("leafIdx")), Uint(v.at("treeSize")),
                                B64(v.at("leafHash")), Proof(v.at("proof")), B64(v.at("root")));
    INFO(path.string() << ": " << v.at("desc").as_string().c_str());
    CHECK(ok == !want_err);
    if (!want_err) ++valid;
  }
  for (const auto& path : consistency) {
    auto v = boost::json::parse(ReadAll(path)).as_object();
    bool want_err = v.at("wantErr").as_bool();
    bool ok =
        merkle::VerifyConsistency(Uint(v.at("size1")), Uint(v.at("size2")), Proof(v.at("proof")),
                                  B64(v.at("root1")), B64(v.at("root2")));
    INFO(path.string() << ": " << v.at("desc").as_string().c_str());
    CHECK(ok == !want_err);
    if (!want_err) ++valid;
  }
  CHECK(valid == 12);
}

TEST_CASE("generated proofs equal the reference proofs", "[merkle]") {
  auto leaves = boost::json::parse(ReadAll(kTestData + "/merkle/leaves.json")).as_object();
  auto inputs = leaves.at("leaves_hex").as_array();
  MemoryTree tree;
  for (const auto& input : inputs) tree.Add(FromHexBytes(std::string(input.as_string())));
  // The happy paths of the numbered folders are proofs in this tree (a prefix of it).
  size_t compared = 0;
  for (const auto& path : VectorFiles("inclusion")) {
    auto v = boost::json::parse(ReadAll(path)).as_object();
    if (path.filename() != "happy-path.json" || path.parent_path().filename() == "additional") {
      continue;
    }
    auto proof =
        merkle::InclusionProof(Uint(v.at("leafIdx")), Uint(v.at("treeSize")), tree.Source());
    REQUIRE(proof.ok());
    INFO(path.string());
    CHECK(merkle::Bytes(*proof) == Proof(v.at("proof")));
    ++compared;
  }
  for (const auto& path : VectorFiles("consistency")) {
    auto v = boost::json::parse(ReadAll(path)).as_object();
    if (path.filename() != "happy-path.json" || path.parent_path().filename() == "additional") {
      continue;
    }
    auto proof = merkle::ConsistencyProof(Uint(v.at("size1")), Uint(v.at("size2")), tree.Source());
    REQUIRE(proof.ok());
    INFO(path.string());
    CHECK(merkle::Bytes(*proof) == Proof(v.at("proof")));
    ++compared;
  }
  // Inclusion (0,1) (0,8) (5,8) (2,3) (1,5); consistency 1->1 1->8 6->8 2->5 6->7.
  CHECK(compared == 10);
}

TEST_CASE("proofs round-trip for every pair of sizes up to 8", "[merkle]") {
  MemoryTree tree;
  for (int i = 0; i < 8; ++i) tree.Add(std::string(static_cast<size_t>(i), 'x'));
  for (uint64_t n = 1; n <= 8; ++n) {
    std::string root = merkle::Bytes(*merkle::RootOf(n, tree.Source()));
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = merkle::InclusionProof(i, n, tree.Source());
      REQUIRE(proof.ok());
      std::string leaf = merkle::Bytes(tree.nodes.at({0, i}));
      CHECK(merkle::VerifyInclusion(i, n, leaf, merkle::Bytes(*proof), root));
      // The same proof does not prove the neighbour.
      if (n > 1) {
        CHECK_FALSE(merkle::VerifyInclusion((i + 1) % n, n, leaf, merkle::Bytes(*proof), root));
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      std::string root1 = merkle::Bytes(*merkle::RootOf(m, tree.Source()));
      auto proof = merkle::ConsistencyProof(m, n, tree.Source());
      REQUIRE(proof.ok());
      CHECK(merkle::VerifyConsistency(m, n, merkle::Bytes(*proof), root1, root));
      if (m < n) {
        // Another first tree of the same size is not a prefix.
        std::string other = root1;
        other[0] ^= 1;
        CHECK_FALSE(merkle::VerifyConsistency(m, n, merkle::Bytes(*proof), other, root));
      }
    }
  }
  CHECK_FALSE(merkle::InclusionProof(8, 8, tree.Source()).ok());
  CHECK_FALSE(merkle::ConsistencyProof(0, 8, tree.Source()).ok());
  CHECK_FALSE(merkle::ConsistencyProof(5, 4, tree.Source()).ok());
}

TEST_CASE("base64 is strict: padding, alphabet, canonical bits", "[merkle]") {
  CHECK(ledger::Base64Encode("") == "");
  CHECK(ledger::Base64Encode("f") == "Zg==");
  CHECK(ledger::Base64Encode("fo") == "Zm8=");
  CHECK(ledger::Base64Decode("Zm8=") == std::optional<std::string>("fo"));
  CHECK(ledger::Base64Decode("Zg==") == std::optional<std::string>("f"));
  CHECK_FALSE(ledger::Base64Decode("Zm8").has_value());
  CHECK_FALSE(ledger::Base64Decode("Zm9=").has_value());  // stray bits under the padding
  CHECK_FALSE(ledger::Base64Decode("Z===").has_value());
  CHECK_FALSE(ledger::Base64Decode("Zm-_").has_value());  // the URL alphabet is not this one
}

TEST_CASE("the ledger keeps the tree of its log, built by the writer", "[merkle][ledger]") {
  TempDir dir;
  MemoryTree expected;
  {
    auto log = OpenLedger(dir.path());
    for (int i = 1; i <= 11; ++i) {
      std::string stream = "complaint/c-" + std::to_string(i);
      auto e = Complaint("ev-" + std::to_string(i), stream);
      REQUIRE(AppendOne(*log, stream, ledger::ExpectedVersion::Any(), e).ok());
    }
    auto nodes = [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); };
    // The leaves are the chain's records, recomputed here from the stored events.
    for (uint64_t seq = 1; seq <= 11; ++seq) {
      auto e = log->Read(seq);
      REQUIRE(e.ok());
      expected.Add(ledger::internal::RecordOf(*e));
    }
    for (uint64_t size = 0; size <= 11; ++size) {
      auto stored = merkle::RootOf(size, nodes);
      REQUIRE(stored.ok());
      CHECK(*stored == *merkle::RootOf(size, expected.Source()));
    }
    CHECK(log->TreeNode(0, 10).ok());
    CHECK(log->TreeNode(0, 11).status().code() == ledger::Code::kNotFound);
    // 11 leaves hold 5 + 2 + 1 complete interior subtrees.
    CHECK(log->TreeNode(3, 0).ok());
    CHECK(log->TreeNode(1, 5).status().code() == ledger::Code::kNotFound);
    auto proof = merkle::InclusionProof(6, 11, nodes);
    REQUIRE(proof.ok());
    CHECK(merkle::VerifyInclusion(6, 11, merkle::Bytes(expected.nodes.at({0, 6})),
                                  merkle::Bytes(*proof),
                                  merkle::Bytes(*merkle::RootOf(11, expected.Source()))));
  }
  // After a restart the writer continues the same tree.
  auto log = OpenLedger(dir.path());
  auto e = Complaint("ev-12", "complaint/c-12");
  REQUIRE(AppendOne(*log, "complaint/c-12", ledger::ExpectedVersion::Any(), e).ok());
  expected.Add(ledger::internal::RecordOf(*log->Read(12)));
  auto nodes = [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); };
  CHECK(*merkle::RootOf(12, nodes) == *merkle::RootOf(12, expected.Source()));
}

TEST_CASE("a ledger written before the tree gets it when it opens", "[merkle][ledger]") {
  TempDir dir;
  Hash before{};
  {
    auto log = OpenLedger(dir.path());
    for (int i = 1; i <= 5; ++i) {
      std::string stream = "complaint/c-" + std::to_string(i);
      auto e = Complaint("ev-" + std::to_string(i), stream);
      REQUIRE(AppendOne(*log, stream, ledger::ExpectedVersion::Any(), e).ok());
    }
    before = *merkle::RootOf(5, [&](uint32_t l, uint64_t i) { return log->TreeNode(l, i); });
  }
  {
    // Remove the tree, as a ledger of an earlier version would be without it.
    rocksdb::Options options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, dir.path(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.path(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    REQUIRE(
        db->DeleteRange(rocksdb::WriteOptions(), db->DefaultColumnFamily(), "merkle/", "merkle0")
            .ok());
    std::string ignored;
    REQUIRE(db->Get(rocksdb::ReadOptions(), ledger::internal::TreeNodeKey(0, 0), &ignored)
                .IsNotFound());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  auto log = OpenLedger(dir.path());
  auto nodes = [&](uint32_t l, uint64_t i) { return log->TreeNode(l, i); };
  auto root = merkle::RootOf(5, nodes);
  REQUIRE(root.ok());
  CHECK(*root == before);
  auto e = Complaint("ev-6", "complaint/c-6");
  REQUIRE(AppendOne(*log, "complaint/c-6", ledger::ExpectedVersion::Any(), e).ok());
  CHECK(merkle::RootOf(6, nodes).ok());
}

namespace {

// Overwrites one stored tree node directly in RocksDB, as an intruder would.
void OverwriteNode(const std::string& dir, uint32_t level, uint64_t index) {
  rocksdb::Options options;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir, families, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  REQUIRE(db->Put(rocksdb::WriteOptions(), ledger::internal::TreeNodeKey(level, index),
                  std::string(32, '\x07'))
              .ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
}

}  // namespace

TEST_CASE("the integrity check finds a stored leaf or subtree that was changed",
          "[merkle][integrity]") {
  TempDir dir;
  {
    auto log = OpenLedger(dir.path());
    for (int i = 1; i <= 8; ++i) {
      std::string stream = "complaint/c-" + std::to_string(i);
      auto e = Complaint("ev-" + std::to_string(i), stream);
      REQUIRE(AppendOne(*log, stream, ledger::ExpectedVersion::Any(), e).ok());
    }
    auto report = ledger::CheckIntegrity(*log);
    REQUIRE(report.ok());
    CHECK(report->ok);
    CHECK(report->size == 8);
  }
  SECTION("a leaf") {
    OverwriteNode(dir.path(), 0, 3);
    auto log = OpenLedger(dir.path());
    auto report = ledger::CheckIntegrity(*log);
    REQUIRE(report.ok());
    CHECK_FALSE(report->ok);
    CHECK(report->bad_seq == 4);
    CHECK(report->problem.find("does not match its leaf") != std::string::npos);
  }
  SECTION("an interior subtree") {
    OverwriteNode(dir.path(), 2, 1);
    auto log = OpenLedger(dir.path());
    auto report = ledger::CheckIntegrity(*log);
    REQUIRE(report.ok());
    CHECK_FALSE(report->ok);
    // Completed by the eighth event: leaves 4..7 are under it.
    CHECK(report->bad_seq == 8);
    CHECK(report->problem.find("node 1 at level 2 does not match") != std::string::npos);
  }
}
