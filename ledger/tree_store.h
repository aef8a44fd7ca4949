// The Merkle tree (merkle.h) as the ledger stores it. Internal to ledger/.
//
// Kept in the ledger's default column family, written in the same WriteBatch as the events whose
// leaves they hold, so the stored tree always covers exactly the stored log:
//
//   merkle/n/ level (1 byte) index (8, BE)   value: the hash of that complete subtree (32)
//   merkle/size                              value: the number of leaves stored (8, BE)
//
// About two hashes per event (a leaf, and on average one interior node). A ledger written before
// the tree has none; opening it builds the tree from the log once (ledger_store.cc).

#pragma once

#include <rocksdb/db.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <string>
#include <string_view>

#include "ledger/merkle.h"

namespace ledger::internal {

extern const char kTreeSizeKey[];

std::string TreeNodeKey(uint32_t level, uint64_t index);

// The prefix that names a node's level ("merkle/n/" and the level byte); other keys of the family
// are outside its domain. Given to RocksDB as the family's memtable insert hint: the nodes of one
// level are written in index order, so each insert starts from where the last one of its level
// went instead of searching the memtable from its top.
std::shared_ptr<const rocksdb::SliceTransform> NewTreeLevelHint();

// A stored node, NotFound if absent. The caller keeps the store open.
Result<Hash> ReadTreeNode(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, uint32_t level,
                          uint64_t index);

// The writer's side: the tree's right edge, and what an append adds to a batch.
class TreeWriter {
 public:
  // The tree as stored: its size and right edge. Size 0 if the store holds no tree.
  static Result<TreeWriter> Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family);

  uint64_t size() const { return frontier_.size(); }
  // Adds the leaf of `record` (the chain's bytes, record.h) and the nodes it completes to
  // `batch`, in `family` (the store's default family; passed each time because the store is
  // reopened after a failed write). On failure nothing is added and the tree is unchanged.
  Status Add(std::string_view record, rocksdb::ColumnFamilyHandle* family,
             rocksdb::WriteBatch* batch);
  // Adds the tree's size to `batch`: once per batch, after the last Add.
  void PutSize(rocksdb::ColumnFamilyHandle* family, rocksdb::WriteBatch* batch) const;
  Result<Hash> Root() const { return frontier_.Root(); }

 private:
  merkle::Frontier frontier_;
};

}  // namespace ledger::internal
