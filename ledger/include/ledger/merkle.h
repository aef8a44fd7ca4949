// The Merkle tree over the log (RFC 9162 section 2.1, SHA-256), its proofs and their checks.
//
//   leaf hash   = SHA-256(0x00 || record(seq))        record: ledger/record.h, the chain's bytes
//   node hash   = SHA-256(0x01 || left || right)
//   empty root  = SHA-256("")
//   root(n > 1) = node(root(first k leaves), root(the other n - k)), k the largest power of two
//                 strictly below n.
//
// Leaf i (0-based) is the event at seq i + 1, so the tree of size n covers events 1..n.
//
// The ledger stores the hash of every complete subtree (node (level, index) covers leaves
// [index * 2^level, (index + 1) * 2^level)), written by the writer in the same batch as the
// events; the root of any size and any proof then take O(log n) stored hashes. The functions
// here read those hashes through a NodeSource, so they are the same for the stored tree and for
// a tree built in memory from an export (ledgerctl audit) or in a test.
//
//   auto nodes = [&](uint32_t level, uint64_t index) { return log->TreeNode(level, index); };
//   auto root = merkle::RootOf(log->Head().seq, nodes);
//   auto proof = merkle::InclusionProof(seq - 1, size, nodes);
//
// The checks take hashes as bytes of any length, so that a proof or root of the wrong length
// fails the check rather than a parse that drops it.

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ledger/ledger.h"

namespace ledger::merkle {

// The bytes the leaf of a stored event hashes: its record, the same bytes the hash chain covers
// (seq, stream version, canonical event; ledger.h).
std::string LeafInput(const RecordedEvent& event);

// SHA-256(0x00 || bytes). Fails only if the hash function does.
Result<Hash> LeafHash(std::string_view bytes);
// SHA-256(0x01 || left || right).
Result<Hash> NodeHash(const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of the empty tree.
Result<Hash> EmptyRoot();

// The hash of complete subtree `index` at `level`; NotFound if the tree does not hold it yet.
using NodeSource = std::function<Result<Hash>(uint32_t level, uint64_t index)>;

// The root of the tree of the first `size` leaves.
Result<Hash> RootOf(uint64_t size, const NodeSource& nodes);

// The audit path of leaf `index` in the tree of `size` leaves, leaf sibling first (RFC 9162
// 2.1.3.1). InvalidArgument if index >= size.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes);

// The proof that the tree of `size1` leaves is a prefix of the one of `size2` (RFC 9162
// 2.1.4.1); empty when the sizes are equal. InvalidArgument if size1 is 0 or above size2.
Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2, const NodeSource& nodes);

// Whether `proof` shows leaf `index`, with hash `leaf_hash`, in the tree of `size` leaves whose
// root is `root` (RFC 9162 2.1.3.2).
bool VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root);

// Whether `proof` shows that the tree of `size1` leaves with root `root1` is a prefix of the tree
// of `size2` leaves with root `root2` (RFC 9162 2.1.4.2). Size 0 never verifies.
bool VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<std::string>& proof,
                       std::string_view root1, std::string_view root2);

// The right edge of a tree: one complete subtree per set bit of its size. Appending a leaf
// yields the complete subtrees it completes, which the ledger stores; nothing else is read.
class Frontier {
 public:
  // A new node to store: complete subtree `index` at `level`.
  using Emit = std::function<void(uint32_t level, uint64_t index, const Hash& hash)>;

  Frontier() = default;
  // The right edge of the tree of `size` leaves, read from `nodes`.
  static Result<Frontier> Load(uint64_t size, const NodeSource& nodes);

  uint64_t size() const { return size_; }
  // Adds a leaf; calls `emit` for the leaf itself (level 0) and each subtree it completes.
  // On failure (a hash failed) the frontier is unchanged.
  Status Append(const Hash& leaf_hash, const Emit& emit);
  // The root of the tree so far, from the right edge alone.
  Result<Hash> Root() const;

 private:
  uint64_t size_ = 0;
  // peaks_[level]: the complete subtree at that level on the right edge, if bit `level` of
  // size_ is set.
  std::vector<Hash> peaks_;
};

// Hashes as bytes, for the checks above.
inline std::string Bytes(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}
std::vector<std::string> Bytes(const std::vector<Hash>& hashes);

}  // namespace ledger::merkle
