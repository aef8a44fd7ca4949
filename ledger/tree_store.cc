#include "tree_store.h"

#include <cstring>
#include <vector>

#include "record.h"

namespace ledger::internal {

const char kTreeSizeKey[] = "merkle/size";

namespace {
constexpr std::string_view kNodePrefix = "merkle/n/";

class TreeLevelHint final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "ledger.TreeLevelHint"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), kNodePrefix.size() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() > kNodePrefix.size() &&
           key.starts_with(rocksdb::Slice(kNodePrefix.data(), kNodePrefix.size()));
  }
};

}  // namespace

std::shared_ptr<const rocksdb::SliceTransform> NewTreeLevelHint() {
  return std::make_shared<TreeLevelHint>();
}

std::string TreeNodeKey(uint32_t level, uint64_t index) {
  std::string key(kNodePrefix);
  key.push_back(static_cast<char>(level));
  key.resize(kNodePrefix.size() + 9);
  PutBigEndian64(index, key.data() + kNodePrefix.size() + 1);
  return key;
}

Result<Hash> ReadTreeNode(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, uint32_t level,
                          uint64_t index) {
  rocksdb::PinnableSlice value;
  auto s = db->Get(rocksdb::ReadOptions(), family, TreeNodeKey(level, index), &value);
  if (s.IsNotFound()) {
    return Status::NotFound("the Merkle tree holds no node " + std::to_string(index) +
                            " at level " + std::to_string(level));
  }
  if (!s.ok()) return Status::IOError("reading the Merkle tree: " + s.ToString());
  if (value.size() != kHashBytes) {
    return Status::Corruption("the Merkle tree's node " + std::to_string(index) + " at level " +
                              std::to_string(level) + " is " + std::to_string(value.size()) +
                              " bytes, not 32");
  }
  Hash h;
  std::memcpy(h.data(), value.data(), kHashBytes);
  return h;
}

Result<TreeWriter> TreeWriter::Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  TreeWriter writer;
  std::string value;
  auto s = db->Get(rocksdb::ReadOptions(), family, kTreeSizeKey, &value);
  uint64_t size = 0;
  if (s.ok() && value.size() == 8) {
    size = GetBigEndian64(value.data());
  } else if (s.ok()) {
    return Status::Corruption("the Merkle tree's stored size is " + std::to_string(value.size()) +
                              " bytes, not 8");
  } else if (!s.IsNotFound()) {
    return Status::IOError("reading the Merkle tree's size: " + s.ToString());
  }
  auto frontier = merkle::Frontier::Load(
      size, [&](uint32_t level, uint64_t index) { return ReadTreeNode(db, family, level, index); });
  if (!frontier.ok()) return frontier.status();
  writer.frontier_ = std::move(frontier).value();
  return writer;
}

Status TreeWriter::Add(std::string_view record, rocksdb::ColumnFamilyHandle* family,
                       rocksdb::WriteBatch* batch) {
  auto leaf = merkle::LeafHash(record);
  if (!leaf.ok()) return leaf.status();
  // The nodes are collected first: a failed hash must leave the batch as it was.
  std::vector<std::pair<std::string, Hash>> nodes;
  Status s = frontier_.Append(*leaf, [&](uint32_t level, uint64_t index, const Hash& hash) {
    nodes.emplace_back(TreeNodeKey(level, index), hash);
  });
  if (!s.ok()) return s;
  for (const auto& [key, hash] : nodes) {
    batch->Put(family, key,
               rocksdb::Slice(reinterpret_cast<const char*>(hash.data()), hash.size()));
  }
  return Status::Ok();
}

void TreeWriter::PutSize(rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatch* batch) const {
  batch->Put(family, kTreeSizeKey, SeqKey(frontier_.size()));
}

}  // namespace ledger::internal
