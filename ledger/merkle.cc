#include "ledger/merkle.h"

#include <openssl/evp.h>

#include <bit>
#include <initializer_list>
#include <memory>
#include <optional>

#include "record.h"

namespace ledger::merkle {
namespace {

constexpr size_t kHashSize = 32;

struct FreeContext {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

Result<Hash> Sha256(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, FreeContext> ctx(EVP_MD_CTX_new());
  Hash out{};
  unsigned int length = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx.get(), out.data(), &length) == 1 && length == out.size();
  if (!ok) return Status::IOError("SHA-256 failed in the Merkle tree (OpenSSL)");
  return out;
}

std::string_view View(const Hash& h) {
  return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
}

// The largest power of two strictly below n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// The root of leaves [start, start + size): a stored node when the range is a complete subtree,
// else split as RFC 9162 does. Ranges met in the proofs always start at a multiple of the power
// of two that bounds them, so at most two stored nodes per level are read.
Result<Hash> SubtreeHash(uint64_t start, uint64_t size, const NodeSource& nodes) {
  if (IsPowerOfTwo(size) && start % size == 0) {
    return nodes(static_cast<uint32_t>(std::countr_zero(size)), start / size);
  }
  uint64_t k = SplitPoint(size);
  auto left = SubtreeHash(start, k, nodes);
  if (!left.ok()) return left.status();
  auto right = SubtreeHash(start + k, size - k, nodes);
  if (!right.ok()) return right.status();
  return NodeHash(*left, *right);
}

// PATH(m, D[start : start + size]), appended to `out` leaf sibling first.
Status Path(uint64_t m, uint64_t start, uint64_t size, const NodeSource& nodes,
            std::vector<Hash>* out) {
  if (size <= 1) return Status::Ok();
  uint64_t k = SplitPoint(size);
  if (m < k) {
    Status s = Path(m, start, k, nodes, out);
    if (!s.ok()) return s;
    auto sibling = SubtreeHash(start + k, size - k, nodes);
    if (!sibling.ok()) return sibling.status();
    out->push_back(*sibling);
  } else {
    Status s = Path(m - k, start + k, size - k, nodes, out);
    if (!s.ok()) return s;
    auto sibling = SubtreeHash(start, k, nodes);
    if (!sibling.ok()) return sibling.status();
    out->push_back(*sibling);
  }
  return Status::Ok();
}

// SUBPROOF(m, D[start : start + size], whole).
Status SubProof(uint64_t m, uint64_t start, uint64_t size, bool whole, const NodeSource& nodes,
                std::vector<Hash>* out) {
  if (m == size) {
    if (whole) return Status::Ok();
    auto root = SubtreeHash(start, size, nodes);
    if (!root.ok()) return root.status();
    out->push_back(*root);
    return Status::Ok();
  }
  uint64_t k = SplitPoint(size);
  if (m <= k) {
    Status s = SubProof(m, start, k, whole, nodes, out);
    if (!s.ok()) return s;
    auto right = SubtreeHash(start + k, size - k, nodes);
    if (!right.ok()) return right.status();
    out->push_back(*right);
  } else {
    Status s = SubProof(m - k, start + k, size - k, false, nodes, out);
    if (!s.ok()) return s;
    auto left = SubtreeHash(start, k, nodes);
    if (!left.ok()) return left.status();
    out->push_back(*left);
  }
  return Status::Ok();
}

// H(left, right) over bytes already checked to be 32 long; nullopt if hashing failed.
std::optional<std::string> Node(std::string_view left, std::string_view right) {
  auto h = Sha256({std::string_view("\x01", 1), left, right});
  if (!h.ok()) return std::nullopt;
  return Bytes(*h);
}

}  // namespace

std::string LeafInput(const RecordedEvent& event) { return internal::RecordOf(event); }

Result<Hash> LeafHash(std::string_view bytes) {
  return Sha256({std::string_view("\x00", 1), bytes});
}

Result<Hash> NodeHash(const Hash& left, const Hash& right) {
  return Sha256({std::string_view("\x01", 1), View(left), View(right)});
}

Result<Hash> EmptyRoot() { return Sha256({}); }

std::vector<std::string> Bytes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.push_back(Bytes(h));
  return out;
}

Result<Hash> RootOf(uint64_t size, const NodeSource& nodes) {
  if (size == 0) return EmptyRoot();
  return SubtreeHash(0, size, nodes);
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeSource& nodes) {
  if (index >= size) {
    return Status::InvalidArgument("leaf " + std::to_string(index) + " is not in a tree of size " +
                                   std::to_string(size));
  }
  std::vector<Hash> out;
  Status s = Path(index, 0, size, nodes, &out);
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                           const NodeSource& nodes) {
  if (size1 == 0 || size1 > size2) {
    return Status::InvalidArgument("no consistency proof links size " + std::to_string(size1) +
                                   " to size " + std::to_string(size2) +
                                   " (the first size must be from 1 to the second)");
  }
  std::vector<Hash> out;
  if (size1 == size2) return out;
  Status s = SubProof(size1, 0, size2, true, nodes, &out);
  if (!s.ok()) return s;
  return out;
}

bool VerifyInclusion(uint64_t index, uint64_t size, std::string_view leaf_hash,
                     const std::vector<std::string>& proof, std::string_view root) {
  if (index >= size || leaf_hash.size() != kHashSize) return false;
  for (const std::string& p : proof) {
    if (p.size() != kHashSize) return false;
  }
  uint64_t inner = std::bit_width(index ^ (size - 1));
  uint64_t border = std::popcount(index >> inner);
  if (proof.size() != inner + border) return false;
  std::string r(leaf_hash);
  for (size_t j = 0; j < proof.size(); ++j) {
    bool right_child = j < inner && ((index >> j) & 1) == 0;
    auto next = right_child ? Node(r, proof[j]) : Node(proof[j], r);
    if (!next) return false;
    r = std::move(*next);
  }
  return r == root;
}

bool VerifyConsistency(uint64_t size1, uint64_t size2, const std::vector<std::string>& proof,
                       std::string_view root1, std::string_view root2) {
  if (size1 == 0 || size1 > size2) return false;
  // Equal sizes: nothing to hash, so roots of any length compare as they are.
  if (size1 == size2) return proof.empty() && root1 == root2;
  if (proof.empty()) return false;
  for (const std::string& p : proof) {
    if (p.size() != kHashSize) return false;
  }
  std::vector<std::string> path;
  if (IsPowerOfTwo(size1)) {
    if (root1.size() != kHashSize) return false;
    path.emplace_back(root1);
  }
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      auto f = Node(c, fr), s = Node(c, sr);
      if (!f || !s) return false;
      fr = std::move(*f);
      sr = std::move(*s);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      auto s = Node(sr, c);
      if (!s) return false;
      sr = std::move(*s);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root1 && sr == root2 && sn == 0;
}

Result<Frontier> Frontier::Load(uint64_t size, const NodeSource& nodes) {
  Frontier f;
  f.size_ = size;
  for (uint32_t level = 0; level < 64 && (size >> level) != 0; ++level) {
    Hash h{};
    if ((size >> level) & 1) {
      auto node = nodes(level, (size >> level) - 1);
      if (!node.ok()) return node.status();
      h = *node;
    }
    f.peaks_.push_back(h);
  }
  return f;
}

Status Frontier::Append(const Hash& leaf_hash, const Emit& emit) {
  // Compute first, then change anything: a failed hash leaves the frontier as it was.
  std::vector<std::pair<uint32_t, Hash>> made;
  Hash h = leaf_hash;
  made.emplace_back(0, h);
  uint32_t level = 0;
  while ((size_ >> level) & 1) {
    auto parent = NodeHash(peaks_[level], h);
    if (!parent.ok()) return parent.status();
    h = *parent;
    ++level;
    made.emplace_back(level, h);
  }
  uint64_t index = size_;
  for (const auto& [l, hash] : made) emit(l, index >> l, hash);
  if (peaks_.size() <= level) peaks_.resize(level + 1);
  peaks_[level] = h;
  ++size_;
  return Status::Ok();
}

Result<Hash> Frontier::Root() const {
  if (size_ == 0) return EmptyRoot();
  // Fold the peaks from the smallest (rightmost) to the largest.
  std::optional<Hash> acc;
  for (uint32_t level = 0; level < peaks_.size(); ++level) {
    if (((size_ >> level) & 1) == 0) continue;
    if (!acc) {
      acc = peaks_[level];
      continue;
    }
    auto h = NodeHash(peaks_[level], *acc);
    if (!h.ok()) return h.status();
    acc = *h;
  }
  return *acc;
}

}  // namespace ledger::merkle
