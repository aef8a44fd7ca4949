// KeyFilter: the keys a table has written to a store that was empty, kept as Bloom filters, so
// that a key it never wrote is known absent without reading the store.
//
// A rebuild applies the whole history into a cleared store, and most records an event asks for
// are new (a complaint's, a household's, an entity's audit list): each was a store read that
// found nothing, about a sixth of a rebuild's CPU at 1M events, for RocksDB probes a filter
// in every table file. This answers "absent" from memory instead.
//
// It may answer "maybe" for a key never added, never "no" for one that was. It grows with the
// keys added: a chain of filters, each with room for twice the keys of the one before, 12 bits
// a key; a lookup probes one cache line in each. Each full filter answers "maybe" for about
// 0.6 % of the keys it was not given: about 2 % with 120,000 keys, 6 % with 10 million (ten
// filters). A "maybe" costs only the store read that was made before.
// Not thread-safe: its table guards it.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace projections {

class KeyFilter {
 public:
  void Add(std::string_view key);
  // False only for a key never added.
  bool MayContain(std::string_view key) const;
  // How many keys were added, counting one added twice as two.
  size_t added() const { return added_; }
  // The memory its filters take.
  size_t bytes() const;

 private:
  // One filter: blocks of one cache line (512 bits); a key sets kProbes bits in one block.
  struct Part {
    std::vector<uint64_t> words;  // 8 per block
    size_t capacity = 0;          // keys it takes before the next part begins
    size_t added = 0;
  };
  static constexpr int kProbes = 8;
  static constexpr size_t kBitsPerKey = 12;
  static constexpr size_t kFirstCapacity = size_t{1} << 14;

  static void Set(Part& part, uint64_t hash);
  static bool Test(const Part& part, uint64_t hash);

  std::vector<Part> parts_;
  size_t added_ = 0;
};

}  // namespace projections
